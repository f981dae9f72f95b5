"""Policy tests: cases written next to a policy, each a job document and the outcome expected of
each rule it names (fail, pass, unknown, not applicable), run like ``opa test``.

A test file is YAML named ``*.test.yaml`` (or ``.test.yml``); its format is documented in
docs/policy-tests.md. Loading reads and checks everything (the file, its policies, its job
documents) before any case runs, so a malformed file is one CheckerError and nothing is run.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cerberus import Validator

from checker.errors import CheckerError
from checker.evaluate import Evaluator
from checker.model import FindingStatus, Job, JobResult, Origin
from checker.policy import Policy, load_policy, read_checked_yaml

TEST_SUFFIXES = (".test.yaml", ".test.yml")
FAIL, PASS, UNKNOWN, NOT_APPLICABLE = "fail", "pass", "unknown", "not applicable"
OUTCOMES = (FAIL, PASS, UNKNOWN, NOT_APPLICABLE)
_WITH_FIELDS = (FAIL, UNKNOWN)  # the outcomes that have findings, and so fields
_TEXT = r"(?s)\s*\S.*"

_TESTS_SCHEMA: dict[str, Any] = {
    "version": {"type": "integer", "allowed": [1]},
    "policies": {
        "type": "list",
        "empty": False,
        "schema": {"type": "string", "empty": False},
    },
    "tests": {
        "type": "list",
        "required": True,
        "empty": False,
        "schema": {
            "type": "dict",
            "schema": {
                "name": {"type": "string", "required": True, "regex": _TEXT},
                "job": {"type": ["string", "dict"], "required": True, "empty": False},
                "select": {"type": "string", "empty": False},
                "expect": {"type": "dict", "keysrules": {"type": "string"}},
                "others": {"type": "string", "allowed": [PASS]},
            },
        },
    },
}


@functools.cache
def _tests_validator() -> Validator:
    return Validator(_TESTS_SCHEMA)


@dataclass(frozen=True)
class Expectation:
    """What one case expects of one rule; ``fields`` None: any field (or no finding at all)."""

    rule_id: str
    outcome: str
    fields: tuple[str, ...] | None
    line: int

    def describe(self) -> str:
        if self.fields is None:
            return self.outcome
        return f"{self.outcome} on {', '.join(self.fields)}"


@dataclass(frozen=True)
class PolicyCase:
    name: str
    origin: Origin  # the test file and the line of the case
    job: Job
    expectations: tuple[Expectation, ...]
    others_pass: bool = False  # every loaded rule not named must pass or not apply


@dataclass(frozen=True)
class PolicyTestFile:
    path: str  # as shown in output
    policy: Policy
    cases: tuple[PolicyCase, ...]


@dataclass(frozen=True)
class Actual:
    """What a rule did on a job: its outcome and the fields of its findings."""

    outcome: str
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.outcome} on {', '.join(self.fields)}" if self.fields else self.outcome


@dataclass(frozen=True)
class Difference:
    rule_id: str
    expected: str
    actual: str

    def describe(self) -> str:
        return f"{self.rule_id}: expected {self.expected}, got {self.actual}"


@dataclass(frozen=True)
class CaseResult:
    case: PolicyCase
    file: str
    differences: tuple[Difference, ...] = ()
    error: str | None = None  # the job could not be evaluated

    @property
    def passed(self) -> bool:
        return not self.differences and self.error is None


# --- finding the test files -------------------------------------------------------------------


def is_test_file_name(name: str) -> bool:
    return name.endswith(TEST_SUFFIXES)


def discover(paths: Sequence[str]) -> list[Path]:
    """The test files named, and those below the folders named (``*.test.yaml``), in order."""
    from checker.sources.files import SKIPPED_DIRS

    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, subdirs, names in os.walk(path):
                subdirs[:] = sorted(
                    d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith(".")
                )
                found.extend(Path(folder, n) for n in sorted(names) if is_test_file_name(n))
        elif path.exists():
            found.append(path)
        else:
            raise CheckerError(f"{given}: no such file or directory")
    return list(dict.fromkeys(found))


# --- loading ----------------------------------------------------------------------------------


def _shown(path: Path) -> str:
    from checker.sources.files import display_path

    return display_path(path)


def _policy_specs(data: Mapping[str, Any], lines: Mapping[str, int], path: Path) -> list[str]:
    """The policies a file tests: ``policies`` (relative to the file, or builtin:NAME), else
    the policy named like the file without ``.test`` (org.test.yaml tests org.yaml)."""
    given = data.get("policies")
    if given is None:
        stem = path.name[: -len(next(s for s in TEST_SUFFIXES if path.name.endswith(s)))]
        beside = [path.with_name(stem + suffix) for suffix in (".yaml", ".yml")]
        found = [p for p in beside if p.is_file()]
        if not found:
            raise CheckerError(
                f"{_shown(path)}: no 'policies' given and no {stem}.yaml beside the file: "
                "name the policies it tests (policies: [org.yaml, builtin:baseline])"
            )
        return [_shown(found[0])]
    specs = []
    for index, spec in enumerate(given):
        if spec.startswith("builtin:"):
            specs.append(spec)
            continue
        target = path.parent / spec
        if not target.is_file():
            line = lines.get(f"policies.{index}", 1)
            raise CheckerError(
                f"{_shown(path)}:{line}: policies: {spec}: no such file (paths are relative "
                "to the test file)"
            )
        specs.append(_shown(target))
    return specs


def _expectations(
    raw: Mapping[str, Any], policy: Policy, where: str, base: str, lines: Mapping[str, int]
) -> tuple[Expectation, ...]:
    loaded = {rule.id for rule in policy.rules}
    expectations = []
    for rule_id, value in (raw.get("expect") or {}).items():
        line = lines.get(f"{base}.expect.{rule_id}", lines.get(base, 1))
        at = f"{where}:{line}: test '{raw['name'].strip()}': expect: {rule_id}"
        if rule_id not in loaded:
            tested = ", ".join(policy.sources)
            raise CheckerError(f"{at}: no such rule in the policies tested ({tested})")
        fields: Any = None
        if isinstance(value, dict):
            unknown = sorted(set(value) - {"outcome", "field"})
            if unknown:
                raise CheckerError(f"{at}: {unknown[0]}: unknown field (outcome, field)")
            outcome, fields = value.get("outcome"), value.get("field")
        else:
            outcome = value
        if outcome not in OUTCOMES:
            raise CheckerError(
                f"{at}: {outcome!r} is not an outcome ({', '.join(OUTCOMES)}); "
                "write {outcome: fail, field: PATH} to name the field"
            )
        if fields is not None:
            if outcome not in _WITH_FIELDS:
                raise CheckerError(f"{at}: 'field' goes with fail or unknown, not {outcome}")
            fields = [fields] if isinstance(fields, str) else fields
            if not (
                isinstance(fields, list)
                and fields
                and all(isinstance(f, str) and f for f in fields)
            ):
                raise CheckerError(f"{at}: field: a field path or a list of them")
            fields = tuple(sorted(set(fields)))
        expectations.append(Expectation(rule_id, outcome, fields, line))
    return tuple(expectations)


def _job(
    raw: Mapping[str, Any], path: Path, where: str, base: str, lines: Mapping[str, int]
) -> Job:
    """The case's job: from a file (relative to the test file) or an inline document."""
    from checker.sources import files, recognition

    spec = raw["job"]
    line = lines.get(f"{base}.job", lines.get(base, 1))
    at = f"{where}:{line}: test '{raw['name']}': job"
    if isinstance(spec, str):
        target = path.parent / spec
        if not target.is_file():
            raise CheckerError(f"{at}: {spec}: no such file (paths are relative to the test file)")
        items = files.read_file(target, explicit=True) or []
    else:
        prefix = f"{base}.job."
        own = {k[len(prefix) :]: v for k, v in lines.items() if k.startswith(prefix)}
        items = recognition.read_document(spec, own, Origin(path=where, line=line))
        if not items:
            raise CheckerError(
                f"{at}: not a job document (a create request, a Get response, Terraform or a "
                "state machine)"
            )
    for item in items:
        if not isinstance(item, Job):
            raise CheckerError(f"{at}: {item.origin.describe()}: {item.message}")
    jobs = [item for item in items if isinstance(item, Job)]
    select = raw.get("select")
    if select is not None:
        jobs = [j for j in jobs if select in (j.name, j.label, j.resource, j.arn)]
    if len(jobs) != 1:
        names = ", ".join(j.label for j in items if isinstance(j, Job))
        if select is not None and not jobs:
            problem = f"no job named {select!r}"
        else:
            problem = f"holds {len(jobs)} jobs"
        raise CheckerError(f"{at}: {problem} ({names}); name one with 'select'")
    return jobs[0]


