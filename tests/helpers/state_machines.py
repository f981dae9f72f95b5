"""Builders for jobs launched by Step Functions: one Task state's Parameters, written as an ASL
file, a CloudFormation template (YAML), CDK output (JSON with ``Fn::Join``) or Terraform."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from checker.model import Job, LoadError
from checker.sources.files import read_bytes

INTEGRATION = "arn:aws:states:::bedrock:createModelCustomizationJob.sync"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FOUNDATION = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1:0:4k"
ROLE = "arn:aws:iam::111122223333:role/service-role/BedrockCustomizationRole"

# A Task state's Parameters (PascalCase, as Step Functions spells them) that pass the baseline.
GOOD_PARAMETERS: dict[str, Any] = {
    "JobName": "support-ft-1",
    "CustomModelName": "support-titan-lite",
    "RoleArn": ROLE,
    "BaseModelIdentifier": FOUNDATION,
    "CustomModelKmsKeyId": KEY_ARN,
    "HyperParameters": {"epochCount": "2", "batchSize": "1", "learningRate": "0.00001"},
    "TrainingDataConfig": {"S3Uri": "s3://example-ml-training/support/train.jsonl"},
    "ValidationDataConfig": {
        "Validators": [{"S3Uri": "s3://example-ml-training/support/val.jsonl"}]
    },
    "OutputDataConfig": {"S3Uri": "s3://example-ml-output/support/"},
    "VpcConfig": {
        "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
    },
    "JobTags": [{"Key": "team", "Value": "support"}],
}
DELETE = object()


def parameters(**changes: Any) -> dict[str, Any]:
    """GOOD_PARAMETERS with changes at dotted paths (``VpcConfig__SubnetIds``); DELETE removes.
    A key written with a ``__S`` suffix ends in ``.$`` (``JobName__S`` -> ``JobName.$``)."""
    document = copy.deepcopy(GOOD_PARAMETERS)
    for dotted, value in changes.items():
        parts: list[str] = []
        for part in dotted.split("__"):
            if part == "S":
                parts[-1] += ".$"
            else:
                parts.append(part)
        node = document
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return document


def definition(
    params: dict[str, Any], *, state: str = "CreateJob", resource: str = INTEGRATION
) -> dict[str, Any]:
    return {
        "StartAt": state,
        "States": {
            state: {"Type": "Task", "Resource": resource, "Parameters": params, "End": True}
        },
    }


def asl_json(params: dict[str, Any], **options: Any) -> str:
    return json.dumps(definition(params, **options), indent=2)


def cloudformation_yaml(params: dict[str, Any], **options: Any) -> str:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Pipeline": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"Definition": definition(params, **options)},
            }
        },
    }
    return yaml.safe_dump(template, sort_keys=False)


def cdk_template(params: dict[str, Any], **options: Any) -> str:
    """As CDK writes it: DefinitionString joined from pieces, the partition a ``Ref``."""
    text = json.dumps(definition(params, **options), separators=(",", ":"))
    before, after = text.split("arn:aws:states:::", 1)
    pieces = [before + "arn:", {"Ref": "AWS::Partition"}, ":states:::" + after]
    template = {
        "Resources": {
            "PipelineStateMachine1A2B3C4D": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"DefinitionString": {"Fn::Join": ["", pieces]}},
            }
        }
    }
    return json.dumps(template, indent=1)


def _hcl(value: Any, indent: int) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        body = "".join(f'{pad}  "{k}" = {_hcl(v, indent + 1)}\n' for k, v in value.items())
        return "{\n" + body + pad + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(item, indent) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith("tf:"):
        return value[3:]  # a Terraform expression, written bare
    return json.dumps(value)


def terraform_jsonencode(params: dict[str, Any], **options: Any) -> str:
    """``definition = jsonencode({...})``; a string value ``tf:EXPR`` is the expression EXPR."""
    body = _hcl(definition(params, **options), 1)
    return (
        'resource "aws_sfn_state_machine" "pipeline" {\n'
        '  name = "pipeline"\n'
        f"  definition = jsonencode({body})\n"
        "}\n"
    )


WRITERS = {
    "asl": (asl_json, ".json"),
    "cloudformation": (cloudformation_yaml, ".yaml"),
    "cdk": (cdk_template, ".json"),
    "terraform": (terraform_jsonencode, ".tf"),
}


def read_text(text: str, suffix: str, shown: str = "pipeline") -> list[Job | LoadError]:
    items = read_bytes(text.encode("utf-8"), shown + suffix, explicit=True, suffix=suffix)
    assert items is not None
    return items


def jobs_of(text: str, suffix: str) -> list[Job]:
    items = read_text(text, suffix)
    assert all(isinstance(item, Job) for item in items), items
    return [item for item in items if isinstance(item, Job)]


def only_job(text: str, suffix: str) -> Job:
    [job] = jobs_of(text, suffix)
    return job
