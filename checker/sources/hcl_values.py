"""A focused reader of one Terraform resource block: the shapes a customization job's block is
written in, read without the HCL parser.

Attributes whose values are quoted strings without escapes or templates, whole or decimal
numbers, ``true``/``false``/``null``, references (``var.x``, ``aws_iam_role.r.arn``,
``local.tags["team"]``), lists and objects of those, and nested blocks without labels. Each
value is what python-hcl2 8 gives for it (a reference becomes ``"${var.x}"``, a nested block a
list of objects). A block holding anything else (a function call, an operator, a template, an
escape, a heredoc) is not read here: ``resource_attributes`` gives None and the caller parses
the block with python-hcl2, which also reports any syntax error.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"(?P<space>[ \t\r]+|(?:#|//)[^\n]*)"
    r"|(?P<newline>\n)"
    r'|(?P<string>"(?:[^"\\\n$%]|[$%](?![{$%]))*")'
    r"|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])"
    r'|(?P<reference>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\]|\["[^"\\\n$%]*"\])*)'
    r"|(?P<punct>[=:,\[\]{}])"
)
_HEADER = re.compile(r'[ \t]*resource[ \t]+"[^"\n]+"[ \t]+"[^"\n]+"[ \t]*\{')
_NAME = re.compile(r"[A-Za-z_][\w-]*")
_KEYWORDS = {"true": True, "false": False, "null": None}


class _Unsupported(Exception):
    """A shape this reader leaves to python-hcl2."""


def resource_attributes(block: str) -> dict[str, Any] | None:
    """The attributes of ``resource "TYPE" "NAME" { ... }`` (the block's text alone), or None
    when the block holds a shape this reader does not take."""
    header = _HEADER.match(block)
    if header is None:
        return None
    try:
        tokens = _tokens(block, header.end())
        reader = _Reader(tokens)
        reader.expect("newline")
        attributes = reader.body()
        if reader.position != len(tokens):
            return None  # something after the block's closing brace
    except _Unsupported:
        return None
    return attributes


def _tokens(text: str, position: int) -> list[tuple[str, str]]:
    """(kind, text) of each token from ``position``, spaces and comments left out; newlines
    kept, as they end attributes."""
    tokens: list[tuple[str, str]] = []
    end = len(text)
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None:
            raise _Unsupported
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        if kind == "space":
            continue
        if kind == "newline" and tokens and tokens[-1][0] == "newline":
            continue
        tokens.append((kind, match.group()))
    return tokens


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise _Unsupported
        return self.tokens[self.position]

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.position += 1
        return token

    def expect(self, kind: str, text: str | None = None) -> None:
        found = self.take()
        if found[0] != kind or (text is not None and found[1] != text):
            raise _Unsupported

    def skip_newlines(self) -> None:
        while self.position < len(self.tokens) and self.tokens[self.position][0] == "newline":
            self.position += 1

    def body(self) -> dict[str, Any]:
        """Attributes and nested blocks up to the closing brace (taken), which must end its
        line or the text."""
        body: dict[str, Any] = {}
        blocks: set[str] = set()
        while True:
            self.skip_newlines()
            kind, text = self.take()
            if (kind, text) == ("punct", "}"):
                if self.position < len(self.tokens):
                    self.expect("newline")
                return body
            if kind != "reference" or not _NAME.fullmatch(text) or text in _KEYWORDS:
                raise _Unsupported
            operator = self.take()
            if operator == ("punct", "="):
                if text in body:
                    raise _Unsupported  # a repeated attribute: the parser's to judge
                body[text] = self.value()
                self.expect("newline")
            elif operator == ("punct", "{"):
                if text in body and text not in blocks:
                    raise _Unsupported
                self.expect("newline")
                blocks.add(text)
                body.setdefault(text, []).append(self.body())
            else:
                raise _Unsupported

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1]
        if kind == "number":
            try:
                return float(text) if "." in text else int(text)
            except ValueError:  # digits beyond Python's limit for int(): python-hcl2 decides
                raise _Unsupported from None
        if kind == "reference":
            return _KEYWORDS[text] if text in _KEYWORDS else "${" + text + "}"
        if text == "[":
            return self.items()
        if text == "{":
            return self.object()
        raise _Unsupported

    def items(self) -> list[Any]:
        items: list[Any] = []
        while True:
            self.skip_newlines()
            if self.peek() == ("punct", "]"):
                self.take()
                return items
            items.append(self.value())
            self.skip_newlines()
            if self.peek() == ("punct", ","):
                self.take()
            elif self.peek() != ("punct", "]"):
                raise _Unsupported

    def object(self) -> dict[str, Any]:
        members: dict[str, Any] = {}
        while True:
            self.skip_newlines()
            kind, text = self.take()
            if (kind, text) == ("punct", "}"):
                return members
            if kind == "string":
                key = text[1:-1]
            elif kind == "reference" and _NAME.fullmatch(text) and text not in _KEYWORDS:
                key = text
            else:
                raise _Unsupported
            if self.take() not in (("punct", "="), ("punct", ":")) or key in members:
                raise _Unsupported
            members[key] = self.value()
            kind, text = self.peek()
            if (kind, text) == ("punct", ","):
                self.take()
            elif kind != "newline" and (kind, text) != ("punct", "}"):
                raise _Unsupported
