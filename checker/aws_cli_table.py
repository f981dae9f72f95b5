"""The AWS CLI's ``--output table``: boxes of +, - and | with a title, nested values in boxes
inside their parent's, a mapping's scalars as key/value rows, a list of mappings as columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Box:
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    children: list[_Box] = field(default_factory=list)

    def columns(self) -> list[int]:
        cells = [self.headers, *self.rows] if self.headers else self.rows
        count = max((len(row) for row in cells), default=0)
        return [max(len(row[i]) for row in cells if i < len(row)) for i in range(count)]

    def least_width(self) -> int:
        columns = self.columns()
        own = sum(w + 2 for w in columns) + len(columns) + 1 if columns else 0
        nested = max((child.least_width() + 2 for child in self.children), default=0)
        return max(len(self.title) + 4, own, nested)

    def lines(self, width: int, top: bool) -> list[str]:
        out = ["-" * width] if top else []
        if self.title:
            out.append("|" + self.title.center(width - 2) + "|")
        columns = self.columns()
        if columns:
            spare = width - (sum(w + 2 for w in columns) + len(columns) + 1)
            columns[-1] += spare
            rule = "+" + "+".join("-" * (w + 2) for w in columns) + "+"
            out.append(rule)
            if self.headers:
                out.append(_row(self.headers, columns, center=True))
                out.append(rule)
            out.extend(_row(row, columns) for row in self.rows)
            out.append(rule)
        for child in self.children:
            inner = child.lines(width - 2, top=False)
            out.extend("|" + line + "|" for line in inner)
            if inner and not inner[-1].startswith("+"):
                out.append("|" + "+" + "-" * (width - 4) + "+" + "|")
        return out


def _row(cells: list[str], columns: list[int], center: bool = False) -> str:
    padded = [*cells, *[""] * (len(columns) - len(cells))]
    if center:
        return (
            "|" + "|".join(f" {c.center(w)} " for c, w in zip(padded, columns, strict=True)) + "|"
        )
    return "|" + "|".join(f" {c:<{w}} " for c, w in zip(padded, columns, strict=True)) + "|"


def _cell(value: Any) -> str:
    text = "None" if value is None else str(value)
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _box(title: str, value: Any) -> _Box:
    box = _Box(title)
    if isinstance(value, dict):
        box.rows = [[_cell(k), _cell(v)] for k, v in value.items() if _scalar(v)]
        box.children = [_box(k, v) for k, v in value.items() if not _scalar(v)]
    elif isinstance(value, list):
        mappings = [item for item in value if isinstance(item, dict)]
        if mappings:
            keys = list(dict.fromkeys(k for m in mappings for k, v in m.items() if _scalar(v)))
            box.headers = keys
            # A mapping without one of the keys leaves its cell empty.
            box.rows = [[_cell(m[k]) if k in m else "" for k in keys] for m in mappings]
            box.children = [_box(k, v) for m in mappings for k, v in m.items() if not _scalar(v)]
        box.rows += [[_cell(item)] for item in value if _scalar(item)]
        box.children += [_box(title, item) for item in value if isinstance(item, list)]
    else:
        box.rows = [[_cell(value)]]
    return box


def table(value: Any, title: str = "") -> str:
    """``value`` as the AWS CLI's table output, under ``title`` (the operation's name)."""
    box = _box(title, value)
    if not box.rows and not box.children and not box.headers:
        return ""
    return "\n".join(box.lines(box.least_width(), top=True)) + "\n"
