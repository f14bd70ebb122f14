"""A gate whose lease is lost runs nothing it cannot record (EG-LEASE-LOST).

Two gates on one real store (SQLite file, PostgreSQL): gate A runs a long job whose process
tree the test watches, gate B takes A for dead the way its renewal round does (A's lease row
made expired, as if A had missed its renewals, then B's recovery claims it and marks A's
running job interrupted). Then A's job's tree is gone, its caller got ``LeaseLost``, every new
request on A is refused with it before anything runs, A closes cleanly, and the store holds
nothing from A after the recovery. Also: the store unreachable for the lease's duration, a
job that ignores SIGTERM and forks away into a session of its own, and the loss landing
during the decision, during output streaming, while a job waits for a Runner slot, and as a
job ends. No assertion depends on timing: waits are generous, none is measured."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import MECHANISMS, PYTHON, alive, write_script

from execgate import (
    ApprovalAnswer,
    ApprovalRequest,
    ExecgateError,
    ExecResult,
    Gate,
    LeaseLost,
    OutputChunk,
    Policy,
)
from execgate.models import Event
from execgate.store import EventFilter, open_store

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

#: Long enough that a lease is renewed far apart from the steps of a test (which then learn
#: of the loss through a refused write), or short enough that its renewal finds it soon.
LONG_LEASE = "600"
SHORT_LEASE = "10"
#: Generous bound on any one wait (a loaded machine): a bound, never a measurement.
WAIT = 90.0

#: A job of two processes that would run for a minute; both pids go to ``pids``.
PARENT_AND_CHILD = """
import os, subprocess, time
child = subprocess.Popen(["sleep", "60"])
with open("pids.tmp", "w") as f:
    f.write(f"{os.getpid()} {child.pid}\\n")
os.replace("pids.tmp", "pids")
time.sleep(60)
"""

#: A job that ignores SIGTERM and leaves a grandchild in a session of its own, orphaned (its
#: parent exits), that ignores SIGTERM too: only the tree's SIGKILL ends them.
STUBBORN = """
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open("orphan.tmp", "w") as f:
            f.write(f"{os.getpid()}\\n")
        os.replace("orphan.tmp", "orphan")
        while True:
            time.sleep(1)
    os._exit(0)
with open("pids.tmp", "w") as f:
    f.write(f"{os.getpid()}\\n")
os.replace("pids.tmp", "pids")
while True:
    time.sleep(1)
"""

#: Prints a line every 50 ms for a minute.
CHATTY = """
import sys, time
for i in range(1200):
    print(f"line {i}", flush=True)
    time.sleep(0.05)
"""


# --- helpers ------------------------------------------------------------------------------


def _raw(url: str, sql: str, args: tuple[object, ...] = ()) -> None:
    """Run ``sql`` on the store's database behind execgate's back."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            conn.execute(sql, args)
            conn.commit()
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(sql.replace("?", "%s"), args)  # type: ignore[arg-type]


def _lease_state(url: str, host: str) -> tuple[str, bool]:
    """(state, released) of ``host``'s newest lease."""
    st = open_store(url)
    try:
        lease = [x for x in st.leases() if x.host_id == host][-1]
    finally:
        st.close()
    return lease.state(time.time()), lease.released is not None


def _events(url: str, **where: Any) -> list[Event]:
    st = open_store(url)
    try:
        return st.query(limit=None, where=EventFilter(**where))
    finally:
        st.close()


def _verify_ok(url: str) -> None:
    st = open_store(url)
    try:
        report = st.verify()
    finally:
        st.close()
    assert report.ok, report.breaks


