"""check (job files) and scan (live accounts): read jobs, run the pipeline, write the reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from checker.cli.options import (
    RunOptions,
    debug_option,
    deep_aws_options,
    deep_option,
    run_options,
    scan_aws_options,
    selection_options,
)
from checker.cli.output import (
    ProgressBar,
    check_outputs,
    check_report_paths,
    default_region,
    write_reports,
)
from checker.errors import CheckerError
from checker.model import Report
from checker.pipeline import Configuration, configure
from checker.pipeline import run as run_pipeline
from checker.startup import started

REQUIRE_SEPARATOR = "--require-separator"


class _PathsCommand(click.Command):
    """With --require-separator, the paths must follow ``--``: the pre-commit hook sets it, so
    that a committed file named like an option (``--waivers=w.yaml``) is only ever a path."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = args[: args.index("--")] if "--" in args else args
        if REQUIRE_SEPARATOR in options and "--" not in args:
            raise CheckerError(
                f"{REQUIRE_SEPARATOR}: end the hook's args with '--', so that file names are "
                "never read as options (args: [--policy, FILE, --])"
            )
        return super().parse_args(ctx, args)


@click.command(cls=_PathsCommand)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@run_options
@click.option(
    REQUIRE_SEPARATOR,
    "require_separator",
    is_flag=True,
    help="Refuse to run unless the paths follow '--' (the pre-commit hook sets this, so "
    "that file names are never read as options).",
)
@click.option(
    "--skip-unrecognized",
    is_flag=True,
    help="Pass over named files that are not job documents instead of reporting them as "
    "errors (for pre-commit, which passes every changed JSON, YAML and Terraform file).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Processes (1 to 64) that read and evaluate the files. Default: one per 200 files, "
    "at most one per CPU and 8 (fewer than 400 files: this process alone). The report is the "
    "same whatever N is. Not with --deep, which reads every job first.",
)
@deep_option
@deep_aws_options
@debug_option
@click.pass_context
def check(
    ctx: click.Context,
    paths: Sequence[str],
    run: RunOptions,
    require_separator: bool,
    skip_unrecognized: bool,
    workers: int | None,
    deep: bool,
    connection: Any,
) -> None:
    """Check job documents in files and directories (searched recursively; - reads stdin).

    Everything after '--' is a path, even if it starts with '-': check [OPTIONS] -- PATH...

    Recognised by content: get-model-customization-job responses, create-model-customization-job
    requests (JSON or YAML, as given to --cli-input-json/--cli-input-yaml), JSON arrays and JSON
    Lines of either, Terraform aws_bedrock_custom_model in .tf files and `terraform show -json`
    output. In a directory, other files are passed over; a file named explicitly must be a job.

    \b
    Examples:
      bedrock-checker check examples/
      bedrock-checker check --fail-on warning -- jobs/ "$CHANGED_FILE"
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
    from checker.sources.files import iter_paths

    if not (deep or run.security_hub) and connection != type(connection)():
        raise CheckerError(
            "the AWS options (--region, --profile, ...) are for --deep and --security-hub only"
        )
    if deep and workers is not None:
        raise CheckerError("--workers: --deep reads every job in this process first; drop one")
    configuration = _configure(run, deep)
    check_report_paths(run, [(path, "a job file") for path in _job_files_among_reports(run, paths)])
    hub = _connect_hub(run, connection)
    skipped: list[str] = []
    # Read lazily: each file's jobs are evaluated before the next file is read.
    jobs = iter_paths(paths, named_must_be_jobs=not skip_unrecognized, skipped=skipped)
    with ProgressBar(ctx, "read resources of") as progress:
        enrich = _enricher(run, connection, progress=progress) if deep else None
        report = run_pipeline(
            configuration, jobs, skipped=skipped, mode="files", enrich=enrich, workers=workers
        )
    ctx.exit(_write_and_publish(run, report, hub, connection))


@click.command()
@selection_options
@scan_aws_options
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
      bedrock-checker scan --organization --region all --json org.json
      bedrock-checker scan --organization --ou ou-ab12-cdef3456 --shard 1/4 --json shard-1.json

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
    2 usage, policy, credentials or connection error (nothing could be scanned);
    3 some job, account or region could not be fetched (the others were evaluated).
    """
    from checker.sources import bedrock

    configuration = _configure(run, deep)
    with_tags = configuration.policy.reads_under("tags")
    hub = _connect_hub(run, connection)
    with ProgressBar(ctx) as progress, ProgressBar(ctx, "read resources of") as deep_bar:
        if connection.audit:
            report, pairs = _audit(
                run, configuration, connection, selection, deep, progress, deep_bar
            )
            ctx.exit(_write_and_publish(run, report, _with_sessions(hub, pairs), connection))
        pairs = bedrock.read_jobs_and_sessions(
            connection, selection, with_tags=with_tags, progress=progress
        )
        jobs = [item for item, _ in pairs]
        enrich = _scan_enricher(
            run,
            connection,
            configuration,
            deep,
            sessions=[session for _, session in pairs],
            progress=deep_bar,
        )
        # What the scan was asked to cover names its SARIF category, so that alerts of jobs
        # that have since gone are closed by the next upload of the same scan.
        accounts = [r.split(":")[4] for r in connection.assume_roles if r.count(":") >= 5]
        report = run_pipeline(
            configuration,
            jobs,
            mode="live",
            scope=(*accounts, *connection.regions),
            enrich=enrich,
        )
    ctx.exit(_write_and_publish(run, report, _with_sessions(hub, pairs), connection))


