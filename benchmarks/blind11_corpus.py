"""Eleventh blind secret corpus for execgate's scanner (tests/blind11_corpus.json).

Theme: the prose and markup an AI coding agent reads with its shell tool -- Markdown READMEs
and docs, CHANGELOGs, ``gh issue view`` / ``gh pr view --comments`` output, Slack and Discord
exports, Jupyter cells, docstrings and code comments, ``--help`` output, OpenAPI specs,
Postman/Insomnia collections, pasted ``.env`` files, ``git log`` and locale files.

Format facts were looked up, not recalled: GitHub's token layout (prefix + 30 base62 + 6-char
base62 CRC32, github.blog 2021-04-05 via coolaj86's gist), the gitleaks rule set (as compiled in
Wicker25/PromptGuard src/core/secrets.ts) for prefixes/lengths/alphabets, Discord's token layout
(discord.py docs/token.rst), Stripe's and AWS's documentation keys, Twilio doc examples
(rubydoc twilio gem) and the RFC 6749 examples. Every value is drawn from
``random.Random(SEED)`` in its format's shape, so none is a live credential.

Labelling decisions:
* Documentation example keys published by the vendor (AKIAIOSFODNN7EXAMPLE, Stripe's sample
  ``sk_test_BQokikJ...``, discord.py's sample token...) are negatives: they are public, inert and
  prose is full of them.
* Tokens marked "revoked"/"expired" in the surrounding prose are POSITIVES (format
  ``marked_revoked``): the claim is unverifiable text next to a string indistinguishable from a
  live credential, people often believe they rotated when they did not, and GitHub's own secret
  scanning still alerts on them. They get their own row so the choice stays visible.
* Publishable-by-design values (Stripe ``pk_live_``, SSH/PGP public keys) are negatives.

Run without arguments to write the JSON; ``--score`` measures the scanner against it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from _blind import run

SEED = 11_2026_04
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind11_corpus.json"

R = random.Random(SEED)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"

Case = dict[str, str | None]
Ctx = Callable[[str, str], str]


def rs(alpha: str, n: int) -> str:
    return "".join(R.choice(alpha) for _ in range(n))


def b62_crc(body: str) -> str:
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def b64(n: int) -> str:
    return base64.b64encode(R.randbytes(n)).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# ---------------------------------------------------------------- vendor token shapes


def gh(prefix: str) -> Callable[[], str]:
    def f() -> str:
        entropy = rs(ALNUM, 30)
        return prefix + entropy + b62_crc(entropy)

    return f


def npm() -> str:
    entropy = rs(ALNUM, 30)
    return "npm_" + entropy + b62_crc(entropy)


def jwt_token() -> str:
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(
        json.dumps(
            {
                "sub": str(R.randint(10**6, 10**7)),
                "role": "service",
                "iat": 1730000000 + R.randrange(10**6),
                "exp": 1760000000 + R.randrange(10**6),
            },
            separators=(",", ":"),
        ).encode()
    )
    return f"{head}.{body}.{b64url(R.randbytes(32))}"


def discord_bot() -> str:
    uid = str(R.randint(10**17, 10**18 * 2))
    return f"{b64url(uid.encode())}.{rs(URLSAFE, 6)}.{rs(URLSAFE, 38)}"


def slack_webhook() -> str:
    return f"https://hooks.slack.com/services/T{rs(UPNUM, 8)}/B{rs(UPNUM, 10)}/{rs(ALNUM, 24)}"


def discord_webhook() -> str:
    return f"https://discord.com/api/webhooks/{R.randint(10**17, 10**18)}/{rs(URLSAFE, 68)}"


VENDORS: dict[str, tuple[str, Callable[[], str]]] = {
    "github_classic_pat": ("GITHUB_TOKEN", gh("ghp_")),
    "github_oauth": ("GH_OAUTH_TOKEN", gh("gho_")),
    "github_app_token": ("GH_APP_TOKEN", gh("ghs_")),
    "github_fine_grained_pat": (
        "GH_PAT",
        lambda: "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59),
    ),
    "gitlab_pat": ("GITLAB_TOKEN", lambda: "glpat-" + rs(URLSAFE, 20)),
    "gitlab_deploy_token": ("CI_DEPLOY_PASSWORD", lambda: "gldt-" + rs(URLSAFE, 20)),
    "slack_bot_token": (
        "SLACK_BOT_TOKEN",
        lambda: f"xoxb-{rs(string.digits, 11)}-{rs(string.digits, 13)}-{rs(ALNUM, 24)}",
    ),
    "slack_app_token": (
        "SLACK_APP_TOKEN",
        lambda: f"xapp-1-A{rs(UPNUM, 10)}-{rs(string.digits, 13)}-{rs(HEX, 64)}",
    ),
    "slack_webhook_url": ("SLACK_WEBHOOK_URL", slack_webhook),
    "discord_bot_token": ("DISCORD_TOKEN", discord_bot),
    "discord_webhook_url": ("DISCORD_WEBHOOK", discord_webhook),
    "telegram_bot_token": (
        "TELEGRAM_BOT_TOKEN",
        lambda: f"{R.randint(10**8, 10**10)}:AA{rs(URLSAFE, 33)}",
    ),
    "stripe_live_secret": ("STRIPE_SECRET_KEY", lambda: "sk_live_" + rs(ALNUM, 99)),
    "stripe_restricted": ("STRIPE_API_KEY", lambda: "rk_live_" + rs(ALNUM, 99)),
    "openai_project_key": (
        "OPENAI_API_KEY",
        lambda: "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
    ),
    "anthropic_api_key": (
        "ANTHROPIC_API_KEY",
        lambda: "sk-ant-api03-" + rs(URLSAFE, 93) + "AA",
    ),
    "perplexity_api_key": ("PPLX_API_KEY", lambda: "pplx-" + rs(ALNUM, 48)),
    "huggingface_token": ("HF_TOKEN", lambda: "hf_" + rs(string.ascii_letters, 34)),
    "aws_secret_access_key": ("AWS_SECRET_ACCESS_KEY", lambda: rs(ALNUM + "+/", 40)),
    "gcp_api_key": ("GOOGLE_API_KEY", lambda: "AIza" + rs(URLSAFE, 35)),
    "azure_ad_client_secret": (
        "AZURE_CLIENT_SECRET",
        lambda: rs(ALNUM + "_~.", 3) + R.choice(string.digits) + "Q~" + rs(ALNUM + "_~.-", 34),
    ),
    "azure_storage_key": ("AZURE_STORAGE_KEY", lambda: b64(64)),
    "twilio_api_key_sid": ("TWILIO_API_KEY", lambda: "SK" + rs(HEX, 32)),
    "sendgrid_api_key": (
        "SENDGRID_API_KEY",
        lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}",
    ),
    "mailgun_api_key": ("MAILGUN_API_KEY", lambda: "key-" + rs(HEX, 32)),
    "mailchimp_api_key": (
        "MAILCHIMP_API_KEY",
        lambda: rs(HEX, 32) + "-us" + str(R.randint(10, 21)),
    ),
    "brevo_api_key": ("BREVO_API_KEY", lambda: f"xkeysib-{rs(HEX, 64)}-{rs(ALNUM, 16)}"),
    "npm_token": ("NPM_TOKEN", npm),
    "pypi_token": ("PYPI_API_TOKEN", lambda: "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 150)),
    "rubygems_api_key": ("GEM_HOST_API_KEY", lambda: "rubygems_" + rs(HEX, 48)),
    "dockerhub_pat": ("DOCKERHUB_TOKEN", lambda: "dckr_pat_" + rs(URLSAFE, 27)),
    "databricks_pat": ("DATABRICKS_TOKEN", lambda: "dapi" + rs(HEX, 32)),
    "digitalocean_pat": ("DIGITALOCEAN_TOKEN", lambda: "dop_v1_" + rs(HEX, 64)),
    "doppler_token": ("DOPPLER_TOKEN", lambda: "dp.pt." + rs(ALNUM, 43)),
    "pulumi_token": ("PULUMI_ACCESS_TOKEN", lambda: "pul-" + rs(HEX, 40)),
    "planetscale_token": ("PLANETSCALE_TOKEN", lambda: "pscale_tkn_" + rs(URLSAFE, 43)),
    "terraform_cloud_token": (
        "TFE_TOKEN",
        lambda: f"{rs(LOWNUM, 14)}.atlasv1.{rs(URLSAFE, 67)}",
    ),
    "heroku_api_key_v2": ("HEROKU_API_KEY", lambda: "HRKU-AA" + rs(URLSAFE, 58)),
    "flyio_token": ("FLY_API_TOKEN", lambda: "fo1_" + rs(URLSAFE, 43)),
    "vault_service_token": ("VAULT_TOKEN", lambda: "hvs." + rs(URLSAFE, 91)),
    "shopify_shared_secret": ("SHOPIFY_API_SECRET", lambda: "shpss_" + rs(HEX, 32)),
    "square_access_token": ("SQUARE_ACCESS_TOKEN", lambda: "sq0atp-" + rs(URLSAFE, 22)),
    "notion_token": (
        "NOTION_TOKEN",
        lambda: "ntn_" + rs(string.digits, 11) + rs(ALNUM, 35),
    ),
    "linear_api_key": ("LINEAR_API_KEY", lambda: "lin_api_" + rs(ALNUM, 40)),
    "sentry_user_token": ("SENTRY_AUTH_TOKEN", lambda: "sntryu_" + rs(HEX, 64)),
    "dynatrace_token": (
        "DT_API_TOKEN",
        lambda: f"dt0c01.{rs(UPNUM, 24)}.{rs(UPNUM, 64)}",
    ),
    "age_secret_key": ("SOPS_AGE_KEY", lambda: "AGE-SECRET-KEY-1" + rs(BECH32, 58)),
    "jwt_bearer": ("ACCESS_TOKEN", jwt_token),
}

# ---------------------------------------------------------------- prose / markup contexts

USERS = ["mkowalski", "priya-r", "tdufour", "chen-wei", "oakeso", "lfernandes", "jnakamura"]
REPOS = ["acme/billing-api", "northwind/ingest", "orbit-labs/cli", "hollow/desk-app"]


def who() -> str:
    return R.choice(USERS)


def ts() -> str:
    return f"{1733000000 + R.randrange(10**6)}.{R.randint(100000, 999999)}"


def c_readme_fence(var: str, v: str) -> str:
    return (
        "## Quick start\n\nClone the repo and install the dependencies, then point the CLI at "
        "the staging workspace:\n\n```bash\npip install -e .\n"
        f"export {var}={v}\npython -m app.sync --dry-run\n```\n\n"
        "> Note: the first sync can take a few minutes on large workspaces."
    )


def c_readme_table(var: str, v: str) -> str:
    return (
        "### Environment (staging, copied from the team vault)\n\n| Variable | Value |\n|---|---|\n"
        f"| `APP_ENV` | `staging` |\n| `{var}` | `{v}` |\n| `LOG_LEVEL` | `debug` |\n"
    )


def c_issue_paste(var: str, v: str) -> str:
    n = R.randint(100, 4000)
    return (
        f"$ gh issue view {n} --repo {R.choice(REPOS)}\n"
        f"Sync crashes with 401 after upgrading to 2.4.0 #{n}\n"
        f"Open • {who()} opened about 3 hours ago • 2 comments\nLabels: bug, needs-triage\n\n"
        "  ## Describe the bug\n\n  After the upgrade every run fails with `401 Unauthorized`. "
        "My config:\n\n  ```yaml\n  log_level: debug\n"
        f"  {var.lower()}: {v}\n  region: eu-west-1\n  ```\n\n  Any idea what changed?"
    )


def c_pr_comment(var: str, v: str) -> str:
    n = R.randint(100, 4000)
    return (
        f"$ gh pr view {n} --comments\nfeat: add nightly export job #{n}\n"
        f"Open • {who()} wants to merge 3 commits into main from feat/export\n\n"
        f"{who()} (Member) • 2h ago\n  The job fails locally unless I set the variable by hand:\n"
        f"  `{var}={v}`\n  Can we read it from the CI secret store instead?\n\n"
        f"{who()} (Contributor) • 1h ago\n  Will do, thanks for catching it."
    )


def c_slack_json(var: str, v: str) -> str:
    msgs = [
        {
            "type": "message",
            "user": f"U{rs(UPNUM, 10)}",
            "text": "anyone have the staging creds?",
            "ts": ts(),
        },
        {
            "type": "message",
            "user": f"U{rs(UPNUM, 10)}",
            "text": f"use this for now: {var}={v} (will move it to vault)",
            "ts": ts(),
        },
    ]
    return "$ cat export/deploys/2024-11-18.json\n" + json.dumps(msgs, indent=2, ensure_ascii=False)


def c_discord_json(var: str, v: str) -> str:
    data = {
        "channel": {"id": str(R.randint(10**17, 10**18)), "name": "dev-help"},
        "messages": [
            {
                "id": str(R.randint(10**17, 10**18)),
                "timestamp": "2024-11-02T14:07:51.120+00:00",
                "author": {"name": who()},
                "content": f"my bot just says 'unauthorized', here is my key `{v}` what am I doing wrong",
            }
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def c_jupyter(var: str, v: str) -> str:
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": ["## Setup\n", "Authenticate first."],
            },
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "outputs": [],
                "source": ["import os\n", f'os.environ["{var}"] = "{v}"'],
            },
        ],
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return "$ cat notebooks/explore.ipynb\n" + json.dumps(nb, indent=1, ensure_ascii=False)


def c_jupyter_md(var: str, v: str) -> str:
    nb = {
        "cell_type": "markdown",
        "metadata": {},
        "source": [
            "### Credentials\n",
            "\n",
            f"The shared notebook key is `{v}` -- paste it into the widget below.\n",
        ],
    }
    return json.dumps(nb, indent=1, ensure_ascii=False)


def c_docstring(var: str, v: str) -> str:
    return (
        "$ sed -n 1,20p src/client.py\n"
        'class Client:\n    """Thin wrapper around the REST API.\n\n    Example::\n\n'
        f'        >>> c = Client(api_key="{v}")\n        >>> c.ping()\n        True\n    """'
    )


