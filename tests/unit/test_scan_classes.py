"""Each class of secret the scanner must find in real shapes, each class of look-alike it must
leave alone, and prefixed tokens glued to words or wrapped in an encoding.

Every case names the exact span that must be reported (and redacted).
"""

from __future__ import annotations

import base64
import random

import pytest
from corpus import SECRETS

from execgate.scan import StreamRedactor, redact_text, scan_text

RNG = random.Random(25)
GH = SECRETS["github-token"](RNG)
NPM = SECRETS["npm-token"](RNG)
PW = "Zx8!kq2Lmn"
HEX32 = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SID = "AC0123456789abcdef0123456789abcdef"
AWS_SECRET = "Xz9/kq8Lm+T3pQ7rW2vY5bN1cF4hJ6gD0sA8eR3u"
AZURE_KEY = (
    "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5oQ7sU9wY1aC3eG5iK7mO9qS1uW3yA5cE7gI9kM1oQ3sU5wY7ab=="
)
TELEGRAM = "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
DATABRICKS = "dapi3f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e"
OPAQUE = "4f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8eZq"
JWT_IO = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaW"
    "F0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


def _discord_token(user_id: str = "1176485976485976485") -> str:
    head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{head}.GhT5kq.abcDEF1234567890abcdefGHIJKLmnopqr"


DISCORD = _discord_token()
PEM_B64 = base64.b64encode(
    b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAoy1XXuVAQpqHbQE05mkhrNg/124F\n"
    b"-----END RSA PRIVATE KEY-----\n"
).decode()

# (class, text, the exact secret)
FOUND = [
    (
        "discord",
        f"curl -H 'Authorization: Bot {DISCORD}' https://discord.com/api/v10/users/@me",
        DISCORD,
    ),
    ("discord", f'{{"headers": {{"Authorization": "Bot {DISCORD}"}}}}', DISCORD),
    ("password", f"curl -u admin:'{PW}' https://jenkins.internal/api", PW),
    ("password", f"curl -s -u 'admin:{PW}' https://jenkins.internal/api", PW),
    ("password", f"curl --user=deploy:{PW} https://x.test", PW),
    ("password", f"http -a deploy:{PW} POST https://x.test", PW),
    ("password", f"mysql -u root -p'{PW}' prod", PW),
    ("password", f'mysqldump -h db -u root -p"{PW}" prod > dump.sql', PW),
    ("password", f"mysql -uroot -p{PW} -e 'select 1'", PW),
    ("password", f"echo '{PW}' | sudo -S apt-get update", PW),
    ("password", f"echo {PW} | sudo -k -S systemctl restart app", PW),
    ("password", f'echo "{PW}" | docker login -u bot --password-stdin ghcr.io', PW),
    ("password", f"sshpass -p '{PW}' ssh deploy@host", PW),
    ("password", f"docker login -u bot -p {PW} registry.test", PW),
    ("password", f"7z a -p{PW} backup.7z data/", PW),
    ("password", f"zip -r -P '{PW}' backup.zip data/", PW),
    ("password", f"ldapsearch -x -D cn=admin,dc=corp -w '{PW}' -b dc=corp", PW),
    ("password", f"mongosh -u admin -p '{PW}' --authenticationDatabase admin", PW),
    ("password", f"smbclient //nas/share -U backup%{PW}", PW),
    ("password", f"htpasswd -b /etc/nginx/.htpasswd admin '{PW}'", PW),
    ("password", f"sqlcmd -S db -U sa -P '{PW}' -Q 'select 1'", PW),
    ("password", f"keytool -importcert -keystore ks.jks -storepass '{PW}' -file ca.pem", PW),
    ("password", f"openssl pkcs12 -export -in c.pem -out c.p12 -passout pass:{PW}", PW),
    ("password", f"gpg --batch --passphrase '{PW}' -d secrets.gpg", PW),
    ("password", f'db_password := "{PW}"', PW),
    ("password", f'config.password => "{PW}"', PW),
    ("telegram", f"curl https://api.telegram.org/bot{TELEGRAM}/getMe", TELEGRAM),
    (
        "telegram",
        f"curl -s 'https://api.telegram.org/bot{TELEGRAM}/sendMessage?chat_id=1'",
        TELEGRAM,
    ),
    (
        "twilio",
        f"curl -X POST https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json -u {SID}:{HEX32}",
        HEX32,
    ),
    ("twilio", f"curl -u {SID}:{HEX32} https://api.twilio.com/2010-04-01/Accounts.json", HEX32),
    ("aws-secret", f"aws configure set aws_secret_access_key '{AWS_SECRET}'", AWS_SECRET),
    (
        "aws-secret",
        f"aws configure set aws_secret_access_key {AWS_SECRET} --profile prod",
        AWS_SECRET,
    ),
    ("aws-secret", f'{{"Credentials": {{"SecretAccessKey": "{AWS_SECRET}"}}}}', AWS_SECRET),
    ("azure-storage", f"export AZURE_STORAGE_KEY={AZURE_KEY}", AZURE_KEY),
    ("azure-storage", f"AZURE_STORAGE_ACCOUNT_KEY='{AZURE_KEY}'", AZURE_KEY),
    (
        "azure-storage",
        f"az storage blob list -c logs --account-name acct --account-key {AZURE_KEY}",
        AZURE_KEY,
    ),
    ("api-key", "mytool --api-key Zk39xLq0PmW2rT8v deploy", "Zk39xLq0PmW2rT8v"),
    ("api-key", "mytool deploy --api-key='Zk39xLq0PmW2rT8v'", "Zk39xLq0PmW2rT8v"),
    ("api-key", "fly secrets set STRIPE_KEY=q8Zr2LmX0pT5vW9k", "q8Zr2LmX0pT5vW9k"),
    ("api-key", f"fly secrets set -a web DEBUG=0 SESSION_SEAL='{PW}'", PW),
    ("api-key", "heroku config:set SIGNING_KEY=q8Zr2LmX0pT5vW9k -a app", "q8Zr2LmX0pT5vW9k"),
    ("api-key", f"gh secret set DEPLOY_KEY --body '{PW}'", PW),
    ("api-key", f"kubectl create secret generic db --from-literal=password='{PW}'", PW),
    ("api-key", "curl -H 'X-Api-Key: Zk39xLq0PmW2rT8v' https://api.test", "Zk39xLq0PmW2rT8v"),
    (
        "databricks",
        f"curl -H 'Authorization: Bearer {DATABRICKS}' https://adb-1.azuredatabricks.net/api/2.0/clusters/list",
        DATABRICKS,
    ),
    ("databricks", f"echo dose{HEX32} > ~/.databrickscfg.tmp", f"dose{HEX32}"),
    ("databricks", f"https://x.test/?t%3D{DATABRICKS}", DATABRICKS),
    ("database-url", f"redis-cli -u redis://:{PW}@cache:6379", PW),
    ("database-url", "psql postgres://app:p%40ss%3Aw0rd!@db/prod", "p%40ss%3Aw0rd!"),
    ("database-url", "mongosh 'mongodb://app:Kq9@xLm2@mongo.internal:27017/prod'", "Kq9@xLm2"),
    (
        "basic-auth",
        '{"Authorization": "Basic ZGVwbG95OlMzY3IzdC1QYTU1"}',
        "ZGVwbG95OlMzY3IzdC1QYTU1",
    ),
    ("bearer", f'{{"Authorization": "Bearer {OPAQUE}"}}', OPAQUE),
    ("bearer", f"curl -H 'Authorization: token {OPAQUE}' https://api.github.com", OPAQUE),
    ("bearer", f"curl --oauth2-bearer {OPAQUE} https://api.test", OPAQUE),
    (
        "doppler",
        f"loaded dp.st.prd.{'Zk39xLq0PmW2rT8vA1b2' * 2}",
        f"dp.st.prd.{'Zk39xLq0PmW2rT8vA1b2' * 2}",
    ),
    (
        "square",
        f"square access token {'EAAA' + 'Zk39xLq0PmW2rT8vA1b2' * 3}",
        "EAAA" + "Zk39xLq0PmW2rT8vA1b2" * 3,
    ),
    ("private-key", f"TLS_KEY_B64={PEM_B64}", PEM_B64),
]


