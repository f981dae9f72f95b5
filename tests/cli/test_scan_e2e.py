"""End to end: the installed `bedrock-checker` console script against a moto server over HTTP.

A moto server listens on 127.0.0.1 on a free port; the CLI runs as a user runs it, in its own
process, pointed at the server with --endpoint-url, with credentials from the environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.aws import ACCOUNT, create_job, fake_aws_env
from helpers.deep import bedrock_trust, serve_role_and_buckets
from helpers.live import bedrock_at, moto_server

pytestmark = pytest.mark.slow  # a few seconds: every run starts a Python process

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKENe2e"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with moto_server() as url:
        create_job(bedrock_at(url, "us-east-1"), "good-job")
        create_job(bedrock_at(url, "us-east-1"), "open-job", vpcConfig=None)
        create_job(bedrock_at(url, "eu-west-1"), "eu-job")
        yield url


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return fake_aws_env(tmp_path, "AKIDEXAMPLE", SECRET, TOKEN)


def bedrock_checker(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("bedrock-checker")
    assert executable, "the console script is not installed: pip install -e .[test]"
    return subprocess.run(
        [executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_scan_over_http(server: str, env: dict[str, str], tmp_path: Path) -> None:
    result = bedrock_checker(
        env,
        tmp_path,
        "scan",
        "--endpoint-url",
        server,
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--format",
        "json",
        "--sarif",
        "results.sarif",
    )

    assert result.returncode == 1, result.stderr
    jobs = {job["name"]: job for job in json.loads(result.stdout)["jobs"]}
    assert sorted(jobs) == ["eu-job", "good-job", "open-job"]
    assert [f["ruleId"] for f in jobs["open-job"]["findings"]] == ["BMC001"]
    assert jobs["eu-job"]["source"]["region"] == "eu-west-1"
    assert jobs["open-job"]["arn"] == (
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/open-job"
    )
    sarif = json.loads((tmp_path / "results.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["BMC001"]
    assert result.stderr == ""  # no progress bar in a pipe


def test_get_over_http(server: str, env: dict[str, str], tmp_path: Path) -> None:
    arn = f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:model-customization-job/eu-job"

    result = bedrock_checker(
        env, tmp_path, "get", "--endpoint-url", server, "--job-identifier", arn, "--query",
        "[jobName, vpcConfig.subnetIds]", "--output", "text",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == "eu-job\nsubnet-a\tsubnet-b\n"


def test_snapshot_then_check_over_http(server: str, env: dict[str, str], tmp_path: Path) -> None:
    snapshot = bedrock_checker(
        env, tmp_path, "snapshot", "--endpoint-url", server, "--region", "us-east-1",
        "--out", "jobs",
    )  # fmt: skip
    check = bedrock_checker(env, tmp_path, "check", "jobs", "--format", "json")

    assert snapshot.returncode == 0, snapshot.stderr
    assert snapshot.stderr == "wrote 2 job files to jobs\n"
    assert check.returncode == 1, check.stderr
    findings = {
        job["name"]: [f["ruleId"] for f in job["findings"]]
        for job in json.loads(check.stdout)["jobs"]
    }
    assert findings == {"good-job": [], "open-job": ["BMC001"]}


def test_debug_over_http_prints_the_wire_log_but_no_secret(
    server: str, env: dict[str, str], tmp_path: Path
) -> None:
    result = bedrock_checker(
        env, tmp_path, "scan", "--debug", "--endpoint-url", server, "--region", "us-east-1",
        "--job-identifier", "good-job",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert "botocore.endpoint - DEBUG - Sending http request" in log  # the AWS CLI's layout
    assert "'Authorization': b'***'" in log
    assert "'X-Amz-Security-Token': b'***'" in log
    assert SECRET not in log
    assert TOKEN not in log


def test_an_unreachable_endpoint_is_one_line_over_http(env: dict[str, str], tmp_path: Path) -> None:
    result = bedrock_checker(
        env, tmp_path, "scan", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1",
        "--max-attempts", "1",
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "bedrock-checker: error: us-east-1: cannot list model customization jobs: "
        "cannot reach http://127.0.0.1:9/"
    )
    assert result.stderr.count("\n") == 1


def test_scan_deep_over_http(env: dict[str, str], tmp_path: Path) -> None:
    # Every service on one moto server: Bedrock through --endpoint-url, the services deep mode
    # reads through AWS_ENDPOINT_URL, as a user would point them at a proxy or an emulator.
    with moto_server() as url:
        serve_role_and_buckets(url, "us-east-1", bedrock_trust({}))  # no aws:SourceAccount
        create_job(bedrock_at(url, "us-east-1"), "deep-job", vpcConfig=None)

        result = bedrock_checker(
            {**env, "AWS_ENDPOINT_URL": url},
            tmp_path,
            "scan",
            "--deep",
            "--endpoint-url",
            url,
            "--region",
            "us-east-1",
            "--job-identifier",
            "deep-job",  # moto's state is one per process: the other tests' jobs are there too
            "--rule",
            "BMC30*",
            "--format",
            "json",
        )

    assert result.returncode == 1, result.stderr
    [job] = json.loads(result.stdout)["jobs"]
    statuses = {finding["ruleId"]: finding["status"] for finding in job["findings"]}
    # The role trusts Bedrock without aws:SourceAccount; the buckets block public access; the
    # key is one moto invents, so it cannot be read.
    assert statuses == {
        "BMC301": "unknown",
        "BMC302": "unknown",
        "BMC303": "violated",
        "BMC306": "violated",
    }
    assert job["checkedRules"] == [f"BMC30{n}" for n in range(1, 7)]
