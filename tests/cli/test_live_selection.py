"""scan and snapshot: the listing options of list-model-customization-jobs, under their AWS CLI
names too, --query over the report, and errors that name every region searched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import create_job, report, run
from moto.bedrock.models import bedrock_backends

ACCOUNT = "123456789012"


@pytest.fixture
def bedrock(fake_aws_in_tmp: None, bedrock: Any) -> Any:
    """Three jobs a month apart, oldest first, in moto."""
    jobs = bedrock_backends[ACCOUNT]["us-east-1"].model_customization_jobs
    for name, created, status in (
        ("old-job", "2026-01-05 00:00:00", "Completed"),
        ("mid-job", "2026-02-05 00:00:00", "Failed"),
        ("new-job", "2026-03-05 00:00:00", "Completed"),
    ):
        create_job(bedrock, name)
        jobs[name].creation_time = created
        jobs[name].status = status
    return bedrock


def scanned(*args: str) -> list[str]:
    result = run("scan", "--region", "us-east-1", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    return [job["name"] for job in report(result)["jobs"]]


@pytest.mark.parametrize(("order", "first"), [("Ascending", "old-job"), ("Descending", "new-job")])
def test_sort_by_and_sort_order_choose_the_first_jobs(bedrock: Any, order: str, first: str) -> None:
    picked = scanned("--sort-by", "CreationTime", "--sort-order", order, "--max-jobs", "1")
    assert picked == [first]


@pytest.mark.parametrize(
    ("ours", "aws_cli"),
    [
        (["--status", "Failed"], ["--status-equals", "Failed"]),
        (["--created-after", "2026-02-01"], ["--creation-time-after", "2026-02-01"]),
        (["--created-before", "2026-02-01"], ["--creation-time-before", "2026-02-01"]),
    ],
)
def test_the_aws_cli_names_of_the_filters_are_aliases(
    bedrock: Any, ours: list[str], aws_cli: list[str]
) -> None:
    expected = sorted(scanned(*ours))
    assert expected and len(expected) < 3
    assert sorted(scanned(*aws_cli)) == expected


def test_max_results_is_the_page_size_and_every_page_is_read(bedrock: Any) -> None:
    assert sorted(scanned("--max-results", "1")) == ["mid-job", "new-job", "old-job"]
    result = run("scan", "--region", "us-east-1", "--max-results", "0")
    assert result.exit_code == 2
    assert "--page-size' / '--max-results'" in result.stderr


def test_snapshot_takes_the_same_listing_options(bedrock: Any, tmp_path: Path) -> None:
    result = run(
        "snapshot",
        "--region",
        "us-east-1",
        "--out",
        str(tmp_path / "jobs"),
        "--status-equals",
        "Completed",
        "--sort-by",
        "CreationTime",
        "--sort-order",
        "Ascending",
        "--max-jobs",
        "1",
    )
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in (tmp_path / "jobs").rglob("*.json")] == ["old-job.json"]


def test_sorting_cannot_be_combined_with_named_jobs(bedrock: Any) -> None:
    result = run("scan", "--job-identifier", "old-job", "--sort-order", "Ascending")
    assert result.exit_code == 2
    assert "--sort-by/--sort-order" in result.stderr


def test_a_name_not_found_anywhere_is_an_error_of_every_region_searched(bedrock: Any) -> None:
    result = run(
        "scan",
        *("--job-identifier", "nope", "--job-identifier", "old-job"),
        *("--region", "us-east-1", "--region", "eu-west-1", "--color", "never"),
    )
    assert result.exit_code == 3
    [line] = [line for line in result.stdout.splitlines() if "ERROR" in line]
    assert line == (
        "us-east-1, eu-west-1: ERROR: job nope: ResourceNotFoundException: Model customization "
        "job nope not found (looked up in us-east-1, eu-west-1)"
    )
    as_json = run(
        "scan",
        *("--job-identifier", "nope", "--region", "us-east-1", "--region", "eu-west-1"),
        *("--format", "json"),
    )
    [job] = report(as_json)["jobs"]
    assert job["source"]["region"] == "us-east-1, eu-west-1"


def test_scan_query_prints_the_query_over_the_json_report(bedrock: Any) -> None:
    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--query",
        "{jobs: summary.jobs, names: sort(jobs[].name)}",
    )
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout) == {
        "jobs": 3,
        "names": ["mid-job", "new-job", "old-job"],
    }


def test_a_bad_query_is_refused_before_anything_is_fetched(bedrock: Any) -> None:
    result = run("scan", "--region", "us-east-1", "--query", "jobs[?")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1:] == ["jobs[?", "      ^"]
