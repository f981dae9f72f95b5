"""Running the command line in-process and reading its JSON report."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

from checker.cli import cli


def run(*args: str) -> Result:
    """`bedrock-checker ARGS...` in this process."""
    return CliRunner().invoke(cli, list(args))


def report(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def job_names(result: Result) -> list[str]:
    return sorted(job["name"] for job in report(result)["jobs"] if job["name"])
