"""Every job shape -> the GetModelCustomizationJob shape, plus a ``derived`` section of facts.

The derived facts (documented in docs/job-document.md) give rules what the raw API fields only
imply: the job's account, region and partition, the effective customization type, every data S3
URI with its role, the base-model id and family, the KMS key form, and which values are not known
(Terraform) or not resolved (template placeholders).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from checker.model import STATE_MACHINE_KIND
from checker.packs import hyperparameter_families

GET_RESPONSE = "get-response"
CREATE_REQUEST = "create-request"
TERRAFORM = "terraform"
TERRAFORM_PLAN = "terraform-plan"
STEP_FUNCTIONS = STATE_MACHINE_KIND  # a Task state of a Step Functions state machine

# Create-request (and boto3 kwargs) names that differ from the Get response.
_CREATE_TO_GET = {
    "customModelName": "outputModelName",
    "baseModelIdentifier": "baseModelArn",
    "customModelKmsKeyId": "outputModelKmsKeyArn",
    "jobTags": "tags",
}
_GET_MARKERS = ("jobArn", "baseModelArn", "outputModelName")
_CREATE_MARKERS = ("customModelName", "baseModelIdentifier")
_DROPPED = ("ResponseMetadata",)

# Terraform aws_bedrock_custom_model -> Get shape. A tuple names a nested block:
# (Get name, is a list of blocks, the block's own field map).
_TfMap = Mapping[str, "str | tuple[str, bool, _TfMap]"]
TERRAFORM_FIELDS: _TfMap = {
    "job_name": "jobName",
    "custom_model_name": "outputModelName",
    "base_model_identifier": "baseModelArn",
    "role_arn": "roleArn",
    "custom_model_kms_key_id": "outputModelKmsKeyArn",
    "customization_type": "customizationType",
    "hyperparameters": "hyperParameters",
    "job_arn": "jobArn",
    "custom_model_arn": "outputModelArn",
    "job_status": "status",
    "tags": "tags",
    "training_data_config": ("trainingDataConfig", False, {"s3_uri": "s3Uri"}),
    "output_data_config": ("outputDataConfig", False, {"s3_uri": "s3Uri"}),
    "validation_data_config": (
        "validationDataConfig",
        False,
        {"validator": ("validators", True, {"s3_uri": "s3Uri"})},
    ),
    "vpc_config": (
        "vpcConfig",
        False,
        {"subnet_ids": "subnetIds", "security_group_ids": "securityGroupIds"},
    ),
    "training_metrics": ("trainingMetrics", False, {"training_loss": "trainingLoss"}),
    "validation_metrics": ("validationMetrics", True, {"validation_loss": "validationLoss"}),
}

_PLACEHOLDER = re.compile(
    r"\{\{?\s*[A-Za-z_][\w.-]*\s*\}?\}"  # {account_id}, {{ bucket }}
    r"|<[A-Za-z_][\w .-]*>"  # <YOUR_BUCKET>
    # ${var}. The body stops at the next "${" too: every character is then read from one "${"
    # at most, where [^}]* read on to the end of the text from every one (quadratic time).
    r"|\$\{(?:[^$}]|\$(?!\{))*+\}"
    r"|\$(?!LATEST\b)[A-Z][A-Z0-9_]{2,}"  # $ACCOUNT_ID, but not Lambda's $LATEST qualifier
)
_ARN = re.compile(
    r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.*)$"
)
_KEY_ID = re.compile(r"^(?:mrk-[0-9a-fA-F]{32}|[0-9a-fA-F-]{36})$")  # mrk-: multi-Region key


def classify(data: Any) -> str | None:
    """The API shape of a JSON/YAML mapping, or None when it is not a customization job."""
    if not isinstance(data, dict) or "jobName" not in data:
        return None
    if any(key in data for key in _CREATE_MARKERS):
        return CREATE_REQUEST
    if any(key in data for key in _GET_MARKERS):
        return GET_RESPONSE
    return None


def parse_arn(value: Any) -> dict[str, str] | None:
    if not isinstance(value, str):
        return None
    match = _ARN.match(value)
    return match.groupdict() if match else None


def from_api(
    data: Mapping[str, Any], kind: str, lines: Mapping[str, int]
) -> tuple[dict[str, Any], dict[str, int]]:
    """A Get response or Create request -> the Get shape; line paths renamed alongside."""
    renames = _CREATE_TO_GET if kind == CREATE_REQUEST else {}
    document: dict[str, Any] = {}
    for key, value in data.items():
        if key in _DROPPED:
            continue
        document[renames.get(key, key)] = value
    renamed = dict(lines)
    if renames:
        for path, line in lines.items():
            head, dot, rest = path.partition(".")
            if head in renames:
                del renamed[path]
                renamed[renames[head] + dot + rest] = line
    tags = document.get("tags")
    if kind == CREATE_REQUEST and isinstance(tags, list):
        document["tags"] = _tag_map(tags)
        if isinstance(document["tags"], dict):
            for index, tag in enumerate(tags):
                if f"tags.{index}" in renamed:
                    renamed[f"tags.{tag['key']}"] = renamed[f"tags.{index}"]
    return document, renamed


def _tag_map(tags: list[Any]) -> Any:
    """``[{key, value}]`` (the API's tag list) -> ``{key: value}``, which rules can address."""
    if all(isinstance(t, dict) and "key" in t for t in tags):
        return {str(t["key"]): t.get("value") for t in tags}
    return tags


def from_terraform(
    values: Mapping[str, Any], tf_unknown: set[str], tf_lines: Mapping[str, int]
) -> tuple[dict[str, Any], dict[str, int], set[str]]:
    """Terraform resource attributes -> the Get shape, with unknown and line paths translated.

    ``tf_unknown`` holds Terraform paths whose value is known only after apply; a string holding
    an interpolation (``${var.x}``, as read from .tf files) is unknown too.
    """
    document: dict[str, Any] = {}
    unknown: set[str] = set()
    lines: dict[str, int] = {}
    _translate_block(
        values, TERRAFORM_FIELDS, "", "", document, tf_unknown, unknown, tf_lines, lines
    )
    params = document.get("hyperParameters")
    if isinstance(params, dict):
        # hyperparameters is map(string) in Terraform: numbers are converted to strings.
        document["hyperParameters"] = {
            k: (str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)
            for k, v in params.items()
        }
    return document, lines, unknown


def _translate_block(
    block: Mapping[str, Any],
    fields: _TfMap,
    tf_prefix: str,
    prefix: str,
    out: dict[str, Any],
    tf_unknown: set[str],
    unknown: set[str],
    tf_lines: Mapping[str, int],
    lines: dict[str, int],
) -> None:
    # dynamic "vpc_config" { for_each = ... }: how many blocks, holding what, is known only
    # after apply. HCL gives a list of {label: block}; Terraform's JSON syntax may give a mapping.
    entries = block.get("dynamic")
    entries = [entries] if isinstance(entries, dict) else entries
    dynamic = {
        label
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
        for label in entry
    }
    for tf_key, spec in fields.items():
        tf_path = tf_prefix + tf_key
        name = spec if isinstance(spec, str) else spec[0]
        path = prefix + name
        if tf_path in tf_lines:
            lines[path] = tf_lines[tf_path]
        if tf_key in dynamic and tf_key not in block:
            out[name] = "(dynamic block)"
            unknown.add(path)
            continue
        if tf_path in tf_unknown:
            out[name] = "(known after apply)"
            unknown.add(path)
            continue
        if tf_key not in block or block[tf_key] is None:
            continue
        value = block[tf_key]
        if isinstance(spec, str):
            out[name] = value
            for sub_path, leaf in _leaves(value, path):
                if isinstance(leaf, str) and "${" in leaf:
                    unknown.add(sub_path)
            for sub_tf in [p for p in tf_unknown if p.startswith(tf_path + ".")]:
                unknown.add(path + sub_tf[len(tf_path) :])
            for sub_tf, line in tf_lines.items():
                if sub_tf.startswith(tf_path + "."):
                    lines[path + sub_tf[len(tf_path) :]] = line
            continue
        _, is_list, sub_fields = spec
        if isinstance(value, str) and "${" in value:
            out[name] = value  # a whole block given by a dynamic expression
            unknown.add(path)
            continue
        blocks = value if isinstance(value, list) else [value]
        blocks = [b for b in blocks if isinstance(b, dict)]
        if not blocks:
            continue
        if is_list:
            items: list[Any] = []
            for index, sub_block in enumerate(blocks):
                item: dict[str, Any] = {}
                _translate_block(
                    sub_block,
                    sub_fields,
                    f"{tf_path}.{index}.",
                    f"{path}.{index}.",
                    item,
                    tf_unknown,
                    unknown,
                    tf_lines,
                    lines,
                )
                items.append(item)
            out[name] = items
        else:
            item = {}
            _translate_block(
                blocks[0],
                sub_fields,
                f"{tf_path}.0.",
                f"{path}.",
                item,
                tf_unknown,
                unknown,
                tf_lines,
                lines,
            )
            out[name] = item


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every (dotted path, scalar) in a JSON-like value, iteratively."""
    stack = [(path, value)]
    while stack:
        current, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{current}.{k}" if current else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{current}.{i}" if current else str(i), v) for i, v in enumerate(node))
        else:
            yield current, node


def _find_placeholders(node: Any, parts: list[str], skip: set[str], found: list[str]) -> None:
    """Paths of string values holding template placeholders (recursive: documents are shallow)."""
    if isinstance(node, str):
        # The three characters every placeholder form starts with: a cheap filter first.
        if ("{" in node or "<" in node or "$" in node) and _PLACEHOLDER.search(node):
            path = ".".join(parts)
            if path not in skip:
                found.append(path)
    elif isinstance(node, dict):
        for key, value in node.items():
            parts.append(str(key))
            _find_placeholders(value, parts, skip, found)
            parts.pop()
    elif isinstance(node, list):
        for index, value in enumerate(node):
            parts.append(str(index))
            _find_placeholders(value, parts, skip, found)
            parts.pop()


# Paths split once: rules and reports read the same few dozen paths for every job.
_PARTS: dict[str, tuple[str, ...]] = {}
_PARTS_LIMIT = 4096


def _get(document: Mapping[str, Any], path: str) -> Any:
    parts = _PARTS.get(path)
    if parts is None:
        parts = tuple(path.split("."))
        if len(_PARTS) < _PARTS_LIMIT:
            _PARTS[path] = parts
    node: Any = document
    # The common case: every part is a key of a dict (or an index of a list) as written.
    last = len(parts) - 1
    for position, part in enumerate(parts):
        if isinstance(node, dict):
            if part not in node:
                # A missing last part is simply missing; earlier, it may begin a dotted key.
                return None if position == last else _get_dotted(node, parts, position)
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _get_dotted(node: Any, parts: tuple[str, ...], index: int) -> Any:
    """_get from ``parts[index]`` on, in ``node``, where a key may hold dots itself (a bucket
    name in resources.buckets): at each level, the longest run of parts that names a key."""
    while index < len(parts):
        part = parts[index]
        index += 1
        if isinstance(node, dict):
            if part not in node:
                for end in range(len(parts), index, -1):
                    joined = ".".join(parts[index - 1 : end])
                    if joined in node:
                        part, index = joined, end
                        break
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def opaque_paths(document: Mapping[str, Any]) -> dict[str, str]:
    """The paths of values that cannot be judged (derived.unknown and derived.unresolved),
    each with the reason, worded to complete "<path> ..."."""
    derived = document.get("derived") or {}
    when = "apply"
    if derived.get("format") == STEP_FUNCTIONS:
        when = "deployment or run time"
    opaque = {path: f"is not known until {when}" for path in derived.get("unknown") or ()}
    opaque.update(
        (path, "holds an unresolved placeholder") for path in derived.get("unresolved") or ()
    )
    return opaque


def get_path(document: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (list items by index), or None."""
    return _get(document, path)


def model_family(model_id: str | None) -> str | None:
    if not model_id:
        return None
    if model_id in _FAMILIES:
        return _FAMILIES[model_id]
    found = None
    for family, entry in hyperparameter_families().items():
        if any(_matches(model_id, pattern) for pattern in entry.get("models") or ()):
            found = family
            break
    if len(_FAMILIES) < _FAMILIES_LIMIT:
        _FAMILIES[model_id] = found
    return found


def _matches(model_id: str, pattern: str) -> bool:
    """fnmatchcase, without compiling a regular expression for the table's usual patterns (a
    prefix and a trailing "*", or none): a one-job run would spend longer compiling them."""
    head, star, tail = pattern.partition("*")
    if not tail and not any(char in head for char in "?[") and (star or "*" not in head):
        return model_id.startswith(head) if star else model_id == head
    return fnmatch.fnmatchcase(model_id, pattern)


# The family of each model id seen: jobs name a few base models (the table is fixed per run).
_FAMILIES: dict[str, str | None] = {}
_FAMILIES_LIMIT = 4096


def _model_id(identifier: Any) -> str | None:
    """The model id in an identifier: ``arn:...:foundation-model/<id>`` -> ``<id>``."""
    if not isinstance(identifier, str) or not identifier:
        return None
    if identifier.startswith("arn:"):
        # A custom model (continued customization) is named custom-model/<base model id>/<suffix>.
        parts = identifier.split("/")
        if len(parts) == 3 and parts[0].endswith(":custom-model"):
            return parts[1]
        return parts[-1] if len(parts) > 1 else None
    return identifier


def _kms_form(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return "invalid"
    arn = parse_arn(value)
    if arn is not None:
        if arn["service"] != "kms":
            return "invalid"
        if arn["resource"].startswith("key/"):
            return "key-arn"
        if arn["resource"].startswith("alias/"):
            return "alias-arn"
        return "invalid"
    if value.startswith("alias/"):
        return "alias"
    if _KEY_ID.match(value):
        return "key-id"
    return "invalid"


def _data_uris(document: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(role, source path, uri) for every S3 location the job reads or writes."""
    found: list[tuple[str, str, Any]] = []
    if _get(document, "trainingDataConfig.s3Uri") is not None:
        found.append(
            ("training", "trainingDataConfig.s3Uri", _get(document, "trainingDataConfig.s3Uri"))
        )
    log_path = "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri"
    if _get(document, log_path) is not None:
        found.append(("invocationLogs", log_path, _get(document, log_path)))
    validators = _get(document, "validationDataConfig.validators")
    if isinstance(validators, list):
        for index, validator in enumerate(validators):
            if isinstance(validator, dict) and validator.get("s3Uri") is not None:
                path = f"validationDataConfig.validators.{index}.s3Uri"
                found.append(("validation", path, validator["s3Uri"]))
    if _get(document, "outputDataConfig.s3Uri") is not None:
        found.append(("output", "outputDataConfig.s3Uri", _get(document, "outputDataConfig.s3Uri")))
    return found


def split_s3_uri(uri: Any) -> tuple[str, str] | None:
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def finish(
    document: dict[str, Any], lines: dict[str, int], kind: str, unknown: set[str]
) -> tuple[dict[str, Any], dict[str, int]]:
    """Add the ``derived`` section; returns the document and its line map, both completed."""
    document.pop("derived", None)  # a committed snapshot's derived facts are recomputed
    document.pop("resources", None)  # resource facts come from AWS (--deep), never from the job
    unresolved: list[str] = []
    # ${...} in Terraform is an expression, not a placeholder. One regex search over the whole
    # document first: most documents hold no placeholder, and walking them costs more.
    if kind not in (TERRAFORM, TERRAFORM_PLAN) and _PLACEHOLDER.search(
        json.dumps(document, default=str)
    ):
        _find_placeholders(document, [], unknown, unresolved)
    unresolved.sort()
    opaque = set(unknown) | set(unresolved)

    def known(path: str) -> Any:
        return None if path in opaque else _get(document, path)

    # The job's own ARNs first, then the role's (a job can only pass a role of its own
    # account), then ARNs that are only evidence: the base model's, the KMS key's, the grader's.
    lambda_path = "customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn"
    found: dict[str, tuple[str, str] | None] = {"account": None, "region": None, "partition": None}
    for path in (
        "jobArn",
        "outputModelArn",
        "roleArn",
        "baseModelArn",
        "outputModelKmsKeyArn",
        lambda_path,
    ):
        arn = parse_arn(known(path))
        if arn is None:
            continue
        if found["account"] is None and re.fullmatch(r"\d{12}", arn["account"]):
            found["account"] = (arn["account"], path)
        if found["region"] is None and arn["region"]:
            found["region"] = (arn["region"], path)
        if found["partition"] is None and arn["partition"]:
            found["partition"] = (arn["partition"], path)
    account, region, partition = (value[0] if value else None for value in found.values())
    sources = {f"{part}From": value[1] if value else None for part, value in found.items()}

    derived_lines: dict[str, int] = {}
    data_uris = []
    for index, (role, path, uri) in enumerate(_data_uris(document)):
        parts = split_s3_uri(uri)
        data_uris.append(
            {
                "role": role,
                "uri": uri,
                "bucket": parts[0] if parts else None,
                "key": parts[1] if parts else None,
                "path": path,
            }
        )
        if path in lines:
            derived_lines[f"derived.dataUris.{index}"] = lines[path]
        if path in opaque:
            unknown.add(f"derived.dataUris.{index}")
    teacher_path = (
        "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier"
    )
    base_id = _model_id(known("baseModelArn"))
    for index, path in enumerate(unresolved):
        if path in lines:
            derived_lines[f"derived.unresolved.{index}"] = lines[path]
    for name, path in (
        ("baseModelId", "baseModelArn"),
        ("teacherModelId", teacher_path),
        ("kmsKeyForm", "outputModelKmsKeyArn"),
    ):
        if path in lines:
            derived_lines[f"derived.{name}"] = lines[path]
    for name, path in (
        ("baseModelId", "baseModelArn"),
        ("teacherModelId", teacher_path),
        ("kmsKeyForm", "outputModelKmsKeyArn"),
        ("baseModelFamily", "baseModelArn"),
    ):
        if path in opaque:
            unknown.add(f"derived.{name}")

    document["derived"] = {
        "format": kind,
        "account": account,
        "region": region,
        "partition": partition,
        **sources,
        "customizationType": document.get("customizationType") or "FINE_TUNING",
        "baseModelId": base_id,
        "baseModelFamily": model_family(base_id.split(":")[0] if base_id else None),
        "teacherModelId": _model_id(known(teacher_path)),
        "kmsKeyForm": _kms_form(known("outputModelKmsKeyArn")),
        "dataUris": data_uris,
        "unresolved": unresolved,
        "unknown": sorted(unknown),
    }
    lines.update(derived_lines)
    return document, lines
