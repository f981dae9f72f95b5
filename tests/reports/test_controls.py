"""--framework: every format carries the per-control summary, and SARIF/JUnit the mappings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import pytest
from helpers.reports import REPO, example_report, schemas_dir

from checker.controls import summarize
from checker.model import Report
from checker.reports import FORMATS, RenderOptions

SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))
NIST = RenderOptions(framework="nist-800-53")


@pytest.fixture(scope="module")
def report() -> Report:
    return example_report()


def test_json_carries_the_summary_and_matches_its_schema(report: Report) -> None:
    document = json.loads(FORMATS["json"](report, NIST))
    jsonschema.validate(document, SCHEMA)
    framework = document["framework"]
    assert framework == summarize(report, "nist-800-53").to_dict()
    controls = {c["id"]: c for c in framework["controls"]}
    # BMC001 (SC-7) fails on every example job without a VPC.
    no_vpc = [
        job
        for job in document["jobs"]
        if any(f["ruleId"] == "BMC001" and f["suppression"] is None for f in job["findings"])
    ]
    assert controls["SC-7"]["status"] == "failing"
    assert controls["SC-7"]["failingRules"] == ["BMC001"]
    assert controls["SC-7"]["failingJobs"] == len(no_vpc) > 0
    assert framework["summary"]["controls"] == len(framework["controls"])
    assert sum(v for k, v in framework["summary"].items() if k != "controls") == len(controls)
    rules = {r["id"]: r for r in document["rules"]}
    assert rules["BMC003"]["controls"] == {
        "nist-800-53": ["SC-12", "SC-28(1)"],
        "iso-27001": ["A.8.24"],
    }


def test_json_without_framework_has_none_and_still_validates(report: Report) -> None:
    document = json.loads(FORMATS["json"](report, RenderOptions()))
    jsonschema.validate(document, SCHEMA)
    assert document["framework"] is None


def test_text_lists_each_control_with_its_rules(report: Report) -> None:
    plain = FORMATS["text"](report, RenderOptions())
    assert "SC-7" not in plain
    text = FORMATS["text"](report, NIST)
    summary = summarize(report, "nist-800-53")
    counts = summary.counts()
    assert (
        f"nist-800-53 (NIST SP 800-53 Rev. 5): {counts['controls']} controls: "
        f"{counts['failing']} failing," in text
    )
    lines = {
        line.split()[0]: line
        for line in text.splitlines()
        if line.startswith("  ") and line.split()
    }
    assert "failing: BMC001" in lines["SC-7"]
    assert lines["SA-9(5)"].split()[1] == "passing"


def _markdown_rows(text: str) -> dict[str, list[str]]:
    start = text.index("### Controls: NIST SP 800-53 Rev. 5")
    rows = {}
    lines = text[start:].splitlines()
    for line in lines[lines.index("|---|---|---|---|---|---|---|---:|") + 1 :]:
        if not line.startswith("| "):
            break
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0]] = cells[1:]
    return rows


def test_markdown_table_has_one_row_per_control(report: Report) -> None:
    rows = _markdown_rows(FORMATS["markdown"](report, NIST))
    summary = summarize(report, "nist-800-53")
    assert list(rows) == [c.control for c in summary.controls]
    assert rows["SC-7"][:2] == ["failing", "BMC001"]
    for control in summary.controls:
        assert int(rows[control.control][-1]) == control.failing_jobs
    assert "### Controls" not in FORMATS["markdown"](report, RenderOptions())


def _sarif_rules(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["id"]: rule for rule in document["runs"][0]["tool"]["driver"]["rules"]}


def test_sarif_rules_carry_their_controls(report: Report) -> None:
    every = _sarif_rules(json.loads(FORMATS["sarif"](report, RenderOptions())))
    assert every["BMC007"]["properties"]["tags"][-6:] == [
        "nist-800-53/SI-12(1)",
        "iso-27001/A.5.34",
        "iso-42001/A.7.3",
        "owasp-llm/LLM02:2025",
        "owasp-llm/LLM04:2025",
        "mitre-atlas/AML.M0007",
    ]
    assert every["BMC007"]["properties"]["controls"]["owasp-llm"] == ["LLM02:2025", "LLM04:2025"]
    assert every["BMC201"]["properties"]["controls"] == {}
    document = json.loads(FORMATS["sarif"](report, NIST))
    nist = _sarif_rules(document)
    assert [t for t in nist["BMC007"]["properties"]["tags"] if "/" in t] == ["nist-800-53/SI-12(1)"]
    assert "security" in nist["BMC001"]["properties"]["tags"]
    assert all(len(rule["properties"]["tags"]) <= 20 for rule in nist.values())
    assert (
        document["runs"][0]["properties"]["framework"] == summarize(report, "nist-800-53").to_dict()
    )


def test_sarif_with_controls_is_valid_sarif(report: Report) -> None:
    schemas = schemas_dir()
    if schemas is None:
        pytest.skip("official schemas not found (set BEDROCK_CHECKER_SCHEMAS)")
    schema = json.loads((schemas / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    errors = list(
        jsonschema.Draft4Validator(schema).iter_errors(json.loads(FORMATS["sarif"](report, NIST)))
    )
    assert errors == []


def test_junit_suites_carry_the_controls_of_their_rules(report: Report) -> None:
    rendered = FORMATS["junit"](report, NIST)
    root = ET.fromstring(rendered)
    suites = root.findall("testsuite")
    assert len(suites) == len(report.results)
    for suite, result in zip(suites, report.results, strict=True):
        properties = {
            p.get("name"): p.get("value")
            for p in suite.iter("property")
            if p.get("name", "").startswith("controls ")
        }
        applied = {case.get("name", "").split(" ", 1)[0] for case in suite.iter("testcase")}
        expected = {
            f"controls {rule.id}": f"nist-800-53: {', '.join(rule.controls['nist-800-53'])}"
            for rule in report.rules
            if rule.id in applied and rule.controls.get("nist-800-53")
        }
        assert properties == expected, result.label
        children = [child.tag for child in suite]
        if "properties" in children:
            assert children.index("properties") == 0
    schemas = schemas_dir()
    if schemas is not None:
        import xmlschema

        xmlschema.XMLSchema(str(schemas / "junit-10.xsd")).validate(rendered.encode("utf-8"))
