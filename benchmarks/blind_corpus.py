"""A blind corpus of secrets and hard negatives in the places an agent meets them.

    python benchmarks/blind_corpus.py            # writes tests/blind_corpus.json
    python benchmarks/blind_corpus.py --score    # scores execgate's scanner on it

The cases were written from public facts only (vendors' token-format documentation, GitHub's
secret-scanning pattern list, gitleaks / TruffleHog / Kingfisher rule definitions), without
looking at execgate's rules or its other corpora, so the score measures how the rules
generalise. Every value is drawn from ``random.Random(SEED)`` in the alphabet, length, prefix
and checksum of its format: none of them is a live credential.

A positive case's ``secret`` is the exact substring of ``text`` that is the secret value; a
negative case has ``secret: null`` and a ``neg:<family>`` format.
"""

from __future__ import annotations

import argparse
import base64
import json
import string
import sys
import urllib.parse
import zlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from random import Random
from typing import Any

SEED = 20261204
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind_corpus.json"

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
UPPER_NUM = string.ascii_uppercase + string.digits
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

GL = "https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/"
TH = "https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors/"
KF = "https://github.com/mongodb/kingfisher/blob/main/data/rules/"
GH_DOCS = "https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns"


def rs(rng: Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def b62_checksum(body: str) -> str:
    """CRC32 of the random part, base62, left-padded to 6 (GitHub's and npm's token checksum)."""
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def gh_token(rng: Random, prefix: str) -> str:
    body = rs(rng, B62, 30)
    return prefix + body + b62_checksum(body)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng: Random) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {
        "sub": str(rng.randint(10**8, 10**9)),
        "iss": rng.choice(["https://auth.example-corp.io", "api", "https://login.acme.dev/"]),
        "iat": rng.randint(1_700_000_000, 1_790_000_000),
        "exp": rng.randint(1_790_000_000, 1_800_000_000),
        "scope": rng.choice(["read write", "admin", "repo:read"]),
    }
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = b64url(rng.randbytes(32))
    return f"{header}.{payload}.{sig}"


def pem_body(rng: Random, lines: int) -> list[str]:
    raw = base64.b64encode(rng.randbytes(48 * lines)).decode()
    return [raw[i : i + 64] for i in range(0, len(raw), 64)]


def private_key(rng: Random) -> str:
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    body = pem_body(rng, rng.randint(5, 12))
    if kind == "OPENSSH PRIVATE KEY":
        body[0] = "b3BlbnNzaC1rZXktdjEAAAAA" + body[0][24:]
    return f"-----BEGIN {kind}-----\n" + "\n".join(body) + f"\n-----END {kind}-----"


def discord_token(rng: Random) -> str:
    uid = str(rng.randint(10**17, 10**19 - 1))
    first = b64url(uid.encode())
    return f"{first}.{rs(rng, URLSAFE, 6)}.{rs(rng, URLSAFE, 38)}"


def password(rng: Random) -> str:
    words = ["Orchid", "tiger", "Velvet", "maple", "Quartz", "nimbus", "Falcon", "cobalt"]
    style = rng.randrange(3)
    if style == 0:
        return rs(rng, ALNUM + "!#%^*-_", rng.randint(14, 22))
    if style == 1:
        return (
            rng.choice(words) + rng.choice("!#%*") + str(rng.randint(100, 9999)) + rng.choice(words)
        )
    return rs(rng, ALNUM, rng.randint(16, 24))


# --- formats: id -> (generator, env var names, source) ---------------------------------------

Gen = Callable[[Random], str]

