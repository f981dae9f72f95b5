"""The installed `bedrock-checker scan` through a fault-injecting proxy in front of a moto server.

Throttling, 5xx errors, read timeouts and dropped connections are retried by botocore; a job
that always fails is one error result; an endpoint that dies mid-scan leaves the jobs fetched
so far evaluated and the rest as errors; a signal mid-scan leaves no partial report; and
--debug never prints a secret, even for retried requests. Every scenario reads the JSON, SARIF
and JUnit reports and checks that they agree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from helpers.aws import create_job, fake_aws_env
from helpers.cli import interruptible
from helpers.deep import bedrock_trust, serve_role_and_buckets
from helpers.faultproxy import FaultProxy, Faults
from helpers.junit import validate_junit
from helpers.live import bedrock_at, moto_server
from helpers.sarif import assert_valid_sarif
from junitparser import Error, JUnitXml

pytestmark = pytest.mark.slow  # each scenario starts the CLI in its own process

REGION = "us-west-2"  # a region no other test module seeds on the shared moto backend
JOBS = 200
OPEN_EVERY = 10  # every tenth job has no VPC: one BMC001 finding each
OPEN_JOBS = JOBS // OPEN_EVERY
SECRET = "fAuLtPrOxYsEcReTkEy/0123456789abcdefXYZW"
TOKEN = "FaUlTpRoXySeSsIoNtOkEnIQoJb3JpZ2luX2Vj"
REPORTS = {"json": "report.json", "sarif": "results.sarif", "junit": "junit.xml"}


def job_name(index: int) -> str:
    return f"fault-job-{index:04d}"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with moto_server() as url:
        client = bedrock_at(url, REGION)
        for index in range(JOBS):
            overrides = {"vpcConfig": None} if index % OPEN_EVERY == 0 else {}
            create_job(client, job_name(index), **overrides)
        yield url


@pytest.fixture
def make_proxy(upstream: str) -> Iterator[Callable[..., FaultProxy]]:
    """Start a proxy with the faults given; every proxy started is shut down after the test."""
    with ExitStack() as stack:

        def start(**faults: Any) -> FaultProxy:
            proxy = FaultProxy(upstream, Faults(**faults))
            stack.enter_context(proxy.running())
            return proxy

        yield start


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return fake_aws_env(tmp_path, "AKIDFAULTPROXY", SECRET, TOKEN)


def scan_command(proxy: FaultProxy, out: Path, *args: str) -> list[str]:
    executable = shutil.which("bedrock-checker")
    assert executable, "the console script is not installed: pip install -e .[test]"
    out.mkdir(exist_ok=True)
    return [
        executable, "scan", "--endpoint-url", proxy.url, "--region", REGION,
        "--json", str(out / REPORTS["json"]), "--sarif", str(out / REPORTS["sarif"]),
        "--junit", str(out / REPORTS["junit"]), "--format", "json", *args,
    ]  # fmt: skip


def scan(
    proxy: FaultProxy, out: Path, env: dict[str, str], *args: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    result = subprocess.run(
        scan_command(proxy, out, *args), env=env, capture_output=True, text=True, timeout=60
    )
    return result, time.perf_counter() - started


def read_reports(out: Path) -> tuple[dict[str, Any], dict[str, Any], JUnitXml]:
    """The three reports, parsed and validated."""
    report = json.loads((out / REPORTS["json"]).read_text())
    sarif = json.loads((out / REPORTS["sarif"]).read_text())
    assert_valid_sarif(sarif)
    junit_bytes = (out / REPORTS["junit"]).read_bytes()
    validate_junit(junit_bytes)
    return report, sarif, JUnitXml.fromstring(junit_bytes)


def assert_reports_agree(out: Path, *, jobs: int, errored: int, findings: int) -> dict[str, Any]:
    """JSON summary, SARIF results and notifications, and JUnit <error>s tell the same counts."""
    report, sarif, junit = read_reports(out)
    summary = report["summary"]
    assert summary["jobs"] == len(report["jobs"]) == jobs
    assert summary["errored"] == sum(1 for j in report["jobs"] if j["error"]) == errored
    assert summary["findings"] == findings
    [run] = sarif["runs"]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert sum(1 for n in notifications if n.get("descriptor", {}).get("id")) == errored
    assert run["invocations"][0]["executionSuccessful"] == (errored == 0)
    assert len(run["results"]) == findings
    junit_errors = sum(
        1 for suite in junit for case in suite for result in case.result if type(result) is Error
    )
    assert junit_errors == int(junit._elem.get("errors")) == errored
    assert_no_temporary_files(out)
    return report


def assert_no_temporary_files(out: Path) -> None:
    assert sorted(os.listdir(out)) == sorted(
        name for name in os.listdir(out) if name in REPORTS.values()
    ), f"unexpected files in {out}: {os.listdir(out)}"


def assert_complete_or_absent(out: Path) -> list[str]:
    """Every report is absent, or complete and valid; nothing else is left in the folder."""
    assert_no_temporary_files(out)
    present = sorted(os.listdir(out))
    if REPORTS["json"] in present:
        json.loads((out / REPORTS["json"]).read_text())
    if REPORTS["sarif"] in present:
        assert_valid_sarif(json.loads((out / REPORTS["sarif"]).read_text()))
    if REPORTS["junit"] in present:
        validate_junit((out / REPORTS["junit"]).read_bytes())
    return present


def test_throttling_and_server_errors_are_retried_until_every_job_is_evaluated(
    make_proxy: Callable[..., FaultProxy], env: dict[str, str], tmp_path: Path
) -> None:
    proxy = make_proxy(throttle=0.30, server_error=0.05, seed=20260101)

    result, elapsed = scan(
        proxy, tmp_path / "out", env, "--max-attempts", "10", "--retry-mode", "standard"
    )

    counts = proxy.counts
    print(
        f"\n{JOBS} jobs under 30% throttling + 5% 5xx: {elapsed:.2f} s, "
        f"requests {dict(counts.by_kind)}, outcomes {dict(counts.by_outcome)}"
    )
    assert result.returncode == 1, result.stderr  # findings (the open jobs), no error
    assert_reports_agree(tmp_path / "out", jobs=JOBS, errored=0, findings=OPEN_JOBS)
    assert sorted(counts.gets_answered) == [job_name(i) for i in range(JOBS)]
    assert counts.by_outcome["throttle"] > 0 and counts.by_outcome["server_error"] > 0
    # Every injected fault cost one more request, and nothing else did.
    faults = counts.by_outcome["throttle"] + counts.by_outcome["server_error"]
    assert counts.total == counts.by_outcome["forwarded"] + faults
    assert counts.by_kind["tags"] == 0  # no built-in baseline rule reads tags


def test_a_job_whose_get_always_fails_is_one_error_result(
    make_proxy: Callable[..., FaultProxy], env: dict[str, str], tmp_path: Path
) -> None:
    broken = job_name(7)
    proxy = make_proxy(fail_get=frozenset({broken}))

    result, _ = scan(proxy, tmp_path / "out", env, "--max-attempts", "3")

    assert result.returncode == 3, result.stderr
    report = assert_reports_agree(tmp_path / "out", jobs=JOBS, errored=1, findings=OPEN_JOBS)
    [error] = [job for job in report["jobs"] if job["error"]]
    assert broken in error["error"] and "AccessDeniedException" in error["error"]
    assert proxy.counts.by_outcome["fail_get"] == 1  # an access error is not retried
    assert len(proxy.counts.gets_answered) == JOBS - 1


def test_an_endpoint_that_dies_mid_scan_reports_what_was_fetched(
    make_proxy: Callable[..., FaultProxy], env: dict[str, str], tmp_path: Path
) -> None:
    answered_gets = 50
    # One List call (a page holds every job), then 50 Get calls; then every connection closes.
    proxy = make_proxy(die_after=1 + answered_gets)

    result, elapsed = scan(
        proxy, tmp_path / "out", env, "--page-size", "1000", "--max-attempts", "2"
    )

    counts = proxy.counts
    print(f"\nendpoint dead after {answered_gets} Gets: {elapsed:.2f} s, {dict(counts.by_outcome)}")
    assert result.returncode == 3, result.stderr
    assert counts.by_kind["list"] == 1
    assert sum(counts.gets_answered.values()) == answered_gets
    report, _, _ = read_reports(tmp_path / "out")
    evaluated = {job["name"] for job in report["jobs"] if not job["error"]}
    assert evaluated == set(counts.gets_answered)
    open_fetched = sum(1 for name in evaluated if int(name.rsplit("-", 1)[1]) % OPEN_EVERY == 0)
    assert_reports_agree(
        tmp_path / "out", jobs=JOBS, errored=JOBS - answered_gets, findings=open_fetched
    )


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_mid_scan_ends_promptly_and_leaves_no_partial_report(
    make_proxy: Callable[..., FaultProxy],
    env: dict[str, str],
    tmp_path: Path,
    signal_number: signal.Signals,
) -> None:
    # Every Get waits 0.3 s in the proxy: the scan takes seconds, and is mid-way when signalled.
    proxy = make_proxy(delay=1.0, delay_seconds=0.3, kinds=frozenset({"get"}))
    out = tmp_path / "out"
    process = subprocess.Popen(
        scan_command(proxy, out),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + 30
    while proxy.counts.by_kind["get"] < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the scan ended before it could be interrupted"

    signalled = time.monotonic()
    process.send_signal(signal_number)
    try:
        stdout, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"the scan did not end within 10 s of {signal_number.name}")
    took = time.monotonic() - signalled

    print(f"\n{signal_number.name}: exit {process.returncode} after {took:.2f} s; {stderr!r}")
    # 130/143 as a shell reports a signal; not click's exit 1, which means "findings".
    assert process.returncode == 128 + signal_number, stderr
    assert sum(proxy.counts.gets_answered.values()) < JOBS
    assert stdout == ""
    assert assert_complete_or_absent(out) == []  # nothing was complete: nothing written
    word = "interrupted" if signal_number == signal.SIGINT else "terminated"
    assert stderr == f"bedrock-checker: {word}\n"


def test_debug_logs_of_retried_requests_hold_no_secret(
    make_proxy: Callable[..., FaultProxy], env: dict[str, str], tmp_path: Path
) -> None:
    proxy = make_proxy(
        throttle=0.2, server_error=0.05, drop=0.05, delay=0.05, delay_seconds=1.5, seed=7
    )
    out = tmp_path / "out"

    result, _ = scan(
        proxy, out, env, "--debug", "--max-jobs", "20", "--page-size", "20",
        "--max-attempts", "10", "--cli-read-timeout", "1",
    )  # fmt: skip

    assert result.returncode == 1, result.stderr[-2000:]
    assert_reports_agree(out, jobs=20, errored=0, findings=2)
    outcomes = proxy.counts.by_outcome
    assert outcomes["throttle"] and outcomes["drop"] and outcomes["delay"], outcomes
    log = result.stderr
    # Retried requests were logged (and signed again) too.
    assert log.count("Retry needed") >= outcomes["throttle"] + outcomes["server_error"]
    assert log.count("'Authorization': b'***'") >= proxy.counts.total
    texts = {"stdout": result.stdout, "stderr": log}
    texts.update({name: (out / name).read_text() for name in REPORTS.values()})
    for where, text in texts.items():
        assert SECRET not in text, where
        assert TOKEN not in text, where
        assert not re.search(r"Signature=(?!\*)", text), where


def test_deep_mode_retries_server_errors_and_reads_each_resource_once(
    upstream: str, make_proxy: Callable[..., FaultProxy], env: dict[str, str], tmp_path: Path
) -> None:
    # Every job names the same role and buckets (tests/fixtures/aws/create-job.json). The
    # proxy fails 60% of the deep mode's requests (IAM, S3) with 5xx or a dropped connection;
    # botocore retries them, and each resource is still asked for once.
    serve_role_and_buckets(upstream, REGION, bedrock_trust())
    proxy = make_proxy(server_error=0.3, drop=0.3, kinds=frozenset({"other"}), seed=11)
    out = tmp_path / "out"

    result, elapsed = scan(
        proxy, out, {**env, "AWS_ENDPOINT_URL": proxy.url}, "--deep", "--max-attempts", "10",
        "--rule", "BMC30[345]",
    )  # fmt: skip

    counts = proxy.counts
    print(
        f"\n{JOBS} jobs, deep mode under 30% 5xx + 30% drops: {elapsed:.2f} s, "
        f"{dict(counts.by_outcome)}"
    )
    assert result.returncode == 0, result.stderr[-2000:]  # no finding, and nothing unknown
    report = assert_reports_agree(out, jobs=JOBS, errored=0, findings=0)
    assert report["summary"]["unknown"] == 0
    assert counts.by_outcome["server_error"] > 0 and counts.by_outcome["drop"] > 0
    # GetRole, ListAttachedRolePolicies, ListRolePolicies; GetPublicAccessBlock,
    # GetBucketEncryption, GetBucketPolicy, GetBucketVersioning, GetObjectLockConfiguration and
    # GetBucketLogging per bucket; the account's trails once (no bucket logs its access):
    # 16 resource reads for 200 jobs.
    faults = counts.by_outcome["server_error"] + counts.by_outcome["drop"]
    assert counts.by_kind["other"] == 16 + faults
