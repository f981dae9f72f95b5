"""Framework mappings: the built-in rules' controls, their validation, the per-control summary."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
import yaml
from helpers.paths import REPO

from checker import packs
from checker.controls import summarize
from checker.errors import CheckerError
from checker.frameworks import FRAMEWORKS, control_problem, natural_key, rule_controls
from checker.model import (
    Finding,
    FindingStatus,
    Job,
    JobResult,
    LoadError,
    Origin,
    Report,
    Rule,
    Severity,
    Suppression,
    Waiver,
)
from checker.policy import load_policy

EVERY_PACK = [f"builtin:{name}" for name in packs.builtin_names()]
AI_FRAMEWORKS = {"iso-42001", "nist-ai-rmf", "owasp-llm", "mitre-atlas"}
# The built-in rules about the model and its training data rather than generic cloud hygiene:
# only these may map to AI frameworks.
AI_RULES = {"BMC007", "BMC008", "BMC011", "BMC102", "BMC103", "BMC105"}


def _raw_rules() -> list[tuple[str, dict]]:
    found = []
    for name in packs.builtin_names():
        data = yaml.safe_load(packs.builtin_path(name).read_text(encoding="utf-8"))
        found += [(f"builtin:{name}", rule) for rule in data["rules"]]
    return found


@pytest.mark.parametrize(
    ("pack", "raw"), _raw_rules(), ids=lambda v: v.get("id", v) if isinstance(v, dict) else v
)
def test_every_builtin_rule_states_its_controls(pack: str, raw: dict) -> None:
    assert "controls" in raw, f"{pack} {raw['id']} has no controls mapping"
    for framework, controls in raw["controls"].items():
        assert [control_problem(framework, c) for c in controls] == [None] * len(controls)
        assert len(controls) == len(set(controls))


def test_ai_frameworks_map_only_ai_specific_rules() -> None:
    mapped = {
        rule.id for rule in load_policy(EVERY_PACK).rules if AI_FRAMEWORKS & set(rule.controls)
    }
    assert mapped == AI_RULES


def test_generic_controls_are_mapped_where_the_rule_supports_them() -> None:
    rules = {rule.id: rule for rule in load_policy(EVERY_PACK).rules}
    assert rules["BMC001"].controls["nist-800-53"] == ("SC-7",)
    assert rules["BMC003"].controls == {
        "nist-800-53": ("SC-12", "SC-28(1)"),
        "iso-27001": ("A.8.24",),
    }
    assert rules["BMC304"].controls["nist-800-53"] == ("AC-6",)
    assert rules["BMC007"].controls["owasp-llm"] == ("LLM02:2025", "LLM04:2025")
    # Correctness and cost rules support no control: they are listed, with nothing.
    assert all(rules[r].controls == {} for r in ("BMC010", "BMC201", "BMC204", "BMC104"))


def test_rule_controls_lists_every_rule_in_order() -> None:
    rules = load_policy(["builtin:baseline"]).rules
    listed = rule_controls(rules, "iso-27001")
    assert [rule.id for rule, _ in listed] == [rule.id for rule in rules]
    assert dict((rule.id, ids) for rule, ids in listed)["BMC009"] == ()


@pytest.mark.parametrize(
    ("framework", "good", "bad"),
    [
        ("nist-800-53", "SC-28(1)", "SC 28"),
        ("iso-27001", "A.8.24", "8.24"),
        ("iso-42001", "A.7.5", "7.5"),
        ("nist-ai-rmf", "GOVERN 6.1", "govern-6-1"),
        ("owasp-llm", "LLM04:2025", "LLM04"),
        ("mitre-atlas", "AML.M0007", "M0007"),
    ],
)
def test_control_ids_have_their_framework_form(framework: str, good: str, bad: str) -> None:
    assert framework in FRAMEWORKS
    assert control_problem(framework, good) is None
    problem = control_problem(framework, bad)
    assert problem is not None and f"'{bad}' is not a control id of" in problem


def test_natural_order_of_controls() -> None:
    ids = ["SC-28(1)", "SC-7", "AC-6", "SC-12", "SC-7(5)"]
    assert sorted(ids, key=natural_key) == ["AC-6", "SC-7", "SC-7(5)", "SC-12", "SC-28(1)"]
    assert sorted(["A.8.24", "A.8.3", "A.5.15"], key=natural_key) == ["A.5.15", "A.8.3", "A.8.24"]


# --- policy files --------------------------------------------------------------------------

POLICY_HEAD = """version: 1
rules:
  - id: ORG100
    title: Approved base models only
    severity: error
    description: The base model must be approved.
