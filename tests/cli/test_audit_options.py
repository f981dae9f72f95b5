"""--asff, --asff-account, --evidence and --security-hub on check: files written, hub updated."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result
from helpers.audit import REPO, asff_problems
from helpers.jobs import DELETE, GOOD_JOB, make_document
from moto import mock_aws

from checker.cli import cli

EXAMPLES = [str(REPO / "examples" / "failing"), str(REPO / "examples" / "passing")]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_asff_file_of_the_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    target = tmp_path / "findings.json"
    result = run("check", *EXAMPLES, "--asff", str(target), "--asff-account", "111122223333")

    assert result.exit_code == 1, result.stderr
    findings = json.loads(target.read_text(encoding="utf-8"))
    assert len(findings) == 38
    assert asff_problems(findings) == []
    # Each job's findings go to the Security Hub of its own region; create requests that name
    # no region, to AWS_REGION's.
    assert {f["ProductArn"] for f in findings} == {
        f"arn:aws:securityhub:{region}:111122223333:product/111122223333/default"
        for region in ("us-east-1", "us-west-2", "eu-west-1")
    }


def test_asff_without_an_account_for_every_job_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    target = tmp_path / "findings.json"
    json_report = tmp_path / "report.json"
    result = run(
        "check",
        str(REPO / "examples" / "failing"),
        "--json",
        str(json_report),
        "--asff",
        str(target),
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("bedrock-checker: error: ")
    assert "custom-model.tf:3: job summariser-ft: no AWS account" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not target.exists()
    assert not json_report.exists()  # rendered first, so nothing of the run is left half-done


def test_a_bad_asff_account_is_refused_before_reading() -> None:
    result = run("check", "no-such-dir", "--asff", "-", "--asff-account", "12345")
    assert result.exit_code == 2
    assert "--asff-account 12345: not a 12-digit AWS account id" in result.stderr


def test_evidence_folder_with_its_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "notes.txt").write_text("kept", encoding="utf-8")
    (folder / "old-job-0000000000000000.json").write_text("{}", encoding="utf-8")
    (folder / "SHA256SUMS").write_text(
        "0" * 64 + "  old-job-0000000000000000.json\n" + "0" * 64 + "  ../outside.txt\n",
        encoding="utf-8",
    )
    (tmp_path / "outside.txt").write_text("not ours", encoding="utf-8")

    result = run("check", *EXAMPLES, "--evidence", str(folder))

    assert result.exit_code == 1, result.stderr
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert index["summary"]["jobs"] == 27 == len(index["jobs"])
    assert len(list(folder.glob("*.json"))) == 27 + 1  # the jobs and index.json
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert not (folder / "old-job-0000000000000000.json").exists()  # an earlier record's
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "kept"
    assert (tmp_path / "outside.txt").exists()
    assert not list(folder.glob(".*"))  # no temporary file left behind


def test_evidence_needs_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = run("check", *EXAMPLES, "--evidence", str(tmp_path / "file"))
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.stderr


def test_security_hub_publishes_and_a_second_run_updates(aws_env: None) -> None:
    first = run("check", *EXAMPLES, "--security-hub")
    assert first.exit_code == 1, first.stderr
    # Each job's findings go to its own region's hub. The examples' jobs are of account
    # 111122223333, which the caller (moto's 123456789012) cannot import for: they go to the
    # caller's hubs, as its findings.
    hubs = ", ".join(
        f"arn:aws:securityhub:{region}:123456789012:product/123456789012/default"
        for region in ("eu-west-1", "us-east-1", "us-west-2")
    )
    assert f"Security Hub ({hubs}): 38 findings imported, 0 archived\n" in first.stderr
    second = run("check", *EXAMPLES, "--security-hub")
    assert second.exit_code == 1, second.stderr

    stored = []
    for region in ("eu-west-1", "us-east-1", "us-west-2"):
        client = boto3.client("securityhub", region_name=region)
        pages = client.get_paginator("get_findings").paginate()
        stored += [(region, f) for page in pages for f in page["Findings"]]
    assert len(stored) == 38
    assert {f["RecordState"] for _, f in stored} == {"ACTIVE"}
    assert {f["AwsAccountId"] for _, f in stored} == {"123456789012"}
    assert all(f["Region"] == region for region, f in stored)
    assert asff_problems([f for _, f in stored]) == []


def test_the_aws_options_of_check_need_deep_or_security_hub() -> None:
    result = run("check", *EXAMPLES, "--region", "us-east-1")
    assert result.exit_code == 2
    assert "are for --deep and --security-hub only" in result.stderr


def test_evidence_of_a_checked_file_has_its_models_settings_and_network(tmp_path: Path) -> None:
    # Evaluated jobs are kept compact; a run that writes evidence keeps what the record reads.
    path = tmp_path / "job.json"
    path.write_text(json.dumps(make_document()), encoding="utf-8")
    folder = tmp_path / "evidence"

    result = run("check", str(path), "--evidence", str(folder))

    assert result.exit_code == 0, result.stderr
    [name] = [p for p in folder.glob("*.json") if p.name != "index.json"]
    record = json.loads(name.read_text(encoding="utf-8"))
    assert record["hyperParameters"]["epochCount"] == "2"
    assert record["metrics"]["training"] == {"trainingLoss": 0.12}
    assert record["network"] == {
        "subnetIds": ["subnet-a", "subnet-b"],
        "securityGroupIds": ["sg-1"],
    }
    assert record["roleArn"] == GOOD_JOB["roleArn"]
    assert record["job"]["creationTime"] == GOOD_JOB["creationTime"]
    assert record["models"]["base"]["identifier"] == GOOD_JOB["baseModelArn"]
    assert record["models"]["output"]["kmsKey"] == GOOD_JOB["outputModelKmsKeyArn"]
    assert [entry["role"] for entry in record["dataLocations"]] == [
        "training",
        "validation",
        "output",
    ]


def test_asff_of_a_checked_file_is_dated_by_the_jobs_creation(tmp_path: Path) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(make_document(vpcConfig=DELETE)), encoding="utf-8")
    target = tmp_path / "findings.json"

    result = run("check", str(path), "--asff", str(target), "--asff-account", "111122223333")

    assert result.exit_code == 1, result.stderr
    findings = json.loads(target.read_text(encoding="utf-8"))
    findings = findings["Findings"] if isinstance(findings, dict) else findings
    assert findings
    assert {f["CreatedAt"] for f in findings} == {"2023-11-29T10:45:43.056Z"}
