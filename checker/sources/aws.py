"""Jobs from AWS: list, fetch and normalise Bedrock model customization jobs.

Listing is sequential (one paginator per account and region); the Get calls run on a bounded
thread pool that shares one boto3 client per account and region. Throttling and 5xx errors are
retried by botocore's own retry modes. A job that cannot be fetched becomes a ``LoadError``; an
account or region that cannot be reached at all is a ``CheckerError`` when nothing else could be
reached either. boto3 and botocore are imported inside functions, so file-only runs never load
them.
"""

from __future__ import annotations

import datetime
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker import __version__, normalize
from checker.errors import CheckerError
from checker.model import Job, LoadError, Origin
from checker.sources.connection import DEFAULT_CONCURRENCY, Connection

if TYPE_CHECKING:
    from checker.policy import Policy

DEFAULT_PAGE_SIZE = 100
RETRY_MODES = ("standard", "adaptive")
SESSION_NAME = "bedrock-checker"

# What a user may type: us-east-1, eu-central-2, us-gov-west-1, cn-north-1.
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/.+$")
_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*$")
_NOT_FOUND = "ResourceNotFoundException"
# Error codes that say the credentials themselves are bad: every call will fail alike.
_CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
        "AuthFailure",
        "RequestExpired",
    }
)

Progress = Callable[[int, int], None]  # (jobs fetched, jobs found so far)


@dataclass(frozen=True)
class Selection:
    """Which jobs: named ones (jobs, or the jobs behind custom models), or a filtered listing."""

    job_identifiers: tuple[str, ...] = ()
    model_identifiers: tuple[str, ...] = ()
    status: str | None = None
    name_contains: str | None = None
    created_after: datetime.datetime | None = None
    created_before: datetime.datetime | None = None
    max_jobs: int | None = None
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def by_identifier(self) -> bool:
        return bool(self.job_identifiers or self.model_identifiers)

    def list_filters(self) -> dict[str, Any]:
        """ListModelCustomizationJobs parameters for the filters given."""
        filters = {
            "statusEquals": self.status,
            "nameContains": self.name_contains,
            "creationTimeAfter": self.created_after,
            "creationTimeBefore": self.created_before,
        }
        return {key: value for key, value in filters.items() if value is not None}

    def check(self) -> None:
        if self.by_identifier and (self.list_filters() or self.max_jobs is not None):
            raise CheckerError(
                "--job-identifier/--model-identifier name the jobs to fetch; they cannot be "
                "combined with --status, --name-contains, --created-after/--created-before "
                "or --max-jobs"
            )
        after, before = self.created_after, self.created_before
        if after is not None and before is not None and after >= before:
            raise CheckerError(
                f"--created-after {after.isoformat()} is not before "
                f"--created-before {before.isoformat()}"
            )


@dataclass(frozen=True)
class Scope:
    """One Bedrock client: one account (the caller's, or an assumed role's) in one region."""

    client: Any
    region: str
    account: str | None = None  # known when reached through --assume-role
    session: Any = field(default=None, compare=False, repr=False)  # deep mode's credentials

    @property
    def label(self) -> str:
        return f"{self.region} (account {self.account})" if self.account else self.region


@dataclass(frozen=True)
class ScopeFailure:
    """An account or region that could not be listed or reached at all."""

    region: str
    account: str | None
    message: str

    @property
    def label(self) -> str:
        return f"{self.region} (account {self.account})" if self.account else self.region

    def to_error(self) -> LoadError:
        """An error result keyed by the region (the message names the account, if known)."""
        account = f"account {self.account}: " if self.account else ""
        return LoadError(Origin(region=self.region), f"{account}{self.message}")


