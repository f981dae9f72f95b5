"""Deep checks: follow each job to its KMS key, role, data buckets, subnets and security groups.

With ``--deep`` each job document gains a ``resources`` section of facts fetched from AWS
(documented in docs/deep.md). Each distinct resource is fetched once per run, however many jobs
share it: the first job that needs it fetches it, the others wait for that answer. A resource or
fact that cannot be read (access denied, a bucket of another account, no region) is listed in
``resources.unknown`` with the reason, so the rules that read it report "unknown", never a pass.
Only the kinds of resource that the loaded rules read are fetched. boto3 is imported lazily.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import json
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from checker import normalize
from checker.errors import CheckerError
from checker.model import Job, LoadError
from checker.sources import aws
from checker.sources.connection import Connection

if TYPE_CHECKING:
    from checker.policy import Policy

# The kinds of resource a rule can read: resources.<kind>, and the job's own tags.
KINDS = frozenset({"kmsKey", "role", "buckets", "subnets", "securityGroups", "tags"})
# Facts computed from another kind's resources.
_FACT_KIND = {"availabilityZones": "subnets"}
PUBLIC_ACCESS_SETTINGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)
_ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")
_SOURCE_KEYS = {"aws:sourceaccount": "sourceAccounts", "aws:sourcearn": "sourceArns"}
_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")

Progress = Callable[[int, int], None]
Facts = tuple[dict[str, Any], dict[str, str]]  # (facts, {path inside the facts: why unknown})


def needs(policy: Policy) -> frozenset[str]:
    """The kinds of resource that the loaded rules (their schemas or ``when``) read."""
    found: set[str] = set()
    for compiled in policy.compiled:
        if compiled.reads is None or (compiled.when is not None and compiled.when_reads is None):
            return KINDS  # a cross-field rule: it may read anything
        for schema in (compiled.rule.schema, compiled.rule.when or {}):
            kinds = _kinds_read(schema)
            if kinds is None:
                return KINDS
            found |= kinds
    return frozenset(found)


def _kinds_read(schema: Mapping[str, Any]) -> set[str] | None:
    """The kinds a schema's top-level fields read; None when it may read every kind."""
    found: set[str] = set()
    for field, rules in schema.items():
        if field == "tags":
            found.add("tags")
        elif field == "resources":
            nested = rules.get("schema") if isinstance(rules, Mapping) else None
            if not isinstance(nested, Mapping):
                return None  # a rule on the whole section
            for name in nested:
                kind = _FACT_KIND.get(name, name)
                if kind in KINDS:
                    found.add(kind)
                elif name == "unknown":
                    return None
    return found


