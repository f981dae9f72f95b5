"""S3: each data bucket's public access block, default encryption and bucket policy, and for
the evidence record the object versions each data location held when the job was created."""

from __future__ import annotations

import datetime
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


# One ListObjectVersions page per data location: at most this many versions (and delete markers)
# are read; a location holding more is marked ``truncated`` (docs/deep.md#object-versions).
OBJECT_VERSION_LIMIT = 1000


def _moment(value: Any) -> datetime.datetime | None:
    """A timestamp of an answer or a job document (a datetime or ISO 8601 text), in UTC."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _iso(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def data_objects(reader: JobReader, entry: Mapping[str, Any], created: Any) -> Facts:
    """The object versions a data location (``derived.dataUris`` entry) held at ``created``.

    An object URI gives its own versions (a URI without a trailing slash that names no object
    is read as a folder); a prefix gives every object under it. For each object, the version
    that was current when the job was created (the newest one modified at or before that time;
    the current one when the time is not known); an object deleted or not yet written then is
    left out.
    """
    bucket, key = str(entry.get("bucket")), str(entry.get("key") or "")
    as_of = _moment(created)
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": key, "MaxKeys": OBJECT_VERSION_LIMIT}
    if reader.account:
        params["ExpectedBucketOwner"] = reader.account
    answer = reader.once(
        "object-versions",
        bucket,
        key,
        fetch=lambda: reader.call("s3", reader.region, "ListObjectVersions", **params),
    )
    events = [
        (str(v.get("Key")), _moment(v.get("LastModified")), v, False)
        for v in answer.get("Versions") or ()
    ] + [
        (str(m.get("Key")), _moment(m.get("LastModified")), m, True)
        for m in answer.get("DeleteMarkers") or ()
    ]
    if key and not key.endswith("/"):
        exact = [event for event in events if event[0] == key]
        events = exact or [event for event in events if event[0].startswith(key + "/")]
    chosen: dict[str, tuple[datetime.datetime | None, Mapping[str, Any], bool]] = {}
    for name, moment, version, deleted in events:
        if as_of is not None and (moment is None or moment > as_of):
            continue  # written after the job was created
        if as_of is None and not version.get("IsLatest"):
            continue
        earlier = chosen.get(name)
        if earlier is None or (moment or _EPOCH) > (earlier[0] or _EPOCH):
            chosen[name] = (moment, version, deleted)
    objects = [
        {
            "key": name,
            "versionId": version.get("VersionId"),
            "eTag": version.get("ETag"),
            "size": version.get("Size"),
            "lastModified": _iso(moment),
        }
        for name, (moment, version, deleted) in sorted(chosen.items())
        if not deleted
    ]
    return {
        "uri": entry.get("uri"),
        "role": entry.get("role"),
        "asOf": _iso(as_of),
        "objects": objects,
        "truncated": bool(answer.get("IsTruncated")),
    }, {}


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
