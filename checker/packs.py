"""Where the built-in policy packs and their data live, installed or in a source checkout."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from checker.errors import CheckerError

# Where the project's documentation is published; rule pages are docs/rules/<ID>.md.
DOCS_URL = "https://github.com/bedrock-checker/bedrock-checker/blob/main/docs/"


# The JSON Schemas of policy, waivers and policy test files, for editors (docs/schemas/), as a
# raw file: `policy init` names them in its `# yaml-language-server: $schema=` comments.
SCHEMAS_URL = "https://raw.githubusercontent.com/bedrock-checker/bedrock-checker/main/docs/schemas/"


def rule_doc_url(rule_id: str) -> str:
    return f"{DOCS_URL}rules/{rule_id}.md"


@functools.cache
def builtin_dir() -> Path:
    """``checker/policies`` inside a wheel; the repository's ``policies/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "policies", here.parent / "policies"):
        if (candidate / "baseline.yaml").is_file():
            return candidate
    raise CheckerError(f"built-in policies not found next to {here}; the installation is broken")


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def builtin_path(name: str) -> Path:
    """The file of a listed pack; any other name (a path, ``..``) is refused, never opened."""
    if name not in builtin_names():
        known = ", ".join(f"builtin:{n}" for n in builtin_names())
        raise CheckerError(f"builtin:{name}: no such built-in policy pack (known: {known})")
    return builtin_dir() / f"{name}.yaml"


def template_text(name: str) -> str:
    return (builtin_dir() / "templates" / f"{name}.yaml").read_text(encoding="utf-8")


@functools.cache
def hyperparameter_families() -> dict[str, Any]:
    """The documented hyperparameter table (policies/data/hyperparameters.yaml), loaded once."""
    path = builtin_dir() / "data" / "hyperparameters.yaml"
    raw = path.read_bytes()
    ready = parsed(path, raw)
    table = ready[0] if ready else _parse_table(raw)
    families: dict[str, Any] = table["families"]
    return families


def _parse_table(raw: bytes) -> Any:
    import yaml  # only when a rule needs the table: --help and --version do without YAML

    return yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# The built-in YAML files, parsed ahead of time into policies/parsed/NAME.json by
# `python -m checker.packs`: reading that JSON takes a tenth of the time of parsing the YAML with
# its key lines, which every run would otherwise do at start-up. Each JSON file names the size
# and CRC-32 of the YAML it was made from, and is used only while they still match, so an edited
# pack is read from its YAML until the JSON is made again (a test says when that is due).


def parsed_path(path: Path) -> Path:
    return builtin_dir() / "parsed" / f"{path.stem}.json"


def parsed(path: Path, raw: bytes) -> tuple[Any, dict[str, int]] | None:
    """The document and key lines of the built-in YAML file ``path`` whose bytes are ``raw``,
    from its parsed JSON; None when there is none or it was made from other bytes."""
    import json

    try:
        ready = json.loads(parsed_path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if ready.get("source") != _source_of(raw):
        return None
    return ready["data"], ready["lines"]


def _source_of(raw: bytes) -> dict[str, int]:
    import zlib

    return {"bytes": len(raw), "crc32": zlib.crc32(raw)}


def builtin_yaml_files() -> list[Path]:
    """Every built-in YAML file read at run time: the packs and the data they use."""
    return [*(builtin_dir() / f"{name}.yaml" for name in builtin_names()), *_data_files()]


def _data_files() -> list[Path]:
    return sorted((builtin_dir() / "data").glob("*.yaml"))


def parse_builtin(path: Path) -> tuple[Any, dict[str, int]]:
    """Parse a built-in YAML file as a run does when its parsed JSON is missing or stale."""
    raw = path.read_bytes()
    if path in _data_files():
        return _parse_table(raw), {}
    from checker.policy import read_checked_yaml

    return read_checked_yaml(path, path.name, "policy", None)


def parsed_text(path: Path) -> str:
    """The parsed JSON ``python -m checker.packs`` writes for the built-in YAML file ``path``."""
    import json

    data, lines = parse_builtin(path)
    ready = {"source": _source_of(path.read_bytes()), "data": data, "lines": lines}
    return json.dumps(ready, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def write_parsed() -> list[Path]:
    """Write the parsed JSON of every built-in YAML file; the files written."""
    written = []
    for path in builtin_yaml_files():
        target = parsed_path(path)
        target.parent.mkdir(exist_ok=True)
        target.write_text(parsed_text(path), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for written_path in write_parsed():
        print(written_path)
