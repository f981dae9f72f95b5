"""Benchmark `bedrock-checker check`: throughput on many generated jobs, memory, and cold start.

Generates a realistic tree of job documents (Get responses and create requests, JSON and YAML,
a few JSON-array bulk files), runs the check pipeline in-process with every built-in pack, and
times a one-job `python -m checker check` against the bare import of its dependencies.

    python bench/bench_check.py            # 10,000 jobs
    python bench/bench_check.py --quick    # 1,000 jobs
    python bench/bench_check.py --jobs 50000 --keep /tmp/bench-jobs

A benchmark, not a test: it prints its figures next to the targets and always exits 0.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figures import print_table, progress

from checker import pipeline
from checker.reports import RenderOptions, json_report
from checker.sources import files

PACKS = ("builtin:baseline", "builtin:promotion", "builtin:cost")
TARGET_SECONDS_PER_10K = 2.4
TARGET_COLD_RATIO = 1.2
TARGET_INFO_RATIO = 1.1  # --version and --help
TARGET_RSS_MIB = 300  # peak RSS for 50,000 jobs
RSS_TARGET_JOBS = 50_000
BULK_FILE_JOBS = 250

# --------------------------------------------------------------------------------------------
# What a real estate of customization jobs looks like: a few accounts and regions, each with
# one customization role, one KMS key and one or two VPC configurations shared by every job,
# and per-job names and data locations.


@dataclass(frozen=True)
class Model:
    model_id: str
    # Hyperparameter sets teams actually reuse; values as the API takes them (strings).
    presets: tuple[dict[str, str], ...]
    weight: int


MODELS = (
    Model(
        "amazon.titan-text-lite-v1:0:4k",
        (
            {
                "epochCount": "2",
                "batchSize": "1",
                "learningRate": "0.00001",
                "learningRateWarmupSteps": "5",
            },
            {
                "epochCount": "3",
                "batchSize": "8",
                "learningRate": ".0001",
                "learningRateWarmupSteps": "0",
            },
            {
                "epochCount": "5",
                "batchSize": "1",
                "learningRate": "1.00E-5",
                "learningRateWarmupSteps": "5",
            },
        ),
        25,
    ),
    Model(
        "amazon.nova-lite-v1:0:300k",
        (
            {"epochCount": "2", "learningRate": "0.00001", "learningRateWarmupSteps": "10"},
            {"epochCount": "1", "learningRate": "1.00E-5", "learningRateWarmupSteps": "10"},
            {"epochCount": "3", "learningRate": "0.00005", "learningRateWarmupSteps": "20"},
        ),
        30,
    ),
    Model(
        "meta.llama3-1-8b-instruct-v1:0:128k",
        (
            {"epochCount": "5", "batchSize": "1", "learningRate": "0.0001"},
            {"epochCount": "3", "batchSize": "1", "learningRate": "0.00005"},
        ),
        20,
    ),
    Model(
        "anthropic.claude-3-haiku-20240307-v1:0:200k",
        (
            {
                "epochCount": "2",
                "batchSize": "32",
                "learningRateMultiplier": "1",
                "earlyStoppingThreshold": "0.001",
                "earlyStoppingPatience": "2",
            },
            {"epochCount": "3", "batchSize": "16", "learningRateMultiplier": "0.5"},
        ),
        15,
    ),
    Model(
        "cohere.command-light-text-v14:7:4k",
        (
            {
                "epochCount": "1",
                "batchSize": "8",
                "learningRate": "0.00001",
                "earlyStoppingThreshold": "0.01",
                "earlyStoppingPatience": "6",
                "evalPercentage": "20",
            },
            {"epochCount": "2", "batchSize": "16", "learningRate": "0.00001"},
        ),
        10,
    ),
)
DISTILLATION_STUDENTS = ("amazon.nova-lite-v1:0:300k", "amazon.nova-micro-v1:0:128k")
TEACHERS = ("amazon.nova-premier-v1:0", "amazon.nova-pro-v1:0", "us.amazon.nova-premier-v1:0")
RFT_MODEL = "amazon.nova-2-lite-v1:0:256k"
TEAMS = ("search", "support", "fraud", "docs", "sales", "legal")
DATASETS = ("tickets", "faq", "claims", "chat", "summaries", "contracts")


@dataclass
class Account:
    """One account and region: the resources every job there shares."""

    account: str
    region: str
    role: str = ""
    kms_key: str = ""
    kms_alias: str = ""
    vpcs: list[dict[str, list[str]]] = field(default_factory=list)
    train_bucket: str = ""
    output_bucket: str = ""


def make_accounts(rng: random.Random) -> list[Account]:
    found = []
    for account, regions in (
        ("111122223333", ("us-east-1", "us-west-2")),
        ("444455556666", ("us-east-1",)),
        ("777788889999", ("us-west-2", "eu-west-1")),
    ):
        for region in regions:
            short = f"{region.replace('-', '')}-{account[-4:]}"
            key_id = "-".join(_hex(rng, n) for n in (8, 4, 4, 4, 12))
            vpcs = [
                {
                    "subnetIds": [f"subnet-0{_hex(rng, 16)}" for _ in range(count)],
                    "securityGroupIds": [f"sg-0{_hex(rng, 16)}"],
                }
                for count in (3, 2)
            ]
            found.append(
                Account(
                    account=account,
                    region=region,
                    role=f"arn:aws:iam::{account}:role/service-role/BedrockModelCustomization",
                    kms_key=f"arn:aws:kms:{region}:{account}:key/{key_id}",
                    kms_alias=f"arn:aws:kms:{region}:{account}:alias/bedrock-custom-models",
                    vpcs=vpcs,
                    train_bucket=f"acme-ml-training-{short}",
                    output_bucket=f"acme-ml-output-{short}",
                )
            )
    return found


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _job_id(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))


# Violations a few jobs carry, one each; the rule each one trips is in the comment.
VIOLATIONS = (
    "no_vpc",  # BMC001
    "one_subnet",  # BMC002
    "kms_alias",  # BMC004 (create requests; a Get response always holds the key ARN)
    "no_kms",  # BMC003
    "foreign_role",  # BMC005 (Get responses)
    "output_overlap",  # BMC006
    "unfiltered_logs",  # BMC007
    "epochs_high",  # BMC204, and BMC203 for models whose maximum is lower
    "undocumented_hp",  # BMC202
    "not_a_number",  # BMC201
    "missing_metrics",  # BMC103/BMC104 (Completed Get responses)
)


def make_job(
    index: int, rng: random.Random, accounts: list[Account]
) -> tuple[str, Account, dict[str, Any]]:
    """(shape, account, document) for one job; shape is "get" or "create"."""
    home = rng.choice(accounts)
    team, dataset = rng.choice(TEAMS), rng.choice(DATASETS)
    roll = rng.random()
    kind = (
        "distillation" if roll < 0.06 else "rft" if roll < 0.10 else "cpt" if roll < 0.14 else "ft"
    )
    if kind == "distillation":
        model_id, preset = rng.choice(DISTILLATION_STUDENTS), None
    elif kind == "rft":
        model_id, preset = RFT_MODEL, None
    else:
        model = rng.choices(MODELS, weights=[m.weight for m in MODELS])[0]
        model_id, preset = model.model_id, dict(rng.choice(model.presets))
    name = f"{team}-{dataset}-{model_id.split('.')[1].split('-v')[0]}-{index:06d}"
    prefix = f"{team}/{dataset}/{index:06d}"
    shape = "get" if rng.random() < 0.6 else "create"
    violation = rng.choice(VIOLATIONS) if rng.random() < 0.15 else None

    job: dict[str, Any] = {"jobName": name}
    training: dict[str, Any] = {"s3Uri": f"s3://{home.train_bucket}/{prefix}/train.jsonl"}
    if violation == "unfiltered_logs" or rng.random() < 0.03:
        training = {
            "invocationLogsConfig": {
                "usePromptResponse": True,
                "invocationLogSource": {"s3Uri": f"s3://acme-bedrock-logs-{home.account}/{team}/"},
            }
        }
        if violation != "unfiltered_logs":
            training["invocationLogsConfig"]["requestMetadataFilters"] = {
                "equals": {"approved-for-training": "true"}
            }
    validators = (
        [{"s3Uri": f"s3://{home.train_bucket}/{prefix}/validation.jsonl"}]
        if kind in ("ft", "cpt") and rng.random() < 0.85
        else []
    )
    output = f"s3://{home.output_bucket}/{prefix}/"
    if violation == "output_overlap":
        output = f"s3://{home.train_bucket}/{team}/"
    vpc = rng.choice(home.vpcs) if rng.random() < 0.95 else home.vpcs[0]
    if violation == "one_subnet":
        vpc = {"subnetIds": vpc["subnetIds"][:1], "securityGroupIds": vpc["securityGroupIds"]}
    role = home.role
    if violation == "foreign_role":
        role = "arn:aws:iam::999988887777:role/BedrockModelCustomization"

    if preset is not None:
        if violation == "epochs_high":
            preset["epochCount"] = "8"
        elif violation == "undocumented_hp":
            preset["warmupRatio"] = "0.1"
        elif violation == "not_a_number":
            preset["learningRate" if "learningRate" in preset else "epochCount"] = "1e-5f"
    customization: dict[str, Any] | None = None
    if kind == "distillation":
        customization = {
            "distillationConfig": {
                "teacherModelConfig": {
                    "teacherModelIdentifier": rng.choice(TEACHERS),
                    "maxResponseLengthForInference": 1000,
                }
            }
        }
    elif kind == "rft":
        grader_account = "999988887777" if rng.random() < 0.1 else home.account
        customization = {
            "rftConfig": {
                "graderConfig": {
                    "lambdaGrader": {
                        "lambdaArn": f"arn:aws:lambda:{home.region}:{grader_account}:"
                        f"function:rft-grader-{team}"
                    }
                },
                "hyperParameters": {
                    "epochCount": rng.choice((2, 3)),
                    "batchSize": 64,
                    "learningRate": 0.00001,
                    "trainingSamplePerPrompt": 4,
                    "reasoningEffort": "medium",
                    "evalInterval": 10,
                },
            }
        }

    base_arn = f"arn:aws:bedrock:{home.region}::foundation-model/{model_id}"
    if shape == "get":
        job_id = _job_id(rng)
        status = rng.choices(("Completed", "InProgress", "Failed", "Stopped"), (75, 10, 10, 5))[0]
        job |= {
            "jobArn": f"arn:aws:bedrock:{home.region}:{home.account}:model-customization-job/"
            f"{model_id}/{job_id}",
            "outputModelName": f"{name}-model",
            "roleArn": role,
            "status": status,
            "creationTime": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:07.123000+00:00",
            "baseModelArn": base_arn,
        }
        if status == "Completed":
            job["outputModelArn"] = (
                f"arn:aws:bedrock:{home.region}:{home.account}:custom-model/"
                f"{model_id}/{_job_id(rng)}"
            )
        if status == "Failed":
            job["failureMessage"] = "Validation error: training data has 12 malformed records."
    else:
        job |= {
            "customModelName": f"{name}-model",
            "roleArn": role,
            "baseModelIdentifier": model_id if rng.random() < 0.7 else base_arn,
            "jobTags": [{"key": "team", "value": team}, {"key": "cost-center", "value": "cc-4410"}],
        }
    if kind != "ft":
        job["customizationType"] = {
            "distillation": "DISTILLATION",
            "cpt": "CONTINUED_PRE_TRAINING",
            "rft": "REINFORCEMENT_FINE_TUNING",
        }[kind]
    if preset is not None:
        job["hyperParameters"] = preset
    job["trainingDataConfig"] = training
    if validators or shape == "get":
        job["validationDataConfig"] = {"validators": validators}
    job["outputDataConfig"] = {"s3Uri": output}
    if violation != "no_kms":
        if shape == "get":
            job["outputModelKmsKeyArn"] = home.kms_key
        else:
            job["customModelKmsKeyId"] = (
                home.kms_alias if violation == "kms_alias" else home.kms_key
            )
    if violation != "no_vpc":
        job["vpcConfig"] = vpc
    if customization is not None:
        job["customizationConfig"] = customization
    if shape == "get" and job["status"] == "Completed" and violation != "missing_metrics":
        job["trainingMetrics"] = {"trainingLoss": round(rng.uniform(0.05, 1.5), 4)}
        job["validationMetrics"] = [
            {"validationLoss": round(rng.uniform(0.05, 1.5), 4)} for _ in validators
        ]

    if shape == "create" and rng.random() < 0.02:  # a template committed unfilled
        where = rng.choice(("roleArn", "training", "output"))
        if where == "roleArn":
            job["roleArn"] = "arn:aws:iam::{account_id}:role/BedrockModelCustomization"
        elif where == "training" and "s3Uri" in training:
            training["s3Uri"] = "s3://<YOUR_TRAINING_BUCKET>/train.jsonl"
        else:
            job["outputDataConfig"]["s3Uri"] = "s3://${OUTPUT_BUCKET}/jobs/"
    return shape, home, job


# --------------------------------------------------------------------------------------------
# Writing the tree

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/:@+-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        # PyYAML follows YAML 1.1, where 1e-05 is a string; 1.0e-05 is a float.
        mantissa, e, exponent = repr(value).partition("e")
        return f"{mantissa if '.' in mantissa else mantissa + '.0'}{e}{exponent}"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML as people write it (the standard library has no YAML writer)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 2))
            elif isinstance(item, dict | list):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {_yaml_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = to_yaml(item, indent + 2)
                lines.append(f"{pad}- {nested.lstrip()}")
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    return "\n".join(lines)


@dataclass
class Tree:
    root: Path
    jobs: int = 0
    files: int = 0
    bulk_files: int = 0
    by_form: Counter[str] = field(default_factory=Counter)
    sample_job: Path | None = None  # one job for the cold start, if possible one that passes
    sample_passes: bool = False


def generate(root: Path, count: int, seed: int) -> Tree:
    rng = random.Random(seed)
    accounts = make_accounts(rng)
    tree = Tree(root)
    bulk: list[dict[str, Any]] = []
    for index in range(count):
        shape, home, job = make_job(index, rng, accounts)
        folder = root / home.account / home.region / ("jobs" if shape == "get" else "requests")
        if shape == "get" and rng.random() < 0.2:  # exported in bulk by a script
            bulk.append(job)
            tree.by_form["get, JSON array"] += 1
            if len(bulk) == BULK_FILE_JOBS:
                _write_bulk(tree, bulk)
            continue
        form = "json" if (rng.random() < 0.7 if shape == "get" else rng.random() < 0.4) else "yaml"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{job['jobName']}.{form}"
        text = json.dumps(job, indent=2) if form == "json" else to_yaml(job)
        path.write_text(text + "\n", encoding="utf-8")
        tree.jobs += 1
        tree.files += 1
        tree.by_form[f"{shape}, {form.upper()}"] += 1
        if tree.sample_job is None or (not tree.sample_passes and _passes_baseline(job)):
            tree.sample_job, tree.sample_passes = path, _passes_baseline(job)
    if bulk:
        _write_bulk(tree, bulk)
    # Files a real repository holds beside the jobs; a directory walk must pass them over.
    (root / "README.md").write_text("Model customization jobs, one folder per account.\n")
    (root / "catalog.json").write_text(json.dumps({"teams": list(TEAMS)}) + "\n")
    return tree


_MANIFEST = ".bench-tree.json"


def reuse_or_generate(root: Path, count: int, seed: int) -> Tree:
    """The tree generated earlier into ``root`` with the same count and seed, or a new one
    (kept, with a manifest), so that runs compared with each other read the same files."""
    manifest = root / _MANIFEST
    if manifest.exists():
        saved = json.loads(manifest.read_text(encoding="utf-8"))
        if saved["count"] == count and saved["seed"] == seed:
            return Tree(
                root,
                jobs=saved["jobs"],
                files=saved["files"],
                bulk_files=saved["bulk_files"],
                by_form=Counter(saved["by_form"]),
                sample_job=Path(saved["sample_job"]),
                sample_passes=saved["sample_passes"],
            )
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    tree = generate(root, count, seed)
    saved = {
        "count": count,
        "seed": seed,
        "jobs": tree.jobs,
        "files": tree.files,
        "bulk_files": tree.bulk_files,
        "by_form": dict(tree.by_form),
        "sample_job": str(tree.sample_job),
        "sample_passes": tree.sample_passes,
    }
    manifest.write_text(json.dumps(saved), encoding="utf-8")
    return tree


def _write_bulk(tree: Tree, bulk: list[dict[str, Any]]) -> None:
    folder = tree.root / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"jobs-{tree.bulk_files:03d}.json"
    path.write_text(json.dumps(bulk, indent=2) + "\n", encoding="utf-8")
    tree.jobs += len(bulk)
    tree.files += 1
    tree.bulk_files += 1
    bulk.clear()


def _passes_baseline(job: dict[str, Any]) -> bool:
    return (
        "jobArn" in job
        and "vpcConfig" in job
        and len(job["vpcConfig"]["subnetIds"]) > 1
        and "outputModelKmsKeyArn" in job
        and job["roleArn"].split(":")[4] == job["jobArn"].split(":")[4]
        and "customizationConfig" not in job
        and "s3Uri" in job["trainingDataConfig"]
        and job["outputDataConfig"]["s3Uri"].startswith("s3://acme-ml-output-")
    )


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Throughput:
    load: float  # 0 with workers: the workers read the files, timed with evaluate
    policy: float
    evaluate: float
    render: float
    jobs: int
    rules: int
    summary: dict[str, Any]
    report_bytes: int
    workers: int  # processes that read and evaluated the files; 1: this process alone
    files: int | None  # files to read, as the checker counts them (None: not counted)

    @property
    def total(self) -> float:
        return self.load + self.policy + self.evaluate + self.render


def _timed(items: Iterable[Any], spent: list[float]) -> Iterator[Any]:
    """The items, with the time spent producing them (reading files) added to ``spent[0]``."""
    clock = time.perf_counter
    iterator = iter(items)
    while True:
        start = clock()
        try:
            item = next(iterator)
        except StopIteration:
            spent[0] += clock() - start
            return
        spent[0] += clock() - start
        yield item


def run_check(root: Path, workers: int | None = None) -> Throughput:
    """The `check` pipeline, as cli.check wires it: policies loaded, then each file read and its
    jobs evaluated, then the JSON report. ``workers`` is check's --workers (None: chosen from
    the files, as check chooses).

    On worker processes (a checker with checker.parallel, and more than one worker chosen)
    the workers read and evaluate, so reading is timed together with evaluation. In this
    process alone, reading is timed apart by timing the reads inside the pipeline; an older
    checker (bench/run --compare) always runs that way."""
    clock = time.perf_counter
    start = clock()
    configuration = pipeline.configure(PACKS)
    compiled = clock()
    skipped: list[str] = []
    spent = [0.0]
    chosen, counted = 1, None
    if hasattr(files, "FileJobs"):  # the files' work can be shared out among processes
        from checker import parallel

        jobs = files.iter_paths([str(root)], skipped=skipped)
        counted = len(jobs.files())  # walks the tree once; the pipeline reuses the walk
        chosen = parallel.choose_workers(counted, workers)
        if chosen > 1:
            # The FileJobs object itself: pipeline.run shares out only that, not a wrapper.
            report = pipeline.run(configuration, jobs, skipped=skipped, workers=chosen)
        else:
            spent[0] = clock() - compiled
            report = pipeline.run(configuration, _timed(jobs, spent), skipped=skipped)
    elif hasattr(files, "iter_paths"):  # read lazily, in this process
        items = files.iter_paths([str(root)], skipped=skipped)
        report = pipeline.run(configuration, _timed(items, spent), skipped=skipped)
    else:  # a checker that reads every file first
        scan = files.read_paths([str(root)])
        spent[0], skipped = clock() - compiled, scan.skipped
        report = pipeline.run(configuration, scan.items, skipped=skipped)
    evaluated = clock()
    report_bytes = 0
    if hasattr(json_report, "chunks"):  # piece by piece, as the CLI writes the report's file
        for piece in json_report.chunks(report, RenderOptions()):
            report_bytes += len(piece.encode("utf-8", "backslashreplace"))
    else:  # an older checker, which renders the whole text first
        report_bytes = len(json_report.render(report, RenderOptions()).encode())
    rendered = clock()
    return Throughput(
        load=spent[0],
        policy=compiled - start,
        evaluate=evaluated - compiled - spent[0],
        render=rendered - evaluated,
        jobs=len(report.results),
        rules=len(report.rules),
        summary=report.summary(),
        report_bytes=report_bytes,
        workers=chosen,
        files=counted,
    )


def traced_peak(root: Path, workers: int | None) -> int:
    """Peak bytes allocated by Python during one more run of the pipeline, under tracemalloc
    (in this process only: worker processes are not traced)."""
    gc.collect()
    tracemalloc.start()
    try:
        run_check(root, workers)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def max_rss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB, macOS bytes


# Runs `python -m checker ARGS` and then writes the process's own peak resident set (VmHWM)
# to the file named by its first argument. ru_maxrss of a child is no good here: Linux carries
# the parent's high-water mark over a fork into it.
_PEAK_WRAPPER = """\
import runpy, sys
target = sys.argv.pop(1)
sys.argv[0] = "bedrock-checker"
try:
    runpy.run_module("checker", run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    with open(target, "w", encoding="ascii") as out:
        out.write(peak.split()[1])
"""


@dataclass
class CommandRun:
    seconds: float
    rss_bytes: int  # the check process's own peak resident set (VmHWM)
    pss_bytes: int | None  # the highest sampled PSS of it and its descendants, if measured
    processes: int  # the most processes of its tree seen in one sample (0: not sampled)
    exit_code: int


def command_run(root: Path, workers: int | None) -> CommandRun | None:
    """`check` on the whole tree as a new process, with the three packs and the JSON report
    written to a file, as a user runs it (``workers``: its --workers). None where /proc is
    missing (the peak is read from /proc/self/status)."""
    if not Path("/proc/self/status").exists():
        return None
    with tempfile.TemporaryDirectory(prefix="bedrock-checker-bench-report-") as name:
        folder = Path(name)
        peak_file = folder / "peak"
        command = [sys.executable, "-c", _PEAK_WRAPPER, str(peak_file), "check", str(root)]
        command += [arg for pack in PACKS for arg in ("--policy", pack)]
        command += ["--format", "json", "-o", str(folder / "report.json")]
        command += [] if workers is None else ["--workers", str(workers)]
        with open(folder / "stderr", "w+b") as errors:  # a file: a full pipe would block check
            start = time.perf_counter()
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
            pss, processes = sampled_peak_pss(process)
            elapsed = time.perf_counter() - start
            if process.returncode not in (0, 1):
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()[-300:]
                raise SystemExit(f"check exited {process.returncode}: {message}")
        peak = int(peak_file.read_text(encoding="ascii")) * 1024
    return CommandRun(elapsed, peak, pss, processes, process.returncode)


PSS_INTERVAL = 0.02  # seconds between two samples of the process tree's memory


def sampled_peak_pss(process: subprocess.Popen[bytes]) -> tuple[int | None, int]:
    """Wait for ``process``; meanwhile, every PSS_INTERVAL, add up the proportional set size
    (Pss in /proc/PID/smaps_rollup) of it and all its descendants. Returns the highest sum
    and the most processes seen in one sample; (None, 0) where smaps_rollup is missing.

    PSS divides each page among the processes that map it, so the pages that forked workers
    still share with their parent are counted once, as the machine holds them."""
    if not Path(f"/proc/{os.getpid()}/smaps_rollup").exists():  # Linux before 4.14, or no /proc
        process.wait()
        return None, 0
    peak, most = 0, 0
    while True:
        try:
            process.wait(timeout=PSS_INTERVAL)
            return peak, most
        except subprocess.TimeoutExpired:
            pass
        tree = _process_tree(process.pid)
        sizes = [size for size in map(_pss_bytes, tree) if size is not None]
        peak, most = max(peak, sum(sizes)), max(most, len(sizes))


def _process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, from the parent of every process in /proc."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path("/proc", name, "stat").read_bytes()
        except OSError:  # gone since the listing
            continue
        # "PID (COMMAND) STATE PPID ...": the command may hold spaces and parentheses.
        parent = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(name))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children.get(pid, ()))
    return found


def _pss_bytes(pid: int) -> int | None:
    """The process's proportional set size, or None when it is gone (or has exited: an
    unreaped process maps nothing)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        return None
    return None