def c_comment_py(var: str, v: str) -> str:
    return (
        "$ grep -n token -A1 scripts/backfill.py\n"
        f'12:# token: {v}\n13:TOKEN = os.environ.get("{var}", "")'
    )


def c_comment_js(var: str, v: str) -> str:
    return (
        "$ git grep -n TODO src/\n"
        f"src/api/client.ts:8:// TODO remove key {v} before release\n"
        "src/api/client.ts:31:// TODO retry on 429"
    )


def c_help(var: str, v: str) -> str:
    return (
        "$ ./sync --help\nUsage: sync [OPTIONS] COMMAND [ARGS]...\n\n"
        "Options:\n  --workspace TEXT  Workspace slug  [default: main]\n"
        f"  --api-key TEXT    API key  [env var: {var}; default: {v}]\n"
        "  --help            Show this message and exit."
    )


def c_openapi(var: str, v: str) -> str:
    return (
        "$ cat openapi.yaml\nopenapi: 3.0.3\ninfo:\n  title: Orders API\n  version: 1.2.0\n"
        "components:\n  securitySchemes:\n    ApiKeyAuth:\n      type: apiKey\n      in: header\n"
        "      name: X-API-Key\n  parameters:\n    ApiKey:\n      name: X-API-Key\n      in: header\n"
        f"      schema:\n        type: string\n      example: {v}"
    )


