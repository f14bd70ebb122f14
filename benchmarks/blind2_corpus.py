"""Second blind secret corpus for execgate's scanner (tests/blind2_corpus.json).

Built from public format facts only (vendor docs, GitHub secret-scanning patterns, gitleaks
rules): every value is drawn from ``random.Random(SEED)`` in its format's alphabet, length,
prefix and checksum, so none is a live credential. Run without arguments to write the JSON;
``--score`` measures the scanner against it.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from _blind import run

SEED = 4122026
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind2_corpus.json"
GITLEAKS = "https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml"
GHSS = "https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns"

R = random.Random(SEED)
ALNUM = string.ascii_letters + string.digits
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def rs(alphabet: str, n: int) -> str:
    """Random string that always mixes classes, as real tokens do."""
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        if n < 8 or alphabet in (HEX, string.digits):
            return s
        kinds = sum(
            any(c in k for c in s)
            for k in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
        )
        if kinds >= min(
            2,
            sum(
                any(c in k for c in alphabet)
                for k in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
            ),
        ):
            return s


def b62(n: int, width: int) -> str:
    out = ""
    digits = string.digits + string.ascii_uppercase + string.ascii_lowercase
    while n:
        n, r = divmod(n, 62)
        out = digits[r] + out
    return out.rjust(width, "0")


def guid() -> str:
    return f"{rs(HEX, 8)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 12)}"


def github(prefix: str) -> str:
    body = rs(ALNUM, 30)
    return f"{prefix}_{body}{b62(zlib.crc32(body.encode()), 6)}"


def b64url(obj: object) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )


def jwt() -> str:
    head = b64url({"alg": R.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"})
    sub = rs(LOWNUM, 12)
    body = b64url(
        {
            "sub": sub,
            "iat": 1764800000 + R.randrange(10**6),
            "role": R.choice(["admin", "service", "user"]),
        }
    )
    return f"{head}.{body}.{rs(URLSAFE, 43)}"


def pem(kind: str, lines: int = 12, encrypted: bool = False) -> str:
    body = [rs(B64, 64) for _ in range(lines)] + [rs(B64, 28) + "=="]
    hdr = ""
    if encrypted:
        hdr = "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC," + rs("0123456789ABCDEF", 32) + "\n\n"
    return f"-----BEGIN {kind}-----\n{hdr}" + "\n".join(body) + f"\n-----END {kind}-----"


def openssh_key() -> str:
    first = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
    body = [first] + [rs(B64, 70) for _ in range(5)] + [rs(B64, 20) + "="]
    return (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + "\n".join(body)
        + "\n-----END OPENSSH PRIVATE KEY-----"
    )


def pgp_key() -> str:
    body = ["lQOYBGV" + rs(B64, 57)] + [rs(B64, 64) for _ in range(10)] + ["=" + rs(B64, 4)]
    return (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
        + "\n".join(body)
        + "\n-----END PGP PRIVATE KEY BLOCK-----"
    )


def pw() -> str:
    return rs(ALNUM, R.randint(4, 8)) + R.choice("!#%^*-_.~") + rs(ALNUM, R.randint(6, 12))


Gen = Callable[[], str]
# name, env var, generator, source, token_like (may appear bare on a command line as a bearer)
FORMATS: list[tuple[str, str, Gen, str]] = [
    (
        "aws_access_key_id",
        "AWS_ACCESS_KEY_ID",
        lambda: R.choice(["AKIA", "ASIA"]) + rs(B32, 16),
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids",
    ),
    (
        "aws_secret_access_key",
        "AWS_SECRET_ACCESS_KEY",
        lambda: rs(B64, 40),
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    ),
    (
        "github_classic",
        "GITHUB_TOKEN",
        lambda: github(R.choice(["ghp", "gho", "ghu", "ghs", "ghr"])),
        "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/",
    ),
    (
        "github_fine_grained",
        "GH_TOKEN",
        lambda: "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59),
        GHSS,
    ),
    (
        "gitlab_pat",
        "GITLAB_TOKEN",
        lambda: "glpat-" + rs(URLSAFE, 20),
        "https://docs.gitlab.com/ee/security/token_overview.html#token-prefixes",
    ),
    (
        "gitlab_runner",
        "CI_RUNNER_TOKEN",
        lambda: "glrt-" + rs(URLSAFE, 20),
        "https://docs.gitlab.com/ee/security/token_overview.html#token-prefixes",
    ),
    (
        "slack_token",
        "SLACK_BOT_TOKEN",
        lambda: (
            R.choice(["xoxb", "xoxp"])
            + f"-{R.randrange(10**11, 10**12)}-{R.randrange(10**11, 10**12)}-"
            + rs(ALNUM, 24)
        ),
        "https://api.slack.com/authentication/token-types",
    ),
    (
        "slack_app_token",
        "SLACK_APP_TOKEN",
        lambda: f"xapp-1-A{rs(UPNUM, 10)}-{R.randrange(10**12, 10**13)}-" + rs(HEX, 64),
        "https://api.slack.com/authentication/token-types",
    ),
    (
        "stripe_secret",
        "STRIPE_SECRET_KEY",
        lambda: R.choice(["sk_live_", "rk_live_"]) + rs(ALNUM, R.choice([24, 99])),
        "https://docs.stripe.com/keys",
    ),
    (
        "stripe_webhook_secret",
        "STRIPE_WEBHOOK_SECRET",
        lambda: "whsec_" + rs(ALNUM, 32),
        "https://docs.stripe.com/webhooks#verify-webhook-signatures",
    ),
    (
        "twilio_api_key",
        "TWILIO_API_KEY",
        lambda: "SK" + rs(HEX, 32),
        "https://www.twilio.com/docs/iam/api-keys",
    ),
    (
        "sendgrid",
        "SENDGRID_API_KEY",
        lambda: "SG." + rs(URLSAFE, 22) + "." + rs(URLSAFE, 43),
        GITLEAKS,
    ),
    ("mailgun", "MAILGUN_API_KEY", lambda: "key-" + rs(HEX, 32), GITLEAKS),
    (
        "mailchimp",
        "MAILCHIMP_API_KEY",
        lambda: rs(HEX, 32) + "-us" + str(R.randint(1, 21)),
        GITLEAKS,
    ),
    (
        "postmark",
        "POSTMARK_SERVER_TOKEN",
        lambda: f"{rs(HEX, 8)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 12)}",
        "https://postmarkapp.com/developer/api/overview#authentication",
    ),
    (
        "openai_project",
        "OPENAI_API_KEY",
        lambda: "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
        GITLEAKS,
    ),
    ("anthropic", "ANTHROPIC_API_KEY", lambda: "sk-ant-api03-" + rs(URLSAFE, 93) + "AA", GITLEAKS),
    (
        "huggingface",
        "HF_TOKEN",
        lambda: "hf_" + rs(string.ascii_letters, 34),
        "https://huggingface.co/docs/hub/security-tokens",
    ),
    ("replicate", "REPLICATE_API_TOKEN", lambda: "r8_" + rs(ALNUM, 37), GHSS),
    ("groq", "GROQ_API_KEY", lambda: "gsk_" + rs(ALNUM, 52), GHSS),
    (
        "openrouter",
        "OPENROUTER_API_KEY",
        lambda: "sk-or-v1-" + rs(HEX, 64),
        "https://openrouter.ai/docs/api-reference/authentication",
    ),
    ("cohere", "COHERE_API_KEY", lambda: rs(ALNUM, 40), GITLEAKS),
    (
        "google_api_key",
        "GOOGLE_API_KEY",
        lambda: "AIza" + rs(URLSAFE, 35),
        "https://cloud.google.com/docs/authentication/api-keys",
    ),
    ("google_oauth_secret", "GOOGLE_CLIENT_SECRET", lambda: "GOCSPX-" + rs(URLSAFE, 28), GHSS),
    (
        "azure_storage_key",
        "AZURE_STORAGE_KEY",
        lambda: rs(B64, 86) + "==",
        "https://learn.microsoft.com/en-us/azure/storage/common/storage-account-keys-manage",
    ),
    ("jwt", "ACCESS_TOKEN", jwt, "https://datatracker.ietf.org/doc/html/rfc7519"),
    (
        "npm",
        "NPM_TOKEN",
        lambda: "npm_" + rs(ALNUM, 36),
        "https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/",
    ),
    (
        "pypi",
        "TWINE_PASSWORD",
        lambda: "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 140),
        "https://pypi.org/help/#apitoken",
    ),
    ("dockerhub", "DOCKERHUB_TOKEN", lambda: "dckr_pat_" + rs(URLSAFE, 27), GHSS),
    (
        "shopify",
        "SHOPIFY_ACCESS_TOKEN",
        lambda: R.choice(["shpat_", "shpss_", "shpca_", "shppa_"]) + rs(HEX, 32),
        "https://shopify.dev/docs/apps/build/authentication-authorization",
    ),
    (
        "atlassian",
        "JIRA_API_TOKEN",
        lambda: "ATATT3xFfGF0" + rs(URLSAFE, 171) + "=" + rs("0123456789ABCDEF", 8),
        GITLEAKS,
    ),
    (
        "linear",
        "LINEAR_API_KEY",
        lambda: "lin_api_" + rs(ALNUM, 40),
        "https://linear.app/developers/graphql#personal-api-keys",
    ),
    (
        "notion",
        "NOTION_TOKEN",
        lambda: R.choice(
            ["secret_" + rs(ALNUM, 43), "ntn_" + rs(string.digits, 11) + rs(ALNUM, 35)]
        ),
        GHSS,
    ),
    (
        "airtable_pat",
        "AIRTABLE_TOKEN",
        lambda: "pat" + rs(ALNUM, 14) + "." + rs(HEX, 64),
        "https://airtable.com/developers/web/guides/personal-access-tokens",
    ),
    ("figma", "FIGMA_TOKEN", lambda: "figd_" + rs(URLSAFE, 40), GHSS),
    (
        "mapbox_secret",
        "MAPBOX_SECRET_TOKEN",
        lambda: "sk.eyJ1Ijoi" + rs(ALNUM, 20) + "." + rs(URLSAFE, 22),
        "https://docs.mapbox.com/help/dive-deeper/access-tokens/",
    ),
    (
        "doppler",
        "DOPPLER_TOKEN",
        lambda: R.choice(["dp.st.", "dp.pt.", "dp.sa."]) + rs(ALNUM, 43),
        "https://docs.doppler.com/reference/auth-token-formats",
    ),
    ("onepassword_sa", "OP_SERVICE_ACCOUNT_TOKEN", lambda: "ops_eyJ" + rs(URLSAFE, 250), GHSS),
    (
        "vault",
        "VAULT_TOKEN",
        lambda: R.choice(["hvs.", "hvb."]) + rs(URLSAFE, R.choice([24, 91, 138])),
        "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes",
    ),
    ("pulumi", "PULUMI_ACCESS_TOKEN", lambda: "pul-" + rs(HEX, 40), GITLEAKS),
    (
        "terraform_cloud",
        "TFE_TOKEN",
        lambda: rs(ALNUM, 14) + ".atlasv1." + rs(URLSAFE, 67),
        GITLEAKS,
    ),
    ("postman", "POSTMAN_API_KEY", lambda: "PMAK-" + rs(HEX, 24) + "-" + rs(HEX, 34), GITLEAKS),
    (
        "databricks",
        "DATABRICKS_TOKEN",
        lambda: "dapi" + rs(HEX, 32) + R.choice(["", "-2", "-3"]),
        GITLEAKS,
    ),
    ("newrelic", "NEW_RELIC_API_KEY", lambda: "NRAK-" + rs(UPNUM, 27), GITLEAKS),
    (
        "sentry_token",
        "SENTRY_AUTH_TOKEN",
        lambda: R.choice(["sntryu_" + rs(HEX, 64), "sntrys_eyJpYXQiO" + rs(URLSAFE, 140)]),
        GITLEAKS,
    ),
    (
        "grafana",
        "GRAFANA_TOKEN",
        lambda: R.choice(
            ["glsa_" + rs(ALNUM, 32) + "_" + rs(HEX, 8), "glc_eyJvIjoi" + rs(ALNUM, 60) + "=="]
        ),
        GITLEAKS,
    ),
    (
        "datadog_api_key",
        "DD_API_KEY",
        lambda: rs(HEX, 32),
        "https://docs.datadoghq.com/account_management/api-app-keys/",
    ),
    (
        "honeycomb",
        "HONEYCOMB_API_KEY",
        lambda: "hcaik_" + rs(LOWNUM, 58),
        "https://docs.honeycomb.io/get-started/configure/environments/manage-api-keys/",
    ),
    ("pagerduty", "PAGERDUTY_TOKEN", lambda: "u+" + rs(URLSAFE, 18), GHSS),
    (
        "square",
        "SQUARE_ACCESS_TOKEN",
        lambda: R.choice(
            ["EAAA" + rs(URLSAFE, 60), "sq0csp-" + rs(URLSAFE, 43), "sq0atp-" + rs(URLSAFE, 22)]
        ),
        GITLEAKS,
    ),
    (
        "braintree",
        "BRAINTREE_ACCESS_TOKEN",
        lambda: "access_token$production$" + rs(LOWNUM, 16) + "$" + rs(HEX, 32),
        GHSS,
    ),
    ("heroku", "HEROKU_API_KEY", lambda: "HRKU-AA" + rs(URLSAFE, 58), GITLEAKS),
    (
        "digitalocean",
        "DIGITALOCEAN_TOKEN",
        lambda: R.choice(["dop_v1_", "doo_v1_", "dor_v1_"]) + rs(HEX, 64),
        "https://docs.digitalocean.com/reference/api/create-personal-access-token/",
    ),
    ("flyio", "FLY_API_TOKEN", lambda: "fo1_" + rs(URLSAFE, 43), GITLEAKS),
    ("netlify", "NETLIFY_AUTH_TOKEN", lambda: "nfp_" + rs(ALNUM, 36), GHSS),
    ("supabase", "SUPABASE_ACCESS_TOKEN", lambda: "sbp_" + rs(HEX, 40), GHSS),
    ("planetscale", "PLANETSCALE_PASSWORD", lambda: "pscale_pw_" + rs(URLSAFE, 43), GITLEAKS),
    (
        "age_secret_key",
        "SOPS_AGE_KEY",
        lambda: "AGE-SECRET-KEY-1" + "".join(R.choice(BECH32) for _ in range(58)),
        "https://github.com/FiloSottile/age",
    ),
    (
        "telegram_bot",
        "TELEGRAM_BOT_TOKEN",
        lambda: f"{R.randrange(10**9, 10**10)}:AA" + rs(URLSAFE, 33),
        "https://core.telegram.org/bots/api#authorizing-your-bot",
    ),
    ("contentful", "CONTENTFUL_MANAGEMENT_TOKEN", lambda: "CFPAT-" + rs(URLSAFE, 43), GITLEAKS),
    ("prefect", "PREFECT_API_KEY", lambda: "pnu_" + rs(ALNUM, 36), GITLEAKS),
    ("cloudflare_api_token", "CLOUDFLARE_API_TOKEN", lambda: rs(URLSAFE, 40), GITLEAKS),
    ("okta", "OKTA_API_TOKEN", lambda: "00" + rs(URLSAFE, 40), GITLEAKS),
]

# formats whose bare value has a distinctive prefix; the rest need a keyword nearby
PREFIXLESS = {
    "aws_secret_access_key",
    "cohere",
    "azure_storage_key",
    "datadog_api_key",
    "cloudflare_api_token",
    "okta",
    "postmark",
}

HOSTS = ["api.internal.example.com", "10.0.4.17:8443", "svc.prod.example.net"]


def ctx_cmd(var: str, v: str, fmt: str) -> list[str]:
    low = var.lower().replace("_", "-")
    opts = [
        f"export {var}={v}",
        f"export {var}='{v}' && ./deploy.sh --env prod",
        f'curl -sS -H "Authorization: Bearer {v}" https://{R.choice(HOSTS)}/v2/status',
        f"docker run --rm -e {var}={v} ghcr.io/acme/worker:1.8.2",
        f"kubectl create secret generic app-creds --from-literal={var.lower()}={v} -n prod",
        f"gh secret set {var} --body '{v}' --repo acme/api",
        f"heroku config:set {var}={v} -a acme-prod",
        f"{var}={v} npm run release",
        f"./bin/sync --{low} {v} --dry-run=false",
        f"fly secrets set {var}={v} -a acme-edge",
        f"vercel env add {var} production <<< '{v}'",
        f"echo '{v}' | docker login -u acme --password-stdin registry.example.com",
    ]
    if fmt in PREFIXLESS:
        opts = [o for o in opts if var in o or var.lower() in o or low in o]
    return opts


def ctx_env(var: str, v: str, fmt: str) -> list[str]:
    return [
        f"HOSTNAME=runner-7f9c\nPATH=/usr/local/bin:/usr/bin:/bin\n{var}={v}\nLANG=C.UTF-8\nHOME=/home/runner",
        f'declare -x {var}="{v}"\ndeclare -x SHLVL="1"',
        f"  Environment:\n    NODE_ENV:       production\n    {var}:  {v}\n    PORT:           8080",
        f"{var}={v}\nLOG_LEVEL=info",
        f"$ printenv | grep -i {var.split('_')[0].lower()}\n{var}={v}",
    ]


def ctx_log(var: str, v: str, fmt: str) -> list[str]:
    key = var.lower()
    opts = [
        f"2026-12-03T22:41:07.118Z DEBUG config loaded {key}={v} region=eu-west-1",
        f"+ export {var}={v}\n+ ./scripts/migrate.sh",
        f"[app] WARN using {key} '{v}' from environment",
        f'Traceback (most recent call last):\n  File "/srv/app/client.py", line 88, in connect\n    raise AuthError(f"rejected {key}={v}")\nAuthError: rejected {key}={v}',
        f"> GET /v1/me HTTP/1.1\n> Host: {R.choice(HOSTS)}\n> Authorization: Bearer {v}\n> User-Agent: curl/8.5.0\n>\n< HTTP/1.1 401 Unauthorized",
        f"#12 [build 4/9] RUN echo {var}={v} >> .env\n#12 DONE 0.1s",
    ]
    if fmt in PREFIXLESS:
        opts = [o for o in opts if key in o or var in o]
    return opts


def ctx_config(var: str, v: str, fmt: str) -> list[str]:
    key = var.lower()
    return [
        f'# .env.production\nDATABASE_POOL=10\n{var}="{v}"\n',
        f'spec:\n  containers:\n    - name: api\n      env:\n        - name: {var}\n          value: "{v}"',
        f"[default]\n{key} = {v}\n",
        f'variable "{key}" {{\n  default = "{v}"\n}}',
        f"services:\n  worker:\n    environment:\n      {var}: {v}",
    ]


def ctx_json(var: str, v: str, fmt: str) -> list[str]:
    key = var.lower()
    camel = key.split("_")[0] + "".join(p.title() for p in key.split("_")[1:])
    return [
        json.dumps({"name": "worker", "env": {var: v, "NODE_ENV": "production"}}),
        json.dumps({camel: v, "timeout": 30}, indent=2),
        json.dumps(
            {
                "Parameter": {
                    "Name": f"/prod/{key}",
                    "Type": "SecureString",
                    "Value": v,
                    "Version": 3,
                }
            },
            indent=4,
        ),
        json.dumps({"data": {"attributes": {"token": v, "scopes": ["read", "write"]}}}),
    ]


SHAPES = [ctx_cmd, ctx_env, ctx_log, ctx_config, ctx_json]


def case(text: str, secret: str | None, fmt: str, source: str) -> dict[str, object]:
    if secret is not None:
        assert secret in text, (fmt, text)
    return {"text": text, "secret": secret, "format": fmt, "source": source}


def positives() -> list[dict[str, object]]:
    out = []
    for fmt, var, gen, src in FORMATS:
        shapes = SHAPES[:]
        for i in range(8):
            shape = shapes[i % len(shapes)]
            v = gen()
            out.append(case(R.choice(shape(var, v, fmt)), v, fmt, src))
    out += special_positives()
    return out


def special_positives() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(t: str, s: str, f: str, src: str) -> None:
        out.append(case(t, s, f, src))

    # private keys: the whole armored block is the secret
    keys: list[tuple[str, Callable[[], str]]] = [
        ("private_key_rsa", lambda: pem("RSA PRIVATE KEY")),
        ("private_key_pkcs8", lambda: pem("PRIVATE KEY")),
        ("private_key_ec", lambda: pem("EC PRIVATE KEY", 3)),
        (
            "private_key_encrypted",
            lambda: R.choice(
                [pem("ENCRYPTED PRIVATE KEY", 14), pem("RSA PRIVATE KEY", 12, encrypted=True)]
            ),
        ),
        ("private_key_openssh", openssh_key),
        ("private_key_pgp", pgp_key),
    ]
    src = "https://datatracker.ietf.org/doc/html/rfc7468"
    for fmt, g in keys:
        for i in range(6):
            k = g()
            t = [
                f"$ cat ~/.ssh/id_deploy\n{k}\n$ ",
                k,
                json.dumps(
                    {
                        "type": "service_account",
                        "project_id": "acme-prod",
                        "private_key_id": rs(HEX, 40),
                        "private_key": k + "\n",
                        "client_email": "ci@acme-prod.iam.gserviceaccount.com",
                    },
                    indent=2,
                ),
                "tls.key: |\n  " + k.replace("\n", "\n  "),
                f'DEPLOY_KEY="{k}"',
                f'+ echo "$SSH_KEY"\n{k}',
            ][i]
            if i == 2:
                k = k.replace("\n", "\\n")
            elif i == 3:
                k = k.replace("\n", "\n  ")
            add(t, k, fmt, src)
    # connection strings: the password is the secret
    dsn = "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS"
    for _ in range(8):
        p = pw().replace("!", "x").replace("#", "z").replace("%", "q").replace("^", "w")
        u = R.choice(["app", "admin", "svc_api", "postgres", "root"])
        h = R.choice(
            ["db.prod.internal", "10.2.0.15", "pg-main.c9akciq32.eu-west-1.rds.amazonaws.com"]
        )
        cases = [
            (
                "postgres_url",
                f"psql 'postgresql://{u}:{p}@{h}:5432/orders?sslmode=require' -c 'select 1'",
                dsn,
            ),
            ("postgres_url", f"DATABASE_URL=postgres://{u}:{p}@{h}/app", dsn),
            (
                "mysql_url",
                f"mysql://{u}:{p}@{h}:3306/shop",
                "https://dev.mysql.com/doc/refman/8.0/en/connecting-using-uri-or-key-value-pairs.html",
            ),
            (
                "mysql_cli",
                f"mysql -h {h} -u {u} -p{p} shop < dump.sql",
                "https://dev.mysql.com/doc/refman/8.0/en/connection-options.html#option_general_password",
            ),
            (
                "mongodb_srv",
                f'MONGO_URI="mongodb+srv://{u}:{p}@cluster0.{rs(LOWNUM, 5)}.mongodb.net/prod?retryWrites=true&w=majority"',
                "https://www.mongodb.com/docs/manual/reference/connection-string/",
            ),
            (
                "redis_url",
                f"redis-cli -u redis://default:{p}@redis-1234.c1.us-east-1-2.ec2.cloud.redislabs.com:12345",
                "https://redis.io/docs/latest/develop/clients/",
            ),
            (
                "amqp_url",
                f'{{"broker_url": "amqps://{u}:{p}@b-{rs(HEX, 8)}.mq.us-east-1.amazonaws.com:5671/"}}',
                "https://www.rabbitmq.com/docs/uri-spec",
            ),
            (
                "mssql_ado",
                f"Server=tcp:acme.database.windows.net,1433;Initial Catalog=prod;User ID={u};Password={p};Encrypt=True;",
                "https://learn.microsoft.com/en-us/dotnet/api/system.data.sqlclient.sqlconnection.connectionstring",
            ),
            (
                "mssql_odbc",
                f"Driver={{ODBC Driver 18 for SQL Server}};Server=sql01;Database=hr;Uid={u};Pwd={p};",
                "https://learn.microsoft.com/en-us/sql/connect/odbc/dsn-connection-string-attribute",
            ),
            (
                "jdbc",
                f"spring.datasource.url=jdbc:postgresql://{h}:5432/app?user={u}&password={p}",
                "https://jdbc.postgresql.org/documentation/use/",
            ),
            (
                "url_basic_auth",
                f"git clone https://{u}:{p}@git.example.com/acme/infra.git",
                "https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1",
            ),
            (
                "pgpassword",
                f"PGPASSWORD={p} pg_dump -h {h} -U {u} orders > orders.sql",
                "https://www.postgresql.org/docs/current/libpq-envars.html",
            ),
        ]
        for fmt, t, s in cases:
            add(t, p, fmt, s)
    # webhooks
    for i in range(6):
        slack = f"T{rs(UPNUM, 10)}/B{rs(UPNUM, 10)}/{rs(ALNUM, 24)}"
        ctx = [
            f'curl -X POST -d \'{{"text":"deploy done"}}\' https://hooks.slack.com/services/{slack}',
            f"SLACK_WEBHOOK_URL=https://hooks.slack.com/services/{slack}",
            json.dumps({"webhook": f"https://hooks.slack.com/services/{slack}"}),
        ]
        add(ctx[i % 3], slack, "slack_webhook", "https://api.slack.com/messaging/webhooks")
        did, dtok = str(R.randrange(10**17, 10**18)), rs(URLSAFE, 68)
        ctx = [
            f"curl -H 'Content-Type: application/json' -d @msg.json https://discord.com/api/webhooks/{did}/{dtok}",
            f"DISCORD_WEBHOOK=https://discordapp.com/api/webhooks/{did}/{dtok}",
            f'webhook_url: "https://discord.com/api/webhooks/{did}/{dtok}"',
        ]
        add(
            ctx[i % 3],
            dtok,
            "discord_webhook",
            "https://discord.com/developers/docs/resources/webhook",
        )
        teams = f"https://acme.webhook.office.com/webhookb2/{guid()}@{guid()}/IncomingWebhook/{rs(HEX, 32)}/{guid()}"
        ctx = [
            f"curl -H 'Content-Type: application/json' -d '{{\"text\":\"hi\"}}' {teams}",
            f"TEAMS_WEBHOOK_URL={teams}",
            json.dumps({"teams": {"url": teams}}),
        ]
        add(
            ctx[i % 3],
            teams,
            "teams_webhook",
            "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook",
        )
        z = f"https://hooks.zapier.com/hooks/catch/{R.randrange(10**6, 10**8)}/{rs(LOWNUM, 6)}/"
        ctx = [f"curl -X POST {z} -d name=x", f"ZAPIER_HOOK={z}", json.dumps({"zap": z})]
        add(
            ctx[i % 3],
            z,
            "zapier_webhook",
            "https://help.zapier.com/hc/en-us/articles/8496288690317",
        )
    # package manager / registry configs
    for i in range(5):
        t = "npm_" + rs(ALNUM, 36)
        add(
            f"//registry.npmjs.org/:_authToken={t}\nregistry=https://registry.npmjs.org/",
            t,
            "npmrc_auth",
            "https://docs.npmjs.com/cli/v10/configuring-npm/npmrc#auth-related-configuration",
        )
        a = base64.b64encode(f"ci-bot:{pw()}".encode()).decode()
        add(
            json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": a}}}, indent=2),
            a,
            "docker_config_auth",
            "https://docs.docker.com/reference/cli/docker/login/",
        )
        p = pw()
        add(
            json.dumps(
                {"http-basic": {"repo.packagist.com": {"username": "token", "password": p}}},
                indent=4,
            ),
            p,
            "composer_auth",
            "https://getcomposer.org/doc/articles/authentication-for-private-packages.md",
        )
        c = "cio" + rs(ALNUM, 32)
        add(
            f"cargo login {c}" if i % 2 else f'[registry]\ntoken = "{c}"',
            c,
            "cargo_token",
            "https://doc.rust-lang.org/cargo/reference/config.html#registrytoken",
        )
        gk = "rubygems_" + rs(HEX, 48)
        add(
            f"---\n:rubygems_api_key: {gk}\n"
            if i % 2
            else f"GEM_HOST_API_KEY={gk} gem push acme-1.2.0.gem",
            gk,
            "rubygems",
            GITLEAKS,
        )
        nk = "oy2" + rs(LOWNUM, 43)
        add(
            f"dotnet nuget push pkg.nupkg --api-key {nk} --source https://api.nuget.org/v3/index.json",
            nk,
            "nuget",
            GITLEAKS,
        )
        tp = "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 140)
        add(
            f"[pypi]\n  username = __token__\n  password = {tp}\n"
            if i % 2
            else f"twine upload -u __token__ -p {tp} dist/*",
            tp,
            "pypirc",
            "https://packaging.python.org/en/latest/specifications/pypirc/",
        )
        pp = pw()
        add(
            f"poetry config http-basic.internal ci {pp}"
            if i % 2
            else f"pip install -i https://ci:{pp}@pypi.acme.internal/simple acme-core",
            pp,
            "pip_index_password",
            "https://python-poetry.org/docs/repositories/#configuring-credentials",
        )
    return out


# ---------------------------------------------------------------- negatives


def neg_cases() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(fam: str, text: str, src: str = "hard negative: real-world shape") -> None:
        out.append(case(text, None, "neg:" + fam, src))

    def uuid() -> str:
        return (
            f"{rs(HEX, 8)}-{rs(HEX, 4)}-4{rs(HEX, 3)}-{R.choice('89ab') + rs(HEX, 3)}-{rs(HEX, 12)}"
        )

    for var in [
        "API_KEY",
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "STRIPE_SECRET_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "SLACK_TOKEN",
        "OPENAI_API_KEY",
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "CLIENT_SECRET",
        "JWT_SECRET",
        "NPM_TOKEN",
        "VAULT_TOKEN",
        "DD_API_KEY",
    ]:
        # low entropy / sequential
        add(
            "low_entropy",
            R.choice(
                [
                    f"{var}=aaaaaaaaaaaaaaaaaaaaaaaa",
                    f"export {var}=1234567890abcdef",
                    f"{var}=password",
                    f"{var}=changeme",
                    f"{var}=test",
                    f"{var}=abcdefghijklmnopqrstuvwxyz",
                    f"{var}=0000000000000000000000000000000000000000",
                    f"{var}=true",
                    f"{var}=secret",
                ]
            ),
        )
        # templating
        add(
            "placeholder",
            R.choice(
                [
                    f"{var}={{{{ .Values.{var.lower()} }}}}",
                    f"export {var}=${{{var}}}",
                    f'curl -H "Authorization: Bearer ${var}" https://api.example.com',
                    f"{var}=<your-{var.lower().replace('_', '-')}>",
                    f"{var}=${{{{ secrets.{var} }}}}",
                    f"{var}=%({var.lower()})s",
                    f"{var}: !vault |",
                    f"{var}=<TOKEN>",
                    f"{var}=YOUR_{var}_HERE",
                    f"{var}={{{{{var.lower()}}}}}",
                ]
            ),
        )
        add(
            "masked",
            R.choice(
                [
                    f"{var}=****************",
                    f"{var}=[REDACTED]",
                    f"{var}: ***",
                    f"  {var}:  <set to the key '{var.lower()}' in secret 'app-creds'>",
                    f"{var}=xxxxxxxxxxxxxxxxxxxx",
                    f"{var}=•••••••••••",
                    f"{var}=<redacted>",
                    f"  {var}: (sensitive value)",
                    f"{var}=sk_live_****************************",
                    f"{var}=ghp_************************************",
                ]
            ),
        )
        add(
            "secret_name",
            R.choice(
                [
                    f"kubectl get secret {var.lower().replace('_', '-')} -n prod -o yaml",
                    f"aws secretsmanager get-secret-value --secret-id prod/{var.lower()}",
                    f"gh secret list | grep {var}",
                    f"vault kv get -field={var.lower()} secret/app",
                    f"doppler secrets get {var} --plain",
                    f"gcloud secrets versions access latest --secret={var.lower().replace('_', '-')}",
                    f"unset {var}",
                    f"echo ${{#{var}}}",
                    f"if [ -z \"${var}\" ]; then echo 'missing {var}'; exit 1; fi",
                    f"az keyvault secret show --vault-name acme-kv --name {var.lower().replace('_', '-')}",
                ]
            ),
        )
    # vendor documentation examples
    docs = [
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "STRIPE_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "SLACK_WEBHOOK=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "OPENAI_API_KEY=sk-...",
        "TWILIO_ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "postgres://user:password@localhost:5432/mydb",
        "mysql://username:password@host:3306/database",
        "mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/",
        "redis://:password@localhost:6379/0",
        "amqp://guest:guest@localhost:5672/",
        "DATABASE_URL=postgresql://postgres:postgres@localhost:5432/postgres",
        "https://user:pass@example.com/path",
        "Server=myServerAddress;Database=myDataBase;User Id=myUsername;Password=myPassword;",
        "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
        "export ANTHROPIC_API_KEY=sk-ant-...",
        "MAPBOX_ACCESS_TOKEN=pk.eyJ1IjoiZXhhbXBsZXMiLCJhIjoiY2p0MG01MXRqMW45cjQzb2R6b2ptc3J4MSJ9.zA2W0IkI0c6KaAhJfk9bWg",
        "curl -u api:key-example https://api.mailgun.net/v3/samples.mailgun.org/log",
        "SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ]
    for d in docs:
        add("doc_example", d, "vendor documentation example value")
    # public keys and certificates
    for i in range(20):
        pk = [
            lambda: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(B64, 43) + " deploy@ci",
            lambda: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + rs(B64, 500) + " alice@laptop",
            lambda: pem("CERTIFICATE", 14),
            lambda: pem("PUBLIC KEY", 6),
            lambda: (
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGV"
                + rs(B64, 57)
                + "\n"
                + "\n".join(rs(B64, 64) for _ in range(6))
                + "\n-----END PGP PUBLIC KEY BLOCK-----"
            ),
            lambda: (
                "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB"
                + rs(B64, 87)
                + "="
            ),
            lambda: "age1" + "".join(R.choice(BECH32.lower()) for _ in range(58)),
            lambda: (
                "MAPBOX_TOKEN=pk.eyJ1IjoiYWNtZSIsImEiOiJ" + rs(ALNUM, 20) + "." + rs(URLSAFE, 22)
            ),
            lambda: "STRIPE_PUBLISHABLE_KEY=pk_live_" + rs(ALNUM, 24),
            lambda: pem("CERTIFICATE REQUEST", 10),
        ][i % 10]()
        add("public_key", pk, "https://datatracker.ietf.org/doc/html/rfc7468")
    for kind in [
        "RSA PRIVATE KEY",
        "PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "EC PRIVATE KEY",
        "PGP PRIVATE KEY BLOCK",
        "ENCRYPTED PRIVATE KEY",
    ]:
        add("empty_armor", f"grep -n 'BEGIN {kind}' -r .", "armor lines without key material")
        add(
            "empty_armor",
            f"if line.startswith('-----BEGIN {kind}-----'):\n    in_key = True",
            "armor lines without key material",
        )
        add(
            "empty_armor",
            f"-----BEGIN {kind}-----\n-----END {kind}-----",
            "armor lines without key material",
        )
        add(
            "empty_armor",
            f'echo "-----BEGIN {kind}-----\\n$KEY\\n-----END {kind}-----" > key.pem',
            "armor lines without key material",
        )
    # hashes and digests
    for i in range(30):
        h = [
            lambda: (
                f"commit {rs(HEX, 40)}\nAuthor: Dana <dana@example.com>\nDate:   Thu Dec 3 10:00:00 2026 +0000"
            ),
            lambda: f"{rs(HEX, 64)}  dist/execgate-1.2.0.tar.gz",
            lambda: f"docker pull ghcr.io/acme/api@sha256:{rs(HEX, 64)}",
            lambda: f'"integrity": "sha512-{rs(B64, 86)}=="',
            lambda: f"golang.org/x/sys v0.27.0 h1:{rs(B64, 43)}=",
            lambda: f"sha1sum: {rs(HEX, 40)}  backup.tar",
            lambda: f"--hash=sha256:{rs(HEX, 64)}",
            lambda: (
                f"Merge pull request #4312 from acme/fix-{rs(LOWNUM, 6)}\n{rs(HEX, 7)}..{rs(HEX, 7)}  main -> main"
            ),
            lambda: f"digest: sha256:{rs(HEX, 64)} size: 2417",
            lambda: f'checksum = "{rs(HEX, 64)}"',
            lambda: f"md5: {rs(HEX, 32)}  model.bin",
            lambda: (
                f'resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#{rs(HEX, 40)}"'
            ),
            lambda: f"HEAD is now at {rs(HEX, 7)} ci: bump actions/checkout to {rs(HEX, 40)}",
            lambda: f"uses: actions/setup-node@{rs(HEX, 40)} # v4.1.0",
            lambda: f'ETag: "{rs(HEX, 32)}"',
        ][i % 15]()
        add("hash_digest", h, "hash/digest output")
    for _ in range(25):
        add(
            "uuid_ulid",
            R.choice(
                [
                    f"request_id={uuid()}",
                    f"kubectl delete pod api-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)} # uid {uuid()}",
                    f"ULID 01J{rs('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 23)} created",
                    f'"id": "{uuid()}"',
                    f"az group show --subscription {uuid()} -n rg-prod",
                    f"TENANT_ID={uuid()}",
                    f"correlation-id: {uuid()}",
                ]
            ),
        )
    for _ in range(25):
        txt = R.choice(
            [
                "Hello, world! This is a perfectly ordinary sentence.",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app",
                "#!/bin/sh\necho starting service\nexec /app/server",
                "The quick brown fox jumps over the lazy dog 12 times.",
            ]
        )
        b = base64.b64encode((txt + rs(LOWNUM, 3)).encode()).decode()
        add(
            "base64_text",
            R.choice(
                [f"echo {b} | base64 -d", f"data: {b}", f"  config.yaml: {b}", f"userData: {b}"]
            ),
        )
    for _ in range(8):
        add(
            "base64_text",
            f'<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA{rs(B64, 120)}=">',
        )
    for _ in range(30):
        add(
            "random_id",
            R.choice(
                [
                    f"x-amzn-RequestId: {uuid()}\nx-amz-id-2: {rs(B64, 76)}=",
                    f"arn:aws:iam::{R.randrange(10**11, 10**12)}:role/service-role/lambda-{rs(LOWNUM, 8)}",
                    f"aws ec2 describe-instances --instance-ids i-{rs(HEX, 17)}",
                    f"traceparent: 00-{rs(HEX, 32)}-{rs(HEX, 16)}-01",
                    f"X-Request-Id: {rs(LOWNUM, 26)}",
                    f'"ETag": "\\"{rs(HEX, 32)}-{R.randint(2, 40)}\\""',
                    f"sg-{rs(HEX, 17)} vpc-{rs(HEX, 17)} subnet-{rs(HEX, 17)}",
                    f"gcloud compute instances describe vm-{rs(LOWNUM, 6)} --project acme-prod-{R.randrange(100000, 999999)}",
                    f"cf-ray: {rs(HEX, 16)}-FRA",
                    f"AccessDenied: User: arn:aws:sts::{R.randrange(10**11, 10**12)}:assumed-role/ci/{rs(HEX, 16)} is not authorized",
                    f"Job {rs(LOWNUM, 8)}-{rs(LOWNUM, 4)} started on runner {rs(ALNUM, 8)}",
                    f"https://console.cloud.google.com/logs/query;cursorTimestamp=2026-12-03T10:00:00Z;query=trace%3D%22{rs(HEX, 32)}%22",
                    f"pod/api-7d9f8c6b5-{rs(LOWNUM, 5)} condition met",
                    f"Container ID: containerd://{rs(HEX, 64)}",
                ]
            ),
        )
    for _ in range(25):
        add(
            "url_no_creds",
            R.choice(
                [
                    f"git clone https://github.com/acme/{rs(LOWNUM, 8)}.git",
                    f"curl -fsSL https://raw.githubusercontent.com/acme/tools/{rs(HEX, 40)}/install.sh | sh",
                    "postgres://db.internal:5432/app?sslmode=require",
                    "wget https://example.com/downloads/release-v2.3.1.tar.gz?sig_version=2&expires=1764900000",
                    "redis://cache.internal:6379/0",
                    "mongodb://mongo-0.mongo:27017,mongo-1.mongo:27017/?replicaSet=rs0",
                    f"https://storage.googleapis.com/acme-artifacts/builds/{rs(HEX, 12)}/app.zip",
                    "ssh://git@github.com/acme/infra.git",
                    f"https://www.youtube.com/watch?v={rs(URLSAFE, 11)}",
                    f"https://docs.google.com/document/d/{rs(URLSAFE, 44)}/edit",
                ]
            ),
        )
    for _ in range(25):
        add(
            "code",
            R.choice(
                [
                    "def get_secret_access_key(self) -> str:\n    return self._resolve('AWS_SECRET_ACCESS_KEY')",
                    "const token = await getAccessTokenSilently({ authorizationParams: { audience } });",
                    '!function(e,t){"object"==typeof exports?module.exports=t():e.Lib=t()}(this,function(){var n={};return n})',
                    ".btn-primary{background-color:#0d6efd;border-color:#0d6efd}.a1b2c3d4e5{display:flex}",
                    "password = getpass.getpass('Password: ')",
                    'if (apiKey == null) throw new IllegalStateException("API key not configured");',
                    "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']",
                    "func (c *Client) SetBearerToken(token string) { c.token = token }",
                    "client_secret = config.get('oauth', 'client_secret')",
                    "token: ${{ secrets.GITHUB_TOKEN }}",
                    "password: !ENV ${DB_PASSWORD}",
                    "const API_KEY_HEADER = 'X-Api-Key';",
                    "import { createHmac } from 'node:crypto'; const sig = createHmac('sha256', secret).update(body).digest('hex');",
                ]
            ),
        )
    for _ in range(20):
        add(
            "test_fixture",
            R.choice(
                [
                    "tests/fixtures/test_private_key_rotation.py::test_rejects_expired_token PASSED",
                    "test_aws_secret_access_key_is_masked ... ok",
                    "FAIL: test_stripe_live_key_detection (tests.test_scan.ScanTests)",
                    "spec/fixtures/github_token_spec.rb:42",
                    "--- PASS: TestVaultTokenRenewal (0.03s)",
                    "tests/data/fake_id_rsa.pub",
                    "collected 42 items / test_jwt_secret_rotation.py ........",
                    "RUN   TestSlackWebhookURLValidation",
                ]
            ),
        )
    for _ in range(20):
        add(
            "version_string",
            R.choice(
                [
                    f"node v{R.randint(14, 22)}.{R.randint(0, 20)}.{R.randint(0, 9)}",
                    f"Successfully installed requests-2.32.3 urllib3-2.2.{R.randint(0, 9)} certifi-2024.8.30",
                    f"go version go1.23.{R.randint(0, 5)} linux/amd64",
                    f"openssl 3.0.{R.randint(2, 15)} 30 Jan 2024 (Library: OpenSSL 3.0.{R.randint(2, 15)})",
                    f"image: nginx:1.27.{R.randint(0, 3)}-alpine3.20",
                    f"Version: 1.2.3+build.{rs(HEX, 7)}",
                    f"Linux runner 6.8.0-{R.randint(10, 60)}-generic #{R.randint(40, 70)}-Ubuntu SMP x86_64 GNU/Linux",
                ]
            ),
        )
    for _ in range(20):
        ip = f"{R.randint(1, 223)}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
        mac = ":".join(rs(HEX, 2) for _ in range(6))
        add(
            "ip_mac",
            R.choice(
                [
                    f"inet {ip}/24 brd {ip.rsplit('.', 1)[0]}.255 scope global eth0",
                    f"link/ether {mac} brd ff:ff:ff:ff:ff:ff",
                    f"inet6 fe80::{rs(HEX, 4)}:{rs(HEX, 4)}:{rs(HEX, 4)}:{rs(HEX, 4)}/64 scope link",
                    f"ssh -i ~/.ssh/id_ed25519 ubuntu@{ip}",
                    f"Connection to {ip} port 22 [tcp/ssh] succeeded!",
                ]
            ),
        )
    for _ in range(20):
        add(
            "file_path",
            R.choice(
                [
                    "~/.aws/credentials",
                    "ls -la ~/.ssh/id_rsa ~/.ssh/id_rsa.pub",
                    "/var/run/secrets/kubernetes.io/serviceaccount/token",
                    "cat /etc/ssl/private/ssl-cert-snakeoil.key | wc -c",
                    "chmod 600 ~/.config/gcloud/application_default_credentials.json",
                    f"/home/runner/work/_temp/{uuid()}.sh",
                    "secrets/prod/api_key.enc",
                    "~/.docker/config.json",
                    "C:\\Users\\dev\\AppData\\Roaming\\npm\\node_modules\\token-cli\\bin\\token.js",
                    f"/nix/store/{rs('0123456789abcdfghijklmnpqrsvwxyz', 32)}-openssl-3.0.14/bin/openssl",
                ]
            ),
        )
    for _ in range(20):
        add(
            "k8s_docker_output",
            R.choice(
                [
                    f"NAME                  TYPE                                  DATA   AGE\ndb-credentials        Opaque                                3      {R.randint(2, 90)}d\ndefault-token-{rs(LOWNUM, 5)}   kubernetes.io/service-account-token   3      400d",
                    f'CONTAINER ID   IMAGE          COMMAND   CREATED\n{rs(HEX, 12)}   nginx:1.27   "/docker-entrypoint.…"   2 hours ago',
                    f"Step 5/9 : RUN pip install -r requirements.txt\n ---> Running in {rs(HEX, 12)}\n ---> {rs(HEX, 12)}",
                    "Plan: 3 to add, 0 to change, 1 to destroy.\n  + password = (sensitive value)",
                    "  # aws_db_instance.main will be updated in-place\n      ~ password = (sensitive value)",
                    f"sha256:{rs(HEX, 64)}\nSuccessfully tagged acme/api:latest",
                    "secret/app-creds created\nserviceaccount/ci-deployer created",
                ]
            ),
        )
    for _ in range(30):
        add(
            "benign_env",
            R.choice(
                [
                    f"SSH_AUTH_SOCK=/tmp/ssh-{rs(ALNUM, 12)}/agent.{R.randint(1000, 99999)}",
                    "LS_COLORS=rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01",
                    f"GITHUB_SHA={rs(HEX, 40)}\nGITHUB_RUN_ID={R.randrange(10**9, 10**10)}\nGITHUB_REF=refs/heads/main",
                    f"HOSTNAME={rs(HEX, 12)}\nKUBERNETES_SERVICE_HOST=10.96.0.1\nKUBERNETES_PORT=tcp://10.96.0.1:443",
                    f"CI_COMMIT_SHA={rs(HEX, 40)}\nCI_JOB_ID={R.randrange(10**9, 10**10)}\nCI_PIPELINE_IID={R.randint(1, 9999)}",
                    f"INVOCATION_ID={rs(HEX, 32)}\nJOURNAL_STREAM=8:{R.randrange(10**4, 10**6)}",
                    f"XDG_SESSION_ID={R.randint(1, 99)}\nDBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus",
                    "AWS_REGION=eu-west-1\nAWS_PROFILE=prod-readonly\nAWS_DEFAULT_OUTPUT=json",
                    "TOKEN_TTL=3600\nPASSWORD_MIN_LENGTH=12\nSECRET_ROTATION_DAYS=90\nAPI_KEY_HEADER=X-Api-Key",
                    f"GPG_KEY_ID={rs('0123456789ABCDEF', 16)}\nGIT_COMMITTER_NAME=ci-bot",
                ]
            ),
        )
    return out


def build() -> dict[str, object]:
    pos = positives()
    neg = neg_cases()
    cases = pos + neg
    R.shuffle(cases)
    return {
        "about": (
            "Second blind corpus for execgate's secret scanner, generated by benchmarks/blind2_corpus.py "
            f"(seed {SEED}) from public format facts only. Values are random in each format's alphabet/length/"
            "prefix/checksum; none is a live credential. Positives: 'secret' is the exact substring of 'text' "
            "that is the secret value. Negatives: secret null, format 'neg:<family>'."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT, width=160)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
