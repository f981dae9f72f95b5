"""--framework, --html and `rules --framework`, on check and scan, as a user meets them."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from helpers.html_page import Page
from helpers.reports import EXAMPLES, REPO

from checker.cli import cli

SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))
CREATE_JOB = json.loads((REPO / "tests" / "fixtures" / "aws" / "create-job.json").read_text())


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_rules_lists_each_rule_with_its_controls_in_the_framework() -> None:
    result = run("rules", "--framework", "nist-800-53")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split(None, 1)[1] for line in result.stdout.splitlines()}
    controls, title = re.split(r"\s{2,}", lines["BMC003"])
    assert (controls, title) == (
        "SC-12, SC-28(1)",
        "Encrypt the custom model with a customer-managed KMS key",
    )
    assert lines["BMC201"].split()[0] == "-"
    assert "BMC309" in lines  # every built-in pack, deep included


def test_rules_json_keeps_only_the_frameworks_controls() -> None:
    result = run("rules", "--framework", "owasp-llm", "--format", "json")
    assert result.exit_code == 0, result.output
    rules = {rule["id"]: rule for rule in json.loads(result.stdout)}
    assert rules["BMC007"]["controls"] == {"owasp-llm": ["LLM02:2025", "LLM04:2025"]}
    assert rules["BMC001"]["controls"] == {"owasp-llm": []}


def test_an_unknown_framework_is_a_usage_error() -> None:
    for args in (["rules", "--framework", "nist"], ["check", "x.json", "--framework", "soc2"]):
        result = run(*args)
        assert result.exit_code == 2
        assert "Invalid value for '--framework'" in result.stderr


def test_check_writes_html_and_the_summary_in_every_format(tmp_path: Path) -> None:
    out = {name: tmp_path / f"report.{name}" for name in ("json", "html", "markdown")}
    result = run(
        "check",
        str(EXAMPLES),
        "--policy",
        "builtin:baseline",
        "--framework",
        "iso-27001",
        *(arg for name, path in out.items() for arg in (f"--{name}", str(path))),
    )
    assert result.exit_code == 1, result.output
    document = json.loads(out["json"].read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    framework = document["framework"]
    assert framework["name"] == "iso-27001"
    controls = [c["id"] for c in framework["controls"]]
    assert "A.8.24" in controls
    page = Page(out["html"].read_text(encoding="utf-8"))
    assert [r.children[0].all_text() for r in page.find("tr", "control-row")] == controls
    summary = document["summary"]
    assert page.counts() == {
        **{k: v for k, v in summary.items() if k != "bySeverity"},
        **summary["bySeverity"],
    }
    digest = hashlib.sha256((REPO / "policies" / "baseline.yaml").read_bytes()).hexdigest()
    assert f"sha256:{digest}" in page.text
    assert "### Controls: ISO/IEC 27001:2022 Annex A (`iso-27001`)" in out["markdown"].read_text()
    assert "iso-27001 (ISO/IEC 27001:2022 Annex A): " in result.stdout


def test_html_to_standard_output_moves_the_console_to_stderr() -> None:
    result = run("check", str(EXAMPLES / "passing"), "--html", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "jobs checked" in result.stderr
    assert Page(result.stdout).counts()["jobs"] == 13


# --- scan -------------------------------------------------------------------------------------


@pytest.fixture
def bedrock(fake_aws_in_tmp: None, bedrock: Any) -> Any:
    """moto's Bedrock with fake AWS settings, run from an empty folder."""
    return bedrock


def test_scan_writes_html_with_the_control_summary(bedrock: Any, tmp_path: Path) -> None:
    request = copy.deepcopy(CREATE_JOB)
    request.update(jobName="open-job", customModelName="open-model")
    request["vpcConfig"] = {"subnetIds": ["s"], "securityGroupIds": ["g"]}
    bedrock.create_model_customization_job(**request)

    result = run(
        "scan", "--region", "us-east-1", "--framework", "nist-800-53", "--html", "scan.html"
    )

    assert result.exit_code == 0, result.output  # BMC002 is a warning
    page = Page((tmp_path / "scan.html").read_text(encoding="utf-8"))
    [row] = page.find("tr", "job-row")
    assert row.attrs["data-rules"] == "BMC002"
    assert "open-job" in row.all_text()
    statuses = {
        r.children[0].all_text(): r.attrs["data-status"] for r in page.find("tr", "control-row")
    }
    assert statuses["SC-36"] == "failing"  # BMC002, a warning, still fails its control
    assert statuses["SC-7"] == "passing"
    [run_section] = page.find("section", id="run")
    assert "us-east-1" in run_section.all_text() and "live" in run_section.all_text()
