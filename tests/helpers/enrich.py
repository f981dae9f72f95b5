"""Deep mode in tests: the deep pack, the enrichment stage run on documents, and verdicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import checker.enrich as enrich_stage
from checker.aws.connection import Connection
from checker.evaluate import evaluate
from checker.model import Finding, Job
from checker.policy import Policy, load_policy
from helpers.aws import CREATE_JOB_FILE
from helpers.deep import REGION, Cloud, World
from helpers.jobs import make_job

DEEP = load_policy(["builtin:deep"])
DEEP_RULES = (*(f"BMC30{n}" for n in range(1, 10)), *(f"BMC3{n}" for n in range(11, 19)))
# BMC318 is about jobs that train on invocation logs, which the compliant job does not.
ALL_PASSED = dict.fromkeys([rule for rule in DEEP_RULES if rule != "BMC318"], "passed")
REQUIRED_TAGS = {"owner": "ml-platform", "cost-center": "cc-42", "data-classification": "internal"}
BASE_MODEL = "amazon.titan-text-express-v1"
NOT_FETCHED = "was not fetched (no loaded rule reads it)"


@dataclass
class Setup:
    """moto's resources: a builder, one compliant world, and the session deep mode reads with."""

    cloud: Cloud
    world: World
    session: Any


def enrich(
    documents: list[dict[str, Any]],
    session: Any,
    *,
    kinds: frozenset[str] | None = None,
    default_region: str | None = REGION,
    fetcher: enrich_stage.Fetcher | None = None,
) -> list[Job]:
    """The documents as jobs with their resources section, read as ``check --deep`` does."""
    jobs = [make_job(document) for document in documents]
    items = enrich_stage.enrich(
        [(job, session) for job in jobs],
        enrich_stage.needs(DEEP) if kinds is None else kinds,
        Connection(),
        default_region=default_region,
        fetcher=fetcher,
    )
    assert all(isinstance(item, Job) for item in items), items
    return items  # type: ignore[return-value]


def unread(job: Job) -> dict[str, str]:
    """What deep mode could not read for the job: ``resources.unknown`` without the kinds that
    no loaded rule reads (the deep pack does not read the custom model's evaluations)."""
    unknown: dict[str, str] = job.document["resources"]["unknown"]
    return {path: reason for path, reason in unknown.items() if reason != NOT_FETCHED}


def outcomes(job: Job, policy: Policy = DEEP) -> dict[str, str]:
    """Each rule that applies to the job: passed, violated or unknown."""
    [result] = evaluate([job], policy)
    found = dict.fromkeys(result.checked, "passed")
    for finding in result.findings:
        found[finding.rule.id] = finding.status.value
    return found


def findings(job: Job, rule: str, policy: Policy = DEEP) -> list[Finding]:
    [result] = evaluate([job], policy)
    return [finding for finding in result.findings if finding.rule.id == rule]


def create_request(**overrides: Any) -> dict[str, Any]:
    """The shared create request (tests/fixtures/aws), with top-level fields replaced."""
    return {**json.loads(CREATE_JOB_FILE.read_text()), **overrides}


def report_findings(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{job name: {rule id: status}} from a JSON report."""
    return {
        job["name"]: {f["ruleId"]: f["status"] for f in job["findings"]} for job in report["jobs"]
    }


LOG_TRAINING = {
    "invocationLogsConfig": {
        "invocationLogSource": {"s3Uri": "s3://corp-train/invocation-logs/"},
        "requestMetadataFilters": {"equals": {"approved-for-training": "true"}},
    }
}


def log_to(s: Setup, bucket: str | None) -> None:
    """The account's model invocation logging: to this S3 bucket, or off (None)."""
    if bucket is not None:
        s.cloud.bedrock.put_model_invocation_logging_configuration(
            loggingConfig={"s3Config": {"bucketName": bucket, "keyPrefix": "bedrock/"}}
        )