@dataclass(frozen=True)
class FetchedJob:
    """A GetModelCustomizationJob response (ISO timestamps, no ResponseMetadata) and its tags."""

    response: Mapping[str, Any]
    region: str
    tags: Mapping[str, str] | None = None  # None: not fetched (no loaded rule reads tags)
    session: Any = field(default=None, compare=False, repr=False)  # the credentials that found it

    @property
    def arn(self) -> str:
        return str(self.response.get("jobArn", ""))

    def document(self) -> dict[str, Any]:
        """The Get response with ``tags`` as a {key: value} map, as file jobs carry them."""
        document = dict(self.response)
        if self.tags is not None:
            document["tags"] = dict(self.tags)
        return document

    def to_job(self) -> Job:
        """Normalised exactly like a Get response read from a file."""
        document, lines = normalize.from_api(self.document(), normalize.GET_RESPONSE, {})
        document, _ = normalize.finish(document, lines, normalize.GET_RESPONSE, set())
        return Job(document, Origin(region=self.region, arn=self.arn), normalize.GET_RESPONSE, {})

    def snapshot_path(self) -> tuple[str, str, str]:
        """(account, region, file name): where ``snapshot`` writes this job."""
        arn = normalize.parse_arn(self.arn) or {}
        account = arn.get("account") or "unknown-account"
        name = re.sub(r"[^A-Za-z0-9+._-]", "_", str(self.response.get("jobName") or "job"))
        return account, self.region, f"{name.lstrip('.') or 'job'}.json"


Fetched = FetchedJob | LoadError


def policy_reads_tags(policy: Policy) -> bool:
    """True when a loaded rule (its schema or its ``when``) may look at the job's tags."""
    for compiled in policy.compiled:
        for reads in (compiled.reads, compiled.when_reads):
            if reads is None:
                return True  # a cross-field rule: it may read anything
            for path in reads:
                head = path.partition("#")[0]
                if head == "tags" or head.startswith("tags."):
                    return True
    return False


def read_jobs(
    connection: Connection,
    selection: Selection,
    *,
    with_tags: bool,
    progress: Progress | None = None,
    deep: frozenset[str] | None = None,
    deep_progress: Progress | None = None,
) -> list[Job | LoadError]:
    """The selected jobs, normalised; the ones that could not be fetched as error results.

    With ``deep`` (the kinds of resource the rules read), each job's resources are then read
    with the credentials that found the job (see checker/sources/deep.py).
    """
    fetched = fetch(connection, selection, with_tags=with_tags, progress=progress)
    pairs = [
        (item.to_job(), item.session) if isinstance(item, FetchedJob) else (item, None)
        for item in fetched
    ]
    if deep is None:
        return [item for item, _ in pairs]
    from checker.sources import deep as deep_checks

    return deep_checks.enrich(pairs, deep, connection, progress=deep_progress)


def fetch(
    connection: Connection,
    selection: Selection,
    *,
    with_tags: bool,
    progress: Progress | None = None,
) -> list[Fetched]:
    """Connect, then list and fetch (or look up) the selected jobs: see ``collect``."""
    selection.check()
    install_redaction()
    arn_regions = sorted(
        {
            arn["region"]
            for identifier in (*selection.job_identifiers, *selection.model_identifiers)
            if (arn := normalize.parse_arn(identifier)) is not None and arn["region"]
        }
    )
    needs_named_regions = not selection.by_identifier or any(
        normalize.parse_arn(i) is None
        for i in (*selection.job_identifiers, *selection.model_identifiers)
    )
    session = make_session(connection.profile)
    regions = _regions(connection, session) if needs_named_regions else ()
    every_region = [*regions, *(r for r in arn_regions if r not in regions)]
    targets, failures = (
        open_targets(connection, session, every_region) if every_region else ([], [])
    )
    scopes = open_scopes(connection, targets, every_region)
    return collect(
        [scope for scope in scopes if scope.region in regions],
        selection,
        with_tags=with_tags,
        workers=connection.max_concurrency,
        progress=progress,
        extra_scopes=[scope for scope in scopes if scope.region not in regions],
        failures=failures,
    )


