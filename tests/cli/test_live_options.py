"""The live commands' options: help with an example for each, the AWS code kept out of the CLI
module, and the progress bar.
"""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from checker.cli import cli
from checker.cli.output import ProgressBar

# Every test runs with fake credentials (no profile, no metadata) in an empty folder.
pytestmark = pytest.mark.usefixtures("fake_aws_in_tmp")


# -- Help, imports, progress ----------------------------------------------------------------


AWS_OPTIONS = (
    "--region",
    "--profile",
    "--endpoint-url",
    "--no-verify-ssl",
    "--ca-bundle",
    "--cli-read-timeout",
    "--cli-connect-timeout",
    "--no-sign-request",
    "--assume-role",
    "--retry-mode",
    "--max-attempts",
    "--max-concurrency",
)
SELECTION_OPTIONS = (
    "--job-identifier",
    "--model-identifier",
    "--status",
    "--name-contains",
    "--created-after",
    "--created-before",
    "--max-jobs",
    "--page-size",
)
OWN_OPTIONS = {
    "scan": AWS_OPTIONS + SELECTION_OPTIONS,
    "snapshot": ("--out", *AWS_OPTIONS, *SELECTION_OPTIONS),
    "get": (
        "--job-identifier",
        "--query",
        "--output",
        "--document",
        *(o for o in AWS_OPTIONS if o != "--max-concurrency"),  # get makes one call at a time
    ),
}


@pytest.mark.parametrize("command", sorted(OWN_OPTIONS))
def test_every_option_has_help_with_an_example(command: str) -> None:
    options = {p.opts[0]: p for p in cli.commands[command].params if isinstance(p, click.Option)}

    for name in OWN_OPTIONS[command]:
        assert "Example: " in (options[name].help or ""), name
    assert "--debug" in options
    assert "Examples:" in (cli.commands[command].help or "")


def test_the_cli_module_does_not_import_the_aws_source() -> None:
    code = (
        "import sys, checker.cli, checker.pipeline; print(sorted(m for m in "
        "('checker.sources.bedrock', 'checker.enrich', 'boto3', 'botocore') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_the_progress_bar_shows_on_a_terminal_past_a_handful(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    ctx = cli.make_context("bedrock-checker", ["rules"])

    with ProgressBar(ctx) as progress:
        assert progress is not None
        progress(0, 3)
        assert terminal.text == ""  # a handful: no bar
        progress(0, 8)
        progress(8, 8)

    assert "fetched 8/8 jobs" in terminal.text
    assert terminal.text.endswith("\r\x1b[K")


@pytest.mark.parametrize("ci", [True, False])
def test_the_progress_bar_is_silent_in_ci_and_in_pipes(
    monkeypatch: pytest.MonkeyPatch, ci: bool
) -> None:
    if ci:
        monkeypatch.setattr(sys, "stderr", _Terminal())
        monkeypatch.setenv("CI", "true")
    ctx = cli.make_context("bedrock-checker", ["rules"])

    with ProgressBar(ctx) as progress:
        assert progress is None
