"""Eighth blind secret corpus for execgate's scanner (tests/blind8_corpus.json).

Theme: *breadth of formats* in the text an AI coding agent's shell tool really produces and
sends -- the command line itself (curl headers, ``export``, ``docker run -e``, ``gh secret
set``, ``heroku config:set``, ``kubectl create secret``, ``npm config set``, ``git remote add``,
``pip install --index-url``, ``psql``), ``env`` dumps, cat'ed dotfiles (.env, ~/.aws/credentials,
~/.netrc, ~/.docker/config.json, .npmrc, .pypirc, tfvars), ``docker inspect`` / ``docker compose
config``, ``kubectl get secret -o yaml``, CI logs, Python tracebacks, JSON API responses,
``git log -p`` and Jupyter output.

Written blind: built only from public format facts (vendor docs, GitHub's supported
secret-scanning patterns page, the gitleaks and kingfisher public rule sets, vendor
changelogs) without reading execgate's rules. Every value is drawn from
``random.Random(SEED)`` in its format's prefix, length, alphabet and checksum (where one is
published), so none is a live credential. Run without arguments to write the JSON;
``--score`` measures the scanner against it.

Labelling conventions
* ``secret`` is the exact substring that is the secret value only: the token, the password
  (not the user name or URL around it), the base64 body of a PEM private key (between the
  BEGIN/END lines), the base64 as it appears in ``kubectl get secret -o yaml`` /
  ``~/.docker/config.json``, the whole URL for webhook URLs (the URL *is* the credential).
* Identifiers paired with a secret (AWS key id is the exception: GitHub and AWS treat it as
  sensitive and the brief asks for it), Twilio Account SIDs, Confluent API key ids, etc. are not
  labelled.
* Negatives: placeholders / variable references, vendor documentation example values,
  ids and hashes, public keys and certificates, keys the vendor calls publishable, secret
  *names*, masked values, low-entropy dummies, code identifiers, URLs without a password.
"""

from __future__ import annotations

import base64
import json
import random
import string
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from _blind import run

SEED = 8082026
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind8_corpus.json"

R = random.Random(SEED)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

Case = dict[str, str | None]


def rs(alpha: str, n: int) -> str:
    return "".join(R.choice(alpha) for _ in range(n))


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def b62_crc(body: str) -> str:
    """GitHub/npm token checksum: CRC32 of the body, base62, left-padded to 6."""
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def uuid4() -> str:
    h = rs(HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{R.choice('89ab')}{h[17:20]}-{h[20:]}"


# ---------------------------------------------------------------- vendor token shapes


def gh(prefix: str) -> Callable[[], str]:
    def f() -> str:
        body = prefix + rs(ALNUM, 30)
        return body + b62_crc(body)

    return f


def gh_refresh() -> str:
    return "ghr_" + rs(ALNUM, 76)


def gh_fine() -> str:
    return "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59)


def npm() -> str:
    body = rs(ALNUM, 30)
    return "npm_" + body + b62_crc(body)


def jwt(header: dict[str, object], claims: dict[str, object], sig_len: int = 43) -> str:
    def seg(o: dict[str, object]) -> str:
        return b64u(json.dumps(o, separators=(",", ":")).encode())

    return f"{seg(header)}.{seg(claims)}.{rs(URLSAFE, sig_len)}"


def supabase_service_jwt() -> str:
    ref = rs(string.ascii_lowercase, 20)
    iat = 1700000000 + R.randrange(10**7)
    return jwt(
        {"alg": "HS256", "typ": "JWT"},
        {"iss": "supabase", "ref": ref, "role": "service_role", "iat": iat, "exp": iat + 315360000},
    )


def user_jwt() -> str:
    iat = 1714000000 + R.randrange(10**6)
    return jwt(
        {"alg": "RS256", "typ": "JWT", "kid": rs(URLSAFE, 22)},
        {
            "sub": uuid4(),
            "email": f"{R.choice(['jdoe', 'mlee', 'ops'])}@acme-corp.io",
            "iat": iat,
            "exp": iat + 3600,
            "scope": "openid profile api:write",
        },
        342,
    )


def aws_key_id() -> str:
    return R.choice(["AKIA", "ASIA"]) + rs(B32, 16)


def aws_secret() -> str:
    return rs(B64, 40)


def azure_ad_secret() -> str:
    return rs(ALNUM + "_~.", 3) + R.choice(string.digits) + "Q~" + rs(ALNUM + "_~.-", 34)


def azure_storage_key() -> str:
    return b64(R.randbytes(64))


def azure_sb_key() -> str:
    return b64(R.randbytes(32))


def azure_sas_sig() -> str:
    return b64(R.randbytes(32)).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def azure_devops_pat() -> str:
    return rs(string.ascii_lowercase + "234567", 52)


def fly_macaroon() -> str:
    return "fm2_" + rs(B64, 180) + "=="


def sentry_org() -> str:
    payload = {
        "iat": 1714000000 + R.randrange(10**6),
        "url": "https://sentry.io",
        "region_url": "https://us.sentry.io",
        "org": R.choice(["acme", "acme-corp", "widgets-inc"]),
    }
    return (
        "sntrys_"
        + b64(json.dumps(payload, separators=(",", ":")).encode()).rstrip("=")
        + "_"
        + rs(B64, 43)
    )


def grafana_cloud() -> str:
    payload = {
        "o": str(R.randrange(10**5, 10**6)),
        "n": f"stack-{R.randrange(10**5, 10**6)}-hm-write",
        "k": rs(ALNUM, 24),
        "m": {"r": "prod-us-east-0"},
    }
    return "glc_" + b64(json.dumps(payload, separators=(",", ":")).encode())


def onepassword_sa() -> str:
    payload = {
        "signInAddress": "acme.1password.com",
        "userAuth": {
            "method": "SRPg-4096",
            "alg": "PBES2g-HS256",
            "iterations": 650000,
            "salt": rs(URLSAFE, 22),
        },
        "email": f"{rs(LOWNUM, 13)}@1passwordserviceaccounts.com",
        "srpX": rs(HEX, 64),
        "muk": {
            "alg": "A256GCM",
            "ext": True,
            "k": rs(URLSAFE, 43),
            "key_ops": ["encrypt", "decrypt"],
            "kty": "oct",
            "kid": "mp",
        },
        "secretKey": "A3-"
        + rs(UPNUM, 6)
        + "-"
        + rs(UPNUM, 6)
        + "-"
        + rs(UPNUM, 5)
        + "-"
        + rs(UPNUM, 5)
        + "-"
        + rs(UPNUM, 5)
        + "-"
        + rs(UPNUM, 5),
        "throttleSecret": {"seed": rs(HEX, 64), "uuid": rs(UPNUM, 26)},
        "deviceUuid": rs(LOWNUM, 26),
    }
    return "ops_" + b64(json.dumps(payload, separators=(",", ":")).encode()).rstrip("=")


def mapbox_secret() -> str:
    user = R.choice(["acme-maps", "jdoe", "fleetco"])
    return (
        "sk."
        + b64u(json.dumps({"u": user, "a": rs(LOWNUM, 25)}, separators=(",", ":")).encode())
        + "."
        + rs(URLSAFE, 22)
    )


def age_key() -> str:
    return "AGE-SECRET-KEY-1" + rs(BECH32, 58).upper()


def tfc_token() -> str:
    return rs(ALNUM, 14) + ".atlasv1." + rs(URLSAFE, 67)


def fcm_server_key() -> str:
    return "AAAA" + rs(URLSAFE, 7) + ":APA91b" + rs(URLSAFE, 134)


def telegram() -> str:
    return f"{R.randrange(10**9, 8 * 10**9)}:AA{rs(URLSAFE, 33)}"


def discord_bot() -> str:
    uid = str(R.randrange(10**17, 13 * 10**17))
    return b64(uid.encode()).rstrip("=") + "." + rs(URLSAFE, 6) + "." + rs(URLSAFE, 38)


def mailgun() -> str:
    if R.random() < 0.5:
        return "key-" + rs(HEX, 32)
    return f"{rs(HEX, 32)}-{rs(HEX, 8)}-{rs(HEX, 8)}"


def braintree() -> str:
    return f"access_token$production${rs(LOWNUM, 16)}${rs(HEX, 32)}"


def cloudflare_token() -> str:
    if R.random() < 0.5:
        return "cfut_" + rs(ALNUM, 40) + rs(HEX, 8)
    return rs(URLSAFE, 40)


def vercel_token() -> str:
    if R.random() < 0.5:
        return "vcp_" + rs(ALNUM, 56)
    return rs(ALNUM, 24)


def okta() -> str:
    return "00" + rs(URLSAFE, 40)


def vault_token() -> str:
    return "hvs.CAESI" + rs(URLSAFE, 86)


def bitbucket_app_pw() -> str:
    return "ATBB" + rs(ALNUM, 24) + rs("0123456789ABCDEF", 8)


def atlassian() -> str:
    return "ATATT3xFfGF0" + rs(URLSAFE, 170) + "=" + rs("0123456789ABCDEF", 8)


def newrelic_license() -> str:
    return rs(HEX, 36) + "NRAL"


def pagerduty() -> str:
    return R.choice(["u+", "y_", "e+"]) + rs(URLSAFE + "+", 18)


def django_secret() -> str:
    return (
        "django-insecure-" + rs(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)
        if R.random() < 0.3
        else rs(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)
    )


# format -> (env var, generator, source)
VENDORS: dict[str, tuple[str, Callable[[], str], str]] = {
    # cloud
    "aws_access_key_id": (
        "AWS_ACCESS_KEY_ID",
        aws_key_id,
        "AWS IAM docs: AKIA/ASIA + 16 [A-Z2-7]; GitHub secret scanning aws_access_key_id",
    ),
    "aws_secret_access_key": (
        "AWS_SECRET_ACCESS_KEY",
        aws_secret,
        "AWS IAM docs: 40-char base64 secret access key",
    ),
    "azure_ad_client_secret": (
        "AZURE_CLIENT_SECRET",
        azure_ad_secret,
        "Microsoft Entra client secret: 3 chars + digit + 'Q~' + 31-34 (gitleaks azure-ad-client-secret)",
    ),
    "azure_storage_account_key": (
        "AZURE_STORAGE_KEY",
        azure_storage_key,
        "Azure Storage account key: 64 random bytes base64 (88 chars)",
    ),
    "azure_devops_pat": (
        "AZURE_DEVOPS_EXT_PAT",
        azure_devops_pat,
        "Azure DevOps PAT (legacy 52-char base32 lowercase)",
    ),
    "digitalocean_pat": (
        "DIGITALOCEAN_ACCESS_TOKEN",
        lambda: "dop_v1_" + rs(HEX, 64),
        "DigitalOcean token prefixes dop_v1_ + 64 hex (GitHub secret scanning)",
    ),
    "linode_token": (
        "LINODE_TOKEN",
        lambda: rs(HEX, 64),
        "Linode/Akamai personal access token: 64 hex",
    ),
    "heroku_api_key": (
        "HEROKU_API_KEY",
        lambda: "HRKU-AA" + rs(URLSAFE, 58),
        "Heroku API key v2 HRKU-AA + 58 (gitleaks heroku-api-key-v2, GitLab validity-check MR)",
    ),
    "heroku_api_key_uuid": (
        "HEROKU_API_KEY",
        uuid4,
        "Heroku legacy API key: UUID (devcenter authentication; 1Password shell plugin length 36)",
    ),
    "flyio_token": (
        "FLY_API_TOKEN",
        fly_macaroon,
        "fly.io macaroon tokens 'FlyV1 fm2_...' (fly docs security/tokens; gitleaks flyio-access-token)",
    ),
    "vercel_token": (
        "VERCEL_TOKEN",
        vercel_token,
        "Vercel changelog 'new token formats' (vcp_ personal tokens) and legacy 24-char tokens",
    ),
    "netlify_pat": (
        "NETLIFY_AUTH_TOKEN",
        lambda: "nfp_" + rs(ALNUM, 40),
        "Netlify personal access token nfp_ prefix (gitleaks netlify-access-token 40-46)",
    ),
    "cloudflare_api_token": (
        "CLOUDFLARE_API_TOKEN",
        cloudflare_token,
        "Cloudflare token-formats page: cfut_ + 40 + checksum; legacy 40-char tokens",
    ),
    "cloudflare_global_api_key": (
        "CLOUDFLARE_API_KEY",
        lambda: rs(HEX, 37),
        "Cloudflare Global API Key: 37 hex (gitleaks cloudflare-global-api-key)",
    ),
    "supabase_secret_key": (
        "SUPABASE_SECRET_KEY",
        lambda: "sb_secret_" + rs(URLSAFE, 31),
        "Supabase API keys guide: sb_secret_... (server only)",
    ),
    "supabase_service_role_jwt": (
        "SUPABASE_SERVICE_ROLE_KEY",
        supabase_service_jwt,
        "Supabase legacy service_role key: HS256 JWT with role=service_role",
    ),
    "supabase_management_token": (
        "SUPABASE_ACCESS_TOKEN",
        lambda: "sbp_" + rs(HEX, 40),
        "Supabase personal access token sbp_ + 40 hex (kingfisher supabasetoken)",
    ),
    "firebase_fcm_server_key": (
        "FCM_SERVER_KEY",
        fcm_server_key,
        "Firebase Cloud Messaging legacy server key AAAA...:APA91b...",
    ),
    "gcp_oauth_client_secret": (
        "GOOGLE_CLIENT_SECRET",
        lambda: "GOCSPX-" + rs(URLSAFE, 28),
        "Google OAuth client secret GOCSPX- + 28",
    ),
    "alibaba_access_key_secret": (
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        lambda: rs(ALNUM, 30),
        "Alibaba Cloud AccessKey secret: 30 alnum",
    ),
    # vcs
    "github_classic_pat": (
        "GITHUB_TOKEN",
        gh("ghp_"),
        "GitHub token formats blog: ghp_ + 30 + CRC32 base62",
    ),
    "github_oauth_token": ("GH_TOKEN", gh("gho_"), "GitHub token formats: gho_"),
    "github_user_to_server": ("GH_USER_TOKEN", gh("ghu_"), "GitHub token formats: ghu_"),
    "github_app_installation": ("GH_APP_TOKEN", gh("ghs_"), "GitHub token formats: ghs_"),
    "github_refresh_token": (
        "GH_REFRESH_TOKEN",
        gh_refresh,
        "GitHub token formats: ghr_ refresh token",
    ),
    "github_fine_grained_pat": (
        "GH_PAT",
        gh_fine,
        "GitHub fine-grained PAT github_pat_ + 22 + _ + 59",
    ),
    "gitlab_pat": (
        "GITLAB_TOKEN",
        lambda: "glpat-" + rs(URLSAFE, 20),
        "GitLab token overview: glpat-",
    ),
    "gitlab_deploy_token": (
        "CI_DEPLOY_PASSWORD",
        lambda: "gldt-" + rs(URLSAFE, 20),
        "GitLab token overview: gldt- deploy token",
    ),
    "gitlab_runner_auth_token": (
        "RUNNER_TOKEN",
        lambda: "glrt-" + rs(URLSAFE, 20),
        "GitLab token overview: glrt- runner authentication token",
    ),
    "gitlab_runner_registration": (
        "REGISTRATION_TOKEN",
        lambda: "GR1348941" + rs(URLSAFE, 20),
        "GitLab runner registration token GR1348941 prefix",
    ),
    "gitlab_pipeline_trigger": (
        "TRIGGER_TOKEN",
        lambda: "glptt-" + rs(HEX, 40),
        "GitLab token overview: glptt- + 40 hex",
    ),
    "gitlab_oauth_app_secret": (
        "GITLAB_OAUTH_SECRET",
        lambda: "gloas-" + rs(HEX, 64),
        "GitLab token overview: gloas- OAuth application secret",
    ),
    "gitlab_agent_token": (
        "GITLAB_AGENT_TOKEN",
        lambda: "glagent-" + rs(URLSAFE, 50),
        "GitLab token overview: glagent- agent for Kubernetes token",
    ),
    "bitbucket_app_password": (
        "BITBUCKET_APP_PASSWORD",
        bitbucket_app_pw,
        "Atlassian community: Bitbucket app passwords prefix ATBB",
    ),
    "atlassian_api_token": (
        "JIRA_API_TOKEN",
        atlassian,
        "Atlassian API token ATATT3xFfGF0... (Atlassian community; gitleaks atlassian-api-token)",
    ),
    # ai
    "openai_project_key": (
        "OPENAI_API_KEY",
        lambda: "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
        "OpenAI sk-proj- keys with T3BlbkFJ marker (GitHub secret scanning / gitleaks openai-api-key)",
    ),
    "openai_service_account_key": (
        "OPENAI_API_KEY",
        lambda: "sk-svcacct-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
        "OpenAI sk-svcacct- keys",
    ),
    "anthropic_api_key": (
        "ANTHROPIC_API_KEY",
        lambda: "sk-ant-api03-" + rs(URLSAFE, 93) + "AA",
        "Anthropic sk-ant-api03- + 93 + AA (GitHub secret scanning partner)",
    ),
    "anthropic_admin_key": (
        "ANTHROPIC_ADMIN_KEY",
        lambda: "sk-ant-admin01-" + rs(URLSAFE, 93) + "AA",
        "Anthropic Admin API key sk-ant-admin01-",
    ),
    "huggingface_token": (
        "HF_TOKEN",
        lambda: "hf_" + rs(string.ascii_letters, 34),
        "Hugging Face user access token hf_ + 34 letters",
    ),
    "cohere_api_key": (
        "CO_API_KEY",
        lambda: rs(ALNUM, 40),
        "Cohere API key: 40 alnum (gitleaks cohere-api-token)",
    ),
    "replicate_token": (
        "REPLICATE_API_TOKEN",
        lambda: "r8_" + rs(ALNUM, 37),
        "Replicate API token r8_ + 37",
    ),
    "groq_api_key": ("GROQ_API_KEY", lambda: "gsk_" + rs(ALNUM, 52), "Groq API key gsk_ + 52"),
    "mistral_api_key": ("MISTRAL_API_KEY", lambda: rs(ALNUM, 32), "Mistral API key: 32 alnum"),
    "perplexity_api_key": (
        "PERPLEXITY_API_KEY",
        lambda: "pplx-" + rs(ALNUM, 48),
        "Perplexity pplx- + 48 (gitleaks perplexity-api-key)",
    ),
    "google_ai_api_key": (
        "GEMINI_API_KEY",
        lambda: "AIza" + rs(URLSAFE, 35),
        "Google API key AIza + 35 (Gemini API keys are secret)",
    ),
    "xai_api_key": (
        "XAI_API_KEY",
        lambda: "xai-" + rs(ALNUM, 80),
        "xAI API key xai- + 80 (kingfisher xai)",
    ),
    # payments
    "stripe_live_secret": (
        "STRIPE_SECRET_KEY",
        lambda: "sk_live_" + rs(ALNUM, R.choice([24, 99])),
        "Stripe API keys docs: sk_live_",
    ),
    "stripe_restricted_key": (
        "STRIPE_RESTRICTED_KEY",
        lambda: "rk_live_" + rs(ALNUM, 99),
        "Stripe restricted keys rk_live_",
    ),
    "stripe_webhook_secret": (
        "STRIPE_WEBHOOK_SECRET",
        lambda: "whsec_" + rs(ALNUM, 32),
        "Stripe webhook signing secret whsec_",
    ),
    "square_access_token": (
        "SQUARE_ACCESS_TOKEN",
        lambda: "EAAA" + rs(URLSAFE, 60),
        "Square access token EAAA + 60 (gitleaks square-access-token)",
    ),
    "square_oauth_secret": (
        "SQUARE_APPLICATION_SECRET",
        lambda: "sq0csp-" + rs(URLSAFE, 43),
        "Square OAuth application secret sq0csp- + 43",
    ),
    "braintree_access_token": (
        "BRAINTREE_ACCESS_TOKEN",
        braintree,
        "PayPal Braintree access_token$production$... (GitHub secret scanning)",
    ),
    "paypal_client_secret": (
        "PAYPAL_CLIENT_SECRET",
        lambda: "E" + rs(URLSAFE, 79),
        "PayPal REST app secret: 80 chars (kingfisher paypal)",
    ),
    # messaging
    "slack_bot_token": (
        "SLACK_BOT_TOKEN",
        lambda: f"xoxb-{rs(string.digits, 12)}-{rs(string.digits, 13)}-{rs(ALNUM, 24)}",
        "Slack token types: xoxb-",
    ),
    "slack_user_token": (
        "SLACK_USER_TOKEN",
        lambda: (
            f"xoxp-{rs(string.digits, 12)}-{rs(string.digits, 12)}-{rs(string.digits, 13)}-{rs(HEX, 32)}"
        ),
        "Slack token types: xoxp-",
    ),
    "slack_app_token": (
        "SLACK_APP_TOKEN",
        lambda: f"xapp-1-A{rs(UPNUM, 10)}-{rs(string.digits, 13)}-{rs(HEX, 64)}",
        "Slack app-level token xapp-",
    ),
    "telegram_bot_token": (
        "TELEGRAM_BOT_TOKEN",
        telegram,
        "Telegram Bot API token <bot id>:<35 chars>",
    ),
    "discord_bot_token": (
        "DISCORD_TOKEN",
        discord_bot,
        "discord.py docs token.rst: base64(user id).ts.hmac",
    ),
    "twilio_auth_token": ("TWILIO_AUTH_TOKEN", lambda: rs(HEX, 32), "Twilio auth token: 32 hex"),
    "sendgrid_api_key": (
        "SENDGRID_API_KEY",
        lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}",
        "SendGrid API key SG.22.43",
    ),
    "mailgun_api_key": (
        "MAILGUN_API_KEY",
        mailgun,
        "Mailgun API keys: key-+32 hex (legacy) / 32hex-8hex-8hex",
    ),
    "mailchimp_api_key": (
        "MAILCHIMP_API_KEY",
        lambda: rs(HEX, 32) + f"-us{R.randint(1, 21)}",
        "Mailchimp API key 32 hex + -usNN",
    ),
    "postmark_server_token": (
        "POSTMARK_SERVER_TOKEN",
        uuid4,
        "Postmark server token: UUID (kingfisher postmark)",
    ),
    "brevo_api_key": (
        "BREVO_API_KEY",
        lambda: "xkeysib-" + rs(HEX, 64) + "-" + rs(ALNUM, 16),
        "Brevo/Sendinblue xkeysib- (gitleaks sendinblue-api-token)",
    ),
    # packages
    "npm_token": ("NPM_TOKEN", npm, "npm granular/automation tokens npm_ + 36 (CRC32 base62)"),
    "pypi_token": (
        "PYPI_API_TOKEN",
        lambda: "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 150),
        "PyPI API token (macaroon) pypi-AgEIcHlwaS5vcmc...",
    ),
    "rubygems_api_key": (
        "GEM_HOST_API_KEY",
        lambda: "rubygems_" + rs(HEX, 48),
        "RubyGems API key rubygems_ + 48 hex",
    ),
    "nuget_api_key": (
        "NUGET_API_KEY",
        lambda: "oy2" + rs(LOWNUM, 43),
        "NuGet.org API key oy2 + 43 lowercase alnum",
    ),
    "dockerhub_pat": (
        "DOCKERHUB_TOKEN",
        lambda: "dckr_pat_" + rs(URLSAFE, 27),
        "Docker Hub PAT dckr_pat_",
    ),
    "cratesio_token": (
        "CARGO_REGISTRY_TOKEN",
        lambda: "cio" + rs(ALNUM, 32),
        "crates.io API token cio + 32",
    ),
    # monitoring
    "datadog_api_key": ("DD_API_KEY", lambda: rs(HEX, 32), "Datadog API key: 32 hex"),
    "datadog_app_key": ("DD_APP_KEY", lambda: rs(HEX, 40), "Datadog application key: 40 hex"),
    "newrelic_user_key": (
        "NEW_RELIC_API_KEY",
        lambda: "NRAK-" + rs(UPNUM, 27),
        "New Relic user key NRAK- + 27",
    ),
    "newrelic_license_key": (
        "NEW_RELIC_LICENSE_KEY",
        newrelic_license,
        "New Relic ingest license key: 40 chars ending NRAL",
    ),
    "sentry_user_token": (
        "SENTRY_AUTH_TOKEN",
        lambda: "sntryu_" + rs(HEX, 64),
        "Sentry user auth token sntryu_ + 64 hex",
    ),
    "sentry_org_token": (
        "SENTRY_AUTH_TOKEN",
        sentry_org,
        "Sentry org auth token sntrys_eyJpYXQiO... (gitleaks sentry-org-token)",
    ),
    "grafana_service_account": (
        "GRAFANA_TOKEN",
        lambda: f"glsa_{rs(ALNUM, 32)}_{rs(HEX, 8)}",
        "Grafana service account token glsa_32_8hex",
    ),
    "grafana_cloud_token": (
        "GRAFANA_CLOUD_TOKEN",
        grafana_cloud,
        "Grafana Cloud access policy token glc_ + base64 JSON",
    ),
    "pagerduty_api_key": (
        "PAGERDUTY_TOKEN",
        pagerduty,
        "PagerDuty REST API key: 20 chars (kingfisher pagerdutyapikey)",
    ),
    "dynatrace_token": (
        "DT_API_TOKEN",
        lambda: f"dt0c01.{rs(UPNUM, 24)}.{rs(UPNUM, 64)}",
        "Dynatrace token dt0c01.24.64",
    ),
    # other platforms
    "shopify_access_token": (
        "SHOPIFY_ACCESS_TOKEN",
        lambda: "shpat_" + rs(HEX, 32),
        "Shopify shpat_ + 32 hex",
    ),
    "shopify_shared_secret": (
        "SHOPIFY_API_SECRET",
        lambda: "shpss_" + rs(HEX, 32),
        "Shopify shpss_ + 32 hex",
    ),
    "okta_api_token": ("OKTA_API_TOKEN", okta, "Okta API token 00 + 40 (SSWS scheme)"),
    "auth0_client_secret": (
        "AUTH0_CLIENT_SECRET",
        lambda: rs(URLSAFE, 64),
        "Auth0 application client secret: 64 urlsafe",
    ),
    "doppler_service_token": (
        "DOPPLER_TOKEN",
        lambda: "dp.st.prd." + rs(ALNUM, 43),
        "Doppler token formats dp.st.<config>.43",
    ),
    "doppler_personal_token": (
        "DOPPLER_TOKEN",
        lambda: "dp.pt." + rs(ALNUM, 43),
        "Doppler dp.pt.43",
    ),
    "onepassword_service_account": (
        "OP_SERVICE_ACCOUNT_TOKEN",
        onepassword_sa,
        "1Password service account token ops_eyJ... (gitleaks 1password-service-account-token)",
    ),
    "vault_service_token": (
        "VAULT_TOKEN",
        vault_token,
        "HashiCorp Vault token prefixes hvs. (Vault 1.10 token format)",
    ),
    "terraform_cloud_token": (
        "TF_TOKEN_app_terraform_io",
        tfc_token,
        "Terraform Cloud API token <14>.atlasv1.<67>",
    ),
    "pulumi_token": (
        "PULUMI_ACCESS_TOKEN",
        lambda: "pul-" + rs(HEX, 40),
        "Pulumi access token pul- + 40 hex",
    ),
    "databricks_pat": (
        "DATABRICKS_TOKEN",
        lambda: "dapi" + rs(HEX, 32),
        "Databricks PAT dapi + 32 hex",
    ),
    "confluent_api_secret": (
        "CONFLUENT_CLOUD_API_SECRET",
        lambda: rs(ALNUM + "+/", 64),
        "Confluent Cloud API secret: 64 chars (kingfisher confluent)",
    ),
    "algolia_admin_key": (
        "ALGOLIA_ADMIN_API_KEY",
        lambda: rs(HEX, 32),
        "Algolia Admin API key: 32 hex (secret; search-only key is public)",
    ),
    "mapbox_secret_token": (
        "MAPBOX_SECRET_TOKEN",
        mapbox_secret,
        "Mapbox secret tokens sk.eyJ1...",
    ),
    "age_secret_key": ("SOPS_AGE_KEY", age_key, "age spec: AGE-SECRET-KEY-1 + bech32"),
    "linear_api_key": (
        "LINEAR_API_KEY",
        lambda: "lin_api_" + rs(ALNUM, 40),
        "Linear lin_api_ + 40",
    ),
    "notion_token": (
        "NOTION_TOKEN",
        lambda: "ntn_" + rs(string.digits, 11) + rs(ALNUM, 35),
        "Notion integration token ntn_ (gitleaks notion-api-token)",
    ),
    "airtable_pat": (
        "AIRTABLE_API_KEY",
        lambda: "pat" + rs(ALNUM, 14) + "." + rs(HEX, 64),
        "Airtable PAT pat14.64hex",
    ),
    "postman_api_key": (
        "POSTMAN_API_KEY",
        lambda: f"PMAK-{rs(HEX, 24)}-{rs(HEX, 34)}",
        "Postman PMAK-24-34",
    ),
    "tailscale_auth_key": (
        "TS_AUTHKEY",
        lambda: f"tskey-auth-k{rs(ALNUM, 16)}CNTRL-{rs(ALNUM, 33)}",
        "Tailscale auth key tskey-auth-",
    ),
    "planetscale_password": (
        "DATABASE_PASSWORD",
        lambda: "pscale_pw_" + rs(URLSAFE, 43),
        "PlanetScale password pscale_pw_",
    ),
    "prefect_api_key": ("PREFECT_API_KEY", lambda: "pnu_" + rs(ALNUM, 36), "Prefect pnu_ + 36"),
    "django_secret_key": (
        "DJANGO_SECRET_KEY",
        django_secret,
        "Django get_random_secret_key(): 50 chars",
    ),
    "jwt_signing_secret": ("JWT_SECRET", lambda: rs(HEX, 64), "HS256 signing secret: 64 hex"),
    "user_session_jwt": ("ACCESS_TOKEN", user_jwt, "RFC 7519 JWT bearer token"),
}