FORMATS: dict[str, tuple[Gen, list[str], str]] = {
    "github": (
        lambda r: gh_token(r, r.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])),
        ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"],
        "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/",
    ),
    "github-fine-grained": (
        lambda r: "github_pat_" + rs(r, ALNUM, 22) + "_" + rs(r, ALNUM, 59),
        ["GITHUB_TOKEN", "GH_PAT"],
        GL + "github.go",
    ),
    "gitlab": (
        lambda r: "glpat-" + rs(r, URLSAFE, 20),
        ["GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE", "GL_TOKEN"],
        "https://docs.gitlab.com/security/tokens/#token-prefixes",
    ),
    "slack": (
        lambda r: r.choice(
            [
                f"xoxb-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-{rs(r, ALNUM, 24)}",
                f"xoxp-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-{rs(r, HEX, 32)}",
            ]
        ),
        ["SLACK_BOT_TOKEN", "SLACK_TOKEN"],
        "https://api.slack.com/authentication/token-types",
    ),
    "slack-webhook": (
        lambda r: (
            "https://hooks.slack.com/services/T"
            + rs(r, UPPER_NUM, 10)
            + "/B"
            + rs(r, UPPER_NUM, 10)
            + "/"
            + rs(r, ALNUM, 24)
        ),
        ["SLACK_WEBHOOK_URL"],
        GL + "slack.go",
    ),
    "openai": (
        lambda r: r.choice(
            [
                "sk-proj-" + rs(r, URLSAFE, 74) + "T3BlbkFJ" + rs(r, URLSAFE, 74),
                "sk-" + rs(r, ALNUM, 20) + "T3BlbkFJ" + rs(r, ALNUM, 20),
                "sk-svcacct-" + rs(r, URLSAFE, 74) + "T3BlbkFJ" + rs(r, URLSAFE, 74),
            ]
        ),
        ["OPENAI_API_KEY"],
        GL + "openai.go",
    ),
    "anthropic": (
        lambda r: "sk-ant-api03-" + rs(r, URLSAFE, 93) + "AA",
        ["ANTHROPIC_API_KEY"],
        GL + "anthropic.go",
    ),
    "aws-access-key": (
        lambda r: r.choice(["AKIA", "ASIA"]) + rs(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
        ["AWS_ACCESS_KEY_ID"],
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids",
    ),
    "aws-secret": (
        lambda r: rs(r, B64, 40),
        ["AWS_SECRET_ACCESS_KEY"],
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    ),
    "azure-storage": (
        lambda r: base64.b64encode(r.randbytes(64)).decode(),
        ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY"],
        "https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string",
    ),
    "azure-client-secret": (
        lambda r: rs(r, ALNUM, 3) + r.choice("78") + "Q~" + rs(r, ALNUM + "_~.-", 34),
        ["AZURE_CLIENT_SECRET"],
        GL + "azure.go",
    ),
    "discord": (discord_token, ["DISCORD_TOKEN", "DISCORD_BOT_TOKEN"], GL + "discord.go"),
    "discord-webhook": (
        lambda r: (
            f"https://discord.com/api/webhooks/{r.randint(10**17, 10**19 - 1)}/{rs(r, URLSAFE, 68)}"
        ),
        ["DISCORD_WEBHOOK_URL"],
        TH + "discordwebhook",
    ),
    "telegram": (
        lambda r: f"{r.randint(10**8, 10**10 - 1)}:AA{rs(r, URLSAFE, 33)}",
        ["TELEGRAM_BOT_TOKEN", "TG_TOKEN"],
        "https://core.telegram.org/bots/api#authorizing-your-bot",
    ),
    "twilio": (lambda r: rs(r, HEX, 32), ["TWILIO_AUTH_TOKEN"], GL + "twilio.go"),
    "twilio-api-key": (lambda r: "SK" + rs(r, HEX, 32), ["TWILIO_API_KEY"], GL + "twilio.go"),
    "databricks": (
        lambda r: "dapi" + rs(r, HEX, 32) + r.choice(["", "-2", "-3"]),
        ["DATABRICKS_TOKEN"],
        GL + "databricks.go",
    ),
    "stripe": (
        lambda r: r.choice(["sk_live_", "rk_live_", "sk_test_"]) + rs(r, ALNUM, r.choice([24, 99])),
        ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"],
        "https://docs.stripe.com/keys",
    ),
    "stripe-webhook": (
        lambda r: "whsec_" + rs(r, ALNUM, 32),
        ["STRIPE_WEBHOOK_SECRET"],
        "https://docs.stripe.com/webhooks#verify-official-libraries",
    ),
    "sendgrid": (
        lambda r: "SG." + rs(r, URLSAFE, 22) + "." + rs(r, URLSAFE, 43),
        ["SENDGRID_API_KEY"],
        GL + "sendgrid.go",
    ),
    "npm": (
        lambda r: gh_token(r, "npm_"),
        ["NPM_TOKEN", "NODE_AUTH_TOKEN"],
        "https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/",
    ),
    "pypi": (
        lambda r: "pypi-AgEIcHlwaS5vcmc" + rs(r, URLSAFE, r.randint(140, 200)),
        ["PYPI_TOKEN", "TWINE_PASSWORD", "UV_PUBLISH_TOKEN"],
        GL + "pypi.go",
    ),
    "huggingface": (
        lambda r: "hf_" + rs(r, string.ascii_letters, 34),
        ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
        GL + "huggingface.go",
    ),
    "jwt": (jwt, ["ACCESS_TOKEN", "ID_TOKEN", "AUTH_JWT"], GL + "jwt.go"),
    "gcp-api-key": (
        lambda r: "AIza" + rs(r, URLSAFE, 35),
        ["GOOGLE_API_KEY", "GEMINI_API_KEY"],
        GL + "gcp.go",
    ),
    "google-oauth-secret": (
        lambda r: "GOCSPX-" + rs(r, URLSAFE, 28),
        ["GOOGLE_CLIENT_SECRET"],
        KF + "google.yml",
    ),
    "heroku": (
        lambda r: "HRKU-AA" + rs(r, URLSAFE, 58),
        ["HEROKU_API_KEY"],
        GL + "heroku.go",
    ),
    "digitalocean": (
        lambda r: r.choice(["dop_v1_", "doo_v1_", "dor_v1_"]) + rs(r, HEX, 64),
        ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"],
        GL + "digitalocean.go",
    ),
    "shopify": (
        lambda r: (
            r.choice(["shpat_", "shpss_", "shpca_", "shppa_"]) + rs(r, "0123456789abcdefABCDEF", 32)
        ),
        ["SHOPIFY_ACCESS_TOKEN"],
        GL + "shopify.go",
    ),
    "mailgun": (lambda r: "key-" + rs(r, HEX, 32), ["MAILGUN_API_KEY"], GL + "mailgun.go"),
    "mailchimp": (
        lambda r: rs(r, HEX, 32) + "-us" + str(r.randint(1, 21)),
        ["MAILCHIMP_API_KEY"],
        GL + "mailchimp.go",
    ),
    "square": (
        lambda r: r.choice(
            [
                "sq0atp-" + rs(r, URLSAFE, 22),
                "sq0csp-" + rs(r, URLSAFE, 43),
                "EAAA" + rs(r, URLSAFE, 60),
            ]
        ),
        ["SQUARE_ACCESS_TOKEN"],
        GL + "squareup.go",
    ),
    "atlassian": (
        lambda r: "ATATT3xFfGF0" + rs(r, URLSAFE, 171) + "=" + rs(r, "0123456789ABCDEF", 8),
        ["JIRA_API_TOKEN", "ATLASSIAN_API_TOKEN", "CONFLUENCE_TOKEN"],
        GL + "atlassian.go",
    ),
    "linear": (lambda r: "lin_api_" + rs(r, ALNUM, 40), ["LINEAR_API_KEY"], GL + "linear.go"),
    "notion": (
        lambda r: r.choice(
            ["secret_" + rs(r, ALNUM, 43), "ntn_" + rs(r, string.digits, 11) + rs(r, ALNUM, 35)]
        ),
        ["NOTION_TOKEN", "NOTION_API_KEY"],
        KF + "notion.yml",
    ),
    "vault": (
        lambda r: "hvs." + rs(r, URLSAFE, 91),
        ["VAULT_TOKEN"],
        "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes",
    ),
    "doppler": (lambda r: "dp.pt." + rs(r, ALNUM, 43), ["DOPPLER_TOKEN"], GL + "doppler.go"),
    "pulumi": (lambda r: "pul-" + rs(r, HEX, 40), ["PULUMI_ACCESS_TOKEN"], GL + "pulumi.go"),
    "terraform-cloud": (
        lambda r: rs(r, ALNUM, 14) + ".atlasv1." + rs(r, ALNUM, 67),
        ["TFE_TOKEN", "TF_TOKEN_app_terraform_io"],
        GL + "hashicorp.go",
    ),
    "sentry": (lambda r: "sntryu_" + rs(r, HEX, 64), ["SENTRY_AUTH_TOKEN"], GL + "sentry.go"),
    "grafana": (
        lambda r: "glsa_" + rs(r, ALNUM, 32) + "_" + rs(r, HEX, 8),
        ["GRAFANA_SERVICE_ACCOUNT_TOKEN", "GRAFANA_TOKEN"],
        GL + "grafana.go",
    ),
    "newrelic": (
        lambda r: "NRAK-" + rs(r, UPPER_NUM, 27),
        ["NEW_RELIC_API_KEY"],
        GL + "newrelic.go",
    ),
    "datadog": (lambda r: rs(r, HEX, 32), ["DD_API_KEY", "DATADOG_API_KEY"], GL + "datadog.go"),
    "postman": (
        lambda r: "PMAK-" + rs(r, HEX, 24) + "-" + rs(r, HEX, 34),
        ["POSTMAN_API_KEY"],
        GL + "postman.go",
    ),
    "age": (
        lambda r: "AGE-SECRET-KEY-1" + rs(r, BECH32.upper(), 58),
        ["SOPS_AGE_KEY"],
        "https://github.com/C2SP/C2SP/blob/main/age.md",
    ),
    "dockerhub": (
        lambda r: "dckr_pat_" + rs(r, URLSAFE, 27),
        ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"],
        KF + "docker.yml",
    ),
    "groq": (lambda r: "gsk_" + rs(r, ALNUM, 52), ["GROQ_API_KEY"], KF + "groq.yml"),
    "replicate": (
        lambda r: "r8_" + rs(r, ALNUM, 37),
        ["REPLICATE_API_TOKEN"],
        KF + "replicate.yml",
    ),
    "slack-app": (
        lambda r: f"xapp-1-A{rs(r, UPPER_NUM, 10)}-{r.randint(10**12, 10**13)}-{rs(r, HEX, 64)}",
        ["SLACK_APP_TOKEN"],
        GL + "slack.go",
    ),
    "supabase": (lambda r: "sbp_" + rs(r, HEX, 40), ["SUPABASE_ACCESS_TOKEN"], KF + "supabase.yml"),
    "planetscale": (
        lambda r: r.choice(["pscale_tkn_", "pscale_pw_"]) + rs(r, URLSAFE, 43),
        ["PLANETSCALE_SERVICE_TOKEN", "DATABASE_PASSWORD"],
        GL + "planetscale.go",
    ),
    "tailscale": (
        lambda r: f"tskey-auth-k{rs(r, ALNUM, 11)}CNTRL-{rs(r, ALNUM, 33)}",
        ["TS_AUTHKEY", "TAILSCALE_AUTHKEY"],
        "https://tailscale.com/kb/1085/auth-keys",
    ),
    "flyio": (lambda r: "fo1_" + rs(r, URLSAFE, 43), ["FLY_API_TOKEN"], GL + "flyio.go"),
    "buildkite": (
        lambda r: "bkua_" + rs(r, HEX, 40),
        ["BUILDKITE_API_TOKEN"],
        KF + "buildkite.yml",
    ),
    "netlify": (lambda r: "nfp_" + rs(r, ALNUM, 36), ["NETLIFY_AUTH_TOKEN"], KF + "netlify.yml"),
    "perplexity": (
        lambda r: "pplx-" + rs(r, ALNUM, 48),
        ["PERPLEXITY_API_KEY"],
        GL + "perplexity.go",
    ),
    "xai": (lambda r: "xai-" + rs(r, ALNUM, 80), ["XAI_API_KEY"], KF + "xai.yml"),
    "generic-api-key": (
        lambda r: r.choice([rs(r, HEX, 32), rs(r, ALNUM, 40), rs(r, URLSAFE, 48)]),
        ["API_KEY", "MYAPP_API_KEY", "SERVICE_SECRET", "CLIENT_SECRET", "WEATHER_API_KEY"],
        GL + "generic.go",
    ),
    "generic-password": (
        password,
        ["DB_PASSWORD", "PASSWORD", "MYSQL_ROOT_PASSWORD", "ADMIN_PASS"],
        GL + "generic.go",
    ),
    "bearer": (
        lambda r: rs(r, URLSAFE + ".~", r.randint(32, 64)),
        ["AUTH_TOKEN"],
        "https://datatracker.ietf.org/doc/html/rfc6750#section-2.1",
    ),
}

