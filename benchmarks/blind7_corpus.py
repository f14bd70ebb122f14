"""Seventh blind secret corpus for execgate's scanner (tests/blind7_corpus.json).

Precision first. Written without reading the scanner's rules, from public format facts
only (vendor docs, GitHub secret-scanning notes, real public lockfiles). Every positive value
is drawn from ``random.Random(SEED)`` in its format's prefix, length, alphabet and checksum
(GitHub/npm tokens end in a base62 CRC32, age keys in a bech32 checksum, private keys are real
keys derived from seeded numbers), so none is a live credential.

Most cases are hard negatives in the text an agent's shell tool sees (``env`` dumps, ``git
diff``/``git log -p``, lockfiles, CI logs, pytest output, ``docker inspect``, ``kubectl get -o
yaml``, ``terraform plan``): low-entropy and patterned values, placeholders and templating,
masked values, vendors' own documentation examples, public key material, names of secrets,
and high-entropy ids and hashes that are not secret. Lockfile and ``go.sum`` lines are real
lines copied from the named public repositories. Run without arguments to write the JSON;
``--score`` measures the scanner against it.
"""

from __future__ import annotations

import base64
import json
import random
import string
import struct
import sys
import urllib.parse
import zlib
from collections.abc import Callable
from pathlib import Path

from _blind import run
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

SEED = 7072026
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind7_corpus.json"

R = random.Random(SEED)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"

Case = dict[str, str | None]


def rs(alpha: str, n: int) -> str:
    return "".join(R.choice(alpha) for _ in range(n))


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def b64s(s: str) -> str:
    return b64(s.encode())


def b62_crc(body: str) -> str:
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def uuid4() -> str:
    return f"{rs(HEX, 8)}-{rs(HEX, 4)}-4{rs(HEX, 3)}-{R.choice('89ab')}{rs(HEX, 3)}-{rs(HEX, 12)}"


# ---------------------------------------------------------------- bech32 (BIP-173), for age keys

_BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def bech32(hrp: str, data: bytes) -> str:
    acc, bits, five = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            five.append((acc >> bits) & 31)
    if bits:
        five.append((acc << (5 - bits)) & 31)
    hx = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _polymod(hx + five + [0] * 6) ^ 1
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH[d] for d in five + chk)


# ---------------------------------------------------------------- real keys from seeded numbers


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(24):
        a = R.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        c = R.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if _is_prime(c) and (c - 1) % 65537:
            return c


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        if p != q:
            break
    n, phi = p * q, (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    nums = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return nums.private_key()


def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(R.randbytes(32))


def ec_key() -> ec.EllipticCurvePrivateKey:
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(R.randrange(1, n), ec.SECP256R1())


def pem_parts(pem: str) -> tuple[str, str]:
    """(whole armored block, body between the armor lines)."""
    pem = pem.strip()
    lines = pem.splitlines()
    return pem, "\n".join(lines[1:-1])


def priv_pem(key: PrivateKeyTypes, fmt: ser.PrivateFormat) -> str:
    return key.private_bytes(ser.Encoding.PEM, fmt, ser.NoEncryption()).decode()


def _sshstr(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def openssh_ed25519(comment: str) -> tuple[str, str]:
    """An unencrypted OpenSSH-format ed25519 private key, built by hand so it is seeded."""
    k = ed_key()
    sk = k.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption())
    pk = k.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    pub = _sshstr(b"ssh-ed25519") + _sshstr(pk)
    chk = struct.pack(">I", R.getrandbits(32))
    priv = chk + chk + _sshstr(b"ssh-ed25519") + _sshstr(pk) + _sshstr(sk + pk)
    priv += _sshstr(comment.encode())
    i = 1
    while len(priv) % 8:
        priv += bytes([i])
        i += 1
    blob = b"openssh-key-v1\0" + _sshstr(b"none") + _sshstr(b"none") + _sshstr(b"")
    blob += struct.pack(">I", 1) + _sshstr(pub) + _sshstr(priv)
    s = b64(blob)
    body = "\n".join(s[i : i + 70] for i in range(0, len(s), 70))
    return (
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----",
        body,
    )


def ssh_pub(kind: str, comment: str) -> str:
    k = ed_key() if kind == "ed25519" else rsa_key(2048)
    line = k.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
    return f"{line} {comment}"


def spki_pem(kind: str) -> str:
    makers: dict[str, Callable[[], PrivateKeyTypes]] = {"ed25519": ed_key, "ec": ec_key}
    k = makers.get(kind, lambda: rsa_key(2048))()
    return (
        k.public_key()
        .public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
        .decode()
        .strip()
    )


def self_signed_cert(cn: str) -> str:
    import datetime

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    k = ed_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(k.public_key())
        .serial_number(R.getrandbits(64))
        .not_valid_before(datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC))
        .not_valid_after(datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC))
        .sign(k, None)
    )
    return cert.public_bytes(ser.Encoding.PEM).decode().strip()


# ---------------------------------------------------------------- vendor token shapes


def gh(prefix: str) -> Callable[[], str]:
    def f() -> str:
        body = rs(ALNUM, 30)
        return prefix + body + b62_crc(body)

    return f


def npm_tok() -> str:
    body = rs(ALNUM, 30)
    return "npm_" + body + b62_crc(body)


def slack_bot() -> str:
    return f"xoxb-{rs(string.digits, 12)}-{rs(string.digits, 13)}-{rs(ALNUM, 24)}"


def openai_proj() -> str:
    return "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74)


def anthropic() -> str:
    return "sk-ant-api03-" + rs(URLSAFE, 93) + "AA"


def pypi() -> str:
    return "pypi-AgEIcHlwaS5vcmc" + rs(URLSAFE, 150)


def discord_bot() -> str:
    uid = str(R.randrange(10**17, 13 * 10**17))
    head = base64.urlsafe_b64encode(uid.encode()).decode().rstrip("=")
    ts = R.choice("GY") + rs(URLSAFE, 5)
    return f"{head}.{ts}.{rs(URLSAFE, R.choice([27, 38]))}"


def telegram_bot() -> str:
    return f"{R.randrange(10**8, 8 * 10**9)}:AA{rs(URLSAFE, 33)}"


def aws_akid() -> str:
    return "AKIA" + rs(B32, 16)


def aws_secret() -> str:
    return rs(B64, 40)


def azure_key() -> str:
    return b64(R.randbytes(64))


def databricks() -> str:
    return "dapi" + rs(HEX, 32)


def hf() -> str:
    return "hf_" + rs(string.ascii_letters, 34)


def glpat() -> str:
    return "glpat-" + rs(URLSAFE, 20)


def jwt(alg: str = "RS256") -> str:
    def seg(obj: dict[str, object]) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    head = seg({"alg": alg, "typ": "JWT", "kid": rs(HEX, 20)})
    body = seg(
        {
            "iss": "https://login.acme-id.net/",
            "sub": uuid4(),
            "aud": "api://orders",
            "iat": 1717000000 + R.randrange(10**6),
            "exp": 1717003600 + R.randrange(10**6),
            "scp": "orders.read orders.write",
        }
    )
    return f"{head}.{body}.{rs(URLSAFE, 342 if alg == 'RS256' else 43)}"


def opaque() -> str:
    return rs(URLSAFE, R.choice([40, 48, 64]))


# glue/encoding set: format name -> generator
GLUE: dict[str, Callable[[], str]] = {
    "github_classic_pat": gh("ghp_"),
    "github_oauth": gh("gho_"),
    "gitlab_pat": glpat,
    "slack_bot_token": slack_bot,
    "openai_project_key": openai_proj,
    "anthropic_api_key": anthropic,
    "huggingface_token": hf,
    "npm_token": npm_tok,
    "pypi_token": pypi,
}

# ---------------------------------------------------------------- passwords

WORDS = ["Maple", "Harbor", "Quartz", "Falcon", "Cobalt", "Juniper", "Tundra", "Orchid", "Vesper"]
USERS = ["deploy", "svc_backup", "jdoe", "ci-bot", "etl_rw", "admin", "rmartinez", "app"]
HOSTS = ["db01.corp.local", "10.20.3.14", "pg-primary.internal", "files.acme.net", "nas02.lan"]


def password(sym: str = "!#%+_.^-@") -> str:
    style = R.randrange(3)
    if style == 0:
        return f"{R.choice(WORDS)}{R.choice(sym)}{R.choice(WORDS).lower()}{R.randint(10, 9999)}{R.choice(sym)}"
    if style == 1:
        base = rs(ALNUM, R.randint(12, 18))
        i = R.randrange(len(base))
        return base[:i] + R.choice(sym) + base[i:] + R.choice(string.digits)
    return rs(ALNUM, R.randint(20, 28))


def password_needing_pct() -> tuple[str, str]:
    """(raw, percent-encoded) password that contains URL-reserved characters."""
    raw = f"{rs(ALNUM, R.randint(5, 8))}{R.choice('@#/:?')}{rs(ALNUM, R.randint(4, 7))}{R.choice('!$&@%')}{rs(ALNUM, 4)}"
    return raw, urllib.parse.quote(raw, safe="")


def sh_sq(p: str) -> str:
    """Single-quote safe: our passwords never contain a single quote."""
    assert "'" not in p
    return p


# ================================================================ positives


