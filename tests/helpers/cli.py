"""Running the command line in-process and reading its JSON report; the examples; moto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from checker.cli import cli
from helpers.aws import aws_env as aws_env  # the tests of the CLI set up AWS the same way

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
ACCOUNT = "123456789012"  # moto's default account


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """`bedrock-checker ARGS...` in this process; ``result.stdout`` and ``result.stderr`` apart."""
    return CliRunner().invoke(cli, list(args), env=env)


def report(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def job_names(result: Result) -> list[str]:
    return sorted(job["name"] for job in report(result)["jobs"] if job["name"])


def create_job(client: Any, name: str, **overrides: Any) -> str:
    """A fine-tuning job in moto, from a create request that passes the baseline rules."""
    request: dict[str, Any] = {
        "jobName": name,
        "customModelName": f"{name}-model",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/BedrockFT",
        "baseModelIdentifier": "amazon.titan-text-lite-v1:0:4k",
        "customizationType": "FINE_TUNING",
        "hyperParameters": {"epochCount": "2", "batchSize": "1", "learningRate": "0.0001"},
        "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
        "customModelKmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/"
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
    }
    request.update(overrides)
    request = {key: value for key, value in request.items() if value is not None}
    return str(client.create_model_customization_job(**request)["jobArn"])


def interruptible() -> None:
    """preexec_fn for a child that a test interrupts: a shell that started the test run in
    the background set SIGINT to 'ignore', which the child would inherit and keep."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