@pytest.mark.parametrize(("kind", "text", "secret"), FOUND)
def test_each_class_is_found_in_its_real_shape(kind: str, text: str, secret: str) -> None:
    spans = [text[f.start : f.end] for f in scan_text(text)]
    assert secret in spans, (kind, spans)
    assert secret not in redact_text(text)


# (family, text): never a finding
NOT_SECRETS = [
    ("low-entropy", "TOKEN=abcdefghijklmnopqrstu"),
    ("low-entropy", "PASSWORD=0123456789012345"),
    ("low-entropy", "export API_KEY=qwertyuiopasdf"),
    ("low-entropy", "mytool --api-key aaaaaaaabbbbbbbb"),
    ("placeholder", "export ANTHROPIC_API_KEY=sk-ant-..."),
    ("placeholder", "SLACK_BOT_TOKEN=xoxb-not-a-real-token-1234567890"),
    ("placeholder", "OPENAI_API_KEY=<paste your key here>"),
    ("placeholder", "curl -u admin:'<password>' https://x.test"),
    ("placeholder", 'echo "$DEPLOY_PW" | sudo -S true'),
    ("masked", "OPENAI_API_KEY=sk-...2182d4f"),
    ("masked", "Authorization: Bearer sk-proj-...a9Fk"),
    ("documentation", f"curl -H 'Authorization: Bearer {JWT_IO}' https://api.test"),
    ("documentation", "aws configure set aws_access_key_id AKIAI44QH8DHBEXAMPLE"),
    ("name", "gcloud secrets versions access latest --secret=api-key-name"),
    ("name", "vault kv get -field=value --token-file ~/.vault-token secret/app"),
    ("name", "mytool --api-key-file keys/api.txt"),
    ("name", "mytool --token token.txt"),
    (
        "armor",
        "-----BEGIN RSA PRIVATE KEY-----\n<paste your private key here>\n-----END RSA PRIVATE KEY-----",
    ),
    ("armor", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----"),
    ("armor", "-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----"),
    (
        "armor",
        "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n"
        "  62313365396662343061393464336163383764373764613633653634306231386433626436623361\n",
    ),
    ("placeholder", "curl -u <user:password> https://test.com/endpoint"),
    ("placeholder", "# a bot token looks like xoxb-12345-abcd234"),
    ("placeholder", '"token": "xoxp-572370529330-573807301142-572331691188-####################"'),
    ("name", "API_ORG_CREATE(https://x.test/cgi-bin/create?access_token=ACCESS_TOKEN)"),
    ("name", "'detect-secrets = detect_secrets.main:main',"),
    ("derived", '"hashed_secret": "a2480a72004fc40d124495fd59f5b482034fbadd",'),
    ("slot", "curl -u deploy https://x.test"),
    ("slot", 'curl -u "$USER:$PASS" https://x.test'),
    ("slot", "docker run -u 1000:1000 img"),
    ("slot", "mysql -u root -p prod"),
    ("slot", "mysql --port 3306 -h db"),
    ("slot", "mongosh -p --host db"),
    ("slot", "openssl pkcs12 -export -in c.pem -out c.p12 -passout env:P12_PASS"),
    ("slot", "openssl enc -d -in x.enc -pass file:/run/secrets/k"),
    ("slot", "unzip -P $ZIP_PASSWORD backup.zip"),
    ("slot", "zip -r out.zip data/ -x '*.tmp'"),
    ("slot", "fly secrets set DEBUG=false"),
    ("slot", "fly secrets list"),
    ("slot", "heroku config:set BUILDPACK_URL=https://github.com/heroku/heroku-buildpack-python"),
    ("slot", "heroku config:set NODE_ENV=production WEB_CONCURRENCY=2 LOG_DIR=/var/log/app"),
    ("slot", "curl https://api.telegram.org/bot<token>/getMe"),
    ("slot", "mytool --password-file /run/secrets/pw"),
    ("slot", "mytool --no-password --user bob"),
    ("glued", "x" + GH[:-1] + ("A" if GH[-1] != "A" else "B")),
]


@pytest.mark.parametrize(("family", "text"), NOT_SECRETS)
def test_look_alikes_never_fire(family: str, text: str) -> None:
    assert scan_text(text) == [], family


PREFIXED = [
    GH,
    NPM,
    "github_pat_11ABCDEFG0123456789abc_" + "aB3" * 19 + "x0",
    "glpat-Zk39xLq0PmW2rT8vA1b2",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "sk-proj-" + "Zk39xLq0PmW2rT8vA1b2" * 3,
    "AKIAZ2XQ7RT5VW3KLMNP",
    "hf_Zk39xLq0PmW2rT8vA1b2Zk39xLq0PmW2rT",
    "pypi-AgEIcHlwaS5vcmc" + "Zk39xLq0PmW2rT8vA1b2" * 3,
]


@pytest.mark.parametrize("token", PREFIXED)
@pytest.mark.parametrize("glue", ["x", "0", "_", "token%3D", "\\u0022", "\\n"])
def test_prefixed_tokens_are_found_glued_to_words(token: str, glue: str) -> None:
    text = f"url={glue}{token}&next=1"
    spans = [text[f.start : f.end] for f in scan_text(text)]
    assert token in spans
    assert token not in redact_text(text)


@pytest.mark.parametrize("token", PREFIXED)
@pytest.mark.parametrize("user", ["x", "deploy", "ci-bot"])
def test_prefixed_tokens_are_found_inside_base64_of_user_pass(token: str, user: str) -> None:
    wrapped = base64.b64encode(f"{user}:{token}".encode()).decode()
    for text in (f"echo {wrapped}", f'{{"auths": {{"r": {{"auth": "{wrapped}"}}}}}}'):
        assert wrapped in [text[f.start : f.end] for f in scan_text(text)], text
        assert wrapped not in redact_text(text) and token not in redact_text(text)


def test_output_holding_glued_tokens_is_redacted_as_it_streams() -> None:
    lines = [
        f"GET /callback?code=1&token%3D{GH} 200",
        f'{{"msg": "\\u0022{NPM}\\u0022"}}',
        "auth: " + base64.b64encode(f"x:{GH}".encode()).decode(),
    ]
    text = "\n".join(lines) + "\n"
    r = StreamRedactor(overlap=256)
    out = "".join(r.feed(text[i : i + 7]) for i in range(0, len(text), 7)) + r.flush()
    assert GH not in out and NPM not in out
    assert base64.b64encode(f"x:{GH}".encode()).decode() not in out
