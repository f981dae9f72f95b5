"""Property-based fuzzing of evaluation and reports: every generated job, and any resources
section deep mode could add, gets an outcome (never an internal error) in every format.

The "ci" Hypothesis profile (tests/conftest.py) keeps this bounded; for a thorough search run
``HYPOTHESIS_PROFILE=long python -m pytest tests/reports/test_fuzz_outcomes.py``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import yaml
from helpers.agreement import (
    check_json,
    check_junit,
    check_markdown,
    check_sarif,
    expected_counts,
)
from helpers.fuzz import (
    INTERNAL_ERROR,
    POLICY,
    assert_one_line,
    awkward_text,
    job_documents,
    json_values,
    load,
    render_all,
    terraform_resources,
    without_surrogates,
)
from helpers.jobs import ALL_BUILTIN, GOOD_JOB, make_job
from hypothesis import event, given
from hypothesis import strategies as st

from checker.model import Job, LoadError, Origin
from checker.pipeline import Configuration, run
from checker.policy import load_policy

# ---------------------------------------------------------------------------------------------
# Property 2: every job gets an outcome, every format renders it


@st.composite
def job_batches(draw: st.DrawFn) -> tuple[list[Job | LoadError], int]:
    """Generated jobs, loaded the way each source shape is: (items, documents generated)."""
    shape = draw(st.sampled_from(["direct", "json", "yaml", "tf-json", "tf-plan"]))
    if shape.startswith("tf"):
        resources = draw(st.lists(terraform_resources(), min_size=1, max_size=4))
        if shape == "tf-json":
            named = {f"r{i}": attributes for i, attributes in enumerate(resources)}
            data: Any = {"resource": {"aws_bedrock_custom_model": named}}
        else:
            changes = [
                {
                    "address": f"aws_bedrock_custom_model.r{i}",
                    "type": "aws_bedrock_custom_model",
                    "change": {"after": attributes, "after_unknown": draw(json_values)},
                }
                for i, attributes in enumerate(resources)
            ]
            data = {"format_version": "1.2", "resource_changes": changes}
        items = load(json.dumps(data).encode("utf-8"), ".json") or []
        return items, len(resources)
    jobs = draw(st.lists(job_documents(), min_size=1, max_size=4))
    for index, document in enumerate(jobs):
        # One job per ARN: check_junit (helpers/agreement.py) keys findings by Job.key.
        if isinstance(document.get("jobArn"), str):
            document["jobArn"] += f"/{index}"
    if shape == "direct":
        return [
            dataclasses.replace(
                make_job(without_surrogates(document)), origin=Origin("job.json", 1, index)
            )
            for index, document in enumerate(jobs)
        ], len(jobs)
    if shape == "json":
        return load(json.dumps(jobs).encode("utf-8"), ".json") or [], len(jobs)
    # libyaml refuses "\uD800" escapes (the whole stream: see property 1), so none are written.
    text = yaml.safe_dump_all(without_surrogates(jobs))
    return load(text.encode("utf-8"), ".yaml") or [], len(jobs)


@given(job_batches())
def test_every_generated_job_gets_an_outcome_in_every_format(batch) -> None:
    items, generated = batch
    whole_file_refused = len(items) == 1 and isinstance(items[0], LoadError)  # e.g. too deep
    assert len(items) == generated or whole_file_refused  # one result per document, none lost
    report = run(Configuration(POLICY), items)
    results = report.results
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        if isinstance(item, LoadError):
            assert result.error is item
            continue
        assert result.error is None, result.error.message  # "could not be evaluated: ..."
        # The result is this job's (the pipeline keeps a compact copy of each evaluated job).
        assert result.job is not None
        assert (result.job.key, result.job.origin) == (item.key, item.origin)
        for finding in result.findings:
            assert finding.line >= 1
            assert finding.message.strip()
    for result in results:
        if result.error is not None:
            assert not result.error.message.startswith(INTERNAL_ERROR), result.error.message
            assert_one_line(result.error.message)
    for result in results:
        event(f"outcome: {result.outcome.value}")
    rendered = render_all(report)
    assert json.loads(rendered["json"])["summary"]["jobs"] == len(items)
    expected = expected_counts(report)
    check_json(report, expected)
    check_sarif(report, expected)
    check_junit(report, expected)
    check_markdown(report)


DEEP_POLICY = load_policy([*ALL_BUILTIN, "builtin:deep"])
DEEP_KINDS = ["kmsKey", "role", "buckets", "subnets", "availabilityZones", "securityGroups"]
# What deep mode could put in a job document, and what it never should: the rules must cope.
resources_sections = st.fixed_dictionaries(
    {},
    optional={
        **{
            kind: st.one_of(json_values, st.dictionaries(awkward_text, json_values, max_size=3))
            for kind in DEEP_KINDS
        },
        "unknown": st.one_of(
            st.dictionaries(st.sampled_from([f"resources.{k}" for k in DEEP_KINDS]), awkward_text),
            json_values,
        ),
    },
)


@given(st.lists(resources_sections, min_size=1, max_size=4))
def test_any_resources_section_gets_an_outcome_in_every_format(sections) -> None:
    jobs = []
    for index, section in enumerate(sections):
        job = make_job(jobArn=f"{GOOD_JOB['jobArn']}-{index}", jobName=f"job-{index}")
        document = {**job.document, "resources": without_surrogates(section)}
        jobs.append(
            dataclasses.replace(job, document=document, origin=Origin("job.json", 1, index))
        )
    report = run(Configuration(DEEP_POLICY), jobs)
    results = report.results
    # Each result is its job's, kept compact by the pipeline.
    assert [result.job for result in results] == [job.compact() for job in jobs]
    for result in results:
        assert result.error is None
        event(f"outcome: {result.outcome.value}")
    render_all(report)
    expected = expected_counts(report)
    check_json(report, expected)
    check_sarif(report, expected)
    check_junit(report, expected)
