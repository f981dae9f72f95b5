"""The domain model: small frozen values that flow from sources through evaluation to reports."""

from __future__ import annotations

import enum
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime

    from checker.model_audits import AuditScope as AuditScope
    from checker.model_audits import Shard as Shard
    from checker.model_waivers import Suppression as Suppression
    from checker.model_waivers import Waiver as Waiver
    from checker.model_waivers import WaiverStatus as WaiverStatus

# The policies a run is judged by when none is named.
DEFAULT_POLICIES = ("builtin:baseline",)

# The kind of a job launched by a Task state of a Step Functions state machine.
STATE_MACHINE_KIND = "step-functions"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class FindingStatus(enum.Enum):
    VIOLATED = "violated"
    # The rule could not decide: a value it reads is unknown (Terraform) or unresolved
    # (a template placeholder). Reported at note level; never fails a run.
    UNKNOWN = "unknown"


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"  # violations found, every one of them waived or in the baseline
    ERRORED = "errored"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a job (or a rule) came from: a file and line, or a region and ARN."""

    path: str | None = None
    line: int = 1
    index: int | None = None  # position of the job within a multi-job file
    region: str | None = None
    arn: str | None = None
    account: str | None = None  # a live scope's account, when known (an errored scope's)

    def describe(self) -> str:
        if self.path is not None:
            return f"{self.path}:{self.line}"
        if self.arn is not None:
            return self.arn
        if self.region is not None and self.account is not None:
            return f"{self.region} (account {self.account})"  # an account's region
        if self.region is not None:
            return self.region  # a live job or region that could not be fetched by ARN
        return "<unknown>"


# What the reports read of a job's document once it is evaluated (findings carry their own
# values and lines): the properties below, the derived facts the JSON, HTML, SARIF and ASFF
# reports show, ASFF's creation time, deep mode's resources and guard's job status. A dotted
# path keeps one key of a section. The evidence record reads more (checker.reports.evidence).
REPORTED_PATHS = (
    "jobName",
    "jobArn",
    "status",
    "creationTime",
    "resources",
    "derived.format",
    "derived.account",
    "derived.region",
    "derived.partition",
    "derived.customizationType",
    "derived.baseModelId",
    "derived.unknown",
)
# The line map of a compact job: one shared empty mapping, not a dict per job.
NO_LINES: Mapping[str, int] = MappingProxyType({})


def _shared(value: Any, shared: dict[Any, Any]) -> Any:
    """The one copy of an equal value seen earlier in the run (strings and tuples of them, as
    accounts, regions and rule ids repeat across jobs); lists become tuples first."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = tuple(value)
    if isinstance(value, str | tuple):
        try:
            return shared.setdefault(value, value)
        except TypeError:  # a tuple holding something unhashable
            return value
    return value


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Job:
    """A customization job normalised to the GetModelCustomizationJob shape.

    ``document`` also holds the ``derived`` section (see docs/job-document.md); ``lines`` maps a
    dotted field path of ``document`` to the line it came from in the source file.
    """

    document: Mapping[str, Any]
    origin: Origin
    kind: str
    lines: Mapping[str, int] = field(default_factory=dict)
    # Terraform resource address; for a job launched by a state machine, "machine/Task state".
    resource: str | None = None

    @property
    def name(self) -> str | None:
        """The job's name, when the document holds it (not a value set at apply or run time)."""
        value = self.document.get("jobName")
        unknown = (self.document.get("derived") or {}).get("unknown") or ()
        return value if isinstance(value, str) and "jobName" not in unknown else None

    @property
    def arn(self) -> str | None:
        """The job's ARN, when the document holds a real one (not a Terraform unknown)."""
        value = self.document.get("jobArn")
        unknown = (self.document.get("derived") or {}).get("unknown") or ()
        if isinstance(value, str) and value.startswith("arn:") and "jobArn" not in unknown:
            return value
        return None

    @property
    def key(self) -> str:
        """A stable identifier: the ARN when known, else the source position and name."""
        if self.arn:
            return self.arn
        where = self.origin.path or self.origin.region or ""
        index = "" if self.origin.index is None else f"#{self.origin.index}"
        return f"{where}{index}:{self.resource or self.name or '?'}"

    @property
    def label(self) -> str:
        if self.kind == STATE_MACHINE_KIND and self.resource:
            return self.resource  # the job name is often set at run time
        return self.name or self.resource or self.arn or self.key

    def compact(
        self, paths: tuple[str, ...] = REPORTED_PATHS, shared: dict[Any, Any] | None = None
    ) -> Job:
        """The job as reports need it once its findings are made (they carry their values and
        lines): the document's ``paths`` (``section.key`` keeps one key of a section), without
        the line map. Equal strings and tuples are stored once across the jobs that pass the
        same ``shared`` dictionary."""
        shared = {} if shared is None else shared
        kept: dict[str, Any] = {}
        for path in paths:
            key, _, inner = path.partition(".")
            if key not in self.document:
                continue
            value = self.document[key]
            if not inner:
                kept[key] = _shared(value, shared)
            elif isinstance(value, Mapping):
                if inner in value:
                    section = kept.setdefault(key, {})
                    section[inner] = _shared(value[inner], shared)
            else:
                kept[key] = value
        return replace(self, document=kept, lines=NO_LINES)

    def line_of(self, path: str) -> int:
        """The line of ``path``, or of its nearest ancestor present in the source, or the job's."""
        parts = path.split(".") if path else []
        while parts:
            line = self.lines.get(".".join(parts))
            if line is not None:
                return line
            parts.pop()
        return self.origin.line


