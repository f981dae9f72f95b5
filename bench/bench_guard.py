"""Benchmark guard, the Lambda handler: its cold start, its time per warm event, its zip's size.

Builds the deployment zip (checker.guard.package.build_package) and unpacks it as Lambda does
into a task folder. A moto server on 127.0.0.1 plays Bedrock, holding distinct jobs, half of
them compliant and half violating BMC001. Each timed run is a fresh Python process whose path
starts at the task folder (so
checker, PyYAML and Cerberus come from the zip, boto3 from the environment, as in the Lambda
runtime), pointed at the server with AWS_ENDPOINT_URL:

- cold start: from before `import checker.guard` to the first event's result (configuration,
  policies, boto3 and the Bedrock client, one GetModelCustomizationJob, evaluation, the log line);
  the median of several processes. Lambda's own start-up (the runtime, unpacking) is not in it.
  Next to it, the floor: importing boto3 and creating a Bedrock client in a fresh process, which
  no handler can avoid; their ratio moves less with the machine's load than either time.
- warm: then N more events in the same process, cycling through the jobs; the time per event,
  and how much of it is the fetch (the API call to the local server) and how much is guard's own.

    python bench/bench_guard.py                 # 5 cold processes, 200 warm events
    python bench/bench_guard.py --cold-runs 3 --events 50

A benchmark, not a test: it prints its figures next to the targets and always exits 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from figures import print_table, progress

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
ROOT = Path(__file__).resolve().parent.parent
CREATE_JOB = json.loads((ROOT / "tests" / "fixtures" / "aws" / "create-job.json").read_text())
EVENT = json.loads((ROOT / "tests" / "guard" / "events" / "create-job-cloudtrail.json").read_text())

# Runs in each fresh process: times the first event from before the import, then warm events.
CHILD = """
import json, sys, time
started = time.perf_counter()
import checker.guard
from checker.guard import check
events = json.load(open(sys.argv[1]))
handler_stdout = sys.stdout
sys.stdout = open("/dev/null", "w")  # the handler's JSON log lines
first = checker.guard.handler(events[0], None)
cold = time.perf_counter() - started
fetching = [0.0]
real_fetch = check.fetch
def timed_fetch(*args, **kwargs):
    begin = time.perf_counter()
    try:
        return real_fetch(*args, **kwargs)
    finally:
        fetching[0] += time.perf_counter() - begin
check.fetch = timed_fetch
warm = []
outcomes = []
for index in range(int(sys.argv[2])):
    begin = time.perf_counter()
    outcomes.append(checker.guard.handler(events[(index + 1) % len(events)], None)["outcome"])
    warm.append(time.perf_counter() - begin)
sys.stdout = handler_stdout
print(json.dumps({"cold": cold, "first": first["outcome"], "warm": warm,
                  "fetch": fetching[0], "outcomes": outcomes,
                  "checker": checker.__file__, "click": "click" in sys.modules}))
