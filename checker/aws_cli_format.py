"""Print a value the way the AWS CLI does: ``--query`` (JMESPath), then json, yaml, text or table.

Shared by ``get`` (jobs from AWS), ``show`` (job files) and ``scan --query`` (the JSON report).
The format and timestamp settings are the AWS CLI's: ``--output``, else ``AWS_DEFAULT_OUTPUT``,
else the profile's ``output``, else json; ``cli_timestamp_format`` from the profile.
"""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from checker.errors import CheckerError

OUTPUTS = ("json", "yaml", "text", "table")
TIMESTAMP_FORMATS = ("iso8601", "none", "wire")  # none and wire: as the service sent them


def choose_output(given: str | None, profile_output: str | None = None) -> str:
    """--output, else AWS_DEFAULT_OUTPUT, else the profile's ``output``, else json."""
    for value, source in (
        (given, "--output"),
        (os.environ.get("AWS_DEFAULT_OUTPUT"), "AWS_DEFAULT_OUTPUT"),
        (profile_output, "the profile's output"),
    ):
        if value:
            if value not in OUTPUTS:
                raise CheckerError(f"{source} {value}: expected one of {', '.join(OUTPUTS)}")
            return value
    return "json"


def check_query(query: str | None) -> None:
    """A syntax error in ``query`` as a usage error, before anything is read or fetched."""
    if query:
        _evaluate(None, query, compile_only=True)


def apply_query(value: Any, query: str | None) -> Any:
    """``value`` after the JMESPath ``query``; a bad expression is shown with a caret."""
    return _evaluate(value, query) if query else value


def _evaluate(value: Any, query: str, *, compile_only: bool = False) -> Any:
    import jmespath  # ships with botocore
    from jmespath.exceptions import JMESPathError

    try:
        expression = jmespath.compile(query)
        return None if compile_only else expression.search(value)
    except JMESPathError as exc:
        message = f"--query {query}: {str(exc).splitlines()[0].rstrip(':')}"
        position = getattr(exc, "lex_position", None)
        if isinstance(position, int):
            # As the AWS CLI: the expression below the message, a caret under the bad token.
            raise QueryError(message, query, position) from exc
        raise CheckerError(message) from exc


class QueryError(CheckerError):
    """A JMESPath syntax error: one line, then the expression with a caret under the error."""

    def __init__(self, message: str, query: str, position: int) -> None:
        super().__init__(message)
        self.expression = query
        self.position = position

    def caret_lines(self) -> list[str]:
        return [self.expression, " " * self.position + "^"]


def render(value: Any, output: str, query: str | None = None, title: str = "") -> str:
    """``value`` after the JMESPath ``query``, in the AWS CLI's ``--output`` format."""
    value = apply_query(value, query)
    if output == "json":
        return json.dumps(value, indent=4, ensure_ascii=False) + "\n"
    if output == "yaml":
        text = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)
        return text.removesuffix("...\n")  # the end marker PyYAML adds after a bare scalar
    if output == "text":
        lines: list[str] = []
        _text(value, lines)
        return "".join(f"{line}\n" for line in lines)
    if output == "table":
        from checker.aws_cli_table import table

        return table(value, title)
    raise CheckerError(f"--output {output}: expected one of {', '.join(OUTPUTS)}")


# The AWS CLI's text format: a mapping's scalar values on one tab-separated line (keys sorted,
# prefixed by the upper-cased key it sits under), then each nested value below it; a list of
# mappings shares one column order, and a mapping without one of its keys leaves that field
# empty. None prints as "None", as in the AWS CLI.

_ABSENT = object()


def _text(value: Any, lines: list[str], identifier: str | None = None) -> None:
    if isinstance(value, dict):
        _text_dict(value, lines, identifier, None)
    elif isinstance(value, list):
        _text_list(value, lines, identifier)
    else:
        lines.append(str(value))


def _text_list(items: list[Any], lines: list[str], identifier: str | None) -> None:
    if not items:
        return
    if any(isinstance(item, dict) for item in items):
        columns = sorted(
            {k for item in items if isinstance(item, dict) for k, v in item.items() if _scalar(v)}
        )
        for item in items:
            if isinstance(item, dict):
                _text_dict(item, lines, identifier, columns)
            else:
                _text(item, lines, identifier)
        return
    scalars = [item for item in items if _scalar(item)]
    if scalars:
        if identifier is None:
            lines.append("\t".join(str(item) for item in scalars))
        else:
            lines.extend(f"{identifier.upper()}\t{item}" for item in scalars)
    for nested in (item for item in items if not _scalar(item)):
        _text(nested, lines, identifier)


def _text_dict(
    mapping: dict[str, Any], lines: list[str], identifier: str | None, columns: list[str] | None
) -> None:
    keys = columns if columns is not None else sorted(k for k, v in mapping.items() if _scalar(v))
    scalars = [_field(mapping.get(key, _ABSENT)) for key in keys]
    if scalars:
        lines.append("\t".join([identifier.upper(), *scalars] if identifier else scalars))
    for key in sorted(k for k, v in mapping.items() if not _scalar(v)):
        _text(mapping[key], lines, key)


def _field(value: Any) -> str:
    return "" if value is _ABSENT or not _scalar(value) else str(value)


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)