# ---------------------------------------------------------------- generic contexts (var, v)

ISO = "2024-05-{d:02d}T{h:02d}:{m:02d}:{s:02d}Z"


def ts() -> str:
    return ISO.format(
        d=R.randint(1, 28), h=R.randint(0, 23), m=R.randint(0, 59), s=R.randint(0, 59)
    )


def ts_seq(n: int) -> list[str]:
    """n increasing GitHub Actions log timestamps (with fractional seconds)."""
    t = R.randrange(86400 - 600)
    d = R.randint(1, 28)
    out = []
    for _ in range(n):
        t += R.randint(0, 2)
        out.append(
            f"2024-05-{d:02d}T{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}.{R.randrange(10**7):07d}Z"
        )
    return out


def c_export(var: str, v: str) -> str:
    return f"$ export {var}={v}\n$ ./scripts/deploy.sh --env production\n==> deploying api@{rs(HEX, 7)} to prod-eu"


def c_export_quoted(var: str, v: str) -> str:
    return f'$ export {var}="{v}" && npm run sync:prod\n\n> acme-api@2.3.1 sync:prod\n> node scripts/sync.js --env=production'


def c_env_dump(var: str, v: str) -> str:
    lines = [
        "HOME=/home/runner",
        "HOSTNAME=5f1c2d9a7b3e",
        "LANG=C.UTF-8",
        "NODE_ENV=production",
        f"{var}={v}",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "PWD=/workspace/app",
        "SHLVL=1",
        "TERM=xterm-256color",
    ]
    return "$ env | sort\n" + "\n".join(lines)


def c_dotenv(var: str, v: str) -> str:
    return (
        "$ cat .env\n# --- production ---\nAPP_ENV=production\nAPP_URL=https://app.acme-corp.io\nLOG_LEVEL=info\n"
        f"{var}={v}\nREDIS_URL=redis://cache:6379/0\nFEATURE_FLAGS=billing_v2,new_nav"
    )


def c_docker_run(var: str, v: str) -> str:
    return (
        f"$ docker run -d --name api --restart unless-stopped -e NODE_ENV=production -e {var}={v} "
        f"-p 8080:8080 ghcr.io/acme/api:2.3.1\n{rs(HEX, 64)}"
    )


def c_docker_inspect(var: str, v: str) -> str:
    return (
        "$ docker inspect api --format '{{json .Config.Env}}' | jq .\n[\n"
        '  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",\n'
        f'  "{var}={v}",\n  "NODE_VERSION=20.12.2",\n  "YARN_VERSION=1.22.19"\n]'
    )


def c_compose_config(var: str, v: str) -> str:
    return (
        "$ docker compose config\nname: acme\nservices:\n  worker:\n    build:\n      context: /home/dev/acme\n"
        "      dockerfile: Dockerfile\n    environment:\n      LOG_LEVEL: info\n"
        f"      {var}: {v}\n      QUEUE_URL: amqp://rabbitmq:5672\n    networks:\n      default: null\n"
        "networks:\n  default:\n    name: acme_default"
    )


def c_kubectl_literal(var: str, v: str) -> str:
    return (
        f"$ kubectl -n prod create secret generic api-env --from-literal={var}={v} --dry-run=client -o name\n"
        "secret/api-env"
    )


def c_gh_secret(var: str, v: str) -> str:
    return f'$ gh secret set {var} --repo acme/api --body "{v}"\n✓ Set Actions secret {var} for acme/api'


def c_heroku(var: str, v: str) -> str:
    return (
        f"$ heroku config:set {var}={v} -a acme-api-prod\nSetting {var} and restarting ⬢ acme-api-prod... done, v{R.randint(100, 400)}\n"
        f"{var}: {v}"
    )


def c_gha_log(var: str, v: str) -> str:
    t = ts_seq(8)
    return (
        f"{t[0]} ##[group]Run ./ci/publish.sh\n{t[1]} ./ci/publish.sh\n{t[2]} shell: /usr/bin/bash -e {{0}}\n"
        f"{t[3]} env:\n{t[4]}   {var}: {v}\n{t[5]}   REGISTRY: ghcr.io\n{t[6]} ##[endgroup]\n{t[7]} publishing v2.3.1 ..."
    )


def c_traceback(var: str, v: str) -> str:
    return (
        'Traceback (most recent call last):\n  File "/app/manage.py", line 22, in <module>\n    main()\n'
        '  File "/app/app/config.py", line 48, in load\n    raise ConfigError(f"invalid settings: {settings!r}")\n'
        f"app.config.ConfigError: invalid settings: {{'DEBUG': False, '{var}': '{v}', 'REGION': 'eu-west-1', 'TIMEOUT': None}}"
    )


def c_json_api(var: str, v: str) -> str:
    k = var.lower()
    body = {
        "id": R.randint(100, 9999),
        "name": "prod-integration",
        "enabled": True,
        "config": {"region": "us-east-1", k: v, "retries": 3},
        "updated_at": ts(),
    }
    return (
        "$ curl -s https://admin.internal.acme-corp.io/api/v1/integrations/42 | jq .\n"
        + json.dumps(body, indent=2)
    )


def c_git_log_p(var: str, v: str) -> str:
    return (
        f"$ git log -p -1 -- config/production.env\ncommit {rs(HEX, 40)}\nAuthor: Dana Kim <dana@acme-corp.io>\n"
        "Date:   Tue Apr 30 16:02:11 2024 +0200\n\n    wire up prod credentials\n\n"
        f"diff --git a/config/production.env b/config/production.env\nindex {rs(HEX, 7)}..{rs(HEX, 7)} 100644\n"
        "--- a/config/production.env\n+++ b/config/production.env\n@@ -1,3 +1,4 @@\n APP_ENV=production\n LOG_LEVEL=info\n"
        f"+{var}={v}\n PORT=8080"
    )


def c_tfvars(var: str, v: str) -> str:
    return (
        '$ cat envs/prod/terraform.tfvars\nregion         = "us-east-1"\nenvironment    = "prod"\n'
        f'{var.lower():<14} = "{v}"\ninstance_count = 3'
    )


def c_jupyter(var: str, v: str) -> str:
    return f"In [3]: import os\n\nIn [4]: os.environ[\"{var}\"]\nOut[4]: '{v}'\n\nIn [5]: client = Client()"


def c_printenv(var: str, v: str) -> str:
    return f"$ printenv {var}\n{v}"


