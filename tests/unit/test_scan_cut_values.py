"""Secret classes whose values were cut short or split: values behind JSON escapes, values
longer than the window a rule is searched in, prefixed tokens with a shell prompt glued
after them, values printed by ``cat`` of a secret-named file, values in YAML block scalars
or in env dumps with shell-special characters. Each class has its hard negatives beside it.

A case passes when every occurrence of the secret is covered by findings (a finding may
reach past the secret into glued text, never stop short of it).
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from execgate.scan import redact_text, scan_text
from execgate.scan._escapes import json_unescaped

_R = random.Random(77)


def _r(alphabet: str, n: int) -> str:
    return "".join(_R.choice(alphabet) for _ in range(n))


B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
AWS_SECRET = "kncF14uNWYva5EbMWzmu0CfHkC8sIg5/6UpBHPZq"
#: An ECR password: base64 of a JSON document, ~1.6 KB
ECR = base64.b64encode(
    json.dumps({"payload": _r(B64, 900), "datakey": _r(B64, 300), "version": "2"}).encode()
).decode()

HEX32 = "f827031a2c17591c311f0ae0546d5888"
DJANGO = "ch*s4y1mb1pl9y#!hg)x1lo3n#zdid16bpd_p4oi!v#t)usxnv"
OPAQUE = "Vq8Zr2LmX0pT5vW9kNs3Yd7Hc1QeJb"
WG_PRIV = "wLmdWxmbSyOo0zw862yZwB3O52jnh4VtHn6t32r70nY="
WG_PUB = "BRdgcSkPECf5fVQSAnopMHhuw0HQfH+T/w6IlzYmil0="
NETLIFY = "nfp_6uahJLrE8iykvaIRArYjXkI43i9ib6WWB0Pu"
ANTHROPIC_ADMIN = "sk-ant-admin01-" + _r(B62 + "-_", 93) + "AA"

UUID = "d9b36c4a-2d06-417c-937d-5af4708ed21f"
PW = "Tq7#vLm2Wx9p"
ADO_PAT = "4wntpi4izo6hswm37qzo55bckpfy5t3bwdqjox73go2m37d56k64"
DJANGO2 = "0gr^^heu-4dwfs4&r*tzv)5q7=yj)sh(!*m_php%*%be8z@o%#"

ADO_NEW = _r(B62, 52) + "JQQJ" + _r(B62, 20) + "AZDO" + _r(B62, 4)
BRACED = "*N%ym7c8SlF%+A&6&-1o"
ASANA = "2/2205384360721263/1658766351886979:915cb37c2a75d6dbc9fcc15bb3ba18f8"
FCM = "AAAA8N0HOJb:APA91b" + _r(B62 + "-_", 134)
AMP_PW = "Saffron&6906zephyr"


def _k8s(password: str) -> str:
    return (
        "$ kubectl get secret app -o yaml\napiVersion: v1\ndata:\n"
        f"  password: {password}\n  username: YWRtaW4=\nkind: Secret\nmetadata:\n"
        "  name: app-credentials\n  namespace: dev\n"
    )


def _covered(text: str, secret: str) -> bool:
    spans = [(f.start, f.end) for f in scan_text(text)]
    at = text.find(secret)
    assert at >= 0
    return any(a <= at and at + len(secret) <= b for a, b in spans)


CLASSES: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    # JSON escapes inside a value: every context rule reads the value decoded
    "json-escaped-values": (
        [
            (
                '{"AccessKeyId":"AKIAZII3YZQVB5DVUKUG","SecretAccessKey":"'
                + AWS_SECRET.replace("/", "\\u002f")
                + '"}',
                AWS_SECRET.replace("/", "\\u002f"),
            ),
            (
                '{"secret_access_key":"' + AWS_SECRET.replace("/", "\\/") + '"}',
                AWS_SECRET.replace("/", "\\/"),
            ),
            ('{"db_password":"Qw7\\u002bz9\\/Lm2#Tk"}', "Qw7\\u002bz9\\/Lm2#Tk"),
            ('{"api_token":"x8Kq2\\u002F9LmZrT4vW\\u002B0pN"}', "x8Kq2\\u002F9LmZrT4vW\\u002B0pN"),
        ],
        [
            '{"url":"https:\\/\\/example.com\\/api\\/v1\\/users"}',
            '{"path":"\\/var\\/lib\\/app\\/data","mode":"0644"}',
            '{"password":"\\u003cyour-password\\u003e"}',
            '{"token":"${TOKEN}","note":"a\\/b"}',
        ],
    ),
    # a value longer than the window around its keyword is covered whole
    "long-values": (
        [
            (f"docker login --username AWS --password {ECR} 1234.dkr.ecr.test", ECR),
            (f"$ aws ecr get-login-password --region us-east-1\n{ECR}\n$ ", ECR),
            (f"export DB_PASSWORD={ECR}", ECR),
            (f"docker login -u AWS --password {ECR * 4} x.test", ECR * 4),
            (f'{{"session_token": "{ECR * 4}"}}', ECR * 4),
        ],
        [
            "docker login --username AWS --password-stdin 1234.dkr.ecr.test " + "x" * 2000,
            "$ aws ecr get-login-password --region us-east-1 | docker login --password-stdin",
        ],
    ),
    # `cat` of a file named for a credential: its one line is the secret, the prompt glued
    # after it when the file has no trailing newline
    "printed-secret-file": (
        [
            (f"etl@runner-5f7c:~$ cat ~/.config/x/dd_api_key\n{HEX32}etl@runner-5f7c:~$ ", HEX32),
            (f"$ cat ~/.config/x/django_secret_key\n{DJANGO}\n$ ", DJANGO),
            (f"$ head -n1 /run/app/app_key\nbase64:{WG_PRIV}\n", f"base64:{WG_PRIV}"),
            (f"$ cat privatekey\n{WG_PRIV}", WG_PRIV),
            (f"$ sudo cat /etc/ci/github.pat\n{OPAQUE}\nops@ci:~$ ", OPAQUE),
            (f"$ wg genkey\n{WG_PRIV}\n", WG_PRIV),
            (f"# wg show wg0 private-key\n{WG_PRIV}\n", WG_PRIV),
            (f"PS C:\\app> Get-Content .\\secrets\\api_token.txt\n{OPAQUE}PS C:\\app> ", OPAQUE),
            (f"C:\\app>type C:\\ci\\deploy_key\n{OPAQUE}\nC:\\app>", OPAQUE),
        ],
        [
            f"$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{OPAQUE} me@x\n",
            f"$ cat publickey\n{WG_PUB}\n",
            f"$ wg genkey | tee privatekey | wg pubkey\n{WG_PUB}\n",
            "$ cat token_count\n42\n",
            "$ cat monkey_notes.txt\nbananas-and-more-bananas\n",
            f"$ cat api_keys.csv\nname,key\nprod,{HEX32}\nstage,{HEX32[::-1]}\n",
            "$ cat /etc/app/secret_name\nprod-database-password\n",
            "$ cat ~/.cache/token_path\n/var/run/secrets/token\n",
            f"$ cat /etc/app/api_key_hash.txt\n{HEX32}\n",
            "$ cat keycloak.version\n21.1.2-SNAPSHOT-a8f3c2d1\n$ ",
            "$ type api_token\nbash: type: api_token: not found\n",
            f"PS C:\\> Get-Content .\\public_key.txt\n{WG_PUB}\nPS C:\\> ",
            f"$ cat tokenizer.sha\n{HEX32}\n",
        ],
    ),
    # a prefixed token with a shell prompt glued after it (no trailing newline in the file)
    "token-glued-to-prompt": (
        [
            (f"$ ./show\n{NETLIFY}jenkins@ci-agent-2:~$ ", NETLIFY),
            (f"$ ./show\n{ANTHROPIC_ADMIN}svc_app@build-07:~$ ", ANTHROPIC_ADMIN),
        ],
        [
            f"$ ./show\n{NETLIFY}jenkins\n",
            f"see {NETLIFY}abcdefgh for details",
        ],
    ),
    # WireGuard configs: the interface's private key, never a peer's public key
    "wireguard-private-key": (
        [
            (
                f"[Interface]\nAddress = 10.8.0.58/24\nPrivateKey = {WG_PRIV}\n"
                f"ListenPort = 51820\n\n[Peer]\nPublicKey = {WG_PUB}\n",
                WG_PRIV,
            ),
            (f"PrivateKey={WG_PRIV}", WG_PRIV),
            (f"[Peer]\nPublicKey = {WG_PUB}\nPresharedKey = {WG_PRIV}\n", WG_PRIV),
        ],
        [
            f"[Peer]\nPublicKey = {WG_PUB}\nAllowedIPs = 10.8.0.0/24\n",
            "[Interface]\nPrivateKey = <your private key here>\n",
            "[Interface]\nPrivateKey = ${WG_PRIVATE_KEY}\n",
        ],
    ),
    # a UUID under a name that says token, secret or password is the secret; under an id,
    # a uuid or a request name it is an identifier
    "uuid-shaped-secrets": (
        [
            (f"secrets:\n  nomad_token: |\n    {UUID}\n  region: eu-central-1\n", UUID),
            (f"CONSUL_HTTP_TOKEN={UUID}", UUID),
            (f"HEROKU_API_KEY={UUID}\n", UUID),
            (f"VAULT_SECRET_ID={UUID}\n", UUID),
            (f"password: >-\n  {PW}\n", PW),
        ],
        [
            f"request_id: {UUID}\n",
            f"VAULT_ROLE_ID={UUID}\n",
            f"AZURE_CLIENT_SECRET_ID={UUID}\n",
            f"token_id: {UUID}\n",
            f"  uid: {UUID}\n",
            "nomad_token: |\n    ${NOMAD_TOKEN}\n",
        ],
    ),
    # names ending in PW, PWD or PAT hold a password or a personal access token
    "password-and-pat-names": (
        [
            (f"LDAP_BIND_PW={PW}", PW),
            ("      LDAP_BIND_PW: %XVooEF9GeKK8=%1UXZ\n", "%XVooEF9GeKK8=%1UXZ"),
            (
                '["PATH=/usr/bin:/bin", "LDAP_BIND_PW=Maple%593zephyr", "LANG=C"]',
                "Maple%593zephyr",
            ),
            (f"SMTP_PWD={PW}\n", PW),
            (f"AZURE_DEVOPS_EXT_PAT={ADO_PAT}", ADO_PAT),
            (f"terraform apply -var 'ado_pat={ADO_PAT}'", ADO_PAT),
        ],
        [
            "PWD=/home/runner/work/app\nOLDPWD=/home/runner\n",
            "pwd: /srv/app/releases/2024\n",
            "url_pattern = ^/api/v1/users/(?P<id>[0-9]+)$\n",
            "spawn_pw_helper --retries 3\n",
            "password=%(db_password)s\n",
            "set DB_PW=%DB_PASSWORD%\n",
            "GITHUB_PAT=${{ secrets.GITHUB_PAT }}\n",
        ],
    ),
    # a line that holds only an assignment (an env dump, YAML): shell operators are part of
    # the value
    "whole-line-values": (
        [
            (f"$ printenv\nHOME=/root\nSECRET_KEY={DJANGO}\nSHELL=/bin/bash\n", DJANGO),
            (f"    environment:\n      SECRET_KEY: {DJANGO2}\n    image: x\n", DJANGO2),
        ],
        [
            "TOKEN=$(cat /run/token); export TOKEN\n",
            "  secret: process.env.APP_SECRET,\n",
        ],
    ),
    # a Kubernetes Secret's data holding the base64 of a placeholder is no secret; real
    # base64 secrets there are
    "kubernetes-secret-placeholders": (
        [
            (_k8s(base64.b64encode(PW.encode()).decode()), base64.b64encode(PW.encode()).decode()),
            (
                _k8s(base64.b64encode(DJANGO.encode()).decode()),
                base64.b64encode(DJANGO.encode()).decode(),
            ),
        ],
        [
            _k8s(base64.b64encode(plain).decode())
            for plain in (b"dummy", b"changeme-in-prod", b"REPLACE_ME", b"TODO", b"aaaaaaaaaa")
        ],
    ),
    # Azure DevOps PATs: the 52-character legacy format by its context, the 84-character
    # format by its signature
    "azure-devops-pats": (
        [
            (
                f"echo {ADO_PAT} | az devops login --organization https://dev.azure.com/acme",
                ADO_PAT,
            ),
            (f"pat: {ADO_NEW}\n", ADO_NEW),
            (f"az devops login --org https://dev.azure.com/acme <<< '{ADO_PAT}'", ADO_PAT),
            (f"see {ADO_NEW} in the log", ADO_NEW),
        ],
        [
            "echo 'done' | az devops login --organization https://dev.azure.com/acme",
            "az devops login --organization https://dev.azure.com/acme",
            f"id={ADO_NEW[:52]}xxxxAZDO",
        ],
    ),
    # ODBC/ADO connection strings: a braced value runs to its closing brace
    "connection-strings": (
        [
            (f"Driver={{ODBC Driver 18}};Server=db;Uid=app;Pwd={{{BRACED}}};Encrypt=yes;", BRACED),
            (f"Server=db;Database=dw;User Id=app;Password={{{PW};x}};", f"{PW};x"),
            (f"Server=db;Database=dw;User Id=app;Password={PW};Encrypt=yes", PW),
        ],
        [
            "Driver={ODBC Driver 18 for SQL Server};Server=db;Uid=app;Encrypt=yes;",
            "PASSWORD={{ .Values.password }}",
            "Server=db;Uid=app;Pwd={${DB_PASSWORD}};",
            "Server=db;Uid=app;Pwd={<password>};",
        ],
    ),
    # bearer tokens holding '/' and ':' (Asana's PATs)
    "bearer-with-colons": (
        [
            (
                f'curl -H "Authorization: Bearer {ASANA}" https://app.asana.com/api/1.0/users/me',
                ASANA,
            ),
            (f"X-Upstream: Bearer {ASANA}\n", ASANA),
        ],
        [
            "Authorization: Bearer https://auth.example.com/token",
            'curl -H "Authorization: Bearer $ASANA_TOKEN" https://app.asana.com',
            "WWW-Authenticate: Bearer realm=api:read",
            "INFO bearer 2025-01-01T10:00:00.000Z refreshed",
        ],
    ),
    # vendor keys: FCM legacy server keys, LaunchDarkly SDK, mobile and API keys
    "fcm-and-launchdarkly": (
        [
            (f'PS C:\\Users\\mara> $env:FCM_SERVER_KEY = "{FCM}"\nPS C:\\> ', FCM),
            (f'curl -H "Authorization: key={FCM}" https://fcm.googleapis.com/fcm/send', FCM),
            (f"LAUNCHDARKLY_SDK_KEY=sdk-{UUID}", f"sdk-{UUID}"),
            (f'const client = init("mob-{UUID}")', f"mob-{UUID}"),
            (f"    ld_api_key: api-{UUID}\n", f"api-{UUID}"),
        ],
        [
            "FCM_SERVER_KEY=AAAA<project>:APA91b<rest>",
            f"resource: api-{UUID}\n",
            f"pod: sdk-{UUID[:8]}\n",
            f"https://cdn.example.com/sdk-{UUID}x.js",
        ],
    ),
    # CLIs that take a password as an operand or a short option
    "positional-passwords": (
        [
            (f"net use Z: \\\\fs01\\finance /user:CORP\\ops {AMP_PW} /persistent:no", AMP_PW),
            (f"NET USE \\\\fs01\\c$ /USER:admin {PW}", PW),
            (f"htpasswd -b -B /etc/nginx/.htpasswd app_rw '{PW}'", PW),
            (f"htpasswd -bB -C 12 /etc/nginx/.htpasswd app_rw {PW}", PW),
            (f"htpasswd -nb app_rw {PW}", PW),
            (f"ipmitool -I lanplus -H 10.0.0.5 -U ADMIN -P {PW} chassis status", PW),
            (f"rdesktop -u admin -p {PW} 10.0.0.7", PW),
            (f"PsExec.exe \\\\host -u CORP\\ops -p {PW} cmd", PW),
            (f"cmdkey /add:fs01 /user:CORP\\ops /pass:{PW}", PW),
            (f'schtasks /create /tn nightly /tr backup.cmd /ru CORP\\ops /rp "{PW}"', PW),
        ],
        [
            "net use Z: \\\\fs01\\finance /user:CORP\\ops /persistent:no",
            "net use Z: \\\\fs01\\finance /user:CORP\\ops * /persistent:no",
            "htpasswd -B /etc/nginx/.htpasswd app_rw",
            "htpasswd -D /etc/nginx/.htpasswd app_rw",
            "ipmitool -I lanplus -H 10.0.0.5 -U ADMIN -E chassis status",
            "schtasks /create /tn nightly /tr backup.cmd /ru SYSTEM /rp *",
            "cmdkey /list",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    found, never = CLASSES[name]
    for text, secret in found:
        assert _covered(text, secret), (name, text, scan_text(text))
        assert secret not in redact_text(text)
    for text in never:
        assert scan_text(text) == [], (name, text, scan_text(text))


def test_json_unescaped_maps_each_character_to_its_whole_escape() -> None:
    text = "a\\/b\\u002Fc\\u0022d"
    decoded = json_unescaped(text)
    assert decoded is not None
    plain, starts, ends = decoded
    # a quote stays escaped: decoding it would move where the JSON string ends
    assert plain == "a/b/c\\u0022d"
    assert [text[s:e] for s, e in zip(starts, ends, strict=True)][:5] == [
        "a",
        "\\/",
        "b",
        "\\u002F",
        "c",
    ]
    assert json_unescaped("no escapes here") is None
    assert json_unescaped("C:\\\\Users\\\\x") is None
