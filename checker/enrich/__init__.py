"""Deep mode: follow each job to its KMS key, role, data buckets, subnets, security groups and
the evaluation jobs of its custom model.

A stage of its own between reading and evaluating: jobs in, jobs out. Each job document gains a
``resources`` section of facts fetched from AWS (documented in docs/deep.md), read by the
service modules beside this one through one shared ``Fetcher``. A resource or fact that cannot
be read (access denied, a bucket of another account, no region) is listed in
``resources.unknown`` with the reason, so the rules that read it report "unknown", never a pass.
Only the kinds of resource that the loaded rules read (``Policy.reads``) are fetched.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from checker import normalize
from checker.aws import session as aws_session
from checker.aws.connection import DEFAULT_CONCURRENCY, Connection
from checker.aws.redact import install_redaction
from checker.aws.session import STS_FALLBACK_REGION, Target, open_targets
from checker.enrich import ec2, evaluation, iam, kms, s3
from checker.enrich.fetcher import Facts, Fetcher, JobReader, Unreadable
from checker.errors import CheckerError
from checker.model import Job, LoadError

if TYPE_CHECKING:
    from checker.policy import Policy

# The kinds of resource a rule can read: resources.<kind>, and the job's own tags.
KINDS = frozenset(
    {
        "kmsKey",
        "role",
        "buckets",
        "subnets",
        "securityGroups",
        "invocationLogging",
        "evaluation",
        "evaluation.modelTags",
        "tags",
    }
)
# The custom model's tags (resources.evaluation.modelTags): one ListTagsForResource per model,
# read only when a rule reads them (the evaluation_evidence var of BMC105 may name them).
MODEL_TAGS = "evaluation.modelTags"
# Read by `scan` without --deep too, when the loaded rules read nothing else of resources: facts
# of the live account that a file cannot hold and that cost a few listings per region.
LIVE_KINDS = frozenset({"evaluation", MODEL_TAGS})
# Read only when asked (the evidence record), never for a rule: the object versions of each
# data location when the job was created.
DATA_OBJECTS = "dataObjects"
# Facts computed from another kind's resources.
_FACT_KIND = {"availabilityZones": "subnets"}

Progress = Callable[[int, int], None]


def needs(policy: Policy) -> frozenset[str]:
    """The kinds of resource that the loaded rules (their schemas or ``when``) read."""
    reads = policy.reads()
    if reads is None:
        return KINDS  # a cross-field rule: it may read anything
    found: set[str] = set()
    for path in reads:
        head, _, aspect = path.partition("#")
        parts = head.split(".")
        if parts[0] == "tags":
            found.add("tags")
        elif parts[0] == "resources":
            if len(parts) == 1:
                if aspect == "type":
                    continue  # only that the section is a mapping
                return KINDS  # a rule on the whole section
            kind = _FACT_KIND.get(parts[1], parts[1])
            if kind in KINDS:
                found.add(kind)
            if kind == "evaluation" and (
                parts[2:3] == ["modelTags"] or (len(parts) == 2 and aspect != "type")
            ):
                found.add(MODEL_TAGS)
            elif parts[1] == "unknown":
                return KINDS
    return frozenset(found)


def _invocation_logging(reader: JobReader, _name: str) -> Facts:
    """The account's model invocation logging in the job's region, and whether its S3
    destination is encrypted with a customer-managed key (a job that trains on invocation
    logs turns that traffic into training data)."""
    region = reader.need_region("the account's model invocation logging")
    facts: Facts = reader.once(
        "invocation-logging", region, fetch=lambda: _read_invocation_logging(reader, region)
    )
    return facts


def _read_invocation_logging(reader: JobReader, region: str) -> Facts:
    answer = reader.call("bedrock", region, "GetModelInvocationLoggingConfiguration")
    config = answer.get("loggingConfig") or {}
    bucket = (config.get("s3Config") or {}).get("bucketName")
    group = (config.get("cloudWatchConfig") or {}).get("logGroupName")
    facts: dict[str, Any] = {
        "enabled": bool(bucket or group),
        "s3Bucket": bucket,
        "s3KeyPrefix": (config.get("s3Config") or {}).get("keyPrefix"),
        "cloudWatchLogGroup": group,
        "destinationCustomerManagedKey": None,
    }
    unknown: dict[str, str] = {}
    if bucket:
        try:
            bucket_facts, missing = s3.bucket(reader, str(bucket))
        except Unreadable as exc:
            unknown["destinationCustomerManagedKey"] = exc.reason
        else:
            encryption = bucket_facts.get("encryption") or {}
            reason = missing.get("encryption") or missing.get("encryption.customerManagedKey")
            if reason:
                unknown["destinationCustomerManagedKey"] = reason
            else:
                facts["destinationCustomerManagedKey"] = bool(encryption.get("customerManagedKey"))
    return facts, unknown


def _tags(reader: JobReader, job_arn: str) -> dict[str, str]:
    return reader.once("tags", job_arn, fetch=lambda: _list_tags(reader, job_arn))  # type: ignore[no-any-return]


def _list_tags(reader: JobReader, job_arn: str) -> dict[str, str]:
    region = (normalize.parse_arn(job_arn) or {}).get("region") or reader.need_region("the job")
    listed = reader.call("bedrock", region, "ListTagsForResource", resourceARN=job_arn)
    return {str(t["key"]): str(t.get("value", "")) for t in listed.get("tags") or ()}


def _data_objects(
    run: JobReader, job: Job, fetch: Callable[[str, str, Callable[[str], Facts], str], Any]
) -> list[Any]:
    """The object versions of each S3 data location, in the order of ``derived.dataUris``."""
    found = []
    opaque = run.derived.get("unknown") or ()
    for index, entry in enumerate(run.derived.get("dataUris") or ()):
        if f"derived.dataUris.{index}" in opaque or not entry.get("bucket"):
            continue  # a location not known, or not in S3: nothing to read
        if entry.get("role") == "output":
            continue  # what the job wrote, not what it was trained on
        facts = fetch(
            f"resources.{DATA_OBJECTS}.{index}",
            entry["path"],
            functools.partial(s3.data_objects, run, entry),
            str(job.document.get("creationTime") or ""),
        )
        found.append(facts or {"uri": entry.get("uri"), "role": entry.get("role")})
    return found


def _enrich(fetcher: Fetcher, session: Any, job: Job, kinds: frozenset[str]) -> Job:
    """The job with its ``resources`` section (and fetched tags) added."""
    run = JobReader(fetcher, session, job)
    document = dict(job.document)
    lines = dict(job.lines)
    resources: dict[str, Any] = {}
    unknown: dict[str, str] = {
        f"resources.{kind}": "was not fetched (no loaded rule reads it)"
        for kind in sorted(KINDS)
        if kind not in kinds and kind != "tags" and (kind != MODEL_TAGS or "evaluation" in kinds)
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
        ("kmsKey", "outputModelKmsKeyArn", functools.partial(kms.kms_key, run)),
        ("role", "roleArn", functools.partial(iam.role, run)),
        (
            "evaluation",
            "outputModelArn",
            functools.partial(evaluation.model_evaluation, run, tags=MODEL_TAGS in kinds),
        ),
    ):
        if kind in kinds:
            named = known(source, f"resources.{kind}")
            resources[kind] = (
                fetch(f"resources.{kind}", source, get, named)
                if isinstance(named, str) and named
                else None
            )
    # Facts that compare a shared resource with this job: copies, never the cached facts.
    account = run.account
    no_account = "could not be decided: the job's account is not known (no ARN names it)"
    key = resources.get("kmsKey")
    if key is not None:
        key = resources["kmsKey"] = dict(key)
        if key.get("policyFacts") is None:
            unknown.setdefault(
                "resources.kmsKey.foreignPrincipalAccounts",
                "is not known: "
                + unknown.get("resources.kmsKey.policy", "the key policy was not read"),
            )
        elif account is None:
            unknown["resources.kmsKey.foreignPrincipalAccounts"] = no_account
        else:
            named = key["policyFacts"]["principalAccounts"]
            key["foreignPrincipalAccounts"] = [a for a in named if a != account]
    role = resources.get("role")
    if role is not None:
        role = resources["role"] = {**role, "trust": dict(role.get("trust") or {})}
        if account is None:
            unknown["resources.role.trust.scopedToJobAccount"] = no_account
        else:
            role["trust"]["scopedToJobAccount"] = iam.trusted_for(role["trust"], account)
        if role.get("permissionsUnread"):
            for fact in ("s3OnEveryBucket", "writableInputData", "networkInterfacesScoped"):
                unknown[f"resources.role.{fact}"] = role["permissionsUnread"]
        else:
            role.update(iam.least_privilege(role, run.derived.get("dataUris") or ()))
            opaque_inputs = [
                entry["path"]
                for index, entry in enumerate(run.derived.get("dataUris") or ())
                if f"derived.dataUris.{index}" in (run.derived.get("unknown") or ())
                and entry.get("role") != "output"
            ]
            if opaque_inputs:
                del role["writableInputData"]
                unknown["resources.role.writableInputData"] = (
                    f"is not known: {opaque_inputs[0]} is not known"
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
                facts = fetch(
                    f"resources.buckets.{name}",
                    entry["path"],
                    functools.partial(s3.bucket, run),
                    name,
                )
                buckets[name] = {"roles": [], **(facts or {"name": name})}
            buckets[name]["roles"].append(entry.get("role"))
        resources["buckets"] = buckets
    if DATA_OBJECTS in kinds:
        resources[DATA_OBJECTS] = _data_objects(run, job, fetch)
    if "subnets" in kinds:
        resources["subnets"] = each(
            "vpcConfig.subnetIds", "subnets", functools.partial(ec2.subnet, run)
        )
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
    if "invocationLogging" in kinds:
        trains_on_logs = normalize.get_path(job.document, "trainingDataConfig.invocationLogsConfig")
        resources["invocationLogging"] = (
            fetch(
                "resources.invocationLogging",
                "trainingDataConfig.invocationLogsConfig",
                functools.partial(_invocation_logging, run),
                "",
            )
            if trains_on_logs is not None
            else None
        )
    if "securityGroups" in kinds:
        resources["securityGroups"] = each(
            "vpcConfig.securityGroupIds",
            "securityGroups",
            functools.partial(ec2.security_group, run),
        )
    if (
        "tags" in kinds
        and "tags" not in document
        and job.arn
        and job.kind == normalize.GET_RESPONSE
    ):
        try:
            document["tags"] = _tags(run, job.arn)
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

    Jobs are enriched on at most ``connection.max_concurrency`` threads (DEFAULT_CONCURRENCY
    when not given). A job whose enrichment
    fails unexpectedly becomes an error result rather than being lost.
    """
    install_redaction()
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

    threads = connection.max_concurrency or DEFAULT_CONCURRENCY
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="deep")
    try:
        futures = [(index, pool.submit(one, job, session)) for index, job, session in jobs]
        for index, future in futures:
            results[index] = future.result()
    except BaseException:
        # Ctrl-C or SIGTERM: do not wait for the calls in flight (see checker.cli.main).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def connect(connection: Connection) -> tuple[list[Target], str | None]:
    """Credentials for deep checks of file jobs: the caller's, or each --assume-role's."""
    from botocore.exceptions import BotoCoreError

    session = aws_session.make_session(connection.profile)
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
    targets, failures = open_targets(connection, session, [region or STS_FALLBACK_REGION])
    if failures:
        raise CheckerError(failures[0].message)
    if connection.assume_roles:
        targets.append(Target(session))  # for jobs of accounts that no role was given for
    return targets, region


def by_account(
    items: Sequence[Job | LoadError], targets: Sequence[Target]
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


class Enricher:
    """Deep mode as the pipeline's stage: jobs in, jobs with their ``resources`` out.

    Live jobs are read with the credentials that found them (``sessions``, one per item, in
    order); file jobs with the caller's, or with the --assume-role of their account.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        sessions: Sequence[Any] | None = None,
        progress: Progress | None = None,
        data_objects: bool = False,
    ) -> None:
        self.connection = connection
        self.sessions = sessions
        self.progress = progress
        # The evidence record asks for the data locations' object versions too.
        self.extra = frozenset({DATA_OBJECTS}) if data_objects else frozenset()

    def __call__(
        self, items: Sequence[Job | LoadError], kinds: frozenset[str]
    ) -> list[Job | LoadError]:
        kinds = kinds | self.extra
        if self.sessions is not None:
            return enrich(
                zip(items, self.sessions, strict=True),
                kinds,
                self.connection,
                progress=self.progress,
            )
        targets, region = connect(self.connection)
        return enrich(
            by_account(items, targets),
            kinds,
            self.connection,
            default_region=region,
            progress=self.progress,
        )
