"""action.yml: valid per the Actions schema, and its shell steps run locally as a runner would.

The runner is imitated: each `run:` step gets the environment its `env:` block evaluates to
(inputs substituted into `${{ inputs.x }}`, outputs of earlier steps into
`${{ steps.id.outputs.x }}`), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY point at temporary files,
and the script runs under `bash -e` as `shell: bash` does. Steps that `uses:` another action
(setup-python, upload-sarif) are left out, and so is the install step: the package under test is
already installed here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from helpers.jobs import GOOD_JOB, make_document
from helpers.paths import REPO, schema_file

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def test_action_is_valid_per_the_github_actions_schema() -> None:
    schema = json.loads(schema_file("github-action.json").read_text(encoding="utf-8"))
    jsonschema.validate(ACTION, schema)


def test_no_expression_is_interpolated_into_a_script() -> None:
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"


def test_every_input_reaches_the_scripts_through_env() -> None:
    used = {
        match.group(1)
        for step in ACTION["runs"]["steps"]
        for value in (step.get("env") or {}).values()
        for match in re.finditer(r"inputs\.([\w-]+)", str(value))
    }
    via_with_or_if = {"python-version", "upload-sarif"}
    assert set(ACTION["inputs"]) - used <= via_with_or_if


def test_outputs_come_from_the_check_step() -> None:
    assert set(ACTION["outputs"]) == {"exit-code", "findings", "errors", "sarif-file"}
    for output in ACTION["outputs"].values():
        assert output["value"].startswith("${{ steps.check.outputs.")


def _evaluate(expression: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    if expression.startswith("inputs."):
        return inputs[expression.removeprefix("inputs.")]
    if expression == "github.action_path":
        return str(REPO)
    match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
    if match:
        return outputs.get(match.group(1), {}).get(match.group(2), "")
    raise AssertionError(f"expression not imitated: {expression}")


def _read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: ``name=value`` lines and ``name<<DELIMITER``
    blocks; a later value of a name replaces an earlier one."""
    values: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, _, delimiter = line.partition("<<")
            block = []
            for value_line in lines:
                if value_line == delimiter:
                    break
                block.append(value_line)
            else:
                raise AssertionError(f"output {key}: no closing delimiter")
            values[key] = "\n".join(block)
        else:
            key, _, value = line.partition("=")
            values[key] = value
    return values


