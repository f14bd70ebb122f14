"""blind15: case records and seeded generators for every secret shape the corpus uses.

Each generator follows the published layout of its format (looked up, not guessed):

- GitHub classic tokens (ghp_/gho_/ghu_/ghs_/ghr_) and npm_ tokens: prefix + 30 base62 chars +
  the CRC32 of those 30 chars in base62 (0-9A-Za-z), left-padded to 6 (github.blog 2021-04-05,
  credsweeper's ValueGitHubCheck).
- Discord: base64(user id as decimal text, unpadded) . base64(4-byte timestamp since
  1293840000, 6 chars) . HMAC (27 base64url chars; newer tokens 38) (discord.py docs/token.rst).
- Telegram: <bot id>:<35 chars [A-Za-z0-9_-]>, the 35 starting with "AA" (gitleaks).
- The rest: gitleaks config/gitleaks.toml (prefix, alphabet and length of each rule).
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from typing import TypedDict

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
HEX = "0123456789abcdef"
B62 = DIGITS + UPPER + LOWER
ALNUM = UPPER + LOWER + DIGITS
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
AWS_ID = UPPER + "234567"


class Case(TypedDict):
    text: str
    secret: str | None
    format: str
    source: str


def pos(text: str, secret: str, fmt: str, source: str) -> Case:
    assert secret and secret in text, (fmt, source, secret, text)
    return {"text": text, "secret": secret, "format": fmt, "source": source}


def neg(text: str, family: str, source: str) -> Case:
    return {"text": text, "secret": None, "format": "neg:" + family, "source": source}


def sub(template: str, **values: str) -> str:
    """Fill ``{name}`` slots by plain replacement (templates hold JSON braces too)."""
    out = template
    for key, val in values.items():
        out = out.replace("{" + key + "}", val)
    assert "{v}" not in out, template
    return out


def rs(r: random.Random, alphabet: str, n: int) -> str:
    """n characters from alphabet, re-drawn until it is not visibly low-entropy."""
    while True:
        s = "".join(r.choice(alphabet) for _ in range(n))
        if n < 8 or len(set(s)) >= min(len(set(alphabet)), n) // 2:
            mixed = alphabet != HEX or n < 16 or any(c.isalpha() for c in s)
            if mixed:
                return s


def hexs(r: random.Random, n: int) -> str:
    return rs(r, HEX, n)


def b62(n: int) -> str:
    if n == 0:
        return "0"
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = B62[d] + out
    return out


def crc_token(r: random.Random, prefix: str) -> str:
    body = rs(r, B62, 30)
    return prefix + body + b62(zlib.crc32(body.encode()) & 0xFFFFFFFF).rjust(6, "0")


def github(r: random.Random, kind: str = "ghp") -> str:
    return crc_token(r, kind + "_")


def github_fine(r: random.Random) -> str:
    return "github_pat_11" + rs(r, UPPER + DIGITS, 20) + "_" + rs(r, ALNUM, 59)


def npm(r: random.Random) -> str:
    return crc_token(r, "npm_")


def aws_id(r: random.Random, prefix: str = "AKIA") -> str:
    return prefix + rs(r, AWS_ID, 16)


def aws_secret(r: random.Random) -> str:
    while True:
        s = rs(r, B64, 40)
        if any(c in "+/" for c in s) and any(c.isdigit() for c in s):
            return s


def aws_session(r: random.Random) -> str:
    return "IQoJb3JpZ2luX2VjE" + rs(r, B64, 330) + "="


def azure_storage(r: random.Random) -> str:
    key = base64.b64encode(r.randbytes(64)).decode()
    assert len(key) == 88 and key.endswith("==")
    return key


def azure_ad_secret(r: random.Random) -> str:
    return rs(r, ALNUM, 3) + r.choice(DIGITS) + "Q~" + rs(r, ALNUM + "_~.-", 34)


def _b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def discord(r: random.Random, long_hmac: bool = False) -> str:
    uid = str(r.randint(10**17 * 3, 1_400_000_000_000_000_000))
    ts = r.randint(150_000_000, 230_000_000).to_bytes(4, "big")
    return _b64u(uid.encode()) + "." + _b64u(ts) + "." + rs(r, B64URL, 38 if long_hmac else 27)


def discord_webhook(r: random.Random) -> tuple[str, str]:
    """(webhook id, webhook token): the token is 68 base64url characters."""
    return str(r.randint(10**17 * 8, 13 * 10**17)), rs(r, B64URL, 68)


def telegram(r: random.Random) -> str:
    return str(r.randint(100_000_000, 7_999_999_999)) + ":AA" + rs(r, B64URL, 33)


def twilio_sid(r: random.Random) -> str:
    return "AC" + hexs(r, 32)


def databricks(r: random.Random) -> str:
    return "dapi" + hexs(r, 32) + (r.choice(["", "", "-2", "-3"]))


def slack_bot(r: random.Random) -> str:
    a, b = str(r.randint(10**10, 10**12)), str(r.randint(10**11, 10**13 - 1))
    return f"xoxb-{a}-{b}-{rs(r, ALNUM, 24)}"


def slack_user(r: random.Random) -> str:
    n = [str(r.randint(10**10, 10**12)) for _ in range(3)]
    return f"xoxp-{n[0]}-{n[1]}-{n[2]}-{hexs(r, 32)}"


def slack_webhook(r: random.Random) -> tuple[str, str]:
    path = f"T{rs(r, UPPER + DIGITS, 10)}/B{rs(r, UPPER + DIGITS, 10)}/"
    return path, rs(r, ALNUM, 24)


def stripe(r: random.Random, kind: str = "sk") -> str:
    if r.random() < 0.5:
        return f"{kind}_live_{rs(r, ALNUM, 24)}"
    return f"{kind}_live_51{rs(r, ALNUM, 97)}"


def openai(r: random.Random) -> str:
    roll = r.random()
    if roll < 0.6:
        return "sk-proj-" + rs(r, B64URL, 74) + "T3BlbkFJ" + rs(r, B64URL, 74)
    if roll < 0.8:
        return "sk-svcacct-" + rs(r, B64URL, 74) + "T3BlbkFJ" + rs(r, B64URL, 74)
    return "sk-" + rs(r, ALNUM, 20) + "T3BlbkFJ" + rs(r, ALNUM, 20)


def anthropic(r: random.Random) -> str:
    return "sk-ant-api03-" + rs(r, B64URL, 93) + "AA"


def google(r: random.Random) -> str:
    return "AIzaSy" + rs(r, B64URL, 33)


def gitlab(r: random.Random) -> str:
    return "glpat-" + rs(r, ALNUM + "_-", 20)


def sendgrid(r: random.Random) -> str:
    return "SG." + rs(r, B64URL, 22) + "." + rs(r, B64URL, 43)


def simple(r: random.Random, prefix: str, alphabet: str, n: int, suffix: str = "") -> str:
    return prefix + rs(r, alphabet, n) + suffix


def jwt(r: random.Random) -> str:
    alg = r.choice(["HS256", "RS256", "ES256"])
    head: dict[str, str] = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        head["kid"] = hexs(r, 16)
    iat = r.randint(1_700_000_000, 1_760_000_000)
    body: dict[str, object] = {
        "sub": rs(r, DIGITS, 9),
        "iss": r.choice(["https://auth.corp-internal.net/", "api.payments", "accounts"]),
        "iat": iat,
        "exp": iat + r.choice([900, 3600, 86400]),
        "scope": r.choice(["read write", "admin", "deploy:prod"]),
    }
    sig = {"HS256": 43, "RS256": 342, "ES256": 86}[alg]
    dump = json.dumps
    return (
        _b64u(dump(head, separators=(",", ":")).encode())
        + "."
        + _b64u(dump(body, separators=(",", ":")).encode())
        + "."
        + rs(r, B64URL, sig)
    )


def pem_body(r: random.Random, nbytes: int = 600, lead: str = "") -> str:
    raw = base64.b64encode(r.randbytes(nbytes)).decode()
    raw = lead + raw[len(lead) :]
    return "\n".join(raw[i : i + 64] for i in range(0, len(raw), 64))


WORDS = [
    "maple",
    "river",
    "orbit",
    "tundra",
    "velvet",
    "copper",
    "falcon",
    "ember",
    "harbor",
    "quartz",
    "meadow",
    "lantern",
    "cobalt",
    "saffron",
    "glacier",
    "thistle",
    "summit",
    "nimbus",
    "juniper",
    "pepper",
    "walrus",
    "cactus",
    "ridge",
    "lotus",
    "canyon",
    "marble",
    "shadow",
    "willow",
    "breeze",
    "comet",
]
SYMS = "@#%^*-_+=.~"


def password(r: random.Random) -> str:
    """A human or generated password, free of quote, backslash, colon, $ and ! characters."""
    roll = r.random()
    if roll < 0.35:
        w = r.sample(WORDS, 2)
        return w[0].capitalize() + str(r.randint(10, 9999)) + r.choice(SYMS) + w[1]
    if roll < 0.55:
        w = r.sample(WORDS, 3)
        return "-".join([w[0], w[1].capitalize(), str(r.randint(2, 99)), w[2]])
    while True:
        s = rs(r, ALNUM + SYMS, r.randint(12, 22))
        if any(c in SYMS for c in s) and any(c.isdigit() for c in s) and s[0].isalnum():
            return s


def url_password(r: random.Random) -> str:
    """A password as it appears percent-encoded in a URL's userinfo."""
    pw = password(r)
    enc = {"@": "%40", "#": "%23", "%": "%25", "^": "%5E", "+": "%2B", "=": "%3D"}
    return "".join(enc.get(c, c) for c in pw)


def opaque(r: random.Random) -> str:
    """An opaque bearer/session token with no vendor prefix."""
    roll = r.random()
    if roll < 0.3:
        return "ya29." + rs(r, B64URL, r.randint(140, 180))
    if roll < 0.6:
        return rs(r, ALNUM, r.randint(32, 48))
    return rs(r, B64URL, r.randint(40, 64))


def basic(user: str, pw: str) -> str:
    return base64.b64encode(f"{user}:{pw}".encode()).decode()


USERS = ["deploy", "admin", "ci-bot", "svc_backup", "jenkins", "app", "root", "alice", "ops"]
HOSTS = [
    "db.internal",
    "10.0.3.17",
    "pg-prod-1.corp.example.net",
    "mysql.staging.local",
    "cache-01",
    "rabbit.svc.cluster.local",
    "warehouse.acme.io",
]
