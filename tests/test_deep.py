"""Deep mode: each job's KMS key, role, data buckets, subnets and security groups, read from AWS.

AWS is moto in-process with fake credentials. Resources come from deep_fixtures.Cloud, compliant
unless a test breaks one thing, so that each test can assert the verdict of every deep rule.
What moto cannot produce (AccessDenied, an AWS-managed key or policy) is made by botocore event
handlers on the session that deep mode reads with (deep_fixtures.deny and alter).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import DELETE, GOOD_JOB, make_job
from deep_fixtures import (
    ACCOUNT,
    ADMIN,
    ADMIN_POLICY_ARN,
    ALL_BLOCKED,
    DATA_ACCESS,
    OTHER_ACCOUNT,
    REGION,
    Cloud,
    World,
    alter,
    bedrock_trust,
    deny,
    job_document,
    key_id,
    key_policy,
    new_session,
    policy,
    record,
)
from junitparser import JUnitXml
from moto import mock_aws
from test_aws import aws_env, create_job

import checker.enrich as enrich_stage
from checker.aws import session as aws_session
from checker.aws.connection import Connection
from checker.cli import cli
from checker.evaluate import evaluate
from checker.model import Finding, Job
from checker.packs import template_text
from checker.policy import Policy, load_policy
from checker.sources.files import read_paths

DEEP = load_policy(["builtin:deep"])
DEEP_RULES = (*(f"BMC30{n}" for n in range(1, 10)), *(f"BMC3{n}" for n in range(11, 19)))
# BMC318 is about jobs that train on invocation logs, which the compliant job does not.
ALL_PASSED = dict.fromkeys([rule for rule in DEEP_RULES if rule != "BMC318"], "passed")
REQUIRED_TAGS = {"owner": "ml-platform", "cost-center": "cc-42", "data-classification": "internal"}
BASE_MODEL = "amazon.titan-text-express-v1"
CREATE_REQUEST = Path(__file__).parent / "fixtures" / "aws" / "create-job.json"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata; us-east-1 by default."""
    aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # seconds per test otherwise
    monkeypatch.chdir(tmp_path)


@dataclass
class Setup:
    """moto's resources: a builder, one compliant world, and the session deep mode reads with."""

    cloud: Cloud
    world: World
    session: Any


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with mock_aws():
        yield Cloud()


@pytest.fixture
def setup(cloud: Cloud) -> Setup:
    return Setup(cloud, cloud.world(), new_session())


@pytest.fixture
def cli_session(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[Any], Any]], None]:
    """Register a hook run on every boto3 session the CLI makes (e.g. ``deny`` on it)."""
    hooks: list[Callable[[Any], Any]] = []
    real = aws_session.make_session

    def make(profile: str | None) -> Any:
        session = real(profile)
        for hook in hooks:
            hook(session)
        return session

    monkeypatch.setattr(aws_session, "make_session", make)
    return hooks.append


def enrich(
    documents: list[dict[str, Any]],
    session: Any,
    *,
    kinds: frozenset[str] | None = None,
    default_region: str | None = REGION,
    fetcher: enrich_stage.Fetcher | None = None,
) -> list[Job]:
    """The documents as jobs with their resources section, read as ``check --deep`` does."""
    jobs = [make_job(document) for document in documents]
    items = enrich_stage.enrich(
        [(job, session) for job in jobs],
        enrich_stage.needs(DEEP) if kinds is None else kinds,
        Connection(),
        default_region=default_region,
        fetcher=fetcher,
    )
    assert all(isinstance(item, Job) for item in items), items
    return items  # type: ignore[return-value]


def outcomes(job: Job, policy: Policy = DEEP) -> dict[str, str]:
    """Each rule that applies to the job: passed, violated or unknown."""
    [result] = evaluate([job], policy)
    found = dict.fromkeys(result.checked, "passed")
    for finding in result.findings:
        found[finding.rule.id] = finding.status.value
    return found


def findings(job: Job, rule: str, policy: Policy = DEEP) -> list[Finding]:
    [result] = evaluate([job], policy)
    return [finding for finding in result.findings if finding.rule.id == rule]


