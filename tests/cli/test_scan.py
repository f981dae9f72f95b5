"""`bedrock-checker scan`: every job of every region, filters, identifiers, report formats,
assumed roles, profiles and connection options reaching the client.

AWS is moto in-process; the Wire (helpers.aws) counts and faults the requests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from helpers.aws import ACCOUNT, Wire, bedrock_client_as, create_job, set_status
from helpers.cli import job_names, report, run

from checker.aws import session as aws_session

# Every test runs with fake credentials (no profile, no metadata) in an empty folder.
pytestmark = pytest.mark.usefixtures("fake_aws_in_tmp")


class ClientSpy:
    """Records the keyword arguments of every client the scanner creates."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        real = aws_session.make_session

        def make(profile: str | None) -> Any:
            session = real(profile)
            original = session.client

            def client(service: str, **kwargs: Any) -> Any:
                self.calls.append({"service": service, **kwargs})
                return original(service, **kwargs)

            session.client = client
            return session

        monkeypatch.setattr(aws_session, "make_session", make)

    @property
    def bedrock(self) -> dict[str, Any]:
        [call] = [c for c in self.calls if c["service"] == "bedrock"]
        return call


# -- scan -------------------------------------------------------------------------------------


def test_scan_evaluates_every_job_of_every_region(bedrock: Any) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    result = run("scan", "--region", "us-east-1", "--region", "eu-west-1", "--format", "json")

    assert result.exit_code == 0, result.output  # BMC002 (one subnet) is a warning
    jobs = {job["name"]: job for job in report(result)["jobs"]}
    assert sorted(jobs) == ["eu-job", "good-job", "open-job"]
    assert jobs["eu-job"]["source"]["region"] == "eu-west-1"
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/open-job"
    assert jobs["open-job"]["arn"] == arn
    assert jobs["open-job"]["source"] == {
        "path": None,
        "line": None,
        "index": None,
        "region": "us-east-1",
        "arn": arn,
    }
    assert [f["ruleId"] for f in jobs["open-job"]["findings"]] == ["BMC002"]


def test_scan_text_names_the_job_by_arn(bedrock: Any) -> None:
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})

    result = run("scan", "--region", "us-east-1", "--fail-on", "warning")

    assert result.exit_code == 1
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/open-job"
    assert f"  {arn}: BMC002 warning: Use at least two subnets" in result.stdout


def test_scan_writes_every_report_format_with_a_live_sarif_category(
    bedrock: Any, tmp_path: Path
) -> None:
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--sarif",
        "out.sarif",
        "--junit",
        "junit.xml",
        "--markdown",
        "summary.md",
        "--json",
        "report.json",
    )

    assert result.exit_code == 0, result.output
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    [sarif_run] = sarif["runs"]
    assert sarif_run["automationDetails"]["id"].startswith(
        f"bedrock-checker/live/{ACCOUNT}-us-east-1"
    )
    assert [r["ruleId"] for r in sarif_run["results"]] == ["BMC002"]
    assert "open-job" in (tmp_path / "summary.md").read_text()
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["jobs"] == 1
    assert "BMC002" in (tmp_path / "junit.xml").read_text()


def test_scan_by_job_identifier_name_and_arn(bedrock: Any) -> None:
    create_job(bedrock, "my-ft-job")
    arn = create_job(bedrock, "other-job")
    create_job(bedrock, "not-asked")

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--job-identifier",
        "my-ft-job",
        "--job-identifier",
        arn,
        "--format",
        "json",
    )

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["my-ft-job", "other-job"]


def test_scan_by_model_identifier_is_the_promotion_gate(
    bedrock: Any, evaluations: dict[str, Any]
) -> None:
    create_job(bedrock, "ready")
    set_status("ready", "Completed")
    evaluations["evaluated"] = {
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/ready-model-ready"
    }
    create_job(bedrock, "running")  # moto's jobs start InProgress

    ready = run(
        "scan",
        "--region",
        "us-east-1",
        "--model-identifier",
        "ready-model",
        "--policy",
        "builtin:promotion",
        "--format",
        "json",
    )
    running = run(
        "scan",
        "--region",
        "us-east-1",
        "--model-identifier",
        "running-model",
        "--policy",
        "builtin:promotion",
        "--format",
        "json",
    )

    assert ready.exit_code == 0, ready.output
    assert job_names(ready) == ["ready"]
    assert running.exit_code == 1
    [job] = report(running)["jobs"]
    assert job["name"] == "running"
    assert [f["ruleId"] for f in job["findings"]] == ["BMC101"]