"""


# The floor no handler can go under: importing boto3 and creating the Bedrock client.
FLOOR = """
import time
started = time.perf_counter()
import boto3
boto3.client("bedrock", region_name="us-east-1")
print(time.perf_counter() - started)
"""


def fake_aws_env(endpoint: str, task_root: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in ("PYTHONPATH", "POLICIES", "STOP_ON")
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        PYTHONPATH=str(task_root),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def event_for(job_name: str) -> dict[str, Any]:
    event = json.loads(json.dumps(EVENT))
    event["detail"]["requestParameters"]["jobName"] = job_name
    event["detail"]["responseElements"]["jobArn"] = (
        f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/{job_name}"
    )
    return event


def seed(endpoint: str, jobs: int) -> list[str]:
    """Distinct jobs (their own data locations and hyperparameters, so that no verdict is
    reused from the evaluator's cache); every other one runs outside a VPC."""
    import boto3

    client = boto3.client(
        "bedrock",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    names = []
    for index in range(jobs):
        name = f"{'good' if index % 2 == 0 else 'open'}-job-{index}"
        request = {
            **CREATE_JOB,
            "jobName": name,
            "customModelName": f"{name}-model",
            "trainingDataConfig": {"s3Uri": f"s3://corp-train/{name}/train.jsonl"},
            "validationDataConfig": {"validators": [{"s3Uri": f"s3://corp-train/{name}/v.jsonl"}]},
            "outputDataConfig": {"s3Uri": f"s3://corp-out/{name}/"},
            "hyperParameters": {
                "epochCount": str(1 + index % 3),
                "batchSize": "1",
                "learningRate": f"{0.00001 * (index + 1):.5f}",
            },
            "vpcConfig": None if index % 2 else CREATE_JOB["vpcConfig"],
        }
        client.create_model_customization_job(
            **{key: value for key, value in request.items() if value is not None}
        )
        names.append(name)
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes (default 5)")
    parser.add_argument("--events", type=int, default=200, help="warm events (default 200)")
    parser.add_argument(
        "--jobs", type=int, help="distinct jobs (default: one per event, none seen twice)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's request log

    from checker.guard.package import build_package

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        progress("building the deployment zip")
        manifest = build_package(folder / "guard.zip")
        task_root = folder / "task"
        with zipfile.ZipFile(manifest.path) as archive:
            archive.extractall(task_root)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            names = seed(endpoint, max(args.jobs or args.events + 1, 2))
            env = fake_aws_env(endpoint, task_root)
            events = folder / "events.json"
            events.write_text(json.dumps([event_for(name) for name in names]), encoding="utf-8")
            runs = []
            for run in range(args.cold_runs):
                progress(f"fresh process {run + 1}/{args.cold_runs}")
                begin = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(events), str(args.events)],
                    cwd=task_root,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(done.stdout.splitlines()[-1])
                figures["process"] = time.perf_counter() - begin
                floor = subprocess.run(
                    [sys.executable, "-c", FLOOR],
                    cwd=task_root,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures["floor"] = float(floor.stdout.strip())
                runs.append(figures)
        finally:
            server.stop()

    assert all(r["first"] == "passed" for r in runs), "the compliant job did not pass"
    assert all(r["checker"].startswith(str(task_root)) for r in runs), "checker not from the zip"
    assert not any(r["click"] for r in runs), "the handler imported click"
    cold = statistics.median(r["cold"] for r in runs)
    process = statistics.median(r["process"] for r in runs)
    floor = statistics.median(r["floor"] for r in runs)
    warm = [t for r in runs for t in r["warm"]]
    per_event = statistics.median(warm) if warm else 0.0
    mean_event = statistics.fmean(warm) if warm else 0.0
    fetch_share = sum(r["fetch"] for r in runs) / max(sum(sum(r["warm"]) for r in runs), 1e-9)
    own = mean_event * (1 - fetch_share)
    outcomes = sorted({o for r in runs for o in r["outcomes"]})
    figures_out = {
        "cold_seconds": cold,
        "process_seconds": process,
        "floor_seconds": floor,
        "cold_ratio": cold / floor,
        "warm_ms_median": per_event * 1000,
        "warm_ms_mean": mean_event * 1000,
        "warm_own_ms": own * 1000,
        "warm_fetch_ms": (mean_event - own) * 1000,
        "zip_bytes": manifest.size,
        "zip_entries": len(manifest.entries),
        "events": len(warm),
    }
    rows = [
        ("zip size", f"{manifest.size / 1024:.0f} KiB", f"{len(manifest.entries)} files"),
        ("cold start, import to first result", f"{cold:.3f} s", "target < 1.5 s"),
        ("import boto3 + Bedrock client", f"{floor:.3f} s", "the floor"),
        ("cold start / floor", f"{cold / floor:.2f}x", "compare across machines and loads"),
        ("fresh process, start to exit", f"{process:.3f} s", f"with {args.events} warm events"),
        ("warm event, median", f"{per_event * 1000:.1f} ms", f"{len(warm)} events: {outcomes}"),
        ("warm event, mean", f"{mean_event * 1000:.1f} ms", ""),
        (
            "  of which the fetch (API calls)",
            f"{(mean_event - own) * 1000:.1f} ms",
            "local moto: by ARN, then by name",
        ),
        ("  of which guard itself", f"{own * 1000:.1f} ms", "target < 100 ms"),
    ]
    print_table(rows, "note")
    if args.json:
        args.json.write_text(json.dumps(figures_out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
