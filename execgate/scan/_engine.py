"""Pure secret scanning and span-exact redaction. No I/O, no event loop.

``scan_text`` returns findings with offsets into the text; ``redact`` replaces exactly those
spans. ``scan_request`` walks every place a request can smuggle a credential into a process:
each argv word and the credential slots of the argv (``--password X``, ``-u user:pass``,
``NAME=value``), the command line, every env override (by name and value), and stdin.

A rule's match becomes a finding only when the extracted value passes the checks of
``_values`` (placeholders, masks, documentation examples, sequences, names) and the rule's
own (a checksum, a Discord snowflake, a PEM body). Prefixed tokens are also looked for inside
base64 runs, found by the base64 of their prefixes (``_wrapped_tokens``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Collection, Iterable, Sequence
from urllib.parse import unquote

import ahocorasick
import attrs

from ..models import ExecRequest, Finding
from ._checksums import CHECKSUMS, entropy
from ._escapes import json_unescaped, without_escapes
from ._examples import PUBLISHED_KEY_BODIES
from ._rules import NOT_A_CREDENTIAL_SUFFIX, RULES, Rule
from ._values import (
    has_long_run,
    is_ciphertext,
    is_documented_example,
    is_fixture_password,
    is_low_entropy_sequence,
    is_name,
    is_password_hash,
    is_placeholder,
    is_public_jwt,
    is_repeat,
    is_setting_value,
    is_short_run,
    says_fake,
)

#: The text that replaces a secret span.
MARKER = "***REDACTED***"
#: Findings at or above this confidence refuse a request; below it they are only redacted.
REJECT_CONFIDENCE = 0.75
#: A base64 value is decoded (once) only up to this size.
MAX_DECODE = 64 * 1024


def _is_word(char: str) -> bool:
    """An ASCII letter, digit or ``_``: tokens are ASCII, so a CJK character or a no-break
    space beside one (``令牌 glpat-...请勿泄露``) is not more of it."""
    return char.isascii() and (char.isalnum() or char == "_")


def _decodes_to_credential(value: str) -> bool:
    """Basic auth and docker config ``auth`` values wrap ``user:password`` (or ``key:``, the
    key as the user name): decode once."""
    if len(value) > MAX_DECODE:
        return True  # too large to check: keep the finding (fail safe)
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    if text.lstrip()[:1] in ("{", "[") or "\n" in text.strip():
        return False  # a document (JSON, lines), not a user and a password
    user, sep, password = text.partition(":")
    if sep and not password:
        # the key as the user name and no password (Stripe's and many APIs' Basic auth)
        return (
            len(user) >= 16
            and any(c.isdigit() for c in user)
            and any(c.isalpha() for c in user)
            and not is_placeholder(user)
            and not is_name(user)
            and entropy(user) >= 3.0
        )
    return bool(sep) and bool(password) and not is_placeholder(password)


def _decodes_to_text(value: str) -> bool:
    """A Kubernetes Secret's data value: base64 of some non-empty UTF-8 text."""
    if len(value) > MAX_DECODE:
        return True
    try:
        plain = base64.b64decode(value, validate=True).decode("utf-8")
        # a whole file (config.json, .dockerconfigjson) is judged by what it holds
        structured = plain.strip()[:1] in ("{", "[") or "\n" in plain.strip()
        return bool(plain) and (structured or not _plain_placeholder(plain))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False


#: The last word of a Secret's data key that holds no secret: a user name, an address, a
#: certificate (``apiUsername``, ``auth.username_in``, ``tls.crt``, ``ca-bundle``).
_K8S_PLAIN_WORDS = frozenset(
    {
        *("user", "username", "login", "address", "url", "uri", "host", "hostname"),
        *("endpoint", "port", "ca", "crt", "cert", "certificate", "bundle"),
    }
)


def _k8s_plain_key(key: str) -> bool:
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", key)]
    if words[-1:] == ["in"]:
        words.pop()
    return bool(words) and words[-1] in _K8S_PLAIN_WORDS


def _k8s_key(m: re.Match[str]) -> str:
    """The data key a Secret's value sits under: the rule's ``key`` group, or the YAML key
    the match starts with."""
    return m.groupdict().get("key") or m.group(0).strip().split(":", 1)[0]


def _k8s_shown_value(key: str, value: str, text: str) -> bool:
    """A Secret's data value whose text holds no secret: under a user-name, address or
    certificate key; a PEM certificate, public key or key armour with no body; a URL with no
    password; shorter than 8 characters (``demo``, ``mpass2``: an example manifest's values);
    or a word the manifest itself shows (``storageos`` in ``type: kubernetes.io/storageos``)."""
    if len(value) > MAX_DECODE:
        return _k8s_plain_key(key)
    try:
        plain = base64.b64decode(value, validate=True).decode("utf-8").strip()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return _k8s_plain_key(key)
    if plain.startswith("-----BEGIN"):
        return "PRIVATE KEY" not in plain.split("\n", 1)[0] or not _pem_has_body(plain)
    if "://" in plain:
        return _URL_USERINFO.search(plain) is None  # a URL shows a secret only in its userinfo
    if plain[:1] in ("{", "[") or "\n" in plain:
        # a whole file kept in the Secret (config.json, an .env): what it holds decides
        return not scan_text(plain, _wrapped=False)
    if _k8s_plain_key(key):
        return True
    if len(plain) < 8:
        return True
    return plain.lower() in set(re.split(r"[^a-z0-9]+", text.lower()))


def _discord_id(value: str) -> bool:
    """A Discord bot token's first segment is the bot's user id (a snowflake: 17-20 digits),
    base64-encoded."""
    head = value.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    except (binascii.Error, ValueError):
        return False
    return raw.isdigit() and 17 <= len(raw) <= 20


#: PEM armour lines, header fields (Proc-Type:, DEK-Info:) and escaped newlines: what is
#: left once they are removed is the key body.
#: (a header's value ends at a newline, escaped too: JSON holds the PEM on one line)
_PEM_NOISE = re.compile(
    r"-----[A-Z0-9 ]{1,64}-----|[A-Za-z-]{1,32}:(?:(?!\\[rn])[^\n])*|\\{1,8}[rn]|[\s\"']"
)


#: Published example keys (RFCs', libraries' test keys): their bodies' first characters.
_PUBLISHED_BODIES = tuple(body for body, _ in PUBLISHED_KEY_BODIES)
#: How key bodies begin: DER's SEQUENCE of an RSA, PKCS #8, EC or Ed25519 key, OpenSSH's
#: magic, an OpenPGP secret-key packet; a body cut short after them is still a key's.
_KEY_BODY_STARTS = ("MII", "MHc", "MC4C", "MF", "MIG", "b3BlbnNzaC1rZXktdjE", "lQ")
_PEM_ARMOUR = re.compile(r"-----[A-Z0-9 ]{1,64}-----")
#: Three words in a row: base64 lines hold no space.
_PROSE = re.compile(r"[A-Za-z]{2,32} [A-Za-z]{2,32} [A-Za-z]{2,32}")


def _pem_has_body(value: str, published: bool = True) -> bool:
    """Armour around a placeholder (``<paste your key here>``, ``...``) or nothing is not
    a key: the body must be base64, at least a few characters of it. With ``published``
    false, a published example key's body (``_examples``) does not count either."""
    body = _PEM_NOISE.sub("", value)
    if not published and body.startswith(_PUBLISHED_BODIES):
        return False
    if _PROSE.search(_PEM_ARMOUR.sub("\n", value)):
        return False  # `-----BEGIN PRIVATE KEY-----this is not a private key-----END...`
    # base64 of key material mixes cases; words do not (`header=footer=`, `keydata`)
    mixed = re.search(r"[a-z]", body) is not None and re.search(r"[A-Z]", body) is not None
    return (
        ((len(body) >= 16 and (mixed or len(body) >= 40)) or body.startswith(_KEY_BODY_STARTS))
        and re.fullmatch(r"[A-Za-z0-9+/=]+", body) is not None
        and not is_placeholder(body)
    )


#: File names given where a credential could be (``--token token.txt``).
_FILE_NAME = re.compile(r"\.(?:txt|json|pem|key|crt|cer|p12|pfx|ya?ml|env|cfg|conf|ini|toml)$")


#: A URL's user and password (``://user:pw@``, ``://:pw@``), the password not empty.
_URL_USERINFO = re.compile(r"://[^/@\s:]{0,256}:[^/@\s]{1,256}@")


