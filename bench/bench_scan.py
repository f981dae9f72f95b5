"""Benchmark `bedrock-checker scan` against a moto server with added latency per request.

Starts a moto server in a subprocess on 127.0.0.1, holding N model customization jobs, with a
WSGI middleware that sleeps before every request it serves (the latency is in the server, not
in the client). Then times:

- `bedrock-checker scan` (the installed console script, as a user runs it): list, fetch every
  job, evaluate every job against the three built-in packs, write a JSON report; at its
  default concurrency and with `--max-concurrency N` for each fixed N;
- a plain threaded boto3 script on N threads, as a new process, for each fixed N;
- a plain sequential boto3 loop over the same jobs: list every page, then one Get per job.

and prints the times, the API calls per second and the ratios.

    python bench/bench_scan.py                  # 1,000 jobs, 50 ms per request
    python bench/bench_scan.py --jobs 300 --latency-ms 100 --threads 16,32

A benchmark, not a test: it prints its figures next to the target and always exits 0.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import moto_server

from checker.aws.connection import DEFAULT_CONCURRENCY as DEFAULT_THREADS

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
TARGET_RATIO = 8.0
TARGET_OVER_RAW = 0.05  # the scan at most 5% slower than the raw loop at its thread count
PACKS = ("builtin:baseline", "builtin:promotion", "builtin:cost")
MODELS = (
    "amazon.titan-text-lite-v1:0:4k",
    "amazon.nova-lite-v1:0:300k",
    "meta.llama3-1-8b-instruct-v1:0:128k",
    "anthropic.claude-3-haiku-20240307-v1:0:200k",
)


# -- The server process -----------------------------------------------------------------------


def seed(jobs: int, seed_value: int) -> None:
    """Create the jobs straight in moto's backend: no HTTP, so no latency while seeding."""
    from moto.bedrock.models import bedrock_backends

    backend = bedrock_backends[ACCOUNT][REGION]
    rng = random.Random(seed_value)
    for index in range(jobs):
        name = f"bench-job-{index:05d}"
        vpc = {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]}
        backend.create_model_customization_job(
            job_name=name,
            custom_model_name=f"bench-model-{index:05d}",
            role_arn=f"arn:aws:iam::{ACCOUNT}:role/service-role/BedrockFT",
            base_model_identifier=rng.choice(MODELS),
            training_data_config={"s3Uri": f"s3://bench-train/{name}/train.jsonl"},
            output_data_config={"s3Uri": f"s3://bench-out/{name}/"},
            hyper_parameters={"epochCount": str(rng.randint(1, 5)), "learningRate": "0.0001"},
            client_request_token=None,
            customization_type="FINE_TUNING",
            custom_model_kms_key_id=None,
            job_tags=[{"key": "team", "value": rng.choice(["search", "support", "ads"])}],
            custom_model_tags=None,
            validation_data_config={"validators": [{"s3Uri": f"s3://bench-train/{name}/v.jsonl"}]},
            # About one job in ten has no VPC: the scan has findings to report.
            vpc_config=None if rng.random() < 0.1 else vpc,
        )
        backend.model_customization_jobs[name].status = rng.choice(
            ["Completed"] * 6 + ["InProgress", "Failed", "Stopped"]
        )


def serve(jobs: int, latency_ms: float, seed_value: int) -> None:
    moto_server.serve(lambda: seed(jobs, seed_value), latency_ms)


# -- The client side --------------------------------------------------------------------------


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    arguments = ["--jobs", str(args.jobs), "--latency-ms", str(args.latency_ms)]
    return moto_server.start(__file__, [*arguments, "--seed", str(args.seed)])


def aws_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        env.pop(name, None)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def time_scan(url: str, threads: int | None, report: Path) -> tuple[float, dict[str, Any]]:
    """Wall time and report summary of one scan; ``threads`` None: its default concurrency."""
    executable = shutil.which("bedrock-checker")
    if executable is None:
        raise SystemExit("bedrock-checker is not installed: pip install -e .")
    command = [executable, "scan", "--region", REGION, "--endpoint-url", url]
    for pack in PACKS:
        command += ["--policy", pack]
    command += ["--format", "json", "-o", str(report), "--fail-on", "never"]
    if threads:
        command += ["--max-concurrency", str(threads)]
    started = time.perf_counter()
    result = subprocess.run(command, env=aws_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"scan exited {result.returncode}: {result.stderr.strip()}")
    return elapsed, json.loads(report.read_text())["summary"]


def time_sequential(url: str) -> tuple[float, int]:
    """What a straightforward script does: list every page, then Get each job in turn."""
    os.environ.update(aws_env())
    import boto3

    client = boto3.client("bedrock", region_name=REGION, endpoint_url=url)
    started = time.perf_counter()
    names = [
        summary["jobName"]
        for page in client.get_paginator("list_model_customization_jobs").paginate()
        for summary in page["modelCustomizationJobSummaries"]
    ]
    for name in names:
        client.get_model_customization_job(jobIdentifier=name)
    return time.perf_counter() - started, len(names)


