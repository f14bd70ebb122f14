"""blind15 hard negatives, part 3: help text, password prompts, encrypted values, commands that
read a secret from a file or stdin, truncated/too-short values, revocation prose, URLs without
credentials and non-secret settings whose names sound secret.

Revocation prose, decided: a line that says a credential was revoked but names it only by label,
id, accessor or last four characters is a negative; a full credential value quoted in such prose
would be a positive (revocation cannot be checked from the text), so none appears here."""

from __future__ import annotations

import base64
import random

from _blind15_gen import B64, HEX, Case, neg, rs

HELP = [
    "$ mysql --help | grep -A1 -- '--password'\n  -p, --password[=name]\n                      Password to use when connecting to server. If password is\n                      not given it's asked from the tty.",
    "$ curl --help auth\n -u, --user <user:password> Server user and password\n     --oauth2-bearer <token> OAuth 2 Bearer Token",
    "$ psql --help\nConnection options:\n  -U, --username=USERNAME  database user name\n  -W, --password           force password prompt (should happen automatically)",
    "$ docker login --help\nUsage:  docker login [OPTIONS] [SERVER]\n  -p, --password string   Password\n      --password-stdin    Take the password from stdin",
    "$ gh auth login --help\n      --with-token          Read token from standard input",
    '$ sshpass -h\nUsage: sshpass [-f|-d|-p|-e] [-hV] command parameters\n   -p password   Provide password as argument (security unwise)\n   -e            Password is passed as env-var "SSHPASS"',
    "$ sudo -h | grep stdin\n  -S, --stdin                   read password from standard input",
    "$ redis-cli --help | grep -- -a\n  -a <password>      Password to use when connecting to the server.",
    "$ az storage blob list -h\n    --account-key : Storage account key. Must be used in conjunction with storage account name.\n                    Environment variable: AZURE_STORAGE_KEY.",
    "$ aws configure help\n       aws_secret_access_key\n          The AWS secret access key used to sign requests.",
    "$ databricks configure --help\n  --token   Prompt for a personal access token (dapi...) instead of a password",
    "$ fly secrets set --help\nUsage:\n  fly secrets set [flags] NAME=VALUE NAME=VALUE ...",
    "$ vault login -h\n  token=<string>  The token to authenticate with. If '-', the token is read from stdin.",
    "$ wget --help | grep password\n       --password=PASS             set both ftp and http password to PASS\n       --ask-password              prompt for passwords",
    "$ openssl pkcs12 -help 2>&1 | grep pass\n -passin val        Input file pass phrase source\n -passout val       Output file pass phrase source",
    "$ twilio profiles:add --help\n  --auth-token=auth-token    Twilio auth token for the profile (input hidden if omitted)",
    "$ pg_dump --help | grep -i pass\n  -w, --no-password        never prompt for password\n  -W, --password           force password prompt (should happen automatically)",
    "$ htpasswd\nUsage:\n\thtpasswd [-cimB25dpsDv] [-C cost] passwordfile username\n\t-b  Use the password from the command line rather than prompting for it.",
    "$ stripe login --help\n      --api-key string   Your API key to use for the command",
    "$ npm token --help\nnpm token list\nnpm token revoke <id|token>\nnpm token create [--read-only] [--cidr=list]",
    "$ mongosh --help | grep -i password\n    -p, --password [arg]   Password for authentication",
    "$ az login -h\n    --password -p : Credentials like user password, or for a service principal, provide client secret or a pem file.",
    "$ curl --help all | grep -i bearer\n     --oauth2-bearer <token> OAuth 2 Bearer Token",
    "$ kubectl create secret generic --help\n  --from-literal=[]: Specify a key and literal value to insert in secret (i.e. mykey=somevalue)",
    "$ telegram-send --help\n  --configure          configure telegram-send (asks for the bot token of @BotFather)",
    "$ mysqldump --help | grep -i -A1 password\n  -p, --password[=name]\n                      Password to use when connecting to server.",
    "$ aws configure set help\n       Set a configuration value from the config file, e.g. aws_secret_access_key.",
    "$ psql --help | grep PGPASSWORD\n  PGPASSWORD         connection password (not recommended)",
]