def _password_like(value: str) -> bool:
    """A value in a password slot: long enough, not a plain lower-case word, a number, a file
    name, a path or a URL without credentials."""
    if len(value) < 5 or value.isdigit() or _FILE_NAME.search(value):
        return False
    if value.startswith(("/", "./", "../", "~/")) or (
        "://" in value and not _URL_USERINFO.search(value)
    ):
        return False  # a path or a URL without a password (heroku config:set X_URL=https://…)
    if value.isalpha() and value.islower() and len(value) < 12:
        return False
    return entropy(value) >= 1.9


#: Tokens their vendors publish to browsers and apps: Mapbox public tokens (pk.eyJ1...,
#: the secret ones are sk.), Stripe publishable keys, Supabase publishable keys, Datadog's
#: client tokens (``pub`` + 32 hex: the browser RUM and logs SDKs' ``clientToken``).
_PUBLIC_TOKEN = re.compile(r"pk\.eyJ|pk_(?:live|test)_|sb_publishable_|pub[0-9a-f]{32}\Z")
#: Vendor token prefixes (``sk_test_``, ``ghp_``, ``xoxb-``): the keywords of token rules
#: that end as a prefix does.
_TOKEN_PREFIXES = tuple(
    sorted(
        {k for r in RULES if r.bounded for k in r.keywords if len(k) >= 3 and k[-1] in "_-"},
        key=len,
        reverse=True,
    )
)


def _stub_token(value: str) -> bool:
    """A vendor's prefix followed by nothing or a few digits (``sk_test_123``, ``ghp_``):
    a stub standing for a token in a test or a sample, too short to be one."""
    low = value.lower()
    if not low.startswith(_TOKEN_PREFIXES):
        return False
    prefix = next(p for p in _TOKEN_PREFIXES if low.startswith(p))
    body = low[len(prefix) :]
    return len(body) < 8 and (not body or body.isdigit())


#: A template's hole right after a value that ends as a prefix does: the value is a token's
#: prefix to be completed (``dckr_pat_<token>``, ``dop_v1_<your token>``), not a token
#: (``<password>pw</password>`` is XML: a value then a closing tag).
_HOLE_AFTER = re.compile(r"(?<=[_\-.])<(?![/!?])[^<>\n]{1,64}>")
#: A token cut short by a mask (``xoxp-123-456-####``, ``ghp_abc***``, ``sk-abc…``).
_MASK_AFTER = re.compile(r"#{3}|\*{3}|…")
#: A word glued before the credential word that says the value is derived from it or public,
#: or that the token is an anti-forgery nonce sent to every visitor of a form (CSRF/XSRF,
#: Rails' authenticity_token, Django's csrfmiddlewaretoken), not a credential.
_NOT_THE_SECRET_PREFIX = re.compile(
    r"(?i)(?:hash(?:ed)?|public|checksum|sha\d{0,3}|md5|[cx]srf(?:middleware)?|authenticity"
    # a listing's cursor (nextPageToken, NextToken, continuation_token, pageToken)
    r"|(?<![A-Za-z])(?:next[_\-]?(?:page[_\-]?)?|page[_\-]?|continuation[_\-]?|sync[_\-]?"
    r"|cursor[_\-]?|encrypted[_\-]?))"
    r"[_\-]?\Z"
)


def _plain_body(rule: Rule, value: str) -> bool:
    """A vendor token whose random part (the value after its prefix) is a run, a repeat, a
    low-entropy string or holds a long alphabet run (``glc_1111...``, ``hvb.cccc...``,
    ``AIzaSyabcdefghijklmnop...``): a fixture."""
    low = value.lower()
    cut = max((len(k) for k in rule.keywords if low.startswith(k)), default=0)
    body = value[cut:].lstrip("._-")
    return len(body) >= 12 and (
        is_low_entropy_sequence(body) or entropy(body) < 2.5 or has_long_run(body)
    )


def _fixture_token(value: str) -> bool:
    """A long value in a token or key slot holding an alphabet run (``...klmnopqrstuvwx...``):
    generated tokens do not; fixtures do. Password slots are exempt (people pick runs)."""
    return len(value) >= 20 and has_long_run(value)


#: Unquoted values that are code: a subscript or a generic type (``Optional[int]``,
#: ``tokendefs['root']``), or a dotted path of identifiers with no digit (``self._token``,
#: ``Keyword.Reserved``; a legacy Vault token ``s.<24 random>`` has digits).
_CODE_VALUE = re.compile(
    r"[A-Za-z_][\w.]*\[|\[[A-Za-z_]\w*\Z|[A-Za-z_][A-Za-z_]*(?:\.[A-Za-z_][A-Za-z_]*)+:?\Z"
    # a block or a lambda opening (`if tokens := usage.tokens:`, `lambda:`)
    r"|[A-Za-z_][\w.]*:\Z"
)
#: A type's name: three or more capitalised words and no digit (``AssumeRoleCommandOutput``);
#: a random token of that length has a digit or two capitals in a row.
_TYPE_NAME = re.compile(r"_?[A-Z][a-z]{1,24}(?:[A-Z][a-z]{1,24}){2,8}")
#: A vendor prefix with a few characters after it (``dapi12``, ``glpat-3kQ``): a token cut
#: short, or one being typed.
_TRUNCATED = re.compile(r"[a-z]{2,8}[_\-]?[A-Za-z0-9]{0,5}")
#: A URL's scheme: ``mongodb://``, ``s3://``, ``postgresql+psycopg://``.
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,30}://")

#: The credential words a name is built from, as they would be spelled inside a value.
_CREDENTIAL_WORD = re.compile(r"(?i)pass(?:wo?r?d)?|pwd|secret|token|key|credential")


def _identifier_value(text: str, start: int, value: str) -> bool:
    """An unquoted identifier spelling a credential word (``{"x-api-key": anthropicApiKey}``):
    a variable of code, not a literal."""
    return (
        text[start - 1 : start] not in ("'", '"')
        and re.fullmatch(r"[A-Za-z_]\w*", value) is not None
        and _CREDENTIAL_WORD.search(value) is not None
    )


def _code_value(value: str, name: str, spaced: bool) -> bool:
    """An unquoted value that is code rather than a secret: a subscript, a generic type or a
    dotted reference, or an identifier that spells a credential word (``client_secret:
    ClientSecret``, ``tokens: _CodexCliTokens``): a generated secret never spells one."""
    if _CODE_VALUE.match(value):
        return True
    if spaced and re.fullmatch(r"_?[A-Z][a-z]+(?:[A-Z][a-z]*)*", value):
        return True  # `token = Punctuation`: a class or a constant of code
    if not name.lower().startswith(("pass", "pwd")) and _TYPE_NAME.fullmatch(value):
        return True  # `roleCredentials: AssumeRoleCommandOutput;` (a type annotation)
    if spaced and is_name(value) and not name.lower().startswith(("pass", "pwd")):
        return True  # `token = other_name`; an ini file's `password = open_sesame` stays
    word = _CREDENTIAL_WORD.search(value)
    return (
        word is not None
        and re.fullmatch(r"[A-Za-z_]\w*", value) is not None
        and (word.group(0).lower()[:3] == name.lower()[:3] or not any(c.isdigit() for c in value))
    )


def _same_as_user(m: re.Match[str]) -> bool:
    """A URL's password that repeats its user name (a default such as ``postgres:postgres``):
    the text shows it already."""
    head = m.group(0)[3 : m.start("secret") - m.start() - 1]  # between "://" and ":"
    return head.lower() == m.group("secret").lower()


#: A loopback host after a URL's ``@``: a database or a broker on the developer's machine.
_LOOPBACK = re.compile(
    r"(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|0\.0\.0\.0)(?![\w.\-])"
)


#: Anonymous FTP's user: its password is, by convention, the visitor's e-mail address.
_ANONYMOUS = re.compile(r"(?i)(?:anonymous|ftp):")


def _local_default(m: re.Match[str], text: str) -> bool:
    """A URL's password that is one plain lower-case word (``guest``, ``postgres``,
    ``secret``) for a service on a loopback address: the default of a local development
    server, which guards nothing reachable from elsewhere. A generated password on
    localhost still counts (it is usually the same one the deployed service uses)."""
    value = m.group("secret")
    return (
        value.isalpha()
        and value.islower()
        and len(value) <= 12
        and _LOOPBACK.match(text, m.end()) is not None
    )


