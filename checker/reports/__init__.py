"""Report formats: one module each, ``render(report, options) -> str``; the CLI writes files."""

from __future__ import annotations

from collections.abc import Callable

from checker.model import Report
from checker.reports import json_report, junit, markdown, sarif, text
from checker.reports.options import RenderOptions

FORMATS: dict[str, Callable[[Report, RenderOptions], str]] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
}

__all__ = ["FORMATS", "RenderOptions"]
