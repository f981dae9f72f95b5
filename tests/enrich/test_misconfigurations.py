"""Deep mode: each misconfiguration violates its rule alone and names the offending resource.

AWS is moto in-process with fake credentials. Resources come from helpers.deep.Cloud, compliant
unless a test breaks one thing, so that each test can assert the verdict of every deep rule.
What moto cannot produce (AccessDenied, an AWS-managed key or policy) is made by botocore event
handlers on the session that deep mode reads with (helpers.deep.deny and alter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpers.deep import (
    ACCOUNT,
    ADMIN,
    ADMIN_POLICY_ARN,
    ALL_BLOCKED,
    DATA_ACCESS,
    OTHER_ACCOUNT,
    REGION,
    alter,
    bedrock_trust,
    job_document,
    key_id,
    key_policy,
    policy,
)
from helpers.enrich import (
    ALL_PASSED,
    DEEP_RULES,
    LOG_TRAINING,
    Setup,
    enrich,
    findings,
    log_to,
    outcomes,
    unread,
)

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


def _training_on_logs_with_logging_off(s: Setup) -> dict[str, Any]:
    return {"trainingDataConfig": LOG_TRAINING}


def _training_on_logs_logged_with_the_aws_key(s: Setup) -> dict[str, Any]:
    log_to(s, s.cloud.bucket("corp-invocations", key="alias/aws/s3"))
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
    assert unread(job) == {}
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
