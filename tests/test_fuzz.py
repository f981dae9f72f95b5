"""Property-based fuzzing: no input file, job document or policy makes the checker crash.

Loaders turn any bytes into jobs or one-line error results; evaluation gives every job an
outcome (never an internal error) and every format renders it; generated policies load or fail
with CheckerError. The "ci" Hypothesis profile (conftest.py) keeps this bounded; run
``HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py`` for a thorough search.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ALL_BUILTIN, GOOD_JOB, REPO, make_job
from hypothesis import currently_in_test_context, event, given
from hypothesis import strategies as st
from test_report_consistency import (
    check_json,
    check_junit,
    check_markdown,
    check_sarif,
    expected_counts,
)

from checker.errors import CheckerError
from checker.evaluate import evaluate
from checker.model import Job, LoadError, Origin, Report
from checker.packs import hyperparameter_families
from checker.policy import load_policy
from checker.reports import FORMATS, RenderOptions
from checker.sources.files import read_bytes
from checker.vocabulary import ARN_PARTS, to_number

POLICY = load_policy(ALL_BUILTIN)
INTERNAL_ERROR = "could not be evaluated:"
EXAMPLES = sorted(
    path
    for folder in ("passing", "failing")
    for path in (REPO / "examples" / folder).iterdir()
    if path.suffix in (".json", ".jsonl", ".yaml", ".tf")
)
SUFFIXES = (".json", ".yaml", ".yml", ".jsonl", ".tf", "")


def _parse_example(path: Path) -> Any:
    """An example file's data: a JSON Lines file as a list of its documents."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yaml":
        return yaml.safe_load(text)
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def _example_documents() -> list[dict[str, Any]]:
    """Every job-shaped mapping in the example files (Get responses and create requests)."""
    found: list[dict[str, Any]] = [GOOD_JOB]
    for path in EXAMPLES:
        data = _parse_example(path) if path.suffix != ".tf" else None
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and "jobName" in item:
                found.append(item)
    return found


def _rft_job() -> dict[str, Any]:
    document = copy.deepcopy(GOOD_JOB)
    document["customizationType"] = "REINFORCEMENT_FINE_TUNING"
    document["customizationConfig"] = {
        "rftConfig": {
            "graderConfig": {
                "lambdaGrader": {
                    "lambdaArn": "arn:aws:lambda:us-east-1:111122223333:function:grader"
                }
            },
            "hyperParameters": {"epochCount": 2, "learningRate": 0.0001},
        }
    }
    return document


def _distillation_job() -> dict[str, Any]:
    document = copy.deepcopy(GOOD_JOB)
    document["customizationType"] = "DISTILLATION"
    document["customizationConfig"] = {
        "distillationConfig": {
            "teacherModelConfig": {"teacherModelIdentifier": "us.amazon.nova-pro-v1:0"}
        }
    }
    document["trainingDataConfig"] = {
        "invocationLogsConfig": {
            "invocationLogSource": {"s3Uri": "s3://corp-logs/invocations/"},
            "requestMetadataFilters": {"equals": {"team": "support"}},
        }
    }
    return document


BASE_DOCUMENTS = [*_example_documents(), _rft_job(), _distillation_job()]

# Every path a built-in rule (or normalisation) reads, in the Get and the create-request shape.
RULE_PATHS = (
    "jobName",
    "jobArn",
    "outputModelArn",
    "outputModelName",
    "customModelName",
    "roleArn",
    "baseModelArn",
    "baseModelIdentifier",
    "customizationType",
    "status",
    "tags",
    "jobTags",
    "outputModelKmsKeyArn",
    "customModelKmsKeyId",
    "vpcConfig",
    "vpcConfig.subnetIds",
    "vpcConfig.subnetIds.0",
    "vpcConfig.securityGroupIds",
    "hyperParameters",
    "hyperParameters.epochCount",
    "hyperParameters.learningRate",
    "hyperParameters.batchSize",
    "trainingDataConfig",
    "trainingDataConfig.s3Uri",
    "trainingDataConfig.invocationLogsConfig",
    "trainingDataConfig.invocationLogsConfig.requestMetadataFilters",
    "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri",
    "validationDataConfig",
    "validationDataConfig.validators",
    "validationDataConfig.validators.0",
    "validationDataConfig.validators.0.s3Uri",
    "outputDataConfig",
    "outputDataConfig.s3Uri",
    "trainingMetrics",
    "trainingMetrics.trainingLoss",
    "validationMetrics",
    "validationMetrics.0",
    "validationMetrics.0.validationLoss",
    "customizationConfig",
    "customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn",
    "customizationConfig.rftConfig.hyperParameters",
    "customizationConfig.rftConfig.hyperParameters.epochCount",
    "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier",
    "derived",
    "derived.unresolved",
    "ResponseMetadata",
)

