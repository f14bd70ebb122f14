"""Secret classes an attacker of the scanner found: tokens beside non-ASCII letters or after a
JSON escape's letter, credential names the assignment rule did not know (passphrase, a bare
``pass:``, auth/session/client keys, long qualifiers), a token as a URL's whole userinfo; and
the other way: pagination cursors,
digests and ids under credential names, armour around words, identifiers in code as header
values, Go's ``[]byte(...)`` reads, selectors, anonymous FTP, a cache key after ``key-``.

A case passes when every occurrence of the secret is covered by one finding.
"""

from __future__ import annotations

import pytest
from scan_classes import Classes, check_class

GLPAT = "glpat-WX1wXHBUeiuxm69aSK_q"
SK = "SKd5f63adfa395d6cff31aeea03bdba261"
RANDOM = "xw6Z2GdEwWXCt0pz9idfilXk"
HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

CLASSES: Classes = {
    "tokens-beside-other-characters": (
        [
            (f"\u4ee4\u724c {GLPAT}\u8bf7\u52ff\u6cc4\u9732", GLPAT),
            (f"Use the key \u2018{GLPAT}\u2019 for prod.", GLPAT),
            (f'{{"msg":"KEY\\t{SK}"}}', SK),
            (f'{{"msg":"rotated\\n{GLPAT}\\n"}}', GLPAT),
        ],
        ["Cache restored from key: build-key-8585a20f19c3df1b10e724e387e01b9f"],
    ),
    "credential-names": (
        [
            (f"GPG_PASSPHRASE={RANDOM}", RANDOM),
            (f"auth: {{ user: 'ops@acme.io', pass: '{RANDOM}' }}", RANDOM),
            (f"AUTH_KEY={RANDOM}", RANDOM),
            (f"SESSION_KEY={RANDOM}", RANDOM),
            (f"export DB_PASSWORD_READONLY_REPLICA={RANDOM}", RANDOM),
        ],
        [
            "client_key: /etc/ssl/client.key",
            "You shall not pass: the gate holds",
            "compass: north-east-2",
            '"tokenizer_class": "LlamaTokenizerFast"',
        ],
    ),
    "userinfo-tokens": (
        [
            (f"git clone https://{RANDOM}@gitlab.acme.io/group/repo.git", RANDOM),
            (f"https://{RANDOM}@api.example.com/v1", RANDOM),
        ],
        [
            "git clone ssh://git@github.com/org/repo.git",
            "https://someverylongusername_withunderscores@example.com/x",
        ],
    ),
    "names-that-are-not-the-credential": (
        [(f'"apiKey": "{RANDOM}"', RANDOM), (f"https://api.x.com/v1?access_token={RANDOM}", RANDOM)],
        [
            '{"items": [], "nextPageToken": "7j4NS7xsvZKNPTLnFa4P7cF0okCmo6x6Sn2E0kZ6RV4q"}',
            '"NextToken": "eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="',
            "GET /files?pageSize=100&pageToken=SX_Zdeh_8fK2mPq9Lw3vZx7Rt4Yb",
            f'{{"token_digest": "{HEX}"}}',
            f"api_key_sha256: {HEX}",
            f"SECRET_CHECKSUM={HEX}",
            '"token_jti": "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"',
            '"encryptedSecret": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg=="',
        ],
    ),
    "code-and-prose-around-credentials": (
        [
            (
                f"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI{RANDOM}\n-----END PRIVATE KEY-----",
                f"MC4CAQAwBQYDK2VwBCIEI{RANDOM}",
            ),
            (f'{{ "x-api-key": "{RANDOM}" }}', RANDOM),
        ],
        [
            'header = "-----BEGIN PRIVATE KEY-----"\nfooter = "-----END PRIVATE KEY-----"\n',
            "-----BEGIN PRIVATE KEY-----\nbase64encodedkeydata\n-----END PRIVATE KEY-----",
            "{ \"x-api-key\": anthropicApiKey, 'X-Auth-Token': authToken }",
            'var jwtSecret = []byte(os.Getenv("JWT_SECRET"))',
            "secretKey := []byte(cfg.Secret)",
            "const passwordSelector = '#login-password';",
            "PASSWORD_INPUT = 'input[name=\"password\"]'",
            "ftp://anonymous:anonymous%40acme.io@ftp.gnu.org/gnu/",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
