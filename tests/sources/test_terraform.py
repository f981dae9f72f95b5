"""Terraform aws_bedrock_custom_model: .tf (HCL), .tf.json, and `terraform show -json` output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.jobs import KEY_ARN

from checker import normalize
from checker.evaluate import evaluate
from checker.model import FindingStatus, Job, LoadError, Outcome
from checker.policy import load_policy
from checker.sources.files import read_file, read_paths

MAIN_TF = """\
variable "role_arn" {}

resource "aws_s3_bucket" "output" {
  bucket = "corp-out"
}

resource "aws_bedrock_custom_model" "example" {
  custom_model_name       = "example-model"
  job_name                = "example-job-1"
  base_model_identifier   = "amazon.titan-text-express-v1"
  role_arn                = "arn:aws:iam::111122223333:role/service-role/BedrockFT"
  customization_type      = "FINE_TUNING"
  custom_model_kms_key_id = "@KEY_ARN@"

  hyperparameters = {
    "epochCount"              = "2"
    "batchSize"               = 1
    "learningRate"            = "0.00001"
    "learningRateWarmupSteps" = "0"
  }

  output_data_config {
    s3_uri = "s3://corp-out/jobs/"
  }

  training_data_config {
    s3_uri = "s3://corp-train/data/train.jsonl"
  }

  validation_data_config {
    validator {
      s3_uri = "s3://corp-train/data/val.jsonl"
    }
    validator {
      s3_uri = "s3://corp-train/data/val2.jsonl"
    }
  }

  vpc_config {
    subnet_ids         = ["subnet-a", "subnet-b"]
    security_group_ids = ["sg-1"]
  }

  tags = {
    team = "ml"
  }
}
""".replace("@KEY_ARN@", KEY_ARN)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path, so that reports show paths relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _only_job(items: list[Job | LoadError] | None) -> Job:
    assert items is not None
    [job] = items
    assert isinstance(job, Job), job
    return job


def _statuses(job: Job, policies: tuple[str, ...] = ("builtin:baseline",)) -> dict[str, str]:
    [result] = evaluate([job], load_policy(policies))
    return {f.rule.id: f.status.value for f in result.findings}


# ---------------------------------------------------------------------------------------------
# .tf files


def test_hcl_resource_becomes_a_get_shaped_job(in_tmp: Path, write_file) -> None:
    job = _only_job(read_file(write_file("main.tf", MAIN_TF), explicit=True))

    assert job.kind == normalize.TERRAFORM
    assert job.resource == "aws_bedrock_custom_model.example"
    assert (job.origin.path, job.origin.line) == ("main.tf", 7)
    document = job.document
    assert document["jobName"] == "example-job-1"
    assert document["outputModelName"] == "example-model"
    assert document["roleArn"] == "arn:aws:iam::111122223333:role/service-role/BedrockFT"
    assert document["outputModelKmsKeyArn"] == KEY_ARN
    assert document["vpcConfig"] == {
        "subnetIds": ["subnet-a", "subnet-b"],
        "securityGroupIds": ["sg-1"],
    }
    assert document["validationDataConfig"] == {
        "validators": [
            {"s3Uri": "s3://corp-train/data/val.jsonl"},
            {"s3Uri": "s3://corp-train/data/val2.jsonl"},
        ]
    }
    assert document["outputDataConfig"] == {"s3Uri": "s3://corp-out/jobs/"}
    assert document["tags"] == {"team": "ml"}
    # hyperparameters is map(string): the bare number 1 is the string "1"
    assert document["hyperParameters"]["batchSize"] == "1"
    assert document["hyperParameters"]["epochCount"] == "2"
    derived = document["derived"]
    assert (derived["account"], derived["region"], derived["kmsKeyForm"]) == (
        "111122223333",
        "us-east-1",
        "key-arn",
    )
    assert derived["baseModelFamily"] == "titan-text-lite-express"
    assert derived["unknown"] == []
    assert derived["unresolved"] == []


def test_hcl_attribute_lines_point_at_the_attribute(in_tmp: Path, write_file) -> None:
    job = _only_job(read_file(write_file("main.tf", MAIN_TF), explicit=True))

    expected = {
        "outputModelName": 8,
        "jobName": 9,
        "baseModelArn": 10,
        "roleArn": 11,
        "customizationType": 12,
        "outputModelKmsKeyArn": 13,
        "hyperParameters": 15,
        "hyperParameters.batchSize": 17,
        "outputDataConfig.s3Uri": 23,
        "trainingDataConfig": 26,
        "trainingDataConfig.s3Uri": 27,
        "validationDataConfig": 30,
        "validationDataConfig.validators.0.s3Uri": 32,
        "validationDataConfig.validators.1.s3Uri": 35,
        "vpcConfig": 39,
        "vpcConfig.subnetIds": 40,
        "vpcConfig.securityGroupIds": 41,
        "tags": 44,
    }
    assert {path: job.line_of(path) for path in expected} == expected
    assert job.line_of("derived.dataUris.0") == 27  # training, the first data URI


def test_hcl_findings_point_at_the_offending_line(in_tmp: Path, write_file) -> None:
    text = MAIN_TF.replace('["subnet-a", "subnet-b"]', '["subnet-a"]')
    job = _only_job(read_file(write_file("main.tf", text), explicit=True))

    [result] = evaluate([job], load_policy(("builtin:baseline",)))

    # The base model is a bare id, so the KMS key ARN gives the job its region: BMC004 judges
    # the key's form and passes.
    assert [(f.rule.id, f.status, f.path, f.line) for f in result.findings] == [
        ("BMC002", FindingStatus.VIOLATED, "vpcConfig.subnetIds", 40),
    ]


def test_blank_lines_and_comments_with_braces_do_not_shift_lines(in_tmp: Path, write_file) -> None:
    text = """\
