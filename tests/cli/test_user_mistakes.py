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
