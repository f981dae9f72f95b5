"""JUnit XML: valid against the Jenkins XSD, and read back the way CI consumers read it."""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter

from helpers.jobs import ALL_BUILTIN, DELETE, file_policy, make_job
from helpers.junit import validate_junit
from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from checker.evaluate import evaluate
from checker.model import (
    Finding,
    FindingStatus,
    Job,
    JobResult,
    LoadError,
    Origin,
    Report,
    Waiver,
)
from checker.policy import load_policy
from checker.reports import RenderOptions, junit
from checker.waivers import apply_waivers

POLICY = load_policy(["builtin:baseline"])
RULES = {rule.id: rule for rule in POLICY.rules}
ARN = "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"


def file_job(suffix: str, path: str = "jobs/a.json", line: int = 1, **overrides) -> Job:
    job = make_job(jobName=f"job-{suffix}", jobArn=ARN + suffix, **overrides)
    return dataclasses.replace(job, origin=Origin(path=path, line=line))


def live_job(suffix: str, **overrides) -> Job:
    job = make_job(jobName=f"live-{suffix}", jobArn=ARN + suffix, **overrides)
    return dataclasses.replace(job, origin=Origin(region="us-east-1", arn=ARN + suffix))


def parse(report: Report) -> JUnitXml:
    """Render, validate against the XSD, and parse back with junitparser."""
    rendered = junit.render(report, RenderOptions()).encode("utf-8")
    validate_junit(rendered)
    return JUnitXml.fromstring(rendered)


def suites(xml: JUnitXml) -> list[TestSuite]:
    return list(xml)


def cases(suite: TestSuite) -> dict[str, TestCase]:
    found = list(suite)
    names = [case.name for case in found]
    assert len(names) == len(set(names)), f"duplicate testcase names in {suite.name}: {names}"
    return {case.name: case for case in found}


def case_of(suite: TestSuite, rule_id: str) -> TestCase:
    [case] = [c for c in suite if c.name.split(" ", 1)[0] == rule_id]
    return case


def assert_totals(xml: JUnitXml) -> None:
    """Each suite's counts match its testcases; the root's totals are the sums."""
    totals = Counter()
    for suite in xml:
        results = [type(r) for case in suite for r in case.result]
        counts = {
            "tests": len(list(suite)),
            "failures": results.count(Failure),
            "errors": results.count(Error),
            "skipped": results.count(Skipped),
        }
        assert {key: int(suite._elem.get(key)) for key in counts} == counts, suite.name
        totals.update(counts)
    root = xml._elem
    for key in ("tests", "failures", "errors"):
        assert int(root.get(key)) == totals[key], key


def make_report(items: list[Job | LoadError], policy=POLICY) -> Report:
    return Report(tuple(evaluate(items, policy)), policy.rules)


def test_one_suite_per_job_one_case_per_rule_that_applied() -> None:
    job = file_job("a", vpcConfig=DELETE, outputModelKmsKeyArn="alias/models", line=3)
    job = dataclasses.replace(job, lines={"outputModelKmsKeyArn": 17})
    report = make_report([job])
    xml = parse(report)
    [suite] = suites(xml)
    assert suite.name == "job-a (jobs/a.json:3)"
    assert suite._elem.get("file") == "jobs/a.json"
    by_name = cases(suite)
    [result] = report.results
    assert list(by_name) == [f"{rule_id} {RULES[rule_id].title}" for rule_id in result.checked]
    assert {case.classname for case in by_name.values()} == {suite.name}
    failed = {c.name.split(" ")[0]: c.result for c in by_name.values() if c.result}
    assert sorted(failed) == ["BMC001", "BMC004"]
    [bmc001] = failed["BMC001"]
    assert isinstance(bmc001, Failure)
    assert bmc001.message == "Run the job in a VPC"
    assert bmc001.type == "error"
    assert bmc001.text == (f"line 3: vpcConfig: required field\nFix: {RULES['BMC001'].remediation}")
    [bmc004] = failed["BMC004"]
    assert bmc004.message == RULES["BMC004"].title
    assert bmc004.type == "warning"
    assert bmc004.text.splitlines()[0] == (
        "line 17: outputModelKmsKeyArn: 'alias/models' is not an ARN (value: 'alias/models')"
    )
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (
        len(result.checked),
        2,
        0,
        0,
    )
    assert_totals(xml)


def test_several_findings_of_one_rule_share_one_testcase() -> None:
    findings = (
        Finding(RULES["BMC001"], FindingStatus.VIOLATED, "a", "a: first", "None", 4),
        Finding(RULES["BMC001"], FindingStatus.VIOLATED, "b", "b: second", "'x'", 9),
    )
    result = JobResult(file_job("a"), None, findings, ("BMC001", "BMC003"))
    xml = parse(Report((result,), POLICY.rules))
    [suite] = suites(xml)
    assert list(cases(suite)) == [
        f"BMC001 {RULES['BMC001'].title}",
        f"BMC003 {RULES['BMC003'].title}",
    ]
    [failure] = case_of(suite, "BMC001").result
    assert failure.text.splitlines()[:2] == ["line 4: a: first", "line 9: b: second (value: 'x')"]
    assert case_of(suite, "BMC003").result == []
    assert_totals(xml)


