"""Data never forges output: job names, paths and values from a pull request are shown, not
obeyed, in the console, in a GitHub Actions log, in Markdown and in the step summary."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.hostile import failing_request, write_json

from checker.cli import cli
from checker.reports.escape import markdown_code, markdown_text, no_commands, printable

HOSTILE_NAMES = [
    "clear\x1b[2J\x1b[H",  # CSI: clear the screen
    "title\x1b]0;owned\x07",  # OSC: set the window title
    "reset\x1bc",  # ESC c: reset the terminal
    "over\rwritten",  # CR: rewrite the line
    "back\x08\x08\x08space",
    "c1\x9b31m",  # a C1 CSI
    "del\x7f",
    "bidi\u202egnp.exe",  # right-to-left override
    "isolate\u2066x\u2069",
    "line\u2028sep",
    "forged\nsrc/app.py:1: BMC001 error: forged finding",
    "cmd\n::error::forged annotation",
    "mask\n::add-mask::secret",
    "stop\n::stop-commands::token",
]
# Anything a terminal or a GitHub runner would act on, other than the line feeds between lines.
_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _check(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, ["check", "--color", "never", *args], env=env or None)
    return done.exit_code, done.stdout, done.stderr


@pytest.fixture
def hostile_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for index, name in enumerate(HOSTILE_NAMES):
        write_json(tmp_path / "jobs" / f"job{index}.json", failing_request(jobName=name))
    # a file name that is a workflow command, and one that is not valid UTF-8
    write_json(tmp_path / "jobs" / "::warning::named.json", failing_request(jobName="ok"))
    write_json(tmp_path / "jobs" / os.fsdecode(b"bad\xff.json"), failing_request(jobName="ok2"))
    return tmp_path


def test_text_output_escapes_every_control_character(hostile_jobs: Path) -> None:
    code, stdout, stderr = _check(hostile_jobs, "jobs")

    assert code == 1, stderr
    assert not _CONTROL.search(stdout), [
        line for line in stdout.splitlines() if _CONTROL.search(line)
    ]
    for line in stdout.splitlines():
        assert not line.lstrip().startswith("::"), line
    # one header line per job, each with its name escaped
    headers = [line for line in stdout.splitlines() if "(create-request, " in line]
    assert len(headers) == len(HOSTILE_NAMES) + 2
    assert any(line.startswith("clear\\x1b[2J\\x1b[H (create-request") for line in headers)
    assert any(line.startswith("cmd\\n::error::forged annotation (") for line in headers)
    assert "jobs/bad\\xff.json:1" in stdout
    # no line claims to be a finding of a file that does not exist
    assert not any(line.startswith("src/app.py") for line in stdout.splitlines())


def test_text_report_to_a_file_and_summary_on_the_console(hostile_jobs: Path) -> None:
    code, _stdout, stderr = _check(hostile_jobs, "jobs", "-o", "report.txt")

    assert code == 1, stderr
    text = (hostile_jobs / "report.txt").read_text(encoding="utf-8")
    assert not _CONTROL.search(text)
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())


def test_markdown_shows_names_and_renders_nothing(hostile_jobs: Path) -> None:
    write_json(
        hostile_jobs / "jobs" / "html.json",
        failing_request(
            jobName="x\r<!-- hide ![i](http://e/i.png) <img src=x> [l](http://e) `code`"
        ),
    )
    summary = hostile_jobs / "summary.md"
    code, _, stderr = _check(
        hostile_jobs,
        "jobs",
        "--markdown",
        "r.md",
        "--github-summary",
        GITHUB_STEP_SUMMARY=str(summary),
    )

    assert code == 1, stderr
    for written in (hostile_jobs / "r.md", summary):
        text = written.read_text(encoding="utf-8")
        assert "\r" not in text
        assert not _CONTROL.search(text)
        assert re.search(r"(?<!\\)<", text) is None  # no tag, comment or autolink
        assert re.search(r"(?<!\\)\[l\]", text) is None
        assert r"x \<\!-- hide" in text or r"x \<!-- hide" in text
        rows = [line for line in text.splitlines() if line.startswith("| error |")]
        assert len(rows) == len(HOSTILE_NAMES) + 3  # every job's BMC001, none hidden


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\x1b[31mb", "a\\x1b[31mb"),
        ("a\nb\rc", "a\\nb\\rc"),
        ("\u202e", "\\u202e"),
        ("\x9b", "\\x9b"),
        (os.fsdecode(b"\xff"), "\\xff"),
        ("plain: text/ok", "plain: text/ok"),
    ],
)
def test_printable(value: str, expected: str) -> None:
    assert printable(value) == expected


def test_no_line_starts_a_workflow_command() -> None:
    assert no_commands("ok\n::error::x\n  ::warning::y") == "ok\n\\x3a:error::x\n  \\x3a:warning::y"


def test_markdown_escapes() -> None:
    assert (
        markdown_text("<!-- x -->") == "\\<!-- x --\\>"
        or markdown_text("<!-- x -->") == "\\<!-- x -->"
    )
    assert markdown_text("[a](b) ![c](d)") == "\\[a\\](b) !\\[c\\](d)"
    assert markdown_text("a|b\r\nc`d") == "a\\|b c\\`d"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`") == "`` ` ``"
    assert markdown_code("p|q") == "`p\\|q`"


GITHUB_LIMIT = 1024 * 1024


def test_the_step_summary_stays_under_one_mib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    long_message = "y" * 50_000
    for index in range(40):
        write_json(
            tmp_path / "jobs" / f"j{index}.json",
            failing_request(jobName=f"job-{index}-{long_message}"),
        )
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")

    code, _, stderr = _check(tmp_path, "jobs", "--github-summary", GITHUB_STEP_SUMMARY=str(summary))

    assert code == 1, stderr
    size = summary.stat().st_size
    assert size <= GITHUB_LIMIT
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")
    assert "summary truncated" in text.splitlines()[-1]