# A webhook URL's secret is its last path segment: scheme, host and ids are not secret.
WEBHOOKS = {"slack-webhook", "discord-webhook"}

# Formats whose value is only a secret because of the name beside it: glued forms are skipped.
KEYWORD_ONLY = {
    "aws-secret",
    "azure-storage",
    "twilio",
    "datadog",
    "generic-api-key",
    "generic-password",
    "bearer",
}


def plain_env_dump(rng: Random, name: str, value: str) -> str:
    others = [
        "HOME=/home/runner",
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "LANG=C.UTF-8",
        "SHELL=/bin/bash",
        f"HOSTNAME=build-{rs(rng, HEX, 12)}",
        "TERM=xterm-256color",
        "PWD=/workspace/app",
        "CI=true",
    ]
    rng.shuffle(others)
    lines = [*others[:4], f"{name}={value}", *others[4:]]
    return "\n".join(lines)


def contexts(rng: Random, fmt: str, tok: str, names: list[str]) -> list[tuple[str, str]]:
    """(text, secret) pairs: the same value in the shapes an agent sees."""
    name = rng.choice(names)
    host = rng.choice(["api.example.com", "internal.acme.dev", "svc.corp.local"])
    out: list[tuple[str, str]] = [
        (f"export {name}={tok}", tok),
        (f"export {name}='{tok}'", tok),
        (plain_env_dump(rng, name, tok), tok),
        (f"{name}={tok}\nLOG_LEVEL=info\nPORT=8080\n", tok),
        (
            json.dumps(
                [
                    {
                        "Id": rs(rng, HEX, 64),
                        "Config": {
                            "Env": ["PATH=/usr/bin", f"{name}={tok}", "NODE_ENV=production"]
                        },
                    }
                ],
                indent=2,
            ),
            tok,
        ),
        (f'curl -sS -H "Authorization: Bearer {tok}" https://{host}/v1/items', tok),
        (f"mytool deploy --api-key {tok} --region eu-west-1", tok),
        (f"2026-12-04T10:21:07Z DEBUG loaded config token={tok} retries=3", tok),
        (json.dumps({"status": "ok", "credentials": {"token": tok, "expires_in": 3600}}), tok),
        (f"{name}={tok} python manage.py migrate", tok),
    ]
    b64 = base64.b64encode(tok.encode()).decode()
    out.append(
        (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secrets\ntype: Opaque\ndata:\n"
            f"  {name.lower().replace('_', '-')}: {b64}\n",
            b64,
        )
    )
    enc = urllib.parse.quote(tok, safe="")
    if enc != tok:
        out.append((f"GET /callback?state=xyz&token={enc} HTTP/1.1", enc))
    esc = json.dumps(tok)[1:-1]
    if esc != tok:
        out.append((f'{{"env": {{"{name}": "{esc}"}}}}', esc))
    if fmt not in KEYWORD_ONLY:
        out.append((f"cache key: build_{tok}", tok))
        out.append((f"id=x{tok}", tok))
        out.append(
            (
                f'Traceback (most recent call last):\n  File "app.py", line 12\nValueError: bad credential {tok!r}',
                tok,
            )
        )
        out.append((f"echo {tok} | gh auth login --with-token", tok))
    return out


