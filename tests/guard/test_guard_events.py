"""Reading EventBridge events: the two job events, and everything else ignored with a reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers.guard import sample_event

from checker.guard.events import Ignored, JobEvent, read_event


def test_the_documented_state_change_event() -> None:
    event = read_event(sample_event("job-state-change.json"))
    assert event == JobEvent(
        kind="state-change",
        event_id="UUID",
        region="us-east-1",
        account="123456789012",
        job_arn="arn:aws:bedrock:us-east-1:123456789012:model-customization-job/abcdefghwxyz",
        job_name="abcd-wxyz",
        status="Failed",
    )


def test_the_cloudtrail_create_event() -> None:
    event = read_event(sample_event("create-job-cloudtrail.json"))
    assert isinstance(event, JobEvent)
    assert (event.kind, event.region, event.account, event.job_name) == (
        "created",
        "us-east-1",
        "123456789012",
        "ft-job",
    )
    assert event.identifier == (
        "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/ft-job"
    )


def test_the_arn_decides_the_region() -> None:
    raw = sample_event("job-state-change.json")
    raw["region"] = "eu-west-1"
    event = read_event(raw)
    assert isinstance(event, JobEvent) and event.region == "us-east-1"


def test_a_create_event_without_a_response_falls_back_to_the_name() -> None:
    raw = sample_event("create-job-cloudtrail.json")
    del raw["detail"]["responseElements"]
    event = read_event(raw)
    assert isinstance(event, JobEvent)
    assert (event.job_arn, event.identifier) == (None, "ft-job")


def _edit(event: str | dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A sample event (a file name) or an edited one, with one more field set or deleted."""
    raw = copy.deepcopy(sample_event(event) if isinstance(event, str) else event)
    *parents, last = path.split(".")
    target = raw
    for part in parents:
        target = target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return raw


_DELETE = object()
CT = "create-job-cloudtrail.json"
SC = "job-state-change.json"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (None, "not an EventBridge event: a NoneType"),
        ("{}", "not an EventBridge event: a str"),
        ([1, 2], "not an EventBridge event: a list"),
        ({}, "source None is not aws.bedrock"),
        (_edit(SC, "source", "aws.s3"), "source 'aws.s3' is not aws.bedrock"),
        (_edit(SC, "detail", "x"), "the event has no detail object"),
        (_edit(SC, "detail-type", "Batch Inference Job State Change"), "is not handled"),
        (_edit(CT, "detail.eventName", "StopModelCustomizationJob"), "is not"),
        (_edit(CT, "detail.errorCode", "ValidationException"), "failed ('ValidationException')"),
        (_edit(SC, "detail.jobArn", "arn:aws:s3:::bucket"), "is not a model customization job"),
        (_edit(SC, "detail.jobArn", 42), "42 is not a model customization job ARN"),
        (_edit(_edit(SC, "detail.jobArn", _DELETE), "detail.jobName", _DELETE), "names no job"),
        (_edit(_edit(SC, "detail.jobArn", _DELETE), "region", "Mars"), "is not an AWS region"),
        (_edit(_edit(SC, "detail.jobArn", _DELETE), "detail.jobName", "a b\n"), "not a job name"),
        (_edit(SC, "detail.jobName", "x" * 5000), "is not a job name"),
    ],
)
def test_other_and_malformed_events_are_ignored(event: Any, reason: str) -> None:
    result = read_event(event)
    assert isinstance(result, Ignored)
    assert reason in result.reason
