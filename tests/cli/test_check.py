"""The CLI: exit codes, outputs, help text and errors, as a user meets them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.jobs import GOOD_JOB, make_document
from helpers.paths import REPO

from checker import __version__
from checker.cli import COMMANDS, cli

EXAMPLES = str(REPO / "examples")


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def test_examples_have_findings_exit_1() -> None:
    result = run("check", EXAMPLES)
    assert result.exit_code == 1, result.output
    assert "BMC001 error" in result.stdout


def test_passing_examples_exit_0_with_every_pack() -> None:
    result = run(
        "check",
        str(REPO / "examples" / "passing"),
        "--policy",
        "builtin:baseline",
        "--policy",
        "builtin:cost",
    )
    assert result.exit_code == 0, result.output
    assert " 0 failed, 0 waived, 0 errored" in result.stdout


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("error", 0), ("warning", 1), ("note", 1), ("never", 0)]
)
def test_fail_on_threshold(write_file, fail_on: str, expected: int) -> None:
    # One subnet only: BMC002, a warning, and nothing else.
    path = write_file("job.json", make_document(vpcConfig__subnetIds=["subnet-a"]))
    result = run("check", str(path), "--fail-on", fail_on)
    assert result.exit_code == expected, result.output


def test_note_findings_fail_only_at_note(write_file) -> None:
    job = make_document(
        customizationType="DISTILLATION",
        customizationConfig={
            "distillationConfig": {
                "teacherModelConfig": {"teacherModelIdentifier": "us.amazon.nova-pro-v1:0"}
            }
        },
    )
    path = write_file("job.json", job)
    assert run("check", str(path), "--fail-on", "warning").exit_code == 0
    assert run("check", str(path), "--fail-on", "note").exit_code == 1


def test_json_to_stdout_and_exit_code_inside(write_file) -> None:
    path = write_file("job.json", GOOD_JOB)
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["exitCode"] == 0
    assert [j["name"] for j in document["jobs"]] == ["good-ft-job"]


def test_output_file_is_written_atomically(tmp_path: Path, write_file) -> None:
    path = write_file("job.json", make_document(vpcConfig="none"))
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = run("check", str(path), "--format", "json", "--output", str(target))
    assert result.exit_code == 1
    assert json.loads(target.read_text())["summary"]["failed"] == 1
    assert result.stdout.strip().startswith("1 job checked")
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_output_into_missing_folder_is_one_line_exit_2(write_file, tmp_path: Path) -> None:
    path = write_file("job.json", GOOD_JOB)
    result = run("check", str(path), "--output", str(tmp_path / "nope" / "r.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith("bedrock-checker: error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_policy_error_writes_no_report(tmp_path: Path, write_file) -> None:
    path = write_file("job.json", GOOD_JOB)
    target = tmp_path / "report.json"
    result = run("check", str(path), "--policy", "builtin:nope", "--output", str(target))
    assert result.exit_code == 2
    assert "builtin:nope: no such built-in policy pack" in result.stderr
    assert not target.exists()


def test_stdin_dash() -> None:
    result = run("check", "-", input=json.dumps(GOOD_JOB))
    assert result.exit_code == 0, result.output
    assert "good-ft-job (get-response, <stdin>:1): passed" in result.stdout


def test_missing_path_is_incomplete_not_a_crash(write_file) -> None:
    good = write_file("good.json", GOOD_JOB)
    result = run("check", str(good), "does-not-exist.json")
    assert result.exit_code == 3
    assert "does-not-exist.json:1: ERROR: no such file or directory" in result.stdout
    assert "good-ft-job" in result.stdout


def test_color_follows_flag_and_no_color() -> None:
    bad = str(REPO / "examples" / "failing" / "get-response.json")
    assert "\x1b[" in run("check", bad, "--color", "always").stdout
    assert "\x1b[" not in run("check", bad).stdout  # not a terminal
    assert "\x1b[" not in run("check", bad, env={"NO_COLOR": "1"}).stdout


@pytest.mark.parametrize("argument", ["--version", "--help"])
def test_version_and_help_load_no_policy_engine(argument: str) -> None:
    """The policy engine (YAML, Cerberus) is the largest part of a run's start-up; --version
    and --help need none of it."""
    code = (
        "import sys; from checker.cli import main; sys.argv = ['bedrock-checker', "
        f"'{argument}']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('yaml', 'cerberus', 'checker.policy', 'checker.evaluate') "
        "if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_a_one_job_check_imports_only_what_it_needs(write_file) -> None:
    """A one-file check imports no AWS SDK, no HCL reader (the file is JSON) and no hashing:
    policy digests are computed only for the reports that show them. Of the commands, only
    check's module is imported; nor is the table of accounts that ends an audit's report, nor
    YAML (the file is JSON, and the built-in packs are read from their parsed JSON)."""
    job = write_file("job.json", GOOD_JOB)
    other_commands = tuple(
        f"checker.cli.{module}" for module in ("live", "drift", "merge", "show", "policy", "guard")
    )
    unused = ("boto3", "botocore", "hcl2", "hashlib", "traceback", *other_commands)
    unused += ("checker.sources.hcl_text", "checker.sources.hcl_values", "checker.enrich")
    unused += ("checker.reports.accounts", "checker.shards")  # an audit's table of accounts
    unused += ("yaml", "checker.yaml_parsing")  # built-in packs are read from their parsed JSON
    unused += ("checker.model_waivers", "checker.model_audits")  # no waivers, no audit
    unused += ("checker.controls",)  # no --framework
    code = (
        "import sys; from checker.cli import main; sys.argv = ['bedrock-checker', 'check', "
        f"{str(job)!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {unused!r} if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "passed" in done.stdout, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_each_command_is_found_under_its_own_name() -> None:
    """The commands are imported when first looked up, from the table that names them."""
    assert list(cli.commands) == list(COMMANDS)
    for name in COMMANDS:
        assert cli.commands[name].name == name
    listing = run("--help").stdout.split("Commands:")[1].splitlines()
    names = [line.split()[0] for line in listing if line.startswith("  ") and line.split()]
    assert names == sorted(COMMANDS)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize(
    "command", [[], ["check"], ["rules"], ["policy"], ["policy", "validate"], ["policy", "init"]]
)
def test_help_explains_with_examples(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    if command and command != ["policy"]:
        assert "Example" in result.stdout


def test_check_help_documents_exit_codes() -> None:
    help_text = run("check", "--help").stdout
    for code in ("0 no finding", "1 findings", "2 usage", "3 some job"):
        assert code in help_text


def test_python_dash_m_works_the_same() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "checker", "check", EXAMPLES, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["summary"]["jobs"] == 27


def test_no_path_is_a_usage_error() -> None:
    result = run("check")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr
