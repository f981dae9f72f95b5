"""`bedrock-checker drift`: the bundled examples against jobs launched from them in moto; then
a changed file, a job gone and an unmanaged job; exit codes and every report format."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from helpers.cli import REPO, report, run
from helpers.drift import ACCOUNT, committed_jobs, forget, launch_all

DRIFT_DOC = (REPO / "docs" / "drift.md").read_text(encoding="utf-8")
EXAMPLE_JOBS = 27
# Named jobs the examples launch; the other jobs are named at run time (state machines).
NAMED_UNKNOWN = 7


@pytest.fixture
def aws(fake_aws_in_tmp: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in this process, in the account of the examples' ARNs."""
    from moto import mock_aws

    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    with mock_aws():
        yield


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A copy of the bundled examples (passing and failing) in the working folder."""
    target = tmp_path / "jobs"
    for kind in ("passing", "failing"):
        shutil.copytree(REPO / "examples" / kind, target / kind)
    return target


def drift(*args: str) -> Any:
    return run("drift", *args, "--region", "us-east-1", "--color", "never")


def findings(result: Any, status: str = "violated") -> list[tuple[str, str, str]]:
    return sorted(
        (job["name"] or job["key"], finding["ruleId"], finding["path"])
        for job in report(result)["jobs"]
        for finding in job["findings"]
        if finding["status"] == status
    )


def test_jobs_launched_from_the_examples_have_no_drift(aws: None, examples: Path) -> None:
    launch_all(committed_jobs([str(examples)]))

    result = drift(str(examples), "--format", "json")

    assert result.exit_code == 0, result.output
    summary = report(result)["summary"]
    assert (summary["jobs"], summary["passed"], summary["findings"]) == (EXAMPLE_JOBS, 27, 0)
    assert report(result)["mode"] == "drift"
    unknown = findings(result, "unknown")
    # State machines name their jobs at run time: they cannot be paired.
    assert sum(1 for _, rule, _ in unknown if rule == "BMC408") == NAMED_UNKNOWN
    assert ("rft-grader-test", "BMC401", "roleArn") in unknown  # {account_id} placeholder
    assert ("summariser-ft", "BMC401", "roleArn") in unknown  # Terraform var.x
    assert "the same 27 jobs give `27 passed, 0 failed` and exit 0" in DRIFT_DOC
    assert "(17 unknown findings, 7 of them state machines" in DRIFT_DOC
    assert (len(unknown), NAMED_UNKNOWN) == (17, 7)


def test_a_changed_file_a_job_gone_and_an_unmanaged_job(aws: None, examples: Path) -> None:
    launch_all(committed_jobs([str(examples)]))
    # The document changed since the job was launched ...
    request = examples / "passing" / "create-request.yaml"
    text = request.read_text(encoding="utf-8")
    changed = text.replace("sg-0123456789abcdef0", "sg-0aaaabbbbccccdddd")
    changed = changed.replace('epochCount: "1"', 'epochCount: "3"')
    assert changed.count("sg-0aaaabbbbccccdddd") == changed.count('epochCount: "3"') == 1
    request.write_text(changed, encoding="utf-8")
    # ... a job is gone, and one was launched from a notebook.
    forget("support-bot-ft-single-az")
    boto3.client("bedrock", region_name="us-east-1").create_model_customization_job(
        jobName="notebook-experiment",
        customModelName="notebook-experiment-model",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/Notebook",
        baseModelIdentifier="amazon.titan-text-lite-v1:0:4k",
        trainingDataConfig={"s3Uri": "s3://scratch/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://scratch/out/"},
    )

    result = drift(str(examples), "--unmanaged", "--format", "json")

    assert result.exit_code == 1, result.output
    assert findings(result) == [
        ("faq-cpt-2026-11", "BMC403", "vpcConfig.securityGroupIds"),
        ("faq-cpt-2026-11", "BMC405", "hyperParameters.epochCount"),
        ("notebook-experiment", "BMC409", ""),
        ("support-bot-ft-single-az", "BMC408", "jobName"),
    ]
    summary = report(result)["summary"]
    assert (summary["jobs"], summary["failed"], summary["findings"]) == (EXAMPLE_JOBS + 1, 3, 4)
    [faq] = [job for job in report(result)["jobs"] if job["name"] == "faq-cpt-2026-11"]
    vpc, epochs = faq["findings"]
    assert vpc["line"] == _line_of(changed, "sg-0aaaabbbbccccdddd")
    assert "sg-0123456789abcdef0" in vpc["message"]
    assert epochs["line"] == _line_of(changed, "epochCount")
    assert epochs["message"] == "hyperParameters.epochCount: the live job has 1, the document 3"
    # docs/drift.md quotes this run's summary line.
    text = drift(str(examples), "--unmanaged").stdout.splitlines()[-1]
    assert text.startswith("28 jobs checked: 25 passed, 3 failed")
    assert text in DRIFT_DOC


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_every_format_counts_the_same_drift(aws: None, examples: Path, tmp_path: Path) -> None:
    launch_all(committed_jobs([str(examples)]))
    forget("support-bot-ft-single-az")
    out = tmp_path / "out"
    out.mkdir()

    result = drift(
        str(examples),
        "--json", str(out / "r.json"),
        "--sarif", str(out / "r.sarif"),
        "--junit", str(out / "r.xml"),
        "--markdown", str(out / "r.md"),
        "--html", str(out / "r.html"),
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    assert "28 jobs checked" not in result.stdout
    assert "support-bot-ft-single-az" in result.stdout
    document = json.loads((out / "r.json").read_text())
    assert document["summary"]["findings"] == 1
    sarif = json.loads((out / "r.sarif").read_text())
    [run_] = sarif["runs"]
    assert run_["automationDetails"]["id"] == "bedrock-checker/drift/"
    violations = [r for r in run_["results"] if r["properties"]["status"] == "violated"]
    assert [r["ruleId"] for r in violations] == ["BMC408"]
    [location] = violations[0]["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == ("jobs/failing/jobs.jsonl")
    suites = ET.parse(out / "r.xml").getroot()
    failures = [case for case in suites.iter("testcase") if case.find("failure") is not None]
    assert len(failures) == 1
    assert "BMC408" in (out / "r.md").read_text()


def test_the_sarif_fingerprint_of_a_drift_stays_until_it_is_fixed(
    aws: None, examples: Path, tmp_path: Path
) -> None:
    launch_all(committed_jobs([str(examples)]))
    forget("support-bot-ft-single-az")

    def fingerprints() -> list[str]:
        drift(str(examples), "--sarif", str(tmp_path / "r.sarif"))
        sarif = json.loads((tmp_path / "r.sarif").read_text())
        return [
            r["partialFingerprints"]["primaryLocationLineHash"]
            for r in sarif["runs"][0]["results"]
            if r["properties"]["status"] == "violated"
        ]

    first = fingerprints()
    # A comment line added above the job moves it, and the alert stays the same one.
    jobs = examples / "failing" / "jobs.jsonl"
    jobs.write_text("\n" + jobs.read_text(encoding="utf-8"), encoding="utf-8")
    assert fingerprints() == first != []


def test_a_region_that_cannot_be_read_exits_3(
    aws: None, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers.aws import Wire

    from checker.aws import session as aws_session

    launch_all(committed_jobs([str(examples)]))
    wire = Wire()
    wire.fail("ListModelCustomizationJobs", (403, "AccessDeniedException"), where="eu-west-1")
    real = aws_session.make_session
    monkeypatch.setattr(aws_session, "make_session", lambda p: wire.attach_session(real(p)))

    result = drift(str(examples), "--format", "json")

    assert result.exit_code == 3, result.output
    errored = [job for job in report(result)["jobs"] if job["outcome"] == "errored"]
    # The region itself, and the two named jobs of eu-west-1: not compared, not "missing".
    assert [job["key"] for job in errored] == [
        "jobs/passing/create-request.json",
        "jobs/passing/cdk.out/SupportTrainingStack.template.json",
        "eu-west-1",
    ]
    assert sum("not compared: eu-west-1" in job["error"] for job in errored) == 2
    assert report(result)["summary"]["findings"] == 0


def test_usage_errors_exit_2(aws: None, examples: Path) -> None:
    assert run("drift").exit_code == 2  # no path
    result = drift(str(examples), "--rule", "BMC999")
    assert result.exit_code == 2
    assert "matches no drift rule" in result.stderr
    result = run("drift", str(examples), "--policy", "builtin:baseline")
    assert result.exit_code == 2  # drift judges by its own rules