#: The start of a variable name that a web framework inlines into the code it sends to
#: browsers: Next.js, Vite, Create React App, Expo, Nuxt, Gatsby, SvelteKit.
_PUBLIC_CLIENT_PREFIX = re.compile(
    r"(?:NEXT_PUBLIC|VITE|REACT_APP|EXPO_PUBLIC|NUXT_PUBLIC|NUXT_ENV|GATSBY|PUBLIC|"
    r"VUE_APP|STORYBOOK)_"
)
#: ... and a name word that says the key only searches (Algolia's and Typesense's
#: search-only keys, ``searchOnlyApiKey``, ``ALGOLIA_SEARCH_API_KEY``), not Elasticsearch's
#: or OpenSearch's API keys, which are credentials.
_SEARCH_ONLY = re.compile(
    r"(?:(?<![A-Za-z0-9])(?i:search)|(?<=[a-z])Search)(?<!(?i:elastic)search)"
    r"(?<!(?i:open)search)(?i:[_\-]?only)?[_\-]?\Z"
)
_NAME_START = re.compile(r"[\w.\-]{0,64}\Z")


def _public_client_name(text: str, m: re.Match[str]) -> bool:
    """A key or a token named as public client configuration: a search-only key, or a key
    under a framework's public prefix. A name that says secret or password under such a
    prefix still counts: the prefix published the secret, it did not make it public."""
    head = _NAME_START.search(text, max(0, m.start() - 64), m.start())
    prefix = text[head.start() if head else m.start() : m.start()]
    if _SEARCH_ONLY.search(prefix):
        return True
    word = m.group("name").lower()
    return (
        _PUBLIC_CLIENT_PREFIX.match(prefix) is not None
        and ("key" in word or "token" in word)
        and "secret" not in word
        and "private" not in word
        and "secret" not in prefix.lower()
    )


#: A query string (``sp=r&st=...&sr=c``): the secret in it, if any, is one of its fields
#: (``sig=``, ``password=``), found by its own rule; the rest is not a credential.
_QUERY_STRING = re.compile(
    r"\??[A-Za-z_][\w\-]{0,31}=[^&=\s]{0,256}(?:&[A-Za-z_][\w\-]{0,31}=[^&=\s]{0,256}){2,64}\Z"
)


#: A secret manager's secret and version (``db-password:3``), as gcloud's ``--set-secrets``
#: and ``--update-secrets`` map variables to them.
_SECRET_VERSION = re.compile(r"[\w.\-/]{1,256}:(?:latest|\d{1,6})\Z")
#: GitLab Runner's artifact upload line: it prints only the job token's first 8 characters
#: (``... 201 Created  id=123 responseStatus=201 Created token=ni0yj8eg``).
_GITLAB_UPLOAD_LINE = re.compile(
    r"Uploading artifacts\b[^\n]{0,512}\bresponseStatus=[^\n]{0,64}[ \t]token=\Z"
)


#: A stand-in rule for running the ``token`` check from another check.
_TOKEN_CHECK = Rule("token-check", "generic", (), re.compile(""), 0.0, check="token")


#: A BIP-39 phrase has 12, 15, 18, 21 or 24 words (128 to 256 bits of entropy and a checksum).
_MNEMONIC_LENGTHS = frozenset({12, 15, 18, 21, 24})


def _mnemonic(value: str) -> bool:
    """A wallet's recovery phrase: a BIP-39 length of words, not one word repeated (Hardhat's
    and Anvil's published ``test test ... junk``, the ``abandon ... about`` test vector)."""
    words = value.split()
    return len(words) in _MNEMONIC_LENGTHS and len(set(words)) > len(words) // 3


def _check(rule: Rule, m: re.Match[str], value: str) -> bool:
    if rule.check == "long":
        # a prefixed token with a minimum length over all its dot-separated parts
        return len(value) >= 35
    if rule.check == "mnemonic":
        return _mnemonic(value)
    if rule.check == "discord":
        return _discord_id(value)
    if rule.check == "pem":
        return _pem_has_body(value, published=False)
    if rule.check == "password":
        # an upper-case constant's name (-u ACCOUNT_SID:AUTH_TOKEN) is a slot's placeholder
        return _password_like(value) and not (value.isupper() and is_name(value))
    if rule.check == "token":
        # a token found by weak context: letters and digits, not a name or a file name
        return (
            not _fixture_token(value)
            and any(c.isdigit() for c in value)
            and any(c.isalpha() for c in value)
            and not is_name(value)
            and not _FILE_NAME.search(value)
            and _password_like(value)
        )
    if rule.check == "mixed":
        # a prefixed id whose body mixes digits or cases (not a word in capitals)
        body = value[4:]
        return any(c.isdigit() for c in body) or (
            any(c.isupper() for c in body) and any(c.islower() for c in body)
        )
    if rule.check == "random-hex":
        # 32 random bytes in hex: both digits and letters, no long run (a fixture's 0x0123...)
        body = value.removeprefix("0x").removeprefix("0X")
        return (
            any(c.isdigit() for c in body)
            and any(c.isalpha() for c in body)
            and entropy(body) >= 3.0
            and not has_long_run(body, 6)
        )
    if rule.check == "random":
        # a generated key found by weak context: both cases and a digit, high entropy
        return (
            any(c.isdigit() for c in value)
            and any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and entropy(value) >= 4.0
            and not _fixture_token(value)
        )
    if rule.check == "generated":
        # a value found by a file's name alone: long, letters and digits, high entropy
        return _check(_TOKEN_CHECK, m, value) and len(value) >= 16 and entropy(value) >= 3.0
    if rule.check == "announced":
        # weak context (prose): a token-like value that does not spell a credential word
        return _CREDENTIAL_WORD.search(value) is None and _check(_TOKEN_CHECK, m, value)
    if rule.check == "cookie":
        # a session id: long, random, not a word ("deleted") or a short flag ("yes")
        return len(value) >= 16 and not _fixture_token(value) and _password_like(value)
    if rule.check == "value":
        flag = (m.groupdict().get("flag") or "").lower()
        if not any(w in flag for w in ("pass", "pwd")) and (
            is_name(value) or _FILE_NAME.search(value)
        ):
            return False
        return _password_like(value)
    return True


def _option_value(text: str, start: int) -> bool:
    """Whether the value at ``start`` is the joined value of a short option (``-e`` in
    ``grep -eVALUE``, ``-p`` in ``mysql -pVALUE``): glued to the option's letter, not to a
    word of which it would be a substring."""
    word = max(text.rfind(c, 0, start) for c in " \t\n'\"=") + 1
    return text.startswith("-", word) and not text.startswith("--", word) and start - word <= 3


def _query_param(text: str, start: int) -> bool:
    """Whether the name a match starts inside is a URL query parameter (``?access_token=``,
    ``&api_key=``): its value ends at the next ``&``, which the query rule reads."""
    i = start
    while i > 0 and (_is_word(text[i - 1]) or text[i - 1] == "-"):
        i -= 1
    return i > 0 and text[i - 1] in "?&"


#: A shell prompt (``user@host:~/dir$ ``) glued after output that had no final newline.
_PROMPT = re.compile(r"[\w.\-]{0,64}@[\w.\-]{1,64}:[^\s@]{0,256}?[$#](?:[ \t]|\r?\n|\Z)")


#: Where a bare value stops in a command line (a shell operator, a bracket) though the
#: value goes on in an env dump or a YAML file: ``SECRET_KEY=django-insecure-x)!_k(...``.
_SHELL_STOP = frozenset("`,;{}()<>|&")
#: The start of a line holding only an assignment: a diff's ``+``, indentation, a YAML list
#: dash, ``export``, then the rest of the name before its credential word.
_LINE_HEAD = re.compile(r"\+?[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?[\w.\-]{0,64}\Z")
#: The rest of a line: one word (the value's tail), then spaces.
_LINE_TAIL = re.compile(r"\S{0,4096}?(?=[ \t]*(?:\r?\n|\Z))")


#: The rest of a form-encoded body after a value: ``&name=value`` pairs to the line's end.
_FORM_PAIRS = re.compile(r"(?:&[A-Za-z_][\w\-]{0,31}=[^&=\s]{0,256}){1,64}(?=\s|\Z)")


def _line_value_end(m: re.Match[str], text: str) -> int:
    """Where a bare assignment's value ends: where the pattern stopped, or, for a line that
    holds only the assignment (``printenv``, ``docker compose config``, an .env file), at the
    end of the line's last word: shell operators inside such a value are its characters."""
    end = m.end("secret")
    amp = text.find("&", m.start("secret"), end)
    if (
        amp >= 0
        and m.group("q") is None
        and "=" not in text[m.start("secret") : amp]
        and _FORM_PAIRS.match(text, amp)
    ):
        # `token=...&team_id=...&command=...`: a form body's fields, not one value (a value
        # that is itself a query string, a SAS token's `sv=...&sig=...`, is judged whole)
        return amp
    if m.group("q") is not None or end >= len(text) or text[end] not in _SHELL_STOP:
        return end
    line = text.rfind("\n", 0, m.start()) + 1
    if not _LINE_HEAD.match(text, line, m.start()):
        return end
    tail = _LINE_TAIL.match(text, end)
    return end if tail is None else tail.end()


