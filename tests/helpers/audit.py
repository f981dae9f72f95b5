"""Builders for the audit formats' tests (ASFF, Security Hub, evidence): reports and validators."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from checker import normalize
from checker.evaluate import evaluate
from checker.model import Job, LoadError, Origin, Report, Rule, Waiver, job_identity
from checker.policy import load_policy
from checker.sources.files import read_paths
from checker.waivers import apply_waivers
from helpers.jobs import file_policy

REPO = Path(__file__).resolve().parents[2]
WHEN = datetime.datetime(2026, 12, 5, 8, 30, tzinfo=datetime.UTC)
ACCOUNT = "111122223333"
JOB_ARN = (
    f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/"
    "amazon.titan-text-lite-v1:0:4k/lo7152tvvl3f"
)
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# A Get response that passes the baseline, promotion and cost packs.
PASSING_JOB: dict[str, Any] = {
    "jobArn": JOB_ARN,
    "jobName": "good-ft-job",
    "outputModelName": "good-model",
    "outputModelArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/"
    "amazon.titan-text-lite-v1:0:4k/abcdefabcdef",
    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/service-role/BedrockFT",
    "status": "Completed",
    "creationTime": "2026-11-29T10:45:43.056000+00:00",
    "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1:0:4k",
    "customizationType": "FINE_TUNING",
    "hyperParameters": {"epochCount": "2", "batchSize": "1", "learningRate": ".0001"},
    "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
    "validationDataConfig": {"validators": [{"s3Uri": "s3://corp-train/data/val.jsonl"}]},
    "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
    "outputModelKmsKeyArn": KEY_ARN,
    "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
    "trainingMetrics": {"trainingLoss": 0.12},
    "validationMetrics": [{"validationLoss": 0.2}],
}
DELETE = object()
POLICIES = ("builtin:baseline", "builtin:promotion", "builtin:cost")


def make_job(path: str = "job.json", index: int | None = None, **overrides: Any) -> Job:
    """A normalised job from PASSING_JOB with dotted-key overrides (DELETE removes a field)."""
    raw = copy.deepcopy(PASSING_JOB)
    for dotted, value in overrides.items():
        node = raw
        *parents, last = dotted.replace("__", ".").split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    kind = normalize.classify(raw) or normalize.GET_RESPONSE
    document, lines = normalize.from_api(raw, kind, {})
    document, lines = normalize.finish(document, lines, kind, set())
    return Job(document, Origin(path=path, index=index), kind, lines)


def make_report(
    items: Iterable[Job | LoadError],
    policies: Sequence[str] = POLICIES,
    waivers: Sequence[Waiver] = (),
) -> Report:
    policy = file_policy(tuple(policies))
    results, statuses = apply_waivers(evaluate(items, policy), waivers, WHEN.date())
    return Report(tuple(results), policy.rules, policy_sources=policy.sources, waivers=statuses)


def example_report() -> Report:
    """The bundled examples (half of them fail) under the baseline pack."""
    scan = read_paths([str(REPO / "examples" / "failing"), str(REPO / "examples" / "passing")])
    policy = load_policy(("builtin:baseline",))
    return Report(
        tuple(evaluate(scan.items, policy)),
        policy.rules,
        skipped_files=tuple(scan.skipped),
        policy_sources=policy.sources,
    )


def with_controls(report: Report, controls: dict[str, dict[str, list[str]]]) -> Report:
    """The report with framework controls mapped onto some of its rules (rule id -> mapping)."""

    def mapped(rule: Rule) -> Rule:
        if rule.id not in controls:
            return rule
        mapping = {name: tuple(ids) for name, ids in controls[rule.id].items()}
        return dataclasses.replace(rule, controls=mapping)

    rules = {rule.id: mapped(rule) for rule in report.rules}
    results = tuple(
        dataclasses.replace(
            result,
            findings=tuple(
                dataclasses.replace(f, rule=rules.get(f.rule.id, f.rule)) for f in result.findings
            ),
        )
        for result in report.results
    )
    return dataclasses.replace(report, results=results, rules=tuple(rules.values()))


def pairs(report: Report, *, include_unknown: bool = True) -> set[tuple[str, str]]:
    """(job identity, rule id) with a violation that counts, or an unknown outcome."""
    return {
        (job_identity(result), finding.rule.id)
        for result, finding in report.findings()
        if finding.counts or (include_unknown and finding.status.value == "unknown")
    }


# ---- ASFF validation: botocore's own input shape for BatchImportFindings, plus what its
# validator leaves out (enums, the non-blank pattern, the documented length limits).

_DOCUMENTED_MAX = {
    "Title": 256,
    "Description": 1024,
    "Text": 512,  # Remediation.Recommendation.Text
    "RelatedRequirements": 32,
    "Resources": 32,
}


def _walk(value: Any, shape: Any, where: str, problems: list[str]) -> None:
    name = where.rsplit(".", 1)[-1]
    limit = _DOCUMENTED_MAX.get(name)  # not for "Name[3]", an item of the list
    if limit is not None and hasattr(value, "__len__") and len(value) > limit:
        problems.append(f"{where}: {len(value)} > {limit}")
    kind = shape.type_name
    if kind == "structure":
        for key, item in value.items():
            _walk(item, shape.members[key], f"{where}.{key}", problems)
    elif kind == "list":
        for index, item in enumerate(value):
            _walk(item, shape.member, f"{where}[{index}]", problems)
    elif kind == "map":
        for key, item in value.items():
            _walk(key, shape.key, f"{where}<key>", problems)
            _walk(item, shape.value, f"{where}.{key}", problems)
    elif kind == "string":
        if shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} not one of {shape.enum}")
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            problems.append(f"{where}: {value!r} does not match {pattern}")


def asff_problems(findings: Sequence[dict[str, Any]]) -> list[str]:
    """Why Security Hub would refuse these findings; [] when BatchImportFindings takes them."""
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("securityhub")
    operation = model.operation_model("BatchImportFindings")
    problems: list[str] = []
    for start in range(0, len(findings), 100):
        batch = list(findings[start : start + 100])
        report = ParamValidator().validate({"Findings": batch}, operation.input_shape)
        if report.has_errors():
            problems.append(report.generate_report())
    shape = operation.input_shape.members["Findings"].member
    for index, finding in enumerate(findings):
        _walk(finding, shape, f"Findings[{index}]", problems)
    return problems