def special(rng: Random) -> list[dict[str, Any]]:
    """Shapes that belong to one format: provider URLs, connection strings, CLI flags."""
    cases: list[dict[str, Any]] = []

    def add(text: str, secret: str, fmt: str, source: str) -> None:
        assert secret in text, (text, secret)
        cases.append({"text": text, "secret": secret, "format": fmt, "source": source})

    tg_src = FORMATS["telegram"][2]
    for _ in range(6):
        tok = FORMATS["telegram"][0](rng)
        add(
            f"curl -s https://api.telegram.org/bot{tok}/sendMessage -d chat_id={rng.randint(10**8, 10**9)} -d text=done",
            tok,
            "telegram",
            tg_src,
        )
    for _ in range(5):
        tok = discord_token(rng)
        add(
            f'curl -H "Authorization: Bot {tok}" https://discord.com/api/v10/users/@me',
            tok,
            "discord",
            "https://discord.com/developers/docs/reference#authentication",
        )
    for _ in range(6):
        sid = "AC" + rs(rng, HEX, 32)
        tok = rs(rng, HEX, 32)
        add(
            f"curl -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json "
            f"--data-urlencode 'Body=hi' -u {sid}:{tok}",
            tok,
            "twilio",
            "https://www.twilio.com/docs/usage/requests-to-twilio",
        )
    az = FORMATS["azure-storage"][2]
    for _ in range(8):
        key = FORMATS["azure-storage"][0](rng)
        acct = rng.choice(["prodlogs", "mediastore01", "backupsacct"])
        cs = f"DefaultEndpointsProtocol=https;AccountName={acct};AccountKey={key};EndpointSuffix=core.windows.net"
        shape = rng.randrange(3)
        if shape == 0:
            add(
                f'az storage blob list --connection-string "{cs}" -c uploads',
                key,
                "azure-storage",
                az,
            )
        elif shape == 1:
            add(f"AZURE_STORAGE_CONNECTION_STRING={cs}", key, "azure-storage", az)
        else:
            add(
                f"az storage container create -n logs --account-name {acct} --account-key {key}",
                key,
                "azure-storage",
                az,
            )
    # database URLs
    db_src = "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS"
    for i in range(16):
        pw = password(rng)
        scheme, port = rng.choice(
            [
                ("postgres", 5432),
                ("postgresql", 5432),
                ("mysql", 3306),
                ("mongodb+srv", 0),
                ("redis", 6379),
                ("amqp", 5672),
            ]
        )
        user = rng.choice(["app", "admin", "svc_reader", "root"])
        if i % 4 == 3:
            pw = pw[:6] + "@/" + pw[6:] + "#"
        enc = urllib.parse.quote(pw, safe="")
        hostport = (
            "cluster0.ab1cd.mongodb.net" if port == 0 else f"db-{rng.randint(1, 9)}.internal:{port}"
        )
        if scheme == "redis" and i % 2 == 0:
            url = f"redis://:{enc}@{hostport}/0"
        else:
            url = f"{scheme}://{user}:{enc}@{hostport}/appdb"
        shape = i % 4
        if shape == 0:
            text = f"DATABASE_URL={url}"
        elif shape == 1:
            text = (
                f"psql '{url}' -c 'select 1'"
                if scheme.startswith("postgres")
                else f"export DB_URL='{url}'"
            )
        elif shape == 2:
            text = f"sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: {url}"
        else:
            text = json.dumps({"datasource": {"url": url, "pool": 10}})
        add(text, enc, "database-url", db_src)
    # basic auth
    ba_src = "https://datatracker.ietf.org/doc/html/rfc7617"
    for i in range(14):
        user = rng.choice(["deploy", "admin", "ci-bot", "jenkins"])
        pw = password(rng)
        shape = i % 7
        if shape == 0:
            add(
                f"curl -u {user}:'{pw}' https://{rng.choice(['nexus', 'registry', 'jenkins'])}.corp.io/api/json",
                pw,
                "basic-auth",
                ba_src,
            )
        elif shape == 1:
            cred = base64.b64encode(f"{user}:{pw}".encode()).decode()
            add(
                f'curl -H "Authorization: Basic {cred}" https://artifacts.corp.io/repo/',
                cred,
                "basic-auth",
                ba_src,
            )
        elif shape == 2:
            enc = urllib.parse.quote(pw, safe="")
            add(
                f"git clone https://{user}:{enc}@git.corp.io/team/service.git",
                enc,
                "basic-auth",
                ba_src,
            )
        elif shape == 3:
            cred = base64.b64encode(f"{user}:{pw}".encode()).decode()
            add(
                f"> GET /v2/ HTTP/1.1\n> Host: registry.corp.io\n> Authorization: Basic {cred}\n> User-Agent: curl/8.5.0",
                cred,
                "basic-auth",
                ba_src,
            )
        elif shape == 4:
            add(
                f"wget --user={user} --password='{pw}' https://files.corp.io/dump.tar.gz",
                pw,
                "basic-auth",
                ba_src,
            )
        elif shape == 5:
            enc = urllib.parse.quote(pw, safe="")
            add(
                f"pip install --index-url https://{user}:{enc}@pypi.corp.io/simple/ internal-lib",
                enc,
                "basic-auth",
                ba_src,
            )
        else:
            cred = base64.b64encode(f"{user}:{pw}".encode()).decode()
            add(
                json.dumps({"auths": {"registry.corp.io": {"auth": cred}}}),
                cred,
                "basic-auth",
                "https://docs.docker.com/reference/cli/docker/login/",
            )
    # git remote URLs with tokens
    for _ in range(6):
        tok = gh_token(rng, "ghp_")
        shape = rng.randrange(3)
        if shape == 0:
            text = f"git remote set-url origin https://{tok}@github.com/acme/api.git"
        elif shape == 1:
            text = f"git clone https://x-access-token:{tok}@github.com/acme/infra.git"
        else:
            text = f"origin\thttps://oauth2:{tok}@github.com/acme/web.git (fetch)"
        add(text, tok, "github", FORMATS["github"][2])
    for _ in range(3):
        tok = FORMATS["gitlab"][0](rng)
        add(
            f"git clone https://oauth2:{tok}@gitlab.com/acme/ops.git",
            tok,
            "gitlab",
            FORMATS["gitlab"][2],
        )
    # generic passwords in command lines
    gp = "https://dev.mysql.com/doc/refman/8.0/en/connection-options.html#option_general_password"
    for i in range(21):
        pw = password(rng)
        shape = i % 7
        if shape == 0:
            add(f"mysql -u root -p'{pw}' -h 127.0.0.1 appdb", pw, "generic-password", gp)
        elif shape == 1:
            add(
                f"echo '{pw}' | sudo -S systemctl restart nginx",
                pw,
                "generic-password",
                "https://man7.org/linux/man-pages/man8/sudo.8.html",
            )
        elif shape == 2:
            add(
                f"sshpass -p '{pw}' ssh admin@10.0.3.17 uptime",
                pw,
                "generic-password",
                "https://linux.die.net/man/1/sshpass",
            )
        elif shape == 3:
            add(
                f"docker login -u ci-bot -p {pw} registry.corp.io",
                pw,
                "generic-password",
                "https://docs.docker.com/reference/cli/docker/login/",
            )
        elif shape == 4:
            add(
                f"fly secrets set DB_PASSWORD={pw} -a api-prod",
                pw,
                "generic-password",
                "https://fly.io/docs/flyctl/secrets-set/",
            )
        elif shape == 5:
            add(
                f"PGPASSWORD='{pw}' pg_dump -h db.internal -U app appdb > dump.sql",
                pw,
                "generic-password",
                "https://www.postgresql.org/docs/current/libpq-envars.html",
            )
        else:
            add(
                f"spring.datasource.password={pw}\nspring.datasource.username=app",
                pw,
                "generic-password",
                "https://docs.spring.io/spring-boot/appendix/application-properties/index.html",
            )
    for i in range(6):
        ak = FORMATS["aws-secret"][0](rng)
        shape = i % 3
        if shape == 0:
            text = f"aws configure set aws_secret_access_key '{ak}'"
        elif shape == 1:
            akid = FORMATS["aws-access-key"][0](rng)
            text = f"[default]\naws_access_key_id = {akid}\naws_secret_access_key = {ak}\nregion = us-east-1"
        else:
            text = json.dumps(
                {
                    "Credentials": {
                        "AccessKeyId": "ASIA" + rs(rng, UPPER_NUM, 16),
                        "SecretAccessKey": ak,
                        "SessionToken": "IQoJb3JpZ2luX2VjE" + rs(rng, B64, 200),
                    }
                }
            )
        add(text, ak, "aws-secret", FORMATS["aws-secret"][2])
    # GCP service account JSON
    for _ in range(6):
        key = (
            "-----BEGIN PRIVATE KEY-----\n"
            + "\n".join(pem_body(rng, 8))
            + "\n-----END PRIVATE KEY-----\n"
        )
        esc = json.dumps(key)[1:-1]
        doc = (
            '{\n  "type": "service_account",\n  "project_id": "acme-prod-123",\n'
            f'  "private_key_id": "{rs(rng, HEX, 40)}",\n  "private_key": "{esc}",\n'
            '  "client_email": "deployer@acme-prod-123.iam.gserviceaccount.com"\n}'
        )
        add(
            doc,
            # The key ends at its END line: the escaped newline after it is JSON, not key.
            esc.removesuffix("\\n"),
            "gcp-service-account",
            "https://cloud.google.com/iam/docs/keys-create-delete#creating",
        )
    for _ in range(8):
        key = private_key(rng)
        shape = rng.randrange(3)
        if shape == 0:
            text = f"$ cat ~/.ssh/deploy_key\n{key}\n"
        elif shape == 1:
            text = "tls.key: |\n" + "\n".join("  " + ln for ln in key.splitlines())
            key = "\n".join("  " + ln for ln in key.splitlines()).lstrip()
        else:
            text = f'SSH_PRIVATE_KEY="{key}"'
        add(text, key, "private-key", GL + "privatekey.go")
    # webhook URLs in commands
    for fmt in ("slack-webhook", "discord-webhook"):
        for _ in range(3):
            url = FORMATS[fmt][0](rng)
            add(
                f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy ok\"}}' {url}",
                url.rsplit("/", 1)[1],
                fmt,
                FORMATS[fmt][2],
            )
    # heroku legacy: UUID beside its name
    for _ in range(3):
        u = "-".join(rs(rng, HEX, n) for n in (8, 4, 4, 4, 12))
        add(f"HEROKU_API_KEY={u} heroku apps:info -a web-prod", u, "heroku", GL + "heroku.go")
    return cases


