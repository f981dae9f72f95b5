"""Counts in words, --debug's log layout and bench/run's exit code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli import EXAMPLES, REPO, run

from checker.wording import counted


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [(0, "file", "0 files"), (1, "file", "1 file"), (2, "rule", "2 rules"), (1, "rule", "1 rule")],
)
def test_counted(number: int, noun: str, expected: str) -> None:
    assert counted(number, noun) == expected


def test_one_file_passed_over_is_singular(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "web", "jobName": "x"}', encoding="utf-8")
    (tmp_path / "job.json").write_text(
        (EXAMPLES / "passing" / "get-response.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = run("check", str(tmp_path))
    assert result.stdout.splitlines()[-1].endswith("; 1 file passed over (not job documents)")

    (tmp_path / "job.json").unlink()
    result = run("check", str(tmp_path), "--color", "never")
    assert "no job documents found in this directory (1 file passed over)" in result.stdout


def test_debug_lines_carry_time_thread_logger_and_level(tmp_path: Path) -> None:
    # Nothing listens on port 9: botocore logs its attempt, and the scan exits 2 on one line.
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [
            *(sys.executable, "-m", "checker", "scan", "--region", "us-east-1", "--debug"),
            *("--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    logged = [line for line in done.stderr.splitlines() if " - botocore." in line]
    assert logged, done.stderr
    # The AWS CLI's layout: 2026-12-05 08:00:00,123 - MainThread - botocore.hooks - DEBUG - ...
    pattern = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \S+ - botocore\.[\w.]+ - (DEBUG|INFO) - "
    assert all(re.match(pattern, line) for line in logged), logged[:3]


def test_bench_run_exits_1_on_one_line_when_a_benchmark_fails(tmp_path: Path) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    for name in ("run", "figures.py"):
        (bench / name).write_text((REPO / "bench" / name).read_text(encoding="utf-8"))
    (bench / "bench_check.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")

    done = subprocess.run(
        [sys.executable, str(bench / "run"), "--quick"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "bench/run: bench_check.py exited with code 3; no figures"
    )
    assert "Traceback" not in done.stderr
    docstring = " ".join((REPO / "bench" / "run").read_text(encoding="utf-8").split())
    assert "exits 0 whatever the figures are, and 1" in docstring
