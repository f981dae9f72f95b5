"""`scan` on a bad network: no job lost to throttling with the default settings, and a prompt
exit on Ctrl-C or SIGTERM whatever is in flight."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.cli import interruptible
from helpers.faultproxy import FaultProxy, Faults
from helpers.live import bedrock_at, cli_env, command, create_job, moto_server, run_cli

pytestmark = pytest.mark.slow  # the CLI runs in its own process

REGION = "eu-north-1"  # a region no other test module seeds on a shared moto backend
JOBS = 80


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with moto_server() as url:
        client = bedrock_at(url, REGION)
        for index in range(JOBS):
            create_job(client, f"net-job-{index:03d}")
        yield url


def test_throttling_and_503s_lose_no_job_with_the_default_settings(
    upstream: str, tmp_path: Path
) -> None:
    # No bound on faults in a row: every request draws its own fate, as on a busy account.
    faults = Faults(throttle=0.30, server_error=0.05, max_faults_per_target=10**6, seed=12)
    proxy = FaultProxy(upstream, faults)
    report = tmp_path / "report.json"
    with proxy.running():
        started = time.monotonic()
        result = run_cli(
            cli_env(tmp_path),
            "scan", "--endpoint-url", proxy.url, "--region", REGION, "--json", str(report),
            "--page-size", "20",
        )  # fmt: skip
        took = time.monotonic() - started
    counts = proxy.counts
    print(f"\n{JOBS} jobs, 30% throttled + 5% 5xx: {took:.1f} s, {dict(counts.by_outcome)}")
    assert result.returncode == 0, result.stderr
    summary = json.loads(report.read_text())["summary"]
    assert (summary["jobs"], summary["errored"], summary["passed"]) == (JOBS, 0, JOBS)
    assert sorted(counts.gets_answered) == [f"net-job-{i:03d}" for i in range(JOBS)]
    assert counts.by_outcome["throttle"] > 0.2 * counts.total
    assert counts.by_outcome["server_error"] > 0


class HungEndpoint:
    """Accepts connections and reads requests, and never answers one."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def __enter__(self) -> HungEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


def signal_and_time(process: subprocess.Popen[str], signal_number: int) -> tuple[float, str]:
    signalled = time.monotonic()
    process.send_signal(signal_number)
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"no exit within 10 s of signal {signal_number}")
    return time.monotonic() - signalled, stderr


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_while_the_listing_hangs_exits_within_2_seconds(
    tmp_path: Path, signal_number: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with HungEndpoint() as endpoint:
        process = subprocess.Popen(
            command(
                "scan", "--endpoint-url", endpoint.url, "--region", REGION,
                "--json", str(out / "report.json"), "--sarif", str(out / "results.sarif"),
            ),
            env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=interruptible,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not endpoint.connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert endpoint.connections, "the scan never reached the endpoint"
        time.sleep(0.3)
        took, stderr = signal_and_time(process, signal_number)

    print(f"\nsignal {signal_number} with the listing hung: exit after {took:.2f} s")
    assert process.returncode == 128 + signal_number, stderr
    assert took < 2.0
    assert list(out.iterdir()) == []  # no report, complete or partial, and no temporary file
    word = "interrupted" if signal_number == signal.SIGINT else "terminated"
    assert stderr == f"bedrock-checker: {word}\n"


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_while_gets_hang_exits_within_2_seconds(
    upstream: str, tmp_path: Path, signal_number: int
) -> None:
    # Every Get hangs for 5 s (the proxy's longest delay) under a 30 s read timeout.
    proxy = FaultProxy(upstream, Faults(delay=1.0, delay_seconds=5.0, kinds=frozenset({"get"})))
    out = tmp_path / "out"
    out.mkdir()
    with proxy.running():
        process = subprocess.Popen(
            command(
                "scan", "--endpoint-url", proxy.url, "--region", REGION,
                "--json", str(out / "report.json"), "--cli-read-timeout", "30",
            ),
            env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=interruptible,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while proxy.counts.by_kind["get"] < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, "the scan ended before it could be signalled"
        took, stderr = signal_and_time(process, signal_number)

    print(f"\nsignal {signal_number} with {proxy.counts.by_kind['get']} Gets hung: {took:.2f} s")
    assert process.returncode == 128 + signal_number, stderr
    assert took < 2.0
    assert list(out.iterdir()) == []
    assert not proxy.counts.gets_answered  # every Get was still in flight
