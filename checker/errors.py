"""The one error type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class CheckerError(Exception):
    """A usage, policy or configuration problem: nothing can be evaluated.

    The message starts with the thing that is wrong, e.g.
    ``policies/org.yaml:14: rule ORG003: unknown rule 'alowed'``.
    """

    exit_code = 2


class InputError(Exception):
    """One input (file or job) could not be read; it becomes an error result, not a crash."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
