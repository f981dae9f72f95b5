"""A folder the walk cannot read is an errored entry, never a silent hole in the report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.hostile import failing_request, request, write_json

from checker.cli import cli
from checker.model import Job, LoadError
from checker.sources.files import read_paths


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """jobs/good.json readable; jobs/team/ (holding a failing job) cannot be listed."""
    write_json(tmp_path / "jobs" / "good.json", request())
    write_json(tmp_path / "jobs" / "team" / "bad.json", failing_request())
    team = tmp_path / "jobs" / "team"
    if os.name == "posix" and os.geteuid() != 0:
        team.chmod(0)
    else:  # root lists a mode-000 folder: refuse it the way the kernel would for anyone else
        real_scandir = os.scandir

        def scandir(path: object = ".") -> object:
            if Path(os.fsdecode(path)) == team:  # type: ignore[arg-type]
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "scandir", scandir)
    yield tmp_path
    team.chmod(0o755)


def test_an_unreadable_subdirectory_is_an_error_entry(locked: Path) -> None:
    items = read_paths([str(locked / "jobs")]).items

    jobs = [i for i in items if isinstance(i, Job)]
    errors = [i for i in items if isinstance(i, LoadError)]
    assert len(jobs) == 1
    [error] = errors
    assert error.origin.path is not None and error.origin.path.endswith("jobs/team")
    assert error.message == "cannot read directory: Permission denied"


def test_check_exits_3_when_a_subdirectory_is_unreadable(locked: Path) -> None:
    done = CliRunner().invoke(cli, ["check", "--color", "never", str(locked / "jobs")])

    assert done.exit_code == 3, done.output
    assert "ERROR: cannot read directory: Permission denied" in done.stdout