# ---------------------------------------------------------------------------------------------
# Values

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Strings the rules and the report formats must survive.
awkward_text = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "1e400",
            "1" * 400,
            "0x10",
            "Auto",
            "\ud800",  # a lone surrogate: valid in JSON as "\ud800", not encodable as UTF-8
            "a\udfffb",
            "\x00\x1b[31m\x07",
            "line\nbreak\r\u2028\u2029\x85",
            "]]>&<'\"",
            "{account_id}",
            "<YOUR_BUCKET>",
            "${var.x}",
            "$ACCOUNT_ID",
            "arn:",
            "arn:aws:iam::111122223333:role/x",
            "arn:aws:kms:us-east-1:111122223333:alias/x",
            "arn:::::",
            "s3://",
            "s3:///",
            "s3://b",
            "s3://corp-train/data/",
            "alias/x",
            "mrk-" + "a" * 32,
            "us.amazon.nova-pro-v1:0",
            "custom-model/",
            "%s %d {0} {field}",
            "\u202e\ufeff\U0001f600",
        ]
    ),
    st.text(alphabet=st.characters() | st.characters(categories=["Cs"]), max_size=30),
)
huge_numbers = st.one_of(
    st.integers(min_value=10**300, max_value=10**1000),
    st.integers(max_value=-(10**300), min_value=-(10**1000)),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -0.0, 2**63, 2**64]),
)
long_strings = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["a", "é", "\U0001f600", "{", "s3://x/", " "]),
    st.integers(min_value=1_000, max_value=100_000),
)


def _nest(value: Any, depth: int, as_list: bool) -> Any:
    for _ in range(depth):
        value = [value] if as_list else {"k": value}
    return value


deeply_nested = st.builds(
    _nest, json_scalars, st.integers(min_value=1, max_value=80), st.booleans()
)
hostile_values = st.one_of(
    json_values,
    awkward_text,
    huge_numbers,
    long_strings,
    deeply_nested,
    st.lists(awkward_text, max_size=3),
    st.dictionaries(awkward_text, json_values, max_size=3),
)
# Values that make a document unusable but keep each case small and quick.
modest_values = st.one_of(json_values, awkward_text, huge_numbers)


