"""Benchmark Terraform: `check` on many aws_bedrock_custom_model resources, the HCL parser alone
(this environment's and other environments' python-hcl2), and Checkov with one custom check.

    python bench/bench_terraform.py                      # 1,000 resources in 50 .tf files
    python bench/bench_terraform.py --resources 200 --runs 1
    python bench/bench_terraform.py --parser-python /tmp/hcl7/bin/python \\
        --checkov /tmp/bench-checkov/bin/checkov

Checkov and other python-hcl2 versions are never dependencies of the project: install them in
environments of their own and name their executables here. A benchmark, not a test: it prints
its figures next to the target and always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import print_table, progress

TARGET_CHECKOV_RATIO = 3.0  # Checkov's time / ours, at least
FILES = 50

CHECKOV_CHECK = """\
metadata:
  id: "CKV2_BEDROCK_1"
  name: "Bedrock model customization jobs run in a VPC"
  category: "NETWORKING"
definition:
  cond_type: "attribute"
  resource_types: ["aws_bedrock_custom_model"]
  attribute: "vpc_config"
  operator: "exists"
"""

# Parses every .tf file of a folder with the python-hcl2 of the interpreter that runs it.
PARSE_ONLY = """\
import sys, time
from pathlib import Path
import hcl2
start = time.perf_counter()
for path in sorted(Path(sys.argv[1]).glob("*.tf")):
    hcl2.loads(path.read_text(encoding="utf-8"))
from importlib.metadata import version
print(time.perf_counter() - start, version("python-hcl2"))
"""


def resource(index: int) -> str:
    vpc = (
        "  vpc_config {\n"
        '    subnet_ids         = ["subnet-0a1b2c3d", "subnet-1b2c3d4e"]\n'
        '    security_group_ids = ["sg-0a1b2c3d"]\n'
        "  }\n"
        if index % 10
        else ""
    )
    return (
        f'resource "aws_bedrock_custom_model" "job_{index}" {{\n'
        f'  custom_model_name       = "model-{index}"\n'
        f'  job_name                = "job-{index}"\n'
        '  base_model_identifier   = "amazon.titan-text-express-v1"\n'
        '  role_arn                = "arn:aws:iam::111122223333:role/service-role/BedrockFT"\n'
        '  customization_type      = "FINE_TUNING"\n'
        '  custom_model_kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/'
        '1234abcd-12ab-34cd-56ef-1234567890ab"\n'
        "  hyperparameters = {\n"
        '    "epochCount"   = "2"\n'
        '    "batchSize"    = "1"\n'
        '    "learningRate" = "0.00001"\n'
        "  }\n"
        "  output_data_config {\n"
        f'    s3_uri = "s3://corp-out/jobs/{index}/"\n'
        "  }\n"
        "  training_data_config {\n"
        f'    s3_uri = "s3://corp-train/data/{index}/train.jsonl"\n'
        "  }\n"
        f"{vpc}"
        "  tags = {\n"
        '    team = "search"\n'
        "  }\n"
        "}\n\n"
    )


def generate(root: Path, count: int) -> None:
    per_file = max(count // FILES, 1)
    for start in range(0, count, per_file):
        text = "".join(resource(i) for i in range(start, min(start + per_file, count)))
        (root / f"models_{start // per_file:03d}.tf").write_text(text, encoding="utf-8")


def _once(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        message = done.stderr.decode(errors="replace").strip()[-300:]
        raise SystemExit(f"{command[0]} exited {done.returncode}: {message}")
    return elapsed


def timed_rounds(commands: list[list[str]], runs: int, cwd: Path) -> list[list[float]]:
    """Wall times of each command over ``runs`` rounds, after one unmeasured warm-up of each.
    Each round runs every command once, the order rotated from round to round, so that a
    shared machine's load weighs on all of them alike."""
    for command in commands:
        _once(command, cwd)
    times: list[list[float]] = [[] for _ in commands]
    for round_ in range(runs):
        order = list(range(len(commands)))
        shift = round_ % len(commands)
        for index in order[shift:] + order[:shift]:
            times[index].append(_once(commands[index], cwd))
    return times


