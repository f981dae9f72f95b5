"""The command line: click only. Options in ``options``, output in ``output``, and one module
per family of commands (check/scan, get/snapshot, rules/policy, guard). The work itself is done by
checker.pipeline and the modules below it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import click

from checker import __version__
from checker.cli.options import debug_option
from checker.errors import CheckerError


class Failure(click.ClickException):
    """A CheckerError on its way out: one line on stderr, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = details

    def show(self, file: Any = None) -> None:
        from checker.reports.escape import no_commands, printable

        # The message may quote a file name or a value: shown, never obeyed by the terminal.
        message = no_commands(printable(self.format_message()))
        click.echo(f"bedrock-checker: error: {message}", err=True)
        for line in self.details:
            click.echo(no_commands(printable(line)), err=True)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup (temporary files, the pool) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise _Terminated(signum)


# Each command, and the module of checker/cli/ that defines it. A run imports only its own
# command's module (a one-file check does without the live, drift, merge, policy and guard
# commands); --help and a misspelt command still list every command.
COMMANDS = {
    "check": "check:check",
    "scan": "check:scan",
    "get": "live:get_job",
    "snapshot": "live:snapshot",
    "drift": "drift:drift",
    "merge": "merge:merge",
    "show": "show:show",
    "rules": "policy:rules",
    "policy": "policy:policy",
    "guard": "guard:guard",
}


class _Commands(MutableMapping[str, click.Command]):
    """The group's commands by name, each imported from its module when first looked up."""

    def __init__(self, where: dict[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attribute = self._where[name].split(":")
            command = getattr(importlib.import_module(f"checker.cli.{module}"), attribute)
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._where.setdefault(name, "")
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._where[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class _Group(click.Group):
    """Turns the project's errors into one line and exit 2; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Not click's "Aborted!" and exit 1, which would read as "findings".
            click.echo("bedrock-checker: interrupted", err=True)
            ctx.exit(130)
        except _Terminated as exc:
            click.echo("bedrock-checker: terminated", err=True)
            ctx.exit(128 + exc.signum)
        except CheckerError as exc:
            if ctx.meta.get("debug"):
                import traceback

                traceback.print_exc()
            # A --query syntax error shows the expression with a caret, as the AWS CLI does.
            caret = getattr(exc, "caret_lines", None)
            raise Failure(str(exc), caret() if caret else ()) from exc
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get("debug"):
                raise
            raise Failure(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)"
            ) from exc


@click.group(
    cls=_Group,
    commands=_Commands(COMMANDS),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="bedrock-checker")
@debug_option
def cli() -> None:
    """Check Amazon Bedrock model customization jobs against YAML/Cerberus policies.

    \b
    Examples:
      bedrock-checker check examples/
      bedrock-checker check jobs/ --policy builtin:baseline --policy policies/org.yaml
      bedrock-checker rules
      bedrock-checker policy init > policies/org.yaml
    """


SIGNAL_EXIT_CODES = (130, 143)


def main() -> None:
    import os
    import signal
    import sys

    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        cli(prog_name="bedrock-checker")
    except SystemExit as exc:
        if exc.code in SIGNAL_EXIT_CODES:
            # Stopped by a signal. Report files are written only once every job is evaluated
            # (and a half-written one is removed as the signal unwinds), so there is nothing
            # left to clean up; exiting at once does not wait for the requests still in flight
            # on the worker threads, which the interpreter would otherwise join at exit.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(exc.code or 0))
        raise
