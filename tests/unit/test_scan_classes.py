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


TWILIO_SID = "AC3f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e"
TWILIO_TOKEN = "b71e4d9a02c65f38e1d7a94c2b06f53e"
NR_USER_KEY = "NRAK-Q7W3B9PDKHX4PY8GPAN0RLYKE2I"
NR_LICENSE = "3f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e5b06NRAL"
SUPABASE_SECRET = "sb_secret_Q4m8Tz2LwR7vXk1N-Jp5Hc_yBdF3sGu"
TELEGRAM_NEW = "7312045896:h3YLlUHP8-STgTic38bCZXDJ_6s05ERgsaM"

GRAFANA_KEY = base64.b64encode(
    b'{"k":"cml3RQb0zFuXI3KztVBADicvmr6Wm6Sb","n":"deploy","id":1}'
).decode()
TEST_PYPI = "pypi-AgENdGVzdC5weXBpLm9yZw" + OPAQUE * 2


def _discord_token(user_id: str = "1176485976485976485") -> str:
    head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{head}.GhT5kq.q8ZrT2LmX0pW5vk9NsYd3Hc7QeJb4Fu1Gw"


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
    # Discord bot tokens with no context: the base64 of the bot's user id is the shape
    ("discord", f'client.run("{DISCORD}")', DISCORD),
    ("discord", f"2026-11-24 08:00:01 INFO logging in with {DISCORD}", DISCORD),
    # the scheme word alone, outside an Authorization header
    ("bearer", f'export AUTH_HEADER="Bearer {OPAQUE}"', OPAQUE),
    ("bearer", f"curl -H 'X-Auth: Bearer {OPAQUE}' https://api.test", OPAQUE),
    # Authorization with any other scheme, or none
    ("bearer", f'curl -H "Authorization: Api-Token {OPAQUE}" https://api.test', OPAQUE),
    ("bearer", f'curl -H "Authorization: SSWS {OPAQUE}" https://corp.okta.test', OPAQUE),
    ("bearer", f'curl -H "Authorization: {OPAQUE}" https://api.test', OPAQUE),
    ("password", f"printf '%s\\n' '{PW}' | sudo -S systemctl restart app", PW),
    ("password", f"sudo -S apt-get update <<< '{PW}'", PW),
    ("password", f"curl -u 'admin':'{PW}' https://jenkins.internal/api", PW),
    ("password", "curl -u admin:'Zx8 kq2L mn!' https://jenkins.internal/api", "Zx8 kq2L mn!"),
    ("password", f"DB_PASS={PW} ./manage.py migrate", PW),
    ("password", f"openssl enc -aes-256-cbc -k {PW} -in db.sql -out db.sql.enc", PW),
    ("api-key", f"npm config set //registry.npmjs.org/:_authToken {OPAQUE}", OPAQUE),
    ("api-key", f"curl 'https://maps.example.test/api/geocode?address=x&key={OPAQUE}'", OPAQUE),
    ("twilio", f'client = Client("{TWILIO_SID}", "{TWILIO_TOKEN}")', TWILIO_TOKEN),
    ("newrelic", f"NEW_RELIC_API_KEY={NR_USER_KEY}", NR_USER_KEY),
    ("newrelic", f"NEW_RELIC_LICENSE_KEY={NR_LICENSE}", NR_LICENSE),
    (
        "newrelic",
        f"newrelic-infra -license_key eu01xx{TWILIO_TOKEN[:30]}NRAL",
        f"eu01xx{TWILIO_TOKEN[:30]}NRAL",
    ),
    ("newrelic", f"NEW_RELIC_INSERT_KEY=NRII-{OPAQUE[:32]}", f"NRII-{OPAQUE[:32]}"),
    ("supabase", f"SUPABASE_SECRET_KEY={SUPABASE_SECRET}", SUPABASE_SECRET),
    ("telegram", f"TELEGRAM_BOT_TOKEN={TELEGRAM_NEW}", TELEGRAM_NEW),
    ("telegram", f"apprise -b hi tgram://{TELEGRAM_NEW}/12345", TELEGRAM_NEW),
    # compact and escaped JSON, passphrases with spaces
    ("password", f'curl -d \'{{"username":"bob","password":"{PW}"}}\' https://x.test', PW),
    ("api-key", '{"api_key":"Zk39xLq0PmW2rT8vA1b2"}', "Zk39xLq0PmW2rT8vA1b2"),
    ("aws-secret", f'"{{\\"awsSecretKey\\":\\"{AWS_SECRET}\\"}}"', AWS_SECRET),
    ("password", "password = 'open sesame now'", "open sesame now"),
    (
        "facebook",
        f"facebook app token 1308742762612587|{OPAQUE[:27]}",
        f"1308742762612587|{OPAQUE[:27]}",
    ),
    ("facebook", f"FB_PAGE_TOKEN=EAAM9GOnCB9kBO{OPAQUE * 3}", f"EAAM9GOnCB9kBO{OPAQUE * 3}"),
    (
        "grafana",
        f'GrafanaClient("{GRAFANA_KEY}", host=h)',
        GRAFANA_KEY,
    ),
    ("pypi", f"twine upload -r testpypi -p {TEST_PYPI}", TEST_PYPI),
    # SQL, XML, Dockerfile ENV / setx, and more programs' password slots
    ("password", f"mysql -e \"CREATE USER 'app'@'%' IDENTIFIED BY '{PW}'\"", PW),
    ("password", f"psql -c \"ALTER USER app WITH PASSWORD '{PW}'\"", PW),
    ("password", f"<server><id>nexus</id><password>{PW}</password></server>", PW),
    ("password", f"ENV POSTGRES_PASSWORD {PW}", PW),
    ("api-key", f"setx API_TOKEN {OPAQUE}", OPAQUE),
    ("password", f'ssh-keygen -t ed25519 -N "{PW}" -f deploy_key', PW),
    ("password", f"xfreerdp /u:admin /p:{PW} /v:host", PW),
    ("password", f"lftp -u bob,{PW} sftp://host", PW),
    ("password", f"sqlplus scott/{PW}@//db:1521/ORCL", PW),
    ("password", f"rabbitmqctl add_user admin {PW}", PW),
]


