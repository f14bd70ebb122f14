"""The storage API on SQLite and PostgreSQL side by side: migrations, durable batches,
filters, hash chains and tamper detection, crash recovery, URL handling."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from execgate import Event, RecorderUnavailable, StoreInvalid, StoreUnavailable, open_store
from execgate.store import EventFilter, Store, parse_store_url, redact_url
from execgate.store._migrations import MIGRATIONS


def ev(i: int, **kw: object) -> Event:
    fields: dict[str, object] = {
        "event_id": f"e{i}-{time.monotonic_ns()}",
        "ts": time.time(),
        "kind": "decision",
        "actor": "gatekeeper",
        "job_id": f"j{i % 3}",
        "argv": ("ls", str(i)),
        "decision": "allow" if i % 2 else "deny",
        "host_id": "h-test",
    }
    fields.update(kw)
    return Event(**fields)  # type: ignore[arg-type]


def raw(store: Store, sql: str, args: tuple[object, ...] = ()) -> None:
    """Tamper with the database behind the store's back (as an attacker with DB access)."""
    store._write([(sql, [args])])  # type: ignore[attr-defined]


def test_append_and_query_round_trip(any_store_url: str) -> None:
    st = open_store(any_store_url)
    events = [ev(i, timed_out=i % 2 == 0, duration_ms=1.5 * i, ts=1000.0 + i) for i in range(10)]
    st.append(events)
    got = st.query(limit=100)
    assert got == events
    assert [e.argv for e in st.query(limit=100, where=EventFilter(job_id="j1"))] == [
        ("ls", "1"), ("ls", "4"), ("ls", "7"),
    ]  # fmt: skip
    assert st.query(limit=2) == events[-2:]
    assert {e.decision for e in st.query(where=EventFilter(decision="deny"))} == {"deny"}
    assert st.query(where=EventFilter(since=1008.0)) == events[8:]
    st.close()
    st = open_store(any_store_url)  # a fresh connection sees every row
    assert len(st.query(limit=1000)) == 10
    st.close()


def test_migrations_are_idempotent_and_versioned(any_store_url: str) -> None:
    open_store(any_store_url).close()
    st = open_store(any_store_url)
    assert st.schema_version() == len(MIGRATIONS) == 5
    raw(st, "INSERT INTO schema_version (version) VALUES (?)", (99,))
    st.close()
    with pytest.raises(StoreUnavailable, match="newer"):
        open_store(any_store_url)


def test_a_failed_batch_writes_nothing_and_keeps_the_chain(any_store_url: str) -> None:
    st = open_store(any_store_url)
    first = ev(1)
    st.append([first])
    with pytest.raises(RecorderUnavailable):
        st.append([ev(2), first])  # duplicate id: the whole batch rolls back
    assert st.query() == [first]
    st.append([ev(3)])
    report = st.verify()
    assert report.ok and report.events == 2
    st.close()


def test_a_large_batch_is_written_whole_in_order_and_chained(any_store_url: str) -> None:
    # 100 events: whole groups of the multi-row INSERT plus a remainder written singly.
    st = open_store(any_store_url)
    events = [ev(i, ts=2000.0 + i, duration_ms=0.1 * i) for i in range(100)]
    st.append(events)
    assert st.query(limit=None) == events
    assert st.verify().ok and st.verify().events == 100
    # A bad row inside a group (a duplicate id) rolls back the groups before it too.
    with pytest.raises(RecorderUnavailable):
        st.append([ev(200 + i) for i in range(40)] + [events[0]] + [ev(300)])
    assert len(st.query(limit=None)) == 100
    more = [ev(400 + i) for i in range(33)]
    st.append(more)
    assert st.query(limit=None) == events + more
    raw(st, "UPDATE events SET cwd = ? WHERE event_id = ?", ("/x", events[70].event_id))
    (brk,) = st.verify().breaks
    assert brk.event_id == events[70].event_id and brk.chain_seq == 71
    st.close()


