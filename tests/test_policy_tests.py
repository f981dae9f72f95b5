"""checker/policy_tests.py and `policy test`: test files next to a policy, run like `opa test`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from helpers.cli import run
from helpers.jobs import GOOD_JOB
from helpers.junit import validate_junit
from helpers.paths import REPO
from junitparser import Failure, JUnitXml

from checker.errors import CheckerError
from checker.policy_tests import discover, load_test_file

# Two rules: one that fails without a VPC, one about distillation jobs only; and a third that
# cannot judge a placeholder role.
POLICY = """\
version: 1
pack: team
rules:
  - id: TEAM001
    title: Run in a VPC
    description: The job names subnets.
    severity: error
    schema:
      vpcConfig:
        required: true
        type: dict
        schema:
          subnetIds: {required: true, type: list, minlength: 2}
  - id: TEAM002
    title: Distil from Nova Premier only
    description: The teacher model is Nova Premier.
    severity: error
    when:
      derived: {type: dict, schema: {customizationType: {allowed: [DISTILLATION]}}}
    schema:
      derived: {type: dict, schema: {teacherModelId: {allowed: [amazon.nova-premier-v1:0]}}}
  - id: TEAM003
    title: Role of the job's own account
    description: The role belongs to the job's account.
    severity: warning
    schema:
      roleArn: {arn: {account: same}}
"""


def case(name: str, job: str, expect: str, extra: str = "") -> str:
    """One test entry; ``job`` and ``expect`` are YAML flow values."""
    return f"  - name: {name}\n    job: {job}\n    expect: {expect}\n{extra}"


def test_file(*cases: str, head: str = "") -> str:
    return f"version: 1\n{head}tests:\n" + "".join(cases)


test_file.__test__ = False  # type: ignore[attr-defined]  # a builder, not a pytest test


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with team.yaml and jobs/good.json; the working directory is elsewhere, so that
    paths in test files are shown to be relative to the test file."""
    folder = tmp_path / "policies"
    (folder / "jobs").mkdir(parents=True)
    (folder / "team.yaml").write_text(POLICY, encoding="utf-8")
    (folder / "jobs" / "good.json").write_text(json.dumps(GOOD_JOB), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return folder


def write(folder: Path, text: str, name: str = "team.test.yaml") -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# Create requests, inline: no VPC, one subnet, a role whose account is a placeholder.
NO_VPC = "{jobName: x, baseModelIdentifier: m}"
ONE_SUBNET = "{jobName: y, baseModelIdentifier: m, vpcConfig: {subnetIds: [a]}}"
PLACEHOLDER = "{jobName: p, baseModelIdentifier: m, roleArn: 'arn:aws:iam::{account_id}:role/R'}"
GOOD = "jobs/good.json"


def test_every_outcome_can_pass(team: Path) -> None:
    write(
        team,
        test_file(
            case("good job", GOOD, "{TEAM001: pass, TEAM002: not applicable}"),
            case("no vpc", NO_VPC, "{TEAM001: {outcome: fail, field: vpcConfig}}"),
            case(
                "one subnet", ONE_SUBNET, "{TEAM001: {outcome: fail, field: [vpcConfig.subnetIds]}}"
            ),
            case("placeholder role", PLACEHOLDER, "{TEAM003: {outcome: unknown, field: roleArn}}"),
        ),
    )
    result = run("policy", "test", str(team))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[1] for line in lines[:-1]] == [
        "good job",
        "no vpc",
        "one subnet",
        "placeholder role",
    ]
    assert all(line.startswith("PASS  ") for line in lines[:-1])
    assert lines[-1] == "4 policy tests in 1 file: 4 passed, 0 failed"