@dataclass(frozen=True)
class LoadError:
    """A file or job that could not be read or fetched: an error result in every report."""

    origin: Origin
    message: str

    @property
    def key(self) -> str:
        if self.origin.arn:
            return self.origin.arn
        if self.origin.account and self.origin.region:
            return f"{self.origin.account}:{self.origin.region}"  # a scope of an audit
        index = "" if self.origin.index is None else f"#{self.origin.index}"
        return f"{self.origin.path or self.origin.region or '?'}{index}"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    description: str
    severity: Severity
    schema: Mapping[str, Any]
    pack: str
    remediation: str = ""
    tags: tuple[str, ...] = ()
    when: Mapping[str, Any] | None = None
    origin: Origin = Origin()
    help_uri: str | None = None
    # Controls the rule supports, by framework name (checker/frameworks.py).
    controls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: Rule
    status: FindingStatus
    path: str  # dotted field path in the normalised document; "" for the whole job
    message: str
    value: Any
    line: int
    suppression: Suppression | None = None

    @property
    def severity(self) -> Severity:
        return self.rule.severity if self.status is FindingStatus.VIOLATED else Severity.NOTE

    @property
    def counts(self) -> bool:
        """A violation that is neither waived nor baselined."""
        return self.status is FindingStatus.VIOLATED and self.suppression is None


@dataclass(frozen=True, slots=True)
class JobResult:
    """Everything known about one job asked for: evaluated (with findings) or errored."""

    job: Job | None
    error: LoadError | None = None
    findings: tuple[Finding, ...] = ()
    checked: tuple[str, ...] = ()  # ids of the rules that applied to the job

    @property
    def outcome(self) -> Outcome:
        if self.error is not None:
            return Outcome.ERRORED
        if any(f.counts for f in self.findings):
            return Outcome.FAILED
        if any(f.status is FindingStatus.VIOLATED for f in self.findings):
            return Outcome.WAIVED
        return Outcome.PASSED

    @property
    def label(self) -> str:
        if self.job is not None:
            return self.job.label
        return self.origin.arn or self.origin.path or self.key

    @property
    def key(self) -> str:
        if self.job is not None:
            return self.job.key
        assert self.error is not None
        return self.error.key

    @property
    def origin(self) -> Origin:
        if self.job is not None:
            return self.job.origin
        assert self.error is not None
        return self.error.origin


def job_identity(result: JobResult) -> str:
    """The job's identity across runs: its ARN, else its file, position and name (no line)."""
    job = result.job
    if job is not None and job.arn:
        return job.arn
    origin = result.origin
    index = "" if origin.index is None else f"#{origin.index}"
    name = (job.resource or job.name) if job is not None else None
    return f"{origin.path or origin.arn or ''}{index}:{name or ''}"


