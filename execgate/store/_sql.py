"""What both SQL backends share: rows, queries, migrations, chains, verification, recovery.

A backend supplies a DB-API connection and a few dialect hooks; everything else — the one SQL
text of each statement, the migration driver, the hash chain, crash recovery — lives here, so
SQLite and PostgreSQL behave the same by construction. Methods are synchronous and blocking:
the Recorder calls them on a worker thread, one call at a time.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import itertools
import json
import operator
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import attrs

from .._units import shown
from ..errors import LeaseLost, RecorderUnavailable, StoreUnavailable
from ..models import Event, OutputRecord, check_text, new_event_id
from ._chain import (
    GENESIS,
    Break,
    BreakCode,
    Chain,
    VerifyReport,
    anchors_digest,
    invalid_value,
    json_text,
    verify_chain,
)
from ._fleet import Lease
from ._fleet import host_id as default_host_id
from ._migrations import MIGRATIONS
from ._url import StoreURL

#: The event columns, in the order the chain hash covers them. Changing this order or set
#: changes what every stored hash means: add a new chain format instead. ``host_id`` is last:
#: rows stored before it existed hold NULL there and are hashed without it (see _chain.py).
EVENT_FIELDS = (
    "event_id", "ts", "kind", "actor", "job_id", "model_id", "session_id", "command", "argv",
    "cwd", "decision", "rule", "code", "reason", "exit_code", "signal", "duration_ms",
    "timed_out", "cancelled", "truncated_bytes", "detail", "host_id",
)  # fmt: skip
assert set(EVENT_FIELDS) == {a.name for a in attrs.fields(Event)}, "Event changed: see above"
CHAIN_FIELDS = ("chain_id", "chain_seq", "prev_hash", "hash")
COLUMNS = EVENT_FIELDS + CHAIN_FIELDS


@attrs.frozen
class EventFilter:
    """Which events ``query`` returns. All given conditions must hold."""

    job_id: str | None = None
    session_id: str | None = None
    model_id: str | None = None
    decision: str | None = None
    kind: str | None = None
    since: float | None = None  # unix seconds
    #: Events written on this host (rows older than host ids: by their chain's lease).
    host_id: str | None = None
    #: Kinds left out (``execgate log`` leaves out the gates' start and stop rows).
    exclude_kinds: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        # A filter that is not UTF-8 text (a lone surrogate from a command line's undecodable
        # byte) matches nothing a gate writes and no database driver can send: it is the
        # caller's mistake (RequestError, EG-REQUEST-INVALID), not the store failing.
        for name in ("job_id", "session_id", "model_id", "decision", "kind", "host_id"):
            check_text(name, getattr(self, name))


_ROW = f"({', '.join('?' * len(COLUMNS))})"
_INSERT_EVENT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES {_ROW}"
#: Rows per multi-row INSERT: one statement step per 32 events instead of per event (more
#: events/s on SQLite), and 32 x 26 parameters stays under SQLite's oldest limit (999).
_ROWS_PER_INSERT = 32
assert _ROWS_PER_INSERT * len(COLUMNS) <= 999, "over SQLite's oldest parameter limit"
_INSERT_EVENTS = f"{_INSERT_EVENT}{f', {_ROW}' * (_ROWS_PER_INSERT - 1)}"
_INSERT_OUTPUT = "INSERT INTO outputs (event_id, job_id, ts, stdout, stderr) VALUES (?, ?, ?, ?, ?)"
_get_head = operator.attrgetter(*EVENT_FIELDS[:-1])  # all but the host id
_ARGV = EVENT_FIELDS.index("argv")
_HOST = EVENT_FIELDS.index("host_id")
assert len(EVENT_FIELDS) - 1 == _HOST, "the host id is the last event value (see _chain.py)"
_KIND = EVENT_FIELDS.index("kind")
_BOOLS = tuple(EVENT_FIELDS.index(f) for f in ("timed_out", "cancelled"))


def _event_values(ev: Event, host: str) -> tuple[Any, ...]:
    """The column values of ``ev``; ``host`` when it names none."""
    values: tuple[Any, ...] = _get_head(ev)
    argv = values[_ARGV]
    if argv is None:
        return (*values, ev.host_id or host)
    return (*values[:_ARGV], json_text(argv), *values[_ARGV + 1 :], ev.host_id or host)


def _event_inserts(
    rows: Sequence[tuple[Any, ...]],
) -> list[tuple[str, Sequence[Sequence[Any]]]]:
    """The statements that insert ``rows`` (event rows with their chain columns): whole
    groups through the multi-row INSERT, the rest one row a statement."""
    whole = len(rows) - len(rows) % _ROWS_PER_INSERT
    statements: list[tuple[str, Sequence[Sequence[Any]]]] = []
    if whole:
        groups = [
            tuple(itertools.chain.from_iterable(rows[i : i + _ROWS_PER_INSERT]))
            for i in range(0, whole, _ROWS_PER_INSERT)
        ]
        statements.append((_INSERT_EVENTS, groups))
    if whole < len(rows):
        statements.append((_INSERT_EVENT, rows[whole:]))
    return statements


def bools_as_ints(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``row`` with its boolean event columns as 0/1 (what SQLite stores for them)."""
    values = list(row)
    for i in _BOOLS:
        if values[i] is not None:
            values[i] = int(values[i])
    return tuple(values)