# A plain threaded script, run as a new process like the scan: import boto3, one client with a
# connection pool as large as the pool of threads, list every page, Get every job on the pool.
# Prints the API calls it made.
_RAW_LOOP = """\
import sys
from concurrent.futures import ThreadPoolExecutor
import boto3
from botocore.config import Config
url, region, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = boto3.client(
    "bedrock", region_name=region, endpoint_url=url,
    config=Config(max_pool_connections=threads),
)
pages = list(client.get_paginator("list_model_customization_jobs").paginate())
names = [s["jobName"] for page in pages for s in page["modelCustomizationJobSummaries"]]
with ThreadPoolExecutor(threads) as pool:
    list(pool.map(lambda name: client.get_model_customization_job(jobIdentifier=name), names))
print(len(pages) + len(names))
"""


def time_raw_loop(url: str, threads: int) -> tuple[float, int]:
    """Wall time and API calls of the plain threaded loop, as a new process."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _RAW_LOOP, url, REGION, str(threads)],
        env=aws_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the raw loop exited {result.returncode}: {result.stderr.strip()}")
    return elapsed, int(result.stdout.split()[-1])


def label(which: str, threads: int | None) -> str:
    if which == "scan":
        return "scan, default concurrency" if threads is None else f"scan, {threads} threads"
    return f"raw boto3 loop, {threads} threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs on the server (1000)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added per request (50)")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds; medians shown (3)")
    parser.add_argument(
        "--threads",
        default="16,32,64",
        help="fixed thread counts of the scan and the raw loop, beside the scan's default",
    )
    parser.add_argument(
        "--max-concurrency", type=int, default=0, help="only the scan and raw loop at N threads"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE (bench/run)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.jobs, args.latency_ms, args.seed)
        return

    fixed = (
        [args.max_concurrency]
        if args.max_concurrency
        else [int(t) for t in args.threads.split(",") if t.strip()]
    )
    variants: list[tuple[str, int | None]] = [] if args.max_concurrency else [("scan", None)]
    variants += [("scan", threads) for threads in fixed]
    variants += [("raw", threads) for threads in fixed]
    print(
        f"starting moto server with {args.jobs} jobs, {args.latency_ms:g} ms per request",
        file=sys.stderr,
    )
    server, url = start_server(args)
    times: dict[tuple[str, int | None], list[float]] = {variant: [] for variant in variants}
    calls = 0
    try:
        with tempfile.TemporaryDirectory() as folder:
            report = Path(folder, "report.json")
            # Each round runs every variant once; the order turns from round to round, so that
            # the machine's load weighs on all of them alike.
            for run in range(args.runs):
                shift = run % len(variants)
                for which, threads in variants[shift:] + variants[:shift]:
                    if which == "scan":
                        elapsed, summary = time_scan(url, threads, report)
                    else:
                        elapsed, calls = time_raw_loop(url, threads or DEFAULT_THREADS)
                    times[(which, threads)].append(elapsed)
                    print(
                        f"round {run + 1}, {label(which, threads)}: {elapsed:.2f} s",
                        file=sys.stderr,
                    )
        print("sequential list+get loop ...", file=sys.stderr)
        sequential, listed = time_sequential(url)
    finally:
        server.terminate()
        server.wait(timeout=10)

    median = {variant: statistics.median(values) for variant, values in times.items()}
    scan_variant = variants[0]
    scan = median[scan_variant]
    raw_threads, raw = min(
        ((threads, median[("raw", threads)]) for threads in fixed), key=lambda pair: pair[1]
    )
    ratio = sequential / scan
    floor_verdict = "met" if scan <= raw * (1 + TARGET_OVER_RAW) else "MISSED"
    evaluated = summary["jobs"] - summary["errored"]
    verdict = "met" if ratio >= TARGET_RATIO and evaluated == args.jobs else "MISSED"
    rows = [
        ("jobs on the server", f"{args.jobs} ({calls} API calls: list pages and Gets)"),
        ("latency added per request", f"{args.latency_ms:g} ms"),
        (
            "jobs evaluated by scan",
            f"{evaluated} ({summary['failed']} failed, {summary['errored']} errored)",
        ),
    ]
    for variant in variants:
        rows.append(
            (
                label(*variant),
                f"{median[variant]:.2f} s, {calls / median[variant]:,.0f} calls/s "
                f"(median of {len(times[variant])})",
            )
        )
    rows += [
        ("sequential list+get", f"{sequential:.2f} s ({listed} jobs)"),
        (
            f"ratio ({label(*scan_variant)})",
            f"{ratio:.1f}x (target >= {TARGET_RATIO:g}x: {verdict})",
        ),
        (
            f"{label(*scan_variant)} / fastest raw loop ({raw_threads} threads)",
            f"{scan / raw:.2f}x (target <= {1 + TARGET_OVER_RAW:.2f}x: {floor_verdict})",
        ),
    ]
    for threads in fixed:
        if ("scan", threads) in median:
            rows.append(
                (
                    f"scan / raw loop, {threads} threads",
                    f"{median[('scan', threads)] / median[('raw', threads)]:.2f}x",
                )
            )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if args.json:
        figures = {
            "jobs": args.jobs,
            "latency_ms": args.latency_ms,
            "evaluated": evaluated,
            "scan_seconds": scan,
            "sequential_seconds": sequential,
            "ratio": ratio,
            "raw_seconds": raw,
            "raw_threads": raw_threads,
            "scan_over_raw": scan / raw,
            "calls_per_second": calls / scan,
            "raw_calls_per_second": calls / raw,
        }
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