def test_a_failed_test_shows_expected_and_actual_with_the_fields(team: Path) -> None:
    shown = write(
        team,
        test_file(
            case("good job", GOOD, "{TEAM001: fail, TEAM002: pass}"),
            case(
                "one subnet",
                ONE_SUBNET,
                "{TEAM001: {outcome: fail, field: vpcConfig}, TEAM003: not applicable}",
            ),
            case("fine", GOOD, "{TEAM001: pass}"),
        ),
    )
    result = run("policy", "test", str(team))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"FAIL  {shown}:3: good job",
        "      TEAM001: expected fail, got pass",
        "      TEAM002: expected pass, got not applicable",
        f"FAIL  {shown}:6: one subnet",
        "      TEAM001: expected fail on vpcConfig, got fail on vpcConfig.subnetIds",
        "      TEAM003: expected not applicable, got pass",
        f"PASS  {shown}:9: fine",
        "3 policy tests in 1 file: 1 passed, 2 failed",
    ]
    quiet = run("policy", "test", "--quiet", str(team))
    assert quiet.exit_code == 1
    assert f"PASS  {shown}:9: fine" not in quiet.stdout
    assert quiet.stdout.count("FAIL  ") == 2


def test_others_pass_holds_every_rule_not_named(team: Path) -> None:
    write(
        team,
        test_file(
            case("no vpc, named", NO_VPC, "{TEAM001: fail}", "    others: pass\n"),
            case("no vpc, not named", NO_VPC, "{TEAM002: not applicable}", "    others: pass\n"),
        ),
    )
    result = run("policy", "test", str(team))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:3] == [
        f"FAIL  {team / 'team.test.yaml'}:7: no vpc, not named",
        "      TEAM001: expected pass or not applicable (others: pass), got fail on vpcConfig",
    ]


def test_a_file_of_several_jobs_needs_select(team: Path) -> None:
    jobs = [dict(GOOD_JOB, jobName="a"), dict(GOOD_JOB, jobName="b", vpcConfig={})]
    (team / "jobs" / "bulk.json").write_text(json.dumps(jobs), encoding="utf-8")
    write(team, test_file(case("b", "jobs/bulk.json", "{TEAM001: fail}", "    select: b\n")))
    assert run("policy", "test", str(team)).exit_code == 0
    write(team, test_file(case("b", "jobs/bulk.json", "{TEAM001: fail}")))
    result = run("policy", "test", str(team))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "team.test.yaml:4: test 'b': job: holds 2 jobs (a, b); name one with 'select'\n"
    )
    write(team, test_file(case("c", "jobs/bulk.json", "{TEAM001: fail}", "    select: c\n")))
    result = run("policy", "test", str(team))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "team.test.yaml:4: test 'c': job: no job named 'c' (a, b); name one with 'select'\n"
    )


def test_policies_are_relative_to_the_test_file_and_builtin_packs_work(team: Path) -> None:
    both = case("both", GOOD, "{TEAM001: pass, BMC001: pass}")
    write(team, test_file(both, head="policies: [team.yaml, builtin:baseline]\n"), "x.test.yaml")
    assert run("policy", "test", str(team / "x.test.yaml")).exit_code == 0
    nested = team / "nested"
    up = case("x", "../jobs/good.json", "{TEAM001: pass}")
    write(nested, test_file(up, head="policies: [../team.yaml]\n"))
    assert run("policy", "test", str(nested)).exit_code == 0


def test_discovery_walks_folders_by_the_naming_rule(team: Path) -> None:
    good = test_file(case("g", GOOD, "{TEAM001: pass}"))
    write(team, good)
    (team / "other.yaml").write_text(POLICY.replace("TEAM00", "OTHER00"), encoding="utf-8")
    write(team, good.replace("TEAM001", "OTHER001"), "other.test.yml")
    write(team / ".hidden", "not: [a test", "broken.test.yaml")
    write(team / "node_modules", "not: [a test", "broken.test.yaml")
    write(team, "tests: not a list\n", "team-notes.yaml")  # not named like a test file
    found = discover([str(team)])
    assert [path.name for path in found] == ["other.test.yml", "team.test.yaml"]
    result = run("policy", "test", str(team))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("2 policy tests in 2 files: 2 passed, 0 failed\n")


def test_no_test_file_is_an_error(team: Path) -> None:
    result = run("policy", "test", str(team))
    assert result.exit_code == 2
    assert result.stderr == (
        f"bedrock-checker: error: no policy test files (*.test.yaml, *.test.yml) in {team}\n"
    )


