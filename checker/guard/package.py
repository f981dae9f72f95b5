"""Build guard's Lambda deployment zip from the installed package.

The zip holds what the handler imports: the ``checker`` package (without the command line,
which needs click), the built-in policy packs, and the installed PyYAML and Cerberus, pinned to
the versions found here and listed in ``guard-requirements.txt``. boto3 and botocore come from
the Lambda Python runtime. Compiled extension modules are left out (PyYAML then uses its pure
Python loader), so the zip is the same for x86_64 and arm64 functions. Policy and waiver files
given to the builder go under ``config/``, where POLICIES and WAIVERS name them. The archive is
reproducible: sorted entries, fixed timestamps and permissions.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from checker import packs
from checker.errors import CheckerError

# The distributions the handler imports besides checker and boto3.
BUNDLED = ("PyYAML", "Cerberus")
REQUIREMENTS = "guard-requirements.txt"
CONFIG_DIR = "config"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16
# Left out of the zip: the command line (click is not bundled), caches, compiled extensions,
# and the installer's own bookkeeping.
_SKIPPED_MODULES = (
    "checker/cli.py",
    "checker/cli/",
    "checker/__main__.py",
    "checker/startup.py",  # the command's, not the handler's
)
_SKIPPED_SUFFIXES = (".pyc", ".so", ".pyd", ".dylib")
_SKIPPED_NAMES = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")


@dataclass(frozen=True)
class PackageManifest:
    """What was built: the zip, its entries, its size and digest, and the pinned dependencies."""

    path: Path
    entries: tuple[str, ...]
    size: int
    sha256: str
    pins: tuple[str, ...]


def _checker_files() -> Iterator[tuple[str, Path]]:
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        name = PurePosixPath("checker", *path.relative_to(package).parts).as_posix()
        if path.is_file() and _wanted(name) and name.endswith((".py", "py.typed")):
            yield name, path
    # Installed, the packs are checker/policies; in a source checkout, the repository's policies/.
    policies = packs.builtin_dir()
    for path in sorted(policies.rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            parts = path.relative_to(policies).parts
            yield PurePosixPath("checker/policies", *parts).as_posix(), path


def _wanted(name: str) -> bool:
    if "__pycache__" in name or name.endswith(_SKIPPED_SUFFIXES):
        return False
    if any(name == s or name.startswith(s) for s in _SKIPPED_MODULES if s.endswith("/")):
        return False
    return name not in _SKIPPED_MODULES and PurePosixPath(name).name not in _SKIPPED_NAMES


def _distribution_files(name: str) -> tuple[str, Iterator[tuple[str, Path]]]:
    try:
        distribution = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError as exc:
        raise CheckerError(f"guard package: {name} is not installed here") from exc
    pin = f"{distribution.metadata['Name']}=={distribution.version}"

    def files() -> Iterator[tuple[str, Path]]:
        for file in distribution.files or ():
            entry = PurePosixPath(file).as_posix()
            if entry.startswith("..") or not _wanted(entry):
                continue  # console scripts live outside site-packages
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                yield entry, path

    return pin, files()


def _config_files(files: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    seen: dict[str, Path] = {}
    for file in files:
        if not file.is_file():
            raise CheckerError(f"{file}: no such file to bundle")
        entry = f"{CONFIG_DIR}/{file.name}"
        if entry in seen:
            raise CheckerError(f"{file}: same file name as {seen[entry]} (both would be {entry})")
        seen[entry] = file
        yield entry, file


def build_package(output: Path, config_files: Sequence[Path] = ()) -> PackageManifest:
    """Write the deployment zip to ``output`` (atomically) and say what it holds."""
    entries: dict[str, Path] = {}
    pins: list[str] = []
    for name in BUNDLED:
        pin, files = _distribution_files(name)
        pins.append(pin)
        entries.update(files)
    entries.update(_checker_files())
    entries.update(_config_files(config_files))
    requirements = (
        "# Pinned from the environment that built this zip; boto3 and botocore come from the\n"
        "# AWS Lambda Python runtime.\n" + "".join(f"{pin}\n" for pin in pins)
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for entry in sorted([*entries, REQUIREMENTS]):
                info = zipfile.ZipInfo(entry, date_time=_ZIP_TIME)
                info.external_attr = _FILE_MODE
                info.compress_type = zipfile.ZIP_DEFLATED
                data = (
                    requirements.encode("utf-8")
                    if entry == REQUIREMENTS
                    else entries[entry].read_bytes()
                )
                archive.writestr(info, data)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    content = output.read_bytes()
    return PackageManifest(
        output,
        tuple(sorted([*entries, REQUIREMENTS])),
        len(content),
        hashlib.sha256(content).hexdigest(),
        tuple(pins),
    )