HYPERPARAMETER_NAMES = sorted(
    {
        name
        for family in hyperparameter_families().values()
        for name in family.get("hyperparameters") or {}
    }
)
hyperparameters = st.dictionaries(
    st.one_of(st.sampled_from(HYPERPARAMETER_NAMES), st.text(max_size=8)),
    st.one_of(json_scalars, awkward_text, huge_numbers),
    max_size=4,
)


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path, replacing whatever is in the way by mappings (or list items)."""
    node: Any = document
    parts = path.split(".")
    for part in parts[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            if not isinstance(node[int(part)], dict | list):
                node[int(part)] = {}
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            return
        if not isinstance(node.get(part), dict | list):
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value


def delete_path(document: dict[str, Any], path: str) -> None:
    parent, _, last = path.rpartition(".")
    node: Any = document
    for part in parent.split(".") if parent else []:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(last, None)


def without_surrogates(document: Any) -> Any:
    """The document with lone surrogates replaced: what a file parser hands on (see
    test_lone_surrogate_escapes_are_replaced_when_read) for jobs built here without a file."""
    text = json.dumps(document, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
    return json.loads(text)


@st.composite
def job_documents(draw: st.DrawFn, values: st.SearchStrategy[Any] = hostile_values) -> Any:
    """A real job document with some of the fields rules read deleted or given hostile values."""
    document = copy.deepcopy(draw(st.sampled_from(BASE_DOCUMENTS)))
    for path in draw(st.lists(st.sampled_from(RULE_PATHS), max_size=6)):
        if draw(st.integers(0, 3)) == 0:
            delete_path(document, path)
        else:
            set_path(document, path, draw(values))
    if draw(st.booleans()):  # hyperparameters: the values the rules convert to numbers
        path = draw(
            st.sampled_from(["hyperParameters", "customizationConfig.rftConfig.hyperParameters"])
        )
        set_path(document, path, draw(hyperparameters))
    for key, value in draw(st.dictionaries(st.text(max_size=12), values, max_size=2)).items():
        document.setdefault(key, value)
    return document


TERRAFORM_PATHS = (
    "job_name",
    "custom_model_name",
    "base_model_identifier",
    "role_arn",
    "custom_model_kms_key_id",
    "customization_type",
    "hyperparameters",
    "hyperparameters.epochCount",
    "tags",
    "dynamic",
    "training_data_config",
    "training_data_config.0",
    "training_data_config.0.s3_uri",
    "output_data_config",
    "validation_data_config",
    "validation_data_config.0.validator",
    "vpc_config",
    "vpc_config.0.subnet_ids",
    "vpc_config.0.security_group_ids",
)
TERRAFORM_BASE = {
    "job_name": "tf-job",
    "custom_model_name": "tf-model",
    "base_model_identifier": "amazon.titan-text-lite-v1:0:4k",
    "role_arn": "arn:aws:iam::111122223333:role/BedrockFT",
    "custom_model_kms_key_id": GOOD_JOB["outputModelKmsKeyArn"],
    "customization_type": "FINE_TUNING",
    "hyperparameters": {"epochCount": "2"},
    "training_data_config": [{"s3_uri": "s3://corp-train/data/"}],
    "output_data_config": [{"s3_uri": "s3://corp-out/jobs/"}],
    "validation_data_config": [{"validator": [{"s3_uri": "s3://corp-train/val/"}]}],
    "vpc_config": [{"subnet_ids": ["subnet-a"], "security_group_ids": ["sg-1"]}],
}


@st.composite
def terraform_resources(draw: st.DrawFn) -> dict[str, Any]:
    attributes = copy.deepcopy(TERRAFORM_BASE)
    for path in draw(st.lists(st.sampled_from(TERRAFORM_PATHS), max_size=5)):
        if draw(st.integers(0, 3)) == 0:
            delete_path(attributes, path)
        else:
            set_path(attributes, path, draw(modest_values))
    return attributes


# ---------------------------------------------------------------------------------------------
# Property 1: file loaders never raise


def assert_loaded(result: Any, shown: str, explicit: bool) -> None:
    """A list of jobs and one-line error results; None only for a walked, non-job file."""
    if result is None:
        assert not explicit, "a file named explicitly must always give a result"
        return
    assert isinstance(result, list)
    assert result, "an empty result would make the file vanish from every report"
    for item in result:
        assert isinstance(item, Job | LoadError), type(item)
        assert item.origin.path == shown
        assert item.origin.line >= 1
        if isinstance(item, LoadError):
            assert_one_line(item.message)
        else:
            assert isinstance(item.document, dict)
            assert isinstance(item.document.get("derived"), dict)


def assert_one_line(message: str) -> None:
    assert isinstance(message, str)
    assert message.strip(), "empty error message"
    assert len(message.splitlines()) == 1, f"error message spans lines: {message!r}"


def load(raw: bytes, suffix: str, explicit: bool = True) -> list[Job | LoadError] | None:
    shown = f"fuzz{suffix}"
    result = read_bytes(raw, shown, explicit=explicit, suffix=suffix)
    assert_loaded(result, shown, explicit)
    if currently_in_test_context():  # statistics for --hypothesis-show-statistics
        for item in result or []:
            event("job" if isinstance(item, Job) else "error result")
    return result


@given(st.binary(max_size=2_000), st.sampled_from(SUFFIXES), st.booleans())
def test_arbitrary_bytes_load_without_raising(raw: bytes, suffix: str, explicit: bool) -> None:
    load(raw, suffix, explicit)


@given(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=2_000),
    st.sampled_from(SUFFIXES),
    st.booleans(),
)
def test_arbitrary_text_loads_without_raising(text: str, suffix: str, explicit: bool) -> None:
    load(text.encode("utf-8"), suffix, explicit)


def _serialise(draw: st.DrawFn, data: Any) -> tuple[str, str]:
    """A document as JSON (compact or indented) or YAML (block or flow); (text, suffix)."""
    form = draw(st.sampled_from(["json", "json-indent", "yaml", "yaml-flow"]))
    if form.startswith("json"):
        return json.dumps(data, indent=2 if form == "json-indent" else None), ".json"
    return yaml.safe_dump(data, default_flow_style=form == "yaml-flow", width=80), ".yaml"


@st.composite
def text_mutations(draw: st.DrawFn, text: str) -> str:
    """Truncate, insert into, cut from or duplicate parts of a serialised document."""
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["truncate", "insert", "cut", "duplicate", "long-number"]))
        if action == "long-number":  # more digits than Python converts to an int (4,300)
            text = text[:at] + re.sub(r"\d+", "9" * 4_400, text[at:], count=1)
        elif action == "truncate":
            text = text[:at]
        elif action == "insert":
            inserted = draw(
                st.one_of(
                    st.sampled_from(list("{}[]:,\"'\\\n\t-?&*!#%|>@` \x00\ufeff")),
                    st.text(max_size=8),
                )
            )
            text = text[:at] + inserted + text[at:]
        elif action == "cut":
            end = draw(st.integers(at, min(len(text), at + 40)))
            text = text[:at] + text[end:]
        else:
            end = draw(st.integers(at, min(len(text), at + 200)))
            text = text[:end] + text[at:]
    return text


def all_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path (as a tuple of keys and indexes) in a JSON-like document."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += all_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += all_paths(value, (*prefix, index))
    return found


@st.composite
def structural_mutations(draw: st.DrawFn, data: Any) -> Any:
    """Any field of a document (a Terraform plan's change, a module's resources...) deleted or
    given a value of another type."""
    data = copy.deepcopy(data)
    paths = all_paths(data)
    for path in draw(st.lists(st.sampled_from(paths), max_size=5)) if paths else []:
        node = data
        for key in path[:-1]:  # an earlier mutation may have replaced part of the path
            if (isinstance(node, dict) and key in node) or _has_index(node, key):
                node = node[key]
            else:
                break
        else:
            key = path[-1]
            if not (isinstance(node, dict) or _has_index(node, key)):
                continue
            if draw(st.integers(0, 3)) != 0:
                node[key] = draw(st.one_of(modest_values, deeply_nested))
            elif isinstance(node, dict):
                node.pop(key, None)
            else:
                del node[key]
    return data


def _has_index(node: Any, key: Any) -> bool:
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[bytes, str]:
    """Real documents and example files, mutated as data and then as text."""
    source = draw(st.sampled_from(["example", "example-data", "generated"]))
    if source == "example":
        path = draw(st.sampled_from(EXAMPLES))
        text, suffix = path.read_text(encoding="utf-8"), path.suffix
    elif source == "example-data":
        path = draw(st.sampled_from([p for p in EXAMPLES if p.suffix != ".tf"]))
        text, suffix = _serialise(draw, draw(structural_mutations(_parse_example(path))))
    else:
        documents_ = draw(st.lists(job_documents(), min_size=1, max_size=3))
        data: Any = documents_[0] if len(documents_) == 1 else documents_
        text, suffix = _serialise(draw, data)
    text = draw(text_mutations(text))
    raw = text.encode("utf-8", "surrogatepass" if draw(st.booleans()) else "replace")
    if draw(st.integers(0, 9)) == 0:
        raw = b"\xef\xbb\xbf" + raw  # a UTF-8 byte-order mark
    return raw, suffix


@given(mutated_documents(), st.booleans())
def test_mutated_documents_load_without_raising(case: tuple[bytes, str], explicit: bool) -> None:
    raw, suffix = case
    load(raw, suffix, explicit)


# YAML features a job file may use or abuse: anchors, aliases, merge keys and tags of every kind.
YAML_TAGS = (
    "",
    "!Ref ",
    "!Sub ",
    "!GetAtt ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!timestamp ",
    "!!set ",
    "!!omap ",
    "!!pairs ",
    "!!seq ",
    "!!map ",
    "!!merge ",
    "!!value ",
    "!!python/object:os.system ",
    "!!python/name:os.system ",
    "!<tag:yaml.org,2002:int> ",
    "!<tag:example.com,2000:%0Anew-line> ",
    "!<!%E2%80%A8> ",
)
YAML_SCALARS = (
    "x",
    "0",
    "-1",
    "0x1F",
    "0o17",
    "1_000",
    "1" * 5_000,
    "1.5e10",
    ".inf",
    ".nan",
    "~",
    "null",
    "yes",
    "Off",
    "2024-01-01",
    "2024-02-30",
    "2001-12-14t21:59:43.10-05:00",
    "aGVsbG8=",
    "not base64!",
    "'quoted'",
    '"esc\\x00aped\\ud800"',
    "{a: 1}",
    "[1, 2]",
    "{? [a]: b}",
    "[a: 1, b: 2]",
    "s3://corp-train/data/",
)


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """Job-like YAML whose fields carry random tags, anchors, aliases and merge keys."""
    lines = ["jobName: fuzz", "customModelName: fuzz-model"]
    anchors: list[str] = []
    for index, field in enumerate(
        draw(st.lists(st.sampled_from([p for p in RULE_PATHS if "." not in p]), max_size=6))
    ):
        tag = draw(st.sampled_from(YAML_TAGS))
        if anchors and draw(st.integers(0, 3)) == 0:
            lines.append(f"{field}: {tag}*{draw(st.sampled_from(anchors))}")
            continue
        anchor = f"&a{index} " if draw(st.booleans()) else ""
        if anchor:
            anchors.append(f"a{index}")
        shape = draw(st.sampled_from(["scalar", "block-map", "block-list", "merge"]))
        value = draw(st.sampled_from(YAML_SCALARS))
        if shape == "scalar":
            lines.append(f"{field}: {anchor}{tag}{value}")
        elif shape == "block-map":
            lines += [
                f"{field}: {anchor}{tag}",
                f"  key: {value}",
                "  other: *a0" if anchors else "",
            ]
        elif shape == "block-list":
            lines += [f"{field}: {anchor}{tag}", f"  - {value}", f"  - {tag}{value}"]
        elif anchors:
            lines += [f"{field}: {anchor}", f"  <<: *{anchors[0]}", f"  extra: {value}"]
    if draw(st.integers(0, 5)) == 0:  # a small "billion laughs": aliases of aliases
        depth = draw(st.integers(1, 12))
        lines.append("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
        lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, depth)]
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = "%YAML 1.1\n---\n" + text + "---\n" + draw(st.sampled_from(YAML_SCALARS)) + "\n"
    return text


@given(yaml_documents(), st.booleans())
def test_yaml_with_tags_anchors_and_aliases_loads_without_raising(
    text: str, explicit: bool
) -> None:
    load(text.encode("utf-8", "surrogatepass"), ".yaml", explicit)


DEPTHS = st.sampled_from([1, 63, 64, 65, 100, 1_000, 30_000])
INDENTS = st.sampled_from([1, 63, 64, 65, 100, 1_000])  # indented text grows with depth squared
nested_texts = st.one_of(
    st.builds(lambda n: "[" * n + "]" * n, DEPTHS),
    st.builds(lambda n: '{"jobName": ' + '{"a": ' * n + "1" + "}" * n + "}", DEPTHS),
    st.builds(lambda n: "[" * n, DEPTHS),  # unclosed
    st.builds(lambda n: "jobName: x\nk: " + "[" * n + "]" * n, DEPTHS),
    st.builds(lambda n: "jobName: x\nk:\n" + "".join(" " * i + "- \n" for i in range(n)), INDENTS),
    st.builds(lambda n: "jobName: x\n" + "".join(" " * i + "a:\n" for i in range(n)), INDENTS),
    st.builds(lambda n: "- " * n + "x", DEPTHS),
    st.builds(lambda n: "? " * n + "x", DEPTHS),
    st.builds(lambda n: '{"jobName": "x"}\n' + "[" * n + "]" * n + "\n{}", DEPTHS),
)


@given(nested_texts, st.sampled_from([".json", ".yaml", ".jsonl", ".tf"]))
def test_deeply_nested_documents_load_without_raising(text: str, suffix: str) -> None:
    load(text.encode("utf-8"), suffix)


@given(st.integers(min_value=1_000, max_value=300_000), st.sampled_from([".json", ".yaml"]))
def test_huge_strings_load_without_raising(size: int, suffix: str) -> None:
    document = dict(GOOD_JOB, jobName="j" * size, hyperParameters={"epochCount": "9" * size})
    [job] = load(json.dumps(document).encode("utf-8"), suffix) or []
    assert isinstance(job, Job)
    assert len(job.document["jobName"]) == size


def hostile(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The expected shape most of the time, a value of any other type otherwise."""
    return st.one_of(strategy, strategy, modest_values)


