"""checker.sources.bedrock: listing, filters, regions, jobs by name or ARN, models, tags, and the
fields moto does not return (customizationConfig, statusDetails, invocationLogsConfig, a real KMS
key), which come through botocore's Stubber.

AWS is moto in-process (`mock_aws`); the Wire (helpers.aws) counts and faults the requests.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from helpers.aws import (
    ACCOUNT,
    Wire,
    create_job,
    errors,
    names,
    scan,
    set_status,
)
from helpers.paths import FIXTURES

from checker.aws.connection import Connection
from checker.errors import CheckerError
from checker.evaluate import evaluate
from checker.model import Job, LoadError
from checker.policy import load_policy
from checker.sources import bedrock as bedrock_source

pytestmark = pytest.mark.usefixtures("fake_aws", "no_backoff")


# -- Listing, filters, pagination, regions ---------------------------------------------------


def test_every_job_is_fetched_and_normalised_like_a_file(bedrock: Any) -> None:
    arn = create_job(bedrock, "ft-job")

    [job] = scan()

    assert isinstance(job, Job)
    assert job.kind == "get-response"
    assert (job.origin.region, job.origin.arn, job.origin.path) == ("us-east-1", arn, None)
    assert job.lines == {}
    assert job.document["jobArn"] == arn
    assert job.document["derived"]["account"] == ACCOUNT
    assert job.document["derived"]["region"] == "us-east-1"
    assert "ResponseMetadata" not in job.document
    assert "tags" not in job.document  # no loaded rule reads tags: not fetched
    created = job.document["creationTime"]
    assert isinstance(created, str)
    assert datetime.datetime.fromisoformat(created).year >= 2024


def test_every_status_is_listed_by_default(bedrock: Any) -> None:
    for index, status in enumerate(["Completed", "Failed", "Stopped", "InProgress"]):
        create_job(bedrock, f"job-{index}")
        set_status(f"job-{index}", status)

    items = scan()

    assert sorted(item.document["status"] for item in items if isinstance(item, Job)) == [
        "Completed",
        "Failed",
        "InProgress",
        "Stopped",
    ]


def test_pagination_is_followed_across_pages(bedrock: Any, wire: Wire) -> None:
    for index in range(5):
        create_job(bedrock, f"job-{index}")

    items = scan(page_size=2)

    assert names(items) == [f"job-{index}" for index in range(5)]
    assert wire.count("ListModelCustomizationJobs") == 3  # pages of 2, 2 and 1
    assert wire.count("GetModelCustomizationJob") == 5


@pytest.mark.parametrize(
    ("selection", "wire_param", "expected"),
    [
        ({"status": "Completed"}, "statusEquals=Completed", ["prod-a", "test-c"]),
        ({"name_contains": "prod-"}, "nameContains=prod-", ["prod-a", "prod-b"]),
        (
            {"created_after": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)},
            "creationTimeAfter=2000-01-01T00%3A00%3A00Z",
            ["prod-a", "prod-b", "test-c"],
        ),
        (
            {"created_before": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)},
            "creationTimeBefore=2000-01-01T00%3A00%3A00Z",
            [],
        ),
    ],
)
def test_filters_map_onto_list_parameters(
    bedrock: Any, wire: Wire, selection: dict[str, Any], wire_param: str, expected: list[str]
) -> None:
    for name, status in (("prod-a", "Completed"), ("prod-b", "Failed"), ("test-c", "Completed")):
        create_job(bedrock, name)
        set_status(name, status)

    items = scan(**selection)

    assert names(items) == expected
    [(_, url)] = [key for key in wire.attempts if key[0] == "ListModelCustomizationJobs"]
    assert wire_param in url


def test_max_jobs_caps_the_count_across_regions(bedrock: Any, wire: Wire) -> None:
    europe = boto3.client("bedrock", region_name="eu-west-1")
    for index in range(3):
        create_job(bedrock, f"us-{index}")
        create_job(europe, f"eu-{index}")

    items = scan("us-east-1", "eu-west-1", max_jobs=4, page_size=2)

    assert len(items) == 4
    assert sum(1 for i in items if i.origin.region == "us-east-1") == 3
    assert wire.count("GetModelCustomizationJob") == 4


def test_several_regions_each_name_their_jobs(bedrock: Any) -> None:
    us_arn = create_job(bedrock, "us-job")
    eu_arn = create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    items = scan("us-east-1", "eu-west-1")

    origins = {(item.origin.region, item.origin.arn) for item in items}
    assert origins == {("us-east-1", us_arn), ("eu-west-1", eu_arn)}


def test_the_default_region_comes_from_the_environment(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    create_job(bedrock, "ft-job")

    items = bedrock_source.read_jobs(Connection(), bedrock_source.Selection(), with_tags=False)

    assert names(items) == ["ft-job"]


def test_no_region_at_all_is_a_configuration_error(bedrock: Any) -> None:
    with pytest.raises(CheckerError, match="no AWS region: pass --region"):
        bedrock_source.read_jobs(Connection(), bedrock_source.Selection(), with_tags=False)


@pytest.mark.parametrize("region", ["us_east_1", "US-EAST-1", "useast1"])
def test_a_malformed_region_is_a_configuration_error(region: str) -> None:
    with pytest.raises(CheckerError, match=f"--region {region}: not an AWS region name"):
        scan(region)


# -- Identifiers: jobs by name or ARN, models -----------------------------------------------


def test_jobs_by_name_and_by_arn(bedrock: Any, wire: Wire) -> None:
    create_job(bedrock, "by-name")
    arn = create_job(bedrock, "by-arn")
    create_job(bedrock, "not-asked")

    items = scan(job_identifiers=("by-name", arn))

    assert names(items) == ["by-arn", "by-name"]
    assert wire.count("ListModelCustomizationJobs") == 0
    # moto answers ResourceNotFound to an ARN; the scanner asks again by the name it ends in.
    assert wire.count("GetModelCustomizationJob", "by-arn") == 2  # the ARN, then the name


def test_an_arn_is_looked_up_in_its_own_region(bedrock: Any) -> None:
    arn = create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    [job] = scan("us-east-1", job_identifiers=(arn,))

    assert isinstance(job, Job)
    assert job.origin.region == "eu-west-1"


def test_a_name_is_looked_up_in_every_region(bedrock: Any) -> None:
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    [job] = scan("us-east-1", "eu-west-1", job_identifiers=("eu-job",))

    assert isinstance(job, Job)
    assert job.origin.region == "eu-west-1"


def test_a_missing_job_is_an_error_result_and_the_others_are_evaluated(bedrock: Any) -> None:
    create_job(bedrock, "present")

    items = scan("us-east-1", "eu-west-1", job_identifiers=("present", "absent"))

    assert names(items) == ["present"]
    assert errors(items) == [
        "job absent: ResourceNotFoundException: Model customization job absent not found "
        "(looked up in us-east-1, eu-west-1)"
    ]


@pytest.mark.parametrize("by", ["name", "arn"])
def test_a_custom_model_resolves_to_the_job_that_produced_it(bedrock: Any, by: str) -> None:
    job_arn = create_job(bedrock, "producer")
    create_job(bedrock, "other")
    model = bedrock.get_custom_model(modelIdentifier="producer-model")
    identifier = model["modelName"] if by == "name" else model["modelArn"]

    [job] = scan(model_identifiers=(identifier,))

    assert isinstance(job, Job)
    assert job.arn == job_arn


def test_a_model_without_a_job_is_an_error_result() -> None:
    client = boto3.client("bedrock", region_name="us-east-1")
    model_arn = "arn:aws:bedrock:us-east-1:111122223333:custom-model/imported/abcdefabcdef"
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_custom_model",
            {
                "modelArn": model_arn,
                "modelName": "imported-model",
                "creationTime": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            },
            {"modelIdentifier": "imported-model"},
        )
        [item] = bedrock_source.collect(
            [bedrock_source.Scope(client, "us-east-1")],
            bedrock_source.Selection(model_identifiers=("imported-model",)),
            with_tags=False,
            workers=1,
        )

    assert isinstance(item, LoadError)
    assert item.origin.arn == model_arn
    assert "was not produced by a customization job" in item.message


def test_identifiers_and_list_filters_do_not_mix() -> None:
    with pytest.raises(CheckerError, match="cannot be combined with --status"):
        scan(job_identifiers=("a",), status="Completed")


# -- Tags -----------------------------------------------------------------------------------

TAG_POLICY = """\
rules:
  - id: ORG900
    title: Tag every job with its team
    description: Costs are allocated by the team tag.
    severity: error
    schema:
      tags:
        type: dict
        required: true
        schema:
          team: {type: string, required: true}
