"""Jobs from files: API documents (JSON, YAML, JSON Lines, arrays) and Terraform.

Documents are recognised by their content. In a directory walk, files that are not job
documents are passed over and counted; a file named explicitly that is not one is an error.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

from checker import normalize, parsing
from checker.errors import InputError
from checker.model import Job, LoadError, Origin
from checker.sources import cloudformation, recognition, terraform
from checker.wording import counted

MAX_FILE_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
WALK_SUFFIXES = (".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".tf", ".tfstate")
YAML_SUFFIXES = (".yaml", ".yml")
SKIPPED_DIRS = {".git", ".terraform", "node_modules", "__pycache__", ".venv", "venv", ".tox"}

Item = Job | LoadError
T = TypeVar("T")
# What a named file must be, for the message about a file of another kind.
_KINDS = (
    "job documents are JSON or YAML (.json, .yaml, .yml), JSON Lines (.jsonl, .ndjson), "
    "Terraform (.tf, .tf.json) or Terraform plan and state JSON (.json, .tfstate)"
)


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
    scan.items.extend(
        iter_paths(paths, stdin, named_must_be_jobs=named_must_be_jobs, skipped=scan.skipped)
    )
    return scan


def iter_paths(
    paths: Iterable[str],
    stdin: BinaryIO | None = None,
    *,
    named_must_be_jobs: bool = True,
    skipped: list[str],
) -> FileJobs:
    """read_paths one file at a time: the jobs and errors as each file is read (so that a run
    need not hold every document at once), and the files passed over appended to ``skipped``
    as they are met."""
    return FileJobs(tuple(paths), stdin, named_must_be_jobs, skipped)


@dataclass(frozen=True)
class FileToRead:
    """A file to read: named (``explicit``) or met in a directory walk; standard input is one
    whose bytes were read already (``raw``)."""

    path: Path
    explicit: bool
    raw: bytes | None = None


@dataclass(frozen=True)
class _Directory:
    """The start or the end of a directory's walk: "no job documents found" is decided at
    its end."""

    path: Path
    end: bool


_Entry = FileToRead | LoadError | _Directory


class FileJobs:
    """The jobs of the given paths, read lazily: iterating reads one file at a time.

    The paths are walked first (the list of files is small beside their contents); ``each``
    then reads the files through any function that gives each file's items in order, which is
    how a run shares the reading and evaluating out among processes (checker/parallel.py)."""

    def __init__(
        self,
        paths: tuple[str, ...],
        stdin: BinaryIO | None,
        named_must_be_jobs: bool,
        skipped: list[str],
    ) -> None:
        self._paths = paths
        self._stdin = stdin
        self._named_must_be_jobs = named_must_be_jobs
        self.skipped = skipped
        self._entries: list[_Entry] | None = None
        self._files: list[FileToRead] | None = None

    def files(self) -> list[FileToRead]:
        """The files to read, in the order their items come."""
        if self._files is None:
            self._files = [entry for entry in self._walked() if isinstance(entry, FileToRead)]
        return self._files

    def __iter__(self) -> Iterator[Item]:
        return self.each(lambda files: map(read_one, files), lambda error: error)

    def each(
        self,
        read: Callable[[list[FileToRead]], Iterator[list[T] | None]],
        wrap: Callable[[LoadError], T],
    ) -> Iterator[T]:
        """What ``read`` gives for each file (None: not a job document, passed over), and
        ``wrap`` of every other error (a missing path, an unreadable folder, a folder with no
        job document)."""
        entries = self._walked()
        found = read(self.files())
        found_any = False
        skipped_before = 0
        for entry in entries:
            if isinstance(entry, FileToRead):
                items = next(found)
                if items is None:
                    self.skipped.append(display_path(entry.path))
                elif items:
                    found_any = True
                    yield from items
            elif isinstance(entry, LoadError):
                found_any = True
                yield wrap(entry)
            elif not entry.end:
                found_any, skipped_before = False, len(self.skipped)
            elif not found_any:
                passed = counted(len(self.skipped) - skipped_before, "file")
                yield wrap(
                    LoadError(
                        Origin(path=display_path(entry.path)),
                        f"no job documents found in this directory ({passed} passed over)",
                    )
                )

    def _walked(self) -> list[_Entry]:
        if self._entries is None:
            self._entries = list(self._walk_paths())
        return self._entries

    def _walk_paths(self) -> Iterator[_Entry]:
        for given in self._paths:
            if given == "-":
                source = self._stdin if self._stdin is not None else sys.stdin.buffer
                try:
                    yield FileToRead(Path("<stdin>"), True, read_capped(source))
                except InputError as exc:
                    yield LoadError(Origin(path="<stdin>"), exc.message)
                continue
            path = Path(given)
            if path.is_dir():
                yield _Directory(path, end=False)
                yield from _walk(path)
                yield _Directory(path, end=True)
            elif path.exists():
                yield FileToRead(path, self._named_must_be_jobs)
            else:
                yield LoadError(Origin(path=given), "no such file or directory")


def read_one(file: FileToRead) -> list[Item] | None:
    """The jobs and errors of one file (read_file), or of standard input's bytes."""
    if file.raw is not None:
        return read_bytes(file.raw, "<stdin>", explicit=True) or []
    return read_file(file.path, explicit=file.explicit)


