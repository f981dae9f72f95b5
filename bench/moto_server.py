"""A moto server for the live benchmarks, in a process of its own: every request waits the
latency asked for, and the server counts the requests it answered (GET COUNT_PATH)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

COUNT_PATH = "/__bench_calls"
# Bedrock listings moto does not implement, answered as an account that has none would answer
# them: a scan with the promotion pack reads them once per region (BMC105's evaluations).
EMPTY_LISTINGS = {
    "/evaluation-jobs": b'{"jobSummaries": []}',
    "/provisioned-model-throughputs": b'{"provisionedModelSummaries": []}',
}


class Latency:
    """WSGI middleware: wait ``seconds`` before handing each request to moto, and count them."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == COUNT_PATH:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(self.calls).encode()]
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        empty = EMPTY_LISTINGS.get(environ.get("PATH_INFO", ""))
        if empty is not None and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [empty]
        return self.app(environ, start_response)


def serve(seed: Callable[[], None], latency_ms: float) -> None:
    """In the server process: seed moto's backends, print the port, and answer until killed."""
    import logging

    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    seed()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Latency(DomainDispatcherApplication(create_backend_app), latency_ms / 1000)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


def start(script: str, arguments: Sequence[str]) -> tuple[subprocess.Popen[str], str]:
    """Run ``script --serve ARGUMENTS`` and return the process and the server's URL."""
    command = [sys.executable, script, "--serve", *arguments]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = server.stdout.readline().strip()
    if not port.isdigit():
        server.kill()
        raise SystemExit("the moto server did not start")
    return server, f"http://127.0.0.1:{port}"


def calls(url: str) -> int:
    """How many requests the server has answered."""
    with urllib.request.urlopen(url + COUNT_PATH, timeout=10) as response:
        return int(response.read())