#: ``cat -A`` (``-e``, ``-E``, ``-vET``) ends each line it shows with ``$``.
_SHOWS_ENDS = re.compile(r"\bcat[ \t]+(?:-[A-Za-z]*[AeE][A-Za-z]*[ \t]+)+")
_MARKED_LINE = re.compile(r"\$\r?\n[^\n]*\$(?:\r?\n|\Z)")


def _without_line_mark(text: str, value: str) -> str:
    """A bare value without the ``$`` that ``cat -A`` put at its line's end
    (``secretAccessKey: string;$``): the file's text is the value before it. Judged so when
    the command is in the text or another line carries the mark too (a password that ends in
    ``$`` keeps it)."""
    if not value.endswith("$") or len(value) < 2:
        return value
    if _SHOWS_ENDS.search(text) or _MARKED_LINE.search(text):
        return value[:-1]
    return value


#: The most characters a context rule's value pattern reads (``{1,4096}``).
_VALUE_CAP = 4096
_WORD_REST = re.compile(r"[^\s\"'`]*")


def _word_end(text: str, end: int) -> int:
    """The end of the word that goes on at ``end`` (no space or quote)."""
    m = _WORD_REST.match(text, end)
    return end if m is None else m.end()


def _glued_prompt(text: str, end: int) -> int | None:
    """Where the ``@`` is of a shell prompt glued at ``end`` (a printed token's file had no
    trailing newline, so ``user@host:~$`` follows it in the same word), or None. A token
    regex may have read into the user name, or stopped inside the token: either way the
    token ends somewhere before the ``@``."""
    m = _PROMPT.match(text, end)
    return None if m is None else text.index("@", end)


