"""show: the normalised job document the rules see, for files, printed as `get` prints jobs."""

from __future__ import annotations

from collections.abc import Sequence

import click

from checker.cli.options import aws_output_option, query_option


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@query_option
@aws_output_option
@click.pass_context
def show(
    ctx: click.Context, paths: Sequence[str], query: str | None, output_format: str | None
) -> None:
    """Print the normalised document of each job in files and directories (- reads stdin).

    The document is what the rules see: the GetModelCustomizationJob shape with tags and the
    derived section (docs/job-document.md). One job prints as a mapping, several as a list of
    mappings, in the order read. --query and --output work as in `get` and the AWS CLI; the
    output defaults to AWS_DEFAULT_OUTPUT, else json.

    \b
    Examples:
      bedrock-checker show job.yaml
      bedrock-checker show job.yaml --query derived.dataUris
      bedrock-checker show terraform/ --query '[].jobName' --output text

    \b
    Exit codes: 0 printed; 2 usage error; 3 some file or job could not be read (the others
    are printed).
    """
    from checker.aws_cli_format import check_query, choose_output, render
    from checker.model import Job
    from checker.sources.files import read_paths

    output = choose_output(output_format)
    check_query(query)
    scan = read_paths(paths)
    documents = [dict(item.document) for item in scan.items if isinstance(item, Job)]
    errors = [item for item in scan.items if not isinstance(item, Job)]
    for error in errors:
        click.echo(f"{error.origin.describe()}: error: {error.message}", err=True)
    if documents:
        value = documents[0] if len(documents) == 1 and len(scan.items) == 1 else documents
        click.echo(render(value, output, query, "JobDocument"), nl=False)
    ctx.exit(3 if errors else 0)
