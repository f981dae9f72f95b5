"""Builders for the guard tests: moto jobs, sample events, and a guard wired to moto."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent.parent
EVENTS = TESTS / "guard" / "events"
CREATE_JOB: dict[str, Any] = json.loads(
    (TESTS / "fixtures" / "aws" / "create-job.json").read_text()
)
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"


def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata, no guard settings."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_BEDROCK",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
        "AWS_SESSION_TOKEN",
        "POLICIES",
        "WAIVERS",
        "DEEP",
        "STOP_ON",
        "SNS_TOPIC_ARN",
        "SECURITY_HUB",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


def create_job(name: str, region: str = REGION, **overrides: Any) -> str:
    """Create a job in moto from the shared create request; None removes a field."""
    import boto3

    request = copy.deepcopy(CREATE_JOB)
    request.update(jobName=name, customModelName=f"{name}-model", **overrides)
    request = {key: value for key, value in request.items() if value is not None}
    client = boto3.client("bedrock", region_name=region)
    return str(client.create_model_customization_job(**request)["jobArn"])


def job_status(name: str, region: str = REGION) -> str:
    import boto3

    client = boto3.client("bedrock", region_name=region)
    return str(client.get_model_customization_job(jobIdentifier=name)["status"])


def sample_event(file: str) -> dict[str, Any]:
    return json.loads((EVENTS / file).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def created_event(job_name: str, region: str = REGION) -> dict[str, Any]:
    """The CloudTrail CreateModelCustomizationJob event for a job created in moto."""
    event = sample_event("create-job-cloudtrail.json")
    arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:model-customization-job/{job_name}"
    event["region"] = event["detail"]["awsRegion"] = region
    event["detail"]["requestParameters"]["jobName"] = job_name
    event["detail"]["responseElements"]["jobArn"] = arn
    return event


def state_change_event(job_name: str, status: str = "InProgress") -> dict[str, Any]:
    """Bedrock's state-change event for a job created in moto."""
    event = sample_event("job-state-change.json")
    arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/{job_name}"
    event["resources"] = [arn]
    event["detail"].update(jobName=job_name, jobArn=arn, jobStatus=status)
    return event
