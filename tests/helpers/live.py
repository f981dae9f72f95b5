"""Live-scan builders: a moto server on 127.0.0.1, jobs in it, and the CLI in a subprocess."""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CREATE_JOB: dict[str, Any] = json.loads(
    (REPO / "tests" / "fixtures" / "aws" / "create-job.json").read_text()
)


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server in this process, on a free port: its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_job(client: Any, name: str, **overrides: Any) -> str:
    """A job from the shared create request; ``overrides`` replace fields (None removes one)."""
    request = copy.deepcopy(CREATE_JOB)
    request.update(jobName=name, customModelName=f"{name}-model", **overrides)
    request = {key: value for key, value in request.items() if value is not None}
    return str(client.create_model_customization_job(**request)["jobArn"])


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment with fake credentials and no AWS config, profile or instance metadata."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "CI"}
    environment.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        **extra,
    )
    return environment


def command(*args: str) -> list[str]:
    """The installed console script with these arguments."""
    executable = shutil.which("bedrock-checker")
    assert executable, "the console script is not installed: pip install -e .[test]"
    return [executable, *args]


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), env=env, capture_output=True, text=True, timeout=timeout)
