"""blind15: an independent, labelled secret corpus shaped like the held-out evaluation
("labelled command lines, env dumps and outputs; 51 secret formats and 18 families of hard
negatives"), written without reading execgate's scanner or its other corpora.

    python blind15_corpus.py            # writes tests/blind15_corpus.json
    python blind15_corpus.py --score    # recall per format, FP rate per negative family
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from _blind import run
from _blind15_gen import Case
from _blind15_hard_a import hard_a
from _blind15_hard_b import hard_b
from _blind15_neg_a import neg_a
from _blind15_neg_b import neg_b
from _blind15_neg_c import neg_c
from _blind15_tricky import tricky
from _blind15_vendor import vendor_a
from _blind15_vendor_b import vendor_b

SEED = 150_515
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind15_corpus.json"

ABOUT = """blind15: labelled agent command lines, env dumps and command output.
Positives: one secret per text (it may repeat); `secret` is the exact substring that is the
secret value - for a URL with credentials the password (as written, percent-encoded if it is),
for HTTP basic auth the base64 blob (or the password when the output shows user:pass decoded),
for a Slack or Discord webhook the token path segment, for a PEM private key its base64 body
(with literal \\n escapes when the key sits inside JSON), for a token the whole token. Glued
cases put x, 0 or _ directly before a token; URL-encoded cases carry it after token%3D; the
json-escaped source holds a command inside a JSON string. Token shapes follow the published
layouts (GitHub/npm CRC32-base62 checksum, Discord id.timestamp.hmac, Telegram id:AA+33, gitleaks
rules); every value is seeded random, never a vendor example.
Negatives (neg:<family>): low-entropy values, non-secret key material (public keys,
certificates, PEM armor around a placeholder, ansible !vault tags), placeholders, variable
references, masked values, vendors' documentation examples (AWS EXAMPLE keys, jwt.io, Stripe
docs keys, Slack docs token, Azurite key, GitHub docs gho_ token, Mailgun docs key), secret
names in code and commands, hashes, ids/UUIDs, lockfile integrity, benign base64, identifiers
and file names, help text, password prompts, encrypted values, secrets read from files/stdin,
truncated/too-short values, revocation prose, URLs without credentials, non-secret settings.
Revocation prose is decided as: naming a revoked credential by label, id, accessor or last four
characters is negative; quoting a full credential value would be positive (revocation cannot be
verified from text), so no full value appears in that family."""

PARTS: list[Callable[[random.Random], list[Case]]] = [
    hard_a,
    hard_b,
    vendor_a,
    vendor_b,
    tricky,
    neg_a,
    neg_b,
    neg_c,
]


def build() -> dict[str, object]:
    cases: list[Case] = []
    seen: set[str] = set()
    for i, part in enumerate(PARTS):
        for case in part(random.Random(SEED * 31 + i)):
            if case["text"] in seen:
                continue
            seen.add(case["text"])
            secret = case["secret"]
            assert secret is None or secret in case["text"], case
            cases.append(case)
    fmts = Counter(c["format"] for c in cases if c["secret"] is not None)
    small = {f: n for f, n in fmts.items() if n < 8}
    assert not small, small
    return {"about": ABOUT, "cases": cases}


if __name__ == "__main__":
    sys.exit(run(sys.argv, build, OUT))
