"""Generic passwords and connection-string passwords for blind12_corpus.py.

Labelling: the secret is the password only (never the user, host or scheme); where a
password sits in a URL it is percent-encoded as a client would write it, and the secret is
that encoded form, since that is the exact substring present."""

from __future__ import annotations

from random import Random
from urllib.parse import quote

import _blind12_formats as F
from _blind12_contexts import fill

SAFE = F.ALNUM + "._-+=@%^"

# {p} = password as written in a shell-quoted / plain config context.
QUOTED = [
    ("mysql -u root -p'{p}' -h {host} {app}", "cli_flag"),
    ("redis-cli -h {host} -p 6379 -a '{p}' --no-auth-warning PING", "cli_flag"),
    ("curl -u '{user}:{p}' https://nexus.acme.io/service/rest/v1/repositories", "curl_user"),
    ("docker login registry.acme.io -u {user} -p '{p}'", "docker_login"),
    ("sshpass -p '{p}' ssh -o StrictHostKeyChecking=no {user}@{host}", "cli_flag"),
    ("PGPASSWORD='{p}' psql -h {host} -U {user} -d {app} -c 'select 1'", "inline_env"),
    ("export DB_PASSWORD='{p}'", "export"),
    ("kubectl create secret generic {app}-db --from-literal=username={user} --from-literal=password='{p}'", "kubectl_literal"),
    ("htpasswd -b -c /etc/nginx/.htpasswd {user} '{p}'", "cli_arg"),
    ("az vm create -g rg-{app} -n vm-{word} --image Ubuntu2204 --admin-username azureuser --admin-password '{p}'", "cli_flag"),
    ("docker run -d -e MYSQL_ROOT_PASSWORD='{p}' -p 3306:3306 mysql:8.0", "docker_run"),
    ("$ cat /etc/{app}/config.ini\n[database]\nhost = {host}\nuser = {user}\npassword = {p}\n", "command_output"),
    ('{\n  "db": {\n    "host": "{host}",\n    "user": "{user}",\n    "password": "{p}"\n  }\n}', "json_output"),
    ("database:\n  host: {host}\n  username: {user}\n  password: \"{p}\"\n", "yaml"),
    ("wp user create {user} {email} --role=administrator --user_pass='{p}'", "cli_flag"),
    ("rabbitmqctl add_user {user} '{p}'", "cli_arg"),
    ("ldapsearch -x -H ldap://{host} -D 'cn=admin,dc=acme,dc=io' -w '{p}' -b 'dc=acme,dc=io'", "cli_flag"),
    ("echo '{p}' | sudo -S systemctl restart {app}", "stdin_echo"),
    ("psql -h {host} -U postgres -c \"ALTER USER {user} WITH PASSWORD '{p}';\"", "sql"),
    ("gh secret set DB_PASSWORD --body '{p}'", "gh_secret_set"),
    ("fly secrets set POSTGRES_PASSWORD='{p}' -a {app}", "fly_secrets"),
    ("$ heroku config -a {app}\n=== {app} Config Vars\nADMIN_PASSWORD: {p}\nLOG_LEVEL:      info", "heroku_config"),
    ("{ts} + export MYSQL_PWD='{p}'\n{ts} + mysqldump -h {host} -u {user} {app}", "ci_setx"),
    ("openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout 'pass:{p}'", "cli_flag"),
]
PLAIN = [  # unquoted: the password uses only shell-safe characters
    ("mysql -uroot -p{p} -h {host} -e 'show databases'", "cli_flag"),
    ("$ env\nHOME=/var/lib/postgresql\nPOSTGRES_USER={user}\nPOSTGRES_PASSWORD={p}\nPGDATA=/var/lib/postgresql/data", "env_dump"),
    ("      SMTP_PASSWORD:  {p}", "kubectl_describe"),
    ("{ts} + mysqladmin -u root -p{p} status", "ci_setx"),
    ("smbclient //fs01/share -U {user}%{p} -c 'ls'", "cli_flag"),
    ("mongodump --host {host} --username {user} --password {p} --authenticationDatabase admin", "cli_flag"),
]


def password_cases(rng: Random, n: int) -> list[tuple[str, str, str]]:
    out = []
    rows = [(t, s, True) for t, s in QUOTED] + [(t, s, False) for t, s in PLAIN]
    rng.shuffle(rows)
    for i in range(n):
        t, src, quoted = rows[i % len(rows)]
        p = F.password(rng) if quoted else F.rs(rng, SAFE, rng.randrange(12, 24))
        out.append((fill(rng, t).replace("{p}", p), p, src))
    return out


