"""Long-lived boto3 clients: one session, one client per service and region.

For a caller that handles many small requests in one process, such as guard's Lambda
function, which keeps its clients while it stays warm instead of creating them per event.
"""

from __future__ import annotations

import threading
from typing import Any

from checker.aws.connection import Connection
from checker.aws.session import client_config, make_session


class Clients:
    """One boto3 session (created on first use), and a client per service and region."""

    def __init__(self, session: Any = None, connection: Connection | None = None) -> None:
        self._session = session
        self._connection = connection or Connection()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @property
    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = make_session(self._connection.profile)
            return self._session

    def client(self, service: str, region: str) -> Any:
        session = self.session
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                config = client_config(self._connection, session, region)
                found = session.client(service, region_name=region, config=config)
                self._clients[(service, region)] = found
            return found