class Unreadable(Exception):
    """A resource or fact that could not be read; ``reason`` completes "<path> ..."."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Fetcher:
    """Clients, the once-per-run resource cache and the API call counts of one deep run."""

    def __init__(self, connection: Connection, default_region: str | None) -> None:
        self.connection = connection
        self.default_region = default_region
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._clients: dict[tuple[int, str, str | None], Any] = {}
        self._cache: dict[tuple[Any, ...], Future[Any]] = {}

    def client(self, session: Any, service: str, region: str | None) -> Any:
        key = (id(session), service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = session.client(
                    service,
                    region_name=region,
                    # --endpoint-url is Bedrock's; the other services follow AWS_ENDPOINT_URL_*.
                    endpoint_url=self.connection.endpoint_url if service == "bedrock" else None,
                    verify=aws.verify_option(self.connection),
                    config=aws.client_config(self.connection, session, region),
                )
                client.meta.events.register("before-call", self._count)
                self._clients[key] = client
        return client

    def _count(self, model: Any, **_kwargs: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def call(
        self,
        session: Any,
        service: str,
        region: str | None,
        operation: str,
        *,
        absent: Sequence[str] = (),
        **params: Any,
    ) -> Any:
        """One API call; None when the error code says the thing is absent (``absent``)."""
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client(session, service, region)
        try:
            return getattr(client, xform_name(operation))(**params)
        except (ClientError, BotoCoreError) as exc:
            code = aws.error_code(exc)
            if code in absent:
                return None
            hint = " (see docs/deep.md for the permissions needed)" if code in _DENIED else ""
            raise Unreadable(
                f"could not be read: {service}:{operation}: {aws.error_text(exc)}{hint}"
            ) from None

    def pages(
        self,
        session: Any,
        service: str,
        region: str | None,
        operation: str,
        key: str,
        **params: Any,
    ) -> list[Any]:
        """Every item of a paginated listing."""
        items: list[Any] = []
        while True:
            page = self.call(session, service, region, operation, **params)
            items.extend(page.get(key) or ())
            marker = page.get("Marker") if page.get("IsTruncated") else None
            if not marker:
                return items
            params["Marker"] = marker

    def once(self, key: tuple[Any, ...], fetch: Callable[[], Any]) -> Any:
        """``fetch()`` the first time ``key`` is asked for; the same answer (or error) after."""
        with self._lock:
            future = self._cache.get(key)
            owner = future is None
            if future is None:
                future = self._cache[key] = Future()
        if owner:
            try:
                future.set_result(fetch())
            except BaseException as exc:
                future.set_exception(exc)
        return future.result()


# -- Policy documents ---------------------------------------------------------------------------


def _document(value: Any) -> Any:
    """An IAM policy document: botocore decodes most; a URL-encoded JSON string is decoded here."""
    if isinstance(value, str):
        try:
            return json.loads(urllib.parse.unquote(value))
        except ValueError:
            return json.loads(value)
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements(document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return []
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, Mapping)]


def trust_facts(document: Any) -> dict[str, Any]:
    """Who may assume the role, and whether every such grant names aws:SourceAccount/SourceArn."""
    principals: set[str] = set()
    sources: dict[str, set[str]] = {"sourceAccounts": set(), "sourceArns": set()}
    protected = True
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
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
                principals.update(f"{str(kind).lower()}:{v}" for v in _as_list(values))
        condition_keys: set[str] = set()
        for block in (statement.get("Condition") or {}).values():
            if not isinstance(block, Mapping):
                continue
            for key, values in block.items():
                name = _SOURCE_KEYS.get(str(key).lower())
                if name is not None:
                    condition_keys.add(name)
                    sources[name].update(str(v) for v in _as_list(values))
        protected = protected and bool(condition_keys)
    return {
        "principals": sorted(principals),
        "confusedDeputyProtected": protected and bool(principals),
        **{name: sorted(values) for name, values in sources.items()},
    }


def grants_admin(document: Any) -> bool:
    """An Allow statement of Action "*" on Resource "*" (whatever its conditions)."""
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action"))
        if any(a in ("*", "*:*") for a in actions) and "*" in _as_list(statement.get("Resource")):
            return True
    return False


def _aws_managed(arn: str) -> bool:
    parsed = normalize.parse_arn(arn)
    return parsed is not None and parsed["account"] == "aws"


def _admin_managed(arn: str) -> bool:
    return _aws_managed(arn) and arn.endswith(":policy/AdministratorAccess")


# -- Fetching each kind of resource -------------------------------------------------------------


class _Job:
    """Fetches the resources of one job with one set of credentials, through the shared cache."""

    def __init__(self, fetcher: Fetcher, session: Any, job: Job) -> None:
        self.fetcher = fetcher
        self.session = session
        derived = job.document.get("derived") or {}
        self.derived = derived
        self.account: str | None = derived.get("account")
        self.region: str | None = derived.get("region") or fetcher.default_region
        self.opaque = normalize.opaque_paths(job.document)

    def call(self, service: str, region: str | None, operation: str, **params: Any) -> Any:
        return self.fetcher.call(self.session, service, region, operation, **params)

    def pages(
        self, service: str, region: str | None, operation: str, key: str, **params: Any
    ) -> list[Any]:
        return self.fetcher.pages(self.session, service, region, operation, key, **params)

    def once(self, *key: Any, fetch: Callable[[], Any]) -> Any:
        return self.fetcher.once((id(self.session), *key), fetch)

    def need_region(self, what: str) -> str:
        if not self.region:
            raise Unreadable(
                f"could not be read: the region of {what} is not known (the job has no ARN "
                "naming its region): pass --region"
            )
        return self.region

    # KMS -------------------------------------------------------------------------------------

    def kms_key(self, named: str) -> Facts:
        arn = normalize.parse_arn(named)
        region = arn["region"] if arn else self.need_region(f"key {named}")
        return self.once("kms", region, named, fetch=lambda: self._kms_key(named, region))  # type: ignore[no-any-return]

    def _kms_key(self, named: str, region: str) -> Facts:
        meta = self.call("kms", region, "DescribeKey", KeyId=named)["KeyMetadata"]
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
            status = self.call("kms", region, "GetKeyRotationStatus", KeyId=key_arn)
            facts["rotationEnabled"] = bool(status.get("KeyRotationEnabled"))
        except Unreadable as exc:
            unknown["rotationEnabled"] = exc.reason
        try:
            policy = self.call("kms", region, "GetKeyPolicy", KeyId=key_arn, PolicyName="default")
            facts["policy"] = _document(policy.get("Policy"))
        except (Unreadable, ValueError) as exc:
            unknown["policy"] = getattr(exc, "reason", "could not be read: not JSON")
        return facts, unknown

    # IAM -------------------------------------------------------------------------------------

    def role(self, role_arn: str) -> Facts:
        return self.once("role", role_arn, fetch=lambda: self._role(role_arn))  # type: ignore[no-any-return]

    def _role(self, role_arn: str) -> Facts:
        arn = normalize.parse_arn(role_arn)
        if arn is None or not arn["resource"].startswith("role/"):
            raise Unreadable(f"could not be read: '{role_arn}' is not an IAM role ARN")
        name = arn["resource"].rsplit("/", 1)[-1]
        region = self.region or None
        role = self.call("iam", region, "GetRole", RoleName=name)["Role"]
        found = normalize.parse_arn(role.get("Arn")) or {}
        if found.get("account") != arn["account"]:
            raise Unreadable(
                f"could not be read: the role is in account {arn['account']}, and the "
                f"credentials are of account {found.get('account')} (IAM reads only its own "
                "account's roles: use --assume-role)"
            )
        trust = _document(role.get("AssumeRolePolicyDocument"))
        unknown: dict[str, str] = {}
        attached: list[dict[str, Any]] = []
        inline: list[dict[str, Any]] = []
        admin: list[str] = []
        unread: str | None = None
        try:
            listed = self.pages(
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
                    document = self.once(
                        "policy",
                        policy_arn,
                        fetch=functools.partial(self._policy, policy_arn, region),
                    )
                except Unreadable as exc:
                    document, unread = None, exc.reason
                    unknown[f"attachedPolicies.{len(attached)}.document"] = exc.reason
                policy.update(awsManaged=False, document=document)
                if grants_admin(document):
                    admin.append(policy_arn)
            attached.append(policy)
        try:
            names = self.pages("iam", region, "ListRolePolicies", "PolicyNames", RoleName=name)
        except Unreadable as exc:
            names, unread = [], exc.reason
            unknown["inlinePolicies"] = exc.reason
        for policy_name in names:
            try:
                answer = self.call(
                    "iam", region, "GetRolePolicy", RoleName=name, PolicyName=policy_name
                )
                document = _document(answer.get("PolicyDocument"))
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

    def _policy(self, policy_arn: str, region: str | None) -> Any:
        policy = self.call("iam", region, "GetPolicy", PolicyArn=policy_arn)["Policy"]
        version = self.call(
            "iam",
            region,
            "GetPolicyVersion",
            PolicyArn=policy_arn,
            VersionId=policy["DefaultVersionId"],
        )
        return _document(version["PolicyVersion"].get("Document"))

    # S3 --------------------------------------------------------------------------------------

    def bucket(self, name: str) -> Facts:
        region = self.region
        owner = self.account
        return self.once("bucket", name, owner, fetch=lambda: self._bucket(name, owner, region))  # type: ignore[no-any-return]

    def _bucket(self, name: str, owner: str | None, region: str | None) -> Facts:
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
            facts.update(self._public_access(params, owner, region))
        except Unreadable as exc:
            unknown["publicAccessBlocked"] = exc.reason
        try:
            answer = self.call(
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
            answer = self.call(
                "s3", region, "GetBucketPolicy", absent=("NoSuchBucketPolicy",), **params
            )
            facts["policy"] = _document(answer["Policy"]) if answer else None
        except (Unreadable, ValueError) as exc:
            unknown["policy"] = getattr(exc, "reason", "could not be read: not JSON")
        return facts, unknown

    def _public_access(
        self, params: Mapping[str, Any], owner: str | None, region: str | None
    ) -> dict[str, Any]:
        answer = self.call(
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
            account = self.once(
                "account-public-access", owner, fetch=lambda: self._account_block(owner, region)
            )
        effective = {k: bucket[k] or bool(account and account[k]) for k in bucket}
        return {
            "publicAccessBlock": {"bucket": bucket, "account": account, "effective": effective},
            "publicAccessBlocked": all(effective.values()),
        }

    def _account_block(self, account: str, region: str | None) -> dict[str, bool]:
        answer = self.call(
            "s3control",
            region,
            "GetPublicAccessBlock",
            absent=("NoSuchPublicAccessBlockConfiguration",),
            AccountId=account,
        )
        return _settings(answer)

    # EC2 -------------------------------------------------------------------------------------

    def subnet(self, subnet_id: str) -> Facts:
        region = self.need_region(f"subnet {subnet_id}")
        return self.once("subnet", region, subnet_id, fetch=lambda: self._subnet(subnet_id, region))  # type: ignore[no-any-return]

    def _subnet(self, subnet_id: str, region: str) -> Facts:
        found = self.call("ec2", region, "DescribeSubnets", SubnetIds=[subnet_id])["Subnets"]
        if not found:
            raise Unreadable(f"could not be read: ec2:DescribeSubnets: no subnet {subnet_id}")
        subnet = found[0]
        vpc = subnet.get("VpcId")
        facts: dict[str, Any] = {
            "id": subnet_id,
            "vpcId": vpc,
            "availabilityZone": subnet.get("AvailabilityZone"),
            "availabilityZoneId": subnet.get("AvailabilityZoneId"),
            "cidrBlock": subnet.get("CidrBlock"),
            "mapPublicIpOnLaunch": bool(subnet.get("MapPublicIpOnLaunch")),
            "routeTable": None,
            "internetGatewayRoutes": None,
            "private": None,
        }
        unknown: dict[str, str] = {}
        try:
            tables = self.call(
                "ec2",
                region,
                "DescribeRouteTables",
                Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}],
            )["RouteTables"]
            main = not tables
            table = (
                tables[0]
                if tables
                else self.once(
                    "main-route-table", region, vpc, fetch=lambda: self._main_table(region, vpc)
                )
            )
            routes = [
                str(
                    route.get("DestinationCidrBlock")
                    or route.get("DestinationIpv6CidrBlock")
                    or route.get("DestinationPrefixListId")
                )
                for route in table.get("Routes") or ()
                if str(route.get("GatewayId") or "").startswith("igw-")
                and route.get("State") != "blackhole"
            ]
            facts["routeTable"] = {"id": table.get("RouteTableId"), "main": main}
            facts["internetGatewayRoutes"] = routes
            facts["private"] = not routes
        except Unreadable as exc:
            unknown["private"] = exc.reason
        return facts, unknown

    def _main_table(self, region: str, vpc: Any) -> Any:
        tables = self.call(
            "ec2",
            region,
            "DescribeRouteTables",
            Filters=[
                {"Name": "vpc-id", "Values": [str(vpc)]},
                {"Name": "association.main", "Values": ["true"]},
            ],
        )["RouteTables"]
        if not tables:
            raise Unreadable(f"could not be read: ec2:DescribeRouteTables: {vpc} has no main table")
        return tables[0]

    def security_group(self, group_id: str) -> Facts:
        region = self.need_region(f"security group {group_id}")
        return self.once("sg", region, group_id, fetch=lambda: self._group(group_id, region))  # type: ignore[no-any-return]

    def _group(self, group_id: str, region: str) -> Facts:
        found = self.call("ec2", region, "DescribeSecurityGroups", GroupIds=[group_id])
        groups = found["SecurityGroups"]
        if not groups:
            raise Unreadable(f"could not be read: ec2:DescribeSecurityGroups: no group {group_id}")
        group = groups[0]
        egress = aws.plain(group.get("IpPermissionsEgress") or [])
        return {
            "id": group_id,
            "name": group.get("GroupName"),
            "vpcId": group.get("VpcId"),
            "egress": egress,
            "openEgress": any(_open_to_all(permission) for permission in egress),
        }, {}

    # Bedrock ---------------------------------------------------------------------------------

    def tags(self, job_arn: str) -> dict[str, str]:
        return self.once("tags", job_arn, fetch=lambda: self._tags(job_arn))  # type: ignore[no-any-return]

    def _tags(self, job_arn: str) -> dict[str, str]:
        region = (normalize.parse_arn(job_arn) or {}).get("region") or self.need_region("the job")
        listed = self.call("bedrock", region, "ListTagsForResource", resourceARN=job_arn)
        return {str(t["key"]): str(t.get("value", "")) for t in listed.get("tags") or ()}


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


def _open_to_all(permission: Mapping[str, Any]) -> bool:
    """Egress on every port (all protocols, or TCP/UDP 0-65535) to 0.0.0.0/0 or ::/0."""
    protocol = str(permission.get("IpProtocol"))
    every_port = protocol == "-1" or (
        protocol in ("tcp", "udp", "6", "17")
        and permission.get("FromPort") in (0, None)
        and permission.get("ToPort") in (65535, None)
    )
    anywhere = any(r.get("CidrIp") == "0.0.0.0/0" for r in permission.get("IpRanges") or ()) or any(
        r.get("CidrIpv6") == "::/0" for r in permission.get("Ipv6Ranges") or ()
    )
    return every_port and anywhere


# -- Assembling a job's resources section -------------------------------------------------------


def _enrich(fetcher: Fetcher, session: Any, job: Job, kinds: frozenset[str]) -> Job:
    """The job with its ``resources`` section (and fetched tags) added."""
    run = _Job(fetcher, session, job)
    document = dict(job.document)
    lines = dict(job.lines)
    resources: dict[str, Any] = {}
    unknown: dict[str, str] = {
        f"resources.{kind}": "was not fetched (no loaded rule reads it)"
        for kind in sorted(KINDS)
        if kind not in kinds and kind != "tags"
    }

    def known(source: str, path: str) -> Any:
        """The job's value at ``source``; None (and ``path`` unknown) when it is not known."""
        reason = run.opaque.get(source)
        if reason is not None:
            unknown[path] = f"is not known: {source} {reason}"
            return None
        return normalize.get_path(job.document, source)

    def fetch(path: str, source: str, get: Callable[[str], Facts], name: str) -> Any:
        """``get(name)`` as the facts at ``path``; None when it could not be read at all."""
        if source in job.lines:
            lines[path] = job.lines[source]
        try:
            facts, missing = get(name)
        except Unreadable as exc:
            unknown[path] = exc.reason
            return None
        unknown.update((f"{path}.{fact}", reason) for fact, reason in missing.items())
        return facts

    def stand_in(kind: str, source: str) -> str:
        """The key of an entry for a resource the job names by a value that is not known: the
        rules on every entry then report unknown for it, instead of passing without it."""
        key = f"<{source}>"
        reason = run.opaque.get(source, "is not known")
        unknown[f"resources.{kind}.{key}"] = f"is not known: {source} {reason}"
        if source in job.lines:
            lines[f"resources.{kind}.{key}"] = job.lines[source]
        return key

    def each(source: str, kind: str, get: Callable[[str], Facts]) -> dict[str, Any]:
        """The facts of every resource a list field names, by id."""
        if source in run.opaque:
            return {stand_in(kind, source): {"id": None}}
        listed = normalize.get_path(job.document, source)
        found: dict[str, Any] = {}
        for index, item in enumerate(listed if isinstance(listed, list) else ()):
            here = f"{source}.{index}"
            if here in run.opaque:
                found[stand_in(kind, here)] = {"id": None}
            elif isinstance(item, str) and item and item not in found:
                found[item] = fetch(f"resources.{kind}.{item}", here, get, item) or {"id": item}
        return found

    for kind, source, get in (
        ("kmsKey", "outputModelKmsKeyArn", run.kms_key),
        ("role", "roleArn", run.role),
    ):
        if kind in kinds:
            named = known(source, f"resources.{kind}")
            resources[kind] = (
                fetch(f"resources.{kind}", source, get, named)
                if isinstance(named, str) and named
                else None
            )
    if "buckets" in kinds:
        buckets: dict[str, Any] = {}
        for index, entry in enumerate(run.derived.get("dataUris") or ()):
            name = entry.get("bucket")
            if f"derived.dataUris.{index}" in (run.derived.get("unknown") or ()):
                buckets[stand_in("buckets", entry["path"])] = {"roles": [entry.get("role")]}
                continue
            if not name:
                continue  # not an s3:// URI: the baseline rules report it
            if name not in buckets:
                facts = fetch(f"resources.buckets.{name}", entry["path"], run.bucket, name)
                buckets[name] = {"roles": [], **(facts or {"name": name})}
            buckets[name]["roles"].append(entry.get("role"))
        resources["buckets"] = buckets
    if "subnets" in kinds:
        resources["subnets"] = each("vpcConfig.subnetIds", "subnets", run.subnet)
        zones = {s.get("availabilityZone") for s in resources["subnets"].values()} - {None}
        resources["availabilityZones"] = sorted(zones)
        if "vpcConfig.subnetIds" in job.lines:
            lines["resources.availabilityZones"] = job.lines["vpcConfig.subnetIds"]
        unread = [
            unknown[f"resources.subnets.{key}"]
            for key in resources["subnets"]
            if f"resources.subnets.{key}" in unknown
        ]
        if unread and len(zones) < 2:
            unknown["resources.availabilityZones"] = unread[0]
    if "securityGroups" in kinds:
        resources["securityGroups"] = each(
            "vpcConfig.securityGroupIds", "securityGroups", run.security_group
        )
    if (
        "tags" in kinds
        and "tags" not in document
        and job.arn
        and job.kind == normalize.GET_RESPONSE
    ):
        try:
            document["tags"] = run.tags(job.arn)
        except Unreadable as exc:
            unknown["tags"] = exc.reason
    resources["unknown"] = unknown
    document["resources"] = resources
    return dataclasses.replace(job, document=document, lines=lines)


