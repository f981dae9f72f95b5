"""checker/precheck.py: "certainly passes" only where Cerberus finds no error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.fuzz import POLICY, job_documents, set_path
from helpers.jobs import GOOD_JOB
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.evaluate import _validate
from checker.model import Job
from checker.precheck import compile_schema
from checker.sources.files import read_bytes

PRECHECKED = [c for c in POLICY.compiled if c.precheck is not None or c.when_precheck is not None]
# S3 locations that overlap, nest, differ, hold placeholders or are not locations at all.
LOCATIONS = st.sampled_from(
    [
        "s3://corp/",
        "s3://corp/train/",
        "s3://corp/train/data.jsonl",
        "s3://corp/train/out/",
        "s3://corp/val/",
        "s3://other/out/",
        "s3://${Bucket}/train/",
        "s3://corp/train",
        "s3://corp",
        "not-a-location",
        "",
        None,
        7,
        ["s3://corp/"],
        {"s3Uri": "s3://corp/"},
    ]
)
LOCATION_PATHS = (
    "trainingDataConfig.s3Uri",
    "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri",
    "outputDataConfig.s3Uri",
    "validationDataConfig.validators.0.s3Uri",
    "validationDataConfig.validators.1.s3Uri",
)


def _jobs(document: Any) -> list[Job]:
    items = read_bytes(json.dumps(document).encode(), "job.json", explicit=True) or []
    return [item for item in items if isinstance(item, Job)]


def _agree(job: Job) -> int:
    """Assert that no precheck (of a schema or of a `when`) says "passes" where Cerberus finds
    an error; the number of passes."""
    passes = 0
    for compiled in PRECHECKED:
        for precheck, validator in (
            (compiled.precheck, compiled.validator),
            (compiled.when_precheck, compiled.when),
        ):
            if precheck is not None and precheck(job.document):
                passes += 1
                assert validator is not None
                assert _validate(validator, job.document) == (), compiled.rule.id
    return passes


def test_the_rules_that_compare_locations_are_prechecked() -> None:
    assert {c.rule.id for c in PRECHECKED if c.precheck is not None} >= {"BMC006", "BMC011"}
    [job] = _jobs(GOOD_JOB)

    # A passing job reaches Cerberus for none of these schemas, nor for the `when`s it meets.
    assert _agree(job) >= 2


@st.composite
def located_jobs(draw: st.DrawFn) -> Any:
    document = draw(job_documents())
    for path in draw(st.lists(st.sampled_from(LOCATION_PATHS), max_size=5)):
        set_path(document, path, draw(LOCATIONS))
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(located_jobs())
def test_a_precheck_never_passes_what_cerberus_fails(document: Any) -> None:
    for job in _jobs(document):
        _agree(job)


@pytest.mark.parametrize(
    "schema",
    [
        {"roleArn": {"type": "string", "regex": "arn:.*"}},
        {"tags": {"type": "list", "schema": {"type": "dict"}}},
        {"outputDataConfig": {"type": "dict", "schema": {"s3Uri": {"s3_in": ["s3://x/*"]}}}},
        {"jobName": {"type": "integer"}},
        {"jobName": {"type": "string", "required": "yes"}},
        {"jobName": "string"},
        None,
    ],
)
def test_other_schemas_are_left_to_cerberus(schema: Any) -> None:
    assert compile_schema(schema) is None


def test_a_missing_required_field_or_a_null_is_left_to_cerberus() -> None:
    precheck = compile_schema(
        {"outputDataConfig": {"type": "dict", "required": True, "schema": {"s3Uri": {}}}}
    )
    assert precheck is not None

    assert precheck({"outputDataConfig": {"s3Uri": "s3://a/"}})
    assert not precheck({})
    assert not precheck({"outputDataConfig": None})
    assert not precheck({"outputDataConfig": {"s3Uri": None}})
    assert not precheck({"outputDataConfig": ["s3://a/"]})
