"""Context templates for blind12_corpus.py: the places an agent meets a credential (its
own command lines, env dumps, CI logs, command output). A template is a string with
``{v}`` for the value, ``{env}`` for a variable name and filler slots ({user}, {app},
{host}, {ts}, ...) filled with harmless random values by ``fill``."""

from __future__ import annotations

from random import Random

from _blind12_formats import DIGITS, HEX, LOWER, rs, uuid4

USERS = ["deploy", "ci-bot", "svc_reports", "alice", "jmartinez", "build", "ops", "admin", "app"]
APPS = ["billing-api", "web-frontend", "etl-worker", "checkout", "acme-portal", "search-svc",
        "notifier", "ledger", "inventory", "auth-gateway"]
HOSTS = ["db.internal.acme.io", "10.0.12.7", "prod-db-1.c9xk2.eu-west-1.rds.amazonaws.com",
         "pg.staging.local", "mysql-primary.svc.cluster.local", "127.0.0.1", "cache-01.prod"]


def _filler(rng: Random, slot: str) -> str:
    if slot == "user":
        return rng.choice(USERS)
    if slot == "app":
        return rng.choice(APPS)
    if slot == "host":
        return rng.choice(HOSTS)
    if slot == "ts":
        return f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rs(rng, DIGITS, 7)}Z"
    if slot == "n":
        return str(rng.randrange(2, 999))
    if slot == "email":
        return f"{rng.choice(USERS).replace('_', '.')}@{rng.choice(['acme.io', 'example.com', 'corp.dev'])}"
    if slot == "org":
        return rng.choice(["acme", "acme-corp", "platform-team", "dataeng", "widgets-inc"])
    if slot == "uuid":
        return uuid4(rng)
    if slot == "sha":
        return rs(rng, HEX, 40)
    if slot == "short":
        return rs(rng, HEX, 12)
    if slot == "region":
        return rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"])
    if slot == "word":
        return rs(rng, LOWER, rng.randrange(5, 9))
    raise KeyError(slot)


SLOTS = ["user", "app", "host", "ts", "n", "email", "org", "uuid", "sha", "short", "region", "word"]


STABLE = {"app", "user", "host", "email", "org", "word"}  # one value per fill() call


def fill(rng: Random, tpl: str, v: str = "", env: str = "TOKEN") -> str:
    out = tpl
    for slot in SLOTS:
        key = "{" + slot + "}"
        if key in out and slot in STABLE:
            out = out.replace(key, _filler(rng, slot))
        while key in out:
            out = out.replace(key, _filler(rng, slot), 1)
    return out.replace("{env}", env).replace("{v}", v)


ENV_FILLER = [
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/root", "HOME=/home/runner", "LANG=C.UTF-8", "TERM=xterm-256color", "SHLVL=1",
    "HOSTNAME={short}", "PWD=/srv/{app}", "NODE_ENV=production", "PYTHONUNBUFFERED=1",
    "TZ=UTC", "LOG_LEVEL=info", "PORT=8080", "AWS_REGION={region}", "GIT_COMMIT={sha}",
    "KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443", "CI=true",
    "GITHUB_SHA={sha}", "GITHUB_REPOSITORY={org}/{app}", "RUNNER_OS=Linux", "USER={user}",
    "SERVICE_NAME={app}", "OTEL_SERVICE_NAME={app}", "REQUEST_ID={uuid}", "LC_ALL=C.UTF-8",
    "VIRTUAL_ENV=/opt/venv", "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64", "EDITOR=vim",
]


def env_lines(rng: Random, k: int) -> list[str]:
    return [fill(rng, x) for x in rng.sample(ENV_FILLER, k)]


def _dump(rng: Random, line: str, k: int = 6) -> list[str]:
    lines = env_lines(rng, k)
    lines.insert(rng.randrange(len(lines) + 1), line)
    return lines


