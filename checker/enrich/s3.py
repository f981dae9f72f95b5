"""S3: each data bucket's public access block, default encryption and bucket policy."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from checker.enrich.fetcher import Facts, JobReader, Unreadable, policy_document
from checker.enrich.kms import customer_managed

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
        "versioning": None,
        "objectLock": None,
        "integrityProtected": None,
        "accessLogging": None,
        "dataEventsLogged": None,
        "activityLogged": None,
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
        if facts["encryption"] and facts["encryption"]["algorithm"].startswith("aws:kms"):
            del facts["encryption"]["customerManagedKey"]  # known below, or unknown
            try:
                key = facts["encryption"]["kmsKeyId"]
                facts["encryption"]["customerManagedKey"] = customer_managed(reader, key)
            except Unreadable as exc:
                unknown["encryption.customerManagedKey"] = exc.reason
    except Unreadable as exc:
        unknown["encryption"] = exc.reason
    try:
        answer = reader.call(
            "s3", region, "GetBucketPolicy", absent=("NoSuchBucketPolicy",), **params
        )
        facts["policy"] = policy_document(answer["Policy"]) if answer else None
    except (Unreadable, ValueError) as exc:
        unknown["policy"] = getattr(exc, "reason", "could not be read: not JSON")
    _integrity(reader, params, region, facts, unknown)
    _activity(reader, params, name, owner, region, facts, unknown)
    return facts, unknown


def _integrity(
    reader: JobReader,
    params: Mapping[str, Any],
    region: str | None,
    facts: dict[str, Any],
    unknown: dict[str, str],
) -> None:
    """Versioning or Object Lock: the training data cannot be silently replaced."""
    try:
        answer = reader.call("s3", region, "GetBucketVersioning", **params)
        facts["versioning"] = answer.get("Status") or "Disabled"
    except Unreadable as exc:
        unknown["versioning"] = exc.reason
    try:
        answer = reader.call(
            "s3",
            region,
            "GetObjectLockConfiguration",
            absent=("ObjectLockConfigurationNotFoundError",),
            **params,
        )
        config = (answer or {}).get("ObjectLockConfiguration") or {}
        facts["objectLock"] = config.get("ObjectLockEnabled") == "Enabled"
    except Unreadable as exc:
        unknown["objectLock"] = exc.reason
    held = {"versioning": facts["versioning"] == "Enabled", "objectLock": bool(facts["objectLock"])}
    _any_of("integrityProtected", held, facts, unknown)


def _any_of(
    name: str, held: Mapping[str, bool], facts: dict[str, Any], unknown: dict[str, str]
) -> None:
    """``name`` is true when one of the ``held`` facts is; unknown when none is and one of them
    could not be read; else false."""
    unread = [unknown[fact] for fact in held if fact in unknown]
    if any(held.values()):
        facts[name] = True
    elif unread:
        unknown[name] = unread[0]
    else:
        facts[name] = False


def _activity(
    reader: JobReader,
    params: Mapping[str, Any],
    name: str,
    owner: str | None,
    region: str | None,
    facts: dict[str, Any],
    unknown: dict[str, str],
) -> None:
    """Server access logging, else CloudTrail S3 data events for the bucket's objects."""
    try:
        answer = reader.call("s3", region, "GetBucketLogging", **params)
        facts["accessLogging"] = bool(answer.get("LoggingEnabled"))
    except Unreadable as exc:
        unknown["accessLogging"] = exc.reason
    if facts["accessLogging"]:
        facts["activityLogged"] = True
        return
    try:
        trails_region = region or reader.need_region("the trails that may log its data events")
        logged = reader.once(
            "s3-data-events",
            owner,
            trails_region,
            fetch=lambda: _data_event_arns(reader, trails_region),
        )
        facts["dataEventsLogged"] = any(
            fnmatch.fnmatchcase(f"arn:aws:s3:::{name}/", f"{prefix}*") for prefix in logged
        )
    except Unreadable as exc:
        unknown["dataEventsLogged"] = exc.reason
    held = {"accessLogging": False, "dataEventsLogged": bool(facts["dataEventsLogged"])}
    _any_of("activityLogged", held, facts, unknown)


def _data_event_arns(reader: JobReader, region: str) -> list[str]:
    """The S3 object ARN prefixes whose data events a logging trail records ("arn:aws:s3" for
    every object), from basic and advanced event selectors."""
    trails = reader.call("cloudtrail", region, "DescribeTrails", includeShadowTrails=True)
    prefixes: list[str] = []
    for trail in trails.get("trailList") or ():
        arn = trail.get("TrailARN")
        status = reader.call("cloudtrail", region, "GetTrailStatus", Name=arn)
        if not status.get("IsLogging"):
            continue
        selectors = reader.call("cloudtrail", region, "GetEventSelectors", TrailName=arn)
        for selector in selectors.get("EventSelectors") or ():
            for resource in selector.get("DataResources") or ():
                if resource.get("Type") == "AWS::S3::Object":
                    prefixes.extend(str(v) for v in resource.get("Values") or ())
        for selector in selectors.get("AdvancedEventSelectors") or ():
            prefixes.extend(_advanced_s3_prefixes(selector.get("FieldSelectors") or ()))
    return prefixes


def _advanced_s3_prefixes(fields: Any) -> list[str]:
    """An advanced selector's S3 object ARN prefixes: only for data events on S3 objects,
    and only when no other field narrows it (read-only, event names) to less than writes."""
    by_name = {str(f.get("Field")): f for f in fields if isinstance(f, Mapping)}
    if by_name.get("eventCategory", {}).get("Equals") != ["Data"]:
        return []
    if by_name.get("resources.type", {}).get("Equals") != ["AWS::S3::Object"]:
        return []
    if set(by_name) - {"eventCategory", "resources.type", "resources.ARN"}:
        return []
    arn = by_name.get("resources.ARN")
    if arn is None:
        return ["arn:aws:s3"]
    return [str(v) for v in arn.get("StartsWith") or ()]


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
                "customerManagedKey": None,  # only SSE-KMS has a key
            }
    return None