resource "aws_s3_bucket" "b" {
  bucket = "x"
}


resource "aws_bedrock_custom_model" "first" {
  job_name              = "first-job" // a trailing comment with a { brace
  custom_model_name     = "m1"
  base_model_identifier = "amazon.titan-text-express-v1"
  role_arn              = "arn:aws:iam::111122223333:role/R"
  /* a block comment {
     over two lines */
  training_data_config {
    s3_uri = "s3://corp/#not-a-comment/train.jsonl" # a comment {
  }
  output_data_config {
    s3_uri = "s3://corp-out/"
  }
}

resource "aws_bedrock_custom_model" "second" {
  job_name              = "second-job"
  custom_model_name     = "m2"
  base_model_identifier = "amazon.titan-text-express-v1"
  role_arn              = "arn:aws:iam::111122223333:role/R"
  output_data_config {
    s3_uri = "s3://corp-out/2/"
  }
}
"""
    first, second = read_file(write_file("two.tf", text), explicit=True) or []
    assert isinstance(first, Job)
    assert isinstance(second, Job)

    assert (first.resource, first.origin.line) == ("aws_bedrock_custom_model.first", 6)
    assert (second.resource, second.origin.line) == ("aws_bedrock_custom_model.second", 21)
    assert first.document["trainingDataConfig"]["s3Uri"] == "s3://corp/#not-a-comment/train.jsonl"
    assert first.lines["jobName"] == 7
    assert first.lines["trainingDataConfig.s3Uri"] == 14
    assert first.lines["outputDataConfig"] == 16
    assert first.lines["outputDataConfig.s3Uri"] == 17
    assert second.lines["jobName"] == 22
    assert second.lines["outputDataConfig.s3Uri"] == 27


def test_references_are_unknown_and_give_unknown_findings_not_violations(
    in_tmp: Path, write_file
) -> None:
    text = """\
