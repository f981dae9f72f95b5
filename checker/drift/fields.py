"""One committed job against its live job, field by field: the drift findings.

Only what AWS documents is compared: values known at apply or run time and placeholders are
unknown, a key named by alias is unknown, and a value the service fills in (a hyperparameter the
document does not set, a teacher the response omits) is not drift.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker import normalize
from checker.drift.rules import RULES_BY_ID, applies
from checker.model import Finding, FindingStatus, Job

TEACHER = "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier"
_LOGS = "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri"
_VALIDATORS = "validationDataConfig.validators"


def derived_facts(job: Job) -> Mapping[str, Any]:
    """The job's ``derived`` section (docs/job-document.md), or nothing."""
    derived = job.document.get("derived")
    return derived if isinstance(derived, Mapping) else {}


@dataclass(frozen=True)
class _Difference:
    rule: str
    path: str
    committed: Any
    live: Any
    unknown: str | None = None  # why the committed value cannot be compared


def compare(committed: Job, live: Job) -> list[Finding]:
    """The drift findings of a committed job against its live job, field by field."""
    findings = []
    for difference in _differences(committed, live):
        rule = RULES_BY_ID[difference.rule]
        line = committed.line_of(difference.path)
        if difference.unknown is not None:
            findings.append(
                Finding(
                    rule, FindingStatus.UNKNOWN, difference.path, difference.unknown, None, line
                )
            )
            continue
        message = (
            f"{difference.path}: the live job has {_shown(difference.live)}, the document "
            f"{_shown(difference.committed)}"
        )
        findings.append(
            Finding(
                rule,
                FindingStatus.VIOLATED,
                difference.path,
                message,
                _shown(difference.live),
                line,
            )
        )
    return findings


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _differences(committed: Job, live: Job) -> list[_Difference]:
    mine, theirs = committed.document, live.document
    opaque = _opaque(committed)
    differences: list[_Difference] = []

    def field(rule: str, path: str, ours: Any, actual: Any, same: Any = None) -> None:
        if _is_opaque(path, opaque):
            differences.append(_Difference(rule, path, ours, actual, _UNKNOWN_TEXT.format(path)))
        elif not (same(ours, actual) if same else ours == actual):
            differences.append(_Difference(rule, path, ours, actual))

    get = normalize.get_path
    field("BMC401", "roleArn", get(mine, "roleArn"), get(theirs, "roleArn"))
    differences.extend(_kms(committed, live, opaque))
    vpc, live_vpc = get(mine, "vpcConfig"), get(theirs, "vpcConfig")
    if isinstance(vpc, Mapping) and isinstance(live_vpc, Mapping):
        for name in ("subnetIds", "securityGroupIds"):
            path = f"vpcConfig.{name}"
            field("BMC403", path, get(mine, path), get(theirs, path), _same_set)
    else:
        field("BMC403", "vpcConfig", vpc, live_vpc, lambda a, b: not a and not b)
    for path in ("trainingDataConfig.s3Uri", _LOGS, "outputDataConfig.s3Uri"):
        field("BMC404", path, get(mine, path), get(theirs, path))
    field("BMC404", _VALIDATORS, _uris(get(mine, _VALIDATORS)), _uris(get(theirs, _VALIDATORS)))
    differences.extend(_hyperparameters(mine, theirs, opaque))
    field(
        "BMC406",
        "baseModelArn",
        derived_facts(committed).get("baseModelId"),
        derived_facts(live).get("baseModelId"),
        _same_model,
    )
    teacher, live_teacher = (
        derived_facts(committed).get("teacherModelId"),
        derived_facts(live).get("teacherModelId"),
    )
    if teacher is not None and live_teacher is None and "customizationConfig" not in theirs:
        # A distillation job has a teacher: a response without customizationConfig says
        # nothing about it.
        differences.append(
            _Difference(
                "BMC406",
                TEACHER,
                teacher,
                None,
                f"{TEACHER}: the live job's Get response reports no customizationConfig",
            )
        )
    else:
        field("BMC406", TEACHER, teacher, live_teacher, _same_model)
    if applies("BMC407", committed) and (
        "tags" in mine or committed.kind != normalize.GET_RESPONSE
    ):
        differences.extend(_tags(mine, theirs, opaque))
    return differences