"""


def test_tags_are_fetched_only_when_a_rule_reads_them(
    bedrock: Any, wire: Wire, tmp_path: Path
) -> None:
    create_job(bedrock, "tagged")
    create_job(bedrock, "untagged", jobTags=[{"key": "owner", "value": "ml"}])
    policy_file = tmp_path / "tags.yaml"
    policy_file.write_text(TAG_POLICY)
    tag_policy = load_policy([str(policy_file)])
    builtin = load_policy(["builtin:baseline", "builtin:promotion", "builtin:cost"])

    assert tag_policy.reads_under("tags") is True
    assert builtin.reads_under("tags") is False

    scan(with_tags=builtin.reads_under("tags"))
    assert wire.count("ListTagsForResource") == 0

    items = scan(with_tags=tag_policy.reads_under("tags"))
    assert wire.count("ListTagsForResource") == 2
    tags = {item.name: item.document["tags"] for item in items if isinstance(item, Job)}
    assert tags == {"tagged": {"team": "search"}, "untagged": {"owner": "ml"}}
    results = {r.job.name: [f.rule.id for f in r.findings] for r in evaluate(items, tag_policy)}
    assert results == {"tagged": [], "untagged": ["ORG900"]}


def test_a_when_that_reads_tags_counts_too(tmp_path: Path) -> None:
    policy_file = tmp_path / "when.yaml"
    policy_file.write_text(
        TAG_POLICY.replace(
            "    schema:\n      tags:",
            "    when:\n      tags: {type: dict, required: true}\n    schema:\n      tags:",
        ).replace(
            "        type: dict\n        required: true\n        schema:",
            "        type: dict\n        schema:",
        )
    )
    policy = load_policy([str(policy_file)])
    assert policy.compiled[0].when_reads is not None
    assert any(p.startswith("tags") for p in policy.compiled[0].when_reads)
    assert policy.reads_under("tags") is True


# -- Fields moto does not model: botocore's Stubber ------------------------------------------


def _api_response(document: dict[str, Any]) -> dict[str, Any]:
    """A fixture document as botocore returns it: timestamps as datetime values."""
    response = copy.deepcopy(document)
    for key in ("creationTime", "endTime"):
        response[key] = datetime.datetime.fromisoformat(response[key])
    for details in response["statusDetails"].values():
        details["creationTime"] = datetime.datetime.fromisoformat(details["creationTime"])
    return response


def test_fields_moto_drops_survive_normalisation_and_are_evaluated() -> None:
    document = json.loads((FIXTURES / "aws" / "distillation-get-response.json").read_text())
    client = boto3.client("bedrock", region_name="us-east-1")
    summary = {
        "jobArn": document["jobArn"],
        "baseModelArn": document["baseModelArn"],
        "jobName": document["jobName"],
        "status": "Completed",
        "creationTime": datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
    }
    with Stubber(client) as stubber:
        stubber.add_response(
            "list_model_customization_jobs",
            {"modelCustomizationJobSummaries": [summary]},
            {"maxResults": 100},
        )
        stubber.add_response(
            "get_model_customization_job",
            _api_response(document),
            {"jobIdentifier": "distill-job"},
        )
        stubber.add_response(
            "list_tags_for_resource",
            {"tags": [{"key": "team", "value": "search"}]},
            {"resourceARN": document["jobArn"]},
        )
        [item] = bedrock_source.collect(
            [bedrock_source.Scope(client, "us-east-1")],
            bedrock_source.Selection(),
            with_tags=True,
            workers=1,
        )
        stubber.assert_no_pending_responses()

    assert isinstance(item, bedrock_source.FetchedJob)
    assert item.document() == {**document, "tags": {"team": "search"}}  # ISO strings again
    job = item.to_job()
    assert job.document["derived"]["kmsKeyForm"] == "key-arn"
    assert job.document["derived"]["teacherModelId"] == "us.amazon.nova-premier-v1:0"
    assert job.document["derived"]["dataUris"][0]["role"] == "invocationLogs"
    assert job.document["statusDetails"]["trainingDetails"]["creationTime"] == (
        "2026-02-01T10:30:00+00:00"
    )
    [result] = evaluate([job], load_policy(["builtin:baseline"]))
    assert sorted(f.rule.id for f in result.findings) == ["BMC007", "BMC009"]
