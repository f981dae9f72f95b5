"""Click commands only: parse options, run the pipeline, map the outcome to an exit code."""

from __future__ import annotations

import datetime
import functools
import json
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click

from checker import __version__
from checker.errors import CheckerError
from checker.model import Job, LoadError, Report, Severity

FAIL_ON = ("error", "warning", "note", "never")


class _Failure(click.ClickException):
    """A CheckerError on its way out: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"bedrock-checker: error: {self.format_message()}", err=True)


class _Group(click.Group):
    """Turns the project's errors into one line and exit 2; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CheckerError as exc:
            if ctx.meta.get("debug"):
                traceback.print_exc()
            raise _Failure(str(exc)) from exc
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get("debug"):
                raise
            raise _Failure(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)"
            ) from exc


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta["debug"] = True
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    return value


debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="Show debug logs and the traceback of an internal error.",
)


def write_atomic(path: str, text: str) -> None:
    """Write through a temporary file in the same folder, renamed over the target at the end."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise CheckerError(f"{path}: cannot write report: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _fail_on(value: str) -> Severity | None:
    return None if value == "never" else Severity(value)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bedrock-checker")
@debug_option
def cli() -> None:
    """Check Amazon Bedrock model customization jobs against YAML/Cerberus policies.

    \b
    Examples:
      bedrock-checker check examples/
      bedrock-checker check jobs/ --policy builtin:baseline --policy policies/org.yaml
      bedrock-checker rules
      bedrock-checker policy init > policies/org.yaml
    """


policy_option = click.option(
    "--policy",
    "policies",
    multiple=True,
    metavar="PATH|builtin:NAME",
    help="Policy file or built-in pack (baseline, promotion, cost); repeatable. "
    "Default: builtin:baseline. Example: --policy builtin:cost --policy policies/org.yaml",
)


@dataclass(frozen=True)
class RunOptions:
    """The options every evaluating command (check, scan) shares: selection and outputs."""

    policies: tuple[str, ...]
    select: tuple[str, ...]
    skip: tuple[str, ...]
    fail_on: str
    output_format: str
    output: str | None
    color: str
    json_file: str | None
    sarif_file: str | None
    junit_file: str | None
    markdown_file: str | None
    github_summary: bool
    waivers: tuple[str, ...]
    baseline: str | None
    create_baseline: str | None
    sarif_category: str | None
    sarif_anchor: str
    sarif_include_waived: bool


_RUN_OPTIONS = [
    policy_option,
    click.option(
        "--rule",
        "select",
        multiple=True,
        metavar="ID",
        help="Evaluate only rules whose id matches this glob; repeatable. Example: --rule 'BMC00*'",
    ),
    click.option(
        "--skip-rule",
        "skip",
        multiple=True,
        metavar="ID",
        help="Do not evaluate rules matching this glob; repeatable. Example: --skip-rule BMC009",
    ),
    click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON),
        default="error",
        show_default=True,
        help="Lowest severity that makes the run exit 1; 'never' always exits 0 on "
        "findings. Waived, baselined and unknown findings never fail a run.",
    ),
    click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Format of the console report. Example: --format json",
    ),
    click.option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the console report to FILE instead of standard output; the "
        "console then shows the summary line only. Example: --format json -o r.json",
    ),
    click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour text output; 'auto' colours a terminal unless NO_COLOR is set.",
    ),
    click.option(
        "--json",
        "json_file",
        metavar="FILE",
        help="Also write the JSON report to FILE ('-' for stdout). Example: --json r.json",
    ),
    click.option(
        "--sarif",
        "sarif_file",
        metavar="FILE",
        help="Also write SARIF 2.1.0 for GitHub code scanning to FILE ('-' for stdout). "
        "Example: --sarif results.sarif",
    ),
    click.option(
        "--junit",
        "junit_file",
        metavar="FILE",
        help="Also write JUnit XML to FILE ('-' for stdout). Example: --junit junit.xml",
    ),
    click.option(
        "--markdown",
        "markdown_file",
        metavar="FILE",
        help="Also write a Markdown summary to FILE ('-' for stdout), e.g. for a PR "
        "comment. Example: --markdown summary.md",
    ),
    click.option(
        "--github-summary",
        is_flag=True,
        help="Append the Markdown summary to $GITHUB_STEP_SUMMARY (GitHub Actions).",
    ),
    click.option(
        "--waivers",
        multiple=True,
        metavar="FILE",
        help="Waivers file (YAML, see docs/waivers.md); repeatable. "
        "Example: --waivers policies/waivers.yaml",
    ),
    click.option(
        "--baseline",
        metavar="FILE",
        help="Fail only on findings not in this baseline (from --create-baseline).",
    ),
    click.option(
        "--create-baseline",
        metavar="FILE",
        help="Record today's findings by fingerprint in FILE, for later --baseline.",
    ),
    click.option(
        "--sarif-category",
        metavar="NAME",
        help="SARIF automationDetails category (default: bedrock-checker/files, or "
        "bedrock-checker/live/<accounts>-<regions> for live scans).",
    ),
    click.option(
        "--sarif-anchor",
        default="README.md",
        show_default=True,
        metavar="FILE",
        help="Repository file that SARIF results without a file of their own (live "
        "jobs) point at when their rule's policy file is not in the repository.",
    ),
    click.option(
        "--sarif-include-waived",
        is_flag=True,
        help="Put waived and baselined findings in SARIF as suppressed results "
        "(left out by default: GitHub shows suppressed results as open alerts).",
    ),
]


def run_options(func: Any) -> Any:
    """Add the shared options; the command receives them as one RunOptions value ``run``."""
    names = [f.name for f in fields(RunOptions)]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in names}
        for name in ("policies", "select", "skip", "waivers"):
            values[name] = tuple(values[name])
        return func(*args, run=RunOptions(**values), **kwargs)

    for option in reversed(_RUN_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def _repo_root() -> Path:
    """The enclosing git work tree, else the working directory: SARIF URIs are relative to it."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _check_outputs(run: RunOptions, files: dict[str, str | None]) -> list[str]:
    """Refuse impossible output options before anything is read; the reports bound for stdout."""
    to_stdout = [name for name, target in files.items() if target == "-"]
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
    return [name for name in to_stdout if name != "--output"]