def run_action(workdir: Path, **given: str) -> dict[str, Any]:
    """Run the action's own shell steps in ``workdir``; returns outputs, summary and exit code."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    summary = workdir / "summary.md"
    summary.write_text("", encoding="utf-8")
    outputs: dict[str, dict[str, str]] = {}
    last_code = 0
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        output_file = workdir / f"output-{step.get('id', 'step')}.txt"
        output_file.write_text("", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
        env.update(
            {
                name: EXPRESSION.sub(lambda m: _evaluate(m.group(1), inputs, outputs), str(value))
                for name, value in (step.get("env") or {}).items()
            }
        )
        env.update(
            GITHUB_OUTPUT=str(output_file),
            GITHUB_STEP_SUMMARY=str(summary),
            RUNNER_TEMP=str(workdir),
        )
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outputs[step.get("id", "step")] = _read_outputs(output_file)
        last_code = done.returncode
        if step.get("id") == "check":
            assert done.returncode == 0, done.stderr  # the check step never fails by itself
            check_stdout = done.stdout
    return {
        "outputs": outputs.get("check", {}),
        "summary": summary.read_text(encoding="utf-8"),
        "exit_code": last_code,
        "stdout": check_stdout,
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "good.json").write_text(json.dumps(GOOD_JOB), encoding="utf-8")
    (tmp_path / "README.md").write_text("# jobs\n", encoding="utf-8")
    return tmp_path


def test_clean_files_pass_with_outputs_and_summary(repo: Path) -> None:
    result = run_action(repo, paths="jobs")
    assert result["exit_code"] == 0
    assert result["outputs"]["exit-code"] == "0"
    assert result["outputs"]["findings"] == "0"
    assert result["outputs"]["errors"] == "0"
    assert result["outputs"]["sarif-file"] == "bedrock-checker.sarif"
    sarif = json.loads((repo / "bedrock-checker.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"] == []
    assert (repo / "bedrock-checker-junit.xml").is_file()
    assert "## bedrock-checker: 1 job checked, run passes" in result["summary"]


def test_findings_fail_the_last_step_by_fail_on(repo: Path) -> None:
    bad = make_document(vpcConfig__subnetIds=["subnet-a"])  # BMC002, a warning only
    (repo / "jobs" / "bad.json").write_text(json.dumps(bad), encoding="utf-8")

    at_error = run_action(repo, paths="jobs")
    assert (at_error["outputs"]["exit-code"], at_error["exit_code"]) == ("0", 0)

    at_warning = run_action(repo, paths="jobs", fail_on="warning")
    assert at_warning["outputs"]["exit-code"] == "1"
    assert at_warning["outputs"]["findings"] == "1"
    assert at_warning["exit_code"] == 1
    sarif = json.loads((repo / "bedrock-checker.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["BMC002"]
    assert "BMC002" in at_warning["summary"]


def test_unreadable_job_is_reported_as_an_error(repo: Path) -> None:
    (repo / "jobs" / "broken.json").write_text('{"jobName": ', encoding="utf-8")
    result = run_action(repo, paths="jobs")
    assert result["outputs"]["exit-code"] == "3"
    assert result["outputs"]["errors"] == "1"
    assert result["exit_code"] == 3


def test_policies_and_custom_report_paths(repo: Path) -> None:
    result = run_action(
        repo,
        paths="jobs\n",
        policies="builtin:baseline\nbuiltin:cost  builtin:promotion",
        sarif_file="out.sarif",
        junit_file="out.xml",
    )
    assert result["outputs"]["exit-code"] == "0"
    assert result["outputs"]["sarif-file"] == "out.sarif"
    sarif = json.loads((repo / "out.sarif").read_text(encoding="utf-8"))
    packs = {rule["properties"]["pack"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert packs == {"baseline", "cost", "promotion"}
    assert (repo / "out.xml").is_file()


def test_a_bad_mode_is_a_configuration_error(repo: Path) -> None:
    result = run_action(repo, mode="everything")
    assert result["outputs"]["exit-code"] == "2"
    assert result["exit_code"] == 2


@pytest.mark.parametrize(
    "hostile",
    [
        "$(touch pwned)",
        "`touch pwned`",
        "jobs; touch pwned",
        "jobs\ntouch pwned",
        '\' "; touch pwned; echo "',
        "${IFS}touch${IFS}pwned",
        "*",
    ],
)
def test_hostile_inputs_are_never_executed(repo: Path, hostile: str) -> None:
    result = run_action(repo, paths=hostile, policies=hostile, category=hostile)
    assert not (repo / "pwned").exists()
    # The values reached the checker as plain arguments: a missing path or policy, exit 2 or 3.
    assert result["outputs"]["exit-code"] in {"2", "3"}
    assert result["exit_code"] in {2, 3}


def test_glob_characters_are_not_expanded(repo: Path) -> None:
    (repo / "jobs" / "bad.json").write_text(
        json.dumps(make_document(vpcConfig="none")), encoding="utf-8"
    )
    result = run_action(repo, paths="jobs/*.json")
    # '*' reached the checker literally: no such file, not the two job files.
    assert result["outputs"]["exit-code"] == "3"
    assert "jobs/*.json:1: ERROR: no such file or directory" in result["stdout"]


@pytest.fixture
def recorded_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in bedrock-checker on PATH that records the arguments the action builds."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "args.txt"
    fake = bin_dir / "bedrock-checker"
    fake.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "{record}"\nexit 0\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return record


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the steps")
def test_live_mode_passes_regions_and_identifiers(repo: Path, recorded_args: Path) -> None:
    result = run_action(
        repo,
        mode="live",
        regions="us-east-1 eu-west-1",
        job_identifiers="ft-1\narn:aws:bedrock:us-east-1:111122223333:model-customization-job/x",
        model_identifier="my model",
        category="bedrock-checker/live/prod",
    )
    args = recorded_args.read_text(encoding="utf-8").splitlines()
    assert args[:6] == [
        "scan",
        "--region=us-east-1",
        "--region=eu-west-1",
        "--job-identifier=ft-1",
        "--job-identifier=arn:aws:bedrock:us-east-1:111122223333:model-customization-job/x",
        "--model-identifier=my model",
    ]
    assert "--sarif-category=bedrock-checker/live/prod" in args
    assert "--" not in args
    assert result["outputs"]["exit-code"] == "0"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the steps")
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("files", ["check", "--region=eu-west-1", "--deep"]),
        ("live", ["scan", "--region=eu-west-1", "--deep"]),
    ],
)
def test_deep_input_adds_deep(
    repo: Path, recorded_args: Path, mode: str, expected: list[str]
) -> None:
    run_action(repo, mode=mode, paths="jobs/", regions="eu-west-1", deep="true")
    assert recorded_args.read_text(encoding="utf-8").splitlines()[: len(expected)] == expected
    recorded_args.unlink()
    result = run_action(repo, mode="files", paths="jobs/", deep="yes")
    assert not recorded_args.exists()
    assert result["outputs"]["exit-code"] == "2"
    assert "the deep input must be 'true' or 'false'" in result["stdout"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the steps")
def test_drift_mode_passes_paths_regions_and_unmanaged(repo: Path, recorded_args: Path) -> None:
    result = run_action(
        repo, mode="drift", paths="jobs terraform", regions="eu-west-1", unmanaged="true"
    )
    args = recorded_args.read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["drift", "--region=eu-west-1", "--unmanaged"]
    assert not [arg for arg in args if arg.startswith("--policy")]  # drift has its own rules
    assert args[-3:] == ["--", "jobs", "terraform"]
    assert result["outputs"]["exit-code"] == "0"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the steps")
@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"mode": "drift", "deep": "true"}, "the deep input is not for drift mode"),
        ({"mode": "files", "unmanaged": "true"}, "the unmanaged input is for drift mode only"),
        ({"mode": "drift", "unmanaged": "yes"}, "the unmanaged input must be 'true' or 'false'"),
    ],
)
def test_drift_inputs_that_do_not_fit_are_refused(
    repo: Path, recorded_args: Path, inputs: dict[str, str], message: str
) -> None:
    result = run_action(repo, paths="jobs", **inputs)
    assert not recorded_args.exists()
    assert result["outputs"]["exit-code"] == "2"
    assert message in result["stdout"]


# --- examples/ci -------------------------------------------------------------------------------

CI_EXAMPLES = REPO / "examples" / "ci"


@pytest.mark.parametrize(
    "workflow", ["github-pr-gate.yml", "github-nightly-audit.yml", "github-drift.yml"]
)
def test_example_workflows_use_only_inputs_the_action_has(workflow: str) -> None:
    document = yaml.safe_load((CI_EXAMPLES / workflow).read_text(encoding="utf-8"))
    steps = [step for job in document["jobs"].values() for step in job["steps"]]
    [ours] = [s for s in steps if str(s.get("uses", "")).startswith("bedrock-checker/")]
    assert set(ours["with"]) <= set(ACTION["inputs"])
    assert document["permissions"]["security-events"] == "write"
    if ours["with"]["mode"] in ("live", "drift"):
        # OIDC credentials, configured before the checker runs.
        assert document["permissions"]["id-token"] == "write"
        names = [str(s.get("uses", "")) for s in steps]
        assert names.index(next(n for n in names if "configure-aws-credentials" in n)) < (
            names.index(ours["uses"])
        )


def test_example_pre_commit_config_is_valid_and_names_real_hooks() -> None:
    config = yaml.safe_load((CI_EXAMPLES / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    schema = json.loads(schema_file("pre-commit-config.json").read_text(encoding="utf-8"))
    jsonschema.validate(config, schema)
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook_ids = {hook["id"] for hook in manifest}
    assert {hook["id"] for hook in config["repos"][0]["hooks"]} == hook_ids


def test_readme_shows_the_ci_snippets_verbatim() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = (CI_EXAMPLES / "pre-commit-config.yaml").read_text(encoding="utf-8")
    assert snippet.strip() in readme


def test_gitlab_example_publishes_the_junit_report_it_writes() -> None:
    document = yaml.safe_load((CI_EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    job = document["bedrock-checker"]
    command = " ".join(job["script"])
    report = job["artifacts"]["reports"]["junit"]
    assert f"--junit {report}" in command
    assert job["artifacts"]["when"] == "always"


# --- hostile inputs: no option, output or command can be forged ---------------------------------


@pytest.fixture
def failing_repo(repo: Path) -> Path:
    (repo / "jobs" / "bad.json").write_text(
        json.dumps(make_document(vpcConfig="none")), encoding="utf-8"
    )
    return repo


def test_a_paths_word_never_becomes_an_option(failing_repo: Path) -> None:
    result = run_action(failing_repo, paths="--skip-rule=* --fail-on=never jobs")

    assert result["outputs"]["exit-code"] == "3"  # two missing files, and the failing job
    assert result["exit_code"] == 3
    assert "--skip-rule=*:1: ERROR: no such file or directory" in result["stdout"]
    assert "BMC001 error" in result["stdout"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the steps")
def test_files_mode_puts_the_paths_after_the_separator(repo: Path, recorded_args: Path) -> None:
    run_action(repo, paths="jobs/\n--waivers=w.yaml", policies="--skip-rule=*")
    args = recorded_args.read_text(encoding="utf-8").splitlines()
    assert args[-3:] == ["--", "jobs/", "--waivers=w.yaml"]
    assert "--policy=--skip-rule=*" in args


def test_a_new_line_in_sarif_file_cannot_forge_the_exit_code(failing_repo: Path) -> None:
    result = run_action(failing_repo, paths="jobs", sarif_file="x.sarif\nexit-code=0")

    assert result["outputs"]["exit-code"] == "2"
    assert result["exit_code"] == 2
    assert "the sarif-file input must be one line" in result["stdout"]


@pytest.mark.parametrize(
    "inputs",
    [
        {"mode": "files\n::warning::forged"},
        {"deep": "no\n::warning::forged"},
        {"fail_on": "error\n::warning::forged"},
        {"junit_file": "j.xml\n::warning::forged"},
    ],
)
def test_a_bad_input_is_named_not_echoed(repo: Path, inputs: dict[str, str]) -> None:
    result = run_action(repo, paths="jobs", **inputs)

    assert result["outputs"]["exit-code"] == "2"
    assert result["exit_code"] == 2
    assert "forged" not in result["stdout"]
    assert not any(line.startswith("::warning::") for line in result["stdout"].splitlines())


def test_a_second_run_in_the_same_job_never_reads_the_first_runs_report(
    failing_repo: Path,
) -> None:
    first = run_action(failing_repo, paths="jobs")
    assert (first["outputs"]["exit-code"], first["outputs"]["findings"]) == ("1", "1")

    second = run_action(failing_repo, paths="jobs", policies="missing.yaml")

    assert second["outputs"]["exit-code"] == "2"
    assert "findings" not in second["outputs"]
    assert "errors" not in second["outputs"]
