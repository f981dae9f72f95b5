"""Reports are parsed back and checked for meaning, not bytes."""

from __future__ import annotations

import json

import jsonschema
from helpers.jobs import make_job
from helpers.paths import REPO

from checker.evaluate import evaluate
from checker.model import Report
from checker.policy import load_policy
from checker.reports import FORMATS, RenderOptions, json_report, text

SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())


def test_json_report_matches_its_schema(examples_report: Report) -> None:
    document = json.loads(json_report.render(examples_report, RenderOptions()))
    jsonschema.validate(document, SCHEMA)
    assert document["schemaVersion"] == 1


def test_json_counts_agree_with_jobs(examples_report: Report) -> None:
    document = json.loads(json_report.render(examples_report, RenderOptions()))
    jobs = document["jobs"]
    summary = document["summary"]
    assert summary["jobs"] == len(jobs) == len(examples_report.results)
    for outcome in ("passed", "failed", "errored"):
        assert summary[outcome] == sum(1 for j in jobs if j["outcome"] == outcome)
    violated = [f for j in jobs for f in j["findings"] if f["status"] == "violated"]
    assert summary["findings"] == len(violated)
    for severity in ("error", "warning", "note"):
        assert summary["bySeverity"][severity] == sum(
            1 for f in violated if f["severity"] == severity
        )
    assert summary["errored"] == 1
    assert document["exitCode"] == 3


def test_json_errored_job_keeps_its_message(examples_report: Report) -> None:
    document = json.loads(json_report.render(examples_report, RenderOptions()))
    [errored] = [j for j in document["jobs"] if j["outcome"] == "errored"]
    assert errored["source"]["path"] == "broken.json"
    assert errored["source"]["line"] == 3
    assert errored["error"].startswith("invalid JSON")


def test_text_groups_findings_under_their_job_with_file_and_line() -> None:
    job = make_job(vpcConfig="vpc-123")
    policy = load_policy(["builtin:baseline"])
    report = Report(tuple(evaluate([job], policy)), policy.rules)
    rendered = text.render(report, RenderOptions())
    lines = rendered.splitlines()
    assert lines[0].startswith("good-ft-job (get-response, job.json:1): failed")
    assert (
        "job.json:1: BMC001 error: Run the job in a VPC: vpcConfig: must be of dict type"
        in lines[1]
    )
    assert "value: 'vpc-123'" in rendered
    assert "fix: Add vpcConfig" in rendered
    assert lines[-1].startswith(
        "1 job checked: 0 passed, 1 failed, 0 waived, 0 errored; 1 finding (1 error"
    )
    assert "\x1b[" not in rendered


def test_text_colour_only_when_asked() -> None:
    policy = load_policy(["builtin:baseline"])
    report = Report(tuple(evaluate([make_job(vpcConfig="x")], policy)), policy.rules)
    assert "\x1b[31m" in text.render(report, RenderOptions(color=True))
    assert "\x1b[" not in text.render(report, RenderOptions(color=False))


def test_every_format_is_registered() -> None:
    assert set(FORMATS) == {"text", "json", "sarif", "junit", "markdown", "html", "asff"}
