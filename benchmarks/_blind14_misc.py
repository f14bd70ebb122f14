"""blind14 positives: env dumps and dotfiles of other developer tools (AI keys, doctl, pulumi,
terraform cloud, huggingface, sops/age, rclone), connection URLs, app signing keys, passwords
on command lines, and SSH private keys."""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    ALNUM,
    HEX,
    LOWER,
    LOWNUM,
    Case,
    age_secret_key,
    anthropic_key,
    b64,
    openai_key,
    openssh_ed25519,
    password,
    pos,
    rbytes,
    rclone_obscured,
    rs,
    tfc_token,
)


def _env(rng: random.Random, line: str) -> str:
    pre = rng.sample(["HOME=/home/dev", "SHELL=/bin/bash", "LANG=C.UTF-8", "TERM=xterm-256color", "USER=dev", "PWD=/workspace", "SHLVL=2", "EDITOR=vim", "PYTHONUNBUFFERED=1"], 4)
    post = rng.sample(["PATH=/usr/local/bin:/usr/bin:/bin", "HOSTNAME=devbox", "_=/usr/bin/env", "TZ=UTC", "LC_ALL=C.UTF-8"], 2)
    return "$ env\n" + "\n".join([*pre, line, *post])


def ai_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(16):
        if i < 8:
            key, var, fmt = openai_key(rng), "OPENAI_API_KEY", "openai_api_key"
        else:
            key, var, fmt = anthropic_key(rng), "ANTHROPIC_API_KEY", "anthropic_api_key"
        t = i % 4
        if t == 0:
            text = _env(rng, f"{var}={key}")
        elif t == 1:
            text = f"$ cat .env\n# local dev\n{var}={key}\nMODEL=default"
        elif t == 2:
            text = f"$ echo ${var}\n{key}"
        else:
            text = f"$ set | grep -i _API_KEY\n{var}='{key}'"
        out.append(pos(text, key, fmt, "env / dotenv"))
    return out


