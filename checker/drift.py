"""Drift: each committed job document against the live job of the same name.

Pure: committed jobs and live jobs (already read and normalised to the Get shape) in, results
out. Drift findings are ordinary findings of the drift rules below (docs/rules/BMC401.md ...),
so every report format, count, waiver and baseline handles them as it handles any rule. No
click and no boto3 here: the command (checker/cli/drift.py) reads the files and AWS.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker import normalize
from checker.errors import CheckerError
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
from checker.packs import rule_doc_url
from checker.waivers import apply_baseline, apply_waivers

PACK = "drift"
MODE = "drift"  # Report.mode: SARIF files drift alerts under a category of their own

_CONFIGURATION = {"nist-800-53": ("CM-2", "CM-3", "CM-6"), "iso-27001": ("A.8.9", "A.8.32")}
_INVENTORY = {"nist-800-53": ("CM-8", "CM-3"), "iso-27001": ("A.5.9", "A.8.9")}


def _rule(rule_id: str, title: str, description: str, remediation: str, **extra: Any) -> Rule:
    return Rule(
        id=rule_id,
        title=title,
        description=description,
        severity=Severity.ERROR,
        schema={},
        pack=PACK,
        remediation=remediation,
        tags=("security", "drift"),
        help_uri=rule_doc_url(rule_id),
        controls=extra.get("controls", _CONFIGURATION),
    )


_SAME_SPEC = (
    "Launch jobs only from the committed document, or commit the document the job was "
    "launched from."
)
RULES: tuple[Rule, ...] = (
    _rule(
        "BMC401",
        "Run with the service role the committed document names",
        "The job running in AWS uses another IAM service role (roleArn) than the committed "
        "document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC402",
        "Encrypt with the KMS key the committed document names",
        "The job running in AWS encrypts the custom model with another KMS key (or none) than "
        "the committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC403",
        "Run in the VPC the committed document names",
        "The job running in AWS uses other subnets or security groups (or no VPC) than the "
        "committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC404",
        "Use the data locations the committed document names",
        "The job running in AWS reads training, validation or invocation-log data from, or "
        "writes output to, other S3 locations than the committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC405",
        "Use the hyperparameters the committed document sets",
        "A hyperparameter the committed document sets has another value in the job running "
        "in AWS, or is missing there.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC406",
        "Customize the base and teacher models the committed document names",
        "The job running in AWS customizes another base model, or distils from another "
        "teacher model, than the committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC407",
        "Carry the tags the committed document gives the job",
        "The job running in AWS carries other tags than the committed document gives it "
        "(jobTags): a tag added, removed or changed since.",
        "Tag the job as the document does (aws bedrock tag-resource / untag-resource), or "
        "commit the tags it has.",
    ),
    _rule(
        "BMC408",
        "Launch the job the committed document describes",
        "No job of the committed document's name exists in its account and region: it was "
        "never launched, or launched under another name or in another region.",
        "Launch the job from the document, or remove the document if the job is not wanted.",
    ),
    _rule(
        "BMC409",
        "Describe every live job in a committed document",
        "A job runs in AWS that no committed document describes (reported with --unmanaged): "
        "launched from a console, a notebook or a script, outside review.",
        "Commit the job's document (bedrock-checker snapshot writes one), or waive the job "
        "by name if it is launched by a pipeline that names it at run time.",
        controls=_INVENTORY,
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}
UNMANAGED = "BMC409"
MISSING = "BMC408"

# (rule id, dotted path in the Get shape) of every field compared, in report order.
_TEACHER = "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier"
_LOGS = "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri"
_VALIDATORS = "validationDataConfig.validators"


def select_rules(
    select: Sequence[str], skip: Sequence[str], *, unmanaged: bool
) -> tuple[Rule, ...]:
    """The drift rules of this run: --rule/--skip-rule globs, and BMC409 only with --unmanaged."""
    rules = [rule for rule in RULES if unmanaged or rule.id != UNMANAGED]
    for pattern in (*select, *skip):
        if not any(fnmatch.fnmatchcase(rule.id, pattern) for rule in rules):
            raise CheckerError(
                f"rule selector '{pattern}' matches no drift rule "
                f"({', '.join(rule.id for rule in rules)})"
            )
    return tuple(
        rule
        for rule in rules
        if (not select or any(fnmatch.fnmatchcase(rule.id, p) for p in select))
        and not any(fnmatch.fnmatchcase(rule.id, p) for p in skip)
    )


def regions_named(committed: Iterable[Job]) -> tuple[tuple[str, ...], bool]:
    """The regions the committed documents name, and whether some document names none (it is
    then paired in the default regions: --region, else the profile's)."""
    named: dict[str, None] = {}
    unnamed = False
    for job in committed:
        region = _derived(job).get("region")
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
    checked = tuple(rule.id for rule in RULES if rule.id in wanted and _applies(rule.id, job))
    derived = _derived(job)
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
        if account is None or _derived(candidate).get("account") in (None, account)
    ]
    if not matched:
        unread = live.unread(regions, account)
        if unread is not None:
            return _errored(job, f"not compared: {unread.origin.describe()} could not be read"), []
        if same_name:
            others = sorted({str(_derived(c).get("account")) for c in same_name})
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
        accounts = sorted({str(_derived(c).get("account")) for c in matched})
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
    account = _derived(job).get("account")
    return f"{job.origin.region}, account {account}" if account else str(job.origin.region)


