"""Formats whose secret is not simply ``{v}`` in a template, for blind12_corpus.py: JWTs,
PEM private keys, GCP service-account key JSON, base64 Basic-auth blobs, base64 values of
Kubernetes Secrets, and API keys of arbitrary tools. Each builder returns
``(text, secret, source)`` triples."""

from __future__ import annotations

import base64
import json
from random import Random

import _blind12_formats as F
from _blind12_contexts import fill

Case = tuple[str, str, str]


def jwt_cases(rng: Random, n: int) -> list[Case]:
    tpls = [
        ("curl -H \"Authorization: Bearer {v}\" https://api.acme.io/v2/me", "curl_header"),
        ("kubectl --server https://10.0.0.1:6443 --token={v} get pods -A", "cli_flag"),
        ("export SUPABASE_SERVICE_ROLE_KEY={v}", "export"),
        ('{"access_token":"{v}","token_type":"Bearer","expires_in":3600}', "json_output"),
        ("curl -s -b 'session={v}' https://{app}.acme.io/api/orders", "cookie"),
        ("vault write auth/jwt/login role=ci jwt={v}", "cli_arg"),
        ("> GET /api/v1/namespaces HTTP/1.1\n> Host: 10.0.0.1:6443\n> Cookie: access_token={v}\n>", "curl_verbose"),
        ("$ kubectl create token {app}-sa --duration 24h\n{v}", "command_output"),
        ("$ cat /var/run/secrets/kubernetes.io/serviceaccount/token\n{v}", "command_output"),
        ("argocd login argocd.acme.io --auth-token {v} --grpc-web", "cli_flag"),
        ("$ env | grep TOKEN\nID_TOKEN={v}\nTOKEN_TTL=3600", "env_dump"),
    ]
    out = []
    for i in range(n):
        t, src = tpls[i % len(tpls)]
        v = F.jwt(rng)
        out.append((fill(rng, t, v), v, src))
    return out


def _indent(pem: str, pad: str) -> str:
    return ("\n" + pad).join(pem.split("\n"))


