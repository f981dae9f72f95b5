"""checker.sources.bedrock under faults: retries, a job or region that fails beside the others,
credentials and endpoints that fail the whole run.

AWS is moto in-process (`mock_aws`); faults are injected by the Wire (helpers.aws), a
`before-send` handler registered ahead of moto's that also counts every attempt botocore makes.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from helpers.aws import (
    ACCOUNT,
    Wire,
    create_job,
    errors,
    names,
    scan,
)

from checker.aws.connection import Connection
from checker.errors import CheckerError
from checker.model import LoadError
from checker.sources import bedrock as bedrock_source

pytestmark = pytest.mark.usefixtures("fake_aws", "no_backoff")


# -- Faults: retries, isolation, unreachable scopes ------------------------------------------


@pytest.mark.parametrize(
    ("fault", "attempts"),
    [
        # 8 attempts, then 8 more in the final pass for throttling and 5xx
        ((429, "ThrottlingException"), 16),
        ((503, "ServiceUnavailableException"), 16),
        ((500, "InternalServerException"), 16),
        ((403, "AccessDeniedException"), 1),  # not retryable
        (ReadTimeoutError(endpoint_url="https://bedrock.us-east-1.amazonaws.com"), 8),
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
    assert wire.count("GetModelCustomizationJob") == 10  # 5, and 5 more in the final pass


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
