"""The EventBridge events guard reacts to, read into the job they are about.

Two kinds of event name a model customization job (both from source ``aws.bedrock`` on the
default event bus):

- ``AWS API Call via CloudTrail`` with ``detail.eventSource`` ``bedrock.amazonaws.com`` and
  ``detail.eventName`` ``CreateModelCustomizationJob``: the job was just created. The new job's
  ARN is ``detail.responseElements.jobArn``; ``detail.requestParameters`` is the request as
  CloudTrail recorded it. Source: Amazon EventBridge events reference, "Amazon Bedrock events"
  (events-ref-bedrock), and the EventBridge User Guide, "AWS service events delivered via AWS
  CloudTrail" (eb-service-event-cloudtrail). EventBridge receives these only from accounts and
  regions where a CloudTrail trail logs management events.
- ``Model Customization Job State Change``, sent by Bedrock itself: ``detail.jobArn``,
  ``detail.jobName`` and ``detail.jobStatus``. Source: Amazon Bedrock User Guide, "How
  EventBridge for Amazon Bedrock works" (monitoring-eventbridge-how-it-works).

Anything else (another API call, a failed call, a malformed event) is ``Ignored`` with a reason:
events are data from outside, and a bad one must never make the function fail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SOURCE = "aws.bedrock"
CLOUDTRAIL_CALL = "AWS API Call via CloudTrail"
STATE_CHANGE = "Model Customization Job State Change"
EVENT_SOURCE = "bedrock.amazonaws.com"
CREATE_CALL = "CreateModelCustomizationJob"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_JOB_ARN = re.compile(
    r"^arn:aws[a-z-]*:bedrock:(?P<region>[a-z0-9-]{1,20}):(?P<account>\d{12}):"
    r"model-customization-job/[A-Za-z0-9+.\-/:]{1,1011}$"
)
_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class JobEvent:
    """An event about one job: where it is, and what happened to it."""

    kind: str  # "created" (CloudTrail) or "state-change" (Bedrock)
    event_id: str
    region: str
    account: str | None
    job_arn: str | None
    job_name: str | None
    status: str | None = None  # the job status a state-change event reports

    @property
    def identifier(self) -> str:
        """What to ask GetModelCustomizationJob for: the ARN when known, else the name."""
        return self.job_arn or self.job_name or ""

    @property
    def label(self) -> str:
        return self.job_arn or f"{self.region}:{self.job_name}"


@dataclass(frozen=True)
class Ignored:
    """An event guard does not act on, and why (logged, never raised)."""

    event_id: str | None
    reason: str


def _text(value: Any, limit: int = 2048) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def read_event(event: Any) -> JobEvent | Ignored:
    """The job an EventBridge event is about, or why the event is ignored."""
    if not isinstance(event, Mapping):
        return Ignored(None, f"not an EventBridge event: a {type(event).__name__}")
    event_id = _text(event.get("id"), 256)
    source, detail_type = event.get("source"), event.get("detail-type")
    detail = event.get("detail")
    if source != SOURCE:
        return Ignored(event_id, f"source {_shown(source)} is not {SOURCE}")
    if not isinstance(detail, Mapping):
        return Ignored(event_id, "the event has no detail object")
    if detail_type == CLOUDTRAIL_CALL:
        return _from_cloudtrail(event, detail, event_id)
    if detail_type == STATE_CHANGE:
        return _from_state_change(event, detail, event_id)
    return Ignored(event_id, f"detail-type {_shown(detail_type)} is not handled")


def _from_cloudtrail(
    event: Mapping[str, Any], detail: Mapping[str, Any], event_id: str | None
) -> JobEvent | Ignored:
    if detail.get("eventSource") != EVENT_SOURCE or detail.get("eventName") != CREATE_CALL:
        return Ignored(
            event_id,
            f"API call {_shown(detail.get('eventSource'))} {_shown(detail.get('eventName'))} "
            f"is not {EVENT_SOURCE} {CREATE_CALL}",
        )
    if detail.get("errorCode"):
        # The call was refused: no job was created.
        return Ignored(
            event_id,
            f"{CREATE_CALL} failed ({_shown(detail.get('errorCode'))}): no job to check",
        )
    response = detail.get("responseElements")
    request = detail.get("requestParameters")
    arn = response.get("jobArn") if isinstance(response, Mapping) else None
    name = request.get("jobName") if isinstance(request, Mapping) else None
    region = detail.get("awsRegion") or event.get("region")
    account = event.get("account") or detail.get("recipientAccountId")
    return _job_event("created", event_id, region, account, arn, name, None)


def _from_state_change(
    event: Mapping[str, Any], detail: Mapping[str, Any], event_id: str | None
) -> JobEvent | Ignored:
    status = _text(detail.get("jobStatus"), 64)
    return _job_event(
        "state-change",
        event_id,
        event.get("region"),
        event.get("account"),
        detail.get("jobArn"),
        detail.get("jobName"),
        status,
    )


def _job_event(
    kind: str,
    event_id: str | None,
    region: Any,
    account: Any,
    arn: Any,
    name: Any,
    status: str | None,
) -> JobEvent | Ignored:
    if arn is not None:
        match = _JOB_ARN.match(arn) if isinstance(arn, str) else None
        if match is None:
            return Ignored(event_id, f"jobArn {_shown(arn)} is not a model customization job ARN")
        # The ARN is authoritative: the job lives where its ARN says.
        region, account = match.group("region"), match.group("account")
    if name is not None and not (
        isinstance(name, str) and len(name) <= 63 and _JOB_NAME.match(name)
    ):
        return Ignored(event_id, f"jobName {_shown(name)} is not a job name")
    if arn is None and name is None:
        return Ignored(event_id, "the event names no job (no jobArn, no jobName)")
    if not isinstance(region, str) or not _REGION.match(region):
        return Ignored(event_id, f"region {_shown(region)} is not an AWS region")
    account = account if isinstance(account, str) and _ACCOUNT.match(account) else None
    return JobEvent(kind, event_id or "", region, account, arn, name, status)


def _shown(value: Any) -> str:
    """A value from the event, quoted and cut short, for a log message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
