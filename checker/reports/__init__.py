"""Report formats: one module each, ``render(report) -> str``; the CLI writes the files."""

from __future__ import annotations

from collections.abc import Callable

from checker.model import Report
from checker.reports import json_report, text

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json_report.render,
}
