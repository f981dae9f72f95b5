"""merge: the JSON reports of an audit's shards -> every report format, as one run gives."""

from __future__ import annotations

from collections.abc import Sequence

import click

from checker.cli.options import RunOptions, debug_option, output_options
from checker.cli.output import check_outputs, write_reports


@click.command()
@click.argument("reports", nargs=-1, required=True, metavar="REPORT.json...")
@output_options
@debug_option
@click.pass_context
def merge(ctx: click.Context, reports: Sequence[str], run: RunOptions) -> None:
    """Combine the JSON reports of `scan --shard K/N` runs into one report of the whole audit.

    Gives the same jobs, findings and counts as one unsharded scan, in any format (--format,
    -o, --sarif, --junit, --markdown, --html, --json, --asff, --evidence, --github-summary);
    Security Hub is published to by each shard (scan --shard K/N --security-hub). Refuses reports of
    shards run with different policies, rules, waivers, baselines, --fail-on or scopes, and an
    incomplete set of shards (naming the ones missing).

    \b
    Examples:
      bedrock-checker merge shard-*.json --sarif org.sarif --markdown org.md
      bedrock-checker merge shard-1.json shard-2.json --format json -o org.json
      bedrock-checker merge shard-*.json --html org.html --asff org.asff.json --evidence evidence/

    \b
    Exit codes: 0 no finding at or above the shards' --fail-on; 1 findings at or above it;
    2 usage error, unreadable report, or shards that do not make one whole audit;
    3 some job, account or region could not be read (the others were evaluated).
    """
    from checker.merge import merge as merge_reports

    check_outputs(run)
    report = merge_reports(reports)
    if run.evidence_dir is not None:
        from checker.errors import CheckerError
        from checker.merge import without_evidence

        lacking = without_evidence(report)
        if lacking is not None:
            raise CheckerError(
                f"--evidence: job {lacking.label}: its shard was run without --evidence, so its "
                "report lacks what the evidence record holds; run each shard with --evidence DIR"
            )
    write_reports(run, report)
    ctx.exit(report.exit_code)
