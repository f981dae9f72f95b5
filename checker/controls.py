"""How each control of a compliance framework fared in a run: the per-control summary that
every report format shows for ``--framework NAME``. Pure: report in, values out.

Apart from ``checker.frameworks`` (the frameworks and the form of their control ids, which
policies are checked against) so that a run without ``--framework`` does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.frameworks import FRAMEWORKS, STATUSES, Framework, natural_key, rule_controls
from checker.model import FindingStatus, Report


@dataclass(frozen=True)
class ControlResult:
    """One control and the rules that support it, grouped by how each rule fared in the run."""

    control: str
    status: str  # one of STATUSES
    failing: tuple[str, ...] = ()  # rules with a violation that counts, on some job
    unknown: tuple[str, ...] = ()  # rules that could not decide, and did not fail
    waived: tuple[str, ...] = ()  # rules whose every violation is waived or baselined
    passing: tuple[str, ...] = ()  # rules that applied to some job and found nothing
    not_evaluated: tuple[str, ...] = ()  # rules that applied to no job
    failing_jobs: int = 0  # jobs with a counting violation of one of the rules

    @property
    def rules(self) -> tuple[str, ...]:
        return self.failing + self.unknown + self.waived + self.passing + self.not_evaluated


@dataclass(frozen=True)
class ControlSummary:
    framework: Framework
    controls: tuple[ControlResult, ...]
    unmapped_rules: tuple[str, ...]  # loaded rules that support no control of the framework
    jobs_not_evaluated: int  # jobs that could not be read: no rule applied to them

    def counts(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for control in self.controls:
            counts[control.status] += 1
        return {"controls": len(self.controls), **counts}

    def to_dict(self) -> dict[str, Any]:
        """The summary as the JSON report (docs/report.schema.json) and SARIF carry it."""
        counts = self.counts()
        return {
            "name": self.framework.name,
            "title": self.framework.title,
            "summary": {
                "controls": counts["controls"],
                "failing": counts["failing"],
                "unknown": counts["unknown"],
                "waived": counts["waived"],
                "passing": counts["passing"],
                "notEvaluated": counts["not-evaluated"],
            },
            "controls": [
                {
                    "id": control.control,
                    "status": control.status,
                    "failingRules": list(control.failing),
                    "unknownRules": list(control.unknown),
                    "waivedRules": list(control.waived),
                    "passingRules": list(control.passing),
                    "notEvaluatedRules": list(control.not_evaluated),
                    "failingJobs": control.failing_jobs,
                }
                for control in self.controls
            ],
            "unmappedRules": list(self.unmapped_rules),
            "jobsNotEvaluated": self.jobs_not_evaluated,
        }


def rule_statuses(report: Report) -> dict[str, str]:
    """How each loaded rule fared over every job of the run, one of STATUSES."""
    failing: set[str] = set()
    unknown: set[str] = set()
    waived: set[str] = set()
    applied: set[str] = set()
    for result in report.results:
        applied.update(result.checked)
        for finding in result.findings:
            rule_id = finding.rule.id
            applied.add(rule_id)
            if finding.counts:
                failing.add(rule_id)
            elif finding.status is FindingStatus.UNKNOWN:
                unknown.add(rule_id)
            else:
                waived.add(rule_id)
    statuses: dict[str, str] = {}
    for rule in report.rules:
        if rule.id in failing:
            statuses[rule.id] = "failing"
        elif rule.id in unknown:
            statuses[rule.id] = "unknown"
        elif rule.id in waived:
            statuses[rule.id] = "waived"
        elif rule.id in applied:
            statuses[rule.id] = "passing"
        else:
            statuses[rule.id] = "not-evaluated"
    return statuses


def summarize(report: Report, framework: str) -> ControlSummary:
    """The per-control summary of a run for one framework (a name of FRAMEWORKS)."""
    statuses = rule_statuses(report)
    by_control: dict[str, list[str]] = {}
    unmapped: list[str] = []
    for rule, controls in rule_controls(report.rules, framework):
        if not controls:
            unmapped.append(rule.id)
        for control in controls:
            by_control.setdefault(control, []).append(rule.id)
    failing_jobs = _failing_jobs(report)
    results = []
    for control in sorted(by_control, key=natural_key):
        rule_ids = by_control[control]
        groups = {s: tuple(r for r in rule_ids if statuses[r] == s) for s in STATUSES}
        status = next(s for s in STATUSES if groups[s])
        jobs = sum(1 for failed in failing_jobs if failed & set(rule_ids))
        results.append(
            ControlResult(
                control,
                status,
                failing=groups["failing"],
                unknown=groups["unknown"],
                waived=groups["waived"],
                passing=groups["passing"],
                not_evaluated=groups["not-evaluated"],
                failing_jobs=jobs,
            )
        )
    errored = sum(1 for result in report.results if result.error is not None)
    return ControlSummary(FRAMEWORKS[framework], tuple(results), tuple(unmapped), errored)


def _failing_jobs(report: Report) -> list[set[str]]:
    return [{f.rule.id for f in result.findings if f.counts} for result in report.results]
