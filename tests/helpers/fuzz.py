"""Hypothesis strategies for fuzzing: hostile values, job documents built from the examples and
the rules' paths, Terraform resources, and the paths every built-in rule reads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import currently_in_test_context, event
from hypothesis import strategies as st

from checker.model import Job, LoadError, Report
from checker.packs import hyperparameter_families
from checker.policy import load_policy
from checker.reports import FORMATS, RenderOptions, evidence
from checker.sources import cloudformation
from checker.sources.files import read_bytes
from helpers.jobs import ALL_BUILTIN, GOOD_JOB
from helpers.paths import REPO

POLICY = load_policy(ALL_BUILTIN)
INTERNAL_ERROR = "could not be evaluated:"
EXAMPLES = sorted(
    path
    for folder in ("passing", "failing")
    for path in (REPO / "examples" / folder).iterdir()
    if path.suffix in (".json", ".jsonl", ".yaml", ".tf")
)
SUFFIXES = (".json", ".yaml", ".yml", ".jsonl", ".tf", "")


def parse_example(path: Path) -> Any:
    """An example file's data: a JSON Lines file as a list of its documents."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yaml" and cloudformation.is_template_text(text):
        # A template's short-form tags (!Ref, !Sub), which yaml.safe_load refuses, in long form.
        [template] = cloudformation.parse_yaml(text)
        return template.data
    if path.suffix == ".yaml":
        return yaml.safe_load(text)
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def _example_documents() -> list[dict[str, Any]]:
    """Every job-shaped mapping in the example files (Get responses and create requests)."""
    found: list[dict[str, Any]] = [GOOD_JOB]
    for path in EXAMPLES:
        data = parse_example(path) if path.suffix != ".tf" else None
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


def render_all(report: Report) -> dict[str, str]:
    """Every format, as the CLI writes it: text that must encode as UTF-8."""
    rendered = {}
    # ASFF needs an account and a region for a job whose ARNs name none.
    hub = {"asff_account": "111122223333", "default_region": "us-east-1"}
    for name, render in FORMATS.items():
        for color in (False, True) if name == "text" else (False,):
            text = render(report, RenderOptions(color=color, **hub))
            assert isinstance(text, str) and text.strip(), name
            text.encode("utf-8")  # the CLI writes UTF-8; a lone surrogate would fail here
            rendered[name] = text
    for name, text in evidence.documents(report, RenderOptions()).items():
        text.encode("utf-8")
        rendered[f"evidence/{name}"] = text
    return rendered
