"""The storage API: every database access in execgate goes through this package.

``open_store(url)`` returns a :class:`Store`; the Recorder appends batches of events on a
worker thread, the CLI queries them. No SQL exists outside this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..models import Event
from ._sqlite import SqliteStore
from ._url import DEFAULT_STORE_URL, StoreURL, parse_store_url, redact_url


class Store(Protocol):
    backend: str

    def append(self, events: Sequence[Event]) -> None: ...

    def query(self, *, limit: int = 100, job_id: str | None = None) -> list[Event]: ...

    def close(self) -> None: ...


def open_store(url: str = DEFAULT_STORE_URL) -> Store:
    """Open (creating and migrating as needed) the store at ``url``.

    Raises ``StoreInvalid`` for a malformed URL, ``StoreUnavailable`` when it cannot be opened.
    """
    parsed = parse_store_url(url)
    return SqliteStore(parsed)


__all__ = [
    "DEFAULT_STORE_URL",
    "SqliteStore",
    "Store",
    "StoreURL",
    "open_store",
    "parse_store_url",
    "redact_url",
]
