"""Markdown for a pull-request comment, a GitHub job summary or a security review."""

from __future__ import annotations

import re

from checker.controls import ControlSummary, summarize
from checker.model import FindingStatus, JobResult, Report
from checker.reports.accounts import account_rows
from checker.reports.escape import markdown_code, markdown_text
from checker.reports.options import RenderOptions
from checker.wording import counted

MAX_ROWS = 200  # a job summary is limited in size; the JSON report has everything
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")


_cell = markdown_text


def _where(result: JobResult, line: int | None = None) -> str:
    origin = result.origin
    if origin.path is not None:
        return markdown_code(f"{origin.path}:{line if line is not None else origin.line}")
    return markdown_code(origin.arn or result.key)


def _rule_link(rule_id: str, help_uri: str | None) -> str:
    # A help URI of a user's policy is a link only when it is a plain http(s) URL.
    if help_uri and _PLAIN_URL.fullmatch(help_uri):
        return f"[{_cell(rule_id)}]({help_uri})"
    return _cell(rule_id)


def control_section(summary: ControlSummary) -> list[str]:
    """A heading, the counts per status and one table row per control."""
    counts = summary.counts()
    lines = [
        f"### Controls: {summary.framework.title} (`{summary.framework.name}`)",
        "",
        f"{counts['controls']} controls: {counts['failing']} failing, {counts['unknown']} unknown, "
        f"{counts['waived']} waived, {counts['passing']} passing, "
        f"{counts['not-evaluated']} not evaluated.",
        "",
        "| Control | Status | Failing rules | Unknown | Waived | Passing | Not evaluated "
        "| Jobs failing |",
        "|---|---|---|---|---|---|---|---:|",
    ]
    for control in summary.controls:
        cells = [
            _cell(", ".join(rules)) or "-"
            for rules in (
                control.failing,
                control.unknown,
                control.waived,
                control.passing,
                control.not_evaluated,
            )
        ]
        lines.append(
            f"| {_cell(control.control)} | {control.status} | {' | '.join(cells)} "
            f"| {control.failing_jobs} |"
        )
    if summary.unmapped_rules:
        unmapped = ", ".join(summary.unmapped_rules)
        lines += ["", f"Rules with no control in this framework: {unmapped}."]
    lines.append("")
    return lines


def render(report: Report, options: RenderOptions) -> str:
    summary = report.summary()
    severity = summary["bySeverity"]
    verdict = "fails" if report.exit_code else "passes"
    lines = [
        f"## bedrock-checker: {counted(summary['jobs'], 'job')} checked, run {verdict}",
        "",
        "| Jobs | Passed | Failed | Waived | Errored | Errors | Warnings | Notes | Unknown "
        "| Waived findings |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['jobs']} | {summary['passed']} | {summary['failed']} | {summary['waived']} "
        f"| {summary['errored']} | {severity['error']} | {severity['warning']} "
        f"| {severity['note']} | {summary['unknown']} | {summary['waivedFindings']} |",
        "",
        f"Not applicable: {summary['notApplicable']} (job, rule) pairs whose rule does not "
        "apply to the job, not checked.",
        "",
    ]
    if report.baseline_gone is not None:
        lines += [
            f"Baseline: {summary['baselinedFindings']} known findings left aside, "
            f"{report.baseline_gone} no longer present.",
            "",
        ]
    if options.framework:
        lines += control_section(summarize(report, options.framework))
    active = [(r, f) for r, f in report.findings() if f.suppression is None]
    if active:
        lines += [
            "### Findings",
            "",
            "| Severity | Rule | Job | Location | Finding |",
            "|---|---|---|---|---|",
        ]
        order = {"error": 0, "warning": 1, "note": 2}
        active.sort(key=lambda pair: (order[pair[1].severity.value], pair[1].rule.id))
        for result, finding in active[:MAX_ROWS]:
            label = (
                finding.severity.value if finding.status is FindingStatus.VIOLATED else "unknown"
            )
            lines.append(
                f"| {label} | {_rule_link(finding.rule.id, finding.rule.help_uri)} "
                f"{_cell(finding.rule.title)} | {_cell(result.label)} "
                f"| {_where(result, finding.line)} | {_cell(finding.message)} |"
            )
        if len(active) > MAX_ROWS:
            lines.append(
                f"\n{counted(len(active) - MAX_ROWS, 'more finding', 'more findings')}: "
                "see the JSON or SARIF report."
            )
        lines.append("")
    errored = [r for r in report.results if r.error is not None]
    if errored:
        lines += ["### Not evaluated", "", "| Job | Problem |", "|---|---|"]
        lines += [f"| {_where(r)} | {_cell(r.error.message if r.error else '')} |" for r in errored]
        lines.append("")
    suppressed = [(r, f) for r, f in report.findings() if f.suppression is not None]
    if suppressed:
        lines += ["### Waived", "", "| Rule | Job | Justification |", "|---|---|---|"]
        for result, finding in suppressed[:MAX_ROWS]:
            justification = finding.suppression.justification if finding.suppression else ""
            lines.append(
                f"| {_rule_link(finding.rule.id, finding.rule.help_uri)} "
                f"| {_cell(result.label)} | {_cell(justification)} |"
            )
        lines.append("")
    warnings = [w for w in report.waivers if w.status != "active"]
    if warnings:
        lines += ["### Waiver warnings", ""]
        for status in warnings:
            waiver = status.waiver
            problem = (
                f"expired on {waiver.expires.isoformat()}"
                if status.status == "expired"
                else "matches no finding (stale)"
            )
            lines.append(
                f"- {markdown_code(waiver.origin.describe())} {_cell(waiver.rule)}: {problem}"
            )
        lines.append("")
    rows = account_rows(report)
    if rows:
        lines += [
            "### Accounts",
            "",
            "| Account | Jobs | Failed | Errored | Unknown |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {_cell(r.account)} | {r.jobs} | {r.failed} | {r.errored} | {r.unknown} |"
            for r in rows
        ]
        lines.append("")
    return "\n".join(lines)
