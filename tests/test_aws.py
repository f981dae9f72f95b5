"""checker.sources.bedrock and checker.aws: listing, filters, regions, models, tags, redaction.

AWS is moto in-process (`mock_aws`). Fields moto does not return (customizationConfig,
statusDetails, invocationLogsConfig, a real KMS key) come through botocore's Stubber. Throttling,
5xx, AccessDenied and timeouts are injected with a `before-send` handler registered ahead of
moto's, which also counts every attempt botocore makes.

The helpers here (`aws_env`, `create_job`, `Wire`) are imported by test_scan_cli.py and
test_scan_e2e.py too.
"""

from __future__ import annotations

import copy
import datetime
import io
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws
from moto.bedrock.models import bedrock_backends

from checker.aws import redact as aws_redact
from checker.aws import session as aws_session
from checker.aws.connection import Connection
from checker.errors import CheckerError
from checker.evaluate import evaluate
from checker.model import Job, LoadError
from checker.policy import load_policy
from checker.sources import bedrock as bedrock_source

FIXTURES = Path(__file__).parent / "fixtures" / "aws"
CREATE_JOB: dict[str, Any] = json.loads((FIXTURES / "create-job.json").read_text())
ACCOUNT = "123456789012"  # moto's default account
HINT = " (see docs/live.md for the IAM permissions needed)"


def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata: nothing leaves the machine."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_BEDROCK",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
        "AWS_CA_BUNDLE",
        "AWS_SESSION_TOKEN",
        "CI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    aws_env(monkeypatch, tmp_path)


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retries still happen, without their exponential sleeps."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda *a: 0)


def create_job(client: Any, name: str, **overrides: Any) -> str:
    """Create a job from the shared create request; ``overrides`` replace top-level fields
    (None removes one)."""
    request = copy.deepcopy(CREATE_JOB)
    request.update(jobName=name, customModelName=f"{name}-model", **overrides)
    request = {key: value for key, value in request.items() if value is not None}
    return str(client.create_model_customization_job(**request)["jobArn"])


def set_status(name: str, status: str, region: str = "us-east-1") -> None:
    bedrock_backends[ACCOUNT][region].model_customization_jobs[name].status = status


class _Body:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