terraform_changes = st.fixed_dictionaries(
    {"type": st.just("aws_bedrock_custom_model")},
    optional={
        "address": modest_values,
        "change": hostile(
            st.fixed_dictionaries(
                {"after": hostile(terraform_resources())}, optional={"after_unknown": json_values}
            )
        ),
    },
)
terraform_module_resources = hostile(
    st.lists(
        st.fixed_dictionaries(
            {"type": st.just("aws_bedrock_custom_model")},
            optional={"address": modest_values, "values": hostile(terraform_resources())},
        ),
        max_size=2,
    )
)
terraform_modules = st.recursive(
    st.fixed_dictionaries({}, optional={"resources": terraform_module_resources}),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "resources": terraform_module_resources,
            "child_modules": hostile(st.lists(children, max_size=2)),
        },
    ),
    max_leaves=3,
)
terraform_documents = st.one_of(
    st.fixed_dictionaries(
        {"format_version": st.just("1.2")},
        optional={"resource_changes": hostile(st.lists(hostile(terraform_changes), max_size=3))},
    ),
    st.fixed_dictionaries(
        {"format_version": st.just("1.2")},
        optional={
            "planned_values": hostile(
                st.fixed_dictionaries({"root_module": hostile(terraform_modules)})
            ),
            "values": hostile(st.fixed_dictionaries({"root_module": hostile(terraform_modules)})),
        },
    ),
    st.fixed_dictionaries(
        {
            "resource": st.fixed_dictionaries(
                {
                    "aws_bedrock_custom_model": hostile(
                        st.dictionaries(
                            st.text(max_size=8),
                            hostile(
                                st.one_of(terraform_resources(), st.lists(terraform_resources()))
                            ),
                            max_size=2,
                        )
                    )
                }
            )
        }
    ),
)