def test_the_default_policy_is_the_file_named_like_the_test(team: Path) -> None:
    write(team, test_file(case("g", GOOD, "{TEAM001: pass}")), "lonely.test.yaml")
    message = load_error(team / "lonely.test.yaml")
    assert message.endswith(
        "lonely.test.yaml: no 'policies' given and no lonely.yaml beside the file: name the "
        "policies it tests (policies: [org.yaml, builtin:baseline])"
    )


def load_error(path: Path) -> str:
    with pytest.raises(CheckerError) as caught:
        load_test_file(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (test_file(case("a", GOOD, "{TEAM009: fail}")),
         ":5: test 'a': expect: TEAM009: no such rule in the policies tested ("),
        (test_file(case("a", GOOD, "{TEAM001: fial}")),
         ":5: test 'a': expect: TEAM001: 'fial' is not an outcome (fail, pass, unknown, "
         "not applicable); write {outcome: fail, field: PATH} to name the field"),
        (test_file(case("a", GOOD, "{TEAM001: {outcome: pass, field: vpcConfig}}")),
         ":5: test 'a': expect: TEAM001: 'field' goes with fail or unknown, not pass"),
        (test_file(case("a", GOOD, "{TEAM001: {outcome: fail, fields: [a]}}")),
         ":5: test 'a': expect: TEAM001: fields: unknown field (outcome, field)"),
        (test_file(case("a", "jobs/missing.json", "{TEAM001: fail}")),
         ":4: test 'a': job: jobs/missing.json: no such file (paths are relative to the test "
         "file)"),
        (test_file(case("a", "{colour: red}", "{TEAM001: fail}")),
         ":4: test 'a': job: not a job document (a create request, a Get response, Terraform "
         "or a state machine)"),
        (test_file(case("a", "team.yaml", "{TEAM001: fail}")),
         ":4: test 'a': job: "),
        (test_file("  - name: a\n    jb: x\n    expect: {TEAM001: pass}\n"),
         ":4: test 'a': jb: unknown field"),
        (test_file("  - name: a\n    job: jobs/good.json\n"),
         ":3: test 'a': give 'expect' (rule ids and outcomes) or 'others: pass'"),
        (test_file(case("a", GOOD, "{TEAM001: pass}"), case("a", GOOD, "{TEAM001: pass}")),
         ":6: test 'a': duplicate name (first at line 3)"),
        ("version: 1\ntests: [\n", ":3: invalid YAML"),
        ("version: 2\ntests: [{name: a, job: x, others: pass}]\n",
         ":1: version: unallowed value 2"),
        ("version: 1\ntests: []\n", ":2: tests: empty values not allowed"),
        (test_file(case("a", GOOD, "{TEAM001: pass}"), head="policies: [nope.yaml]\n"),
         ":2: policies: nope.yaml: no such file (paths are relative to the test file)"),
        (POLICY, ": this is a policy file, not a policy test file"),
    ],
)  # fmt: skip
def test_a_malformed_test_file_is_one_line_naming_file_and_line(
    team: Path, text: str, message: str
) -> None:
    shown = write(team, text)
    result = run("policy", "test", str(team / "team.test.yaml"))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"bedrock-checker: error: {shown}{message}"), line


def test_a_malformed_policy_under_test_is_an_error(team: Path) -> None:
    (team / "team.yaml").write_text(POLICY.replace("minlength", "minlenght"), encoding="utf-8")
    write(team, test_file(case("a", GOOD, "{TEAM001: pass}")))
    result = run("policy", "test", str(team))
    assert result.exit_code == 2
    assert (
        "team.yaml:13: rule TEAM001: schema.vpcConfig.schema.subnetIds.minlenght: unknown rule"
        in (result.stderr)
    )