ALI_ID = "LTAI5tQ8mZk2Rw7nVb3xYc9d"
ALI_SECRET = "q8Vn3KzR7mWx2Lp9Tb5Yc4Hd6Jf1Gs"
ATCTT = "ATCTT3xFfGN0" + "Zk39xLq0PmW2rT8vA1b2-_" * 8 + "=8F3A2C1D"
FLY = (
    "fm2_"
    + "lJPECAAAAAAAAyZtxBD1hSZ7L5leXsj64ZbDlkm/wrVodHRwczovL2Fw" * 3
    + "==,fm2_"
    + ("lJPETmhNA6Yl0X1tatt8ezA0UjVQiJr93VQ7qAmD5GG2Ce5txhbQv3tmIGsv")
)
APPSYNC = "da2-k7m2x9q4w8e3r6t1y5u0i2o7pa"
SB_KEY = "g15dOaK6B6i/GVILwd6DRqUVxAV5OT4rr2uZSevpN2E="
DOCKER_AUTH = base64.b64encode(b"gitlab-ci-token:toIAZzZRHmv9upPYjg7p2D3x").decode()
TW_SECRET = "Qm7Zp2Kx9Lw4Rt8Vb3Nc6Hd1Jf5Gs0Ya2Ue7Io4Pk9Lm3Nb8Vc"
SESSION = "VR1SHRZdvTxMh4Buo8ObiLmwDIDisOcHcAS7WQtxbco"
FOUND += [
    ("alibaba", f"aliyun configure set --mode AK --access-key-id {ALI_ID}", ALI_ID),
    ("alibaba", "aliyun configure set --access-key-id LTAI06lJwGEHg41O", "LTAI06lJwGEHg41O"),
    ("alibaba", f"ALIBABA_CLOUD_ACCESS_KEY_SECRET={ALI_SECRET}", ALI_SECRET),
    ("alibaba", f'alicloud_secret_key = "{ALI_SECRET}"', ALI_SECRET),
    ("atlassian", f"created token {ATCTT} (expires in 365 days)", ATCTT),
    ("flyio", f'FLY_API_TOKEN="FlyV1 {FLY}"', FLY),
    ("flyio", f"$ fly tokens create deploy\nFlyV1 {FLY}\n", FLY),
    ("hashicorp", "vault login s.Zk39xLq0PmW2rT8vA1b2Q7wE", "s.Zk39xLq0PmW2rT8vA1b2Q7wE"),
    (
        "hashicorp",
        "curl -H 'X-Vault-Token: s.Zk39xLq0PmW2rT8vA1b2Q7wE' https://vault.test/v1/kv",
        "s.Zk39xLq0PmW2rT8vA1b2Q7wE",
    ),
    ("appsync", f'{{"apiKey": {{"id": "{APPSYNC}", "expires": 1767225600}}}}', APPSYNC),
    (
        "azure",
        "Endpoint=sb://bus.servicebus.windows.net/;SharedAccessKeyName=Root;"
        f"SharedAccessKey={SB_KEY}",
        SB_KEY,
    ),
    (
        "azure",
        f'[{{"keyName": "key1", "permissions": "FULL", "value": "{AZURE_KEY}"}}]',
        AZURE_KEY,
    ),
    (
        "docker",
        f'DOCKER_AUTH_CONFIG={{\\"auths\\":{{\\"r.test\\":{{\\"auth\\":\\"{DOCKER_AUTH}\\"}}}}}}',
        DOCKER_AUTH,
    ),
    ("twitter", "TWITTER_CONSUMER_KEY=Oyd2VmZTBY0pjUFFJeWfar7Qj", "Oyd2VmZTBY0pjUFFJeWfar7Qj"),
    ("twitter", f"twurl authorize --consumer-key abc --consumer-secret {TW_SECRET}", TW_SECRET),
    ("php", f"define('DB_PASSWORD', '{PW}');", PW),
    ("php", f'define( "AUTH_KEY", "{TW_SECRET}" );', TW_SECRET),
    ("cookie", f'curl https://app.test -H "Cookie: theme=dark; session={SESSION}"', SESSION),
    ("cookie", f"Set-Cookie: connect.sid={SESSION}; Path=/; HttpOnly", SESSION),
    ("cookie", f"curl -b 'PHPSESSID={HEX32}' https://shop.test/cart", HEX32),
    ("cookie", f"curl --cookie JSESSIONID={HEX32.upper()} http://i.test", HEX32.upper()),
]


