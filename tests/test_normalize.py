"""checker/normalize.py: every job shape -> the Get shape, plus the ``derived`` facts."""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

import pytest
from helpers.jobs import DELETE, GOOD_JOB, KEY_ARN, make_document, make_job

from checker import normalize

ROLE = "arn:aws:iam::111122223333:role/service-role/BedrockFT"

# A CreateModelCustomizationJob request, as committed for --cli-input-json.
CREATE_REQUEST: dict[str, Any] = {
    "jobName": "create-job",
    "customModelName": "create-model",
    "roleArn": ROLE,
    "baseModelIdentifier": "amazon.titan-text-express-v1:0:8k",
    "customModelKmsKeyId": KEY_ARN,
    "jobTags": [{"key": "team", "value": "ml"}, {"key": "env", "value": "prod"}],
    "customModelTags": [{"key": "owner", "value": "ml-platform"}],
    "hyperParameters": {"epochCount": "2"},
    "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
    "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
}


def _normalise(
    raw: dict[str, Any], lines: dict[str, int] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    kind = normalize.classify(raw)
    assert kind is not None
    document, canonical = normalize.from_api(copy.deepcopy(raw), kind, lines or {})
    return normalize.finish(document, canonical, kind, set())


def _create(**overrides: Any) -> dict[str, Any]:
    return make_document(CREATE_REQUEST, **overrides)


def _derived(raw: dict[str, Any]) -> dict[str, Any]:
    document, _ = _normalise(raw)
    derived: dict[str, Any] = document["derived"]
    return derived


# ---------------------------------------------------------------------------------------------
# Shapes


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (GOOD_JOB, normalize.GET_RESPONSE),
        (
            {"jobName": "j", "jobArn": "arn:aws:bedrock:us-east-1:1:model-customization-job/x"},
            normalize.GET_RESPONSE,
        ),
        (CREATE_REQUEST, normalize.CREATE_REQUEST),
        (
            {"jobName": "j", "baseModelIdentifier": "amazon.nova-micro-v1:0"},
            normalize.CREATE_REQUEST,
        ),
        ({"jobName": "j"}, None),  # a CI job, a GitHub workflow...
        ({"customModelName": "m", "baseModelIdentifier": "x"}, None),
        ({"name": "package", "version": "1.0.0"}, None),
        ([GOOD_JOB], None),
        ("jobName", None),
        (None, None),
    ],
)
def test_classify(document: Any, expected: str | None) -> None:
    assert normalize.classify(document) == expected


def test_create_request_fields_are_renamed_to_the_get_shape() -> None:
    document, _ = _normalise(CREATE_REQUEST)

    assert document["outputModelName"] == "create-model"
    assert document["baseModelArn"] == "amazon.titan-text-express-v1:0:8k"
    assert document["outputModelKmsKeyArn"] == KEY_ARN
    assert document["tags"] == {"team": "ml", "env": "prod"}
    for create_name in ("customModelName", "baseModelIdentifier", "customModelKmsKeyId", "jobTags"):
        assert create_name not in document
    # Fields with the same name in both shapes pass through untouched.
    assert document["roleArn"] == ROLE
    assert document["customModelTags"] == [{"key": "owner", "value": "ml-platform"}]
    assert document["derived"]["format"] == normalize.CREATE_REQUEST


def test_job_tags_that_are_not_key_value_pairs_are_kept_as_given() -> None:
    document, _ = _normalise(_create(jobTags=["team=ml"]))

    assert document["tags"] == ["team=ml"]


def test_line_map_is_renamed_with_the_fields() -> None:
    lines = {
        "jobName": 2,
        "customModelName": 3,
        "baseModelIdentifier": 4,
        "customModelKmsKeyId": 5,
        "jobTags": 6,
        "jobTags.0.key": 7,
        "trainingDataConfig.s3Uri": 9,
        "outputDataConfig.s3Uri": 11,
    }

    _, canonical = _normalise(CREATE_REQUEST, lines)

    assert canonical == {
        "jobName": 2,
        "outputModelName": 3,
        "baseModelArn": 4,
        "outputModelKmsKeyArn": 5,
        "tags": 6,
        "tags.0.key": 7,
        "trainingDataConfig.s3Uri": 9,
        "outputDataConfig.s3Uri": 11,
        # derived facts point at the field they were derived from
        "derived.baseModelId": 4,
        "derived.kmsKeyForm": 5,
        "derived.dataUris.0": 9,
        "derived.dataUris.1": 11,
    }


