"""get and snapshot: jobs from AWS as the AWS CLI shows them, and files to commit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from checker.cli.options import (
    aws_output_option,
    get_aws_options,
    query_option,
    snapshot_aws_options,
    snapshot_selection_options,
)
from checker.cli.output import ProgressBar, write_atomic
from checker.errors import CheckerError
from checker.model import Job, LoadError
from checker.reports.escape import no_commands, printable


@click.command("get")
@click.option(
    "--job-identifier",
    metavar="NAME|ARN",
    help="The job, by name or ARN. Example: --job-identifier my-ft-job",
)
@click.option(
    "--model-identifier",
    metavar="NAME|ARN",
    help="Instead of --job-identifier: the job that produced this custom model, by the model's "
    "name or ARN. Example: --model-identifier my-custom-model",
)
@query_option
@aws_output_option
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
@get_aws_options
@click.pass_context
def get_job(
    ctx: click.Context,
    job_identifier: str | None,
    model_identifier: str | None,
    query: str | None,
    output_format: str | None,
    as_document: bool,
    deep: bool,
    connection: Any,
) -> None:
    """Print one job as `aws bedrock get-model-customization-job` does.

    \b
    Examples:
      bedrock-checker get --job-identifier my-ft-job --query vpcConfig
      bedrock-checker get --model-identifier my-custom-model --query status
      bedrock-checker get --job-identifier my-ft-job --output yaml > jobs/my-ft-job.yaml
      bedrock-checker get --job-identifier my-ft-job --document --query derived.dataUris
      bedrock-checker get --job-identifier my-ft-job --document --deep --query resources

    \b
    Exit codes: 0 printed; 2 usage, credentials or connection error; 3 the job could not
    be fetched (not found, access denied, throttled, timed out).
    """
    import dataclasses

    from checker.aws.session import cli_settings
    from checker.aws_cli_format import TIMESTAMP_FORMATS, check_query, choose_output, render
    from checker.sources import bedrock

    if (job_identifier is None) == (model_identifier is None):
        raise CheckerError("get: give --job-identifier or --model-identifier, one of them")
    check_query(query)
    profile_output, timestamps = cli_settings(connection.profile)
    output_format = choose_output(output_format, profile_output)
    if timestamps and timestamps not in TIMESTAMP_FORMATS:
        raise CheckerError(
            f"cli_timestamp_format {timestamps} (in the profile): expected one of "
            f"{', '.join(TIMESTAMP_FORMATS)}"
        )
    if timestamps in ("none", "wire") and not as_document:
        # The API response as the service sent it; a job document keeps ISO 8601 throughout.
        connection = dataclasses.replace(connection, wire_timestamps=True)
    if deep and not as_document:
        raise CheckerError("--deep adds to the job document: give --document too")
    selection = bedrock.Selection(
        job_identifiers=(job_identifier,) if job_identifier else (),
        model_identifiers=(model_identifier,) if model_identifier else (),
    )
    found: Sequence[Any]
    if as_document:
        jobs = bedrock.read_jobs_and_sessions(connection, selection, with_tags=True)
        if deep:
            from checker.enrich import KINDS, Enricher

            sessions = [session for _, session in jobs]
            found = Enricher(connection, sessions=sessions)([item for item, _ in jobs], KINDS)
        else:
            found = [item for item, _ in jobs]
    else:
        found = bedrock.fetch(connection, selection, with_tags=False)
    if not found:
        named = f"job {job_identifier}" if job_identifier else f"model {model_identifier}"
        raise CheckerError(f"{named}: nothing to fetch")
    item = found[0]
    if isinstance(item, LoadError):
        click.echo(f"bedrock-checker: error: {printable(item.message)}", err=True)
        ctx.exit(3)
    value = dict(item.document) if isinstance(item, Job) else dict(item.response)
    click.echo(render(value, output_format, query, "GetModelCustomizationJob"), nl=False)


@click.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Directory to write <account>/<region>/<job-name>.json files into (created if "
    "needed; files of jobs no longer listed are left alone). Example: --out jobs/",
)
@snapshot_selection_options
@snapshot_aws_options
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
    from checker.sources import bedrock

    with ProgressBar(ctx) as progress:
        fetched = bedrock.fetch(connection, selection, with_tags=True, progress=progress)
    errors = 0
    for item in fetched:
        if isinstance(item, LoadError):
            where = no_commands(printable(item.origin.describe()))
            click.echo(f"{where}: error: {printable(item.message)}", err=True)
            errors += 1
            continue
        target = Path(out_dir, *item.snapshot_path())
        if not target.resolve().is_relative_to(Path(out_dir).resolve()):
            # A folder inside --out that is a symlink leading out of it.
            raise CheckerError(f"{target}: leads outside --out {out_dir}; not written")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CheckerError(f"{target.parent}: cannot create: {exc.strerror or exc}") from exc
        write_atomic(str(target), json.dumps(item.document(), indent=2, ensure_ascii=False) + "\n")
    written = len(fetched) - errors
    failed = f"; {errors} could not be fetched" if errors else ""
    click.echo(f"wrote {written} job files to {out_dir}{failed}", err=True)
    ctx.exit(3 if errors else 0)