_UNKNOWN_TEXT = "{}: the document's value is known only at apply or run time, or is a placeholder"


def _opaque(job: Job) -> set[str]:
    derived = derived_facts(job)
    return {str(p) for p in (*(derived.get("unknown") or ()), *(derived.get("unresolved") or ()))}


def _is_opaque(path: str, opaque: set[str]) -> bool:
    return any(u == path or u.startswith(path + ".") or path.startswith(u + ".") for u in opaque)


def _same_set(ours: Any, actual: Any) -> bool:
    def as_set(value: Any) -> Any:
        return {str(v) for v in value} if isinstance(value, list) else value

    return bool(as_set(ours) == as_set(actual))


def _uris(validators: Any) -> Any:
    if not isinstance(validators, list):
        return validators or None
    return [v.get("s3Uri") if isinstance(v, Mapping) else v for v in validators] or None


def _same_model(ours: Any, actual: Any) -> bool:
    """The same model id; an id without its version suffix names the version AWS resolved."""
    if ours == actual:
        return True
    return isinstance(ours, str) and isinstance(actual, str) and actual.startswith(ours + ":")


def _kms(committed: Job, live: Job, opaque: set[str]) -> list[_Difference]:
    path = "outputModelKmsKeyArn"
    ours, actual = committed.document.get(path), live.document.get(path)
    if _is_opaque(path, opaque):
        return [_Difference("BMC402", path, ours, actual, _UNKNOWN_TEXT.format(path))]
    form = derived_facts(committed).get("kmsKeyForm")
    if form in ("alias", "alias-arn"):
        return [
            _Difference(
                "BMC402",
                path,
                ours,
                actual,
                f"{path}: the document names the key by alias ({ours}), which can point at "
                f"another key since; the live job uses {_shown(actual)}",
            )
        ]
    if form == "key-id" and isinstance(actual, str):
        same = actual.rsplit("/", 1)[-1] == ours
    else:
        same = ours == actual
    return [] if same else [_Difference("BMC402", path, ours, actual)]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _hyperparameters(
    mine: Mapping[str, Any], theirs: Mapping[str, Any], opaque: set[str]
) -> list[_Difference]:
    """The hyperparameters the document sets; the service may report defaults it filled in
    for the others, so a value only the live job reports is not drift."""
    ours, actual = mine.get("hyperParameters"), theirs.get("hyperParameters")
    if _is_opaque("hyperParameters", opaque) and not isinstance(ours, Mapping):
        return [
            _Difference(
                "BMC405", "hyperParameters", ours, actual, _UNKNOWN_TEXT.format("hyperParameters")
            )
        ]
    if not isinstance(ours, Mapping):
        return []
    actual = actual if isinstance(actual, Mapping) else {}
    differences = []
    for name, value in ours.items():
        path = f"hyperParameters.{name}"
        live_value = actual.get(name)
        if _is_opaque(path, opaque):
            differences.append(
                _Difference("BMC405", path, value, live_value, _UNKNOWN_TEXT.format(path))
            )
            continue
        same = str(value) == str(live_value) if live_value is not None else False
        if not same and live_value is not None:
            a, b = _number(value), _number(live_value)
            same = a is not None and a == b
        if not same:
            differences.append(_Difference("BMC405", path, value, live_value))
    return differences


def _tags(
    mine: Mapping[str, Any], theirs: Mapping[str, Any], opaque: set[str]
) -> list[_Difference]:
    """Job tags both ways; tags with the reserved ``aws:`` prefix are AWS's own."""
    if "tags" not in theirs:
        return []  # tags were not read
    ours, actual = mine.get("tags") or {}, theirs.get("tags") or {}
    if not isinstance(ours, Mapping) or not isinstance(actual, Mapping):
        return [_Difference("BMC407", "tags", ours, actual)] if ours != actual else []
    differences = []
    for key in sorted({*ours, *(k for k in actual if not str(k).startswith("aws:"))}):
        path = f"tags.{key}"
        if _is_opaque(path, opaque):
            differences.append(
                _Difference(
                    "BMC407", path, ours.get(key), actual.get(key), _UNKNOWN_TEXT.format(path)
                )
            )
        elif ours.get(key) != actual.get(key):
            differences.append(_Difference("BMC407", path, ours.get(key), actual.get(key)))
    return differences