def test_get_response_keeps_its_names_and_drops_response_metadata() -> None:
    tag_list = [{"key": "team", "value": "ml"}]
    raw = make_document(ResponseMetadata={"HTTPStatusCode": 200}, jobTags=tag_list)

    document, _ = _normalise(raw)

    assert "ResponseMetadata" not in document
    assert document["jobTags"] == tag_list  # only create requests are renamed
    assert "tags" not in document
    assert document["outputModelName"] == "good-model"
    assert document["derived"]["format"] == normalize.GET_RESPONSE


def test_a_committed_derived_section_is_recomputed() -> None:
    job = make_job(derived={"account": "999999999999", "kmsKeyForm": "alias"})

    assert job.document["derived"]["account"] == "111122223333"
    assert job.document["derived"]["kmsKeyForm"] == "key-arn"


# ---------------------------------------------------------------------------------------------
# Account, region, partition


def test_account_region_partition_come_from_the_job_arn() -> None:
    derived = make_job(roleArn="arn:aws:iam::444455556666:role/Other").document["derived"]

    assert (derived["account"], derived["region"], derived["partition"]) == (
        "111122223333",
        "us-east-1",
        "aws",
    )


def test_create_request_takes_account_from_role_and_region_from_kms_key() -> None:
    derived = _derived(
        _create(customModelKmsKeyId="arn:aws:kms:eu-west-1:777788889999:key/" + "a" * 36)
    )

    assert derived["account"] == "111122223333"  # the role comes before the key
    assert derived["region"] == "eu-west-1"
    assert derived["partition"] == "aws"


def test_region_from_a_foundation_model_arn_when_nothing_else_has_one() -> None:
    derived = _derived(
        _create(
            customModelKmsKeyId=DELETE,
            baseModelIdentifier="arn:aws:bedrock:ap-southeast-2::foundation-model/"
            "amazon.titan-text-lite-v1:0:4k",
        )
    )

    assert derived["region"] == "ap-southeast-2"


def test_create_request_with_only_a_role_has_no_region() -> None:
    derived = _derived(_create(customModelKmsKeyId="alias/ml"))

    assert derived["account"] == "111122223333"
    assert derived["region"] is None


def test_govcloud_partition() -> None:
    derived = _derived(
        _create(roleArn="arn:aws-us-gov:iam::111122223333:role/R", customModelKmsKeyId=DELETE)
    )

    assert derived["partition"] == "aws-us-gov"


def test_invalid_account_ids_are_not_taken() -> None:
    derived = _derived(_create(roleArn="arn:aws:iam::12345:role/R", customModelKmsKeyId=DELETE))

    assert derived["account"] is None


# ---------------------------------------------------------------------------------------------
# Customization type and data URIs


@pytest.mark.parametrize(
    ("given", "effective"),
    [
        (DELETE, "FINE_TUNING"),  # absent means fine-tuning
        ("", "FINE_TUNING"),
        ("CONTINUED_PRE_TRAINING", "CONTINUED_PRE_TRAINING"),
        ("DISTILLATION", "DISTILLATION"),
        ("REINFORCEMENT_FINE_TUNING", "REINFORCEMENT_FINE_TUNING"),
    ],
)
def test_effective_customization_type(given: Any, effective: str) -> None:
    job = make_job(customizationType=given)

    assert job.document["derived"]["customizationType"] == effective


def test_data_uris_list_every_location_with_its_role() -> None:
    raw = make_document(
        trainingDataConfig__invocationLogsConfig={
            "invocationLogSource": {"s3Uri": "s3://corp-logs/bedrock/"},
        },
        validationDataConfig__validators=[
            {"s3Uri": "s3://corp-train/data/val.jsonl"},
            {"notS3": "ignored"},
            {"s3Uri": "s3://corp-train/data/val2.jsonl"},
        ],
    )

    data_uris = make_job(raw).document["derived"]["dataUris"]

    assert data_uris == [
        {
            "role": "training",
            "uri": "s3://corp-train/data/train.jsonl",
            "bucket": "corp-train",
            "key": "data/train.jsonl",
            "path": "trainingDataConfig.s3Uri",
        },
        {
            "role": "invocationLogs",
            "uri": "s3://corp-logs/bedrock/",
            "bucket": "corp-logs",
            "key": "bedrock/",
            "path": "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri",
        },
        {
            "role": "validation",
            "uri": "s3://corp-train/data/val.jsonl",
            "bucket": "corp-train",
            "key": "data/val.jsonl",
            "path": "validationDataConfig.validators.0.s3Uri",
        },
        {
            "role": "validation",
            "uri": "s3://corp-train/data/val2.jsonl",
            "bucket": "corp-train",
            "key": "data/val2.jsonl",
            "path": "validationDataConfig.validators.2.s3Uri",
        },
        {
            "role": "output",
            "uri": "s3://corp-out/jobs/",
            "bucket": "corp-out",
            "key": "jobs/",
            "path": "outputDataConfig.s3Uri",
        },
    ]