def pem_cases(rng: Random, n: int) -> list[Case]:
    tpls = [
        ("$ cat ~/.ssh/id_rsa\n{v}\n$ ", "RSA", "command_output"),
        ("$ cat ~/.ssh/id_ed25519\n{v}", "OPENSSH", "command_output"),
        ("$ kubectl get secret {app}-tls -o jsonpath='{.data.tls\\.key}' | base64 -d\n{v}", "EC", "kubectl_output"),
        ("$ terraform output -raw private_key\n{v}", "RSA", "command_output"),
        ("$ openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048\n{v}", "PKCS8", "command_output"),
        ("{ts} + echo \"$DEPLOY_KEY\" > ~/.ssh/id_rsa\n{ts} + cat ~/.ssh/id_rsa\n{v}", "OPENSSH", "ci_setx"),
        ("$ vault kv get -field=private_key secret/{app}/deploy\n{v}", "EC", "command_output"),
        ("$ docker exec {app} cat /etc/ssl/private/server.key\n{v}", "PKCS8", "command_output"),
    ]
    out = []
    for i in range(n):
        if i % 5 == 3:  # YAML block scalar (indented) or .env with \n escapes
            pem = F.pem_private_key(rng)
            if rng.random() < 0.5:
                sec = _indent(pem, "    ")
                text = fill(rng, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {app}-tls\ntype: kubernetes.io/tls\nstringData:\n  tls.key: |\n    ") + sec + "\n"
                out.append((text, sec, "yaml"))
            else:
                sec = pem.replace("\n", "\\n")
                out.append((fill(rng, "$ cat .env\nAPP_NAME={app}\nJWT_PRIVATE_KEY=\"") + sec + "\"\nJWT_ALG=RS256", sec, "dotenv"))
            continue
        t, kind, src = tpls[i % len(tpls)]
        pem = F.pem_private_key(rng, kind)
        out.append((fill(rng, t, pem), pem, src))
    return out


def _sa_json(rng: Random, pem_escaped: str) -> str:
    proj = f"{rng.choice(['acme', 'data', 'ml'])}-{F.rs(rng, F.LOWER, 5)}-{F.rs(rng, F.DIGITS, 6)}"
    name = rng.choice(["ci-deployer", "terraform", "bq-loader", "gke-node"])
    return json.dumps({
        "type": "service_account", "project_id": proj, "private_key_id": F.rs(rng, F.HEX, 40),
        "private_key": "@@PK@@", "client_email": f"{name}@{proj}.iam.gserviceaccount.com",
        "client_id": F.rs(rng, F.DIGITS, 21), "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token"}, indent=2).replace("@@PK@@", pem_escaped)


def gcp_sa_cases(rng: Random, n: int) -> list[Case]:
    out = []
    for i in range(n):
        pem = F.pem_private_key(rng, "PKCS8")
        sec = pem.replace("\n", "\\n")
        doc = _sa_json(rng, sec + "\\n")
        k = i % 6
        if k == 0:
            out.append(("$ cat key.json\n" + doc, sec, "command_output"))
        elif k == 1:
            out.append((fill(rng, "$ gcloud iam service-accounts keys create sa.json --iam-account ci@{app}.iam.gserviceaccount.com && cat sa.json\n") + doc, sec, "command_output"))
        elif k == 2:
            one = json.dumps(json.loads(doc.replace("\\n", "@@NL@@")), separators=(",", ":")).replace("@@NL@@", "\\n")
            out.append(("export GOOGLE_CREDENTIALS='" + one + "'", sec, "export"))
        elif k == 3:
            out.append((fill(rng, "$ kubectl get secret gcp-sa -n {app} -o jsonpath='{.data.key\\.json}' | base64 -d\n") + doc, sec, "kubectl_output"))
        elif k == 4:
            one = json.dumps(json.loads(doc.replace("\\n", "@@NL@@")), separators=(",", ":")).replace("@@NL@@", "\\n")
            esc = json.dumps("GCP_SA_JSON=" + one)
            sec2 = sec.replace("\\", "\\\\")
            out.append((fill(rng, '"Env": [\n    "PATH=/usr/local/bin:/usr/bin",\n    ') + esc + ',\n    "PORT=8080"\n]', sec2, "docker_inspect"))
        else:
            out.append(("$ terraform output -raw sa_key | base64 -d\n" + doc, sec, "command_output"))
    return out


def basic_b64_cases(rng: Random, n: int) -> list[Case]:
    tpls = [
        ("curl -H 'Authorization: Basic {v}' https://registry.acme.io/v2/_catalog", "curl_header"),
        ("> GET /api/v1/builds HTTP/1.1\n> Host: ci.acme.io\n> Authorization: Basic {v}\n> User-Agent: curl/8.5.0", "curl_verbose"),
        ('$ cat ~/.docker/config.json\n{\n  "auths": {\n    "registry.acme.io": {\n      "auth": "{v}"\n    }\n  }\n}', "command_output"),
        ("$ cat .npmrc\nregistry=https://npm.acme.io/\n_auth={v}\nalways-auth=true", "command_output"),
        ("git -c http.extraHeader=\"Authorization: Basic {v}\" clone https://git.acme.io/{org}/{app}.git", "cli_flag"),
        ("wget --header=\"Authorization: Basic {v}\" https://artifacts.acme.io/{app}-1.{n}.tgz", "cli_flag"),
        ("{ts} [command]/usr/bin/git config --local http.https://github.com/.extraheader AUTHORIZATION: basic {v}", "ci_log"),
        ("requests.exceptions.HTTPError: 403 Forbidden; request headers={'Authorization': 'Basic {v}', 'Accept': '*/*'}", "traceback"),
    ]
    out = []
    for i in range(n):
        t, src = tpls[i % len(tpls)]
        user = rng.choice(["x-access-token", "deploy", "admin", "ci", "jenkins"])
        pw = F.github_server_to_server(rng) if user == "x-access-token" else F.password(rng)
        v = base64.b64encode(f"{user}:{pw}".encode()).decode()
        out.append((fill(rng, t, v), v, src))
    return out


def k8s_b64_cases(rng: Random, n: int) -> list[Case]:
    out = []
    for i in range(n):
        raw = F.password(rng) if i % 2 else F.generic_api_key(rng)
        v = base64.b64encode(raw.encode()).decode()
        key = rng.choice(["password", "api-key", "token", "DB_PASSWORD", "client-secret"])
        if i % 3 == 0:
            t = fill(rng, "$ kubectl get secret {app}-creds -o yaml\napiVersion: v1\ndata:\n  username: YXBw\n") + f"  {key}: {v}\nkind: Secret\n"
        elif i % 3 == 1:
            t = fill(rng, '$ kubectl get secret {app} -o json | jq .data\n{\n  "host": "ZGIuaW50ZXJuYWw=",\n') + f'  "{key}": "{v}"\n}}'
        else:
            t = f"$ kubectl get secret {fill(rng, '{app}')} -o jsonpath='{{.data.{key}}}'\n{v}"
        out.append((t, v, "kubectl_output"))
    return out


def generic_api_key_cases(rng: Random, n: int) -> list[Case]:
    tpls = [
        ("export WEATHERSTACK_API_KEY={v}", "export"),
        ("curl -H \"X-API-Key: {v}\" https://api.{word}.io/v1/status", "curl_header"),
        ("{word}ctl --api-key {v} sync --all", "cli_flag"),
        ("./bin/ingest --api-key={v} --source s3://{app}-raw", "cli_flag"),
        ("MISTRAL_API_KEY={v} python chat.py", "inline_env"),
        ('$ cat config.json\n{\n  "endpoint": "https://api.{word}.com",\n  "apiKey": "{v}"\n}', "json_output"),
        ("$ cat settings.yaml\nservice:\n  url: https://{word}.io\n  api_key: {v}\n", "yaml"),
        ("curl \"https://api.openweathermap.org/data/2.5/weather?q=Oslo&appid={v}\"", "url_query"),
        ("> POST /v2/events HTTP/1.1\n> Host: ingest.{word}.io\n> x-api-key: {v}\n> content-type: application/json", "curl_verbose"),
        ("helm upgrade --install {app} ./chart --set secrets.apiKey={v}", "cli_flag"),
        ("$ env\nHOME=/root\nCOHERE_API_KEY={v}\nLANG=C.UTF-8", "env_dump"),
        ("litellm --model command-r --api_key {v}", "cli_flag"),
        ("ValueError: invalid credentials for client(api_key='{v}', region='eu')", "traceback"),
        ("$ cat .env\nSERVICE_URL=https://{word}.internal\nSERVICE_TOKEN={v}", "dotenv"),
        ("ALGOLIA_APP_ID={short} ALGOLIA_ADMIN_KEY={v} npm run reindex", "inline_env"),
        ("http POST https://api.{word}.io/v1/jobs X-Auth-Token:{v} name=nightly", "httpie"),
    ]
    out = []
    for i in range(n):
        t, src = tpls[i % len(tpls)]
        v = F.generic_api_key(rng)
        out.append((fill(rng, t, v), v, src))
    return out


SPECIAL = {
    "jwt": (jwt_cases, 11), "private_key_pem": (pem_cases, 10), "gcp_service_account_key": (gcp_sa_cases, 8),
    "basic_auth_base64": (basic_b64_cases, 9), "k8s_secret_base64": (k8s_b64_cases, 8),
    "generic_api_key": (generic_api_key_cases, 16),
}
