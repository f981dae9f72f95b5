"""A quick "no error here" for simple rule schemas, before Cerberus is asked.

Cerberus's fixed cost per validation (a child validator for every nested schema, every time) is
most of the time of a rule whose values differ from job to job, which the verdict cache cannot
help: BMC006 and BMC011 compare each job's own S3 locations. For a schema made only of nested
``type``/``schema``/``required`` and custom rules with a plain-function form (see
``vocabulary.PLAIN_RULES``), ``compile_schema`` builds a function that says whether a document
certainly passes. It never decides a failure: when it says anything but "passes", Cerberus
validates as before, so every error and message still comes from Cerberus. A test compares the
two on every built-in rule and generated jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from checker.vocabulary import PLAIN_RULES

# root document, dotted path, value -> True when the value certainly passes
_Check = Callable[[Mapping[str, Any], str, Any], bool]
Precheck = Callable[[Mapping[str, Any]], bool]
_TYPES: dict[str, type] = {"string": str, "dict": dict}


def compile_schema(schema: Mapping[str, Any] | None) -> Precheck | None:
    """The quick check of a rule's schema, or None when the schema uses anything else."""
    if not isinstance(schema, Mapping):
        return None
    fields = _fields(schema)
    if fields is None:
        return None

    def passes(document: Mapping[str, Any]) -> bool:
        return all(check(document, "", document) for check in fields)

    return passes


def _fields(schema: Mapping[str, Any]) -> list[_Check] | None:
    checks: list[_Check] = []
    for name, rules in schema.items():
        check = _field(str(name), rules) if isinstance(rules, Mapping) else None
        if check is None:
            return None
        checks.append(check)
    return checks


def _field(name: str, rules: Mapping[str, Any]) -> _Check | None:
    rules = dict(rules)
    required = rules.pop("required", False)
    types = _types(rules.pop("type", None))
    nested = rules.pop("schema", None)
    if types is None or not isinstance(required, bool):
        return None
    plain: list[tuple[Callable[..., bool], Any]] = []
    for rule, constraint in rules.items():
        if rule not in PLAIN_RULES:
            return None
        plain.append((PLAIN_RULES[rule], constraint))
    checks: list[_Check] = []
    if nested is not None:
        # A nested mapping schema; a list's item schema is left to Cerberus.
        inner = _fields(nested) if types == (dict,) and isinstance(nested, Mapping) else None
        if inner is None:
            return None
        checks = inner

    def check(root: Mapping[str, Any], parent: str, container: Any) -> bool:
        if name not in container:
            return not required
        value = container[name]
        if value is None or (types and not isinstance(value, types)):
            return False  # Cerberus has something to say
        path = f"{parent}.{name}" if parent else name
        return all(rule(root, path, value, constraint) for rule, constraint in plain) and all(
            each(root, path, value) for each in checks
        )

    return check


def _types(declared: Any) -> tuple[type, ...] | None:
    """The Python types of a ``type`` rule (empty: no type rule); None for any other type."""
    if declared is None:
        return ()
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not all(name in _TYPES for name in names):
        return None
    return tuple(_TYPES[name] for name in names)
