"""The storage API: every database access in execgate goes through this package.

``open_store(url)`` returns a :class:`Store`; the Recorder appends batches of events on a
worker thread, the CLI queries them. No SQL exists outside this package.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from ..models import Event, OutputRecord
from ._chain import Break, BreakCode, VerifyReport
from ._fleet import Lease, check_host_id, host_id, lease_seconds
from ._fleet import host_id as default_host_id
from ._location import (
    DEFAULT_STORE_URL,
    check_store_out_of_reach,
    default_store_path,
    resolve_store_url,
)
from ._postgres import PostgresStore
from ._sql import EventFilter, SqlStore
from ._sqlite import SqliteStore
from ._url import StoreURL, parse_store_url, redact_url


class Store(Protocol):
    """What the Recorder and the CLI call. Blocking; call from a worker thread in async code."""

    @property
    def backend(self) -> str: ...

    url: StoreURL
    #: Stamped on every appended event that names no host.
    host_id: str

    def append(self, events: Sequence[Event], outputs: Sequence[OutputRecord] = ()) -> None: ...

    def outputs(self, job_id: str) -> list[OutputRecord]: ...

    def purge(
        self, *, retention_days: float, output_retention_days: float, now: float | None = None
    ) -> Event | None: ...

    def query(
        self, *, limit: int | None = 100, where: EventFilter | None = None
    ) -> list[Event]: ...

    def verify(self) -> VerifyReport: ...

    def recover_interrupted(self) -> list[str]: ...

    def take_lease(self, host_id: str, pid: int, seconds: float) -> None: ...

    def renew_lease(self, seconds: float) -> bool: ...

    def release_lease(self) -> None: ...

    def recover_expired(self, dead: Sequence[str] = ()) -> list[str]: ...

    def leases(self) -> list[Lease]: ...

    def schema_version(self) -> int: ...

    def close(self) -> None: ...


def open_store(url: str = DEFAULT_STORE_URL, *, host_id: str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at ``url``.

    :data:`DEFAULT_STORE_URL` is the default store of the current directory's workspace.
    ``host_id`` is stamped on the events this store writes (default: :func:`host_id`).
    Raises ``StoreInvalid`` for a malformed URL or host id, ``StoreUnavailable`` when it
    cannot be opened.
    """
    parsed = parse_store_url(resolve_store_url(url, os.getcwd()))
    host = default_host_id() if host_id is None else check_host_id(host_id, "host_id")
    if parsed.scheme == "postgresql":
        return PostgresStore(parsed, host)
    return SqliteStore(parsed, host)


__all__ = [
    "DEFAULT_STORE_URL",
    "Break",
    "BreakCode",
    "EventFilter",
    "Lease",
    "PostgresStore",
    "SqlStore",
    "SqliteStore",
    "Store",
    "StoreURL",
    "VerifyReport",
    "check_host_id",
    "check_store_out_of_reach",
    "default_store_path",
    "host_id",
    "lease_seconds",
    "open_store",
    "parse_store_url",
    "redact_url",
    "resolve_store_url",
]
