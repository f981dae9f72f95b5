"""Data never becomes markup or commands: escaping for human-readable output.

Job names, paths, values and messages come from files a pull-request author writes or from an
AWS endpoint. In text output they could move the cursor, rewrite the line (CR, BS, CSI, OSC,
``ESC c``), reorder what is shown (bidi controls) or forge lines, including GitHub workflow
commands such as ``::error::`` or ``::stop-commands::``. In Markdown they could hide rows
(``<!--``), render images and links, or close a code span.
"""

from __future__ import annotations

import re

# C0 (line breaks included), DEL, C1, the Unicode line and paragraph separators, the bidi
# controls (ALM, LRM, RLM, LRE..RLO, LRI..PDI), and lone surrogates, which are what Python
# makes of a file name that is not valid UTF-8.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``value`` as text on one line, with every control character escaped (``\\x1b``)."""
    return _UNPRINTABLE.sub(_escaped, str(value))


def no_commands(text: str) -> str:
    """Text whose lines never start (after blanks) with ``::``, which a GitHub runner would
    take as a workflow command; the leading colon is escaped instead."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith("::"):
            lines[index] = line[: len(line) - len(stripped)] + "\\x3a" + stripped[1:]
    return "\n".join(lines)


# The ASCII characters that give inline Markdown a meaning (GitHub's tables, strikethrough and
# math included): HTML and autolinks (<), entities (&), links and images ([ ]), code spans,
# emphasis. CommonMark shows each one backslash-escaped as the character itself.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<|~$&])")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n]")


def markdown_text(value: object) -> str:
    """``value`` as literal Markdown text, safe in a table cell: no HTML, comment, link,
    image, code span, emphasis or line break can come out of it."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", printable(_LINE_BREAKS.sub(" ", str(value))))


def markdown_code(value: object) -> str:
    """``value`` as a Markdown code span, safe in a table cell: fenced by more backticks than
    any run of them inside, so that it cannot close early."""
    text = printable(_LINE_BREAKS.sub(" ", str(value))).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or not text.strip():
        text = f" {text} "
    return f"{fence}{text}{fence}"
