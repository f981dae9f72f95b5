"""checker/parallel.py: files read and evaluated by worker processes give the same report."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.cli import EXAMPLES, interruptible, report, run
from helpers.jobs import SMALL_REQUEST

from checker import parallel, pipeline
from checker.model import Report
from checker.reports import FORMATS, RenderOptions
from checker.sources import files

PACKS = ("builtin:baseline", "builtin:promotion", "builtin:cost")
JOB = SMALL_REQUEST
pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(),
    reason="worker processes are forked; this platform has no fork",
)


def _tree(root: Path, count: int = 40) -> Path:
    """Jobs of every kind the examples hold, jobs that differ, files that are not jobs, a
    broken file and a folder with no job in it."""
    shutil.copytree(EXAMPLES / "failing", root / "failing")
    shutil.copytree(EXAMPLES / "passing", root / "passing")
    generated = root / "generated"
    generated.mkdir()
    for index in range(count):
        job = dict(JOB, jobName=f"j{index}")
        if index % 3 == 0:
            job["outputDataConfig"] = {"s3Uri": "s3://b/t.jsonl/out/"}  # inside the training data
        if index % 5 == 0:
            job["customModelKmsKeyId"] = f"arn:aws:kms:us-east-1:111122223333:key/k{index}"
        (generated / f"job-{index:03d}.json").write_text(json.dumps(job))
    (generated / "catalog.json").write_text(json.dumps({"teams": ["a"]}))
    (generated / "broken.json").write_text('{"jobName": "x", "roleArn": ')
    (root / "empty").mkdir()
    (root / "empty" / "notes.yaml").write_text("a: 1\n")
    return root


def _report(paths: list[str], workers: int | None) -> Report:
    configuration = pipeline.configure(PACKS)
    skipped: list[str] = []
    jobs = files.iter_paths(paths, skipped=skipped)
    started = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return replace(
        pipeline.run(configuration, jobs, skipped=skipped, workers=workers), started=started
    )


def test_workers_give_the_same_report_in_every_format(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    paths = [
        str(root),
        str(tmp_path / "missing.json"),
        str(root / "empty"),
        str(root / "generated" / "job-001.json"),
    ]

    alone = _report(paths, workers=1)
    shared_out = _report(paths, workers=3)

    summary = alone.summary()
    assert summary["jobs"] > 60 and summary["failed"] > 10 and summary["errored"] == 3
    assert summary == shared_out.summary()
    assert alone.skipped_files == shared_out.skipped_files
    assert len(alone.skipped_files) >= 2
    for name in ("json", "sarif", "junit", "text", "markdown", "html"):
        options = RenderOptions()
        assert FORMATS[name](shared_out, options) == FORMATS[name](alone, options), name
    # The findings name the parent's own rules, not copies of them.
    rules = {id(rule) for rule in shared_out.rules}
    assert all(id(f.rule) in rules for r in shared_out.results for f in r.findings)


def test_a_worker_that_dies_loses_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    expected = _report([str(root)], workers=1).summary()
    parent = os.getpid()
    read_one = files.read_one

    def dies_in_a_worker(file: files.FileToRead) -> object:
        if os.getpid() != parent and file.path.name == "job-007.json":
            os._exit(9)  # killed mid-batch: the pool breaks
        return read_one(file)

    monkeypatch.setattr(parallel, "read_one", dies_in_a_worker)

    assert _report([str(root)], workers=2).summary() == expected


def test_a_file_that_cannot_be_read_is_an_error_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path, count=10)
    read_one = files.read_one

    def fails(file: files.FileToRead) -> object:
        if file.path.name == "job-004.json":
            raise RuntimeError("disk on fire")
        return read_one(file)

    monkeypatch.setattr(parallel, "read_one", fails)

    result = _report([str(root / "generated")], workers=2)

    [errored] = [r for r in result.results if r.error is not None and "fire" in r.error.message]
    assert errored.error is not None
    assert errored.error.origin.path is not None
    assert errored.error.origin.path.endswith("job-004.json")
    assert errored.error.message == "could not be read: RuntimeError('disk on fire')"
    assert result.summary()["jobs"] == 11  # the ten jobs and broken.json


@pytest.mark.parametrize(
    ("files_count", "requested", "cpus", "expected"),
    [
        (10, None, 8, 1),
        (399, None, 8, 1),
        (400, None, 8, 2),
        (10_000, None, 2, 2),
        (10_000, None, 64, parallel.MAX_WORKERS),
        (10_000, 1, 8, 1),
        (3, 4, 8, 3),
        (10_000, 12, 2, 12),
    ],
)
def test_workers_are_chosen_from_the_files_and_the_cpus(
    monkeypatch: pytest.MonkeyPatch,
    files_count: int,
    requested: int | None,
    cpus: int,
    expected: int,
) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: cpus)

    assert parallel.choose_workers(files_count, requested) == expected


def test_the_option_reaches_the_run_and_is_refused_with_deep(tmp_path: Path) -> None:
    root = _tree(tmp_path, count=5)

    one = run("check", str(root), "--format", "json", "--workers", "1")
    three = run("check", str(root), "--format", "json", "--workers", "3")
    deep = run("check", str(root), "--deep", "--workers", "2")

    assert one.exit_code == three.exit_code == 3  # the broken file and the empty folder
    assert report(one)["summary"] == report(three)["summary"]
    assert deep.exit_code == 2
    assert deep.stderr.strip().endswith(
        "--workers: --deep reads every job in this process first; drop one"
    )


def _start_slow_check(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int], Path]:
    """A check of enough files to last seconds on two workers, and the workers' pids."""
    root = tmp_path / "jobs"
    root.mkdir()
    big = [dict(JOB, jobName=f"j{index}") for index in range(400)]
    for index in range(60):
        (root / f"jobs-{index:02d}.json").write_text(json.dumps(big))
    out = tmp_path / "report.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "checker", "check", str(root), "--workers", "2", "--json", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
        start_new_session=True,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = _children(process.pid)
        time.sleep(0.05)
    if len(workers) < 2:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the run did not start its workers")
    return process, workers, out


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_stops_the_workers_too(tmp_path: Path, signal_number: signal.Signals) -> None:
    process, workers, out = _start_slow_check(tmp_path)

    # Ctrl-C reaches the whole process group; TERM (a CI runner, kill) the parent alone.
    if signal_number == signal.SIGINT:
        os.killpg(process.pid, signal_number)
    else:
        process.send_signal(signal_number)
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"the check did not end within 10 s of {signal_number.name}")

    assert process.returncode == 128 + signal_number, stderr
    word = "interrupted" if signal_number == signal.SIGINT else "terminated"
    assert stderr == f"bedrock-checker: {word}\n"
    assert not out.exists()
    assert _all_gone(workers), "a worker outlived the run"


def test_workers_die_with_a_parent_killed_outright(tmp_path: Path) -> None:
    process, workers, out = _start_slow_check(tmp_path)

    process.kill()  # SIGKILL: the parent can stop nothing
    process.communicate(timeout=10)

    assert _all_gone(workers), "a worker outlived its parent"
    assert not out.exists()


def _all_gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(_alive(pid) for pid in pids)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        pytest.skip("/proc/PID/task/PID/children is not available here")
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