def alternating_seconds(
    commands: list[list[str]], runs: int, cwd: Path
) -> list[tuple[float, list[float], int]]:
    """For each command: the median wall time of ``runs`` rounds, the times and the last exit
    code. Each command runs once, untimed, first; then each round runs every command once, so
    that the machine's load weighs on all of them alike."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times: list[list[float]] = [[] for _ in commands]
    codes = [0] * len(commands)
    for attempt in range(runs + 1):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            done = subprocess.run(
                command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            elapsed = time.perf_counter() - start
            codes[index] = done.returncode
            if done.returncode not in (0, 1):
                message = done.stderr.decode().strip()
                raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {message}")
            if attempt:
                times[index].append(elapsed)
    return [(statistics.median(t), t, code) for t, code in zip(times, codes, strict=True)]


# --------------------------------------------------------------------------------------------


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MiB"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _workers_line(figures: Throughput, requested: int | None) -> str:
    """How many processes read and evaluated the files, and how that count was chosen."""
    if figures.files is None:
        return "workers: none (this checker reads and evaluates in one process)"
    how = (
        f"--workers {requested}"
        if requested is not None
        else "chosen as check chooses: one per 200 files, at most one per CPU and 8"
    )
    from checker import parallel

    where = "" if figures.workers > 1 else ", in this process"
    return (
        f"workers: {figures.workers} for {figures.files:,} files ({how}; "
        f"{parallel.available_cpus()} CPUs available){where}"
    )


def _command_rows(command: CommandRun | None, target: str | None) -> list[tuple[str, str, str]]:
    """The check command's rows: the main process's peak, and the whole process tree's."""
    if command is None:
        return [("check command: peak RSS, main process (VmHWM)", "skipped", "")]
    limit = TARGET_RSS_MIB * 1024 * 1024
    rows = [
        (
            "check command: peak RSS, main process (VmHWM)",
            _mib(command.rss_bytes),
            f"{command.seconds:.2f} s, exit {command.exit_code}"
            + (f"  {target}{_verdict(command.rss_bytes < limit)}" if target else ""),
        )
    ]
    if command.pss_bytes is None:
        rows.append(
            (
                "check command: peak memory, all processes (PSS, sampled)",
                "unavailable",
                "no /proc/PID/smaps_rollup here",
            )
        )
    else:
        rows.append(
            (
                "check command: peak memory, all processes (PSS, sampled)",
                _mib(command.pss_bytes),
                f"every {PSS_INTERVAL * 1000:.0f} ms; at most {command.processes} "
                + ("process" if command.processes == 1 else "processes")
                + (f"  {target}{_verdict(command.pss_bytes < limit)}" if target else ""),
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs to generate (default 10000)")
    parser.add_argument("--quick", action="store_true", help="1,000 jobs instead")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generator")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold-start runs per command")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        help="read the jobs generated into DIR by an earlier --reuse run with the same --jobs "
        "and --seed (generate and keep them there the first time)",
    )
    parser.add_argument(
        "--skip-traced", action="store_true", help="skip the second run under tracemalloc"
    )
    parser.add_argument(
        "--skip-command",
        action="store_true",
        help="skip the run of the check command on the whole tree as a new process",
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="with --reuse: generate the jobs and exit"
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes (1 to 64) that read and evaluate the files, as check's --workers (default: "
        "chosen from the files, as check chooses; 1: this process alone)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE (bench/run)")
    args = parser.parse_args(argv)
    count = 1_000 if args.quick else args.jobs
    if args.workers is not None and not 1 <= args.workers <= 64:
        parser.error("--workers: 1 to 64, as check takes it")
    if args.workers is not None and not hasattr(files, "FileJobs"):
        progress("this checker reads and evaluates in one process: --workers is left out")
        args.workers = None

    if args.reuse:
        root = Path(args.reuse)
    elif args.keep:
        root = Path(args.keep)
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="bedrock-checker-bench-"))
    try:
        started = time.perf_counter()
        if args.reuse:
            tree = reuse_or_generate(root, count, args.seed)
            if args.generate_only:
                return 0
        else:
            tree = generate(root, count, args.seed)
        generated = time.perf_counter() - started
        forms = ", ".join(f"{n:,} {form}" for form, n in sorted(tree.by_form.items()))
        print(
            f"generated {tree.jobs:,} jobs in {tree.files:,} files ({tree.bulk_files} JSON-array "
            f"bulk files of up to {BULK_FILE_JOBS}) under {root} in {generated:.1f} s"
        )
        print(f"  {forms}")

        progress("timing the check pipeline")
        rss_before = max_rss_bytes()
        figures = run_check(root, args.workers)
        rss_after = max_rss_bytes()
        command = None
        if not args.skip_command:
            progress("the check command on the whole tree, as a new process")
            command = command_run(root, args.workers)
        peak = None
        if not args.skip_traced:
            progress("measuring peak memory: the pipeline again, under tracemalloc (slower)")
            peak = traced_peak(root, args.workers)

        assert tree.sample_job is not None, "the generator wrote no single-job file"
        check_cmd = [
            sys.executable,
            "-m",
            "checker",
            "check",
            str(tree.sample_job),
            "--policy",
            "builtin:baseline",
        ]
        floor_cmd = [sys.executable, "-c", "import click, yaml, cerberus"]
        version_cmd = [sys.executable, "-m", "checker", "--version"]
        help_cmd = [sys.executable, "-m", "checker", "--help"]
        progress(f"cold start: 1 + {args.cold_runs} rounds of each command, alternating")
        cold_times = alternating_seconds(
            [check_cmd, floor_cmd, version_cmd, help_cmd], args.cold_runs, root
        )
        (cold, cold_runs, cold_code), (floor, floor_runs, _) = cold_times[:2]
        version_seconds, help_seconds = cold_times[2][0], cold_times[3][0]
    finally:
        if not args.keep and not args.reuse:
            shutil.rmtree(root, ignore_errors=True)

    s = figures.summary
    print(
        f"checked: {s['jobs']:,} jobs x {figures.rules} rules: {s['passed']:,} passed, "
        f"{s['failed']:,} failed, {s['errored']} errored; findings {s['bySeverity']['error']:,} "
        f"error, {s['bySeverity']['warning']:,} warning, {s['bySeverity']['note']:,} note, "
        f"{s['unknown']:,} unknown; {s['skippedFiles']} files passed over; "
        f"JSON report {_mib(figures.report_bytes)}"
    )
    runs = ", ".join(f"{t:.3f}" for t in cold_runs)
    floor_times = ", ".join(f"{t:.3f}" for t in floor_runs)
    print(f"cold start runs (s): check {runs} (exit {cold_code}); import floor {floor_times}")
    print(_workers_line(figures, args.workers))
    print()

    target_total = TARGET_SECONDS_PER_10K * figures.jobs / 10_000
    rate = figures.jobs / figures.total
    target_rate = 10_000 / TARGET_SECONDS_PER_10K
    ratio = cold / floor
    pooled = figures.workers > 1
    this_process = "this process only, not its workers" if pooled else ""
    at_target = figures.jobs >= RSS_TARGET_JOBS
    rss_target = f"< {TARGET_RSS_MIB} MiB at {RSS_TARGET_JOBS:,} jobs  "
    if pooled:
        stages = [
            ("policy load (3 packs)", f"{figures.policy:.3f} s", ""),
            (
                f"read, normalise, evaluate ({figures.workers} workers)",
                f"{figures.evaluate:.2f} s",
                "",
            ),
        ]
    else:
        stages = [
            ("load (read + normalise)", f"{figures.load:.2f} s", ""),
            ("policy load (3 packs)", f"{figures.policy:.3f} s", ""),
            ("evaluate", f"{figures.evaluate:.2f} s", ""),
        ]
    rows = [
        *stages,
        ("render (JSON)", f"{figures.render:.2f} s", ""),
        (
            f"total, {figures.jobs:,} jobs",
            f"{figures.total:.2f} s",
            f"<= {target_total:.2f} s  {_verdict(figures.total <= target_total)}",
        ),
        (
            "throughput",
            f"{rate:,.0f} jobs/s",
            f">= {target_rate:,.0f} jobs/s  {_verdict(rate >= target_rate)}",
        ),
        (
            "peak traced memory (tracemalloc)",
            "skipped" if peak is None else _mib(peak),
            "" if peak is None else this_process,
        ),
        (
            "peak RSS (ru_maxrss)",
            _mib(rss_after),
            f"(before the run: {_mib(rss_before)})"
            + (f"; {this_process}" if pooled else "")
            + (
                f"  {rss_target}{_verdict(rss_after < TARGET_RSS_MIB * 1024 * 1024)}"
                if at_target
                else ""
            ),
        ),
        *_command_rows(command, rss_target if at_target else None),
        ("cold start: check one job", f"{cold:.3f} s", f"median of {len(cold_runs)}"),
        ("import click, yaml, cerberus", f"{floor:.3f} s", f"median of {len(floor_runs)}"),
        (
            "cold start / import floor",
            f"{ratio:.2f}x",
            f"<= {TARGET_COLD_RATIO:.2f}x  {_verdict(ratio <= TARGET_COLD_RATIO)}",
        ),
        (
            "--version / import floor",
            f"{version_seconds / floor:.2f}x",
            f"{version_seconds:.3f} s; <= {TARGET_INFO_RATIO:.2f}x  "
            + _verdict(version_seconds / floor <= TARGET_INFO_RATIO),
        ),
        (
            "--help / import floor",
            f"{help_seconds / floor:.2f}x",
            f"{help_seconds:.3f} s; <= {TARGET_INFO_RATIO:.2f}x  "
            + _verdict(help_seconds / floor <= TARGET_INFO_RATIO),
        ),
    ]
    print_table(rows, "target")
    print()
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    print("cold-start runs use cached bytecode, as an installed package does")
    if args.json:
        result = {
            "jobs": figures.jobs,
            "load_seconds": figures.load,
            "evaluate_seconds": figures.evaluate,
            "render_seconds": figures.render,
            "total_seconds": figures.total,
            "jobs_per_second": rate,
            "peak_traced_bytes": peak or 0,
            "peak_rss_bytes": rss_after,
            "workers": figures.workers,
            "command_seconds": command.seconds if command else 0,
            "command_rss_bytes": command.rss_bytes if command else 0,
            "command_pss_bytes": (command.pss_bytes or 0) if command else 0,
            "cold_seconds": cold,
            "floor_seconds": floor,
            "cold_ratio": ratio,
            "version_ratio": version_seconds / floor,
            "help_ratio": help_seconds / floor,
        }
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
