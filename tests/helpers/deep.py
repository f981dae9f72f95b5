"""Real moto resources for the deep checks (tests/enrich/), and botocore event hooks.

``Cloud`` builds resources (in-process moto) that pass every deep rule unless told otherwise;
``Cloud.world()`` builds one complete compliant set: a rotated customer key, a Bedrock-only
role with least-privilege policies, two blocked and SSE-KMS-encrypted buckets (the ones
GOOD_JOB names), two private subnets in two zones and a security group that sends HTTPS only.
``deny`` and ``alter`` change one API's answer on a boto3 session, for what moto cannot do:
AccessDenied, an AWS-managed key, an attached AWS-managed policy. ``serve_role_and_buckets``
seeds a moto server for the tests over HTTP (tests/cli/test_scan_e2e.py and
test_scan_faults.py).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSResponse

from helpers.jobs import make_document

ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "444455556666"
REGION = "us-east-1"
BUCKETS = ("corp-train", "corp-out")  # the data buckets GOOD_JOB names
BLOCK_SETTINGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)
ALL_BLOCKED = dict.fromkeys(BLOCK_SETTINGS, True)
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
# One loader of botocore's service models for every session the tests make: a new session
# would read and parse the models again (a few seconds over the module).
_MODELS = botocore.loaders.create_loader()


def new_session(region: str | None = REGION) -> Any:
    """A boto3 session, with its own event handlers, sharing the parsed service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    return boto3.session.Session(botocore_session=core, region_name=region)