"""
POLICY_TAIL = """    schema:
      derived: {type: dict, schema: {baseModelId: {type: string}}}
"""


def _policy(tmp_path: Path, controls: str) -> str:
    path = tmp_path / "org.yaml"
    path.write_text(POLICY_HEAD + controls + POLICY_TAIL, encoding="utf-8")
    return str(path)


def test_an_organisation_policy_maps_its_own_rules(tmp_path: Path) -> None:
    path = _policy(
        tmp_path, "    controls:\n      owasp-llm: [LLM03:2025]\n      nist-ai-rmf: [GOVERN 6.1]\n"
    )
    [rule] = load_policy([path]).rules
    assert rule.controls == {"owasp-llm": ("LLM03:2025",), "nist-ai-rmf": ("GOVERN 6.1",)}


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        (
            "    controls:\n      nist-800-54: [SC-7]\n",
            "org.yaml:8: rule ORG100: controls.nist-800-54: unknown framework 'nist-800-54' "
            "(known: nist-800-53, iso-27001, iso-42001, nist-ai-rmf, owasp-llm, mitre-atlas)",
        ),
        (
            '    controls:\n      iso-27001: [A.8.24, "8.20"]\n',
            "org.yaml:8: rule ORG100: controls.iso-27001.1: '8.20' is not a control id of "
            "ISO/IEC 27001:2022 Annex A (such as 'A.8.24')",
        ),
        (
            "    controls:\n      iso-27001: A.8.24\n",
            "org.yaml:8: rule ORG100: controls.iso-27001: ",
        ),
        ("    controls: [SC-7]\n", "org.yaml:7: rule ORG100: controls: must be of dict type"),
    ],
)
def test_bad_controls_are_one_line_naming_file_line_and_rule(
    tmp_path: Path, controls: str, message: str
) -> None:
    with pytest.raises(CheckerError) as caught:
        load_policy([_policy(tmp_path, controls)])
    assert str(caught.value).replace(str(tmp_path) + "/", "").startswith(message)


# --- the per-control summary -----------------------------------------------------------------


def _rule(rule_id: str, **controls: tuple[str, ...]) -> Rule:
    mapping = {name.replace("_", "-"): ids for name, ids in controls.items()}
    return Rule(rule_id, rule_id, "d", Severity.ERROR, {}, "test", controls=mapping)


R1 = _rule("R1", nist_800_53=("SC-7", "SC-12"))
R2 = _rule("R2", nist_800_53=("SC-12",))
R3 = _rule("R3", nist_800_53=("AC-3",))
R4 = _rule("R4", nist_800_53=("AC-6",))
R5 = _rule("R5", nist_800_53=("CM-8",))
R6 = _rule("R6", iso_27001=("A.8.24",))


def _finding(rule: Rule, status: FindingStatus, suppressed: bool = False) -> Finding:
    waiver = Waiver(rule.id, "accepted", datetime.date(2099, 1, 1))
    suppression = Suppression("waiver", "accepted", waiver) if suppressed else None
    return Finding(rule, status, "", "m", "v", 1, suppression)


def _job(name: str) -> Job:
    return Job({"jobName": name}, Origin(path=f"{name}.json"), "get")


def _report() -> Report:
    checked = ("R1", "R2", "R3", "R4", "R6")
    results = (
        JobResult(_job("a"), findings=(_finding(R1, FindingStatus.VIOLATED),), checked=checked),
        JobResult(
            _job("b"),
            findings=(
                _finding(R1, FindingStatus.VIOLATED),
                _finding(R3, FindingStatus.UNKNOWN),
                _finding(R4, FindingStatus.VIOLATED, suppressed=True),
            ),
            checked=checked,
        ),
        JobResult(None, LoadError(Origin(path="c.json"), "unreadable")),
    )
    return Report(results, (R1, R2, R3, R4, R5, R6))


def test_each_control_takes_the_worst_status_of_its_rules() -> None:
    summary = summarize(_report(), "nist-800-53")
    by_id = {c.control: c for c in summary.controls}
    assert [c.control for c in summary.controls] == ["AC-3", "AC-6", "CM-8", "SC-7", "SC-12"]
    assert (by_id["SC-7"].status, by_id["SC-7"].failing, by_id["SC-7"].failing_jobs) == (
        "failing",
        ("R1",),
        2,
    )
    assert (by_id["SC-12"].status, by_id["SC-12"].failing, by_id["SC-12"].passing) == (
        "failing",
        ("R1",),
        ("R2",),
    )
    assert (by_id["AC-3"].status, by_id["AC-3"].unknown) == ("unknown", ("R3",))
    assert (by_id["AC-6"].status, by_id["AC-6"].waived) == ("waived", ("R4",))
    assert (by_id["CM-8"].status, by_id["CM-8"].not_evaluated) == ("not-evaluated", ("R5",))
    assert summary.unmapped_rules == ("R6",)
    assert summary.jobs_not_evaluated == 1
    assert summary.counts() == {
        "controls": 5,
        "failing": 2,
        "unknown": 1,
        "waived": 1,
        "passing": 0,
        "not-evaluated": 1,
    }


def test_a_failing_rule_that_is_also_waived_elsewhere_is_failing() -> None:
    report = _report()
    waived_r1 = dataclasses.replace(
        report.results[0], findings=(_finding(R1, FindingStatus.VIOLATED, suppressed=True),)
    )
    report = dataclasses.replace(report, results=(waived_r1, *report.results[1:]))
    by_id = {c.control: c for c in summarize(report, "nist-800-53").controls}
    assert (by_id["SC-7"].status, by_id["SC-7"].failing_jobs) == ("failing", 1)


def test_summary_as_a_dict_matches_the_counts() -> None:
    document = summarize(_report(), "iso-27001").to_dict()
    assert document["name"] == "iso-27001"
    assert document["summary"] == {
        "controls": 1,
        "failing": 0,
        "unknown": 0,
        "waived": 0,
        "passing": 1,
        "notEvaluated": 0,
    }
    assert document["controls"] == [
        {
            "id": "A.8.24",
            "status": "passing",
            "failingRules": [],
            "unknownRules": [],
            "waivedRules": [],
            "passingRules": ["R6"],
            "notEvaluatedRules": [],
            "failingJobs": 0,
        }
    ]
    assert document["unmappedRules"] == ["R1", "R2", "R3", "R4", "R5"]


def test_the_docs_table_shows_every_rules_controls() -> None:
    text = (REPO / "docs" / "frameworks.md").read_text(encoding="utf-8")
    template = str(REPO / "policies" / "templates" / "org.yaml")
    rules = [r for r in load_policy([*EVERY_PACK, template]).rules if r.id.startswith("BMC")]
    names = list(FRAMEWORKS)
    rows = {}
    for line in text.splitlines():
        if line.startswith("| [BMC"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].split("]")[0][1:]] = cells[1:]
    assert set(rows) == {rule.id for rule in rules}
    for rule in rules:
        expected = [", ".join(rule.controls.get(name, ())) or "-" for name in names]
        assert rows[rule.id] == expected, rule.id
