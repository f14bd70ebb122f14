"""Secret classes the fourth blind corpus missed or over-reported, each with its hard
negatives beside it: values that are public by design (Supabase anon keys, search-only
keys, framework-public variables), ciphertext and password hashes (not the secret they
protect), key names without values, and credentials in formats of their own (PuTTY keys,
``.pgpass`` files, ``redis-cli -a``, BIP-39 mnemonics, ``.npmrc`` ``_auth``, query
parameters, Ethereum private keys, PowerShell's list and table layouts).

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest
from scan_classes import Classes, check_class

_R = random.Random(404)
B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
HEX = "0123456789abcdef"


def _r(alphabet: str, n: int) -> str:
    return "".join(_R.choice(alphabet) for _ in range(n))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt(claims: dict[str, object]) -> str:
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    return f"{head}.{_b64url(json.dumps(claims).encode())}.{_r(B62 + '-_', 43)}"


ANON = _jwt({"iss": "supabase", "ref": _r(string.ascii_lowercase, 20), "role": "anon"})
SERVICE = _jwt({"iss": "supabase", "ref": _r(string.ascii_lowercase, 20), "role": "service_role"})
USER = _jwt({"sub": "5c1e7a0e", "role": "authenticated", "exp": 1900000000})
#: `supabase start`'s service_role key, the same on every machine (signed with the published
#: demo secret)
DEMO_SERVICE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vf"
    "cm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"
)
PW = "Tq7#vLm2Wx9p"


def _ppk(encryption: str) -> tuple[str, str]:
    """A PuTTY key file and its private lines."""
    pub = "AAAAC3NzaC1lZDI1NTE5AAAAI" + _r(B64, 43)
    priv = [_r(B64, 64), _r(B64, 64), _r(B64, 20) + "=="]
    text = (
        f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: {encryption}\n"
        "Comment: deploy@build-01\nPublic-Lines: 2\n"
        f"{pub[:64]}\n{pub[64:]}\nPrivate-Lines: 3\n" + "\n".join(priv) + "\n"
        f"Private-MAC: {_r(HEX, 64)}\n"
    )
    return text, "\n".join(priv)


PPK, PPK_PRIV = _ppk("none")
PPK_ENC, PPK_ENC_PRIV = _ppk("aes256-cbc")
ETH = _r(HEX, 64)
#: words of the BIP-39 English list
WORDS = [
    "zoo",
    "abandon",
    "ability",
    "absorb",
    "acid",
    "access",
    "actor",
    "adapt",
    "advice",
    "alarm",
    "album",
    "alley",
    "wrist",
    "yard",
    "zebra",
    "vivid",
    "uncle",
    "tiger",
    "swamp",
    "rhythm",
]
PHRASE = " ".join(_R.choice(WORDS) for _ in range(12))
PHRASE24 = " ".join(_R.choice(WORDS) for _ in range(24))
GOOGLE_SA = "ya29.c.b0Aaek" + _r(B62 + "-_", 120) + "." + _r(B62 + "-_", 40)
B64_USERPASS = base64.b64encode(f"ci:{PW}".encode()).decode()
HEX32 = "8486c52c6089038808cf0111ca756912"
OPAQUE = "Vq8Zr2LmX0pT5vW9kNs3Yd7Hc1QeJb"
UUID = "52f3a6a3-2a5d-4d87-8b34-63a5947baf3c"


CLASSES: Classes = {
    # a PuTTY key file's private lines are the key, encrypted or not (as with PEM)
    "putty-ppk": (
        [
            (f"$ type C:\\Users\\dev\\.ssh\\deploy.ppk\n{PPK}", PPK_PRIV),
            (f"$ cat keys/bastion.ppk\n{PPK_ENC}$ puttygen x.ppk", PPK_ENC_PRIV),
        ],
        [
            "$ puttygen deploy.ppk -O public-openssh\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
            + _r(B64, 43)
            + " deploy@build-01",
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 2",
        ],
    ),
    # a libpq password file printed whole: the fifth field of each line
    "pgpass-printed": (
        [
            (f"$ cat ~/.pgpass\ndb.internal:5432:shop:backup:{PW}\nlocalhost:5432:*:pg:pg", PW),
            (f"PS C:\\> type $env:APPDATA\\postgresql\\pgpass.conf\n*:*:*:app:{PW}\n", PW),
        ],
        [
            "$ cat ~/.pgpass\nlocalhost:5432:*:postgres:postgres\n",
            "$ cat /etc/hosts\ndb.internal:5432:shop:backup:Tq7vLm2Wx9pq",
            "$ ls -l ~/.pgpass\n-rw------- 1 dev dev 120 Mar 14 09:12 /home/dev/.pgpass",
        ],
    ),
    # redis-cli's password options (-p is its port)
    "redis-cli": (
        [
            (f"$ redis-cli -h cache.internal -p 6379 -a {PW} INFO keyspace", PW),
            (f"redis-cli --pass {PW} -p 6380 ping", PW),
            (f"redis-cli -u redis://:{PW}@cache.internal:6379 ping", PW),
            (f"$ redis-cli -h cache\ncache:6379> AUTH {PW}\nOK", PW),
            (f"$ REDISCLI_AUTH='{PW}' redis-cli -h cache ping", PW),
        ],
        [
            "$ redis-cli -h cache.internal -p 6379 INFO keyspace",
            "redis-cli -p 6380 --askpass ping",
            "REDISCLI_AUTH=$(cat /run/secrets/redis) redis-cli ping",
        ],
    ),
    # a wallet's recovery phrase under a name that says so
    "bip39-mnemonic": (
        [
            (f'$ cat hardhat.env\nMNEMONIC="{PHRASE}"\nINFURA_PROJECT_ID={_r(HEX, 32)}', PHRASE),
            (
                f"$ cast wallet new-mnemonic\nSuccessfully generated.\nPhrase:\n{PHRASE24}\n",
                PHRASE24,
            ),
            (f'npx hardhat node --mnemonic "{PHRASE}"', PHRASE),
            (f'{{"seedPhrase": "{PHRASE}"}}', PHRASE),
            (f"WALLET_SEED={PHRASE24}", PHRASE24),
        ],
        [
            'MNEMONIC="test test test test test test test test test test test junk"',
            "mnemonic: the quick brown fox jumps over the lazy dog and runs far away now",
            "Phrase: keep this phrase somewhere safe and never share it with anyone at all",
            'MNEMONIC="abandon abandon abandon abandon abandon abandon abandon abandon '
            'abandon abandon abandon about"',
            f'MNEMONIC="{" ".join(PHRASE.split()[:11])}"',
        ],
    ),
    # .npmrc's legacy _auth (base64 of user:password), global or scoped to a registry
    "npmrc-auth": (
        [
            (
                f"$ cat .npmrc\nregistry=https://nexus.acme.io/\n_auth={B64_USERPASS}\n",
                B64_USERPASS,
            ),
            (f"//nexus.acme.io/repository/npm/:_auth={B64_USERPASS}", B64_USERPASS),
            (f"//nexus.acme.io/:_password={base64.b64encode(PW.encode()).decode()}", ""),
        ],
        [
            "_auth=" + base64.b64encode(b"just some text").decode(),
            "always-auth=true\n_auth=${NPM_AUTH}",
        ],
    ),
    # a query parameter named for a secret key, its value a UUID too
    "query-secret-key": (
        [
            (f'"GET /v1/export?format=csv&scw_secret_key={UUID} HTTP/1.1" 200', UUID),
            (f"https://api.acme.io/oauth?client_secret={OPAQUE}&grant_type=x", OPAQUE),
            (f"GET /cb?private_key={ETH}", ETH),
        ],
        [
            f'"GET /v1/export?format=csv&request_id={UUID} HTTP/1.1" 200',
            f"https://api.acme.io/v1/keys?key_id={UUID}&sort_key=name",
        ],
    ),
    # an Ethereum private key: 64 hex after --private-key or under PRIVATE_KEY
    "ethereum-private-key": (
        [
            (f"$ forge script s/D.s.sol --rpc-url $RPC --private-key {ETH} --broadcast", ETH),
            (f"$ cast wallet address --private-key 0x{ETH}\n0x{_r(HEX, 40)}", ETH),
            (f"PRIVATE_KEY=0x{ETH}", ETH),
            (f"forge script s/M.s.sol --private-keys {ETH} --broadcast", ETH),
        ],
        [
            "ansible-playbook site.yml --private-key ~/.ssh/deploy_key",
            "$ cast wallet address --private-key $PRIVATE_KEY",
            "--private-key 0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            f"tx hash: 0x{ETH}",
        ],
    ),
    # PowerShell's Format-List and Format-Table of environment variables
    "powershell-layouts": (
        [
            (
                "PS C:\\> Get-ChildItem Env:PLAID_SECRET | Format-List\n\n"
                f"Name  : PLAID_SECRET\nValue : {_r(HEX, 30)}\n",
                "",
            ),
            (f"Name  : CLOUDSDK_AUTH_ACCESS_TOKEN\nValue : {GOOGLE_SA}\n", GOOGLE_SA),
            (f"PS C:\\> $env:PLAID_SECRET\n{HEX32}\nPS C:\\> ", HEX32),
            (f"PS C:\\> Write-Output $env:DB_PASSWORD\n{PW}\n", PW),
            # a value wider than the console wraps to the value column
            (
                f"Name  : OP_SERVICE_ACCOUNT_TOKEN\nValue : {GOOGLE_SA[:112]}\n"
                f"        {GOOGLE_SA[112:]}\n\nName  : PATH\nValue : C:\\Windows\n",
                f"{GOOGLE_SA[:112]}\n        {GOOGLE_SA[112:]}",
            ),
            (
                "PS C:\\> Get-ChildItem Env:*TOKEN* | Format-Table\n\nName"
                + " " * 27
                + "Value\n----"
                + " " * 27
                + "-----\nGITHUB_TOKEN"
                + " " * 19
                + PW
                + "\n",
                PW,
            ),
        ],
        [
            "PS C:\\> $env:API_TOKEN_URL\nhttps://auth.acme.io/oauth/token\n",
            'PS C:\\> $env:GITHUB_TOKEN = "$(gh auth token)"\nPS C:\\> gh api user',
            "Name  : PATH\nValue : C:\\Windows\\system32;C:\\Windows",
            "Name  : TOKEN_URL\nValue : https://auth.acme.io/oauth/token",
            "Name  : API_KEY_ID\nValue : 6cb67cd45a8a763135e22e18",
            "Name" + " " * 27 + "Value\n----" + " " * 27 + "-----\nUSERNAME" + " " * 23 + "dev",
        ],
    ),
    # a JWT whose role claim is anon is shipped to browsers; service_role and user
    # sessions are credentials
    "public-jwt": (
        [
            (f"SUPABASE_SERVICE_ROLE_KEY={SERVICE}", SERVICE),
            (f"NEXT_PUBLIC_SUPABASE_ANON_KEY={SERVICE}", SERVICE),
            (f"Authorization: Bearer {USER}", USER),
        ],
        [
            f"$ cat .env.local\nNEXT_PUBLIC_SUPABASE_ANON_KEY={ANON}",
            f'curl https://x.supabase.co/rest/v1/t -H "apikey: {ANON}"',
            f"service_role key: {DEMO_SERVICE}",
        ],
    ),
    # a search-only key, or a key under a framework's public prefix, is shipped to
    # browsers; a secret or a password under such a prefix was published by mistake
    "public-client-names": (
        [
            (f"  algolia: {{ adminApiKey: '{_r(HEX, 32)}' }}", ""),
            (f"ELASTICSEARCH_API_KEY={_r(B62, 40)}", ""),
            (f"NEXT_PUBLIC_STRIPE_SECRET_KEY={PW}", PW),
            (f"VITE_DB_PASSWORD={PW}", PW),
        ],
        [
            f"  algolia: {{ appId: 'ZR73O4PX4T', searchOnlyApiKey: '{_r(HEX, 32)}' }}",
            f"ALGOLIA_SEARCH_API_KEY={_r(HEX, 32)}",
            f"NEXT_PUBLIC_MAPS_API_KEY={_r(B62, 39)}",
            f"VITE_ANALYTICS_TOKEN={_r(B62, 32)}",
            f"REACT_APP_API_KEY={_r(HEX, 32)}",
        ],
    ),
    # a setting about a credential (how long it lives, how it is hashed), not its value
    "credential-settings": (
        [
            (f"API_TOKEN_PROD={PW}", PW),
            (f"client_id_secret={PW}", PW),
            (f"SESSION_TOKEN={PW}", PW),
            # (a setting word must be a whole word of the name: not the end of NoneAlg)
            (f'String tokenWithNoneAlg = "{OPAQUE}";', OPAQUE),
        ],
        [
            "session_key_rotation_days=90\ntoken_ttl=3600s\nsecret_scanning=enabled\n"
            "csrf_cookie_name=csrftoken\npassword_hash_algo=argon2id",
            "jwt_secret_algorithm: HS256\nAPI_TOKEN_EXPIRY_SECONDS=86400",
            "REFRESH_TOKEN_LIFETIME_DAYS=30\nPASSWORD_MIN_LENGTH=12",
            "jwt_secret_alg = RS256",
        ],
    ),
    # a plain word as the password of a service on the loopback address is a local default
    "local-default-password": (
        [
            (f"psql postgresql://postgres:{PW}@localhost:5432/postgres", PW),
            ("psql postgresql://app:guest@db.internal:5432/app", "guest"),
            ("amqp://worker:s3cretpw@127.0.0.1:5672/", "s3cretpw"),
        ],
        [
            "$ psql postgresql://postgres:guest@localhost:5432/postgres -c 'select 1'",
            "amqp://app:rabbit@127.0.0.1:5672/%2F",
            "redis://:devpass@[::1]:6379/0",
        ],
    ),
    # ciphertext in a config file needs a key that is not in the text
    "ciphertext": (
        [
            (f"  password: '{PW}'", PW),
            (f"spring.datasource.password={PW}", PW),
        ],
        [
            f"$ cat credentials.yml.enc\n{_r(B64, 120)}--{_r(B64, 16)}--{_r(B64, 22)}==",
            f"  password: '{{cipher}}{_r(HEX, 96)}'",
            f"spring.datasource.password='ENC({_r(B64, 32)})'",
            f"DB_PASSWORD=vault:v1:{_r(B64, 48)}",
        ],
    ),
    # a password hash is not the password
    "password-hash": (
        [
            (f"$ cat .htpasswd\nadmin:{PW}x7Qz9", f"admin:{PW}x7Qz9"),
            (f'  "password": "{PW}"', PW),
        ],
        [
            f"$ cat .htpasswd\nadmin:$2y$10${_r(B62 + './', 53)}",
            f"$ sudo cat /etc/shadow.passwd\nroot:$6${_r(B62, 16)}${_r(B62 + './', 86)}",
            f'  "password": "$argon2id$v=19$m=65536,t=3,p=4${_r(B64, 22)}${_r(B64, 43)}"',
            f"password = pbkdf2_sha256$720000${_r(B62, 22)}${_r(B64, 43)}=",
            f"userPassword: {{SSHA}}{_r(B64, 32)}",
        ],
    ),
    # a usage line names the option and its metavar, no value
    "usage-metavar": (
        [
            (f"acme-cli deploy --token {PW}", PW),
            (f"acme-cli deploy [--api-key {PW}]", PW),
        ],
        [
            "error: missing required argument --api-key <KEY>\n"
            "Usage: acme-cli deploy [--api-key KEY] [--token TOKEN] [--password-stdin]",
            "usage: tool {--secret SECRET} [--auth-token AUTH_TOKEN]",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
