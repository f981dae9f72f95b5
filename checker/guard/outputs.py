"""Where guard's findings go: JSON log lines always, SNS and Security Hub when configured."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import sys
from typing import Any, TextIO

from checker import __version__
from checker.aws.clients import Clients
from checker.guard.check import Verdict, stopping_findings
from checker.model import Finding, FindingStatus, JobResult

PRODUCT = "bedrock-checker"
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
# The ASFF findings are built here until the report formats offer an ASFF renderer; then
# asff_findings() becomes a call to it, and nothing else in guard changes.

_SEVERITY_LABELS = {"error": "HIGH", "warning": "MEDIUM", "note": "LOW"}


def asff_findings(verdict: Verdict, now: datetime.datetime) -> list[dict[str, Any]]:
    """One ASFF finding per violated or unknown rule of the job (its findings' messages joined),
    or one for a job that could not be read."""
    event, result = verdict.event, verdict.result
    account = event.account or _account_of(result) or "000000000000"
    partition = _partition_of(result)
    product_arn = f"arn:{partition}:securityhub:{event.region}:{account}:product/{account}/default"
    stamp = now.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    resource_id = (result.job.arn if result.job is not None else None) or event.label
    base: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "ProductArn": product_arn,
        "AwsAccountId": account,
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "Resources": [
            {"Type": "Other", "Id": resource_id, "Partition": partition, "Region": event.region}
        ],
        "ProductFields": {
            "bedrock-checker/version": __version__,
            "bedrock-checker/enforcement": verdict.enforcement.action,
        },
    }
    if result.error is not None:
        return [
            {
                **base,
                "Id": _finding_id(resource_id, "unreadable"),
                "GeneratorId": f"{PRODUCT}/guard",
                "Title": "Model customization job could not be read"[:256],
                "Description": result.error.message[:1024],
                "Severity": {"Label": "HIGH"},
                "Compliance": {"Status": "NOT_AVAILABLE"},
            }
        ]
    by_rule: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_rule.setdefault(finding.rule.id, []).append(finding)
    findings = []
    for rule_id, found in by_rule.items():
        rule = found[0].rule
        violated = [f for f in found if f.status is FindingStatus.VIOLATED]
        shown = violated or found
        asff: dict[str, Any] = {
            **base,
            "Id": _finding_id(resource_id, rule_id),
            "GeneratorId": f"{PRODUCT}/{rule_id}",
            "Title": f"{rule_id}: {rule.title}"[:256],
            "Description": "; ".join(f.message for f in shown)[:1024] or rule.description[:1024],
            "Severity": {
                "Label": _SEVERITY_LABELS[rule.severity.value] if violated else "INFORMATIONAL"
            },
            "Compliance": {"Status": "FAILED" if violated else "NOT_AVAILABLE"},
            "Workflow": {"Status": "SUPPRESSED" if all(f.suppression for f in shown) else "NEW"},
        }
        if rule.remediation:
            recommendation = {"Text": rule.remediation[:512]}
            if rule.help_uri:
                recommendation["Url"] = rule.help_uri
            asff["Remediation"] = {"Recommendation": recommendation}
        findings.append(asff)
    return findings


def _finding_id(resource_id: str, rule_id: str) -> str:
    """Stable per job and rule, so that checking a job again updates its findings."""
    readable = f"{PRODUCT}/{resource_id}/{rule_id}"
    if len(readable) <= 512:
        return readable
    digest = hashlib.sha256(f"{resource_id}|{rule_id}".encode()).hexdigest()
    return f"{PRODUCT}/{digest}/{rule_id}"


def import_to_security_hub(clients: Clients, region: str, findings: list[dict[str, Any]]) -> int:
    """BatchImportFindings in batches of 100; returns how many Security Hub refused."""
    failed = 0
    client = clients.client("securityhub", region)
    for start in range(0, len(findings), 100):
        answer = client.batch_import_findings(Findings=findings[start : start + 100])
        failed += int(answer.get("FailedCount", 0))
    return failed


def _account_of(result: JobResult) -> str | None:
    if result.job is None:
        return None
    account = (result.job.document.get("derived") or {}).get("account")
    return account if isinstance(account, str) else None


def _partition_of(result: JobResult) -> str:
    if result.job is not None:
        partition = (result.job.document.get("derived") or {}).get("partition")
        if isinstance(partition, str) and partition:
            return partition
    return "aws"
