"""examples/aws/: the audit role (StackSet template and Terraform module) allows exactly the
actions docs/live.md and docs/deep.md ask for, plus ec2:DescribeRegions for --region all."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from helpers.docs import documented_actions

REPO = Path(__file__).resolve().parents[2]
ACTION = re.compile(r"^[a-z0-9]+:[A-Za-z]+$")


class _TemplateLoader(yaml.SafeLoader):
    """CloudFormation's short-form tags (!Ref, !Sub, ...) read as plain values."""


_TemplateLoader.add_multi_constructor(
    "!",
    lambda loader, _suffix, node: (
        loader.construct_scalar(node)
        if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)
    ),
)


def _statement_actions(documents: list[Any]) -> set[str]:
    actions: set[str] = set()
    for document in documents:
        for statement in document["Statement"]:
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def test_the_stackset_role_allows_exactly_the_documented_actions() -> None:
    template = yaml.load(
        (REPO / "examples/aws/audit-role-stackset.yaml").read_text(encoding="utf-8"),
        Loader=_TemplateLoader,  # a SafeLoader subclass
    )
    resources = template["Resources"]
    scan = _statement_actions(
        [p["PolicyDocument"] for p in resources["AuditRole"]["Properties"]["Policies"]]
    )
    deep = _statement_actions([resources["DeepChecksPolicy"]["Properties"]["PolicyDocument"]])
    assert scan == documented_actions("live.md") | {"ec2:DescribeRegions"}
    assert deep == documented_actions("deep.md") - scan
    assert all(ACTION.match(a) and not a.endswith("*") for a in scan | deep)
    trust = resources["AuditRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Action"] for s in trust] == ["sts:AssumeRole"]


def test_the_terraform_module_allows_the_same_actions() -> None:
    text = (REPO / "examples/aws/terraform/audit-role/main.tf").read_text(encoding="utf-8")
    blocks = dict(re.findall(r'data "aws_iam_policy_document" "(\w+)" \{(.*?)\n\}', text, re.S))
    scan, deep = (
        set(re.findall(r'"([a-z0-9]+:[A-Za-z]+)"', re.sub(r"resources\s*=.*", "", blocks[name])))
        for name in ("scan", "deep")
    )
    assert scan == documented_actions("live.md") | {"ec2:DescribeRegions"}
    assert deep == documented_actions("deep.md") - scan
    assert 'default     = "BedrockCheckerAudit"' in text