async def take_lease(b: Gate, url: str, host: str = "gate-a") -> set[str]:
    """Gate ``b`` takes the gate of ``host`` for dead, as its renewal round does once that
    gate's lease expired: the lease row is made expired (as if its gate had missed its
    renewals), then ``b`` recovers it, marking its running jobs interrupted. Again if the
    gate renewed its lease in between (as it may). Returns the ids of that gate's events
    once it was recovered: the store refuses it any more."""
    store = b._store
    assert store is not None
    sql = "UPDATE gate_leases SET expires = 0 WHERE host_id = ? AND recovered_by IS NULL"
    with anyio.fail_after(WAIT):
        while True:
            await anyio.to_thread.run_sync(_raw, url, sql, (host,))
            await anyio.to_thread.run_sync(store.recover_expired)
            state, _ = await anyio.to_thread.run_sync(_lease_state, url, host)
            if state == "recovered":
                found = await anyio.to_thread.run_sync(lambda: _events(url, host_id=host))
                return {e.event_id for e in found}
            await anyio.sleep(0.05)


async def wait_pids(path: Path, count: int) -> list[int]:
    with anyio.fail_after(WAIT):
        while not path.exists():
            await anyio.sleep(0.02)
    pids = [int(x) for x in path.read_text().split()]
    assert len(pids) == count, pids
    return pids


async def wait_gone(pids: list[int]) -> None:
    """Until none of ``pids`` is alive (a zombie counts as gone); fails past :data:`WAIT`."""
    with anyio.fail_after(WAIT):
        while any(alive(p) for p in pids):
            await anyio.sleep(0.05)


class Caller:
    """Runs one request on a gate in the background and keeps what it got."""

    def __init__(self) -> None:
        self.result: ExecResult | None = None
        self.error: ExecgateError | None = None
        self.done = anyio.Event()

    async def run(self, gate: Gate, **request: Any) -> None:
        try:
            self.result = await gate.run(**request)
        except ExecgateError as exc:
            self.error = exc
        finally:
            self.done.set()

    async def wait(self) -> None:
        with anyio.fail_after(WAIT):
            await self.done.wait()


async def assert_refuses_everything(gate: Gate, workspace: Path) -> None:
    """Every kind of new request is refused with EG-LEASE-LOST, and nothing runs."""
    with pytest.raises(LeaseLost) as exc:
        await gate.run(argv=["touch", "late-run"], job_id="late-run")
    assert exc.value.code == "EG-LEASE-LOST" and "open a new gate" in exc.value.message
    with pytest.raises(LeaseLost):
        await gate.check(argv=["true"])
    with pytest.raises(LeaseLost):
        async with gate.stream(argv=["touch", "late-stream"], job_id="late-stream"):
            pass
    assert not (workspace / "late-run").exists() and not (workspace / "late-stream").exists()
    assert gate.statistics().closed


def assert_nothing_after_recovery(url: str, host: str, before: set[str]) -> None:
    """The store holds no event of ``host`` but those it had when it was recovered
    (``before``: refused since, results, errors and its close included), no result of it,
    and its lease stays recovered (not released by its close)."""
    mine = _events(url, host_id=host)
    assert {e.event_id for e in mine} == before, [e for e in mine if e.event_id not in before]
    assert not [e for e in mine if e.kind == "result"], mine
    assert _lease_state(url, host) == ("recovered", False)


# --- the loss, learnt through a renewal or a refused write --------------------------------


@pytest.mark.parametrize("learns", ["renewal", "write"])
async def test_a_gate_whose_lease_is_taken_stops_its_jobs_and_refuses_new_ones(
    policy: Policy,
    any_store_url: str,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    learns: str,
) -> None:
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", SHORT_LEASE if learns == "renewal" else LONG_LEASE)
    url = any_store_url
    script = write_script(workspace, "job.py", PARENT_AND_CHILD)
    victim = Caller()
    async with (
        Gate.open(policy, url, host_id="gate-a") as a,
        Gate.open(policy, url, host_id="gate-b") as b,
    ):
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: victim.run(a, argv=[PYTHON, script], job_id="victim", timeout=60))
            pids = await wait_pids(workspace / "pids", 2)
            assert all(alive(p) for p in pids)
            before = await take_lease(b, url)
            if learns == "write":
                # A does not know yet (its next renewal is minutes away): this request's
                # decision is the write the store refuses, and nothing of it runs
                with pytest.raises(LeaseLost):
                    await a.run(argv=["touch", "after"], job_id="after")
            await victim.wait()
        assert isinstance(victim.error, LeaseLost), (victim.result, victim.error)
        assert victim.error.code == "EG-LEASE-LOST"
        assert "Job victim was stopped" in victim.error.message
        # stopped before its caller heard: the whole tree is gone already
        assert not [p for p in pids if alive(p)]
        await assert_refuses_everything(a, workspace)
        assert not (workspace / "after").exists()
        # the other gate goes on
        assert (await b.run(argv=["echo", "b"], job_id="on-b")).exit_code == 0
    # A closed without a traceback (we are here); the store has the job's one outcome, B's
    victim_events = _events(url, job_id="victim")
    kinds = [(e.kind, e.host_id) for e in victim_events]
    assert kinds == [("decision", "gate-a"), ("interrupted", "gate-b")], kinds
    assert_nothing_after_recovery(url, "gate-a", before)
    _verify_ok(url)