def fingerprint(result: JobResult, finding: Finding) -> str:
    """Stable identity of a finding across runs: the job, the rule and the field, not the line."""
    text = f"{finding.rule.id}|{job_identity(result)}|{finding.path}"
    import hashlib  # imported here: most runs write no fingerprint

    # surrogateescape: a file name that is not UTF-8 keeps its own bytes, and its own identity.
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


@dataclass(frozen=True)
class Report:
    results: tuple[JobResult, ...]
    rules: tuple[Rule, ...]
    fail_on: Severity | None = Severity.ERROR
    skipped_files: tuple[str, ...] = ()
    policy_sources: tuple[str, ...] = ()
    waivers: tuple[WaiverStatus, ...] = ()
    baseline_gone: int | None = None  # baselined findings no longer present (None: no baseline)
    mode: str = "files"  # "files" or "live", for SARIF categories
    scope: tuple[str, ...] = ()  # what a live scan was asked to cover: accounts, regions
    policy_digests: Mapping[str, str] = field(default_factory=dict)  # source -> "sha256:..."
    started: datetime.datetime | None = None  # when the run began (UTC)
    scopes: tuple[AuditScope, ...] = ()  # the (account, region) scopes a live scan covered
    shard: Shard | None = None
    baseline_known: int | None = None  # fingerprints in the baseline (None: no baseline)

    def findings(self) -> list[tuple[JobResult, Finding]]:
        return [(result, finding) for result in self.results for finding in result.findings]

    def failing(self) -> list[Finding]:
        """Unsuppressed violations at or above the fail threshold; unknowns never fail a run."""
        if self.fail_on is None:
            return []
        threshold = self.fail_on.rank
        return [f for _, f in self.findings() if f.counts and f.severity.rank >= threshold]

    def not_applicable(self, result: JobResult) -> tuple[str, ...]:
        """The loaded rules that did not apply to this job (their ``when`` excludes it): not
        checked, as opposed to checked and passed. None for a job that could not be read."""
        if result.job is None:
            return ()
        checked = set(result.checked)
        return tuple(rule.id for rule in self.rules if rule.id not in checked)

    def summary(self) -> dict[str, Any]:
        """The counts every format reports, computed in one place so that they always agree."""
        outcomes = {o.value: 0 for o in Outcome}
        for result in self.results:
            outcomes[result.outcome.value] += 1
        by_severity = {s.value: 0 for s in Severity}
        unknown = waived = baselined = 0
        for _, finding in self.findings():
            if finding.status is FindingStatus.UNKNOWN:
                unknown += 1
            elif finding.suppression is None:
                by_severity[finding.rule.severity.value] += 1
            elif finding.suppression.kind == "waiver":
                waived += 1
            else:
                baselined += 1
        return {
            "jobs": len(self.results),
            **outcomes,
            "findings": sum(by_severity.values()),
            "bySeverity": by_severity,
            "unknown": unknown,
            "notApplicable": sum(len(self.not_applicable(r)) for r in self.results),
            "waivedFindings": waived,
            "baselinedFindings": baselined,
            "failing": len(self.failing()),
            "skippedFiles": len(self.skipped_files),
        }

    @property
    def exit_code(self) -> int:
        """3 when some job could not be read, else 1 when a finding fails the run, else 0."""
        if any(r.error is not None for r in self.results):
            return 3
        return 1 if self.failing() else 0


# The records of audits and waivers, which a one-file check without waivers never makes, are
# defined in modules of their own, imported when one of them is first named: making a frozen
# dataclass costs some 0.4 ms (Python compiles its methods), a third of this module's import.
_ELSEWHERE = {
    "AuditScope": "checker.model_audits",
    "Shard": "checker.model_audits",
    "Suppression": "checker.model_waivers",
    "Waiver": "checker.model_waivers",
    "WaiverStatus": "checker.model_waivers",
}


def __getattr__(name: str) -> Any:
    if name not in _ELSEWHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_ELSEWHERE[name]), name)
