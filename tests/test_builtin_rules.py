"""Every built-in rule (baseline, promotion and cost packs) on failing and passing jobs.

The table of jobs is the packs' own policy tests (policies/tests/), each evaluated against all
three packs with every rule it does not name held to pass; the findings' details are here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers.jobs import ALL_BUILTIN, DEEP_READ, DELETE, GOOD_JOB, KEY_ARN, make_job, rule_ids
from helpers.paths import REPO

from checker.cli import cli
from checker.evaluate import evaluate
from checker.model import Finding, FindingStatus, Job, Severity
from checker.policy import load_policy
from checker.policy_tests import load_test_files

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


# The table of jobs and the outcome expected of each built-in rule lives in
# policies/tests/*.test.yaml, in the policy test format, and runs through `policy test`.
PACK_TESTS = REPO / "policies" / "tests"
EVERY_BUILTIN_RULE = {f"BMC{n:03d}" for n in [*range(1, 12), *range(101, 105), *range(201, 205)]}


def test_the_builtin_packs_pass_their_own_policy_tests() -> None:
    result = CliRunner().invoke(cli, ["policy", "test", str(PACK_TESTS)])
    assert result.exit_code == 0, result.output
    *cases, summary = result.stdout.splitlines()
    assert cases and all(line.startswith("PASS  ") for line in cases)
    assert summary == f"{len(cases)} policy tests in 3 files: {len(cases)} passed, 0 failed"


def _expected_outcomes() -> dict[str, set[str]]:
    """rule id -> the outcomes the pack tests expect of it somewhere."""
    found: dict[str, set[str]] = {}
    for test_file in load_test_files(sorted(PACK_TESTS.glob("*.test.yaml"))):
        assert test_file.policy.sources == ALL_BUILTIN
        for case in test_file.cases:
            assert case.others_pass, case.name  # each test proves that no other rule fires
            for expectation in case.expectations:
                found.setdefault(expectation.rule_id, set()).add(expectation.outcome)
    return found


def test_the_pack_tests_fail_and_pass_every_builtin_rule() -> None:
    loaded = {rule.id for rule in load_policy(ALL_BUILTIN).rules}
    assert loaded == EVERY_BUILTIN_RULE | DEEP_READ
    expected = _expected_outcomes()
    assert {rule for rule, outcomes in expected.items() if "fail" in outcomes} == EVERY_BUILTIN_RULE
    assert {rule for rule, outcomes in expected.items() if "pass" in outcomes} == EVERY_BUILTIN_RULE
    # A rule on what --deep fetches is decided in tests/enrich/; a file job leaves it unknown.
    assert all({"unknown", "not applicable"} <= expected[rule] for rule in DEEP_READ)


# --- findings in detail -----------------------------------------------------------------------


def _findings(job: Job, policies: tuple[str, ...] = ALL_BUILTIN) -> list[Finding]:
    [result] = evaluate([job], load_policy(policies))
    assert result.error is None
    return [finding for finding in result.findings if finding.rule.id not in DEEP_READ]


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


def test_a_create_request_whose_key_alone_names_a_region_is_decided() -> None:
    # The key gives the job its region: BMC004 passes (no unknown finding), and a grader in
    # another region is a violation of BMC008, not an unknown.
    rft = _rft(f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:grader")
    rft.pop("baseModelArn")
    job = make_job(CREATE_REQUEST, baseModelIdentifier="amazon.nova-lite-v1:0:300k", **rft)
    assert job.document["derived"]["regionFrom"] == "outputModelKmsKeyArn"
    findings = _findings(job)
    assert [f.rule.id for f in findings if f.rule.id in ("BMC004", "BMC008")] == ["BMC008"]
    [bmc008] = [f for f in findings if f.rule.id == "BMC008"]
    assert bmc008.status is FindingStatus.VIOLATED
    assert bmc008.message.endswith("region 'eu-west-1' differs from the job's region 'us-east-1'")


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
