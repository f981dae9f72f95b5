"""Human-readable console output, grouped by job; colour only when asked for.

Every value from a job, a file name or a policy is shown through ``printable`` (control
characters escaped), and no line may start a GitHub workflow command (``no_commands``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from checker.model import FindingStatus, JobResult, Outcome, Report
from checker.reports.escape import no_commands, printable
from checker.reports.options import RenderOptions
from checker.wording import counted

if TYPE_CHECKING:
    from checker.controls import ControlSummary

_COLORS = {
    "error": "31",
    "warning": "33",
    "note": "36",
    "unknown": "35",
    "passed": "32",
    "failed": "31",
    "errored": "31",
    "waived": "34",
    "dim": "2",
    "bold": "1",
}


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_COLORS[style]}m{text}\x1b[0m" if color else text


def _where(result: JobResult, line: int | None = None) -> str:
    origin = result.origin
    if origin.path is not None:
        where = f"{printable(origin.path)}:{line if line is not None else origin.line}"
    else:
        where = printable(origin.arn or result.key)
    return no_commands(where)  # it may start a line


def _job_lines(result: JobResult, color: bool) -> list[str]:
    outcome = result.outcome
    if result.error is not None:
        message = printable(result.error.message)
        head = f"{_where(result)}: {_paint('ERROR', 'errored', color)}: {message}"
        return [head]
    job = result.job
    assert job is not None
    label = no_commands(printable(job.label))
    header = f"{_paint(label, 'bold', color)} ({job.kind}, {_where(result)})"
    if outcome is Outcome.PASSED and not result.findings:
        return [f"{header}: {_paint('passed', 'passed', color)}"]
    lines = [f"{header}: {_paint(outcome.value, outcome.value, color)}"]
    for finding in result.findings:
        label = (
            finding.rule.severity.value if finding.status is FindingStatus.VIOLATED else "unknown"
        )
        location = (
            _where(result, finding.line) if job.origin.path else printable(job.arn or job.key)
        )
        rule_id, title = printable(finding.rule.id), printable(finding.rule.title)
        if finding.suppression is not None:
            kind = _paint(finding.suppression.kind, "waived", color)
            lines.append(
                f"  {location}: {rule_id} {kind} ({label}): {title}: "
                f"{printable(finding.suppression.justification)}"
            )
            continue
        lines.append(
            f"  {location}: {rule_id} {_paint(label, label, color)}: "
            f"{title}: {printable(finding.message)}"
        )
        if finding.status is FindingStatus.VIOLATED and finding.value not in ("None", ""):
            lines.append(_paint(f"      value: {printable(finding.value)}", "dim", color))
        if finding.status is FindingStatus.VIOLATED and finding.rule.remediation:
            lines.append(_paint(f"      fix: {printable(finding.rule.remediation)}", "dim", color))
    return lines


def _worth_showing(result: JobResult) -> bool:
    """Failed, errored, or with a finding the rules could not decide (unknown)."""
    if result.outcome in (Outcome.FAILED, Outcome.ERRORED):
        return True
    return any(f.status is FindingStatus.UNKNOWN for f in result.findings)


def summary_line(report: Report) -> str:
    counts = report.summary()
    severity = counts["bySeverity"]
    line = (
        f"{counted(counts['jobs'], 'job')} checked: "
        f"{counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['waived']} waived, {counts['errored']} errored; "
        f"{counted(counts['findings'], 'finding')} "
        f"({severity['error']} error, {severity['warning']} warning, {severity['note']} note), "
        f"{counts['unknown']} unknown, {counts['waivedFindings']} waived; "
        f"{counts['notApplicable']} not applicable"
    )
    if report.baseline_gone is not None:
        line += (
            f", {counts['baselinedFindings']} in the baseline "
            f"({counted(report.baseline_gone, 'baselined finding')} gone)"
        )
    if counts["skippedFiles"]:
        line += f"; {counted(counts['skippedFiles'], 'file')} passed over (not job documents)"
    return line


def waiver_warnings(report: Report) -> list[str]:
    """One line per waiver that no longer waives or that matches nothing."""
    lines = []
    for status in report.waivers:
        waiver = status.waiver
        where, rule = no_commands(printable(waiver.origin.describe())), printable(waiver.rule)
        if status.status == "expired":
            lines.append(
                f"{where}: warning: waiver for {rule} expired on "
                f"{waiver.expires.isoformat()} and no longer waives"
            )
        elif status.status == "stale":
            lines.append(f"{where}: warning: waiver for {rule} matches no finding (stale)")
    return lines


def control_lines(summary: ControlSummary, color: bool) -> list[str]:
    """The per-control summary: one line per control with its rules by status."""
    counts = summary.counts()
    lines = [
        _paint(
            f"{summary.framework.name} ({summary.framework.title}): {counts['controls']} controls: "
            f"{counts['failing']} failing, {counts['unknown']} unknown, {counts['waived']} waived, "
            f"{counts['passing']} passing, {counts['not-evaluated']} not evaluated",
            "bold",
            color,
        )
    ]
    width = max((len(c.control) for c in summary.controls), default=0)
    styles = {"failing": "failed", "unknown": "unknown", "waived": "waived", "passing": "passed"}
    for control in summary.controls:
        groups = [
            (label, rules)
            for label, rules in (
                ("failing", control.failing),
                ("unknown", control.unknown),
                ("waived", control.waived),
                ("passing", control.passing),
                ("not evaluated", control.not_evaluated),
            )
            if rules
        ]
        detail = printable("; ".join(f"{label}: {', '.join(rules)}" for label, rules in groups))
        jobs = control.failing_jobs
        if jobs:
            detail += f" ({counted(jobs, 'job')} failing)"
        status = _paint(f"{control.status:<13}", styles.get(control.status, "dim"), color)
        lines.append(f"  {printable(control.control):<{width}}  {status} {detail}")
    if summary.unmapped_rules:
        unmapped = ", ".join(summary.unmapped_rules)
        lines.append(_paint(f"  rules with no control here: {unmapped}", "dim", color))
    return lines


def account_lines(report: Report) -> list[str]:
    """An audit's per-account table: jobs, failed, errored, unknown (nothing otherwise)."""
    if not report.scopes:
        return []  # not an audit: the table's module is not even imported
    from checker.reports.accounts import account_rows

    rows = account_rows(report)
    if not rows:
        return []
    accounts = [printable(row.account) for row in rows]
    width = max(len("account"), *(len(account) for account in accounts))
    lines = [
        "",
        f"{'account':<{width}}  {'jobs':>6}  {'failed':>6}  {'errored':>7}  {'unknown':>7}",
    ]
    for account, row in zip(accounts, rows, strict=True):
        counts = f"{row.jobs:>6}  {row.failed:>6}  {row.errored:>7}  {row.unknown:>7}"
        lines.append(f"{account:<{width}}  {counts}")
    return lines


def render(report: Report, options: RenderOptions) -> str:
    color = options.color
    lines: list[str] = []
    for result in report.results:
        if options.quiet and not _worth_showing(result):
            continue
        lines.extend(_job_lines(result, color))
    if options.framework:
        lines.append("")
        from checker.controls import summarize  # only with --framework

        lines.extend(control_lines(summarize(report, options.framework), color))
    lines.extend(_paint(w, "warning", color) for w in waiver_warnings(report))
    lines.extend(account_lines(report))
    lines.append("")
    lines.append(_paint(summary_line(report), "bold", color))
    return no_commands("\n".join(lines)) + "\n"