def _walk(root: Path) -> Iterator[FileToRead | LoadError]:
    """The files to read below ``root``, and an error for each folder that cannot be listed
    (a job in it would otherwise vanish from the report)."""
    unreadable: list[OSError] = []
    for directory, subdirs, files in os.walk(root, onerror=unreadable.append):
        while unreadable:
            yield _unreadable_directory(unreadable.pop(0), root)
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(WALK_SUFFIXES):
                yield FileToRead(Path(directory, name), False)
    for error in unreadable:
        yield _unreadable_directory(error, root)


def _unreadable_directory(error: OSError, root: Path) -> LoadError:
    where = Path(error.filename) if error.filename else root
    return LoadError(
        Origin(path=display_path(where)), f"cannot read directory: {error.strerror or error}"
    )


def read_capped(source: BinaryIO) -> bytes:
    """At most MAX_FILE_BYTES from a stream, whatever it claims its size is (``/dev/zero``,
    a pipe, standard input); stops at the first chunk if that is binary."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = source.read(min(_CHUNK, MAX_FILE_BYTES + 1 - total))
        if not chunk:
            return b"".join(chunks)
        if not chunks and b"\x00" in chunk[:8192]:
            raise InputError("binary file, not a text document")
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_FILE_BYTES:
            raise InputError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")


def _open(path: Path, *, explicit: bool) -> BinaryIO | None:
    """The file opened for reading, or None for a walked file that is not a regular file.

    Opening never blocks: O_NONBLOCK keeps a FIFO without a writer from waiting for one. A
    named FIFO or device is then read as a stream (a FIFO that no one writes to is empty).
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            if not explicit:
                os.close(descriptor)
                return None
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(21, "Is a directory")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_file(path: Path, *, explicit: bool) -> list[Item] | None:
    """Jobs and errors from one file; None when a walked file is not a job document (or not a
    regular file: a FIFO, a device or a socket, even behind a symbolic link)."""
    shown = display_path(path)
    try:
        source = _open(path, explicit=explicit)
        if source is None:
            return None
        with source:
            raw = read_capped(source)
    except InputError as exc:
        return [LoadError(Origin(path=shown), exc.message)]
    except OSError as exc:
        return [LoadError(Origin(path=shown), f"cannot read: {exc.strerror or exc}")]
    return read_bytes(raw, shown, explicit=explicit, suffix=path.suffix)


def read_bytes(raw: bytes, shown: str, *, explicit: bool, suffix: str = "") -> list[Item] | None:
    # A walked file that no recogniser could accept is passed over unparsed: fast, and quiet
    # about files that are not even valid JSON or YAML (templates).
    if not explicit and not recognition.may_hold_job_bytes(raw):
        return None
    try:
        if not raw.strip():
            raise InputError("empty file")
        text = parsing.decode(raw)
        items = list(_jobs_in_text(text, shown, suffix))
    except InputError as exc:
        # A text file of another kind (pyproject.toml) is not "invalid JSON": say what is read.
        binary = exc.message.startswith("binary file")
        if explicit and suffix and suffix.lower() not in WALK_SUFFIXES and not binary:
            return [LoadError(Origin(path=shown), f"{suffix} files are not supported: {_KINDS}")]
        return [LoadError(Origin(path=shown, line=exc.line or 1), exc.message)]
    if not items:
        if not explicit:
            return None
        hint = _other_kind(text)
        return [
            LoadError(
                Origin(path=shown),
                hint
                or "not a Bedrock model customization job document "
                "(expected a get-model-customization-job response, a create request, "
                "Terraform aws_bedrock_custom_model, or a state machine that creates a job)",
            )
        ]
    return items


def _other_kind(text: str) -> str | None:
    """ "this is a policy file: pass it with --policy" for a named file of another kind."""
    from checker.file_kinds import wrong_kind

    try:
        [document] = list(parsing.parse_yaml(text, strict_tags=True))
    except (InputError, ValueError):
        return None
    return wrong_kind(document.data, "job")


def _jobs_in_text(text: str, shown: str, suffix: str) -> Iterator[Item]:
    if suffix == ".tf":
        for name, attributes, tf_lines, start in terraform.hcl_resources(text):
            origin = Origin(path=shown, line=start)
            address = f"{terraform.RESOURCE_TYPE}.{name}"
            yield terraform.terraform_job(
                attributes, set(), tf_lines, origin, address, normalize.TERRAFORM
            )
        yield from terraform.state_machine_jobs(text, shown)
        return
    stripped = text.lstrip()
    parsed: list[parsing.ParsedDocument | InputError]
    if stripped[:1] in ("{", "["):
        try:
            parsed = [parsing.parse_json(text)]
        except InputError:
            if suffix in YAML_SUFFIXES:  # a flow-style YAML document: {jobName: x, ...}
                parsed = list(parsing.parse_yaml(text))
            elif parsing.looks_like_json_lines(text):
                parsed = list(parsing.parse_json_lines(text))
            else:
                raise
    elif cloudformation.is_template_text(text):  # keeps !Ref, !Sub... as the functions
        parsed = list(cloudformation.parse_yaml(text))
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
) -> list[Item]:
    return recognition.read_document(
        parsed.data, parsed.lines, Origin(shown, parsed.line, doc_index)
    )
