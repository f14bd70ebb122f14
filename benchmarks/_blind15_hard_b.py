"""blind15: the evaluators' hard generic classes - passwords given to CLIs, database and other
URLs with a password (percent-encoded, empty user names), HTTP basic auth, bearer tokens and
generic API keys passed to arbitrary CLIs."""

from __future__ import annotations

import random

from _blind15_ctx import json_escaped
from _blind15_gen import (
    ALNUM,
    B64URL,
    HEX,
    HOSTS,
    USERS,
    Case,
    basic,
    opaque,
    password,
    pos,
    rs,
    sub,
    url_password,
)

# {u} user, {v} password, {h} host
PASSWORD = [
    "curl -u {u}:'{v}' https://{h}/api/v1/status",
    'curl -u "{u}:{v}" -X POST https://jenkins.acme.io/job/deploy/build',
    "curl --user {u}:'{v}' -T backup.tar.gz https://nexus.acme.io/repository/raw/backup.tar.gz",
    "mysql -u root -p'{v}' -h {h} orders",
    'mysql -h {h} -u {u} --password="{v}" -e "SHOW PROCESSLIST"',
    "mysqldump -u{u} -p'{v}' --single-transaction shop > shop.sql",
    "echo '{v}' | sudo -S apt-get install -y nginx",
    'echo "{v}" | sudo -S -k systemctl restart postgresql',
    "printf '%s\\n' '{v}' | sudo -S -u postgres psql -c 'select 1'",
    "sshpass -p '{v}' ssh -o StrictHostKeyChecking=no {u}@{h} uptime",
    "sshpass -p '{v}' scp dump.sql {u}@{h}:/tmp/",
    "PGPASSWORD='{v}' psql -h {h} -U {u} -d analytics -c '\\dt'",
    "PGPASSWORD='{v}' pg_dump -h {h} -U {u} -Fc billing > billing.dump",
    "mongosh --host {h} --username {u} --password '{v}' --authenticationDatabase admin",
    "redis-cli -h {h} -a '{v}' --no-auth-warning INFO replication",
    "docker login -u {u} -p '{v}' registry.acme.io",
    "htpasswd -b -c /etc/nginx/.htpasswd {u} '{v}'",
    "smbclient //fileserver/finance -U '{u}%{v}' -c 'ls'",
    "ldapsearch -x -H ldap://{h} -D 'cn={u},dc=acme,dc=io' -w '{v}' '(uid=bob)'",
    "az login -u {u}@acme.onmicrosoft.com -p '{v}'",
    "openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout 'pass:{v}'",
    "zip -P '{v}' -r secrets.zip ./keys",
    "7z a -p'{v}' -mhe=on archive.7z ./exports",
    "rabbitmqctl add_user {u} '{v}'",
    "vault login -method=userpass username={u} password='{v}'",
    "wget --user={u} --password='{v}' https://{h}/exports/daily.csv",
    "keytool -importkeystore -srckeystore old.jks -destkeystore new.p12 -deststoretype pkcs12 -srcstorepass '{v}' -deststorepass '{v}'",
    "MYSQL_PWD='{v}' mysql -h {h} -u {u} -e 'select now()'",
    "REDISCLI_AUTH='{v}' redis-cli -h {h} ping",
    "ansible-playbook site.yml -i prod.ini -e 'ansible_become_pass={v}'",
    "helm repo add internal https://charts.acme.io --username {u} --password '{v}'",
    "nmcli dev wifi connect Office-5G password '{v}'",
    "kubectl create secret docker-registry regcred --docker-server=registry.acme.io --docker-username={u} --docker-password='{v}'",
    "mosquitto_pub -h {h} -u {u} -P '{v}' -t alerts -m test",
    "sqlcmd -S {h} -U sa -P '{v}' -Q 'SELECT @@VERSION'",
    "influx -host {h} -username {u} -password '{v}' -execute 'SHOW DATABASES'",
    'net use Z: \\\\fileserver\\share /user:ACME\\{u} "{v}"',
    "mysqladmin -u root -p'{v}' -h {h} status",
    "sudo -S <<< '{v}' reboot",
    'expect -c \'spawn ssh {u}@{h}; expect "password:"; send "{v}\\r"; interact\'',
    "DJANGO_SUPERUSER_PASSWORD='{v}' ./manage.py createsuperuser --noinput --username {u} --email ops@acme.io",
    "openconnect --user={u} --passwd-on-stdin vpn.acme.io <<< '{v}'",
    "liquibase update --username={u} --password={v} --url=jdbc:postgresql://{h}/app",
    "DB_PASSWORD={v} ./gradlew flywayMigrate",
    "export POSTGRES_PASSWORD='{v}'",
]


