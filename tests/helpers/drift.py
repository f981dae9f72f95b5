"""Drift builders: live jobs in moto launched from committed job documents.

moto differs from AWS in ways a drift comparison would see (docs/drift.md, "Testing"): it
invents ``outputModelKmsKeyArn`` and ignores the key given, and requires a training ``s3Uri``
even for a job that trains from invocation logs. ``launch`` sets what AWS would report in
moto's own record of the job, so that the tests compare what AWS would answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import boto3
from moto.bedrock.models import bedrock_backends

from checker.model import Job
from checker.sources.files import read_paths
from helpers.paths import REPO

ACCOUNT = "111122223333"  # the account of the examples' role ARNs: MOTO_ACCOUNT_ID in the tests
DEFAULT_REGION = "us-east-1"
EXAMPLES = (str(REPO / "examples" / "passing"), str(REPO / "examples" / "failing"))
_FALLBACK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/BedrockCustomizationRole"
_FALLBACK_URI = "s3://example-ml-unknown/data/"


def committed_jobs(paths: Iterable[str] = EXAMPLES) -> list[Job]:
    return [item for item in read_paths(paths).items if isinstance(item, Job)]


def region_of(job: Job) -> str:
    return str(job.document["derived"].get("region") or DEFAULT_REGION)


def create_request(job: Job) -> dict[str, Any]:
    """The CreateModelCustomizationJob request that launches a job document (Get shape)."""
    document: Mapping[str, Any] = job.document
    name = str(document["jobName"])

    def text(key: str, fallback: str) -> str:
        value = document.get(key)
        return value if isinstance(value, str) and value else fallback

    def uri(config: Any) -> dict[str, str]:
        value = config.get("s3Uri") if isinstance(config, Mapping) else None
        return {"s3Uri": value if isinstance(value, str) else _FALLBACK_URI}

    request: dict[str, Any] = {
        "jobName": name,
        # moto refuses a custom model name already used in the region; AWS keeps it as given.
        "customModelName": f"{name.replace('.', '-')}-model"[:63],
        "roleArn": text("roleArn", _FALLBACK_ROLE),
        "baseModelIdentifier": text("baseModelArn", "amazon.titan-text-lite-v1:0:4k"),
        "trainingDataConfig": uri(document.get("trainingDataConfig")),
        "outputDataConfig": uri(document.get("outputDataConfig")),
    }
    if isinstance(document.get("customizationType"), str):
        request["customizationType"] = document["customizationType"]
    if isinstance(document.get("outputModelKmsKeyArn"), str):
        request["customModelKmsKeyId"] = document["outputModelKmsKeyArn"]
    params = document.get("hyperParameters")
    if isinstance(params, Mapping):
        request["hyperParameters"] = {str(k): str(v) for k, v in params.items()}
    validators = (document.get("validationDataConfig") or {}).get("validators")
    if isinstance(validators, list) and validators:
        request["validationDataConfig"] = {"validators": [uri(v) for v in validators]}
    vpc = document.get("vpcConfig")
    if isinstance(vpc, Mapping) and vpc.get("subnetIds") and vpc.get("securityGroupIds"):
        request["vpcConfig"] = {
            "subnetIds": list(vpc["subnetIds"]),
            "securityGroupIds": list(vpc["securityGroupIds"]),
        }
    tags = document.get("tags")
    if isinstance(tags, Mapping) and job.kind not in ("terraform", "terraform-plan"):
        request["jobTags"] = [{"key": str(k), "value": str(v)} for k, v in tags.items()]
    return request


def launch(job: Job, **overrides: Any) -> str:
    """Create the job in moto (its document's region, moto's account), as AWS would keep it;
    ``overrides`` replace request fields (None removes one)."""
    region = region_of(job)
    request = {**create_request(job), **overrides}
    request = {key: value for key, value in request.items() if value is not None}
    client = boto3.client("bedrock", region_name=region)
    arn = str(client.create_model_customization_job(**request)["jobArn"])
    record = bedrock_backends[ACCOUNT][region].model_customization_jobs[request["jobName"]]
    record.output_model_kms_key_arn = request.get("customModelKmsKeyId")
    training = job.document.get("trainingDataConfig")
    from_logs = isinstance(training, Mapping) and "s3Uri" not in training
    if from_logs and "trainingDataConfig" not in overrides:
        # Training from invocation logs: moto requires an s3Uri, AWS does not.
        record.training_data_config = dict(training)
    return arn


def launch_all(jobs: Iterable[Job]) -> list[str]:
    """Launch each named job once per region (the examples repeat some jobs across files)."""
    launched: dict[tuple[str, str], str] = {}
    for job in jobs:
        if job.name is None or (region_of(job), job.name) in launched:
            continue
        launched[(region_of(job), job.name)] = launch(job)
    return list(launched.values())


def forget(name: str, region: str = DEFAULT_REGION) -> None:
    """The job is gone from the account (as if it had never been launched)."""
    del bedrock_backends[ACCOUNT][region].model_customization_jobs[name]