def create_request(**overrides: Any) -> dict[str, Any]:
    """The shared create request (tests/fixtures/aws), with top-level fields replaced."""
    return {**json.loads(CREATE_REQUEST.read_text()), **overrides}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def report_findings(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{job name: {rule id: status}} from a JSON report."""
    return {
        job["name"]: {f["ruleId"]: f["status"] for f in job["findings"]} for job in report["jobs"]
    }


def test_the_deep_pack_is_bmc301_to_bmc309_and_bmc311_to_bmc318() -> None:
    assert [rule.id for rule in DEEP.rules] == list(DEEP_RULES)


# -- Compliant resources ------------------------------------------------------------------------


def test_a_well_configured_job_passes_every_deep_rule(setup: Setup) -> None:
    [job] = enrich([job_document(setup.world)], setup.session)

    assert outcomes(job) == ALL_PASSED
    resources = job.document["resources"]
    assert resources["unknown"] == {}
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
    _log_to(setup, setup.cloud.bucket("corp-invocations"))
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
    assert job.document["resources"]["unknown"] == {}


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


# -- Each rule's misconfiguration ---------------------------------------------------------------


def _disabled_key(s: Setup) -> dict[str, Any]:
    s.cloud.kms.disable_key(KeyId=key_id(s.world.key))
    return {}


def _key_pending_deletion(s: Setup) -> dict[str, Any]:
    s.cloud.kms.schedule_key_deletion(KeyId=key_id(s.world.key), PendingWindowInDays=7)
    return {}


def _aws_managed_key(s: Setup) -> dict[str, Any]:
    # moto makes only customer keys: DescribeKey's answer about the job's key is edited.
    def as_aws_managed(parsed: dict[str, Any]) -> None:
        if parsed["KeyMetadata"]["Arn"] == s.world.key:
            parsed["KeyMetadata"].update(KeyManager="AWS")

    alter(s.session, "kms.DescribeKey", as_aws_managed)
    return {}


def _rotation_off(s: Setup) -> dict[str, Any]:
    return {"outputModelKmsKeyArn": s.cloud.key(rotation=False)}


def _trust_with_another_accounts_principal(s: Setup) -> dict[str, Any]:
    trust = bedrock_trust()
    trust["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    )
    return {"roleArn": s.cloud.role("SharedWithPartner", trust=trust)}


def _trust_without_source_condition(s: Setup) -> dict[str, Any]:
    return {"roleArn": s.cloud.role("Unscoped", trust=bedrock_trust(condition={}))}


def _trust_of_anyone(s: Setup) -> dict[str, Any]:
    trust = bedrock_trust()
    trust["Statement"][0]["Principal"] = "*"
    return {"roleArn": s.cloud.role("Anyone", trust=trust)}


def _customer_admin_policy(s: Setup) -> dict[str, Any]:
    return {"roleArn": s.cloud.role("ManagedAdmin", managed={"everything": ADMIN})}


def _inline_admin_policy(s: Setup) -> dict[str, Any]:
    return {"roleArn": s.cloud.role("InlineAdmin", inline={"everything": ADMIN})}


def _aws_managed_admin_policy(s: Setup) -> dict[str, Any]:
    # moto loads no AWS-managed policies: the listing's answer is edited on the way back.
    entry = {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_POLICY_ARN}
    alter(s.session, "iam.ListAttachedRolePolicies", lambda p: p["AttachedPolicies"].append(entry))
    return {}


def _bucket_without_block(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-open", block=None)
    return {"outputDataConfig__s3Uri": "s3://corp-open/jobs/"}


def _bucket_blocking_three_settings(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-three", block={**ALL_BLOCKED, "RestrictPublicBuckets": False})
    return {"outputDataConfig__s3Uri": "s3://corp-three/jobs/"}


def _bucket_without_encryption(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-plain", encryption=None)
    return {"trainingDataConfig__s3Uri": "s3://corp-plain/train.jsonl"}


def _bucket_with_sse_s3(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-sse-s3", encryption="AES256")
    return {"outputDataConfig__s3Uri": "s3://corp-sse-s3/jobs/"}


def _subnet_with_internet_route(s: Setup) -> dict[str, Any]:
    table = s.cloud.route_table(s.world.vpc, internet=True)
    public = s.cloud.subnet(s.world.vpc, "us-east-1c", route_table=table)
    return {"vpcConfig__subnetIds": [s.world.subnets[0], public]}


def _main_table_with_internet_route(s: Setup) -> dict[str, Any]:
    s.cloud.route_to_internet(s.world.vpc, s.cloud.main_route_table(s.world.vpc))
    return {}


def _subnets_in_one_zone(s: Setup) -> dict[str, Any]:
    same_zone = s.cloud.subnet(s.world.vpc, "us-east-1a")
    return {"vpcConfig__subnetIds": [s.world.subnets[0], same_zone]}


def _default_egress(s: Setup) -> dict[str, Any]:
    group = s.cloud.security_group(s.world.vpc, "defaults", open_egress=True)
    return {"vpcConfig__securityGroupIds": [s.world.security_group, group]}


def _every_tcp_port_to_ipv6_anywhere(s: Setup) -> dict[str, Any]:
    group = s.cloud.security_group(s.world.vpc, "v6-open")
    s.cloud.ec2.authorize_security_group_egress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 0,
                "ToPort": 65535,
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            }
        ],
    )
    return {"vpcConfig__securityGroupIds": [group]}


def _trust_for_another_account(s: Setup) -> dict[str, Any]:
    trust = bedrock_trust(condition={"StringEquals": {"aws:SourceAccount": OTHER_ACCOUNT}})
    return {"roleArn": s.cloud.role("OtherAccountsJobs", trust=trust)}


def _trust_for_another_accounts_jobs(s: Setup) -> dict[str, Any]:
    arn = f"arn:aws:bedrock:{REGION}:{OTHER_ACCOUNT}:model-customization-job/*"
    trust = bedrock_trust(condition={"ArnLike": {"aws:SourceArn": arn}})
    return {"roleArn": s.cloud.role("OtherAccountsArns", trust=trust)}


def _bucket_with_the_aws_managed_key(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-aws-key", key="alias/aws/s3")
    return {"outputDataConfig__s3Uri": "s3://corp-aws-key/jobs/"}


def _subnet_with_nat_route(s: Setup) -> dict[str, Any]:
    table = s.cloud.route_table(s.world.vpc, internet=False)
    s.cloud.route_to_nat(s.world.vpc, table)
    natted = s.cloud.subnet(s.world.vpc, "us-east-1b", route_table=table)
    return {"vpcConfig__subnetIds": [s.world.subnets[0], natted]}


def _subnet_off_the_s3_endpoint(s: Setup) -> dict[str, Any]:
    table = s.cloud.route_table(s.world.vpc, internet=False, s3_endpoint=False)
    isolated = s.cloud.subnet(s.world.vpc, "us-east-1b", route_table=table)
    return {"vpcConfig__subnetIds": [s.world.subnets[0], isolated]}


def _bucket_without_versioning(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-unversioned", versioning=False)
    return {"trainingDataConfig__s3Uri": "s3://corp-unversioned/train.jsonl"}


def _bucket_without_logging(s: Setup) -> dict[str, Any]:
    s.cloud.bucket("corp-unlogged", logging=False)
    return {"trainingDataConfig__s3Uri": "s3://corp-unlogged/train.jsonl"}


def _key_usable_outside_bedrock(s: Setup) -> dict[str, Any]:
    return {"outputModelKmsKeyArn": s.cloud.key(key_policy_text=key_policy(via=None))}


def _key_usable_by_anyone(s: Setup) -> dict[str, Any]:
    anyone = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    return {"outputModelKmsKeyArn": s.cloud.key(key_policy_text=key_policy(anyone))}


def _key_naming_another_account(s: Setup) -> dict[str, Any]:
    partner = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
    }
    return {"outputModelKmsKeyArn": s.cloud.key(key_policy_text=key_policy(partner))}


def _role_with_s3_everywhere(s: Setup) -> dict[str, Any]:
    everything = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    inline = {"data-access": DATA_ACCESS, "all-of-s3": everything}
    return {"roleArn": s.cloud.role("AllOfS3", inline=inline)}


def _role_writing_training_data(s: Setup) -> dict[str, Any]:
    writes = policy(
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::corp-train/*"}
    )
    inline = {"data-access": DATA_ACCESS, "write-training": writes}
    return {"roleArn": s.cloud.role("WritesTraining", inline=inline)}


def _role_with_unscoped_network_interfaces(s: Setup) -> dict[str, Any]:
    unscoped = policy({"Effect": "Allow", "Action": "ec2:CreateNetworkInterface", "Resource": "*"})
    return {"roleArn": s.cloud.role("AnyInterfaces", managed={"any-eni": unscoped})}


LOG_TRAINING = {
    "invocationLogsConfig": {
        "invocationLogSource": {"s3Uri": "s3://corp-train/invocation-logs/"},
        "requestMetadataFilters": {"equals": {"approved-for-training": "true"}},
    }
}


def _log_to(s: Setup, bucket: str | None) -> None:
    """The account's model invocation logging: to this S3 bucket, or off (None)."""
    if bucket is not None:
        s.cloud.bedrock.put_model_invocation_logging_configuration(
            loggingConfig={"s3Config": {"bucketName": bucket, "keyPrefix": "bedrock/"}}
        )


def _training_on_logs_with_logging_off(s: Setup) -> dict[str, Any]:
    return {"trainingDataConfig": LOG_TRAINING}


def _training_on_logs_logged_with_the_aws_key(s: Setup) -> dict[str, Any]:
    _log_to(s, s.cloud.bucket("corp-invocations", key="alias/aws/s3"))
    return {"trainingDataConfig": LOG_TRAINING}


VIOLATIONS = [
    pytest.param("BMC301", _disabled_key, "resources.kmsKey.keyState", id="BMC301-disabled"),
    pytest.param(
        "BMC301", _key_pending_deletion, "resources.kmsKey.keyState", id="BMC301-pending-deletion"
    ),
    pytest.param(
        "BMC301", _aws_managed_key, "resources.kmsKey.keyManager", id="BMC301-aws-managed"
    ),
    pytest.param(
        "BMC302", _rotation_off, "resources.kmsKey.rotationEnabled", id="BMC302-rotation-off"
    ),
    pytest.param(
        "BMC303",
        _trust_with_another_accounts_principal,
        "resources.role.trust.principals",
        id="BMC303-extra-aws-principal",
    ),
    pytest.param(
        "BMC303",
        _trust_without_source_condition,
        "resources.role.trust.",
        id="BMC303-no-source-condition",
    ),
    pytest.param(
        "BMC303", _trust_of_anyone, "resources.role.trust.principals", id="BMC303-any-principal"
    ),
    pytest.param(
        "BMC304+BMC316+BMC317",
        _customer_admin_policy,
        "resources.role.adminPolicies",
        id="BMC304-customer-managed-admin",
    ),
    pytest.param(
        "BMC304+BMC316+BMC317",
        _inline_admin_policy,
        "resources.role.adminPolicies",
        id="BMC304-inline-admin",
    ),
    pytest.param(
        "BMC304+BMC316+BMC317",
        _aws_managed_admin_policy,
        "resources.role.adminPolicies",
        id="BMC304-AdministratorAccess",
    ),
    pytest.param(
        "BMC305",
        _bucket_without_block,
        "resources.buckets.corp-open.publicAccessBlocked",
        id="BMC305-no-block",
    ),
    pytest.param(
        "BMC305",
        _bucket_blocking_three_settings,
        "resources.buckets.corp-three.publicAccessBlocked",
        id="BMC305-three-of-four",
    ),
    pytest.param(
        "BMC306",
        _bucket_without_encryption,
        "resources.buckets.corp-plain.encryption",
        id="BMC306-no-default-encryption",
    ),
    pytest.param(
        "BMC306",
        _bucket_with_sse_s3,
        "resources.buckets.corp-sse-s3.encryption.algorithm",
        id="BMC306-AES256",
    ),
    pytest.param(
        "BMC307", _subnet_with_internet_route, "resources.subnets.", id="BMC307-igw-route"
    ),
    pytest.param(
        "BMC307",
        _main_table_with_internet_route,
        "resources.subnets.",
        id="BMC307-igw-route-on-main-table",
    ),
    pytest.param(
        "BMC308", _subnets_in_one_zone, "resources.availabilityZones", id="BMC308-one-zone"
    ),
    pytest.param(
        "BMC309",
        _default_egress,
        "resources.securityGroups.",
        id="BMC309-default-egress",
    ),
    pytest.param(
        "BMC309",
        _every_tcp_port_to_ipv6_anywhere,
        "resources.securityGroups.",
        id="BMC309-tcp-all-ports-ipv6",
    ),
    pytest.param(
        "BMC303",
        _trust_for_another_account,
        "resources.role.trust.scopedToJobAccount",
        id="BMC303-source-account-of-another-account",
    ),
    pytest.param(
        "BMC303",
        _trust_for_another_accounts_jobs,
        "resources.role.trust.scopedToJobAccount",
        id="BMC303-source-arn-of-another-account",
    ),
    pytest.param(
        "BMC306",
        _bucket_with_the_aws_managed_key,
        "resources.buckets.corp-aws-key.encryption.customerManagedKey",
        id="BMC306-aws-managed-aws-s3-key",
    ),
    pytest.param(
        "BMC307", _subnet_with_nat_route, "resources.subnets.", id="BMC307-nat-gateway-route"
    ),
    pytest.param(
        "BMC311", _subnet_off_the_s3_endpoint, "resources.subnets.", id="BMC311-no-s3-endpoint"
    ),
    pytest.param(
        "BMC312",
        _bucket_without_versioning,
        "resources.buckets.corp-unversioned.integrityProtected",
        id="BMC312-no-versioning",
    ),
    pytest.param(
        "BMC313",
        _bucket_without_logging,
        "resources.buckets.corp-unlogged.activityLogged",
        id="BMC313-no-logging",
    ),
    pytest.param(
        "BMC314",
        _key_usable_outside_bedrock,
        "resources.kmsKey.policyFacts.useLimitedToBedrock",
        id="BMC314-no-via-service",
    ),
    pytest.param(
        "BMC314",
        _key_usable_by_anyone,
        "resources.kmsKey.policyFacts",
        id="BMC314-wildcard-principal",
    ),
    pytest.param(
        "BMC315",
        _key_naming_another_account,
        "resources.kmsKey.foreignPrincipalAccounts",
        id="BMC315-another-account",
    ),
    pytest.param(
        "BMC316",
        _role_with_s3_everywhere,
        "resources.role.",
        id="BMC316-s3-on-every-bucket",
    ),
    pytest.param(
        "BMC316",
        _role_writing_training_data,
        "resources.role.writableInputData",
        id="BMC316-writes-training-data",
    ),
    pytest.param(
        "BMC318",
        _training_on_logs_with_logging_off,
        "resources.invocationLogging.enabled",
        id="BMC318-invocation-logging-off",
    ),
    pytest.param(
        "BMC318",
        _training_on_logs_logged_with_the_aws_key,
        "resources.invocationLogging.destinationCustomerManagedKey",
        id="BMC318-log-bucket-with-the-aws-key",
    ),
    pytest.param(
        "BMC317",
        _role_with_unscoped_network_interfaces,
        "resources.role.networkInterfacesScoped",
        id="BMC317-unscoped-network-interfaces",
    ),
]


@pytest.mark.parametrize(("rule", "change", "path"), VIOLATIONS)
def test_each_misconfiguration_violates_its_rule_alone(
    setup: Setup, rule: str, change: Callable[[Setup], dict[str, Any]], path: str
) -> None:
    # "BMC304+BMC316": an administrator policy also breaks least privilege.
    first, *also = rule.split("+")
    [job] = enrich([job_document(setup.world, **change(setup))], setup.session)

    assert outcomes(job) == {**ALL_PASSED, **dict.fromkeys([first, *also], "violated")}
    assert job.document["resources"]["unknown"] == {}
    for finding in findings(job, first):
        assert finding.path.startswith(path), finding.path


def test_every_deep_rule_has_a_violation_case() -> None:
    assert {str(case.values[0]).split("+")[0] for case in VIOLATIONS} == set(DEEP_RULES)


def test_violations_name_the_offending_resource(setup: Setup) -> None:
    public = _subnet_with_internet_route(setup)["vpcConfig__subnetIds"][1]
    group = _default_egress(setup)["vpcConfig__securityGroupIds"][1]
    document = job_document(
        setup.world,
        vpcConfig={"subnetIds": [setup.world.subnets[0], public], "securityGroupIds": [group]},
    )

    [job] = enrich([document], setup.session)

    [subnet] = findings(job, "BMC307")
    assert subnet.path == f"resources.subnets.{public}.private"
    assert subnet.value == "False"
    assert job.document["resources"]["subnets"][public]["internetGatewayRoutes"] == ["0.0.0.0/0"]
    [egress] = findings(job, "BMC309")
    assert egress.path == f"resources.securityGroups.{group}.openEgress"


def test_a_dotted_bucket_name_shows_the_offending_value(setup: Setup) -> None:
    setup.cloud.bucket("corp.open.v1", block=None)
    document = job_document(setup.world, outputDataConfig__s3Uri="s3://corp.open.v1/jobs/")

    [job] = enrich([document], setup.session, kinds=frozenset({"buckets"}))

    [finding] = findings(job, "BMC305")
    assert finding.path == "resources.buckets.corp.open.v1.publicAccessBlocked"
    assert finding.value == "False"


# -- BMC310: the org template's required tags ---------------------------------------------------


@pytest.fixture
def org_policy(tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(template_text("org"), encoding="utf-8")
    return path


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
        for kind in ("buckets", "invocationLogging", "role", "securityGroups", "subnets")
    }
    assert outcomes(job, policy) == {"BMC301": "passed"}


# -- What cannot be read is unknown, never a pass -----------------------------------------------


DENIALS = [
    # DescribeKey also tells whether the buckets' default key is customer-managed (BMC306).
    pytest.param(
        "kms.DescribeKey",
        "AccessDeniedException",
        {"BMC301", "BMC302", "BMC306", "BMC314", "BMC315"},
        id="kms-describe",
    ),
    pytest.param(
        "kms.GetKeyRotationStatus", "AccessDeniedException", {"BMC302"}, id="kms-rotation"
    ),
    pytest.param(
        "kms.GetKeyPolicy", "AccessDeniedException", {"BMC314", "BMC315"}, id="kms-policy"
    ),
    pytest.param(
        "iam.GetRole", "AccessDenied", {"BMC303", "BMC304", "BMC316", "BMC317"}, id="iam-get-role"
    ),
    pytest.param(
        "iam.ListAttachedRolePolicies",
        "AccessDenied",
        {"BMC304", "BMC316", "BMC317"},
        id="iam-attached",
    ),
    pytest.param(
        "iam.GetPolicyVersion",
        "AccessDenied",
        {"BMC304", "BMC316", "BMC317"},
        id="iam-policy-version",
    ),
    pytest.param(
        "iam.ListRolePolicies", "AccessDenied", {"BMC304", "BMC316", "BMC317"}, id="iam-inline-list"
    ),
    pytest.param(
        "iam.GetRolePolicy", "AccessDenied", {"BMC304", "BMC316", "BMC317"}, id="iam-inline-get"
    ),
    pytest.param("s3.GetPublicAccessBlock", "AccessDenied", {"BMC305"}, id="s3-block"),
    pytest.param("s3.GetBucketEncryption", "AccessDenied", {"BMC306"}, id="s3-encryption"),
    pytest.param("s3.GetBucketPolicy", "AccessDenied", set(), id="s3-policy-read-by-no-rule"),
    pytest.param("s3.GetBucketVersioning", "AccessDenied", {"BMC312"}, id="s3-versioning"),
    pytest.param("s3.GetBucketLogging", "AccessDenied", {"BMC313"}, id="s3-logging"),
    pytest.param(
        "ec2.DescribeSubnets",
        "UnauthorizedOperation",
        {"BMC307", "BMC308", "BMC311"},
        id="ec2-subnets",
    ),
    pytest.param(
        "ec2.DescribeRouteTables", "UnauthorizedOperation", {"BMC307", "BMC311"}, id="ec2-routes"
    ),
    pytest.param(
        "ec2.DescribeVpcEndpoints", "UnauthorizedOperation", {"BMC311"}, id="ec2-endpoints"
    ),
    pytest.param(
        "ec2.DescribeSecurityGroups", "UnauthorizedOperation", {"BMC309"}, id="ec2-groups"
    ),
]


@pytest.mark.parametrize(("operation", "code", "rules"), DENIALS)
def test_access_denied_makes_the_rules_that_need_it_unknown(
    setup: Setup, operation: str, code: str, rules: set[str]
) -> None:
    refused = deny(setup.session, operation, code)
    api = operation.replace(".", ":")

    [job] = enrich([job_document(setup.world)], setup.session)

    assert refused, f"{operation} was never called"
    assert outcomes(job) == {**ALL_PASSED, **dict.fromkeys(rules, "unknown")}
    unknown = job.document["resources"]["unknown"]
    assert unknown and all(f"{api}: {code}" in reason for reason in unknown.values())
    for rule in rules:
        [finding] = findings(job, rule)
        assert ": cannot decide: " in finding.message
        assert f"could not be read: {api}: {code}: User is not authorized" in finding.message
        assert "(see docs/deep.md for the permissions needed)" in finding.message


def test_a_denied_resource_is_asked_once_for_all_jobs(setup: Setup) -> None:
    refused = deny(setup.session, "kms.DescribeKey")

    jobs = enrich([job_document(setup.world, f"job-{n}") for n in range(4)], setup.session)

    # Two keys: the job's, and the data buckets' default key; each asked once for four jobs.
    assert sorted(json.loads(r["body"])["KeyId"] for r in refused) == sorted(
        [setup.world.key, setup.cloud.data_key]
    )
    assert [outcomes(job)["BMC301"] for job in jobs] == ["unknown"] * 4


def test_a_known_admin_policy_is_a_violation_even_if_another_is_unreadable(setup: Setup) -> None:
    role = setup.cloud.role("HalfReadable", managed={"everything": ADMIN})
    deny(setup.session, "iam.GetRolePolicy", "AccessDenied")

    [job] = enrich([job_document(setup.world, roleArn=role)], setup.session)

    assert outcomes(job)["BMC304"] == "violated"
    assert "resources.role.inlinePolicies.0.document" in job.document["resources"]["unknown"]


def test_the_account_block_denied_is_unknown_only_when_it_matters(setup: Setup) -> None:
    setup.cloud.bucket("corp-unblocked", block=None)
    deny(setup.session, "s3-control.GetPublicAccessBlock", "AccessDenied")
    documents = [
        job_document(setup.world, "blocked"),
        job_document(setup.world, "unblocked", outputDataConfig__s3Uri="s3://corp-unblocked/o/"),
    ]

    blocked, unblocked = enrich(documents, setup.session)

    assert outcomes(blocked) == ALL_PASSED
    assert outcomes(unblocked) == {**ALL_PASSED, "BMC305": "unknown"}
    [finding] = findings(unblocked, "BMC305")
    assert finding.path == "resources.buckets.corp-unblocked.publicAccessBlocked"
    assert "s3control:GetPublicAccessBlock: AccessDenied" in finding.message


def test_a_role_of_another_account_is_unknown(setup: Setup) -> None:
    # IAM answers GetRole by name: the caller's own BedrockFT, not the other account's.
    role = setup.world.role.replace(ACCOUNT, OTHER_ACCOUNT)

    [job] = enrich([job_document(setup.world, roleArn=role)], setup.session)

    unknown = ("BMC303", "BMC304", "BMC316", "BMC317")
    assert outcomes(job) == {**ALL_PASSED, **dict.fromkeys(unknown, "unknown")}
    [finding] = findings(job, "BMC303")
    assert f"the role is in account {OTHER_ACCOUNT}" in finding.message
    assert f"credentials are of account {ACCOUNT}" in finding.message
    assert "use --assume-role" in finding.message


def test_a_role_that_does_not_exist_is_unknown(setup: Setup) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/service-role/Deleted"

    [job] = enrich([job_document(setup.world, roleArn=role)], setup.session)

    unknown = ("BMC303", "BMC304", "BMC316", "BMC317")
    assert outcomes(job) == {**ALL_PASSED, **dict.fromkeys(unknown, "unknown")}
    assert "iam:GetRole: NoSuchEntity" in findings(job, "BMC304")[0].message


def test_a_bucket_that_does_not_exist_is_unknown(setup: Setup) -> None:
    document = job_document(setup.world, outputDataConfig__s3Uri="s3://corp-gone/jobs/")

    [job] = enrich([document], setup.session)

    unknown = ("BMC305", "BMC306", "BMC312", "BMC313")
    assert outcomes(job) == {**ALL_PASSED, **dict.fromkeys(unknown, "unknown")}
    for rule in ("BMC305", "BMC306"):
        [finding] = findings(job, rule)
        assert finding.path.startswith("resources.buckets.corp-gone.")
        assert "NoSuchBucket" in finding.message


def test_a_subnet_that_does_not_exist_is_unknown(setup: Setup) -> None:
    document = job_document(
        setup.world, vpcConfig__subnetIds=[setup.world.subnets[0], "subnet-0123456789abcdef0"]
    )

    [job] = enrich([document], setup.session)

    unknown = ("BMC307", "BMC308", "BMC311")
    assert outcomes(job) == {**ALL_PASSED, **dict.fromkeys(unknown, "unknown")}
    assert "ec2:DescribeSubnets: InvalidSubnetID.NotFound" in findings(job, "BMC308")[0].message


def test_resources_of_a_job_without_a_region_are_unknown_and_ask_for_region(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    # A create request names no ARN with a region: an IAM role ARN has none, the key is an id.
    request = create_request(
        roleArn=setup.world.role,
        customModelKmsKeyId=key_id(setup.world.key),
        vpcConfig={
            "subnetIds": list(setup.world.subnets),
            "securityGroupIds": [setup.world.security_group],
        },
    )

    [job] = enrich([request], new_session(region=None), default_region=None)

    assert job.document["derived"]["region"] is None
    assert outcomes(job) == {
        **ALL_PASSED,
        **dict.fromkeys(
            ["BMC301", "BMC302", "BMC307", "BMC308", "BMC309", "BMC311", "BMC314", "BMC315"],
            "unknown",
        ),
    }
    for rule in ("BMC301", "BMC307", "BMC309"):
        [finding] = findings(job, rule)
        assert (
            "is not known (the job has no ARN naming its region): pass --region" in finding.message
        )


def test_a_terraform_key_known_only_after_apply_is_unknown(setup: Setup, write_file) -> None:
    values = {
        "job_name": "planned",
        "custom_model_name": "planned-model",
        "base_model_identifier": f"arn:aws:bedrock:{REGION}::foundation-model/{BASE_MODEL}",
        "role_arn": setup.world.role,
        "custom_model_kms_key_id": None,
        "customization_type": "FINE_TUNING",
        "hyperparameters": {"epochCount": "1"},
        "training_data_config": [{"s3_uri": "s3://corp-train/data/train.jsonl"}],
        "output_data_config": [{"s3_uri": "s3://corp-out/"}],
        "vpc_config": [
            {
                "subnet_ids": list(setup.world.subnets),
                "security_group_ids": [setup.world.security_group],
            }
        ],
    }
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_bedrock_custom_model.planned",
                "type": "aws_bedrock_custom_model",
                "change": {
                    "actions": ["create"],
                    "after": values,
                    "after_unknown": {"job_arn": True, "custom_model_kms_key_id": True},
                },
            }
        ],
    }
    [job] = read_paths([str(write_file("plan.json", plan))]).items
    assert isinstance(job, Job)

    [enriched] = enrich_stage.enrich(
        [(job, setup.session)], enrich_stage.needs(DEEP), Connection(), default_region=None
    )

    assert isinstance(enriched, Job)
    assert enriched.document["resources"]["kmsKey"] is None
    key_rules = ("BMC301", "BMC302", "BMC314", "BMC315")
    assert outcomes(enriched) == {**ALL_PASSED, **dict.fromkeys(key_rules, "unknown")}
    [finding] = findings(enriched, "BMC301")
    assert "outputModelKmsKeyArn is not known until apply" in finding.message


