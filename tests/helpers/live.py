"""Live-scan builders: a moto server on 127.0.0.1, jobs in it, and the CLI in a subprocess."""

from __future__ import annotations

import copy
import http.client
import json
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

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


def bedrock_at(url: str, region: str) -> Any:
    """A Bedrock client of the moto server at ``url``, with moto's test credentials."""
    import boto3

    return boto3.client(
        "bedrock",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


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


class DenyingProxy:
    """An HTTP proxy to a moto server that answers AccessDenied to the STS AssumeRole calls
    whose form body holds one of ``denied`` (for example an account id): a role that does not
    exist, or does not trust the caller, as AWS answers it."""

    def __init__(self, upstream: str, denied: Iterable[str]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        parts = urlsplit(upstream)
        target = (parts.hostname or "127.0.0.1", parts.port or 80)
        markers = tuple(denied)
        self.denied: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                text = unquote_plus(body.decode("utf-8", "replace"))
                hit = next((m for m in markers if m in text), None)
                if "Action=AssumeRole" in text and hit is not None:
                    proxy.denied.append(hit)
                    self._answer(403, {"Content-Type": "text/xml"}, _ACCESS_DENIED)
                    return
                connection = http.client.HTTPConnection(*target, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request("POST", self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                kept = {
                    k: v
                    for k, v in response.getheaders()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection")
                }
                connection.close()
                self._answer(response.status, kept, payload)

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[str]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self.url
        finally:
            self.server.shutdown()
            self.server.server_close()


_ACCESS_DENIED = (
    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender'
    b"</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: "
    b"sts:AssumeRole</Message></Error><RequestId>00000000-0000-0000-0000-000000000000"
    b"</RequestId></ErrorResponse>"
)
