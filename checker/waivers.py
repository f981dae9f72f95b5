"""Waivers (accepted risks with a reason and an expiry) and baselines (accepted findings).

Both mark violations as suppressed: the findings stay in every report, with their
justification, but no longer fail the run. Pure functions except the two loaders.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import functools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cerberus import Validator

from checker.errors import CheckerError
from checker.file_kinds import wrong_kind
from checker.model import Finding, FindingStatus, JobResult, Origin, Report, fingerprint
from checker.policy import read_checked_yaml

if TYPE_CHECKING:
    # Imported where they are made: a run without waivers or a baseline does without them.
    from checker.model_waivers import Waiver, WaiverStatus

_GLOBS = {"type": "list", "schema": {"type": "string", "empty": False}}
_WAIVERS_SCHEMA: dict[str, Any] = {
    "version": {"type": "integer", "allowed": [1]},
    "waivers": {
        "type": "list",
        "required": True,
        "schema": {
            "type": "dict",
            "schema": {
                "rule": {"type": "string", "required": True, "empty": False},
                "jobs": _GLOBS,
                "files": _GLOBS,
                # one glob or a list of them: the job's file must match one (narrows the waiver)
                "path": {
                    "type": ["string", "list"],
                    "empty": False,
                    "schema": {"type": "string", "empty": False},
                },
                "reason": {"type": "string", "required": True, "regex": r"(?s)\s*\S.*"},
                "expires": {"type": ["date", "string"], "required": True},
                "approved_by": {"type": "string"},
            },
        },
    },
}
BASELINE_VERSION = 1


@functools.cache
def _waivers_validator() -> Validator:
    return Validator(_WAIVERS_SCHEMA)


def load_waivers(paths: Iterable[str]) -> tuple[Waiver, ...]:
    """Read and validate waiver files; any problem is a CheckerError naming file and line."""
    waivers: list[Waiver] = []
    for shown in paths:
        from checker.model_waivers import Waiver

        data, lines = read_checked_yaml(Path(shown), shown, "waivers", _waivers_validator())
        for index, raw in enumerate(data["waivers"]):
            line = lines.get(f"waivers.{index}", 1)
            label = f"{shown}:{line}: waiver #{index + 1} ({raw['rule']})"
            if not raw.get("jobs") and not raw.get("files") and not raw.get("path"):
                raise CheckerError(
                    f"{label}: give 'jobs', 'files' or 'path' (use ['*'] for all jobs)"
                )
            paths = raw.get("path") or ()
            expires = raw["expires"]
            if isinstance(expires, str):
                try:
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", expires):
                        raise ValueError(expires)
                    expires = datetime.date.fromisoformat(expires)
                except ValueError as exc:
                    where = lines.get(f"waivers.{index}.expires", line)
                    raise CheckerError(
                        f"{shown}:{where}: waiver #{index + 1} ({raw['rule']}): expires: "
                        f"'{expires}' is not a date (YYYY-MM-DD)"
                    ) from exc
            waivers.append(
                Waiver(
                    rule=raw["rule"],
                    reason=raw["reason"].strip(),
                    expires=expires,
                    jobs=tuple(raw.get("jobs") or ()),
                    files=tuple(raw.get("files") or ()),
                    paths=(paths,) if isinstance(paths, str) else tuple(paths),
                    approved_by=raw.get("approved_by"),
                    origin=Origin(path=shown, line=line),
                )
            )
    return tuple(waivers)


def waiver_matches(waiver: Waiver, result: JobResult, finding: Finding) -> bool:
    if not fnmatch.fnmatchcase(finding.rule.id, waiver.rule):
        return False
    path = result.origin.path
    if waiver.paths and not (path and any(fnmatch.fnmatchcase(path, p) for p in waiver.paths)):
        return False  # outside the reviewed location (a live job has no file: never matched)
    if not waiver.jobs and not waiver.files:
        return True  # scoped by path alone
    job = result.job
    names = [n for n in (job.name, job.arn, job.resource, job.key) if n] if job else []
    if waiver.jobs and any(fnmatch.fnmatchcase(n, p) for n in names for p in waiver.jobs):
        return True
    return bool(path and any(fnmatch.fnmatchcase(path, p) for p in waiver.files))


def waiver_note(waiver: Waiver) -> str:
    """The justification a finding set aside by this waiver carries in every report."""
    note = f"waived until {waiver.expires.isoformat()}: {waiver.reason}"
    if waiver.approved_by:
        note += f" (approved by {waiver.approved_by})"
    return note


def apply_waivers(
    results: Sequence[JobResult], waivers: Sequence[Waiver], today: datetime.date
) -> tuple[list[JobResult], tuple[WaiverStatus, ...]]:
    """Suppress violations covered by an unexpired waiver; say which waivers matched nothing."""
    matched = [0] * len(waivers)
    out: list[JobResult] = []
    for result in results:
        findings = []
        for finding in result.findings:
            if finding.status is FindingStatus.VIOLATED and finding.suppression is None:
                for index, waiver in enumerate(waivers):
                    if waiver.expires < today or not waiver_matches(waiver, result, finding):
                        continue
                    matched[index] += 1
                    from checker.model_waivers import Suppression

                    suppression = Suppression("waiver", waiver_note(waiver), waiver)
                    finding = dataclasses.replace(finding, suppression=suppression)
                    break
            findings.append(finding)
        out.append(dataclasses.replace(result, findings=tuple(findings)))
    if not waivers:
        return out, ()
    from checker.model_waivers import WaiverStatus

    statuses = tuple(
        WaiverStatus(
            waiver,
            "expired" if waiver.expires < today else ("active" if count else "stale"),
            count,
        )
        for waiver, count in zip(waivers, matched, strict=True)
    )
    return out, statuses


def load_baseline(path: str) -> set[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckerError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except RecursionError as exc:
        raise CheckerError(f"{path}: not a baseline file: nested too deep") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        problem = str(exc)
        if "integer string conversion" in problem:  # Python's 4,300-digit limit
            problem = "a number too long (more than 4,300 digits)"
        hint = _other_kind(path)
        raise CheckerError(f"{path}: {hint or f'not a baseline file: {problem}'}") from exc
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("version") != BASELINE_VERSION:
        hint = wrong_kind(data, "baseline")
        raise CheckerError(
            f"{path}: {hint or f'not a bedrock-checker baseline (version {BASELINE_VERSION})'}"
        )
    return {str(e.get("fingerprint")) for e in entries if isinstance(e, dict)}


def _other_kind(path: str) -> str | None:
    """What a YAML file given as --baseline is instead (a policy, waivers), if it says."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError, yaml.YAMLError):  # ValueError: huge integers
        return None
    return wrong_kind(data, "baseline")