def _derived(job: Job) -> Mapping[str, Any]:
    derived = job.document.get("derived")
    return derived if isinstance(derived, Mapping) else {}


def _applies(rule_id: str, job: Job) -> bool:
    """Terraform's ``tags`` tag the custom model, not the job: BMC407 does not apply."""
    if rule_id == UNMANAGED:
        return False
    return not (rule_id == "BMC407" and job.kind in (normalize.TERRAFORM, normalize.TERRAFORM_PLAN))


# -- Comparing one committed job with its live job -------------------------------------------


@dataclass(frozen=True)
class _Difference:
    rule: str
    path: str
    committed: Any
    live: Any
    unknown: str | None = None  # why the committed value cannot be compared


def compare(committed: Job, live: Job) -> list[Finding]:
    """The drift findings of a committed job against its live job, field by field."""
    findings = []
    for difference in _differences(committed, live):
        rule = RULES_BY_ID[difference.rule]
        line = committed.line_of(difference.path)
        if difference.unknown is not None:
            findings.append(
                Finding(
                    rule, FindingStatus.UNKNOWN, difference.path, difference.unknown, None, line
                )
            )
            continue
        message = (
            f"{difference.path}: the live job has {_shown(difference.live)}, the document "
            f"{_shown(difference.committed)}"
        )
        findings.append(
            Finding(
                rule,
                FindingStatus.VIOLATED,
                difference.path,
                message,
                _shown(difference.live),
                line,
            )
        )
    return findings


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _differences(committed: Job, live: Job) -> list[_Difference]:
    mine, theirs = committed.document, live.document
    opaque = _opaque(committed)
    differences: list[_Difference] = []

    def field(rule: str, path: str, ours: Any, actual: Any, same: Any = None) -> None:
        if _is_opaque(path, opaque):
            differences.append(_Difference(rule, path, ours, actual, _UNKNOWN_TEXT.format(path)))
        elif not (same(ours, actual) if same else ours == actual):
            differences.append(_Difference(rule, path, ours, actual))

    get = normalize.get_path
    field("BMC401", "roleArn", get(mine, "roleArn"), get(theirs, "roleArn"))
    differences.extend(_kms(committed, live, opaque))
    vpc, live_vpc = get(mine, "vpcConfig"), get(theirs, "vpcConfig")
    if isinstance(vpc, Mapping) and isinstance(live_vpc, Mapping):
        for name in ("subnetIds", "securityGroupIds"):
            path = f"vpcConfig.{name}"
            field("BMC403", path, get(mine, path), get(theirs, path), _same_set)
    else:
        field("BMC403", "vpcConfig", vpc, live_vpc, lambda a, b: not a and not b)
    for path in ("trainingDataConfig.s3Uri", _LOGS, "outputDataConfig.s3Uri"):
        field("BMC404", path, get(mine, path), get(theirs, path))
    field("BMC404", _VALIDATORS, _uris(get(mine, _VALIDATORS)), _uris(get(theirs, _VALIDATORS)))
    differences.extend(_hyperparameters(mine, theirs, opaque))
    field(
        "BMC406",
        "baseModelArn",
        _derived(committed).get("baseModelId"),
        _derived(live).get("baseModelId"),
        _same_model,
    )
    teacher, live_teacher = (
        _derived(committed).get("teacherModelId"),
        _derived(live).get("teacherModelId"),
    )
    if teacher is not None and live_teacher is None and "customizationConfig" not in theirs:
        # A distillation job has a teacher: a response without customizationConfig says
        # nothing about it.
        differences.append(
            _Difference(
                "BMC406",
                _TEACHER,
                teacher,
                None,
                f"{_TEACHER}: the live job's Get response reports no customizationConfig",
            )
        )
    else:
        field("BMC406", _TEACHER, teacher, live_teacher, _same_model)
    if _applies("BMC407", committed) and (
        "tags" in mine or committed.kind != normalize.GET_RESPONSE
    ):
        differences.extend(_tags(mine, theirs, opaque))
    return differences


