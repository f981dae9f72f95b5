"""Run a piece of code in a child Python with a time and memory bound.

A regression test for a hang or a memory blow-up must fail, not hang or take the machine down:
the child gets an address-space limit and a timeout, and the test fails when either is hit.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap

import pytest

MIB = 1024 * 1024


def run_bounded(
    code: str, *, seconds: float = 30, memory_mib: int = 1024, stdin: bytes | None = None
) -> str:
    """The child's standard output; fails the test on a timeout, a crash or a MemoryError."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mib * MIB, memory_mib * MIB))

    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            input=stdin,
            capture_output=True,
            timeout=seconds,
            preexec_fn=limit,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {seconds:g} s")
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        pytest.fail(f"child exited {done.returncode} (memory limit {memory_mib} MiB): {tail}")
    return done.stdout.decode("utf-8")
