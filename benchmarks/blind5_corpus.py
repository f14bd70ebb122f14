"""Fifth blind secret corpus for execgate's scanner (tests/blind5_corpus.json).

Built from public format facts only (vendor docs, GitHub secret-scanning patterns, CLI output
shapes). It stresses where secrets show up in an agent's shell: the OUTPUT of real tools
(terraform, helm, kubectl, vault, cloud CLIs, credential files being cat'ed), tables, code spans,
trailing punctuation, URL-encoding and base64 wrapping. Negatives are hard ones: secret names in
listings, redacted output, documented example values, hashes, signatures, public keys, public IDs,
public-by-design client keys, and encrypted blobs.

Labelling decisions (a value is a secret iff leaking it grants access):
- ``otpauth://`` TOTP seeds are secrets (they mint second factors).
- Firebase web ``apiKey``, Supabase ``anon`` key, Stripe ``pk_live_`` and Sentry DSNs are public by
  design (shipped to browsers) -> negatives in family ``public_by_design``.
- Values only published in vendor docs as examples (AKIAIOSFODNN7EXAMPLE, jwt.io sample) are negatives.
- Base64-wrapped secrets (kubeconfig ``client-key-data``, k8s Secret ``data:``, docker ``auth``,
  ``extraheader`` basic auth) label the base64 text itself: leaking it leaks the secret.
- For passwords inside URLs / tables only the password is labelled; likewise the Slack webhook label
  is the ``T…/B…/token`` path (not the public host) and a Fly.io token label is its first ``fm2_``
  macaroon (not the ``FlyV1`` scheme word nor the comma).
- HTML ``csrfmiddlewaretoken`` values are treated as non-secret page content (negatives).

Every value is drawn from ``random.Random(SEED)``; none is a live credential. Run without arguments
to write the JSON; ``--score`` measures the scanner against it.
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
from urllib.parse import quote

from _blind import run

SEED = 5052026
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind5_corpus.json"
GHSS = "https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns"

R = random.Random(SEED)
ALNUM = string.ascii_letters + string.digits
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BECH32U = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
PWCHARS = ALNUM + "!#%^*_-+=."

Case = tuple[str, "str | None", str, str]


def rs(alphabet: str, n: int) -> str:
    """Random string; alphanumeric alphabets always mix letters and digits, like real tokens."""
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        if (
            n < 10
            or alphabet in (HEX, HEXU, string.digits)
            or not any(c.isdigit() for c in alphabet)
        ):
            return s
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def b62(n: int, width: int) -> str:
    digits = string.digits + string.ascii_uppercase + string.ascii_lowercase
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = digits[r] + out
    return out.rjust(width, "0")


def guid() -> str:
    h = rs(HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def yaml_scalar(v: str) -> str:
    """Quote like a YAML emitter would when a plain scalar is not allowed."""
    if v[0] in "!&*%@`|>{}[],#?:-'\"" or ": " in v or " #" in v or "$" in v:
        return "'" + v.replace("'", "''") + "'"
    return v


def b64(s: str | bytes) -> str:
    raw = s.encode() if isinstance(s, str) else s
    return base64.b64encode(raw).decode()


def b64url(s: str) -> str:
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def password(n: int = 0) -> str:
    n = n or R.randint(14, 28)
    while True:
        p = rs(PWCHARS, n)
        if any(c in "!#%^*_-+=." for c in p) and any(c.isupper() for c in p):
            return p


# --- token generators: documented prefix / length / alphabet / checksum -------------------


def gh(prefix: str) -> str:
    body = rs(ALNUM, 30)
    return prefix + body + b62(zlib.crc32(body.encode()), 6)


def gh_fine() -> str:
    return "github_pat_11" + rs(UPNUM, 20) + "_" + rs(ALNUM, 59)


def npm() -> str:
    body = rs(ALNUM, 30)
    return "npm_" + body + b62(zlib.crc32(body.encode()), 6)


def aws_id() -> str:
    return "AKIA" + rs("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def aws_secret() -> str:
    return rs(B64, 40)


def jwt(payload: dict[str, object], alg: str = "HS256") -> str:
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")))
    body = b64url(json.dumps(payload, separators=(",", ":")))
    return f"{head}.{body}.{rs(URLSAFE, 43 if alg == 'HS256' else 342)}"


def pem(kind: str, nbytes: int, first: str = "") -> str:
    body = first + rs(B64, nbytes - len(first))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def discord() -> str:
    uid = str(R.randint(10**17, 13 * 10**17))
    return b64(uid).rstrip("=") + "." + rs(URLSAFE, 6) + "." + rs(URLSAFE, 38)


def service_role_jwt() -> str:
    ref = rs(string.ascii_lowercase, 20)
    return jwt(
        {
            "iss": "supabase",
            "ref": ref,
            "role": "service_role",
            "iat": 1718000000,
            "exp": 2033576000,
        }
    )


def sa_jwt() -> str:
    ns = R.choice(["default", "ci", "kube-system", "monitoring"])
    return jwt(
        {
            "iss": "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": ns,
            "kubernetes.io/serviceaccount/service-account.name": "deployer",
            "sub": f"system:serviceaccount:{ns}:deployer",
        },
        "RS256",
    )


GEN: dict[str, tuple[Callable[[], str], str]] = {
    "github_pat_classic": (lambda: gh("ghp_"), GHSS),
    "github_oauth": (lambda: gh("gho_"), GHSS),
    "github_app_installation": (lambda: gh("ghs_"), GHSS),
    "github_fine_grained_pat": (gh_fine, GHSS),
    "gitlab_pat": (
        lambda: "glpat-" + rs(URLSAFE, 20),
        "https://docs.gitlab.com/ee/security/token_overview.html",
    ),
    "aws_secret_access_key": (
        aws_secret,
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    ),
    "aws_session_token": (
        lambda: "IQoJb3JpZ2luX2VjE" + rs(B64, R.choice([340, 400, 560])),
        "https://docs.aws.amazon.com/cli/latest/reference/sts/assume-role.html",
    ),
    "slack_bot_token": (
        lambda: f"xoxb-{R.randint(10**10, 10**12)}-{R.randint(10**11, 10**13)}-{rs(ALNUM, 24)}",
        "https://api.slack.com/authentication/token-types",
    ),
    "slack_user_token": (
        lambda: (
            f"xoxp-{R.randint(10**10, 10**12)}-{R.randint(10**10, 10**12)}-{R.randint(10**11, 10**13)}-{rs(HEX, 32)}"
        ),
        "https://api.slack.com/authentication/token-types",
    ),
    "slack_webhook": (
        lambda: (
            f"https://hooks.slack.com/services/T{rs(UPNUM, 8)}/B{rs(UPNUM, 10)}/{rs(ALNUM, 24)}"
        ),
        "https://api.slack.com/messaging/webhooks",
    ),
    "stripe_secret_key": (lambda: "sk_live_51" + rs(ALNUM, 97), "https://docs.stripe.com/keys"),
    "stripe_restricted_key": (lambda: "rk_live_51" + rs(ALNUM, 97), "https://docs.stripe.com/keys"),
    "stripe_webhook_secret": (lambda: "whsec_" + rs(ALNUM, 32), "https://docs.stripe.com/webhooks"),
    "openai_project_key": (
        lambda: "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
        "https://platform.openai.com/docs/api-reference/authentication",
    ),
    "anthropic_api_key": (
        lambda: "sk-ant-api03-" + rs(URLSAFE, 93) + "AA",
        "https://docs.anthropic.com/en/api/getting-started",
    ),
    "google_api_key": (
        lambda: "AIza" + rs(URLSAFE, 35),
        "https://cloud.google.com/docs/authentication/api-keys",
    ),
    "google_oauth_client_secret": (lambda: "GOCSPX-" + rs(URLSAFE, 28), GHSS),
    "google_refresh_token": (
        lambda: "1//0" + rs(URLSAFE, 99),
        "https://firebase.google.com/docs/cli#cli-ci-systems",
    ),
    "npm_token": (npm, "https://docs.npmjs.com/about-access-tokens"),
    "pypi_token": (
        lambda: "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 160),
        "https://pypi.org/help/#apitoken",
    ),
    "twilio_api_key_sid": (lambda: "SK" + rs(HEX, 32), "https://www.twilio.com/docs/iam/api-keys"),
    "sendgrid_api_key": (lambda: "SG." + rs(URLSAFE, 22) + "." + rs(URLSAFE, 43), GHSS),
    "mailgun_api_key": (lambda: "key-" + rs(HEX, 32), GHSS),
    "digitalocean_pat": (
        lambda: "dop_v1_" + rs(HEX, 64),
        "https://docs.digitalocean.com/reference/api/create-personal-access-token/",
    ),
    "shopify_access_token": (lambda: "shpat_" + rs(HEX, 32), "https://shopify.dev/docs/apps/auth"),
    "huggingface_token": (
        lambda: "hf_" + rs(string.ascii_letters, 34),
        "https://huggingface.co/docs/hub/security-tokens",
    ),
    "databricks_pat": (
        lambda: "dapi" + rs(HEX, 32),
        "https://docs.databricks.com/en/dev-tools/auth/pat.html",
    ),
    "doppler_service_token": (
        lambda: "dp.st.prd." + rs(ALNUM, 40),
        "https://docs.doppler.com/docs/service-tokens",
    ),
    "vault_service_token": (
        lambda: "hvs.CAESI" + rs(URLSAFE, 86),
        "https://developer.hashicorp.com/vault/docs/concepts/tokens",
    ),
    "terraform_cloud_token": (
        lambda: rs(ALNUM, 14) + ".atlasv1." + rs(ALNUM, 67),
        "https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens",
    ),
    "pulumi_token": (
        lambda: "pul-" + rs(HEX, 40),
        "https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/",
    ),
    "flyio_token": (
        lambda: "FlyV1 fm2_" + rs(B64, 200) + "," + "fo1_" + rs(URLSAFE, 43),
        "https://fly.io/docs/security/tokens/",
    ),
    "supabase_access_token": (
        lambda: "sbp_" + rs(HEX, 40),
        "https://supabase.com/docs/reference/cli/supabase-login",
    ),
    "supabase_service_role_jwt": (
        service_role_jwt,
        "https://supabase.com/docs/guides/api/api-keys",
    ),
    "azure_storage_account_key": (
        lambda: rs(B64, 86) + "==",
        "https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage",
    ),
    "azure_client_secret": (
        lambda: rs(ALNUM, 3) + R.choice("78") + "Q~" + rs(ALNUM + "_~.-", 34),
        "https://learn.microsoft.com/entra/identity-platform/howto-create-service-principal-portal",
    ),
    "discord_bot_token": (discord, "https://discord.com/developers/docs/reference#authentication"),
    "telegram_bot_token": (
        lambda: f"{R.randint(10**8, 8 * 10**9)}:AA{rs(URLSAFE, 33)}",
        "https://core.telegram.org/bots/api#authorizing-your-bot",
    ),
    "atlassian_api_token": (lambda: "ATATT3xFfGF0" + rs(URLSAFE, 171) + "=" + rs(HEXU, 8), GHSS),
    "linear_api_key": (
        lambda: "lin_api_" + rs(ALNUM, 40),
        "https://developers.linear.app/docs/graphql/working-with-the-graphql-api",
    ),
    "notion_token": (
        lambda: "ntn_" + rs(ALNUM, 46),
        "https://developers.notion.com/docs/authorization",
    ),
    "postman_api_key": (lambda: f"PMAK-{rs(HEX, 24)}-{rs(HEX, 34)}", GHSS),
    "grafana_service_account_token": (lambda: f"glsa_{rs(ALNUM, 32)}_{rs(HEX, 8)}", GHSS),
    "newrelic_user_key": (lambda: "NRAK-" + rs(UPNUM, 27), GHSS),
    "sentry_user_token": (
        lambda: "sntryu_" + rs(HEX, 64),
        "https://docs.sentry.io/account/auth-tokens/",
    ),
    "dockerhub_pat": (
        lambda: "dckr_pat_" + rs(URLSAFE, 27),
        "https://docs.docker.com/security/for-developers/access-tokens/",
    ),
    "age_secret_key": (
        lambda: "AGE-SECRET-KEY-1" + rs(BECH32U, 58),
        "https://age-encryption.org/v1",
    ),
    "rubygems_api_key": (
        lambda: "rubygems_" + rs(HEX, 48),
        "https://guides.rubygems.org/api-key-scopes/",
    ),
    "crates_io_token": (
        lambda: "cio" + rs(ALNUM, 32),
        "https://doc.rust-lang.org/cargo/reference/config.html#credentials",
    ),
    "artifactory_api_key": (lambda: "AKCp8" + rs(ALNUM, 68), GHSS),
    "okta_api_token": (
        lambda: "00" + rs(URLSAFE, 40),
        "https://developer.okta.com/docs/guides/create-an-api-token/",
    ),
    "planetscale_password": (lambda: "pscale_pw_" + rs(URLSAFE, 43), GHSS),
    "groq_api_key": (lambda: "gsk_" + rs(ALNUM, 52), "https://console.groq.com/docs/api-keys"),
    "replicate_token": (
        lambda: "r8_" + rs(ALNUM, 37),
        "https://replicate.com/docs/topics/security/api-tokens",
    ),
    "tailscale_auth_key": (
        lambda: "tskey-auth-k" + rs(ALNUM, 11) + "CNTRL-" + rs(ALNUM, 33),
        "https://tailscale.com/kb/1085/auth-keys",
    ),
    "buildkite_token": (lambda: "bkua_" + rs(HEX, 40), GHSS),
    "mailchimp_api_key": (lambda: rs(HEX, 32) + f"-us{R.randint(1, 21)}", GHSS),
    "heroku_api_key": (
        lambda: "HRKU-AA" + rs(URLSAFE, 58),
        "https://devcenter.heroku.com/articles/authentication",
    ),
    "rails_master_key": (
        lambda: rs(HEX, 32),
        "https://guides.rubyonrails.org/security.html#custom-credentials",
    ),
    "django_secret_key": (
        lambda: "".join(
            R.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)") for _ in range(50)
        ),
        "https://docs.djangoproject.com/en/stable/ref/settings/#secret-key",
    ),
    "password": (password, "context: credential field in tool output"),
}


def g(fmt: str) -> str:
    return GEN[fmt][0]()


def src(fmt: str) -> str:
    return GEN[fmt][1]


TOKEN_FORMATS = [
    f for f in GEN if f not in ("password", "rails_master_key", "django_secret_key", "flyio_token")
]
ENVNAME: dict[str, str] = {
    "github_pat_classic": "GITHUB_TOKEN",
    "github_oauth": "GH_TOKEN",
    "github_app_installation": "GITHUB_TOKEN",
    "github_fine_grained_pat": "GH_PAT",
    "gitlab_pat": "GITLAB_TOKEN",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "aws_session_token": "AWS_SESSION_TOKEN",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_user_token": "SLACK_USER_TOKEN",
    "slack_webhook": "SLACK_WEBHOOK_URL",
    "stripe_secret_key": "STRIPE_SECRET_KEY",
    "stripe_restricted_key": "STRIPE_API_KEY",
    "stripe_webhook_secret": "STRIPE_WEBHOOK_SECRET",
    "openai_project_key": "OPENAI_API_KEY",
    "anthropic_api_key": "ANTHROPIC_API_KEY",
    "google_api_key": "GOOGLE_API_KEY",
    "google_oauth_client_secret": "GOOGLE_CLIENT_SECRET",
    "google_refresh_token": "FIREBASE_TOKEN",
    "npm_token": "NPM_TOKEN",
    "pypi_token": "TWINE_PASSWORD",
    "twilio_api_key_sid": "TWILIO_API_KEY",
    "sendgrid_api_key": "SENDGRID_API_KEY",
    "mailgun_api_key": "MAILGUN_API_KEY",
    "digitalocean_pat": "DIGITALOCEAN_ACCESS_TOKEN",
    "shopify_access_token": "SHOPIFY_ACCESS_TOKEN",
    "huggingface_token": "HF_TOKEN",
    "databricks_pat": "DATABRICKS_TOKEN",
    "doppler_service_token": "DOPPLER_TOKEN",
    "vault_service_token": "VAULT_TOKEN",
    "terraform_cloud_token": "TF_TOKEN_app_terraform_io",
    "pulumi_token": "PULUMI_ACCESS_TOKEN",
    "flyio_token": "FLY_API_TOKEN",
    "supabase_access_token": "SUPABASE_ACCESS_TOKEN",
    "supabase_service_role_jwt": "SUPABASE_SERVICE_ROLE_KEY",
    "azure_storage_account_key": "AZURE_STORAGE_KEY",
    "azure_client_secret": "AZURE_CLIENT_SECRET",
    "discord_bot_token": "DISCORD_TOKEN",
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "atlassian_api_token": "JIRA_API_TOKEN",
    "linear_api_key": "LINEAR_API_KEY",
    "notion_token": "NOTION_TOKEN",
    "postman_api_key": "POSTMAN_API_KEY",
    "grafana_service_account_token": "GRAFANA_TOKEN",
    "newrelic_user_key": "NEW_RELIC_API_KEY",
    "sentry_user_token": "SENTRY_AUTH_TOKEN",
    "dockerhub_pat": "DOCKERHUB_TOKEN",
    "age_secret_key": "SOPS_AGE_KEY",
    "rubygems_api_key": "GEM_HOST_API_KEY",
    "crates_io_token": "CARGO_REGISTRY_TOKEN",
    "artifactory_api_key": "ARTIFACTORY_API_KEY",
    "okta_api_token": "OKTA_API_TOKEN",
    "planetscale_password": "DATABASE_PASSWORD",
    "groq_api_key": "GROQ_API_KEY",
    "replicate_token": "REPLICATE_API_TOKEN",
    "tailscale_auth_key": "TS_AUTHKEY",
    "buildkite_token": "BUILDKITE_API_TOKEN",
    "mailchimp_api_key": "MAILCHIMP_API_KEY",
    "heroku_api_key": "HEROKU_API_KEY",
    "rails_master_key": "RAILS_MASTER_KEY",
    "django_secret_key": "DJANGO_SECRET_KEY",
    "password": "DB_PASSWORD",
}


def tok() -> str:
    return R.choice(TOKEN_FORMATS)


# --- positive builders: (text, secret, format, source) ------------------------------------

POS: list[tuple[Callable[[], Case], int]] = []
NEG: list[tuple[Callable[[], Case], int]] = []


def pos(n: int) -> Callable[[Callable[[], Case]], Callable[[], Case]]:
    def deco(fn: Callable[[], Case]) -> Callable[[], Case]:
        POS.append((fn, n))
        return fn

    return deco


def neg(n: int) -> Callable[[Callable[[], Case]], Callable[[], Case]]:
    def deco(fn: Callable[[], Case]) -> Callable[[], Case]:
        NEG.append((fn, n))
        return fn

    return deco


def fmt_secret(fmt: str | None = None) -> tuple[str, str, str]:
    f = fmt or tok()
    return f, g(f), ENVNAME[f]


@pos(12)
def terraform_output_json() -> Case:
    f, s, name = fmt_secret()
    other = R.choice(["vpc_id", "cluster_endpoint", "bucket_name"])
    otherval = {
        "vpc_id": "vpc-0" + rs(HEX, 16),
        "cluster_endpoint": f"https://{rs(HEX, 32).upper()}.gr7.us-east-1.eks.amazonaws.com",
        "bucket_name": "acme-artifacts-prod",
    }[other]
    text = (
        "$ terraform output -json\n{\n"
        f'  "{other}": {{\n    "sensitive": false,\n    "type": "string",\n    "value": "{otherval}"\n  }},\n'
        f'  "{name.lower()}": {{\n    "sensitive": true,\n    "type": "string",\n    "value": "{s}"\n  }}\n}}'
    )
    return text, s, f, "terraform output -json prints sensitive values; " + src(f)


@pos(6)
def terraform_show_json_iam_key() -> Case:
    kid, sec = aws_id(), aws_secret()
    text = (
        "$ terraform show -json | jq '.values.root_module.resources[] | select(.type==\"aws_iam_access_key\") | .values'\n"
        "{\n"
        f'  "create_date": "2024-0{R.randint(1, 9)}-1{R.randint(0, 9)}T08:12:44Z",\n'
        f'  "id": "{kid}",\n  "pgp_key": null,\n'
        f'  "secret": "{sec}",\n  "ses_smtp_password_v4": "B{rs(B64, 43)}",\n'
        '  "status": "Active",\n  "user": "ci-deployer"\n}'
    )
    return text, sec, "aws_secret_access_key", "terraform show -json exposes state values"


@pos(8)
def helm_get_values() -> Case:
    f = R.choice(
        [
            "password",
            "password",
            "stripe_secret_key",
            "sendgrid_api_key",
            "slack_webhook",
            "rails_master_key",
        ]
    )
    s = g(f)
    key = {
        "password": "password",
        "stripe_secret_key": "stripeSecretKey",
        "sendgrid_api_key": "sendgridApiKey",
        "slack_webhook": "webhookUrl",
        "rails_master_key": "railsMasterKey",
    }[f]
    text = (
        f"$ helm get values {R.choice(['api', 'web', 'billing'])} -n prod\nUSER-SUPPLIED VALUES:\n"
        f"image:\n  tag: v2.{R.randint(1, 30)}.{R.randint(0, 9)}\nsecrets:\n  {key}: {yaml_scalar(s)}\n"
        "postgresql:\n  enabled: false\n"
    )
    return text, s, f, "helm get values shows user-supplied values verbatim"


@pos(10)
def kubectl_jsonpath_decode() -> Case:
    f = R.choice(
        [
            "password",
            "password",
            "password",
            "github_pat_classic",
            "openai_project_key",
            "rails_master_key",
            "aws_secret_access_key",
        ]
    )
    s = g(f)
    key = {
        "password": "password",
        "github_pat_classic": "token",
        "openai_project_key": "OPENAI_API_KEY",
        "rails_master_key": "master.key",
        "aws_secret_access_key": "secret-access-key",
    }[f]
    k = key.replace(".", "\\.")
    text = f"$ kubectl get secret app-secrets -n prod -o jsonpath='{{.data.{k}}}' | base64 -d\n{s}"
    if R.random() < 0.5:
        text = f"$ kubectl get secret app-secrets -n prod -o jsonpath='{{.data.{k}}}' | base64 -d; echo\n{s}\n"
    return text, s, f, "kubectl decoded secret value on stdout"


@pos(6)
def kubectl_secret_yaml_b64() -> Case:
    f = R.choice(["password", "stripe_secret_key", "github_pat_classic", "anthropic_api_key"])
    raw = g(f)
    s = b64(raw)
    text = (
        "$ kubectl get secret app -o yaml\napiVersion: v1\ndata:\n"
        f"  api-key: {s}\n  username: {b64('app')}\nkind: Secret\nmetadata:\n"
        f"  name: app\n  namespace: prod\ntype: Opaque\n"
    )
    return (
        text,
        s,
        "k8s_secret_base64_" + ("password" if f == "password" else "token"),
        "Kubernetes Secret data is base64, not encryption",
    )


@pos(10)
def vault_kv_get() -> Case:
    f = R.choice(
        [
            "password",
            "password",
            "stripe_secret_key",
            "aws_secret_access_key",
            "database_url",
            "openai_project_key",
            "twilio_auth_token",
        ]
    )
    if f == "database_url":
        s = password()
        val = f"postgresql://app:{quote(s, safe='')}@db.internal:5432/app"
        s = quote(s, safe="")
        key = "database_url"
        f = "password"
    elif f == "twilio_auth_token":
        s = val = rs(HEX, 32)
        key = "twilio_auth_token"
    else:
        s = val = g(f)
        key = {
            "password": "db_password",
            "stripe_secret_key": "stripe_key",
            "aws_secret_access_key": "aws_secret_access_key",
            "openai_project_key": "openai_api_key",
        }[f]
    text = (
        "$ vault kv get secret/prod/app\n"
        "====== Secret Path ======\nsecret/data/prod/app\n\n"
        "======= Metadata =======\nKey                Value\n---                -----\n"
        "created_time       2024-11-04T10:22:31.512Z\ncustom_metadata    <nil>\ndeletion_time      n/a\n"
        f"destroyed          false\nversion            {R.randint(2, 19)}\n\n"
        "======== Data ========\nKey                      Value\n---                      -----\n"
        f"{key:<25}{val}\nusername                 app\n"
    )
    return text, s, f, "vault kv get prints data table"


@pos(8)
def aws_secretsmanager() -> Case:
    pw = password()
    name = R.choice(["prod/db", "prod/app/credentials", "rds!db-" + guid()])
    inner = json.dumps(
        {
            "username": "admin",
            "password": pw,
            "engine": "postgres",
            "host": "db.cluster-c8x.us-east-1.rds.amazonaws.com",
            "port": 5432,
        }
    )
    body = {
        "ARN": f"arn:aws:secretsmanager:us-east-1:{R.randint(10**11, 10**12 - 1)}:secret:{name}-{rs(ALNUM, 6)}",
        "Name": name,
        "VersionId": guid(),
        "SecretString": inner,
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": "2024-06-11T09:14:02.511000+00:00",
    }
    text = f"$ aws secretsmanager get-secret-value --secret-id {name}\n" + json.dumps(
        body, indent=4
    )
    return text, pw, "password", "SecretString with escaped JSON inside"


@pos(6)
def az_keyvault() -> Case:
    f = R.choice(
        ["azure_storage_account_key", "azure_client_secret", "password", "sendgrid_api_key"]
    )
    s = g(f)
    vault = R.choice(["kv-prod-weu", "acme-secrets"])
    body = {
        "attributes": {
            "created": "2024-03-02T11:09:41+00:00",
            "enabled": True,
            "recoveryLevel": "Recoverable+Purgeable",
        },
        "contentType": None,
        "id": f"https://{vault}.vault.azure.net/secrets/app-secret/{rs(HEX, 32)}",
        "kid": None,
        "managed": None,
        "name": "app-secret",
        "tags": {},
        "value": s,
    }
    text = f"$ az keyvault secret show --vault-name {vault} --name app-secret\n" + json.dumps(
        body, indent=2
    )
    return text, s, f, "az keyvault secret show JSON"


@pos(8)
def raw_secret_managers() -> Case:
    f, s, name = fmt_secret()
    cmd = R.choice(
        [
            f"gcloud secrets versions access latest --secret={name.lower().replace('_', '-')}",
            f"op read op://Private/{name.lower()}/credential",
            f"doppler secrets get {name} --plain",
            f"aws ssm get-parameter --name /prod/{name.lower()} --with-decryption --query Parameter.Value --output text",
            "gh auth token" if f.startswith("github") else f"pass show prod/{name.lower()}",
        ]
    )
    text = f"$ {cmd}\n{s}\n"
    return text, s, f, "secret manager raw read to stdout"


@pos(6)
def doppler_download() -> Case:
    f, s, name = fmt_secret()
    body = {
        "DOPPLER_CONFIG": "prd",
        "DOPPLER_ENVIRONMENT": "prd",
        "DOPPLER_PROJECT": "api",
        name: s,
        "LOG_LEVEL": "info",
    }
    text = "$ doppler secrets download --no-file --format json\n" + json.dumps(body, indent=2)
    return text, s, f, "doppler secrets download --no-file"


@pos(8)
def heroku_config() -> Case:
    if R.random() < 0.5:
        pw = rs(HEX, 64)
        url = f"postgres://u{rs(LOWNUM, 13)}:{pw}@ec2-{R.randint(3, 54)}-{R.randint(1, 250)}-{R.randint(1, 250)}-{R.randint(1, 250)}.compute-1.amazonaws.com:5432/d{rs(LOWNUM, 13)}"
        lines = [
            ("DATABASE_URL", url),
            ("NODE_ENV", "production"),
            ("REDIS_URL", f"rediss://:p{rs(HEX, 64)}@ec2-3-1-2-3.compute-1.amazonaws.com:12345"),
        ]
        s, f = pw, "password"
    else:
        f, s, name = fmt_secret()
        lines = [("NODE_ENV", "production"), (name, s), ("WEB_CONCURRENCY", "2")]
    w = max(len(k) for k, _ in lines) + 2
    text = "$ heroku config -a acme-api\n=== acme-api Config Vars\n" + "\n".join(
        f"{k + ':':<{w}}{v}" for k, v in lines
    )
    return text, s, f, "heroku config prints values"


@pos(6)
def vercel_env_pull() -> Case:
    f, s, name = fmt_secret()
    text = (
        "$ vercel env pull .env.local && cat .env.local\n"
        "Vercel CLI 37.4.2\n> Downloading `development` Environment Variables for acme/web\n"
        "✅  Created .env.local file  [312ms]\n"
        "# Created by Vercel CLI\n"
        'NEXT_PUBLIC_APP_URL="http://localhost:3000"\n'
        f'{name}="{s}"\n'
        'VERCEL="1"\nVERCEL_ENV="development"\n'
    )
    return text, s, f, "vercel env pull writes decrypted values"


@pos(6)
def docker_compose_config() -> Case:
    f = R.choice(
        ["password", "password", "stripe_secret_key", "sendgrid_api_key", "django_secret_key"]
    )
    s = g(f)
    key = {
        "password": "POSTGRES_PASSWORD",
        "stripe_secret_key": "STRIPE_SECRET_KEY",
        "sendgrid_api_key": "SENDGRID_API_KEY",
        "django_secret_key": "DJANGO_SECRET_KEY",
    }[f]
    val = yaml_scalar(s)
    text = (
        "$ docker compose config\nname: app\nservices:\n  db:\n    environment:\n"
        f"      {key}: {val}\n"
        "    image: postgres:16\n    networks:\n      default: null\n"
    )
    return text, s, f, "docker compose config interpolates .env values"


@pos(10)
def env_sort() -> Case:
    f, s, name = fmt_secret()
    noise = [
        "HOME=/home/runner",
        "HOSTNAME=7f3c2b1a9d0e",
        "LANG=C.UTF-8",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
        "PWD=/app",
        "SHLVL=1",
        "TERM=xterm-256color",
        f"{name}={s}",
    ]
    noise.sort()
    cmd = R.choice(["env | sort", "printenv", "set | grep -v '^_'"])
    return f"$ {cmd}\n" + "\n".join(noise) + "\n", s, f, "environment dump"


@pos(6)
def python_repr_settings() -> Case:
    f = R.choice(
        [
            "django_secret_key",
            "stripe_secret_key",
            "password",
            "aws_secret_access_key",
            "sendgrid_api_key",
        ]
    )
    s = g(f).replace("'", "")
    key = {
        "django_secret_key": "SECRET_KEY",
        "stripe_secret_key": "STRIPE_KEY",
        "password": "DB_PASSWORD",
        "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
        "sendgrid_api_key": "EMAIL_HOST_PASSWORD",
    }[f]
    d = {"DEBUG": False, "ALLOWED_HOSTS": ["api.acme.io"], key: s, "TIME_ZONE": "UTC"}
    text = (
        ">>> from django.conf import settings\n>>> {k: getattr(settings, k) for k in "
        f"('DEBUG', 'ALLOWED_HOSTS', '{key}', 'TIME_ZONE')}}\n{d!r}"
    )
    return text, s, f, "python repr() of a settings dict"


@pos(4)
def django_debug_dburl() -> Case:
    pw = password()
    q = quote(pw, safe="")
    text = (
        "Settings\nUsing settings module config.settings\n"
        "Setting\tValue\n"
        "ALLOWED_HOSTS\t['*']\n"
        f"DATABASE_URL\t'postgres://app:{q}@db.prod.internal:5432/app'\n"
        "DEBUG\tTrue\n"
        "SECRET_KEY\t'********************'\n"
    )
    return text, q, "password", "Django debug page: cleanse_setting misses DATABASE_URL"


@pos(4)
def rails_master_key_cat() -> Case:
    s = g("rails_master_key")
    text = R.choice(
        [f"$ cat config/master.key\n{s}", f"$ cat config/credentials/production.key\n{s}\n"]
    )
    return text, s, "rails_master_key", src("rails_master_key")


@pos(8)
def aws_credentials_file() -> Case:
    kid, sec = aws_id(), aws_secret()
    extra = ""
    if R.random() < 0.3:
        tokv = g("aws_session_token")
        extra = f"aws_session_token = {tokv}\n"
    text = (
        "$ cat ~/.aws/credentials\n[default]\n"
        f"aws_access_key_id = {kid}\naws_secret_access_key = {sec}\n{extra}\n"
        "[staging]\nrole_arn = arn:aws:iam::123456789012:role/Deploy\nsource_profile = default\n"
    )
    return text, sec, "aws_secret_access_key", "~/.aws/credentials"


@pos(3)
def aws_session_token_env() -> Case:
    s = g("aws_session_token")
    text = (
        "$ aws configure export-credentials --format env\n"
        f"export AWS_ACCESS_KEY_ID=ASIA{rs(UPNUM, 16)}\nexport AWS_SECRET_ACCESS_KEY={aws_secret()}\n"
        f"export AWS_SESSION_TOKEN={s}\nexport AWS_CREDENTIAL_EXPIRATION=2025-01-14T11:22:33+00:00\n"
    )
    return text, s, "aws_session_token", src("aws_session_token")


@pos(5)
def gh_hosts() -> Case:
    s = g("github_oauth")
    user = R.choice(["octocat", "jdoe", "ana-dev"])
    text = (
        "$ cat ~/.config/gh/hosts.yml\ngithub.com:\n    users:\n"
        f"        {user}:\n            oauth_token: {s}\n"
        f"    git_protocol: https\n    oauth_token: {s}\n    user: {user}\n"
    )
    return text, s, "github_oauth", "gh CLI hosts.yml (insecure storage)"


@pos(3)
def gh_auth_status() -> Case:
    s = g("github_oauth")
    text = (
        "$ gh auth status --show-token\ngithub.com\n"
        "  ✓ Logged in to github.com account octocat (keyring)\n  - Active account: true\n"
        "  - Git operations protocol: https\n"
        f"  - Token: {s}\n  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'\n"
    )
    return text, s, "github_oauth", "gh auth status -t"


@pos(6)
def kubeconfig_key() -> Case:
    keypem = pem("EC PRIVATE KEY", 160, "MHcCAQEEI") + "\n"
    s = b64(keypem)
    text = (
        "$ cat ~/.kube/config\napiVersion: v1\nclusters:\n- cluster:\n"
        f"    certificate-authority-data: {b64(pem('CERTIFICATE', 600, 'MIIB'))}\n"
        "    server: https://10.0.0.1:6443\n  name: kind-dev\ncontexts:\n- context:\n"
        "    cluster: kind-dev\n    user: kind-dev\n  name: kind-dev\ncurrent-context: kind-dev\nkind: Config\nusers:\n"
        f"- name: kind-dev\n  user:\n    client-certificate-data: {b64(pem('CERTIFICATE', 520, 'MIIB'))}\n"
        f"    client-key-data: {s}\n"
    )
    return (
        text,
        s,
        "kubeconfig_client_key_data",
        "kubeconfig client-key-data = base64 PEM private key",
    )


@pos(5)
def kubeconfig_token() -> Case:
    s = sa_jwt()
    text = (
        "$ kubectl config view --raw --minify\napiVersion: v1\nclusters:\n- cluster:\n"
        "    insecure-skip-tls-verify: true\n    server: https://k8s.prod.acme.io\n  name: prod\n"
        "contexts:\n- context:\n    cluster: prod\n    user: deployer\n  name: prod\ncurrent-context: prod\n"
        f"kind: Config\nusers:\n- name: deployer\n  user:\n    token: {s}\n"
    )
    return text, s, "k8s_serviceaccount_jwt", "kubeconfig bearer token"


@pos(6)
def git_credentials() -> Case:
    f = R.choice(["github_pat_classic", "github_fine_grained_pat", "gitlab_pat", "password"])
    s = g(f)
    host = {"gitlab_pat": "gitlab.com", "password": "bitbucket.org"}.get(f, "github.com")
    user = "oauth2" if f == "gitlab_pat" else R.choice(["jdoe", "x-access-token", "ci-bot"])
    val = quote(s, safe="") if f == "password" else s
    text = f"$ cat ~/.git-credentials\nhttps://{user}:{val}@{host}\n"
    return text, val, f, "git credential-store plaintext file"


@pos(5)
def git_config_extraheader() -> Case:
    t = g("github_app_installation")
    s = b64(f"x-access-token:{t}")
    text = (
        "$ git config --list --show-origin | grep -v alias\n"
        "file:.git/config\tcore.repositoryformatversion=0\nfile:.git/config\tcore.bare=false\n"
        "file:.git/config\tremote.origin.url=https://github.com/acme/api\n"
        f"file:.git/config\thttp.https://github.com/.extraheader=AUTHORIZATION: basic {s}\n"
        "file:.git/config\tbranch.main.remote=origin\n"
    )
    return text, s, "http_basic_auth_base64", "actions/checkout persisted credentials"


@pos(5)
def pip_config() -> Case:
    if R.random() < 0.5:
        s = g("pypi_token")
        text = f"$ pip config list\nglobal.index-url='https://pypi.org/simple'\nupload.password='{s}'\n"
        f = "pypi_token"
    else:
        s = g("password")
        s = quote(s, safe="")
        text = f"$ pip config list\nglobal.extra-index-url='https://deploy:{s}@pkgs.acme.internal/simple/'\nglobal.timeout='60'\n"
        f = "password"
    return text, s, f, "pip config list"


@pos(4)
def npm_config() -> Case:
    s = g("npm_token")
    text = R.choice(
        [
            f"$ npm config get //registry.npmjs.org/:_authToken\n{s}\n",
            f"$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken={s}\n@acme:registry=https://npm.pkg.github.com\n",
        ]
    )
    return text, s, "npm_token", src("npm_token")


@pos(4)
def composer_auth() -> Case:
    s = g(R.choice(["github_pat_classic", "github_oauth"]))
    text = (
        "$ composer config --global --list | head\n[repositories.packagist.org.type] composer\n"
        + f"[github-oauth.github.com] {s}\n[process-timeout] 300\n"
    )
    if R.random() < 0.5:
        text = "$ cat ~/.composer/auth.json\n" + json.dumps(
            {"github-oauth": {"github.com": s}}, indent=4
        )
    return (
        text,
        s,
        "github_pat_classic" if s.startswith("ghp_") else "github_oauth",
        "composer github-oauth",
    )


@pos(3)
def cargo_credentials() -> Case:
    s = g("crates_io_token")
    text = f'$ cat ~/.cargo/credentials.toml\n[registry]\ntoken = "{s}"\n'
    return text, s, "crates_io_token", src("crates_io_token")


@pos(3)
def gem_credentials() -> Case:
    s = g("rubygems_api_key")
    return (
        f"$ cat ~/.gem/credentials\n---\n:rubygems_api_key: {s}\n",
        s,
        "rubygems_api_key",
        src("rubygems_api_key"),
    )


@pos(4)
def m2_settings() -> Case:
    f = R.choice(["password", "artifactory_api_key", "github_pat_classic"])
    s = g(f)
    text = (
        "$ cat ~/.m2/settings.xml\n<settings>\n  <servers>\n    <server>\n      <id>github</id>\n"
        f"      <username>ci-bot</username>\n      <password>{s}</password>\n    </server>\n  </servers>\n</settings>\n"
    )
    return text, s, f, "maven settings.xml server password"


@pos(4)
def netrc() -> Case:
    f = R.choice(["heroku_api_key", "password", "github_pat_classic"])
    s = g(f)
    host = {
        "heroku_api_key": "api.heroku.com",
        "password": "ftp.acme.io",
        "github_pat_classic": "github.com",
    }[f]
    text = f"$ cat ~/.netrc\nmachine {host}\n  login jdoe@acme.io\n  password {s}\n"
    return text, s, f, "~/.netrc"


@pos(4)
def rclone_config() -> Case:
    sec = aws_secret()
    text = (
        "$ rclone config show\n[s3prod]\ntype = s3\nprovider = AWS\n"
        f"access_key_id = {aws_id()}\nsecret_access_key = {sec}\nregion = eu-west-1\n\n"
        f"[sftp-backup]\ntype = sftp\nhost = backup.acme.io\nuser = backup\n"
    )
    return text, sec, "aws_secret_access_key", "rclone config show"


@pos(3)
def s3cmd_dump() -> Case:
    sec = aws_secret()
    text = (
        "$ s3cmd --dump-config | head -20\n[default]\n"
        f"access_key = {aws_id()}\naccess_token = \nadd_encoding_exts = \nbucket_location = US\n"
        f"host_base = s3.amazonaws.com\nsecret_key = {sec}\nsignature_v2 = False\n"
    )
    return text, sec, "aws_secret_access_key", "s3cmd --dump-config"


@pos(3)
def mc_alias_list() -> Case:
    sec = rs(ALNUM, 40)
    text = (
        "$ mc alias list myminio\nmyminio\n  URL       : https://minio.acme.internal:9000\n"
        f"  AccessKey : {rs(UPNUM, 20)}\n  SecretKey : {sec}\n  API       : s3v4\n  Path      : auto\n"
    )
    return text, sec, "minio_secret_key", "mc alias list prints SecretKey"


@pos(4)
def wrangler_dev_vars() -> Case:
    f, s, name = fmt_secret()
    text = f'$ cat .dev.vars\n# local secrets for wrangler dev\n{name}="{s}"\nENVIRONMENT="dev"\n'
    return text, s, f, "wrangler .dev.vars"


@pos(4)
def supabase_status() -> Case:
    s = service_role_jwt()
    anon = jwt(
        {
            "iss": "supabase",
            "ref": rs(string.ascii_lowercase, 20),
            "role": "anon",
            "iat": 1718000000,
            "exp": 2033576000,
        }
    )
    text = (
        "$ supabase status\n         API URL: http://127.0.0.1:54321\n     GraphQL URL: http://127.0.0.1:54321/graphql/v1\n"
        "          DB URL: postgresql://postgres:postgres@127.0.0.1:54322/postgres\n      Studio URL: http://127.0.0.1:54323\n"
        f"        anon key: {anon}\nservice_role key: {s}\n"
    )
    return text, s, "supabase_service_role_jwt", src("supabase_service_role_jwt")


@pos(4)
def firebase_login_ci() -> Case:
    s = g("google_refresh_token")
    text = (
        "$ firebase login:ci --no-localhost\n\n"
        "✔  Success! Use this token to login on a CI server:\n\n"
        f'{s}\n\nExample: firebase deploy --token "$FIREBASE_TOKEN"\n'
    )
    return text, s, "google_refresh_token", src("google_refresh_token")


@pos(3)
def fly_tokens_create() -> Case:
    s = g("flyio_token")
    return f"$ fly tokens create deploy -x 999999h\n{s}\n", s, "flyio_token", src("flyio_token")


@pos(4)
def pem_keys() -> Case:
    kind, n, first = R.choice(
        [
            (
                "OPENSSH PRIVATE KEY",
                300,
                "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            ),
            ("RSA PRIVATE KEY", 1588, "MIIEpAIBAAKCAQEA"),
            ("PRIVATE KEY", 1620, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
            ("EC PRIVATE KEY", 160, "MHcCAQEEI"),
        ]
    )
    s = pem(kind, n, first)
    cmd = R.choice(
        [
            "cat ~/.ssh/id_ed25519",
            "cat deploy_key",
            "openssl pkey -in key.pem",
            "cat certs/server.key",
        ]
    )
    return f"$ {cmd}\n{s}\n", s, "pem_private_key", "RFC 7468 / OpenSSH key files"


@pos(4)
def gcp_sa_json() -> Case:
    key = pem("PRIVATE KEY", 1620, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
    body = {
        "type": "service_account",
        "project_id": "acme-prod-31337",
        "private_key_id": rs(HEX, 40),
        "private_key": key + "\n",
        "client_email": "deployer@acme-prod-31337.iam.gserviceaccount.com",
        "client_id": str(R.randint(10**20, 10**21)),
    }
    text = "$ cat sa.json\n" + json.dumps(body, indent=2)
    s = json.dumps(key)[1:-1]
    return (
        text,
        s,
        "gcp_service_account_private_key",
        "GCP service account key JSON (escaped newlines)",
    )


@pos(8)
def markdown_table() -> Case:
    f, s, name = fmt_secret()
    code = R.random() < 0.5
    v = f"`{s}`" if code else s
    text = f"| Variable | Value | Scope |\n|---|---|---|\n| NODE_ENV | production | all |\n| {name} | {v} | prod |\n"
    return text, s, f, "markdown table with | borders"


@pos(6)
def box_table() -> Case:
    f, s, name = fmt_secret()
    w = max(len(s), 5) + 2
    line = "+" + "-" * 26 + "+" + "-" * w + "+"
    text = (
        f"{line}\n| {'NAME':<24} | {'VALUE':<{w - 2}} |\n{line}\n| {'APP_ENV':<24} | {'prod':<{w - 2}} |\n"
        f"| {name:<24} | {s:<{w - 2}} |\n{line}\n"
    )
    return text, s, f, "psql/mysql style ascii table"


@pos(10)
def trailing_punct() -> Case:
    f, s, name = fmt_secret()
    text = R.choice(
        [
            f"Your new token is {s}.",
            f"Created key ({s}), store it safely.",
            f"export {name}='{s}'",
            f'curl -H "Authorization: Bearer {s}" https://api.example.com/v1/me',
            f"Use `{s}` as the {name.lower()}.",
            f"token={s}, expires=never",
            f"[{s}]",
            f'Token: "{s}";',
        ]
    )
    return text, s, f, "punctuation-delimited token"


@pos(8)
def url_encoded() -> Case:
    kind = R.choice(["pw", "query", "form"])
    if kind == "pw":
        raw = password()
        while not any(c in raw for c in "!#%^*+="):
            raw = password()
        s = quote(raw, safe="")
        text = f"$ echo $DATABASE_URL\nmysql://root:{s}@127.0.0.1:3306/app?charset=utf8mb4\n"
        return text, s, "password", "URL-encoded password in DSN"
    f = R.choice(
        ["slack_bot_token", "google_oauth_client_secret", "github_oauth", "stripe_secret_key"]
    )
    s = g(f)
    if kind == "query":
        text = f'127.0.0.1 - - [12/Nov/2024:10:01:22 +0000] "GET /api/export?format=csv&access_token={s} HTTP/1.1" 200 5123 "-" "curl/8.5.0"'
    else:
        text = f"> POST /oauth/token HTTP/1.1\n> Content-Type: application/x-www-form-urlencoded\n>\nclient_id=1234.apps&client_secret={quote(s)}&grant_type=refresh_token"
    return text, s, f, "token in query / form body"


@pos(5)
def docker_config_auth() -> Case:
    raw = f"ci-bot:{g('dockerhub_pat')}"
    s = b64(raw)
    text = "$ cat ~/.docker/config.json\n" + json.dumps(
        {"auths": {"https://index.docker.io/v1/": {"auth": s}}, "currentContext": "default"},
        indent=2,
    )
    return text, s, "http_basic_auth_base64", "docker config.json auth = base64(user:token)"


@pos(4)
def curl_verbose() -> Case:
    f, s, _ = fmt_secret(
        R.choice(
            [
                "github_fine_grained_pat",
                "openai_project_key",
                "anthropic_api_key",
                "okta_api_token",
                "linear_api_key",
            ]
        )
    )
    hdr = {
        "okta_api_token": f"Authorization: SSWS {s}",
        "anthropic_api_key": f"x-api-key: {s}",
        "linear_api_key": f"Authorization: {s}",
    }.get(f, f"Authorization: Bearer {s}")
    text = (
        "* Connected to api.example.com (93.184.216.34) port 443\n> GET /v1/user HTTP/2\n> Host: api.example.com\n"
        f"> User-Agent: curl/8.5.0\n> {hdr}\n> Accept: */*\n>\n< HTTP/2 200\n"
    )
    return text, s, f, "curl -v request headers"


@pos(4)
def otpauth() -> Case:
    s = rs(B32, 32)
    text = f"$ zbarimg qr.png\nQR-Code:otpauth://totp/GitHub:jdoe?secret={s}&issuer=GitHub\nscanned 1 barcode symbols"
    return text, s, "totp_seed", "RFC 6238 / Key Uri Format: the seed mints 2FA codes"


@pos(3)
def pgpass() -> Case:
    s = password().replace(":", "")
    return f"$ cat ~/.pgpass\ndb.prod.internal:5432:app:app_rw:{s}\n", s, "password", ".pgpass"


@pos(3)
def shell_history() -> Case:
    s = password(16).replace("'", "")
    text = f"$ history | tail -3\n  501  cd infra\n  502  mysql -h db.prod -u root -p'{s}' app\n  503  history | tail -3\n"
    return text, s, "password", "shell history"


@pos(3)
def traceback_locals() -> Case:
    f, s, _ = fmt_secret(R.choice(["stripe_secret_key", "sendgrid_api_key", "openai_project_key"]))
    text = (
        'Traceback (most recent call last):\n  File "/app/billing.py", line 41, in charge\n'
        "    resp = client.post(url, headers=headers)\n    api_key = '" + s + "'\n"
        "    headers = {'Authorization': 'Bearer ...'}\nhttpx.ConnectTimeout: timed out"
    )
    return text, s, f, "pytest/rich traceback showing locals"


@pos(3)
def azure_conn_string() -> Case:
    s = g("azure_storage_account_key")
    text = f"$ az storage account show-connection-string -n acmeprod -g rg-prod -o tsv\nDefaultEndpointsProtocol=https;EndpointSuffix=core.windows.net;AccountName=acmeprod;AccountKey={s}\n"
    return text, s, "azure_storage_account_key", src("azure_storage_account_key")


@pos(3)
def twilio_auth() -> Case:
    s = rs(HEX, 32)
    text = f"$ twilio profiles:list --properties authToken\nexport TWILIO_ACCOUNT_SID=AC{rs(HEX, 32)}\nexport TWILIO_AUTH_TOKEN={s}\n"
    return text, s, "twilio_auth_token", "https://www.twilio.com/docs/iam/credentials/api"


@pos(3)
def age_keys() -> Case:
    s = g("age_secret_key")
    text = f"$ cat ~/.config/sops/age/keys.txt\n# created: 2024-05-02T10:11:12+02:00\n# public key: age1{rs(BECH32U.lower(), 58)}\n{s}\n"
    return text, s, "age_secret_key", src("age_secret_key")


@pos(3)
def redis_conf() -> Case:
    s = password(24)
    return (
        f'$ redis-cli CONFIG GET requirepass\n1) "requirepass"\n2) "{s}"\n',
        s,
        "password",
        "redis CONFIG GET",
    )


def every_format_pass() -> list[Case]:
    """One plain context per token format so each format is measured even if builders skip it."""
    out: list[Case] = []
    for f in [*TOKEN_FORMATS, "flyio_token"]:
        for _ in range(1):
            s = g(f)
            name = ENVNAME[f]
            text = R.choice(
                [
                    f"{name}={s}",
                    f'"{name.lower()}": "{s}",',
                    f"  {name.lower()}: {s}",
                    f'export {name}="{s}"',
                    f"set -x {name} {s}",
                ]
            )
            out.append((text, s, f, src(f)))
    return out


# --- negatives ----------------------------------------------------------------------------


def date() -> str:
    return f"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}"


@neg(16)
def gh_secret_list() -> Case:
    names = R.sample(list(ENVNAME.values()), 5)
    text = "$ gh secret list\nNAME                        UPDATED\n" + "\n".join(
        f"{n:<28}about {R.randint(2, 11)} months ago" for n in names
    )
    if R.random() < 0.5:
        text = "$ gh secret list --json name,updatedAt\n" + json.dumps(
            [{"name": n, "updatedAt": date() + "T10:00:00Z"} for n in names], indent=2
        )
    return text, None, "neg:secret_name_listing", "gh secret list shows names only"


@neg(13)
def flyctl_secrets_list() -> Case:
    names = R.sample(list(ENVNAME.values()), 4)
    text = (
        "$ fly secrets list\nNAME                    \tDIGEST          \tCREATED AT\n"
        + "\n".join(f"{n:<24}\t{rs(HEX, 16)}\t{R.randint(1, 30)}d ago" for n in names)
    )
    return text, None, "neg:secret_digest_listing", "flyctl secrets list shows digests"


@neg(13)
def kubectl_get_secrets() -> Case:
    rows = [
        ("default-token-" + rs(LOWNUM, 5), "kubernetes.io/service-account-token", 3),
        ("app-secrets", "Opaque", R.randint(2, 9)),
        ("regcred", "kubernetes.io/dockerconfigjson", 1),
        ("tls-acme", "kubernetes.io/tls", 2),
        (f"sh.helm.release.v1.api.v{R.randint(2, 40)}", "helm.sh/release.v1", 1),
    ]
    text = (
        "$ kubectl get secrets -n prod\nNAME                              TYPE                                  DATA   AGE\n"
        + "\n".join(f"{a:<34}{b:<38}{c:<7}{R.randint(2, 300)}d" for a, b, c in rows)
    )
    return text, None, "neg:secret_name_listing", "kubectl get secrets table"


@neg(10)
def vault_list() -> Case:
    keys = R.sample(["api", "db", "stripe", "github-app", "sendgrid", "aws/", "oauth/"], 4)
    text = "$ vault kv list secret/prod\nKeys\n----\n" + "\n".join(keys)
    if R.random() < 0.5:
        text = (
            "$ vault kv metadata get secret/prod/db\n========== Metadata Path ==========\nsecret/metadata/prod/db\n\n"
            "========== Metadata ==========\nKey                     Value\n---                     -----\n"
            f"cas_required            false\ncreated_time            {date()}T10:22:31.51Z\ncurrent_version         {R.randint(1, 9)}\n"
            "max_versions            0\n"
        )
    return text, None, "neg:secret_name_listing", "vault kv list / metadata"


@neg(18)
def redacted_outputs() -> Case:
    name = R.choice(list(ENVNAME.values()))
    text = R.choice(
        [
            f"Run ./deploy.sh\n  env:\n    {name}: ***\n+ curl -sf -H 'Authorization: Bearer ***' https://api.example.com/deploy\n",
            f'  # aws_db_instance.main will be updated in-place\n  ~ resource "aws_db_instance" "main" {{\n      ~ password = (sensitive value)\n        id       = "db-{rs(UPNUM, 26)}"\n    }}\n',
            f"$ aws configure list\n      Name                    Value             Type    Location\n      ----                    -----             ----    --------\n   profile                <not set>             None    None\naccess_key     ****************{rs(UPNUM, 4)} shared-credentials-file\nsecret_key     ****************{rs(ALNUM, 4)} shared-credentials-file\n    region                us-east-1      config-file    ~/.aws/config\n",
            "SECRET_KEY\t'********************'\nDATABASES\t{'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'app', 'PASSWORD': '********************', 'USER': 'app'}}",
            "$ terraform output db_password\n<sensitive>\n",
            f"$ heroku config:get {name} -a acme-api\n\n$ echo $?\n0\n",
            f'Outputs:\n\ndb_password = <sensitive>\nendpoint = "db.cluster-{rs(LOWNUM, 12)}.us-east-1.rds.amazonaws.com"\n',
            f"$ vercel env ls\n > Environment Variables found for acme/web [321ms]\n name                 value               environments        created\n {name:<20} Encrypted           Production          {R.randint(2, 90)}d ago\n",
            "$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account octocat (keyring)\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo'\n",
            f"$ doppler secrets\n┌──────────────────┬─────────────────────────┐\n│ NAME             │ VALUE                   │\n├──────────────────┼─────────────────────────┤\n│ {name[:16]:<16} │ ******** (hidden)       │\n└──────────────────┴─────────────────────────┘\n",
        ]
    )
    return text, None, "neg:redacted_output", "redacted CLI output"


@neg(16)
def doc_examples() -> Case:
    text = R.choice(
        [
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            "$ export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n$ export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n$ export AWS_DEFAULT_REGION=us-west-2",
            "Example JWT from jwt.io:\neyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "# .env.example\nOPENAI_API_KEY=sk-your-key-here\nSTRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nDATABASE_URL=postgres://user:password@localhost:5432/app\n",
            "GITHUB_TOKEN=<your-github-token>\nSLACK_BOT_TOKEN=xoxb-your-token\nANTHROPIC_API_KEY=${ANTHROPIC_API_KEY}\n",
            "      - name: Publish\n        run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n",
            "Set the `HF_TOKEN` environment variable to your Hugging Face token, e.g. `export HF_TOKEN=hf_...`.",
            'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])  # never hard-code keys',
            'token = "REPLACE_ME"  # cargo login <token>\n',
            "spring.datasource.password=${DB_PASSWORD:changeme}\n",
        ]
    )
    return text, None, "neg:doc_example_placeholder", "vendor doc example values / placeholders"


@neg(23)
def build_hashes() -> Case:
    text = R.choice(
        [
            f"$ sha256sum dist/*\n{rs(HEX, 64)}  dist/acme-1.4.2-py3-none-any.whl\n{rs(HEX, 64)}  dist/acme-1.4.2.tar.gz\n",
            f"requests==2.32.3 \\\n    --hash=sha256:{rs(HEX, 64)} \\\n    --hash=sha256:{rs(HEX, 64)}\n",
            f'"node_modules/lodash": {{\n  "version": "4.17.21",\n  "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",\n  "integrity": "sha512-{rs(B64, 86)}=="\n}}',
            f"github.com/spf13/cobra v1.8.1 h1:{rs(B64, 43)}=\ngithub.com/spf13/cobra v1.8.1/go.mod h1:{rs(B64, 43)}=\n",
            f'[[package]]\nname = "serde"\nversion = "1.0.210"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{rs(HEX, 64)}"\n',
            f"$ docker pull node:20-alpine\n20-alpine: Pulling from library/node\nDigest: sha256:{rs(HEX, 64)}\nStatus: Downloaded newer image for node:20-alpine\n",
            f"$ git log --oneline -3\n{rs(HEX, 7)} fix token refresh race\n{rs(HEX, 7)} rotate api key handling\n{rs(HEX, 7)} Merge pull request #412 from acme/secrets-docs\n",
            f"$ git rev-parse HEAD\n{rs(HEX, 40)}\n",
            f"#12 exporting to image\n#12 writing image sha256:{rs(HEX, 64)} done\n#12 naming to docker.io/acme/api:latest done\n",
            f'"@babel/core@^7.24.0":\n  version "7.24.5"\n  resolved "https://registry.yarnpkg.com/@babel/core/-/core-7.24.5.tgz#{rs(HEX, 40)}"\n  integrity sha512-{rs(B64, 86)}==\n',
            f"Successfully built {rs(HEX, 12)}\nSuccessfully tagged acme/web:{rs(HEX, 7)}\n",
            f'  "etag": "\\"{rs(HEX, 32)}\\"",\n  "md5Hash": "{rs(B64, 22)}==",\n  "crc32c": "{rs(B64, 6)}=="\n',
        ]
    )
    return text, None, "neg:hash_checksum", "hashes in build logs / lockfiles"


@neg(13)
def sigstore() -> Case:
    text = R.choice(
        [
            f"$ cosign sign --key cosign.key ghcr.io/acme/api@sha256:{rs(HEX, 64)}\nPushing signature to: ghcr.io/acme/api\ntlog entry created with index: {R.randint(10**7, 10**8)}\n",
            f"$ cat cosign.pub\n{pem('PUBLIC KEY', 120, 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE')}\n",
            f'$ cosign verify --key cosign.pub ghcr.io/acme/api:v1 | jq \'.[0].critical.image\'\n{{\n  "docker-manifest-digest": "sha256:{rs(HEX, 64)}"\n}}\n',
            f'"signatures": [{{"keyid": "", "sig": "MEUCIQ{rs(B64, 62)}AiA{rs(B64, 41)}="}}]',
            f"$ cosign triangulate ghcr.io/acme/api:v1\nghcr.io/acme/api:sha256-{rs(HEX, 64)}.sig\n",
            f"-----BEGIN CERTIFICATE-----\n{pem('CERTIFICATE', 900, 'MIIC')[28:-26]}\n-----END CERTIFICATE-----",
        ]
    )
    return text, None, "neg:signature_public_key", "sigstore signatures / public keys / certs"


@neg(16)
def ssh_public() -> Case:
    text = R.choice(
        [
            f"$ ssh-keygen -lf ~/.ssh/id_ed25519.pub\n256 SHA256:{rs(B64, 43)} jdoe@laptop (ED25519)\n",
            f"The authenticity of host 'github.com (140.82.112.3)' can't be established.\nED25519 key fingerprint is SHA256:{rs(B64, 43)}.\nAre you sure you want to continue connecting (yes/no/[fingerprint])?",
            f"$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(B64, 43)} jdoe@laptop\n",
            f"$ ssh-keyscan github.com 2>/dev/null\ngithub.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(B64, 43)}\n",
            f"$ cat ~/.ssh/authorized_keys\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{rs(B64, 506)}= deploy@ci\n",
            f"$ gpg --list-keys\npub   ed25519 2023-04-01 [SC]\n      {rs(HEXU, 40)}\nuid           [ultimate] Jane Doe <jane@acme.io>\n",
            f"$ age-keygen -y key.txt\nage1{rs(BECH32U.lower(), 58)}\n",
            f"$ wg show wg0 public-key\n{rs(B64, 43)}=\n",
        ]
    )
    return text, None, "neg:public_key_fingerprint", "public keys and fingerprints"


@neg(26)
def public_ids() -> Case:
    acct = R.randint(10**11, 10**12 - 1)
    text = R.choice(
        [
            f"price_1{rs(ALNUM, 23)}  prod_{rs(ALNUM, 14)}  cus_{rs(ALNUM, 14)}",
            f'{{"id": "pi_3{rs(ALNUM, 23)}", "object": "payment_intent", "customer": "cus_{rs(ALNUM, 14)}", "amount": 2000}}',
            f'$ aws sts get-caller-identity\n{{\n    "UserId": "AIDA{rs(UPNUM, 17)}",\n    "Account": "{acct}",\n    "Arn": "arn:aws:iam::{acct}:user/ci"\n}}',
            f"arn:aws:lambda:us-east-1:{acct}:function:thumbnailer\narn:aws:kms:us-east-1:{acct}:key/{guid()}",
            f'$ az account show -o json\n{{\n  "environmentName": "AzureCloud",\n  "id": "{guid()}",\n  "isDefault": true,\n  "name": "Prod",\n  "tenantId": "{guid()}",\n  "user": {{"name": "jdoe@acme.io", "type": "user"}}\n}}',
            f"$ gcloud projects describe acme-prod\ncreateTime: '2021-03-01T10:00:00.000Z'\nlifecycleState: ACTIVE\nname: acme-prod\nprojectId: acme-prod\nprojectNumber: '{R.randint(10**11, 10**12)}'\n",
            f"channel=C{rs(UPNUM, 10)} team=T{rs(UPNUM, 8)} user=U{rs(UPNUM, 10)} ts=1718000000.{R.randint(100000, 999999)}",
            f"$ wrangler whoami\n Getting User settings...\n👋 You are logged in with an OAuth Token, associated with the email jdoe@acme.io.\n┌──────────────┬──────────────────────────────────┐\n│ Account Name │ Account ID                       │\n├──────────────┼──────────────────────────────────┤\n│ Acme         │ {rs(HEX, 32)} │\n└──────────────┴──────────────────────────────────┘\n",
            f"x-amz-request-id: {rs(UPNUM, 16)}\nx-amz-id-2: {rs(B64, 76)}=\ntraceparent: 00-{rs(HEX, 32)}-{rs(HEX, 16)}-01",
            f"Request ID: {guid()}\nCorrelation ID: {guid()}\nTimestamp: {date()} 10:11:12Z\nAADSTS700016: Application with identifier '{guid()}' was not found in the directory '{guid()}'.",
            f"$ expo whoami\njdoe\n$ eas project:info\nfullName  @jdoe/app\nID        {guid()}\n",
            f"ami-0{rs(HEX, 16)} sg-0{rs(HEX, 16)} subnet-0{rs(HEX, 16)} i-0{rs(HEX, 16)}",
            f"Twilio Account SID: AC{rs(HEX, 32)}",
        ]
    )
    return text, None, "neg:public_identifier", "public resource identifiers"


@neg(16)
def public_by_design() -> Case:
    text = R.choice(
        [
            f'const firebaseConfig = {{\n  apiKey: "AIza{rs(URLSAFE, 35)}",\n  authDomain: "acme-app.firebaseapp.com",\n  projectId: "acme-app",\n  storageBucket: "acme-app.appspot.com",\n  messagingSenderId: "{R.randint(10**11, 10**12)}",\n  appId: "1:{R.randint(10**11, 10**12)}:web:{rs(HEX, 22)}"\n}};',
            f'Sentry.init({{\n  dsn: "https://{rs(HEX, 32)}@o{R.randint(10**5, 10**7)}.ingest.sentry.io/{R.randint(10**6, 10**7)}",\n  tracesSampleRate: 0.1,\n}});',
            f"NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_live_51{rs(ALNUM, 97)}",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY="
            + jwt(
                {
                    "iss": "supabase",
                    "ref": rs(string.ascii_lowercase, 20),
                    "role": "anon",
                    "iat": 1718000000,
                    "exp": 2033576000,
                }
            ),
            f'<script>window.__ENV = {{ SENTRY_DSN: "https://{rs(HEX, 32)}@o{R.randint(10**5, 10**7)}.ingest.us.sentry.io/{R.randint(10**6, 10**7)}", STRIPE_PK: "pk_live_51{rs(ALNUM, 97)}" }}</script>',
            f"VITE_POSTHOG_KEY=phc_{rs(ALNUM, 43)}\nVITE_POSTHOG_HOST=https://us.i.posthog.com",
        ]
    )
    return text, None, "neg:public_by_design", "client-side keys meant to be public"


@neg(18)
def web_assets() -> Case:
    text = R.choice(
        [
            f'<script nonce="{rs(B64, 22)}==" src="/static/app.js"></script>\n<style nonce="{rs(B64, 22)}==">',
            f'<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css" integrity="sha384-{rs(B64, 64)}" crossorigin="anonymous">',
            f"vite v5.4.2 building for production...\n✓ 412 modules transformed.\ndist/index.html                   0.46 kB\ndist/assets/index-{rs(URLSAFE, 8)}.css   12.31 kB\ndist/assets/index-{rs(URLSAFE, 8)}.js   201.77 kB │ gzip: 65.10 kB\n",
            f"asset main.{rs(HEX, 20)}.js 1.2 MiB [emitted] [immutable] (name: main)\nasset vendors.{rs(HEX, 20)}.js 812 KiB [emitted] [immutable]\nwebpack 5.91.0 compiled successfully in 8123 ms",
            f"Content-Security-Policy: script-src 'self' 'nonce-{rs(B64, 22)}==' 'sha256-{rs(B64, 43)}='",
            f"Set-Cookie: __cf_bm={rs(URLSAFE, 43)}; path=/; expires=Tue, 12-Nov-24 10:30:00 GMT; domain=.example.com; HttpOnly; Secure\n",
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{rs(ALNUM, 64)}">',
            f'ETag: W/"{rs(HEX, 4)}-{rs(URLSAFE, 27)}"\nCache-Control: public, max-age=31536000, immutable',
        ]
    )
    return text, None, "neg:web_asset_nonce", "nonces, SRI, bundle hashes"


@neg(16)
def encrypted_blobs() -> Case:
    text = R.choice(
        [
            f"$ cat secrets.env.age\n-----BEGIN AGE ENCRYPTED FILE-----\n{rs(B64, 64)}\n{rs(B64, 64)}\n{rs(B64, 64)}\n{rs(B64, 40)}\n-----END AGE ENCRYPTED FILE-----\n",
            f"-----BEGIN PGP MESSAGE-----\n\nhQIMA{rs(B64, 59)}\n{rs(B64, 64)}\n{rs(B64, 64)}\n={rs(B64, 4)}\n-----END PGP MESSAGE-----",
            f'$ cat secrets.enc.yaml\ndb_password: ENC[AES256_GCM,data:{rs(B64, 24)},iv:{rs(B64, 43)}=,tag:{rs(B64, 22)}==,type:str]\nsops:\n    age:\n        - recipient: age1{rs(BECH32U.lower(), 58)}\n    lastmodified: "{date()}T10:00:00Z"\n    mac: ENC[AES256_GCM,data:{rs(B64, 86)}==,iv:{rs(B64, 43)}=,tag:{rs(B64, 22)}==,type:str]\n',
            "$ cat group_vars/all/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n"
            + "\n".join(rs(HEX, 80) for _ in range(5))
            + "\n",
            f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: app\nspec:\n  encryptedData:\n    password: AgB{rs(B64, 360)}==\n",
            f"$ aws kms encrypt --key-id alias/app --plaintext fileb://p.txt --query CiphertextBlob --output text\nAQICAH{rs(B64, 150)}==\n",
            f"credentials.yml.enc:\n{rs(B64, 120)}--{rs(B64, 16)}--{rs(B64, 22)}==",
        ]
    )
    return text, None, "neg:encrypted_blob", "ciphertext safe to commit"


@neg(13)
def base64_benign() -> Case:
    text = R.choice(
        [
            f"$ kubectl get configmap app -o jsonpath='{{.binaryData.logo\\.png}}'\niVBORw0KGgoAAAANSUhEUgAA{rs(B64, 120)}\n",
            f'<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQ{rs(B64, 100)}=" alt="logo">',
            f"$ kubectl get secret tls-acme -o jsonpath='{{.data.tls\\.crt}}' | base64 -d | openssl x509 -noout -fingerprint -sha256\nsha256 Fingerprint={':'.join(rs(HEXU, 2) for _ in range(32))}\n",
            "$ echo 'hello from the build' | base64\n" + b64("hello from the build\n") + "\n",
            f"font-src: url(data:font/woff2;base64,d09GMgABAAAAA{rs(B64, 140)}) format('woff2');",
        ]
    )
    return text, None, "neg:benign_base64", "base64 that is not a credential"


@neg(16)
def config_no_secret() -> Case:
    text = R.choice(
        [
            "$ pip config list\nglobal.index-url='https://pypi.org/simple'\nglobal.timeout='60'\ninstall.trusted-host='pypi.org'\n",
            "$ git config --list\nuser.name=Jane Doe\nuser.email=jane@acme.io\ncore.editor=vim\npull.rebase=true\ncredential.helper=osxkeychain\n",
            "$ cat ~/.aws/config\n[default]\nregion = us-east-1\noutput = json\n\n[profile prod]\nsso_start_url = https://acme.awsapps.com/start\nsso_account_id = 123456789012\nsso_role_name = AdministratorAccess\n",
            '$ npm config list\n; "user" config from /home/jdoe/.npmrc\n//registry.npmjs.org/:_authToken = (protected)\n@acme:registry = "https://npm.pkg.github.com"\n',
            "$ rclone config show gdrive\n[gdrive]\ntype = drive\nscope = drive.readonly\nteam_drive = \n",
            "$ kubectl config view\napiVersion: v1\nusers:\n- name: prod\n  user:\n    client-certificate-data: DATA+OMITTED\n    client-key-data: DATA+OMITTED\n",
            "$ mc alias list local\nlocal\n  URL       : http://localhost:9000\n  AccessKey : minioadmin\n  SecretKey : minioadmin\n  API       : s3v4\n",
            "$ docker compose config\nservices:\n  db:\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n    secrets:\n    - source: db_password\n",
            '$ cat ~/.docker/config.json\n{\n  "auths": {\n    "ghcr.io": {}\n  },\n  "credsStore": "desktop"\n}\n',
            "$ flyctl secrets set STRIPE_KEY=- < /dev/stdin\nSecrets are staged for the first deployment\n",
        ]
    )
    return text, None, "neg:config_without_secret", "credential-shaped configs without values"


@neg(13)
def prose_code() -> Case:
    text = R.choice(
        [
            "def rotate_token(token: str, *, secret_key: bytes) -> str:\n    return hmac.new(secret_key, token.encode(), 'sha256').hexdigest()",
            "ERROR: invalid api key (401). Check that ANTHROPIC_API_KEY is set and has not been revoked.",
            "grep -rn 'password' src/ | wc -l\n42",
            f"test_auth.py::test_token_expiry[{rs(HEX, 8)}] PASSED                     [ 43%]",
            "The token must match ^ghp_[A-Za-z0-9]{36}$ ; see docs/auth.md",
            "AuthenticationError: No API key provided. You can set your API key in code using 'openai.api_key = <API-KEY>'",
            f"uuid: {guid()}\nrevision: {R.randint(100, 9999)}\nchecksum/config: {rs(HEX, 64)}",
            "Bearer token authentication failed: token expired at 2024-11-01T00:00:00Z (kid=prod-2024-10)",
            f"session_id={rs(HEX, 8)} user_id={R.randint(1000, 99999)} latency_ms={R.randint(3, 900)} status=200",
        ]
    )
    return text, None, "neg:prose_and_code", "code and logs mentioning secrets"


@neg(10)
def placeholders_in_tools() -> Case:
    text = R.choice(
        [
            '$ terraform output -json\n{\n  "db_password": {\n    "sensitive": true,\n    "type": "string",\n    "value": ""\n  }\n}',
            "$ helm get values api\nUSER-SUPPLIED VALUES:\nsecrets:\n  existingSecret: api-secrets\n  stripeSecretKeyRef:\n    name: stripe\n    key: secret-key\n",
            '$ vault kv get -format=json secret/prod/app | jq .data.metadata\n{\n  "created_time": "2024-11-04T10:22:31.512Z",\n  "deletion_time": "",\n  "destroyed": false,\n  "version": 7\n}',
            "$ op item get 'Stripe' --fields label=credential\n[use 'op item get ... --reveal' to reveal]\n",
            f'$ aws secretsmanager describe-secret --secret-id prod/db\n{{\n  "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-{rs(ALNUM, 6)}",\n  "Name": "prod/db",\n  "RotationEnabled": true,\n  "LastRotatedDate": "{date()}T00:00:00Z"\n}}',
        ]
    )
    return text, None, "neg:secretless_tool_output", "secret tools showing metadata only"


@neg(10)
def versions_and_numbers() -> Case:
    text = R.choice(
        [
            f"Python 3.12.{R.randint(0, 8)} (main, {date()}) [GCC 12.2.0] on linux",
            f"$ node -p process.versions\n{{ node: '20.{R.randint(1, 18)}.0', v8: '11.3.244.8-node.{R.randint(10, 30)}', uv: '1.46.0', openssl: '3.0.13+quic' }}",
            "Card: 4242 4242 4242 4242  exp 12/34  cvc 123  (Stripe test card)",
            f"tx 0x{rs(HEX, 64)} confirmed in block {R.randint(10**7, 2 * 10**7)}",
            f"commit {rs(HEX, 40)}\nAuthor: Jane Doe <jane@acme.io>\nDate:   Tue Nov 12 10:01:22 2024 +0000\n\n    bump api key rotation window",
        ]
    )
    return text, None, "neg:ids_and_versions", "ids, versions, test card"


def minimal(secret: str, fmt: str) -> str:
    """Drop public scaffolding from labels: the webhook host, the FlyV1 scheme word."""
    if fmt == "slack_webhook":
        return secret.removeprefix("https://hooks.slack.com/services/")
    if fmt == "flyio_token":
        return secret.removeprefix("FlyV1 ").split(",")[0]
    return secret


def build() -> dict[str, object]:
    cases: list[dict[str, object]] = []

    def add(c: Case) -> None:
        text, secret, fmt, source = c
        if secret is not None:
            secret = minimal(secret, fmt)
        if secret is not None:
            assert secret in text, (fmt, secret, text)
        cases.append({"text": text, "secret": secret, "format": fmt, "source": source})

    for c in every_format_pass():
        add(c)
    for fn, n in POS:
        for _ in range(n):
            add(fn())
    for fn, n in NEG:
        for _ in range(n):
            add(fn())
    R.shuffle(cases)
    return {
        "about": (
            "Fifth blind corpus for execgate's secret scanner, generated by benchmarks/blind5_corpus.py "
            f"(seed {SEED}) from public format facts and real CLI output shapes only. Values are random in each "
            "format's alphabet/length/prefix/checksum; none is a live credential. Positives: 'secret' is the exact "
            "substring of 'text' that is the secret value. Negatives: secret null, format 'neg:<family>'. "
            "Decisions: TOTP seeds are secrets; Firebase web apiKey, Supabase anon key, Stripe pk_live_, PostHog "
            "phc_ and Sentry DSNs are public by design (negatives); vendor doc example values are negatives; "
            "base64-wrapped secrets label the base64 text."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
