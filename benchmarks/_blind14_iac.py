"""blind14 positives: vault, terraform and docker output."""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    ALNUM,
    B64URL,
    HEX,
    LOWNUM,
    Case,
    b64,
    dockerhub_pat,
    password,
    pos,
    rbytes,
    rs,
    uuid4,
    vault_token,
)

PATHS = ["secret/app/prod", "kv/payments/stripe", "secret/ci/deploy", "kv/db/orders", "secret/team/ml"]


def vault_tokens(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        tok, acc = vault_token(rng), rs(rng, ALNUM, 24)
        t = i % 5
        if t == 0:
            text = f"$ vault token create -policy=deploy -ttl=24h\nKey                  Value\n---                  -----\ntoken                {tok}\ntoken_accessor       {acc}\ntoken_duration       24h\ntoken_renewable      true\ntoken_policies       [\"default\" \"deploy\"]\nidentity_policies    []\npolicies             [\"default\" \"deploy\"]"
        elif t == 1:
            doc = {"request_id": uuid4(rng), "lease_id": "", "lease_duration": 0, "renewable": False, "data": None, "warnings": None, "auth": {"client_token": tok, "accessor": acc, "policies": ["default", "ci"], "token_policies": ["default", "ci"], "lease_duration": 2764800, "renewable": True, "entity_id": uuid4(rng), "token_type": "service", "orphan": False}}
            text = f"$ vault login -method=github -format=json token=\"$GH_TOKEN\"\n{json.dumps(doc, indent=2)}"
        elif t == 2:
            text = f"$ vault print token\n{tok}"
        elif t == 3:
            text = f"$ cat ~/.vault-token; echo\n{tok}"
        else:
            text = f"$ vault login -method=userpass username=ops\nPassword (will be hidden):\nSuccess! You are now authenticated. The token information displayed below\nis already stored in the token helper. You do NOT need to run \"vault login\"\nagain. Future Vault requests will automatically use this token.\n\nKey                    Value\n---                    -----\ntoken                  {tok}\ntoken_accessor         {acc}\ntoken_duration         768h\ntoken_renewable        true\ntoken_policies         [\"default\" \"ops\"]"
        out.append(pos(text, tok, "vault_token", "vault token create / login"))
    return out


def unseal_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        keys = [b64(rbytes(rng, 33)) for _ in range(5)]
        root = "hvs." + rs(rng, ALNUM, 24)
        k = keys[rng.randrange(5)]
        t = i % 3
        if t == 0:
            lines = "\n".join(f"Unseal Key {n + 1}: {v}" for n, v in enumerate(keys))
            text = f"$ vault operator init\n{lines}\n\nInitial Root Token: {root}\n\nVault initialized with 5 key shares and a key threshold of 3."
        elif t == 1:
            doc = {"unseal_keys_b64": keys, "unseal_keys_hex": [rs(rng, HEX, 66) for _ in keys], "unseal_shares": 5, "unseal_threshold": 3, "recovery_keys_b64": [], "root_token": root}
            text = f"$ vault operator init -format=json\n{json.dumps(doc, indent=2)}"
        else:
            text = f"$ vault operator unseal {k}\nKey                Value\n---                -----\nSeal Type          shamir\nInitialized        true\nSealed             true\nTotal Shares       5\nThreshold          3\nUnseal Progress    1/3"
        out.append(pos(text, k, "vault_unseal_key", "vault operator init / unseal"))
    return out


def vault_kv(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        path, val = rng.choice(PATHS), password(rng)
        mount, sub = path.split("/", 1)
        t = i % 4
        if t == 0:
            text = f"$ vault kv get {path}\n== Secret Path ==\n{mount}/data/{sub}\n\n======= Metadata =======\nKey                Value\n---                -----\ncreated_time       2024-05-0{rng.randrange(1, 9)}T13:22:04.811249Z\ncustom_metadata    <nil>\ndeletion_time      n/a\ndestroyed          false\nversion            {rng.randrange(1, 12)}\n\n====== Data ======\nKey         Value\n---         -----\npassword    {val}\nusername    app"
        elif t == 1:
            doc = {"request_id": uuid4(rng), "lease_id": "", "lease_duration": 0, "renewable": False, "data": {"data": {"api_key": val, "endpoint": "https://api.internal"}, "metadata": {"created_time": "2024-04-11T08:00:31.0Z", "custom_metadata": None, "deletion_time": "", "destroyed": False, "version": 3}}, "warnings": None}
            text = f"$ vault kv get -format=json {path}\n{json.dumps(doc, indent=2)}"
        elif t == 2:
            text = f"$ vault kv get -field=password {path}\n{val}"
        else:
            user = f"v-token-readonly-{rs(rng, LOWNUM, 20)}-{rng.randrange(10**9, 2 * 10**9)}"
            val = rs(rng, ALNUM, 4) + "-" + rs(rng, ALNUM, 16)
            doc2 = {"request_id": uuid4(rng), "lease_id": f"database/creds/readonly/{rs(rng, ALNUM, 24)}", "lease_duration": 3600, "renewable": True, "data": {"password": val, "username": user}, "warnings": None}
            text = f"$ vault read -format=json database/creds/readonly\n{json.dumps(doc2, indent=2)}"
        out.append(pos(text, val, "password_vault_kv", "vault kv get / read"))
    return out


def terraform(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        val = password(rng)
        t = i % 5
        if t == 0:
            doc = {"db_endpoint": {"sensitive": False, "type": "string", "value": f"orders.{rs(rng, LOWNUM, 12)}.eu-west-1.rds.amazonaws.com:5432"}, "db_password": {"sensitive": True, "type": "string", "value": val}}
            text = f"$ terraform output -json\n{json.dumps(doc, indent=2)}"
        elif t == 1:
            text = f"$ terraform output -raw admin_password\n{val}"
        elif t == 2:
            doc2 = {"format_version": "1.0", "terraform_version": "1.7.5", "values": {"root_module": {"resources": [{"address": "random_password.db", "mode": "managed", "type": "random_password", "name": "db", "provider_name": "registry.terraform.io/hashicorp/random", "values": {"id": "none", "length": 24, "result": val, "special": True}, "sensitive_values": {"result": True}}]}}}
            text = f"$ terraform show -json | jq .\n{json.dumps(doc2, indent=2)}"
        elif t == 3:
            text = f"$ terraform state pull | jq '.resources[] | select(.type==\"random_password\") | .instances[0].attributes.result'\n\"{val}\""
        else:
            text = f"  # aws_lambda_function.worker will be updated in-place\n  ~ resource \"aws_lambda_function\" \"worker\" {{\n        id            = \"worker\"\n      ~ environment {{\n          ~ variables = {{\n              ~ \"SMTP_PASSWORD\" = \"{password(rng)}\" -> \"{val}\"\n                \"SMTP_USER\"     = \"mailer\"\n            }}\n        }}\n    }}\n\nPlan: 0 to add, 1 to change, 0 to destroy."
        out.append(pos(text, val, "password_terraform_output", "terraform output / show / plan"))
    return out


def docker_env(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        val, cid = password(rng), rs(rng, HEX, 12)
        t = i % 5
        if t == 0:
            env = ["POSTGRES_PASSWORD=" + val, "POSTGRES_USER=app", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PG_MAJOR=16"]
            text = f"$ docker inspect --format '{{{{json .Config.Env}}}}' {cid} | jq .\n{json.dumps(env, indent=2)}"
        elif t == 1:
            text = f"$ docker compose config\nname: shop\nservices:\n  db:\n    environment:\n      MYSQL_DATABASE: shop\n      MYSQL_ROOT_PASSWORD: {val}\n    image: mysql:8.4\n    networks:\n      default: null"
        elif t == 2:
            text = f"$ docker exec {cid} env\nPATH=/usr/local/bin:/usr/bin:/bin\nHOSTNAME={cid}\nRABBITMQ_DEFAULT_USER=admin\nRABBITMQ_DEFAULT_PASS={val}\nHOME=/var/lib/rabbitmq"
        elif t == 3:
            text = f"$ docker history --no-trunc --format '{{{{.CreatedBy}}}}' registry.example.com/api:1.4 | head -3\n/bin/sh -c #(nop)  CMD [\"node\" \"server.js\"]\n/bin/sh -c #(nop)  ENV NPM_CONFIG_LOGLEVEL=warn API_SECRET={val}\n/bin/sh -c #(nop) WORKDIR /app"
        else:
            text = f"$ docker run -d --name redis -e REDIS_PASSWORD='{val}' -p 6379:6379 bitnami/redis:7.2\n{rs(rng, HEX, 64)}"
        out.append(pos(text, val, "password_docker_env", "docker inspect / compose config"))
    return out


def docker_auth(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        user = rng.choice(["ci-bot", "deploy", "jdoe", "robot$builder", "_json_key"])
        auth = b64(f"{user}:{password(rng)}".encode())
        reg = rng.choice(["https://index.docker.io/v1/", "ghcr.io", "registry.gitlab.com", "harbor.corp.example:8443", "quay.io"])
        doc = {"auths": {reg: {"auth": auth}}, "HttpHeaders": {"User-Agent": "Docker-Client/24.0.7 (linux)"}}
        head = ["$ cat ~/.docker/config.json", "$ cat $XDG_RUNTIME_DIR/containers/auth.json", "$ kubectl get secret regcred -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d | jq .", "$ cat /kaniko/.docker/config.json"][i % 4]
        text = f"{head}\n{json.dumps(doc, indent=2 if i % 2 else 8)}"
        out.append(pos(text, auth, "docker_config_auth_b64", "docker config.json"))
    return out


def hub_pats(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        pat, user = dockerhub_pat(rng), rng.choice(["acmebot", "ci", "jdoe42", "releases"])
        t = i % 4
        if t == 0:
            text = f"$ docker login -u {user} -p {pat}\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nWARNING! Your password will be stored unencrypted in /home/runner/.docker/config.json.\nLogin Succeeded"
        elif t == 1:
            text = f"$ echo {pat} | docker login -u {user} --password-stdin\nLogin Succeeded"
        elif t == 2:
            text = f"$ env | grep -i docker\nDOCKERHUB_USERNAME={user}\nDOCKERHUB_TOKEN={pat}\nDOCKER_BUILDKIT=1"
        else:
            text = f"$ curl -s -X POST https://hub.docker.com/v2/users/login -H 'Content-Type: application/json' -d '{{\"username\":\"{user}\",\"password\":\"{pat}\"}}' | jq -r .token | cut -c1-12\n{rs(rng, B64URL, 12)}"
        out.append(pos(text, pat, "dockerhub_pat", "docker login / env"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return vault_tokens(rng) + unseal_keys(rng) + vault_kv(rng) + terraform(rng) + docker_env(rng) + docker_auth(rng) + hub_pats(rng)
