"""checker/evaluate.py: verdict caching, `when`, error results, finding lines and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.jobs import (
    ALL_BUILTIN,
    DEEP_READ,
    DELETE,
    GOOD_JOB,
    file_policy,
    make_document,
    make_job,
)

from checker import evaluate as evaluate_module
from checker.evaluate import Evaluator, evaluate
from checker.model import (
    FindingStatus,
    Job,
    JobResult,
    LoadError,
    Origin,
    Outcome,
    Severity,
)
from checker.pipeline import Configuration, run
from checker.policy import Policy, load_policy
from checker.sources.files import read_paths

ONE_SUBNET = {"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]}
TWO_SUBNETS = {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]}


def summary(result: JobResult) -> list[tuple[str, str, str, str]]:
    return sorted((f.rule.id, f.status.value, f.path, f.message) for f in result.findings)


@pytest.fixture
def count_validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each real Cerberus validation (cache misses) by the job's name. Validation sees
    only the fields a rule reads, so the name is taken from the job being evaluated."""
    calls: list[str] = []
    evaluating: list[str] = [""]
    real = evaluate_module._validate
    real_job = evaluate_module.Evaluator.evaluate_job

    def counting(validator: Any, document: Any) -> Any:
        calls.append(evaluating[0])
        return real(validator, document)

    def tracking(self: Any, job: Any) -> Any:
        evaluating[0] = job.document.get("jobName")
        return real_job(self, job)

    monkeypatch.setattr(evaluate_module, "_validate", counting)
    monkeypatch.setattr(evaluate_module.Evaluator, "evaluate_job", tracking)
    return calls


# --- the verdict cache ------------------------------------------------------------------------


def test_jobs_sharing_a_vpc_config_share_the_verdict(count_validations: list[str]) -> None:
    policy = load_policy(["builtin:baseline"], select=["BMC002"])
    first = make_job(jobName="first", vpcConfig=ONE_SUBNET)
    second = make_job(jobName="second", vpcConfig=dict(ONE_SUBNET))
    results = evaluate([first, second], policy)
    expected = [
        ("BMC002", "violated", "vpcConfig.subnetIds", "vpcConfig.subnetIds: min length is 2")
    ]
    assert [summary(r) for r in results] == [expected, expected]
    # BMC002's schema ran for the first job only; its `when` (a plain type check) is decided
    # by the precheck, without Cerberus.
    assert count_validations == ["first"]
    assert results[1].findings[0].rule is results[0].findings[0].rule


def test_validation_sees_the_placeholder_values_the_rule_reports() -> None:
    # BMC010 reads derived.unresolved only; Cerberus is given the fields a rule reads, and the
    # placeholders' own fields must come with it for the message to quote their values.
    policy = load_policy(["builtin:baseline"], select=["BMC010"])
    jobs = [make_job(jobName=name, roleArn="arn:aws:iam::{account_id}:role/x") for name in "ab"]
    message = (
        "derived.unresolved.0: roleArn holds an unresolved placeholder: "
        "'arn:aws:iam::{account_id}:role/x'"
    )
    for result in evaluate(jobs, policy):
        assert [(f.rule.id, f.message) for f in result.findings] == [("BMC010", message)]


def test_the_cache_does_not_leak_a_finding_to_a_different_value(
    count_validations: list[str],
) -> None:
    policy = load_policy(["builtin:baseline"], select=["BMC002"])
    jobs = [
        make_job(jobName="a", vpcConfig=ONE_SUBNET),
        make_job(jobName="b", vpcConfig=TWO_SUBNETS),
        make_job(jobName="c", vpcConfig=ONE_SUBNET),
    ]
    results = evaluate(jobs, policy)
    assert [[f.rule.id for f in r.findings] for r in results] == [["BMC002"], [], ["BMC002"]]
    assert count_validations == ["a", "b"]  # the schema once per distinct vpcConfig


