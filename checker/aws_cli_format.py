"""Print a value the way the AWS CLI does: ``--query`` (JMESPath), then json, yaml or text."""

from __future__ import annotations

import json
from typing import Any

import yaml

from checker.errors import CheckerError

OUTPUTS = ("json", "yaml", "text")


def render(value: Any, output: str, query: str | None = None) -> str:
    """``value`` after the JMESPath ``query``, in the AWS CLI's ``--output`` format."""
    if query:
        import jmespath  # ships with botocore
        from jmespath.exceptions import JMESPathError

        try:
            value = jmespath.search(query, value)
        except JMESPathError as exc:
            raise CheckerError(f"--query {query}: {str(exc).splitlines()[0]}") from exc
    if output == "json":
        return json.dumps(value, indent=4, ensure_ascii=False) + "\n"
    if output == "yaml":
        text = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)
        return text.removesuffix("...\n")  # the end marker PyYAML adds after a bare scalar
    if output == "text":
        lines: list[str] = []
        _text(value, lines)
        return "".join(f"{line}\n" for line in lines)
    raise CheckerError(f"--output {output}: expected one of {', '.join(OUTPUTS)}")


# The AWS CLI's text format: a mapping's scalar values on one tab-separated line (keys sorted,
# prefixed by the upper-cased key it sits under), then each nested value below it; a list of
# mappings shares one column order. None prints as "None", as in the AWS CLI.


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
    scalars = [str(mapping.get(key)) for key in keys]
    if scalars:
        lines.append("\t".join([identifier.upper(), *scalars] if identifier else scalars))
    for key in sorted(k for k, v in mapping.items() if not _scalar(v)):
        _text(mapping[key], lines, key)


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)