# {p} = password as it appears in the connection string (percent-encoded in URLs).
URLS = [
    ("psql \"postgres://{user}:{p}@{host}:5432/{app}?sslmode=require\"", "psql"),
    ("export DATABASE_URL=postgresql://{user}:{p}@{host}:5432/{app}", "export"),
    ("DATABASE_URL='postgresql+psycopg2://{user}:{p}@{host}/{app}' alembic upgrade head", "inline_env"),
    ("mysql://{user}:{p}@{host}:3306/{app}", "command_output"),
    ("SQLALCHEMY_DATABASE_URI=mysql+pymysql://{user}:{p}@{host}/{app}?charset=utf8mb4", "dotenv"),
    ("mongosh \"mongodb+srv://{user}:{p}@cluster0.{short}.mongodb.net/{app}?retryWrites=true&w=majority\"", "cli_arg"),
    ("MONGO_URL=mongodb://{user}:{p}@mongo-0:27017,mongo-1:27017/{app}?replicaSet=rs0&authSource=admin", "env_dump"),
    ("redis-cli -u redis://:{p}@{host}:6379/0 INFO keyspace", "cli_flag"),
    ("export REDIS_URL=rediss://default:{p}@{word}-{n}.upstash.io:6379", "export"),
    ("CELERY_BROKER_URL=amqp://{user}:{p}@rabbitmq:5672/{app} celery -A {word} worker", "inline_env"),
    ("  AMQP_URL:  amqps://{user}:{p}@b-{uuid}.mq.{region}.amazonaws.com:5671", "kubectl_describe"),
    ("nats sub -s nats://{user}:{p}@nats.{word}.svc:4222 'orders.>'", "cli_flag"),
    ("clickhouse-client \"clickhouse://{user}:{p}@{host}:9000/{app}\" -q 'SELECT 1'", "cli_arg"),
    ("pip install --index-url https://{user}:{p}@nexus.acme.io/repository/pypi/simple {word}", "cli_flag"),
    ("git clone https://{user}:{p}@git.acme.io/{org}/{app}.git", "git_url"),
    ("curl -T dump.sql.gz ftp://{user}:{p}@ftp.{word}.com/backups/", "curl_url"),
    ("ERROR: could not connect to postgresql://{user}:{p}@{host}:5432/{app}: connection refused", "error_output"),
    ("sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2003, \"Can't connect\") [url: mysql+pymysql://{user}:{p}@{host}:3306/{app}]", "traceback"),
    ("EMAIL_URL=smtp+tls://{user}:{p}@smtp.{word}.com:587", "dotenv"),
    ("curl -s https://elastic:{p}@es.{word}.internal:9200/_cat/indices", "curl_url"),
    ('"DATABASE_URL": "postgres://{user}:{p}@{host}:5432/{app}"', "json_output"),
    ("$ fly postgres attach --app {app} pg-{word}\nDATABASE_URL=postgres://{app}:{p}@pg-{word}.flycast:5432/{app}?sslmode=disable", "command_output"),
]
RAW = [  # key=value connection strings: password written raw
    ("export SQLSERVER_CONN=\"Server=tcp:{word}.database.windows.net,1433;Initial Catalog={app};User ID={user};Password={p};Encrypt=True;\"", "export"),
    ("dotnet ef database update --connection \"Host={host};Database={app};Username={user};Password={p}\"", "cli_flag"),
    ("sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{user}\" password=\"{p}\";", "config"),
    ("jdbc:postgresql://{host}:5432/{app}?user={user}&password={p}&ssl=true", "jdbc"),
    ("$ cat ~/.pgpass\n{host}:5432:{app}:{user}:{p}", "command_output"),
]


def connstring_cases(rng: Random, n: int) -> list[tuple[str, str, str]]:
    out = []
    rows = [(t, s, True) for t, s in URLS] + [(t, s, False) for t, s in RAW]
    for i in range(n):
        t, src, is_url = rows[i % len(rows)]
        if is_url:
            raw = F.password(rng, rng.choice(["random", "random", "human"]))
            p = quote(raw, safe="")
        else:
            p = F.rs(rng, F.ALNUM + "!#%*+-.^_~@", rng.randrange(14, 26))
            if "jdbc" in t or "pgpass" in t:
                p = F.rs(rng, F.ALNUM + "-._~", 20)
        out.append((fill(rng, t).replace("{p}", p), p, src))
    return out
