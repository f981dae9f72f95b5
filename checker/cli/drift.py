"""drift: committed job documents against the live jobs of the same name (docs/drift.md)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import click

from checker.cli.options import RunOptions, drift_aws_options, run_options_without
from checker.cli.output import ProgressBar, check_outputs, write_reports
from checker.model import Job, JobResult, LoadError


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--unmanaged",
    is_flag=True,
    help="Also report the live jobs, in the regions compared, that no committed document "
    "describes (rule BMC409). Example: --unmanaged --region us-east-1",
)
@run_options_without("policies", "security_hub")
@drift_aws_options
@click.pass_context
def drift(
    ctx: click.Context,
    paths: Sequence[str],
    unmanaged: bool,
    run: RunOptions,
    connection: Any,
) -> None:
    """Compare committed job documents with the live jobs of the same name in AWS.

    Each job document under PATH (create request, Get response, Terraform, Step Functions,
    CloudFormation) is paired with the live job of its name in its account and region (from
    the document's ARNs, else --region or the profile's). The role, KMS key, VPC, data
    locations, hyperparameters, base and teacher models and tags are compared; values known
    only at apply or run time are unknown, not drift. See docs/drift.md.

    \b
    Examples:
      bedrock-checker drift jobs/ --region us-east-1
      bedrock-checker drift jobs/ terraform/ --unmanaged --sarif drift.sarif
      bedrock-checker drift jobs/ --profile prod --waivers policies/drift-waivers.yaml

    \b
    Exit codes: 0 no drift; 1 drift (a field differs, a committed job has no live job, or
    with --unmanaged a live job has no document); 2 usage, credentials or connection error;
    3 some file, job or region could not be read (the rest is reported).
    """
    from checker import drift as drift_rules
    from checker.pipeline import fail_threshold
    from checker.sources.files import iter_paths
    from checker.waivers import load_baseline, load_waivers

    check_outputs(run)  # and the report paths against the waiver and baseline files
    rules = drift_rules.select_rules(run.select, run.skip, unmanaged=unmanaged)
    waivers = load_waivers(run.waivers)
    baseline = frozenset(load_baseline(run.baseline)) if run.baseline else None
    started = datetime.datetime.now(datetime.UTC)
    skipped: list[str] = []
    committed: list[Job] = []
    file_errors: list[LoadError] = []
    for item in iter_paths(paths, skipped=skipped):
        if isinstance(item, Job):
            committed.append(item)
        else:
            file_errors.append(item)
    named, unnamed = drift_rules.regions_named(committed)
    live = drift_rules.LiveJobs(())
    defaults: tuple[str, ...] = tuple(connection.regions)
    regions: tuple[str, ...] = ()
    if committed or unmanaged:
        with ProgressBar(ctx) as progress:
            live, defaults, regions = _read_live(
                connection,
                named,
                needs_default=unnamed or unmanaged or not named,
                with_tags=any(rule.id == "BMC407" for rule in rules),
                progress=progress,
            )
    results = [
        *drift_rules.compare_all(committed, live, rules=rules, default_regions=defaults),
        *(JobResult(None, error=error) for error in file_errors),
    ]
    report = drift_rules.build_report(
        results,
        rules=rules,
        waivers=waivers,
        baseline=baseline,
        fail_on=fail_threshold(run.fail_on),
        skipped=skipped,
        scope=regions,
        started=started,
    )
    write_reports(run, report, region=defaults[0] if defaults else None)
    ctx.exit(report.exit_code)


def _read_live(
    connection: Any,
    named: Sequence[str],
    *,
    needs_default: bool,
    with_tags: bool,
    progress: Any,
) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    """The live jobs of every region compared; the default regions; every region read."""
    from checker import drift as drift_rules
    from checker.aws import session as aws_session
    from checker.sources import bedrock

    defaults = tuple(connection.regions)
    if not defaults and needs_default:
        session = aws_session.make_session(connection.profile)
        defaults = aws_session.regions(connection, session)
    regions = tuple(dict.fromkeys((*named, *defaults)))
    fetched = bedrock.fetch(
        replace(connection, regions=regions),
        bedrock.Selection(),
        with_tags=with_tags,
        progress=progress,
    )
    jobs = [item.to_job() for item in fetched if isinstance(item, bedrock.FetchedJob)]
    errors = [item for item in fetched if isinstance(item, LoadError)]
    return drift_rules.LiveJobs(jobs, errors), defaults, regions