def load_test_file(path: Path) -> PolicyTestFile:
    """Read and check a test file, its policies and its job documents; CheckerError if any is
    wrong, naming the file and line."""
    shown = _shown(path)
    data, lines = read_checked_yaml(path, shown, "policy tests", _tests_validator())
    policy = load_policy(_policy_specs(data, lines, path))
    cases: list[PolicyCase] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["tests"]):
        base = f"tests.{index}"
        line = lines.get(base, 1)
        name = raw["name"].strip()
        if name in seen:
            raise CheckerError(
                f"{shown}:{line}: test '{name}': duplicate name (first at line {seen[name]})"
            )
        seen[name] = line
        if not raw.get("expect") and raw.get("others") is None:
            raise CheckerError(
                f"{shown}:{line}: test '{name}': give 'expect' (rule ids and outcomes) or "
                "'others: pass'"
            )
        expectations = _expectations(raw, policy, shown, base, lines)
        job = _job(raw, path, shown, base, lines)
        origin = Origin(path=shown, line=line)
        cases.append(PolicyCase(name, origin, job, expectations, raw.get("others") == PASS))
    return PolicyTestFile(shown, policy, tuple(cases))


def load_test_files(paths: Iterable[Path]) -> list[PolicyTestFile]:
    return [load_test_file(path) for path in paths]


