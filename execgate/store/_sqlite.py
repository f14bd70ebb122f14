"""The SQLite backend: WAL, FULL sync, one transaction per batch, migrations on open.

All methods are synchronous and blocking; the Recorder calls them on a worker thread, one call
at a time (the connection is shared across threads for that reason, never concurrently).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from ..errors import RecorderUnavailable, StoreUnavailable
from ..models import Event
from ._migrations import MIGRATIONS
from ._url import StoreURL

_COLUMNS = (
    "event_id", "seq", "ts", "kind", "actor", "job_id", "model_id", "session_id", "command",
    "argv", "cwd", "decision", "rule", "code", "reason", "exit_code", "signal", "duration_ms",
    "timed_out", "cancelled", "truncated_bytes", "detail",
)  # fmt: skip
_INSERT = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def _row(event: Event, seq: int) -> tuple[Any, ...]:
    return (
        event.event_id, seq, event.ts, event.kind, event.actor, event.job_id, event.model_id,
        event.session_id, event.command,
        json.dumps(list(event.argv)) if event.argv is not None else None,
        event.cwd, event.decision, event.rule, event.code, event.reason, event.exit_code,
        event.signal, event.duration_ms, event.timed_out, event.cancelled,
        event.truncated_bytes, event.detail,
    )  # fmt: skip


def _event(row: sqlite3.Row) -> Event:
    d = dict(row)
    d.pop("seq")
    if d["argv"] is not None:
        d["argv"] = tuple(json.loads(d["argv"]))
    for flag in ("timed_out", "cancelled"):
        if d[flag] is not None:
            d[flag] = bool(d[flag])
    return Event(**d)


class SqliteStore:
    """A flight-recorder store in one SQLite file."""

    backend = "sqlite"

    def __init__(self, url: StoreURL) -> None:
        self.url = url
        self.path = url.path
        try:
            busy = float(url.params.get("busy_timeout", "2"))
        except ValueError:
            raise StoreUnavailable(f"{url.redacted}: busy_timeout must be a number") from None
        self._lock = threading.Lock()
        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=busy, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise StoreUnavailable(f"{url.redacted}: cannot switch to WAL (got {mode})")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
            row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
            self._seq = int(row[0])
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{url.redacted}: cannot open the store ({exc})") from None
        except OSError as exc:
            raise StoreUnavailable(f"{url.redacted}: cannot open the store ({exc})") from None

    def _migrate(self) -> None:
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = int(row[0] or 0)
        latest = len(MIGRATIONS)
        if current > latest:
            raise StoreUnavailable(
                f"{self.url.redacted}: database schema version {current} is newer than this "
                f"execgate knows ({latest}); upgrade execgate"
            )
        for version in range(current + 1, latest + 1):
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[version - 1].statements:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def append(self, events: Sequence[Event]) -> None:
        """Write ``events`` in one durable transaction, or raise RecorderUnavailable."""
        if not events:
            return
        with self._lock:
            rows = []
            seq = self._seq
            for ev in events:
                seq += 1
                rows.append(_row(ev, seq))
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany(_INSERT, rows)
                    self._db.execute("COMMIT")
                except BaseException:
                    # SQLite may already have rolled back (e.g. SQLITE_FULL on COMMIT): a
                    # second ROLLBACK would fail and hide the real error.
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise RecorderUnavailable(
                    f"the flight recorder ({self.url.redacted}) cannot write: {exc}"
                ) from None
            self._seq = seq

    def query(self, *, limit: int = 100, job_id: str | None = None) -> list[Event]:
        """The newest ``limit`` events (optionally of one job), oldest first."""
        sql = "SELECT * FROM events"
        args: list[Any] = []
        if job_id is not None:
            sql += " WHERE job_id = ?"
            args.append(job_id)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        with self._lock:
            try:
                rows = self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"{self.url.redacted}: cannot read: {exc}") from None
        return [_event(r) for r in reversed(rows)]

    def close(self) -> None:
        with self._lock:
            self._db.close()
