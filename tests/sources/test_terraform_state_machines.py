"""Terraform aws_sfn_state_machine: jobs in a definition written with jsonencode() or as text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.state_machines import (
    DELETE,
    asl_json,
    jobs_of,
    only_job,
    parameters,
    read_text,
    terraform_jsonencode,
)

from checker.model import Job, LoadError
from checker.sources.files import read_bytes

MIXED = """\
variable "subnets" {}

resource "aws_bedrock_custom_model" "direct" {
  custom_model_name     = "direct-model"
  job_name              = "direct-job"
  base_model_identifier = "amazon.titan-text-express-v1"
  role_arn              = "arn:aws:iam::111122223333:role/BedrockFT"
  output_data_config {
    s3_uri = "s3://corp-out/jobs/"
  }
  training_data_config {
    s3_uri = "s3://corp-train/data/train.jsonl"
  }
}

resource "aws_sfn_state_machine" "training" {
  name     = "training"
  role_arn = aws_iam_role.sfn.arn

  definition = jsonencode({
    StartAt = "Create Job"
    States = {
      "Create Job" = {
        Type     = "Task"
        Resource = "arn:aws:states:::bedrock:createModelCustomizationJob.sync"
        Parameters = {
          "JobName.$"         = "$.jobName"
          CustomModelName     = "pipeline-model"
          RoleArn             = aws_iam_role.bedrock.arn
          BaseModelIdentifier = "amazon.titan-text-express-v1"
          OutputDataConfig    = { S3Uri = "s3://${aws_s3_bucket.out.id}/jobs/" }
          TrainingDataConfig  = { S3Uri = "s3://corp-train/data/train.jsonl" }
          VpcConfig = {
            SubnetIds        = ["subnet-a", var.extra_subnet]
            SecurityGroupIds = var.security_groups
          }
        }
        End = true
      }
    }
  })
}
"""


def test_custom_models_and_state_machines_in_one_file() -> None:
    items = read_text(MIXED, ".tf", shown="main")
    labels = [(item.kind, item.label, item.origin.line) for item in items if isinstance(item, Job)]
    assert labels == [
        ("terraform", "direct-job", 3),
        ("step-functions", "aws_sfn_state_machine.training/Create Job", 23),
    ]


def test_a_jsonencode_definition_keeps_lines_and_marks_expressions_unknown() -> None:
    [_, job] = jobs_of(MIXED, ".tf")
    document = job.document
    assert document["outputModelName"] == "pipeline-model"
    assert document["vpcConfig"]["subnetIds"] == ["subnet-a", "${var.extra_subnet}"]
    assert document["derived"]["unknown"] == [
        "derived.dataUris.1",
        "jobName",
        "outputDataConfig.s3Uri",
        "roleArn",
        "vpcConfig.securityGroupIds",
        "vpcConfig.subnetIds.1",
    ]
    assert job.line_of("roleArn") == 29
    assert job.line_of("jobName") == 27
    assert job.line_of("outputDataConfig.s3Uri") == 31
    assert job.line_of("vpcConfig.securityGroupIds") == 35
    assert job.resource == "aws_sfn_state_machine.training/Create Job"
    assert job.name is None


def test_generated_definitions_match_their_parameters() -> None:
    job = only_job(terraform_jsonencode(parameters(RoleArn="tf:aws_iam_role.x.arn")), ".tf")
    assert job.document["roleArn"] == "${aws_iam_role.x.arn}"
    assert job.document["tags"] == {"team": "support"}
    assert job.document["derived"]["unknown"] == ["roleArn"]


HEREDOC = """\
resource "aws_sfn_state_machine" "nightly" {
  name       = "nightly"
  definition = <<-EOT
    {
      "StartAt": "Train",
      "States": {
        "Train": {
          "Type": "Task",
          "Resource": "arn:aws:states:::bedrock:createModelCustomizationJob",
          "Parameters": {
            "JobName": "nightly",
            "RoleArn": "${aws_iam_role.bedrock.arn}",
            "MaxRetries": ${var.retries}
          },
          "End": true
        }
      }
    }
  EOT
}
"""


def test_a_heredoc_definition_gives_every_key_its_line() -> None:
    job = only_job(HEREDOC, ".tf")
    assert job.origin.line == 7
    assert job.line_of("roleArn") == 12
    assert job.document["jobName"] == "nightly"
    assert job.document["derived"]["unknown"] == ["maxRetries", "roleArn"]


def test_a_string_definition_points_at_the_definition() -> None:
    text = (
        'resource "aws_sfn_state_machine" "s" {\n'
        '  definition = "{\\"StartAt\\": \\"T\\", \\"States\\": {\\"T\\": {\\"Type\\": \\"Task\\", '
        '\\"Resource\\": \\"arn:aws:states:::bedrock:createModelCustomizationJob\\", '
        '\\"Parameters\\": {\\"JobName\\": \\"s\\"}, \\"End\\": true}}}"\n'
        "}\n"
    )
    job = only_job(text, ".tf")
    assert (job.label, job.origin.line, job.line_of("jobName")) == (
        "aws_sfn_state_machine.s/T",
        2,
        2,
    )


@pytest.mark.parametrize(
    "definition",
    [
        'templatefile("${path.module}/createModelCustomizationJob.asl.json", {})',
        "var.createModelCustomizationJob_definition",
        'jsonencode({ Comment = "createModelCustomizationJob", StartAt = "A", States = {} })',
    ],
)
def test_a_definition_this_file_does_not_hold_has_no_job(definition: str) -> None:
    text = f'resource "aws_sfn_state_machine" "s" {{\n  definition = {definition}\n}}\n'
    assert read_bytes(text.encode(), "s.tf", explicit=False, suffix=".tf") is None


def test_an_unreadable_heredoc_is_an_error_naming_the_resource() -> None:
    text = HEREDOC.replace('"End": true', '"End": true,,')
    [error] = read_text(text, ".tf")
    assert isinstance(error, LoadError)
    assert error.message.startswith("aws_sfn_state_machine.nightly: definition: invalid JSON")
    assert error.origin.line == 3


# --- the JSON forms: .tf.json (CDK for Terraform writes it) and `terraform show -json` --------


def _tf_json(definition_text: Any, *, as_arrays: bool = False) -> str:
    machine = {"name": "pipeline", "definition": definition_text}
    model = {
        "custom_model_name": "direct-model",
        "job_name": "direct-job",
        "base_model_identifier": "amazon.titan-text-express-v1",
        "role_arn": "arn:aws:iam::111122223333:role/BedrockFT",
    }
    if as_arrays:
        resources: Any = [
            {"aws_sfn_state_machine": [{"pipeline": [machine]}]},
            {"aws_bedrock_custom_model": [{"direct": [model]}]},
        ]
    else:
        resources = {
            "aws_sfn_state_machine": {"pipeline": machine},
            "aws_bedrock_custom_model": {"direct": model},
        }
    return json.dumps({"resource": resources}, indent=2)


@pytest.mark.parametrize("as_arrays", [False, True], ids=["objects", "arrays"])
def test_a_tf_json_state_machine_gives_its_jobs(as_arrays: bool) -> None:
    text = _tf_json(asl_json(parameters(JobName="from-tf-json")), as_arrays=as_arrays)
    items = read_text(text, ".tf.json")
    jobs = {item.label: item for item in items if isinstance(item, Job)}
    assert sorted(jobs) == ["aws_sfn_state_machine.pipeline/CreateJob", "direct-job"]
    machine_job = jobs["aws_sfn_state_machine.pipeline/CreateJob"]
    assert machine_job.document["jobName"] == "from-tf-json"
    # The definition is one JSON string: its job is at the line of "definition".
    definition_line = next(
        n for n, line in enumerate(text.splitlines(), 1) if '"definition":' in line
    )
    assert machine_job.origin.line == definition_line


def test_a_tf_json_definition_that_is_not_json_is_an_error_naming_the_resource() -> None:
    text = _tf_json('{"StartAt": "x", "States": {"x": "createModelCustomizationJob"')
    errors = [item for item in read_text(text, ".tf.json") if isinstance(item, LoadError)]
    assert [e.message.split(":")[0] for e in errors] == ["aws_sfn_state_machine.pipeline"]


def _plan(definition_text: Any, *, unknown: bool = False) -> str:
    after: dict[str, Any] = {"name": "pipeline"}
    if not unknown:
        after["definition"] = definition_text
    return json.dumps(
        {
            "format_version": "1.2",
            "resource_changes": [
                {
                    "address": "module.ml.aws_sfn_state_machine.pipeline",
                    "type": "aws_sfn_state_machine",
                    "change": {
                        "actions": ["create"],
                        "after": after,
                        "after_unknown": {"definition": True} if unknown else {},
                    },
                }
            ],
        },
        indent=2,
    )


def test_a_planned_state_machine_gives_its_jobs() -> None:
    params = parameters(JobName="planned", VpcConfig=DELETE)
    job = only_job(_plan(asl_json(params)), ".json")
    assert job.label == "module.ml.aws_sfn_state_machine.pipeline/CreateJob"
    assert job.document["jobName"] == "planned"
    assert "vpcConfig" not in job.document


def test_a_definition_known_only_after_apply_gives_no_job() -> None:
    """Nothing in the plan says what the machine will launch: a file named on the command line
    is then no job document (a walk passes it over, as it holds no marker)."""
    [error] = read_text(_plan(None, unknown=True), ".json")
    assert isinstance(error, LoadError)
    assert error.message.startswith("not a Bedrock model customization job document")
