"""Secret classes the eleventh blind corpus (prose and markup: READMEs, issue comments, chat
exports, docstrings) flagged wrongly: vendors' and libraries' published example tokens, a
placeholder that names its kind (``YOUR.BOT.TOKEN``), and what loggers print in a secret's
place (``sntryu_[FILTERED]``). Each class keeps a real value of the same shape beside it.

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import pytest
from scan_classes import Classes, check_class

DISCORD = "MTA4NzY1NDMyMTA5ODc2NTQzMg.Gq3xZw.kP9vL2mN8bQ4rT6yW1cX5zA7dE3fH0jK9sU2vY"
TWILIO = "7c41e9a0b2d84f6e9a1c3b5d7f9e2a4c"
GHP_BODY = "Xk4mP9qR2sT7vW1yZ3bC5dF8gH0jL6nQ"

CLASSES: Classes = {
    "published-examples": (
        [
            (f"export DISCORD_TOKEN={DISCORD}", DISCORD),
            (f"client = Client('AC0123456789abcdef0123456789abcdef', '{TWILIO}')", TWILIO),
        ],
        [
            "bot.run('MjQ1NTU5MDg3NTI0MjE2ODMy.DulyxA.brcD2xRAqjACTuMcGPwy4TWVQdg')",
            "token: OTY4NTU2MzQ4MzkwMzkxODU5.G49NjP.pD8PLpKp-Xx8sr-8m1DCxSPTJZdcpcJZOExc1c",
            "@client = Twilio::REST::Client.new('AC309475e5fede1b49e100272a8640f438', "
            "'3a2630a909aadbf60266234756fb15a0')",
            "# e.g. 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",
            "sampleData: 'token=xoxp-23984754863-2348975623103'",
            "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAs"
            "DQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1g"
            "FWFOEjXk",
        ],
    ),
    "placeholders-and-masks": (
        [
            (f'Client(api_key="sntryu_{"a1b2c3d4e5f6" * 4}")', "sntryu_" + "a1b2c3d4e5f6" * 4),
        ],
        [
            'DISCORD_TOKEN = "YOUR.BOT.TOKEN"',
            '"value": "YOUR_BOT_TOKEN"',
            'Client(api_key="sntryu_[FILTERED]")',
            "Authorization: Bearer [REDACTED]",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
