"""Report formats: one module each, ``render(report, options) -> str``; the CLI writes files."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from checker.model import Report
from checker.reports.options import RenderOptions

Renderer = Callable[[Report, RenderOptions], str]


def _lazy(module: str) -> Renderer:
    """A format's render function, imported on first use: a run pays only for what it writes."""

    def render(report: Report, options: RenderOptions) -> str:
        function: Renderer = importlib.import_module(f"checker.reports.{module}").render
        return function(report, options)

    return render


FORMATS: dict[str, Renderer] = {
    "text": _lazy("text"),
    "json": _lazy("json_report"),
    "sarif": _lazy("sarif"),
    "junit": _lazy("junit"),
    "markdown": _lazy("markdown"),
}

__all__ = ["FORMATS", "RenderOptions"]