def c_yaml_cat(var: str, v: str) -> str:
    return (
        "$ cat config/production.yml\nserver:\n  port: 8443\n  host: 0.0.0.0\nintegrations:\n"
        f'  {var.lower()}: "{v}"\n  timeout_ms: 5000'
    )


def c_node_repl(var: str, v: str) -> str:
    return f"$ node -e 'console.log(process.env)' | grep {var}\n  {var}: '{v}',"


GENERIC: list[Callable[[str, str], str]] = [
    c_export,
    c_export_quoted,
    c_env_dump,
    c_dotenv,
    c_docker_run,
    c_docker_inspect,
    c_compose_config,
    c_kubectl_literal,
    c_gh_secret,
    c_heroku,
    c_gha_log,
    c_traceback,
    c_json_api,
    c_git_log_p,
    c_tfvars,
    c_jupyter,
    c_printenv,
    c_yaml_cat,
    c_node_repl,
]

# vendor-specific command/tool contexts: format -> [(source, template with {v})]
SPECIFIC: dict[str, list[tuple[str, str]]] = {
    "aws_access_key_id": [
        (
            "~/.aws/credentials",
            "$ cat ~/.aws/credentials\n[default]\naws_access_key_id = {v}\naws_secret_access_key = {aws_sk}\n\n[staging]\nregion = eu-west-1",
        ),
        (
            "aws configure set",
            "$ aws configure set aws_access_key_id {v} --profile prod\n$ aws configure set region us-east-1 --profile prod",
        ),
    ],
    "aws_secret_access_key": [
        (
            "~/.aws/credentials",
            "$ cat ~/.aws/credentials\n[prod]\naws_access_key_id = {aws_id}\naws_secret_access_key = {v}\nregion = us-east-1",
        ),
        ("aws configure set", "$ aws configure set aws_secret_access_key {v} --profile prod"),
        (
            "docker run -e",
            "$ docker run --rm -e AWS_ACCESS_KEY_ID={aws_id} -e AWS_SECRET_ACCESS_KEY={v} amazon/aws-cli s3 ls s3://acme-backups/\n2024-04-30 02:00:11   73400320 db-2024-04-30.sql.gz",
        ),
    ],
    "azure_ad_client_secret": [
        (
            "az login --service-principal",
            '$ az login --service-principal -u {uuid} -p {v} --tenant {uuid2}\n[\n  {{\n    "cloudName": "AzureCloud",\n    "isDefault": true\n  }}\n]',
        ),
    ],
    "azure_storage_account_key": [
        (
            "az storage connection string",
            '$ az storage blob upload --account-name acmeprodsa --container-name releases --file app.zip --name app.zip --connection-string "DefaultEndpointsProtocol=https;AccountName=acmeprodsa;AccountKey={v};EndpointSuffix=core.windows.net"',
        ),
        (
            "az storage account keys list",
            '$ az storage account keys list -g rg-prod -n acmeprodsa -o json\n[\n  {{\n    "creationTime": "2024-03-02T10:11:12.000000+00:00",\n    "keyName": "key1",\n    "permissions": "FULL",\n    "value": "{v}"\n  }}\n]',
        ),
    ],
    "azure_devops_pat": [
        (
            "git clone dev.azure.com",
            "$ git clone https://build:{v}@dev.azure.com/acme/Platform/_git/api\nCloning into 'api'...",
        ),
    ],
    "digitalocean_pat": [
        (
            "doctl auth init",
            "$ doctl auth init --access-token {v} --context prod\nValidating token... OK",
        ),
        (
            "curl bearer",
            '$ curl -s -X GET -H "Content-Type: application/json" -H "Authorization: Bearer {v}" "https://api.digitalocean.com/v2/droplets?page=1"',
        ),
    ],
    "linode_token": [
        (
            "linode-cli",
            "$ LINODE_CLI_TOKEN={v} linode-cli linodes list --text\nid\tlabel\tregion\ttype\n41233177\tweb-1\tus-east\tg6-standard-2",
        ),
    ],
    "heroku_api_key": [
        (
            "~/.netrc",
            "$ cat ~/.netrc\nmachine api.heroku.com\n  login dana@acme-corp.io\n  password {v}\nmachine git.heroku.com\n  login dana@acme-corp.io\n  password {v}",
        ),
        (
            "heroku auth:token",
            "$ heroku auth:token\n ›   Warning: token will expire 05/01/2025\n ›   Use heroku authorizations:create to generate a long-term token\n{v}",  # noqa: RUF001
        ),
    ],
    "heroku_api_key_uuid": [
        (
            "heroku authorizations:create",
            '$ heroku authorizations:create -d "ci deploy"\nCreating OAuth Authorization... done\nClient:      <none>\nID:          {uuid}\nDescription: ci deploy\nScope:       global\nToken:       {v}\nUpdated at:  Tue Apr 30 2024 16:02:11 GMT+0200',
        ),
    ],
    "flyio_token": [
        ("fly tokens create deploy", "$ fly tokens create deploy -a acme-api -x 720h\nFlyV1 {v}"),
        (
            "gh secret set FLY_API_TOKEN",
            '$ gh secret set FLY_API_TOKEN --body "FlyV1 {v}"\n✓ Set Actions secret FLY_API_TOKEN for acme/api',
        ),
    ],
    "vercel_token": [
        (
            "vercel --token",
            "$ vercel deploy --prod --token {v} --yes\nVercel CLI 34.1.7\n🔍  Inspect: https://vercel.com/acme/web/8kX2 [2s]",
        ),
    ],
    "netlify_pat": [
        (
            "netlify deploy --auth",
            "$ netlify deploy --prod --dir=dist --auth {v} --site {uuid}\nDeploy path: /home/dev/web/dist",
        ),
    ],
    "cloudflare_api_token": [
        (
            "curl cloudflare verify",
            '$ curl "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer {v}"\n{{"result":{{"id":"{hex32}","status":"active"}},"success":true,"errors":[],"messages":[]}}',
        ),
        (
            "wrangler env",
            "$ CLOUDFLARE_API_TOKEN={v} npx wrangler deploy\n ⛅️ wrangler 3.53.1\nTotal Upload: 212.44 KiB / gzip: 48.10 KiB",
        ),
    ],
    "cloudflare_global_api_key": [
        (
            "curl X-Auth-Key",
            '$ curl -s https://api.cloudflare.com/client/v4/zones -H "X-Auth-Email: ops@acme-corp.io" -H "X-Auth-Key: {v}" | jq \'.result[].name\'',
        ),
    ],
    "supabase_secret_key": [
        (
            "curl apikey header",
            '$ curl \'https://{ref}.supabase.co/rest/v1/orders?select=*\' -H "apikey: {v}" -H "Authorization: Bearer {v}"',
        ),
    ],
    "supabase_service_role_jwt": [
        (
            "curl apikey header",
            "$ curl -s 'https://{ref}.supabase.co/rest/v1/profiles?select=id,email&limit=5' -H \"apikey: {v}\"",
        ),
        (
            "supabase projects api-keys",
            "$ supabase projects api-keys --project-ref {ref}\n\n  NAME         | KEY VALUE\n  -------------|----------\n  anon         | {anon_jwt}\n  service_role | {v}",
        ),
    ],
    "supabase_management_token": [
        (
            "supabase login --token",
            "$ supabase login --token {v}\nYou are now logged in. Happy coding!",
        ),
    ],
    "firebase_fcm_server_key": [
        (
            "curl fcm legacy",
            '$ curl -X POST https://fcm.googleapis.com/fcm/send -H "Authorization: key={v}" -H "Content-Type: application/json" -d \'{{"to":"/topics/news","notification":{{"title":"hi"}}}}\'',
        ),
    ],
    "gcp_oauth_client_secret": [
        (
            "client_secret.json",
            '$ cat client_secret.json\n{{"web":{{"client_id":"{num12}-{low32}.apps.googleusercontent.com","project_id":"acme-prod","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token","client_secret":"{v}","redirect_uris":["https://app.acme-corp.io/oauth/callback"]}}}}',
        ),
    ],
    "alibaba_access_key_secret": [
        (
            "aliyun configure set",
            "$ aliyun configure set --profile prod --mode AK --region cn-hangzhou --access-key-id LTAI{alnum20} --access-key-secret {v}\nConfigure Done!!!",
        ),
    ],
    "github_classic_pat": [
        (
            "git remote add origin",
            "$ git remote add origin https://dkim:{v}@github.com/acme/api.git\n$ git push -u origin main",
        ),
        (
            "curl Authorization: token",
            '$ curl -sH "Authorization: token {v}" https://api.github.com/user | jq .login\n"dkim"',
        ),
        (
            "gh auth login --with-token",
            "$ echo {v} | gh auth login --with-token\n$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account dkim (keyring)",
        ),
    ],
    "github_oauth_token": [
        (
            "~/.config/gh/hosts.yml",
            "$ cat ~/.config/gh/hosts.yml\ngithub.com:\n    users:\n        dkim:\n            oauth_token: {v}\n    git_protocol: https\n    oauth_token: {v}\n    user: dkim",
        ),
    ],
    "github_app_installation": [
        (
            "git clone x-access-token",
            "$ git clone https://x-access-token:{v}@github.com/acme/infra.git\nCloning into 'infra'...",
        ),
    ],
    "github_fine_grained_pat": [
        (
            "curl Bearer",
            '$ curl -L -H "Accept: application/vnd.github+json" -H "Authorization: Bearer {v}" -H "X-GitHub-Api-Version: 2022-11-28" https://api.github.com/repos/acme/api/actions/secrets',
        ),
        ("~/.git-credentials", "$ cat ~/.git-credentials\nhttps://dkim:{v}@github.com"),
    ],
    "gitlab_pat": [
        (
            "curl PRIVATE-TOKEN",
            '$ curl --header "PRIVATE-TOKEN: {v}" "https://gitlab.com/api/v4/projects/4823/pipelines?status=failed"',
        ),
        (
            "git remote oauth2",
            "$ git remote set-url origin https://oauth2:{v}@gitlab.com/acme/platform/billing.git",
        ),
    ],
    "gitlab_deploy_token": [
        (
            "docker login registry.gitlab.com",
            "$ docker login registry.gitlab.com -u gitlab+deploy-token-1841 -p {v}\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded",
        ),
    ],
    "gitlab_runner_auth_token": [
        (
            "gitlab-runner register",
            "$ sudo gitlab-runner register --non-interactive --url https://gitlab.com --token {v} --executor docker --docker-image alpine:3.19\nRuntime platform                                    arch=amd64 os=linux pid=4121 revision=782c6ecb version=16.9.1",
        ),
        (
            "/etc/gitlab-runner/config.toml",
            '$ sudo cat /etc/gitlab-runner/config.toml\nconcurrent = 4\n\n[[runners]]\n  name = "docker-runner-1"\n  url = "https://gitlab.com"\n  id = 31882211\n  token = "{v}"\n  executor = "docker"',
        ),
    ],
    "gitlab_runner_registration": [
        (
            "gitlab-runner register legacy",
            "$ gitlab-runner register --url https://gitlab.corp.net/ --registration-token {v} --executor shell --description build-01",
        ),
    ],
    "gitlab_pipeline_trigger": [
        (
            "curl trigger pipeline",
            "$ curl -X POST --fail -F token={v} -F ref=main https://gitlab.com/api/v4/projects/4823/trigger/pipeline",
        ),
    ],
    "bitbucket_app_password": [
        ("git clone bitbucket", "$ git clone https://dkim:{v}@bitbucket.org/acme/mobile-app.git"),
        (
            "curl -u bitbucket",
            "$ curl -u dkim:{v} https://api.bitbucket.org/2.0/repositories/acme?pagelen=50",
        ),
    ],
    "atlassian_api_token": [
        (
            "curl -u jira",
            "$ curl -s -u dana@acme-corp.io:{v} -H 'Accept: application/json' 'https://acme.atlassian.net/rest/api/3/search?jql=project=OPS'",
        ),
    ],
    "openai_project_key": [
        (
            "curl openai",
            '$ curl https://api.openai.com/v1/chat/completions -H "Content-Type: application/json" -H "Authorization: Bearer {v}" -d \'{{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "ping"}}]}}\'',
        ),
        (
            "python repr",
            ">>> from openai import OpenAI\n>>> client = OpenAI(api_key=\"{v}\")\n>>> client.models.list().data[0].id\n'gpt-4o-mini'",
        ),
    ],
    "anthropic_api_key": [
        (
            "curl x-api-key",
            '$ curl https://api.anthropic.com/v1/messages --header "x-api-key: {v}" --header "anthropic-version: 2023-06-01" --header "content-type: application/json" --data @req.json',
        ),
    ],
    "huggingface_token": [
        (
            "huggingface-cli login",
            "$ huggingface-cli login --token {v} --add-to-git-credential\nToken is valid (permission: write).\nYour token has been saved to /home/dev/.cache/huggingface/token",
        ),
        ("git clone hf", "$ git clone https://dkim:{v}@huggingface.co/acme/llama-ft-private"),
    ],
    "cohere_api_key": [
        (
            "curl cohere",
            "$ curl --request POST --url https://api.cohere.com/v2/chat --header 'accept: application/json' --header 'authorization: Bearer {v}' --data @body.json",
        ),
    ],
    "replicate_token": [
        (
            "curl replicate",
            "$ curl -s -X POST -H \"Authorization: Bearer {v}\" -H 'Content-Type: application/json' -d @input.json https://api.replicate.com/v1/predictions",
        ),
    ],
    "groq_api_key": [
        (
            "curl groq",
            '$ curl https://api.groq.com/openai/v1/models -H "Authorization: Bearer {v}"',
        ),
    ],
    "mistral_api_key": [
        (
            "curl mistral",
            '$ curl --location "https://api.mistral.ai/v1/models" --header "Authorization: Bearer {v}"',
        ),
    ],
    "perplexity_api_key": [
        (
            "curl perplexity",
            "$ curl -X POST https://api.perplexity.ai/chat/completions -H \"Authorization: Bearer {v}\" -H 'Content-Type: application/json' -d @q.json",
        ),
    ],
    "google_ai_api_key": [
        (
            "curl gemini ?key=",
            "$ curl \"https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:generateContent?key={v}\" -H 'Content-Type: application/json' -X POST -d @prompt.json",
        ),
        (
            "curl x-goog-api-key",
            '$ curl https://generativelanguage.googleapis.com/v1beta/models -H "x-goog-api-key: {v}"',
        ),
    ],
    "stripe_live_secret": [
        (
            "curl -u stripe",
            '$ curl https://api.stripe.com/v1/customers -u {v}: -d email="jenny@example.com"',
        ),
        ("stripe cli --api-key", "$ stripe charges list --limit 3 --api-key {v}"),
    ],
    "stripe_restricted_key": [
        (
            "curl Bearer stripe",
            '$ curl -G https://api.stripe.com/v1/balance_transactions -H "Authorization: Bearer {v}" -d limit=3',
        ),
    ],
    "stripe_webhook_secret": [
        (
            "stripe listen",
            "$ stripe listen --forward-to localhost:4242/webhook\n> Ready! You are using Stripe API Version [2024-04-10]. Your webhook signing secret is {v} (^C to quit)",
        ),
    ],
    "square_access_token": [
        (
            "curl square",
            "$ curl https://connect.squareup.com/v2/locations -H 'Square-Version: 2024-04-17' -H \"Authorization: Bearer {v}\"",
        ),
    ],
    "braintree_access_token": [
        ("python settings", '>>> gateway = braintree.BraintreeGateway(access_token="{v}")'),
    ],
    "paypal_client_secret": [
        (
            "curl paypal oauth",
            '$ curl -v -X POST "https://api-m.paypal.com/v1/oauth2/token" -u "A{alnum79}:{v}" -H "Content-Type: application/x-www-form-urlencoded" -d "grant_type=client_credentials"',
        ),
    ],
    "slack_bot_token": [
        (
            "curl chat.postMessage",
            '$ curl -X POST -H "Authorization: Bearer {v}" -H \'Content-type: application/json; charset=utf-8\' --data \'{{"channel":"C0{up9}","text":"deploy ok"}}\' https://slack.com/api/chat.postMessage',
        ),
    ],
    "slack_user_token": [
        (
            "curl -d token=",
            '$ curl -s -d "token={v}" -d channel=C0{up9} https://slack.com/api/conversations.history',
        ),
    ],
    "slack_app_token": [
        ("python socket mode", "$ SLACK_APP_TOKEN={v} python bot.py\n⚡️ Bolt app is running!"),
    ],
    "telegram_bot_token": [
        (
            "curl telegram",
            '$ curl -s "https://api.telegram.org/bot{v}/sendMessage" -d chat_id=-100{num10} -d text="backup finished"',
        ),
    ],
    "discord_bot_token": [
        (
            "curl Authorization: Bot",
            '$ curl -H "Authorization: Bot {v}" https://discord.com/api/v10/users/@me',
        ),
    ],
    "twilio_auth_token": [
        (
            "curl -u twilio",
            '$ curl -X POST "https://api.twilio.com/2010-04-01/Accounts/AC{hex32}/Messages.json" --data-urlencode "Body=Your code is 418230" --data-urlencode "From=+15017122661" --data-urlencode "To=+15558675310" -u AC{hex32}:{v}',
        ),
        (
            "twilio profiles",
            "$ twilio profiles:add --account-sid AC{hex32} --auth-token {v} -p prod",
        ),
    ],
    "sendgrid_api_key": [
        (
            "curl sendgrid",
            "$ curl --request POST --url https://api.sendgrid.com/v3/mail/send --header \"Authorization: Bearer {v}\" --header 'Content-Type: application/json' --data @mail.json",
        ),
    ],
    "mailgun_api_key": [
        (
            "curl -u api:",
            "$ curl -s --user 'api:{v}' https://api.mailgun.net/v3/mg.acme-corp.io/messages -F from='Acme <noreply@mg.acme-corp.io>' -F to=dana@acme-corp.io -F subject=Test -F text=hello",
        ),
    ],
    "mailchimp_api_key": [
        (
            "curl -u anystring:",
            '$ curl -sS https://us6.api.mailchimp.com/3.0/lists --user "anystring:{v}"',
        ),
    ],
    "postmark_server_token": [
        (
            "curl X-Postmark-Server-Token",
            '$ curl "https://api.postmarkapp.com/email" -X POST -H "Accept: application/json" -H "Content-Type: application/json" -H "X-Postmark-Server-Token: {v}" -d @email.json',
        ),
    ],
    "npm_token": [
        (
            "npm config set authToken",
            "$ npm config set //registry.npmjs.org/:_authToken={v}\n$ npm whoami\nacme-bot",
        ),
        (
            ".npmrc",
            "$ cat ~/.npmrc\nregistry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={v}\nsave-exact=true",
        ),
    ],
    "pypi_token": [
        (
            "pip install --index-url __token__",
            "$ pip install --index-url https://__token__:{v}@upload.pypi.org/simple/ acme-internal==1.2.0",
        ),
        (
            ".pypirc",
            "$ cat ~/.pypirc\n[distutils]\nindex-servers =\n    pypi\n\n[pypi]\n  username = __token__\n  password = {v}",
        ),
        (
            "twine upload",
            "$ twine upload -u __token__ -p {v} dist/*\nUploading distributions to https://upload.pypi.org/legacy/",
        ),
    ],
    "rubygems_api_key": [
        ("~/.gem/credentials", "$ cat ~/.gem/credentials\n---\n:rubygems_api_key: {v}"),
    ],
    "nuget_api_key": [
        (
            "dotnet nuget push",
            "$ dotnet nuget push bin/Release/Acme.Core.2.3.1.nupkg --api-key {v} --source https://api.nuget.org/v3/index.json\nPushing Acme.Core.2.3.1.nupkg to 'https://www.nuget.org/api/v2/package'...",
        ),
    ],
    "dockerhub_pat": [
        (
            "docker login -p",
            "$ docker login -u acmebuild -p {v}\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded",
        ),
    ],
    "cratesio_token": [
        ("cargo login", "$ cargo login {v}\n       Login token for `crates-io` saved"),
        ("~/.cargo/credentials.toml", '$ cat ~/.cargo/credentials.toml\n[registry]\ntoken = "{v}"'),
    ],
    "datadog_api_key": [
        (
            "curl DD-API-KEY",
            '$ curl -X GET "https://api.datadoghq.com/api/v1/validate" -H "Accept: application/json" -H "DD-API-KEY: {v}"\n{{"valid":true}}',
        ),
        (
            "datadog agent install",
            '$ DD_API_KEY={v} DD_SITE="datadoghq.eu" bash -c "$(curl -L https://install.datadoghq.com/scripts/install_script_agent7.sh)"',
        ),
    ],
    "datadog_app_key": [
        (
            "curl DD-APPLICATION-KEY",
            '$ curl -s "https://api.datadoghq.com/api/v1/monitor" -H "DD-API-KEY: {hex32}" -H "DD-APPLICATION-KEY: {v}"',
        ),
    ],
    "newrelic_user_key": [
        (
            "curl Api-Key nerdgraph",
            '$ curl https://api.newrelic.com/graphql -H \'Content-Type: application/json\' -H "API-Key: {v}" -d \'{{"query":"{{ actor {{ user {{ name }} }} }}"}}\'',
        ),
    ],
    "newrelic_license_key": [
        ("newrelic.yml", "$ grep -n license newrelic.yml\n12:  license_key: {v}"),
    ],
    "sentry_user_token": [
        (
            "sentry-cli",
            "$ sentry-cli --auth-token {v} releases new -p web 2.3.1\nCreated release 2.3.1",
        ),
    ],
    "sentry_org_token": [
        (
            "~/.sentryclirc",
            "$ cat ~/.sentryclirc\n[auth]\ntoken={v}\n\n[defaults]\norg=acme\nproject=web",
        ),
    ],
    "grafana_service_account": [
        (
            "curl grafana",
            '$ curl -H "Authorization: Bearer {v}" https://grafana.acme-corp.io/api/dashboards/uid/api-latency',
        ),
    ],
    "grafana_cloud_token": [
        (
            "alloy/agent env",
            '$ grep -A3 basic_auth /etc/alloy/config.alloy\n  basic_auth {{\n    username = "{num6}"\n    password = "{v}"\n  }}',
        ),
    ],
    "pagerduty_api_key": [
        (
            "curl Token token=",
            "$ curl -s https://api.pagerduty.com/incidents?statuses[]=triggered -H 'Accept: application/vnd.pagerduty+json;version=2' -H \"Authorization: Token token={v}\"",
        ),
    ],
    "dynatrace_token": [
        (
            "curl Api-Token",
            '$ curl -X GET "https://abc12345.live.dynatrace.com/api/v2/entities?entitySelector=type(HOST)" -H "Authorization: Api-Token {v}"',
        ),
    ],
    "shopify_access_token": [
        (
            "curl X-Shopify-Access-Token",
            '$ curl -X GET "https://acme-store.myshopify.com/admin/api/2024-04/orders.json?status=any" -H "X-Shopify-Access-Token: {v}"',
        ),
    ],
    "okta_api_token": [
        (
            "curl SSWS",
            '$ curl -v -X GET -H "Accept: application/json" -H "Authorization: SSWS {v}" "https://acme.okta.com/api/v1/users?limit=25"',
        ),
    ],
    "auth0_client_secret": [
        (
            "curl auth0 client_credentials",
            '$ curl --request POST --url https://acme.us.auth0.com/oauth/token --header \'content-type: application/json\' --data \'{{"client_id":"{alnum32}","client_secret":"{v}","audience":"https://api.acme-corp.io","grant_type":"client_credentials"}}\'',
        ),
    ],
    "doppler_service_token": [
        (
            "doppler run --token",
            "$ doppler run --token {v} -- node server.js\nServer listening on :8080",
        ),
    ],
    "onepassword_service_account": [
        (
            "op with OP_SERVICE_ACCOUNT_TOKEN",
            "$ OP_SERVICE_ACCOUNT_TOKEN={v} op vault list\nID                            NAME\n{low26}    CI",
        ),
    ],
    "vault_service_token": [
        (
            "vault login",
            '$ vault login {v}\nSuccess! You are now authenticated. The token information displayed below\nis already stored in the token helper.\n\nKey                  Value\n---                  -----\ntoken                {v}\ntoken_accessor       {alnum24}\ntoken_duration       768h\ntoken_policies       ["default" "ci"]',
        ),
        (
            "curl X-Vault-Token",
            '$ curl -s --header "X-Vault-Token: {v}" https://vault.acme-corp.io:8200/v1/secret/data/api | jq .data.data',
        ),
    ],
    "terraform_cloud_token": [
        (
            "~/.terraform.d/credentials.tfrc.json",
            '$ cat ~/.terraform.d/credentials.tfrc.json\n{{\n  "credentials": {{\n    "app.terraform.io": {{\n      "token": "{v}"\n    }}\n  }}\n}}',
        ),
    ],
    "pulumi_token": [
        (
            "pulumi login",
            "$ PULUMI_ACCESS_TOKEN={v} pulumi login\nLogged in to pulumi.com as acme-ci (https://app.pulumi.com/acme-ci)",
        ),
    ],
    "databricks_pat": [
        (
            "~/.databrickscfg",
            "$ cat ~/.databrickscfg\n[DEFAULT]\nhost  = https://adb-4829105732640132.12.azuredatabricks.net\ntoken = {v}",
        ),
        (
            "curl databricks",
            '$ curl -s -H "Authorization: Bearer {v}" https://adb-4829105732640132.12.azuredatabricks.net/api/2.0/clusters/list',
        ),
    ],
    "confluent_api_secret": [
        (
            "client.properties",
            "$ cat client.properties\nbootstrap.servers=pkc-619z3.us-east1.gcp.confluent.cloud:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanisms=PLAIN\nsasl.username={up16}\nsasl.password={v}",
        ),
        (
            "confluent api-key store",
            '$ confluent api-key store {up16} {v} --resource lkc-{low6}\nStored secret for API key "{up16}".',
        ),
    ],
    "algolia_admin_key": [
        (
            "curl X-Algolia-API-Key",
            '$ curl -X DELETE "https://{up10}.algolia.net/1/indexes/products_staging" -H "X-Algolia-API-Key: {v}" -H "X-Algolia-Application-Id: {up10}"',
        ),
    ],
    "mapbox_secret_token": [
        (
            "curl mapbox tokens",
            '$ curl "https://api.mapbox.com/tokens/v2/acme-maps?access_token={v}"',
        ),
    ],
    "age_secret_key": [
        (
            "cat age key file",
            "$ cat ~/.config/sops/age/keys.txt\n# created: 2024-04-30T16:02:11+02:00\n# public key: age1{bech58}\n{v}",
        ),
    ],
    "linear_api_key": [
        (
            "curl linear",
            '$ curl -X POST -H "Content-Type: application/json" -H "Authorization: {v}" --data \'{{ "query": "{{ viewer {{ id name }} }}" }}\' https://api.linear.app/graphql',
        ),
    ],
    "notion_token": [
        (
            "curl notion",
            '$ curl \'https://api.notion.com/v1/users\' -H "Authorization: Bearer {v}" -H "Notion-Version: 2022-06-28"',
        ),
    ],
    "airtable_pat": [
        (
            "curl airtable",
            '$ curl "https://api.airtable.com/v0/app{alnum14}/Orders?maxRecords=3" -H "Authorization: Bearer {v}"',
        ),
    ],
    "tailscale_auth_key": [
        (
            "tailscale up",
            "$ sudo tailscale up --authkey={v} --hostname=ci-runner-3 --advertise-tags=tag:ci",
        ),
    ],
    "planetscale_password": [
        (
            "mysql connection URL",
            "$ mysql \"mysql://{low12}:{v}@aws.connect.psdb.cloud/acme?ssl-mode=VERIFY_IDENTITY\" -e 'select 1'",
        ),
    ],
    "django_secret_key": [
        (
            "settings diff",
            "$ git diff HEAD~1 -- app/settings.py\n--- a/app/settings.py\n+++ b/app/settings.py\n@@ -21,3 +21,3 @@\n-SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n+SECRET_KEY = '{v}'\n DEBUG = False",
        ),
    ],
    "jwt_signing_secret": [
        (
            "python settings dict",
            ">>> from app import settings\n>>> settings.AUTH\n{{'algorithm': 'HS256', 'secret': '{v}', 'ttl': 3600}}",
        ),
    ],
    "user_session_jwt": [
        (
            "curl Bearer JWT",
            '$ curl -s https://api.acme-corp.io/v2/me -H "Authorization: Bearer {v}"',
        ),
        (
            "http response json",
            '$ curl -s -X POST https://auth.acme-corp.io/oauth/token -d grant_type=password -d username=dana -d password="$PW" | jq .\n{{\n  "access_token": "{v}",\n  "token_type": "Bearer",\n  "expires_in": 3600\n}}',
        ),
    ],
}


