"""Where the tests find the repository, its examples and the official schemas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
FIXTURES = REPO / "tests" / "fixtures"
SCHEMAS_VARIABLE = "BEDROCK_CHECKER_SCHEMAS"


def schemas_dir() -> Path | None:
    """The official schemas: $BEDROCK_CHECKER_SCHEMAS, else ../shared/schemas beside the
    repository; None when that folder does not exist."""
    given = os.environ.get(SCHEMAS_VARIABLE)
    path = Path(given) if given else REPO.parent / "shared" / "schemas"
    return path if path.is_dir() else None


def schema_file(name: str) -> Path:
    """One official schema file, or skip the calling test with how to make it available."""
    folder = schemas_dir()
    if folder is None or not (folder / name).is_file():
        pytest.skip(
            f"official schema {name} not found: set {SCHEMAS_VARIABLE} to the folder that "
            "holds it (or place it in ../shared/schemas)"
        )
    return folder / name
