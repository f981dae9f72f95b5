"""The evidence record: one JSON document per job, plus a SHA-256 manifest of them all.

Each document says what the job was trained on and under which controls: its data locations,
models, hyperparameters and metrics, the policies and their digests, every rule's outcome, the
waivers that applied, and the tool's version. ``documents`` is pure (report in, file names and
texts out); the CLI writes them, each atomically, into the evidence folder.

File names are made from the job's label, reduced to letters, digits, ``.``, ``_`` and ``-``,
and end with a digest of where the job came from: whatever a job is called (``../``, ``/``, NUL,
thousands of characters), its file lies directly inside the folder, and no two jobs share one.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from checker import __version__
from checker.model import FindingStatus, JobResult, Report, Rule, job_identity
from checker.reports.options import EVIDENCE_FIELDS, RenderOptions

EVIDENCE_VERSION = 1
# What the record reads of a job's document beyond checker.model.REPORTED_PATHS: a run that
# writes it keeps these of each job once the job is evaluated.
READS = (
    *EVIDENCE_FIELDS,
    "derived.baseModelFamily",
    "derived.teacherModelId",
    "derived.dataUris",
)
MANIFEST = "SHA256SUMS"
INDEX = "index.json"
_NAME_LIMIT = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def policy_digests(
    sources: Iterable[str], known: Mapping[str, str] | None = None
) -> tuple[tuple[str, str], ...]:
    """(policy source, SHA-256 of its bytes) for each policy file or built-in pack of a run.

    ``known`` holds the digests taken when the policies were read (``Report.policy_digests``,
    ``sha256:HEX``): those are used, so that `merge` needs none of the files.
    """
    from checker import packs

    digests = []
    for source in sources:
        if known and known.get(source, "").startswith("sha256:"):
            digests.append((source, known[source].removeprefix("sha256:")))
            continue
        if source.startswith("builtin:"):
            path = packs.builtin_path(source.removeprefix("builtin:"))
        else:
            path = Path(source)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = ""  # read when the run started; gone since: the record says so
        digests.append((source, digest))
    return tuple(digests)


def file_name(result: JobResult) -> str:
    """A safe, stable file name for the job's document (see the module's docstring)."""
    origin = result.origin
    where = f"{job_identity(result)}\n{origin.path}\n{origin.index}\n{origin.region}"
    digest = hashlib.sha256(where.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    stem = _UNSAFE.sub("_", result.label).strip("._-")[:_NAME_LIMIT] or "job"
    return f"{stem}-{digest}.json"


def _rule_outcome(rule: Rule, result: JobResult) -> dict[str, Any]:
    findings = [f for f in result.findings if f.rule.id == rule.id]
    if rule.id not in result.checked:
        outcome = "not-applicable"
    elif any(f.counts for f in findings):
        outcome = "violated"
    elif any(f.suppression is not None for f in findings):
        kinds = {f.suppression.kind for f in findings if f.suppression is not None}
        outcome = "waived" if "waiver" in kinds else "baselined"
    elif any(f.status is FindingStatus.UNKNOWN for f in findings):
        outcome = "unknown"
    else:
        outcome = "passed"
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.value,
        "pack": rule.pack,
        "outcome": outcome,
        "findings": [
            {
                "status": f.status.value,
                "path": f.path,
                "line": f.line,
                "message": f.message,
                "value": f.value,
                "suppression": None
                if f.suppression is None
                else {"kind": f.suppression.kind, "justification": f.suppression.justification},
            }
            for f in findings
        ],
    }


def _waivers(result: JobResult) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for finding in result.findings:
        waiver = finding.suppression.waiver if finding.suppression else None
        if waiver is None:
            continue
        entry = seen.setdefault(
            id(waiver),
            {
                "rule": waiver.rule,
                "reason": waiver.reason,
                "expires": waiver.expires.isoformat(),
                "approvedBy": waiver.approved_by,
                "source": waiver.origin.describe(),
                "waivedRules": [],
            },
        )
        if finding.rule.id not in entry["waivedRules"]:
            entry["waivedRules"].append(finding.rule.id)
    return list(seen.values())


def _mapping(value: Any) -> Mapping[str, Any]:
    """The value when it is a mapping, else an empty one: a document's fields can be anything."""
    return value if isinstance(value, Mapping) else {}


def _models(document: Mapping[str, Any], derived: Mapping[str, Any]) -> dict[str, Any]:
    config = _mapping(document.get("customizationConfig"))
    teacher = _mapping(_mapping(config.get("distillationConfig")).get("teacherModelConfig"))
    return {
        "base": {
            "identifier": document.get("baseModelArn"),
            "id": derived.get("baseModelId"),
            "family": derived.get("baseModelFamily"),
        },
        "teacher": None
        if not teacher
        else {
            "identifier": teacher.get("teacherModelIdentifier"),
            "id": derived.get("teacherModelId"),
            "maxResponseLengthForInference": teacher.get("maxResponseLengthForInference"),
        },
        "output": {
            "name": document.get("outputModelName") or document.get("customModelName"),
            "arn": document.get("outputModelArn"),
            "kmsKey": document.get("outputModelKmsKeyArn"),
        },
    }


