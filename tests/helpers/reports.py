"""Reports of the bundled examples, built the way a check run builds them."""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Sequence
from pathlib import Path

from checker.model import Report
from checker.pipeline import configure, run
from checker.sources.files import read_paths

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
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


def schemas_dir() -> Path | None:
    """The official schemas: $BEDROCK_CHECKER_SCHEMAS, else ../shared/schemas; None if absent."""
    given = os.environ.get("BEDROCK_CHECKER_SCHEMAS")
    path = Path(given) if given else REPO.parent / "shared" / "schemas"
    return path if path.is_dir() else None
