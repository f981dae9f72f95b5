"""checker.aws.clients: one session and one client per service and region, reused."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.guard import aws_env

from checker.aws.clients import Clients


def test_clients_are_created_once_per_service_and_region(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aws_env(monkeypatch, tmp_path)
    clients = Clients()
    bedrock = clients.client("bedrock", "us-east-1")
    assert clients.client("bedrock", "us-east-1") is bedrock
    assert clients.client("bedrock", "eu-west-1") is not bedrock
    assert clients.client("bedrock", "eu-west-1").meta.region_name == "eu-west-1"
    assert clients.client("sns", "us-east-1").meta.service_model.service_name == "sns"
    assert bedrock.meta.config.retries["mode"] == "adaptive"  # docs/live.md#retry-policy
    assert "bedrock-checker/" in bedrock.meta.config.user_agent_extra
