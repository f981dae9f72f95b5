"""BMC105 and resources.evaluation: the Completed Bedrock evaluation jobs of a job's custom model.

moto has no evaluation jobs nor Provisioned Throughput, so Bedrock's answers come from botocore's
Stubber on the client that deep mode reads with: each test queues exactly the calls it expects,
and the Stubber fails on a call made more, or with other parameters, than queued.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from helpers.deep import REGION, new_session
from helpers.enrich import enrich, findings, outcomes
from helpers.jobs import GOOD_JOB

from checker.aws.connection import Connection
from checker.enrich import MODEL_TAGS, Fetcher, needs
from checker.model import FindingStatus
from checker.policy import load_policy

PROMOTION = load_policy(["builtin:promotion"])
ACCOUNT = "111122223333"  # GOOD_JOB's account
MODEL = GOOD_JOB["outputModelArn"]
OTHER_MODEL = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-lite-v1:0:300k/zzzz"
PROVISIONED = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/abcdefghijkl"
OTHER_PROVISIONED = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/zzzzzzzzzzzz"
NOW = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
# The facts a policy that names the model's tags as evidence reads (see _tag_evidence_policy).
WITH_MODEL_TAGS = frozenset({"evaluation", MODEL_TAGS})


def evaluation_job(name: str, *models: str, legacy: bool = False) -> dict[str, Any]:
    """An EvaluationSummary of a Completed job that evaluated ``models`` (none: the summary
    names no model, as GetEvaluationJob must then be read)."""
    summary: dict[str, Any] = {
        "jobArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:evaluation-job/{name}",
        "jobName": name,
        "status": "Completed",
        "creationTime": NOW,
        "jobType": "Automated",
        "evaluationTaskTypes": ["Generation"],
    }
    if models and legacy:
        summary["modelIdentifiers"] = list(models)
    elif models:
        summary["inferenceConfigSummary"] = {
            "modelConfigSummary": {"bedrockModelIdentifiers": list(models)}
        }
    return summary


def provisioned(arn: str, model: str) -> dict[str, Any]:
    return {
        "provisionedModelName": arn.rsplit("/", 1)[1],
        "provisionedModelArn": arn,
        "modelArn": model,
        "desiredModelArn": model,
        "foundationModelArn": GOOD_JOB["baseModelArn"],
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "status": "InService",
        "creationTime": NOW,
        "lastModifiedTime": NOW,
    }


class Bedrock:
    """The stubbed Bedrock client of one deep run, and the fetcher that owns it."""

    def __init__(self) -> None:
        self.session = new_session()
        self.fetcher = Fetcher(Connection(), REGION)
        self.stubber = Stubber(self.fetcher.client(self.session, "bedrock", REGION))

    def evaluations(self, *pages: list[dict[str, Any]]) -> Bedrock:
        for index, page in enumerate(pages):
            # An empty list is below the model's minimum length: Bedrock leaves the key out.
            answer: dict[str, Any] = {"jobSummaries": page} if page else {}
            if index < len(pages) - 1:
                answer["nextToken"] = f"page-{index + 1}"
            params: dict[str, Any] = {"statusEquals": "Completed"}
            if index:
                params["nextToken"] = f"page-{index}"
            self.stubber.add_response("list_evaluation_jobs", answer, params)
        return self

    def provisioned(self, *summaries: dict[str, Any]) -> Bedrock:
        self.stubber.add_response(
            "list_provisioned_model_throughputs", {"provisionedModelSummaries": list(summaries)}, {}
        )
        return self

    def tags(self, tags: dict[str, str], model: str | None = MODEL) -> Bedrock:
        """The model's tags (``model`` None: any model's, for jobs read in parallel)."""
        self.stubber.add_response(
            "list_tags_for_resource",
            {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
            None if model is None else {"resourceARN": model},
        )
        return self

    def refuse(self, method: str, code: str = "AccessDeniedException") -> Bedrock:
        self.stubber.add_client_error(
            method, service_error_code=code, service_message="not authorized", http_status_code=403
        )
        return self

    def enrich(
        self, *documents: dict[str, Any], kinds: frozenset[str] = WITH_MODEL_TAGS
    ) -> list[Any]:
        with self.stubber:
            jobs = enrich(
                list(documents) or [dict(GOOD_JOB)],
                self.session,
                kinds=kinds,
                fetcher=self.fetcher,
            )
            self.stubber.assert_no_pending_responses()
        return jobs


@pytest.fixture
def bedrock() -> Iterator[Bedrock]:
    yield Bedrock()


def test_an_evaluation_of_a_provisioned_throughput_of_the_model_passes(bedrock: Bedrock) -> None:
    bedrock.evaluations([evaluation_job("aaaaaaaaaaaa", PROVISIONED)])
    bedrock.provisioned(provisioned(PROVISIONED, MODEL)).tags({"team": "search"})
    [job] = bedrock.enrich()
    facts = job.document["resources"]["evaluation"]
    assert facts == {
        "customModel": MODEL,
        "provisionedModels": [PROVISIONED],
        "completedJobs": [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:evaluation-job/aaaaaaaaaaaa"],
        "modelTags": {"team": "search"},
    }
    assert outcomes(job, PROMOTION)["BMC105"] == "passed"


def test_an_evaluation_naming_the_model_itself_passes(bedrock: Bedrock) -> None:
    bedrock.evaluations([evaluation_job("bbbbbbbbbbbb", MODEL, legacy=True)])
    [job] = bedrock.provisioned().tags({}).enrich()
    assert job.document["resources"]["evaluation"]["provisionedModels"] == []
    assert outcomes(job, PROMOTION)["BMC105"] == "passed"


def test_a_summary_naming_no_model_is_read_with_get_evaluation_job(bedrock: Bedrock) -> None:
    summary = evaluation_job("cccccccccccc")
    bedrock.evaluations([summary])
    bedrock.stubber.add_response(
        "get_evaluation_job",
        {
            "jobName": summary["jobName"],
            "status": "Completed",
            "jobArn": summary["jobArn"],
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/BedrockEvaluation",
            "jobType": "Automated",
            "evaluationConfig": {
                "automated": {
                    "datasetMetricConfigs": [
                        {
                            "taskType": "Generation",
                            "dataset": {"name": "Builtin.TREX"},
                            "metricNames": ["Builtin.Accuracy"],
                        }
                    ]
                }
            },
            "inferenceConfig": {"models": [{"bedrockModel": {"modelIdentifier": PROVISIONED}}]},
            "outputDataConfig": {"s3Uri": "s3://corp-out/evaluations/"},
            "creationTime": NOW,
        },
        {"jobIdentifier": summary["jobArn"]},
    )
    [job] = bedrock.provisioned(provisioned(PROVISIONED, MODEL)).tags({}).enrich()
    assert job.document["resources"]["evaluation"]["completedJobs"] == [summary["jobArn"]]
    assert outcomes(job, PROMOTION)["BMC105"] == "passed"


def test_evaluations_of_other_models_only_fail(bedrock: Bedrock) -> None:
    bedrock.evaluations(
        [evaluation_job("dddddddddddd", OTHER_PROVISIONED)],
        [evaluation_job("eeeeeeeeeeee", OTHER_MODEL, legacy=True)],
    )
    bedrock.provisioned(
        provisioned(OTHER_PROVISIONED, OTHER_MODEL), provisioned(PROVISIONED, MODEL)
    )
    [job] = bedrock.tags({"team": "search"}).enrich()
    facts = job.document["resources"]["evaluation"]
    assert facts["completedJobs"] == [] and facts["provisionedModels"] == [PROVISIONED]
    [finding] = findings(job, "BMC105", PROMOTION)
    assert finding.status is FindingStatus.VIOLATED
    assert finding.path == "resources.evaluation.completedJobs"
    assert finding.message == "resources.evaluation.completedJobs: min length is 1"
    assert finding.line == job.line_of("outputModelArn")


def test_an_unreadable_evaluation_listing_is_unknown_not_a_failure(bedrock: Bedrock) -> None:
    [job] = bedrock.refuse("list_evaluation_jobs").enrich()
    assert job.document["resources"]["evaluation"] is None
    [finding] = findings(job, "BMC105", PROMOTION)
    assert finding.status is FindingStatus.UNKNOWN
    assert "bedrock:ListEvaluationJobs" in finding.message
    assert "AccessDenied" in finding.message


def test_an_unreadable_provisioned_throughput_listing_is_unknown(bedrock: Bedrock) -> None:
    bedrock.evaluations([evaluation_job("ffffffffffff", PROVISIONED)])
    [job] = bedrock.refuse("list_provisioned_model_throughputs").enrich()
    [finding] = findings(job, "BMC105", PROMOTION)
    assert finding.status is FindingStatus.UNKNOWN
    assert "ListProvisionedModelThroughputs" in finding.message


def test_unreadable_tags_leave_the_evaluation_jobs_decisive(bedrock: Bedrock) -> None:
    bedrock.evaluations([evaluation_job("gggggggggggg", PROVISIONED)])
    [job] = (
        bedrock.provisioned(provisioned(PROVISIONED, MODEL))
        .refuse("list_tags_for_resource")
        .enrich()
    )
    unknown = job.document["resources"]["unknown"]
    assert "ListTagsForResource" in unknown["resources.evaluation.modelTags"]
    assert outcomes(job, PROMOTION)["BMC105"] == "passed"


def test_each_listing_is_read_once_for_every_job_of_a_region(bedrock: Bedrock) -> None:
    # One ListEvaluationJobs and one ListProvisionedModelThroughputs for the three jobs: the
    # Stubber has no second answer for either. Each model's tags are read once.
    other = {**GOOD_JOB, "jobName": "other-ft-job", "outputModelArn": OTHER_MODEL}
    again = {**GOOD_JOB, "jobName": "good-ft-job-again"}
    bedrock.evaluations([evaluation_job("hhhhhhhhhhhh", OTHER_PROVISIONED)])
    bedrock.provisioned(provisioned(OTHER_PROVISIONED, OTHER_MODEL))
    bedrock.tags({}, None).tags({}, None)
    mine, theirs, mine_again = bedrock.enrich(dict(GOOD_JOB), other, again)
    assert outcomes(mine, PROMOTION)["BMC105"] == "violated"
    assert outcomes(mine_again, PROMOTION)["BMC105"] == "violated"
    assert outcomes(theirs, PROMOTION)["BMC105"] == "passed"


def _tag_evidence_policy(tmp_path: Path) -> Any:
    path = tmp_path / "evidence.yaml"
    path.write_text(
        "vars:\n"
        "  evaluation_evidence:\n"
        "    - schema:\n"
        "        modelTags: {required: true, type: dict, required_keys: [evaluation-report]}\n",
        encoding="utf-8",
    )
    return load_policy(["builtin:promotion", str(path)])


def test_evidence_the_policy_names_passes_without_an_evaluation_job(
    bedrock: Bedrock, tmp_path: Path
) -> None:
    policy = _tag_evidence_policy(tmp_path)
    bedrock.evaluations([])
    bedrock.provisioned().tags({"evaluation-report": "s3://corp-evals/tickets/report.json"})
    [job] = bedrock.enrich()
    assert outcomes(job, policy)["BMC105"] == "passed"
    # The default policy names no such evidence: the same facts fail.
    assert outcomes(job, PROMOTION)["BMC105"] == "violated"


def test_without_the_evidence_the_policy_names_both_ways_are_reported(
    bedrock: Bedrock, tmp_path: Path
) -> None:
    policy = _tag_evidence_policy(tmp_path)
    bedrock.evaluations([]).provisioned().tags({"evaluation-report": " "})
    [job] = bedrock.enrich()
    messages = {f.message for f in findings(job, "BMC105", policy)}
    assert messages == {
        "resources.evaluation.completedJobs: min length is 1",
        "resources.evaluation.modelTags.evaluation-report: required key is empty",
    }


def test_without_deep_the_rule_is_unknown_and_it_is_about_completed_jobs_only() -> None:
    from helpers.jobs import make_job

    [finding] = findings(make_job(dict(GOOD_JOB)), "BMC105", PROMOTION)
    assert finding.status is FindingStatus.UNKNOWN
    assert "run with --deep" in finding.message
    running = make_job({**GOOD_JOB, "status": "InProgress"})
    assert "BMC105" not in outcomes(running, PROMOTION)


def test_the_promotion_pack_reads_the_evaluation_jobs_but_not_the_model_tags() -> None:
    # BMC105's anyof over $evaluation_evidence ([] by default) reads only completedJobs.
    [bmc105] = [c for c in PROMOTION.compiled if c.rule.id == "BMC105"]
    assert bmc105.reads == (
        "resources#type",
        "resources.evaluation#type",
        "resources.evaluation.completedJobs#skeleton",
    )
    assert needs(PROMOTION) == {"evaluation"}


def test_evidence_on_the_model_tags_makes_them_read(tmp_path: Path) -> None:
    assert needs(_tag_evidence_policy(tmp_path)) == {"evaluation", MODEL_TAGS}


@pytest.mark.parametrize("verdict", ["passed", "violated"])
def test_without_a_rule_on_the_model_tags_they_are_not_read(bedrock: Bedrock, verdict: str) -> None:
    # No tags are queued: the Stubber fails on a ListTagsForResource.
    evaluated = PROVISIONED if verdict == "passed" else OTHER_PROVISIONED
    bedrock.evaluations([evaluation_job("iiiiiiiiiiii", evaluated)])
    bedrock.provisioned(provisioned(PROVISIONED, MODEL))
    [job] = bedrock.enrich(kinds=needs(PROMOTION))
    assert job.document["resources"]["evaluation"]["modelTags"] is None
    unknown = job.document["resources"]["unknown"]
    assert unknown["resources.evaluation.modelTags"] == "was not fetched (no loaded rule reads it)"
    assert outcomes(job, PROMOTION)["BMC105"] == verdict
    assert [(f.status, f.path) for f in findings(job, "BMC105", PROMOTION)] == (
        []
        if verdict == "passed"
        else [(FindingStatus.VIOLATED, "resources.evaluation.completedJobs")]
    )