def bedrock_trust(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    """A trust policy letting Bedrock assume the role, with this condition (by default: only
    for jobs of ACCOUNT; ``{}``: none)."""
    if condition is None:
        condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": "bedrock.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


DATA_ACCESS = policy(
    {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::corp-train", "arn:aws:s3:::corp-train/*"],
    },
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::corp-out/*"},
)
VPC_ACCESS = policy(
    {"Effect": "Allow", "Action": ["ec2:DescribeSubnets"], "Resource": "*"},
    {
        "Effect": "Allow",
        "Action": ["ec2:CreateNetworkInterface"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/BedrockManaged": "true"}},
    },
)
ADMIN = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/BedrockFT"


def key_policy(*extra: dict[str, Any], via: str | None = f"bedrock.{REGION}.amazonaws.com") -> str:
    """A key policy: the account's root (IAM decides), and the service role's use of the key
    through Bedrock only (``via=None``: without the kms:ViaService condition)."""
    role_use: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": ROLE_ARN},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"],
        "Resource": "*",
    }
    if via is not None:
        role_use["Condition"] = {"StringLike": {"kms:ViaService": [via]}}
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps(policy(root, role_use, *extra))


@dataclass(frozen=True)
class World:
    """The ids of one compliant set of resources."""

    key: str
    role: str
    vpc: str
    subnets: tuple[str, str]
    security_group: str


class Cloud:
    """Builds moto resources (call inside ``mock_aws``); compliant unless told otherwise."""

    def __init__(self) -> None:
        session = new_session()
        self.kms = session.client("kms")
        self.iam = session.client("iam")
        self.s3 = session.client("s3")
        self.s3control = session.client("s3control")
        self.ec2 = session.client("ec2")
        self.bedrock = session.client("bedrock")
        self._cidrs = (f"10.0.{n}.0/24" for n in itertools.count(1))
        self._data_key: str | None = None
        self._log_bucket: str | None = None
        self._s3_endpoint: str | None = None

    # KMS -----------------------------------------------------------------------------------

    def key(self, *, rotation: bool = True, key_policy_text: str | None = None) -> str:
        meta = self.kms.create_key(
            Description="custom models", Policy=key_policy_text or key_policy()
        )["KeyMetadata"]
        if rotation:
            self.kms.enable_key_rotation(KeyId=meta["KeyId"])
        return str(meta["Arn"])

    # IAM -----------------------------------------------------------------------------------

    def role(
        self,
        name: str = "BedrockFT",
        *,
        trust: dict[str, Any] | None = None,
        inline: dict[str, dict[str, Any]] | None = None,
        managed: dict[str, dict[str, Any]] | None = None,
    ) -> str:
        """A service role; ``inline`` and ``managed`` map policy names to documents."""
        arn = self.iam.create_role(
            RoleName=name,
            Path="/service-role/",
            AssumeRolePolicyDocument=json.dumps(trust or bedrock_trust()),
        )["Role"]["Arn"]
        for policy_name, document in (
            inline if inline is not None else {"data-access": DATA_ACCESS}
        ).items():
            self.iam.put_role_policy(
                RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
            )
        for policy_name, document in (
            managed if managed is not None else {f"{name}-vpc": VPC_ACCESS}
        ).items():
            self.attach(name, policy_name, document)
        return str(arn)

    def attach(self, role: str, policy_name: str, document: dict[str, Any]) -> str:
        """Create a customer-managed policy and attach it to ``role``."""
        arn = self.iam.create_policy(PolicyName=policy_name, PolicyDocument=json.dumps(document))[
            "Policy"
        ]["Arn"]
        self.iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        return str(arn)

    # S3 ------------------------------------------------------------------------------------

    def bucket(
        self,
        name: str,
        *,
        block: dict[str, bool] | None = ALL_BLOCKED,
        encryption: str | None = "aws:kms",
        key: str | None = None,
        versioning: bool = True,
        logging: bool = True,
    ) -> str:
        """A bucket with these Block Public Access settings (None: no configuration), this
        default encryption algorithm (None: none) with a customer-managed key (``key``, else
        one shared by the data buckets), versioning and server access logging."""
        self.s3.create_bucket(Bucket=name)
        if block is not None:
            self.s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict(block))
        if encryption is not None:
            default: dict[str, str] = {"SSEAlgorithm": encryption}
            if encryption.startswith("aws:kms"):
                if key is None:
                    self._data_key = key = self._data_key or self.key()
                default["KMSMasterKeyID"] = key
            self.s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
                },
            )
        if versioning:
            self.s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        if logging:
            self.s3.put_bucket_logging(
                Bucket=name,
                BucketLoggingStatus={
                    "LoggingEnabled": {"TargetBucket": self.log_bucket(), "TargetPrefix": name}
                },
            )
        return name

    @property
    def data_key(self) -> str | None:
        """The customer-managed key the data buckets encrypt with by default."""
        return self._data_key

    def log_bucket(self) -> str:
        """The bucket that receives the data buckets' server access logs."""
        if self._log_bucket is None:
            self._log_bucket = "corp-access-logs"
            self.s3.create_bucket(Bucket=self._log_bucket)
            self.s3.put_bucket_policy(
                Bucket=self._log_bucket,
                Policy=json.dumps(
                    policy(
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": f"arn:aws:s3:::{self._log_bucket}/*",
                        }
                    )
                ),
            )
        return self._log_bucket

    def block_account(self, settings: dict[str, bool] = ALL_BLOCKED) -> None:
        """The account-level S3 Block Public Access settings."""
        self.s3control.put_public_access_block(
            AccountId=ACCOUNT, PublicAccessBlockConfiguration=dict(settings)
        )

    # EC2 -----------------------------------------------------------------------------------

    def vpc(self) -> str:
        """A VPC whose main route table has only the local route."""
        return str(self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"])

    def subnet(self, vpc: str, zone: str, *, route_table: str | None = None) -> str:
        """A subnet of ``zone``; associated with ``route_table``, else on the main table."""
        subnet = self.ec2.create_subnet(
            VpcId=vpc, CidrBlock=next(self._cidrs), AvailabilityZone=zone
        )["Subnet"]["SubnetId"]
        if route_table is not None:
            self.ec2.associate_route_table(RouteTableId=route_table, SubnetId=subnet)
        return str(subnet)

    def route_table(self, vpc: str, *, internet: bool, s3_endpoint: bool = True) -> str:
        """A route table; with ``internet``, a 0.0.0.0/0 route to an internet gateway; with
        ``s3_endpoint``, on the S3 gateway endpoint of the world's VPC (if there is one)."""
        table = str(self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"])
        if internet:
            self.route_to_internet(vpc, table)
        if s3_endpoint and self._s3_endpoint is not None:
            self.ec2.modify_vpc_endpoint(VpcEndpointId=self._s3_endpoint, AddRouteTableIds=[table])
        return table

    def main_route_table(self, vpc: str) -> str:
        [table] = self.ec2.describe_route_tables(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc]},
                {"Name": "association.main", "Values": ["true"]},
            ]
        )["RouteTables"]
        return str(table["RouteTableId"])

    def s3_gateway_endpoint(self, vpc: str, *tables: str) -> str:
        """An S3 gateway endpoint of ``vpc`` on these route tables."""
        endpoint = self.ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.s3",
            VpcEndpointType="Gateway",
            RouteTableIds=list(tables),
        )["VpcEndpoint"]["VpcEndpointId"]
        self._s3_endpoint = str(endpoint)
        return self._s3_endpoint

    def route_to_nat(self, vpc: str, table: str, *, destination: str = "0.0.0.0/0") -> None:
        """A route (by default 0.0.0.0/0) to a NAT gateway (in a subnet of its own)."""
        subnet = self.subnet(vpc, "us-east-1c")
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)
        self.ec2.create_route(
            RouteTableId=table,
            DestinationCidrBlock=destination,
            NatGatewayId=nat["NatGateway"]["NatGatewayId"],
        )

    def trail_logging_s3_data_events(self, *values: str) -> None:
        """A logging CloudTrail trail recording S3 data events for these ARN prefixes."""
        trail_bucket = "corp-trail"
        self.s3.create_bucket(Bucket=trail_bucket)
        trails = new_session().client("cloudtrail")
        trails.create_trail(Name="org-trail", S3BucketName=trail_bucket, IsMultiRegionTrail=True)
        trails.put_event_selectors(
            TrailName="org-trail",
            EventSelectors=[
                {
                    "ReadWriteType": "All",
                    "DataResources": [{"Type": "AWS::S3::Object", "Values": list(values)}],
                }
            ],
        )
        trails.start_logging(Name="org-trail")

    def route_to_internet(self, vpc: str, table: str) -> None:
        gateway = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        self.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway
        )

    def security_group(self, vpc: str, name: str, *, open_egress: bool = False) -> str:
        """A security group; without ``open_egress``, its default allow-all egress rule is
        replaced by HTTPS (TCP 443) to anywhere."""
        group = self.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)[
            "GroupId"
        ]
        if not open_egress:
            self.ec2.revoke_security_group_egress(
                GroupId=group,
                IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            )
            self.ec2.authorize_security_group_egress(
                GroupId=group,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    }
                ],
            )
        return str(group)

    # Everything ----------------------------------------------------------------------------

    def world(self) -> World:
        for name in BUCKETS:
            self.bucket(name)
        vpc = self.vpc()
        self.s3_gateway_endpoint(vpc, self.main_route_table(vpc))
        return World(
            key=self.key(),
            role=self.role(),
            vpc=vpc,
            subnets=(self.subnet(vpc, "us-east-1a"), self.subnet(vpc, "us-east-1b")),
            security_group=self.security_group(vpc, "bedrock-jobs"),
        )


def job_document(world: World, name: str = "good-ft-job", **overrides: Any) -> dict[str, Any]:
    """A Get response of ACCOUNT naming the world's resources, with its tags as `snapshot`
    writes them (overrides as make_document's)."""
    fields: dict[str, Any] = {
        "jobArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/{name}",
        "jobName": name,
        "outputModelName": f"{name}-model",
        "outputModelArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/{name}-model",
        "roleArn": world.role,
        "outputModelKmsKeyArn": world.key,
        "vpcConfig": {"subnetIds": list(world.subnets), "securityGroupIds": [world.security_group]},
        "tags": {"team": "ml"},
    }
    return make_document(**{**fields, **overrides})


def serve_role_and_buckets(
    endpoint_url: str, region: str, trust: dict[str, Any], buckets: tuple[str, ...] = BUCKETS
) -> None:
    """On a moto server: the create request's role (with this trust policy) and data buckets,
    blocking all public access. Idempotent: moto's state is one per process, shared by tests."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )
    iam = session.client("iam", endpoint_url=endpoint_url)
    try:
        iam.create_role(
            RoleName="BedrockFT", Path="/service-role/", AssumeRolePolicyDocument=json.dumps(trust)
        )
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName="BedrockFT", PolicyDocument=json.dumps(trust))
    s3 = session.client("s3", endpoint_url=endpoint_url)
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    for bucket in buckets:
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(
                Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {})
            )
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_BLOCKED)


def key_id(key_arn: str) -> str:
    """The key id of a key ARN (moto's DisableKey and ScheduleKeyDeletion want the id)."""
    return key_arn.rsplit("/", 1)[1]


# -- botocore event hooks ----------------------------------------------------------------------


def deny(
    session: Any, operation: str, code: str = "AccessDeniedException", status: int = 403
) -> list[dict[str, Any]]:
    """Answer ``operation`` ("kms.DescribeKey", "s3-control.GetPublicAccessBlock") on the
    session's future clients with an error, as botocore's Stubber does: a before-call handler
    whose (response, parsed) answer stops the request from being sent. Returns the list of
    each refused call's request, to count them."""
    refused: list[dict[str, Any]] = []

    def handler(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        refused.append(params)
        error = {"Code": code, "Message": f"User is not authorized to perform: {operation}"}
        return AWSResponse(params.get("url"), status, {}, None), {
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": status},
        }

    session.events.register(f"before-call.{operation}", handler)
    return refused


def answer(session: Any, operation: str, parsed: dict[str, Any]) -> None:
    """Answer ``operation`` on the session's future clients with ``parsed``, unsent, for the
    APIs moto lacks (Bedrock's evaluation jobs and Provisioned Throughput)."""

    def handler(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse(params.get("url"), 200, {}, None), {
            **parsed,
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

    session.events.register(f"before-call.{operation}", handler)


def no_evaluations(session: Any) -> None:
    """An account with no evaluation jobs and no Provisioned Throughput (moto has neither)."""
    answer(session, "bedrock.ListEvaluationJobs", {})
    answer(session, "bedrock.ListProvisionedModelThroughputs", {"provisionedModelSummaries": []})


def alter(session: Any, operation: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Let ``change`` edit the parsed answer of ``operation`` before the caller sees it."""

    def handler(parsed: dict[str, Any], **_: Any) -> None:
        change(parsed)

    session.events.register(f"after-call.{operation}", handler)


def record(session: Any, operation: str) -> list[dict[str, Any]]:
    """The parameters of every ``operation`` call made by the session's future clients."""
    seen: list[dict[str, Any]] = []

    def handler(params: dict[str, Any], **_: Any) -> None:
        seen.append(dict(params))

    session.events.register(f"provide-client-params.{operation}", handler)
    return seen