def c_postman(var: str, v: str) -> str:
    col = {
        "info": {
            "name": "Orders",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": v, "type": "string"}]},
        "item": [
            {"name": "List orders", "request": {"method": "GET", "url": "{{baseUrl}}/v1/orders"}}
        ],
    }
    return "$ cat postman/Orders.postman_collection.json\n" + json.dumps(col, indent=2)


def c_insomnia(var: str, v: str) -> str:
    return (
        "$ cat .insomnia/Environment/env_base.yml\n_id: env_"
        f"{rs(HEX, 32)}\ntype: Environment\nname: Base Environment\ndata:\n"
        f"  base_url: https://api.staging.internal\n  {var.lower()}: {v}\n"
    )


def c_env_pasted(var: str, v: str) -> str:
    return (
        "Here's my `.env` in case it helps (issue comment):\n\n```\nNODE_ENV=development\nPORT=3000\n"
        f"{var}={v}\nREDIS_URL=redis://localhost:6379\n```"
    )


def c_git_log(var: str, v: str) -> str:
    return (
        f"$ git log -3 --format=medium\ncommit {rs(HEX, 40)}\nAuthor: {who()} <dev@corp.example>\n"
        "Date:   Tue Nov 12 10:41:03 2024 +0100\n\n    fix(ci): unblock release\n\n"
        f"    Hardcode {var}={v} until the secret store is wired up.\n\n"
        f"commit {rs(HEX, 40)}\nAuthor: {who()} <dev@corp.example>\nDate:   Mon Nov 11 17:02:44 2024 +0100\n\n"
        "    docs: update README"
    )


def c_changelog(var: str, v: str) -> str:
    return (
        "$ head -12 CHANGELOG.md\n# Changelog\n\n## [2.4.1] - 2024-11-20\n### Changed\n"
        f"- Demo server now boots with the built-in key `{v}` when `{var}` is unset.\n"
        "### Fixed\n- Pagination skipped the last page (#412)."
    )


def c_i18n(var: str, v: str) -> str:
    data = {
        "settings.apiKey.label": "API key",
        "settings.apiKey.help": "Paste the key from your dashboard",
        "settings.apiKey.demoValue": v,
    }
    return "$ cat locales/en.json\n" + json.dumps(data, indent=2, ensure_ascii=False)


PROSE: list[Ctx] = [
    c_readme_fence,
    c_readme_table,
    c_issue_paste,
    c_pr_comment,
    c_slack_json,
    c_discord_json,
    c_jupyter,
    c_jupyter_md,
    c_docstring,
    c_comment_py,
    c_comment_js,
    c_help,
    c_openapi,
    c_postman,
    c_insomnia,
    c_env_pasted,
    c_git_log,
    c_changelog,
    c_i18n,
]

# ---------------------------------------------------------------- passwords, PEM, revoked

PW_WORDS = ["Lantern", "Quokka", "Marigold", "Basalt", "Heron", "Saffron", "Zephyr", "Tamarind"]


def password() -> str:
    if R.random() < 0.5:
        return f"{R.choice(PW_WORDS)}-{R.choice(PW_WORDS).lower()}{R.randint(10, 999)}{R.choice('!#%.')}"
    return rs(ALNUM, R.randint(16, 22))


def pw_cases() -> list[Case]:
    out: list[Case] = []
    url_tpls = [
        "$ gh issue view 77\nCan't connect to the database from the container #77\nOpen • {u} opened 1 day ago • 0 comments\n\n  docker-compose.yml:\n\n  ```yaml\n  environment:\n    DATABASE_URL: postgres://app:{p}@db:5432/app\n  ```",
        "## Troubleshooting\n\nIf migrations hang, check the URL first:\n\n```\nDATABASE_URL=mysql://root:{p}@10.0.4.12:3306/shop\n```",
        '[{{"type":"message","user":"U02ABCDE1","text":"prod replica is mongodb://reporting:{p}@replica-0.corp.internal:27017/?authSource=admin","ts":"1731999312.004100"}}]',
        "commit {h}\nAuthor: {u} <dev@corp.example>\n\n    chore: point worker at new broker amqp://worker:{p}@mq.internal:5672/prod",
        "    # connection used by the nightly job\n    # redis://default:{p}@cache.internal:6379/2\n    def nightly():",
        "| name | url |\n|---|---|\n| analytics | `postgresql://analyst:{p}@warehouse.internal/analytics` |",
    ]
    for tpl in url_tpls:
        p = rs(ALNUM, R.randint(14, 20))
        text = tpl.format(p=p, u=who(), h=rs(HEX, 40))
        out.append(
            {
                "text": text,
                "secret": p,
                "format": "password_in_url",
                "source": "url userinfo in prose",
            }
        )
    kv_tpls = [
        "Here's my .env (issue #{n}):\n\n```\nDB_HOST=localhost\nDB_USER=app\nDB_PASSWORD={p}\n```",
        '```yaml\n# config/database.yml pasted from prod\nproduction:\n  adapter: postgresql\n  username: rails\n  password: "{p}"\n```',
        '{{"cell_type":"code","source":["conn = psycopg2.connect(host=\\"db\\", user=\\"etl\\", password=\\"{p}\\")"]}}',
        "$ gh pr view {n} --comments\n{u} (Member) • 3h ago\n  the SMTP login is `smtp_password={p}` if you need it for the test",
        "<!-- TODO: remove before merge -->\n<!-- admin login: admin / {p} -->\n# Admin panel\n\nRun `make admin` to start.",
        "$ git log -1\ncommit {h}\n\n    add seed data (admin password: {p})",
    ]
    for tpl in kv_tpls:
        p = password()
        text = tpl.format(p=p, u=who(), h=rs(HEX, 40), n=R.randint(10, 900))
        out.append(
            {
                "text": text,
                "secret": p,
                "format": "password_assignment",
                "source": "password key in prose",
            }
        )
    return out


def pem_block() -> str:
    body = base64.b64encode(b"openssh-key-v1\x00" + R.randbytes(380)).decode()
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + "\n".join(lines)
        + "\n-----END OPENSSH PRIVATE KEY-----"
    )


