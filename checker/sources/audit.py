"""Jobs from every account of an audit: the organisation's (or the listed) accounts, each
through the audit role, in each region asked for (or every region where Bedrock is offered and
that the account has enabled), optionally one shard's share of those scopes.

The roles are assumed on a bounded pool (one session per account, its credentials refreshed
before they expire, its clients shared by the threads); then every scope is listed and its jobs
fetched on one pool shared by all accounts (checker/sources/bedrock.py). A role that cannot be
assumed, a region list that cannot be read, a listing that fails: each makes its scopes
errored scopes, reported with their reason (exit 3), even when no scope at all answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from checker.aws import organization
from checker.aws import session as aws_session
from checker.aws.connection import DEFAULT_CONCURRENCY, Connection
from checker.aws.errors import scope_message
from checker.aws.redact import install_redaction
from checker.aws.session import STS_FALLBACK_REGION, ScopeFailure
from checker.errors import CheckerError
from checker.model import AuditScope, Job, LoadError, Shard
from checker.shards import scope_of, share
from checker.sources.bedrock import Progress, Scope, Selection, collect, scope_client


@dataclass(frozen=True)
class AuditJobs:
    """What an audit read: each job (or error) with the session that found it, and its scopes."""

    pairs: list[tuple[Job | LoadError, Any]]
    scopes: tuple[AuditScope, ...]
    shard: Shard | None

    @property
    def items(self) -> list[Job | LoadError]:
        return [item for item, _ in self.pairs]


def read_audit(
    connection: Connection,
    selection: Selection,
    *,
    with_tags: bool,
    progress: Progress | None = None,
) -> AuditJobs:
    """List and fetch the selected jobs in every scope of the audit (or of this shard)."""
    organization.check_audit_options(connection)
    selection.check()
    if selection.by_identifier:
        raise CheckerError(
            "--job-identifier/--model-identifier name jobs; an audit (--organization, "
            "--accounts) lists every job of every account"
        )
    install_redaction()
    session = aws_session.make_session(connection.profile)
    home = session.region_name or STS_FALLBACK_REGION
    every_region = organization.audit_regions(connection.regions)
    accounts = organization.discover_accounts(connection, session)
    if not accounts:
        raise CheckerError(
            "no account to audit: the organisation (or --ou) holds no active account"
        )
    if every_region:
        names = organization.bedrock_regions(session, home)
    else:
        names = list(aws_session.regions(connection, session))
    pairs = [(account, region) for account in accounts for region in names]
    shard = None
    if connection.shard is not None:
        pairs, shard = share(pairs, *connection.shard)
    by_account: dict[str, list[str]] = {}
    for account, region in pairs:
        by_account.setdefault(account, []).append(region)

    scopes, failures = _open_accounts(connection, session, home, by_account, every_region)
    failed: list[ScopeFailure] = []
    fetched = collect(
        scopes,
        selection,
        with_tags=with_tags,
        workers=connection.max_concurrency,
        progress=progress,
        failures=failures,
        failed=failed,
        # Reported even when no scope answered, so that every shard writes its report.
        all_or_nothing=False,
    )
    from checker.sources.bedrock import FetchedJob

    items: list[tuple[Job | LoadError, Any]] = sorted(
        [
            (item.to_job(), item.session) if isinstance(item, FetchedJob) else (item, None)
            for item in fetched
        ],
        key=lambda pair: scope_of(pair[0]),
    )
    errors = {(f.account, f.region): f.message for f in failed}
    covered = {(s.account, s.region) for s in scopes} | set(errors)
    audit_scopes = tuple(
        AuditScope(region, account, errors.get((account, region)))
        for account, region in sorted(covered, key=lambda pair: (pair[0] or "", pair[1]))
    )
    return AuditJobs(items, audit_scopes, shard)


def _open_accounts(
    connection: Connection,
    session: Any,
    home: str,
    by_account: dict[str, list[str]],
    every_region: bool,
) -> tuple[list[Scope], list[ScopeFailure]]:
    """Assume the audit role in each account (on a pool), and open its Bedrock clients."""
    sts = aws_session.sts_client(connection, session, home)
    role_name = connection.role_name or organization.DEFAULT_ROLE_NAME

    def open_account(
        account: str, regions: Sequence[str]
    ) -> tuple[list[Scope], list[ScopeFailure]]:
        from botocore.exceptions import BotoCoreError, ClientError

        arn = organization.role_arn(session, account, role_name, home)
        try:
            assumed = aws_session.assume_role(connection, session, arn, sts)
        except (ClientError, BotoCoreError) as exc:
            message = scope_message(exc, f"cannot assume role {arn}")
            return [], [ScopeFailure(region, account, message) for region in regions]
        if every_region:
            try:
                enabled = organization.enabled_regions(connection, assumed, home)
            except (ClientError, BotoCoreError) as exc:
                message = scope_message(exc, "cannot list the account's enabled regions")
                return [], [ScopeFailure(region, account, message) for region in regions]
            # A region the account has not enabled holds no job: not scanned, not an error.
            regions = [region for region in regions if region in enabled]
        scopes = [
            Scope(scope_client(connection, assumed, region), region, account, assumed)
            for region in regions
        ]
        return scopes, []

    workers = max(1, min(connection.max_concurrency or DEFAULT_CONCURRENCY, len(by_account)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit")
    scopes: list[Scope] = []
    failures: list[ScopeFailure] = []
    try:
        opened = [pool.submit(open_account, a, regions) for a, regions in by_account.items()]
        for future in opened:
            account_scopes, account_failures = future.result()
            scopes.extend(account_scopes)
            failures.extend(account_failures)
    except BaseException:
        # Ctrl-C or SIGTERM: do not wait for the calls in flight (see checker.cli.main).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return scopes, failures
