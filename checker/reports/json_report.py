"""The JSON report: a versioned, documented schema (docs/report.schema.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from checker import __version__
from checker.controls import summarize
from checker.model import Finding, JobResult, Origin, Report, Rule, WaiverStatus, fingerprint
from checker.reports.options import EVIDENCE_FIELDS, RenderOptions

SCHEMA_VERSION = 1


def _origin(origin: Origin) -> dict[str, Any]:
    source = {
        "path": origin.path,
        "line": origin.line if origin.path is not None else None,
        "index": origin.index,
        "region": origin.region,
        "arn": origin.arn,
    }
    if origin.account is not None:
        source["account"] = origin.account  # an errored scope of an audit
    return source


def rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.value,
        "pack": rule.pack,
        "tags": list(rule.tags),
        "description": rule.description,
        "remediation": rule.remediation,
        "helpUri": rule.help_uri,
        "source": _origin(rule.origin),
        "controls": {framework: list(ids) for framework, ids in rule.controls.items()},
    }


def _finding(result: JobResult, finding: Finding) -> dict[str, Any]:
    suppression = finding.suppression
    return {
        "fingerprint": fingerprint(result, finding),
        "ruleId": finding.rule.id,
        "severity": finding.severity.value,
        "status": finding.status.value,
        "path": finding.path,
        "line": finding.line,
        "message": finding.message,
        "value": finding.value,
        "suppression": None
        if suppression is None
        else {"kind": suppression.kind, "justification": suppression.justification},
    }


def _waiver(status: WaiverStatus) -> dict[str, Any]:
    waiver = status.waiver
    return {
        "rule": waiver.rule,
        "jobs": list(waiver.jobs),
        "files": list(waiver.files),
        "path": list(waiver.paths),
        "reason": waiver.reason,
        "expires": waiver.expires.isoformat(),
        "approvedBy": waiver.approved_by,
        "source": _origin(waiver.origin),
        "status": status.status,
        "matched": status.matched,
    }


# The derived facts the HTML report shows of a job: kept so that `merge` can show them too.
FACTS = ("account", "region", "customizationType", "baseModelId")


def _facts(result: JobResult) -> dict[str, Any] | None:
    if result.job is None:
        return None
    derived = result.job.document.get("derived") or {}
    return {key: derived[key] for key in FACTS if isinstance(derived.get(key), str)}


# What the evidence record, the ASFF findings and the HTML report read of a job's document
# beyond its findings: kept so that `merge` writes them as one unsharded run does.
RECORD_FIELDS = ("status", "creationTime", *EVIDENCE_FIELDS, "resources")
RECORD_DERIVED = (
    *FACTS,
    "partition",
    "baseModelFamily",
    "teacherModelId",
    "dataUris",
    "unknown",
)


def _record(result: JobResult) -> dict[str, Any] | None:
    if result.job is None:
        return None
    document = result.job.document
    record = {key: document[key] for key in RECORD_FIELDS if key in document}
    derived = document.get("derived") or {}
    record["derived"] = {key: derived[key] for key in RECORD_DERIVED if key in derived}
    return record


def _job(result: JobResult, not_applicable: tuple[str, ...]) -> dict[str, Any]:
    job = result.job
    return {
        "key": result.key,
        "name": job.name if job else None,
        "arn": job.arn if job else result.origin.arn,
        "resource": job.resource if job else None,
        "format": job.kind if job else None,
        "source": _origin(result.origin),
        "outcome": result.outcome.value,
        "error": result.error.message if result.error else None,
        "checkedRules": list(result.checked),
        "notApplicableRules": list(not_applicable),
        "findings": [_finding(result, f) for f in result.findings],
        "facts": _facts(result),
        "record": _record(result),
    }


def to_dict(report: Report, framework: str | None = None) -> dict[str, Any]:
    return {**_head(report, framework), "jobs": list(_jobs(report)), **_tail(report, framework)}


def _jobs(report: Report) -> Iterator[dict[str, Any]]:
    return (_job(r, report.not_applicable(r)) for r in report.results)


def _head(report: Report, framework: str | None) -> dict[str, Any]:
    """The keys before ``jobs``, in the order the report writes them."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "bedrock-checker", "version": __version__},
        "policies": list(report.policy_sources),
        "failOn": report.fail_on.value if report.fail_on else "never",
        "exitCode": report.exit_code,
        "summary": report.summary(),
        "rules": [rule_dict(r) for r in report.rules],
    }


def _tail(report: Report, framework: str | None) -> dict[str, Any]:
    """The keys after ``jobs``."""
    return {
        "skippedFiles": list(report.skipped_files),
        "waivers": [_waiver(w) for w in report.waivers],
        "baseline": None
        if report.baseline_gone is None
        else {"gone": report.baseline_gone, "known": report.baseline_known},
        "framework": summarize(report, framework).to_dict() if framework else None,
        "mode": report.mode,
        "scope": list(report.scope),
        "policyDigests": dict(report.policy_digests),
        "started": report.started.isoformat() if report.started else None,
        "scopes": [
            {"account": s.account, "region": s.region, "error": s.error} for s in report.scopes
        ],
        "shard": None
        if report.shard is None
        else {
            "index": report.shard.index,
            "count": report.shard.count,
            "scopes": report.shard.scopes,
            "digest": report.shard.digest,
        },
    }


# Above this many jobs, each job is written on one line: json.dumps with an indent runs the
# pure-Python encoder, several times slower than the C encoder that writes a line.
INDENTED_JOBS = 1_000


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    """The report's text in pieces: above ``INDENTED_JOBS`` jobs, one job per piece, each made
    when it is written, so that a large report is never held whole in memory."""
    if len(report.results) <= INDENTED_JOBS:
        yield json.dumps(to_dict(report, options.framework), indent=2, default=str) + "\n"
        return
    document = {
        **_head(report, options.framework),
        "jobs": [],
        **_tail(report, options.framework),
    }
    text = json.dumps(document, indent=2, default=str) + "\n"
    # The top-level key is the only '"jobs": []' at the start of a line: a string value
    # holding those characters would have its quotes escaped.
    head, found, tail = text.partition('\n  "jobs": [],\n')
    assert found, "the report's jobs key"
    yield f'{head}\n  "jobs": [\n'
    separator = "    "
    for job in _jobs(report):
        yield separator + json.dumps(job, default=str)
        separator = ",\n    "
    yield f"\n  ],\n{tail}"
