"""`bedrock-checker get` and `snapshot`: the response like the AWS CLI prints it, --query and
--output, and snapshots that `check` reads like the live jobs.

AWS is moto in-process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from click.testing import Result
from helpers.aws import ACCOUNT, Wire, create_job
from helpers.cli import report, run

# Every test runs with fake credentials (no profile, no metadata) in an empty folder.
pytestmark = pytest.mark.usefixtures("fake_aws_in_tmp")


# -- get ----------------------------------------------------------------------------------------


def test_get_prints_the_response_like_the_aws_cli(bedrock: Any) -> None:
    arn = create_job(bedrock, "my-ft-job")

    result = run("get", "--region", "us-east-1", "--job-identifier", "my-ft-job")

    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["jobArn"] == arn
    assert "ResponseMetadata" not in response
    assert "derived" not in response
    assert isinstance(response["creationTime"], str)
    assert result.stdout.startswith('{\n    "')  # the AWS CLI's four-space indent


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            "json",
            '{\n    "subnetIds": [\n        "subnet-a",\n        "subnet-b"\n    ],\n'
            '    "securityGroupIds": [\n        "sg-1"\n    ]\n}\n',
        ),
        ("yaml", "subnetIds:\n- subnet-a\n- subnet-b\nsecurityGroupIds:\n- sg-1\n"),
        ("text", "SECURITYGROUPIDS\tsg-1\nSUBNETIDS\tsubnet-a\nSUBNETIDS\tsubnet-b\n"),
    ],
)
def test_get_query_and_output(bedrock: Any, output: str, expected: str) -> None:
    arn = create_job(bedrock, "my-ft-job")

    result = run(
        "get",
        "--region",
        "us-east-1",
        "--job-identifier",
        arn,
        "--query",
        "vpcConfig",
        "--output",
        output,
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == expected


def test_get_text_output_of_a_whole_response(bedrock: Any) -> None:
    create_job(bedrock, "my-ft-job")

    result = run(
        "get", "--region", "us-east-1", "--job-identifier", "my-ft-job", "--output", "text"
    )

    lines = result.stdout.splitlines()
    assert lines[0].startswith("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan")
    assert "\t" in lines[0]
    assert "HYPERPARAMETERS\t1\t2\t0.0001" in lines
    assert "VALIDATORS\ts3://corp-train/data/val.jsonl" in lines


def test_get_document_shows_what_rules_see(bedrock: Any) -> None:
    create_job(bedrock, "my-ft-job")

    result = run(
        "get",
        "--region",
        "us-east-1",
        "--job-identifier",
        "my-ft-job",
        "--document",
        "--query",
        "{tags: tags, account: derived.account}",
        "--output",
        "yaml",
    )

    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout) == {"tags": {"team": "search"}, "account": ACCOUNT}


def test_get_by_model_identifier_prints_the_job_that_produced_the_model(bedrock: Any) -> None:
    arn = create_job(bedrock, "my-ft-job")
    create_job(bedrock, "other-job")
    model_arn = bedrock.get_custom_model(modelIdentifier="my-ft-job-model")["modelArn"]

    by_name = run("get", "--region", "us-east-1", "--model-identifier", "my-ft-job-model")
    by_arn = run(
        "get", "--region", "us-east-1", "--model-identifier", model_arn, "--query", "jobName"
    )
    as_document = run(
        "get", "--region", "us-east-1", "--model-identifier", "my-ft-job-model", "--document",
        "--query", "derived.account",
    )  # fmt: skip

    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.stdout)["jobArn"] == arn
    assert (by_arn.exit_code, by_arn.stdout) == (0, '"my-ft-job"\n')
    assert (as_document.exit_code, json.loads(as_document.stdout)) == (0, ACCOUNT)


def test_get_a_missing_model_exits_3_on_one_line(bedrock: Any) -> None:
    result = run("get", "--region", "us-east-1", "--model-identifier", "absent-model")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("bedrock-checker: error: ")
    assert "absent-model" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [[], ["--job-identifier", "my-ft-job", "--model-identifier", "my-ft-job-model"]],
    ids=["neither", "both"],
)
def test_get_needs_one_identifier_exactly(bedrock: Any, args: list[str]) -> None:
    result = run("get", "--region", "us-east-1", *args)

    assert result.exit_code == 2
    assert result.stderr == (
        "bedrock-checker: error: get: give --job-identifier or --model-identifier, one of them\n"
    )


def test_get_a_missing_job_exits_3_on_one_line(bedrock: Any) -> None:
    result = run("get", "--region", "us-east-1", "--job-identifier", "absent")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "bedrock-checker: error: job absent: ResourceNotFoundException: Model customization "
        "job absent not found (looked up in us-east-1)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--query", "vpcConfig[", "--region", "us-east-1"], "--query vpcConfig[: "),
        (["--region", "us-east-1", "--region", "eu-west-1"], "'--region': give it at most once"),
    ],
)
def test_get_configuration_errors_exit_2(bedrock: Any, args: list[str], message: str) -> None:
    create_job(bedrock, "my-ft-job")

    result = run("get", "--job-identifier", "my-ft-job", *args)

    assert result.exit_code == 2
    assert message in result.stderr


# -- snapshot -------------------------------------------------------------------------------


def test_snapshot_writes_files_that_check_reads_alike(bedrock: Any, tmp_path: Path) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    result = run("snapshot", "--region", "us-east-1", "--region", "eu-west-1", "--out", "jobs")

    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote 3 job files to jobs\n"
    written = sorted(p.relative_to(tmp_path / "jobs").as_posix() for p in tmp_path.rglob("*.json"))
    assert written == [
        f"{ACCOUNT}/eu-west-1/eu-job.json",
        f"{ACCOUNT}/us-east-1/good-job.json",
        f"{ACCOUNT}/us-east-1/open-job.json",
    ]
    saved = json.loads((tmp_path / "jobs" / ACCOUNT / "us-east-1" / "open-job.json").read_text())
    assert "derived" not in saved
    assert saved["tags"] == {"team": "search"}
    assert isinstance(saved["creationTime"], str)

    live = run("scan", "--region", "us-east-1", "--region", "eu-west-1", "--format", "json")
    files = run("check", "jobs", "--format", "json")

    def findings(result: Result) -> dict[str, list[str]]:
        return {
            job["arn"]: [f["ruleId"] for f in job["findings"]] for job in report(result)["jobs"]
        }

    assert files.exit_code == live.exit_code == 0
    assert findings(files) == findings(live)
    assert findings(files)[saved["jobArn"]] == ["BMC002"]


def test_snapshot_reports_jobs_it_could_not_fetch_and_exits_3(
    bedrock: Any,
    wire: Wire,
) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "secret-job")
    wire.fail("GetModelCustomizationJob", (403, "AccessDeniedException"), where="/secret-job")

    result = run("snapshot", "--region", "us-east-1", "--out", "jobs")

    assert result.exit_code == 3
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/secret-job"
    assert result.stderr.splitlines() == [
        f"{arn}: error: cannot fetch job secret-job (us-east-1, account {ACCOUNT}): "
        "AccessDeniedException: injected AccessDeniedException",
        "wrote 1 job files to jobs; 1 could not be fetched",
    ]
    assert (Path("jobs") / ACCOUNT / "us-east-1" / "good-job.json").exists()
