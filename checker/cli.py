"""Click commands only: parse options, run the pipeline, map the outcome to an exit code."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from checker import __version__
from checker.errors import CheckerError
from checker.model import Report, Severity

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


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@policy_option
@click.option(
    "--rule",
    "select",
    multiple=True,
    metavar="ID",
    help="Evaluate only rules whose id matches this glob; repeatable. Example: --rule 'BMC00*'",
)
@click.option(
    "--skip-rule",
    "skip",
    multiple=True,
    metavar="ID",
    help="Do not evaluate rules matching this glob; repeatable. Example: --skip-rule BMC009",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="error",
    show_default=True,
    help="Lowest severity that makes the run exit 1; 'never' always exits 0 on findings.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format. Example: --format json",
)
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Write the report to FILE (atomically) instead of standard output; the console "
    "then shows the summary line only. Example: --format json -o report.json",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour text output; 'auto' colours a terminal unless NO_COLOR is set.",
)
@debug_option
@click.pass_context
def check(
    ctx: click.Context,
    paths: Sequence[str],
    policies: Sequence[str],
    select: Sequence[str],
    skip: Sequence[str],
    fail_on: str,
    output_format: str,
    output: str | None,
    color: str,
) -> None:
    """Check job documents in files and directories (searched recursively; - reads stdin).

    Recognised by content: get-model-customization-job responses, create-model-customization-job
    requests (JSON or YAML, as given to --cli-input-json/--cli-input-yaml), JSON arrays and JSON
    Lines of either, Terraform aws_bedrock_custom_model in .tf files and `terraform show -json`
    output. In a directory, other files are passed over; a file named explicitly must be a job.

    \b
    Examples:
      bedrock-checker check examples/
      bedrock-checker check jobs/ --policy builtin:baseline \
          --policy policies/org.yaml --fail-on warning
      aws bedrock get-model-customization-job --job-identifier my-job | bedrock-checker check -

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
    2 usage, policy or configuration error; 3 some job could not be read or evaluated.
    """
    from checker.evaluate import evaluate
    from checker.policy import DEFAULT_POLICIES, load_policy
    from checker.reports import FORMATS, text
    from checker.sources.files import read_paths

    policy = load_policy(policies or DEFAULT_POLICIES, select=select, skip=skip)
    scan = read_paths(paths)
    report = Report(
        results=tuple(evaluate(scan.items, policy)),
        rules=policy.rules,
        fail_on=_fail_on(fail_on),
        skipped_files=tuple(scan.skipped),
        policy_sources=policy.sources,
    )
    colored = _use_color(color)
    if output is not None:
        write_atomic(output, FORMATS[output_format](report))
        click.echo(text.render(report, color=colored).splitlines()[-1], color=colored)
    elif output_format == "text":
        # click strips ANSI codes when stdout is not a terminal unless told otherwise.
        click.echo(text.render(report, color=colored), nl=False, color=colored)
    else:
        click.echo(FORMATS[output_format](report), nl=False)
    ctx.exit(report.exit_code)


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
    """Validate policy files: structure, Cerberus schemas, regexes, vars and rule ids.

    Each file is validated on its own; the built-in packs' vars are available as defaults.
    Exits 0 when every file is valid, 2 at the first error (file, line, rule id and problem).

    \b
    Example:
      bedrock-checker policy validate policies/org.yaml
    """
    from checker.policy import load_policy

    for name in files:
        loaded = load_policy([name])
        click.echo(f"{name}: ok ({len(loaded.rules)} rules)")


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
