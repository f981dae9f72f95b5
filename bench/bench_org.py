"""Benchmark an organisation audit: `scan --organization` over 200 accounts x 2 regions x 5 jobs
against a moto server that adds 50 ms to every request, then the same audit as 4 shards run one
after another (their sum and their maximum), merged.

The moto server runs in a subprocess on 127.0.0.1 with the organisation, its accounts and their
jobs seeded straight into moto's backends (no HTTP, so no latency while seeding). A WSGI
middleware sleeps before every request and counts them (Organizations, STS, Bedrock), so the
figures include every API call the scan makes: listing the organisation, one AssumeRole per
account, one List per (account, region) and one Get per job.

    python bench/bench_org.py                         # 200 accounts x 2 regions x 5 jobs, 50 ms
    python bench/bench_org.py --accounts 40 --shards 2

A benchmark, not a test: it prints its figures and always exits 0. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import moto_server
from figures import print_table, progress

MANAGEMENT = "123456789012"  # moto's default account: the organisation's management account
REGIONS = ("us-east-1", "us-west-2")


# -- The server process -----------------------------------------------------------------------


def seed(accounts: int, jobs: int) -> None:
    from moto.bedrock.models import bedrock_backends
    from moto.organizations.models import organizations_backends

    organisation = organizations_backends[MANAGEMENT]["aws"]
    organisation.create_organization(region="us-east-1", FeatureSet="ALL")
    vpc = {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]}
    for index in range(accounts):
        status = organisation.create_account(
            AccountName=f"bench-{index:04d}", Email=f"bench-{index:04d}@example.com"
        )
        account = status["CreateAccountStatus"]["AccountId"]
        for region in REGIONS:
            backend = bedrock_backends[account][region]
            for number in range(jobs):
                name = f"org-job-{index:04d}-{region}-{number}"
                backend.create_model_customization_job(
                    job_name=name,
                    custom_model_name=f"{name}-model",
                    role_arn=f"arn:aws:iam::{account}:role/service-role/BedrockFT",
                    base_model_identifier="amazon.titan-text-lite-v1:0:4k",
                    training_data_config={"s3Uri": f"s3://bench-train/{name}/train.jsonl"},
                    output_data_config={"s3Uri": f"s3://bench-out/{name}/"},
                    hyper_parameters={"epochCount": "2", "learningRate": "0.0001"},
                    client_request_token=None,
                    customization_type="FINE_TUNING",
                    custom_model_kms_key_id=None,
                    job_tags=None,
                    custom_model_tags=None,
                    validation_data_config=None,
                    vpc_config=None if number == 0 else vpc,  # one finding per 5 jobs
                )


def serve(accounts: int, jobs: int, latency_ms: float) -> None:
    moto_server.serve(lambda: seed(accounts, jobs), latency_ms)


# -- The client side --------------------------------------------------------------------------


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    arguments = ["--accounts", str(args.accounts), "--jobs", str(args.jobs)]
    return moto_server.start(__file__, [*arguments, "--latency-ms", str(args.latency_ms)])


def aws_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        # A file that does not exist: botocore reads the config file for the service-specific
        # endpoint variables below, and cannot parse /dev/null as one.
        AWS_CONFIG_FILE=str(Path(tempfile.gettempdir(), "bench-org-no-aws-config")),
        AWS_SHARED_CREDENTIALS_FILE=str(Path(tempfile.gettempdir(), "bench-org-no-aws-creds")),
        AWS_ENDPOINT_URL_STS=url,
        AWS_ENDPOINT_URL_ORGANIZATIONS=url,
    )
    return env


def run(url: str, report: Path, *extra: str) -> tuple[float, int, dict[str, Any]]:
    """One scan (or merge, when ``extra`` starts with "merge"): seconds, API calls, summary."""
    executable = shutil.which("bedrock-checker")
    if executable is None:
        raise SystemExit("bedrock-checker is not installed: pip install -e .")
    if extra and extra[0] == "merge":
        command = [executable, *extra, "--json", str(report), "--format", "json", "-o", os.devnull]
    else:
        command = [executable, "scan", "--organization", "--exclude-account", MANAGEMENT]
        command += ["--endpoint-url", url, *(w for r in REGIONS for w in ("--region", r))]
        command += ["--json", str(report), "--format", "json", "-o", os.devnull, *extra]
    before = moto_server.calls(url)
    started = time.perf_counter()
    result = subprocess.run(command, env=aws_env(url), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command[1]} exited {result.returncode}: {result.stderr.strip()}")
    return elapsed, moto_server.calls(url) - before, json.loads(report.read_text())["summary"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=200, help="member accounts (200)")
    parser.add_argument("--jobs", type=int, default=5, help="jobs per account and region (5)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added per request (50)")
    parser.add_argument("--shards", type=int, default=4, help="shards run one after another (4)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE (bench/run)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.accounts, args.jobs, args.latency_ms)
        return

    total_jobs = args.accounts * len(REGIONS) * args.jobs
    progress(f"moto server: {args.accounts} accounts x {len(REGIONS)} regions x {args.jobs} jobs")
    server, url = start_server(args)
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            progress("unsharded scan")
            seconds, api_calls, summary = run(url, folder / "all.json")
            shard_seconds, shard_calls = [], 0
            for index in range(1, args.shards + 1):
                progress(f"shard {index}/{args.shards}")
                took, used, _ = run(url, folder / f"shard-{index}.json", "--shard",
                                    f"{index}/{args.shards}")  # fmt: skip
                shard_seconds.append(took)
                shard_calls += used
            shards = [str(folder / f"shard-{k}.json") for k in range(1, args.shards + 1)]
            merge_seconds, _, merged = run(url, folder / "merged.json", "merge", *shards)
    finally:
        server.terminate()
        server.wait(timeout=10)

    evaluated = summary["jobs"] - summary["errored"]
    figures = {
        "accounts": args.accounts,
        "regions": len(REGIONS),
        "jobs": total_jobs,
        "latency_ms": args.latency_ms,
        "evaluated": evaluated,
        "scan_seconds": seconds,
        "api_calls": api_calls,
        "calls_per_second": api_calls / seconds,
        "shards": args.shards,
        "shard_sum_seconds": sum(shard_seconds),
        "shard_max_seconds": max(shard_seconds),
        "shard_api_calls": shard_calls,
        "merge_seconds": merge_seconds,
        "merged_equal": float(merged == summary),
        "accounts_per_runner_10_min": args.accounts * 600 / seconds,
    }
    rows = [
        (f"organisation audit, {args.accounts} accounts x {len(REGIONS)} regions",
         f"{seconds:.2f} s", f"{evaluated:,} of {total_jobs:,} jobs evaluated"),
        ("API calls", f"{api_calls:,}", f"{api_calls / seconds:,.0f} calls/s"),
        (f"{args.shards} shards one after another: sum", f"{sum(shard_seconds):.2f} s",
         f"{shard_calls:,} calls"),
        (f"{args.shards} shards: slowest", f"{max(shard_seconds):.2f} s",
         "wall time of a matrix of runners"),
        ("merge of the shards", f"{merge_seconds:.2f} s",
         "same counts" if merged == summary else "COUNTS DIFFER"),
        ("accounts per runner in 10 minutes", f"{figures['accounts_per_runner_10_min']:,.0f}",
         f"at {args.latency_ms:g} ms per request"),
    ]  # fmt: skip
    print_table(rows, "note")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
