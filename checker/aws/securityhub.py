"""Publishing a run's findings to AWS Security Hub (docs/reports.md#publishing-to-security-hub).

Each job's findings go to the Security Hub of the job's own region, in the job's own account
when the run holds credentials for it (the caller's account, or an account a scan reached
through an assumed role), else in the caller's account: with the default product ARN
(``product/ACCOUNT/default``) Security Hub imports only findings of the calling account.
BatchImportFindings takes 100 findings at a time (the API's limit); findings the service
refuses (FailedFindings) are sent again, a bounded number of times. Earlier findings of the tool
that this run no longer reports, for jobs and rules it evaluated, are re-imported as ARCHIVED
(see checker.reports.asff.archived_findings): only BatchImportFindings and GetFindings are
needed, and the triage workflow of the people using Security Hub is left alone.

boto3 is imported inside functions: importing this module stays light.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.aws.connection import Connection
from checker.errors import CheckerError
from checker.model import Report
from checker.reports import asff
from checker.reports.options import RenderOptions

BATCH_SIZE = 100  # BatchImportFindings takes at most 100 findings per call
ATTEMPTS = 3  # each finding is sent at most this many times
BACKOFF_SECONDS = 1.0  # before the second attempt; doubled before each next one
# Errors of a whole call that sending again cannot mend (besides bad credentials and no
# connection): no permission, or Security Hub not enabled in the region.
_FATAL = {"AccessDeniedException", "InvalidAccessException"}


@dataclass(frozen=True)
class FailedFinding:
    id: str
    code: str
    message: str


@dataclass(frozen=True)
class PublishResult:
    """What a publication did: findings imported, earlier ones archived, and those refused."""

    product_arn: str  # of each hub published to, comma-separated
    imported: int = 0
    archived: int = 0
    calls: int = 0
    failed: tuple[FailedFinding, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        text = (
            f"Security Hub ({self.product_arn}): {self.imported} findings imported, "
            f"{self.archived} archived"
        )
        if self.failed:
            first = self.failed[0]
            text += (
                f"; {len(self.failed)} refused after {ATTEMPTS} attempts "
                f"(first: {first.id}: {first.code}: {first.message})"
            )
        return text


def _batches(findings: Sequence[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    for start in range(0, len(findings), BATCH_SIZE):
        yield list(findings[start : start + BATCH_SIZE])


def _fatal(exc: Exception, doing: str) -> CheckerError | None:
    """The one-line error that ends publishing, or None when sending again may help."""
    from checker.aws.errors import error_code, error_text, is_unreachable, scope_message

    if is_unreachable(exc):
        return CheckerError(f"Security Hub: {scope_message(exc, doing)}")
    if error_code(exc) in _FATAL:
        return CheckerError(f"Security Hub: {doing}: {error_text(exc)}")
    return None


def import_findings(
    client: Any,
    findings: Sequence[Mapping[str, Any]],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, tuple[FailedFinding, ...]]:
    """Send findings in batches; send those refused again. (calls made, refused at the end)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from checker.aws.errors import error_code, error_text

    pending = list(findings)
    failures: dict[str, FailedFinding] = {}
    calls = 0
    delay = BACKOFF_SECONDS
    for attempt in range(attempts):
        failures = {}
        for batch in _batches(pending):
            calls += 1
            try:
                response = client.batch_import_findings(Findings=batch)
            except (ClientError, BotoCoreError) as exc:
                fatal = _fatal(exc, "cannot import findings")
                if fatal is not None:
                    raise fatal from exc
                code = error_code(exc)
                message = error_text(exc).removeprefix(code).lstrip(": ")
                for finding in batch:
                    failures[str(finding["Id"])] = FailedFinding(str(finding["Id"]), code, message)
                continue
            for failed in response.get("FailedFindings") or ():
                key = str(failed.get("Id", ""))
                failures[key] = FailedFinding(
                    key, str(failed.get("ErrorCode", "")), str(failed.get("ErrorMessage", ""))
                )
        if not failures:
            break
        pending = [finding for finding in pending if str(finding["Id"]) in failures]
        if attempt + 1 < attempts:
            sleep(delay)
            delay *= 2
    return calls, tuple(failures.values())


