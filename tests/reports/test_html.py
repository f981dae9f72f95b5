"""The HTML report: self-contained, escaped, and telling the same story as the JSON report."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from helpers.html_page import Page
from helpers.reports import EXAMPLES, example_report

from checker.controls import summarize
from checker.model import Job, JobResult, LoadError, Origin, Report
from checker.policy import load_policy
from checker.reports import FORMATS, RenderOptions

HOSTILE_NAME = "<script>alert(1)</script>\"' onmouseover=x \x01\x1b[31m \u202etxt.exe\u2066"


def render(report: Report, framework: str | None = None) -> str:
    return FORMATS["html"](report, RenderOptions(framework=framework))


@pytest.fixture(scope="module")
def examples() -> Report:
    return example_report()


@pytest.fixture(scope="module")
def page(examples: Report) -> Page:
    return Page(render(examples, "nist-800-53"))


def test_counts_on_the_page_equal_the_json_report(examples: Report, page: Page) -> None:
    summary = json.loads(FORMATS["json"](examples, RenderOptions()))["summary"]
    expected = {k: v for k, v in summary.items() if k != "bySeverity"}
    assert page.counts() == {**expected, **summary["bySeverity"]}
    assert len(page.find("tr", "job-row")) == summary["jobs"] == 27
    findings = page.find("tr", "finding-row")
    assert len(findings) == len(examples.findings())
    active = [f for f in findings if f.attrs["data-status"] == "violated"]
    assert sum(1 for f in active if not f.attrs["data-suppressed"]) == summary["findings"]
    assert (
        sum(1 for f in findings if f.attrs["data-suppressed"] == "waiver")
        == (summary["waivedFindings"])
    )
    outcomes = [row.attrs["data-outcome"] for row in page.find("tr", "job-row")]
    assert outcomes.count("failed") == summary["failed"]


def test_overview_rows_add_up_to_every_job(page: Page, examples: Report) -> None:
    [section] = page.find("section", id="overview")
    rows = [e for e in section.children[1].children[1].children if e.tag == "tr"]
    jobs = [int(row.children[2].all_text()) for row in rows]
    assert sum(jobs) == len(examples.results)
    regions = {row.children[1].all_text() for row in rows}
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= regions


def test_control_summary_is_present_only_with_a_framework(examples: Report, page: Page) -> None:
    summary = summarize(examples, "nist-800-53")
    rows = page.find("tr", "control-row")
    assert [r.children[0].all_text() for r in rows] == [c.control for c in summary.controls]
    assert [r.attrs["data-status"] for r in rows] == [c.status for c in summary.controls]
    assert Page(render(examples)).find("section", id="controls") == []


def test_the_page_fetches_nothing_and_allows_only_its_own_style_and_script(page: Page) -> None:
    [meta] = page.find("meta", http_equiv="Content-Security-Policy")
    policy = str(meta.attrs["content"])
    assert "default-src 'none'" in policy
    [style] = page.find("style")
    [script] = page.find("script")
    assert script.attrs == {}  # inline, no src
    for element, directive in ((style, "style-src"), (script, "script-src")):
        digest = hashlib.sha256(element.all_text().encode("utf-8")).digest()
        allowed = re.search(rf"{directive} ([^;]+)", policy)
        assert allowed is not None
        assert allowed.group(1).strip() == f"'sha256-{base64.b64encode(digest).decode()}'"
    assert page.find("link") == page.find("img") == page.find("iframe") == []
    assert all("src" not in e.attrs for e in page.elements)
    assert all(str(a.attrs["href"]).startswith(("#", "https://")) for a in page.find("a"))


def test_filters_are_hidden_until_the_script_runs_and_every_row_is_shown(page: Page) -> None:
    [form] = page.find("form", id="filters")
    assert "hidden" in form.attrs
    assert not any("hidden" in row.attrs for row in page.find("tr", "job-row"))
    assert not any("hidden" in job.attrs for job in page.find("section", "job"))
    selects = {s.attrs["name"]: s for s in page.find("select")}
    assert set(selects) == {"outcome", "rules", "severities", "account"}
    rules = [o.attrs["value"] for o in selects["rules"].children]
    assert "BMC001" in rules and rules[0] == ""


def test_job_details_show_field_value_remediation_and_rule_link(page: Page) -> None:
    rows = [
        r
        for r in page.find("tr", "finding-row")
        if r.attrs["data-rule"] == "BMC203" and r.attrs["data-status"] == "violated"
    ]
    assert rows
    cells = [c.all_text() for c in rows[0].children]
    assert cells[2].startswith("hyperParameters.")
    assert "documented range" in cells[6]
    [link] = [a for a in rows[0].children[0].children if a.tag == "a"]
    assert link.attrs["href"].endswith("docs/rules/BMC203.md")


def test_waivers_show_reason_expiry_and_status(page: Page) -> None:
    [row] = page.find("tr", "waiver-row")
    cells = [c.all_text() for c in row.children]
    assert cells[0] == "BMC004"
    assert "alias/marketing-models" in cells[3]
    assert cells[4] == "2099-12-31"  # examples/waivers.yaml
    assert cells[5] == "security-engineering@example.com"
    assert (cells[6], cells[7]) == ("active", "3")


def test_run_metadata_names_policies_with_their_digests(page: Page, examples: Report) -> None:
    [section] = page.find("section", id="run")
    text = section.all_text()
    assert "2026-01-15T09:30:00+00:00" in text
    for source in ("builtin:baseline", "builtin:promotion", "builtin:cost"):
        name = source.split(":")[1]
        digest = hashlib.sha256((EXAMPLES.parent / "policies" / f"{name}.yaml").read_bytes())
        assert f"{source}sha256:{digest.hexdigest()}" in text


# --- escaping ---------------------------------------------------------------------------------


def _hostile_report(tmp_path: Path) -> Report:
    document = json.loads((EXAMPLES / "failing" / "get-response.json").read_text("utf-8"))
    document["jobName"] = HOSTILE_NAME
    document["trainingDataConfig"] = {"s3Uri": "s3://b/</pre><script>alert(2)</script>"}
    (tmp_path / "job.json").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "org.yaml").write_text(
        """version: 1
