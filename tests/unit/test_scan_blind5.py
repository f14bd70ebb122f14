"""Secret classes the fifth blind corpus missed or flagged wrongly: values in ASCII and
Markdown tables, fish's ``set -x NAME VALUE``, YAML values starting with ``%`` and Django keys
with shell-special characters, redis-cli's numbered replies, and (as hard negatives) CSRF
form nonces and Firebase web configs. Each class has its hard negatives beside it.

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import pytest
from scan_classes import Classes, check_class, covered

from execgate.scan import scan_text

PW = "Tq7#vLm2Wx9p"
DJANGO = "_pbp6rf92*gs+8p-prnvj5w5n(use(9rs8!tzlgz+a&&*9ibd!"
PCT = "%Mf7klCe86c4tA%say!"
NOTION = "ntn_FVkSRO4iLLylmThoGtwYruxxm2Us3cEt9C1LoGVM78Bykt"
OKTA = "00hqgz-6V8hzQxwzEAszmFvYj4n_noDvoKGTPmldd3"
AWS_SECRET = "kncF14uNWYva5EbMWzmu0CfHkC8sIg5/6UpBHPZq"
NONCE = "kKxS58dwwfGVbJWLdsaYx5Jg0f7N3hzIiMxxR4H11FuIA5O4XB22k59Zrz0FNEkX"
GOOGLE = "AIzaSyD4q4QbzTkY7jhsf6BCwWUM3kd2NH5HJ7X"
OPAQUE = "Vq8Zr2LmX0pT5vW9kNs3Yd7Hc1QeJb"


CLASSES: Classes = {
    # a YAML value starting with % (not a %NAME% reference), a Django key holding ( and *
    "yaml-percent-and-django": (
        [
            (f"secrets:\n  password: '{PCT}'\npostgresql:\n  enabled: false\n", PCT),
            (f'db:\n  password: "{PCT}"\n', PCT),
            (f"services:\n  web:\n    environment:\n      DJANGO_SECRET_KEY: {DJANGO}\n", DJANGO),
            (f"DJANGO_SECRET_KEY={DJANGO}\n", DJANGO),
        ],
        [
            "secrets:\n  password: '%DB_PASSWORD%'\n",
            "db:\n  password: '%(db_password)s'\n",
            "set password=%APP_SECRET%\\x\n",
            "    password = getpass.getpass('Password: ')\n",
            "token = make_token(user)\n",
        ],
    ),
    # fish's set -x / -gx / plain set NAME VALUE; a Notion ntn_ token on its own
    "fish-set-and-notion": (
        [
            (f"set -x NOTION_TOKEN {NOTION}", NOTION),
            (NOTION, NOTION),
            (f"echo {NOTION} > ~/.notion", NOTION),
            (f"set -gx DB_PASSWORD '{PW}'", PW),
            (f"set --export API_KEY {OPAQUE}", OPAQUE),
            (f"set GITHUB_TOKEN {OPAQUE}; and gh auth status", OPAQUE),
        ],
        [
            "set -x NOTION_TOKEN $NOTION_TOKEN",
            "set -gx API_KEY (cat ~/.config/api-key)",
            "set -e GITHUB_TOKEN",
            "set -q GITHUB_TOKEN; or exit 1",
            "set -x TOKEN_FILE ~/.config/token.txt",
            "set -euo pipefail",
            "reset TOKEN now",
            "ntn_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST",
        ],
    ),
    # redis-cli's numbered reply after a credential-named config key or hash field
    "redis-numbered-replies": (
        [
            (f'$ redis-cli CONFIG GET requirepass\n1) "requirepass"\n2) "{PW}"\n', PW),
            (f'127.0.0.1:6379> CONFIG GET masterauth\n1) "masterauth"\n2) "{PW}"\n', PW),
            (f'> HGETALL svc:billing\n1) "host"\n2) "db1"\n3) "db_password"\n4) "{PW}"\n', PW),
        ],
        [
            '$ redis-cli CONFIG GET requirepass\n1) "requirepass"\n2) ""\n',
            '$ redis-cli CONFIG GET maxmemory\n1) "maxmemory"\n2) "Zq8hR3kLm2Wx9Tn4"\n',
            '> HGETALL s\n1) "token_ttl"\n2) "3600"\n3) "token_type"\n4) "Bearer"\n',
            '1) "password"\n2) "username"\n3) "email"\n',
        ],
    ),
    # a table's value cell after a credential-named cell (ASCII box, Markdown, box drawing);
    # Okta API tokens under an Okta name
    "table-cells-and-okta": (
        [
            (
                f"+------+------+\n| NAME | VALUE |\n+------+------+\n| OKTA_API_TOKEN | {OKTA} |\n",
                OKTA,
            ),
            (
                f"| Variable | Value | Scope |\n|---|---|---|\n| OKTA_API_TOKEN | {OKTA} | prod |\n",
                OKTA,
            ),
            (f"| AWS_SECRET_ACCESS_KEY | {AWS_SECRET} |\n", AWS_SECRET),
            (f"│ DB_PASSWORD │ {PW} │\n", PW),
            (f"OKTA_CLIENT_TOKEN {OKTA}", OKTA),
            (f"okta:\n  orgUrl: https://acme.okta.com\n  apiToken: '{OKTA}'\n", OKTA),
        ],
        [
            "| NAME | VALUE |\n| DB_PASSWORD | Required |\n| API_TOKEN | (set in CI) |\n",
            "| DB_PASSWORD | Database password for the app |\n",
            "| secret_key | string | no |\n",
            "| TOKEN_TTL | 3600s |\n",
            "gh auth token | docker login ghcr.io --password-stdin\n",
            "| OKTA_API_TOKEN | <your token> |\n",
            "OKTA_ORG_ID 00o1a2b3c4d5e6f7g8h9",
        ],
    ),
}

#: Texts whose values are public or per-session by design, each beside a credential of
#: the same shape in a context that keeps it a finding.
NOT_CREDENTIALS: dict[str, tuple[list[str], list[tuple[str, str]]]] = {
    # anti-forgery form nonces sent to every visitor: not credentials
    "csrf-form-nonces": (
        [
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{NONCE}">',
            f"<input type='hidden' name='csrf_token' value='{NONCE}'/>",
            f'<input type="hidden" name="authenticity_token" value="{NONCE}" />',
            f'<input name="_csrf_token" type="hidden" value="{NONCE}">',
        ],
        [
            (f'<input type="hidden" name="access_token" value="{NONCE}">', NONCE),
            (f'<input type="hidden" name="api_token" value="{NONCE}">', NONCE),
            (f'- name: API_TOKEN\n  value: "{NONCE}"\n', NONCE),
        ],
    ),
    # a Firebase web config's apiKey (public by design); Google API keys elsewhere fire
    "firebase-web-config": (
        [
            f'const firebaseConfig = {{\n  apiKey: "{GOOGLE}",\n'
            '  authDomain: "acme-app.firebaseapp.com",\n  projectId: "acme-app",\n};\n',
            f'firebase.initializeApp({{apiKey:"{GOOGLE}",authDomain:"x-1.firebaseapp.com"}})',
            f'{{"apiKey": "{GOOGLE}", "authDomain": "acme.firebaseapp.com"}}',
        ],
        [
            (f"GOOGLE_API_KEY={GOOGLE}", GOOGLE),
            (f"curl 'https://maps.googleapis.com/maps/api/geocode/json?key={GOOGLE}'", GOOGLE),
            (f'const config = {{\n  apiKey: "{GOOGLE}",\n  region: "us"\n}};\n', GOOGLE),
            (
                f'const firebaseConfig = {{ authDomain: "a.firebaseapp.com" }};\n'
                f"fetch(`https://translation.googleapis.com/v2?key={GOOGLE}`)",
                GOOGLE,
            ),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_CREDENTIALS))
def test_public_or_per_session_values_are_not_findings(name: str) -> None:
    never, found = NOT_CREDENTIALS[name]
    for text in never:
        assert scan_text(text) == [], (name, text, scan_text(text))
    for text, secret in found:
        assert covered(text, secret), (name, text, scan_text(text))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