def previous_findings(client: Any, product_arn: str) -> Iterator[dict[str, Any]]:
    """The tool's active findings in this Security Hub (GetFindings, every page)."""
    from botocore.exceptions import BotoCoreError, ClientError

    filters = {
        "ProductArn": [{"Value": product_arn, "Comparison": "EQUALS"}],
        "GeneratorId": [{"Value": asff.GENERATOR_PREFIX, "Comparison": "PREFIX"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    try:
        pages = client.get_paginator("get_findings").paginate(
            Filters=filters, PaginationConfig={"PageSize": 100}
        )
        for page in pages:
            for finding in page.get("Findings") or ():
                # The filters again: a finding of another product is never touched.
                if finding.get("ProductArn") == product_arn:
                    yield finding
    except (ClientError, BotoCoreError) as exc:
        fatal = _fatal(exc, "cannot read earlier findings")
        if fatal is None:
            from checker.aws.errors import error_text

            fatal = CheckerError(f"Security Hub: cannot read earlier findings: {error_text(exc)}")
        raise fatal from exc


def publish(
    client: Any,
    report: Report,
    options: RenderOptions,
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishResult:
    """Import the run's findings into the Security Hub of ``options.asff_account``/``_region``
    and archive the earlier ones that the run no longer reports."""
    if not options.asff_account or not options.asff_region:
        raise CheckerError("Security Hub: the account and region to publish to are not known")
    product = asff.product_arn(options.asff_region, options.asff_account)
    current = asff.findings(report, options)
    return _publish_to(client, product, report, options, current, attempts, sleep)


def _publish_to(
    client: Any,
    product: str,
    report: Report,
    options: RenderOptions,
    current: Sequence[Mapping[str, Any]],
    attempts: int,
    sleep: Callable[[float], None],
) -> PublishResult:
    archived = asff.archived_findings(report, options, previous_findings(client, product))
    calls, failed = import_findings(client, [*current, *archived], attempts=attempts, sleep=sleep)
    refused = {f.id for f in failed}
    return PublishResult(
        product_arn=product,
        imported=sum(1 for f in current if f["Id"] not in refused),
        archived=sum(1 for f in archived if f["Id"] not in refused),
        calls=calls,
        failed=failed,
    )


@dataclass
class Hub:
    """The Security Hubs findings are published to: the caller's account (``session``), and
    the accounts a scan reached through assumed roles (``sessions``), in any region."""

    client: Any  # the caller's, in ``region``
    account: str
    region: str  # the first --region (else the default region): of jobs that name none
    session: Any = None
    connection: Connection | None = None
    sessions: dict[str, Any] = field(default_factory=dict)  # account -> its assumed role's
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def accounts(self) -> frozenset[str]:
        """The accounts whose own Security Hub this run can publish to."""
        return frozenset({self.account, *self.sessions})

    def client_for(self, account: str, region: str) -> Any:
        if (account, region) == (self.account, self.region):
            return self.client
        found = self._clients.get((account, region))
        if found is None:
            from checker.aws.session import client_config, verify_option

            connection = self.connection or Connection()
            session = self.session if account == self.account else self.sessions[account]
            found = session.client(
                "securityhub",
                region_name=region,
                config=client_config(connection, session, region),
                verify=verify_option(connection),
            )
            self._clients[(account, region)] = found
        return found

    def render_options(self, options: RenderOptions) -> RenderOptions:
        """How findings are made when publishing: each to the hub it is sent to."""
        return dataclasses.replace(
            options,
            asff_account=None,
            asff_region=None,
            default_account=self.account,
            default_region=self.region,
            hub_accounts=self.accounts,
        )


def publish_all(
    hub: Hub,
    report: Report,
    options: RenderOptions,
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishResult:
    """Publish each job's findings to its hub (``Hub.render_options`` made ``options``), and
    archive, in the hub of every job evaluated, the earlier findings that no longer apply."""
    current = asff.findings(report, options)
    by_hub: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for result in asff.scope(report).values():
        by_hub.setdefault(asff.destination(result[0], options), [])
    for finding in current:
        arn = str(finding["ProductArn"]).split(":")
        by_hub.setdefault((arn[3], arn[4]), []).append(finding)
    results = [
        _publish_to(
            hub.client_for(account, region),
            asff.product_arn(region, account),
            report,
            options,
            found,
            attempts,
            sleep,
        )
        for (region, account), found in sorted(by_hub.items(), key=lambda item: item[0][::-1])
    ]
    if not results:
        results = [PublishResult(asff.product_arn(hub.region, hub.account))]
    return PublishResult(
        product_arn=", ".join(r.product_arn for r in results),
        imported=sum(r.imported for r in results),
        archived=sum(r.archived for r in results),
        calls=sum(r.calls for r in results),
        failed=tuple(f for r in results for f in r.failed),
    )


def connect(connection: Connection) -> Hub:
    """A Security Hub client for the caller's account, in the first --region (else the default
    region); the account comes from STS. Bad credentials end the run here, before any job."""
    from botocore.exceptions import BotoCoreError, ClientError

    from checker.aws.organization import audit_regions
    from checker.aws.session import client_config, make_session, regions, verify_option

    session = make_session(connection.profile)
    # With --region all, jobs name their regions; the default region is the one of the others.
    named = () if audit_regions(connection.regions) else connection.regions
    region = regions(dataclasses.replace(connection, regions=named), session)[0]
    config = client_config(connection, session, region)
    verify = verify_option(connection)
    try:
        identity = session.client("sts", config=config, verify=verify).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        fatal = _fatal(exc, "cannot tell the caller's account")
        if fatal is None:
            from checker.aws.errors import error_text

            fatal = CheckerError(
                f"Security Hub: cannot tell the caller's account: {error_text(exc)}"
            )
        raise fatal from exc
    client = session.client("securityhub", config=config, verify=verify)
    return Hub(client, str(identity["Account"]), region, session, connection)
