"""The JSON report of many jobs: the same document, one job per line."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.jobs import SMALL_REQUEST

from checker.evaluate import evaluate
from checker.model import Report, Severity
from checker.policy import load_policy
from checker.reports import RenderOptions, json_report
from checker.sources.files import read_paths

JOB = SMALL_REQUEST


def _report(tmp_path: Path, count: int) -> Report:
    jobs = [dict(JOB, jobName=f'job-{i} "jobs": [],\n') for i in range(count)]
    (tmp_path / "bulk.json").write_text(json.dumps(jobs), encoding="utf-8")
    policy = load_policy(("builtin:baseline",))
    scan = read_paths([str(tmp_path / "bulk.json")])
    return Report(
        results=tuple(evaluate(scan.items, policy)),
        rules=policy.rules,
        fail_on=Severity.ERROR,
        policy_sources=policy.sources,
    )


def test_large_report_is_the_same_document_with_one_line_per_job(tmp_path: Path) -> None:
    report = _report(tmp_path, json_report.INDENTED_JOBS + 1)

    text = json_report.render(report, RenderOptions())

    assert json.loads(text) == json.loads(json.dumps(json_report.to_dict(report), default=str))
    lines = text.splitlines()
    start = lines.index('  "jobs": [')
    job_lines = lines[start + 1 : start + 1 + json_report.INDENTED_JOBS + 1]
    assert all(line.startswith('    {"key": ') for line in job_lines)
    assert lines[start + json_report.INDENTED_JOBS + 2] == "  ],"
    assert text.endswith("}\n")


def test_small_report_is_indented_throughout(tmp_path: Path) -> None:
    report = _report(tmp_path, 3)

    text = json_report.render(report, RenderOptions())

    assert text == json.dumps(json_report.to_dict(report), indent=2, default=str) + "\n"
