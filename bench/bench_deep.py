"""Benchmark deep mode: API calls per job, and the thread pool's overlap of per-call latency.

Creates a realistic account in moto (in-process, fake credentials, us-east-1): a few KMS keys,
service roles, data buckets, subnets and security groups that every job shares, as in a real
account. Builds N file jobs naming them (Get responses and create requests, parsed and
normalised as `check` reads files), then times `checker.enrich.enrich` with every kind of
resource and evaluates the result against builtin:baseline and builtin:deep. Prints the API
calls per job against what they would be if no job shared a resource, and the enrichment time
with an added latency per call against the same calls made one after the other.

    python bench/bench_deep.py                       # 1,000 jobs, 50 ms per call
    python bench/bench_deep.py --jobs 300 --latency-ms 100 --max-concurrency 32

A benchmark, not a test: it prints its figures and always exits 0. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figures import print_table, progress

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
PACKS = ("builtin:baseline", "builtin:deep")
TEAMS = ("search", "support", "fraud", "docs", "sales", "legal")
DATASETS = ("tickets", "faq", "claims", "chat", "summaries", "contracts")
MODELS = (
    "amazon.titan-text-lite-v1:0:4k",
    "amazon.nova-lite-v1:0:300k",
    "meta.llama3-1-8b-instruct-v1:0:128k",
    "anthropic.claude-3-haiku-20240307-v1:0:200k",
)
TRUST_ACTION = "sts:AssumeRole"


def fake_aws_env() -> None:
    """Fake credentials and no configuration files: nothing can reach a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )


# -- The account --------------------------------------------------------------------------------


@dataclass
class Estate:
    """The shared resources created in moto, and what each team's jobs use."""

    keys: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    training_buckets: list[str] = field(default_factory=list)
    output_buckets: list[str] = field(default_factory=list)
    vpcs: list[dict[str, list[str]]] = field(default_factory=list)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)


