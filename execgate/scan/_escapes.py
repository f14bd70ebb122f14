"""Terminal escape sequences and JSON escapes inside output, set aside for scanning. Pure.

A colourising program (``grep --color=always``, a test runner, a diff) wraps what it
highlights in SGR sequences: ``ESC[01;31m ghp_ ESC[m u8jz…`` shows one token on a terminal,
and to a model reading it, but holds no token as text. :func:`without_escapes` gives the text
as it displays, with where each of its characters came from, so that a secret found in it
is redacted in the original across the sequences inside it.

A JSON encoder may escape characters of a value's alphabet: ``"lPKL…\\/FvH4…"`` (PHP, .NET),
``"…\\u002f\\u002b…"`` (Go's HTML-safe encoder). :func:`json_unescaped` gives the text with
those decoded, with where each of its characters began and ended in the original, so that
every rule reads such a value whole and its finding covers the escapes.
"""

from __future__ import annotations

import re

#: CSI (``ESC [ … final``), OSC (``ESC ] … BEL`` or ``ESC \\``), and the two-character
#: escapes (``ESC (B``-style charset picks take one more).
_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[()*+][ -~]|[ -~])"
)


def without_escapes(text: str) -> tuple[str, list[int]] | None:
    """``text`` without its escape sequences, and for each character of that the index it
    had in ``text``; None when ``text`` holds none."""
    if "\x1b" not in text:
        return None
    kept: list[str] = []
    origin: list[int] = []
    pos = 0
    for m in _SEQUENCE.finditer(text):
        kept.append(text[pos : m.start()])
        origin.extend(range(pos, m.start()))
        pos = m.end()
    kept.append(text[pos:])
    origin.extend(range(pos, len(text)))
    return "".join(kept), origin


#: JSON's escapes of characters a value's alphabet holds: ``\/`` (escaped by PHP's
#: ``json_encode``, .NET and Go's HTML-safe encoders) and ``\u00XX`` for printable ASCII
#: (``\u002f``, ``\u002b``, ``\u003d``). A quote or a backslash stays escaped: decoding them
#: would change where the JSON's strings end, and the rules read those escaped already.
_JSON_ESCAPE = re.compile(r"\\(?:/|u00[2-7][0-9a-fA-F])")
_KEEP_ESCAPED = frozenset('"\\\x7f')


def json_unescaped(text: str) -> tuple[str, list[int], list[int]] | None:
    """``text`` with the JSON escapes of ``_JSON_ESCAPE`` decoded, and for each character of
    that the start and the end it had in ``text`` (an escape's character spans all of it);
    None when ``text`` holds none."""
    if "\\/" not in text and "\\u00" not in text:
        return None
    kept: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _JSON_ESCAPE.finditer(text):
        escape = m.group(0)
        char = "/" if escape == "\\/" else chr(int(escape[2:], 16))
        if char in _KEEP_ESCAPED:
            continue
        kept.append(text[pos : m.start()])
        starts.extend(range(pos, m.start()))
        ends.extend(range(pos + 1, m.start() + 1))
        kept.append(char)
        starts.append(m.start())
        ends.append(m.end())
        pos = m.end()
    if pos == 0:
        return None
    kept.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(kept), starts, ends
