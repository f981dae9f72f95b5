"""Deep mode passes compliant resources: each job's KMS key, role, data buckets, subnets and
security groups, read from AWS, in every compliant configuration.

AWS is moto in-process with fake credentials. Resources come from helpers.deep.Cloud, compliant
unless a test breaks one thing, so that each test can assert the verdict of every deep rule.
What moto cannot produce (AccessDenied, an AWS-managed key or policy) is made by botocore event
handlers on the session that deep mode reads with (helpers.deep.deny and alter).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.deep import (
    ACCOUNT,
    ALL_BLOCKED,
    OTHER_ACCOUNT,
    REGION,
    bedrock_trust,
    job_document,
    key_id,
    key_policy,
    new_session,
)
from helpers.enrich import (
    ALL_PASSED,
    DEEP,
    DEEP_RULES,
    LOG_TRAINING,
    NOT_FETCHED,
    Setup,
    create_request,
    enrich,
    log_to,
    outcomes,
    unread,
)
from helpers.jobs import DELETE

from checker.policy import load_policy


def test_the_deep_pack_is_bmc301_to_bmc309_and_bmc311_to_bmc318() -> None:
    assert [rule.id for rule in DEEP.rules] == list(DEEP_RULES)


# -- Compliant resources ------------------------------------------------------------------------


def test_a_well_configured_job_passes_every_deep_rule(setup: Setup) -> None:
    [job] = enrich([job_document(setup.world)], setup.session)

    assert outcomes(job) == ALL_PASSED
    resources = job.document["resources"]
    assert unread(job) == {}
    # The custom model's evaluations are the promotion pack's (BMC105), not loaded here.
    assert resources["unknown"] == {"resources.evaluation": NOT_FETCHED}
    key = resources["kmsKey"]
    assert (key["arn"], key["keyManager"], key["keyState"], key["rotationEnabled"]) == (
        setup.world.key,
        "CUSTOMER",
        "Enabled",
        True,
    )
    role = resources["role"]
    assert role["trust"]["principals"] == ["service:bedrock.amazonaws.com"]
    assert role["trust"]["sourceAccounts"] == [ACCOUNT]
    assert role["trust"]["confusedDeputyProtected"] is True
    assert role["adminPolicies"] == []
    assert [p["name"] for p in role["attachedPolicies"]] == ["BedrockFT-vpc"]
    assert [p["name"] for p in role["inlinePolicies"]] == ["data-access"]
    buckets = resources["buckets"]
    assert {name: b["roles"] for name, b in buckets.items()} == {
        "corp-train": ["training", "validation"],
        "corp-out": ["output"],
    }
    assert all(b["publicAccessBlocked"] for b in buckets.values())
    assert {b["encryption"]["algorithm"] for b in buckets.values()} == {"aws:kms"}
    assert sorted(resources["subnets"]) == sorted(setup.world.subnets)
    for subnet in resources["subnets"].values():
        assert subnet["private"] is True
        assert subnet["routeTable"]["main"] is True
    assert resources["availabilityZones"] == ["us-east-1a", "us-east-1b"]
    group = resources["securityGroups"][setup.world.security_group]
    assert group["openEgress"] is False
    assert [(p["IpProtocol"], p["FromPort"]) for p in group["egress"]] == [("tcp", 443)]


@pytest.mark.parametrize(
    "vpc",
    [DELETE, {}, {"subnetIds": [], "securityGroupIds": []}],
    ids=["no-vpcConfig", "empty-vpcConfig", "empty-lists"],
)
def test_the_network_rules_are_not_about_a_job_without_subnets_or_groups(
    setup: Setup, vpc: Any
) -> None:
    # BMC001 judges a missing VPC configuration; the deep rules judge the network it names.
    [job] = enrich([job_document(setup.world, vpcConfig=vpc)], setup.session)

    verdicts = outcomes(job)
    network = {"BMC307", "BMC308", "BMC309", "BMC311", "BMC317"}
    assert verdicts == {rule: "passed" for rule in ALL_PASSED if rule not in network}


def _account_level_block(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-acct-blocked", block=None)
    s.cloud.block_account()
    return {"outputDataConfig__s3Uri": "s3://corp-acct-blocked/jobs/"}


def _bucket_and_account_each_block_half(s: Setup) -> dict[str, Any]:
    settings = list(ALL_BLOCKED)
    s.cloud.bucket("corp-split", block={k: k in settings[:2] for k in settings})
    s.cloud.block_account({k: k in settings[2:] for k in settings})
    return {"outputDataConfig__s3Uri": "s3://corp-split/jobs/"}


def _dsse_encryption(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-dsse", encryption="aws:kms:dsse")
    return {"outputDataConfig__s3Uri": "s3://corp-dsse/jobs/"}


def _source_arn_condition(s: Setup) -> dict[str, Any]:
    condition = {
        "ArnLike": {
            "aws:SourceArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/*"
        }
    }
    return {"roleArn": s.cloud.role("ArnScoped", trust=bedrock_trust(condition))}


def _associated_private_table(s: Setup) -> dict[str, Any]:
    table = s.cloud.route_table(s.world.vpc, internet=False)
    subnet = s.cloud.subnet(s.world.vpc, "us-east-1c", route_table=table)
    return {"vpcConfig__subnetIds": [s.world.subnets[0], subnet]}


def _public_table_not_used(s: Setup) -> dict[str, Any]:
    # A public table in the same VPC, associated with a subnet the job does not use.
    table = s.cloud.route_table(s.world.vpc, internet=True)
    s.cloud.subnet(s.world.vpc, "us-east-1c", route_table=table)
    return {}


def _all_ports_to_the_vpc_only(s: Setup) -> dict[str, Any]:
    group = s.cloud.security_group(s.world.vpc, "vpc-only")
    s.cloud.ec2.authorize_security_group_egress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
            {
                "IpProtocol": "tcp",
                "FromPort": 0,
                "ToPort": 65535,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
        ],
    )
    return {"vpcConfig__securityGroupIds": [group]}


def _key_of_another_region(s: Setup) -> dict[str, Any]:
    kms = new_session(region="eu-west-1").client("kms")
    key = kms.create_key(Policy=key_policy(via="bedrock.eu-west-1.amazonaws.com"))["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    return {"outputModelKmsKeyArn": key["Arn"]}


def _bucket_logged_by_cloudtrail(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-trailed", logging=False)
    s.cloud.trail_logging_s3_data_events("arn:aws:s3:::corp-trailed/")
    return {"trainingDataConfig__s3Uri": "s3://corp-trailed/train.jsonl"}


def _nat_route_to_a_private_network_only(s: Setup) -> dict[str, Any]:
    table = s.cloud.route_table(s.world.vpc, internet=False)
    s.cloud.route_to_nat(s.world.vpc, table, destination="172.16.0.0/12")
    subnet = s.cloud.subnet(s.world.vpc, "us-east-1b", route_table=table)
    return {"vpcConfig__subnetIds": [s.world.subnets[0], subnet]}


def _key_shared_with_a_listed_account(s: Setup) -> dict[str, Any]:
    partner = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
    }
    return {"outputModelKmsKeyArn": s.cloud.key(key_policy_text=key_policy(partner))}


def test_training_on_logs_kept_in_a_customer_key_bucket_passes(setup: Setup) -> None:
    log_to(setup, setup.cloud.bucket("corp-invocations"))
    document = job_document(setup.world, trainingDataConfig=LOG_TRAINING)

    [job] = enrich([document], setup.session)

    assert outcomes(job) == {**ALL_PASSED, "BMC318": "passed"}
    logging = job.document["resources"]["invocationLogging"]
    assert (logging["s3Bucket"], logging["destinationCustomerManagedKey"]) == (
        "corp-invocations",
        True,
    )


def test_a_listed_account_may_hold_key_policy_principals(setup: Setup, tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(f"version: 1\nvars:\n  kms_key_policy_accounts: ['{OTHER_ACCOUNT}']\n")
    policy_with_partner = load_policy(["builtin:deep", str(org)], select=["BMC315"])
    [job] = enrich(
        [job_document(setup.world, **_key_shared_with_a_listed_account(setup))], setup.session
    )

    assert outcomes(job) == {**ALL_PASSED, "BMC315": "violated"}
    assert outcomes(job, policy_with_partner) == {"BMC315": "passed"}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_key_of_another_region, id="BMC301-key-read-in-its-own-region"),
        pytest.param(_bucket_logged_by_cloudtrail, id="BMC313-cloudtrail-data-events"),
        pytest.param(_nat_route_to_a_private_network_only, id="BMC307-nat-to-a-private-range"),
        pytest.param(_account_level_block, id="BMC305-account-level-block"),
        pytest.param(_bucket_and_account_each_block_half, id="BMC305-bucket-and-account-halves"),
        pytest.param(_dsse_encryption, id="BMC306-aws:kms:dsse"),
        pytest.param(_source_arn_condition, id="BMC303-aws:SourceArn"),
        pytest.param(_associated_private_table, id="BMC307-associated-private-table"),
        pytest.param(_public_table_not_used, id="BMC307-other-subnet-public"),
        pytest.param(_all_ports_to_the_vpc_only, id="BMC309-all-ports-to-vpc-only"),
    ],
)
def test_other_compliant_configurations_pass(
    setup: Setup, change: Callable[[Setup], dict[str, Any]]
) -> None:
    [job] = enrich([job_document(setup.world, **change(setup))], setup.session)

    assert outcomes(job) == ALL_PASSED
    assert unread(job) == {}


def test_a_create_request_naming_a_key_alias_is_judged_by_the_key(setup: Setup) -> None:
    setup.cloud.kms.create_alias(AliasName="alias/models", TargetKeyId=key_id(setup.world.key))
    request = create_request(roleArn=setup.world.role, customModelKmsKeyId="alias/models")

    [job] = enrich([request], setup.session, kinds=frozenset({"kmsKey"}))

    key = job.document["resources"]["kmsKey"]
    assert (key["named"], key["arn"], key["rotationEnabled"]) == (
        "alias/models",
        setup.world.key,
        True,
    )
    assert outcomes(job, load_policy(["builtin:deep"], select=["BMC30[12]"])) == {
        "BMC301": "passed",
        "BMC302": "passed",
    }
