"""Who is calling the MCP server over HTTP: bearer-token verifiers for the SDK's resource server.

Two verifiers, each an ``mcp.server.auth.provider.TokenVerifier``:

* :class:`StaticTokens` — shared secrets, each naming one caller: ``EXECGATE_MCP_TOKEN`` (the
  caller ``default``) and a token file of ``CALLER TOKEN`` lines. Tokens are looked up by
  their SHA-256 digest, so the lookup's timing says nothing about a token's characters.
* :class:`JwtVerifier` — OAuth access tokens as JWTs: signature by a key of a JWKS (a file or
  an ``https`` URL; ``http`` only on loopback), ``iss`` and ``aud`` exactly as configured,
  ``exp`` required and in the future. Only asymmetric algorithms are accepted, and only the
  one the key is for: a token signed ``none``, or HMAC-signed with the public key as the
  secret, is refused.

Either answers ``None`` for a token it does not accept; the SDK's middleware then answers 401
with ``WWW-Authenticate: Bearer ... resource_metadata=...``. The caller's name (a static
token's name; ``jwt:`` and a JWT's ``sub``) becomes its session id in the flight recorder;
names with control characters or longer than :data:`MAX_CALLER` are refused rather than
recorded.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio.to_thread
import jwt
from mcp.server.auth.provider import AccessToken

from ..errors import ServerInvalid

#: Shortest static token accepted (characters): a guessable token is a configuration error.
MIN_TOKEN = 16
#: Longest caller name kept (it is recorded on every event of the caller).
MAX_CALLER = 128
#: Signature algorithms a JWT may use (asymmetric only: the verifier holds public keys).
ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
ENV_TOKEN = "EXECGATE_MCP_TOKEN"


def caller_ok(name: str) -> bool:
    """A caller name worth recording: printable, no spaces at the ends, not too long."""
    return 0 < len(name) <= MAX_CALLER and name.isprintable() and name == name.strip()


#: Namespace of JWT subjects among callers: an identity provider's user ``alice`` is not the
#: static token ``alice`` (static names may not contain ``:``, so they cannot look like one).
JWT_PREFIX = "jwt:"


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class StaticTokens:
    """Bearer tokens given by the operator, each for one named caller."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        """``tokens``: caller name -> token. Raises ``ServerInvalid`` for a short token, a bad
        name, or one token given to two callers."""
        self._by_digest: dict[bytes, str] = {}
        for caller, token in tokens.items():
            if not caller_ok(caller) or ":" in caller:
                raise ServerInvalid(
                    f"token caller name {caller!r}: expected printable characters without `:`"
                )
            if len(token) < MIN_TOKEN:
                raise ServerInvalid(
                    f"the token of caller {caller!r} is shorter than {MIN_TOKEN} characters"
                )
            if self._by_digest.setdefault(_digest(token), caller) != caller:
                raise ServerInvalid(f"caller {caller!r} shares its token with another caller")
        if not self._by_digest:
            raise ServerInvalid("no bearer token configured")

    @classmethod
    def load(cls, token_file: str | None, environ: Mapping[str, str] = os.environ) -> StaticTokens:
        """The tokens of ``EXECGATE_MCP_TOKEN`` (caller ``default``) and of ``token_file``:
        one ``CALLER TOKEN`` per line, ``#`` comments and blank lines ignored."""
        tokens: dict[str, str] = {}
        if environ.get(ENV_TOKEN):
            tokens["default"] = environ[ENV_TOKEN]
        if token_file is not None:
            try:
                text = Path(token_file).read_text()
            except (OSError, UnicodeDecodeError) as exc:
                raise ServerInvalid(f"cannot read the token file {token_file}: {exc}") from None
            for n, line in enumerate(text.splitlines(), 1):
                words = line.split()
                if not words or words[0].startswith("#"):
                    continue
                if len(words) != 2:
                    raise ServerInvalid(f"{token_file}:{n}: expected `CALLER TOKEN`")
                if words[0] in tokens:
                    raise ServerInvalid(f"{token_file}:{n}: caller {words[0]!r} given twice")
                tokens[words[0]] = words[1]
        return cls(tokens)

    async def verify_token(self, token: str) -> AccessToken | None:
        caller = self._by_digest.get(_digest(token))
        if caller is None:
            return None
        return AccessToken(token=token, client_id=caller, scopes=[], subject=caller)


class JwtVerifier:
    """JWT access tokens of one issuer for one audience, checked against a JWKS."""

    def __init__(self, *, issuer: str, audience: str, jwks: str, leeway: float = 30.0) -> None:
        """``jwks``: a path to a JWKS file (read now) or an ``https://`` URL (fetched when a
        token names a key not yet seen; keys are cached). Raises ``ServerInvalid`` for an
        unreadable or empty key set."""
        self.issuer, self.audience, self.leeway = issuer, audience, leeway
        self._client: jwt.PyJWKClient | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        if jwks.startswith(("https://", "http://")):
            host = urllib.parse.urlsplit(jwks).hostname or ""
            if jwks.startswith("http://") and not _loopback(host):
                # keys fetched in the clear could be swapped on the way: anyone could sign
                raise ServerInvalid(f"the JWKS URL must be https (or on loopback): {jwks}")
            self._client = jwt.PyJWKClient(jwks, cache_keys=True, timeout=10)
            return
        try:
            keyset = jwt.PyJWKSet.from_json(Path(jwks).read_text())
        except (OSError, UnicodeDecodeError, jwt.PyJWKSetError, ValueError) as exc:
            raise ServerInvalid(f"cannot load the JWKS {jwks}: {exc}") from None
        self._keys = {k.key_id or "": k for k in keyset.keys}

    async def _key(self, token: str) -> jwt.PyJWK:
        if self._client is not None:
            # PyJWKClient fetches with urllib, blocking: keep it off the event loop
            return await anyio.to_thread.run_sync(self._client.get_signing_key_from_jwt, token)
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys[str(kid)]

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            key = await self._key(token)
            if key.algorithm_name not in ASYMMETRIC:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            return None
        subject = claims["sub"]
        if not isinstance(subject, str) or not caller_ok(subject):
            return None
        client = claims.get("client_id", claims.get("azp", subject))
        exp = claims.get("exp")
        return AccessToken(
            token=token,
            client_id=str(client),
            scopes=str(claims.get("scope", "")).split(),
            expires_at=int(exp) if isinstance(exp, int | float) else int(time.time()),
            subject=JWT_PREFIX + subject,
            claims={"iss": claims["iss"]},
        )


def caller_of(token: AccessToken) -> str:
    """The caller a verified token stands for: its subject, else its client."""
    return token.subject or token.client_id


__all__ = ["JwtVerifier", "StaticTokens", "caller_of"]
