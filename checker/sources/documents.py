"""Safe JSON and YAML parsing that remembers the line of every key.

Each parser returns ``ParsedDocument`` values: the data plus a map from dotted paths
(``vpcConfig.subnetIds.0``) to 1-based line numbers, so findings can point at the offending key.
Nothing here can execute code: YAML goes through the safe loader, and Python tags are refused.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from checker.errors import InputError

MAX_DEPTH = 64
MAX_YAML_NODES = 200_000  # after alias expansion; stops "billion laughs" documents

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ParsedDocument:
    data: Any
    lines: dict[str, int]
    line: int = 1  # the line the document starts on


class _JobYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe loader that reads local tags such as CloudFormation's ``!Ref`` as plain values.

    Files in a repository often carry such tags; they are not job documents but must not stop a
    directory walk. Global tags outside the YAML core schema (``!!python/object``) stay refused.
    """


class _PolicyYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """The strict safe loader for policy and waiver files: no custom tags at all."""


def _construct_local_tag(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_JobYamlLoader.add_multi_constructor("!", _construct_local_tag)


def _plain(value: Any) -> Any:
    """YAML timestamps, sets and binary become JSON-like values."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


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

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


def _json_key_lines(text: str) -> dict[str, int]:
    """Map dotted paths to lines by tokenising JSON text that is already known to be valid."""
    lines: dict[str, int] = {}
    line = 1
    last = 0
    # Each frame: [path, is_object, next list index, pending key]
    stack: list[list[Any]] = []
    expecting_key = False
    for match in _JSON_TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        token = match.group()
        frame = stack[-1] if stack else None
        if token in ",:":
            if token == "," and frame is not None and frame[1]:
                expecting_key = True
            continue
        if token in "}]":
            stack.pop()
            continue
        if frame is not None and frame[1] and expecting_key and token.startswith('"'):
            key = json.loads(token)
            frame[3] = f"{frame[0]}.{key}" if frame[0] else key
            lines[frame[3]] = line
            expecting_key = False
            continue
        # A value: work out its path.
        if frame is None:
            path = ""
        elif frame[1]:
            path = frame[3]
        else:
            path = f"{frame[0]}.{frame[2]}" if frame[0] else str(frame[2])
            frame[2] += 1
            lines.setdefault(path, line)
        if token == "{":
            stack.append([path, True, 0, ""])
            expecting_key = True
        elif token == "[":
            stack.append([path, False, 0, ""])
    return lines


def _json_error(exc: json.JSONDecodeError) -> InputError:
    return InputError(
        f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", exc.lineno
    )


def parse_json(text: str) -> ParsedDocument:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_error(exc) from exc
    except RecursionError as exc:
        raise InputError(f"document is nested more than {MAX_DEPTH} levels deep") from exc
    check_depth(data)
    return ParsedDocument(data, _json_key_lines(text))


def parse_json_lines(text: str) -> Iterator[ParsedDocument | InputError]:
    """JSON Lines: one document per non-blank line, each key on its line.

    A bad line is yielded as an InputError in its place, so the good lines around it are kept.
    """
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
        yield ParsedDocument(data, {}, number)


def looks_like_json_lines(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines)


# ---------------------------------------------------------------------------------------------
# YAML


def _yaml_node_lines(root: yaml.Node) -> tuple[dict[str, int], int]:
    """Lines of every key, walking the node graph iteratively; counts alias expansion."""
    lines: dict[str, int] = {}
    visited = 0
    stack: list[tuple[yaml.Node, str, int]] = [(root, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        visited += 1
        if visited > MAX_YAML_NODES:
            raise InputError(
                f"YAML expands to more than {MAX_YAML_NODES} values (alias bomb?)",
                root.start_mark.line + 1,
            )
        if depth > MAX_DEPTH:
            raise InputError(
                f"document is nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1
            )
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                # A complex key (``? [*a, *a]``) cannot be hashed and is refused when constructed;
                # str() of its node would render every alias expansion (a bomb in a key).
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                child = f"{path}.{key}" if path else key
                lines.setdefault(child, key_node.start_mark.line + 1)
                stack.append((value_node, child, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{path}.{index}" if path else str(index)
                lines.setdefault(child, item.start_mark.line + 1)
                stack.append((item, child, depth + 1))
    return lines, root.start_mark.line + 1


def _yaml_error(exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError) and "constructor" in str(problem):
        problem = f"unsupported YAML tag {getattr(exc, 'problem', '')!s}".replace(
            "could not determine a constructor for the tag ", ""
        )
    if mark is None:
        return InputError(f"invalid YAML: {problem}")
    return InputError(
        f"invalid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})", mark.line + 1
    )


# libyaml's composer recurses in C without a limit: some 25,000 nested collections overflow the
# stack and kill the process. Each level needs a "[", "{", "-", "?" or a new line (at most two
# levels each), so text with few of them is safe; other text is measured on the event stream.
_SAFE_NESTING = 5_000


def _check_event_depth(text: str, loader_class: type[yaml.SafeLoader]) -> None:
    if 2 * sum(text.count(char) for char in "[{-?\n\r\x85\u2028\u2029") < _SAFE_NESTING:
        return
    depth = 0
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise InputError(f"document is nested more than {MAX_DEPTH} levels deep", line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_yaml(text: str, *, strict_tags: bool = False) -> Iterator[ParsedDocument]:
    """Every document of a YAML stream, safely constructed, with key lines."""
    loader_class = _PolicyYamlLoader if strict_tags else _JobYamlLoader
    loader = loader_class(text)
    try:
        _check_event_depth(text, loader_class)
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            lines, start = _yaml_node_lines(node)
            data = _plain(loader.construct_document(node))
            yield ParsedDocument(data, lines, start)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from exc
    except RecursionError as exc:
        raise InputError(f"document is nested more than {MAX_DEPTH} levels deep") from exc
    finally:
        loader.dispose()


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
