"""One event that cannot be stored fails alone: the rest of its batch commits, on SQLite and
PostgreSQL, whether the event is refused before the batch (text a database cannot hold), by
the database (a value out of its range), or the disk fills in the middle of the batch."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from conftest import open_gate

from execgate import Event, ExecRequest, Policy, RecorderUnavailable, RequestError, open_store
from execgate.actors import Call
from execgate.actors._base import Message
from execgate.actors._writer import WriterThread
from execgate.actors.recorder import Recorder
from execgate.models import new_event_id
from execgate.store import Store

pytestmark = pytest.mark.anyio


def event(i: int, **kw: object) -> Event:
    fields: dict[str, object] = {
        "event_id": new_event_id(),
        "ts": time.time(),
        "kind": "decision",
        "actor": "gatekeeper",
        "job_id": f"job-{i}",
        "argv": ("echo", str(i)),
        "decision": "allow",
    }
    fields.update(kw)
    return Event(**fields)  # type: ignore[arg-type]


#: Events no database takes. The first three are the shapes a request with a lone surrogate
#: made; the last passes the text check and fails in the database itself.
BAD = {
    "command": lambda i: event(i, command="echo a\udc80b"),
    "argv": lambda i: event(i, argv=("echo", "a\ud800b")),
    "model_id": lambda i: event(i, model_id="m\udfff"),
    "nul": lambda i: event(i, session_id="s\x00"),
    "out of range": lambda i: event(i, exit_code=2**70),
}


async def record_all(store: Store, payloads: list[tuple[Event, ...]]) -> list[BaseException | None]:
    """Send every payload to a real Recorder at once (so they share one batch); each call's
    outcome: None when it committed, else its error."""
    send, recv = anyio.create_memory_object_stream[Message](len(payloads) + 1)
    writer = WriterThread()
    recorder = Recorder(store, writer, record_timeout=30.0)
    outcome: list[BaseException | None] = [None] * len(payloads)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(recorder.serve, recv)
            deadline = anyio.current_time() + 30.0
            calls: list[Call[None]] = [Call(p, deadline=deadline) for p in payloads]
            for c in calls:
                send.send_nowait(c)
            for i, c in enumerate(calls):
                try:
                    await c.reply.wait()
                except RecorderUnavailable as exc:
                    outcome[i] = exc
            send.close()
    finally:
        writer.close()
    return outcome


async def test_bad_events_fail_alone_in_their_batch(any_store_url: str) -> None:
    store = open_store(any_store_url)
    try:
        payloads: list[tuple[Event, ...]] = [(event(i),) for i in range(48)]
        bad_at = [3, 17, 30, 41, 47]
        for at, make in zip(bad_at, BAD.values(), strict=True):
            payloads.insert(at, (event(1000 + at), make(at)))  # a good event beside a bad one
        outcome = await record_all(store, payloads)
        failed = [i for i, e in enumerate(outcome) if e is not None]
        assert failed == bad_at
        for i in failed:
            assert isinstance(outcome[i], RecorderUnavailable)
        stored = store.query(limit=None)
        assert len(stored) == 48
        # A failed call writes nothing, not even its good event: a call's events go together.
        assert not {e.job_id for e in stored} & {f"job-{1000 + at}" for at in bad_at}
        assert store.verify().ok
    finally:
        store.close()


async def test_48_jobs_beside_3_hostile_requests_all_succeed(
    make_policy: object, any_store_url: str
) -> None:
    policy: Policy = make_policy()  # type: ignore[operator]
    hostile = [
        {"command": "echo a\udc80b"},
        {"argv": ["echo", "a\ud800b"]},
        {"argv": ["true"], "model_id": "m\udfff"},
    ]
    results: list[object] = []
    async with open_gate(policy, any_store_url) as gate:

        async def good(i: int) -> None:
            results.append((await gate.run(argv=["echo", str(i)])).stdout)

        async def bad(fields: dict[str, object]) -> None:
            with pytest.raises(RequestError):
                await gate.run(ExecRequest(**fields))  # type: ignore[arg-type]

        async with anyio.create_task_group() as tg:
            for i in range(48):
                tg.start_soon(good, i)
                if i % 16 == 0:
                    tg.start_soon(bad, hostile[i // 16])
    assert sorted(results) == sorted(f"{i}\n".encode() for i in range(48))  # type: ignore[type-var]


@contextlib.contextmanager
def small_disk(path: Path, size: str, owner: str | None = None) -> Iterator[Path]:
    """A real tmpfs of ``size`` at ``path`` (owned by user ``owner``); skips when this host
    cannot mount one."""
    path.mkdir()
    options = f"size={size}"
    if owner is not None:
        import pwd

        user = pwd.getpwnam(owner)
        options += f",uid={user.pw_uid},gid={user.pw_gid},mode=0700"
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
        )
    except FileNotFoundError:
        pytest.skip("no mount command")
    if done.returncode != 0:
        path.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
        path.rmdir()


def fill(path: Path, leave: int) -> None:
    """Fill the file system under ``path`` until about ``leave`` bytes are free."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    with open(path / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