resource "aws_bedrock_custom_model" "vars" {
  job_name                = "vars-job"
  custom_model_name       = "vars-model"
  base_model_identifier   = "amazon.titan-text-express-v1"
  role_arn                = var.role_arn
  custom_model_kms_key_id = aws_kms_key.models.arn

  training_data_config {
    s3_uri = "s3://corp-train/data/train.jsonl"
  }
  output_data_config {
    s3_uri = "s3://${var.output_bucket}/jobs/"
  }
  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.bedrock.id]
  }
}
"""
    job = _only_job(read_file(write_file("vars.tf", text), explicit=True))

    assert job.document["roleArn"] == "${var.role_arn}"
    assert job.document["derived"]["unknown"] == [
        "derived.dataUris.1",
        "derived.kmsKeyForm",
        "outputDataConfig.s3Uri",
        "outputModelKmsKeyArn",
        "roleArn",
        "vpcConfig.securityGroupIds.0",
        "vpcConfig.subnetIds",
    ]
    # Terraform references are unknown, not unresolved template placeholders (BMC010).
    assert job.document["derived"]["unresolved"] == []

    [result] = evaluate([job], load_policy(("builtin:baseline",)))

    assert result.outcome is Outcome.PASSED
    assert {(f.rule.id, f.status, f.path, f.line) for f in result.findings} == {
        ("BMC001", FindingStatus.UNKNOWN, "vpcConfig.subnetIds", 15),
        ("BMC002", FindingStatus.UNKNOWN, "vpcConfig.subnetIds", 15),
        ("BMC004", FindingStatus.UNKNOWN, "outputModelKmsKeyArn", 6),
        ("BMC005", FindingStatus.UNKNOWN, "roleArn", 5),
        ("BMC006", FindingStatus.UNKNOWN, "outputDataConfig.s3Uri", 12),
    }
    assert all("not known" in f.message for f in result.findings)


def test_tf_syntax_error_is_a_load_error_naming_the_line(in_tmp: Path, write_file) -> None:
    text = """\