def test_verify_detects_edit_delete_and_reorder(any_store_url: str) -> None:
    st = open_store(any_store_url)
    events = [ev(i) for i in range(6)]
    st.append(events[:3])
    st.append(events[3:])
    assert st.verify().ok
    raw(st, "UPDATE events SET reason = ? WHERE event_id = ?", ("edited", events[2].event_id))
    (brk,) = st.verify().breaks
    assert brk.event_id == events[2].event_id and "edited" in brk.problem
    raw(st, "UPDATE events SET reason = NULL WHERE event_id = ?", (events[2].event_id,))
    assert st.verify().ok
    raw(st, "DELETE FROM events WHERE event_id = ?", (events[4].event_id,))
    (brk,) = st.verify().breaks
    assert brk.chain_seq == 6 and "missing" in brk.problem
    st.close()


def test_two_writers_keep_separate_intact_chains(any_store_url: str) -> None:
    a, b = open_store(any_store_url), open_store(any_store_url)
    for i in range(20):
        (a if i % 2 else b).append([ev(i), ev(i + 100)])
    report = a.verify()
    assert report.ok and report.chains == 2 and report.events == 40
    a.close()
    b.close()


@pytest.mark.slow
def test_concurrent_writer_processes(any_store_url: str, tmp_path: Path) -> None:
    """Four processes append at once: nothing lost, every chain intact."""
    script = tmp_path / "writer.py"
    script.write_text(
        "import sys, time, uuid\n"
        "from execgate import Event, open_store\n"
        "st = open_store(sys.argv[1])\n"
        "for i in range(50):\n"
        "    st.append([Event(event_id=uuid.uuid4().hex, ts=time.time(), kind='decision',\n"
        "                     actor='gatekeeper', job_id=f'{sys.argv[2]}-{i}') for _ in range(5)])\n"
        "st.close()\n"
    )
    open_store(any_store_url).close()  # migrate once up front (also tested concurrently below)
    procs = [
        subprocess.Popen([sys.executable, str(script), any_store_url, f"w{n}"]) for n in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    st = open_store(any_store_url)
    report = st.verify()
    assert report.ok and report.chains == 4 and report.events == 4 * 50 * 5
    # the chains started at once still form one sequence: each follows the one before
    links = st._read("SELECT chain_id, prev_chain_id FROM chain_links ORDER BY pos")  # type: ignore[attr-defined]
    assert [prev for _, prev in links[1:]] == [chain for chain, _ in links[:-1]]
    st.close()


def test_recover_interrupted_marks_jobs_of_a_dead_writer(any_store_url: str) -> None:
    dead_pid = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    crashed = open_store(any_store_url)
    start = ev(0, kind="supervisor_start", job_id=None, decision=None,
               detail=json.dumps({"pid": int(dead_pid), "host": socket.gethostname()}))  # fmt: skip
    crashed.append([start, ev(1, job_id="ran"), ev(2, job_id="ran", kind="result", decision=None)])
    crashed.append([ev(3, job_id="lost"), ev(5, job_id="refused", decision="deny")])
    crashed.close()  # without supervisor_stop: as if SIGKILLed
    st = open_store(any_store_url)
    assert st.recover_interrupted() == ["lost"]
    assert st.recover_interrupted() == []  # idempotent
    (marked,) = st.query(where=EventFilter(kind="interrupted"))
    assert marked.job_id == "lost"
    assert st.verify().ok
    st.close()
    live = open_store(any_store_url)  # a live writer's pending jobs are left alone
    live.append(
        [
            ev(
                6,
                kind="supervisor_start",
                job_id=None,
                detail=json.dumps({"pid": os.getpid(), "host": socket.gethostname()}),
            ),
            ev(7, job_id="running"),
        ]
    )
    other = open_store(any_store_url)
    assert other.recover_interrupted() == []
    live.close()
    other.close()


def test_urls() -> None:
    assert parse_store_url("sqlite:////abs/x.db").path == "/abs/x.db"
    assert parse_store_url("sqlite:///rel/x.db").path.endswith("/rel/x.db")
    assert parse_store_url("postgresql://u:p@h:5432/db").scheme == "postgresql"
    with pytest.raises(StoreInvalid):
        parse_store_url("mysql://u:p@h/db")
    with pytest.raises(StoreInvalid) as exc:
        parse_store_url("redis://user:hunter2@host/0")
    assert "hunter2" not in str(exc.value)
    assert redact_url("postgresql://u:pw@h:5432/d") == "postgresql://u:***@h:5432/d"


def test_postgres_credentials_never_in_errors() -> None:
    with pytest.raises(StoreUnavailable) as exc:
        open_store("postgresql://postgres:s3cretpw@127.0.0.1:1/test?connect_timeout=2")
    assert "s3cretpw" not in str(exc.value)
    assert "***" in str(exc.value)


def test_purge_cuts_chain_prefixes_and_verify_still_holds(any_store_url: str) -> None:
    from execgate.models import OutputRecord

    st = open_store(any_store_url)
    now = time.time()
    old = [ev(i, ts=now - 100 * 86400 + i) for i in range(5)]
    young = [ev(i + 10, ts=now - 86400 + i) for i in range(3)]
    st.append(old[:3])
    st.append(old[3:] + young)  # same chain: 5 old then 3 young
    # each output belongs to its job's result event, which records its digest
    results = [
        ev(20 + n, event_id=f"o{n}", ts=now - days * 86400, kind="result", job_id="j",
           detail=json.dumps({"output_sha256": [hashlib.sha256(text).hexdigest(), None]}))
        for n, days, text in ((1, 10, b"old"), (2, 1, b"new"))
    ]  # fmt: skip
    st.append(
        results,
        [
            OutputRecord(event_id="o1", job_id="j", ts=now - 10 * 86400, stdout="old", stderr=None),
            OutputRecord(event_id="o2", job_id="j", ts=now - 86400, stdout="new", stderr=None),
        ],
    )
    purge = st.purge(retention_days=90, output_retention_days=7, now=now)
    assert purge is not None and purge.kind == "purge"
    detail = json.loads(str(purge.detail))
    assert (detail["events_deleted"], detail["outputs_deleted"]) == (5, 1)
    assert [e.event_id for e in st.query(limit=100) if e.kind not in ("purge", "result")] == [
        e.event_id for e in young
    ]
    assert [o.stdout for o in st.outputs("j")] == ["new"]
    report = st.verify()
    assert report.ok, report.breaks
    assert st.purge(retention_days=90, output_retention_days=7, now=now) is None  # nothing left
    # forging an anchor to hide a deletion is detected
    raw(st, "UPDATE chain_anchors SET through_seq = through_seq + 1", ())
    assert not st.verify().ok
    st.close()


def test_purge_never_cuts_inside_a_chain(any_store_url: str) -> None:
    """An old event behind a young one in the same chain is kept: only prefixes go."""
    st = open_store(any_store_url)
    now = time.time()
    st.append([ev(1, ts=now - 200 * 86400), ev(2, ts=now), ev(3, ts=now - 200 * 86400)])
    st.purge(retention_days=90, output_retention_days=0, now=now)
    assert len([e for e in st.query() if e.kind != "purge"]) == 2
    assert st.verify().ok
    st.close()


def test_migrates_a_version_1_database_keeping_its_chain(any_store_url: str) -> None:
    """A database written by execgate at schema 1 opens, migrates to the latest, and its
    events (and their hash chain) are intact."""

    from execgate.store import PostgresStore, SqliteStore, SqlStore
    from execgate.store._sql import _HOST, COLUMNS, _event_values

    backend = SqliteStore if any_store_url.startswith("sqlite") else PostgresStore

    class V1Store(backend):  # type: ignore[misc,valid-type]
        def _migrate(self) -> None:  # apply only migration 1, as that release did
            cur = self._conn.cursor()
            self._begin(cur)
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            for statement in MIGRATIONS[0].statements:
                cur.execute(statement)
            cur.execute(self._sql("INSERT INTO schema_version (version) VALUES (?)"), (1,))
            self._conn.commit()
            cur.close()

    old = V1Store(parse_store_url(any_store_url))
    assert isinstance(old, SqlStore) and old.schema_version() == 1
    # that release's rows: no host column, hashed without it
    events = [ev(i, host_id=None) for i in range(3)]
    rows, chain = old._chain.extend(_event_values(e, None) for e in events)  # type: ignore[arg-type]
    v1_columns = [c for c in COLUMNS if c != "host_id"]
    v1_rows = [r[:_HOST] + r[_HOST + 1 :] for r in rows]
    insert = f"INSERT INTO events ({', '.join(v1_columns)}) VALUES ({', '.join('?' * 25)})"
    old._write([(insert, v1_rows)])
    old.close()
    st = open_store(any_store_url, host_id="after")
    assert st.schema_version() == len(MIGRATIONS)
    assert st.query() == events and st.verify().ok
    # a chain that goes on after the upgrade carries the host, and still verifies
    st._chain = chain  # type: ignore[attr-defined]
    st.append([ev(3, host_id=None)])
    assert [e.host_id for e in st.query()] == [None, None, None, "after"]
    assert st.verify().ok
    assert st.outputs("nothing") == []  # the new table exists
    st.close()


def test_sqlite_stores_booleans_as_integers_and_nulls_as_null(store_url: str) -> None:
    # The writer binds None and bools through adapters (speed); what lands on disk, and what
    # any other sqlite3 user in the process binds, must be what it was without them.
    import sqlite3

    st = open_store(store_url)
    st.append([ev(1, kind="result", timed_out=True, cancelled=False, exit_code=0)])
    st.close()
    db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    row = db.execute(
        "SELECT typeof(timed_out), timed_out, typeof(cancelled), cancelled, typeof(rule), "
        "typeof(signal) FROM events"
    ).fetchone()
    db.close()
    assert row == ("integer", 1, "integer", 0, "null", "null")
    other = sqlite3.connect(":memory:")
    assert other.execute("SELECT ?, ?, ?, typeof(?)", (True, False, None, None)).fetchone() == (
        1, 0, None, "null",
    )  # fmt: skip
    other.close()


def test_job_ids_are_unique_and_grow_in_creation_order() -> None:
    # The store indexes job_id; ids that grow keep that index appending at its end (random
    # uuid4 ids halved SQLite's sustained write rate at 300k events).
    from execgate import ExecRequest

    ids = [ExecRequest(argv=("true",)).job_id for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 and i == i.lower() for i in ids)
    stamps = [i[:16] for i in ids]  # the clock part; two ids in one nanosecond may tie
    assert sorted(stamps) == stamps


def test_ids_stay_unique_across_threads_and_forks() -> None:
    # Random bits come from a pool: threads must not share a draw, and a forked child (a
    # host may fork after using a gate) must not replay its parent's pool.
    import threading

    from execgate.models import new_event_id

    new_event_id()  # the pool is filled now, and a fork would copy it
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, "".join(new_event_id()[16:] for _ in range(8)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 4096).decode()
    os.close(read)
    ours = [new_event_id()[16:] for _ in range(8)]
    theirs = [child[i : i + 16] for i in range(0, len(child), 16)]
    assert len(theirs) == 8 and not set(ours) & set(theirs)

    drawn: list[list[str]] = [[] for _ in range(4)]

    def draw(into: list[str]) -> None:
        into.extend(new_event_id()[16:] for _ in range(5000))

    threads = [threading.Thread(target=draw, args=(d,)) for d in drawn]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [r for d in drawn for r in d]
    assert len(set(everything)) == len(everything) == 20000


def test_an_application_bool_adapter_is_kept_and_does_not_reach_our_rows(
    store_url: str,
) -> None:
    # A host application may adapt bools its own way; the store must neither replace that
    # adapter nor let it rewrite the hashed values (verify would call its own rows tampered).
    import sqlite3

    key = (bool, sqlite3.PrepareProtocol)
    saved = sqlite3.adapters.get(key)
    sqlite3.register_adapter(bool, lambda b: "yes" if b else "no")
    try:
        st = open_store(store_url)
        e = ev(1, kind="result", timed_out=True, cancelled=False)
        st.append([e])
        assert st.verify().ok
        assert st.query() == [e]
        st.close()
        other = sqlite3.connect(":memory:")
        assert other.execute("SELECT ?", (True,)).fetchone() == ("yes",)
        other.close()
    finally:
        if saved is None:
            sqlite3.adapters.pop(key, None)
        else:
            sqlite3.adapters[key] = saved


def test_the_writer_hashes_exactly_as_verify_recomputes() -> None:
    # Chain.extend builds each event's canonical text by splicing (speed); verify recomputes
    # it with canonical()/link(). Awkward values must give the same hash both ways.
    from execgate.store._chain import GENESIS, Chain, link

    rows: list[tuple[object, ...]] = [
        (),
        ("x",),
        (None, True, False, 0, -1, 2**70, 0.1, 1e-300, 1.5e300, float("nan")),
        ('quote " backslash \\ ]],[ \u00e9 \u2028 \x00', '["/bin/true"]', ""),
    ]
    chain = Chain(chain_id='odd "chain", id')
    out, after = chain.extend(rows)
    prev = GENESIS
    for seq, (row, stored) in enumerate(zip(rows, out, strict=True), start=1):
        keyed = (*row, chain.chain_id, seq)
        assert stored == (*keyed, prev, link(prev, keyed))
        prev = stored[-1]
    assert (after.seq, after.last_hash) == (len(rows), prev)


def _chains(url: str, n: int) -> list[tuple[str, list[Event]]]:
    """``n`` writers one after the other (one gate run each), three events apiece."""
    made = []
    for c in range(n):
        st = open_store(url)
        events = [ev(10 * c + i, ts=time.time()) for i in range(3)]
        st.append(events[:1])
        st.append(events[1:])
        made.append((st._chain.chain_id, events))  # type: ignore[attr-defined]
        st.close()
    return made


@pytest.mark.parametrize("victim", [0, 1, 2])
def test_deleting_any_whole_chain_but_the_newest_fails_verify(
    any_store_url: str, victim: int
) -> None:
    """Each chain's first event commits to the last hash of the chain started before it, so
    a chain deleted whole (its link record too) leaves the next chain pointing at nothing."""
    chains = _chains(any_store_url, 4)
    st = open_store(any_store_url)
    assert st.verify().ok
    gone = chains[victim][0]
    raw(st, "DELETE FROM events WHERE chain_id = ?", (gone,))
    raw(st, "DELETE FROM chain_links WHERE chain_id = ?", (gone,))
    report = st.verify()
    assert not report.ok
    (brk,) = report.breaks
    assert brk.chain_id == chains[victim + 1][0] and "gone" in brk.problem
    st.close()


def test_a_chain_emptied_or_cut_before_its_link_or_unlinked_is_detected(
    any_store_url: str,
) -> None:
    chains = _chains(any_store_url, 3)
    st = open_store(any_store_url)
    (_, a_events), (b, _), (c, _) = chains
    raw(st, "DELETE FROM events WHERE event_id = ?", (a_events[-1].event_id,))  # A's tail
    (brk,) = st.verify().breaks
    assert brk.chain_id == b and "gone" in brk.problem
    raw(st, "DELETE FROM events WHERE chain_id = ?", (b,))  # B's events, its record kept
    problems = {x.chain_id: x.problem for x in st.verify().breaks}
    assert "all gone" in problems[b] and "gone" in problems[c]
    raw(st, "DELETE FROM chain_links WHERE chain_id = ?", (c,))  # hiding C's link
    problems = {x.chain_id: x.problem for x in st.verify().breaks}
    assert "link record is gone" in problems[c]
    st.close()


def test_only_the_newest_chains_can_be_dropped_unseen(any_store_url: str) -> None:
    """The documented limit: dropping the newest chain whole (and its record) leaves a store
    that verifies; a new chain then links to the one before it."""
    chains = _chains(any_store_url, 3)
    st = open_store(any_store_url)
    newest = chains[-1][0]
    raw(st, "DELETE FROM events WHERE chain_id = ?", (newest,))
    raw(st, "DELETE FROM chain_links WHERE chain_id = ?", (newest,))
    assert st.verify().ok
    st.append([ev(99)])
    assert st.verify().ok
    st.close()


def test_a_chain_purged_whole_still_vouches_for_the_next(any_store_url: str) -> None:
    st = open_store(any_store_url)
    now = time.time()
    st.append([ev(i, ts=now - 100 * 86400 + i) for i in range(3)])  # old, purged whole
    st.close()
    st = open_store(any_store_url)
    st.append([ev(10, ts=now)])
    st.close()
    st = open_store(any_store_url)
    purge = st.purge(retention_days=90, output_retention_days=0, now=now)
    assert purge is not None and json.loads(str(purge.detail))["events_deleted"] == 3
    report = st.verify()
    assert report.ok, report.breaks
    assert report.chains == 2
    st.close()


def test_chains_written_before_linking_stay_checked_and_the_next_links_to_them(
    any_store_url: str,
) -> None:
    """A store from before chain linking: its chains keep verifying; the first chain after
    the upgrade links to the newest of them."""
    from execgate.store._sql import _INSERT_EVENT, _event_values

    st = open_store(any_store_url)
    legacy = []
    for c in range(2):  # two unlinked chains, written as the previous release did
        st._chain = type(st._chain)()  # type: ignore[attr-defined]
        events = [ev(10 * c + i, ts=time.time()) for i in range(2)]
        rows, st._chain = st._chain.extend(_event_values(e, st.host_id) for e in events)  # type: ignore[attr-defined]
        st._write([(_INSERT_EVENT, rows)])  # type: ignore[attr-defined]
        legacy.append(st._chain.chain_id)  # type: ignore[attr-defined]
    st.close()
    st = open_store(any_store_url)
    st.append([ev(50)])
    assert st.verify().ok and st.verify().chains == 3
    raw(st, "DELETE FROM events WHERE chain_id = ?", (legacy[1],))
    assert not st.verify().ok
    st.close()


class _FreezingProxy:
    """A TCP proxy to the test's PostgreSQL that can stop forwarding while keeping every
    connection open: what a partitioned or frozen database host looks like to a client."""

    def __init__(self, port: int) -> None:
        import threading

        self.frozen = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._target = port
        self._socks: list[socket.socket] = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self._target))
            self._socks += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                while self.frozen.is_set():
                    time.sleep(0.05)
                dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        for s in self._socks:
            s.close()