def pem_cases() -> list[Case]:
    tpls = [
        "$ gh issue view 301\nDeploy key rejected #301\nOpen • {u} opened 5 minutes ago\n\n  I generated it like the README says, here it is:\n\n  ```\n{k}\n  ```",
        "## Deploying\n\nAdd this deploy key to `~/.ssh/id_deploy`:\n\n```\n{k}\n```\n",
        "$ git show HEAD:docs/ops.md | sed -n 40,80p\nBastion key (temporary):\n\n{k}\n\nRemove once SSO lands.",
        "$ gh pr view 88 --comments\n{u} (Member) • 4h ago\n  You committed the private key in ansible/files/:\n\n{k}\n\n  please rotate.",
    ]
    out: list[Case] = []
    for tpl in tpls:
        k = pem_block()
        out.append(
            {
                "text": tpl.format(k=k, u=who()),
                "secret": k,
                "format": "ssh_private_key_pem",
                "source": "OpenSSH key in prose",
            }
        )
    return out


def revoked_cases() -> list[Case]:
    picks = [
        "github_classic_pat",
        "slack_bot_token",
        "stripe_live_secret",
        "openai_project_key",
        "npm_token",
        "gitlab_pat",
        "sendgrid_api_key",
        "anthropic_api_key",
        "digitalocean_pat",
        "huggingface_token",
    ]
    tpls = [
        "$ gh pr view {n} --comments\n{u} (Member) • 1d ago\n  Heads up: `{v}` was in the first commit. I revoked it already, so it's harmless now.",
        "### Security\n- Revoked the leaked key `{v}` that shipped in 1.8.0 (rotated 2024-10-02).",
        "commit {h}\n\n    remove expired token {v} from fixtures (expired last week)",
        "> **Note** the token below is expired and only kept for the screenshot:\n>\n> `{v}`",
    ]
    out: list[Case] = []
    for i, fmt in enumerate(picks):
        v = VENDORS[fmt][1]()
        text = tpls[i % len(tpls)].format(v=v, u=who(), n=R.randint(10, 900), h=rs(HEX, 40))
        out.append(
            {
                "text": text,
                "secret": v,
                "format": "marked_revoked",
                "source": f"{fmt} marked revoked/expired",
            }
        )
    return out


