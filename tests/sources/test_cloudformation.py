"""State machines in CloudFormation and SAM templates, and in CDK output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.state_machines import INTEGRATION, definition, jobs_of, only_job, parameters, read_text

from checker.errors import InputError
from checker.model import LoadError
from checker.sources import cloudformation
from checker.sources.files import read_bytes

TEMPLATE_TAGS = """\
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt MachineRole.Arn
      Other: !GetAtt [MachineRole, Arn]
      Name: !Sub "${AWS::StackName}-training"
      Joined: !Join ["", [a, !Ref Suffix]]
      Picked: !If [IsProd, !Ref Prod, !Ref AWS::NoValue]
      Count: 3
"""


def test_short_form_tags_become_intrinsic_functions() -> None:
    [parsed] = cloudformation.parse_yaml(TEMPLATE_TAGS)
    properties = parsed.data["Resources"]["Machine"]["Properties"]
    assert properties == {
        "RoleArn": {"Fn::GetAtt": ["MachineRole", "Arn"]},
        "Other": {"Fn::GetAtt": ["MachineRole", "Arn"]},
        "Name": {"Fn::Sub": "${AWS::StackName}-training"},
        "Joined": {"Fn::Join": ["", ["a", {"Ref": "Suffix"}]]},
        "Picked": {"Fn::If": ["IsProd", {"Ref": "Prod"}, {"Ref": "AWS::NoValue"}]},
        "Count": 3,
    }
    assert parsed.lines["Resources.Machine.Properties.Joined"] == 8


@pytest.mark.parametrize(
    "text",
    [
        "Resources: !!python/object/apply:os.system [echo]\n"
        "Type: AWS::StepFunctions::StateMachine\n",
        "a: &a [1, 2]\nb: [*a, *a]\nc: AWS::StepFunctions::StateMachine\nd: [\n",
    ],
    ids=["python-tag", "bad-syntax"],
)
def test_templates_are_read_safely(text: str) -> None:
    with pytest.raises(InputError):
        list(cloudformation.parse_yaml(text))
    [error] = read_text(text, ".yaml")
    assert isinstance(error, LoadError)


def _template(properties: dict[str, Any], kind: str = "AWS::StepFunctions::StateMachine") -> str:
    return json.dumps(
        {"Resources": {"Machine": {"Type": kind, "Properties": properties}}}, indent=2
    )


def test_definition_substitutions_literal_are_applied_others_unknown() -> None:
    params = parameters(
        RoleArn="${BedrockRole}",
        OutputDataConfig={"S3Uri": "s3://${OutputBucket}/out/"},
        TrainingDataConfig={"S3Uri": {"Fn::Sub": "s3://${DataBucket}-${AWS::Region}/train/"}},
    )
    properties = {
        "Definition": definition(params),
        "DefinitionSubstitutions": {
            "OutputBucket": "example-ml-output",
            "BedrockRole": {"Fn::GetAtt": ["Role", "Arn"]},
            "DataBucket": "example-ml-training",
        },
    }
    job = only_job(_template(properties), ".json")
    document = job.document
    assert document["outputDataConfig"]["s3Uri"] == "s3://example-ml-output/out/"
    assert document["roleArn"] == "${BedrockRole}"
    assert (
        document["trainingDataConfig"]["s3Uri"] == "s3://example-ml-training-${AWS::Region}/train/"
    )
    assert document["derived"]["unknown"] == [
        "derived.dataUris.0",
        "roleArn",
        "trainingDataConfig.s3Uri",
    ]
    assert job.label == "Machine/CreateJob"


def test_intrinsic_functions_in_a_definition_are_unknown() -> None:
    params = parameters(RoleArn={"Fn::GetAtt": ["Role", "Arn"]}, JobName={"Ref": "JobName"})
    document = only_job(_template({"Definition": definition(params)}), ".json").document
    assert document["roleArn"] == "${Role.Arn}"
    assert document["jobName"] == "${JobName}"
    assert {"roleArn", "jobName"} <= set(document["derived"]["unknown"])


def test_sam_state_machine() -> None:
    properties = {"Definition": definition(parameters())}
    jobs = jobs_of(_template(properties, "AWS::Serverless::StateMachine"), ".json")
    assert [job.label for job in jobs] == ["Machine/CreateJob"]


def test_definition_string_fn_sub_with_its_own_variables() -> None:
    text = json.dumps(definition(parameters(RoleArn="${Role}", JobName="${Name}")))
    properties = {"DefinitionString": {"Fn::Sub": [text, {"Name": "ft-1", "Role": {"Ref": "R"}}]}}
    document = only_job(_template(properties), ".json").document
    assert document["jobName"] == "ft-1"
    assert document["derived"]["unknown"] == ["roleArn"]


def test_a_substitution_outside_a_string_still_parses() -> None:
    text = json.dumps(definition(parameters())).replace('"End": true', '"End": ${IsLast}')
    job = only_job(_template({"DefinitionString": {"Fn::Sub": text}}), ".json")
    assert job.document["jobName"] == "support-ft-1"


def test_an_unreadable_definition_string_is_an_error_naming_the_state_machine() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Resource": "' + INTEGRATION + '"'
    [error] = read_text(_template({"DefinitionString": text}), ".json")
    assert isinstance(error, LoadError)
    assert error.message.startswith("state machine Machine: DefinitionString: invalid JSON")
    assert error.origin.line == 6  # the DefinitionString key


def test_a_definition_in_another_file_is_passed_over() -> None:
    text = _template(
        {"DefinitionS3Location": {"Bucket": "b", "Key": "createModelCustomizationJob"}}
    )
    assert read_bytes(text.encode(), "t.json", explicit=False, suffix=".json") is None


BLOCK = """\
Resources:
  Pipeline:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionString: !Sub |
        {
          "StartAt": "Train",
          "States": {
            "Train": {
              "Type": "Task",
              "Resource": "arn:${AWS::Partition}:states:::bedrock:createModelCustomizationJob",
              "Parameters": {
                "JobName": "ft-1",
                "RoleArn": "arn:aws:iam::${AWS::AccountId}:role/Bedrock"
              },
              "End": true
            }
          }
        }
  Other:
    Type: AWS::SNS::Topic
