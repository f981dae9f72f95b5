"""Publishing to Security Hub: batches of 100, refused findings sent again, old ones archived."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from helpers.audit import ACCOUNT, DELETE, JOB_ARN, WHEN, asff_problems, make_job, make_report
from moto import mock_aws

from checker.aws import securityhub
from checker.aws.connection import Connection
from checker.errors import CheckerError
from checker.model import Report
from checker.reports import RenderOptions, asff

REGION = "us-east-1"
OPTIONS = RenderOptions(generated_at=WHEN, asff_account=ACCOUNT, asff_region=REGION)
PRODUCT = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


class Calls:
    """The BatchImportFindings requests a client makes, as sent (after botocore validated them)."""

    def __init__(self, client: Any) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        client.meta.events.register(
            "provide-client-params.securityhub.BatchImportFindings", self._record
        )

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.batches.append(params["Findings"])


def failing_jobs(count: int) -> Report:
    """``count`` jobs, each failing BMC001 alone."""
    jobs = [
        make_job(f"jobs/{n}.json", jobArn=f"{JOB_ARN[:-12]}job{n:09d}", vpcConfig=DELETE)
        for n in range(count)
    ]
    return make_report(jobs, policies=("builtin:baseline",))


def stored(client: Any) -> dict[str, dict[str, Any]]:
    pages = client.get_paginator("get_findings").paginate()
    return {f["Id"]: f for page in pages for f in page["Findings"]}


def test_250_findings_go_in_3_batches_and_every_one_is_valid(aws: None) -> None:
    client = boto3.client("securityhub", region_name=REGION)
    calls = Calls(client)
    report = failing_jobs(250)

    result = securityhub.publish(client, report, OPTIONS)

    assert [len(batch) for batch in calls.batches] == [100, 100, 50]
    assert result.calls == 3
    assert (result.imported, result.archived, result.failed) == (250, 0, ())
    assert asff_problems([f for batch in calls.batches for f in batch]) == []
    findings = stored(client)
    assert len(findings) == 250
    assert {f["GeneratorId"] for f in findings.values()} == {"bedrock-checker/BMC001"}
    assert {f["ProductArn"] for f in findings.values()} == {PRODUCT}


def test_a_second_run_updates_instead_of_duplicating(aws: None) -> None:
    client = boto3.client("securityhub", region_name=REGION)
    report = failing_jobs(3)
    securityhub.publish(client, report, OPTIONS)
    later = dataclasses.replace(OPTIONS, generated_at=WHEN.replace(day=6))
    result = securityhub.publish(client, report, later)

    findings = stored(client)
    assert len(findings) == 3
    assert result.archived == 0
    assert {f["UpdatedAt"] for f in findings.values()} == {"2026-12-06T08:30:00.000Z"}


def test_findings_of_jobs_that_now_pass_are_archived_as_passed(aws: None) -> None:
    client = boto3.client("securityhub", region_name=REGION)
    securityhub.publish(client, failing_jobs(3), OPTIONS)
    # The first job is fixed; the second is not in this run; the third still fails.
    fixed = make_job("jobs/0.json", jobArn=f"{JOB_ARN[:-12]}job{0:09d}")
    still = make_job("jobs/2.json", jobArn=f"{JOB_ARN[:-12]}job{2:09d}", vpcConfig=DELETE)
    calls = Calls(client)
    result = securityhub.publish(
        client, make_report([fixed, still], policies=("builtin:baseline",)), OPTIONS
    )

    assert (result.imported, result.archived) == (1, 1)
    assert asff_problems([f for batch in calls.batches for f in batch]) == []
    by_resource = {f["Resources"][0]["Id"]: f for f in stored(client).values()}
    assert by_resource[fixed.arn]["RecordState"] == "ARCHIVED"
    assert by_resource[fixed.arn]["Compliance"]["Status"] == "PASSED"
    for untouched in (f"{JOB_ARN[:-12]}job{1:09d}", still.arn):
        assert by_resource[untouched]["RecordState"] == "ACTIVE"
        assert by_resource[untouched]["Compliance"]["Status"] == "FAILED"


def _stub_import(stubber: Stubber, findings: list[dict[str, Any]], refused: list[str]) -> None:
    stubber.add_response(
        "batch_import_findings",
        {
            "FailedCount": len(refused),
            "SuccessCount": len(findings) - len(refused),
            "FailedFindings": [
                {"Id": key, "ErrorCode": "InternalException", "ErrorMessage": "try again"}
                for key in refused
            ],
        },
        {"Findings": findings},
    )


def test_refused_findings_are_sent_again_alone() -> None:
    client = boto3.client(
        "securityhub", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    findings = asff.findings(failing_jobs(120), OPTIONS)
    refused = [findings[5]["Id"], findings[110]["Id"]]
    waits: list[float] = []
    with Stubber(client) as stubber:
        _stub_import(stubber, findings[:100], refused[:1])
        _stub_import(stubber, findings[100:], refused[1:])
        _stub_import(stubber, [findings[5], findings[110]], [])
        calls, failed = securityhub.import_findings(client, findings, sleep=waits.append)
        stubber.assert_no_pending_responses()

    assert (calls, failed) == (3, ())
    assert waits == [securityhub.BACKOFF_SECONDS]


def test_a_finding_refused_every_time_is_reported_after_the_last_attempt() -> None:
    client = boto3.client(
        "securityhub", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    findings = asff.findings(failing_jobs(2), OPTIONS)
    waits: list[float] = []
    with Stubber(client) as stubber:
        _stub_import(stubber, findings, [findings[1]["Id"]])
        for _ in range(securityhub.ATTEMPTS - 1):
            _stub_import(stubber, [findings[1]], [findings[1]["Id"]])
        calls, failed = securityhub.import_findings(client, findings, sleep=waits.append)
        stubber.assert_no_pending_responses()

    assert calls == securityhub.ATTEMPTS
    assert [(f.id, f.code) for f in failed] == [(findings[1]["Id"], "InternalException")]
    assert waits == [1.0, 2.0]


def test_a_throttled_batch_is_sent_again_and_access_denied_stops_on_one_line() -> None:
    client = boto3.client(
        "securityhub", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    findings = asff.findings(failing_jobs(1), OPTIONS)
    with Stubber(client) as stubber:
        stubber.add_client_error("batch_import_findings", "ThrottlingException", "slow down")
        _stub_import(stubber, findings, [])
        assert securityhub.import_findings(client, findings, sleep=lambda _: None) == (2, ())
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "batch_import_findings", "InvalidAccessException", "Security Hub is not enabled"
        )
        with pytest.raises(
            CheckerError,
            match=r"^Security Hub: cannot import findings: InvalidAccessException: Security",
        ):
            securityhub.import_findings(client, findings, sleep=lambda _: None)


def test_the_summary_names_the_hub_and_the_counts() -> None:
    result = securityhub.PublishResult(
        PRODUCT, 3, 1, 1, (securityhub.FailedFinding("bedrock-checker/BMC001/x", "E", "bad"),)
    )
    assert result.summary() == (
        f"Security Hub ({PRODUCT}): 3 findings imported, 1 archived; 1 refused after 3 attempts "
        "(first: bedrock-checker/BMC001/x: E: bad)"
    )


def test_publishing_needs_the_hub_account_and_region() -> None:
    with pytest.raises(CheckerError, match="account and region to publish to"):
        securityhub.publish(object(), failing_jobs(1), RenderOptions(generated_at=WHEN))


def test_connect_finds_the_callers_account_and_the_first_region(aws: None) -> None:
    hub = securityhub.connect(Connection(regions=("eu-west-1", "us-east-1")))
    assert (hub.account, hub.region) == ("123456789012", "eu-west-1")
    assert hub.client.meta.region_name == "eu-west-1"


def test_connect_without_credentials_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(CheckerError, match=r"^Security Hub: no AWS credentials found"):
        securityhub.connect(Connection(regions=(REGION,)))