# ---------------------------------------------------------------- negatives


def rfc7519_jwt() -> str:
    head = b64url(b'{"typ":"JWT",\r\n "alg":"HS256"}')
    body = b64url(b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}')
    return f"{head}.{body}.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def uuid4() -> str:
    return f"{rs(HEX, 8)}-{rs(HEX, 4)}-4{rs(HEX, 3)}-{R.choice('89ab')}{rs(HEX, 3)}-{rs(HEX, 12)}"


def neg_cases() -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []

    def add(fam: str, src: str, text: str) -> None:
        out.append((f"neg:{fam}", src, text))

    # vendor documentation example keys, placed in the same prose contexts as the positives
    doc_examples = [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS docs"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS docs"),
        (
            "STRIPE_SECRET_KEY",
            "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
            "Stripe API reference sample key",
        ),
        (
            "DISCORD_TOKEN",
            "MjQ1NTU5MDg3NTI0MjE2ODMy.DulyxA.brcD2xRAqjACTuMcGPwy4TWVQdg",
            "discord.py docs/token.rst",
        ),
        (
            "DISCORD_TOKEN",
            "OTY4NTU2MzQ4MzkwMzkxODU5.G49NjP.pD8PLpKp-Xx8sr-8m1DCxSPTJZdcpcJZOExc1c",
            "nostrum docs",
        ),
        ("TWILIO_AUTH_TOKEN", "3a2630a909aadbf60266234756fb15a0", "twilio gem rubydoc example"),
        ("TWILIO_ACCOUNT_SID", "AC309475e5fede1b49e100272a8640f438", "twilio gem rubydoc example"),
        ("GITHUB_TOKEN", "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", "base62 token gist example"),
        ("SLACK_TOKEN", "xoxp-23984754863-2348975623103", "cribl regex sampleData"),
    ]
    for var, val, src in doc_examples:
        for ctx in R.sample(PROSE, 5):
            add("doc_example_key", f"{src} in {ctx.__name__[2:]}", ctx(var, val))

    placeholders = [
        ("OPENAI_API_KEY", "<YOUR_API_KEY>"),
        ("GITHUB_TOKEN", "YOUR_TOKEN_HERE"),
        ("STRIPE_SECRET_KEY", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("OPENAI_API_KEY", "sk-************************************"),
        ("ANTHROPIC_API_KEY", "sk-ant-..."),
        ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"),
        ("API_TOKEN", "{{token}}"),
        ("API_TOKEN", "{{ api_token }}"),
        ("GITHUB_TOKEN", "$GITHUB_TOKEN"),
        ("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),
        ("AWS_SECRET_ACCESS_KEY", "[REDACTED]"),
        ("DATABASE_PASSWORD", "changeme"),
        ("HF_TOKEN", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("GOOGLE_API_KEY", "AIza..."),
        ("API_KEY", "your-api-key"),
        ("SENDGRID_API_KEY", "SG.xxxxxxxx.yyyyyyyy"),
        ("API_KEY", "<paste key here>"),
        ("NPM_TOKEN", "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("JWT_SECRET", "replace-me-in-production"),
        ("API_KEY", "..."),
        ("TOKEN", "%TOKEN%"),
        ("API_KEY", "process.env.API_KEY"),
        ("SECRET_KEY", "os.environ['SECRET_KEY']"),
        ("GITLAB_TOKEN", "glpat-xxxxxxxxxxxxxxxxxxxx"),
        ("ACCESS_TOKEN", "<token>"),
        ("DD_API_KEY", "0000000000000000000000000000000"),
        ("TWILIO_ACCOUNT_SID", "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("API_KEY", "${API_KEY:?must be set}"),
        ("PASSWORD", "********"),
        ("VAULT_TOKEN", "hvs.XXXXXXXX"),
        ("API_KEY", "xxxxxxxx"),
        ("CLIENT_SECRET", "<REPLACE_ME>"),
        ("SECRET_KEY", "your_secret_key_here"),
        ("STRIPE_SECRET_KEY", "sk_test_..."),
        ("AWS_ACCESS_KEY_ID", "AKIA................"),
        ("GITHUB_TOKEN", "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("DISCORD_TOKEN", "YOUR.BOT.TOKEN"),
        ("TELEGRAM_BOT_TOKEN", "123456789:ABCdefGhIJKlmNoPQRsTUVwxyZ"),
    ]
    for var, val in placeholders:
        for ctx in R.sample(PROSE, 4):
            add("placeholder", f"{val[:16]} in {ctx.__name__[2:]}", ctx(var, val))

    masked = [
        ("STRIPE_SECRET_KEY", "sk_test_BQokikJ...2HlWgH4olfQ2"),
        ("GITHUB_TOKEN", "ghp_****************************a1Zq"),
        ("OPENAI_API_KEY", "sk-proj-...Xy7Q"),
        ("AWS_SECRET_ACCESS_KEY", "****************************************"),
        ("SLACK_BOT_TOKEN", "xoxb-***-***-***"),
        ("API_KEY", "•••••••••••••••3f9a"),
        ("ANTHROPIC_API_KEY", "sk-ant-api03-…-AA"),
        ("DATABASE_PASSWORD", "<hidden>"),
        ("NPM_TOKEN", "npm_…(redacted)"),
        ("HF_TOKEN", "hf_****"),
        ("SENTRY_AUTH_TOKEN", "sntryu_[FILTERED]"),
        ("TOKEN", "***"),
    ]
    for var, val in masked:
        for ctx in R.sample(PROSE, 4):
            add("masked", f"{val[:16]} in {ctx.__name__[2:]}", ctx(var, val))

    low = [
        ("PASSWORD", "password"),
        ("API_KEY", "test"),
        ("SECRET_KEY", "secret"),
        ("TOKEN", "dev-token"),
        ("DB_PASSWORD", "postgres"),
        ("ADMIN_PASSWORD", "admin123"),
        ("API_KEY", "12345"),
        ("JWT_SECRET", "supersecret"),
    ]
    for var, val in low:
        for ctx in R.sample(PROSE, 4):
            add("low_entropy", f"{val} in {ctx.__name__[2:]}", ctx(var, val))

    # hashes and ids in prose
    for _ in range(8):
        sha = rs(HEX, 40)
        add(
            "hash_id",
            "gh pr view",
            f"$ gh pr view {R.randint(100, 999)}\nMerged • {who()} merged 4 commits into main\n\n  Fixes #{R.randint(10, 999)}. Head commit {sha}, reverted in {sha[:7]}.",
        )
        add(
            "hash_id",
            "CHANGELOG",
            f"## [3.{R.randint(0, 9)}.{R.randint(0, 20)}] - 2024-10-0{R.randint(1, 9)}\n### Fixed\n- Crash on empty payload ([#{R.randint(100, 999)}](https://github.com/{R.choice(REPOS)}/pull/{R.randint(100, 999)})) ([{rs(HEX, 7)}](https://github.com/{R.choice(REPOS)}/commit/{rs(HEX, 40)}))",
        )
        add(
            "hash_id",
            "issue with request ids",
            f"  Request failed: request_id={uuid4()} trace={rs(HEX, 32)}\n  Workspace id `{uuid4()}`, job `{R.randint(10**6, 10**7)}`.",
        )
        add(
            "hash_id",
            "lockfile diff in PR",
            f'+      "integrity": "sha512-{b64(64)}",\n+      "resolved": "https://registry.npmjs.org/zod/-/zod-3.23.8.tgz"',
        )
        add(
            "hash_id",
            "release notes checksums",
            f"### Checksums\n\n| file | sha256 |\n|---|---|\n| cli-linux-amd64.tar.gz | `{rs(HEX, 64)}` |\n| cli-darwin-arm64.tar.gz | `{rs(HEX, 64)}` |",
        )
        add(
            "hash_id",
            "git log oneline",
            "$ git log --oneline -4\n"
            + "\n".join(
                f"{rs(HEX, 7)} {m}"
                for m in [
                    "fix: token refresh race",
                    "feat: rotate secrets job",
                    "docs: password reset flow",
                    "chore: bump deps",
                ]
            ),
        )
        add(
            "hash_id",
            "docker digest in README",
            f"```\ndocker pull ghcr.io/{R.choice(REPOS)}@sha256:{rs(HEX, 64)}\n```",
        )

    # base64 image data URIs
    for _ in range(20):
        kind = R.choice(["png", "gif", "jpeg", "svg+xml"])
        payload = {
            "png": "iVBORw0KGgoAAAANSUhEUgAA",
            "gif": "R0lGODlhAQABAIAAA",
            "jpeg": "/9j/4AAQSkZJRgABAQ",
            "svg+xml": "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmci",
        }[kind]
        data = payload + b64(R.randint(60, 200))
        add(
            "data_uri",
            f"image/{kind}",
            R.choice(
                [
                    f"![status badge](data:image/{kind};base64,{data})\n\nBuild status for the nightly export.",
                    f'<img alt="logo" src="data:image/{kind};base64,{data}" width="32"/>',
                    f'{{"cell_type":"markdown","attachments":{{"image.png":{{"image/png":"{data}"}}}},"source":["![image.png](attachment:image.png)"]}}',
                ]
            ),
        )

    sentences = [
        "Never commit your API token; use `gh secret set` instead.",
        "The password must be at least 12 characters and contain a digit.",
        "## Rotating secrets\n\nGo to Settings → Developer settings → Personal access tokens and click *Regenerate token*.",
        "If the token expired, run `gh auth refresh -h github.com` and try again.",
        "> [!WARNING]\n> Treat the client secret like a password: it grants full access to your account.",
        "Secrets are injected at runtime from AWS Secrets Manager; the container never sees them on disk.",
        "TODO(security): hash reset tokens before storing them (see threat model §4.2).",
        "fix(auth): compare tokens in constant time to avoid timing attacks",
        "The `--password-stdin` flag reads the password from standard input.",
        "Q: Where do I find my API key?\nA: Dashboard → Settings → API keys. Keys are shown only once.",
        "We store only a SHA-256 of each access token, so support cannot recover a lost token.",
        "This PR removes the hard-coded secret and reads `APP_SECRET` from the environment instead.",
        "BREAKING: the `token` option is renamed to `apiToken`; `password` is no longer accepted.",
        "Tokens are scoped per workspace and expire after 90 days unless renewed.",
        "  -t, --token TOKEN     access token (default: $API_TOKEN)\n  -p, --password PASS   basic-auth password (prompted if omitted)",
        "NAME\n       git-credential - Retrieve and store user credentials\n\nDESCRIPTION\n       Git has an internal interface for storing and retrieving credentials from system-specific helpers.",
        '"login.password.placeholder": "Mot de passe",\n"login.token.expired": "Votre jeton a expiré. Veuillez vous reconnecter."',
        'msgid "Your API key was regenerated"\nmsgstr "Tu clave de API se ha regenerado"',
        '"settings.secret.title": "シークレットキー",\n"settings.secret.hint": "キーは一度だけ表示されます"',
        '"auth.token.invalid": "Токен недействителен или истёк"',
        "| Variable | Required | Description |\n|---|---|---|\n| `OPENAI_API_KEY` | yes | Your OpenAI key |\n| `DATABASE_URL` | yes | Postgres connection string |",
        "Set `STRIPE_SECRET_KEY` in your shell profile; never paste it into issues.",
        "commit message: chore(deps): bump jsonwebtoken from 8.5.1 to 9.0.0",
        "The secret santa draw is on Friday — add your name to the sheet!",
        "openapi: 3.0.3\ncomponents:\n  securitySchemes:\n    bearerAuth:\n      type: http\n      scheme: bearer\n      bearerFormat: JWT",
        '"auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}]}',
        "    Args:\n        api_key: The API key. Defaults to the ``ACME_API_KEY`` environment variable.\n        timeout: Seconds to wait.",
        "// TODO remove key from the constructor once the config loader lands",
        "# token: read from ~/.config/acme/token by default",
        "Tokens starting with `ghp_` are classic PATs; `github_pat_` tokens are fine-grained.",
    ]
    for s in sentences:
        add("prose_words", "hand-written prose", s)

    regexes = [
        "ghp_[A-Za-z0-9]{36}",
        "github_pat_[A-Za-z0-9_]{82}",
        "(?:AKIA|ASIA)[A-Z2-7]{16}",
        r"sk_live_[0-9a-zA-Z]{24,99}",
        r"xox[baprs]-[0-9A-Za-z-]{10,72}",
        r"AIza[0-9A-Za-z\-_]{35}",
        r"glpat-[0-9A-Za-z\-_]{20}",
        r"sk-ant-api03-[A-Za-z0-9_\-]{93}AA",
        r"-----BEGIN (RSA|EC|OPENSSH) PRIVATE KEY-----",
        r"hf_[A-Za-z]{34}",
    ]
    for rx in regexes:
        add(
            "regex_pattern",
            "docs regex",
            f"Secret scanning matches tokens with the pattern `{rx}`; see the table below.",
        )
        add("regex_pattern", "code regex", f'PATTERNS = {{\n    "token": re.compile(r"{rx}"),\n}}')

    totp_b32 = base64.b32encode(b"12345678901234567890").decode()
    hmac_vec = hmac.new(b"\x0b" * 20, b"Hi There", hashlib.sha256).hexdigest()
    rfc = [
        (
            "RFC 6749 §4.1.3",
            "POST /token HTTP/1.1\nHost: server.example.com\nAuthorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW\nContent-Type: application/x-www-form-urlencoded\n\ngrant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb",
        ),
        (
            "RFC 6749 client",
            "The examples use `client_id=s6BhdRkqt3` and `client_secret=gX1fBat3bV` from RFC 6749.",
        ),
        ("RFC 7519 §3.1", f"The example JWT from RFC 7519 §3.1:\n\n```\n{rfc7519_jwt()}\n```"),
        (
            "RFC 6238 seed",
            f"TOTP test vectors (RFC 6238, Appendix B) use the ASCII seed `12345678901234567890`, i.e. base32 `{totp_b32}`.",
        ),
        (
            "RFC 4231 case 1",
            f"```python\n# RFC 4231 test case 1\nkey = bytes.fromhex('{'0b' * 20}')\nassert hmac.new(key, b'Hi There', sha256).hexdigest() == '{hmac_vec}'\n```",
        ),
        (
            "RFC 4648 vectors",
            'BASE64("foobar") = "Zm9vYmFy"  BASE32("foobar") = "MZXW6YTBOI======"  BASE16("foobar") = "666F6F626172"',
        ),
        (
            "RFC 7617",
            'Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==  (user "Aladdin", password "open sesame", RFC 7617 §2)',
        ),
        ("RFC 4231 key", f"    # HMAC-SHA256 key from RFC 4231\n    KEY = '{'0b' * 20}'"),
    ]
    for src, t in rfc:
        add("rfc_test_vector", src, t)

    public = [
        ("stripe publishable", "STRIPE_PUBLISHABLE_KEY", "pk_live_" + rs(ALNUM, 99)),
        ("stripe publishable", "NEXT_PUBLIC_STRIPE_KEY", "pk_live_" + rs(ALNUM, 99)),
        (
            "ssh public key",
            "DEPLOY_PUBKEY",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(ALNUM + "+/", 43) + " ci@build",
        ),
        (
            "ssh public key",
            "AUTHORIZED_KEY",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(ALNUM + "+/", 43) + " jdoe@laptop",
        ),
    ]
    for src, var, val in public:
        for ctx in R.sample([c_readme_fence, c_readme_table, c_env_pasted, c_pr_comment], 2):
            add("public_by_design", src, ctx(var, val))
    add(
        "public_by_design",
        "pgp public key",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
        + "\n".join(rs(ALNUM + "+/", 64) for _ in range(6))
        + f"\n={rs(ALNUM, 4)}\n-----END PGP PUBLIC KEY BLOCK-----",
    )
    add(
        "public_by_design",
        "security.txt",
        "Contact: mailto:security@corp.example\nEncryption: https://corp.example/pgp-key.txt\nExpires: 2025-12-31T23:00:00.000Z",
    )

    noise = [
        f"## [2.{R.randint(0, 9)}.0] - 2024-11-04\n### Added\n- `--token-file` option ({rs(HEX, 7)})\n- Support for fine-grained tokens",
        "| Version | Supported |\n|---|---|\n| 5.1.x | :white_check_mark: |\n| 5.0.x | :x: |",
        f"Released under the MIT license. Copyright (c) 2024. Build {R.randint(1000, 9999)} on node v20.11.1.",
        "$ ./sync --help\nOptions:\n  --api-key TEXT  API key  [env var: SYNC_API_KEY; required]\n  --help          Show this message and exit.",
        f"ssh-keygen output:\nThe key fingerprint is:\nSHA256:{b64(32).rstrip('=')} jdoe@laptop",
        f"Dependabot: Bumps [cryptography](https://github.com/pyca/cryptography) from 42.0.5 to 43.0.1. Commit {rs(HEX, 40)}",
        f'{{"ok":true,"channel":"C{rs(UPNUM, 10)}","ts":"{ts()}","message":{{"bot_id":"B{rs(UPNUM, 10)}","text":"deploy finished"}}}}',
        f"Your one-time code is {R.randint(100000, 999999)}. It expires in 10 minutes.",
        f'openapi example: {{"id": "{uuid4()}", "status": "paid", "amount": 4200, "currency": "eur"}}',
        f"- [x] Rotate credentials ({rs(HEX, 7)})\n- [ ] Update runbook\n- [ ] Close #{R.randint(100, 999)}",
    ]
    for t in noise:
        add("markup_noise", "docs/markup", t)
    return out


# ---------------------------------------------------------------- build


def build() -> dict[str, object]:
    cases: list[Case] = []
    for fmt, (var, gen) in VENDORS.items():
        for ctx in R.sample(PROSE, 6):
            v = gen()
            # a webhook URL's host and ids are public; its secret is the last path segment
            secret = v.rsplit("/", 1)[1] if fmt.endswith("webhook_url") else v
            cases.append(
                {"text": ctx(var, v), "secret": secret, "format": fmt, "source": ctx.__name__[2:]}
            )
    cases += pw_cases()
    cases += pem_cases()
    cases += revoked_cases()
    for fam, src, text in neg_cases():
        cases.append({"text": text, "secret": None, "format": fam, "source": src})
    for c in cases:
        s = c["secret"]
        assert s is None or s in (c["text"] or ""), c
    return {
        "about": (
            "Blind corpus 11 for execgate's scanner: secrets in prose and markup an AI coding agent "
            "reads (README setup sections and env tables, gh issue/PR views, Slack/Discord JSON "
            "exports, Jupyter cells, docstrings and comments, --help, OpenAPI examples, Postman/"
            "Insomnia, pasted .env, git log, CHANGELOG, locale files). Values are seeded random in "
            "each format's documented prefix/length/alphabet/checksum; none is live. Vendor "
            "documentation example keys, placeholders, masked values, regexes, RFC test vectors, "
            "ids/hashes, data URIs and publishable keys are negatives. Tokens that the prose calls "
            "revoked or expired are positives (format 'marked_revoked'): the claim is unverifiable "
            "and the string is indistinguishable from a live credential. Positives: 'secret' is "
            "the exact substring of 'text' that is the secret value. Negatives: secret null, "
            "format 'neg:<family>'."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
