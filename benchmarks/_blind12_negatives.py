"""Hard negatives for blind12_corpus.py, part 1: values that sit where secrets sit but are
not secrets (low entropy, placeholders, template references, masked values, vendor
documentation examples, names of secrets, PEM armour without a key body)."""

from __future__ import annotations

from random import Random

import _blind12_formats as F
from _blind12_contexts import GENERIC, fill

WRAP = ["export", "env_dump", "dotenv", "kubectl_describe", "docker_run", "json_output",
        "heroku_config", "yaml", "inline_env", "gh_secret_set", "printenv"]


def wrap(rng: Random, env: str, val: str) -> tuple[str, str]:
    ctx = rng.choice(WRAP)
    return GENERIC[ctx](rng, env, val, {}), ctx


SECRET_ENVS = ["API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "STRIPE_SECRET_KEY", "AWS_SECRET_ACCESS_KEY",
               "SLACK_BOT_TOKEN", "OPENAI_API_KEY", "SECRET_KEY", "AUTH_TOKEN", "POSTGRES_PASSWORD",
               "NPM_TOKEN", "JWT_SECRET", "SENTRY_AUTH_TOKEN", "CLIENT_SECRET", "REDIS_PASSWORD"]


def low_entropy(rng: Random) -> list[tuple[str, str]]:
    vals = ["test", "testing", "dummy", "none", "null", "false", "0", "1", "foo", "foobar", "dev",
            "local", "xxxxxxxx", "x" * 40, "0" * 32, "a" * 24, "1234567890", "12345678",
            "abcdefghijklmnopqrstuvwxyz", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ABCDEF1234567890",
            "secretsecret", "tokentoken", "1111-2222-3333-4444"]
    out = []
    for v in vals:
        out.append(wrap(rng, rng.choice(SECRET_ENVS), v))
    out.append(("export API_KEY=", "export"))
    out.append(("redis-cli -a '' ping", "cli_flag"))
    return out


def placeholder(rng: Random) -> list[tuple[str, str]]:
    vals = ["sk-...", "<your-token>", "<YOUR_API_KEY>", "YOUR_API_KEY_HERE", "changeme", "REDACTED",
            "****", "[REDACTED]", "<redacted>", "your-secret-here", "replace-me", "TODO", "<PASSWORD>",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
            "AKIAXXXXXXXXXXXXXXXX", "xoxb-your-bot-token", "glpat-xxxxxxxxxxxxxxxxxxxx", "hf_xxxxxxxxxxxxxxxx",
            "sk-ant-api03-...", "insert_key_here", "<secret>"]
    out = [wrap(rng, rng.choice(SECRET_ENVS), v) for v in vals]
    out += [
        ("psql postgres://USER:PASSWORD@HOST:5432/DBNAME", "psql"),
        ("mysql -u root -p<password> -h localhost", "cli_flag"),
        ("curl -H 'Authorization: Bearer <token>' https://api.github.com/user", "curl_header"),
        ("docker login -u <username> -p <password> registry.example.com", "docker_login"),
        ("export DATABASE_URL=postgresql://user:password@localhost:5432/mydb", "export"),
    ]
    return out