class Wire:
    """Counts every attempt botocore sends, and answers some of them with a fault instead."""

    def __init__(self) -> None:
        self.attempts: Counter[tuple[str, str]] = Counter()
        self.headers: list[dict[str, str]] = []
        self.faults: list[tuple[str, str, Any, int | None]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.delay = 0.0

    def fail(
        self, operation: str, fault: Any, *, where: str = "", times: int | None = None
    ) -> None:
        """Answer ``operation`` calls whose URL contains ``where`` with ``fault``: an
        ``(HTTP status, error code)`` pair or an exception; ``times`` times, or always."""
        self.faults.append((operation, where, fault, times))

    def attach(self, events: Any) -> None:
        events.register_first("before-send.bedrock", self._before_send)
        events.register_first("before-send.sts", self._before_send)

    def attach_session(self, session: Any) -> Any:
        self.attach(session.events)
        return session

    def count(self, operation: str, where: str = "") -> int:
        return sum(n for (op, url), n in self.attempts.items() if op == operation and where in url)

    def _before_send(self, request: Any, event_name: str, **_: Any) -> Any:
        operation = event_name.split(".")[-1]
        with self.lock:
            self.attempts[(operation, request.url)] += 1
            self.headers.append({k: str(v) for k, v in request.headers.items()})
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._fault(operation, request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _fault(self, operation: str, request: Any) -> Any:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        for index, (op, where, fault, times) in enumerate(self.faults):
            if op != operation or (where not in request.url and where not in body) or times == 0:
                continue
            if times is not None:
                self.faults[index] = (op, where, fault, times - 1)
            if isinstance(fault, Exception):
                raise fault
            status, code = fault
            if operation == "AssumeRole":  # STS speaks XML
                error = f"<ErrorResponse><Error><Code>{code}</Code><Message>injected</Message>"
                return AWSResponse(
                    request.url, status, {}, _Body(f"{error}</Error></ErrorResponse>".encode())
                )
            payload = json.dumps({"message": f"injected {code}"}).encode()
            headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
            return AWSResponse(request.url, status, headers, _Body(payload))
        return None


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    """A Wire on every session the scanner makes."""
    injected = Wire()
    real = aws_session.make_session
    monkeypatch.setattr(
        aws_session, "make_session", lambda profile: injected.attach_session(real(profile))
    )
    return injected


@pytest.fixture
def bedrock() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("bedrock", region_name="us-east-1")


def scan(*regions: str, with_tags: bool = False, **selection: Any) -> list[Job | LoadError]:
    connection = Connection(regions=regions or ("us-east-1",))
    return bedrock_source.read_jobs(
        connection, bedrock_source.Selection(**selection), with_tags=with_tags
    )


def names(items: list[Job | LoadError]) -> list[str | None]:
    return sorted(item.name for item in items if isinstance(item, Job))


def errors(items: list[Job | LoadError]) -> list[str]:
    return [item.message for item in items if isinstance(item, LoadError)]


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
        "job absent: ResourceNotFoundException: not found in us-east-1, eu-west-1"
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
    document = json.loads((FIXTURES / "distillation-get-response.json").read_text())
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


# -- Faults: retries, isolation, unreachable scopes ------------------------------------------


@pytest.mark.parametrize(
    ("fault", "attempts"),
    [
        ((429, "ThrottlingException"), 3),
        ((503, "ServiceUnavailableException"), 3),
        ((500, "InternalServerException"), 3),
        ((403, "AccessDeniedException"), 1),  # not retryable
        (ReadTimeoutError(endpoint_url="https://bedrock.us-east-1.amazonaws.com"), 3),
    ],
)
def test_a_job_that_keeps_failing_is_an_error_result_after_the_retries(
    bedrock: Any, wire: Wire, fault: Any, attempts: int
) -> None:
    for name in ("good-1", "bad", "good-2"):
        create_job(bedrock, name)
    wire.fail("GetModelCustomizationJob", fault, where="/bad")

    items = scan()

    assert names(items) == ["good-1", "good-2"]
    [error] = [item for item in items if isinstance(item, LoadError)]
    code = fault[1] if isinstance(fault, tuple) else "ReadTimeoutError"
    assert error.message.startswith(f"cannot fetch job bad (us-east-1, account {ACCOUNT}): {code}")
    assert error.origin.region == "us-east-1"
    assert error.origin.arn == f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/bad"
    assert wire.count("GetModelCustomizationJob", "/bad") == attempts
    assert wire.count("GetModelCustomizationJob", "/good-1") == 1


def test_throttling_that_passes_is_retried_by_botocore(bedrock: Any, wire: Wire) -> None:
    create_job(bedrock, "busy")
    wire.fail("GetModelCustomizationJob", (429, "ThrottlingException"), times=2)

    items = scan()

    assert names(items) == ["busy"]
    assert wire.count("GetModelCustomizationJob") == 3


def test_max_attempts_reaches_botocore(bedrock: Any, wire: Wire) -> None:
    create_job(bedrock, "busy")
    wire.fail("GetModelCustomizationJob", (429, "ThrottlingException"))
    connection = Connection(regions=("us-east-1",), max_attempts=5)

    [item] = bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)

    assert isinstance(item, LoadError)
    assert "ThrottlingException" in item.message
    assert wire.count("GetModelCustomizationJob") == 5


def test_a_failing_tag_call_makes_the_job_an_error(bedrock: Any, wire: Wire) -> None:
    create_job(bedrock, "ft-job")
    wire.fail("ListTagsForResource", (403, "AccessDeniedException"))

    [item] = scan(with_tags=True)

    assert isinstance(item, LoadError)
    assert "AccessDeniedException" in item.message


def test_a_region_that_cannot_be_listed_is_an_error_next_to_the_others(
    bedrock: Any, wire: Wire
) -> None:
    create_job(bedrock, "us-job")
    wire.fail("ListModelCustomizationJobs", (403, "AccessDeniedException"), where="eu-west-1")

    items = scan("us-east-1", "eu-west-1")

    assert names(items) == ["us-job"]
    [error] = [item for item in items if isinstance(item, LoadError)]
    assert error.origin.region == "eu-west-1"
    assert error.key == "eu-west-1"
    assert error.message.startswith("cannot list model customization jobs: AccessDeniedException")


def test_a_region_without_bedrock_is_an_error_next_to_the_others(bedrock: Any, wire: Wire) -> None:
    create_job(bedrock, "us-job")
    url = "https://bedrock.ap-east-9.amazonaws.com"
    wire.fail("ListModelCustomizationJobs", EndpointConnectionError(endpoint_url=url), where=url)

    items = scan("us-east-1", "ap-east-9")

    assert names(items) == ["us-job"]
    assert errors(items) == [
        f"cannot list model customization jobs: cannot reach {url} (is Amazon "
        "Bedrock available in this region, and the endpoint reachable?)"
    ]


def test_no_region_reachable_is_one_configuration_error(bedrock: Any, wire: Wire) -> None:
    wire.fail("ListModelCustomizationJobs", (403, "AccessDeniedException"))

    with pytest.raises(CheckerError) as raised:
        scan("us-east-1", "eu-west-1")

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        "us-east-1, eu-west-1: cannot list model customization jobs: AccessDeniedException"
    )


