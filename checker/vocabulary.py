"""The domain vocabulary Cerberus lacks, as custom rules (documented in docs/policy-language.md).

A custom rule that cannot decide (the job's account is not known, the base model has no
documented table) reports an error whose message starts with ``UNDECIDED``; evaluation turns
such errors into "unknown" findings instead of violations.
"""

from __future__ import annotations

import fnmatch
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from cerberus import Validator, errors

from checker.normalize import get_path, parse_arn, split_s3_uri
from checker.packs import hyperparameter_families
from checker.regex import fullmatch

UNDECIDED = "UNDECIDED: "
ARN_PARTS = ("partition", "service", "region", "account", "resource")
_PART_CONSTRAINT = {"type": ["string", "list"], "schema": {"type": "string"}}

# Which derived facts a custom rule reads from the whole document (for result caching).
ROOT_READS: dict[str, tuple[str, ...]] = {
    "arn": (
        "derived.account",
        "derived.region",
        "derived.partition",
        "derived.accountFrom",
        "derived.regionFrom",
        "derived.partitionFrom",
    ),
    "s3_disjoint_from": ("derived.dataUris", "derived.unknown", "derived.unresolved"),
    "hp_numeric": ("derived.baseModelFamily",),
    "hp_documented_names": ("derived.baseModelFamily",),
    "hp_documented_ranges": ("derived.baseModelFamily",),
}


# ARNs that define the job's account or region, rather than only hint at it: comparing such an
# ARN with the job's own value is a real check, not a comparison of a value with itself. A
# create request names no region of its own (it runs where it is sent); when no ARN before the
# custom model's KMS key names one, the key's region is the job's: a KMS key is used only in its
# own region, so the job can run nowhere else.
_DEFINING = {
    "account": ("jobArn", "outputModelArn", "roleArn"),
    "region": ("jobArn", "outputModelArn", "outputModelKmsKeyArn"),
    "partition": ("jobArn", "outputModelArn", "roleArn"),
}


