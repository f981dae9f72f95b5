"""Jobs from AWS: list, fetch and normalise Bedrock model customization jobs.

Every account and region is listed on a bounded thread pool (one after another with
--max-jobs), and each listed job's Get runs on the same pool, which shares one boto3 client per
account and region. Throttling and 5xx errors are retried by botocore (docs/live.md's retry
policy), and the jobs still throttled at the end are asked for once more. A job that cannot be
fetched becomes a ``LoadError``; an account or region that cannot be reached at all is a
``CheckerError`` when nothing else could be reached either. boto3 and botocore are imported
inside functions, so file-only runs never load them.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from checker import normalize
from checker.aws import session as aws_session
from checker.aws.concurrency import AUTO_MAX, CallLimit
from checker.aws.connection import DEFAULT_CONCURRENCY, Connection
from checker.aws.errors import (
    error_code,
    error_text,
    is_transient,
    is_unreachable,
    scope_message,
)
from checker.aws.redact import install_redaction
from checker.aws.responses import plain
from checker.aws.session import (
    ScopeFailure,
    Target,
    check_region,
    client_config,
    no_profile,
    open_targets,
    regions,
    verify_option,
)
from checker.errors import CheckerError
from checker.model import Job, LoadError, Origin

DEFAULT_PAGE_SIZE = 100
# Jobs whose Get failed only on throttling or 5xx, after every retry, are fetched once more at
# the end, one at a time after this pause: by then the burst that throttled them has passed.
FINAL_PASS_PAUSE = 2.0
_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*$")
_NOT_FOUND = "ResourceNotFoundException"

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
    sort_by: str | None = None
    sort_order: str | None = None

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
            "sortBy": self.sort_by,
            "sortOrder": self.sort_order,
        }
        return {key: value for key, value in filters.items() if value is not None}

    def check(self) -> None:
        if self.by_identifier and (self.list_filters() or self.max_jobs is not None):
            raise CheckerError(
                "--job-identifier/--model-identifier name the jobs to fetch; they cannot be "
                "combined with --status, --name-contains, --created-after/--created-before, "
                "--sort-by/--sort-order or --max-jobs"
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
        """(account, region, file name): where ``snapshot`` writes this job. Each part comes
        from the endpoint's answer, so each is made one plain name (never ``..`` or a path)."""
        arn = normalize.parse_arn(self.arn) or {}
        account = _file_name(arn.get("account"), "unknown-account")
        name = _file_name(self.response.get("jobName"), "job")
        return account, _file_name(self.region, "unknown-region"), f"{name}.json"


def _file_name(value: Any, fallback: str) -> str:
    """``value`` as one file name: characters other than letters, digits and ``+._-`` become
    ``_``, and leading dots go (no hidden file, no ``.`` or ``..``)."""
    name = re.sub(r"[^A-Za-z0-9+._-]", "_", str(value or "")).lstrip(".")
    return name or fallback


Fetched = FetchedJob | LoadError


def read_jobs(
    connection: Connection,
    selection: Selection,
    *,
    with_tags: bool,
    progress: Progress | None = None,
) -> list[Job | LoadError]:
    """The selected jobs, normalised; the ones that could not be fetched as error results."""
    pairs = read_jobs_and_sessions(connection, selection, with_tags=with_tags, progress=progress)
    return [item for item, _ in pairs]


def read_jobs_and_sessions(
    connection: Connection,
    selection: Selection,
    *,
    with_tags: bool,
    progress: Progress | None = None,
) -> list[tuple[Job | LoadError, Any]]:
    """``read_jobs``, each item with the boto3 session that found it (None for an error):
    deep mode reads a job's resources with the credentials that found the job."""
    fetched = fetch(connection, selection, with_tags=with_tags, progress=progress)
    return [
        (item.to_job(), item.session) if isinstance(item, FetchedJob) else (item, None)
        for item in fetched
    ]


def fetch(
    connection: Connection,
    selection: Selection,
    *,
    with_tags: bool,
    progress: Progress | None = None,
) -> list[Fetched]:
    """Connect, then list and fetch (or look up) the selected jobs: see ``collect``."""
    from checker.aws import organization

    organization.check_audit_options(connection)
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
    session = aws_session.make_session(connection.profile)
    if connection.wire_timestamps:
        aws_session.keep_wire_timestamps(session)
    if organization.audit_regions(connection.regions):
        wanted: Sequence[str] = organization.caller_regions(connection, session)
    else:
        wanted = regions(connection, session) if needs_named_regions else ()
    every_region = [*wanted, *(r for r in arn_regions if r not in wanted)]
    targets, failures = (
        open_targets(connection, session, every_region) if every_region else ([], [])
    )
    scopes = open_scopes(connection, targets, every_region)
    return collect(
        [scope for scope in scopes if scope.region in wanted],
        selection,
        with_tags=with_tags,
        workers=connection.max_concurrency,
        progress=progress,
        extra_scopes=[scope for scope in scopes if scope.region not in wanted],
        failures=failures,
    )


