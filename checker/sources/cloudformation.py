"""CloudFormation, SAM and CDK output: the Step Functions state machines a template declares.

``AWS::StepFunctions::StateMachine`` and ``AWS::Serverless::StateMachine`` give their definition
as an object (``Definition``) or as JSON text (``DefinitionString``, often built with
``Fn::Sub`` or ``Fn::Join``, as CDK writes it). ``DefinitionSubstitutions`` with literal values
are applied; every other substitution, reference or pseudo parameter is known only at deployment
and stays in the text as ``${Name}``, which marks the value unknown. The Task states that create
customization jobs are read by ``checker.sources.stepfunctions``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from checker import parsing
from checker.errors import InputError
from checker.model import Job, LoadError, Origin
from checker.sources import stepfunctions

STATE_MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
_SUBSTITUTION = re.compile(r"\$\{([^}!][^}]*)\}")


# ---------------------------------------------------------------------------------------------
# YAML with CloudFormation's short-form tags


def is_template_text(text: str) -> bool:
    """YAML text that may declare a state machine: worth reading with the tags kept."""
    return any(kind in text for kind in STATE_MACHINE_TYPES)


def parse_yaml(text: str) -> Iterator[parsing.ParsedDocument]:
    """Every document of a YAML template, short-form tags in their long form, with key lines."""
    from checker.sources.cloudformation_yaml import parse_yaml as parse  # PyYAML only for YAML

    return parse(text)


# ---------------------------------------------------------------------------------------------
# State machines in a parsed template


def is_template(data: Any) -> bool:
    resources = data.get("Resources") if isinstance(data, dict) else None
    return isinstance(resources, dict) and any(
        isinstance(resource, dict) and resource.get("Type") in STATE_MACHINE_TYPES
        for resource in resources.values()
    )


def read_document(
    data: Any, lines: Mapping[str, int], origin: Origin
) -> list[Job | LoadError] | None:
    """The jobs launched by the template's state machines; None if it declares none."""
    if not is_template(data):
        return None
    found: list[Job | LoadError] = []
    for logical_id, resource in data["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") not in STATE_MACHINE_TYPES:
            continue
        properties = resource.get("Properties")
        if isinstance(properties, dict):
            path = f"Resources.{logical_id}.Properties"
            found.extend(_state_machine_jobs(str(logical_id), properties, path, lines, origin))
    return found


def _state_machine_jobs(
    logical_id: str,
    properties: Mapping[str, Any],
    path: str,
    lines: Mapping[str, int],
    origin: Origin,
) -> Iterator[Job | LoadError]:
    substitutions = _literal_values(properties.get("DefinitionSubstitutions"))
    definition = properties.get("Definition")
    if isinstance(definition, dict):
        resolved = _substitute_values(definition, substitutions)
        at = Origin(origin.path, lines.get(f"{path}.Definition", origin.line), origin.index)
        yield from stepfunctions.jobs_in_definition(
            resolved, lines, at, logical_id, f"{path}.Definition."
        )
        return
    if "DefinitionString" not in properties:
        return  # DefinitionS3Location, DefinitionUri: the definition is in another file
    text, text_path, pieces = _render(properties["DefinitionString"], substitutions)
    base = lines.get(f"{path}.DefinitionString.{text_path}".rstrip("."))
    base = base or lines.get(f"{path}.DefinitionString", origin.line)
    at = Origin(origin.path, base, origin.index)
    if text is None or "createModelCustomizationJob" not in text:
        return
    try:
        parsed = stepfunctions.parse_definition_text(text)
    except InputError as exc:
        yield LoadError(at, f"state machine {logical_id}: DefinitionString: {exc.message}")
        return
    if not stepfunctions.is_state_machine(parsed.data):
        return
    # Lines of the text's keys: a block of text (YAML ``|``) runs down the file from the line
    # after its key; text on one line, or joined from pieces, gives each state its piece's line.
    piece_lines = [
        (piece, lines.get(f"{path}.DefinitionString.{piece_path}", base))
        for piece, piece_path in pieces
    ]
    state_lines = _state_lines(parsed.data, piece_lines)
    newlines = text.count("\n")
    inner_lines: dict[str, int] = {}
    if (
        newlines
        and len(pieces) == 1
        and not any(base < line <= base + newlines for line in lines.values())
    ):
        inner_lines = {key: base + line for key, line in parsed.lines.items()}
    yield from stepfunctions.jobs_in_definition(
        parsed.data, inner_lines, at, logical_id, "", state_lines
    )


