"""Store URLs: parsing, and a redacted form that is safe to show in logs and errors."""

from __future__ import annotations

import os
import re
import urllib.parse

import attrs

from ..errors import StoreInvalid


@attrs.frozen
class StoreURL:
    scheme: str
    path: str
    params: dict[str, str]
    raw: str

    @property
    def redacted(self) -> str:
        return redact_url(self.raw)


#: The user-info part of a URL that does not parse: everything up to its last ``@``, so a
#: password is masked even when the rest of the URL is malformed.
_USERINFO = re.compile(r"^([^:/?#]*://[^:@/?#]*)(:.*)@")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (a URL that does not parse included)."""
    try:
        parts = urllib.parse.urlsplit(url)
        password = parts.password
    except ValueError:
        return _USERINFO.sub(r"\1:***@", url, count=1)
    if password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


def parse_store_url(url: str) -> StoreURL:
    """Accepts ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, a bare file
    path (taken as SQLite), and ``postgresql://user:pass@host:port/db?params``."""
    if "://" not in url:
        return StoreURL("sqlite", os.path.abspath(url), {}, url)
    try:
        parts = urllib.parse.urlsplit(url)
        hostname = parts.hostname
        _ = parts.port  # a port that is not a number is refused here, not at connect
    except ValueError as exc:
        raise StoreInvalid(f"store URL {redact_url(url)!r}: not a valid URL ({exc})") from None
    params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    if parts.scheme == "sqlite":
        if parts.netloc:
            raise StoreInvalid(
                f"store URL {redact_url(url)!r}: sqlite URLs have no host; use sqlite:///path"
            )
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not path:
            raise StoreInvalid(f"store URL {redact_url(url)!r}: no database path")
        return StoreURL("sqlite", os.path.abspath(path), params, url)
    if parts.scheme in ("postgresql", "postgres"):
        if not hostname and not params.get("host"):
            raise StoreInvalid(f"store URL {redact_url(url)!r}: no host")
        return StoreURL("postgresql", parts.path.lstrip("/"), params, url)
    raise StoreInvalid(
        f"store URL {redact_url(url)!r}: unsupported backend {parts.scheme!r} "
        "(supported: sqlite, postgresql)"
    )