# --- the store unreachable for the lease's duration ---------------------------------------


@contextlib.contextmanager
def store_blocked(url: str, host: str) -> Iterator[None]:
    """The store stops answering ``host``'s gate: on SQLite another connection holds the
    write lock (its writes fail after their busy timeout); on PostgreSQL another transaction
    holds its lease row (its renewals and writes, which lock that row, wait)."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=False) as pg:
        pg.execute("SELECT 1 FROM gate_leases WHERE host_id = %s FOR UPDATE", (host,))
        try:
            yield
        finally:
            pg.rollback()


async def test_a_gate_that_cannot_renew_its_lease_for_its_duration_stops_its_jobs(
    policy: Policy, any_store_url: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the lease's duration without a renewal, another gate may have taken this one for
    dead: it stops its jobs and refuses new ones (deny rather than run unrecorded), and
    leaves its lease to expire, so that the job gets exactly one outcome in the end: its
    error, if the store takes it later, else the interrupted mark of whoever recovers it."""
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", "3")
    url = any_store_url
    script = write_script(workspace, "job.py", PARENT_AND_CHILD)
    victim = Caller()
    async with Gate.open(policy, url, host_id="gate-a", record_timeout=2.0) as a:
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: victim.run(a, argv=[PYTHON, script], job_id="victim", timeout=60))
            pids = await wait_pids(workspace / "pids", 2)
            with store_blocked(url, "gate-a"):
                await wait_gone(pids)
                with pytest.raises(LeaseLost):
                    await a.run(argv=["touch", "blocked"], job_id="blocked")
            await victim.wait()
        assert isinstance(victim.error, LeaseLost), (victim.result, victim.error)
        assert "not renewed" in victim.error.message
        await assert_refuses_everything(a, workspace)
    assert not (workspace / "blocked").exists()
    _, released = _lease_state(url, "gate-a")
    assert not released, "a lost lease is left to expire and be recovered, never released"
    # another gate recovers it; the job ends up with one outcome, and no result
    async with Gate.open(policy, url, host_id="gate-b"):
        with anyio.fail_after(WAIT):
            while (await anyio.to_thread.run_sync(_lease_state, url, "gate-a"))[0] != "recovered":
                await anyio.sleep(0.1)
    outcomes = [
        (e.kind, e.code, e.host_id)
        for e in _events(url, job_id="victim")
        if e.kind in ("result", "error", "interrupted")
    ]
    assert outcomes in (
        [("error", "EG-LEASE-LOST", "gate-a")],
        [("interrupted", None, "gate-b")],
    ), outcomes
    assert not _events(url, job_id="blocked")
    _verify_ok(url)


# --- attacks ------------------------------------------------------------------------------


