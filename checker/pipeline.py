"""One run: jobs from any source -> (deep enrichment) -> evaluation -> waivers/baseline -> Report.

No click and no boto3 here: the CLI, the benchmarks, the tests and any other caller (a Lambda
handler, a merge of shards) run a check through ``configure`` and ``run``, and the process exit
code is the report's own ``exit_code``.

Importing it is cheap: the policy engine (Cerberus, YAML) is imported when a run is configured,
so that `--version`, `--help` and the CLI's option definitions do without it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from checker.model import (
    DEFAULT_POLICIES,
    REPORTED_PATHS,
    Job,
    JobResult,
    LoadError,
    Report,
    Severity,
)

if TYPE_CHECKING:
    from checker.model import AuditScope, Shard, Waiver
    from checker.policy import Policy

Item = Job | LoadError
# Deep mode's stage (checker.enrich.Enricher): the jobs, and the kinds of resource to read.
Enrich = Callable[[Sequence[Item], frozenset[str]], Sequence[Item]]

FAIL_ON = ("error", "warning", "note", "never")
DEEP_PACK = "builtin:deep"


def fail_threshold(name: str) -> Severity | None:
    """``--fail-on``'s value as a severity; None for "never"."""
    return None if name == "never" else Severity(name)


@dataclass(frozen=True)
class Configuration:
    """What a run is judged by: the policy, the waivers and the baseline fingerprints; and
    what of each job's document the reports read (``Job.compact``)."""

    policy: Policy
    waivers: tuple[Waiver, ...] = ()
    baseline: frozenset[str] | None = None
    fail_on: Severity | None = Severity.ERROR
    today: datetime.date = field(default_factory=datetime.date.today)
    reported: tuple[str, ...] = REPORTED_PATHS


def configure(
    policies: Sequence[str] = (),
    *,
    select: Sequence[str] = (),
    skip: Sequence[str] = (),
    waiver_files: Sequence[str] = (),
    baseline_file: str | None = None,
    fail_on: str = "error",
    deep: bool = False,
    today: datetime.date | None = None,
    reported: Sequence[str] = (),
) -> Configuration:
    """Load and validate everything a run is judged by, before any job is read.

    A policy, waiver or baseline error raises CheckerError, so that nothing is evaluated. With
    ``deep`` the deep pack is evaluated beside the policies chosen (or the default).
    ``reported`` names document paths that a report reads beyond ``REPORTED_PATHS``.
    """
    from checker.policy import load_policy
    from checker.waivers import load_baseline, load_waivers

    specs = tuple(policies) or DEFAULT_POLICIES
    if deep and DEEP_PACK not in specs:
        specs = (*specs, DEEP_PACK)
    policy = load_policy(specs, select=select, skip=skip)
    waivers = load_waivers(waiver_files)
    baseline = frozenset(load_baseline(baseline_file)) if baseline_file else None
    return Configuration(
        policy,
        waivers,
        baseline,
        fail_threshold(fail_on),
        today or datetime.date.today(),
        tuple(dict.fromkeys((*REPORTED_PATHS, *reported))),
    )


def run(
    configuration: Configuration,
    jobs: Iterable[Item],
    *,
    skipped: Sequence[str] = (),
    mode: str = "files",
    scope: Sequence[str] = (),
    enrich: Enrich | None = None,
    scopes: Sequence[AuditScope] = (),
    shard: Shard | None = None,
    workers: int | None = None,
) -> Report:
    """Evaluate the jobs (enriched first when ``enrich`` is given) and build the report.

    ``jobs`` may be read lazily, and ``skipped`` filled while it is: both are read to the end
    before the report is built. Jobs read from files (``files.iter_paths``) are evaluated by
    ``workers`` processes; None chooses from the number of files (checker/parallel.py).
    """
    from checker.evaluate import Evaluator
    from checker.sources.files import FileJobs
    from checker.waivers import apply_baseline, apply_waivers

    started = datetime.datetime.now(datetime.UTC)
    policy = configuration.policy
    items: Iterable[Item] = jobs
    if enrich is not None:
        from checker.enrich import needs

        items = enrich(list(jobs), needs(policy))
    evaluated: list[JobResult] | None = None
    # One job at a time when ``jobs`` is lazy (files.iter_paths): each is evaluated and then
    # kept only as the reports need it, so that memory does not grow with whole documents.
    if isinstance(jobs, FileJobs) and enrich is None and workers != 1 and len(jobs.files()) > 1:
        from checker import parallel

        workers = parallel.choose_workers(len(jobs.files()), workers)
        if workers > 1:
            # Many files: read and evaluated by several processes, the results in their order.
            evaluated = list(parallel.results(configuration, jobs, workers))
    if evaluated is None:
        shared: dict[Any, Any] = {}
        evaluated = [
            compact(result, configuration.reported, shared)
            for result in Evaluator(policy).results(items)
        ]
    results, statuses = apply_waivers(evaluated, configuration.waivers, configuration.today)
    gone = None
    if configuration.baseline is not None:
        results, gone = apply_baseline(results, set(configuration.baseline))
    return Report(
        results=tuple(results),
        rules=policy.rules,
        fail_on=configuration.fail_on,
        skipped_files=tuple(skipped),
        policy_sources=policy.sources,
        waivers=statuses,
        baseline_gone=gone,
        mode=mode,
        scope=tuple(scope),
        policy_digests=policy.digests,
        started=started,
        scopes=tuple(scopes),
        shard=shard,
        baseline_known=None if configuration.baseline is None else len(configuration.baseline),
    )


def compact(result: JobResult, paths: tuple[str, ...], shared: dict[Any, Any]) -> JobResult:
    """The result as the reports need it: the job's document cut to ``paths``, and the values
    that repeat across jobs (the rules checked, accounts, regions) stored once."""
    if result.job is None:
        return result
    return replace(
        result,
        job=result.job.compact(paths, shared),
        checked=shared.setdefault(result.checked, result.checked),
    )
