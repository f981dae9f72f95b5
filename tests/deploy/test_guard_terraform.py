"""deploy/guard/terraform/: the same guard as deploy/guard/template.yaml, read with python-hcl2:
the same rules and patterns, the same role statement by statement, the same function settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from checker.guard.config import VARIABLES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "guard"
# The template's condition for each statement, and the Terraform variable test that stands for it.
CONDITIONS = {
    None: None,
    "Enforce": 'var.stop_on == "error"',
    "WithTopic": "var.create_topic",
    "ToSecurityHub": "var.security_hub",
    "DeepChecks": "var.deep",
}


def plain(value: Any) -> Any:
    """python-hcl2's output without its quotes around literal strings and its block markers."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


@pytest.fixture(scope="module")
def module() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name in ("main.tf", "variables.tf", "outputs.tf"):
        with (DEPLOY / "terraform" / name).open(encoding="utf-8") as file:
            for key, value in plain(hcl2.load(file)).items():
                merged.setdefault(key, []).extend(value)
    return merged


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "template.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def block(module: dict[str, Any], section: str, kind: str, name: str) -> dict[str, Any]:
    (found,) = [entry[kind][name] for entry in module[section] if name in entry.get(kind, {})]
    return found  # type: ignore[no-any-return]


def terraform_statements(module: dict[str, Any]) -> dict[str, tuple[str | None, list[str]]]:
    """Sid -> (the variable test of its dynamic block, or None; its actions)."""
    document = block(module, "data", "aws_iam_policy_document", "guard")
    found = {s["sid"]: (None, s["actions"]) for s in document["statement"]}
    for dynamic in document["dynamic"]:
        (statement,) = dynamic["statement"]["content"]
        test = dynamic["statement"]["for_each"].removeprefix("${").split(" ?")[0]
        found[statement["sid"]] = (test, statement["actions"])
    return found


def template_statements(template: dict[str, Any]) -> dict[str, tuple[str | None, list[str]]]:
    (policy,) = template["Resources"]["GuardRole"]["Properties"]["Policies"]
    found = {}
    for entry in policy["PolicyDocument"]["Statement"]:
        condition = None
        if "Fn::If" in entry:
            condition, entry, _otherwise = entry["Fn::If"]
        listed = entry["Action"]
        found[entry["Sid"]] = (
            CONDITIONS[condition],
            [listed] if isinstance(listed, str) else listed,
        )
    return found


def test_the_role_has_the_templates_statements(
    module: dict[str, Any], template: dict[str, Any]
) -> None:
    terraform = terraform_statements(module)
    assert terraform == template_statements(template)
    assert terraform["StopJobs"] == (
        'var.stop_on == "error"',
        ["bedrock:StopModelCustomizationJob"],
    )


def test_the_rules_match_the_same_events(module: dict[str, Any], template: dict[str, Any]) -> None:
    (local,) = [entry for entry in module["locals"] if "job_created_pattern" in entry]
    rules = template["Resources"]
    assert local["job_created_pattern"] == rules["JobCreatedRule"]["Properties"]["EventPattern"]
    assert (
        local["job_state_change_pattern"]
        == rules["JobStateChangeRule"]["Properties"]["EventPattern"]
    )
    assert sorted(local["rules"]) == ["created", "state-change"]
    target = block(module, "resource", "aws_cloudwatch_event_target", "guard")
    assert target["for_each"] == "${local.rules}"
    (retry,) = target["retry_policy"]
    assert retry == {"maximum_retry_attempts": 8, "maximum_event_age_in_seconds": 3600}
    assert target["dead_letter_config"] == [{"arn": "${aws_sqs_queue.dead_letters.arn}"}]


def test_the_function_has_the_templates_settings(
    module: dict[str, Any], template: dict[str, Any]
) -> None:
    function = block(module, "resource", "aws_lambda_function", "guard")
    expected = template["Resources"]["GuardFunction"]["Properties"]
    assert (function["handler"], function["runtime"]) == (expected["Handler"], expected["Runtime"])
    assert function["architectures"] == expected["Architectures"]
    assert (function["memory_size"], function["timeout"]) == (
        expected["MemorySize"],
        expected["Timeout"],
    )
    (environment,) = function["environment"]
    assert sorted(environment["variables"]) == sorted(VARIABLES)
    assert function["dead_letter_config"] == [{"target_arn": "${aws_sqs_queue.dead_letters.arn}"}]


def test_the_variables_default_as_the_parameters_do(
    module: dict[str, Any], template: dict[str, Any]
) -> None:
    variables = {name: spec for entry in module["variable"] for name, spec in entry.items()}
    parameters = template["Parameters"]
    for variable, parameter in {
        "stop_on": "StopOn",
        "policies": "Policies",
        "waivers": "Waivers",
        "notification_email": "NotificationEmail",
        "reserved_concurrency": "ReservedConcurrency",
        "log_retention_days": "LogRetentionDays",
    }.items():
        assert variables[variable]["default"] == parameters[parameter]["Default"], variable
    for variable, parameter in {
        "deep": "Deep",
        "security_hub": "SecurityHub",
        "create_topic": "CreateTopic",
    }.items():
        assert str(variables[variable]["default"]).lower() == parameters[parameter]["Default"]
    assert "default" not in variables["package"]
