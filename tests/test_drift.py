"""Drift, pure: a committed job against its live job, field by field, and the report."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest
from helpers.agreement import (
    check_asff,
    check_evidence,
    check_html,
    check_json,
    check_junit,
    check_markdown,
    check_sarif,
    expected_counts,
)
from helpers.jobs import DELETE, GOOD_JOB, make_job

from checker import drift
from checker.drift.fields import TEACHER
from checker.errors import CheckerError
from checker.model import Job, LoadError, Origin, Waiver, fingerprint

LIVE_ARN = "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/good-ft-job"
KEY = GOOD_JOB["outputModelKmsKeyArn"]
CREATE: dict[str, Any] = {
    "jobName": "good-ft-job",
    "customModelName": "good-model",
    "roleArn": GOOD_JOB["roleArn"],
    "baseModelIdentifier": "amazon.titan-text-lite-v1:0:4k",
    "customModelKmsKeyId": KEY,
    "hyperParameters": {"epochCount": "2", "learningRate": "0.0001"},
    "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
    "validationDataConfig": {"validators": [{"s3Uri": "s3://corp-train/data/val.jsonl"}]},
    "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
    "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
    "jobTags": [{"key": "team", "value": "support"}],
}


def committed(**overrides: Any) -> Job:
    return make_job(CREATE, **overrides)


def live(**overrides: Any) -> Job:
    """The live job as AWS reports it: the Get shape, with its tags and a region of its own."""
    fields: dict[str, Any] = {"jobArn": LIVE_ARN, "tags": {"team": "support"}, **overrides}
    job = make_job(GOOD_JOB, **fields)
    return dataclasses.replace(job, origin=Origin(region="us-east-1", arn=LIVE_ARN))


def drifted(job: Job, live_job: Job) -> list[tuple[str, str, str]]:
    return [(f.rule.id, f.path, f.status.value) for f in drift.compare(job, live_job)]


def test_a_job_launched_from_its_document_has_no_drift() -> None:
    # learningRate ".0001" live and "0.0001" committed: the same number.
    assert drifted(committed(), live()) == []


@pytest.mark.parametrize(
    ("committed_fields", "live_fields", "expected"),
    [
        ({"roleArn": "arn:aws:iam::111122223333:role/Other"}, {}, ("BMC401", "roleArn")),
        ({}, {"outputModelKmsKeyArn": DELETE}, ("BMC402", "outputModelKmsKeyArn")),
        ({"customModelKmsKeyId": DELETE}, {}, ("BMC402", "outputModelKmsKeyArn")),
        ({}, {"vpcConfig.subnetIds": ["subnet-a"]}, ("BMC403", "vpcConfig.subnetIds")),
        ({}, {"vpcConfig": DELETE}, ("BMC403", "vpcConfig")),
        ({}, {"outputDataConfig.s3Uri": "s3://elsewhere/"}, ("BMC404", "outputDataConfig.s3Uri")),
        ({"validationDataConfig": DELETE}, {}, ("BMC404", "validationDataConfig.validators")),
        ({}, {"hyperParameters.epochCount": "5"}, ("BMC405", "hyperParameters.epochCount")),
        ({"hyperParameters.batchSize": "8"}, {}, ("BMC405", "hyperParameters.batchSize")),
        (
            {"baseModelIdentifier": "amazon.titan-text-express-v1"},
            {},
            ("BMC406", "baseModelArn"),
        ),
        ({}, {"tags": {"team": "support", "owner": "me"}}, ("BMC407", "tags.owner")),
        ({"jobTags": [{"key": "team", "value": "claims"}]}, {}, ("BMC407", "tags.team")),
    ],
)
def test_each_field_that_differs_is_one_violation_of_its_rule(
    committed_fields: dict[str, Any], live_fields: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert drifted(committed(**committed_fields), live(**live_fields)) == [(*expected, "violated")]


def test_the_finding_points_at_the_documents_line_and_names_both_values() -> None:
    job = dataclasses.replace(committed(), lines={"roleArn": 7})
    [finding] = drift.compare(job, live(roleArn="arn:aws:iam::111122223333:role/Other"))
    assert finding.line == 7
    assert finding.value == "arn:aws:iam::111122223333:role/Other"
    assert "arn:aws:iam::111122223333:role/Other" in finding.message
    assert GOOD_JOB["roleArn"] in finding.message


def test_placeholders_and_values_known_at_apply_time_are_unknown_not_drift() -> None:
    job = committed(roleArn="arn:aws:iam::{account_id}:role/BedrockFT")
    assert drifted(job, live()) == [("BMC401", "roleArn", "unknown")]
    job = dataclasses.replace(
        committed(),
        document={
            **committed().document,
            "derived": {**committed().document["derived"], "unknown": ["vpcConfig.subnetIds"]},
        },
    )
    assert drifted(job, live(vpcConfig={"subnetIds": ["x"], "securityGroupIds": ["sg-1"]})) == [
        ("BMC403", "vpcConfig.subnetIds", "unknown")
    ]


def test_same_model_and_key_in_other_forms_are_not_drift() -> None:
    # An id without its version suffix names the version AWS resolved; a bare key id its ARN.
    job = committed(
        baseModelIdentifier="amazon.titan-text-lite-v1",
        customModelKmsKeyId=KEY.rsplit("/", 1)[1],
    )
    assert drifted(job, live()) == []
    # A key named by alias may point at another key since: unknown.
    assert drifted(committed(customModelKmsKeyId="alias/models"), live()) == [
        ("BMC402", "outputModelKmsKeyArn", "unknown")
    ]


def test_hyperparameters_only_the_live_job_reports_are_service_defaults() -> None:
    assert drifted(committed(), live(**{"hyperParameters.learningRateWarmupSteps": "0"})) == []


def test_a_teacher_the_response_does_not_report_is_unknown() -> None:
    teacher = {"distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": "a.b-v1"}}}
    job = committed(customizationType="DISTILLATION", customizationConfig=teacher)
    assert drifted(job, live(customizationType="DISTILLATION")) == [("BMC406", TEACHER, "unknown")]
    other = {"distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": "a.c-v1"}}}
    live_job = live(customizationType="DISTILLATION", customizationConfig=other)
    assert drifted(job, live_job) == [("BMC406", TEACHER, "violated")]


def test_terraform_tags_tag_the_custom_model_and_are_not_compared() -> None:
    job = dataclasses.replace(committed(), kind="terraform")
    assert drifted(job, live(tags={"other": "x"})) == []
    assert drift.applies("BMC407", job) is False


# -- Pairing ---------------------------------------------------------------------------------


RULES = drift.select_rules((), (), unmanaged=True)


def pair(committed_jobs: list[Job], live_jobs: list[Job], **kwargs: Any) -> Any:
    return drift.compare_all(
        committed_jobs,
        drift.LiveJobs(live_jobs, kwargs.pop("errors", ())),
        rules=kwargs.pop("rules", RULES),
        default_regions=kwargs.pop("defaults", ("us-east-1",)),
    )


def outcomes(results: Any) -> list[tuple[str, str, list[str]]]:
    return [
        (r.label, r.outcome.value, [f"{f.rule.id}:{f.status.value}" for f in r.findings])
        for r in results
    ]


def test_a_committed_job_without_a_live_job_and_an_unmanaged_live_job() -> None:
    stray = dataclasses.replace(
        live(jobName="notebook-job", jobArn=LIVE_ARN + "x"),
        origin=Origin(region="us-east-1", arn=LIVE_ARN + "x"),
    )
    results = pair([committed(jobName="never-launched")], [stray])
    assert outcomes(results) == [
        ("never-launched", "failed", ["BMC408:violated"]),
        ("notebook-job", "failed", ["BMC409:violated"]),
    ]
    assert results[0].findings[0].message == (
        "no live job never-launched in us-east-1 (account 111122223333)"
    )
    # Without --unmanaged, the live job is not reported.
    rules = drift.select_rules((), (), unmanaged=False)
    assert [r.label for r in pair([committed()], [live(), stray], rules=rules)] == ["good-ft-job"]


def test_a_job_is_paired_in_its_own_region_and_account_only() -> None:
    elsewhere = dataclasses.replace(live(), origin=Origin(region="eu-west-1", arn=LIVE_ARN))
    assert outcomes(pair([committed()], [elsewhere], rules=drift.RULES[:-1])) == [
        ("good-ft-job", "failed", ["BMC408:violated"])
    ]
    other_account = LIVE_ARN.replace("111122223333", "444455556666")
    theirs = dataclasses.replace(
        live(jobArn=other_account), origin=Origin(region="us-east-1", arn=other_account)
    )
    [result] = pair([committed()], [theirs], rules=drift.RULES[:-1])
    assert result.error is not None
    assert "exists in account 444455556666, not in account 111122223333" in result.error.message


def test_a_region_that_could_not_be_read_leaves_its_jobs_uncompared() -> None:
    failure = LoadError(Origin(region="us-east-1"), "cannot list model customization jobs: denied")
    results = pair([committed()], [], errors=[failure])
    assert [r.outcome.value for r in results] == ["errored", "errored"]
    assert "not compared: us-east-1 could not be read" in results[0].error.message


def test_a_job_named_at_run_time_cannot_be_paired() -> None:
    job = committed()
    derived = {**job.document["derived"], "unknown": ["jobName"]}
    job = dataclasses.replace(job, document={**job.document, "derived": derived})
    assert outcomes(pair([job], [live()])) == [
        ("job.json:?", "passed", ["BMC408:unknown"]),
        ("good-ft-job", "failed", ["BMC409:violated"]),
    ]


def test_rule_selection_and_an_unknown_selector() -> None:
    assert [r.id for r in drift.select_rules(("BMC40[1-3]",), (), unmanaged=True)] == [
        "BMC401",
        "BMC402",
        "BMC403",
    ]
    assert "BMC409" not in [r.id for r in drift.select_rules((), (), unmanaged=False)]
    with pytest.raises(CheckerError, match="'BMC9' matches no drift rule"):
        drift.select_rules(("BMC9",), (), unmanaged=False)


# -- The report ------------------------------------------------------------------------------


def test_every_format_agrees_on_a_drift_report() -> None:
    stray = dataclasses.replace(
        live(jobName="notebook-job", jobArn=LIVE_ARN + "x"),
        origin=Origin(region="us-east-1", arn=LIVE_ARN + "x"),
    )
    changed = committed(**{"hyperParameters.epochCount": "3"})
    results = pair(
        [changed, committed(jobName="gone"), committed(roleArn="arn:aws:iam::{a}:role/r")],
        [live(), stray],
        errors=[LoadError(Origin(region="eu-west-1"), "cannot list: denied")],
    )
    waiver = Waiver(
        "BMC409", "launched by the nightly notebook", datetime.date(2099, 1, 1), ("notebook-*",)
    )
    report = drift.build_report(results, rules=RULES, waivers=(waiver,))
    assert report.mode == "drift"
    assert report.exit_code == 3
    summary = report.summary()
    assert (summary["jobs"], summary["failed"], summary["errored"]) == (5, 2, 1)
    assert (summary["findings"], summary["unknown"], summary["waivedFindings"]) == (2, 1, 1)
    expected = expected_counts(report)
    check_json(report, expected)
    check_sarif(report, expected)
    check_junit(report, expected)
    check_markdown(report)
    check_html(report, expected, "nist-800-53")
    check_asff(report)
    check_evidence(report, expected)


def test_fingerprints_stay_the_same_when_the_document_moves_lines() -> None:
    job = committed(**{"hyperParameters.epochCount": "3"})
    moved = dataclasses.replace(job, lines={"hyperParameters.epochCount": 40})
    prints = []
    for version in (job, moved):
        [result] = pair([version], [live()], rules=drift.RULES[:-1])
        prints.append(fingerprint(result, result.findings[0]))
    assert prints[0] == prints[1]
