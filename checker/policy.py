"""Load policy files, validate them completely, and build each rule's validators once.

A policy file is YAML: optional ``vars`` (named allow-lists and limits, referenced as ``$name``
from any rule of any loaded file) and ``rules``, each holding a Cerberus ``schema`` the
normalised job must satisfy and an optional ``when`` schema saying which jobs it is about.
The language is documented in docs/policy-language.md.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cerberus import SchemaError, Validator
from cerberus.schema import DefinitionSchema
from cerberus.validator import DocumentError

from checker import packs
from checker.errors import CheckerError, InputError
from checker.file_kinds import wrong_kind
from checker.frameworks import FRAMEWORKS as _KNOWN_FRAMEWORKS
from checker.frameworks import control_problem
from checker.model import DEFAULT_POLICIES, Origin, Rule, Severity
from checker.parsing import decode, parse_yaml
from checker.precheck import Precheck, compile_schema
from checker.regex import RegexError, compile_regex
from checker.vocabulary import ROOT_READS, JobValidator

_TEXT = r"(?s)\s*\S.*"  # some text, not only white space
_VAR = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")

_RULE_SCHEMA: dict[str, Any] = {
    "id": {"type": "string", "required": True, "regex": r"[A-Za-z][A-Za-z0-9_.-]{0,63}"},
    "title": {"type": "string", "required": True, "regex": _TEXT, "maxlength": 200},
    "description": {"type": "string", "required": True, "regex": _TEXT},
    "severity": {"type": "string", "required": True, "allowed": [s.value for s in Severity]},
    "tags": {"type": "list", "schema": {"type": "string"}},
    "remediation": {"type": "string"},
    "help_uri": {"type": "string"},
    "controls": {
        "type": "dict",
        "keysrules": {"type": "string"},
        "valuesrules": {"type": "list", "schema": {"type": "string"}},
    },
    "when": {"type": "dict"},
    "schema": {"type": "dict", "required": True, "empty": False},
}
_POLICY_SCHEMA: dict[str, Any] = {
    "version": {"type": "integer", "allowed": [1]},
    "pack": {"type": "string", "regex": r"[a-z0-9][a-z0-9_-]*"},
    "description": {"type": "string"},
    "vars": {"type": "dict", "keysrules": {"type": "string", "regex": r"[A-Za-z_][A-Za-z0-9_]*"}},
    "rules": {"type": "list", "schema": {"type": "dict", "schema": _RULE_SCHEMA}},
}


@functools.cache
def _policy_file_validator() -> Validator:
    return Validator(_POLICY_SCHEMA)


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A rule with its validators built once, and the document paths its verdict depends on."""

    rule: Rule
    validator: JobValidator
    when: JobValidator | None
    reads: tuple[str, ...] | None  # None: the verdict may depend on anything; never cached
    when_reads: tuple[str, ...] | None = ()
    # "Certainly no error" without Cerberus, for simple schemas (checker/precheck.py).
    precheck: Precheck | None = None
    when_precheck: Precheck | None = None


@dataclass(frozen=True)
class Policy:
    compiled: tuple[CompiledRule, ...]
    sources: tuple[str, ...]
    vars: Mapping[str, Any] = field(default_factory=dict)
    # Each source's SHA-256 ("sha256:<hex>") as read: what a report says the run was judged by.
    digests: Mapping[str, str] = field(default_factory=dict)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(c.rule for c in self.compiled)

    def reads(self) -> frozenset[str] | None:
        """Every document path a loaded rule (its schema or its ``when``) reads, as
        ``CompiledRule.reads`` spells them; None when some rule may read anything.

        The one answer to "what does this policy read?": the tag fetch and deep mode's choice
        of resources ask it, as the verdict cache asks each rule's own ``reads``.
        """
        found: set[str] = set()
        for compiled in self.compiled:
            for reads in (compiled.reads, compiled.when_reads):
                if reads is None:
                    return None
                found.update(reads)
        return frozenset(found)

    def reads_under(self, field: str) -> bool:
        """True when a loaded rule may read ``field`` or anything inside it."""
        reads = self.reads()
        if reads is None:
            return True
        return any(
            head == field or head.startswith(f"{field}.")
            for head in (path.partition("#")[0] for path in reads)
        )


