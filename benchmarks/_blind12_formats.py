"""Value generators for blind12_corpus.py: one function per secret format, each taking a
``random.Random`` and returning a fresh random value of the documented shape.

Shapes were looked up (not guessed): gitleaks config/gitleaks.toml, trufflehog
pkg/detectors (supabasetoken, dockerhub/v2, discordbottoken, twilio, azure_storage,
openai), docs.doppler.com "Auth Token Formats", and the GitHub blog post on token formats
(checksum: CRC32 of the 30 random chars, base62 0-9A-Za-z, zero-padded to 6, as verified by
credsweeper's ValueGitHubCheck)."""

from __future__ import annotations

import base64
import binascii
import json
import string
from random import Random

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"
B62 = DIGITS + UPPER + LOWER
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
B32 = UPPER + "234567"


def rs(rng: Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def base62(num: int, width: int = 6) -> str:
    out = ""
    while num:
        num, r = divmod(num, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def crc_token(rng: Random, prefix: str) -> str:
    """GitHub ghp_/gho_/ghu_/ghs_/ghr_ and npm_ shape: 30 base62 + 6-char CRC32."""
    body = rs(rng, ALNUM, 30)
    return prefix + body + base62(binascii.crc32(body.encode()))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def rbytes(rng: Random, n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


# --- source control -----------------------------------------------------------------
def github_pat(rng: Random) -> str:
    return crc_token(rng, "ghp_")


def github_oauth(rng: Random) -> str:
    return crc_token(rng, "gho_")


def github_user_to_server(rng: Random) -> str:
    return crc_token(rng, "ghu_")


def github_server_to_server(rng: Random) -> str:
    return crc_token(rng, "ghs_")


def github_refresh(rng: Random) -> str:
    return crc_token(rng, "ghr_")


def github_fine_grained(rng: Random) -> str:
    return "github_pat_11" + rs(rng, UPPER + DIGITS, 20) + "_" + rs(rng, ALNUM, 59)


def gitlab_pat(rng: Random) -> str:
    return "glpat-" + rs(rng, URLSAFE, 20)


# --- chat ---------------------------------------------------------------------------
def slack_bot(rng: Random) -> str:
    return f"xoxb-{rs(rng, DIGITS, 12)}-{rs(rng, DIGITS, 13)}-{rs(rng, ALNUM, 24)}"


def slack_user(rng: Random) -> str:
    d = DIGITS
    return f"xoxp-{rs(rng, d, 12)}-{rs(rng, d, 12)}-{rs(rng, d, 13)}-{rs(rng, HEX, 32)}"


def slack_webhook_secret(rng: Random) -> str:
    return rs(rng, ALNUM, 24)


def slack_webhook_ids(rng: Random) -> tuple[str, str]:
    return "T" + rs(rng, UPPER + DIGITS, 10), "B" + rs(rng, UPPER + DIGITS, 10)


def discord_bot(rng: Random) -> str:
    uid = str(rng.randrange(10**17, 10**19))
    first = base64.b64encode(uid.encode()).decode().rstrip("=")
    return f"{first}.{rs(rng, URLSAFE, 6)}.{rs(rng, URLSAFE, 27)}"


def discord_webhook_secret(rng: Random) -> str:
    return rs(rng, URLSAFE, 68)


def snowflake(rng: Random) -> str:
    return str(rng.randrange(10**17, 10**19))


def telegram_bot(rng: Random) -> str:
    return f"{rng.randrange(10**8, 10**10)}:AA{rs(rng, URLSAFE, 33)}"


def twilio_sid(rng: Random, prefix: str = "AC") -> str:
    return prefix + rs(rng, HEX, 32)


def twilio_auth_token(rng: Random) -> str:
    return rs(rng, HEX, 32)


def twilio_api_secret(rng: Random) -> str:
    return rs(rng, ALNUM, 32)


# --- clouds -------------------------------------------------------------------------
def aws_key_id(rng: Random) -> str:
    return "AKIA" + rs(rng, B32, 16)


def aws_secret(rng: Random) -> str:
    return rs(rng, B64, 40)


def aws_session_token(rng: Random) -> str:
    return "IQoJb3JpZ2luX2Vj" + rs(rng, B64, rng.randrange(300, 600)) + "="


def azure_storage_key(rng: Random) -> str:
    return base64.b64encode(rbytes(rng, 64)).decode()


def azure_sas_sig(rng: Random) -> str:
    raw = base64.b64encode(rbytes(rng, 32)).decode()
    return raw.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def azure_client_secret(rng: Random) -> str:
    return rs(rng, ALNUM, 3) + rng.choice(DIGITS) + "Q~" + rs(rng, ALNUM + "_~.-", 34)


def gcp_api_key(rng: Random) -> str:
    return "AIzaSy" + rs(rng, URLSAFE, 33)


def pem_body(rng: Random, lead: str, n: int, pad: str = "") -> list[str]:
    body = lead + rs(rng, B64, n - len(lead) - len(pad)) + pad
    return [body[i : i + 64] for i in range(0, len(body), 64)]


def pem_private_key(rng: Random, kind: str | None = None) -> str:
    kind = kind or rng.choice(["RSA", "PKCS8", "EC", "OPENSSH"])
    if kind == "RSA":
        head, lines = "RSA PRIVATE KEY", pem_body(rng, "MIIEpAIBAAKCAQEA", 1588)
    elif kind == "PKCS8":
        head, lines = "PRIVATE KEY", pem_body(rng, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 1620)
    elif kind == "EC":
        head, lines = "EC PRIVATE KEY", pem_body(rng, "MHcCAQEEI", 164, "==")
    else:
        head = "OPENSSH PRIVATE KEY"
        lines = pem_body(rng, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", 396)
    return "\n".join([f"-----BEGIN {head}-----", *lines, f"-----END {head}-----"])


def databricks(rng: Random) -> str:
    return "dapi" + rs(rng, HEX, 32) + rng.choice(["", "", "-2", "-3"])


# --- payments / AI / package registries ----------------------------------------------
def stripe_secret(rng: Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(["sk_live_", "rk_live_"]) + rs(rng, ALNUM, 24)
    return "sk_live_51" + rs(rng, ALNUM, 97)


def openai_key(rng: Random) -> str:
    kind = rng.choice(["proj", "proj", "svcacct", "legacy"])
    if kind == "legacy":
        return "sk-" + rs(rng, ALNUM, 20) + "T3BlbkFJ" + rs(rng, ALNUM, 20)
    return f"sk-{kind}-" + rs(rng, URLSAFE, 74) + "T3BlbkFJ" + rs(rng, URLSAFE, 74)


def anthropic_key(rng: Random) -> str:
    return "sk-ant-api03-" + rs(rng, URLSAFE, 93) + "AA"


def huggingface(rng: Random) -> str:
    return "hf_" + rs(rng, UPPER + LOWER, 34)


def npm_token(rng: Random) -> str:
    return crc_token(rng, "npm_")


def pypi_token(rng: Random) -> str:
    return "pypi-AgEIcHlwaS5vcmcCJD" + rs(rng, URLSAFE, rng.randrange(140, 190))


def dockerhub_pat(rng: Random) -> str:
    return "dckr_pat_" + rs(rng, URLSAFE, 27)


# --- platforms / SaaS ---------------------------------------------------------------
def heroku_key(rng: Random) -> str:
    return "HRKU-AA" + rs(rng, URLSAFE, 58)


def uuid4(rng: Random) -> str:
    h = rs(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def digitalocean(rng: Random) -> str:
    return rng.choice(["dop_v1_", "dop_v1_", "doo_v1_"]) + rs(rng, HEX, 64)


def cloudflare_token(rng: Random) -> str:
    return rs(rng, URLSAFE, 40)


def datadog_api_key(rng: Random) -> str:
    return rs(rng, HEX, 32)


def newrelic_user_key(rng: Random) -> str:
    return "NRAK-" + rs(rng, UPPER + DIGITS, 27)


def sentry_token(rng: Random) -> str:
    return "sntryu_" + rs(rng, HEX, 64)


def mailgun_key(rng: Random) -> str:
    return "key-" + rs(rng, HEX, 32)


def sendgrid_key(rng: Random) -> str:
    return f"SG.{rs(rng, URLSAFE, 22)}.{rs(rng, URLSAFE, 43)}"


def shopify_token(rng: Random) -> str:
    return rng.choice(["shpat_", "shpat_", "shpca_", "shppa_", "shpss_"]) + rs(rng, HEX, 32)


def square_token(rng: Random) -> str:
    if rng.random() < 0.7:
        return "EAAA" + rs(rng, URLSAFE, 60)
    return "sq0csp-" + rs(rng, URLSAFE, 43)


def okta_token(rng: Random) -> str:
    return "00" + rs(rng, URLSAFE, 40)


def atlassian_token(rng: Random) -> str:
    return "ATATT3xFfGF0" + rs(rng, URLSAFE, 171) + "=" + rs(rng, "0123456789ABCDEF", 8)


def linear_key(rng: Random) -> str:
    return "lin_api_" + rs(rng, ALNUM, 40)


def notion_token(rng: Random) -> str:
    if rng.random() < 0.7:
        return "ntn_" + rs(rng, DIGITS, 11) + rs(rng, ALNUM, 35)
    return "secret_" + rs(rng, ALNUM, 43)


def airtable_pat(rng: Random) -> str:
    return "pat" + rs(rng, ALNUM, 14) + "." + rs(rng, HEX, 64)


def postman_key(rng: Random) -> str:
    return f"PMAK-{rs(rng, HEX, 24)}-{rs(rng, HEX, 34)}"


def vault_token(rng: Random) -> str:
    return "hvs.CAESI" + rs(rng, URLSAFE, rng.randrange(86, 100))


def doppler_token(rng: Random) -> str:
    kind = rng.choice(["pt", "st", "st.prd", "sa", "ct"])
    return f"dp.{kind}." + rs(rng, ALNUM, rng.choice([40, 43, 44]))


def pulumi_token(rng: Random) -> str:
    return "pul-" + rs(rng, HEX, 40)


def terraform_token(rng: Random) -> str:
    return rs(rng, ALNUM, 14) + ".atlasv1." + rs(rng, ALNUM, 67)


def supabase_token(rng: Random) -> str:
    return "sbp_" + rs(rng, HEX, 40)


def planetscale_token(rng: Random) -> str:
    return rng.choice(["pscale_tkn_", "pscale_pw_", "pscale_oauth_"]) + rs(rng, URLSAFE, 43)


def grafana_token(rng: Random) -> str:
    return "glsa_" + rs(rng, ALNUM, 32) + "_" + rs(rng, HEX, 8)


def jwt(rng: Random) -> str:
    alg = rng.choice(["HS256", "RS256", "ES256"])
    head = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        head["kid"] = rs(rng, URLSAFE, 20)
    t = rng.randrange(1_700_000_000, 1_760_000_000)
    body = {"sub": uuid4(rng), "iat": t, "exp": t + rng.choice([900, 3600, 86400])}
    if rng.random() < 0.5:
        body["iss"] = rng.choice(["https://auth.internal.acme.io/", "kubernetes/serviceaccount", "supabase"])
    if rng.random() < 0.5:
        body["role"] = rng.choice(["service_role", "admin", "deployer"])
    sig = {"HS256": 32, "RS256": 256, "ES256": 64}[alg]
    enc = [b64url(json.dumps(x, separators=(",", ":")).encode()) for x in (head, body)]
    return ".".join([*enc, b64url(rbytes(rng, sig))])


def password(rng: Random, style: str | None = None) -> str:
    """Generic passwords: random strong, human-ish, or passphrase. No quote characters,
    backslashes, spaces or '$' so they survive every shell template unescaped."""
    style = style or rng.choice(["random", "random", "human", "phrase"])
    if style == "random":
        return rs(rng, ALNUM + "!#%*+-.=^_~@:/", rng.randrange(14, 28))
    words = ["maple", "harbor", "quartz", "sunset", "falcon", "copper", "violet", "ember",
             "glacier", "tundra", "orchid", "walnut", "zephyr", "cobalt", "saffron"]
    if style == "human":
        w = rng.choice(words).capitalize()
        return w + rs(rng, DIGITS, rng.randrange(2, 5)) + rng.choice("!#%*@?") + rs(rng, ALNUM, 3)
    ws = rng.sample(words, 4)
    return rng.choice("-_.").join(ws) + rs(rng, DIGITS, 2)


def generic_api_key(rng: Random) -> str:
    return rng.choice([rs(rng, ALNUM, 32), rs(rng, HEX, 40), rs(rng, ALNUM, 48), rs(rng, URLSAFE, 36)])
