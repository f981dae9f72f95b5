"""Deep mode: what cannot be read (denied, missing, another account, no region, known only after
apply) is unknown with its reason, never a pass.

AWS is moto in-process with fake credentials. Resources come from helpers.deep.Cloud, compliant
unless a test breaks one thing, so that each test can assert the verdict of every deep rule.
What moto cannot produce (AccessDenied, an AWS-managed key or policy) is made by botocore event
handlers on the session that deep mode reads with (helpers.deep.deny and alter).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import run
from helpers.deep import (
    ACCOUNT,
    ADMIN,
    OTHER_ACCOUNT,
    REGION,
    deny,
    job_document,
    key_id,
    new_session,
)
from helpers.enrich import (
    ALL_PASSED,
    BASE_MODEL,
    DEEP,
    Setup,
    create_request,
    enrich,
    findings,
    outcomes,
    unread,
)
from helpers.jobs import DELETE, GOOD_JOB, make_job

import checker.enrich as enrich_stage
from checker.aws.connection import Connection
from checker.model import Job
from checker.policy import load_policy
from checker.sources.files import read_paths

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
    unknown = unread(job)
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
    assert "'--region': give it at most once for this command" in result.stderr


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