def open_scopes(
    connection: Connection, targets: Sequence[Target], names: Sequence[str]
) -> list[Scope]:
    """One Bedrock client per region for each target."""
    from botocore.exceptions import ProfileNotFound

    for region in names:
        check_region(region)
    try:
        return [
            Scope(
                scope_client(connection, target.session, region),
                region,
                target.account,
                target.session,
            )
            for target in targets
            for region in names
        ]
    except ProfileNotFound as exc:
        raise no_profile(exc, connection.profile) from exc


def scope_client(connection: Connection, session: Any, region: str) -> Any:
    """The Bedrock client of one account (``session``) in one region."""
    return session.client(
        "bedrock",
        region_name=region,
        endpoint_url=connection.endpoint_url,
        verify=verify_option(connection),
        config=client_config(connection, session, region),
    )


# -- Fetching -----------------------------------------------------------------------------


@dataclass
class _Run:
    """One collection: the pool, the progress counts, and which scopes answered or failed."""

    pool: ThreadPoolExecutor
    progress: Progress | None
    limit: CallLimit
    failures: dict[str, ScopeFailure] = field(default_factory=dict)
    reachable: bool = False
    total: int = 0
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        with self.lock:
            self.total += 1
            self._report()
        future = self.pool.submit(self.limit.run, function, *args)
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
    """The job or model is not in this scope: the service's own words for it."""

    scope: Scope
    message: str = _NOT_FOUND


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
    workers: int | None = None,
    progress: Progress | None = None,
    extra_scopes: Sequence[Scope] = (),
    failures: Sequence[ScopeFailure] = (),
    failed: list[ScopeFailure] | None = None,
    all_or_nothing: bool = True,
) -> list[Fetched]:
    """The selected jobs from these scopes, at most ``workers`` calls in flight (None: as many
    as the listing's and the calls' timings ask for, see checker/aws/concurrency.py).

    Named jobs and models are looked up in every scope (an ARN: in its own region, and in its
    account when a role of that account was assumed, using ``extra_scopes`` too); otherwise the
    scopes are listed (at once, or in turn with ``max_jobs``) and each job is fetched as soon as
    it is listed; the results keep the order of the scopes. Raises
    CheckerError when no scope could be reached; otherwise an unreachable scope becomes an error
    result next to the jobs, and is added to ``failed`` when it is given. Without
    ``all_or_nothing`` (an audit's shard may hold only unreachable scopes), no scope reached is
    not an error either: every scope is an error result.
    """
    if workers is None:
        limit = CallLimit(DEFAULT_CONCURRENCY, AUTO_MAX, adaptive=True)
    else:
        limit = CallLimit(workers, workers, adaptive=False)
    pool = ThreadPoolExecutor(max_workers=limit.cap, thread_name_prefix="bedrock-checker")
    try:
        run = _Run(pool, progress, limit)
        for failure in failures:
            run.failures.setdefault(failure.label, failure)
        if selection.by_identifier:
            items = _look_up_all(run, scopes, [*scopes, *extra_scopes], selection, with_tags)
        else:
            futures = _list_and_submit(run, scopes, selection, with_tags)
            items = _final_pass([future.result() for future in futures], with_tags)
    except BaseException:
        # On Ctrl-C or SIGTERM: drop the queued calls and leave the ones in flight (a hung
        # request holds its thread until its read timeout); the process exits without them.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if not limit.settled or len(limit.history) > 1:
        import logging

        chosen = " -> ".join(str(n) for n in limit.history)
        logging.getLogger(__name__).debug("calls in flight chosen: %s", chosen)
    # Scopes fail in the order their calls end: report them in the order they were given.
    given = {scope.label: index for index, scope in enumerate([*scopes, *extra_scopes])}
    ordered = sorted(run.failures.items(), key=lambda item: given.get(item[0], len(given)))
    run.failures = dict(ordered)
    if failed is not None:
        failed.extend(run.failures.values())
    if run.failures:
        if not run.reachable and all_or_nothing:
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
) -> list[Future[Fetched | _Throttled]]:
    from botocore.exceptions import BotoCoreError, ClientError

    if selection.max_jobs is None and len(scopes) > 1:
        # Every scope listed at once on the pool (the Gets queue behind the listings), in the
        # order of the scopes: one audit of many accounts is not listed one scope at a time.
        listings = [
            run.pool.submit(_list_scope, run, scope, selection, with_tags) for scope in scopes
        ]
        return [future for listing in listings for future in listing.result()]
    futures: list[Future[Fetched | _Throttled]] = []
    remaining = selection.max_jobs
    for scope in scopes:
        if remaining == 0:
            break
        listed = 0
        try:
            for summary in _summaries(scope, selection, run.limit):
                futures.append(run.submit(_fetch_listed, scope, summary, with_tags))
                listed += 1
                if remaining is not None:
                    remaining -= 1
                    if remaining == 0:
                        break
            run.reachable = True
        except (ClientError, BotoCoreError) as exc:
            run.reachable = run.reachable or listed > 0
            run.fail(scope, scope_message(exc, "cannot list model customization jobs"))
    return futures


