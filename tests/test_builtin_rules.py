"""Every built-in rule (baseline, promotion and cost packs) on failing and passing jobs.

Each row is evaluated against all built-in packs and asserts the exact set of violated rule ids,
so a row also proves that no other rule fires on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.jobs import ALL_BUILTIN, DELETE, GOOD_JOB, KEY_ARN, make_job, rule_ids

from checker.evaluate import evaluate
from checker.model import Finding, FindingStatus, Job, Severity
from checker.policy import load_policy

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def _foundation(model_id: str) -> str:
    return f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}"


TITAN_PREMIER = _foundation("amazon.titan-text-premier-v1:0")
TITAN_MM = _foundation("amazon.titan-embed-image-v1:0")
TITAN_IMAGE = _foundation("amazon.titan-image-generator-v1:0")
NOVA_LITE = _foundation("amazon.nova-lite-v1:0:300k")
CLAUDE_HAIKU = _foundation("anthropic.claude-3-haiku-20240307-v1:0:200k")
# Custom models as base models (continued customization): one whose ARN does not name its base
# model, and one built on a model whose table AWS does not publish.
CUSTOM_MODEL = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/k2x9q7abcdef"
CUSTOM_IMAGE_MODEL = (
    f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/amazon.titan-image-generator-v1:0/x1"
)

# A create-model-customization-job request (no status, ARN or metrics) with the same settings.
CREATE_REQUEST: dict[str, Any] = {
    "jobName": "good-ft-request",
    "customModelName": "good-model",
    "roleArn": GOOD_JOB["roleArn"],
    "baseModelIdentifier": GOOD_JOB["baseModelArn"],
    "customizationType": "FINE_TUNING",
    "hyperParameters": dict(GOOD_JOB["hyperParameters"]),
    "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
    "validationDataConfig": {"validators": [{"s3Uri": "s3://corp-train/data/val.jsonl"}]},
    "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
    "customModelKmsKeyId": KEY_ARN,
    "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
}


def _logs(filters: dict[str, Any] | None = None, uri: str = "s3://corp-logs/bedrock/") -> dict:
    """A trainingDataConfig that trains from invocation logs."""
    config: dict[str, Any] = {"invocationLogSource": {"s3Uri": uri}}
    if filters is not None:
        config["requestMetadataFilters"] = filters
    return {"invocationLogsConfig": config}


FILTERS = {"equals": {"approved-for-training": "true"}}


def _rft(lambda_arn: str | None = None, **hyperparameters: Any) -> dict[str, Any]:
    """Overrides making GOOD_JOB a reinforcement fine-tuning job."""
    rft: dict[str, Any] = {
        "hyperParameters": {
            "epochCount": 3,
            "batchSize": 64,
            "learningRate": 1e-05,
            "reasoningEffort": "medium",
            **hyperparameters,
        },
    }
    if lambda_arn is not None:
        rft["graderConfig"] = {"lambdaGrader": {"lambdaArn": lambda_arn}}
    return {
        "customizationType": "REINFORCEMENT_FINE_TUNING",
        "baseModelArn": NOVA_LITE,
        "hyperParameters": DELETE,
        "customizationConfig": {"rftConfig": rft},
    }


GRADER = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:grader"


def _distillation(teacher: str | None) -> dict[str, Any]:
    teacher_config = {} if teacher is None else {"teacherModelIdentifier": teacher}
    return {
        "customizationType": "DISTILLATION",
        "baseModelArn": NOVA_LITE,
        "hyperParameters": DELETE,
        "customizationConfig": {"distillationConfig": {"teacherModelConfig": teacher_config}},
    }


def _hp(**hyperparameters: Any) -> dict[str, Any]:
    return {"hyperParameters": hyperparameters}


# fmt: off
ROWS = [
    pytest.param(None, {}, set(), id="good-job-passes-everything"),
    pytest.param(CREATE_REQUEST, {}, {"BMC101"}, id="create-request-is-not-promotable"),
    # --- BMC001 VPC ---
    pytest.param(None, {"vpcConfig": DELETE}, {"BMC001"}, id="BMC001-no-vpc"),
    pytest.param(None, {"vpcConfig.securityGroupIds": DELETE}, {"BMC001"}, id="BMC001-no-sg"),
    pytest.param(None, {"vpcConfig": {"subnetIds": [], "securityGroupIds": []}},
                 {"BMC001", "BMC002"}, id="BMC001-empty-lists"),
    pytest.param(None, {"vpcConfig.securityGroupIds": ["sg-1", "sg-2"]}, set(),
                 id="BMC001-pass"),
    # --- BMC002 subnets ---
    pytest.param(None, {"vpcConfig.subnetIds": ["subnet-a"]}, {"BMC002"}, id="BMC002-one-subnet"),
    pytest.param(None, {"vpcConfig.subnetIds": ["subnet-a", "subnet-b", "subnet-c"]}, set(),
                 id="BMC002-pass"),
    # --- BMC003 KMS present ---
    pytest.param(None, {"outputModelKmsKeyArn": DELETE}, {"BMC003"}, id="BMC003-no-key"),
    pytest.param(CREATE_REQUEST, {"customModelKmsKeyId": DELETE}, {"BMC003", "BMC101"},
                 id="BMC003-create-request-no-key"),
    pytest.param(None, {"outputModelKmsKeyArn": KEY_ARN.replace(KEY_ID, "0" * 8 + KEY_ID[8:])},
                 set(), id="BMC003-pass"),
    # --- BMC004 KMS key form ---
    pytest.param(None, {"outputModelKmsKeyArn": "alias/bedrock-models"}, {"BMC004"},
                 id="BMC004-alias"),
    pytest.param(None, {"outputModelKmsKeyArn": f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/ml"},
                 {"BMC004"}, id="BMC004-alias-arn"),
    pytest.param(None, {"outputModelKmsKeyArn": KEY_ID}, {"BMC004"}, id="BMC004-bare-key-id"),
    pytest.param(None, {"outputModelKmsKeyArn": KEY_ARN.replace("us-east-1", "eu-west-1")},
                 {"BMC004"}, id="BMC004-key-in-another-region"),
    pytest.param(None, {"outputModelKmsKeyArn": KEY_ARN}, set(), id="BMC004-pass"),
    # --- BMC005 role account ---
    pytest.param(None, {"roleArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/BedrockFT"}, {"BMC005"},
                 id="BMC005-role-in-another-account"),
    pytest.param(None, {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/other/Role"}, set(),
                 id="BMC005-pass-same-account"),
    # A create request has no job ARN: the job's account is the role's own, so it cannot differ.
    pytest.param(CREATE_REQUEST, {"roleArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/BedrockFT"},
                 {"BMC101"}, id="BMC005-create-request-takes-account-from-role"),
    # --- BMC011 validation apart from training ---
    pytest.param(None, {"trainingDataConfig.s3Uri": "s3://corp-train/data/"}, {"BMC011"},
                 id="BMC011-training-folder-holds-validation"),
    pytest.param(None, {"validationDataConfig.validators": [
                     {"s3Uri": "s3://corp-train/data/train.jsonl"}]},
                 {"BMC011"}, id="BMC011-same-file"),
    pytest.param(None, {"trainingDataConfig": _logs(FILTERS),
                        "validationDataConfig.validators": [{"s3Uri": "s3://corp-logs/bedrock/v/"}]},
                 {"BMC011"}, id="BMC011-validation-inside-invocation-logs"),
    pytest.param(None, {"validationDataConfig.validators": [
                     {"s3Uri": "s3://corp-train/data/validation/"}]},
                 set(), id="BMC011-pass-sibling-prefix"),
    # --- BMC006 output apart from inputs ---
    pytest.param(None, {"outputDataConfig.s3Uri": "s3://corp-train/data/"}, {"BMC006"},
                 id="BMC006-output-contains-training"),
    pytest.param(None, {"outputDataConfig.s3Uri": "s3://corp-train/data/train.jsonl/out/"},
                 {"BMC006"}, id="BMC006-output-inside-training"),
    pytest.param(None, {"validationDataConfig.validators": [{"s3Uri": "s3://corp-val/v1/"}],
                        "outputDataConfig.s3Uri": "s3://corp-val/"},
                 {"BMC006"}, id="BMC006-output-contains-validation"),
    pytest.param(None, {"validationDataConfig.validators": [{"s3Uri": "s3://corp-val/v1/"}],
                        "outputDataConfig.s3Uri": "s3://corp-val/v1/output/"},
                 {"BMC006"}, id="BMC006-output-inside-validation"),
    pytest.param(None, {"trainingDataConfig": _logs(FILTERS),
                        "outputDataConfig.s3Uri": "s3://corp-logs/"},
                 {"BMC006"}, id="BMC006-output-contains-invocation-logs"),
    pytest.param(None, {"trainingDataConfig": _logs(FILTERS),
                        "outputDataConfig.s3Uri": "s3://corp-logs/bedrock/2024/out/"},
                 {"BMC006"}, id="BMC006-output-inside-invocation-logs"),
    pytest.param(None, {"outputDataConfig.s3Uri": "s3://corp-train/output/"}, set(),
                 id="BMC006-same-bucket-other-prefix"),
    pytest.param(None, {"outputDataConfig.s3Uri": "s3://corp-train/dat/"}, set(),
                 id="BMC006-string-prefix-is-not-a-folder"),
    # --- BMC007 invocation-log filters ---
    pytest.param(None, {"trainingDataConfig": _logs()}, {"BMC007"}, id="BMC007-no-filters"),
    pytest.param(None, {"trainingDataConfig": _logs({})}, {"BMC007"}, id="BMC007-empty-filters"),
    pytest.param(None, {"trainingDataConfig": _logs(FILTERS)}, set(), id="BMC007-pass"),
    # --- BMC008 RFT grader ---
    pytest.param(None, _rft(GRADER.replace(ACCOUNT, OTHER_ACCOUNT)), {"BMC008"},
                 id="BMC008-grader-in-another-account"),
    pytest.param(None, _rft(GRADER.replace("us-east-1", "eu-west-1")), {"BMC008"},
                 id="BMC008-grader-in-another-region"),
    pytest.param(None, _rft(None), {"BMC008"}, id="BMC008-no-grader"),
    pytest.param(None, _rft(GRADER), set(), id="BMC008-pass"),
    # --- BMC009 distillation teacher ---
    pytest.param(None, _distillation("us.amazon.nova-premier-v1:0"), {"BMC009"},
                 id="BMC009-us-profile-teacher"),
    pytest.param(
        None,
        _distillation(f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/"
                      "global.anthropic.claude-3-5-sonnet-20240620-v1:0"),
        {"BMC009"},
        id="BMC009-global-profile-arn-teacher",
    ),
    pytest.param(None, _distillation("amazon.nova-premier-v1:0"), set(), id="BMC009-pass-id"),
    pytest.param(None, _distillation(_foundation("amazon.nova-premier-v1:0")), set(),
                 id="BMC009-pass-arn"),
    # No teacher at all is not a cross-region profile (derived.teacherModelId is null).
    pytest.param(None, _distillation(None), set(), id="BMC009-no-teacher-is-not-a-profile"),
    # --- BMC010 placeholders ---
    pytest.param(None, {"roleArn": "arn:aws:iam::{account_id}:role/BedrockFT"}, {"BMC010"},
                 id="BMC010-curly"),
    pytest.param(None, {"outputDataConfig.s3Uri": "s3://<YOUR_BUCKET>/out/"}, {"BMC010"},
                 id="BMC010-angle"),
    pytest.param(None, {"outputModelKmsKeyArn": "arn:aws:kms:us-east-1:${account}:key/" + KEY_ID},
                 {"BMC010"}, id="BMC010-dollar-brace"),
    pytest.param(None, {"vpcConfig.securityGroupIds": ["$SECURITY_GROUP_ID"]}, {"BMC010"},
                 id="BMC010-dollar-upper"),
    pytest.param(None, {"jobName": "ft-$1-run"}, set(), id="BMC010-pass-dollar-digit"),
    # --- BMC101 status ---
    pytest.param(None, {"status": "InProgress", "trainingMetrics": DELETE,
                        "validationMetrics": DELETE}, {"BMC101"}, id="BMC101-in-progress"),
    pytest.param(None, {"status": "Failed", "trainingMetrics": DELETE,
                        "validationMetrics": DELETE}, {"BMC101"}, id="BMC101-failed"),
    pytest.param(None, {"status": "Stopped"}, {"BMC101"}, id="BMC101-stopped"),
    pytest.param(None, {"status": "completed"}, {"BMC101"}, id="BMC101-case-matters"),
    pytest.param(None, {"status": "Completed"}, set(), id="BMC101-pass"),
    # --- BMC102 validation data ---
    pytest.param(None, {"validationDataConfig": DELETE, "validationMetrics": DELETE}, {"BMC102"},
                 id="BMC102-no-validation"),
    pytest.param(None, {"validationDataConfig.validators": [], "validationMetrics": DELETE},
                 {"BMC102"}, id="BMC102-empty-validators"),
    pytest.param(None, {"customizationType": "CONTINUED_PRE_TRAINING",
                        "validationDataConfig": DELETE, "validationMetrics": DELETE},
                 {"BMC102"}, id="BMC102-continued-pre-training"),
    pytest.param(None, {**_distillation("amazon.nova-premier-v1:0"),
                        "validationDataConfig": DELETE, "validationMetrics": DELETE},
                 set(), id="BMC102-not-about-distillation"),
    # --- BMC103 validation metrics ---
    pytest.param(None, {"validationMetrics": DELETE}, {"BMC103"}, id="BMC103-missing"),
    pytest.param(None, {"validationMetrics": []}, {"BMC103"}, id="BMC103-empty"),
    pytest.param(None, {"validationDataConfig.validators": [{"s3Uri": "s3://corp-val/a.jsonl"},
                                                            {"s3Uri": "s3://corp-val/b.jsonl"}]},
                 {"BMC103"}, id="BMC103-fewer-metrics-than-validators"),
    pytest.param(None, {"validationMetrics": [{"validationLoss": "0.2"}]}, {"BMC103"},
                 id="BMC103-loss-as-string"),
    pytest.param(None, {"validationMetrics": [{}]}, {"BMC103"}, id="BMC103-no-loss"),
    pytest.param(None, {"validationDataConfig.validators": [{"s3Uri": "s3://corp-val/a.jsonl"},
                                                            {"s3Uri": "s3://corp-val/b.jsonl"}],
                        "validationMetrics": [{"validationLoss": 0.2}, {"validationLoss": 0.3}]},
                 set(), id="BMC103-pass-two-validators"),
    pytest.param(None, {"status": "InProgress", "validationMetrics": DELETE}, {"BMC101"},
                 id="BMC103-not-about-in-progress"),
    # --- BMC104 training metrics ---
    pytest.param(None, {"trainingMetrics": DELETE}, {"BMC104"}, id="BMC104-missing"),
    pytest.param(None, {"trainingMetrics": {}}, {"BMC104"}, id="BMC104-no-loss"),
    pytest.param(None, {"trainingMetrics.trainingLoss": None}, {"BMC104"}, id="BMC104-null"),
    pytest.param(None, {"trainingMetrics.trainingLoss": "0.12"}, {"BMC104"},
                 id="BMC104-loss-as-string"),
    pytest.param(None, {"status": "Failed", "trainingMetrics": DELETE}, {"BMC101"},
                 id="BMC104-not-about-failed"),
    pytest.param(None, {"trainingMetrics.trainingLoss": 0}, set(), id="BMC104-pass-zero"),
    # --- BMC201 numbers ---
    pytest.param(None, {"hyperParameters.epochCount": 2}, {"BMC201"}, id="BMC201-bare-int"),
    pytest.param(None, {"hyperParameters.learningRate": 0.0001}, {"BMC201"},
                 id="BMC201-bare-float"),
    pytest.param(None, {"hyperParameters.batchSize": "one"}, {"BMC201"}, id="BMC201-word"),
    pytest.param(None, {"hyperParameters.learningRate": "1e-4x"}, {"BMC201"},
                 id="BMC201-garbage"),
    pytest.param(None, {"hyperParameters.learningRate": ".0001"}, set(), id="BMC201-pass-dot"),
    pytest.param(None, {"hyperParameters.learningRate": "1.00E-07"}, set(),
                 id="BMC201-pass-exponent"),
    pytest.param(None, {"baseModelArn": TITAN_MM,
                        **_hp(epochCount="Auto", batchSize="576", learningRate="5.00E-5")},
                 set(), id="BMC201-pass-titan-mm-auto"),
    pytest.param(None, {"hyperParameters.epochCount": "Auto"}, {"BMC201"},
                 id="BMC201-auto-is-only-for-titan-mm"),
    # --- BMC202 names ---
    pytest.param(None, _hp(epoch_count="2", learning_rate="0.00001"), {"BMC202"},
                 id="BMC202-snake-case"),
    pytest.param(None, {"baseModelArn": NOVA_LITE,
                        **_hp(epochCount="2", batchSize="8", learningRate="0.00001")},
                 {"BMC202"}, id="BMC202-nova-has-no-batch-size"),
    pytest.param(None, {"baseModelArn": CLAUDE_HAIKU, **_hp(epochCount="2", learningRate="1")},
                 {"BMC202"}, id="BMC202-haiku-takes-a-multiplier"),
    pytest.param(None, {"baseModelArn": CLAUDE_HAIKU,
                        **_hp(epochCount="2", batchSize="32", learningRateMultiplier="1")},
                 set(), id="BMC202-pass-haiku"),
    pytest.param(None, {"baseModelArn": NOVA_LITE,
                        **_hp(epochCount="2", learningRate="1.00E-5",
                              learningRateWarmupSteps="10")},
                 set(), id="BMC202-pass-nova"),
    # --- BMC203 ranges ---
    pytest.param(None, {"hyperParameters.epochCount": "11"}, {"BMC203", "BMC204"},
                 id="BMC203-epochs-above-max"),
    pytest.param(None, {"hyperParameters.epochCount": "2.5"}, {"BMC203"},
                 id="BMC203-epochs-not-whole"),
    pytest.param(None, {"hyperParameters.batchSize": "65"}, {"BMC203"}, id="BMC203-batch-size"),
    pytest.param(None, {"baseModelArn": TITAN_PREMIER,
                        **_hp(epochCount="2", batchSize="1", learningRate="1.00E-08")},
                 {"BMC203"}, id="BMC203-premier-rate-below-min"),
    pytest.param(None, {"baseModelArn": TITAN_PREMIER,
                        **_hp(epochCount="2", batchSize="1", learningRate=".0001")},
                 {"BMC203"}, id="BMC203-premier-rate-above-max"),
    pytest.param(None, {"baseModelArn": TITAN_PREMIER,
                        **_hp(epochCount="2", batchSize="1", learningRate="1.00E-07")},
                 set(), id="BMC203-pass-premier-rate-at-min"),
    pytest.param(None, {"baseModelArn": TITAN_MM, **_hp(epochCount="Auto", batchSize="100")},
                 {"BMC203"}, id="BMC203-titan-mm-batch-size"),
    pytest.param(None, _rft(GRADER, epochCount=51), {"BMC203", "BMC204"},
                 id="BMC203-rft-epochs"),
    pytest.param(None, _rft(GRADER, batchSize=8), {"BMC203"}, id="BMC203-rft-batch-size"),
    pytest.param(None, _rft(GRADER, learningRate=0.01), {"BMC203"},
                 id="BMC203-rft-learning-rate"),
    pytest.param(None, _rft(GRADER, trainingSamplePerPrompt=17), {"BMC203"},
                 id="BMC203-rft-samples-per-prompt"),
    pytest.param(None, _rft(GRADER, reasoningEffort="max"), {"BMC203"},
                 id="BMC203-rft-reasoning-effort"),
    pytest.param(None, _rft(GRADER, reasoningEffort="high", evalInterval=100,
                            trainingSamplePerPrompt=2), set(), id="BMC203-pass-rft"),
    # --- BMC204 cost guard ---
    pytest.param(None, {"hyperParameters.epochCount": "6"}, {"BMC204"}, id="BMC204-six-epochs"),
    pytest.param(None, {"hyperParameters.epochCount": "5"}, set(), id="BMC204-pass-five"),
    pytest.param(None, _rft(GRADER, epochCount=6), {"BMC204"}, id="BMC204-rft-six-epochs"),
    pytest.param(None, {"baseModelArn": TITAN_MM, **_hp(epochCount="Auto")}, set(),
                 id="BMC204-pass-auto"),
]
# fmt: on


@pytest.mark.parametrize(("base", "overrides", "expected"), ROWS)
def test_builtin_rules(
    base: dict[str, Any] | None, overrides: dict[str, Any], expected: set[str]
) -> None:
    assert rule_ids(make_job(base, **overrides)) == expected


EVERY_BUILTIN_RULE = {f"BMC{n:03d}" for n in [*range(1, 12), *range(101, 105), *range(201, 205)]}


def test_the_table_fails_and_passes_every_builtin_rule() -> None:
    loaded = {rule.id for rule in load_policy(ALL_BUILTIN).rules}
    assert loaded == EVERY_BUILTIN_RULE
    failed = {i for p in ROWS for i in p.values[2]}
    passed = {p.id.split("-")[0] for p in ROWS if not p.values[2]} - {"good"}
    assert failed == EVERY_BUILTIN_RULE
    assert passed == EVERY_BUILTIN_RULE


# --- findings in detail -----------------------------------------------------------------------


def _findings(job: Job, policies: tuple[str, ...] = ALL_BUILTIN) -> list[Finding]:
    [result] = evaluate([job], load_policy(policies))
    assert result.error is None
    return list(result.findings)


def _by_rule(findings: list[Finding], status: FindingStatus) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.status is status:
            grouped.setdefault(finding.rule.id, []).append(finding)
    return grouped


@pytest.mark.parametrize(
    ("overrides", "unknown"),
    [
        ({"roleArn": "arn:aws:iam::{account_id}:role/BedrockFT"}, {"BMC005": "roleArn"}),
        ({"outputModelKmsKeyArn": "<KMS_KEY_ARN>"}, {"BMC004": "outputModelKmsKeyArn"}),
        (
            {"hyperParameters.epochCount": "{{ epochs }}"},
            {"BMC201": "hyperParameters.epochCount", "BMC204": "hyperParameters.epochCount"},
        ),
        ({"status": "${status}"}, {"BMC101": "status"}),
    ],
)
def test_placeholders_make_other_rules_unknown_not_violated(
    overrides: dict[str, Any], unknown: dict[str, str]
) -> None:
    findings = _findings(make_job(**overrides))
    violated = _by_rule(findings, FindingStatus.VIOLATED)
    assert set(violated) == {"BMC010"}
    [placeholder] = violated["BMC010"]
    [path] = overrides
    assert placeholder.path == "derived.unresolved.0"
    assert placeholder.message.startswith(f"derived.unresolved.0: {path} holds an unresolved")
    undecided = _by_rule(findings, FindingStatus.UNKNOWN)
    assert {rule: [f.path for f in found] for rule, found in undecided.items()} == {
        rule: [path] for rule, path in unknown.items()
    }
    for [finding] in undecided.values():
        assert finding.severity is Severity.NOTE
        assert finding.rule.severity is not Severity.NOTE
        assert f"cannot decide: {path} holds an unresolved placeholder" in finding.message


@pytest.mark.parametrize(
    ("base_model", "reason"),
    [
        (TITAN_IMAGE, "AWS publishes no hyperparameter table for titan-image-generator"),
        (CUSTOM_MODEL, "no documented hyperparameters for this base model"),
        (CUSTOM_IMAGE_MODEL, "AWS publishes no hyperparameter table for titan-image-generator"),
    ],
)
def test_base_model_without_a_documented_table_is_unknown(base_model: str, reason: str) -> None:
    job = make_job(
        baseModelArn=base_model,
        hyperParameters={"stepCount": "8000", "batchSize": "8", "learningRate": "0.00001"},
    )
    findings = _findings(job)
    assert _by_rule(findings, FindingStatus.VIOLATED) == {}
    undecided = _by_rule(findings, FindingStatus.UNKNOWN)
    assert sorted(undecided) == ["BMC202", "BMC203"]
    for [finding] in undecided.values():
        assert finding.path == "hyperParameters"
        assert finding.message == f"hyperParameters: cannot decide: {reason}"
        assert finding.severity is Severity.NOTE


def test_base_model_without_a_table_still_needs_numbers() -> None:
    job = make_job(baseModelArn=TITAN_IMAGE, hyperParameters={"stepCount": 8000})
    assert rule_ids(job) == {"BMC201"}
    assert rule_ids(job, status="unknown") == {"BMC202", "BMC203"}


def test_rft_findings_point_at_each_typed_hyperparameter() -> None:
    job = make_job(**_rft(GRADER, epochCount=100, reasoningEffort="max"))
    violated = _by_rule(_findings(job), FindingStatus.VIOLATED)
    prefix = "customizationConfig.rftConfig.hyperParameters"
    assert sorted((f.path, f.message.split(": ", 1)[1]) for f in violated["BMC203"]) == [
        (f"{prefix}.epochCount", "100 is above the documented maximum 50"),
        (f"{prefix}.reasoningEffort", "'max' is not one of low, medium, high"),
    ]
    assert [f.message for f in violated["BMC204"]] == [
        f"{prefix}.epochCount: 100 is above the maximum 5"
    ]


def test_grader_in_another_account_and_region_reports_both() -> None:
    job = make_job(**_rft(f"arn:aws:lambda:eu-west-1:{OTHER_ACCOUNT}:function:grader"))
    [*bmc008] = _by_rule(_findings(job), FindingStatus.VIOLATED)["BMC008"]
    assert sorted(f.message.split(": ", 1)[1] for f in bmc008) == [
        f"account '{OTHER_ACCOUNT}' differs from the job's account '{ACCOUNT}'",
        "region 'eu-west-1' differs from the job's region 'us-east-1'",
    ]


def test_overlapping_output_names_every_overlapped_location() -> None:
    job = make_job(**{"outputDataConfig.s3Uri": "s3://corp-train/"})
    bmc006 = _by_rule(_findings(job), FindingStatus.VIOLATED)["BMC006"]
    assert sorted(f.message for f in bmc006) == [
        "outputDataConfig.s3Uri: 's3://corp-train/' overlaps the training location "
        "'s3://corp-train/data/train.jsonl'",
        "outputDataConfig.s3Uri: 's3://corp-train/' overlaps the validation location "
        "'s3://corp-train/data/val.jsonl'",
    ]


def test_bmc103_names_both_lengths() -> None:
    validators = [{"s3Uri": "s3://corp-val/a"}, {"s3Uri": "s3://corp-val/b"}]
    job = make_job(**{"validationDataConfig.validators": validators})
    [finding] = _by_rule(_findings(job), FindingStatus.VIOLATED)["BMC103"]
    assert finding.path == "validationMetrics"
    assert finding.message == (
        "validationMetrics: has 1 entries, validationDataConfig.validators has 2"
    )


def test_bmc204_guard_is_overridden_by_an_org_var(tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text("version: 1\nvars:\n  max_epoch_count: 10\n", encoding="utf-8")
    six = make_job(**{"hyperParameters.epochCount": "6"})
    ten = make_job(**{"hyperParameters.epochCount": "10"})
    eleven_rft = make_job(**_rft(GRADER, epochCount=11))
    assert rule_ids(six, ("builtin:cost",)) == {"BMC204"}
    with_org = ("builtin:cost", str(org))
    assert rule_ids(six, with_org) == set()
    assert rule_ids(ten, with_org) == set()
    assert rule_ids(eleven_rft, with_org) == {"BMC204"}
    [finding] = _findings(eleven_rft, with_org)
    assert finding.message.endswith("11 is above the maximum 10")
    assert load_policy(with_org).vars["max_epoch_count"] == 10


def test_grader_region_is_unknown_when_only_the_grader_names_a_region() -> None:
    # A create request with a bare base-model id and no KMS key: the grader's own ARN is the only
    # regional ARN, so comparing it with "the job's region" would compare it with itself.
    request = {key: value for key, value in CREATE_REQUEST.items() if key != "customModelKmsKeyId"}
    rft = _rft(f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:grader")
    rft.pop("baseModelArn")
    job = make_job(request, baseModelIdentifier="amazon.nova-lite-v1:0:300k", **rft)
    findings = _findings(job)
    [bmc008] = [f for f in findings if f.rule.id == "BMC008"]
    assert bmc008.status is FindingStatus.UNKNOWN
    assert bmc008.message.endswith("the job's region is known only from this ARN")
    assert job.document["derived"]["regionFrom"] == (
        "customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn"
    )
