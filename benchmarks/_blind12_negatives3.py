"""Hard negatives for blind12_corpus.py, part 3: names and help text, password prompts,
minified code, random-looking file names, ciphertext, password hashes, and commands that
read a secret from a file or stdin instead of carrying it."""

from __future__ import annotations

import base64
from random import Random

import _blind12_formats as F
from _blind12_contexts import fill

R = F.rs
BCRYPT = "./" + F.UPPER + F.LOWER + F.DIGITS


def env_name_help(rng: Random) -> list[tuple[str, str]]:
    rows = [
        ("  --api-key TEXT        API key for the service  [env var: ACME_API_KEY; required]", "help_text"),
        ("export OPENAI_API_KEY", "export"),
        ("unset AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN", "cli_arg"),
        ("$ printenv | cut -d= -f1 | grep -E 'TOKEN|KEY|SECRET'\nGITHUB_TOKEN\nAWS_SECRET_ACCESS_KEY\nSTRIPE_SECRET_KEY\nNPM_TOKEN", "command_output"),
        ("Usage: deploy [OPTIONS]\n  -t, --token <TOKEN>      Personal access token (or set GITLAB_TOKEN)\n  -p, --password <PASS>    Registry password", "help_text"),
        ("Error: GITHUB_TOKEN is not set. Create one at https://github.com/settings/tokens and export it.", "error_output"),
        ("warning: SENTRY_AUTH_TOKEN not found; skipping source map upload", "log"),
        ("$ docker login --help\nOptions:\n  -p, --password string   Password\n      --password-stdin    Take the password from stdin\n  -u, --username string   Username", "help_text"),
        ("required environment variables: DATABASE_URL, REDIS_URL, SECRET_KEY_BASE, STRIPE_WEBHOOK_SECRET", "log"),
        ("$ env | grep -c _TOKEN\n4", "command_output"),
        ("  aws_secret_access_key = (string) The secret key. Read from AWS_SECRET_ACCESS_KEY if unset.", "help_text"),
        ("gh auth login --help | grep -A2 with-token\n      --with-token           Read token from standard input", "help_text"),
        ("# Set your API key: export ANTHROPIC_API_KEY=<key>", "docs"),
        ("KeyError: 'SLACK_BOT_TOKEN'", "traceback"),
        ("[env] PGPASSWORD is deprecated, use a password file (~/.pgpass) instead", "log"),
        ("| Variable | Description |\n|---|---|\n| `DOPPLER_TOKEN` | Service token used by the CLI |\n| `VAULT_TOKEN` | Token for Vault auth |", "docs"),
        ("Missing required argument: --client-secret (or AZURE_CLIENT_SECRET)", "error_output"),
        ("terraform: variable \"db_password\" { type = string\n  sensitive = true }", "code"),
        ("Checking for HF_TOKEN... not set, using anonymous access (rate limited)", "log"),
        ("hint: configure `npm config set //registry.npmjs.org/:_authToken <token>` first", "docs"),
        ("twilio: error: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set", "error_output"),
        ("$ heroku config:get --help\nUsage: heroku config:get KEY...\n  display a single config value for an app", "help_text"),
        ("Rotating secrets: STRIPE_SECRET_KEY (stripe), GITHUB_APP_PRIVATE_KEY (github), DATADOG_API_KEY (datadog) ... done", "log"),
        ("validate: field 'password' must be at least 12 characters and contain a digit", "error_output"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def password_prompt(rng: Random) -> list[tuple[str, str]]:
    rows = [
        ("$ sudo apt-get update\n[sudo] password for {user}:", "prompt"),
        ("$ ssh-add ~/.ssh/id_ed25519\nEnter passphrase for /home/{user}/.ssh/id_ed25519:", "prompt"),
        ("$ git push\nUsername for 'https://github.com': {user}\nPassword for 'https://{user}@github.com':", "prompt"),
        ("$ mysql -u root -p -h {host}\nEnter password:", "prompt"),
        ("$ psql -h {host} -U {user} {app}\nPassword for user {user}:\npsql: error: connection to server at \"{host}\" (10.0.12.7), port 5432 failed: FATAL:  password authentication failed for user \"{user}\"", "error_output"),
        ("$ openssl rsa -in key.pem -out key.nopass.pem\nEnter pass phrase for key.pem:", "prompt"),
        ("mysql: [Warning] Using a password on the command line interface can be insecure.", "warning"),
        ("$ curl -u {user} https://nexus.acme.io/service/rest/v1/status\nEnter host password for user '{user}':", "prompt"),
        ("$ ansible-vault edit group_vars/prod/vault.yml\nVault password:", "prompt"),
        ("$ passwd\nChanging password for {user}.\nCurrent password:\nNew password:\nRetype new password:\npasswd: password updated successfully", "prompt"),
        ("$ keytool -list -keystore app.jks\nEnter keystore password:", "prompt"),
        ("WARNING! Your password will be stored unencrypted in /root/.docker/config.json.\nConfigure a credential helper to remove this warning.\nLogin Succeeded", "command_output"),
        ("$ echo \"$CR_PAT\" | docker login ghcr.io -u {user} --password-stdin\nLogin Succeeded", "command_output"),
        ("$ gpg --decrypt secrets.gpg\ngpg: encrypted with 3072-bit RSA key, ID 7A1B2C3D4E5F6071\nPlease enter the passphrase to unlock the OpenPGP secret key:", "prompt"),
        ("$ vault login -method=userpass username={user}\nPassword (will be hidden):", "prompt"),
        ("$ redis-cli -h {host}\n{host}:6379> PING\n(error) NOAUTH Authentication required.", "command_output"),
        ("$ pscale auth login\nConfirmation Code: WJXK-BRGC\nIf something goes wrong, copy and paste this URL into your browser: https://auth.planetscale.com/oauth/device?code=WJXK-BRGC", "command_output"),
        ("$ gh auth login\n? What account do you want to log into? GitHub.com\n? How would you like to authenticate GitHub CLI? Paste an authentication token\n? Paste your authentication token:", "prompt"),
        ("$ az login\nTo sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code GH7KQ2ZXP to authenticate.", "command_output"),
        ("$ npm login\nnpm notice Log in on https://registry.npmjs.org/\nLogin at:\nhttps://www.npmjs.com/login?next=/login/cli/{uuid}\nPress ENTER to open in the browser...", "command_output"),
        ("ERROR 1045 (28000): Access denied for user '{user}'@'10.0.3.17' (using password: YES)", "error_output"),
        ("$ sshpass -e ssh {user}@{host}\nsshpass: SSHPASS environment variable not set", "error_output"),
        ("Password: \nsu: Authentication failure", "prompt"),
        ("$ sudo -k; sudo -S true < /dev/null\n[sudo] password for {user}: sudo: no password was provided", "prompt"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def _ident(rng: Random) -> str:
    return rng.choice(F.LOWER + "_$") + R(rng, F.ALNUM, rng.randrange(0, 3))


def minified_code(rng: Random) -> list[tuple[str, str]]:
    out = []
    for i in range(24):
        a, b, c, d = (_ident(rng) for _ in range(4))
        mod = R(rng, F.DIGITS, 5)
        k = i % 8
        if k == 0:
            t = f'!function({a},{b}){{"object"==typeof exports&&"undefined"!=typeof module?module.exports={b}():"function"==typeof define&&define.amd?define({b}):({a}="undefined"!=typeof globalThis?globalThis:{a}||self).{R(rng, F.UPPER + F.LOWER, 7)}={b}()}}(this,function(){{"use strict";var {c}={d}.{R(rng, F.LOWER, 6)};return {c}}});'
        elif k == 1:
            t = f'(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[{mod}],{{{R(rng, F.DIGITS, 5)}:function({a},{b},{c}){{"use strict";{c}.d({b},{{Z:function(){{return {d}}}}});var {d}={c}({R(rng, F.DIGITS, 5)})}}}}]);'
        elif k == 2:
            t = f'var _0x{R(rng, F.HEX, 4)}=["\\x6c\\x6f\\x67","{R(rng, F.ALNUM, 8)}"];(function(_0x{R(rng, F.HEX, 6)},_0x{R(rng, F.HEX, 6)}){{var _0x{R(rng, F.HEX, 4)}=function(){{}};}})(_0x{R(rng, F.HEX, 4)},0x{R(rng, F.HEX, 3)});'
        elif k == 3:
            t = f'.css-{R(rng, F.LOWER + F.DIGITS, 7)}{{display:flex}}.css-{R(rng, F.LOWER + F.DIGITS, 6)}-{R(rng, F.UPPER + F.LOWER, 8)}{{margin:0 auto}}.sc-{R(rng, F.UPPER + F.LOWER, 6)}.{R(rng, F.UPPER + F.LOWER, 6)}{{color:#333}}'
        elif k == 4:
            t = f'<div class="styles_card__{R(rng, F.ALNUM + "_-", 5)} jsx-{R(rng, F.DIGITS, 10)}"><span class="Button_root__{R(rng, F.ALNUM, 5)}">Save</span></div>'
        elif k == 5:
            t = f'self.__next_f.push([1,"{R(rng, F.LOWER + F.DIGITS, 2)}:I[{R(rng, F.DIGITS, 5)},[\\"static/chunks/{R(rng, F.DIGITS, 4)}-{R(rng, F.HEX, 16)}.js\\"],\\"default\\"]\\n"])'
        elif k == 6:
            t = f"function {a}({b}){{let {c}=0;for(const {d} of {b}){c}=({c}<<5)-{c}+{d}.charCodeAt(0)|0;return {c}}}const {_ident(rng)}=\"useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict\";"
        else:
            t = f'import{{{a} as {b},{c} as {d}}}from"./vendor-{R(rng, F.URLSAFE, 8)}.js";const {_ident(rng)}={b}(()=>import("./Dashboard-{R(rng, F.URLSAFE, 8)}.js"),__vite__mapDeps([0,1]));'
        out.append((t, "minified_js"))
    return out


def random_filename(rng: Random) -> list[tuple[str, str]]:
    def h(n: int) -> str:
        return R(rng, F.HEX, n)
    rows = [
        (f"$ ls build/static/js\nmain.{h(8)}.js\nmain.{h(8)}.js.map\n{R(rng, F.DIGITS, 3)}.{h(8)}.chunk.js", "command_output"),
        (f"dist/assets/index-{R(rng, F.URLSAFE, 8)}.js   142.31 kB │ gzip: 45.80 kB\ndist/assets/index-{R(rng, F.URLSAFE, 8)}.css   12.04 kB │ gzip: 3.01 kB", "build_output"),
        (f"Created temporary directory: /tmp/pip-req-build-{R(rng, F.LOWER + F.DIGITS, 8)}", "log"),
        (f"$ mktemp -d\n/tmp/tmp.{R(rng, F.ALNUM, 10)}", "command_output"),
        (f"FileNotFoundError: [Errno 2] No such file or directory: '/tmp/tmp{R(rng, F.LOWER + F.DIGITS + '_', 8)}/out.parquet'", "traceback"),
        (f"upload: ./photo.jpg to s3://{{app}}-uploads/2024/05/{h(32)}.jpg", "command_output"),
        (f"/var/lib/docker/overlay2/{h(64)}/diff/usr/lib/python3.11", "path"),
        (f"├── _next/static/chunks/pages/_app-{h(16)}.js\n├── _next/static/chunks/framework-{h(16)}.js\n└── _next/static/{R(rng, F.URLSAFE, 21)}/_buildManifest.js", "build_output"),
        (f"systemd-private-{h(32)}-nginx.service-{R(rng, F.ALNUM, 6)}", "path"),
        (f"~/.cache/pip/http-v2/{h(1)}/{h(1)}/{h(1)}/{h(1)}/{h(1)}/{h(51)}", "path"),
        (f"node_modules/.cache/babel-loader/{h(32)}.json", "path"),
        ("$ ls ~/.terraform.d/plugin-cache/registry.terraform.io/hashicorp/aws/5.54.1/linux_amd64\nterraform-provider-aws_v5.54.1_x5", "command_output"),
        (f"Writing to /home/{{user}}/.cache/huggingface/hub/models--{{org}}--{{word}}/blobs/{h(64)}", "log"),
        (f"INFO: Extracting Bazel installation...\n/home/{{user}}/.cache/bazel/_bazel_{{user}}/{h(32)}/execroot", "log"),
        (f"$ ls /var/log/journal/\n{h(32)}", "command_output"),
        (f"rsync: sent ./.git/objects/{h(2)}/{h(38)}", "log"),
        (f"Saving to: '{{app}}-{h(7)}-linux-amd64.tar.gz'", "log"),
        (f"cp /tmp/go-build{R(rng, F.DIGITS, 10)}/b001/exe/main ./bin/{{app}}", "cli_arg"),
        (f"  adding: __pycache__/utils.cpython-311.pyc (deflated 52%)\n  adding: tmp_{R(rng, F.LOWER + F.DIGITS, 8)}.json", "command_output"),
        (f"Chrome crashpad dump: /tmp/.org.chromium.Chromium.{R(rng, F.ALNUM, 6)}/{h(8)}-{h(4)}-{h(4)}-{h(4)}-{h(12)}.dmp", "log"),
        (f"gs://{{app}}-artifacts/builds/{h(40)}/{{app}}.zip", "url"),
        (f"$ ls ~/.npm/_cacache/content-v2/sha512/{h(2)}/{h(2)}\n{h(124)}", "command_output"),
        (f"Sending build context to Docker daemon  5.12MB\nStep 4/9 : COPY --from={h(12)} /out /app", "build_output"),
        (f"coverage/lcov-report/{R(rng, F.LOWER, 6)}.ts.html  coverage-final-{R(rng, F.DIGITS, 13)}-{R(rng, F.LOWER + F.DIGITS, 6)}.json", "command_output"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def encrypted_blob(rng: Random) -> list[tuple[str, str]]:
    def vault_lines() -> str:
        return "\n".join("          " + R(rng, F.HEX, 80) for _ in range(rng.randrange(3, 6)))

    def enc(kind: str = "str") -> str:
        return f"ENC[AES256_GCM,data:{base64.b64encode(F.rbytes(rng, rng.randrange(12, 48))).decode()},iv:{base64.b64encode(F.rbytes(rng, 32)).decode()},tag:{base64.b64encode(F.rbytes(rng, 16)).decode()},type:{kind}]"

    def b64(n: int) -> str:
        return base64.b64encode(F.rbytes(rng, n)).decode()
    rows = [
        (f"db_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n{vault_lines()}", "ansible_vault"),
        (f"$ cat group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n{vault_lines().replace(' ' * 10, '')}", "ansible_vault"),
        (f"  api_token: !vault |\n          $ANSIBLE_VAULT;1.2;AES256;prod\n{vault_lines()}", "ansible_vault"),
        (f"stripe:\n    secret_key: {enc()}\n    webhook_secret: {enc()}", "sops"),
        (f'{{\n  "github_token": "{enc()}",\n  "sops": {{"mac": "{enc()}", "version": "3.8.1"}}\n}}', "sops"),
        (f"DATABASE_PASSWORD={enc()}", "sops_dotenv"),
        (f"sops:\n    kms:\n        - arn: arn:aws:kms:us-east-1:111122223333:key/{{uuid}}\n          enc: AQICAHh{b64(120)}\n    lastmodified: \"2024-05-01T10:00:00Z\"\n    mac: {enc()}", "sops"),
        (f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec:\n  encryptedData:\n    password: AgB{b64(380)}", "sealed_secret"),
        (f"  encryptedData:\n    token: AgA{b64(380)}\n    api-key: AgC{b64(380)}", "sealed_secret"),
        (f"-----BEGIN PGP MESSAGE-----\n\n{chr(10).join(F.pem_body(rng, 'hQIMA', 320))}\n={R(rng, F.B64, 4)}\n-----END PGP MESSAGE-----", "pgp"),
        (f"$ cat secrets.age\n-----BEGIN AGE ENCRYPTED FILE-----\n{chr(10).join(F.pem_body(rng, 'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSB', 300))}\n-----END AGE ENCRYPTED FILE-----", "age"),
        (f"env:\n  global:\n    - secure: \"{b64(256)}\"", "travis"),
        (f"$ cat config/credentials.yml.enc\n{b64(180)}--{b64(12)}--{b64(16)}", "rails_credentials"),
        (f"<password>{{AQAAABAAAAAQ{b64(30)}}}</password>", "jenkins"),
        (f'{{\n    "KeyId": "arn:aws:kms:{{region}}:111122223333:key/{{uuid}}",\n    "CiphertextBlob": "AQICAHh{b64(150)}"\n}}', "kms_output"),
        (f"$ vault write -field=ciphertext transit/encrypt/orders plaintext=$(base64 <<< 'order-{{n}}')\nvault:v1:{b64(48)}", "vault_transit"),
        (f'{{"_public_key": "{R(rng, F.HEX, 64)}", "database_password": "EJ[1:{b64(32)}:{b64(24)}:{b64(40)}]"}}', "ejson"),
        (f"  password: {enc()}\n  username: {enc()}", "sops"),
        (f"ENC[PKCS7,MII{b64(260)}]", "hiera_eyaml"),
        (f"$ kubectl get sealedsecret {{app}} -o jsonpath='{{.spec.encryptedData.DATABASE_URL}}'\nAgB{b64(300)}", "sealed_secret"),
        (f"slack_webhook: {enc()}", "sops"),
        (f"  value: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n{vault_lines()}", "ansible_vault"),
        (f"Encrypted with sops 3.8.1 (age recipient age1{R(rng, 'qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}):\nAWS_SECRET_ACCESS_KEY={enc()}", "sops_dotenv"),
        (f"gcloud kms encrypt ... && cat secret.enc | base64\nCiQA{b64(90)}", "kms_output"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def password_hash(rng: Random) -> list[tuple[str, str]]:
    def bc() -> str:
        return f"$2{rng.choice('aby')}$1{rng.choice('0234')}${R(rng, BCRYPT, 53)}"
    def argon() -> str:
        return f"$argon2id$v=19$m=65536,t=3,p=4${R(rng, F.B64, 22)}${R(rng, F.B64, 43)}"
    def sha512() -> str:
        return f"$6${R(rng, BCRYPT, 16)}${R(rng, BCRYPT, 86)}"
    rows = [
        (f"$ htpasswd -nbB admin x\nadmin:{bc()}", "command_output"),
        (f"{{user}}:{sha512()}:19800:0:99999:7:::", "shadow"),
        (f"  password_hash: \"{argon()}\"", "yaml"),
        (f'INSERT INTO users (email, password) VALUES (\'{{email}}\', \'{bc()}\');', "sql"),
        (f"pbkdf2_sha256$600000${R(rng, F.ALNUM, 22)}${R(rng, F.B64, 43)}=", "django"),
        (f"{{user}}:$apr1${R(rng, BCRYPT, 8)}${R(rng, BCRYPT, 22)}", "htpasswd"),
        (f"SCRAM-SHA-256$4096:{R(rng, F.B64, 22)}==${R(rng, F.B64, 43)}=:{R(rng, F.B64, 43)}=", "postgres"),
        (f" {{user}} | *{R(rng, '0123456789ABCDEF', 40)} | mysql_native_password", "mysql_output"),
        (f"userPassword: {{SSHA}}{R(rng, F.B64, 32)}", "ldif"),
        (f'{{"id": {{n}}, "email": "{{email}}", "hashed_password": "{bc()}"}}', "json_output"),
        (f"ADMIN_PASSWORD_HASH='{argon()}'", "dotenv"),
        (f"$ python -c \"import bcrypt; print(bcrypt.hashpw(b'pw', bcrypt.gensalt()))\"\nb'{bc()}'", "command_output"),
        (f"root:{sha512()}:19700:0:99999:7:::", "shadow"),
        (f"    hashedPassword: {bc()}", "yaml"),
        (f"$scrypt$ln=16,r=8,p=1${R(rng, F.B64, 22)}${R(rng, F.B64, 43)}", "hash"),
        (f"grafana_admin_password_hash={R(rng, F.HEX, 64)}", "env_dump"),
        (f"[users]\n{{user}} = {bc()}", "config"),
        (f"$ doveadm pw -s SHA512-CRYPT\n{{SHA512-CRYPT}}{sha512()}", "command_output"),
        (f"mosquitto_passwd: {{user}}:$7$101${R(rng, F.B64, 16)}${R(rng, F.B64, 86)}==", "hash"),
        (f"argocd admin: bcrypt({bc()})", "log"),
        (f"      - name: HTPASSWD\n        value: '{{user}}:{bc()}'", "yaml"),
        (f"  authentication_string: {argon()}", "yaml"),
        (f"{{user}}:{bc()}", "htpasswd"),
        (f"$ openssl passwd -6 -salt {R(rng, BCRYPT, 8)} x\n{sha512()}", "command_output"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def secret_from_file(rng: Random) -> list[tuple[str, str]]:
    rows = [
        ("docker login -u {user} --password-stdin < ~/.config/docker/pat.txt", "docker_login"),
        ("gh secret set NPM_TOKEN < ~/.secrets/npm_token", "gh_secret_set"),
        ("kubectl create secret generic gcp-sa --from-file=key.json=./sa.json -n {app}", "kubectl_literal"),
        ("curl -H @/run/secrets/auth_headers.txt https://api.{word}.io/v1/me", "curl_header"),
        ("cat ~/.config/gh/token | gh auth login --with-token", "cli_arg"),
        ("export GITHUB_TOKEN=$(cat /run/secrets/github_token)", "export"),
        ("export VAULT_TOKEN=\"$(cat ~/.vault-token)\"", "export"),
        ("aws configure import --csv file://~/Downloads/{user}_accessKeys.csv", "cli_flag"),
        ("mysql --defaults-extra-file=/etc/mysql/{app}.cnf -e 'select 1'", "cli_flag"),
        ("PGPASSFILE=~/.pgpass psql -h {host} -U {user} {app}", "inline_env"),
        ("twine upload --config-file ~/.pypirc dist/*", "cli_flag"),
        ("gcloud auth activate-service-account --key-file=/secrets/sa.json", "cli_flag"),
        ("ansible-playbook site.yml --vault-password-file ~/.ansible/vault_pass.txt", "cli_flag"),
        ("openssl pkcs12 -in bundle.p12 -passin file:/run/secrets/p12pass -nodes -out all.pem", "cli_flag"),
        ("echo \"$DOCKERHUB_TOKEN\" | docker login -u {user} --password-stdin", "docker_login"),
        ("export OPENAI_API_KEY=$(op read 'op://Dev/OpenAI/credential')", "export"),
        ("sshpass -f ~/.ssh/pass.txt ssh {user}@{host}", "cli_flag"),
        ("restic -r s3:s3.amazonaws.com/{app}-backup --password-file /etc/restic/password snapshots", "cli_flag"),
        ("STRIPE_API_KEY=$(aws ssm get-parameter --name /prod/stripe --with-decryption --query Parameter.Value --output text) ./run.sh", "inline_env"),
        ("redis-cli --askpass -h {host}", "cli_flag"),
        ("vault login -method=token token=-  < ~/.vault/ci-token", "cli_arg"),
        ("helm upgrade {app} ./chart -f values.yaml -f secrets://secrets.prod.yaml", "cli_flag"),
        ("doctl auth init --access-token \"$(pass show do/token)\"", "cli_flag"),
        ("wrangler secret put STRIPE_KEY < .secrets/stripe_key", "cli_arg"),
    ]
    return [(fill(rng, t), s) for t, s in rows]