def _literal_values(substitutions: Any) -> dict[str, str]:
    """DefinitionSubstitutions known before deployment: strings, numbers and booleans."""
    if not isinstance(substitutions, dict):
        return {}
    literal: dict[str, str] = {}
    for name, value in substitutions.items():
        if isinstance(value, bool):
            literal[str(name)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            literal[str(name)] = str(value)
    return literal


def _substitute(text: str, values: Mapping[str, str]) -> str:
    return _SUBSTITUTION.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _intrinsic_text(value: Any, values: Mapping[str, str]) -> str | None:
    """An intrinsic function as text: ``Fn::Sub`` resolved as far as known, any other as the
    ``${...}`` it would be in a ``Fn::Sub`` (unknown until deployment); None if not one."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    [(name, argument)] = value.items()
    if name == "Ref":
        return f"${{{argument}}}"
    if name == "Fn::GetAtt":
        parts = argument if isinstance(argument, list) else [argument]
        return "${" + ".".join(str(p) for p in parts) + "}"
    if name == "Fn::Sub":
        if isinstance(argument, str):
            return _substitute(argument, values)
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            own = argument[1] if len(argument) > 1 else None
            return _substitute(argument[0], {**values, **_literal_values(own)})
    if isinstance(name, str) and name.startswith("Fn::"):
        return "${" + name + "}"
    return None


def _substitute_values(node: Any, values: Mapping[str, str]) -> Any:
    """A ``Definition`` object with literal substitutions applied and intrinsics as text."""
    if isinstance(node, str):
        return _substitute(node, values) if "${" in node else node
    if isinstance(node, dict):
        text = _intrinsic_text(node, values)
        if text is not None:
            return text
        return {key: _substitute_values(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute_values(item, values) for item in node]
    return node


def _render(value: Any, values: Mapping[str, str]) -> tuple[str | None, str, list[tuple[str, str]]]:
    """DefinitionString as text: (text, path of the text below DefinitionString, pieces).

    Each piece is (its text, its path below DefinitionString), so that a state can be found in
    the piece, and the line, it came from.
    """
    if isinstance(value, str):
        text = _substitute(value, values)
        return text, "", [(text, "")]
    if isinstance(value, dict) and len(value) == 1:
        [(name, argument)] = value.items()
        if name == "Fn::Sub":
            sub_text = _intrinsic_text(value, values)
            text_path = "Fn::Sub" if isinstance(argument, str) else "Fn::Sub.0"
            return sub_text, text_path, [(sub_text or "", text_path)]
        if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if isinstance(separator, str) and isinstance(parts, list):
                pieces = []
                for index, part in enumerate(parts):
                    piece = part if isinstance(part, str) else _intrinsic_text(part, values)
                    pieces.append((piece or "${Fn::Join}", f"Fn::Join.1.{index}"))
                return separator.join(p for p, _ in pieces), "Fn::Join", pieces
    return None, "", []


def _state_lines(definition: Mapping[str, Any], pieces: list[tuple[str, int]]) -> dict[str, int]:
    """The line of each Task state, from the piece of text that holds its key (``"Name":``)."""
    lines: dict[str, int] = {}
    for name, _, _ in stepfunctions.task_states(definition):
        key = json.dumps(name, ensure_ascii=False)
        for piece, line in pieces:
            if key + ":" in piece or key + " :" in piece:
                lines[name] = line
                break
    return lines
