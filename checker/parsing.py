"""Safe JSON and YAML parsing that remembers the line of every key.

Each parser returns ``ParsedDocument`` values: the data plus a map from dotted paths
(``vpcConfig.subnetIds.0``) to 1-based line numbers, so findings can point at the offending key.
Nothing here can execute code: YAML goes through the safe loader, and Python tags are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from checker.errors import InputError

MAX_DEPTH = 64
MAX_YAML_NODES = 200_000  # per document, after alias expansion; stops "billion laughs"
# Values (objects, arrays, strings, numbers, ...) in one JSON or YAML file, counted before the
# parser builds them, so that memory stays bounded whatever the file's shape.
MAX_VALUES = 1_000_000
# Python refuses to print integers of more than 4,300 digits; YAML's hex, octal, binary and
# sexagesimal forms can write larger ones in fewer characters.
MAX_INT_DIGITS = 4_300


class ParsedDocument(NamedTuple):
    """A document with the line of every key. A NamedTuple rather than a frozen dataclass: it
    is defined at every start, and a dataclass takes its module about 0.4 ms to define."""

    data: Any
    lines: dict[str, int]
    line: int = 1  # the line the document starts on


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse absurdly nested documents before anything recursive touches them."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise InputError(f"document is nested more than {limit} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


# ---------------------------------------------------------------------------------------------
# JSON

# Strings and structural characters only: scalars need no visit (list items are counted by
# their commas), which keeps this pass cheap next to json.loads. The possessive repeats keep no
# backtracking state: memory stays constant however long a string is (a plain group repeat
# costs the regex engine about 100 bytes per character).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[{}\[\],]')


def _json_key_lines(text: str) -> dict[str, int]:
    """Map dotted paths to lines by tokenising JSON text that is already known to be valid.

    Also refuses documents nested deeper than MAX_DEPTH, which later stages walk recursively.
    """
    lines: dict[str, int] = {}
    line = 1  # the line of ``position``: counted as the tokens go, never stored per newline
    position = 0
    paths: list[str] = []  # path of each open container
    is_object: list[bool] = []
    index: list[int] = []  # next item index of each open list
    expecting_key = False
    pending = ""  # path of the value that follows the last key
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == ",":
            if is_object[-1]:
                expecting_key = True
            else:
                index[-1] += 1
            continue
        if first in "}]":
            paths.pop()
            is_object.pop()
            index.pop()
            expecting_key = False
            continue
        if expecting_key:  # a string in key position
            key = token[1:-1] if "\\" not in token else json.loads(token)
            pending = f"{paths[-1]}.{key}" if paths[-1] else key
            start = match.start()
            line += text.count("\n", position, start)
            position = start
            lines[pending] = line
            expecting_key = False
            continue
        if not paths:
            path = ""
        elif is_object[-1]:
            path = pending
        else:
            path = f"{paths[-1]}.{index[-1]}" if paths[-1] else str(index[-1])
            start = match.start()
            line += text.count("\n", position, start)
            position = start
            lines.setdefault(path, line)
        if first in "{[":
            if len(paths) >= MAX_DEPTH:
                line += text.count("\n", position, match.start())
                raise InputError(f"document is nested more than {MAX_DEPTH} levels deep", line)
            paths.append(path)
            is_object.append(first == "{")
            index.append(0)
            expecting_key = first == "{"
    return lines


_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')


def _too_many_values(what: str) -> InputError:
    return InputError(f"{what} holds more than {MAX_VALUES:,} values")


def check_json_values(text: str) -> None:
    """Refuse JSON text of more than MAX_VALUES values before it is parsed.

    Each value but the first follows a comma or opens a container, so counting those outside
    strings bounds the count; the strings are stripped only when the quick count is too high.
    """
    if sum(text.count(char) for char in ",[{") < MAX_VALUES:
        return
    code = _JSON_STRING.sub("", text)
    if sum(code.count(char) for char in ",[{") >= MAX_VALUES:
        raise _too_many_values("document")


def _json_error(exc: json.JSONDecodeError) -> InputError:
    return InputError(
        f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", exc.lineno
    )


def _number_error(exc: ValueError, what: str = "JSON", line: int | None = None) -> InputError:
    """json.loads refuses integers of more than 4,300 digits with a plain ValueError."""
    reason = str(exc).split(";")[0]  # drop the advice to call sys.set_int_max_str_digits()
    where = f" (line {line})" if line is not None else ""
    return InputError(f"invalid {what}: {reason}{where}", line)


# A JSON escape of a lone surrogate ("\ud800") decodes to a str that cannot be written as UTF-8
# (nor hashed for a fingerprint): such characters become U+FFFD, as undecodable bytes would.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(data: Any) -> Any:
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_surrogates(item) for item in data]
    return data


def parse_json(text: str) -> ParsedDocument:
    check_json_values(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_error(exc) from exc
    except RecursionError as exc:
        raise InputError(f"document is nested more than {MAX_DEPTH} levels deep") from exc
    except ValueError as exc:
        raise _number_error(exc) from exc
    start = text.count("\n", 0, len(text) - len(text.lstrip())) + 1
    lines = _json_key_lines(text)  # also refuses deep nesting before the recursive walk below
    if _SURROGATE_ESCAPE.search(text):
        data = _replace_surrogates(data)
        lines = {_SURROGATE.sub("\ufffd", path): line for path, line in lines.items()}
    return ParsedDocument(data, lines, start)


def parse_json_lines(text: str) -> Iterator[ParsedDocument | InputError]:
    """JSON Lines: one document per non-blank line, each key on its line.

    A bad line is yielded as an InputError in its place, so the good lines around it are kept.
    """
    check_json_values(text)
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            check_depth(data)
        except json.JSONDecodeError as exc:
            yield InputError(
                f"invalid JSON Lines: {exc.msg} (line {number}, column {exc.colno})", number
            )
            continue
        except (RecursionError, InputError):
            yield InputError(
                f"line {number}: document is nested more than {MAX_DEPTH} levels deep", number
            )
            continue
        except ValueError as exc:
            yield _number_error(exc, "JSON Lines", number)
            continue
        if _SURROGATE_ESCAPE.search(raw):
            data = _replace_surrogates(data)
        yield ParsedDocument(data, {}, number)


def looks_like_json_lines(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines)


# ---------------------------------------------------------------------------------------------
# YAML (checker/yaml_parsing.py)


def parse_yaml(text: str, *, strict_tags: bool = False) -> Iterator[ParsedDocument]:
    """Every document of a YAML stream, safely constructed, with key lines."""
    from checker.yaml_parsing import parse_yaml as parse  # PyYAML only when YAML is read

    return parse(text, strict_tags=strict_tags)


def decode(raw: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM) only, binary refused with a clear message."""
    if b"\x00" in raw[:8192]:
        raise InputError("binary file, not a text document")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line})",
            line,
        ) from exc


def group_lines(lines: dict[str, int]) -> dict[str, dict[str, int]]:
    """Split a line map by its first path segment, in one pass (bulk files hold many jobs)."""
    groups: dict[str, dict[str, int]] = {}
    for path, line in lines.items():
        head, _, rest = path.partition(".")
        if rest:
            groups.setdefault(head, {})[rest] = line
    return groups
