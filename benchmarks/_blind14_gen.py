"""blind14: seeded generators for credential values in their real shapes, plus the case
constructors every blind14 module shares.

Shapes were taken from public format descriptions (vendor docs, gitleaks' rule list, the GitHub
token-format blog post): prefix, length, alphabet and, where one exists, the checksum. No value
here is a vendor's published example; every positive value is drawn from ``random.Random``.
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib

Case = dict[str, str | None]

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = string.ascii_letters + string.digits
LOWNUM = LOWER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
BASE32 = UPPER + "234567"
BASE62 = DIGITS + UPPER + LOWER
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def pos(text: str, secret: str, fmt: str, source: str) -> Case:
    """A positive case; the secret must occur verbatim in the text."""
    assert secret in text, (fmt, secret, text)
    return {"text": text, "secret": secret, "format": fmt, "source": source}


def neg(text: str, family: str, source: str) -> Case:
    """A negative case (no live secret in the text)."""
    return {"text": text, "secret": None, "format": f"neg:{family}", "source": source}


def rs(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def rbytes(rng: random.Random, n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes, pad: bool = False) -> str:
    s = base64.urlsafe_b64encode(data).decode()
    return s if pad else s.rstrip("=")


def uuid4(rng: random.Random) -> str:
    h = rs(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def base62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out or "0"


def checksummed(rng: random.Random, prefix: str) -> str:
    """GitHub / npm style: 30 random base62 characters then a 6 character base62 CRC32."""
    body = rs(rng, ALNUM, 30)
    return prefix + body + base62(zlib.crc32(body.encode()) & 0xFFFFFFFF).rjust(6, "0")


# --- cloud providers -----------------------------------------------------------------------


def aws_key_id(rng: random.Random, prefix: str = "AKIA") -> str:
    return prefix + rs(rng, BASE32, 16)


def aws_secret(rng: random.Random) -> str:
    return rs(rng, B64, 40)


def aws_session_token(rng: random.Random) -> str:
    return "IQoJb3JpZ2luX2Vj" + rs(rng, B64, rng.randrange(340, 620)) + rng.choice(["", "=", "=="])


def ecr_password(rng: random.Random) -> str:
    doc = {
        "payload": b64(rbytes(rng, rng.randrange(420, 560))),
        "datakey": b64(rbytes(rng, 180)),
        "version": "2",
        "type": "DATA_KEY",
        "expiration": 1700000000 + rng.randrange(10**7),
    }
    return b64(json.dumps(doc, separators=(",", ":")).encode())


def gcp_access_token(rng: random.Random) -> str:
    return "ya29." + rng.choice(["a0A", "a0AfB_by", "c.c0AY"]) + rs(rng, B64URL, rng.randrange(150, 230))


def google_refresh_token(rng: random.Random) -> str:
    return "1//0" + rng.choice("gecdf") + rs(rng, B64URL, rng.randrange(96, 100))


def gcp_api_key(rng: random.Random) -> str:
    return "AIzaSy" + rs(rng, B64URL, 33)


def azure_storage_key(rng: random.Random) -> str:
    return b64(rbytes(rng, 64))


def azure_client_secret(rng: random.Random) -> str:
    return rs(rng, ALNUM + "_~.", 3) + rng.choice("78") + "Q~" + rs(rng, ALNUM + "_~.-", 34)


def acr_password(rng: random.Random) -> str:
    return rs(rng, B64, 42) + "+ACR" + rs(rng, ALNUM, 6)


def sas_signature(rng: random.Random) -> str:
    raw = b64(rbytes(rng, 32))
    return raw.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


# --- keys ----------------------------------------------------------------------------------


def _pem(label: str, der: bytes) -> str:
    body = b64(der)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


def ec_private_pem(rng: random.Random) -> str:
    der = (
        bytes.fromhex("307702010104 20".replace(" ", ""))
        + rbytes(rng, 32)
        + bytes.fromhex("a00a06082a8648ce3d030107a14403420004")
        + rbytes(rng, 64)
    )
    return _pem("EC PRIVATE KEY", der)


def rsa_pkcs8_pem(rng: random.Random) -> str:
    der = bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100")
    return _pem("PRIVATE KEY", der + rbytes(rng, 1180))


def rsa_pkcs1_pem(rng: random.Random) -> str:
    der = bytes.fromhex("308204a40201000282010100")
    return _pem("RSA PRIVATE KEY", der + rbytes(rng, 1180))


def openssh_ed25519(rng: random.Random) -> str:
    pub = rbytes(rng, 32)
    head = b"openssh-key-v1\x00" + b"\x00\x00\x00\x04none" * 2 + b"\x00\x00\x00\x00\x00\x00\x00\x01"
    blob = b"\x00\x00\x00\x33\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + pub
    check = rbytes(rng, 4)
    priv = check + check + blob[4:] + b"\x00\x00\x00\x40" + rbytes(rng, 32) + pub
    priv += b"\x00\x00\x00\x0e" + b"deploy@ci-host" + b"\x01\x02\x03\x04\x05"
    der = head + blob + len(priv).to_bytes(4, "big") + priv
    body = b64(der)
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----"


def age_secret_key(rng: random.Random) -> str:
    return "AGE-SECRET-KEY-1" + rs(rng, BECH32, 58)


# --- tokens --------------------------------------------------------------------------------


def jwt(header: dict[str, object], payload: dict[str, object], sig_bytes: int, rng: random.Random) -> str:
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    return f"{h}.{p}.{b64url(rbytes(rng, sig_bytes))}"


def k8s_sa_jwt(rng: random.Random, ns: str = "default", sa: str = "deployer") -> str:
    iat = 1710000000 + rng.randrange(10**7)
    payload: dict[str, object] = {
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "exp": iat + 3600,
        "iat": iat,
        "iss": "https://kubernetes.default.svc.cluster.local",
        "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": sa, "uid": uuid4(rng)}},
        "nbf": iat,
        "sub": f"system:serviceaccount:{ns}:{sa}",
    }
    return jwt({"alg": "RS256", "kid": rs(rng, B64URL, 43)}, payload, 256, rng)


def supabase_jwt(rng: random.Random, role: str = "service_role") -> str:
    iat = 1690000000 + rng.randrange(10**7)
    payload: dict[str, object] = {"iss": "supabase", "ref": rs(rng, LOWER, 20), "role": role, "iat": iat, "exp": iat + 315360000}
    return jwt({"alg": "HS256", "typ": "JWT"}, payload, 32, rng)


def bootstrap_token(rng: random.Random) -> str:
    return rs(rng, LOWNUM, 6) + "." + rs(rng, LOWNUM, 16)


def vault_token(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return "hvs.CAESI" + rs(rng, B64URL, rng.randrange(80, 92))
    if kind == 1:
        return "hvs." + rs(rng, ALNUM, 24)
    return "s." + rs(rng, ALNUM, 24)


def dockerhub_pat(rng: random.Random) -> str:
    return "dckr_pat_" + rs(rng, B64URL, 27)


def github_fine_grained(rng: random.Random) -> str:
    return "github_pat_11" + rs(rng, UPPER + DIGITS, 20) + "_" + rs(rng, ALNUM, 59)


def gitlab_pat(rng: random.Random) -> str:
    return "glpat-" + rs(rng, B64URL, 20)


def pypi_token(rng: random.Random) -> str:
    mac = b"\x02\x01\x08pypi.org\x02\x25\x00" + uuid4(rng).encode() + b"\x00\x02\x2b"
    mac += b'{"permissions": "user", "version": 1}' + b"\x00\x00\x06\x20" + rbytes(rng, 32)
    return "pypi-" + b64url(mac)


def heroku_key(rng: random.Random) -> str:
    return "HRKU-AA" + rs(rng, B64URL, 58)


def stripe_key(rng: random.Random, kind: str = "sk", mode: str = "live") -> str:
    if rng.random() < 0.5:
        return f"{kind}_{mode}_" + rs(rng, ALNUM, 24)
    return f"{kind}_{mode}_51" + rs(rng, ALNUM, 97)


def supabase_secret(rng: random.Random) -> str:
    return "sb_secret_" + rs(rng, B64URL, 22) + "_" + rs(rng, B64URL, 8)


def fly_token(rng: random.Random) -> str:
    segs = ["fm2_lJPE" + rs(rng, B64, rng.randrange(200, 420)) for _ in range(rng.randrange(1, 3))]
    return ",".join([*segs, "fo1_" + rs(rng, B64URL, 43)] if rng.random() < 0.3 else segs)


def doppler_token(rng: random.Random) -> str:
    kind = rng.choice(["st", "pt", "ct", "sa"])
    if kind == "st":
        return f"dp.st.{rng.choice(['prd', 'stg', 'dev', 'ci'])}." + rs(rng, ALNUM, 43)
    return f"dp.{kind}." + rs(rng, ALNUM, 43)


def op_service_token(rng: random.Random) -> str:
    doc = {
        "signInAddress": "my.1password.com",
        "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256", "iterations": 650000, "salt": b64url(rbytes(rng, 16))},
        "email": rs(rng, LOWNUM, 13) + "@1passwordserviceaccounts.com",
        "srpX": rs(rng, HEX, 64),
        "muk": {"alg": "A256GCM", "ext": False, "k": b64url(rbytes(rng, 32)), "key_ops": ["encrypt", "decrypt"], "kty": "oct", "kid": "mp"},
        "secretKey": "A3-" + rs(rng, UPPER + DIGITS, 6) + "-" + rs(rng, UPPER + DIGITS, 11) + "-" + rs(rng, UPPER + DIGITS, 5),
        "deviceUuid": rs(rng, LOWNUM, 26),
    }
    return "ops_" + b64(json.dumps(doc, separators=(",", ":")).encode()).rstrip("=")


def slack_bot_token(rng: random.Random) -> str:
    return f"xox{rng.choice('bpa')}-" + rs(rng, DIGITS, 12) + "-" + rs(rng, DIGITS, 13) + "-" + rs(rng, ALNUM, 24)


def openai_key(rng: random.Random) -> str:
    return f"sk-{rng.choice(['proj', 'svcacct', 'admin'])}-" + rs(rng, B64URL, 74) + "T3BlbkFJ" + rs(rng, B64URL, 74)


def anthropic_key(rng: random.Random) -> str:
    return "sk-ant-api03-" + rs(rng, B64URL, 93) + "AA"


def sendgrid_key(rng: random.Random) -> str:
    return "SG." + rs(rng, B64URL, 22) + "." + rs(rng, B64URL, 43)


def tfc_token(rng: random.Random) -> str:
    return rs(rng, ALNUM, 14) + ".atlasv1." + rs(rng, B64URL, 67)


def rclone_obscured(rng: random.Random) -> str:
    return b64url(rbytes(rng, 16 + rng.randrange(8, 24)))


def password(rng: random.Random, url_safe: bool = False) -> str:
    """A strong random password or a human-looking one; url_safe keeps to RFC 3986 unreserved."""
    if rng.random() < 0.3:
        word = rng.choice(["Sunflower", "Granite", "Harbor", "Mercury", "Tangerine", "Falcon", "Winter"])
        return word + rng.choice(["#", "!", "_", "-"]) + rs(rng, DIGITS, 4) + rng.choice(["Prod", "x", "Qz", "Ops"])
    extra = "-_.~" if url_safe else "!#%^*-_+=.~@"
    return rs(rng, ALNUM, 3) + rs(rng, ALNUM + extra, rng.randrange(13, 28))