def positives() -> list[Case]:
    out: list[Case] = []
    # one generator variable for every loop below: typed once, as mypy infers it from the first
    gen: Callable[[], str]

    def add(fmt: str, src: str, text: str, secret: str) -> None:
        assert secret in text, (fmt, secret, text)
        out.append({"text": text, "secret": secret, "format": fmt, "source": src})

    # ---- Discord bot tokens (format: base64(user id) . timestamp . hmac; hexdocs.pm/nostrum/Nostrum.Token.html)
    dsrc = "format: hexdocs.pm/nostrum/Nostrum.Token.html; header: discord.com/developers/docs/reference#authentication"
    for tpl in [
        '$ curl -s -H "Authorization: Bot {v}" https://discord.com/api/v10/users/@me\n{{"id": "1093847561029384756", "username": "deploy-notifier", "bot": true}}',
        "+ curl -sS -X POST https://discord.com/api/v10/channels/1201934857610293847/messages -H 'Authorization: Bot {v}' -H 'Content-Type: application/json' -d '{{\"content\":\"build #812 passed\"}}'",
        "$ printenv | grep -i discord\nDISCORD_GUILD_ID=1187263548790123456\nDISCORD_BOT_TOKEN={v}",
        'diff --git a/bot/main.py b/bot/main.py\n@@ -40,4 +40,4 @@ async def on_ready():\n-client.run(os.environ["DISCORD_TOKEN"])\n+client.run("{v}")',
        "  File \"/srv/bot/venv/lib/python3.12/site-packages/aiohttp/client_reqrep.py\", line 1070, in raise_for_status\naiohttp.client_exceptions.ClientResponseError: 401, message='Unauthorized', url='https://discord.com/api/v10/gateway/bot'\nrequest headers: {{'User-Agent': 'DiscordBot (https://github.com/Rapptz/discord.py 2.3.2)', 'Authorization': 'Bot {v}'}}",
        '$ docker inspect --format \'{{{{json .Config.Env}}}}\' music-bot\n["PATH=/usr/local/bin:/usr/bin:/bin","TOKEN={v}","PREFIX=!"]',
        '$ cat config.json\n{{\n  "prefix": "?",\n  "token": "{v}",\n  "ownerId": "298734561029384756"\n}}',
        "> GET /api/v10/applications/@me HTTP/2\n> Host: discord.com\n> user-agent: curl/8.5.0\n> authorization: Bot {v}\n>\n< HTTP/2 200",
        "$ kubectl get deploy modbot -o yaml | grep -A1 DISCORD\n        - name: DISCORD_TOKEN\n          value: {v}",
        "$ fly secrets set DISCORD_TOKEN={v} -a modbot-prod\nUpdating existing machines in 'modbot-prod' with rolling strategy",
        '2024-06-02T09:14:07.118Z DEBUG [http] => GET https://discord.com/api/v10/guilds/1187263548790123456/members?limit=1000 headers={{"Authorization":"Bot {v}"}}',
        "$ export DISCORD_TOKEN='{v}'\n$ node index.js\nLogged in as deploy-notifier#0420",
    ]:
        v = discord_bot()
        add("discord_bot_token", dsrc, tpl.format(v=v), v)

    # ---- Telegram bot tokens (core.telegram.org/bots/api: <id>:<35 chars>, URL https://api.telegram.org/bot<token>/METHOD)
    tsrc = "core.telegram.org/bots/api#authorizing-your-bot"
    for tpl in [
        '$ curl -s https://api.telegram.org/bot{v}/getMe\n{{"ok":true,"result":{{"id":6123456789,"is_bot":true,"first_name":"alerts"}}}}',
        '+ curl -s -X POST "https://api.telegram.org/bot{v}/sendMessage" -d chat_id=-1001234567890 -d text="deploy ok"',
        "requests.exceptions.HTTPError: 409 Client Error: Conflict for url: https://api.telegram.org/bot{v}/getUpdates?offset=0&timeout=10",
        '2024-06-01 11:02:45,331 - httpx - INFO - HTTP Request: POST https://api.telegram.org/bot{v}/getUpdates "HTTP/1.1 200 OK"',
        "$ cat .env\nTELEGRAM_BOT_TOKEN={v}\nTELEGRAM_CHAT_ID=-1009876543210",
        '$ wget -qO- \'https://api.telegram.org/bot{v}/setWebhook?url=https://hooks.acme.dev/tg\'\n{{"ok":true,"result":true,"description":"Webhook was set"}}',
        '[alertmanager] level=error component=dispatcher msg="Notify for alerts failed" err="telegram/telegram[0]: notify retry canceled due to unrecoverable error after 1 attempts: Post \\"https://api.telegram.org/bot{v}/sendMessage\\": dial tcp: i/o timeout"',
        "$ docker run -d --name tgbot -e BOT_TOKEN={v} ghcr.io/acme/tgbot:1.2",
        "diff --git a/alertmanager.yml b/alertmanager.yml\n+  telegram_configs:\n+  - bot_token: '{v}'\n+    chat_id: -1001234567890",
        "    at TelegramError (/app/node_modules/node-telegram-bot-api/src/errors.js:8:5)\n  response: {{ url: 'https://api.telegram.org/bot{v}/sendPhoto', status: 400 }}",
        "$ env | grep TG\nTG_TOKEN={v}",
        "uptime-kuma  | 2024-06-01T10:00:00Z [MONITOR] WARN: Failed to send telegram notification, url=https://api.telegram.org/bot{v}/sendMessage",
    ]:
        v = telegram_bot()
        add("telegram_bot_token", tsrc, tpl.format(v=v), v)

    # ---- Twilio auth token (32 hex; twilio.com/docs/usage/requests-to-twilio: -u AccountSid:AuthToken)
    twsrc = "twilio.com/docs/iam/api (basic auth AccountSid:AuthToken)"
    for tpl in [
        "$ curl -X POST https://api.twilio.com/2010-04-01/Accounts/AC{sid}/Messages.json --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=hi' -u AC{sid}:{v}",
        "+ curl -sG https://api.twilio.com/2010-04-01/Accounts/AC{sid}/Calls.json -d Status=completed -u 'AC{sid}:{v}'",
        "$ printenv | grep TWILIO\nTWILIO_ACCOUNT_SID=AC{sid}\nTWILIO_AUTH_TOKEN={v}",
        "$ twilio profiles:add -p prod --account-sid AC{sid} --auth-token {v}",
        "diff --git a/config/sms.yml b/config/sms.yml\n+twilio:\n+  account_sid: AC{sid}\n+  auth_token: {v}",
        "$ http -a AC{sid}:{v} GET https://api.twilio.com/2010-04-01/Accounts/AC{sid}/Balance.json",
        "E       twilio.base.exceptions.TwilioRestException: HTTP 401 error: Unable to fetch record\nE       client = Client('AC{sid}', '{v}')",
        "$ heroku config -a sms-relay\n=== sms-relay Config Vars\nTWILIO_ACCOUNT_SID: AC{sid}\nTWILIO_AUTH_TOKEN:  {v}",
        "$ kubectl get secret twilio -o jsonpath='{{.data.auth_token}}' | base64 -d\n{v}",
        "    environment:\n      TWILIO_SID: AC{sid}\n      TWILIO_TOKEN: {v}",
    ]:
        v = rs(HEX, 32)
        add("twilio_auth_token", twsrc, tpl.format(v=v, sid=rs(HEX, 32)), v)

    # ---- AWS secret access key (40 chars base64 alphabet; docs.aws.amazon.com/cli/latest/reference/configure/set.html)
    asrc = "docs.aws.amazon.com/cli/latest/reference/configure/set.html; credentials file format"
    for tpl in [
        "$ aws configure set aws_access_key_id {ak}\n$ aws configure set aws_secret_access_key {v}\n$ aws configure set region eu-west-1",
        "+ aws configure set aws_secret_access_key {v} --profile ci",
        "$ aws configure set profile.backup.aws_secret_access_key '{v}'",
        "$ cat ~/.aws/credentials\n[default]\naws_access_key_id = {ak}\naws_secret_access_key = {v}\n\n[staging]\nsource_profile = default\nrole_arn = arn:aws:iam::123456789012:role/deploy",
        "$ cat ~/.aws/credentials\n[prod]\naws_access_key_id={ak}\naws_secret_access_key={v}",
        "$ env | sort | grep ^AWS\nAWS_ACCESS_KEY_ID={ak}\nAWS_DEFAULT_REGION=us-east-2\nAWS_SECRET_ACCESS_KEY={v}",
        "$ docker run --rm -e AWS_ACCESS_KEY_ID={ak} -e AWS_SECRET_ACCESS_KEY={v} amazon/aws-cli s3 ls",
        'diff --git a/terraform/provider.tf b/terraform/provider.tf\n+provider "aws" {{\n+  region     = "us-west-2"\n+  access_key = "{ak}"\n+  secret_key = "{v}"\n+}}',
        "$ rclone config show s3prod\n[s3prod]\ntype = s3\nprovider = AWS\naccess_key_id = {ak}\nsecret_access_key = {v}\nregion = us-east-1",
        "$ cat ~/.s3cfg | head -4\n[default]\naccess_key = {ak}\nsecret_key = {v}\nhost_base = s3.amazonaws.com",
        '$ aws iam create-access-key --user-name ci-uploader\n{{\n    "AccessKey": {{\n        "UserName": "ci-uploader",\n        "AccessKeyId": "{ak}",\n        "Status": "Active",\n        "SecretAccessKey": "{v}",\n        "CreateDate": "2024-06-01T10:11:12+00:00"\n    }}\n}}',
        "$ mc alias set s3 https://s3.amazonaws.com {ak} {v}\nAdded `s3` successfully.",
        "$ kubectl get secret aws-creds -o yaml\napiVersion: v1\nkind: Secret\nstringData:\n  AWS_ACCESS_KEY_ID: {ak}\n  AWS_SECRET_ACCESS_KEY: {v}",
        "$ duplicity --s3-use-new-style ... # env: AWS_ACCESS_KEY_ID={ak} AWS_SECRET_ACCESS_KEY={v} PASSPHRASE=",
    ]:
        v = aws_secret()
        add("aws_secret_access_key", asrc, tpl.format(v=v, ak=aws_akid()), v)

    # ---- Azure storage account keys (base64 of 64 bytes; learn.microsoft.com/azure/storage/common/storage-configure-connection-string)
    azsrc = "learn.microsoft.com/azure/storage/common/storage-configure-connection-string"
    for tpl in [
        "$ export AZURE_STORAGE_CONNECTION_STRING='DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={v};EndpointSuffix=core.windows.net'",
        '$ az storage account keys list -g rg-prod -n acmelogs -o json\n[\n  {{\n    "creationTime": "2024-03-01T10:00:00.000000+00:00",\n    "keyName": "key1",\n    "permissions": "FULL",\n    "value": "{v}"\n  }}\n]',
        "$ az storage blob upload --account-name acmelogs --account-key {v} -c backups -f db.tar.gz -n db.tar.gz",
        'diff --git a/appsettings.Production.json b/appsettings.Production.json\n+    "BlobStorage": "DefaultEndpointsProtocol=https;AccountName=acmeimg;AccountKey={v};EndpointSuffix=core.windows.net"',
        '$ cat local.settings.json\n{{\n  "IsEncrypted": false,\n  "Values": {{\n    "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=fnacme;AccountKey={v}",\n    "FUNCTIONS_WORKER_RUNTIME": "python"\n  }}\n}}',
        "$ printenv AZURE_STORAGE_KEY\n{v}",
        "+ azcopy copy ./dist 'https://acmecdn.blob.core.windows.net/$web' --recursive # AZCOPY_ACCOUNT_KEY={v}",
        "$ rclone config show azprod\n[azprod]\ntype = azureblob\naccount = acmearchive\nkey = {v}",
        "    velero:\n      credentials:\n        secretContents:\n          cloud: |\n            AZURE_STORAGE_ACCOUNT_ACCESS_KEY={v}\n            AZURE_CLOUD_NAME=AzurePublicCloud",
        "Microsoft.WindowsAzure.Storage.StorageException: Server failed to authenticate the request.\n   ConnectionString: DefaultEndpointsProtocol=https;AccountName=acmequeue;AccountKey={v};EndpointSuffix=core.windows.net",
    ]:
        v = azure_key()
        add("azure_storage_key", azsrc, tpl.format(v=v), v)

    # ---- generic --api-key VALUE for arbitrary CLIs (value is random; key name says it is a credential)
    gsrc = "generic CLI credential flags (value seeded random)"
    for tpl, gen in [
        ("$ weatherctl --api-key {v} forecast --city Oslo", lambda: rs(HEX, 32)),
        ("+ ./bin/importer --api-key={v} --source s3://acme-feeds/daily/", lambda: rs(ALNUM, 40)),
        (
            "$ mailer-cli send --to ops@acme.dev --api-key '{v}' --subject 'nightly report'",
            lambda: rs(ALNUM, 36),
        ),
        ("$ geo lookup 8.8.8.8 --apikey {v}", lambda: rs(HEX, 40)),
        ("$ python scripts/sync.py --token {v} --org acme --dry-run", lambda: rs(URLSAFE, 43)),
        ("$ npx @acme/uploader --secret-key {v} ./build", lambda: "sk_" + rs(ALNUM, 32)),
        ("$ acmectl login --client-id 4f1d9b7e --client-secret {v}", lambda: rs(URLSAFE, 48)),
        (
            "$ curl -H 'X-API-Key: {v}' https://api.internal-tools.net/v2/reports",
            lambda: rs(HEX, 32),
        ),
        (
            '$ curl -H "x-api-key: {v}" https://search.acme.io/indexes/products/search -d \'{{"q":"red"}}\'',
            lambda: rs(ALNUM, 32),
        ),
        ("$ http GET https://api.scoring.dev/v1/score api_key=={v}", lambda: rs(ALNUM, 28)),
        ("$ terraform apply -var 'api_key={v}' -auto-approve", lambda: rs(HEX, 40)),
        (
            "$ helm upgrade --install metrics ./chart --set apiKey={v} --namespace obs",
            lambda: rs(HEX, 32),
        ),
        ("$ ansible-playbook deploy.yml -e monitoring_api_key={v}", lambda: rs(ALNUM, 32)),
        ("$ ./gradlew publish -PapiKey={v} -PapiSecret=", lambda: rs(ALNUM, 32)),
        ("$ mvn deploy -Drepo.token={v}", lambda: rs(URLSAFE, 40)),
        ("$ k6 run -e API_TOKEN={v} load.js", lambda: rs(HEX, 48)),
        ("$ osmcli --access-token={v} export --bbox 10,59,11,60", lambda: rs(URLSAFE, 64)),
        ("$ translate-cli --auth-key {v} --target DE input.txt", lambda: f"{uuid4()}:fx"),
        ("$ ./deploy.sh --webhook-secret {v}", lambda: rs(HEX, 64)),
        ("$ ingest --license-key {v} --app checkout", lambda: rs(HEX, 36) + "NRAL"),
    ]:
        v = gen()
        add("generic_cli_api_key", gsrc, tpl.format(v=v), v)

    # ---- PaaS secret setters (fly.io/docs/flyctl/secrets-set, heroku config:set, gh secret set, kubectl --from-literal)
    psrc = "fly.io/docs/flyctl/secrets-set; devcenter.heroku.com/articles/config-vars; cli.github.com/manual/gh_secret_set"
    for tpl, gen in [
        (
            "$ fly secrets set DATABASE_PASSWORD={v}\nRelease v14 created",
            lambda: password("!#%+_.^-"),
        ),
        ("$ fly secrets set SESSION_SECRET={v} -a acme-web", lambda: rs(HEX, 64)),
        ("$ flyctl secrets set STRIPE_API_KEY={v} --stage", lambda: "sk_live_" + rs(ALNUM, 99)),
        ("$ fly secrets set OPENAI_API_KEY={v} MODEL=gpt-4o", openai_proj),
        (
            "$ heroku config:set SECRET_KEY_BASE={v} -a acme-rails\nSetting SECRET_KEY_BASE and restarting acme-rails... done, v88",
            lambda: rs(HEX, 128),
        ),
        (
            "$ heroku config:set SENDGRID_API_KEY={v}",
            lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}",
        ),
        (
            "$ gh secret set NPM_TOKEN --body {v} --repo acme/sdk\n✓ Set Actions secret NPM_TOKEN for acme/sdk",
            npm_tok,
        ),
        ("$ gh secret set DEPLOY_KEY_PASS -b'{v}'", lambda: password("!#%+_.^-")),
        (
            "$ kubectl create secret generic db-creds --from-literal=username=app --from-literal=password='{v}'\nsecret/db-creds created",
            lambda: password("!#%+_.^-"),
        ),
        ("$ kubectl create secret generic api --from-literal=API_TOKEN={v} -n prod", opaque),
        ("$ railway variables --set JWT_SECRET={v}", lambda: rs(URLSAFE, 64)),
        ("$ vercel env add ANTHROPIC_API_KEY production <<< '{v}'", anthropic),
        ("$ doppler secrets set REDIS_PASSWORD='{v}'", lambda: password("!#%+_.^-")),
        (
            "$ dokku config:set api DATABASE_URL=postgres://api:{v}@dokku-postgres-api:5432/api",
            lambda: rs(HEX, 32),
        ),
        ("$ render env set --service srv-cp2k8d --key HF_TOKEN --value {v}", hf),
        ("$ wrangler secret put GITHUB_APP_SECRET <<< {v}", lambda: rs(HEX, 40)),
        (
            "$ vault kv put secret/payments stripe_key={v}\n======= Secret Path =======\nsecret/data/payments",
            lambda: "rk_live_" + rs(ALNUM, 99),
        ),
        (
            "$ aws ssm put-parameter --name /prod/api/token --type SecureString --value {v} --overwrite",
            opaque,
        ),
    ]:
        v = gen()
        add("paas_secret_set", psrc, tpl.format(v=v), v)

    # ---- Databricks PAT (dapi + 32 hex; learn.microsoft.com/azure/databricks/dev-tools/auth/pat)
    dbsrc = "learn.microsoft.com/azure/databricks/dev-tools/auth/pat"
    for tpl in [
        "$ cat ~/.databrickscfg\n[DEFAULT]\nhost  = https://adb-4829103746512345.7.azuredatabricks.net\ntoken = {v}",
        "$ export DATABRICKS_TOKEN={v}\n$ databricks clusters list",
        '+ curl -s -H "Authorization: Bearer {v}" https://dbc-a1b2c3d4-e5f6.cloud.databricks.com/api/2.0/clusters/list',
        '$ databricks tokens create --comment ci --lifetime-seconds 86400\n{{\n  "token_info": {{"comment": "ci", "creation_time": 1717230000000}},\n  "token_value": "{v}"\n}}',
        "diff --git a/.github/workflows/etl.yml b/.github/workflows/etl.yml\n-      DATABRICKS_TOKEN: ${{{{ secrets.DATABRICKS_TOKEN }}}}\n+      DATABRICKS_TOKEN: {v}",
        'spark.read.format("jdbc").option("url", "jdbc:databricks://adb-4829103746512345.7.azuredatabricks.net:443/default;transportMode=http;ssl=1;AuthMech=3;UID=token;PWD={v}")',
        "$ dbt debug\n  profile: lakehouse\n  host: adb-4829103746512345.7.azuredatabricks.net\n  token: {v}",
        "$ printenv | grep -i databricks\nDATABRICKS_HOST=https://dbc-a1b2c3d4-e5f6.cloud.databricks.com\nDATABRICKS_TOKEN={v}",
        "E   databricks.sdk.errors.platform.PermissionDenied: Invalid access token. config: host=https://dbc-a1b2.cloud.databricks.com, token={v}, auth_type=pat",
        "$ mlflow runs list --experiment-id 1 # MLFLOW_TRACKING_TOKEN={v}",
    ]:
        v = databricks()
        add("databricks_pat", dbsrc, tpl.format(v=v), v)

    # ---- database URLs: percent-encoded passwords, empty user names (RFC 3986 userinfo)
    usrc = "RFC 3986 userinfo; redis-py/from_url, libpq connection URIs"
    for tpl in [
        "$ redis-cli -u redis://:{p}@cache.internal:6379/0 PING\nPONG",
        "$ export REDIS_URL=rediss://:{p}@master.acme-cache.use1.cache.amazonaws.com:6379",
        "$ celery -A app worker --broker 'redis://:{p}@10.0.4.12:6379/2'",
        "$ psql 'postgresql://app:{p}@pg-primary.internal:5432/orders?sslmode=require' -c 'select 1'",
        "$ DATABASE_URL='postgres://etl_rw:{p}@warehouse.corp.net/analytics' python -m etl.run",
        "$ mongosh 'mongodb://admin:{p}@mongo-0.mongo:27017/?authSource=admin'",
        "$ export AMQP_URL=amqp://orders:{p}@rabbit.internal:5672/%2Fprod",
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server failed\n[SQL: SELECT 1]\n(engine url: postgresql+psycopg2://report:{p}@10.20.3.14:5432/reports)",
        "$ mysql --uri 'mysql://root:{p}@127.0.0.1:3306/app'",
        "$ cat .env\nCACHE_URL=redis://default:{p}@redis-12345.c1.us-east-1-2.ec2.cloud.redislabs.com:12345",
        "$ docker run -e SPRING_DATASOURCE_URL='jdbc:postgresql://db:5432/app' -e DATABASE_URL='postgresql://app:{p}@db:5432/app' acme/api",
        "+ git clone https://build:{p}@git.acme.net/platform/infra.git",
        "$ pip install --index-url https://ci:{p}@nexus.corp.net/repository/pypi/simple acme-internal",
        "$ nats sub '>' --server nats://:{p}@nats.internal:4222",
    ]:
        _raw, enc = password_needing_pct()
        add("url_password_percent_encoded", usrc, tpl.format(p=enc), enc)
    for tpl in [
        "$ redis-cli -u redis://:{p}@127.0.0.1:6379 INFO server | head -3",
        "$ kubectl get cm worker -o yaml | grep BROKER\n  BROKER_URL: redis://:{p}@redis-master.queue.svc:6379/0",
        "$ printenv RQ_REDIS_URL\nredis://:{p}@queue-redis:6379/1",
        "    sidekiq: REDIS_URL=redis://:{p}@redis.prod.internal:6380/0",
        "Error 111 connecting to redis://:{p}@10.0.0.7:6379/0. Connection refused.",
        "$ export CELERY_RESULT_BACKEND=rediss://:{p}@cache.acme.net:6380/3?ssl_cert_reqs=required",
    ]:
        p = password("-_.~")
        add("url_password_empty_user", usrc, tpl.format(p=p), p)

    # ---- HTTP basic auth (RFC 7617: base64(user:pass))
    bsrc = "RFC 7617 Basic auth; docs.docker.com/reference/cli/docker/login (config.json auths)"
    for tpl in [
        "$ curl -v https://nexus.corp.net/service/rest/v1/status -u deploy:***\n> GET /service/rest/v1/status HTTP/1.1\n> Host: nexus.corp.net\n> Authorization: Basic {v}\n> User-Agent: curl/8.5.0",
        '$ cat ~/.docker/config.json\n{{\n  "auths": {{\n    "registry.acme.io": {{\n      "auth": "{v}"\n    }}\n  }}\n}}',
        "$ git config --get http.https://git.acme.net/.extraheader\nAUTHORIZATION: basic {v}",
        "2024-06-01T12:00:01Z DEBUG urllib3.connectionpool Starting new HTTPS connection (1): es.internal:9200\nsend: b'GET /_cluster/health HTTP/1.1\\r\\nHost: es.internal:9200\\r\\nAuthorization: Basic {v}\\r\\n\\r\\n'",
        "$ http --print=H https://grafana.acme.net/api/health -a admin:x\nGET /api/health HTTP/1.1\nAuthorization: Basic {v}",
        "$ cat ~/.npmrc\n//nexus.corp.net/repository/npm-private/:_auth={v}\nalways-auth=true",
        "    Request headers:\n      accept: application/json\n      authorization: Basic {v}\n      content-type: application/json",
        '$ kubectl get secret regcred -o jsonpath=\'{{.data.\\.dockerconfigjson}}\' | base64 -d\n{{"auths":{{"ghcr.io":{{"username":"acme-bot","auth":"{v}"}}}}}}',
        '  - url: https://prometheus.acme.net/api/v1/write\n    headers:\n      Authorization: "Basic {v}"',
        '[HAR] {{"name": "Authorization", "value": "Basic {v}"}}',
        "$ wget -d https://files.acme.net/private/report.pdf --user=finance --password=***\n---request begin---\nGET /private/report.pdf HTTP/1.1\nAuthorization: Basic {v}",
        "$ cat /etc/apt/auth.conf.d/acme.conf  # (basic token cached by proxy)\nProxy-Authorization: Basic {v}",
    ]:
        v = b64s(f"{R.choice(USERS)}:{password()}")
        add("http_basic_auth", bsrc, tpl.format(v=v), v)

    # ---- bearer tokens (RFC 6750), opaque and JWT
    brsrc = "RFC 6750 bearer tokens; RFC 7519 JWT"
    for tpl, gen in [
        (
            "$ curl -v https://api.partner.io/v1/orders\n> GET /v1/orders HTTP/2\n> authorization: Bearer {v}\n> accept: */*",
            opaque,
        ),
        ("+ curl -sf -H 'Authorization: Bearer {v}' https://registry.acme.io/v2/_catalog", opaque),
        ("$ http GET https://api.acme.dev/me 'Authorization:Bearer {v}'", lambda: jwt("HS256")),
        (
            '$ cat postman_collection.json | jq \'.auth\'\n{{\n  "type": "bearer",\n  "bearer": [{{"key": "token", "value": "{v}", "type": "string"}}]\n}}',
            opaque,
        ),
        (
            "requests.exceptions.HTTPError: 403 Client Error\nPreparedRequest headers: {{'User-Agent': 'python-requests/2.32.3', 'Authorization': 'Bearer {v}'}}",
            jwt,
        ),
        (
            "$ grpcurl -H 'authorization: Bearer {v}' api.acme.internal:443 orders.v1.Orders/List",
            opaque,
        ),
        ("$ kubectl --token={v} --server=https://k8s.acme.net:6443 get nodes", jwt),
        ("$ cat ~/.kube/config | grep -A3 users\nusers:\n- name: ci\n  user:\n    token: {v}", jwt),
        ("$ websocat -H='Authorization: Bearer {v}' wss://stream.acme.io/v1/events", opaque),
        (
            "  config: {{\n    headers: {{ Authorization: 'Bearer {v}', 'Content-Type': 'application/json' }},\n    url: '/api/v2/invoices'\n  }}",
            jwt,
        ),
        ("$ gcloud auth print-access-token\n{v}", lambda: "ya29." + rs(URLSAFE, 180)),
        (
            "$ docker logs api-1 2>&1 | grep -m1 Authorization\n[req 7f3a] Authorization=Bearer {v}",
            opaque,
        ),
    ]:
        v = gen()
        add("bearer_token", brsrc, tpl.format(v=v), v)

    # ---- vendor tokens glued to word characters
    gsrc2 = "github.blog/2021-04-05-behind-githubs-new-authentication-token-formats; vendor token prefixes"
    glue_tpls = [
        ("x", "$ bash -x ./release.sh\n+ '[' x{v} = x ']'\n+ echo 'token present'"),
        ("_", "$ ls /tmp/ci-cache\ndeps_{v}.tar.zst  node_modules.tar.zst"),
        ("word", "+ curl -s -H 'Authorization: token{v}' https://api.example-git.net/user"),
        ("word", "2024-06-01T10:00:00Z INFO auth header=Bearer{v} path=/v1/sync"),
        (
            "_",
            "$ aws s3 ls s3://acme-build-cache/keys/\n2024-06-01 10:00:00       1024 cache_{v}.json",
        ),
    ]
    for fmt, gen in GLUE.items():
        for kind, tpl in glue_tpls:
            v = gen()
            add(f"glued_{fmt}", gsrc2 + f" ({kind} glue)", tpl.format(v=v), v)

    # ---- vendor tokens inside encodings
    esrc = "RFC 3986 percent-encoding; RFC 8259 JSON escaping; RFC 7617 basic auth; kubernetes.io/docs/concepts/configuration/secret"
    for fmt, gen in GLUE.items():
        v = gen()
        inner = f"https://app.acme.dev/cb?token={v}&next=/home"
        enc = urllib.parse.quote(inner, safe="")
        ev = urllib.parse.quote(v, safe="")
        add(
            f"encoded_{fmt}",
            esrc + " (url-encoded)",
            f'127.0.0.1 - - [01/Jun/2024:10:00:00 +0000] "GET /login?redirect={enc} HTTP/1.1" 302 0',
            ev,
        )
        v = gen()
        payload = json.dumps({"auth": {"token": v, "user": "ci"}})
        add(
            f"encoded_{fmt}",
            esrc + " (json-escaped)",
            f'{{"level":"debug","msg":"outgoing","body":{json.dumps(payload)}}}',
            v,
        )
        v = gen()
        bb = b64s(f"x-token:{v}")
        add(
            f"encoded_{fmt}",
            esrc + " (base64 user:token)",
            f"$ git -c http.extraHeader='Authorization: Basic {bb}' fetch origin",
            bb,
        )
        v = gen()
        kb = b64s(v)
        add(
            f"encoded_{fmt}",
            esrc + " (k8s secret data)",
            f"$ kubectl get secret ci-tokens -o yaml\napiVersion: v1\ndata:\n  token: {kb}\nkind: Secret\nmetadata:\n  name: ci-tokens\n  namespace: build\ntype: Opaque",
            kb,
        )

    # ---- passwords in tool contexts
    pw_tpls = [
        (
            "pw:curl_u",
            "curl -u user:'pass'",
            "$ curl -u {u}:'{p}' https://{h}/api/v1/backup -o backup.tgz",
        ),
        (
            "pw:curl_u",
            "curl --user",
            '+ curl -sS --user "{u}:{p}" -X POST https://{h}/jenkins/job/deploy/build',
        ),
        (
            "pw:mysql_p",
            "mysql -p'pass'",
            "$ mysql -h {h} -u {u} -p'{p}' -e 'SHOW DATABASES;'\nmysql: [Warning] Using a password on the command line interface can be insecure.",
        ),
        ("pw:mysql_p", "mysqladmin -p", "$ mysqladmin -u{u} -p{p} -h {h} status"),
        (
            "pw:sudo_S",
            "echo pass | sudo -S",
            "$ echo '{p}' | sudo -S systemctl restart nginx\n[sudo] password for {u}: ",
        ),
        ("pw:sudo_S", "sudo -S <<<", "$ sudo -S apt-get update <<< '{p}'"),
        ("pw:sshpass", "sshpass -p", "$ sshpass -p '{p}' scp dump.sql {u}@{h}:/tmp/"),
        (
            "pw:sshpass",
            "sshpass -p rsync",
            '$ rsync -e "sshpass -p {p} ssh -o StrictHostKeyChecking=no" -av dist/ {u}@{h}:/srv/www/',
        ),
        (
            "pw:pgpassword",
            "PGPASSWORD=",
            "$ PGPASSWORD='{p}' pg_dump -h {h} -U {u} orders > orders.sql",
        ),
        (
            "pw:pgpassword",
            "PGPASSWORD env dump",
            "$ env | grep ^PG\nPGHOST={h}\nPGUSER={u}\nPGPASSWORD={p}\nPGDATABASE=orders",
        ),
        (
            "pw:docker_login",
            "docker login -p",
            "$ docker login registry.acme.io -u {u} -p '{p}'\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded",
        ),
        (
            "pw:mount_cifs",
            "mount -o password=",
            "$ sudo mount -t cifs //{h}/share /mnt/share -o username={u},password={p},vers=3.0",
        ),
        ("pw:netrc", ".netrc", "$ cat ~/.netrc\nmachine {h}\n  login {u}\n  password {p}"),
        (
            "pw:git_credential",
            "git credential fill",
            "$ printf 'protocol=https\\nhost={h}\\n' | git credential fill\nprotocol=https\nhost={h}\nusername={u}\npassword={p}",
        ),
        (
            "pw:az_admin_password",
            "az vm create --admin-password",
            "$ az vm create -g rg-lab -n jump01 --image Ubuntu2204 --admin-username {u} --admin-password '{p}'",
        ),
        (
            "pw:mongo_p",
            "mongosh -p",
            "$ mongosh --host {h} -u {u} -p '{p}' --authenticationDatabase admin",
        ),
        ("pw:ftp_url", "lftp/ftp URL", "$ curl -T report.csv ftp://{u}:{p}@{h}/incoming/"),
        ("pw:xfreerdp", "xfreerdp /p:", "$ xfreerdp /v:{h} /u:{u} /p:'{p}' /cert:ignore"),
    ]
    for fmt, src, tpl in pw_tpls:
        for _ in range(
            2
            if fmt in ("pw:curl_u", "pw:sshpass", "pw:mysql_p", "pw:sudo_S", "pw:pgpassword")
            else 3
        ):
            p = password("!#%+_.^-@*")
            if fmt == "pw:ftp_url":
                p = password("-_.~")
            add(fmt, src, tpl.format(u=R.choice(USERS), h=R.choice(HOSTS), p=sh_sq(p)), p)

    # ---- private keys with a real body
    ksrc = "RFC 7468 PEM; openssh PROTOCOL.key; keys derived from seeded numbers with python cryptography"
    for _ in range(3):
        block, body = pem_parts(priv_pem(rsa_key(), ser.PrivateFormat.TraditionalOpenSSL))
        add("private_key_rsa_pkcs1", ksrc, f"$ cat deploy/id_rsa\n{block}", body)
        block, body = pem_parts(priv_pem(ec_key(), ser.PrivateFormat.TraditionalOpenSSL))
        add(
            "private_key_ec",
            ksrc,
            "diff --git a/certs/server.key b/certs/server.key\nnew file mode 100600\n--- /dev/null\n+++ b/certs/server.key\n"
            + "\n".join("+" + ln for ln in block.splitlines()),
            body.replace("\n", "\n+"),
        )
        block, body = pem_parts(priv_pem(ed_key(), ser.PrivateFormat.PKCS8))
        add(
            "private_key_pkcs8_ed25519",
            ksrc,
            f"$ openssl genpkey -algorithm ed25519 | tee signing.key\n{block}",
            body,
        )
        block, body = openssh_ed25519(f"{R.choice(USERS)}@{R.choice(HOSTS)}")
        add("private_key_openssh", ksrc, f"$ cat ~/.ssh/id_ed25519\n{block}", body)
        k = rsa_key()
        block, body = pem_parts(priv_pem(k, ser.PrivateFormat.PKCS8))
        esc_body = body.replace("\n", "\\n")
        sa = {
            "type": "service_account",
            "project_id": f"acme-data-{R.randint(100000, 999999)}",
            "private_key_id": rs(HEX, 40),
            "private_key": block + "\n",
            "client_email": "etl@acme-data.iam.gserviceaccount.com",
        }
        add(
            "private_key_gcp_sa_json",
            ksrc + "; cloud.google.com/iam/docs/keys-create-delete",
            "$ cat sa.json\n" + json.dumps(sa, indent=2),
            esc_body,
        )
        tls = b64s(priv_pem(ec_key(), ser.PrivateFormat.PKCS8))
        add(
            "private_key_k8s_tls_b64",
            ksrc + "; kubernetes.io/docs/concepts/configuration/secret/#tls-secrets",
            f"$ kubectl get secret web-tls -o yaml\napiVersion: v1\ndata:\n  tls.crt: {b64s(self_signed_cert('web.acme.dev'))}\n  tls.key: {tls}\nkind: Secret\ntype: kubernetes.io/tls",
            tls,
        )
        age_sk = bech32("age-secret-key-", R.randbytes(32)).upper()
        add(
            "age_secret_key",
            "age-encryption.org/v1 spec (AGE-SECRET-KEY-1 bech32)",
            f"$ cat ~/.config/sops/age/keys.txt\n# created: 2024-06-01T10:00:00Z\n# public key: {bech32('age', R.randbytes(32))}\n{age_sk}",
            age_sk,
        )

    # ---- vendor tokens in agent-visible tool output
    vsrc = "vendor token prefixes (GitHub, GitLab, Slack, OpenAI, Anthropic, Stripe, HF, npm, PyPI docs)"
    vendor_ctx = [
        (
            "env",
            "$ env | sort\nHOME=/home/runner\nHOSTNAME=build-7c9d\nLANG=C.UTF-8\n{k}={v}\nPATH=/usr/local/bin:/usr/bin:/bin\nPWD=/work",
        ),
        (
            "docker inspect",
            "$ docker inspect api-1 --format '{{{{range .Config.Env}}}}{{{{println .}}}}{{{{end}}}}'\nNODE_ENV=production\n{k}={v}\nPORT=8080",
        ),
        (
            "kubectl yaml",
            "$ kubectl get deploy worker -o yaml\n    spec:\n      containers:\n      - env:\n        - name: {k}\n          value: {v}\n        image: ghcr.io/acme/worker:2.3.1",
        ),
        (
            "terraform show -json",
            '$ terraform show -json | jq \'.values.root_module.resources[] | select(.type=="github_actions_secret") | .values\'\n{{\n  "plaintext_value": "{v}",\n  "repository": "sdk",\n  "secret_name": "{k}"\n}}',
        ),
        (
            "git log -p",
            "$ git log -p -1 -- .env\ncommit 4c1f0e9b2a7d6c5e8f3a1b0c9d8e7f6a5b4c3d2e\nAuthor: dev <dev@acme.dev>\n\n    add local env\n\ndiff --git a/.env b/.env\n+{k}={v}",
        ),
        (
            "pytest",
            "E       AssertionError: expected 200, got 401\nE        +  where settings = {{'{k}': '{v}', 'timeout': 30}}\n\ntests/test_client.py:41: AssertionError",
        ),
    ]
    vendors = [
        ("github_classic_pat", "GITHUB_TOKEN", gh("ghp_")),
        (
            "github_fine_grained_pat",
            "GH_PAT",
            lambda: "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59),
        ),
        ("gitlab_pat", "GITLAB_TOKEN", glpat),
        ("slack_bot_token", "SLACK_BOT_TOKEN", slack_bot),
        ("openai_project_key", "OPENAI_API_KEY", openai_proj),
        ("anthropic_api_key", "ANTHROPIC_API_KEY", anthropic),
        ("stripe_live_secret", "STRIPE_SECRET_KEY", lambda: "sk_live_" + rs(ALNUM, 99)),
        ("huggingface_token", "HF_TOKEN", hf),
        ("npm_token", "NPM_TOKEN", npm_tok),
        ("pypi_token", "PYPI_TOKEN", pypi),
        ("sendgrid_api_key", "SENDGRID_API_KEY", lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}"),
        (
            "slack_webhook_url_secret",
            "SLACK_WEBHOOK",
            lambda: (
                f"https://hooks.slack.com/services/T{rs(B32, 10)}/B{rs(B32, 10)}/{rs(ALNUM, 24)}"
            ),
        ),
    ]
    for fmt, key, gen in vendors:
        for src, tpl in R.sample(vendor_ctx, 3):
            v = gen()
            secret = v
            if fmt == "slack_webhook_url_secret":
                secret = v.rsplit("/", 1)[1]  # T…/B… ids are not secret; the last segment is
            add(fmt, f"{vsrc}; context: {src}", tpl.format(k=key, v=v), secret)

    # ---- more vendor formats in config files / CLI output
    more = [
        (
            "stripe_test_secret",
            "docs.stripe.com/keys (sk_test_ keys are secret)",
            "$ cat ~/.config/stripe/config.toml\n[default]\ndevice_name = 'dev-laptop'\ntest_mode_api_key = '{v}'\ntest_mode_key_expires_at = '2024-09-01'",
            lambda: "sk_test_51" + rs(ALNUM, 97),
        ),
        (
            "stripe_test_secret",
            "docs.stripe.com/keys (sk_test_ keys are secret)",
            "$ stripe listen --api-key {v} --forward-to localhost:4242/webhook",
            lambda: "sk_test_51" + rs(ALNUM, 97),
        ),
        (
            "stripe_test_secret",
            "docs.stripe.com/keys (sk_test_ keys are secret)",
            "diff --git a/.env.development b/.env.development\n+STRIPE_SECRET_KEY={v}\n+STRIPE_PUBLISHABLE_KEY=pk_test_51"
            + rs(ALNUM, 97),
            lambda: "sk_test_51" + rs(ALNUM, 97),
        ),
        (
            "slack_app_token",
            "api.slack.com/authentication/token-types (xapp- app-level tokens)",
            "$ export SLACK_APP_TOKEN={v}\n$ python app.py\n⚡️ Bolt app is running! (Socket Mode)",
            lambda: (
                f"xapp-1-A{rs(string.ascii_uppercase + string.digits, 10)}-{rs(string.digits, 13)}-{rs(HEX, 64)}"
            ),
        ),
        (
            "slack_app_token",
            "api.slack.com/authentication/token-types (xapp- app-level tokens)",
            "$ docker compose config | grep -A2 environment\n    environment:\n      SLACK_APP_TOKEN: {v}",
            lambda: (
                f"xapp-1-A{rs(string.ascii_uppercase + string.digits, 10)}-{rs(string.digits, 13)}-{rs(HEX, 64)}"
            ),
        ),
        (
            "slack_app_token",
            "api.slack.com/authentication/token-types (xapp- app-level tokens)",
            "slack_bolt.error.BoltError: Failed to connect (app_token={v})",
            lambda: (
                f"xapp-1-A{rs(string.ascii_uppercase + string.digits, 10)}-{rs(string.digits, 13)}-{rs(HEX, 64)}"
            ),
        ),
        (
            "vault_root_token",
            "developer.hashicorp.com/vault/docs/concepts/tokens (hvs. service tokens)",
            "$ vault operator init -key-shares=1 -key-threshold=1\nUnseal Key 1: "
            + b64(R.randbytes(32))
            + "\n\nInitial Root Token: {v}\n\nVault initialized with 1 key shares and a key threshold of 1.",
            lambda: "hvs." + rs(ALNUM, 24),
        ),
        (
            "vault_root_token",
            "developer.hashicorp.com/vault/docs/concepts/tokens (hvs. service tokens)",
            "$ export VAULT_TOKEN={v}\n$ vault secrets list",
            lambda: "hvs." + rs(URLSAFE, 91),
        ),
        (
            "vault_unseal_key",
            "developer.hashicorp.com/vault/docs/commands/operator/init (unseal keys)",
            "$ vault operator init -key-shares=1 -key-threshold=1 -format=json | jq -r '.unseal_keys_b64[0]'\n{v}",
            lambda: b64(R.randbytes(32)),
        ),
        (
            "vault_unseal_key",
            "developer.hashicorp.com/vault/docs/commands/operator/unseal",
            "$ vault operator unseal {v}\nKey             Value\n---             -----\nSealed          false",
            lambda: b64(R.randbytes(32)),
        ),
        (
            "git_credentials_store",
            "git-scm.com/docs/git-credential-store (~/.git-credentials)",
            "$ cat ~/.git-credentials\nhttps://jdoe:{v}@github.com",
            gh("ghp_"),
        ),
        (
            "git_credentials_store",
            "git-scm.com/docs/git-credential-store (~/.git-credentials)",
            "$ cat ~/.git-credentials\nhttps://oauth2:{v}@gitlab.com\nhttps://jdoe:x@git.example.org",
            glpat,
        ),
        (
            "pypirc_token",
            "packaging.python.org/specifications/pypirc",
            "$ cat ~/.pypirc\n[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {v}",
            pypi,
        ),
        (
            "pypirc_token",
            "packaging.python.org/specifications/pypirc",
            "$ poetry config pypi-token.pypi {v}",
            pypi,
        ),
        ("github_oauth", "cli.github.com/manual/gh_auth_token", "$ gh auth token\n{v}", gh("gho_")),
        (
            "github_user_to_server",
            "docs.github.com (ghu_ user-to-server tokens)",
            "$ git config --global --get-regexp 'url.*insteadof'\nurl.https://x-access-token:{v}@github.com/.insteadof https://github.com/",
            gh("ghu_"),
        ),
        (
            "minio_secret_key",
            "min.io/docs/minio/linux/reference/minio-mc/mc-alias-set.html",
            "$ mc alias set local http://127.0.0.1:9000 minioadmin-ci {v}\nAdded `local` successfully.",
            lambda: rs(ALNUM, 40),
        ),
        (
            "minio_secret_key",
            "min.io/docs/minio/linux/reference/minio-mc/mc-alias-set.html",
            '$ cat ~/.mc/config.json | jq .aliases.prod\n{{\n  "url": "https://s3.acme.net",\n  "accessKey": "'
            + rs(string.ascii_uppercase + string.digits, 20)
            + '",\n  "secretKey": "{v}",\n  "api": "s3v4"\n}}',
            lambda: rs(ALNUM + "+/", 40),
        ),
        (
            "twilio_api_key_secret",
            "twilio.com/docs/iam/api-keys (SK sid : secret)",
            "$ curl -u SK"
            + rs(HEX, 32)
            + ":{v} https://api.twilio.com/2010-04-01/Accounts/AC"
            + rs(HEX, 32)
            + "/Messages.json",
            lambda: rs(ALNUM, 32),
        ),
        (
            "twilio_api_key_secret",
            "twilio.com/docs/iam/api-keys (SK sid : secret)",
            "$ twilio api:core:keys:create --friendly-name ci\nSID                                 Friendly Name  Secret\nSK"
            + rs(HEX, 32)
            + "  ci             {v}",
            lambda: rs(ALNUM, 32),
        ),
    ]
    for fmt, src, tpl, gen in more:
        v = gen()
        add(fmt, src, tpl.format(v=v), v)
    return out


# ================================================================ negatives

# Real public lines (no secrets in them), copied from public repositories.
NPM_LOCK = """    "node_modules/@actions/core": {
      "version": "1.10.1",
      "resolved": "https://registry.npmjs.org/@actions/core/-/core-1.10.1.tgz",
      "integrity": "sha512-3lBR9EDAY+iYIpTnTIXmWcNbX3T2kCkAEQGIQx4NVQ0575nk2k3GRZDTPQG+vVtS2izSLmINlxXf0uLtnrTP+g==",
      "dev": true,
      "license": "MIT",
      "dependencies": {
        "@actions/http-client": "^2.0.1",
        "uuid": "^8.3.2"
      }
    },
    "node_modules/@actions/http-client": {
      "version": "2.2.2",
      "resolved": "https://registry.npmjs.org/@actions/http-client/-/http-client-2.2.2.tgz",
      "integrity": "sha512-2TvX5LskKQzDDQI+bobIDGAjkn0NJiQlg4MTrKnZ8HfQ7nDEUbtJ1ytxPDb2bfk3Hr2XD99X8oAJISAmIoiSAQ==",
      "dev": true,
      "license": "MIT","""
NPM_LOCK2 = """    "node_modules/@types/npm-package-arg": {
      "version": "6.1.4",
      "resolved": "https://registry.npmjs.org/@types/npm-package-arg/-/npm-package-arg-6.1.4.tgz",
      "integrity": "sha512-vDgdbMy2QXHnAruzlv68pUtXCjmqUk3WrBAsRboRovsOmxbfn/WiYCjmecyKjGztnMps5dWp4Uq2prp+Ilo17Q==",
      "dev": true,
      "license": "MIT"
    },
    "node_modules/@types/parse5": {
      "version": "6.0.3",
      "resolved": "https://registry.npmjs.org/@types/parse5/-/parse5-6.0.3.tgz",
      "integrity": "sha512-SuT16Q1K51EAVPz1K29DJ/sXjhSQ0zjvsypYJ6tlwVsRV9jwW5Adq2ch8Dq8kDBCkYnELS7N7VNCSB5nC56t/g==","""
NPM_INTEGRITY = [
    (
        "undici",
        "5.28.4",
        "sha512-72RFADWFqKmUb2hmmvNODKL3p9hcB6Gt2DOQMis1SEBaV6a4MH8soBvzg+95CYhCKPFedut2JY9bMfrDl9D23g==",
    ),
    (
        "json-stable-stringify-without-jsonify",
        "1.0.1",
        "sha512-Bdboy+l7tA3OGW6FjyFHWkP5LuByj1Tk33Ljyq0axyzdk9//JSi2u3fP1QSmd1KNwq6VOKYGlAu87CisVir6Pw==",
    ),
]
POETRY_LOCK = """[[package]]
name = "anyio"
version = "4.13.0"
optional = false
python-versions = ">=3.9"
files = [
    {file = "anyio-4.13.0-py3-none-any.whl", hash = "sha256:08b310f9e24a9594186fd75b4f73f4a4152069e3853f1ed8bfbf58369f4ad708"},
    {file = "anyio-4.13.0.tar.gz", hash = "sha256:334b70e641fd2221c1505b3890c69882fe4a2df910cba14d97019b90b24439dc"},
]"""
POETRY_HASHES = [
    (
        "build",
        "1.5.0",
        "13f3eecb844759ab66efec90ca17639bbf14dc06cb2fdf37a9010322d9c50a6f",
        "302c22c3ba2a0fd5f3911918651341ebb3896176cbdec15bd421f80b1afc7647",
    ),
    (
        "cachecontrol",
        "0.14.4",
        "b7ac014ff72ee199b5f8af1de29d60239954f223e948196fa3d84adaffc71d2b",
        "e6220afafa4c22a47dd0badb319f84475d79108100d04e26e8542ef7d3ab05a1",
    ),
    (
        "certifi",
        "2026.4.22",
        "3cb2210c8f88ba2318d29b0388d1023c8492ff72ecdde4ebdaddbb13a31b1c4a",
        "8d455352a37b71bf76a79caa83a3d6c25afee4a385d632127b6afb3963f1c580",
    ),
    (
        "backports.tarfile",
        "1.2.0",
        "77e284d754527b01fb1e6fa8a1afe577858ebe4e9dad8919e34c862cb399bc34",
        "d75e02c268746e1b8144c278978b6e98e85de6ad16f8e4b0844a154557eca991",
    ),
]
GO_SUM = """github.com/cpuguy83/go-md2man/v2 v2.0.6 h1:XJtiaUW6dEEqVuZiMTn1ldk455QWwEIsMIJlo5vtkx0=
github.com/cpuguy83/go-md2man/v2 v2.0.6/go.mod h1:oOW0eioCTA6cOiMLiUPZOpcVxMig6NIQQ7OS05n1F4g=
github.com/inconshreveable/mousetrap v1.1.0 h1:wN+x4NVGpMsO7ErUn/mUI3vEoE6Jt13X2s0bqwp9tc8=
github.com/inconshreveable/mousetrap v1.1.0/go.mod h1:vpF70FUmC8bwa3OWnCshd2FqLfsEA9PFc4w1p2J65bw=
github.com/russross/blackfriday/v2 v2.1.0 h1:JIOH55/0cWyOuilr9/qlrm0BSXldqnqwMsf35Ld67mk=
github.com/russross/blackfriday/v2 v2.1.0/go.mod h1:+Rmxgy9KzJVeS9/2gXHxylqXiyQDYRxCVz55jmeOWTM=
github.com/spf13/pflag v1.0.9 h1:9exaQaMOCwffKiiiYk6/BndUBv+iRViNW+4lEMi0PvY=
github.com/spf13/pflag v1.0.9/go.mod h1:McXfInJRrz4CZXVZOBLb0bTZqETkiAhM9Iw0y3An2Bg=
go.yaml.in/yaml/v3 v3.0.4 h1:tfq32ie2Jv2UxXFdLJdh3jXuOzWiL1fo0bu/FbuKpbc=
go.yaml.in/yaml/v3 v3.0.4/go.mod h1:DhzuOOF2ATzADvBadXxruRBLzYTpT36CKvDb3+aBEFg=
gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405 h1:yhCVgyC4o1eVCa2tZl7eS0r+SDo693bJlVdllGtEeKM=
gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405/go.mod h1:Co6ibVJAznAaIkqp8huTwlJQCZ016jof/cbN4VW5Yz0="""
CARGO_LOCK = """[[package]]
name = "aho-corasick"
version = "1.1.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "c982642fa9e8606056828ee9a8505737230110bb1099153c79efe865c59d12ba"
dependencies = [
 "memchr",
]

[[package]]
name = "anyhow"
version = "1.0.104"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "330a5ed07fa54e4702c9d6c4174f74427fc0ef6e214bbd677ae50a5099946470"

[[package]]
name = "bstr"
version = "1.13.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "1f7dc094d718f2e1c1559ad110e27eeaae14a5465d3d56dd6dbd793079fbd530\""""
COBRA_LOG = """commit adbc8813901bba65827259daa8e22ff94ec1f30e
Author: Shudhanshu Singh <sudhanshuwriterblc@gmail.com>
Date:   Sat Jul 11 06:13:07 2026 +0530

    fix: resolve macOS test link failure and update lint rules (#2429)

commit ad460ea8f249db69c943a365fb84f3a59042d54e
Author: takanuva15 <6986426+takanuva15@users.noreply.github.com>
Date:   Sat Apr 25 19:07:41 2026 -0400

    Add cobra unique args validator (#2397)

commit 746ef07158728502482cea9f880a6f4b21ef29a9
Author: Varun Chawla <34209028+veeceey@users.noreply.github.com>
Date:   Fri Apr 24 13:41:57 2026 -0700

    fix: prevent completions from mutating os.Args via append side effect (#2356)"""
RG_LOG = """3fce3b5bb0236da2df6d99672afb8a719642eca7 ignore-0.4.33
5055264ae021b5d0e01e55f723622d638ea877f0 globset-0.4.20
020687a77d13146923333f0beb274eeabd54a270 ignore,globset: increase pool capacity"""

# Vendors' own documentation examples.
AWS_EX_AK = "AKIAIOSFODNN7EXAMPLE"
AWS_EX_SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_EX_ST = "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT+FvwqnKwRcOIfrRh3c/LTo6UDdyJwOOvEVPvLXCrrrUtdnniCEXAMPLE/IvU1dYUg2RVAJBanLiHb4IgRmpRV3zrkuWJOgQs8IZZaIv2BXIa2R4OlgkBN9bkUDNCJiBeb/AXlzBBko7b15fjrBs2+cTQtpZ3CYWFXG8C5zqx37wnOE49mRl/+OtkIKGO7fAE"
JWT_IO = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
STRIPE_EX_OLD = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_EX_NEW = "sk_test_BQokikJOvBiI2HlWgH4olfQ2"
STRIPE_EX_PK = "pk_test_TYooMQauvdEDq54NiTphI7jx"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
TG_EX = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
DBX_EX = "dapi12345678901234567890123456789012"
PURVIEW_GH = "ghp_A1bC2dE3fH4iJ5kL6mN7oP8qR9sT0u"


def negatives() -> list[Case]:
    out: list[Case] = []

    def add(fam: str, src: str, text: str) -> None:
        out.append({"text": text, "secret": None, "format": f"neg:{fam}", "source": src})

    # ---------------- low entropy / patterned values under secret-ish keys
    low = [
        "TOKEN=abcdefghijklmnopqrstu",
        "API_KEY=abcdefghijklmnopqrstuvwxyz012345",
        "PASSWORD=0123456789abcdef",
        "SECRET_KEY=0123456789abcdef0123456789abcdef",
        "AUTH_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "CLIENT_SECRET=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "DB_PASSWORD=passwordpasswordpassword",
        "JWT_SECRET=secretsecretsecretsecretsecretsecret",
        "ACCESS_TOKEN=tokentokentokentokentoken",
        "API_SECRET=qwertyuiopasdfghjklzxcvbnm",
        "ADMIN_PASSWORD=1qaz2wsx3edc4rfv",
        "SIGNING_KEY=ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ENCRYPTION_KEY=00000000000000000000000000000000",
        "HMAC_KEY=ffffffffffffffffffffffffffffffff",
        "API_TOKEN=1234567890123456789012345678901234567890",
        "SESSION_SECRET=abcabcabcabcabcabcabcabcabcabc",
        "WEBHOOK_SECRET=0000-0000-0000-0000",
        "PRIVATE_TOKEN=12345678-1234-1234-1234-123456789012",
        "MASTER_KEY=ababababababababababababababababab",
        "REDIS_PASSWORD=asdfasdfasdfasdf",
        "SECRET=zyxwvutsrqponmlkjihgfedcba",
        "APP_KEY=base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "TOKEN=0x0123456789abcdef0123456789abcdef",
        "PASSWORD=1111111111111111",
        "API_KEY=testtesttesttesttesttesttesttest",
        "STRIPE_KEY=sk_test_00000000000000000000000000",
        "GITHUB_TOKEN=ghp_000000000000000000000000000000000000",
        "OPENAI_API_KEY=sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "AWS_SECRET_ACCESS_KEY=0000000000000000000000000000000000000000",
        "SLACK_TOKEN=xoxb-0000000000-0000000000000-000000000000000000000000",
    ]
    ctxs = [
        "$ cat .env.test\n{l}\nLOG_LEVEL=debug",
        "$ env | grep -v PATH\nCI=true\n{l}\nNODE_ENV=test",
        "diff --git a/tests/fixtures/.env b/tests/fixtures/.env\n+{l}",
        "  - name: unit tests\n    env:\n      {l2}\n    run: pytest -q",
    ]
    for i, ln in enumerate(low):
        t = ctxs[i % len(ctxs)]
        k, v = ln.split("=", 1)
        add("low_entropy", "patterned value (constructed)", t.format(l=ln, l2=f"{k}: {v}"))
    for t in [
        "$ python -c 'import string; print(string.ascii_letters + string.digits)'\nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "$ seq -s '' 0 9 | tr -d '\\n'; echo; printf '%s' {a..z}\n0123456789\nabcdefghijklmnopqrstuvwxyz",
        "password: ${DEFAULT_PASSWORD:-changeme}",
        "$ git checkout -b changeme-before-release\nSwitched to a new branch 'changeme-before-release'",
        "tests/fixtures/users.csv:3:jdoe,password123,disabled",
        "$ grep -rn password123 docs/\ndocs/security.md:44:Never use weak values such as `password123` or `changeme`.",
        "  - name: Reject common passwords\n    run: ./bin/check-pw --deny-list password123,letmein,qwerty123,changeme",
        "$ hashcat -m 0 hashes.txt rockyou.txt --show | head -3\n5f4dcc3b5aa765d61d8327deb882cf99:password\n482c811da5d5b4bc6d497ffa98491e38:password123\n25d55ad283aa400af464c76d713c07ad:12345678",
        "DEFAULT_USERNAME=password123  # fixture user whose *name* is password123",
        "$ cat wordlist.txt | head\nqwertyuiop\nasdfghjkl\nzxcvbnm\n1q2w3e4r5t\nletmein",
        "vm.max_map_count = 262144\nkernel.randomize_va_space = 2\nfs.file-max = 9223372036854775807",
        "$ echo $RANDOM_SEED\n1234567890",
        "$ xxd -l 32 /dev/zero\n00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................\n00000010: 0000 0000 0000 0000 0000 0000 0000 0000  ................",
        "KEY_REPEAT_DELAY=250\nKEYBOARD_LAYOUT=qwertyuiop\nKEYMAP=us",
        "test_data = {'token': 'abc', 'password': 'pw', 'secret': 's'}",
        "assert hash_password('hunter2') != 'hunter2'",
        "$ pwgen --help | head -2\nUsage: pwgen [ OPTIONS ] [ pw_length ] [ num_pw ]\nOptions supported by pwgen:",
        "TOKEN_LENGTH=32\nTOKEN_ALPHABET=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "SECRET_ROTATION_DAYS=90\nPASSWORD_MIN_LENGTH=12\nAPI_KEY_HEADER=X-Api-Key",
        "password_hash_algorithm: argon2id\ntoken_ttl_seconds: 3600\nsecret_backend: vault",
    ]:
        add("low_entropy", "non-secret text with secret words (constructed)", t)

    # ---------------- placeholders
    ph = [
        ("openai docs placeholder", "export OPENAI_API_KEY=sk-..."),
        ("anthropic docs placeholder", "$ export ANTHROPIC_API_KEY='sk-ant-...'"),
        (
            "angle placeholder",
            "$ curl -H 'Authorization: Bearer <your-token>' https://api.acme.dev/v1/me",
        ),
        ("angle placeholder", "GITHUB_TOKEN=<your-github-token>"),
        ("angle placeholder", "aws configure set aws_secret_access_key <SECRET_ACCESS_KEY>"),
        ("angle placeholder", "$ mysql -u root -p'<password>' -h db"),
        ("angle placeholder", "redis://:<password>@localhost:6379/0"),
        ("slack docs placeholder", "SLACK_BOT_TOKEN=xoxb-not-a-real-token-this-will-not-work"),
        (
            "slack docs placeholder",
            "curl -H 'Authorization: Bearer xoxb-your-token' https://slack.com/api/auth.test",
        ),
        ("xxx placeholder", "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("xxx placeholder", "GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx"),
        (
            "xxx placeholder",
            "npm config set //registry.npmjs.org/:_authToken=npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        ),
        ("xxx placeholder", "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("xxx placeholder", "TWILIO_AUTH_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (
            "twilio docs placeholder",
            'accountSid = "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\nauthToken = "your_auth_token"',
        ),
        (
            "aws EXAMPLE style",
            "aws_access_key_id = AKIAXXXXXXXXEXAMPLE\naws_secret_access_key = XXXXXXXXXXXXXXXXXXXXEXAMPLEKEYXXXXXXXXX",
        ),
        (
            "aws EXAMPLE style",
            "AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE\nAWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        ),
        ("redacted", "STRIPE_SECRET_KEY=REDACTED"),
        ("redacted", "password: ********"),
        ("redacted", "  Authorization: <redacted>"),
        ("redacted", "DATABASE_URL=postgres://app:[REDACTED]@db:5432/app"),
        ("redacted", '{"api_key": "[FILTERED]", "user": "jdoe"}'),
        ("redacted", "token=*** (masked by runner)"),
        ("your-x", "$ fly secrets set API_KEY=your-api-key-here"),
        ("your-x", "heroku config:set SECRET_KEY_BASE=replace-with-output-of-rails-secret"),
        ("your-x", "$ docker login -u myuser -p mypassword"),
        ("your-x", "databricks configure --token  # paste token: dapi<your-token>"),
        ("your-x", "curl https://api.telegram.org/bot<TOKEN>/getMe"),
        (
            "your-x",
            "curl -u ACCOUNT_SID:AUTH_TOKEN https://api.twilio.com/2010-04-01/Accounts.json",
        ),
        ("your-x", "DISCORD_TOKEN=YOUR_BOT_TOKEN_HERE"),
        ("your-x", 'sshpass -p "$SSH_PASS" ssh user@host'),
        ("your-x", "PGPASSWORD=yourpassword psql -h localhost -U postgres"),
        ("your-x", 'echo "$SUDO_PASSWORD" | sudo -S apt-get install -y jq'),
        (
            "your-x",
            "az storage blob list --account-key <storage-account-key> --account-name mystorageaccount",
        ),
        (
            "your-x",
            "DefaultEndpointsProtocol=https;AccountName=<account-name>;AccountKey=<account-key>;EndpointSuffix=core.windows.net",
        ),
        (
            "your-x",
            "-----BEGIN RSA PRIVATE KEY-----\n<paste your private key here>\n-----END RSA PRIVATE KEY-----",
        ),
        ("your-x", "-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----"),
        (
            "your-x",
            "private_key: |\n  -----BEGIN PRIVATE KEY-----\n  REPLACE_ME\n  -----END PRIVATE KEY-----",
        ),
        ("your-x", "Authorization: Basic <base64(username:password)>"),
        ("your-x", "mongodb+srv://<username>:<password>@cluster0.mongodb.net/test"),
        ("your-x", '$ gh secret set NPM_TOKEN --body "$NPM_TOKEN"'),
        ("your-x", "--api-key YOUR_API_KEY"),
        ("your-x", "x-api-key: {{apiKey}}"),
        ("your-x", "API_KEY=<insert key>"),
        ("your-x", "PASSWORD=None"),
        ("your-x", "SECRET_KEY=null"),
        ("your-x", 'TOKEN=""'),
        ("your-x", "client_secret: ''"),
        ("your-x", "OPENAI_API_KEY=sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        (
            "your-x",
            "ANTHROPIC_API_KEY=sk-ant-api03-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        ),
        ("your-x", "pypi token: pypi-AgEIcHlwaS5vcmc..."),
        ("your-x", "export DATABRICKS_TOKEN=dapiXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("your-x", "STRIPE_SECRET_KEY=sk_live_..."),
        ("your-x", "Bot token looks like: MTA...GZ.xxxxxx.yyyyyyyyyyyyyyyyyyyyyyyyy"),
    ]
    for src, t in ph:
        add("placeholder", src, t)

    # ---------------- templating / references (no value)
    tmpl = [
        "        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
        "      - run: docker login -u ${{ github.actor }} -p ${{ secrets.GHCR_PAT }} ghcr.io",
        "        - name: DB_PASSWORD\n          value: {{ .Values.postgresql.auth.password | quote }}",
        '  password: {{ required "db.password is required" .Values.db.password }}',
        "LOGGING = {'format': '%(asctime)s %(levelname)s %(message)s'}\nDSN = 'host=%(host)s user=%(user)s password=%(password)s'",
        '$ psql "postgresql://$DB_USER:$DB_PASSWORD@$DB_HOST:5432/$DB_NAME"',
        'api_key = os.environ["API_KEY"]\nsecret = os.getenv("CLIENT_SECRET")',
        "const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, { apiVersion: '2024-04-10' });",
        'password = "${var.db_password}"\n  token    = "${data.vault_generic_secret.ci.data["token"]}"',
        'secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>',
        '$ curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://run.googleapis.com/v2/projects',
        "export GITHUB_TOKEN=$(gh auth token)",
        "DB_PASSWORD=$(cat /run/secrets/db_password)",
        "token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  62313365396662343061393464336163383764373764613633653634306231386433626436623361\n  6435373034616566316134386537653664383830333664390a313335303164646630306132303730\n  34373330396263323163333734313932363763626463653130663133613563616261383361666461\n  3339656664353961330a396636396330313062643137646563",
        "API_KEY: ENC[AES256_GCM,data:Tr7o1Yk9ZvM5pMq0pWb2,iv:1Zq5m2cK3eDq9T0rUq2m5w8o5s7kQvXk2v1c3n4b5m8=,tag:pK8q9w2e3r4t5y6u7i8o9A==,type:str]",
        "spec:\n  encryptedData:\n    password: AgBy8hCi0Fb6s0w2Xk1YtR9pQz3vLm5nNa7Kc4Ue6Wd8Jf2Hg1Ss0Aa9Bb8Cc7Dd6Ee5Ff4Gg3Hh2Ii1Jj0Kk9Ll8Mm7Nn6Oo5Pp4Qq3Rr2Ss1Tt0Uu9Vv8Ww7Xx6Yy5Zz4",
        "password: op://Engineering/prod-db/password\napi_key: op://Engineering/stripe/credential",
        "DATABASE_PASSWORD=ref+vault://secret/data/prod/db#/password",
        "valueFrom:\n  secretKeyRef:\n    name: stripe\n    key: secret-key",
        "    password: ${env:DB_PASSWORD}\n    token: ${ssm:/prod/api/token}",
        "GRAFANA_ADMIN_PASSWORD__FILE=/run/secrets/grafana_admin",
        'password_file = "/etc/app/db.pass"\ntoken_command = "pass show ci/github"',
        'export AWS_SECRET_ACCESS_KEY="$(aws configure get aws_secret_access_key --profile prod)"',
        'curl -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" https://api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Messages.json',
        'curl "https://api.telegram.org/bot${TELEGRAM_TOKEN}/sendMessage" -d chat_id=$CHAT_ID',
        'mysql -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" -h "$MYSQL_HOST"',
        'echo "$REGISTRY_PASSWORD" | docker login registry.acme.io -u "$REGISTRY_USER" --password-stdin',
        'fly secrets set DATABASE_URL="$DATABASE_URL" SECRET_KEY="$(openssl rand -hex 32)"',
        "spring.datasource.password=${DB_PASSWORD:}\nspring.datasource.username=${DB_USER:app}",
        "[client]\nuser={{ mysql_user }}\npassword={{ mysql_password }}",
        "api_key: \"{{ lookup('env', 'DD_API_KEY') }}\"",
        'connectionString: "DefaultEndpointsProtocol=https;AccountName=$(STORAGE_ACCOUNT);AccountKey=$(STORAGE_KEY)"',
        "Authorization: Bearer {{access_token}}",
        "token = settings.SLACK_BOT_TOKEN  # loaded from secret manager",
        '$ kubectl create secret generic db --from-literal=password="$(openssl rand -base64 24)"',
        '$ terraform plan\n  + resource "aws_db_instance" "main" {\n      + password = (sensitive value)\n      + username = "app"\n    }',
        "$ terraform output db_password\n<sensitive>",
        '$ npm config list\n; "user" config from /home/dev/.npmrc\n//registry.npmjs.org/:_authToken = (protected)\nregistry = "https://registry.npmjs.org/"',
        "$ kubectl describe secret db-creds\nName:         db-creds\nType:  Opaque\n\nData\n====\npassword:  24 bytes\nusername:  3 bytes",
    ]
    for t in tmpl:
        add(
            "templating_reference",
            "templating / reference syntax (CI, Helm, Ansible, SOPS, 1Password, Terraform)",
            t,
        )

    # ---------------- masked values
    def tail(alpha: str, n: int) -> str:
        return rs(alpha, n)

    masked = [
        f"OPENAI_API_KEY=sk-...{tail(HEX, 7)}",
        f"openai.AuthenticationError: Error code: 401 - {{'error': {{'message': 'Incorrect API key provided: sk-proj-********************{tail(ALNUM, 4)}.'}}}}",
        "$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account acme-bot (keyring)\n  - Token: gho_************************************",
        f"GITHUB_TOKEN=ghp_****{tail(ALNUM, 4)}",
        "AWS_ACCESS_KEY_ID=AKIA************MPLE",
        f"$ aws configure list\n      Name                    Value             Type    Location\naccess_key     ****************{tail(B32, 4)} shared-credentials-file\nsecret_key     ****************{tail(ALNUM, 4)} shared-credentials-file",
        f"stripe._error.AuthenticationError: Invalid API Key provided: sk_live_********************{tail(ALNUM, 4)}",
        f"anthropic.AuthenticationError: 401 invalid x-api-key (key: sk-ant-api03-...{tail(URLSAFE, 6)})",
        "Run docker login ghcr.io -u acme -p ***\nLogin Succeeded",
        "$ export DEPLOY_TOKEN=[MASKED]",
        "+ curl -u ci-bot:**** -T build/app.war https://nexus.corp.net/repo/app.war",
        "Environment=STRIPE_SECRET_KEY=sk_live_••••••••••••••••••••",
        f"SLACK_BOT_TOKEN=xoxb-{tail(string.digits, 4)}…redacted",
        "$ heroku config:get DATABASE_URL\npostgres://app:********@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8k2",
        f"HF_TOKEN=hf_****************************{tail(string.ascii_letters, 4)}",
        "Using token glpat-**************** for https://gitlab.com",
        "$ vault kv get -field=password secret/db\n(sensitive value hidden)",
        f"Twilio auth token: ****************************{tail(HEX, 4)}",
        f"PYPI_TOKEN=pypi-AgEIcHlwaS5vcmc…{tail(URLSAFE, 4)} (truncated)",
        'password: "•••••••••"',
        f"databricks: token dapi************************{tail(HEX, 8)} expires in 29 days",
        "Authorization: Bearer eyJhbGciOi...(truncated)",
        "az storage account keys list -n acme -o table\nKeyName    Permissions    Value\n---------  -------------  ----------------------\nkey1       FULL           ********\nkey2       FULL           ********",
        "[1password] inserted item 'prod/db' password=<concealed by 1Password>",
        "  env:\n    DISCORD_TOKEN: '***'",
        "$ docker compose config | grep PASSWORD\n      POSTGRES_PASSWORD: '********'",
        f"telegram: using bot {R.randint(10**8, 10**9)}:AA****…**** for chat -100123",
        "secret_access_key = <hidden>",
        f"Revoked token npm_****{tail(ALNUM, 4)} (created 2024-02-11)",
        f"github_pat_11A****_****{tail(ALNUM, 4)} (fine-grained, expires 2024-09-01)",
        "mysql -u admin -p******** -h db01",
        "sshpass -p '******' ssh deploy@10.0.0.5",
        "AccountKey=*****;EndpointSuffix=core.windows.net",
        "curl -H 'X-API-Key: ••••••••••••3f9a' https://api.acme.dev",
        "::add-mask::$TOKEN\nRun ./deploy.sh --token ***",
    ]
    for t in masked:
        add("masked", "masked/truncated value in tool output", t)

    # ---------------- vendors' documentation examples
    docs = [
        (
            "docs.aws.amazon.com (example keys)",
            f"$ cat ~/.aws/credentials\n[default]\naws_access_key_id = {AWS_EX_AK}\naws_secret_access_key = {AWS_EX_SK}",
        ),
        (
            "docs.aws.amazon.com (example keys)",
            f"$ aws configure\nAWS Access Key ID [None]: {AWS_EX_AK}\nAWS Secret Access Key [None]: {AWS_EX_SK}\nDefault region name [None]: us-west-2\nDefault output format [None]: json",
        ),
        (
            "docs.aws.amazon.com (example keys)",
            f"export AWS_ACCESS_KEY_ID={AWS_EX_AK}\nexport AWS_SECRET_ACCESS_KEY={AWS_EX_SK}\nexport AWS_DEFAULT_REGION=us-west-2",
        ),
        (
            "docs.aws.amazon.com STS example",
            f'{{\n    "Credentials": {{\n        "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",\n        "SecretAccessKey": "{AWS_EX_SK}",\n        "SessionToken": "{AWS_EX_ST}",\n        "Expiration": "2024-03-15T00:05:07Z"\n    }}\n}}',
        ),
        (
            "docs.aws.amazon.com (example keys)",
            f"$ docker run -e AWS_ACCESS_KEY_ID={AWS_EX_AK} -e AWS_SECRET_ACCESS_KEY={AWS_EX_SK} amazon/aws-cli s3 ls",
        ),
        (
            "docs.aws.amazon.com (example keys)",
            f"aws configure set aws_secret_access_key {AWS_EX_SK}",
        ),
        (
            "jwt.io debugger default token",
            f'$ jwt decode {JWT_IO}\nToken header\n------------\n{{"typ": "JWT", "alg": "HS256"}}',
        ),
        (
            "jwt.io debugger default token",
            f"curl -H 'Authorization: Bearer {JWT_IO}' http://localhost:3000/api/me",
        ),
        ("jwt.io debugger default token", f'tests/test_auth.py:12: SAMPLE_JWT = "{JWT_IO}"'),
        (
            "docs.stripe.com (old sample test key)",
            f"$ curl https://api.stripe.com/v1/charges -u {STRIPE_EX_OLD}:",
        ),
        (
            "docs.stripe.com (old sample test key)",
            f"const stripe = require('stripe')('{STRIPE_EX_OLD}');",
        ),
        ("docs.stripe.com (old sample test key)", f"STRIPE_SECRET_KEY={STRIPE_EX_OLD}"),
        (
            "docs.stripe.com/api/authentication sample key",
            f"curl https://api.stripe.com/v1/charges \\\n  -u {STRIPE_EX_NEW}:\n# The colon prevents curl from asking for a password.",
        ),
        (
            "docs.stripe.com/api/authentication sample key",
            f'-H "Authorization: Bearer {STRIPE_EX_NEW}"',
        ),
        (
            "docs.stripe.com sample publishable key",
            f"const stripePromise = loadStripe('{STRIPE_EX_PK}');",
        ),
        (
            "api.slack.com/tutorials/tracks/getting-a-token",
            "xoxb-not-a-real-token-this-will-not-work",
        ),
        (
            "docs.slack.dev/tools/java-slack-sdk/guides/incoming-webhooks",
            "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"Hello, World!\"}' https://hooks.slack.com/services/T1234567/AAAAAAAA/ZZZZZZ",
        ),
        (
            "api.slack.com incoming webhook example",
            "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        ),
        (
            "twilio docs placeholder",
            "const client = require('twilio')('ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', 'your_auth_token');",
        ),
        (
            "twilio docs",
            "curl -G https://api.twilio.com/2010-04-01/Accounts \\\n  -u $YOUR_ACCOUNT_SID:$YOUR_AUTH_TOKEN",
        ),
        ("core.telegram.org/bots/api example token", f"https://api.telegram.org/bot{TG_EX}/getMe"),
        ("core.telegram.org/bots/api example token", f"TELEGRAM_TOKEN={TG_EX}"),
        (
            "learn.microsoft.com databricks tokens-cli example",
            f'{{\n  "token_value": "{DBX_EX}",\n  "token_info": {{"comment": "My comment."}}\n}}',
        ),
        (
            "learn.microsoft.com storage-use-azurite well-known key",
            f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        ),
        (
            "learn.microsoft.com storage-use-azurite well-known key",
            f"$ az storage container create -n test --account-name devstoreaccount1 --account-key {AZURITE_KEY} --blob-endpoint http://127.0.0.1:10000/devstoreaccount1",
        ),
        ("learn.microsoft.com purview GitHub PAT SIT example", f"pat={PURVIEW_GH}"),
        (
            "docs.github.com example (GITHUB_TOKEN placeholder)",
            'curl -H "Authorization: Bearer YOUR-TOKEN" https://api.github.com/user',
        ),
        ("docs.docker.com", '$ echo "$DOCKER_PAT" | docker login -u myusername --password-stdin'),
        (
            "mapbox docs",
            "https://api.mapbox.com/geocoding/v5/mapbox.places/Los%20Angeles.json?access_token=YOUR_MAPBOX_ACCESS_TOKEN",
        ),
        (
            "RFC 7617 example",
            "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n# Aladdin:open sesame (RFC 7617 section 2 example)",
        ),
        (
            "RFC 6750 example",
            "GET /resource HTTP/1.1\nHost: server.example.com\nAuthorization: Bearer mF_9.B5f-4.1JqM",
        ),
        (
            "RFC 6749 example",
            'HTTP/1.1 200 OK\n{\n  "access_token":"2YotnFZFEjr1zCsicMWpAA",\n  "token_type":"example",\n  "expires_in":3600,\n  "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA"\n}',
        ),
    ]
    for src, t in docs:
        add("doc_example", src, t)

    # ---------------- public key material / armor without a key body
    pub: list[tuple[str, str]] = []
    for i in range(3):
        pub.append(
            (
                "ssh-ed25519 public key",
                f"$ cat ~/.ssh/id_ed25519.pub\n{ssh_pub('ed25519', f'{R.choice(USERS)}@laptop')}",
            )
        )
        pub.append(
            ("ssh-rsa public key", f"$ cat ~/.ssh/authorized_keys\n{ssh_pub('rsa', 'deploy@ci')}")
        )
        pub.append(
            (
                "SPKI public key",
                f"$ openssl pkey -in key.pem -pubout\n{spki_pem(['rsa', 'ec', 'ed25519'][i])}",
            )
        )
        pub.append(
            (
                "x509 certificate",
                f"$ cat /etc/ssl/certs/internal-ca.pem\n{self_signed_cert(f'Acme Internal CA {i + 1}')}",
            )
        )
        pub.append(
            ("age public recipient", f"$ age-keygen -y key.txt\n{bech32('age', R.randbytes(32))}")
        )
        pub.append(
            (
                "sops age recipient",
                f"creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: {bech32('age', R.randbytes(32))}",
            )
        )
    pub += [
        (
            "known_hosts",
            f"$ ssh-keyscan github.com 2>/dev/null | head -1\n{ssh_pub('ed25519', '')}".replace(
                "ssh-ed25519", "github.com ssh-ed25519", 1
            ).rstrip(),
        ),
        (
            "pgp public key block",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZl"
            + b64(R.randbytes(45))
            + "\n"
            + b64(R.randbytes(48))
            + "\n"
            + b64(R.randbytes(48))
            + "\n="
            + rs(B64, 4)
            + "\n-----END PGP PUBLIC KEY BLOCK-----",
        ),
        (
            "pgp public key block",
            "$ gpg --armor --export ops@acme.dev\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGZ"
            + b64(R.randbytes(45))
            + "\n"
            + b64(R.randbytes(48))
            + "\n="
            + rs(B64, 4)
            + "\n-----END PGP PUBLIC KEY BLOCK-----",
        ),
        (
            "cert request",
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIBPzCB5gIBADA"
            + b64(R.randbytes(45))
            + "\n"
            + b64(R.randbytes(48))
            + "\n-----END CERTIFICATE REQUEST-----",
        ),
        ("pem armor only", "$ grep -c 'BEGIN RSA PRIVATE KEY' -r .\n./scripts/check_keys.sh:3"),
        (
            "pem armor only",
            "if line.startswith('-----BEGIN PRIVATE KEY-----'):\n    raise ValueError('refusing to log private keys')",
        ),
        (
            "pem armor only",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n...\n-----END ENCRYPTED PRIVATE KEY-----",
        ),
        (
            "pem armor only",
            "tls.key: |\n  -----BEGIN EC PRIVATE KEY-----\n  <redacted>\n  -----END EC PRIVATE KEY-----",
        ),
        (
            "gpg fingerprint",
            "$ gpg --list-keys\npub   ed25519 2024-05-01 [SC]\n      "
            + rs("0123456789ABCDEF", 40)
            + "\nuid           [ultimate] Ops <ops@acme.dev>",
        ),
        (
            "ssh fingerprint",
            f"$ ssh-keygen -lf ~/.ssh/id_ed25519.pub\n256 SHA256:{b64(R.randbytes(32)).rstrip('=')} dev@laptop (ED25519)",
        ),
        (
            "jwks public",
            '{"keys":[{"kty":"RSA","use":"sig","kid":"'
            + rs(HEX, 16)
            + '","alg":"RS256","e":"AQAB","n":"'
            + base64.urlsafe_b64encode(R.randbytes(256)).decode().rstrip("=")
            + '"}]}',
        ),
        (
            "wireguard public key",
            "[Peer]\nPublicKey = "
            + b64(R.randbytes(32))
            + "\nAllowedIPs = 10.8.0.2/32\nEndpoint = vpn.acme.net:51820",
        ),
        (
            "ansible vault file",
            "$ cat group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n"
            + "\n".join(rs(HEX, 80) for _ in range(4)),
        ),
        (
            "minisign public key",
            "untrusted comment: minisign public key "
            + rs("0123456789ABCDEF", 16)
            + "\nRWQ"
            + b64(R.randbytes(39)),
        ),
    ]
    for src, t in pub:
        add("public_key_material", src, t)

    # ---------------- names of secrets, not values
    names = [
        "$ gcloud secrets versions access latest --secret=api-key-name --project acme-prod",
        "$ aws secretsmanager get-secret-value --secret-id prod/db/password --query SecretString --output text",
        "$ kubectl create secret generic db-password --from-file=./pw.txt\nsecret/db-password created",
        "$ vault kv get secret/stripe_api_key",
        "$ az keyvault secret show --vault-name kv-acme-prod --name github-app-private-key --query id",
        "$ op read 'op://Private/Discord Bot/credential' >/dev/null && echo ok",
        "$ doppler secrets get OPENAI_API_KEY --plain --project web --config prd",
        "$ gh secret list\nNAME                 UPDATED\nANTHROPIC_API_KEY    about 2 days ago\nNPM_TOKEN            about 1 month ago\nPYPI_API_TOKEN       about 3 months ago",
        "$ fly secrets list\nNAME              \tDIGEST          \tCREATED AT\nDATABASE_URL      \t"
        + rs(HEX, 16)
        + "\t1h ago\nSTRIPE_SECRET_KEY \t"
        + rs(HEX, 16)
        + "\t3d ago",
        "$ heroku config -a acme --shell | cut -d= -f1\nDATABASE_URL\nREDIS_URL\nSECRET_KEY_BASE\nSENDGRID_API_KEY",
        "$ kubectl get secrets -n prod\nNAME                 TYPE                             DATA   AGE\nstripe-api-key       Opaque                           1      41d\nregistry-pull        kubernetes.io/dockerconfigjson   1      90d\nweb-tls              kubernetes.io/tls                2      12d",
        '$ aws ssm get-parameters-by-path --path /prod/api --query \'Parameters[].Name\'\n[\n    "/prod/api/db_password",\n    "/prod/api/jwt_secret",\n    "/prod/api/stripe_key"\n]',
        'Error: secret "twilio-auth-token" not found in namespace "sms"',
        "$ vault list secret/metadata/ci\nKeys\n----\ngithub-token\nnpm-token\npypi-token",
        '$ sops -d --extract \'["data"]["password"]\' secrets.enc.yaml > /dev/null && echo decrypted',
        "$ env | cut -d= -f1 | grep -E 'TOKEN|KEY|SECRET|PASS'\nGITHUB_TOKEN\nAWS_SECRET_ACCESS_KEY\nDB_PASSWORD\nOPENAI_API_KEY",
        "$ echo ${#OPENAI_API_KEY}\n164",
        '$ test -n "$ANTHROPIC_API_KEY" && echo set\nset',
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db/password-" + rs(ALNUM, 6),
        "projects/481920374651/secrets/stripe-secret-key/versions/7",
        "https://kv-acme-prod.vault.azure.net/secrets/storage-account-key/" + rs(HEX, 32),
        "  - name: Load secrets\n    uses: hashicorp/vault-action@v3\n    with:\n      secrets: |\n        secret/data/ci/npm token | NPM_TOKEN ;\n        secret/data/ci/pypi token | PYPI_TOKEN",
        "WARNING: environment variable DISCORD_BOT_TOKEN is not set; bot will not start",
        "KeyError: 'TELEGRAM_BOT_TOKEN'",
        "databricks secrets list-scopes\nScope        Backend\n-----------  ----------\netl-secrets  DATABRICKS",
        "$ databricks secrets put-secret etl-secrets snowflake-password\n# (value read from editor)",
        "$ twilio api:core:keys:list\nSID                                 Friendly Name  Date Created\nSK"
        + rs(HEX, 32)
        + "  ci-key         Jun 01 2024",
        '$ security find-generic-password -s \'github-token\' -a jdoe\nkeychain: "/Users/jdoe/Library/Keychains/login.keychain-db"\nclass: "genp"',
        "$ pass ls\nPassword Store\n├── aws\n│   └── prod-secret-access-key\n└── db\n    └── postgres-admin",
        '$ aws iam list-access-keys --user-name ci\n{\n    "AccessKeyMetadata": [\n        {\n            "UserName": "ci",\n            "AccessKeyId": "'
        + aws_akid()
        + '",\n            "Status": "Active"\n        }\n    ]\n}',
        '$ az storage account keys renew -g rg -n acmelogs --key primary --query \'[].keyName\'\n[\n  "key1",\n  "key2"\n]',
        '$ aws sts get-caller-identity\n{\n    "UserId": "AIDA'
        + rs(B32, 17)
        + '",\n    "Account": "123456789012",\n    "Arn": "arn:aws:iam::123456789012:user/ci"\n}',
    ]
    for t in names:
        add("secret_name_or_reference", "names / references of secrets, not values", t)

    # ---------------- high-entropy non-secret ids and hashes
    hs: list[tuple[str, str]] = [
        (
            "github.com/npm/cli package-lock.json",
            f"$ sed -n 242,262p package-lock.json\n{NPM_LOCK}",
        ),
        (
            "github.com/npm/cli package-lock.json",
            f"$ git diff package-lock.json\n{''.join('+' + ln + chr(10) for ln in NPM_LOCK2.splitlines())}".rstrip(),
        ),
        ("github.com/python-poetry/poetry poetry.lock", f"$ head -20 poetry.lock\n{POETRY_LOCK}"),
        ("github.com/spf13/cobra go.sum", f"$ cat go.sum\n{GO_SUM}"),
        ("github.com/BurntSushi/ripgrep Cargo.lock", f"$ head -25 Cargo.lock\n{CARGO_LOCK}"),
        ("github.com/spf13/cobra git log", f"$ git log -3\n{COBRA_LOG}"),
        ("github.com/BurntSushi/ripgrep git log", f"$ git log --format='%H %s' -3\n{RG_LOG}"),
        (
            "github.com/spf13/cobra go.sum (diff)",
            "diff --git a/go.sum b/go.sum\n"
            + "\n".join("+" + ln for ln in GO_SUM.splitlines()[6:10]),
        ),
    ]
    for name, ver, integ in NPM_INTEGRITY:
        hs.append(
            (
                "github.com/npm/cli package-lock.json",
                f"$ npm view {name}@{ver} dist.integrity\n{integ}",
            )
        )
    for name, ver, h1, h2 in POETRY_HASHES:
        hs.append(
            (
                "github.com/python-poetry/poetry poetry.lock (as requirements --hash)",
                f'$ poetry export --format requirements.txt | grep -A2 ^{name}\n{name}=={ver} ; python_version >= "3.10" \\\n    --hash=sha256:{h1} \\\n    --hash=sha256:{h2}',
            )
        )
    for _ in range(4):
        hs += [
            ("git rev-parse", f"$ git rev-parse HEAD origin/main\n{rs(HEX, 40)}\n{rs(HEX, 40)}"),
            (
                "git log -p header",
                f"$ git log -p -1\ncommit {rs(HEX, 40)}\nMerge: {rs(HEX, 7)} {rs(HEX, 7)}\nAuthor: dev <dev@acme.dev>\n\n    Merge pull request #{R.randint(100, 999)} from acme/fix-ci\n\ndiff --git a/Makefile b/Makefile\nindex {rs(HEX, 7)}..{rs(HEX, 7)} 100644",
            ),
            (
                "docker images",
                f"$ docker images --digests | head -3\nREPOSITORY          TAG     DIGEST                                                                    IMAGE ID       CREATED\nghcr.io/acme/api    1.4.2   sha256:{rs(HEX, 64)}   {rs(HEX, 12)}   2 days ago",
            ),
            (
                "docker inspect id",
                f"$ docker inspect --format '{{{{.Id}}}} {{{{.Image}}}}' api-1\n{rs(HEX, 64)} sha256:{rs(HEX, 64)}",
            ),
            (
                "kubectl uid",
                f"$ kubectl get pod api-{rs(HEX, 10)}-{rs(string.ascii_lowercase + string.digits, 5)} -o yaml | grep -E 'uid|resourceVersion'\n  resourceVersion: \"{R.randint(10**6, 10**8)}\"\n  uid: {uuid4()}",
            ),
            (
                "request/trace ids",
                f"2024-06-01T10:22:01.331Z ERROR http request_id={uuid4()} trace_id={rs(HEX, 32)} span_id={rs(HEX, 16)} status=502 upstream=orders",
            ),
            (
                "aws request id",
                f"An error occurred (AccessDenied) when calling the GetObject operation: Access Denied\nRequestId: {rs(B32[:26] + '0123456789', 16)}\nHostId: {b64(R.randbytes(57))}",
            ),
            (
                "s3 etag",
                f'$ aws s3api head-object --bucket acme-artifacts --key app-1.4.2.tgz\n{{\n    "ContentLength": {R.randint(10**5, 10**8)},\n    "ETag": "\\"{rs(HEX, 32)}-{R.randint(2, 40)}\\"",\n    "VersionId": "{rs(URLSAFE, 32)}"\n}}',
            ),
            (
                "terraform state lineage",
                f'$ head -6 terraform.tfstate\n{{\n  "version": 4,\n  "terraform_version": "1.8.4",\n  "serial": {R.randint(1, 400)},\n  "lineage": "{uuid4()}",\n  "outputs": {{}},',
            ),
            (
                "webpack chunks",
                f"$ ls dist/assets\nindex-{rs(URLSAFE, 8)}.js  vendor-{rs(HEX, 20)}.js  main.{rs(HEX, 20)}.css  logo.{rs(HEX, 8)}.svg",
            ),
            (
                "next build manifest",
                f'  "buildId": "{rs(URLSAFE, 21)}",\n  "/_next/static/chunks/pages/_app-{rs(HEX, 16)}.js"',
            ),
            (
                "base64 png",
                f"$ head -c 200 logo.b64\niVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHeAAAA{b64(R.randbytes(110))}",
            ),
            (
                "data uri",
                f'<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA{b64(R.randbytes(90))}">',
            ),
            (
                "sha256sum",
                f"$ sha256sum dist/*\n{rs(HEX, 64)}  dist/acme-1.4.2.tar.gz\n{rs(HEX, 64)}  dist/acme-1.4.2-py3-none-any.whl",
            ),
            (
                "pip download hash",
                f"Saved ./wheels/requests-2.32.3-py3-none-any.whl\nSuccessfully downloaded requests\n  hash: sha256:{rs(HEX, 64)}",
            ),
            (
                "github actions ids",
                f"GITHUB_RUN_ID={R.randint(10**9, 10**10)}\nGITHUB_SHA={rs(HEX, 40)}\nGITHUB_REF=refs/heads/main\nRUNNER_TRACKING_ID=github_{uuid4()}",
            ),
            (
                "k8s events",
                f'LAST SEEN   TYPE     REASON    OBJECT                          MESSAGE\n2m          Normal   Pulled    pod/api-{rs(HEX, 10)}-{rs(string.ascii_lowercase, 5)}   Successfully pulled image "ghcr.io/acme/api@sha256:{rs(HEX, 64)}"',
            ),
            (
                "otel traceparent",
                f"traceparent: 00-{rs(HEX, 32)}-{rs(HEX, 16)}-01\ntracestate: vendor=t61rcWkgMzE",
            ),
            (
                "cloudflare ray id",
                f'< cf-ray: {rs(HEX, 16)}-AMS\n< x-request-id: {uuid4()}\n< etag: W/"{rs(HEX, 32)}"',
            ),
            (
                "ipfs cid",
                f"$ ipfs add -q build.tar\nbafybei{rs(string.ascii_lowercase + '234567', 52)}",
            ),
            (
                "nix store path",
                f"/nix/store/{rs('0123456789abcdfghijklmnpqrsvwxyz', 32)}-python3-3.12.3/bin/python3",
            ),
            (
                "yarn lock",
                f'"@babel/core@^7.24.0":\n  version "7.24.7"\n  resolved "https://registry.yarnpkg.com/@babel/core/-/core-7.24.7.tgz#{rs(HEX, 40)}"\n  integrity sha512-{b64(R.randbytes(64))}',
            ),
            (
                "pnpm lock",
                f"  /lodash@4.17.21:\n    resolution: {{integrity: sha512-{b64(R.randbytes(64))}}}\n    dev: false",
            ),
            (
                "gradle verification",
                f'<component group="com.google.guava" name="guava" version="33.2.1-jre">\n   <artifact name="guava-33.2.1-jre.jar">\n      <sha256 value="{rs(HEX, 64)}" origin="Generated by Gradle"/>',
            ),
            (
                "helm chart digest",
                f"$ helm pull oci://ghcr.io/acme/charts/api --version 1.4.2\nPulled: ghcr.io/acme/charts/api:1.4.2\nDigest: sha256:{rs(HEX, 64)}",
            ),
            (
                "cosign signature ref",
                f"$ cosign triangulate ghcr.io/acme/api:1.4.2\nghcr.io/acme/api:sha256-{rs(HEX, 64)}.sig",
            ),
            (
                "uuid list",
                f"$ az account list --query '[].{{id:id,tenant:tenantId}}' -o tsv\n{uuid4()}\t{uuid4()}\n{uuid4()}\t{uuid4()}",
            ),
            (
                "ulid/ksuid",
                f"order_id=01{rs('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 24)} ksuid={rs(ALNUM, 27)} status=paid",
            ),
            (
                "stripe object ids",
                f'{{"id": "ch_3{rs(ALNUM, 23)}", "customer": "cus_{rs(ALNUM, 14)}", "payment_intent": "pi_3{rs(ALNUM, 23)}", "balance_transaction": "txn_3{rs(ALNUM, 23)}"}}',
            ),
            (
                "sentry event id",
                f"Sentry is attempting to send 1 pending event\nevent_id: {rs(HEX, 32)}",
            ),
            (
                "pytest cache",
                f'$ cat .pytest_cache/v/cache/nodeids | head -3\n[\n  "tests/test_api.py::test_create[{rs(HEX, 8)}]",\n  "tests/test_api.py::test_list"',
            ),
            (
                "coverage id",
                f"Coverage report uploaded: https://app.codecov.io/gh/acme/api/commit/{rs(HEX, 40)}",
            ),
            (
                "ami/instance ids",
                f'  ~ resource "aws_instance" "web" {{\n        id    = "i-0{rs(HEX, 16)}"\n      ~ ami   = "ami-0{rs(HEX, 16)}" -> "ami-0{rs(HEX, 16)}"\n        subnet_id = "subnet-0{rs(HEX, 16)}"',
            ),
            (
                "git blob/tree",
                f"$ git ls-tree HEAD src/\n100644 blob {rs(HEX, 40)}\tsrc/main.py\n040000 tree {rs(HEX, 40)}\tsrc/api",
            ),
            (
                "go build id",
                f"$ go version -m ./bin/api | head -3\n./bin/api: go1.22.4\n\tpath\tgithub.com/acme/api\n\tbuild\tvcs.revision={rs(HEX, 40)}",
            ),
        ]
    for src, t in hs:
        add("hash_or_id", src, t)

    # ---------------- public / publishable client keys (vendor docs say not secret)
    fb_src = "firebase.google.com/docs/projects/api-keys (Firebase API keys are not secret)"
    pubk: list[tuple[str, str]] = []
    for _ in range(3):
        pubk += [
            (
                "docs.stripe.com/keys (publishable keys are public)",
                f"<script>const stripe = Stripe('pk_live_{rs(ALNUM, 99)}');</script>",
            ),
            (
                "docs.stripe.com/keys (publishable keys are public)",
                f"NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_test_{rs(ALNUM, 99)}",
            ),
            (
                fb_src,
                'const firebaseConfig = {\n  apiKey: "AIza'
                + rs(URLSAFE, 35)
                + '",\n  authDomain: "acme-app.firebaseapp.com",\n  projectId: "acme-app",\n  appId: "1:'
                + str(R.randint(10**11, 10**12))
                + ":web:"
                + rs(HEX, 22)
                + '"\n};',
            ),
            (
                "docs.sentry.io/product/sentry-basics/dsn-explainer (DSNs are safe to keep public)",
                f'Sentry.init({{ dsn: "https://{rs(HEX, 32)}@o{R.randint(10**5, 10**6)}.ingest.us.sentry.io/{R.randint(10**6, 10**7)}" }});',
            ),
            (
                "docs.mapbox.com/help/dive-deeper/access-tokens (pk. tokens are public)",
                "mapboxgl.accessToken = 'pk.eyJ1IjoiYWNtZS1tYXBzIiwiYSI6I"
                + rs(URLSAFE, 20)
                + "In0."
                + rs(URLSAFE, 22)
                + "';",
            ),
        ]
    pubk += [
        (
            "algolia docs (search-only key)",
            f"const searchClient = algoliasearch('{rs(string.ascii_uppercase + string.digits, 10)}', '{rs(HEX, 32)}'); // search-only API key",
        ),
        (
            "google-services.json (Firebase Android config)",
            '"api_key": [\n  {\n    "current_key": "AIza'
            + rs(URLSAFE, 35)
            + '"\n  }\n],\n"client": [{"client_info": {"mobilesdk_app_id": "1:'
            + str(R.randint(10**11, 10**12))
            + ":android:"
            + rs(HEX, 16)
            + '"}}]',
        ),
        (
            "posthog docs (project API key is public)",
            f"posthog.init('phc_{rs(ALNUM, 43)}', {{ api_host: 'https://eu.i.posthog.com' }})",
        ),
    ]
    for src, t in pubk:
        add("public_client_key", src, t)

    # ---------------- tool output with secret-ish words but no secret
    tools = [
        (
            "npm ls",
            "$ npm ls --depth=0\nacme-web@2.3.1 /work\n├── @octokit/auth-token@5.1.1\n├── jsonwebtoken@9.0.2\n├── keytar@7.9.0\n├── passport-http-bearer@1.0.1\n└── secret-handshake@1.1.21",
        ),
        (
            "pip freeze",
            "$ pip freeze | grep -iE 'secret|token|key|pass'\nkeyring==25.2.1\npasslib==1.7.4\npython-jose==3.3.0\nSecretStorage==3.3.3\ntokenizers==0.19.1",
        ),
        (
            "terraform plan",
            '$ terraform plan\n  # random_password.db will be created\n  + resource "random_password" "db" {\n      + id          = (known after apply)\n      + length      = 32\n      + result      = (sensitive value)\n      + special     = true\n    }\n\nPlan: 1 to add, 0 to change, 0 to destroy.',
        ),
        (
            "kubectl yaml secretKeyRef",
            "$ kubectl get deploy api -o yaml | grep -B2 -A3 secretKeyRef\n        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              key: password\n              name: db-creds",
        ),
        (
            "docker inspect",
            '$ docker inspect api-1 --format \'{{json .Config.Env}}\'\n["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin","DB_PASSWORD_FILE=/run/secrets/db_password","TOKEN_TTL=3600","LANG=C.UTF-8"]',
        ),
        (
            "pytest",
            "tests/test_tokens.py::test_token_expiry PASSED                      [ 20%]\ntests/test_tokens.py::test_rotate_secret_key PASSED                 [ 40%]\ntests/test_passwords.py::test_password_hash_roundtrip PASSED        [ 60%]",
        ),
        (
            "pytest fail",
            "E       AssertionError: assert verify_password('wrong', stored) is True\nE        +  where False = verify_password('wrong', '$argon2id$v=19$m=65536,t=3,p=4$"
            + b64(R.randbytes(16)).rstrip("=")
            + "$"
            + b64(R.randbytes(32)).rstrip("=")
            + "')",
        ),
        (
            "bcrypt hash",
            "$ grep admin db/seed.sql\nINSERT INTO users (name, password_hash) VALUES ('admin', '$2b$12$"
            + rs(ALNUM + "./", 53)
            + "');",
        ),
        (
            "shadow-like hash",
            "app:$6$" + rs(ALNUM + "./", 16) + "$" + rs(ALNUM + "./", 86) + ":19876:0:99999:7:::",
        ),
        (
            "ci log",
            "Run actions/checkout@v4\n  with:\n    repository: acme/api\n    token: ***\n    ssh-strict: true\n    persist-credentials: true",
        ),
        (
            "ci log",
            "##[group]Run npm publish --provenance\nnpm notice Publishing to https://registry.npmjs.org/ with tag latest and public access\nnpm notice publish Signed provenance statement with source and build information from GitHub Actions",
        ),
        (
            "git diff rename",
            "diff --git a/src/auth/token.ts b/src/auth/accessToken.ts\nsimilarity index 92%\nrename from src/auth/token.ts\nrename to src/auth/accessToken.ts\n-export function parseToken(raw: string) {\n+export function parseAccessToken(raw: string) {",
        ),
        (
            "openssl rand usage",
            "$ openssl rand -hex 32 > /dev/null  # generate a new secret and store it in vault; never echo it",
        ),
        (
            "ssh-keygen output",
            "$ ssh-keygen -t ed25519 -f ./deploy_key -N ''\nGenerating public/private ed25519 key pair.\nYour identification has been saved in ./deploy_key\nYour public key has been saved in ./deploy_key.pub\nThe key fingerprint is:\nSHA256:"
            + b64(R.randbytes(32)).rstrip("=")
            + " deploy@ci",
        ),
        (
            "gpg list secret keys",
            "$ gpg --list-secret-keys --keyid-format=long\nsec   ed25519/"
            + rs("0123456789ABCDEF", 16)
            + " 2024-05-01 [SC]\n      "
            + rs("0123456789ABCDEF", 40)
            + "\nuid                 [ultimate] Ops <ops@acme.dev>",
        ),
        (
            "aws sts assume-role no secret",
            "$ aws sts assume-role --role-arn arn:aws:iam::123456789012:role/ci --role-session-name ci-"
            + rs(HEX, 8)
            + " --query 'AssumedRoleUser.Arn'\n\"arn:aws:sts::123456789012:assumed-role/ci/ci-"
            + rs(HEX, 8)
            + '"',
        ),
        (
            "oauth code exchange error",
            '{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked","error_uri":"https://docs.acme.dev/oauth#invalid_grant"}',
        ),
        (
            "sql schema",
            "CREATE TABLE api_keys (\n  id uuid PRIMARY KEY,\n  prefix text NOT NULL,\n  key_hash bytea NOT NULL,\n  last_used_at timestamptz\n);",
        ),
        (
            "cli help",
            "Flags:\n      --api-key string        API key (env: ACME_API_KEY)\n      --password-stdin        Take the password from stdin\n      --token-file string     Read token from file",
        ),
        (
            "grep code",
            "$ grep -rn 'Bearer' src/ | head -3\nsrc/http.ts:14:  headers['Authorization'] = `Bearer ${token}`;\nsrc/http.ts:31:  if (!auth.startsWith('Bearer ')) throw new Error('bad auth');",
        ),
        (
            "python traceback",
            '  File "/app/auth.py", line 88, in verify\n    payload = jwt.decode(token, key=PUBLIC_KEY, algorithms=["RS256"])\njwt.exceptions.ExpiredSignatureError: Signature has expired',
        ),
        (
            "go test",
            "--- FAIL: TestSignToken (0.00s)\n    sign_test.go:42: got signature length 63, want 64\nFAIL\tgithub.com/acme/api/internal/token\t0.012s",
        ),
        (
            "vault status",
            "$ vault status\nKey             Value\n---             -----\nSeal Type       shamir\nInitialized     true\nSealed          false\nTotal Shares    5\nThreshold       3\nVersion         1.16.2\nCluster ID      "
            + uuid4(),
        ),
        (
            "kubectl get sa",
            "$ kubectl get sa ci -o yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ci\n  uid: "
            + uuid4()
            + "\nsecrets:\n- name: ci-token-"
            + rs(string.ascii_lowercase + string.digits, 5),
        ),
        (
            "git log message",
            "$ git log --oneline -4\n"
            + rs(HEX, 7)
            + " rotate leaked slack token (old one revoked)\n"
            + rs(HEX, 7)
            + " chore: move secrets to vault\n"
            + rs(HEX, 7)
            + " fix: don't log Authorization header\n"
            + rs(HEX, 7)
            + " feat: add --api-key flag",
        ),
        (
            "docker build cache",
            "#7 [builder 3/6] RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n#7 CACHED\n#8 exporting to image\n#8 writing image sha256:"
            + rs(HEX, 64)
            + " done",
        ),
        (
            "http response headers",
            '< HTTP/2 401\n< www-authenticate: Bearer realm="api", error="invalid_token", error_description="The access token expired"\n< x-request-id: '
            + uuid4(),
        ),
        (
            "semgrep finding",
            "  app/settings.py\n     python.django.security.hardcoded-secret\n        Hardcoded secret detected in SECRET_KEY\n         42┆ SECRET_KEY = get_secret('django-secret-key')",
        ),
        (
            "gitleaks report",
            "Finding:     aws_secret_access_key = ****\nSecret:      ****\nRuleID:      aws-access-token\nEntropy:     4.8\nFile:        deploy/old.env\nCommit:      "
            + rs(HEX, 40),
        ),
        (
            "password policy",
            "Password must be at least 12 characters and include an uppercase letter, a digit and a symbol such as !@#$%^&*",
        ),
        (
            "crontab",
            "$ crontab -l\n0 3 * * * /usr/local/bin/rotate-secrets --vault-path secret/data/prod --dry-run=false",
        ),
    ]
    for src, t in tools:
        add("tool_output_no_secret", src, t)

    # ---------------- high-entropy values under non-secret keys in CLIs / env dumps
    nonsec = []
    for _ in range(3):
        nonsec += [
            f"$ ./bin/cache --cache-key deps-{rs(HEX, 64)} restore",
            f"$ curl -X POST https://api.stripe.com/v1/refunds -H 'Idempotency-Key: {uuid4()}' -u \"$STRIPE_KEY:\" -d charge=ch_123",
            f"$ env | grep -E '^(BUILD|COMMIT|RUN)'\nBUILD_ID={rs(ALNUM, 20)}\nCOMMIT_SHA={rs(HEX, 40)}\nRUN_ATTEMPT=1",
            f'$ gh run view {R.randint(10**9, 10**10)} --json headSha,databaseId\n{{"databaseId": {R.randint(10**9, 10**10)}, "headSha": "{rs(HEX, 40)}"}}',
            f"$ docker run --name job-{rs(HEX, 12)} --label build={rs(ALNUM, 24)} alpine:3.20 true",
            f"NONCE={rs(HEX, 32)}  # public nonce for this request, sent in clear",
            f"CSP_NONCE={b64(R.randbytes(16))}",
            f"SALT_ROUNDS=12\nSESSION_COOKIE_NAME=sid_{rs(HEX, 8)}\nCORRELATION_ID={uuid4()}",
            f"DEVICE_ID={rs(HEX, 40)}\nINSTALLATION_ID={uuid4()}",
            f"$ kubectl rollout history deploy/api\nREVISION  CHANGE-CAUSE\n41        image=ghcr.io/acme/api@sha256:{rs(HEX, 64)}",
        ]
    for t in nonsec:
        add(
            "high_entropy_non_secret",
            "ids/nonces/cache keys under non-secret names (constructed)",
            t,
        )

    return out


# ================================================================ build


def build() -> dict[str, object]:
    cases = positives() + negatives()
    for c in cases:
        s = c["secret"]
        assert s is None or s in (c["text"] or ""), c
    return {
        "about": (
            "Blind corpus 7 for execgate's scanner, precision first: hard negatives (patterned and "
            "low-entropy values, placeholders and templating, masked values, vendors' documentation "
            "examples, public key material, names of secrets, high-entropy ids and hashes including "
            "real lockfile/go.sum/Cargo.lock lines from public repositories, publishable client keys) "
            "and positives in new contexts (Discord/Telegram/Twilio/Databricks tokens, AWS and Azure "
            "keys, generic CLI keys, PaaS secret setters, percent-encoded URL passwords, basic and "
            "bearer auth, tokens glued to word characters or inside URL/JSON/base64 encodings, real "
            "private keys). Positive values are seeded random in each format's documented prefix/"
            "length/alphabet/checksum; none is a live credential. Positives: 'secret' is the exact "
            "substring of 'text' that is the secret value. Negatives: secret null, format 'neg:<family>'."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
