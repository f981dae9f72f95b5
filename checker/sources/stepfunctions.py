"""Step Functions: Task states that call Bedrock's createModelCustomizationJob.

A state machine definition (Amazon States Language, in JSON or YAML, read here as parsed data
with its line map) launches a job from each Task state whose ``Resource`` is the Bedrock
integration. Its ``Parameters`` (JSONPath) or ``Arguments`` (JSONata) are the create request,
with member names in PascalCase; they become a create request in the API's camelCase. Values
that Step Functions computes at run time (keys ending in ``.$``, ``{% %}`` JSONata expressions)
and values substituted at deployment (``${...}``) are unknown: listed in ``derived.unknown``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any, TypeGuard

from checker import normalize, parsing
from checker.errors import InputError
from checker.model import Job, Origin

# Every state machine with a job names the integration's API (in a template, CDK output or
# Terraform too).
MARKERS = ("createModelCustomizationJob",)
# Request-response and .sync integrations, and the AWS SDK integration of the same API. The
# partition may be a deployment-time substitution (``arn:${AWS::Partition}:states:::...``).
_INTEGRATION = re.compile(
    r"^arn:(?:\$\{[^}]*\}|[^:$]+):states:::(?:aws-sdk:)?bedrock:createModelCustomizationJob"
    r"(?:\.sync)?$"
)
# Maps whose keys are data (hyperparameter names, invocation-log metadata keys), not members.
_DATA_KEYED_MAPS = ("equals", "notEquals")
# The request's top-level members: every one is unknown when the whole request is.
_REQUEST_FIELDS = (
    "jobName",
    "customModelName",
    "roleArn",
    "baseModelIdentifier",
    "customizationType",
    "customModelKmsKeyId",
    "jobTags",
    "trainingDataConfig",
    "validationDataConfig",
    "outputDataConfig",
    "hyperParameters",
    "vpcConfig",
    "customizationConfig",
)
_CREATE_TO_GET = {
    "customModelName": "outputModelName",
    "baseModelIdentifier": "baseModelArn",
    "customModelKmsKeyId": "outputModelKmsKeyArn",
}
RUN_TIME = "(set at run time)"


# A ${...} outside any JSON string ("MaxConcurrency": ${Limit}) is quoted so that the text parses.
_JSON_STRING_OR_SUBSTITUTION = re.compile(r'"(?:[^"\\]|\\.)*"|\$\{[^}]*\}')


def parse_definition_text(text: str) -> parsing.ParsedDocument:
    """A definition written as JSON text, in which substitutions may stand for any value."""
    try:
        return parsing.parse_json(text)
    except InputError:
        quoted = _JSON_STRING_OR_SUBSTITUTION.sub(
            lambda m: m.group(0) if m.group(0).startswith('"') else json.dumps(m.group(0)), text
        )
        if quoted == text:
            raise
        return parsing.parse_json(quoted)


def is_state_machine(data: Any) -> TypeGuard[dict[str, Any]]:
    """An Amazon States Language definition: ``StartAt`` and a mapping of ``States``."""
    return isinstance(data, dict) and "StartAt" in data and isinstance(data.get("States"), dict)


def is_job_task(state: Any) -> bool:
    if not isinstance(state, dict) or state.get("Type") != "Task":
        return False
    resource = state.get("Resource")
    return isinstance(resource, str) and _INTEGRATION.match(resource) is not None


def read_document(data: Any, lines: Mapping[str, int], origin: Origin) -> list[Job] | None:
    """The jobs of a state machine file (``*.asl.json``, ``*.asl.yaml``); None if it is not one.

    The file's name (without ``.asl.json``) names the state machine in each job's label.
    """
    if not is_state_machine(data):
        return None
    name = PurePosixPath(origin.path or "state-machine").name
    for suffix in (".json", ".yaml", ".yml", ".asl"):
        name = name.removesuffix(suffix)
    return list(jobs_in_definition(data, lines, origin, name))


def task_states(definition: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """(state name, dotted path, state) of every Task state, nested ones included: Parallel
    branches, and Map states' ``ItemProcessor`` (or the older ``Iterator``)."""
    stack: list[tuple[Any, str]] = [(definition, prefix)]
    while stack:
        machine, path = stack.pop()
        states = machine.get("States") if isinstance(machine, dict) else None
        if not isinstance(states, dict):
            continue
        for name, state in states.items():
            state_path = f"{path}States.{name}"
            if not isinstance(state, dict):
                continue
            if state.get("Type") == "Task":
                yield str(name), state_path, state
            branches = state.get("Branches")
            for index, branch in enumerate(branches if isinstance(branches, list) else []):
                stack.append((branch, f"{state_path}.Branches.{index}."))
            for key in ("ItemProcessor", "Iterator"):
                if isinstance(state.get(key), dict):
                    stack.append((state[key], f"{state_path}.{key}."))


