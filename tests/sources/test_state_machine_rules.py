"""The baseline rules on jobs launched by Step Functions, in every form a state machine takes.

Each row is one Task state's Parameters; each is written as an ASL file, a CloudFormation
template, CDK output and Terraform, and must give the same violated and unknown rule ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.state_machines import DELETE, WRITERS, jobs_of, only_job, parameters

from checker.evaluate import evaluate
from checker.model import FindingStatus, Job
from checker.policy import load_policy
from checker.sources.files import read_paths

REPO = Path(__file__).resolve().parents[2]
BASELINE = load_policy(("builtin:baseline",))
OTHER_ROLE = "arn:aws:iam::444455556666:role/BedrockCustomizationRole"


def _outcome(job: Job) -> tuple[set[str], set[str]]:
    [result] = evaluate([job], BASELINE)
    assert result.error is None
    violated = {f.rule.id for f in result.findings if f.status is FindingStatus.VIOLATED}
    unknown = {f.rule.id for f in result.findings if f.status is FindingStatus.UNKNOWN}
    return violated, unknown


# fmt: off
ROWS = [
    pytest.param({}, set(), set(), id="good"),
    pytest.param({"VpcConfig": DELETE}, {"BMC001"}, set(), id="BMC001-no-vpc"),
    pytest.param({"VpcConfig__SubnetIds": ["subnet-0123456789abcdef0"]}, {"BMC002"}, set(),
                 id="BMC002-one-subnet"),
    pytest.param({"CustomModelKmsKeyId": DELETE}, {"BMC003"}, set(), id="BMC003-no-key"),
    pytest.param({"CustomModelKmsKeyId": "alias/models"}, {"BMC004"}, set(), id="BMC004-alias"),
    pytest.param({"RoleArn": OTHER_ROLE, "CustomModelKmsKeyId": DELETE,
                  "BaseModelIdentifier": "amazon.titan-text-lite-v1:0:4k"}, {"BMC003"}, set(),
                 id="BMC003-role-defines-the-account"),
    pytest.param({"OutputDataConfig__S3Uri": "s3://example-ml-training/support/"}, {"BMC006"},
                 set(), id="BMC006-output-over-input"),
    pytest.param({"TrainingDataConfig__S3Uri": "s3://<BUCKET>/train.jsonl"}, {"BMC010"},
                 {"BMC006", "BMC011"}, id="BMC010-placeholder"),
    pytest.param({"ValidationDataConfig__Validators": [
                     {"S3Uri": "s3://example-ml-training/support/train.jsonl"}]},
                 {"BMC011"}, set(), id="BMC011-validation-is-training"),
    # Values set at run time: unknown, never violations.
    pytest.param({"RoleArn": DELETE, "RoleArn__S": "$.roleArn"}, set(), {"BMC005"},
                 id="run-time-role"),
    pytest.param({"VpcConfig": DELETE, "VpcConfig__S": "$.vpc"}, set(), {"BMC001"},
                 id="run-time-vpc"),
    pytest.param({"VpcConfig__SubnetIds": DELETE, "VpcConfig__SubnetIds__S": "$.subnets"},
                 set(), {"BMC001", "BMC002"}, id="run-time-subnets"),
    pytest.param({"OutputDataConfig__S3Uri": DELETE,
                  "OutputDataConfig__S3Uri__S": "States.Format('s3://out/{}/', $.team)"},
                 set(), {"BMC006"}, id="intrinsic-output"),
    pytest.param({"CustomModelKmsKeyId": "{% $states.input.key %}"}, set(), {"BMC004"},
                 id="jsonata-key"),
    pytest.param({"JobName": DELETE, "JobName__S": "$.name"}, set(), set(), id="run-time-name"),
]
# fmt: on


@pytest.mark.parametrize("form", sorted(WRITERS))
@pytest.mark.parametrize(("changes", "violated", "unknown"), ROWS)
def test_baseline_on_state_machine_jobs(
    form: str, changes: dict[str, Any], violated: set[str], unknown: set[str]
) -> None:
    write, suffix = WRITERS[form]
    job = only_job(write(parameters(**changes)), suffix)
    assert _outcome(job) == (violated, unknown)


@pytest.mark.parametrize("form", sorted(WRITERS))
def test_deployment_substitutions_are_unknown_not_placeholders(form: str) -> None:
    """``${...}`` is filled in at deployment (DefinitionSubstitutions, Fn::Sub, Terraform)."""
    write, suffix = WRITERS[form]
    job = only_job(write(parameters(RoleArn="arn:aws:iam::${AccountId}:role/Bedrock")), suffix)
    assert _outcome(job) == (set(), {"BMC005"})
    assert job.document["derived"]["unknown"] == ["roleArn"]
    assert job.document["derived"]["unresolved"] == []


def test_unknown_findings_say_when_the_value_is_known() -> None:
    write, suffix = WRITERS["asl"]
    job = only_job(write(parameters(RoleArn=DELETE, RoleArn__S="$.roleArn")), suffix)
    [result] = evaluate([job], BASELINE)
    [finding] = result.findings
    assert finding.rule.id == "BMC005"
    assert finding.message == (
        "roleArn: cannot decide: roleArn is not known until deployment or run time"
    )


# fmt: off
EXAMPLES = [
    ("failing/fine-tune.asl.json", {"fine-tune/FineTuneTeamModel": ({"BMC002", "BMC004"},
                                                                    {"BMC006", "BMC011"})}),
    ("failing/state-machine.yaml", {
        "TrainingPipeline/DistilClaimsModel": ({"BMC004"}, set()),
        "TrainingPipeline/FineTuneTriageModel": ({"BMC001"}, {"BMC005"}),
    }),
    ("failing/cdk.out/SupportTrainingStack.template.json", {
        "TrainingStateMachine5F2A3C4D/Create Fine-Tuning Job": ({"BMC001", "BMC003"}, set()),
    }),
    ("failing/state-machine.tf", {
        "aws_sfn_state_machine.nightly_ft/Create Nightly Job": ({"BMC001", "BMC006"}, {"BMC011"}),
    }),
    ("passing/fine-tune.asl.json", {"fine-tune/FineTuneClaimsModel": (set(), set())}),
    ("passing/state-machine.yaml", {
        "FaqTrainingStateMachine/PretrainFaqModel": (set(), {"BMC005"}),
    }),
    ("passing/cdk.out/SupportTrainingStack.template.json", {
        "TrainingStateMachine5F2A3C4D/Create Fine-Tuning Job": (set(), set()),
    }),
    ("passing/state-machine.tf", {
        "aws_sfn_state_machine.support_training/FineTuneSupportModel": (set(), {"BMC005"}),
    }),
]
# fmt: on


@pytest.mark.parametrize(("example", "expected"), EXAMPLES, ids=[e for e, _ in EXAMPLES])
def test_state_machine_examples(example: str, expected: dict[str, Any]) -> None:
    items = read_paths([str(REPO / "examples" / example)]).items
    jobs = {item.label: item for item in items if isinstance(item, Job)}
    assert len(jobs) == len(items)
    assert {label: _outcome(job) for label, job in jobs.items()} == expected


def test_every_state_machine_example_is_in_the_table() -> None:
    found = {
        path.relative_to(REPO / "examples").as_posix()
        for folder in ("passing", "failing")
        for path in (REPO / "examples" / folder).rglob("*")
        if path.is_file() and any(j.kind == "step-functions" for j in _jobs(path))
    }
    assert found == {example for example, _ in EXAMPLES}


def _jobs(path: Path) -> list[Job]:
    return [item for item in read_paths([str(path)]).items if isinstance(item, Job)]


def test_two_task_states_are_two_jobs_with_their_own_findings() -> None:
    write, suffix = WRITERS["asl"]
    import json

    document = json.loads(write(parameters()))
    bad = json.loads(write(parameters(VpcConfig=DELETE)))["States"]["CreateJob"]
    document["States"]["CreateJob"]["End"] = False
    document["States"]["CreateJob"]["Next"] = "CreateAnother"
    document["States"]["CreateAnother"] = bad
    jobs = jobs_of(json.dumps(document, indent=2), suffix)
    assert [job.label for job in jobs] == ["pipeline/CreateJob", "pipeline/CreateAnother"]
    assert len({job.key for job in jobs}) == 2
    assert [_outcome(job)[0] for job in jobs] == [set(), {"BMC001"}]