@contextlib.contextmanager
def store_on_small_disk(backend: str, tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    """A store whose data lives on a 1 MiB tmpfs: the SQLite file, or a PostgreSQL
    tablespace (the server's own WAL stays on its disk)."""
    if backend == "sqlite":
        with small_disk(tmp_path / "disk", "1m") as disk:
            store = open_store(f"sqlite:///{disk / 'events.db'}")
            try:
                yield store, disk
            finally:
                store.close()
        return
    import psycopg
    from conftest import PG_BASE

    name = f"eg_{uuid.uuid4().hex[:12]}"
    # The server's user must reach the mount point: not under pytest's private tmp_path.
    with small_disk(Path(f"/tmp/{name}"), "1m", owner="postgres") as disk:
        with psycopg.connect(PG_BASE, autocommit=True) as admin:
            admin.execute(f"CREATE TABLESPACE {name} LOCATION '{disk}'")
            admin.execute(f"CREATE SCHEMA {name}")
        url = f"{PG_BASE}?options=-csearch_path%3D{name}%20-cdefault_tablespace%3D{name}"
        try:
            store = open_store(url)
            try:
                yield store, disk
            finally:
                store.close()
        finally:
            with psycopg.connect(PG_BASE, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {name} CASCADE")
                admin.execute(f"DROP TABLESPACE {name}")


@pytest.mark.root
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_full_disk_in_the_middle_of_a_batch(tmp_path: Path, backend: str) -> None:
    with store_on_small_disk(backend, tmp_path) as (store, disk):
        store.append([event(-1)])
        fill(disk, leave=64 * 1024)
        # 96 calls of ~3 KiB each (incompressible: PostgreSQL compresses long text), more than
        # the room left, so the batch cannot commit.
        payloads = [(event(i, command="echo " + os.urandom(1500).hex()),) for i in range(96)]
        outcome = await record_all(store, payloads)
        committed = [i for i, e in enumerate(outcome) if e is None]
        failed = [e for e in outcome if e is not None]
        if backend == "sqlite":
            assert committed, "the calls that fit were retried alone and committed"
        # PostgreSQL keeps the pages the failed batch added (empty, unknown to its free-space
        # map until a VACUUM), so there nothing may fit: each call still fails typed, at once.
        assert failed, "the disk did fill"
        assert all(isinstance(e, RecorderUnavailable) for e in failed)
        assert any(w in str(failed[0]) for w in ("full", "space")), failed[0]
        assert len(store.query(limit=None)) == 1 + len(committed)
        (disk / "filler").unlink()
        store.append([event(-2)])  # room again: the chain continues without a gap
        assert len(store.query(limit=None)) == 2 + len(committed)
        assert store.verify().ok