def _safe_pw(r: random.Random) -> str:
    """A password safe inside single and double quotes and unquoted argv (no glob/% forms)."""
    while True:
        pw = password(r)
        if not any(c in pw for c in "*%~^"):
            return pw


def password_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(PASSWORD):
        pw = _safe_pw(r)
        text = sub(tpl, u=r.choice(USERS), v=pw, h=r.choice(HOSTS))
        out.append(pos(text, pw, "generic-password", "password:" + str(i)))
    for _ in range(3):
        pw = _safe_pw(r)
        text, src = json_escaped(r, f"sshpass -p '{pw}' ssh ops@10.0.2.9 'df -h'")
        out.append(pos(text, pw, "generic-password", src))
    return out


# {u} user, {v} password as written in the URL, {h} host
DB_URL = [
    "postgres://{u}:{v}@{h}:5432/orders",
    "postgresql+psycopg2://{u}:{v}@{h}/analytics?sslmode=require",
    "mysql://{u}:{v}@{h}:3306/shop",
    "mongodb+srv://{u}:{v}@cluster0.x7kqz.mongodb.net/prod?retryWrites=true&w=majority",
    "redis://:{v}@{h}:6379/0",
    "rediss://default:{v}@{h}:6380",
    "amqp://{u}:{v}@{h}:5672/%2F",
    "sqlserver://sa:{v}@{h}:1433?database=erp",
    "clickhouse://{u}:{v}@{h}:9000/events",
    "mongodb://{u}:{v}@mongo-0.mongo,mongo-1.mongo/admin?replicaSet=rs0",
]
DB_CTX = [
    "DATABASE_URL={url} ./bin/migrate up",
    'export DATABASE_URL="{url}"',
    "psql '{url}' -c 'select count(*) from users'",
    "alembic -x dburl='{url}' upgrade head",
    "$ cat .env\nPORT=3000\nDATABASE_URL={url}",
    'mongosh "{url}" --eval "db.stats()"',
    "redis-cli -u '{url}' info keyspace",
    "celery -A tasks worker --broker='{url}' --loglevel=info",
    "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server failed [url: {url}]",
    "  DATABASE_URL: {url}",
    "heroku config:set REDIS_URL={url} -a acme-web",
    'docker run -e "DB_DSN={url}" acme/api:2.3',
]


def db_url_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        v = url_password(r)
        scheme = DB_URL[i % len(DB_URL)]
        url = sub(scheme, u=r.choice(USERS), v=v, h=r.choice(HOSTS))
        text = sub(DB_CTX[i % len(DB_CTX)], url=url)
        out.append(pos(text, v, "database-url-password", f"db-url:{i}"))
    v = url_password(r)
    cmd = f"psql postgres://app:{v}@{r.choice(HOSTS)}:5432/app -c 'select 1'"
    text, src = json_escaped(r, cmd)
    out.append(pos(text, v, "database-url-password", src))
    v = "Sp%40ce%20Cow%21" + rs(r, ALNUM, 4)
    out.append(
        pos(
            f"jdbc:postgresql://db.internal:5432/app?user=etl&password={v}&ssl=true",
            v,
            "database-url-password",
            "db-url:jdbc-query",
        )
    )
    return out


