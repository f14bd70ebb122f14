"""What a matched value says about itself, apart from where it was found. Pure.

A rule finds a candidate by its context or its prefix; these checks then decide whether the
extracted value is a credential or stands for one: a placeholder (``$TOKEN``, ``<paste it
here>``, ``sk-...``), a mask (``sk-...2182d4f``), a vendor's documentation example (AWS's
``AKIAIOSFODNN7EXAMPLE``, jwt.io's token), a fake that says so (``xoxb-not-a-real-token``),
a low-entropy sequence (``abcdefgh...``, ``0123...``) or the *name* of a secret
(``api-key-name``). Each looks at the value only, never at the text around it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re

from ._examples import PUBLISHED_EXAMPLES

# Values that stand for a credential rather than being one.
_PLACEHOLDER = re.compile(
    r"""(?ix)^(?:
        \$\{?[A-Za-z_][A-Za-z0-9_]*\}?      # $TOKEN, ${TOKEN}
      | \$\{\{.*\}\}                         # ${{ secrets.X }}
      | \$\(.*\)                             # $(cat file)
      | %[A-Za-z_][A-Za-z0-9_]*%             # %TOKEN%
      | %\([A-Za-z_]\w{0,64}\)s              # %(DB_PASSWORD)s (configparser interpolation)
      | <[^<>]*>                             # <token>
      | \{\{.*\}\}                           # {{ token }}
      | \{[A-Za-z_][A-Za-z_.]{0,64}\}          # {password}, {config.db_password}
      | \{\s{1,4}[A-Za-z_][\w.]{0,64}\s{0,4}\}   # { password } (a template's hole)
      | [A-Za-z_][\w.]{0,128}\(\)             # obj.make_token(): a call in code
      | \#\{.*\}                             # #{password} (Ruby)
      | @@[A-Za-z_][A-Za-z0-9_]*@@             # @@PASSWORD@@ (token replacement)
      | __[A-Z][A-Z0-9_]*__                    # __PASSWORD__ (token replacement)
      | [:@][A-Za-z_]{1,64}                    # :password, @password (bind parameters)
      | \[[^\]]*\]                           # [redacted]
        # a usage line's metavar closing an optional group: [--token TOKEN], {--key KEY}
      | [A-Z][A-Z_\-]{0,31}[\]}]{1,3}
      | ([*x.•#\-_])\1{2,1024}                   # ****, xxxx, ...
      | \**REDACTED\**                       # already redacted
      | \*[a-z]{1,16}\*                        # *password* (wget's mask of a URL's password)
        # words after a word that says so (my-api-key, your_token_here, testtoken2): a
        # random token that happens to start with `my` or `the` has capitals or digits early
      | (?:your|my|the|some|example|sample|dummy|fake|test|changeme|changethis)
        (?-i:(?:[-_.]?(?:[A-Z]?[a-z]{1,16}|[A-Z]{2,16})\d{0,3}){0,6})
      | (?:token|password|passwd|pass|secret|changeme|example|redacted|placeholder|dummy|demo)
      | change[-_]?this                      # the full-stack-fastapi template's default
      | changeit                             # the JDK keystore's published default
      | (?:none|null|true|false|undefined)
        # (GraphQL marks a non-null type with `!`: `$password: String!`)
      | (?:string|str|object|number|integer|int|boolean|bool|bytes|any|unknown|float|optional)!?
        # a usage line's metavariable in capitals (NAME=VALUE, --token TOKEN)
      | (?-i:[A-Z]{3,16}(?:_[A-Z]{2,16}){0,3})
      | .*(?:example|placeholder|changeme|xxxxx|replace[-_]?me).*
        # an instruction in capitals: REPLACE_WITH_REAL_PASSWORD, CHANGE_ME_BEFORE_DEPLOY,
        # PUT_YOUR_PASSWORD_HERE, INSERT_API_KEY_HERE, REPLACE-WITH-YOUR-TOKEN
      | (?:replace[-_]with|change[-_]me|put[-_]your|fill[-_]in|enter[-_]your|set[-_]me)
        (?:[-_][a-z0-9]{1,16}){0,6}
      | [a-z0-9]{1,16}(?:[-_][a-z0-9]{1,16}){0,6}[-_]here
    )$"""
)

#: A reference to where a secret is kept, not the secret: a secret manager's URI or ARN,
#: or code that reads the environment (``op://vault/item/password``,
#: ``arn:aws:secretsmanager:...``, ``process.env.DB_PASSWORD``, ``os.environ["X"]``).
_REFERENCE = re.compile(
    r"""(?x)^(?:
        (?:op|bw|ref\+[a-z0-9]{1,16})://?\S
      | (?:vault|sops|doppler|infisical|gcpsm|awssm|azkv):/{0,2}[\w.-]{1,64}[/#]\S
      | ENC\[[A-Z0-9_]{2,32}(?:[,\]]|$)       # sops and hiera-eyaml ciphertext
      | arn:aws[\w-]{0,16}:(?:secretsmanager|ssm|kms):
      | projects/[\w.\-]{1,64}/secrets/[\w.\-]{1,256}     # a Secret Manager resource
      | (?:process\.env|import\.meta\.env|os\.environ|os\.getenv|getenv|System\.getenv
         |ENV\[|\$env:|secrets\.|vars\.|env\.|settings\.|config\.|(?:std::)?env::var)
        # an App Service setting that the platform fills from Key Vault
      | @Microsoft\.KeyVault\(
        # Go's conversion of what is read elsewhere: []byte(os.Getenv("X")), []byte(cfg.Secret)
      | \[\]byte\((?!")
        # a CSS selector for the field that holds it: #login-password, input[name="password"]
      | \#[a-z]{2,16}(?:[-_][a-z]{2,16}){1,4}$
      | [a-z]{1,16}\[[a-z\-]{1,32}[*^$~|]?=

        # Terraform references: var.x, local.x, module.m.out, data.src.name.attr and a
        # resource's attribute (random_password.db.result): the value is computed elsewhere
      | !?(?:var|local|module|data)\.[A-Za-z_][\w\-]{0,64}(?:[.\[]|$)
      | [a-z][a-z0-9]{0,32}(?:_[a-z0-9]{1,32}){1,6}\.[A-Za-z_][\w\-]{0,64}\.[a-z_]{1,64}(?:[.\[]|$)
        # systemd's LoadCredential=ID:PATH: the credential's name and the file it is read from
      | [\w.\-]{1,64}:(?:/[\w.\-]{1,128}){2,16}$
        # BuildKit's --secret id=NAME,src=FILE|env=VAR: where the build reads a secret from
      | (?:id|type|src|source|env|target)=[^,\s]{1,256}(?:,|$)
        # gcloud's --set-secrets / --update-secrets: VAR=secret-name:version (or a path)
      | (?:[A-Za-z_]\w{0,127}|/[\w./\-]{1,256})=[\w.\-]{1,256}:(?:latest|\d{1,6})(?:,|$)
    )"""
)

#: A value with an elision in it is a mask or a placeholder (``sk-...``, ``sk-…2182d4f``,
#: ``ghp_****abcd``), or a template with an angle-bracketed hole (``key-<paste here>``).
_MASKED = re.compile(
    r"\.\.\.|…|\*\*\*|###|^<|>$|<[^<>]{0,64}>|\{\{|\$\{"
    # a mask of bullets (sk_live_••••4207), Ruby's interpolation (#{ENV['X']}), a regex
    # standing where the value goes (sed 's/^API_KEY=.*/API_KEY=/')
    r"|[•●·]{3}|^\#\{|^\.\*"
    # what loggers and proxies print in a secret's place (sntryu_[FILTERED], [REDACTED])
    r"|(?i:\[(?:filtered|redacted|masked|hidden|removed)\])"
    # the same holes percent-encoded in a URL (%7Btoken%7D, %3Ckey%3E, %24%7BVAR%7D)
    r"|(?i:%7B[\w.\-]{0,64}%7D|%3C[\w.\-]{0,64}%3E|%24%7B)"
)

#: Words a value uses to say it is not real. Vendor tokens are random: the chance that one
#: spells any of these is below one in ten thousand.
_FAKE_WORDS = re.compile(
    r"(?i)not[-_.]?a[-_.]?real|not[-_.]?real|fake|dummy|example|sample|placeholder|your[-_.]?"
    r"(?:[a-z]{2,8}[-_.])?(?:api|token|key|secret|own)|redacted|changeme|replace[-_.]?me|"
    r"insert[-_.]?(?:your|key|token|here)|xxxxxx|change[-_.]?me|goes[-_.]?here|(?:^|[-_.])here$|"
    r"^(?:enter|put|add|set)[-_. ](?:your|the|a)[-_. ]|^todo(?:[-_.]|$)"
)

#: Vendors' documented example credentials: never findings (more in ``_examples``).
DOCUMENTED_EXAMPLES = frozenset(PUBLISHED_EXAMPLES) | frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "ASIAIOSFODNN7EXAMPLE",
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        # Stripe's test-mode keys in its API reference, GitHub's example personal token
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        # jwt.io's example signing secret
        "a-string-secret-at-least-256-bits-long",
        # the Bot API documentation's example token
        "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
        # the storage emulator's (Azurite's) published account key, the same everywhere
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        # RFC 7617 section 2's Basic credentials (Aladdin:open sesame), RFC 6750's bearer
        # token, RFC 6749's access and refresh tokens (section 5.1), Stripe's test key in the
        # curl examples of its API reference
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        "mF_9.B5f-4.1JqM",
        "2YotnFZFEjr1zCsicMWpAA",
        "tGzv3JOkF0XG5Qx2TlKWIA",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        # the Kubernetes documentation's Secret (kubernetes.io/docs/concepts/configuration/
        # secret): password 1f2d1e2e67df, base64-encoded under data:, plain under stringData:
        "MWYyZDFlMmU2N2Rm",
        "1f2d1e2e67df",
        # RFC 6749's client credentials in its token requests (sections 2.3.1, 4.1.3:
        # s6BhdRkqt3:gX1fBat3bV), as a Basic blob and as the secret alone
        "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
        "gX1fBat3bV",
        # the AWS DataSync documentation's Azure Blob SAS token ("Creating an Azure Blob
        # Storage location"), percent-encoded as in its URL and decoded
        "aBBKDWQvyuVcTPH9EBp%2FXTI9E%2F%2Fmq171%2BZU178wcwqU%3D",
        "aBBKDWQvyuVcTPH9EBp/XTI9E//mq171+ZU178wcwqU=",
        # discord.py's documentation (docs/token.rst) and nostrum's sample bot tokens
        "MjQ1NTU5MDg3NTI0MjE2ODMy.DulyxA.brcD2xRAqjACTuMcGPwy4TWVQdg",
        "OTY4NTU2MzQ4MzkwMzkxODU5.G49NjP.pD8PLpKp-Xx8sr-8m1DCxSPTJZdcpcJZOExc1c",
        # the twilio-ruby documentation's account SID and auth token
        "AC309475e5fede1b49e100272a8640f438",
        "3a2630a909aadbf60266234756fb15a0",
        # the widely copied example of GitHub's token format (a public gist), and Cribl's
        # regex documentation's sample Slack user token
        "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",
        "xoxp-23984754863-2348975623103",
        # Vault's `vault login -h` example token
        "s.3jnbMAKl1i4YS3QoKdbHzGXq",
        # RFC 7519 section 3.1's example JWT
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQog"
        "Imh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    }
)

#: Published HMAC keys: the ones jwt.io fills in for its examples, now and before (a token
#: signed with one of them was made on that page, whatever its claims), and the JWT secret
#: every ``supabase start`` uses (its anon and service_role keys are the same on every
#: machine and printed in Supabase's documentation).
_JWT_IO_KEYS = (
    b"a-string-secret-at-least-256-bits-long",
    b"your-256-bit-secret",
    b"your-384-bit-secret",
    b"your-512-bit-secret",
    b"super-secret-jwt-token-with-at-least-32-characters-long",
)
_HMAC_ALGS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}

#: jwt.io's example tokens all carry this subject and name (compared with spaces removed).
_JWT_EXAMPLE_CLAIMS = ('"sub":"1234567890"', '"name":"JohnDoe"')

#: Keyboard walks, row after row, either way.
_KEYBOARD = "1234567890qwertyuiopasdfghjklzxcvbnm"
#: ... and column after column, down each column (1qaz2wsx3edc) or up it (zaq1xsw2cde3).
_KEYBOARD_COLUMNS = ("1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "zaq1xsw2cde3vfr4bgt5nhy6mju7ki8lo9p0")

#: Passwords that head every published list of the most common ones: in every cracking
#: dictionary, so what they guard is open to anyone; in a text they are fixtures and
#: defaults, not someone's secret. (Not bash.org's ``hunter2`` nor leet ``passw0rd``: corpora
#: label them real passwords.)
WELL_KNOWN_PASSWORDS = frozenset(
    {
        *("123456", "1234567", "12345678", "123456789", "1234567890", "111111", "000000"),
        *("password1", "password12", "password123", "password1!"),
        *("qwerty", "qwerty123", "qwertyuiop", "abc123", "abcd1234", "letmein"),
        *("welcome", "welcome1", "iloveyou", "monkey", "dragon", "trustno1"),
        *("admin", "admin123", "administrator", "root", "toor", "secret123", "test123"),
        *("123qwe", "1q2w3e4r", "zaq12wsx", "opensesame"),
        # a database's own name: the default its images and guides set (password: postgres)
        *("postgres", "postgresql", "mysql", "mariadb"),
    }
)

#: A secret's *name*: lower-case words joined by ``-``, ``_``, ``.``, ``:`` or ``/``
#: (``api-key-name``, ``prod.stripe.key``, ``pkg.main:main``), the last one perhaps numbered
#: (``source-key1``), or an upper-case constant (``ACCESS_TOKEN``). Read as a name only where
#: a rule's option or variable can hold either (``--secret``, ``--token``), never after
#: ``password``.
_NAME = re.compile(
    r"^(?:[a-z]{2,32}(?:[-_.:/][a-z]{1,32}){0,7}[-_.:/][a-z]{1,32}\d{0,2}"
    r"|[A-Z]{2,32}(?:_[A-Z]{1,32}){1,8})$"
)


def _random_symbols(value: str) -> bool:
    """A long value drawn from letters, digits and many symbols (WordPress' 64-character
    salts): ``<...>``, ``...`` or ``***`` turn up in it by chance, not as a hole or a mask.
    A template's hole is words (``<your-key-here>``): it holds few distinct symbols."""
    symbols = {c for c in value if not c.isalnum()}
    return len(value) >= 40 and len(symbols) >= 10 and len(set(value)) >= 30


#: A value of words that says what it stands for (``my super secret password``, ``a
#: secret``): prose about a credential; a passphrase someone chose does not name itself.
_SELF_NAMED = re.compile(r"(?i)(?=.*\s)(?:^|.*\W)(?:password|passphrase|secret|token)(?:\W|$)")


def is_placeholder(value: str) -> bool:
    return (
        len(value) < 4
        or len(set(value)) == 1  # 1111, aaaaaaaa: one key held down
        or _SELF_NAMED.match(value) is not None
        or value in DOCUMENTED_EXAMPLES
        or value.lower() in WELL_KNOWN_PASSWORDS
        or _PLACEHOLDER.match(value) is not None
        or (_MASKED.search(value) is not None and not _random_symbols(value))
        or _REFERENCE.match(value) is not None
    )


#: Words a test fixture builds its password from: a value of lower-case word parts joined by
#: ``-``, ``_`` or ``.`` with one of these among them (``wrong-password``, ``e2e-password``,
#: ``invalid_secret``) is a test's input, not a credential someone chose or generated.
_FIXTURE_PARTS = frozenset(
    {
        *("password", "passwd", "secret", "test", "testing", "example", "dummy", "fake"),
        *("wrong", "invalid", "incorrect", "bad", "mock", "stub"),
    }
)
_WORD_PARTS = re.compile(r"[a-z0-9]{1,16}(?:[-_.][a-z0-9]{1,16}){1,5}")
#: ``Password`` capitalised, spelled leet and closed with a symbol (``Passw0rd!``,
#: ``P@ssw0rd1!``): the shortest value that meets every complexity policy, which test suites
#: give their users. (The lower-case leet forms, ``passw0rd`` and ``p@ssw0rd99``, stay
#: findings: the external corpus labels them real passwords.)
_POLICY_PASSWORD = re.compile(r"P[a@4]ssw[o0]rd\d{0,4}[!#*.]{1,2}")


def is_fixture_password(value: str) -> bool:
    """A test's password: built from words that say so, or the policy-satisfying default."""
    if _POLICY_PASSWORD.fullmatch(value):
        return True
    if not _WORD_PARTS.fullmatch(value):
        return False
    return any(part in _FIXTURE_PARTS for part in re.split(r"[-_.]", value))


def says_fake(value: str) -> bool:
    """The value spells out that it is a fixture (``xoxb-not-a-real-token-...``)."""
    return _FAKE_WORDS.search(value) is not None


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _signed_on_jwt_io(header: str, payload: str, signature: str) -> bool:
    """An HS256/384/512 token whose signature verifies with one of jwt.io's example keys."""
    try:
        alg = json.loads(_b64url(header)).get("alg")
        mac = _b64url(signature)
    except (binascii.Error, ValueError, AttributeError, RecursionError):
        return False
    digest = _HMAC_ALGS.get(alg) if isinstance(alg, str) else None
    if digest is None:
        return False
    signed = f"{header}.{payload}".encode()
    return any(
        hmac.compare_digest(hmac.new(key, signed, digest).digest(), mac) for key in _JWT_IO_KEYS
    )


def is_documented_example(value: str) -> bool:
    if value in DOCUMENTED_EXAMPLES or value.endswith(("EXAMPLE", "EXAMPLEKEY")):
        return True
    if value.startswith("eyJ") and value.count(".") >= 2:
        header, payload, signature = value.split(".")[:3]
        try:
            claims = _b64url(payload)
        except (binascii.Error, ValueError):
            return False
        text = claims.decode("utf-8", "replace").replace(" ", "")
        if all(c in text for c in _JWT_EXAMPLE_CLAIMS):
            return True
        return _signed_on_jwt_io(header, payload, signature)
    return False


#: The role claim of a JWT that a client ships to every browser: PostgREST's and Supabase's
#: ``anon`` key only selects the row-level policies anonymous visitors get (a
#: ``service_role`` or ``authenticated`` token is a credential).
_PUBLIC_JWT_ROLE = re.compile(r'"role"\s*:\s*"anon"')


def is_public_jwt(value: str) -> bool:
    """A JWT whose payload names the anonymous role (Supabase's ``anon`` key): public by
    design, as a publishable key is."""
    if not value.startswith("eyJ") or value.count(".") < 2:
        return False
    try:
        claims = _b64url(value.split(".")[1]).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return False
    return _PUBLIC_JWT_ROLE.search(claims) is not None


#: Ciphertext kept in a config file, to be decrypted by the application with a key held
#: elsewhere: Spring Cloud Config's ``{cipher}HEX``, Jasypt's ``ENC(...)``, Vault transit's
#: ``vault:v1:...``, an Ansible Vault header, and Rails' ``MessageEncryptor`` format
#: (``credentials.yml.enc``: data, IV and auth tag in base64 joined by ``--``).
_CIPHERTEXT = re.compile(
    r"""(?x)^(?:
        \{cipher\}[A-Za-z0-9+/=]{16,}
        # Jenkins' credentials.xml ({AQAAABAAAA...}) and EJSON's EJ[1:key:nonce:box]
      | \{AQAAABAAAA[A-Za-z0-9+/=]{16,}\}
      | EJ\[\d:[A-Za-z0-9+/=]{16,}:
      | ENC\([A-Za-z0-9+/=]{8,}\)
      | vault:v\d{1,4}:[A-Za-z0-9+/=]{16,}
      | \$ANSIBLE_VAULT;
      | [A-Za-z0-9+/]{16,}={0,2}--[A-Za-z0-9+/]{12,}={0,2}--[A-Za-z0-9+/]{16,}={0,2}
        # an AWS KMS ciphertext blob: a version byte 1, then the key's ARN header (AQICAH)
      | AQ[EI]CAH[A-Za-z0-9+/]{40,}={0,2}\Z
        # a Bitnami SealedSecret value: the session key's length (two bytes, 0x02..), the
        # RSA-encrypted session key and the AES-GCM data: hundreds of base64 characters
      | Ag[A-Za-z0-9+/]{300,}={0,2}\Z
    )"""
)


def is_ciphertext(value: str) -> bool:
    """An encrypted value: what it hides needs a key that is not in the text."""
    return _CIPHERTEXT.match(value) is not None


#: A password hash in modular crypt format (``$2y$10$...``, ``$6$salt$...``,
#: ``$argon2id$v=19$...``, ``$apr1$``), Django's ``pbkdf2_sha256$N$salt$hash`` or an LDAP
#: ``{SSHA}...``; optionally after the ``user:`` of an htpasswd or shadow line.
_PASSWORD_HASH = re.compile(
    r"""(?x)^(?:[^:\s]{1,64}:)?(?:
        \$(?:2[abxy]?|1|5|6|7|y|gy|md5|sha1|apr1|argon2(?:id|i|d)|scrypt|pbkdf2[\w\-]{0,16})
        \$[./A-Za-z0-9=,$+\-]{8,}
      | (?:pbkdf2_sha\d{1,3}|argon2|bcrypt(?:_sha256)?|scrypt)\$[./A-Za-z0-9=,$+\-]{8,}
      | \{(?:S?SHA(?:256|512)?|S?MD5|CRYPT|PBKDF2[\w\-]{0,16})\}[./A-Za-z0-9+=$]{8,}
        # PostgreSQL's SCRAM verifier (iterations:salt$StoredKey:ServerKey) and md5 hash
      | SCRAM-SHA-(?:1|256)\$\d{1,7}:[A-Za-z0-9+/=]{8,}\$[A-Za-z0-9+/=]{8,}:[A-Za-z0-9+/=]{8,}
      | md5[0-9a-f]{32}\Z
    )"""
)


def is_password_hash(value: str) -> bool:
    """A password hash (or an htpasswd/shadow line holding one): not the password."""
    return _PASSWORD_HASH.match(value) is not None


#: A setting's value under a credential-named key: a number or a duration (``3600s``,
#: ``90d``), a switch, or the name of an algorithm (``argon2id``, ``HS256``, ``aes-256-gcm``).
_SETTING_VALUE = re.compile(
    r"""(?ix)^(?:
        \d{1,12}(?:\.\d{1,6})?(?:ms|s|m|h|d|w|y|sec|secs|min|mins|hours?|days?|weeks?)?
        # Ruby's durations and ranges (6.hours, 12..128): Devise's password settings
      | \d{1,12}\.(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)
      | \d{1,12}\.\.\.?\d{1,12}
      | enabled|disabled|on|off|yes|no|required|optional
      | argon2(?:id|i|d)?|bcrypt|scrypt|pbkdf2(?:[-_]sha\d{1,3})?|sha-?\d{1,3}|md5
      | [hre]s\d{3}|ps\d{3}|eddsa|ed25519|rsa(?:-?\d{3,4})?|ecdsa(?:-p\d{3})?
      | aes-?\d{3}(?:-?(?:gcm|cbc|ctr|siv))?|chacha20(?:-poly1305)?|xchacha20-poly1305
    )$"""
)


def is_setting_value(value: str) -> bool:
    """A value that configures a credential rather than being one."""
    return _SETTING_VALUE.match(value) is not None


def is_low_entropy_sequence(value: str) -> bool:
    """Runs, steps and short repeats: ``abcdefghij``, ``0123456789``, ``aaaa1111``,
    ``abcabcabc``, ``qwertyuiop``. Values under 8 characters are left to other checks."""
    n = len(value)
    if n < 8:
        return False
    low = value.lower()
    steps = sum(1 for a, b in itertools.pairwise(low) if abs(ord(a) - ord(b)) <= 1)
    if steps >= 0.75 * (n - 1):
        return True
    for period in range(1, min(4, n // 3) + 1):
        if all(low[i] == low[i % period] for i in range(n)):
            return True
    if low in _KEYBOARD or low[::-1] in _KEYBOARD:
        return True
    return any(low in walk or low[::-1] in walk for walk in _KEYBOARD_COLUMNS)


def is_short_run(value: str) -> bool:
    """A 6- or 7-character value that is at most two runs (``abc123``, ``123456``,
    ``xyz789``): too short for the ratio of ``is_low_entropy_sequence``, as typed all
    the same."""
    if not 6 <= len(value) < 8:
        return False
    low = value.lower()
    breaks = sum(1 for a, b in itertools.pairwise(low) if abs(ord(a) - ord(b)) > 1)
    return breaks <= 1


def is_repeat(value: str) -> bool:
    """A value that is a shorter part repeated whole (``abc123abc123``, ``passwordpassword``):
    typed, not generated. Values under 8 characters are left to other checks."""
    low = value.lower()
    return len(low) >= 8 and (low + low).find(low, 1) < len(low)


def is_name(value: str) -> bool:
    """A secret's name rather than its value (``api-key-name``)."""
    return _NAME.match(value) is not None


def has_long_run(value: str, length: int = 8) -> bool:
    """``length`` characters in a row stepping up or down by one (``klmnopqr``, ``98765432``):
    in a random token of 62 symbols the chance is about one in 10**12 per position."""
    codes = value.lower().encode("utf-8", "replace")
    up = down = 1
    for a, b in itertools.pairwise(codes):
        up = up + 1 if b - a == 1 else 1
        down = down + 1 if a - b == 1 else 1
        if up >= length or down >= length:
            return True
    return False
