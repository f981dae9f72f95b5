"""`scan` reads a custom model's evaluations without --deep when the loaded rules (BMC105 of the
promotion pack) read nothing else of the account beside the job, as it reads tags.

moto has no evaluation jobs or Provisioned Throughputs: the `evaluations` fixture answers the two
listings (tests/enrich/test_evaluation.py tests them against botocore's Stubber)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.aws import ACCOUNT, create_job, set_status
from helpers.cli import report, run

pytestmark = pytest.mark.usefixtures("fake_aws_in_tmp")
MODEL = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/done-job-model-done-job"


def bmc105(*policies: str) -> list[dict[str, Any]]:
    args = [arg for policy in policies for arg in ("--policy", policy)]
    result = run("scan", "--region", "us-east-1", *args, "--format", "json")
    [job] = report(result)["jobs"]
    assert job["outcome"] != "errored", job
    return [f for f in job["findings"] if f["ruleId"] == "BMC105"]


@pytest.fixture
def completed_job(bedrock: Any) -> None:
    create_job(bedrock, "done-job")
    set_status("done-job", "Completed")


@pytest.mark.usefixtures("completed_job")
def test_an_evaluated_model_passes_without_deep(evaluations: dict[str, Any]) -> None:
    evaluations["evaluated"] = {MODEL}
    assert bmc105("builtin:promotion") == []
    assert evaluations["reads"] == 1


@pytest.mark.usefixtures("completed_job")
def test_a_model_never_evaluated_fails_without_deep(evaluations: dict[str, Any]) -> None:
    [finding] = bmc105("builtin:promotion")
    assert (finding["status"], finding["path"]) == (
        "violated",
        "resources.evaluation.completedJobs",
    )


@pytest.mark.usefixtures("completed_job")
def test_rules_that_need_deep_keep_saying_so(evaluations: dict[str, Any]) -> None:
    [finding] = bmc105("builtin:promotion", "builtin:deep")
    assert finding["status"] == "unknown"
    assert "run with --deep" in finding["message"]
    assert evaluations["reads"] == 0


@pytest.mark.usefixtures("completed_job")
def test_the_baseline_reads_no_evaluation(evaluations: dict[str, Any]) -> None:
    assert bmc105("builtin:baseline") == []
    assert evaluations["reads"] == 0
