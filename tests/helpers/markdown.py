"""Reading Markdown reports back: tables and the summary a report must show."""

from __future__ import annotations

import re

from checker.model import Report

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def cells(row: str) -> list[str]:
    """The cells of one table row, split on pipes that are not escaped."""
    assert row.startswith("|") and row.endswith("|"), row
    return [cell.strip() for cell in _UNESCAPED_PIPE.split(row)[1:-1]]


def table(text: str, heading: str) -> list[list[str]]:
    """The rows (header first, separator dropped) of the table under ``heading``."""
    lines = text.splitlines()
    start = lines.index(heading) + 2 if heading else 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    del rows[1]  # the |---| separator
    return rows


def summary_table(text: str) -> dict[str, int]:
    [header, values] = table(text, "")
    return dict(zip(header, map(int, values), strict=True))


def expected_summary_table(report: Report) -> dict[str, int]:
    """The Markdown summary table a report must show: Report.summary(), column by column."""
    summary = report.summary()
    return {
        "Jobs": summary["jobs"],
        "Passed": summary["passed"],
        "Failed": summary["failed"],
        "Waived": summary["waived"],
        "Errored": summary["errored"],
        "Errors": summary["bySeverity"]["error"],
        "Warnings": summary["bySeverity"]["warning"],
        "Notes": summary["bySeverity"]["note"],
        "Unknown": summary["unknown"],
        "Waived findings": summary["waivedFindings"],
    }