def template_ref(rng: Random) -> list[tuple[str, str]]:
    return [(fill(rng, t), src) for t, src in [
        ("export GITHUB_TOKEN=${GH_PAT}", "export"),
        ("curl -H \"Authorization: Bearer ${API_TOKEN}\" https://api.{word}.io/v1/me", "curl_header"),
        ("      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "ci_yaml"),
        ("        run: echo \"${{ secrets.DOCKERHUB_TOKEN }}\" | docker login -u ${{ vars.DOCKER_USER }} --password-stdin", "ci_yaml"),
        ("  password: {{ .Values.postgresql.auth.password | b64enc | quote }}", "helm"),
        ("DATABASE_URL=postgres://{user}:$DB_PASSWORD@{host}:5432/{app}", "dotenv"),
        ("psql \"postgresql://$PGUSER:$PGPASSWORD@$PGHOST/$PGDATABASE\"", "psql"),
        ("mysql -u\"$MYSQL_USER\" -p\"$MYSQL_PASSWORD\" -h \"$MYSQL_HOST\"", "cli_flag"),
        ("redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping", "cli_flag"),
        ("docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" $CI_REGISTRY", "docker_login"),
        ("aws configure set aws_secret_access_key \"${AWS_SECRET_ACCESS_KEY}\"", "cli_arg"),
        ("  api_key: \"{{ lookup('env', 'DATADOG_API_KEY') }}\"", "ansible"),
        ("conn = psycopg2.connect(password=os.environ[\"DB_PASSWORD\"])", "code"),
        ("const stripe = require('stripe')(process.env.STRIPE_SECRET_KEY);", "code"),
        ("  MasterUserPassword: !Ref DbPassword", "cloudformation"),
        ("  password: '{{resolve:secretsmanager:prod/{app}/db:SecretString:password}}'", "cloudformation"),
        ("SECRET_KEY=${SECRET_KEY:?must be set}", "dotenv"),
        ("token = \"%(api_token)s\" % params", "code"),
        ("Authorization: Bearer #{ACCESS_TOKEN}#", "config"),
        ("set API_KEY=%API_KEY%", "cmd"),
        ("gh secret set NPM_TOKEN --body \"$NPM_TOKEN\"", "gh_secret_set"),
        ("kubectl create secret generic {app} --from-literal=password=\"${DB_PASS}\"", "kubectl_literal"),
        ("fly secrets set SENTRY_DSN=$SENTRY_DSN OPENAI_API_KEY=$OPENAI_API_KEY -a {app}", "fly_secrets"),
        ("{ts} + curl -sf -H 'Authorization: token ***' https://api.github.com/repos/{org}/{app}", "ci_setx"),
    ]]


def masked(rng: Random) -> list[tuple[str, str]]:
    def h(n: int) -> str:
        return F.rs(rng, F.HEX, n)
    def a(n: int) -> str:
        return F.rs(rng, F.ALNUM, n)
    return [(fill(rng, t), src) for t, src in [
        (f"OPENAI_API_KEY=sk-...{h(7)}", "env_dump"),
        (f"export GITHUB_TOKEN=ghp_****{a(4)}", "export"),
        ("$ aws configure list\n      Name                    Value             Type    Location\n      ----                    -----             ----    --------\n   profile                <not set>             None    None\n"
         f"access_key     ****************{F.rs(rng, F.B32, 4)} shared-credentials-file\nsecret_key     ****************{a(4)} shared-credentials-file\n    region                {{region}}      config-file    ~/.aws/config", "command_output"),
        ("$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account {user} (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo'", "command_output"),
        (f"STRIPE_SECRET_KEY=sk_live_...{a(4)}", "dotenv"),
        ("DATABASE_URL=postgres://{user}:****@{host}:5432/{app}", "env_dump"),
        ("{ts} + curl -H 'Authorization: Bearer ***' https://api.{word}.io/deploy", "ci_setx"),
        ("$ heroku config -a {app}\nDATABASE_URL: postgres://u8k2:********@ec2-3-91.compute-1.amazonaws.com:5432/d4f", "heroku_config"),
        ('{"name": "ci-token", "token_last_eight": "' + a(8) + '", "scopes": ["repo"]}', "json_output"),
        ("  password: ********", "yaml"),
        (f"Using API key sk-proj-****{a(4)} for organization org-{a(24)}", "log"),
        (f"HF_TOKEN=hf_***{a(3)}", "env_dump"),
        ("$ vercel env ls\n  name                value               environments\n  DATABASE_URL        Encrypted           Production\n  STRIPE_SECRET_KEY   Encrypted           Production, Preview", "command_output"),
        (f"Token: glpat-************{a(2)} (expires 2025-03-01)", "command_output"),
        ("$ gitlab-ci log\n$ echo $DEPLOY_TOKEN\n[MASKED]", "ci_log"),
        ("AWS_SECRET_ACCESS_KEY=****************************************", "env_dump"),
        (f"slack: connected with token xoxb-{F.rs(rng, F.DIGITS, 4)}…(redacted)", "log"),
        (f"api_key: {a(4)}{'*' * 28}", "yaml"),
        ("Authorization: Basic ****", "curl_verbose"),
        (f"INFO auth ok key_id=AKIA****{F.rs(rng, F.B32, 4)} user={{user}}", "log"),
        ("mysql -u root -p******** -h {host}", "cli_flag"),
        (f"$ doppler secrets get STRIPE_KEY\n┌────────────┬──────────────────────────┐\n│ NAME       │ VALUE                    │\n├────────────┼──────────────────────────┤\n│ STRIPE_KEY │ sk_live_••••••••{a(4)} │\n└────────────┴──────────────────────────┘", "command_output"),
        (f"npm notice Publishing with token npm_…{a(4)}", "log"),
        ("redis://:***@{host}:6379/0", "log"),
    ]]


def vendor_example(rng: Random) -> list[tuple[str, str]]:
    jwtio = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
             "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    azurite = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    rows = [
        ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "export"),
        ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "export"),
        ("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", "cli_arg"),
        ("aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "cli_arg"),
        ("$ cat ~/.aws/credentials\n[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", "command_output"),
        ("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls --endpoint-url http://localhost:4566", "inline_env"),
        (f"curl -H 'Authorization: Bearer {jwtio}' http://localhost:3000/api/me", "curl_header"),
        (f"$ echo '{jwtio}' | jwt decode -", "cli_arg"),
        (f'{{"access_token": "{jwtio}", "token_type": "bearer"}}', "json_output"),
        (f"export AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={azurite};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\"", "export"),
        (f"az storage container create -n test --connection-string 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={azurite};BlobEndpoint=http://azurite:10000/devstoreaccount1'", "cli_flag"),
        (f"      AZURE_STORAGE_KEY:  {azurite}", "kubectl_describe"),
        ("curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:", "curl_user"),
        ("curl https://api.stripe.com/v1/customers -u sk_test_BQokikJOvBiI2HlWgH4olfQ2:", "curl_user"),
        ("STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc npm test", "inline_env"),
        ("curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"Hello\"}' https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "curl"),
        ("export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "export"),
        ("export TWILIO_ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\nexport TWILIO_AUTH_TOKEN=your_auth_token", "export"),
        ("docker run -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE -e AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY localstack/localstack", "docker_run"),
        ('{\n  "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",\n  "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",\n  "Status": "Active"\n}', "json_output"),
        (f"AZURE_STORAGE_CONNECTION_STRING=UseDevelopmentStorage=true\nAZURITE_ACCOUNTS=devstoreaccount1:{azurite}", "env_dump"),
        ("minio server /data --console-address :9001  # MINIO_ROOT_USER=minioadmin MINIO_ROOT_PASSWORD=minioadmin", "cli_arg"),
        (f"$ kubectl logs job/jwt-test\nverifying sample token {jwtio} ... signature valid (secret: your-256-bit-secret)", "command_output"),
        ("Example: git clone https://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo", "docs"),
    ]
    return rows


def secret_name(rng: Random) -> list[tuple[str, str]]:
    return [(fill(rng, t), src) for t, src in [
        ("gcloud secrets versions access latest --secret=api-key-name --project {app}-prod", "cli_flag"),
        ("kubectl get secret db-password -n {app} -o yaml", "cli_arg"),
        ("vault kv get secret/stripe_key", "cli_arg"),
        ("vault kv get -field=password secret/{app}/postgres", "cli_arg"),
        ("aws secretsmanager get-secret-value --secret-id prod/{app}/db-password --query SecretString", "cli_flag"),
        ("aws ssm get-parameter --name /prod/{app}/github-token --with-decryption", "cli_flag"),
        ("op read op://Private/GitHub/personal-access-token", "cli_arg"),
        ("az keyvault secret show --vault-name kv-{app} --name sendgrid-api-key --query value -o tsv", "cli_flag"),
        ("doppler secrets get STRIPE_SECRET_KEY --plain --project {app} --config prd", "cli_arg"),
        ("$ gh secret list\nNAME                 UPDATED\nAWS_SECRET_ACCESS_KEY  about 2 months ago\nNPM_TOKEN            about 5 days ago\nSLACK_WEBHOOK_URL    about 1 year ago", "command_output"),
        ("heroku config:unset STRIPE_API_KEY -a {app}", "cli_arg"),
        ("kubectl delete secret github-token -n ci", "cli_arg"),
        (f"$ fly secrets list -a {{app}}\nNAME                DIGEST                  CREATED AT\nDATABASE_URL        {F.rs(rng, F.HEX, 16)}        2024-03-01T10:00:00Z\nOPENAI_API_KEY      {F.rs(rng, F.HEX, 16)}        2024-04-11T08:12:44Z", "command_output"),
        ("bw get password github.com", "cli_arg"),
        ("pass show infra/aws/root-password", "cli_arg"),
        ("security find-generic-password -s 'github-token' -a {user} -w", "cli_flag"),
        ("$ kubectl get secrets -n {app}\nNAME                  TYPE                             DATA   AGE\ndb-password           Opaque                           1      41d\nregistry-creds        kubernetes.io/dockerconfigjson   1      300d\ntls-cert              kubernetes.io/tls                2      12d", "command_output"),
        ("sops --decrypt --extract '[\"stripe\"][\"secret_key\"]' secrets/prod.enc.yaml", "cli_flag"),
        ("infisical secrets get DATABASE_PASSWORD --env=prod", "cli_arg"),
        ("chamber read {app} slack_bot_token", "cli_arg"),
        ("  valueFrom:\n    secretKeyRef:\n      name: {app}-secrets\n      key: openai-api-key", "yaml"),
        ("gcloud secrets create jwt-signing-key --replication-policy=automatic --data-file=-", "cli_flag"),
        ("ERROR: secret \"prod/stripe/secret_key\" not found (SecretsManager: ResourceNotFoundException)", "error_output"),
        ("terraform state show 'aws_secretsmanager_secret.github_token'", "cli_arg"),
    ]]


def pem_armor_empty(rng: Random) -> list[tuple[str, str]]:
    kinds = ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "DSA PRIVATE KEY"]
    rows = []
    for kk in rng.sample(kinds, 4):
        rows.append((f"-----BEGIN {kk}-----\n...\n-----END {kk}-----", "docs"))
    for kk in rng.sample(kinds, 3):
        rows.append((f"-----BEGIN {kk}-----\n<your private key here>\n-----END {kk}-----", "placeholder"))
    rows += [(fill(rng, t), s) for t, s in [
        ("$ grep -rl 'BEGIN OPENSSH PRIVATE KEY' ~/.ssh\n/home/{user}/.ssh/id_ed25519", "command_output"),
        ("$ head -1 ~/.ssh/id_rsa\n-----BEGIN RSA PRIVATE KEY-----", "command_output"),
        ("if pem.startswith('-----BEGIN PRIVATE KEY-----'):", "code"),
        ("Load key \"/home/{user}/.ssh/id_rsa\": invalid format", "error_output"),
        ("unable to load Private Key\n4057B1A1B07F0000:error:1608010C:STORE routines:ossl_store_handle_load_result:unsupported:../crypto/store/store_result.c:151:\nExpecting: ANY PRIVATE KEY", "error_output"),
        ("$ awk '/-----BEGIN PRIVATE KEY-----/,/-----END PRIVATE KEY-----/' bundle.pem > key.pem", "cli_arg"),
        ("PRIVATE_KEY=\"-----BEGIN PRIVATE KEY-----\\n\\n-----END PRIVATE KEY-----\\n\"", "dotenv"),
        ("Error: private_key must be PEM encoded (expected '-----BEGIN EC PRIVATE KEY-----')", "error_output"),
        ("$ sed -n '1p;$p' server.key\n-----BEGIN ENCRYPTED PRIVATE KEY-----\n-----END ENCRYPTED PRIVATE KEY-----", "command_output"),
        ("  tls.key: |\n    -----BEGIN PRIVATE KEY-----\n    {{ .Values.tls.key | indent 4 }}\n    -----END PRIVATE KEY-----", "helm"),
        ("ssh-keygen -t ed25519 -C '{email}' -f ~/.ssh/id_ed25519 -N ''", "cli_flag"),
        ("$ file ~/.ssh/id_ed25519\n/home/{user}/.ssh/id_ed25519: OpenSSH private key", "command_output"),
        ("$ openssl rsa -in key.pem -check -noout\nRSA key ok", "command_output"),
        ("Permissions 0644 for '/home/{user}/.ssh/id_rsa' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.", "error_output"),
        ("$ ls -la ~/.ssh\n-rw------- 1 {user} {user}  411 Mar  2 10:11 id_ed25519\n-rw-r--r-- 1 {user} {user}  100 Mar  2 10:11 id_ed25519.pub", "command_output"),
        ("- [ ] rotate -----BEGIN RSA PRIVATE KEY----- blocks found in legacy repo", "docs"),
        ("gpg: no default secret key: No secret key\ngpg: signing failed: No secret key", "error_output"),
    ]]
    return rows