def enrich(
    items: Iterable[tuple[Job | LoadError, Any]],
    kinds: frozenset[str],
    connection: Connection,
    *,
    default_region: str | None = None,
    progress: Progress | None = None,
    fetcher: Fetcher | None = None,
) -> list[Job | LoadError]:
    """Each job (with the boto3 session to read its resources with) with its resources added.

    Jobs are enriched on at most ``connection.max_concurrency`` threads. A job whose enrichment
    fails unexpectedly becomes an error result rather than being lost.
    """
    aws.install_redaction()
    fetcher = fetcher or Fetcher(connection, default_region)
    pairs = list(items)
    jobs = [
        (index, item, session)
        for index, (item, session) in enumerate(pairs)
        if isinstance(item, Job)
    ]
    results: list[Job | LoadError] = [item for item, _ in pairs]
    done = 0
    lock = threading.Lock()

    def one(item: Job, session: Any) -> Job | LoadError:
        nonlocal done
        try:
            return _enrich(fetcher, session, item, kinds)
        except Exception as exc:  # a bug must not lose the job: it becomes an error result
            origin = dataclasses.replace(item.origin, arn=item.arn or item.origin.arn)
            return LoadError(origin, f"deep checks failed: {type(exc).__name__}: {exc}")
        finally:
            with lock:
                done += 1
                if progress is not None:
                    progress(done, len(jobs))

    pool = ThreadPoolExecutor(max_workers=connection.max_concurrency, thread_name_prefix="deep")
    try:
        futures = [(index, pool.submit(one, job, session)) for index, job, session in jobs]
        for index, future in futures:
            results[index] = future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def connect(connection: Connection) -> tuple[list[aws.Target], str | None]:
    """Credentials for deep checks of file jobs: the caller's, or each --assume-role's."""
    from botocore.exceptions import BotoCoreError

    session = aws.make_session(connection.profile)
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:  # a failing credential_process, an unreadable SSO cache
        raise CheckerError(f"--deep: cannot load the AWS credentials: {exc}") from exc
    if credentials is None:
        raise CheckerError(
            "--deep needs AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, or pass --profile"
        )
    if len(set(connection.regions)) > 1:
        raise CheckerError(
            "check --deep: give at most one --region (where the resources of jobs whose ARNs "
            "name no region are read)"
        )
    region = connection.regions[0] if connection.regions else session.region_name
    targets, failures = aws.open_targets(connection, session, [region or "us-east-1"])
    if failures:
        raise CheckerError(failures[0].message)
    if connection.assume_roles:
        targets.append(aws.Target(session))  # for jobs of accounts that no role was given for
    return targets, region


def by_account(
    items: Sequence[Job | LoadError], targets: Sequence[aws.Target]
) -> list[tuple[Job | LoadError, Any]]:
    """Each item with the session of its account's role, else the caller's credentials."""
    sessions = {target.account: target.session for target in targets}
    default = sessions.get(None, targets[0].session if targets else None)
    paired: list[tuple[Job | LoadError, Any]] = []
    for item in items:
        account = (
            (item.document.get("derived") or {}).get("account") if isinstance(item, Job) else None
        )
        paired.append((item, sessions.get(account, default)))
    return paired