# --- negatives ----------------------------------------------------------------------------


def negatives(rng: Random) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []

    def neg(family: str, text: str) -> None:
        cases.append(
            {"text": text, "secret": None, "format": "neg:" + family, "source": "hand-written"}
        )

    def sha(n: int) -> str:
        return rs(rng, HEX, n)

    def uuid() -> str:
        return "-".join(rs(rng, HEX, n) for n in (8, 4, 4, 4, 12))

    for t in [
        "TOKEN=abcdefghijklmnopqrstu",
        "PASSWORD=0123456789012345",
        "API_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "export SECRET=1234567890abcdef1234567890abcdef",
        "DB_PASSWORD=password123",
        "export GITHUB_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "API_SECRET=ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "client_secret: 00000000000000000000000000000000",
        "export AWS_SECRET_ACCESS_KEY=0000000000000000000000000000000000000000",
        "SESSION_KEY=qwertyuiopasdfghjklzxcvbnm",
        "token=1111111111111111111111",
        "PASSWORD=abc123abc123abc123",
        "mysql -u root -ppassword",
        "curl -u admin:admin http://localhost:8080/api",
        "API_TOKEN=testtesttesttesttesttest",
        "SECRET_KEY_BASE=abcdefabcdefabcdefabcdefabcdef",
        'password: "12345678"',
        "export SLACK_TOKEN=xoxb-0000000000-0000000000-000000000000000000000000",
        "STRIPE_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx",
        "redis://:password@localhost:6379/0",
    ]:
        neg("low-entropy", t)
    for t in [
        "export OPENAI_API_KEY=sk-...",
        "SLACK_BOT_TOKEN=xoxb-not-a-real-token",
        'curl -H "Authorization: Bearer <your-token>" https://api.example.com/v1/me',
        "export GITHUB_TOKEN=${GITHUB_TOKEN}",
        'curl -H "Authorization: Bearer $API_KEY" https://api.openai.com/v1/models',
        "DB_PASSWORD=changeme",
        "password: ********",
        "ANTHROPIC_API_KEY=your-api-key-here",
        "export STRIPE_SECRET_KEY=sk_live_YOUR_SECRET_KEY",
        "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "mytool login --token <TOKEN>",
        "aws configure set aws_secret_access_key YOUR_SECRET_ACCESS_KEY",
        "DATABASE_URL=postgres://user:password@localhost:5432/mydb",
        "docker login -u $DOCKER_USER -p $DOCKER_PASSWORD",
        "git clone https://${GH_TOKEN}@github.com/acme/repo.git",
        "env:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
        "API_KEY={{ api_key }}",
        "export TWILIO_AUTH_TOKEN=[your_auth_token]",
        "SENDGRID_API_KEY=SG.your-key-here",
        "psql postgresql://app:<password>@db:5432/app",
        "TELEGRAM_BOT_TOKEN=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
        "OPENAI_API_KEY=sk-proj-REPLACE_ME",
        "export VAULT_TOKEN=$(vault print token)",
        'echo "$PASSWORD" | sudo -S apt-get update',
        "mysql -u root -p\"$MYSQL_ROOT_PASSWORD\" -e 'show databases'",
    ]:
        neg("placeholder", t)
    for t in [
        "Using key sk-...2182d4f from environment",
        "token: ghp_****abcd",
        "GITHUB_TOKEN=ghp_************************************",
        "OPENAI_API_KEY=sk-proj-****************************2a9F",
        "password=[REDACTED]",
        "Authorization: Bearer ***",
        "AWS_SECRET_ACCESS_KEY=****************",
        "stripe: using sk_live_...4242",
        "api key: xxxx-xxxx-xxxx-3f9a",
        "Logged in with token gho_...Zk2q (expires in 8h)",
        "DATABASE_URL=postgres://app:****@db.internal:5432/app",
        "HF_TOKEN=hf_***",
        "secret: <redacted>",
        "Token: •••••••••••••••• (last 4: 9f3c)",
        "ANTHROPIC_API_KEY=sk-ant-***...***QwAA",
        "curl -u admin:**** https://nexus.corp.io",
        "DD_API_KEY=********************************",
        "key ending in ...7c1e was rotated",
    ]:
        neg("masked", t)
    for t in [
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "UseDevelopmentStorage=true;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "aws sts get-caller-identity  # with AKIAI44QH8DHBEXAMPLE / je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "export AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE",
        "curl https://api.example.com/?api_key=EXAMPLE_KEY_1234",
        "user:password@example.com",
        "https://user:pass@example.com/path",
        "ssh-keygen docs: SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
    ]:
        neg("doc-example", t)
    for _ in range(16):
        shape = rng.randrange(4)
        if shape == 0:
            neg("public-key", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(rng, B64, 43)} deploy@ci")
        elif shape == 1:
            neg(
                "public-key",
                f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{rs(rng, B64, 300)} user@laptop",
            )
        elif shape == 2:
            neg(
                "public-key",
                "-----BEGIN PUBLIC KEY-----\n"
                + "\n".join(pem_body(rng, 4))
                + "\n-----END PUBLIC KEY-----",
            )
        else:
            neg(
                "public-key",
                "-----BEGIN CERTIFICATE-----\n"
                + "\n".join(pem_body(rng, 10))
                + "\n-----END CERTIFICATE-----",
            )
    for t in [
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\n<your key here>\n-----END RSA PRIVATE KEY-----",
        'PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\n<key>\\n-----END PRIVATE KEY-----\\n"',
        "grep -l 'BEGIN OPENSSH PRIVATE KEY' ~/.ssh/*",
        "if line.startswith('-----BEGIN RSA PRIVATE KEY-----'):",
        "openssl genrsa -out key.pem 2048 && head -1 key.pem\n-----BEGIN PRIVATE KEY-----",
        "-----BEGIN EC PRIVATE KEY-----\nREDACTED\n-----END EC PRIVATE KEY-----",
        "private_key: |\n  -----BEGIN PRIVATE KEY-----\n  {{ vault_private_key }}\n  -----END PRIVATE KEY-----",
        'PEM_HEADER = b"-----BEGIN PRIVATE KEY-----"',
        "-----BEGIN OPENSSH PRIVATE KEY-----\nXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n[omitted]\n-----END ENCRYPTED PRIVATE KEY-----",
        "error: key file must start with '-----BEGIN PRIVATE KEY-----'",
    ]:
        neg("pem-placeholder", t)
    for _ in range(14):
        lines = [sha(80) for _ in range(rng.randint(2, 5))] + [sha(rng.choice([20, 40, 64]))]
        body = "\n".join("          " + ln for ln in lines)
        name = rng.choice(["db_password", "api_key", "smtp_pass", "vault_token"])
        neg("ansible-vault", f"{name}: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n{body}")
    for t in [
        "gcloud secrets versions access latest --secret=api-key-name",
        "kubectl get secret db-password -o yaml",
        "aws secretsmanager get-secret-value --secret-id prod/db/password",
        "vault kv get -field=token secret/stripe",
        "gh secret set NPM_TOKEN < token.txt",
        "op read op://Engineering/Stripe/credential",
        "kubectl create secret generic api-token --from-file=token=./token.txt",
        "aws ssm get-parameter --name /prod/api/secret_key --with-decryption",
        "az keyvault secret show --vault-name kv-prod --name github-pat",
        "doppler secrets get STRIPE_SECRET_KEY --plain",
        "gh secret list\nNPM_TOKEN        Updated 2026-11-02\nSLACK_WEBHOOK_URL Updated 2026-10-14",
        "kubectl describe secret openai-api-key\nData\n====\ntoken:  164 bytes",
        "fly secrets list\nNAME             DIGEST           CREATED AT\nDATABASE_URL     a1b2c3d4e5f60718 2m ago",
        "heroku config:unset STRIPE_API_KEY -a web-prod",
        "gcloud secrets create anthropic-api-key --replication-policy=automatic",
        "sops --decrypt secrets.enc.yaml | yq .db_password",
        "docker secret create pg_password ./pg_password.txt",
        "export PASSWORD_FILE=/run/secrets/db_password",
    ]:
        neg("secret-name", t)
    for _ in range(22):
        shape = rng.randrange(6)
        if shape == 0:
            neg("hash-digest", f"commit {sha(40)}\nAuthor: Dev <dev@acme.io>\n\n    fix flaky test")
        elif shape == 1:
            neg("hash-digest", f"{sha(64)}  dist/app-1.4.2.tar.gz")
        elif shape == 2:
            neg(
                "hash-digest",
                f'"integrity": "sha512-{base64.b64encode(rng.randbytes(64)).decode()}"',
            )
        elif shape == 3:
            neg("hash-digest", f"docker pull ghcr.io/acme/api@sha256:{sha(64)}")
        elif shape == 4:
            neg("hash-digest", f"git cherry-pick {sha(40)} {sha(12)}")
        else:
            neg("hash-digest", f"md5sum backup.sql\n{sha(32)}  backup.sql")
    for _ in range(18):
        u = uuid()
        neg(
            "uuid",
            rng.choice(
                [
                    f"x-request-id: {u}",
                    f'{{"id": "{u}", "status": "queued"}}',
                    f"az account set --subscription {u}",
                    f"TENANT_ID={u}",
                    f"Created job {u} in 0.4s",
                    f"docker run --name job-{u} alpine true",
                ]
            ),
        )
    for _ in range(16):
        data = rng.choice(
            [
                b'{"name": "release", "version": "2.3.1", "draft": false}',
                b"hello world, this is a readme line that happens to be base64",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
                b"#!/bin/sh\necho starting service\nexec /usr/local/bin/app\n",
                b"The quick brown fox jumps over the lazy dog" * 2,
            ]
        )
        b = base64.b64encode(data).decode()
        neg(
            "base64-data",
            rng.choice(
                [
                    f"echo {b} | base64 -d",
                    f"data:\n  config.json: {b}",
                    f'{{"content": "{b}", "encoding": "base64"}}',
                    f'<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk{rs(rng, B64, 20)}AAAAASUVORK5CYII=">',
                ]
            ),
        )
    for _ in range(16):
        shape = rng.randrange(5)
        if shape == 0:
            neg(
                "lockfile-hex",
                f'[[package]]\nname = "serde"\nversion = "1.0.210"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{sha(64)}"',
            )
        elif shape == 1:
            neg(
                "lockfile-hex",
                f"requests==2.32.3 \\\n    --hash=sha256:{sha(64)} \\\n    --hash=sha256:{sha(64)}",
            )
        elif shape == 2:
            neg(
                "lockfile-hex",
                f"github.com/stretchr/testify v1.9.0 h1:{base64.b64encode(rng.randbytes(32)).decode()}",
            )
        elif shape == 3:
            neg(
                "lockfile-hex",
                f'"node_modules/lodash": {{\n  "version": "4.17.21",\n  "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",\n  "integrity": "sha512-{base64.b64encode(rng.randbytes(64)).decode()}"\n}}',
            )
        else:
            neg(
                "lockfile-hex",
                f'[[package]]\nname = "idna"\nfiles = [\n    {{file = "idna-3.7-py3-none-any.whl", hash = "sha256:{sha(64)}"}},\n]',
            )
    for t in [
        "cat ~/.ssh/id_rsa.pub",
        "ls -l /var/run/secrets/kubernetes.io/serviceaccount/token",
        "chmod 600 ~/.aws/credentials",
        "cp config/secrets.example.yml config/secrets.yml",
        "vim /etc/ssl/private/server.key",
        "open('/home/dev/.config/gh/hosts.yml')",
        "ls ~/.docker/config.json ~/.npmrc ~/.pypirc",
        "--password-file /run/secrets/postgres_password",
        "src/auth/token_refresh_handler.py:42: in refresh",
        "/usr/lib/python3/dist-packages/keyring/backends/SecretService.py",
        "terraform plan -var-file=secrets/prod.tfvars",
        "ls node_modules/.cache/babel-loader/3f2a91c8e4b7d6a5c0f1e2d3b4a59687.json",
        "GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/google/key.json",
        "KUBECONFIG=/home/runner/.kube/config-prod-cluster",
        "ssh -i ~/.ssh/deploy_ed25519 git@github.com",
        "docker build --secret id=npmrc,src=$HOME/.npmrc .",
    ]:
        neg("file-path", t)
    for t in [
        "git clone https://github.com/acme/api-service.git",
        "DATABASE_URL=postgres://db.internal:5432/app",
        "git clone git@github.com:acme/infra.git",
        "curl https://user@host.example.com/resource",
        "pip install --index-url https://pypi.org/simple/ requests",
        "psql postgresql://app@db.internal:5432/app",
        "https://storage.googleapis.com/acme-artifacts/releases/v2.3.1/app-linux-amd64.tar.gz",
        "https://s3.eu-west-1.amazonaws.com/acme-logs/2026/12/04/part-00017-8c2e1f.parquet",
        "redis://cache.internal:6379/2",
        "See https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens",
        "https://hooks.slack.com/",
        "https://api.telegram.org/bot/getMe",
        "mongodb+srv://cluster0.ab1cd.mongodb.net/?retryWrites=true&w=majority",
        "amqp://rabbitmq:5672/%2F",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
        "https://drive.google.com/file/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/view",
    ]:
        neg("url-no-creds", t)
    for t in [
        "def get_api_key_from_environment(self) -> str:",
        "PASSWORD_RESET_TOKEN_EXPIRY_SECONDS = 3600",
        'password = os.environ["DB_PASSWORD"]',
        "api_key=settings.OPENAI_API_KEY,",
        "const tokenSecretKeyName = 'GITHUB_TOKEN';",
        "class AwsSecretAccessKeyProvider(CredentialProvider):",
        "if not self.access_token_is_valid(token):",
        "func (c *Client) SetBearerToken(tok string) {",
        "ValidateAzureStorageAccountKeyFormat(accountKey)",
        "secret_key_base = Rails.application.credentials.secret_key_base",
        "client = OpenAI(api_key=os.getenv('OPENAI_API_KEY'))",
        "export function useStripePublishableKeyFromConfig() {",
        'private final String githubPersonalAccessTokenHeaderName = "X-GitHub-Token";',
        "getTwilioAuthTokenForAccountSidOrThrow(sid)",
        "self.sendgrid_api_key_secret_manager_path = path",
        "password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt())",
    ]:
        neg("code-identifier", t)
    for _ in range(14):
        shape = rng.randrange(3)
        if shape == 0:
            neg(
                "css-minified-js",
                f".css-{rs(rng, string.ascii_lowercase + string.digits, 6)}{{display:flex;color:#{sha(6)}}} .sc-{rs(rng, ALNUM, 6)}-{rng.randint(0, 9)} {{margin:0 auto}}",
            )
        elif shape == 1:
            neg(
                "css-minified-js",
                f'!function(e,t){{"object"==typeof exports?module.exports=t():e.{rs(rng, string.ascii_letters, 4)}=t()}}(this,function(){{var n="{rs(rng, string.ascii_lowercase, 8)}";return function(r){{return r.map(function(o){{return o[n]}})}}}});',
            )
        else:
            neg(
                "css-minified-js",
                '{"version":3,"sources":["app.ts"],"mappings":"'
                + ";".join(
                    rs(rng, "ABCDEFGIKMOQSUWYacegikmoqsuwy", 8)
                    + ","
                    + rs(rng, "ACEGIKMOQSUWYaceg", 8)
                    for _ in range(6)
                )
                + '"}',
            )
    for t in [
        "tests/unit/test_scan.py::test_github_token_ghp_prefix_detected PASSED",
        "test_rejects_invalid_stripe_sk_live_key ... ok",
        "fixtures/aws_credentials_example.json",
        "it('redacts xoxb tokens in logs', () => {",
        "PASSED tests/test_secrets.py::TestPasswordMasking::test_mask_database_url_password",
        "tests/fixtures/private_key_rsa_2048.pem.example",
        "FAILED tests/auth/test_jwt.py::test_expired_jwt_is_rejected - AssertionError",
        "describe('parseBearerTokenHeader', () => {",
        "spec/fixtures/vcr_cassettes/stripe_api_key_rotation.yml",
        "test_openai_api_key_env_var_is_read (tests.test_config.ConfigTest) ... ok",
        "collected 14 items / tests/test_anthropic_key_loading.py",
        "testdata/gitleaks/generic_api_key_false_positive.txt",
    ]:
        neg("test-fixture", t)
    for _ in range(16):
        shape = rng.randrange(6)
        if shape == 0:
            neg("cloud-resource-id", f"aws ec2 describe-instances --instance-ids i-{sha(17)}")
        elif shape == 1:
            neg(
                "cloud-resource-id",
                f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:role/deploy-{rs(rng, string.ascii_lowercase, 6)}",
            )
        elif shape == 2:
            neg(
                "cloud-resource-id",
                f"/subscriptions/{uuid()}/resourceGroups/rg-prod/providers/Microsoft.Storage/storageAccounts/acmelogs",
            )
        elif shape == 3:
            neg(
                "cloud-resource-id",
                f"web-{sha(10)}-{rs(rng, string.ascii_lowercase + string.digits, 5)}   1/1   Running   0   3d",
            )
        elif shape == 4:
            neg("cloud-resource-id", f"vpc-{sha(17)} subnet-{sha(17)} sg-{sha(17)}")
        else:
            neg("cloud-resource-id", f"projects/acme-prod/locations/us-central1/builds/{uuid()}")
    for _ in range(14):
        shape = rng.randrange(5)
        if shape == 0:
            neg(
                "build-output",
                f"Step 4/9 : RUN npm ci\n ---> Running in {sha(12)}\n ---> {sha(12)}\nSuccessfully built {sha(12)}",
            )
        elif shape == 1:
            neg(
                "build-output",
                f"{sha(12)}: Pull complete\nDigest: sha256:{sha(64)}\nStatus: Downloaded newer image for node:20-alpine",
            )
        elif shape == 2:
            neg(
                "build-output",
                "Collecting requests==2.32.3\n  Using cached requests-2.32.3-py3-none-any.whl (64 kB)\nInstalling collected packages: requests\nSuccessfully installed requests-2.32.3",
            )
        elif shape == 3:
            neg(
                "build-output",
                f"[main {sha(7)}] Add token refresh handling\n 3 files changed, 42 insertions(+), 7 deletions(-)",
            )
        else:
            neg(
                "build-output",
                "-rw-r--r-- 1 dev dev 4096 Dec  4 10:12 .env.example\n-rw------- 1 dev dev  812 Dec  4 10:12 .env",
            )
    for t in [
        "mysql -u root -p",
        "docker login -u ci-bot --password-stdin registry.corp.io < /run/secrets/reg",
        "sudo -S apt-get update < /dev/null",
        "PASSWORD=",
        "Enter passphrase for key '/home/dev/.ssh/id_ed25519':",
        "Password: ",
        "gh auth login --with-token < mytoken.txt",
        "read -s -p 'API key: ' API_KEY",
        "psql -h db.internal -U app -W appdb",
        "npm login --registry https://npm.corp.io",
        "ssh-add ~/.ssh/id_ed25519",
        "fly secrets set DB_PASSWORD=- -a api-prod < pw.txt",
        'aws configure set aws_secret_access_key "$(pass show aws/secret)"',
        "curl -u admin https://jenkins.corp.io/api/json",
    ]:
        neg("prompt-no-value", t)
    for t in [
        "v2.14.0-rc.3+build.20261204.a1b2c3d",
        "Python 3.12.7 (main, Oct  1 2026, 08:42:10) [GCC 13.2.0] on linux",
        "node_modules/.pnpm/@babel+core@7.26.0_supports-color@9.4.0/node_modules",
        "Successfully tagged registry.corp.io/acme/api:2026.12.04-7f3a2c1",
        "X-Amz-Cf-Id: Hq3XQ9g5sWcTLQn6bXzjy4OY0vGtHj2bQw1_0mD9Zx8EXAMPLE==",
        'ETag: "33a64df551425fcc55e4d42a148795d9f25f89d4"',
        "Content-Security-Policy: script-src 'nonce-2726c7f26c' 'strict-dynamic'",
        "x-amz-request-id: 4442587FB7D0A2F9",
        "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "Set-Cookie: _ga=GA1.2.1234567890.1733300000; Path=/",
    ]:
        neg("identifier-header", t)
    for t in [
        "NEXT_PUBLIC_SUPABASE_URL=https://abcdefghijkl.supabase.co",
        "STRIPE_PUBLISHABLE_KEY=pk_live_" + rs(rng, ALNUM, 24),
        "git log --oneline -3\n" + "\n".join(f"{sha(7)} chore: bump deps" for _ in range(3)),
        "SENTRY_DSN_PUBLIC_KEY_NAME=sentry-dsn",
        "AWS_REGION=eu-west-1\nAWS_DEFAULT_OUTPUT=json\nAWS_PROFILE=prod-readonly",
        "GITHUB_SHA=" + sha(40),
        "GITHUB_RUN_ID=" + str(rng.randint(10**9, 10**10)),
        "BUILDKITE_COMMIT=" + sha(40),
        "CI_COMMIT_SHA=" + sha(40) + "\nCI_PIPELINE_ID=" + str(rng.randint(10**8, 10**9)),
        "SOURCE_VERSION=" + sha(40),
    ]:
        neg("env-non-secret", t)
    for _ in range(12):
        neg(
            "env-non-secret",
            rng.choice(
                [
                    f"IMAGE_DIGEST=sha256:{sha(64)}",
                    f"BUILD_ID={uuid()}",
                    f"CONTAINER_ID={sha(64)}",
                    f"GIT_COMMIT={sha(40)}",
                    f"DEPLOYMENT_ID=dpl_{rs(rng, ALNUM, 26)}",
                    f"HOSTNAME={rs(rng, string.ascii_lowercase, 5)}-{sha(10)}-{rs(rng, string.ascii_lowercase + string.digits, 5)}",
                ]
            ),
        )
    for t in [
        "gcloud auth print-access-token | head -c 0",
        "aws sts get-session-token --duration-seconds 900 --query Credentials.Expiration",
        "gh auth status\n  ✓ Logged in to github.com account dev (keyring)\n  - Token: gho_************************************",
        "vault token lookup -format=json | jq .data.ttl",
        "npm token list\n┌────────┬─────────┬────────────┐\n│ id     │ token   │ created    │\n│ 3f2a1b │ npm_…   │ 2026-11-30 │",
        "kubectl get secrets -n prod\nNAME            TYPE     DATA   AGE\ndb-credentials  Opaque   2      41d",
        "heroku auth:whoami\ndev@acme.io",
        "docker logout registry.corp.io\nRemoving login credentials for registry.corp.io",
        "Rotated key 'prod-api-key' (version 7); old version disabled.",
        "Token expires at 2026-12-04T11:21:07Z (in 3599s)",
        "ssh-keygen -lf ~/.ssh/id_ed25519.pub\n256 SHA256:"
        + base64.b64encode(rng.randbytes(32)).decode().rstrip("=")
        + " dev@laptop (ED25519)",
        "gpg --list-keys\npub   ed25519 2026-01-02 [SC]\n      "
        + sha(40).upper()
        + "\nuid   [ultimate] Dev <dev@acme.io>",
    ]:
        neg("auth-tool-output", t)
    return cases


