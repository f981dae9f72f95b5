"""checker.aws: one client per region shared by the threads, botocore's retry mode, assumed roles
across accounts, and redaction of every secret in the debug log.

AWS is moto in-process (`mock_aws`); the Wire (helpers.aws) counts and faults the requests.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import boto3
import pytest
from helpers.aws import (
    Wire,
    bedrock_client_as,
    create_job,
    errors,
    names,
    scan,
)

from checker.aws import redact as aws_redact
from checker.aws import session as aws_session
from checker.aws.connection import AUTO_MAX, Connection
from checker.errors import CheckerError
from checker.model import Job, LoadError
from checker.sources import bedrock as bedrock_source

HINT = " (see docs/live.md for the IAM permissions needed)"


pytestmark = pytest.mark.usefixtures("fake_aws", "no_backoff")


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
    assert made[0].meta.config.retries["mode"] == "adaptive"  # the default (docs/live.md)


@pytest.mark.parametrize(
    ("option", "environment", "expected"),
    [
        (None, None, "adaptive"),
        ("adaptive", None, "adaptive"),
        (None, "adaptive", "adaptive"),
        ("standard", "adaptive", "standard"),
        (None, "legacy", "adaptive"),  # botocore's own default is legacy: never used here
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


def test_by_default_the_pool_holds_the_most_calls_the_scan_may_choose(
    bedrock: Any, wire: Wire
) -> None:
    for index in range(12):
        create_job(bedrock, f"job-{index}")
    wire.delay = 0.05
    connection = Connection(regions=("us-east-1",))
    assert connection.max_concurrency is None  # chosen from the work

    items = bedrock_source.read_jobs(connection, bedrock_source.Selection(), with_tags=False)

    assert len(names(items)) == 12
    assert 1 <= wire.most_in_flight <= 12
    config = aws_session.client_config(connection, aws_session.make_session(None), "us-east-1")
    assert config.max_pool_connections == AUTO_MAX


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


@pytest.mark.parametrize("signature", ["b3f0a9", "bb"])
def test_a_secret_starting_with_b_is_masked_whole(signature: str) -> None:
    # "b" is a bytes prefix only before a quote; a signature that starts with it is masked too.
    redacted = aws_redact.redact(f"X-Amz-Signature={signature}&next=1")
    assert redacted == "X-Amz-Signature=***&next=1"
