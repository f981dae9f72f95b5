"""IAM: the job's service role, who may assume it, and what its policies grant."""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Mapping, Sequence
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

_ADMINISTRATOR_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
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
    unread: str | None = None  # why a policy that might grant administrator access was not read
    unread_permissions: str | None = None  # why some policy of the role was not read
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
        unread_permissions = exc.reason
        unknown["attachedPolicies"] = exc.reason
    for entry in listed:
        policy_arn = str(entry.get("PolicyArn"))
        managed_by_aws = _aws_managed(policy_arn)
        policy = {"arn": policy_arn, "name": entry.get("PolicyName"), "awsManaged": managed_by_aws}
        try:
            # AdministratorAccess is known by its ARN, and its document is everything.
            document = (
                _ADMINISTRATOR_ACCESS
                if _admin_managed(policy_arn)
                else reader.once(
                    "policy",
                    policy_arn,
                    fetch=functools.partial(_policy, reader, policy_arn, region),
                )
            )
        except Unreadable as exc:
            document, unread = None, exc.reason
            unread_permissions = exc.reason
            unknown[f"attachedPolicies.{len(attached)}.document"] = exc.reason
        policy["document"] = document
        if _admin_managed(policy_arn) or grants_admin(document):
            admin.append(policy_arn)
        attached.append(policy)
    try:
        names = reader.pages("iam", region, "ListRolePolicies", "PolicyNames", RoleName=name)
    except Unreadable as exc:
        names, unread = [], exc.reason
        unread_permissions = exc.reason
        unknown["inlinePolicies"] = exc.reason
    for policy_name in names:
        try:
            answer = reader.call(
                "iam", region, "GetRolePolicy", RoleName=name, PolicyName=policy_name
            )
            document = policy_document(answer.get("PolicyDocument"))
        except Unreadable as exc:
            document, unread = None, exc.reason
            unread_permissions = exc.reason
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
        "permissionsUnread": unread_permissions,
    }
    return facts, unknown


# -- What the role allows, judged against one job ---------------------------------------------

_WRITE_ACTIONS = ("s3:putobject", "s3:deleteobject", "s3:deleteobjectversion", "s3:putobjectacl")
_NETWORK_ACTIONS = ("ec2:createnetworkinterface",)
_EVERY_BUCKET = frozenset({"*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:*:s3:::*"})
# Condition keys with which AWS's VPC guide scopes the network-interface permissions.
_NETWORK_SCOPES = frozenset(
    {
        "aws:requesttag/bedrockmanaged",
        "aws:requesttag/bedrockmodelcustomizationjobarn",
        "aws:resourcetag/bedrockmanaged",
        "aws:resourcetag/bedrockmodelcustomizationjobarn",
        "ec2:subnet",
        "ec2:vpc",
    }
)


def _allows(statement: Mapping[str, Any], actions: Sequence[str]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return True  # everything but some actions: assume the worst
    patterns = [str(a).lower() for a in as_list(statement.get("Action"))]
    return any(fnmatch.fnmatchcase(action, p) for action in actions for p in patterns)


def _on(statement: Mapping[str, Any], arn: str) -> bool:
    if "NotResource" in statement:
        return True
    return any(fnmatch.fnmatchcase(arn, str(r)) for r in as_list(statement.get("Resource")))


def _condition_keys(statement: Mapping[str, Any]) -> set[str]:
    return {
        str(key).lower()
        for block in (statement.get("Condition") or {}).values()
        if isinstance(block, Mapping)
        for key in block
    }


def least_privilege(
    role: Mapping[str, Any], data_uris: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """How the role's policies compare with what one job needs: S3 on every bucket, write
    access to the job's input data, and unscoped network-interface creation."""
    policies = [*(role.get("attachedPolicies") or ()), *(role.get("inlinePolicies") or ())]
    every = [s for policy in policies for s in statements(policy.get("document"))]
    s3_everywhere = any(
        _allows(s, ("s3:getobject", "s3:putobject", "s3:deleteobject"))
        and not _condition_keys(s)
        and ("NotResource" in s or any(str(r) in _EVERY_BUCKET for r in as_list(s.get("Resource"))))
        for s in every
    )
    writable: list[str] = []
    for entry in data_uris:
        if entry.get("role") not in ("training", "validation", "invocationLogs"):
            continue
        if not entry.get("bucket"):
            continue
        arn = f"arn:aws:s3:::{entry['bucket']}/{entry.get('key') or ''}"
        if any(_allows(s, _WRITE_ACTIONS) and _on(s, arn) for s in every):
            writable.append(str(entry.get("uri")))
    unscoped = any(
        _allows(s, _NETWORK_ACTIONS) and not (_condition_keys(s) & _NETWORK_SCOPES) for s in every
    )
    return {
        "s3OnEveryBucket": s3_everywhere,
        "writableInputData": sorted(set(writable)),
        "networkInterfacesScoped": not unscoped,
    }


def trusted_for(trust: Mapping[str, Any], account: str) -> bool:
    """Every aws:SourceAccount the trust policy names is the job's account, and every
    aws:SourceArn is an ARN of that account (a wildcard account matches any: not scoped)."""
    source_accounts = [str(a) for a in trust.get("sourceAccounts") or ()]
    source_arns = [str(a) for a in trust.get("sourceArns") or ()]
    if not source_accounts and not source_arns:
        return False
    if any(value != account for value in source_accounts):
        return False
    for value in source_arns:
        arn = normalize.parse_arn(value)
        if arn is None or arn["account"] != account or arn["service"] not in ("bedrock", "*"):
            return False
    return True


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
