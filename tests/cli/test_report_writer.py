"""The report writer harms nothing around it: it follows symlinks, keeps modes, writes devices
and FIFOs in place, says "no space" in one line, and refuses impossible report paths early.

Devices are made with mknod in a temporary folder (a test never touches the real /dev).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.hostile import failing_request, request, write_json

from checker.cli import cli
from checker.cli.output import write_atomic
from checker.errors import CheckerError


def _device(path: Path, major: int, minor: int) -> Path:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except (PermissionError, AttributeError, OSError) as exc:
        pytest.skip(f"cannot make a character device here: {exc}")
    return path


def test_a_symlinked_report_is_followed_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "report.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(target)

    write_atomic(str(link), "new\n")

    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["report.json"]


def test_a_dangling_symlink_gets_its_target_written(tmp_path: Path) -> None:
    link = tmp_path / "report.json"
    link.symlink_to(tmp_path / "made.json")

    write_atomic(str(link), "x\n")

    assert link.is_symlink()
    assert (tmp_path / "made.json").read_text(encoding="utf-8") == "x\n"


def test_an_existing_report_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "private.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)

    write_atomic(str(target), "new\n")

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8") == "new\n"


def test_a_character_device_is_written_in_place(tmp_path: Path) -> None:
    null = _device(tmp_path / "null", 1, 3)

    write_atomic(str(null), "report\n")

    assert stat.S_ISCHR(null.stat().st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_a_full_device_is_one_line_no_space_error(tmp_path: Path) -> None:
    full = _device(tmp_path / "full", 1, 7)

    with pytest.raises(CheckerError) as raised:
        write_atomic(str(full), "report\n" * 10_000)

    assert str(raised.value) == f"{full}: cannot write report: {os.strerror(errno.ENOSPC)}"
    assert stat.S_ISCHR(full.stat().st_mode)


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()

    write_atomic(str(fifo), "through the pipe\n")
    reader.join(timeout=10)

    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_symlink_to_a_file_descriptor_is_written_through_it(tmp_path: Path) -> None:
    """The shape of /dev/stdout: a symlink to /proc/self/fd/N, here N a pipe."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("no /proc/self/fd")
    read_end, write_end = os.pipe()
    link = tmp_path / "stdout"
    link.symlink_to(f"/proc/self/fd/{write_end}")
    try:
        write_atomic(str(link), "to the pipe\n")
        os.close(write_end)
        assert os.read(read_end, 100) == b"to the pipe\n"
    finally:
        os.close(read_end)
    assert link.is_symlink()


def test_dev_stdout_is_written_to_standard_output_itself() -> None:
    import subprocess
    import sys

    program = (
        "import sys; from checker.cli.output import write_atomic; "
        "print('before', flush=True); write_atomic('/dev/stdout', 'report\\n'); print('after')"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout == "before\nreport\nafter\n"
    assert Path("/dev/stdout").is_symlink() or not Path("/dev/stdout").is_file()


# -- refused before anything is evaluated ---------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_json(tmp_path / "job.json", failing_request())
    write_json(tmp_path / "good.json", request())
    (tmp_path / "policy.yaml").write_text("version: 1\nrules: []\n", encoding="utf-8")
    (tmp_path / "waivers.yaml").write_text("version: 1\nwaivers: []\n", encoding="utf-8")
    (tmp_path / "base.json").write_text(
        json.dumps({"version": 1, "findings": []}), encoding="utf-8"
    )
    (tmp_path / "reports").mkdir()
    return tmp_path


def _refused(args: list[str], expected: str) -> None:
    done = CliRunner().invoke(cli, ["check", *args])
    assert done.exit_code == 2, done.output
    assert done.stdout == ""
    assert done.stderr == f"bedrock-checker: error: {expected}\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--json", "reports", "job.json"], "--json reports: is a directory"),
        (["-o", "reports", "job.json"], "--output reports: is a directory"),
        (["--sarif", "", "job.json"], "--sarif: the file name is empty"),
        (["--create-baseline", "reports", "job.json"], "--create-baseline reports: is a directory"),
        (
            ["--json", "r.json", "--sarif", "./r.json", "job.json"],
            "--sarif ./r.json: the same file as --json r.json",
        ),
        (
            ["--json", "job.json", "job.json"],
            "--json job.json: is an input of this run (a job file)",
        ),
        (["--sarif", "good.json", "."], "--sarif good.json: is an input of this run (a job file)"),
        (
            ["--policy", "policy.yaml", "--junit", "policy.yaml", "job.json"],
            "--junit policy.yaml: is an input of this run (a policy file)",
        ),
        (
            ["--waivers", "waivers.yaml", "-o", "waivers.yaml", "job.json"],
            "--output waivers.yaml: is an input of this run (a waivers file)",
        ),
        (
            ["--baseline", "base.json", "--markdown", "base.json", "job.json"],
            "--markdown base.json: is an input of this run (a baseline file)",
        ),
    ],
)
def test_impossible_report_paths_are_refused_before_evaluation(
    workdir: Path, args: list[str], expected: str
) -> None:
    before = {p: p.stat().st_mtime_ns for p in workdir.iterdir()}
    _refused(args, expected)
    assert {p: p.stat().st_mtime_ns for p in workdir.iterdir()} == before


def test_a_symlink_to_an_input_is_refused(workdir: Path) -> None:
    (workdir / "alias.json").symlink_to(workdir / "job.json")
    _refused(
        ["--json", "alias.json", "job.json"],
        "--json alias.json: is an input of this run (a job file)",
    )


def test_the_same_device_twice_is_allowed(workdir: Path) -> None:
    null = _device(workdir / "null", 1, 3)
    done = CliRunner().invoke(
        cli, ["check", "--json", str(null), "--sarif", str(null), "good.json"]
    )
    assert done.exit_code == 0, done.output


def test_a_baseline_may_be_recreated_in_place(workdir: Path) -> None:
    done = CliRunner().invoke(
        cli, ["check", "--baseline", "base.json", "--create-baseline", "base.json", "job.json"]
    )
    assert done.exit_code == 1, done.output
    assert json.loads((workdir / "base.json").read_text())["findings"]
