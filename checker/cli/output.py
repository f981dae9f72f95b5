"""Writing what a run produced: reports to files (atomically) and the console, progress bars."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from checker.cli.options import RunOptions
from checker.errors import CheckerError
from checker.model import Report


def write_atomic(path: str, text: str) -> None:
    """Write through a temporary file in the same folder, renamed over the target at the end."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        import tempfile

        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise CheckerError(f"{path}: cannot write report: {exc.strerror or exc}") from exc
    try:
        # mkstemp creates the file readable by its owner only; give it a normal file's mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def repo_root() -> Path:
    """The enclosing git work tree, else the working directory: SARIF URIs are relative to it."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def check_outputs(run: RunOptions) -> None:
    """Refuse impossible output options before anything is read."""
    to_stdout = [name for name, target in run.report_files.items() if target == "-"]
    if run.output == "-":
        to_stdout.append("--output")
    if len(to_stdout) > 1:
        raise CheckerError(f"only one report can go to standard output, not {', '.join(to_stdout)}")
    if run.create_baseline == "-":
        raise CheckerError("--create-baseline needs a file name, not '-'")
    anchor = run.sarif_anchor
    if anchor.startswith("/") or ":" in anchor or ".." in Path(anchor).parts:
        raise CheckerError(
            f"--sarif-anchor: '{anchor}' must be a path relative to the repository root"
        )
    if run.github_summary and not os.environ.get("GITHUB_STEP_SUMMARY"):
        raise CheckerError(
            "--github-summary: GITHUB_STEP_SUMMARY is not set (not in GitHub Actions?)"
        )


def write_reports(run: RunOptions, report: Report) -> None:
    """Write every report asked for: the files (atomically), the step summary, the console."""
    from checker.reports import FORMATS, RenderOptions
    from checker.reports.text import summary_line, waiver_warnings
    from checker.waivers import render_baseline

    colored = use_color(run.color)
    options = RenderOptions(
        color=colored,
        repo_root=repo_root(),
        sarif_anchor=run.sarif_anchor,
        sarif_category=run.sarif_category,
        sarif_include_suppressed=run.sarif_include_waived,
        framework=run.framework,
    )
    to_stdout = [name for name, target in run.report_files.items() if target == "-"]
    for name, target in run.report_files.items():
        if target is not None and target != "-":
            write_atomic(target, FORMATS[name](report, options))
    if run.create_baseline:
        write_atomic(run.create_baseline, render_baseline(report))
    if run.github_summary:
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(FORMATS["markdown"](report, options) + "\n")

    # The console: the chosen format on stdout, unless stdout carries another report.
    console_err = bool(to_stdout)
    if to_stdout:
        click.echo(FORMATS[to_stdout[0]](report, options), nl=False)
    if run.output is not None and run.output != "-":
        write_atomic(run.output, FORMATS[run.output_format](report, options))
        for warning in waiver_warnings(report):
            click.echo(warning, err=True)
        click.echo(summary_line(report), err=console_err, color=colored)
    elif run.output_format == "text":
        # click strips ANSI codes when stdout is not a terminal unless told otherwise.
        click.echo(FORMATS["text"](report, options), nl=False, err=console_err, color=colored)
    else:
        click.echo(FORMATS[run.output_format](report, options), nl=False, err=console_err)


class ProgressBar:
    """``fetched 120/450 jobs`` on stderr, redrawn in place, past a handful of jobs.

    Only on a terminal: nothing in CI, in a pipe or with --debug. Used as a context manager,
    it gives the progress callback (or None when there is no bar) and clears the line at exit.
    """

    HANDFUL = 5
    WIDTH = 30

    def __init__(self, ctx: click.Context, label: str = "fetched") -> None:
        self.enabled = (
            sys.stderr.isatty() and not os.environ.get("CI") and not ctx.meta.get("debug")
        )
        self.label = label
        self.shown = False

    def __enter__(self) -> Callable[[int, int], None] | None:
        return self.draw if self.enabled else None

    def __exit__(self, *_exc: object) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    def draw(self, done: int, total: int) -> None:
        if total <= self.HANDFUL:
            return
        filled = self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {self.label} {done}/{total} jobs")
        sys.stderr.flush()
        self.shown = True