def make_session(profile: str | None) -> Any:
    """A boto3 session: the usual environment and credential chain, or a named profile."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.session.Session(profile_name=profile)
    except ProfileNotFound as exc:
        raise _no_profile(exc, profile) from exc


def _no_profile(exc: Exception, given: str | None) -> CheckerError:
    if given:
        return CheckerError(f"--profile {given}: no such profile in the AWS config files")
    name = getattr(exc, "kwargs", {}).get("profile")
    return CheckerError(
        f"profile {name} (from AWS_PROFILE): no such profile in the AWS config files"
    )


def _regions(connection: Connection, session: Any) -> tuple[str, ...]:
    from botocore.exceptions import ProfileNotFound

    regions = tuple(dict.fromkeys(connection.regions))
    if not regions:
        try:
            default = session.region_name
        except ProfileNotFound as exc:
            raise _no_profile(exc, connection.profile) from exc
        if not default:
            raise CheckerError(
                "no AWS region: pass --region (repeatable), or set AWS_REGION or a region "
                "in the profile"
            )
        regions = (default,)
    return regions


def client_config(connection: Connection, session: Any, region: str | None) -> Any:
    from botocore import UNSIGNED
    from botocore.config import Config

    configured = session._session.get_config_variable("retry_mode")
    mode = connection.retry_mode or (configured if configured in RETRY_MODES else "standard")
    retries: dict[str, Any] = {"mode": mode}
    if connection.max_attempts is not None:
        retries["total_max_attempts"] = connection.max_attempts
    options: dict[str, Any] = {
        "region_name": region,
        "retries": retries,
        # One pooled connection per worker, so that threads never wait for a connection.
        "max_pool_connections": max(connection.max_concurrency, 10),
        "user_agent_extra": f"bedrock-checker/{__version__}",
    }
    # The AWS CLI's convention: 0 means no timeout.
    if connection.cli_read_timeout is not None:
        options["read_timeout"] = connection.cli_read_timeout or None
    if connection.cli_connect_timeout is not None:
        options["connect_timeout"] = connection.cli_connect_timeout or None
    if connection.no_sign_request:
        options["signature_version"] = UNSIGNED
    return Config(**options)


def verify_option(connection: Connection) -> bool | str | None:
    if connection.no_verify_ssl:
        import warnings

        from urllib3.exceptions import InsecureRequestWarning

        warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        return False
    return connection.ca_bundle


@dataclass(frozen=True)
class Target:
    """One set of credentials: the caller's, or an assumed role's (with its account)."""

    session: Any
    account: str | None = None


def open_targets(
    connection: Connection, session: Any, regions: Sequence[str]
) -> tuple[list[Target], list[ScopeFailure]]:
    """The caller's session, or a session for each --assume-role (a failed role: per region)."""
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    if not connection.assume_roles:
        return [Target(session)], []
    targets: list[Target] = []
    failures: list[ScopeFailure] = []
    for role_arn in dict.fromkeys(connection.assume_roles):
        match = _ROLE_ARN.match(role_arn)
        if match is None:
            raise CheckerError(f"--assume-role {role_arn}: not an IAM role ARN")
        if connection.no_sign_request:
            raise CheckerError("--assume-role cannot be combined with --no-sign-request")
        try:
            assumed = _assume(connection, session, role_arn, regions[0] if regions else None)
            targets.append(Target(assumed, match.group(1)))
        except ProfileNotFound as exc:
            raise _no_profile(exc, connection.profile) from exc
        except (ClientError, BotoCoreError) as exc:
            message = _scope_message(exc, f"cannot assume role {role_arn}")
            failures.extend(ScopeFailure(r, match.group(1), message) for r in regions)
    return targets, failures


def open_scopes(
    connection: Connection, targets: Sequence[Target], regions: Sequence[str]
) -> list[Scope]:
    """One Bedrock client per region for each target."""
    from botocore.exceptions import ProfileNotFound

    for region in regions:
        if not _REGION.match(region):
            raise CheckerError(f"--region {region}: not an AWS region name (e.g. us-east-1)")
    try:
        return [
            Scope(
                target.session.client(
                    "bedrock",
                    region_name=region,
                    endpoint_url=connection.endpoint_url,
                    verify=verify_option(connection),
                    config=client_config(connection, target.session, region),
                ),
                region,
                target.account,
                target.session,
            )
            for target in targets
            for region in regions
        ]
    except ProfileNotFound as exc:
        raise _no_profile(exc, connection.profile) from exc


def _assume(connection: Connection, session: Any, role_arn: str, region: str | None) -> Any:
    """A session holding the role's temporary credentials (one hour, not refreshed)."""
    import boto3

    # STS keeps its usual endpoint (AWS_ENDPOINT_URL_STS applies): --endpoint-url is Bedrock's.
    sts = session.client(
        "sts",
        region_name=region,
        verify=verify_option(connection),
        config=client_config(connection, session, region),
    )
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


# -- Fetching -----------------------------------------------------------------------------


@dataclass
class _Run:
    """One collection: the pool, the progress counts, and which scopes answered or failed."""

    pool: ThreadPoolExecutor
    progress: Progress | None
    failures: dict[str, ScopeFailure] = field(default_factory=dict)
    reachable: bool = False
    total: int = 0
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        with self.lock:
            self.total += 1
            self._report()
        future = self.pool.submit(function, *args)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any]) -> None:
        with self.lock:
            self.done += 1
            self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)

    def fail(self, scope: Scope, message: str) -> None:
        self.failures.setdefault(scope.label, ScopeFailure(scope.region, scope.account, message))