def db_urls(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        pw = password(rng, url_safe=True) if i % 3 else rs(rng, HEX, 64)
        host = f"{rs(rng, LOWER, 8)}.{rs(rng, LOWNUM, 10)}.us-east-1.rds.amazonaws.com"
        t = i % 5
        if t == 0:
            text = _env(rng, f"DATABASE_URL=postgres://app:{pw}@{host}:5432/orders?sslmode=require")
        elif t == 1:
            text = f"$ heroku pg:credentials:url DATABASE -a shop-api\nConnection information for default credential.\nConnection info string:\n   \"dbname=d{rs(rng, LOWNUM, 13)} host=ec2-54-1-2-3.compute-1.amazonaws.com port=5432 user=u{rs(rng, LOWNUM, 13)} password={pw} sslmode=require\"\nConnection URL:\n   postgres://u{rs(rng, LOWNUM, 13)}:{pw}@ec2-54-1-2-3.compute-1.amazonaws.com:5432/d{rs(rng, LOWNUM, 13)}"
        elif t == 2:
            text = f"$ printenv REDIS_URL\nrediss://default:{pw}@{rs(rng, LOWER, 10)}.upstash.io:6379"
        elif t == 3:
            text = f"$ cat .env.production\nMONGODB_URI=mongodb+srv://svc:{pw}@cluster0.{rs(rng, LOWNUM, 5)}.mongodb.net/shop?retryWrites=true&w=majority\nNODE_ENV=production"
        else:
            text = f"$ fly ssh console -C 'printenv DATABASE_URL' -a shop-api\nConnecting to fdaa:0:1::2... complete\npostgres://shop_api:{pw}@shop-db.flycast:5432/shop_api?sslmode=disable"
        out.append(pos(text, pw, "connection_url_password", "env / heroku pg / fly ssh"))
    return out


def ssh_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        key = openssh_ed25519(rng)
        t = i % 4
        if t == 0:
            text = f"$ cat ~/.ssh/id_ed25519\n{key}"
        elif t == 1:
            text = f"$ op read \"op://Infra/deploy-key/private key\"\n{key}"
        elif t == 2:
            text = f"$ kubectl get secret git-deploy-key -n argocd -o jsonpath='{{.data.sshPrivateKey}}' | base64 -d\n{key}"
        else:
            text = f"$ vault kv get -field=private_key secret/ci/deploy\n{key}"
        out.append(pos(text, key, "ssh_private_key", "ssh key dumps"))
    return out


def tool_tokens(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = tfc_token(rng)
        if i % 2:
            text = f"$ cat ~/.terraform.d/credentials.tfrc.json\n{json.dumps({'credentials': {'app.terraform.io': {'token': tok}}}, indent=2)}"
        else:
            text = _env(rng, f"TF_TOKEN_app_terraform_io={tok}")
        out.append(pos(text, tok, "terraform_cloud_token", "terraform credentials"))
    for i in range(8):
        tok = "dop_v1_" + rs(rng, HEX, 64)
        t = i % 3
        if t == 0:
            text = f"$ cat ~/.config/doctl/config.yaml\naccess-token: {tok}\ncontext: default\noutput: text"
        elif t == 1:
            text = f"$ doctl auth init --access-token {tok}\nValidating token... ✔"
        else:
            text = _env(rng, f"DIGITALOCEAN_ACCESS_TOKEN={tok}")
        out.append(pos(text, tok, "digitalocean_token", "doctl"))
    for i in range(8):
        tok = "pul-" + rs(rng, HEX, 40)
        if i % 2:
            doc = {"current": "https://api.pulumi.com", "accessTokens": {"https://api.pulumi.com": tok}, "accounts": {"https://api.pulumi.com": {"accessToken": tok, "username": "jdoe", "lastValidatedAt": "2024-05-02T10:11:12Z"}}}
            text = f"$ cat ~/.pulumi/credentials.json\n{json.dumps(doc, indent=4)}"
        else:
            text = _env(rng, f"PULUMI_ACCESS_TOKEN={tok}")
        out.append(pos(text, tok, "pulumi_token", "pulumi credentials"))
    for i in range(8):
        tok = "hf_" + rs(rng, LOWER + LOWER.upper(), 34)
        t = i % 3
        if t == 0:
            text = f"$ cat ~/.cache/huggingface/token\n{tok}"
        elif t == 1:
            text = f"$ huggingface-cli login --token {tok}\nToken is valid (permission: write).\nYour token has been saved to /home/dev/.cache/huggingface/token\nLogin successful"
        else:
            text = _env(rng, f"HF_TOKEN={tok}")
        out.append(pos(text, tok, "huggingface_token", "huggingface cli"))
    return out


def age_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        key = age_secret_key(rng)
        pub = "age1" + rs(rng, "qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58)
        t = i % 3
        if t == 0:
            text = f"$ cat ~/.config/sops/age/keys.txt\n# created: 2024-04-0{rng.randrange(1, 9)}T10:11:12+02:00\n# public key: {pub}\n{key}"
        elif t == 1:
            text = f"$ age-keygen\n# created: 2024-05-1{rng.randrange(9)}T08:00:00Z\n# public key: {pub}\n{key}"
        else:
            text = _env(rng, f"SOPS_AGE_KEY={key}")
        out.append(pos(text, key, "age_secret_key", "sops / age-keygen"))
    return out


def rclone(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        ob = rclone_obscured(rng)
        kind = ["sftp", "webdav", "ftp", "mega"][i % 4]
        extra = {"sftp": "host = backup.example.net\nuser = backup\nport = 22", "webdav": "url = https://cloud.example.com/remote.php/dav/files/jdoe\nvendor = nextcloud\nuser = jdoe", "ftp": "host = ftp.example.org\nuser = upload", "mega": "user = jdoe@example.com"}[kind]
        text = f"$ rclone config show {kind}-remote\n[{kind}-remote]\ntype = {kind}\n{extra}\npass = {ob}"
        out.append(pos(text, ob, "rclone_obscured_password", "rclone config show"))
    return out


def app_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        t = i % 4
        if t == 0:
            val = rs(rng, HEX, 128)
            text = f"$ heroku config:get SECRET_KEY_BASE -a shop-web\n{val}"
        elif t == 1:
            val = "django-insecure-" + rs(rng, LOWNUM + "!@#$%^&*(-_=+)", 50) if rng.random() < 0.5 else rs(rng, LOWNUM + "!@#%^&*(-_=+)", 50)
            text = _env(rng, f"DJANGO_SECRET_KEY={val}")
        elif t == 2:
            val = "base64:" + b64(rbytes(rng, 32))
            text = f"$ grep APP_KEY .env\nAPP_KEY={val}"
        else:
            val = b64(rbytes(rng, 32))
            text = f"$ netlify env:list --plain --context production\nNEXTAUTH_URL=https://app.example.com\nNEXTAUTH_SECRET={val}\nNODE_VERSION=20"
        out.append(pos(text, val, "app_secret_key", "framework signing keys"))
    return out


def cli_passwords(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        pw = rs(rng, ALNUM, 3) + rs(rng, ALNUM + "_-.", rng.randrange(10, 20))
        t = i % 4
        if t == 0:
            text = f"$ mysql -h 10.0.3.14 -u root -p{pw} -e 'SHOW DATABASES;'\nmysql: [Warning] Using a password on the command line interface can be insecure.\n+--------------------+\n| Database           |\n+--------------------+\n| information_schema |\n| shop               |\n+--------------------+"
        elif t == 1:
            text = f"$ PGPASSWORD={pw} psql -h db.internal -U app -c '\\dt'\n        List of relations\n Schema |  Name  | Type  | Owner\n--------+--------+-------+-------\n public | orders | table | app"
        elif t == 2:
            text = f"$ redis-cli -h cache.internal -a {pw} ping\nWarning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\nPONG"
        else:
            text = f"$ sshpass -p '{pw}' ssh -o StrictHostKeyChecking=no admin@10.1.2.3 uptime\n 10:11:12 up 41 days,  3:02,  0 users,  load average: 0.08, 0.03, 0.01"
        out.append(pos(text, pw, "password_cli_flag", "database / ssh clients"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return ai_keys(rng) + db_urls(rng) + ssh_keys(rng) + tool_tokens(rng) + age_keys(rng) + rclone(rng) + app_keys(rng) + cli_passwords(rng)
