"""Drift: each committed job document against the live job of the same name.

Pure: committed jobs and live jobs (already read and normalised to the Get shape) in, results
out. Drift findings are ordinary findings of the drift rules (``rules``), compared field by
field in ``fields``. No click and no boto3 here: the command (checker/cli/drift.py) reads the
files and AWS.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from checker import normalize
from checker.drift.fields import compare, derived_facts
from checker.drift.rules import MISSING, MODE, RULES, RULES_BY_ID, UNMANAGED, applies, select_rules
from checker.model import (
    Finding,
    FindingStatus,
    Job,
    JobResult,
    LoadError,
    Report,
    Rule,
    Severity,
    Waiver,
)
from checker.waivers import apply_baseline, apply_waivers


def regions_named(committed: Iterable[Job]) -> tuple[tuple[str, ...], bool]:
    """The regions the committed documents name, and whether some document names none (it is
    then paired in the default regions: --region, else the profile's)."""
    named: dict[str, None] = {}
    unnamed = False
    for job in committed:
        region = derived_facts(job).get("region")
        if isinstance(region, str) and region:
            named[region] = None
        else:
            unnamed = True
    return tuple(named), unnamed


@dataclass(frozen=True)
class LiveJobs:
    """What was read from AWS: the jobs, and the jobs and scopes that could not be read."""

    jobs: Sequence[Job]
    errors: Sequence[LoadError] = ()

    def unread(self, regions: Sequence[str], account: str | None) -> LoadError | None:
        """An error of a scope (or a job in it) of these regions and this account, if any: a
        job not found there may be one that could not be read."""
        for error in self.errors:
            arn = normalize.parse_arn(error.origin.arn) or {}
            region = error.origin.region or arn.get("region")
            where = error.origin.account or arn.get("account")
            if region in regions and (account is None or where in (None, account)):
                return error
        return None


def compare_all(
    committed: Sequence[Job],
    live: LiveJobs,
    *,
    rules: Sequence[Rule],
    default_regions: Sequence[str],
) -> list[JobResult]:
    """A result per committed job (its drift, or that it has no live job), then, when BMC409 is
    among ``rules``, one per live job no committed document describes, then the read errors."""
    wanted = {rule.id for rule in rules}
    by_name: dict[str, list[Job]] = {}
    for job in live.jobs:
        if job.name:
            by_name.setdefault(job.name, []).append(job)
    paired: set[str] = set()
    results = []
    for job in committed:
        result, matched = _pair(job, by_name, live, wanted, default_regions)
        paired.update(candidate.key for candidate in matched)
        results.append(result)
    if UNMANAGED in wanted:
        rule = RULES_BY_ID[UNMANAGED]
        for job in live.jobs:
            if job.key in paired:
                continue
            finding = Finding(
                rule,
                FindingStatus.VIOLATED,
                "",
                f"job {job.name} ({_scope(job)}) is described by no committed document",
                "",
                job.origin.line,
            )
            results.append(JobResult(job.compact(), findings=(finding,), checked=(UNMANAGED,)))
    results.extend(JobResult(None, error=error) for error in live.errors)
    return results


def _pair(
    job: Job,
    by_name: Mapping[str, list[Job]],
    live: LiveJobs,
    wanted: set[str],
    default_regions: Sequence[str],
) -> tuple[JobResult, list[Job]]:
    """The committed job's result, and the live jobs it was paired with."""
    checked = tuple(rule.id for rule in RULES if rule.id in wanted and applies(rule.id, job))
    derived = derived_facts(job)
    region = derived.get("region")
    regions = [region] if isinstance(region, str) and region else list(default_regions)
    account = derived.get("account") if isinstance(derived.get("account"), str) else None
    if job.name is None:
        finding = Finding(
            RULES_BY_ID[MISSING],
            FindingStatus.UNKNOWN,
            "jobName",
            "the job name is set at run or apply time: no live job can be paired with it",
            None,
            job.line_of("jobName"),
        )
        kept = (finding,) if MISSING in wanted else ()
        return JobResult(job.compact(), findings=kept, checked=checked), []
    same_name = [
        candidate for candidate in by_name.get(job.name, ()) if candidate.origin.region in regions
    ]
    matched = [
        candidate
        for candidate in same_name
        if account is None or derived_facts(candidate).get("account") in (None, account)
    ]
    if not matched:
        unread = live.unread(regions, account)
        if unread is not None:
            return _errored(job, f"not compared: {unread.origin.describe()} could not be read"), []
        if same_name:
            others = sorted({str(derived_facts(c).get("account")) for c in same_name})
            return _errored(
                job,
                f"job {job.name} exists in account {', '.join(others)}, not in account "
                f"{account} that the document names: reach that account with --profile or "
                "--assume-role",
            ), []
        finding = Finding(
            RULES_BY_ID[MISSING],
            FindingStatus.VIOLATED,
            "jobName",
            f"no live job {job.name} in {_where(regions, account)}",
            "",
            job.line_of("jobName"),
        )
        kept = (finding,) if MISSING in wanted else ()
        return JobResult(job.compact(), findings=kept, checked=checked), []
    if len(matched) > 1:
        accounts = sorted({str(derived_facts(c).get("account")) for c in matched})
        return _errored(
            job,
            f"job {job.name} exists in accounts {', '.join(accounts)} and the document names "
            "no account: compare one account at a time (--profile or --assume-role)",
        ), matched
    findings = [f for f in compare(job, matched[0]) if f.rule.id in wanted]
    return JobResult(job.compact(), findings=tuple(findings), checked=checked), matched


def _errored(job: Job, message: str) -> JobResult:
    return JobResult(None, error=LoadError(job.origin, f"{job.label}: {message}"))


def _where(regions: Sequence[str], account: str | None) -> str:
    where = " or ".join(regions) or "no region"
    return f"{where} (account {account})" if account else where


def _scope(job: Job) -> str:
    account = derived_facts(job).get("account")
    return f"{job.origin.region}, account {account}" if account else str(job.origin.region)


# -- The report ------------------------------------------------------------------------------


def build_report(
    results: Sequence[JobResult],
    *,
    rules: Sequence[Rule],
    waivers: Sequence[Waiver] = (),
    baseline: frozenset[str] | None = None,
    fail_on: Severity | None = Severity.ERROR,
    today: datetime.date | None = None,
    skipped: Sequence[str] = (),
    scope: Sequence[str] = (),
    started: datetime.datetime | None = None,
) -> Report:
    """Waivers and the baseline applied, as for check and scan; the report every writer takes."""
    judged, statuses = apply_waivers(results, waivers, today or datetime.date.today())
    gone = None
    if baseline is not None:
        judged, gone = apply_baseline(judged, set(baseline))
    return Report(
        results=tuple(judged),
        rules=tuple(rules),
        fail_on=fail_on,
        skipped_files=tuple(skipped),
        waivers=statuses,
        baseline_gone=gone,
        mode=MODE,
        scope=tuple(scope),
        started=started,
        baseline_known=None if baseline is None else len(baseline),
    )


__all__ = [
    "MODE",
    "RULES",
    "JobResult",
    "LiveJobs",
    "applies",
    "build_report",
    "compare",
    "compare_all",
    "regions_named",
    "select_rules",
]