def parse_only(python: str, folder: Path, runs: int) -> tuple[float, str]:
    """Median time python-hcl2 (of ``python``'s environment) takes to parse every file."""
    times, version = [], "?"
    for _ in range(runs):
        done = subprocess.run(
            [python, "-c", PARSE_ONLY, str(folder)], capture_output=True, check=True, text=True
        )
        seconds, version = done.stdout.split()
        times.append(float(seconds))
    return statistics.median(times), version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=1_000, help="resources (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument(
        "--parser-python",
        action="append",
        default=[],
        metavar="PYTHON",
        help="also time the python-hcl2 of this interpreter's environment (repeatable)",
    )
    parser.add_argument("--checkov", metavar="PATH", help="the checkov executable to compare")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="bedrock-checker-tf-"))
    try:
        tf, checks = root / "tf", root / "checks"
        tf.mkdir()
        checks.mkdir()
        generate(tf, args.resources)
        (checks / "bedrock_vpc.yaml").write_text(CHECKOV_CHECK, encoding="utf-8")
        ours_cmd = [sys.executable, "-m", "checker", "check", str(tf), "--policy"]
        ours_cmd += ["builtin:baseline", "--format", "json", "-o", str(root / "r.json")]
        commands = [ours_cmd]
        if args.checkov:
            checkov_cmd = [args.checkov, "-d", str(tf), "--framework", "terraform"]
            checkov_cmd += ["--external-checks-dir", str(checks), "--check", "CKV2_BEDROCK_1"]
            checkov_cmd += ["--quiet", "--compact", "-o", "json", "--skip-download"]
            commands.append(checkov_cmd)
        what = "bedrock-checker check" + (" and Checkov" if args.checkov else "")
        progress(f"{what}: 1 + {args.runs} rounds, order rotated")
        rounds = timed_rounds(commands, args.runs, root)
        ours_runs = rounds[0]
        ours = statistics.median(ours_runs)
        report = json.loads((root / "r.json").read_text(encoding="utf-8"))
        parsers = []
        for python in [sys.executable, *args.parser_python]:
            progress(f"python-hcl2 alone, with {python}")
            parsers.append(parse_only(python, tf, args.runs))
        checkov = checkov_runs = None
        if args.checkov:
            checkov_runs = rounds[1]
            checkov = statistics.median(checkov_runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    summary = report["summary"]
    print(
        f"{args.resources:,} resources in {FILES} files; check found {summary['jobs']:,} jobs, "
        f"{summary['failed']:,} failed; check runs (s): " + ", ".join(f"{t:.2f}" for t in ours_runs)
    )
    if checkov_runs:
        print("Checkov runs (s): " + ", ".join(f"{t:.2f}" for t in checkov_runs))
    rows = [(f"bedrock-checker check, {args.resources:,} resources", f"{ours:.2f} s", "")]
    for seconds, version in parsers:
        rows.append((f"python-hcl2 {version} alone", f"{seconds:.2f} s", ""))
    if checkov is not None:
        ratio = checkov / ours
        verdict = "ok" if ratio >= TARGET_CHECKOV_RATIO else "MISSED"
        rows.append(("Checkov, one custom check", f"{checkov:.2f} s", ""))
        target = f">= {TARGET_CHECKOV_RATIO:g}x  {verdict}"
        rows.append(("Checkov / bedrock-checker", f"{ratio:.2f}x", target))
        pairs = zip(checkov_runs or [], ours_runs, strict=True)
        each = ", ".join(f"{theirs / mine:.2f}x" for theirs, mine in pairs)
        rows.append(("  the same, each round", each, ""))
    else:
        rows.append(("Checkov", "not run", "--checkov PATH"))
    print_table(rows, "target")
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if args.json:
        figures: dict[str, float] = {"resources": args.resources, "check_seconds": ours}
        figures.update({f"hcl2_{v}_seconds": s for s, v in parsers})
        if checkov is not None:
            figures.update(checkov_seconds=checkov, checkov_ratio=checkov / ours)
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
