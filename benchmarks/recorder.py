"""Recorder write throughput: group-committed batches through the storage API vs a plain
per-row insert loop (one commit per row) on the same backend, same run; and, for SQLite, the
same events through the Recorder actor the way the gate sends them (one awaited event a call).

    python benchmarks/recorder.py [--events N] [--batch B] [--pg URL]

The storage API figure includes everything a real write does: hash-chaining each event
(sha256 over canonical JSON), row conversion, one transaction per batch (WAL + FULL on SQLite).
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from execgate import Event, ExecRequest, open_store
from execgate.models import new_event_id

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def _events(n: int) -> list[Event]:
    """Result-shaped events; every two share a job id made the way the gate makes them (a
    job's decision and result), so the job_id index sees real keys."""
    now = time.time()
    job_ids = [ExecRequest(argv=("/bin/true",)).job_id for _ in range((n + 1) // 2)]
    return [
        Event(
            event_id=new_event_id(),
            ts=now + i * 1e-6,
            kind="result",
            actor="runner",
            job_id=job_ids[i // 2],
            model_id="bench-model",
            session_id="bench",
            argv=("/bin/true",),
            cwd="/tmp",
            exit_code=0,
            duration_ms=1.25,
            timed_out=False,
            cancelled=False,
            truncated_bytes=0,
        )
        for i in range(n)
    ]


def api_rate(url: str, events: list[Event], batch: int) -> float:
    st = open_store(url)
    t0 = time.perf_counter()
    for i in range(0, len(events), batch):
        st.append(events[i : i + batch])
    dt = time.perf_counter() - t0
    st.close()
    return len(events) / dt


def sqlite_per_row(path: Path, n: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, ts REAL, kind TEXT, job_id TEXT)")
    t0 = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO t VALUES (?, ?, ?, ?)", (uuid.uuid4().hex, time.time(), "r", str(i))
        )
        db.execute("COMMIT")
    dt = time.perf_counter() - t0
    db.close()
    return n / dt


def pg_per_row(url: str, n: int) -> float:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.t "
            "(id TEXT PRIMARY KEY, ts DOUBLE PRECISION, kind TEXT, job_id TEXT)"
        )
        t0 = time.perf_counter()
        for i in range(n):
            conn.execute(
                f"INSERT INTO {schema}.t VALUES (%s, %s, %s, %s)",
                (uuid.uuid4().hex, time.time(), "r", str(i)),
            )
        dt = time.perf_counter() - t0
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return n / dt


def actor_rate(url: str, events: list[Event], callers: int = 256) -> float:
    """Events/s through the Recorder actor as the gate uses it: each call carries one event
    and its caller waits until that event is durable; ``callers`` of them at once."""
    import anyio

    from execgate.actors import WriterThread
    from execgate.actors._base import Call
    from execgate.actors.recorder import Recorder, Records

    async def run() -> float:
        store = open_store(url)
        writer = WriterThread("execgate-recorder")
        recorder = Recorder(store, writer)
        send, receive = anyio.create_memory_object_stream[Any](4096)
        pending = iter(events)

        async def caller() -> None:
            for ev in pending:
                call: Call[Records, None] = Call((ev,))
                await send.send(call)
                await call.reply.wait()

        async with anyio.create_task_group() as tg:
            tg.start_soon(recorder.loop, receive)
            t0 = time.perf_counter()
            async with anyio.create_task_group() as callers_tg:
                for _ in range(callers):
                    callers_tg.start_soon(caller)
            dt = time.perf_counter() - t0
            await send.aclose()
        writer.close()
        store.close()
        return len(events) / dt

    return anyio.run(run, backend="trio")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--baseline-rows", type=int, default=2000)
    ap.add_argument("--pg", default=PG_DEFAULT)
    args = ap.parse_args()
    events = _events(args.events)
    # The fixture (every event built up front) is not what a recorder holds: keep the
    # collector from re-scanning it on every full collection during the timed writes.
    gc.freeze()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        base = sqlite_per_row(Path(d) / "base.db", args.baseline_rows)
        api = api_rate(f"sqlite:///{Path(d) / 'api.db'}", events, args.batch)
        rows.append(("sqlite", base, api))
        through_actor = actor_rate(f"sqlite:///{Path(d) / 'actor.db'}", events)
    try:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            base = pg_per_row(args.pg, args.baseline_rows)
            api = api_rate(f"{args.pg}?options=-csearch_path%3D{schema}", events, args.batch)
            rows.append(("postgresql", base, api))
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    except Exception as exc:  # report, don't hide
        print(f"postgresql: not measured ({exc})")
    print(
        f"{'backend':<11} {'per-row commit/s':>17} {'store API events/s':>19} {'ratio':>7}"
        f"   (batch {args.batch})"
    )
    for name, base, api in rows:
        print(f"{name:<11} {base:>17,.0f} {api:>19,.0f} {api / base:>7.1f}")
    print(
        f"sqlite through the Recorder actor, one awaited event per call, 256 callers (trio): "
        f"{through_actor:,.0f} events/s"
    )


if __name__ == "__main__":
    main()
