"""CloudFormation templates in YAML, for ``checker.sources.cloudformation.parse_yaml``: the
short-form tags (``!Ref``, ``!Sub``, ...) read as the intrinsic functions they stand for.

A module of its own so that PyYAML is imported only when a YAML file is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from checker import parsing
from checker.errors import InputError


class _TemplateLoader(yaml.SafeLoader):
    """The safe loader; tags are turned into CloudFormation's long form by ``_TemplateBuilder``."""


def _long_form(tag: str, value: Any) -> dict[str, Any]:
    """``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ..."""
    name = tag[1:]
    if name in ("Ref", "Condition"):
        return {name: value}
    if name == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{name}": value}


class _TemplateBuilder:
    """Builds a composed YAML document like the job parser does (key lines, bounded visits),
    but keeps each local tag as the intrinsic function it stands for."""

    def __init__(self, loader: _TemplateLoader) -> None:
        self.loader = loader
        self.lines: dict[str, int] = {}
        self.visited = 0

    def build(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.visited += 1
        if self.visited > parsing.MAX_YAML_NODES or depth > parsing.MAX_DEPTH:
            raise InputError("YAML is too large or too deeply nested", node.start_mark.line + 1)
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = self._construct(node)
        elif isinstance(node, yaml.SequenceNode):
            value = []
            for index, item in enumerate(node.value):
                child = f"{path}.{index}" if path else str(index)
                self.lines.setdefault(child, item.start_mark.line + 1)
                value.append(self.build(item, child, depth + 1))
        elif isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)  # merge keys (<<)
            value = {}
            for key_node, value_node in node.value:
                key = self._construct(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if key is None or isinstance(key, dict | list):
                    raise InputError(
                        "invalid YAML: a mapping key must be a scalar", key_node.start_mark.line + 1
                    )
                key = str(key)
                child = f"{path}.{key}" if path else key
                self.lines.setdefault(child, key_node.start_mark.line + 1)
                value[key] = self.build(value_node, child, depth + 1)
        else:  # pragma: no cover - composed nodes are of the three kinds
            raise InputError("invalid YAML", node.start_mark.line + 1)
        if node.tag.startswith("!"):
            return _long_form(node.tag, value)
        return value

    def _construct(self, node: yaml.ScalarNode) -> Any:
        if node.tag == "tag:yaml.org,2002:str" or node.tag.startswith("!"):
            return node.value
        try:
            value = self.loader.construct_object(node)
        except (ValueError, TypeError, yaml.YAMLError) as exc:
            raise InputError(
                f"invalid YAML: cannot read {node.value[:40]!r} (line {node.start_mark.line + 1})",
                node.start_mark.line + 1,
            ) from exc
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value


def parse_yaml(text: str) -> Iterator[parsing.ParsedDocument]:
    """Every document of a YAML template, short-form tags in their long form, with key lines."""
    checked = list(parsing.parse_yaml(text))  # the job parser's limits and error messages
    loader = _TemplateLoader(text)
    try:
        for index in range(len(checked)):
            node = loader.get_node() if loader.check_node() else None
            if node is None:
                break
            builder = _TemplateBuilder(loader)
            data = builder.build(node, "", 1)
            yield parsing.ParsedDocument(data, builder.lines, checked[index].line)
    except (yaml.YAMLError, RecursionError) as exc:
        raise InputError(f"invalid YAML: {str(exc).splitlines()[0]}") from exc
    finally:
        loader.dispose()
