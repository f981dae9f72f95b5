"""Every format tells the same story: counts of jobs, findings, errors and waivers agree."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from helpers.agreement import (
    check_asff,
    check_evidence,
    check_html,
    check_json,
    check_junit,
    check_markdown,
    check_merge,
    check_sarif,
    expected_counts,
)
from helpers.jobs import ALL_BUILTIN, DELETE, make_job
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.frameworks import FRAMEWORKS
from checker.model import Job, LoadError, Origin, Report, Severity, Waiver
from checker.pipeline import Configuration, run
from checker.policy import load_policy

POLICY = load_policy(ALL_BUILTIN)
TODAY = datetime.date(2025, 6, 1)
ARN = "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"
OTHER_REGION_KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

VPC = {
    "keep": None,
    "missing": DELETE,
    "string": "vpc-123",
    "one-subnet": {"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]},
}
KMS = {"keep": None, "missing": DELETE, "alias": "alias/models", "other-region": OTHER_REGION_KEY}
EPOCHS = {"keep": None, "many": "100", "missing": DELETE}
ROLE = {
    "keep": None,
    "placeholder": "arn:aws:iam::{account_id}:role/BedrockFT",
    "other-account": "arn:aws:iam::444455556666:role/BedrockFT",
}

DOCUMENT_FIELDS = ("vpcConfig", "outputModelKmsKeyArn", "hyperParameters.epochCount", "roleArn")
job_specs = st.fixed_dictionaries(
    {
        "kind": st.just("job"),
        "live": st.booleans(),
        "vpcConfig": st.sampled_from(sorted(VPC)),
        "outputModelKmsKeyArn": st.sampled_from(sorted(KMS)),
        "hyperParameters.epochCount": st.sampled_from(sorted(EPOCHS)),
        "roleArn": st.sampled_from(sorted(ROLE)),
        "status": st.sampled_from(["Completed", "Failed", "InProgress", "Stopped"]),
    }
)
error_specs = st.fixed_dictionaries({"kind": st.just("error"), "live": st.booleans()})
# Random mixes rarely pass every rule: passing jobs and jobs failing BMC001 alone (which
# waivers often cover) are drawn on purpose.
_KEEP = {field: st.just("keep") for field in DOCUMENT_FIELDS}
passing_specs = st.fixed_dictionaries(
    {"kind": st.just("job"), "live": st.booleans(), **_KEEP, "status": st.just("Completed")}
)
vpc_only_specs = st.fixed_dictionaries(
    {
        "kind": st.just("job"),
        "live": st.booleans(),
        **_KEEP,
        "vpcConfig": st.sampled_from(["missing", "string"]),
        "status": st.just("Completed"),
    }
)
waiver_specs = st.fixed_dictionaries(
    {
        "rule": st.sampled_from(["BMC001", "BMC001", "BMC00*", "BMC003", "BMC2*", "BMC10?", "*"]),
        "jobs": st.sampled_from(
            [(), ("job-0",), ("job-*",), ("job-*",), ("nothing",), (ARN + "job-1",)]
        ),
        "files": st.sampled_from([(), ("jobs/*",), ("jobs/2.json",)]),
        "expired": st.sampled_from([False, False, True]),
    }
).filter(lambda spec: spec["jobs"] or spec["files"])


def build_item(index: int, spec: dict[str, Any]) -> Job | LoadError:
    arn = f"{ARN}job-{index}"
    path = f"jobs/{index}.json"
    origin = Origin(region="us-east-1", arn=arn) if spec["live"] else Origin(path=path, line=1)
    if spec["kind"] == "error":
        return LoadError(origin, f"job {index} could not be read")
    tables = {
        "vpcConfig": VPC,
        "outputModelKmsKeyArn": KMS,
        "hyperParameters.epochCount": EPOCHS,
        "roleArn": ROLE,
    }
    overrides = {
        field.replace(".", "__"): table[spec[field]]
        for field, table in tables.items()
        if table[spec[field]] is not None
    }
    job = make_job(jobName=f"job-{index}", jobArn=arn, status=spec["status"], **overrides)
    return dataclasses.replace(job, origin=origin)


def build_waiver(spec: dict[str, Any]) -> Waiver:
    expires = datetime.date(2000, 1, 1) if spec["expired"] else datetime.date(2099, 1, 1)
    return Waiver(spec["rule"], "accepted risk", expires, spec["jobs"], spec["files"])


reports = st.builds(
    lambda specs, waivers, fail_on: (specs, waivers, fail_on),
    st.lists(st.one_of(job_specs, passing_specs, vpc_only_specs, error_specs), max_size=7),
    st.lists(waiver_specs, max_size=3),
    st.sampled_from([Severity.ERROR, Severity.WARNING, Severity.NOTE, None]),
)


def make_report(specs, waiver_specs_, fail_on) -> Report:
    items = [build_item(i, spec) for i, spec in enumerate(specs)]
    waivers = tuple(build_waiver(w) for w in waiver_specs_)
    mode = "live" if specs and all(s["live"] for s in specs) else "files"
    return run(Configuration(POLICY, waivers, fail_on=fail_on, today=TODAY), items, mode=mode)


@settings(max_examples=60, deadline=None)
@given(reports)
def test_every_format_agrees_on_the_counts(generated) -> None:
    specs, waiver_specs_, fail_on = generated
    report = make_report(specs, waiver_specs_, fail_on)
    expected = expected_counts(report)
    assert expected["jobs"] == len(specs)
    assert expected["errored"] == sum(1 for s in specs if s["kind"] == "error")
    check_json(report, expected)
    check_sarif(report, expected)
    check_junit(report, expected)
    check_markdown(report)
    for framework in FRAMEWORKS:
        check_html(report, expected, framework)
    check_asff(report)
    check_evidence(report, expected)
    check_merge(report)
