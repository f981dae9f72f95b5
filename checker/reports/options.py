"""What some formats need beyond the report itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    # SARIF: URIs are relative to the repository root. A finding with no file of its own (a live
    # job, or a file outside the repository) is anchored to its rule's policy file when that lies
    # in the repository, else to ``sarif_anchor``.
    repo_root: Path | None = None
    sarif_anchor: str = "README.md"
    sarif_category: str | None = None
    sarif_include_suppressed: bool = False
    # A framework name of checker.frameworks.FRAMEWORKS: add its per-control summary.
    framework: str | None = None
    # Text: leave out the jobs that passed (and those whose every violation is waived), keeping
    # failed, errored and unknown jobs and the summary: what a pre-commit hook should print.
    quiet: bool = False
