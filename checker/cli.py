"""Click commands only: parse options, run the pipeline, map the outcome to an exit code."""

from __future__ import annotations

import datetime
import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from checker import __version__
from checker.errors import CheckerError
from checker.model import Job, LoadError, Report, Severity

if TYPE_CHECKING:
    from checker.policy import Policy

FAIL_ON = ("error", "warning", "note", "never")


class _Failure(click.ClickException):
    """A CheckerError on its way out: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"bedrock-checker: error: {self.format_message()}", err=True)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup (temporary files, the pool) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise _Terminated(signum)


class _Group(click.Group):
    """Turns the project's errors into one line and exit 2; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Not click's "Aborted!" and exit 1, which would read as "findings".
            click.echo("bedrock-checker: interrupted", err=True)
            ctx.exit(130)
        except _Terminated as exc:
            click.echo("bedrock-checker: terminated", err=True)
            ctx.exit(128 + exc.signum)
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
        import logging  # only for --debug: logging costs a one-file run several milliseconds

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
    help="Policy file or built-in pack (baseline, promotion, cost, deep); repeatable. "
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


def option_group(
    options: list[Any], keyword: str, group_type: Callable[[], Any]
) -> Callable[[Any], Any]:
    """Add ``options``; the command receives their values as one dataclass value ``keyword``.

    ``group_type`` gives the dataclass when the command runs, so that a group defined in a
    module with heavy imports (the AWS options) costs nothing until it is used.
    """

    def decorate(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            group = group_type()
            values = {f.name: kwargs.pop(f.name) for f in fields(group) if f.name in kwargs}
            return func(*args, **{keyword: group(**values)}, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


run_options = option_group(_RUN_OPTIONS, "run", lambda: RunOptions)


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
    read_items: Callable[[Policy], tuple[Sequence[Job | LoadError], Sequence[str]]],
    mode: str,
    scope: tuple[str, ...] = (),
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

    items, skipped = read_items(policy)
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
        scope=scope,
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


# -- Commands that evaluate jobs (check, scan) and the live ones (get, snapshot) -------------
# checker.sources.aws (and through it boto3) is imported inside the commands only, so that
# file-only runs never load boto3.

_JOB_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")  # the API's enum


class _Timestamp(click.ParamType[datetime.datetime]):
    """An ISO 8601 date or date and time; without a time zone, UTC."""

    name = "TIMESTAMP"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime.datetime:
        if isinstance(value, datetime.datetime):
            return value
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time, e.g. 2026-01-01", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


_ENDPOINT_URL = click.option(
    "--endpoint-url",
    metavar="URL",
    help="Send Bedrock calls to this URL instead of the regional endpoint. "
    "Example: --endpoint-url http://127.0.0.1:5000",
)
_NO_SIGN_REQUEST = click.option(
    "--no-sign-request",
    is_flag=True,
    help="Send unsigned requests, without loading credentials. Example: --no-sign-request",
)
_AWS_OPTIONS = [
    click.option(
        "--region",
        "regions",
        multiple=True,
        metavar="REGION",
        help="AWS region; repeatable. Default: AWS_REGION, AWS_DEFAULT_REGION or the profile's "
        "region. Example: --region us-east-1 --region eu-west-1",
    ),
    click.option(
        "--profile",
        metavar="NAME",
        help="Named profile from the AWS config files (default: AWS_PROFILE, else the usual "
        "credential chain). Example: --profile audit",
    ),
    _ENDPOINT_URL,
    click.option(
        "--no-verify-ssl",
        is_flag=True,
        help="Do not verify TLS certificates (as the AWS CLI's option). Example: --no-verify-ssl",
    ),
    click.option(
        "--ca-bundle",
        metavar="FILE",
        help="CA certificate bundle to verify TLS with (default: AWS_CA_BUNDLE). "
        "Example: --ca-bundle /etc/ssl/corp-ca.pem",
    ),
    click.option(
        "--cli-read-timeout",
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        help="Socket read timeout; 0 waits forever (default 60). Example: --cli-read-timeout 30",
    ),
    click.option(
        "--cli-connect-timeout",
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        help="Socket connect timeout; 0 waits forever (default 60). "
        "Example: --cli-connect-timeout 10",
    ),
    _NO_SIGN_REQUEST,
    click.option(
        "--assume-role",
        "assume_roles",
        multiple=True,
        metavar="ROLE_ARN",
        help="Scan the account of this IAM role through sts:AssumeRole instead of the caller's; "
        "repeatable. Example: --assume-role arn:aws:iam::111122223333:role/BedrockAudit",
    ),
    click.option(
        "--retry-mode",
        type=click.Choice(["standard", "adaptive"]),
        help="botocore retry mode for throttling and server errors (default: AWS_RETRY_MODE "
        "or the profile's, else standard). Example: --retry-mode adaptive",
    ),
    click.option(
        "--max-attempts",
        type=click.IntRange(min=1),
        metavar="N",
        help="Attempts per call, the first included (default: AWS_MAX_ATTEMPTS or the "
        "profile's, else 3). Example: --max-attempts 5",
    ),
    click.option(
        "--max-concurrency",
        type=click.IntRange(1, 256),
        default=16,
        show_default=True,
        metavar="N",
        help="API calls in flight at once (job fetches, and --deep's resource reads). "
        "Example: --max-concurrency 8",
    ),
    debug_option,
]

_SELECTION_OPTIONS = [
    click.option(
        "--job-identifier",
        "job_identifiers",
        multiple=True,
        metavar="NAME|ARN",
        help="Fetch this job instead of listing; repeatable. A name is looked up in every "
        "--region, an ARN in its own. Example: --job-identifier my-ft-job",
    ),
    click.option(
        "--model-identifier",
        "model_identifiers",
        multiple=True,
        metavar="NAME|ARN",
        help="Evaluate the job that produced this custom model; repeatable. "
        "Example: --model-identifier my-custom-model",
    ),
    click.option(
        "--status",
        type=click.Choice(_JOB_STATUSES, case_sensitive=False),
        metavar="[" + "|".join(_JOB_STATUSES) + "]",
        help="Only jobs with this status (default: every status). Example: --status Completed",
    ),
    click.option(
        "--name-contains",
        metavar="TEXT",
        help="Only jobs whose name contains TEXT. Example: --name-contains prod-",
    ),
    click.option(
        "--created-after",
        type=_Timestamp(),
        help="Only jobs created after this time (UTC unless a zone is given). "
        "Example: --created-after 2026-01-01",
    ),
    click.option(
        "--created-before",
        type=_Timestamp(),
        help="Only jobs created before this time. Example: --created-before 2026-03-31T12:00Z",
    ),
    click.option(
        "--max-jobs",
        type=click.IntRange(min=1),
        metavar="N",
        help="Stop after N jobs in all (listing order: regions as given, newest first). "
        "Example: --max-jobs 200",
    ),
    click.option(
        "--page-size",
        type=click.IntRange(1, 1000),
        default=100,
        show_default=True,
        metavar="N",
        help="Jobs per ListModelCustomizationJobs page. Example: --page-size 1000",
    ),
]


def _aws_type(name: str) -> Callable[[], Any]:
    def load() -> Any:
        from checker.sources import aws  # only when a live command runs: boto3 is heavy

        return getattr(aws, name)

    return load


aws_options = option_group(_AWS_OPTIONS, "connection", _aws_type("Connection"))


# check --deep reaches AWS with the same options, bar the Bedrock endpoint's and --debug (its own).
def _connection_type() -> Any:
    from checker.sources.connection import Connection  # light: not checker.sources.aws

    return Connection


deep_aws_options = option_group(
    [o for o in _AWS_OPTIONS if o not in (_ENDPOINT_URL, _NO_SIGN_REQUEST, debug_option)],
    "connection",
    _connection_type,
)
deep_option = click.option(
    "--deep",
    is_flag=True,
    help="Also read each job's KMS key, role, data buckets, subnets and security groups "
    "from AWS and evaluate the deep pack (builtin:deep) beside the other policies. "
    "See docs/deep.md for the IAM permissions needed.",
)


def _with_deep_pack(run: RunOptions) -> RunOptions:
    """--deep evaluates builtin:deep beside the policies chosen (or the default)."""
    from checker.policy import DEFAULT_POLICIES

    policies = run.policies or DEFAULT_POLICIES
    if "builtin:deep" in policies:
        return run
    return replace(run, policies=(*policies, "builtin:deep"))


selection_options = option_group(_SELECTION_OPTIONS, "selection", _aws_type("Selection"))


class _ProgressBar:
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


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@run_options
@click.option(
    "--skip-unrecognized",
    is_flag=True,
    help="Pass over named files that are not job documents instead of reporting them as "
    "errors (for pre-commit, which passes every changed JSON, YAML and Terraform file).",
)
@deep_option
@deep_aws_options
@debug_option
@click.pass_context
def check(
    ctx: click.Context,
    paths: Sequence[str],
    run: RunOptions,
    skip_unrecognized: bool,
    deep: bool,
    connection: Any,
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
      bedrock-checker check jobs/ --deep --profile audit --region us-east-1

    With --deep, the AWS options (--region, --profile, --assume-role, ...) say how to reach
    AWS; the jobs' resources are read in each job's own region when its ARNs name one.

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
    2 usage, policy or configuration error; 3 some job could not be read or evaluated.
    """
    from checker.sources.files import read_paths

    if deep:
        run = _with_deep_pack(run)
    elif connection != type(connection)():
        raise CheckerError("the AWS options (--region, --profile, ...) are for --deep only")

    def read_items(policy: Policy) -> tuple[Sequence[Job | LoadError], Sequence[str]]:
        scan = read_paths(paths, named_must_be_jobs=not skip_unrecognized)
        if not deep:
            return scan.items, scan.skipped
        from checker.sources import deep as deep_checks

        targets, region = deep_checks.connect(connection)
        with _ProgressBar(ctx, "read resources of") as progress:
            items = deep_checks.enrich(
                deep_checks.by_account(scan.items, targets),
                deep_checks.needs(policy),
                connection,
                default_region=region,
                progress=progress,
            )
        return items, scan.skipped

    evaluate_and_report(ctx, run, read_items, mode="files")


@cli.command()
@selection_options
@aws_options
@run_options
@deep_option
@click.pass_context
def scan(ctx: click.Context, run: RunOptions, connection: Any, selection: Any, deep: bool) -> None:
    """Check model customization jobs in AWS accounts against the policies.

    Lists every job (all statuses) in each --region, or fetches the jobs named, and evaluates
    them like `check` does files. Tags are fetched only when a loaded rule reads them.
    See docs/live.md for the IAM permissions needed.

    \b
    Examples:
      bedrock-checker scan --region us-east-1 --region eu-west-1
      bedrock-checker scan --job-identifier my-ft-job --sarif results.sarif
      bedrock-checker scan --model-identifier my-custom-model --policy builtin:promotion
      bedrock-checker scan --status Completed --name-contains prod- --created-after 2026-01-01
      bedrock-checker scan --assume-role arn:aws:iam::111122223333:role/BedrockAudit
      bedrock-checker scan --deep --status Completed

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
    2 usage, policy, credentials or connection error (nothing could be scanned);
    3 some job, account or region could not be fetched (the others were evaluated).
    """
    if deep:
        run = _with_deep_pack(run)

    def read_items(policy: Policy) -> tuple[Sequence[Job | LoadError], Sequence[str]]:
        from checker.sources import aws
        from checker.sources.deep import needs

        with _ProgressBar(ctx) as progress, _ProgressBar(ctx, "read resources of") as deep_bar:
            jobs = aws.read_jobs(
                connection,
                selection,
                with_tags=aws.policy_reads_tags(policy),
                progress=progress,
                deep=needs(policy) if deep else None,
                deep_progress=deep_bar,
            )
        return jobs, []

    # What the scan was asked to cover names its SARIF category, so that alerts of jobs that
    # have since gone are closed by the next upload of the same scan.
    accounts = [role.split(":")[4] for role in connection.assume_roles if role.count(":") >= 5]
    scope = (*accounts, *connection.regions)
    evaluate_and_report(ctx, run, read_items, mode="live", scope=scope)


@cli.command("get")
@click.option(
    "--job-identifier",
    required=True,
    metavar="NAME|ARN",
    help="The job, by name or ARN. Example: --job-identifier my-ft-job",
)
@click.option(
    "--query",
    metavar="JMESPATH",
    help="JMESPath expression applied to the output, as in the AWS CLI. Example: --query vpcConfig",
)
@click.option(
    "--output",
    "output_format",
    type=click.Choice(["json", "yaml", "text"]),
    default="json",
    show_default=True,
    help="Output format, as in the AWS CLI. Example: --output yaml",
)
@click.option(
    "--document",
    "as_document",
    is_flag=True,
    help="Print the normalised job document the rules see (with tags and the derived "
    "section) instead of the API response. Example: --document --query derived",
)
@click.option(
    "--deep",
    is_flag=True,
    help="With --document: add the resources section that --deep checks read (docs/deep.md). "
    "Example: --document --deep --query resources.kmsKey",
)
@aws_options
@click.pass_context
def get_job(
    ctx: click.Context,
    job_identifier: str,
    query: str | None,
    output_format: str,
    as_document: bool,
    deep: bool,
    connection: Any,
) -> None:
    """Print one job as `aws bedrock get-model-customization-job` does.

    \b
    Examples:
      bedrock-checker get --job-identifier my-ft-job --query vpcConfig
      bedrock-checker get --job-identifier my-ft-job --output yaml > jobs/my-ft-job.yaml
      bedrock-checker get --job-identifier my-ft-job --document --query derived.dataUris
      bedrock-checker get --job-identifier my-ft-job --document --deep --query resources

    \b
    Exit codes: 0 printed; 2 usage, credentials or connection error; 3 the job could not
    be fetched (not found, access denied, throttled, timed out).
    """
    from checker.aws_cli_format import render
    from checker.sources import aws

    if len(set(connection.regions)) > 1 or len(set(connection.assume_roles)) > 1:
        raise CheckerError("get: give at most one --region and one --assume-role")
    if deep and not as_document:
        raise CheckerError("--deep adds to the job document: give --document too")
    selection = aws.Selection(job_identifiers=(job_identifier,))
    found: Sequence[Any]
    if as_document:
        from checker.sources.deep import KINDS

        found = aws.read_jobs(connection, selection, with_tags=True, deep=KINDS if deep else None)
    else:
        found = aws.fetch(connection, selection, with_tags=False)
    if not found:
        raise CheckerError(f"job {job_identifier}: nothing to fetch")
    item = found[0]
    if isinstance(item, LoadError):
        click.echo(f"bedrock-checker: error: {item.message}", err=True)
        ctx.exit(3)
    value = dict(item.document) if isinstance(item, Job) else dict(item.response)
    click.echo(render(value, output_format, query), nl=False)


@cli.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Directory to write <account>/<region>/<job-name>.json files into (created if "
    "needed; files of jobs no longer listed are left alone). Example: --out jobs/",
)
@selection_options
@aws_options
@click.pass_context
def snapshot(ctx: click.Context, out_dir: str, connection: Any, selection: Any) -> None:
    """Write each job's Get response (with its tags) to a file, to commit and `check` later.

    \b
    Examples:
      bedrock-checker snapshot --region us-east-1 --out jobs/
      bedrock-checker check jobs/ --policy builtin:promotion

    \b
    Exit codes: 0 every job written; 2 usage, credentials or connection error;
    3 some job, account or region could not be fetched (the others were written).
    """
    from checker.sources import aws

    with _ProgressBar(ctx) as progress:
        fetched = aws.fetch(connection, selection, with_tags=True, progress=progress)
    errors = 0
    for item in fetched:
        if isinstance(item, LoadError):
            click.echo(f"{item.origin.describe()}: error: {item.message}", err=True)
            errors += 1
            continue
        target = Path(out_dir, *item.snapshot_path())
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CheckerError(f"{target.parent}: cannot create: {exc.strerror or exc}") from exc
        write_atomic(str(target), json.dumps(item.document(), indent=2, ensure_ascii=False) + "\n")
    written = len(fetched) - errors
    failed = f"; {errors} could not be fetched" if errors else ""
    click.echo(f"wrote {written} job files to {out_dir}{failed}", err=True)
    ctx.exit(3 if errors else 0)


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _raise_terminated)
    cli(prog_name="bedrock-checker")