def test_no_credentials_is_one_configuration_error(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(
        CheckerError, match=r"^us-east-1: no AWS credentials found: set AWS_PROFILE"
    ):
        scan()


@pytest.mark.parametrize("code", ["ExpiredTokenException", "UnrecognizedClientException"])
def test_rejected_credentials_are_one_configuration_error(
    bedrock: Any, wire: Wire, code: str
) -> None:
    wire.fail("ListModelCustomizationJobs", (403, code))
    wire.fail("GetModelCustomizationJob", (403, code))

    with pytest.raises(CheckerError, match=f"the AWS credentials were rejected \\({code}"):
        scan()
    with pytest.raises(CheckerError, match="the AWS credentials were rejected"):
        scan(job_identifiers=("ft-job",))


def test_an_unknown_profile_is_a_configuration_error() -> None:
    connection = Connection(regions=("us-east-1",), profile="nope")
    with pytest.raises(CheckerError, match="--profile nope: no such profile"):
        bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)


def test_an_unreachable_endpoint_is_a_configuration_error() -> None:
    connection = Connection(
        regions=("us-east-1",), endpoint_url="http://127.0.0.1:9", max_attempts=1
    )
    with pytest.raises(CheckerError, match=r"cannot reach http://127\.0\.0\.1:9/"):
        bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)


# -- Clients, concurrency, roles ---------------------------------------------------------------


def test_one_client_per_region_shared_by_the_threads(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(6):
        create_job(bedrock, f"us-{index}")
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-0")
    made: list[Any] = []
    real = aws_session.make_session

    def counting(profile: str | None) -> Any:
        session = real(profile)
        original = session.client

        def client(*args: Any, **kwargs: Any) -> Any:
            made.append(original(*args, **kwargs))
            return made[-1]

        session.client = client
        return session

    monkeypatch.setattr(aws_session, "make_session", counting)
    connection = Connection(regions=("us-east-1", "eu-west-1"), max_concurrency=32)

    items = bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)

    assert len(items) == 7
    assert [c.meta.region_name for c in made] == ["us-east-1", "eu-west-1"]
    assert all(c.meta.config.max_pool_connections >= 32 for c in made)
    assert made[0].meta.config.retries["mode"] == "standard"


@pytest.mark.parametrize(
    ("option", "environment", "expected"),
    [
        (None, None, "standard"),
        ("adaptive", None, "adaptive"),
        (None, "adaptive", "adaptive"),
        ("standard", "adaptive", "standard"),
        (None, "legacy", "standard"),  # botocore's own default is legacy: never used here
    ],
)
def test_the_retry_mode_is_botocores(
    monkeypatch: pytest.MonkeyPatch, option: str | None, environment: str | None, expected: str
) -> None:
    if environment:
        monkeypatch.setenv("AWS_RETRY_MODE", environment)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    connection = Connection(retry_mode=option, cli_read_timeout=0, cli_connect_timeout=2.5)

    [scope] = bedrock_source.open_scopes(
        connection, [aws_session.Target(aws_session.make_session(None))], ["us-east-1"]
    )

    config = scope.client.meta.config
    assert config.retries["mode"] == expected
    assert config.retries.get("total_max_attempts") == 7  # AWS_MAX_ATTEMPTS still applies
    assert (config.read_timeout, config.connect_timeout) == (None, 2.5)


def test_get_calls_run_in_parallel_within_the_bound(bedrock: Any, wire: Wire) -> None:
    for index in range(12):
        create_job(bedrock, f"job-{index}")
    wire.delay = 0.05
    connection = Connection(regions=("us-east-1",), max_concurrency=4)

    items = bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)

    assert len(names(items)) == 12
    assert wire.most_in_flight == 4


def test_progress_reports_every_job(bedrock: Any) -> None:
    for index in range(3):
        create_job(bedrock, f"job-{index}")
    seen: list[tuple[int, int]] = []
    connection = Connection(regions=("us-east-1",))

    bedrock_source.read_jobs(
        connection, bedrock_source.Selection(), with_tags=False, progress=lambda *p: seen.append(p)
    )

    assert seen[-1] == (3, 3)
    assert all(done <= total for done, total in seen)


def bedrock_client_as(role: str) -> Any:
    """A Bedrock client in us-east-1 with the credentials of ``role`` (moto's STS)."""
    credentials = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=role, RoleSessionName="setup"
    )["Credentials"]
    return boto3.client(
        "bedrock",
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_roles_are_assumed_to_scan_other_accounts(bedrock: Any) -> None:
    other = "111122223333"
    role = f"arn:aws:iam::{other}:role/BedrockAudit"
    theirs = create_job(bedrock_client_as(role), "their-job")
    create_job(bedrock, "our-job")

    connection = Connection(regions=("us-east-1",), assume_roles=(role,))
    [job] = bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)

    assert isinstance(job, Job)
    assert job.arn == theirs
    assert job.document["derived"]["account"] == other


