"""AWS Security Finding Format (ASFF) for AWS Security Hub (docs/reports.md explains the choices).

One finding per (job, rule) with a violation that counts or an unknown outcome. Its ``Id`` is
derived from the rule and the job's identity only, so importing a later run updates the same
finding instead of adding a duplicate. Waived and baselined violations are not findings; a
finding imported earlier that is now passing, waived or baselined is archived by the publisher
(checker/aws/securityhub.py) with ``archived_findings``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from checker import __version__
from checker.errors import CheckerError
from checker.frameworks import FRAMEWORKS
from checker.model import Finding, FindingStatus, JobResult, Report, Rule, Severity, job_identity
from checker.packs import DOCS_URL
from checker.reports.options import RenderOptions

SCHEMA_VERSION = "2018-10-08"
PRODUCER = "bedrock-checker"
# Every GeneratorId and Id of the tool starts with this: how the publisher finds its own findings.
GENERATOR_PREFIX = f"{PRODUCER}/"
RESOURCE_PREFIX = f"{PRODUCER}:job:"
FIELD_RULE = f"{PRODUCER}/RuleId"
FIELD_JOB = f"{PRODUCER}/JobKey"

# Documented ASFF limits: Title 256 and Description 1024 characters, Recommendation.Text 512,
# at most 32 related requirements, Resources.Details.Other keys under 128 and values under 1024
# characters, ProductFields values up to 2048.
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 1024
RECOMMENDATION_LIMIT = 512
REQUIREMENTS_LIMIT = 32
OTHER_VALUE_LIMIT = 1023
PRODUCT_FIELD_LIMIT = 2048
_RESOURCE_ID_LIMIT = 512

# Rule severity to the Security Hub label, in step with SARIF's security-severity (8.0 high,
# 5.0 medium, 2.0 low). An unknown outcome is informational: nothing was found wrong.
SEVERITY_LABELS = {Severity.ERROR: "HIGH", Severity.WARNING: "MEDIUM", Severity.NOTE: "LOW"}
UNKNOWN_LABEL = "INFORMATIONAL"
_PARTITIONS = {"aws", "aws-cn", "aws-us-gov", "aws-us-iso", "aws-us-iso-b"}

# ASFF finding types: namespace/category[/classifier]. The classifier of a mapped control is its
# framework's name.
TYPE_BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices"
TYPE_STANDARDS = "Software and Configuration Checks/Industry and Regulatory Standards"
# The generator of the finding about a job that could not be read (guard only).
UNREADABLE = "unreadable"
_LINE_BREAKS = re.compile("[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")


def _text(value: object, limit: int) -> str:
    """One line of plain text: line breaks become spaces; other control and format characters
    (bidi overrides included) and lone surrogates are escaped; cut to ``limit`` characters."""
    text = _LINE_BREAKS.sub(" ", str(value))
    text = "".join(
        repr(char)[1:-1] if unicodedata.category(char) in ("Cc", "Cf", "Cs") else char
        for char in text
    ).strip()
    if not text:
        text = "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timestamp(moment: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as ASFF examples write it."""
    utc = moment.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def run_time(options: RenderOptions) -> datetime.datetime:
    return options.generated_at or datetime.datetime.now(datetime.UTC)


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def product_arn(region: str, account: str) -> str:
    """The product ARN of findings a Security Hub account imports itself (a custom integration)."""
    return f"arn:{partition_of(region)}:securityhub:{region}:{account}:product/{account}/default"


def resource_id(result: JobResult) -> str:
    """The job's ARN; for a job without one (a file), a stable id made of its identity.

    ``bedrock-checker:job:FILE#INDEX:NAME`` (``#INDEX`` for a job within a multi-job file, NAME
    the Terraform address or job name); a long identity is cut and ends with its digest.
    """
    job = result.job
    if job is not None and job.arn:
        return _text(job.arn, 100_000)
    identity = _text(job_identity(result), 100_000)
    synthetic = RESOURCE_PREFIX + identity
    if len(synthetic) > _RESOURCE_ID_LIMIT:
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
        synthetic = synthetic[: _RESOURCE_ID_LIMIT - 33] + "~" + digest
    return synthetic