def test_junit_report(team: Path, tmp_path: Path) -> None:
    write(
        team,
        test_file(
            case("passes", GOOD, "{TEAM001: pass}"),
            case("fails", GOOD, "{TEAM001: fail, TEAM003: unknown}"),
        ),
    )
    target = tmp_path / "policy-tests.xml"
    result = run("policy", "test", str(team), "--junit", str(target))
    assert result.exit_code == 1
    rendered = target.read_bytes()
    validate_junit(rendered)
    xml = JUnitXml.fromstring(rendered)
    assert (xml.tests, xml.failures, xml.errors) == (2, 1, 0)
    [suite] = list(xml)
    cases = {case.name: case for case in suite}
    assert cases["passes"].is_passed
    [failure] = cases["fails"].result
    assert isinstance(failure, Failure)
    assert failure.message == "TEAM001: expected fail, got pass"
    assert failure.text.splitlines()[1:] == [
        "TEAM001: expected fail, got pass",
        "TEAM003: expected unknown, got pass",
    ]
    # To standard output: the XML alone there, the console lines on standard error.
    to_stdout = run("policy", "test", str(team), "--junit", "-")
    assert JUnitXml.fromstring(to_stdout.stdout_bytes).tests == 2
    assert "1 passed, 1 failed" in to_stdout.stderr


def test_names_from_the_file_cannot_forge_output(team: Path) -> None:
    write(team, test_file(case('"x\\u001b[2J\\n::error::forged"', GOOD, "{TEAM001: fail}")))
    result = run("policy", "test", str(team))
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    assert not any(line.startswith("::error::") for line in result.stdout.splitlines())


def test_policy_init_writes_a_policy_and_its_passing_tests(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    result = run("policy", "init", str(folder))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["org.test.yaml", "org.yaml"]
    tested = run("policy", "test", str(folder))
    assert tested.exit_code == 0, tested.output
    assert tested.stdout.endswith("7 policy tests in 1 file: 7 passed, 0 failed\n")
    cases = yaml.safe_load((folder / "org.test.yaml").read_text(encoding="utf-8"))["tests"]
    outcomes = {
        value if isinstance(value, str) else value["outcome"]
        for test in cases
        for value in test["expect"].values()
    }
    assert outcomes == {"fail", "pass", "unknown", "not applicable"}
    again = run("policy", "init", str(folder))
    assert again.exit_code == 2
    assert again.stderr == (
        f"bedrock-checker: error: {folder / 'org.yaml'}: already exists; policy init never "
        "replaces a file\n"
    )


def test_policy_validate_and_check_know_a_test_file(team: Path) -> None:
    shown = write(team, test_file(case("a", GOOD, "{TEAM001: pass}")))
    validated = run("policy", "validate", shown)
    assert (validated.exit_code, validated.stdout) == (0, f"{shown}: ok (1 policy test)\n")
    as_policy = run("check", GOOD, "--policy", shown)
    assert as_policy.exit_code == 2
    assert "this is a policy test file, not a policy file: run it with `bedrock-checker " in (
        as_policy.stderr
    )
    checked = run("check", "--format", "json", shown)
    assert checked.exit_code == 3
    [job] = json.loads(checked.stdout)["jobs"]
    assert "this is a policy test file" in job["error"]


def test_check_passes_over_test_files_in_a_folder(team: Path) -> None:
    write(team, test_file(case("a", NO_VPC, "{TEAM001: fail}")))
    result = run("check", "--format", "json", str(team))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [job["name"] for job in report["jobs"]] == [GOOD_JOB["jobName"]]
    assert any(path.endswith("team.test.yaml") for path in report["skippedFiles"])


def test_the_example_in_the_docs_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = (REPO / "docs" / "policy-tests.md").read_text(encoding="utf-8")
    # Each example file is introduced by its path: "`policies/team.yaml`:", then its block.
    blocks = re.findall(r"^`(policies/[^`]+)`[^\n]*:\n\n```\w+\n(.*?)```", page, re.M | re.S)
    assert [name for name, _ in blocks] == [
        "policies/team.yaml",
        "policies/team.test.yaml",
        "policies/jobs/support-ft.json",
    ]
    for name, text in blocks:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("policy", "test", "policies")
    assert result.exit_code == 1  # the page shows a failed test on purpose
    assert f"$ bedrock-checker policy test policies\n{result.stdout}```" in page
