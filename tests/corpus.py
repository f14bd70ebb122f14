"""A seeded generator of labelled scanner cases: synthetic but format-valid secrets in the
places agents put them (command lines, env dumps, config files, program output), and hard
negatives that look like secrets and are not.

    python tests/corpus.py [--seed N] [--per-rule K]   # prints the corpus as JSON lines

``cases(seed)`` returns ``(text, expected_rule_ids, secret_values)``; an empty expected set is a
negative. Used by ``test_scan_corpus.py`` and ``benchmarks/scanner.py``.
"""

from __future__ import annotations

import base64
import collections
import json
import random
import string
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

B62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
URLSAFE = B62 + "_-"


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _base62(n: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = digits[r] + out
    return out.rjust(width, "0")


def _crc_token(rng: random.Random, prefix: str) -> str:
    body = _r(rng, B62, 30)
    return prefix + body + _base62(zlib.crc32(body.encode()), 6)


def _password(rng: random.Random) -> str:
    return (
        _r(rng, B62, rng.randint(4, 8))
        + rng.choice("!#%+")
        + _r(rng, B62 + "!#%+", rng.randint(5, 10))
    )


# rule id -> generator of one secret value (the exact span a scanner must report)
SECRETS: dict[str, Callable[[random.Random], str]] = {
    "aws-access-key-id": lambda r: (
        r.choice(["AKIA", "ASIA"]) + _r(r, string.ascii_uppercase + "234567", 16)
    ),
    "google-api-key": lambda r: "AIza" + _r(r, URLSAFE, 35),
    "google-oauth-client-secret": lambda r: "GOCSPX-" + _r(r, URLSAFE, 28),
    "google-oauth-access-token": lambda r: "ya29." + _r(r, URLSAFE, 60),
    "alibaba-access-key-id": lambda r: "LTAI" + _r(r, B62, 20),
    "digitalocean-token": lambda r: r.choice(["dop_v1_", "doo_v1_"]) + _r(r, HEX, 64),
    "databricks-token": lambda r: "dapi" + _r(r, HEX, 32),
    "flyio-token": lambda r: "fo1_" + _r(r, URLSAFE, 43),
    "heroku-api-key": lambda r: "HRKU-" + _r(r, URLSAFE, 60),
    "pulumi-token": lambda r: "pul-" + _r(r, HEX, 40),
    "vault-token": lambda r: "hvs." + _r(r, URLSAFE, 90),
    "github-token": lambda r: _crc_token(r, r.choice(["ghp_", "gho_", "ghs_", "ghu_"])),
    "github-fine-grained-pat": lambda r: "github_pat_" + _r(r, B62, 22) + "_" + _r(r, B62, 59),
    "gitlab-token": lambda r: "glpat-" + _r(r, URLSAFE, 20),
    "npm-token": lambda r: _crc_token(r, "npm_"),
    "pypi-token": lambda r: "pypi-AgEIcHlwaS5vcmc" + _r(r, URLSAFE, 70),
    "rubygems-token": lambda r: "rubygems_" + _r(r, HEX, 48),
    "dockerhub-pat": lambda r: "dckr_pat_" + _r(r, URLSAFE, 27),
    "huggingface-token": lambda r: "hf_" + _r(r, B62, 34),
    "openai-api-key": lambda r: "sk-proj-" + _r(r, URLSAFE, 74) + "T3BlbkFJ" + _r(r, URLSAFE, 74),
    "anthropic-api-key": lambda r: "sk-ant-api03-" + _r(r, URLSAFE, 93) + "AA",
    "slack-token": lambda r: (
        r.choice(["xoxb-", "xoxp-"])
        + "-".join(_r(r, string.digits, 12) for _ in range(2))
        + "-"
        + _r(r, B62, 24)
    ),
    "stripe-secret-key": lambda r: r.choice(["sk_live_", "rk_live_"]) + _r(r, B62, 24),
    "stripe-webhook-secret": lambda r: "whsec_" + _r(r, B62, 32),
    "sendgrid-api-key": lambda r: "SG." + _r(r, URLSAFE, 22) + "." + _r(r, URLSAFE, 43),
    "mailgun-api-key": lambda r: "key-" + _r(r, HEX, 32),
    "shopify-token": lambda r: r.choice(["shpat_", "shpss_"]) + _r(r, HEX, 32),
    "linear-api-key": lambda r: "lin_api_" + _r(r, B62, 40),
    "postman-api-key": lambda r: "PMAK-" + _r(r, HEX, 24) + "-" + _r(r, HEX, 34),
    "sentry-token": lambda r: "sntryu_" + _r(r, HEX, 64),
    "newrelic-key": lambda r: "NRAK-" + _r(r, string.ascii_uppercase + string.digits, 27),
    "grafana-token": lambda r: "glsa_" + _r(r, B62, 32) + "_" + _r(r, HEX, 8),
    "telegram-bot-token": lambda r: _r(r, string.digits, 10) + ":AA" + _r(r, URLSAFE, 33),
    "age-secret-key": lambda r: "AGE-SECRET-KEY-1" + _r(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    "jwt": lambda r: "eyJhbGciOiJIUzI1NiJ9.eyJ" + _r(r, URLSAFE, 40) + "." + _r(r, URLSAFE, 43),
    "doppler-token": lambda r: "dp.pt." + _r(r, B62, 43),
    "twilio-api-key": lambda r: "SK" + _r(r, HEX, 32),
    "airtable-pat": lambda r: "pat" + _r(r, B62, 14) + "." + _r(r, HEX, 64),
    "atlassian-api-token": lambda r: "ATATT3" + _r(r, URLSAFE, 180),
    "azure-client-secret": lambda r: (
        _r(r, B62, 3) + _r(r, string.digits, 1) + "Q~" + _r(r, B62 + "_.", 34)
    ),
    "clojars-token": lambda r: "CLOJARS_" + _r(r, string.ascii_lowercase + string.digits, 60),
    "dropbox-token": lambda r: "sl." + _r(r, URLSAFE, 140),
    "facebook-access-token": lambda r: "EAACEdEose0cBA" + _r(r, B62, 30),
    "gitlab-runner-registration": lambda r: "GR1348941" + _r(r, URLSAFE, 20),
    "mailchimp-api-key": lambda r: _r(r, HEX, 32) + "-us" + str(r.randint(1, 21)),
    "mapbox-secret-token": lambda r: "sk.eyJ" + _r(r, URLSAFE, 60) + "." + _r(r, URLSAFE, 22),
    "notion-token": lambda r: r.choice(
        ["ntn_" + _r(r, string.digits, 11) + _r(r, B62, 35), "secret_" + _r(r, B62, 43)]
    ),
    "openai-project-key": lambda r: "sk-proj-" + _r(r, URLSAFE, 60),
    "planetscale-token": lambda r: "pscale_tkn_" + _r(r, URLSAFE, 43),
    "slack-app-token": lambda r: (
        "xapp-1-A"
        + _r(r, string.ascii_uppercase + string.digits, 10)
        + "-"
        + _r(r, string.digits, 13)
        + "-"
        + _r(r, HEX, 64)
    ),
    "square-token": lambda r: "sq0atp-" + _r(r, URLSAFE, 22),
    "stripe-test-secret-key": lambda r: "sk_test_" + _r(r, B62, 24),
    "terraform-cloud-token": lambda r: _r(r, B62, 14) + ".atlasv1." + _r(r, URLSAFE, 65),
    "twitter-bearer": lambda r: "AAAAAAAAAAAAAAAAAAAAA" + _r(r, B62, 60),
    "newrelic-license-key": lambda r: (
        r.choice([_r(r, HEX, 36), "eu01xx" + _r(r, HEX, 30)]) + "NRAL"
    ),
    "mongodb-atlas-secret": lambda r: "mdb_sa_sk_" + _r(r, URLSAFE, 40),
    "grafana-api-key": lambda r: base64.b64encode(
        f'{{"k":"{_r(r, B62, 32)}","n":"{_r(r, string.ascii_lowercase, 8)}","id":1}}'.encode()
    ).decode(),
    "supabase-token": lambda r: r.choice(
        ["sbp_" + _r(r, HEX, 40), "sb_secret_" + _r(r, URLSAFE, 31)]
    ),
}

# rule id -> (template with {s}, for secrets found by context). {s} is the secret span.
CONTEXT: dict[str, list[str]] = {
    "aws-secret-access-key": ["aws_secret_access_key = {s}", "export AWS_SECRET_ACCESS_KEY={s}"],
    "azure-storage-key": [
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s};EndpointSuffix=core.windows.net"
    ],
    "authorization-bearer": [
        "curl -H 'Authorization: Bearer {s}' https://api.example.test/v1",
        "Authorization: Bearer {s}",
    ],
    "url-password": [
        "psql postgresql://app:{s}@db.internal:5432/prod",
        "git clone https://deploy:{s}@git.internal/repo.git",
        "redis-cli -u redis://default:{s}@cache:6379",
    ],
    "credential-assignment": [
        "PGPASSWORD={s} psql -h db -U app",
        "DB_PASSWORD={s}",
        "export API_TOKEN={s}",
        "  password: {s}",
        '"client_secret": "{s}"',
    ],
    "netrc-password": ["machine api.internal login deploy password {s}"],
    "private-key": [
        "{s}",
        '{{"type": "service_account", "project_id": "p", "private_key_id": "0a1b", "private_key": "{s}", "client_email": "x@p.iam.gserviceaccount.com"}}',
    ],
    "datadog-key": ["DD_API_KEY={s}"],
    "azure-sas-signature": [
        "az storage blob download --blob-url 'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig={s}'"
    ],
    "slack-webhook": ["curl -X POST -d @msg.json {s}"],
    "discord-webhook": [
        "curl -H 'Content-Type: application/json' {s}"
    ],
    "discord-bot-token": [
        "DISCORD_BOT_TOKEN={s}",
        "curl -H 'Authorization: Bot {s}' https://discord.com/api/v10/users/@me",
        'client.run("{s}")',
        "python bot.py --token {s}",
    ],
    "twilio-auth-token": [
        "curl -u AC3f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e:{s} https://api.twilio.com/2010-04-01/Accounts.json",
        "TWILIO_AUTH_TOKEN={s}",
        'client = Client("AC3f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e", "{s}")',
    ],
    "authorization-header": [
        "curl -H 'Authorization: Api-Token {s}' https://x.live.dynatrace.test/api/v2/metrics",
        'curl -H "Authorization: SSWS {s}" https://corp.okta.test/api/v1/users',
        'wget --header="Authorization: {s}" https://api.test/v1',
    ],
    "url-query-key": ["curl 'https://maps.example.test/api/geocode/json?address=x&key={s}'"],
    "credential-flag": [
        "mytool deploy --api-key {s}",
        "stripe --api-key={s} customers list",
        "mysql -h db -u root -p'{s}' prod",
        "sshpass -p '{s}' ssh deploy@host",
        "openssl enc -aes-256-cbc -k {s} -in db.sql -out db.sql.enc",
        "npm config set //registry.npmjs.org/:_authToken {s}",
    ],
    "credential-userpass": [
        "curl -u admin:'{s}' https://jenkins.internal/api/json",
        "curl -s --user 'deploy:{s}' https://nexus.internal/service/rest",
    ],
    "credential-stdin": [
        "echo '{s}' | sudo -S apt-get update",
        "printf '%s\\n' '{s}' | sudo -S systemctl restart app",
        "sudo -S true <<< '{s}'",
        "echo {s} | docker login -u bot --password-stdin ghcr.io",
    ],
    "secrets-set": [
        "fly secrets set SESSION_SEAL={s} -a web",
        "gh secret set DEPLOY_KEY --body '{s}'",
        "kubectl create secret generic db --from-literal=password='{s}'",
    ],
    "api-key-header": ["curl -H 'X-Api-Key: {s}' https://api.test/v1"],
    "facebook-app-token": ["facebook app token {s}", "FACEBOOK_APP_TOKEN='{s}'"],
}


def _context_secret(rule: str, r: random.Random) -> str:
    if rule == "aws-secret-access-key":
        return _r(r, B62 + "/+", 40)
    if rule == "azure-storage-key":
        return _r(r, B62 + "+/", 86) + "=="
    if rule == "authorization-bearer":
        return _r(r, URLSAFE + ".", 48)
    if rule in ("url-password", "credential-assignment", "netrc-password"):
        return _password(r)
    if rule == "private-key":
        body = "\n".join(_r(r, B62 + "+/", 64) for _ in range(4))
        kind = r.choice(["RSA ", "EC ", "OPENSSH ", ""])
        pem = f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"
        # half of them as they appear inside JSON (a service-account key file): "\n" escapes
        return pem if r.random() < 0.5 else pem.replace("\n", "\\n")
    if rule == "datadog-key":
        return _r(r, HEX, 32)
    if rule == "azure-sas-signature":
        return _r(r, B62 + "+/", 43) + "%3D"
    if rule == "slack-webhook":
        # the whole URL is the credential (anyone holding it can post), as it is reported
        return (
            "https://hooks.slack.com/services/T0"
            + _r(r, string.ascii_uppercase + string.digits, 8)
            + "/B0"
            + _r(r, string.ascii_uppercase + string.digits, 8)
            + "/"
            + _r(r, B62, 24)
        )
    if rule == "discord-webhook":
        return "https://discord.com/api/webhooks/123456789012345678/" + _r(r, URLSAFE, 68)
    if rule == "discord-bot-token":
        # the first segment is the base64 of the bot's user id (a snowflake)
        user_id = str(r.randint(10**16, 2 * 10**18))
        head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
        return head + "." + _r(r, URLSAFE, 6) + "." + _r(r, URLSAFE, 38)
    if rule == "twilio-auth-token":
        return _r(r, HEX, 32)
    if rule in ("authorization-header", "url-query-key", "api-key-header"):
        return _r(r, B62, 8) + _r(r, string.digits, 2) + _r(r, B62, 22)
    if rule == "facebook-app-token":
        return _r(r, string.digits, 16) + "|" + _r(r, URLSAFE, 27)
    if rule in ("credential-flag", "credential-userpass", "credential-stdin", "secrets-set"):
        return _r(r, B62, 8) + _r(r, string.digits, 2) + _r(r, B62, 4)
    raise KeyError(rule)


# Where vendor tokens appear.
PLACES = [
    "echo {s}",
    "export TOKEN_VALUE='{s}'",
    "curl -s https://api.test/v1/items?key={s}",
    "config set token {s} --global",
    '{{"key": "{s}", "region": "eu"}}',
    "2026-11-24T08:00:00Z DEBUG using credential {s} for upload",
    "docker run -e KEY={s} app:latest",
]


# Text that looks like a secret and is not: must produce no finding.
def negatives(r: random.Random) -> list[str]:
    sha = _r(r, HEX, 40)
    sha256 = _r(r, HEX, 64)
    uuid = "-".join(_r(r, HEX, n) for n in (8, 4, 4, 4, 12))
    return [
        f"git log {sha}",
        f"git checkout {sha[:12]}",
        f"docker pull nginx@sha256:{sha256}",
        f"request id {uuid}",
        f"sha256sum: {sha256}  file.tar.gz",
        f"md5 {_r(r, HEX, 32)}",
        f"integrity sha512-{_r(r, B62 + '+/', 86)}==",
        f"go.sum: h1:{_r(r, B62 + '+/', 43)}=",
        "curl -H 'Authorization: Bearer $TOKEN' https://api",
        'curl -H "Authorization: Bearer ${API_TOKEN}" https://api',
        "curl -H 'Authorization: Bearer <token>' https://api",
        "postgres://user:${PGPASSWORD}@localhost/db",
        "postgres://user:****@localhost/db",
        "https://user:<password>@example.com/",
        "mysql -u root -p",
        "password: ${{ secrets.DB_PASSWORD }}",
        "export GITHUB_TOKEN=$(gh auth token)",
        "API_KEY=YOUR_API_KEY",
        "api_key: xxxxxxxxxxxxxxxx",
        "token_file=/var/run/secrets/token",
        "password_length=32",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{_r(r, B62, 40)} user@host",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        f"pk_live_{_r(r, B62, 24)}",
        f"arn:aws:iam::{_r(r, '0123456789', 12)}:role/deploy",
        f"AROA{_r(r, string.ascii_uppercase + '234567', 16)}",
        "ls -la /tmp && echo hello world",
        "python3 -m pytest -q tests/test_tokenizer.py -k token",
        "the password is stored in the vault",
        f"commit {sha} Merge pull request #42 from feature/token-refresh",
        f"{_r(r, string.digits, 10)} AAAA records resolved",
        "Bearer authentication is required for this endpoint",
        "npm_config_cache=/home/user/.npm",
        "https://example.com:8443/path?x=1@y",
        f"key-value store: key-{_r(r, 'ghijklmnop', 10)}",
        # the hard-negative families of issue 25: low-entropy values, placeholders, masks,
        # documentation examples, names of secrets, armour with no key body
        "TOKEN=abcdefghijklmnopqrstu",
        "PASSWORD=0123456789012345",
        "export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        'API_KEY="glc_111111111111111111111111111111111111111111="',
        "OPENAI_API_KEY=sk-...",
        "export ANTHROPIC_API_KEY=sk-ant-...",
        "SLACK_BOT_TOKEN=xoxb-not-a-real-token-1234567890",
        "OPENAI_API_KEY=sk-...2182d4f",
        f"GITHUB_TOKEN=ghp_****{_r(r, B62, 4)}",
        "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODk"
        "wIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'",
        "gcloud secrets versions access latest --secret=api-key-name",
        "aws secretsmanager get-secret-value --secret-id prod/db/password",
        "kubectl get secret api-token -o yaml",
        "-----BEGIN RSA PRIVATE KEY-----\n<paste your private key here>\n-----END RSA PRIVATE KEY-----",
        "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231336539666234",
        "Bearer tokens are described in RFC 6750",
        'curl -H "Authorization: Api-Token $DT_API_TOKEN" https://x.test',
        'sudo -S apt-get update <<< "$SUDO_PASSWORD"',
        f"test_login.py::test_pass PASSED [{r.randint(1, 99)}%]",
        '"secret_description": "This is the secret token the service uses"',
        "DB_PASSWORD=password_here",
        "DB_PASSWORD=op://prod/postgres/password",
        "mytool --token arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "const apiKey = process.env.STRIPE_API_KEY",
        "password: {password}",
    ]


Case = tuple[str, frozenset[str], tuple[str, ...]]


def cases(seed: int = 1234, per_rule: int = 20) -> list[Case]:
    r = random.Random(seed)
    out: list[Case] = []
    for rule, gen in SECRETS.items():
        for _ in range(per_rule):
            s = gen(r)
            out.append((r.choice(PLACES).format(s=s), frozenset({rule}), (s,)))
    for rule, templates in CONTEXT.items():
        for _ in range(per_rule):
            s = _context_secret(rule, r)
            out.append((r.choice(templates).format(s=s), frozenset({rule}), (s,)))
    # base64-wrapped credentials
    for _ in range(per_rule):
        b = base64.b64encode(f"deploy:{_password(r)}".encode()).decode()
        out.append(
            (
                f"curl -H 'Authorization: Basic {b}' https://registry",
                frozenset({"authorization-basic"}),
                (b,),
            )
        )
        out.append(
            (
                f'{{"auths": {{"registry.test": {{"auth": "{b}"}}}}}}',
                frozenset({"docker-config-auth"}),
                (b,),
            )
        )
        pw = base64.b64encode(_password(r).encode()).decode()
        user = base64.b64encode(b"app").decode()
        manifest = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: {user}\n  password: {pw}\n"
        out.append((manifest, frozenset({"kubernetes-secret-data"}), (pw,)))
    n_pos = len(out)
    while len(out) < 2 * n_pos:
        for text in negatives(r):
            out.append((text, frozenset(), ()))
    return out


Counts = tuple["collections.Counter[str]", "collections.Counter[str]", "collections.Counter[str]"]


def score(corpus: list[Case], scan: Callable[[str], list[Any]]) -> Counts:
    """(true positives, false negatives, false positives) per rule id: a planted secret is
    found when a finding's span is exactly it; any other finding is a false positive."""
    tp: collections.Counter[str] = collections.Counter()
    fn: collections.Counter[str] = collections.Counter()
    fp: collections.Counter[str] = collections.Counter()
    for text, rules, secrets in corpus:
        found = scan(text)
        spans = {text[f.start : f.end] for f in found}
        for rule in rules:
            (tp if all(s in spans for s in secrets) else fn)[rule] += 1
        for f in found:
            if text[f.start : f.end] not in secrets:
                fp[f.rule_id] += 1
    return tp, fn, fp


#: Cases from other scanners' published fixtures and real public files (see its "about").
EXTERNAL_CORPUS = Path(__file__).with_name("external_corpus.json")
#: Never used to tune the rules: built by benchmarks/holdout_corpus.py.
EXTERNAL_HOLDOUT = Path(__file__).with_name("external_holdout.json")
#: Secrets in agents' contexts, written from published format facts: built by
#: benchmarks/context_corpus.py.
CONTEXT_CORPUS = Path(__file__).with_name("context_corpus.json")


def external_cases(path: Path | None = None) -> list[dict[str, Any]]:
    """The independent corpus (or the held-out one, ``EXTERNAL_HOLDOUT``): dicts with text,
    secret (str, '' unmarked, None negative), format and source."""
    cases: list[dict[str, Any]] = json.loads((path or EXTERNAL_CORPUS).read_text())["cases"]
    return cases


def score_spans(
    corpus: list[dict[str, Any]], spans: Callable[[str], list[tuple[int, int]]]
) -> Counts:
    """(true positives, false negatives, false positives) per format for a scanner reporting
    spans. Scanners draw a secret's edges differently (the password or the whole URL, the
    token with or without its prefix), so a positive is found when a reported span overlaps
    its secret, or, when the source did not mark the secret, when any span is reported. A span
    overlapping no secret is a false positive; in an unmarked positive none is counted."""
    tp: collections.Counter[str] = collections.Counter()
    fn: collections.Counter[str] = collections.Counter()
    fp: collections.Counter[str] = collections.Counter()
    for case in corpus:
        text, secret, fmt = case["text"], case["secret"], case["format"]
        found = spans(text)
        if secret is None:
            fp[fmt] += len(found)
        elif secret == "":
            (tp if found else fn)[fmt] += 1
        else:
            a = text.index(secret)
            b = a + len(secret)
            (tp if any(s < b and e > a for s, e in found) else fn)[fmt] += 1
            fp[fmt] += sum(1 for s, e in found if e <= a or s >= b)
    return tp, fn, fp


def main() -> None:
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1234
    for text, rules, secrets in cases(seed):
        print(json.dumps({"text": text, "rules": sorted(rules), "secrets": list(secrets)}))


if __name__ == "__main__":
    main()
