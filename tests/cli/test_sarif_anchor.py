"""SARIF results without a file of their own point at a file that exists, with one warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import EXAMPLES, run

FAILING_JOB = (EXAMPLES / "failing" / "get-response.json").read_text(encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with no README.md; the job comes on standard input, so it has no file."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (root / "Makefile").write_text("all:\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def sarif_uris(path: Path) -> set[str]:
    sarif = json.loads(path.read_text(encoding="utf-8"))
    return {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for location in result["locations"]
    }


def check_stdin(*args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from checker.cli import cli

    result = CliRunner().invoke(cli, ["check", "-", "--sarif", "out.sarif", *args], FAILING_JOB)
    return result.exit_code, result.stderr


def test_a_missing_anchor_falls_back_to_an_existing_file_with_one_warning(repo: Path) -> None:
    code, stderr = check_stdin()

    assert code == 1
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"bedrock-checker: warning: --sarif-anchor README.md: no such file in {repo}; SARIF "
        "results without a file of their own point at Makefile instead (choose one with "
        "--sarif-anchor FILE)"
    ]
    assert sarif_uris(repo / "out.sarif") == {"Makefile"}


def test_a_readme_of_another_kind_is_preferred(repo: Path) -> None:
    (repo / "README.rst").write_text("x\n", encoding="utf-8")
    code, stderr = check_stdin()
    assert code == 1
    assert "point at README.rst instead" in stderr
    assert sarif_uris(repo / "out.sarif") == {"README.rst"}


def test_an_existing_anchor_is_used_without_a_warning(repo: Path) -> None:
    code, stderr = check_stdin("--sarif-anchor", "pyproject.toml")
    assert code == 1
    assert "warning" not in stderr
    assert sarif_uris(repo / "out.sarif") == {"pyproject.toml"}


def test_no_warning_when_every_result_has_a_file(repo: Path) -> None:
    (repo / "job.json").write_text(FAILING_JOB, encoding="utf-8")
    result = run("check", "job.json", "--sarif", "out.sarif")
    assert result.exit_code == 1
    assert "warning" not in result.stderr
    assert sarif_uris(repo / "out.sarif") == {"job.json"}


def test_an_empty_root_keeps_the_anchor_and_says_the_upload_would_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "empty"
    (root / ".git").mkdir(parents=True)
    (root / "reports").mkdir()
    monkeypatch.chdir(root)
    from click.testing import CliRunner

    from checker.cli import cli

    result = CliRunner().invoke(cli, ["check", "-", "--sarif", "reports/out.sarif"], FAILING_JOB)
    assert "GitHub would reject the upload: choose one with --sarif-anchor FILE" in result.stderr
    assert sarif_uris(root / "reports" / "out.sarif") == {"README.md"}
