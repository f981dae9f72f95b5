"""``merge``: the JSON reports of an audit's shards -> one report, as one unsharded run gives.

A JSON report carries what this needs: the shard's index and count, the digest of the audit's
whole scope list, the scopes it covered, the policies' digests, the rules, every job with its
findings, the waivers with their matches and the baseline's counts. Shards of different
policies, waivers, baselines or audits, or an incomplete set, are refused (exit 2).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from checker.errors import CheckerError
from checker.model import (
    AuditScope,
    Finding,
    FindingStatus,
    Job,
    JobResult,
    LoadError,
    Origin,
    Report,
    Rule,
    Severity,
    Shard,
    Suppression,
    Waiver,
    WaiverStatus,
)
from checker.shards import scope_of


def read_report(path: str) -> Report:
    """A JSON report (``--json``) as the Report it was rendered from."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise CheckerError(f"{path}: cannot read a JSON report: {reason}") from exc
    if not isinstance(data, dict) or data.get("schemaVersion") != 1 or "jobs" not in data:
        raise CheckerError(f"{path}: not a bedrock-checker JSON report (schemaVersion 1)")
    try:
        return report_from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckerError(f"{path}: malformed JSON report: {type(exc).__name__}: {exc}") from exc


def _origin(data: Mapping[str, Any] | None) -> Origin:
    data = data or {}
    return Origin(
        path=data.get("path"),
        line=data.get("line") or 1,
        index=data.get("index"),
        region=data.get("region"),
        arn=data.get("arn"),
        account=data.get("account"),
    )


def _rule(data: Mapping[str, Any]) -> Rule:
    return Rule(
        id=data["id"],
        title=data["title"],
        description=data.get("description") or "",
        severity=Severity(data["severity"]),
        schema={},
        pack=data.get("pack") or "",
        remediation=data.get("remediation") or "",
        tags=tuple(data.get("tags") or ()),
        origin=_origin(data.get("source")),
        help_uri=data.get("helpUri"),
        controls={name: tuple(ids) for name, ids in (data.get("controls") or {}).items()},
    )


def _waiver(data: Mapping[str, Any]) -> Waiver:
    return Waiver(
        rule=data["rule"],
        reason=data["reason"],
        expires=datetime.date.fromisoformat(data["expires"]),
        jobs=tuple(data.get("jobs") or ()),
        files=tuple(data.get("files") or ()),
        paths=tuple(data.get("path") or ()),
        approved_by=data.get("approvedBy"),
        origin=_origin(data.get("source")),
    )


def _result(
    data: Mapping[str, Any], rules: Mapping[str, Rule], waivers: Sequence[WaiverStatus]
) -> JobResult:
    origin = _origin(data.get("source"))
    if data.get("error") is not None:
        return JobResult(None, LoadError(origin, data["error"]))
    # The job's document as the reports read it: its record (what the evidence record, ASFF and
    # HTML show), else (an older report) the facts alone.
    record = dict(data.get("record") or {})
    derived = {**(data.get("facts") or {}), **(record.pop("derived", None) or {})}
    document: dict[str, Any] = {"jobName": data.get("name"), "jobArn": data.get("arn"), **record}
    document["derived"] = derived
    job = Job(document, origin, data.get("format") or "", resource=data.get("resource"))
    result = JobResult(job, checked=tuple(data.get("checkedRules") or ()))
    findings = []
    for entry in data.get("findings") or ():
        finding = Finding(
            rule=rules[entry["ruleId"]],
            status=FindingStatus(entry["status"]),
            path=entry.get("path") or "",
            message=entry.get("message") or "",
            value=entry.get("value"),
            line=entry.get("line") or 1,
        )
        suppression = entry.get("suppression")
        if suppression is not None:
            kind, justification = suppression["kind"], suppression.get("justification") or ""
            waiver = None
            if kind == "waiver":
                waiver = _waiver_of(finding, result, justification, waivers)
            finding = dataclasses.replace(
                finding, suppression=Suppression(kind, justification, waiver)
            )
        findings.append(finding)
    return dataclasses.replace(result, findings=tuple(findings))


def _waiver_of(
    finding: Finding, result: JobResult, justification: str, waivers: Sequence[WaiverStatus]
) -> Waiver | None:
    """The waiver that set the finding aside, as the run chose it: the first unexpired one
    that matches the finding and whose note is the finding's justification."""
    from checker.waivers import waiver_matches, waiver_note

    candidates = [
        status.waiver
        for status in waivers
        if status.status != "expired" and waiver_note(status.waiver) == justification
    ]
    matching = [waiver for waiver in candidates if waiver_matches(waiver, result, finding)]
    found = matching or candidates
    return found[0] if found else None


