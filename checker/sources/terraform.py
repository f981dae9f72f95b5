"""Terraform: ``aws_bedrock_custom_model`` in .tf files and in ``terraform show -json`` output."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from checker import normalize
from checker.errors import InputError
from checker.model import Job, LoadError, Origin
from checker.sources import stepfunctions

RESOURCE_TYPE = "aws_bedrock_custom_model"
# Every Terraform document with a job names the resource type (HCL and JSON alike).
MARKERS = (RESOURCE_TYPE,)
# [ \t]*, not \s*: \s would match the blank lines before the block and start it too early.
# Every resource block: its labels may be spelt with escapes ("aws_bedrock_\u0063ustom_model"),
# which Terraform reads as the plain name, so they are compared once decoded.
_BLOCK_START = re.compile(
    r'^[ \t]*resource\s+"((?:[^"\\\n]|\\.)*)"\s+"((?:[^"\\\n]|\\.)*)"\s*\{', re.M
)
_HCL_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_HCL_ESCAPED = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
# The resource's name in a block's first line, as written (escapes decoded by _hcl_unescape).
_BLOCK_NAME = re.compile(r'\s*resource\s+"(?:[^"\\\n]|\\.)*"\s+"((?:[^"\\\n]|\\.)*)"')
# A name, or a quoted key of an object (a state machine's "Create Job", "JobName.$"), then
# "=", ":" (object syntax) or the "{" of a block.
_ATTRIBUTE = re.compile(r'^\s*(?:"([^"]+)"|([A-Za-z_][\w-]*))\s*(=|:|\{)')
# The parser takes some 200-400 bytes of memory per byte of text: each resource block is parsed
# alone, and a block longer than this is refused rather than parsed.
MAX_BLOCK_BYTES = 256 * 1024


def is_plan_or_state(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "format_version" in data
        and any(
            key in data for key in ("planned_values", "values", "resource_changes", "prior_state")
        )
    )


def is_tf_json_config(data: Any) -> bool:
    """Terraform's JSON configuration syntax (``*.tf.json``): ``{"resource": {type: {...}}}``
    with a custom model or a state machine."""
    resources = data.get("resource") if isinstance(data, dict) else None
    return any(
        True
        for resource_type in (RESOURCE_TYPE, STATE_MACHINE_TYPE)
        for _ in _label_objects(resources, "resource", resource_type)
    )


def _label_objects(value: Any, path: str, label: str) -> Iterator[tuple[Any, str]]:
    """The value under ``label`` of a block level in Terraform's JSON syntax, with its JSON path.

    At any level a block may be written as an object or as an array of objects (HCL's JSON
    specification): ``"resource": [{"aws_...": {...}}]``, ``"m": [{...}]``.
    """
    levels = value if isinstance(value, list) else [value]
    for index, level in enumerate(levels):
        here = f"{path}.{index}" if isinstance(value, list) else path
        if isinstance(level, dict) and label in level:
            yield level[label], f"{here}.{label}"


def _objects(value: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """A block body written as an object, or each object of an array of them."""
    if isinstance(value, dict):
        yield value, path
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield item, f"{path}.{index}"


def _hcl_unescape(label: str) -> str:
    def decoded(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] in "uU" and len(escape) > 1:
            return chr(int(escape[1:], 16)) if int(escape[1:], 16) <= 0x10FFFF else match.group(0)
        return _HCL_ESCAPED.get(escape, match.group(0))

    return _HCL_ESCAPE.sub(decoded, label)


def hcl_resources(text: str) -> Iterator[tuple[str, dict[str, Any], dict[str, int], int]]:
    """(name, attributes, attribute lines, first line) of each resource in HCL text.

    The blocks are found on the text's code (hcl_text.code_text), and each is parsed alone:
    the rest of the file is not read by the parser.
    """
    return _hcl_blocks(text, RESOURCE_TYPE)


def _hcl_blocks(
    text: str, resource_type: str
) -> Iterator[tuple[str, dict[str, Any], dict[str, int], int]]:
    from checker.sources import hcl_text  # imported here: only .tf files are read as HCL

    code = hcl_text.code_text(text)
    code_lines = code.split("\n")
    text_lines = text.split("\n")
    line, position = 1, 0
    for match in _BLOCK_START.finditer(code):
        line += code.count("\n", position, match.start())
        position = match.start()
        if _hcl_unescape(match.group(1)) != resource_type:
            continue
        name = _hcl_unescape(match.group(2))
        lines, last = _attribute_lines(code_lines, line)
        block = "\n".join(text_lines[line - 1 : last])
        if len(block) > MAX_BLOCK_BYTES:
            raise InputError(
                f"resource {resource_type}.{name} is larger than {MAX_BLOCK_BYTES // 1024} KiB",
                line,
            )
        attributes = _parse_block(block, line, resource_type).get(name)
        if isinstance(attributes, list):  # older parser output: one block per list item
            attributes = attributes[0] if attributes else {}
        if isinstance(attributes, dict):
            yield name, attributes, lines, line


def _parse_block(block: str, first_line: int, resource_type: str) -> dict[str, Any]:
    """The resource block's ``{name: attributes}``: read by hcl_values when it is written in
    the shapes jobs' blocks usually are (many times faster), else parsed by python-hcl2."""
    from checker.sources import hcl_values

    attributes = hcl_values.resource_attributes(block)
    if attributes is not None:
        header = _BLOCK_NAME.match(block)
        if header is not None:
            return {_hcl_unescape(header.group(1)): attributes}
    found: dict[str, Any] = {}
    for resources in _parse_hcl(block, first_line).get("resource") or []:
        found.update(resources.get(resource_type) or {})
    return found