resource "aws_bedrock_custom_model" "broken" {
  job_name          = "broken"
  custom_model_name =
}
"""
    [error] = read_file(write_file("broken.tf", text), explicit=True) or []

    assert isinstance(error, LoadError)
    assert error.origin.path == "broken.tf"
    assert error.origin.line == 3
    assert error.message.startswith("invalid Terraform: ")
    assert "(line 3, column" in error.message


def test_tf_without_custom_model_named_explicitly_is_a_load_error(in_tmp: Path, write_file) -> None:
    path = write_file("bucket.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')

    [error] = read_file(path, explicit=True) or []

    assert isinstance(error, LoadError)
    assert error.origin.path == "bucket.tf"
    assert error.message.startswith("not a Bedrock model customization job document")
    assert "Terraform aws_bedrock_custom_model" in error.message


def test_tf_without_custom_model_in_a_directory_walk_is_skipped(in_tmp: Path, write_file) -> None:
    write_file("infra/bucket.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    write_file("infra/variables.tf", 'variable "region" {\n  default = "us-east-1"\n}\n')
    write_file("infra/main.tf", MAIN_TF)

    scan = read_paths(["infra"])

    assert [(type(i).__name__, i.origin.path) for i in scan.items] == [("Job", "infra/main.tf")]
    assert scan.skipped == ["infra/bucket.tf", "infra/variables.tf"]


# ---------------------------------------------------------------------------------------------
# terraform show -json


def _values(name: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "job_name": name,
        "custom_model_name": f"{name}-model",
        "base_model_identifier": "arn:aws:bedrock:eu-west-1::foundation-model/"
        "amazon.titan-text-express-v1",
        "role_arn": "arn:aws:iam::111122223333:role/BedrockFT",
        "custom_model_kms_key_id": None,
        "customization_type": "FINE_TUNING",
        "hyperparameters": {"epochCount": "1"},
        "job_arn": None,
        "custom_model_arn": None,
        "training_data_config": [{"s3_uri": "s3://corp-train/data/train.jsonl"}],
        "output_data_config": [{"s3_uri": "s3://corp-out/"}],
        "validation_data_config": [],
        "vpc_config": [{"subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": ["sg-1"]}],
    }
    values.update(overrides)
    return values


def test_plan_resource_changes_with_after_unknown(in_tmp: Path, write_file) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": [
            {
                "address": "aws_kms_key.models",
                "type": "aws_kms_key",
                "change": {"actions": ["create"], "after": {}, "after_unknown": {"arn": True}},
            },
            {
                "address": "module.ml.aws_bedrock_custom_model.this",
                "type": "aws_bedrock_custom_model",
                "change": {
                    "actions": ["create"],
                    "after": _values("planned"),
                    "after_unknown": {
                        "job_arn": True,
                        "custom_model_arn": True,
                        "custom_model_kms_key_id": True,
                        "vpc_config": [{"security_group_ids": [True]}],
                    },
                },
            },
            {
                "address": "aws_bedrock_custom_model.retired",
                "type": "aws_bedrock_custom_model",
                "change": {
                    "actions": ["delete"],
                    "before": _values("retired"),
                    "after": None,
                    "after_unknown": {},
                },
            },
        ],
    }
    path = write_file("plan.json", json.dumps(plan, indent=2))

    job = _only_job(read_file(path, explicit=True))  # the delete-only change is skipped

    assert job.kind == normalize.TERRAFORM_PLAN
    assert job.resource == "module.ml.aws_bedrock_custom_model.this"
    assert job.name == "planned"
    text = path.read_text().splitlines()
    assert text[job.origin.line - 1].strip() == '"after": {'
    assert text[job.line_of("roleArn") - 1].strip().startswith('"role_arn": ')
    assert text[job.line_of("vpcConfig.subnetIds") - 1].strip() == '"subnet_ids": ['
    document = job.document
    assert document["outputModelKmsKeyArn"] == "(known after apply)"
    assert document["jobArn"] == "(known after apply)"
    assert document["derived"]["unknown"] == [
        "derived.kmsKeyForm",
        "jobArn",
        "outputModelArn",
        "outputModelKmsKeyArn",
        "vpcConfig.securityGroupIds.0",
    ]
    assert (document["derived"]["account"], document["derived"]["region"]) == (
        "111122223333",
        "eu-west-1",
    )
    # The key is required and present ("known after apply"): BMC003 passes; its form cannot
    # be judged yet, so BMC004 is unknown, never a violation.
    statuses = _statuses(job)
    assert statuses.get("BMC004") == "unknown"
    assert "BMC003" not in statuses
    assert "violated" not in statuses.values()


def test_plan_with_only_deletes_named_explicitly_is_a_load_error(in_tmp: Path, write_file) -> None:
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_bedrock_custom_model.old",
                "type": "aws_bedrock_custom_model",
                "change": {"actions": ["delete"], "before": _values("old"), "after": None},
            },
        ],
    }

    [error] = read_file(write_file("destroy.json", plan), explicit=True) or []

    assert isinstance(error, LoadError)
    assert error.message.startswith("not a Bedrock model customization job document")


def _module(address: str, resources: list[dict[str, Any]], children: list[Any]) -> dict[str, Any]:
    module: dict[str, Any] = {"resources": resources, "child_modules": children}
    if address:
        module["address"] = address
    return module


def _resource(address: str, values: dict[str, Any]) -> dict[str, Any]:
    kind = address.split(".")[-2]
    return {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": address.split(".")[-1],
        "values": values,
    }


@pytest.mark.parametrize("root_key", ["values", "planned_values"])
def test_state_and_planned_values_walk_child_modules(
    in_tmp: Path, write_file, root_key: str
) -> None:
    arn = (
        "arn:aws:bedrock:us-west-2:111122223333:model-customization-job/amazon.nova-lite-v1:0:300k/"
    )
    root = _module(
        "",
        [
            _resource("aws_bedrock_custom_model.root", _values("root", job_arn=arn + "aaaa")),
            _resource("aws_s3_bucket.data", {"bucket": "corp-train"}),
        ],
        [
            _module(
                "module.a",
                [_resource("module.a.aws_bedrock_custom_model.c", _values("child"))],
                [
                    _module(
                        "module.a.module.b",
                        [
                            _resource(
                                "module.a.module.b.aws_bedrock_custom_model.d", _values("deep")
                            )
                        ],
                        [],
                    )
                ],
            )
        ],
    )
    document = {
        "format_version": "1.0",
        "terraform_version": "1.9.5",
        root_key: {"root_module": root},
    }
    path = write_file("state.json", document)

    items = read_file(path, explicit=True) or []

    assert [
        (type(i).__name__, getattr(i, "resource", None), getattr(i, "name", None)) for i in items
    ] == [
        ("Job", "aws_bedrock_custom_model.root", "root"),
        ("Job", "module.a.aws_bedrock_custom_model.c", "child"),
        ("Job", "module.a.module.b.aws_bedrock_custom_model.d", "deep"),
    ]
    root_job = items[0]
    assert isinstance(root_job, Job)
    assert root_job.kind == normalize.TERRAFORM_PLAN
    assert root_job.document["derived"]["region"] == "us-west-2"  # the job ARN wins
    text = path.read_text().splitlines()
    assert text[root_job.origin.line - 1].strip() == '"values": {'
    assert text[root_job.line_of("jobName") - 1].strip() == '"job_name": "root",'


def test_empty_resource_changes_fall_back_to_planned_values(in_tmp: Path, write_file) -> None:
    plan = {
        "format_version": "1.2",
        "resource_changes": [],
        "planned_values": {
            "root_module": {"resources": [_resource("aws_bedrock_custom_model.p", _values("p"))]}
        },
    }

    job = _only_job(read_file(write_file("plan.json", plan), explicit=True))

    assert job.resource == "aws_bedrock_custom_model.p"


# ---------------------------------------------------------------------------------------------
# .tf.json


def test_tf_json_configuration(in_tmp: Path, write_file) -> None:
    config = {
        "variable": {"role_arn": {}},
        "resource": {
            "aws_s3_bucket": {"out": {"bucket": "corp-out"}},
            "aws_bedrock_custom_model": {
                "json": {
                    "job_name": "tfjson-job",
                    "custom_model_name": "tfjson-model",
                    "base_model_identifier": "meta.llama3-1-8b-instruct-v1:0:128k",
                    "role_arn": "${var.role_arn}",
                    "hyperparameters": {"epochCount": 2, "learningRate": "0.0001"},
                    "training_data_config": {"s3_uri": "s3://corp-train/data/train.jsonl"},
                    "output_data_config": [{"s3_uri": "s3://corp-out/"}],
                }
            },
        },
    }
    path = write_file("main.tf.json", config)

    job = _only_job(read_file(path, explicit=True))

    assert job.kind == normalize.TERRAFORM
    assert job.resource == "aws_bedrock_custom_model.json"
    assert job.document["hyperParameters"] == {"epochCount": "2", "learningRate": "0.0001"}
    assert job.document["trainingDataConfig"] == {"s3Uri": "s3://corp-train/data/train.jsonl"}
    assert job.document["outputDataConfig"] == {"s3Uri": "s3://corp-out/"}
    assert job.document["derived"]["baseModelFamily"] == "llama3.1"
    assert job.document["derived"]["unknown"] == ["roleArn"]
    text = path.read_text().splitlines()
    assert text[job.origin.line - 1].strip() == '"json": {'
    assert text[job.line_of("roleArn") - 1].strip() == '"role_arn": "${var.role_arn}",'
    assert _statuses(job).get("BMC005") == "unknown"


NOVA_LITE_ARN = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k"
# One custom model in each shape of Terraform's JSON syntax: every level an object, or an array
# of objects (HCL's JSON specification allows either at any block level).
_TF_JSON_MODEL = {
    "job_name": "tfjson-job",
    "custom_model_name": "tfjson-model",
    "base_model_identifier": NOVA_LITE_ARN,
    "role_arn": "arn:aws:iam::111122223333:role/BedrockFT",
    "custom_model_kms_key_id": "alias/models",
    "training_data_config": {"s3_uri": "s3://corp-train/data/train.jsonl"},
    "validation_data_config": {
        "validator": [{"s3_uri": "s3://corp-val/a.jsonl"}, {"s3_uri": "s3://corp-val/b.jsonl"}]
    },
    "output_data_config": {"s3_uri": "s3://corp-out/"},
    "vpc_config": {"subnet_ids": ["subnet-a"], "security_group_ids": ["sg-1"]},
}
TF_JSON_SHAPES = {
    "objects": {"resource": {"aws_bedrock_custom_model": {"m": _TF_JSON_MODEL}}},
    "resource-array": {
        "resource": [
            {"aws_s3_bucket": {"out": {"bucket": "corp-out"}}},
            {"aws_bedrock_custom_model": {"m": _TF_JSON_MODEL}},
        ]
    },
    "type-array": {"resource": {"aws_bedrock_custom_model": [{"m": _TF_JSON_MODEL}]}},
    "body-array": {"resource": {"aws_bedrock_custom_model": {"m": [_TF_JSON_MODEL]}}},
    "blocks-as-arrays": {
        "resource": [
            {
                "aws_bedrock_custom_model": {
                    "m": {
                        **_TF_JSON_MODEL,
                        "training_data_config": [{"s3_uri": "s3://corp-train/data/train.jsonl"}],
                        "validation_data_config": [
                            {
                                "validator": [
                                    {"s3_uri": "s3://corp-val/a.jsonl"},
                                    {"s3_uri": "s3://corp-val/b.jsonl"},
                                ]
                            }
                        ],
                        "output_data_config": [{"s3_uri": "s3://corp-out/"}],
                        "vpc_config": [
                            {"subnet_ids": ["subnet-a"], "security_group_ids": ["sg-1"]}
                        ],
                    }
                }
            }
        ]
    },
}


def _line_of(text: list[str], needle: str) -> int:
    [number] = [n for n, line in enumerate(text, 1) if needle in line]
    return number


@pytest.mark.parametrize("shape", sorted(TF_JSON_SHAPES))
def test_tf_json_in_every_shape_gives_the_job_and_its_lines(
    shape: str, in_tmp: Path, write_file
) -> None:
    path = write_file("main.tf.json", TF_JSON_SHAPES[shape])
    text = path.read_text().splitlines()

    job = _only_job(read_file(path, explicit=True))

    assert job.resource == "aws_bedrock_custom_model.m"
    assert job.document["vpcConfig"] == {"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]}
    assert job.document["validationDataConfig"] == {
        "validators": [{"s3Uri": "s3://corp-val/a.jsonl"}, {"s3Uri": "s3://corp-val/b.jsonl"}]
    }
    # Every field, nested ones too, at the exact line of the file that holds it.
    expected = {
        "jobName": _line_of(text, '"job_name"'),
        "outputModelKmsKeyArn": _line_of(text, '"custom_model_kms_key_id"'),
        "trainingDataConfig.s3Uri": _line_of(text, "s3://corp-train/data/train.jsonl"),
        "validationDataConfig.validators.0.s3Uri": _line_of(text, "s3://corp-val/a.jsonl"),
        "validationDataConfig.validators.1.s3Uri": _line_of(text, "s3://corp-val/b.jsonl"),
        "outputDataConfig.s3Uri": _line_of(text, '"s3://corp-out/"'),
        "vpcConfig.subnetIds": _line_of(text, '"subnet_ids"'),
        "vpcConfig.securityGroupIds": _line_of(text, '"security_group_ids"'),
    }
    assert {path: job.line_of(path) for path in expected} == expected
    # The findings point there: one subnet (BMC002), a key named by alias (BMC004).
    [result] = evaluate([job], load_policy(("builtin:baseline",)))
    assert {(f.rule.id, f.line) for f in result.findings} == {
        ("BMC002", expected["vpcConfig.subnetIds"]),
        ("BMC004", expected["outputModelKmsKeyArn"]),
    }


def test_a_walk_reads_tf_json_in_the_array_form(in_tmp: Path, write_file) -> None:
    write_file("infra/model.tf.json", TF_JSON_SHAPES["resource-array"])

    [job] = read_paths([str(in_tmp / "infra")]).items

    assert isinstance(job, Job) and job.resource == "aws_bedrock_custom_model.m"


DYNAMIC_TF = """\
resource "aws_bedrock_custom_model" "dyn" {
  job_name = "dyn-job"
  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      subnet_ids         = vpc_config.value.subnets
      security_group_ids = vpc_config.value.sgs
    }
  }
  validation_data_config {
    dynamic "validator" {
      for_each = var.validators
      content {
        s3_uri = validator.value
      }
    }
  }
}
"""


def test_dynamic_blocks_are_unknown_not_missing(in_tmp: Path, write_file) -> None:
    job = _only_job(read_file(write_file("dyn.tf", DYNAMIC_TF), explicit=True))
    unknown = job.document["derived"]["unknown"]
    assert "vpcConfig" in unknown
    assert "validationDataConfig.validators" in unknown
    [result] = evaluate([job], load_policy(("builtin:baseline", "builtin:promotion")))
    statuses = {f.rule.id: f.status for f in result.findings}
    assert statuses["BMC001"] is FindingStatus.UNKNOWN
    assert statuses["BMC102"] is FindingStatus.UNKNOWN


def test_planned_jobs_have_no_arn_until_apply(in_tmp: Path, write_file) -> None:
    values = {"job_name": "a", "custom_model_name": "m", "role_arn": "arn:aws:iam::1:role/r"}
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": f"aws_bedrock_custom_model.{name}",
                "type": "aws_bedrock_custom_model",
                "change": {
                    "actions": ["create"],
                    "after": dict(values, job_name=name),
                    "after_unknown": {"job_arn": True},
                },
            }
            for name in ("first", "second")
        ],
    }
    items = read_paths([str(write_file("plan.json", plan))]).items
    jobs = [item for item in items if isinstance(item, Job)]
    assert [job.arn for job in jobs] == [None, None]
    assert len({job.key for job in jobs}) == 2
