"""Fixtures for deep mode: moto's resources and the sessions deep mode reads with."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.deep import REGION, Cloud, new_session
from helpers.enrich import Setup
from moto import mock_aws

from checker.aws import session as aws_session
from checker.packs import template_text


@pytest.fixture(autouse=True)
def _environment(fake_aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata; us-east-1 by default."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # seconds per test otherwise
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with mock_aws():
        yield Cloud()


@pytest.fixture
def setup(cloud: Cloud) -> Setup:
    return Setup(cloud, cloud.world(), new_session())


@pytest.fixture
def cli_session(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[Any], Any]], None]:
    """Register a hook run on every boto3 session the CLI makes (e.g. ``deny`` on it)."""
    hooks: list[Callable[[Any], Any]] = []
    real = aws_session.make_session

    def make(profile: str | None) -> Any:
        session = real(profile)
        for hook in hooks:
            hook(session)
        return session

    monkeypatch.setattr(aws_session, "make_session", make)
    return hooks.append


@pytest.fixture
def org_policy(tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(template_text("org"), encoding="utf-8")
    return path
