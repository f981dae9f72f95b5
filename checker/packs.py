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
    import yaml  # only when a rule needs the table: --help and --version do without YAML

    path = builtin_dir() / "data" / "hyperparameters.yaml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    families: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)[
        "families"
    ]
    return families
