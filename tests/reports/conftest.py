"""Sample reports shared by the report tests, each built once."""

from __future__ import annotations

import pytest
from helpers.paths import EXAMPLES

from checker.model import LoadError, Origin, Report
from checker.pipeline import configure, run
from checker.sources.files import read_paths


@pytest.fixture(scope="session")
def examples_report() -> Report:
    """Every bundled example checked against every pack, plus one file that could not be read."""
    configuration = configure(["builtin:baseline", "builtin:promotion", "builtin:cost"])
    scan = read_paths([str(EXAMPLES)])
    broken = LoadError(Origin(path="broken.json", line=3), "invalid JSON: Expecting value")
    return run(configuration, [*scan.items, broken], skipped=scan.skipped)
