"""Terminal escape sequences inside output, set aside for scanning. Pure.

A colourising program (``grep --color=always``, a test runner, a diff) wraps what it
highlights in SGR sequences: ``ESC[01;31m ghp_ ESC[m u8jz…`` shows one token on a terminal,
and to a model reading it, but holds no token as text. :func:`without_escapes` gives the text
as it displays, with where each of its characters came from, so that a secret found in it
is redacted in the original across the sequences inside it.
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