def _parse_hcl(block: str, first_line: int) -> dict[str, Any]:
    """HCL text parsed; expressions become ``${...}`` strings. Errors name the file's line."""
    import hcl2  # imported here: only .tf files pay for the HCL parser
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    try:
        parsed = hcl2.loads(block + "\n", serialization_options=options)
    except Exception as exc:  # lark raises several unrelated types; all mean "bad syntax"
        line = getattr(exc, "line", None)
        line = line + first_line - 1 if isinstance(line, int) and line > 0 else None
        column = getattr(exc, "column", None)
        summary = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        summary = re.sub(r"\s*at line \d+,? col(umn)? \d+\.?$", "", summary)
        where = f" (line {line}, column {column})" if line else ""
        raise InputError(f"invalid Terraform: {summary}{where}", line or first_line) from exc
    return parsed


def _attribute_lines(code_lines: list[str], start: int) -> tuple[dict[str, int], int]:
    """Terraform paths (``vpc_config.0.subnet_ids``) -> lines, by scanning the block's code;
    with the block's last line. Reads the block's lines only, each once."""
    lines: dict[str, int] = {}
    stack: list[str] = []
    counts: dict[str, int] = {}
    depth = 0
    number = start - 1
    for number in range(start - 1, len(code_lines)):
        raw = code_lines[number]
        match = _ATTRIBUTE.match(raw)
        if match and depth >= 1:
            name = match.group(1) or match.group(2)
            prefix = ".".join(stack[-1:])
            path = f"{prefix}.{name}" if prefix else name
            if match.group(3) == "{":
                index = counts.get(path, 0)
                counts[path] = index + 1
                lines.setdefault(path, number + 1)
                lines.setdefault(f"{path}.{index}", number + 1)
                stack.append(f"{path}.{index}")
            else:
                lines.setdefault(path, number + 1)
                if raw.rstrip().endswith("{"):  # a map attribute: its keys are paths below it
                    stack.append(path)
        depth += raw.count("{") - raw.count("}")
        while len(stack) > max(depth - 1, 0):
            stack.pop()
        if depth <= 0:
            break
    return lines, number + 1