#: Vault AppRole's secret id is a credential (the role id is not): an exception to the
#: rule that a name ending in ``_id`` names an identifier.
_VAULT_SECRET_ID = re.compile(r"(?i)_?secret[_\-]?id")
#: ... named alone or for Vault (``VAULT_SECRET_ID``, ``approle_secret_id``); an Azure
#: ``client_secret_id`` is the id of a client secret.
_VAULT_PREFIX = re.compile(r"(?i)(?:(?<![\w-])|vault[_\-]|approle[_\-])\Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: A value filled in by a format or the shell elsewhere: Python's ``%(name)s``, ``%{name}``,
#: Windows' ``%NAME%``, printf's ``%s``.
_FORMAT_REFERENCE = re.compile(
    # (``%NAME%`` then a letter or a digit is a password holding two %: ``%Mf7k%say!``)
    r"%(?:\(|\{|[A-Za-z_]\w{0,64}%(?![A-Za-z0-9])|[-#0 +]?\d{0,3}[sdifrx](?![A-Za-z0-9]))"
)
#: A Kubernetes Secret manifest (``kubectl get secret -o yaml|json``): its data values are base64.
_K8S_SECRET = re.compile(r"kind\"?:[ \t]*\"?Secret\b")
_BASE64_VALUE = re.compile(r"(?:[A-Za-z0-9+/]{4}){1,1024}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _encodes_placeholder(value: str, text: str) -> bool:
    """``value`` is a Kubernetes Secret's data (base64, in a Secret manifest) and what it
    encodes is a placeholder, a fake or a low-entropy sequence (``ZHVtbXk=``: dummy,
    ``Y2hhbmdlbWUtaW4tcHJvZA==``: changeme-in-prod, ``VE9ETw==``: TODO): judged as the
    plain value would be."""
    if not _BASE64_VALUE.fullmatch(value) or not _K8S_SECRET.search(text):
        return False
    try:
        plain = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return _plain_placeholder(plain)


def _plain_placeholder(plain: str) -> bool:
    """A decoded value that stands for a secret rather than being one."""
    return (
        is_placeholder(plain)
        or says_fake(plain)
        or is_low_entropy_sequence(plain)
        or is_repeat(plain)
    )


#: A table row up to a credential name: the row's first cell (or a later one) opens with
#: ``|`` (``│`` in box-drawing tables) and holds only the name.
_CELL_HEAD = re.compile(r"[^\n]{0,512}[|│][ \t]*[\w.\-]{0,64}\Z")
_CELL_TAIL = re.compile(r"[ \t]*[|│]")


def _table_cell(text: str, m: re.Match[str], value: str) -> bool:
    """A credential name's table cell followed by the cell of its value (``| OKTA_API_TOKEN
    | 00hq... |``): the name's cell starts at a ``|``, the value fills the next cell, and is
    not a word (``| DB_PASSWORD | Required |`` documents a variable)."""
    line = text.rfind("\n", 0, m.start()) + 1
    return (
        _CELL_HEAD.match(text, line, m.start()) is not None
        and _CELL_TAIL.match(text, m.end("secret")) is not None
        and not value.isalpha()
    )


def _captured(text: str, start: int) -> bool:
    """Whether the command at ``start`` runs inside a command substitution opened before it
    on its line (``docker run -e X=$(cat /run/secrets/x) ...``, ``--from-literal=K=$(op read
    ...)``): its output became a word of the outer command, it was not printed; the line
    after is the outer command's output."""
    line = text[text.rfind("\n", 0, start) + 1 : start]
    return line.count("$(") > line.count(")") or line.count("`") % 2 == 1


#: The credential word that ends a variable's name (``csrfmiddleware|token``).
_CRED_WORD_END = re.compile(
    r"(?i)(?:password|passwd|pass|pwd|secret|token|api_?key|access_?key|private_?key"
    r"|account_?key|auth_?key|credentials?)\Z"
)
#: A Firebase web app's config object: its ``apiKey`` identifies the project to Google and
#: ships in every page (Firebase documents it as public); ``authDomain`` is the app's
#: ``<project>.firebaseapp.com``.
_FIREBASE_API_KEY_SLOT = re.compile(r"apiKey[\"']?[ \t]*:[ \t]*[\"']?\Z")
_FIREBASE_AUTH_DOMAIN = re.compile(
    r"authDomain[\"']?[ \t]*:[ \t]*[\"'][\w.\-]{1,128}\.firebaseapp\.com[\"']"
)


def _firebase_web_config(text: str, start: int) -> bool:
    """A Google API key in the ``apiKey:`` slot of an object that also has a Firebase
    ``authDomain`` (``const firebaseConfig = {apiKey: "AIza...", authDomain:
    "app.firebaseapp.com", ...}``); a key elsewhere (``GOOGLE_API_KEY=``, ``key=`` in a
    URL) is not this."""
    if _FIREBASE_API_KEY_SLOT.search(text, max(0, start - 16), start) is None:
        return False
    near = text[max(0, start - 512) : start + 512]
    return _FIREBASE_AUTH_DOMAIN.search(near) is not None


#: A user name's slot just before a value (``POSTGRES_USER: ``, ``"username": "``).
_USER_SLOT = re.compile(r"(?i)user(?:name)?[\"']?[ \t]*[:=][ \t]*[\"']?\Z")


def _repeats_name_or_user(text: str, m: re.Match[str], value: str) -> bool:
    """A password that repeats a word of its variable's name (``POSTGRES_PASSWORD=postgres``,
    ``RABBITMQ_DEFAULT_PASS=rabbitmq``: the image's documented default) or the user name set
    beside it (``POSTGRES_USER: app`` / ``POSTGRES_PASSWORD: app``): the text shows it
    already, nothing is hidden."""
    head = _NAME_START.search(text, max(0, m.start() - 64), m.start())
    prefix = text[head.start() if head else m.start() : m.start()]
    low = value.lower()
    if low in re.split(r"[_.\-]+", prefix.lower()):
        return True
    start = m.start("secret")
    lo = max(0, start - 512)
    at = text.find(value, lo, start + 512)
    while at != -1:
        if at != start and _USER_SLOT.search(text, max(0, at - 24), at):
            return True
        at = text.find(value, at + 1, start + 512)
    return False


def _names_a_secret_key(m: re.Match[str], value: str) -> bool:
    """A ``passwordKey`` (Helm charts' ``adminPasswordKey``, ``userPasswordKey`` beside
    ``existingSecret``) names the key inside a Secret that holds the password: a name
    (``postgres-password``) there is the key's name, not the password."""
    name = m.group("name").lower()
    suffix = (m.group("suffix") or "").lower().lstrip("_")
    return name.startswith(("pass", "pwd")) and suffix == "key" and is_name(value)


#: An access key id opening a SigV4 credential scope (``<id>/<yyyymmdd>/<region>/...``, plain
#: or percent-encoded, once or twice as in a URL inside another's query): the id in a signed
#: request's ``Credential=`` or a presigned URL's ``X-Amz-Credential``, which AWS calls the
#: public half; the signature beside it is judged on its own.
_SIGV4_SCOPE = re.compile(
    r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?:/|%(?:25)?2[Ff])\d{8}(?:/|%(?:25)?2[Ff])"
)

#: What a call's name looks like: ``make_token(``, ``getpass.getpass(``; a value with other
#: characters before ``(`` is a Django key's (``_pbp6rf92*gs+8p(use(9rs8!``).
_CALLEE = re.compile(r"(?:\[\])?[A-Za-z_](?:[\w.]|::){0,128}")


def _accept(rule: Rule, m: re.Match[str], text: str) -> float | None:
    """The finding's confidence, or None when the match is not a secret."""
    start, end = m.span("secret")
    value = m.group("secret")
    cut = end  # where the pattern stopped: a call's `(` is looked for there
    if rule.rule_id == "credential-assignment":
        # a value cut at a shell character in a line that holds only the assignment is
        # judged whole (`DJANGO_SECRET_KEY=l=@t&(*jyp...`: not its first five characters)
        # (a statement's `;` or `,` ends it: `secretAccessKey: string;`)
        value = _without_line_mark(text, text[start : _line_value_end(m, text)]).rstrip(";,")
        end = start + len(value)
        if len(value) < 6:
            return None
        stem = value.rstrip(".")
        if stem != value and (is_placeholder(stem) or is_setting_value(stem)):
            return None  # `set processPushSecret: false.` in a comment's sentence
    if start == end or is_documented_example(value) or is_public_jwt(value):
        return None
    if _SIGV4_SCOPE.match(text, start):
        return None  # Credential=AKIA.../20240501/...: the public key id in a signature's scope
    if value.startswith("AIza") and _firebase_web_config(text, start):
        return None  # a Firebase web app's apiKey: public by design
    glued = False
    if rule.bounded:
        # Glued on the right: a substring of a longer word, unless the format carries a
        # checksum that holds (GitHub, npm): the checksum is where the token ends, and a
        # longer word matching it by chance is a one in 62^6 event
        if (
            end < len(text)
            and _is_word(text[end])
            and (rule.checksum is None or not CHECKSUMS[rule.checksum](value))
            and _glued_prompt(text, end) is None
        ):
            return None
        glued = (
            start > 0
            and _is_word(text[start - 1])
            and not _option_value(text, start)
            # a JSON or C escape's letter (`"rotated\ntoken"`) is not a word before it
            and not (text[start - 2 : start - 1] == "\\" and text[start - 1] in "ntrfbv")
        )
        if glued and not rule.glue_left:
            return None
        if says_fake(value) or _MASK_AFTER.match(text, end) or _plain_body(rule, value):
            return None
    if rule.placeholder_check and (
        _PUBLIC_TOKEN.match(value)
        or _HOLE_AFTER.match(text, end)
        or is_placeholder(value)
        or is_low_entropy_sequence(value)
        or is_short_run(value)
        or _stub_token(value)
        or is_repeat(value)
        or says_fake(value)
        or is_ciphertext(value)
        or is_password_hash(value)
        or is_fixture_password(value)
    ):
        return None
    if rule.min_entropy and entropy(value) < rule.min_entropy:
        return None
    if rule.check is not None and not _check(rule, m, value):
        return None
    if rule.rule_id == "credential-assignment":
        if NOT_A_CREDENTIAL_SUFFIX.search(m.group("suffix") or "") and not (
            _VAULT_SECRET_ID.fullmatch(m.group(0)[: m.end("suffix") - m.start()])
            and _VAULT_PREFIX.search(text, max(0, m.start() - 16), m.start())
            and _UUID.fullmatch(value)
        ):
            return None
        if value.startswith(("/", "./", "~/", "../", "$")) or _URL_START.match(value):
            return None  # a path, or a URL (its password, if any, is url-password's)
        if m.group("cell") is not None and not _table_cell(text, m, value):
            return None
        if _FORMAT_REFERENCE.match(value):
            return None  # `password=%(db_password)s`, `%DB_PASSWORD%`: filled in elsewhere
        if _encodes_placeholder(value, text) or (
            _BASE64_VALUE.fullmatch(value)
            and _K8S_SECRET.search(text)
            and _k8s_shown_value(_k8s_key(m), value, text)
        ):
            return None  # a Kubernetes Secret's `password: ZHVtbXk=` ("dummy")
        # a YAML tag (`password: !vault |`, Home Assistant's `!secret name`), not a value
        if value.startswith("!") and ":" in m.group(0)[m.end("suffix") - m.start() :]:
            return None
        name = m.group("name").lower()
        if m.group("q") is not None and value[:1].isspace():
            return None  # a closing quote read as an opening one (`password=' https://x`)
        if _query_param(text, m.start()):
            return None
        if not name.startswith("p") and value.isalpha() and value.islower() and len(value) < 12:
            return None  # `token=expired`, `secret: enabled`: a word, not a generated value
        if " " in value and (not name.startswith(("pass", "pwd")) or value.count(" ") > 2):
            return None  # a passphrase has a few words; a token has none, prose has many
        if not name.startswith(("pass", "pwd")) and _fixture_token(value):
            return None
        if not name.startswith("p") and _TRUNCATED.fullmatch(value):
            return None  # DATABRICKS_TOKEN=dapi12: a prefix and a few characters, cut short
        if not name.startswith("p") and is_name(value):
            return None  # `--secret=api-key-name`, `token: github-deploy-token`
        if _NOT_THE_SECRET_PREFIX.search(text, max(0, m.start() - 16), m.start()):
            return None  # hashed_secret, public_key, secret's checksum
        if _public_client_name(text, m):
            return None  # searchOnlyApiKey, NEXT_PUBLIC_MAPS_API_KEY: shipped to browsers
        if is_setting_value(value):
            return None  # token_ttl=3600s, password_hash_algo=argon2id: a setting's value
        if _names_a_secret_key(m, value):
            return None  # Helm's adminPasswordKey: postgres-password (the key in a Secret)
        if _repeats_name_or_user(text, m, value):
            return None  # POSTGRES_PASSWORD: postgres, the same as POSTGRES_USER
        if re.search(
            re.escape(value) + r"\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?\Z",
            text[max(0, start - len(value) - 12) : start],
        ):
            return None  # "SessionToken": "SessionToken": a skeleton naming its own fields
        if text.startswith("(", cut) and _CALLEE.fullmatch(text[start:cut]):
            return None  # a call in code: password = getpass.getpass("Password: ")
        spaced = bool(re.search(r"\s(?::?=|:)\s*\Z", text[m.end("suffix") : start]))
        if m.group("q") is None and _code_value(value, m.group("name"), spaced):
            return None  # a type or a reference in code: `token: Optional[str]`
        if value.startswith("Ag") and "encryptedData" in text[max(0, start - 4096) : start]:
            return None  # a SealedSecret's ciphertext
        if _SECRET_VERSION.match(value) and "-secrets" in text[max(0, m.start() - 256) : start]:
            return None  # gcloud --set-secrets VAR=secret-name:version names a secret
        if _QUERY_STRING.match(value):
            return None  # a SAS token's fields: the signature in it is its own finding
        if (
            len(value) == 8
            and text[end : end + 1] in ("", "\n", "\r")
            and _GITLAB_UPLOAD_LINE.search(text, max(0, start - 600), start)
        ):
            return None  # the runner's 8-character job token prefix, not the token
    if rule.rule_id in ("authorization-basic", "docker-config-auth", "npmrc-auth") and not (
        _decodes_to_credential(value)
    ):
        return None
    if (
        rule.rule_id == "credential-flag"
        and value.isalpha()
        and re.match(r" [a-z]{2,16} [a-z]{1,16}", text[end : end + 40])
    ):
        return None  # `--token   Prompt for a personal access token`: help text
    if rule.rule_id == "credential-printed" and _captured(text, m.start()):
        return None  # `-e X=$(cat /run/secrets/x)`: the output became an argument
    if rule.rule_id in ("credential-env", "credential-printed") and NOT_A_CREDENTIAL_SUFFIX.search(
        m.groupdict().get("suffix") or m.groupdict().get("flag") or ""
    ):
        return None  # `- name: DB_PASSWORD_FILE`, `AUTH_TOKEN_LIFETIME`: not the credential
    if rule.rule_id in (
        "credential-env",
        "credential-printed",
        "url-query-key",
    ) and _NOT_THE_SECRET_PREFIX.search(_CRED_WORD_END.sub("", m.groupdict().get("flag") or "")):
        return None  # name="csrfmiddlewaretoken" value=...: a form's anti-forgery nonce
    if rule.rule_id == "api-key-header" and (
        _CODE_VALUE.match(value) or is_name(value) or _identifier_value(text, start, value)
    ):
        return None  # {"api-key": self.api_key}, "apiKey": "oa_citations": code, a name
    if rule.rule_id == "url-password" and (
        _same_as_user(m)
        or _local_default(m, text)
        or is_placeholder(unquote(value))
        or _ANONYMOUS.match(m.group(0), 3)
    ):
        return None  # postgres://postgres:postgres@..., guest:guest, a%20secret
    if rule.rule_id == "kubernetes-secret-data" and (
        not _decodes_to_text(value)
        or _k8s_shown_value(
            _k8s_key(m), value, text
        )
    ):
        return None
    if (
        glued
        and rule.rule_id == "stripe-secret-key"
        and text[start - 1].isalpha()
        and len(value) < 40
    ):
        return None  # `task_live_...` in a word; a key glued after a letter is 100 long
    if rule.checksum is not None:
        if CHECKSUMS[rule.checksum](value):
            return 0.99
        # glued to a word and failing its checksum: a substring of something else
        return None if glued else 0.6
    return rule.confidence


# --- prefixed tokens inside base64 ---------------------------------------------------------

#: Prefixes of formats that are found inside base64 (``user:token`` in a Basic header, a
#: docker ``auth``, a CI variable): the base64 of each prefix, at each of the three byte
#: alignments, is a keyword; a hit decodes the base64 run around it and scans the text.
_B64_PREFIXES = (
    *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-"),
    *("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"),
    *("sk-proj-", "sk-ant-", "sk-svcacct-", "AKIA", "ASIA", "hf_", ":hf_", "npm_", "pypi-AgEI"),
    "-----BEGIN",  # a PEM private key stored base64-encoded (Kubernetes, CI variables)
)
#: The base64 of the shortest wrapped token (``x:`` + a 20-character AWS key id) is this long.
_B64_MIN = 28
#: The automaton's rule index for "a base64-encoded prefix".
_B64_INDEX = len(RULES)


def _b64_fragments(prefix: str) -> list[str]:
    """The base64 characters fixed by ``prefix`` alone, at byte offsets 0, 1 and 2."""
    raw = prefix.encode()
    out = []
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + raw + b"\0" * 3).decode()
        out.append(
            "".join(
                c for i, c in enumerate(enc) if 6 * i >= 8 * k and 6 * i + 6 <= 8 * (k + len(raw))
            )
        )
    return out