def _trust(protected: bool) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": "bedrock.amazonaws.com"},
        "Action": TRUST_ACTION,
    }
    if protected:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def create_estate(session: Any) -> Estate:
    """Three KMS keys, three roles, four buckets, five subnets, three security groups."""
    estate = Estate()
    kms = session.client("kms", region_name=REGION)
    for index, rotate in enumerate((True, True, False)):  # one key without rotation: BMC302
        meta = kms.create_key(Description=f"bedrock custom models {index}")["KeyMetadata"]
        if rotate:
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        estate.keys.append(meta["Arn"])

    s3 = session.client("s3", region_name=REGION)
    for kind, names in (
        ("training", estate.training_buckets),
        ("output", estate.output_buckets),
    ):
        for letter in "ab":
            name = f"acme-ml-{kind}-{letter}-{ACCOUNT}"
            s3.create_bucket(Bucket=name)
            names.append(name)
            # One bucket without Block Public Access (BMC305), one with SSE-S3 (BMC306).
            if (kind, letter) != ("training", "b"):
                s3.put_public_access_block(
                    Bucket=name,
                    PublicAccessBlockConfiguration={
                        setting: True
                        for setting in (
                            "BlockPublicAcls",
                            "IgnorePublicAcls",
                            "BlockPublicPolicy",
                            "RestrictPublicBuckets",
                        )
                    },
                )
            default = (
                {"SSEAlgorithm": "AES256"}
                if kind == "output" and letter == "b"
                else {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": estate.keys[0]}
            )
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
                },
            )
            s3.put_bucket_policy(
                Bucket=name,
                Policy=_policy(
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ),
            )

    iam = session.client("iam", region_name=REGION)
    data_policy = iam.create_policy(
        PolicyName="BedrockCustomizationData",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{b}*" for b in estate.training_buckets],
            },
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": [f"arn:aws:s3:::{b}/*" for b in estate.output_buckets],
            },
        ),
    )["Policy"]["Arn"]
    # A policy granting everything, left on an old role.
    admin_policy = iam.create_policy(
        PolicyName="LegacyFullAccess",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    )["Policy"]["Arn"]
    for name, protected, admin in (
        ("BedrockCustomization-ml", True, False),
        ("BedrockCustomization-apps", False, False),  # no SourceAccount condition: BMC303
        ("BedrockCustomization-legacy", True, True),  # "*" on "*": BMC304
    ):
        role = iam.create_role(
            Path="/service-role/", RoleName=name, AssumeRolePolicyDocument=_trust(protected)
        )["Role"]
        iam.attach_role_policy(RoleName=name, PolicyArn=data_policy)
        if admin:
            iam.attach_role_policy(RoleName=name, PolicyArn=admin_policy)
        iam.put_role_policy(
            RoleName=name,
            PolicyName="kms-use",
            PolicyDocument=_policy(
                {
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": estate.keys,
                }
            ),
        )
        estate.roles.append(role["Arn"])

    ec2 = session.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    private = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    subnets = {}
    for index, (label, zone) in enumerate(
        (
            ("a", "us-east-1a"),
            ("b", "us-east-1b"),
            ("c", "us-east-1c"),
            ("a2", "us-east-1a"),
            ("public", "us-east-1d"),  # left on the main table, which routes to the gateway
        )
    ):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone=zone
        )["Subnet"]["SubnetId"]
        if label != "public":
            ec2.associate_route_table(RouteTableId=private, SubnetId=subnet)
        subnets[label] = subnet
    groups = {}
    for label in ("training", "endpoints", "open"):
        group = ec2.create_security_group(
            GroupName=f"bedrock-{label}", Description=f"bedrock {label}", VpcId=vpc
        )["GroupId"]
        if label != "open":  # "open" keeps the default allow-all egress: BMC309
            ec2.revoke_security_group_egress(
                GroupId=group,
                IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            )
            ec2.authorize_security_group_egress(
                GroupId=group,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "IpRanges": [{"CidrIp": "10.20.0.0/16"}],
                    }
                ],
            )
        groups[label] = group
    estate.vpcs = [
        {
            "subnetIds": [subnets[s] for s in ("a", "b", "c")],
            "securityGroupIds": [groups["training"]],
        },
        {
            "subnetIds": [subnets["a"], subnets["b"]],
            "securityGroupIds": [groups["training"], groups["endpoints"]],
        },
        {"subnetIds": [subnets["a"], subnets["a2"]], "securityGroupIds": [groups["training"]]},
        {"subnetIds": [subnets["public"], subnets["b"]], "securityGroupIds": [groups["open"]]},
    ]
    # Each team has its usual role, key, buckets and VPC configuration; a few jobs stray.
    for index, team in enumerate(TEAMS):
        estate.teams[team] = {
            "role": estate.roles[index % 2 if index < 5 else 2],
            "key": estate.keys[index % 3],
            "training": estate.training_buckets[index % 2],
            "output": estate.output_buckets[index % 2],
            "vpcs": [estate.vpcs[index % 2], estate.vpcs[2 + index % 2]],
        }
    return estate


def make_job(index: int, rng: random.Random, estate: Estate, bedrock: Any) -> dict[str, Any]:
    """One job as a file holds it: a Get response (60%) or a create request (40%)."""
    team, dataset = rng.choice(TEAMS), rng.choice(DATASETS)
    usual = estate.teams[team]
    model = rng.choice(MODELS)
    name = f"{team}-{dataset}-{index:06d}"
    prefix = f"{team}/{dataset}/{index:06d}"
    role = usual["role"] if rng.random() < 0.95 else rng.choice(estate.roles)
    key = usual["key"] if rng.random() < 0.95 else rng.choice(estate.keys)
    vpc = usual["vpcs"][0] if rng.random() < 0.85 else usual["vpcs"][1]
    training = {"s3Uri": f"s3://{usual['training']}/{prefix}/train.jsonl"}
    validation = {"validators": [{"s3Uri": f"s3://{usual['training']}/{prefix}/validation.jsonl"}]}
    output = {"s3Uri": f"s3://{usual['output']}/{prefix}/"}
    hyper = {"epochCount": str(rng.randint(1, 3)), "learningRate": "0.00001"}
    tags = [{"key": "team", "value": team}, {"key": "cost-center", "value": "cc-4410"}]
    if rng.random() < 0.6:
        # A Get response: the job exists in Bedrock, and its tags are read from there.
        job_arn = bedrock.create_model_customization_job(
            job_name=name,
            custom_model_name=f"{name}-model",
            role_arn=role,
            base_model_identifier=model,
            training_data_config=training,
            output_data_config=output,
            hyper_parameters=hyper,
            client_request_token=None,
            customization_type="FINE_TUNING",
            custom_model_kms_key_id=key,
            job_tags=tags,
            custom_model_tags=None,
            validation_data_config=validation,
            vpc_config=vpc,
        )
        return {
            "jobArn": job_arn,
            "jobName": name,
            "outputModelName": f"{name}-model",
            "roleArn": role,
            "status": "Completed",
            "creationTime": "2025-06-02T10:15:07.123000+00:00",
            "baseModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{model}",
            "hyperParameters": hyper,
            "trainingDataConfig": training,
            "validationDataConfig": validation,
            "outputDataConfig": output,
            "outputModelKmsKeyArn": key,
            "vpcConfig": vpc,
            "trainingMetrics": {"trainingLoss": round(rng.uniform(0.05, 1.5), 4)},
            "validationMetrics": [{"validationLoss": round(rng.uniform(0.05, 1.5), 4)}],
        }
    return {
        "jobName": name,
        "customModelName": f"{name}-model",
        "roleArn": role,
        "baseModelIdentifier": model,
        "jobTags": tags,
        "hyperParameters": hyper,
        "trainingDataConfig": training,
        "validationDataConfig": validation,
        "outputDataConfig": output,
        "customModelKmsKeyId": key,
        "vpcConfig": vpc,
    }


def build_jobs(count: int, seed: int, session: Any) -> tuple[Estate, list[Any]]:
    """The estate in moto, and ``count`` jobs read from JSON text as `check` reads a file."""
    from moto.bedrock.models import bedrock_backends

    from checker.model import Job
    from checker.sources.files import read_bytes

    rng = random.Random(seed)
    estate = create_estate(session)
    bedrock = bedrock_backends[ACCOUNT][REGION]
    jobs: list[Any] = []
    for index in range(count):
        document = make_job(index, rng, estate, bedrock)
        raw = json.dumps(document, indent=2).encode()
        items = read_bytes(raw, f"jobs/{document['jobName']}.json", explicit=True, suffix=".json")
        assert items and all(isinstance(item, Job) for item in items), items
        jobs.extend(items)
    return estate, jobs


# -- Measuring ----------------------------------------------------------------------------------


def make_session(latency: float) -> Any:
    """A boto3 session; with ``latency``, every API call of its clients first sleeps that long."""
    import boto3

    session = boto3.session.Session(region_name=REGION)
    if latency:

        def wait(**_kwargs: Any) -> None:
            time.sleep(latency)

        session.events.register("before-call", wait)
    return session


@dataclass
class Run:
    seconds: float
    calls: Counter[str]
    items: list[Any]


def enrich_all(jobs: Sequence[Any], session: Any, concurrency: int) -> Run:
    from checker.aws.connection import Connection
    from checker.enrich import KINDS, Fetcher, enrich

    connection = Connection(regions=(REGION,), max_concurrency=concurrency)
    fetcher = Fetcher(connection, REGION)
    started = time.perf_counter()
    items = enrich(
        [(job, session) for job in jobs],
        KINDS,
        connection,
        default_region=REGION,
        fetcher=fetcher,
    )
    return Run(time.perf_counter() - started, fetcher.calls, items)


def _signature(job: Any) -> tuple[Any, ...]:
    """What decides a job's API calls when it is enriched alone: the resources it names."""
    document = job.document
    vpc = document.get("vpcConfig") or {}
    buckets = sorted({entry["bucket"] for entry in document["derived"].get("dataUris") or ()})
    return (
        document.get("outputModelKmsKeyArn"),
        document.get("roleArn"),
        tuple(buckets),
        tuple(vpc.get("subnetIds") or ()),
        tuple(vpc.get("securityGroupIds") or ()),
        "tags" in document,  # a Get response reads its tags; a create request carries them
    )


def unshared_calls(jobs: Sequence[Any], session: Any) -> tuple[int, int]:
    """API calls if no job shared anything: each job enriched alone with a fresh Fetcher.

    Jobs that name the same resources make the same calls, so one job of each combination is
    run; returns (total calls over every job, combinations run).
    """
    counts = Counter(_signature(job) for job in jobs)
    first: dict[tuple[Any, ...], Any] = {}
    for job in jobs:
        first.setdefault(_signature(job), job)
    total = 0
    for signature, job in first.items():
        alone = enrich_all([job], session, 1)
        total += sum(alone.calls.values()) * counts[signature]
    return total, len(first)


def distinct_resources(items: Sequence[Any]) -> Counter[str]:
    found: dict[str, set[str]] = {k: set() for k in ("KMS keys", "roles", "buckets", "subnets")}
    found["security groups"] = set()
    for item in items:
        resources = item.document["resources"]
        if resources.get("kmsKey"):
            found["KMS keys"].add(resources["kmsKey"]["arn"])
        if resources.get("role"):
            found["roles"].add(resources["role"]["arn"])
        found["buckets"].update(resources.get("buckets") or ())
        found["subnets"].update(resources.get("subnets") or ())
        found["security groups"].update(resources.get("securityGroups") or ())
    return Counter({kind: len(ids) for kind, ids in found.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs to build (default 1000)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added per call (50)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each; median (3)")
    parser.add_argument("--max-concurrency", type=int, default=0, help="default: the CLI's (16)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generator")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE (bench/run)")
    args = parser.parse_args(argv)
    if args.latency_ms <= 0 or args.runs < 1 or args.jobs < 1:
        parser.error("--latency-ms, --runs and --jobs must be above 0")

    fake_aws_env()
    from moto import mock_aws

    from checker import normalize
    from checker.aws.connection import DEFAULT_CONCURRENCY
    from checker.evaluate import evaluate
    from checker.model import Job
    from checker.policy import load_policy

    concurrency = args.max_concurrency or DEFAULT_CONCURRENCY
    latency = args.latency_ms / 1000
    with mock_aws():
        progress(f"creating the account in moto and {args.jobs:,} jobs")
        started = time.perf_counter()
        _estate, jobs = build_jobs(args.jobs, args.seed, make_session(0))
        print(f"built {len(jobs):,} jobs in {time.perf_counter() - started:.1f} s", file=sys.stderr)

        progress("enriching every job once, untimed, to warm moto up")
        enrich_all(jobs, make_session(0), concurrency)
        progress(f"enriching every job, {args.runs} runs, no added latency")
        runs = [enrich_all(jobs, make_session(0), concurrency) for _ in range(args.runs)]
        progress(f"enriching every job, {args.runs} runs, {args.latency_ms:g} ms per call")
        slow = [enrich_all(jobs, make_session(latency), concurrency) for _ in range(args.runs)]
        progress("each combination of resources alone, with a fresh Fetcher")
        unshared, combinations = unshared_calls(jobs, make_session(0))

        first = runs[0]
        policy = load_policy(PACKS)
        started = time.perf_counter()
        results = evaluate(first.items, policy)
        evaluated = time.perf_counter() - started

    seconds = statistics.median(run.seconds for run in runs)
    slow_seconds = statistics.median(run.seconds for run in slow)
    calls = sum(first.calls.values())
    if any(sum(run.calls.values()) != calls for run in (*runs, *slow)):
        print("warning: the runs made different numbers of calls", file=sys.stderr)
    enriched = sum(isinstance(item, Job) for item in first.items)
    resources = distinct_resources([item for item in first.items if isinstance(item, Job)])
    sequential = calls * latency
    tags = first.calls["bedrock:ListTagsForResource"]
    gets = sum(job.kind == normalize.GET_RESPONSE for job in jobs)
    unknown = Counter(
        path.split(".")[1] if path.startswith("resources.") else path
        for item in first.items
        if isinstance(item, Job)
        for path in item.document["resources"]["unknown"]
    )
    outcomes = Counter(result.outcome.value for result in results)
    deep_findings = Counter(
        f"{finding.rule.id} {finding.status.value}"
        for result in results
        for finding in result.findings
        if finding.rule.pack == "deep"
    )

    print(
        f"enriched {enriched:,} of {len(jobs):,} jobs; {sum(resources.values())} distinct "
        "resources: " + ", ".join(f"{n} {kind}" for kind, n in resources.items())
    )
    print("API calls: " + ", ".join(f"{op} {n:,}" for op, n in sorted(first.calls.items())))
    print(
        "resources.unknown entries: "
        + (", ".join(f"{what} {n}" for what, n in sorted(unknown.items())) or "none")
    )
    print(
        f"evaluated against {' + '.join(PACKS)} in {evaluated:.2f} s: "
        + ", ".join(f"{n:,} {outcome}" for outcome, n in sorted(outcomes.items()))
    )
    print(
        "deep findings: "
        + (", ".join(f"{rule} {n:,}" for rule, n in sorted(deep_findings.items())) or "none")
    )
    print(
        f"enrichment runs (s): no latency {', '.join(f'{r.seconds:.2f}' for r in runs)}; "
        f"{args.latency_ms:g} ms {', '.join(f'{r.seconds:.2f}' for r in slow)}"
    )
    print()
    rows = [
        ("jobs", f"{len(jobs):,}", f"{gets:,} Get responses, {len(jobs) - gets:,} create requests"),
        ("distinct resources", f"{sum(resources.values())}", "keys, roles, buckets, subnets, SGs"),
        ("API calls", f"{calls:,}", ""),
        ("  for the shared resources", f"{calls - tags:,}", "the same for any number of jobs"),
        ("  for the jobs' own tags", f"{tags:,}", "one per Get response"),
        ("API calls per job", f"{calls / len(jobs):.2f}", ""),
        (
            "API calls per job, nothing shared",
            f"{unshared / len(jobs):.2f}",
            f"each of {combinations} combinations alone",
        ),
        ("calls saved by sharing", f"{unshared / calls:.1f}x", ""),
        ("enrichment, no added latency", f"{seconds:.2f} s", f"median of {len(runs)}"),
        (
            "jobs per second, no added latency",
            f"{len(jobs) / seconds:,.0f}",
            f"{concurrency} threads",
        ),
        (
            f"enrichment, {args.latency_ms:g} ms per call",
            f"{slow_seconds:.2f} s",
            f"median of {len(slow)}",
        ),
        ("the same calls one after another", f"{sequential:.2f} s", "calls x latency"),
        ("thread pool speed-up", f"{sequential / slow_seconds:.1f}x", ""),
        (
            "unshared calls one after another",
            f"{unshared * latency:.2f} s",
            "calls x latency, nothing shared",
        ),
    ]
    print_table(rows, "note")
    if args.json:
        figures = {
            "jobs": len(jobs),
            "distinct_resources": sum(resources.values()),
            "calls": calls,
            "shared_calls": calls - tags,
            "calls_per_job": calls / len(jobs),
            "unshared_calls_per_job": unshared / len(jobs),
            "enrich_seconds": seconds,
            "jobs_per_second": len(jobs) / seconds,
            "latency_ms": args.latency_ms,
            "latency_seconds": slow_seconds,
            "sequential_seconds": sequential,
            "speedup": sequential / slow_seconds,
            "concurrency": concurrency,
        }
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