def test_the_cache_keys_on_the_jobs_own_account() -> None:
    # Same roleArn, different job accounts: BMC005 reads derived.account, not only roleArn.
    policy = load_policy(["builtin:baseline"], select=["BMC005"])
    own = make_job()
    foreign = make_job(
        jobArn="arn:aws:bedrock:us-east-1:444455556666:model-customization-job/x/abc",
        outputModelArn="arn:aws:bedrock:us-east-1:444455556666:custom-model/x/abc",
    )
    results = evaluate([own, foreign, own], policy)
    assert [summary(r) for r in results] == [
        [],
        [
            (
                "BMC005",
                "violated",
                "roleArn",
                "roleArn: account '111122223333' differs from the job's account '444455556666'",
            )
        ],
        [],
    ]


def test_the_cache_keys_on_the_path_named_by_minlength_of() -> None:
    policy = load_policy(["builtin:promotion"], select=["BMC103"])
    one = make_job()
    two = make_job(
        validationDataConfig={"validators": [{"s3Uri": "s3://a/1"}, {"s3Uri": "s3://a/2"}]}
    )
    results = evaluate([one, two], policy)
    assert [[f.message for f in r.findings] for r in results] == [
        [],
        ["validationMetrics: has 1 entries, validationDataConfig.validators has 2"],
    ]


def test_the_cache_does_not_leak_a_placeholder_value_between_jobs() -> None:
    policy = load_policy(["builtin:baseline"], select=["BMC010"])
    first = make_job(roleArn="arn:aws:iam::{account_id}:role/a")
    second = make_job(roleArn="arn:aws:iam::<ACCOUNT>:role/b")
    results = evaluate([first, second], policy)
    [[one], [two]] = [r.findings for r in results]
    assert one.message.endswith("'arn:aws:iam::{account_id}:role/a'")
    assert two.message.endswith("'arn:aws:iam::<ACCOUNT>:role/b'")
    assert (one.value, two.value) == (
        "'arn:aws:iam::{account_id}:role/a'",
        "'arn:aws:iam::<ACCOUNT>:role/b'",
    )


def test_an_evaluator_reused_across_calls_gives_the_same_results() -> None:
    evaluator = Evaluator(file_policy(ALL_BUILTIN))
    jobs = [make_job(vpcConfig=ONE_SUBNET), make_job(hyperParameters={"epochCount": 9})]
    first = [summary(r) for r in evaluator.evaluate(jobs)]
    second = [summary(r) for r in evaluator.evaluate(list(reversed(jobs)))]
    assert first == list(reversed(second))
    assert [sorted({f[0] for f in s}) for s in first] == [["BMC002"], ["BMC201", "BMC204"]]


# --- when -------------------------------------------------------------------------------------


@pytest.fixture
def distillation_naming(tmp_path: Path) -> Policy:
    policy_file = tmp_path / "naming.yaml"
    policy_file.write_text(
        "rules:\n"
        "  - id: ORG100\n"
        "    title: Distillation jobs are named d-*\n"
        "    description: Naming convention.\n"
        "    severity: warning\n"
        "    when:\n"
        "      derived:\n"
        "        type: dict\n"
        "        schema:\n"
        "          customizationType: {allowed: [DISTILLATION]}\n"
        "    schema:\n"
        "      jobName: {type: string, glob: 'd-*'}\n",
        encoding="utf-8",
    )
    return load_policy([str(policy_file)])


@pytest.mark.parametrize(
    ("customization_type", "name", "expected"),
    [
        (None, "ft-job", []),  # FINE_TUNING when absent: not about this job
        ("FINE_TUNING", "ft-job", []),
        ("DISTILLATION", "ft-job", ["jobName: 'ft-job' matches none of: d-*"]),
        ("DISTILLATION", "d-job", []),
    ],
)
def test_when_decides_which_jobs_a_rule_is_about(
    distillation_naming: Policy, customization_type: str | None, name: str, expected: list[str]
) -> None:
    job = make_job(jobName=name, customizationType=customization_type or DELETE)
    [result] = evaluate([job], distillation_naming)
    assert [f.message for f in result.findings] == expected


