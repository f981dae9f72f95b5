"""One job, from event to verdict: fetch it, evaluate it, and stop it when configured to.

Fetching and normalising reuse the live source (checker/sources/bedrock.py), and evaluation is
the pipeline's (checker/pipeline.py), so a job checked by guard gets exactly the document and
the rule verdicts that `scan` would give it. AWS is reached through checker/aws/ and the live
source only; boto3 is imported inside their functions.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checker.aws.clients import Clients
from checker.errors import CheckerError
from checker.guard.config import GuardConfig
from checker.guard.events import JobEvent
from checker.model import Finding, Job, JobResult, LoadError, Origin, Report, Severity

if TYPE_CHECKING:
    from checker.pipeline import Configuration

# StopModelCustomizationJob applies to a running job only; the other statuses are final or
# already on their way to Stopped.
RUNNING = "InProgress"


@dataclass(frozen=True)
class Loaded:
    """The policies and waivers, read once per warm function and reused for every event."""

    configuration: Configuration
    with_tags: bool
    deep: bool

    @classmethod
    def from_config(cls, config: GuardConfig) -> Loaded:
        """Read policies and waivers; a bad file is a CheckerError naming it."""
        from checker.pipeline import configure

        configuration = configure(config.policies, waiver_files=config.waivers, deep=config.deep)
        return cls(configuration, configuration.policy.reads_under("tags"), config.deep)


@dataclass(frozen=True)
class Enforcement:
    """What guard did about a job: ``none``, ``dry-run``, ``stopped`` or ``stop-failed``."""

    action: str
    reason: str
    rules: tuple[str, ...] = ()  # the rules whose findings asked for the stop


@dataclass(frozen=True)
class Verdict:
    event: JobEvent
    report: Report
    enforcement: Enforcement

    @property
    def result(self) -> JobResult:
        return self.report.results[0]


def fetch(clients: Clients, event: JobEvent, loaded: Loaded) -> Job | LoadError:
    """The job the event names, normalised, or why it cannot be read."""
    from checker.sources import bedrock

    origin = Origin(region=event.region, arn=event.job_arn)
    try:
        scope = bedrock.Scope(clients.client("bedrock", event.region), event.region)
        items = bedrock.collect(
            [scope],
            bedrock.Selection(job_identifiers=(event.identifier,)),
            with_tags=loaded.with_tags,
            workers=1,
        )
    except CheckerError as exc:  # credentials or endpoint: nothing could be asked
        return LoadError(origin, str(exc))
    if not items:
        return LoadError(origin, f"job {event.identifier}: no answer from {event.region}")
    item = items[0]
    return item if isinstance(item, LoadError) else item.to_job()


def evaluate(
    item: Job | LoadError,
    loaded: Loaded,
    today: datetime.date,
    region: str,
    clients: Clients,
) -> Report:
    """The report `scan` would give for this job: deep mode, evaluation, waivers."""
    from checker.pipeline import run

    enrich = None
    if loaded.deep:
        from checker.aws.connection import Connection
        from checker.enrich import Enricher

        # The job's resources are read with the function's own credentials, in its region.
        connection = Connection(regions=(region,), max_concurrency=4)
        enrich = Enricher(connection, sessions=[clients.session])
    configuration = dataclasses.replace(loaded.configuration, today=today)
    return run(configuration, [item], mode="live", scope=(region,), enrich=enrich)


def stopping_findings(result: JobResult) -> list[Finding]:
    """Unwaived error-level violations: the only findings that may stop a job (never unknowns)."""
    return [f for f in result.findings if f.counts and f.severity is Severity.ERROR]


def enforce(report: Report, config: GuardConfig, clients: Clients) -> Enforcement:
    """Stop the job when STOP_ON=error and it is running with unwaived error findings."""
    result = report.results[0]
    if result.job is None:
        return Enforcement(
            "none", "the job could not be read: guard never stops what it cannot see"
        )
    blocking = stopping_findings(result)
    if not blocking:
        return Enforcement("none", "no unwaived error-level finding")
    rules = tuple(dict.fromkeys(f.rule.id for f in blocking))
    status = result.job.document.get("status")
    if status != RUNNING:
        return Enforcement("none", f"the job is {status or 'of unknown status'}: nothing to stop")
    if not config.enforcing:
        return Enforcement("dry-run", f"would stop the job (STOP_ON={config.stop_on})", rules)
    from checker.aws.errors import error_text

    job = result.job
    region = job.origin.region or str((job.document.get("derived") or {}).get("region") or "")
    try:
        # By name, unique in the job's account and region: AWS takes a name or an ARN, and
        # moto (the AWS mock the tests use) finds jobs by name only.
        clients.client("bedrock", region).stop_model_customization_job(
            jobIdentifier=job.name or job.arn
        )
    except Exception as exc:  # botocore's errors: recorded, never raised
        return Enforcement("stop-failed", f"StopModelCustomizationJob: {error_text(exc)}", rules)
    return Enforcement("stopped", "StopModelCustomizationJob accepted (STOP_ON=error)", rules)


def check(
    event: JobEvent,
    config: GuardConfig,
    loaded: Loaded,
    clients: Clients,
    today: datetime.date,
) -> Verdict:
    item = fetch(clients, event, loaded)
    report = evaluate(item, loaded, today, event.region, clients)
    return Verdict(event, report, enforce(report, config, clients))
