"""AWS for tests without an account: fake credentials, moto jobs, and a wire that counts and
faults the requests botocore sends."""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto.bedrock.models import bedrock_backends

from checker.aws.connection import Connection
from checker.model import Job, LoadError
from checker.sources import bedrock as bedrock_source
from helpers.paths import FIXTURES

CREATE_JOB_FILE = FIXTURES / "aws" / "create-job.json"
CREATE_JOB: dict[str, Any] = json.loads(CREATE_JOB_FILE.read_text())
ACCOUNT = "123456789012"  # moto's default account


def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata: nothing leaves the machine."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_DEFAULT_OUTPUT",
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


def fake_aws_env(tmp_path: Path, key_id: str, secret: str, token: str) -> dict[str, str]:
    """This process's environment with fake AWS credentials and no config, profile or IMDS."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "CI"}
    environment.update(
        AWS_ACCESS_KEY_ID=key_id,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_SESSION_TOKEN=token,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    return environment


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


def scan(*regions: str, with_tags: bool = False, **selection: Any) -> list[Job | LoadError]:
    """The jobs the Bedrock source reads in ``regions`` (us-east-1 by default)."""
    connection = Connection(regions=regions or ("us-east-1",))
    return bedrock_source.read_jobs(
        connection, bedrock_source.Selection(**selection), with_tags=with_tags
    )


def names(items: list[Job | LoadError]) -> list[str | None]:
    return sorted(item.name for item in items if isinstance(item, Job))


def errors(items: list[Job | LoadError]) -> list[str]:
    return [item.message for item in items if isinstance(item, LoadError)]
