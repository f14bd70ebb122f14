"""blind15 hard negatives, part 1: low-entropy values, non-secret key material, placeholders,
variable references, masked values and vendors' published documentation examples."""

from __future__ import annotations

import base64
import random

from _blind15_gen import B64, BECH32, HEX, Case, neg, rs

LOW_ENTROPY = [
    "export TOKEN=abcdefghijklmnopqrstu",
    "PASSWORD=0123456789abcdef ./run-tests.sh",
    "API_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "SECRET_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "export AWS_SECRET_ACCESS_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "GITHUB_TOKEN=ghp_000000000000000000000000000000000000",
    "JWT_SECRET=secretsecretsecretsecret",
    "mysql -u root -p'123456789' test_db",
    "docker run -e POSTGRES_PASSWORD=1111111111 postgres:16",
    "curl -H 'Authorization: Bearer 00000000000000000000000000000000' http://localhost:8080/health",
    "--api-key 1234567890abcdef1234567890abcdef",
    "DISCORD_TOKEN=abcabcabcabcabcabcabcabcabcabcabc",
    "STRIPE_SECRET_KEY=sk_test_000000000000000000000000",
    "DATABASE_URL=postgres://test:testtesttest@localhost:5432/test",
    "redis-cli -a aaaaaaaaaaaa ping",
    "SLACK_BOT_TOKEN=xoxb-0000000000-0000000000-aaaaaaaaaaaaaaaaaaaaaaaa",
    "TWILIO_AUTH_TOKEN=00000000000000000000000000000000",
    "export AZURE_STORAGE_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    "echo 'qwertyuiopasdfghjkl' | sudo -S true",
    "DATABRICKS_TOKEN=dapi00000000000000000000000000000000",
    "sshpass -p 'abcdefgh' ssh test@127.0.0.1",
    "ENCRYPTION_KEY=0000000000000000000000000000000000000000000000000000000000000000",
    "PGPASSWORD=1234567890 psql -h localhost -U test",
    "OPENAI_API_KEY=sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "fly secrets set SESSION_SECRET=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    "TELEGRAM_TOKEN=123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "--password=abcdefghijklmnop",
    "API_TOKEN=ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
]


def _b64(r: random.Random, n: int) -> str:
    return base64.b64encode(r.randbytes(n)).decode()


def _lines(s: str) -> str:
    return "\n".join(s[i : i + 64] for i in range(0, len(s), 64))


