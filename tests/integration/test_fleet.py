"""Many gates on one PostgreSQL store: leases, recovery of a dead gate's jobs by another host's
gate, exactly once, and what ``execgate fleet`` and ``execgate log --host`` show."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import read_pids

from execgate import Policy
from execgate.store import EventFilter, open_store

pytestmark = pytest.mark.slow  # several gates and CLI processes per test

LEASE = 1.5
LONG_JOBS = 2

GATE = """
import signal, sys, anyio
from execgate import Gate, load_policy

async def main():
    policy, store, name = sys.argv[1:4]
    async with Gate.open(load_policy(policy), store) as gate:
        for i in range(3):
            await gate.run(argv=["echo", name], job_id=f"{name}-done-{i}")
        async with anyio.create_task_group() as tg:
            for i in range(LONG_JOBS):
                tg.start_soon(lambda i=i: gate.run(
                    argv=["sh", "-c", f"echo $$ >> {name}.pids; exec sleep 60"],
                    job_id=f"{name}-long-{i}", timeout=60))
            with anyio.open_signal_receiver(signal.SIGTERM) as signals:
                async for _ in signals:
                    tg.cancel_scope.cancel()
                    break

anyio.run(main)
""".replace("LONG_JOBS", str(LONG_JOBS))


def _interrupted(url: str) -> list[tuple[str, str]]:
    st = open_store(url)
    try:
        found = st.query(limit=None, where=EventFilter(kind="interrupted"))
    finally:
        st.close()
    return [(str(e.job_id), json.loads(e.detail or "{}").get("host_id", "")) for e in found]


def test_a_killed_gate_is_recovered_by_another_host_exactly_once(
    policy: Policy, pg_url: str, workspace: Path, tmp_path: Path
) -> None:
    script = tmp_path / "gate.py"
    script.write_text(GATE)
    hosts = [f"host-{i}" for i in range(4)]
    env = {**os.environ, "EXECGATE_LEASE_SECONDS": str(LEASE)}
    procs = {
        h: subprocess.Popen(
            [sys.executable, str(script), str(policy.source), pg_url, h],
            env={**env, "EXECGATE_HOST_ID": h},
            cwd=workspace,
        )
        for h in hosts
    }
    orphans: list[int] = []
    try:
        pids = {h: read_pids(workspace / f"{h}.pids", LONG_JOBS, timeout=60) for h in hosts}
        victim = "host-1"
        procs[victim].send_signal(signal.SIGKILL)
        procs[victim].wait()
        orphans = pids[victim]  # its jobs outlive it (a real host would lose them too)

        doomed = {f"{victim}-long-{i}" for i in range(LONG_JOBS)}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if {j for j, _ in _interrupted(pg_url)} >= doomed:
                break
            time.sleep(0.2)
        # three live gates keep trying to recover every half second: give them the time to
        # recover it again, if they could
        time.sleep(LEASE * 2)
        marked = _interrupted(pg_url)
        assert Counter(j for j, _ in marked) == Counter(doomed), marked
        assert {h for _, h in marked} == {victim}

        st = open_store(pg_url)
        try:
            leases = {lease.host_id: lease for lease in st.leases()}
            by_host = {
                e.job_id
                for e in st.query(limit=None, where=EventFilter(host_id=victim))
                if e.job_id
            }
        finally:
            st.close()
        assert set(leases) == set(hosts)
        dead = leases[victim]
        survivors = {leases[h].chain_id for h in hosts if h != victim}
        assert dead.recovered_by in survivors and dead.running_jobs == 0
        assert all(leases[h].state(time.time()) == "live" for h in hosts if h != victim)
        assert all(leases[h].running_jobs == LONG_JOBS for h in hosts if h != victim)
        # the victim's events are found by its host id; the recovery is in another's chain
        assert by_host == {f"{victim}-done-{i}" for i in range(3)} | doomed

        shown = subprocess.run(
            [sys.executable, "-m", "execgate", "fleet", "--store", pg_url, "--json"],
            capture_output=True, timeout=60, check=True,
        ).stdout  # fmt: skip
        rows = {r["host_id"]: r for r in map(json.loads, shown.splitlines())}
        assert rows[victim]["state"] == "recovered" and rows["host-0"]["state"] == "live"
        assert rows["host-2"]["running_jobs"] == LONG_JOBS

        for h in hosts:
            if h != victim:
                procs[h].send_signal(signal.SIGTERM)
        for h in hosts:
            assert procs[h].wait(timeout=30) in (0, -signal.SIGKILL), h
        # the survivors stopped cleanly: their cancelled jobs have results, nothing more
        # was marked, and their leases are released, never to be recovered
        assert Counter(j for j, _ in _interrupted(pg_url)) == Counter(doomed)
        st = open_store(pg_url)
        try:
            states = {lease.host_id: lease.state(time.time()) for lease in st.leases()}
            report = st.verify()
        finally:
            st.close()
        assert states == {h: "recovered" if h == victim else "stopped" for h in hosts}
        assert report.ok and report.recovered == (dead.chain_id,)
        assert report.unsealed == (), "the dead chain is closed by recovery, the others by stop"
        shown = subprocess.run(
            [sys.executable, "-m", "execgate", "verify", "--store", pg_url],
            capture_output=True, timeout=60, check=True,
        ).stdout  # fmt: skip
        assert f"chain {dead.chain_id} was closed by recovery".encode() in shown
        assert b"no supervisor_stop" not in shown
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_live_gate_is_never_recovered(
    policy: Policy, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gate renewing its lease is not taken for dead, however long its job runs."""
    import anyio

    from execgate import Gate

    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", str(LEASE))
    monkeypatch.setenv("EXECGATE_HOST_ID", "elsewhere")

    async def main() -> None:
        async with Gate.open(policy, pg_url) as a, Gate.open(policy, pg_url) as b:
            r = await a.run(argv=["sleep", str(LEASE * 3)], job_id="slow")
            assert r.exit_code == 0
            await b.run(argv=["echo", "b"])

    anyio.run(main)
    assert _interrupted(pg_url) == []


