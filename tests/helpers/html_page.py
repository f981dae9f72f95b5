"""Read back an HTML report: its elements, attributes and text, with the standard parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr", "col", "area", "base"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    content: list[str | Element] = field(default_factory=list)  # text and elements, in order

    @property
    def children(self) -> list[Element]:
        return [item for item in self.content if isinstance(item, Element)]

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def all_text(self) -> str:
        return "".join(i if isinstance(i, str) else i.all_text() for i in self.content)


class Page(HTMLParser):
    """Every element in document order, each with its own text and children."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.texts: list[str] = []
        self._stack: list[Element] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        if self._stack:
            self._stack[-1].content.append(element)
        self.elements.append(element)
        if tag not in _VOID:
            self._stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index].tag == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._stack:
            self._stack[-1].content.append(data)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def counts(self) -> dict[str, int]:
        """The summary table's numbers, by the key of Report.summary() (severities flattened)."""
        return {
            str(e.attrs["data-count"]): int(e.all_text())
            for e in self.elements
            if "data-count" in e.attrs
        }

    @property
    def text(self) -> str:
        return "".join(self.texts)
