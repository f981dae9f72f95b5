"""ASFF: every finding is one BatchImportFindings accepts, with ids stable across runs."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest
from helpers.audit import (
    ACCOUNT,
    DELETE,
    JOB_ARN,
    WHEN,
    asff_problems,
    example_report,
    make_job,
    make_report,
    pairs,
    with_controls,
)

from checker.errors import CheckerError
from checker.model import LoadError, Origin, Waiver
from checker.reports import FORMATS, RenderOptions, asff

OPTIONS = RenderOptions(generated_at=WHEN, default_region="us-east-1")
# Terraform examples name their role by reference: their account is the Security Hub's.
EXAMPLES = dataclasses.replace(OPTIONS, asff_account=ACCOUNT)


def by_rule(findings: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(f["GeneratorId"]).removeprefix("bedrock-checker/"): f for f in findings}


def test_the_examples_give_one_valid_finding_per_job_and_rule() -> None:
    report = example_report()
    findings = json.loads(FORMATS["asff"](report, EXAMPLES))

    assert asff_problems(findings) == []
    # 37 violations and 11 unknowns: job ARNs sit in several files, and a rule can report
    # several fields of one job, so 38 (job, rule) pairs.
    assert len(findings) == len(pairs(report)) == 38
    assert len({f["Id"] for f in findings}) == len(findings)
    statuses = [f["Compliance"]["Status"] for f in findings]
    assert statuses.count("WARNING") == 11
    assert statuses.count("FAILED") == 27
    assert {f["RecordState"] for f in findings} == {"ACTIVE"}
    assert all(f["Id"].startswith(f["GeneratorId"] + "/") for f in findings)


def test_severity_labels_follow_the_rule_and_unknown_is_informational() -> None:
    job = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": []})
    unknown = make_job(path="plan.json", jobName="planned", roleArn="{role}")
    findings = asff.findings(make_report([job, unknown]), OPTIONS)
    labels = {(f["Resources"][0]["Id"], f["GeneratorId"]): f["Severity"] for f in findings}

    assert labels[(JOB_ARN, "bedrock-checker/BMC002")] == {"Label": "MEDIUM", "Original": "warning"}
    error = [f for f in findings if f["Severity"]["Label"] == "HIGH"]
    assert error and all(f["Severity"]["Original"] == "error" for f in error)
    assert all(f["FindingProviderFields"]["Severity"] == f["Severity"] for f in findings)
    assert asff_problems(findings) == []


def test_an_unknown_outcome_is_a_warning_with_an_informational_label() -> None:
    report = example_report()
    unknown = [f for f in asff.findings(report, EXAMPLES) if f["Compliance"]["Status"] == "WARNING"]
    assert len(unknown) == 11
    assert {f["Severity"]["Label"] for f in unknown} == {"INFORMATIONAL"}
    assert all("cannot decide" in f["Description"] for f in unknown)


def test_the_resource_is_the_job_arn_with_the_account_region_and_product() -> None:
    job = make_job(vpcConfig=DELETE)
    [finding] = [
        f for f in asff.findings(make_report([job]), OPTIONS) if f["GeneratorId"].endswith("BMC001")
    ]
    assert finding["Resources"][0]["Id"] == JOB_ARN
    assert finding["Resources"][0]["Type"] == "Other"
    assert finding["Resources"][0]["Region"] == "us-east-1"
    assert finding["Resources"][0]["Details"]["Other"]["jobName"] == "good-ft-job"
    assert finding["AwsAccountId"] == ACCOUNT
    assert finding["ProductArn"] == (
        f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default"
    )
    assert finding["CreatedAt"] == "2026-11-29T10:45:43.056Z"  # the job's creation time
    assert finding["UpdatedAt"] == "2026-12-05T08:30:00.000Z"
    assert finding["Remediation"]["Recommendation"]["Url"].endswith("docs/rules/BMC001.md")
    assert finding["Remediation"]["Recommendation"]["Text"].startswith("Add vpcConfig")
    # The built-in mapping of BMC001: NIST SP 800-53 SC-7, ISO/IEC 27001 A.8.20 and A.8.22.
    assert finding["Compliance"]["RelatedRequirements"] == [
        "ISO/IEC 27001:2022 Annex A A.8.20",
        "ISO/IEC 27001:2022 Annex A A.8.22",
        "NIST SP 800-53 Rev. 5 SC-7",
    ]
    assert finding["Types"] == [
        asff.TYPE_BEST_PRACTICES,
        f"{asff.TYPE_STANDARDS}/ISO/IEC 27001:2022 Annex A",
        f"{asff.TYPE_STANDARDS}/NIST SP 800-53 Rev. 5",
    ]


def test_the_security_hub_account_and_region_override_the_jobs_own() -> None:
    job = make_job(vpcConfig=DELETE)
    options = dataclasses.replace(OPTIONS, asff_account="999988887777", asff_region="eu-west-1")
    finding = asff.findings(make_report([job]), options)[0]
    assert finding["ProductArn"] == (
        "arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default"
    )
    assert finding["Region"] == "eu-west-1"
    assert finding["AwsAccountId"] == ACCOUNT  # still the job's account
    assert finding["Resources"][0]["Region"] == "us-east-1"


def test_a_file_job_without_arn_gets_a_stable_synthetic_resource() -> None:
    create = {"jobArn": DELETE, "outputModelArn": DELETE, "vpcConfig": DELETE}
    first = asff.findings(make_report([make_job("jobs/a.json", 2, **create)]), OPTIONS)
    # Another run, later, with the job moved down its file: the same ids.
    later = dataclasses.replace(OPTIONS, generated_at=WHEN + datetime.timedelta(days=3))
    moved = make_job("jobs/a.json", 2, **create)
    moved = dataclasses.replace(moved, origin=dataclasses.replace(moved.origin, line=40))
    second = asff.findings(make_report([moved]), later)

    resource = first[0]["Resources"][0]["Id"]
    assert resource == "bedrock-checker:job:jobs/a.json#2:good-ft-job"
    assert [f["Id"] for f in first] == [f["Id"] for f in second]
    assert first[0]["UpdatedAt"] != second[0]["UpdatedAt"]


def test_hostile_job_names_stay_one_line_of_text() -> None:
    name = "evil\n<script>alert(1)</script>\u202e\x00" + "x" * 2000
    job = make_job(jobArn=DELETE, outputModelArn=DELETE, vpcConfig=DELETE, jobName=name)
    findings = asff.findings(make_report([job]), OPTIONS)
    assert asff_problems(findings) == []
    finding = findings[0]
    assert len(finding["Title"]) == 256 and finding["Title"].endswith("…")
    assert "\n" not in finding["Description"] and "\x00" not in finding["Description"]
    assert "\\u202e" in finding["Description"] and "\\x00" in finding["Description"]
    assert len(finding["Resources"][0]["Id"]) <= 512
    other = finding["Resources"][0]["Details"]["Other"]
    assert all(len(value) < 1024 for value in other.values())


def test_waived_violations_are_not_findings_but_unknowns_are() -> None:
    job = make_job(vpcConfig=DELETE)
    waiver = Waiver("BMC001", "lab account", datetime.date(2027, 1, 1), jobs=("good-ft-job",))
    findings = asff.findings(make_report([job], waivers=[waiver]), OPTIONS)
    assert "bedrock-checker/BMC001" not in {f["GeneratorId"] for f in findings}


def test_errored_jobs_have_no_finding() -> None:
    error = LoadError(Origin(path="broken.json"), "not JSON")
    assert asff.findings(make_report([error, make_job()]), OPTIONS) == []


def test_a_job_without_account_or_region_is_an_error_naming_it() -> None:
    job = make_job(
        "create.json",
        jobArn=DELETE,
        outputModelArn=DELETE,
        outputModelKmsKeyArn=DELETE,
        vpcConfig=DELETE,
        baseModelArn="amazon.titan-text-lite-v1:0:4k",
    )
    report = make_report([job])
    with pytest.raises(CheckerError, match=r"create\.json:1: job good-ft-job: no AWS region"):
        asff.findings(report, dataclasses.replace(OPTIONS, default_region=None))
    assert asff.findings(report, OPTIONS)[0]["Region"] == "us-east-1"
    nameless = make_report(
        [
            make_job(
                "tf.json",
                vpcConfig=DELETE,
                jobArn=DELETE,
                outputModelArn=DELETE,
                roleArn=DELETE,
                outputModelKmsKeyArn=DELETE,
            )
        ]
    )
    with pytest.raises(CheckerError, match=r"tf\.json:1: job good-ft-job: no AWS account"):
        asff.findings(nameless, OPTIONS)
    [finding] = [f for f in asff.findings(nameless, EXAMPLES) if "BMC001" in f["Id"]]
    assert finding["AwsAccountId"] == ACCOUNT


def test_mapped_controls_become_related_requirements_and_types() -> None:
    controls = {
        "BMC001": {"nist-800-53": ["SC-7", "AC-4"], "iso-27001": ["A.8.22"]},
        "BMC002": {"nist-800-53": [f"X-{n}" for n in range(40)]},
    }
    job = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]})
    report = with_controls(
        make_report(
            [
                job,
                make_job(
                    "b.json", jobName="b", jobArn=DELETE, outputModelArn=DELETE, vpcConfig=DELETE
                ),
            ]
        ),
        controls,
    )
    findings = asff.findings(report, OPTIONS)
    assert asff_problems(findings) == []
    rules = by_rule(findings)
    assert rules["BMC001"]["Compliance"]["RelatedRequirements"] == [
        "ISO/IEC 27001:2022 Annex A A.8.22",
        "NIST SP 800-53 Rev. 5 SC-7",
        "NIST SP 800-53 Rev. 5 AC-4",
    ]
    assert rules["BMC001"]["Types"] == [
        asff.TYPE_BEST_PRACTICES,
        f"{asff.TYPE_STANDARDS}/ISO/IEC 27001:2022 Annex A",
        f"{asff.TYPE_STANDARDS}/NIST SP 800-53 Rev. 5",
    ]
    assert len(rules["BMC002"]["Compliance"]["RelatedRequirements"]) == 32


def test_long_texts_are_cut_to_the_asff_limits() -> None:
    report = example_report()
    long_rule = dataclasses.replace(
        report.rules[0], description="d" * 3000, remediation="r" * 3000, title="t" * 500
    )
    results = tuple(
        dataclasses.replace(
            r,
            findings=tuple(
                dataclasses.replace(f, rule=long_rule, message="m" * 3000) for f in r.findings
            ),
        )
        for r in report.results
    )
    findings = asff.findings(dataclasses.replace(report, results=results), EXAMPLES)
    assert findings and asff_problems(findings) == []
    assert max(len(f["Description"]) for f in findings) == 1024
    assert max(len(f["Remediation"]["Recommendation"]["Text"]) for f in findings) == 512


# ---- archiving what a later run no longer reports


def previous_run() -> list[dict[str, object]]:
    """A run where the job failed BMC001 (error) and BMC002 (warning)."""
    job = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": []})
    return asff.findings(make_report([job]), OPTIONS)


def test_a_rule_that_now_passes_is_archived_as_passed() -> None:
    earlier = previous_run()
    assert {f["GeneratorId"] for f in earlier} >= {"bedrock-checker/BMC001"}
    fixed = make_report([make_job()])
    archived = asff.archived_findings(fixed, OPTIONS, earlier)

    assert {f["Id"] for f in archived} == {f["Id"] for f in earlier}
    assert {f["RecordState"] for f in archived} == {"ARCHIVED"}
    assert {f["Compliance"]["Status"] for f in archived} == {"PASSED"}
    assert asff_problems(archived) == []


def test_a_waived_rule_is_archived_as_failed_with_the_reason() -> None:
    earlier = previous_run()
    waiver = Waiver("BMC00[12]", "lab account", datetime.date(2027, 1, 1), jobs=("good-ft-job",))
    job = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": []})
    archived = asff.archived_findings(make_report([job], waivers=[waiver]), OPTIONS, earlier)

    assert archived and {f["Compliance"]["Status"] for f in archived} == {"FAILED"}
    reasons = archived[0]["Compliance"]["StatusReasons"]
    assert reasons[0]["ReasonCode"] == "WAIVER"
    assert "lab account" in reasons[0]["Description"]


def test_only_jobs_and_rules_of_this_run_are_archived() -> None:
    earlier = previous_run()
    still_failing = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": []})
    other_job = make_job("other.json", jobArn=JOB_ARN.replace("lo7152", "zz9999"))
    errored = LoadError(Origin(arn=JOB_ARN), "AccessDenied")

    assert asff.archived_findings(make_report([still_failing]), OPTIONS, earlier) == []
    assert asff.archived_findings(make_report([other_job]), OPTIONS, earlier) == []
    assert asff.archived_findings(make_report([errored]), OPTIONS, earlier) == []
    # The job passes, but only the cost pack was loaded: its baseline findings stay.
    cost_only = make_report([make_job()], policies=("builtin:cost",))
    assert asff.archived_findings(cost_only, OPTIONS, earlier) == []


def test_one_job_read_from_two_files_is_one_finding_per_rule() -> None:
    copies = [make_job("get.json", vpcConfig=DELETE), make_job("bulk.json", 0, vpcConfig=DELETE)]
    findings = asff.findings(make_report(copies), OPTIONS)
    assert [f["GeneratorId"] for f in findings].count("bedrock-checker/BMC001") == 1
    assert len({f["Id"] for f in findings}) == len(findings)
    assert asff_problems(findings) == []
