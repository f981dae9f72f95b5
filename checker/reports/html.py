"""A self-contained HTML report: one file, readable on screen and printed, with no fetch at all.

Style and script are inline and allowed by hash in a strict Content-Security-Policy; every piece
of data goes through ``_text`` (HTML-escaped, with control and bidirectional-override characters
shown as ``\\uXXXX`` so that they can neither break the markup nor reorder what a reader sees).
The job table's filters only hide rows: with JavaScript off, everything is shown.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from checker import __version__
from checker.controls import ControlSummary, summarize
from checker.model import Finding, FindingStatus, JobResult, Outcome, Report, Rule
from checker.reports.html_assets import CONTENT_SECURITY_POLICY, SCRIPT, STYLE
from checker.reports.options import RenderOptions

# C0/C1 controls (not tab, newline or carriage return), bidirectional marks, overrides and
# isolates, line/paragraph separators, BOM, lone surrogates and non-characters.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]"
)
_NONE = '<span class="muted">-</span>'


def _text(value: object) -> str:
    """Data as HTML text or attribute value: escaped, unsafe characters made visible."""
    raw = value if isinstance(value, str) else str(value)
    return html.escape(_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw), quote=True)


def _or_none(value: object) -> str:
    return _NONE if value is None or value == "" else _text(value)


def _link(url: str | None, label: str) -> str:
    """A link only to an http(s) URL; anything else (javascript:, data:) stays plain text."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return f'<a href="{_text(url)}" rel="noopener noreferrer">{_text(label)}</a>'
    return _text(label)


def _status(value: str) -> str:
    return f'<span class="status s-{_text(value)}">{_text(value)}</span>'


