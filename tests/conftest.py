"""Shared factories: each test states only the fields it is about."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from checker import normalize
from checker.evaluate import evaluate
from checker.model import Job, Origin
from checker.policy import load_policy

REPO = Path(__file__).resolve().parent.parent
# Hypothesis profiles: "ci" (bounded, the default) and "long" (a thorough fuzzing run), chosen
# with HYPOTHESIS_PROFILE=long. Tests that set their own max_examples keep it.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("long", max_examples=2_000, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SCHEMAS = Path(os.environ.get("BEDROCK_CHECKER_SCHEMAS", REPO.parent / "shared" / "schemas"))

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

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

# The packs that judge a job document alone; builtin:deep also needs --deep (test_deep.py).
ALL_BUILTIN = ("builtin:baseline", "builtin:promotion", "builtin:cost")


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


def rule_ids(
    job: Job, policies: tuple[str, ...] = ALL_BUILTIN, status: str = "violated"
) -> set[str]:
    """The ids of rules with findings of ``status`` for one job."""
    [result] = evaluate([job], load_policy(policies))
    return {f.rule.id for f in result.findings if f.status.value == status}


def fake_aws_env(tmp_path: Path, key_id: str, secret: str, token: str) -> dict[str, str]:
    """This process's environment with fake AWS credentials and no config, profile or IMDS."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "CI"}
    environment.update(
        AWS_ACCESS_KEY_ID=key_id,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_SESSION_TOKEN=token,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    return environment


@pytest.fixture
def write_file(tmp_path: Path):
    def write(name: str, content: str | bytes | dict[str, Any] | list[Any]) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict | list):
            content = json.dumps(content, indent=2)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
