"""Which parsed documents hold jobs: one recogniser per kind of document, tried in order.

A new kind of document is one module (its markers and its reader) plus one line in
``RECOGNISERS``. The markers are strings that every document the reader accepts holds, once its
escapes are decoded; a directory walk uses them to pass over other files without parsing them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.model import Job, LoadError, Origin
from checker.sources import api_documents, cloudformation, stepfunctions, terraform

Item = Job | LoadError
# (document, its line map, where it starts) -> its jobs and errors, or None: not this kind.
Reader = Callable[[Any, Mapping[str, int], Origin], Iterable[Item] | None]


@dataclass(frozen=True)
class Recogniser:
    name: str
    markers: tuple[str, ...]
    read: Reader


# One line per kind of document, most specific first: the API shapes accept any mapping (or
# list of them) with a jobName, so they come last.
RECOGNISERS: tuple[Recogniser, ...] = (
    Recogniser("Terraform plan or state", terraform.MARKERS, terraform.read_plan_document),
    Recogniser("Terraform JSON configuration", terraform.MARKERS, terraform.read_json_config),
    Recogniser("CloudFormation template", stepfunctions.MARKERS, cloudformation.read_document),
    Recogniser("Step Functions state machine", stepfunctions.MARKERS, stepfunctions.read_document),
    Recogniser("API request or response", api_documents.MARKERS, api_documents.read_document),
)


def read_document(data: Any, lines: Mapping[str, int], origin: Origin) -> list[Item]:
    """The jobs and errors of one parsed document: those of the first recogniser that
    accepts it, or none."""
    for recogniser in RECOGNISERS:
        found = recogniser.read(data, lines, origin)
        if found is not None:
            return list(found)
    if origin.index is not None and isinstance(data, Mapping):
        # One document of several in a file that holds jobs: never dropped without a word.
        return [LoadError(origin, f"item {origin.index} is not a customization job")]
    return []


@functools.cache
def markers() -> frozenset[str]:
    return frozenset(m for recogniser in RECOGNISERS for m in recogniser.markers)


# The escapes of JSON, YAML double-quoted scalars and HCL strings that can spell a marker's
# characters, YAML's escaped line break (which joins two lines), and any other escaped character.
_ESCAPE = re.compile(
    r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})"
    r"|(?:\r\n|[\r\n\x85\u2028\u2029])[ \t]*|(.))",
    re.S,
)


def _unescaped(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2) or match.group(3)
    if code is not None:
        value = int(code, 16)
        return chr(value) if value <= 0x10FFFF else ""
    return match.group(4) or ""


def may_hold_job(text: str) -> bool:
    """False only for text that no recogniser could accept once parsed: it holds no marker,
    whether read as written or with every escape decoded."""
    wanted = markers()
    if any(marker in text for marker in wanted):
        return True
    if "\\" not in text:
        return False
    decoded = _ESCAPE.sub(_unescaped, text)
    return any(marker in decoded for marker in wanted)


def may_hold_job_bytes(raw: bytes) -> bool:
    """``may_hold_job`` for file contents; bytes that are not UTF-8 text cannot be parsed, and
    count as a job document (an error to report) only when they hold a marker as written."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return any(marker.encode() in raw for marker in markers())
    return may_hold_job(text)