@pytest.mark.anyio
async def test_a_frozen_database_does_not_hold_the_gate_close(
    pg_url: str, policy: object, anyio_backend: str
) -> None:
    """Closing releases the store's lease and closes its connection: against a database that
    stopped answering, each is abandoned past record_timeout instead of waiting forever."""
    import anyio

    from execgate import Gate

    parsed = parse_store_url(pg_url)
    port = int(parsed.raw.split("@", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    proxy = _FreezingProxy(port)
    url = pg_url.replace(f":{port}/", f":{proxy.port}/")
    try:
        with anyio.fail_after(60):
            async with Gate.open(policy, url, record_timeout=1.0) as gate:  # type: ignore[arg-type]
                assert (await gate.run(argv=["true"])).exit_code == 0
                proxy.frozen.set()
                await anyio.sleep(0.2)
    finally:
        proxy.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url", ["postgresql://u:s3cretpw@[::1:5432/x", "postgresql://u:s3cretpw@host:port/x"]
)
async def test_a_malformed_store_url_is_a_typed_error_with_its_password_masked(url: str) -> None:
    from execgate import Gate

    with pytest.raises(StoreInvalid) as err:
        async with Gate.open(store=url):
            pass
    assert err.value.code == "EG-STORE-INVALID"
    assert "s3cretpw" not in str(err.value) and "u:***@" in str(err.value)
