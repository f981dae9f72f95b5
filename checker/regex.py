"""Policy ``regex`` rules, matched by RE2: time linear in the value, whatever the pattern.

Python's own engine backtracks: ``(a+)+$`` against 28 characters takes seconds, and every two
more characters four times as long. RE2 has no backreferences or lookaround, so a pattern that
needs them is refused when the policy is loaded.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


class RegexError(ValueError):
    """A pattern RE2 does not accept; the message says why."""


@lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> Any:
    """The compiled RE2 pattern (cached: a rule's pattern is compiled once per run)."""
    try:
        import re2  # only policies that use regex pay for the import
    except ImportError as exc:  # a bundle without compiled extensions (guard's Lambda zip)
        raise RegexError("google-re2, which policy regexes need, is not installed") from exc

    options = re2.Options()
    options.log_errors = False  # RE2 would print parse errors on stderr itself
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise RegexError(text) from exc


def fullmatch(pattern: str, value: str) -> bool:
    """Whether the whole value matches the pattern."""
    return compile_regex(pattern).fullmatch(value) is not None