def test_terraform_buckets_and_network_known_only_after_apply_are_unknown(
    setup: Setup, write_file
) -> None:
    # A data location, a subnet and the whole security group list are references: their
    # resources cannot be read, and the rules say so instead of passing on the others.
    resource = f"""
resource "aws_bedrock_custom_model" "planned" {{
  job_name              = "planned"
  custom_model_name     = "planned-model"
  base_model_identifier = "arn:aws:bedrock:{REGION}::foundation-model/{BASE_MODEL}"
  role_arn              = "{setup.world.role}"
  customization_type    = "FINE_TUNING"
  hyperparameters       = {{ epochCount = "1" }}
  training_data_config {{ s3_uri = "s3://corp-train/data/train.jsonl" }}
  output_data_config {{ s3_uri = "s3://${{aws_s3_bucket.out.id}}/jobs/" }}
  vpc_config {{
    subnet_ids         = ["{setup.world.subnets[0]}", aws_subnet.b.id]
    security_group_ids = var.groups
  }}
}}
"""
    [job] = read_paths([str(write_file("main.tf", resource))]).items
    assert isinstance(job, Job)

    [enriched] = enrich_stage.enrich(
        [(job, setup.session)], enrich_stage.needs(DEEP), Connection(), default_region=REGION
    )

    assert isinstance(enriched, Job)
    resources = enriched.document["resources"]
    assert "<outputDataConfig.s3Uri>" in resources["buckets"]
    assert "<vpcConfig.subnetIds.1>" in resources["subnets"]
    assert list(resources["securityGroups"]) == ["<vpcConfig.securityGroupIds>"]
    verdicts = outcomes(enriched)
    for rule in ("BMC305", "BMC306", "BMC307", "BMC308", "BMC309"):
        assert verdicts[rule] == "unknown", rule
    [finding] = findings(enriched, "BMC305")
    assert "outputDataConfig.s3Uri is not known until apply" in finding.message


