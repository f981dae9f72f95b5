"""AWS responses as JSON-like data, as the job documents and reports hold them."""

from __future__ import annotations

import datetime
from typing import Any


def plain(value: Any) -> Any:
    """The response as JSON-like data: timestamps become ISO 8601 strings."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value