def test_scan_filters(bedrock: Any, wire: Wire) -> None:
    for name, status in (("prod-a", "Completed"), ("prod-b", "Failed"), ("test-c", "Completed")):
        create_job(bedrock, name)
        set_status(name, status)

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--status",
        "completed",
        "--name-contains",
        "prod-",
        "--created-after",
        "2000-01-01",
        "--created-before",
        "2999-12-31T23:59:59+02:00",
        "--format",
        "json",
    )

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["prod-a"]
    [(_, url)] = [key for key in wire.attempts if key[0] == "ListModelCustomizationJobs"]
    for parameter in (
        "statusEquals=Completed",
        "nameContains=prod-",
        "creationTimeAfter=2000-01-01T00%3A00%3A00Z",
        "creationTimeBefore=2999-12-31T21%3A59%3A59Z",
    ):
        assert parameter in url


def test_scan_max_jobs_and_page_size(bedrock: Any, wire: Wire) -> None:
    for index in range(7):
        create_job(bedrock, f"job-{index}")

    result = run(
        "scan", "--region", "us-east-1", "--page-size", "2", "--max-jobs", "5", "--format", "json"
    )

    assert result.exit_code == 0, result.output
    assert len(report(result)["jobs"]) == 5
    assert wire.count("ListModelCustomizationJobs") == 3
    assert all("maxResults=2" in url for op, url in wire.attempts if op.startswith("List"))


def test_scan_through_an_assumed_role(bedrock: Any) -> None:
    role = "arn:aws:iam::111122223333:role/BedrockAudit"
    create_job(bedrock_client_as(role), "their-job")

    result = run("scan", "--region", "us-east-1", "--assume-role", role, "--format", "json")

    assert result.exit_code == 0, result.output
    [job] = report(result)["jobs"]
    assert job["arn"].startswith("arn:aws:bedrock:us-east-1:111122223333:")


def test_scan_with_a_profile(bedrock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile audit]\nregion = eu-west-1\n"
        "aws_access_key_id = AKIDAUDIT\naws_secret_access_key = audit-secret\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    result = run("scan", "--profile", "audit", "--format", "json")

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["eu-job"]  # the profile's region


def test_connection_options_reach_the_client(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spy = ClientSpy(monkeypatch)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read by moto\n")

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--ca-bundle",
        str(bundle),
        "--cli-read-timeout",
        "0",
        "--cli-connect-timeout",
        "7",
        "--retry-mode",
        "adaptive",
        "--max-attempts",
        "6",
        "--max-concurrency",
        "40",
    )

    assert result.exit_code == 0, result.output
    call = spy.bedrock
    config = call["config"]
    assert call["verify"] == str(bundle)
    assert call["endpoint_url"] is None
    assert (config.read_timeout, config.connect_timeout) == (None, 7)
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 6}
    assert config.max_pool_connections == 40


def test_no_verify_ssl_and_endpoint_url_reach_the_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = ClientSpy(monkeypatch)

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--no-verify-ssl",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--max-attempts",
        "1",
    )

    assert result.exit_code == 2
    assert spy.bedrock["verify"] is False
    assert spy.bedrock["endpoint_url"] == "http://127.0.0.1:9"
    assert result.stderr == (
        "bedrock-checker: error: us-east-1: cannot list model customization jobs: cannot "
        "reach http://127.0.0.1:9/model-customization-jobs?maxResults=100 (is Amazon Bedrock "
        "available in this region, and the endpoint reachable?)\n"
    )


def test_no_sign_request_sends_no_signature(
    bedrock: Any,
    wire: Wire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_job(bedrock, "ft-job")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    result = run("scan", "--region", "us-east-1", "--no-sign-request", "--format", "json")

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["ft-job"]
    assert wire.headers
    assert not any("Authorization" in headers for headers in wire.headers)


def test_debug_shows_the_wire_log_without_secrets(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    create_job(bedrock, "ft-job")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLETOKEN")
    caplog.set_level("DEBUG")

    result = run("scan", "--region", "us-east-1", "--debug")

    assert result.exit_code == 0, result.output
    assert "botocore.endpoint" in {record.name for record in caplog.records}
    assert "'Authorization': b'***'" in caplog.text
    assert "wJalrXUtnFEMI" not in caplog.text
    assert "IQoJb3JpZ2luX2VjEXAMPLETOKEN" not in caplog.text