@given(terraform_documents, st.booleans())
def test_terraform_plans_states_and_json_configs_load_without_raising(document, explicit) -> None:
    """Plans, states and .tf.json configurations with any part of the wrong type."""
    load(json.dumps(document).encode("utf-8"), ".json", explicit)


# ---------------------------------------------------------------------------------------------
# Property 2: every job gets an outcome, every format renders it


@st.composite
def job_batches(draw: st.DrawFn) -> tuple[list[Job | LoadError], int]:
    """Generated jobs, loaded the way each source shape is: (items, documents generated)."""
    shape = draw(st.sampled_from(["direct", "json", "yaml", "tf-json", "tf-plan"]))
    if shape.startswith("tf"):
        resources = draw(st.lists(terraform_resources(), min_size=1, max_size=4))
        if shape == "tf-json":
            named = {f"r{i}": attributes for i, attributes in enumerate(resources)}
            data: Any = {"resource": {"aws_bedrock_custom_model": named}}
        else:
            changes = [
                {
                    "address": f"aws_bedrock_custom_model.r{i}",
                    "type": "aws_bedrock_custom_model",
                    "change": {"after": attributes, "after_unknown": draw(json_values)},
                }
                for i, attributes in enumerate(resources)
            ]
            data = {"format_version": "1.2", "resource_changes": changes}
        items = load(json.dumps(data).encode("utf-8"), ".json") or []
        return items, len(resources)
    jobs = draw(st.lists(job_documents(), min_size=1, max_size=4))
    for index, document in enumerate(jobs):
        # One job per ARN: check_junit (test_report_consistency) keys findings by Job.key.
        if isinstance(document.get("jobArn"), str):
            document["jobArn"] += f"/{index}"
    if shape == "direct":
        return [
            dataclasses.replace(
                make_job(without_surrogates(document)), origin=Origin("job.json", 1, index)
            )
            for index, document in enumerate(jobs)
        ], len(jobs)
    if shape == "json":
        return load(json.dumps(jobs).encode("utf-8"), ".json") or [], len(jobs)
    # libyaml refuses "\uD800" escapes (the whole stream: see property 1), so none are written.
    text = yaml.safe_dump_all(without_surrogates(jobs))
    return load(text.encode("utf-8"), ".yaml") or [], len(jobs)


def render_all(report: Report) -> dict[str, str]:
    """Every format, as the CLI writes it: text that must encode as UTF-8."""
    rendered = {}
    for name, render in FORMATS.items():
        for color in (False, True) if name == "text" else (False,):
            text = render(report, RenderOptions(color=color))
            assert isinstance(text, str) and text.strip(), name
            text.encode("utf-8")  # the CLI writes UTF-8; a lone surrogate would fail here
            rendered[name] = text
    return rendered


@given(job_batches())
def test_every_generated_job_gets_an_outcome_in_every_format(batch) -> None:
    items, generated = batch
    whole_file_refused = len(items) == 1 and isinstance(items[0], LoadError)  # e.g. too deep
    assert len(items) == generated or whole_file_refused  # one result per document, none lost
    results = evaluate(items, POLICY)
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        if isinstance(item, LoadError):
            assert result.error is item
            continue
        assert result.error is None, result.error.message  # "could not be evaluated: ..."
        assert result.job is item
        for finding in result.findings:
            assert finding.line >= 1
            assert finding.message.strip()
    for result in results:
        if result.error is not None:
            assert not result.error.message.startswith(INTERNAL_ERROR), result.error.message
            assert_one_line(result.error.message)
    for result in results:
        event(f"outcome: {result.outcome.value}")
    report = Report(tuple(results), POLICY.rules)
    rendered = render_all(report)
    assert json.loads(rendered["json"])["summary"]["jobs"] == len(items)
    expected = expected_counts(report)
    check_json(report, expected)
    check_sarif(report, expected)
    check_junit(report, expected)
    check_markdown(report)