PROMPTS = [
    "Password:",
    "[sudo] password for alice:",
    "Enter passphrase for key '/home/alice/.ssh/id_ed25519':",
    "mysql: [Warning] Using a password on the command line interface can be insecure.",
    "Enter host password for user 'bob':",
    "Username for 'https://github.com': alice\nPassword for 'https://alice@github.com':",
    "Vault password:",
    "Enter PEM pass phrase:\nVerifying - Enter PEM pass phrase:",
    "Sorry, try again.\n[sudo] password for deploy:",
    "su: Authentication failure",
    "WARNING! Your password will be stored unencrypted in /home/alice/.docker/config.json.\nLogin Succeeded",
    "AWS Secret Access Key [None]:",
    "? Paste your authentication token: ****************************************",
    "deploy@10.0.4.12's password:\nPermission denied, please try again.",
    'psql: error: connection to server at "db.internal" (10.0.3.17), port 5432 failed: FATAL:  password authentication failed for user "app"',
    "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)",
    "Enter Auth Password:",
    "New password:\nRetype new password:\npasswd: password updated successfully",
    "Enter keystore password:\nRe-enter new password:",
    "New password:\nRe-type new password:\nAdding password for user alice",
    "Token (input hidden):",
    "Enter the Databricks personal access token:",
    "Paste the bot token you got from @BotFather:",
    "redis-cli: AUTH failed: WRONGPASS invalid username-password pair or user is disabled.",
    "Enter your Twilio Auth Token (will be hidden):",
    "Enter password: ",
    "Password for user app: ",
    "sudo: 3 incorrect password attempts",
]


