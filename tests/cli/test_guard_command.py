"""`bedrock-checker guard package`: the deployment zip from the command line."""

from __future__ import annotations

import zipfile
from pathlib import Path

from click.testing import CliRunner

from checker.cli import cli

ORG_POLICY = """\
version: 1
rules:
  - id: ORG001
    title: Name every job
    severity: warning
    description: Jobs have a name.
    schema:
      jobName: {type: string}
"""


def test_guard_package_writes_the_zip_with_the_files_under_config(tmp_path: Path) -> None:
    policy = tmp_path / "org.yaml"
    policy.write_text(ORG_POLICY, encoding="utf-8")
    output = tmp_path / "out" / "guard.zip"
    result = CliRunner().invoke(cli, ["guard", "package", "-o", str(output), str(policy)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{output}: ")
    assert "PyYAML==" in result.stdout and "Cerberus==" in result.stdout
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
    assert "config/org.yaml" in names and "checker/guard/runtime.py" in names
    assert not [n for n in names if n.startswith("checker/cli/")]


def test_guard_package_names_a_missing_file_on_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(
        cli, ["guard", "package", "-o", str(tmp_path / "guard.zip"), str(missing)]
    )
    assert result.exit_code == 2
    assert result.stderr == f"bedrock-checker: error: {missing}: no such file to bundle\n"
    assert not (tmp_path / "guard.zip").exists()