_UNKNOWN_TEXT = "{}: the document's value is known only at apply or run time, or is a placeholder"


def _opaque(job: Job) -> set[str]:
    derived = _derived(job)
    return {str(p) for p in (*(derived.get("unknown") or ()), *(derived.get("unresolved") or ()))}


def _is_opaque(path: str, opaque: set[str]) -> bool:
    return any(u == path or u.startswith(path + ".") or path.startswith(u + ".") for u in opaque)


def _same_set(ours: Any, actual: Any) -> bool:
    def as_set(value: Any) -> Any:
        return {str(v) for v in value} if isinstance(value, list) else value

    return bool(as_set(ours) == as_set(actual))


def _uris(validators: Any) -> Any:
    if not isinstance(validators, list):
        return validators or None
    return [v.get("s3Uri") if isinstance(v, Mapping) else v for v in validators] or None


def _same_model(ours: Any, actual: Any) -> bool:
    """The same model id; an id without its version suffix names the version AWS resolved."""
    if ours == actual:
        return True
    return isinstance(ours, str) and isinstance(actual, str) and actual.startswith(ours + ":")


def _kms(committed: Job, live: Job, opaque: set[str]) -> list[_Difference]:
    path = "outputModelKmsKeyArn"
    ours, actual = committed.document.get(path), live.document.get(path)
    if _is_opaque(path, opaque):
        return [_Difference("BMC402", path, ours, actual, _UNKNOWN_TEXT.format(path))]
    form = _derived(committed).get("kmsKeyForm")
    if form in ("alias", "alias-arn"):
        return [
            _Difference(
                "BMC402",
                path,
                ours,
                actual,
                f"{path}: the document names the key by alias ({ours}), which can point at "
                f"another key since; the live job uses {_shown(actual)}",
            )
        ]
    if form == "key-id" and isinstance(actual, str):
        same = actual.rsplit("/", 1)[-1] == ours
    else:
        same = ours == actual
    return [] if same else [_Difference("BMC402", path, ours, actual)]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _hyperparameters(
    mine: Mapping[str, Any], theirs: Mapping[str, Any], opaque: set[str]
) -> list[_Difference]:
    """The hyperparameters the document sets; the service may report defaults it filled in
    for the others, so a value only the live job reports is not drift."""
    ours, actual = mine.get("hyperParameters"), theirs.get("hyperParameters")
    if _is_opaque("hyperParameters", opaque) and not isinstance(ours, Mapping):
        return [
            _Difference(
                "BMC405", "hyperParameters", ours, actual, _UNKNOWN_TEXT.format("hyperParameters")
            )
        ]
    if not isinstance(ours, Mapping):
        return []
    actual = actual if isinstance(actual, Mapping) else {}
    differences = []
    for name, value in ours.items():
        path = f"hyperParameters.{name}"
        live_value = actual.get(name)
        if _is_opaque(path, opaque):
            differences.append(
                _Difference("BMC405", path, value, live_value, _UNKNOWN_TEXT.format(path))
            )
            continue
        same = str(value) == str(live_value) if live_value is not None else False
        if not same and live_value is not None:
            a, b = _number(value), _number(live_value)
            same = a is not None and a == b
        if not same:
            differences.append(_Difference("BMC405", path, value, live_value))
    return differences


def _tags(
    mine: Mapping[str, Any], theirs: Mapping[str, Any], opaque: set[str]
) -> list[_Difference]:
    """Job tags both ways; tags with the reserved ``aws:`` prefix are AWS's own."""
    if "tags" not in theirs:
        return []  # tags were not read
    ours, actual = mine.get("tags") or {}, theirs.get("tags") or {}
    if not isinstance(ours, Mapping) or not isinstance(actual, Mapping):
        return [_Difference("BMC407", "tags", ours, actual)] if ours != actual else []
    differences = []
    for key in sorted({*ours, *(k for k in actual if not str(k).startswith("aws:"))}):
        path = f"tags.{key}"
        if _is_opaque(path, opaque):
            differences.append(
                _Difference(
                    "BMC407", path, ours.get(key), actual.get(key), _UNKNOWN_TEXT.format(path)
                )
            )
        elif ours.get(key) != actual.get(key):
            differences.append(_Difference("BMC407", path, ours.get(key), actual.get(key)))
    return differences


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
