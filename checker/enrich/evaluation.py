"""Bedrock model evaluation: the Completed evaluation jobs that evaluated a job's custom model.

A custom model is served, and so evaluated, through a Provisioned Throughput: an evaluation
job names the provisioned model's ARN (or, where Bedrock accepts it, the custom model's own),
never the customization job. Both listings are read once per account and region; an
evaluation job whose summary names no model is read with GetEvaluationJob, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from checker import normalize
from checker.enrich.fetcher import Facts, JobReader, Unreadable


def model_evaluation(reader: JobReader, model_arn: str, *, tags: bool = True) -> Facts:
    """The custom model's Completed evaluation jobs and, with ``tags``, its tags (evaluation
    evidence that a policy may name, such as a tag pointing at an evaluation report); without,
    ``modelTags`` is None and the caller lists it as not fetched."""
    arn = normalize.parse_arn(model_arn)
    region = (arn or {}).get("region") or reader.need_region(f"custom model {model_arn}")
    evaluations: list[tuple[str, frozenset[str]]] = reader.once(
        "evaluation-jobs", region, fetch=lambda: _completed_evaluations(reader, region)
    )
    provisioned: dict[str, frozenset[str]] = reader.once(
        "provisioned-models", region, fetch=lambda: _provisioned_models(reader, region)
    )
    served_as = {model_arn} | {
        provisioned_arn for provisioned_arn, models in provisioned.items() if model_arn in models
    }
    facts: dict[str, Any] = {
        "customModel": model_arn,
        "provisionedModels": sorted(served_as - {model_arn}),
        "completedJobs": sorted(job for job, models in evaluations if models & served_as),
        "modelTags": None,
    }
    unknown: dict[str, str] = {}
    if not tags:
        return facts, unknown
    try:
        facts["modelTags"] = reader.once(
            "model-tags", model_arn, fetch=lambda: _model_tags(reader, region, model_arn)
        )
    except Unreadable as exc:
        unknown["modelTags"] = exc.reason
    return facts, unknown


def _completed_evaluations(reader: JobReader, region: str) -> list[tuple[str, frozenset[str]]]:
    """Each Completed evaluation job of the account and region, with the models it evaluated."""
    found: list[tuple[str, frozenset[str]]] = []
    for summary in _pages(
        lambda **token: reader.call(
            "bedrock", region, "ListEvaluationJobs", statusEquals="Completed", **token
        ),
        "jobSummaries",
    ):
        job_arn = str(summary.get("jobArn") or "")
        models = _summary_models(summary)
        if not models and job_arn:
            job = reader.call("bedrock", region, "GetEvaluationJob", jobIdentifier=job_arn)
            models = _job_models(job)
        if job_arn:
            found.append((job_arn, models))
    return found


def _summary_models(summary: Mapping[str, Any]) -> frozenset[str]:
    inference = (summary.get("inferenceConfigSummary") or {}).get("modelConfigSummary") or {}
    return frozenset(
        str(model)
        for model in (
            *(summary.get("modelIdentifiers") or ()),
            *(inference.get("bedrockModelIdentifiers") or ()),
        )
    )


def _job_models(job: Mapping[str, Any]) -> frozenset[str]:
    models = (job.get("inferenceConfig") or {}).get("models") or ()
    return frozenset(
        str(model["bedrockModel"]["modelIdentifier"])
        for model in models
        if isinstance(model, Mapping) and (model.get("bedrockModel") or {}).get("modelIdentifier")
    )


def _provisioned_models(reader: JobReader, region: str) -> dict[str, frozenset[str]]:
    """Each Provisioned Throughput of the account and region, with the custom model it serves
    (and the one it is being changed to)."""
    return {
        str(summary["provisionedModelArn"]): frozenset(
            str(summary[key]) for key in ("modelArn", "desiredModelArn") if summary.get(key)
        )
        for summary in _pages(
            lambda **token: reader.call(
                "bedrock", region, "ListProvisionedModelThroughputs", **token
            ),
            "provisionedModelSummaries",
        )
        if summary.get("provisionedModelArn")
    }


def _model_tags(reader: JobReader, region: str, model_arn: str) -> dict[str, str]:
    listed = reader.call("bedrock", region, "ListTagsForResource", resourceARN=model_arn)
    return {
        str(tag["key"]): str(tag.get("value", ""))
        for tag in listed.get("tags") or ()
        if isinstance(tag, Mapping) and tag.get("key")
    }


def _pages(call: Callable[..., Any], key: str) -> Iterator[Mapping[str, Any]]:
    """Every item of a Bedrock listing, page after page (``call(nextToken=...)``)."""
    token: dict[str, str] = {}
    while True:
        page = call(**token)
        yield from (item for item in page.get(key) or () if isinstance(item, Mapping))
        if not page.get("nextToken"):
            return
        token = {"nextToken": str(page["nextToken"])}
