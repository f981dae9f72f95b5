"""File names are never options: `check -- PATH...`, and the hook and the Action use it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers.hostile import failing_request, write_json

from checker.cli import cli
from checker.errors import CheckerError
from checker.policy import load_policy

REPO = Path(__file__).resolve().parents[2]
WAIVE_EVERYTHING = (
    "version: 1\nwaivers:\n  - rule: '*'\n    jobs: ['*']\n    reason: x\n"
    f"    expires: {datetime.date.today().year + 1}-01-01\n"
)


@pytest.fixture
def hostile_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A failing job, and files named like options with a waiver that waives everything."""
    monkeypatch.chdir(tmp_path)
    write_json(tmp_path / "job.json", failing_request())
    (tmp_path / "w.yaml").write_text(WAIVE_EVERYTHING, encoding="utf-8")
    (tmp_path / "--waivers=w.yaml").write_text(WAIVE_EVERYTHING, encoding="utf-8")
    return tmp_path


def test_paths_after_double_dash_are_paths(hostile_repo: Path) -> None:
    done = CliRunner().invoke(
        cli,
        ["check", "--color", "never", "--skip-unrecognized", "--", "--waivers=w.yaml", "job.json"],
    )

    assert done.exit_code == 1, done.output
    assert "BMC001 error" in done.stdout
    assert "waived" not in done.stdout.split("\n\n")[0]


def _hook_argv(hook_id: str, args: list[str] | None, files: list[str]) -> list[str]:
    """The command line pre-commit builds: entry, then the hook's args, then the file names."""
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in manifest if h["id"] == hook_id]
    entry = hook["entry"].split()
    assert entry[0] == "bedrock-checker"
    return [*entry[1:], *(args if args is not None else hook.get("args", [])), *files]


def test_the_hook_never_reads_a_file_name_as_an_option(hostile_repo: Path) -> None:
    argv = _hook_argv("bedrock-checker", None, ["--waivers=w.yaml", "job.json"])

    done = CliRunner().invoke(cli, argv)

    assert done.exit_code == 1, done.output
    assert "BMC001 error" in done.stdout


def test_hook_args_without_the_separator_are_refused(hostile_repo: Path) -> None:
    argv = _hook_argv("bedrock-checker", ["--fail-on", "warning"], ["--waivers=w.yaml", "job.json"])

    done = CliRunner().invoke(cli, argv)

    assert done.exit_code == 2, done.output
    assert "end the hook's args with '--'" in done.stderr


def test_hook_args_ending_with_the_separator_are_options(hostile_repo: Path) -> None:
    argv = _hook_argv(
        "bedrock-checker",
        ["--policy", "builtin:baseline", "--fail-on", "never", "--"],
        ["job.json"],
    )

    done = CliRunner().invoke(cli, argv)

    assert done.exit_code == 0, done.output
    assert "BMC001 error" in done.stdout


def test_the_policy_hook_puts_the_separator_before_file_names(hostile_repo: Path) -> None:
    (hostile_repo / "--help").write_text("version: 1\nrules: []\n", encoding="utf-8")
    argv = _hook_argv("bedrock-checker-policy", None, ["--help"])

    done = CliRunner().invoke(cli, argv)

    assert "Usage:" not in done.output
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize(
    "name", ["../policies/baseline", "/etc/passwd", "baseline.yaml", "x/../baseline", ""]
)
def test_builtin_accepts_only_the_listed_pack_names(name: str) -> None:
    with pytest.raises(CheckerError) as raised:
        load_policy([f"builtin:{name}"])
    assert str(raised.value).startswith(f"builtin:{name}: no such built-in policy pack (known: ")


def test_builtin_outside_the_packs_folder_is_not_loaded(tmp_path: Path) -> None:
    rogue = tmp_path / "rogue.yaml"
    rogue.write_text("version: 1\nrules: []\n", encoding="utf-8")
    with pytest.raises(CheckerError):
        load_policy([f"builtin:{rogue.with_suffix('')}"])