def test_errored_jobs_are_errors() -> None:
    broken = LoadError(Origin(path="jobs/broken.json", line=5), "invalid JSON: Expecting value")
    denied = LoadError(Origin(region="us-east-1", arn=ARN + "gone"), "AccessDeniedException")
    xml = parse(make_report([file_job("ok"), broken, denied]))
    ok, file_error, live_error = suites(xml)
    assert ok.errors == 0
    assert file_error.name == "jobs/broken.json (jobs/broken.json:5)"
    assert file_error._elem.get("file") == "jobs/broken.json"
    [case] = list(file_error)
    [error] = case.result
    assert isinstance(error, Error)
    assert error.message == "invalid JSON: Expecting value"
    assert error.text == "jobs/broken.json:5: invalid JSON: Expecting value"
    assert (file_error.tests, file_error.errors, file_error.failures) == (1, 1, 0)
    assert ARN + "gone" in live_error.name
    assert live_error._elem.get("file") is None
    [case] = list(live_error)
    [error] = case.result
    assert isinstance(error, Error)
    assert error.message == "AccessDeniedException"
    assert int(xml._elem.get("errors")) == 2
    assert_totals(xml)


def test_waived_and_unknown_findings_are_skipped_with_the_reason() -> None:
    job = file_job(
        "w", vpcConfig=DELETE, roleArn="arn:aws:iam::{account_id}:role/BedrockFT", line=2
    )
    waiver = Waiver(
        rule="BMC001",
        reason="isolated sandbox account",
        expires=datetime.date(2099, 1, 1),
        jobs=("job-w",),
        approved_by="security@example.com",
    )
    results, _ = apply_waivers(evaluate([job], POLICY), [waiver], datetime.date(2025, 1, 1))
    report = Report(tuple(results), POLICY.rules)
    statuses = {f.rule.id: f.status.value for f in results[0].findings}
    assert statuses == {"BMC001": "violated", "BMC005": "unknown", "BMC010": "violated"}
    xml = parse(report)
    [suite] = suites(xml)
    [waived] = case_of(suite, "BMC001").result
    assert isinstance(waived, Skipped)
    assert waived.message == (
        "waived until 2099-01-01: isolated sandbox account (approved by security@example.com)"
    )
    assert waived.text.startswith("line 2: vpcConfig: required field")
    [unknown] = case_of(suite, "BMC005").result
    assert isinstance(unknown, Skipped)
    assert unknown.message == (
        "unknown: roleArn: cannot decide: roleArn holds an unresolved placeholder"
    )
    [failure] = case_of(suite, "BMC010").result
    assert isinstance(failure, Failure)
    assert (suite.failures, suite.skipped, suite.errors) == (1, 2, 0)
    assert_totals(xml)


def test_no_jobs_still_gives_one_testcase() -> None:
    xml = parse(make_report([]))
    [suite] = suites(xml)
    assert suite.name == "bedrock-checker"
    assert [case.name for case in suite] == ["no jobs checked"]
    assert (suite.tests, suite.failures, suite.errors) == (1, 0, 0)
    assert int(xml._elem.get("tests")) == 1
    assert_totals(xml)


def test_a_job_no_rule_applies_to_still_gives_one_testcase() -> None:
    # BMC007 applies only to jobs trained from invocation logs.
    policy = load_policy(["builtin:baseline"], select=("BMC007",))
    report = make_report([file_job("a"), file_job("b", path="jobs/b.json")], policy)
    assert [r.checked for r in report.results] == [(), ()]
    xml = parse(report)
    assert [[case.name for case in suite] for suite in xml] == [["no rule applies"]] * 2
    assert [case.is_passed for suite in xml for case in suite] == [True, True]
    assert_totals(xml)


def test_testcase_names_are_unique_and_suites_named_by_job_and_place() -> None:
    policy = file_policy(ALL_BUILTIN)
    jobs = [
        file_job("a", path="jobs/all.jsonl", line=1, vpcConfig=DELETE),
        file_job("b", path="jobs/all.jsonl", line=2, hyperParameters__epochCount="100"),
        live_job("c", outputModelKmsKeyArn=DELETE),
    ]
    report = make_report(jobs, policy)
    xml = parse(report)
    names = [suite.name for suite in xml]
    assert names == [
        "job-a (jobs/all.jsonl:1)",
        "job-b (jobs/all.jsonl:2)",
        f"live-c ({ARN}c)",
    ]
    assert [suite._elem.get("file") for suite in xml] == ["jobs/all.jsonl", "jobs/all.jsonl", None]
    for suite, result in zip(xml, report.results, strict=True):
        assert len(cases(suite)) == len(result.checked)
    failed = {
        suite.name: sorted(c.name.split(" ")[0] for c in suite if not c.is_passed) for suite in xml
    }
    assert failed["job-a (jobs/all.jsonl:1)"] == ["BMC001"]
    assert "BMC204" in failed["job-b (jobs/all.jsonl:2)"]
    assert failed[f"live-c ({ARN}c)"] == ["BMC003"]
    assert_totals(xml)


def test_control_characters_in_job_values_keep_the_xml_well_formed() -> None:
    job = dataclasses.replace(
        make_job(jobName="bad\x01name", vpcConfig="vpc\x1b[31m"), origin=Origin(path="jobs/a.json")
    )
    xml = parse(make_report([job]))
    [suite] = suites(xml)
    assert suite.name == "bad\ufffdname (jobs/a.json:1)"
    [failure] = case_of(suite, "BMC001").result
    assert isinstance(failure, Failure)
    assert failure.text.startswith(
        "line 1: vpcConfig: must be of dict type (value: 'vpc\\x1b[31m')"
    )
    assert_totals(xml)