DEEP_POLICY = load_policy([*ALL_BUILTIN, "builtin:deep"])
DEEP_KINDS = ["kmsKey", "role", "buckets", "subnets", "availabilityZones", "securityGroups"]
# What deep mode could put in a job document, and what it never should: the rules must cope.
resources_sections = st.fixed_dictionaries(
    {},
    optional={
        **{
            kind: st.one_of(json_values, st.dictionaries(awkward_text, json_values, max_size=3))
            for kind in DEEP_KINDS
        },
        "unknown": st.one_of(
            st.dictionaries(st.sampled_from([f"resources.{k}" for k in DEEP_KINDS]), awkward_text),
            json_values,
        ),
    },
)


@given(st.lists(resources_sections, min_size=1, max_size=4))
def test_any_resources_section_gets_an_outcome_in_every_format(sections) -> None:
    jobs = []
    for index, section in enumerate(sections):
        job = make_job(jobArn=f"{GOOD_JOB['jobArn']}-{index}", jobName=f"job-{index}")
        document = {**job.document, "resources": without_surrogates(section)}
        jobs.append(
            dataclasses.replace(job, document=document, origin=Origin("job.json", 1, index))
        )
    results = evaluate(jobs, DEEP_POLICY)
    assert [result.job for result in results] == jobs
    for result in results:
        assert result.error is None
        event(f"outcome: {result.outcome.value}")
    report = Report(tuple(results), DEEP_POLICY.rules)
    render_all(report)
    expected = expected_counts(report)
    check_json(report, expected)
    check_sarif(report, expected)
    check_junit(report, expected)


# ---------------------------------------------------------------------------------------------
# Property 3: generated policies load or fail with CheckerError, and never crash evaluation

FAMILIES = sorted(hyperparameter_families())
FIELD_NAMES = st.one_of(
    st.sampled_from(sorted({p.split(".")[0] for p in RULE_PATHS})),
    st.sampled_from(["subnetIds", "s3Uri", "validators", "epochCount", "unresolved", "account"]),
    st.text(min_size=1, max_size=8),
)
# sampled_from favours its first items: mostly False.
rarely = st.sampled_from([False] * 7 + [True])
globs = st.one_of(
    st.sampled_from(["*", "aws", "us-*", "111122223333", "key/*", "[a-", "[!x]*", "?"]),
    st.text(max_size=8),
)
glob_lists = st.one_of(globs, st.lists(globs, max_size=3))
# Regexes from atoms without groups: no nested quantifiers, so no catastrophic backtracking.
regex_atoms = st.sampled_from(["a", "s3", ".", r"\d", r"\w", "[a-z]", "[^:]", ":", "/", "-"])
regex_quantifiers = st.sampled_from(["", "", "*", "+", "?", "{1,3}", "{2}"])
simple_regexes = st.lists(st.tuples(regex_atoms, regex_quantifiers), max_size=5).map(
    lambda parts: "".join(atom + quantifier for atom, quantifier in parts)
)
numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=False, width=32))
# The vocabulary with well-typed arguments: the custom rules (checker/vocabulary.py) and the
# Cerberus rules policies use most; $name strings are vars of the built-in packs.
CONSTRAINTS: dict[str, st.SearchStrategy[Any]] = {
    "arn": st.dictionaries(
        st.sampled_from(ARN_PARTS), st.one_of(st.just("same"), glob_lists), max_size=3
    ),
    "s3_in": glob_lists,
    "s3_disjoint_from": st.lists(
        st.sampled_from(["training", "validation", "output", "invocationLogs"]), max_size=3
    ),
    "number": st.fixed_dictionaries(
        {},
        optional={
            "min": numbers,
            "max": st.one_of(numbers, st.just("$max_epoch_count")),
            "integer": st.booleans(),
            "keywords": st.lists(st.sampled_from(["Auto", "auto", ""]), max_size=2),
        },
    ),
    "glob": glob_lists,
    "not_glob": st.one_of(glob_lists, st.just("$cross_region_profile_prefixes")),
    "minlength_of": st.sampled_from(
        ["validationDataConfig.validators", "vpcConfig.subnetIds", "jobName", "no.such.path", ""]
    ),
    "no_placeholders": st.booleans(),
    "hp_numeric": st.one_of(st.booleans(), st.sampled_from([*FAMILIES, "no-such-family"])),
    "hp_documented_names": st.one_of(st.booleans(), st.sampled_from([*FAMILIES, "x"])),
    "hp_documented_ranges": st.one_of(st.booleans(), st.sampled_from([*FAMILIES, "x"])),
    "type": st.one_of(
        st.sampled_from(["string", "integer", "number", "boolean", "dict", "list"]),
        st.lists(st.sampled_from(["string", "list", "dict", "number"]), min_size=1, max_size=2),
    ),
    "required": st.booleans(),
    "nullable": st.booleans(),
    "empty": st.booleans(),
    "allowed": st.one_of(st.lists(json_scalars, max_size=4), st.just("$limit_list")),
    "regex": simple_regexes,
    "minlength": st.integers(-1, 5),
    "maxlength": st.integers(0, 5),
}
# Mistakes a policy author makes: a misspelt or unknown rule, an argument of the wrong type, a
# regex that does not compile, a var that does not exist.
mistakes = st.one_of(
    st.tuples(st.sampled_from(["alowed", "arn_part", "hp_range"]), json_values),
    st.tuples(st.sampled_from(sorted(CONSTRAINTS)), json_values),
    st.tuples(st.just("regex"), st.sampled_from(["(", "[", "a{2,1}", "*", "\\", "(?P<x>a)(?P=y)"])),
    st.tuples(st.just("arn"), st.just({"colour": "red"})),
    st.tuples(st.just("type"), st.sampled_from(["strang", "datetime", "set"])),
    st.tuples(st.sampled_from(["allowed", "glob", "number"]), st.just("$no_such_var")),
    st.tuples(st.just("s3_disjoint_from"), st.just(["other"])),
)


