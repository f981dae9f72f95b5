"""Markdown: the summary table agrees with Report.summary(); tables survive odd text."""

from __future__ import annotations

import dataclasses
import datetime

from helpers.jobs import DELETE, make_job
from helpers.markdown import expected_summary_table, summary_table, table

from checker.evaluate import evaluate
from checker.model import (
    Finding,
    FindingStatus,
    Job,
    JobResult,
    LoadError,
    Origin,
    Report,
    Waiver,
    fingerprint,
)
from checker.policy import load_policy
from checker.reports import RenderOptions, markdown
from checker.waivers import apply_baseline, apply_waivers

POLICY = load_policy(["builtin:baseline"])
RULES = {rule.id: rule for rule in POLICY.rules}
ARN = "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"
TODAY = datetime.date(2025, 6, 1)


def file_job(suffix: str, path: str | None = None, **overrides) -> Job:
    job = make_job(jobName=f"job-{suffix}", jobArn=ARN + suffix, **overrides)
    return dataclasses.replace(job, origin=Origin(path=path or f"jobs/{suffix}.json"))


def sections(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("### ")]


def mixed_report() -> Report:
    """Passing, failing, waived, errored jobs; an unknown finding; an expired and a stale waiver."""
    jobs: list[Job | LoadError] = [
        file_job("pass"),
        file_job("fail", vpcConfig=DELETE, outputModelKmsKeyArn="alias/k"),
        file_job("waive", vpcConfig=DELETE),
        file_job("unknown", roleArn="arn:aws:iam::{account_id}:role/x"),
        LoadError(Origin(path="jobs/broken.json", line=2), "invalid JSON: Expecting value"),
    ]
    waivers = [
        Waiver("BMC001", "sandbox", datetime.date(2030, 1, 1), jobs=("job-waive",)),
        Waiver(
            "BMC003",
            "old",
            datetime.date(2020, 1, 1),
            jobs=("*",),
            origin=Origin(path="waivers.yaml", line=8),
        ),
        Waiver(
            "BMC006",
            "nothing",
            datetime.date(2030, 1, 1),
            jobs=("*",),
            origin=Origin(path="waivers.yaml", line=14),
        ),
    ]
    results, statuses = apply_waivers(evaluate(jobs, POLICY), waivers, TODAY)
    return Report(tuple(results), POLICY.rules, waivers=statuses)


def test_summary_table_equals_report_summary() -> None:
    report = mixed_report()
    text = markdown.render(report, RenderOptions())
    assert text.splitlines()[0] == "## bedrock-checker: 5 jobs checked, run fails"
    numbers = summary_table(text)
    assert numbers == expected_summary_table(report)
    # job-unknown: BMC010 fails, BMC005 cannot decide.
    assert numbers == {
        "Jobs": 5,
        "Passed": 1,
        "Failed": 2,
        "Waived": 1,
        "Errored": 1,
        "Errors": 2,
        "Warnings": 1,
        "Notes": 0,
        "Unknown": 1,
        "Waived findings": 1,
    }


def test_findings_table_links_rules_to_their_help() -> None:
    text = markdown.render(mixed_report(), RenderOptions())
    [header, *rows] = table(text, "### Findings")
    assert header == ["Severity", "Rule", "Job", "Location", "Finding"]
    assert [(row[0], row[1].split("]")[0], row[2]) for row in rows] == [
        ("error", "[BMC001", "job-fail"),
        ("error", "[BMC010", "job-unknown"),
        ("warning", "[BMC004", "job-fail"),
        ("unknown", "[BMC005", "job-unknown"),
    ]
    for row in rows:
        rule_id = row[1][1:7]
        assert row[1] == f"[{rule_id}]({RULES[rule_id].help_uri}) {RULES[rule_id].title}"
        assert RULES[rule_id].help_uri.endswith(f"/docs/rules/{rule_id}.md")
    assert rows[0][3] == "`jobs/fail.json:1`"
    assert rows[2][4] == "outputModelKmsKeyArn: 'alias/k' is not an ARN"