def finding_id(rule_id: str, result: JobResult) -> str:
    """Stable across runs: the rule and the job's identity, not the line, message or value."""
    digest = hashlib.sha256(f"{rule_id}|{job_identity(result)}".encode()).hexdigest()[:32]
    return f"{GENERATOR_PREFIX}{rule_id}/{digest}"


def _framework_title(name: str) -> str:
    known = FRAMEWORKS.get(name)
    return known.title if known else name


def related_requirements(rule: Rule) -> list[str]:
    """``FRAMEWORK CONTROL`` for every control the rule is mapped to, at most 32 (ASFF's limit)."""
    requirements = [
        _text(f"{_framework_title(name)} {control}", 256)
        for name, ids in sorted(rule.controls.items())
        for control in ids
    ]
    return requirements[:REQUIREMENTS_LIMIT]


def finding_types(rule: Rule) -> list[str]:
    types = [TYPE_BEST_PRACTICES]
    for name, ids in sorted(rule.controls.items()):
        if ids:
            types.append(f"{TYPE_STANDARDS}/{_text(_framework_title(name), 100)}")
    return types


def _where(result: JobResult) -> tuple[str, str, str]:
    """(partition, region, account) of the job; empty strings for what it does not name."""
    derived = (result.job.document.get("derived") if result.job else None) or {}
    values = [derived.get(name) for name in ("partition", "region", "account")]
    partition, region, account = (v if isinstance(v, str) else "" for v in values)
    return partition, region, account


def _finding_account(result: JobResult, options: RenderOptions) -> str:
    """The job's account as its findings' ``AwsAccountId``; "" when it names none or, when
    publishing, when its account's own Security Hub cannot be reached."""
    job_account = _where(result)[2]
    if options.hub_accounts is not None and job_account not in options.hub_accounts:
        return ""
    return job_account


def destination(result: JobResult, options: RenderOptions) -> tuple[str, str]:
    """(region, account) of the Security Hub that receives the job's findings."""
    _, job_region, _ = _where(result)
    job_account = _finding_account(result, options)
    region = options.asff_region or job_region or options.default_region
    account = options.asff_account or job_account or options.default_account
    if not account:
        raise CheckerError(
            f"{result.origin.describe()}: job {result.label}: no AWS account for its Security "
            "Hub finding: no ARN of the job names one; give the Security Hub account "
            "(--asff-account)"
        )
    if not region:
        raise CheckerError(
            f"{result.origin.describe()}: job {result.label}: no AWS region for its Security "
            "Hub finding: no ARN of the job names one; set AWS_REGION"
        )
    return region, account


def _created_at(result: JobResult, now: datetime.datetime) -> datetime.datetime:
    """The job's creation time when the document has one (stable across runs), else now."""
    value = result.job.document.get("creationTime") if result.job else None
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return now
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    return now


def _describe(finding: Finding) -> str:
    """The finding's message (it starts with the field), with the value of a violation."""
    text = finding.message
    if finding.status is FindingStatus.VIOLATED and finding.value not in ("None", ""):
        text += f" (value: {finding.value})"
    return text


def _resource(result: JobResult) -> dict[str, Any]:
    partition, region, _ = _where(result)
    job = result.job
    details = {
        "jobName": job.name if job else None,
        "source": result.origin.describe(),
        "format": job.kind if job else None,
        "customizationType": (job.document.get("derived") or {}).get("customizationType")
        if job
        else None,
        "baseModelId": (job.document.get("derived") or {}).get("baseModelId") if job else None,
        "terraformAddress": job.resource if job else None,
    }
    resource: dict[str, Any] = {"Type": "Other", "Id": resource_id(result)}
    if partition in _PARTITIONS:
        resource["Partition"] = partition
    if region:
        resource["Region"] = region
    other = {k: _text(v, OTHER_VALUE_LIMIT) for k, v in details.items() if v not in (None, "")}
    resource["Details"] = {"Other": other}
    return resource