def fill(tpl: str, v: str) -> str:
    subs: dict[str, Callable[[], str]] = {
        "aws_id": lambda: aws_key_id(),
        "aws_sk": lambda: aws_secret(),
        "uuid": uuid4,
        "uuid2": uuid4,
        "hex32": lambda: rs(HEX, 32),
        "num12": lambda: rs(string.digits, 12),
        "num10": lambda: rs(string.digits, 10),
        "num6": lambda: rs(string.digits, 6),
        "low32": lambda: rs(LOWNUM, 32),
        "low26": lambda: rs(LOWNUM, 26),
        "low12": lambda: rs(LOWNUM, 12),
        "low6": lambda: rs(LOWNUM, 6),
        "alnum20": lambda: rs(ALNUM, 20),
        "alnum24": lambda: rs(ALNUM, 24),
        "alnum32": lambda: rs(ALNUM, 32),
        "alnum14": lambda: rs(ALNUM, 14),
        "alnum79": lambda: rs(URLSAFE, 79),
        "up9": lambda: rs(UPNUM, 9),
        "up10": lambda: rs(UPNUM, 10),
        "up16": lambda: rs(UPNUM, 16),
        "ref": lambda: rs(string.ascii_lowercase, 20),
        "bech58": lambda: rs(BECH32, 58),
        "anon_jwt": lambda: jwt(
            {"alg": "HS256", "typ": "JWT"},
            {
                "iss": "supabase",
                "ref": rs(string.ascii_lowercase, 20),
                "role": "anon",
                "iat": 1700000000,
                "exp": 2015576000,
            },
        ),
    }
    vals = {k: f() for k, f in subs.items() if "{" + k + "}" in tpl}
    return tpl.format(v=v, **vals)


# ---------------------------------------------------------------- passwords, URLs, headers

PW_SYM = "!#%+_.^-@$"


def password(url: bool = False) -> str:
    sym = "-_.~" if url else PW_SYM
    style = R.randrange(3)
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
            "Vesper",
            "Kestrel",
        ]
        return (
            f"{R.choice(w)}{R.choice(sym)}{R.choice(w).lower()}{R.randint(10, 9999)}{R.choice(sym)}"
        )
    if style == 1:
        base = rs(ALNUM, R.randint(13, 18))
        i = R.randrange(len(base))
        return base[:i] + R.choice(sym) + base[i:] + R.choice(string.digits)
    return rs(ALNUM, R.randint(20, 32))


USERS = ["app", "deploy", "svc_reporting", "dkim", "ci-bot", "etl_rw", "admin", "acme_prod"]
DBHOSTS = [
    "db.prod.internal",
    "10.20.3.14",
    "pg-primary.acme-corp.io",
    "acme-prod.cluster-c9x2k.eu-west-1.rds.amazonaws.com",
]


def pw_cases() -> list[tuple[str, str, Callable[[str, str, str], str], bool]]:
    """(format, source, template(user, host, pw), url_safe)."""
    return [
        (
            "db_url_postgres",
            "psql connection URI (libpq docs)",
            lambda u, h, p: (
                f'$ psql "postgresql://{u}:{p}@{h}:5432/acme?sslmode=require" -c "\\dt"\n            List of relations\n Schema |   Name    | Type  | Owner'
            ),
            True,
        ),
        (
            "db_url_postgres",
            "DATABASE_URL in env",
            lambda u, h, p: (
                f"$ heroku config:get DATABASE_URL -a acme-api-prod\npostgres://{u}:{p}@{h}:5432/d{rs(LOWNUM, 13)}"
            ),
            True,
        ),
        (
            "db_url_postgres",
            "Django traceback DATABASES",
            lambda u, h, p: (
                f"django.db.utils.OperationalError: connection to server at \"{h}\", port 5432 failed: FATAL:  password authentication failed for user \"{u}\"\n\nsettings.DATABASES = {{'default': {{'ENGINE': 'django.db.backends.postgresql', 'NAME': 'acme', 'USER': '{u}', 'PASSWORD': '{p}', 'HOST': '{h}', 'PORT': 5432}}}}"
            ),
            False,
        ),
        (
            "db_url_mysql",
            "mysql URL",
            lambda u, h, p: (
                f"$ docker run --rm -e DATABASE_URL=mysql://{u}:{p}@{h}:3306/shop acme/migrate:1.9 up\nApplied 3 migrations."
            ),
            True,
        ),
        (
            "db_url_mysql",
            "mysql -p",
            lambda u, h, p: (
                f"$ mysql -h {h} -u {u} -p'{p}' shop -e 'SELECT COUNT(*) FROM orders'\nmysql: [Warning] Using a password on the command line interface can be insecure."
            ),
            False,
        ),
        (
            "db_url_mongodb_srv",
            "mongosh SRV URI",
            lambda u, h, p: (
                f'$ mongosh "mongodb+srv://{u}:{p}@cluster0.x1y2z.mongodb.net/prod?retryWrites=true&w=majority"\nCurrent Mongosh Log ID: {rs(HEX, 24)}\nConnecting to: mongodb+srv://<credentials>@cluster0.x1y2z.mongodb.net/prod'
            ),
            True,
        ),
        (
            "db_url_mongodb_srv",
            "compose env",
            lambda u, h, p: (
                f"$ docker compose config | grep MONGO\n      MONGO_URL: mongodb+srv://{u}:{p}@cluster0.x1y2z.mongodb.net/app"
            ),
            True,
        ),
        (
            "db_url_redis",
            "redis URL",
            lambda u, h, p: (
                f"$ redis-cli -u redis://default:{p}@redis-12345.c1.us-east-1-2.ec2.cloud.redislabs.com:12345 PING\nPONG"
            ),
            True,
        ),
        (
            "db_url_redis",
            "rediss URL env",
            lambda u, h, p: (
                f"$ env | grep -i redis\nREDIS_URL=rediss://:{p}@cache.prod.internal:6380/0"
            ),
            True,
        ),
        (
            "db_url_amqp",
            "amqp URL",
            lambda u, h, p: (
                f"$ celery -A acme inspect ping -b amqp://{u}:{p}@rabbitmq.prod.internal:5672/acme\n->  celery@worker-1: OK\n        pong"
            ),
            True,
        ),
        (
            "db_url_amqp",
            "CloudAMQP env",
            lambda u, h, p: f"CLOUDAMQP_URL=amqps://{u}:{p}@rattlesnake.rmq.cloudamqp.com/{u}",
            True,
        ),
        (
            "basic_auth_url",
            "curl https://user:pass@",
            lambda u, h, p: (
                f"$ curl -sf https://{u}:{p}@nexus.acme-corp.io/repository/raw-private/tools/build.tar.gz -o build.tar.gz"
            ),
            True,
        ),
        (
            "basic_auth_url",
            "pip extra-index-url",
            lambda u, h, p: (
                f"$ pip install --extra-index-url https://{u}:{p}@pypi.acme-corp.io/simple/ acme-sdk==4.1.0\nLooking in indexes: https://pypi.org/simple, https://{u}:****@pypi.acme-corp.io/simple/"
            ),
            True,
        ),
        (
            "basic_auth_url",
            "git remote -v",
            lambda u, h, p: (
                f"$ git remote -v\norigin\thttps://{u}:{p}@git.acme-corp.io/platform/api.git (fetch)\norigin\thttps://{u}:{p}@git.acme-corp.io/platform/api.git (push)"
            ),
            True,
        ),
        (
            "netrc_password",
            "~/.netrc",
            lambda u, h, p: (
                f"$ cat ~/.netrc\nmachine artifactory.acme-corp.io\nlogin {u}\npassword {p}"
            ),
            False,
        ),
        (
            "generic_password_flag",
            "--password",
            lambda u, h, p: f"$ ./bin/provision --host {h} --user {u} --password '{p}' --yes",
            False,
        ),
        (
            "generic_password_flag",
            "docker login -p",
            lambda u, h, p: (
                f"$ docker login registry.acme-corp.io -u {u} -p '{p}'\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded"
            ),
            False,
        ),
        (
            "generic_password_assign",
            "password= in ini",
            lambda u, h, p: (
                f"$ cat /etc/acme/worker.ini\n[db]\nhost = {h}\nuser = {u}\npassword = {p}\n\n[queue]\nurl = amqp://rabbitmq:5672"
            ),
            False,
        ),
        (
            "generic_password_assign",
            "yaml password",
            lambda u, h, p: (
                f'$ cat config/database.yml\nproduction:\n  adapter: postgresql\n  host: {h}\n  username: {u}\n  password: "{p}"\n  pool: 10'
            ),
            False,
        ),
        (
            "generic_password_assign",
            "kubectl --from-literal password",
            lambda u, h, p: (
                f"$ kubectl create secret generic db-creds --from-literal=username={u} --from-literal=password='{p}'\nsecret/db-creds created"
            ),
            False,
        ),
        (
            "generic_secret_assign",
            "secret= query/form",
            lambda u, h, p: (
                f"$ curl -s -X POST https://login.acme-corp.io/oauth/token -d client_id=reporting -d client_secret={p} -d grant_type=client_credentials"
            ),
            True,
        ),
        (
            "generic_token_flag",
            "--token",
            lambda u, h, p: f"$ acmectl deploy --cluster prod-eu --token {p}",
            True,
        ),
        (
            "snowflake_password",
            "snowflake connection URL",
            lambda u, h, p: (
                f"$ python -c 'import sqlalchemy as s; s.create_engine(\"snowflake://{u}:{p}@acme-xy12345/ANALYTICS/PUBLIC?warehouse=WH_XS\").connect()'"
            ),
            True,
        ),
        (
            "snowflake_password",
            "SNOWSQL_PWD",
            lambda u, h, p: (
                f"$ SNOWSQL_PWD='{p}' snowsql -a acme-xy12345 -u {u.upper()} -q 'select current_version()'"
            ),
            False,
        ),
    ]


