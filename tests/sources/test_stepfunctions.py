"""Step Functions state machine files: which Task states are jobs, and what each job holds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.state_machines import (
    DELETE,
    INTEGRATION,
    KEY_ARN,
    asl_json,
    definition,
    jobs_of,
    only_job,
    parameters,
    read_text,
)

from checker.model import LoadError
from checker.sources.files import read_bytes


def test_parameters_become_a_create_request_in_the_get_shape() -> None:
    job = only_job(asl_json(parameters()), ".json")
    document = job.document
    assert job.kind == "step-functions"
    assert document["jobName"] == "support-ft-1"
    assert document["outputModelName"] == "support-titan-lite"
    assert document["outputModelKmsKeyArn"] == KEY_ARN
    assert document["vpcConfig"]["subnetIds"][1] == "subnet-0fedcba9876543210"
    assert document["validationDataConfig"]["validators"][0]["s3Uri"].endswith("/val.jsonl")
    assert document["tags"] == {"team": "support"}
    # Hyperparameter names are data, not members: kept as written.
    assert document["hyperParameters"] == {
        "epochCount": "2",
        "batchSize": "1",
        "learningRate": "0.00001",
    }
    assert document["derived"]["format"] == "step-functions"
    assert document["derived"]["account"] == "111122223333"
    assert document["derived"]["region"] == "us-east-1"
    assert document["derived"]["unknown"] == []


def test_metadata_filter_keys_are_kept_and_members_renamed() -> None:
    logs = {
        "InvocationLogsConfig": {
            "UsePromptResponse": True,
            "InvocationLogSource": {"S3Uri": "s3://logs/AWSLogs/"},
            "RequestMetadataFilters": {
                "AndAll": [{"Equals": {"Approved-For-Training": "true"}}],
            },
        }
    }
    job = only_job(asl_json(parameters(TrainingDataConfig=logs)), ".json")
    config = job.document["trainingDataConfig"]["invocationLogsConfig"]
    assert config["invocationLogSource"] == {"s3Uri": "s3://logs/AWSLogs/"}
    assert config["requestMetadataFilters"] == {
        "andAll": [{"equals": {"Approved-For-Training": "true"}}]
    }


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::bedrock:createModelCustomizationJob",
        "arn:aws:states:::bedrock:createModelCustomizationJob.sync",
        "arn:aws-us-gov:states:::bedrock:createModelCustomizationJob.sync",
        "arn:aws:states:::aws-sdk:bedrock:createModelCustomizationJob",
        "arn:${AWS::Partition}:states:::bedrock:createModelCustomizationJob",
    ],
)
def test_the_bedrock_integrations_are_jobs(resource: str) -> None:
    job = only_job(asl_json(parameters(), resource=resource), ".json")
    assert job.resource == "pipeline/CreateJob"


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::bedrock:invokeModel",
        "arn:aws:states:::bedrock:createModelCustomizationJob.waitForTaskToken",
        "arn:aws:states:::aws-sdk:bedrock:getModelCustomizationJob",
        "arn:aws:lambda:us-east-1:111122223333:function:createModelCustomizationJob",
    ],
)
def test_other_tasks_are_not_jobs(resource: str) -> None:
    text = asl_json(parameters(), resource=resource)
    assert read_bytes(text.encode(), "sm.asl.json", explicit=False, suffix=".json") is None
    [error] = read_text(text, ".json")
    assert isinstance(error, LoadError)
    assert error.message.startswith("not a Bedrock model customization job document")


def test_the_job_starts_at_its_state_and_fields_point_at_their_lines() -> None:
    text = asl_json(parameters())
    job = only_job(text, ".json")
    lines = text.splitlines()
    assert lines[job.origin.line - 1].strip() == '"CreateJob": {'
    assert '"RoleArn"' in lines[job.line_of("roleArn") - 1]
    assert '"S3Uri"' in lines[job.line_of("outputDataConfig.s3Uri") - 1]
    assert "subnet-0fedcba9876543210" in lines[job.line_of("vpcConfig.subnetIds.1") - 1]


def test_label_is_the_state_machine_and_state_and_a_run_time_name_is_no_name() -> None:
    text = asl_json(parameters(JobName=DELETE, JobName__S="$.name"), state="Fine Tune")
    items = read_text(text, ".asl.json", shown="pipelines/nightly")
    [job] = items
    assert not isinstance(job, LoadError)
    assert job.label == "nightly/Fine Tune"
    assert job.name is None
    assert job.key == "pipelines/nightly.asl.json:nightly/Fine Tune"


def test_a_state_machine_in_yaml() -> None:
    import yaml

    text = yaml.safe_dump(definition(parameters()), sort_keys=False)
    job = only_job(text, ".yaml")
    assert job.document["roleArn"].startswith("arn:aws:iam::111122223333:")
    assert text.splitlines()[job.origin.line - 1].strip() == "CreateJob:"


def test_values_from_the_state_input_are_unknown() -> None:
    changes: dict[str, Any] = {
        "JobName": DELETE,
        "JobName__S": "$.jobName",
        "OutputDataConfig__S3Uri": DELETE,
        "OutputDataConfig__S3Uri__S": "States.Format('s3://out/{}/', $.team)",
        "JobTags": [{"Key": "team", "Value.$": "$.team"}, {"Key": "env", "Value": "prod"}],
    }
    document = only_job(asl_json(parameters(**changes)), ".json").document
    assert document["derived"]["unknown"] == [
        "derived.dataUris.2",
        "jobName",
        "outputDataConfig.s3Uri",
        "tags.team",
    ]
    assert document["outputDataConfig"] == {"s3Uri": "States.Format('s3://out/{}/', $.team)"}
    assert document["tags"] == {"team": "$.team", "env": "prod"}


def test_jsonata_arguments_and_expressions() -> None:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": INTEGRATION,
        "Arguments": {
            **parameters(),
            "RoleArn": "{% $states.input.roleArn %}",
            "HyperParameters": {"epochCount": "{% $string($states.input.epochs) %}"},
        },
        "End": True,
    }
    text = json.dumps({"QueryLanguage": "JSONata", "StartAt": "Job", "States": {"Job": state}})
    document = only_job(text, ".json").document
    assert document["derived"]["unknown"] == ["hyperParameters.epochCount", "roleArn"]
    assert document["vpcConfig"]["securityGroupIds"] == ["sg-0123456789abcdef0"]


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Task", "Resource": INTEGRATION, "End": True},
        {"Type": "Task", "Resource": INTEGRATION, "Arguments": "{% $states.input %}", "End": True},
    ],
    ids=["no-parameters", "arguments-expression"],
)
def test_a_request_taken_whole_from_the_input_is_all_unknown(state: dict[str, Any]) -> None:
    text = json.dumps({"StartAt": "Job", "States": {"Job": state}})
    document = only_job(text, ".json").document
    unknown = set(document["derived"]["unknown"])
    assert {"jobName", "roleArn", "vpcConfig", "outputModelKmsKeyArn", "baseModelArn"} <= unknown
    assert "customModelName" not in document


def test_deployment_substitutions_are_unknown_and_other_placeholders_unresolved() -> None:
    changes = {
        "RoleArn": "arn:aws:iam::${AccountId}:role/Bedrock",
        "OutputDataConfig__S3Uri": "s3://<OUTPUT_BUCKET>/out/",
    }
    derived = only_job(asl_json(parameters(**changes)), ".json").document["derived"]
    assert derived["unknown"] == ["derived.dataUris.2", "roleArn"]
    assert derived["unresolved"] == ["outputDataConfig.s3Uri"]


def _nested_machine() -> dict[str, Any]:
    def task(name: str) -> dict[str, Any]:
        return {"StartAt": name, "States": definition(parameters(), state=name)["States"]}

    return {
        "StartAt": "Fan",
        "States": {
            "Fan": {"Type": "Parallel", "Branches": [task("InBranch")], "Next": "Each"},
            "Each": {"Type": "Map", "ItemProcessor": task("InMap"), "Next": "Legacy"},
            "Legacy": {"Type": "Map", "Iterator": task("InIterator"), "Next": "Top"},
            "Top": definition(parameters(), state="Top")["States"]["Top"],
        },
    }


def test_nested_states_are_searched() -> None:
    text = json.dumps(_nested_machine(), indent=2)
    jobs = jobs_of(text, ".json")
    assert [job.label for job in jobs] == [
        "pipeline/InBranch",
        "pipeline/InMap",
        "pipeline/InIterator",
        "pipeline/Top",
    ]
    lines = text.splitlines()
    for job in jobs:
        state = job.label.split("/")[1]
        assert lines[job.origin.line - 1].strip() == f'"{state}": {{'


def test_a_state_machine_without_a_job_is_passed_over_in_a_walk() -> None:
    text = asl_json({"FunctionName": "x"}, resource="arn:aws:states:::lambda:invoke")
    assert read_bytes(text.encode(), "sm.json", explicit=False, suffix=".json") is None