NPM_AUTH = base64.b64encode(b"ci:m9poxLufwKtpsDYR9A7o").decode()
FOUND += [
    ("password", f"$pw = ConvertTo-SecureString '{PW}' -AsPlainText -Force", PW),
    ("password", f'ConvertTo-SecureString -String "{PW}" -AsPlainText -Force', PW),
    ("password", f"net user svc_backup {PW} /add /domain", PW),
    ("password", f"az login --service-principal -u http://ci -p '{PW}' --tenant t", PW),
    ("password", f"127.0.0.1:6379> AUTH default {PW}\nOK", PW),
    ("password", f"echo 'db.test:5432:app:app_rw:{PW}' > ~/.pgpass", PW),
    ("npm", f"//npm.corp.test/:_auth={NPM_AUTH}", NPM_AUTH),
    ("password", f'printf "%s" "{PW}" | gh secret set DB_PASSWORD', PW),
    ("password", f"echo -n {PW} | npx wrangler secret put API_KEY", PW),
    ("password", f'gh secret set API_KEY <<< "{PW}"', PW),
    (
        "password",
        f'{{"db_password": {{"sensitive": true, "type": "string", "value": "{PW}"}}}}',
        PW,
    ),
    ("password", f"mc alias set prod https://minio.test:9000 ACCESSKEY1 {OPAQUE}", OPAQUE),
    ("api-key", f"python upload.py --api_key {OPAQUE} --dataset eval", OPAQUE),
    ("password", f"python manage.py seed --db_password {PW}", PW),
    (
        "aws",
        f"User name,Password,Access key ID,Secret access key\nci,,AKIAIOSFODNN7EXAMPLE,{AWS_SECRET}",
        AWS_SECRET,
    ),
    (
        "aws",
        f"ACCESSKEY\tAKIAIOSFODNN7EXAMPLE\t2026-11-02T09:12:44Z\t{AWS_SECRET}\tActive",
        AWS_SECRET,
    ),
    ("twitter", f"Twitter consumer key {TW_SECRET[:25]}", TW_SECRET[:25]),
    (
        "twitter",
        f"twitter bearer {TW_SECRET[:40]}%3D{TW_SECRET}",
        f"{TW_SECRET[:40]}%3D{TW_SECRET}",
    ),
    ("cookie", f'{{"headers": {{"Cookie": "sessionid={SESSION}; csrftoken=abc"}}}}', SESSION),
    ("php", f"$cfg['Servers'][$i]['password'] = '{PW}';", PW),
    (
        "azure",
        f"KeyName    Permissions    Value\n-------  -----------  -----\nkey1       FULL           {AZURE_KEY}",
        AZURE_KEY,
    ),
    ("url-encoded", f"GET /login?user=bob&password%3D{OPAQUE} 302", OPAQUE),
    ("url-encoded", f"body=%7B%22api_key%22%3A%22{OPAQUE}%22%7D", OPAQUE),
    ("url-encoded", f"GET /p?h=Authorization%3A%20Bearer%20{OPAQUE} HTTP/1.1", OPAQUE),
    ("setter", f'[System.Environment]::SetEnvironmentVariable("API_KEY", "{OPAQUE}")', OPAQUE),
    ("setter", f'System.setProperty("javax.net.ssl.keyStorePassword", "{PW}");', PW),
    ("password", "password = Hunter2xyz!", "Hunter2xyz!"),
    ("password", "password: Sunshine", "Sunshine"),
    (
        "vault",
        "VAULT_TOKEN=s.wKLpaYQJF4dvYBpW8Dfhw4iq vault kv get x",
        "s.wKLpaYQJF4dvYBpW8Dfhw4iq",
    ),
    (
        "basic",
        "Authorization: Basic " + base64.b64encode(f"{OPAQUE}:".encode()).decode(),
        base64.b64encode(f"{OPAQUE}:".encode()).decode(),
    ),
    ("password", f"ansible-vault encrypt_string '{PW}' --name db_password", PW),
    ("password", f"keytool -importkeystore -srcstorepass {PW} -destkeystore a.jks", PW),
    ("password", f"az keyvault secret set --vault-name kv --name db --value {PW}", PW),
    ("password", f"aws ssm put-parameter --name /db --type SecureString --value '{PW}'", PW),
    ("api-key", f"Your new API key is: {OPAQUE}\nStore it safely.", OPAQUE),
    ("basic", f"r = requests.get(url, auth=('deploy', '{PW}'), timeout=10)", PW),
    ("basic", f'session.auth = HTTPBasicAuth("admin", "{PW}")', PW),
    ("azure", f"azure.storage.key={AZURE_KEY}", AZURE_KEY),
    ("azure", f'"accessKey": {{"value": "{AZURE_KEY}"}}', AZURE_KEY),
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
    # a vendor prefix before a run, a repeat or a low-entropy body is a fixture
    ("low-entropy", 'API_KEY="glc_111111111111111111111111111111111111111111="'),
    ("low-entropy", "VAULT_TOKEN=hvb." + "c" * 50),
    ("low-entropy", 'apiKey: "AIza' + "a" * 35 + '"'),
    ("low-entropy", "NEW_RELIC_API_KEY=NRAK-" + "A" * 27),
    ("low-entropy", "GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
    ("low-entropy", "SUPABASE_ACCESS_TOKEN=sbp_0123456789abcdef0123456789abcdef01234567"),
    # the scheme word in prose, or before a name or a placeholder
    ("name", "Bearer tokens are described in RFC 6750, section 2.1"),
    ("name", "X-Auth: Bearer authentication-required"),
    ("placeholder", 'curl -H "Authorization: Bearer ${ACCESS_TOKEN}" https://api.test'),
    ("placeholder", 'curl -H "Authorization: Api-Token $DT_TOKEN" https://api.test'),
    ("name", 'Authorization: Digest username="bob", realm="api"'),
    ("placeholder", 'sudo -S apt-get update <<< "$SUDO_PASSWORD"'),
    ("name", "test_login.py::test_pass PASSED"),
    ("name", "compass_bypass: enabled"),
    ("slot", "curl 'https://maps.example.test/api?key=short'"),
    (
        "name",
        "aws s3api get-object-attributes --bucket b 'https://b.s3.test/?key=uploads/2026/11/file-12345.png'",
    ),
    (
        "low-entropy",
        "ANTHROPIC_API_KEY=sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx-"
        "3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzAA",
    ),
    ("low-entropy", "AIzaSyabcdefghijklmnopqrstuvwxyz1234567"),
    ("name", '"secret_description": "This is the secret token the service uses"'),
    ("name", '{"token_type":"bearer","scope":"read write"}'),
    ("placeholder", "mysql -e \"CREATE USER 'app'@'%' IDENTIFIED BY '$DB_PASSWORD'\""),
    ("placeholder", "<password>${env.NEXUS_PASSWORD}</password>"),
    ("name", "ENV PASSWORD_FILE /run/secrets/db_password"),
    ("name", "ENV TOKEN_URL https://auth.example.test/oauth/token"),
    ("slot", "ssh-keygen -t ed25519 -N '' -f deploy_key"),
    # placeholders that say so, templates and bind parameters, references to a secret store
    # or to the environment
    ("placeholder", "DB_PASSWORD=password_here"),
    ("placeholder", "export DB_PASSWORD=CHANGE_ME"),
    ("placeholder", "mytool --api-key enter-your-api-key"),
    ("placeholder", '"token": "api_key_goes_here"'),
    ("placeholder", "password: {password}"),
    ("placeholder", "conn.execute(sql, password=:password)"),
    ("name", "DB_PASSWORD=op://prod/postgres/password"),
    ("name", "API_KEY=ref+vault://secret/data/app#/api_key"),
    ("name", "DB_PASSWORD=vault:secret/data/db#password"),
    ("name", "mytool --token arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
    ("name", "const apiKey = process.env.STRIPE_API_KEY"),
    ("name", 'password = os.environ["DB_PASSWORD"]'),
    # Discord's shape with an id that is not digits
    ("discord", "MZ1yGvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC"),
]


NOT_SECRETS += [
    ("alibaba", "AccessKeyId     : LTAI5t****************"),
    ("alibaba", "ALTAIRENGINEERINGHOME=/opt/altair"),
    ("alibaba", "export ALIBABA_CLOUD_ACCESS_KEY_SECRET=<your-access-key-secret>"),
    ("flyio", "FLY_API_TOKEN=FlyV1 fm2_..."),
    ("flyio", "FLY_API_TOKEN=FlyV1 fm2_" + "A" * 120),
    ("hashicorp", "vault login -method=oidc role=dev"),
    ("appsync", "x-api-key: da2-xxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("appsync", "da2-abcdefghijklmnopqrstuvwxyz"),
    ("azure", "SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=<key>"),
    ("docker", '{\\"auths\\":{\\"r.test\\":{\\"auth\\":\\"<base64 user:token>\\"}}}'),
    ("twitter", '<meta name="twitter:card" content="summary_large_image">'),
    ("twitter", "TWITTER_CONSUMER_KEY=your_twitter_consumer_key_here"),
    ("php", "define('DB_PASSWORD', getenv('DB_PASSWORD'));"),
    ("php", "define('AUTH_KEY', 'put your unique phrase here');"),
    ("php", "define('DB_USER', 'wordpress');"),
    ("cookie", "Cookie: theme=dark; lang=en-US; tz=Europe%2FBerlin"),
    ("cookie", "Set-Cookie: session=deleted; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"),
    ("cookie", "curl -b cookies.txt -c cookies.txt https://app.test/login"),
    ("cookie", 'curl -H "Cookie: session=$SESSION" https://app.test/api'),
    ("cookie", "Set-Cookie: cookieconsent_status=dismiss; Path=/; Max-Age=31536000"),
]


NOT_SECRETS += [
    ("slot", "$pw = ConvertTo-SecureString $env:ADMIN_PASSWORD -AsPlainText -Force"),
    ("slot", "net user svc_backup /delete"),
    ("slot", "net user svc_backup * /add"),
    ("slot", "az login --service-principal -u $APP_ID -p $CLIENT_SECRET --tenant $TENANT"),
    ("slot", "127.0.0.1:6379> AUTH\n(error) ERR wrong number of arguments"),
    ("slot", "echo 'localhost:5432:*:postgres:*' >> ~/.pgpass"),
    ("slot", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}"),
    ("default", "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_test"),
    ("default", "amqp://guest:guest@rabbitmq:5672/"),
    ("low-entropy", "TOKEN=abc123abc123abc123abc123"),
    ("low-entropy", "DB_PASSWORD=passwordpassword"),
    (
        "ciphertext",
        "password: ENC[AES256_GCM,data:Zk39xLq0PmW2rT8v,iv:A1b2Q7wE4rT8vA1b2=,type:str]",
    ),
    (
        "ciphertext",
        "db_password: ENC[PKCS7,MIIBeQYJKoZIhvcNAQcDoIIBajCCAWYCAQAxggEhMIIBHQIBADAFMAACAQEw]",
    ),
    ("ciphertext", "  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq"),
    ("placeholder", 'password = "#{db_password}"'),
    ("placeholder", "DB_PASSWORD=@@DB_PASSWORD@@"),
    ("placeholder", "DB_PASSWORD=__DB_PASSWORD__"),
    ("code", 'password = getpass.getpass("Password: ")'),
    ("slot", '{"db_host": {"sensitive": false, "type": "string", "value": "db.corp.test"}}'),
    ("slot", "mc alias set prod https://minio.test:9000 $MINIO_ACCESS $MINIO_SECRET"),
    ("slot", "python train.py --api_key_file keys/api.txt"),
    ("aws", "AKIAIOSFODNN7EXAMPLE rotated; commit 9fceb02d0ae598e95dc970b74767f19372d61af8"),
    ("twitter", "https://twitter.com/corp_engineering/status/1780000000000000000"),
    ("url-encoded", "GET /reset?field=password%3D&step=2 200"),
    ("url-encoded", "GET /docs?q=api_key%3A%22%3Cyour-key%3E%22 200"),
    ("setter", 'System.setProperty("javax.net.ssl.keyStoreType", "PKCS12");'),
    ("code", "input_cached_image_tokens: Optional[int] = None"),
    ("code", "def _auth_headers(self, credentials: OpenAIChatGPTCredentials) -> dict[str, str]:"),
    ("code", "client_secret: ClientSecret"),
    ("code", "tokens: _CodexCliTokens"),
    ("code", "token = Keyword.Reserved"),
    ("code", "token = Punctuation"),
    ("code", "r = requests.get(url, auth=(user, password))"),
    ("code", 'r = requests.get(url, auth=("user", os.environ["API_PASSWORD"]))'),
    ("slot", "ansible-vault encrypt_string --stdin-name db_password"),
    ("slot", "aws ssm get-parameter --name /app/db/password --with-decryption"),
    ("documentation", '// secret is "a-string-secret-at-least-256-bits-long"'),
    ("name", "The password is required when --user is given."),
    ("basic", "curl -H 'Authorization: Basic YWRtaW46' https://x.test"),
    (
        "documentation",
        "curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:",
    ),
    (
        "documentation",
        "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r.git",
    ),
    ("code", 'return {"api-key": self._azure_provider.api_key}'),
    ("code", "token: object,"),
    ("code", "self._oauth_access_token = self._profile_auth.oauth_access_token"),
    ("code", "token = access_token_from_env"),
    ("code", "if reasoning_tokens := usage.reasoning_tokens:"),
    ("code", "statetokens = tokendefs['root']"),
    ("slot", "echo $TOKEN | gh secret set X"),
    ("slot", 'echo -n "$(cat key.json)" | gcloud secrets versions add k --data-file=-'),
]


@pytest.mark.parametrize(("family", "text"), NOT_SECRETS)
def test_look_alikes_never_fire(family: str, text: str) -> None:
    assert scan_text(text) == [], family


PREFIXED = [
    GH,
    NPM,
    "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",
    "glpat-Zk39xLq0PmW2rT8vA1b2",
    "xoxb-263594206564-2343594180386-u9Rzt1ADp8nQx4Lk0VbWc7Ye",
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


def test_long_tokens_in_credential_slots_are_redacted_whole() -> None:
    # an AWS session token is several hundred characters: no tail may be left behind
    token = "IQoJb3JpZ2luX2VjE" + "Zk39xLq0PmW2rT8vA1b2+/" * 30 + "=="
    for text in (
        f"export AWS_SESSION_TOKEN={token}",
        f'  "SessionToken": "{token}",',
        f"mytool --token {token}",
    ):
        assert token in [text[f.start : f.end] for f in scan_text(text)], text
        assert redact_text(text).count("Zk39") == 0


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