def test_a_data_uri_that_is_not_s3_has_no_bucket() -> None:
    [entry] = _derived(_create(trainingDataConfig=DELETE, outputDataConfig__s3Uri="/tmp/out"))[
        "dataUris"
    ]

    assert entry == {
        "role": "output",
        "uri": "/tmp/out",
        "bucket": None,
        "key": None,
        "path": "outputDataConfig.s3Uri",
    }


def test_no_data_config_gives_no_data_uris() -> None:
    assert _derived(_create(trainingDataConfig=DELETE, outputDataConfig=DELETE))["dataUris"] == []


# ---------------------------------------------------------------------------------------------
# Base model, KMS key, teacher


FOUNDATION_ARN = "arn:aws:bedrock:us-east-1::foundation-model/"
CUSTOM_ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/"


@pytest.mark.parametrize(
    ("identifier", "model_id", "family"),
    [
        (
            "amazon.titan-text-lite-v1:0:4k",
            "amazon.titan-text-lite-v1:0:4k",
            "titan-text-lite-express",
        ),
        (
            FOUNDATION_ARN + "amazon.titan-text-express-v1",
            "amazon.titan-text-express-v1",
            "titan-text-lite-express",
        ),
        (
            "amazon.titan-text-premier-v1:0:32k",
            "amazon.titan-text-premier-v1:0:32k",
            "titan-text-premier",
        ),
        ("amazon.nova-micro-v1:0:128k", "amazon.nova-micro-v1:0:128k", "nova-understanding"),
        (FOUNDATION_ARN + "amazon.nova-canvas-v1:0", "amazon.nova-canvas-v1:0", "nova-canvas"),
        ("meta.llama3-1-8b-instruct-v1:0:128k", "meta.llama3-1-8b-instruct-v1:0:128k", "llama3.1"),
        ("meta.llama3-2-1b-instruct-v1:0:128k", "meta.llama3-2-1b-instruct-v1:0:128k", "llama3.2"),
        ("meta.llama2-13b-v1:0:4k", "meta.llama2-13b-v1:0:4k", "llama2"),
        (
            "cohere.command-light-text-v14:7:4k",
            "cohere.command-light-text-v14:7:4k",
            "cohere-command-light",
        ),
        ("cohere.command-text-v14:7:4k", "cohere.command-text-v14:7:4k", "cohere-command"),
        (
            "anthropic.claude-3-haiku-20240307-v1:0:200k",
            "anthropic.claude-3-haiku-20240307-v1:0:200k",
            "claude-3-haiku",
        ),
        # continued customization: the custom model's ARN embeds its base model
        (
            CUSTOM_ARN + "amazon.titan-text-lite-v1:0:4k/abcdefabcdef",
            "amazon.titan-text-lite-v1:0:4k",
            "titan-text-lite-express",
        ),
        ("mistral.mistral-7b-instruct-v0:2", "mistral.mistral-7b-instruct-v0:2", None),
        ("", None, None),
    ],
)
def test_base_model_id_and_family(
    identifier: str, model_id: str | None, family: str | None
) -> None:
    derived = _derived(_create(baseModelIdentifier=identifier))

    assert derived["baseModelId"] == model_id
    assert derived["baseModelFamily"] == family


@pytest.mark.parametrize(
    ("key", "form"),
    [
        (KEY_ARN, "key-arn"),
        ("arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab", "key-arn"),
        ("arn:aws:kms:us-east-1:111122223333:alias/ml-models", "alias-arn"),
        ("alias/ml-models", "alias"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "key-id"),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", "key-id"),  # a multi-Region key id
        ("arn:aws:s3:::my-bucket", "invalid"),
        ("arn:aws:kms:us-east-1:111122223333:grant/abc", "invalid"),
        ("my-key", "invalid"),
        (42, "invalid"),
        (DELETE, None),
    ],
)
def test_kms_key_form(key: Any, form: str | None) -> None:
    assert _derived(_create(customModelKmsKeyId=key))["kmsKeyForm"] == form


