"""Job builders: each test states only the fields it is about."""

from __future__ import annotations

import copy
from typing import Any

from checker import normalize
from checker.evaluate import evaluate
from checker.model import Job, Origin
from checker.policy import Policy, load_policy

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# The smallest create request: a job to every reader, failing the baseline (no key, no VPC).
SMALL_REQUEST: dict[str, Any] = {
    "jobName": "j",
    "customModelName": "m",
    "baseModelIdentifier": "amazon.titan-text-lite-v1:0:4k",
    "roleArn": "arn:aws:iam::111122223333:role/r",
    "trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"},
    "outputDataConfig": {"s3Uri": "s3://b/out/"},
}

# A Get response that passes every built-in rule.
GOOD_JOB: dict[str, Any] = {
    "jobArn": "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"
    "amazon.titan-text-lite-v1:0:4k/lo7152tvvl3f",
    "jobName": "good-ft-job",
    "outputModelName": "good-model",
    "outputModelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/"
    "amazon.titan-text-lite-v1:0:4k/abcdefabcdef",
    "roleArn": "arn:aws:iam::111122223333:role/service-role/BedrockFT",
    "status": "Completed",
    "creationTime": "2023-11-29T10:45:43.056000+00:00",
    "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1:0:4k",
    "customizationType": "FINE_TUNING",
    "hyperParameters": {
        "epochCount": "2",
        "batchSize": "1",
        "learningRate": ".0001",
        "learningRateWarmupSteps": "5",
    },
    "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
    "validationDataConfig": {"validators": [{"s3Uri": "s3://corp-train/data/val.jsonl"}]},
    "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
    "outputModelKmsKeyArn": KEY_ARN,
    "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
    "trainingMetrics": {"trainingLoss": 0.12},
    "validationMetrics": [{"validationLoss": 0.2}],
}

# The packs that judge a job document alone; builtin:deep also needs --deep (tests/enrich/).
ALL_BUILTIN = ("builtin:baseline", "builtin:promotion", "builtin:cost")
# Their rules that read what --deep fetches (BMC105: the custom model's evaluations): unknown on
# every Completed file job, so left out of the verdicts below; tests/enrich/ judges them.
DEEP_READ = frozenset({"BMC105"})


def _apply(document: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys set nested fields; the value ``DELETE`` removes the field."""
    for dotted, value in overrides.items():
        node = document
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return document


DELETE = object()


def make_document(base: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A copy of GOOD_JOB (or ``base``) with overrides; use ``__`` for dots in keyword names."""
    document = copy.deepcopy(base if base is not None else GOOD_JOB)
    return _apply(document, {k.replace("__", "."): v for k, v in overrides.items()})


def make_job(document: dict[str, Any] | None = None, **overrides: Any) -> Job:
    """A normalised Job from a Get-shaped (or create-shaped) document with overrides."""
    raw = make_document(document, **overrides)
    kind = normalize.classify(raw) or normalize.GET_RESPONSE
    doc, lines = normalize.from_api(raw, kind, {})
    doc, lines = normalize.finish(doc, lines, kind, set())
    return Job(doc, Origin(path="job.json"), kind, lines)


def file_policy(policies: tuple[str, ...] = ALL_BUILTIN) -> Policy:
    """The packs without their rules that read what --deep fetches (DEEP_READ), for tests of
    file jobs that are not about those rules."""
    loaded = load_policy(policies)
    skip = sorted(DEEP_READ & {rule.id for rule in loaded.rules})
    return load_policy(policies, skip=skip) if skip else loaded


def rule_ids(
    job: Job, policies: tuple[str, ...] = ALL_BUILTIN, status: str = "violated"
) -> set[str]:
    """The ids of rules with findings of ``status`` for one job."""
    [result] = evaluate([job], load_policy(policies))
    return {
        f.rule.id
        for f in result.findings
        if f.status.value == status and f.rule.id not in DEEP_READ
    }