def test_builtin_when_skips_jobs_without_invocation_logs() -> None:
    policy = load_policy(["builtin:baseline"], select=["BMC007"])
    logs = {"invocationLogsConfig": {"invocationLogSource": {"s3Uri": "s3://logs/x/"}}}
    results = evaluate([make_job(), make_job(trainingDataConfig=logs)], policy)
    assert [[f.path for f in r.findings] for r in results] == [
        [],
        ["trainingDataConfig.invocationLogsConfig.requestMetadataFilters"],
    ]


# --- a failing rule becomes an error result ----------------------------------------------------


def test_a_rule_raising_unexpectedly_errors_that_job_only(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = load_policy(["builtin:baseline"])
    bmc003 = next(c for c in policy.compiled if c.rule.id == "BMC003")
    real = bmc003.validator.validate

    def flaky(document: Any, *args: Any, **kwargs: Any) -> Any:
        # The validator sees the fields BMC003 reads: the broken job's own key.
        if document.get("outputModelKmsKeyArn") == "arn:aws:kms:us-east-1:111122223333:key/x":
            raise RuntimeError("validator exploded")
        return real(document, *args, **kwargs)

    monkeypatch.setattr(bmc003.validator, "validate", flaky)
    broken = make_job(
        jobName="broken", outputModelKmsKeyArn="arn:aws:kms:us-east-1:111122223333:key/x"
    )
    fine = make_job(jobName="fine", vpcConfig=ONE_SUBNET)
    unreadable = LoadError(Origin(path="bad.json", line=3), "invalid JSON")
    report = run(Configuration(policy), [broken, fine, unreadable])
    results = report.results

    assert [r.outcome for r in results] == [Outcome.ERRORED, Outcome.FAILED, Outcome.ERRORED]
    error = results[0].error
    assert error is not None and results[0].job is None and results[0].findings == ()
    assert error.message == "could not be evaluated: RuntimeError: validator exploded"
    assert error.origin.path == "job.json"
    assert error.origin.arn == broken.arn
    assert results[0].key == broken.arn
    assert [f.rule.id for f in results[1].findings] == ["BMC002"]
    assert results[2].error is unreadable
    assert report.exit_code == 3
    assert report.summary()["errored"] == 2


# --- finding lines ----------------------------------------------------------------------------


def test_finding_lines_come_from_the_source_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    document = make_document(
        vpcConfig=ONE_SUBNET,
        hyperParameters={"epochCount": "2", "batchSize": "99", "learningRate": ".0001"},
        outputDataConfig={"s3Uri": "s3://<YOUR_BUCKET>/out/"},
        outputModelKmsKeyArn=DELETE,
    )
    text = json.dumps(document, indent=2)
    (tmp_path / "job.json").write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        [number] = [i for i, line in enumerate(lines, start=1) if fragment in line]
        return number

    [job] = read_paths(["job.json"]).items
    assert isinstance(job, Job)
    [result] = evaluate([job], file_policy(ALL_BUILTIN))
    found = {(f.rule.id, f.path): f.line for f in result.findings}
    assert found == {
        ("BMC002", "vpcConfig.subnetIds"): line_of('"subnetIds"'),
        ("BMC003", "outputModelKmsKeyArn"): 1,  # absent: the job's own line
        ("BMC010", "derived.unresolved.0"): line_of("<YOUR_BUCKET>"),
        ("BMC203", "hyperParameters.batchSize"): line_of('"batchSize"'),
        # The output location holds a placeholder: overlap cannot be judged.
        ("BMC006", "outputDataConfig.s3Uri"): line_of("<YOUR_BUCKET>"),
    }
    assert line_of('"subnetIds"') > 1 and line_of('"batchSize"') > 1
    assert {f.rule.id for f in result.findings if f.status is FindingStatus.UNKNOWN} == {"BMC006"}


def test_finding_lines_use_the_nearest_known_ancestor() -> None:
    raw = make_job(vpcConfig=ONE_SUBNET)
    job = Job(raw.document, Origin(path="jobs.yaml", line=40), raw.kind, {"vpcConfig": 47})
    [result] = evaluate([job], load_policy(["builtin:baseline"]))
    assert [(f.rule.id, f.path, f.line) for f in result.findings] == [
        ("BMC002", "vpcConfig.subnetIds", 47)
    ]
    bare = Job(raw.document, Origin(path="jobs.yaml", line=40), raw.kind, {})
    [result] = evaluate([bare], load_policy(["builtin:baseline"]))
    assert [f.line for f in result.findings] == [40]


# --- unknown findings and the exit code -------------------------------------------------------


@pytest.mark.parametrize("fail_on", [Severity.ERROR, Severity.WARNING, Severity.NOTE])
def test_unknown_findings_never_fail_a_run(fail_on: Severity) -> None:
    policy = load_policy(ALL_BUILTIN, skip=["BMC010", *sorted(DEEP_READ)])
    image = make_job(
        baseModelArn="arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-image-generator-v1:0",
        hyperParameters={"stepCount": "8000", "batchSize": "8", "learningRate": "0.00001"},
    )
    placeholder = make_job(roleArn="arn:aws:iam::{account_id}:role/x")
    report = run(Configuration(policy, fail_on=fail_on), [image, placeholder])
    results = report.results
    statuses = [sorted((f.rule.id, f.status.value) for f in r.findings) for r in results]
    assert statuses == [
        [("BMC202", "unknown"), ("BMC203", "unknown")],
        [("BMC005", "unknown")],
    ]
    assert all(f.severity is Severity.NOTE for r in results for f in r.findings)
    assert [r.outcome for r in results] == [Outcome.PASSED, Outcome.PASSED]
    assert report.failing() == []
    assert report.exit_code == 0
    assert report.summary()["unknown"] == 3
    assert report.summary()["findings"] == 0


def test_a_violation_beside_an_unknown_still_fails() -> None:
    policy = file_policy(ALL_BUILTIN)
    job = make_job(roleArn="arn:aws:iam::{account_id}:role/x")
    report = run(Configuration(policy, fail_on=Severity.ERROR), [job])
    assert [f.rule.id for f in report.failing()] == ["BMC010"]
    assert report.exit_code == 1


def test_a_verdict_shared_by_skeleton_reports_each_jobs_own_value() -> None:
    # BMC002 reads only the shape of vpcConfig, so both jobs share one cached verdict; each
    # finding must still show its own job's subnet.
    first = make_job(vpcConfig={"subnetIds": ["subnet-first"], "securityGroupIds": ["sg-1"]})
    second = make_job(vpcConfig={"subnetIds": ["subnet-second"], "securityGroupIds": ["sg-1"]})
    results = evaluate([first, second], load_policy(["builtin:baseline"]))
    values = [[f.value for f in r.findings if f.rule.id == "BMC002"] for r in results]
    assert values == [["['subnet-first']"], ["['subnet-second']"]]


def test_verdicts_do_not_depend_on_job_order_when_facts_come_from_other_fields() -> None:
    # Same grader Lambda and region, but the create request (no key, base model by id) knows
    # its region only from that Lambda: BMC008 is unknown for it and passes for the Get
    # response, in either order.
    grader = "arn:aws:lambda:us-east-1:111122223333:function:grader"
    rft = {
        "customizationType": "REINFORCEMENT_FINE_TUNING",
        "customizationConfig": {
            "rftConfig": {"graderConfig": {"lambdaGrader": {"lambdaArn": grader}}}
        },
    }
    get_response = make_job(**rft)
    request = make_job(
        {
            "jobName": "req",
            "customModelName": "m",
            "roleArn": GOOD_JOB["roleArn"],
            "baseModelIdentifier": "amazon.nova-lite-v1:0:300k",
            "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
            "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
            "vpcConfig": GOOD_JOB["vpcConfig"],
            **rft,
        }
    )
    policy = load_policy(["builtin:baseline"])

    def bmc008(results: list[JobResult]) -> list[list[str]]:
        return [[f.status.value for f in r.findings if f.rule.id == "BMC008"] for r in results]

    assert bmc008(evaluate([get_response, request], policy)) == [[], ["unknown"]]
    assert bmc008(evaluate([request, get_response], policy)) == [["unknown"], []]
