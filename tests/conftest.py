"""Fixtures for every test folder; builders live in the helpers package."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.aws import Wire, aws_env
from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" (bounded, the default) and "long" (a thorough fuzzing run), chosen
# with HYPOTHESIS_PROFILE=long. Tests that set their own max_examples keep it.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("long", max_examples=2_000, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def write_file(tmp_path: Path):
    def write(name: str, content: str | bytes | dict[str, Any] | list[Any]) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict | list):
            content = json.dumps(content, indent=2)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata: nothing leaves the machine."""
    aws_env(monkeypatch, tmp_path)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retries still happen, without their exponential sleeps, adaptive mode's
    client-side rate limiting (nor the final pass's pause)."""
    import botocore.retries.adaptive
    import botocore.retries.standard

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda *a: 0)
    monkeypatch.setattr(
        botocore.retries.adaptive.ClientRateLimiter, "on_sending_request", lambda *a, **k: None
    )
    from checker.sources import bedrock

    monkeypatch.setattr(bedrock, "FINAL_PASS_PAUSE", 0)  # the final pass over throttled jobs


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    """A Wire on every session the scanner makes."""
    from checker.aws import session as aws_session

    injected = Wire()
    real = aws_session.make_session
    monkeypatch.setattr(
        aws_session, "make_session", lambda profile: injected.attach_session(real(profile))
    )
    return injected


@pytest.fixture
def bedrock() -> Iterator[Any]:
    """An in-process moto Bedrock client in us-east-1."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("bedrock", region_name="us-east-1")
