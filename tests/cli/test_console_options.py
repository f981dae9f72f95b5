"""check's console options: --quiet for pre-commit, and --output refusing a format name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers.cli import EXAMPLES, REPO, report, run

PASSING = str(EXAMPLES / "passing" / "get-response.json")
FAILING = str(EXAMPLES / "failing" / "get-response.json")


def test_quiet_leaves_out_passing_jobs_and_keeps_failures_and_the_summary() -> None:
    loud = run("check", PASSING, FAILING, "--color", "never")
    quiet = run("check", PASSING, FAILING, "--color", "never", "-q")

    assert loud.exit_code == quiet.exit_code == 1
    passing_job = "examples/passing/get-response.json"
    assert any(passing_job in line and line.endswith("passed") for line in loud.stdout.splitlines())
    assert passing_job not in quiet.stdout
    assert "examples/failing/get-response.json:" in quiet.stdout
    assert " BMC001 error:" in quiet.stdout
    summary = loud.stdout.splitlines()[-1]
    assert summary.startswith("2 jobs checked: 1 passed, 1 failed")
    assert quiet.stdout.splitlines()[-1] == summary


def test_quiet_keeps_errored_and_unknown_jobs(tmp_path: Path) -> None:
    # A Terraform job whose key is known only after apply: BMC003/BMC004 report unknown.
    (tmp_path / "main.tf").write_text(
        (EXAMPLES / "passing" / "custom-model.tf")
        .read_text(encoding="utf-8")
        .replace('custom_model_kms_key_id = "', 'custom_model_kms_key_id = var.key # "', 1),
        encoding="utf-8",
    )
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")

    result = run("check", str(tmp_path / "main.tf"), str(tmp_path / "broken.json"), "-q")

    assert "broken.json:1: ERROR:" in result.stdout
    assert " unknown:" in result.stdout, result.stdout
    assert result.exit_code == 3


def test_the_pre_commit_hook_runs_quietly() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in hooks if h["id"] == "bedrock-checker"]
    assert "--quiet" in hook["entry"].split()


@pytest.mark.parametrize("name", ["json", "text", "sarif", "yaml", "table"])
def test_output_refuses_a_format_name_that_is_no_file(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = run("check", PASSING, "--output", name)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"bedrock-checker: error: --output {name}: ")
    assert f"--format {name}" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no report written under the format's name


def test_output_writes_to_a_file_named_like_a_format_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "json").write_text("old", encoding="utf-8")

    result = run("check", PASSING, "--format", "json", "--output", "json")

    assert result.exit_code == 0, result.stderr
    assert '"jobs"' in (tmp_path / "json").read_text(encoding="utf-8")


def test_output_with_a_path_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "json"
    result = run("check", PASSING, "--format", "json", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.is_file()
    assert report(run("check", PASSING, "--format", "json"))["summary"]["jobs"] == 1
