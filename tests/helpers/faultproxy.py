"""A fault-injecting HTTP proxy on 127.0.0.1, between the CLI and a moto server (tests only).

Each request is forwarded to the upstream server, or answered with a fault drawn from a seeded
random generator: a throttling error, a 500/503, a delay past the client's read timeout, or a
connection closed without a response. Rules can fail every Get of a named job, and the proxy
can "die" after N requests (every later connection is closed unanswered). It counts requests by
kind (list, get, tags, other) and by outcome. The status line, headers and body go out in one
send, with TCP_NODELAY, so that the proxy adds no Nagle/delayed-ACK wait to each request.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

JOBS_PATH = "/model-customization-jobs"
MAX_DELAY = 5.0  # seconds: a delayed request never holds a thread longer than this


@dataclass
class Faults:
    """What to inject. Shares are probabilities per request, drawn in this order."""

    throttle: float = 0.0  # HTTP 400 ThrottlingException (retried by botocore)
    server_error: float = 0.0  # HTTP 500 or 503 (retried)
    delay: float = 0.0  # wait delay_seconds before forwarding (past the read timeout)
    drop: float = 0.0  # close the connection without a response (retried)
    delay_seconds: float = 2.0
    fail_get: frozenset[str] = frozenset()  # job names whose Get always fails
    fail_get_code: str = "AccessDeniedException"
    die_after: int | None = None  # answer this many requests, then close every connection
    kinds: frozenset[str] = frozenset({"list", "get", "tags"})  # what the shares apply to
    # Random faults in a row on one request target (method and path) before it is let through:
    # botocore's backoff doubles per attempt (up to 20 s), so this bounds a run's duration.
    max_faults_per_target: int = 3
    seed: int = 0


@dataclass
class Counts:
    """Requests seen, by kind and by what was done with them."""

    by_kind: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    # Get requests forwarded and answered 200, by job name.
    gets_answered: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def request_kind(method: str, path: str) -> tuple[str, str | None]:
    """(kind, job name): Bedrock's REST paths for List, Get and ListTagsForResource."""
    route = urlsplit(path).path
    if method == "GET" and route.rstrip("/") == JOBS_PATH:
        return "list", None
    if method == "GET" and route.startswith(JOBS_PATH + "/"):
        return "get", unquote(route[len(JOBS_PATH) + 1 :])
    if method == "POST" and route == "/listTagsForResource":
        return "tags", None
    return "other", None


def error_response(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """A rest-json error as AWS sends it: botocore reads the code from x-amzn-ErrorType."""
    body = json.dumps({"message": message}).encode()
    headers = {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.bedrock/",
        "x-amzn-RequestId": "00000000-0000-0000-0000-000000000000",
    }
    return status, headers, body


class FaultProxy(ThreadingHTTPServer):
    """The proxy server: ``with FaultProxy(upstream, faults).running() as url: ...``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: str, faults: Faults) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname == "127.0.0.1", "the proxy only forwards to 127.0.0.1"
        self.upstream = (parts.hostname, parts.port or 80)
        self.faults = faults
        self.counts = Counts()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.random = random.Random(faults.seed)
        self.faulted: Counter[str] = Counter()  # random faults injected, by request target
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def dead(self) -> bool:
        limit = self.faults.die_after
        return limit is not None and self.counts.by_outcome["forwarded"] >= limit

    def decide(self, kind: str, job: str | None, target: str = "") -> str:
        """What to do with one request: counted under the lock, drawn from the seeded generator."""
        faults = self.faults
        with self.lock:
            self.counts.by_kind[kind] += 1
            if self.dead:
                outcome = "dead"
            elif kind == "get" and job in faults.fail_get:
                outcome = "fail_get"
            elif kind in faults.kinds:
                draw = self.random.random()
                outcome = "forwarded"
                for name, share in (
                    ("throttle", faults.throttle),
                    ("server_error", faults.server_error),
                    ("delay", faults.delay),
                    ("drop", faults.drop),
                ):
                    if draw < share:
                        outcome = name
                        break
                    draw -= share
                if outcome != "forwarded":
                    if self.faulted[target] >= faults.max_faults_per_target:
                        outcome = "forwarded"
                    else:
                        self.faulted[target] += 1
            else:
                outcome = "forwarded"
            self.counts.by_outcome[outcome] += 1
            if outcome == "server_error":
                outcome = self.random.choice(["server_error_500", "server_error_503"])
            return outcome

    def answered_get(self, job: str) -> None:
        with self.lock:
            self.counts.gets_answered[job] += 1

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve on a daemon thread; shut down (and unblock delayed requests) on exit."""
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield self.url
        finally:
            self.stopping.set()
            self.shutdown()
            self.server_close()
            thread.join(timeout=5)

    def verify_request(self, request: object, client_address: object) -> bool:
        # A dead endpoint: close every new connection at once, without reading it.
        if self.dead or self.stopping.is_set():
            with self.lock:
                self.counts.by_outcome["refused"] += 1
            return False
        return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects
    server: FaultProxy

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.upstream: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self.upstream is not None:
                self.upstream.close()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the counts say what happened

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind, job = request_kind(self.command, self.path)
        outcome = self.server.decide(kind, job, f"{self.command} {self.path}")
        if outcome in ("dead", "drop"):
            self._drop()
            return
        if outcome == "throttle":
            self._send(*error_response(400, "ThrottlingException", "Rate exceeded"))
        elif outcome == "server_error_500":
            self._send(*error_response(500, "InternalServerException", "Injected fault"))
        elif outcome == "server_error_503":
            self._send(*error_response(503, "ServiceUnavailableException", "Injected fault"))
        elif outcome == "fail_get":
            code = self.server.faults.fail_get_code
            self._send(*error_response(403, code, f"Injected: no access to job {job}"))
        else:
            if outcome == "delay":
                delay = min(self.server.faults.delay_seconds, MAX_DELAY)
                if self.server.stopping.wait(delay):
                    self._drop()
                    return
            status, headers, answer = self._forward(body)
            if kind == "get" and job is not None and status == 200:
                self.server.answered_get(job)
            self._send(status, headers, answer)

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.upstream is None:
            host, port = self.server.upstream
            self.upstream = http.client.HTTPConnection(host, port, timeout=30)
            self.upstream.connect()
            assert self.upstream.sock is not None
            self.upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        self.upstream.request(self.command, self.path, body=body, headers=headers)
        response = self.upstream.getresponse()
        answer = response.read()
        skip = {"connection", "transfer-encoding", "content-length", "keep-alive"}
        kept = {k: v for k, v in response.getheaders() if k.lower() not in skip}
        return response.status, kept, answer

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        reason = http.client.responses.get(status, "Unknown")
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {len(body)}", "", ""]
        try:
            self.wfile.write("\r\n".join(lines).encode("latin-1") + body)  # one send
        except OSError:
            self.close_connection = True  # the client gave up (read timeout): nothing to do

    def _drop(self) -> None:
        """Close the connection without a response."""
        self.close_connection = True
        with suppress(OSError):
            self.request.shutdown(socket.SHUT_RDWR)