def encrypted(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(30):
        k = i % 10
        if k == 0:
            body = "\n".join(rs(r, HEX, 80) for _ in range(4))
            t = f"$ cat group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n{body}"
        elif k == 1:
            body = "\n".join("  " + rs(r, HEX, 80) for _ in range(3))
            t = f"db_password: !vault |\n  $ANSIBLE_VAULT;1.2;AES256;prod\n{body}"
        elif k == 2:
            t = f"api_key: ENC[AES256_GCM,data:{rs(r, B64, 44)},iv:{rs(r, B64, 43)}=,tag:{rs(r, B64, 22)}==,type:str]"
        elif k == 3:
            t = f"spec:\n  encryptedData:\n    password: AgB{rs(r, B64, 600)}=="
        elif k == 4:
            b = base64.b64encode(r.randbytes(300)).decode()
            lines = "\n".join(b[j : j + 64] for j in range(0, len(b), 64))
            t = f"$ gpg --armor --encrypt -r ops@acme.io token.txt && cat token.txt.asc\n-----BEGIN PGP MESSAGE-----\n\nhQIMA{lines}\n-----END PGP MESSAGE-----"
        elif k == 5:
            t = f"<password>{{AQAAABAAAAAQ{rs(r, B64, 40)}=}}</password>"
        elif k == 6:
            t = f'$ vault write -field=ciphertext transit/encrypt/app plaintext=$(base64 <<< "x")\nvault:v1:{rs(r, B64, 56)}=='
        elif k == 7:
            t = f'"CiphertextBlob": "AQICAHh{rs(r, B64, 180)}=="'
        elif k == 8:
            t = f"$ cat config/credentials.yml.enc\n{rs(r, B64, 120)}--{rs(r, B64, 22)}==--{rs(r, B64, 22)}=="
        else:
            t = f"$ openssl enc -aes-256-cbc -pbkdf2 -a -in token.txt\nU2FsdGVkX1{rs(r, B64, 54)}"
        out.append(neg(t, "encrypted-value", f"enc:{k}"))
    return out


FROM_FILE = [
    "docker login -u acmebot --password-stdin < ~/.docker/hub-token.txt",
    "gh auth login --with-token < ~/secrets/gh-token.txt",
    "export GITHUB_TOKEN=$(cat ~/.config/gh/token)",
    "PGPASSFILE=~/.pgpass psql -h db.internal -U app",
    "mysql --defaults-extra-file=~/.my.cnf -e 'select 1'",
    "sshpass -f ~/.ssh/pass.txt ssh deploy@10.0.4.12",
    "vault login - < ~/.vault-token",
    "kubectl create secret generic db --from-file=password=./password.txt",
    "curl -H @headers.txt https://api.acme.io/v1/me",
    "curl --netrc-file ~/.netrc https://nexus.acme.io/service/rest/v1/status",
    "aws configure import --csv file://new_user_credentials.csv",
    "openssl rsa -in key.pem -passin file:/run/secrets/key_pass -noout",
    "restic -r s3:s3.amazonaws.com/acme-restic --password-file /etc/restic/pass snapshots",
    "ansible-playbook site.yml --vault-password-file ~/.vault_pass.txt",
    "export AWS_SECRET_ACCESS_KEY=$(pass show aws/prod/secret)",
    "op run --env-file=.env.tpl -- ./deploy.sh",
    "mysql -u root -p",
    "databricks configure --token",
    'read -s -p "Password: " PW && export PW',
    "docker secret create db_pass ./db_pass.txt",
    "gcloud auth activate-service-account --key-file=sa.json",
    "redis-cli --askpass -h cache-01",
    "export PGPASSWORD=$(aws rds generate-db-auth-token --hostname db.internal --port 5432 --username app)",
    "twine upload --config-file ~/.pypirc dist/*",
    'echo "$(< /run/secrets/db_password)" | sudo -S -v',
    "az storage blob list --account-name acmelogs --auth-mode login -c raw",
    'curl -u "$(cat ~/.config/jenkins/user)" https://jenkins.acme.io/api/json',
    'export DISCORD_TOKEN="$(gcloud secrets versions access latest --secret=discord-bot-token)"',
    "sudo -A systemctl restart nginx  # SUDO_ASKPASS helper",
]

TRUNCATED = [
    "ghp_abc",
    "aws_access_key_id = AKIA1234",
    "if key.startswith('sk_live_'): raise ValueError('live key in test')",
    "grep -rnE 'xoxb-|xoxp-' src/",
    "DATABRICKS_TOKEN=dapi12",
    "password=ab",
    "token=x1",
    "git log -S 'AKIA' --oneline",
    "HF_TOKEN=hf_",
    "if (key.startsWith(\"sk-ant-\")) { provider = 'anthropic'; }",
    "curl -u admin: https://localhost:9200/_cat/indices",
    "PGPASSWORD= psql -h localhost -U postgres",
    "Authorization: Bearer ",
    "redis://:@localhost:6379/0",
    "GITLAB_TOKEN=glpat-3kQ",
    "DIGITALOCEAN_TOKEN=dop_v1_",
    "gitleaks detect --no-banner --report-format json | jq '.[].RuleID'",
    "TELEGRAM_TOKEN=123456:AB",
    "sendgrid key prefix is SG. followed by two parts",
    "ls ~/.aws && echo 'aws_secret_access_key ='",
    "curl -H 'Authorization: Bot ' https://discord.com/api/v10/gateway",
    "AccountKey=;EndpointSuffix=core.windows.net",
    "export TWILIO_AUTH_TOKEN=''",
    "sshpass -p '' ssh guest@10.0.9.9",
    "--api-key=",
    "AWS_SECRET_ACCESS_KEY=wJal",
    "export OPENAI_API_KEY=sk-proj-",
    "xoxb-",
]

REVOKED = [
    "Revoked token 'ci-deploy' for alice (last used 2024-03-02).",
    'GitHub: The personal access token (classic) "release-bot" was revoked because it was found in a public repository.',
    "The AWS access key ending in QX7F has been deactivated and deleted.",
    "$ gh auth logout\n✓ Logged out of github.com account alice",
    '{"ok": false, "error": "token_revoked"}',
    'HTTP/1.1 401 Unauthorized\n{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}',
    "$ vault token revoke -accessor zW9kYbQ2cT1pLrX4aN8mVs0e\nSuccess! Revoked token (if it existed)",
    "Stripe: the restricted key 'reporting' (rk_live_...8Qz1) was rolled; the old key expires in 12 hours.",
    "Discord: your bot token was reset. The previous token will no longer work.",
    "BotFather: Token for the bot @acme_alerts_bot has been revoked. Use /token to generate a new one.",
    "$ databricks tokens delete --token-id 5715498424f15ee0213be729257b53fc35a47d5953e3bdfd8ed22a0b93b339f4",
    "$ az storage account keys renew -g rg-prod -n acmeprod --key key1 -o none\nkey1 regenerated; update every AZURE_STORAGE_KEY consumer.",
    "$ twilio api:core:keys:remove --sid SK2a7d9e0c4b1f3865a2c7e9d0b4f1a3c6\nThe resource was deleted successfully",
    "Rotated PGPASSWORD for svc_backup on 2024-05-02; the old password is invalid.",
    "INFO rotated secret prod/db/password (version 14 -> 15), previous version scheduled for deletion",
    "$ npm token revoke 9c1e4f\nRemoved 1 token",
    "$ heroku authorizations:revoke 0b3e5f3a-2c4d-4e8f-9a1b-7c6d5e4f3a2b\nRevoking OAuth Authorization... done",
    'GitLab: personal access token "terraform" (id 4412) revoked by admin',
    "Sentry auth token 'ci-releases' deleted; last used 3 days ago",
    "Slack app 'deploy-notifier': tokens revoked after uninstall from workspace T0000000",
    "The leaked OpenAI key sk-...a91F was disabled automatically by secret scanning.",
    "$ aws iam update-access-key --user-name ci --access-key-id <redacted> --status Inactive",
    "[security] Credential rotation complete: 14 keys revoked, 14 reissued, 0 failures",
    "docker hub: access token 'github-actions' deactivated",
    "Twilio auth token rotated; secondary token promoted to primary for account acme-notify",
    "Your Databricks personal access token 'nightly-etl' expired on 2024-04-30 and was removed.",
    "Azure: storage account key1 for acmeprod was regenerated at 2024-05-02T09:00Z.",
    "AWS Health: we detected an exposed access key for IAM user ci and attached AWSCompromisedKeyQuarantineV2.",
]

NO_CRED_URLS = [
    "psql postgres://app@db.internal:5432/orders",
    "git clone https://github.com/acme/platform.git",
    "redis-cli -u redis://localhost:6379/0 ping",
    "mongosh 'mongodb://db1.internal,db2.internal/?replicaSet=rs0'",
    "git clone https://alice@git.acme.io/ops/deploy.git",
    "curl 'https://auth.acme.io/oauth/token?grant_type=client_credentials&token_type=bearer&expires_in=3600'",
    "celery -A tasks worker --broker=amqp://guest@rabbit:5672//",
    "git remote add origin git@github.com:acme/web.git",
    "git clone ssh://git@gitlab.acme.io:2222/data/etl.git",
    "DATABASE_URL=jdbc:postgresql://db:5432/app?ssl=true&sslmode=verify-full",
    "open 'https://app.acme.io/reset-password?step=2&lang=en'",
    "https://accounts.google.com/o/oauth2/v2/auth?client_id=1234-abc.apps.googleusercontent.com&response_type=code&scope=openid",
    "mysql://root@localhost/test",
    "postgresql:///app?host=/var/run/postgresql",
    "redis-sentinel://sentinel1:26379,sentinel2:26379/mymaster",
    "curl 'https://registry.npmjs.org/-/v1/search?text=token&size=20'",
    "pip install --index-url https://pypi.acme.io/simple/ acme-core",
    "npm view @acme/token-utils versions",
    "https://acme.atlassian.net/wiki/spaces/OPS/pages/123/Rotate+API+tokens",
    "curl https://api.telegram.org/",
    "curl -X POST https://discord.com/api/v10/interactions",
    "export HTTPS_PROXY=http://proxy.acme.io:3128",
    "ftp ftp://ftp.debian.org/debian/",
    "https://hooks.slack.com/services/",
    "git clone https://gitlab.acme.io/data/etl.git --depth 1",
    "amqp://rabbit.svc.cluster.local:5672/%2F",
    "curl https://api.github.com/repos/acme/web/actions/runs?per_page=5",
    "psql 'host=db.internal port=5432 dbname=app user=app sslmode=require'",
]

SETTINGS = [
    "TOKEN_TTL=3600",
    "PASSWORD_MIN_LENGTH=12",
    "API_KEY_HEADER=X-Api-Key",
    "SECRET_BACKEND=vault",
    "AUTH_TYPE=bearer",
    "token_type: Bearer",
    "JWT_ALGORITHM=RS256",
    "AZURE_STORAGE_ACCOUNT=acmeprod",
    "DATABRICKS_HOST=https://adb-4471932045512397.17.azuredatabricks.net",
    "TWILIO_PHONE_NUMBER=+15017122661",
    "TELEGRAM_CHAT_ID=-1001874402231",
    "DISCORD_GUILD_ID=1092837465019283746",
    "DB_USER=app DB_HOST=db.internal DB_PORT=5432",
    "OPENAI_MODEL=gpt-4o-mini",
    "ANTHROPIC_VERSION=2023-06-01",
    "PASSWORD_HASHER=argon2id",
    "KEY_ROTATION_DAYS=90",
    "SECRET_NAME=prod/db/password",
    "TOKEN_ENDPOINT=https://auth.acme.io/oauth/token",
    "vault token create -ttl=1h -policy=deploy -display-name=ci",
    "AWS_PROFILE=prod-admin AWS_DEFAULT_REGION=us-east-1",
    "STRIPE_API_VERSION=2024-04-10",
    "SESSION_COOKIE_SECURE=true CSRF_COOKIE_HTTPONLY=true",
    "aws configure set region eu-west-1 --profile ci",
    "GITHUB_REPOSITORY=acme/web SLACK_CHANNEL=#releases",
    "REDIS_TLS=true REDIS_DB=2",
    "OAUTH_SCOPES=openid profile email offline_access",
    "SECRET_ROTATION_ENABLED=true",
]


def neg_c(r: random.Random) -> list[Case]:
    out = [neg(t, "help-text", "help") for t in HELP]
    out += [neg(t, "password-prompt", "prompt") for t in PROMPTS]
    out += encrypted(r)
    out += [neg(t, "secret-from-file", "from-file") for t in FROM_FILE]
    out += [neg(t, "truncated-short", "truncated") for t in TRUNCATED]
    out += [neg(t, "revoked-prose", "revoked") for t in REVOKED]
    out += [neg(t, "url-no-credentials", "url") for t in NO_CRED_URLS]
    out += [neg(t, "non-secret-config", "settings") for t in SETTINGS]
    return out