"""


def test_a_definition_string_block_gives_every_key_its_line() -> None:
    job = only_job(BLOCK, ".yaml")
    assert job.origin.line == 9
    assert job.line_of("roleArn") == 14
    assert job.line_of("jobName") == 13
    assert job.document["derived"]["unknown"] == ["roleArn"]


def test_a_definition_string_on_one_line_points_at_it() -> None:
    text = _template({"DefinitionString": json.dumps(definition(parameters()))})
    job = only_job(text, ".json")
    assert text.splitlines()[5].strip().startswith('"DefinitionString"')
    assert job.origin.line == 6
    assert job.line_of("roleArn") == 6


def test_cdk_output_points_each_state_at_its_piece() -> None:
    first = json.dumps(definition(parameters(), state="First"))[:-2]  # drop the closing "}}"
    second = json.dumps(definition(parameters(JobName="ft-2"), state="Second")["States"])[1:]
    pieces: list[Any] = [
        first.replace("arn:aws:states", "arn:").split("arn:", 1)[0] + "arn:",
        {"Ref": "AWS::Partition"},
        first.split("arn:aws", 1)[1] + ",",
        second + "}",
    ]
    text = _template({"DefinitionString": {"Fn::Join": ["", pieces]}})
    jobs = jobs_of(text, ".template.json")
    assert [(job.label, job.document["jobName"]) for job in jobs] == [
        ("Machine/First", "support-ft-1"),
        ("Machine/Second", "ft-2"),
    ]
    lines = text.splitlines()
    assert '"First' in lines[jobs[0].origin.line - 1]
    assert '"Second' in lines[jobs[1].origin.line - 1]
    assert jobs[0].origin.line != jobs[1].origin.line


def test_a_template_without_state_machines_is_not_read_as_one() -> None:
    text = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {Name: !Ref N}\n"
    assert not cloudformation.is_template_text(text)
    assert read_bytes(text.encode(), "t.yaml", explicit=False, suffix=".yaml") is None
