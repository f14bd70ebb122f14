"""Secrets split by terminal escape sequences are found and redacted across them."""

from __future__ import annotations

import random

import pytest
from corpus import SECRETS

from execgate.scan import MARKER, StreamRedactor, redact_text, scan_text
from execgate.scan._escapes import without_escapes

TOKEN = SECRETS["github-token"](random.Random(3))
SPLITS = [
    f"\x1b[01;31m\x1b[K{TOKEN[:4]}\x1b[m\x1b[K{TOKEN[4:]}",  # grep --color=always
    f"\x1b[31m{TOKEN[:10]}\x1b[0m{TOKEN[10:]}",
    f"{TOKEN[:7]}\x1b[1m\x1b[38;5;196m{TOKEN[7:20]}\x1b[0m{TOKEN[20:]}",
    f"\x1b]8;;http://x\x1b\\{TOKEN[:5]}\x1b]8;;\x1b\\{TOKEN[5:]}",  # an OSC 8 hyperlink
]


@pytest.mark.parametrize("text", SPLITS)
def test_a_token_split_by_escapes_is_found_and_redacted_whole(text: str) -> None:
    (finding,) = scan_text(f"line one\n{text}\nline three")
    assert finding.rule_id == "github-token"
    redacted = redact_text(f"before {text} after")
    shown = without_escapes(redacted) or (redacted, [])
    assert TOKEN[4:12] not in shown[0]
    assert redacted.startswith("before ") and redacted.endswith(" after") and MARKER in redacted


def test_streamed_output_is_redacted_across_escapes() -> None:
    r = StreamRedactor(overlap=256)
    out = r.feed("x" * 1000 + SPLITS[0][:9]) + r.feed(SPLITS[0][9:] + "\n") + r.flush()
    assert TOKEN[4:] not in out and MARKER in out


def test_plain_colour_is_left_alone() -> None:
    text = "\x1b[32mPASSED\x1b[0m tests/test_x.py::test_a \x1b[1m1 passed\x1b[0m"
    assert scan_text(text) == [] and redact_text(text) == text
    shown, origin = without_escapes(text) or ("", [])
    assert shown == "PASSED tests/test_x.py::test_a 1 passed"
    assert "".join(text[i] for i in origin) == shown
