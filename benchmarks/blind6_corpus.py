"""Sixth blind secret corpus for execgate's scanner (tests/blind6_corpus.json).

Built from public format facts only (vendor docs, GitHub secret-scanning patterns): every
value is drawn from ``random.Random(SEED)`` in its format's prefix, length, alphabet and
checksum, so none is a live credential. The contexts are the less-travelled text an agent's
shell tool sees: CI job logs, ``git diff`` of committed config, pytest failures, axios error
dumps, Go panics, ``systemctl show``, ``ps eww``, ``strace``, crontabs, archive/crypto tool
command lines and so on. Run without arguments to write the JSON; ``--score`` measures the
scanner against it.
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

SEED = 6062026
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind6_corpus.json"

R = random.Random(SEED)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"

Case = dict[str, str | None]


def rs(alpha: str, n: int) -> str:
    return "".join(R.choice(alpha) for _ in range(n))


def b62_crc(body: str) -> str:
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


# ---------------------------------------------------------------- vendor token shapes


def gh(prefix: str) -> Callable[[], str]:
    def f() -> str:
        body = prefix + rs(ALNUM, 30)
        return body + b62_crc(body)

    return f


def gh_fine() -> str:
    return "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59)


def npm() -> str:
    body = rs(ALNUM, 30)
    return "npm_" + body + b62_crc(body)


def slack_bot() -> str:
    return f"xoxb-{rs(string.digits, 11)}-{rs(string.digits, 13)}-{rs(ALNUM, 24)}"


def slack_user() -> str:
    return f"xoxp-{rs(string.digits, 11)}-{rs(string.digits, 11)}-{rs(string.digits, 13)}-{rs(HEX, 32)}"


def openai_proj() -> str:
    return "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74)


def openai_legacy() -> str:
    return "sk-" + rs(ALNUM, 20) + "T3BlbkFJ" + rs(ALNUM, 20)


def anthropic() -> str:
    return "sk-ant-api03-" + rs(URLSAFE, 93) + "AA"


def aws_secret() -> str:
    return rs(ALNUM + "+/", 40)


def pypi() -> str:
    return "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 150)


def atlassian() -> str:
    return "ATATT3xFfGF0" + rs(URLSAFE, 170) + "=" + rs(HEX.upper(), 8)


def azure_ad_secret() -> str:
    return rs(URLSAFE + "~.", 3) + R.choice(string.digits) + "Q~" + rs(URLSAFE + "~.", 34)


def azure_storage_key() -> str:
    return base64.b64encode(R.randbytes(64)).decode()


def jwt_token() -> str:
    def seg(obj: dict[str, object]) -> str:
        return (
            base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode())
            .decode()
            .rstrip("=")
        )

    head = seg({"alg": "RS256", "typ": "JWT", "kid": rs(HEX, 16)})
    body = seg(
        {
            "iss": "https://auth.corp-sso.net/",
            "sub": f"auth0|{rs(HEX, 24)}",
            "aud": "https://api.corp-sso.net",
            "iat": 1714000000 + R.randrange(10**6),
            "exp": 1714086400 + R.randrange(10**6),
            "scope": "read:orders write:orders",
        }
    )
    return f"{head}.{body}.{rs(URLSAFE, 342)}"


VENDORS: dict[str, tuple[str, Callable[[], str]]] = {
    "github_classic_pat": ("GITHUB_TOKEN", gh("ghp_")),
    "github_oauth": ("GH_OAUTH_TOKEN", gh("gho_")),
    "github_app_installation": ("GH_INSTALL_TOKEN", gh("ghs_")),
    "github_fine_grained_pat": ("GH_PAT", gh_fine),
    "gitlab_pat": ("GITLAB_TOKEN", lambda: "glpat-" + rs(URLSAFE, 20)),
    "gitlab_runner_token": ("RUNNER_TOKEN", lambda: "glrt-" + rs(URLSAFE, 20)),
    "slack_bot_token": ("SLACK_BOT_TOKEN", slack_bot),
    "slack_user_token": ("SLACK_USER_TOKEN", slack_user),
    "stripe_live_secret": ("STRIPE_SECRET_KEY", lambda: "sk_live_" + rs(ALNUM, 99)),
    "stripe_restricted": ("STRIPE_RK", lambda: "rk_live_" + rs(ALNUM, 99)),
    "openai_project_key": ("OPENAI_API_KEY", openai_proj),
    "openai_legacy_key": ("OPENAI_KEY", openai_legacy),
    "anthropic_api_key": ("ANTHROPIC_API_KEY", anthropic),
    "aws_secret_access_key": ("AWS_SECRET_ACCESS_KEY", aws_secret),
    "gcp_api_key": ("GOOGLE_API_KEY", lambda: "AIza" + rs(URLSAFE, 35)),
    "gcp_oauth_client_secret": ("GOOGLE_CLIENT_SECRET", lambda: "GOCSPX-" + rs(URLSAFE, 28)),
    "azure_ad_client_secret": ("AZURE_CLIENT_SECRET", azure_ad_secret),
    "azure_storage_key": ("AZURE_STORAGE_KEY", azure_storage_key),
    "twilio_auth_token": ("TWILIO_AUTH_TOKEN", lambda: rs(HEX, 32)),
    "sendgrid_api_key": ("SENDGRID_API_KEY", lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}"),
    "npm_token": ("NPM_TOKEN", npm),
    "pypi_token": ("PYPI_API_TOKEN", pypi),
    "dockerhub_pat": ("DOCKERHUB_TOKEN", lambda: "dckr_pat_" + rs(URLSAFE, 27)),
    "huggingface_token": ("HF_TOKEN", lambda: "hf_" + rs(string.ascii_letters, 34)),
    "databricks_pat": ("DATABRICKS_TOKEN", lambda: "dapi" + rs(HEX, 32)),
    "datadog_api_key": ("DD_API_KEY", lambda: rs(HEX, 32)),
    "datadog_app_key": ("DD_APP_KEY", lambda: rs(HEX, 40)),
    "newrelic_user_key": (
        "NEW_RELIC_API_KEY",
        lambda: "NRAK-" + rs(string.ascii_uppercase + string.digits, 27),
    ),
    "sentry_user_token": ("SENTRY_AUTH_TOKEN", lambda: "sntryu_" + rs(HEX, 64)),
    "shopify_access_token": ("SHOPIFY_ACCESS_TOKEN", lambda: "shpat_" + rs(HEX, 32)),
    "atlassian_api_token": ("JIRA_API_TOKEN", atlassian),
    "linear_api_key": ("LINEAR_API_KEY", lambda: "lin_api_" + rs(ALNUM, 40)),
    "vercel_token": ("VERCEL_TOKEN", lambda: rs(ALNUM, 24)),
    "cloudflare_api_token": ("CLOUDFLARE_API_TOKEN", lambda: rs(URLSAFE, 40)),
    "digitalocean_pat": ("DIGITALOCEAN_TOKEN", lambda: "dop_v1_" + rs(HEX, 64)),
    "postman_api_key": ("POSTMAN_API_KEY", lambda: f"PMAK-{rs(HEX, 24)}-{rs(HEX, 34)}"),
    "grafana_service_account": ("GRAFANA_TOKEN", lambda: f"glsa_{rs(ALNUM, 32)}_{rs(HEX, 8)}"),
    "vault_service_token": ("VAULT_TOKEN", lambda: "hvs." + rs(URLSAFE, 91)),
    "jwt_bearer": ("ACCESS_TOKEN", jwt_token),
}

# ---------------------------------------------------------------- generic contexts


def runner_id() -> str:
    return rs(ALNUM, 8)


def c_gitlab_export(var: str, v: str) -> str:
    return (
        f"Running with gitlab-runner 16.9.1 (782c6ecb)\n  on docker-runner-{R.randint(1, 9)} {runner_id()}, "
        f'system ID: s_{rs(HEX, 12)}\nPreparing the "docker" executor\nUsing docker image sha256:{rs(HEX, 64)} '
        f"for python:3.12-slim\n$ export {var}={v}\n$ python -m app.release --env production\n"
        "Uploading artifacts for successful job\nJob succeeded"
    )


def c_jenkins(var: str, v: str) -> str:
    return (
        f"Started by user deploy-bot\nRunning in Durability level: MAX_SURVIVABILITY\n[Pipeline] sh\n"
        f"+ export {var}={v}\n+ ./gradlew publish --no-daemon\n> Task :publish\nBUILD SUCCESSFUL in 41s"
    )


def c_diff_env(var: str, v: str) -> str:
    return (
        f"diff --git a/.env b/.env\nindex {rs(HEX, 7)}..{rs(HEX, 7)} 100644\n--- a/.env\n+++ b/.env\n"
        f"@@ -3,4 +3,5 @@ APP_ENV=production\n LOG_LEVEL=info\n-{var}=\n+{var}={v}\n REDIS_URL=redis://cache:6379/0"
    )


def c_diff_settings(var: str, v: str) -> str:
    return (
        f"diff --git a/app/settings.py b/app/settings.py\nindex {rs(HEX, 7)}..{rs(HEX, 7)} 100644\n"
        f'--- a/app/settings.py\n+++ b/app/settings.py\n@@ -18,7 +18,7 @@ ALLOWED_HOSTS = ["*"]\n'
        f' DEBUG = False\n-{var} = os.environ.get("{var}", "")\n+{var} = "{v}"\n TIME_ZONE = "UTC"'
    )


def c_pytest(var: str, v: str) -> str:
    k = var.lower()
    return (
        f'    def test_load_config(tmp_path):\n        cfg = load_config("config/prod.yaml")\n'
        f">       assert cfg == {{'region': 'eu-west-1'}}\nE       AssertionError: assert {{'{k}': '{v}', "
        f"'region': 'eu-west-1'}} == {{'region': 'eu-west-1'}}\nE         Left contains 1 more item:\n"
        f"E         {{'{k}': '{v}'}}\n\ntests/test_config.py:27: AssertionError"
    )


def c_axios(var: str, v: str) -> str:
    return (
        "AxiosError: Request failed with status code 401\n    at settle (/app/node_modules/axios/lib/core/settle.js:19:12)\n"
        "  code: 'ERR_BAD_REQUEST',\n  config: {\n    method: 'get',\n    url: 'https://api.partner.io/v2/orders',\n"
        "    headers: AxiosHeaders {\n      Accept: 'application/json, text/plain, */*',\n"
        f"      Authorization: 'Bearer {v}',\n      'User-Agent': 'axios/1.6.8'\n    }},\n  }}"
    )


def c_go_panic(var: str, v: str) -> str:
    field = "".join(p.capitalize() for p in var.lower().split("_"))
    return (
        f'panic: upstream returned 403 for client &main.Config{{BaseURL:"https://api.internal", {field}:"{v}", '
        f"Timeout:30000000000, Retries:3}}\n\ngoroutine 1 [running]:\nmain.mustClient(...)\n"
        f"\t/src/cmd/sync/main.go:88\nmain.main()\n\t/src/cmd/sync/main.go:41 +0x{rs(HEX, 3)}\nexit status 2"
    )


def c_java_props(var: str, v: str) -> str:
    k = var.lower().replace("_", ".")
    return (
        "-- listing properties --\njava.runtime.name=OpenJDK Runtime Environment\nspring.profiles.active=prod\n"
        f"{k}={v}\nserver.port=8443\nfile.encoding=UTF-8"
    )


def c_systemctl(var: str, v: str) -> str:
    return (
        "$ systemctl show worker.service -p Environment,ExecStart\n"
        f"Environment=NODE_ENV=production PORT=8080 {var}={v}\n"
        "ExecStart={ path=/usr/bin/node ; argv[]=/usr/bin/node /srv/worker/index.js ; }"
    )


def c_ps(var: str, v: str) -> str:
    return (
        "$ ps eww -p 4242\n    PID TTY      STAT   TIME COMMAND\n"
        f"   4242 ?        Ssl    0:12 node server.js PATH=/usr/local/bin:/usr/bin HOME=/home/app {var}={v} NODE_ENV=production"
    )


def c_strace(var: str, v: str) -> str:
    line = f"{var}={v}\\n"
    return (
        f'openat(AT_FDCWD, "/srv/app/.env", O_WRONLY|O_CREAT|O_TRUNC, 0600) = 3\n'
        f'write(3, "{line}", {len(var) + len(v) + 2}) = {len(var) + len(v) + 2}\nclose(3)                                = 0'
    )


def c_cron(var: str, v: str) -> str:
    return (
        "$ crontab -l\n# m h  dom mon dow   command\nMAILTO=ops@corp.example\n"
        f"*/15 * * * * {var}={v} /opt/app/bin/sync >> /var/log/sync.log 2>&1"
    )


def c_ansible(var: str, v: str) -> str:
    return (
        f'$ ansible-playbook -i inventories/prod site.yml -e "{var.lower()}={v}" --limit web\n\n'
        "PLAY [web] *********************************************************************"
    )


def c_hiera(var: str, v: str) -> str:
    return (
        "$ cat data/common.yaml\n---\nprofile::app::port: 8443\n"
        f"profile::app::{var.lower()}: '{v}'\nprofile::app::log_level: info"
    )


def c_docker_inspect(var: str, v: str) -> str:
    return (
        "$ docker inspect --format '{{json .Config.Env}}' api-1\n"
        f'["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin","{var}={v}","LANG=C.UTF-8"]'
    )


GENERIC: list[Callable[[str, str], str]] = [
    c_gitlab_export,
    c_jenkins,
    c_diff_env,
    c_diff_settings,
    c_pytest,
    c_axios,
    c_go_panic,
    c_java_props,
    c_systemctl,
    c_ps,
    c_strace,
    c_cron,
    c_ansible,
    c_hiera,
    c_docker_inspect,
]

# vendor-specific command contexts: format -> list of templates with {v}
SPECIFIC: dict[str, list[str]] = {
    "github_classic_pat": [
        "$ git remote -v\norigin\thttps://jdoe:{v}@github.com/acme/api.git (fetch)\norigin\thttps://jdoe:{v}@github.com/acme/api.git (push)",
        '+ curl -sf -H "Authorization: token {v}" https://api.github.com/repos/acme/api/releases/latest',
    ],
    "github_app_installation": [
        "$ git remote -v\norigin\thttps://x-access-token:{v}@github.com/acme/infra.git (fetch)\norigin\thttps://x-access-token:{v}@github.com/acme/infra.git (push)",
    ],
    "github_fine_grained_pat": ["+ curl --oauth2-bearer {v} https://api.github.com/user"],
    "gitlab_pat": [
        "$ git remote -v\norigin\thttps://oauth2:{v}@gitlab.corp.net/platform/billing.git (fetch)\norigin\thttps://oauth2:{v}@gitlab.corp.net/platform/billing.git (push)",
        '+ curl --header "PRIVATE-TOKEN: {v}" https://gitlab.corp.net/api/v4/projects/42/pipelines',
    ],
    "gitlab_runner_token": [
        "$ sudo gitlab-runner register --non-interactive --url https://gitlab.com --token {v} --executor docker --docker-image alpine:3.19",
    ],
    "slack_bot_token": [
        "+ curl -s -X POST -d channel=C0123ABCD -d text=deployed -d token={v} https://slack.com/api/chat.postMessage"
    ],
    "stripe_live_secret": [
        "+ curl https://api.stripe.com/v1/charges -u {v}: -d amount=2000 -d currency=usd"
    ],
    "openai_project_key": ["+ curl https://api.openai.com/v1/models --oauth2-bearer {v}"],
    "anthropic_api_key": [
        '+ curl https://api.anthropic.com/v1/messages -H "x-api-key: {v}" -H "anthropic-version: 2023-06-01" -d @req.json',
    ],
    "aws_secret_access_key": [
        "$ cat ~/.aws/credentials\n[prod]\naws_access_key_id = AKIA{ak}\naws_secret_access_key = {v}\nregion = us-east-1",
    ],
    "twilio_auth_token": [
        "+ curl -X POST https://api.twilio.com/2010-04-01/Accounts/AC{sid}/Messages.json -u AC{sid}:{v} --data-urlencode Body=hi",
    ],
    "npm_token": [
        "diff --git a/.npmrc b/.npmrc\nnew file mode 100644\n--- /dev/null\n+++ b/.npmrc\n@@ -0,0 +1,2 @@\n+registry=https://registry.npmjs.org/\n+//registry.npmjs.org/:_authToken={v}",
    ],
    "pypi_token": ["+ twine upload --non-interactive -u __token__ -p {v} dist/*"],
    "dockerhub_pat": [
        "+ docker login -u acmebuild -p {v}\nWARNING! Using --password via the CLI is insecure. Use --password-stdin."
    ],
    "huggingface_token": ["$ git clone https://user:{v}@huggingface.co/acme/private-model"],
    "databricks_pat": [
        "+ databricks configure --host https://adb-12345.6.azuredatabricks.net --token {v}"
    ],
    "datadog_api_key": [
        '+ curl -X POST https://api.datadoghq.com/api/v1/series -H "DD-API-KEY: {v}" -d @metrics.json'
    ],
    "azure_storage_key": [
        '$ az storage blob list --container-name backups --connection-string "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={v};EndpointSuffix=core.windows.net"',
    ],
    "azure_ad_client_secret": [
        "$ az login --service-principal -u 6f1c2b7e-3a9d-4e21-9b0f-8c4d2e7a1f35 -p {v} --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47",
    ],
    "cloudflare_api_token": [
        "+ curl https://api.cloudflare.com/client/v4/user/tokens/verify --oauth2-bearer {v}"
    ],
    "vault_service_token": ["$ VAULT_ADDR=https://vault.corp:8200 vault login -no-print {v}"],
}

# ---------------------------------------------------------------- passwords in tool contexts

PW_SYM = "!#%+_.^-"


def password(url: bool = False) -> str:
    sym = "-_." if url else PW_SYM
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
    return rs(ALNUM, 24)


USERS = ["deploy", "svc_backup", "jdoe", "ci-bot", "etl_rw", "admin", "mhernandez"]
HOSTS = ["db01.corp.local", "10.20.3.14", "pg-primary.internal", "files.acme.net", "nexus.corp.net"]


def pw_cases() -> list[tuple[str, str, Callable[[str, str, str], str], bool]]:
    """(format, source, template(u, h, pw), url_safe)."""
    return [
        (
            "pw:sqlcmd",
            "sqlcmd -P",
            lambda u, h, p: f"$ sqlcmd -S tcp:{h},1433 -U {u} -P '{p}' -Q \"SELECT @@VERSION\"",
            False,
        ),
        (
            "pw:mongodb_uri",
            "mongodump --uri",
            lambda u, h, p: (
                f'$ mongodump --uri "mongodb+srv://{u}:{p}@cluster0.ab1cd.mongodb.net/prod" --out /backups/2024-05-01\n2024-05-01T02:00:01.117+0000\twriting prod.orders to /backups/2024-05-01/prod/orders.bson'
            ),
            True,
        ),
        (
            "pw:rabbitmqctl",
            "rabbitmqctl add_user",
            lambda u, h, p: (
                f"$ sudo rabbitmqctl add_user {u} '{p}'\nAdding user \"{u}\" ...\nDone. Don't forget to grant the user permissions to some virtual hosts!"
            ),
            False,
        ),
        (
            "pw:htpasswd",
            "htpasswd -nb",
            lambda u, h, p: f"$ htpasswd -nbB {u} '{p}'\n{u}:$2y$05${rs(ALNUM + './', 53)}",
            False,
        ),
        (
            "pw:openssl_enc",
            "openssl enc -k",
            lambda u, h, p: (
                f"$ openssl enc -aes-256-cbc -salt -pbkdf2 -in dump.sql -out dump.sql.enc -k '{p}'"
            ),
            False,
        ),
        (
            "pw:openssl_passarg",
            "openssl -passout pass:",
            lambda u, h, p: (
                f"$ openssl pkcs12 -export -in tls.crt -inkey tls.key -out tls.p12 -passout pass:{p}"
            ),
            False,
        ),
        (
            "pw:zip",
            "zip -P",
            lambda u, h, p: (
                f"$ zip -r -P '{p}' backup-2024-05.zip exports/\n  adding: exports/ (stored 0%)\n  adding: exports/customers.csv (deflated 71%)"
            ),
            False,
        ),
        (
            "pw:7z",
            "7z -p",
            lambda u, h, p: (
                f"$ 7z a -p{p} -mhe=on vault.7z ./secrets\n\n7-Zip [64] 16.02 : Copyright (c) 1999-2016 Igor Pavlov : 2016-05-21\nEverything is Ok"
            ),
            False,
        ),
        (
            "pw:unrar",
            "unrar -p",
            lambda u, h, p: (
                f"$ unrar x -p{p} quarterly.rar out/\n\nUNRAR 6.11 beta 1 freeware      Copyright (c) 1993-2022 Alexander Roshal\nAll OK"
            ),
            False,
        ),
        (
            "pw:gpg_passphrase",
            "gpg --passphrase",
            lambda u, h, p: (
                f"+ gpg --batch --yes --pinentry-mode loopback --passphrase '{p}' -d secrets.tar.gz.gpg | tar xz"
            ),
            False,
        ),
        (
            "pw:keytool",
            "keytool -storepass",
            lambda u, h, p: (
                f"$ keytool -importcert -noprompt -alias corp-ca -file ca.pem -keystore truststore.jks -storepass {p}\nCertificate was added to keystore"
            ),
            False,
        ),
        (
            "pw:wget",
            "wget --password=",
            lambda u, h, p: (
                f"+ wget --user={u} --password='{p}' https://{h}/repository/releases/app-1.4.2.tar.gz"
            ),
            False,
        ),
        (
            "pw:lftp",
            "lftp -u user,pass",
            lambda u, h, p: f"$ lftp -u {u},'{p}' sftp://{h} -e 'mirror -R dist/ /var/www/; bye'",
            False,
        ),
        (
            "pw:smbclient",
            "smbclient //h/s pass",
            lambda u, h, p: (
                f"$ smbclient //{h}/finance '{p}' -U CORP\\\\{u} -c 'ls'\n  .                                   D        0  Tue Apr 30 10:02:11 2024"
            ),
            False,
        ),
        (
            "pw:git_remote_userinfo",
            "git remote -v",
            lambda u, h, p: (
                f"$ git remote -v\norigin\thttps://{u}:{p}@git.{h}/team/app.git (fetch)\norigin\thttps://{u}:{p}@git.{h}/team/app.git (push)"
            ),
            True,
        ),
        (
            "pw:pgpass",
            ".pgpass",
            lambda u, h, p: (
                f"$ cat ~/.pgpass\n{h}:5432:app:{u}:{p}\n*:5432:*:readonly:{password()}"
            ),
            False,
        ),
        (
            "pw:my_cnf",
            ".my.cnf",
            lambda u, h, p: f"$ cat ~/.my.cnf\n[client]\nuser={u}\npassword={p}\nhost={h}",
            False,
        ),
        (
            "pw:jenkins_curl_u",
            "Jenkins + curl -u",
            lambda u, h, p: (
                f"[Pipeline] sh\n+ curl -u {u}:{p} -T build/app.war https://{h}/artifactory/libs-release/app.war\n  % Total    % Received % Xferd"
            ),
            False,
        ),
        (
            "pw:mysql_inline",
            "mysql -p<pw>",
            lambda u, h, p: (
                f"$ mysql -h {h} -u {u} -p{p} app -e 'SHOW TABLES'\nmysql: [Warning] Using a password on the command line interface can be insecure."
            ),
            False,
        ),
        (
            "pw:redis_cli",
            "redis-cli -a",
            lambda u, h, p: (
                f"$ redis-cli -h {h} -p 6379 -a '{p}' INFO keyspace\nWarning: Using a password with '-a' or '-u' option on the command line interface may not be safe."
            ),
            False,
        ),
        (
            "pw:sshpass",
            "sshpass -p",
            lambda u, h, p: f"$ sshpass -p '{p}' ssh -o StrictHostKeyChecking=no {u}@{h} uptime",
            False,
        ),
        (
            "pw:net_use",
            "net use",
            lambda u, h, p: (
                f"C:\\> net use Z: \\\\{h}\\share {p} /user:CORP\\{u}\nThe command completed successfully."
            ),
            False,
        ),
        (
            "pw:strace_form",
            "strace write",
            lambda u, h, p: (
                f'sendto(5, "POST /oauth/token HTTP/1.1\\r\\nHost: {h}\\r\\n\\r\\nusername={u}&password={p}&grant_type=password", 96, MSG_NOSIGNAL, NULL, 0) = 96'
            ),
            True,
        ),
        (
            "pw:ansible_extra_vars",
            "ansible -e",
            lambda u, h, p: (
                f"$ ansible all -i {h}, -u {u} -m ping -e ansible_password='{p}' -e ansible_become_pass='{p}'"
            ),
            False,
        ),
        (
            "pw:ldapsearch",
            "ldapsearch -w",
            lambda u, h, p: (
                f"$ ldapsearch -x -H ldaps://{h} -D 'cn={u},ou=svc,dc=corp,dc=local' -w '{p}' -b 'dc=corp,dc=local' '(uid=jdoe)'"
            ),
            False,
        ),
        (
            "pw:mysqldump_long",
            "mysqldump --password=",
            lambda u, h, p: (
                f"+ mysqldump --host={h} --user={u} --password={p} --single-transaction app > app.sql"
            ),
            False,
        ),
        (
            "pw:systemctl_env",
            "systemctl show Environment=",
            lambda u, h, p: (
                f"$ systemctl show pgbouncer -p Environment\nEnvironment=PGHOST={h} PGUSER={u} PGPASSWORD={p}"
            ),
            False,
        ),
        (
            "pw:postgres_uri_crontab",
            "crontab DATABASE_URL",
            lambda u, h, p: (
                f"$ crontab -l\n0 3 * * * pg_dump postgresql://{u}:{p}@{h}:5432/app | gzip > /backups/app.sql.gz"
            ),
            True,
        ),
        (
            "pw:hiera_yaml",
            "puppet hiera yaml",
            lambda u, h, p: (
                f"$ cat hieradata/nodes/{h}.yaml\n---\nprofile::db::user: {u}\nprofile::db::password: '{p}'\nprofile::db::port: 5432"
            ),
            False,
        ),
        (
            "pw:chef_attributes",
            "chef knife node show",
            lambda u, h, p: (
                f"$ knife node show web01 -a app.db\nweb01:\n  app.db:\n    host:     {h}\n    password: {p}\n    user:     {u}"
            ),
            False,
        ),
    ]


# ---------------------------------------------------------------- negatives


def neg_cases() -> list[tuple[str, str, str]]:
    """(family, source, text)."""
    out: list[tuple[str, str, str]] = []

    def add(fam: str, src: str, text: str) -> None:
        out.append((f"neg:{fam}", src, text))

    for _ in range(3):
        add(
            "hash",
            "git log",
            f"$ git log --oneline -3\n{rs(HEX, 7)} fix(api): retry on 502\n{rs(HEX, 7)} chore: bump deps\n{rs(HEX, 7)} feat: export csv\n$ git rev-parse HEAD\n{rs(HEX, 40)}",
        )
        add(
            "hash",
            "sha256sum",
            f"$ sha256sum dist/*\n{rs(HEX, 64)}  dist/app-1.4.2.tar.gz\n{rs(HEX, 64)}  dist/app-1.4.2-py3-none-any.whl",
        )
        add(
            "hash",
            "docker digest",
            f"$ docker pull ghcr.io/acme/api:1.4.2\n1.4.2: Pulling from acme/api\nDigest: sha256:{rs(HEX, 64)}\nStatus: Downloaded newer image for ghcr.io/acme/api:1.4.2",
        )
        add(
            "hash",
            "npm lockfile diff",
            f'+      "resolved": "https://registry.npmjs.org/axios/-/axios-1.6.8.tgz",\n+      "integrity": "sha512-{base64.b64encode(R.randbytes(64)).decode()}",',
        )
        add(
            "hash",
            "pip hash",
            f"requests==2.31.0 \\\n    --hash=sha256:{rs(HEX, 64)} \\\n    --hash=sha256:{rs(HEX, 64)}",
        )

    def uuid() -> str:
        return (
            f"{rs(HEX, 8)}-{rs(HEX, 4)}-4{rs(HEX, 3)}-{R.choice('89ab')}{rs(HEX, 3)}-{rs(HEX, 12)}"
        )

    for _ in range(3):
        add(
            "uuid_id",
            "k8s metadata",
            f"$ kubectl get pod api-7d9f8b-x2kq -o jsonpath='{{.metadata.uid}}'\n{uuid()}",
        )
        add(
            "uuid_id",
            "request id log",
            f"2024-05-01T10:22:01Z ERROR request_id={uuid()} trace_id={rs(HEX, 32)} span_id={rs(HEX, 16)} status=500",
        )
        add(
            "uuid_id",
            "azure ids",
            f'$ az account show --query \'{{id:id, tenantId:tenantId}}\'\n{{\n  "id": "{uuid()}",\n  "tenantId": "{uuid()}"\n}}',
        )
        add(
            "uuid_id",
            "terraform state id",
            f'  # aws_instance.web will be updated in-place\n  ~ resource "aws_instance" "web" {{\n        id = "i-0{rs(HEX, 16)}"\n        ami = "ami-0{rs(HEX, 16)}"',
        )

    masked = [
        ("gitlab masked", "$ export DEPLOY_TOKEN=[MASKED]\n$ ./deploy.sh"),
        (
            "jenkins masked",
            "+ curl -u ci-bot:**** -T build/app.war https://nexus.corp.net/repo/app.war",
        ),
        (
            "jenkins masked",
            "[Pipeline] withCredentials\nMasking supported pattern matches of $NEXUS_PASSWORD\n[Pipeline] sh\n+ mvn deploy -Dnexus.password=****",
        ),
        ("github actions masked", "Run docker login ghcr.io -u acme -p ***\nLogin Succeeded"),
        (
            "redacted config",
            "$ cat config/prod.yaml\ndatabase:\n  user: app\n  password: <redacted>\n  host: pg-primary.internal",
        ),
        (
            "pytest redacted",
            "E       AssertionError: assert {'api_key': '<REDACTED>', 'region': 'eu-west-1'} == {'region': 'eu-west-1'}",
        ),
        (
            "axios redacted",
            "  headers: AxiosHeaders {\n    Accept: 'application/json',\n    Authorization: 'Bearer [REDACTED]',\n  },",
        ),
        (
            "systemctl masked",
            "Environment=NODE_ENV=production STRIPE_SECRET_KEY=sk_live_********************",
        ),
        (
            "cli output masked",
            "$ heroku config:get DATABASE_URL\npostgres://app:********@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8k2",
        ),
        (
            "aws configure list",
            "$ aws configure list\n      Name                    Value             Type    Location\n   profile                <not set>             None    None\naccess_key     ****************QX7Z shared-credentials-file\nsecret_key     ****************9fK2 shared-credentials-file",
        ),
        (
            "docker inspect masked",
            '["PATH=/usr/local/bin:/usr/bin","DB_PASSWORD=xxxxxxxx","LANG=C.UTF-8"]',
        ),
        ("vault kv masked", "$ vault kv get -field=password secret/db\n(sensitive value hidden)"),
    ]
    for src, t in masked:
        add("masked", src, t)

    placeholders = [
        (
            "readme env",
            "$ cat .env.example\nOPENAI_API_KEY=your-openai-api-key-here\nSTRIPE_SECRET_KEY=sk_live_your_key_here\nDATABASE_URL=postgres://user:password@localhost:5432/db",
        ),
        (
            "diff placeholder",
            "diff --git a/.env.sample b/.env.sample\n--- a/.env.sample\n+++ b/.env.sample\n@@ -1,2 +1,3 @@\n+GITHUB_TOKEN=<YOUR_GITHUB_TOKEN>\n+SLACK_BOT_TOKEN=xoxb-your-bot-token",
        ),
        (
            "hiera placeholder",
            "profile::app::api_key: 'CHANGE_ME'\nprofile::app::db_password: 'REPLACE_WITH_REAL_PASSWORD'",
        ),
        (
            "cli usage",
            'Usage: sqlcmd -S <server> -U <login_id> -P <password> [-d <db_name>] [-Q "<query>"]',
        ),
        ("xxx token", "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (
            "template",
            "$ cat templates/my.cnf.j2\n[client]\nuser={{ mysql_user }}\npassword={{ mysql_password }}",
        ),
        (
            "help text",
            "  --password=PASSWORD   Password to use when connecting to server (default: prompt)",
        ),
        (
            "docs curl",
            'curl https://api.example.com/v1/items -H "Authorization: Bearer YOUR_ACCESS_TOKEN"',
        ),
        ("ansible sample", '$ ansible-playbook site.yml -e "db_password=<db-password>"'),
        ("dotdotdot", "2024-05-01 10:00:01 INFO using api key sk-...abcd (last 4 shown)"),
        ("zip usage", "  -P   password   use standard encryption, password is password (INSECURE)"),
        ("keytool doc", "keytool -list -keystore keystore.jks -storepass <storepass>"),
    ]
    for src, t in placeholders:
        add("placeholder", src, t)

    refs = [
        (
            "gitlab ci yaml",
            'deploy:\n  script:\n    - export GITHUB_TOKEN=$GH_TOKEN\n    - curl -H "Authorization: token ${GITHUB_TOKEN}" https://api.github.com/user',
        ),
        (
            "actions yaml",
            "      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}",
        ),
        (
            "windows batch",
            "C:\\build> curl -u %ARTIFACTORY_USER%:%ARTIFACTORY_PASSWORD% -T app.zip https://artifactory/repo/",
        ),
        (
            "jenkins groovy",
            "sh 'curl -u $NEXUS_USER:$NEXUS_PASS -T target/app.jar https://nexus/repo/'",
        ),
        (
            "shell subst",
            "+ sqlcmd -S db01 -U sa -P \"$(cat /run/secrets/sa_password)\" -Q 'SELECT 1'",
        ),
        (
            "systemd env file",
            "$ systemctl show api -p EnvironmentFiles\nEnvironmentFiles=/etc/api/secrets.env (ignore_errors=no)",
        ),
        (
            "python getenv",
            '+API_KEY = os.environ["OPENAI_API_KEY"]\n+client = OpenAI(api_key=API_KEY)',
        ),
        (
            "ansible vault var",
            '$ ansible-playbook site.yml -e "db_password={{ vault_db_password }}"',
        ),
        (
            "k8s secretKeyRef",
            "        env:\n        - name: STRIPE_SECRET_KEY\n          valueFrom:\n            secretKeyRef:\n              name: stripe\n              key: secret-key",
        ),
        ("zip env", '$ zip -r -P "$BACKUP_PASSPHRASE" backup.zip exports/'),
        (
            "gpg file",
            "+ gpg --batch --pinentry-mode loopback --passphrase-file /run/secrets/gpg_pass -d backup.gpg",
        ),
        ("openssl env", "$ openssl enc -d -aes-256-cbc -pbkdf2 -in db.enc -pass env:BACKUP_KEY"),
    ]
    for src, t in refs:
        add("env_reference", src, t)

    names = [
        (
            "printenv names",
            "$ env | cut -d= -f1 | grep -E 'TOKEN|KEY|SECRET'\nGITHUB_TOKEN\nAWS_SECRET_ACCESS_KEY\nSTRIPE_SECRET_KEY\nOPENAI_API_KEY",
        ),
        ("unset", "+ unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"),
        (
            "gh secret list",
            "$ gh secret list\nANTHROPIC_API_KEY   Updated 2024-04-02\nDOCKERHUB_TOKEN     Updated 2024-03-11\nPYPI_API_TOKEN      Updated 2024-01-29",
        ),
        (
            "kubectl describe secret",
            "$ kubectl describe secret stripe\nName:         stripe\nType:  Opaque\n\nData\n====\nsecret-key:  107 bytes\nwebhook-secret:  38 bytes",
        ),
        ("vault list", "$ vault kv list secret/prod\nKeys\n----\ndatabase\nsendgrid\ntwilio"),
        (
            "error missing",
            "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\nopenai_api_key\n  Field required [type=missing, input_value={}, input_type=dict]",
        ),
        (
            "grep code",
            "$ grep -rn 'password' app/\napp/db.py:12:    password = settings.DB_PASSWORD\napp/auth.py:40:def check_password(user, password):",
        ),
        (
            "java props names",
            "-- listing properties --\nspring.datasource.username=app\nspring.datasource.password=\nserver.port=8443",
        ),
        (
            "go panic names",
            'panic: config: missing required field APIKey in main.Config{BaseURL:"https://api.internal", APIKey:"", Retries:3}',
        ),
        (
            "gitlab var list",
            "$ glab variable list\nKEY                 PROTECTED   MASKED   SCOPE\nDEPLOY_TOKEN        true        true     *\nSENTRY_AUTH_TOKEN   true        true     production",
        ),
        (
            "azure list",
            "$ az keyvault secret list --vault-name kv-prod --query '[].name' -o tsv\ndb-password\nsendgrid-api-key",
        ),
        ("pytest names", "E       KeyError: 'DATABRICKS_TOKEN'\n\nconftest.py:14: KeyError"),
    ]
    for src, t in names:
        add("names_only", src, t)

    docs = [
        (
            "aws docs",
            "$ aws configure\nAWS Access Key ID [None]: AKIAIOSFODNN7EXAMPLE\nAWS Secret Access Key [None]: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nDefault region name [None]: us-west-2",
        ),
        (
            "aws docs creds",
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            "jwt.io",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ),
        ("aws session docs", "export AWS_ACCESS_KEY_ID=ASIAIOSFODNN7EXAMPLE"),
        (
            "azure docs",
            "DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        ),
        ("readme example", "$ docker run -e OPENAI_API_KEY=sk-... -p 3000:3000 acme/chat"),
        (
            "slack docs",
            "curl -X POST -H 'Authorization: Bearer xoxb-1234-56789abcdefghijklmnop' https://slack.com/api/auth.test",
        ),
        (
            "twilio docs",
            "curl -X POST https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages.json -u ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:your_auth_token",
        ),
    ]
    for src, t in docs:
        add("docs_example", src, t)

    pubkeys = [
        (
            "authorized_keys",
            f"$ cat ~/.ssh/authorized_keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(ALNUM + '+/', 43)} jdoe@laptop",
        ),
        ("ssh-rsa", f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{rs(ALNUM + '+/', 200)}== deploy@ci"),
        (
            "pem public",
            "-----BEGIN PUBLIC KEY-----\n"
            + "\n".join(rs(ALNUM + "+/", 64) for _ in range(5))
            + "\nIDAQAB\n-----END PUBLIC KEY-----",
        ),
        ("stripe publishable", f"+STRIPE_PUBLISHABLE_KEY=pk_live_{rs(ALNUM, 99)}"),
        (
            "age recipient",
            f"$ age-keygen -y key.txt\nage1{rs('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}",
        ),
        (
            "gpg fingerprint",
            f"$ gpg --list-keys ops@corp.example\npub   ed25519 2023-02-01 [SC]\n      {rs(HEX.upper(), 40)}\nuid           [ultimate] Ops <ops@corp.example>",
        ),
        (
            "known_hosts",
            f"$ ssh-keyscan github.com\ngithub.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{rs(ALNUM + '+/', 88)}=",
        ),
        (
            "cert",
            "-----BEGIN CERTIFICATE-----\n"
            + "\n".join(rs(ALNUM + "+/", 64) for _ in range(6))
            + "\n-----END CERTIFICATE-----",
        ),
        (
            "sentry dsn public",
            f"Sentry.init({{ dsn: 'https://{rs(HEX, 32)}@o{R.randint(10**5, 10**6)}.ingest.sentry.io/{R.randint(10**6, 10**7)}' }})",
        ),
        (
            "google client id",
            f"GOOGLE_CLIENT_ID={R.randint(10**11, 10**12)}-{rs(string.ascii_lowercase + string.digits, 32)}.apps.googleusercontent.com",
        ),
        ("twilio account sid", f"TWILIO_ACCOUNT_SID=AC{rs(HEX, 32)}"),
        (
            "aws account id",
            f'$ aws sts get-caller-identity\n{{\n    "UserId": "AIDA{rs(B32, 17)}",\n    "Account": "{R.randint(10**11, 10**12)}",\n    "Arn": "arn:aws:iam::{R.randint(10**11, 10**12)}:user/ci"\n}}',
        ),
    ]
    for src, t in pubkeys:
        add("public_key_or_id", src, t)

    low = [
        ("boolean", '$ ansible-playbook site.yml -e "use_password=true" -e "token_auth=false"'),
        (
            "empty",
            'diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n@@ -1,2 +1,2 @@\n-API_KEY=\n+API_KEY=""',
        ),
        (
            "none",
            "E       AssertionError: assert {'api_key': None, 'password': ''} == {'api_key': None}",
        ),
        ("repeated", "Environment=NODE_ENV=development API_TOKEN=aaaaaaaaaaaaaaaa PORT=3000"),
        ("numeric", "password_min_length=12\npassword_max_age_days=90\ntoken_ttl=3600"),
        ("test literal", "-DB_PASSWORD=test\n+DB_PASSWORD=test123"),
        ("word", "profile::app::secret: 'secret'\nprofile::app::token: 'token'"),
        ("sequence", "$ redis-cli -a 123456 PING\nPONG"),
        ("dash", "$ openssl req -new -key server.key -out server.csr -passin pass:-"),
        ("null", "spring.datasource.password=null\nspring.datasource.username=sa"),
        ("dummy", "$ htpasswd -nb user password\nuser:$apr1$0I8Ez2Aq$ZxZq2q1n8zT9S1sQwJ7Wb/"),
        (
            "ps short",
            "   4242 ?  Ssl  0:12 node server.js API_KEY=dev SECRET=x NODE_ENV=development",
        ),
    ]
    for src, t in low:
        add("low_entropy", src, t)

    prompts = [
        ("sudo", "$ sudo systemctl restart nginx\n[sudo] password for jdoe:"),
        ("ssh", "$ ssh deploy@10.20.3.14\ndeploy@10.20.3.14's password:"),
        ("ssh key", "Enter passphrase for key '/home/jdoe/.ssh/id_ed25519':"),
        ("mysql -p", "$ mysql -h db01 -u root -p\nEnter password:"),
        (
            "git https",
            "$ git push origin main\nUsername for 'https://github.com': jdoe\nPassword for 'https://jdoe@github.com':",
        ),
        (
            "openssl",
            "$ openssl genrsa -aes256 -out ca.key 4096\nEnter PEM pass phrase:\nVerifying - Enter PEM pass phrase:",
        ),
        ("psql", "$ psql -h pg-primary.internal -U app -W app\nPassword for user app:"),
        (
            "keytool",
            "$ keytool -genkeypair -alias api -keystore ks.jks\nEnter keystore password:\nRe-enter new password:",
        ),
        (
            "unzip",
            "$ unzip backup.zip\nArchive:  backup.zip\n[backup.zip] exports/customers.csv password:",
        ),
        (
            "gpg",
            "┌──────────────────────────────────────┐\n│ Please enter the passphrase to unlock │\n│ Passphrase: ________________________ │\n└──────────────────────────────────────┘",
        ),
        (
            "login",
            "Ubuntu 22.04.4 LTS web01 tty1\n\nweb01 login: admin\nPassword:\nLogin incorrect",
        ),
        ("rabbitmq", "$ rabbitmqctl add_user deployer\nPassword:\n"),
    ]
    for src, t in prompts:
        add("password_prompt", src, t)

    stdin = [
        (
            "docker ghcr",
            '$ echo "$CR_PAT" | docker login ghcr.io -u jdoe --password-stdin\nLogin Succeeded',
        ),
        (
            "ecr",
            "+ aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com\nLogin Succeeded",
        ),
        (
            "helm",
            "$ cat ~/.secrets/harbor | helm registry login harbor.corp.net -u robot --password-stdin",
        ),
        (
            "podman",
            "+ podman login quay.io -u acme+ci --password-stdin < /run/secrets/quay\nLogin Succeeded!",
        ),
        ("gh auth", "$ gh auth login --with-token < ~/.config/tokens/gh.txt"),
        ("npm", '+ npm config set //registry.npmjs.org/:_authToken "${NPM_TOKEN}"'),
        (
            "az",
            "$ az acr login --name acmeprod --expose-token --output tsv --query accessToken | docker login acmeprod.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin",
        ),
        ("vault", "$ vault login -method=userpass username=jdoe\nPassword (will be hidden):"),
        ("skopeo", "+ skopeo login --username ci --password-stdin registry.corp.net"),
        (
            "gcloud",
            "+ gcloud auth print-access-token | docker login -u oauth2accesstoken --password-stdin https://europe-docker.pkg.dev",
        ),
        (
            "kubectl",
            "$ kubectl create secret generic db --from-file=password=./db_pass.txt\nsecret/db created",
        ),
        (
            "doctl",
            "$ doctl auth init --context prod\nPlease authenticate doctl for use with your DigitalOcean account. You can generate a token in the control panel at https://cloud.digitalocean.com/account/api/tokens\n\nEnter your access token:",
        ),
    ]
    for src, t in stdin:
        add("password_stdin", src, t)

    flag_p = [
        ("ssh -p", "$ ssh -p 2222 deploy@bastion.corp.net 'df -h'"),
        ("scp -P", "$ scp -P 2222 -p dist/app.tar.gz deploy@10.20.3.14:/srv/releases/"),
        ("mysql -P", "$ mysql -h 127.0.0.1 -P 3306 -u app --ssl-mode=REQUIRED app"),
        ("docker -p", "$ docker run -d -p 8080:80 -p 127.0.0.1:5432:5432 --name web nginx:1.25"),
        ("cp -p", "+ cp -p config/app.yaml /etc/app/app.yaml\n+ mkdir -p /var/lib/app/cache"),
        (
            "git add -p",
            "$ git add -p app/settings.py\n(1/2) Stage this hunk [y,n,q,a,d,j,J,g,/,e,?]?",
        ),
        ("psql -p", "$ psql -h pg-primary.internal -p 6432 -U app -d app -c 'select 1'"),
        ("redis -p", "$ redis-cli -h cache -p 6380 --tls PING\nPONG"),
        (
            "ps -p",
            "$ ps -p 4242 -o pid,etime,cmd\n    PID     ELAPSED CMD\n   4242    03:12:44 /usr/bin/python3 -m worker",
        ),
        ("nc -p", "$ nc -l -p 4444 > received.tar"),
        ("kubectl -p", "$ kubectl logs api-7d9f8b-x2kq -p -c app --tail=50"),
        ("git log -p", "$ git log -p -1 --stat -- README.md"),
        ("sqlcmd -P flag only", "$ sqlcmd -S db01 -U sa -P\nPassword:"),
        (
            "http.server -b",
            "$ python -m http.server -b 0.0.0.0 8000\nServing HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...",
        ),
    ]
    for src, t in flag_p:
        add("dash_p_other", src, t)

    def vault_hex() -> str:
        return "\n".join(rs(HEX, 80) for _ in range(5))

    cipher = [
        (
            "ansible-vault",
            "$ cat group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n" + vault_hex(),
        ),
        (
            "sops",
            f"database:\n    password: ENC[AES256_GCM,data:{base64.b64encode(R.randbytes(18)).decode()},iv:{base64.b64encode(R.randbytes(32)).decode()},tag:{base64.b64encode(R.randbytes(16)).decode()},type:str]",
        ),
        (
            "openssl enc",
            f"$ openssl enc -aes-256-cbc -pbkdf2 -a -in note.txt -pass env:K\nU2FsdGVkX1{base64.b64encode(R.randbytes(48)).decode()}",
        ),
        (
            "pgp message",
            "-----BEGIN PGP MESSAGE-----\n\n"
            + "\n".join(rs(ALNUM + "+/", 64) for _ in range(4))
            + f"\n={rs(ALNUM, 4)}\n-----END PGP MESSAGE-----",
        ),
        (
            "sealed secret",
            f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec:\n  encryptedData:\n    password: Ag{base64.b64encode(R.randbytes(120)).decode()}",
        ),
        (
            "kms ciphertext",
            f"$ aws kms encrypt --key-id alias/app --plaintext fileb://pw.txt --query CiphertextBlob --output text\nAQICAHh{base64.b64encode(R.randbytes(90)).decode()}",
        ),
        (
            "age",
            "-----BEGIN AGE ENCRYPTED FILE-----\n"
            + "\n".join(rs(ALNUM + "+/", 64) for _ in range(3))
            + "\n-----END AGE ENCRYPTED FILE-----",
        ),
        (
            "bcrypt htpasswd",
            f"$ cat /etc/nginx/.htpasswd\nadmin:$2y$05${rs(ALNUM + './', 53)}\nops:$apr1${rs(ALNUM, 8)}${rs(ALNUM + './', 22)}",
        ),
        (
            "shadow",
            f"$ sudo getent shadow deploy\ndeploy:$6${rs(ALNUM, 16)}${rs(ALNUM + './', 86)}:19800:0:99999:7:::",
        ),
        ("jasypt", f"spring.datasource.password=ENC({base64.b64encode(R.randbytes(32)).decode()})"),
        (
            "git-crypt",
            "$ git diff HEAD~1 -- secrets.env\ndiff --git a/secrets.env b/secrets.env\nindex 3e1f0a2..9b7c4d1 100644\nBinary files a/secrets.env and b/secrets.env differ",
        ),
        (
            "chef encrypted data bag",
            f'{{\n  "id": "db",\n  "password": {{\n    "encrypted_data": "{base64.b64encode(R.randbytes(48)).decode()}",\n    "iv": "{base64.b64encode(R.randbytes(12)).decode()}",\n    "auth_tag": "{base64.b64encode(R.randbytes(16)).decode()}",\n    "version": 3,\n    "cipher": "aes-256-gcm"\n  }}\n}}',
        ),
    ]
    for src, t in cipher:
        add("ciphertext", src, t)

    for _ in range(2):
        add(
            "ci_noise",
            "gitlab cache",
            f'Checking cache for main-{rs(HEX, 40)}-non_protected...\nSuccessfully extracted cache\nUploading artifacts as "archive" to coordinator... 201 Created  id={R.randint(10**9, 10**10)} responseStatus=201 Created token={rs(ALNUM, 8)}',
        )
        add(
            "ci_noise",
            "actions cache",
            f"Cache restored from key: Linux-pip-{rs(HEX, 64)}\nRun actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11",
        )
        add(
            "ci_noise",
            "jenkins workspace",
            f"Running on agent-{rs(string.ascii_lowercase + string.digits, 5)} in /var/lib/jenkins/workspace/api_PR-{R.randint(100, 999)}@{rs(HEX, 8)}\n[Pipeline] checkout\nChecking out Revision {rs(HEX, 40)} (PR-{R.randint(100, 999)})",
        )
        add(
            "ci_noise",
            "buildkit",
            f"#8 [build 4/7] RUN pip install -r requirements.txt\n#8 CACHED\n#12 exporting layers 0.4s done\n#12 writing image sha256:{rs(HEX, 64)} done\n#12 naming to docker.io/acme/api:{rs(HEX, 7)} done",
        )
        add(
            "ci_noise",
            "terraform plan",
            f"aws_s3_bucket.logs: Refreshing state... [id=acme-logs-{rs(string.ascii_lowercase + string.digits, 12)}]\naws_iam_role.ci: Refreshing state... [id=ci-{rs(string.ascii_lowercase, 8)}]\nNo changes. Your infrastructure matches the configuration.",
        )
        add(
            "ci_noise",
            "npm audit",
            f"added 812 packages, and audited 813 packages in 14s\nfound 0 vulnerabilities\nnpm notice Publishing to https://registry.npmjs.org/ with tag latest and public access\n+ @acme/sdk@2.{R.randint(0, 9)}.{R.randint(0, 20)}",
        )
        add(
            "ci_noise",
            "base64 blob",
            f"$ kubectl get configmap app -o jsonpath='{{.binaryData.logo\\.png}}' | head -c 120\niVBORw0KGgoAAAANSUhEUgAA{base64.b64encode(R.randbytes(72)).decode()}",
        )
        add(
            "ci_noise",
            "go mod sum",
            f"github.com/stretchr/testify v1.9.0 h1:{base64.b64encode(R.randbytes(32)).decode()}\ngithub.com/stretchr/testify v1.9.0/go.mod h1:{base64.b64encode(R.randbytes(32)).decode()}",
        )

    code = [
        (
            "python def",
            "app/auth.py:40:def rotate_api_key(client_id: str, old_secret: str) -> ApiKey:",
        ),
        (
            "ts interface",
            "export interface Credentials {\n  accessKeyId: string;\n  secretAccessKey: string;\n  sessionToken?: string;\n}",
        ),
        (
            "go struct",
            'type Config struct {\n\tAPIKey   string `env:"API_KEY,required"`\n\tPassword string `env:"DB_PASSWORD"`\n}',
        ),
        (
            "stack trace",
            '  File "/app/venv/lib/python3.12/site-packages/stripe/_api_requestor.py", line 197, in _interpret_response\nstripe._error.AuthenticationError: Invalid API Key provided: sk_live_****************************abcd',
        ),
        (
            "java",
            "Caused by: java.lang.IllegalStateException: password must not be null\n\tat com.acme.db.PoolFactory.create(PoolFactory.java:58)",
        ),
        (
            "sql",
            "CREATE TABLE api_tokens (id uuid PRIMARY KEY, token_hash bytea NOT NULL, last_used_at timestamptz);",
        ),
        (
            "log message",
            "2024-05-01 10:00:03 WARN auth: token expired for user_id=48213, refreshing via /oauth/token",
        ),
        (
            "pytest name",
            "tests/test_auth.py::test_rejects_invalid_password PASSED                [ 42%]\ntests/test_auth.py::test_token_refresh_rotates_secret PASSED           [ 43%]",
        ),
        (
            "rust",
            "error[E0425]: cannot find value `secret_key` in this scope\n  --> src/signing.rs:31:22",
        ),
        (
            "regex",
            'SECRET_RE = re.compile(r"(?i)(api[_-]?key|token|secret)\\s*[:=]\\s*([A-Za-z0-9_\\-]{16,})")',
        ),
        (
            "eslint",
            "src/api/client.ts\n  12:7  error  'apiToken' is assigned a value but never used  @typescript-eslint/no-unused-vars",
        ),
        (
            "flag help",
            "      --token string      Bearer token for authentication to the API server\n      --password string   Password for basic authentication to the API server",
        ),
        (
            "k8s sa",
            "$ kubectl get sa ci -o yaml | grep -A2 secrets\nsecrets:\n- name: ci-token-x7k2p",
        ),
        ("make", "make[1]: Entering directory '/src/keys'\ncc -O2 -o keygen keygen.c -lcrypto"),
    ]
    for src, t in code:
        add("code_identifiers", src, t)
    return out


# ---------------------------------------------------------------- build


def build() -> dict[str, object]:
    cases: list[Case] = []
    for fmt, (var, gen) in VENDORS.items():
        ctxs = R.sample(GENERIC, 3)
        for ctx in ctxs:
            if fmt == "aws_secret_access_key" and ctx is c_axios:
                ctx = c_ps
            v = gen()
            cases.append(
                {"text": ctx(var, v), "secret": v, "format": fmt, "source": ctx.__name__[2:]}
            )
        for tpl in SPECIFIC.get(fmt, []):
            v = gen()
            text = tpl.replace("{ak}", rs(B32, 16)).replace("{sid}", rs(HEX, 32)).replace("{v}", v)
            cases.append({"text": text, "secret": v, "format": fmt, "source": tpl.split()[1]})
    for fmt, src, make, url in pw_cases():
        for _ in range(3):
            p = password(url)
            text = make(R.choice(USERS), R.choice(HOSTS), p)
            cases.append({"text": text, "secret": p, "format": fmt, "source": src})
    for fam, src, text in neg_cases():
        cases.append({"text": text, "secret": None, "format": fam, "source": src})
    for c in cases:
        s = c["secret"]
        assert s is None or s in (c["text"] or ""), c
    return {
        "about": (
            "Blind corpus 6 for execgate's scanner: secrets in less-common shell-tool output (CI logs, git "
            "diffs of committed config, pytest/axios/Go dumps, systemctl/ps/strace, crontab, archive and "
            "crypto CLIs). Values are seeded random in each format's documented prefix/length/alphabet/"
            "checksum; none is a live credential. Positives: 'secret' is the exact substring of 'text' "
            "that is the secret value. Negatives: secret null, format 'neg:<family>'."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
