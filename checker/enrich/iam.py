"""IAM: the job's service role, who may assume it, and what its policies grant."""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Mapping
from typing import Any

from checker import normalize
from checker.enrich.fetcher import (
    Facts,
    JobReader,
    Unreadable,
    as_list,
    policy_document,
    statements,
)

_ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")
_SOURCE_KEYS = {"aws:sourceaccount": "sourceAccounts", "aws:sourcearn": "sourceArns"}


def trust_facts(document: Any) -> dict[str, Any]:
    """Who may assume the role, and whether every such grant names aws:SourceAccount/SourceArn."""
    principals: set[str] = set()
    sources: dict[str, set[str]] = {"sourceAccounts": set(), "sourceArns": set()}
    protected = True
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in as_list(statement.get("Action"))]
        grants_assume = "NotAction" in statement or any(
            fnmatch.fnmatchcase(action, pattern)
            for action in _ASSUME_ACTIONS
            for pattern in actions
        )
        if not grants_assume:
            continue
        if "NotPrincipal" in statement or statement.get("Principal") == "*":
            principals.add("*")
        principal = statement.get("Principal")
        if isinstance(principal, Mapping):
            for kind, values in principal.items():
                principals.update(f"{str(kind).lower()}:{v}" for v in as_list(values))
        condition_keys: set[str] = set()
        for block in (statement.get("Condition") or {}).values():
            if not isinstance(block, Mapping):
                continue
            for key, values in block.items():
                name = _SOURCE_KEYS.get(str(key).lower())
                if name is not None:
                    condition_keys.add(name)
                    sources[name].update(str(v) for v in as_list(values))
        protected = protected and bool(condition_keys)
    return {
        "principals": sorted(principals),
        "confusedDeputyProtected": protected and bool(principals),
        **{name: sorted(values) for name, values in sources.items()},
    }


def grants_admin(document: Any) -> bool:
    """An Allow statement of Action "*" on Resource "*" (whatever its conditions)."""
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = as_list(statement.get("Action"))
        if any(a in ("*", "*:*") for a in actions) and "*" in as_list(statement.get("Resource")):
            return True
    return False


def _aws_managed(arn: str) -> bool:
    parsed = normalize.parse_arn(arn)
    return parsed is not None and parsed["account"] == "aws"


def _admin_managed(arn: str) -> bool:
    return _aws_managed(arn) and arn.endswith(":policy/AdministratorAccess")


def role(reader: JobReader, role_arn: str) -> Facts:
    return reader.once("role", role_arn, fetch=lambda: _role(reader, role_arn))  # type: ignore[no-any-return]


def _role(reader: JobReader, role_arn: str) -> Facts:
    arn = normalize.parse_arn(role_arn)
    if arn is None or not arn["resource"].startswith("role/"):
        raise Unreadable(f"could not be read: '{role_arn}' is not an IAM role ARN")
    name = arn["resource"].rsplit("/", 1)[-1]
    region = reader.region or None
    role = reader.call("iam", region, "GetRole", RoleName=name)["Role"]
    found = normalize.parse_arn(role.get("Arn")) or {}
    if found.get("account") != arn["account"]:
        raise Unreadable(
            f"could not be read: the role is in account {arn['account']}, and the "
            f"credentials are of account {found.get('account')} (IAM reads only its own "
            "account's roles: use --assume-role)"
        )
    trust = policy_document(role.get("AssumeRolePolicyDocument"))
    unknown: dict[str, str] = {}
    attached: list[dict[str, Any]] = []
    inline: list[dict[str, Any]] = []
    admin: list[str] = []
    unread: str | None = None
    try:
        listed = reader.pages(
            "iam",
            region,
            "ListAttachedRolePolicies",
            "AttachedPolicies",
            RoleName=name,
        )
    except Unreadable as exc:
        listed, unread = [], exc.reason
        unknown["attachedPolicies"] = exc.reason
    for entry in listed:
        policy_arn = str(entry.get("PolicyArn"))
        policy = {"arn": policy_arn, "name": entry.get("PolicyName")}
        if _aws_managed(policy_arn):
            policy.update(awsManaged=True, document=None)
            if _admin_managed(policy_arn):
                admin.append(policy_arn)
        else:
            try:
                document = reader.once(
                    "policy",
                    policy_arn,
                    fetch=functools.partial(_policy, reader, policy_arn, region),
                )
            except Unreadable as exc:
                document, unread = None, exc.reason
                unknown[f"attachedPolicies.{len(attached)}.document"] = exc.reason
            policy.update(awsManaged=False, document=document)
            if grants_admin(document):
                admin.append(policy_arn)
        attached.append(policy)
    try:
        names = reader.pages("iam", region, "ListRolePolicies", "PolicyNames", RoleName=name)
    except Unreadable as exc:
        names, unread = [], exc.reason
        unknown["inlinePolicies"] = exc.reason
    for policy_name in names:
        try:
            answer = reader.call(
                "iam", region, "GetRolePolicy", RoleName=name, PolicyName=policy_name
            )
            document = policy_document(answer.get("PolicyDocument"))
        except Unreadable as exc:
            document, unread = None, exc.reason
            unknown[f"inlinePolicies.{len(inline)}.document"] = exc.reason
        inline.append({"name": policy_name, "document": document})
        if grants_admin(document):
            admin.append(f"inline:{policy_name}")
    if unread is not None and not admin:
        unknown["adminPolicies"] = unread
        admin_found: list[str] | None = None  # not an empty list: that would pass
    else:
        admin_found = admin
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    facts = {
        "arn": role.get("Arn"),
        "name": role.get("RoleName"),
        "trustPolicy": trust,
        "trust": trust_facts(trust),
        "attachedPolicies": attached,
        "inlinePolicies": inline,
        "adminPolicies": admin_found,
        "permissionsBoundary": boundary,
    }
    return facts, unknown


def _policy(reader: JobReader, policy_arn: str, region: str | None) -> Any:
    policy = reader.call("iam", region, "GetPolicy", PolicyArn=policy_arn)["Policy"]
    version = reader.call(
        "iam",
        region,
        "GetPolicyVersion",
        PolicyArn=policy_arn,
        VersionId=policy["DefaultVersionId"],
    )
    return policy_document(version["PolicyVersion"].get("Document"))
