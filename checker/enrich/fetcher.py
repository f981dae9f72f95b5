"""The shared machinery of deep mode: clients, the once-per-run cache, and per-job reads.

Each distinct resource is fetched once per run, however many jobs share it: the first job that
needs it fetches it, the others wait for that answer. A read that fails raises ``Unreadable``
with the reason, which becomes an entry of ``resources.unknown``. boto3 is imported lazily.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from checker import normalize
from checker.aws.connection import Connection
from checker.aws.errors import error_code, error_text
from checker.aws.session import client_config, verify_option
from checker.model import Job

DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
Facts = tuple[dict[str, Any], dict[str, str]]  # (facts, {path inside the facts: why unknown})


class Unreadable(Exception):
    """A resource or fact that could not be read; ``reason`` completes "<path> ..."."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Fetcher:
    """Clients, the once-per-run resource cache and the API call counts of one deep run."""

    def __init__(self, connection: Connection, default_region: str | None) -> None:
        self.connection = connection
        self.default_region = default_region
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._clients: dict[tuple[int, str, str | None], Any] = {}
        self._cache: dict[tuple[Any, ...], Future[Any]] = {}

    def client(self, session: Any, service: str, region: str | None) -> Any:
        key = (id(session), service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = session.client(
                    service,
                    region_name=region,
                    # --endpoint-url is Bedrock's; the other services follow AWS_ENDPOINT_URL_*.
                    endpoint_url=self.connection.endpoint_url if service == "bedrock" else None,
                    verify=verify_option(self.connection),
                    config=client_config(self.connection, session, region),
                )
                client.meta.events.register("before-call", self._count)
                self._clients[key] = client
        return client

    def _count(self, model: Any, **_kwargs: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def call(
        self,
        session: Any,
        service: str,
        region: str | None,
        operation: str,
        *,
        absent: Sequence[str] = (),
        **params: Any,
    ) -> Any:
        """One API call; None when the error code says the thing is absent (``absent``)."""
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client(session, service, region)
        try:
            return getattr(client, xform_name(operation))(**params)
        except (ClientError, BotoCoreError) as exc:
            code = error_code(exc)
            if code in absent:
                return None
            hint = " (see docs/deep.md for the permissions needed)" if code in DENIED else ""
            raise Unreadable(
                f"could not be read: {service}:{operation}: {error_text(exc)}{hint}"
            ) from None

    def pages(
        self,
        session: Any,
        service: str,
        region: str | None,
        operation: str,
        key: str,
        **params: Any,
    ) -> list[Any]:
        """Every item of a paginated listing."""
        items: list[Any] = []
        while True:
            page = self.call(session, service, region, operation, **params)
            items.extend(page.get(key) or ())
            marker = page.get("Marker") if page.get("IsTruncated") else None
            if not marker:
                return items
            params["Marker"] = marker

    def once(self, key: tuple[Any, ...], fetch: Callable[[], Any]) -> Any:
        """``fetch()`` the first time ``key`` is asked for; the same answer (or error) after."""
        with self._lock:
            future = self._cache.get(key)
            owner = future is None
            if future is None:
                future = self._cache[key] = Future()
        if owner:
            try:
                future.set_result(fetch())
            except BaseException as exc:
                future.set_exception(exc)
        return future.result()


def policy_document(value: Any) -> Any:
    """An IAM policy document: botocore decodes most; a URL-encoded JSON string is decoded here."""
    if isinstance(value, str):
        try:
            return json.loads(urllib.parse.unquote(value))
        except ValueError:
            return json.loads(value)
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


class JobReader:
    """Fetches the resources of one job with one set of credentials, through the shared cache."""

    def __init__(self, fetcher: Fetcher, session: Any, job: Job) -> None:
        self.fetcher = fetcher
        self.session = session
        derived = job.document.get("derived") or {}
        self.derived = derived
        self.account: str | None = derived.get("account")
        self.region: str | None = derived.get("region") or fetcher.default_region
        self.opaque = normalize.opaque_paths(job.document)

    def call(self, service: str, region: str | None, operation: str, **params: Any) -> Any:
        return self.fetcher.call(self.session, service, region, operation, **params)

    def pages(
        self, service: str, region: str | None, operation: str, key: str, **params: Any
    ) -> list[Any]:
        return self.fetcher.pages(self.session, service, region, operation, key, **params)

    def once(self, *key: Any, fetch: Callable[[], Any]) -> Any:
        return self.fetcher.once((id(self.session), *key), fetch)

    def need_region(self, what: str) -> str:
        if not self.region:
            raise Unreadable(
                f"could not be read: the region of {what} is not known (the job has no ARN "
                "naming its region): pass --region"
            )
        return self.region
