"""Secret classes the fourth blind corpus missed or over-reported, each with its hard
negatives beside it: values that are public by design (Supabase anon keys, search-only
keys, framework-public variables), ciphertext and password hashes (not the secret they
protect), key names without values, and credentials in formats of their own (PuTTY keys,
``.pgpass`` files, ``redis-cli -a``, BIP-39 mnemonics, ``.npmrc`` ``_auth``, query
parameters, Ethereum private keys, PowerShell's list and table layouts).

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from execgate.scan import redact_text, scan_text

_R = random.Random(404)
B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
HEX = "0123456789abcdef"


def _r(alphabet: str, n: int) -> str:
    return "".join(_R.choice(alphabet) for _ in range(n))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt(claims: dict[str, object]) -> str:
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    return f"{head}.{_b64url(json.dumps(claims).encode())}.{_r(B62 + '-_', 43)}"


ANON = _jwt({"iss": "supabase", "ref": _r(string.ascii_lowercase, 20), "role": "anon"})
SERVICE = _jwt({"iss": "supabase", "ref": _r(string.ascii_lowercase, 20), "role": "service_role"})
USER = _jwt({"sub": "5c1e7a0e", "role": "authenticated", "exp": 1900000000})
#: `supabase start`'s service_role key, the same on every machine (signed with the published
#: demo secret)
DEMO_SERVICE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vf"
    "cm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"
)
PW = "Tq7#vLm2Wx9p"


def _covered(text: str, secret: str) -> bool:
    spans = [(f.start, f.end) for f in scan_text(text)]
    at = text.find(secret)
    assert at >= 0
    return any(a <= at and at + len(secret) <= b for a, b in spans)


CLASSES: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    # a JWT whose role claim is anon is shipped to browsers; service_role and user
    # sessions are credentials
    "public-jwt": (
        [
            (f"SUPABASE_SERVICE_ROLE_KEY={SERVICE}", SERVICE),
            (f"NEXT_PUBLIC_SUPABASE_ANON_KEY={SERVICE}", SERVICE),
            (f"Authorization: Bearer {USER}", USER),
        ],
        [
            f"$ cat .env.local\nNEXT_PUBLIC_SUPABASE_ANON_KEY={ANON}",
            f'curl https://x.supabase.co/rest/v1/t -H "apikey: {ANON}"',
            f"service_role key: {DEMO_SERVICE}",
        ],
    ),
    # a search-only key, or a key under a framework's public prefix, is shipped to
    # browsers; a secret or a password under such a prefix was published by mistake
    "public-client-names": (
        [
            (f"  algolia: {{ adminApiKey: '{_r(HEX, 32)}' }}", ""),
            (f"ELASTICSEARCH_API_KEY={_r(B62, 40)}", ""),
            (f"NEXT_PUBLIC_STRIPE_SECRET_KEY={PW}", PW),
            (f"VITE_DB_PASSWORD={PW}", PW),
        ],
        [
            f"  algolia: {{ appId: 'ZR73O4PX4T', searchOnlyApiKey: '{_r(HEX, 32)}' }}",
            f"ALGOLIA_SEARCH_API_KEY={_r(HEX, 32)}",
            f"NEXT_PUBLIC_MAPS_API_KEY={_r(B62, 39)}",
            f"VITE_ANALYTICS_TOKEN={_r(B62, 32)}",
            f"REACT_APP_API_KEY={_r(HEX, 32)}",
        ],
    ),
    # a setting about a credential (how long it lives, how it is hashed), not its value
    "credential-settings": (
        [
            (f"API_TOKEN_PROD={PW}", PW),
            (f"client_id_secret={PW}", PW),
            (f"SESSION_TOKEN={PW}", PW),
        ],
        [
            "session_key_rotation_days=90\ntoken_ttl=3600s\nsecret_scanning=enabled\n"
            "csrf_cookie_name=csrftoken\npassword_hash_algo=argon2id",
            "jwt_secret_algorithm: HS256\nAPI_TOKEN_EXPIRY_SECONDS=86400",
            "REFRESH_TOKEN_LIFETIME_DAYS=30\nPASSWORD_MIN_LENGTH=12",
            "jwt_secret_alg = RS256",
        ],
    ),
    # a plain word as the password of a service on the loopback address is a local default
    "local-default-password": (
        [
            (f"psql postgresql://postgres:{PW}@localhost:5432/postgres", PW),
            ("psql postgresql://app:guest@db.internal:5432/app", "guest"),
            ("amqp://worker:s3cretpw@127.0.0.1:5672/", "s3cretpw"),
        ],
        [
            "$ psql postgresql://postgres:guest@localhost:5432/postgres -c 'select 1'",
            "amqp://app:rabbit@127.0.0.1:5672/%2F",
            "redis://:devpass@[::1]:6379/0",
        ],
    ),
    # ciphertext in a config file needs a key that is not in the text
    "ciphertext": (
        [
            (f"  password: '{PW}'", PW),
            (f"spring.datasource.password={PW}", PW),
        ],
        [
            f"$ cat credentials.yml.enc\n{_r(B64, 120)}--{_r(B64, 16)}--{_r(B64, 22)}==",
            f"  password: '{{cipher}}{_r(HEX, 96)}'",
            f"spring.datasource.password='ENC({_r(B64, 32)})'",
            f"DB_PASSWORD=vault:v1:{_r(B64, 48)}",
        ],
    ),
    # a password hash is not the password
    "password-hash": (
        [
            (f"$ cat .htpasswd\nadmin:{PW}x7Qz9", f"admin:{PW}x7Qz9"),
            (f'  "password": "{PW}"', PW),
        ],
        [
            f"$ cat .htpasswd\nadmin:$2y$10${_r(B62 + './', 53)}",
            f"$ sudo cat /etc/shadow.passwd\nroot:$6${_r(B62, 16)}${_r(B62 + './', 86)}",
            f'  "password": "$argon2id$v=19$m=65536,t=3,p=4${_r(B64, 22)}${_r(B64, 43)}"',
            f"password = pbkdf2_sha256$720000${_r(B62, 22)}${_r(B64, 43)}=",
            f"userPassword: {{SSHA}}{_r(B64, 32)}",
        ],
    ),
    # a usage line names the option and its metavar, no value
    "usage-metavar": (
        [
            (f"acme-cli deploy --token {PW}", PW),
            (f"acme-cli deploy [--api-key {PW}]", PW),
        ],
        [
            "error: missing required argument --api-key <KEY>\n"
            "Usage: acme-cli deploy [--api-key KEY] [--token TOKEN] [--password-stdin]",
            "usage: tool {--secret SECRET} [--auth-token AUTH_TOKEN]",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    found, never = CLASSES[name]
    for text, secret in found:
        if not secret:
            # a look-alike of the negatives that must still be found whole
            assert scan_text(text), (name, text)
            continue
        assert _covered(text, secret), (name, text, scan_text(text))
        assert secret not in redact_text(text)
    for text in never:
        assert scan_text(text) == [], (name, text, scan_text(text))
