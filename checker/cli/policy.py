"""rules and policy: the rule catalogue, policy validation and the organisation template."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from checker.cli.options import policy_option
from checker.frameworks import FRAMEWORKS
from checker.reports.escape import no_commands, printable


@click.command()
@policy_option("every built-in pack")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Catalogue format. Example: --format json",
)
@click.option(
    "--framework",
    type=click.Choice(list(FRAMEWORKS)),
    help="List each rule with the controls it supports in this framework (docs/frameworks.md). "
    "Example: --framework iso-27001",
)
def rules(policies: Sequence[str], output_format: str, framework: str | None) -> None:
    """List the rules: id, severity, pack and title (default: every built-in pack).

    \b
    Examples:
      bedrock-checker rules
      bedrock-checker rules --policy policies/org.yaml --format json
      bedrock-checker rules --framework nist-800-53
    """
    from checker.frameworks import rule_controls
    from checker.packs import builtin_names
    from checker.policy import load_policy
    from checker.reports.json_report import rule_dict

    specs = policies or [f"builtin:{name}" for name in builtin_names()]
    catalogue = sorted(load_policy(specs).rules, key=lambda r: r.id)
    if framework is not None:
        listed = rule_controls(catalogue, framework)
        if output_format == "json":
            entries = [{**rule_dict(r), "controls": {framework: list(ids)}} for r, ids in listed]
            click.echo(json.dumps(entries, indent=2))
            return
        width = max((len(r.id) for r in catalogue), default=4)
        shown = [", ".join(ids) or "-" for _, ids in listed]
        controls_width = max((len(text) for text in shown), default=1)
        for (rule, _), text in zip(listed, shown, strict=True):
            line = f"{rule.id:<{width}}  {text:<{controls_width}}  {rule.title}"
            click.echo(no_commands(printable(line)))
        return
    if output_format == "json":
        click.echo(json.dumps([rule_dict(r) for r in catalogue], indent=2))
        return
    width = max((len(r.id) for r in catalogue), default=4)
    pack_width = max((len(r.pack) for r in catalogue), default=4)
    for rule in catalogue:
        line = (
            f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.pack:<{pack_width}}  {rule.title}"
        )
        click.echo(no_commands(printable(line)))


@click.group()
def policy() -> None:
    """Validate policy files and start an organisation policy."""


@policy.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.pass_context
def policy_validate(ctx: click.Context, files: Sequence[str]) -> None:
    """Validate policy and waiver files: structure, Cerberus schemas, regexes, vars, rule ids.

    A file with a top-level 'waivers' list is validated as a waivers file, any other as a
    policy. Each file is validated on its own, and every file is validated; the built-in
    packs' vars are available as defaults. One line per file: 'ok' with its count of rules or
    waivers, or the first problem found in it (file, line and problem). Exits 0 when every
    file is valid, 2 when any is not.

    \b
    Examples:
      bedrock-checker policy validate policies/org.yaml
      bedrock-checker policy validate policies/*.yaml waivers.yaml
    """
    from checker.errors import CheckerError
    from checker.policy import is_waivers_file, load_policy
    from checker.waivers import load_waivers
    from checker.wording import counted

    invalid = 0
    for name in files:
        shown = no_commands(printable(name))
        try:
            if is_waivers_file(name):
                click.echo(f"{shown}: ok ({counted(len(load_waivers([name])), 'waiver')})")
            else:
                click.echo(f"{shown}: ok ({counted(len(load_policy([name]).rules), 'rule')})")
        except CheckerError as exc:
            invalid += 1
            message = str(exc)
            # The message names the file already, mostly with its line: keep one prefix.
            line = message if message.startswith(name) else f"{name}: {message}"
            click.echo(f"bedrock-checker: error: {no_commands(printable(line))}", err=True)
    if invalid:
        ctx.exit(2)


@policy.command("init")
def policy_init() -> None:
    """Print a commented organisation policy with allow-lists to fill in.

    \b
    Example:
      bedrock-checker policy init > policies/org.yaml
    """
    from checker.packs import template_text

    click.echo(template_text("org"), nl=False)