def _with_sessions(hub: Any, pairs: Sequence[tuple[Any, Any]]) -> Any:
    """The hub, knowing the session that read each account's jobs: with an assumed role, the
    findings of that account's jobs are published to its own Security Hub."""
    if hub is None:
        return None
    from checker.model import Job
    from checker.shards import scope_of

    for item, session in pairs:
        if isinstance(item, Job) and session is not None:
            account = scope_of(item)[0]
            if account and account != hub.account:
                hub.sessions.setdefault(account, session)
    return hub


def _job_files_among_reports(run: RunOptions, paths: Sequence[str]) -> list[str]:
    """The report paths that this run would read as job files: a path named on the command
    line, or a job document inside a folder named there. Only the report paths are read."""
    from pathlib import Path

    from checker.sources.files import read_file

    folders = [Path(p).resolve() for p in paths if p != "-" and Path(p).is_dir()]
    named = {Path(p).resolve() for p in paths if p != "-" and Path(p).is_file()}
    found = []
    reports = (*run.report_files.values(), run.output, run.create_baseline)
    for target in (t for t in reports if t and t != "-"):
        real = Path(target).resolve()
        if not real.is_file():
            continue
        if real in named or (
            any(real.is_relative_to(folder) for folder in folders)
            and read_file(real, explicit=False) is not None
        ):
            found.append(target)
    return found


def _audit(
    run: RunOptions,
    configuration: Configuration,
    connection: Any,
    selection: Any,
    deep: bool,
    progress: Any,
    deep_bar: Any,
) -> tuple[Report, list[tuple[Any, Any]]]:
    """scan --organization/--accounts: every account's scopes (or one shard's share); the
    report, and each job with the session that read it."""
    from checker.sources.audit import read_audit

    audit = read_audit(
        connection,
        selection,
        with_tags=configuration.policy.reads_under("tags"),
        progress=progress,
    )
    enrich = _scan_enricher(
        run,
        connection,
        configuration,
        deep,
        sessions=[session for _, session in audit.pairs],
        progress=deep_bar,
    )
    # The same in every shard and in the unsharded run: it names the SARIF category.
    asked = ["organization", *connection.ous] if connection.organization else []
    report = run_pipeline(
        configuration,
        audit.items,
        mode="live",
        scope=(*asked, *connection.accounts, *connection.regions),
        enrich=enrich,
        scopes=audit.scopes,
        shard=audit.shard,
    )
    return report, audit.pairs


def _configure(run: RunOptions, deep: bool) -> Configuration:
    """The output options checked, then policies, waivers and baseline loaded: all before any
    job is read, so that a configuration error exits 2 with nothing evaluated."""
    check_outputs(run)
    reported: tuple[str, ...] = ()
    if run.evidence_dir is not None:
        from checker.reports.evidence import READS as reported
    configuration = configure(
        run.policies,
        select=run.select,
        skip=run.skip,
        waiver_files=run.waivers,
        baseline_file=run.baseline,
        fail_on=run.fail_on,
        deep=deep,
        reported=reported,
    )
    started()
    return configuration


def _connect_hub(run: RunOptions, connection: Any) -> Any:
    """With --security-hub, the Security Hub to publish to, reached before any job is read."""
    if not run.security_hub:
        return None
    from checker.aws.securityhub import connect

    return connect(connection)


def _write_and_publish(run: RunOptions, report: Report, hub: Any, connection: Any) -> int:
    """Write the reports, publish to Security Hub when asked; the exit code.

    Findings that Security Hub still refused after every attempt make the run incomplete (3).
    """
    options = write_reports(run, report, hub=hub, region=default_region(connection.regions))
    if hub is None:
        return report.exit_code
    from checker.aws.securityhub import publish_all

    result = publish_all(hub, report, options)
    click.echo(result.summary(), err=True)
    return 3 if result.failed else report.exit_code


def _scan_enricher(
    run: RunOptions, connection: Any, configuration: Configuration, deep: bool, **options: Any
) -> Any:
    """Deep mode's stage with --deep. Without it, a scan still reads what its rules ask of the
    account beside the job, as it reads tags: a custom model's evaluations (BMC105), when that
    is all the loaded rules read of resources."""
    if deep:
        return _enricher(run, connection, **options)
    from checker.enrich import LIVE_KINDS, Enricher, needs

    wanted = needs(configuration.policy) - {"tags"}
    if not wanted or not wanted <= LIVE_KINDS:
        return None  # nothing to read, or rules that need --deep (they say so as unknown)
    return Enricher(connection, **options)  # no object versions: those come with --deep


def _enricher(run: RunOptions, connection: Any, **options: Any) -> Any:
    from checker.enrich import Enricher  # only with --deep

    # The evidence record holds the object versions of the data; no rule reads them.
    return Enricher(connection, data_objects=run.evidence_dir is not None, **options)
