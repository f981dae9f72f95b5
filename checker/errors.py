"""The one error type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations

import re

# Every character str.splitlines() breaks at.
_LINE_BREAK = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


class CheckerError(Exception):
    """A usage, policy or configuration problem: nothing can be evaluated.

    The message starts with the thing that is wrong, e.g.
    ``policies/org.yaml:14: rule ORG003: unknown rule 'alowed'``.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Keys, ids and regexes quoted from a user's file may hold line breaks; escaped, the
        # message stays the one line the CLI promises.
        super().__init__(_LINE_BREAK.sub(lambda m: repr(m.group())[1:-1], message))


class InputError(Exception):
    """One input (file or job) could not be read; it becomes an error result, not a crash."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
