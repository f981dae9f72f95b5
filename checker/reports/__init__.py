"""Report formats: one module each, ``render(report, options) -> str``; the CLI writes files.

A new format is its module plus one entry in ``FORMATS``: with ``option_help`` it gets its own
``--NAME FILE`` option on check and scan; with ``console`` it is a choice of ``--format``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from checker.model import Report
from checker.reports.options import RenderOptions

Renderer = Callable[[Report, RenderOptions], str]


@dataclass(frozen=True)
class Format:
    """A report format: its module (imported on first use, so a run pays only for what it
    writes), the help of its ``--NAME FILE`` option, and whether ``--format`` offers it."""

    module: str
    option_help: str | None = None
    console: bool = False

    def __call__(self, report: Report, options: RenderOptions) -> str:
        function: Renderer = importlib.import_module(f"checker.reports.{self.module}").render
        return function(report, options)

    def chunks(self, report: Report, options: RenderOptions) -> Iterator[str]:
        """The report's text in pieces, to write a large report without holding it whole:
        the module's own ``chunks(report, options)`` when it has one (made as they are
        written), else the whole text, rendered now."""
        module = importlib.import_module(f"checker.reports.{self.module}")
        pieces: Callable[[Report, RenderOptions], Iterator[str]] | None = getattr(
            module, "chunks", None
        )
        if pieces is not None:
            return pieces(report, options)
        return iter((self(report, options),))


FORMATS: dict[str, Format] = {
    "text": Format("text", console=True),
    "json": Format(
        "json_report",
        "Also write the JSON report to FILE ('-' for stdout). Example: --json r.json",
        console=True,
    ),
    "sarif": Format(
        "sarif",
        "Also write SARIF 2.1.0 for GitHub code scanning to FILE ('-' for stdout). "
        "Example: --sarif results.sarif",
    ),
    "junit": Format(
        "junit", "Also write JUnit XML to FILE ('-' for stdout). Example: --junit junit.xml"
    ),
    "markdown": Format(
        "markdown",
        "Also write a Markdown summary to FILE ('-' for stdout), e.g. for a PR "
        "comment. Example: --markdown summary.md",
    ),
    "html": Format(
        "html",
        "Also write a self-contained HTML report to FILE ('-' for stdout), to read, print "
        "or attach to a review. Example: --html report.html",
    ),
    "asff": Format(
        "asff",
        "Also write AWS Security Hub findings (ASFF, for BatchImportFindings) to FILE "
        "('-' for stdout). Example: --asff findings.json",
    ),
}
# The formats with a --NAME FILE option of their own, in the order --help lists them.
FILE_FORMATS = tuple(name for name, spec in FORMATS.items() if spec.option_help)
CONSOLE_FORMATS = tuple(name for name, spec in FORMATS.items() if spec.console)

__all__ = ["CONSOLE_FORMATS", "FILE_FORMATS", "FORMATS", "Format", "RenderOptions"]