# --- running ----------------------------------------------------------------------------------


def actual_outcome(result: JobResult, rule_id: str) -> Actual:
    """What ``rule_id`` did on the job: not applicable, fail (its violations' fields), unknown,
    or pass."""
    if rule_id not in result.checked:
        return Actual(NOT_APPLICABLE)
    findings = [f for f in result.findings if f.rule.id == rule_id]
    violated = sorted({f.path for f in findings if f.status is FindingStatus.VIOLATED})
    if violated:
        return Actual(FAIL, tuple(violated))
    unknown = sorted({f.path for f in findings if f.status is FindingStatus.UNKNOWN})
    if unknown:
        return Actual(UNKNOWN, tuple(unknown))
    return Actual(PASS)


def _meets(expectation: Expectation, actual: Actual) -> bool:
    if expectation.outcome != actual.outcome:
        return False
    return expectation.fields is None or expectation.fields == actual.fields


def _differences(case: PolicyCase, result: JobResult, rule_ids: Sequence[str]) -> list[Difference]:
    differences = []
    for expectation in case.expectations:
        actual = actual_outcome(result, expectation.rule_id)
        if not _meets(expectation, actual):
            differences.append(
                Difference(expectation.rule_id, expectation.describe(), actual.describe())
            )
    if case.others_pass:
        named = {e.rule_id for e in case.expectations}
        for rule_id in rule_ids:
            actual = actual_outcome(result, rule_id)
            if rule_id not in named and actual.outcome not in (PASS, NOT_APPLICABLE):
                differences.append(
                    Difference(rule_id, "pass or not applicable (others: pass)", actual.describe())
                )
    return differences


def run_file(test_file: PolicyTestFile) -> Iterator[CaseResult]:
    evaluator = Evaluator(test_file.policy)
    rule_ids = [rule.id for rule in test_file.policy.rules]
    for case in test_file.cases:
        [result] = evaluator.results([case.job])
        if result.error is not None:
            yield CaseResult(case, test_file.path, error=result.error.message)
            continue
        differences = tuple(_differences(case, result, rule_ids))
        yield CaseResult(case, test_file.path, differences)


def run(test_files: Iterable[PolicyTestFile]) -> list[CaseResult]:
    return [result for test_file in test_files for result in run_file(test_file)]