def _list_scope(
    run: _Run, scope: Scope, selection: Selection, with_tags: bool
) -> list[Future[Fetched | _Throttled]]:
    """List one scope, submitting each job's Get as it is listed (on a worker thread)."""
    from botocore.exceptions import BotoCoreError, ClientError

    futures: list[Future[Fetched | _Throttled]] = []
    try:
        for summary in _summaries(scope, selection, run.limit):
            futures.append(run.submit(_fetch_listed, scope, summary, with_tags))
        run.reachable = True
    except (ClientError, BotoCoreError) as exc:
        run.reachable = run.reachable or bool(futures)
        run.fail(scope, scope_message(exc, "cannot list model customization jobs"))
    return futures


def _summaries(scope: Scope, selection: Selection, limit: CallLimit) -> Iterator[Mapping[str, Any]]:
    """Each listed job, page after page; each page's wall and CPU time go to ``limit``."""
    import time

    paginator = scope.client.get_paginator("list_model_customization_jobs")
    pages = iter(
        paginator.paginate(
            **selection.list_filters(), PaginationConfig={"PageSize": selection.page_size}
        )
    )
    while True:
        started, cpu = time.perf_counter(), time.thread_time()
        page = next(pages, None)
        if page is None:
            return
        limit.listed(time.perf_counter() - started, time.thread_time() - cpu)
        yield from page.get("modelCustomizationJobSummaries") or ()


@dataclass(frozen=True)
class _Throttled:
    """A listed job whose Get failed on throttling or 5xx after every retry: asked again later."""

    scope: Scope
    summary: Mapping[str, Any]
    error: LoadError


def _fetch_listed(
    scope: Scope, summary: Mapping[str, Any], with_tags: bool
) -> Fetched | _Throttled:
    from botocore.exceptions import BotoCoreError, ClientError

    arn, name = summary.get("jobArn"), summary.get("jobName")
    try:
        # By name, which is unique in an account and region: moto (the AWS mock the tests use)
        # finds jobs by name only, and answers ResourceNotFound to an ARN.
        response = scope.client.get_model_customization_job(jobIdentifier=name or arn)
        return _fetched(scope, response, with_tags)
    except (ClientError, BotoCoreError) as exc:
        error = _job_error(scope, "job", str(name or arn), arn, exc)
        return _Throttled(scope, summary, error) if is_transient(exc) else error


def _final_pass(items: Sequence[Fetched | _Throttled], with_tags: bool) -> list[Fetched]:
    """Ask once more, one job at a time after a pause, for the jobs throttled to the end."""
    import time

    if any(isinstance(item, _Throttled) for item in items):
        time.sleep(FINAL_PASS_PAUSE)
    fetched: list[Fetched] = []
    for item in items:
        if isinstance(item, _Throttled):
            again = _fetch_listed(item.scope, item.summary, with_tags)
            fetched.append(again.error if isinstance(again, _Throttled) else again)
        else:
            fetched.append(item)
    return fetched


def _fetched(scope: Scope, response: Mapping[str, Any], with_tags: bool) -> FetchedJob:
    response = plain({k: v for k, v in response.items() if k != "ResponseMetadata"})
    tags = None
    if with_tags:
        listed = scope.client.list_tags_for_resource(resourceARN=response["jobArn"])
        tags = {str(t["key"]): str(t.get("value", "")) for t in listed.get("tags") or ()}
    return FetchedJob(response, scope.region, tags, scope.session)


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
            return _Miss(scope, error_text(exc))
        if is_unreachable(exc):
            return _Down(scope, scope_message(exc, f"cannot look up {kind} {identifier}"))
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
    misses = [r for r in results if isinstance(r, _Miss)]
    if found or errors or misses:
        run.reachable = True
    if found or errors:
        # An error elsewhere is kept beside what was found: the job may exist there too.
        return [*found.values(), *errors]
    if misses:
        # The service's message (the first scope's; they say the same), and every place asked:
        # a name is looked up in each region, so the error belongs to all of them.
        where = ", ".join(miss.scope.label for miss in misses)
        regions = ", ".join(dict.fromkeys(miss.scope.region for miss in misses))
        arn = identifier if identifier.startswith("arn:") else None
        return [
            LoadError(
                Origin(region=regions, arn=arn),
                f"{kind} {identifier}: {misses[0].message} (looked up in {where})",
            )
        ]
    if not targets:
        return [LoadError(Origin(arn=identifier), f"{kind} {identifier}: no client for its region")]
    return []  # every scope was unreachable: reported once per scope


def _where(scope: Scope, arn: str | None) -> str:
    parsed = normalize.parse_arn(arn) or {}
    account = parsed.get("account") or scope.account
    return f"{scope.region}, account {account}" if account else scope.region


def _job_error(scope: Scope, kind: str, name: str, arn: str | None, exc: Exception) -> LoadError:
    return LoadError(
        Origin(region=scope.region, arn=arn),
        f"cannot fetch {kind} {name} ({_where(scope, arn)}): {error_text(exc)}",
    )