def evaluate_and_report(
    ctx: click.Context,
    run: RunOptions,
    read_items: Callable[[], tuple[Sequence[Job | LoadError], Sequence[str]]],
    mode: str,
) -> None:
    """Load configuration, read the jobs, evaluate, write every report asked for, and exit.

    Policies, waivers and the baseline are read before any job, so that a configuration error
    exits 2 with nothing evaluated and no report written.
    """
    from checker.evaluate import evaluate
    from checker.policy import DEFAULT_POLICIES, load_policy
    from checker.reports import FORMATS, RenderOptions
    from checker.reports.text import summary_line, waiver_warnings
    from checker.waivers import (
        apply_baseline,
        apply_waivers,
        load_baseline,
        load_waivers,
        render_baseline,
    )

    files = {
        "json": run.json_file,
        "sarif": run.sarif_file,
        "junit": run.junit_file,
        "markdown": run.markdown_file,
    }
    to_stdout = _check_outputs(run, files)
    policy = load_policy(run.policies or DEFAULT_POLICIES, select=run.select, skip=run.skip)
    waivers = load_waivers(run.waivers)
    known = load_baseline(run.baseline) if run.baseline else None

    items, skipped = read_items()
    results = evaluate(items, policy)
    results, statuses = apply_waivers(results, waivers, datetime.date.today())
    gone = None
    if known is not None:
        results, gone = apply_baseline(results, known)
    report = Report(
        results=tuple(results),
        rules=policy.rules,
        fail_on=_fail_on(run.fail_on),
        skipped_files=tuple(skipped),
        policy_sources=policy.sources,
        waivers=statuses,
        baseline_gone=gone,
        mode=mode,
    )
    colored = _use_color(run.color)
    options = RenderOptions(
        color=colored,
        repo_root=_repo_root(),
        sarif_anchor=run.sarif_anchor,
        sarif_category=run.sarif_category,
        sarif_include_suppressed=run.sarif_include_waived,
    )
    for name, target in files.items():
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
    ctx.exit(report.exit_code)


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@run_options
@click.option(
    "--skip-unrecognized",
    is_flag=True,
    help="Pass over named files that are not job documents instead of reporting them as "
    "errors (for pre-commit, which passes every changed JSON, YAML and Terraform file).",
)
@debug_option
@click.pass_context
def check(
    ctx: click.Context, paths: Sequence[str], run: RunOptions, skip_unrecognized: bool
) -> None:
    """Check job documents in files and directories (searched recursively; - reads stdin).

    Recognised by content: get-model-customization-job responses, create-model-customization-job
    requests (JSON or YAML, as given to --cli-input-json/--cli-input-yaml), JSON arrays and JSON
    Lines of either, Terraform aws_bedrock_custom_model in .tf files and `terraform show -json`
    output. In a directory, other files are passed over; a file named explicitly must be a job.

    \b
    Examples:
      bedrock-checker check examples/
      bedrock-checker check jobs/ --policy builtin:baseline \\
          --policy policies/org.yaml --fail-on warning
      bedrock-checker check jobs/ --sarif results.sarif --junit junit.xml \\
          --waivers policies/waivers.yaml
      aws bedrock get-model-customization-job --job-identifier my-job | bedrock-checker check -

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
    2 usage, policy or configuration error; 3 some job could not be read or evaluated.
    """
    from checker.sources.files import read_paths

    def read_items() -> tuple[Sequence[Job | LoadError], Sequence[str]]:
        scan = read_paths(paths, named_must_be_jobs=not skip_unrecognized)
        return scan.items, scan.skipped

    evaluate_and_report(ctx, run, read_items, mode="files")