class _Digests(Mapping[str, str]):
    """Each policy file's "sha256:<hex>" of the bytes read at load time, computed when a report
    first asks: the text report never does, and hashlib costs a one-job run's start-up."""

    def __init__(self, texts: Mapping[str, bytes]) -> None:
        self._texts = dict(texts)
        self._digests: dict[str, str] = {}

    def __getitem__(self, shown: str) -> str:
        if shown not in self._digests:
            import hashlib

            self._digests[shown] = "sha256:" + hashlib.sha256(self._texts[shown]).hexdigest()
        return self._digests[shown]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


class _PolicyFile(NamedTuple):  # not a dataclass: defined at every start, at a tenth of the cost
    shown: str
    pack: str
    data: dict[str, Any]
    lines: dict[str, int]
    builtin: bool
    text: bytes = b""  # as read, for its digest


def _flatten_schema_errors(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Cerberus's nested error dict -> [(dotted path, message)], deepest path first.

    A nested ``schema`` is tried both as a mapping and as a list-item schema ("anyof
    definition N"); those branch names are left out of the path, and the deepest error wins,
    which is the one that names the misspelt rule.
    """
    found: list[tuple[str, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            branch = str(key).startswith("anyof definition")
            child = prefix if branch else (f"{prefix}.{key}" if prefix else str(key))
            found.extend(_flatten_schema_errors(value, child))
    elif isinstance(errors, list):
        for item in errors:
            found.extend(_flatten_schema_errors(item, prefix))
    elif str(errors) not in ("no definitions validate", "one or more definitions validate"):
        found.append((prefix, str(errors)))
    return sorted(found, key=lambda pair: -pair[0].count("."))


def _allowed_at(schema: Any, path: str) -> list[Any] | None:
    """The ``allowed`` list of the schema rule that validates ``path`` (rules.0.severity)."""
    rules: Any = {"type": "dict", "schema": schema}
    for part in path.split("."):
        inner = rules.get("schema") if isinstance(rules, Mapping) else None
        if not isinstance(inner, Mapping):
            return None
        rules = inner if part.isdigit() else inner.get(part)
    allowed = rules.get("allowed") if isinstance(rules, Mapping) else None
    return list(allowed) if isinstance(allowed, list | tuple) else None


def _line(lines: Mapping[str, int], path: str) -> int:
    parts = path.split(".")
    while parts:
        if ".".join(parts) in lines:
            return lines[".".join(parts)]
        parts.pop()
    return 1


def _read_bytes(path: Path, shown: str, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CheckerError(f"{shown}: cannot read {what}: {exc.strerror or exc}") from exc


def read_checked_yaml(
    path: Path, shown: str, what: str, validator: Validator | None, raw: bytes | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """A policy or waivers file (its bytes ``raw`` when read already): one safe YAML mapping,
    validated; errors name file and line."""
    try:
        text = decode(_read_bytes(path, shown, what) if raw is None else raw)
        parsed = list(parse_yaml(text, strict_tags=True))
    except InputError as exc:
        where = f"{shown}:{exc.line}" if exc.line else shown
        raise CheckerError(f"{where}: {exc.message}") from exc
    if len(parsed) != 1 or not isinstance(parsed[0].data, dict):
        hint = wrong_kind(parsed[0].data, what) if len(parsed) == 1 else None
        raise CheckerError(f"{shown}: {hint or f'a {what} file must be one YAML mapping'}")
    data, lines = parsed[0].data, parsed[0].lines
    if validator is not None and not validator.validate(data):
        hint = wrong_kind(data, what)
        if hint:
            raise CheckerError(f"{shown}: {hint}")
        path_, message = _flatten_schema_errors(validator.errors)[0]
        allowed = _allowed_at(validator.schema, path_) if "unallowed value" in message else None
        if allowed:
            message += f" (allowed: {', '.join(str(value) for value in allowed)})"
        raise CheckerError(f"{shown}:{_line(lines, path_)}: {_describe(data, path_)}{message}")
    return data, lines


class _Variables(Mapping[str, Any]):
    """The loaded files' vars, then every built-in pack's, read only when first needed."""

    def __init__(self, own: dict[str, Any]) -> None:
        self.own = own

    def __getitem__(self, name: str) -> Any:
        if name in self.own:
            return self.own[name]
        return _builtin_vars()[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**_builtin_vars(), **self.own})

    def __len__(self) -> int:
        return len({**_builtin_vars(), **self.own})


@functools.cache
def _builtin_vars() -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for name in packs.builtin_names():
        variables.update(_read(f"builtin:{name}").data.get("vars") or {})
    return variables


def _top_level_keys(name: str) -> frozenset[str]:
    """The keys of a YAML file's top-level mapping (none when unreadable or not a mapping)."""
    try:
        parsed = list(parse_yaml(decode(Path(name).read_bytes()), strict_tags=True))
    except (OSError, InputError):
        return frozenset()  # loading it as a policy reports the problem
    if len(parsed) != 1 or not isinstance(parsed[0].data, dict):
        return frozenset()
    return frozenset(str(key) for key in parsed[0].data)


def is_waivers_file(name: str) -> bool:
    """True for a YAML file whose top-level mapping holds 'waivers' (unreadable: False)."""
    return "waivers" in _top_level_keys(name)


def is_policy_tests_file(name: str) -> bool:
    """True for a YAML file whose top-level mapping holds 'tests' and not 'rules'."""
    keys = _top_level_keys(name)
    return "tests" in keys and "rules" not in keys


def _read(spec: str) -> _PolicyFile:
    if spec.startswith("builtin:"):
        path = packs.builtin_path(spec.split(":", 1)[1])
        shown, builtin = spec, True
    else:
        path, shown, builtin = Path(spec), spec, False
        stem = spec.removesuffix(".yaml")
        if not path.exists() and stem in packs.builtin_names():
            raise CheckerError(f"{spec}: no such file; for the built-in pack, write builtin:{stem}")
    raw = _read_bytes(path, shown, "policy")
    # Built-in packs are validated in full by the test suite, not at every start, and read
    # from their parsed JSON while it matches them.
    ready = packs.parsed(path, raw) if builtin else None
    if ready is None:
        checker = None if builtin else _policy_file_validator()
        ready = read_checked_yaml(path, shown, "policy", checker, raw)
    data, lines = ready
    pack = data.get("pack") or (path.stem if not builtin else spec.split(":", 1)[1])
    return _PolicyFile(shown, pack, data, lines, builtin, raw)


def _describe(data: Mapping[str, Any], path: str) -> str:
    """'rule BMC001: severity: ' for an error inside a rule (or waiver, or test), else 'path: '."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] in ("rules", "waivers", "tests") and parts[1].isdigit():
        items = data.get(parts[0]) or []
        index = int(parts[1])
        item = items[index] if index < len(items) else None
        if parts[0] == "rules":
            rule_id = item.get("id") if isinstance(item, dict) else None
            label = f"rule {rule_id}" if isinstance(rule_id, str) else f"rule #{index + 1}"
        elif parts[0] == "waivers":
            rule = item.get("rule") if isinstance(item, dict) else None
            label = f"waiver #{index + 1}" + (f" ({rule})" if isinstance(rule, str) else "")
        else:
            name = item.get("name") if isinstance(item, dict) else None
            label = f"test '{name}'" if isinstance(name, str) else f"test #{index + 1}"
        rest = ".".join(parts[2:])
        return f"{label}: {rest}: " if rest else f"{label}: "
    return f"{path}: " if path else ""


def _substitute(value: Any, variables: Mapping[str, Any], path: str, where: _PolicyFile) -> Any:
    """Replace ``$name`` strings by the named var's value (``$$name`` is a literal ``$name``)."""
    if isinstance(value, dict):
        return {k: _substitute(v, variables, f"{path}.{k}", where) for k, v in value.items()}
    if isinstance(value, list):
        # A list var inside a list is spliced in: allowed: [$approved_types, DISTILLATION].
        items: list[Any] = []
        for index, item in enumerate(value):
            replaced = _substitute(item, variables, f"{path}.{index}", where)
            if isinstance(item, str) and _VAR.match(item) and isinstance(replaced, list):
                items.extend(replaced)
            else:
                items.append(replaced)
        return items
    if isinstance(value, str):
        if value.startswith("$$"):
            return value[1:]
        match = _VAR.match(value)
        if match:
            name = match.group(1)
            if name not in variables:
                known = ", ".join(sorted(variables)) or "none defined"
                raise CheckerError(
                    f"{where.shown}:{_line(where.lines, path)}: {_describe(where.data, path)}"
                    f"unknown var '${name}' (vars: {known})"
                )
            return variables[name]
    return value


def _check_regexes(schema: Any, path: str, where: _PolicyFile) -> None:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "regex" and isinstance(value, str):
                where_at = (
                    f"{where.shown}:{_line(where.lines, f'{path}.{key}')}: "
                    f"{_describe(where.data, f'{path}.{key}')}"
                )
                try:
                    re.compile(value)
                except re.error as exc:
                    raise CheckerError(f"{where_at}bad regex '{value}': {exc}") from exc
                try:
                    compile_regex(value)
                except RegexError as exc:
                    raise CheckerError(
                        f"{where_at}regex '{value}' is not supported: {exc} (policy regexes "
                        "are matched in linear time, without backreferences or lookaround)"
                    ) from exc
            _check_regexes(value, f"{path}.{key}", where)
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            _check_regexes(value, f"{path}.{index}", where)


class _TrustedSchema(DefinitionSchema):  # type: ignore[misc]
    """A built-in pack's schema: checked by the test suite, so not re-checked at every start.

    Nor is Cerberus's schema validator made: on first use Cerberus builds its class, reading
    each rule's own schema from its docstring (about 3 ms of a one-file run's start-up), and
    then one for every schema; only ``validate`` would use it.
    """

    def __new__(cls, *_args: Any, **_kwargs: Any) -> _TrustedSchema:
        return object.__new__(cls)

    def __init__(self, validator: JobValidator, schema: Mapping[str, Any]) -> None:
        self.validator = validator
        self.schema = self.expand(schema)

    def validate(self, schema: Any = None) -> None:
        pass


def _controls(
    controls: Mapping[str, list[str]], path: str, where: _PolicyFile
) -> dict[str, tuple[str, ...]]:
    """A rule's ``controls``: known framework names, each with control ids of its own form
    (those of built-in packs are checked by the test suite, not at every start)."""
    for framework, ids in () if where.builtin else controls.items():
        for index, control in enumerate(ids if framework in _KNOWN_FRAMEWORKS else [None]):
            problem = control_problem(framework, control)
            if problem is not None:
                at = f"{path}.{framework}" + (f".{index}" if control is not None else "")
                raise CheckerError(
                    f"{where.shown}:{_line(where.lines, at)}: {_describe(where.data, at)}{problem}"
                )
    return {framework: tuple(ids) for framework, ids in controls.items() if ids}


def _build_validator(schema: dict[str, Any], path: str, where: _PolicyFile) -> JobValidator:
    if where.builtin:
        # Cerberus validates every schema it is given, the largest part of a one-file run's
        # start-up; tests/test_policy.py validates the built-in packs in full instead.
        validator = JobValidator(allow_unknown=True)
        validator.schema = _TrustedSchema(validator, schema)
        return validator
    _check_regexes(schema, path, where)
    try:
        return JobValidator(schema, allow_unknown=True)
    except SchemaError as exc:
        errors = exc.args[0] if exc.args else str(exc)
        bad_path, message = (_flatten_schema_errors(errors) or [("", str(errors))])[0]
        full = f"{path}.{bad_path}" if bad_path else path
        raise CheckerError(
            f"{where.shown}:{_line(where.lines, full)}: {_describe(where.data, full)}{message}"
        ) from exc
    except RecursionError as exc:
        # Cerberus locates an error by recursion; deep down (about 12 levels) it runs out.
        raise CheckerError(
            f"{where.shown}:{_line(where.lines, path)}: {_describe(where.data, path)}"
            "invalid, and nested too deep for the error to be located (look at its innermost "
            "rules)"
        ) from exc
    except (TypeError, ValueError, AttributeError, DocumentError) as exc:
        # Cerberus can trip over values of the wrong shape (a list where a name is expected).
        raise CheckerError(
            f"{where.shown}:{_line(where.lines, path)}: {_describe(where.data, path)}"
            f"invalid schema: {exc}"
        ) from exc


# Cerberus rules that read other fields than their own: a rule using them is never cached.
_CROSS_FIELD_RULES = frozenset({"dependencies", "excludes"})
# Constraints on a mapping that only need the mapping's type, not its content.
_SHAPE_ONLY = frozenset({"type", "schema", "required", "nullable"})
# Cerberus's logical rules: a field passes when all, any, exactly one or none of their
# branches (rule sets of the same field) pass.
_LOGICAL_RULES = frozenset({"allof", "anyof", "oneof", "noneof"})
# Constraints whose verdict depends only on a value's skeleton: its types and lengths.
_SKELETON_RULES = frozenset(
    {"type", "required", "nullable", "empty", "minlength", "maxlength", "minlength_of", "schema"}
)


def _skeleton_only(rules: Any) -> bool:
    """True when a field's rules (and nested schemas) look only at types and lengths."""
    if not isinstance(rules, dict) or not set(rules) <= _SKELETON_RULES:
        return False
    nested = rules.get("schema")
    if nested is None:
        return True
    if not isinstance(nested, dict):
        return False
    if all(isinstance(v, dict) for v in nested.values()) and "type" not in nested:
        return all(_skeleton_only(v) for v in nested.values())  # a mapping schema
    return _skeleton_only(nested)  # a list-item schema


def _field_reads(schema: Mapping[str, Any], prefix: str, found: set[str]) -> None:
    """Fields a schema reads, as precisely as the verdict allows.

    ``path#skeleton`` reads only types and lengths; a sub-document whose only constraint is its
    shape is descended into and read as ``parent#type``, so that a missing or wrongly typed
    parent is not mistaken for one whose checked children are merely absent. The branches of
    ``anyof``/``oneof``/``allof``/``noneof`` are read as the field's own rules are.
    """
    for key, rules in schema.items():
        path = f"{prefix}{key}"
        split = _logical_branches(rules)
        if split is not None:
            own, *branches = split
            if own.get("type") == "dict" and set(own) <= _SHAPE_ONLY - {"schema"}:
                found.add(f"{path}#type")  # the field's own rules ask only for a mapping
            else:
                branches.insert(0, own)
            for definition in branches:
                _field_reads({key: definition}, prefix, found)
            continue
        nested = rules.get("schema") if isinstance(rules, dict) else None
        if (
            isinstance(rules, dict)
            and rules.get("type") == "dict"
            and isinstance(nested, dict)
            and all(isinstance(v, dict) for v in nested.values())
            and set(rules) <= _SHAPE_ONLY
        ):
            found.add(f"{path}#type")
            _field_reads(nested, f"{path}.", found)
        elif _skeleton_only(rules):
            found.add(f"{path}#skeleton")
        else:
            found.add(path)


def _logical_branches(rules: Any) -> list[dict[str, Any]] | None:
    """A field's rules without its logical rules, then each branch of those as a rule set of
    the same field; None when the field has no logical rule, or a branch is not a rule set.

    The verdict of ``anyof`` (and the others) depends only on its branches' verdicts, so the
    field reads what its branches read. Cerberus validates each branch with the field's
    ``type`` and ``allow_unknown`` when the branch has none; ``anyof_schema: [a, b]`` is
    ``anyof: [{schema: a}, {schema: b}]``.
    """
    if not isinstance(rules, dict):
        return None
    own: dict[str, Any] = {}
    branches: list[Any] = []
    for name, value in rules.items():
        operator, _, rule = str(name).partition("_")
        if operator not in _LOGICAL_RULES:
            own[name] = value
        elif not isinstance(value, list):
            return None
        else:
            branches.extend({rule: branch} if rule else branch for branch in value)
    if not branches:
        return [own] if len(own) < len(rules) else None  # no logical rule, or empty ones
    if not all(isinstance(branch, dict) for branch in branches):
        return None
    inherited = {name: own[name] for name in ("type", "allow_unknown") if name in own}
    return [own, *({**inherited, **branch} for branch in branches)]


def _reads(schema: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The document paths a schema's verdict depends on, or None when it cannot be cached."""
    if not schema:
        return ()
    found: set[str] = set()
    _field_reads(schema, "", found)
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _CROSS_FIELD_RULES:
                    return None
                found.update(ROOT_READS.get(key, ()))
                if key == "minlength_of" and isinstance(value, str):
                    found.add(f"{value}#skeleton")
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return tuple(sorted(found))


def load_policy(
    specs: Sequence[str] = DEFAULT_POLICIES,
    *,
    select: Iterable[str] = (),
    skip: Iterable[str] = (),
) -> Policy:
    """Read, validate and compile policy files; ``select``/``skip`` are rule-id globs."""
    files = [_read(spec) for spec in dict.fromkeys(specs)]
    # Every built-in pack's vars are defaults, loaded or not; the user's files override them,
    # later files winning. Packs that are not loaded are read only if a var is looked up there.
    own: dict[str, Any] = {}
    for policy_file in sorted(files, key=lambda f: not f.builtin):
        own.update(policy_file.data.get("vars") or {})
    variables = _Variables(own)

    compiled: list[CompiledRule] = []
    seen: dict[str, str] = {}
    for policy_file in files:
        for index, raw in enumerate(policy_file.data.get("rules") or []):
            base = f"rules.{index}"
            where = f"{policy_file.shown}:{_line(policy_file.lines, base)}"
            if raw["id"] in seen:
                raise CheckerError(
                    f"{where}: rule {raw['id']}: duplicate rule id (first defined at "
                    f"{seen[raw['id']]})"
                )
            seen[raw["id"]] = where
            schema = _substitute(raw["schema"], variables, f"{base}.schema", policy_file)
            when = _substitute(raw.get("when"), variables, f"{base}.when", policy_file)
            validator = _build_validator(schema, f"{base}.schema", policy_file)
            controls = _controls(raw.get("controls") or {}, f"{base}.controls", policy_file)
            when_validator = _build_validator(when, f"{base}.when", policy_file) if when else None
            rule = Rule(
                id=raw["id"],
                title=raw["title"].strip(),
                description=raw["description"].strip(),
                severity=Severity(raw["severity"]),
                schema=schema,
                pack=policy_file.pack,
                remediation=(raw.get("remediation") or "").strip(),
                tags=tuple(raw.get("tags") or ()),
                when=when,
                origin=Origin(path=policy_file.shown, line=_line(policy_file.lines, base)),
                help_uri=raw.get("help_uri")
                or (packs.rule_doc_url(raw["id"]) if policy_file.builtin else None),
                controls=controls,
            )
            compiled.append(
                CompiledRule(
                    rule,
                    validator,
                    when_validator,
                    _reads(schema),
                    _reads(when),
                    compile_schema(schema),
                    compile_schema(when),
                )
            )

    selected = _select(compiled, list(select), list(skip))
    digests = _Digests({f.shown: f.text for f in files})
    return Policy(tuple(selected), tuple(f.shown for f in files), variables, digests)


def _select(compiled: list[CompiledRule], select: list[str], skip: list[str]) -> list[CompiledRule]:
    for pattern in select + skip:
        if not any(fnmatch.fnmatchcase(c.rule.id, pattern) for c in compiled):
            other_case = sorted(
                c.rule.id for c in compiled if fnmatch.fnmatch(c.rule.id.lower(), pattern.lower())
            )
            hint = (
                f" (rule ids are case-sensitive: {', '.join(other_case[:3])}"
                f"{', ...' if len(other_case) > 3 else ''})"
                if other_case
                else ""
            )
            raise CheckerError(f"rule selector '{pattern}' matches no loaded rule{hint}")
    return [
        c
        for c in compiled
        if (not select or any(fnmatch.fnmatchcase(c.rule.id, p) for p in select))
        and not any(fnmatch.fnmatchcase(c.rule.id, p) for p in skip)
    ]
