"""S3: each data bucket's public access block, default encryption and bucket policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.enrich.fetcher import Facts, JobReader, Unreadable, policy_document

PUBLIC_ACCESS_SETTINGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


def bucket(reader: JobReader, name: str) -> Facts:
    region = reader.region
    owner = reader.account
    return reader.once("bucket", name, owner, fetch=lambda: _bucket(reader, name, owner, region))  # type: ignore[no-any-return]


def _bucket(reader: JobReader, name: str, owner: str | None, region: str | None) -> Facts:
    # ExpectedBucketOwner: a bucket of another account is refused, not judged by the wrong
    # account's settings.
    params: dict[str, Any] = {"Bucket": name}
    if owner:
        params["ExpectedBucketOwner"] = owner
    facts: dict[str, Any] = {
        "name": name,
        "publicAccessBlock": None,
        "publicAccessBlocked": None,
        "encryption": None,
        "policy": None,
    }
    unknown: dict[str, str] = {}
    try:
        facts.update(_public_access(reader, params, owner, region))
    except Unreadable as exc:
        unknown["publicAccessBlocked"] = exc.reason
    try:
        answer = reader.call(
            "s3",
            region,
            "GetBucketEncryption",
            absent=("ServerSideEncryptionConfigurationNotFoundError",),
            **params,
        )
        facts["encryption"] = _encryption(answer)
    except Unreadable as exc:
        unknown["encryption"] = exc.reason
    try:
        answer = reader.call(
            "s3", region, "GetBucketPolicy", absent=("NoSuchBucketPolicy",), **params
        )
        facts["policy"] = policy_document(answer["Policy"]) if answer else None
    except (Unreadable, ValueError) as exc:
        unknown["policy"] = getattr(exc, "reason", "could not be read: not JSON")
    return facts, unknown


def _public_access(
    reader: JobReader, params: Mapping[str, Any], owner: str | None, region: str | None
) -> dict[str, Any]:
    answer = reader.call(
        "s3",
        region,
        "GetPublicAccessBlock",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        **params,
    )
    bucket = _settings(answer)
    account = None
    if not all(bucket.values()):
        if not owner:
            raise Unreadable(
                "could not be decided: the bucket does not block all public access itself, "
                "and the job's account (whose account-level block may) is not known"
            )
        account = reader.once(
            "account-public-access", owner, fetch=lambda: _account_block(reader, owner, region)
        )
    effective = {k: bucket[k] or bool(account and account[k]) for k in bucket}
    return {
        "publicAccessBlock": {"bucket": bucket, "account": account, "effective": effective},
        "publicAccessBlocked": all(effective.values()),
    }


def _account_block(reader: JobReader, account: str, region: str | None) -> dict[str, bool]:
    answer = reader.call(
        "s3control",
        region,
        "GetPublicAccessBlock",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=account,
    )
    return _settings(answer)


def _settings(answer: Mapping[str, Any] | None) -> dict[str, bool]:
    config = (answer or {}).get("PublicAccessBlockConfiguration") or {}
    return {name: bool(config.get(name)) for name in PUBLIC_ACCESS_SETTINGS}


def _encryption(answer: Mapping[str, Any] | None) -> dict[str, Any] | None:
    rules = ((answer or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm"):
            return {
                "algorithm": default["SSEAlgorithm"],
                "kmsKeyId": default.get("KMSMasterKeyID"),
                "bucketKeyEnabled": bool(rule.get("BucketKeyEnabled")),
            }
    return None