@cli.command()
@policy_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Catalogue format. Example: --format json",
)
def rules(policies: Sequence[str], output_format: str) -> None:
    """List the rules: id, severity, pack and title (default: every built-in pack).

    \b
    Examples:
      bedrock-checker rules
      bedrock-checker rules --policy policies/org.yaml --format json
    """
    from checker.packs import builtin_names
    from checker.policy import load_policy
    from checker.reports.json_report import rule_dict

    specs = policies or [f"builtin:{name}" for name in builtin_names()]
    catalogue = sorted(load_policy(specs).rules, key=lambda r: r.id)
    if output_format == "json":
        click.echo(json.dumps([rule_dict(r) for r in catalogue], indent=2))
        return
    width = max((len(r.id) for r in catalogue), default=4)
    pack_width = max((len(r.pack) for r in catalogue), default=4)
    for rule in catalogue:
        click.echo(
            f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.pack:<{pack_width}}  {rule.title}"
        )


@cli.group()
def policy() -> None:
    """Validate policy files and start an organisation policy."""


@policy.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def policy_validate(files: Sequence[str]) -> None:
    """Validate policy and waiver files: structure, Cerberus schemas, regexes, vars, rule ids.

    A file with a top-level 'waivers' list is validated as a waivers file, any other as a
    policy. Each file is validated on its own; the built-in packs' vars are available as
    defaults. Exits 0 when every file is valid, 2 at the first error (file, line and problem).

    \b
    Examples:
      bedrock-checker policy validate policies/org.yaml
      bedrock-checker policy validate policies/*.yaml waivers.yaml
    """
    from checker.policy import is_waivers_file, load_policy
    from checker.waivers import load_waivers

    for name in files:
        if is_waivers_file(name):
            click.echo(f"{name}: ok ({len(load_waivers([name]))} waivers)")
        else:
            click.echo(f"{name}: ok ({len(load_policy([name]).rules)} rules)")


@policy.command("init")
def policy_init() -> None:
    """Print a commented organisation policy with allow-lists to fill in.

    \b
    Example:
      bedrock-checker policy init > policies/org.yaml
    """
    from checker.packs import template_text

    click.echo(template_text("org"), nl=False)


def main() -> None:
    cli(prog_name="bedrock-checker")
