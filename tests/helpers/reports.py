"""Reports of the bundled examples, built the way a check run builds them."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

from checker.evaluate import evaluate
from checker.model import Report, Severity
from checker.policy import load_policy
from checker.sources.files import read_paths
from checker.waivers import apply_waivers, load_waivers

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
EVERY_PACK = ("builtin:baseline", "builtin:promotion", "builtin:cost")
TODAY = datetime.date(2026, 1, 15)
STARTED = datetime.datetime(2026, 1, 15, 9, 30, tzinfo=datetime.UTC)


def example_report(
    paths: Sequence[str | Path] = (EXAMPLES / "passing", EXAMPLES / "failing"),
    policies: Sequence[str] = EVERY_PACK,
    waivers: Sequence[str | Path] = (EXAMPLES / "waivers.yaml",),
    fail_on: Severity | None = Severity.ERROR,
) -> Report:
    """Check ``paths`` against ``policies`` with ``waivers``, as `bedrock-checker check` does."""
    policy = load_policy(list(policies))
    scan = read_paths([str(p) for p in paths])
    results, statuses = apply_waivers(
        evaluate(scan.items, policy), load_waivers([str(w) for w in waivers]), TODAY
    )
    return Report(
        results=tuple(results),
        rules=policy.rules,
        fail_on=fail_on,
        skipped_files=tuple(scan.skipped),
        policy_sources=policy.sources,
        waivers=statuses,
        policy_digests=policy.digests,
        started=STARTED,
    )


def schemas_dir() -> Path | None:
    """The official schemas: $BEDROCK_CHECKER_SCHEMAS, else ../shared/schemas; None if absent."""
    import os

    given = os.environ.get("BEDROCK_CHECKER_SCHEMAS")
    path = Path(given) if given else REPO.parent / "shared" / "schemas"
    return path if path.is_dir() else None