def _normalise(row: Sequence[Any]) -> tuple[Any, ...]:
    """A stored row with backend quirks removed (SQLite's 0/1 booleans)."""
    values = list(row)
    for i in _BOOLS:
        if values[i] is not None:
            values[i] = bool(values[i])
    return tuple(values)


def invalid_text(value: object) -> str:
    """What a reader is shown for a stored value no gate writes (a BLOB, say): the break
    code ``execgate verify`` reports for it, never the value."""
    return f"[execgate: EG-VALUE-INVALID: a {type(value).__name__} value no gate writes]"


def _to_event(row: Sequence[Any]) -> Event:
    d = dict(zip(EVENT_FIELDS, row[: len(EVENT_FIELDS)], strict=True))
    argv = d.pop("argv")
    for name, value in d.items():
        if not isinstance(value, _STORED_TYPES):
            d[name] = invalid_text(value)  # `execgate verify` reports the row
    if argv is not None:
        words = None
        if isinstance(argv, str):
            with contextlib.suppress(ValueError):
                words = json.loads(argv)
        valid = isinstance(words, list) and all(isinstance(w, str) for w in words)
        d["argv"] = tuple(words) if valid else (invalid_text(argv),)  # type: ignore[arg-type]
    return Event(**d)


def _shown_text(value: object) -> str | None:
    return value if value is None or isinstance(value, str) else invalid_text(value)


#: The types of the values a gate stores (SQLite's booleans normalised).
_STORED_TYPES = (str, int, float, type(None))