@dataclass(frozen=True)
class _Miss:
    """The job or model is not in this scope."""

    scope: Scope


@dataclass(frozen=True)
class _Down:
    """The scope cannot be reached at all: bad credentials, or no connection."""

    scope: Scope
    message: str


def collect(
    scopes: Sequence[Scope],
    selection: Selection,
    *,
    with_tags: bool,
    workers: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
    extra_scopes: Sequence[Scope] = (),
    failures: Sequence[ScopeFailure] = (),
) -> list[Fetched]:
    """The selected jobs from these scopes, fetched on at most ``workers`` threads.

    Named jobs and models are looked up in every scope (an ARN: in its own region, and in its
    account when a role of that account was assumed, using ``extra_scopes`` too); otherwise each
    scope is listed in turn and each listed job is fetched as soon as it is listed. Raises
    CheckerError when no scope could be reached; otherwise an unreachable scope becomes an error
    result next to the jobs.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bedrock-checker")
    try:
        run = _Run(pool, progress)
        for failure in failures:
            run.failures.setdefault(failure.label, failure)
        if selection.by_identifier:
            items = _look_up_all(run, scopes, [*scopes, *extra_scopes], selection, with_tags)
        else:
            futures = _list_and_submit(run, scopes, selection, with_tags)
            items = [future.result() for future in futures]
    finally:
        # On Ctrl-C, drop the queued calls instead of waiting for every one of them.
        pool.shutdown(wait=True, cancel_futures=True)
    if run.failures:
        if not run.reachable:
            raise CheckerError(_summary(list(run.failures.values())))
        items.extend(failure.to_error() for failure in run.failures.values())
    return items


def _summary(failures: Sequence[ScopeFailure]) -> str:
    """One line for every failure: scopes that failed alike are named together."""
    by_message: dict[str, list[str]] = {}
    for failure in failures:
        by_message.setdefault(failure.message, []).append(failure.label)
    return "; ".join(f"{', '.join(labels)}: {message}" for message, labels in by_message.items())


def _list_and_submit(
    run: _Run, scopes: Sequence[Scope], selection: Selection, with_tags: bool
) -> list[Future[Fetched]]:
    from botocore.exceptions import BotoCoreError, ClientError

    futures: list[Future[Fetched]] = []
    remaining = selection.max_jobs
    for scope in scopes:
        if remaining == 0:
            break
        listed = 0
        try:
            for summary in _summaries(scope, selection):
                futures.append(run.submit(_fetch_listed, scope, summary, with_tags))
                listed += 1
                if remaining is not None:
                    remaining -= 1
                    if remaining == 0:
                        break
            run.reachable = True
        except (ClientError, BotoCoreError) as exc:
            run.reachable = run.reachable or listed > 0
            run.fail(scope, _scope_message(exc, "cannot list model customization jobs"))
    return futures


def _summaries(scope: Scope, selection: Selection) -> Iterator[Mapping[str, Any]]:
    paginator = scope.client.get_paginator("list_model_customization_jobs")
    pages = paginator.paginate(
        **selection.list_filters(), PaginationConfig={"PageSize": selection.page_size}
    )
    for page in pages:
        yield from page.get("modelCustomizationJobSummaries") or ()


def _fetch_listed(scope: Scope, summary: Mapping[str, Any], with_tags: bool) -> Fetched:
    from botocore.exceptions import BotoCoreError, ClientError

    arn, name = summary.get("jobArn"), summary.get("jobName")
    try:
        # By name, which is unique in an account and region: moto (the AWS mock the tests use)
        # finds jobs by name only, and answers ResourceNotFound to an ARN.
        response = scope.client.get_model_customization_job(jobIdentifier=name or arn)
        return _fetched(scope, response, with_tags)
    except (ClientError, BotoCoreError) as exc:
        return _job_error(scope, "job", str(name or arn), arn, exc)


def _fetched(scope: Scope, response: Mapping[str, Any], with_tags: bool) -> FetchedJob:
    response = plain({k: v for k, v in response.items() if k != "ResponseMetadata"})
    tags = None
    if with_tags:
        listed = scope.client.list_tags_for_resource(resourceARN=response["jobArn"])
        tags = {str(t["key"]): str(t.get("value", "")) for t in listed.get("tags") or ()}
    return FetchedJob(response, scope.region, tags, scope.session)


def plain(value: Any) -> Any:
    """The response as JSON-like data: timestamps become ISO 8601 strings."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _look_up_all(
    run: _Run,
    scopes: Sequence[Scope],
    all_scopes: Sequence[Scope],
    selection: Selection,
    with_tags: bool,
) -> list[Fetched]:
    wanted = [("job", i) for i in dict.fromkeys(selection.job_identifiers)]
    wanted += [("model", i) for i in dict.fromkeys(selection.model_identifiers)]
    pending = []
    for kind, identifier in wanted:
        targets = _scopes_for(identifier, scopes, all_scopes)
        futures = [run.submit(_look_up, scope, kind, identifier, with_tags) for scope in targets]
        pending.append((kind, identifier, targets, futures))
    items: list[Fetched] = []
    for kind, identifier, targets, futures in pending:
        items.extend(_combine(run, kind, identifier, targets, [f.result() for f in futures]))
    return items


