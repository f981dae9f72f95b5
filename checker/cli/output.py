"""Writing what a run produced: reports to files (atomically) and the console, progress bars."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import errno
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from checker.cli.options import RunOptions
from checker.errors import CheckerError
from checker.model import Report
from checker.reports import FORMATS
from checker.reports.options import RenderOptions

if TYPE_CHECKING:
    from checker.aws.securityhub import Hub

# Names of file descriptors: written through the descriptor itself, never reopened (reopening a
# redirected standard output would truncate what the shell already wrote to it).
_DESCRIPTOR = re.compile(r"/dev/(?:stdout|stderr|fd/\d+)|/proc/self/fd/\d+")
_STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}


def write_atomic(path: str, text: str | Iterable[str]) -> None:
    """Write a report without harming what the path names.

    A regular file (or a new one) is written through a temporary file beside the real target,
    symlinks followed, and renamed over it, keeping its mode; a reader never sees half a report.
    Devices, FIFOs and /dev/stdout-like names are written in place. ``text`` may come in
    pieces (a large report), written as they come.
    """
    staged = Staged(path, text)
    try:
        staged.commit()
    finally:
        staged.discard()


class Staged:
    """A report written to a temporary file beside its path, not yet in place: ``commit``
    renames it over the path, ``discard`` removes it. A descriptor, device or FIFO cannot be
    replaced: it is written when committed."""

    def __init__(self, path: str, text: str | Iterable[str]) -> None:
        self.path = path
        self.pieces: Iterable[str] = (text,) if isinstance(text, str) else text
        self.temporary: str | None = None
        self.target: Path | None = None
        try:
            if _DESCRIPTOR.fullmatch(path):
                return
            try:
                status: os.stat_result | None = os.stat(path)  # through symlinks
            except FileNotFoundError:
                status = None
            if status is not None and stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            if status is not None and not stat.S_ISREG(status.st_mode):
                return  # a device or a FIFO: never replaced
            self.target = Path(os.path.realpath(path))
            self.temporary = _stage(self.target, self.pieces, status)
        except OSError as exc:
            raise CheckerError(f"{path}: cannot write report: {exc.strerror or exc}") from exc

    def commit(self) -> None:
        try:
            if self.temporary is not None and self.target is not None:
                os.replace(self.temporary, self.target)
                self.temporary = None
            elif _DESCRIPTOR.fullmatch(self.path):
                descriptor = _STREAMS.get(self.path) or int(self.path.rsplit("/", 1)[1])
                sys.stdout.flush()
                sys.stderr.flush()
                with os.fdopen(os.dup(descriptor), "wb") as stream:
                    _write(stream, self.pieces)
            else:
                with open(self.path, "wb") as stream:
                    _write(stream, self.pieces)
        except OSError as exc:
            raise CheckerError(f"{self.path}: cannot write report: {exc.strerror or exc}") from exc

    def discard(self) -> None:
        if self.temporary is not None:
            Path(self.temporary).unlink(missing_ok=True)
            self.temporary = None


def _write(stream: BinaryIO, pieces: Iterable[str]) -> None:
    # A name that is not valid UTF-8 (an undecodable file name) is written escaped, not lost.
    for piece in pieces:
        stream.write(piece.encode("utf-8", errors="backslashreplace"))


def _stage(target: Path, pieces: Iterable[str], status: os.stat_result | None) -> str:
    """A temporary file beside ``target`` holding the pieces, with the target's mode."""
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        if status is not None:
            os.chmod(temporary, stat.S_IMODE(status.st_mode))
            if hasattr(os, "chown") and status.st_uid != os.geteuid():
                with contextlib.suppress(OSError):  # only root may give a file away
                    os.chown(temporary, status.st_uid, status.st_gid)
        else:
            # mkstemp creates the file readable by its owner only; give it a new file's mode.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as stream:
            _write(stream, pieces)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


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


# What --output means in `get` and the AWS CLI: a format. Here it is a file, and a file named
# like a format is far more likely a mix-up than a wish.
_FORMAT_NAMES = frozenset(FORMATS) | {"yaml", "yaml-stream", "table"}


