"""Options shared by several commands, and the option groups that bundle them."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import click

from checker.aws.connection import AUTO_MAX, AUTO_MIN, DEFAULT_CONCURRENCY
from checker.errors import CheckerError
from checker.frameworks import FRAMEWORKS
from checker.model import DEFAULT_POLICIES
from checker.pipeline import FAIL_ON
from checker.reports import CONSOLE_FORMATS, FILE_FORMATS, FORMATS


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta["debug"] = True
        import logging  # only for --debug: logging costs a one-file run several milliseconds

        # The AWS CLI's --debug layout: time, thread, logger, level, message.
        logging.basicConfig(
            level=logging.DEBUG,
            format="%(asctime)s - %(threadName)s - %(name)s - %(levelname)s - %(message)s",
        )
    return value


debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="Show debug logs and the traceback of an internal error.",
)


def policy_option(default: str) -> Callable[[Any], Any]:
    """--policy, its help naming the built-in packs that exist and the command's own default."""
    from checker.packs import builtin_names

    return click.option(
        "--policy",
        "policies",
        multiple=True,
        metavar="PATH|builtin:NAME",
        help=f"Policy file or built-in pack ({', '.join(builtin_names())}); repeatable. "
        f"Default: {default}. Example: --policy builtin:cost --policy policies/org.yaml",
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
    github_summary: bool
    waivers: tuple[str, ...]
    baseline: str | None
    create_baseline: str | None
    sarif_category: str | None
    sarif_anchor: str
    sarif_include_waived: bool
    framework: str | None
    quiet: bool = False
    query: str | None = None
    # --NAME FILE of each format in FILE_FORMATS: where to write it (None: not asked for)
    report_files: dict[str, str | None] = field(default_factory=dict)
    asff_account: str | None = None
    security_hub: bool = False
    evidence_dir: str | None = None


_RUN_OPTIONS = [
    policy_option(" ".join(DEFAULT_POLICIES)),
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
        type=click.Choice(CONSOLE_FORMATS),
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
        "--query",
        metavar="JMESPATH",
        help="Print the result of this JMESPath expression over the JSON report (as JSON, "
        "as the AWS CLI's --query) instead of the console report. "
        "Example: --query 'jobs[?outcome==`failed`].name'",
    ),
    click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Text report: leave out the jobs that passed or whose findings are all waived; "
        "show failed, errored and unknown jobs and the summary line.",
    ),
    click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour text output; 'auto' colours a terminal unless NO_COLOR is set.",
    ),
    *(
        click.option(f"--{name}", f"{name}_file", metavar="FILE", help=FORMATS[name].option_help)
        for name in FILE_FORMATS
    ),
    click.option(
        "--framework",
        type=click.Choice(list(FRAMEWORKS)),
        help="Add a per-control summary for this compliance framework to the text, Markdown, "
        "JSON and HTML reports (docs/frameworks.md). Example: --framework nist-800-53",
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
    click.option(
        "--asff-account",
        metavar="ACCOUNT",
        help="The Security Hub account of --asff findings (their product ARN), also the "
        "account of jobs whose ARNs name none. Default: each job's own account. "
        "Example: --asff-account 111122223333",
    ),
    click.option(
        "--security-hub",
        is_flag=True,
        help="Publish the findings to AWS Security Hub in each job's own region, and own "
        "account when the run holds its credentials (else the caller's), and archive the "
        "tool's earlier findings that no longer apply. See docs/reports.md for the IAM "
        "permissions needed.",
    ),
    click.option(
        "--evidence",
        "evidence_dir",
        metavar="DIR",
        help="Write the evidence record into DIR: one JSON document per job, index.json and "
        "a SHA256SUMS manifest. Example: --evidence evidence/",
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


def run_options(func: Any) -> Any:
    """Add the run options; the command receives them as one ``RunOptions`` value ``run``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        files = {name: kwargs.pop(f"{name}_file") for name in FILE_FORMATS}
        values = {f.name: kwargs.pop(f.name) for f in fields(RunOptions) if f.name in kwargs}
        return func(*args, run=RunOptions(**values, report_files=files), **kwargs)

    for option in reversed(_RUN_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def _param_name(option: Any) -> str | None:
    decorated = option(lambda: None)
    return str(decorated.__click_params__[-1].name)


# What a report is judged by: fixed by the runs that `merge` combines, not by merge itself.
_JUDGING = {"policies", "select", "skip", "fail_on", "waivers", "baseline", "create_baseline"}


def output_options(func: Any) -> Any:
    """Add the run options that say where and how reports are written (not what judges them);
    the command receives a ``RunOptions`` value ``run`` with the judging ones at defaults."""
    # --security-hub publishes with AWS credentials, which merge does not take: each shard's
    # scan publishes its own jobs.
    chosen = [o for o in _RUN_OPTIONS if _param_name(o) not in (*_JUDGING, "security_hub")]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        files = {name: kwargs.pop(f"{name}_file") for name in FILE_FORMATS}
        values = {f.name: kwargs.pop(f.name) for f in fields(RunOptions) if f.name in kwargs}
        run = RunOptions(
            policies=(), select=(), skip=(), fail_on="error", waivers=(), baseline=None,
            create_baseline=None, **values, report_files=files,
        )  # fmt: skip
        return func(*args, run=run, **kwargs)

    for option in reversed(chosen):
        wrapper = option(wrapper)
    return wrapper


def run_options_without(*names: str) -> Callable[[Any], Any]:
    """``run_options`` less the options whose parameter is in ``names`` (drift judges by its
    own rules, not --policy); those fields keep RunOptions' defaults or are left empty."""
    chosen = [option for option in _RUN_OPTIONS if _param_name(option) not in names]
    empty: dict[str, Any] = {"policies": (), "security_hub": False}

    def decorate(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            files = {name: kwargs.pop(f"{name}_file") for name in FILE_FORMATS}
            values = {f.name: kwargs.pop(f.name) for f in fields(RunOptions) if f.name in kwargs}
            values = {**{k: v for k, v in empty.items() if k in names}, **values}
            return func(*args, run=RunOptions(**values, report_files=files), **kwargs)

        for option in reversed(chosen):
            wrapper = option(wrapper)
        return wrapper

    return decorate


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


def _check_endpoint_url(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """botocore's "Invalid endpoint" would otherwise surface as an internal error."""
    from urllib.parse import urlsplit

    if value is None:
        return value
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        example = str(value).split("://", 1)[-1]
        raise CheckerError(
            f"--endpoint-url {value}: not a URL (give the scheme, e.g. http://{example})"
        )
    return value


def _at_most_one(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
    """For an option this command takes once: a second value is a usage error, not ignored."""
    if len(set(values)) > 1:
        raise click.BadParameter("give it at most once for this command", ctx, param)
    return values


def _repeatable(option: str, *, repeatable: bool, metavar: str, help_text: str) -> Any:
    """An option whose values arrive as a tuple; its help says "repeatable" exactly when the
    command accepts more than one (the same fact decides both)."""
    suffix = "repeatable" if repeatable else "once at most"
    name = option.lstrip("-").replace("-", "_") + "s"
    return click.option(
        option,
        name,
        multiple=True,
        metavar=metavar,
        callback=None if repeatable else _at_most_one,
        help=help_text.replace("{repeat}", suffix),
    )


_ENDPOINT_URL = click.option(
    "--endpoint-url",
    metavar="URL",
    callback=_check_endpoint_url,
    help="Send Bedrock calls to this URL instead of the regional endpoint. "
    "Example: --endpoint-url http://127.0.0.1:5000",
)
_NO_SIGN_REQUEST = click.option(
    "--no-sign-request",
    is_flag=True,
    help="Send unsigned requests, without loading credentials. Example: --no-sign-request",
)


def aws_option_list(
    *,
    regions: bool = True,
    roles: bool = True,
    concurrency: bool = True,
    bedrock_endpoint: bool = True,
    debug: bool = True,
    audit: bool = False,
    role_use: str = "Scan the account of this IAM role",
) -> list[Any]:
    """The AWS options of one command, from the facts of that command: whether it takes several
    regions and roles, whether it makes calls in parallel, whether it calls Bedrock itself."""
    options: list[Any] = [
        _repeatable(
            "--region",
            repeatable=regions,
            metavar="REGION",
            help_text="AWS region; {repeat}. Default: AWS_REGION, AWS_DEFAULT_REGION or the "
            "profile's region. "
            + (
                "With --organization/--accounts also 'all': every region where Bedrock is "
                "offered that the account has enabled. "
                if audit
                else ""
            )
            + "Example: --region us-east-1"
            + (" --region eu-west-1" if regions else ""),
        ),
        click.option(
            "--profile",
            metavar="NAME",
            help="Named profile from the AWS config files (default: AWS_PROFILE, else the usual "
            "credential chain). Example: --profile audit",
        ),
    ]
    if bedrock_endpoint:
        options.append(_ENDPOINT_URL)
    options += [
        click.option(
            "--no-verify-ssl",
            is_flag=True,
            help="Do not verify TLS certificates (as the AWS CLI's option). "
            "Example: --no-verify-ssl",
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
            help="Socket read timeout; 0 waits forever (default 60). "
            "Example: --cli-read-timeout 30",
        ),
        click.option(
            "--cli-connect-timeout",
            type=click.FloatRange(min=0),
            metavar="SECONDS",
            help="Socket connect timeout; 0 waits forever (default 60). "
            "Example: --cli-connect-timeout 10",
        ),
    ]
    if bedrock_endpoint:
        options.append(_NO_SIGN_REQUEST)
    options += [
        _repeatable(
            "--assume-role",
            repeatable=roles,
            metavar="ROLE_ARN",
            help_text=f"{role_use} through sts:AssumeRole instead of the caller's; {{repeat}}. "
            "Example: --assume-role arn:aws:iam::111122223333:role/BedrockAudit",
        ),
        click.option(
            "--external-id",
            metavar="TEXT",
            help="sts:ExternalId to pass with every role assumed (--assume-role"
            + (", and the audit role of --organization/--accounts" if audit else "")
            + "). Example: --external-id audit-2026",
        ),
        click.option(
            "--retry-mode",
            type=click.Choice(["standard", "adaptive"]),
            help="botocore retry mode for throttling and server errors (default: AWS_RETRY_MODE "
            "or the profile's, else adaptive; see docs/live.md). Example: --retry-mode standard",
        ),
        click.option(
            "--max-attempts",
            type=click.IntRange(min=1),
            metavar="N",
            help="Attempts per call, the first included (default: AWS_MAX_ATTEMPTS or the "
            "profile's, else 8). Example: --max-attempts 5",
        ),
    ]
    if concurrency:
        options.append(
            click.option(
                "--max-concurrency",
                type=click.IntRange(1, 256),
                metavar="N",
                help="API calls in flight at once (job fetches, and --deep's resource reads). "
                "Default: for job fetches, chosen from the listing's and the calls' timings "
                f"({AUTO_MIN} to {AUTO_MAX}, growing while the calls per second rise); "
                f"{DEFAULT_CONCURRENCY} for --deep. Example: --max-concurrency 8",
            )
        )
    if debug:
        options.append(debug_option)
    return options


def _checked(convert: Callable[[Any], Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback from a converter that raises CheckerError (exit 2, one line)."""

    def callback(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        from checker.errors import CheckerError

        try:
            return convert(value)
        except CheckerError as exc:
            raise click.UsageError(str(exc)) from exc

    return callback


def _account_ids(option: str) -> Callable[[Any], Any]:
    def convert(values: Any) -> Any:
        from checker.aws.organization import account_ids

        return account_ids(values, option)

    return convert


def _shard(value: Any) -> Any:
    from checker.shards import parse_shard

    return None if value is None else parse_shard(value)


# An audit of several accounts (scan only): docs/organizations.md.
_AUDIT_OPTIONS = [
    click.option(
        "--organization",
        is_flag=True,
        help="Scan every active account of the AWS organisation (from the management or a "
        "delegated administrator account), each through --role-name. Example: --organization",
    ),
    click.option(
        "--ou",
        "ous",
        multiple=True,
        metavar="OU_ID",
        help="With --organization: only the accounts under this OU or root, nested OUs "
        "included; repeatable. Example: --ou ou-ab12-cdef3456",
    ),
    click.option(
        "--accounts",
        multiple=True,
        metavar="IDS|@FILE",
        callback=_checked(_account_ids("--accounts")),
        help="Scan these accounts (ids, comma- or space-separated, or @FILE with one per line), "
        "each through --role-name; repeatable. Example: --accounts @accounts.txt",
    ),
    click.option(
        "--exclude-account",
        "exclude_accounts",
        multiple=True,
        metavar="ID|@FILE",
        callback=_checked(_account_ids("--exclude-account")),
        help="Leave this account out of --organization or --accounts; repeatable. "
        "Example: --exclude-account 111122223333",
    ),
    click.option(
        "--role-name",
        metavar="NAME",
        help="The read-only audit role assumed in each account (default: BedrockCheckerAudit; "
        "examples/aws/ creates it). Example: --role-name security/BedrockCheckerAudit",
    ),
    click.option(
        "--shard",
        metavar="K/N",
        callback=_checked(_shard),
        help="Scan only runner K's share of the audit's (account, region) scopes, of N runners; "
        "`merge` combines the N JSON reports. Example: --shard 2/4",
    ),
]


_SORT_ORDERS = ("Ascending", "Descending")


def selection_option_list(verb: str) -> list[Any]:
    """Which jobs scan (``verb`` "Evaluate") or snapshot ("Write") works on. The filters also
    answer to the AWS CLI's names for them (--status-equals, --creation-time-after, ...)."""
    return [
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
            help=f"{verb} the job that produced this custom model; repeatable. "
            "Example: --model-identifier my-custom-model",
        ),
        click.option(
            "--status",
            "--status-equals",
            "status",
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
            "--creation-time-after",
            "created_after",
            type=_Timestamp(),
            help="Only jobs created after this time (UTC unless a zone is given). "
            "Example: --created-after 2026-01-01",
        ),
        click.option(
            "--created-before",
            "--creation-time-before",
            "created_before",
            type=_Timestamp(),
            help="Only jobs created before this time. Example: --created-before 2026-03-31T12:00Z",
        ),
        click.option(
            "--sort-by",
            type=click.Choice(["CreationTime"]),
            help="Order of the listing, as ListModelCustomizationJobs's sortBy (the API sorts "
            "by CreationTime only). Example: --sort-by CreationTime",
        ),
        click.option(
            "--sort-order",
            type=click.Choice(_SORT_ORDERS),
            help="Ascending (oldest first) or Descending (newest first, the API's default). "
            "Example: --sort-order Ascending",
        ),
        click.option(
            "--max-jobs",
            type=click.IntRange(min=1),
            metavar="N",
            help="Stop after N jobs in all (listing order: regions as given, then --sort-order, "
            "newest first by default). Example: --max-jobs 200",
        ),
        click.option(
            "--page-size",
            "--max-results",
            "page_size",
            type=click.IntRange(1, 1000),
            default=100,
            show_default=True,
            metavar="N",
            help="Jobs per ListModelCustomizationJobs page (the API's maxResults; every page "
            "is read). Example: --page-size 1000",
        ),
    ]


def _connection_type() -> Any:
    from checker.aws.connection import Connection  # light: no boto3

    return Connection


def _selection_type() -> Any:
    from checker.sources.bedrock import Selection

    return Selection


aws_options = option_group(aws_option_list(), "connection", _connection_type)
# check --deep reads every job's resources in one region, with as many roles as accounts; its
# Bedrock calls are none, and --debug is its own option.
deep_aws_options = option_group(
    aws_option_list(
        regions=False,
        bedrock_endpoint=False,
        debug=False,
        role_use="Read the resources of jobs in this IAM role's account",
    ),
    "connection",
    _connection_type,
)
# scan: the AWS options and the audit of several accounts.
scan_aws_options = option_group(
    [*aws_option_list(audit=True), *_AUDIT_OPTIONS], "connection", _connection_type
)
# get fetches one job: one region, one account, one call at a time.
get_aws_options = option_group(
    aws_option_list(
        regions=False,
        roles=False,
        concurrency=False,
        role_use="Fetch the job from the account of this IAM role",
    ),
    "connection",
    _connection_type,
)
snapshot_aws_options = option_group(
    aws_option_list(role_use="Write the jobs of the account of this IAM role"),
    "connection",
    _connection_type,
)
# drift reads the jobs of every region its documents name, in each account reached.
drift_aws_options = option_group(
    aws_option_list(role_use="Compare the jobs of the account of this IAM role"),
    "connection",
    _connection_type,
)
selection_options = option_group(selection_option_list("Evaluate"), "selection", _selection_type)
snapshot_selection_options = option_group(
    selection_option_list("Write"), "selection", _selection_type
)
query_option = click.option(
    "--query",
    metavar="JMESPATH",
    help="JMESPath expression applied to the output, as in the AWS CLI. Example: --query vpcConfig",
)
aws_output_option = click.option(
    "--output",
    "output_format",
    type=click.Choice(["json", "yaml", "text", "table"]),
    help="Output format, as in the AWS CLI (default: AWS_DEFAULT_OUTPUT, else the profile's "
    "output, else json). Example: --output yaml",
)
deep_option = click.option(
    "--deep",
    is_flag=True,
    help="Also read each job's KMS key, role, data buckets, subnets and security groups "
    "from AWS and evaluate the deep pack (builtin:deep) beside the other policies. "
    "See docs/deep.md for the IAM permissions needed.",
)
