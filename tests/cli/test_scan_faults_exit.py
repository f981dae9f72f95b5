"""`bedrock-checker scan` under faults: a job or region that cannot be read exits 3 beside the
others; credential, configuration and option problems exit 2 on one line.

AWS is moto in-process; faults are injected by the Wire (helpers.aws).
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.aws import ACCOUNT, Wire, create_job
from helpers.cli import report, run

# Every test runs with fake credentials (no profile, no metadata) in an empty folder.
pytestmark = pytest.mark.usefixtures("fake_aws_in_tmp")


# -- Faults as exit codes -------------------------------------------------------------------


def test_a_job_that_cannot_be_fetched_exits_3_and_the_others_are_evaluated(
    bedrock: Any,
    wire: Wire,
) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "secret-job")
    wire.fail("GetModelCustomizationJob", (403, "AccessDeniedException"), where="/secret-job")

    result = run("scan", "--region", "us-east-1", "--format", "json")

    assert result.exit_code == 3, result.output
    jobs = {job["key"]: job for job in report(result)["jobs"]}
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/secret-job"
    assert jobs[arn]["outcome"] == "errored"
    assert jobs[arn]["error"].startswith(
        f"cannot fetch job secret-job (us-east-1, account {ACCOUNT}): AccessDeniedException"
    )
    assert jobs[arn]["source"]["region"] == "us-east-1"
    good = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/good-job"
    assert jobs[good]["outcome"] == "passed"


def test_a_failed_region_exits_3_when_another_succeeded(
    bedrock: Any,
    wire: Wire,
) -> None:
    create_job(bedrock, "us-job")
    wire.fail("ListModelCustomizationJobs", (403, "AccessDeniedException"), where="eu-west-1")

    result = run("scan", "--region", "us-east-1", "--region", "eu-west-1")

    assert result.exit_code == 3
    assert "eu-west-1: ERROR: cannot list model customization jobs: AccessDenied" in result.stdout
    assert "us-job" in result.stdout


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no-credentials", "us-east-1: no AWS credentials found: set AWS_PROFILE"),
        ("expired", "us-east-1: the AWS credentials were rejected (ExpiredTokenException"),
        ("profile", "--profile nope: no such profile in the AWS config files"),
        ("env-profile", "profile nope (from AWS_PROFILE): no such profile in the AWS config"),
    ],
)
def test_credential_problems_are_one_line_and_exit_2(
    bedrock: Any,
    wire: Wire,
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
    message: str,
) -> None:
    args = ["scan", "--region", "us-east-1"]
    if setup == "no-credentials":
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    elif setup == "expired":
        wire.fail("ListModelCustomizationJobs", (403, "ExpiredTokenException"))
    elif setup == "profile":
        args += ["--profile", "nope"]
    else:
        monkeypatch.setenv("AWS_PROFILE", "nope")

    result = run(*args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"bedrock-checker: error: {message}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--job-identifier", "a", "--status", "Completed"], "cannot be combined with --status"),
        (["--region", "us_east_1"], "--region us_east_1: not an AWS region name"),
        (["--assume-role", "arn:aws:iam::1:role/x"], "--assume-role arn:aws:iam::1:role/x: not"),
        (
            ["--created-after", "2026-02-01", "--created-before", "2026-01-01"],
            "--created-after 2026-02-01T00:00:00+00:00 is not before --created-before",
        ),
    ],
)
def test_configuration_errors_exit_2(bedrock: Any, args: list[str], message: str) -> None:
    result = run("scan", "--region", "us-east-1", *args)

    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--created-after", "last tuesday"],
        ["--status", "Done"],
        ["--max-concurrency", "0"],
        ["--page-size", "1001"],
        ["--retry-mode", "legacy"],
    ],
)
def test_bad_option_values_are_usage_errors(args: list[str]) -> None:
    result = run("scan", "--region", "us-east-1", *args)

    assert result.exit_code == 2
    assert "Invalid value" in result.stderr