@pytest.mark.parametrize("containment", MECHANISMS)
async def test_a_job_that_ignores_sigterm_and_setsids_away_is_killed(
    policy: Policy,
    any_store_url: str,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    containment: Any,
) -> None:
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", LONG_LEASE)
    url = any_store_url
    script = write_script(workspace, "stubborn.py", STUBBORN)
    victim = Caller()
    async with (
        Gate.open(policy, url, host_id="gate-a", containment=containment) as a,
        Gate.open(policy, url, host_id="gate-b") as b,
    ):
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: victim.run(a, argv=[PYTHON, script], job_id="victim", timeout=60))
            pids = await wait_pids(workspace / "pids", 1) + await wait_pids(workspace / "orphan", 1)
            before = await take_lease(b, url)
            with pytest.raises(LeaseLost):
                await a.run(argv=["true"], job_id="after")
            await victim.wait()
        assert isinstance(victim.error, LeaseLost), (victim.result, victim.error)
        # TERM was ignored; the KILL after the grace ended the orphan in its own session too
        assert not [p for p in pids if alive(p)]
        await assert_refuses_everything(a, workspace)
    assert_nothing_after_recovery(url, "gate-a", before)


async def test_a_lease_lost_during_the_decision_runs_nothing(
    make_policy: Any, any_store_url: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loss lands while the request is being decided (here: while its approver is
    asked): approved or not, it never runs, and its decision is never written."""
    import attrs

    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", LONG_LEASE)
    base = make_policy(extra='[[ask]]\ncommand = "touch"\n')
    policy = attrs.evolve(base, allow=tuple(r for r in base.allow if r.command != "touch"))
    url = any_store_url
    holder: dict[str, Gate] = {}
    before: set[str] = set()

    async def approver(question: ApprovalRequest) -> ApprovalAnswer:
        before.update(await take_lease(holder["b"], url))
        return ApprovalAnswer(scope="workspace")

    async with (
        Gate.open(policy, url, host_id="gate-a", approver=approver) as a,
        Gate.open(policy, url, host_id="gate-b") as b,
    ):
        holder["b"] = b
        with pytest.raises(LeaseLost):
            await a.run(argv=["touch", "approved"], job_id="asked")
        await assert_refuses_everything(a, workspace)
    assert not (workspace / "approved").exists()
    kinds = [e.kind for e in _events(url, job_id="asked")]
    assert kinds == ["approval_asked"], kinds  # recorded before the loss; nothing after
    assert_nothing_after_recovery(url, "gate-a", before)


async def test_a_lease_lost_while_output_streams_ends_the_stream_with_the_error(
    policy: Policy, any_store_url: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", LONG_LEASE)
    url = any_store_url
    script = write_script(workspace, "chatty.py", CHATTY)
    chunks: list[OutputChunk] = []
    async with (
        Gate.open(policy, url, host_id="gate-a") as a,
        Gate.open(policy, url, host_id="gate-b") as b,
    ):
        with anyio.fail_after(WAIT):
            with pytest.raises(LeaseLost) as exc:
                async with a.stream(argv=[PYTHON, script], job_id="streamed", timeout=60) as job:
                    async for item in job:
                        assert isinstance(item, OutputChunk), item  # never a result
                        chunks.append(item)
                        if len(chunks) == 3:
                            before = await take_lease(b, url)
                            # a refused write teaches A at once (else its renewal would)
                            with pytest.raises(LeaseLost):
                                await a.run(argv=["true"], job_id="after")
        assert "Job streamed was stopped" in exc.value.message
        assert job.result is None
        await assert_refuses_everything(a, workspace)
    assert len(chunks) >= 3 and chunks[0].data.startswith(b"line 0")
    assert_nothing_after_recovery(url, "gate-a", before)


async def test_a_job_waiting_for_a_runner_slot_never_starts(
    policy: Policy, any_store_url: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one Runner slot, a second allowed job waits in the Runner's inbox: its decision
    is written, and when the slot frees (the first job stopped) it is refused, not run."""
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", LONG_LEASE)
    url = any_store_url
    script = write_script(workspace, "job.py", PARENT_AND_CHILD)
    first, queued = Caller(), Caller()
    async with (
        Gate.open(policy, url, host_id="gate-a", max_concurrent_jobs=1) as a,
        Gate.open(policy, url, host_id="gate-b") as b,
    ):
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: first.run(a, argv=[PYTHON, script], job_id="first", timeout=60))
            pids = await wait_pids(workspace / "pids", 2)
            tg.start_soon(lambda: queued.run(a, argv=["touch", "queued"], job_id="queued"))
            with anyio.fail_after(WAIT):
                while a.statistics().jobs_queued < 1:
                    await anyio.sleep(0.02)
            before = await take_lease(b, url)
            with pytest.raises(LeaseLost):
                await a.run(argv=["true"], job_id="after")
            await first.wait()
            await queued.wait()
        assert isinstance(first.error, LeaseLost) and isinstance(queued.error, LeaseLost)
        assert not [p for p in pids if alive(p)]
    assert not (workspace / "queued").exists()
    # both were allowed before the loss: each has its decision and B's interrupted mark
    for job in ("first", "queued"):
        kinds = [(e.kind, e.host_id) for e in _events(url, job_id=job)]
        assert kinds == [("decision", "gate-a"), ("interrupted", "gate-b")], (job, kinds)
    assert_nothing_after_recovery(url, "gate-a", before)


