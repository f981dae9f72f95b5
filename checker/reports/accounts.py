"""The per-account table that ends the text and Markdown reports of an audit."""

from __future__ import annotations

from dataclasses import dataclass

from checker.model import FindingStatus, Outcome, Report
from checker.shards import scope_of


@dataclass(frozen=True)
class AccountRow:
    account: str
    jobs: int = 0  # results: evaluated jobs, and errors (a job or a whole scope)
    failed: int = 0
    errored: int = 0  # jobs that could not be fetched, and (account, region) scopes unread
    unknown: int = 0  # unknown findings


def account_rows(report: Report) -> list[AccountRow]:
    """One row per account of an audit (report.scopes), in account order; [] otherwise."""
    if not report.scopes:
        return []
    counts: dict[str, list[int]] = {s.account or "": [0, 0, 0, 0] for s in report.scopes}
    for result in report.results:
        item = result.job if result.job is not None else result.error
        assert item is not None
        row = counts.setdefault(scope_of(item)[0], [0, 0, 0, 0])
        row[0] += 1
        row[1] += result.outcome is Outcome.FAILED
        row[2] += result.outcome is Outcome.ERRORED
        row[3] += sum(1 for f in result.findings if f.status is FindingStatus.UNKNOWN)
    return [AccountRow(account or "-", *values) for account, values in sorted(counts.items())]