def report_from_dict(data: Mapping[str, Any]) -> Report:
    """The Report a JSON report (parsed) was rendered from, as far as `merge` needs it."""
    rules = {entry["id"]: _rule(entry) for entry in data["rules"]}
    waivers = tuple(
        WaiverStatus(_waiver(w), w["status"], w.get("matched", 0))
        for w in data.get("waivers") or ()
    )
    shard = data.get("shard")
    baseline = data.get("baseline")
    started = data.get("started")
    return Report(
        results=tuple(_result(entry, rules, waivers) for entry in data["jobs"]),
        rules=tuple(rules.values()),
        fail_on=None if data["failOn"] == "never" else Severity(data["failOn"]),
        skipped_files=tuple(data.get("skippedFiles") or ()),
        policy_sources=tuple(data.get("policies") or ()),
        waivers=waivers,
        baseline_gone=None if baseline is None else baseline["gone"],
        baseline_known=None if baseline is None else baseline.get("known"),
        mode=data.get("mode") or "live",
        scope=tuple(data.get("scope") or ()),
        policy_digests=dict(data.get("policyDigests") or {}),
        started=datetime.datetime.fromisoformat(started) if started else None,
        scopes=tuple(
            AuditScope(s["region"], s.get("account"), s.get("error"))
            for s in data.get("scopes") or ()
        ),
        shard=None if shard is None else Shard(**shard),
    )


def _same(reports: Sequence[tuple[str, Report]], what: str, value: Any) -> None:
    first_path, first = reports[0]
    for path, report in reports[1:]:
        if value(report) != value(first):
            raise CheckerError(f"{path}: {what} differ from {first_path}'s: not shards of one run")


def merge(paths: Sequence[str]) -> Report:
    """The shards' reports as one: every check passed, results in the audit's scope order."""
    reports = [(path, read_report(path)) for path in paths]
    for path, report in reports:
        if report.shard is None:
            raise CheckerError(f"{path}: not the report of a shard (scan --shard K/N)")
    _same(
        reports,
        "the policies (sources or digests)",
        lambda r: (r.policy_sources, dict(r.policy_digests)),
    )
    _same(reports, "the rules", lambda r: sorted(rule.id for rule in r.rules))
    _same(reports, "--fail-on", lambda r: r.fail_on)
    _same(reports, "the waivers", lambda r: [s.waiver for s in r.waivers])
    _same(reports, "the baselines", lambda r: r.baseline_known)
    _same(
        reports,
        "the audit's scopes (accounts, regions or shard count)",
        lambda r: (r.shard.count, r.shard.scopes, r.shard.digest) if r.shard else None,
    )
    count = reports[0][1].shard.count if reports[0][1].shard else 0
    seen: dict[int, str] = {}
    for path, report in reports:
        assert report.shard is not None
        index = report.shard.index
        if index in seen:
            raise CheckerError(f"{path}: shard {index}/{count} is also {seen[index]}")
        seen[index] = path
    missing = [str(k) for k in range(1, count + 1) if k not in seen]
    if missing:
        raise CheckerError(
            f"incomplete set of shards: {'shard' if len(missing) == 1 else 'shards'} "
            f"{', '.join(missing)} of {count} missing"
        )
    ordered = [report for _, report in sorted(reports, key=lambda pair: pair[1].shard.index)]  # type: ignore[union-attr]
    return _combine(ordered)


def _combine(reports: Sequence[Report]) -> Report:
    first = reports[0]
    results = sorted(
        (result for report in reports for result in report.results),
        key=lambda r: scope_of(r.job if r.job is not None else r.error),  # type: ignore[arg-type]
    )
    waivers = []
    for position, status in enumerate(first.waivers):
        matched = sum(report.waivers[position].matched for report in reports)
        state = status.status if status.status == "expired" else ("active" if matched else "stale")
        waivers.append(dataclasses.replace(status, status=state, matched=matched))
    gone = None
    if first.baseline_known is not None:
        # Each job is in one shard only: a baselined finding seen in a shard is seen once.
        seen = sum(first.baseline_known - (r.baseline_gone or 0) for r in reports)
        gone = first.baseline_known - seen
    scopes = sorted(
        (scope for report in reports for scope in report.scopes),
        key=lambda s: (s.account or "", s.region),
    )
    started = [r.started for r in reports if r.started is not None]
    return dataclasses.replace(
        first,
        results=tuple(results),
        waivers=tuple(waivers),
        baseline_gone=gone,
        scope=tuple(dict.fromkeys(p for r in reports for p in r.scope)),
        scopes=tuple(scopes),
        shard=None,
        started=min(started) if started else None,
    )


def without_evidence(report: Report) -> JobResult | None:
    """The first job whose record lacks what the evidence record reads (its shard was run
    without --evidence, so kept only what its own reports read), else None."""
    for result in report.results:
        if result.job is not None and "dataUris" not in (result.job.document.get("derived") or {}):
            return result
    return None
