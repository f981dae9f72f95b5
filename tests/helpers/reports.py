"""Reports of the bundled examples, built the way a check run builds them."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from pathlib import Path

from checker.model import Report
from checker.pipeline import configure, run
from checker.sources.files import read_paths
from helpers.paths import EXAMPLES, REPO, schemas_dir

__all__ = [
    "EVERY_PACK",
    "EXAMPLES",
    "REPO",
    "STARTED",
    "TODAY",
    "example_report",
    "schemas_dir",
]

EVERY_PACK = ("builtin:baseline", "builtin:promotion", "builtin:cost")
TODAY = datetime.date(2026, 1, 15)
STARTED = datetime.datetime(2026, 1, 15, 9, 30, tzinfo=datetime.UTC)


def example_report(
    paths: Sequence[str | Path] = (EXAMPLES / "passing", EXAMPLES / "failing"),
    policies: Sequence[str] = EVERY_PACK,
    waivers: Sequence[str | Path] = (EXAMPLES / "waivers.yaml",),
    fail_on: str = "error",
) -> Report:
    """Check ``paths`` against ``policies`` with ``waivers``, as `bedrock-checker check` does,
    on a fixed day and start time."""
    configuration = configure(
        policies, waiver_files=[str(w) for w in waivers], fail_on=fail_on, today=TODAY
    )
    scan = read_paths([str(p) for p in paths])
    report = run(configuration, scan.items, skipped=scan.skipped)
    return dataclasses.replace(report, started=STARTED)