URL_CRED = [
    "git clone https://{u}:{v}@gitlab.acme.io/platform/infra.git",
    "git remote set-url origin https://oauth2:{v}@gitlab.acme.io/data/etl.git",
    "pip install --index-url https://{u}:{v}@pypi.acme.io/simple/ acme-core==4.2.0",
    "curl -O ftp://{u}:{v}@ftp.acme.io/exports/2024-05.csv",
    "$ git remote -v\norigin\thttps://{u}:{v}@github.com/acme/platform.git (fetch)\norigin\thttps://{u}:{v}@github.com/acme/platform.git (push)",
    "curl -s https://{u}:{v}@elastic.acme.io:9200/_cluster/health",
    "npm config set registry https://{u}:{v}@npm.acme.io/",
    "svn checkout https://{u}:{v}@svn.acme.io/repos/legacy",
    "helm repo add internal https://{u}:{v}@charts.acme.io",
    "export HTTPS_PROXY=http://{u}:{v}@proxy.acme.io:3128",
    "git fetch https://{u}:{v}@git.acme.io/ops/deploy.git main",
    "fatal: unable to access 'https://{u}:{v}@git.acme.io/ops/deploy.git/': The requested URL returned error: 403",
]


def url_cred_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(URL_CRED):
        v = url_password(r) if i % 2 else rs(r, ALNUM, r.randint(20, 40))
        out.append(pos(sub(tpl, u=r.choice(USERS), v=v), v, "url-credentials", f"url-cred:{i}"))
    return out


BASIC = [
    'curl -H "Authorization: Basic {v}" https://jenkins.acme.io/api/json',
    "curl -sS -H 'authorization: basic {v}' https://{h}/metrics",
    '$ cat ~/.docker/config.json\n{\n  "auths": {\n    "registry.acme.io": {\n      "auth": "{v}"\n    }\n  }\n}',
    "$ cat .npmrc\nregistry=https://npm.acme.io/\n_auth={v}\nalways-auth=true",
    'git -c http.extraHeader="Authorization: Basic {v}" clone https://git.acme.io/ops/infra.git',
    "> GET /api/v4/projects HTTP/1.1\n> Host: git.acme.io\n> Authorization: Basic {v}\n> User-Agent: curl/8.5.0",
    'wget --header="Authorization: Basic {v}" https://{h}/reports/q1.pdf',
    "http GET https://{h}/status Authorization:'Basic {v}'",
    "Proxy-Authorization: Basic {v}",
    "requests.get(url, headers={'Authorization': 'Basic {v}'})",
    '$ kubectl get secret regcred -o jsonpath="{.data.auth}" | base64 -d\n{v}',
    "echo {v} | base64 -d",
    '127.0.0.1 - - [02/May/2024:11:02:17 +0000] "GET /admin HTTP/1.1" 200 512 "-" "curl/8.5.0" auth="Basic {v}"',
    'fetch("https://api.acme.io/v1/export", { headers: { Authorization: "Basic {v}" } })',
    '  "basicAuth": "{v}",',
    "ab -n 100 -H 'Authorization: Basic {v}' https://{h}/",
]


def basic_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(BASIC):
        b = basic(r.choice(USERS), _safe_pw(r))
        if "base64 -d\n" in tpl:  # the decoded kubectl output is the plain user:pass
            pw = _safe_pw(r)
            text = sub(tpl, v=f"{r.choice(USERS)}:{pw}")
            out.append(pos(text, pw, "http-basic-auth", f"basic:{i}"))
            continue
        out.append(pos(sub(tpl, v=b, h=r.choice(HOSTS)), b, "http-basic-auth", f"basic:{i}"))
    return out


