"""The Lambda entry point: read the event, check its job, send the verdict to every output.

The configuration, policies and waivers are read on the first event and kept while the
function stays warm, as are the boto3 clients. A bad event is logged and ignored; a job that
cannot be read is reported as an error result. Only a configuration error raises, so that the
event goes to the dead-letter queue and can be replayed once the configuration is fixed.
"""

from __future__ import annotations

import datetime
import os
import time
import traceback
from collections.abc import Mapping
from typing import Any

import checker.guard.config as guard_config
import checker.guard.outputs as outputs
from checker.aws.clients import Clients
from checker.errors import CheckerError
from checker.guard.check import Loaded, Verdict, check
from checker.guard.events import Ignored, read_event


class Guard:
    """Configuration, loaded policies and clients: everything that outlives one event."""

    def __init__(self, config: guard_config.GuardConfig, clients: Clients | None = None) -> None:
        self.config = config
        self.clients = clients or Clients()
        self.loaded = Loaded.from_config(config)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Guard:
        return cls(guard_config.from_environment(os.environ if environ is None else environ))

    def handle(self, event: Any, today: datetime.date | None = None) -> dict[str, Any]:
        """Check the job an event names; never raises for the event's sake."""
        started = time.perf_counter()
        job_event = read_event(event)
        if isinstance(job_event, Ignored):
            ignored = {
                "guard": "ignored",
                "eventId": job_event.event_id,
                "reason": job_event.reason,
            }
            outputs.log(ignored)
            return ignored
        try:
            verdict = check(
                job_event,
                self.config,
                self.loaded,
                self.clients,
                today or datetime.datetime.now(datetime.UTC).date(),
            )
        except Exception as exc:  # a bug must not lose the event: it is logged in full
            failure = {
                "guard": "internal-error",
                "eventId": job_event.event_id,
                "job": job_event.label,
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(),
            }
            outputs.log(failure)
            return failure
        record = outputs.job_record(verdict)
        record["deliveries"] = self._deliver(verdict)
        record["seconds"] = round(time.perf_counter() - started, 4)
        outputs.log(record)
        return record

    def _deliver(self, verdict: Verdict) -> dict[str, str]:
        """Send the verdict to SNS and Security Hub; a failure is recorded, never raised."""
        from checker.aws.errors import error_text

        deliveries: dict[str, str] = {}
        if self.config.sns_topic_arn and outputs.worth_notifying(verdict):
            try:
                message_id = outputs.publish_sns(self.clients, self.config.sns_topic_arn, verdict)
                deliveries["sns"] = f"published {message_id}"
            except Exception as exc:  # botocore errors, or a bad topic: the log still has it
                deliveries["sns"] = f"failed: {error_text(exc)}"
        if self.config.security_hub:
            findings = outputs.asff_findings(verdict, datetime.datetime.now(datetime.UTC))
            if findings:
                try:
                    failed = outputs.import_to_security_hub(
                        self.clients, verdict.event.region, findings
                    )
                    deliveries["securityHub"] = f"imported {len(findings) - failed}" + (
                        f", {failed} refused" if failed else ""
                    )
                except Exception as exc:
                    deliveries["securityHub"] = f"failed: {error_text(exc)}"
        return deliveries


_guard: Guard | None = None


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """AWS Lambda handler for EventBridge events (handler setting: checker.guard.handler)."""
    global _guard
    if _guard is None:
        try:
            _guard = Guard.from_environment()
        except CheckerError as exc:
            outputs.log({"guard": "configuration-error", "error": str(exc)})
            raise
    return _guard.handle(event)


def reset() -> None:
    """Forget the configuration and clients (the next event reads the environment again)."""
    global _guard
    _guard = None