def test_a_role_that_cannot_be_assumed_is_an_error_beside_the_other_accounts(
    bedrock: Any, wire: Wire
) -> None:
    denied = "arn:aws:iam::444455556666:role/BedrockAudit"
    allowed = "arn:aws:iam::111122223333:role/BedrockAudit"
    wire.fail("AssumeRole", (403, "AccessDenied"), where="444455556666")
    connection = Connection(regions=("us-east-1", "eu-west-1"), assume_roles=(denied, allowed))

    items = bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)

    assert [
        (item.origin.region, item.message) for item in items if isinstance(item, LoadError)
    ] == [
        (
            region,
            f"account 444455556666: cannot assume role {denied}: AccessDenied: injected" + HINT,
        )
        for region in ("us-east-1", "eu-west-1")
    ]
    assert wire.count("ListModelCustomizationJobs") == 0  # the role sessions have no Wire


def test_no_role_assumed_at_all_is_one_configuration_error(bedrock: Any, wire: Wire) -> None:
    role = "arn:aws:iam::444455556666:role/BedrockAudit"
    wire.fail("AssumeRole", (403, "AccessDenied"))
    connection = Connection(regions=("us-east-1",), assume_roles=(role,))

    with pytest.raises(CheckerError) as raised:
        bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)

    assert str(raised.value) == (
        f"us-east-1 (account 444455556666): cannot assume role {role}: AccessDenied: injected{HINT}"
    )


def test_a_name_found_in_one_region_and_denied_in_another_reports_both(
    bedrock: Any, wire: Wire
) -> None:
    create_job(bedrock, "ft-job")
    wire.fail("GetModelCustomizationJob", (403, "AccessDeniedException"), where="eu-west-1")

    items = scan("us-east-1", "eu-west-1", job_identifiers=("ft-job",))

    assert names(items) == ["ft-job"]
    assert errors(items) == [
        "cannot fetch job ft-job (eu-west-1): AccessDeniedException: injected AccessDeniedException"
    ]


def test_a_role_arn_must_be_a_role_arn(bedrock: Any, wire: Wire) -> None:
    connection = Connection(regions=("us-east-1",), assume_roles=("arn:aws:iam::1:role/x",))
    with pytest.raises(CheckerError, match="--assume-role arn:aws:iam::1:role/x: not an IAM role"):
        bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)


# -- Debug logs never show a secret --------------------------------------------------------

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=="
SIGNATURE = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"


@pytest.mark.parametrize(
    "line",
    [
        f"headers={{'X-Amz-Security-Token': b'{TOKEN}', 'Authorization': b'AWS4-HMAC-SHA256 "
        f"Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={SIGNATURE}'}}",
        f"x-amz-security-token:{TOKEN}\nhost;x-amz-date;x-amz-security-token",
        f"Signature:\n{SIGNATURE}",
        f"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature={SIGNATURE}",
        f"https://bucket.s3.amazonaws.com/k?X-Amz-Signature={SIGNATURE}&X-Amz-Security-Token={TOKEN}",
        f"b'<AssumeRoleResult><Credentials><SecretAccessKey>{SECRET}</SecretAccessKey>"
        f"<SessionToken>{TOKEN}</SessionToken></Credentials></AssumeRoleResult>'",
        f"aws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}",
        f'{{"SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}"}}',
    ],
)
def test_the_redactor_masks_every_secret_form(line: str) -> None:
    redacted = aws_redact.redact(line)
    for secret in (SECRET, TOKEN, SIGNATURE):
        assert secret not in redacted
    assert "***" in redacted


def test_the_wire_log_of_a_real_run_holds_no_secret(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_job(bedrock, "ft-job")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)  # what --debug's logging.basicConfig does
    root.addHandler(handler)
    try:
        items = scan()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)

    log = stream.getvalue()
    assert names(items) == ["ft-job"]
    for expected in (
        "/model-customization-jobs/ft-job",
        "'Authorization': b'***'",
        "Signature:\n***",
    ):
        assert expected in log, f"{expected!r} is not in the log:\n{log[:5000]}"
    for secret in (SECRET, TOKEN):
        at = log.find(secret)
        assert at < 0, f"a secret in the log: ...{log[max(at - 400, 0) : at + 80]}"
    leak = re.search(r"Signature[:=]\s*[0-9a-f]{64}", log)
    assert leak is None, (
        f"a signature in the log: ...{log[max(leak.start() - 400, 0) : leak.end()]}"
    )


def test_redaction_is_installed_once_per_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = logging.StreamHandler(io.StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        aws_redact.install_redaction()
        aws_redact.install_redaction()
    finally:
        root.removeHandler(handler)
    assert sum(isinstance(f, aws_redact.SecretRedactor) for f in handler.filters) == 1
