"""evaluate(items, policy) -> results: pure, no I/O.

Each rule's validator is built once (policy.py). A rule's verdict depends only on the document
paths it reads, so verdicts are cached by those values: jobs that share a vpcConfig, role or KMS
key are validated once per distinct value. A rule whose values differ from job to job (S3
locations, metrics) is soon validated without the cache, which would otherwise grow with the
jobs and slow them down. Validation runs without Cerberus normalisation (the
custom rules read numbers written as strings themselves), which is several times faster.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cerberus.errors import BasicErrorHandler, ValidationError

from checker.model import Finding, FindingStatus, Job, JobResult, LoadError, Origin
from checker.normalize import GET_RESPONSE, get_path, opaque_paths
from checker.policy import CompiledRule, Policy
from checker.precheck import Precheck
from checker.vocabulary import UNDECIDED, JobValidator

_MESSAGES = BasicErrorHandler.messages
_CACHE_LIMIT = 100_000
# After this many lookups, a rule (or its `when`) whose verdicts were found in the cache for
# fewer than one lookup in _MIN_HIT_SHARE stops being cached.
_TRIAL_LOOKUPS = 200
_MIN_HIT_SHARE = 4
_short = reprlib.Repr()
_short.maxstring = 120
_short.maxother = 120

# (path, message) for each leaf error of one validation. Values are read from each job when its
# findings are made: a cached verdict may come from another job with the same skeleton.
Errors = tuple[tuple[str, str], ...]


def _leaf_errors(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        if error.is_group_error:
            yield from _leaf_errors(error.child_errors)
        else:
            yield error


def _message(error: ValidationError) -> str:
    if error.code == 0 and error.info:  # a custom rule's own message
        return str(error.info[0])
    template = _MESSAGES.get(error.code, "{0}")
    try:
        return str(template).format(
            *error.info, constraint=error.constraint, field=error.field, value=error.value
        )
    except (IndexError, KeyError):
        return f"fails '{error.rule}'"


def _validate(validator: JobValidator, document: Any) -> Errors:
    validator.validate(document, normalize=False)
    return tuple(
        (".".join(str(p) for p in e.document_path), _message(e))
        for e in _leaf_errors(validator._errors)
    )


def _check(
    validator: JobValidator,
    precheck: Precheck | None,
    document: Mapping[str, Any],
    reads: tuple[str, ...] | None,
) -> Errors:
    """The errors of one validation: none at once when the precheck is sure of that."""
    if precheck is not None and precheck(document):
        return ()
    return _validate(validator, document if reads is None else _project(document, reads))


def _skeleton(value: Any) -> Any:
    """The value with each scalar replaced by its type: all that shape-only rules look at."""
    if isinstance(value, dict):
        return {key: _skeleton(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_skeleton(item) for item in value]
    if isinstance(value, str):
        return "str" if value else "str0"
    return type(value).__name__


def _read(document: Any, path: str) -> str:
    """A cache-key part: the value at a path, or only its type or its skeleton (see policy.py)."""
    plan = _PLANS.get(path)
    if plan is None:
        plan = _PLANS[path] = _plan(path)
    what, source = plan
    value = get_path(document, source)
    if what == "type":
        return type(value).__name__
    if what == "skeleton":
        return repr(_skeleton(value))
    return repr(value)


def _plan(path: str) -> tuple[str, str]:
    """What a read keeps of the value (all of it, its type or its skeleton), and its path."""
    for what in ("type", "skeleton"):
        if path.endswith("#" + what):
            return what, path[: -len(what) - 1]
    return "value", path


# Each path a rule reads, planned once (a policy's paths are few).
_PLANS: dict[str, tuple[str, str]] = {}


def _project(document: Mapping[str, Any], reads: tuple[str, ...]) -> dict[str, Any]:
    """The top-level fields of the job that a rule reads, in the job's order: the verdict
    depends on nothing else (the premise of the cache), and Cerberus walks every field it is
    given. ``derived`` is kept whole; the placeholders' paths listed there are kept too."""
    heads = _HEADS.get(reads)
    if heads is None:
        heads = frozenset(path.partition("#")[0].partition(".")[0] for path in reads)
        heads = _HEADS[reads] = heads | {"derived"}
    if "derived.unresolved" in reads:
        derived = document.get("derived")
        unresolved = derived.get("unresolved") if isinstance(derived, dict) else None
        if unresolved:
            heads = heads | {str(path).partition(".")[0] for path in unresolved}
    return {key: value for key, value in document.items() if key in heads}


# The top-level fields of each rule's reads (a policy's rules are few).
_HEADS: dict[tuple[str, ...], frozenset[str]] = {}


