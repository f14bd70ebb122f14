"""The SQLite backend: WAL, ``synchronous=FULL``, one ``BEGIN IMMEDIATE`` transaction a batch.

URL: ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``; query parameter
``busy_timeout`` (seconds, default 2) bounds how long a write waits for a lock held by another
connection before it fails (and, for a decision, the request is refused: fail closed).
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any, ClassVar

from ..errors import StoreUnavailable
from ._sql import SqlStore, bools_as_ints


def _null(value: None) -> None:
    return value


def _bind_fast() -> None:
    """Bind ``None`` and booleans through adapters that give what binding gave anyway.

    Python 3.11's ``sqlite3`` looks for an adapter for every parameter that is not exactly an
    int, float, str or bytearray; for ``None`` and ``bool`` the miss costs a formatted and
    discarded AttributeError, several times the cost of binding an int. An event row has a
    dozen NULL columns, so that was a large share of the writer's time. With
    adapters registered the lookup hits: ``None`` comes back unchanged (bound as NULL) and a
    bool as the int SQLite stored for it before. ``sqlite3.adapters`` is process-wide: these
    entries change no stored value for anyone, only the speed, and one the application registered
    itself is left in place.
    """
    # Never replace an adapter the host application registered for its own use.
    if (type(None), sqlite3.PrepareProtocol) not in sqlite3.adapters:
        sqlite3.register_adapter(type(None), _null)
    if (bool, sqlite3.PrepareProtocol) not in sqlite3.adapters:
        sqlite3.register_adapter(bool, int)


class SqliteStore(SqlStore):
    backend: ClassVar[str] = "sqlite"
    param: ClassVar[str] = "?"

    def _connect(self) -> Any:
        _bind_fast()
        url = self.url
        try:
            busy = float(url.params.get("busy_timeout", "2"))
        except ValueError:
            raise StoreUnavailable(f"{url.redacted}: busy_timeout must be a number") from None
        # The record is the owner's alone: a new directory 0700, a new file 0600 (SQLite
        # gives its -wal and -shm files the database file's mode).
        os.makedirs(os.path.dirname(url.path) or ".", mode=0o700, exist_ok=True)
        if not os.path.exists(url.path):
            os.close(os.open(url.path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
        # isolation_level=None: we issue BEGIN ourselves, so a batch is exactly one
        # transaction. check_same_thread=False: the Recorder's worker threads take turns.
        conn = sqlite3.connect(
            url.path, timeout=busy, isolation_level=None, check_same_thread=False
        )
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            conn.close()
            raise StoreUnavailable(f"{url.redacted}: cannot switch to WAL (got {mode})")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def _bindable(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if sqlite3.adapters.get((bool, sqlite3.PrepareProtocol)) is int:
            return rows  # ours (see _bind_fast): booleans bind as 0/1
        # The application adapts bools its own way ("yes"/"no", say): that must not reach
        # our rows, where verify would read it back as a different value than was hashed.
        return [bools_as_ints(r) for r in rows]

    def _begin(self, cur: Any) -> None:
        cur.execute("BEGIN IMMEDIATE")
