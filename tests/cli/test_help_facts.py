"""Help text says what the code does: repeatable options accept two values and the others
refuse a second, defaults named in help are the defaults used, and verbs fit the command."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from helpers.cli import run

from checker.cli import cli
from checker.packs import builtin_names
from checker.policy import DEFAULT_POLICIES


def commands() -> Iterator[tuple[str, click.Command]]:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            yield from ((f"{name} {sub}", c) for sub, c in command.commands.items())
        else:
            yield name, command


def options() -> list[tuple[str, click.Option]]:
    return [
        (name, param)
        for name, command in commands()
        for param in command.params
        if isinstance(param, click.Option)
    ]


def help_of(option: click.Option) -> str:
    return " ".join((option.help or "").split())


@pytest.mark.parametrize(("command", "option"), options(), ids=lambda v: getattr(v, "name", v))
def test_repeatable_in_the_help_exactly_when_several_values_are_taken(
    command: str, option: click.Option
) -> None:
    text = help_of(option)
    says_repeatable = "repeatable" in text
    refuses_a_second = option.callback is not None and "at_most_one" in option.callback.__name__
    assert says_repeatable == (option.multiple and not refuses_a_second), (command, option.opts)
    if refuses_a_second:
        assert "once at most" in text, (command, option.opts)


REGION_AND_ROLE = {
    # command: (region repeatable, assume-role repeatable)
    "scan": (True, True),
    "snapshot": (True, True),
    "get": (False, False),
    "check": (False, True),  # with --deep
    "drift": (True, True),
}


@pytest.mark.parametrize("command", sorted(REGION_AND_ROLE))
@pytest.mark.parametrize("option", ["--region", "--assume-role"])
def test_a_second_region_or_role_is_taken_or_refused_as_the_help_says(
    command: str, option: str
) -> None:
    values = {
        "--region": ("us-east-1", "eu-west-1"),
        "--assume-role": (
            "arn:aws:iam::111122223333:role/A",
            "arn:aws:iam::444455556666:role/B",
        ),
    }[option]
    repeatable = REGION_AND_ROLE[command][option == "--assume-role"]
    params = {p.opts[0]: p for p in cli.commands[command].params}  # type: ignore[union-attr]
    assert ("repeatable" in help_of(params[option])) is repeatable  # type: ignore[arg-type]

    required = {
        "check": ["examples/", "--deep"],
        "snapshot": ["--out", "x"],
        "get": ["--job-identifier", "j"],
        "scan": [],
        "drift": ["examples/"],
    }[command]
    args = [*required, option, values[0], option, values[1]]
    if repeatable:
        # Parsed only: both values reach the command.
        ctx = cli.commands[command].make_context(command, args)  # type: ignore[union-attr]
        assert ctx.params[params[option].name] == values  # type: ignore[index]
    else:
        result = run(command, *args)
        assert result.exit_code == 2
        assert f"'{option}': give it at most once for this command" in result.stderr


def test_get_does_not_offer_max_concurrency() -> None:
    result = run("get", "--help")
    assert "--max-concurrency" not in result.stdout
    assert "--max-concurrency" in run("scan", "--help").stdout


def test_the_policy_default_in_the_help_is_the_default_used() -> None:
    check_help = " ".join(run("check", "--help").stdout.split())
    assert f"Default: {' '.join(DEFAULT_POLICIES)}." in check_help
    rules_help = " ".join(run("rules", "--help").stdout.split())
    assert "Default: every built-in pack, and the drift rules." in rules_help
    assert "Default: builtin:baseline" not in rules_help
    listed = run("rules", "--format", "json").stdout
    for name in builtin_names():
        assert name in rules_help
        assert f'"pack": "{name}"' in listed  # every built-in pack is listed by default
    assert '"id": "BMC409"' in listed and '"pack": "drift"' in listed
    chosen = run("rules", "--policy", "builtin:baseline", "--format", "json").stdout
    assert '"pack": "drift"' not in chosen


def test_each_command_says_what_it_does_with_a_model_identifier() -> None:
    assert "Evaluate the job that produced" in " ".join(run("scan", "--help").stdout.split())
    snapshot_help = " ".join(run("snapshot", "--help").stdout.split())
    assert "Write the job that produced" in snapshot_help
    assert "Evaluate" not in snapshot_help


@pytest.mark.parametrize(("command", "option"), options(), ids=lambda v: getattr(v, "name", v))
def test_a_shown_default_is_not_contradicted_by_the_help(
    command: str, option: click.Option
) -> None:
    text = help_of(option).lower()
    if option.show_default and option.default not in (None, False, ()):
        for marker in ("default: ", "(default "):
            if marker in text:
                stated = text.split(marker, 1)[1]
                assert stated.startswith(str(option.default).lower()), (command, option.opts)
