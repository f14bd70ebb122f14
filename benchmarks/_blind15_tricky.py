"""blind15: the rest of the vendor formats, private keys (PEM, and \n-escaped inside JSON), and
the evaluators' glue cases: tokens glued to a word character (x/0/_ + token) and tokens inside
URL-encoded query strings (token%3D + token)."""

from __future__ import annotations

import json
import random

from _blind15_gen import (
    B64URL,
    HEX,
    Case,
    anthropic,
    aws_id,
    databricks,
    github,
    gitlab,
    google,
    jwt,
    npm,
    openai,
    pem_body,
    pos,
    rs,
    simple,
    slack_bot,
    stripe,
)
from _blind15_vendor import Gen, Spec, spec_cases


def _mailchimp(r: random.Random) -> str:
    return rs(r, HEX, 32) + "-us" + str(r.randint(1, 21))


def _atlassian(r: random.Random) -> str:
    return "ATATT3xFfGF0" + rs(r, B64URL, 170) + "=" + rs(r, "0123456789ABCDEF", 8)


def _square(r: random.Random) -> str:
    return simple(r, "EAAA", B64URL, 60)


def _rubygems(r: random.Random) -> str:
    return simple(r, "rubygems_", HEX, 48)


SPECS_C: list[Spec] = [
    (
        "mailchimp-api-key",
        _mailchimp,
        ["MAILCHIMP_API_KEY"],
        [
            'curl -sS --user "anystring:{v}" https://us21.api.mailchimp.com/3.0/ping',
            "python -c \"from mailchimp3 import MailChimp; MailChimp(mc_api='{v}')\"",
        ],
    ),
    (
        "atlassian-api-token",
        _atlassian,
        ["JIRA_API_TOKEN", "CONFLUENCE_TOKEN"],
        [
            "curl -u ops@acme.io:{v} https://acme.atlassian.net/rest/api/3/myself",
            "jira init --installation cloud --server https://acme.atlassian.net --login ops@acme.io --token {v}",
            "python -c \"from atlassian import Jira; Jira(url='https://acme.atlassian.net', username='ops@acme.io', password='{v}').myself()\"",
        ],
    ),
    (
        "square-access-token",
        _square,
        ["SQUARE_ACCESS_TOKEN"],
        [
            "curl https://connect.squareup.com/v2/locations -H 'Square-Version: 2024-04-17' -H 'Authorization: Bearer {v}'",
        ],
    ),
    (
        "rubygems-api-key",
        _rubygems,
        ["GEM_HOST_API_KEY", "RUBYGEMS_API_KEY"],
        [
            "$ cat ~/.gem/credentials\n---\n:rubygems_api_key: {v}",
            "GEM_HOST_API_KEY={v} gem push acme-core-1.4.0.gem",
        ],
    ),
]


PEM_KINDS = [
    ("RSA PRIVATE KEY", "MIIEpAIBAAKCAQEA"),
    ("PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ"),
    ("EC PRIVATE KEY", "MHcCAQEEI"),
    (
        "OPENSSH PRIVATE KEY",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    ),
]
PEM_CTX = [
    "$ cat ~/.ssh/id_deploy\n{pem}",
    "$ kubectl get secret web-tls -o jsonpath='{.data.tls\\.key}' | base64 -d\n{pem}",
    "$ terraform output -raw ssh_private_key\n{pem}",
    "cat > /tmp/key.pem <<'EOF'\n{pem}\nEOF",
    "$ vault write -field=private_key pki/issue/web common_name=web.acme.io\n{pem}",
    "$ gh secret set DEPLOY_KEY --body \"$(cat <<'K'\n{pem}\nK\n)\"",
]


