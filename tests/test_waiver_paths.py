"""A waiver can be tied to a reviewed location: ``path:`` globs narrow it to job files there.

A waiver matches a job by the name or ARN the job file itself declares, so a new file anywhere
in a pull request can borrow the name of a waived job; ``path:`` keeps the exception to the
files its reviewers saw.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.hostile import failing_request, write_json

from checker.cli import cli
from checker.errors import CheckerError
from checker.waivers import load_waivers

EXPIRES = f"{datetime.date.today().year + 1}-01-01"


def _waivers(tmp_path: Path, match: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "version: 1\nwaivers:\n  - rule: BMC001\n"
        f"    {match}\n"
        "    reason: sandbox account without a VPC\n"
        f"    expires: {EXPIRES}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The reviewed sandbox job, and a new job elsewhere that borrows its name."""
    monkeypatch.chdir(tmp_path)
    write_json(tmp_path / "jobs" / "sandbox" / "job.json", failing_request(jobName="sandbox-ft"))
    write_json(tmp_path / "jobs" / "prod" / "new.json", failing_request(jobName="sandbox-ft"))
    return tmp_path


def _outcomes(args: list[str]) -> tuple[int, dict[str, str]]:
    done = CliRunner().invoke(cli, ["check", "--format", "json", *args])
    report = json.loads(done.stdout)
    return done.exit_code, {job["source"]["path"]: job["outcome"] for job in report["jobs"]}


def test_a_name_glob_alone_waives_every_file_that_declares_the_name(repo: Path) -> None:
    code, outcomes = _outcomes(["--waivers", str(_waivers(repo, "jobs: [sandbox-ft]")), "jobs"])

    assert code == 0
    assert outcomes == {"jobs/prod/new.json": "waived", "jobs/sandbox/job.json": "waived"}


def test_path_narrows_a_waiver_to_the_reviewed_location(repo: Path) -> None:
    waivers = _waivers(repo, "jobs: [sandbox-ft]\n    path: jobs/sandbox/*")

    code, outcomes = _outcomes(["--waivers", str(waivers), "jobs"])

    assert code == 1
    assert outcomes == {"jobs/prod/new.json": "failed", "jobs/sandbox/job.json": "waived"}


def test_path_takes_a_list_of_globs_and_may_stand_alone(repo: Path) -> None:
    waivers = _waivers(repo, "path: [jobs/sandbox/*, jobs/other/*]")

    code, outcomes = _outcomes(["--waivers", str(waivers), "jobs"])

    assert code == 1
    assert outcomes == {"jobs/prod/new.json": "failed", "jobs/sandbox/job.json": "waived"}


def test_path_is_loaded_and_reported(repo: Path) -> None:
    [waiver] = load_waivers([str(_waivers(repo, "jobs: ['*']\n    path: jobs/sandbox/*"))])
    assert waiver.paths == ("jobs/sandbox/*",)

    done = CliRunner().invoke(
        cli, ["check", "--format", "json", "--waivers", "waivers.yaml", "jobs"]
    )
    [listed] = json.loads(done.stdout)["waivers"]
    assert listed["path"] == ["jobs/sandbox/*"]


@pytest.mark.parametrize(
    ("match", "problem"),
    [
        ("path: ''", "path: empty values not allowed"),
        ("path: [1]", "path"),
        ("approved_by: me", "give 'jobs', 'files' or 'path'"),
    ],
)
def test_a_bad_path_is_one_line(repo: Path, match: str, problem: str) -> None:
    with pytest.raises(CheckerError) as raised:
        load_waivers([str(_waivers(repo, match))])
    assert problem in str(raised.value)
