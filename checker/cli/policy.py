"""rules and policy: the rule catalogue, policy validation and the organisation template."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from checker.cli.options import policy_option
from checker.frameworks import FRAMEWORKS
from checker.reports.escape import no_commands, printable


@click.command()
@policy_option("every built-in pack, and the drift rules")
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
    """List the rules: id, severity, pack and title (default: every built-in pack, and the
    rules of the drift command, pack "drift").

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
    listed_rules = list(load_policy(specs).rules)
    if not policies:
        from checker.drift import RULES as DRIFT_RULES

        listed_rules += DRIFT_RULES
    catalogue = sorted(listed_rules, key=lambda r: r.id)
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
    """Validate policy, waiver and policy test files: structure, Cerberus schemas, regexes,
    vars, rule ids.

    A file with a top-level 'waivers' list is validated as a waivers file, one with a 'tests'
    list as a policy test file (its policies and job documents too), any other as a policy.
    Each file is validated on its own, and every file is validated; the built-in packs' vars
    are available as defaults. One line per file: 'ok' with its count of rules, waivers or
    tests, or the first problem found in it (file, line and problem). Exits 0 when every file
    is valid, 2 when any is not.

    \b
    Examples:
      bedrock-checker policy validate policies/org.yaml
      bedrock-checker policy validate policies/*.yaml waivers.yaml
    """
    from pathlib import Path

    from checker.errors import CheckerError
    from checker.policy import is_policy_tests_file, is_waivers_file, load_policy
    from checker.policy_tests import load_test_file
    from checker.waivers import load_waivers
    from checker.wording import counted

    invalid = 0
    for name in files:
        shown = no_commands(printable(name))
        try:
            if is_waivers_file(name):
                click.echo(f"{shown}: ok ({counted(len(load_waivers([name])), 'waiver')})")
            elif is_policy_tests_file(name):
                cases = load_test_file(Path(name)).cases
                click.echo(f"{shown}: ok ({counted(len(cases), 'policy test')})")
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
@click.argument(
    "folder",
    required=False,
    type=click.Path(file_okay=False, path_type=str),
    metavar="[DIR]",
)
def policy_init(folder: str | None) -> None:
    """Start an organisation policy: print it, or write it and its tests into DIR.

    Without DIR, the commented policy with allow-lists to fill in goes to standard output.
    With DIR, DIR/org.yaml and its example tests DIR/org.test.yaml are written (DIR is
    created; existing files are never replaced), ready for `policy test DIR`.

    \b
    Examples:
      bedrock-checker policy init > policies/org.yaml
      bedrock-checker policy init policies/ && bedrock-checker policy test policies/
    """
    from pathlib import Path

    from checker.cli.output import write_atomic
    from checker.errors import CheckerError
    from checker.packs import template_text

    if folder is None:
        click.echo(template_text("org"), nl=False)
        return
    targets = {Path(folder, "org.yaml"): "org", Path(folder, "org.test.yaml"): "org.test"}
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise CheckerError(f"{existing[0]}: already exists; policy init never replaces a file")
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CheckerError(f"{folder}: cannot create the folder: {exc.strerror or exc}") from exc
    for path, template in targets.items():
        write_atomic(str(path), template_text(template))
        click.echo(f"wrote {no_commands(printable(str(path)))}")


@policy.command("test")
@click.argument("paths", nargs=-1, metavar="[DIR|FILE]...")
@click.option(
    "--junit",
    "junit_file",
    metavar="FILE",
    help="Also write the results as JUnit XML, atomically ('-' for standard output). "
    "Example: --junit policy-tests.xml",
)
@click.option("--quiet", "-q", is_flag=True, help="Show only failed tests and the summary line.")
@click.pass_context
def policy_test(
    ctx: click.Context, paths: Sequence[str], junit_file: str | None, quiet: bool
) -> None:
    """Run the policy tests (*.test.yaml) in DIR (default: the working directory), or FILE.

    Each test names a job document (a file relative to the test file, or an inline mapping)
    and the outcome expected of each rule: fail, pass, unknown or not applicable, optionally
    with the field (docs/policy-tests.md). Every test file, its policies and its job
    documents are checked before any test runs. Exits 0 when every test passes, 1 when any
    fails, 2 when a test file is malformed or none is found.

    \b
    Examples:
      bedrock-checker policy test
      bedrock-checker policy test policies/ --junit policy-tests.xml
      bedrock-checker policy test policies/org.test.yaml
    """
    from checker.errors import CheckerError
    from checker.policy_tests import TEST_SUFFIXES, discover, load_test_files, run
    from checker.wording import counted

    given = list(paths) or ["."]
    found = discover(given)
    if not found:
        raise CheckerError(
            f"no policy test files ({', '.join('*' + s for s in TEST_SUFFIXES)}) in "
            f"{', '.join(given)}"
        )
    results = run(load_test_files(found))
    failed = [result for result in results if not result.passed]
    to_stderr = junit_file == "-"  # standard output carries the XML
    for result in results:
        if quiet and result.passed:
            continue
        where = f"{result.case.origin.describe()}: {result.case.name}"
        status = "PASS" if result.passed else "FAIL"
        click.echo(f"{status}  {no_commands(printable(where))}", err=to_stderr)
        problems = [d.describe() for d in result.differences]
        if result.error is not None:
            problems.append(f"the job could not be evaluated: {result.error}")
        for problem in problems:
            click.echo(f"      {no_commands(printable(problem))}", err=to_stderr)
    if junit_file is not None:
        from checker.cli.output import write_atomic
        from checker.reports.junit import render_policy_tests

        xml = render_policy_tests(results)
        if junit_file == "-":
            click.echo(xml, nl=False)
        else:
            write_atomic(junit_file, xml)
    click.echo(
        f"{counted(len(results), 'policy test')} in {counted(len(found), 'file')}: "
        f"{len(results) - len(failed)} passed, {len(failed)} failed",
        err=to_stderr,
    )
    if failed:
        ctx.exit(1)