TEACHER = "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier"


@pytest.mark.parametrize(
    ("identifier", "teacher"),
    [
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        (
            "arn:aws:bedrock:us-west-2:111122223333:inference-profile/"
            "us.meta.llama3-1-405b-instruct-v1:0",
            "us.meta.llama3-1-405b-instruct-v1:0",
        ),
        (FOUNDATION_ARN + "amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
    ],
)
def test_teacher_model_id(identifier: str, teacher: str) -> None:
    derived = _derived(
        _create(customizationType="DISTILLATION", **{TEACHER.replace(".", "__"): identifier})
    )

    assert derived["teacherModelId"] == teacher
    assert derived["customizationType"] == "DISTILLATION"


def test_no_teacher_outside_distillation() -> None:
    assert _derived(CREATE_REQUEST)["teacherModelId"] is None


# ---------------------------------------------------------------------------------------------
# Unresolved placeholders


def test_unresolved_placeholders_are_listed_with_their_lines() -> None:
    raw = _create(
        roleArn="arn:aws:iam::{account_id}:role/BedrockFT",
        trainingDataConfig__s3Uri="s3://<YOUR_BUCKET>/train.jsonl",
        outputModelName=DELETE,
        customModelName="${var.model_name}",
        hyperParameters__learningRate="1.00E-07",
        outputDataConfig__s3Uri="s3://{{ bucket }}/out/",
        jobName="$JOB_NAME",
        customModelKmsKeyId=DELETE,
    )
    lines = {"roleArn": 4, "customModelName": 3, "trainingDataConfig.s3Uri": 12}

    document, canonical = _normalise(raw, lines)
    derived = document["derived"]

    assert derived["unresolved"] == [
        "jobName",
        "outputDataConfig.s3Uri",
        "outputModelName",
        "roleArn",
        "trainingDataConfig.s3Uri",
    ]
    assert canonical["derived.unresolved.2"] == 3  # outputModelName, from customModelName
    assert canonical["derived.unresolved.3"] == 4
    assert canonical["derived.unresolved.4"] == 12
    # A placeholder ARN is not evidence of the job's account.
    assert derived["account"] is None
    # Derived facts that rest on an unresolved value are unknown to the rules.
    assert "derived.dataUris.0" in derived["unknown"]


@pytest.mark.parametrize(
    "value",
    [".0001", "1.00E-07", "s3://corp/data/{}", "a < b", "$5", "arn:aws:iam::111122223333:role/x"],
)
def test_ordinary_values_are_not_placeholders(value: str) -> None:
    assert _derived(_create(customModelName=value))["unresolved"] == []


def test_placeholder_in_the_kms_key_makes_its_form_unknown() -> None:
    derived = _derived(_create(customModelKmsKeyId="arn:aws:kms:us-east-1:{account_id}:key/x"))

    assert derived["kmsKeyForm"] is None
    assert "derived.kmsKeyForm" in derived["unknown"]
    assert derived["unresolved"] == ["outputModelKmsKeyArn"]


# ---------------------------------------------------------------------------------------------
# Terraform


TF_VALUES: dict[str, Any] = {
    "job_name": "tf-job",
    "custom_model_name": "tf-model",
    "base_model_identifier": "amazon.titan-text-express-v1",
    "role_arn": "${var.role_arn}",
    "custom_model_kms_key_id": None,
    "hyperparameters": {"epochCount": 2, "learningRate": 0.00001, "flag": True, "batchSize": "1"},
    "training_data_config": [{"s3_uri": "s3://corp-train/data/train.jsonl"}],
    "output_data_config": [{"s3_uri": "s3://corp-out/"}],
    "validation_data_config": [
        {"validator": [{"s3_uri": "s3://corp-train/v1"}, {"s3_uri": "s3://corp-train/v2"}]}
    ],
    "vpc_config": "${local.vpc}",
    "tags": {"team": "ml"},
}


def _terraform(
    values: dict[str, Any], unknown: set[str], lines: dict[str, int] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    document, canonical, canonical_unknown = normalize.from_terraform(values, unknown, lines or {})
    return normalize.finish(document, canonical, normalize.TERRAFORM_PLAN, canonical_unknown)


def test_terraform_attributes_become_the_get_shape() -> None:
    document, _ = _terraform(TF_VALUES, set())

    assert document["jobName"] == "tf-job"
    assert document["outputModelName"] == "tf-model"
    assert document["baseModelArn"] == "amazon.titan-text-express-v1"
    assert "outputModelKmsKeyArn" not in document  # null attributes are absent
    assert document["trainingDataConfig"] == {"s3Uri": "s3://corp-train/data/train.jsonl"}
    assert document["validationDataConfig"] == {
        "validators": [{"s3Uri": "s3://corp-train/v1"}, {"s3Uri": "s3://corp-train/v2"}]
    }
    assert document["tags"] == {"team": "ml"}
    # map(string) in Terraform: numbers become strings, other values are left alone
    assert document["hyperParameters"] == {
        "epochCount": "2",
        "learningRate": "1e-05",
        "flag": True,
        "batchSize": "1",
    }


def test_terraform_unknown_paths_are_translated_and_propagate_to_derived_facts() -> None:
    values = dict(TF_VALUES, custom_model_kms_key_id=None, job_arn=None)
    after_unknown = {
        "custom_model_kms_key_id",
        "job_arn",
        "validation_data_config.0.validator.1.s3_uri",
    }

    document, _ = _terraform(values, after_unknown)
    derived = document["derived"]

    assert document["outputModelKmsKeyArn"] == "(known after apply)"
    assert document["jobArn"] == "(known after apply)"
    assert document["validationDataConfig"]["validators"][1] == {"s3Uri": "(known after apply)"}
    assert document["vpcConfig"] == "${local.vpc}"
    assert derived["unknown"] == [
        "derived.dataUris.2",
        "derived.kmsKeyForm",
        "jobArn",
        "outputModelKmsKeyArn",
        "roleArn",
        "validationDataConfig.validators.1.s3Uri",
        "vpcConfig",
    ]
    # Unknown is not unresolved: Terraform interpolations are not template placeholders.
    assert derived["unresolved"] == []
    assert derived["kmsKeyForm"] is None
    assert derived["account"] is None  # the job ARN is not known yet, the role is a variable


def test_terraform_line_paths_are_translated() -> None:
    tf_lines = {
        "job_name": 3,
        "role_arn": 5,
        "hyperparameters": 8,
        "training_data_config": 14,
        "training_data_config.0.s3_uri": 15,
        "validation_data_config.0.validator.1.s3_uri": 22,
        "vpc_config": 25,
    }

    _, lines = _terraform(TF_VALUES, set(), tf_lines)

    assert lines["jobName"] == 3
    assert lines["roleArn"] == 5
    assert lines["hyperParameters"] == 8
    assert lines["trainingDataConfig"] == 14
    assert lines["trainingDataConfig.s3Uri"] == 15
    assert lines["validationDataConfig.validators.1.s3Uri"] == 22
    assert lines["vpcConfig"] == 25
    assert lines["derived.dataUris.0"] == 15
    assert lines["derived.dataUris.2"] == 22


def test_get_path_walks_dicts_and_list_indexes() -> None:
    document = make_document()

    assert normalize.get_path(document, "vpcConfig.subnetIds.1") == "subnet-b"
    assert normalize.get_path(document, "validationDataConfig.validators.0.s3Uri") == (
        "s3://corp-train/data/val.jsonl"
    )
    assert normalize.get_path(document, "vpcConfig.subnetIds.9") is None
    assert normalize.get_path(document, "jobName.length") is None


@pytest.mark.parametrize(
    ("model_id", "pattern"),
    [
        ("amazon.nova-lite-v1:0", "amazon.nova-lite-*"),
        ("amazon.nova-lite", "amazon.nova-lite-*"),
        ("amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0"),
        ("amazon.nova-lite-v1:0", "amazon.nova-lite"),
        ("a*b", "a*b"),
        ("aXb", "a*b"),
        ("a\nb", "a*"),
        ("a[b", "a[b*"),
        ("axb", "a?b*"),
        ("", "*"),
    ],
)
def test_model_patterns_match_as_fnmatchcase_does(model_id: str, pattern: str) -> None:
    assert normalize._matches(model_id, pattern) is fnmatch.fnmatchcase(model_id, pattern)
