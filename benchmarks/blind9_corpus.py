"""Ninth blind secret corpus for execgate's scanner (tests/blind9_corpus.json).

Theme: secrets and their look-alikes as an AI coding agent sees them when it ``cat``s,
``grep -n``s, ``rg``s, ``git diff``s, ``git show``s or ``sed -n``s the SOURCE AND CONFIG FILES
of a repository: Python settings / conftest / pydantic defaults, JS/TS config objects and
next.config.js, Go constants and struct literals, Spring ``application.properties`` /
``application.yml`` / ``@Value`` defaults, Kotlin, Rails credentials and database.yml,
wp-config.php and Laravel ``.env``, Rust constants and ``.cargo/credentials.toml``, C#
``appsettings.json``, Terraform (tfvars, variable defaults, tfstate JSON), Kubernetes Secrets
(``data:`` base64 and ``stringData:``), Helm values, Docker Compose, Dockerfile ENV/ARG, GitHub
Actions / GitLab CI, Ansible vars, package-manager dotfiles (.npmrc, .pypirc, .netrc,
pip.conf, settings.xml, gradle.properties), WireGuard / kubeconfig, Jupyter notebooks
(JSON-escaped), SQL dumps and the apps' own log lines.

Written blind: from public format facts only (the gitleaks default rule set, vendor docs,
GitHub's token-format post, Django/Rails/Laravel key generators) without reading execgate's
rules. Every value is drawn from ``random.Random(SEED)`` in its format's real prefix, length,
alphabet and checksum where one is published (GitHub and npm tokens end in a base62 CRC32 of
their 30 random characters; age secret keys carry a bech32 checksum), so none is live.

Labelling conventions
* ``secret`` is the exact substring that is the secret value only: the token, the password
  (not the user, host or URL around it), the base64 body of a PEM private key (the lines
  between BEGIN and END, JSON-escaped ``\\n`` included when the key sits in JSON), the base64
  exactly as written in a Kubernetes ``data:`` map / ``.npmrc _auth`` / docker ``auth`` / a
  Basic header. For Slack/Discord webhook URLs only the final token segment is labelled: the
  scheme, host, fixed path and the team/bot/webhook ids around it are identifiers, not secret
  (the same rule as for a password inside a connection URL).
  Laravel's ``APP_KEY`` is labelled after its ``base64:`` scheme prefix.
* Hashes are NOT secrets here: bcrypt/argon2/pbkdf2/sha-crypt password hashes, htpasswd
  ``$apr1$`` / ``{SHA}`` lines, MySQL/SCRAM verifiers. They are one-way verifiers; leaking one
  enables offline guessing but it is not a credential anyone can present, and masking it in
  an agent transcript breaks routine work on auth code and fixtures (neg:hash).
* Vendor-documented example values (AWS's AKIAIOSFODNN7EXAMPLE pair, jwt.io's sample token,
  Stripe's docs test keys, the Kubernetes docs' ``MWYyZDFlMmU2N2Rm``, Telegram's docs bot
  token) are negatives, as are keys their vendor documents as public (Stripe publishable
  keys, Sentry DSNs, Mapbox ``pk.`` tokens, PostHog ``phc_`` project keys, OAuth client ids).
* Low-entropy well-known defaults (``POSTGRES_PASSWORD: postgres`` in a dev compose file) are
  negatives (neg:trivial_dev_default); obviously fake fixture values likewise.
* Identifiers next to a secret (AWS access key id, Twilio SID, user names) are not labelled.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from _blind import run

SEED = 9092026
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind9_corpus.json"

R = random.Random(SEED)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"

Case = dict[str, str | None]
# a file as a tool shows it: (path, lines, index of the line that matters)
Snip = tuple[str, list[str], int]


def rs(alpha: str, n: int) -> str:
    return "".join(R.choice(alpha) for _ in range(n))


def b64(n: int) -> str:
    return base64.b64encode(R.randbytes(n)).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b62_crc(body: str) -> str:
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def uuid4() -> str:
    return f"{rs(HEX, 8)}-{rs(HEX, 4)}-4{rs(HEX, 3)}-{R.choice('89ab')}{rs(HEX, 3)}-{rs(HEX, 12)}"


# ---------------------------------------------------------------- token generators


def gh(prefix: str) -> Callable[[], str]:
    """GitHub: prefix + 30 base62 + 6-char base62 CRC32 of the 30 (github.blog 2021-04-05)."""

    def f() -> str:
        body = rs(ALNUM, 30)
        return prefix + body + b62_crc(body)

    return f


def gh_fine() -> str:
    return "github_pat_11" + rs(UPNUM, 20) + "_" + rs(ALNUM, 59)


def npm() -> str:
    body = rs(ALNUM, 30)
    return "npm_" + body + b62_crc(body)


def jwt_hs(payload: dict[str, object]) -> str:
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    return f"{head}.{body}.{b64url(R.randbytes(32))}"


def supabase_service() -> str:
    iat = 1700000000 + R.randrange(10**7)
    return jwt_hs(
        {
            "iss": "supabase",
            "ref": rs(string.ascii_lowercase, 20),
            "role": "service_role",
            "iat": iat,
            "exp": iat + 315360000,
        }
    )


def access_jwt() -> str:
    iat = 1714000000 + R.randrange(10**6)
    return jwt_hs(
        {"sub": str(R.randrange(10**6)), "scope": "admin", "iat": iat, "exp": iat + 86400}
    )


def mapbox_secret() -> str:
    user = R.choice(["acme-maps", "geo-team", "fleetops"])
    body = b64url(json.dumps({"u": user, "a": rs(LOWNUM, 25)}, separators=(",", ":")).encode())
    return f"sk.{body}.{rs(URLSAFE, 22)}"


BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def age_secret() -> str:
    hrp = "age-secret-key-"
    data = R.randbytes(32)
    acc, bits, five = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            five.append((acc >> bits) & 31)
    if bits:
        five.append((acc << (5 - bits)) & 31)
    exp = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _bech32_polymod([*exp, *five, 0, 0, 0, 0, 0, 0]) ^ 1
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(BECH32[d] for d in five + chk)).upper()


def discord_bot() -> str:
    uid = str(R.randrange(10**17, 10**18))
    return f"{b64url(uid.encode())}.{rs(URLSAFE, 6)}.{rs(URLSAFE, 38)}"


def telegram() -> str:
    return f"{R.randrange(10**9, 10**10)}:AA{rs(URLSAFE, 33)}"


def slack_webhook() -> str:
    return f"https://hooks.slack.com/services/T0{rs(UPNUM, 8)}/B0{rs(UPNUM, 9)}/{rs(ALNUM, 24)}"


def discord_webhook() -> str:
    return f"https://discord.com/api/webhooks/{R.randrange(10**17, 10**18)}/{rs(URLSAFE, 68)}"


def aws_session() -> str:
    return "IQoJb3JpZ2luX2VjE" + rs(B64, 340)


# name -> (env var name, generator, source of the format fact)
VENDORS: dict[str, tuple[str, Callable[[], str], str]] = {
    "github_classic_pat": ("GITHUB_TOKEN", gh("ghp_"), "github.blog token formats + CRC32"),
    "github_oauth": ("GH_OAUTH_TOKEN", gh("gho_"), "github.blog token formats"),
    "github_app_user": ("GH_USER_TOKEN", gh("ghu_"), "gitleaks github-app-token"),
    "github_app_installation": ("GH_APP_TOKEN", gh("ghs_"), "gitleaks github-app-token"),
    "github_refresh": ("GH_REFRESH_TOKEN", gh("ghr_"), "gitleaks github-refresh-token"),
    "github_fine_grained_pat": ("GH_PAT", gh_fine, "gitleaks github-fine-grained-pat"),
    "gitlab_pat": ("GITLAB_TOKEN", lambda: "glpat-" + rs(URLSAFE, 20), "gitleaks gitlab-pat"),
    "gitlab_deploy_token": (
        "GITLAB_DEPLOY_TOKEN",
        lambda: "gldt-" + rs(URLSAFE, 20),
        "gitleaks gitlab-deploy-token",
    ),
    "gitlab_runner_token": (
        "RUNNER_TOKEN",
        lambda: "glrt-" + rs(URLSAFE, 20),
        "gitleaks gitlab-runner-authentication-token",
    ),
    "gitlab_trigger_token": (
        "TRIGGER_TOKEN",
        lambda: "glptt-" + rs(HEX, 40),
        "gitleaks gitlab-ptt",
    ),
    "slack_bot_token": (
        "SLACK_BOT_TOKEN",
        lambda: f"xoxb-{rs(string.digits, 12)}-{rs(string.digits, 13)}-{rs(ALNUM, 24)}",
        "gitleaks slack-bot-token",
    ),
    "slack_user_token": (
        "SLACK_USER_TOKEN",
        lambda: (
            f"xoxp-{rs(string.digits, 12)}-{rs(string.digits, 12)}-{rs(string.digits, 13)}-{rs(HEX, 32)}"
        ),
        "gitleaks slack-user-token",
    ),
    "slack_webhook_url": ("SLACK_WEBHOOK_URL", slack_webhook, "gitleaks slack-webhook-url"),
    "stripe_live_secret": (
        "STRIPE_SECRET_KEY",
        lambda: "sk_live_51" + rs(ALNUM, R.choice([22, 97])),
        "gitleaks stripe-access-token",
    ),
    "stripe_restricted_key": (
        "STRIPE_RESTRICTED_KEY",
        lambda: "rk_live_51" + rs(ALNUM, 97),
        "gitleaks stripe-access-token",
    ),
    "stripe_webhook_secret": (
        "STRIPE_WEBHOOK_SECRET",
        lambda: "whsec_" + rs(ALNUM, 32),
        "stripe docs webhook signing secret whsec_",
    ),
    "openai_project_key": (
        "OPENAI_API_KEY",
        lambda: "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
        "gitleaks openai-api-key",
    ),
    "openai_service_account_key": (
        "OPENAI_API_KEY",
        lambda: "sk-svcacct-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
        "gitleaks openai-api-key",
    ),
    "anthropic_api_key": (
        "ANTHROPIC_API_KEY",
        lambda: "sk-ant-api03-" + rs(URLSAFE, 93) + "AA",
        "gitleaks anthropic-api-key",
    ),
    "aws_secret_access_key": (
        "AWS_SECRET_ACCESS_KEY",
        lambda: rs(B64, 40),
        "AWS docs: 40-char secret access key",
    ),
    "aws_session_token": ("AWS_SESSION_TOKEN", aws_session, "AWS STS session token shape"),
    "gcp_api_key": ("GOOGLE_API_KEY", lambda: "AIza" + rs(URLSAFE, 35), "gitleaks gcp-api-key"),
    "gcp_oauth_client_secret": (
        "GOOGLE_CLIENT_SECRET",
        lambda: "GOCSPX-" + rs(URLSAFE, 28),
        "Google OAuth client secret GOCSPX- prefix",
    ),
    "azure_ad_client_secret": (
        "AZURE_CLIENT_SECRET",
        lambda: rs(ALNUM + "_~.", 3) + R.choice(string.digits) + "Q~" + rs(URLSAFE + "~.", 34),
        "gitleaks azure-ad-client-secret",
    ),
    "twilio_auth_token": ("TWILIO_AUTH_TOKEN", lambda: rs(HEX, 32), "Twilio auth token 32 hex"),
    "sendgrid_api_key": (
        "SENDGRID_API_KEY",
        lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}",
        "gitleaks sendgrid-api-token",
    ),
    "npm_token": ("NPM_TOKEN", npm, "npm granular token + CRC32 (github changelog 2021-09-23)"),
    "pypi_token": (
        "PYPI_API_TOKEN",
        lambda: "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 160),
        "gitleaks pypi-upload-token",
    ),
    "dockerhub_pat": (
        "DOCKERHUB_TOKEN",
        lambda: "dckr_pat_" + rs(URLSAFE, 27),
        "Docker Hub PAT dckr_pat_",
    ),
    "huggingface_token": (
        "HF_TOKEN",
        lambda: "hf_" + rs(string.ascii_letters, 34),
        "gitleaks huggingface-access-token",
    ),
    "databricks_pat": (
        "DATABRICKS_TOKEN",
        lambda: "dapi" + rs(HEX, 32),
        "gitleaks databricks-api-token",
    ),
    "datadog_api_key": ("DD_API_KEY", lambda: rs(HEX, 32), "Datadog API key 32 hex"),
    "newrelic_user_key": (
        "NEW_RELIC_API_KEY",
        lambda: "NRAK-" + rs(UPNUM, 27),
        "gitleaks new-relic-user-api-key",
    ),
    "sentry_user_token": (
        "SENTRY_AUTH_TOKEN",
        lambda: "sntryu_" + rs(HEX, 64),
        "gitleaks sentry-user-token",
    ),
    "shopify_access_token": (
        "SHOPIFY_ACCESS_TOKEN",
        lambda: "shpat_" + rs(HEX, 32),
        "gitleaks shopify-access-token",
    ),
    "shopify_shared_secret": (
        "SHOPIFY_API_SECRET",
        lambda: "shpss_" + rs(HEX, 32),
        "gitleaks shopify-shared-secret",
    ),
    "atlassian_api_token": (
        "JIRA_API_TOKEN",
        lambda: "ATATT3xFfGF0" + rs(URLSAFE, 171) + "=" + rs(HEX.upper(), 8),
        "gitleaks atlassian-api-token",
    ),
    "linear_api_key": ("LINEAR_API_KEY", lambda: "lin_api_" + rs(ALNUM, 40), "gitleaks linear"),
    "digitalocean_pat": (
        "DIGITALOCEAN_TOKEN",
        lambda: "dop_v1_" + rs(HEX, 64),
        "gitleaks digitalocean-pat",
    ),
    "postman_api_key": (
        "POSTMAN_API_KEY",
        lambda: f"PMAK-{rs(HEX, 24)}-{rs(HEX, 34)}",
        "gitleaks postman-api-token",
    ),
    "grafana_service_account": (
        "GRAFANA_TOKEN",
        lambda: f"glsa_{rs(ALNUM, 32)}_{rs(HEX, 8)}",
        "gitleaks grafana-service-account-token",
    ),
    "vault_service_token": (
        "VAULT_TOKEN",
        lambda: "hvs." + rs(URLSAFE, 91),
        "gitleaks vault-service-token",
    ),
    "supabase_service_role_jwt": (
        "SUPABASE_SERVICE_ROLE_KEY",
        supabase_service,
        "JWT (gitleaks jwt) with supabase service_role claims",
    ),
    "jwt_access_token": ("API_ACCESS_TOKEN", access_jwt, "gitleaks jwt"),
    "telegram_bot_token": ("TELEGRAM_BOT_TOKEN", telegram, "gitleaks telegram-bot-api-token"),
    "discord_webhook_url": ("DISCORD_WEBHOOK_URL", discord_webhook, "shoutrrr docs discord URL"),
    "discord_bot_token": ("DISCORD_BOT_TOKEN", discord_bot, "Discord bot token id.ts.hmac"),
    "mailgun_api_key": (
        "MAILGUN_API_KEY",
        lambda: "key-" + rs(HEX, 32),
        "gitleaks mailgun-private-api-token",
    ),
    "mailchimp_api_key": (
        "MAILCHIMP_API_KEY",
        lambda: f"{rs(HEX, 32)}-us{R.randint(1, 21)}",
        "gitleaks mailchimp-api-key",
    ),
    "rubygems_api_key": (
        "GEM_HOST_API_KEY",
        lambda: "rubygems_" + rs(HEX, 48),
        "gitleaks rubygems-api-token",
    ),
    "crates_io_token": (
        "CARGO_REGISTRY_TOKEN",
        lambda: "cio" + rs(ALNUM, 32),
        "nosey-parker np.cratesio.1 (cio + 32 alnum)",
    ),
    "doppler_token": ("DOPPLER_TOKEN", lambda: "dp.pt." + rs(ALNUM, 43), "gitleaks doppler"),
    "pulumi_token": ("PULUMI_ACCESS_TOKEN", lambda: "pul-" + rs(HEX, 40), "gitleaks pulumi"),
    "terraform_cloud_token": (
        "TFE_TOKEN",
        lambda: f"{rs(ALNUM, 14)}.atlasv1.{rs(URLSAFE, 67)}",
        "gitleaks hashicorp-tf-api-token",
    ),
    "planetscale_password": (
        "DATABASE_PASSWORD",
        lambda: "pscale_pw_" + rs(URLSAFE, 43),
        "gitleaks planetscale-password",
    ),
    "perplexity_api_key": (
        "PERPLEXITY_API_KEY",
        lambda: "pplx-" + rs(ALNUM, 48),
        "gitleaks perplexity-api-key",
    ),
    "notion_token": (
        "NOTION_TOKEN",
        lambda: "ntn_" + rs(string.digits, 11) + rs(ALNUM, 35),
        "gitleaks notion-api-token",
    ),
    "heroku_api_key_v2": (
        "HEROKU_API_KEY",
        lambda: "HRKU-AA" + rs(URLSAFE, 58),
        "gitleaks heroku-api-key-v2",
    ),
    "flyio_token": ("FLY_API_TOKEN", lambda: "fo1_" + rs(URLSAFE, 43), "gitleaks flyio"),
    "square_access_token": (
        "SQUARE_ACCESS_TOKEN",
        lambda: "EAAA" + rs(URLSAFE, 60),
        "gitleaks square-access-token",
    ),
    "sendinblue_api_key": (
        "BREVO_API_KEY",
        lambda: f"xkeysib-{rs(HEX, 64)}-{rs(ALNUM, 16)}",
        "gitleaks sendinblue-api-token",
    ),
    "age_secret_key": ("SOPS_AGE_KEY", age_secret, "gitleaks age-secret-key (bech32)"),
    "mapbox_secret_token": ("MAPBOX_SECRET_TOKEN", mapbox_secret, "Mapbox docs: sk. tokens"),
    "django_secret_key": (
        "DJANGO_SECRET_KEY",
        lambda: rs(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50),
        "django get_random_secret_key alphabet (no $)",
    ),
    "rails_secret_key_base": (
        "SECRET_KEY_BASE",
        lambda: rs(HEX, 128),
        "rails credentials generator SecureRandom.hex(64)",
    ),
    "flask_secret_key": (
        "FLASK_SECRET_KEY",
        lambda: rs(HEX, 64),
        "secrets.token_hex(32) session key",
    ),
    "nextauth_secret": (
        "NEXTAUTH_SECRET",
        lambda: b64(32),
        "openssl rand -base64 32 (NextAuth docs)",
    ),
    "jwt_signing_secret": ("JWT_SECRET", lambda: rs(URLSAFE, 64), "HS256 signing secret"),
}

# ---------------------------------------------------------------- name helpers


def snake(var: str) -> str:
    return var.lower()


def camel(var: str) -> str:
    p = var.lower().split("_")
    return p[0] + "".join(x.capitalize() for x in p[1:])


def pascal(var: str) -> str:
    return "".join(x.capitalize() for x in var.lower().split("_"))


def kebab(var: str) -> str:
    return var.lower().replace("_", "-")


def dotted(var: str) -> str:
    return var.lower().replace("_", ".")


# ---------------------------------------------------------------- file embedders
# each returns (path, lines, index of the line holding the value); the value goes in verbatim


def e_dotenv(var: str, v: str) -> Snip:
    path = R.choice([".env", ".env.production", "deploy/.env", "services/api/.env.local"])
    lines = [
        "APP_ENV=production",
        "LOG_LEVEL=info",
        "PORT=8080",
        f"{var}={v}",
        "REDIS_URL=redis://cache:6379/0",
    ]
    return path, lines, 3


def e_export(var: str, v: str) -> Snip:
    lines = [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "",
        f'export {var}="{v}"',
        "exec ./bin/server --port 8080",
    ]
    return R.choice(["scripts/deploy.sh", "bin/run-local.sh", "tools/env.sh"]), lines, 3


def e_py_settings(var: str, v: str) -> Snip:
    lines = [
        "from pathlib import Path",
        "",
        "BASE_DIR = Path(__file__).resolve().parent.parent",
        "DEBUG = False",
        'ALLOWED_HOSTS = ["api.acme.io"]',
        f'{var} = "{v}"',
        'TIME_ZONE = "UTC"',
    ]
    return R.choice(["app/settings.py", "config/settings/prod.py", "backend/settings.py"]), lines, 5


def e_py_environ_default(var: str, v: str) -> Snip:
    lines = [
        "import os",
        "",
        'DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")',
        f'{var} = os.environ.get("{var}", "{v}")',
        'SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "production")',
    ]
    return R.choice(["app/config.py", "src/settings.py", "worker/config.py"]), lines, 3


def e_pydantic(var: str, v: str) -> Snip:
    lines = [
        "from pydantic import SecretStr",
        "from pydantic_settings import BaseSettings, SettingsConfigDict",
        "",
        "",
        "class Settings(BaseSettings):",
        '    model_config = SettingsConfigDict(env_file=".env")',
        '    app_name: str = "billing"',
        R.choice(
            [f'    {snake(var)}: str = "{v}"', f'    {snake(var)}: SecretStr = SecretStr("{v}")']
        ),
        "    request_timeout: float = 30.0",
    ]
    return R.choice(["app/core/config.py", "src/billing/settings.py"]), lines, 7


def e_conftest(var: str, v: str) -> Snip:
    lines = [
        "import pytest",
        "",
        "",
        "@pytest.fixture(autouse=True)",
        "def _env(monkeypatch):",
        f'    monkeypatch.setenv("{var}", "{v}")',
        '    monkeypatch.setenv("APP_ENV", "staging")',
    ]
    return R.choice(["tests/conftest.py", "tests/integration/conftest.py"]), lines, 5


def e_js_config(var: str, v: str) -> Snip:
    lines = [
        "module.exports = {",
        "  port: 3000,",
        "  region: 'eu-west-1',",
        f"  {camel(var)}: '{v}',",
        "  retries: 3,",
        "};",
    ]
    return R.choice(["config/default.js", "config/production.js", "src/config.js"]), lines, 3


def e_ts_const(var: str, v: str) -> Snip:
    lines = [
        "// generated by scripts/gen-config.ts -- do not edit",
        'export const API_BASE_URL = "https://api.acme.io/v2";',
        f'export const {var} = "{v}";',
        "export const REQUEST_TIMEOUT_MS = 15_000;",
    ]
    return R.choice(["src/config.ts", "src/lib/constants.ts", "packages/sdk/src/env.ts"]), lines, 2


def e_next_config(var: str, v: str) -> Snip:
    lines = [
        "/** @type {import('next').NextConfig} */",
        "const nextConfig = {",
        "  reactStrictMode: true,",
        "  env: {",
        f"    {var}: '{v}',",
        "  },",
        "};",
        "",
        "module.exports = nextConfig;",
    ]
    return "next.config.js", lines, 4


def e_go_const(var: str, v: str) -> Snip:
    lines = [
        "package config",
        "",
        "const (",
        '\tdefaultRegion = "eu-west-1"',
        f'\t{camel(var)} = "{v}"',
        "\tmaxRetries = 3",
        ")",
    ]
    return R.choice(["internal/config/config.go", "pkg/client/const.go"]), lines, 4


def e_go_struct(var: str, v: str) -> Snip:
    lines = [
        "func newClient() *api.Client {",
        "\treturn api.NewClient(api.Config{",
        '\t\tBaseURL: "https://api.partner.io",',
        f'\t\t{pascal(var)}: "{v}",',
        "\t\tTimeout: 30 * time.Second,",
        "\t})",
        "}",
    ]
    return R.choice(["cmd/sync/main.go", "internal/partner/client.go"]), lines, 3


def e_java_props(var: str, v: str) -> Snip:
    lines = [
        "spring.application.name=orders",
        "server.port=8443",
        "spring.jpa.open-in-view=false",
        f"app.{dotted(var)}={v}",
        "management.endpoints.web.exposure.include=health,info",
    ]
    return "src/main/resources/application.properties", lines, 3


def e_spring_yml(var: str, v: str) -> Snip:
    lines = [
        "spring:",
        "  application:",
        "    name: orders",
        "app:",
        "  partner:",
        f"    {kebab(var)}: {R.choice([v, repr(v) if chr(39) not in v else v])}",
        "    timeout: 30s",
    ]
    return (
        R.choice(["src/main/resources/application.yml", "src/main/resources/application-prod.yml"]),
        lines,
        5,
    )


def e_spring_value(var: str, v: str) -> Snip:
    lines = [
        "@Service",
        "public class PartnerClient {",
        "",
        f'    @Value("${{app.partner.{kebab(var)}:{v}}}")',
        f"    private String {camel(var)};",
        "",
    ]
    return "src/main/java/com/acme/orders/PartnerClient.java", lines, 3


def e_kotlin(var: str, v: str) -> Snip:
    lines = [
        "package com.acme.mobile",
        "",
        "object BuildSecrets {",
        f'    const val {var} = "{v}"',
        '    const val API_HOST = "api.acme.io"',
        "}",
    ]
    return "app/src/main/java/com/acme/mobile/BuildSecrets.kt", lines, 3


def e_ruby_fetch(var: str, v: str) -> Snip:
    lines = [
        "# frozen_string_literal: true",
        "",
        "Rails.application.configure do",
        f'  config.x.partner.{snake(var)} = ENV.fetch("{var}", "{v}")',
        "  config.x.partner.timeout = 30",
        "end",
    ]
    return "config/initializers/partner.rb", lines, 3


def e_php_define(var: str, v: str) -> Snip:
    lines = [
        "<?php",
        "define( 'WP_ENVIRONMENT_TYPE', 'production' );",
        f"define( '{var}', '{v}' );",
        "define( 'WP_DEBUG', false );",
    ]
    return R.choice(["wp-config.php", "public/wp-config.php"]), lines, 2


def e_laravel_config(var: str, v: str) -> Snip:
    lines = [
        "<?php",
        "",
        "return [",
        "    'partner' => [",
        "        'url' => env('PARTNER_URL', 'https://api.partner.io'),",
        f"        'key' => env('{var}', '{v}'),",
        "    ],",
        "];",
    ]
    return "config/services.php", lines, 5


def e_rust_const(var: str, v: str) -> Snip:
    lines = [
        "use std::time::Duration;",
        "",
        'pub const API_BASE: &str = "https://api.acme.io";',
        f'pub const {var}: &str = "{v}";',
        "pub const TIMEOUT: Duration = Duration::from_secs(30);",
    ]
    return R.choice(["src/config.rs", "crates/client/src/consts.rs"]), lines, 3


def e_appsettings(var: str, v: str) -> Snip:
    lines = [
        "{",
        '  "Logging": { "LogLevel": { "Default": "Information" } },',
        '  "Partner": {',
        '    "BaseUrl": "https://api.partner.io",',
        f'    "{pascal(var)}": "{v}"',
        "  },",
        '  "AllowedHosts": "*"',
        "}",
    ]
    return R.choice(["appsettings.json", "src/Api/appsettings.Production.json"]), lines, 4


def e_tfvars(var: str, v: str) -> Snip:
    lines = [
        'region      = "eu-west-1"',
        'environment = "prod"',
        f'{snake(var)} = "{v}"',
        "instance_count = 3",
    ]
    return R.choice(["terraform.tfvars", "envs/prod/prod.auto.tfvars"]), lines, 2


def e_tf_variable(var: str, v: str) -> Snip:
    lines = [
        f'variable "{snake(var)}" {{',
        "  type      = string",
        "  sensitive = true",
        f'  default   = "{v}"',
        "}",
    ]
    return R.choice(["variables.tf", "modules/app/variables.tf"]), lines, 3


def e_tfstate(var: str, v: str) -> Snip:
    lines = [
        "{",
        '  "version": 4,',
        '  "terraform_version": "1.7.5",',
        '  "resources": [',
        "    {",
        '      "type": "aws_ssm_parameter",',
        '      "name": "partner",',
        '      "instances": [{ "attributes": {',
        '        "name": "/prod/partner/key",',
        '        "type": "SecureString",',
        f'        "value": "{v}"',
        "      }}]",
        "    }",
        "  ]",
        "}",
    ]
    return "terraform.tfstate", lines, 10


def e_k8s_stringdata(var: str, v: str) -> Snip:
    lines = [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: api-env",
        "  namespace: prod",
        "type: Opaque",
        "stringData:",
        f'  {var}: "{v}"',
    ]
    return R.choice(["k8s/prod/secret.yaml", "deploy/manifests/api-secret.yaml"]), lines, 7


def e_helm_values(var: str, v: str) -> Snip:
    lines = [
        "replicaCount: 2",
        "image:",
        "  repository: ghcr.io/acme/api",
        "  tag: 1.8.2",
        "env:",
        f'  {var}: "{v}"',
        "  LOG_LEVEL: info",
    ]
    return R.choice(["charts/api/values.yaml", "helm/values-prod.yaml"]), lines, 5


def e_compose(var: str, v: str) -> Snip:
    lines = [
        "services:",
        "  api:",
        "    image: ghcr.io/acme/api:1.8.2",
        "    environment:",
        "      NODE_ENV: production",
        R.choice([f'      {var}: "{v}"', f"      - {var}={v}"]),
        "    ports:",
        '      - "8080:8080"',
    ]
    if lines[5].startswith("      -"):
        lines[4] = "      - NODE_ENV=production"
    return R.choice(["docker-compose.yml", "compose.prod.yaml"]), lines, 5


def e_dockerfile(var: str, v: str) -> Snip:
    kw = R.choice(["ENV", "ARG"])
    lines = [
        "FROM node:20-alpine",
        "WORKDIR /app",
        "COPY package*.json ./",
        "RUN npm ci --omit=dev",
        f"{kw} {var}={v}",
        "COPY . .",
        'CMD ["node", "server.js"]',
    ]
    return R.choice(["Dockerfile", "docker/api.Dockerfile"]), lines, 4


def e_gha(var: str, v: str) -> Snip:
    lines = [
        "name: deploy",
        "on:",
        "  push:",
        "    branches: [main]",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    env:",
        f"      {var}: {v if v[0].isalnum() else repr(v)}",
        "    steps:",
        "      - uses: actions/checkout@v4",
    ]
    return ".github/workflows/deploy.yml", lines, 8


def e_gitlab_ci(var: str, v: str) -> Snip:
    lines = [
        "stages: [test, deploy]",
        "",
        "variables:",
        "  DOCKER_DRIVER: overlay2",
        f'  {var}: "{v}"',
        "",
        "deploy:",
        "  stage: deploy",
    ]
    return ".gitlab-ci.yml", lines, 4


def e_ansible(var: str, v: str) -> Snip:
    lines = [
        "---",
        "app_user: deploy",
        "app_port: 8080",
        f'{snake(var)}: "{v}"',
        "app_log_level: info",
    ]
    return (
        R.choice(
            ["group_vars/prod/vars.yml", "roles/api/defaults/main.yml", "host_vars/web01.yml"]
        ),
        lines,
        3,
    )


def e_notebook(var: str, v: str) -> Snip:
    lines = [
        "  {",
        '   "cell_type": "code",',
        '   "execution_count": 3,',
        '   "metadata": {},',
        '   "outputs": [],',
        '   "source": [',
        '    "import os\\n",',
        f'    "os.environ[\\"{var}\\"] = \\"{v}\\"\\n",',
        '    "client = make_client()"',
        "   ]",
        "  },",
    ]
    return R.choice(["notebooks/explore.ipynb", "analysis/01-eda.ipynb"]), lines, 7


def e_ini(var: str, v: str) -> Snip:
    lines = [
        "[partner]",
        "base_url = https://api.partner.io",
        f"{snake(var)} = {v}",
        "timeout = 30",
    ]
    return R.choice(["config/app.ini", "setup.cfg", "deploy/partner.conf"]), lines, 2


def e_toml(var: str, v: str) -> Snip:
    lines = [
        "[partner]",
        'base_url = "https://api.partner.io"',
        f'{snake(var)} = "{v}"',
        "timeout = 30",
    ]
    return R.choice(["config.toml", "config/prod.toml"]), lines, 2


def e_csharp(var: str, v: str) -> Snip:
    lines = [
        "namespace Acme.Billing;",
        "",
        "internal static class PartnerDefaults",
        "{",
        f'    public const string {pascal(var)} = "{v}";',
        "}",
    ]
    return "src/Billing/PartnerDefaults.cs", lines, 4


def e_log(var: str, v: str) -> Snip:
    style = R.randrange(3)
    if style == 0:
        line = f"2024-05-03 10:22:14,118 DEBUG app.config: loaded settings {{'{snake(var)}': '{v}', 'debug': False}}"
    elif style == 1:
        line = f'{{"level":20,"time":1714731734118,"pid":7,"msg":"config loaded","{camel(var)}":"{v}"}}'
    else:
        line = f'time=2024-05-03T10:22:14Z level=debug msg="partner client init" {snake(var)}={v} region=eu-west-1'
    lines = [
        "2024-05-03 10:22:13,902 INFO app: starting worker pid=7",
        line,
        "2024-05-03 10:22:14,250 INFO app: listening on 0.0.0.0:8080",
    ]
    return R.choice(["logs/app.log", "var/log/api/current.log"]), lines, 1


EMBED: list[Callable[[str, str], Snip]] = [
    e_dotenv,
    e_export,
    e_py_settings,
    e_py_environ_default,
    e_pydantic,
    e_conftest,
    e_js_config,
    e_ts_const,
    e_next_config,
    e_go_const,
    e_go_struct,
    e_java_props,
    e_spring_yml,
    e_spring_value,
    e_kotlin,
    e_ruby_fetch,
    e_php_define,
    e_laravel_config,
    e_rust_const,
    e_appsettings,
    e_tfvars,
    e_tf_variable,
    e_tfstate,
    e_k8s_stringdata,
    e_helm_values,
    e_compose,
    e_dockerfile,
    e_gha,
    e_gitlab_ci,
    e_ansible,
    e_notebook,
    e_ini,
    e_toml,
    e_csharp,
    e_log,
]

# ---------------------------------------------------------------- tool views


def kw_of(line: str) -> str:
    for k in ("password", "secret", "token", "key", "auth", "dsn", "url", "pass"):
        if k in line.lower():
            return k
    m = re.search(r"[A-Za-z_]{3,}", line)
    return m.group(0) if m else "TODO"


def v_cat(s: Snip) -> str:
    path, lines, _ = s
    return f"$ cat {path}\n" + "\n".join(lines)


def v_grep(s: Snip) -> str:
    path, lines, i = s
    shown = path if path.startswith(("~", "/")) else "./" + path
    where = path.rsplit("/", 1)[0] if path.startswith(("~", "/")) else "."
    return f"$ grep -rn -i '{kw_of(lines[i])}' {where}\n{shown}:{i + 1}:{lines[i]}"


def v_grep_ctx(s: Snip) -> str:
    path, lines, i = s
    out = [f"$ grep -n -C2 -i '{kw_of(lines[i])}' {path}"]
    for j in range(max(0, i - 2), min(len(lines), i + 3)):
        out.append(f"{j + 1}{':' if j == i else '-'}{lines[j]}")
    return "\n".join(out)


def v_rg(s: Snip) -> str:
    path, lines, i = s
    return f"$ rg -n '{kw_of(lines[i])}'\n{path}\n{i + 1}:{lines[i]}"


def v_diff(s: Snip) -> str:
    path, lines, i = s
    a, b = max(0, i - 2), min(len(lines), i + 3)
    body = []
    for j in range(a, b):
        if j == i:
            body.append("+" + lines[j])
        else:
            body.append(" " + lines[j])
    n = b - a
    return (
        f"$ git diff HEAD~1 -- {path}\ndiff --git a/{path} b/{path}\nindex {rs(HEX, 7)}..{rs(HEX, 7)} 100644\n"
        f"--- a/{path}\n+++ b/{path}\n@@ -{a + 1},{n - 1} +{a + 1},{n} @@\n" + "\n".join(body)
    )


def v_sed(s: Snip) -> str:
    path, lines, i = s
    a, b = max(1, i - 1), min(len(lines), i + 3)
    return f"$ sed -n '{a},{b}p' {path}\n" + "\n".join(lines[a - 1 : b])


def v_cat_a(s: Snip) -> str:
    path, lines, _ = s
    return f"$ cat -A {path}\n" + "\n".join(ln.replace("\t", "^I") + "$" for ln in lines)


def v_head(s: Snip) -> str:
    path, lines, _ = s
    return f"$ head -n {len(lines)} {path}\n" + "\n".join(lines)


def v_show(s: Snip) -> str:
    path, lines, _ = s
    return f"$ git show {rs(HEX, 7)}:{path}\n" + "\n".join(lines)


def v_numbered(s: Snip) -> str:
    path, lines, _ = s
    return f"$ cat -n {path}\n" + "\n".join(f"{j + 1:6}\t{ln}" for j, ln in enumerate(lines))


VIEWS: list[Callable[[Snip], str]] = [
    v_cat,
    v_grep,
    v_grep_ctx,
    v_rg,
    v_diff,
    v_sed,
    v_cat_a,
    v_head,
    v_show,
    v_numbered,
]
MULTILINE_VIEWS: list[Callable[[Snip], str]] = [v_cat, v_head, v_show, v_sed]


def render(s: Snip, multiline: bool = False) -> tuple[str, str]:
    view = R.choice(MULTILINE_VIEWS if multiline else VIEWS)
    if multiline and view is v_sed:
        path, lines, _ = s
        return f"$ sed -n '1,{len(lines)}p' {path}\n" + "\n".join(lines), "sed"
    return view(s), view.__name__[2:]


# ---------------------------------------------------------------- passwords

PW_SYM = "!%+_.*^~-"


def password(url: bool = False) -> str:
    sym = "-_.~" if url else PW_SYM
    style = R.randrange(4)
    if style == 0:
        w = [
            "Maple",
            "Harbor",
            "Quartz",
            "Falcon",
            "Cobalt",
            "Juniper",
            "Tundra",
            "Orchid",
            "Kestrel",
        ]
        return (
            f"{R.choice(w)}{R.choice(sym)}{R.choice(w).lower()}{R.randint(10, 9999)}{R.choice(sym)}"
        )
    if style == 1:
        base = rs(ALNUM, R.randint(12, 18))
        i = R.randrange(len(base))
        return base[:i] + R.choice(sym) + base[i:] + R.choice(string.digits)
    if style == 2:
        return rs(ALNUM, R.choice([20, 24, 32]))
    return rs(URLSAFE if url else ALNUM + "-_", 22)


USERS = ["app", "deploy", "svc_orders", "etl_rw", "wp_prod", "billing", "ci-bot"]
DBHOSTS = [
    "db.internal",
    "pg-primary.prod.svc",
    "10.20.3.14",
    "mysql-01.corp.net",
    "orders-db.c9xk2.eu-west-1.rds.amazonaws.com",
]


def pw_formats() -> list[tuple[str, str, Callable[[str, str, str], Snip], bool]]:
    """(format, source, make(user, host, pw) -> Snip, url_safe)."""
    return [
        (
            "pw:database_url_postgres",
            "libpq URI in .env",
            lambda u, h, p: (
                ".env",
                [
                    "APP_ENV=production",
                    f"DATABASE_URL=postgres://{u}:{p}@{h}:5432/orders?sslmode=require",
                    "WEB_CONCURRENCY=4",
                ],
                1,
            ),
            True,
        ),
        (
            "pw:database_url_mysql",
            "SQLAlchemy URL in settings.py",
            lambda u, h, p: (
                "app/db.py",
                [
                    "from sqlalchemy import create_engine",
                    "",
                    f'engine = create_engine("mysql+pymysql://{u}:{p}@{h}:3306/shop", pool_pre_ping=True)',
                ],
                2,
            ),
            True,
        ),
        (
            "pw:mongodb_uri",
            "mongoose connect in JS",
            lambda u, h, p: (
                "src/db.js",
                [
                    "const mongoose = require('mongoose');",
                    "",
                    f"mongoose.connect('mongodb+srv://{u}:{p}@cluster0.x1y2z.mongodb.net/app?retryWrites=true');",
                ],
                2,
            ),
            True,
        ),
        (
            "pw:redis_url",
            "redis URL in compose",
            lambda u, h, p: (
                "docker-compose.yml",
                [
                    "services:",
                    "  worker:",
                    "    image: ghcr.io/acme/worker:2.1.0",
                    "    environment:",
                    f"      REDIS_URL: redis://default:{p}@redis-12345.c1.eu-west-1.ec2.cloud.redislabs.com:12345",
                ],
                4,
            ),
            True,
        ),
        (
            "pw:amqp_url",
            "Celery broker URL",
            lambda u, h, p: (
                "proj/celery.py",
                [
                    "from celery import Celery",
                    "",
                    f'app = Celery("proj", broker="amqp://{u}:{p}@rabbit.internal:5672/prod")',
                ],
                2,
            ),
            True,
        ),
        (
            "pw:django_databases",
            "Django DATABASES dict",
            lambda u, h, p: (
                "config/settings/prod.py",
                [
                    "DATABASES = {",
                    '    "default": {',
                    '        "ENGINE": "django.db.backends.postgresql",',
                    '        "NAME": "orders",',
                    f'        "USER": "{u}",',
                    f'        "PASSWORD": "{p}",',
                    f'        "HOST": "{h}",',
                    "    }",
                    "}",
                ],
                5,
            ),
            False,
        ),
        (
            "pw:django_email_host_password",
            "Django EMAIL_HOST_PASSWORD",
            lambda u, h, p: (
                "config/settings/prod.py",
                [
                    'EMAIL_HOST = "smtp.sendgrid.net"',
                    'EMAIL_HOST_USER = "apikey"',
                    f'EMAIL_HOST_PASSWORD = "{p}"',
                    "EMAIL_PORT = 587",
                ],
                2,
            ),
            False,
        ),
        (
            "pw:spring_datasource",
            "Spring application.properties",
            lambda u, h, p: (
                "src/main/resources/application-prod.properties",
                [
                    f"spring.datasource.url=jdbc:postgresql://{h}:5432/orders",
                    f"spring.datasource.username={u}",
                    f"spring.datasource.password={p}",
                    "spring.jpa.hibernate.ddl-auto=validate",
                ],
                2,
            ),
            False,
        ),
        (
            "pw:spring_yml_datasource",
            "Spring application.yml",
            lambda u, h, p: (
                "src/main/resources/application.yml",
                [
                    "spring:",
                    "  datasource:",
                    f"    url: jdbc:mysql://{h}:3306/shop",
                    f"    username: {u}",
                    f"    password: '{p}'",
                ],
                4,
            ),
            False,
        ),
        (
            "pw:jdbc_url_param",
            "JDBC URL password= parameter",
            lambda u, h, p: (
                "src/main/resources/db.properties",
                [
                    "db.driver=org.postgresql.Driver",
                    f"db.url=jdbc:postgresql://{h}:5432/orders?user={u}&password={p}&ssl=true",
                    "db.pool.max=20",
                ],
                1,
            ),
            True,
        ),
        (
            "pw:dotnet_connection_string",
            "appsettings.json ConnectionStrings",
            lambda u, h, p: (
                "src/Api/appsettings.Production.json",
                [
                    "{",
                    '  "ConnectionStrings": {',
                    f'    "Default": "Server=tcp:{h},1433;Initial Catalog=orders;User ID={u};Password={p};Encrypt=True;"',
                    "  }",
                    "}",
                ],
                2,
            ),
            False,
        ),
        (
            "pw:rails_database_yml",
            "Rails config/database.yml",
            lambda u, h, p: (
                "config/database.yml",
                [
                    "production:",
                    "  adapter: postgresql",
                    "  database: orders_production",
                    f"  username: {u}",
                    f"  password: {p}",
                    f"  host: {h}",
                ],
                4,
            ),
            False,
        ),
        (
            "pw:wp_config_db_password",
            "wp-config.php DB_PASSWORD",
            lambda u, h, p: (
                "wp-config.php",
                [
                    "define( 'DB_NAME', 'wordpress' );",
                    f"define( 'DB_USER', '{u}' );",
                    f"define( 'DB_PASSWORD', '{p}' );",
                    f"define( 'DB_HOST', '{h}' );",
                ],
                2,
            ),
            False,
        ),
        (
            "pw:laravel_env",
            "Laravel .env DB_PASSWORD / MAIL_PASSWORD",
            lambda u, h, p: (
                ".env",
                [
                    "DB_CONNECTION=mysql",
                    f"DB_HOST={h}",
                    "DB_PORT=3306",
                    f"DB_USERNAME={u}",
                    R.choice([f"DB_PASSWORD={p}", f'MAIL_PASSWORD="{p}"']),
                ],
                4,
            ),
            False,
        ),
        (
            "pw:compose_postgres_password",
            "docker-compose POSTGRES_PASSWORD",
            lambda u, h, p: (
                "docker-compose.prod.yml",
                [
                    "services:",
                    "  db:",
                    "    image: postgres:16",
                    "    environment:",
                    f"      POSTGRES_USER: {u}",
                    f"      POSTGRES_PASSWORD: '{p}'",
                ],
                5,
            ),
            False,
        ),
        (
            "pw:helm_values_password",
            "Helm values (bitnami postgresql auth)",
            lambda u, h, p: (
                "charts/orders/values-prod.yaml",
                [
                    "postgresql:",
                    "  auth:",
                    f"    username: {u}",
                    f'    password: "{p}"',
                    "    database: orders",
                ],
                3,
            ),
            False,
        ),
        (
            "pw:tfvars_db_password",
            "terraform.tfvars",
            lambda u, h, p: (
                "envs/prod/terraform.tfvars",
                [
                    'db_instance_class = "db.r6g.large"',
                    f'db_username       = "{u}"',
                    f'db_password       = "{p}"',
                ],
                2,
            ),
            False,
        ),
        (
            "pw:tfstate_password",
            "terraform.tfstate aws_db_instance",
            lambda u, h, p: (
                "terraform.tfstate",
                [
                    '      "type": "aws_db_instance",',
                    '      "instances": [{ "attributes": {',
                    f'        "address": "{h}",',
                    f'        "password": "{p}",',
                    f'        "username": "{u}",',
                ],
                3,
            ),
            False,
        ),
        (
            "pw:ansible_become_password",
            "Ansible host vars (unvaulted)",
            lambda u, h, p: (
                "inventories/prod/host_vars/web01.yml",
                [f"ansible_host: {h}", f"ansible_user: {u}", f"ansible_become_password: '{p}'"],
                2,
            ),
            False,
        ),
        (
            "pw:netrc",
            "~/.netrc",
            lambda u, h, p: (
                "~/.netrc",
                [
                    f"machine {h}",
                    f"  login {u}",
                    f"  password {p}",
                    "machine api.heroku.com",
                    "  login ops@acme.io",
                ],
                2,
            ),
            False,
        ),
        (
            "pw:pypirc",
            "~/.pypirc",
            lambda u, h, p: (
                "~/.pypirc",
                [
                    "[distutils]",
                    "index-servers = internal",
                    "",
                    "[internal]",
                    "repository = https://nexus.corp.net/repository/pypi-internal/",
                    f"username = {u}",
                    f"password = {p}",
                ],
                6,
            ),
            False,
        ),
        (
            "pw:pip_conf_index_url",
            "pip.conf index-url userinfo",
            lambda u, h, p: (
                "/etc/pip.conf",
                [
                    "[global]",
                    f"index-url = https://{u}:{p}@nexus.corp.net/repository/pypi-all/simple",
                    "timeout = 60",
                ],
                1,
            ),
            True,
        ),
        (
            "pw:maven_settings_xml",
            "~/.m2/settings.xml <server>",
            lambda u, h, p: (
                "~/.m2/settings.xml",
                [
                    "<settings>",
                    "  <servers>",
                    "    <server>",
                    "      <id>nexus-releases</id>",
                    f"      <username>{u}</username>",
                    f"      <password>{p}</password>",
                    "    </server>",
                    "  </servers>",
                    "</settings>",
                ],
                5,
            ),
            False,
        ),
        (
            "pw:gradle_properties",
            "gradle.properties",
            lambda u, h, p: (
                "gradle.properties",
                [
                    "org.gradle.jvmargs=-Xmx2g",
                    f"nexusUsername={u}",
                    f"nexusPassword={p}",
                    "kotlin.code.style=official",
                ],
                2,
            ),
            False,
        ),
        (
            "pw:redis_conf_requirepass",
            "redis.conf requirepass",
            lambda u, h, p: (
                "deploy/redis/redis.conf",
                ["bind 0.0.0.0", "port 6379", f"requirepass {p}", "maxmemory 2gb"],
                2,
            ),
            False,
        ),
        (
            "pw:sql_create_user",
            "SQL migration CREATE USER / ALTER ROLE",
            lambda u, h, p: (
                "db/migrations/0007_reporting_role.sql",
                [
                    "-- reporting read-only role",
                    R.choice(
                        [
                            f"CREATE USER {u.replace('-', '_')} WITH PASSWORD '{p}';",
                            f"ALTER ROLE {u.replace('-', '_')} WITH LOGIN PASSWORD '{p}';",
                            f"CREATE USER '{u}'@'%' IDENTIFIED BY '{p}';",
                        ]
                    ),
                    f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {u.replace('-', '_')};",
                ],
                1,
            ),
            False,
        ),
        (
            "pw:wp_options_mailserver_pass",
            "SQL dump wp_options mailserver_pass (stored in plaintext)",
            lambda u, h, p: (
                "backups/wordpress-2024-05-01.sql",
                [
                    "LOCK TABLES `wp_options` WRITE;",
                    f"INSERT INTO `wp_options` VALUES (11,'mailserver_url','mail.acme.io','yes'),(12,'mailserver_login','{u}@acme.io','yes'),(13,'mailserver_pass','{p}','yes'),(14,'mailserver_port','110','yes');",
                    "UNLOCK TABLES;",
                ],
                1,
            ),
            False,
        ),
        (
            "pw:k8s_stringdata_password",
            "Kubernetes Secret stringData",
            lambda u, h, p: (
                "k8s/prod/db-secret.yaml",
                [
                    "apiVersion: v1",
                    "kind: Secret",
                    "metadata:",
                    "  name: orders-db",
                    "stringData:",
                    f"  username: {u}",
                    f'  password: "{p}"',
                ],
                6,
            ),
            False,
        ),
        (
            "pw:gha_env_literal",
            "GitHub Actions env literal",
            lambda u, h, p: (
                ".github/workflows/e2e.yml",
                [
                    "    services:",
                    "      postgres:",
                    "        image: postgres:16",
                    "    env:",
                    f"      PGHOST: {h}",
                    f"      PGPASSWORD: {p}",
                ],
                5,
            ),
            False,
        ),
        (
            "pw:dockerfile_env",
            "Dockerfile ENV",
            lambda u, h, p: (
                "Dockerfile",
                [
                    "FROM python:3.12-slim",
                    f"ENV DB_USER={u} \\",
                    f"    DB_PASSWORD={p} \\",
                    f"    DB_HOST={h}",
                    'CMD ["gunicorn", "app:app"]',
                ],
                2,
            ),
            False,
        ),
        (
            "pw:notebook_conn",
            "Jupyter notebook psycopg connect (JSON-escaped)",
            lambda u, h, p: (
                "notebooks/revenue.ipynb",
                [
                    '   "source": [',
                    '    "import psycopg\\n",',
                    f'    "conn = psycopg.connect(host=\\"{h}\\", user=\\"{u}\\", password=\\"{p}\\", dbname=\\"orders\\")\\n"',
                    "   ]",
                ],
                2,
            ),
            False,
        ),
        (
            "pw:go_dsn",
            "Go sql.Open DSN",
            lambda u, h, p: (
                "internal/store/db.go",
                [
                    "func Open() (*sql.DB, error) {",
                    f'\treturn sql.Open("mysql", "{u}:{p}@tcp({h}:3306)/shop?parseTime=true")',
                    "}",
                ],
                1,
            ),
            True,
        ),
        (
            "pw:app_log_dsn",
            "app log line leaking a connection URL",
            lambda u, h, p: (
                "logs/worker.log",
                [
                    "2024-05-03T02:00:01Z INFO starting nightly export",
                    f"2024-05-03T02:00:01Z DEBUG connecting to postgresql://{u}:{p}@{h}:5432/orders",
                    "2024-05-03T02:00:03Z ERROR export failed: timeout",
                ],
                1,
            ),
            True,
        ),
        (
            "pw:smtp_ini",
            "INI [smtp] password",
            lambda u, h, p: (
                "config/mail.ini",
                [
                    "[smtp]",
                    "host = smtp.office365.com",
                    "port = 587",
                    f"user = {u}@acme.io",
                    f"password = {p}",
                ],
                4,
            ),
            False,
        ),
    ]


# ---------------------------------------------------------------- structured positives


def pem_lines(der: bytes, width: int = 64) -> list[str]:
    s = base64.b64encode(der).decode()
    return [s[i : i + width] for i in range(0, len(s), width)]


def rsa_der() -> bytes:
    return bytes.fromhex("308204a40201000282010100") + R.randbytes(1180)


def ec_der() -> bytes:
    return (
        bytes.fromhex("30770201010420")
        + R.randbytes(32)
        + bytes.fromhex("a00a06082a8648ce3d030107a14403420004")
        + R.randbytes(64)
    )


def pkcs8_der() -> bytes:
    return bytes.fromhex(
        "308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100"
    ) + R.randbytes(1170)


def openssh_der() -> bytes:
    pub = R.randbytes(32)
    return (
        b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01"
        + b"\x00\x00\x003\x00\x00\x00\x0bssh-ed25519\x00\x00\x00 "
        + pub
        + R.randbytes(180)
    )


def structured_cases() -> list[Case]:
    out: list[Case] = []

    def add(fmt: str, src: str, text: str, secret: str) -> None:
        out.append({"text": text, "secret": secret, "format": fmt, "source": src})

    # PEM private keys in repo files
    for kind, der, path in [
        ("RSA PRIVATE KEY", rsa_der, "deploy/certs/server.key"),
        ("RSA PRIVATE KEY", rsa_der, "config/jwt/private.pem"),
        ("EC PRIVATE KEY", ec_der, "certs/apns-signing.key"),
        ("EC PRIVATE KEY", ec_der, "k8s/tls/tls.key"),
        ("PRIVATE KEY", pkcs8_der, "secrets/saml-sp.key"),
        ("OPENSSH PRIVATE KEY", openssh_der, "ansible/files/deploy_id_ed25519"),
        ("OPENSSH PRIVATE KEY", openssh_der, ".ci/deploy_key"),
    ]:
        body = pem_lines(der(), 70 if "OPENSSH" in kind else 64)
        lines = [f"-----BEGIN {kind}-----", *body, f"-----END {kind}-----"]
        text, view = render((path, lines, 0), multiline=True)
        fmt = (
            "private_key_openssh"
            if "OPENSSH" in kind
            else ("private_key_ec" if "EC" in kind else "private_key_rsa_pkcs")
        )
        add(fmt, f"PEM {kind} | view: {view}", text, "\n".join(body))

    # PEM inside a YAML block scalar (helm values / k8s stringData)
    for _ in range(2):
        body = pem_lines(rsa_der())
        ind = "    "
        lines = [
            "tls:",
            "  enabled: true",
            "  key: |",
            *(
                ind + ln
                for ln in [
                    "-----BEGIN RSA PRIVATE KEY-----",
                    *body,
                    "-----END RSA PRIVATE KEY-----",
                ]
            ),
        ]
        text = "$ cat charts/gateway/values-prod.yaml\n" + "\n".join(lines)
        # the body lines are indented: the secret is one contiguous line of it (first body line) ... use whole indented block
        secret = ("\n" + ind).join(body)
        add("private_key_in_yaml", "PEM in YAML block scalar | view: cat", text, secret)

    # GCP service-account JSON: private_key JSON-escaped
    for path in [
        "secrets/gcp-sa.json",
        "infra/terraform-sa.json",
        "functions/service-account.json",
    ]:
        body = pem_lines(pkcs8_der())
        esc = "\\n".join(body)
        proj = R.choice(["acme-prod-412309", "data-platform-7731", "orders-stg"])
        js = (
            "{\n"
            '  "type": "service_account",\n'
            f'  "project_id": "{proj}",\n'
            f'  "private_key_id": "{rs(HEX, 40)}",\n'
            f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{esc}\\n-----END PRIVATE KEY-----\\n",\n'
            f'  "client_email": "deployer@{proj}.iam.gserviceaccount.com",\n'
            f'  "client_id": "{R.randrange(10**20, 10**21)}",\n'
            '  "token_uri": "https://oauth2.googleapis.com/token"\n'
            "}"
        )
        add(
            "gcp_service_account_key",
            "GCP service account key JSON | view: cat",
            f"$ cat {path}\n{js}",
            esc,
        )

    # kubeconfig client-key-data (base64 of a PEM private key)
    for _ in range(3):
        pem = (
            "-----BEGIN RSA PRIVATE KEY-----\n"
            + "\n".join(pem_lines(rsa_der()))
            + "\n-----END RSA PRIVATE KEY-----\n"
        )
        kd = base64.b64encode(pem.encode()).decode()
        ca = base64.b64encode(
            b"-----BEGIN CERTIFICATE-----\n"
            + base64.b64encode(R.randbytes(300))
            + b"\n-----END CERTIFICATE-----\n"
        ).decode()
        text = (
            "$ cat ~/.kube/config\napiVersion: v1\nclusters:\n- cluster:\n"
            f"    certificate-authority-data: {ca}\n    server: https://10.0.0.1:6443\n  name: prod\n"
            "users:\n- name: admin\n  user:\n"
            f"    client-certificate-data: {ca[:40]}{b64(200)}\n    client-key-data: {kd}"
        )
        add("kubeconfig_client_key_data", "kubeconfig client-key-data (base64 PEM key)", text, kd)

    # Kubernetes Secret data: base64 of real-shaped secrets
    for _ in range(5):
        key, raw = R.choice(
            [
                ("password", password()),
                ("DB_PASSWORD", password()),
                ("GITHUB_TOKEN", gh("ghp_")()),
                ("STRIPE_SECRET_KEY", "sk_live_51" + rs(ALNUM, 97)),
                ("api-token", rs(HEX, 64)),
            ]
        )
        enc = base64.b64encode(raw.encode()).decode()
        lines = [
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: app-secrets",
            "type: Opaque",
            "data:",
            f"  {key}: {enc}",
        ]
        text, view = render(("k8s/base/app-secrets.yaml", lines, 6))
        add("k8s_secret_data_b64", f"Kubernetes Secret data: base64 | view: {view}", text, enc)

    # docker config.json auths
    for reg in ["ghcr.io", "registry.gitlab.com", "https://index.docker.io/v1/", "acme.azurecr.io"]:
        tok = R.choice(
            [gh("ghp_")(), "glpat-" + rs(URLSAFE, 20), "dckr_pat_" + rs(URLSAFE, 27), password()]
        )
        enc = base64.b64encode(f"ci-bot:{tok}".encode()).decode()
        text = f'$ cat ~/.docker/config.json\n{{\n  "auths": {{\n    "{reg}": {{\n      "auth": "{enc}"\n    }}\n  }}\n}}'
        add("docker_config_auth", "docker config.json auths.auth = base64(user:token)", text, enc)

    # .npmrc: _authToken, _auth, _password
    for _ in range(3):
        t = npm()
        lines = [
            "registry=https://registry.npmjs.org/",
            "@acme:registry=https://npm.pkg.github.com",
            f"//registry.npmjs.org/:_authToken={t}",
        ]
        text, view = render((".npmrc", lines, 2))
        add("npm_token", f"npmrc _authToken | view: {view}", text, t)
    for _ in range(3):
        enc = base64.b64encode(f"deploy:{password()}".encode()).decode()
        lines = [
            "registry=https://nexus.corp.net/repository/npm-all/",
            f"_auth={enc}",
            "always-auth=true",
            "email=ci@acme.io",
        ]
        text, view = render((".npmrc", lines, 1))
        add("npmrc_auth_b64", f"npmrc _auth base64(user:pass) | view: {view}", text, enc)
    for _ in range(2):
        enc = base64.b64encode(password().encode()).decode()
        lines = [
            "//pkgs.dev.azure.com/acme/_packaging/feed/npm/registry/:username=acme",
            f"//pkgs.dev.azure.com/acme/_packaging/feed/npm/registry/:_password={enc}",
            "//pkgs.dev.azure.com/acme/_packaging/feed/npm/registry/:email=npm requires email to be set but doesn't use the value",
        ]
        text, view = render((".npmrc", lines, 1))
        add("npmrc_password_b64", f"npmrc _password (base64) | view: {view}", text, enc)

    # Cargo credentials / pypirc token / gem credentials
    for _ in range(3):
        t = "cio" + rs(ALNUM, 32)
        lines = ["[registry]", f'token = "{t}"']
        text, view = render(("~/.cargo/credentials.toml", lines, 1))
        add("crates_io_token", f"cargo credentials.toml | view: {view}", text, t)
    for _ in range(2):
        t = "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 160)
        lines = ["[pypi]", "username = __token__", f"password = {t}"]
        text, view = render(("~/.pypirc", lines, 2))
        add("pypi_token", f"pypirc __token__ | view: {view}", text, t)

    # Azure storage connection strings
    for _ in range(4):
        k = b64(64)
        cs = f"DefaultEndpointsProtocol=https;AccountName=acme{rs(LOWNUM, 6)};AccountKey={k};EndpointSuffix=core.windows.net"
        s = R.choice(
            [
                (
                    "local.settings.json",
                    [
                        "{",
                        '  "IsEncrypted": false,',
                        '  "Values": {',
                        f'    "AzureWebJobsStorage": "{cs}",',
                        '    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated"',
                        "  }",
                        "}",
                    ],
                    3,
                ),
                (
                    "appsettings.json",
                    ["{", '  "ConnectionStrings": {', f'    "Blobs": "{cs}"', "  }", "}"],
                    2,
                ),
                (".env", ["NODE_ENV=production", f"AZURE_STORAGE_CONNECTION_STRING={cs}"], 1),
            ]
        )
        text, view = render(s)
        add(
            "azure_storage_account_key",
            f"Azure storage connection string AccountKey | view: {view}",
            text,
            k,
        )

    # AWS credentials file & boto3 literal
    for _ in range(4):
        sk = rs(B64, 40)
        ak = "AKIA" + rs(B32, 16)
        s = R.choice(
            [
                (
                    "~/.aws/credentials",
                    [
                        "[default]",
                        f"aws_access_key_id = {ak}",
                        f"aws_secret_access_key = {sk}",
                        "region = eu-west-1",
                    ],
                    2,
                ),
                (
                    "scripts/upload.py",
                    [
                        "import boto3",
                        "",
                        's3 = boto3.client("s3",',
                        f'    aws_access_key_id="{ak}",',
                        f'    aws_secret_access_key="{sk}")',
                    ],
                    4,
                ),
                (
                    "providers.tf",
                    [
                        'provider "aws" {',
                        '  region     = "eu-west-1"',
                        f'  access_key = "{ak}"',
                        f'  secret_key = "{sk}"',
                        "}",
                    ],
                    3,
                ),
            ]
        )
        text, view = render(s)
        add("aws_secret_access_key", f"AWS secret access key | view: {view}", text, sk)

    # Laravel APP_KEY and Rails master.key / credentials:show
    for _ in range(4):
        k = b64(32)
        lines = ["APP_NAME=Shop", "APP_ENV=production", f"APP_KEY=base64:{k}", "APP_DEBUG=false"]
        text, view = render((".env", lines, 2))
        add("laravel_app_key", f"Laravel key:generate base64:32 bytes | view: {view}", text, k)
    for _ in range(2):
        k = rs(HEX, 32)
        add(
            "rails_master_key",
            "Rails config/master.key (32 hex)",
            f"$ cat config/master.key\n{k}",
            k,
        )
    for _ in range(3):
        k = rs(HEX, 128)
        sk = "sk_live_51" + rs(ALNUM, 97)
        text = (
            "$ bin/rails credentials:show\n# aws:\n#   access_key_id: 123\n#   secret_access_key: 345\n\n"
            f"# Used as the base secret for all MessageVerifiers in Rails, including the one protecting cookies.\nsecret_key_base: {k}\n"
            f"stripe:\n  secret_key: {sk}"
        )
        add("rails_secret_key_base", "rails credentials:show (SecureRandom.hex(64))", text, k)
        out.append(
            {
                "text": text.replace(k, rs(HEX, 128)),
                "secret": sk,
                "format": "stripe_live_secret",
                "source": "rails credentials:show stripe",
            }
        )

    # WordPress salts
    wp_alpha = ALNUM + "!@#%^&*()-_[]{}<>~`+=,.;:/?|"
    for _ in range(4):
        salts = {
            n: rs(wp_alpha, 64)
            for n in ["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY"]
        }
        name = R.choice(list(salts))
        lines = ["/**#@+", " * Authentication unique keys and salts.", " */"] + [
            f"define( '{n}',{' ' * (18 - len(n))}'{s}' );" for n, s in salts.items()
        ]
        idx = 3 + list(salts).index(name)
        text, view = render(("wp-config.php", lines, idx))
        add(
            "wordpress_auth_salt",
            f"wp-config salts (api.wordpress.org/secret-key/1.1/salt: 64 chars) | view: {view}",
            text,
            salts[name],
        )

    # Django SECRET_KEY with the startproject prefix
    for _ in range(2):
        k = "django-insecure-" + rs(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)
        lines = [
            "# SECURITY WARNING: keep the secret key used in production secret!",
            f"SECRET_KEY = '{k}'",
            "",
            "# SECURITY WARNING: don't run with debug turned on in production!",
            "DEBUG = True",
        ]
        text, view = render(("mysite/settings.py", lines, 1))
        add("django_secret_key", f"django startproject SECRET_KEY | view: {view}", text, k)

    # WireGuard private keys
    for _ in range(3):
        k = b64(32)
        lines = [
            "[Interface]",
            f"PrivateKey = {k}",
            "Address = 10.8.0.2/24",
            "DNS = 10.8.0.1",
            "",
            "[Peer]",
            f"PublicKey = {b64(32)}",
            "Endpoint = vpn.acme.io:51820",
            "AllowedIPs = 0.0.0.0/0",
        ]
        text, view = render(("deploy/wireguard/wg0.conf", lines, 1))
        add(
            "wireguard_private_key",
            f"wg0.conf PrivateKey (32 bytes base64) | view: {view}",
            text,
            k,
        )

    # Basic auth header in logs / HTTP fixtures
    for _ in range(3):
        enc = base64.b64encode(f"{R.choice(USERS)}:{password()}".encode()).decode()
        s = R.choice(
            [
                (
                    "logs/nginx/debug.log",
                    [
                        '2024/05/03 10:22:14 [debug] 31#31: *7 http header: "Host: api.acme.io"',
                        f'2024/05/03 10:22:14 [debug] 31#31: *7 http header: "Authorization: Basic {enc}"',
                        '2024/05/03 10:22:14 [debug] 31#31: *7 http header: "Accept: */*"',
                    ],
                    1,
                ),
                (
                    "tests/fixtures/partner_call.http",
                    [
                        "GET https://api.partner.io/v1/orders",
                        f"Authorization: Basic {enc}",
                        "Accept: application/json",
                    ],
                    1,
                ),
            ]
        )
        text, view = render(s)
        add(
            "basic_auth_header_b64",
            f"HTTP Basic credentials base64(user:pass) | view: {view}",
            text,
            enc,
        )

    # OAuth token in nginx access log query string
    for _ in range(2):
        t = gh("gho_")()
        line = f'10.1.4.7 - - [03/May/2024:10:22:14 +0000] "GET /api/v1/export?format=csv&access_token={t} HTTP/1.1" 200 5123 "-" "python-requests/2.31.0"'
        text, view = render(
            (
                "/var/log/nginx/access.log",
                [
                    '10.1.4.9 - - [03/May/2024:10:22:13 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"',
                    line,
                ],
                1,
            )
        )
        add("github_oauth", f"access_token in access log | view: {view}", text, t)

    # curl -v in a notebook output cell (JSON-escaped)
    for _ in range(2):
        t = "sk-ant-api03-" + rs(URLSAFE, 93) + "AA"
        text = (
            "$ jq '.cells[4].outputs[0].text' notebooks/claude-eval.ipynb\n[\n"
            '  "> POST /v1/messages HTTP/2\\n",\n  "> Host: api.anthropic.com\\n",\n'
            f'  "> x-api-key: {t}\\n",\n  "> anthropic-version: 2023-06-01\\n",\n  "< HTTP/2 200 \\n"\n]'
        )
        add("anthropic_api_key", "notebook output cell (curl -v) JSON-escaped", text, t)
    return out


# ---------------------------------------------------------------- negatives


def neg_cases() -> list[tuple[str, str, str]]:
    """(family, source, text)."""
    out: list[tuple[str, str, str]] = []

    def add(fam: str, src: str, text: str) -> None:
        out.append((f"neg:{fam}", src, text))

    seen: set[str] = set()

    def add_snip(fam: str, src: str, s: Snip, multiline: bool = False) -> None:
        for _ in range(20):
            text, view = render(s, multiline)
            if text not in seen:
                break
        seen.add(text)
        add(fam, f"{src} | view: {view}", text)

    # --- placeholders, through the same file embedders as the positives
    placeholders = [
        ("GITHUB_TOKEN", "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("STRIPE_SECRET_KEY", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("STRIPE_SECRET_KEY", "sk_test_your_key_here"),
        ("OPENAI_API_KEY", "sk-...your-key..."),
        ("OPENAI_API_KEY", "<your-openai-api-key>"),
        ("ANTHROPIC_API_KEY", "your-anthropic-api-key"),
        ("AWS_SECRET_ACCESS_KEY", "YOUR_AWS_SECRET_ACCESS_KEY"),
        ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"),
        ("DB_PASSWORD", "changeme"),
        ("DB_PASSWORD", "CHANGE_ME"),
        ("DB_PASSWORD", "<password>"),
        ("DB_PASSWORD", "REPLACE_WITH_DB_PASSWORD"),
        ("JWT_SECRET", "change-this-to-a-long-random-string"),
        ("API_KEY", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("API_KEY", "********"),
        ("API_KEY", "TODO"),
        ("SECRET_KEY", "your-secret-key-goes-here"),
        (
            "SENDGRID_API_KEY",
            "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ),
        ("HF_TOKEN", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("NPM_TOKEN", "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("DATABASE_URL", "postgres://user:password@localhost:5432/mydb"),
        ("DATABASE_URL", "postgresql://<user>:<password>@<host>:5432/<db>"),
        (
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/XXXXXXXXX/XXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
        ),
        ("GOOGLE_API_KEY", "AIza..."),
        ("TWILIO_AUTH_TOKEN", "your_auth_token"),
        ("DD_API_KEY", "<DATADOG_API_KEY>"),
        ("VAULT_TOKEN", "hvs.REPLACE_ME"),
        ("AZURE_CLIENT_SECRET", "<client-secret>"),
        ("GITLAB_TOKEN", "glpat-xxxxxxxxxxxxxxxxxxxx"),
        ("SECRET_KEY_BASE", "replace_me_with_output_of_rails_secret"),
    ]
    for var, val in placeholders:
        emb = R.choice(EMBED)
        add_snip("placeholder", f"placeholder via {emb.__name__[2:]}", emb(var, val))
    for var, val in R.sample(placeholders, 20):
        emb = R.choice(EMBED)
        add_snip("placeholder", f"placeholder via {emb.__name__[2:]}", emb(var, val))

    # --- templating / references to variables, written per language
    templ = [
        (
            "app/settings.py",
            [
                'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
                'STRIPE_SECRET_KEY = os.getenv("STRIPE_SECRET_KEY")',
            ],
            0,
        ),
        (
            "app/settings.py",
            [
                "DATABASES = {",
                '    "default": dj_database_url.config(default=os.environ.get("DATABASE_URL")),',
                "}",
            ],
            1,
        ),
        (
            "alembic.ini",
            [
                "[alembic]",
                "script_location = migrations",
                "sqlalchemy.url = postgresql://%(DB_USER)s:%(DB_PASSWORD)s@%(DB_HOST)s/orders",
            ],
            2,
        ),
        (
            "src/config.ts",
            [
                "export const config = {",
                "  stripeKey: process.env.STRIPE_SECRET_KEY!,",
                "  openaiKey: process.env.OPENAI_API_KEY ?? '',",
                "};",
            ],
            1,
        ),
        (
            "next.config.js",
            [
                "  env: {",
                "    NEXT_PUBLIC_API_URL: process.env.NEXT_PUBLIC_API_URL,",
                "    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET,",
                "  },",
            ],
            2,
        ),
        (
            "config/database.yml",
            [
                "production:",
                "  <<: *default",
                "  username: <%= ENV['DB_USER'] %>",
                "  password: <%= ENV['DB_PASSWORD'] %>",
            ],
            3,
        ),
        (
            "config/initializers/stripe.rb",
            [
                "Stripe.api_key = Rails.application.credentials.dig(:stripe, :secret_key)",
                'Stripe.api_version = "2024-04-10"',
            ],
            0,
        ),
        (
            "config/services.php",
            ["    'stripe' => [", "        'secret' => env('STRIPE_SECRET'),", "    ],"],
            1,
        ),
        (
            "src/main/resources/application.yml",
            [
                "spring:",
                "  datasource:",
                "    password: ${DB_PASSWORD}",
                "    username: ${DB_USER:app}",
            ],
            2,
        ),
        (
            "src/main/java/com/acme/JwtService.java",
            ['    @Value("${jwt.secret}")', "    private String jwtSecret;"],
            0,
        ),
        (
            "internal/config/config.go",
            ['\tAPIKey:   os.Getenv("PARTNER_API_KEY"),', '\tPassword: os.Getenv("DB_PASSWORD"),'],
            0,
        ),
        (
            "src/main.rs",
            ['    let token = std::env::var("GITHUB_TOKEN").expect("GITHUB_TOKEN not set");'],
            0,
        ),
        (
            "Program.cs",
            [
                'var conn = builder.Configuration.GetConnectionString("Default");',
                'var key = Environment.GetEnvironmentVariable("PARTNER_API_KEY");',
            ],
            1,
        ),
        (
            "charts/api/templates/secret.yaml",
            [
                "stringData:",
                "  DB_PASSWORD: {{ .Values.db.password | quote }}",
                '  API_KEY: {{ required "apiKey" .Values.apiKey }}',
            ],
            1,
        ),
        (
            "charts/api/templates/deployment.yaml",
            [
                "        - name: STRIPE_SECRET_KEY",
                "          value: {{ .Values.stripe.secretKey | quote }}",
            ],
            1,
        ),
        (
            "main.tf",
            [
                'resource "aws_db_instance" "orders" {',
                "  username = var.db_username",
                "  password = var.db_password",
                "}",
            ],
            2,
        ),
        (
            "main.tf",
            [
                "  password = random_password.db.result",
                '  token    = data.vault_generic_secret.gh.data["token"]',
            ],
            0,
        ),
        (
            "roles/db/templates/pgpass.j2",
            ["{{ db_host }}:5432:orders:{{ db_user }}:{{ vault_db_password }}"],
            0,
        ),
        (
            "group_vars/prod/vars.yml",
            [
                'db_password: "{{ vault_db_password }}"',
                "api_key: \"{{ lookup('env', 'PARTNER_API_KEY') }}\"",
            ],
            0,
        ),
        (
            ".github/workflows/release.yml",
            [
                "        env:",
                "          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}",
                "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
            ],
            1,
        ),
        (
            ".gitlab-ci.yml",
            [
                "deploy:",
                "  script:",
                '    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"',
            ],
            2,
        ),
        (
            "docker-compose.yml",
            [
                "    environment:",
                "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}",
                "      API_KEY: ${API_KEY}",
            ],
            1,
        ),
        (
            "Dockerfile",
            [
                "ARG NPM_TOKEN",
                'RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc',
            ],
            1,
        ),
        (
            "azure-pipelines.yml",
            ["  - script: ./deploy.sh", "    env:", "      DB_PASSWORD: $(dbPassword)"],
            2,
        ),
        (
            "deploy.bat",
            ["set PGPASSWORD=%DB_PASSWORD%", 'psql -h %DB_HOST% -U app -c "select 1"'],
            0,
        ),
        (
            "octopus/variables.json",
            [
                '  { "Name": "ConnectionString", "Value": "Server=#{DbHost};Password=#{DbPassword};" }'
            ],
            0,
        ),
        (
            "serverless.yml",
            [
                "  environment:",
                "    STRIPE_KEY: ${ssm:/prod/stripe/secret_key}",
                "    JWT_SECRET: ${env:JWT_SECRET}",
            ],
            1,
        ),
        (
            "template.yaml",
            [
                "      MasterUserPassword: '{{resolve:secretsmanager:prod/orders/db:SecretString:password}}'"
            ],
            0,
        ),
        (
            "nomad/api.nomad.hcl",
            [
                "      template {",
                '        data = "DB_PASSWORD={{ with secret \\"kv/data/orders\\" }}{{ .Data.data.password }}{{ end }}"',
                "      }",
            ],
            1,
        ),
        (
            "pip.conf",
            [
                "[global]",
                "index-url = https://${PIP_USER}:${PIP_PASSWORD}@nexus.corp.net/repository/pypi/simple",
            ],
            1,
        ),
        (
            ".npmrc",
            [
                "@acme:registry=https://npm.pkg.github.com",
                "//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}",
            ],
            1,
        ),
        (
            "~/.m2/settings.xml",
            [
                "      <username>${env.NEXUS_USER}</username>",
                "      <password>${env.NEXUS_PASSWORD}</password>",
            ],
            1,
        ),
        (
            "gradle.properties",
            ["# set in ~/.gradle/gradle.properties, never here", "nexusPassword="],
            1,
        ),
        (
            "notebooks/explore.ipynb",
            ['    "client = OpenAI(api_key=os.environ[\\"OPENAI_API_KEY\\"])\\n",'],
            0,
        ),
        ("config/app.ini", ["[smtp]", "password = ${SMTP_PASSWORD}"], 1),
        (
            "src/config.py",
            [
                '    db_password: SecretStr = Field(..., alias="DB_PASSWORD")',
                '    api_key: str = Field(default="", alias="PARTNER_API_KEY")',
            ],
            0,
        ),
        (
            "k8s/externalsecret.yaml",
            [
                "  data:",
                "    - secretKey: password",
                "      remoteRef:",
                "        key: prod/orders/db",
                "        property: password",
            ],
            3,
        ),
        ("src/settings.rs", ['    let key = env!("PARTNER_API_KEY");'], 0),
        ("lib/config.ex", ['config :app, App.Repo, password: System.get_env("DB_PASSWORD")'], 0),
        ("wp-config.php", ["define( 'DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD') );"], 0),
    ]
    for path, lines, i in templ:
        add_snip("templating", "variable reference / template", (path, lines, i))

    # --- .env.example / .env.sample files
    example_sets = [
        [
            "# copy to .env and fill in",
            "OPENAI_API_KEY=",
            "ANTHROPIC_API_KEY=",
            "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_dev",
        ],
        [
            "STRIPE_SECRET_KEY=sk_test_...",
            "STRIPE_WEBHOOK_SECRET=whsec_...",
            "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_test_...",
        ],
        [
            "GITHUB_TOKEN=<personal access token with repo scope>",
            "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/XXXX",
        ],
        [
            "NEXTAUTH_SECRET= # openssl rand -base64 32",
            "NEXTAUTH_URL=http://localhost:3000",
            "GOOGLE_CLIENT_ID=",
            "GOOGLE_CLIENT_SECRET=",
        ],
        [
            "AWS_ACCESS_KEY_ID=your-access-key-id",
            "AWS_SECRET_ACCESS_KEY=your-secret-access-key",
            "AWS_REGION=us-east-1",
        ],
        ["APP_KEY=", "DB_PASSWORD=secret", "MAIL_PASSWORD=null", "REDIS_PASSWORD=null"],
        [
            "SUPABASE_URL=https://your-project.supabase.co",
            "SUPABASE_ANON_KEY=your-anon-key",
            "SUPABASE_SERVICE_ROLE_KEY=your-service-role-key",
        ],
        [
            "JWT_SECRET=replace-me",
            "SESSION_SECRET=replace-me-too",
            "ENCRYPTION_KEY=32-byte-hex-key-here",
        ],
        ["SENTRY_AUTH_TOKEN=sntrys_YOUR_TOKEN_HERE", "SENTRY_ORG=acme", "SENTRY_PROJECT=web"],
        ["HF_TOKEN=hf_...", "WANDB_API_KEY=<wandb key>", "COHERE_API_KEY="],
        [
            "TELEGRAM_BOT_TOKEN=123456789:ABCdefGhIJKlmNoPQRsTUVwxyZ",
            "TELEGRAM_CHAT_ID=-1001234567890",
        ],
        ["DJANGO_SECRET_KEY=dev-only-not-secret", "DJANGO_DEBUG=1", "POSTGRES_PASSWORD=postgres"],
    ]
    for lines in example_sets:
        path = R.choice([".env.example", ".env.sample", ".env.template", "apps/web/.env.example"])
        add_snip("env_example", ".env.example file", (path, lines, R.randrange(len(lines))))
    for lines in R.sample(example_sets, 8):
        add_snip(
            "env_example", ".env.example file", (".env.example", lines, R.randrange(len(lines)))
        )

    # --- obviously fake test fixtures
    fixtures = [
        (
            "tests/conftest.py",
            [
                '    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_fake")',
                '    monkeypatch.setenv("OPENAI_API_KEY", "test-key")',
            ],
            0,
        ),
        (
            "tests/conftest.py",
            [
                "@pytest.fixture",
                "def user(db):",
                '    return User.objects.create_user("alice", password="testpass123")',
            ],
            2,
        ),
        (
            "tests/test_auth.py",
            [
                '    resp = client.post("/login", json={"username": "bob", "password": "wrong-password"})',
                "    assert resp.status_code == 401",
            ],
            0,
        ),
        (
            "spec/factories/users.rb",
            [
                "FactoryBot.define do",
                "  factory :user do",
                '    password { "password123" }',
                "  end",
            ],
            2,
        ),
        (
            "src/__tests__/auth.test.ts",
            ["const token = 'fake-jwt-token';", "mockFetch.mockResolvedValue({ token });"],
            0,
        ),
        (
            "internal/auth/auth_test.go",
            [
                '\tconst testSecret = "test-secret-do-not-use"',
                "\tsigned, err := Sign(claims, testSecret)",
            ],
            0,
        ),
        (
            "src/test/resources/application-test.properties",
            [
                "spring.datasource.url=jdbc:h2:mem:testdb",
                "spring.datasource.username=sa",
                "spring.datasource.password=",
                "app.jwt.secret=test-jwt-secret",
            ],
            3,
        ),
        (
            "tests/fixtures/github_events.json",
            [
                '  "installation": { "id": 1234 },',
                '  "token": "ghs_000000000000000000000000000000000000"',
            ],
            1,
        ),
        (
            "tests/test_client.py",
            ['API_KEY = "dummy-api-key"', "client = Client(api_key=API_KEY, base_url=server.url)"],
            0,
        ),
        (
            "cypress.env.json",
            ['{ "username": "e2e-user@example.com", "password": "e2e-password" }'],
            0,
        ),
        (
            "tests/conftest.py",
            [
                'os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")',
                'os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")',
            ],
            1,
        ),
        (
            "jest.setup.js",
            [
                "process.env.NEXTAUTH_SECRET = 'test-secret';",
                "process.env.DATABASE_URL = 'postgres://test:test@localhost:5432/test';",
            ],
            0,
        ),
        (
            "docker-compose.test.yml",
            [
                "      POSTGRES_USER: test",
                "      POSTGRES_PASSWORD: test",
                "      POSTGRES_DB: test",
            ],
            1,
        ),
        (
            "tests/unit/test_crypto.py",
            ['    key = b"0" * 32', "    assert decrypt(encrypt(b'hi', key), key) == b'hi'"],
            0,
        ),
        ("test/mocks/slack.ts", ["export const SLACK_TOKEN = 'xoxb-test-token';"], 0),
        ("tests/test_settings.py", ['    settings.SECRET_KEY = "insecure-test-key"'], 0),
        (
            "src/test/kotlin/AuthTest.kt",
            ['    private val password = "Passw0rd!"  // test user only'],
            0,
        ),
        (
            "tests/fixtures/users.yaml",
            ["- username: admin", "  password: admin", "- username: viewer", "  password: viewer"],
            1,
        ),
        (
            "e2e/.env.test",
            ["API_TOKEN=test", "PARTNER_API_KEY=fake", "WEBHOOK_SECRET=whsec_test"],
            2,
        ),
        (
            "tests/test_webhooks.py",
            [
                'WEBHOOK_SECRET = "whsec_test_secret"',
                "sig = stripe.WebhookSignature._compute_signature(payload, WEBHOOK_SECRET)",
            ],
            0,
        ),
    ]
    for path, lines, i in fixtures:
        add_snip("test_fixture", "obviously fake fixture value", (path, lines, i))

    # --- password / key hashes (decision: hashes are not plaintext secrets)
    bc = ALNUM + "./"

    def bcrypt() -> str:
        return f"$2{R.choice('aby')}$12${rs(bc, 53)}"

    def argon() -> str:
        return f"$argon2id$v=19$m=65536,t=3,p=4${b64(16).rstrip('=')}${b64(32).rstrip('=')}"

    def pbkdf2() -> str:
        return f"pbkdf2_sha256$870000${rs(ALNUM, 22)}${b64(32)}"

    for _ in range(4):
        add_snip(
            "hash",
            "SQL dump INSERT users password_hash (bcrypt)",
            (
                "backups/app-2024-05-01.sql",
                [
                    "INSERT INTO `users` (`id`, `email`, `password_hash`, `created_at`) VALUES",
                    f"(1,'alice@acme.io','{bcrypt()}','2024-01-02 10:00:00'),",
                    f"(2,'bob@acme.io','{bcrypt()}','2024-01-05 12:30:00');",
                ],
                1,
            ),
        )
        add_snip(
            "hash",
            "Django fixture pbkdf2 password",
            (
                "app/fixtures/users.json",
                [
                    "[",
                    '  {"model": "auth.user", "pk": 1, "fields": {',
                    f'    "username": "admin", "password": "{pbkdf2()}",',
                    '    "is_superuser": true}}',
                    "]",
                ],
                2,
            ),
        )
        add_snip(
            "hash",
            "htpasswd file (apr1 / bcrypt / {SHA})",
            (
                "deploy/nginx/.htpasswd",
                [
                    f"admin:$apr1${rs(ALNUM, 8)}${rs(bc, 22)}",
                    f"ops:{bcrypt()}",
                    f"metrics:{{SHA}}{b64(20)}",
                ],
                R.randrange(3),
            ),
        )
        add_snip(
            "hash",
            "argon2 hash in seed data",
            (
                "db/seeds.sql",
                [f"INSERT INTO accounts (email, password) VALUES ('root@acme.io', '{argon()}');"],
                0,
            ),
        )
        add_snip(
            "hash",
            "sha256 digests (SHA256SUMS / checksums)",
            (
                "dist/SHA256SUMS",
                [
                    f"{rs(HEX, 64)}  app-1.8.2-linux-amd64.tar.gz",
                    f"{rs(HEX, 64)}  app-1.8.2-darwin-arm64.tar.gz",
                ],
                0,
            ),
        )
        add_snip(
            "hash",
            "users.yml fixture with bcrypt encrypted_password (Devise)",
            (
                "spec/fixtures/users.yml",
                ["admin:", "  email: admin@acme.io", f'  encrypted_password: "{bcrypt()}"'],
                2,
            ),
        )
        add_snip(
            "hash",
            "Postgres SCRAM verifier / MySQL native hash in dump",
            (
                "backups/roles.sql",
                [
                    R.choice(
                        [
                            f"ALTER ROLE app WITH PASSWORD 'SCRAM-SHA-256$4096:{b64(16)}${b64(32)}:{b64(32)}';",
                            f"CREATE USER 'app'@'%' IDENTIFIED WITH mysql_native_password AS '*{rs(HEX.upper(), 40)}';",
                        ]
                    )
                ],
                0,
            ),
        )
        add_snip(
            "hash",
            "/etc/shadow line in ansible files",
            (
                "roles/base/files/shadow.fragment",
                [
                    f"deploy:$6${rs(ALNUM, 16)}${rs(bc, 86)}:19800:0:99999:7:::",
                    f"backup:$y$j9T${rs(bc, 22)}${rs(bc, 43)}:19800:0:99999:7:::",
                ],
                0,
            ),
        )
    for _ in range(5):
        add_snip(
            "hash",
            "ansible user module with password_hash() result",
            (
                "roles/users/vars/main.yml",
                [
                    "users:",
                    "  - name: deploy",
                    f'    password: "{R.choice(["$6$", "$5$"])}{rs(ALNUM, 16)}${rs(bc, 86)}"',
                ],
                2,
            ),
        )

    # --- public keys and certificates
    def ssh_pub() -> str:
        if R.random() < 0.5:
            return (
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
                + b64(33)[:43]
                + f" {R.choice(USERS)}@laptop"
            )
        return "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + rs(B64, 507) + "= ci@build"

    for _ in range(5):
        add_snip(
            "public_key_cert",
            "authorized_keys / .pub",
            ("ansible/files/authorized_keys", [ssh_pub(), ssh_pub()], 0),
        )
        add_snip(
            "public_key_cert",
            "known_hosts (hashed)",
            (
                "~/.ssh/known_hosts",
                [
                    f"|1|{b64(20)}|{b64(20)} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(33)[:43]}",
                    f"github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{b64(64)}",
                ],
                0,
            ),
        )
        body = pem_lines(
            bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + R.randbytes(65)
        )
        add_snip(
            "public_key_cert",
            "PEM PUBLIC KEY (JWT verify key)",
            (
                "config/jwt/public.pem",
                ["-----BEGIN PUBLIC KEY-----", *body, "-----END PUBLIC KEY-----"],
                0,
            ),
            True,
        )
        body = pem_lines(bytes.fromhex("308203") + R.randbytes(800))
        add_snip(
            "public_key_cert",
            "PEM CERTIFICATE",
            (
                "deploy/certs/ca.crt",
                ["-----BEGIN CERTIFICATE-----", *body, "-----END CERTIFICATE-----"],
                0,
            ),
            True,
        )
    for _ in range(4):
        jwks = json.dumps(
            {
                "keys": [
                    {
                        "kty": "RSA",
                        "kid": rs(HEX, 16),
                        "use": "sig",
                        "alg": "RS256",
                        "n": b64url(R.randbytes(256)),
                        "e": "AQAB",
                    }
                ]
            },
            indent=2,
        ).split("\n")
        add_snip(
            "public_key_cert", "JWKS public key set", ("public/.well-known/jwks.json", jwks, 6)
        )
        add_snip(
            "public_key_cert",
            "WireGuard peer PublicKey / age recipient",
            R.choice(
                [
                    (
                        "deploy/wireguard/peers.conf",
                        ["[Peer]", f"PublicKey = {b64(32)}", "AllowedIPs = 10.8.0.3/32"],
                        1,
                    ),
                    (
                        ".sops.yaml",
                        [
                            "creation_rules:",
                            "  - path_regex: secrets/.*\\.yaml$",
                            "    age: age1" + "".join(R.choice(BECH32) for _ in range(58)),
                        ],
                        2,
                    ),
                ]
            ),
        )
        add_snip(
            "public_key_cert",
            "GPG public key block in repo",
            (
                "KEYS",
                [
                    "-----BEGIN PGP PUBLIC KEY BLOCK-----",
                    "",
                    *pem_lines(b"\x99\x01\x8d\x04" + R.randbytes(300)),
                    f"={rs(ALNUM, 4)}",
                    "-----END PGP PUBLIC KEY BLOCK-----",
                ],
                0,
            ),
            True,
        )

    # --- encrypted blobs
    for _ in range(4):
        add_snip(
            "ciphertext",
            "ansible-vault file",
            (
                "group_vars/prod/vault.yml",
                ["$ANSIBLE_VAULT;1.1;AES256", *(rs(HEX, 80) for _ in range(6))],
                1,
            ),
            True,
        )
        add_snip(
            "ciphertext",
            "inline !vault value",
            (
                "group_vars/prod/vars.yml",
                [
                    "db_password: !vault |",
                    "          $ANSIBLE_VAULT;1.1;AES256",
                    *("          " + rs(HEX, 80) for _ in range(4)),
                ],
                2,
            ),
            True,
        )
        enc = f"ENC[AES256_GCM,data:{b64(R.randint(14, 40))},iv:{b64(32)},tag:{b64(16)},type:str]"
        add_snip(
            "ciphertext",
            "sops-encrypted YAML value",
            (
                "secrets/prod.enc.yaml",
                [
                    "database:",
                    f"    password: {enc}",
                    "sops:",
                    '    lastmodified: "2024-05-01T10:00:00Z"',
                    f"    mac: ENC[AES256_GCM,data:{b64(64)},iv:{b64(32)},tag:{b64(16)},type:str]",
                ],
                1,
            ),
        )
        add_snip(
            "ciphertext",
            "Bitnami SealedSecret encryptedData",
            (
                "k8s/prod/sealed-db.yaml",
                [
                    "apiVersion: bitnami.com/v1alpha1",
                    "kind: SealedSecret",
                    "spec:",
                    "  encryptedData:",
                    f"    password: Ag{b64(360)}",
                ],
                4,
            ),
        )
        add_snip(
            "ciphertext",
            "jasypt ENC() in Spring properties / Rails credentials.yml.enc",
            R.choice(
                [
                    (
                        "src/main/resources/application-prod.properties",
                        [
                            f"spring.datasource.password=ENC({b64(48)})",
                            "jasypt.encryptor.algorithm=PBEWITHHMACSHA512ANDAES_256",
                        ],
                        0,
                    ),
                    ("config/credentials.yml.enc", [f"{b64(480)}--{b64(12)}--{b64(16)}"], 0),
                ]
            ),
        )
    for _ in range(5):
        add_snip(
            "ciphertext",
            "KMS ciphertext blob / EJSON",
            R.choice(
                [
                    (
                        "infra/params.json",
                        ['{ "DbPasswordCiphertext": "AQICAHh' + b64(150) + '" }'],
                        0,
                    ),
                    (
                        "config/secrets.production.ejson",
                        [
                            "{",
                            f'  "_public_key": "{rs(HEX, 64)}",',
                            f'  "stripe_key": "EJ[1:{b64(32)}:{b64(24)}:{b64(60)}]"',
                            "}",
                        ],
                        2,
                    ),
                ]
            ),
        )

    # --- secret NAMES and references (no values)
    refs = [
        (
            "k8s/deploy.yaml",
            [
                "        env:",
                "          - name: DB_PASSWORD",
                "            valueFrom:",
                "              secretKeyRef:",
                "                name: orders-db",
                "                key: password",
            ],
            3,
        ),
        (
            "k8s/deploy.yaml",
            [
                "        envFrom:",
                "          - secretRef:",
                "              name: api-env",
                "          - configMapRef:",
                "              name: api-config",
            ],
            1,
        ),
        (
            "terraform/secrets.tf",
            [
                'data "aws_secretsmanager_secret_version" "db" {',
                '  secret_id = "prod/orders/db"',
                "}",
                "",
                "locals {",
                '  db_password = jsondecode(data.aws_secretsmanager_secret_version.db.secret_string)["password"]',
                "}",
            ],
            0,
        ),
        (
            "terraform/ssm.tf",
            [
                'data "aws_ssm_parameter" "stripe" {',
                '  name            = "/prod/stripe/secret_key"',
                "  with_decryption = true",
                "}",
            ],
            1,
        ),
        (
            "terraform/vault.tf",
            [
                'data "vault_kv_secret_v2" "github" {',
                '  mount = "kv"',
                '  name  = "ci/github-token"',
                "}",
            ],
            2,
        ),
        (
            "appsettings.Production.json",
            [
                '  "Partner": { "ApiKey": "@Microsoft.KeyVault(SecretUri=https://acme-prod-kv.vault.azure.net/secrets/PartnerApiKey/)" }'
            ],
            0,
        ),
        (
            "cloudrun/service.yaml",
            [
                "        - name: DB_PASSWORD",
                "          valueFrom:",
                "            secretKeyRef:",
                "              key: latest",
                "              name: orders-db-password",
            ],
            4,
        ),
        (
            "src/main/resources/bootstrap.yml",
            [
                "spring:",
                "  cloud:",
                "    vault:",
                "      kv:",
                "        backend: secret",
                "        default-context: orders",
            ],
            4,
        ),
        (
            ".github/workflows/deploy.yml",
            [
                "      - uses: aws-actions/configure-aws-credentials@v4",
                "        with:",
                "          role-to-assume: arn:aws:iam::123456789012:role/gha-deploy",
                "          aws-region: eu-west-1",
            ],
            2,
        ),
        (
            "docker-compose.yml",
            [
                "services:",
                "  db:",
                "    secrets:",
                "      - db_password",
                "secrets:",
                "  db_password:",
                "    file: ./secrets/db_password.txt",
            ],
            6,
        ),
        (
            "charts/orders/values.yaml",
            [
                "postgresql:",
                "  auth:",
                "    existingSecret: orders-db-credentials",
                "    secretKeys:",
                "      adminPasswordKey: postgres-password",
            ],
            2,
        ),
        (
            "op.env",
            [
                "STRIPE_SECRET_KEY=op://Production/Stripe/secret key",
                "DB_PASSWORD=op://Production/orders-db/password",
            ],
            0,
        ),
        (
            "deploy/api.service",
            [
                "[Service]",
                "LoadCredential=db-password:/etc/credstore/orders-db-password",
                "ExecStart=/usr/bin/api",
            ],
            1,
        ),
        (
            "k8s/externalsecret.yaml",
            [
                "apiVersion: external-secrets.io/v1beta1",
                "kind: ExternalSecret",
                "spec:",
                "  secretStoreRef:",
                "    name: aws-secretsmanager",
                "  dataFrom:",
                "    - extract:",
                "        key: prod/orders/api",
            ],
            7,
        ),
        (
            "src/secrets.py",
            [
                'name = "projects/acme-prod/secrets/stripe-secret-key/versions/latest"',
                "payload = client.access_secret_version(name=name).payload.data",
            ],
            0,
        ),
        (
            "policy.json",
            [
                '      "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/db-AbCdEf"'
            ],
            0,
        ),
        ("Makefile", ["deploy:", "\tdoppler run --project api --config prd -- ./bin/deploy"], 1),
        (
            "src/vault.go",
            [
                '\tsecret, err := client.KVv2("kv").Get(ctx, "ci/github-token")',
                '\ttoken := secret.Data["token"].(string)',
            ],
            0,
        ),
        (
            ".sops.yaml",
            [
                "creation_rules:",
                "  - path_regex: secrets/prod/.*",
                "    kms: arn:aws:kms:eu-west-1:123456789012:key/" + uuid4(),
            ],
            2,
        ),
        (
            "k8s/serviceaccount.yaml",
            [
                "apiVersion: v1",
                "kind: ServiceAccount",
                "metadata:",
                "  name: ci",
                "secrets:",
                "  - name: ci-token-x7k2p",
            ],
            5,
        ),
    ]
    for path, lines, i in refs:
        add_snip("secret_reference", "secret name / reference, no value", (path, lines, i))
    names = [
        "$ kubectl get secrets -n prod\nNAME                  TYPE                                  DATA   AGE\norders-db             Opaque                                2      41d\napi-env               Opaque                                7      41d\nghcr-pull             kubernetes.io/dockerconfigjson        1      120d\ntls-api-acme-io       kubernetes.io/tls                     2      12d",
        "$ gh secret list\nAWS_ROLE_ARN          Updated 2024-04-11\nNPM_TOKEN             Updated 2024-03-02\nSLACK_WEBHOOK_URL     Updated 2024-01-19\nSTRIPE_SECRET_KEY     Updated 2024-04-30",
        "$ aws secretsmanager list-secrets --query 'SecretList[].Name' --output text\nprod/orders/db\tprod/stripe/secret_key\tprod/github/app-private-key",
        "$ vault kv list kv/ci\nKeys\n----\ngithub-token\nnpm-token\npypi-token",
        "$ grep -o '^[A-Z_]*=' .env\nAPP_ENV=\nDATABASE_URL=\nOPENAI_API_KEY=\nSTRIPE_SECRET_KEY=\nSTRIPE_WEBHOOK_SECRET=",
        "$ doppler secrets --only-names\n┌──────────────────────┐\n│ NAME                 │\n├──────────────────────┤\n│ DATABASE_URL         │\n│ JWT_SECRET           │\n│ STRIPE_SECRET_KEY    │\n└──────────────────────┘",
        "$ heroku config --json | jq -r 'keys[]'\nDATABASE_URL\nREDIS_URL\nSECRET_KEY_BASE\nSENDGRID_API_KEY",
        "$ rg -l 'STRIPE_SECRET_KEY'\napp/billing/client.py\n.env.example\ndocs/deploy.md\ncharts/api/values.yaml",
    ]
    for t in names:
        add("secret_names", "listing of secret names", t)

    # --- ids: UUIDs, cloud ids, object ids
    for _ in range(5):
        add_snip(
            "uuid_id",
            "k8s metadata uid / resourceVersion",
            (
                "k8s/live/api-pod.yaml",
                [
                    "metadata:",
                    f"  uid: {uuid4()}",
                    f'  resourceVersion: "{R.randrange(10**7, 10**8)}"',
                    f"  name: api-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)}",
                ],
                1,
            ),
        )
        add_snip(
            "uuid_id",
            "Azure ids in terraform",
            (
                "providers.tf",
                [
                    'provider "azurerm" {',
                    "  features {}",
                    f'  subscription_id = "{uuid4()}"',
                    f'  tenant_id       = "{uuid4()}"',
                    "}",
                ],
                2,
            ),
        )
        add_snip(
            "uuid_id",
            "request/trace ids in app log",
            (
                "logs/api.log",
                [
                    f'{{"level":"error","request_id":"{uuid4()}","trace_id":"{rs(HEX, 32)}","span_id":"{rs(HEX, 16)}","msg":"upstream 502"}}'
                ],
                0,
            ),
        )
        add_snip(
            "uuid_id",
            "tfstate resource ids",
            (
                "terraform.tfstate",
                [
                    f'        "id": "i-0{rs(HEX, 16)}",',
                    f'        "ami": "ami-0{rs(HEX, 16)}",',
                    f'        "arn": "arn:aws:ec2:eu-west-1:{R.randrange(10**11, 10**12)}:instance/i-0{rs(HEX, 16)}",',
                    f'        "vpc_security_group_ids": ["sg-0{rs(HEX, 16)}"],',
                ],
                0,
            ),
        )
        add_snip(
            "uuid_id",
            "Stripe object ids in fixtures",
            (
                "tests/fixtures/stripe_invoice.json",
                [
                    "{",
                    f'  "id": "in_1{rs(ALNUM, 23)}",',
                    f'  "customer": "cus_{rs(ALNUM, 14)}",',
                    f'  "payment_intent": "pi_3{rs(ALNUM, 23)}",',
                    f'  "price": "price_1{rs(ALNUM, 23)}"',
                    "}",
                ],
                2,
            ),
        )

    # --- git SHAs / digests
    for _ in range(4):
        add_snip(
            "git_sha",
            "pinned action SHAs",
            (
                ".github/workflows/ci.yml",
                [
                    f"      - uses: actions/checkout@{rs(HEX, 40)} # v4.1.1",
                    f"      - uses: actions/setup-node@{rs(HEX, 40)} # v4.0.2",
                ],
                0,
            ),
        )
        add_snip(
            "git_sha",
            "go.mod pseudo-version",
            (
                "go.mod",
                [
                    "require (",
                    f"\tgithub.com/acme/sdk v0.0.0-2024{R.randint(10, 12)}{R.randint(10, 28)}101530-{rs(HEX, 12)}",
                    "\tgolang.org/x/sync v0.7.0",
                    ")",
                ],
                1,
            ),
        )
        add_snip(
            "git_sha",
            "Dockerfile FROM by digest",
            ("Dockerfile", [f"FROM python:3.12-slim@sha256:{rs(HEX, 64)}", "WORKDIR /app"], 0),
        )
        add_snip(
            "git_sha",
            "package.json gitHead / renovate commit",
            (
                "package.json",
                [
                    "{",
                    '  "name": "@acme/ui",',
                    '  "version": "3.2.1",',
                    f'  "gitHead": "{rs(HEX, 40)}"',
                    "}",
                ],
                3,
            ),
        )
        add_snip(
            "git_sha",
            "submodule / vendored commit",
            (".gitmodules.lock", [f"{rs(HEX, 40)} vendor/protos (v1.4.0-3-g{rs(HEX, 7)})"], 0),
        )

    # --- lockfile integrity / checksums
    for _ in range(4):
        add_snip(
            "lockfile_integrity",
            "package-lock.json integrity",
            (
                "package-lock.json",
                [
                    '    "node_modules/axios": {',
                    '      "version": "1.6.8",',
                    '      "resolved": "https://registry.npmjs.org/axios/-/axios-1.6.8.tgz",',
                    f'      "integrity": "sha512-{b64(64)}",',
                ],
                3,
            ),
        )
        add_snip(
            "lockfile_integrity",
            "yarn.lock / pnpm-lock",
            R.choice(
                [
                    (
                        "yarn.lock",
                        [
                            '"lodash@^4.17.21":',
                            '  version "4.17.21"',
                            '  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c"',
                            f"  integrity sha512-{b64(64)}",
                        ],
                        3,
                    ),
                    (
                        "pnpm-lock.yaml",
                        [
                            "  /zod@3.23.8:",
                            f"    resolution: {{integrity: sha512-{b64(64)}}}",
                            "    dev: false",
                        ],
                        1,
                    ),
                ]
            ),
        )
        add_snip(
            "lockfile_integrity",
            "go.sum",
            (
                "go.sum",
                [
                    f"github.com/stretchr/testify v1.9.0 h1:{b64(32)}",
                    f"github.com/stretchr/testify v1.9.0/go.mod h1:{b64(32)}",
                ],
                0,
            ),
        )
        add_snip(
            "lockfile_integrity",
            "Cargo.lock checksum",
            (
                "Cargo.lock",
                [
                    "[[package]]",
                    'name = "serde"',
                    'version = "1.0.200"',
                    'source = "registry+https://github.com/rust-lang/crates.io-index"',
                    f'checksum = "{rs(HEX, 64)}"',
                ],
                4,
            ),
        )
        add_snip(
            "lockfile_integrity",
            "poetry.lock / uv.lock hashes",
            (
                "poetry.lock",
                [
                    "files = [",
                    f'    {{file = "requests-2.31.0-py3-none-any.whl", hash = "sha256:{rs(HEX, 64)}"}},',
                    f'    {{file = "requests-2.31.0.tar.gz", hash = "sha256:{rs(HEX, 64)}"}},',
                    "]",
                ],
                1,
            ),
        )
        add_snip(
            "lockfile_integrity",
            ".terraform.lock.hcl hashes",
            (
                ".terraform.lock.hcl",
                [
                    'provider "registry.terraform.io/hashicorp/aws" {',
                    '  version = "5.47.0"',
                    "  hashes = [",
                    f'    "h1:{b64(32)}",',
                    f'    "zh:{rs(HEX, 64)}",',
                    "  ]",
                ],
                3,
            ),
        )
    add_snip(
        "lockfile_integrity",
        "flake.lock narHash",
        (
            "flake.lock",
            [
                '      "locked": {',
                f'        "narHash": "sha256-{b64(32)}",',
                f'        "rev": "{rs(HEX, 40)}",',
            ],
            1,
        ),
    )

    # --- base64 of non-secret data
    for _ in range(4):
        add_snip(
            "base64_nonsecret",
            "ConfigMap binaryData (PNG)",
            (
                "k8s/branding-cm.yaml",
                [
                    "apiVersion: v1",
                    "kind: ConfigMap",
                    "metadata:",
                    "  name: branding",
                    "binaryData:",
                    f"  logo.png: iVBORw0KGgoAAAANSUhEUgAA{b64(150)}",
                ],
                5,
            ),
        )
        cfg = base64.b64encode(
            json.dumps(
                {
                    "logLevel": R.choice(["info", "debug", "warn"]),
                    "features": {"newCheckout": R.random() < 0.5, "betaSearch": R.random() < 0.5},
                    "region": R.choice(["eu-west-1", "us-east-1", "ap-south-1"]),
                    "rollout": R.randint(1, 100),
                }
            ).encode()
        ).decode()
        add_snip(
            "base64_nonsecret",
            "base64 JSON feature config in ConfigMap",
            ("k8s/app-cm.yaml", ["kind: ConfigMap", "data:", f"  FEATURES_B64: {cfg}"], 2),
        )
        add_snip(
            "base64_nonsecret",
            "kubeconfig certificate-authority-data (public CA cert)",
            (
                "~/.kube/config",
                [
                    "clusters:",
                    "- cluster:",
                    "    certificate-authority-data: "
                    + base64.b64encode(
                        b"-----BEGIN CERTIFICATE-----\n"
                        + base64.b64encode(R.randbytes(600))
                        + b"\n-----END CERTIFICATE-----\n"
                    ).decode(),
                    "    server: https://10.0.0.1:6443",
                ],
                2,
            ),
        )
        add_snip(
            "base64_nonsecret",
            "data: URI in CSS",
            (
                "src/styles/icons.css",
                [
                    ".icon-check {",
                    f"  background-image: url(data:image/svg+xml;base64,{base64.b64encode(('<svg xmlns=' + chr(34) + 'http://www.w3.org/2000/svg' + chr(34) + ' viewBox=' + chr(34) + '0 0 24 24' + chr(34) + '><path d=' + chr(34) + f'M{R.randint(2, 12)} {R.randint(2, 20)}.{R.randint(0, 9)} 4.8 12l-1.4 1.4L9 19 21 {R.randint(3, 9)}l-1.4-1.4z' + chr(34) + '/></svg>').encode()).decode()});",
                    "}",
                ],
                1,
            ),
        )
    for txt in [
        b"# nginx default server\nserver { listen 80; return 301 https://$host$request_uri; }\n",
        b"#!/bin/sh\nexec /usr/local/bin/api --config /etc/api/config.yaml\n",
        b"log_level: info\nmetrics:\n  enabled: true\n",
    ]:
        add_snip(
            "base64_nonsecret",
            "user-data / ConfigMap base64 script",
            (
                "cloud-init/user-data.yaml",
                [
                    "write_files:",
                    "  - path: /etc/app/boot.sh",
                    "    encoding: b64",
                    f"    content: {base64.b64encode(txt).decode()}",
                ],
                3,
            ),
        )

    # --- minified / built JS artefacts
    for _ in range(4):
        chunks = ",".join(f'{R.randint(10, 999)}:"{rs(HEX, 8)}"' for _ in range(6))
        add_snip(
            "minified_js",
            "webpack chunk hash map",
            (
                "dist/static/js/runtime.js",
                [
                    f'!function(){{var e={{}};r.u=function(e){{return"static/js/"+e+"."+{{{chunks}}}[e]+".chunk.js"}}}}();'
                ],
                0,
            ),
        )
        add_snip(
            "minified_js",
            "sourcemap mappings",
            (
                "dist/main.js.map",
                [
                    '{"version":3,"file":"main.js","sources":["../src/index.ts"],"names":["e","t"],"mappings":"'
                    + ";".join(
                        rs(
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                            R.randint(4, 9),
                        )
                        + ","
                        + rs("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh", 4)
                        for _ in range(12)
                    )
                    + '"}'
                ],
                0,
            ),
        )
        add_snip(
            "minified_js",
            "script integrity / hashed asset names",
            (
                "dist/index.html",
                [
                    f'<script type="module" crossorigin src="/assets/index-{rs(URLSAFE, 8)}.js" integrity="sha384-{b64(48)}"></script>',
                    f'<link rel="stylesheet" href="/assets/index-{rs(URLSAFE, 8)}.css">',
                ],
                0,
            ),
        )
    add_snip("minified_js", "Next.js build id", (".next/BUILD_ID", [rs(URLSAFE, 21)], 0))
    add_snip(
        "minified_js",
        "CSS modules class map",
        (
            "dist/app.css.json",
            [
                f'{{"button":"Button_button__{rs(URLSAFE, 5)}","primary":"Button_primary__{rs(URLSAFE, 5)}"}}'
            ],
            0,
        ),
    )

    # --- i18n strings mentioning passwords/tokens
    i18n = [
        (
            "src/locales/en.json",
            [
                '  "auth.password.label": "Password",',
                '  "auth.password.forgot": "Forgot your password?",',
                '  "auth.token.expired": "Your session token has expired. Please sign in again."',
            ],
            1,
        ),
        (
            "src/locales/de.json",
            [
                '  "auth.password.label": "Passwort",',
                '  "auth.password.hint": "Mindestens 12 Zeichen, davon eine Ziffer"',
            ],
            0,
        ),
        (
            "config/locales/devise.en.yml",
            [
                "    passwords:",
                '      send_instructions: "You will receive an email with instructions on how to reset your password in a few minutes."',
            ],
            1,
        ),
        (
            "locale/fr/LC_MESSAGES/django.po",
            ['msgid "Enter your API key"', 'msgstr "Saisissez votre clé API"'],
            0,
        ),
        (
            "src/locales/es.json",
            [
                '  "settings.apiKey.regenerate": "Regenerar clave secreta",',
                '  "settings.apiKey.warning": "La clave secreta solo se muestra una vez"',
            ],
            0,
        ),
        (
            "app/src/main/res/values/strings.xml",
            [
                '    <string name="password_hint">Password</string>',
                '    <string name="error_invalid_token">Invalid access token</string>',
            ],
            1,
        ),
        (
            "src/locales/ja.json",
            ['  "auth.password": "パスワード",', '  "auth.secretKey": "シークレットキー"'],
            0,
        ),
        (
            "resources/lang/en/passwords.php",
            [
                "    'reset' => 'Your password has been reset.',",
                "    'token' => 'This password reset token is invalid.',",
            ],
            1,
        ),
        (
            "src/i18n/en.ts",
            [
                "  apiKeyPlaceholder: 'sk-...',",
                "  passwordTooShort: 'Password must be at least 12 characters',",
            ],
            0,
        ),
        (
            "docs/faq.md",
            [
                "**Where do I find my API token?** Go to Settings → Developer → Tokens and click *Generate new token*."
            ],
            0,
        ),
    ]
    for path, lines, i in i18n:
        add_snip("i18n_strings", "UI/i18n strings", (path, lines, i))

    # --- vendor documentation example values
    aws_id, aws_sk = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    jwtio = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    docs = [
        (
            "README.md",
            [
                "```ini",
                "[default]",
                f"aws_access_key_id = {aws_id}",
                f"aws_secret_access_key = {aws_sk}",
                "```",
            ],
            3,
        ),
        (
            "tests/test_s3.py",
            [
                f'os.environ["AWS_ACCESS_KEY_ID"] = "{aws_id}"',
                f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{aws_sk}"',
            ],
            1,
        ),
        (
            "localstack/docker-compose.yml",
            [
                "    environment:",
                f"      - AWS_ACCESS_KEY_ID={aws_id}",
                f"      - AWS_SECRET_ACCESS_KEY={aws_sk}",
            ],
            2,
        ),
        (
            "src/__tests__/jwt.test.ts",
            [
                f"const SAMPLE = '{jwtio}'; // from jwt.io",
                "expect(decode(SAMPLE).name).toBe('John Doe');",
            ],
            0,
        ),
        (
            "docs/auth.md",
            ["Example `Authorization` header:", "", f"    Authorization: Bearer {jwtio}"],
            2,
        ),
        (
            "server/stripe.js",
            [
                "// Stripe docs sample key -- test mode, published in the API reference",
                "const stripe = require('stripe')('sk_test_4eC39HqLyjWDarjtT1zdp7dc');",
            ],
            1,
        ),
        (
            "src/Checkout.jsx",
            ["const stripePromise = loadStripe('pk_test_TYooMQauvdEDq54NiTphI7jx');"],
            0,
        ),
        (
            "docs/k8s.md",
            [
                "```yaml",
                "kind: Secret",
                "data:",
                "  username: YWRtaW4=",
                "  password: MWYyZDFlMmU2N2Rm",
                "```",
            ],
            4,
        ),
        (
            "bot/README.md",
            [
                "Set `TELEGRAM_TOKEN` to the token from @BotFather, e.g. `110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw`."
            ],
            0,
        ),
        (
            "tests/test_jwt.py",
            [
                f'TOKEN = "{jwtio}"',
                'assert jwt.decode(TOKEN, "your-256-bit-secret", algorithms=["HS256"])["sub"] == "1234567890"',
            ],
            0,
        ),
        (
            "terraform/examples/basic/main.tf",
            [
                'provider "aws" {',
                f'  access_key = "{aws_id}"',
                f'  secret_key = "{aws_sk}"',
                "  skip_credentials_validation = true",
                "}",
            ],
            2,
        ),
        (
            "k8s/examples/secret.yaml",
            [
                "apiVersion: v1",
                "kind: Secret",
                "metadata:",
                "  name: mysecret",
                "type: Opaque",
                "data:",
                "  username: YWRtaW4=",
                "  password: MWYyZDFlMmU2N2Rm",
            ],
            7,
        ),
    ]
    for path, lines, i in docs:
        add_snip("docs_example", "vendor-documented example value", (path, lines, i))
    for path, lines, i in R.sample(docs, 6):
        add_snip("docs_example", "vendor-documented example value", (path, lines, i))

    # --- keys the vendor documents as public
    for _ in range(3):
        add_snip(
            "public_client_key",
            "Stripe publishable key",
            (
                "src/lib/stripe.ts",
                [f"export const stripe = loadStripe('pk_live_51{rs(ALNUM, 97)}');"],
                0,
            ),
        )
        add_snip(
            "public_client_key",
            "Sentry DSN (docs: safe to keep public)",
            (
                "src/instrument.js",
                [
                    "Sentry.init({",
                    f'  dsn: "https://{rs(HEX, 32)}@o{R.randrange(10**5, 10**6)}.ingest.us.sentry.io/{R.randrange(10**15, 10**16)}",',
                    "  tracesSampleRate: 0.1,",
                    "});",
                ],
                1,
            ),
        )
        add_snip(
            "public_client_key",
            "Google OAuth client id",
            (
                "src/auth/google.ts",
                [
                    f"  clientId: '{R.randrange(10**11, 10**12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com',"
                ],
                0,
            ),
        )
        mb = b64url(
            json.dumps({"u": "acme-maps", "a": rs(LOWNUM, 25)}, separators=(",", ":")).encode()
        )
        add_snip(
            "public_client_key",
            "Mapbox public pk. token",
            ("src/map.js", [f"mapboxgl.accessToken = 'pk.{mb}.{rs(URLSAFE, 22)}';"], 0),
        )
        add_snip(
            "public_client_key",
            "PostHog project API key (public)",
            (
                "src/analytics.ts",
                [
                    f"posthog.init('phc_{rs(ALNUM, 43)}', {{ api_host: 'https://eu.i.posthog.com' }});"
                ],
                0,
            ),
        )
        add_snip(
            "public_client_key",
            "NEXT_PUBLIC_ vars / Auth0 SPA client id",
            (
                ".env.production",
                [
                    f"NEXT_PUBLIC_AUTH0_CLIENT_ID={rs(ALNUM, 32)}",
                    "NEXT_PUBLIC_AUTH0_DOMAIN=acme.eu.auth0.com",
                ],
                0,
            ),
        )
        add_snip(
            "public_client_key",
            "reCAPTCHA site key",
            (
                "templates/signup.html",
                [f'<div class="g-recaptcha" data-sitekey="6L{rs(URLSAFE, 38)}"></div>'],
                0,
            ),
        )

    # --- configuration that talks about secrets but holds none
    conf = [
        (
            "app/settings.py",
            [
                "AUTH_PASSWORD_VALIDATORS = [",
                '    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},',
                "]",
            ],
            1,
        ),
        (
            "app/settings.py",
            [
                'PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]',
                "PASSWORD_RESET_TIMEOUT = 3600",
                "SESSION_COOKIE_SECURE = True",
            ],
            0,
        ),
        (
            "config/initializers/devise.rb",
            [
                "  config.password_length = 12..128",
                "  config.reset_password_within = 6.hours",
                "  config.stretches = Rails.env.test? ? 1 : 12",
            ],
            0,
        ),
        (
            "src/main/resources/application.yml",
            [
                "security:",
                "  jwt:",
                "    token-validity-seconds: 86400",
                "    refresh-token-validity-seconds: 2592000",
            ],
            2,
        ),
        (
            "nginx/conf.d/api.conf",
            [
                "    ssl_certificate     /etc/ssl/certs/api.acme.io.crt;",
                "    ssl_certificate_key /etc/ssl/private/api.acme.io.key;",
                "    auth_basic_user_file /etc/nginx/.htpasswd;",
            ],
            1,
        ),
        (
            "~/.ssh/config",
            [
                "Host bastion",
                "  HostName 52.18.44.10",
                "  User deploy",
                "  IdentityFile ~/.ssh/id_ed25519",
                "  IdentitiesOnly yes",
            ],
            3,
        ),
        (
            "~/.ssh/config",
            [
                "Host db-tunnel",
                "  HostName 10.20.3.14",
                "  ProxyJump bastion",
                "  LocalForward 5432 localhost:5432",
                "  ServerAliveInterval 30",
            ],
            2,
        ),
        (
            "docs/secrets-policy.md",
            [
                "- Rotate `STRIPE_SECRET_KEY` every 90 days.",
                "- Never commit `.env`; use `.env.example` with placeholders.",
            ],
            0,
        ),
        (
            ".gitleaks.toml",
            [
                "[allowlist]",
                'paths = ["tests/fixtures/", ".env.example"]',
                'regexes = ["AKIAIOSFODNN7EXAMPLE"]',
            ],
            2,
        ),
        (
            "app/models/api_token.rb",
            [
                "class ApiToken < ApplicationRecord",
                "  has_secure_token :token, length: 36",
                "  encrypts :secret",
                "end",
            ],
            1,
        ),
        (
            "src/auth/password.ts",
            [
                "export function hashPassword(password: string): Promise<string> {",
                "  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 19456 });",
                "}",
            ],
            0,
        ),
        (
            "internal/auth/token.go",
            [
                "type TokenPair struct {",
                '\tAccessToken  string `json:"access_token"`',
                '\tRefreshToken string `json:"refresh_token"`',
                "}",
            ],
            1,
        ),
        (
            "db/schema.rb",
            [
                '  create_table "users", force: :cascade do |t|',
                '    t.string "encrypted_password", default: "", null: false',
                '    t.string "reset_password_token"',
            ],
            1,
        ),
        (
            "openapi.yaml",
            [
                "components:",
                "  securitySchemes:",
                "    ApiKeyAuth:",
                "      type: apiKey",
                "      in: header",
                "      name: X-API-Key",
            ],
            5,
        ),
        (
            "keycloak/realm.json",
            [
                '  "passwordPolicy": "length(12) and digits(1) and notUsername(undefined)",',
                '  "accessTokenLifespan": 300,',
            ],
            0,
        ),
        (
            "src/main/resources/application.properties",
            [
                "management.endpoint.env.show-values=NEVER",
                "server.ssl.key-store=classpath:keystore.p12",
                "server.ssl.key-store-type=PKCS12",
            ],
            1,
        ),
        (
            "ansible.cfg",
            [
                "[defaults]",
                "vault_password_file = ~/.ansible/vault_pass.txt",
                "private_key_file = ~/.ssh/ansible_ed25519",
            ],
            1,
        ),
        (
            "CHANGELOG.md",
            [
                "### Security",
                "- Rotated the leaked npm token (see incident INC-2024-031); old token revoked.",
            ],
            1,
        ),
    ]
    for path, lines, i in conf:
        add_snip("config_nonsecret", "config/code about secrets, no value", (path, lines, i))

    # --- masked / redacted values
    masked = [
        (
            "logs/rails.log",
            [
                "Processing by SessionsController#create as HTML",
                '  Parameters: {"authenticity_token"=>"[FILTERED]", "user"=>{"email"=>"bob@acme.io", "password"=>"[FILTERED]"}}',
            ],
            1,
        ),
        (
            "logs/actuator-env.json",
            [
                '    "spring.datasource.password": { "value": "******" },',
                '    "app.partner.api-key": { "value": "******" }',
            ],
            0,
        ),
        ("logs/app.log", ["2024-05-03 10:22:14 INFO partner: using key sk_live_…9fK2 (last 4)"], 0),
        ("logs/ci.log", ["$ export DEPLOY_TOKEN=[MASKED]", "$ ./deploy.sh prod"], 0),
        (
            "logs/actions.log",
            ["Run docker/login-action@v3", "  with:", "    username: acme-ci", "    password: ***"],
            3,
        ),
        (
            "config/prod.yaml",
            ["database:", "  password: <redacted>", "  host: pg-primary.internal"],
            1,
        ),
        (
            "logs/laravel.log",
            [
                "[2024-05-03 10:22:14] production.ERROR: SQLSTATE[HY000] [1045] Access denied for user 'shop'@'10.0.4.7' (using password: YES)"
            ],
            0,
        ),
        (
            "logs/app.log",
            ["DEBUG config loaded {'api_key': '***REDACTED***', 'region': 'eu-west-1'}"],
            0,
        ),
        (
            "terraform-plan.txt",
            [
                "      + password             = (sensitive value)",
                '      + username             = "app"',
            ],
            0,
        ),
        (
            "logs/django.log",
            [
                "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': '********************', 'USER': 'app'}}"
            ],
            0,
        ),
        (
            "logs/node.log",
            ['{"level":40,"msg":"partner 401","headers":{"authorization":"Bearer [REDACTED]"}}'],
            0,
        ),
        ("docker-inspect.json", ['      "Env": ["DB_PASSWORD=xxxxxxxx", "LANG=C.UTF-8"],'], 0),
    ]
    for path, lines, i in masked:
        add_snip("masked", "masked/redacted value", (path, lines, i))

    # --- empty values
    empties = [
        (".env", ["OPENAI_API_KEY=", "STRIPE_SECRET_KEY=", "LOG_LEVEL=debug"], 0),
        ("config/settings.yaml", ["partner:", '  api_key: ""', "  token: null"], 1),
        ("values.yaml", ["auth:", "  password: ~", '  existingSecret: ""'], 1),
        ("appsettings.Development.json", ['  "Partner": { "ApiKey": "", "Secret": null }'], 0),
        ("app/config.py", ['API_TOKEN = os.environ.get("API_TOKEN", "")', 'SECRET_KEY = ""'], 0),
        ("terraform.tfvars", ['db_password = ""', "api_token   = null"], 0),
        ("application.properties", ["app.partner.api-key=", "spring.datasource.password="], 1),
        (
            "src/config.ts",
            ["export const API_KEY = '';", "export const TOKEN: string | undefined = undefined;"],
            0,
        ),
        (
            ".npmrc",
            ["//registry.npmjs.org/:_authToken=", "registry=https://registry.npmjs.org/"],
            0,
        ),
        ("docker-compose.yml", ["      GITHUB_TOKEN:", "      NPM_TOKEN: ''"], 0),
    ]
    for path, lines, i in empties:
        add_snip("empty_value", "empty/null value", (path, lines, i))

    # --- trivial, documented dev defaults
    devd = [
        (
            "docker-compose.yml",
            [
                "  db:",
                "    image: postgres:16",
                "    environment:",
                "      POSTGRES_PASSWORD: example",
            ],
            3,
        ),
        (
            "docker-compose.yml",
            [
                "  mysql:",
                "    image: mysql:8",
                "    environment:",
                "      MYSQL_ROOT_PASSWORD: root",
            ],
            3,
        ),
        (
            "docker-compose.dev.yml",
            ["      POSTGRES_USER: postgres", "      POSTGRES_PASSWORD: postgres"],
            1,
        ),
        (
            "config/database.yml",
            [
                "development:",
                "  adapter: postgresql",
                "  username: postgres",
                "  password: postgres",
                "  host: localhost",
            ],
            3,
        ),
        (
            "docker-compose.yml",
            [
                "  rabbit:",
                "    image: rabbitmq:3-management",
                "    environment:",
                "      RABBITMQ_DEFAULT_USER: guest",
                "      RABBITMQ_DEFAULT_PASS: guest",
            ],
            4,
        ),
        (
            "docker-compose.yml",
            [
                "  minio:",
                "    environment:",
                "      MINIO_ROOT_USER: minioadmin",
                "      MINIO_ROOT_PASSWORD: minioadmin",
            ],
            3,
        ),
        (
            "src/main/resources/application-dev.properties",
            [
                "spring.datasource.url=jdbc:h2:mem:dev",
                "spring.datasource.username=sa",
                "spring.datasource.password=password",
            ],
            2,
        ),
        (".env.development", ["DB_USERNAME=root", "DB_PASSWORD=secret", "REDIS_PASSWORD=null"], 1),
        (
            "docker-compose.yml",
            ["  grafana:", "    environment:", "      GF_SECURITY_ADMIN_PASSWORD: admin"],
            2,
        ),
        (
            "docker-compose.yml",
            [
                "  mongo:",
                "    environment:",
                "      MONGO_INITDB_ROOT_USERNAME: root",
                "      MONGO_INITDB_ROOT_PASSWORD: example",
            ],
            3,
        ),
    ]
    for path, lines, i in devd:
        add_snip("trivial_dev_default", "well-known low-entropy dev default", (path, lines, i))

    # --- code identifiers
    code = [
        (
            "app/auth.py",
            [
                "def rotate_api_key(client_id: str, old_secret: str) -> ApiKey:",
                '    """Issue a new secret and revoke the old one."""',
            ],
            0,
        ),
        (
            "src/types.ts",
            [
                "export interface Credentials {",
                "  accessKeyId: string;",
                "  secretAccessKey: string;",
                "  sessionToken?: string;",
                "}",
            ],
            2,
        ),
        (
            "internal/config/config.go",
            [
                "type Config struct {",
                '\tAPIKey   string `env:"API_KEY,required"`',
                '\tPassword string `env:"DB_PASSWORD"`',
                "}",
            ],
            1,
        ),
        (
            "src/main/java/com/acme/SecretRotator.java",
            [
                "    public void rotateSecret(String secretId, String newSecretValue) {",
                "        client.putSecretValue(r -> r.secretId(secretId).secretString(newSecretValue));",
            ],
            0,
        ),
        (
            "app/scanner.py",
            [
                'SECRET_RE = re.compile(r"(?i)(api[_-]?key|token|secret)\\s*[:=]\\s*([A-Za-z0-9_\\-]{16,})")'
            ],
            0,
        ),
        (
            "migrations/0003_tokens.sql",
            [
                "CREATE TABLE api_tokens (id uuid PRIMARY KEY, token_hash bytea NOT NULL, last_used_at timestamptz);"
            ],
            0,
        ),
        (
            "src/hooks/usePassword.ts",
            [
                "const [password, setPassword] = useState('');",
                "const [showPassword, setShowPassword] = useState(false);",
            ],
            0,
        ),
        (
            "lib/token_bucket.rb",
            [
                "class TokenBucket",
                "  def initialize(capacity:, refill_per_sec:)",
                "    @tokens = capacity",
            ],
            0,
        ),
        (
            "src/lexer.rs",
            ["        Token::Secret => self.bump(),", "        Token::Key(k) => self.key(k),"],
            0,
        ),
        (
            "tests/test_auth.py",
            [
                "def test_rejects_expired_token(client, expired_token):",
                "    assert client.get('/me', headers=auth(expired_token)).status_code == 401",
            ],
            0,
        ),
    ]
    for path, lines, i in code:
        add_snip("code_identifiers", "identifiers named like secrets", (path, lines, i))
    return out


# ---------------------------------------------------------------- build


def secret_part(fmt: str, v: str) -> str:
    """The labelled secret inside a generated value: for webhook URLs only the credential
    segment (Slack's 24-char token after the T.../B... ids, Discord's token after the numeric
    webhook id); scheme, host, fixed path and ids are not secret, as with passwords in URLs."""
    if fmt in ("slack_webhook_url", "discord_webhook_url"):
        return v.rsplit("/", 1)[1]
    return v


def build() -> dict[str, object]:
    cases: list[Case] = []
    for fmt, (var, gen, src) in VENDORS.items():
        for emb in R.sample(EMBED, 3):
            v = gen()
            snip = emb(var, v)
            text, view = render(snip)
            cases.append(
                {
                    "text": text,
                    "secret": secret_part(fmt, v),
                    "format": fmt,
                    "source": f"{src} | file: {emb.__name__[2:]} | view: {view}",
                }
            )
    for fmt, src, make, url in pw_formats():
        for _ in range(3):
            p = password(url)
            snip = make(R.choice(USERS), R.choice(DBHOSTS), p)
            text, view = render(snip)
            cases.append(
                {"text": text, "secret": p, "format": fmt, "source": f"{src} | view: {view}"}
            )
    cases += structured_cases()
    for fam, src, text in neg_cases():
        cases.append({"text": text, "secret": None, "format": fam, "source": src})
    for c in cases:
        s = c["secret"]
        assert s is None or s in (c["text"] or ""), c
    return {
        "about": (
            "Blind corpus 9 for execgate's scanner: secrets and look-alikes in repository source and config "
            "files as an AI coding agent sees them through cat / cat -A / cat -n / grep -n / rg / git diff / "
            "git show / sed -n / head (Python, JS/TS, Go, Java/Kotlin, Ruby, PHP, Rust, C#, Terraform, "
            "Kubernetes, Helm, Compose, Dockerfile, CI YAML, Ansible, package-manager dotfiles, notebooks, SQL "
            "dumps, app logs). Values are seeded random in each format's documented prefix/length/alphabet/"
            "checksum; none is live. Positives: 'secret' is the exact substring of 'text' that is the secret "
            "value. Negatives (secret null, format 'neg:<family>'): placeholders, templating, .env.example, "
            "fake fixtures, password hashes (not plaintext), public keys/certs, ciphertext, secret names and "
            "references, ids, SHAs, lockfile integrity, non-secret base64, build artefacts, i18n strings, "
            "vendor docs examples, vendor-public client keys, masked/empty values, dev defaults, identifiers."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
