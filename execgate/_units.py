"""Sizes written the way people write them: ``512``, ``64K``, ``10M``, ``2G``.

The suffixes are binary (K = 1024 bytes), as in ``ulimit``, ``docker --memory`` and the
kernel's own limits files; ``KiB``/``MiB``/``GiB`` and ``KB``/``MB``/``GB`` mean the same, so
whichever a reader is used to is taken. A size is a whole number of bytes: ``1.5M`` is
refused rather than rounded, since a limit that is silently rounded is not the one written.
"""

from __future__ import annotations

import re

#: A size as text, for a JSON Schema ``pattern``.
SIZE_PATTERN = r"^ *([0-9]{1,20}) *(?:([KMGkmg])(?:i?[Bb])?|[Bb])? *$"
_SIZE = re.compile(SIZE_PATTERN[1:-1])
_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def shown(value: object, most: int = 40) -> str:
    """``value`` for an error message that must never carry a secret: a number as it is,
    text with every secret span redacted by the scanner and cut to ``most`` characters,
    anything else by its type only."""
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        from .scan import redact_text  # the scanner's models import this package's

        text = redact_text(value)
        return repr(text if len(text) <= most else text[:most] + "…")
    return f"a {type(value).__name__}"


def parse_size(text: str) -> int:
    """The number of bytes ``text`` names: digits, optionally followed by K, M or G.

    Raises ``ValueError`` naming what is accepted when ``text`` is not such a size.
    """
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"expected a size in bytes such as 4096, 64K, 10M or 2G, got {shown(text)}"
        )
    digits, unit = match.groups()
    return int(digits) * _FACTORS[(unit or "").lower()]