def apply_baseline(results: Sequence[JobResult], known: set[str]) -> tuple[list[JobResult], int]:
    """Suppress violations already in the baseline; count baselined findings that are gone."""
    seen: set[str] = set()
    out: list[JobResult] = []
    for result in results:
        findings = []
        for finding in result.findings:
            if finding.status is FindingStatus.VIOLATED and finding.suppression is None:
                key = fingerprint(result, finding)
                if key in known:
                    seen.add(key)
                    from checker.model_waivers import Suppression

                    suppression = Suppression("baseline", "accepted in the baseline")
                    finding = dataclasses.replace(finding, suppression=suppression)
            findings.append(finding)
        out.append(dataclasses.replace(result, findings=tuple(findings)))
    return out, len(known - seen)


def render_baseline(report: Report) -> str:
    """Today's violations by fingerprint, for --create-baseline (waived ones are left out)."""
    entries = [
        {
            "fingerprint": fingerprint(result, finding),
            "ruleId": finding.rule.id,
            "job": result.key,
            "path": finding.path,
        }
        for result, finding in report.findings()
        if finding.status is FindingStatus.VIOLATED
        and (finding.suppression is None or finding.suppression.kind == "baseline")
    ]
    entries.sort(key=lambda e: (e["job"], e["ruleId"], e["path"]))
    document = {"version": BASELINE_VERSION, "tool": "bedrock-checker", "findings": entries}
    return json.dumps(document, indent=2) + "\n"