def test_a_job_document_cannot_bring_its_own_resources(write_file) -> None:
    # Facts about resources come from AWS only: a file claiming them is judged without them.
    claimed = {"kmsKey": {"keyManager": "CUSTOMER", "keyState": "Enabled"}, "unknown": {}}
    path = write_file("job.json", {**GOOD_JOB, "resources": claimed})

    result = run(
        "check", str(path), "--policy", "builtin:deep", "--rule", "BMC301", "--format", "json"
    )

    [job] = json.loads(result.stdout)["jobs"]
    [finding] = job["findings"]
    assert finding["status"] == "unknown"
    assert "run with --deep" in finding["message"]


def test_tags_that_deep_mode_could_not_read_say_why(setup: Setup, org_policy: Path) -> None:
    deny(setup.session, "bedrock.ListTagsForResource", "AccessDeniedException")
    document = job_document(setup.world, tags=DELETE)
    policy = load_policy([str(org_policy)], select=["BMC310"])

    [job] = enrich([document], setup.session, kinds=enrich_stage.needs(policy))

    [finding] = findings(job, "BMC310", policy)
    assert finding.status.value == "unknown"
    assert "bedrock:ListTagsForResource: AccessDeniedException" in finding.message


def test_the_tags_client_uses_the_bedrock_endpoint_url(setup: Setup) -> None:
    fetcher = enrich_stage.Fetcher(Connection(endpoint_url="http://127.0.0.1:9"), REGION)

    bedrock = fetcher.client(setup.session, "bedrock", REGION)
    kms = fetcher.client(setup.session, "kms", REGION)

    assert bedrock.meta.endpoint_url == "http://127.0.0.1:9"
    assert kms.meta.endpoint_url != "http://127.0.0.1:9"