def check_outputs(run: RunOptions) -> None:
    """Refuse impossible output options before anything is read."""
    to_stdout = [name for name, target in run.report_files.items() if target == "-"]
    if run.output == "-":
        to_stdout.append("--output")
    if len(to_stdout) > 1:
        raise CheckerError(f"only one report can go to standard output, not {', '.join(to_stdout)}")
    if run.output in _FORMAT_NAMES and not Path(run.output).exists():
        raise CheckerError(
            f"--output {run.output}: --output names the file to write the report to; for the "
            f"{run.output} format use --format {run.output} (or -o ./{run.output} for a file "
            "of that name)"
        )
    if run.query is not None:
        from checker.aws_cli_format import check_query

        check_query(run.query)
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
    if run.asff_account is not None and not re.fullmatch(r"\d{12}", run.asff_account):
        raise CheckerError(f"--asff-account {run.asff_account}: not a 12-digit AWS account id")
    if run.evidence_dir is not None:
        if run.evidence_dir in ("", "-"):
            raise CheckerError("--evidence needs a folder name, not '-'")
        if Path(run.evidence_dir).exists() and not Path(run.evidence_dir).is_dir():
            raise CheckerError(f"--evidence {run.evidence_dir}: exists and is not a folder")
    inputs = [(p, "a policy file") for p in run.policies if not p.startswith("builtin:")]
    inputs += [(p, "a waivers file") for p in run.waivers]
    inputs += [(run.baseline, "a baseline file")] if run.baseline else []
    check_report_paths(run, inputs)


def _report_paths(run: RunOptions) -> list[tuple[str, str]]:
    """(option, path) of every report file the run will write."""
    named = [(f"--{name}", path) for name, path in run.report_files.items()]
    named += [("--output", run.output), ("--create-baseline", run.create_baseline)]
    return [(option, path) for option, path in named if path is not None and path != "-"]


def _identity(path: str) -> tuple[int, int] | str | None:
    """What a path names: the file (device and inode) when it exists, else its real path;
    None for a device or FIFO, which several reports may share."""
    try:
        status = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    if not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(status.st_mode):
        return None
    return (status.st_dev, status.st_ino)


def check_report_paths(run: RunOptions, inputs: Sequence[tuple[str, str]]) -> None:
    """Refuse, before anything is evaluated, a report path that is empty, a directory, the
    same file as another report, or one of the run's ``inputs`` ((path, what it is) pairs)."""
    seen: dict[tuple[int, int] | str, str] = {}
    given = {_identity(path): what for path, what in inputs if path}
    for option, path in _report_paths(run):
        if not path:
            raise CheckerError(f"{option}: the file name is empty")
        if os.path.isdir(path):
            raise CheckerError(f"{option} {path}: is a directory")
        if _DESCRIPTOR.fullmatch(path):
            continue
        identity = _identity(path)
        if identity is None:
            continue
        if identity in seen:
            raise CheckerError(f"{option} {path}: the same file as {seen[identity]}")
        seen[identity] = f"{option} {path}"
        what = given.get(identity)
        if what == "a baseline file" and option == "--create-baseline":
            continue  # read first, then replaced: the documented way to refresh a baseline
        if what is not None:
            raise CheckerError(f"{option} {path}: is an input of this run ({what})")


