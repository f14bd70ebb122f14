"""Fourth blind secret corpus for execgate's scanner (tests/blind4_corpus.json).

Written without reading the scanner's rules: every positive is drawn from
``random.Random(SEED)`` in the prefix / length / alphabet / checksum a vendor or a public
secret-scanning rule set documents, and is placed in text an AI coding agent's shell tool
would see (command lines, program output, logs, config files printed with cat, CI logs,
HTTP traces, stack traces, diffs, cloud CLI output). Negatives are real-world shapes a
careless scanner flags: hashes, ids, placeholders, masks, documentation keys, public keys,
encrypted blobs. None of the values is a live credential. Run without arguments to write
the JSON; ``--score`` measures the scanner against it.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _blind import run

SEED = 20261204
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind4_corpus.json"
GITLEAKS = "https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml"
GHSS = "https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns"
HARD = "hard negative: real-world shape"

R = random.Random(SEED)
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIG = string.digits
ALNUM = LOWER + UPPER + DIG
LOWNUM = LOWER + DIG
UPNUM = UPPER + DIG
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"

Case = dict[str, object]
Shape = Callable[[str, str], str]
Special = Callable[[str], str]


# ---------------------------------------------------------------- value generators


def rs(alphabet: str, n: int) -> str:
    """Random string; when the alphabet mixes letter cases and digits, so does the result."""
    classes = [k for k in (LOWER, UPPER, DIG) if any(c in alphabet for c in k)]
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        if n < 10 or sum(any(c in k for c in s) for k in classes) >= min(len(classes), 3):
            return s


def pick(*xs: str) -> str:
    return R.choice(xs)


def b62(n: int, width: int) -> str:
    digits = DIG + UPPER + LOWER
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = digits[r] + out
    return out.rjust(width, "0")


def uuid4() -> str:
    return f"{rs(HEX, 8)}-{rs(HEX, 4)}-4{rs(HEX, 3)}-{R.choice('89ab')}{rs(HEX, 3)}-{rs(HEX, 12)}"


def gh_token(prefix: str) -> str:
    body = rs(ALNUM, 30)
    return f"{prefix}_{body}{b62(zlib.crc32(body.encode()), 6)}"


def b64url(obj: object) -> str:
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64s(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def rbytes(n: int) -> bytes:
    return bytes(R.randrange(256) for _ in range(n))


def password(uri_safe: bool = False) -> str:
    syms = "-_.~" if uri_safe else "!#%^*-_.~+"
    parts = [rs(ALNUM, R.randint(4, 7)), R.choice(syms), rs(ALNUM, R.randint(5, 9))]
    if R.random() < 0.5:
        parts += [R.choice(syms), rs(DIG, 2)]
    return "".join(parts)


def supabase_jwt(role: str) -> str:
    head = b64url({"alg": "HS256", "typ": "JWT"})
    iat = 1700000000 + R.randrange(10**7)
    body = b64url(
        {"iss": "supabase", "ref": rs(LOWER, 20), "role": role, "iat": iat, "exp": iat + 315360000}
    )
    return f"{head}.{body}.{rs(URLSAFE, 43)}"


def mapbox_secret() -> str:
    user = pick("acme-maps", "dataviz", "routing-team", "jdoe")
    return f"sk.{b64url({'u': user, 'a': rs(LOWNUM, 25)})}.{rs(URLSAFE, 22)}"


def sentry_org() -> str:
    payload = {
        "iat": 1760000000.0 + R.randrange(10**6),
        "url": "https://sentry.io",
        "region_url": "https://us.sentry.io",
        "org": pick("acme", "widgets-inc", "northwind"),
    }
    raw = b64s(json.dumps(payload, separators=(",", ":")).encode()).rstrip("=")
    return f"sntrys_{raw}_{rs(B64.replace('+', '').replace('/', ''), 43)}"


def pem_block(kind: str, nbytes: int) -> str:
    raw = b64s(rbytes(nbytes))
    lines = [raw[i : i + 64] for i in range(0, len(raw), 64)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def rsa_key() -> str:
    raw = b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + rbytes(1180)
    b = b64s(raw)
    lines = [b[i : i + 64] for i in range(0, len(b), 64)]
    return (
        "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----"
    )


def ec_key() -> str:
    raw = (
        b"\x30\x77\x02\x01\x01\x04\x20"
        + rbytes(32)
        + b"\xa0\x0a\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\xa1\x44\x03\x42\x00\x04"
        + rbytes(64)
    )
    b = b64s(raw)
    lines = [b[i : i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN EC PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END EC PRIVATE KEY-----"


def pkcs8_key() -> str:
    raw = (
        b"\x30\x82\x04\xbe\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00"
        + rbytes(1190)
    )
    b = b64s(raw)
    lines = [b[i : i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----"


def openssh_key() -> str:
    raw = (
        b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01"
        b"\x00\x00\x00\x33\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
        + rbytes(32)
        + b"\x00\x00\x00\x88"
        + rbytes(136)
    )
    b = b64s(raw)
    lines = [b[i : i + 70] for i in range(0, len(b), 70)]
    return (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + "\n".join(lines)
        + "\n-----END OPENSSH PRIVATE KEY-----"
    )


def ed25519_pub() -> str:
    return "AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(B64, 43)


def ppk_file() -> tuple[str, str]:
    comment = pick("deploy@build-01", "rsa-key-20250312", "eddsa-key-20260101")
    pub = ed25519_pub()
    priv = b64s(b"\x00\x00\x00\x20" + rbytes(32))
    text = (
        "PuTTY-User-Key-File-3: ssh-ed25519\n"
        "Encryption: none\n"
        f"Comment: {comment}\n"
        "Public-Lines: 2\n"
        f"{pub[:64]}\n{pub[64:]}\n"
        "Private-Lines: 1\n"
        f"{priv}\n"
        f"Private-MAC: {rs(HEX, 64)}"
    )
    return text, priv


def aws_session() -> str:
    return "IQoJb3JpZ2luX2VjE" + rs(ALNUM, 6) + "//////////" + rs(B64, R.randint(330, 420))


def anthropic_key() -> str:
    return f"sk-ant-api03-{rs(URLSAFE, 93)}AA"


def openai_key() -> str:
    if R.random() < 0.6:
        return f"sk-proj-{rs(URLSAFE, 74)}T3BlbkFJ{rs(URLSAFE, 74)}"
    if R.random() < 0.5:
        return f"sk-svcacct-{rs(URLSAFE, 74)}T3BlbkFJ{rs(URLSAFE, 74)}"
    return f"sk-{rs(ALNUM, 20)}T3BlbkFJ{rs(ALNUM, 20)}"


def atlassian_token() -> str:
    return "ATATT3xFfGF0" + rs(URLSAFE, 170) + "=" + rs(HEXU, 8)


# ---------------------------------------------------------------- generic shapes


def q(v: str) -> str:
    r = R.random()
    if r < 0.4:
        return v
    if r < 0.7:
        return f'"{v}"'
    return f"'{v}'"


def camel(var: str) -> str:
    parts = var.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def ts() -> str:
    return f"2026-0{R.randint(1, 9)}-{R.randint(10, 28)}T{R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)}"


def sh_export(var: str, v: str) -> str:
    return (
        f"$ export {var}={q(v)}\n$ ./scripts/deploy.sh --env staging\n"
        f"[deploy] reading {var} from environment\n[deploy] pushing release v{R.randint(1, 9)}.{R.randint(0, 30)}.{R.randint(0, 9)}... ok"
    )


def env_grep(var: str, v: str) -> str:
    kw = var.split("_")[0].lower()
    others = [
        f"{kw.upper()}_REGION=eu-west-1",
        "HOME=/home/runner",
        f"{kw.upper()}_LOG_LEVEL=debug",
    ]
    lines = [*others, f"{var}={v}"]
    R.shuffle(lines)
    return f"$ env | grep -i {kw}\n" + "\n".join(lines)


def env_diff(var: str, v: str) -> str:
    f = pick(".env", ".env.production", "config/.env.local", "deploy/staging.env")
    return (
        f"$ git diff {f}\ndiff --git a/{f} b/{f}\nindex {rs(HEX, 7)}..{rs(HEX, 7)} 100644\n--- a/{f}\n+++ b/{f}\n"
        f"@@ -4,6 +4,7 @@ APP_ENV=production\n LOG_LEVEL=info\n PORT=8080\n+{var}={v}\n SENTRY_ENVIRONMENT=production\n"
    )


def docker_inspect(var: str, v: str) -> str:
    return (
        f"$ docker inspect --format '{{{{json .Config.Env}}}}' api-{rs(LOWNUM, 5)}\n"
        f'["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin","NODE_ENV=production","{var}={v}","NODE_VERSION=20.11.1"]'
    )


def kubectl_describe(var: str, v: str) -> str:
    return (
        f"$ kubectl describe pod api-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)} -n prod\n"
        "Containers:\n  api:\n    Image:          ghcr.io/acme/api:2.3.1\n    Port:           8080/TCP\n"
        "    Environment:\n      NODE_ENV:       production\n"
        f"      {var}:  {v}\n      DB_HOST:        postgres.prod.svc.cluster.local\n    Mounts:\n"
        "      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x2k9p (ro)"
    )


def tf_plan(var: str, v: str) -> str:
    return (
        "Terraform will perform the following actions:\n\n"
        '  # aws_lambda_function.worker will be updated in-place\n  ~ resource "aws_lambda_function" "worker" {\n'
        f'        id                             = "worker-prod"\n      ~ environment {{\n          ~ variables = {{\n'
        f'              + "{var}" = "{v}"\n                "STAGE"     = "prod"\n            }}\n        }}\n    }}\n\n'
        "Plan: 0 to add, 1 to change, 0 to destroy."
    )


def gha_log(var: str, v: str) -> str:
    t = ts()
    return (
        f"{t}.1180000Z ##[group]Run ./ci/publish.sh\n{t}.1181000Z ./ci/publish.sh\n"
        f"{t}.1182000Z shell: /usr/bin/bash -e {{0}}\n{t}.1183000Z env:\n"
        f"{t}.1184000Z   {var}: {v}\n{t}.1185000Z ##[endgroup]\n{t}.4410000Z publishing..."
    )


def setx_trace(var: str, v: str) -> str:
    return f"+ set -euo pipefail\n+ export {var}={v}\n+ python manage.py migrate --noinput\nOperations to perform:\n  Apply all migrations: admin, auth"


def win_setx(var: str, v: str) -> str:
    return f'C:\\Users\\dev\\src\\api>setx {var} "{v}"\n\nSUCCESS: Specified value was saved.\n'


def pwsh_env(var: str, v: str) -> str:
    return f'PS C:\\src\\api> $env:{var} = "{v}"\nPS C:\\src\\api> dotnet run --project Api\nBuilding...'


def yaml_cat(var: str, v: str) -> str:
    f = pick("config/production.yaml", "app.yml", "settings/deploy.yaml")
    return f"$ cat {f}\nserver:\n  port: 8080\nintegrations:\n  {var.lower()}: {q(v)}\n  timeout_s: 30\n"


def toml_cat(var: str, v: str) -> str:
    return f'$ cat config.toml\n[service]\nname = "worker"\n\n[credentials]\n{var.lower()} = "{v}"\nretries = 3\n'


def ini_cat(var: str, v: str) -> str:
    return f"$ cat ~/.config/acme/settings.ini\n[default]\nregion = us-east-1\n{var.lower()} = {v}\noutput = json\n"


def props_cat(var: str, v: str) -> str:
    key = var.lower().replace("_", ".")
    return f"$ cat src/main/resources/application-prod.properties\nserver.port=8080\nspring.profiles.active=prod\n{key}={v}\n"


def xml_cat(var: str, v: str) -> str:
    return f'$ cat appsettings.xml\n<configuration>\n  <appSettings>\n    <add key="{var}" value="{v}" />\n    <add key="Environment" value="Production" />\n  </appSettings>\n</configuration>\n'


def json_cat(var: str, v: str) -> str:
    return f'$ cat config/secrets.json\n{{\n  "environment": "production",\n  "{camel(var)}": "{v}",\n  "retries": 3\n}}\n'


def py_trace(var: str, v: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        '  File "/app/worker/main.py", line 42, in <module>\n    client = build_client(settings)\n'
        '  File "/app/worker/clients.py", line 17, in build_client\n    raise ConfigError(f"unreachable endpoint for {cfg!r}")\n'
        f"worker.errors.ConfigError: unreachable endpoint for {{'region': 'us-east-1', '{var.lower()}': '{v}', 'timeout': 30}}"
    )


def node_err(var: str, v: str) -> str:
    return (
        "node:internal/process/promises:289\n            triggerUncaughtException(err, true /* fromPromise */);\n\n"
        "AxiosError: Request failed with status code 403\n    at settle (/app/node_modules/axios/lib/core/settle.js:19:12)\n"
        f"  config: {{\n    baseURL: 'https://api.internal',\n    headers: {{ 'Content-Type': 'application/json' }},\n    {camel(var)}: '{v}',\n    timeout: 10000\n  }}"
    )


def ipynb(var: str, v: str) -> str:
    cell = {
        "cell_type": "code",
        "execution_count": R.randint(1, 40),
        "metadata": {},
        "outputs": [],
        "source": ["import os\n", f'os.environ["{var}"] = "{v}"\n', "client = make_client()"],
    }
    return "$ cat analysis.ipynb | jq '.cells[2]'\n" + json.dumps(cell, indent=1)


def docker_build(var: str, v: str) -> str:
    n = R.randint(3, 6)
    return (
        f"$ docker build -t acme/api .\n#{n} [build 3/7] ENV {var}={v}\n#{n} DONE 0.0s\n\n"
        f"#{n + 1} [build 4/7] RUN npm ci --omit=dev\n#{n + 1} 4.113 added 312 packages in 4s"
    )


def docker_run(var: str, v: str) -> str:
    return f"$ docker run --rm -e {var}={v} -p 8080:8080 ghcr.io/acme/api:1.{R.randint(0, 20)}.0\nlistening on :8080"


def systemd_cat(var: str, v: str) -> str:
    return (
        "$ systemctl cat worker.service\n# /etc/systemd/system/worker.service\n[Unit]\nDescription=queue worker\n\n"
        f'[Service]\nEnvironment="{var}={v}"\nExecStart=/opt/worker/bin/worker\nRestart=always\n'
    )


def app_log(var: str, v: str) -> str:
    return f"{ts()},{R.randint(100, 999)} DEBUG [client] initialising {var.lower()}={v} region=us-east-1 retries=3"


def pytest_fail(var: str, v: str) -> str:
    return (
        "FAILED tests/test_client.py::test_upload - AssertionError: assert 401 == 200\n"
        f"E        +  where settings = Settings(env='ci', {var.lower()}='{v}', debug=True)"
    )


def printenv(var: str, v: str) -> str:
    return f"$ printenv {var}\n{v}\n$ "


def compose_config(var: str, v: str) -> str:
    return (
        "$ docker compose config\nname: shop\nservices:\n  api:\n    build:\n      context: /home/dev/shop\n"
        f"    environment:\n      {var}: {v}\n      NODE_ENV: development\n    ports:\n      - 3000:3000\n"
    )


def helm_cmd(var: str, v: str) -> str:
    return f'$ helm upgrade --install api ./charts/api -n prod --set env.{var}={v} --wait\nRelease "api" has been upgraded. Happy Helming!'


def dotenv_cat(var: str, v: str) -> str:
    return f"$ cat .env\nNODE_ENV=development\nDATABASE_URL=postgres://localhost:5432/app\n{var}={v}\nPORT=3000\n"


def env_diff_removed(var: str, v: str) -> str:
    f = pick("config/.env.staging", ".env.production")
    return (
        f"$ git show HEAD -- {f}\ncommit {rs(HEX, 40)}\nAuthor: Jane Doe <jane@acme.io>\n\n    rotate credentials, read from vault\n\n"
        f"diff --git a/{f} b/{f}\n--- a/{f}\n+++ b/{f}\n@@ -2,3 +2,3 @@\n APP_ENV=staging\n-{var}={v}\n+{var}=\n"
    )


def export_p(var: str, v: str) -> str:
    return f'$ export -p | grep -v PATH\ndeclare -x HOME="/root"\ndeclare -x HOSTNAME="{rs(HEX, 12)}"\ndeclare -x {var}="{v}"\ndeclare -x TERM="xterm"'


def ps_aux(var: str, v: str) -> str:
    flag = "--" + var.lower().replace("_", "-")
    return (
        "$ ps aux | grep [w]orker\n"
        f"app        {R.randint(20, 9000)}  2.1  1.3 812344 108220 ?      Ssl  09:12   0:41 /usr/bin/node dist/worker.js {flag}={v} --concurrency=4"
    )


def proc_environ(var: str, v: str) -> str:
    return f"$ cat /proc/1/environ | tr '\\0' '\\n'\nPATH=/usr/local/bin:/usr/bin\nHOSTNAME=api-{rs(LOWNUM, 5)}\n{var}={v}\nLANG=C.UTF-8"


def pwsh_env_table(var: str, v: str) -> str:
    return f"PS C:\\> Get-ChildItem Env:{var} | Format-List\n\nName  : {var}\nValue : {v}\n"


def docker_history(var: str, v: str) -> str:
    return (
        f"$ docker history --no-trunc acme/api:latest | head -4\nIMAGE          CREATED       CREATED BY                                                     SIZE\n"
        f"sha256:{rs(HEX, 64)}   2 days ago    /bin/sh -c #(nop)  ENV {var}={v}   0B\n"
        f"<missing>      2 days ago    /bin/sh -c npm ci                                            88.1MB"
    )


def json_log(var: str, v: str) -> str:
    return json.dumps(
        {
            "level": "debug",
            "ts": ts() + "Z",
            "msg": "loaded settings",
            "settings": {"region": "eu-west-1", camel(var): v, "retries": 3},
        }
    )


def curl_json_body(var: str, v: str) -> str:
    return f'+ curl -sS -X POST https://hooks.internal/provision -H "Content-Type: application/json" -d "{{\\"name\\":\\"ci\\",\\"{camel(var)}\\":\\"{v}\\"}}"\n{{"status":"accepted"}}'


def query_string(var: str, v: str) -> str:
    return f'{R.randint(10, 250)}.{R.randint(1, 254)}.{R.randint(1, 254)}.{R.randint(1, 254)} - - [14/Mar/2026:09:12:44 +0000] "GET /v1/export?format=csv&{var.lower()}={v} HTTP/1.1" 200 5123 "-" "python-requests/2.32.3"'


def token_create_resp(var: str, v: str) -> str:
    return f'$ http POST :8080/admin/tokens name=ci\nHTTP/1.1 201 Created\nContent-Type: application/json\n\n{{\n    "{var.lower()}": "{v}",\n    "expires_at": "2027-03-14T09:12:44Z",\n    "name": "ci"\n}}'


GENERIC: list[Shape] = [
    env_diff_removed,
    export_p,
    ps_aux,
    proc_environ,
    pwsh_env_table,
    docker_history,
    json_log,
    curl_json_body,
    query_string,
    token_create_resp,
    sh_export,
    env_grep,
    env_diff,
    docker_inspect,
    kubectl_describe,
    tf_plan,
    gha_log,
    setx_trace,
    win_setx,
    pwsh_env,
    yaml_cat,
    toml_cat,
    ini_cat,
    props_cat,
    xml_cat,
    json_cat,
    py_trace,
    node_err,
    ipynb,
    docker_build,
    docker_run,
    systemd_cat,
    app_log,
    pytest_fail,
    printenv,
    compose_config,
    helm_cmd,
    dotenv_cat,
]


def bearer_shapes(host: str, scheme: str = "Bearer") -> list[Special]:
    def curl_v(v: str) -> str:
        return (
            f"$ curl -v https://{host}/v1/me\n*   Trying 104.18.{R.randint(0, 255)}.{R.randint(0, 255)}:443...\n"
            f"* Connected to {host} port 443\n> GET /v1/me HTTP/2\n> Host: {host}\n"
            f"> authorization: {scheme} {v}\n> user-agent: curl/8.5.0\n> accept: */*\n>\n< HTTP/2 200\n< content-type: application/json"
        )

    def set_x(v: str) -> str:
        return f"+ curl -fsS -H 'Authorization: {scheme} {v}' https://{host}/v1/status\n{{\"ok\":true}}"

    def py_debug(v: str) -> str:
        return (
            f"DEBUG:urllib3.connectionpool:Starting new HTTPS connection (1): {host}:443\n"
            f"send: b'POST /v1/jobs HTTP/1.1\\r\\nHost: {host}\\r\\nAuthorization: {scheme} {v}\\r\\nContent-Length: 52\\r\\n\\r\\n'\n"
            "reply: 'HTTP/1.1 201 Created\\r\\n'"
        )

    return [curl_v, set_x, py_debug]


# ---------------------------------------------------------------- positive specs


@dataclass
class Spec:
    name: str
    gen: Callable[[], str]
    vars: list[str]
    source: str
    n: int = 5
    specials: list[Special] = field(default_factory=list)
    generic: bool = True
    secret_of: Callable[[str], str] | None = None


def S(
    name: str,
    gen: Callable[[], str],
    vars: list[str],
    source: str = GITLEAKS,
    n: int = 5,
    specials: list[Special] | None = None,
    generic: bool = True,
    secret_of: Callable[[str], str] | None = None,
) -> Spec:
    return Spec(name, gen, vars, source, n, specials or [], generic, secret_of)


def twilio_pair(v: str) -> str:
    return (
        f"$ twilio profiles:add --api-key SK{rs(HEX, 32)} --api-secret {v}\n✔ Saved profile default"
    )


def specs() -> list[Spec]:
    def sts_json(v: str) -> str:
        return (
            "$ aws sts assume-role --role-arn arn:aws:iam::"
            + rs(DIG, 12)
            + ':role/deploy --role-session-name ci\n{\n    "Credentials": {\n        "AccessKeyId": "ASIA'
            + rs(B32, 16)
            + f'",\n        "SecretAccessKey": "{v}",\n        "SessionToken": "{aws_session()}",\n        "Expiration": "2026-03-14T10:12:44+00:00"\n    }}\n}}'
        )

    return [
        S(
            "aws_secret_access_key",
            lambda: rs(B64, 40),
            ["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"],
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
            8,
            [
                sts_json,
                lambda v: (
                    f"$ cat ~/.aws/credentials\n[default]\naws_access_key_id = AKIA{rs(B32, 16)}\naws_secret_access_key = {v}\n\n[prod]\nregion = eu-central-1"
                ),
                lambda v: (
                    f"$ aws configure list\n      Name                    Value             Type    Location\n access_key     ****************{rs(UPNUM, 4)} shared-credentials-file\n$ AWS_ACCESS_KEY_ID=AKIA{rs(B32, 16)} AWS_SECRET_ACCESS_KEY={v} aws s3 ls s3://acme-backups"
                ),
            ],
        ),
        S(
            "aws_session_token",
            aws_session,
            ["AWS_SESSION_TOKEN"],
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html",
            3,
        ),
        S(
            "github_pat_classic",
            lambda: gh_token("ghp"),
            ["GITHUB_TOKEN", "GH_TOKEN", "HOMEBREW_GITHUB_API_TOKEN"],
            "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/",
            7,
            [
                *bearer_shapes("api.github.com", "token"),
                lambda v: (
                    f"$ git remote -v\norigin\thttps://ci-bot:{v}@github.com/acme/infra.git (fetch)\norigin\thttps://ci-bot:{v}@github.com/acme/infra.git (push)"
                ),
            ],
        ),
        S(
            "github_oauth_token",
            lambda: gh_token("gho"),
            ["GH_TOKEN"],
            GHSS,
            4,
            [
                lambda v: f"$ gh auth token\n{v}",
                lambda v: (
                    f"$ cat ~/.config/gh/hosts.yml\ngithub.com:\n    user: jdoe\n    oauth_token: {v}\n    git_protocol: https\n"
                ),
            ],
        ),
        S(
            "github_app_token",
            lambda: gh_token("ghs"),
            ["GITHUB_TOKEN"],
            GHSS,
            4,
            [
                lambda v: (
                    f"{ts()}.0000000Z [command]/usr/bin/git config --local http.https://github.com/.extraheader AUTHORIZATION: basic {b64s(('x-access-token:' + v).encode())}\n{ts()}.1Z token={v}"
                )
            ],
        ),
        S(
            "github_fine_grained_pat",
            lambda: f"github_pat_11{rs(UPNUM, 20)}_{rs(ALNUM, 59)}",
            ["GITHUB_PAT", "GH_TOKEN"],
            GHSS,
            4,
        ),
        S(
            "gitlab_pat",
            lambda: f"glpat-{rs(URLSAFE, 20)}",
            ["GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE"],
            GITLEAKS,
            5,
            [
                lambda v: (
                    f"$ glab auth status\ngitlab.com\n  ✓ Logged in to gitlab.com as jdoe (GITLAB_TOKEN)\n  ✓ Token: {v}"
                ),
                lambda v: (
                    f'$ curl --header "PRIVATE-TOKEN: {v}" https://gitlab.com/api/v4/projects?owned=true\n[{{"id":481516,"name":"infra"}}]'
                ),
            ],
        ),
        S(
            "slack_bot_token",
            lambda: f"xoxb-{rs(DIG, 12)}-{rs(DIG, 13)}-{rs(ALNUM, 24)}",
            ["SLACK_BOT_TOKEN"],
            "https://api.slack.com/authentication/token-types",
            5,
            bearer_shapes("slack.com/api")[:1],
        ),
        S(
            "slack_user_token",
            lambda: f"xoxp-{rs(DIG, 12)}-{rs(DIG, 12)}-{rs(DIG, 13)}-{rs(HEX, 32)}",
            ["SLACK_USER_TOKEN"],
            "https://api.slack.com/authentication/token-types",
            3,
        ),
        S(
            "slack_webhook_url",
            lambda: (
                f"https://hooks.slack.com/services/T{rs(UPNUM, 10)}/B{rs(UPNUM, 10)}/{rs(ALNUM, 24)}"
            ),
            ["SLACK_WEBHOOK_URL"],
            GITLEAKS,
            4,
            [
                lambda v: (
                    f"$ curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy ok\"}}' {v}\nok"
                )
            ],
            secret_of=lambda v: v.split("/services/")[1],
        ),
        S(
            "stripe_secret_key",
            lambda: pick(f"sk_live_{rs(ALNUM, 24)}", f"sk_live_51{rs(ALNUM, 97)}"),
            ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"],
            "https://docs.stripe.com/keys",
            7,
            [
                lambda v: (
                    f"$ stripe listen --api-key {v} --forward-to localhost:3000/webhooks\n> Ready! Your webhook signing secret is whsec_{rs(ALNUM, 32)} (^C to quit)"
                ),
                lambda v: (
                    f'$ curl https://api.stripe.com/v1/charges -u {v}: -d amount=2000 -d currency=usd\n{{\n  "id": "ch_{rs(ALNUM, 24)}",'
                ),
            ],
        ),
        S(
            "stripe_restricted_key",
            lambda: f"rk_live_51{rs(ALNUM, 97)}",
            ["STRIPE_RESTRICTED_KEY"],
            "https://docs.stripe.com/keys",
            3,
        ),
        S(
            "stripe_webhook_secret",
            lambda: f"whsec_{rs(ALNUM, 32)}",
            ["STRIPE_WEBHOOK_SECRET"],
            "https://docs.stripe.com/webhooks",
            4,
            [
                lambda v: (
                    f"$ stripe listen --forward-to localhost:4242/webhook\n> Ready! You are using Stripe API Version [2024-06-20]. Your webhook signing secret is {v} (^C to quit)"
                )
            ],
        ),
        S(
            "openai_api_key",
            openai_key,
            ["OPENAI_API_KEY"],
            GHSS,
            6,
            bearer_shapes("api.openai.com")[:2],
        ),
        S(
            "anthropic_api_key",
            anthropic_key,
            ["ANTHROPIC_API_KEY"],
            GHSS,
            5,
            [
                lambda v: (
                    f'$ curl https://api.anthropic.com/v1/messages -H "x-api-key: {v}" -H "anthropic-version: 2023-06-01" -d @req.json\n{{"type":"message"}}'
                )
            ],
        ),
        S(
            "groq_api_key",
            lambda: f"gsk_{rs(ALNUM, 52)}",
            ["GROQ_API_KEY"],
            GITLEAKS,
            4,
            bearer_shapes("api.groq.com")[:1],
        ),
        S(
            "perplexity_api_key",
            lambda: f"pplx-{rs(ALNUM, 48)}",
            ["PERPLEXITY_API_KEY", "PPLX_API_KEY"],
            GITLEAKS,
            4,
        ),
        S(
            "openrouter_api_key",
            lambda: f"sk-or-v1-{rs(HEX, 64)}",
            ["OPENROUTER_API_KEY"],
            "https://openrouter.ai/docs/api-reference/authentication",
            4,
            bearer_shapes("openrouter.ai/api")[:1],
        ),
        S(
            "replicate_api_token",
            lambda: f"r8_{rs(ALNUM, 37)}",
            ["REPLICATE_API_TOKEN"],
            "https://replicate.com/docs/topics/security/api-tokens",
            4,
        ),
        S(
            "mistral_api_key",
            lambda: rs(ALNUM, 32),
            ["MISTRAL_API_KEY"],
            "https://docs.mistral.ai/getting-started/quickstart/",
            4,
        ),
        S(
            "cohere_api_key",
            lambda: rs(ALNUM, 40),
            ["COHERE_API_KEY", "CO_API_KEY"],
            "https://docs.cohere.com/reference/about",
            4,
        ),
        S(
            "huggingface_token",
            lambda: f"hf_{rs(UPPER + LOWER, 34)}",
            ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
            GHSS,
            4,
            [
                lambda v: (
                    f"$ huggingface-cli login --token {v}\nToken is valid (permission: write).\nYour token has been saved to /home/dev/.cache/huggingface/token"
                )
            ],
        ),
        S(
            "resend_api_key",
            lambda: f"re_{rs(ALNUM, 8)}_{rs(ALNUM, 24)}",
            ["RESEND_API_KEY"],
            "https://resend.com/docs/dashboard/api-keys/introduction",
            4,
        ),
        S(
            "clerk_secret_key",
            lambda: f"sk_live_{rs(ALNUM, 42)}",
            ["CLERK_SECRET_KEY"],
            "https://clerk.com/docs/deployments/clerk-environment-variables",
            4,
        ),
        S(
            "supabase_service_role_jwt",
            lambda: supabase_jwt("service_role"),
            ["SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_SERVICE_KEY"],
            "https://supabase.com/docs/guides/api/api-keys",
            5,
            [
                lambda v: (
                    f'$ curl \'https://{rs(LOWER, 20)}.supabase.co/rest/v1/profiles?select=*\' -H "apikey: {v}" -H "Authorization: Bearer {v}"\n[]'
                )
            ],
        ),
        S(
            "supabase_secret_key",
            lambda: f"sb_secret_{rs(URLSAFE, 31)}",
            ["SUPABASE_SECRET_KEY"],
            "https://supabase.com/docs/guides/api/api-keys",
            3,
        ),
        S(
            "supabase_access_token",
            lambda: f"sbp_{rs(HEX, 40)}",
            ["SUPABASE_ACCESS_TOKEN"],
            GITLEAKS,
            3,
            [lambda v: f"$ supabase login --token {v}\nYou are now logged in. Happy coding!"],
        ),
        S(
            "cloudflare_api_token",
            lambda: rs(URLSAFE, 40),
            ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"],
            "https://developers.cloudflare.com/fundamentals/api/get-started/create-token/",
            5,
            [
                lambda v: (
                    f'$ curl "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer {v}"\n{{"result":{{"id":"{rs(HEX, 32)}","status":"active"}},"success":true,"errors":[],"messages":[{{"code":10000,"message":"This API Token is valid and active"}}]}}'
                ),
                lambda v: (
                    f'$ cat wrangler.toml ~/.wrangler/config/default.toml\nname = "edge-api"\nmain = "src/index.ts"\napi_token = "{v}"'
                ),
            ],
        ),
        S(
            "cloudflare_global_api_key",
            lambda: rs(HEX, 37),
            ["CLOUDFLARE_API_KEY", "CF_API_KEY"],
            "https://developers.cloudflare.com/fundamentals/api/get-started/keys/",
            3,
            [
                lambda v: (
                    f'$ curl https://api.cloudflare.com/client/v4/zones -H "X-Auth-Email: ops@acme.io" -H "X-Auth-Key: {v}"\n{{"success":true}}'
                )
            ],
        ),
        S(
            "vercel_token",
            lambda: rs(ALNUM, 24),
            ["VERCEL_TOKEN"],
            "https://vercel.com/docs/rest-api#authentication",
            4,
            [
                lambda v: (
                    f"$ vercel deploy --prod --token {v}\nVercel CLI 39.1.0\n🔍  Inspect: https://vercel.com/acme/web/{rs(ALNUM, 9)} [2s]"
                )
            ],
        ),
        S(
            "netlify_token",
            lambda: f"nfp_{rs(ALNUM, 36)}",
            ["NETLIFY_AUTH_TOKEN"],
            "https://docs.netlify.com/api/get-started/#authentication",
            3,
            [
                lambda v: (
                    f"$ netlify deploy --prod --auth {v} --dir dist\nDeploy path: /home/dev/site/dist\n✔ Finished uploading 41 assets"
                )
            ],
        ),
        S(
            "render_api_key",
            lambda: f"rnd_{rs(ALNUM, 32)}",
            ["RENDER_API_KEY"],
            "https://render.com/docs/api",
            3,
            bearer_shapes("api.render.com")[:1],
        ),
        S(
            "railway_token",
            uuid4,
            ["RAILWAY_TOKEN", "RAILWAY_API_TOKEN"],
            "https://docs.railway.com/guides/cli#tokens",
            3,
        ),
        S(
            "fly_access_token",
            lambda: f"fo1_{rs(URLSAFE, 43)}",
            ["FLY_API_TOKEN", "FLY_ACCESS_TOKEN"],
            "https://fly.io/docs/security/tokens/",
            3,
            [lambda v: f"$ fly auth token\n{v}"],
        ),
        S(
            "heroku_api_key",
            lambda: pick(uuid4(), f"HRKU-AA{rs(URLSAFE, 58)}"),
            ["HEROKU_API_KEY"],
            GHSS,
            4,
            [
                lambda v: (
                    f"$ cat ~/.netrc\nmachine api.heroku.com\n  login dev@acme.io\n  password {v}\nmachine git.heroku.com\n  login dev@acme.io\n  password {v}\n"
                )
            ],
        ),
        S(
            "pinecone_api_key",
            lambda: f"pcsk_{rs(ALNUM, 6)}_{rs(ALNUM, 63)}",
            ["PINECONE_API_KEY"],
            "https://docs.pinecone.io/guides/projects/manage-api-keys",
            4,
            [
                lambda v: (
                    f'$ curl -X GET "https://api.pinecone.io/indexes" -H "Api-Key: {v}" -H "X-Pinecone-API-Version: 2025-01"\n{{"indexes":[]}}'
                )
            ],
        ),
        S(
            "wandb_api_key",
            lambda: rs(HEX, 40),
            ["WANDB_API_KEY"],
            "https://docs.wandb.ai/guides/track/environment-variables/",
            4,
            [
                lambda v: (
                    f"$ wandb login {v}\nwandb: Appending key for api.wandb.ai to your netrc file: /home/dev/.netrc"
                ),
                lambda v: f"$ cat ~/.netrc\nmachine api.wandb.ai\n  login user\n  password {v}\n",
            ],
        ),
        S(
            "algolia_admin_key",
            lambda: rs(HEX, 32),
            ["ALGOLIA_ADMIN_KEY", "ALGOLIA_ADMIN_API_KEY"],
            "https://www.algolia.com/doc/guides/security/api-keys/",
            3,
            [
                lambda v: (
                    f'$ curl -X POST -H "X-Algolia-API-Key: {v}" -H "X-Algolia-Application-Id: {rs(UPNUM, 10)}" https://{rs(UPNUM, 10)}.algolia.net/1/indexes/products/clear\n{{"taskID":{rs(DIG, 9)}}}'
                )
            ],
        ),
        S(
            "mapbox_secret_token",
            mapbox_secret,
            ["MAPBOX_SECRET_TOKEN", "MAPBOX_DOWNLOADS_TOKEN"],
            "https://docs.mapbox.com/help/getting-started/access-tokens/",
            4,
            [lambda v: f"$ cat ~/.netrc\nmachine api.mapbox.com\n  login mapbox\n  password {v}\n"],
        ),
        S(
            "okta_api_token",
            lambda: f"00{rs(URLSAFE, 40)}",
            ["OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"],
            GHSS,
            4,
            [
                lambda v: (
                    f'$ curl -H "Authorization: SSWS {v}" https://acme.okta.com/api/v1/users?limit=1\n[{{"id":"00u{rs(ALNUM, 17)}","status":"ACTIVE"}}]'
                )
            ],
        ),
        S(
            "pagerduty_api_key",
            lambda: "u+" + rs(URLSAFE, 18),
            ["PAGERDUTY_TOKEN", "PD_API_KEY"],
            GITLEAKS,
            3,
            [
                lambda v: (
                    f'$ curl -H "Authorization: Token token={v}" -H \'Accept: application/vnd.pagerduty+json;version=2\' https://api.pagerduty.com/incidents\n{{"incidents":[]}}'
                )
            ],
        ),
        S(
            "twilio_api_secret",
            lambda: rs(ALNUM, 32),
            ["TWILIO_API_SECRET"],
            "https://www.twilio.com/docs/iam/api-keys",
            3,
            [twilio_pair],
        ),
        S(
            "twilio_auth_token",
            lambda: rs(HEX, 32),
            ["TWILIO_AUTH_TOKEN"],
            "https://www.twilio.com/docs/iam/credentials/api",
            4,
            [
                lambda v: (
                    f'$ curl -X POST https://api.twilio.com/2010-04-01/Accounts/AC{rs(HEX, 32)}/Messages.json -u AC{rs(HEX, 32)}:{v} --data-urlencode "Body=hi"\n{{"status": "queued"}}'
                )
            ],
        ),
        S(
            "plaid_secret",
            lambda: rs(HEX, 30),
            ["PLAID_SECRET"],
            "https://plaid.com/docs/quickstart/",
            3,
        ),
        S(
            "plaid_access_token",
            lambda: f"access-production-{uuid4()}",
            ["PLAID_ACCESS_TOKEN"],
            "https://plaid.com/docs/api/tokens/",
            3,
        ),
        S(
            "airtable_pat",
            lambda: f"pat{rs(ALNUM, 14)}.{rs(HEX, 64)}",
            ["AIRTABLE_API_KEY", "AIRTABLE_TOKEN"],
            GITLEAKS,
            4,
            bearer_shapes("api.airtable.com")[:1],
        ),
        S(
            "figma_pat",
            lambda: f"figd_{rs(URLSAFE, 40)}",
            ["FIGMA_TOKEN"],
            GITLEAKS,
            3,
            [
                lambda v: (
                    f'$ curl -H \'X-Figma-Token: {v}\' https://api.figma.com/v1/me\n{{"id":"{rs(DIG, 19)}","handle":"jdoe"}}'
                )
            ],
        ),
        S(
            "terraform_cloud_token",
            lambda: f"{rs(ALNUM, 14)}.atlasv1.{rs(ALNUM, 67)}",
            ["TF_TOKEN_app_terraform_io", "TFE_TOKEN"],
            GITLEAKS,
            4,
            [
                lambda v: (
                    f'$ cat ~/.terraform.d/credentials.tfrc.json\n{{\n  "credentials": {{\n    "app.terraform.io": {{\n      "token": "{v}"\n    }}\n  }}\n}}'
                )
            ],
        ),
        S(
            "dockerhub_pat",
            lambda: f"dckr_pat_{rs(URLSAFE, 27)}",
            ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"],
            GHSS,
            4,
            [
                lambda v: f"$ echo {v} | docker login -u acmebot --password-stdin\nLogin Succeeded",
                lambda v: (
                    f"+ docker login -u acmebot -p {v} docker.io\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded"
                ),
            ],
        ),
        S(
            "postman_api_key",
            lambda: f"PMAK-{rs(HEX, 24)}-{rs(HEX, 34)}",
            ["POSTMAN_API_KEY"],
            GHSS,
            3,
            [lambda v: f"$ postman login --with-api-key {v}\nLogged in successfully."],
        ),
        S(
            "bitbucket_app_password",
            lambda: f"ATBB{rs(ALNUM, 32)}",
            ["BITBUCKET_APP_PASSWORD"],
            GHSS,
            3,
            [
                lambda v: (
                    f"$ git clone https://jdoe:{v}@bitbucket.org/acme/payments.git\nCloning into 'payments'..."
                )
            ],
        ),
        S(
            "atlassian_api_token",
            atlassian_token,
            ["JIRA_API_TOKEN", "ATLASSIAN_API_TOKEN", "CONFLUENCE_API_TOKEN"],
            GHSS,
            4,
            [
                lambda v: (
                    f'$ curl -u jdoe@acme.io:{v} https://acme.atlassian.net/rest/api/3/myself\n{{"accountId":"{rs(HEX, 24)}"}}'
                )
            ],
        ),
        S(
            "digitalocean_pat",
            lambda: f"dop_v1_{rs(HEX, 64)}",
            ["DIGITALOCEAN_ACCESS_TOKEN", "DO_TOKEN"],
            GHSS,
            4,
            [lambda v: f"$ doctl auth init -t {v}\nValidating token... ✔"],
        ),
        S(
            "linode_token",
            lambda: rs(HEX, 64),
            ["LINODE_TOKEN", "LINODE_CLI_TOKEN"],
            "https://techdocs.akamai.com/linode-api/reference/get-started",
            3,
            [
                lambda v: (
                    f"$ cat ~/.config/linode-cli\n[DEFAULT]\ndefault-user = jdoe\n\n[jdoe]\ntoken = {v}\nregion = us-east\n"
                )
            ],
        ),
        S(
            "hetzner_token",
            lambda: rs(ALNUM, 64),
            ["HCLOUD_TOKEN"],
            "https://docs.hetzner.cloud/#authentication",
            3,
            [
                lambda v: (
                    f'$ cat ~/.config/hcloud/cli.toml\nactive_context = "prod"\n\n[[contexts]]\n  name = "prod"\n  token = "{v}"\n'
                )
            ],
        ),
        S(
            "scaleway_secret_key",
            uuid4,
            ["SCW_SECRET_KEY"],
            "https://www.scaleway.com/en/docs/iam/concepts/#api-key",
            3,
            [
                lambda v: (
                    f"$ cat ~/.config/scw/config.yaml\naccess_key: SCW{rs(UPNUM, 17)}\nsecret_key: {v}\ndefault_organization_id: {uuid4()}\ndefault_region: fr-par\n"
                )
            ],
        ),
        S(
            "tailscale_auth_key",
            lambda: f"tskey-{pick('auth', 'api')}-k{rs(ALNUM, 10)}CNTRL-{rs(ALNUM, 33)}",
            ["TS_AUTHKEY", "TAILSCALE_AUTHKEY"],
            "https://tailscale.com/kb/1085/auth-keys",
            4,
            [lambda v: f"$ sudo tailscale up --authkey={v} --hostname=ci-runner-3\nSuccess."],
        ),
        S(
            "ngrok_authtoken",
            lambda: f"2{rs(ALNUM, 26)}_{rs(ALNUM, 21)}",
            ["NGROK_AUTHTOKEN"],
            "https://ngrok.com/docs/agent/#authtokens",
            3,
            [
                lambda v: (
                    f"$ ngrok config add-authtoken {v}\nAuthtoken saved to configuration file: /home/dev/.config/ngrok/ngrok.yml"
                ),
                lambda v: f'$ cat ~/.config/ngrok/ngrok.yml\nversion: "2"\nauthtoken: {v}\n',
            ],
        ),
        S(
            "firebase_fcm_server_key",
            lambda: f"AAAA{rs(URLSAFE, 7)}:APA91b{rs(URLSAFE, 134)}",
            ["FCM_SERVER_KEY"],
            GITLEAKS,
            3,
            [
                lambda v: (
                    f'$ curl -X POST -H "Authorization: key={v}" -H "Content-Type: application/json" https://fcm.googleapis.com/fcm/send -d @msg.json'
                )
            ],
        ),
        S(
            "google_refresh_token",
            lambda: f"1//0{rs(URLSAFE, 99)}",
            ["FIREBASE_TOKEN", "GOOGLE_REFRESH_TOKEN"],
            "https://firebase.google.com/docs/cli#cli-ci-systems",
            3,
            [
                lambda v: (
                    f'$ firebase login:ci\n✔  Success! Use this token to login on a CI server:\n\n{v}\n\nExample: firebase deploy --token "$FIREBASE_TOKEN"'
                )
            ],
        ),
        S(
            "expo_token",
            lambda: rs(URLSAFE, 40),
            ["EXPO_TOKEN"],
            "https://docs.expo.dev/accounts/programmatic-access/",
            3,
        ),
        S(
            "sentry_org_token",
            sentry_org,
            ["SENTRY_AUTH_TOKEN"],
            "https://docs.sentry.io/account/auth-tokens/",
            4,
            [
                lambda v: (
                    f"$ cat .sentryclirc\n[defaults]\norg = acme\nproject = web\n\n[auth]\ntoken = {v}\n"
                )
            ],
        ),
        S(
            "sentry_user_token",
            lambda: f"sntryu_{rs(HEX, 64)}",
            ["SENTRY_AUTH_TOKEN"],
            "https://docs.sentry.io/account/auth-tokens/",
            3,
        ),
        S(
            "snyk_token",
            uuid4,
            ["SNYK_TOKEN"],
            "https://docs.snyk.io/snyk-cli/authenticate-to-use-the-cli",
            3,
            [
                lambda v: (
                    f"$ snyk auth {v}\n\nYour account has been authenticated. Snyk is now ready to be used."
                )
            ],
        ),
        S(
            "sonarqube_token",
            lambda: f"{pick('squ', 'sqp', 'sqa')}_{rs(HEX, 40)}",
            ["SONAR_TOKEN"],
            "https://docs.sonarsource.com/sonarqube-server/latest/user-guide/managing-tokens/",
            4,
            [
                lambda v: (
                    f"$ mvn sonar:sonar -Dsonar.host.url=https://sonar.acme.io -Dsonar.token={v}\n[INFO] Scanning for projects..."
                )
            ],
        ),
        S(
            "jfrog_api_key",
            lambda: pick(f"AKCp{rs(ALNUM, 69)}", f"cmVmdGtuOjAxOjE3{rs(ALNUM, 48)}"),
            ["JFROG_ACCESS_TOKEN", "ARTIFACTORY_API_KEY"],
            GITLEAKS,
            4,
            [
                lambda v: (
                    f"$ jf c add acme --url=https://acme.jfrog.io --access-token={v} --interactive=false\n$ jf rt ping\nOK"
                )
            ],
        ),
        S(
            "harness_pat",
            lambda: f"{pick('pat', 'sat')}.{rs(URLSAFE[:-2], 22)}.{rs(ALNUM, 24)}.{rs(ALNUM, 20)}",
            ["HARNESS_API_KEY", "HARNESS_PLATFORM_API_KEY"],
            "https://developer.harness.io/docs/platform/automation/api/add-and-manage-api-keys/",
            3,
            [
                lambda v: (
                    f"$ curl -H 'x-api-key: {v}' 'https://app.harness.io/ng/api/user/currentUser'\n{{\"status\":\"SUCCESS\"}}"
                )
            ],
        ),
        S(
            "circleci_pat",
            lambda: f"CCIPAT_{rs(ALNUM, 22)}_{rs(HEX, 40)}",
            ["CIRCLECI_TOKEN", "CIRCLE_TOKEN"],
            GHSS,
            3,
            [
                lambda v: (
                    f"$ circleci setup --no-prompt --host https://circleci.com --token {v}\nSetup complete."
                )
            ],
        ),
        S(
            "buildkite_token",
            lambda: f"bkua_{rs(HEX, 40)}",
            ["BUILDKITE_API_TOKEN"],
            "https://buildkite.com/docs/apis/managing-api-tokens",
            3,
            bearer_shapes("api.buildkite.com")[:1],
        ),
        S(
            "npm_token",
            lambda: f"npm_{rs(ALNUM, 36)}",
            ["NPM_TOKEN", "NODE_AUTH_TOKEN"],
            GHSS,
            5,
            [
                lambda v: (
                    f"$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken={v}\n@acme:registry=https://npm.pkg.github.com\n"
                )
            ],
        ),
        S(
            "pypi_token",
            lambda: f"pypi-AgEIcHlwaS5vcmc{rs(URLSAFE, 70)}",
            ["TWINE_PASSWORD", "PYPI_API_TOKEN"],
            GHSS,
            4,
            [
                lambda v: (
                    f"$ cat ~/.pypirc\n[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {v}\n"
                ),
                lambda v: (
                    f"$ pip config list\nglobal.index-url='https://__token__:{v}@upload.pypi.org/legacy/'"
                ),
            ],
        ),
        S(
            "sendgrid_api_key",
            lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}",
            ["SENDGRID_API_KEY"],
            GHSS,
            4,
        ),
        S(
            "shopify_access_token",
            lambda: f"shpat_{rs(HEX, 32)}",
            ["SHOPIFY_ACCESS_TOKEN"],
            GHSS,
            3,
            [
                lambda v: (
                    f"$ curl -H 'X-Shopify-Access-Token: {v}' https://acme-store.myshopify.com/admin/api/2024-07/shop.json"
                )
            ],
        ),
        S(
            "telegram_bot_token",
            lambda: f"{R.randint(10**8, 7 * 10**9)}:AA{rs(URLSAFE, 33)}",
            ["TELEGRAM_BOT_TOKEN", "TG_TOKEN"],
            GITLEAKS,
            4,
            [
                lambda v: (
                    f'$ curl https://api.telegram.org/bot{v}/getMe\n{{"ok":true,"result":{{"is_bot":true,"username":"acme_alerts_bot"}}}}'
                )
            ],
        ),
        S(
            "discord_bot_token",
            lambda: (
                f"{b64s(str(R.randint(10**17, 10**18)).encode()).rstrip('=')}.{rs(URLSAFE, 6)}.{rs(URLSAFE, 38)}"
            ),
            ["DISCORD_TOKEN", "DISCORD_BOT_TOKEN"],
            GHSS,
            3,
        ),
        S(
            "google_api_key",
            lambda: f"AIza{rs(URLSAFE, 35)}",
            ["GOOGLE_API_KEY", "GEMINI_API_KEY", "YOUTUBE_API_KEY"],
            GHSS,
            5,
            [
                lambda v: (
                    f"$ curl \"https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:generateContent?key={v}\" -H 'Content-Type: application/json' -d @prompt.json"
                )
            ],
        ),
        S(
            "gcp_access_token",
            lambda: f"ya29.{pick('a0', 'c.')}{rs(URLSAFE, R.randint(150, 220))}",
            ["GOOGLE_OAUTH_ACCESS_TOKEN", "CLOUDSDK_AUTH_ACCESS_TOKEN"],
            "https://cloud.google.com/docs/authentication/token-types#access",
            5,
            [
                lambda v: f"$ gcloud auth print-access-token\n{v}",
                lambda v: (
                    f"$ curl -H \"Authorization: Bearer $(gcloud auth print-access-token)\" https://storage.googleapis.com/storage/v1/b?project=acme\n+ curl -H 'Authorization: Bearer {v}' 'https://storage.googleapis.com/storage/v1/b?project=acme'"
                ),
            ],
        ),
        S(
            "azure_storage_account_key",
            lambda: b64s(rbytes(64)),
            ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY"],
            "https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string",
            4,
            [
                lambda v: (
                    f'$ az storage account show-connection-string -n acmelogs -g prod\n{{\n  "connectionString": "DefaultEndpointsProtocol=https;EndpointSuffix=core.windows.net;AccountName=acmelogs;AccountKey={v}"\n}}'
                ),
                lambda v: (
                    f"$ az storage account keys list -g prod -n acmelogs -o table\nKeyName    Permissions    Value\n---------  -------------  {'-' * 88}\nkey1       FULL           {v}"
                ),
            ],
        ),
        S(
            "azure_client_secret",
            lambda: f"{rs(ALNUM, 3)}8Q~{rs(URLSAFE + '.~', 31)}",
            ["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"],
            GHSS,
            4,
            [
                lambda v: (
                    f'$ az ad sp create-for-rbac --name ci-deployer --role contributor\n{{\n  "appId": "{uuid4()}",\n  "displayName": "ci-deployer",\n  "password": "{v}",\n  "tenant": "{uuid4()}"\n}}'
                )
            ],
        ),
        S(
            "databricks_token",
            lambda: f"dapi{rs(HEX, 32)}",
            ["DATABRICKS_TOKEN"],
            GHSS,
            3,
            [
                lambda v: (
                    f"$ cat ~/.databrickscfg\n[DEFAULT]\nhost  = https://adb-{rs(DIG, 16)}.4.azuredatabricks.net\ntoken = {v}\n"
                )
            ],
        ),
        S("newrelic_user_key", lambda: f"NRAK-{rs(UPNUM, 27)}", ["NEW_RELIC_API_KEY"], GHSS, 3),
        S(
            "grafana_service_account_token",
            lambda: f"glsa_{rs(ALNUM, 32)}_{rs(HEX, 8)}",
            ["GRAFANA_TOKEN", "GRAFANA_SA_TOKEN"],
            GHSS,
            3,
            bearer_shapes("grafana.acme.io/api")[:1],
        ),
        S(
            "vault_token",
            lambda: f"hvs.{rs(URLSAFE, 90)}",
            ["VAULT_TOKEN"],
            "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes",
            4,
            [
                lambda v: (
                    f"$ vault login -method=userpass username=jdoe\nSuccess! You are now authenticated.\n\nKey                  Value\n---                  -----\ntoken                {v}\ntoken_accessor       {rs(ALNUM, 24)}\ntoken_duration       768h"
                )
            ],
        ),
        S(
            "doppler_service_token",
            lambda: f"dp.st.{pick('prd', 'stg', 'dev')}.{rs(ALNUM, 40)}",
            ["DOPPLER_TOKEN"],
            GHSS,
            3,
        ),
        S(
            "datadog_api_key",
            lambda: rs(HEX, 32),
            ["DD_API_KEY", "DATADOG_API_KEY"],
            "https://docs.datadoghq.com/account_management/api-app-keys/",
            4,
            [
                lambda v: (
                    f'$ curl -X GET "https://api.datadoghq.com/api/v1/validate" -H "DD-API-KEY: {v}"\n{{"valid":true}}'
                )
            ],
        ),
        S(
            "age_secret_key",
            lambda: f"AGE-SECRET-KEY-1{rs(BECH32, 58)}",
            ["SOPS_AGE_KEY"],
            "https://github.com/FiloSottile/age",
            3,
            [
                lambda v: (
                    f"$ age-keygen\n# created: 2026-03-14T09:12:44Z\n# public key: age1{rs(BECH32.lower(), 58)}\n{v}"
                )
            ],
        ),
        S(
            "onepassword_service_account_token",
            lambda: "ops_eyJ" + rs(B64, 300),
            ["OP_SERVICE_ACCOUNT_TOKEN"],
            GHSS,
            3,
        ),
        S("linear_api_key", lambda: f"lin_api_{rs(ALNUM, 40)}", ["LINEAR_API_KEY"], GHSS, 3),
        S(
            "notion_token",
            lambda: pick(f"ntn_{rs(DIG, 11)}{rs(ALNUM, 35)}", f"secret_{rs(ALNUM, 43)}"),
            ["NOTION_TOKEN", "NOTION_API_KEY"],
            GHSS,
            3,
        ),
        S(
            "mailchimp_api_key",
            lambda: f"{rs(HEX, 32)}-us{R.randint(1, 21)}",
            ["MAILCHIMP_API_KEY"],
            GITLEAKS,
            3,
        ),
        S(
            "square_access_token",
            lambda: f"EAAA{rs(URLSAFE, 60)}",
            ["SQUARE_ACCESS_TOKEN"],
            GHSS,
            3,
        ),
        S(
            "jwt_session_token",
            lambda: supabase_jwt("authenticated"),
            ["SESSION_TOKEN"],
            "https://datatracker.ietf.org/doc/html/rfc7519",
            3,
            [
                lambda v: (
                    f"< HTTP/2 200\n< set-cookie: sb-access-token={v}; Path=/; HttpOnly; Secure; SameSite=Lax\n< content-type: application/json"
                )
            ],
        ),
        *password_specs(),
        *key_specs(),
        *extra_specs(),
    ]


def password_specs() -> list[Spec]:
    def pg_uri(v: str) -> str:
        return pick(
            f'$ psql "postgresql://app_user:{v}@db.{rs(LOWER, 20)}.supabase.co:5432/postgres"\npsql (16.2)\nSSL connection (protocol: TLSv1.3)\npostgres=> \\dt',
            f"$ heroku config:get DATABASE_URL -a acme-api\npostgres://u{rs(LOWNUM, 13)}:{v}@ec2-52-{R.randint(1, 254)}-{R.randint(1, 254)}-{R.randint(1, 254)}.compute-1.amazonaws.com:5432/d{rs(LOWNUM, 13)}",
            f'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "10.0.3.12", port 5432 failed: timeout expired\n(Background on this error at: https://sqlalche.me/e/20/e3q8)\n  engine url: postgresql+psycopg2://svc_reporting:{v}@10.0.3.12:5432/analytics',
        )

    def mongo(v: str) -> str:
        return pick(
            f'$ mongosh "mongodb+srv://admin:{v}@cluster0.{rs(LOWNUM, 5)}.mongodb.net/shop?retryWrites=true&w=majority"\nCurrent Mongosh Log ID: {rs(HEX, 24)}\nConnecting to: mongodb+srv://<credentials>@cluster0.{rs(LOWNUM, 5)}.mongodb.net/shop',
            f"MongoServerError: bad auth : authentication failed\n    at Connection.onMessage (/app/node_modules/mongodb/lib/cmap/connection.js:231:30)\n  uri: 'mongodb://root:{v}@mongo-0.mongo:27017/admin?authSource=admin'",
        )

    def mysql(v: str) -> str:
        return pick(
            f"$ mysql -h 127.0.0.1 -u root -p'{v}' shop -e 'select count(*) from orders'\nmysql: [Warning] Using a password on the command line interface can be insecure.\n+----------+\n| count(*) |\n+----------+\n|     4211 |",
            f"$ mysqldump --user=backup --password={v} --single-transaction shop > shop.sql\nmysqldump: [Warning] Using a password on the command line interface can be insecure.",
        )

    def redis(v: str) -> str:
        return pick(
            f"$ redis-cli -h cache.internal -p 6379 -a {v} INFO keyspace\nWarning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n# Keyspace\ndb0:keys=1201,expires=33",
            f"$ redis-cli -u redis://default:{v}@redis-{rs(DIG, 5)}.c1.us-east-1-2.ec2.cloud.redislabs.com:{rs(DIG, 5)} PING\nPONG",
        )

    def maven(v: str) -> str:
        return f"$ cat ~/.m2/settings.xml\n<settings>\n  <servers>\n    <server>\n      <id>acme-releases</id>\n      <username>deployer</username>\n      <password>{v}</password>\n    </server>\n  </servers>\n</settings>"

    def nuget(v: str) -> str:
        return f'$ cat NuGet.config\n<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSourceCredentials>\n    <AcmeFeed>\n      <add key="Username" value="build" />\n      <add key="ClearTextPassword" value="{v}" />\n    </AcmeFeed>\n  </packageSourceCredentials>\n</configuration>'

    def gradle(v: str) -> str:
        return f"$ cat ~/.gradle/gradle.properties\norg.gradle.jvmargs=-Xmx2g\nsigning.keyId=24875D73\nsigning.password={v}\nossrhUsername=acme\nossrhPassword={v}\n"

    def pwsh(v: str) -> str:
        return pick(
            f'PS C:\\deploy> $pw = ConvertTo-SecureString "{v}" -AsPlainText -Force\nPS C:\\deploy> $cred = New-Object System.Management.Automation.PSCredential ("ACME\\svc_deploy", $pw)',
            f"PS> New-LocalUser -Name svc_backup -Password (ConvertTo-SecureString '{v}' -AsPlainText -Force)\n\nName       Enabled Description\n----       ------- -----------\nsvc_backup True",
        )

    def basic_hdr(v: str) -> str:
        return f"$ curl -v https://registry.acme.io/v2/_catalog\n> GET /v2/_catalog HTTP/1.1\n> Host: registry.acme.io\n> Authorization: Basic {v}\n> User-Agent: curl/8.5.0\n>\n< HTTP/1.1 200 OK"

    def curl_u(v: str) -> str:
        return pick(
            f'$ curl -u admin:{v} http://localhost:15672/api/overview\n{{"management_version":"3.13.1"}}',
            f"+ curl -sf --user deploy:{v} -T build/app.war https://nexus.acme.io/repository/releases/app-1.4.war",
        )

    def jdbc(v: str) -> str:
        return f'2026-03-14 09:12:44.210 ERROR 1 --- [main] o.s.b.SpringApplication : Application run failed\norg.postgresql.util.PSQLException: FATAL: password authentication failed for user "svc"\n  datasource.url=jdbc:postgresql://db:5432/app?user=svc&password={v}&sslmode=require'

    def pgpass(v: str) -> str:
        return pick(
            f"$ PGPASSWORD={v} pg_dump -h db.internal -U backup -Fc shop > shop.dump",
            f"$ cat ~/.pgpass\ndb.internal:5432:shop:backup:{v}\nlocalhost:5432:*:postgres:postgres",
        )

    def kube_secret(v: str) -> str:
        return f"$ kubectl get secret db-creds -n prod -o yaml\napiVersion: v1\ndata:\n  password: {v}\n  username: {b64s(b'app')}\nkind: Secret\nmetadata:\n  name: db-creds\n  namespace: prod\ntype: Opaque"

    def config_pw(v: str) -> str:
        return pick(
            f"$ cat config/database.yml\nproduction:\n  adapter: postgresql\n  host: db.internal\n  username: rails\n  password: {v}\n  database: shop_production\n",
            f"$ cat /etc/acme/smtp.ini\n[smtp]\nhost = smtp.sendgrid.net\nport = 587\nuser = apikey\npassword = {v}\n",
            f'$ docker inspect db | jq \'.[0].Config.Env\'\n[\n  "POSTGRES_USER=app",\n  "POSTGRES_PASSWORD={v}",\n  "PGDATA=/var/lib/postgresql/data"\n]',
        )

    def mk(
        name: str,
        f: Special,
        src: str,
        n: int,
        uri: bool = False,
        gen: Callable[[], str] | None = None,
    ) -> Spec:
        return Spec(name, gen or (lambda: password(uri)), [], src, n, [f] * n, False)

    basic = lambda: b64s(f"{pick('ci', 'admin', 'deploy')}:{password()}".encode())  # noqa: E731
    kb = lambda: b64s(password().encode())  # noqa: E731
    return [
        mk(
            "postgres_uri_password",
            pg_uri,
            "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS",
            6,
            True,
        ),
        mk(
            "mongodb_uri_password",
            mongo,
            "https://www.mongodb.com/docs/manual/reference/connection-string/",
            4,
            True,
        ),
        mk(
            "mysql_cli_password",
            mysql,
            "https://dev.mysql.com/doc/refman/8.0/en/password-security-user.html",
            4,
        ),
        mk("redis_password", redis, "https://redis.io/docs/latest/develop/tools/cli/", 4, True),
        mk("maven_settings_password", maven, "https://maven.apache.org/settings.html#servers", 3),
        mk(
            "nuget_cleartext_password",
            nuget,
            "https://learn.microsoft.com/en-us/nuget/reference/nuget-config-file#packagesourcecredentials",
            3,
        ),
        mk(
            "gradle_properties_password",
            gradle,
            "https://docs.gradle.org/current/userguide/build_environment.html#sec:gradle_configuration_properties",
            3,
        ),
        mk(
            "powershell_plaintext_password",
            pwsh,
            "https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.security/convertto-securestring",
            4,
        ),
        mk(
            "http_basic_auth_header",
            basic_hdr,
            "https://datatracker.ietf.org/doc/html/rfc7617",
            3,
            gen=basic,
        ),
        mk("curl_user_password", curl_u, "https://curl.se/docs/manpage.html#-u", 4, True),
        mk(
            "jdbc_url_password",
            jdbc,
            "https://jdbc.postgresql.org/documentation/use/#connection-parameters",
            2,
            True,
        ),
        mk(
            "pgpassword",
            pgpass,
            "https://www.postgresql.org/docs/current/libpq-envars.html",
            3,
            True,
        ),
        mk(
            "k8s_secret_data_b64",
            kube_secret,
            "https://kubernetes.io/docs/concepts/configuration/secret/",
            3,
            gen=kb,
        ),
        mk(
            "config_password",
            config_pw,
            "hard positive: plaintext password in config/env (CWE-798)",
            6,
        ),
    ]


def key_specs() -> list[Spec]:
    def cat_key(path: str) -> Special:
        return lambda v: f"$ cat {path}\n{v}\n$ "

    def sa_json() -> Special:
        def f(v: str) -> str:
            return (
                '$ cat gcp-sa.json\n{\n  "type": "service_account",\n  "project_id": "acme-prod",\n'
                f'  "private_key_id": "{rs(HEX, 40)}",\n  "private_key": "{v}",\n'
                f'  "client_email": "deployer@acme-prod.iam.gserviceaccount.com",\n  "client_id": "{rs(DIG, 21)}"\n}}'
            )

        return f

    def k8s_tls(v: str) -> str:
        return f"$ kubectl get secret tls-api -o jsonpath='{{.data.tls\\.key}}' | base64 -d\n{v}"

    def env_multiline(v: str) -> str:
        return f'$ cat .env\nAPP_NAME=api\nJWT_PRIVATE_KEY="{v}"\nJWT_ALG=RS256\n'

    def tf_out(v: str) -> str:
        return f"$ terraform output -raw deploy_private_key\n{v}"

    def ppk_gen() -> str:
        text, priv = ppk_file()
        PPK[priv] = text
        return priv

    def ppk_cat(v: str) -> str:
        return f"$ type C:\\Users\\dev\\.ssh\\deploy.ppk\n{PPK[v]}\n"

    def ppk_cat2(v: str) -> str:
        return f"$ cat keys/bastion.ppk\n{PPK[v]}\n$ puttygen keys/bastion.ppk -O private-openssh -o bastion.pem"

    def sa_gen() -> str:
        return pkcs8_key().replace("\n", "\\n") + "\\n"

    def sa_secret(v: str) -> str:
        return v.removesuffix("\\n")

    return [
        Spec(
            "rsa_private_key",
            rsa_key,
            [],
            "https://datatracker.ietf.org/doc/html/rfc7468",
            4,
            [cat_key("~/.ssh/id_rsa"), env_multiline, tf_out, k8s_tls],
            False,
        ),
        Spec(
            "ec_private_key",
            ec_key,
            [],
            "https://datatracker.ietf.org/doc/html/rfc5915",
            3,
            [cat_key("certs/server.key"), k8s_tls, env_multiline],
            False,
        ),
        Spec(
            "pkcs8_private_key",
            pkcs8_key,
            [],
            "https://datatracker.ietf.org/doc/html/rfc5208",
            3,
            [cat_key("jwt/private.pem"), tf_out, k8s_tls],
            False,
        ),
        Spec(
            "openssh_private_key",
            openssh_key,
            [],
            "https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key",
            4,
            [
                cat_key("~/.ssh/id_ed25519"),
                tf_out,
                cat_key("/home/runner/.ssh/deploy_key"),
                env_multiline,
            ],
            False,
        ),
        Spec(
            "putty_ppk_private",
            ppk_gen,
            [],
            "https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html",
            3,
            [ppk_cat, ppk_cat2, ppk_cat],
            False,
        ),
        Spec(
            "gcp_service_account_key",
            sa_gen,
            [],
            "https://cloud.google.com/iam/docs/keys-create-delete",
            3,
            [sa_json()] * 3,
            False,
            sa_secret,
        ),
    ]


WORDS = [
    "abandon",
    "ability",
    "able",
    "about",
    "above",
    "absent",
    "absorb",
    "abstract",
    "absurd",
    "abuse",
    "access",
    "accident",
    "account",
    "accuse",
    "achieve",
    "acid",
    "acoustic",
    "acquire",
    "across",
    "act",
    "action",
    "actor",
    "actress",
    "actual",
    "adapt",
    "add",
    "addict",
    "address",
    "adjust",
    "admit",
    "adult",
    "advance",
    "advice",
    "aerobic",
    "affair",
    "afford",
    "afraid",
    "again",
    "age",
    "agent",
    "agree",
    "ahead",
    "aim",
    "air",
    "airport",
    "aisle",
    "alarm",
    "album",
    "alcohol",
    "alert",
    "alien",
    "all",
    "alley",
    "allow",
    "almost",
    "alone",
    "alpha",
    "already",
    "also",
    "alter",
    "always",
]


def extra_specs() -> list[Spec]:
    def one(f: Special, n: int = 3) -> list[Special]:
        return [f] * n

    def docker_cfg(v: str) -> str:
        return (
            '$ cat ~/.docker/config.json\n{\n  "auths": {\n    "ghcr.io": {\n'
            f'      "auth": "{v}"\n    }},\n    "https://index.docker.io/v1/": {{}}\n  }}\n}}'
        )

    def extraheader(v: str) -> str:
        return pick(
            f"$ git config --list --show-origin | grep extraheader\nfile:.git/config\thttp.https://github.com/.extraheader=AUTHORIZATION: basic {v}",
            f'{ts()}.0Z [command]/usr/bin/git -c http.extraheader="AUTHORIZATION: basic {v}" fetch --depth=1 origin',
        )

    def npmrc_auth(v: str) -> str:
        return f"$ cat .npmrc\nregistry=https://nexus.acme.io/repository/npm-group/\n_auth={v}\nalways-auth=true\nemail=ci@acme.io"

    def kube_key(v: str) -> str:
        return (
            "$ kubectl config view --raw --minify\napiVersion: v1\nclusters:\n- cluster:\n"
            f"    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1J{rs(B64, 80)}\n    server: https://10.0.0.1:6443\n  name: prod\n"
            f"users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1J{rs(B64, 80)}\n"
            f"    client-key-data: {v}\n"
        )

    def kube_tok(v: str) -> str:
        return f"$ cat ~/.kube/config | sed -n '/users:/,$p'\nusers:\n- name: ci-deployer\n  user:\n    token: {v}\n"

    def k8s_sa_jwt() -> str:
        head = b64url({"alg": "RS256", "kid": rs(URLSAFE, 43)})
        body = b64url(
            {
                "iss": "kubernetes/serviceaccount",
                "kubernetes.io/serviceaccount/namespace": "prod",
                "kubernetes.io/serviceaccount/service-account.name": "ci-deployer",
                "sub": "system:serviceaccount:prod:ci-deployer",
            }
        )
        return f"{head}.{body}.{rs(URLSAFE, 342)}"

    def pem_b64() -> str:
        return b64s(ec_key().encode() + b"\n")

    def rails_key(v: str) -> str:
        return pick(
            f"$ cat config/master.key\n{v}",
            f"$ heroku config:set RAILS_MASTER_KEY={v} -a acme-shop\nSetting RAILS_MASTER_KEY and restarting ⬢ acme-shop... done, v{R.randint(10, 300)}",
            f"$ ls config/ && cat config/master.key\napplication.rb  credentials.yml.enc  database.yml  master.key\n{v}",
        )

    def sshpass(v: str) -> str:
        return f"+ sshpass -p '{v}' ssh -o StrictHostKeyChecking=no deploy@10.0.4.17 'sudo systemctl restart api'"

    def minio(v: str) -> str:
        return pick(
            f"$ mc alias set prod https://s3.acme.io ACMEMINIOADMIN {v}\nAdded `prod` successfully.",
            f'$ cat ~/.mc/config.json\n{{\n  "aliases": {{\n    "prod": {{\n      "url": "https://s3.acme.io",\n      "accessKey": "{rs(UPNUM, 20)}",\n      "secretKey": "{v}",\n      "api": "s3v4"\n    }}\n  }}\n}}',
        )

    def ado(v: str) -> str:
        return pick(
            f"$ git clone https://build:{v}@dev.azure.com/acme/Payments/_git/api\nCloning into 'api'...",
            f"$ az devops login --organization https://dev.azure.com/acme\nToken: {v}",
            f"$ echo {v} | az devops login --organization https://dev.azure.com/acme",
        )

    def kafka(v: str) -> str:
        return (
            "$ cat client.properties\nbootstrap.servers=pkc-4r297.us-east-1.aws.confluent.cloud:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
            f"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='{rs(UPNUM, 16)}' password='{v}';"
        )

    def ldap(v: str) -> str:
        return f"$ ldapsearch -x -H ldaps://ldap.acme.io -D 'cn=svc-ldap,ou=svc,dc=acme,dc=io' -w '{v}' -b 'dc=acme,dc=io' '(uid=jdoe)'\n# extended LDIF\n# numEntries: 1"

    def wg(v: str) -> str:
        return f"$ sudo cat /etc/wireguard/wg0.conf\n[Interface]\nAddress = 10.8.0.2/24\nPrivateKey = {v}\nDNS = 1.1.1.1\n\n[Peer]\nPublicKey = {b64s(rbytes(32))}\nEndpoint = vpn.acme.io:51820\nAllowedIPs = 0.0.0.0/0"

    def eth(v: str) -> str:
        return pick(
            f"$ cat .env\nRPC_URL=https://eth-sepolia.g.alchemy.com/v2/demo\nPRIVATE_KEY={v}\nETHERSCAN_API_KEY=\n",
            f"$ cast wallet address --private-key {v}\n0x{rs(HEX, 40)}",
            f"$ forge script script/Deploy.s.sol --rpc-url $RPC --private-key {v} --broadcast",
        )

    def mnem(v: str) -> str:
        return pick(
            f'$ cat hardhat.env\nMNEMONIC="{v}"\nINFURA_PROJECT_ID={rs(HEX, 32)}',
            f"$ cast wallet new-mnemonic\nSuccessfully generated a new mnemonic.\nPhrase:\n{v}\n\nAccounts:\n- Account 0:\nAddress:     0x{rs(HEX, 40)}",
        )

    def cookie(v: str) -> str:
        return pick(
            f"$ curl -v https://admin.acme.io/api/users -b 'sessionid={v}'\n> GET /api/users HTTP/2\n> Host: admin.acme.io\n> cookie: sessionid={v}\n>\n< HTTP/2 200",
            f"> GET /dashboard HTTP/1.1\n> Host: app.acme.io\n> Cookie: _ga=GA1.2.{rs(DIG, 9)}.{rs(DIG, 10)}; _session_id={v}\n>\n< HTTP/1.1 200 OK",
        )

    def pct_uri(v: str) -> str:
        return pick(
            f"$ psql 'postgres://reporting:{v}@analytics.internal:5432/warehouse'\npsql (16.2)\nwarehouse=>",
            f"CELERY_BROKER_URL=amqp://worker:{v}@rabbitmq.internal:5672/prod\nCELERY_RESULT_BACKEND=redis://cache.internal:6379/1",
        )

    def pct_pw() -> str:
        return (
            rs(ALNUM, 5)
            + pick("%40", "%21", "%23", "%2F", "%3A")
            + rs(ALNUM, 7)
            + pick("%24", "%26", "%2B")
            + rs(DIG, 2)
        )

    def gocspx(v: str) -> str:
        return f'$ cat client_secret.json\n{{"web":{{"client_id":"{rs(DIG, 12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com","project_id":"acme-prod","auth_uri":"https://accounts.google.com/o/oauth2/auth","client_secret":"{v}","redirect_uris":["https://acme.io/oauth/callback"]}}}}'

    def gh_client(v: str) -> str:
        return f"$ cat .env.local\nGITHUB_CLIENT_ID=Ov23li{rs(ALNUM, 14)}\nGITHUB_CLIENT_SECRET={v}\nNEXTAUTH_URL=http://localhost:3000\n"

    def basic_of(user: str, secret_gen: Callable[[], str]) -> Callable[[], str]:
        return lambda: b64s(f"{user}:{secret_gen()}".encode())

    return [
        Spec(
            "docker_config_auth_b64",
            basic_of("acmebot", lambda: gh_token("ghp")),
            [],
            "https://docs.docker.com/reference/cli/docker/login/#credential-stores",
            3,
            one(docker_cfg),
            False,
        ),
        Spec(
            "git_extraheader_basic_b64",
            basic_of("x-access-token", lambda: gh_token("ghs")),
            [],
            "https://github.com/actions/checkout#usage",
            3,
            one(extraheader),
            False,
        ),
        Spec(
            "npmrc_auth_b64",
            basic_of("ci", password),
            [],
            "https://docs.npmjs.com/cli/v10/configuring-npm/npmrc#auth-related-configuration",
            2,
            one(npmrc_auth, 2),
            False,
        ),
        Spec(
            "kubeconfig_client_key_data",
            pem_b64,
            [],
            "https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/",
            3,
            one(kube_key),
            False,
        ),
        Spec(
            "kubernetes_sa_token",
            k8s_sa_jwt,
            [],
            "https://kubernetes.io/docs/concepts/security/service-accounts/#authenticating-credentials",
            3,
            one(kube_tok),
            False,
        ),
        Spec(
            "rails_master_key",
            lambda: rs(HEX, 32),
            [],
            "https://guides.rubyonrails.org/security.html#custom-credentials",
            3,
            one(rails_key),
            False,
        ),
        Spec(
            "sshpass_password",
            password,
            [],
            "https://linux.die.net/man/1/sshpass",
            2,
            one(sshpass, 2),
            False,
        ),
        Spec(
            "minio_secret_key",
            lambda: rs(ALNUM, 40),
            [],
            "https://min.io/docs/minio/linux/reference/minio-mc/mc-alias-set.html",
            3,
            one(minio),
            False,
        ),
        Spec(
            "azure_devops_pat",
            lambda: pick(
                rs(B32.lower()[:26] + "234567", 52),
                rs(ALNUM, 52) + "AAAAAAAAAAAAASAZDO" + rs(ALNUM, 14),
            ),
            [],
            GHSS,
            3,
            one(ado),
            False,
        ),
        Spec(
            "kafka_sasl_password",
            lambda: rs(B64, 64),
            [],
            "https://docs.confluent.io/platform/current/security/authentication/sasl/plain/overview.html",
            2,
            one(kafka, 2),
            False,
        ),
        Spec(
            "ldap_bind_password",
            password,
            [],
            "https://www.openldap.org/software/man.cgi?query=ldapsearch",
            2,
            one(ldap, 2),
            False,
        ),
        Spec(
            "wireguard_private_key",
            lambda: b64s(rbytes(32)),
            [],
            "https://www.wireguard.com/quickstart/",
            3,
            one(wg),
            False,
        ),
        Spec(
            "eth_private_key",
            lambda: pick("0x", "") + rs(HEX, 64),
            [],
            "https://book.getfoundry.sh/reference/cast/cast-wallet-address",
            3,
            one(eth),
            False,
        ),
        Spec(
            "bip39_mnemonic",
            lambda: " ".join(R.choice(WORDS) for _ in range(12)),
            [],
            "https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki",
            2,
            one(mnem, 2),
            False,
        ),
        Spec(
            "session_cookie",
            lambda: rs(LOWNUM, 32),
            [],
            "https://owasp.org/www-community/attacks/Session_hijacking_attack",
            3,
            one(cookie),
            False,
        ),
        Spec(
            "percent_encoded_uri_password",
            pct_pw,
            [],
            "https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1",
            3,
            one(pct_uri),
            False,
        ),
        Spec(
            "google_oauth_client_secret",
            lambda: f"GOCSPX-{rs(URLSAFE, 28)}",
            [],
            GHSS,
            3,
            one(gocspx),
            False,
        ),
        Spec(
            "github_oauth_client_secret",
            lambda: rs(HEX, 40),
            [],
            "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
            2,
            one(gh_client, 2),
            False,
        ),
    ]


PPK: dict[str, str] = {}


def case(text: str, secret: str | None, fmt: str, source: str) -> Case:
    if secret is not None:
        assert secret in text, (fmt, text)
    return {"text": text, "secret": secret, "format": fmt, "source": source}


def bind(g: Shape, var: str) -> Special:
    return lambda v: g(var, v)


def positives() -> list[Case]:
    out: list[Case] = []
    for sp in specs():
        shapes: list[Callable[[str], str]] = list(sp.specials)
        if sp.generic:
            gen_shapes = R.sample(GENERIC, k=min(len(GENERIC), sp.n))
            for g in gen_shapes:
                shapes.append(bind(g, R.choice(sp.vars)))
        n = sp.n - 1 if sp.generic and sp.n >= 4 else sp.n
        shapes = shapes[: max(n, len(sp.specials) + (1 if sp.generic else 0))]
        for shape in shapes:
            v = sp.gen()
            secret = sp.secret_of(v) if sp.secret_of else v
            out.append(case(shape(v), secret, sp.name, sp.source))
    return out


# ---------------------------------------------------------------- negatives


def sha(n: int) -> str:
    return rs(HEX, n)


def n_hash() -> str:
    f = pick(
        "dist/app-linux-amd64.tar.gz",
        "release/cli_2.4.1_darwin_arm64.zip",
        "node-v20.11.1-linux-x64.tar.xz",
    )
    return pick(
        f"$ sha256sum {f}\n{sha(64)}  {f}",
        f"$ md5sum backup.sql.gz\n{sha(32)}  backup.sql.gz",
        f"$ shasum -a 1 vendor/lib.jar\n{sha(40)}  vendor/lib.jar",
        f"$ openssl dgst -sha256 build.tar\nSHA2-256(build.tar)= {sha(64)}",
        f"$ cat SHA256SUMS\n{sha(64)}  {f}\n{sha(64)}  checksums.txt.sig",
        f"Downloading https://files.pythonhosted.org/packages/{sha(2)}/{sha(2)}/{sha(60)}/requests-2.32.3-py3-none-any.whl (64 kB)\n  Hash: sha256={sha(64)}",
        f"$ Get-FileHash .\\setup.exe -Algorithm SHA256\n\nAlgorithm       Hash                                                                   Path\n---------       ----                                                                   ----\nSHA256          {rs(HEXU, 64)}       C:\\dl\\setup.exe",
        f'ETag: "{sha(32)}"\nx-amz-request-id: {rs(UPNUM, 16)}\nx-amz-id-2: {rs(B64, 76)}=',
    )


def n_git() -> str:
    return pick(
        f"$ git log --oneline -3\n{sha(7)} fix: retry on 502\n{sha(7)} chore(deps): bump axios\n{sha(7)} feat: add export",
        f"$ git rev-parse HEAD\n{sha(40)}",
        f"$ git show --stat HEAD\ncommit {sha(40)}\nMerge: {sha(7)} {sha(7)}\nAuthor: Jane Doe <jane@acme.io>\nDate:   Tue Mar 10 14:02:11 2026 +0100",
        f"$ gh run list --limit 2\nSTATUS  TITLE           WORKFLOW  BRANCH  EVENT  ID           ELAPSED\n✓       bump deps       CI        main    push   {rs(DIG, 11)}  3m2s\nX       fix flaky test  CI        main    push   {rs(DIG, 11)}  5m40s",
        f"remote: Resolving deltas: 100% (12/12), done.\nTo github.com:acme/api.git\n   {sha(7)}..{sha(7)}  main -> main",
        f"{ts()}.0Z HEAD is now at {sha(7)} Merge pull request #{R.randint(100, 9999)} from acme/feature\n{ts()}.0Z [command]/usr/bin/git log -1 --format=%H\n{ts()}.0Z {sha(40)}",
        f"$ git submodule status\n {sha(40)} vendor/protos (v1.12.0)\n+{sha(40)} third_party/zlib (v1.3.1-4-g{sha(7)})",
        f"$ git diff --stat {sha(40)} {sha(40)}\n src/api.ts | 12 ++++++------\n 1 file changed, 6 insertions(+), 6 deletions(-)",
    )


def n_uuid() -> str:
    return pick(
        f"{ts()}Z INFO request completed request_id={uuid4()} status=200 duration_ms={R.randint(3, 900)}",
        f'$ az account show\n{{\n  "id": "{uuid4()}",\n  "name": "Prod",\n  "tenantId": "{uuid4()}",\n  "state": "Enabled"\n}}',
        f"$ kubectl get pod api-0 -o jsonpath='{{.metadata.uid}}'\n{uuid4()}",
        f'$ docker ps\nCONTAINER ID   IMAGE          COMMAND            STATUS         NAMES\n{sha(12)}   postgres:16    "docker-entrypoint.s…"   Up 2 hours   db',
        f"x-request-id: {uuid4()}\nx-correlation-id: {uuid4()}\ntraceparent: 00-{sha(32)}-{sha(16)}-01",
        f"$ lsblk -o NAME,UUID\nNAME   UUID\nsda1   {uuid4()}\nsda2   {uuid4()}",
        f"Created issue {uuid4()} in project {uuid4()}",
        f'$ aws ec2 describe-instances --query \'Reservations[].Instances[].InstanceId\'\n[\n    "i-0{sha(16)}"\n]\n"ImageId": "ami-0{sha(16)}"',
        f'  "traceId": "{sha(32)}",\n  "spanId": "{sha(16)}",\n  "session_id": "{uuid4()}"',
    )


def n_b64() -> str:
    txt = R.choice(
        [
            b'{"theme":"dark","lang":"en","beta":false}',
            b"hello world from the build bot\n",
            b"apiVersion: v1\nkind: ConfigMap\n",
            b'{"alg":"RS256","kid":"2024-01"}',
        ]
    )
    return pick(
        f"$ kubectl get configmap ui-flags -o yaml\napiVersion: v1\nbinaryData:\n  flags.json: {b64s(txt)}\nkind: ConfigMap",
        f"$ echo {b64s(txt)} | base64 -d\n{txt.decode().strip()}",
        f'<img alt="logo" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA{rs(B64, 120)}">',
        f'  "outputs": [{{"data": {{"image/png": "iVBORw0KGgoAAAANSUhEUgAAAoAAAAHg{rs(B64, 200)}\\n"}}, "output_type": "display_data"}}]',
        f"$ cat .github/workflows/ci.yml | grep -A2 cache\n      - uses: actions/cache@v4\n        with:\n          key: ${{{{ runner.os }}}}-{b64s(rbytes(12)).rstrip('=')}",
        f"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n{rs(B64, 76)}\n{rs(B64, 76)}\n{rs(B64, 40)}==",
        f"$ gzip -c notes.txt | base64\nH4sIAAAAAAAAA{rs(B64, 60)}\n{rs(B64, 30)}AAA=",
        f"protobuf payload (base64): CiQ{rs(B64, 48)}EgZhY21lLWlv",
    )


def n_placeholder() -> str:
    var = pick(
        "STRIPE_SECRET_KEY",
        "OPENAI_API_KEY",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "DATABASE_PASSWORD",
        "SENDGRID_API_KEY",
        "CLOUDFLARE_API_TOKEN",
    )
    val = pick(
        "<your-api-key>",
        "<token>",
        "${TOKEN}",
        f"${{{var}}}",
        "$" + var,
        "{{ secrets." + var + " }}",
        "your-api-key-here",
        "sk_live_...",
        "sk-...",
        "xxxxxxxxxxxxxxxxxxxxxxxx",
        "<PASTE_KEY_HERE>",
        "changeme-in-production",
        "TODO",
        "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "%" + var + "%",
        "<%= ENV['" + var + "'] %>",
        "YOUR_" + var,
        "replace_me",
        "AKIAXXXXXXXXXXXXXXXX",
        "re_xxxxxxxxx",
        "sk_test_your_key_here",
        "...",
        "<insert token>",
        "__" + var + "__",
        "${{ secrets." + var + " }}",
        "@@" + var + "@@",
        "dummy",
        "fake-token-for-tests",
    )
    return pick(
        f"$ cat .env.example\n# copy to .env and fill in\n{var}={val}\nPORT=3000\n",
        f"$ cat README.md | sed -n 20,26p\nSet your key before running:\n\n    export {var}={val}\n    npm run dev\n",
        f"ERROR: {var} is not set. Example:\n  {var}={val} ./run.sh",
        f'$ cat docker-compose.yml\nservices:\n  api:\n    environment:\n      {var}: "{val}"\n',
        f"$ cat config/settings.example.yaml\n{var.lower()}: {val}\n",
        f"  -H 'Authorization: Bearer {val}' \\\n  https://api.example.com/v1/items",
    )


def n_masked() -> str:
    return pick(
        "$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account jdoe (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'",
        '$ npm config list\n; "user" config from /home/dev/.npmrc\n\n//registry.npmjs.org/:_authToken = (protected)\n@acme:registry = "https://npm.pkg.github.com"\n\n; node bin location = /usr/bin/node\n; node version = v20.11.1',
        f"{ts()}.0Z   STRIPE_SECRET_KEY: ***\n{ts()}.0Z   NPM_TOKEN: ***\n{ts()}.0Z ##[endgroup]",
        f"$ aws configure list\n      Name                    Value             Type    Location\n      ----                    -----             ----    --------\n   profile                <not set>             None    None\naccess_key     ****************{rs(UPNUM, 4)} shared-credentials-file\nsecret_key     ****************{rs(ALNUM, 4)} shared-credentials-file",
        'Started POST "/users/sign_in" for 127.0.0.1\nProcessing by Devise::SessionsController#create as HTML\n  Parameters: {"authenticity_token"=>"[FILTERED]", "user"=>{"email"=>"jane@acme.io", "password"=>"[FILTERED]"}}',
        f"$ heroku config -a acme-api\n=== acme-api Config Vars\nDATABASE_URL:      postgres://REDACTED@ec2-52-1-2-3.compute-1.amazonaws.com:5432/db\nSTRIPE_SECRET_KEY: sk_live_••••••••••••{rs(ALNUM, 4)}",
        f"$ vercel env ls\n name                 value               environments        created\n OPENAI_API_KEY       Encrypted           Production          {R.randint(2, 40)}d ago\n DATABASE_URL         Encrypted           Preview, Production {R.randint(2, 40)}d ago",
        f"$ fly secrets list\nNAME                    DIGEST                  CREATED AT\nDATABASE_URL            {sha(16)}        2026-01-12T10:01:22Z\nSTRIPE_SECRET_KEY       {sha(16)}        2026-01-12T10:01:22Z",
        "api_key=sk-proj-****...****Xw3A (masked)\nAuthorization: Bearer <redacted>",
        '$ docker info | grep -i -A1 registry\n Registry: https://index.docker.io/v1/\n Username: acmebot\n$ cat ~/.docker/config.json\n{\n  "auths": { "https://index.docker.io/v1/": {} },\n  "credsStore": "desktop"\n}',
        "$ kubectl describe secret db-creds\nName:         db-creds\nNamespace:    prod\nType:  Opaque\n\nData\n====\npassword:  24 bytes\nusername:  3 bytes",
        "$ netlify env:list\n| Key            | Value                          |\n| NETLIFY_TOKEN  | ************************       |",
        "$ supabase status\n         API URL: http://127.0.0.1:54321\n     DB URL: postgresql://postgres:postgres@127.0.0.1:54322/postgres\n service_role key: [hidden, use -o env]",
        f"password=REDACTED token=[REDACTED] secret=<hidden> api_key=******** ({R.randint(20, 60)} chars)",
    )


def n_doc_example() -> str:
    if R.random() < 0.3:
        return n_doc_example_more()
    return pick(
        "$ aws configure\nAWS Access Key ID [None]: AKIAIOSFODNN7EXAMPLE\nAWS Secret Access Key [None]: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nDefault region name [None]: us-west-2",
        "$ cat docs/auth.md\nThe JWT looks like this:\n\n    eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n",
        "$ supabase start\nStarted supabase local development setup.\n\n         API URL: http://127.0.0.1:54321\n        anon key: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0",
        "# Example from the AWS docs\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "$ cat tests/fixtures/stripe.env\n# Stripe's published test-mode key from the API reference\nSTRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc\n",
        "$ grep -rn 'EXAMPLE' docs/\ndocs/s3.md:14:  export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\ndocs/s3.md:15:  export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "$ cat docs/slack.md\nPaste your webhook URL, e.g. https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        'Example: curl -H "Authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a" https://api.github.com/user   # token from the GitHub docs',
        "twilio docs: ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX AUTH_TOKEN=your_auth_token",
    )


def n_public_key() -> str:
    return pick(
        f"$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 {ed25519_pub()} jdoe@laptop",
        f"$ cat ~/.ssh/authorized_keys\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{rs(B64, 370)}= deploy@ci\nssh-ed25519 {ed25519_pub()} jdoe@laptop",
        f"$ openssl rsa -in key.pem -pubout\nwriting RSA key\n{pem_block('PUBLIC KEY', 294)}",
        f"$ openssl s_client -connect api.acme.io:443 -showcerts </dev/null 2>/dev/null | sed -n '/BEGIN/,/END/p'\n{pem_block('CERTIFICATE', 900)}",
        f"$ cat /etc/ssl/certs/acme-root-ca.pem\n{pem_block('CERTIFICATE', 700)}",
        f"$ ssh-keyscan github.com\n# github.com:22 SSH-2.0-babeld\ngithub.com ssh-ed25519 {ed25519_pub()}",
        f"$ age-keygen -y key.txt\nage1{rs(BECH32.lower(), 58)}",
        f"$ gpg --armor --export jane@acme.io\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBG{rs(B64, 58)}\n{rs(B64, 64)}\n{rs(B64, 64)}\n={rs(B64, 4)}\n-----END PGP PUBLIC KEY BLOCK-----",
        f'$ curl -s https://www.googleapis.com/oauth2/v3/certs | jq \'.keys[0]\'\n{{\n  "kid": "{sha(40)}",\n  "e": "AQAB",\n  "kty": "RSA",\n  "alg": "RS256",\n  "n": "{rs(URLSAFE, 342)}",\n  "use": "sig"\n}}',
        f"$ wg show wg0\ninterface: wg0\n  public key: {b64s(rbytes(32))}\n  private key: (hidden)\n  listening port: 51820",
    )


def n_key_name() -> str:
    return pick(
        "$ gh secret list\nNAME                   UPDATED\nAWS_SECRET_ACCESS_KEY  about 2 months ago\nNPM_TOKEN              about 1 day ago\nSLACK_WEBHOOK_URL      about 5 days ago",
        "$ grep -rn 'API_KEY' src/ | head\nsrc/config.ts:4:  openaiApiKey: process.env.OPENAI_API_KEY,\nsrc/config.ts:5:  stripeSecretKey: process.env.STRIPE_SECRET_KEY ?? '',\nsrc/mail.ts:9:const key = requireEnv('SENDGRID_API_KEY')",
        'KeyError: \'ANTHROPIC_API_KEY\'\n  File "/app/llm.py", line 8, in <module>\n    API_KEY = os.environ["ANTHROPIC_API_KEY"]',
        "$ cat .env.example\nDATABASE_URL=\nREDIS_URL=\nSTRIPE_SECRET_KEY=\nSTRIPE_WEBHOOK_SECRET=\nGITHUB_CLIENT_SECRET=\n",
        "error: missing required argument --api-key <KEY>\nUsage: acme-cli deploy [--api-key KEY] [--token TOKEN] [--password-stdin]",
        '$ aws secretsmanager list-secrets --query \'SecretList[].Name\'\n[\n    "prod/db/password",\n    "prod/stripe/secret_key",\n    "ci/github/token"\n]',
        'warning: variable AWS_SECRET_ACCESS_KEY is declared but never used (terraform validate)\n  on variables.tf line 12:\n  12: variable "aws_secret_access_key" {',
        '$ terraform plan\n  + resource "aws_secretsmanager_secret_version" "db" {\n      + secret_string = (sensitive value)\n      + version_id    = (known after apply)\n    }',
        '│ Error: No value for required variable\n│   on variables.tf line 1:\n│    1: variable "cloudflare_api_token" {\n│ The root module input variable "cloudflare_api_token" is not set',
        "$ env | cut -d= -f1 | grep -i -E 'key|token|secret'\nOPENAI_API_KEY\nGH_TOKEN\nAWS_SECRET_ACCESS_KEY\nSENTRY_AUTH_TOKEN",
    )


def n_low_entropy() -> str:
    k = pick(
        "password",
        "DB_PASSWORD",
        "POSTGRES_PASSWORD",
        "secret",
        "api_key",
        "token",
        "ADMIN_PASSWORD",
    )
    v = pick(
        "password",
        "postgres",
        "changeme",
        "admin",
        "secret",
        "test",
        "12345678",
        "example",
        "root",
        "test123",
        "guest",
        "letmein",
        "dev",
        "local",
    )
    return pick(
        f"$ cat docker-compose.yml\nservices:\n  db:\n    image: postgres:16\n    environment:\n      {k}: {v}\n",
        f"$ docker run -d -e POSTGRES_PASSWORD={v} -p 5432:5432 postgres:16\n{sha(64)}",
        f"$ psql postgresql://postgres:{v}@localhost:5432/postgres -c 'select 1'\n ?column?\n----------\n        1",
        f'$ cat settings/test.py\nDEBUG = True\nSECRET_KEY = "{v}"\nALLOWED_HOSTS = ["*"]',
        f"$ redis-cli -a {v} ping\nPONG",
        f"{k}={v}\nDEBUG=true\nLOG_LEVEL=debug",
        f'$ rabbitmqctl add_user {v} {v}\nAdding user "{v}" ...',
        "FEATURE_FLAGS=enable_beta,dark_mode\nCACHE_TTL=3600\nTIMEOUT_MS=30000\nTOKEN_EXPIRY_SECONDS=86400\nMAX_RETRIES=5",
    )


def n_prefixed_id() -> str:
    return pick(
        f'$ stripe payment_intents retrieve pi_{rs(ALNUM, 24)}\n{{\n  "id": "pi_{rs(ALNUM, 24)}",\n  "customer": "cus_{rs(ALNUM, 14)}",\n  "latest_charge": "ch_{rs(ALNUM, 24)}",\n  "status": "succeeded"\n}}',
        f"{ts()}Z stripe webhook evt_{rs(ALNUM, 24)} type=invoice.paid invoice=in_{rs(ALNUM, 24)} subscription=sub_{rs(ALNUM, 24)} price=price_{rs(ALNUM, 24)}",
        f'$ stripe accounts list --limit 1\n  "id": "acct_{rs(ALNUM, 16)}",\n  "object": "account",\n  "charges_enabled": true',
        f"$ twilio api:core:messages:list --limit 1\nSID                                 From          To            Status\nSM{sha(32)}  +15005550006  +14155550123  delivered\nAccount SID: AC{sha(32)}",
        f"slack: posted to channel C0{rs(UPNUM, 9)} (thread ts {R.randint(1700000000, 1799999999)}.{rs(DIG, 6)}) by user U0{rs(UPNUM, 9)} in team T0{rs(UPNUM, 9)}",
        f"$ okta users list\n00u{rs(ALNUM, 17)}  jane@acme.io  ACTIVE\n00u{rs(ALNUM, 17)}  bob@acme.io   SUSPENDED\ngroup: 00g{rs(ALNUM, 17)}",
        f'  "object": "file",\n  "id": "file-{rs(ALNUM, 24)}",\n  "purpose": "fine-tune"\n  "fine_tuned_model": "ft:gpt-4o-mini:acme::{rs(ALNUM, 8)}"\n  "batch_id": "batch_{rs(HEX, 32)}"',
        f'$ gh api repos/acme/api/actions/runs --jq \'.workflow_runs[0] | {{id, run_number, head_sha}}\'\n{{"head_sha":"{sha(40)}","id":{rs(DIG, 11)},"run_number":{R.randint(100, 9000)}}}',
        f'msg_{rs(ALNUM, 24)} stop_reason=end_turn model=claude-sonnet-4 usage={{"input_tokens":{R.randint(10, 999)}}} request-id: req_{rs(ALNUM, 24)}',
        f"Plaid item created: item_id={rs(ALNUM, 37)} request_id={rs(ALNUM, 15)} institution_id=ins_{R.randint(1, 200)}",
        f"$ doctl compute droplet list\nID           Name       Public IPv4      Status\n{rs(DIG, 9)}    web-01     164.90.{R.randint(1, 254)}.{R.randint(1, 254)}    active\nvpc: {uuid4()}",
        f"$ vercel ls\n  Age  Deployment                                      Status\n  3m   https://web-{rs(LOWNUM, 9)}-acme.vercel.app        ● Ready\n  project: prj_{rs(ALNUM, 28)}  team: team_{rs(ALNUM, 24)}",
        f"Sentry event {sha(32)} captured (release web@{sha(12)})",
    )


def n_lockfile() -> str:
    pkg = pick("lodash", "react-dom", "@babel/core", "esbuild", "typescript")
    return pick(
        f'$ grep -A3 \'"node_modules/{pkg}"\' package-lock.json\n    "node_modules/{pkg}": {{\n      "version": "4.17.21",\n      "resolved": "https://registry.npmjs.org/{pkg}/-/{pkg}-4.17.21.tgz",\n      "integrity": "sha512-{rs(B64, 86)}=="',
        f'$ sed -n 1,6p yarn.lock\n{pkg}@^7.0.0:\n  version "7.24.0"\n  resolved "https://registry.yarnpkg.com/{pkg}/-/{pkg}-7.24.0.tgz#{sha(40)}"\n  integrity sha512-{rs(B64, 86)}==',
        f'$ grep -A4 \'name = "requests"\' poetry.lock\nname = "requests"\nversion = "2.32.3"\nfiles = [\n    {{file = "requests-2.32.3-py3-none-any.whl", hash = "sha256:{sha(64)}"}},',
        f"$ head -2 go.sum\ngithub.com/google/uuid v1.6.0 h1:{rs(B64, 43)}=\ngithub.com/google/uuid v1.6.0/go.mod h1:{rs(B64, 43)}=",
        f'$ grep -A2 \'\\[\\[package\\]\\]\' Cargo.lock | head\nname = "serde"\nversion = "1.0.203"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{sha(64)}"',
        f"$ cat requirements.txt\nrequests==2.32.3 \\\n    --hash=sha256:{sha(64)} \\\n    --hash=sha256:{sha(64)}",
        f"$ grep {pkg} pnpm-lock.yaml\n  /{pkg}@1.2.3:\n    resolution: {{integrity: sha512-{rs(B64, 86)}==}}",
        f'<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js" integrity="sha384-{rs(B64, 64)}" crossorigin="anonymous"></script>',
    )


def n_content_hash() -> str:
    return pick(
        f"$ ls dist/assets\nindex-{rs(URLSAFE, 8)}.js  index-{rs(URLSAFE, 8)}.css  logo-{sha(8)}.svg",
        f"vite v5.2.0 building for production...\n✓ 1423 modules transformed.\ndist/assets/index-{rs(URLSAFE, 8)}.css   41.20 kB │ gzip:  7.91 kB\ndist/assets/index-{rs(URLSAFE, 8)}.js   231.55 kB │ gzip: 74.12 kB",
        f"asset main.{sha(20)}.js 1.2 MiB [emitted] [immutable] [minimized] (name: main)\nasset vendor.{sha(20)}.js 804 KiB [emitted] [immutable]",
        f"$ docker pull node:20-alpine\n20-alpine: Pulling from library/node\nDigest: sha256:{sha(64)}\nStatus: Downloaded newer image for node:20-alpine",
        f"$ docker images --digests\nREPOSITORY   TAG   DIGEST                                                                    IMAGE ID\nacme/api     1.4   sha256:{sha(64)}   {sha(12)}",
        f"  Image:          ghcr.io/acme/api@sha256:{sha(64)}\n  Image ID:       ghcr.io/acme/api@sha256:{sha(64)}",
        f"Route (app)                              Size     First Load JS\n┌ ○ /                                    5.2 kB   92.1 kB\n  chunks/{R.randint(100, 999)}-{sha(16)}.js            31.6 kB\n  chunks/main-app-{sha(16)}.js         220 B",
        f"$ ls ~/.cache/pip/wheels/{sha(2)}/{sha(2)}/{sha(56)}\nPyYAML-6.0.1-cp312-cp312-linux_x86_64.whl",
        f"/nix/store/{rs(LOWNUM, 32)}-python3-3.12.2/bin/python3",
    )


def n_encrypted() -> str:
    return pick(
        f"$ cat secrets.enc.yaml\ndb_password: ENC[AES256_GCM,data:{rs(B64, 24)},iv:{rs(B64, 43)}=,tag:{rs(B64, 22)}==,type:str]\nstripe_key: ENC[AES256_GCM,data:{rs(B64, 44)},iv:{rs(B64, 43)}=,tag:{rs(B64, 22)}==,type:str]\nsops:\n    age:\n        - recipient: age1{rs(BECH32.lower(), 58)}",
        "$ cat group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n"
        + "\n".join(sha(80) for _ in range(5)),
        f"$ cat sealed-secret.yaml\nspec:\n  encryptedData:\n    password: AgB{rs(B64, 300)}==",
        f"$ cat credentials.yml.enc\n{rs(B64, 120)}--{rs(B64, 16)}--{rs(B64, 22)}==",
        f"-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSB{rs(B64, 21)}\n{rs(B64, 64)}\n-----END AGE ENCRYPTED FILE-----",
        f'$ cat .travis.yml\nenv:\n  global:\n    - secure: "{rs(B64, 340)}="',
        f"  password: '{{cipher}}{sha(96)}'   # spring cloud config encrypted",
        f"$ aws kms encrypt --key-id alias/app --plaintext fileb://pw.txt --query CiphertextBlob --output text\nAQICAH{rs(B64, 150)}==",
        f"$ cat ~/.gnupg/pubring.kbx | head -c 0\n$ cat secret.txt.gpg | base64 | head -2\nhQIMA{rs(B64, 71)}\n{rs(B64, 76)}",
    )


def n_public_client() -> str:
    return pick(
        f"$ cat src/stripe.ts\nexport const stripe = loadStripe('pk_live_51{rs(ALNUM, 97)}')",
        f"<script>\n  mapboxgl.accessToken = 'pk.{b64url({'u': 'acme-maps', 'a': rs(LOWNUM, 25)})}.{rs(URLSAFE, 22)}';\n</script>",
        f'Sentry.init({{ dsn: "https://{sha(32)}@o{rs(DIG, 6)}.ingest.us.sentry.io/{rs(DIG, 7)}", tracesSampleRate: 0.2 }})',
        f"$ cat .env.local\nNEXT_PUBLIC_SUPABASE_URL=https://{rs(LOWER, 20)}.supabase.co\nNEXT_PUBLIC_SUPABASE_ANON_KEY={supabase_jwt('anon')}",
        f'  "client_id": "{rs(DIG, 12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com",\n  "redirect_uris": ["http://localhost:8080/callback"]',
        f"NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY=sb_publishable_{rs(URLSAFE, 31)}\nNEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_live_{b64s(b'clerk.acme.io$').rstrip('=')}",
        f"$ cat public/index.html | grep posthog\n  posthog.init('phc_{rs(ALNUM, 43)}', {{api_host: 'https://us.i.posthog.com'}})",
        f"  algolia: {{ appId: '{rs(UPNUM, 10)}', searchOnlyApiKey: '{sha(32)}', indexName: 'docs' }}   // search-only key, safe in browser",
        f"VITE_RECAPTCHA_SITE_KEY=6L{rs(URLSAFE, 38)}\nVITE_GA_MEASUREMENT_ID=G-{rs(UPNUM, 10)}",
    )


def n_secret_ref() -> str:
    return pick(
        "      - name: Deploy\n        env:\n          CLOUDFLARE_API_TOKEN: ${{ secrets.CLOUDFLARE_API_TOKEN }}\n          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n        run: npm run deploy",
        "$ kubectl get deploy api -o yaml | grep -A4 STRIPE\n        - name: STRIPE_SECRET_KEY\n          valueFrom:\n            secretKeyRef:\n              key: stripe-secret-key\n              name: api-secrets",
        "$ cat .env.tpl\nDATABASE_PASSWORD=op://Production/Postgres/password\nSTRIPE_SECRET_KEY=op://Production/Stripe/credential",
        "spring.datasource.password=${vault:secret/data/app#db_password}\naws.secret=${AWS_SECRET_ACCESS_KEY:?must be set}",
        "$ cat docker-compose.yml\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\nservices:\n  db:\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password",
        "  password = data.aws_secretsmanager_secret_version.db.secret_string\n  api_key  = var.datadog_api_key\n  token    = random_password.admin.result",
        'export GITHUB_TOKEN=$(gh auth token)\nexport VAULT_TOKEN="$(cat ~/.vault-token)"\nexport AWS_SECRET_ACCESS_KEY=$(aws configure get aws_secret_access_key)',
        'apiKey: {{ .Values.secrets.apiKey | b64enc | quote }}\npassword: "{{ required \\"db password\\" .Values.db.password }}"',
        "  OPENAI_API_KEY: !Ref OpenAIKeyParam\n  DB_PASSWORD: '{{resolve:secretsmanager:prod/db:SecretString:password}}'",
        '$ az keyvault secret show --vault-name acme-kv --name stripe-key --query id\n"https://acme-kv.vault.azure.net/secrets/stripe-key/'
        + sha(32)
        + '"',
    )


def n_cloud_id() -> str:
    return pick(
        f'$ aws sts get-caller-identity\n{{\n    "UserId": "AROA{rs(B32, 17)}:jdoe",\n    "Account": "{rs(DIG, 12)}",\n    "Arn": "arn:aws:sts::{rs(DIG, 12)}:assumed-role/Admin/jdoe"\n}}',
        '$ aws iam list-access-keys --user-name ci\n{\n    "AccessKeyMetadata": [\n        {\n            "UserName": "ci",\n            "Status": "Active",\n            "CreateDate": "2025-11-02T10:11:12Z"\n        }\n    ]\n}',
        f"aws_security_group.web: Refreshing state... [id=sg-0{sha(16)}]\naws_subnet.a: Refreshing state... [id=subnet-0{sha(16)}]\naws_vpc.main: Refreshing state... [id=vpc-0{sha(16)}]",
        f"$ gcloud projects list\nPROJECT_ID       NAME        PROJECT_NUMBER\nacme-prod-{rs(LOWNUM, 6)}  acme-prod   {rs(DIG, 12)}",
        f"/subscriptions/{uuid4()}/resourceGroups/prod/providers/Microsoft.Web/sites/acme-api",
        f"$ kubectl get pods\nNAME                         READY   STATUS    RESTARTS   AGE\napi-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)}    1/1     Running   0          2d\nworker-{rs(LOWNUM, 9)}-{rs(LOWNUM, 5)}  1/1     Running   1          2d",
        f'$ cloudflare zones list\nID                                NAME       STATUS\n{sha(32)}  acme.io    active\naccount_id = "{sha(32)}"',
        f"arn:aws:lambda:us-east-1:{rs(DIG, 12)}:function:api-prod\narn:aws:kms:us-east-1:{rs(DIG, 12)}:key/{uuid4()}",
        f"$ fly status\nApp\n  Name     = acme-api\n  Owner    = personal\n  Hostname = acme-api.fly.dev\nMachines\nPROCESS ID              VERSION REGION STATE\napp     {sha(14)}  42      ams    started",
    )


def n_crypto_addr() -> str:
    return pick(
        f"Sending 0.5 ETH from 0x{sha(40)} to 0x{sha(40)}\ntx hash: 0x{sha(64)}",
        f'  "contractAddress": "0x{sha(40)}",\n  "blockHash": "0x{sha(64)}",\n  "gasUsed": "0x{sha(5)}"',
        f"bitcoin-cli getnewaddress\nbc1q{rs(LOWNUM.replace('b', '').replace('i', '').replace('o', '').replace('1', ''), 38)}",
        f"Deployed Counter at 0x{rs(HEX + 'ABCDEF', 40)} (block {R.randint(10**6, 10**7)})",
        f"$ solana address\n{rs('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', 44)}",
    )


def n_code_entropy() -> str:
    return pick(
        f'$ head -c 300 dist/app.min.js\n!function(e,t){{"object"==typeof exports?module.exports=t():e.{rs(LOWER, 2)}=t()}}(this,function(){{var e="{rs(ALNUM, 48)}".split("");return e}})',
        f'@font-face{{font-family:Inter;src:url(data:font/woff2;base64,d09GMgABAAAAA{rs(B64, 200)}) format("woff2")}}',
        f'{{"version":3,"sources":["../src/index.ts"],"mappings":"{rs(ALNUM + ";,", 160)}"}}',
        f"$ cat test/fixtures/random.txt\n{rs(ALNUM, 64)}\n# fixture for base62 encoder test",
        f'  "sha": "{sha(40)}",\n  "node_id": "C_kwDO{rs(ALNUM, 30)}",\n  "html_url": "https://github.com/acme/api/commit/{sha(40)}"',
        f"PASSED tests/test_codec.py::test_roundtrip[{rs(ALNUM, 32)}]\nPASSED tests/test_codec.py::test_roundtrip[{rs(ALNUM, 32)}]",
        f'const ALPHABET = "{"".join(R.sample(ALNUM, 62))}";',
        f"$ openssl rand -hex 4\n{sha(8)}\n$ echo seed={R.randint(10**8, 10**9)}",
        f'  "nonce": "{rs(B64, 22)}==",\n  "csp": "script-src \'nonce-{rs(B64, 22)}==\'"',
    )


def n_url_nocreds() -> str:
    return pick(
        "DATABASE_URL=postgres://app@db.internal:5432/shop?sslmode=require",
        f"Fetching https://api.github.com/repos/acme/api/compare/{sha(40)}...{sha(40)}",
        f"GET /search?q=token+rotation&page=2&session_hint={rs(LOWNUM, 6)} HTTP/1.1 200",
        "redis://cache.internal:6379/0\namqp://rabbitmq.internal:5672/%2F",
        f"https://docs.google.com/document/d/1{rs(URLSAFE, 43)}/edit",
        f"https://www.youtube.com/watch?v={rs(URLSAFE, 11)}&list=PL{rs(URLSAFE, 32)}",
        f"$ git clone https://github.com/acme/{pick('api', 'web', 'infra')}.git\nCloning into 'api'...\nReceiving objects: 100% (5123/5123), done.",
        "mongodb://mongo-0.mongo,mongo-1.mongo,mongo-2.mongo:27017/app?replicaSet=rs0&authSource=admin",
    )


def n_secretish_name() -> str:
    return pick(
        f"$ env | grep -i -E 'key|token|secret|pass'\nKMS_KEY_ID={uuid4()}\nTOKEN_URL=https://auth.acme.io/oauth/token\nSECRET_NAME=prod/db/credentials\nPASSWORD_MIN_LENGTH=12",
        f"GITHUB_SHA={rs(HEX, 40)}\nGITHUB_RUN_ID={rs(DIG, 11)}\nGITHUB_RUN_ATTEMPT=1\nCI_COMMIT_SHA={rs(HEX, 40)}\nBUILDKITE_BUILD_ID={uuid4()}",
        f"$ ssh-keygen -lf ~/.ssh/id_ed25519.pub\n256 SHA256:{rs(B64, 43)} jdoe@laptop (ED25519)",
        f"$ gpg --list-secret-keys --keyid-format=long\nsec   ed25519/{rs(HEXU, 16)} 2025-01-02 [SC]\n      {rs(HEXU, 40)}\nuid                 [ultimate] Jane Doe <jane@acme.io>",
        f"api_key_id: {rs(HEX, 24)}\napi_key_name: ci-readonly\napi_key_created: 2026-01-02\napi_key_last_used: 2026-03-01",
        f'  "access_key_id_hash": "{rs(HEX, 64)}",\n  "token_type": "Bearer",\n  "expires_in": 3599,\n  "scope": "read:org repo"',
        f'$ aws kms list-keys\n{{\n    "Keys": [\n        {{\n            "KeyId": "{uuid4()}",\n            "KeyArn": "arn:aws:kms:us-east-1:{rs(DIG, 12)}:key/{uuid4()}"\n        }}\n    ]\n}}',
        f'$ gh api /repos/acme/api/actions/secrets/public-key\n{{"key_id":"{rs(DIG, 19)}","key":"{b64s(rbytes(32))}"}}',
        f"X-RateLimit-Remaining: 4987\nX-GitHub-Request-Id: {rs(HEXU, 4)}:{rs(HEXU, 5)}:{rs(HEXU, 7)}:{rs(HEXU, 7)}:{rs(HEXU, 8)}\nX-OAuth-Scopes: repo, workflow\nX-Accepted-OAuth-Scopes: repo",
        "session_key_rotation_days=90\ntoken_ttl=3600s\nsecret_scanning=enabled\ncsrf_cookie_name=csrftoken\npassword_hash_algo=argon2id",
        f'$ vault token lookup -format=json | jq .data.accessor\n"{rs(ALNUM, 24)}"',
    )


def n_doc_example_more() -> str:
    return pick(
        "$ cat docs/config.md\n| Variable | Example |\n|---|---|\n| `OPENAI_API_KEY` | `sk-...` |\n| `STRIPE_SECRET_KEY` | `sk_test_...` |",
        "# From the Twilio quickstart:\n# account_sid = 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'\n# auth_token = 'your_auth_token'",
        "$ cat README.md\nexport ANTHROPIC_API_KEY='sk-ant-api03-...'\nexport GROQ_API_KEY='gsk_...'",
        "Error: Invalid API Key provided: sk_test_********************1234. See https://stripe.com/docs/keys",
    )


def n_password_hash() -> str:
    salt = rs(B64.replace("+", "."), 22)
    return pick(
        f"$ cat .htpasswd\nadmin:$2y$10${salt}{rs(B64.replace('+', '.'), 31)}",
        f"$ sudo grep deploy /etc/shadow\ndeploy:$6${rs(ALNUM, 16)}${rs(B64.replace('+', '.'), 86)}:19750:0:99999:7:::",
        f'  "password_hash": "$argon2id$v=19$m=65536,t=3,p=4${rs(B64, 22)}${rs(B64, 43)}"',
        f"INSERT INTO users (email, encrypted_password) VALUES ('jane@acme.io', '$2a$12${salt}{rs(B64.replace('+', '.'), 31)}');",
        f"pbkdf2_sha256$720000${rs(ALNUM, 22)}${rs(B64, 43)}=",
    )


def n_test_vector() -> str:
    return pick(
        '# RFC 4231 test case 2\nKey  = 4a656665 ("Jefe")\nData = 7768617420646f2079612077616e7420666f72206e6f7468696e673f\nHMAC-SHA-256 = 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
        "AES-128 FIPS-197 example: key 000102030405060708090a0b0c0d0e0f plaintext 00112233445566778899aabbccddeeff ciphertext 69c4e0d86a7b0430d8cdb78070b4c55a",
        "$ python -c 'import hashlib; print(hashlib.sha256(b\"\").hexdigest())'\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "RFC 6238 TOTP test seed (ASCII) 12345678901234567890 -> T=59 TOTP=94287082",
        f"PASSED tests/test_crypto.py::test_hkdf[ikm=0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b-salt=000102030405060708090a0b0c-{rs(DIG, 3)}]",
        "$ echo -n 'The quick brown fox jumps over the lazy dog' | md5sum\n9e107d9d372bb6826bd81d3542a419d6  -",
    )


NEG_FAMILIES: list[tuple[str, Callable[[], str], int]] = [
    ("hash_digest", n_hash, 18),
    ("git_sha_run_id", n_git, 16),
    ("uuid_request_id", n_uuid, 16),
    ("base64_non_secret", n_b64, 16),
    ("placeholder", n_placeholder, 26),
    ("masked_redacted", n_masked, 22),
    ("doc_example_key", n_doc_example, 14),
    ("public_key_cert", n_public_key, 16),
    ("key_name_only", n_key_name, 12),
    ("low_entropy_value", n_low_entropy, 16),
    ("prefixed_non_secret_id", n_prefixed_id, 22),
    ("lockfile_integrity", n_lockfile, 14),
    ("content_hash_digest", n_content_hash, 14),
    ("encrypted_value", n_encrypted, 16),
    ("public_client_key", n_public_client, 16),
    ("secret_reference", n_secret_ref, 14),
    ("cloud_resource_id", n_cloud_id, 14),
    ("crypto_address", n_crypto_addr, 8),
    ("secretish_name_non_secret_value", n_secretish_name, 16),
    ("password_hash", n_password_hash, 12),
    ("crypto_test_vector", n_test_vector, 8),
    ("code_high_entropy", n_code_entropy, 14),
    ("url_without_credentials", n_url_nocreds, 10),
]


def neg_cases() -> list[Case]:
    out: list[Case] = []
    for fam, fn, n in NEG_FAMILIES:
        seen: set[str] = set()
        tries = 0
        while len(seen) < n and tries < n * 20:
            tries += 1
            t = fn()
            if t in seen:
                continue
            seen.add(t)
            out.append(case(t, None, f"neg:{fam}", HARD))
    return out


def build() -> dict[str, object]:
    pos = positives()
    neg = neg_cases()
    cases = pos + neg
    R.shuffle(cases)
    return {
        "about": (
            "Fourth blind corpus for execgate's secret scanner, generated by benchmarks/blind4_corpus.py "
            f"(seed {SEED}) from public format facts only, without reading the scanner's rules. Values are "
            "random in each format's prefix/length/alphabet/checksum and embedded in text an AI coding "
            "agent's shell tool sees; none is a live credential. Positives: 'secret' is the exact substring "
            "of 'text' that is the credential. Negatives: secret null, format 'neg:<family>'."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
