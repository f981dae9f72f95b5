"""`check --deep` and `scan --deep` from the command line: one region, the deep pack without
--deep, reports and exit codes.

AWS is moto in-process with fake credentials. Resources come from helpers.deep.Cloud, compliant
unless a test breaks one thing, so that each test can assert the verdict of every deep rule.
What moto cannot produce (AccessDenied, an AWS-managed key or policy) is made by botocore event
handlers on the session that deep mode reads with (helpers.deep.deny and alter).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.aws import create_job
from helpers.cli import run
from helpers.deep import (
    ACCOUNT,
    ADMIN,
    REGION,
    deny,
    job_document,
    key_id,
    no_evaluations,
)
from helpers.enrich import (
    ALL_PASSED,
    Setup,
    create_request,
    report_findings,
)
from helpers.jobs import GOOD_JOB
from junitparser import JUnitXml

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
        "bedrock-checker: error: the AWS options (--region, --profile, ...) are for --deep "
        "and --security-hub only\n"
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


def test_get_document_deep_prints_the_resources_section(
    setup: Setup, cli_session: Callable[[Callable[[Any], Any]], None]
) -> None:
    _moto_jobs(setup)
    cli_session(no_evaluations)

    result = run(
        "get", "--job-identifier", "good-job", "--region", REGION, "--document", "--deep",
        "--query", "resources",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    resources = json.loads(result.stdout)
    assert set(resources) == {
        "kmsKey", "role", "buckets", "subnets", "availabilityZones", "securityGroups",
        "invocationLogging", "evaluation", "unknown",
    }  # fmt: skip
    assert resources["kmsKey"] is None
    assert "kms:DescribeKey: NotFoundException" in resources["unknown"]["resources.kmsKey"]
    assert resources["role"]["trust"]["confusedDeputyProtected"] is True
    assert sorted(resources["buckets"]) == ["corp-out", "corp-train"]
    assert resources["availabilityZones"] == ["us-east-1a", "us-east-1b"]
    # The model's evaluations: none in this account (Bedrock's answers stand in for moto's).
    assert resources["evaluation"]["completedJobs"] == []


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
