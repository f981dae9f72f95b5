"""Fixtures for the command-line tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def fake_aws_in_tmp(fake_aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata, and an empty working folder."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The account's Completed model evaluations, which moto does not have: set ``evaluated`` to
    the custom model ARNs evaluated; ``reads`` counts the listings read."""
    from checker.enrich import evaluation

    held: dict[str, Any] = {"evaluated": set(), "reads": 0}
    job = "arn:aws:bedrock:us-east-1:123456789012:evaluation-job/abcd1234"

    def completed(_reader: Any, _region: str) -> list[tuple[str, frozenset[str]]]:
        held["reads"] += 1
        return [(job, frozenset(held["evaluated"]))]

    monkeypatch.setattr(evaluation, "_completed_evaluations", completed)
    monkeypatch.setattr(evaluation, "_provisioned_models", lambda _reader, _region: {})
    return held
