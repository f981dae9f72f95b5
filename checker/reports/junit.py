"""JUnit XML: one testsuite per job, one testcase per (job, rule) that applied to it; and the
results of `policy test`, one testcase per policy test.

A violation is a <failure>, a job that could not be read or fetched an <error>, a waived or
baselined finding <skipped> with its justification, an undecidable rule <skipped> with the
reason. Every report holds at least one testcase, so no consumer sees an empty run.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from checker.frameworks import describe_controls
from checker.model import Finding, FindingStatus, JobResult, Report, Rule
from checker.reports.options import RenderOptions

if TYPE_CHECKING:
    from checker.policy_tests import CaseResult

# XML 1.0 cannot carry these characters even escaped, but job documents can (JSON "\u0001").
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _make_xml_safe(root: ET.Element) -> None:
    """Replace characters XML cannot hold, so that consumers can parse the report."""
    for element in root.iter():
        for key, value in list(element.attrib.items()):
            element.set(key, _NOT_XML.sub("\ufffd", value))
        if element.text:
            element.text = _NOT_XML.sub("\ufffd", element.text)


def _suite_name(result: JobResult) -> str:
    where = result.origin.describe()
    return result.label if result.label == where else f"{result.label} ({where})"


def _details(findings: list[Finding], rule: Rule) -> str:
    lines = [
        f"line {f.line}: {f.message}"
        + (f" (value: {f.value})" if f.value not in ("None", "") else "")
        for f in findings
    ]  # fmt: skip
    if rule.remediation:
        lines.append(f"Fix: {rule.remediation}")
    return "\n".join(lines)


def _case(suite: ET.Element, classname: str, rule: Rule, findings: list[Finding]) -> str:
    """Add the testcase of one rule; returns its result: passed, failed or skipped."""
    case = ET.SubElement(
        suite, "testcase", name=f"{rule.id} {rule.title}", classname=classname, time="0"
    )
    counting = [f for f in findings if f.counts]
    suppressed = [f for f in findings if f.suppression is not None]
    unknown = [f for f in findings if f.status is FindingStatus.UNKNOWN]
    if counting:
        failure = ET.SubElement(
            case, "failure", message=rule.title, type=counting[0].severity.value
        )
        failure.text = _details(counting, rule)
        return "failed"
    if suppressed:
        assert suppressed[0].suppression is not None
        skipped = ET.SubElement(case, "skipped", message=suppressed[0].suppression.justification)
        skipped.text = _details(suppressed, rule)
        return "skipped"
    if unknown:
        ET.SubElement(case, "skipped", message=f"unknown: {unknown[0].message}")
        return "skipped"
    return "passed"


def _properties(suite: ET.Element, rules: list[Rule], framework: str | None) -> None:
    """One property per applied rule that maps controls (testcases cannot carry properties)."""
    described = [(rule.id, describe_controls(rule.controls, framework)) for rule in rules]
    if any(text for _, text in described):
        properties = ET.SubElement(suite, "properties")
        for rule_id, text in described:
            if text:
                ET.SubElement(properties, "property", name=f"controls {rule_id}", value=text)


def render(report: Report, options: RenderOptions) -> str:
    rules = {rule.id: rule for rule in report.rules}
    root = ET.Element("testsuites", name="bedrock-checker")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for result in report.results:
        name = _suite_name(result)
        suite = ET.SubElement(root, "testsuite", name=name, time="0")
        if result.origin.path is not None:
            suite.set("file", result.origin.path)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if result.error is not None:
            case = ET.SubElement(suite, "testcase", name="read job", classname=name, time="0")
            error = ET.SubElement(case, "error", message=result.error.message, type="input")
            error.text = f"{result.origin.describe()}: {result.error.message}"
            counts["tests"] += 1
            counts["errors"] += 1
        else:
            by_rule: dict[str, list[Finding]] = defaultdict(list)
            for finding in result.findings:
                by_rule[finding.rule.id].append(finding)
            applied = list(dict.fromkeys([*result.checked, *by_rule]))
            _properties(suite, [rules[rule_id] for rule_id in applied], options.framework)
            not_applicable = report.not_applicable(result)
            if not_applicable:
                holder = suite.find("properties")
                if holder is None:
                    holder = ET.SubElement(suite, "properties")
                ET.SubElement(
                    holder, "property", name="notApplicable", value=" ".join(not_applicable)
                )
            for rule_id in applied:
                outcome = _case(suite, name, rules[rule_id], by_rule.get(rule_id, []))
                counts["tests"] += 1
                if outcome == "failed":
                    counts["failures"] += 1
                elif outcome == "skipped":
                    counts["skipped"] += 1
            if counts["tests"] == 0:
                ET.SubElement(suite, "testcase", name="no rule applies", classname=name, time="0")
                counts["tests"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
        for key in totals:
            totals[key] += counts[key]
    if not report.results:
        suite = ET.SubElement(root, "testsuite", name="bedrock-checker", time="0", tests="1",
                              failures="0", errors="0", skipped="0")  # fmt: skip
        ET.SubElement(suite, "testcase", name="no jobs checked", classname="bedrock-checker")
        totals["tests"] = 1
    return _serialised(root, totals)


def render_policy_tests(results: Sequence[CaseResult]) -> str:
    """Policy test results: one testsuite per test file, one testcase per test, a <failure>
    listing each difference (expected against actual) or an <error> for a job that could not
    be evaluated."""
    root = ET.Element("testsuites", name="bedrock-checker policy tests")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    suites: dict[str, ET.Element] = {}
    for result in results:
        suite = suites.get(result.file)
        if suite is None:
            suite = suites[result.file] = ET.SubElement(
                root, "testsuite", name=result.file, file=result.file, time="0"
            )
            suite.attrib.update(tests="0", failures="0", errors="0", skipped="0")
        # The Jenkins schema gives a testcase no file or line: the details start with them.
        case = ET.SubElement(
            suite, "testcase", name=result.case.name, classname=result.file, time="0"
        )
        where = result.case.origin.describe()
        kind = None
        if result.error is not None:
            kind = "errors"
            error = ET.SubElement(case, "error", message=result.error, type="evaluation")
            error.text = f"{where}: the job could not be evaluated: {result.error}"
        elif result.differences:
            kind = "failures"
            lines = [difference.describe() for difference in result.differences]
            failure = ET.SubElement(case, "failure", message=lines[0], type="policy test")
            failure.text = "\n".join([f"{where}: {result.case.name}", *lines])
        for counter in ("tests", kind):
            if counter is not None:
                suite.set(counter, str(int(suite.get(counter, "0")) + 1))
                totals[counter] += 1
    return _serialised(root, totals)


def _serialised(root: ET.Element, totals: Mapping[str, int]) -> str:
    """The document, with the totals on its root: XML-safe, indented, declared."""
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    _make_xml_safe(root)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
