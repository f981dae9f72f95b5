"""KMS: the job's output-model key, its manager, state, rotation and key policy."""

from __future__ import annotations

from typing import Any

from checker import normalize
from checker.enrich.fetcher import Facts, JobReader, Unreadable, policy_document


def kms_key(reader: JobReader, named: str) -> Facts:
    arn = normalize.parse_arn(named)
    region = arn["region"] if arn else reader.need_region(f"key {named}")
    return reader.once("kms", region, named, fetch=lambda: _kms_key(reader, named, region))  # type: ignore[no-any-return]


def _kms_key(reader: JobReader, named: str, region: str) -> Facts:
    meta = reader.call("kms", region, "DescribeKey", KeyId=named)["KeyMetadata"]
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
    except (Unreadable, ValueError) as exc:
        unknown["policy"] = getattr(exc, "reason", "could not be read: not JSON")
    return facts, unknown
