"""Where guard's findings go: JSON log lines always, SNS and Security Hub when configured."""

from __future__ import annotations

import datetime
import json
import re
import sys
from typing import Any, TextIO

from checker import __version__
from checker.aws.clients import Clients
from checker.guard.check import Verdict, stopping_findings
from checker.model import Finding

_SUBJECT_UNSAFE = re.compile(r"[^\x20-\x7e]")


def log(record: dict[str, Any], stream: TextIO | None = None) -> None:
    """One JSON object per line on standard output, which Lambda sends to CloudWatch Logs.

    json.dumps escapes control characters, so text from an event or a job cannot forge a line.
    """
    print(json.dumps(record, default=str, sort_keys=True), file=stream or sys.stdout, flush=True)


def finding_record(verdict: Verdict, finding: Finding) -> dict[str, Any]:
    stops = finding in stopping_findings(verdict.result)
    return {
        "rule": finding.rule.id,
        "title": finding.rule.title,
        "severity": finding.severity.value,
        "status": finding.status.value,
        "path": finding.path,
        "message": finding.message,
        "waived": finding.suppression.justification if finding.suppression else None,
        "enforcement": verdict.enforcement.action if stops else None,
        "helpUri": finding.rule.help_uri,
    }


def job_record(verdict: Verdict) -> dict[str, Any]:
    """The verdict on one job: what every output says, in one structure."""
    event, result = verdict.event, verdict.result
    job = result.job
    record: dict[str, Any] = {
        "guard": "job",
        "eventId": event.event_id,
        "trigger": event.kind,
        "eventStatus": event.status,
        "job": job.arn if job is not None and job.arn else event.label,
        "jobName": job.name if job is not None else event.job_name,
        "region": event.region,
        "account": event.account,
        "jobStatus": job.document.get("status") if job is not None else None,
        "outcome": result.outcome.value,
        "summary": verdict.report.summary(),
        "enforcement": {
            "action": verdict.enforcement.action,
            "reason": verdict.enforcement.reason,
            "rules": list(verdict.enforcement.rules),
        },
        "findings": [finding_record(verdict, f) for f in result.findings],
        "notApplicableRules": list(verdict.report.not_applicable(result)),
        "version": __version__,
    }
    if result.error is not None:
        record["error"] = result.error.message
    return record


def worth_notifying(verdict: Verdict) -> bool:
    """SNS hears about jobs someone must act on: failed or unreadable ones, or a stop."""
    return verdict.result.outcome.value in ("failed", "errored") or (
        verdict.enforcement.action in ("stopped", "stop-failed")
    )


def sns_message(verdict: Verdict) -> tuple[str, str]:
    """(subject, message): a one-line subject within SNS's limits, the record as JSON."""
    record = job_record(verdict)
    action = verdict.enforcement.action
    what = {"stopped": "stopped", "dry-run": "would be stopped"}.get(action, record["outcome"])
    subject = f"bedrock-checker guard: job {record['jobName'] or record['job']} {what}"
    subject = _SUBJECT_UNSAFE.sub("?", subject)
    if len(subject) > 99:
        subject = subject[:96] + "..."
    return subject, json.dumps(record, default=str, indent=2, sort_keys=True)


def publish_sns(clients: Clients, topic_arn: str, verdict: Verdict) -> str:
    """Publish the verdict; returns the SNS message id."""
    subject, message = sns_message(verdict)
    region = topic_arn.split(":")[3]
    answer = clients.client("sns", region).publish(
        TopicArn=topic_arn, Subject=subject, Message=message
    )
    return str(answer.get("MessageId", ""))


# -- Security Hub -------------------------------------------------------------------------
# The findings are those of `--asff` (checker/reports/asff.py), plus the enforcement action;
# they are sent by the same code as `--security-hub` (checker/aws/securityhub.py).

FIELD_ENFORCEMENT = "bedrock-checker/Enforcement"


def asff_findings(verdict: Verdict, now: datetime.datetime) -> list[dict[str, Any]]:
    """One ASFF finding per violated or unknown rule of the job, as `--asff` gives it, or one
    for a job that could not be read; each records what guard did about the job."""
    from checker.reports import asff
    from checker.reports.options import RenderOptions

    event, result = verdict.event, verdict.result
    # The event's region and account are the job's: its findings go to the hub beside it.
    options = RenderOptions(
        generated_at=now, default_region=event.region, default_account=event.account
    )
    if result.error is not None:
        findings = [asff.unreadable_finding(result, options)]
    else:
        findings = asff.findings(verdict.report, options)
    for finding in findings:
        finding["ProductFields"][FIELD_ENFORCEMENT] = verdict.enforcement.action
    return findings


def import_to_security_hub(clients: Clients, region: str, findings: list[dict[str, Any]]) -> int:
    """BatchImportFindings in batches of 100, refused findings sent again; how many Security Hub
    still refused at the end."""
    from checker.aws.securityhub import import_findings

    _, failed = import_findings(clients.client("securityhub", region), findings)
    return len(failed)