def private_key_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        kind, lead = PEM_KINDS[i % len(PEM_KINDS)]
        size = 160 if kind.startswith("EC") else r.choice([900, 1190])
        body = pem_body(r, size, lead)
        pem = f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"
        if i < len(PEM_CTX):
            text = PEM_CTX[i].replace("{pem}", pem)
            out.append(pos(text, body, "private-key", f"private-key:{i}"))
            continue
        # the same key inside JSON (a GCP service-account file, a tool record): \n escaped
        esc = body.replace("\n", "\\n")
        if i % 2:
            rec = {
                "type": "service_account",
                "project_id": "acme-prod-41822",
                "private_key_id": rs(r, HEX, 40),
                "private_key": pem + "\n",
                "client_email": "deployer@acme-prod-41822.iam.gserviceaccount.com",
            }
            text = "$ cat sa.json\n" + json.dumps(rec, indent=2)
        else:
            text = json.dumps({"tool": "bash", "output": f"$ cat ~/.ssh/id_deploy\n{pem}\n"})
        out.append(pos(text, esc, "private-key", "private-key:json-escaped"))
    return out


def _ghp(r: random.Random) -> str:
    return github(r, "ghp")


def _gho(r: random.Random) -> str:
    return github(r, "gho")


def _akia(r: random.Random) -> str:
    return aws_id(r)


def _sk(r: random.Random) -> str:
    return stripe(r)


def _hf(r: random.Random) -> str:
    return simple(r, "hf_", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 34)


GLUE_FORMATS: list[tuple[str, Gen]] = [
    ("github-pat", _ghp),
    ("github-oauth", _gho),
    ("aws-access-key-id", _akia),
    ("slack-bot-token", slack_bot),
    ("stripe-secret-key", _sk),
    ("openai-api-key", openai),
    ("anthropic-api-key", anthropic),
    ("gitlab-pat", gitlab),
    ("npm-token", npm),
    ("google-api-key", google),
    ("databricks-token", databricks),
    ("huggingface-token", _hf),
]
# {g} the glue character, {v} the token
GLUE_CTX = [
    "$ strings -n 20 dist/server | sed -n 1442p\n{g}{v}",
    '{"cache_key": "{g}{v}", "ttl": 300}',
    "GET /v1/download/{g}{v}/report.csv HTTP/1.1",
    "$ cat build.log | tail -2\n[config] loaded key={g}{v}\n[config] ready",
    "const headers={auth:'{g}{v}'};",
    "aws s3 cp s3://acme-cache/{g}{v}.tar.gz .",
]


def glued_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(30):
        fmt, gen = GLUE_FORMATS[i % len(GLUE_FORMATS)]
        tok, glue = gen(r), "x0_"[i % 3]
        text = GLUE_CTX[i % len(GLUE_CTX)].replace("{g}{v}", glue + tok).replace("{g}", glue)
        out.append(pos(text, tok, fmt, f"glued:{glue}"))
    return out


def _bearer(r: random.Random) -> str:
    return rs(r, B64URL, 48)


ENC_FORMATS: list[tuple[str, Gen]] = [
    ("github-pat", _ghp),
    ("slack-bot-token", slack_bot),
    ("jwt", jwt),
    ("gitlab-pat", gitlab),
    ("stripe-secret-key", _sk),
    ("bearer-token", _bearer),
]
ENC_CTX = [
    "https://auth.acme.io/login?redirect_uri=https%3A%2F%2Fapp.acme.io%2Fcb%3Ftoken%3D{v}%26state%3D8c1f",
    "curl 'https://relay.acme.io/fwd?target=%2Fhooks%2Fci%3Ftoken%3D{v}'",
    '10.0.4.12 - - [02/May/2024:11:02:17 +0000] "GET /proxy?url=https%3A%2F%2Fapi.acme.io%2Fv1%2Fexport%3Faccess_token%3D{v} HTTP/1.1" 302 0',
    "Location: https://app.acme.io/#next=%2Fsettings%3Fapi_token%3D{v}",
    "curl -d 'payload=cmd%3Ddeploy%26token%3D{v}%26env%3Dprod' https://ci.acme.io/trigger",
]


def urlencoded_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(15):
        fmt, gen = ENC_FORMATS[i % len(ENC_FORMATS)]
        tok = gen(r)
        out.append(pos(ENC_CTX[i % len(ENC_CTX)].replace("{v}", tok), tok, fmt, "url-encoded"))
    return out


def tricky(r: random.Random) -> list[Case]:
    return spec_cases(r, SPECS_C) + private_key_cases(r) + glued_cases(r) + urlencoded_cases(r)