class Evaluator:
    """Evaluates jobs against one policy, caching verdicts across jobs."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._cache: dict[tuple[int, int, tuple[str, ...]], Errors] = {}
        # (rule index, which) -> [lookups, hits] during the trial; then the uncached ones.
        self._trial: dict[tuple[int, int], list[int]] = {}
        self._uncached: set[tuple[int, int]] = set()

    def _run(
        self, index: int, which: int, compiled: CompiledRule, job: Job, read: dict[str, str]
    ) -> Errors:
        validator = compiled.validator if which == 0 else compiled.when
        reads = compiled.reads if which == 0 else compiled.when_reads
        precheck = compiled.precheck if which == 0 else compiled.when_precheck
        assert validator is not None
        document = job.document
        if reads is None:
            return _check(validator, precheck, document, None)
        if (index, which) in self._uncached:
            return _check(validator, precheck, document, reads)
        # Rules share most of the paths they read: each is read once per job (``read``).
        values = [
            read[path] if path in read else read.setdefault(path, _read(document, path))
            for path in reads
        ]
        if "derived.unresolved" in reads:
            # no_placeholders reports the values held at the listed paths, not just the paths.
            unresolved = get_path(document, "derived.unresolved") or ()
            values.extend(repr(get_path(document, str(p))) for p in unresolved)
        key = (index, which, tuple(values))
        cached = self._cache.get(key)
        trial = self._trial.get((index, which))
        if (trial is None or trial[0] < _TRIAL_LOOKUPS) and not self._try_cache(
            index, which, cached is not None
        ):
            if cached is not None:
                return cached
            return _check(validator, precheck, document, reads)
        if cached is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            cached = self._cache[key] = _check(validator, precheck, document, reads)
        return cached

    def _try_cache(self, index: int, which: int, hit: bool) -> bool:
        """Count a lookup of the trial; at its end, stop caching a rule that seldom hits.
        False when the rule is no longer cached."""
        counts = self._trial.setdefault((index, which), [0, 0])
        counts[0] += 1
        counts[1] += hit
        if counts[0] == _TRIAL_LOOKUPS and counts[1] * _MIN_HIT_SHARE < counts[0]:
            self._uncached.add((index, which))
            self._cache = {k: v for k, v in self._cache.items() if k[:2] != (index, which)}
            return False
        return True

    def evaluate_job(self, job: Job) -> JobResult:
        opaque = _opaque(job)
        findings: list[Finding] = []
        checked: list[str] = []
        read: dict[str, str] = {}
        for index, compiled in enumerate(self.policy.compiled):
            if compiled.when is not None and self._run(index, 1, compiled, job, read):
                continue  # the rule is not about this job
            checked.append(compiled.rule.id)
            errors = self._run(index, 0, compiled, job, read)
            findings.extend(_findings(compiled, job, errors, opaque))
        return JobResult(job, None, tuple(findings), tuple(checked))

    def evaluate(self, items: Iterable[Job | LoadError]) -> list[JobResult]:
        return list(self.results(items))

    def results(self, items: Iterable[Job | LoadError]) -> Iterator[JobResult]:
        """The result of each item as it comes: items may be read lazily, one at a time."""
        for item in items:
            if isinstance(item, LoadError):
                yield JobResult(None, item)
                continue
            try:
                yield self.evaluate_job(item)
            except Exception as exc:  # a bug must not lose the job: it becomes an error result
                origin = Origin(
                    item.origin.path,
                    item.origin.line,
                    item.origin.index,
                    item.origin.region,
                    item.arn or item.origin.arn,
                )
                message = f"could not be evaluated: {type(exc).__name__}: {exc}"
                yield JobResult(None, LoadError(origin, message))


def _opaque(job: Job) -> dict[str, str]:
    """Paths whose values cannot be judged, each with the reason (completing "<path> ...")."""
    document = job.document
    opaque = opaque_paths(document)
    if "tags" not in document and job.kind == GET_RESPONSE:
        opaque["tags"] = "are not in a Get response (--deep, scan and snapshot fetch them)"
    resources = document.get("resources")
    if isinstance(resources, dict):
        # What --deep could not read, with its own reason (the tags' too).
        unknown = resources.get("unknown")
        if isinstance(unknown, dict):
            opaque.update((str(path), str(reason)) for path, reason in unknown.items())
    else:
        opaque["resources"] = "were not fetched (run with --deep)"
    return opaque


def _value_at(job: Job, path: str) -> Any:
    """The offending value: the field's, or for a placeholder finding the placeholder's."""
    value = get_path(job.document, path)
    if path.startswith("derived.unresolved.") and isinstance(value, str):
        return get_path(job.document, value)
    return value


def _opaque_reason(path: str, opaque: dict[str, str]) -> str | None:
    """Why ``path`` cannot be judged: it, a parent or a child is unknown or unresolved."""
    for other, reason in opaque.items():
        if path == other or path.startswith(other + ".") or other.startswith(path + "."):
            return f"{other} {reason}"
    return None


def _findings(
    compiled: CompiledRule, job: Job, errors: Errors, opaque: dict[str, str]
) -> list[Finding]:
    """Violations on known values; else one "unknown" finding when the rule could not decide."""
    rule = compiled.rule
    violations: list[Finding] = []
    undecided: list[tuple[str, str, Any]] = []
    for path, message in errors:
        value = _value_at(job, path)
        if message.startswith(UNDECIDED):
            undecided.append((path, message.removeprefix(UNDECIDED), value))
            continue
        reason = _opaque_reason(path, opaque) if opaque else None
        if reason is not None:
            undecided.append((path, reason, value))
            continue
        violations.append(
            Finding(
                rule,
                FindingStatus.VIOLATED,
                path,
                f"{path}: {message}",
                _short.repr(value),
                job.line_of(path),
            )
        )
    if violations or not undecided:
        return violations
    path, reason, value = undecided[0]
    return [
        Finding(
            rule,
            FindingStatus.UNKNOWN,
            path,
            f"{path}: cannot decide: {reason}",
            _short.repr(value),
            job.line_of(path),
        )
    ]


def evaluate(items: Iterable[Job | LoadError], policy: Policy) -> list[JobResult]:
    return Evaluator(policy).evaluate(items)