def _scopes_for(
    identifier: str, scopes: Sequence[Scope], all_scopes: Sequence[Scope]
) -> list[Scope]:
    """Names are looked up everywhere; an ARN in its region, and its account when known."""
    arn = normalize.parse_arn(identifier)
    if arn is None:
        return list(scopes)
    in_region = [s for s in all_scopes if s.region == arn["region"]]
    same_account = [s for s in in_region if s.account == arn["account"]]
    return same_account or in_region


def _look_up(scope: Scope, kind: str, identifier: str, with_tags: bool) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    arn = identifier if identifier.startswith("arn:") else None
    try:
        if kind == "model":
            model = scope.client.get_custom_model(modelIdentifier=identifier)
            job = model.get("jobName") or model.get("jobArn")
            if not job:
                return LoadError(
                    Origin(region=scope.region, arn=arn or model.get("modelArn")),
                    f"custom model {identifier} ({_where(scope, model.get('modelArn'))}) was not "
                    "produced by a customization job (an imported model?): nothing to evaluate",
                )
            response = _get_job(scope.client, str(job))
        else:
            response = _get_job(scope.client, identifier)
        return _fetched(scope, response, with_tags)
    except (ClientError, BotoCoreError) as exc:
        if error_code(exc) == _NOT_FOUND:
            return _Miss(scope)
        if _is_unreachable(exc):
            return _Down(scope, _scope_message(exc, f"cannot look up {kind} {identifier}"))
        return _job_error(scope, kind, identifier, arn, exc)


def _get_job(client: Any, identifier: str) -> Mapping[str, Any]:
    from botocore.exceptions import ClientError

    try:
        return client.get_model_customization_job(jobIdentifier=identifier)  # type: ignore[no-any-return]
    except ClientError as exc:
        name = identifier.rsplit("/", 1)[-1]
        if error_code(exc) != _NOT_FOUND or not identifier.startswith("arn:"):
            raise
        if not _JOB_NAME.match(name):
            raise
        # moto finds jobs by name only, and its job ARNs end in the job name: ask again by that
        # name. AWS's ARNs end in a random id instead, so there the first answer stands.
        try:
            return client.get_model_customization_job(jobIdentifier=name)  # type: ignore[no-any-return]
        except ClientError:
            raise exc from None


def _combine(
    run: _Run, kind: str, identifier: str, targets: Sequence[Scope], results: Sequence[Any]
) -> list[Fetched]:
    """One identifier's answers from every scope asked -> its jobs, or one error result."""
    for result in results:
        if isinstance(result, _Down):
            run.fail(result.scope, result.message)
    found: dict[str, FetchedJob] = {}
    for result in results:
        if isinstance(result, FetchedJob):
            found.setdefault(result.arn, result)
    errors: list[Fetched] = [r for r in results if isinstance(r, LoadError)]
    misses = [r.scope for r in results if isinstance(r, _Miss)]
    if found or errors or misses:
        run.reachable = True
    if found or errors:
        # An error elsewhere is kept beside what was found: the job may exist there too.
        return [*found.values(), *errors]
    if misses:
        where = ", ".join(scope.label for scope in misses)
        arn = identifier if identifier.startswith("arn:") else None
        return [
            LoadError(
                Origin(region=misses[0].region, arn=arn),
                f"{kind} {identifier}: {_NOT_FOUND}: not found in {where}",
            )
        ]
    if not targets:
        return [LoadError(Origin(arn=identifier), f"{kind} {identifier}: no client for its region")]
    return []  # every scope was unreachable: reported once per scope