def _table(
    headers: Iterable[str], rows: Iterable[str], numeric: Iterable[int] = (), css: str = ""
) -> str:
    right = set(numeric)
    head = "".join(
        f'<th scope="col"{" class=num" if i in right else ""}>{_text(h)}</th>'
        for i, h in enumerate(headers)
    )
    opening = f'<table class="{css}">' if css else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _facts(pairs: Iterable[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{_text(k)}</dt><dd>{v}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def _derived(result: JobResult, key: str) -> str | None:
    if result.job is None:
        return result.origin.region if key == "region" else None
    value = (result.job.document.get("derived") or {}).get(key)
    if value is None and key == "region":
        return result.origin.region
    return value if isinstance(value, str) else None


def _label(finding: Finding) -> str:
    return finding.severity.value if finding.status is FindingStatus.VIOLATED else "unknown"


# --- sections -----------------------------------------------------------------------------

_SUMMARY_ROWS = (
    ("jobs", "Jobs checked"),
    ("passed", "Passed"),
    ("failed", "Failed"),
    ("waived", "Waived (every violation waived or baselined)"),
    ("errored", "Errored (could not be read or evaluated)"),
    ("findings", "Findings (violations not waived or baselined)"),
    ("error", "... of severity error"),
    ("warning", "... of severity warning"),
    ("note", "... of severity note"),
    ("unknown", "Unknown (the rule could not decide)"),
    ("notApplicable", "Not applicable (job and rule pairs the rule does not apply to)"),
    ("waivedFindings", "Waived findings"),
    ("baselinedFindings", "Baselined findings"),
    ("failing", "Findings at or above the fail threshold"),
    ("skippedFiles", "Files passed over (not job documents)"),
)


def _summary(report: Report) -> str:
    counts = report.summary()
    flat = {**counts, **counts["bySeverity"]}
    rows = [
        f'<tr><th scope="row">{_text(label)}</th>'
        f'<td class="num" data-count="{key}">{flat[key]}</td></tr>'
        for key, label in _SUMMARY_ROWS
    ]
    table = _table(["", "Count"], rows, [1], "compact")
    return f'<section id="summary"><h2>Summary</h2>{table}</section>'


def _overview(report: Report) -> str:
    groups: dict[tuple[str, str], Counter[str]] = {}
    for result in report.results:
        where = (_derived(result, "account") or "", _derived(result, "region") or "")
        counter = groups.setdefault(where, Counter())
        counter["jobs"] += 1
        counter[result.outcome.value] += 1
        counter["findings"] += sum(1 for f in result.findings if f.counts)
        counter["unknown"] += sum(1 for f in result.findings if f.status is FindingStatus.UNKNOWN)
    columns = ("jobs", "passed", "failed", "waived", "errored", "findings", "unknown")
    rows = [
        f"<tr><td>{_or_none(account)}</td><td>{_or_none(region)}</td>"
        + "".join(f'<td class="num">{counter[c]}</td>' for c in columns)
        + "</tr>"
        for (account, region), counter in sorted(groups.items())
    ]
    headers = ["Account", "Region", "Jobs", "Passed", "Failed", "Waived", "Errored", "Findings"]
    return (
        '<section id="overview"><h2>By account and region</h2>'
        + _table([*headers, "Unknown"], rows, range(2, 9))
        + "</section>"
    )


def _controls(summary: ControlSummary) -> str:
    counts = summary.counts()
    line = (
        f"{counts['controls']} controls: {counts['failing']} failing, {counts['unknown']} "
        f"unknown, {counts['waived']} waived, {counts['passing']} passing, "
        f"{counts['not-evaluated']} not evaluated."
    )
    rows = []
    for control in summary.controls:
        groups = (control.failing, control.unknown, control.waived, control.passing)
        cells = "".join(f"<td>{_text(', '.join(g)) or _NONE}</td>" for g in groups)
        rows.append(
            f'<tr class="control-row" data-status="{_text(control.status)}">'
            f'<td class="mono">{_text(control.control)}</td><td>{_status(control.status)}</td>'
            f"{cells}<td>{_text(', '.join(control.not_evaluated)) or _NONE}</td>"
            f'<td class="num">{control.failing_jobs}</td></tr>'
        )
    headers = ["Control", "Status", "Failing rules", "Unknown", "Waived", "Passing"]
    unmapped = ""
    if summary.unmapped_rules:
        unmapped = (
            f"<p>Rules with no control in this framework: "
            f"{_text(', '.join(summary.unmapped_rules))}.</p>"
        )
    return (
        f'<section id="controls"><h2>Controls: {_text(summary.framework.title)} '
        f"(<code>{_text(summary.framework.name)}</code>)</h2><p>{_text(line)}</p>"
        + _table([*headers, "Not evaluated", "Jobs failing"], rows, [7])
        + unmapped
        + "</section>"
    )


def _select(name: str, label: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{_text(v)}">{_text(v)}</option>' for v in values)
    return (
        f'<label>{_text(label)}<select name="{name}"><option value="">all</option>{options}'
        "</select></label>"
    )


def _job_rows(report: Report) -> str:
    rule_ids = sorted({f.rule.id for _, f in report.findings()})
    accounts = sorted({a for r in report.results if (a := _derived(r, "account"))})
    total = len(report.results)
    form = (
        '<form id="filters" class="filters" hidden>'
        + _select("outcome", "Status", [o.value for o in Outcome])
        + _select("rules", "Rule", rule_ids)
        + _select("severities", "Severity", ["error", "warning", "note", "unknown"])
        + _select("account", "Account", accounts)
        + '<button type="reset">Show all</button>'
        + f'<p>Showing <strong id="shown-count">{total}</strong> of {total} jobs.</p></form>'
    )
    rows = []
    for index, result in enumerate(report.results, 1):
        active = [f for f in result.findings if f.suppression is None]
        labels = Counter(_label(f) for f in active)
        rules = sorted({f.rule.id for f in result.findings})
        waived = sum(1 for f in result.findings if f.suppression is not None)
        account = _derived(result, "account") or ""
        rows.append(
            f'<tr class="job-row" data-detail="job-{index}" '
            f'data-outcome="{result.outcome.value}" data-rules="{_text(" ".join(rules))}" '
            f'data-severities="{" ".join(sorted(labels))}" data-account="{_text(account)}">'
            f'<td class="num">{index}</td><td><a href="#job-{index}">{_text(result.label)}</a></td>'
            f'<td class="mono">{_text(result.origin.describe())}</td><td>{_or_none(account)}</td>'
            f"<td>{_or_none(_derived(result, 'region'))}</td>"
            f"<td>{_status(result.outcome.value)}</td>"
            + "".join(
                f'<td class="num">{labels[s]}</td>' for s in ("error", "warning", "note", "unknown")
            )
            + f'<td class="num">{waived}</td><td>{_text(" ".join(rules)) or _NONE}</td></tr>'
        )
    headers = ["#", "Job", "Source", "Account", "Region", "Status", "Errors", "Warnings"]
    return (
        '<section id="jobs"><h2>Jobs</h2>'
        + form
        + _table([*headers, "Notes", "Unknown", "Waived", "Rules"], rows, [0, 6, 7, 8, 9, 10])
        + "</section>"
    )


def _finding_row(finding: Finding) -> str:
    rule = finding.rule
    suppression = finding.suppression
    waived = _NONE
    if suppression is not None:
        waived = f"{_status(suppression.kind)}: {_text(suppression.justification)}"
        if suppression.waiver is not None:
            waived += f" (expires {_text(suppression.waiver.expires.isoformat())})"
    value = _NONE if finding.value in ("None", "", None) else _text(finding.value)
    return (
        f'<tr class="finding-row" data-rule="{_text(rule.id)}" data-status="{finding.status.value}"'
        f' data-suppressed="{suppression.kind if suppression else ""}">'
        f"<td>{_link(rule.help_uri, rule.id)}<br>{_text(rule.title)}</td>"
        f"<td>{_status(_label(finding))}</td>"
        f'<td class="mono">{_or_none(finding.path)}</td><td class="num">{finding.line}</td>'
        f'<td class="mono">{value}</td><td>{_text(finding.message)}</td>'
        f"<td>{_or_none(rule.remediation)}</td><td>{waived}</td></tr>"
    )


def _job_detail(index: int, result: JobResult, not_applicable: tuple[str, ...]) -> str:
    job = result.job
    facts = [
        ("Status", _status(result.outcome.value)),
        ("Source", f'<span class="mono">{_text(result.origin.describe())}</span>'),
        ("Key", f'<span class="mono">{_text(result.key)}</span>'),
    ]
    if job is not None:
        derived: Mapping[str, Any] = job.document.get("derived") or {}
        facts += [
            ("Job name", _or_none(job.name)),
            ("ARN", _or_none(job.arn)),
            ("Terraform resource", _or_none(job.resource)),
            ("Document format", _text(job.kind)),
            ("Account", _or_none(derived.get("account"))),
            ("Region", _or_none(derived.get("region"))),
            ("Customization type", _or_none(derived.get("customizationType"))),
            ("Base model", _or_none(derived.get("baseModelId"))),
            ("Rules applied", _text(", ".join(result.checked)) or _NONE),
            ("Rules not applicable", _text(", ".join(not_applicable)) or _NONE),
        ]
    parts = [
        f'<section class="job" id="job-{index}"><h3>{index}. {_text(result.label)}</h3>',
        _facts(facts),
    ]
    if result.error is not None:
        parts.append(f"<p><strong>Not evaluated:</strong> {_text(result.error.message)}</p>")
    if result.findings:
        headers = ["Rule", "Severity", "Field", "Line", "Value", "Finding", "Remediation"]
        parts.append(_table([*headers, "Waived"], [_finding_row(f) for f in result.findings], [3]))
    elif result.error is None:
        parts.append("<p>No finding: every rule that applied passed.</p>")
    resources = job.document.get("resources") if job is not None else None
    if resources:
        evidence = json.dumps(resources, indent=2, sort_keys=True, default=str)
        parts.append(f"<h4>Evidence: resources read from AWS</h4><pre>{_text(evidence)}</pre>")
    parts.append("</section>")
    return "".join(parts)


def _waivers(report: Report) -> str:
    if not report.waivers:
        return '<section id="waivers"><h2>Waivers</h2><p>No waivers were loaded.</p></section>'
    rows = []
    for status in report.waivers:
        waiver = status.waiver
        rows.append(
            f'<tr class="waiver-row" data-status="{_text(status.status)}">'
            f'<td class="mono">{_text(waiver.rule)}</td>'
            f"<td>{_text(', '.join(waiver.jobs)) or _NONE}</td>"
            f"<td>{_text(', '.join(waiver.files)) or _NONE}</td><td>{_text(waiver.reason)}</td>"
            f"<td>{_text(waiver.expires.isoformat())}</td><td>{_or_none(waiver.approved_by)}</td>"
            f'<td>{_status(status.status)}</td><td class="num">{status.matched}</td>'
            f'<td class="mono">{_text(waiver.origin.describe())}</td></tr>'
        )
    headers = ["Rule", "Jobs", "Files", "Reason", "Expires", "Approved by", "Status", "Matched"]
    return (
        '<section id="waivers"><h2>Waivers</h2>'
        + _table([*headers, "Defined at"], rows, [7])
        + "</section>"
    )


def _metadata(report: Report, options: RenderOptions) -> str:
    started = report.started.isoformat(timespec="seconds") if report.started else None
    facts = [
        ("Tool", f"bedrock-checker {_text(__version__)}"),
        ("Run started", _or_none(started)),
        ("Mode", _text(report.mode)),
        ("Scope", _text(", ".join(report.scope)) or _NONE),
        ("Fail on", _text(report.fail_on.value if report.fail_on else "never")),
        ("Exit code", str(report.exit_code)),
        ("Rules loaded", str(len(report.rules))),
        ("Framework", _or_none(options.framework)),
    ]
    policies = [
        f'<tr><td class="mono">{_text(source)}</td>'
        f'<td class="mono">{_or_none(report.policy_digests.get(source))}</td></tr>'
        for source in report.policy_sources
    ]
    skipped = ""
    if report.skipped_files:
        items = "".join(f'<li class="mono">{_text(p)}</li>' for p in report.skipped_files)
        skipped = f"<h3>Files passed over (not job documents)</h3><ul>{items}</ul>"
    return (
        '<section id="run"><h2>Run</h2>'
        + _facts(facts)
        + "<h3>Policies</h3>"
        + _table(["Policy", "SHA-256"], policies)
        + skipped
        + "</section>"
    )


def _rules(report: Report) -> str:
    def row(rule: Rule) -> str:
        return (
            f"<tr><td>{_link(rule.help_uri, rule.id)}</td><td>{_text(rule.title)}</td>"
            f"<td>{_status(rule.severity.value)}</td><td>{_text(rule.pack)}</td></tr>"
        )

    return (
        '<section id="rules"><h2>Rules</h2>'
        + _table(["Rule", "Title", "Severity", "Pack"], [row(r) for r in report.rules])
        + "</section>"
    )


def render(report: Report, options: RenderOptions) -> str:
    summary = report.summary()
    verdict = "fails" if report.exit_code else "passes"
    jobs = summary["jobs"]
    title = f"bedrock-checker: {jobs} job{'' if jobs == 1 else 's'} checked, run {verdict}"
    body = [
        f'<header><h1>{_text(title)}</h1><p class="verdict">Exit code {report.exit_code}. '
        f"{_text(_verdict_line(report))}</p></header>",
        _summary(report),
        _overview(report),
    ]
    if options.framework:
        body.append(_controls(summarize(report, options.framework)))
    body.append(_job_rows(report))
    body.append('<section id="details"><h2>Job details</h2>')
    body.extend(
        _job_detail(i, r, report.not_applicable(r)) for i, r in enumerate(report.results, 1)
    )
    body.append("</section>")
    body += [_waivers(report), _rules(report), _metadata(report, options)]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{STYLE}</style></head>\n<body>"
        + "\n".join(body)
        + f"<script>{SCRIPT}</script></body></html>\n"
    )


def _verdict_line(report: Report) -> str:
    if report.exit_code == 3:
        return "Some jobs could not be read or evaluated; the others are reported."
    if report.exit_code == 1:
        threshold = report.fail_on.value if report.fail_on else "never"
        return f"Findings at or above '{threshold}' fail the run."
    return "No finding at or above the fail threshold."
