"""Rules whose `when` excludes a job are "not applicable", counted apart in every format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.model import LoadError, Origin, Report
from checker.pipeline import configure, run
from checker.reports import FORMATS, RenderOptions
from checker.sources.files import read_paths

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "examples" / "passing" / "get-response.json"


@pytest.fixture(scope="module")
def report() -> Report:
    jobs = [*read_paths([str(JOB)]).items, LoadError(Origin(path="broken.json"), "not JSON")]
    return run(configure(["builtin:baseline", "builtin:promotion"]), jobs)


def test_the_rules_a_job_is_not_checked_against_are_listed(report: Report) -> None:
    job, broken = report.results
    loaded = {rule.id for rule in report.rules}
    expected = tuple(r.id for r in report.rules if r.id not in set(job.checked))

    assert report.not_applicable(job) == expected
    assert expected  # the example is a fine-tuning job: the RFT and distillation rules are not
    assert set(expected) | set(job.checked) == loaded
    assert not set(expected) & set(job.checked)
    assert report.not_applicable(broken) == ()  # not read: nothing applied or not
    assert report.summary()["notApplicable"] == len(expected)


def test_every_format_counts_them(report: Report) -> None:
    options = RenderOptions(repo_root=REPO)
    count = report.summary()["notApplicable"]
    [job, _] = report.results
    listed = list(report.not_applicable(job))

    data = json.loads(FORMATS["json"](report, options))
    assert data["summary"]["notApplicable"] == count
    assert data["jobs"][0]["notApplicableRules"] == listed
    assert data["jobs"][1]["notApplicableRules"] == []

    assert f"; {count} not applicable" in FORMATS["text"](report, options)
    assert f"Not applicable: {count} (job, rule) pairs" in FORMATS["markdown"](report, options)

    sarif = json.loads(FORMATS["sarif"](report, options))
    properties = sarif["runs"][0]["properties"]
    assert properties["summary"]["notApplicable"] == count
    assert properties["jobs"][0]["notApplicableRules"] == listed

    root = ET.fromstring(FORMATS["junit"](report, options))
    values = [
        p.get("value", "").split()
        for p in root.iter("property")
        if p.get("name") == "notApplicable"
    ]
    assert values == [listed]

    html = FORMATS["html"](report, options)
    assert f'data-count="notApplicable">{count}<' in html
    assert ", ".join(listed) in html
