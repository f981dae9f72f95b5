"""HCL text reduced to its code, in one linear pass: where blocks start and end, and which line
holds each attribute, without the parser.

Strings keep their text but lose their braces (a ``{`` in a string or an interpolation does not
open anything), comments are dropped, and heredoc bodies are blanked; every line stays on its
line. Each character is read once, however the text is shaped: no regex here can backtrack
over more than one token.
"""

from __future__ import annotations

import re

# In code: a run of ordinary characters, or one token that changes the state.
_CODE = re.compile(
    r'[^"#/<{}\n]++'
    r"|<<-?([A-Za-z_][\w-]*+)"  # a heredoc's opening marker
    r"|#[^\n]*+|//[^\n]*+"  # comments to the end of the line
    r'|/\*|"|[{}]|\n|[/<]'
)
# In a quoted string: text, an escape, an interpolation or directive start, or the end.
_STRING = re.compile(r'[^"\\$%\n]++|\\.|\$\$|%%|[$%]\{|[$%]|"|\n|\\', re.S)


def code_text(text: str) -> str:
    """The text with comments dropped, heredoc bodies blanked and braces taken out of strings.

    Line breaks are kept, so line N of the result is line N of the text (lines split at
    ``\\n`` only).
    """
    out: list[str] = []
    # The open contexts: "code" (the file, or an interpolation with its brace depth in
    # ``braces``) and "string". Braces are code only when no string is open.
    modes = ["code"]
    braces: list[int] = [0]
    strings = 0
    heredoc: str | None = None  # a heredoc whose body starts at the next line break
    position, end = 0, len(text)
    while position < end:
        if modes[-1] == "string":
            match = _STRING.match(text, position)
            assert match is not None  # every character starts some token
            token = match.group()
            position = match.end()
            if token == '"':
                modes.pop()
                strings -= 1
                out.append('"')
            elif token in ("${", "%{"):
                modes.append("code")
                braces.append(0)
            elif token == "\n":  # a quoted string cannot span lines: the parser will say so
                modes.pop()
                strings -= 1
                out.append("\n")
            else:
                out.append(token.replace("{", "").replace("}", ""))
            continue
        match = _CODE.match(text, position)
        assert match is not None
        token = match.group()
        position = match.end()
        first = token[0]
        if first == '"':
            modes.append("string")
            strings += 1
            out.append('"')
        elif first == "{":
            braces[-1] += 1
            if not strings:
                out.append("{")
        elif first == "}":
            if len(modes) > 1 and braces[-1] == 0:  # the end of an interpolation
                modes.pop()
                braces.pop()
            else:
                braces[-1] = max(braces[-1] - 1, 0)
                if not strings:
                    out.append("}")
        elif first == "\n":
            out.append("\n")
            if heredoc is not None:
                position = _skip_heredoc(text, position, heredoc, out)
                heredoc = None
        elif first == "#" or token.startswith("//"):
            continue
        elif token == "/*":
            close = text.find("*/", position)
            close = end if close < 0 else close
            out.append("\n" * text.count("\n", position, close))
            position = min(close + 2, end)
        elif token.startswith("<<") and match.group(1):
            heredoc = match.group(1)
            out.append("<<" + heredoc)
        else:
            out.append(token)
    return "".join(out)


def _skip_heredoc(text: str, position: int, marker: str, out: list[str]) -> int:
    """Blank the heredoc body that starts at ``position`` (a line start) up to its closing
    marker line; returns the position of that line's break (or the end of the text)."""
    end = len(text)
    while position < end:
        line_end = text.find("\n", position)
        line_end = end if line_end < 0 else line_end
        if text[position:line_end].strip() == marker:
            return line_end
        if line_end < end:
            out.append("\n")
        position = line_end + 1
    return end