def test_check_deep_takes_one_region(write_file) -> None:
    path = write_file("job.json", GOOD_JOB)

    result = run("check", str(path), "--deep", "--region", "us-east-1", "--region", "eu-west-1")

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "bedrock-checker: error: check --deep: give at most one --region (where the resources "
        "of jobs whose ARNs name no region are read)"
    )


def test_jobs_of_accounts_without_a_role_use_the_callers_credentials(setup: Setup) -> None:
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/audit"
    targets, _ = enrich_stage.connect(Connection(assume_roles=(role,)))
    own = make_job(job_document(setup.world))
    other = make_job(
        {
            **job_document(setup.world),
            "jobArn": GOOD_JOB["jobArn"].replace("111122223333", OTHER_ACCOUNT),
        }
    )

    pairs = enrich_stage.by_account([own, other], targets)

    assert [target.account for target in targets] == [OTHER_ACCOUNT, None]
    assert pairs[1][1] is targets[0].session
    assert pairs[0][1] is targets[1].session


# -- The CLI --------------------------------------------------------------------------------------


@pytest.fixture
def job_files(setup: Setup, write_file) -> tuple[Path, Path]:
    """good.json passes every rule; disabled-key.json names a disabled key (BMC301)."""
    disabled = setup.cloud.key()
    setup.cloud.kms.disable_key(KeyId=key_id(disabled))
    good = write_file("good.json", job_document(setup.world, "good"))
    bad = write_file(
        "disabled-key.json",
        job_document(setup.world, "disabled-key", outputModelKmsKeyArn=disabled),
    )
    return good, bad