def default_region(regions: Sequence[str] = ()) -> str | None:
    """The first --region, else the AWS CLI's default region from the environment."""
    if regions:
        return regions[0]
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def write_evidence(directory: str, files: dict[str, str]) -> None:
    """Write the evidence record into ``directory``, each file atomically, the manifest last.

    Documents that an earlier record listed in its manifest and this one does not are removed,
    so that the folder holds one run's record; no other file is touched.
    """
    from checker.reports.evidence import MANIFEST

    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        earlier = (folder / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        earlier = ""
    except OSError as exc:
        raise CheckerError(f"--evidence {directory}: {exc.strerror or exc}") from exc
    for name, text in files.items():
        if name != MANIFEST:
            write_atomic(str(folder / name), text)
    write_atomic(str(folder / MANIFEST), files[MANIFEST])
    for line in earlier.splitlines():
        name = line.partition("  ")[2]
        if name and name not in files and name == Path(name).name and not name.startswith("."):
            (folder / name).unlink(missing_ok=True)


def write_reports(
    run: RunOptions,
    report: Report,
    *,
    hub: Hub | None = None,
    region: str | None = None,
) -> RenderOptions:
    """Write every report asked for: the files (atomically), the step summary, the console.

    ``hub`` holds the Security Hubs findings are published to (each job's own); ``region``
    the region of jobs that name none. Gives the render options, for publishing.
    """
    from checker.reports import FORMATS
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
        quiet=run.quiet,
        generated_at=datetime.datetime.now(datetime.UTC),
        asff_account=run.asff_account,
        default_region=region or default_region(),
    )
    if hub is not None:
        options = hub.render_options(options)
    if run.report_files.get("sarif") is not None:
        from checker.reports.sarif_anchor import choose_anchor

        anchor, warning = choose_anchor(report, options)
        if warning:
            click.echo(f"bedrock-checker: warning: {warning}", err=True)
            options = dataclasses.replace(options, sarif_anchor=anchor)
    # Every report file is written to a temporary file before any is put in place: a report
    # that cannot be made (an ASFF finding without an account) leaves no other report of the
    # run behind. Large reports are written piece by piece, never held whole in memory.
    staged: list[Staged] = []
    try:
        for name, target in run.report_files.items():
            if target is not None and target != "-":
                staged.append(Staged(target, FORMATS[name].chunks(report, options)))
        if run.evidence_dir is not None:
            from checker.reports import evidence

            digests = evidence.policy_digests(report.policy_sources, report.policy_digests)
            options = dataclasses.replace(options, policy_digests=digests)
            write_evidence(run.evidence_dir, evidence.documents(report, options))
        for report_file in staged:
            report_file.commit()
    finally:
        for report_file in staged:
            report_file.discard()
    to_stdout = [name for name, target in run.report_files.items() if target == "-"]
    if run.create_baseline:
        write_atomic(run.create_baseline, render_baseline(report))
    if run.github_summary:
        append_step_summary(os.environ["GITHUB_STEP_SUMMARY"], FORMATS["markdown"](report, options))

    # The console: the chosen format on stdout, unless stdout carries another report.
    console_err = bool(to_stdout)
    if to_stdout:
        click.echo(FORMATS[to_stdout[0]](report, options), nl=False)
    console: Callable[[Report, RenderOptions], str] = FORMATS[run.output_format]
    if run.query is not None:
        console = _queried(run.query)
    if run.output is not None and run.output != "-":
        if run.query is None:
            write_atomic(run.output, FORMATS[run.output_format].chunks(report, options))
        else:
            write_atomic(run.output, console(report, options))
        for warning in waiver_warnings(report):
            click.echo(warning, err=True)
        click.echo(summary_line(report), err=console_err, color=colored)
    elif run.output_format == "text" and run.query is None:
        # click strips ANSI codes when stdout is not a terminal unless told otherwise.
        click.echo(FORMATS["text"](report, options), nl=False, err=console_err, color=colored)
    else:
        click.echo(console(report, options), nl=False, err=console_err)
    return options


def _queried(query: str) -> Callable[[Report, RenderOptions], str]:
    """The console report as --query makes it: the JMESPath result over the JSON report."""

    def render(report: Report, options: RenderOptions) -> str:
        import json

        from checker.aws_cli_format import render as aws_render

        value = json.loads(FORMATS["json"](report, options))
        return aws_render(value, "json", query)

    return render


# GitHub refuses a step summary larger than this and shows none of it.
STEP_SUMMARY_LIMIT = 1024 * 1024
_TRUNCATED = (
    "\n_bedrock-checker: summary truncated to stay within GitHub's 1 MiB step-summary limit; "
    "the JSON, SARIF and JUnit reports have everything._\n"
)


def append_step_summary(path: str, markdown: str) -> None:
    """Append the Markdown summary to $GITHUB_STEP_SUMMARY, cut at a line with a note when the
    file would pass 1 MiB (earlier steps' summaries count too); never a failed run for it."""
    try:
        used = os.path.getsize(path)
    except OSError:
        used = 0
    data = (markdown + "\n").encode("utf-8", errors="backslashreplace")
    room = STEP_SUMMARY_LIMIT - used
    if len(data) > room:
        note = _TRUNCATED.encode("utf-8")
        cut = data[: max(room - len(note), 0)]
        cut = cut[: cut.rfind(b"\n") + 1]  # whole lines only (and never half a character)
        data = cut + note if len(cut) + len(note) <= room else b""
    try:
        with open(path, "ab") as summary:
            summary.write(data)
    except OSError as exc:
        raise CheckerError(f"{path}: cannot write the step summary: {exc.strerror or exc}") from exc


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