#: A base64 run forward from a hit (with its padding), and backward (matched on the reversed
#: text before the hit): C-speed scans, each character of a run read once.
_B64_FORWARD = re.compile(r"[A-Za-z0-9+/]*=*")
_B64_BACKWARD = re.compile(r"[A-Za-z0-9+/]*")


def _b64_run(text: str, at: int) -> tuple[int, int]:
    """The base64 run around ``at``. Its start is looked for at most ``MAX_DECODE + 1``
    characters back (a longer run is not decoded anyway); its end is found whole, so that
    the caller skips every other hit inside it."""
    m = _B64_FORWARD.match(text, at)
    b = m.end() if m else at
    lo = max(0, at - MAX_DECODE - 1)
    back = _B64_BACKWARD.match(text[lo:at][::-1])
    a = at - (back.end() if back else 0)
    return a, b


def _wrapped_tokens(text: str, starts: list[int], location: str) -> list[Finding]:
    """Prefixed tokens inside base64 runs: the whole run is the finding (it is what must be
    redacted), with the inner token's rule and confidence."""
    out: list[Finding] = []
    end = 0
    for at in sorted(starts):
        if at < end:
            continue  # inside a run already looked at: one decode per run
        a, b = _b64_run(text, at)
        end = b
        if not _B64_MIN <= b - a <= MAX_DECODE:
            continue
        run = text[a:b].rstrip("=")
        # the run may start with word characters glued before the base64 ("token" + b64):
        # try the four alignments from the hit's side
        for skip in range(4):
            body = run[skip:]
            body = body[: len(body) - len(body) % 4 if len(body) % 4 == 1 else len(body)]
            try:
                raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
            except (binascii.Error, ValueError):
                continue
            decoded = raw.decode("latin-1")
            inner = [
                f
                for f in scan_text(decoded, location, _wrapped=False)
                if (RULES_BY_ID[f.rule_id].glue_left or f.rule_id == "private-key")
                and f.confidence >= REJECT_CONFIDENCE
            ]
            if inner:
                best = max(inner, key=lambda f: f.confidence)
                out.append(
                    Finding(
                        rule_id=best.rule_id,
                        provider=best.provider,
                        location=location,
                        start=a + skip,
                        end=b,
                        confidence=best.confidence,
                    )
                )
                break
    return out


RULES_BY_ID = {rule.rule_id: rule for rule in RULES}


def _build_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    by_keyword: dict[str, list[int]] = {}
    for index, rule in enumerate(RULES):
        for keyword in rule.keywords:
            by_keyword.setdefault(keyword, []).append(index)
    for prefix in _B64_PREFIXES:
        # three-character fragments (hf_ at offsets 1 and 2) hit random base64 too often;
        # ":hf_" covers the user:token case at those offsets
        for fragment in filter(lambda f: len(f) >= 4, _b64_fragments(prefix)):
            indices = by_keyword.setdefault(fragment.lower(), [])
            if _B64_INDEX not in indices:
                indices.append(_B64_INDEX)
    for keyword, indices in by_keyword.items():
        automaton.add_word(keyword, (len(keyword), tuple(indices)))
    automaton.make_automaton()
    return automaton


#: One pass over the lower-cased text finds every keyword of every rule (Aho-Corasick).
_AUTOMATON = _build_automaton()
#: A non-anchored rule's regex searches a window around each keyword hit: this far back (the
#: match may start before the keyword: "Authorization: Bearer", "machine h login u password")
_BACK = 256
#: ... and this far forward (longer than any token). PEM blocks are searched whole.
_FORWARD = 1024
#: The longest match a pattern makes (a name, a separator and a value of up to 4 KiB).
_LONGEST = 8192


def _literal_start(needle: str) -> str:
    """The literal characters a needle regex starts with (a C substring test before it)."""
    m = re.match(r"(?:\\[.\-]|[A-Za-z0-9_])+", needle)
    literal = m.group(0).replace("\\", "") if m else ""
    if not literal:
        raise ValueError(f"a shape rule's needle must start with a literal: {needle!r}")
    return literal


#: Rules with no keyword (a shape distinctive enough on its own: a Discord bot token's
#: base64-encoded user id), tried where their needle regex hits.
_SHAPE_RULES = tuple(
    (i, _literal_start(rule.needle), re.compile(rule.needle))
    for i, rule in enumerate(RULES)
    if not rule.keywords
)
#: Rules searched over the whole text once their keyword appears anywhere in it.
_WHOLE_TEXT = frozenset({"private-key", "kubernetes-secret-data"})
#: Webhook rules whose match starts at the host: the finding covers the URL from its scheme.
_WHOLE_URL = frozenset({"slack-webhook", "discord-webhook"})
_URL_HEAD = re.compile(r"https?://(?:[\w\-]{1,32}\.){0,3}\Z")


def _lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # A few non-ASCII characters lower-case to two code points; keywords are ASCII, so
    # lowering only ASCII keeps every offset.
    return "".join(c.lower() if c.isascii() else c for c in text)