# Generic contexts: (rng, env name, value, spec) -> text.  ``spec`` may carry a
# ``header`` template (for curl) and an ``api`` URL.
def c_export(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    q = rng.choice(["", '"', "'"])
    tail = rng.choice(["", f" && {spec.get('cmd', './deploy.sh')}", f"; echo 'set {env}'"])
    return f"export {env}={q}{v}{q}{tail}"


def c_inline(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    cmd = spec.get("cmd", rng.choice(["python manage.py sync", "npm run release", "make deploy"]))
    return f"{env}={v} {cmd}"


def c_env_dump(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    head = rng.choice(["$ env", "$ env | sort", "$ printenv", "root@{short}:/app# env"])
    return fill(rng, head) + "\n" + "\n".join(_dump(rng, f"{env}={v}"))


def c_printenv(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return f"$ printenv {env}\n{v}\n$ "


def c_docker_inspect(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    items = ",\n".join(f'                "{x}"' for x in _dump(rng, f"{env}={v}", 4))
    return fill(rng, '$ docker inspect {app} --format \'{{json .Config}}\' | jq\n{\n'
                '            "Hostname": "{short}",\n            "Env": [\n') + items + \
        fill(rng, '\n            ],\n            "Image": "registry.acme.io/{app}:1.{n}.0"\n}')


def c_kubectl_describe(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return fill(rng, "$ kubectl describe pod {app}-7d9f8b6c5-x2x7q -n prod\n"
                "Containers:\n  {app}:\n    Image:   registry.acme.io/{app}:v{n}\n"
                "    Environment:\n      NODE_ENV:      production\n"
                "      @ENV@:  @V@\n      LOG_LEVEL:     info\n    Mounts:\n"
                "      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-{word} (ro)").replace("@ENV@", env).replace("@V@", v)


def c_heroku_config(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    lines = [f"{k.split('=')[0]}: {k.split('=', 1)[1]}" for k in env_lines(rng, 3)]
    lines.insert(rng.randrange(4), f"{env}: {v}")
    return fill(rng, "$ heroku config -a {app}\n=== {app} Config Vars\n" + "\n".join(lines))


def c_ci_setx(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    ts = fill(rng, "{ts}")
    cmd = rng.choice([f"+ export {env}={v}", f"+ {env}={v}", f"++ {env}={v}",
                      f"+ echo {env}={v}"])
    return f"{ts} + set -x\n{ts} {cmd}\n{ts} " + fill(rng, "+ ./scripts/publish.sh --env prod\n{ts} Publishing {app}...")


def c_dotenv(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    lines = _dump(rng, f"{env}={v}", 4)
    return rng.choice(["$ cat .env", "$ cat .env.production", "$ cat /srv/app/.env"]) + "\n" + "\n".join(lines)


def c_docker_run(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return fill(rng, f"docker run --rm -e {env}={v} -p 8080:8080 registry.acme.io/{{app}}:latest")


def c_gh_secret(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return fill(rng, rng.choice(['gh secret set {env} --body "{v}"', "gh secret set {env} -b {v} --repo {org}/{app}",
                                 "gh secret set {env} --env production --body '{v}'"]), v, env)


def c_kubectl_literal(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    key = env.lower().replace("_", "-")
    return fill(rng, f"kubectl create secret generic {{app}}-secrets --from-literal={key}={v} -n prod")


def c_fly(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return fill(rng, rng.choice([f"fly secrets set {env}={v} -a {{app}}", f"flyctl secrets set {env}=\"{v}\" --stage"]))


def c_vercel(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return rng.choice([f"printf '%s' '{v}' | vercel env add {env} production",
                       f"echo -n {v} | vercel env add {env} preview"])


def c_json(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    keys = [env.lower(), "token", "value", "secret", "apiKey"] if spec.get("prefixed", True) else [env.lower()]
    key = rng.choice(keys)
    return fill(rng, '{\n  "name": "{app}",\n  "created_at": "{ts}",\n') + f'  "{key}": "{v}",\n  "expires": null\n}}'


def c_yaml(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return rng.choice([
        fill(rng, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {app}\ntype: Opaque\nstringData:\n") + f"  {env.lower()}: {v}\n",
        fill(rng, "services:\n  {app}:\n    image: {app}:latest\n    environment:\n") + f"      - {env}={v}\n      - PORT=8080\n",
        fill(rng, "env:\n  - name: {env}\n    value: \"{v}\"\n  - name: LOG_LEVEL\n    value: debug\n", v, env),
    ])


def c_json_escaped(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    inner = f'{{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"Secret\\",\\"stringData\\":{{\\"{env.lower()}\\":\\"{v}\\"}}}}'
    return fill(rng, '  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: "') + inner + '\\n"'


def c_secretsmanager(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return fill(rng, '{\n    "ARN": "arn:aws:secretsmanager:{region}:123456789012:secret:{app}-AbCdEf",\n    "Name": "{app}",\n') + \
        f'    "SecretString": "{{\\"{env.lower()}\\":\\"{v}\\"}}",\n    "VersionStages": ["AWSCURRENT"]\n}}'


def c_traceback(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    api = spec.get("api", "https://api.acme.io/v1/items")
    return fill(rng, 'Traceback (most recent call last):\n  File "/srv/{app}/client.py", line {n}, in fetch\n'
                "    resp.raise_for_status()\n") + \
        f"requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: {api}?api_key={v}&page=2"


def c_python(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return rng.choice([f"python -c \"import os; os.environ['{env}']='{v}'; import app; app.main()\"",
                       f"node -e \"process.env.{env}='{v}'; require('./index.js')\""])


def c_url_query(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    api = spec.get("api", "https://api.acme.io/v1/items")
    k = rng.choice(["access_token", "token", "key", "api_key"])
    return f'curl -s "{api}?{k}={v}&limit=50"'


def c_url_encoded(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return fill(rng, "GET /oauth/callback?state={short}&next=https%3A%2F%2F{app}.acme.io%2Fapi%3Ftoken%3D") + \
        v + "%26mode%3Dfull HTTP/1.1\" 302 0"


def c_glued_x(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return f"$ printf 'x%s\\n' \"${env}\"\nx{v}"


def c_glued_us(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    return fill(rng, "WARN cache miss for key session_") + v + fill(rng, " (ttl=300s, node={short})")


def c_curl_header(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    hdr = spec.get("header", "Authorization: Bearer {v}").replace("{v}", v)
    api = spec.get("api", "https://api.acme.io/v1/items")
    q = rng.choice(["'", '"'])
    return f"curl -sS -H {q}{hdr}{q} {api}" + rng.choice(["", " | jq .", " -o out.json"])


def c_curl_verbose(rng: Random, env: str, v: str, spec: dict[str, str]) -> str:
    hdr = spec.get("header", "Authorization: Bearer {v}").replace("{v}", v)
    api = spec.get("api", "https://api.acme.io/v1/items")
    host, _, path = api.split("://", 1)[1].partition("/")
    return f"* Connected to {host} port 443\n> GET /{path} HTTP/2\n> Host: {host}\n> user-agent: curl/8.5.0\n" \
        f"> accept: */*\n> {hdr}\n>\n< HTTP/2 200\n< content-type: application/json"


GENERIC = {
    "export": c_export, "inline_env": c_inline, "env_dump": c_env_dump, "printenv": c_printenv,
    "docker_inspect": c_docker_inspect, "kubectl_describe": c_kubectl_describe,
    "heroku_config": c_heroku_config, "ci_setx": c_ci_setx, "dotenv": c_dotenv,
    "docker_run": c_docker_run, "gh_secret_set": c_gh_secret, "kubectl_literal": c_kubectl_literal,
    "fly_secrets": c_fly, "vercel_env": c_vercel, "json_output": c_json, "yaml": c_yaml,
    "json_escaped": c_json_escaped, "secretsmanager": c_secretsmanager, "traceback": c_traceback,
    "code_snippet": c_python, "url_query": c_url_query, "url_encoded": c_url_encoded,
    "glued_x": c_glued_x, "glued_underscore": c_glued_us, "curl_header": c_curl_header,
    "curl_verbose": c_curl_verbose,
}
# Glue/URL-encoding only make sense for values that carry their own prefix.
UNPREFIXED_SKIP = {"glued_x", "glued_underscore", "url_encoded", "url_query", "traceback"}
