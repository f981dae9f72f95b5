"""The verdict cache changes no verdict.

checker.evaluate.Evaluator validates a rule once per distinct value of the paths the rule
declares it reads (CompiledRule.reads, from policy.py and vocabulary.ROOT_READS). A read left out
of that declaration would hand one job's verdict to another job that differs only there. For
random batches of jobs (built from the shared builders, fields drawn from small pools so that jobs
share some values and differ in others) and the built-in packs plus random custom rules, every
job's findings from the caching evaluator equal those of validating each rule on each job
directly.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import yaml
from helpers.jobs import ALL_BUILTIN, DELETE, KEY_ARN, make_job
from helpers.policies import policy_documents
from hypothesis import assume, given
from hypothesis import strategies as st

from checker.errors import CheckerError
from checker.evaluate import Evaluator
from checker.model import Job, JobResult
from checker.policy import Policy, load_policy

BUILTIN = load_policy(ALL_BUILTIN)
OWN, OTHER = "111122223333", "444455556666"
JOB_ARN = "arn:aws:bedrock:{region}:{account}:model-customization-job/base/{name}"
ROLE_ARN = "arn:aws:iam::{account}:role/service-role/BedrockFT"
KEY = "arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FOUNDATION = "arn:aws:bedrock:{region}::foundation-model/{model}"

# Each field's values: a few, so that jobs of one batch often share one and differ in the next.
FIELDS: dict[str, list[Any]] = {
    "roleArn": [
        ROLE_ARN.format(account=OWN),
        ROLE_ARN.format(account=OTHER),
        "arn:aws:iam::${ACCOUNT}:role/BedrockFT",
        DELETE,
    ],
    "outputModelKmsKeyArn": [
        KEY_ARN,
        KEY.format(region="eu-west-1", account=OWN),
        KEY.format(region="us-east-1", account=OTHER),
        "alias/models",
        DELETE,
    ],
    "vpcConfig": [
        {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
        {"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]},
        {"subnetIds": [], "securityGroupIds": []},
        "subnet-a",
        DELETE,
    ],
    "baseModelArn": [
        FOUNDATION.format(region="us-east-1", model="amazon.titan-text-lite-v1:0:4k"),
        FOUNDATION.format(region="eu-west-1", model="amazon.nova-micro-v1:0:128k"),
        FOUNDATION.format(region="us-east-1", model="meta.llama3-1-8b-instruct-v1:0:128k"),
        "amazon.titan-text-express-v1",
        DELETE,
    ],
    "customizationType": ["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION", DELETE],
    "hyperParameters": [
        {"epochCount": "2", "batchSize": "1", "learningRate": ".0001"},
        {"epochCount": "100", "batchSize": "1", "learningRate": ".0001"},
        {"epochCount": "two", "learningRate": "1e-9"},
        {"epochCount": 3, "learningRateWarmupSteps": "5", "unknownKnob": "1"},
        DELETE,
    ],
    "trainingDataConfig": [
        {"s3Uri": "s3://corp-train/data/train.jsonl"},
        {"s3Uri": "s3://corp-out/jobs/train.jsonl"},
        {"s3Uri": "s3://${BUCKET}/train.jsonl"},
        {"invocationLogsConfig": {"invocationLogSource": {"s3Uri": "s3://corp-logs/x/"}}},
        DELETE,
    ],
    "validationDataConfig": [
        {"validators": [{"s3Uri": "s3://corp-train/data/val.jsonl"}]},
        {"validators": []},
        DELETE,
    ],
    "outputDataConfig": [{"s3Uri": "s3://corp-out/jobs/"}, {"s3Uri": "s3://corp-train/"}, DELETE],
    "tags": [[{"key": "owner", "value": "ml"}], [], DELETE],
    "status": ["Completed", "InProgress", "Failed"],
}
# The job's own account and region come from its ARN: jobs with equal fields may differ here.
ARN_PLACES = [("us-east-1", OWN), ("eu-west-1", OWN), ("us-east-1", OTHER), None]


@st.composite
def jobs(draw: st.DrawFn, index: int) -> Job:
    overrides = {
        field: draw(st.sampled_from(values))
        for field, values in FIELDS.items()
        if draw(st.booleans())
    }
    name = f"job-{index}"
    place = draw(st.sampled_from(ARN_PLACES))
    arn = DELETE if place is None else JOB_ARN.format(region=place[0], account=place[1], name=name)
    return make_job(jobName=name, jobArn=arn, outputModelArn=DELETE, **overrides)


@st.composite
def batches(draw: st.DrawFn) -> list[Job]:
    return [draw(jobs(index)) for index in range(draw(st.integers(2, 6)))]


def custom_policy(document: dict[str, Any]) -> Policy:
    """The generated rules beside the built-in packs; a policy that does not load is rejected."""
    assume(not any(str(rule.get("id", "")).startswith("BMC") for rule in document["rules"]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "custom.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        try:
            custom = load_policy([str(path)])
        except CheckerError:
            assume(False)
    return Policy((*BUILTIN.compiled, *custom.compiled), (*BUILTIN.sources, *custom.sources))


def uncached(policy: Policy) -> Policy:
    """The same rules with no declared reads: each rule is validated on each job directly."""
    compiled = tuple(dataclasses.replace(c, reads=None, when_reads=None) for c in policy.compiled)
    return dataclasses.replace(policy, compiled=compiled)


def verdicts(result: JobResult) -> tuple[Any, ...]:
    findings = tuple(
        (f.rule.id, f.status.value, f.path, f.message, f.value, f.line) for f in result.findings
    )
    error = result.error.message if result.error is not None else None
    return result.key, result.checked, findings, error


def assert_cache_changes_nothing(policy: Policy, batch: list[Job]) -> None:
    evaluator = Evaluator(policy)
    direct = [verdicts(r) for r in Evaluator(uncached(policy)).evaluate(batch)]
    assert [verdicts(r) for r in evaluator.evaluate(batch)] == direct
    # Reused across calls, with the batch reversed: verdicts cached from other jobs.
    again = [verdicts(r) for r in evaluator.evaluate(batch[::-1])]
    assert again == direct[::-1]


@given(batches())
def test_cached_verdicts_of_the_builtin_packs_equal_direct_validation(batch: list[Job]) -> None:
    assert_cache_changes_nothing(BUILTIN, batch)


@given(policy_documents(), batches())
def test_cached_verdicts_of_custom_rules_equal_direct_validation(
    document: dict[str, Any], batch: list[Job]
) -> None:
    assert_cache_changes_nothing(custom_policy(document), batch)


def test_the_reference_validates_every_rule_on_every_job() -> None:
    """The comparison means something: the reference has no cache, the evaluator has one."""
    batch = [make_job(jobName=f"job-{n}") for n in range(3)]
    assert all(c.reads is None and c.when_reads is None for c in uncached(BUILTIN).compiled)
    assert any(c.reads for c in BUILTIN.compiled)
    evaluator = Evaluator(BUILTIN)
    evaluator.evaluate(batch)
    assert evaluator._cache, "the built-in packs' verdicts are cached"


def test_a_rule_whose_values_differ_for_every_job_stops_being_cached() -> None:
    """Each job has its own output location, all share one VPC: the cache keeps the VPC
    rules' verdicts and, after its trial, stops holding a verdict per job for the others."""
    from checker import evaluate

    count = evaluate._TRIAL_LOOKUPS + 50
    batch = [
        make_job(jobName=f"job-{n}", outputDataConfig={"s3Uri": f"s3://corp-out/jobs/{n}/"})
        for n in range(count)
    ]
    evaluator = Evaluator(BUILTIN)
    direct = [verdicts(r) for r in Evaluator(uncached(BUILTIN)).evaluate(batch)]

    assert [verdicts(r) for r in evaluator.evaluate(batch)] == direct
    ids = {rule.id: index for index, rule in enumerate(r.rule for r in BUILTIN.compiled)}
    uncached_ids = {BUILTIN.compiled[index].rule.id for index, _ in evaluator._uncached}
    assert "BMC006" in uncached_ids  # the output prefix: one value per job
    assert "BMC001" not in uncached_ids  # the VPC: one value for all
    assert not [key for key in evaluator._cache if key[0] == ids["BMC006"] and key[1] == 0]
    assert len(evaluator._cache) < count