def bearer_opaque() -> str:
    return rs(URLSAFE, R.choice([32, 40, 48, 64]))


# ---------------------------------------------------------------- private keys


def _lines(s: str, n: int = 64) -> list[str]:
    return [s[i : i + n] for i in range(0, len(s), n)]


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(body)) + body


def _int(nbytes: int) -> bytes:
    v = bytearray(R.randbytes(nbytes))
    v[0] |= 0x80
    return _der(0x02, b"\x00" + bytes(v))


def rsa_pkcs1_body() -> str:
    parts = _der(0x02, b"\x00") + _int(256) + _der(0x02, b"\x01\x00\x01") + _int(256)
    parts += _int(128) + _int(128) + _int(128) + _int(128) + _int(128)
    return b64(_der(0x30, parts))


def pkcs8_body() -> str:
    alg = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    inner = base64.b64decode(rsa_pkcs1_body())
    return b64(_der(0x30, _der(0x02, b"\x00") + alg + _der(0x04, inner)))


def ec_body() -> str:
    body = _der(0x02, b"\x01") + _der(0x04, R.randbytes(32))
    body += bytes([0xA0]) + _der_len(10) + _der(0x06, bytes.fromhex("2a8648ce3d030107"))
    body += bytes([0xA1]) + _der_len(68) + _der(0x03, b"\x00\x04" + R.randbytes(64))
    return b64(_der(0x30, body))


def openssh_ed25519_body(comment: str) -> str:
    def sstr(b: bytes) -> bytes:
        return struct.pack(">I", len(b)) + b

    pub = R.randbytes(32)
    pubblob = sstr(b"ssh-ed25519") + sstr(pub)
    chk = R.randbytes(4)
    priv = (
        chk
        + chk
        + sstr(b"ssh-ed25519")
        + sstr(pub)
        + sstr(R.randbytes(32) + pub)
        + sstr(comment.encode())
    )
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    blob = b"openssh-key-v1\x00" + sstr(b"none") + sstr(b"none") + sstr(b"") + struct.pack(">I", 1)
    blob += sstr(pubblob) + sstr(priv)
    return b64(blob)


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_block() -> tuple[str, str]:
    """(armored block, body incl. checksum line)."""
    raw = (
        b"\x95\x03\xc6\x04"
        + struct.pack(">I", 1700000000 + R.randrange(10**7))
        + b"\x01\x08\x00"
        + R.randbytes(900)
    )
    body = "\n".join(_lines(b64(raw)))
    cs = "=" + b64(crc24(raw).to_bytes(3, "big"))
    armored = f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{body}\n{cs}\n-----END PGP PRIVATE KEY BLOCK-----"
    return armored, f"{body}\n{cs}"


