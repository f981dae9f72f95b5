"""YAML text -> documents with the line of every key, for ``checker.parsing.parse_yaml``.

A module of its own so that PyYAML is imported only when a YAML file is read: a check of JSON
job files against the built-in packs (read from their parsed JSON) does without it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import yaml

from checker.errors import InputError
from checker.parsing import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_VALUES,
    MAX_YAML_NODES,
    ParsedDocument,
    _too_many_values,
)

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


# YAML values without a JSON equivalent become JSON-like as they are constructed (a walk over
# the finished document would cost as much as the parse): timestamps become ISO strings, binary
# becomes text, sets become lists and non-string keys become strings.
def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    try:
        value: datetime.date = loader.construct_yaml_timestamp(node)  # type: ignore[arg-type]
    except ValueError:  # shaped like a date but impossible (2030-02-30): keep the text
        return str(node.value)
    return value.isoformat()


def _construct_binary(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    value: bytes = loader.construct_yaml_binary(node)  # type: ignore[arg-type]
    return value.decode("utf-8", "replace")


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    value: int = loader.construct_yaml_int(node)  # type: ignore[arg-type]
    if abs(value) >= _INT_LIMIT:
        raise ValueError(f"integer has more than {MAX_INT_DIGITS} digits")
    return value


_INT_LIMIT = 10**MAX_INT_DIGITS


def _construct_set(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
    return list(loader.construct_mapping(node))  # type: ignore[arg-type]


def _construct_str_keys(self: yaml.SafeLoader, node: yaml.Node, deep: bool = False) -> Any:
    mapping = yaml.SafeLoader.construct_mapping(self, node, deep)  # type: ignore[arg-type]
    if all(isinstance(key, str) for key in mapping):
        return mapping
    return {key if isinstance(key, str) else str(key): value for key, value in mapping.items()}


for _loader in (_JobYamlLoader, _PolicyYamlLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    _loader.add_constructor("tag:yaml.org,2002:binary", _construct_binary)
    _loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    _loader.add_constructor("tag:yaml.org,2002:set", _construct_set)
    _loader.construct_mapping = _construct_str_keys


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _YamlBuilder:
    """Constructs a composed YAML document and records the line of every key in one pass.

    Plain mappings, sequences and strings are built here; any other node (numbers, booleans,
    timestamps, tags, merge keys) goes through the safe loader's own constructors. Every visit
    is counted, aliases included, so an alias bomb is refused before it is expanded.
    """

    def __init__(self, loader: yaml.SafeLoader, root: yaml.Node) -> None:
        self.loader = loader
        # Job files read local tags (CloudFormation's !Ref, !Sub) as plain values.
        self.local_tags_plain = isinstance(loader, _JobYamlLoader)
        self.root = root
        self.lines: dict[str, int] = {}
        self.visited = 0

    def build(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.visited += 1
        if self.visited > MAX_YAML_NODES:
            raise InputError(
                f"YAML expands to more than {MAX_YAML_NODES} values (alias bomb?)",
                self.root.start_mark.line + 1,
            )
        if depth > MAX_DEPTH:
            raise InputError(
                f"document is nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1
            )
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR_TAG else self._construct(node)
        plain = node.tag.startswith("!") and self.local_tags_plain
        if isinstance(node, yaml.SequenceNode) and (node.tag == _SEQ_TAG or plain):
            items = []
            for index, item in enumerate(node.value):
                child = f"{path}.{index}" if path else str(index)
                self.lines.setdefault(child, item.start_mark.line + 1)
                items.append(self.build(item, child, depth + 1))
            return items
        if (
            isinstance(node, yaml.MappingNode)
            and (node.tag == _MAP_TAG or plain)
            and not any(key.tag == _MERGE_TAG for key, _ in node.value)
        ):
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    # A complex key (``? [*a, *a]``) is refused before it is ever expanded.
                    raise InputError(
                        "invalid YAML: found unhashable key "
                        f"(line {key_node.start_mark.line + 1}, column "
                        f"{key_node.start_mark.column + 1})",
                        key_node.start_mark.line + 1,
                    )
                key = key_node.value if key_node.tag == _STR_TAG else self._construct(key_node)
                key = key if isinstance(key, str) else str(key)
                child = f"{path}.{key}" if path else key
                self.lines.setdefault(child, key_node.start_mark.line + 1)
                mapping[key] = self.build(value_node, child, depth + 1)
            return mapping
        # Tagged collections, merge keys: the loader's constructors, after a bounded walk.
        self._count(node, depth)
        return self._construct(node, deep=True)

    def _construct(self, node: yaml.Node, deep: bool = False) -> Any:
        """The safe loader's constructor, its failures on impossible values as InputError.

        PyYAML checks a typed value only by converting it, and lets the converter's error out:
        ``!!int x``, ``!!bool x``, ``!!timestamp x``, or an integer of more than 4,300 digits.
        """
        try:
            return self.loader.construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            text = node.value if isinstance(node, yaml.ScalarNode) else ""
            shown = repr(text[:40] + "..." if len(text) > 40 else text) + " " if text else ""
            mark = node.start_mark
            raise InputError(
                f"invalid YAML: cannot read {shown}as {tag} "
                f"(line {mark.line + 1}, column {mark.column + 1})",
                mark.line + 1,
            ) from exc

    def _count(self, node: yaml.Node, depth: int) -> None:
        stack = [(node, depth)]
        while stack:
            current, level = stack.pop()
            self.visited += 1
            if self.visited > MAX_YAML_NODES or level > MAX_DEPTH:
                self.build(current, "", level)  # raises the matching error
            if isinstance(current, yaml.MappingNode):
                for key_node, value_node in current.value:
                    stack.extend(((key_node, level + 1), (value_node, level + 1)))
            elif isinstance(current, yaml.SequenceNode):
                stack.extend((item, level + 1) for item in current.value)


def _yaml_error(exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError) and "constructor" in str(problem):
        problem = f"unsupported YAML tag {getattr(exc, 'problem', '')!s}".replace(
            "could not determine a constructor for the tag ", ""
        )
    if "maximum nesting depth" in str(problem):  # libyaml's own limit (PyYAML 6.0.4 and later)
        line = mark.line + 1 if mark is not None else None
        return InputError(f"document is nested more than {MAX_DEPTH} levels deep", line)
    if mark is None:
        return InputError(f"invalid YAML: {problem}")
    return InputError(
        f"invalid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})", mark.line + 1
    )


# libyaml's composer recurses in C without a limit: some 25,000 nested collections overflow the
# stack and kill the process. Each level needs a "[", "{", "-", "?" or a new line (at most two
# levels each), so text with few of them is safe. The composer also builds every node before
# the builder below can count them: a 50 MB flow list would take gigabytes. Each node but the
# first needs one of those characters or a "," or ":" (at most two nodes each), so text with
# few of them is small enough; other text is measured on the event stream, which is read one
# event at a time, before anything is composed.
_SAFE_NESTING = 5_000
_LINE_BREAKS = "\n\r\x85\u2028\u2029"
_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)


def _check_events(text: str, loader_class: type[yaml.SafeLoader]) -> None:
    nesting = 2 * sum(text.count(char) for char in "[{-?" + _LINE_BREAKS)
    nodes = nesting + 2 * (text.count(",") + text.count(":")) + 2
    if nesting < _SAFE_NESTING and nodes <= MAX_YAML_NODES:
        return
    depth = in_document = in_file = 0
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, _NODE_EVENTS):
            in_document += 1
            in_file += 1
            line = event.start_mark.line + 1 if event.start_mark else None
            if in_document > MAX_YAML_NODES:
                raise InputError(f"YAML document holds more than {MAX_YAML_NODES:,} values", line)
            if in_file > MAX_VALUES:
                raise _too_many_values("file")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise InputError(f"document is nested more than {MAX_DEPTH} levels deep", line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.DocumentStartEvent):
            in_document = 0


def parse_yaml(text: str, *, strict_tags: bool = False) -> Iterator[ParsedDocument]:
    """Every document of a YAML stream, safely constructed, with key lines."""
    loader_class = _PolicyYamlLoader if strict_tags else _JobYamlLoader
    loader = loader_class(text)
    try:
        _check_events(text, loader_class)
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            builder = _YamlBuilder(loader, node)
            data = builder.build(node, "", 1)
            yield ParsedDocument(data, builder.lines, node.start_mark.line + 1)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from exc
    except RecursionError as exc:
        raise InputError(f"document is nested more than {MAX_DEPTH} levels deep") from exc
    finally:
        loader.dispose()