@st.composite
def field_rules(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    """One field's constraints: a few from the vocabulary, maybe a nested schema or a mistake."""
    names = draw(st.lists(st.sampled_from(sorted(CONSTRAINTS)), max_size=3, unique=True))
    rules = {name: draw(CONSTRAINTS[name]) for name in names}
    if depth and draw(st.booleans()):
        # A mapping's schema names its fields; a list's schema holds one item's rules.
        if draw(st.booleans()):
            rules.update(type="dict", schema=draw(field_schemas(depth - 1)))
        else:
            rules.update(type="list", schema=draw(field_rules(depth - 1)))
    if draw(rarely):
        name, value = draw(mistakes)
        rules[name] = value
    return rules


def field_schemas(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(FIELD_NAMES, field_rules(depth), min_size=1, max_size=3)


@st.composite
def policy_documents(draw: st.DrawFn) -> dict[str, Any]:
    rules = []
    for index in range(draw(st.integers(1, 4))):
        rule: dict[str, Any] = {
            "id": f"FZ{index:03d}",
            "title": "Generated rule",
            "description": "A rule built by the fuzzer.",
            "severity": draw(st.sampled_from(["error", "warning", "note"])),
            "schema": draw(field_schemas()),
        }
        if draw(st.booleans()):
            rule["when"] = draw(field_schemas())
        if draw(rarely):  # a duplicate or malformed id, or a required key left out
            mistake = draw(st.sampled_from(["FZ000", "BMC001", "9bad", "drop"]))
            if mistake == "drop":
                rule.pop(draw(st.sampled_from(sorted(rule))))
            else:
                rule["id"] = mistake
        rules.append(rule)
    return {"version": 1, "pack": "fuzz", "vars": {"limit_list": ["a", 1, None]}, "rules": rules}


@given(
    policy_documents(),
    st.booleans(),
    st.lists(job_documents(modest_values), min_size=1, max_size=3),
)
def test_generated_policies_load_or_fail_cleanly(policy, with_builtin, jobs) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "fuzz.yaml")
        path.write_text(yaml.safe_dump(policy), encoding="utf-8")
        specs = [*ALL_BUILTIN, str(path)] if with_builtin else [str(path)]
        try:
            loaded = load_policy(specs)
        except CheckerError as exc:
            event("policy refused")
            assert_one_line(str(exc))
            assert str(exc).startswith(str(path)), str(exc)
            return
    event("policy loaded")
    results = evaluate([make_job(without_surrogates(document)) for document in jobs], loaded)
    assert len(results) == len(jobs)
    for result in results:
        assert result.error is None, result.error.message  # "could not be evaluated: ..."
    report = Report(tuple(results), loaded.rules)
    render_all(report)


# ---------------------------------------------------------------------------------------------
# Regression tests for what the properties found


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        # json.loads raises a plain ValueError, not JSONDecodeError, for such integers.
        ('{"jobName": "a", "customModelName": ' + "1" * 5_000 + "}", ".json", "invalid JSON: "),
        ("jobName: a\ncustomModelName: " + "1" * 5_000, ".yaml", "invalid YAML: cannot read '111"),
        # PyYAML converts typed values without checking them first.
        ("jobName: !!int x\ncustomModelName: a", ".yaml", "invalid YAML: cannot read 'x' as !!int"),
        ("jobName: !!float x", ".yaml", "invalid YAML: cannot read 'x' as !!float (line 1"),
        ("jobName: !!bool x", ".yaml", "invalid YAML: cannot read 'x' as !!bool (line 1"),
        ("a: 1\njobName: !!timestamp x", ".yaml", "invalid YAML: cannot read 'x' as !!timestamp"),
    ],
    ids=["json-long-int", "yaml-long-int", "yaml-int", "yaml-float", "yaml-bool", "yaml-timestamp"],
)
def test_values_python_cannot_convert_are_error_results(text, suffix, message) -> None:
    [error] = load(text.encode("utf-8"), suffix) or []
    assert isinstance(error, LoadError)
    assert error.message.startswith(message), error.message


def test_an_overlong_integer_in_json_lines_spoils_only_its_line() -> None:
    text = '{"jobName": "a", "customModelName": "b"}\n{"jobName": ' + "1" * 5_000 + "}\n"
    job, error = load(text.encode("utf-8"), ".jsonl") or []
    assert isinstance(job, Job) and job.name == "a"
    assert isinstance(error, LoadError)
    assert error.message.startswith("invalid JSON Lines: Exceeds the limit (4300 digits)")
    assert error.message.endswith("(line 2)")
    assert error.origin.line == 2


def test_a_policy_with_an_impossible_typed_value_is_a_checker_error(tmp_path: Path) -> None:
    policy = tmp_path / "org.yaml"
    policy.write_text("version: !!int one\nrules: []\n", encoding="utf-8")
    with pytest.raises(
        CheckerError, match=r"org\.yaml:1: invalid YAML: cannot read 'one' as !!int"
    ):
        load_policy([str(policy)])


