"""The Lambda handler end to end against moto: Bedrock, STS, SNS and Security Hub in process.

Each test creates jobs in moto, hands the handler a real-shaped EventBridge event (see
events/README.md) and reads what it did: the returned record, the JSON log line, the job's
status in moto, the SNS messages and the Security Hub findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from helpers.guard import (
    ACCOUNT,
    REGION,
    aws_env,
    create_job,
    created_event,
    job_status,
    state_change_event,
)
from moto import mock_aws
from moto.sns.models import sns_backends

import checker.guard
from checker.errors import CheckerError
from checker.guard.config import GuardConfig
from checker.guard.runtime import Guard
from checker.policy import load_policy

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:bedrock-guard"


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    aws_env(monkeypatch, tmp_path)
    checker.guard.reset()
    with mock_aws():
        boto3.client("sns", region_name=REGION).create_topic(Name="bedrock-guard")
        yield
    checker.guard.reset()


def sent() -> list[tuple[str, dict[str, Any]]]:
    """(subject, message) of every SNS message published to the topic."""
    topic = sns_backends[ACCOUNT][REGION].topics[TOPIC]
    return [(subject, json.loads(message)) for _, message, subject, *_ in topic.sent_notifications]


def logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def rules(record: dict[str, Any]) -> list[str]:
    return sorted(f["rule"] for f in record["findings"])


def test_a_compliant_job_passes_with_no_action(capsys: pytest.CaptureFixture[str]) -> None:
    create_job("good-job")
    record = Guard(GuardConfig(sns_topic_arn=TOPIC)).handle(created_event("good-job"))
    assert record["outcome"] == "passed", record["findings"]
    assert record["findings"] == []
    assert record["enforcement"]["action"] == "none"
    assert record["summary"]["jobs"] == 1 and record["summary"]["passed"] == 1
    # BMC007 reads invocation-log sources and BMC008 the RFT grader: neither applies here.
    assert {"BMC007", "BMC008"} <= set(record["notApplicableRules"])
    assert record["summary"]["notApplicable"] == len(record["notApplicableRules"])
    assert job_status("good-job") == "InProgress"
    assert sent() == []  # nothing to act on: no message
    (line,) = logged(capsys)
    assert line["guard"] == "job" and line["outcome"] == "passed"
    assert line["job"] == f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/good-job"


def test_a_violating_job_in_dry_run_is_reported_not_stopped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_job("open-job", vpcConfig=None)
    record = Guard(GuardConfig(sns_topic_arn=TOPIC)).handle(created_event("open-job"))
    assert record["outcome"] == "failed"
    assert rules(record) == ["BMC001"]
    assert record["enforcement"] == {
        "action": "dry-run",
        "reason": "would stop the job (STOP_ON=off)",
        "rules": ["BMC001"],
    }
    (finding,) = record["findings"]
    assert (finding["severity"], finding["status"], finding["enforcement"]) == (
        "error",
        "violated",
        "dry-run",
    )
    assert job_status("open-job") == "InProgress"
    ((subject, message),) = sent()
    assert subject == "bedrock-checker guard: job open-job would be stopped"
    assert message["outcome"] == "failed" and rules(message) == ["BMC001"]
    assert logged(capsys)[0]["enforcement"]["action"] == "dry-run"


def test_stop_on_error_stops_the_job_and_records_it() -> None:
    create_job("open-job", vpcConfig=None)
    guard = Guard(GuardConfig(stop_on="error", sns_topic_arn=TOPIC))
    record = guard.handle(created_event("open-job"))
    assert record["enforcement"]["action"] == "stopped"
    assert record["enforcement"]["rules"] == ["BMC001"]
    assert record["findings"][0]["enforcement"] == "stopped"
    # AWS goes through Stopping; moto's stop sets Stopped at once.
    assert job_status("open-job") in ("Stopping", "Stopped")
    ((subject, message),) = sent()
    assert subject == "bedrock-checker guard: job open-job stopped"
    assert message["enforcement"]["action"] == "stopped"

    # The state-change event that follows finds a stopped job: nothing more to stop.
    again = guard.handle(state_change_event("open-job", "Stopped"))
    assert again["outcome"] == "failed"
    assert again["enforcement"]["action"] == "none"
    assert again["enforcement"]["reason"] == "the job is Stopped: nothing to stop"


def test_warnings_never_stop_a_job() -> None:
    create_job("one-subnet", vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]})
    record = Guard(GuardConfig(stop_on="error")).handle(created_event("one-subnet"))
    assert rules(record) == ["BMC002"]
    assert record["outcome"] == "failed"
    assert record["enforcement"]["action"] == "none"
    assert job_status("one-subnet") == "InProgress"


def test_a_waived_violation_does_not_stop_the_job(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n  - rule: BMC001\n    jobs: [open-job]\n"
        "    reason: network isolation is provided by an SCP on this account\n"
        "    expires: 2099-12-31\n",
        encoding="utf-8",
    )
    create_job("open-job", vpcConfig=None)
    guard = Guard(GuardConfig(waivers=(str(waivers),), stop_on="error", sns_topic_arn=TOPIC))
    record = guard.handle(created_event("open-job"))
    assert record["outcome"] == "waived"
    assert record["findings"][0]["waived"].startswith("waived until 2099-12-31: network")
    assert record["enforcement"]["action"] == "none"
    assert job_status("open-job") == "InProgress"
    assert sent() == []


def test_a_malformed_event_is_logged_and_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    guard = Guard(GuardConfig(stop_on="error", sns_topic_arn=TOPIC))
    event = created_event("x")
    event["detail"]["responseElements"]["jobArn"] = "arn:aws:bedrock:us-east-1:1:job\n{}"
    record = guard.handle(event)
    assert record["guard"] == "ignored"
    assert "is not a model customization job ARN" in record["reason"]
    assert guard.handle({"hello": "world"})["reason"] == "source None is not aws.bedrock"
    lines = logged(capsys)
    assert [line["guard"] for line in lines] == ["ignored", "ignored"]
    assert sent() == []


def test_a_deleted_job_is_an_error_finding(capsys: pytest.CaptureFixture[str]) -> None:
    guard = Guard(GuardConfig(stop_on="error", sns_topic_arn=TOPIC, security_hub=True))
    record = guard.handle(state_change_event("gone-job", "InProgress"))
    assert record["outcome"] == "errored"
    assert "ResourceNotFoundException" in record["error"]
    assert record["enforcement"]["action"] == "none"
    assert record["summary"]["errored"] == 1
    ((subject, message),) = sent()
    assert subject == "bedrock-checker guard: job gone-job errored"
    assert "ResourceNotFoundException" in message["error"]
    hub = boto3.client("securityhub", region_name=REGION).get_findings()["Findings"]
    (unreadable,) = hub
    assert unreadable["Title"] == (
        f"Model customization job could not be read: arn:aws:bedrock:{REGION}:{ACCOUNT}:"
        "model-customization-job/gone-job"
    )
    assert unreadable["GeneratorId"] == "bedrock-checker/unreadable"
    assert unreadable["Compliance"] == {"Status": "NOT_AVAILABLE"}
    assert "ResourceNotFoundException" in unreadable["Description"]
    assert unreadable["Resources"][0]["Id"].endswith(":model-customization-job/gone-job")
    assert logged(capsys)[0]["outcome"] == "errored"


def test_security_hub_gets_one_asff_finding_per_violated_rule() -> None:
    create_job("open-job", vpcConfig=None, outputDataConfig={"s3Uri": "s3://corp-train/data/"})
    guard = Guard(GuardConfig(security_hub=True))
    record = guard.handle(created_event("open-job"))
    assert rules(record) == ["BMC001", "BMC006", "BMC006"]  # training and validation overlap
    assert record["deliveries"] == {"securityHub": "imported 2"}
    hub = boto3.client("securityhub", region_name=REGION).get_findings()["Findings"]
    by_generator = {f["GeneratorId"]: f for f in hub}
    assert sorted(by_generator) == ["bedrock-checker/BMC001", "bedrock-checker/BMC006"]
    bmc001 = by_generator["bedrock-checker/BMC001"]
    assert bmc001["Severity"] == {"Label": "HIGH", "Original": "error"}
    assert bmc001["Resources"][0]["Id"] == record["job"]
    assert bmc001["ProductFields"]["bedrock-checker/Enforcement"] == "dry-run"
    assert bmc001["ProductArn"] == (
        f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
    )
    bmc006 = by_generator["bedrock-checker/BMC006"]
    assert bmc006["Severity"] == {"Label": "MEDIUM", "Original": "warning"}
    assert "training location" in bmc006["Description"]
    assert "validation location" in bmc006["Description"]
    # The same job checked again updates its findings instead of adding new ones.
    guard.handle(state_change_event("open-job"))
    again = boto3.client("securityhub", region_name=REGION).get_findings()["Findings"]
    assert len(again) == 2


def test_the_lambda_handler_reads_its_configuration_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POLICIES", "builtin:baseline, builtin:cost")
    monkeypatch.setenv("STOP_ON", "error")
    create_job("hot-job", hyperParameters={"epochCount": "9", "batchSize": "1"})
    create_job("open-job", vpcConfig=None)
    record = checker.guard.handler(created_event("hot-job"), None)
    assert rules(record) == ["BMC204"]  # cost pack loaded; a warning: no stop
    assert job_status("hot-job") == "InProgress"
    assert checker.guard.handler(created_event("open-job"), None)["enforcement"]["action"] == (
        "stopped"
    )


def test_a_configuration_error_raises_so_the_event_reaches_the_dead_letter_queue(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STOP_ON", "warning")
    with pytest.raises(CheckerError, match="STOP_ON='warning': expected off or error"):
        checker.guard.handler(created_event("any-job"), None)
    (line,) = logged(capsys)
    assert line["guard"] == "configuration-error"


def test_deep_mode_unknowns_never_stop_a_job() -> None:
    # The job's key, role, buckets and network do not exist in moto: every deep rule is
    # unknown, and an unknown never stops a job, even with STOP_ON=error.
    create_job("good-job")
    record = Guard(GuardConfig(deep=True, stop_on="error")).handle(created_event("good-job"))
    statuses = {f["rule"]: f["status"] for f in record["findings"]}
    # BMC318 is about jobs that train on invocation logs, which this one does not.
    deep_pack = [r.id for r in load_policy(["builtin:deep"]).rules if r.id != "BMC318"]
    assert sorted(statuses) == sorted(deep_pack)
    assert set(statuses.values()) == {"unknown"}
    assert record["outcome"] == "passed"
    assert record["enforcement"]["action"] == "none"
    assert job_status("good-job") == "InProgress"


def test_a_failed_delivery_is_recorded_and_the_log_line_still_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_job("open-job", vpcConfig=None)
    missing_topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"
    record = Guard(GuardConfig(sns_topic_arn=missing_topic)).handle(created_event("open-job"))
    assert record["outcome"] == "failed"
    assert record["deliveries"]["sns"].startswith("failed: NotFound")
    (line,) = logged(capsys)
    assert line["deliveries"] == record["deliveries"]


def test_a_bug_while_checking_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("checker.guard.runtime.check", broken)
    record = Guard(GuardConfig()).handle(created_event("any-job"))
    assert record["guard"] == "internal-error"
    assert record["error"] == "RuntimeError: boom"
    assert record["job"].endswith(":model-customization-job/any-job")
    assert logged(capsys)[0]["guard"] == "internal-error"


def test_guard_and_scan_give_a_job_the_same_security_hub_findings() -> None:
    from helpers.audit import asff_problems

    from checker.model import Job, JobResult, Origin
    from checker.reports import asff

    create_job("open-job", vpcConfig=None)
    guard = Guard(GuardConfig(security_hub=True))
    guard.handle(created_event("open-job"))
    guard.handle(state_change_event("gone-job"))
    hub = boto3.client("securityhub", region_name=REGION).get_findings()["Findings"]
    by_generator = {f["GeneratorId"]: f for f in hub}
    assert sorted(by_generator) == ["bedrock-checker/BMC001", "bedrock-checker/unreadable"]
    # The id `scan --asff` gives the same job's BMC001 finding: either run updates the other's.
    arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/open-job"
    scanned = JobResult(Job({"jobArn": arn}, Origin(region=REGION, arn=arn), "get-response"))
    assert by_generator["bedrock-checker/BMC001"]["Id"] == asff.finding_id("BMC001", scanned)
    # Every finding guard sends, the unreadable kind too, fits BatchImportFindings' input shape.
    assert asff_problems(hub) == []
    assert {f["ProductFields"]["bedrock-checker/Enforcement"] for f in hub} == {"dry-run", "none"}