async def test_a_job_that_ends_as_the_lease_is_lost_keeps_its_result_unrecorded(
    policy: Policy, any_store_url: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job ends on its own just after the recovery, before A knows: its result is
    refused by the store (the job keeps its one outcome, interrupted) and comes back with
    ``recorded=False`` -- it did run to its end; that refusal is how A learns, and it then
    refuses every new request. (Had A's renewal come first, the job would have been stopped
    and its caller given EG-LEASE-LOST: either way, nothing more of A is recorded.)"""
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", LONG_LEASE)
    url = any_store_url
    script = write_script(
        workspace,
        "waits.py",
        """
        import os, time
        with open("pids.tmp", "w") as f:
            f.write(f"{os.getpid()}\\n")
        os.replace("pids.tmp", "pids")
        while not os.path.exists("go"):
            time.sleep(0.02)
        print("done")
        """,
    )
    victim = Caller()
    async with (
        Gate.open(policy, url, host_id="gate-a") as a,
        Gate.open(policy, url, host_id="gate-b") as b,
    ):
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: victim.run(a, argv=[PYTHON, script], job_id="victim", timeout=60))
            pids = await wait_pids(workspace / "pids", 1)
            before = await take_lease(b, url)
            (workspace / "go").touch()
            await victim.wait()
        if victim.error is None:
            assert victim.result is not None
            assert victim.result.exit_code == 0 and victim.result.stdout == b"done\n"
            assert victim.result.recorded is False and victim.result.killed_by is None
        else:
            assert isinstance(victim.error, LeaseLost), victim.error
        assert not [p for p in pids if alive(p)]
        await assert_refuses_everything(a, workspace)
    kinds = [(e.kind, e.host_id) for e in _events(url, job_id="victim")]
    assert kinds == [("decision", "gate-a"), ("interrupted", "gate-b")], kinds
    assert_nothing_after_recovery(url, "gate-a", before)


async def test_a_job_stopped_while_it_is_being_set_up_never_starts(
    policy: Policy, workspace: Path
) -> None:
    """The last await before a job's spawn (a sandbox probe, a proxy) is where a lost lease
    may land after the Runner let the job through: the stop is seen before the spawn, so the
    program never runs (its caller then gets EG-LEASE-LOST from the Runner). And a job whose
    main process already ended on its own is not marked stopped by the loss."""
    from execgate import ExecRequest, NotStarted
    from execgate.policy import evaluate
    from execgate.process import JobControl, open_containment, run_job

    plan = evaluate(policy, ExecRequest(argv=["touch", "started"]), dict(os.environ)).plan
    assert plan is not None
    containment = open_containment("auto")
    try:
        control = JobControl()
        control.request_stop("lease_lost")
        with pytest.raises(NotStarted, match="lease_lost"):
            await run_job(plan, containment.new_job(plan.job_id), control)
        assert not (workspace / "started").exists()
        ended = JobControl()
        outcome = await run_job(plan, containment.new_job(plan.job_id), ended)
        ended.request_stop("lease_lost")
    finally:
        containment.close()
    assert outcome.returncode == 0 and outcome.killed_by is None
    assert ended.reason is None and not ended.stopped.is_set()
    assert (workspace / "started").exists()
