"""guard: tools for the Lambda function that checks jobs as they are created (docs/guard.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click


@click.group()
def guard() -> None:
    """Build guard, the Lambda function that checks each job as it is created."""


@guard.command("package")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("guard.zip"),
    show_default=True,
    help="Where to write the deployment zip. Example: --output build/guard.zip",
)
@click.argument(
    "files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path), metavar="[FILE...]"
)
def package(output: Path, files: Sequence[Path]) -> None:
    """Build guard's Lambda deployment zip from the installed package.

    The zip holds checker (without the command line), the built-in packs, and the installed
    PyYAML and Cerberus, pinned in guard-requirements.txt; boto3 comes from the Lambda
    runtime. Each FILE (policies, waivers) goes under config/, where the POLICIES and WAIVERS
    variables name it. The same installation and files give the same bytes.

    \b
    Examples:
      bedrock-checker guard package
      bedrock-checker guard package -o guard.zip policies/org.yaml policies/waivers.yaml

    \b
    Exit codes: 0 written; 2 a FILE is missing, or two FILEs share a name.
    """
    from checker.guard.package import build_package

    manifest = build_package(output, files)
    click.echo(
        f"{manifest.path}: {manifest.size:,} bytes, {len(manifest.entries)} files, "
        f"sha256 {manifest.sha256}; {', '.join(manifest.pins)} (boto3 from the Lambda runtime)"
    )
