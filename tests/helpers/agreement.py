"""Every format tells the same story: checks that one report's formats agree on its counts."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from junitparser import Error, Failure, JUnitXml, Skipped

from checker.controls import summarize
from checker.model import FindingStatus, Report, Severity, job_identity
from checker.reports import (
    FORMATS,
    RenderOptions,
    asff,
    evidence,
    json_report,
    junit,
    markdown,
    sarif,
)
from helpers.html_page import Page
from helpers.junit import validate_junit
from helpers.markdown import expected_summary_table, summary_table
from helpers.sarif import assert_github_ready, assert_valid_sarif


def expected_counts(report: Report) -> dict[str, Any]:
    """Counts taken straight from the results, independently of Report.summary()."""
    findings = [f for r in report.results for f in r.findings]
    violated = [f for f in findings if f.status is FindingStatus.VIOLATED]
    return {
        "jobs": len(report.results),
        "errored": sum(1 for r in report.results if r.error is not None),
        "active": [f for f in violated if f.suppression is None],
        "waived": [f for f in violated if f.suppression is not None],
        "unknown": [f for f in findings if f.status is FindingStatus.UNKNOWN],
        "all": findings,
    }


def check_json(report: Report, expected: dict[str, Any]) -> None:
    document = json.loads(json_report.render(report, RenderOptions()))
    summary = document["summary"]
    assert summary == report.summary()
    jobs = document["jobs"]
    assert summary["jobs"] == len(jobs) == expected["jobs"]
    outcomes = Counter(job["outcome"] for job in jobs)
    for outcome in ("passed", "failed", "waived", "errored"):
        assert summary[outcome] == outcomes[outcome]
    assert summary["errored"] == expected["errored"]
    assert sum(1 for job in jobs if job["error"] is not None) == expected["errored"]
    found = [f for job in jobs for f in job["findings"]]
    active = [f for f in found if f["status"] == "violated" and f["suppression"] is None]
    assert summary["findings"] == len(active) == len(expected["active"])
    for severity in ("error", "warning", "note"):
        assert summary["bySeverity"][severity] == sum(
            1 for f in active if f["severity"] == severity
        )
    waived = [f for f in found if f["suppression"] and f["suppression"]["kind"] == "waiver"]
    assert summary["waivedFindings"] == len(waived) == len(expected["waived"])
    assert summary["unknown"] == sum(1 for f in found if f["status"] == "unknown")
    assert document["exitCode"] == report.exit_code
    assert sum(w["matched"] for w in document["waivers"]) == len(waived)


def check_sarif(report: Report, expected: dict[str, Any]) -> None:
    summary = report.summary()
    for include in (False, True):
        document = json.loads(sarif.render(report, RenderOptions(sarif_include_suppressed=include)))
        assert_valid_sarif(document)
        assert_github_ready(document)
        [run] = document["runs"]
        results = run["results"]
        assert run["properties"]["summary"] == summary
        assert len(run["properties"]["jobs"]) == expected["jobs"]
        suppressed = [r for r in results if "suppressions" in r]
        if include:
            assert len(results) == len(expected["all"])
            assert len(suppressed) == len(expected["waived"])
        else:
            assert len(results) == len(expected["active"]) + len(expected["unknown"])
            assert suppressed == []
        levels = Counter(r["level"] for r in results if "suppressions" not in r)
        assert levels["error"] == summary["bySeverity"]["error"]
        assert levels["warning"] == summary["bySeverity"]["warning"]
        assert levels["note"] == summary["bySeverity"]["note"] + summary["unknown"]
        notifications = run["invocations"][0]["toolExecutionNotifications"]
        errored = [n for n in notifications if n.get("descriptor", {}).get("id")]
        assert len(errored) == expected["errored"]
        assert run["invocations"][0]["executionSuccessful"] == (expected["errored"] == 0)
        warnings = [n for n in notifications if "descriptor" not in n]
        assert len(warnings) == sum(1 for w in report.waivers if w.status != "active")


def check_junit(report: Report, expected: dict[str, Any]) -> None:
    rendered = junit.render(report, RenderOptions()).encode("utf-8")
    validate_junit(rendered)
    xml = JUnitXml.fromstring(rendered)
    suites = list(xml)
    assert len(suites) == max(expected["jobs"], 1)
    results_by_type: Counter[type] = Counter()
    skipped_cases: set[tuple[str, str]] = set()
    for suite in suites:
        names = [case.name for case in suite]
        assert len(names) == len(set(names)) >= 1
        for case in suite:
            for result in case.result:
                results_by_type[type(result)] += 1
                if isinstance(result, Skipped):
                    skipped_cases.add((suite.name, case.name.split(" ", 1)[0]))
    assert results_by_type[Error] == expected["errored"] == int(xml._elem.get("errors"))
    assert results_by_type[Failure] == int(xml._elem.get("failures"))
    failing_pairs = {
        (result.key, f.rule.id) for result in report.results for f in result.findings if f.counts
    }
    assert results_by_type[Failure] == len(failing_pairs)
    assert int(xml._elem.get("tests")) == sum(len(list(suite)) for suite in suites)
    # Every waived finding shows as skipped, unless its rule also fails on that job.
    suite_names = {r.key: s.name for r, s in zip(report.results, suites, strict=False)}
    for result in report.results:
        for finding in result.findings:
            if finding.suppression is not None and (result.key, finding.rule.id) not in (
                failing_pairs
            ):
                assert (suite_names[result.key], finding.rule.id) in skipped_cases


def check_markdown(report: Report) -> None:
    summary = report.summary()
    text = markdown.render(report, RenderOptions())
    assert summary_table(text) == expected_summary_table(report)
    assert ("### Not evaluated" in text) == (summary["errored"] > 0)
    assert ("### Waived" in text.splitlines()) == (summary["waivedFindings"] > 0)


def check_html(report: Report, expected: dict[str, Any], framework: str) -> None:
    summary = report.summary()
    page = Page(FORMATS["html"](report, RenderOptions(framework=framework)))
    assert page.counts() == {
        **{k: v for k, v in summary.items() if k != "bySeverity"},
        **summary["bySeverity"],
    }
    rows = page.find("tr", "job-row")
    assert len(rows) == expected["jobs"] == len(page.find("section", "job"))
    outcomes = Counter(row.attrs["data-outcome"] for row in rows)
    for outcome in ("passed", "failed", "waived", "errored"):
        assert outcomes[outcome] == summary[outcome]
    findings = page.find("tr", "finding-row")
    assert len(findings) == len(expected["all"])
    assert sum(1 for f in findings if f.attrs["data-status"] == "unknown") == len(
        expected["unknown"]
    )
    waived = [f for f in findings if f.attrs["data-suppressed"] == "waiver"]
    assert len(waived) == summary["waivedFindings"] == len(expected["waived"])
    assert len(page.find("tr", "waiver-row")) == len(report.waivers)
    # The per-control summary agrees with the JSON report's.
    controls = json.loads(json_report.render(report, RenderOptions(framework=framework)))
    statuses = [row.attrs["data-status"] for row in page.find("tr", "control-row")]
    assert statuses == [c["status"] for c in controls["framework"]["controls"]]
    assert statuses == [c.status for c in summarize(report, framework).controls]


def check_asff(report: Report) -> None:
    """One ASFF finding per (job, rule) with a violation that counts or an unknown outcome."""
    options = RenderOptions(asff_account="111122223333", default_region="us-east-1")
    findings = json.loads(asff.render(report, options))
    pairs = {
        (job_identity(r), f.rule.id): f.rule.severity
        for r in report.results
        for f in r.findings
        if f.counts or f.status is FindingStatus.UNKNOWN
    }
    failing = {
        (job_identity(r), f.rule.id): f.rule.severity
        for r in report.results
        for f in r.findings
        if f.counts
    }
    assert len(findings) == len({f["Id"] for f in findings}) == len(pairs)
    statuses = Counter(f["Compliance"]["Status"] for f in findings)
    assert statuses["FAILED"] == len(failing)
    assert statuses["WARNING"] == len(pairs) - len(failing)
    labels = Counter(f["Severity"]["Label"] for f in findings)
    assert labels["HIGH"] == sum(1 for s in failing.values() if s is Severity.ERROR)
    assert labels["INFORMATIONAL"] == len(pairs) - len(failing)


def check_evidence(report: Report, expected: dict[str, Any]) -> None:
    """One evidence document per job, whose outcomes agree with the summary."""
    files = evidence.documents(report, RenderOptions())
    index = json.loads(files[evidence.INDEX])
    assert index["summary"] == report.summary()
    documents = [
        json.loads(text)
        for name, text in files.items()
        if name not in (evidence.INDEX, evidence.MANIFEST)
    ]
    assert len(documents) == len(index["jobs"]) == expected["jobs"]
    outcomes = Counter(d["job"]["outcome"] for d in documents)
    for outcome in ("passed", "failed", "waived", "errored"):
        assert outcomes[outcome] == report.summary()[outcome]
    violated = sum(1 for d in documents for r in d["rules"] if r["outcome"] == "violated")
    per_job = {(i, f.rule.id) for i, r in enumerate(report.results) for f in r.findings if f.counts}
    assert violated == len(per_job)
    assert len(files[evidence.MANIFEST].splitlines()) == len(files) - 1


def check_merge(report: Report) -> None:
    """What `merge` reads back from the run's JSON report renders as the run itself does: the
    same counts, ASFF findings, evidence record and HTML report."""
    import datetime

    from checker.merge import report_from_dict

    merged = report_from_dict(json.loads(json_report.render(report, RenderOptions())))
    assert merged.summary() == report.summary()
    when = datetime.datetime(2026, 12, 5, 8, 30, tzinfo=datetime.UTC)
    digests = evidence.policy_digests(report.policy_sources, report.policy_digests)
    options = RenderOptions(
        asff_account="111122223333",
        default_region="us-east-1",
        generated_at=when,
        policy_digests=digests,
    )
    assert asff.findings(merged, options) == asff.findings(report, options)
    assert evidence.documents(merged, options) == evidence.documents(report, options)
    assert FORMATS["html"](merged, options) == FORMATS["html"](report, options)
