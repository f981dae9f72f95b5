"""SARIF 2.1.0 for GitHub code scanning (docs/reports.md explains the choices).

GitHub rejects a whole upload if any result lacks a repository-relative file location, so a
finding with no file of its own (a job read live from AWS, or a file outside the repository) is
anchored to the line of its rule in a policy file of the repository, or else to a fixed anchor
file; the job's ARN stays in the message and in logicalLocations, and the fingerprint is the
job's own, so anchored results never collide.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checker import __version__
from checker.controls import summarize
from checker.model import (
    Finding,
    FindingStatus,
    JobResult,
    Origin,
    Report,
    Rule,
    Severity,
    fingerprint,
)
from checker.packs import DOCS_URL
from checker.reports.options import RenderOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000  # GitHub keeps at most this many results per run
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}
_TEXT_LIMIT = 1024


def _clip(text: str, limit: int = _TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tags(rule: Rule, framework: str | None) -> list[str]:
    """The rule's tags, then its controls as FRAMEWORK/CONTROL; GitHub keeps 20 tags a rule."""
    names = [framework] if framework else list(rule.controls)
    controls = [f"{name}/{control}" for name in names for control in rule.controls.get(name, ())]
    return [*rule.tags, *controls][:20]


def _rule(rule: Rule, framework: str | None) -> dict[str, Any]:
    help_uri = rule.help_uri or f"{DOCS_URL}policy-language.md"
    help_text = f"{rule.description}\n\nFix: {rule.remediation or 'see the rule documentation'}"
    help_markdown = (
        f"{rule.description}\n\n**Fix:** {rule.remediation or 'see the rule documentation'}"
        f"\n\n[{rule.id} documentation]({help_uri})"
    )
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": _clip(rule.title)},
        "fullDescription": {"text": _clip(rule.description)},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {
            # GitHub treats a rule tagged "security" as a security rule ranked by
            # security-severity; cost and promotion rules are not security rules.
            "tags": _tags(rule, framework),
            "security-severity": _SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "pack": rule.pack,
            "controls": {name: list(ids) for name, ids in rule.controls.items()},
        },
    }


def _unknown_rule(rule: Rule, framework: str | None) -> dict[str, Any]:
    """The descriptor of a rule's unknown outcome, ``ID/unknown``: GitHub ranks a result by its
    rule's security-severity, so an undecided result gets a rule of its own, at level note and
    without the security tag and score, instead of showing as High like a violation."""
    descriptor = _rule(rule, framework)
    unknown_id = f"{rule.id}/unknown"
    properties = descriptor["properties"]
    del properties["security-severity"]
    properties["tags"] = [tag for tag in properties["tags"] if tag != "security"][:19]
    properties["tags"].append("unknown")
    properties["rule"] = rule.id
    descriptor.update(
        id=unknown_id,
        name=unknown_id,
        shortDescription={"text": _clip(f"{rule.title} (could not be decided)")},
        fullDescription={
            "text": _clip(
                f"{rule.id} could not decide: a value it reads is not known (set at run time, "
                "known only after apply, a placeholder, or an AWS resource that could not be "
                f"read). {rule.description}"
            )
        },
        defaultConfiguration={"level": "note"},
    )
    return descriptor


class _Locator:
    """Repository-relative physical locations, with the anchoring rules described above."""

    def __init__(self, options: RenderOptions) -> None:
        self.root = (options.repo_root or Path.cwd()).resolve()
        self.anchor = options.sarif_anchor

    def relative(self, path: str | None) -> str | None:
        if path is None or path.startswith("<") or path.startswith("builtin:"):
            return None
        try:
            relative = (Path.cwd() / path).resolve().relative_to(self.root).as_posix()
            # An artifact URI is a URI reference: a space or '#' in a file name is escaped.
            return quote(relative, safe="/")
        except ValueError:
            return None

    def physical(self, origin: Origin, line: int, rule: Rule | None) -> tuple[dict[str, Any], bool]:
        """(physicalLocation, anchored?) for a job origin, or its rule, or the anchor file."""
        uri = self.relative(origin.path)
        anchored = uri is None
        if uri is None and rule is not None:
            uri, line = self.relative(rule.origin.path), rule.origin.line
        if uri is None:
            uri, line = self.anchor, 1
        location = {"artifactLocation": {"uri": uri}, "region": {"startLine": max(line, 1)}}
        return location, anchored


def _logical(result: JobResult) -> dict[str, Any]:
    job = result.job
    name = result.label
    qualified = (job.arn if job else None) or result.origin.arn or result.key
    return {"name": name, "fullyQualifiedName": qualified, "kind": "resource"}


