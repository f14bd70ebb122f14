"""Credentials published as examples (vendors' documentation, RFCs, SDK READMEs and test
suites; ``execgate/scan/_examples.py`` names where each is printed) are no finding wherever
they are pasted, while a value of the same shape that differs in one character still is."""

from __future__ import annotations

import pytest

from execgate.scan import scan_text
from execgate.scan._examples import PUBLISHED_EXAMPLES, PUBLISHED_KEY_BODIES


def _overlaps(text: str, value: str) -> bool:
    at = text.find(value)
    return any(f.start < at + len(value) and f.end > at for f in scan_text(text))


@pytest.mark.parametrize("value", sorted(PUBLISHED_EXAMPLES))
def test_a_published_example_is_no_finding(value: str) -> None:
    for text in (f"export TOKEN={value}", f'{{"api_key": "{value}"}}', f"curl -u api:{value} x"):
        assert not _overlaps(text, value), (text, scan_text(text))


def _changed(value: str) -> str:
    """``value`` with its last letter or digit replaced by another of the same class."""
    i = max(i for i, c in enumerate(value) if c.isalnum())
    c = value[i]
    new = ("7" if c != "7" else "3") if c.isdigit() else ("q" if c != "q" else "w")
    if c.isupper():
        new = new.upper() if new.isalpha() else "Q"
    return value[:i] + new + value[i + 1 :]


@pytest.mark.parametrize(
    ("template", "value"),
    [
        (
            "curl --user 'api:{v}' https://api.mailgun.net/v3/x",
            "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
        ),
        ("TELEGRAM_BOT_TOKEN={v}", "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        ("export SLACK_BOT_TOKEN={v}", "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"),
        ("DATABASE_URL=mongodb://reader:{v}@db.internal:27017/app", "D1fficultP%40ssw0rd"),
    ],
)
def test_a_value_one_character_away_is_still_found(template: str, value: str) -> None:
    assert value in PUBLISHED_EXAMPLES
    assert not _overlaps(template.format(v=value), value)
    near = _changed(value)
    text = template.format(v=near)
    assert _overlaps(text, near), (text, scan_text(text))


def test_a_published_example_key_is_no_finding_and_another_key_is() -> None:
    body, _ = PUBLISHED_KEY_BODIES[0]
    rest = "Xq3vB8nK2mZ7wT4yR9pL6sD1fH5jC0gA" * 20
    for head, text in ((body, True), (body[:40] + "Zz" + body[42:], False)):
        pem = f"-----BEGIN PRIVATE KEY-----\n{head}\n{rest}\n-----END PRIVATE KEY-----"
        assert (scan_text(pem) == []) is text, head