# -- Errors -------------------------------------------------------------------------------


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(exc).__name__)
    return type(exc).__name__


def error_text(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message") or ""
        return f"{error_code(exc)}: {message}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _is_unreachable(exc: Exception) -> bool:
    """Bad credentials or no connection: every call to this scope would fail the same way."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import (
        ConnectTimeoutError,
        CredentialRetrievalError,
        NoCredentialsError,
        PartialCredentialsError,
        SSOError,
        TokenRetrievalError,
    )

    if isinstance(exc, ConnectTimeoutError):
        return False  # a timeout is about one call
    unreachable = (
        BotoConnectionError,
        CredentialRetrievalError,
        NoCredentialsError,
        PartialCredentialsError,
        SSOError,
        TokenRetrievalError,
    )
    return isinstance(exc, unreachable) or error_code(exc) in _CREDENTIAL_CODES


def _scope_message(exc: Exception, doing: str) -> str:
    """Why a whole account or region failed, in words that say what to do about it."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import NoCredentialsError, SSLError

    code = error_code(exc)
    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, or pass --profile"
        )
    if code in _CREDENTIAL_CODES:
        return (
            f"the AWS credentials were rejected ({error_text(exc)}): refresh them "
            "(e.g. `aws sso login`) or choose another --profile"
        )
    if isinstance(exc, SSLError):
        return f"{doing}: {exc} (see --ca-bundle)"
    if isinstance(exc, BotoConnectionError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        return (
            f"{doing}: cannot reach {url or 'the Bedrock endpoint'} "
            "(is Amazon Bedrock available in this region, and the endpoint reachable?)"
        )
    if code in ("AccessDenied", "AccessDeniedException"):
        return f"{doing}: {error_text(exc)} (see docs/live.md for the IAM permissions needed)"
    return f"{doing}: {error_text(exc)}"


def _where(scope: Scope, arn: str | None) -> str:
    parsed = normalize.parse_arn(arn) or {}
    account = parsed.get("account") or scope.account
    return f"{scope.region}, account {account}" if account else scope.region


def _job_error(scope: Scope, kind: str, name: str, arn: str | None, exc: Exception) -> LoadError:
    return LoadError(
        Origin(region=scope.region, arn=arn),
        f"cannot fetch {kind} {name} ({_where(scope, arn)}): {error_text(exc)}",
    )


# -- Debug logs ---------------------------------------------------------------------------

_SECRET_NAMES = (
    r"aws_secret_access_key|aws_session_token|aws_security_token|secret_?access_?key"
    r"|session_?token|x-amz-security-token|x-amz-signature|x-amz-credential|signature"
)
_REDACTIONS = (
    # An Authorization header, quoted (a dict repr) or not (an HTTP dump): the whole value.
    (re.compile(r"""(?i)(\bauthorization['"]?\s*[:=]\s*b?['"])[^'"]*"""), r"\1***"),
    (re.compile(r"""(?im)(^\s*authorization:\s*)\S.*$"""), r"\1***"),
    # XML bodies (STS AssumeRole) and `name: value`, `name=value`, `'name': b'value'` forms.
    (re.compile(r"(?i)(<(?:SecretAccessKey|SessionToken)>)[^<]*"), r"\1***"),
    (
        re.compile(rf"""(?i)((?:{_SECRET_NAMES})['"]?\s*[:=]\s*b?['"]?)[^'"&\s,;}}<>]+"""),
        r"\1***",
    ),
)


class SecretRedactor(logging.Filter):
    """Masks credentials, session tokens and signatures in log records (botocore's wire log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to complain
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


_redactor = SecretRedactor()


def install_redaction() -> None:
    """Put the redactor on every handler that botocore's records can reach.

    A filter on a logger does not apply to records of its child loggers, so it goes on the
    handlers: the root logger's (where --debug's logging.basicConfig puts one) and any of the
    AWS libraries' own.
    """
    for name in ("", "botocore", "boto3", "urllib3", "s3transfer"):
        for handler in logging.getLogger(name).handlers:
            if _redactor not in handler.filters:
                handler.addFilter(_redactor)