class SqlStore(abc.ABC):
    """A flight-recorder store over one DB-API connection."""

    backend: ClassVar[str]
    #: The DB-API parameter marker of the driver ("?" or "%s").
    param: ClassVar[str]

    def __init__(self, url: StoreURL, host_id: str | None = None) -> None:
        self.url = url
        #: The host id stamped on every event appended without one (see ``_fleet.py``).
        self.host_id = default_host_id() if host_id is None else host_id
        self._lock = threading.Lock()
        self._chain = Chain()
        #: This writer holds a lease (take_lease): its writes check that it was not recovered.
        self._leased = False
        self._conn: Any = None
        try:
            self._conn = self._connect()
            self._migrate()
        except StoreUnavailable:
            self._close_quietly()
            raise
        except Exception as exc:
            self._close_quietly()
            raise StoreUnavailable(f"{url.redacted}: cannot open the store ({exc})") from None

    # --- backend hooks -------------------------------------------------------------------

    @abc.abstractmethod
    def _connect(self) -> Any: ...

    @abc.abstractmethod
    def _begin(self, cur: Any) -> None:
        """Start a write transaction (and, for migrations, exclude other migrators)."""

    def _migration_lock(self, cur: Any) -> None:  # noqa: B027  (optional hook)
        """Serialise concurrent migrators (a no-op where ``_begin`` already does)."""

    def _bindable(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows as the driver must receive them (hashed as they are)."""
        return rows

    def _reconnect_if_broken(self) -> None:  # noqa: B027  (optional hook)
        """Replace a connection the server dropped (no-op for embedded databases)."""

    #: Appended to the SELECT that claims expired leases: skip rows another recoverer holds
    #: (PostgreSQL); SQLite's write transaction already excludes other writers.
    _claim_lock: ClassVar[str] = ""
    #: Locks the row a writer reads its own lease from (PostgreSQL), so that a recovery of
    #: this gate and a write of its events are serialised: one of them sees the other.
    _row_lock: ClassVar[str] = ""

    def _db_now(self, cur: Any) -> float:
        """The clock lease times are read and written in (the database's, where it has one)."""
        return time.time()

    def _chain_start_lock(self, cur: Any) -> None:  # noqa: B027  (optional hook)
        """Serialise chain starts inside a write transaction (a no-op where ``_begin``
        already excludes other writers), so the chains form one sequence."""

    # --- helpers -------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text.replace("?", self.param) if self.param != "?" else text

    def _close_quietly(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A cursor inside one write transaction: committed on success, else rolled back."""
        cur = self._conn.cursor()
        try:
            self._begin(cur)
            yield cur
            self._conn.commit()
        except BaseException:
            # The server may have rolled back already (e.g. disk full): keep the real error.
            with contextlib.suppress(Exception):
                self._conn.rollback()
            raise
        finally:
            cur.close()

    def _write(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        """Run ``statements`` (sql, many rows) in one committed transaction; refused
        (:class:`LeaseLost`) once another gate recovered this one (:meth:`_check_lease`)."""
        with self._transaction() as cur:
            self._check_lease(cur)
            for sql, rows in statements:
                cur.executemany(self._sql(sql), rows)

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self._conn.cursor()
        try:
            cur.execute(self._sql(sql), tuple(args))
            rows = [tuple(r) for r in cur.fetchall()]
        finally:
            cur.close()
        if not getattr(self._conn, "autocommit", False):
            self._conn.rollback()  # end the read transaction (PostgreSQL)
        return rows

    # --- migrations ----------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._transaction() as cur:
            self._migration_lock(cur)
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cur.execute("SELECT MAX(version) FROM schema_version")
            current = int(cur.fetchone()[0] or 0)
            latest = len(MIGRATIONS)
            if current > latest:
                raise StoreUnavailable(
                    f"{self.url.redacted}: database schema version {current} is newer than "
                    f"this execgate knows ({latest}); upgrade execgate"
                )
            for migration in MIGRATIONS[current:]:
                for statement in migration.statements:
                    cur.execute(statement)
                cur.execute(
                    self._sql("INSERT INTO schema_version (version) VALUES (?)"),
                    (migration.version,),
                )

    def schema_version(self) -> int:
        with self._lock:
            return int(self._read("SELECT MAX(version) FROM schema_version")[0][0] or 0)

    # --- the storage API -----------------------------------------------------------------

    def append(self, events: Sequence[Event], outputs: Sequence[OutputRecord] = ()) -> None:
        """Write ``events`` to this writer's chain, and ``outputs``, in one durable
        transaction.

        Raises :class:`RecorderUnavailable` if the transaction did not commit; the chain then
        stays where it was, so a retry continues it without a gap.
        """
        if not events and not outputs:
            return
        with self._lock:
            out: list[tuple[str, Sequence[Sequence[Any]]]] = []
            if outputs:
                out_rows = [(o.event_id, o.job_id, o.ts, o.stdout, o.stderr) for o in outputs]
                out.append((_INSERT_OUTPUT, out_rows))
            values = [_event_values(ev, self.host_id) for ev in events]
            if self._chain.seq == 0 and values:
                self._start_chain_or_fail(values, after=out)
                return
            rows, after = self._chain.extend(values)
            statements = _event_inserts(self._bindable(rows))
            statements.extend(out)
            self._write_or_fail(statements)
            self._chain = after

    def _start_chain_or_fail(
        self,
        values: Sequence[tuple[Any, ...]],
        *,
        before: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
        after: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    ) -> None:
        """Write this writer's first events, linked to the chain started before it, with
        ``before`` and ``after`` statements, in one transaction (see migration 0003).

        The link is read and written under the chain-start lock, so chain starts form one
        sequence even with several writers: every chain but the newest is followed by one
        that commits to its hash, and deleting it whole breaks that link.
        """
        try:
            self._reconnect_if_broken()
            with self._transaction() as cur:
                self._chain_start_lock(cur)
                link = self._chain_tip(cur)
                prev_chain, prev_seq, prev_hash = link or (None, None, self._chain.last_hash)
                cur.execute("SELECT MAX(pos) FROM chain_links")
                pos = int(cur.fetchone()[0] or 0) + 1
                start = Chain(self._chain.chain_id, 0, prev_hash)
                rows, chain = start.extend(values)
                for sql, many in before:
                    cur.executemany(self._sql(sql), many)
                for sql, many in [*_event_inserts(self._bindable(rows)), *after]:
                    cur.executemany(self._sql(sql), many)
                cur.execute(
                    self._sql(
                        "INSERT INTO chain_links (chain_id, pos, prev_chain_id, prev_seq) "
                        "VALUES (?, ?, ?, ?)"
                    ),
                    (chain.chain_id, pos, prev_chain, prev_seq),
                )
        except Exception as exc:
            raise RecorderUnavailable(
                f"the flight recorder ({self.url.redacted}) cannot write: {exc}"
            ) from None
        self._chain = chain

    def _chain_tip(self, cur: Any) -> tuple[str, int, str] | None:
        """(chain_id, chain_seq, hash) of the newest event of the chain started last (the
        newest event of any chain in a store whose chains predate linking), or None."""
        cur.execute("SELECT chain_id FROM chain_links ORDER BY pos DESC LIMIT 1")
        found = cur.fetchone()
        if found is None:
            cur.execute(
                "SELECT chain_id, chain_seq, hash FROM events ORDER BY ts DESC, chain_seq DESC "
                "LIMIT 1"
            )
            newest = cur.fetchone()
            return None if newest is None else (newest[0], int(newest[1]), newest[2])
        chain_id = found[0]
        cur.execute(
            self._sql(
                "SELECT chain_seq, hash FROM events WHERE chain_id = ? "
                "ORDER BY chain_seq DESC LIMIT 1"
            ),
            (chain_id,),
        )
        last = cur.fetchone()
        if last is None:  # purged whole: its anchor holds where it ended
            cur.execute(
                self._sql("SELECT through_seq, hash FROM chain_anchors WHERE chain_id = ?"),
                (chain_id,),
            )
            last = cur.fetchone()
        # None: the chain started last is gone (deleted by hand); verify reports it
        return None if last is None else (chain_id, int(last[0]), last[1])

    def _write_or_fail(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        try:
            self._reconnect_if_broken()
            self._write(statements)
        except LeaseLost:
            raise  # typed: the gate stops what it runs (see Gate._keep_lease)
        except Exception as exc:
            raise RecorderUnavailable(
                f"the flight recorder ({self.url.redacted}) cannot write: {exc}"
            ) from None

    def outputs(self, job_id: str) -> list[OutputRecord]:
        """The stored (redacted) output of ``job_id``, if its level kept any.

        Only rows that belong to one of the job's own ``result`` events: an output row whose
        event is missing (forged, or its event was purged) or belongs to another job is never
        returned as this job's output (``verify`` reports the former as EG-OUTPUT-ORPHAN)."""
        with self._lock:
            rows = self._read(
                "SELECT o.event_id, o.job_id, o.ts, o.stdout, o.stderr FROM outputs o "
                "JOIN events e ON e.event_id = o.event_id AND e.job_id = o.job_id "
                "AND e.kind = 'result' WHERE o.job_id = ? ORDER BY o.ts",
                (job_id,),
            )
        return [
            OutputRecord(
                event_id=r[0],
                job_id=r[1],
                ts=r[2],
                stdout=_shown_text(r[3]),
                stderr=_shown_text(r[4]),
            )
            for r in rows
        ]

    def purge(
        self, *, retention_days: float, output_retention_days: float, now: float | None = None
    ) -> Event | None:
        """Delete events older than ``retention_days`` and outputs older than
        ``output_retention_days`` (0: keep forever), in one transaction with the ``purge``
        event that records it. Events are deleted per chain as a prefix only, and an anchor
        keeps where each chain now starts, so ``verify`` still checks what remains.
        Returns the purge event, or None when there was nothing to delete.
        """
        now = time.time() if now is None else now
        with self._lock:
            self._reconnect_if_broken()
            statements: list[tuple[str, Sequence[Sequence[Any]]]] = []
            outputs_deleted = events_deleted = 0
            if output_retention_days > 0:
                out_cut = now - output_retention_days * 86400
                outputs_deleted = int(
                    self._read("SELECT COUNT(*) FROM outputs WHERE ts < ?", (out_cut,))[0][0]
                )
                if outputs_deleted:
                    statements.append(("DELETE FROM outputs WHERE ts < ?", [(out_cut,)]))
            anchors = dict(
                (r[0], (int(r[1]), r[2]))
                for r in self._read("SELECT chain_id, through_seq, hash FROM chain_anchors")
            )
            new_anchors: dict[str, tuple[int, str]] = {}
            cut = now - retention_days * 86400
            if retention_days > 0:
                old = self._read(
                    "SELECT chain_id, MAX(chain_seq), COUNT(*) FROM events WHERE ts < ? "
                    "GROUP BY chain_id",
                    (cut,),
                )
                newer = dict(
                    (r[0], int(r[1]))
                    for r in self._read(
                        "SELECT chain_id, MIN(chain_seq) FROM events WHERE ts >= ? "
                        "GROUP BY chain_id",
                        (cut,),
                    )
                )
                for chain_id, max_old, _count in old:
                    # only a prefix: stop before the chain's first event that is still young
                    through = min(int(max_old), newer.get(chain_id, int(max_old) + 1) - 1)
                    start = anchors.get(chain_id, (0, ""))[0]
                    if through <= start:
                        continue
                    (digest,) = self._read(
                        "SELECT hash FROM events WHERE chain_id = ? AND chain_seq = ?",
                        (chain_id, through),
                    )[0]
                    new_anchors[chain_id] = (through, digest)
                    events_deleted += through - start
                    statements.append(
                        (
                            "DELETE FROM events WHERE chain_id = ? AND chain_seq <= ?",
                            [(chain_id, through)],
                        )
                    )
            if not statements:
                return None
            if new_anchors:
                statements.append(
                    ("DELETE FROM chain_anchors WHERE chain_id = ?", [(c,) for c in new_anchors])
                )
                statements.append(
                    (
                        "INSERT INTO chain_anchors (chain_id, through_seq, hash) VALUES (?, ?, ?)",
                        [(c, seq, h) for c, (seq, h) in new_anchors.items()],
                    )
                )
            anchors.update(new_anchors)
            event = Event(
                event_id=new_event_id(),
                ts=now,
                kind="purge",
                actor="recorder",
                reason=(
                    f"retention: events {retention_days:g} days, "
                    f"output {output_retention_days:g} days"
                ),
                detail=json.dumps(
                    {
                        "events_deleted": events_deleted,
                        # what verify allows an output row without its event: older than this
                        "events_cut": cut if retention_days > 0 else None,
                        "outputs_deleted": outputs_deleted,
                        "chains_cut": len(new_anchors),
                        "anchors_sha256": anchors_digest(
                            (c, seq, h) for c, (seq, h) in anchors.items()
                        ),
                    }
                ),
            )
            if self._chain.seq == 0:
                self._start_chain_or_fail([_event_values(event, self.host_id)], before=statements)
                return event
            rows, after = self._chain.extend([_event_values(event, self.host_id)])
            statements.extend(_event_inserts(self._bindable(rows)))
            self._write_or_fail(statements)
            self._chain = after
            return event

    def query(self, *, limit: int | None = 100, where: EventFilter | None = None) -> list[Event]:
        """The newest ``limit`` events matching ``where`` (all of them for None), oldest
        first."""
        where = where or EventFilter()
        conds, args = [], []
        for name in ("job_id", "session_id", "model_id", "decision", "kind"):
            value = getattr(where, name)
            if value is not None:
                conds.append(f"{name} = ?")
                args.append(value)
        if where.since is not None:
            conds.append("ts >= ?")
            args.append(where.since)
        if where.exclude_kinds:
            conds.append(f"kind NOT IN ({', '.join('?' * len(where.exclude_kinds))})")
            args.extend(where.exclude_kinds)
        if where.host_id is not None:
            conds.append(
                "(host_id = ? OR (host_id IS NULL AND chain_id IN "
                "(SELECT chain_id FROM gate_leases WHERE host_id = ?)))"
            )
            args += [where.host_id, where.host_id]
        sql = f"SELECT {', '.join(COLUMNS)} FROM events"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += " ORDER BY ts DESC, chain_seq DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            try:
                self._reconnect_if_broken()
                rows = self._read(sql, args)
            except Exception as exc:
                raise StoreUnavailable(f"{self.url.redacted}: cannot read: {exc}") from None
        return [_to_event(_normalise(r)) for r in reversed(rows)]

    def _chain_rows(self) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        rows = self._read(f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY chain_id, chain_seq")
        chain_col = COLUMNS.index("chain_id")
        current: str | None = None
        bucket: list[tuple[Any, ...]] = []
        for row in rows:
            chain_id = row[chain_col]
            if chain_id != current:
                if current is not None:
                    yield current, bucket
                current, bucket = chain_id, []
            bucket.append(_normalise(row))
        if current is not None:
            yield current, bucket

    def verify(self) -> VerifyReport:
        """Check every chain from its start (or from where a recorded purge cut it); report
        each chain's first broken link."""
        with self._lock:
            try:
                self._reconnect_if_broken()
                chains = list(self._chain_rows())
                anchor_rows = self._read("SELECT chain_id, through_seq, hash FROM chain_anchors")
                link_rows = self._read("SELECT chain_id, prev_chain_id, prev_seq FROM chain_links")
                purges = self._read(
                    "SELECT detail, ts FROM events WHERE kind = 'purge' "
                    "ORDER BY ts DESC, chain_seq DESC"
                )
                recovered = {
                    r[0]
                    for r in self._read(
                        "SELECT chain_id FROM gate_leases WHERE recovered_by IS NOT NULL"
                    )
                }
            except Exception as exc:
                raise StoreUnavailable(f"{self.url.redacted}: cannot read: {exc}") from None
        breaks: list[Break] = []
        anchors = {r[0]: (int(r[1]), r[2]) for r in anchor_rows}
        if anchors:
            committed = json.loads(purges[0][0] or "{}").get("anchors_sha256") if purges else None
            actual = anchors_digest((c, seq, h) for c, (seq, h) in anchors.items())
            if committed != actual:
                breaks.append(
                    Break(
                        "*",
                        0,
                        "-",
                        "chain anchors do not match the last purge event (forged)",
                        "EG-ANCHORS-FORGED",
                    )
                )
                anchors = {}
        links = {r[0]: (r[1], None if r[2] is None else int(r[2])) for r in link_rows}
        starts, link_breaks = _chain_starts(chains, anchors, links)
        breaks.extend(link_breaks)
        unsealed = []
        for chain_id, rows in chains:
            start = anchors.get(chain_id) or starts.get(chain_id)
            breaks.extend(verify_chain(chain_id, rows, start, COLUMNS))
            last_kind = rows[-1][_KIND] if rows else None
            closed = last_kind == "supervisor_stop" or chain_id in recovered
            if not closed and chain_id != self._chain.chain_id:
                unsealed.append(chain_id)
        breaks.extend(self._verify_outputs(chains, _purged_before(purges)))
        return VerifyReport(
            chains=len(chains),
            events=sum(len(r) for _, r in chains),
            breaks=tuple(breaks),
            unsealed=tuple(unsealed),
            recovered=tuple(sorted(c for c, _ in chains if c in recovered)),
        )

    def _verify_outputs(
        self, chains: list[tuple[str, list[tuple[Any, ...]]]], purged_before: float
    ) -> list[Break]:
        """Each stored output against the sha256 its result event recorded (the chain vouches
        for the event, the digest for the output): an output that differs, or that a result
        recorded none of, is reported (EG-OUTPUT-EDITED). So is an orphan (EG-OUTPUT-ORPHAN):
        a row whose result event is missing, unless it is older than what a purge deleted
        (``purged_before``), or whose result event belongs to another job — else moving a
        row to a made-up event id would hide any edit from the digest check.
        Read one at a time: outputs may be megabytes each."""
        detail, kind = EVENT_FIELDS.index("detail"), EVENT_FIELDS.index("kind")
        job_col = EVENT_FIELDS.index("job_id")
        seq_col = COLUMNS.index("chain_seq")
        results = {
            row[0]: (chain_id, row[seq_col], row[detail], row[job_col])
            for chain_id, rows in chains
            for row in rows
            if row[kind] == "result"
        }
        breaks: list[Break] = []
        with self._lock:
            try:
                heads = self._read("SELECT event_id, job_id, ts FROM outputs ORDER BY ts")
            except Exception as exc:
                raise StoreUnavailable(f"{self.url.redacted}: cannot read: {exc}") from None
        for event_id, job_id, ts in heads:
            found = results.get(event_id)
            if found is None:
                if isinstance(ts, int | float) and ts < purged_before:
                    continue  # its event was purged by retention; the output may outlive it
                breaks.append(
                    Break(
                        "-",
                        0,
                        str(event_id),
                        f"output row of job {shown(job_id)} names no result event (orphan: forged)",
                        "EG-OUTPUT-ORPHAN",
                    )
                )
                continue
            chain_id, seq, text, owner = found
            if owner != job_id:
                breaks.append(
                    Break(
                        chain_id,
                        int(seq),
                        str(event_id),
                        f"output row of job {shown(job_id)} names a result event of job "
                        f"{shown(owner)} (orphan: forged)",
                        "EG-OUTPUT-ORPHAN",
                    )
                )
                continue
            with self._lock:
                try:
                    rows = self._read(
                        "SELECT stdout, stderr FROM outputs WHERE event_id = ?", (event_id,)
                    )
                except Exception as exc:
                    raise StoreUnavailable(f"{self.url.redacted}: cannot read: {exc}") from None
            problem = _output_problem(text, rows)
            if problem is not None:
                breaks.append(Break(chain_id, int(seq), str(event_id), problem[1], problem[0]))
        return breaks

    def recover_interrupted(self) -> list[str]:
        """Mark jobs of dead writers that have an allow decision and no outcome.

        A writer is dead when its chain has no ``supervisor_stop`` and the process that
        started it (host and pid in ``supervisor_start``) is gone from this host, or when its
        lease expired, on any host (:meth:`recover_expired`). Each such job gets an
        ``interrupted`` event in the current chain. Returns the job ids marked.
        """
        host = socket.gethostname()
        with self._lock:
            starts = self._read(
                "SELECT chain_id, detail FROM events WHERE kind = 'supervisor_start'"
            )
            stopped = {r[0] for r in self._read(
                "SELECT chain_id FROM events WHERE kind = 'supervisor_stop'"
            )}  # fmt: skip
            # a gate with a lease is recovered through its lease (recover_expired), so that
            # concurrent recoverers claim it once
            leased = {r[0] for r in self._read("SELECT chain_id FROM gate_leases")}
        dead: list[str] = []
        dead_leased: list[str] = []
        for chain_id, detail in starts:
            if chain_id in stopped or chain_id == self._chain.chain_id:
                continue
            info = json.loads(detail or "{}")
            if info.get("host") == host and not _pid_alive(int(info.get("pid", -1))):
                (dead_leased if chain_id in leased else dead).append(chain_id)
        marked: list[str] = []
        for chain_id in dead:
            with self._lock:
                rows = self._read(
                    "SELECT job_id, kind, decision, model_id, session_id FROM events "
                    "WHERE chain_id = ? AND job_id IS NOT NULL",
                    (chain_id,),
                )
                done = {r[0] for r in rows if r[1] in ("result", "error", "interrupted")}
                marked_before = self._read(
                    "SELECT job_id FROM events WHERE kind = 'interrupted' AND job_id IS NOT NULL"
                )
                done |= {r[0] for r in marked_before}
            pending = {
                r[0]: r for r in rows if r[1] == "decision" and r[2] == "allow" and r[0] not in done
            }
            events = [
                Event(
                    event_id=new_event_id(),
                    ts=time.time(),
                    kind="interrupted",
                    actor="recorder",
                    job_id=job_id,
                    model_id=r[3],
                    session_id=r[4],
                    reason="the supervisor died before this job's result was recorded",
                    detail=json.dumps({"chain_id": chain_id}),
                )
                for job_id, r in pending.items()
            ]
            if events:
                self.append(events)
                marked.extend(e.job_id for e in events if e.job_id)
        return marked + self.recover_expired(dead_leased)

    # --- leases: many gates on one store (see _fleet.py) --------------------------------

    def _check_lease(self, cur: Any) -> None:
        """Inside a write transaction: raise :class:`LeaseLost` when this writer's lease was
        claimed by a recovery (another gate took it for dead: a stall longer than its lease),
        which closed its chain and marked its running jobs interrupted. A late event — a
        second outcome for a job already marked, a decision for a new one — is refused
        rather than written: every allow decision keeps exactly one outcome, and a new job
        is refused fail-closed (nothing runs without its decision recorded). The lease row
        is locked (PostgreSQL), so a concurrent recovery either waits for this write (and
        sees its outcome) or has committed before it (and this write sees its claim)."""
        if not self._leased:
            return
        cur.execute(
            self._sql("SELECT recovered_by FROM gate_leases WHERE chain_id = ?" + self._row_lock),
            (self._chain.chain_id,),
        )
        row = cur.fetchone()
        if row is not None and row[0] is not None:
            raise LeaseLost(
                f"{self.url.redacted}: this gate's lease was taken for dead and recovered by "
                "another gate (it stalled longer than its lease); its late events are "
                "refused, not written as second outcomes"
            )

    def take_lease(self, host_id: str, pid: int, seconds: float) -> None:
        """Hold a lease for this writer's chain, expiring ``seconds`` from now."""
        with self._lock:
            self._reconnect_if_broken()
            with self._transaction() as cur:
                now = self._db_now(cur)
                cur.execute(
                    self._sql(
                        "INSERT INTO gate_leases (chain_id, host_id, pid, started, renewed, "
                        "expires) VALUES (?, ?, ?, ?, ?, ?)"
                    ),
                    (self._chain.chain_id, host_id, pid, now, now, now + seconds),
                )
            self._leased = True

    def renew_lease(self, seconds: float) -> bool:
        """Extend this chain's lease to ``seconds`` from now. False when it was already
        recovered: other gates took this one for dead (it missed its renewals)."""
        with self._lock:
            self._reconnect_if_broken()
            with self._transaction() as cur:
                now = self._db_now(cur)
                cur.execute(
                    self._sql(
                        "UPDATE gate_leases SET renewed = ?, expires = ? "
                        "WHERE chain_id = ? AND recovered_by IS NULL"
                    ),
                    (now, now + seconds, self._chain.chain_id),
                )
                return bool(cur.rowcount == 1)

    def release_lease(self) -> None:
        """This gate stopped: its lease is never recovered. A lease already recovered stays
        so (``fleet`` shows it recovered, not stopped)."""
        with self._lock:
            self._reconnect_if_broken()
            with self._transaction() as cur:
                now = self._db_now(cur)
                cur.execute(
                    self._sql(
                        "UPDATE gate_leases SET released = ? "
                        "WHERE chain_id = ? AND recovered_by IS NULL"
                    ),
                    (now, self._chain.chain_id),
                )

    def recover_expired(self, dead: Sequence[str] = ()) -> list[str]:
        """Claim the leases that expired (of any host), and those of the chains ``dead``
        (known dead: their process is gone), mark each one's allowed jobs that have no outcome
        as ``interrupted`` in this chain, and record the claim, in one transaction.
        Concurrent recoverers never claim the same lease (row locks, SKIP LOCKED), so each
        job is marked once. Returns the job ids marked."""
        mine = self._chain.chain_id
        with self._lock:
            self._reconnect_if_broken()
            with self._transaction() as cur:
                try:
                    self._check_lease(cur)
                except LeaseLost:
                    return []  # a gate taken for dead writes nothing more, recoveries too
                now = self._db_now(cur)
                known = f" OR chain_id IN ({', '.join('?' * len(dead))})" if dead else ""
                cur.execute(
                    self._sql(
                        f"SELECT chain_id, host_id FROM gate_leases WHERE (expires < ?{known}) "
                        "AND released IS NULL AND recovered_by IS NULL AND chain_id <> ? "
                        "ORDER BY chain_id" + self._claim_lock
                    ),
                    (now, *dead, mine),
                )
                claimed = [(str(r[0]), str(r[1])) for r in cur.fetchall()]
                events: list[Event] = []
                for chain_id, host in claimed:
                    cur.execute(
                        self._sql(
                            "SELECT job_id, kind, decision, model_id, session_id FROM events "
                            "WHERE chain_id = ? AND job_id IS NOT NULL"
                        ),
                        (chain_id,),
                    )
                    rows = [tuple(r) for r in cur.fetchall()]
                    cur.execute(
                        self._sql(
                            "SELECT job_id FROM events WHERE kind = 'interrupted' AND job_id IN "
                            "(SELECT job_id FROM events WHERE chain_id = ?)"
                        ),
                        (chain_id,),
                    )
                    done = {r[0] for r in cur.fetchall()}
                    done |= {r[0] for r in rows if r[1] in ("result", "error")}
                    detail = json.dumps({"chain_id": chain_id, "host_id": host})
                    events += [
                        Event(
                            event_id=new_event_id(),
                            ts=time.time(),
                            kind="interrupted",
                            actor="recorder",
                            job_id=r[0],
                            model_id=r[3],
                            session_id=r[4],
                            reason=f"the gate on host {host} stopped renewing its lease before "
                            "this job's result was recorded",
                            detail=detail,
                        )
                        for r in rows
                        if r[1] == "decision" and r[2] == "allow" and r[0] not in done
                    ]
                    cur.execute(
                        self._sql(
                            "UPDATE gate_leases SET recovered_by = ?, recovered_at = ? "
                            "WHERE chain_id = ?"
                        ),
                        (mine, now, chain_id),
                    )
                rows_out, after = self._chain.extend(_event_values(e, self.host_id) for e in events)
                for sql, many in _event_inserts(self._bindable(rows_out)):
                    cur.executemany(self._sql(sql), many)
            self._chain = after
        return [e.job_id for e in events if e.job_id]

    def leases(self) -> list[Lease]:
        """Every gate that held a lease, with its allowed jobs still without an outcome."""
        with self._lock:
            self._reconnect_if_broken()
            rows = self._read(
                "SELECT l.chain_id, l.host_id, l.pid, l.started, l.renewed, l.expires, "
                "l.released, l.recovered_by, l.recovered_at, "
                "(SELECT COUNT(*) FROM events d WHERE d.chain_id = l.chain_id "
                "AND d.kind = 'decision' AND d.decision = 'allow' AND NOT EXISTS "
                "(SELECT 1 FROM events o WHERE o.job_id = d.job_id "
                "AND o.kind IN ('result', 'error', 'interrupted'))) "
                "FROM gate_leases l ORDER BY l.host_id, l.started"
            )
        return [
            Lease(
                chain_id=r[0],
                host_id=r[1],
                pid=int(r[2]),
                started=float(r[3]),
                renewed=float(r[4]),
                expires=float(r[5]),
                released=None if r[6] is None else float(r[6]),
                recovered_by=r[7],
                recovered_at=None if r[8] is None else float(r[8]),
                running_jobs=int(r[9]),
            )
            for r in rows
        ]

    def close(self) -> None:
        """Close the connection; if a write is stuck (a frozen disk), give up after a few
        seconds and leave it to the process's exit rather than hang the caller."""
        if self._lock.acquire(timeout=5.0):
            try:
                self._close_quietly()
            finally:
                self._lock.release()


def _chain_starts(
    chains: Sequence[tuple[str, list[tuple[Any, ...]]]],
    anchors: dict[str, tuple[int, str]],
    links: dict[str, tuple[str | None, int | None]],
) -> tuple[dict[str, tuple[int, str]], list[Break]]:
    """Where each linked chain starts: ``(0, hash its first event must follow)``; and the
    breaks of the links themselves: a chain whose predecessor's linked event is gone (deleted
    whole, or its tail cut), a chain that was started and whose events are all gone, a chain
    that links to an earlier one without a link record."""
    by_id = dict(chains)
    hash_col, seq_col, prev_col = len(COLUMNS) - 1, len(COLUMNS) - 3, len(COLUMNS) - 2
    wanted = {target for target in links.values() if target[0] is not None}
    found: dict[tuple[str | None, int | None], str] = {}
    for chain_id, seq in wanted:
        for row in by_id.get(str(chain_id), ()):
            if row[seq_col] == seq:
                found[(chain_id, seq)] = row[hash_col]
                break
    starts: dict[str, tuple[int, str]] = {}
    breaks: list[Break] = []
    for chain_id, (prev_chain, prev_seq) in links.items():
        if chain_id not in by_id and chain_id not in anchors:
            breaks.append(
                Break(
                    chain_id, 0, "-", "a started chain whose events are all gone", "EG-CHAIN-GONE"
                )
            )
        if chain_id in anchors or chain_id not in by_id:
            continue  # its first event was purged (the anchor vouches) or is gone (above)
        if prev_chain is None:
            starts[chain_id] = (0, GENESIS)
            continue
        first = by_id[chain_id][0]
        target = found.get((prev_chain, prev_seq))
        if target is not None:
            starts[chain_id] = (0, target)
            continue
        cut = anchors.get(prev_chain)
        if cut is not None and prev_seq is not None and cut[0] >= prev_seq:
            # the event it follows was purged: the anchor (committed by a purge) vouches
            starts[chain_id] = (0, cut[1] if cut[0] == prev_seq else first[prev_col])
            continue
        breaks.append(
            Break(
                chain_id,
                int(first[seq_col]),
                first[0],
                f"follows chain {prev_chain} at #{prev_seq}, which is gone (a deleted chain "
                "or tail)",
                "EG-LINK-GONE",
            )
        )
        starts[chain_id] = (0, first[prev_col])  # its own links are still checked
    for chain_id, rows in chains:
        first = rows[0]
        if (
            chain_id not in links
            and chain_id not in anchors
            and first[seq_col] == 1
            and first[prev_col] != GENESIS
        ):
            breaks.append(
                Break(
                    chain_id,
                    1,
                    first[0],
                    "links to an earlier chain, but its link record is gone (a deleted chain)",
                    "EG-LINK-GONE",
                )
            )
            starts[chain_id] = (0, first[prev_col])
    return starts, breaks


def _purged_before(purges: Sequence[tuple[Any, ...]]) -> float:
    """The newest time before which a recorded purge deleted events (an output row older than
    it may have lost its result event to retention); -inf when no purge deleted any. A purge
    written before ``events_cut`` was recorded counts up to its own time."""
    newest = float("-inf")
    for text, ts in purges:
        try:
            info = json.loads(text or "{}")
        except ValueError:
            continue
        if not isinstance(info, dict) or not info.get("events_deleted"):
            continue
        cut = info.get("events_cut")
        if not isinstance(cut, int | float) or isinstance(cut, bool):
            cut = ts  # an older purge, which did not record its cut: it was before its time
        newest = max(newest, float(cut))
    return newest


def _output_problem(detail: Any, rows: Sequence[tuple[Any, ...]]) -> tuple[BreakCode, str] | None:
    """Why the stored output ``rows`` of a result event with ``detail`` is not what the event
    recorded (its ``output_sha256``), with the break's code; or None."""
    for row in rows:
        odd = invalid_value(row, ("stdout", "stderr"))
        if odd is not None:
            return "EG-VALUE-INVALID", f"stored output: {odd} (forged)"
        try:
            digests = json.loads(detail).get("output_sha256") if detail else None
        except (ValueError, AttributeError):
            digests = None
        if not isinstance(digests, list) or len(digests) != 2:
            return "EG-OUTPUT-EDITED", "output is stored for a result that recorded none (forged)"
        actual = [None if t is None else hashlib.sha256(t.encode()).hexdigest() for t in row]
        if actual != digests:
            return (
                "EG-OUTPUT-EDITED",
                "stored output does not match its result event's sha256 (edited)",
            )
    return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