@pytest.mark.parametrize(
    ("text", "suffix"),
    [
        (
            '{"jobName": "\\ud800x", "customModelName": "m", "jobTags": [{"key": "\\udfff"}]}',
            ".json",
        ),
        ('{"jobName": "\\ud800x", "customModelName": "m"}\n{"jobName": "b", "x": 1}\n', ".jsonl"),
    ],
    ids=["json", "json-lines"],
)
def test_lone_surrogate_escapes_are_replaced_when_read(text, suffix) -> None:
    """JSON may escape half a surrogate pair; the str it decodes to cannot be written as UTF-8,
    so the fingerprint (JSON, SARIF) and the text and Markdown reports failed on it."""
    items = load(text.encode("utf-8"), suffix) or []
    job = items[0]
    assert isinstance(job, Job)
    assert job.name == "\ufffdx"
    report = Report(tuple(evaluate(items, POLICY)), POLICY.rules)
    rendered = render_all(report)
    assert "\ufffdx" in rendered["text"]
    if suffix == ".json":
        assert job.document["tags"] == {"\ufffd": None}


def test_surrogate_pairs_written_as_escapes_are_kept() -> None:
    raw = b'{"jobName": "\\ud83d\\ude00", "customModelName": "m"}'
    [job] = load(raw, ".json") or []
    assert isinstance(job, Job) and job.name == "\U0001f600"


PLAN = {"format_version": "1.2", "terraform_version": "1.9.8"}


@pytest.mark.parametrize(
    "document",
    [
        {**PLAN, "resource_changes": [{"type": "aws_bedrock_custom_model", "change": [1]}]},
        {**PLAN, "resource_changes": [{"type": "aws_bedrock_custom_model", "change": "x"}]},
        {**PLAN, "planned_values": {"root_module": {"resources": 5}}},
        {**PLAN, "values": {"root_module": {"resources": {"a": 1}, "child_modules": 5}}},
        {**PLAN, "values": {"root_module": {"child_modules": "x"}}},
        {"resource": {"aws_bedrock_custom_model": [{"a": {}}]}},
        {"resource": {"aws_bedrock_custom_model": "x"}},
    ],
)
def test_terraform_documents_of_an_unexpected_shape_are_not_jobs(document) -> None:
    [error] = load(json.dumps(document).encode("utf-8"), ".json") or []
    assert isinstance(error, LoadError)
    assert error.message.startswith("not a Bedrock model customization job document")


@pytest.mark.parametrize("dynamic", [5, "x", None, [1, "x"]])
def test_a_malformed_dynamic_entry_is_passed_over(dynamic) -> None:
    attributes = dict(TERRAFORM_BASE, dynamic=dynamic)
    document = {"resource": {"aws_bedrock_custom_model": {"r": attributes}}}
    [job] = load(json.dumps(document).encode("utf-8"), ".json") or []
    assert isinstance(job, Job)
    assert job.document["vpcConfig"] == {"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]}


def test_a_dynamic_block_in_terraform_json_syntax_is_not_known() -> None:
    """Terraform's JSON syntax writes ``"dynamic": {"vpc_config": {...}}``: a mapping, not the
    list HCL gives, which used to be read as no dynamic block at all (and BMC001 failed)."""
    attributes = {key: value for key, value in TERRAFORM_BASE.items() if key != "vpc_config"}
    attributes["dynamic"] = {
        "vpc_config": {"for_each": "${var.vpcs}", "content": {"subnet_ids": "${each.value}"}}
    }
    document = {"resource": {"aws_bedrock_custom_model": {"r": attributes}}}
    [job] = load(json.dumps(document).encode("utf-8"), ".json") or []
    assert isinstance(job, Job)
    assert job.document["vpcConfig"] == "(dynamic block)"
    assert "vpcConfig" in job.document["derived"]["unknown"]
    [result] = evaluate([job], POLICY)
    [finding] = [f for f in result.findings if f.rule.id == "BMC001"]
    assert finding.status.value == "unknown"


@pytest.mark.parametrize("value", [10**400, -(10**400), float("inf"), float("nan")])
def test_numbers_beyond_float_are_not_numbers(value) -> None:
    """float(10**400) raises OverflowError, which made BMC201/203/204 an evaluation error."""
    assert to_number(value) is None
    job = make_job(hyperParameters={"epochCount": value})
    [result] = evaluate([job], POLICY)
    assert result.error is None
    violated = {(f.rule.id, f.path) for f in result.findings if f.status.value == "violated"}
    assert ("BMC201", "hyperParameters.epochCount") in violated
    assert ("BMC204", "hyperParameters.epochCount") in violated


@pytest.mark.parametrize(
    ("schema", "shown"),
    [
        ({"bad\rname": {"alowed": [1]}}, "bad\\rname.alowed: unknown rule"),
        ({"jobName": {"regex": "(\n"}}, "bad regex '(\\n'"),
        ({"line\u2028sep": {"allowed": "$no_such_var"}}, "line\\u2028sep.allowed: unknown var"),
    ],
)
def test_policy_errors_quoting_line_breaks_stay_on_one_line(tmp_path, schema, shown) -> None:
    rule = {"id": "ORG1", "title": "t", "description": "d", "severity": "error", "schema": schema}
    policy = tmp_path / "org.yaml"
    policy.write_text(yaml.safe_dump({"rules": [rule]}), encoding="utf-8")
    with pytest.raises(CheckerError) as caught:
        load_policy([str(policy)])
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert shown in message