def _unknown_paths(marks: Any, prefix: str = "") -> set[str]:
    """Paths marked ``true`` in a plan's ``after_unknown`` structure."""
    found: set[str] = set()
    stack = [(prefix, marks)]
    while stack:
        path, node = stack.pop()
        if node is True:
            found.add(path)
        elif isinstance(node, dict):
            stack.extend((f"{path}.{k}" if path else k, v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(node))
    return found


def plan_resources(
    data: Mapping[str, Any], resource_type: str = RESOURCE_TYPE
) -> Iterator[tuple[str, dict[str, Any], set[str], str]]:
    """(address, values, unknown paths, JSON path of the values) of every resource of the type.

    A plan's ``resource_changes`` carry ``after`` and ``after_unknown``; without them, the planned
    or state ``values`` of the root module and all child modules are read.
    """
    changes = data.get("resource_changes")
    if isinstance(changes, list) and changes:
        for index, change in enumerate(changes):
            if not isinstance(change, dict) or change.get("type") != resource_type:
                continue
            body = change.get("change")
            after = body.get("after") if isinstance(body, dict) else None
            if not isinstance(body, dict) or not isinstance(after, dict):
                continue  # a delete (nothing will exist to check), or a damaged plan
            unknown = _unknown_paths(body.get("after_unknown") or {})
            yield (
                str(change.get("address", resource_type)),
                after,
                unknown,
                f"resource_changes.{index}.change.after",
            )
        return
    for root_key in ("planned_values", "values"):
        root = data.get(root_key)
        if isinstance(root, dict) and isinstance(root.get("root_module"), dict):
            yield from _module_resources(
                root["root_module"], f"{root_key}.root_module", resource_type
            )
            return


def _module_resources(
    module: Mapping[str, Any], path: str, resource_type: str
) -> Iterator[tuple[str, dict[str, Any], set[str], str]]:
    # Lists in a well-formed plan; anything else in a damaged or hand-edited one is passed over.
    resources = module.get("resources")
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if isinstance(resource, dict) and resource.get("type") == resource_type:
            values = resource.get("values")
            if isinstance(values, dict):
                address = str(resource.get("address", resource_type))
                yield address, values, set(), f"{path}.resources.{index}.values"
    children = module.get("child_modules")
    for index, child in enumerate(children if isinstance(children, list) else []):
        if isinstance(child, dict):
            yield from _module_resources(child, f"{path}.child_modules.{index}", resource_type)


def json_config_resources(
    data: Mapping[str, Any], resource_type: str = RESOURCE_TYPE
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(name, attributes, JSON path of the attributes) of each resource of the type in a .tf.json
    file, whether its levels are written as objects or as arrays of objects."""
    for typed, path in _label_objects(data["resource"], "resource", resource_type):
        for named, named_path in _objects(typed, path):
            for name, body in named.items():
                for attributes, json_path in _objects(body, f"{named_path}.{name}"):
                    yield str(name), attributes, json_path


def _block_lines(
    value: Mapping[str, Any],
    json_lines: Mapping[str, int],
    fields: Mapping[str, Any],
    json_prefix: str,
    tf_prefix: str,
    found: dict[str, int],
) -> None:
    """The lines of a .tf.json body under Terraform's paths: a nested block written as an object
    (``"vpc_config": {...}``) is block 0, as in HCL (``vpc_config.0.subnet_ids``)."""
    for key, item in value.items():
        json_path, tf_path = f"{json_prefix}{key}", f"{tf_prefix}{key}"
        if json_path in json_lines:
            found[tf_path] = json_lines[json_path]
        spec = fields.get(key)
        if isinstance(spec, tuple):
            for index, (block, block_path) in enumerate(_objects(item, json_path)):
                line = json_lines.get(block_path) or json_lines.get(json_path)
                if line is not None:
                    found[f"{tf_path}.{index}"] = line
                _block_lines(
                    block, json_lines, spec[2], f"{block_path}.", f"{tf_path}.{index}.", found
                )
        else:
            prefix = json_path + "."
            found.update(
                (tf_path + path[len(json_path) :], line)
                for path, line in json_lines.items()
                if path.startswith(prefix)
            )


def read_plan_document(
    data: Any, lines: Mapping[str, int], origin: Origin
) -> Iterator[Job | LoadError] | None:
    """The custom models of ``terraform show -json`` output (a plan or a state), and the jobs of
    its state machines."""
    if not is_plan_or_state(data):
        return None
    machines = (
        item
        for address, values, _unknown, json_path in plan_resources(data, STATE_MACHINE_TYPE)
        for item in _json_definition_jobs(values, lines, origin, address, json_path)
    )
    return itertools.chain(_plan_models(data, lines, origin), machines)


def _plan_models(
    data: Mapping[str, Any], lines: Mapping[str, int], origin: Origin
) -> Iterator[Job]:
    return (
        terraform_job(
            values,
            unknown,
            _below(lines, json_path),
            _at(origin, lines, json_path),
            address,
            normalize.TERRAFORM_PLAN,
        )
        for address, values, unknown, json_path in plan_resources(data)
    )


def read_json_config(
    data: Any, lines: Mapping[str, int], origin: Origin
) -> Iterator[Job | LoadError] | None:
    """The custom models of Terraform's JSON configuration syntax (``*.tf.json``), and the jobs
    of its state machines."""
    if not is_tf_json_config(data):
        return None
    machines = (
        item
        for name, attributes, json_path in json_config_resources(data, STATE_MACHINE_TYPE)
        for item in _json_definition_jobs(
            attributes, lines, origin, f"{STATE_MACHINE_TYPE}.{name}", json_path
        )
    )
    return itertools.chain(_config_models(data, lines, origin), machines)


def _config_models(
    data: Mapping[str, Any], lines: Mapping[str, int], origin: Origin
) -> Iterator[Job]:
    return (
        terraform_job(
            attributes,
            set(),
            _config_lines(attributes, lines, json_path),
            _at(origin, lines, json_path),
            f"{RESOURCE_TYPE}.{name}",
            normalize.TERRAFORM,
        )
        for name, attributes, json_path in json_config_resources(data)
    )


def _config_lines(
    attributes: Mapping[str, Any], lines: Mapping[str, int], json_path: str
) -> dict[str, int]:
    found: dict[str, int] = {}
    _block_lines(attributes, lines, normalize.TERRAFORM_FIELDS, f"{json_path}.", "", found)
    return found


def _below(lines: Mapping[str, int], json_path: str) -> dict[str, int]:
    prefix = json_path + "."
    return {p[len(prefix) :]: n for p, n in lines.items() if p.startswith(prefix)}


def _at(origin: Origin, lines: Mapping[str, int], json_path: str) -> Origin:
    return Origin(path=origin.path, line=lines.get(json_path, origin.line))


def terraform_job(
    attributes: dict[str, Any],
    unknown: set[str],
    tf_lines: dict[str, int],
    origin: Origin,
    address: str,
    kind: str,
) -> Job:
    document, lines, canonical_unknown = normalize.from_terraform(attributes, unknown, tf_lines)
    document, lines = normalize.finish(document, lines, kind, canonical_unknown)
    return Job(document, origin, kind, lines, resource=address)


# ---------------------------------------------------------------------------------------------
# aws_sfn_state_machine: jobs launched by the state machine's Task states

STATE_MACHINE_TYPE = "aws_sfn_state_machine"
_JSONENCODE = re.compile(r"^\$\{jsonencode\((.*)\)\}$", re.S)
_HEREDOC = re.compile(r"^<<-?([A-Za-z_]\w*)\n(.*)\n[ \t]*\1$", re.S)


def state_machine_jobs(text: str, shown: str) -> Iterator[Job | LoadError]:
    """The jobs of every ``aws_sfn_state_machine`` whose ``definition`` is written in the file:
    ``jsonencode({...})``, a heredoc or a string. A definition read from elsewhere
    (``templatefile()``, ``file()``, a variable) is not seen here."""
    if STATE_MACHINE_TYPE not in text:
        return
    for name, attributes, lines, start in _hcl_blocks(text, STATE_MACHINE_TYPE):
        definition = attributes.get("definition")
        if not isinstance(definition, str) or "createModelCustomizationJob" not in definition:
            continue
        at = Origin(shown, lines.get("definition", start))
        address = f"{STATE_MACHINE_TYPE}.{name}"
        try:
            yield from _definition_jobs(definition, lines, at, address)
        except InputError as exc:
            yield LoadError(at, f"{address}: definition: {exc.message}")


def _definition_jobs(
    definition: str, lines: dict[str, int], at: Origin, address: str
) -> Iterator[Job]:
    encoded = _JSONENCODE.match(definition)
    if encoded:
        data = _parse_hcl(f"definition = {encoded.group(1)}", at.line).get("definition")
        if stepfunctions.is_state_machine(data):
            yield from stepfunctions.jobs_in_definition(data, lines, at, address, "definition.")
        return
    if definition.startswith("${"):
        return  # templatefile(), file(), a variable: the definition is not in this file
    heredoc = _HEREDOC.match(definition)
    body = heredoc.group(2) if heredoc else definition
    parsed = stepfunctions.parse_definition_text(body)
    if stepfunctions.is_state_machine(parsed.data):
        # A heredoc's text starts on the line after ``definition = <<EOT``.
        inner = {k: at.line + n for k, n in parsed.lines.items()} if heredoc else {}
        yield from stepfunctions.jobs_in_definition(parsed.data, inner, at, address)


def _json_definition_jobs(
    attributes: Mapping[str, Any],
    lines: Mapping[str, int],
    origin: Origin,
    address: str,
    json_path: str,
) -> Iterator[Job | LoadError]:
    """The jobs of a state machine whose ``definition`` is a JSON string in a plan, a state or a
    .tf.json file; its states have no lines of their own, so each job is at the definition's."""
    definition = attributes.get("definition")
    if not isinstance(definition, str) or "createModelCustomizationJob" not in definition:
        return  # none, unknown until apply, or an expression ("${...}") read from elsewhere
    at = _at(origin, lines, f"{json_path}.definition")
    try:
        parsed = stepfunctions.parse_definition_text(definition)
    except InputError as exc:
        yield LoadError(at, f"{address}: definition: {exc.message}")
        return
    if stepfunctions.is_state_machine(parsed.data):
        yield from stepfunctions.jobs_in_definition(parsed.data, {}, at, address)