rules:
  - id: ORG900
    title: "Title <img src=x onerror=alert(3)>"
    severity: error
    description: d
    remediation: "Fix <b>bold</b> & \\"quoted\\""
    help_uri: "javascript:alert(4)"
    schema:
      jobName: {type: string, maxlength: 5}
""",
        encoding="utf-8",
    )
    (tmp_path / "waivers.yaml").write_text(
        """version: 1
waivers:
  - rule: BMC001
    jobs: ["<script>*"]
    reason: "Reason <i>with</i> markup \\u202e"
    expires: 2099-01-01
""",
        encoding="utf-8",
    )
    return example_report(
        [tmp_path / "job.json"],
        ["builtin:baseline", str(tmp_path / "org.yaml")],
        [tmp_path / "waivers.yaml"],
    )


def test_every_piece_of_data_is_escaped(tmp_path: Path) -> None:
    report = _hostile_report(tmp_path)
    assert any(f.rule.id == "BMC001" and f.suppression for _, f in report.findings())
    assert any(f.rule.id == "ORG900" for _, f in report.findings())
    rendered = render(report, "nist-800-53")
    page = Page(rendered)
    assert len(page.find("script")) == 1
    assert page.find("img") == page.find("b") == page.find("i") == []
    assert not any("onmouseover" in e.attrs or "onerror" in e.attrs for e in page.elements)
    assert all(not str(a.attrs["href"]).startswith("javascript:") for a in page.find("a"))
    assert "ORG900" in [a.all_text() for a in page.find("td")]  # the rule id, as plain text
    # Control and bidirectional characters are shown, not obeyed.
    for raw in ("\x01", "\x1b", "\u202e", "\u2066"):
        assert raw not in rendered
    assert "\\u202etxt.exe\\u2066" in page.text and "\\u0001\\u001b[31m" in page.text
    # The job's name appears as text, whole.
    [row] = page.find("tr", "job-row")
    assert "<script>alert(1)</script>\"' onmouseover=x" in row.children[1].all_text()
    assert "</pre><script>alert(2)</script>" in page.text


def test_a_job_that_could_not_be_read_is_shown_with_its_problem() -> None:
    policy = load_policy(["builtin:baseline"])
    error = LoadError(Origin(path="broken<b>.json", line=3), "invalid JSON: <oops>")
    report = Report((JobResult(None, error),), policy.rules)
    page = Page(render(report))
    assert page.counts()["errored"] == 1
    [row] = page.find("tr", "job-row")
    assert row.attrs["data-outcome"] == "errored"
    [section] = page.find("section", "job")
    assert "Not evaluated: invalid JSON: <oops>" in section.all_text()
    assert "broken<b>.json:3" in section.all_text()


def test_deep_mode_evidence_is_the_jobs_resource_facts() -> None:
    facts = {"kmsKey": {"keyManager": "CUSTOMER", "enabled": True, "note": "<script>"}}
    job = Job(
        {"jobName": "deep-job", "derived": {"account": "111122223333"}, "resources": facts},
        Origin(path="deep.json"),
        "get",
    )
    report = Report((JobResult(job, checked=("BMC301",)),), load_policy(["builtin:deep"]).rules)
    page = Page(render(report))
    [evidence] = page.find("pre")
    assert json.loads(evidence.all_text()) == facts
    assert "No finding" in page.find("section", "job")[0].all_text()