def build() -> dict[str, Any]:
    rng = Random(SEED)
    cases: list[dict[str, Any]] = []
    for fmt, (gen, names, source) in FORMATS.items():
        tok = gen(rng)
        ctxs = contexts(rng, fmt, tok, names)
        # Each context gets its own value so no two cases share one; the shapes cycle.
        n = 8 if fmt not in KEYWORD_ONLY else 10
        order = list(range(len(ctxs)))
        rng.shuffle(order)
        for k in range(n):
            tok = gen(rng)
            ctxs_k = contexts(Random(rng.random()), fmt, tok, names)
            text, secret = ctxs_k[order[k % len(order)] % len(ctxs_k)]
            if fmt in WEBHOOKS and secret.endswith(tok.rsplit("/", 1)[1]):
                secret = tok.rsplit("/", 1)[1]
            assert secret in text
            cases.append({"text": text, "secret": secret, "format": fmt, "source": source})
    cases.extend(special(rng))
    cases.extend(negatives(rng))
    about = (
        "Blind corpus for execgate's secret scanner, generated by benchmarks/blind_corpus.py "
        f"(seed {SEED}) from public format facts only. Values are random in each format's "
        "alphabet/length/prefix/checksum; none is a live credential. Positives: 'secret' is the "
        "exact substring of 'text'. Negatives: secret null, format 'neg:<family>'."
    )
    return {"about": about, "cases": cases}