def to_number(value: Any) -> float | None:
    """A hyperparameter value as a number: "2", ".0001", "1.00E-07", 2, 2.5; else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):  # OverflowError: an int beyond float's range
        return None
    return number if math.isfinite(number) else None


def _show(value: Any) -> str:
    """A value as the document spells it: 'text' quoted, true/null/numbers as in JSON."""
    return f"'{value}'" if isinstance(value, str) else json.dumps(value, default=str)


def _matches(value: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def _as_list(constraint: Any) -> list[str]:
    return [constraint] if isinstance(constraint, str) else list(constraint)


class JobValidator(Validator):  # type: ignore[misc]
    """Cerberus with the custom rules below; one instance per rule schema, reused for every job."""

    def _validate_nullable(self, nullable: bool, field: str, value: Any) -> None:
        """Cerberus's nullable, which also skips the rules below for a null value.

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        super()._validate_nullable(nullable, field, value)
        if value is None:
            self._drop_remaining_rules(*CUSTOM_RULES)

    def _undecided(self, field: str, reason: str) -> None:
        self._error(field, UNDECIDED + reason)

    def _error_at(self, field: str, key: str, rule: str, value: Any, message: str) -> None:
        """An error on ``field.key`` (one hyperparameter), so the finding points at its line."""
        path = (*self.document_path, field, key)
        schema_path = (*self.schema_path, field, rule)
        error = errors.ValidationError(
            path, schema_path, errors.CUSTOM.code, rule, None, value, (message,)
        )
        self._error([error])

    def _each_string(self, field: str, value: Any) -> list[str]:
        """A string or a list of strings; anything else is an error (and yields nothing)."""
        values = _strings(value)
        if values is None:
            self._error(field, _NOT_STRINGS)
            return []
        return values

    def _validate_regex(self, pattern: str, field: str, value: Any) -> None:
        """Cerberus's regex, matched by RE2 against the whole value (checker.regex).

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        if isinstance(value, str) and not fullmatch(pattern, value):
            self._error(field, errors.REGEX_MISMATCH)

    def _validate_arn(self, constraint: Mapping[str, Any], field: str, value: Any) -> None:
        """Parts of an ARN must equal the job's own ("same") or match one of a list of globs.

        The rule's arguments are validated against this schema:
        {'type': 'dict', 'keysrules': {'allowed': ['partition', 'service', 'region', 'account',
         'resource']}, 'valuesrules': {'type': ['string', 'list'], 'schema': {'type': 'string'}}}
        """
        derived = self.root_document.get("derived") or {}
        here = ".".join(str(p) for p in (*self.document_path, field))
        for text in self._each_string(field, value):
            arn = parse_arn(text)
            if arn is None:
                self._error(field, f"'{text}' is not an ARN")
                continue
            for part, expected in constraint.items():
                actual = arn[part]
                if expected == "same":
                    own = derived.get(part)
                    source = derived.get(f"{part}From")
                    if own is None:
                        self._undecided(field, f"the job's {part} is not known")
                    elif source == here and source not in _DEFINING.get(part, ()):
                        self._undecided(field, f"the job's {part} is known only from this ARN")
                    elif actual != own:
                        self._error(
                            field, f"{part} '{actual}' differs from the job's {part} '{own}'"
                        )
                elif not _matches(actual, _as_list(expected)):
                    allowed = ", ".join(_as_list(expected))
                    self._error(field, f"{part} '{actual}' is not one of: {allowed}")

    def _validate_s3_in(self, constraint: Any, field: str, value: Any) -> None:
        """S3 URIs must match one of the globs (``s3://corp-ml-*/training/*``).

        The rule's arguments are validated against this schema:
        {'type': ['string', 'list'], 'schema': {'type': 'string'}}
        """
        patterns = _as_list(constraint)
        for uri in self._each_string(field, value):
            if split_s3_uri(uri) is None:
                self._error(field, f"'{uri}' is not an s3:// URI")
            elif not (_matches(uri, patterns) or _matches(uri.rstrip("/") + "/", patterns)):
                self._error(
                    field, f"'{uri}' is outside the allowed locations: {', '.join(patterns)}"
                )

    def _validate_s3_disjoint_from(self, constraint: Any, field: str, value: Any) -> None:
        """The S3 location must not contain, or lie inside, the job's data URIs of these roles.

        The rule's arguments are validated against this schema:
        {'type': 'list', 'schema': {'type': 'string',
         'allowed': ['training', 'validation', 'output', 'invocationLogs']}}
        """
        path = ".".join(str(p) for p in (*self.document_path, field))
        for undecided, message in s3_overlaps(self.root_document, path, value, constraint):
            if undecided:
                self._undecided(field, message)
            else:
                self._error(field, message)

    def _validate_number(self, constraint: Mapping[str, Any], field: str, value: Any) -> None:
        """A number, possibly written as a string ("2", ".0001", "1.00E-07"), within bounds.

        The rule's arguments are validated against this schema:
        {'type': 'dict', 'schema': {'min': {'type': 'number'}, 'max': {'type': 'number'},
         'integer': {'type': 'boolean'},
         'keywords': {'type': 'list', 'schema': {'type': 'string'}}}}
        """
        if isinstance(value, str) and value in (constraint.get("keywords") or ()):
            return
        number = to_number(value)
        if number is None:
            self._error(field, f"{_show(value)} is not a number")
            return
        if constraint.get("integer") and not number.is_integer():
            self._error(field, f"'{value}' is not a whole number")
        if "min" in constraint and number < constraint["min"]:
            self._error(field, f"{value} is below the minimum {constraint['min']}")
        if "max" in constraint and number > constraint["max"]:
            self._error(field, f"{value} is above the maximum {constraint['max']}")

    def _validate_glob(self, constraint: Any, field: str, value: Any) -> None:
        """Every string must match at least one of the globs (``amazon.nova-*``).

        The rule's arguments are validated against this schema:
        {'type': ['string', 'list'], 'schema': {'type': 'string'}}
        """
        patterns = _as_list(constraint)
        for text in self._each_string(field, value):
            if not _matches(text, patterns):
                self._error(field, f"'{text}' matches none of: {', '.join(patterns)}")

    def _validate_not_glob(self, constraint: Any, field: str, value: Any) -> None:
        """No string may match any of the globs.

        The rule's arguments are validated against this schema:
        {'type': ['string', 'list'], 'schema': {'type': 'string'}}
        """
        patterns = _as_list(constraint)
        for text in self._each_string(field, value):
            hit = next((p for p in patterns if fnmatch.fnmatchcase(text, p)), None)
            if hit is not None:
                self._error(field, f"'{text}' matches the forbidden pattern '{hit}'")

    def _validate_minlength_of(self, constraint: str, field: str, value: Any) -> None:
        """A list at least as long as the list at another path of the job (one per validator).

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        other = get_path(self.root_document, constraint)
        wanted = len(other) if isinstance(other, list) else 0
        if not isinstance(value, list):
            self._error(field, "must be a list")
        elif len(value) < wanted:
            self._error(field, f"has {len(value)} entries, {constraint} has {wanted}")

    def _validate_required_keys(self, constraint: Any, field: str, value: Any) -> None:
        """A mapping (the job's tags) must hold each of these keys, with a non-empty value.

        The rule's arguments are validated against this schema:
        {'type': ['string', 'list'], 'schema': {'type': 'string'}}
        """
        if not isinstance(value, Mapping):
            self._error(field, "must be a mapping")
            return
        for key in _as_list(constraint):
            if key not in value:
                self._error_at(field, key, "required_keys", None, "required key is missing")
            elif value[key] is None or not str(value[key]).strip():
                self._error_at(field, key, "required_keys", value[key], "required key is empty")

    def _validate_no_placeholders(self, constraint: bool, field: str, value: Any) -> None:
        """On ``derived.unresolved``: every listed path is an error naming the placeholder.

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        if not constraint or not isinstance(value, list):
            return
        for index, path in enumerate(value):
            held = get_path(self.root_document, str(path))
            self._error_at(
                field,
                str(index),
                "no_placeholders",
                held,
                f"{path} holds an unresolved placeholder: {held!r}",
            )

    def _documented_table(self, constraint: Any, field: str, value: Any) -> dict[str, Any] | None:
        """The table the hp_documented_* rules check ``value`` against; None: nothing to check."""
        if constraint is False or not isinstance(value, dict) or not value:
            return None
        return self._family_table(field, constraint)

    def _family_table(self, field: str, constraint: Any) -> dict[str, Any] | None:
        family = (
            constraint
            if isinstance(constraint, str)
            else (self.root_document.get("derived") or {}).get("baseModelFamily")
        )
        if family is None:
            self._undecided(field, "no documented hyperparameters for this base model")
            return None
        entry = hyperparameter_families().get(family)
        if entry is None:
            self._undecided(field, f"unknown hyperparameter family '{family}'")
            return None
        table = entry.get("hyperparameters")
        if table is None:
            self._undecided(field, f"AWS publishes no hyperparameter table for {family}")
            return None
        return dict(table)

    def _validate_hp_numeric(self, constraint: Any, field: str, value: Any) -> None:
        """Every hyperparameter value is a number (or a documented keyword such as Auto).

        ``true`` reads the family from the job's base model; a string names the family.

        The rule's arguments are validated against this schema:
        {'type': ['boolean', 'string']}
        """
        if constraint is False:
            return
        if not isinstance(value, dict):
            self._error(field, "must be a mapping of hyperparameter names to values")
            return
        # The API's hyperParameters map takes strings only; RFT's typed values are numbers.
        constraint_strings = constraint is True
        family = (
            constraint
            if isinstance(constraint, str)
            else (self.root_document.get("derived") or {}).get("baseModelFamily")
        )
        entry = hyperparameter_families().get(family or "") or {}
        table = entry.get("hyperparameters") or {}
        for name, raw in value.items():
            # Without the family's table, accept any keyword documented for the name anywhere.
            keywords = (table.get(name) or {}).get("keywords") if table else _all_keywords(name)
            if (table.get(name) or {}).get("type") == "keyword":
                continue  # keyword-only (RFT reasoningEffort): hp_documented_ranges checks it
            if isinstance(raw, str) and raw in (keywords or ()):
                continue
            if to_number(raw) is None:
                self._error_at(field, name, "hp_numeric", raw, f"{_show(raw)} is not a number")
            elif constraint_strings and not isinstance(raw, str):
                self._error_at(
                    field, name, "hp_numeric", raw, f'{raw!r} must be written as a string ("{raw}")'
                )

    def _validate_hp_documented_names(self, constraint: Any, field: str, value: Any) -> None:
        """Only hyperparameter names documented for the job's base-model family.

        The rule's arguments are validated against this schema:
        {'type': ['boolean', 'string']}
        """
        table = self._documented_table(constraint, field, value)
        if table is None:
            return
        for name in value:
            if name not in table:
                self._error_at(
                    field,
                    name,
                    "hp_documented_names",
                    name,
                    f"'{name}' is not documented for this base model "
                    f"(documented: {', '.join(table)})",
                )

    def _validate_hp_documented_ranges(self, constraint: Any, field: str, value: Any) -> None:
        """Every hyperparameter within the documented range for the job's base-model family.

        The rule's arguments are validated against this schema:
        {'type': ['boolean', 'string']}
        """
        table = self._documented_table(constraint, field, value)
        if table is None:
            return
        for name, raw in value.items():
            spec = table.get(name)
            if not spec:
                continue
            if isinstance(raw, str) and raw in (spec.get("keywords") or ()):
                continue
            rule = "hp_documented_ranges"
            if spec.get("type") == "keyword":
                self._error_at(
                    field, name, rule, raw, f"'{raw}' is not one of {', '.join(spec['keywords'])}"
                )
                continue
            number = to_number(raw)
            if number is None:
                continue  # hp_numeric reports it
            low, high = spec.get("min"), spec.get("max")
            if spec.get("type") == "integer" and not number.is_integer():
                self._error_at(field, name, rule, raw, f"{raw} is not a whole number")
            if low is not None and number < float(low):
                self._error_at(
                    field, name, rule, raw, f"{raw} is below the documented minimum {low}"
                )
            if high is not None and number > float(high):
                self._error_at(
                    field, name, rule, raw, f"{raw} is above the documented maximum {high}"
                )


def _all_keywords(name: str) -> set[str]:
    return {
        keyword
        for entry in hyperparameter_families().values()
        for keyword in ((entry.get("hyperparameters") or {}).get(name) or {}).get("keywords") or ()
    }


_NOT_STRINGS = "must be a string or a list of strings"


def _strings(value: Any) -> list[str] | None:
    """A string or a list of strings, as a list; None for anything else."""
    values = value if isinstance(value, list) else [value]
    return values if all(isinstance(v, str) for v in values) else None


def s3_overlaps(
    root: Mapping[str, Any], path: str, value: Any, roles: Any
) -> list[tuple[bool, str]]:
    """s3_disjoint_from's verdict on the location ``value`` at ``path``: (undecided, message)
    for each problem; none when the location is apart from the job's data of ``roles``."""
    derived = root.get("derived") or {}
    opaque = set(derived.get("unknown") or ()) | set(derived.get("unresolved") or ())
    if path in opaque:
        return [(True, "the location is not known")]
    values = _strings(value)
    if values is None:
        return [(False, _NOT_STRINGS)]
    problems: list[tuple[bool, str]] = []
    for uri in values:
        here = _folder(uri)
        if here is None:
            problems.append((False, f"'{uri}' is not an s3:// URI"))
            continue
        for entry in derived.get("dataUris") or []:
            if entry.get("role") not in roles:
                continue
            if entry.get("path") in opaque:
                problems.append((True, f"the {entry['role']} location is not known"))
                continue
            other = _folder(entry.get("uri"))
            if other is not None and (other.startswith(here) or here.startswith(other)):
                problems.append(
                    (False, f"'{uri}' overlaps the {entry['role']} location '{entry['uri']}'")
                )
    return problems


def _folder(uri: Any) -> str | None:
    parts = split_s3_uri(uri)
    if parts is None:
        return None
    bucket, key = parts
    return f"{bucket}/{key.rstrip('/')}/" if key.strip("/") else f"{bucket}/"


def _s3_disjoint(root: Mapping[str, Any], path: str, value: Any, roles: Any) -> bool:
    return not s3_overlaps(root, path, value, roles)


# Custom rules with a plain-function form, (root document, path, value, constraint) -> passes,
# for checker.precheck: only rules whose verdict the function gives exactly.
PLAIN_RULES: dict[str, Callable[[Mapping[str, Any], str, Any, Any], bool]] = {
    "s3_disjoint_from": _s3_disjoint,
}

CUSTOM_RULES = tuple(
    name[len("_validate_") :]
    for name in vars(JobValidator)
    if name.startswith("_validate_") and not hasattr(Validator, name)
)
