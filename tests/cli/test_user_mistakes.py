"""Each user mistake is one line naming what is wrong, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.model import Job
from checker.sources.files import read_paths

FLOW_YAML = (
    '{jobName: flow-job, customModelName: m, roleArn: "arn:aws:iam::111122223333:role/r", '
    "baseModelIdentifier: amazon.titan-text-lite-v1, trainingDataConfig: {s3Uri: 's3://b/t'}, "
    "outputDataConfig: {s3Uri: 's3://b/o'}}\n"
)


def test_a_flow_style_yaml_document_in_a_yaml_file_is_read_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(FLOW_YAML, encoding="utf-8")

    [job] = read_paths([str(path)]).items

    assert isinstance(job, Job)
    assert job.document["jobName"] == "flow-job"


def test_a_flow_style_document_in_a_json_file_is_still_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "job.json"
    path.write_text(FLOW_YAML, encoding="utf-8")

    [error] = read_paths([str(path)]).items

    assert error.message.startswith("invalid JSON: ")


def one_line_error(args: list[str], **env: str) -> str:
    """Run the CLI; assert exit 2 with one line naming the problem, and return that line."""
    done = CliRunner().invoke(cli, args, env=env or None)
    assert done.exit_code == 2, (done.exit_code, done.output)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "internal error" not in lines[0]
    assert lines[0].startswith("bedrock-checker: error: ")
    return lines[0]


@pytest.fixture
def job_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from helpers.hostile import request, write_json

    monkeypatch.chdir(tmp_path)
    return write_json(tmp_path / "job.json", request())


def test_an_endpoint_url_without_a_scheme(job_file: Path) -> None:
    line = one_line_error(
        ["scan", "--endpoint-url", "127.0.0.1:5123", "--region", "us-east-1", "--no-sign-request"]
    )
    assert line == (
        "bedrock-checker: error: --endpoint-url 127.0.0.1:5123: not a URL "
        "(give the scheme, e.g. http://127.0.0.1:5123)"
    )


def test_a_malformed_aws_config_file(job_file: Path, tmp_path: Path) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[default\nregion = us-east-1\n", encoding="utf-8")
    for args in (["scan", "--region", "us-east-1"], ["scan"], ["check", "--deep", "job.json"]):
        line = one_line_error(args, AWS_CONFIG_FILE=str(config), AWS_PROFILE="")
        assert line == f"bedrock-checker: error: {config}: cannot parse the AWS config file"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"version": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deep"),
        ('{"version": 1, "findings": [' + "9" * 5_000 + "]}", "a number too long"),
    ],
)
def test_a_baseline_nested_too_deep_or_with_a_huge_integer(
    job_file: Path, tmp_path: Path, content: str, problem: str
) -> None:
    (tmp_path / "b.json").write_text(content, encoding="utf-8")
    line = one_line_error(["check", "--baseline", "b.json", "job.json"])
    assert line.startswith(f"bedrock-checker: error: b.json: not a baseline file: {problem}")


def _nested_schema(levels: int) -> dict[str, object]:
    schema: dict[str, object] = {"type": "dict", "schema": {"a": {"type": "no-such-type"}}}
    for _ in range(levels):
        schema = {"type": "dict", "schema": {"a": schema}}
    return schema


@pytest.mark.parametrize("levels", [12, 14, 18])
def test_a_policy_schema_error_deep_down(job_file: Path, tmp_path: Path, levels: int) -> None:
    import yaml

    rule = {
        "id": "ORG001",
        "title": "t",
        "description": "d",
        "severity": "error",
        "remediation": "r",
        "schema": {"x": _nested_schema(levels)},
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"version": 1, "rules": [rule]}))
    line = one_line_error(["check", "--policy", "p.yaml", "job.json"])
    assert line.startswith("bedrock-checker: error: p.yaml:")
    assert "rule ORG001: " in line


def test_a_non_utf8_file_name_in_every_human_report(job_file: Path, tmp_path: Path) -> None:
    import os

    from helpers.hostile import failing_request, write_json

    name = os.fsdecode(b"bad\xff.json")
    write_json(tmp_path / name, failing_request())
    summary = tmp_path / "summary.md"
    done = CliRunner().invoke(
        cli,
        [
            "check",
            "--color",
            "never",
            "--markdown",
            "r.md",
            "-o",
            "r.txt",
            "--github-summary",
            name,
        ],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert done.exit_code == 1, done.output
    for written in (tmp_path / "r.md", tmp_path / "r.txt", summary):
        text = written.read_text(encoding="utf-8")
        assert "bad\\xff.json" in text, written
