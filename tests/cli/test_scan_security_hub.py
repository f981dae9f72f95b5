"""`scan --security-hub` through the command line, against moto's Bedrock, STS and Security Hub:
findings imported into the hub of each job's own region (and account, through an assumed role),
updated by the next run, archived as resolved when they no longer apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from helpers.audit import asff_problems
from helpers.aws import ACCOUNT, create_job
from helpers.cli import run

pytestmark = pytest.mark.usefixtures("fake_aws_in_tmp")

OTHER_ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/BedrockAudit"
# ORG001 fails every job, then (the same rule id, relaxed) passes every job.
STRICT = """\
version: 1
rules:
  - id: ORG001
    title: Jobs are named by the platform team
    severity: warning
    description: Only the platform team's job names.
    schema:
      jobName: {type: string, allowed: [platform-job]}
"""
RELAXED = STRICT.replace("{type: string, allowed: [platform-job]}", "{type: string}")


def credentials_of(role: str) -> dict[str, str]:
    answer = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=role, RoleSessionName="setup"
    )["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


def client(service: str, region: str, role: str | None = None) -> Any:
    return boto3.client(service, region_name=region, **(credentials_of(role) if role else {}))


def hub_findings(region: str, role: str | None = None) -> list[dict[str, Any]]:
    pages = client("securityhub", region, role).get_paginator("get_findings").paginate()
    return [finding for page in pages for finding in page["Findings"]]


def summary_line(stderr: str) -> str:
    [line] = [line for line in stderr.splitlines() if line.startswith("Security Hub (")]
    return line


def test_scan_imports_updates_and_archives_resolved_findings(bedrock: Any, tmp_path: Path) -> None:
    create_job(bedrock, "good-job")
    open_arn = create_job(bedrock, "open-job", vpcConfig=None)
    policy = tmp_path / "org.yaml"
    policy.write_text(STRICT, encoding="utf-8")
    scan = ("scan", "--region", "us-east-1", "--security-hub", "--policy", "builtin:baseline")

    first = run(*scan, "--policy", str(policy), "--asff", "first.json")

    assert first.exit_code == 1, first.stderr  # BMC001 on open-job
    written = json.loads(Path("first.json").read_text(encoding="utf-8"))
    stored = {f["Id"]: f for f in hub_findings("us-east-1")}
    assert sorted(stored) == sorted(f["Id"] for f in written)
    rules = sorted(
        (f["ProductFields"]["bedrock-checker/RuleId"], f["Resources"][0]["Id"])
        for f in stored.values()
    )
    good_arn = open_arn.replace("open-job", "good-job")
    assert rules == [("BMC001", open_arn), ("ORG001", good_arn), ("ORG001", open_arn)]
    assert summary_line(first.stderr) == (
        f"Security Hub (arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default): "
        "3 findings imported, 0 archived"
    )
    assert asff_problems(list(stored.values())) == []

    # The same scan again: the same findings, updated in place (stable ids), none added.
    again = run(*scan, "--policy", str(policy))
    assert again.exit_code == 1, again.stderr
    assert sorted(f["Id"] for f in hub_findings("us-east-1")) == sorted(stored)

    # ORG001 now passes: its two findings are archived as resolved; BMC001 stays active.
    policy.write_text(RELAXED, encoding="utf-8")
    fixed = run(*scan, "--policy", str(policy))
    assert fixed.exit_code == 1, fixed.stderr
    assert summary_line(fixed.stderr).endswith(": 1 findings imported, 2 archived")
    after = {f["Id"]: f for f in hub_findings("us-east-1")}
    assert sorted(after) == sorted(stored)
    states = sorted(
        (
            f["ProductFields"]["bedrock-checker/RuleId"],
            f["RecordState"],
            f["Compliance"]["Status"],
        )
        for f in after.values()
    )
    assert states == [
        ("BMC001", "ACTIVE", "FAILED"),
        ("ORG001", "ARCHIVED", "PASSED"),
        ("ORG001", "ARCHIVED", "PASSED"),
    ]


def test_each_job_is_published_in_its_own_region(bedrock: Any) -> None:
    east = create_job(bedrock, "east-job", vpcConfig=None)
    west = create_job(client("bedrock", "eu-west-1"), "west-job", vpcConfig=None)

    result = run("scan", "--region", "us-east-1", "--region", "eu-west-1", "--security-hub")

    assert result.exit_code == 1, result.stderr
    by_region = {
        region: [(f["Region"], f["Resources"][0]["Id"]) for f in hub_findings(region)]
        for region in ("us-east-1", "eu-west-1")
    }
    assert by_region == {"us-east-1": [("us-east-1", east)], "eu-west-1": [("eu-west-1", west)]}
    assert summary_line(result.stderr) == (
        f"Security Hub (arn:aws:securityhub:eu-west-1:{ACCOUNT}:product/{ACCOUNT}/default, "
        f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default): "
        "2 findings imported, 0 archived"
    )


def test_an_assumed_roles_jobs_go_to_that_accounts_hubs(bedrock: Any) -> None:
    east = create_job(client("bedrock", "us-east-1", ROLE), "their-east", vpcConfig=None)
    west = create_job(client("bedrock", "eu-west-1", ROLE), "their-west", vpcConfig=None)
    scan = ("scan", "--region", "us-east-1", "--region", "eu-west-1", "--assume-role", ROLE)

    result = run(*scan, "--security-hub")

    assert result.exit_code == 1, result.stderr
    for region, arn in (("us-east-1", east), ("eu-west-1", west)):
        found = hub_findings(region, ROLE)
        # BMC001 (no VPC) and BMC005 (the shared create request's role is of another account).
        assert sorted(f["ProductFields"]["bedrock-checker/RuleId"] for f in found) == [
            "BMC001",
            "BMC005",
        ]
        assert {f["Resources"][0]["Id"] for f in found} == {arn}
        assert {f["AwsAccountId"] for f in found} == {OTHER_ACCOUNT}
        assert {f["ProductArn"] for f in found} == {
            f"arn:aws:securityhub:{region}:{OTHER_ACCOUNT}:product/{OTHER_ACCOUNT}/default"
        }
        assert hub_findings(region) == []  # nothing in the caller's own hubs
    assert "4 findings imported, 0 archived" in summary_line(result.stderr)


def test_an_audit_of_accounts_publishes_to_each_accounts_hub(bedrock: Any) -> None:
    audit_role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/BedrockCheckerAudit"
    theirs = create_job(client("bedrock", "eu-west-1", audit_role), "their-job", vpcConfig=None)
    ours = create_job(bedrock, "our-job", vpcConfig=None)
    scan = ("scan", "--accounts", f"{ACCOUNT},{OTHER_ACCOUNT}", "--region", "eu-west-1")

    result = run(*scan, "--region", "us-east-1", "--security-hub")

    assert result.exit_code == 1, result.stderr
    assert {f["Resources"][0]["Id"] for f in hub_findings("eu-west-1", audit_role)} == {theirs}
    assert {f["Resources"][0]["Id"] for f in hub_findings("us-east-1")} == {ours}
    assert hub_findings("eu-west-1") == hub_findings("us-east-1", audit_role) == []
