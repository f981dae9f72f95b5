"""get and show print as the AWS CLI does: its settings, formats, --query errors and messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.cli import EXAMPLES, create_job, run
from moto.bedrock.models import bedrock_backends

from checker.aws_cli_format import render
from checker.aws_cli_table import table

ACCOUNT = "123456789012"


@pytest.fixture
def bedrock(fake_aws_in_tmp: None, bedrock: Any) -> Any:
    create_job(bedrock, "ft-job")
    return bedrock


def profile(tmp_path: Path, **settings: str) -> dict[str, str]:
    config = tmp_path / "aws-config"
    config.write_text(
        "[default]\n" + "".join(f"{key} = {value}\n" for key, value in settings.items()),
        encoding="utf-8",
    )
    return {"AWS_CONFIG_FILE": str(config)}


GET = ("get", "--region", "us-east-1", "--job-identifier", "ft-job")


def test_get_prints_json_by_default(bedrock: Any) -> None:
    result = run(*GET, "--query", "jobName")
    assert (result.exit_code, result.stdout) == (0, '"ft-job"\n')


def test_get_honours_aws_default_output(bedrock: Any) -> None:
    result = run(*GET, "--query", "[jobName, status]", env={"AWS_DEFAULT_OUTPUT": "text"})
    assert (result.exit_code, result.stdout) == (0, "ft-job\tInProgress\n")


def test_get_honours_the_profiles_output(bedrock: Any, tmp_path: Path) -> None:
    result = run(*GET, "--query", "vpcConfig", env=profile(tmp_path, output="yaml"))
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == {
        "subnetIds": ["subnet-a", "subnet-b"],
        "securityGroupIds": ["sg-1"],
    }


def test_output_option_beats_environment_beats_profile(bedrock: Any, tmp_path: Path) -> None:
    env = {**profile(tmp_path, output="yaml"), "AWS_DEFAULT_OUTPUT": "text"}
    assert run(*GET, "--query", "jobName", env=env).stdout == "ft-job\n"
    assert run(*GET, "--query", "jobName", "--output", "json", env=env).stdout == '"ft-job"\n'


def test_an_unknown_output_setting_is_a_usage_error(bedrock: Any) -> None:
    result = run(*GET, env={"AWS_DEFAULT_OUTPUT": "xml"})
    assert result.exit_code == 2
    assert result.stderr == (
        "bedrock-checker: error: AWS_DEFAULT_OUTPUT xml: expected one of json, yaml, text, table\n"
    )


def test_get_prints_a_table(bedrock: Any) -> None:
    result = run(*GET, "--output", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "-" * len(lines[0])
    assert lines[1].strip("| ") == "GetModelCustomizationJob"
    assert {len(line) for line in lines} == {len(lines[0])}  # one box, every line as wide
    assert any(line.startswith("| jobName ") and "| ft-job " in line for line in lines)
    assert any(line.strip("| ") == "vpcConfig" for line in lines)


@pytest.mark.parametrize(
    ("setting", "iso"), [(None, True), ("iso8601", True), ("none", False), ("wire", False)]
)
def test_cli_timestamp_format(bedrock: Any, tmp_path: Path, setting: str | None, iso: bool) -> None:
    bedrock_backends[ACCOUNT]["us-east-1"].model_customization_jobs[
        "ft-job"
    ].creation_time = "2026-03-01 10:45:43"
    env = profile(tmp_path, cli_timestamp_format=setting) if setting else {}

    result = run(*GET, "--query", "creationTime", "--output", "text", env=env)

    assert result.exit_code == 0, result.stderr
    # moto sends "2026-03-01 10:45:43"; botocore's parse of it prints in ISO 8601.
    expected = "2026-03-01T10:45:43" if iso else "2026-03-01 10:45:43"
    assert result.stdout == f"{expected}\n"


def test_an_unknown_timestamp_format_is_a_usage_error(bedrock: Any, tmp_path: Path) -> None:
    result = run(*GET, env=profile(tmp_path, cli_timestamp_format="epoch"))
    assert result.exit_code == 2
    assert "cli_timestamp_format epoch (in the profile): expected one of" in result.stderr


def test_a_query_syntax_error_shows_the_expression_with_a_caret(bedrock: Any) -> None:
    result = run(*GET, "--query", "vpcConfig.[subnetIds")
    assert result.exit_code == 2
    assert result.stdout == ""
    first, expression, caret = result.stderr.splitlines()
    assert first.startswith("bedrock-checker: error: --query vpcConfig.[subnetIds: ")
    assert expression == "vpcConfig.[subnetIds"
    assert caret == " " * len("vpcConfig.[subnetIds") + "^"


def test_a_missing_job_keeps_the_services_message(bedrock: Any) -> None:
    result = run("get", "--region", "us-east-1", "--job-identifier", "absent")
    assert result.exit_code == 3
    assert result.stderr == (
        "bedrock-checker: error: job absent: ResourceNotFoundException: Model customization "
        "job absent not found (looked up in us-east-1)\n"
    )


def test_get_takes_one_region_and_says_so_in_its_help(bedrock: Any) -> None:
    result = run("get", "--region", "us-east-1", "--region", "eu-west-1", "--job-identifier", "x")
    assert result.exit_code == 2
    assert "--region" in result.stderr
    assert "at most once" in result.stderr


def test_uneven_mappings_leave_an_empty_field_in_text_and_table() -> None:
    rows = [{"a": 1, "b": None}, {"a": 3}]
    assert render(rows, "text") == "1\tNone\n3\t\n"
    assert "| 3 |      |" in table(rows)


def test_show_prints_the_normalised_document() -> None:
    result = run("show", str(EXAMPLES / "passing" / "create-request.yaml"))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["jobName"] == "faq-cpt-2026-11"
    assert document["outputModelKmsKeyArn"].startswith("arn:aws:kms:")  # the Get shape
    assert document["derived"]["customizationType"] == "CONTINUED_PRE_TRAINING"


def test_show_several_files_prints_a_list_and_takes_query_and_output() -> None:
    result = run(
        "show",
        str(EXAMPLES / "passing" / "get-response.json"),
        str(EXAMPLES / "passing" / "custom-model.tf"),
        "--query",
        "[].jobName",
        "--output",
        "text",
    )
    assert (result.exit_code, result.stdout) == (
        0,
        "support-bot-ft-2026-11\tsupport-bot-ft-2026-12\n",
    )


def test_show_reports_unreadable_files_and_prints_the_rest(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    result = run(
        "show",
        str(EXAMPLES / "passing" / "get-response.json"),
        str(tmp_path / "broken.json"),
        "--query",
        "[].jobName",
    )
    assert result.exit_code == 3
    assert json.loads(result.stdout) == ["support-bot-ft-2026-11"]
    assert "broken.json:1: error: invalid JSON" in result.stderr


def test_show_honours_aws_default_output() -> None:
    result = run(
        "show",
        str(EXAMPLES / "passing" / "get-response.json"),
        "--query",
        "jobName",
        env={"AWS_DEFAULT_OUTPUT": "text"},
    )
    assert result.stdout == "support-bot-ft-2026-11\n"
