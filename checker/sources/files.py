"""Jobs from files: API documents (JSON, YAML, JSON Lines, arrays) and Terraform.

Documents are recognised by their content. In a directory walk, files that are not job
documents are passed over and counted; a file named explicitly that is not one is an error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from checker import normalize, parsing
from checker.errors import InputError
from checker.model import Job, LoadError, Origin
from checker.sources import terraform

MAX_FILE_BYTES = 64 * 1024 * 1024
WALK_SUFFIXES = (".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".tf", ".tfstate")
SKIPPED_DIRS = {".git", ".terraform", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
# A file that contains none of these cannot be a job document: a directory walk skips it
# without parsing (fast, and tolerant of templated YAML that is not valid YAML).
_MARKERS = (
    b"jobName",
    b"job_name",
    b"customModelName",
    b"baseModelIdentifier",
    b"baseModelArn",
    b"aws_bedrock_custom_model",
)

Item = Job | LoadError


@dataclass
class FileScan:
    """What reading the given paths produced: jobs, error results, and files passed over."""

    items: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def display_path(path: Path) -> str:
    """The path as reports show it: relative to the working directory when below it."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(absolute, cwd)).as_posix()
    return path.as_posix()


def read_paths(
    paths: Iterable[str], stdin: BinaryIO | None = None, *, named_must_be_jobs: bool = True
) -> FileScan:
    """Jobs from files and directories; ``named_must_be_jobs=False`` treats a named file that
    is not a job document like one met in a directory walk: passed over, not an error."""
    scan = FileScan()
    for given in paths:
        if given == "-":
            source = stdin if stdin is not None else sys.stdin.buffer
            scan.items.extend(read_bytes(source.read(), "<stdin>", explicit=True) or [])
            continue
        path = Path(given)
        if path.is_dir():
            before = len(scan.items)
            skipped_before = len(scan.skipped)
            for file in _walk(path):
                found = read_file(file, explicit=False)
                if found is None:
                    scan.skipped.append(display_path(file))
                else:
                    scan.items.extend(found)
            if len(scan.items) == before:
                passed = len(scan.skipped) - skipped_before
                scan.items.append(
                    LoadError(
                        Origin(path=display_path(path)),
                        f"no job documents found in this directory ({passed} files passed over)",
                    )
                )
        elif path.exists():
            found = read_file(path, explicit=named_must_be_jobs)
            if found is None:
                scan.skipped.append(display_path(path))
            else:
                scan.items.extend(found)
        else:
            scan.items.append(LoadError(Origin(path=given), "no such file or directory"))
    return scan


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(WALK_SUFFIXES):
                yield Path(directory, name)


def read_file(path: Path, *, explicit: bool) -> list[Item] | None:
    """Jobs and errors from one file; None when a walked file is not a job document."""
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        raw = path.read_bytes()
    except InputError as exc:
        return [LoadError(Origin(path=shown), exc.message)]
    except OSError as exc:
        return [LoadError(Origin(path=shown), f"cannot read: {exc.strerror or exc}")]
    return read_bytes(raw, shown, explicit=explicit, suffix=path.suffix)


def read_bytes(raw: bytes, shown: str, *, explicit: bool, suffix: str = "") -> list[Item] | None:
    if not explicit and not any(marker in raw for marker in _MARKERS):
        return None
    try:
        if not raw.strip():
            raise InputError("empty file")
        text = parsing.decode(raw)
        items = list(_jobs_in_text(text, shown, suffix))
    except InputError as exc:
        return [LoadError(Origin(path=shown, line=exc.line or 1), exc.message)]
    if not items:
        if not explicit:
            return None
        return [
            LoadError(
                Origin(path=shown),
                "not a Bedrock model customization job document "
                "(expected a get-model-customization-job response, a create request, "
                "or Terraform aws_bedrock_custom_model)",
            )
        ]
    return items


def _jobs_in_text(text: str, shown: str, suffix: str) -> Iterator[Item]:
    if suffix == ".tf":
        for name, attributes, tf_lines, start in terraform.hcl_resources(text):
            origin = Origin(path=shown, line=start)
            address = f"{terraform.RESOURCE_TYPE}.{name}"
            yield _terraform_job(attributes, set(), tf_lines, origin, address, normalize.TERRAFORM)
        return
    stripped = text.lstrip()
    parsed: list[parsing.ParsedDocument | InputError]
    if stripped[:1] in ("{", "["):
        try:
            parsed = [parsing.parse_json(text)]
        except InputError:
            if not parsing.looks_like_json_lines(text):
                raise
            parsed = list(parsing.parse_json_lines(text))
    else:
        parsed = list(parsing.parse_yaml(text))
    for index, document in enumerate(parsed):
        position = index if len(parsed) > 1 else None
        if isinstance(document, InputError):
            yield LoadError(Origin(shown, document.line or 1, position), document.message)
        else:
            yield from _jobs_in_document(document, shown, position)


def _jobs_in_document(
    parsed: parsing.ParsedDocument, shown: str, doc_index: int | None
) -> Iterator[Item]:
    data = parsed.data
    if terraform.is_plan_or_state(data):
        for address, values, unknown, json_path in terraform.plan_resources(data):
            prefix = json_path + "."
            own = {p[len(prefix) :]: n for p, n in parsed.lines.items() if p.startswith(prefix)}
            origin = Origin(path=shown, line=parsed.lines.get(json_path, parsed.line))
            yield _terraform_job(values, unknown, own, origin, address, normalize.TERRAFORM_PLAN)
        return
    if terraform.is_tf_json_config(data):
        for name, attributes, json_path in terraform.json_config_resources(data):
            prefix = json_path + "."
            own = {p[len(prefix) :]: n for p, n in parsed.lines.items() if p.startswith(prefix)}
            origin = Origin(path=shown, line=parsed.lines.get(json_path, parsed.line))
            address = f"{terraform.RESOURCE_TYPE}.{name}"
            yield _terraform_job(attributes, set(), own, origin, address, normalize.TERRAFORM)
        return
    if isinstance(data, list):
        groups = parsing.group_lines(parsed.lines)
        for index, element in enumerate(data):
            line = parsed.lines.get(str(index), parsed.line)
            yield from _api_job(element, groups.get(str(index), {}), Origin(shown, line, index))
        return
    yield from _api_job(data, parsed.lines, Origin(shown, parsed.line, doc_index))


def _api_job(data: Any, lines: dict[str, int], origin: Origin) -> Iterator[Item]:
    kind = normalize.classify(data)
    if kind is None:
        if origin.index is not None and isinstance(data, dict):
            yield LoadError(origin, f"item {origin.index} is not a customization job")
        return
    document, canonical_lines = normalize.from_api(data, kind, lines)
    document, canonical_lines = normalize.finish(document, canonical_lines, kind, set())
    yield Job(document, origin, kind, canonical_lines)


def _terraform_job(
    attributes: dict[str, Any],
    unknown: set[str],
    tf_lines: dict[str, int],
    origin: Origin,
    address: str,
    kind: str,
) -> Job:
    document, lines, canonical_unknown = normalize.from_terraform(attributes, unknown, tf_lines)
    document, lines = normalize.finish(document, lines, kind, canonical_unknown)
    return Job(document, origin, kind, lines, resource=address)
