"""Regression tests for what property-based fuzzing found: values Python cannot convert, overlong
integers, surrogates, Terraform documents of an unexpected shape, numbers beyond float, and
policy errors quoting line breaks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers.fuzz import (
    POLICY,
    TERRAFORM_BASE,
    load,
    render_all,
)
from helpers.jobs import make_job

from checker.errors import CheckerError
from checker.evaluate import evaluate
from checker.model import Job, LoadError
from checker.pipeline import Configuration, run
from checker.policy import load_policy
from checker.vocabulary import to_number

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
    report = run(Configuration(POLICY), items)
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
        # Terraform's JSON syntax allows arrays of objects at any level, but not of other values.
        {"resource": {"aws_bedrock_custom_model": [{"a": 5}]}},
        {"resource": {"aws_bedrock_custom_model": [5, "x"]}},
        {"resource": [5, {"aws_bedrock_custom_model": "x"}]},
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