def pem(label: str, body_b64: str) -> tuple[str, str]:
    body = "\n".join(_lines(body_b64, 70 if label == "OPENSSH PRIVATE KEY" else 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----", body


def private_key_cases() -> list[Case]:
    cases: list[Case] = []

    def add(fmt: str, src: str, text: str, secret: str) -> None:
        cases.append({"text": text, "secret": secret, "format": fmt, "source": src})

    for ctx in range(3):
        block, body = pem("RSA PRIVATE KEY", rsa_pkcs1_body())
        t = [
            f"$ cat deploy/id_rsa\n{block}",
            f"$ git log -p -1 -- certs/\ncommit {rs(HEX, 40)}\nAuthor: ci <ci@acme-corp.io>\n\n    add signing key\n\ndiff --git a/certs/signing.pem b/certs/signing.pem\nnew file mode 100644\n--- /dev/null\n+++ b/certs/signing.pem\n@@ -0,0 +1,27 @@\n"
            + "\n".join("+" + ln for ln in block.split("\n")),
            f"$ terraform output -raw tls_private_key\n{block}",
        ][ctx]
        if ctx == 1:
            body_lines = body.split("\n")
            add(
                "private_key_rsa",
                "git log -p of PEM (each line + prefixed; label one body line)",
                t,
                body_lines[5],
            )
        else:
            add("private_key_rsa", "PKCS#1 RFC 8017 DER in PEM", t, body)
    for ctx in range(3):
        block, body = pem("PRIVATE KEY", pkcs8_body())
        if ctx == 0:
            add(
                "private_key_pkcs8",
                "openssl genpkey output",
                f"$ openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null\n{block}",
                body,
            )
        elif ctx == 1:
            esc = body.replace("\n", "\\n")
            email = f"deployer@acme-prod-{rs(LOWNUM, 6)}.iam.gserviceaccount.com"
            sa = (
                "{\n"
                '  "type": "service_account",\n'
                '  "project_id": "acme-prod",\n'
                f'  "private_key_id": "{rs(HEX, 40)}",\n'
                f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{esc}\\n-----END PRIVATE KEY-----\\n",\n'
                f'  "client_email": "{email}",\n'
                f'  "client_id": "{rs(string.digits, 21)}",\n'
                '  "auth_uri": "https://accounts.google.com/o/oauth2/auth",\n'
                '  "token_uri": "https://oauth2.googleapis.com/token"\n}'
            )
            add(
                "gcp_service_account_key",
                "GCP service account JSON key file (private_key)",
                f"$ cat ~/Downloads/acme-prod-{rs(HEX, 12)}.json\n{sa}",
                esc,
            )
        else:
            esc = body.replace("\n", "\\n")
            add(
                "private_key_pkcs8",
                "env var with \\n-escaped PEM",
                f'$ grep PRIVATE_KEY .env\nGITHUB_APP_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\n{esc}\\n-----END PRIVATE KEY-----"',
                esc,
            )
    for ctx in range(2):
        block, body = pem("EC PRIVATE KEY", ec_body())
        t = [
            f"$ openssl ecparam -name prime256v1 -genkey -noout\n{block}",
            f"$ kubectl get secret api-tls -o jsonpath='{{.data.tls\\.key}}' | base64 -d\n{block}",
        ][ctx]
        add("private_key_ec", "SEC1 RFC 5915 EC key", t, body)
    for ctx in range(3):
        comment = R.choice(["dkim@laptop", "deploy@ci", "root@bastion"])
        block, body = pem("OPENSSH PRIVATE KEY", openssh_ed25519_body(comment))
        t = [
            f"$ cat ~/.ssh/id_ed25519\n{block}",
            f"$ ssh-keygen -t ed25519 -N '' -f /tmp/k -q && cat /tmp/k\n{block}",
            "$ docker compose config\nsecrets:\n  deploy_key:\n    content: |\n"
            + "\n".join("      " + ln for ln in block.split("\n")),
        ][ctx]
        add(
            "private_key_openssh",
            "openssh PROTOCOL.key format",
            t,
            body if ctx < 2 else body.split("\n")[2],
        )
    for ctx in range(2):
        armored, body = pgp_block()
        t = [
            f"$ gpg --armor --export-secret-keys releases@acme-corp.io\n{armored}",
            f"$ cat signing-key.asc\n{armored}",
        ][ctx]
        add("private_key_pgp", "RFC 4880 armored secret key (CRC24)", t, body)
    return cases


# ---------------------------------------------------------------- structured / encoded positives


def structured_cases() -> list[Case]:
    cases: list[Case] = []

    def add(fmt: str, src: str, text: str, secret: str) -> None:
        cases.append({"text": text, "secret": secret, "format": fmt, "source": src})

    # kubectl get secret -o yaml: values are base64 of the secret
    for gen, key in [
        (gh("ghp_"), "GITHUB_TOKEN"),
        (lambda: password(), "DB_PASSWORD"),
        (lambda: "sk_live_" + rs(ALNUM, 99), "STRIPE_SECRET_KEY"),
        (lambda: rs(HEX, 32), "DD_API_KEY"),
        (lambda: f"postgres://app:{password(True)}@db:5432/app", "DATABASE_URL"),
    ]:
        raw = gen()
        enc = b64(raw.encode())
        t = (
            "$ kubectl get secret api-env -n prod -o yaml\napiVersion: v1\ndata:\n"
            f'  {key}: {enc}\n  LOG_LEVEL: aW5mbw==\nkind: Secret\nmetadata:\n  creationTimestamp: "{ts()}"\n'
            f'  name: api-env\n  namespace: prod\n  resourceVersion: "{R.randint(10**6, 10**8)}"\n  uid: {uuid4()}\ntype: Opaque'
        )
        add("k8s_secret_data_b64", "kubectl get secret -o yaml (data is base64)", t, enc)
    # kubectl get secret -o json
    for _ in range(2):
        enc = b64(password().encode())
        t = f'$ kubectl get secret db-creds -o json | jq .data\n{{\n  "password": "{enc}",\n  "username": "{b64(b"app_rw")}"\n}}'
        add("k8s_secret_data_b64", "kubectl get secret -o json", t, enc)
    # ~/.docker/config.json
    for reg, user in [
        ("https://index.docker.io/v1/", "acmebuild"),
        ("ghcr.io", "dkim"),
        ("registry.gitlab.com", "gitlab+deploy-token-1841"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com", "AWS"),
    ]:
        pw = {"ghcr.io": gh("ghp_")(), "registry.gitlab.com": "gldt-" + rs(URLSAFE, 20)}.get(
            reg, password()
        )
        if user == "AWS":
            pw = "eyJwYXlsb2FkIjoi" + rs(B64, 600)
        enc = b64(f"{user}:{pw}".encode())
        t = f'$ cat ~/.docker/config.json\n{{\n\t"auths": {{\n\t\t"{reg}": {{\n\t\t\t"auth": "{enc}"\n\t\t}}\n\t}},\n\t"credsStore": ""\n}}'
        add(
            "docker_config_auth_b64",
            "~/.docker/config.json auths.*.auth = base64(user:pass)",
            t,
            enc,
        )
    # HTTP basic auth headers
    for tpl in [
        '$ curl -v https://nexus.acme-corp.io/service/rest/v1/repositories -H "Authorization: Basic {b}"',
        "> GET /api/v2/builds HTTP/1.1\n> Host: ci.acme-corp.io\n> Authorization: Basic {b}\n> User-Agent: curl/8.5.0\n> Accept: */*\n>\n< HTTP/1.1 200 OK",
        "$ git config --get-regexp http\nhttp.https://github.com/.extraheader AUTHORIZATION: basic {b}",
        "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://jira.acme-corp.io/rest/api/2/issue\nrequest headers: {{'User-Agent': 'python-requests/2.31.0', 'Accept': '*/*', 'Authorization': 'Basic {b}'}}",
    ]:
        cred = (
            f"{R.choice(USERS)}:{password()}"
            if "github" not in tpl
            else f"x-access-token:{gh('ghs_')()}"
        )
        enc = b64(cred.encode())
        add("http_basic_auth_header", "RFC 7617 Authorization: Basic", tpl.format(b=enc), enc)
    # opaque bearer tokens
    for tpl in [
        '$ curl -s https://api.partner-logistics.com/v1/shipments -H "Authorization: Bearer {t}" | jq length',
        '< HTTP/1.1 200 OK\n< content-type: application/json\n{{"access_token":"{t}","token_type":"bearer","expires_in":7200,"scope":"read write"}}',
        "$ http GET https://api.acme-corp.io/v3/reports 'Authorization:Bearer {t}'",
    ]:
        tok = bearer_opaque()
        add("bearer_opaque_token", "RFC 6750 bearer token", tpl.format(t=tok), tok)
    # webhooks: the whole URL is the credential
    for _ in range(3):
        tok = rs(ALNUM, 24)
        url = f"https://hooks.slack.com/services/T{rs(UPNUM, 8)}/B{rs(UPNUM, 10)}/{tok}"
        t = R.choice(
            [
                f"$ curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy finished\"}}' {url}\nok",
                f"$ cat .env | grep SLACK\nSLACK_WEBHOOK_URL={url}",
                f"$ gh secret set SLACK_WEBHOOK --body '{url}'\n✓ Set Actions secret SLACK_WEBHOOK for acme/api",
            ]
        )
        add(
            "slack_webhook_url",
            "Slack incoming webhooks (GitHub secret scanning slack_incoming_webhook_url); label = secret path token",
            t,
            tok,
        )
    for _ in range(3):
        tok = rs(URLSAFE, 68)
        url = f"https://discord.com/api/webhooks/{R.randrange(10**17, 13 * 10**17)}/{tok}"
        t = R.choice(
            [
                f"$ curl -H 'Content-Type: application/json' -d '{{\"content\":\"build #412 failed\"}}' {url}",
                f"$ docker run -e DISCORD_WEBHOOK_URL={url} acme/notifier:1.2",
                f'>>> requests.post("{url}", json={{"content": "hello"}})\n<Response [204]>',
            ]
        )
        add(
            "discord_webhook_url",
            "Discord webhook URL /webhooks/<id>/<token>; label = token",
            t,
            tok,
        )
    for _ in range(2):
        tok = rs(HEX, 32)
        url = f"https://acmecorp.webhook.office.com/webhookb2/{uuid4()}@{uuid4()}/IncomingWebhook/{tok}/{uuid4()}"
        t = f"$ curl -H 'Content-Type: application/json' -d '{{\"text\": \"nightly ok\"}}' '{url}'"
        add(
            "teams_webhook_url",
            "Microsoft Teams incoming webhook (gitleaks microsoft-teams-webhook); label = 32-hex key segment",
            t,
            tok,
        )
    # Azure SAS token signature
    for _ in range(3):
        sig = azure_sas_sig()
        qs = f"sv=2022-11-02&ss=b&srt=sco&sp=rwdlacupiytfx&se=2025-05-01T00:00:00Z&st=2024-04-30T08:00:00Z&spr=https&sig={sig}"
        t = R.choice(
            [
                f"$ azcopy copy './dist/*' 'https://acmeprodsa.blob.core.windows.net/web?{qs}' --recursive",
                f"$ az storage container generate-sas --account-name acmeprodsa -n backups --permissions rwl --expiry 2025-05-01 -o tsv\n{qs}",
                f"$ curl -X PUT -H 'x-ms-blob-type: BlockBlob' --data-binary @db.sql.gz 'https://acmeprodsa.blob.core.windows.net/backups/db.sql.gz?{qs}'",
            ]
        )
        add("azure_sas_token", "Azure Storage SAS (sig= is the HMAC credential)", t, sig)
    # Azure Service Bus / Event Hubs connection string
    for ns in ["acme-prod-bus", "acme-events"]:
        k = azure_sb_key()
        kind = "servicebus"
        t = f"$ az servicebus namespace authorization-rule keys list -g rg-prod --namespace-name {ns} -n RootManageSharedAccessKey --query primaryConnectionString -o tsv\nEndpoint=sb://{ns}.{kind}.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={k}"
        add("azure_sb_connection_string", "Azure Service Bus/Event Hubs SharedAccessKey", t, k)
    # Azure Cosmos DB key in connection string
    k = azure_storage_key()
    add(
        "azure_cosmos_key",
        "Azure Cosmos DB account key (88 b64)",
        f'$ cat appsettings.Production.json | jq .CosmosDb\n{{\n  "ConnectionString": "AccountEndpoint=https://acme-prod.documents.azure.com:443/;AccountKey={k};"\n}}',
        k,
    )
    # Sentry legacy DSN with secret
    for _ in range(2):
        pub, sec = rs(HEX, 32), rs(HEX, 32)
        t = f"$ grep -r SENTRY_DSN config/\nconfig/prod.env:SENTRY_DSN=https://{pub}:{sec}@o{R.randrange(10**5, 10**6)}.ingest.sentry.io/{R.randrange(10**6, 10**7)}"
        add("sentry_legacy_dsn_secret", "Sentry legacy private DSN public:secret@", t, sec)
    # AWS session token in credential_process / sts output
    for _ in range(2):
        sk = aws_secret()
        t = (
            "$ aws sts assume-role --role-arn arn:aws:iam::123456789012:role/deploy --role-session-name ci\n{\n"
            '    "Credentials": {\n'
            f'        "AccessKeyId": "ASIA{rs(B32, 16)}",\n'
            f'        "SecretAccessKey": "{sk}",\n'
            f'        "SessionToken": "IQoJb3JpZ2luX2VjE{rs(B64, 300)}",\n'
            f'        "Expiration": "{ts()}"\n    }}\n}}'
        )
        add("aws_secret_access_key", "aws sts assume-role JSON", t, sk)
    return cases


# ---------------------------------------------------------------- negatives


def c_dotenv_example(var: str, v: str) -> str:
    return (
        "$ cat .env.example\n# copy to .env and fill in\nAPP_ENV=development\nAPP_URL=http://localhost:3000\n"
        f"{var}={v}\nREDIS_URL=redis://localhost:6379/0"
    )


def c_readme_snippet(var: str, v: str) -> str:
    return (
        "$ sed -n '20,30p' README.md\n## Configuration\n\nSet the following before running:\n\n```bash\n"
        f"export {var}={v}\n```\n\nThen run `make dev`."
    )


def c_gha_masked(var: str, v: str) -> str:
    t = ts_seq(7)
    return (
        f"{t[0]} ##[group]Run ./ci/publish.sh\n{t[1]} ./ci/publish.sh\n{t[2]} shell: /usr/bin/bash -e {{0}}\n"
        f"{t[3]} env:\n{t[4]}   {var}: ***\n{t[5]}   REGISTRY: ghcr.io\n{t[6]} ##[endgroup]"
    )


def c_workflow_yaml(var: str, v: str) -> str:
    return (
        "$ cat .github/workflows/deploy.yml\nname: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n"
        f"    runs-on: ubuntu-latest\n    env:\n      {var}: {v}\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./ci/deploy.sh"
    )


def c_workflow_run(var: str, v: str) -> str:
    return (
        "$ sed -n '18,26p' .github/workflows/release.yml\n      - name: publish\n        run: |\n"
        f"          docker run --rm -e {var}={v} ghcr.io/acme/release-tool:3 publish\n"
        "      - name: notify\n        run: ./ci/notify.sh"
    )


def c_windows(var: str, v: str) -> str:
    if v.startswith("$env:"):
        return f"PS C:\\src\\api> docker run --rm -e {var}={v} acme/cli:2 sync\nsync complete: 41 records"
    return f'C:\\src\\api> curl -s -H "Authorization: Bearer {v}" https://api.acme-corp.io/v2/health\n{{"status":"ok"}}'


VAR_REFS = [
    "$TOKEN",
    "${{API_KEY}}",
    "$SECRET",
    "${{{{ secrets.{var} }}}}",
    "${{{{ secrets.PROD_{var} }}}}",
    "$(cat /run/secrets/{low})",
    "$(vault kv get -field=value secret/ci/{low})",
    "$(op read op://Prod/{low}/credential)",
    "$(aws secretsmanager get-secret-value --secret-id prod/{low} --query SecretString --output text)",
    "$(gcloud secrets versions access latest --secret={low})",
    "${{{var}:?must be set}}",
    "${{{var}}}",
    "%{var}%",
    "$env:{var}",
]

LITERAL_PLACEHOLDERS = [
    "<your-token>",
    "<{var}>",
    "<INSERT_KEY_HERE>",
    "your-api-key-here",
    "your_{low}_here",
    "xxx",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "XXXXXXXXXXXXXXXXXXXX",
    "...",
    "REPLACE_ME",
    "changeme",
    "CHANGE_ME_IN_PROD",
    "TODO",
    "dummy",
    "test",
    "''",
    '""',
    "null",
    "{{{{ .Values.{low} }}}}",
    "{{{{ {low} }}}}",
]

PREFIX_PLACEHOLDERS = [
    ("GITHUB_TOKEN", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    (
        "GH_PAT",
        "github_pat_XXXXXXXXXXXXXXXXXXXXXX_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    ("GITLAB_TOKEN", "glpat-xxxxxxxxxxxxxxxxxxxx"),
    ("OPENAI_API_KEY", "sk-proj-..."),
    ("OPENAI_API_KEY", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("ANTHROPIC_API_KEY", "sk-ant-api03-..."),
    ("ANTHROPIC_API_KEY", "sk-ant-xxxxx"),
    ("STRIPE_SECRET_KEY", "sk_live_..."),
    ("STRIPE_SECRET_KEY", "sk_live_XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("STRIPE_WEBHOOK_SECRET", "whsec_..."),
    ("AWS_ACCESS_KEY_ID", "AKIAXXXXXXXXXXXXXXXX"),
    ("AWS_SECRET_ACCESS_KEY", "<aws-secret-access-key>"),
    ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"),
    ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/XXX/YYY/ZZZ"),
    ("HF_TOKEN", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("NPM_TOKEN", "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
    ("DOCKERHUB_TOKEN", "dckr_pat_<token>"),
    ("VAULT_TOKEN", "hvs.XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("SENTRY_AUTH_TOKEN", "sntrys_YOUR_TOKEN_HERE"),
    ("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_<your token>"),
    ("SUPABASE_SECRET_KEY", "sb_secret_..."),
    ("GROQ_API_KEY", "gsk_..."),
    ("DATABASE_URL", "postgres://USER:PASSWORD@HOST:5432/DBNAME"),
    ("DATABASE_URL", "postgresql://<user>:<password>@<host>:5432/<db>"),
    (
        "MONGODB_URI",
        "mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/?retryWrites=true&w=majority",
    ),
    ("REDIS_URL", "redis://:${REDIS_PASSWORD}@redis:6379/0"),
]


def neg_cases() -> list[tuple[str, str, str]]:
    """(family, source, text)."""
    out: list[tuple[str, str, str]] = []

    def add(fam: str, src: str, text: str) -> None:
        out.append((f"neg:{fam}", src, text))

    names = [v[0] for v in VENDORS.values()]

    # --- variable references in the same contexts
    ref_ctx = [
        c_export,
        c_export_quoted,
        c_docker_run,
        c_kubectl_literal,
        c_gh_secret,
        c_heroku,
        c_workflow_yaml,
        c_readme_snippet,
    ]
    for ref in VAR_REFS:
        for _ in range(3):
            var = R.choice(names)
            val = ref.format(var=var, low=var.lower().replace("_", "-"))
            if "secrets." in val:
                ctx = R.choice([c_workflow_yaml, c_workflow_run])
            elif val.startswith(("$env:", "%")):
                ctx = c_windows
            else:
                ctx = R.choice([c for c in ref_ctx if c is not c_workflow_yaml])
            add("var_reference", ctx.__name__[2:], ctx(var, val))
    # --- literal placeholders in example/config files
    lit_ctx = [c_dotenv_example, c_readme_snippet, c_yaml_cat, c_tfvars, c_export, c_compose_config]
    for ph in LITERAL_PLACEHOLDERS:
        for _ in range(2):
            var = R.choice(names)
            val = ph.format(var=var, low=var.lower())
            ctx = R.choice(lit_ctx)
            add("placeholder", ctx.__name__[2:], ctx(var, val))
    for var, val in PREFIX_PLACEHOLDERS:
        ctx = R.choice([c_dotenv_example, c_readme_snippet, c_export])
        add("prefix_placeholder", ctx.__name__[2:], ctx(var, val))
    # --- GitHub Actions masking
    for _ in range(6):
        var = R.choice(names)
        add("masked", "GitHub Actions log masking ***", c_gha_masked(var, ""))

    # --- the same specific commands with variables / placeholders
    cmds = [
        (
            'curl -H "Authorization: Bearer $TOKEN"',
            '$ curl -sS -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/repos/acme/api/pulls?state=open | jq length\n7',
        ),
        (
            "curl -H with ${VAR}",
            '$ curl https://api.openai.com/v1/models -H "Authorization: Bearer ${OPENAI_API_KEY}"',
        ),
        (
            "curl x-api-key var",
            '$ curl https://api.anthropic.com/v1/messages -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -d @req.json',
        ),
        (
            "curl -u var",
            '$ curl -u "$JIRA_USER:$JIRA_API_TOKEN" https://acme.atlassian.net/rest/api/3/myself',
        ),
        (
            "curl -u stripe var",
            '$ curl https://api.stripe.com/v1/charges -u "${STRIPE_SECRET_KEY}:"',
        ),
        (
            "git remote add var",
            "$ git remote add origin https://x-access-token:${GITHUB_TOKEN}@github.com/acme/api.git",
        ),
        (
            "git remote add placeholder",
            "$ git remote add origin https://<username>:<token>@github.com/acme/api.git",
        ),
        ("npm config set var", "$ npm config set //registry.npmjs.org/:_authToken=${NPM_TOKEN}"),
        (
            ".npmrc var",
            "$ cat .npmrc\n@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}\nalways-auth=true",
        ),
        (
            "pip index-url var",
            '$ pip install --index-url "https://__token__:${PYPI_TOKEN}@pypi.acme-corp.io/simple" acme-sdk',
        ),
        (
            ".pypirc var",
            "$ cat ~/.pypirc\n[pypi]\nusername = __token__\npassword = <your PyPI token>",
        ),
        (
            "psql var",
            '$ psql "postgresql://app:${PGPASSWORD}@db.prod.internal:5432/acme" -c "select 1"',
        ),
        (
            "psql no password",
            '$ psql "postgresql://app@db.prod.internal:5432/acme?sslmode=require"\npsql (16.2)\nSSL connection (protocol: TLSv1.3)',
        ),
        (
            "docker login stdin",
            '$ echo "$CR_PAT" | docker login ghcr.io -u dkim --password-stdin\nLogin Succeeded',
        ),
        (
            "docker run -e passthrough",
            "$ docker run --rm -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN amazon/aws-cli sts get-caller-identity",
        ),
        (
            "docker run --env-file",
            "$ docker run --env-file .env.production -p 8080:8080 acme/api:2.3.1",
        ),
        (
            "kubectl from-file",
            "$ kubectl create secret generic api-env --from-env-file=.env.production -n prod\nsecret/api-env created",
        ),
        (
            "kubectl from-literal var",
            '$ kubectl create secret generic stripe --from-literal=STRIPE_SECRET_KEY="$STRIPE_SECRET_KEY" -n prod',
        ),
        (
            "gh secret set from file",
            "$ gh secret set GCP_SA_KEY < sa.json\n✓ Set Actions secret GCP_SA_KEY for acme/infra",
        ),
        (
            "gh secret set stdin",
            "$ op read op://CI/npm/token | gh secret set NPM_TOKEN\n✓ Set Actions secret NPM_TOKEN for acme/web",
        ),
        (
            "heroku config:set var",
            "$ heroku config:set SENDGRID_API_KEY=$(op read op://Prod/sendgrid/credential) -a acme-api-prod",
        ),
        (
            "aws configure set var",
            '$ aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY" --profile ci',
        ),
        (
            "vault login stdin",
            "$ vault login -method=oidc role=dev\nComplete the login via your OIDC provider. Launching browser to:\n\n    https://login.acme-corp.io/oauth2/v1/authorize?client_id=0oa1b2c3d4&nonce=n-0S6_WzA2Mj&state=af0ifjsldkj",
        ),
        (
            "terraform var ref",
            '$ cat main.tf | sed -n 1,12p\nprovider "cloudflare" {\n  api_token = var.cloudflare_api_token\n}\n\nprovider "datadog" {\n  api_key = var.datadog_api_key\n  app_key = var.datadog_app_key\n}',
        ),
        (
            "tfvars sensitive ref",
            '$ cat prod.auto.tfvars\ndb_password = null # set via TF_VAR_db_password\nregion      = "eu-west-1"',
        ),
        (
            "twine env",
            '$ TWINE_USERNAME=__token__ TWINE_PASSWORD="$PYPI_API_TOKEN" twine upload dist/*',
        ),
        (
            "slack curl var",
            '$ curl -X POST -H \'Content-type: application/json\' --data \'{"text":"done"}\' "$SLACK_WEBHOOK_URL"',
        ),
        (
            "netrc var",
            "$ printf 'machine github.com\\nlogin x-access-token\\npassword %s\\n' \"$GH_TOKEN\" > ~/.netrc",
        ),
        (
            "docker config credsStore",
            '$ cat ~/.docker/config.json\n{\n\t"auths": {\n\t\t"https://index.docker.io/v1/": {},\n\t\t"ghcr.io": {}\n\t},\n\t"credsStore": "desktop"\n}',
        ),
        (
            "env grep names only",
            "$ env | cut -d= -f1 | grep -E 'TOKEN|KEY|SECRET'\nGITHUB_TOKEN\nNPM_TOKEN\nAWS_SECRET_ACCESS_KEY\nSTRIPE_SECRET_KEY",
        ),
        (
            "ssh-agent",
            '$ eval "$(ssh-agent -s)" && ssh-add ~/.ssh/id_ed25519\nAgent pid 48213\nIdentity added: /home/dkim/.ssh/id_ed25519 (dkim@laptop)',
        ),
        (
            "openssl genpkey to file",
            "$ openssl genpkey -algorithm ed25519 -out signing.key && chmod 600 signing.key && ls -l signing.key\n-rw------- 1 dkim dkim 119 Apr 30 16:02 signing.key",
        ),
    ]
    for src, t in cmds:
        add("cmd_with_reference", src, t)

    # --- vendor documentation example values
    docs = [
        (
            "AWS docs example key pair",
            "$ cat ~/.aws/credentials\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            "AWS docs aws configure",
            "$ aws configure\nAWS Access Key ID [None]: AKIAIOSFODNN7EXAMPLE\nAWS Secret Access Key [None]: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nDefault region name [None]: us-west-2\nDefault output format [None]: json",
        ),
        (
            "jwt.io default example",
            '$ echo eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c | cut -d. -f2 | base64 -d\n{"sub":"1234567890","name":"John Doe","iat":1516239022}',
        ),
        (
            "Azurite well-known dev account key",
            "$ cat local.settings.json | jq -r .Values.AzureWebJobsStorage\nDefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        ),
        (
            "Sentry docs DSN placeholder",
            '$ grep -n dsn sentry.client.config.ts\n4:  dsn: "https://examplePublicKey@o0.ingest.sentry.io/0",',
        ),
        (
            "Slack docs fake token",
            "$ grep -rn SLACK_BOT_TOKEN docs/\ndocs/setup.md:14:export SLACK_BOT_TOKEN=xoxb-not-a-real-token-this-will-not-work",
        ),
        (
            "Twilio docs placeholders",
            "$ grep -n TWILIO .env.example\n3:TWILIO_ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n4:TWILIO_AUTH_TOKEN=your_auth_token",
        ),
        (
            "libpq docs URI example",
            "$ man libpq | grep -n 'postgresql://'\n       postgresql://\n       postgresql://localhost\n       postgresql://user@localhost\n       postgresql://user:secret@localhost\n       postgresql://other@localhost/otherdb?connect_timeout=10&application_name=myapp",
        ),
        (
            "Supabase local dev default",
            "$ supabase start\nStarted supabase local development setup.\n\n         API URL: http://127.0.0.1:54321\n          DB URL: postgresql://postgres:postgres@127.0.0.1:54322/postgres\n      Studio URL: http://127.0.0.1:54323",
        ),
        (
            "docker hub postgres image docs",
            "$ docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d postgres",
        ),
        (
            "RFC 7617 example",
            "$ grep -n Basic rfc7617.txt\n196:   Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        ),
        (
            "Stripe docs test key",
            "$ curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: -d amount=2000 -d currency=usd -d source=tok_visa",
        ),
        (
            "MinIO default creds",
            "$ docker run -p 9000:9000 -e MINIO_ROOT_USER=minioadmin -e MINIO_ROOT_PASSWORD=minioadmin quay.io/minio/minio server /data",
        ),
        (
            "Heroku docs Authorization example",
            "Authentication: HTTP basic authentication ... for example `Authorization: Basic 0123456789ABCDEF=`.",
        ),
    ]
    for src, t in docs:
        add("doc_example", src, t)

    # --- ids and hashes
    def sha() -> str:
        return rs(HEX, 40)

    ids = [
        (
            "git log --oneline",
            "$ git log --oneline -5\n"
            + "\n".join(
                f"{rs(HEX, 7)} {m}"
                for m in [
                    "fix(api): handle 429 from partner",
                    "chore(deps): bump axios to 1.6.8",
                    "feat: add token refresh",
                    "docs: rotate-secrets runbook",
                    "ci: cache pip",
                ]
            ),
        ),
        (
            "git log full sha",
            f"$ git log -1 --format='%H %an %s'\n{sha()} Dana Kim rotate stripe key (no secrets in repo)",
        ),
        ("git rev-parse", f"$ git rev-parse HEAD origin/main\n{sha()}\n{sha()}"),
        (
            "git ls-remote",
            "$ git ls-remote origin\n"
            + "\n".join(
                f"{sha()}\trefs/heads/{b}" for b in ["main", "release/2.3", "feat/token-refresh"]
            ),
        ),
        (
            "docker images --digests",
            "$ docker images --digests acme/api\nREPOSITORY   TAG     DIGEST                                                                    IMAGE ID       CREATED\nacme/api     2.3.1   sha256:"
            + rs(HEX, 64)
            + "   "
            + rs(HEX, 12)
            + "   2 days ago",
        ),
        (
            "docker pull",
            f"$ docker pull python:3.12-slim\n3.12-slim: Pulling from library/python\n{rs(HEX, 12)}: Pull complete\n{rs(HEX, 12)}: Pull complete\nDigest: sha256:{rs(HEX, 64)}\nStatus: Downloaded newer image for python:3.12-slim",
        ),
        (
            "package-lock integrity",
            '$ grep -A3 \'"node_modules/axios"\' package-lock.json\n    "node_modules/axios": {\n      "version": "1.6.8",\n      "resolved": "https://registry.npmjs.org/axios/-/axios-1.6.8.tgz",\n      "integrity": "sha512-'
            + b64(R.randbytes(64))
            + '",',
        ),
        (
            "pip --hash",
            f"$ grep -A2 '^requests' requirements.txt\nrequests==2.31.0 \\\n    --hash=sha256:{rs(HEX, 64)} \\\n    --hash=sha256:{rs(HEX, 64)}",
        ),
        (
            "go.sum",
            f"$ grep golang.org/x/crypto go.sum\ngolang.org/x/crypto v0.22.0 h1:{b64(R.randbytes(32))}\ngolang.org/x/crypto v0.22.0/go.mod h1:{b64(R.randbytes(32))}",
        ),
        (
            "terraform lock",
            f'$ sed -n 1,9p .terraform.lock.hcl\nprovider "registry.terraform.io/hashicorp/aws" {{\n  version     = "5.47.0"\n  constraints = "~> 5.0"\n  hashes = [\n    "h1:{b64(R.randbytes(32))}",\n    "zh:{rs(HEX, 64)}",\n    "zh:{rs(HEX, 64)}",\n  ]\n}}',
        ),
        (
            "Cargo.lock checksum",
            f'$ grep -A4 \'name = "serde"\' Cargo.lock\nname = "serde"\nversion = "1.0.200"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{rs(HEX, 64)}"',
        ),
        (
            "yarn.lock",
            f'$ grep -A4 \'^lodash@\' yarn.lock\nlodash@^4.17.21:\n  version "4.17.21"\n  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#{sha()}"\n  integrity sha512-{b64(R.randbytes(64))}',
        ),
        (
            "sha256sum",
            f"$ sha256sum dist/*\n{rs(HEX, 64)}  dist/acme-2.3.1-py3-none-any.whl\n{rs(HEX, 64)}  dist/acme-2.3.1.tar.gz",
        ),
        ("md5sum", f"$ md5sum backup.tar.gz\n{rs(HEX, 32)}  backup.tar.gz"),
        (
            "uuid request ids",
            f"2024-05-01 10:00:03 INFO request_id={uuid4()} trace_id={rs(HEX, 32)} span_id={rs(HEX, 16)} POST /v1/orders 201 41ms",
        ),
        (
            "AWS error request id",
            f"An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\nRequest ID: {rs(UPNUM, 16)}, Extended Request ID: {b64(R.randbytes(57))}",
        ),
        (
            "k8s uid",
            f"$ kubectl get pod api-7d9f8b6c5-x2k8p -o jsonpath='{{.metadata.uid}}{{\"\\n\"}}{{.status.containerStatuses[0].containerID}}'\n{uuid4()}\ncontainerd://{rs(HEX, 64)}",
        ),
        (
            "GitHub API JSON",
            "$ gh api repos/acme/api/commits/main | jq '{sha, node_id, tree: .commit.tree.sha}'\n"
            + json.dumps(
                {"sha": sha(), "node_id": "C_kwDO" + rs(ALNUM, 30), "tree": sha()}, indent=2
            ),
        ),
        (
            "S3 ETag",
            f'$ aws s3api head-object --bucket acme-backups --key db.sql.gz\n{{\n    "AcceptRanges": "bytes",\n    "ContentLength": 73400320,\n    "ETag": "\\"{rs(HEX, 32)}-9\\"",\n    "VersionId": "{rs(URLSAFE, 32)}",\n    "ServerSideEncryption": "AES256"\n}}',
        ),
        (
            "ssh fingerprint",
            f"$ ssh-keygen -lf ~/.ssh/id_ed25519.pub\n256 SHA256:{b64(R.randbytes(32)).rstrip('=')} dkim@laptop (ED25519)",
        ),
        (
            "gpg fingerprint",
            f"$ gpg --list-secret-keys --keyid-format=long\nsec   ed25519/{rs(HEX, 16).upper()} 2024-01-10 [SC]\n      {rs(HEX, 40).upper()}\nuid                 [ultimate] Acme Releases <releases@acme-corp.io>",
        ),
        (
            "webpack asset hashes",
            f"$ ls dist/assets\nindex-{rs(URLSAFE, 8)}.js  index-{rs(URLSAFE, 8)}.css  vendor-{rs(HEX, 20)}.js",
        ),
        (
            "Stripe object ids",
            f'$ stripe charges retrieve ch_3{rs(ALNUM, 23)} | jq \'{{id, customer, payment_intent, balance_transaction}}\'\n{{\n  "id": "ch_3{rs(ALNUM, 23)}",\n  "customer": "cus_{rs(ALNUM, 14)}",\n  "payment_intent": "pi_3{rs(ALNUM, 23)}",\n  "balance_transaction": "txn_3{rs(ALNUM, 23)}"\n}}',
        ),
        (
            "Twilio SIDs only",
            f'$ twilio api:core:messages:list --limit 2 -o json | jq \'.[].sid, .[].accountSid\'\n"SM{rs(HEX, 32)}"\n"SM{rs(HEX, 32)}"\n"AC{rs(HEX, 32)}"',
        ),
        (
            "OpenAI response ids",
            f'{{"id": "chatcmpl-{rs(ALNUM, 29)}", "object": "chat.completion", "created": 1714480931, "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_{rs(HEX, 10)}"}}',
        ),
        (
            "Anthropic response ids",
            f'{{"id":"msg_01{rs(ALNUM, 22)}","type":"message","role":"assistant","model":"claude-3-5-sonnet-20240620","stop_reason":"end_turn","usage":{{"input_tokens":12,"output_tokens":41}}}}\nrequest-id: req_01{rs(ALNUM, 22)}',
        ),
        (
            "Sentry event id",
            f"Sentry is attempting to send 1 pending event\nevent_id={rs(HEX, 32)} release=acme-web@2.3.1",
        ),
        (
            "aws ARNs",
            f"$ aws iam list-roles --query 'Roles[].Arn' --output text\narn:aws:iam::123456789012:role/deploy\tarn:aws:iam::123456789012:role/service-role/lambda-{rs(LOWNUM, 8)}",
        ),
        (
            "Slack ids",
            f'{{"ok":true,"channel":"C0{rs(UPNUM, 9)}","ts":"1714480931.{rs(string.digits, 6)}","message":{{"bot_id":"B0{rs(UPNUM, 9)}","team":"T0{rs(UPNUM, 9)}","user":"U0{rs(UPNUM, 9)}"}}}}',
        ),
        (
            "helm history",
            f"$ helm history api -n prod\nREVISION\tUPDATED                 \tSTATUS    \tCHART      \tAPP VERSION\tDESCRIPTION\n41      \tTue Apr 30 16:02:11 2024\tdeployed  \tapi-1.9.0  \t{rs(HEX, 7)}    \tUpgrade complete",
        ),
        (
            "base64 image data uri",
            f"$ head -c 200 src/assets/logo.css\n.logo{{background:url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAYAAABXAvmHAAAA{rs(B64, 90)}",
        ),
        (
            "pytest cache nodeids",
            f'$ cat .pytest_cache/v/cache/lastfailed\n{{\n  "tests/test_tokens.py::test_rotate[{rs(HEX, 8)}]": true\n}}',
        ),
        (
            "CI run ids",
            f"$ gh run list -L 3\nSTATUS  TITLE              WORKFLOW  BRANCH  EVENT  ID           ELAPSED  AGE\n✓       bump deps          ci        main    push   {R.randrange(10**9, 10**10)}  3m2s     1h\n✓       rotate secrets doc ci        main    push   {R.randrange(10**9, 10**10)}  2m58s    3h",
        ),
        (
            "npm publish shasum",
            f"$ npm publish --dry-run\nnpm notice 📦  @acme/sdk@4.1.0\nnpm notice name:          @acme/sdk\nnpm notice shasum:        {sha()}\nnpm notice integrity:     sha512-{b64(R.randbytes(64))[:20]}[...]{b64(R.randbytes(6))}",
        ),
        (
            "OIDC nonce/state in URL",
            f"https://login.acme-corp.io/oauth2/v1/authorize?client_id=0oa{rs(ALNUM, 17)}&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Flocalhost%3A8250%2Fcallback&state={rs(HEX, 32)}&code_challenge={b64u(R.randbytes(32))}&code_challenge_method=S256",
        ),
    ]
    for src, t in ids:
        add("ids_hashes", src, t)

    # --- public keys / certificates
    def ssh_ed_pub() -> str:
        return b64(struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + R.randbytes(32))

    def ssh_rsa_pub() -> str:
        return "AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + rs(B64, 510)

    cert_body = "\n".join(_lines("MIIF" + rs(B64, 1600)))
    pubkey_body = "\n".join(
        _lines("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + rs(B64, 348) + "IDAQAB")
    )
    pubs = [
        (
            "ssh ed25519 .pub",
            f"$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 {ssh_ed_pub()} dkim@laptop",
        ),
        (
            "authorized_keys",
            f"$ cat ~/.ssh/authorized_keys\nssh-rsa {ssh_rsa_pub()} deploy@ci\nssh-ed25519 {ssh_ed_pub()} dkim@laptop",
        ),
        (
            "known_hosts",
            f"$ ssh-keyscan github.com 2>/dev/null\ngithub.com ssh-ed25519 {ssh_ed_pub()}\ngithub.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{rs(B64, 87)}=",
        ),
        (
            "gh ssh-key add",
            f"$ gh ssh-key add ~/.ssh/id_ed25519.pub -t laptop\n✓ Public key added to your account\n$ gh ssh-key list\nTITLE   ID        KEY                                                                       TYPE\nlaptop  {R.randrange(10**7, 10**8)}  ssh-ed25519 {ssh_ed_pub()}  authentication",
        ),
        (
            "x509 certificate",
            f"$ kubectl get secret api-tls -o jsonpath='{{.data.tls\\.crt}}' | base64 -d\n-----BEGIN CERTIFICATE-----\n{cert_body}\n-----END CERTIFICATE-----",
        ),
        (
            "openssl s_client chain",
            f"$ openssl s_client -connect api.acme-corp.io:443 -showcerts </dev/null 2>/dev/null | sed -n '/BEGIN/,/END/p'\n-----BEGIN CERTIFICATE-----\n{cert_body}\n-----END CERTIFICATE-----",
        ),
        (
            "PEM public key",
            f"$ openssl rsa -in key.pem -pubout 2>/dev/null\n-----BEGIN PUBLIC KEY-----\n{pubkey_body}\n-----END PUBLIC KEY-----",
        ),
        (
            "PGP public key",
            "$ gpg --armor --export releases@acme-corp.io\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
            + "\n".join(_lines("mDMEZ" + rs(B64, 600)))
            + f"\n={b64(R.randbytes(3))}\n-----END PGP PUBLIC KEY BLOCK-----",
        ),
        (
            "age public recipient",
            f"$ age-keygen -y ~/.config/sops/age/keys.txt\nage1{rs(BECH32, 58)}",
        ),
        (
            "sops .sops.yaml",
            f"$ cat .sops.yaml\ncreation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1{rs(BECH32, 58)}",
        ),
        (
            "wireguard public",
            f"$ sudo wg show\ninterface: wg0\n  public key: {b64(R.randbytes(32))}\n  private key: (hidden)\n  listening port: 51820\n\npeer: {b64(R.randbytes(32))}\n  endpoint: 203.0.113.7:51820\n  allowed ips: 10.8.0.2/32",
        ),
        (
            "JWKS",
            "$ curl -s https://auth.acme-corp.io/.well-known/jwks.json\n"
            + json.dumps(
                {
                    "keys": [
                        {
                            "kty": "RSA",
                            "use": "sig",
                            "kid": rs(URLSAFE, 22),
                            "alg": "RS256",
                            "n": b64u(R.randbytes(256)),
                            "e": "AQAB",
                        }
                    ]
                }
            ),
        ),
        (
            "cosign public key",
            "$ cat cosign.pub\n-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
            + rs(B64, 28)
            + "\n"
            + rs(B64, 62)
            + "==\n-----END PUBLIC KEY-----",
        ),
        (
            "GitHub deploy key list",
            f"$ gh repo deploy-key list\n{R.randrange(10**7, 10**8)}  ci-readonly  ssh-ed25519 {ssh_ed_pub()}  read-only  2024-04-30",
        ),
        (
            "ssh-keygen output",
            f"$ ssh-keygen -t ed25519 -C deploy@ci -f ./deploy_key -N ''\nGenerating public/private ed25519 key pair.\nYour identification has been saved in ./deploy_key\nYour public key has been saved in ./deploy_key.pub\nThe key fingerprint is:\nSHA256:{b64(R.randbytes(32)).rstrip('=')} deploy@ci",
        ),
    ]
    for src, t in pubs:
        add("public_key_cert", src, t)

    # --- publishable / public-by-design keys
    anon = jwt(
        {"alg": "HS256", "typ": "JWT"},
        {
            "iss": "supabase",
            "ref": rs(string.ascii_lowercase, 20),
            "role": "anon",
            "iat": 1700000000,
            "exp": 2015576000,
        },
    )
    pubk = [
        (
            "Stripe publishable pk_live_",
            f"$ grep STRIPE .env.production\nNEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_live_{rs(ALNUM, 99)}",
        ),
        (
            "Stripe.js init",
            f"$ grep -rn Stripe\\( src/\nsrc/checkout.ts:3:const stripe = Stripe('pk_live_{rs(ALNUM, 99)}');",
        ),
        (
            "Supabase publishable",
            f"$ cat .env.local\nNEXT_PUBLIC_SUPABASE_URL=https://{rs(string.ascii_lowercase, 20)}.supabase.co\nNEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY=sb_publishable_{rs(URLSAFE, 31)}",
        ),
        ("Supabase anon JWT", f"$ grep ANON .env.local\nNEXT_PUBLIC_SUPABASE_ANON_KEY={anon}"),
        (
            "Firebase web config",
            f'$ cat src/firebase.ts\nconst firebaseConfig = {{\n  apiKey: "AIza{rs(URLSAFE, 35)}",\n  authDomain: "acme-prod.firebaseapp.com",\n  projectId: "acme-prod",\n  storageBucket: "acme-prod.appspot.com",\n  messagingSenderId: "{rs(string.digits, 12)}",\n  appId: "1:{rs(string.digits, 12)}:web:{rs(HEX, 22)}"\n}};',
        ),
        (
            "Algolia search-only key",
            f"$ grep -n algoliasearch src/search.ts\n2:const client = algoliasearch('{rs(UPNUM, 10)}', '{rs(HEX, 32)}'); // search-only key",
        ),
        (
            "Mapbox public token",
            f"$ grep -rn accessToken src/map.js\nsrc/map.js:5:mapboxgl.accessToken = 'pk.{b64u(json.dumps({'u': 'acme-maps', 'a': rs(LOWNUM, 25)}, separators=(',', ':')).encode())}.{rs(URLSAFE, 22)}';",
        ),
        (
            "Sentry modern DSN (public key only)",
            f'$ grep -n dsn sentry.client.config.ts\n4:  dsn: "https://{rs(HEX, 32)}@o{R.randrange(10**5, 10**6)}.ingest.us.sentry.io/{R.randrange(10**6, 10**7)}",',
        ),
        (
            "PostHog project key",
            f"$ grep POSTHOG .env\nNEXT_PUBLIC_POSTHOG_KEY=phc_{rs(ALNUM, 43)}\nNEXT_PUBLIC_POSTHOG_HOST=https://us.i.posthog.com",
        ),
        (
            "Clerk publishable",
            f"$ grep CLERK .env.local\nNEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_live_{b64(b'clerk.acme-corp.io$').rstrip('=')}",
        ),
        (
            "Google OAuth client id",
            f"$ grep CLIENT_ID .env\nGOOGLE_CLIENT_ID={rs(string.digits, 12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com",
        ),
        (
            "GitHub App client id",
            "$ grep GITHUB_APP .env\nGITHUB_APP_ID=871234\nGITHUB_APP_CLIENT_ID=Iv1." + rs(HEX, 16),
        ),
        (
            "reCAPTCHA site key",
            f'<script src="https://www.google.com/recaptcha/api.js?render=6L{rs(URLSAFE, 38)}"></script>',
        ),
        (
            "Datadog RUM client token",
            f"$ grep -n clientToken src/rum.ts\n5:  clientToken: 'pub{rs(HEX, 32)}',\n6:  applicationId: '{uuid4()}',",
        ),
        ("Stripe pk_test", f"STRIPE_PUBLISHABLE_KEY=pk_test_{rs(ALNUM, 99)}"),
    ]
    for src, t in pubk:
        add("publishable_key", src, t)

    # --- secret NAMES, not values
    namecases = [
        (
            "aws secretsmanager --secret-id",
            "$ aws secretsmanager get-secret-value --secret-id prod/api-key --query VersionId --output text\n"
            + uuid4(),
        ),
        (
            "aws secretsmanager list",
            '$ aws secretsmanager list-secrets --query \'SecretList[].Name\'\n[\n    "prod/api-key",\n    "prod/stripe/secret-key",\n    "prod/db/password"\n]',
        ),
        (
            "gh secret list",
            "$ gh secret list\nNAME                   UPDATED\nAWS_SECRET_ACCESS_KEY  about 2 days ago\nNPM_TOKEN              about 1 month ago\nSTRIPE_SECRET_KEY      about 3 months ago",
        ),
        (
            "kubectl get secrets",
            "$ kubectl get secrets -n prod\nNAME                  TYPE                             DATA   AGE\napi-env               Opaque                           7      41d\napi-tls               kubernetes.io/tls                2      41d\nregcred               kubernetes.io/dockerconfigjson   1      120d",
        ),
        (
            "kubectl describe secret",
            "$ kubectl describe secret api-env -n prod\nName:         api-env\nNamespace:    prod\nType:  Opaque\n\nData\n====\nDATABASE_URL:       61 bytes\nSTRIPE_SECRET_KEY:  107 bytes\nGITHUB_TOKEN:       40 bytes",
        ),
        (
            "vault kv list",
            "$ vault kv list secret/ci\nKeys\n----\ndockerhub-token\nnpm-token\npypi-token",
        ),
        (
            "gcloud secrets list",
            "$ gcloud secrets list\nNAME                 CREATED              REPLICATION_POLICY  LOCATIONS\nopenai-api-key       2024-03-02T10:11:12  automatic           -\nsendgrid-api-key     2024-01-15T08:00:00  automatic           -",
        ),
        (
            "az keyvault secret list",
            "$ az keyvault secret list --vault-name kv-acme-prod --query '[].name' -o tsv\nCosmosPrimaryKey\nServiceBusConnection\nStorageAccountKey",
        ),
        (
            "doppler secrets --only-names",
            "$ doppler secrets --only-names -p api -c prd\n┌─────────────────────┐\n│ NAME                │\n├─────────────────────┤\n│ DATABASE_URL        │\n│ SENTRY_AUTH_TOKEN   │\n│ STRIPE_SECRET_KEY   │\n└─────────────────────┘",
        ),
        (
            "op item list",
            "$ op item list --vault CI\nID                            TITLE               VAULT    EDITED\n"
            + rs(LOWNUM, 26)
            + "    npm publish token   CI       2 weeks ago",
        ),
        (
            "terraform state list",
            "$ terraform state list | grep secret\naws_secretsmanager_secret.api_key\naws_secretsmanager_secret_version.api_key\nrandom_password.db",
        ),
        (
            "workflow secret refs",
            "$ grep -rn 'secrets\\.' .github/workflows/\n.github/workflows/release.yml:31:          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n.github/workflows/release.yml:32:          PYPI_API_TOKEN: ${{ secrets.PYPI_API_TOKEN }}",
        ),
        (
            "k8s secretKeyRef",
            "$ kubectl get deploy api -o yaml | grep -A4 secretKeyRef\n            secretKeyRef:\n              key: STRIPE_SECRET_KEY\n              name: api-env\n        - name: DATABASE_URL\n          valueFrom:",
        ),
        (
            "ssm parameter names",
            '$ aws ssm describe-parameters --query \'Parameters[].Name\'\n[\n    "/prod/api/jwt-secret",\n    "/prod/api/openai-key"\n]',
        ),
        (
            "heroku config names",
            "$ heroku config -a acme-api-prod --json | jq -r 'keys[]'\nDATABASE_URL\nREDIS_URL\nSENDGRID_API_KEY\nSTRIPE_SECRET_KEY",
        ),
        (
            "vercel env ls",
            "$ vercel env ls production\n> Environment Variables found for acme/web [412ms]\n\n name                       value               environments        created\n STRIPE_SECRET_KEY          Encrypted           Production          41d ago\n OPENAI_API_KEY             Encrypted           Production          12d ago",
        ),
    ]
    for src, t in namecases:
        add("secret_name", src, t)

    # --- masked / redacted values
    masked = [
        (
            "aws configure list",
            f"$ aws configure list\n      Name                    Value             Type    Location\n      ----                    -----             ----    --------\n   profile                <not set>             None    None\naccess_key     ****************{rs(B32, 4)} shared-credentials-file\nsecret_key     ****************{rs(B64, 4)} shared-credentials-file\n    region                us-east-1      config-file    ~/.aws/config",
        ),
        (
            "gh auth status",
            "$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account dkim (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'",
        ),
        (
            "stripe error masked",
            "stripe._error.AuthenticationError: Invalid API Key provided: sk_live_*********************************************************************************************"
            + rs(ALNUM, 4),
        ),
        (
            "openai error masked",
            f"openai.AuthenticationError: Error code: 401 - {{'error': {{'message': 'Incorrect API key provided: sk-proj-********************************************{rs(ALNUM, 4)}. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'code': 'invalid_api_key'}}}}",
        ),
        (
            "terraform plan sensitive",
            '  # aws_db_instance.main will be updated in-place\n  ~ resource "aws_db_instance" "main" {\n      ~ password = (sensitive value)\n        id       = "acme-prod"\n    }',
        ),
        (
            "docker compose redacted",
            "$ docker compose config --no-interpolate | grep -i key\n      STRIPE_SECRET_KEY: ${STRIPE_SECRET_KEY}\n      OPENAI_API_KEY: ${OPENAI_API_KEY:-}",
        ),
        (
            "mongosh redacted uri",
            "Connecting to: mongodb+srv://<credentials>@cluster0.x1y2z.mongodb.net/prod?appName=mongosh+2.2.5",
        ),
        (
            "pip redacted",
            "Looking in indexes: https://pypi.org/simple, https://ci-bot:****@pypi.acme-corp.io/simple/",
        ),
        (
            "heroku config masked",
            "$ heroku config:get STRIPE_SECRET_KEY -a acme-api-prod --shell | sed 's/=.*/=<redacted>/'\nSTRIPE_SECRET_KEY=<redacted>",
        ),
        (
            "git credential redacted",
            "$ GIT_TRACE=1 git push 2>&1 | grep -i auth\n16:02:11.123456 http.c:845  => Send header: Authorization: Basic <redacted>",
        ),
        (
            "curl -v redacted",
            "> GET /v2/droplets HTTP/2\n> Host: api.digitalocean.com\n> authorization: Bearer [REDACTED]\n> user-agent: curl/8.5.0",
        ),
        (
            "python repr SecretStr",
            ">>> settings\nSettings(database_url=SecretStr('**********'), stripe_key=SecretStr('**********'), debug=False)",
        ),
        (
            "vault token lookup accessor",
            f'$ vault token lookup -format=json | jq .data.accessor\n"{rs(ALNUM, 24)}"',
        ),
        (
            "netlify status",
            "$ netlify status\n──────────────────────┐\n Current Netlify User │\n──────────────────────┘\nName:  Dana Kim\nEmail: dana@acme-corp.io",
        ),
        (
            "env -u masked",
            "$ env | sed -E 's/(TOKEN|KEY|SECRET|PASSWORD)=.*/\\1=****/'\nGITHUB_TOKEN=****\nAWS_SECRET_ACCESS_KEY=****\nNODE_ENV=production",
        ),
        (
            "datadog agent status",
            "$ sudo datadog-agent status | grep -i 'api key'\n  API Key ending with "
            + rs(HEX, 5)
            + ": API Key valid",
        ),
        (
            "kubectl secret redacted json",
            '$ kubectl get secret api-env -o json | jq \'.data |= map_values("<redacted>")\' | jq .data\n{\n  "DATABASE_URL": "<redacted>",\n  "STRIPE_SECRET_KEY": "<redacted>"\n}',
        ),
        (
            "gitlab masked var",
            "$ glab variable list\nKEY                 PROTECTED  MASKED  EXPANDED  VALUE\nDEPLOY_TOKEN        true       true    false     [MASKED]\nSENTRY_AUTH_TOKEN   true       true    false     [MASKED]",
        ),
    ]
    for src, t in masked:
        add("masked", src, t)

    # --- low-entropy dummies / test fixtures
    low = [
        (
            "password=password",
            "$ cat docker-compose.override.yml | grep -A3 environment\n    environment:\n      POSTGRES_USER: postgres\n      POSTGRES_PASSWORD: postgres\n      POSTGRES_DB: app_dev",
        ),
        (
            "secret=secret",
            "$ grep -n SECRET config/test.env\n2:JWT_SECRET=secret\n3:SESSION_SECRET=secret",
        ),
        (
            "api key 12345",
            "$ export API_KEY=12345 && pytest -q tests/test_client.py\n....                                                                     [100%]\n4 passed in 0.41s",
        ),
        ("token=test", "$ TOKEN=test ./bin/acmectl ping --endpoint http://localhost:8080\npong"),
        (
            "admin:admin",
            '$ curl -u admin:admin http://localhost:15672/api/overview | jq .rabbitmq_version\n"3.13.1"',
        ),
        (
            "root:root mysql local",
            "$ mysql -h 127.0.0.1 -u root -proot -e 'show databases'\nmysql: [Warning] Using a password on the command line interface can be insecure.",
        ),
        ("redis localhost", "$ redis-cli -u redis://localhost:6379/0 ping\nPONG"),
        (
            "aaaa dummy",
            '$ grep -n FAKE tests/conftest.py\n8:FAKE_TOKEN = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"\n9:FAKE_KEY = "0000000000000000000000000000000000000000"',
        ),
        (
            "abc123",
            "$ export SECRET_KEY=abc123 FLASK_ENV=development && flask run\n * Running on http://127.0.0.1:5000",
        ),
        (
            "password123 fixture",
            '$ grep -n password tests/fixtures/users.json\n4:    "password": "password123",\n11:    "password": "hunter2",',
        ),
        (
            "guest:guest amqp",
            "$ celery -A acme worker -b amqp://guest:guest@localhost:5672// -l info",
        ),
        (
            "devpassword compose",
            "$ docker run -d -e MYSQL_ROOT_PASSWORD=example -p 3306:3306 mysql:8",
        ),
        ("placeholder sequence", "$ echo $API_TOKEN\n1234567890abcdef1234567890abcdef"),
        (
            "test key in test run",
            "$ STRIPE_SECRET_KEY=sk_test_123 npm test -- checkout\nPASS src/checkout.test.ts",
        ),
        (
            "foo/bar",
            "$ export AWS_ACCESS_KEY_ID=foo AWS_SECRET_ACCESS_KEY=bar && moto_server -p 5000",
        ),
        (
            "localstack test creds",
            "$ AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url=http://localhost:4566 s3 mb s3://dev-bucket\nmake_bucket: dev-bucket",
        ),
    ]
    for src, t in low:
        add("low_entropy", src, t)

    # --- code identifiers that talk about secrets
    code = [
        (
            "python getenv",
            '$ grep -rn getenv app/\napp/settings.py:12:STRIPE_SECRET_KEY = os.getenv("STRIPE_SECRET_KEY")\napp/settings.py:13:OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]',
        ),
        (
            "js process.env",
            "$ grep -rn process.env src/\nsrc/db.ts:4:const url = process.env.DATABASE_URL!;\nsrc/auth.ts:9:  headers: { Authorization: `Bearer ${process.env.GITHUB_TOKEN}` },",
        ),
        (
            "go os.Getenv",
            '$ grep -rn Getenv cmd/\ncmd/sync/main.go:21:\ttoken := os.Getenv("SLACK_BOT_TOKEN")\ncmd/sync/main.go:22:\tif token == "" {',
        ),
        (
            "rust env!",
            '$ grep -rn env::var src/\nsrc/main.rs:14:    let key = std::env::var("ANTHROPIC_API_KEY").expect("ANTHROPIC_API_KEY not set");',
        ),
        (
            "mypy error",
            'app/clients/stripe.py:22: error: Argument "api_key" to "StripeClient" has incompatible type "str | None"; expected "str"  [arg-type]',
        ),
        (
            "pytest names",
            "tests/test_tokens.py::test_github_token_is_redacted PASSED        [ 33%]\ntests/test_tokens.py::test_private_key_never_logged PASSED       [ 66%]\ntests/test_tokens.py::test_password_hash_rotates PASSED         [100%]",
        ),
        (
            "sql schema",
            "CREATE TABLE api_keys (\n  id uuid PRIMARY KEY,\n  key_prefix varchar(12) NOT NULL,\n  key_hash bytea NOT NULL,\n  secret_last4 char(4)\n);",
        ),
        (
            "argparse help",
            "usage: deploy.py [-h] [--token TOKEN] [--password PASSWORD] [--api-key API_KEY]\n\noptions:\n  --token TOKEN        GitHub token (default: $GITHUB_TOKEN)\n  --api-key API_KEY    vendor API key",
        ),
        (
            "bcrypt hash in fixture",
            "$ grep -n hash tests/fixtures/users.sql\n3:INSERT INTO users (email, password_hash) VALUES ('dev@example.com', '$2b$12$"
            + rs(ALNUM + "./", 53)
            + "');",
        ),
        (
            "eslint",
            "src/api/client.ts\n  12:7  error  'apiToken' is assigned a value but never used  @typescript-eslint/no-unused-vars",
        ),
        (
            "ts interface",
            "export interface Credentials {\n  accessKeyId: string;\n  secretAccessKey: string;\n  sessionToken?: string;\n}",
        ),
        (
            "gitleaks ignore",
            "$ cat .gitleaksignore\n" + sha() + ":config/test.env:generic-api-key:2",
        ),
        ("regex constant", 'TOKEN_RE = re.compile(r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}")'),
        (
            "helm values template",
            "$ cat templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-env\ndata:\n  STRIPE_SECRET_KEY: {{ .Values.stripe.secretKey | b64enc | quote }}",
        ),
        (
            "kustomize secretGenerator",
            "$ cat kustomization.yaml\nsecretGenerator:\n  - name: api-env\n    envs:\n      - secrets/prod.env\ngeneratorOptions:\n  disableNameSuffixHash: true",
        ),
        (
            "OpenAPI security scheme",
            "components:\n  securitySchemes:\n    bearerAuth:\n      type: http\n      scheme: bearer\n      bearerFormat: JWT\n    apiKeyHeader:\n      type: apiKey\n      in: header\n      name: X-API-Key",
        ),
        (
            "Makefile",
            'deploy:\n\t@test -n "$(DEPLOY_TOKEN)" || (echo \'DEPLOY_TOKEN is required\'; exit 1)\n\tcurl -fsS -H "Authorization: Bearer $(DEPLOY_TOKEN)" $(DEPLOY_URL)',
        ),
        (
            "encrypted sops value",
            f"$ head -5 secrets/prod.enc.yaml\nstripe_secret_key: ENC[AES256_GCM,data:{b64(R.randbytes(80))},iv:{b64(R.randbytes(32))},tag:{b64(R.randbytes(16))},type:str]",
        ),
        (
            "ansible vault",
            "$ head -3 group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n"
            + rs(string.digits + "abcdef", 80)
            + "\n"
            + rs(string.digits + "abcdef", 80),
        ),
        (
            "sealed secret",
            "$ cat sealed-api-env.yaml | grep -A2 encryptedData\n  encryptedData:\n    STRIPE_SECRET_KEY: AgB"
            + rs(B64, 400),
        ),
    ]
    for src, t in code:
        add("code_or_ciphertext", src, t)

    # --- URLs without credentials
    urls = [
        (
            "git ssh remote",
            "$ git remote -v\norigin\tgit@github.com:acme/api.git (fetch)\norigin\tgit@github.com:acme/api.git (push)",
        ),
        (
            "https user only",
            "$ git remote -v\norigin\thttps://dkim@bitbucket.org/acme/mobile-app.git (fetch)",
        ),
        ("db url no password", "$ echo $DATABASE_URL\npostgres://app@localhost:5432/app_dev"),
        ("redis no auth", "REDIS_URL=redis://redis-master.prod.svc.cluster.local:6379/0"),
        (
            "mongodb local",
            "$ mongosh mongodb://localhost:27017/test\nCurrent Mongosh Log ID: " + rs(HEX, 24),
        ),
        ("amqp no creds", "BROKER_URL=amqp://rabbitmq.prod.internal:5672/acme"),
        (
            "s3 url",
            "$ aws s3 cp s3://acme-backups/db/2024-04-30.sql.gz . \ndownload: s3://acme-backups/db/2024-04-30.sql.gz to ./2024-04-30.sql.gz",
        ),
        (
            "jdbc no password",
            "spring.datasource.url=jdbc:postgresql://db.prod.internal:5432/acme?ssl=true\nspring.datasource.username=acme_app",
        ),
        (
            "docker registry path",
            "$ docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api:2.3.1\nThe push refers to repository [123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api]",
        ),
        (
            "slack channel URL",
            "https://acme-corp.slack.com/archives/C0"
            + rs(UPNUM, 9)
            + "/p1714480931"
            + rs(string.digits, 6),
        ),
        ("discord invite", "Join us: https://discord.gg/" + rs(ALNUM, 8)),
        (
            "github actions run url",
            f"https://github.com/acme/api/actions/runs/{R.randrange(10**9, 10**10)}/job/{R.randrange(10**10, 10**11)}",
        ),
    ]
    for src, t in urls:
        add("url_without_credential", src, t)
    return out


# ---------------------------------------------------------------- build

# values containing shell metacharacters ($, (, &, !) are only put where no shell parses them
NO_SHELL = {"django_secret_key", "braintree_access_token"}
NON_SHELL_CTX = [
    c_dotenv,
    c_compose_config,
    c_docker_inspect,
    c_traceback,
    c_json_api,
    c_tfvars,
    c_jupyter,
    c_yaml_cat,
    c_env_dump,
    c_printenv,
    c_git_log_p,
    c_node_repl,
]


def build() -> dict[str, object]:
    cases: list[Case] = []
    for fmt, (var, gen, src) in VENDORS.items():
        pool = NON_SHELL_CTX if fmt in NO_SHELL else GENERIC
        for ctx in R.sample(pool, 3):
            v = gen()
            cases.append(
                {
                    "text": ctx(var, v),
                    "secret": v,
                    "format": fmt,
                    "source": f"{src} | ctx: {ctx.__name__[2:]}",
                }
            )
        for csrc, tpl in SPECIFIC.get(fmt, []):
            v = gen()
            cases.append(
                {"text": fill(tpl, v), "secret": v, "format": fmt, "source": f"{src} | ctx: {csrc}"}
            )
    for fmt, src, make, url in pw_cases():
        for _ in range(2):
            p = password(url)
            cases.append(
                {
                    "text": make(R.choice(USERS), R.choice(DBHOSTS), p),
                    "secret": p,
                    "format": fmt,
                    "source": src,
                }
            )
    cases += private_key_cases()
    cases += structured_cases()
    for fam, src, text in neg_cases():
        cases.append({"text": text, "secret": None, "format": fam, "source": src})
    # label checks
    for c in cases:
        s, t = c["secret"], c["text"]
        assert t, c
        if s is not None:
            assert s in t, c
            assert len(s) >= 8, c
        else:
            assert (c["format"] or "").startswith("neg:"), c
    return {
        "about": (
            "Blind corpus 8 for execgate's scanner: breadth of credential formats (~110 positive formats: "
            "cloud, VCS, AI, payments, messaging, package registries, monitoring, secret managers, private keys, "
            "connection strings, basic/bearer auth, webhooks, encoded k8s/docker secrets) in the text an AI coding "
            "agent's shell tool produces: command lines, env dumps, cat'ed dotfiles, docker/kubectl output, CI logs, "
            "tracebacks, JSON responses, git log -p, Jupyter. Negatives are the same contexts with variable "
            "references, placeholders, vendor documentation examples, ids/hashes, public keys/certs, publishable keys, "
            "secret names, masked values, low-entropy dummies, code/ciphertext and credential-free URLs. Values are "
            "seeded random in each format's documented prefix/length/alphabet/checksum; none is a live credential. "
            "Written without reading execgate's rules. Positives: 'secret' is the exact substring of 'text' that is "
            "the secret value. Negatives: secret null, format 'neg:<family>'."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
