"""Deep mode: BMC310's required tags, and each shared resource fetched once, only when a loaded
rule reads it.

AWS is moto in-process with fake credentials. Resources come from helpers.deep.Cloud, compliant
unless a test breaks one thing, so that each test can assert the verdict of every deep rule.
What moto cannot produce (AccessDenied, an AWS-managed key or policy) is made by botocore event
handlers on the session that deep mode reads with (helpers.deep.deny and alter).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers.aws import create_job
from helpers.cli import run
from helpers.deep import (
    ACCOUNT,
    ALL_BLOCKED,
    DATA_ACCESS,
    REGION,
    Cloud,
    job_document,
    record,
)
from helpers.enrich import (
    ALL_PASSED,
    REQUIRED_TAGS,
    Setup,
    create_request,
    enrich,
    findings,
    outcomes,
    report_findings,
)
from helpers.jobs import DELETE, make_job

import checker.enrich as enrich_stage
from checker.aws.connection import Connection
from checker.policy import load_policy

# -- BMC310: the org template's required tags ---------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (REQUIRED_TAGS, "passed"),
        ({"owner": "ml-platform", "cost-center": "cc-42"}, "violated"),
        ({**REQUIRED_TAGS, "owner": " "}, "violated"),
        ({}, "violated"),
    ],
)
def test_bmc310_requires_the_org_tags(
    org_policy: Path, tags: dict[str, str], expected: str
) -> None:
    policy = load_policy([str(org_policy)], select=["BMC310"])
    job = make_job(create_request(jobTags=[{"key": k, "value": v} for k, v in tags.items()]))

    assert outcomes(job, policy) == {"BMC310": expected}


def test_bmc310_is_unknown_for_a_get_response_without_deep(org_policy: Path) -> None:
    policy = load_policy([str(org_policy)], select=["BMC310"])
    job = make_job()  # a Get response: the API gives no tags

    [finding] = findings(job, "BMC310", policy)
    assert finding.status.value == "unknown"
    assert "are not in a Get response" in finding.message
    assert enrich_stage.needs(policy) == frozenset({"tags"})


def _get_response_file(bedrock: Any, name: str, tags: dict[str, str]) -> Path:
    create_job(bedrock, name, jobTags=[{"key": k, "value": v} for k, v in tags.items()])
    response = bedrock.get_model_customization_job(jobIdentifier=name)
    response.pop("ResponseMetadata")
    path = Path(f"{name}.json")
    path.write_text(json.dumps(response, default=lambda v: v.isoformat()), encoding="utf-8")
    return path


def test_check_deep_fetches_the_tags_of_get_response_files(cloud: Cloud, org_policy: Path) -> None:
    tagged = _get_response_file(cloud.bedrock, "tagged", REQUIRED_TAGS)
    untagged = _get_response_file(cloud.bedrock, "untagged", {"owner": "ml-platform"})
    args = ["check", str(tagged), str(untagged), "--policy", str(org_policy), "--rule", "BMC310"]

    without = run(*args, "--format", "json")
    warned = run(*args, "--deep", "--format", "json")
    failed = run(*args, "--deep", "--fail-on", "warning")

    assert without.exit_code == 0, without.output
    assert report_findings(json.loads(without.stdout)) == {
        "tagged": {"BMC310": "unknown"},
        "untagged": {"BMC310": "unknown"},
    }
    assert warned.exit_code == 0, warned.output  # BMC310 is a warning in the template
    report = json.loads(warned.stdout)
    assert report_findings(report) == {"tagged": {}, "untagged": {"BMC310": "violated"}}
    [job] = [job for job in report["jobs"] if job["name"] == "untagged"]
    assert {f["path"] for f in job["findings"]} == {"tags.cost-center", "tags.data-classification"}
    assert failed.exit_code == 1, failed.output
    assert "untagged" in failed.stdout and "BMC310 warning" in failed.stdout


# -- Fetching: once per resource, and only what the rules read ----------------------------------


def test_resources_shared_by_jobs_are_fetched_once(setup: Setup) -> None:
    fetcher = enrich_stage.Fetcher(Connection(), REGION)
    documents = [job_document(setup.world, f"job-{n}") for n in range(6)]

    jobs = enrich(documents, setup.session, fetcher=fetcher)

    assert [outcomes(job) for job in jobs] == [ALL_PASSED] * 6
    assert fetcher.calls == Counter(
        {
            "kms:DescribeKey": 2,  # the job's key, and the buckets' default key once
            "kms:GetKeyRotationStatus": 1,
            "kms:GetKeyPolicy": 1,
            "iam:GetRole": 1,
            "iam:ListAttachedRolePolicies": 1,
            "iam:GetPolicy": 1,
            "iam:GetPolicyVersion": 1,
            "iam:ListRolePolicies": 1,
            "iam:GetRolePolicy": 1,
            "s3:GetPublicAccessBlock": 2,  # two buckets
            "s3:GetBucketEncryption": 2,
            "s3:GetBucketPolicy": 2,
            "s3:GetBucketVersioning": 2,
            "s3:GetObjectLockConfiguration": 2,
            "s3:GetBucketLogging": 2,
            "ec2:DescribeSubnets": 2,  # two subnets
            "ec2:DescribeRouteTables": 3,  # each subnet's association, then the main table once
            "ec2:DescribeVpcEndpoints": 1,  # once for the VPC of both subnets
            "ec2:DescribeSecurityGroups": 1,
        }
    )


def test_a_customer_policy_shared_by_roles_is_read_once(setup: Setup) -> None:
    fetcher = enrich_stage.Fetcher(Connection(), REGION)
    policy_arn = setup.cloud.attach("BedrockFT", "shared-data", DATA_ACCESS)
    other = setup.cloud.role("Second", managed={})
    setup.cloud.iam.attach_role_policy(RoleName="Second", PolicyArn=policy_arn)
    documents = [
        job_document(setup.world, "first"),
        job_document(setup.world, "second", roleArn=other),
    ]

    enrich(documents, setup.session, kinds=frozenset({"role"}), fetcher=fetcher)

    assert fetcher.calls["iam:GetRole"] == 2
    assert fetcher.calls["iam:GetPolicy"] == 2  # BedrockFT-vpc and shared-data, once each
    assert fetcher.calls["iam:GetPolicyVersion"] == 2


def test_the_account_block_is_read_once_and_only_when_a_bucket_needs_it(setup: Setup) -> None:
    for name in ("corp-a", "corp-b"):
        setup.cloud.bucket(name, block=None)
    setup.cloud.block_account()
    account_reads = record(setup.session, "s3-control.GetPublicAccessBlock")
    documents = [
        job_document(setup.world, "blocked-buckets"),  # corp-train, corp-out block all four
        job_document(
            setup.world,
            "account-blocked",
            trainingDataConfig__s3Uri="s3://corp-a/train.jsonl",
            outputDataConfig__s3Uri="s3://corp-b/out/",
        ),
    ]

    fetcher = enrich_stage.Fetcher(Connection(), REGION)
    first, second = enrich(documents, setup.session, kinds=frozenset({"buckets"}), fetcher=fetcher)

    assert fetcher.calls["s3control:GetPublicAccessBlock"] == 1
    assert fetcher.calls["s3:GetPublicAccessBlock"] == 4  # one per bucket
    assert len(account_reads) == 1
    assert [params["AccountId"] for params in account_reads] == [ACCOUNT]
    assert (
        first.document["resources"]["buckets"]["corp-train"]["publicAccessBlock"]["account"] is None
    )
    block = second.document["resources"]["buckets"]["corp-a"]["publicAccessBlock"]
    assert block["bucket"] == dict.fromkeys(ALL_BLOCKED, False)
    assert block["effective"] == ALL_BLOCKED
    assert outcomes(second)["BMC305"] == "passed"


def test_bucket_reads_expect_the_jobs_account_as_owner(setup: Setup) -> None:
    blocks = record(setup.session, "s3.GetPublicAccessBlock")
    encryptions = record(setup.session, "s3.GetBucketEncryption")

    enrich([job_document(setup.world)], setup.session, kinds=frozenset({"buckets"}))

    for sent in (blocks, encryptions):
        assert sorted((p["Bucket"], p.get("ExpectedBucketOwner")) for p in sent) == [
            ("corp-out", ACCOUNT),
            ("corp-train", ACCOUNT),
        ]


@pytest.mark.parametrize(
    ("select", "kinds"),
    [
        (["BMC301"], {"kmsKey"}),
        (["BMC302"], {"kmsKey"}),
        (["BMC303", "BMC304"], {"role"}),
        (["BMC305", "BMC306"], {"buckets"}),
        (["BMC307"], {"subnets"}),
        (["BMC308"], {"subnets"}),
        (["BMC309"], {"securityGroups"}),
        (["BMC30*"], {"kmsKey", "role", "buckets", "subnets", "securityGroups"}),
    ],
)
def test_only_the_kinds_the_loaded_rules_read_are_needed(
    select: list[str], kinds: set[str]
) -> None:
    assert enrich_stage.needs(load_policy(["builtin:deep"], select=select)) == kinds


def test_the_deep_pack_fetches_no_tags(setup: Setup) -> None:
    # No deep rule reads tags: a Get response without them is not worth a ListTagsForResource.
    fetcher = enrich_stage.Fetcher(Connection(), REGION)

    [job] = enrich([job_document(setup.world, tags=DELETE)], setup.session, fetcher=fetcher)

    assert "bedrock:ListTagsForResource" not in fetcher.calls
    assert "tags" not in job.document["resources"]["unknown"]


def test_a_policy_reading_only_the_key_calls_only_kms(setup: Setup) -> None:
    policy = load_policy(["builtin:deep"], select=["BMC301"])
    fetcher = enrich_stage.Fetcher(Connection(), REGION)

    [job] = enrich(
        [job_document(setup.world)],
        setup.session,
        kinds=enrich_stage.needs(policy),
        fetcher=fetcher,
    )

    assert set(fetcher.calls) == {"kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:GetKeyPolicy"}
    resources = job.document["resources"]
    assert set(resources) == {"kmsKey", "unknown"}
    assert resources["unknown"] == {
        f"resources.{kind}": "was not fetched (no loaded rule reads it)"
        for kind in (
            "buckets",
            "evaluation",
            "invocationLogging",
            "role",
            "securityGroups",
            "subnets",
        )
    }
    assert outcomes(job, policy) == {"BMC301": "passed"}
