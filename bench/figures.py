"""What every benchmark prints: progress lines on standard error, and the table of figures."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def print_table(rows: Sequence[tuple[str, str, str]], heading: str) -> None:
    """``figure  measured  heading`` rows: labels left, values right-aligned."""
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"{'figure':<{width}}  {'measured':>{value_width}}  {heading}")
    print(f"{'-' * width}  {'-' * value_width}  {'-' * 24}")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>{value_width}}  {note}".rstrip())