def jobs_in_definition(
    definition: Mapping[str, Any],
    lines: Mapping[str, int],
    origin: Origin,
    machine: str,
    prefix: str = "",
    state_lines: Mapping[str, int] | None = None,
) -> Iterator[Job]:
    """A job for each Task state that creates one.

    ``lines`` maps dotted paths of the document the definition sits in (``prefix`` leads to the
    definition) to lines; ``state_lines`` gives a line per state name when the definition was
    read from a string whose keys have no line of their own. Each job starts at its state's line
    and is labelled ``machine/state``.
    """
    found = [
        (name, path, state)
        for name, path, state in task_states(definition, prefix)
        if is_job_task(state)
    ]
    by_name = state_lines or {}
    located = [
        (lines.get(path) or by_name.get(name) or origin.line, name, path, state)
        for name, path, state in found
    ]
    for line, name, path, state in sorted(located, key=lambda task: task[0]):
        at = Origin(origin.path, line, origin.index)
        yield job_from_task(state, path, lines, at, machine, name)


def job_from_task(
    state: Mapping[str, Any],
    path: str,
    lines: Mapping[str, int],
    origin: Origin,
    machine: str,
    name: str,
) -> Job:
    """The job one Task state launches, normalised like a create request."""
    request: dict[str, Any] = {}
    request_lines: dict[str, int] = {}
    unknown: set[str] = set()
    source = None
    for key in ("Arguments", "Parameters", "Parameters.$"):
        if key in state:
            source = key
            break
    value = state.get(source) if source else None
    if isinstance(value, dict) and source != "Parameters.$":
        _convert(value, f"{path}.{source}", "", request, request_lines, unknown, lines)
    else:
        # No request, or one computed whole from the state's input: nothing is known.
        for field in _REQUEST_FIELDS:
            request[field] = RUN_TIME if value is None else value
            unknown.add(field)
    document, canonical_lines = normalize.from_api(request, normalize.CREATE_REQUEST, request_lines)
    document, canonical_lines = normalize.finish(
        document, canonical_lines, normalize.STEP_FUNCTIONS, _renamed(unknown, request)
    )
    return Job(document, origin, normalize.STEP_FUNCTIONS, canonical_lines, f"{machine}/{name}")


def is_opaque(value: Any) -> bool:
    """A string Step Functions computes (JSONata ``{% %}``) or deployment substitutes (``${}``)."""
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    return (stripped.startswith("{%") and stripped.endswith("%}")) or "${" in value


def _convert(
    node: Mapping[str, Any],
    source: str,
    target: str,
    out: dict[str, Any],
    lines: dict[str, int],
    unknown: set[str],
    source_lines: Mapping[str, int],
) -> None:
    """Copy a PascalCase request into camelCase, recording the lines and the unknown paths."""
    data_keyed = target == "hyperParameters" or target.rsplit(".", 1)[-1] in _DATA_KEYED_MAPS
    for key, value in node.items():
        key = str(key)
        computed = key.endswith(".$")
        name = key[:-2] if computed else key
        if not data_keyed:
            name = name[:1].lower() + name[1:]
        path = f"{target}.{name}" if target else name
        here = f"{source}.{key}"
        if here in source_lines:
            lines[path] = source_lines[here]
        if computed or is_opaque(value):
            out[name] = value
            unknown.add(path)
        elif isinstance(value, dict):
            out[name] = {}
            _convert(value, here, path, out[name], lines, unknown, source_lines)
        elif isinstance(value, list):
            items: list[Any] = []
            for index, item in enumerate(value):
                item_path, item_source = f"{path}.{index}", f"{here}.{index}"
                if item_source in source_lines:
                    lines[item_path] = source_lines[item_source]
                if isinstance(item, dict):
                    converted: dict[str, Any] = {}
                    _convert(item, item_source, item_path, converted, lines, unknown, source_lines)
                    items.append(converted)
                else:
                    if is_opaque(item):
                        unknown.add(item_path)
                    items.append(item)
            out[name] = items
        else:
            out[name] = value


def _renamed(unknown: set[str], request: Mapping[str, Any]) -> set[str]:
    """Unknown create-request paths under the Get shape's names (as normalize.from_api renames)."""
    tags = request.get("jobTags")
    renamed: set[str] = set()
    for path in unknown:
        head, dot, rest = path.partition(".")
        if head == "jobTags":
            # A tag list becomes a mapping: an unknown tag is its key's entry, or all of them.
            index, _, _ = rest.partition(".")
            tag = tags[int(index)] if index.isdigit() and isinstance(tags, list) else None
            key = tag.get("key") if isinstance(tag, dict) else None
            known_key = isinstance(key, str) and f"jobTags.{index}.key" not in unknown
            renamed.add(f"tags.{key}" if known_key else "tags")
            continue
        renamed.add(_CREATE_TO_GET.get(head, head) + dot + rest)
    return renamed