def key_material(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(30):
        k = i % 14
        if k == 0:
            t = f"$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(r, B64, 43)} alice@laptop"
        elif k == 1:
            t = f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{_b64(r, 380)} deploy@ci"
        elif k == 2:
            t = f"-----BEGIN PUBLIC KEY-----\n{_lines('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' + _b64(r, 230))}\n-----END PUBLIC KEY-----"
        elif k == 3:
            t = f"$ openssl s_client -connect api.acme.io:443 -showcerts </dev/null\n-----BEGIN CERTIFICATE-----\n{_lines('MIIDdzCCAl+gAwIBAgIE' + _b64(r, 620))}\n-----END CERTIFICATE-----"
        elif k == 4:
            kind = r.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"])
            fill = r.choice(
                ["<paste your private key here>", "YOUR_PRIVATE_KEY", "...", "<redacted>"]
            )
            t = f"-----BEGIN {kind}-----\n{fill}\n-----END {kind}-----"
        elif k == 5:
            t = f"{r.choice(['db_password', 'api_token', 'smtp_pass'])}: !vault |\n  $ANSIBLE_VAULT;1.1;AES256"
        elif k == 6:
            t = f"$ ssh-keygen -lf ~/.ssh/id_ed25519.pub\n256 SHA256:{rs(r, B64, 43)} alice@laptop (ED25519)"
        elif k == 7:
            t = f"$ cat ~/.config/sops/age/recipients.txt\nage1{rs(r, BECH32.lower(), 58)}"
        elif k == 8:
            t = f"github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{_b64(r, 48)}"
        elif k == 9:
            t = f"$ gpg --armor --export ops@acme.io\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{_lines('mQINBGX' + _b64(r, 500))}\n-----END PGP PUBLIC KEY BLOCK-----"
        elif k == 10:
            t = f"$ cat {r.choice(['README.md', 'docs/setup.md'])}\n-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----"
        elif k == 11:
            t = f"  certificate-authority-data: {base64.b64encode(('-----BEGIN CERTIFICATE-----' + chr(10) + _b64(r, 90)).encode()).decode()}"
        elif k == 12:
            t = f"ansible-vault view group_vars/{r.choice(['prod', 'stage'])}/vault.yml --vault-id prod@prompt  # values stay under !vault tags"
        else:
            t = f"$ cat /etc/ssh/ssh_host_ed25519_key.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(r, B64, 43)} root@bastion"
        out.append(neg(t, "key-material-nonsecret", f"key:{k}"))
    return out


PLACEHOLDER = [
    "export OPENAI_API_KEY=sk-...",
    "ANTHROPIC_API_KEY=sk-ant-... claude",
    "SLACK_BOT_TOKEN=xoxb-not-a-real-token-this-will-not-work",
    'curl -H "Authorization: Bearer <your-token>" https://api.acme.io/v1/me',
    "export GITHUB_TOKEN=<your-github-token>",
    "aws configure set aws_secret_access_key YOUR_SECRET_ACCESS_KEY",
    "PGPASSWORD=<password> psql -h db -U app",
    "DATABASE_URL=postgres://user:password@localhost:5432/mydb",
    "redis-cli -u redis://:<password>@localhost:6379",
    "curl -u USERNAME:PASSWORD https://api.acme.io/v1/export",
    "curl https://api.telegram.org/bot<TOKEN>/getMe",
    'curl -H "Authorization: Bot YOUR_BOT_TOKEN" https://discord.com/api/v10/users/@me',
    "DATABRICKS_TOKEN=dapiXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "export AZURE_STORAGE_KEY=<storage-account-key>",
    "curl -u ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:your_auth_token https://api.twilio.com/2010-04-01/Accounts.json",
    "TOKEN=REPLACE_ME",
    'api_key: "INSERT_API_KEY_HERE"',
    "fly secrets set API_KEY=changeme",
    "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
    "echo '<sudo-password>' | sudo -S whoami",
    "sshpass -p 'your_password' ssh user@host",
    "mysql -u root -p'[PASSWORD]' app",
    "git clone https://<username>:<personal-access-token>@github.com/org/repo.git",
    "AccountKey=<account-key>;EndpointSuffix=core.windows.net",
    "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "--api-key YOUR_API_KEY",
    "export DISCORD_TOKEN=your-bot-token-goes-here",
    "aws_access_key_id = AKIAXXXXXXXXXXXXXXXX",
    "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/",
]

VARREF = [
    'curl -H "Authorization: Bearer $API_TOKEN" https://api.acme.io/v1/me',
    "export OPENAI_API_KEY=${OPENAI_API_KEY:?missing}",
    "echo ${{ secrets.NPM_TOKEN }} > ~/.npmrc",
    "set PGPASSWORD=%DB_PASSWORD% && psql -U app",
    "$env:GITHUB_TOKEN = $env:GH_PAT",
    "token: {{ .Values.apiToken | b64enc }}",
    'mysql -u app --password="$DB_PASS" -h db',
    'curl -u "$JENKINS_USER:$JENKINS_TOKEN" https://jenkins.acme.io/api/json',
    'aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY"',
    "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
    "redis-cli -u redis://:${REDIS_PASSWORD}@redis:6379/0 ping",
    "curl https://api.telegram.org/bot${TELEGRAM_TOKEN}/getMe",
    'curl -H "Authorization: Bot ${DISCORD_TOKEN}" https://discord.com/api/v10/users/@me',
    "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=$(ACCOUNT);AccountKey=$(AZURE_KEY)",
    'echo "$SUDO_PASS" | sudo -S systemctl restart nginx',
    'sshpass -p "$SSH_PASS" ssh deploy@10.0.4.12',
    'PGPASSWORD="$PGPASS" pg_dump -h db -U app app > app.sql',
    "./importer --api-key=${API_KEY:-}",
    'password: "{{ vault_db_password }}"',
    "api_key = \"#{ENV['MAILGUN_API_KEY']}\"",
    'curl -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" https://api.twilio.com/2010-04-01/Accounts.json',
    "fly secrets set STRIPE_KEY=$STRIPE_KEY",
    'databricks configure --token <<< "$DATABRICKS_TOKEN"',
    "docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY",
    'DISCORD_BOT_TOKEN="${DISCORD_BOT_TOKEN}" node bot.js',
    'git clone "https://oauth2:${GITLAB_TOKEN}@gitlab.acme.io/data/etl.git"',
    "terraform apply -var db_password=var.db_password",
    "az storage blob list --account-key $AZURE_STORAGE_KEY --account-name acmelogs -c raw",
]


def masked(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(30):
        k = i % 14
        h4 = rs(r, HEX, 4)
        if k == 0:
            t = f"OPENAI_API_KEY=sk-...{rs(r, HEX, 7)}"
        elif k == 1:
            t = (
                "$ aws configure list\n      Name                    Value             Type    Location\n"
                "      ----                    -----             ----    --------\n"
                f"access_key     ****************{rs(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 4)} shared-credentials-file\n"
                f"secret_key     ****************{rs(r, B64[:62], 4)} shared-credentials-file"
            )
        elif k == 2:
            who = r.choice(["alice", "bob", "ci-bot", "ops"])
            t = f"$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account {who} (keyring)\n  - Token: gho_************************************"
        elif k == 3:
            t = f'{{"user": "{r.choice(["svc_backup", "app", "etl"])}", "password": "{"*" * r.randint(6, 12)}", "host": "db.internal"}}'
        elif k == 4:
            t = f"ghp_****{h4}"
        elif k == 5:
            t = f'Run curl -H "Authorization: Bearer ***" https://api.acme.io/{r.choice(["deploy", "v1/jobs", "release"])}'
        elif k == 6:
            t = f"$ kubectl describe secret db-creds\nName:  db-creds\nType:  Opaque\n\nData\n====\npassword:  {r.randint(12, 40)} bytes\nusername:  5 bytes"
        elif k == 7:
            t = f"DATABASE_URL=postgres://app:****@db.internal:5432/app  # token ending {h4}"
        elif k == 8:
            t = f"STRIPE_SECRET_KEY=sk_live_••••••••••••{rs(r, '0123456789', 4)}"
        elif k == 9:
            t = f"AKIA************{rs(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 4)}"
        elif k == 10:
            t = r.choice(["Authorization: Bot [REDACTED]", "> authorization: Bot <redacted>"])
        elif k == 11:
            t = f"DATABRICKS_TOKEN=dapi****************************{h4}"
        elif k == 12:
            t = f"AccountName={r.choice(['acmeprod', 'acmelogs'])};AccountKey=***;EndpointSuffix=core.windows.net"
        else:
            t = f"https://api.telegram.org/bot{r.randint(10**8, 10**9)}:***/sendMessage"
        out.append(neg(t, "masked", f"masked:{k}"))
    return out


JWT_IO = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
    "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
AZURITE = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DOC_EXAMPLES = [
    "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
    "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS Access Key ID [None]: AKIAI44QH8DHBEXAMPLE\nAWS Secret Access Key [None]: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    f"curl -H 'Authorization: Bearer {JWT_IO}' http://localhost:3000/protected",
    f'{{"token": "{JWT_IO}"}}',
    "curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:",
    "stripe.api_key = 'sk_test_BQokikJOvBiI2HlWgH4olfQ2'",
    "const stripe = Stripe('pk_test_TYooMQauvdEDq54NiTphI7jx');",
    '{"ok": true, "access_token": "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy", "token_type": "bot"}',
    f"AZURE_STORAGE_CONNECTION_STRING='DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1'",
    f"az storage container create -n test --account-name devstoreaccount1 --account-key {AZURITE} --blob-endpoint http://127.0.0.1:10000/devstoreaccount1",
    "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer",
    "curl -s --user 'api:key-3ax6xnjp29jd6fds4gc373sgvjxteol0' https://api.mailgun.net/v3/samples.mailgun.org/messages",
    "docker run -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY localstack/localstack",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    f'$ jwt decode {JWT_IO}\nToken header\n------------\n{{"alg": "HS256", "typ": "JWT"}}',
    "Stripe::setApiKey('sk_test_4eC39HqLyjWDarjtT1zdp7dc');",
    f"AccountKey={AZURITE}",
    "curl -u sk_test_BQokikJOvBiI2HlWgH4olfQ2: https://api.stripe.com/v1/customers",
    "export AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    f"http :3000/api/me Authorization:'Bearer {JWT_IO}'",
    "SLACK_BOT_TOKEN=xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy python -m app",
    "mailgun_api_key: key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
    "GET /user HTTP/1.1\nAuthorization: token gho_16C7e42F292c6912E7710c838347Ae178B4a",
    "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY --profile localstack",
    "$ cat ~/.aws/credentials\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    f"jwt.decode('{JWT_IO}', 'your-256-bit-secret', algorithms=['HS256'])",
    "curl https://api.stripe.com/v1/payment_intents -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: -d amount=2000 -d currency=usd",
    f"docker run -p 10000:10000 mcr.microsoft.com/azure-storage/azurite  # key {AZURITE}",
]


def neg_a(r: random.Random) -> list[Case]:
    out = [neg(t, "low-entropy", "low-entropy") for t in LOW_ENTROPY]
    out += key_material(r)
    out += [neg(t, "placeholder", "placeholder") for t in PLACEHOLDER]
    out += [neg(t, "variable-reference", "varref") for t in VARREF]
    out += masked(r)
    out += [neg(t, "doc-example", "doc-example") for t in DOC_EXAMPLES]
    return out
