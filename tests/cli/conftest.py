"""Fixtures for the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def fake_aws_in_tmp(fake_aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no config files, no instance metadata, and an empty working folder."""
    monkeypatch.chdir(tmp_path)
