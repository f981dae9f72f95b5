"""deploy/guard/template.yaml: the rules match the documented events, the role grants no more
than guard calls, and the function is wired the way docs/guard.md says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.docs import actions_of, documented_actions, documented_statements
from helpers.guard import sample_event

from checker.guard.config import VARIABLES
from checker.guard.events import JobEvent, read_event

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "guard" / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    # Long-form intrinsic functions only, so a YAML parser reads it as it is.
    return yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def matches(pattern: Any, value: Any) -> bool:
    """EventBridge matching for the pattern forms the template uses: lists of exact values
    and nested objects."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches(sub, value[key]) for key, sub in pattern.items()
        )
    return value in pattern


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_each_rule_matches_its_documented_event_and_guard_reads_it(
    template: dict[str, Any],
) -> None:
    rules = resources(template, "AWS::Events::Rule")
    created = rules["JobCreatedRule"]["Properties"]["EventPattern"]
    changed = rules["JobStateChangeRule"]["Properties"]["EventPattern"]
    create_event = sample_event("create-job-cloudtrail.json")
    change_event = sample_event("job-state-change.json")
    assert matches(created, create_event) and not matches(created, change_event)
    assert matches(changed, change_event) and not matches(changed, create_event)
    other_call = sample_event("create-job-cloudtrail.json")
    other_call["detail"]["eventName"] = "StopModelCustomizationJob"
    assert not matches(created, other_call)
    assert isinstance(read_event(create_event), JobEvent)
    assert isinstance(read_event(change_event), JobEvent)
    for rule in rules.values():
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": ["GuardFunction", "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}}


def test_the_function_runs_the_handler_with_every_documented_variable(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["GuardFunction"]["Properties"]
    assert function["Handler"] == "checker.guard.handler"
    assert function["Runtime"] == "python3.13"
    assert function["ReservedConcurrentExecutions"] == {"Ref": "ReservedConcurrency"}
    assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}}
    assert sorted(function["Environment"]["Variables"]) == sorted(VARIABLES)
    assert template["Parameters"]["StopOn"]["Default"] == "off"


def _statements(template: dict[str, Any]) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """Sid -> (the condition it depends on, the statement)."""
    (policy,) = template["Resources"]["GuardRole"]["Properties"]["Policies"]
    found = {}
    for entry in policy["PolicyDocument"]["Statement"]:
        condition = None
        if "Fn::If" in entry:
            condition, entry, otherwise = entry["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
        found[entry["Sid"]] = (condition, entry)
    return found


def test_the_role_is_least_privilege(template: dict[str, Any]) -> None:
    statements = _statements(template)
    on_every_resource = set().union(
        *(actions_of(s) for s in documented_statements("deep.md") if s["Resource"] == "*")
    )
    actions = {
        sid: (condition, sorted([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
        for sid, (condition, s) in statements.items()
    }
    assert actions["ReadJobs"] == (
        None,
        ["bedrock:GetModelCustomizationJob", "bedrock:ListTagsForResource"],
    )
    assert actions["StopJobs"] == ("Enforce", ["bedrock:StopModelCustomizationJob"])
    assert actions["Notify"] == ("WithTopic", ["sns:Publish"])
    assert actions["ImportFindings"] == ("ToSecurityHub", ["securityhub:BatchImportFindings"])
    for sid, (condition, statement) in statements.items():
        assert statement["Effect"] == "Allow"
        listed = actions[sid][1]
        assert not any(a == "*" or a.endswith(":*") for a in listed), sid
        if statement["Resource"] == "*":
            # Only the reads that docs/deep.md, too, grants on every resource.
            assert condition == "DeepChecks", sid
            assert set(listed) <= on_every_resource, sid
    bedrock_resource = statements["StopJobs"][1]["Resource"]["Fn::Sub"]
    assert bedrock_resource.endswith(":${AWS::AccountId}:model-customization-job/*")


def test_deep_mode_may_make_every_read_docs_deep_md_lists(template: dict[str, Any]) -> None:
    """Without one of them a deep rule would be `unknown` for every job guard checks."""
    statements = _statements(template)
    granted = set().union(*(actions_of(s) for _condition, s in statements.values()))
    deep = set().union(
        *(actions_of(s) for condition, s in statements.values() if condition == "DeepChecks")
    )
    # The object versions are read for the evidence record only, which guard does not write.
    evidence_only = {"s3:ListBucketVersions"}
    assert documented_actions("deep.md") - evidence_only <= granted
    assert not evidence_only & granted
    assert deep <= documented_actions("deep.md")