def _finding(
    result: JobResult, rule: Rule, findings: Sequence[Finding], options: RenderOptions
) -> dict[str, Any]:
    now = run_time(options)
    region, account = destination(result, options)
    job_account = _finding_account(result, options)
    violated = any(f.status is FindingStatus.VIOLATED for f in findings)
    label = SEVERITY_LABELS[rule.severity] if violated else UNKNOWN_LABEL
    severity = {"Label": label, "Original": rule.severity.value if violated else "unknown"}
    types = finding_types(rule)
    compliance: dict[str, Any] = {"Status": "FAILED" if violated else "WARNING"}
    requirements = related_requirements(rule)
    if requirements:
        compliance["RelatedRequirements"] = requirements
    job_label = f"job {result.label} ({result.origin.describe()})"
    details = dict.fromkeys(_describe(f) for f in findings)  # once each, in order
    description = f"{rule.title}: {job_label}: " + "; ".join(details)
    help_uri = rule.help_uri or f"{DOCS_URL}policy-language.md"
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(rule.id, result),
        "ProductArn": product_arn(region, account),
        "GeneratorId": f"{GENERATOR_PREFIX}{rule.id}",
        "AwsAccountId": job_account or account,
        "Region": region,
        "Types": types,
        "CreatedAt": timestamp(_created_at(result, now)),
        "UpdatedAt": timestamp(now),
        "Severity": severity,
        "Title": _text(f"{rule.id} {rule.title}: {result.label}", TITLE_LIMIT),
        "Description": _text(description, DESCRIPTION_LIMIT),
        "Remediation": {
            "Recommendation": {
                "Text": _text(rule.remediation or "See the rule's page.", RECOMMENDATION_LIMIT),
                "Url": help_uri,
            }
        },
        "ProductFields": {
            "ProviderName": PRODUCER,
            "ProviderVersion": __version__,
            FIELD_RULE: rule.id,
            f"{PRODUCER}/Pack": _text(rule.pack, PRODUCT_FIELD_LIMIT),
            FIELD_JOB: _text(job_identity(result), PRODUCT_FIELD_LIMIT),
        },
        "Resources": [_resource(result)],
        "Compliance": compliance,
        "FindingProviderFields": {"Severity": severity, "Types": types},
        "RecordState": "ACTIVE",
        # Honoured when Security Hub creates the finding; later imports leave the workflow,
        # which belongs to the people triaging it, alone.
        "Workflow": {"Status": "NEW"},
    }


def findings(report: Report, options: RenderOptions) -> list[dict[str, Any]]:
    """Every ASFF finding of the run, as BatchImportFindings takes them.

    A job read from several files (the same ARN in a Get response and a bulk export) is one
    resource: its findings of one rule make one ASFF finding.
    """
    groups: dict[str, tuple[JobResult, Rule, list[Finding]]] = {}
    for result in report.results:
        if result.job is None:
            continue
        for finding in result.findings:
            if finding.counts or finding.status is FindingStatus.UNKNOWN:
                key = finding_id(finding.rule.id, result)
                groups.setdefault(key, (result, finding.rule, []))[2].append(finding)
    return [_finding(result, rule, group, options) for result, rule, group in groups.values()]


