"""The API's own shapes: a GetModelCustomizationJob response or a CreateModelCustomizationJob
request, alone or in a JSON array (bulk exports)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checker import normalize, parsing
from checker.model import Job, LoadError, Origin

# normalize.classify accepts only a mapping with this key.
MARKERS = ("jobName",)


def read_document(
    data: Any, lines: Mapping[str, int], origin: Origin
) -> Iterator[Job | LoadError] | None:
    if isinstance(data, list):
        return _array_jobs(data, lines, origin)
    if normalize.classify(data) is None:
        return None
    return _api_job(data, dict(lines), origin)


def _array_jobs(
    data: list[Any], lines: Mapping[str, int], origin: Origin
) -> Iterator[Job | LoadError]:
    groups = parsing.group_lines(dict(lines))
    for index, element in enumerate(data):
        line = lines.get(str(index), origin.line)
        yield from _api_job(element, groups.get(str(index), {}), Origin(origin.path, line, index))


def _api_job(data: Any, lines: dict[str, int], origin: Origin) -> Iterator[Job | LoadError]:
    kind = normalize.classify(data)
    if kind is None:
        if origin.index is not None and isinstance(data, dict):
            yield LoadError(origin, f"item {origin.index} is not a customization job")
        return
    document, canonical_lines = normalize.from_api(data, kind, lines)
    document, canonical_lines = normalize.finish(document, canonical_lines, kind, set())
    yield Job(document, origin, kind, canonical_lines)
