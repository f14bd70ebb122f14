"""Build tests/context_corpus.json: secrets in the places agents meet them, written from
published format facts, not from execgate's rules.

    python benchmarks/context_corpus.py [--draw-code-lines SITE_PACKAGES_DIR]

Each case is one shell command, env dump line, config fragment, log or program output line,
holding at most one secret (its span marked) or none (a hard negative: a placeholder, a
mask, a name, a public value, a look-alike). The token shapes come from the vendors'
documentation and from other scanners' rule definitions (gitleaks
``cmd/generate/config/rules/*.go`` regexes, TruffleHog ``pkg/detectors/*/*.go`` patterns),
noted per case; the values are random (seeded), the contexts written by hand. Each batch was
scored before any rule was changed for it; the last batch, marked ``(blind)``, was written
after the rules (see docs/scanning.md, "Accuracy").
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import urllib.parse
import zlib
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "context_corpus.json"
#: Lines of public code that name a credential (``--draw-code-lines SITE_PACKAGES``).
CODE_LINES = Path(__file__).resolve().parent / "data" / "code_lines.json"

GL = "gitleaks+gitleaks@b58d3f1:cmd/generate/config/rules/"
TH = "trufflesecurity+trufflehog@3ab759f:pkg/detectors/"
DOC = "vendor-docs+written@sec:"

B62 = string.ascii_letters + string.digits
LOWER_NUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64 = B62 + "+/"
URLSAFE = B62 + "_-"
B62_DIGITS = string.digits + string.ascii_uppercase + string.ascii_lowercase


def build(seed: int = 25) -> list[dict[str, Any]]:
    rng = random.Random(seed)

    def r(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    cases: list[dict[str, Any]] = []

    def pos(fmt: str, text: str, secret: str, source: str) -> None:
        assert secret in text, (fmt, text)
        cases.append({"text": text, "secret": secret, "format": fmt, "source": source})

    def neg(fmt: str, text: str, source: str) -> None:
        cases.append({"text": text, "secret": None, "format": fmt, "source": source})

    # --- alibaba: LTAI access key ids (LTAI + 12..20), 30-character secrets -----------------
    src = GL + "alibaba.go; " + TH + "alibaba/alibaba.go"
    for kid in ("LTAI5t" + r(B62, 18), "LTAI4G" + r(B62, 18), "LTAI" + r(B62, 12)):
        pos(
            "alibaba",
            f"aliyun configure set --profile prod --mode AK --access-key-id {kid}",
            kid,
            src,
        )
    kid = "LTAI5t" + r(B62, 18)
    pos("alibaba", f"export ALIBABA_CLOUD_ACCESS_KEY_ID={kid}", kid, src)
    pos("alibaba", f'  "AccessKeyId": "{kid}",', kid, src)
    sec = r(B62, 30)
    pos("alibaba", f"aliyun configure set --access-key-secret {sec} --region cn-hangzhou", sec, src)
    sec = r(B62, 30)
    pos("alibaba", f"ALIBABA_CLOUD_ACCESS_KEY_SECRET={sec}", sec, src)
    sec = r(B62, 30)
    pos("alibaba", f'alicloud_secret_key = "{sec}"', sec, src)
    sec = r(B62, 30)
    pos("alibaba", f"ALICLOUD_SECRET_KEY={sec} terraform apply", sec, src)
    sec = r(B62, 30)
    pos("alibaba", f'{{"access_key_id": "LTAI", "access_key_secret": "{sec}"}}', sec, src)
    neg("alibaba", "AccessKeyId     : LTAI5t****************", src)
    neg("alibaba", "aliyun configure set --access-key-secret $ALIYUN_SECRET", src)
    neg("alibaba", "ALTAIR_HOME=/opt/altair/2024", src)
    neg("alibaba", "export ALIBABA_CLOUD_ACCESS_KEY_SECRET=<your-access-key-secret>", src)

    # --- atlassian: ATATT3 / ATCTT3 tokens, Jira/Confluence API tokens ------------------------
    src = GL + "atlassian.go; " + TH + "atlassian/v2/atlassian.go"
    for prefix in ("ATATT3xFfGF0", "ATCTT3xFfGN0"):
        tok = prefix + r(URLSAFE, 170) + "=" + r("0123456789ABCDEF", 8)
        pos("atlassian", f"export JIRA_API_TOKEN={tok}", tok, src)
        tok = prefix + r(URLSAFE, 170) + "=" + r("0123456789ABCDEF", 8)
        pos(
            "atlassian",
            f"curl -u me@corp.test:{tok} https://corp.atlassian.net/rest/api/3/myself",
            tok,
            src,
        )
        tok = prefix + r(URLSAFE, 170) + "=" + r("0123456789ABCDEF", 8)
        pos("atlassian", f"jira:\n  url: https://corp.atlassian.net\n  token: {tok}\n", tok, src)
        tok = prefix + r(URLSAFE, 170) + "=" + r("0123456789ABCDEF", 8)
        pos(
            "atlassian",
            f'curl -H "Authorization: Bearer {tok}" https://api.atlassian.com/admin/v1/orgs',
            tok,
            src,
        )
        tok = prefix + r(URLSAFE, 170) + "=" + r("0123456789ABCDEF", 8)
        pos("atlassian", f"created token {tok} (expires in 365 days)", tok, src)
    tok = r(B62, 24)
    pos("atlassian", f"CONFLUENCE_API_TOKEN={tok}", tok, src)
    neg("atlassian", "getPagesInConfluenceSpace,searchConfluenceUsingCql", src)
    neg("atlassian", "export JIRA_API_TOKEN=ATATT3xxxxxxxxxxxxxxxxxxxxxxxx", src)
    neg("atlassian", "JIRA_API_TOKEN=<your-atlassian-api-token>", src)

    # --- twitter: bearer tokens, consumer keys and secrets, access tokens -------------------
    src = GL + "twitter.go; " + TH + "twitter/v2/twitter_v2.go, twitterconsumerkey"
    for _ in range(2):
        bearer = "A" * 22 + r(B62, 16) + "%2B" + r(B62, 12) + "%3D" + r(B62, 50)
        pos(
            "twitter",
            f'curl -H "Authorization: Bearer {bearer}" https://api.twitter.com/2/tweets/20',
            bearer,
            src,
        )
        bearer = "A" * 22 + r(B62, 16) + "%3D" + r(B62, 52)
        pos("twitter", f"TWITTER_BEARER_TOKEN={bearer}", bearer, src)
    key = r(B62, 25)
    pos("twitter", f"TWITTER_CONSUMER_KEY={key}", key, src)
    key = r(B62, 25)
    pos("twitter", f'twitter_api_key = "{key}"', key, src)
    sec = r(B62, 50)
    pos("twitter", f"TWITTER_CONSUMER_SECRET={sec}", sec, src)
    sec = r(B62, 50)
    pos("twitter", f'  "twitter": {{"consumer_secret": "{sec}"}}', sec, src)
    acc = str(rng.randint(10**17, 10**19)) + "-" + r(B62, 40)
    pos("twitter", f"export TWITTER_ACCESS_TOKEN={acc}", acc, src)
    sec = r(B62, 45)
    pos("twitter", f"TWITTER_ACCESS_TOKEN_SECRET={sec}", sec, src)
    sec = r(B62, 45)
    pos("twitter", f"twurl authorize --consumer-key {r(B62, 25)} --consumer-secret {sec}", sec, src)
    neg("twitter", "TWITTER_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAA...", src)
    neg("twitter", 'twitter_handle = "@OpenSourceProjectAccount"', src)
    neg("twitter", '<meta name="twitter:card" content="summary_large_image">', src)

    # --- fly.io: FlyV1 macaroon tokens and fo1_ tokens ---------------------------------------
    src = GL + "flyio.go; " + TH + "flyio/flyio.go"

    def fly() -> str:
        return f"fm2_{r(B64, 300)}==,fm2_{r(B64, 220)}"

    for _ in range(2):
        tok = fly()
        pos("flyio", f'FLY_API_TOKEN="FlyV1 {tok}"', tok, src)
        tok = fly()
        pos("flyio", f"$ fly tokens create deploy -x 999999h\nFlyV1 {tok}\n", tok, src)
    tok = fly()
    pos("flyio", f"curl -H 'Authorization: FlyV1 {tok}' https://api.machines.dev/v1/apps", tok, src)
    tok = "fm1r_" + r(B64, 400) + "="
    pos("flyio", f"      FLY_API_TOKEN: FlyV1 {tok}", tok, src)
    tok = "fo1_" + r(URLSAFE, 43)
    pos("flyio", f"fly auth token\n{tok}\n", tok, src)
    tok = "fo1_" + r(URLSAFE, 43)
    pos("flyio", f"flyctl deploy --access-token {tok}", tok, src)
    neg("flyio", 'api_key = "fo1_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', src)
    neg("flyio", "FLY_API_TOKEN=FlyV1 fm2_...", src)
    neg("flyio", "pub const MINIDUMP_SYSMEMINFO1_PERF_CCTOTALDIRTYPAGES: u32 = 4u32;", src)

    # --- hashicorp: vault service/batch tokens, terraform cloud tokens -----------------------
    src = GL + "hashicorp.go; " + TH + "hashicorpvault/*, terraformcloudpersonaltoken"
    for _ in range(2):
        tok = "hvs.CAESI" + r(URLSAFE, 86)
        pos("hashicorp", f"export VAULT_TOKEN={tok}", tok, src)
        tok = "hvs." + r(URLSAFE, 24)
        pos("hashicorp", f"vault login {tok}", tok, src)
    tok = "hvb.AAAAAQ" + r(URLSAFE, 120)
    pos(
        "hashicorp",
        f"curl -H 'X-Vault-Token: {tok}' https://vault.corp.test:8200/v1/secret/data/app",
        tok,
        src,
    )
    tok = "hvs." + r(URLSAFE, 24)
    pos(
        "hashicorp",
        f"Key                  Value\n---                  -----\ntoken                {tok}\ntoken_accessor       {r(B62, 24)}\ntoken_duration       768h\n",
        tok,
        src,
    )
    tok = "s." + r(B62, 24)
    pos("hashicorp", f"VAULT_TOKEN={tok} vault kv get secret/app", tok, src)
    for _ in range(2):
        tok = r(B62, 14) + ".atlasv1." + r(B62, 67)
        pos("hashicorp", f'credentials "app.terraform.io" {{\n  token = "{tok}"\n}}', tok, src)
        tok = r(B62, 14) + ".atlasv1." + r(B62, 67)
        pos("hashicorp", f"export TF_TOKEN_app_terraform_io={tok}", tok, src)
    neg(
        "hashicorp",
        'token        = "xxxxxxxxxxxxxx.atlasv1.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
        src,
    )
    neg("hashicorp", "vault login -method=oidc role=dev", src)
    neg("hashicorp", "export VAULT_TOKEN=$(cat ~/.vault-token)", src)
    neg("hashicorp", "token_accessor       hmac-sha256:abc", src)

    # --- AWS AppSync API keys: da2- + 26 --------------------------------------------------
    src = DOC + "docs.aws.amazon.com/appsync/latest/devguide/security-authz.html#api-key"
    for _ in range(2):
        key = "da2-" + r(LOWER_NUM, 26)
        pos(
            "aws-appsync",
            f"curl -XPOST -H 'x-api-key: {key}' https://abc.appsync-api.us-east-1.amazonaws.com/graphql",
            key,
            src,
        )
        key = "da2-" + r(LOWER_NUM, 26)
        pos("aws-appsync", f'    "aws_appsync_apiKey": "{key}",', key, src)
        key = "da2-" + r(LOWER_NUM, 26)
        pos("aws-appsync", f"APPSYNC_API_KEY={key}", key, src)
        key = "da2-" + r(LOWER_NUM, 26)
        pos("aws-appsync", f'{{"apiKey": {{"id": "{key}", "expires": 1767225600}}}}', key, src)
    neg("aws-appsync", "aws appsync create-api-key --api-id abcdefghijklmnopqrstuvwxyz", src)
    neg("aws-appsync", "x-api-key: da2-xxxxxxxxxxxxxxxxxxxxxxxxxx", src)

    # --- Azure SAS tokens, service bus / event hub shared access keys ----------------------
    src = (
        DOC
        + "learn.microsoft.com/azure/storage/common/storage-sas-overview; "
        + TH
        + "azuresastoken"
    )

    def sig() -> str:
        raw = base64.b64encode(bytes(rng.randrange(256) for _ in range(32))).decode()
        return urllib.parse.quote(raw, safe="")

    for _ in range(2):
        s = sig()
        pos(
            "azure-sas",
            f'azcopy copy ./dist "https://acct.blob.core.windows.net/web?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2026-12-31T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig={s}" --recursive',
            s,
            src,
        )
        s = sig()
        pos(
            "azure-sas",
            f"AZURE_STORAGE_SAS_TOKEN=sv=2021-06-08&ss=bfqt&srt=sco&sp=rl&se=2026-06-01T00:00:00Z&spr=https&sig={s}",
            s,
            src,
        )
        s = sig()
        pos(
            "azure-sas",
            f'"sasToken": "?sp=r&st=2026-03-01T00:00:00Z&se=2026-03-02T00:00:00Z&spr=https&sv=2022-11-02&sr=b&sig={s}"',
            s,
            src,
        )
        key = base64.b64encode(bytes(rng.randrange(256) for _ in range(32))).decode()
        pos(
            "azure-sas",
            f"Endpoint=sb://corp-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}",
            key,
            src,
        )
    s = sig()
    pos(
        "azure-sas",
        f"az storage blob download --sas-token 'se=2026-12-31&sp=r&sv=2022-11-02&sr=c&sig={s}' -c data -n a.csv",
        s,
        src,
    )
    neg(
        "azure-sas",
        "az storage container generate-sas --name data --permissions r --expiry 2026-12-31",
        src,
    )
    neg("azure-sas", "https://acct.blob.core.windows.net/web?sv=2022-11-02&sig=<signature>", src)
    neg(
        "azure-sas",
        "Endpoint=sb://corp-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=<key>",
        src,
    )
    neg("azure-sas", "gpg --verify release.tar.gz.sig release.tar.gz", src)

    # --- Azure storage account keys -------------------------------------------------------
    src = DOC + "learn.microsoft.com/azure/storage/common/storage-configure-connection-string"

    def azkey() -> str:
        return base64.b64encode(bytes(rng.randrange(256) for _ in range(64))).decode()

    k = azkey()
    pos(
        "azure-storage",
        f"DefaultEndpointsProtocol=https;AccountName=corpdata;AccountKey={k};EndpointSuffix=core.windows.net",
        k,
        src,
    )
    k = azkey()
    pos("azure-storage", f"export AZURE_STORAGE_KEY={k}", k, src)
    k = azkey()
    pos(
        "azure-storage",
        f"az storage blob list -c logs --account-name corpdata --account-key {k}",
        k,
        src,
    )
    k = azkey()
    pos("azure-storage", f'  "storageAccountKey": "{k}",', k, src)
    k = azkey()
    pos(
        "azure-storage",
        f'[\n  {{\n    "keyName": "key1",\n    "permissions": "FULL",\n    "value": "{k}"\n  }}\n]',
        k,
        src,
    )
    k = azkey()
    pos(
        "azure-storage",
        f"AZURE_STORAGE_CONNECTION_STRING='DefaultEndpointsProtocol=https;AccountName=corpdata;AccountKey={k}'",
        k,
        src,
    )
    neg("azure-storage", "UseDevelopmentStorage=true", src)
    neg(
        "azure-storage",
        "DefaultEndpointsProtocol=https;AccountName=corpdata;AccountKey=<storage-account-key>;EndpointSuffix=core.windows.net",
        src,
    )

    # --- docker auth config, escaped ------------------------------------------------------
    src = (
        DOC
        + "docs.gitlab.com/ci/docker/using_docker_images/#determine-your-docker_auth_config-data"
    )
    for user in ("gitlab-ci-token", "deploy", "_json_key"):
        auth = base64.b64encode(f"{user}:{r(B62, 24)}".encode()).decode()
        pos(
            "docker",
            f'DOCKER_AUTH_CONFIG={{\\"auths\\":{{\\"registry.gitlab.com\\":{{\\"auth\\":\\"{auth}\\"}}}}}}',
            auth,
            src,
        )
    auth = base64.b64encode(f"ci:{r(B62, 20)}".encode()).decode()
    pos(
        "docker",
        f'echo "{{\\"auths\\": {{\\"ghcr.io\\": {{\\"auth\\": \\"{auth}\\"}}}}}}" > ~/.docker/config.json',
        auth,
        src,
    )
    auth = base64.b64encode(f"robot$ci:{r(B62, 32)}".encode()).decode()
    pos(
        "docker",
        f'{{\n  "auths": {{\n    "harbor.corp.test": {{\n      "auth": "{auth}"\n    }}\n  }}\n}}',
        auth,
        src,
    )
    neg("docker", '{"auths":{"registry.gitlab.com":{"auth":"<base64 user:token>"}}}', src)
    neg("docker", '{"credsStore": "desktop", "auths": {"https://index.docker.io/v1/": {}}}', src)

    # --- PHP define / config arrays ------------------------------------------------------
    src = DOC + "developer.wordpress.org/apis/wp-config-php/"
    pw = r(B62, 10) + "!" + r(B62, 3)
    pos("php", f"define('DB_PASSWORD', '{pw}');", pw, src)
    pw = r(B62, 14)
    pos("php", f'define( "DB_PASSWORD", "{pw}" );', pw, src)
    salt = r(B62 + "!@#$%^&*()-_[]{}<>~`+=,.;:/?|", 64).replace("'", "x").replace("\\", "x")
    pos("php", f"define('AUTH_KEY',         '{salt}');", salt, src)
    key = "sk_live_" + r(B62, 24)
    pos("php", f"define('STRIPE_SECRET_KEY', '{key}');", key, src)
    pw = r(B62, 12)
    pos("php", f"    'password' => '{pw}',", pw, src)
    pw = r(B62, 12)
    pos("php", f"$db_password = '{pw}';", pw, src)
    neg("php", "define('DB_PASSWORD', getenv('DB_PASSWORD'));", src)
    neg("php", "define('DB_PASSWORD', 'password_here');", src)
    neg("php", "define('AUTH_KEY', 'put your unique phrase here');", src)
    neg("php", "define('DB_USER', 'wordpress');", src)

    # --- cookies ---------------------------------------------------------------------------
    src = DOC + "developer.mozilla.org/docs/Web/HTTP/Headers/Cookie"
    sid = r(LOWER_NUM, 32)
    pos("cookie", f"curl -b 'PHPSESSID={sid}' https://shop.test/cart", sid, src)
    sid = r(URLSAFE, 43)
    pos("cookie", f'curl https://app.test/api/me -H "Cookie: theme=dark; session={sid}"', sid, src)
    sid = "s%3A" + r(URLSAFE, 32) + "." + r(URLSAFE, 43)
    pos("cookie", f"Set-Cookie: connect.sid={sid}; Path=/; HttpOnly; Secure", sid, src)
    sid = r("0123456789ABCDEF", 32)
    pos("cookie", f"curl --cookie JSESSIONID={sid} http://intranet.test:8080/app", sid, src)
    sid = r(URLSAFE, 120)
    pos(
        "cookie",
        f"< set-cookie: __Secure-next-auth.session-token={sid}; Path=/; Expires=Fri, 01 Jan 2027 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
        sid,
        src,
    )
    sid = r(B62, 40)
    pos(
        "cookie",
        f"Cookie: _ga=GA1.2.123456789.1700000000; user_session={sid}; logged_in=yes",
        sid,
        src,
    )
    sid = r(B62, 64)
    pos("cookie", f"http GET https://api.test/me 'Cookie:sessionid={sid}'", sid, src)
    neg("cookie", "Cookie: theme=dark; lang=en-US; tz=Europe%2FBerlin", src)
    neg("cookie", "Set-Cookie: session=deleted; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/", src)
    neg("cookie", "curl -b cookies.txt -c cookies.txt https://app.test/login", src)
    neg("cookie", 'curl -H "Cookie: session=$SESSION" https://app.test/api', src)
    neg("cookie", "Set-Cookie: cookieconsent_status=dismiss; Path=/; Max-Age=31536000", src)

    # --- the issue's classes, in agents' shapes ----------------------------------------------
    src = DOC + "execgate issue 25 classes"
    pw = r(B62, 8) + "#" + r(B62, 4)
    pos("password", f"curl -sS -u admin:'{pw}' https://jenkins.corp.test/api/json", pw, src)
    pw = r(B62, 12)
    pos("password", f"mysql -h db.corp.test -u app -p'{pw}' app_prod -e 'select 1'", pw, src)
    pw = r(B62, 11)
    pos("password", f"echo '{pw}' | sudo -S systemctl restart nginx", pw, src)
    pw = r(B62, 10)
    pos("password", f"PGPASSWORD={pw} psql -h db -U postgres -c '\\l'", pw, src)
    # a Discord bot token: the base64 of the bot's user id, a timestamp, an HMAC
    uid = str(rng.randint(10**17, 10**18))
    tok = (
        base64.b64encode(uid.encode()).decode().rstrip("=")
        + "."
        + r(URLSAFE, 6)
        + "."
        + r(URLSAFE, 38)
    )
    pos(
        "discord",
        f'curl -H "Authorization: Bot {tok}" https://discord.com/api/v10/users/@me',
        tok,
        src,
    )
    tok = f"{rng.randint(10**9, 10**10 - 1)}:AA{r(URLSAFE, 33)}"
    pos(
        "telegram",
        f"curl -s https://api.telegram.org/bot{tok}/sendMessage -d chat_id=1 -d text=hi",
        tok,
        src,
    )
    sid, tw = "AC" + r(HEX, 32), r(HEX, 32)
    pos(
        "twilio",
        f"curl -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json -u {sid}:{tw}",
        tw,
        src,
    )
    sk = r(B64, 40)
    pos("aws", f"aws configure set aws_secret_access_key '{sk}' --profile ci", sk, src)
    sk = r(B64, 40)
    pos("aws", f"[default]\naws_access_key_id = AKIA\naws_secret_access_key = {sk}\n", sk, src)
    key = r(B62, 32)
    pos("api-key", f"mytool deploy --api-key {key} --env prod", key, src)
    key = r(B62, 24)
    pos("api-key", f"fly secrets set OPENWEATHER_KEY={key} -a weather-app", key, src)
    tok = "dapi" + r(HEX, 32)
    pos("databricks", f"databricks configure --token <<< '{tok}'", tok, src)
    tok = "dapi" + r(HEX, 32) + "-2"
    pos("databricks", f"export DATABRICKS_TOKEN={tok}", tok, src)
    pw = r(B62, 6) + "%40" + r(B62, 5) + "%23"
    pos("database-url", f"psql 'postgresql://app:{pw}@db.corp.test:5432/app'", pw, src)
    pw = r(B62, 20)
    pos("database-url", f"REDIS_URL=redis://:{pw}@cache.corp.test:6379/0", pw, src)
    pw = r(B62, 16)
    pos(
        "database-url",
        f"mongodb+srv://svc:{pw}@cluster0.ab1cd.mongodb.net/?retryWrites=true",
        pw,
        src,
    )
    # hard negatives of the families
    neg("negatives", "TOKEN=abcdefghijklmnopqrstu", src)
    neg("negatives", "export PASSWORD=0123456789abcdef", src)
    neg("negatives", "OPENAI_API_KEY=sk-...2182d4f", src)
    neg("negatives", "gcloud secrets versions access latest --secret=api-key-name", src)
    neg(
        "negatives",
        "-----BEGIN RSA PRIVATE KEY-----\n<paste your private key here>\n-----END RSA PRIVATE KEY-----",
        src,
    )
    neg(
        "negatives",
        "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231336539666234306139346433\n",
        src,
    )
    neg("negatives", "SLACK_BOT_TOKEN=xoxb-not-a-real-token-0000", src)
    neg("negatives", "mysql -u root -p", src)
    neg("negatives", 'curl -u "$API_USER:$API_PASS" https://api.test', src)
    neg("negatives", "redis://localhost:6379/0", src)
    neg("negatives", "postgresql://app@db.corp.test:5432/app", src)
    neg("negatives", "aws configure get aws_secret_access_key --profile ci", src)
    # --- second batch: more shells and config formats --------------------------------------
    src = (
        DOC
        + "learn.microsoft.com/powershell/module/microsoft.powershell.security/convertto-securestring"
    )
    pw = r(B62, 10) + "!"
    pos("password", f"$pw = ConvertTo-SecureString '{pw}' -AsPlainText -Force", pw, src)
    pw = r(B62, 12)
    pos(
        "password",
        f'$cred = New-Object PSCredential("admin", (ConvertTo-SecureString -String "{pw}" -AsPlainText -Force))',
        pw,
        src,
    )
    neg("password", "$pw = ConvertTo-SecureString $env:ADMIN_PASSWORD -AsPlainText -Force", src)
    neg("password", "$pw = Read-Host -AsSecureString | ConvertFrom-SecureString", src)
    src = DOC + "learn.microsoft.com/windows-server/administration/windows-commands/net-user"
    pw = r(B62, 9) + "#1"
    pos("password", f"net user svc_backup {pw} /add /domain", pw, src)
    neg("password", "net user svc_backup /delete", src)
    neg("password", "net user svc_backup * /add", src)
    src = DOC + "learn.microsoft.com/cli/azure/authenticate-azure-cli-service-principal"
    sec = r(B62 + "~._-", 3) + "8Q~" + r(B62 + "~._-", 34)
    pos(
        "azure",
        f"az login --service-principal -u 11111111-2222-3333-4444-555555555555 -p {sec} --tenant corp.onmicrosoft.com",
        sec,
        src,
    )
    sec = r(B62, 32)
    pos(
        "password", f"az login --service-principal -u http://ci-app -p '{sec}' --tenant t", sec, src
    )
    neg(
        "password",
        "az login --service-principal -u $APP_ID -p $CLIENT_SECRET --tenant $TENANT",
        src,
    )
    src = DOC + "docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html"
    tok = "IQoJb3JpZ2luX2VjE" + r(B64, 700) + "=="
    pos("aws", f"export AWS_SESSION_TOKEN={tok}", tok, src)
    tok = "FwoGZXIvYXdzE" + r(B64, 300)
    pos("aws", f'  "SessionToken": "{tok}",', tok, src)
    src = DOC + "www.postgresql.org/docs/current/libpq-pgpass.html"
    pw = r(B62, 14)
    pos(
        "password",
        f"echo 'db.corp.test:5432:app:app_rw:{pw}' > ~/.pgpass && chmod 600 ~/.pgpass",
        pw,
        src,
    )
    neg("password", "echo 'localhost:5432:*:postgres:*' >> ~/.pgpass", src)
    src = (
        DOC + "learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlconnection.connectionstring"
    )
    pw = r(B62, 12) + "!"
    pos(
        "password",
        f'"DefaultConnection": "Server=tcp:sql.corp.test,1433;Database=app;User ID=app;Password={pw};Encrypt=True;"',
        pw,
        src,
    )
    pw = r(B62, 12)
    pos(
        "password",
        f"jdbc:mysql://db.corp.test:3306/app?user=app&password={pw}&useSSL=true",
        pw,
        src,
    )
    neg(
        "password",
        '"DefaultConnection": "Server=(localdb)\\\\mssqllocaldb;Database=app;Trusted_Connection=True;"',
        src,
    )
    src = DOC + "cloud.google.com/iam/docs/keys-create-delete"
    body = "\\n".join(r(B64, 64) for _ in range(6))
    pem = f"-----BEGIN PRIVATE KEY-----\\nMIIEv{body}\\n-----END PRIVATE KEY-----\\n"
    pos(
        "private-key",
        f'{{"type": "service_account", "project_id": "corp-prod", "private_key_id": "{r(HEX, 40)}", "private_key": "{pem}", "client_email": "ci@corp-prod.iam.gserviceaccount.com"}}',
        pem,
        src,
    )
    neg(
        "private-key",
        '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n<your key>\\n-----END PRIVATE KEY-----\\n"}',
        src,
    )
    src = DOC + "cli.github.com/manual/gh_auth_login"
    tok = "gho_" + r(B62, 36)
    pos("github", f"gh auth login --with-token <<< {tok}", tok, src)
    src = DOC + "docs.npmjs.com/cli/configuring-npm/npmrc#auth-related-configuration"
    auth = base64.b64encode(f"ci:{r(B62, 20)}".encode()).decode()
    pos("npm", f"//npm.corp.test/:_auth={auth}", auth, src)
    pw = base64.b64encode(r(B62, 16).encode()).decode()
    pos("npm", f"//npm.corp.test/:_password={pw}", pw, src)
    neg("npm", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}", src)
    src = DOC + "docs.ansible.com/ansible/latest/inventory_guide/intro_inventory.html"
    pw = r(B62, 12)
    pos("password", f"ansible-playbook site.yml -e 'ansible_become_pass={pw}'", pw, src)
    pw = r(B62, 12)
    pos(
        "password", f"web1 ansible_host=10.0.0.5 ansible_user=deploy ansible_password={pw}", pw, src
    )
    src = DOC + "redis.io/docs/latest/commands/auth/"
    pw = r(B62, 20)
    pos("password", f"redis-cli -h cache.corp.test --pass {pw} ping", pw, src)
    pw = r(B62, 20)
    pos("password", f"127.0.0.1:6379> AUTH default {pw}\nOK", pw, src)
    neg("password", "127.0.0.1:6379> AUTH\n(error) ERR wrong number of arguments", src)
    # --- third batch: what commands print that only looks like a secret ----------------------
    src = DOC + "hub.docker.com/_/python (image env), docs.github.com/actions (masked logs)"
    neg(
        "env-dump",
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\nPYTHON_VERSION=3.12.8\nPYTHON_SHA256=c909157bb25ec114e5869124cc2a9c4a4d4c1e957ca4ff553f1edc692101154e",
        src,
    )
    neg("env-dump", "NODE_AUTH_TOKEN=XXXXX-XXXXX-XXXXX-XXXXX", src)
    neg(
        "env-dump",
        "GITHUB_TOKEN=***\nACTIONS_RUNTIME_URL=https://pipelines.actions.githubusercontent.com/abc/",
        src,
    )
    neg(
        "env-dump",
        "KUBERNETES_SERVICE_HOST=10.96.0.1\nKUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443\nHOSTNAME=web-7d9f8c6b5-x2k4q",
        src,
    )
    neg("env-dump", "AWS_ACCESS_KEY_ID=\nAWS_SECRET_ACCESS_KEY=\nAWS_SESSION_TOKEN=", src)
    neg("env-dump", "SSH_AUTH_SOCK=/tmp/ssh-XXXXXXkqcx3b/agent.1234", src)
    neg("env-dump", "TOKEN_ENDPOINT=https://oauth2.googleapis.com/token", src)
    neg("env-dump", "PASSWORD_MIN_LENGTH=12\nSECRET_ROTATION_DAYS=90", src)
    src = DOC + "git-scm.com/docs/git-log, docs.docker.com/reference/cli/docker/image/ls"
    neg(
        "output",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8\nAuthor: Dev <dev@corp.test>",
        src,
    )
    neg(
        "output",
        "nginx        latest    sha256:2d194184b067db3598771b4cf326cfe6ad5051937ba1132b8b7d4b0184e0d0a6   2 weeks ago   187MB",
        src,
    )
    neg(
        "output",
        '"integrity": "sha512-3ZsnuUG0Xh4I1BzVf0UWGOSZrS5Tn1m+4CsK7xBFUmtg5Gfzbz9GTIl9CHuXTIL0XIaCj8hsP5aJXMPLzb49Lg==",',
        src,
    )
    neg(
        "output",
        "requests==2.32.3 --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6",
        src,
    )
    neg(
        "output",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl dev@laptop",
        src,
    )
    neg(
        "output",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----",
        src,
    )
    neg(
        "output",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Y5\n-----END CERTIFICATE-----",
        src,
    )
    neg(
        "output",
        "x-amzn-RequestId: 8d1f6a3c-9b2e-4f71-a5c3-0e6d7b8a9c1f\nx-amz-cf-id: kBqMwJ8L9fVnT3rX2yZ4aE6cH1dG5jK7lM0nP8qR",
        src,
    )
    neg("output", "Your token has been saved to /home/dev/.cache/huggingface/token", src)
    neg("output", "  password = (sensitive value)\n  api_token = (known after apply)", src)
    neg("output", "Login Succeeded", src)
    neg(
        "output",
        "pub   rsa4096 2019-05-12 [SC]\n      3B4FE6ACC0B21F32A0A28F1C6F6E8E2D9C7B1A54",
        src,
    )
    neg(
        "output",
        'resourceVersion: "184467440737095"\nuid: 3f2b8c7e-5a1d-4e9f-b6c0-7d8e9f0a1b2c',
        src,
    )
    neg("output", "Set-Cookie: AWSALB=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT", src)
    neg(
        "output",
        "grpc-status: 0\nx-envoy-upstream-service-time: 12\nx-request-id: 0f3c9a7e2b1d4c5f8a6e9b0d1c2f3a4e",
        src,
    )
    neg("code", "token = request.headers.get('Authorization', '').removeprefix('Bearer ')", src)
    neg("code", "const password = await getSecret('db-password');", src)
    neg("code", "if (apiKey === undefined) throw new Error('API_KEY is not set');", src)
    neg("code", "password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt())", src)
    neg("code", "secret_key_ref:\n  name: app-secrets\n  key: stripe-api-key", src)
    neg("code", "kubectl get secret db-credentials -o jsonpath='{.data.password}' | base64 -d", src)
    neg("code", "$ export OPENAI_API_KEY=sk-proj-****************************************abcd", src)
    neg(
        "code",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        src,
    )
    neg("code", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", src)
    neg("code", "DATABASE_URL=postgres://user:password@localhost:5432/app", src)
    neg("code", "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_test", src)
    neg("code", "mysql://root:root@127.0.0.1:3306/test", src)
    # and what they print that is a secret
    tok = "ghs_" + r(B62, 36)
    pos("env-dump", f"GITHUB_ACTIONS=true\nGH_TOKEN={tok}\nRUNNER_OS=Linux", tok, src)
    sec = r(B62, 40)
    pos("env-dump", f"HOSTNAME=web-1\nSECRET_KEY_BASE={sec}\nRAILS_ENV=production", sec, src)
    sec = "django-insecure-" + r(string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)", 50)
    pos("env-dump", f"DJANGO_SECRET_KEY='{sec}'", sec, src)

    # --- fourth batch: vendor formats in agents' contexts ---------------------------------
    def crc(prefix: str) -> str:
        body = r(B62, 30)
        n, out = zlib.crc32(body.encode()), ""
        while n:
            n, d = divmod(n, 62)
            out = B62_DIGITS[d] + out
        return prefix + body + out.rjust(6, "0")

    contexts = (
        "export {name}={v}",
        'docker run -e {name}="{v}" app:latest',
        '{{"{name}": "{v}"}}',
        "  {name}: {v}",
        "curl -sH 'Authorization: Bearer {v}' https://api.test/v1/me",
        "Step 3/9 : ENV {name}={v}",
        'printf "%s" "{v}" | gh secret set {name}',
        "echo {name}={v} >> .env",
    )
    formats: list[tuple[str, str, str, str]] = [
        ("datadog", "DD_API_KEY", r(HEX, 32), GL + "datadog.go"),
        ("mailchimp", "MAILCHIMP_API_KEY", r(HEX, 32) + "-us21", GL + "mailchimp.go"),
        ("mailgun", "MAILGUN_API_KEY", "key-" + r(HEX, 32), GL + "mailgun.go"),
        ("newrelic", "NEW_RELIC_LICENSE_KEY", r(HEX, 36) + "NRAL", GL + "newrelic.go"),
        (
            "newrelic",
            "NEW_RELIC_API_KEY",
            "NRAK-" + r(string.ascii_uppercase + string.digits, 27),
            GL + "newrelic.go",
        ),
        ("sentry", "SENTRY_AUTH_TOKEN", "sntryu_" + r(HEX, 64), GL + "sentry.go"),
        ("shopify", "SHOPIFY_ACCESS_TOKEN", "shpat_" + r(HEX, 32), GL + "shopify.go"),
        ("square", "SQUARE_ACCESS_TOKEN", "EAAA" + r(URLSAFE, 60), GL + "square.go"),
        ("supabase", "SUPABASE_ACCESS_TOKEN", "sbp_" + r(HEX, 40), GL + "supabase.go"),
        ("pulumi", "PULUMI_ACCESS_TOKEN", "pul-" + r(HEX, 40), GL + "pulumi.go"),
        ("doppler", "DOPPLER_TOKEN", "dp.st.prd." + r(B62, 43), GL + "doppler.go"),
        ("dropbox", "DROPBOX_TOKEN", "sl." + r(URLSAFE, 138), GL + "dropbox.go"),
        (
            "dropbox",
            "DROPBOX_ACCESS_TOKEN",
            "sl.u." + r(URLSAFE, 150),
            DOC + "dropbox.com/developers/documentation/http/documentation",
        ),
        (
            "mapbox",
            "MAPBOX_SECRET_TOKEN",
            "sk.eyJ1IjoiY29ycCIsImEiOiJ" + r(URLSAFE, 30) + "." + r(URLSAFE, 22),
            GL + "mapbox.go",
        ),
        ("heroku", "HEROKU_API_KEY", "HRKU-" + r(URLSAFE, 60), GL + "heroku.go"),
        (
            "heroku",
            "HEROKU_API_KEY",
            f"{r(HEX, 8)}-{r(HEX, 4)}-{r(HEX, 4)}-{r(HEX, 4)}-{r(HEX, 12)}",
            GL + "heroku.go",
        ),
        ("linear", "LINEAR_API_KEY", "lin_api_" + r(B62, 40), GL + "linear.go"),
        ("notion", "NOTION_TOKEN", "ntn_" + r(string.digits, 11) + r(B62, 35), GL + "notion.go"),
        ("airtable", "AIRTABLE_TOKEN", "pat" + r(B62, 14) + "." + r(HEX, 64), GL + "airtable.go"),
        ("postman", "POSTMAN_API_KEY", "PMAK-" + r(HEX, 24) + "-" + r(HEX, 34), GL + "postman.go"),
        (
            "planetscale",
            "PLANETSCALE_SERVICE_TOKEN",
            "pscale_tkn_" + r(URLSAFE, 43),
            GL + "planetscale.go",
        ),
        ("rubygems", "GEM_HOST_API_KEY", "rubygems_" + r(HEX, 48), GL + "rubygems.go"),
        ("pypi", "TWINE_PASSWORD", "pypi-AgEIcHlwaS5vcmc" + r(URLSAFE, 70), GL + "pypi.go"),
        ("npm", "NPM_TOKEN", crc("npm_"), GL + "npm.go"),
        ("github", "GITHUB_TOKEN", crc("ghp_"), GL + "github.go"),
        ("github", "GH_TOKEN", "github_pat_" + r(B62, 22) + "_" + r(B62, 59), GL + "github.go"),
        ("gitlab", "GITLAB_TOKEN", "glpat-" + r(URLSAFE, 20), GL + "gitlab.go"),
        ("huggingface", "HF_TOKEN", "hf_" + r(B62, 34), GL + "huggingface.go"),
        ("grafana", "GRAFANA_TOKEN", "glsa_" + r(B62, 32) + "_" + r(HEX, 8), GL + "grafana.go"),
        (
            "digitalocean",
            "DIGITALOCEAN_ACCESS_TOKEN",
            "dop_v1_" + r(HEX, 64),
            GL + "digitalocean.go",
        ),
        ("google", "GOOGLE_API_KEY", "AIza" + r(URLSAFE, 35), GL + "gcp.go"),
        (
            "slack",
            "SLACK_BOT_TOKEN",
            f"xoxb-{r(string.digits, 12)}-{r(string.digits, 13)}-{r(B62, 24)}",
            GL + "slack.go",
        ),
        ("stripe", "STRIPE_SECRET_KEY", "sk_live_" + r(B62, 99), GL + "stripe.go"),
        (
            "sendgrid",
            "SENDGRID_API_KEY",
            "SG." + r(URLSAFE, 22) + "." + r(URLSAFE, 43),
            GL + "sendgrid.go",
        ),
        (
            "anthropic",
            "ANTHROPIC_API_KEY",
            "sk-ant-api03-" + r(URLSAFE, 93) + "AA",
            GL + "anthropic.go",
        ),
        (
            "openai",
            "OPENAI_API_KEY",
            "sk-proj-" + r(URLSAFE, 74) + "T3BlbkFJ" + r(URLSAFE, 74),
            GL + "openai.go",
        ),
        ("databricks", "DATABRICKS_TOKEN", "dapi" + r(HEX, 32), GL + "databricks.go"),
        ("facebook", "FACEBOOK_ACCESS_TOKEN", "EAA" + r(B62, 180), GL + "facebook.go"),
        ("twilio", "TWILIO_API_KEY", "SK" + r(HEX, 32), GL + "twilio.go"),
        (
            "telegram",
            "TELEGRAM_BOT_TOKEN",
            f"{rng.randint(10**8, 10**10 - 1)}:AA{r(URLSAFE, 33)}",
            GL + "telegram.go",
        ),
    ]
    for i, (fmt, name, value, source) in enumerate(formats):
        for j in (0, 1):
            template = contexts[(2 * i + j) % len(contexts)]
            pos(fmt, template.format(name=name, v=value), value, source)
    # the same names holding what is not a secret
    for fmt, name, _value, source in formats[::4]:
        neg(fmt, f"export {name}=${{{{ secrets.{name} }}}}", source)
        neg(fmt, f"{name}=<{name.lower()}>", source)
    # --- fifth batch: the hard-negative families ------------------------------------------
    src = DOC + "hard negatives: low-entropy values"
    for text in (
        "API_KEY=aaaaaaaaaaaaaaaaaaaaaaaa",
        "SECRET=1111111111111111",
        "TOKEN=abc123abc123abc123abc123",
        "mytool --api-key 0000000000000000",
        "TOKEN=ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "SECRET_KEY=12345678901234567890",
        "token: deadbeefdeadbeefdeadbeefdeadbeef",
        "x-api-key: 1234567890abcdef1234567890abcdef",
        "PASSWORD=zyxwvutsrqponmlk",
        "GITHUB_TOKEN=ghp_000000000000000000000000000000000000",
        "AWS_ACCESS_KEY_ID=AKIAAAAAAAAAAAAAAAAA",
        "OPENAI_API_KEY=sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "SLACK_TOKEN=xoxb-0000000000-0000000000-aaaaaaaaaaaaaaaaaaaaaaaa",
        "curl -u admin:aaaaaaaa https://x.test",
        "DB_PASSWORD=passwordpassword",
    ):
        neg("low-entropy", text, src)
    src = DOC + "hard negatives: public key material and ciphertext"
    for text in (
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA3V9W2nA5w6ZQz1r0d8M0oXqkN3mGk2P5 deploy@ci",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGDx8JkBEADLz9mVq3oC\n=QwEr\n-----END PGP PUBLIC KEY BLOCK-----",
        "STRIPE_PUBLISHABLE_KEY=pk_live_51Hx9ZkLmQ2rT8vA1b2Zk39xLq0PmW2rT8vA1b2",
        "NEXT_PUBLIC_STRIPE_KEY=pk_test_51Hx9ZkLmQ2rT8vA1b2Zk39xLq0PmW2rT8vA1b2",
        "SUPABASE_PUBLISHABLE_KEY=sb_publishable_Zk39xLq0PmW2rT8vA1b2Q7_wE4rT8vA",
        "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
        "public_key: MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
        "password: ENC[AES256_GCM,data:Zk39xLq0PmW2rT8v,iv:A1b2Q7wE4rT8vA1b2Zk39xLq0PmW2rT8vA1b2Q7w=,tag:xLq0PmW2rT8vA1b2Zk39xA==,type:str]",
        "db_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          33363965326261303234336437636331\n",
        "  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n<your encrypted key>\n-----END ENCRYPTED PRIVATE KEY-----",
        "gpg --keyserver keys.openpgp.org --recv-keys 3B4FE6ACC0B21F32A0A28F1C6F6E8E2D9C7B1A54",
    ):
        neg("public-key", text, src)
    src = DOC + "hard negatives: placeholders"
    for text in (
        "export ANTHROPIC_API_KEY=sk-ant-...",
        "OPENAI_API_KEY=<YOUR_OPENAI_API_KEY>",
        "API_KEY=YOUR_API_KEY_HERE",
        "api_key: REPLACE_ME",
        "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
        "password: <%= ENV['DB_PASSWORD'] %>",
        'conn = connect(password="%(password)s")',
        "docker login -u ci -p $(DOCKER_PASSWORD) registry.test",
        'password = "#{db_password}"',
        "DB_PASSWORD=@@DB_PASSWORD@@",
        "DB_PASSWORD=__DB_PASSWORD__",
        'token: "{{ vault_token }}"',
        "mysql -u root -p'<password>' app",
        "curl -H 'X-Api-Key: <api-key>' https://api.test",
        "TWILIO_AUTH_TOKEN=your_auth_token",
        "export STRIPE_SECRET_KEY=sk_live_...",
    ):
        neg("placeholder", text, src)
    src = DOC + "hard negatives: masked values"
    for text in (
        "OPENAI_API_KEY=sk-...2182d4f",
        "token: ghp_****************************abcd",
        "AWS_ACCESS_KEY_ID=AKIA************MPLE",
        "Stripe key: sk_live_••••••••••••1234",
        "Using token ghp_...XyZ9 for github.com",
        "Authorization: Bearer [REDACTED]",
        "password: [FILTERED]",
        "api_key=<redacted>",
        "DATABRICKS_TOKEN=dapi********************************",
        "aws_secret_access_key = ****************************************",
        "   api_key: sk-proj-abc...xyz",
        "SLACK_BOT_TOKEN=xoxb-***",
    ):
        neg("masked", text, src)
    src = DOC + "hard negatives: documentation examples (jwt.io, AWS docs)"
    for text in (
        "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "export AWS_SESSION_TOKEN=AQoDYXdzEJr...<remainder of security token>",
        "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c' https://api.test",
        "https://user:password@example.com/path",
        "DATABASE_URL=postgresql://username:password@localhost:5432/mydb",
    ):
        neg("documentation", text, src)
    src = DOC + "hard negatives: code text and names of secrets"
    for text in (
        "gcloud secrets versions access latest --secret=api-key-name",
        "gcloud secrets create db-password --data-file=-",
        "aws secretsmanager get-secret-value --secret-id prod/db/password",
        "kubectl create secret generic db-creds --from-file=password=./pw.txt",
        "vault kv get -field=password secret/db",
        "mytool --token-file ~/.config/mytool/token",
        'password_field = "password"',
        'TOKEN_HEADER = "X-Auth-Token"',
        "        secretKeyRef:\n          name: db\n          key: password",
        '"password": {"type": "string", "minLength": 8}',
        'password = getpass.getpass("Password: ")',
        "client = Client(api_key=settings.API_KEY)",
        'token = os.getenv("GITHUB_TOKEN")',
        "self.client_secret = client_secret",
        "PasswordAuthentication no",
        "password required pam_unix.so sha512 shadow",
        "type: Opaque",
        "docker secret create db_password ./db_password.txt",
        "az keyvault secret show --vault-name corp-kv --name storage-account-key",
        "helm upgrade app ./chart --set-file tls.key=./certs/tls.key",
    ):
        neg("code-text", text, src)
    # --- sixth batch: tools that print or take credentials positionally --------------------
    src = DOC + "developer.hashicorp.com/terraform/cli/commands/output"
    pw = r(B62, 16)
    pos(
        "password",
        f'{{\n  "db_password": {{\n    "sensitive": true,\n    "type": "string",\n    "value": "{pw}"\n  }}\n}}',
        pw,
        src,
    )
    neg(
        "password",
        '{\n  "db_host": {\n    "sensitive": false,\n    "type": "string",\n    "value": "db.corp.test"\n  }\n}',
        src,
    )
    src = DOC + "min.io/docs/minio/linux/reference/minio-mc/mc-alias-set.html"
    sec = r(B62, 40)
    pos(
        "password",
        f"mc alias set prod https://minio.corp.test:9000 {r(string.ascii_uppercase + string.digits, 20)} {sec}",
        sec,
        src,
    )
    neg(
        "password",
        "mc alias set prod https://minio.corp.test:9000 $MINIO_ACCESS $MINIO_SECRET",
        src,
    )
    src = DOC + "s3tools.org/usage; docs.python.org/3/library/argparse.html"
    sec = r(B64, 40)
    pos("aws", f"s3cmd ls s3://bucket --access_key=AKIA --secret_key={sec}", sec, src)
    tok = r(B62, 32)
    pos("api-key", f"python scripts/upload.py --api_key {tok} --dataset eval", tok, src)
    pw = r(B62, 12)
    pos("password", f"python manage.py createsuperuser --db_password {pw}", pw, src)
    src = DOC + "kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/"
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{r(B64, 64)}\n{r(B64, 64)}\n-----END RSA PRIVATE KEY-----\n"
    kd = base64.b64encode(pem.encode()).decode()
    pos(
        "private-key",
        f"users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n    client-key-data: {kd}\n",
        kd,
        src,
    )
    # --- seventh batch: AWS key pairs, twitter tokens near the name ---------------------------
    src = (
        DOC
        + "docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html; "
        + TH
        + "aws/access_keys"
    )
    kid, sec = "AKIAIOSFODNN7EXAMPLE", r(B64, 40)
    pos(
        "aws",
        f"User name,Password,Access key ID,Secret access key,Console login link\nci-bot,,{kid},{sec},https://corp.signin.aws.amazon.com/console",
        sec,
        src,
    )
    kid, sec = "AKIAIOSFODNN7EXAMPLE", r(B64, 40)
    pos("aws", f"ACCESSKEY\t{kid}\t2026-11-02T09:12:44+00:00\t{sec}\tActive\tci-bot", sec, src)
    kid, sec = "AKIAIOSFODNN7EXAMPLE", r(B64, 40)
    pos(
        "aws",
        f"rclone config create s3 s3 provider AWS access_key_id {kid} secret_access_key {sec}",
        sec,
        src,
    )
    kid, sec = "AKIAIOSFODNN7EXAMPLE", r(B64, 40)
    pos("aws", f"s3://{kid}:{sec}@corp-backups/db", sec, src)
    kid = "AKIAIOSFODNN7EXAMPLE"
    neg("aws", f"{kid} rotated; commit 9fceb02d0ae598e95dc970b74767f19372d61af8", src)
    neg("aws", f"AccessKeyId: {kid[:4]}****************  LastUsed: 2026-11-02T09:12:44Z", src)
    src = TH + "twitter/v2/twitter_v2.go (shape); " + GL + "twitter.go"
    tok = r(B62, 40) + "%" + r(B62, 5) + "%" + r(B62, 52)
    pos("twitter", f"twitter bearer {tok}", tok, src)
    tok = r(string.ascii_uppercase, 22) + "%" + r(B62, 23) + "%" + r(B62, 6) + "%" + r(B62, 52)
    pos("twitter", f'"twitter": {{"bearer": "{tok}"}}', tok, src)
    key = r(B62, 25)
    pos("twitter", f"Twitter consumer key {key}", key, src)
    neg("twitter", "https://twitter.com/corp_engineering/status/1780000000000000000", src)
    neg("twitter", "twitter-api-v2 1.15.2 ships TwitterApiReadWriteClientForNodeJs", src)
    # --- eighth batch, blind: written after the rules and never used to change them --------
    src = DOC + "blind: contexts written after the rules (curl, wget, git, docker, az, HTTP dumps)"

    def blind_pos(fmt: str, text: str, secret: str) -> None:
        pos(fmt, text, secret, src + " (blind)")

    def blind_neg(fmt: str, text: str) -> None:
        neg(fmt, text, src + " (blind)")

    pw = r(B62, 9) + "%" + r(B62, 3)
    blind_pos(
        "password", f"curl --user 'deploy:{pw}' https://nexus.corp.test/service/rest/v1/status", pw
    )
    pw = r(B62, 12)
    blind_pos(
        "password", f"wget --http-user=bob --http-password={pw} https://files.corp.test/a.tgz", pw
    )
    pw = r(B62, 11)
    blind_pos("password", f"mysqldump -uroot -p{pw} --all-databases > all.sql", pw)
    pw = r(B62, 14)
    blind_pos("password", f"docker login ghcr.io -u bob --password {pw}", pw)
    tok = "glpat-" + r(URLSAFE, 20)
    blind_pos("gitlab", f"git clone https://oauth2:{tok}@gitlab.com/corp/app.git", tok)
    uid = str(rng.randint(10**17, 10**18))
    tok = (
        base64.b64encode(uid.encode()).decode().rstrip("=")
        + "."
        + r(URLSAFE, 6)
        + "."
        + r(URLSAFE, 38)
    )
    blind_pos("discord", f"export DISCORD_TOKEN={tok}", tok)
    tok = f"{rng.randint(10**9, 10**10 - 1)}:AA{r(URLSAFE, 33)}"
    blind_pos(
        "telegram",
        f'DEBUG:urllib3.connectionpool:https://api.telegram.org:443 "POST /bot{tok}/sendMessage HTTP/1.1" 200 312',
        tok,
    )
    tw = r(HEX, 32)
    blind_pos("twilio", f"TWILIO_AUTH_TOKEN={tw}", tw)
    k = base64.b64encode(bytes(rng.randrange(256) for _ in range(64))).decode()
    blind_pos(
        "azure-storage",
        f"KeyName    Permissions    Value\n---------  -------------  {'-' * 88}\nkey1       FULL           {k}",
        k,
    )
    key = "sk-proj-" + r(URLSAFE, 74) + "T3BlbkFJ" + r(URLSAFE, 74)
    blind_pos("openai", f"llm keys set openai --value {key}", key)
    pw = r(B62, 6) + "%23" + r(B62, 4) + "%40"
    blind_pos("database-url", f"DATABASE_URL=postgres://app:{pw}@db.internal:5432/app", pw)
    pw = r(B62, 18)
    blind_pos("database-url", f"mongosh 'mongodb://:{pw}@mongo.internal:27017/admin'", pw)
    b = base64.b64encode(f"svc:{r(B62, 16)}".encode()).decode()
    blind_pos(
        "basic-auth", f"wget --header='Authorization: Basic {b}' https://repo.corp.test/x.rpm", b
    )
    key = r(B62, 40)
    blind_pos(
        "api-key",
        f"> GET /v2/items HTTP/2\n> Host: api.vendor.test\n> X-API-KEY: {key}\n> Accept: */*",
        key,
    )
    sid = r(LOWER_NUM, 32)
    blind_pos("cookie", f'{{"headers": {{"Cookie": "sessionid={sid}; csrftoken=abc"}}}}', sid)
    sid = "eyJpdiI6I" + r(B62, 60) + "%3D%3D"
    blind_pos(
        "cookie",
        f"set-cookie: laravel_session={sid}; expires=Fri, 04 Dec 2026 10:00:00 GMT; path=/; httponly",
        sid,
    )
    tok = "hvs." + r(URLSAFE, 90)
    blind_pos(
        "hashicorp", f"env:\n  VAULT_TOKEN: {tok}\n  VAULT_ADDR: https://vault.corp.test", tok
    )
    tok = "fo1_" + r(URLSAFE, 43)
    blind_pos("flyio", f"FLY_API_TOKEN={tok} flyctl deploy --remote-only", tok)
    sec = r(B62, 30)
    blind_pos(
        "alibaba",
        f'{{"AccessKey": {{"AccessKeyId": "LTAI", "AccessKeySecret": "{sec}", "Status": "Active"}}}}',
        sec,
    )
    tok = "ATATT3xFfGF0" + r(URLSAFE, 170) + "=" + r("0123456789ABCDEF", 8)
    blind_pos("atlassian", f"machine corp.atlassian.net login me@corp.test password {tok}", tok)
    key = "da2-" + r(LOWER_NUM, 26)
    blind_pos(
        "aws-appsync",
        f'{{"data": {{"url": "https://x.appsync-api.eu-west-1.amazonaws.com/graphql", "api_key": "{key}"}}}}',
        key,
    )
    s2 = urllib.parse.quote(
        base64.b64encode(bytes(rng.randrange(256) for _ in range(32))).decode(), safe=""
    )
    blind_pos("azure-sas", f'"se=2026-12-31T00%3A00%3A00Z&sp=rl&sv=2022-11-02&sr=c&sig={s2}"', s2)
    pw = r(B62, 12)
    blind_pos("php", f"$cfg['Servers'][$i]['password'] = '{pw}';", pw)
    pw = r(B62, 12)
    blind_pos(
        "password",
        f"kubectl create secret docker-registry regcred --docker-server=ghcr.io --docker-username=bob --docker-password={pw}",
        pw,
    )
    blind_neg("cookie", "Cookie: _ga=GA1.1.1234567890.1700000000; _gid=GA1.1.987654321.1700000000")
    blind_neg("cookie", "session_timeout=3600\nsession_cookie_name=sid")
    blind_neg("cookie", "curl --cookie-jar cookies.txt https://app.test")
    blind_neg("php", "define('WP_DEBUG', false);")
    blind_neg("php", "define('DB_PASSWORD', '');")
    blind_neg("flyio", "FLY_API_TOKEN=$(fly tokens create deploy -x 720h)")
    blind_neg("hashicorp", "vault login -method=userpass username=bob")
    blind_neg("password", "net user bob /active:no")
    blind_neg("password", "$sec = ConvertTo-SecureString -String $pw -AsPlainText -Force")
    blind_neg("azure-sas", "gpg: Signature made Tue 03 Dec 2026; sig=good")
    blind_neg("alibaba", "# LTAI keys are 24 characters long")
    blind_neg("twitter", "twitter_handle=@corp_eng")
    blind_neg("password", "mysqldump -u root -p --all-databases > all.sql")
    blind_neg("password", "wget --http-user=bob --ask-password https://files.corp.test/a.tgz")
    # --- ninth batch: URL-encoded assignments, setters -----------------------------------------
    src = DOC + "RFC 3986 percent-encoding; RFC 6750 section 2.3 (access_token in a query)"
    v = r(B62, 24)
    pos("url-encoded", f"GET /login?next=%2Fhome&user=bob&password%3D{v} 302 14ms", v, src)
    v = r(B62, 28)
    pos("url-encoded", f"POST /hook body=%7B%22api_key%22%3A%22{v}%22%2C%22id%22%3A1%7D", v, src)
    v = r(B62, 32)
    pos(
        "url-encoded",
        f"redirect_uri=https%3A%2F%2Fapp.test%2Fcb%3Faccess_token%3D{v}%26state%3Dx",
        v,
        src,
    )
    v = r(URLSAFE, 40)
    pos("url-encoded", f"GET /proxy?h=Authorization%3A%20Bearer%20{v} HTTP/1.1", v, src)
    v = r(URLSAFE, 40)
    pos("url-encoded", f"wss://stream.test/socket?auth=Bearer%20{v}", v, src)
    neg("url-encoded", "GET /reset?field=password%3D&step=2 200", src)
    neg("url-encoded", "GET /docs?q=api_key%3A%22%3Cyour-key%3E%22 200", src)
    src = (
        DOC
        + "learn.microsoft.com/dotnet/api/system.environment.setenvironmentvariable; docs.oracle.com System.setProperty"
    )
    v = r(B62, 32)
    pos(
        "password",
        f'[System.Environment]::SetEnvironmentVariable("API_KEY", "{v}", "User")',
        v,
        src,
    )
    v = r(B62, 14)
    pos("password", f'System.setProperty("javax.net.ssl.keyStorePassword", "{v}");', v, src)
    v = r(B62, 14)
    pos("password", f'Sys.setenv(DB_PASSWORD = "{v}")', v, src)
    neg("password", 'System.setProperty("javax.net.ssl.keyStoreType", "PKCS12");', src)
    neg("password", '[System.Environment]::SetEnvironmentVariable("API_KEY", $null, "User")', src)
    # --- tenth batch: real public code that names credentials ----------------------------------
    # 200 lines drawn (seed 25) from the 17,080 lines of 15 PyPI packages' sources that hold a
    # credential word (benchmarks/data/code_lines.json names each line's package, version,
    # file and line): type annotations, attribute reads, docs. None holds a secret.
    for line in json.loads(CODE_LINES.read_text()):
        neg("code-text-real", line["text"], line["source"])
    # --- eleventh batch: documentation examples and public tokens -------------------------------
    src = (
        DOC
        + "docs.stripe.com/keys (test-mode examples); docs.github.com (PAT example); supabase.com/docs/guides/api/api-keys (service_role)"
    )
    neg(
        "documentation",
        "curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:",
        src,
    )
    neg("documentation", "Stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'", src)
    neg("documentation", "const stripe = Stripe('pk_test_TYooMQauvdEDq54NiTphI7jx');", src)
    neg(
        "documentation",
        "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/octo-org/octo-repo.git",
        src,
    )

    def jwt(claims: dict[str, object]) -> str:
        def b64(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        head = b64(b'{"alg":"HS256","typ":"JWT"}')
        return f"{head}.{b64(json.dumps(claims, separators=(',', ':')).encode())}.{r(URLSAFE, 43)}"

    # (a Supabase anon key is public by design, but other scanners' fixtures label JWTs
    # positive whatever their role: it is left out rather than labelled either way)
    svc = jwt(
        {
            "iss": "supabase",
            "ref": r(LOWER_NUM, 20),
            "role": "service_role",
            "iat": 1700000000,
            "exp": 2015576000,
        }
    )
    pos("jwt", f"SUPABASE_SERVICE_ROLE_KEY={svc}", svc, src)
    # --- twelfth batch: Basic auth whose user name is the key -----------------------------------
    src = DOC + "docs.stripe.com/api/authentication (key as the basic-auth user, empty password)"
    for key in ("sk_live_" + r(B62, 99), "rk_live_" + r(B62, 99), r(B62, 32)):
        b = base64.b64encode(f"{key}:".encode()).decode()
        pos(
            "basic-auth",
            f'curl -H "Authorization: Basic {b}" https://api.vendor.test/v1/charges',
            b,
            src,
        )
    neg("basic-auth", "curl -H 'Authorization: Basic YWRtaW46' https://x.test", src)
    # --- thirteenth batch, blind: infrastructure CLIs, written after the rules ------------------
    src = (
        DOC
        + "blind: infrastructure CLIs' documented options (terraform, ansible, keytool, gcloud, az, aws ssm, vault, op)"
    )

    def blind2_pos(fmt: str, text: str, secret: str) -> None:
        pos(fmt, text, secret, src + " (blind)")

    def blind2_neg(fmt: str, text: str) -> None:
        neg(fmt, text, src + " (blind)")

    def new_pw() -> str:
        return r(B62, 8) + rng.choice("!#%+") + r(B62, 4)

    v = new_pw()
    blind2_pos("password", f'terraform apply -var="db_password={v}" -auto-approve', v)
    v = new_pw()
    blind2_pos("password", f"ansible-vault encrypt_string '{v}' --name db_password", v)
    v = new_pw()
    blind2_pos("password", f"htpasswd -bc /etc/nginx/.htpasswd admin {v}", v)
    v = new_pw()
    blind2_pos(
        "password", f"openssl pkcs12 -export -in c.pem -inkey k.pem -passout pass:{v} -out c.p12", v
    )
    v = new_pw()
    blind2_pos(
        "password",
        f"keytool -importkeystore -srckeystore a.p12 -srcstoretype PKCS12 -srcstorepass {v} -destkeystore a.jks",
        v,
    )
    v = new_pw()
    blind2_pos(
        "password", f'psql "host=db.corp.test user=app password={v} dbname=app sslmode=require"', v
    )
    v = new_pw()
    blind2_pos("password", f"docker run -d -e MYSQL_ROOT_PASSWORD={v} mysql:8.4", v)
    v = r(B62, 32)
    blind2_pos("api-key", f"kubectl create secret generic api --from-literal=token={v} -n prod", v)
    v = new_pw()
    blind2_pos("password", f"helm install redis bitnami/redis --set auth.password={v}", v)
    v = new_pw()
    blind2_pos(
        "password", f"gcloud sql users set-password root --host=% --instance=db --password={v}", v
    )
    v = new_pw()
    blind2_pos(
        "password", f"az keyvault secret set --vault-name corp-kv --name db-password --value {v}", v
    )
    v = new_pw()
    blind2_pos(
        "password",
        f"aws ssm put-parameter --name /app/db/password --type SecureString --value '{v}'",
        v,
    )
    v = new_pw()
    blind2_pos("password", f"vault kv put secret/app db_password={v}", v)
    v = new_pw()
    blind2_pos("password", f"op item create --category=login --title db 'password={v}'", v)
    v = "pypi-AgEIcHlwaS5vcmc" + r(URLSAFE, 70)
    blind2_pos(
        "pypi", f"pip install --index-url https://__token__:{v}@pypi.corp.test/simple app", v
    )
    v = new_pw()
    blind2_pos("password", f"sqlcmd -S db.corp.test -U sa -P '{v}' -Q 'SELECT 1'", v)
    v = new_pw()
    blind2_pos("password", f"smbclient //fs.corp.test/share -U backup%{v} -c ls", v)
    v = "ghp_" + r(B62, 36)
    blind2_pos(
        "github", f'echo "machine github.com login x-access-token password {v}" >> ~/.netrc', v
    )
    v = new_pw()
    blind2_pos("password", f"env DB_PASSWORD={v} ./bin/start", v)
    v = r(B62, 40)
    blind2_pos(
        "api-key", f"Your new API key is: {v}\nStore it safely; it will not be shown again.", v
    )
    v = r(URLSAFE, 43)
    blind2_pos("api-key", f"Access token: {v}\nExpires in: 3600", v)
    blind2_neg("password", 'terraform apply -var="db_password=${var.db_password}"')
    blind2_neg("password", "ansible-vault encrypt_string --stdin-name db_password")
    blind2_neg("password", "aws ssm get-parameter --name /app/db/password --with-decryption")
    blind2_neg("password", "op read op://prod/db/password")
    blind2_neg("password", "kubectl create secret generic api --from-file=token=./token.txt")
    blind2_neg("password", "helm install redis bitnami/redis --set auth.existingSecret=redis-auth")
    blind2_neg("password", "az keyvault secret show --vault-name corp-kv --name db-password")
    blind2_neg("password", "export PGPASSWORD=$(cat /run/secrets/pg)")
    blind2_neg("password", "Generated password: (hidden, copied to clipboard)")
    blind2_neg("password", "keytool -list -keystore a.jks -storepass:env KS_PASS")
    # --- fourteenth batch: basic auth in scripts ---------------------------------------------
    src = (
        DOC
        + "requests.readthedocs.io/en/latest/user/authentication/; www.python-httpx.org/advanced/authentication/"
    )
    v = r(B62, 10) + "!" + r(B62, 3)
    pos("basic-auth", f"r = requests.get(url, auth=('deploy', '{v}'), timeout=10)", v, src)
    v = r(B62, 14)
    pos("basic-auth", f'session.auth = HTTPBasicAuth("admin", "{v}")', v, src)
    v = r(B62, 14)
    pos("basic-auth", f'client = httpx.Client(auth=("svc", "{v}"))', v, src)
    neg("basic-auth", "r = requests.get(url, auth=(user, password))", src)
    neg("basic-auth", 'r = requests.get(url, auth=("user", os.environ["API_PASSWORD"]))', src)
    return cases


#: The PyPI distributions whose sources the code lines are drawn from.
CODE_DISTS = (
    *("openai", "pip", "httpx", "pydantic", "pydantic-ai-slim", "langsmith", "requests"),
    *("urllib3", "anyio", "cryptography", "pygments", "detect-secrets", "attrs", "cattrs"),
    *("hypothesis", "pytest"),
)


def draw_code_lines(site: Path, n: int = 200, seed: int = 25) -> list[dict[str, str]]:
    """``n`` lines (8 to 200 characters) holding a credential word, drawn from the installed
    sources of ``CODE_DISTS`` under ``site``, each with its package, version, file and line."""
    import importlib.metadata as md
    import re

    word = re.compile(
        r"(?i)password|passwd|secret|token|api_?key|credential|private_key|access_key"
    )
    lines: list[dict[str, str]] = []
    for name in CODE_DISTS:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        for f in dist.files or []:
            if not str(f).endswith(".py"):
                continue
            try:
                text = (site / f).read_text()
            except (OSError, UnicodeDecodeError):
                continue
            for i, line in enumerate(text.splitlines()):
                s = line.strip()
                if word.search(s) and 8 <= len(s) <= 200:
                    source = f"pypi+{dist.metadata['Name']}@{dist.version}:{f}#L{i + 1}"
                    lines.append({"text": s, "source": source})
    return random.Random(seed).sample(lines, n)


def main() -> None:
    if "--draw-code-lines" in sys.argv:
        site = Path(sys.argv[sys.argv.index("--draw-code-lines") + 1])
        CODE_LINES.write_text(json.dumps(draw_code_lines(site), indent=1) + "\n")
    cases = build()
    about = (
        "Secrets in agents' contexts (shell commands, env dumps, config fragments, program "
        "output), written from published format facts (vendor docs, gitleaks rule regexes, "
        "TruffleHog detector patterns; each case names its source) with random values; "
        "built by benchmarks/context_corpus.py and measured before the rules were changed "
        "for it. Fields as in external_corpus.json."
    )
    OUT.write_text(json.dumps({"about": about, "cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