def test_check_deep_reports_deep_findings_and_exits_1(
    job_files: tuple[Path, Path], tmp_path: Path
) -> None:
    good, bad = job_files

    result = run(
        "check", str(good), str(bad), "--deep", "--region", REGION, "--retry-mode", "standard",
        "--json", "report.json",
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    assert f"{bad.name}:" in result.stdout
    assert "BMC301 error: Encrypt with an enabled customer-managed KMS key" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["exitCode"] == 1
    assert report["policies"] == ["builtin:baseline", "builtin:deep"]
    assert report_findings(report) == {"good": {}, "disabled-key": {"BMC301": "violated"}}
    [finding] = [f for job in report["jobs"] for f in job["findings"]]
    assert finding["path"] == "resources.kmsKey.keyState"
    assert finding["value"] == "'Disabled'"


def test_check_deep_unknowns_never_fail_the_run(
    job_files: tuple[Path, Path], cli_session: Callable[[Callable[[Any], Any]], None]
) -> None:
    good, _ = job_files
    cli_session(lambda session: deny(session, "iam.GetRole", "AccessDenied"))

    result = run("check", str(good), "--deep", "--fail-on", "note", "--format", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    role_rules = ["BMC303", "BMC304", "BMC316", "BMC317"]
    assert report_findings(report) == {"good": dict.fromkeys(role_rules, "unknown")}
    assert report["summary"]["unknown"] == 4
    assert report["summary"]["findings"] == 0
    assert all("iam:GetRole: AccessDenied" in f["message"] for f in report["jobs"][0]["findings"])


@pytest.mark.parametrize(
    ("region", "expected"), [((), "unknown"), (("--region", REGION), "passed")]
)
def test_check_deep_region_option_places_acreate_request(
    setup: Setup,
    write_file,
    monkeypatch: pytest.MonkeyPatch,
    region: tuple[str, ...],
    expected: str,
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    request = create_request(
        roleArn=setup.world.role,
        vpcConfig={
            "subnetIds": list(setup.world.subnets),
            "securityGroupIds": [setup.world.security_group],
        },
    )
    path = write_file("create.json", request)

    result = run("check", str(path), "--deep", *region, "--rule", "BMC30[789]", "--format", "json")

    assert result.exit_code == 0, result.output
    [job] = json.loads(result.stdout)["jobs"]
    statuses = {f["ruleId"]: f["status"] for f in job["findings"]}
    if expected == "unknown":
        assert statuses == dict.fromkeys(["BMC307", "BMC308", "BMC309"], "unknown")
        assert all("pass --region" in f["message"] for f in job["findings"])
    else:
        assert statuses == {}


def test_the_deep_pack_without_deep_is_unknown_and_exits_0(write_file) -> None:
    path = write_file("job.json", GOOD_JOB)

    result = run(
        "check", str(path), "--policy", "builtin:deep", "--fail-on", "note", "--format", "json"
    )

    assert result.exit_code == 0, result.output
    [job] = json.loads(result.stdout)["jobs"]
    assert [f["ruleId"] for f in job["findings"]] == list(ALL_PASSED)  # BMC318 does not apply
    for finding in job["findings"]:
        assert finding["status"] == "unknown"
        assert finding["message"].endswith("resources were not fetched (run with --deep)")


@pytest.mark.parametrize(
    "options",
    [
        ("--region", REGION),
        ("--profile", "audit"),
        ("--assume-role", f"arn:aws:iam::{ACCOUNT}:role/Audit"),
        ("--retry-mode", "adaptive"),
        ("--max-attempts", "5"),
    ],
)
def test_aws_options_without_deep_are_a_usage_error(write_file, options: tuple[str, ...]) -> None:
    path = write_file("job.json", GOOD_JOB)

    result = run("check", str(path), *options)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "bedrock-checker: error: the AWS options (--region, --profile, ...) are for --deep only\n"
    )


def test_check_deep_without_credentials_is_one_line(
    write_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        empty = tmp_path / f"empty-{name.lower()}"
        empty.write_text("")
        monkeypatch.setenv(name, str(empty))
    path = write_file("job.json", GOOD_JOB)

    result = run("check", str(path), "--deep")

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("bedrock-checker: error: --deep needs AWS credentials: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def _moto_jobs(setup: Setup) -> None:
    """A good job and an admin-role job in an open security group, as moto's Bedrock keeps them."""
    bedrock = setup.cloud.bedrock
    vpc = {"subnetIds": list(setup.world.subnets), "securityGroupIds": [setup.world.security_group]}
    create_job(bedrock, "good-job", roleArn=setup.world.role, vpcConfig=vpc)
    admin = setup.cloud.role("AdminRole", managed={"everything": ADMIN})
    open_group = setup.cloud.security_group(setup.world.vpc, "open", open_egress=True)
    create_job(
        bedrock,
        "risky-job",
        roleArn=admin,
        vpcConfig={**vpc, "securityGroupIds": [open_group]},
    )


def test_scan_deep_judges_moto_jobs_and_every_report_agrees(setup: Setup, tmp_path: Path) -> None:
    _moto_jobs(setup)

    result = run(
        "scan", "--deep", "--region", REGION, "--format", "json",
        "--sarif", "out.sarif", "--junit", "junit.xml",
    )  # fmt: skip

    assert result.exit_code == 1, result.output  # BMC304 is an error
    report = json.loads(result.stdout)
    # moto invents each job's outputModelKmsKeyArn: the key cannot be described, so the key
    # rules are unknown, while the role, bucket and network rules are judged.
    assert report_findings(report) == {
        "good-job": dict.fromkeys(["BMC301", "BMC302", "BMC314", "BMC315"], "unknown"),
        "risky-job": {
            **dict.fromkeys(["BMC301", "BMC302", "BMC314", "BMC315"], "unknown"),
            # an administrator policy: least privilege (BMC316, BMC317) is broken too
            **dict.fromkeys(["BMC304", "BMC309", "BMC316", "BMC317"], "violated"),
        },
    }
    key_findings = [f for job in report["jobs"] for f in job["findings"] if f["ruleId"] == "BMC301"]
    assert all("kms:DescribeKey: NotFoundException" in f["message"] for f in key_findings)
    summary = report["summary"]
    assert (summary["findings"], summary["unknown"]) == (5, 8)  # BMC316: two facts
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    levels = Counter(r["level"] for r in sarif["runs"][0]["results"])
    assert levels == Counter(
        {
            "error": summary["bySeverity"]["error"],
            "warning": summary["bySeverity"]["warning"],
            "note": summary["bySeverity"]["note"] + summary["unknown"],
        }
    )
    junit = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    # One JUnit test case per job and rule: BMC316's two findings are one failure.
    failing_cases = {
        (job, rule) for job, rules in report_findings(report).items()
        for rule, status in rules.items() if status == "violated"
    }  # fmt: skip
    assert int(junit._elem.get("failures")) == len(failing_cases) == 4
    assert sum(int(suite.skipped) for suite in junit) == summary["unknown"]
    assert int(junit._elem.get("errors")) == summary["errored"] == 0


def test_get_document_deep_prints_the_resources_section(setup: Setup) -> None:
    _moto_jobs(setup)

    result = run(
        "get", "--job-identifier", "good-job", "--region", REGION, "--document", "--deep",
        "--query", "resources",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    resources = json.loads(result.stdout)
    assert set(resources) == {
        "kmsKey", "role", "buckets", "subnets", "availabilityZones", "securityGroups",
        "invocationLogging", "unknown",
    }  # fmt: skip
    assert resources["kmsKey"] is None
    assert "kms:DescribeKey: NotFoundException" in resources["unknown"]["resources.kmsKey"]
    assert resources["role"]["trust"]["confusedDeputyProtected"] is True
    assert sorted(resources["buckets"]) == ["corp-out", "corp-train"]
    assert resources["availabilityZones"] == ["us-east-1a", "us-east-1b"]


def test_get_deep_without_document_is_a_usage_error() -> None:
    result = run("get", "--job-identifier", "good-job", "--region", REGION, "--deep")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "bedrock-checker: error: --deep adds to the job document: give --document too\n"
    )


def test_the_deep_pack_without_deep_never_imports_boto3(write_file) -> None:
    # test_files.py covers the default policies; this is the deep pack loaded without --deep.
    path = write_file("job.json", GOOD_JOB)
    code = textwrap.dedent(f"""\
        import sys
        from checker.cli import cli
        args = ["check", {str(path)!r}, "--policy", "builtin:deep", "--format", "json"]
        code = cli.main(args, standalone_mode=False)
        heavy = ("boto3", "botocore", "checker.enrich")
        loaded = sorted(m for m in heavy if m in sys.modules)
        print(f"exit={{code}} loaded={{loaded}}", file=sys.stderr)
        """)

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "exit=0 loaded=[]"
    [job] = json.loads(result.stdout)["jobs"]
    assert {f["status"] for f in job["findings"]} == {"unknown"}
