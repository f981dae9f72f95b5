"""Which repository file SARIF results without a file of their own point at.

GitHub rejects a SARIF upload whose locations name files that are not in the repository, so an
anchor that does not exist (README.md in a repository without one) is replaced by one that does,
and the caller warns once with what was chosen and how to choose another.
"""

from __future__ import annotations

from checker.model import Report
from checker.reports.options import RenderOptions
from checker.reports.sarif import _Locator

# Tried in this order when the anchor asked for is missing; then any file at the root.
_FALLBACKS = ("README.md", "README.rst", "README.txt", "README", ".pre-commit-config.yaml")


def uses_anchor(report: Report, options: RenderOptions) -> bool:
    """True when some finding has no repository file: neither its job's nor its rule's."""
    locator = _Locator(options)
    for result, finding in report.findings():
        if finding.suppression is not None and not options.sarif_include_suppressed:
            continue
        if locator.relative(result.origin.path) is None and (
            locator.relative(finding.rule.origin.path) is None
        ):
            return True
    return False


def choose_anchor(report: Report, options: RenderOptions) -> tuple[str, str | None]:
    """(anchor to use, warning or None): the anchor asked for when it exists or is not needed,
    else an existing file of the repository root, named in the warning."""
    root = _Locator(options).root
    asked = options.sarif_anchor
    # Outside a git work tree there is no repository to upload to: nothing to fall back for.
    in_repository = (root / ".git").exists()
    if not in_repository or (root / asked).is_file() or not uses_anchor(report, options):
        return asked, None
    candidates = [name for name in _FALLBACKS if (root / name).is_file()]
    if not candidates:
        candidates = sorted(
            path.name for path in root.iterdir() if path.is_file() and not path.is_symlink()
        )
    how = "choose one with --sarif-anchor FILE"
    if not candidates:
        return asked, (
            f"--sarif-anchor {asked}: no such file in {root}, and no other file there to point "
            f"SARIF results without a file of their own at; GitHub would reject the upload: {how}"
        )
    chosen = candidates[0]
    return chosen, (
        f"--sarif-anchor {asked}: no such file in {root}; SARIF results without a file of "
        f"their own point at {chosen} instead ({how})"
    )
