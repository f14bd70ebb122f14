"""Token checksums and value statistics. Pure.

GitHub (``ghp_`` & co.) and npm (``npm_``) tokens end in six base62 characters that encode the
CRC32 of the 30 random characters before them: a token with a valid checksum is almost surely
real, one without is likely a fake or a fixture.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n: int, width: int) -> str:
    out = []
    while n:
        n, r = divmod(n, 62)
        out.append(_BASE62[r])
    return "".join(reversed(out)).rjust(width, "0")


def crc32_base62_ok(token: str, prefix_len: int) -> bool:
    """``token`` = prefix + 30 random + 6 checksum characters, checksum valid."""
    body = token[prefix_len:]
    if len(body) != 36:
        return False
    return base62(zlib.crc32(body[:30].encode()), 6) == body[30:]


CHECKSUMS = {
    "github": lambda t: crc32_base62_ok(t, 4),
    "npm": lambda t: crc32_base62_ok(t, 4),
}


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())
