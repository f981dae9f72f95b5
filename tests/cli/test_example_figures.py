"""Every figure the docs quote from a run of the bundled examples, from a real run of them.

The docs state counts (jobs, findings, unknowns, SARIF results, JUnit test cases, waived
findings) of `bedrock-checker check` over examples/. These tests run the same commands and
rebuild each quoted sentence from the run, so a change to the examples or the rules that moves
a figure fails here until the docs say the new figure.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.cli import EXAMPLES, REPO, run

from checker.pipeline import configure
from checker.pipeline import run as run_pipeline
from checker.sources.files import read_paths

REPORTS_DOC = (REPO / "docs" / "reports.md").read_text(encoding="utf-8")
WAIVERS_DOC = (REPO / "docs" / "waivers.md").read_text(encoding="utf-8")
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """check examples/failing examples/passing, as docs/reports.md runs it, in the repository."""
    folder = tmp_path_factory.mktemp("figures")
    here = os.getcwd()
    os.chdir(REPO)  # the docs show paths relative to the repository root
    try:
        text = run("check", "examples/failing", "examples/passing", "--color", "never")
        as_json = run(
            "check",
            "examples/failing",
            "examples/passing",
            "--format",
            "json",
            "--sarif",
            str(folder / "r.sarif"),
            "--junit",
            str(folder / "r.xml"),
        )
    finally:
        os.chdir(here)
    return {
        "text": text,
        "exit_code": as_json.exit_code,
        "report": json.loads(as_json.stdout),
        "sarif": json.loads((folder / "r.sarif").read_text(encoding="utf-8")),
        "junit": ElementTree.parse(folder / "r.xml").getroot(),
        "junit_text": (folder / "r.xml").read_text(encoding="utf-8"),
    }


def test_the_summary_line_quoted_is_the_runs(examples_run: dict[str, Any]) -> None:
    summary_line = examples_run["text"].stdout.splitlines()[-1]
    assert f"```text\n{summary_line}\n```" in REPORTS_DOC


def test_the_exit_code_sarif_and_junit_figures_quoted_are_the_runs(
    examples_run: dict[str, Any],
) -> None:
    summary = examples_run["report"]["summary"]
    suites = list(examples_run["junit"].iter("testsuite"))
    tests = int(examples_run["junit"].get("tests"))
    failures = int(examples_run["junit"].get("failures"))
    errors = int(examples_run["junit"].get("errors"))
    skipped = sum(int(suite.get("skipped", 0)) for suite in suites)
    sarif_results = len(examples_run["sarif"]["runs"][0]["results"])
    assert sarif_results == summary["findings"] + summary["unknown"]
    # Two findings of one rule on one job are one failed test case: the difference is the
    # number of such pairs, which the docs explain (BMC008 and BMC010 of rft-grader-test).
    pairs = summary["findings"] - failures
    assert pairs == 2

    sentence = (
        f"and the run exits {examples_run['exit_code']} (`failing` is {summary['failing']}, the "
        f"error findings). The SARIF file of that run holds {sarif_results} results "
        f"({summary['findings']} + {summary['unknown']}). The JUnit file has "
        f'`tests="{tests}" failures="{failures}" errors="{errors}"`: {tests} (job, rule) test '
        f"cases, {failures} of them failed (job `rft-grader-test` has two BMC008 findings and "
        f"two BMC010 findings, each pair in one test case) and {skipped} skipped as unknown."
    )
    assert sentence in flat(REPORTS_DOC)


def test_the_console_and_junit_excerpts_are_from_the_run(examples_run: dict[str, Any]) -> None:
    console = re.search(
        r"The text report groups findings under their job:\n\n```text\n(.*?)```", REPORTS_DOC, re.S
    )
    assert console is not None
    for line in console.group(1).splitlines():
        assert line in examples_run["text"].stdout.splitlines(), line
    junit = re.search(r"```xml\n(.*?)```", REPORTS_DOC, re.S)
    assert junit is not None
    real_lines = [line.strip() for line in examples_run["junit_text"].splitlines()]
    excerpt = [line.strip() for line in junit.group(1).splitlines() if line.strip() != "..."]
    for line in excerpt:
        assert line in real_lines or line in examples_run["junit_text"], line


def test_the_example_waiver_figures_quoted_are_the_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    result = run("check", "examples/", "--waivers", "examples/waivers.yaml", "--format", "json")
    report = json.loads(result.stdout)
    [waiver] = report["waivers"]
    waived = report["summary"]["waivedFindings"]
    assert (waiver["status"], waiver["matched"]) == ("active", waived)
    text = flat(WAIVERS_DOC)
    assert f"so it waives {WORDS[waived]} findings" in text
    assert f"The summary line counts `{waived} waived`" in text
    assert f'"status": "active", "matched": {waived}' in text
    assert f"a job that appears in {WORDS[waived]} example files" in text
    marketing = [job for job in report["jobs"] if job["name"] == "marketing-copy-ft"]
    assert len(marketing) == waived
    assert all(job["outcome"] == "failed" for job in marketing)  # "still fails on BMC001"


# -- The example waiver, whatever today's date ----------------------------------------------


def example_waiver_expiry() -> datetime.date:
    data = yaml.safe_load((EXAMPLES / "waivers.yaml").read_text(encoding="utf-8"))
    [waiver] = data["waivers"]
    return waiver["expires"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("days_after_expiry", "status", "waived"),
    [(-365, "active", 3), (0, "active", 3), (1, "expired", 0)],
)
def test_the_example_waiver_with_today_pinned(
    days_after_expiry: int, status: str, waived: int
) -> None:
    today = example_waiver_expiry() + datetime.timedelta(days=days_after_expiry)
    configuration = configure(waiver_files=[str(EXAMPLES / "waivers.yaml")], today=today)
    scan = read_paths([str(EXAMPLES)])

    report = run_pipeline(configuration, scan.items, skipped=scan.skipped)

    [waiver_status] = report.waivers
    assert waiver_status.status == status
    assert report.summary()["waivedFindings"] == waived


def test_the_example_waiver_does_not_expire_in_the_lifetime_of_a_checkout() -> None:
    # The examples and the docs' figures must not change with the calendar.
    assert example_waiver_expiry() >= datetime.date(2099, 1, 1)
