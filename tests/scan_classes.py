"""What the secret-class tests share (tests/unit/test_scan_blind*.py and the like): a class
is (positives as (text, the secret in it), look-alikes that must give no finding), and a
positive passes only when every character of its secret is covered by one finding and the
secret is gone from the redacted text."""

from __future__ import annotations

from execgate.scan import redact_text, scan_text

#: name -> (positives, look-alikes)
Classes = dict[str, tuple[list[tuple[str, str]], list[str]]]


def covered(text: str, secret: str) -> bool:
    """Whether one finding in ``text`` covers the first occurrence of ``secret`` whole."""
    spans = [(f.start, f.end) for f in scan_text(text)]
    at = text.find(secret)
    assert at >= 0, (secret, text)
    return any(a <= at and at + len(secret) <= b for a, b in spans)


def check_class(name: str, found: list[tuple[str, str]], never: list[str]) -> None:
    """Assert that every positive of class ``name`` is found and redacted (an empty secret:
    found somewhere, as a whole text), and that no look-alike gives a finding."""
    for text, secret in found:
        if not secret:
            assert scan_text(text), (name, text)
            continue
        assert covered(text, secret), (name, text, scan_text(text))
        assert secret not in redact_text(text)
    for text in never:
        assert scan_text(text) == [], (name, text, scan_text(text))