def test_concurrent_recover_commands_mark_a_lone_dead_gate_once(
    policy: Policy, pg_url: str, workspace: Path, tmp_path: Path
) -> None:
    """A gate whose host never runs a gate again: `execgate recover`, run three times at
    once from elsewhere, marks its jobs once, after its lease expired and not before."""
    script = tmp_path / "gate.py"
    script.write_text(GATE)
    env = {**os.environ, "EXECGATE_LEASE_SECONDS": str(LEASE), "EXECGATE_HOST_ID": "lonely"}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(policy.source), pg_url, "lonely"], env=env, cwd=workspace
    )
    orphans: list[int] = []
    try:
        orphans = read_pids(workspace / "lonely.pids", LONG_JOBS, timeout=60)
        recover = [sys.executable, "-m", "execgate", "recover", "--store", pg_url]
        others = {**os.environ, "EXECGATE_HOST_ID": "elsewhere"}
        # alive: nothing to recover
        early = subprocess.run(recover, env=others, capture_output=True, timeout=60, check=True)
        assert early.stdout == b"marked 0 job(s) interrupted\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(LEASE * 1.5)
        runs = [subprocess.Popen(recover, env=others, stdout=subprocess.PIPE) for _ in range(3)]
        counts = sorted(int(r.communicate(timeout=60)[0].split()[1]) for r in runs)
        assert counts == [0, 0, LONG_JOBS]
        marked = Counter(j for j, _ in _interrupted(pg_url))
        assert marked == Counter(f"lonely-long-{i}" for i in range(LONG_JOBS))
        st = open_store(pg_url)
        try:
            report = st.verify()
        finally:
            st.close()
        assert report.ok and len(report.recovered) == 1 and report.unsealed == ()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_dead_gate_whose_pid_was_reused_is_recovered_by_its_lease(
    policy: Policy, any_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gate on this host that died while its pid went to another process looks alive to the
    pid check; its expired lease still gives it away. SQLite and PostgreSQL alike."""
    import anyio

    from execgate import Gate
    from execgate.models import Event, new_event_id

    dead = open_store(any_store_url)
    dead.append(
        [
            Event(
                event_id=new_event_id(), ts=time.time(), kind="supervisor_start",
                actor="supervisor",
                detail=json.dumps({"pid": os.getpid(), "host": os.uname().nodename}),
            ),
            Event(
                event_id=new_event_id(), ts=time.time(), kind="decision", actor="gatekeeper",
                job_id="orphaned", argv=("sleep", "9"), decision="allow", session_id="s",
            ),
        ]
    )  # fmt: skip
    dead.take_lease("this-host", os.getpid(), 0.2)  # our own, live pid: "reused"
    dead.close()  # no supervisor_stop, no release: it died
    time.sleep(0.3)
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", "0.3")

    async def main() -> None:
        async with Gate.open(policy, any_store_url), Gate.open(policy, any_store_url):
            await anyio.sleep(0.5)  # both gates' renewal rounds race for it too

    anyio.run(main)
    marked = _interrupted(any_store_url)
    assert [j for j, _ in marked] == ["orphaned"]
    st = open_store(any_store_url)
    try:
        assert st.verify().unsealed == ()
    finally:
        st.close()


def test_host_id_and_lease_length() -> None:
    from execgate.store import host_id, lease_seconds

    env = {"EXECGATE_HOST_ID": "h7"}
    # the gate's option, then the variable, then the policy, then the machine id
    assert host_id("opt", policy="pol", environ=env, read=lambda _p: "m") == "opt"
    assert host_id(policy="pol", environ=env, read=lambda _p: "m") == "h7"
    assert host_id(policy="pol", environ={}, read=lambda _p: "m") == "pol"
    derived = host_id(environ={}, read=lambda _p: "abc123")
    # a keyed hash of the machine id: stable, 16 hex digits, never the machine id itself
    assert derived == host_id(environ={}, read=lambda _p: "abc123")
    assert len(derived) == 16 and int(derived, 16) >= 0 and "abc123" not in derived
    assert derived != host_id(environ={}, read=lambda _p: "abc124")
    assert host_id(environ={}, read=lambda _p: "") == os.uname().nodename
    assert lease_seconds({}) == 30.0
    assert lease_seconds({"EXECGATE_LEASE_SECONDS": "2.5"}) == 2.5
    for bad in ("0", "-1", "inf", "nan", "soon"):
        assert lease_seconds({"EXECGATE_LEASE_SECONDS": bad}) == 30.0, bad


@pytest.mark.parametrize("bad", ["", " padded", "tab\there", "nl\n", "x" * 129, "esc\x1b[31m"])
def test_a_malformed_host_id_is_refused_wherever_it_comes_from(
    bad: str, policy: Policy, store_url: str, tmp_path: Path
) -> None:
    """A host id is shown to people and stored on every row: no control characters, no
    invisible padding, bounded."""
    from execgate import Gate, PolicyInvalid, StoreInvalid
    from execgate.store import host_id

    with pytest.raises(StoreInvalid, match="host id"):
        host_id(bad, environ={})
    if bad:  # an empty variable is unset
        with pytest.raises(StoreInvalid, match="EXECGATE_HOST_ID"):
            host_id(environ={"EXECGATE_HOST_ID": bad})
    with pytest.raises(StoreInvalid):
        Gate.open(policy, store_url, host_id=bad)
    with pytest.raises(StoreInvalid):
        open_store(store_url, host_id=bad)
    source = tmp_path / "host.toml"
    source.write_text(f"[recorder]\nhost_id = {json.dumps(bad)}\n")
    from execgate import load_policy

    with pytest.raises(PolicyInvalid, match="host_id"):
        load_policy(source)


def _raw(url: str, sql: str, args: tuple[object, ...] = ()) -> None:
    """Run ``sql`` on the store's database behind execgate's back (a tamperer's edit)."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute(sql, args)
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(sql.replace("?", "%s"), args)  # type: ignore[arg-type]


def test_every_event_carries_its_host_id_under_the_chain(
    policy: Policy, any_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate's host id is on each of its events (lifecycle, decision, result, refusal),
    is what ``log --host`` selects and ``log --json`` shows, and is covered by verify: an
    edited or erased host id breaks the chain."""
    import anyio

    from execgate import Gate, PolicyDenied

    monkeypatch.setenv("EXECGATE_HOST_ID", "from-env")

    async def main() -> None:
        async with Gate.open(policy, any_store_url, host_id="rack-7") as gate:
            await gate.run(argv=["echo", "hi"], job_id="on-rack")
            with pytest.raises(PolicyDenied):
                await gate.run(argv=["rm", "-rf", "x"], job_id="refused")
        async with Gate.open(policy, any_store_url) as gate:  # the variable's
            await gate.run(argv=["echo", "env"], job_id="on-env")

    anyio.run(main)
    st = open_store(any_store_url)
    try:
        everything = st.query(limit=None)
        rack = st.query(limit=None, where=EventFilter(host_id="rack-7"))
        report = st.verify()
    finally:
        st.close()
    assert report.ok, report.breaks
    assert {e.host_id for e in everything} == {"rack-7", "from-env"}
    assert {e.kind for e in rack} >= {"supervisor_start", "decision", "result", "supervisor_stop"}
    assert {e.job_id for e in rack if e.job_id} == {"on-rack", "refused"}
    assert {e.job_id for e in everything if e.host_id == "from-env" and e.job_id} == {"on-env"}

    shown = subprocess.run(
        [sys.executable, "-m", "execgate", "log", "--store", any_store_url, "--json",
         "--host", "rack-7", "--job", "on-rack"],
        capture_output=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    rows = [json.loads(line) for line in shown.splitlines()]
    assert rows and {r["host_id"] for r in rows} == {"rack-7"}

    victim = next(e for e in rack if e.kind == "result")
    for forged in ("rack-8", None):
        _raw(any_store_url, "UPDATE events SET host_id = ? WHERE event_id = ?",
             (forged, victim.event_id))  # fmt: skip
        st = open_store(any_store_url)
        try:
            breaks = st.verify().breaks
        finally:
            st.close()
        assert [(b.event_id, b.problem) for b in breaks] == [
            (victim.event_id, "contents do not match the hash (edited)")
        ], forged


def test_events_from_before_host_ids_still_verify(any_store_url: str) -> None:
    """Rows written before events carried a host (NULL there) are hashed as they were
    written, and a chain may go on after them with host ids."""
    from execgate.models import Event, new_event_id

    def event(kind: str) -> Event:
        return Event(event_id=new_event_id(), ts=time.time(), kind=kind, actor="supervisor")  # type: ignore[arg-type]

    st = open_store(any_store_url, host_id="new-host")
    try:
        st.host_id = None  # type: ignore[assignment]  # as a store before host ids wrote
        st.append([event("supervisor_start")])
        st.host_id = "new-host"
        st.append([event("supervisor_stop")])
        hosts = [e.host_id for e in st.query(limit=None)]
        report = st.verify()
    finally:
        st.close()
    assert hosts == [None, "new-host"]
    assert report.ok and report.events == 2