def unreadable_finding(result: JobResult, options: RenderOptions) -> dict[str, Any]:
    """The finding of a job that could not be read, for a caller that knows which job it is
    (guard: the event names the job's ARN, region and account). check and scan report such a
    job in their other formats and give it no ASFF finding."""
    now = run_time(options)
    partition, job_region, job_account = "", result.origin.region or "", ""
    arn = result.origin.arn or ""
    if arn.count(":") >= 5:
        partition, _, _, job_region, job_account = arn.split(":")[:5]
    region = options.asff_region or job_region or options.default_region
    account = options.asff_account or job_account or options.default_account
    if not region or not account:
        raise CheckerError(
            f"{result.origin.describe()}: no AWS account or region for its Security Hub finding"
        )
    resource: dict[str, Any] = {
        "Type": "Other",
        "Id": _text(arn, 100_000) if arn else resource_id(result),
        "Region": job_region or region,
    }
    if partition in _PARTITIONS:
        resource["Partition"] = partition
    message = result.error.message if result.error is not None else "unknown error"
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(UNREADABLE, result),
        "ProductArn": product_arn(region, account),
        "GeneratorId": f"{GENERATOR_PREFIX}{UNREADABLE}",
        "AwsAccountId": job_account or account,
        "Region": region,
        "Types": [TYPE_BEST_PRACTICES],
        "CreatedAt": timestamp(now),
        "UpdatedAt": timestamp(now),
        "Severity": {"Label": "HIGH", "Original": "error"},
        "Title": _text(f"Model customization job could not be read: {result.label}", TITLE_LIMIT),
        "Description": _text(message, DESCRIPTION_LIMIT),
        "ProductFields": {
            "ProviderName": PRODUCER,
            "ProviderVersion": __version__,
            FIELD_JOB: _text(job_identity(result), PRODUCT_FIELD_LIMIT),
        },
        "Resources": [resource],
        "Compliance": {"Status": "NOT_AVAILABLE"},
        "FindingProviderFields": {
            "Severity": {"Label": "HIGH", "Original": "error"},
            "Types": [TYPE_BEST_PRACTICES],
        },
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
    }


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(findings(report, options), indent=2) + "\n"


# What re-importing an earlier finding to archive it keeps: the required fields and those that
# describe it, not what Security Hub adds (ProcessedAt, Note, ...) or what belongs to its users.
_KEPT = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Region",
    "Types",
    "CreatedAt",
    "Severity",
    "Title",
    "Description",
    "Remediation",
    "ProductFields",
    "Resources",
    "FindingProviderFields",
)


def scope(report: Report) -> dict[str, tuple[JobResult, frozenset[str]]]:
    """Resource id to (result, ids of the rules checked) for every job evaluated in the run.

    Jobs that could not be read are out of scope: nothing is known about their findings.
    """
    return {
        resource_id(result): (result, frozenset(result.checked))
        for result in report.results
        if result.job is not None and result.error is None
    }


def archived_findings(
    report: Report, options: RenderOptions, previous: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Earlier findings of the tool that this run no longer reports, re-imported as ARCHIVED.

    Only findings of jobs evaluated in this run, for rules checked on them, are touched. A rule
    that now passes gets ``Compliance.Status`` PASSED (Security Hub then resolves the finding);
    one whose violations are waived or baselined stays FAILED, with the reason.
    """
    current = {finding["Id"] for finding in findings(report, options)}
    in_scope = scope(report)
    now = timestamp(run_time(options))
    out: list[dict[str, Any]] = []
    for earlier in previous:
        if earlier.get("Id") in current or earlier.get("RecordState") == "ARCHIVED":
            continue
        if not str(earlier.get("GeneratorId", "")).startswith(GENERATOR_PREFIX):
            continue
        resources = earlier.get("Resources") or [{}]
        rule_id = str((earlier.get("ProductFields") or {}).get(FIELD_RULE, ""))
        entry = in_scope.get(str(resources[0].get("Id", "")))
        if entry is None or rule_id not in entry[1]:
            continue
        result = entry[0]
        suppressed = [
            f for f in result.findings if f.rule.id == rule_id and f.suppression is not None
        ]
        record = {key: earlier[key] for key in _KEPT if key in earlier}
        compliance: dict[str, Any] = dict(earlier.get("Compliance") or {})
        compliance.pop("StatusReasons", None)
        if suppressed:
            compliance["Status"] = "FAILED"
            reason = suppressed[0].suppression
            assert reason is not None
            compliance["StatusReasons"] = [
                {
                    "ReasonCode": reason.kind.upper(),
                    "Description": _text(reason.justification, DESCRIPTION_LIMIT),
                }
            ]
        else:
            compliance["Status"] = "PASSED"
        record.update(UpdatedAt=now, RecordState="ARCHIVED", Compliance=compliance)
        out.append(record)
    return out
