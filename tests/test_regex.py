"""checker/regex.py: policy regex rules matched in linear time (RE2), patterns refused at load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.bounded import run_bounded

from checker.cli import cli
from checker.errors import CheckerError
from checker.evaluate import evaluate
from checker.model import Job, Origin
from checker.policy import load_policy

JOB = {
    "jobName": "j",
    "customModelName": "m",
    "baseModelIdentifier": "amazon.titan-text-lite-v1:0:4k",
    "roleArn": "arn:aws:iam::111122223333:role/r",
}


def _policy(folder: Path, regex: str) -> str:
    path = folder / "rx.yaml"
    path.write_text(
        "rules:\n"
        "  - id: ORG107\n"
        "    title: Team prefix\n"
        "    description: Job names start with the team.\n"
        "    severity: error\n"
        "    schema:\n"
        "      jobName:\n"
        "        type: string\n"
        f"        regex: {json.dumps(regex)}\n",
        encoding="utf-8",
    )
    return str(path)


def _violations(policy: str, name: str) -> list[str]:
    from checker import normalize

    document, lines = normalize.from_api(dict(JOB, jobName=name), normalize.CREATE_REQUEST, {})
    document, lines = normalize.finish(document, lines, normalize.CREATE_REQUEST, set())
    job = Job(document, Origin("job.json"), normalize.CREATE_REQUEST, lines)
    [result] = evaluate([job], load_policy((policy,)))
    return [finding.rule.id for finding in result.findings]


def test_catastrophic_pattern_is_matched_in_linear_time(tmp_path: Path) -> None:
    # (a+)+$ against 40 characters: hours with a backtracking engine (x4 per 2 characters).
    policy = _policy(tmp_path, "(a+)+")
    out = run_bounded(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_regex import _violations
        print(_violations({policy!r}, "a" * 40 + "!"), _violations({policy!r}, "a" * 40))
        """,
        seconds=30,
    )
    assert out.strip() == "['ORG107'] []"


@pytest.mark.parametrize(
    ("name", "violated"),
    [("search-x", False), ("support-", False), ("search", True), ("x-search-y", True)],
)
def test_regex_matches_the_whole_value(tmp_path: Path, name: str, violated: bool) -> None:
    policy = _policy(tmp_path, "(search|support)-.*")
    assert (_violations(policy, name) == ["ORG107"]) is violated


def test_top_level_alternation_matches_the_whole_value_too(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "a|b")
    assert _violations(policy, "a") == []
    assert _violations(policy, "ab") == ["ORG107"]


def test_final_newline_does_not_match_end(tmp_path: Path) -> None:
    assert _violations(_policy(tmp_path, "^team-[a-z]+$"), "team-x\n") == ["ORG107"]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(team)-\\1", "invalid escape sequence: \\1"),
        ("team-(?=x)", "invalid perl operator: (?="),
        ("team-(?<!x)", "invalid perl operator: (?<!"),
    ],
)
def test_backtracking_only_patterns_are_refused_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pattern: str, reason: str
) -> None:
    monkeypatch.chdir(tmp_path)
    _policy(tmp_path, pattern)
    with pytest.raises(CheckerError) as caught:
        load_policy(("rx.yaml",))
    assert str(caught.value) == (
        f"rx.yaml:9: rule ORG107: schema.jobName.regex: regex '{pattern}' is not supported: "
        f"{reason} (policy regexes are matched in linear time, without backreferences or "
        "lookaround)"
    )


def test_policy_validate_prints_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _policy(tmp_path, "(team)-\\1")

    result = CliRunner().invoke(cli, ["policy", "validate", "rx.yaml"])

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("bedrock-checker: error: rx.yaml:9: rule ORG107: ")
    assert "not supported: invalid escape sequence: \\1" in result.stderr


def test_without_re2_a_regex_policy_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from checker import regex

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "re2", None)  # as in a bundle without compiled extensions
    regex.compile_regex.cache_clear()
    _policy(tmp_path, "team-[a-z]+")
    try:
        with pytest.raises(CheckerError) as caught:
            load_policy(("rx.yaml",))
    finally:
        regex.compile_regex.cache_clear()
    assert str(caught.value).startswith(
        "rx.yaml:9: rule ORG107: schema.jobName.regex: regex 'team-[a-z]+' is not supported: "
        "google-re2, which policy regexes need, is not installed"
    )