def test_rule_without_help_uri_is_plain_text() -> None:
    rule = dataclasses.replace(RULES["BMC001"], id="ORG001", help_uri=None)
    finding = Finding(rule, FindingStatus.VIOLATED, "x", "x: bad", "None", 1)
    report = Report((JobResult(file_job("a"), None, (finding,), ("ORG001",)),), (rule,))
    [_, row] = table(markdown.render(report, RenderOptions()), "### Findings")
    assert row[1] == f"ORG001 {rule.title}"


def test_pipes_and_newlines_in_text_are_escaped() -> None:
    rule = dataclasses.replace(RULES["BMC001"], title="VPC | subnets")
    finding = Finding(rule, FindingStatus.VIOLATED, "x", "x: a | b\nnext", "None", 1)
    job = file_job("a", path="jobs/odd|name.json")
    job = dataclasses.replace(job, document={**job.document, "jobName": "job|one"})
    report = Report((JobResult(job, None, (finding,), ("BMC001",)),), (rule,))
    text = markdown.render(report, RenderOptions())
    [_, row] = table(text, "### Findings")
    assert len(row) == 5
    assert row[1].endswith(r"VPC \| subnets")
    assert row[2] == r"job\|one"
    assert row[3] == r"`jobs/odd\|name.json:1`"
    assert row[4] == r"x: a \| b next"


def test_waived_errored_and_waiver_warning_sections() -> None:
    text = markdown.render(mixed_report(), RenderOptions())
    assert sections(text) == [
        "### Findings",
        "### Not evaluated",
        "### Waived",
        "### Waiver warnings",
    ]
    [header, errored] = table(text, "### Not evaluated")
    assert header == ["Job", "Problem"]
    assert errored == ["`jobs/broken.json:2`", "invalid JSON: Expecting value"]
    [header, waived] = table(text, "### Waived")
    assert header == ["Rule", "Job", "Justification"]
    assert waived == [
        f"[BMC001]({RULES['BMC001'].help_uri})",
        "job-waive",
        "waived until 2030-01-01: sandbox",
    ]
    warnings = text.split("### Waiver warnings\n\n", 1)[1].strip().splitlines()
    assert warnings == [
        "- `waivers.yaml:8` BMC003: expired on 2020-01-01",
        "- `waivers.yaml:14` BMC006: matches no finding (stale)",
    ]


def test_clean_run_has_no_extra_sections() -> None:
    report = Report(tuple(evaluate([file_job("a")], POLICY)), POLICY.rules)
    text = markdown.render(report, RenderOptions())
    assert text.splitlines()[0] == "## bedrock-checker: 1 job checked, run passes"
    assert sections(text) == []
    assert summary_table(text)["Passed"] == 1
    assert "Baseline:" not in text


def test_baseline_line_and_baselined_findings() -> None:
    jobs = [file_job("old", vpcConfig=DELETE), file_job("new", outputModelKmsKeyArn=DELETE)]
    first = evaluate(jobs[:1], POLICY)
    known = {fingerprint(first[0], first[0].findings[0]), "0" * 32, "1" * 32}
    results, gone = apply_baseline(evaluate(jobs, POLICY), known)
    report = Report(tuple(results), POLICY.rules, baseline_gone=gone)
    text = markdown.render(report, RenderOptions())
    assert "Baseline: 1 known findings left aside, 2 no longer present." in text.splitlines()
    [_, row] = table(text, "### Findings")
    assert row[1].startswith("[BMC003]")
    [_, waived] = table(text, "### Waived")
    assert waived[1:] == ["job-old", "accepted in the baseline"]


def test_findings_table_is_capped() -> None:
    findings = tuple(
        Finding(RULES["BMC002"], FindingStatus.VIOLATED, f"p{i}", f"p{i}: x", "None", 1)
        for i in range(205)
    )
    report = Report((JobResult(file_job("a"), None, findings, ("BMC002",)),), POLICY.rules)
    text = markdown.render(report, RenderOptions())
    [_, *rows] = table(text, "### Findings")
    assert len(rows) == 200
    assert "5 more findings: see the JSON or SARIF report." in text.splitlines()
    assert summary_table(text)["Warnings"] == 205