# --- scoring ------------------------------------------------------------------------------


SHAPES = [
    ("id=x", "glued to x"),
    ("cache key: build_", "glued to _"),
    ("Traceback", "traceback repr"),
    ("| gh auth login", "echo into cli"),
    ("kind: Secret", "k8s secret base64"),
    ("GET /callback", "url-encoded"),
    ('{"env":', "json-escaped"),
    ("Authorization: Bearer", "bearer header"),
    ("--api-key", "--api-key flag"),
    ("DEBUG loaded", "log line"),
    ('"credentials"', "json response"),
    ('"Config"', "docker inspect"),
    ("python manage.py", "inline env"),
    ("export ", "export"),
    ("HOME=/home/runner", "env dump"),
    ("LOG_LEVEL", "dotenv"),
]


def shape_of(text: str) -> str:
    """The context a generic case was rendered in; 'format-specific' for the hand-shaped ones."""
    return next((name for key, name in SHAPES if key in text), "format-specific")


def score(path: Path) -> str:
    from execgate import scan_text

    cases = json.loads(path.read_text())["cases"]
    pos: dict[str, list[int]] = defaultdict(
        lambda: [0, 0, 0, 0]
    )  # n, covered, overlapped, any finding
    neg: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    shapes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    fps: list[str] = []
    for c in cases:
        findings = list(scan_text(c["text"]))
        if c["secret"] is None:
            row = neg[c["format"]]
            row[0] += 1
            if findings:
                row[1] += 1
                fps.append(f"{c['format']}: {c['text'][:110]!r} -> {[f.rule_id for f in findings]}")
            continue
        s = c["text"].index(c["secret"])
        e = s + len(c["secret"])
        row = pos[c["format"]]
        row[0] += 1
        covered = any(f.start <= s and f.end >= e for f in findings)
        overlapped = any(f.start < e and f.end > s for f in findings)
        row[1] += covered
        row[2] += overlapped
        row[3] += bool(findings)
        srow = shapes[shape_of(c["text"])]
        srow[0] += 1
        srow[1] += covered
        if not covered:
            misses.append(
                f"{c['format']}: {c['text'][:110]!r} -> {[(f.rule_id, f.start, f.end) for f in findings]} want {s}-{e}"
            )
    lines = [
        "| format | n | recall (covers) | overlaps | any finding |",
        "|---|---:|---:|---:|---:|",
    ]
    tot = [0, 0, 0, 0]
    for fmt in sorted(pos):
        n, cov, ov, anyf = pos[fmt]
        tot = [a + b for a, b in zip(tot, pos[fmt], strict=True)]
        lines.append(f"| {fmt} | {n} | {cov / n:.0%} | {ov / n:.0%} | {anyf / n:.0%} |")
    n, cov, ov, anyf = tot
    lines.append(f"| **all positives** | {n} | {cov / n:.1%} | {ov / n:.1%} | {anyf / n:.1%} |")
    lines += ["", "| shape | n | recall (covers) |", "|---|---:|---:|"]
    for name, (n3, cov3) in sorted(shapes.items(), key=lambda kv: kv[1][1] / kv[1][0]):
        lines.append(f"| {name} | {n3} | {cov3 / n3:.0%} |")
    lines += ["", "| negative family | n | false positives | FP rate |", "|---|---:|---:|---:|"]
    nt = [0, 0]
    for fam in sorted(neg):
        n2, fp = neg[fam]
        nt = [nt[0] + n2, nt[1] + fp]
        lines.append(f"| {fam} | {n2} | {fp} | {fp / n2:.0%} |")
    lines.append(f"| **all negatives** | {nt[0]} | {nt[1]} | {nt[1] / nt[0]:.1%} |")
    flagged_pos = tot[1]
    precision = flagged_pos / (flagged_pos + nt[1]) if flagged_pos + nt[1] else 0.0
    lines.append(
        f"\nprecision (case level: covered positives vs negatives with any finding): {precision:.1%}"
    )
    lines += ["", "## misses", *misses, "", "## false positives", *fps]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--score", action="store_true", help="score execgate's scanner on the written corpus"
    )
    args = ap.parse_args()
    if args.score:
        print(score(OUT))
        return
    corpus = build()
    OUT.write_text(json.dumps(corpus, indent=1, ensure_ascii=False) + "\n")
    cs = corpus["cases"]
    npos = sum(c["secret"] is not None for c in cs)
    fmts = {c["format"] for c in cs if c["secret"] is not None}
    fams = {c["format"] for c in cs if c["secret"] is None}
    print(
        f"{len(cs)} cases: {npos} positives over {len(fmts)} formats, {len(cs) - npos} negatives over {len(fams)} families",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
