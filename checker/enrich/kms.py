"""KMS: the job's output-model key, its manager, state, rotation and key policy."""

from __future__ import annotations

import fnmatch
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

# Key policy actions that let a principal use the key to encrypt or decrypt.
_USE_ACTIONS = (
    "kms:decrypt",
    "kms:encrypt",
    "kms:generatedatakey",
    "kms:generatedatakeywithoutplaintext",
    "kms:reencryptfrom",
    "kms:creategrant",
)


def kms_key(reader: JobReader, named: str) -> Facts:
    arn = normalize.parse_arn(named)
    region = arn["region"] if arn else reader.need_region(f"key {named}")
    return reader.once("kms", region, named, fetch=lambda: _kms_key(reader, named, region))  # type: ignore[no-any-return]


def key_metadata(reader: JobReader, named: str, region: str) -> Any:
    """DescribeKey's KeyMetadata, read once per key and region (BMC301 and the buckets' keys)."""
    return reader.once(
        "kms-metadata",
        region,
        named,
        fetch=lambda: reader.call("kms", region, "DescribeKey", KeyId=named)["KeyMetadata"],
    )


def customer_managed(reader: JobReader, named: str | None) -> bool:
    """Whether an S3 default-encryption key is customer-managed. No key id means the bucket
    uses the AWS-managed aws/s3 key; an alias/aws/... alias names an AWS-managed key."""
    if not named or named.startswith("alias/aws/") or ":alias/aws/" in named:
        return False
    arn = normalize.parse_arn(named)
    region = arn["region"] if arn else reader.need_region(f"key {named}")
    return bool(key_metadata(reader, named, region).get("KeyManager") == "CUSTOMER")


def policy_facts(document: Any) -> dict[str, Any]:
    """What a key policy allows: wildcard principals, the accounts it names, and whether
    every grant of key use to a principal other than an account root is limited to Bedrock
    with kms:ViaService."""
    wildcard = False
    accounts: set[str] = set()
    use_grants = via_bedrock = 0
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        named = as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []
        if principal == "*" or "*" in named or "NotPrincipal" in statement:
            wildcard = wildcard or not statement.get("Condition")
        for value in named:
            account = _account_of(str(value))
            if account:
                accounts.add(account)
        actions = [str(a).lower() for a in as_list(statement.get("Action"))]
        grants_use = "NotAction" in statement or any(
            fnmatch.fnmatchcase(action, pattern) for action in _USE_ACTIONS for pattern in actions
        )
        roots_only = bool(named) and all(str(v).endswith(":root") for v in named)
        if grants_use and not roots_only:
            use_grants += 1
            via = [
                str(v)
                for block in (statement.get("Condition") or {}).values()
                if isinstance(block, Mapping)
                for key, values in block.items()
                if str(key).lower() == "kms:viaservice"
                for v in as_list(values)
            ]
            if via and all(v.startswith("bedrock.") for v in via):
                via_bedrock += 1
    return {
        "wildcardPrincipal": wildcard,
        "principalAccounts": sorted(accounts),
        "useLimitedToBedrock": use_grants > 0 and via_bedrock == use_grants,
    }


def _account_of(principal: str) -> str | None:
    if principal.isdigit() and len(principal) == 12:
        return principal
    arn = normalize.parse_arn(principal)
    return arn["account"] if arn and arn["account"] else None


def _kms_key(reader: JobReader, named: str, region: str) -> Facts:
    meta = key_metadata(reader, named, region)
    key_arn = meta.get("Arn") or named
    facts: dict[str, Any] = {
        "named": named,
        "arn": key_arn,
        "keyId": meta.get("KeyId"),
        "keyManager": meta.get("KeyManager"),
        "keyState": meta.get("KeyState"),
        "enabled": meta.get("Enabled"),
        "keySpec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
        "keyUsage": meta.get("KeyUsage"),
        "origin": meta.get("Origin"),
        "multiRegion": meta.get("MultiRegion", False),
        "rotationEnabled": None,
        "policy": None,
        "policyFacts": None,
    }
    unknown: dict[str, str] = {}
    try:
        status = reader.call("kms", region, "GetKeyRotationStatus", KeyId=key_arn)
        facts["rotationEnabled"] = bool(status.get("KeyRotationEnabled"))
    except Unreadable as exc:
        unknown["rotationEnabled"] = exc.reason
    try:
        policy = reader.call("kms", region, "GetKeyPolicy", KeyId=key_arn, PolicyName="default")
        facts["policy"] = policy_document(policy.get("Policy"))
        facts["policyFacts"] = policy_facts(facts["policy"])
    except (Unreadable, ValueError) as exc:
        unknown["policy"] = getattr(exc, "reason", "could not be read: not JSON")
        unknown["policyFacts"] = unknown["policy"]
    return facts, unknown