def _data_locations(
    derived: Mapping[str, Any], resources: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each S3 location the job reads or writes, with its role and the field that names it,
    and with --deep the object versions it held when the job was created."""
    versions = {
        (str(found.get("role")), str(found.get("uri"))): found
        for found in resources.get("dataObjects") or ()
        if isinstance(found, Mapping) and "objects" in found
    }
    locations = []
    for entry in derived.get("dataUris") or ():
        if not isinstance(entry, Mapping):
            continue
        # A job's own values can be anything (a list for a URI): only a URI read is matched.
        uri = entry.get("uri")
        read = versions.get((str(entry.get("role")), uri)) if isinstance(uri, str) else None
        locations.append(
            {
                "role": entry.get("role"),
                "uri": entry.get("uri"),
                "bucket": entry.get("bucket"),
                "key": entry.get("key"),
                "field": entry.get("path"),
                "objectVersions": None
                if read is None
                else {key: read.get(key) for key in ("asOf", "objects", "truncated")},
            }
        )
    return locations


def _job_document(
    result: JobResult, report: Report, options: RenderOptions, generated_at: str
) -> dict[str, Any]:
    job = result.job
    document: Mapping[str, Any] = job.document if job else {}
    derived = _mapping(document.get("derived"))
    resources = _mapping(document.get("resources"))
    digests = dict(options.policy_digests)
    return {
        "evidenceVersion": EVIDENCE_VERSION,
        "tool": {"name": "bedrock-checker", "version": __version__},
        "generatedAt": generated_at,
        "job": {
            "identity": job_identity(result),
            "name": job.name if job else None,
            "arn": (job.arn if job else None) or result.origin.arn,
            "terraformAddress": job.resource if job else None,
            "source": {
                "path": result.origin.path,
                "line": result.origin.line if result.origin.path is not None else None,
                "index": result.origin.index,
                "region": result.origin.region,
            },
            "format": job.kind if job else None,
            "account": derived.get("account"),
            "region": derived.get("region"),
            "status": document.get("status"),
            "customizationType": derived.get("customizationType"),
            "creationTime": document.get("creationTime"),
            "outcome": result.outcome.value,
            "error": result.error.message if result.error else None,
        },
        "dataLocations": _data_locations(derived, resources),
        "models": _models(document, derived) if job else None,
        "hyperParameters": document.get("hyperParameters"),
        "metrics": {
            "training": document.get("trainingMetrics"),
            "validation": document.get("validationMetrics"),
        },
        "network": document.get("vpcConfig"),
        "roleArn": document.get("roleArn"),
        # What deep mode read from AWS about the job's resources (absent without --deep).
        "resources": resources or None,
        "unknown": list(derived.get("unknown") or ()),
        "policies": [
            {"source": source, "sha256": digests.get(source) or None}
            for source in report.policy_sources
        ],
        "rules": [_rule_outcome(rule, result) for rule in report.rules],
        "waivers": _waivers(result),
    }


def _dump(value: Any) -> str:
    # ASCII: a lone surrogate in a job's text stays an escape, and the file is valid UTF-8.
    return json.dumps(value, indent=2, default=str) + "\n"


def documents(report: Report, options: RenderOptions) -> dict[str, str]:
    """File name to text: one document per job, ``index.json``, and the ``SHA256SUMS`` manifest.

    The manifest has one ``DIGEST  NAME`` line per other file, sorted by name, as
    ``sha256sum`` writes them, so ``sha256sum -c SHA256SUMS`` checks the folder.
    """
    moment = options.generated_at or datetime.datetime.now(datetime.UTC)
    generated_at = moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    files: dict[str, str] = {}
    index = []
    for result in report.results:
        name = file_name(result)
        stem, number = name.removesuffix(".json"), 2
        while name in files:  # the same job named twice: each keeps a document
            name, number = f"{stem}-{number}.json", number + 1
        files[name] = _dump(_job_document(result, report, options, generated_at))
        index.append(
            {
                "file": name,
                "job": result.label,
                "identity": job_identity(result),
                "outcome": result.outcome.value,
            }
        )
    files[INDEX] = _dump(
        {
            "evidenceVersion": EVIDENCE_VERSION,
            "tool": {"name": "bedrock-checker", "version": __version__},
            "generatedAt": generated_at,
            "policies": [{"source": s, "sha256": d or None} for s, d in options.policy_digests]
            or [{"source": s, "sha256": None} for s in report.policy_sources],
            "summary": report.summary(),
            "jobs": index,
        }
    )
    manifest = "".join(
        f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}  {name}\n"
        for name, text in sorted(files.items())
    )
    files[MANIFEST] = manifest
    return files
