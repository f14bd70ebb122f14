"""blind15 hard negatives, part 2: a secret's NAME in code and commands, hashes and digests,
ids and UUIDs, lockfile integrity strings, base64 that encodes nothing secret, and
identifiers and file names."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid

from _blind15_gen import ALNUM, B64, DIGITS, HEX, LOWER, UPPER, Case, neg, rs

SECRET_NAME = [
    "gcloud secrets versions access latest --secret=api-key-name",
    "python -c 'import os; print(len(os.environ[\"API_KEY\"]))'",
    "aws secretsmanager get-secret-value --secret-id prod/db/password --query VersionId",
    "kubectl get secret db-password -n prod -o jsonpath='{.metadata.creationTimestamp}'",
    "vault kv metadata get secret/stripe_api_key",
    'grep -rn "AWS_SECRET_ACCESS_KEY" --include=*.py .',
    "const token = process.env.GITHUB_TOKEN;",
    'db_pass = os.getenv("DB_PASSWORD")',
    "op read op://Private/Stripe/credential --no-newline | wc -c",
    "az keyvault secret show --vault-name kv-prod --name storage-account-key --query attributes",
    "gh secret list --repo acme/web | grep DISCORD_BOT_TOKEN",
    "unset TWILIO_AUTH_TOKEN DATABRICKS_TOKEN AZURE_STORAGE_KEY",
    "doppler secrets get OPENAI_API_KEY --plain --only-names",
    "if [ -z \"${TELEGRAM_BOT_TOKEN:-}\" ]; then echo 'TELEGRAM_BOT_TOKEN is not set' >&2; exit 1; fi",
    'sed -i "s/^API_KEY=.*/API_KEY=/" .env',
    "fly secrets unset SENTRY_AUTH_TOKEN -a acme-edge",
    "heroku config:unset SENDGRID_API_KEY -a acme-api",
    "kubectl create secret generic app --from-env-file=.env --dry-run=client -o name",
    "password_field = forms.CharField(widget=forms.PasswordInput, label='password')",
    "git log -p -S 'aws_secret_access_key' -- config/",
    "echo 'secret_key_base is required in production' >&2",
    'api_key = config["providers"]["openai"]["api_key"]',
    "gcloud secrets create slack-bot-token --replication-policy=automatic",
    "aws ssm get-parameter --name /prod/azure/storage_key --with-decryption --query Parameter.Version",
    "ENV_KEYS=(AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN)",
    "rg -l 'PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH' scripts/",
    "jq -r '.auths | keys[]' ~/.docker/config.json",
    "terraform state show azurerm_storage_account.main | grep -c primary_access_key",
]


def hashes(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(28):
        k = i % 10
        data = rs(r, ALNUM, 24).encode()
        s256, s1, m5 = (
            hashlib.sha256(data).hexdigest(),
            hashlib.sha1(data).hexdigest(),
            hashlib.md5(data).hexdigest(),
        )
        if k == 0:
            t = f"$ sha256sum dist/acme-cli_1.8.2_linux_amd64.tar.gz\n{s256}  dist/acme-cli_1.8.2_linux_amd64.tar.gz"
        elif k == 1:
            t = f"$ git log --oneline -3\n{s1[:7]} fix: retry on 429\n{hashlib.sha1(s1.encode()).hexdigest()[:7]} chore: bump deps\n{m5[:7]} feat: add export"
        elif k == 2:
            t = f"$ git rev-parse HEAD\n{s1}"
        elif k == 3:
            t = f"docker pull ghcr.io/acme/api@sha256:{s256}"
        elif k == 4:
            t = f"$ md5sum backup.sql.gz\n{m5}  backup.sql.gz"
        elif k == 5:
            t = f"Digest: sha256:{s256}\nStatus: Downloaded newer image for acme/api:2.3"
        elif k == 6:
            t = f"$ git show --stat {s1}\ncommit {s1}\nAuthor: Alice <alice@acme.io>"
        elif k == 7:
            t = f"curl -LO https://releases.acme.io/v1.8.2/acme.tgz && echo '{s256}  acme.tgz' | sha256sum -c"
        elif k == 8:
            t = f'ETag: "{m5}"'
        else:
            t = f"$ fly secrets list\nNAME            DIGEST                  CREATED AT\nAPI_KEY         {s256[:16]}        2m ago"
        out.append(neg(t, "hash-digest", f"hash:{k}"))
    return out


def ids(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(28):
        k = i % 12
        u = str(uuid.UUID(bytes=r.randbytes(16), version=4))
        if k == 0:
            t = f"X-Request-Id: {u}"
        elif k == 1:
            t = f"aws ec2 describe-instances --instance-ids i-0{rs(r, HEX, 16)} --query 'Reservations[].Instances[].State'"
        elif k == 2:
            t = f"arn:aws:iam::{rs(r, DIGITS, 12)}:role/ci-deployer"
        elif k == 3:
            t = f"az account set --subscription {u}"
        elif k == 4:
            t = f"traceparent: 00-{rs(r, HEX, 32)}-{rs(r, HEX, 16)}-01"
        elif k == 5:
            t = f"stripe customers retrieve cus_{rs(r, ALNUM, 14)}"
        elif k == 6:
            t = f"twilio api:core:accounts:fetch --sid AC{rs(r, HEX, 32)} -o json | jq .status"
        elif k == 7:
            t = f"curl https://discord.com/api/v10/channels/{r.randint(10**17, 10**18)}  # channel id only"
        elif k == 8:
            t = f"kubectl logs pod/api-{rs(r, LOWER + DIGITS, 10)}-{rs(r, LOWER + DIGITS, 5)} -n prod --since=10m"
        elif k == 9:
            t = f"gcloud projects describe acme-prod-{r.randint(10000, 99999)} --format='value(projectNumber)'\n{rs(r, DIGITS, 12)}"
        elif k == 10:
            t = f"databricks clusters get --cluster-id {r.randint(1000, 9999)}-{r.randint(100000, 999999)}-{rs(r, LOWER + DIGITS, 8)}"
        else:
            t = f'{{"id": "{u}", "slack_channel": "C0{rs(r, UPPER + DIGITS, 9)}", "run": {r.randint(10**9, 10**10)}}}'
        out.append(neg(t, "uuid-id", f"id:{k}"))
    return out


def lockfile(r: random.Random) -> list[Case]:
    out: list[Case] = []
    pkgs = ["lodash", "react-dom", "chalk", "esbuild", "undici", "zod", "axios", "semver"]
    for i in range(28):
        k = i % 7
        p = pkgs[i % len(pkgs)]
        s512 = base64.b64encode(r.randbytes(64)).decode()
        if k == 0:
            t = f'    "node_modules/{p}": {{\n      "version": "4.17.21",\n      "resolved": "https://registry.npmjs.org/{p}/-/{p}-4.17.21.tgz",\n      "integrity": "sha512-{s512}"\n    }},'
        elif k == 1:
            t = f'{p}@^1.2.0:\n  version "1.2.3"\n  resolved "https://registry.yarnpkg.com/{p}/-/{p}-1.2.3.tgz#{rs(r, HEX, 40)}"\n  integrity sha512-{s512}'
        elif k == 2:
            t = f"github.com/acme/{p} v1.4.0 h1:{base64.b64encode(r.randbytes(32)).decode()}"
        elif k == 3:
            t = f'[[package]]\nname = "{p}"\nversion = "0.9.1"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{rs(r, HEX, 64)}"'
        elif k == 4:
            t = f"{p}==2.31.0 \\\n    --hash=sha256:{rs(r, HEX, 64)}"
        elif k == 5:
            t = f"  /{p}@1.2.3:\n    resolution: {{integrity: sha512-{s512}}}"
        else:
            t = f'<script src="https://cdn.acme.io/{p}.min.js" integrity="sha384-{base64.b64encode(r.randbytes(48)).decode()}" crossorigin="anonymous"></script>'
        out.append(neg(t, "lockfile-integrity", f"lock:{k}"))
    return out


SVG = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle r="8"/></svg>'
).decode()


def b64_benign(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(30):
        k = i % 7
        obj = {
            "region": r.choice(["us-east-1", "eu-west-1"]),
            "replicas": r.randint(1, 9),
            "tier": "web",
        }
        enc = base64.b64encode(json.dumps(obj).encode()).decode()
        if k == 0:
            t = f"echo {enc} | base64 -d"
        elif k == 1:
            t = f"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA{rs(r, B64, 120)}"
        elif k == 2:
            t = f"$ kubectl get configmap app -o jsonpath='{{.binaryData.settings}}'\n{enc}"
        elif k == 3:
            msg = f"{r.choice(['hello from', 'release notes for', 'build log of'])} job {r.randint(100, 999)}"
            t = f"$ echo -n '{msg}' | base64\n{base64.b64encode(msg.encode()).decode()}"
        elif k == 4:
            t = f'  "icon{i}": "data:image/svg+xml;base64,{SVG}"'
        elif k == 5:
            t = f"helm.sh/release.v1: H4sIAAAAAAAC/{rs(r, B64, 160)}"
        else:
            t = f'--data-binary \'{{"payload": "{enc}", "encoding": "base64"}}\''
        out.append(neg(t, "base64-nonsecret", f"b64:{k}"))
    return out


IDENTIFIERS = [
    "pytest tests/test_rotate_api_key_when_token_expired.py -k test_secret_manager_refresh",
    "class SecretKeyRotationControllerV2(BaseController):",
    "ls -la ~/.ssh/id_rsa.pub ~/.ssh/known_hosts",
    "cp credentials.json.example credentials.json",
    "go test ./internal/auth/passwords_test.go -run TestPasswordHashingWithArgon2id",
    "cat tokenizer_config.json | jq .model_max_length",
    "vim scripts/aws_secret_access_key_rotation.py",
    "kubectl get sa default -o jsonpath='{.secrets[0].name}'\ndefault-token-7f9c8",
    "import { getAccessTokenSilently } from '@auth0/auth0-react';",
    "def test_databricks_token_is_masked_in_logs(caplog):",
    "git checkout feature/telegram-bot-token-refresh",
    "npm run build:discord-bot-token-validator",
    "tree config/\nconfig/\n├── azure_storage_key_vault.tf\n└── twilio_auth_token_secret.tf",
    "AUTH_TOKEN_HEADER_NAME = 'X-Auth-Token'",
    "mv .env.production.local.bak .env.production.local",
    "ansible-playbook rotate_mysql_root_password.yml --check",
    "CREATE TABLE api_keys (id bigserial, key_prefix text, key_hash bytea, revoked_at timestamptz);",
    "ruff check src/secret_scanner/generic_api_key_rule.py",
    "terraform import azurerm_key_vault_secret.storage_account_key https://kv-prod.vault.azure.net/secrets/storage-account-key/",
    "alembic revision -m 'add_password_reset_token_expires_at'",
    "docker build -t acme/token-exchange-service:1.4.0 .",
    "fn validate_bearer_token_signature(jwks: &JwkSet) -> Result<Claims>",
    "ls secrets/\nprod-db-password.enc  staging-db-password.enc  README.md",
    "helm upgrade --install sealed-secrets-controller sealed-secrets/sealed-secrets",
    "export GIT_ASKPASS=/usr/local/bin/git-credential-helper-askpass",
    "grep -c PasswordAuthentication /etc/ssh/sshd_config",
    "cargo add secrecy --features serde  # SecretString wrapper",
    "java -jar keycloak-admin-cli.jar get-client-secret-names --realm acme",
]


def neg_b(r: random.Random) -> list[Case]:
    out = [neg(t, "secret-name", "secret-name") for t in SECRET_NAME]
    out += hashes(r) + ids(r) + lockfile(r) + b64_benign(r)
    out += [neg(t, "identifier-filename", "identifier") for t in IDENTIFIERS]
    return out
