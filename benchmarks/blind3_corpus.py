"""Third blind secret corpus for execgate's scanner (tests/blind3_corpus.json).

Written from public format facts only (vendor documentation, GitHub's secret-scanning
pattern list, gitleaks' published rules, RFCs); not from execgate's own rules. Every value
is drawn from ``random.Random(SEED)`` in its format's alphabet, length, prefix and checksum,
so none is a live credential. Texts are what an agent's gate sees: command lines, environment
dumps, config files printed with ``cat``, and program output or logs.

Labelling: a value is a secret when leaking it would give access. Positives carry the exact
credential value as it appears in the text (percent-encoded when the text encodes it; the
base64 blob when only the encoded ``user:pass`` appears; the base64 body of a PEM key).
Negatives are hard real-world shapes that a careless scanner flags.

Run without arguments to write the JSON; ``--score`` measures the scanner against it.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import urllib.parse
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _blind import run

SEED = 20260523
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind3_corpus.json"

GL = "https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml"
GHSS = "https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns"
GHBLOG = "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"
HARD = "hard negative: real-world shape"

R = random.Random(SEED)
ALNUM = string.ascii_letters + string.digits
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

Case = dict[str, str | None]


# --------------------------------------------------------------------------- primitives


def rs(alphabet: str, n: int) -> str:
    """Random string; for mixed alphabets, insist on both a letter and a digit."""
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        mixed = any(c.isdigit() for c in alphabet) and any(c.isalpha() for c in alphabet)
        if n < 10 or not mixed or alphabet in (HEX, BECH32, HEX.upper()):
            return s
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def pick(xs: list[str]) -> str:
    return R.choice(xs)


def b62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def crc_token(prefix: str, entropy_len: int = 30) -> str:
    """GitHub/npm style: prefix + base62 entropy + 6-char base62 CRC32 of the entropy."""
    ent = rs(ALNUM, entropy_len)
    return prefix + ent + b62(zlib.crc32(ent.encode()), 6)


def b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def rbytes(n: int) -> bytes:
    return bytes(R.getrandbits(8) for _ in range(n))


def ruuid() -> str:
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def host() -> str:
    return pick(["build-07", "ip-10-0-3-41", "dev-box", "runner-5f7c", "ws-mara", "ci-agent-2"])


def user() -> str:
    return pick(["deploy", "svc_app", "admin", "jenkins", "mara", "ops", "app_rw", "etl"])


def word() -> str:
    return pick(
        [
            "orbit",
            "maple",
            "kestrel",
            "granite",
            "velvet",
            "copper",
            "harbor",
            "lumen",
            "nectar",
            "quartz",
            "saffron",
            "tundra",
            "willow",
            "zephyr",
            "falcon",
            "ember",
            "cobalt",
            "prairie",
        ]
    )


def password() -> str:
    """Human-chosen or generated passwords, without shell-quote or whitespace characters."""
    k = R.random()
    if k < 0.35:
        return (
            word().capitalize()
            + pick(["!", "#", "@", "%", "&", "*", "-"])
            + str(R.randint(10, 9999))
            + word()
        )
    if k < 0.7:
        return rs(ALNUM + "!@#%^&*-_+=", R.randint(14, 24))
    if k < 0.85:
        return rs(ALNUM, R.randint(16, 32))
    return word() + str(R.randint(1, 99)) + word().capitalize() + pick(["?", "!", "$$", "."])


def shq(pw: str) -> str:
    """Quote a password the way a user would on a shell command line."""
    return pw if all(c in ALNUM + "@%+=_.,:/-" for c in pw) else f"'{pw}'"


def weak_password() -> str:
    return pick(
        ["hunter2", "Summer2024!", "P@ssw0rd1", "letmein99", "qwerty123", "Welcome1!", "dragon42"]
    )


def filler_env() -> list[str]:
    return [
        "SHELL=/bin/bash",
        f"HOSTNAME={host()}",
        "LANG=C.UTF-8",
        f"HOME=/home/{user()}",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "TERM=xterm-256color",
        "SHLVL=2",
        f"PWD=/srv/{word()}",
        "LOGNAME=" + user(),
        "TZ=UTC",
        "PYTHONUNBUFFERED=1",
        "NODE_ENV=production",
        f"CI_JOB_ID={R.randint(100000, 9999999)}",
        "LC_ALL=C.UTF-8",
        f"KUBERNETES_SERVICE_HOST=10.96.0.{R.randint(1, 254)}",
        "KUBERNETES_SERVICE_PORT=443",
        "_=/usr/bin/printenv",
        f"OLDPWD=/home/{user()}",
    ]


def log_ts() -> str:
    return f"2025-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}.{R.randint(0, 999):03d}Z"


def filler_log() -> str:
    return pick(
        [
            f"{log_ts()} INFO  worker[{R.randint(1, 9)}] processed batch size={R.randint(10, 500)} in {R.randint(3, 900)}ms",
            f"{log_ts()} DEBUG http.client GET /healthz 200 {R.randint(1, 30)}ms",
            f"{log_ts()} INFO  scheduler tick, {R.randint(0, 40)} jobs pending",
            f"{log_ts()} WARN  cache miss ratio {R.random():.2f} above threshold",
            f"{log_ts()} INFO  connected to {word()}-db.internal:5432 pool={R.randint(2, 20)}",
            f"{log_ts()} DEBUG retry {R.randint(1, 5)}/5 after {R.randint(100, 4000)}ms backoff",
            f"{log_ts()} INFO  listening on 0.0.0.0:{R.choice([8080, 3000, 9000, 8443])}",
            f"{log_ts()} INFO  migration {R.randint(1, 60):04d}_{word()} applied",
        ]
    )


def pem_body(first: str, total: int, width: int = 64) -> str:
    raw = first + "".join(R.choice(B64) for _ in range(total - len(first)))
    pad = (-len(raw)) % 4
    raw = raw[: len(raw) - pad] + "=" * pad if pad else raw
    return "\n".join(raw[i : i + width] for i in range(0, len(raw), width))


# --------------------------------------------------------------------------- generators


def gen_ghp() -> str:
    return crc_token("ghp_")


def gen_gho() -> str:
    return crc_token("gho_")


def gen_ghu() -> str:
    return crc_token("ghu_")


def gen_ghs() -> str:
    return crc_token("ghs_")


def gen_ghr() -> str:
    return crc_token("ghr_")


def gen_github_fg() -> str:
    return "github_pat_11" + rs(UPNUM, 20) + "_" + rs(ALNUM, 59)


def gen_glpat() -> str:
    if R.random() < 0.5:
        return "glpat-" + rs(URLSAFE, 20)
    return "glpat-" + rs(URLSAFE, 38) + ".01." + rs(LOWNUM, 9)


def gen_gldt() -> str:
    return "gldt-" + rs(URLSAFE, 20)


def gen_glrt() -> str:
    if R.random() < 0.5:
        return "glrt-" + rs(URLSAFE, 20)
    return (
        "glrt-t"
        + str(R.randint(1, 3))
        + "_"
        + rs(URLSAFE, 27)
        + ".0"
        + rs(LOWNUM, 1)
        + "."
        + rs(LOWNUM, 9)
    )


def gen_glptt() -> str:
    return "glptt-" + rs(HEX, 40)


def gen_slack_bot() -> str:
    return f"xoxb-{R.randint(10**10, 10**12)}-{R.randint(10**11, 10**13 - 1)}-{rs(ALNUM, 24)}"


def gen_slack_user() -> str:
    return f"xoxp-{R.randint(10**10, 10**12)}-{R.randint(10**10, 10**12)}-{R.randint(10**11, 10**13 - 1)}-{rs(HEX, 32)}"


def gen_slack_app() -> str:
    return f"xapp-1-A{rs(UPNUM, 10)}-{R.randint(10**12, 10**13 - 1)}-{rs(HEX, 64)}"


def gen_slack_webhook_secret() -> str:
    return rs(ALNUM, 24)


def gen_stripe_live() -> str:
    return "sk_live_" + ("51" + rs(ALNUM, 97) if R.random() < 0.6 else rs(ALNUM, 24))


def gen_stripe_rk() -> str:
    return "rk_live_" + ("51" + rs(ALNUM, 97) if R.random() < 0.6 else rs(ALNUM, 24))


def gen_stripe_whsec() -> str:
    return "whsec_" + rs(ALNUM, 32)


def gen_stripe_test() -> str:
    return "sk_test_" + "51" + rs(ALNUM, 97)


def gen_openai_proj() -> str:
    return "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74)


def gen_openai_svc() -> str:
    return "sk-svcacct-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74)


def gen_anthropic() -> str:
    return "sk-ant-api03-" + rs(URLSAFE, 93) + "AA"


def gen_google_api() -> str:
    return "AIza" + "Sy" + rs(URLSAFE, 33)


def gen_aws_akia() -> str:
    return pick(["AKIA", "ASIA"]) + rs("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def gen_aws_secret() -> str:
    return rs(B64, 40)


def gen_aws_session() -> str:
    lead = pick(["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"])
    return lead + rs(B64, R.choice([340, 380, 420])) + pick(["", "=", "=="])


def gen_azure_storage_key() -> str:
    return b64(rbytes(64))


def gen_azure_sas_sig() -> str:
    return urllib.parse.quote(b64(rbytes(32)), safe="")


def gen_azure_client_secret() -> str:
    return rs(ALNUM + "_~.", 3) + str(R.randint(0, 9)) + "Q~" + rs(ALNUM + "_~.-", 34)


def gen_twilio_auth() -> str:
    return rs(HEX, 32)


def gen_sendgrid() -> str:
    return "SG." + rs(URLSAFE, 22) + "." + rs(URLSAFE, 43)


def gen_mailgun() -> str:
    if R.random() < 0.5:
        return "key-" + rs(HEX, 32)
    return rs(HEX, 32) + "-" + rs(HEX, 8) + "-" + rs(HEX, 8)


def gen_mailchimp() -> str:
    return rs(HEX, 32) + "-us" + str(R.randint(1, 21))


def gen_discord_bot() -> str:
    uid = str(R.randint(10**17, 10**19 - 1)).encode()
    return b64u(uid) + "." + rs(URLSAFE, 6) + "." + rs(URLSAFE, 38)


def gen_discord_webhook_token() -> str:
    return rs(URLSAFE, 68)


def gen_telegram() -> str:
    return f"{R.randint(10**8, 10**10 - 1)}:AA{rs(URLSAFE, 33)}"


def gen_npm() -> str:
    return crc_token("npm_")


def gen_pypi() -> str:
    raw = (
        b"\x02\x01\x08pypi.org\x02$"
        + ruuid().encode()
        + b'\x00\x02*[3,"'
        + ruuid().encode()
        + b'"]\x00\x00\x06 '
        + rbytes(32)
    )
    return "pypi-" + b64u(raw)


def gen_hf() -> str:
    return "hf_" + rs(string.ascii_letters, 34)


def gen_databricks() -> str:
    return "dapi" + rs(HEX, 32) + pick(["", "", "-2", "-3"])


def gen_digitalocean() -> str:
    return pick(["dop_v1_", "dop_v1_", "doo_v1_", "dor_v1_"]) + rs(HEX, 64)


def gen_heroku() -> str:
    return "HRKU-AA" + rs(URLSAFE, 58)


def gen_heroku_legacy() -> str:
    return ruuid()


def gen_shopify() -> str:
    return pick(["shpat_", "shpss_", "shpca_", "shppa_"]) + rs(HEX, 32)


def gen_square() -> str:
    k = R.random()
    if k < 0.5:
        return "EAAA" + rs(URLSAFE, 60)
    if k < 0.75:
        return "sq0atp-" + rs(URLSAFE, 22)
    return "sq0csp-" + rs(URLSAFE, 43)


def gen_braintree() -> str:
    return f"access_token$production${rs(LOWNUM, 16)}${rs(HEX, 32)}"


def gen_atlassian() -> str:
    return "ATATT3xFfGF0" + rs(URLSAFE, 171) + "=" + rs(HEX.upper(), 8)


def gen_linear() -> str:
    return "lin_api_" + rs(ALNUM, 40)


def gen_notion() -> str:
    if R.random() < 0.5:
        return "secret_" + rs(ALNUM, 43)
    return "ntn_" + rs(string.digits, 11) + rs(ALNUM, 35)


def gen_doppler() -> str:
    k = R.random()
    if k < 0.6:
        return f"dp.st.{pick(['prd', 'dev', 'stg', 'ci'])}." + rs(ALNUM, 40)
    return pick(["dp.pt.", "dp.sa.", "dp.ct."]) + rs(ALNUM, 43)


def gen_vault() -> str:
    return "hvs." + "CAESI" + rs(URLSAFE, 86)


def gen_pulumi() -> str:
    return "pul-" + rs(HEX, 40)


def gen_grafana_sa() -> str:
    return "glsa_" + rs(ALNUM, 32) + "_" + rs(HEX, 8)


def gen_grafana_cloud() -> str:
    payload = json.dumps(
        {
            "o": str(R.randint(100000, 999999)),
            "n": f"{word()}-{word()}",
            "k": rs(ALNUM, 24),
            "m": {"r": "prod-us-east-0"},
        },
        separators=(",", ":"),
    )
    return "glc_" + b64(payload.encode())


def gen_newrelic() -> str:
    return "NRAK-" + rs(UPNUM, 27)


def gen_sentry() -> str:
    if R.random() < 0.5:
        return "sntryu_" + rs(HEX, 64)
    payload = json.dumps(
        {
            "iat": R.randint(1700000000, 1760000000),
            "url": "https://sentry.io",
            "region_url": "https://us.sentry.io",
            "org": word(),
        },
        separators=(",", ":"),
    )
    return "sntrys_" + b64(payload.encode()).rstrip("=") + "_" + rs(ALNUM + "+/", 43)


def gen_postman() -> str:
    return "PMAK-" + rs(HEX, 24) + "-" + rs(HEX, 34)


def gen_age() -> str:
    return "AGE-SECRET-KEY-1" + rs(BECH32, 58)


def gen_tfc() -> str:
    return rs(ALNUM, 14) + ".atlasv1." + rs(ALNUM + "-_", 67)


def gen_onepassword() -> str:
    payload = json.dumps(
        {
            "signInAddress": "my.1password.com",
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
            "secretKey": "A3-" + rs(UPNUM, 6) + "-" + rs(UPNUM, 6),
            "throttleSecret": {"seed": rs(HEX, 64), "uuid": rs(UPNUM, 26)},
            "deviceUuid": rs(LOWNUM, 26),
        },
        separators=(",", ":"),
    )
    return "ops_" + b64(payload.encode()).rstrip("=")


def gen_jwt() -> str:
    alg = pick(["HS256", "RS256", "ES256"])
    head = b64u(
        json.dumps({"alg": alg, "typ": "JWT", "kid": rs(LOWNUM, 8)}, separators=(",", ":")).encode()
    )
    iat = R.randint(1730000000, 1760000000)
    body = b64u(
        json.dumps(
            {
                "sub": ruuid(),
                "iss": pick(
                    [
                        "https://auth.example.net/",
                        "https://login.acme.io",
                        "https://sso.internal/realms/main",
                    ]
                ),
                "aud": pick(["api", "web", "billing"]),
                "iat": iat,
                "exp": iat + 3600,
                "scope": pick(["read write", "admin", "repo:write"]),
            },
            separators=(",", ":"),
        ).encode()
    )
    sig = b64u(rbytes({"HS256": 32, "RS256": 256, "ES256": 64}[alg]))
    return f"{head}.{body}.{sig}"


# --------------------------------------------------------------------------- generic contexts

Ctx = Callable[[str, str], tuple[str, str]]


def c_printenv(s: str, v: str) -> tuple[str, str]:
    env = R.sample(filler_env(), R.randint(7, 12))
    env.insert(R.randint(1, len(env)), f"{v}={s}")
    return pick(["$ printenv\n", "$ env\n", "", "+ env | sort\n"]) + "\n".join(env), s


def c_set_output(s: str, v: str) -> tuple[str, str]:
    env = [
        e.replace("=", "='", 1) + "'" if R.random() < 0.3 else e for e in R.sample(filler_env(), 8)
    ]
    env.insert(R.randint(0, 8), f"{v}='{s}'")
    return "$ set | grep -v '^_'\nBASH=/bin/bash\n" + "\n".join(sorted(env)), s


def c_export(s: str, v: str) -> tuple[str, str]:
    q = pick(['"', "'", ""]) if shq(s) == s else "'"
    return (
        f"$ export {v}={q}{s}{q}\n$ ./scripts/{pick(['deploy', 'release', 'sync'])}.sh --env {pick(['prod', 'staging'])}",
        s,
    )


def c_docker(s: str, v: str) -> tuple[str, str]:
    img = pick(
        [
            "ghcr.io/acme/api:1.14.2",
            "node:20-alpine",
            "python:3.12-slim",
            "registry.internal/worker:latest",
        ]
    )
    return (
        f"docker run --rm -d --name {word()} -p 8080:8080 -e LOG_LEVEL=info -e {v}={shq(s)} {img}",
        s,
    )


def c_kubectl(s: str, v: str) -> tuple[str, str]:
    return (
        f"kubectl create secret generic {word()}-creds -n {pick(['prod', 'default', 'payments'])} --from-literal={v.lower()}={shq(s)} --dry-run=client -o yaml | kubectl apply -f -",
        s,
    )


def c_helm(s: str, v: str) -> tuple[str, str]:
    return (
        f"helm upgrade --install {word()} ./charts/{word()} -n apps --set image.tag=v2.3.1 --set secrets.{v.lower()}={shq(s)} --wait",
        s,
    )


def c_terraform(s: str, v: str) -> tuple[str, str]:
    return f"terraform apply -auto-approve -var 'region=eu-west-1' -var '{v.lower()}={s}'", s


def c_powershell(s: str, v: str) -> tuple[str, str]:
    return f'PS C:\\Users\\{user()}> $env:{v} = "{s}"\nPS C:\\Users\\{user()}> .\\run.ps1', s


def c_wincmd(s: str, v: str) -> tuple[str, str]:
    return f'C:\\src\\{word()}>set "{v}={s}"\n\nC:\\src\\{word()}>npm run start', s


def c_jsonlog(s: str, v: str) -> tuple[str, str]:
    rec = {
        "ts": log_ts(),
        "level": "debug",
        "msg": "loaded settings",
        "settings": {"region": "us-east-1", v.lower(): s, "retries": 3},
    }
    return json.dumps(rec), s


def c_json_escaped(s: str, v: str) -> tuple[str, str]:
    inner = json.dumps({v.lower(): s, "user": user()})
    return json.dumps(
        {"ts": log_ts(), "level": "warn", "msg": f"upstream rejected body {inner}"}
    ), s


def c_yaml(s: str, v: str) -> tuple[str, str]:
    q = pick(['"', "'", ""])
    return (
        f"$ cat config/{pick(['production', 'settings', 'app'])}.yaml\nserver:\n  port: 8080\n  host: 0.0.0.0\n"
        f"integrations:\n  {word()}:\n    enabled: true\n    {v.lower()}: {q}{s}{q}\n    timeout: 30s\n"
    ), s


def c_yaml_block(s: str, v: str) -> tuple[str, str]:
    return (
        f"$ cat values.secret.yaml\nsecrets:\n  {v.lower()}: |\n    {s}\n  region: eu-central-1\n",
        s,
    )


def c_dotenv(s: str, v: str) -> tuple[str, str]:
    lines = [
        "APP_ENV=production",
        "LOG_LEVEL=info",
        f"DATABASE_HOST={word()}.internal",
        "PORT=3000",
        "FEATURE_FLAGS=beta,new-ui",
    ]
    lines.insert(R.randint(0, len(lines)), f"{v}={s}")
    return "$ cat .env\n" + "\n".join(lines), s


def c_multiline(s: str, v: str) -> tuple[str, str]:
    lines = [filler_log() for _ in range(12)]
    lines[6] = f"{log_ts()} DEBUG config: using {v.lower()}={s} for {word()} client"
    return "\n".join(lines), s


def c_traceback(s: str, v: str) -> tuple[str, str]:
    return (
        "Traceback (most recent call last):\n"
        f'  File "/app/{word()}/client.py", line {R.randint(20, 300)}, in request\n'
        "    resp.raise_for_status()\n"
        f'  File "/usr/local/lib/python3.12/site-packages/requests/models.py", line 1024, in raise_for_status\n'
        "    raise HTTPError(http_error_msg, response=self)\n"
        f"requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.{word()}.io/v1/items\n"
        f"  locals: self=<Client {word()}>, {v.lower()}='{s}', retries=3"
    ), s


def c_ps(s: str, v: str) -> tuple[str, str]:
    flag = "--" + v.lower().replace("_", "-")
    return (
        "$ ps aux | grep -v grep | grep node\n"
        f"{user()}   {R.randint(1000, 90000)}  2.1  1.4 1204332 118220 ?  Ssl  09:14   0:42 /usr/bin/node /srv/app/dist/server.js {flag}={s} --port 3000"
    ), s


def c_systemd(s: str, v: str) -> tuple[str, str]:
    return (
        f"$ systemctl cat {word()}.service\n# /etc/systemd/system/x.service\n[Service]\nUser=app\n"
        f'Environment="{v}={s}"\nExecStart=/opt/app/bin/server\nRestart=on-failure'
    ), s


def c_compose(s: str, v: str) -> tuple[str, str]:
    return (
        f"$ docker compose config\nservices:\n  {word()}:\n    environment:\n      LOG_LEVEL: info\n      {v}: {s}\n"
        f"    image: acme/{word()}:2.1\n"
    ), s


def c_gh_secret(s: str, v: str) -> tuple[str, str]:
    return f'gh secret set {v} --repo acme/{word()} --body "{s}"', s


def c_ssm(s: str, v: str) -> tuple[str, str]:
    return (
        f"aws ssm put-parameter --name /prod/{word()}/{v.lower()} --type SecureString --value '{s}' --overwrite",
        s,
    )


def c_gcloud_secret(s: str, v: str) -> tuple[str, str]:
    return (
        f"printf '%s' '{s}' | gcloud secrets versions add {v.lower().replace('_', '-')} --data-file=-",
        s,
    )


def c_az_kv(s: str, v: str) -> tuple[str, str]:
    return (
        f'az keyvault secret set --vault-name kv-{word()}-prod --name {v.lower().replace("_", "-")} --value "{s}"',
        s,
    )


def c_query_url(s: str, v: str) -> tuple[str, str]:
    enc = urllib.parse.quote(s, safe="")
    ip = f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
    return (
        f'{ip} - - [12/Mar/2025:10:{R.randint(10, 59)}:{R.randint(10, 59)} +0000] "GET /api/v2/export?format=csv&{v.lower()}={enc}&page=2 HTTP/1.1" 200 {R.randint(200, 90000)} "-" "python-requests/2.31.0"',
        enc,
    )


def c_glued_prompt(s: str, v: str) -> tuple[str, str]:
    u = user()
    return f"{u}@{host()}:~$ cat ~/.config/{word()}/{v.lower()}\n{s}{u}@{host()}:~$ ", s


def c_dotnet_json(s: str, v: str) -> tuple[str, str]:
    return (
        f'$ cat appsettings.Production.json\n{{\n  "Logging": {{ "LogLevel": {{ "Default": "Warning" }} }},\n  "{word().capitalize()}": {{\n    "{v.title().replace("_", "")}": "{s}"\n  }}\n}}',
        s,
    )


def c_fly(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"fly secrets set {v}={shq(s)} -a {word()}-api",
            f"heroku config:set {v}={shq(s)} -a {word()}-prod",
            f"vercel env add {v} production <<< '{s}'",
        ]
    ), s


def c_ini(s: str, v: str) -> tuple[str, str]:
    return (
        f"$ cat ~/.config/{word()}.ini\n[default]\nendpoint = https://api.{word()}.com\n{v.lower()} = {s}\n",
        s,
    )


GENERIC: list[Ctx] = [
    c_printenv,
    c_set_output,
    c_export,
    c_docker,
    c_kubectl,
    c_helm,
    c_terraform,
    c_powershell,
    c_wincmd,
    c_jsonlog,
    c_json_escaped,
    c_yaml,
    c_yaml_block,
    c_dotenv,
    c_multiline,
    c_traceback,
    c_ps,
    c_systemd,
    c_compose,
    c_gh_secret,
    c_ssm,
    c_gcloud_secret,
    c_az_kv,
    c_query_url,
    c_glued_prompt,
    c_dotnet_json,
    c_fly,
    c_ini,
]


def c_bearer_curl(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -sS -H "Authorization: Bearer {s}" -H "Accept: application/json" https://api.{word()}.com/v1/me',
        s,
    )


def c_curl_v(s: str, v: str) -> tuple[str, str]:
    h = f"api.{word()}.io"
    return (
        f"$ curl -v https://{h}/v1/status\n*   Trying 203.0.113.{R.randint(1, 254)}:443...\n* Connected to {h} port 443\n"
        f"> GET /v1/status HTTP/2\n> Host: {h}\n> User-Agent: curl/8.5.0\n> Accept: */*\n> Authorization: Bearer {s}\n>\n"
        '< HTTP/2 200\n< content-type: application/json\n<\n{"ok":true}'
    ), s


def c_python_headers(s: str, v: str) -> tuple[str, str]:
    return f">>> requests.get(url, headers={{'Authorization': 'Bearer {s}'}}).status_code\n200", s


BEARER: list[Ctx] = [c_bearer_curl, c_curl_v, c_python_headers]


# --------------------------------------------------------------------------- vendor-specific contexts


def c_git_remote(s: str, v: str) -> tuple[str, str]:
    who = pick(["x-access-token", "oauth2", user(), "git"])
    hostn = "gitlab.com" if s.startswith("gl") else "github.com"
    k = R.random()
    if k < 0.33:
        return f"git remote set-url origin https://{who}:{s}@{hostn}/acme/{word()}.git", s
    if k < 0.66:
        return (
            f"$ git remote -v\norigin\thttps://{who}:{s}@{hostn}/acme/{word()}.git (fetch)\norigin\thttps://{who}:{s}@{hostn}/acme/{word()}.git (push)",
            s,
        )
    return (
        f'$ cat .git/config\n[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = https://{s}@{hostn}/acme/{word()}.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*',
        s,
    )


def c_gh_auth(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"echo {s} | gh auth login --with-token",
            f"GH_TOKEN={s} gh pr list --state open",
            f"git clone https://{s}@github.com/acme/{word()}.git",
        ]
    ), s


def c_npmrc(s: str, v: str) -> tuple[str, str]:
    if s.startswith("npm_"):
        return (
            f"$ cat ~/.npmrc\nregistry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={s}\nfund=false",
            s,
        )
    return (
        f"$ cat .npmrc\n@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken={s}",
        s,
    )


def c_gitlab_runner(s: str, v: str) -> tuple[str, str]:
    return (
        f'$ sudo cat /etc/gitlab-runner/config.toml\nconcurrent = 4\n[[runners]]\n  name = "{host()}"\n  url = "https://gitlab.com/"\n  token = "{s}"\n  executor = "docker"',
        s,
    )


def c_gitlab_trigger(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -X POST --fail -F token={s} -F ref=main "https://gitlab.com/api/v4/projects/{R.randint(1000, 99999999)}/trigger/pipeline"',
        s,
    )


def c_gitlab_api(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl --header "PRIVATE-TOKEN: {s}" "https://gitlab.com/api/v4/projects?membership=true"',
        s,
    )


def c_slack_post(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -s -X POST -H \'Authorization: Bearer {s}\' -H \'Content-type: application/json\' --data \'{{"channel":"C0{rs(UPNUM, 8)}","text":"deploy done"}}\' https://slack.com/api/chat.postMessage',
        s,
    )


def c_slack_webhook(s: str, v: str) -> tuple[str, str]:
    url = f"https://hooks.slack.com/services/T{rs(UPNUM, 8)}/B{rs(UPNUM, 10)}/{s}"
    return pick(
        [
            f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"build #{R.randint(1, 999)} failed\"}}' {url}",
            f"SLACK_WEBHOOK_URL={url}",
            f'{{"level":"info","msg":"notifier configured","webhook":"{url}"}}',
        ]
    ), s


def c_stripe_cli(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"curl https://api.stripe.com/v1/charges -u {s}: -d amount=2000 -d currency=usd",
            f"stripe listen --forward-to localhost:4242/webhook --api-key {s}",
            f"$ cat ~/.config/stripe/config.toml\n[default]\ndevice_name = \"{host()}\"\nlive_mode_api_key = '{s}'\n",
        ]
    ), s


def c_stripe_whsec(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"> Ready! You are using Stripe API Version [2024-06-20]. Your webhook signing secret is {s} (^C to quit)",
            f"STRIPE_WEBHOOK_SECRET={s}",
        ]
    ), s


def c_openai(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f'curl https://api.openai.com/v1/chat/completions -H "Content-Type: application/json" -H "Authorization: Bearer {s}" -d @req.json',
            f"openai.AuthenticationError: Error code: 401 - {{'error': {{'message': 'Incorrect API key provided: {s}. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error'}}}}",
        ]
    ), s


def c_anthropic(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f'curl https://api.anthropic.com/v1/messages -H "x-api-key: {s}" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d @msg.json',
            f'$ cat ~/.claude/settings.json\n{{\n  "env": {{\n    "ANTHROPIC_API_KEY": "{s}"\n  }}\n}}',
        ]
    ), s


def c_google_key(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f'curl "https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key={s}"',
            f'curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:generateContent?key={s}" -H "Content-Type: application/json" -d @q.json',
            f"gcloud services api-keys get-key-string projects/{R.randint(10**11, 10**12)}/locations/global/keys/{ruuid()}\nkeyString: {s}",
        ]
    ), s


def c_aws_config(s: str, v: str) -> tuple[str, str]:
    return f"aws configure set {v.lower()} {s} --profile {pick(['prod', 'default', 'ci'])}", s


def c_aws_sts(s: str, v: str) -> tuple[str, str]:
    return s, s


def c_azure_conn(s: str, v: str) -> tuple[str, str]:
    acct = word() + rs(LOWNUM, 6)
    cs = f"DefaultEndpointsProtocol=https;AccountName={acct};AccountKey={s};EndpointSuffix=core.windows.net"
    return pick(
        [
            f'az storage blob upload --connection-string "{cs}" -c backups -f db.dump -n db.dump',
            f"AZURE_STORAGE_CONNECTION_STRING={cs}",
            f"$ az storage account keys list -g rg-{word()} -n {acct} -o table\nCreationTime                      KeyName    Permissions    Value\n--------------------------------  ---------  -------------  -----\n2024-11-02T09:14:51.000000+00:00  key1       FULL           {s}",
        ]
    ), s


def c_azure_sas(s: str, v: str) -> tuple[str, str]:
    acct = word() + rs(LOWNUM, 5)
    q = f"sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2025-12-31T23:59:59Z&st=2025-01-01T00:00:00Z&spr=https&sig={s}"
    return pick(
        [
            f'azcopy copy ./dist "https://{acct}.blob.core.windows.net/web?{q}" --recursive',
            f'curl -X PUT -T report.pdf -H "x-ms-blob-type: BlockBlob" "https://{acct}.blob.core.windows.net/reports/report.pdf?{q}"',
            f"{log_ts()} INFO uploaded to https://{acct}.blob.core.windows.net/logs/app.log?{q}",
        ]
    ), s


def c_azure_sp(s: str, v: str) -> tuple[str, str]:
    app, ten = ruuid(), ruuid()
    return pick(
        [
            f"az login --service-principal -u {app} -p {s} --tenant {ten}",
            f'$ az ad sp create-for-rbac --name {word()}-ci --role Contributor\n{{\n  "appId": "{app}",\n  "displayName": "{word()}-ci",\n  "password": "{s}",\n  "tenant": "{ten}"\n}}',
            f"ARM_CLIENT_ID={app}\nARM_CLIENT_SECRET={s}\nARM_TENANT_ID={ten}",
        ]
    ), s


def c_twilio(s: str, v: str) -> tuple[str, str]:
    sid = "AC" + rs(HEX, 32)
    return pick(
        [
            f'curl -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json --data-urlencode "Body=hi" -u {sid}:{s}',
            f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={s}",
            f"twilio login {sid} --auth-token {s}",
        ]
    ), s


def c_mailgun(s: str, v: str) -> tuple[str, str]:
    return (
        f"curl -s --user 'api:{s}' https://api.mailgun.net/v3/mg.{word()}.com/messages -F from='ops@{word()}.com' -F to=me@x.org -F subject=test -F text=hi",
        s,
    )


def c_mailchimp(s: str, v: str) -> tuple[str, str]:
    dc = s.rsplit("-", 1)[1]
    return f'curl -sS https://{dc}.api.mailchimp.com/3.0/lists --user "anystring:{s}"', s


def c_discord_bot(s: str, v: str) -> tuple[str, str]:
    return f'curl -H "Authorization: Bot {s}" https://discord.com/api/v10/users/@me', s


def c_discord_webhook(s: str, v: str) -> tuple[str, str]:
    url = f"https://discord.com/api/webhooks/{R.randint(10**17, 10**19 - 1)}/{s}"
    return pick(
        [
            f"curl -H 'Content-Type: application/json' -d '{{\"content\":\"deploy ok\"}}' {url}",
            f"DISCORD_WEBHOOK={url}",
        ]
    ), s


def c_telegram(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f'curl -s "https://api.telegram.org/bot{s}/sendMessage" -d chat_id=-100{R.randint(10**9, 10**10)} -d text="backup finished"',
            f"{log_ts()} ERROR telegram: POST https://api.telegram.org/bot{s}/getUpdates: 409 Conflict",
        ]
    ), s


def c_pypirc(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"$ cat ~/.pypirc\n[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\npassword = {s}\n",
            f"twine upload -u __token__ -p {s} dist/*",
            f"UV_PUBLISH_TOKEN={s} uv publish",
        ]
    ), s


def c_hf(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"huggingface-cli login --token {s} --add-to-git-credential",
            f"git clone https://user:{s}@huggingface.co/acme/{word()}-7b",
        ]
    ), s


def c_databricks(s: str, v: str) -> tuple[str, str]:
    h = f"adb-{R.randint(10**15, 10**16)}.{R.randint(1, 19)}.azuredatabricks.net"
    return pick(
        [
            f"$ cat ~/.databrickscfg\n[DEFAULT]\nhost  = https://{h}\ntoken = {s}\n",
            f"databricks configure --host https://{h} --token <<< '{s}'",
        ]
    ), s


def c_doctl(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"doctl auth init --access-token {s}",
            f"$ cat ~/.config/doctl/config.yaml\naccess-token: {s}\ncontext: default\n",
        ]
    ), s


def c_shopify(s: str, v: str) -> tuple[str, str]:
    return (
        f"curl -X GET https://{word()}-store.myshopify.com/admin/api/2024-07/products.json -H 'X-Shopify-Access-Token: {s}'",
        s,
    )


def c_braintree(s: str, v: str) -> tuple[str, str]:
    return f"BRAINTREE_ACCESS_TOKEN={s}", s


def c_atlassian(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"curl -u {user()}@acme.com:{s} -H 'Accept: application/json' https://acme.atlassian.net/rest/api/3/myself",
            f"jira init --server https://acme.atlassian.net --login ops@acme.com --auth basic --token {s}",
        ]
    ), s


def c_linear(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -X POST https://api.linear.app/graphql -H "Content-Type: application/json" -H "Authorization: {s}" --data \'{{"query":"{{ viewer {{ id }} }}"}}\'',
        s,
    )


def c_notion(s: str, v: str) -> tuple[str, str]:
    return (
        f"curl https://api.notion.com/v1/users -H 'Authorization: Bearer {s}' -H 'Notion-Version: 2022-06-28'",
        s,
    )


def c_doppler(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"doppler run --token {s} -- npm start",
            f"docker run -e DOPPLER_TOKEN='{s}' acme/api doppler run -- ./server",
        ]
    ), s


def c_vault(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"$ vault login -method=userpass username={user()}\nSuccess! You are now authenticated.\n\nKey                    Value\n---                    -----\ntoken                  {s}\ntoken_accessor         {rs(ALNUM, 24)}\ntoken_duration         768h\ntoken_renewable        true",
            f"VAULT_ADDR=https://vault.internal:8200 VAULT_TOKEN={s} vault kv get secret/app",
            f'curl -H "X-Vault-Token: {s}" https://vault.internal:8200/v1/secret/data/app',
        ]
    ), s


def c_pulumi(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"pulumi login --non-interactive <<< '{s}'",
            f"PULUMI_ACCESS_TOKEN={s} pulumi up --yes --stack prod",
        ]
    ), s


def c_grafana(s: str, v: str) -> tuple[str, str]:
    return (
        f"curl -H 'Authorization: Bearer {s}' https://grafana.acme.net/api/dashboards/uid/{rs(LOWNUM, 9)}",
        s,
    )


def c_newrelic(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"newrelic profile add --profile prod --region us --apiKey {s} --accountId {R.randint(10**6, 10**7)}",
            f"curl -X POST https://api.newrelic.com/graphql -H 'API-Key: {s}' -d @q.json",
        ]
    ), s


def c_sentry(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"sentry-cli --auth-token {s} releases new v{R.randint(1, 9)}.{R.randint(0, 20)}.0",
            f"$ cat ~/.sentryclirc\n[auth]\ntoken={s}\n",
        ]
    ), s


def c_postman(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"postman login --with-api-key {s}",
            f"curl https://api.getpostman.com/collections -H 'X-Api-Key: {s}'",
        ]
    ), s


def c_age(s: str, v: str) -> tuple[str, str]:
    pub = "age1" + rs(BECH32.lower(), 58)
    return pick(
        [
            f"$ age-keygen\n# created: 2025-03-11T09:12:44Z\n# public key: {pub}\n{s}",
            f"$ cat ~/.config/sops/age/keys.txt\n# created: 2024-10-02T17:01:09+02:00\n# public key: {pub}\n{s}\n",
            f"SOPS_AGE_KEY={s} sops -d secrets.enc.yaml",
        ]
    ), s


def c_tfc(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f'$ cat ~/.terraform.d/credentials.tfrc.json\n{{\n  "credentials": {{\n    "app.terraform.io": {{\n      "token": "{s}"\n    }}\n  }}\n}}',
            f"TF_TOKEN_app_terraform_io={s} terraform init",
        ]
    ), s


def c_onepassword(s: str, v: str) -> tuple[str, str]:
    return f"OP_SERVICE_ACCOUNT_TOKEN={s} op item list --vault Prod", s


def c_jwt(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"> GET /api/orders HTTP/1.1\n> Host: shop.internal\n> Authorization: Bearer {s}\n> Accept: */*",
            f'{log_ts()} INFO request method=GET path=/v1/me status=200 cookie="session={s}; Path=/; HttpOnly"',
            f"$ kubectl create token {word()}-sa -n ci --duration 24h\n{s}",
            f"$ cat ~/.kube/config | grep token\n    token: {s}",
        ]
    ), s


def c_heroku_legacy(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"HEROKU_API_KEY={s} heroku apps",
            f"$ cat ~/.netrc\nmachine api.heroku.com\n  login ops@acme.com\n  password {s}\nmachine git.heroku.com\n  login ops@acme.com\n  password {s}",
            f"$ heroku auth:token\n {s}",
        ]
    ), s


def c_heroku(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"HEROKU_API_KEY={s} heroku releases -a {word()}-prod",
            f"$ heroku authorizations:create -d ci\nCreating OAuth Authorization... done\nClient:      <none>\nID:          {ruuid()}\nDescription: ci\nScope:       global\nToken:       {s}",
        ]
    ), s


def c_square(s: str, v: str) -> tuple[str, str]:
    return (
        f"curl https://connect.squareup.com/v2/locations -H 'Square-Version: 2024-06-04' -H 'Authorization: Bearer {s}'",
        s,
    )


def c_sendgrid(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl --request POST --url https://api.sendgrid.com/v3/mail/send --header "Authorization: Bearer {s}" --header "Content-Type: application/json" --data @mail.json',
        s,
    )


# --------------------------------------------------------------------------- composite formats


def gen_aws_pair_case() -> tuple[str, str, str]:
    """(text, secret, format) for AWS secret access keys and session tokens in files/outputs."""
    kid = "AKIA" + rs(B32, 16)
    sec = gen_aws_secret()
    k = R.random()
    if k < 0.3:
        text = f"$ cat ~/.aws/credentials\n[default]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\nregion = us-east-1\n\n[prod]\naws_access_key_id = AKIA{rs(B32, 16)}\n"
    elif k < 0.55:
        text = f"AWS_ACCESS_KEY_ID={kid} AWS_SECRET_ACCESS_KEY={sec} aws s3 sync ./build s3://{word()}-site --delete"
    elif k < 0.75:
        text = f'$ aws iam create-access-key --user-name {user()}\n{{\n    "AccessKey": {{\n        "UserName": "{user()}",\n        "AccessKeyId": "{kid}",\n        "Status": "Active",\n        "SecretAccessKey": "{sec}",\n        "CreateDate": "2025-02-01T10:11:12+00:00"\n    }}\n}}'
    else:
        text = f"docker run -e AWS_ACCESS_KEY_ID={kid} -e AWS_SECRET_ACCESS_KEY={sec} -e AWS_DEFAULT_REGION=eu-west-1 amazon/aws-cli s3 ls"
    return text, sec, "aws_secret_access_key"


def gen_aws_session_case() -> tuple[str, str, str]:
    tok = gen_aws_session()
    kid = "ASIA" + rs(B32, 16)
    text = pick(
        [
            f'$ aws sts assume-role --role-arn arn:aws:iam::{R.randint(10**11, 10**12 - 1)}:role/deploy --role-session-name ci\n{{\n    "Credentials": {{\n        "AccessKeyId": "{kid}",\n        "SecretAccessKey": "{gen_aws_secret()}",\n        "SessionToken": "{tok}",\n        "Expiration": "2025-04-01T12:00:00+00:00"\n    }}\n}}',
            f"export AWS_ACCESS_KEY_ID={kid}\nexport AWS_SECRET_ACCESS_KEY={gen_aws_secret()}\nexport AWS_SESSION_TOKEN={tok}",
            f"$ cat ~/.aws/credentials\n[sso]\naws_access_key_id = {kid}\naws_secret_access_key = {gen_aws_secret()}\naws_session_token = {tok}\n",
        ]
    )
    return text, tok, "aws_session_token"


def pem(kind: str) -> tuple[str, str]:
    """(armored block, body) for a private key kind."""
    if kind == "rsa":
        head, body = "RSA PRIVATE KEY", pem_body("MIIEpAIBAAKCAQEA", 1592)
    elif kind == "ec":
        head, body = "EC PRIVATE KEY", pem_body("MHcCAQEEI", 160)
    elif kind == "openssh":
        head, body = (
            "OPENSSH PRIVATE KEY",
            pem_body(
                "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", 396, 70
            ),
        )
    else:
        head, body = (
            "PRIVATE KEY",
            pem_body("MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQ", 1624),
        )
    return f"-----BEGIN {head}-----\n{body}\n-----END {head}-----", body


def gen_pem_case(kind: str) -> tuple[str, str, str]:
    block, body = pem(kind)
    fmt = f"private_key_{kind}"
    k = R.random()
    if kind == "pkcs8" and k < 0.5:
        proj = f"{word()}-{R.randint(100000, 999999)}"
        esc = block.replace("\n", "\\n") + "\\n"
        sa = (
            "{\n"
            '  "type": "service_account",\n'
            f'  "project_id": "{proj}",\n'
            f'  "private_key_id": "{rs(HEX, 40)}",\n'
            f'  "private_key": "{esc}",\n'
            f'  "client_email": "ci-deployer@{proj}.iam.gserviceaccount.com",\n'
            f'  "client_id": "{R.randint(10**20, 10**21 - 1)}",\n'
            '  "token_uri": "https://oauth2.googleapis.com/token"\n}'
        )
        return (
            f"$ cat {pick(['key.json', 'gcp-sa.json', '/tmp/creds.json'])}\n" + sa,
            body.replace("\n", "\\n"),
            "gcp_service_account_key",
        )
    if k < 0.25:
        esc = json.dumps(block)[1:-1]
        return (
            json.dumps({"ts": log_ts(), "level": "debug", "msg": "tls config", "key": block}),
            esc[esc.index("\\n") + 2 : esc.rindex("\\n")],
            fmt,
        )
    path = {
        "rsa": "~/.ssh/id_rsa",
        "ec": "/etc/ssl/private/server.key",
        "openssh": "~/.ssh/id_ed25519",
        "pkcs8": "tls.key",
    }[kind]
    if k < 0.5:
        return f"$ cat {path}\n{block}\n{user()}@{host()}:~$ ", body, fmt
    if k < 0.7:
        b = "\n".join("    " + ln for ln in block.splitlines())
        return (
            f"$ cat values.yaml\ningress:\n  tls:\n    key: |\n{b}\n    enabled: true",
            body.replace("\n", "\n    "),
            fmt,
        )
    if k < 0.85:
        enc = b64(block.encode())
        return (
            f"$ kubectl get secret {word()}-tls -o yaml\napiVersion: v1\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n  tls.key: {enc}\nkind: Secret\ntype: kubernetes.io/tls",
            enc,
            fmt,
        )
    return f"$ terraform output -raw ssh_private_key\n{block}", body, fmt


def gen_password_case() -> tuple[str, str, str]:
    """Literal passwords handed to tools (weak or strong: leaking either gives access)."""
    pw = weak_password() if R.random() < 0.15 else password()
    u, h = user(), f"{word()}-db.internal"
    q = shq(pw)
    k = R.randint(0, 13)
    fmt = "password_cli"
    if k == 0:
        t = f"mysql -h {h} -u {u} -p'{pw}' -e 'SHOW DATABASES;'"
    elif k == 1:
        t = f"mysqldump -u{u} -p{q} --single-transaction shop > shop.sql"
    elif k == 2:
        t = f"sshpass -p '{pw}' ssh -o StrictHostKeyChecking=no {u}@10.0.{R.randint(0, 9)}.{R.randint(2, 250)} 'sudo systemctl restart app'"
    elif k == 3:
        t, fmt = f"PGPASSWORD={q} psql -h {h} -U {u} -d app -c 'select 1'", "password_env"
    elif k == 4:
        t = f"./manage.py createsuperuser --noinput --username {u} --password={q}"
    elif k == 5:
        t = f"echo '{pw}' | sudo -S apt-get install -y nginx"
    elif k == 6:
        t = f"curl -u {u}:{q} https://nexus.internal/service/rest/v1/repositories"
    elif k == 7:
        t = f"docker login registry.{word()}.io -u {u} -p {q}"
    elif k == 8:
        t = f"redis-cli -h cache.internal -a '{pw}' --no-auth-warning INFO"
    elif k == 9:
        t, fmt = f"MYSQL_ROOT_PASSWORD={pw}\nMYSQL_DATABASE=app\nMYSQL_USER={u}", "password_env"
    elif k == 10:
        t = f"sqlcmd -S tcp:{h},1433 -U sa -P '{pw}' -Q 'SELECT @@VERSION'"
    elif k == 11:
        t = f"$ cat ~/.netrc\nmachine ftp.{word()}.com\nlogin {u}\npassword {pw}\n"
        fmt = "netrc_password"
    elif k == 12:
        t = f"ansible-playbook site.yml -i inventory -e ansible_become_pass={q} -e ansible_user={u}"
    else:
        t = f"openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout pass:{q}"
    return t, pw, fmt


def gen_conn_url_case() -> tuple[str, str, str]:
    pw = password()
    enc = urllib.parse.quote(pw, safe="")
    u, h = user(), f"{word()}.{pick(['internal', 'rds.amazonaws.com', 'db.svc.cluster.local'])}"
    k = R.randint(0, 9)
    if k == 0:
        t = f"DATABASE_URL=postgres://{u}:{enc}@{h}:5432/app?sslmode=require"
    elif k == 1:
        t = f'mongosh "mongodb+srv://{u}:{enc}@cluster0.{rs(LOWNUM, 5)}.mongodb.net/prod?retryWrites=true&w=majority"'
    elif k == 2:
        t = f"{log_ts()} ERROR celery: consumer: Cannot connect to amqp://{u}:{enc}@rabbitmq.internal:5672//: [Errno 111] Connection refused."
    elif k == 3:
        t = f"REDIS_URL=redis://:{enc}@cache.internal:6379/0"
    elif k == 4:
        t = f"spring.datasource.url=jdbc:mysql://{h}:3306/shop?user={u}&password={enc}&useSSL=true"
    elif k == 5:
        return (
            f'$ cat appsettings.json | jq .ConnectionStrings\n{{\n  "Default": "Server=tcp:{word()}.database.windows.net,1433;Initial Catalog=app;User ID={u};Password={pw};Encrypt=True;"\n}}',
            pw,
            "password_conn_string",
        )
    elif k == 6:
        return (
            f"Driver={{ODBC Driver 18 for SQL Server}};Server={h};Database=dw;Uid={u};Pwd={{{pw}}};Encrypt=yes;",
            pw,
            "password_conn_string",
        )
    elif k == 7:
        t = f"psql 'postgresql://{u}:{enc}@{h}/analytics'"
    elif k == 8:
        t = f"{log_ts()} WARN sqlalchemy.pool: reconnecting mysql+pymysql://{u}:{enc}@{h}:3306/app"
    else:
        t = f"jdbc:sqlserver://{h}:1433;databaseName=erp;user={u};password={pw};encrypt=true"
        return t, pw, "password_conn_string"
    return t, enc, "password_url"


def gen_basic_auth_case() -> tuple[str, str, str]:
    blob = b64(f"{user()}:{password()}".encode())
    t = pick(
        [
            f"> GET /artifactory/api/repositories HTTP/1.1\n> Host: repo.internal\n> Authorization: Basic {blob}\n> User-Agent: curl/8.4.0",
            f'curl -H "Authorization: Basic {blob}" https://jenkins.internal/api/json',
            f"{log_ts()} DEBUG urllib3 send: b'GET /v2/ HTTP/1.1\\r\\nHost: registry.internal\\r\\nAuthorization: Basic {blob}\\r\\n\\r\\n'",
        ]
    )
    return t, blob, "basic_auth_header"


def gen_docker_auth_case() -> tuple[str, str, str]:
    tok = pick([password(), gen_ghp(), "dckr_pat_" + rs(URLSAFE, 27)])
    blob = b64(f"{user()}:{tok}".encode())
    reg = pick(
        [
            "https://index.docker.io/v1/",
            "ghcr.io",
            "registry.gitlab.com",
            f"{R.randint(10**11, 10**12 - 1)}.dkr.ecr.us-east-1.amazonaws.com",
        ]
    )
    t = f'$ cat ~/.docker/config.json\n{{\n\t"auths": {{\n\t\t"{reg}": {{\n\t\t\t"auth": "{blob}"\n\t\t}}\n\t}},\n\t"currentContext": "default"\n}}'
    if R.random() < 0.3:
        cfg = json.dumps({"auths": {reg: {"auth": blob}}})
        t = f"kubectl create secret generic regcred --type=kubernetes.io/dockerconfigjson --from-literal=.dockerconfigjson='{cfg}'"
    return t, blob, "docker_config_auth"


def gen_docker_pat_case() -> tuple[str, str, str]:
    tok = "dckr_pat_" + rs(URLSAFE, 27)
    return (
        pick([f"echo {tok} | docker login -u {user()} --password-stdin", f"DOCKERHUB_TOKEN={tok}"]),
        tok,
        "docker_hub_pat",
    )


# --------------------------------------------------------------------------- format table


@dataclass
class Fmt:
    name: str
    gen: Callable[[], str]
    vars: list[str]
    source: str
    special: list[Ctx] = field(default_factory=list)
    n: int = 11
    bearer: bool = False
    strip: str = ""


FORMATS: list[Fmt] = [
    Fmt(
        "github_pat_classic",
        gen_ghp,
        ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"],
        GHBLOG,
        [c_git_remote, c_gh_auth, c_npmrc],
        16,
        True,
    ),
    Fmt(
        "github_oauth",
        gen_gho,
        ["GH_TOKEN", "GITHUB_OAUTH_TOKEN"],
        GHBLOG,
        [c_gh_auth, c_git_remote],
        9,
        True,
    ),
    Fmt("github_user_to_server", gen_ghu, ["GITHUB_USER_TOKEN"], GHBLOG, [c_git_remote], 8, True),
    Fmt(
        "github_server_to_server",
        gen_ghs,
        ["GITHUB_TOKEN", "GH_APP_INSTALLATION_TOKEN"],
        GHBLOG,
        [c_git_remote, c_gh_auth],
        10,
        True,
    ),
    Fmt("github_refresh", gen_ghr, ["GITHUB_REFRESH_TOKEN"], GHBLOG, [], 7),
    Fmt(
        "github_fine_grained_pat",
        gen_github_fg,
        ["GITHUB_TOKEN", "GH_PAT"],
        GHSS,
        [c_git_remote, c_gh_auth],
        12,
        True,
    ),
    Fmt(
        "gitlab_pat",
        gen_glpat,
        ["GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE", "GL_TOKEN"],
        "https://docs.gitlab.com/security/tokens/#token-prefixes",
        [c_git_remote, c_gitlab_api],
        12,
    ),
    Fmt(
        "gitlab_deploy_token",
        gen_gldt,
        ["GITLAB_DEPLOY_TOKEN"],
        "https://docs.gitlab.com/security/tokens/#token-prefixes",
        [c_git_remote],
        8,
    ),
    Fmt(
        "gitlab_runner_token",
        gen_glrt,
        ["CI_SERVER_TOKEN", "RUNNER_TOKEN"],
        "https://docs.gitlab.com/security/tokens/#token-prefixes",
        [c_gitlab_runner],
        9,
    ),
    Fmt(
        "gitlab_pipeline_trigger",
        gen_glptt,
        ["TRIGGER_TOKEN"],
        "https://docs.gitlab.com/security/tokens/#token-prefixes",
        [c_gitlab_trigger],
        8,
    ),
    Fmt(
        "slack_bot_token",
        gen_slack_bot,
        ["SLACK_BOT_TOKEN", "SLACK_TOKEN"],
        "https://api.slack.com/concepts/token-types",
        [c_slack_post],
        11,
    ),
    Fmt(
        "slack_user_token",
        gen_slack_user,
        ["SLACK_USER_TOKEN"],
        "https://api.slack.com/concepts/token-types",
        [c_slack_post],
        9,
    ),
    Fmt(
        "slack_app_token",
        gen_slack_app,
        ["SLACK_APP_TOKEN"],
        "https://api.slack.com/concepts/token-types",
        [],
        8,
    ),
    Fmt(
        "slack_webhook",
        gen_slack_webhook_secret,
        ["X"],
        "https://api.slack.com/messaging/webhooks",
        [c_slack_webhook],
        9,
    ),
    Fmt(
        "stripe_live_secret",
        gen_stripe_live,
        ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"],
        "https://docs.stripe.com/keys",
        [c_stripe_cli],
        12,
    ),
    Fmt(
        "stripe_restricted",
        gen_stripe_rk,
        ["STRIPE_RESTRICTED_KEY"],
        "https://docs.stripe.com/keys#create-restricted-api-secret-key",
        [c_stripe_cli],
        9,
    ),
    Fmt(
        "stripe_webhook_secret",
        gen_stripe_whsec,
        ["STRIPE_WEBHOOK_SECRET"],
        "https://docs.stripe.com/webhooks#verify-webhook-signatures-with-official-libraries",
        [c_stripe_whsec],
        9,
    ),
    Fmt(
        "stripe_test_secret",
        gen_stripe_test,
        ["STRIPE_SECRET_KEY"],
        "https://docs.stripe.com/keys (test secret keys are secret: they act on the account's test-mode data)",
        [c_stripe_cli],
        7,
    ),
    Fmt("openai_project_key", gen_openai_proj, ["OPENAI_API_KEY"], GL, [c_openai], 12, True),
    Fmt("openai_svcacct_key", gen_openai_svc, ["OPENAI_API_KEY"], GL, [c_openai], 8, True),
    Fmt(
        "anthropic_api_key",
        gen_anthropic,
        ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"],
        GL,
        [c_anthropic],
        12,
    ),
    Fmt(
        "google_api_key",
        gen_google_api,
        ["GOOGLE_API_KEY", "GEMINI_API_KEY", "MAPS_KEY"],
        "https://cloud.google.com/docs/authentication/api-keys",
        [c_google_key],
        11,
    ),
    Fmt(
        "aws_access_key_id",
        gen_aws_akia,
        ["AWS_ACCESS_KEY_ID"],
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds-programmatic-access.html",
        [c_aws_config],
        9,
    ),
    Fmt(
        "azure_storage_key",
        gen_azure_storage_key,
        ["AZURE_STORAGE_KEY"],
        "https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string",
        [c_azure_conn],
        11,
    ),
    Fmt(
        "azure_sas_signature",
        gen_azure_sas_sig,
        ["X"],
        "https://learn.microsoft.com/rest/api/storageservices/create-service-sas",
        [c_azure_sas],
        9,
    ),
    Fmt(
        "azure_client_secret",
        gen_azure_client_secret,
        ["AZURE_CLIENT_SECRET"],
        GL,
        [c_azure_sp],
        11,
    ),
    Fmt(
        "twilio_auth_token",
        gen_twilio_auth,
        ["X"],
        "https://www.twilio.com/docs/iam/api/authtoken",
        [c_twilio],
        8,
    ),
    Fmt("sendgrid_api_key", gen_sendgrid, ["SENDGRID_API_KEY"], GL, [c_sendgrid], 10),
    Fmt("mailgun_api_key", gen_mailgun, ["MAILGUN_API_KEY"], GL, [c_mailgun], 9),
    Fmt(
        "mailchimp_api_key",
        gen_mailchimp,
        ["MAILCHIMP_API_KEY"],
        "https://mailchimp.com/developer/marketing/guides/quick-start/",
        [c_mailchimp],
        8,
    ),
    Fmt(
        "discord_bot_token",
        gen_discord_bot,
        ["DISCORD_TOKEN", "DISCORD_BOT_TOKEN"],
        "https://discord.com/developers/docs/reference#authentication",
        [c_discord_bot],
        9,
    ),
    Fmt(
        "discord_webhook",
        gen_discord_webhook_token,
        ["X"],
        "https://discord.com/developers/docs/resources/webhook",
        [c_discord_webhook],
        8,
    ),
    Fmt(
        "telegram_bot_token",
        gen_telegram,
        ["TELEGRAM_BOT_TOKEN", "TG_TOKEN"],
        "https://core.telegram.org/bots/api#authorizing-your-bot",
        [c_telegram],
        10,
    ),
    Fmt(
        "npm_token",
        gen_npm,
        ["NPM_TOKEN", "NODE_AUTH_TOKEN"],
        "https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/",
        [c_npmrc],
        11,
    ),
    Fmt(
        "pypi_token",
        gen_pypi,
        ["PYPI_TOKEN", "TWINE_PASSWORD"],
        "https://pypi.org/help/#apitoken",
        [c_pypirc],
        10,
    ),
    Fmt(
        "huggingface_token",
        gen_hf,
        ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
        "https://huggingface.co/docs/hub/security-tokens",
        [c_hf],
        10,
        True,
    ),
    Fmt("databricks_token", gen_databricks, ["DATABRICKS_TOKEN"], GL, [c_databricks], 9, True),
    Fmt(
        "digitalocean_token",
        gen_digitalocean,
        ["DIGITALOCEAN_ACCESS_TOKEN", "DO_TOKEN"],
        "https://docs.digitalocean.com/reference/api/create-personal-access-token/",
        [c_doctl],
        9,
        True,
    ),
    Fmt("heroku_api_key", gen_heroku, ["HEROKU_API_KEY"], GL, [c_heroku], 7),
    Fmt(
        "heroku_api_key_legacy_uuid",
        gen_heroku_legacy,
        ["HEROKU_API_KEY"],
        "https://devcenter.heroku.com/articles/authentication",
        [c_heroku_legacy],
        7,
    ),
    Fmt(
        "shopify_token",
        gen_shopify,
        ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET"],
        "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens",
        [c_shopify],
        9,
    ),
    Fmt(
        "square_token",
        gen_square,
        ["SQUARE_ACCESS_TOKEN"],
        "https://developer.squareup.com/docs/build-basics/access-tokens",
        [c_square],
        9,
    ),
    Fmt(
        "braintree_access_token",
        gen_braintree,
        ["BRAINTREE_ACCESS_TOKEN", "PAYPAL_ACCESS_TOKEN"],
        GHSS,
        [c_braintree],
        8,
    ),
    Fmt(
        "atlassian_api_token",
        gen_atlassian,
        ["JIRA_API_TOKEN", "CONFLUENCE_TOKEN", "ATLASSIAN_API_TOKEN"],
        "https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/",
        [c_atlassian],
        9,
    ),
    Fmt(
        "linear_api_key",
        gen_linear,
        ["LINEAR_API_KEY"],
        "https://developers.linear.app/docs/graphql/working-with-the-graphql-api#personal-api-keys",
        [c_linear],
        8,
    ),
    Fmt(
        "notion_token",
        gen_notion,
        ["NOTION_TOKEN", "NOTION_API_KEY"],
        "https://developers.notion.com/docs/authorization",
        [c_notion],
        9,
    ),
    Fmt(
        "doppler_token",
        gen_doppler,
        ["DOPPLER_TOKEN"],
        "https://docs.doppler.com/docs/service-tokens",
        [c_doppler],
        9,
    ),
    Fmt(
        "vault_token",
        gen_vault,
        ["VAULT_TOKEN"],
        "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes",
        [c_vault],
        10,
    ),
    Fmt("pulumi_token", gen_pulumi, ["PULUMI_ACCESS_TOKEN"], GL, [c_pulumi], 8),
    Fmt(
        "grafana_service_account",
        gen_grafana_sa,
        ["GRAFANA_TOKEN", "GRAFANA_SA_TOKEN"],
        "https://grafana.com/docs/grafana/latest/administration/service-accounts/",
        [c_grafana],
        8,
    ),
    Fmt(
        "grafana_cloud_token",
        gen_grafana_cloud,
        ["GRAFANA_CLOUD_API_KEY", "GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"],
        GL,
        [c_grafana],
        7,
    ),
    Fmt(
        "newrelic_user_key",
        gen_newrelic,
        ["NEW_RELIC_API_KEY", "NEWRELIC_USER_KEY"],
        "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/",
        [c_newrelic],
        8,
    ),
    Fmt(
        "sentry_auth_token",
        gen_sentry,
        ["SENTRY_AUTH_TOKEN"],
        "https://docs.sentry.io/account/auth-tokens/",
        [c_sentry],
        9,
    ),
    Fmt("postman_api_key", gen_postman, ["POSTMAN_API_KEY"], GL, [c_postman], 8),
    Fmt(
        "age_secret_key",
        gen_age,
        ["SOPS_AGE_KEY"],
        "https://github.com/FiloSottile/age#readme",
        [c_age],
        9,
    ),
    Fmt(
        "terraform_cloud_token", gen_tfc, ["TF_TOKEN_app_terraform_io", "TFE_TOKEN"], GL, [c_tfc], 8
    ),
    Fmt(
        "onepassword_service_account",
        gen_onepassword,
        ["OP_SERVICE_ACCOUNT_TOKEN"],
        "https://developer.1password.com/docs/service-accounts/",
        [c_onepassword],
        6,
    ),
    Fmt(
        "jwt_bearer",
        gen_jwt,
        ["ACCESS_TOKEN", "ID_TOKEN", "API_JWT"],
        "https://datatracker.ietf.org/doc/html/rfc7519",
        [c_jwt],
        13,
        True,
    ),
    Fmt(
        "meta_access_token",
        lambda: "EAAG" + rs(ALNUM, 180),
        ["FACEBOOK_ACCESS_TOKEN", "META_PAGE_TOKEN"],
        GHSS,
        [c_bearer_curl],
        6,
    ),
]

COMPOSITE: list[tuple[Callable[[], tuple[str, str, str]], int, str]] = [
    (
        gen_aws_pair_case,
        10,
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    ),
    (
        gen_aws_session_case,
        9,
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html",
    ),
    (lambda: gen_pem_case("rsa"), 10, "https://datatracker.ietf.org/doc/html/rfc7468"),
    (lambda: gen_pem_case("ec"), 8, "https://datatracker.ietf.org/doc/html/rfc5915"),
    (
        lambda: gen_pem_case("openssh"),
        9,
        "https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key",
    ),
    (lambda: gen_pem_case("pkcs8"), 12, "https://cloud.google.com/iam/docs/keys-create-delete"),
    (gen_password_case, 28, "https://dev.mysql.com/doc/refman/8.0/en/password-security-user.html"),
    (gen_conn_url_case, 22, "https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1"),
    (gen_basic_auth_case, 10, "https://datatracker.ietf.org/doc/html/rfc7617"),
    (
        gen_docker_auth_case,
        10,
        "https://docs.docker.com/reference/cli/docker/login/#credential-stores",
    ),
    (gen_docker_pat_case, 7, "https://docs.docker.com/security/for-developers/access-tokens/"),
]


# --------------------------------------------------------------------------- second wave: newer
# vendors, unprefixed context-dependent secrets and encoded credentials


def gen_groq() -> str:
    return "gsk_" + rs(ALNUM, 52)


def gen_replicate() -> str:
    return "r8_" + rs(ALNUM, 37)


def gen_perplexity() -> str:
    return "pplx-" + rs(ALNUM, 48)


def gen_xai() -> str:
    return "xai-" + rs(ALNUM, 80)


def gen_openrouter() -> str:
    return "sk-or-v1-" + rs(HEX, 64)


def gen_deepseek() -> str:
    return "sk-" + rs(HEX, 32)


def gen_langsmith() -> str:
    return pick(["lsv2_pt_", "lsv2_sk_"]) + rs(HEX, 32) + "_" + rs(HEX, 10)


def gen_pinecone() -> str:
    return "pcsk_" + rs(ALNUM, 6) + "_" + rs(ALNUM, 63)


def gen_tailscale() -> str:
    return pick(["tskey-auth-", "tskey-api-"]) + "k" + rs(ALNUM, 10) + "CNTRL-" + rs(ALNUM, 33)


def gen_supabase() -> str:
    return "sbp_" + rs(HEX, 40)


def gen_buildkite() -> str:
    return "bkua_" + rs(HEX, 40)


def gen_sonar() -> str:
    return pick(["squ_", "sqp_", "sqa_"]) + rs(HEX, 40)


def gen_fly() -> str:
    return "FlyV1 fm2_" + rs(B64, 240) + "," + "fm2_" + rs(B64, 160)


def gen_mapbox_secret() -> str:
    payload = b64u(
        json.dumps(
            {"u": word() + str(R.randint(1, 99)), "a": rs(LOWNUM, 25)}, separators=(",", ":")
        ).encode()
    )
    return "sk." + payload + "." + rs(URLSAFE, 22)


def gen_dropbox() -> str:
    return "sl." + pick(["B", "u.A", "C"]) + rs(URLSAFE, 136)


def gen_twitter_bearer() -> str:
    return "A" * 22 + rs(ALNUM, 18) + "%3D" + rs(ALNUM, 50)


def gen_fcm() -> str:
    return "AAAA" + rs(URLSAFE, 7) + ":APA91b" + rs(URLSAFE, 134)


def gen_netlify() -> str:
    return "nfp_" + rs(ALNUM, 36)


def gen_asana() -> str:
    return f"2/{R.randint(10**15, 10**16 - 1)}/{R.randint(10**15, 10**16 - 1)}:{rs(HEX, 32)}"


def gen_airtable() -> str:
    return "pat" + rs(ALNUM, 14) + "." + rs(HEX, 64)


def gen_contentful() -> str:
    return "CFPAT-" + rs(URLSAFE, 43)


def gen_figma() -> str:
    return "figd_" + rs(URLSAFE, 40)


def gen_resend() -> str:
    return "re_" + rs(ALNUM, 8) + "_" + rs(ALNUM, 24)


def gen_gocspx() -> str:
    return "GOCSPX-" + rs(URLSAFE, 28)


def gen_ya29() -> str:
    return "ya29." + rs(URLSAFE, R.choice([150, 180, 220]))


def gen_google_refresh() -> str:
    return "1//0" + rs(URLSAFE, 99)


def gen_alibaba() -> str:
    return "LTAI5t" + rs(ALNUM, 18)


def gen_azdo() -> str:
    return rs("abcdefghijklmnopqrstuvwxyz234567", 52)


def gen_okta() -> str:
    return "00" + rs(URLSAFE, 40)


def gen_anthropic_admin() -> str:
    return "sk-ant-admin01-" + rs(URLSAFE, 93) + "AA"


def gen_hex32() -> str:
    return rs(HEX, 32)


def gen_hex40() -> str:
    return rs(HEX, 40)


def gen_cf_token() -> str:
    return rs(URLSAFE, 40)


def gen_vercel() -> str:
    return rs(ALNUM, 24)


def gen_uuid_secret() -> str:
    return ruuid()


def gen_launchdarkly() -> str:
    return pick(["sdk-", "api-"]) + ruuid()


def gen_jupyter() -> str:
    return rs(HEX, 48)


def gen_wireguard() -> str:
    raw = bytearray(rbytes(32))
    raw[0] &= 248
    raw[31] = (raw[31] & 127) | 64
    return b64(bytes(raw))


def gen_rails_skb() -> str:
    return rs(HEX, 128)


def gen_django() -> str:
    return (
        "django-insecure-" + rs(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)
        if R.random() < 0.3
        else rs(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)
    )


def gen_b64_32() -> str:
    return b64(rbytes(32))


def gen_laravel() -> str:
    return "base64:" + b64(rbytes(32))


def c_llm_api(s: str, v: str) -> tuple[str, str]:
    base = {
        "GROQ": "https://api.groq.com/openai/v1",
        "REPLICATE": "https://api.replicate.com/v1",
        "PERPLEXITY": "https://api.perplexity.ai",
        "XAI": "https://api.x.ai/v1",
        "OPENROUTER": "https://openrouter.ai/api/v1",
        "DEEPSEEK": "https://api.deepseek.com",
    }.get(v.split("_")[0], "https://api.example-llm.com/v1")
    return pick(
        [
            f'curl {base}/chat/completions -H "Authorization: Bearer {s}" -H "Content-Type: application/json" -d \'{{"model":"m","messages":[{{"role":"user","content":"hi"}}]}}\'',
            f'>>> client = OpenAI(base_url="{base}", api_key="{s}")',
            f"litellm --model {pick(['groq/llama3-70b', 'openrouter/auto', 'deepseek/deepseek-chat'])} --api_key {s} --port 4000",
        ]
    ), s


def c_env_kv(s: str, v: str) -> tuple[str, str]:
    return pick([f"{v}={s}", f"export {v}='{s}'", f'docker run -e {v}="{s}" acme/svc:latest']), s


def c_langsmith(s: str, v: str) -> tuple[str, str]:
    return (
        f"LANGCHAIN_TRACING_V2=true LANGCHAIN_API_KEY={s} LANGCHAIN_PROJECT={word()} python agent.py",
        s,
    )


def c_tailscale(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"sudo tailscale up --authkey={s} --hostname={host()} --ssh",
            f"docker run -d --name ts -e TS_AUTHKEY={s} -e TS_STATE_DIR=/var/lib/tailscale tailscale/tailscale",
        ]
    ), s


def c_fly_tok(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f'FLY_API_TOKEN="{s}" flyctl deploy --remote-only',
            f"$ fly tokens create deploy -x 720h\n{s}",
        ]
    ), s


def c_mapbox(s: str, v: str) -> tuple[str, str]:
    return f"$ cat ~/.netrc\nmachine api.mapbox.com\n  login mapbox\n  password {s}", s


def c_dropbox(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -X POST https://api.dropboxapi.com/2/files/list_folder --header "Authorization: Bearer {s}" --header "Content-Type: application/json" --data \'{{"path":""}}\'',
        s,
    )


def c_fcm(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -X POST -H "Authorization: key={s}" -H "Content-Type: application/json" -d @push.json https://fcm.googleapis.com/fcm/send',
        s,
    )


def c_google_oauth(s: str, v: str) -> tuple[str, str]:
    cid = f"{R.randint(10**11, 10**12 - 1)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com"
    return pick(
        [
            f'$ cat client_secret.json\n{{"installed":{{"client_id":"{cid}","project_id":"{word()}-{R.randint(1000, 9999)}","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token","client_secret":"{s}","redirect_uris":["http://localhost"]}}}}',
            f"GOOGLE_CLIENT_ID={cid}\nGOOGLE_CLIENT_SECRET={s}",
        ]
    ), s


def c_gcloud_token(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"$ gcloud auth print-access-token\n{s}",
            f'curl -H "Authorization: Bearer {s}" https://storage.googleapis.com/storage/v1/b?project={word()}-prod',
            f'$ cat ~/.config/gcloud/application_default_credentials.json\n{{\n  "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",\n  "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",\n  "refresh_token": "{s}",\n  "type": "authorized_user"\n}}',
        ]
    ), s


def c_alibaba(s: str, v: str) -> tuple[str, str]:
    return (
        f"aliyun configure set --profile prod --mode AK --region cn-hangzhou --access-key-id {s} --access-key-secret {rs(ALNUM, 30)}",
        s,
    )


def c_azdo(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"echo {s} | az devops login --organization https://dev.azure.com/acme",
            f"git clone https://pat:{s}@dev.azure.com/acme/{word()}/_git/{word()}",
            f"AZURE_DEVOPS_EXT_PAT={s}",
        ]
    ), s


def c_okta(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -H "Authorization: SSWS {s}" -H "Accept: application/json" https://acme.okta.com/api/v1/users?limit=5',
        s,
    )


def c_datadog(s: str, v: str) -> tuple[str, str]:
    if v == "DD_API_KEY":
        return pick(
            [
                f'DOCKER_CONTENT_TRUST=1 docker run -d --name dd-agent -e DD_API_KEY={s} -e DD_SITE="datadoghq.eu" -v /var/run/docker.sock:/var/run/docker.sock:ro gcr.io/datadoghq/agent:7',
                f"$ sudo cat /etc/datadog-agent/datadog.yaml | head -3\napi_key: {s}\nsite: datadoghq.com\nlogs_enabled: true",
                f'curl -X GET "https://api.datadoghq.com/api/v1/validate" -H "DD-API-KEY: {s}"',
            ]
        ), s
    return (
        f'curl -s "https://api.datadoghq.com/api/v1/monitor" -H "DD-API-KEY: {rs(HEX, 32)}" -H "DD-APPLICATION-KEY: {s}"',
        s,
    )


def c_cloudflare(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f'curl "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer {s}"',
            f"CLOUDFLARE_API_TOKEN={s} wrangler deploy",
            f'$ cat ~/.cloudflared/cert.json 2>/dev/null; cat ~/.wrangler/config/default.toml\napi_token = "{s}"',
        ]
    ), s


def c_slack_signing(s: str, v: str) -> tuple[str, str]:
    return pick(
        [f"SLACK_SIGNING_SECRET={s}", f"slack-bolt-app --signing-secret {s} --port 3000"]
    ), s


def c_algolia(s: str, v: str) -> tuple[str, str]:
    return (
        f'curl -X GET -H "X-Algolia-API-Key: {s}" -H "X-Algolia-Application-Id: {rs(UPNUM, 10)}" "https://{rs(UPNUM, 10)}-dsn.algolia.net/1/indexes"',
        s,
    )


def c_vercel(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"vercel deploy --prod --token {s}",
            f"vercel --token={s} env pull .env.local",
            f"VERCEL_TOKEN={s}",
        ]
    ), s


def c_uuid_secret(s: str, v: str) -> tuple[str, str]:
    if v == "SECRET_ID":
        return (
            f"$ vault write -f auth/approle/role/{word()}/secret-id\nKey                   Value\n---                   -----\nsecret_id             {s}\nsecret_id_accessor    {ruuid()}\nsecret_id_num_uses    0\nsecret_id_ttl         0s",
            s,
        )
    if v == "CONSUL_HTTP_TOKEN":
        return pick(
            [
                f"CONSUL_HTTP_TOKEN={s} consul kv get -recurse app/",
                f"$ consul acl token create -policy-name=ci\nAccessorID:       {ruuid()}\nSecretID:         {s}\nDescription:\nLocal:            false",
            ]
        ), s
    if v == "SNYK_TOKEN":
        return pick([f"snyk auth {s}", f"SNYK_TOKEN={s} snyk test --severity-threshold=high"]), s
    return f"NOMAD_TOKEN={s} nomad job status", s


def c_launchdarkly(s: str, v: str) -> tuple[str, str]:
    return pick(
        [
            f"LAUNCHDARKLY_SDK_KEY={s}",
            f'curl -H "Authorization: {s}" https://app.launchdarkly.com/api/v2/flags/default',
        ]
    ), s


def c_jupyter(s: str, v: str) -> tuple[str, str]:
    port = R.choice([8888, 8889, 8890])
    return (
        f"[I 2025-03-11 10:22:41.512 ServerApp] Jupyter Server 2.14.2 is running at:\n"
        f"[I 2025-03-11 10:22:41.512 ServerApp] http://{host()}:{port}/lab?token={s}\n"
        f"[I 2025-03-11 10:22:41.512 ServerApp]     http://127.0.0.1:{port}/lab?token={s}\n"
        "[I 2025-03-11 10:22:41.512 ServerApp] Use Control-C to stop this server and shut down all kernels (twice to skip confirmation)."
    ), s


def c_wireguard(s: str, v: str) -> tuple[str, str]:
    pub = b64(rbytes(32))
    return pick(
        [
            f"$ sudo cat /etc/wireguard/wg0.conf\n[Interface]\nAddress = 10.8.0.{R.randint(2, 250)}/24\nPrivateKey = {s}\nListenPort = 51820\n\n[Peer]\nPublicKey = {pub}\nAllowedIPs = 0.0.0.0/0\nEndpoint = vpn.acme.net:51820",
            f"$ wg genkey | tee privatekey | wg pubkey\n{pub}\n$ cat privatekey\n{s}",
        ]
    ), s


APP_CTX: list[Ctx] = [
    c_printenv,
    c_dotenv,
    c_yaml,
    c_jsonlog,
    c_compose,
    c_dotnet_json,
    c_kubectl,
    c_helm,
    c_docker,
    c_export,
    c_systemd,
    c_multiline,
    c_glued_prompt,
    c_set_output,
]


def c_app_secret(s: str, v: str) -> tuple[str, str]:
    return R.choice(APP_CTX)(s, v)


FORMATS2: list[Fmt] = [
    Fmt(
        "groq_api_key",
        gen_groq,
        ["GROQ_API_KEY"],
        "https://console.groq.com/docs/api-keys",
        [c_llm_api],
        7,
    ),
    Fmt(
        "replicate_token",
        gen_replicate,
        ["REPLICATE_API_TOKEN"],
        "https://replicate.com/docs/topics/security/api-tokens",
        [c_llm_api],
        6,
    ),
    Fmt(
        "perplexity_api_key",
        gen_perplexity,
        ["PERPLEXITY_API_KEY"],
        "https://docs.perplexity.ai/guides/getting-started",
        [c_llm_api],
        6,
    ),
    Fmt("xai_api_key", gen_xai, ["XAI_API_KEY"], "https://docs.x.ai/docs/overview", [c_llm_api], 6),
    Fmt(
        "openrouter_api_key",
        gen_openrouter,
        ["OPENROUTER_API_KEY"],
        "https://openrouter.ai/docs/api-reference/authentication",
        [c_llm_api],
        7,
    ),
    Fmt(
        "deepseek_api_key",
        gen_deepseek,
        ["DEEPSEEK_API_KEY"],
        "https://api-docs.deepseek.com/",
        [c_llm_api],
        7,
    ),
    Fmt("anthropic_admin_key", gen_anthropic_admin, ["ANTHROPIC_ADMIN_KEY"], GL, [c_env_kv], 5),
    Fmt(
        "langsmith_api_key",
        gen_langsmith,
        ["LANGCHAIN_API_KEY", "LANGSMITH_API_KEY"],
        "https://docs.smith.langchain.com/administration/how_to_guides/organization_management/create_account_api_key",
        [c_langsmith],
        6,
    ),
    Fmt(
        "pinecone_api_key",
        gen_pinecone,
        ["PINECONE_API_KEY"],
        "https://docs.pinecone.io/guides/projects/manage-api-keys",
        [c_env_kv],
        6,
    ),
    Fmt(
        "tailscale_key",
        gen_tailscale,
        ["TS_AUTHKEY", "TAILSCALE_API_KEY"],
        "https://tailscale.com/kb/1085/auth-keys",
        [c_tailscale],
        7,
    ),
    Fmt(
        "supabase_access_token",
        gen_supabase,
        ["SUPABASE_ACCESS_TOKEN"],
        "https://supabase.com/docs/reference/cli/supabase-login",
        [c_env_kv],
        6,
    ),
    Fmt(
        "buildkite_token",
        gen_buildkite,
        ["BUILDKITE_API_TOKEN"],
        "https://buildkite.com/docs/apis/managing-api-tokens",
        [c_bearer_curl],
        5,
    ),
    Fmt(
        "sonarqube_token",
        gen_sonar,
        ["SONAR_TOKEN"],
        "https://docs.sonarsource.com/sonarqube-server/latest/user-guide/managing-tokens/",
        [c_env_kv],
        6,
    ),
    Fmt(
        "flyio_token",
        gen_fly,
        ["FLY_API_TOKEN"],
        "https://fly.io/docs/security/tokens/",
        [c_fly_tok],
        6,
        strip="FlyV1 ",
    ),
    Fmt(
        "mapbox_secret_token",
        gen_mapbox_secret,
        ["MAPBOX_DOWNLOADS_TOKEN"],
        "https://docs.mapbox.com/accounts/guides/tokens/",
        [c_mapbox],
        6,
    ),
    Fmt(
        "dropbox_token",
        gen_dropbox,
        ["DROPBOX_ACCESS_TOKEN"],
        "https://developers.dropbox.com/oauth-guide",
        [c_dropbox],
        6,
    ),
    Fmt(
        "twitter_bearer_token",
        gen_twitter_bearer,
        ["TWITTER_BEARER_TOKEN", "X_BEARER_TOKEN"],
        "https://developer.x.com/en/docs/authentication/oauth-2-0/bearer-tokens",
        [c_bearer_curl],
        6,
    ),
    Fmt(
        "fcm_server_key",
        gen_fcm,
        ["FCM_SERVER_KEY"],
        "https://firebase.google.com/docs/cloud-messaging/auth-server",
        [c_fcm],
        5,
    ),
    Fmt(
        "netlify_token",
        gen_netlify,
        ["NETLIFY_AUTH_TOKEN"],
        "https://docs.netlify.com/api/get-started/#authentication",
        [c_env_kv],
        5,
    ),
    Fmt(
        "asana_pat",
        gen_asana,
        ["ASANA_ACCESS_TOKEN"],
        "https://developers.asana.com/docs/personal-access-token",
        [c_bearer_curl],
        5,
    ),
    Fmt(
        "airtable_pat",
        gen_airtable,
        ["AIRTABLE_API_KEY", "AIRTABLE_TOKEN"],
        "https://airtable.com/developers/web/guides/personal-access-tokens",
        [c_bearer_curl],
        6,
    ),
    Fmt(
        "contentful_pat",
        gen_contentful,
        ["CONTENTFUL_MANAGEMENT_TOKEN"],
        "https://www.contentful.com/developers/docs/references/authentication/",
        [c_env_kv],
        5,
    ),
    Fmt(
        "figma_pat",
        gen_figma,
        ["FIGMA_TOKEN"],
        "https://www.figma.com/developers/api#access-tokens",
        [c_env_kv],
        5,
    ),
    Fmt(
        "resend_api_key",
        gen_resend,
        ["RESEND_API_KEY"],
        "https://resend.com/docs/dashboard/api-keys/introduction",
        [c_bearer_curl],
        5,
    ),
    Fmt(
        "google_oauth_client_secret",
        gen_gocspx,
        ["GOOGLE_CLIENT_SECRET"],
        "https://developers.google.com/identity/protocols/oauth2",
        [c_google_oauth],
        7,
    ),
    Fmt(
        "google_oauth_access_token",
        gen_ya29,
        ["GOOGLE_ACCESS_TOKEN"],
        "https://developers.google.com/identity/protocols/oauth2",
        [c_gcloud_token],
        6,
    ),
    Fmt(
        "google_oauth_refresh_token",
        gen_google_refresh,
        ["GOOGLE_REFRESH_TOKEN"],
        "https://developers.google.com/identity/protocols/oauth2",
        [c_gcloud_token],
        5,
    ),
    Fmt("alibaba_access_key_id", gen_alibaba, ["ALIBABA_CLOUD_ACCESS_KEY_ID"], GL, [c_alibaba], 5),
    Fmt(
        "azure_devops_pat",
        gen_azdo,
        ["AZURE_DEVOPS_EXT_PAT", "ADO_PAT"],
        "https://learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate",
        [c_azdo],
        7,
    ),
    Fmt(
        "okta_api_token",
        gen_okta,
        ["OKTA_API_TOKEN"],
        "https://developer.okta.com/docs/guides/create-an-api-token/",
        [c_okta],
        6,
    ),
    Fmt(
        "datadog_api_key",
        gen_hex32,
        ["DD_API_KEY"],
        "https://docs.datadoghq.com/account_management/api-app-keys/",
        [c_datadog],
        8,
    ),
    Fmt(
        "datadog_app_key",
        gen_hex40,
        ["DD_APP_KEY"],
        "https://docs.datadoghq.com/account_management/api-app-keys/",
        [c_datadog],
        6,
    ),
    Fmt(
        "cloudflare_api_token",
        gen_cf_token,
        ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"],
        "https://developers.cloudflare.com/fundamentals/api/get-started/create-token/",
        [c_cloudflare],
        8,
    ),
    Fmt(
        "slack_signing_secret",
        gen_hex32,
        ["SLACK_SIGNING_SECRET"],
        "https://api.slack.com/authentication/verifying-requests-from-slack",
        [c_slack_signing],
        6,
    ),
    Fmt(
        "algolia_admin_key",
        gen_hex32,
        ["ALGOLIA_ADMIN_KEY", "ALGOLIA_API_KEY"],
        "https://www.algolia.com/doc/guides/security/api-keys/",
        [c_algolia],
        6,
    ),
    Fmt(
        "vercel_token",
        gen_vercel,
        ["VERCEL_TOKEN"],
        "https://vercel.com/docs/rest-api#creating-an-access-token",
        [c_vercel],
        7,
    ),
    Fmt(
        "uuid_shaped_secret",
        gen_uuid_secret,
        ["SECRET_ID", "CONSUL_HTTP_TOKEN", "SNYK_TOKEN", "NOMAD_TOKEN"],
        "https://developer.hashicorp.com/vault/docs/auth/approle",
        [c_uuid_secret],
        10,
    ),
    Fmt(
        "launchdarkly_key",
        gen_launchdarkly,
        ["LAUNCHDARKLY_SDK_KEY", "LD_API_KEY"],
        "https://docs.launchdarkly.com/home/account/api",
        [c_launchdarkly],
        5,
    ),
    Fmt(
        "jupyter_token",
        gen_jupyter,
        ["JUPYTER_TOKEN"],
        "https://jupyter-server.readthedocs.io/en/latest/operators/security.html",
        [c_jupyter],
        6,
    ),
    Fmt(
        "wireguard_private_key",
        gen_wireguard,
        ["WG_PRIVATE_KEY"],
        "https://www.wireguard.com/quickstart/",
        [c_wireguard],
        8,
    ),
    Fmt(
        "rails_secret_key_base",
        gen_rails_skb,
        ["SECRET_KEY_BASE"],
        "https://guides.rubyonrails.org/security.html#custom-credentials",
        [c_app_secret],
        7,
    ),
    Fmt(
        "django_secret_key",
        gen_django,
        ["DJANGO_SECRET_KEY", "SECRET_KEY"],
        "https://docs.djangoproject.com/en/5.1/ref/settings/#secret-key",
        [c_app_secret],
        7,
    ),
    Fmt(
        "app_signing_secret_b64",
        gen_b64_32,
        ["NEXTAUTH_SECRET", "JWT_SECRET", "SESSION_SECRET", "AUTH_SECRET", "COOKIE_SECRET"],
        "https://next-auth.js.org/configuration/options#secret",
        [c_app_secret],
        10,
    ),
    Fmt(
        "laravel_app_key",
        gen_laravel,
        ["APP_KEY"],
        "https://laravel.com/docs/11.x/encryption#configuration",
        [c_app_secret],
        6,
    ),
]


def gen_password_case2() -> tuple[str, str, str]:
    """More tools that take a literal password on the command line or in their config."""
    pw = password()
    q = shq(pw)
    u = user()
    k = R.randint(0, 19)
    ts = [
        f"smbclient //fs01/share -U 'CORP\\{u}%{pw}' -c 'ls'",
        f"sqlplus {u}/{q}@//ora-prod.internal:1521/ORCLPDB1",
        f"7z a -p{q} -mhe=on backup.7z ./exports",
        f"zip -r -P {q} logs.zip /var/log/app",
        f"gpg --batch --yes --passphrase {q} -c secrets.tar",
        f"ldapsearch -x -H ldaps://ldap.acme.net -D 'cn={u},ou=svc,dc=acme,dc=net' -w {q} '(uid=mara)'",
        f"wget --user={u} --password={q} https://artifacts.internal/releases/app-1.4.2.tgz",
        f"lftp -u {u},{q} sftp://files.acme.net -e 'mirror -R dist /www; bye'",
        f"htpasswd -b -B /etc/nginx/.htpasswd {u} {q}",
        f"echo '{u}:{pw}' | sudo chpasswd",
        f"rabbitmqctl add_user {u} {q} && rabbitmqctl set_user_tags {u} administrator",
        f"xfreerdp /v:10.0.2.{R.randint(2, 250)} /u:Administrator /p:{q} /cert:ignore",
        f"net use Z: \\\\fs01\\finance /user:CORP\\{u} {pw} /persistent:no",
        f"mongodump --uri mongodb://db.internal:27017 --username {u} --password {q} --authenticationDatabase admin",
        f"RSYNC_PASSWORD={q} rsync -av ./site/ rsync://{u}@mirror.acme.net/www/",
        f"svn checkout https://svn.acme.net/repos/core --username {u} --password {q} --non-interactive",
        f"http -a {u}:{q} GET https://api.internal/v1/health",
        f"docker build --build-arg DB_PASSWORD={q} -t acme/api:dev .",
        f"influx -username {u} -password {q} -execute 'SHOW DATABASES'",
        f'$ cat ~/.my.cnf\n[client]\nuser={u}\npassword="{pw}"\nhost=db.internal',
    ]
    return ts[k], pw, "password_cli"


def gen_password_env_case() -> tuple[str, str, str]:
    pw = password()
    v = pick(
        [
            "DB_PASS",
            "SMTP_PASSWORD",
            "REDIS_PASSWORD",
            "ADMIN_PWD",
            "POSTGRES_PASSWORD",
            "LDAP_BIND_PW",
            "KEYCLOAK_ADMIN_PASSWORD",
            "MINIO_ROOT_PASSWORD",
            "RABBITMQ_DEFAULT_PASS",
            "GF_SECURITY_ADMIN_PASSWORD",
        ]
    )
    t, shown = R.choice(
        [
            c_printenv,
            c_dotenv,
            c_compose,
            c_kubectl,
            c_helm,
            c_systemd,
            c_jsonlog,
            c_yaml,
            c_powershell,
            c_wincmd,
        ]
    )(pw, v)
    if R.random() < 0.3:
        t = f'$ docker inspect {word()} --format "{{{{json .Config.Env}}}}"\n' + json.dumps(
            [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                f"{v}={pw}",
                "LANG=C.UTF-8",
            ]
        )
        shown = pw
    return t, shown, "password_env"


def gen_k8s_b64_case() -> tuple[str, str, str]:
    inner = pick([password(), gen_ghp(), gen_stripe_live(), rs(ALNUM, 32), gen_slack_bot()])
    enc = b64(inner.encode())
    return (
        f"$ kubectl get secret {word()}-credentials -n prod -o yaml\napiVersion: v1\ndata:\n  {pick(['password', 'api-token', 'token', 'secret-key'])}: {enc}\n  username: {b64(user().encode())}\nkind: Secret\nmetadata:\n  name: {word()}-credentials\n  namespace: prod\ntype: Opaque",
        enc,
        "k8s_secret_data_b64",
    )


def gen_kubeconfig_case() -> tuple[str, str, str]:
    block, _ = pem(pick(["rsa", "ec"]))
    enc = b64(block.encode())
    ca = b64(
        f"-----BEGIN CERTIFICATE-----\n{pem_body('MIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAV', 900)}\n-----END CERTIFICATE-----".encode()
    )
    return (
        f"$ kubectl config view --raw\napiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca[:120]}\n    server: https://10.0.0.{R.randint(2, 250)}:6443\n  name: prod\nusers:\n- name: admin\n  user:\n    client-certificate-data: {ca[:96]}\n    client-key-data: {enc}",
        enc,
        "kubeconfig_client_key",
    )


def gen_ecr_case() -> tuple[str, str, str]:
    payload = json.dumps(
        {
            "payload": b64(rbytes(600)),
            "datakey": b64(rbytes(180)),
            "version": "2",
            "type": "DATA_KEY",
            "expiration": R.randint(1730000000, 1760000000),
        },
        separators=(",", ":"),
    )
    tok = b64(payload.encode())
    acct = R.randint(10**11, 10**12 - 1)
    return (
        pick(
            [
                f"$ aws ecr get-login-password --region us-east-1\n{tok}",
                f"docker login --username AWS --password {tok} {acct}.dkr.ecr.us-east-1.amazonaws.com",
            ]
        ),
        tok,
        "aws_ecr_login_password",
    )


def gen_cloudinary_case() -> tuple[str, str, str]:
    sec = rs(URLSAFE, 27)
    return (
        f"CLOUDINARY_URL=cloudinary://{R.randint(10**14, 10**15 - 1)}:{sec}@{word()}",
        sec,
        "cloudinary_url_secret",
    )


def gen_json_slash_case() -> tuple[str, str, str]:
    """Secrets whose '/' or '+' is escaped by the JSON encoder (PHP json_encode, Go, .NET)."""
    while True:
        sec = gen_aws_secret()
        if "/" in sec or "+" in sec:
            break
    esc = sec.replace("/", pick(["\\/", "\\u002f", "\\u002F"])).replace("+", pick(["+", "\\u002b"]))
    t = pick(
        [
            f'{{"level":"debug","time":"{log_ts()}","msg":"assume role ok","credentials":{{"AccessKeyId":"AKIA{rs(B32, 16)}","SecretAccessKey":"{esc}"}}}}',
            f'{{"@timestamp":"{log_ts()}","message":"config dump","aws":{{"key":"AKIA{rs(B32, 16)}","secret":"{esc}"}}}}',
        ]
    )
    return t, esc, "aws_secret_access_key_json_escaped"


COMPOSITE2: list[tuple[Callable[[], tuple[str, str, str]], int, str]] = [
    (
        gen_password_case2,
        40,
        "https://man7.org/linux/man-pages/man1/sshpass.1.html (literal passwords on command lines)",
    ),
    (gen_password_env_case, 22, "https://docs.docker.com/reference/cli/docker/container/run/#env"),
    (gen_k8s_b64_case, 10, "https://kubernetes.io/docs/concepts/configuration/secret/"),
    (
        gen_kubeconfig_case,
        6,
        "https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/",
    ),
    (
        gen_ecr_case,
        6,
        "https://docs.aws.amazon.com/cli/latest/reference/ecr/get-login-password.html",
    ),
    (gen_cloudinary_case, 5, "https://cloudinary.com/documentation/node_integration#configuration"),
    (
        gen_json_slash_case,
        8,
        "https://www.php.net/manual/en/function.json-encode.php (escapes '/' by default)",
    ),
]


def positives() -> list[Case]:
    out: list[Case] = []
    for f, scale in [(fm, 0.45) for fm in FORMATS] + [(fm, 0.7) for fm in FORMATS2]:
        for i in range(max(5, round(f.n * scale))):
            s = f.gen()
            v = pick(f.vars)
            r = R.random()
            if f.special and (r < 0.45 or f.vars == ["X"]):
                ctx = R.choice(f.special)
            elif f.bearer and r < 0.6:
                ctx = R.choice(BEARER)
            else:
                pool = APP_CTX if c_app_secret in f.special else GENERIC
                ctx = pool[(i * 7 + len(out)) % len(pool)]
            text, shown = ctx(s, v)
            shown = shown.removeprefix(f.strip)
            out.append({"text": text, "secret": shown, "format": f.name, "source": f.source})
    for gen, n, src in COMPOSITE + COMPOSITE2:
        for _ in range(n):
            text, secret, fmt = gen()
            out.append({"text": text, "secret": secret, "format": fmt, "source": src})
    return out


# --------------------------------------------------------------------------- negatives

JWT_IO = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


def sha40() -> str:
    return rs(HEX, 40)


def n_git_sha() -> str:
    k = R.randint(0, 6)
    if k == 0:
        return "$ git log --oneline -n 6\n" + "\n".join(
            f"{rs(HEX, 7)} {pick(['fix', 'feat', 'chore', 'docs'])}: {word()} {word()}"
            for _ in range(6)
        )
    if k == 1:
        return f"$ git log -1\ncommit {sha40()} (HEAD -> main, origin/main)\nAuthor: Mara Lind <mara@acme.dev>\nDate:   Tue Mar 4 10:12:55 2025 +0100\n\n    Bump {word()} to 2.{R.randint(0, 9)}.{R.randint(0, 9)}"
    if k == 2:
        return f"$ git rev-parse HEAD\n{sha40()}"
    if k == 3:
        return "$ git show-ref --heads\n" + "\n".join(
            f"{sha40()} refs/heads/{b}" for b in ["main", "develop", f"feature/{word()}"]
        )
    if k == 4:
        env = [
            *filler_env()[:6],
            f"GITHUB_SHA={sha40()}",
            f"GITHUB_RUN_ID={R.randint(10**9, 10**10)}",
            "GITHUB_REF=refs/heads/main",
            f"CI_COMMIT_SHA={sha40()}",
        ]
        return "\n".join(env)
    if k == 5:
        return f"From github.com:acme/{word()}\n   {rs(HEX, 9)}..{rs(HEX, 9)}  main       -> origin/main\nUpdating {rs(HEX, 9)}..{rs(HEX, 9)}\nFast-forward\n src/app.py | 4 ++--"
    return f"$ git submodule status\n {sha40()} vendor/{word()} (v1.{R.randint(0, 20)}.0)\n+{sha40()} vendor/{word()} (heads/main)"


def n_docker_digest() -> str:
    d = rs(HEX, 64)
    k = R.randint(0, 4)
    if k == 0:
        return f"$ docker pull nginx:1.27\n1.27: Pulling from library/nginx\n{rs(HEX, 12)}: Pull complete\n{rs(HEX, 12)}: Pull complete\nDigest: sha256:{d}\nStatus: Downloaded newer image for nginx:1.27"
    if k == 1:
        return f"$ docker images --digests\nREPOSITORY        TAG     DIGEST                                                                    IMAGE ID       CREATED       SIZE\nacme/api          2.3.1   sha256:{d}   {rs(HEX, 12)}   3 days ago    187MB"
    if k == 2:
        return f"image: ghcr.io/acme/{word()}@sha256:{d}\nimagePullPolicy: IfNotPresent"
    if k == 3:
        return f'$ docker inspect --format "{{{{.Id}}}}" {word()}\nsha256:{d}'
    return f"#12 exporting layers 2.1s done\n#12 writing image sha256:{d} done\n#12 naming to docker.io/acme/{word()}:latest done"


def n_lockfile() -> str:
    k = R.randint(0, 5)
    if k == 0:
        return f'$ grep -A3 \'"node_modules/{word()}"\' package-lock.json\n    "node_modules/{word()}": {{\n      "version": "4.{R.randint(0, 9)}.1",\n      "resolved": "https://registry.npmjs.org/{word()}/-/{word()}-4.1.1.tgz",\n      "integrity": "sha512-{b64(rbytes(64))}",'
    if k == 1:
        return f'{word()}@^2.0.0:\n  version "2.{R.randint(0, 9)}.3"\n  resolved "https://registry.yarnpkg.com/{word()}/-/{word()}-2.1.3.tgz#{sha40()}"\n  integrity sha512-{b64(rbytes(64))}'
    if k == 2:
        return f"$ cat requirements.txt\nrequests==2.32.3 \\\n    --hash=sha256:{rs(HEX, 64)} \\\n    --hash=sha256:{rs(HEX, 64)}\nurllib3==2.2.2 \\\n    --hash=sha256:{rs(HEX, 64)}"
    if k == 3:
        return f"$ tail -n 4 go.sum\ngithub.com/{word()}/{word()} v1.{R.randint(0, 9)}.0 h1:{b64(rbytes(32))}\ngithub.com/{word()}/{word()} v1.2.0/go.mod h1:{b64(rbytes(32))}"
    if k == 4:
        return f'[[package]]\nname = "{word()}"\nversion = "0.{R.randint(1, 30)}.2"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{rs(HEX, 64)}"'
    return f'[[package]]\nname = "{word()}"\nversion = "1.0.{R.randint(0, 9)}"\nfiles = [\n    {{file = "{word()}-1.0.0-py3-none-any.whl", hash = "sha256:{rs(HEX, 64)}"}},\n]'


def n_ids() -> str:
    k = R.randint(0, 6)
    if k == 0:
        return f"< HTTP/2 200\n< x-request-id: {ruuid()}\n< x-amz-request-id: {rs(UPNUM, 16)}\n< x-amz-id-2: {b64(rbytes(57))}"
    if k == 1:
        return f"{log_ts()} INFO request_id={ruuid()} trace_id={rs(HEX, 32)} span_id={rs(HEX, 16)} GET /orders 200 12ms"
    if k == 2:
        return f"traceparent: 00-{rs(HEX, 32)}-{rs(HEX, 16)}-01"
    if k == 3:
        return f"$ kubectl get pod {word()}-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)} -o jsonpath='{{.metadata.uid}}'\n{ruuid()}"
    if k == 4:
        return f"START RequestId: {ruuid()} Version: $LATEST\nEND RequestId: {ruuid()}\nREPORT RequestId: {ruuid()}\tDuration: {R.randint(1, 900)}.12 ms"
    if k == 5:
        return f'$ az account show --query \'{{sub:id,tenant:tenantId}}\'\n{{\n  "sub": "{ruuid()}",\n  "tenant": "{ruuid()}"\n}}'
    return f'< cf-ray: {rs(HEX, 16)}-FRA\n< x-github-request-id: {rs(UPNUM + ":", 30)}\n< etag: W/"{rs(HEX, 32)}"'


def n_data_uri() -> str:
    k = R.randint(0, 2)
    if k == 0:
        return f'$ head -c 400 dist/fonts.css\n@font-face{{font-family:Inter;src:url(data:font/woff2;base64,d09GMgABAAAAA{b64(rbytes(240))}) format("woff2")}}'
    if k == 1:
        return f'.icon-search{{background-image:url("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h{b64(rbytes(150))}")}}'
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M'
        + " ".join(str(R.randint(0, 24)) for _ in range(40))
        + '"/></svg>'
    )
    return f'<img alt="logo" src="data:image/svg+xml;base64,{b64(svg.encode())}">'


def n_minified() -> str:
    ids = [f"_0x{rs(HEX, 6)}" for _ in range(5)]
    k = R.randint(0, 2)
    if k == 0:
        return f"$ head -c 300 dist/main.{rs(HEX, 8)}.js\n!function(e,t){{var {ids[0]}=['{rs(ALNUM, 8)}','{rs(ALNUM, 12)}'];function {ids[1]}(n,r){{return {ids[0]}[n-0x1a4]}}var {ids[2]}={ids[1]};t.exports={{k:{ids[2]}(0x1a5)}}}}"
    if k == 1:
        smap = b64(
            json.dumps(
                {
                    "version": 3,
                    "sources": [f"src/{word()}.ts"],
                    "names": [word(), word()],
                    "mappings": ";;AAAA,SAASA,"
                    + rs("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/,;", 120),
                }
            ).encode()
        )
        return f"$ tail -c 400 dist/app.js\nexport{{a as default}};\n//# sourceMappingURL=data:application/json;base64,{smap}"
    return f'(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[{R.randint(100, 999)}],{{{R.randint(1000, 99999)}:function(e,t,n){{"use strict";n.d(t,{{Z:function(){{return {rs(string.ascii_letters, 2)}}}}});var r=n({R.randint(1000, 99999)}),o="{rs(ALNUM, 20)}"}}}}]);'


def n_placeholder() -> str:
    return pick(
        [
            'curl -H "Authorization: Bearer <YOUR_TOKEN>" https://api.github.com/user',
            "export OPENAI_API_KEY=sk-...",
            "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "docker run -e STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx acme/api",
            "$ cat .env.example\nDATABASE_URL=postgres://user:password@localhost:5432/dbname\nSECRET_KEY=changeme\nSENDGRID_API_KEY=your-sendgrid-api-key",
            "helm install app ./chart --set auth.password=CHANGEME",
            "password: REDACTED\napi_key: REDACTED",
            "mysql -u root -p********",
            "AWS_SECRET_ACCESS_KEY=<your-secret-access-key>",
            'ANTHROPIC_API_KEY="sk-ant-api03-..."',
            "$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
            "token: {{ .Values.github.token }}",
            "api_key: '{{ vault_api_key }}'",
            "SLACK_BOT_TOKEN=xoxb-your-bot-token",
            "git clone https://<username>:<personal_access_token>@github.com/acme/repo.git",
            "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "kubectl create secret generic db --from-literal=password='<PASSWORD>'",
            "terraform apply -var 'db_password=REPLACE_ME'",
            "Authorization: Bearer [REDACTED]",
            '$env:OPENAI_API_KEY = "<paste key here>"',
            "STRIPE_WEBHOOK_SECRET=whsec_...",
            "AZURE_CLIENT_SECRET=00000000-0000-0000-0000-000000000000",
            'password = ""  # set via environment',
            "client_secret: <%= ENV['CLIENT_SECRET'] %>",
            "aws_secret_access_key = YOUR_SECRET_KEY_HERE",
            "DISCORD_TOKEN=your_token_goes_here",
        ]
    )


def n_var_ref() -> str:
    return pick(
        [
            'curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/repos/acme/api/releases',
            "      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}",
            'docker login -u "$REGISTRY_USER" -p "$REGISTRY_PASSWORD" registry.gitlab.com',
            'C:\\> curl -H "X-Api-Key: %API_KEY%" https://api.internal/v1/ping',
            'Invoke-RestMethod -Headers @{Authorization = "Bearer $env:ADO_PAT"} -Uri $url',
            'export VAULT_TOKEN="$(cat /run/secrets/vault-token)"',
            'mysql -h db -u app -p"${MYSQL_PASSWORD}" app < schema.sql',
            "PGPASSWORD=$DB_PASS psql -h db -U app -c 'select 1'",
            'aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY" --profile ci',
            'kubectl create secret generic api --from-literal=token="${API_TOKEN:?missing}"',
            'sshpass -p "$SSH_PASS" ssh deploy@10.0.0.5 uptime',
            "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef:\n        name: openai\n        key: api-key",
            'terraform apply -var "db_password=${TF_VAR_db_password}"',
            'echo "$SUDO_PASS" | sudo -S systemctl restart nginx',
            "git remote set-url origin https://x-access-token:${GH_TOKEN}@github.com/acme/api.git",
            'curl -u "$JIRA_USER:$JIRA_TOKEN" https://acme.atlassian.net/rest/api/3/myself',
        ]
    )


def n_masked() -> str:
    return pick(
        [
            f"$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account {user()} (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo'",
            f"Using OpenAI key sk-...{rs(ALNUM, 4)}",
            f"$ aws configure list\n      Name                    Value             Type    Location\n      ----                    -----             ----    --------\n   profile                <not set>             None    None\naccess_key     ****************{rs(UPNUM, 4)} shared-credentials-file\nsecret_key     ****************{rs(ALNUM, 4)} shared-credentials-file\n    region                us-east-1      config-file    ~/.aws/config",
            'Run echo "token=***" >> $GITHUB_OUTPUT\n  env:\n    API_TOKEN: ***',
            f"stripe: using key sk_live_...{rs(ALNUM, 4)} (livemode)",
            f"{log_ts()} INFO auth ok token=ghp_****{rs(ALNUM, 4)} user={user()}",
            f"$ doppler secrets\n┌──────────────┬──────────────────┐\n│ NAME         │ VALUE            │\n├──────────────┼──────────────────┤\n│ STRIPE_KEY   │ sk_l••••••••••{rs(ALNUM, 2)} │\n└──────────────┴──────────────────┘",
            "$ vercel env ls\n name              value        environments\n DATABASE_URL      Encrypted    Production\n OPENAI_API_KEY    Encrypted    Production, Preview",
            f"$ heroku config -a {word()}\nDATABASE_URL: postgres://u:********@ec2.compute-1.amazonaws.com:5432/d",
            'terraform plan\n  + resource "aws_db_instance" "main" {\n      + password = (sensitive value)\n      + username = "admin"\n    }',
        ]
    )


def n_doc_example() -> str:
    return pick(
        [
            "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "$ cat ~/.aws/credentials\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_access_key_id=AKIAI44QH8DHBEXAMPLE aws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
            f'curl -H "Authorization: Bearer {JWT_IO}" http://localhost:3000/protected',
            f'$ jwt decode {JWT_IO}\nToken header\n------------\n{{\n  "typ": "JWT",\n  "alg": "HS256"\n}}',
            "curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: -d amount=999",
            "STRIPE_PUBLISHABLE_KEY=pk_test_TYooMQauvdEDq54NiTphI7jx",
            "SLACK_BOT_TOKEN=xoxb-not-a-real-token-this-will-not-work",
            "aws sts get-session-token  # docs: returns AccessKeyId ASIAIOSFODNN7EXAMPLE",
        ]
    )


def n_secret_name() -> str:
    return pick(
        [
            "aws secretsmanager get-secret-value --secret-id prod/api-key --query SecretString --output text > /dev/null",
            f"kubectl get secret {word()}-db-password -n prod -o jsonpath='{{.metadata.creationTimestamp}}'",
            "gcloud secrets versions access latest --secret=stripe-api-key --project=acme-prod > /run/app/stripe",
            "az keyvault secret show --vault-name kv-acme-prod --name github-token --query attributes",
            "vault kv metadata get secret/prod/db-password",
            f"$ gh secret list\nNAME                   UPDATED\nAWS_SECRET_ACCESS_KEY  about 3 months ago\nNPM_TOKEN              about 1 month ago\nSLACK_WEBHOOK_URL      about {R.randint(2, 9)} days ago",
            "$ docker secret ls\nID                          NAME              DRIVER    CREATED\n"
            + f"{rs(LOWNUM, 25)}   postgres_password             2 weeks ago",
            "DB_PASSWORD_FILE=/run/secrets/db_password",
            'op read "op://Private/GitHub/personal access token" | gh auth login --with-token',
            'echo "$PASS" | docker login ghcr.io -u acme-bot --password-stdin',
            "kubectl get secrets\nNAME                  TYPE                                  DATA   AGE\napi-token             Opaque                                1      12d\ndefault-token-x7k2p   kubernetes.io/service-account-token   3      90d",
            "aws ssm get-parameter --name /prod/stripe/secret_key --with-decryption --query Parameter.Version",
            "gcloud iam service-accounts keys list --iam-account ci@acme-prod.iam.gserviceaccount.com\nKEY_ID                                    CREATED_AT            EXPIRES_AT\n"
            + f"{sha40()}  2025-01-12T10:22:01Z  9999-12-31T23:59:59Z",
        ]
    )


def n_public_key() -> str:
    k = R.randint(0, 5)
    if k == 0:
        return f"$ cat ~/.ssh/id_rsa.pub\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{b64(rbytes(380))} {user()}@{host()}"
    if k == 1:
        return f"$ cat ~/.ssh/authorized_keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(rbytes(32))[:43]} {user()}@laptop\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(rbytes(32))[:43]} ci@{host()}"
    if k == 2:
        return f"$ openssl rsa -in key.pem -pubout 2>/dev/null | tail -n +1\n-----BEGIN PUBLIC KEY-----\n{pem_body('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA', 392)}\n-----END PUBLIC KEY-----"
    if k == 3:
        return f"$ openssl s_client -connect api.{word()}.com:443 -showcerts </dev/null 2>/dev/null | sed -n '/BEGIN/,/END/p'\n-----BEGIN CERTIFICATE-----\n{pem_body('MIIFazCCBFOgAwIBAgIQ', 1460)}\n-----END CERTIFICATE-----"
    if k == 4:
        return f"$ gpg --armor --export ops@acme.dev\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{pem_body('mQINBGX', 1200)}\n=Ab3x\n-----END PGP PUBLIC KEY BLOCK-----"
    return f"$ ssh-keyscan github.com 2>/dev/null\ngithub.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{b64(rbytes(64))}\n{host()}.internal ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(rbytes(32))[:43]}"


def n_key_fingerprint() -> str:
    fp = b64(rbytes(32)).rstrip("=")
    return pick(
        [
            f"$ ssh-keygen -t ed25519 -C {user()}@acme.dev -f ~/.ssh/id_ed25519 -N ''\nGenerating public/private ed25519 key pair.\nYour identification has been saved in /home/{user()}/.ssh/id_ed25519\nYour public key has been saved in /home/{user()}/.ssh/id_ed25519.pub\nThe key fingerprint is:\nSHA256:{fp} {user()}@acme.dev",
            f"$ ssh-add -l\n256 SHA256:{fp} {user()}@laptop (ED25519)\n3072 SHA256:{b64(rbytes(32)).rstrip('=')} deploy (RSA)",
            f"The authenticity of host '10.0.0.{R.randint(2, 250)}' can't be established.\nED25519 key fingerprint is SHA256:{fp}.\nAre you sure you want to continue connecting (yes/no/[fingerprint])?",
            f"$ gpg --list-secret-keys --keyid-format LONG\nsec   ed25519/{rs(HEX.upper(), 16)} 2024-02-11 [SC]\n      {rs(HEX.upper(), 40)}\nuid                 [ultimate] Ops <ops@acme.dev>",
            "$ grep -rl 'BEGIN OPENSSH PRIVATE KEY' ~/.ssh\n/home/mara/.ssh/id_ed25519\n/home/mara/.ssh/deploy_key",
            "$ head -1 ~/.ssh/id_rsa\n-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----",
        ]
    )


def n_low_entropy() -> str:
    return pick(
        [
            "API_TOKEN=" + "a" * 40,
            "SECRET_KEY=0123456789abcdef0123456789abcdef",
            "export SESSION_SECRET=" + "0" * 64,
            "token: " + "x" * 36,
            "NONCE=abcdefghijklmnopqrstuvwxyz012345",
            "--api-key=1111111111111111111111111111111111111111",
            "KEY=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            "HMAC_SECRET=" + "deadbeef" * 8,
            "JWT_SECRET=" + "-" * 32,
            "ENCRYPTION_KEY=" + "ab" * 32,
        ]
    )


def n_password_hash() -> str:
    salt = rs("./" + ALNUM, 22)
    return pick(
        [
            f"$ htpasswd -nB {user()}\nNew password:\nRe-type new password:\n{user()}:$2y$05${salt}{rs('./' + ALNUM, 31)}",
            f"$ sudo grep {user()} /etc/shadow\n{user()}:$6${rs('./' + ALNUM, 16)}${rs('./' + ALNUM, 86)}:19876:0:99999:7:::",
            f"{log_ts()} DEBUG users: inserted row id={R.randint(1, 9999)} password_hash=$argon2id$v=19$m=65536,t=3,p=4${b64(rbytes(16)).rstrip('=')}${b64(rbytes(32)).rstrip('=')}",
            f'$ ./manage.py shell -c "print(User.objects.get(pk=1).password)"\npbkdf2_sha256$870000${rs(ALNUM, 22)}${b64(rbytes(32))}',
            f"$ mkpasswd -m bcrypt\nPassword:\n$2b$12${salt}{rs('./' + ALNUM, 31)}",
        ]
    )


def n_public_by_design() -> str:
    return pick(
        [
            f"NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_live_51{rs(ALNUM, 97)}",
            f"GOOGLE_OAUTH_CLIENT_ID={R.randint(10**11, 10**12 - 1)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com",
            f"SENTRY_DSN=https://{rs(HEX, 32)}@o{R.randint(10**5, 10**7)}.ingest.us.sentry.io/{R.randint(10**6, 10**7)}",
            f"RECAPTCHA_SITE_KEY=6L{rs(URLSAFE, 38)}",
            f"<script src=\"https://js.stripe.com/v3/\"></script><script>const stripe = Stripe('pk_live_{rs(ALNUM, 24)}');</script>",
            f"ALGOLIA_APP_ID={rs(UPNUM, 10)}",
        ]
    )


def n_ansible_vault() -> str:
    lines = "\n".join(rs(HEX, 80) for _ in range(R.randint(4, 8)))
    return pick(
        [
            f"$ cat group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n{lines}",
            "$ cat host_vars/db1.yml\ndb_user: app\ndb_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          "
            + lines.replace("\n", "\n          "),
        ]
    )


def n_ciphertext() -> str:
    return pick(
        [
            f"$ cat secrets.enc.yaml\ndb_password: ENC[AES256_GCM,data:{b64(rbytes(18))},iv:{b64(rbytes(32))},tag:{b64(rbytes(16))},type:str]\nsops:\n    age:\n        - recipient: age1{rs(BECH32.lower(), 58)}",
            f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: api\nspec:\n  encryptedData:\n    token: AgB{b64(rbytes(300))}",
            f"$ aws kms encrypt --key-id alias/app --plaintext fileb://in.txt --query CiphertextBlob --output text\nAQICAHh{b64(rbytes(150))}",
            f"$ git-crypt status -e\n    encrypted: config/secrets.json\n$ xxd config/secrets.json | head -2\n00000000: 0047 4954 4352 5950 5400 {rs(HEX, 4)} {rs(HEX, 4)} {rs(HEX, 4)}  .GITCRYPT.......",
        ]
    )


def n_k8s_placeholder() -> str:
    vals = [
        b64(x.encode()) for x in ["<set-me>", "REPLACE_ME", "dummy", "changeme-in-prod", "TODO"]
    ]
    return f'$ kubectl get secret {word()} -o yaml\napiVersion: v1\ndata:\n  password: {pick(vals)}\n  username: {b64(b"admin")}\nkind: Secret\nmetadata:\n  name: app-credentials\n  namespace: dev\n  uid: {ruuid()}\n  resourceVersion: "{R.randint(10**5, 10**7)}"\ntype: Opaque'


def n_terraform() -> str:
    k = R.randint(0, 3)
    if k == 0:
        hs = (
            "\n".join(f'    "h1:{b64(rbytes(32))}",' for _ in range(2))
            + "\n"
            + "\n".join(f'    "zh:{rs(HEX, 64)}",' for _ in range(3))
        )
        return f'$ cat .terraform.lock.hcl\nprovider "registry.terraform.io/hashicorp/aws" {{\n  version     = "5.{R.randint(10, 80)}.0"\n  constraints = "~> 5.0"\n  hashes = [\n{hs}\n  ]\n}}'
    if k == 1:
        return f'$ head -6 terraform.tfstate\n{{\n  "version": 4,\n  "terraform_version": "1.9.5",\n  "serial": {R.randint(1, 400)},\n  "lineage": "{ruuid()}",\n  "outputs": {{}},'
    if k == 2:
        return f'$ terraform state show aws_instance.web\nresource "aws_instance" "web" {{\n    ami   = "ami-{rs(HEX, 17)}"\n    arn   = "arn:aws:ec2:eu-west-1:{R.randint(10**11, 10**12 - 1)}:instance/i-{rs(HEX, 17)}"\n    id    = "i-{rs(HEX, 17)}"\n    subnet_id = "subnet-{rs(HEX, 17)}"\n}}'
    return f"aws_s3_bucket.logs: Refreshing state... [id={word()}-logs-{rs(LOWNUM, 8)}]\naws_iam_role.ci: Refreshing state... [id=ci-{word()}]\naws_kms_key.main: Refreshing state... [id={ruuid()}]\n\nNo changes. Your infrastructure matches the configuration."


def n_csp_nonce() -> str:
    nonce = b64(rbytes(16))
    return pick(
        [
            f"$ curl -sI https://www.{word()}.com | grep -i content-security\ncontent-security-policy: default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic'; object-src 'none'",
            f'$ curl -s https://app.{word()}.io | grep -o \'<script nonce=[^>]*>\' | head -2\n<script nonce="{nonce}">\n<script nonce="{nonce}" src="/_next/static/chunks/main.js">',
            f"content-security-policy: script-src 'sha256-{b64(rbytes(32))}' 'sha256-{b64(rbytes(32))}'",
        ]
    )


def n_build_hashes() -> str:
    k = R.randint(0, 3)
    if k == 0:
        return "vite v5.4.2 building for production...\n✓ 1342 modules transformed.\n" + "\n".join(
            f"dist/assets/{n}-{rs(URLSAFE, 8)}.{e}   {R.randint(1, 400)}.{R.randint(10, 99)} kB │ gzip: {R.randint(1, 90)}.{R.randint(10, 99)} kB"
            for n, e in [("index", "css"), ("index", "js"), ("vendor", "js")]
        )
    if k == 1:
        return (
            "asset main."
            + rs(HEX, 20)
            + ".js 412 KiB [emitted] [immutable] [minimized] (name: main)\nasset 718."
            + rs(HEX, 20)
            + ".js 37.1 KiB [emitted] [immutable] [minimized]\nwebpack 5.94.0 compiled successfully in 8421 ms"
        )
    if k == 2:
        return f"Route (app)                              Size     First Load JS\n┌ ○ /                                    5.2 kB         92 kB\n+ First Load JS shared by all            87 kB\n  ├ chunks/{R.randint(100, 999)}-{rs(HEX, 16)}.js     31.5 kB\n$ cat .next/BUILD_ID\n{rs(URLSAFE, 21)}"
    return f"$ ls target/release/deps | head -3\n{word()}-{rs(HEX, 16)}.d\nlib{word()}-{rs(HEX, 16)}.rlib\nlib{word()}-{rs(HEX, 16)}.rmeta"


def n_pip_url() -> str:
    pkgn = pick(["requests", "urllib3", "numpy", "pydantic", "boto3"])
    h1, h2 = rs(HEX, 2), rs(HEX, 2)
    return pick(
        [
            f"$ pip download {pkgn}==2.1.0 -d wheels -v 2>&1 | grep Downloading\n  Downloading https://files.pythonhosted.org/packages/{h1}/{h2}/{rs(HEX, 60)}/{pkgn}-2.1.0-py3-none-any.whl#sha256={rs(HEX, 64)} (64 kB)",
            f"$ pip hash wheels/{pkgn}-2.1.0-py3-none-any.whl\nwheels/{pkgn}-2.1.0-py3-none-any.whl:\n--hash=sha256:{rs(HEX, 64)}",
            f"Collecting {pkgn}\n  Using cached https://files.pythonhosted.org/packages/{h1}/{h2}/{rs(HEX, 60)}/{pkgn}-2.1.0.tar.gz (112 kB)",
        ]
    )


def n_checksums() -> str:
    return pick(
        [
            f"$ sha256sum dist/*\n{rs(HEX, 64)}  dist/{word()}-1.2.0.tar.gz\n{rs(HEX, 64)}  dist/{word()}-1.2.0-py3-none-any.whl",
            f"$ md5sum backup.tar.gz\n{rs(HEX, 32)}  backup.tar.gz",
            f"$ shasum -a 1 release.zip\n{sha40()}  release.zip",
            f"$ openssl dgst -sha512 app.bin\nSHA2-512(app.bin)= {rs(HEX, 128)}",
            f"$ b2sum image.qcow2\n{rs(HEX, 128)}  image.qcow2",
        ]
    )


def n_cloud_ids() -> str:
    acct = R.randint(10**11, 10**12 - 1)
    return pick(
        [
            f'$ aws sts get-caller-identity\n{{\n    "UserId": "AROA{rs(B32, 17)}:ci",\n    "Account": "{acct}",\n    "Arn": "arn:aws:sts::{acct}:assumed-role/deploy/ci"\n}}',
            f"$ aws ec2 describe-instances --query 'Reservations[].Instances[].[InstanceId,VpcId,SubnetId]' --output text\ni-{rs(HEX, 17)}\tvpc-{rs(HEX, 17)}\tsubnet-{rs(HEX, 17)}",
            f"$ kubectl get pods -n prod\nNAME                              READY   STATUS    RESTARTS   AGE\n{word()}-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)}     1/1     Running   0          3d\n{word()}-{rs(LOWNUM, 9)}-{rs(LOWNUM, 5)}      1/1     Running   2          3d",
            f"$ gcloud projects describe acme-prod --format='value(projectNumber)'\n{R.randint(10**11, 10**12 - 1)}",
            f"/subscriptions/{ruuid()}/resourceGroups/rg-{word()}/providers/Microsoft.KeyVault/vaults/kv-{word()}",
            f'$ aws iam list-users --query "Users[0]"\n{{\n    "UserName": "{user()}",\n    "UserId": "AIDA{rs(B32, 17)}",\n    "Arn": "arn:aws:iam::{acct}:user/{user()}"\n}}',
        ]
    )


def n_random_identifiers() -> str:
    """High-entropy identifiers that are not secrets: object keys, content ids, short links."""
    return pick(
        [
            f"$ aws s3 ls s3://{word()}-uploads/2025/03/\n2025-03-11 10:22:41     48211 {rs(HEX, 32)}.jpg\n2025-03-11 10:22:59    102933 {rs(HEX, 32)}.png",
            f"$ ipfs add report.pdf\nadded Qm{rs('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', 44)} report.pdf",
            f"{log_ts()} INFO youtube-dl [youtube] {rs(URLSAFE, 11)}: Downloading webpage",
            f'$ kubectl get events | tail -1\n3m   Normal   Pulled   pod/{word()}-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)}   Successfully pulled image "acme/{word()}@sha256:{rs(HEX, 64)}"',
            f"Mongo ObjectId inserted: ObjectId('{rs(HEX, 24)}')",
            f"$ stripe events list --limit 1 | jq -r '.data[0].id'\nevt_{rs(ALNUM, 24)}",
            f"{log_ts()} INFO charge created id=ch_{rs(ALNUM, 24)} customer=cus_{rs(ALNUM, 14)} amount=4200",
        ]
    )


def n_flag_not_password() -> str:
    return pick(
        [
            f"docker run -d -p {R.choice([8080, 5432, 6379])}:{R.choice([80, 5432, 6379])} --name {word()} nginx:1.27",
            f"ssh -p {R.randint(2200, 2299)} -i ~/.ssh/id_ed25519 {user()}@bastion.acme.net",
            f"$ mysql -h db.internal -u {user()} -p\nEnter password:",
            f"psql -h db.internal -p 5433 -U {user()} -d app",
            f"pg_dump -h db.internal -U {user()} -W -F c app > app.dump",
            f"sshpass -f ~/.ssh/{word()}.pass ssh {user()}@10.0.1.{R.randint(2, 250)} uptime",
            f"mysql --defaults-extra-file=/etc/mysql/{word()}.cnf -e 'SELECT 1'",
            "openssl pkcs12 -export -in cert.pem -inkey key.pem -out b.p12 -passout file:/run/secrets/p12pass",
            "ansible-playbook site.yml --vault-password-file ~/.vault_pass.txt --ask-become-pass",
            f"PASSWORD_MIN_LENGTH=12\nPASSWORD_REQUIRE_SYMBOL=true\nTOKEN_TTL_SECONDS={R.choice([900, 3600, 86400])}\nAUTH_TOKEN_HEADER=X-Auth-Token",
            f"htpasswd -B -c /etc/nginx/.htpasswd {user()}\nNew password:\nRe-type new password:\nAdding password for user {user()}",
            "gpg --batch --passphrase-file /run/secrets/gpg_pass -d backup.tar.gpg | tar x",
            f"keytool -list -v -keystore /etc/ssl/{word()}.jks\nEnter keystore password:",
            "redis-cli -h cache.internal --askpass PING",
            "git commit -m 'rotate slack token and update password policy'",
            f"curl --netrc-file ~/.netrc-{word()} https://api.internal/v1/me",
            f"docker login ghcr.io -u {user()} --password-stdin < ~/.ghcr_token",
            f"az login --service-principal -u {ruuid()} --certificate ~/sp.pem --tenant {ruuid()}",
        ]
    )


def n_url_without_password() -> str:
    return pick(
        [
            f"git clone git@github.com:acme/{word()}.git",
            f"$ git remote -v\norigin\thttps://github.com/acme/{word()}.git (fetch)\norigin\thttps://github.com/acme/{word()}.git (push)",
            f"git clone ssh://git@gitlab.acme.net:2222/platform/{word()}.git",
            f"DATABASE_URL=postgres://{user()}@localhost:5432/{word()}?sslmode=disable",
            f"REDIS_URL=redis://cache.internal:6379/{R.randint(0, 15)}",
            "MONGO_URL=mongodb://mongo-0.mongo,mongo-1.mongo,mongo-2.mongo:27017/app?replicaSet=rs0",
            f"jdbc:postgresql://{word()}.internal:5432/erp?user={user()}&ssl=true",
            "AMQP_URL=amqp://rabbitmq.internal:5672/%2F",
            f"pip install --index-url https://{user()}@pypi.acme.net/simple/ acme-core",
            f"{log_ts()} INFO connecting to postgresql://{user()}@{word()}-db.internal:5432/app (password from PGPASSFILE)",
            f"https://{user()}@bitbucket.org/acme/{word()}.git",
            "proxy=http://proxy.corp.acme.net:3128\nno_proxy=localhost,127.0.0.1,.internal",
        ]
    )


def n_key_named_nonsecret() -> str:
    return pick(
        [
            f"AZURE_CLIENT_ID={ruuid()}\nAZURE_TENANT_ID={ruuid()}\nAZURE_SUBSCRIPTION_ID={ruuid()}",
            f"KMS_KEY_ID=arn:aws:kms:eu-west-1:{R.randint(10**11, 10**12 - 1)}:key/{ruuid()}",
            f"      - uses: actions/cache@v4\n        with:\n          path: ~/.npm\n          key: Linux-node-{rs(HEX, 64)}",
            f"Cache restored from key: Linux-pip-{rs(HEX, 64)}",
            f'{{"keys":[{{"kty":"RSA","kid":"{rs(URLSAFE, 43)}","use":"sig","alg":"RS256","e":"AQAB","n":"{b64u(rbytes(256))}"}}]}}',
            f"Idempotency-Key: {ruuid()}",
            f"api_key_id: {ruuid()}\napi_key_name: ci-readonly\ncreated_at: 2025-01-09T12:00:00Z",
            f"GPG_KEY_ID={rs(HEX.upper(), 16)}\nGPG_FINGERPRINT={rs(HEX.upper(), 40)}",
            f"SSH_KEY_FINGERPRINT=SHA256:{b64(rbytes(32)).rstrip('=')}",
            f"OAUTH_TOKEN_URL=https://login.microsoftonline.com/{ruuid()}/oauth2/v2.0/token",
            f'{{"AccessKeyId":null,"keyName":"prod-signing","keyVersion":"{rs(HEX, 32)}"}}',
            f"secret_version: {R.randint(1, 40)}\nsecret_arn: arn:aws:secretsmanager:us-east-1:{R.randint(10**11, 10**12 - 1)}:secret:prod/api-key-{rs(ALNUM, 6)}",
            f'< ETag: "{rs(HEX, 32)}"\n< x-cache-key: {rs(HEX, 40)}',
            f"TOKEN_AUDIENCE=api://{ruuid()}",
        ]
    )


def n_public_cert_b64() -> str:
    ca = b64(
        f"-----BEGIN CERTIFICATE-----\n{pem_body('MIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAV', 900)}\n-----END CERTIFICATE-----\n".encode()
    )
    return pick(
        [
            f'$ kubectl config view --raw -o jsonpath=\'{{.clusters[0].cluster}}\'\n{{"certificate-authority-data":"{ca}","server":"https://10.0.0.{R.randint(2, 250)}:6443"}}',
            f"$ kubectl get configmap kube-root-ca.crt -n default -o yaml | head -4\napiVersion: v1\ndata:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    {pem_body('MIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAV', 240).replace(chr(10), chr(10) + '    ')}",
            f"$ aws eks describe-cluster --name prod --query cluster.certificateAuthority.data --output text\n{ca}",
        ]
    )


def n_git_lfs() -> str:
    return pick(
        [
            f"$ git show HEAD:models/{word()}.onnx\nversion https://git-lfs.github.com/spec/v1\noid sha256:{rs(HEX, 64)}\nsize {R.randint(10**5, 10**9)}",
            f"$ git lfs ls-files -l\n{rs(HEX, 64)} * assets/{word()}.psd\n{rs(HEX, 64)} * data/{word()}.parquet",
        ]
    )


def n_password_prompt() -> str:
    return pick(
        [
            f"[sudo] password for {user()}:",
            f"Enter passphrase for key '/home/{user()}/.ssh/id_ed25519':",
            f"{user()}@10.0.0.{R.randint(2, 250)}'s password:\nPermission denied, please try again.",
            "Enter PEM pass phrase:\nVerifying - Enter PEM pass phrase:",
            f"Password for 'https://{user()}@github.com':",
            f"$ vault login -method=userpass username={user()}\nPassword (will be hidden):\nError authenticating: Error making API request.\nCode: 400. Errors:\n* invalid username or password",
            f"{log_ts()} WARN auth: login failed for user={user()} reason=bad_password attempts={R.randint(1, 5)}",
            f'psql: error: connection to server at "db.internal" (10.0.0.{R.randint(2, 250)}), port 5432 failed: FATAL:  password authentication failed for user "{user()}"',
        ]
    )


NEG_FAMILIES: list[tuple[str, Callable[[], str], int, str]] = [
    ("git_sha", n_git_sha, 24, HARD),
    ("docker_digest", n_docker_digest, 22, HARD),
    ("lockfile_integrity", n_lockfile, 24, HARD),
    ("request_trace_ids", n_ids, 24, HARD),
    ("data_uri_base64", n_data_uri, 18, HARD),
    ("minified_js", n_minified, 18, HARD),
    ("placeholder", n_placeholder, 34, HARD),
    ("variable_reference", n_var_ref, 24, HARD),
    ("masked_value", n_masked, 22, HARD),
    (
        "documentation_example",
        n_doc_example,
        18,
        "hard negative: real-world shape (vendor-published example values: AWS IAM docs, jwt.io, Stripe docs, Slack docs)",
    ),
    ("secret_name_only", n_secret_name, 22, HARD),
    ("public_key_or_cert", n_public_key, 22, HARD),
    ("key_fingerprint_or_armor_only", n_key_fingerprint, 18, HARD),
    ("low_entropy", n_low_entropy, 18, HARD),
    (
        "password_hash",
        n_password_hash,
        16,
        "hard negative: real-world shape (a salted slow hash such as bcrypt/sha512crypt/argon2/pbkdf2 is not usable to log in; it must be cracked first)",
    ),
    (
        "public_by_design",
        n_public_by_design,
        16,
        "hard negative: real-world shape (https://docs.stripe.com/keys publishable keys, https://docs.sentry.io/concepts/key-terms/dsn-explainer/ DSNs, OAuth client ids and reCAPTCHA site keys are meant to be public)",
    ),
    ("ansible_vault", n_ansible_vault, 12, HARD),
    ("ciphertext", n_ciphertext, 16, HARD),
    ("k8s_secret_placeholder", n_k8s_placeholder, 12, HARD),
    ("terraform_state_hashes", n_terraform, 18, HARD),
    ("csp_nonce", n_csp_nonce, 14, HARD),
    ("build_hashes", n_build_hashes, 18, HARD),
    ("pip_url_sha256", n_pip_url, 14, HARD),
    ("checksum_output", n_checksums, 16, HARD),
    ("cloud_resource_ids", n_cloud_ids, 18, HARD),
    ("random_identifiers", n_random_identifiers, 16, HARD),
    ("flag_not_password", n_flag_not_password, 18, HARD),
    ("url_without_password", n_url_without_password, 14, HARD),
    ("key_named_nonsecret", n_key_named_nonsecret, 18, HARD),
    ("public_cert_base64", n_public_cert_b64, 10, HARD),
    ("git_lfs_pointer", n_git_lfs, 8, HARD),
    ("password_prompt_or_error", n_password_prompt, 12, HARD),
]


def negatives() -> list[Case]:
    out: list[Case] = []
    for fam, gen, n0, src in NEG_FAMILIES:
        n = max(8, round(n0 * 0.9))
        seen: set[str] = set()
        tries = 0
        while sum(1 for c in out if c["format"] == f"neg:{fam}") < n and tries < n * 20:
            tries += 1
            t = gen()
            if t in seen:
                continue
            seen.add(t)
            out.append({"text": t, "secret": None, "format": f"neg:{fam}", "source": src})
    return out


def build() -> dict[str, object]:
    cases = positives() + negatives()
    for c in cases:
        s, t = c["secret"], c["text"]
        assert t
        assert s is None or (s and s in t), (c["format"], s, t)
    R.shuffle(cases)
    return {
        "about": (
            "Blind corpus #3 for execgate's secret scanner, written from public format facts only "
            "(vendor docs, GitHub secret-scanning patterns, gitleaks rules, RFCs) without reading the "
            "scanner's rules. Texts are agent command lines, environment dumps, printed config files and "
            f"program output/logs. Values are random (seed {SEED}) in each format's alphabet, length, "
            "prefix and checksum. A positive's `secret` is the exact credential value as it appears; "
            "negatives (`neg:<family>`) are hard real-world shapes. Scoring: a positive is a hit when every "
            "occurrence of the secret is covered by findings; a negative is a false positive when any finding appears."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