BEARER = [
    'curl -H "Authorization: Bearer {v}" https://api.acme.io/v2/orders?limit=50',
    "curl -sS https://{h}/api/me -H 'authorization: bearer {v}'",
    "http GET https://api.acme.io/v1/users 'Authorization:Bearer {v}'",
    "grpcurl -H 'authorization: Bearer {v}' api.acme.io:443 acme.v1.Billing/ListInvoices",
    "> POST /graphql HTTP/2\n> host: api.acme.io\n> authorization: Bearer {v}\n> content-type: application/json",
    'wget --header "Authorization: Bearer {v}" https://files.acme.io/export.csv',
    'xh post api.acme.io/v1/jobs "Authorization: Bearer {v}" name=nightly',
    "kubectl --token={v} --server=https://10.0.0.1:6443 get pods -A",
    "ACCESS_TOKEN={v} ./scripts/smoke.sh",
    '{"access_token": "{v}", "token_type": "Bearer", "expires_in": 3599}',
    "websocat -H='Authorization: Bearer {v}' wss://stream.acme.io/v1/events",
    "argocd app sync web --auth-token {v} --server argocd.acme.io",
    "k6 run -e TOKEN={v} load.js",
    'curl --oauth2-bearer "{v}" https://api.acme.io/v1/ping',
    '2024-05-02T11:02:17Z WARN retrying request GET /v1/orders headers={"Authorization": "Bearer {v}"}',
    "Authorization: Bearer {v}",
]


def bearer_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(BEARER):
        tok = opaque(r)
        out.append(pos(sub(tpl, v=tok, h=r.choice(HOSTS)), tok, "bearer-token", f"bearer:{i}"))
    return out


# {v} the key; arbitrary CLIs and services with no recognisable key prefix, or their own
API_KEY = [
    "./bin/importer --api-key {v} --source s3://acme-raw/2024/",
    "pinecone index list --api-key {v}",
    "mistral-cli chat --api-key={v} -m mistral-large 'hi'",
    "deepgram transcribe call.wav --api-key {v} --model nova-2",
    "elevenlabs tts --api-key '{v}' --voice Rachel -o out.mp3",
    "fly secrets set API_KEY={v} -a acme-edge",
    "fly secrets set RESEND_API_KEY={v} SENTRY_ENV=prod",
    "fly secrets set OPENWEATHER_KEY={v}",
    "algolia search --application-id 7XK2P0QZ3M --api-key {v} --index products",
    "curl 'https://api.openweathermap.org/data/2.5/weather?q=Oslo&appid={v}'",
    'curl -H "X-API-Key: {v}" https://api.acme.io/v1/reports',
    "curl -H 'x-api-key: {v}' https://gateway.acme.io/inventory",
    "curl 'https://maps.acme-geo.io/v1/geocode?address=Main+St&api_key={v}'",
    "newman run collection.json --env-var apiKey={v}",
    "semgrep ci --config auto  # SEMGREP_APP_TOKEN={v}",
    "snyk config set api={v}",
    "render deploy --api-key {v} --service srv-cn2k8",
    "python scrape.py --key {v} --out data.json",
    "aider --api-key openrouter={v} --model openrouter/anthropic/claude-3.5-sonnet",
    "llm keys set groq --value {v}",
    "firecrawl crawl https://docs.acme.io --api-key {v}",
    "vercel deploy --prod --token {v}",
    "netlify deploy --prod --auth {v} --site 4a1f0c2e",
    "infisical export --token={v} --env=prod",
    "wandb login {v}",
    "ngrok config add-authtoken {v}",
    "API_KEY={v} npm run e2e",
]


def _api_key(r: random.Random, i: int) -> str:
    roll = i % 6
    if roll == 0:
        return "re_" + rs(r, ALNUM, 8) + "_" + rs(r, ALNUM, 24)
    if roll == 1:
        return "gsk_" + rs(r, ALNUM, 52)
    if roll == 2:
        return rs(r, HEX, 32)
    if roll == 3:
        return "pcsk_" + rs(r, ALNUM, 5) + "_" + rs(r, B64URL, 64)
    if roll == 4:
        return rs(r, ALNUM, 40)
    return rs(r, ALNUM, r.randint(24, 36))


def api_key_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(API_KEY):
        k = _api_key(r, i)
        out.append(pos(sub(tpl, v=k), k, "generic-api-key", f"api-key:{i}"))
    return out


def hard_b(r: random.Random) -> list[Case]:
    return (
        password_cases(r)
        + db_url_cases(r)
        + url_cred_cases(r)
        + basic_cases(r)
        + bearer_cases(r)
        + api_key_cases(r)
    )
