"""Messages for files given in the wrong place, of an unsupported kind, or nearly right."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import EXAMPLES, REPO, run

JOB = str(EXAMPLES / "passing" / "create-request.yaml")
WAIVERS = str(EXAMPLES / "waivers.yaml")
POLICY = str(REPO / "policies" / "cost.yaml")


def error_line(result_stderr: str) -> str:
    [line] = result_stderr.splitlines()
    return line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["policy", "validate", JOB],
            f"{JOB}: this is a job document, not a policy file: check it with "
            "`bedrock-checker check`",
        ),
        (
            ["check", JOB, "--policy", WAIVERS],
            f"{WAIVERS}: this is a waivers file, not a policy file: pass it with --waivers",
        ),
        (
            ["check", JOB, "--waivers", POLICY],
            f"{POLICY}: this is a policy file, not a waivers file: pass it with --policy",
        ),
        (
            ["check", JOB, "--waivers", JOB],
            f"{JOB}: this is a job document, not a waivers file: check it with",
        ),
        (
            ["check", JOB, "--baseline", WAIVERS],
            f"{WAIVERS}: this is a waivers file, not a baseline file: pass it with --waivers",
        ),
    ],
)
def test_a_file_of_the_wrong_kind_says_what_it_is(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert error_line(result.stderr).startswith(f"bedrock-checker: error: {message}")


def test_a_policy_named_to_check_says_it_is_a_policy() -> None:
    result = run("check", POLICY, "--color", "never")
    assert result.exit_code == 3
    assert (
        "cost.yaml:1: ERROR: this is a policy file, not a job document: pass it with --policy"
        in (result.stdout)
    )


def test_a_named_file_of_an_unsupported_kind_lists_the_supported_kinds() -> None:
    result = run("check", str(REPO / "pyproject.toml"), "--color", "never")
    assert result.exit_code == 3
    [line] = [line for line in result.stdout.splitlines() if "ERROR" in line]
    assert "pyproject.toml:1: ERROR: .toml files are not supported: job documents are JSON" in line
    for kind in (".json", ".yaml", ".jsonl", ".tf", ".tfstate"):
        assert kind in line
    assert "invalid JSON" not in line


def test_a_named_file_with_another_suffix_is_still_read_by_its_content(tmp_path: Path) -> None:
    job = tmp_path / "job.txt"
    job.write_text((EXAMPLES / "passing" / "get-response.json").read_text(encoding="utf-8"))
    assert run("check", str(job)).exit_code == 0


def test_policy_baseline_hints_at_the_builtin_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("check", JOB, "--policy", "baseline")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "bedrock-checker: error: baseline: no such file; for the built-in pack, write "
        "builtin:baseline"
    )


def test_a_rule_selector_in_the_wrong_case_says_ids_are_case_sensitive() -> None:
    result = run("check", JOB, "--rule", "bmc001")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "bedrock-checker: error: rule selector 'bmc001' matches no loaded rule "
        "(rule ids are case-sensitive: BMC001)"
    )


def test_a_severity_out_of_the_list_names_the_allowed_values(tmp_path: Path) -> None:
    policy = tmp_path / "org.yaml"
    policy.write_text(
        "version: 1\nrules:\n  - id: ORG1\n    title: t\n    description: d\n"
        "    severity: critical\n    schema: {jobName: {type: string}}\n",
        encoding="utf-8",
    )
    result = run("policy", "validate", str(policy))
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        f"bedrock-checker: error: {policy}:6: rule ORG1: severity: unallowed value critical "
        "(allowed: error, warning, note)"
    )


def test_policy_validate_checks_every_file_and_reports_each(tmp_path: Path) -> None:
    bad_version = tmp_path / "v2.yaml"
    bad_version.write_text("version: 2\nrules: []\n", encoding="utf-8")
    missing = tmp_path / "missing.yaml"

    result = run("policy", "validate", str(bad_version), WAIVERS, str(missing), POLICY)

    assert result.exit_code == 2
    assert result.stdout.splitlines() == [f"{WAIVERS}: ok (1 waiver)", f"{POLICY}: ok (4 rules)"]
    assert result.stderr.splitlines() == [
        f"bedrock-checker: error: {bad_version}:1: version: unallowed value 2 (allowed: 1)",
        f"bedrock-checker: error: {missing}: cannot read policy: No such file or directory",
    ]


def test_policy_validate_says_rule_for_one_rule(tmp_path: Path) -> None:
    policy = tmp_path / "one.yaml"
    policy.write_text(
        "version: 1\nrules:\n  - id: ORG1\n    title: t\n    description: d\n"
        "    severity: error\n    schema: {jobName: {type: string}}\n",
        encoding="utf-8",
    )
    result = run("policy", "validate", str(policy))
    assert (result.exit_code, result.stdout) == (0, f"{policy}: ok (1 rule)\n")