def _windows(starts: list[int], size: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start in sorted(starts):
        a, b = max(0, start - _BACK), min(size, start + _FORWARD)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


#: Above this many keyword hits, a case-sensitive rule searches the whole text in one C call
#: (the regex engine skips ahead on its literal prefix) instead of one Python-level attempt
#: per hit: "://" or "pat" (path=) can hit every line of a log.
_DENSE = 64


def _matches(rule: Rule, text: str, starts: list[int]) -> Iterable[re.Match[str]]:
    if rule.each is None:
        return _candidates(rule, text, starts)
    each = rule.each
    return (
        m
        for command in _candidates(rule, text, starts)
        for m in each.finditer(text, command.start("args"), command.end("args"))
    )


def _candidates(rule: Rule, text: str, starts: list[int]) -> Iterable[re.Match[str]]:
    if len(starts) > _DENSE and not rule.pattern.flags & re.IGNORECASE:
        yield from rule.pattern.finditer(text)
        return
    if rule.anchored:
        # The match begins at a keyword: one anchored attempt per hit, no searching. Hits
        # inside a previous match are skipped (as finditer would), so a run of keywords
        # ("AAAA...", "eyJeyJ...") costs linear, not quadratic, time.
        resume = 0
        for start in sorted(set(starts)):
            if start < resume:
                continue
            m = rule.pattern.match(text, start)
            if m is not None:
                resume = m.end()
                yield m
        return
    if rule.rule_id in _WHOLE_TEXT:
        yield from rule.pattern.finditer(text)
        return
    for a, b in _windows(starts, len(text)):
        for m in rule.pattern.finditer(text, a, b):
            if m.end() == b < len(text):
                # The match reached the window's end: a long value (an ECR password is
                # ~2 KB of base64) runs on past it. Match again from the same start with
                # room for the longest value a pattern takes.
                m = rule.pattern.match(text, m.start(), min(len(text), m.start() + _LONGEST)) or m
            yield m


def scan_text(text: str, location: str = "text", *, _wrapped: bool = True) -> list[Finding]:
    """Every potential secret in ``text``, sorted by start offset, overlaps merged; in text
    with terminal escape sequences, also those the sequences split, and in text with JSON
    escapes (``\\/``, ``\\u002f``), also those the escapes split (see ``_escapes``), each
    spanning the escapes inside it."""
    found = _scan_plain(text, location, _wrapped=_wrapped)
    stripped = without_escapes(text)
    if stripped is not None:
        shown, origin = stripped
        for f in _scan_plain(shown, location, _wrapped=_wrapped):
            found.append(attrs.evolve(f, start=origin[f.start], end=origin[f.end - 1] + 1))
    # (the test inline: a call per text costs a tenth of a short line's scan)
    decoded = json_unescaped(text) if "\\" in text else None
    if decoded is not None:
        plain, starts, ends = decoded
        for f in _scan_plain(plain, location, _wrapped=_wrapped):
            found.append(attrs.evolve(f, start=starts[f.start], end=ends[f.end - 1]))
    if found:
        # a value found once is a secret wherever else the text shows it: a tool echoing
        # what it was given (`az keyvault secret set --value X` prints {"value": "X"})
        again = _elsewhere(text, found)
        if again:
            return _merge(found + again)
    return found if stripped is None and decoded is None else _merge(found)


def _elsewhere(text: str, found: list[Finding]) -> list[Finding]:
    """Findings for the other places near a found value (8 characters or more) where the
    text shows it again: within ``_ECHO_WINDOW`` characters either side, where a tool
    echoes what it was given, so a long output costs a window per value, not a pass."""
    starts = {f.start for f in found}
    seen: set[str] = set()
    out: list[Finding] = []
    for f in found:
        value = text[f.start : f.end]
        if len(value) < 8 or value in seen:
            continue
        seen.add(value)  # each value once: a text of one value repeated stays linear
        stop = min(len(text), f.end + _ECHO_WINDOW)
        at = text.find(value, max(0, f.start - _ECHO_WINDOW), stop)
        while at != -1:
            if at not in starts:
                out.append(attrs.evolve(f, start=at, end=at + len(value)))
            at = text.find(value, at + len(value), stop)
    return out


#: How far from a finding the same value is looked for again.
_ECHO_WINDOW = 16 * 1024


def _scan_plain(text: str, location: str, *, _wrapped: bool = True) -> list[Finding]:
    hits: dict[int, list[int]] = {}
    for end, (length, indices) in _AUTOMATON.iter(_lower_same_length(text)):
        for index in indices:
            hits.setdefault(index, []).append(end - length + 1)
    for index, literal, needle in _SHAPE_RULES:
        if literal in text:
            starts = [m.start() for m in needle.finditer(text)]
            if starts:
                hits[index] = starts
    found: list[Finding] = []
    wrapped = hits.pop(_B64_INDEX, None)
    if wrapped and _wrapped:
        found += _wrapped_tokens(text, wrapped, location)
    for index, starts in hits.items():
        rule = RULES[index]
        seen: set[tuple[int, int]] = set()
        for m in _matches(rule, text, starts):
            span = m.span("secret")
            if span in seen:
                continue
            seen.add(span)
            confidence = _accept(rule, m, text)
            if confidence is None:
                continue
            if span[1] - span[0] >= _VALUE_CAP:
                # a value as long as a pattern reads: the rest of its word is more of it
                span = (span[0], _word_end(text, span[1]))
            elif rule.rule_id == "credential-assignment":
                span = (span[0], _line_value_end(m, text))
            elif rule.rule_id in _WHOLE_URL:
                # the URL is the credential (anyone holding it can post): from its scheme
                head = _URL_HEAD.search(text, max(0, m.start() - 48), m.start())
                span = (head.start() if head else m.start(), span[1])
            elif rule.bounded and span[1] < len(text) and _is_word(text[span[1]]):
                # a prompt glued after the token: cover up to it (the token's own end is
                # not known there)
                span = (span[0], _glued_prompt(text, span[1]) or span[1])
            found.append(
                Finding(
                    rule_id=rule.rule_id,
                    provider=rule.provider,
                    location=location,
                    start=span[0],
                    end=span[1],
                    confidence=confidence,
                )
            )
    return _merge(found)


def _merge(findings: list[Finding]) -> list[Finding]:
    findings.sort(key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for f in findings:
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            if f.end > last.end or f.confidence > last.confidence:
                keep = last if last.confidence >= f.confidence else f
                merged[-1] = Finding(
                    rule_id=keep.rule_id,
                    provider=keep.provider,
                    location=last.location,
                    start=last.start,
                    end=max(last.end, f.end),
                    confidence=max(last.confidence, f.confidence),
                )
            continue
        merged.append(f)
    return merged


# --- credential slots in an argv --------------------------------------------------------

#: Flags whose value is a credential, for every program.
_SECRET_FLAGS = re.compile(
    r"(?i)^--?(?:password|passwd|pass|pwd|token|api[-_]?key|api[-_]?token|access[-_]?token|"
    r"auth[-_]?token|secret|client[-_]?secret|secret[-_]?key|access[-_]?key|private[-_]?token|"
    r"bearer|oauth[-_]?token)$"
)
#: Short flags that carry a password only for these programs (elsewhere -p is a port, a
#: parent directory, a publish spec...).
_PROGRAM_FLAGS: dict[str, tuple[str, ...]] = {
    "mysql": ("-p",),
    "mysqldump": ("-p",),
    "mariadb": ("-p",),
    "mysqladmin": ("-p",),
    "sshpass": ("-p",),
    "redis-cli": ("-a",),
    "docker": ("-p",),
    "podman": ("-p",),
    "helm": ("-p",),
}
#: ``-u user:password`` (and ``--user``) for these programs.
_USER_PASS_PROGRAMS = frozenset({"curl", "wget", "http", "https"})


def _program(argv: tuple[str, ...]) -> str:
    return argv[0].rsplit("/", 1)[-1] if argv else ""


def _slot_value(value: str) -> bool:
    """A value in a credential slot is a secret unless it is a placeholder or too plain."""
    if is_placeholder(value) or value.startswith(("$", "%", "@", "/", "./", "~/")):
        return False
    return len(value) >= 6 and entropy(value) >= 2.0


def argv_slots(argv: tuple[str, ...]) -> list[Finding]:
    """Findings for values in credential slots of ``argv`` (offsets within each word)."""
    out: list[Finding] = []
    prog = _program(argv)
    short = _PROGRAM_FLAGS.get(prog, ())

    def add(i: int, start: int, rule: str, confidence: float = 0.9) -> None:
        if _slot_value(argv[i][start:]):
            out.append(
                Finding(
                    rule_id=rule,
                    provider="generic",
                    location=f"argv[{i}]",
                    start=start,
                    end=len(argv[i]),
                    confidence=confidence,
                )
            )

    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--":
            break
        flag, eq, _attached = word.partition("=")
        if _SECRET_FLAGS.match(flag):
            if eq:
                add(i, len(flag) + 1, "credential-flag")
            elif i + 1 < len(argv):
                add(i + 1, 0, "credential-flag")
                i += 1
        elif any(word == f for f in short) and i + 1 < len(argv):
            add(i + 1, 0, "credential-flag")
            i += 1
        elif (
            prog in ("mysql", "mysqldump", "mariadb", "mysqladmin")
            and word.startswith("-p")
            and len(word) > 2
        ):
            add(i, 2, "credential-flag")
        elif prog in _USER_PASS_PROGRAMS and word in ("-u", "--user") and i + 1 < len(argv):
            user, sep, _ = argv[i + 1].partition(":")
            if sep:
                add(i + 1, len(user) + 1, "credential-userpass")
            i += 1
        i += 1
    return out


#: Request fields stored in the flight recorder as given (besides argv, the command line and
#: env overrides): each is scanned and redacted like them.
RECORDED_FIELDS = ("cwd", "job_id", "model_id", "session_id")


@functools.lru_cache(maxsize=1024)
def _scan_field(value: str, field: str) -> tuple[Finding, ...]:
    # the model, the session and the cwd repeat from request to request
    return tuple(scan_text(value, field))


def _first(item: tuple[str, str | None]) -> str:
    return item[0]


def scan_request(request: ExecRequest) -> list[Finding]:
    """Every potential secret anywhere in the request: argv, the command line, the recorded
    fields (cwd and the ids), env override names and values, stdin."""
    findings: list[Finding] = []
    if request.argv is not None:
        for i, word in enumerate(request.argv):
            findings += scan_text(word, f"argv[{i}]")
        findings += argv_slots(request.argv)
        # A credential split over words ("-H", "Authorization: Bearer", "x") is also caught
        # on the joined line.
        if not findings:
            findings += scan_text(" ".join(request.argv), "argv")
    if request.command is not None:
        findings += scan_text(request.command, "command")
    # Every field that is recorded is scanned: a secret in an id or the cwd would otherwise
    # be stored verbatim (and shown by ``log`` and ``export``).
    for field in RECORDED_FIELDS:
        value = getattr(request, field)
        if value:
            findings += _scan_field(value, field)
    for i, (name, value) in enumerate(sorted(request.env_overrides.items(), key=_first)):
        name_findings = scan_text(name, f"env-name[{i}]")
        findings += name_findings
        # A location is shown in refusal reasons: it names the variable only when the name
        # itself is not a secret.
        where = f"env[{i}]" if name_findings else f"env:{name}"
        if value is not None:
            findings += scan_text(value, where)
            findings += [
                Finding(
                    rule_id=f.rule_id,
                    provider=f.provider,
                    location=where,
                    start=f.start - len(name) - 1,
                    end=f.end - len(name) - 1,
                    confidence=f.confidence,
                )
                for f in scan_text(f"{name}={value}", where)
                if f.start >= len(name) + 1
            ]
    if request.stdin:
        # latin-1 maps each byte to one code point, so offsets are byte offsets.
        findings += scan_text(bytes(request.stdin).decode("latin-1"), "stdin")
    return findings


def known_words(request: ExecRequest) -> frozenset[str]:
    """The whitespace-separated words of the request's text as sent: ``scan_request`` read
    each of them bounded by whitespace, so a decoded word equal to one is not scanned again."""
    words: set[str] = set()
    if request.command is not None:
        words.update(request.command.split())
    for word in request.argv or ():
        words.add(word)
        words.update(word.split())
    return frozenset(words)


def scan_words(
    groups: Sequence[Sequence[str]], known: Collection[str] = frozenset()
) -> list[Finding]:
    """Findings in words a shell makes of the request (``policy.request_words``): each word
    not in ``known``, the credential slots of each group read as an argv, and a group's words
    joined when no word of it holds one. A finding's location is ``words[N][M]`` (word M of
    group N) or ``words[N]`` (the group joined by spaces); offsets are into that text."""
    findings: list[Finding] = []
    for n, words in enumerate(groups):
        if all(w in known for w in words):
            continue  # every word was scanned as sent
        own: list[Finding] = []
        for m, word in enumerate(words):
            if word not in known:
                own += scan_text(word, f"words[{n}][{m}]")
        own += [
            attrs.evolve(f, location=f"words[{n}]{f.location.removeprefix('argv')}")
            for f in argv_slots(tuple(words))
        ]
        if not own and len(words) > 1:
            own += scan_text(" ".join(words), f"words[{n}]")
        findings += own
    return findings


def word_text(groups: Sequence[Sequence[str]], location: str) -> str | None:
    """The text a ``words[N][M]`` or ``words[N]`` location of ``scan_words`` names."""
    m = re.fullmatch(r"words\[(\d+)\](?:\[(\d+)\])?", location)
    if m is None or int(m.group(1)) >= len(groups):
        return None
    words = groups[int(m.group(1))]
    if m.group(2) is None:
        return " ".join(words)
    return words[int(m.group(2))] if int(m.group(2)) < len(words) else None


def refusing(findings: Iterable[Finding], threshold: float = REJECT_CONFIDENCE) -> list[Finding]:
    """The findings that refuse a request (the rest are only redacted)."""
    return [f for f in findings if f.confidence >= threshold]


def redact(
    text: str, findings: Iterable[Finding] | None = None, *, location: str | None = None
) -> str:
    """``text`` with each finding's span replaced by ``***REDACTED***`` (scanning first when
    no findings are given)."""
    if findings is None:
        findings = scan_text(text)
    spans = sorted(
        (f for f in findings if location is None or f.location == location),
        key=lambda f: f.start,
    )
    out: list[str] = []
    pos = 0
    for f in spans:
        if f.start < pos:
            continue
        out.append(text[pos : f.start])
        out.append(MARKER)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str) -> str:
    """Scan and redact in one step."""
    return redact(text, scan_text(text))


#: How a NUL byte of program output reads once decoded for the store (U+2400, SYMBOL FOR
#: NULL: a database cannot hold NUL). UTF-16 text of ASCII characters (what Windows editors
#: and PowerShell write) decodes as UTF-8 to each character next to one of these.
STORED_NUL = "\u2400"
#: Runs of UTF-16 and UTF-32 text in decoded output: a character then one or three NULs
#: (little-endian), or the NULs then the character (big-endian); eight characters at least,
#: fewer can hold no secret. A BOM decodes to U+FFFD and is left outside the run. Non-ASCII
#: characters (more than one byte set) end a run, and ASCII is what secrets and their keywords
#: are written in. Each entry: pattern, stride, offset of the character within its unit.
_WIDE_RUNS = (
    (re.compile("(?:[^\u2400]\u2400){8,}"), 2, 0),
    (re.compile("(?:\u2400[^\u2400]){8,}"), 2, 1),
    (re.compile("(?:[^\u2400]\u2400{3}){8,}"), 4, 0),
    (re.compile("(?:\u2400{3}[^\u2400]){8,}"), 4, 3),
)


def redact_output(text: str) -> str:
    """:func:`redact_text` for decoded program output, where UTF-16 and UTF-32 text is also
    scanned: each run of it is read without its NULs and each finding is mapped back to the
    characters (and the NULs between them) it spans, so a secret written as UTF-16 or UTF-32
    is redacted like one written as UTF-8. Output without a NUL costs one search more than
    :func:`redact_text`; with NULs, each run is scanned once more (linear in its length)."""
    findings = scan_text(text)
    if STORED_NUL in text:
        for pattern, stride, offset in _WIDE_RUNS:
            for run in pattern.finditer(text):
                narrow = run.group()[offset::stride]
                base = run.start()
                for f in scan_text(narrow):
                    # narrow character i is at base + stride*i + offset; its unit starts at
                    # base + stride*i
                    findings.append(
                        attrs.evolve(f, start=base + stride * f.start, end=base + stride * f.end)
                    )
    return redact(text, findings)


def describe(findings: Iterable[Finding]) -> str:
    """A refusal reason naming where and what kind of secret was seen, never its value."""
    parts: dict[str, list[str]] = {}
    for f in findings:
        parts.setdefault(f.location, [])
        if f.rule_id not in parts[f.location]:
            parts[f.location].append(f.rule_id)
    where = "; ".join(f"{loc}: {', '.join(rules)}" for loc, rules in parts.items())
    return (
        f"potential secret in the request ({where}); pass credentials through the policy's "
        "environment or a credential helper, never on the command line, env overrides or stdin"
    )


class StreamRedactor:
    """Redacts a stream chunk by chunk, for output that is logged as it arrives.

    A secret can straddle two chunks, so the last ``overlap`` characters of what was fed are
    held back until more arrives (or :meth:`flush`): every secret shorter than ``overlap`` is
    seen whole. Feed text (decode bytes first); the concatenation of everything returned by
    :meth:`feed` and :meth:`flush` equals ``redact(whole stream)`` for such secrets.
    """

    def __init__(self, overlap: int = 4096, max_pending: int = 1024 * 1024) -> None:
        self.overlap = overlap
        #: An unterminated PEM block holds the cut back; past this much, what is held is
        #: emitted redacted as it stands (the open block is redacted to its end), so memory
        #: stays bounded whatever the stream does.
        self.max_pending = max_pending
        self._pending = ""

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk
        findings = scan_text(text)
        cut = max(0, len(text) - self.overlap)
        # never cut inside a finding: move the cut back to the start of one that crosses it
        for f in findings:
            if f.start < cut < f.end:
                cut = f.start
        if len(text) - cut > self.max_pending:
            self._pending = ""
            return redact(text, findings)
        self._pending = text[cut:]
        return redact(text[:cut], [f for f in findings if f.end <= cut])

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return redact(text)