def _result(
    report_result: JobResult,
    finding: Finding,
    rule_index: dict[str, int],
    locator: _Locator,
    include_suppressed: bool,
    with_baseline: bool,
) -> dict[str, Any] | None:
    if finding.suppression is not None and not include_suppressed:
        return None
    job = report_result.job
    origin = report_result.origin
    location, anchored = locator.physical(origin, finding.line, finding.rule)
    text = f"{finding.rule.title}: {finding.message}"
    if finding.status is FindingStatus.UNKNOWN:
        text = f"{finding.rule.title} (unknown): {finding.message}"
    if anchored:
        where = (job.arn if job else None) or origin.arn or origin.describe()
        text += f" [job {report_result.label}: {where}]"
    if finding.status is FindingStatus.VIOLATED and finding.value not in ("None", ""):
        text += f" (value: {finding.value})"
    key = fingerprint(report_result, finding)
    rule_id = finding.rule.id
    if finding.status is FindingStatus.UNKNOWN:
        rule_id = f"{rule_id}/unknown"
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": rule_index[rule_id],
        "level": finding.severity.value,
        "message": {"text": text},
        "locations": [
            {"physicalLocation": location, "logicalLocations": [_logical(report_result)]}
        ],
        "partialFingerprints": {"primaryLocationLineHash": key, "bedrockChecker/v1": key},
        "properties": {
            "status": finding.status.value,
            "path": finding.path,
            "rule": finding.rule.id,
        },
    }
    if with_baseline and finding.status is FindingStatus.VIOLATED:
        baselined = finding.suppression is not None and finding.suppression.kind == "baseline"
        result["baselineState"] = "unchanged" if baselined else "new"
    if finding.suppression is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": finding.suppression.justification,
            }
        ]
    return result


def _category(report: Report, options: RenderOptions) -> str:
    if options.sarif_category:
        return options.sarif_category.strip("/")
    if report.mode == "drift":
        return "bedrock-checker/drift"  # its own alerts: an upload of check's never closes them
    if report.mode != "live":
        return "bedrock-checker/files"
    # The scan's own scope (its regions, its roles' accounts) names the category; what it does
    # not name is taken from the jobs found.
    scope_accounts = sorted(p for p in report.scope if p.isdigit() and len(p) == 12)
    scope_regions = sorted(p for p in report.scope if p not in scope_accounts)
    regions = scope_regions or sorted({r.origin.region for r in report.results if r.origin.region})
    accounts = scope_accounts or sorted(
        {str(r.job.document.get("derived", {}).get("account")) for r in report.results if r.job}
        - {"None"}
    )
    return "bedrock-checker/live/" + "-".join(["+".join(accounts), "+".join(regions)]).strip("-")


def _notifications(report: Report, locator: _Locator) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for result in report.results:
        if result.error is None:
            continue
        note: dict[str, Any] = {
            "level": "error",
            "message": {"text": f"{result.origin.describe()}: {result.error.message}"},
            "descriptor": {"id": "job-not-evaluated"},
        }
        uri = locator.relative(result.origin.path)
        if uri is not None:
            note["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": result.origin.line},
                    }
                }
            ]
        notes.append(note)
    for status in report.waivers:
        if status.status == "active":
            continue
        waiver = status.waiver
        text = (
            f"{waiver.origin.describe()}: waiver for {waiver.rule} expired on "
            f"{waiver.expires.isoformat()} and no longer waives"
            if status.status == "expired"
            else f"{waiver.origin.describe()}: waiver for {waiver.rule} matches no finding (stale)"
        )
        notes.append({"level": "warning", "message": {"text": text}})
    return notes


def render(report: Report, options: RenderOptions) -> str:
    locator = _Locator(options)
    rules = list(report.rules)
    # Every loaded rule, then the unknown outcome of each rule that has one in this report.
    undecided = {
        finding.rule.id
        for _, finding in report.findings()
        if finding.status is FindingStatus.UNKNOWN
    }
    descriptors = [_rule(rule, options.framework) for rule in rules] + [
        _unknown_rule(rule, options.framework) for rule in rules if rule.id in undecided
    ]
    rule_index = {descriptor["id"]: index for index, descriptor in enumerate(descriptors)}
    with_baseline = report.baseline_gone is not None
    results = [
        r
        for job_result, finding in report.findings()
        if (
            r := _result(
                job_result,
                finding,
                rule_index,
                locator,
                options.sarif_include_suppressed,
                with_baseline,
            )
        )
        is not None
    ]
    # GitHub merges results that share a primaryLocationLineHash: a rule can report one field of
    # one job twice, and one job (ARN) can sit in several files, so number the occurrences of a
    # fingerprint as CodeQL does ("hash:1", "hash:2").
    occurrences: dict[str, int] = {}
    for sarif_result in results:
        hashes = sarif_result["partialFingerprints"]
        key = hashes["primaryLocationLineHash"]
        occurrences[key] = occurrences.get(key, 0) + 1
        hashes["primaryLocationLineHash"] = f"{key}:{occurrences[key]}"
    notifications = _notifications(report, locator)
    if len(results) > MAX_RESULTS:
        order = {"error": 0, "warning": 1, "note": 2}
        results.sort(key=lambda r: order[r["level"]])
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(results) - MAX_RESULTS} of {len(results)} results left out: "
                    f"GitHub code scanning keeps {MAX_RESULTS} results per run; see the JSON "
                    "report for all findings"
                },
            }
        )
        results = results[:MAX_RESULTS]
    summary = report.summary()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "bedrock-checker",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": DOCS_URL.rsplit("/blob/", 1)[0],
                "rules": descriptors,
            }
        },
        "automationDetails": {"id": f"{_category(report, options)}/"},
        "invocations": [
            {
                "executionSuccessful": summary["errored"] == 0,
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": results,
        "properties": {
            "summary": summary,
            "jobs": [
                {
                    "key": result.key,
                    "label": result.label,
                    "outcome": result.outcome.value,
                    "source": result.origin.describe(),
                    "notApplicableRules": list(report.not_applicable(result)),
                }
                for result in report.results
            ],
        },
    }
    if options.framework:
        run["properties"]["framework"] = summarize(report, options.framework).to_dict()
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"
