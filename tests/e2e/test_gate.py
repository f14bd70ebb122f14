"""The Gate end to end: refusals, supervision, fail-closed recording, events, idempotency."""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import threading
from pathlib import Path

import anyio
import pytest
from conftest import PYTHON, open_gate
from corpus import SECRETS

from execgate import (
    ActorCrashed,
    ExecRequest,
    GateClosed,
    IdempotencyConflict,
    Policy,
    PolicyDenied,
    ProgramNotFound,
    RecorderUnavailable,
    SecretDetected,
    StoreUnavailable,
    SupervisorFailed,
)

pytestmark = pytest.mark.anyio

GITHUB_TOKEN = SECRETS["github-token"](random.Random(1))  # synthetic, checksum-valid
AWS_KEY = "AKIA" + "Z7QX4LM2PWERT3VB"


def events(store_url: str, **where: object) -> list[dict[str, object]]:
    db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    db.row_factory = sqlite3.Row
    sql = "SELECT * FROM events"
    if where:
        sql += " WHERE " + " AND ".join(f"{k} = ?" for k in where)
    rows = [dict(r) for r in db.execute(sql + " ORDER BY ts, chain_seq", tuple(where.values()))]
    db.close()
    return rows


async def test_allowed_and_refused_paths(policy: Policy, store_url: str, workspace: Path) -> None:
    async with open_gate(policy, store_url) as gate:
        assert (await gate.run(argv=["true"])).exit_code == 0
        with pytest.raises(PolicyDenied) as denied:
            await gate.run(argv=["rm", "-rf", "x"])
        assert denied.value.code == "EG-POLICY-DENIED"
        assert "never delegated" in denied.value.message
        with pytest.raises(PolicyDenied) as not_allowed:
            await gate.run(argv=["ls"])
        assert not_allowed.value.code == "EG-POLICY-NOT-ALLOWED"
        assert not_allowed.value.rule == "default-deny"
        with pytest.raises(ProgramNotFound):
            await gate.run(argv=["no-such-program-here"])
        with pytest.raises(PolicyDenied) as mode:
            await gate.run(command="git push origin main")
        assert "git status" in mode.value.message


async def test_cwd_escapes_are_refused(
    policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "link").symlink_to(outside)
    async with open_gate(policy, store_url) as gate:
        for cwd in ("..", "../outside", str(outside), "/", "link", "link/.", "sub/../.."):
            with pytest.raises(PolicyDenied) as exc:
                await gate.run(argv=["true"], cwd=cwd)
            assert exc.value.code == "EG-CWD-ESCAPE", cwd
        with pytest.raises(PolicyDenied) as missing:
            await gate.run(argv=["true"], cwd="missing")
        assert missing.value.code == "EG-CWD-INVALID"


async def test_planted_program_is_not_the_allowed_one(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    """A workspace file named like an allowed program is never decided under that program's
    rule: a script is decided as its #! interpreter running it (allowed only where that
    interpreter's rule allows running scripts), anything else is refused."""
    fake = workspace / "sleep"
    for text in ("#!/usr/bin/perl\nsystem('touch pwned');\n", "touch pwned\n"):
        fake.write_text(text)
        fake.chmod(0o755)
        async with open_gate(policy, store_url) as gate:
            with pytest.raises(PolicyDenied):
                await gate.run(argv=["./sleep", "0"])
            with pytest.raises(PolicyDenied):
                await gate.run(argv=[str(fake), "0"])
        assert not (workspace / "pwned").exists()
    fake.write_text("#!/bin/sh\ntouch pwned\n")
    async with open_gate(policy, store_url) as gate:
        decided = await gate.check(argv=["./sleep", "0"])
    assert "'sleep'" not in decided.rule and "'sh'" in decided.rule, decided


async def test_limits_above_maximum_are_refused(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(PolicyDenied) as exc:
            await gate.run(argv=["true"], timeout=3600)
        assert exc.value.code == "EG-LIMIT-EXCEEDED"
        assert exc.value.rule == "limits.maximum.timeout"


async def test_denied_env_override(policy: Policy, store_url: str, workspace: Path) -> None:
    async with open_gate(policy, store_url) as gate:
        for name in ("LD_PRELOAD", "PATH", "BASH_ENV", "GIT_SSH_COMMAND"):
            with pytest.raises(PolicyDenied) as exc:
                await gate.run(argv=["touch", "marker"], env_overrides={name: "x"})
            assert exc.value.code == "EG-ENV-DENIED"
    assert not (workspace / "marker").exists()


@pytest.mark.parametrize(
    "request_kw",
    [
        {"argv": ["cat"], "stdin": b"x" * (10 * 1024 * 1024) + b"\n" + GITHUB_TOKEN.encode()},
        {"argv": ["echo", GITHUB_TOKEN]},
        {"command": f"echo {AWS_KEY}"},
        {"argv": ["echo", "hi"], "env_overrides": {"TOKEN": GITHUB_TOKEN}},
        {
            "argv": ["cat"],
            "stdin": b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n",
        },
        {"argv": ["echo", "-H", "Authorization: Bearer Zk39xLq0PmW2rT8vA1b2c3"]},
        {"argv": ["echo", "postgres://admin:hunter2x@db:5432/app"]},
    ],
)
@pytest.mark.slow
async def test_secret_is_refused_and_absent_from_the_record(
    policy: Policy, store_url: str, request_kw: dict[str, object]
) -> None:
    req = ExecRequest(**request_kw)  # type: ignore[arg-type]
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(SecretDetected) as exc:
            await gate.run(req)
    secret_parts = (GITHUB_TOKEN, AWS_KEY, "MIIEow", "abcdef0123456789abcdef", "hunter2x")
    assert not any(s in str(exc.value) for s in secret_parts)
    rows = events(store_url, job_id=req.job_id)
    assert [r["kind"] for r in rows] == ["decision"]
    assert rows[0]["decision"] == "deny" and rows[0]["code"] == "EG-SECRET-DETECTED"
    dump = Path(store_url.removeprefix("sqlite:///")).read_bytes()
    for path in Path(store_url.removeprefix("sqlite:///")).parent.iterdir():
        dump += path.read_bytes()
    for s in secret_parts:
        assert s.encode() not in dump, f"{s} reached the database"


async def test_events_have_the_flight_recorder_fields(policy: Policy, store_url: str) -> None:
    req = ExecRequest(command="echo hello", job_id="job-1", model_id="model-x", session_id="sess-9")
    async with open_gate(policy, store_url) as gate:
        await gate.run(req)
    decision, result = events(store_url, job_id="job-1")
    assert decision["kind"] == "decision" and decision["decision"] == "allow"
    assert decision["model_id"] == "model-x" and decision["session_id"] == "sess-9"
    assert decision["command"] == "echo hello"
    assert decision["code"] == "EG-ALLOWED" and decision["rule"] and decision["reason"]
    assert decision["cwd"]
    assert result["kind"] == "result" and result["exit_code"] == 0
    assert result["timed_out"] == 0 and result["cancelled"] == 0
    assert result["truncated_bytes"] == 0 and result["duration_ms"] > 0
    assert json.loads(str(result["argv"]))[1:] == ["hello"]
    assert float(str(decision["ts"])) <= float(str(result["ts"]))
    kinds = [r["kind"] for r in events(store_url)]
    assert kinds[0] == "supervisor_start" and kinds[-1] == "supervisor_stop"


async def test_env_values_are_never_recorded(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        await gate.run(argv=["true"], env_overrides={"MY_SETTING": "value-never-stored"})
    raw = b"".join(
        p.read_bytes() for p in Path(store_url.removeprefix("sqlite:///")).parent.iterdir()
    )
    assert b"value-never-stored" not in raw
    assert b"MY_SETTING" in raw  # names may be


async def test_decision_not_durable_means_nothing_runs(
    policy: Policy, tmp_path: Path, workspace: Path
) -> None:
    db_path = tmp_path / "locked.db"
    url = f"sqlite:///{db_path}?busy_timeout=0.2"
    async with open_gate(policy, url) as gate:
        await gate.run(argv=["true"])  # the store works
        locker = sqlite3.connect(db_path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(RecorderUnavailable) as exc:
                await gate.run(argv=["touch", "marker"])
            assert exc.value.code == "EG-RECORDER-UNAVAILABLE"
            assert not (workspace / "marker").exists()
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        await gate.run(argv=["touch", "marker"])
    assert (workspace / "marker").exists()


async def test_recorder_crash_with_decision_in_flight_runs_nothing(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    async with open_gate(policy, store_url) as gate:
        await gate.run(argv=["true"])  # the start-up event is written: the next call is ours
        await gate._inject_crash("recorder", on_next_call=True)
        with pytest.raises(ActorCrashed):
            await gate.run(argv=["touch", "marker"])
        assert not (workspace / "marker").exists()
        assert gate.statistics().restarts["recorder"] == 1
        await gate.run(argv=["touch", "marker"])  # restarted, working
    assert (workspace / "marker").exists()
    assert any(r["kind"] == "actor_restart" and r["actor"] == "recorder" for r in events(store_url))


@pytest.mark.parametrize("actor", ["scanner", "gatekeeper"])
async def test_pure_actor_crash_is_a_typed_error_then_restart(
    policy: Policy, store_url: str, actor: str
) -> None:
    async with open_gate(policy, store_url) as gate:
        await gate._inject_crash(actor, on_next_call=True)
        with pytest.raises(ActorCrashed) as exc:
            await gate.run(argv=["true"])
        assert exc.value.code == "EG-ACTOR-CRASHED"
        assert (await gate.run(argv=["true"])).exit_code == 0
        assert gate.statistics().restarts[actor] == 1


async def test_runner_crash_with_job_in_flight(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    from conftest import assert_all_gone, read_pids, write_script

    write_script(
        workspace,
        "long.py",
        "import os, time\nopen('pids.txt','a').write(f'{os.getpid()}\\n')\ntime.sleep(60)\n",
    )
    errors: list[BaseException] = []
    async with open_gate(policy, store_url) as gate:

        async def job() -> None:
            try:
                await gate.run(argv=[PYTHON, "long.py"], kill_grace=0.2)
            except ActorCrashed as exc:
                errors.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(job)
            pids = await anyio.to_thread.run_sync(read_pids, workspace / "pids.txt", 1)
            await gate._inject_crash("runner")
        assert len(errors) == 1, "the in-flight request must fail, not hang"
        assert_all_gone(pids)
        assert (await gate.run(argv=["echo", "again"])).stdout == b"again\n"
        assert gate.statistics().restarts["runner"] == 1


async def test_restart_budget_exhausted_stops_the_gate(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url, restart_intensity=2, restart_period=60) as gate:
        for _ in range(3):
            await gate._inject_crash("scanner")
            with anyio.fail_after(5):
                while sum(gate.statistics().restarts.values()) < _ + 1:
                    await anyio.sleep(0.01)
        with anyio.fail_after(5):
            while not gate.statistics().closed:
                await anyio.sleep(0.01)
        with pytest.raises(SupervisorFailed) as exc:
            await gate.run(argv=["true"])
        assert exc.value.code == "EG-SUPERVISOR-FAILED"
        assert isinstance(exc.value, GateClosed)


async def test_gate_refuses_after_close(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        pass
    with pytest.raises(GateClosed):
        await gate.run(argv=["true"])


async def test_unusable_store_fails_open(policy: Policy, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StoreUnavailable):
        async with open_gate(policy, f"sqlite:///{tmp_path / 'afile' / 'db.sqlite'}"):
            pass


async def test_idempotency_key(policy: Policy, store_url: str, workspace: Path) -> None:
    async with open_gate(policy, store_url) as gate:
        a = await gate.run(argv=["sh", "-c", "echo x >> count"], idempotency_key="k1")
        b = await gate.run(argv=["sh", "-c", "echo x >> count"], idempotency_key="k1")
        assert a == b
        with pytest.raises(IdempotencyConflict):
            await gate.run(argv=["sh", "-c", "echo y >> count"], idempotency_key="k1")
    assert (workspace / "count").read_text() == "x\n"


async def test_check_decides_without_running(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    async with open_gate(policy, store_url) as gate:
        d = await gate.check(argv=["touch", "marker"])
        assert d.allowed and d.rule.startswith("allow[")
        d = await gate.check(argv=["rm", "marker"])
        assert not d.allowed and d.code == "EG-POLICY-DENIED"
    assert not (workspace / "marker").exists()


async def test_statistics_show_backpressure(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url, max_concurrent_jobs=2) as gate:
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(gate.run, ExecRequest(argv=["sleep", "0.5"]))
            with anyio.fail_after(5):
                while gate.statistics().jobs_running < 2:
                    await anyio.sleep(0.01)
            stats = gate.statistics()
            assert stats.jobs_running == 2
            assert stats.requests_in_flight == 5
            assert stats.jobs_queued + stats.jobs_running <= 5


async def test_runner_pool_grows_to_the_peak_and_never_past_the_limit(
    policy: Policy, store_url: str
) -> None:
    async with open_gate(policy, store_url, max_concurrent_jobs=3) as gate:
        assert gate._sup is not None
        runner = gate._sup.current["runner"]
        for _ in range(5):  # one at a time: a second worker waits, no more are started
            assert (await gate.run(argv=["true"])).exit_code == 0
        assert runner.workers == 2  # type: ignore[attr-defined]
        peak, done = 0, 0

        async def sleeper() -> None:
            nonlocal done
            await gate.run(argv=["sleep", "0.3"])
            done += 1

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(sleeper)
            with anyio.fail_after(10):
                while done < 8:
                    peak = max(peak, gate.statistics().jobs_running)
                    await anyio.sleep(0.005)
        assert peak == 3
        assert runner.workers == 3  # type: ignore[attr-defined]
        # The pool stays: the next burst starts no task and still runs three at a time.
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for _ in range(4):
                    tg.start_soon(gate.run, ExecRequest(argv=["true"]))
        assert runner.workers == 3  # type: ignore[attr-defined]


def test_sync_run(policy: Policy, store_url: str) -> None:
    import execgate

    r = execgate.run(["echo", "sync"], policy=policy, store=store_url)
    assert r.stdout == b"sync\n"
    r = execgate.run(command="echo 'a b'", policy=policy, store=store_url, backend="asyncio")
    assert r.stdout == b"a b\n"


def test_gate_works_under_plain_trio_and_asyncio_run(policy: Policy, store_url: str) -> None:
    import asyncio

    import trio

    from execgate import Gate

    async def main() -> bytes:
        async with Gate.open(policy, store_url) as gate:
            return (await gate.run(argv=["echo", "ok"])).stdout

    assert trio.run(main) == b"ok\n"
    assert asyncio.run(main()) == b"ok\n"
    # and from a worker thread with its own loop
    out: list[bytes] = []
    t = threading.Thread(target=lambda: out.append(asyncio.run(main())))
    t.start()
    t.join()
    assert out == [b"ok\n"]


async def test_malformed_requests_are_typed_errors(policy: Policy, store_url: str) -> None:
    from execgate import RequestError

    async with open_gate(policy, store_url) as gate:
        bad: list[dict[str, object]] = [
            {"argvv": ["true"]},
            {},
            {"argv": ["true"], "command": "true"},
            {"argv": "true"},
            {"argv": []},
            {"argv": ["true", 3]},
            {"argv": ["tr\x00ue"]},
            {"argv": ["true"], "timeout": -1},
            {"argv": ["true"], "timeout": float("nan")},
            {"argv": ["true"], "max_output_bytes": True},
            {"argv": ["true"], "env_overrides": {"A=B": "x"}},
            {"argv": ["true"], "stdin": "text"},
            {"argv": ["true"], "on_output_overflow": "explode"},
            {"argv": ["true", "x" * (200 * 1024)]},
            {"argv": ["true"] + ["x" * 100_000] * 20},
            {"command": "echo " + "x" * 200_000},
            {"argv": ["cat"], "stdin": b"x" * (17 * 1024 * 1024)},
        ]
        for fields in bad:
            with pytest.raises(RequestError):
                await gate.run(**fields)
        assert (await gate.run(argv=["true"])).exit_code == 0


@pytest.mark.root
async def test_disk_full_means_nothing_runs(
    policy: Policy, tmp_path: Path, workspace: Path
) -> None:
    """A real full filesystem (a 512 KiB tmpfs), not a simulated error."""
    import subprocess

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        async with open_gate(policy, f"sqlite:///{mnt / 'db.sqlite'}") as gate:
            await gate.run(argv=["true"])
            fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"x" * 4096)
            os.close(fd)
            with pytest.raises(RecorderUnavailable) as exc:
                await gate.run(argv=["touch", "marker"])
            assert "full" in str(exc.value)
            assert not (workspace / "marker").exists()
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.slow
def test_supervisor_killed_mid_job(
    policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    """SIGKILL the whole supervisor process while a job runs: the next gate marks the job
    interrupted, and (with cgroups) ends the job the dead supervisor left running."""
    import signal
    import subprocess
    import sys

    from conftest import alive, cgroup_available, read_pids, write_script

    from execgate.store import EventFilter, open_store

    write_script(
        workspace,
        "long.py",
        "import os, time\nopen('pids.txt','a').write(f'{os.getpid()}\\n')\ntime.sleep(60)\n",
    )
    host = tmp_path / "host.py"
    host.write_text(
        "import sys, anyio\n"
        "from execgate import Gate, load_policy\n"
        "async def main():\n"
        "    async with Gate.open(load_policy(sys.argv[1]), sys.argv[2]) as gate:\n"
        f"        await gate.run(argv=[{PYTHON!r}, 'long.py'], job_id='doomed', timeout=30)\n"
        "anyio.run(main)\n"
    )
    proc = subprocess.Popen([sys.executable, str(host), policy.source, store_url])
    (job_pid,) = read_pids(workspace / "pids.txt", 1, timeout=20)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert alive(job_pid), "the job outlived its supervisor (what the next gate must clean up)"

    async def reopen() -> None:
        async with open_gate(policy, store_url):
            pass

    anyio.run(reopen)
    st = open_store(store_url)
    marked = st.query(where=EventFilter(kind="interrupted"))
    st.close()
    assert [e.job_id for e in marked] == ["doomed"]
    if cgroup_available():
        assert not alive(job_pid), "the dead supervisor's job must be ended by the next gate"
    else:
        os.kill(job_pid, signal.SIGKILL)


async def test_gate_on_postgres(policy: Policy, pg_url: str, workspace: Path) -> None:
    from execgate.store import EventFilter, open_store

    async with open_gate(policy, pg_url) as gate:
        r = await gate.run(argv=["echo", "pg"], job_id="pg-1")
        assert r.stdout == b"pg\n" and r.recorded
    st = open_store(pg_url)
    kinds = [e.kind for e in st.query(where=EventFilter(job_id="pg-1"))]
    assert kinds == ["decision", "result"]
    assert st.verify().ok
    st.close()


async def test_postgres_connection_killed_fails_closed_then_recovers(
    policy: Policy, pg_url: str, workspace: Path
) -> None:
    import uuid

    import psycopg
    from conftest import PG_BASE

    app = f"eg_{uuid.uuid4().hex[:8]}"
    url = f"{pg_url}&application_name={app}"
    async with open_gate(policy, url) as gate:
        await gate.run(argv=["true"])
        with psycopg.connect(PG_BASE, autocommit=True) as admin:
            n = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                (app,),
            ).fetchone()
            assert n is not None and n[0] == 1
        with pytest.raises(RecorderUnavailable):
            await gate.run(argv=["touch", "marker"])
        assert not (workspace / "marker").exists()
        await gate.run(argv=["touch", "marker"])  # reconnected
    assert (workspace / "marker").exists()


@pytest.mark.parametrize("lock_through_shutdown", [False, True])
@pytest.mark.slow
async def test_result_that_cannot_be_written_is_never_dropped(
    policy: Policy, tmp_path: Path, workspace: Path, lock_through_shutdown: bool
) -> None:
    db_path = tmp_path / "rec" / "events.db"
    url = f"sqlite:///{db_path}?busy_timeout=0.1"
    locker: sqlite3.Connection | None = None
    async with open_gate(policy, url) as gate:

        async def lock_soon() -> None:
            nonlocal locker
            await anyio.sleep(0.3)  # the decision is written by now; the job still runs
            locker = sqlite3.connect(db_path, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")

        async with anyio.create_task_group() as tg:
            tg.start_soon(lock_soon)
            r = await gate.run(argv=["sleep", "0.8"], job_id="unlucky")
        assert r.exit_code == 0 and not r.recorded
        assert gate.statistics().unrecorded_events == 1
        assert locker is not None
        if not lock_through_shutdown:
            locker.execute("ROLLBACK")
    if lock_through_shutdown:
        locker.execute("ROLLBACK")
        assert gate.spooled_to is not None
        lines = Path(gate.spooled_to).read_text().splitlines()
        assert [json.loads(line)["job_id"] for line in lines] == ["unlucky"]
        assert json.loads(lines[0])["kind"] == "result"
    else:
        assert gate.spooled_to is None
        kinds = [r["kind"] for r in events(f"sqlite:///{db_path}", job_id="unlucky")]
        assert kinds == ["decision", "result"]
    locker.close()


@pytest.mark.parametrize("level", ["none", "commands_only", "commands_plus_redacted_output"])
async def test_recorder_levels(make_policy: object, tmp_path: Path, level: str) -> None:
    from execgate.store import EventFilter, open_store

    policy = make_policy(extra=f'\n[recorder]\nlevel = "{level}"\n')  # type: ignore[operator]
    url = f"sqlite:///{tmp_path / 'lv.db'}"
    tok = SECRETS["github-token"](random.Random(2))
    tail = tok[4:]
    # the child prints a token that the request itself does not contain
    script = f"echo out-{'$'}1; printf '%s%s\\n' ghp_ {tail} >&2"
    async with open_gate(policy, url) as gate:
        r = await gate.run(argv=["sh", "-c", script, "sh", "arg"], job_id="L")
        assert r.stderr == tok.encode() + b"\n"
    st = open_store(url)
    decision, result = st.query(where=EventFilter(job_id="L"))
    outputs = st.outputs("L")
    st.close()
    if level == "none":
        assert decision.argv == (which_sh := decision.argv[:1]) and len(which_sh) == 1
        assert result.argv is not None and len(result.argv) == 1
    else:
        assert decision.argv is not None and decision.argv[-1] == "arg"
    if level == "commands_plus_redacted_output":
        (out,) = outputs
        assert out.stdout == "out-arg\n"
        assert out.stderr is not None and tok not in out.stderr and "***REDACTED***" in out.stderr
        digests = json.loads(str(result.detail))["output_sha256"]
        import hashlib

        assert digests[0] == hashlib.sha256(b"out-arg\n").hexdigest()
    else:
        assert outputs == []
    raw = (tmp_path / "lv.db").read_bytes()
    assert tok.encode() not in raw


async def test_a_secret_split_by_colour_codes_is_redacted_in_the_record(
    make_policy: object, tmp_path: Path
) -> None:
    """grep --color=always wraps the match (`ghp_`) in SGR sequences: on a terminal, and to a
    model, the token reads whole, so it is redacted whole."""
    from execgate.store import open_store

    policy = make_policy(extra='\n[recorder]\nlevel = "commands_plus_redacted_output"\n')  # type: ignore[operator]
    url = f"sqlite:///{tmp_path / 'colour.db'}"
    tok = SECRETS["github-token"](random.Random(7))
    script = f"printf '\\033[01;31m\\033[Kghp_\\033[m\\033[K%s\\n' {tok[4:]}"
    async with open_gate(policy, url) as gate:
        r = await gate.run(argv=["sh", "-c", script], job_id="C")
        assert tok[4:].encode() in r.stdout  # the caller gets the job's own output
    st = open_store(url)
    (out,) = st.outputs("C")
    st.close()
    assert out.stdout is not None and tok[4:] not in out.stdout, out.stdout
    assert "***REDACTED***" in out.stdout


async def test_request_may_not_raise_the_log_level(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(PolicyDenied) as exc:
            await gate.run(argv=["true"], log_level="commands_plus_redacted_output")
        assert exc.value.code == "EG-LIMIT-EXCEEDED" and exc.value.rule == "recorder.level"
        assert (await gate.run(argv=["true"], log_level="none")).exit_code == 0


async def test_every_allowed_job_gets_one_outcome_even_if_cancelled_while_queued(
    policy: Policy, store_url: str
) -> None:
    async with open_gate(policy, store_url, max_concurrent_jobs=1) as gate:
        async with anyio.create_task_group() as tg:
            tg.start_soon(gate.run, ExecRequest(argv=["sleep", "1"], job_id="first"))
            with anyio.fail_after(5):
                while gate.statistics().jobs_running < 1:
                    await anyio.sleep(0.01)
            with anyio.move_on_after(0.3):
                await gate.run(argv=["true"], job_id="queued")
    kinds = [(r["kind"], r["code"]) for r in events(store_url, job_id="queued")]
    assert kinds == [("decision", "EG-ALLOWED"), ("error", "EG-NOT-STARTED")]


@pytest.mark.parametrize("gave_up", ["cancelled", "timed_out"])
async def test_an_allow_decision_written_after_its_caller_gave_up_gets_its_one_outcome(
    policy: Policy, store_url: str, workspace: Path, gave_up: str
) -> None:
    """The disk stalls while an allow decision is being recorded: its caller gives up (it is
    cancelled, or the Recorder does not confirm within record_timeout) and no job runs, but
    the Recorder's write goes through once the disk does -- long after. That decision still
    gets exactly one outcome, EG-NOT-STARTED, in the store."""
    async with open_gate(policy, store_url, record_timeout=0.5) as gate:
        assert gate._sup is not None
        await gate.check(argv=["true"])  # the writer thread is up
        release = threading.Event()
        gate._sup.writer.submit(lambda: release.wait(30))
        try:
            if gave_up == "cancelled":
                with anyio.move_on_after(0.2) as scope:
                    await gate.run(argv=["touch", "marker"], job_id="late")
                assert scope.cancelled_caught
            else:
                with pytest.raises(RecorderUnavailable, match="did not confirm"):
                    await gate.run(argv=["touch", "marker"], job_id="late")
            # Past the Recorder's deadline for the call, and the second a cancelled caller
            # used to wait on top of it: the write is late for everyone.
            await anyio.sleep(0.5 + 1.0 + 0.2)
            assert events(store_url, job_id="late") == []
        finally:
            release.set()
        # The writer has one thread: this is written after the late decision.
        assert (await gate.run(argv=["true"])).exit_code == 0
    kinds = [(r["kind"], r["code"]) for r in events(store_url, job_id="late")]
    assert kinds == [("decision", "EG-ALLOWED"), ("error", "EG-NOT-STARTED")]
    assert not (workspace / "marker").exists()


async def test_refusal_reasons_never_carry_a_redactable_secret(
    make_policy: object, store_url: str
) -> None:
    """A fake-looking token (bad checksum) is below the reject threshold, so the request
    reaches the Gatekeeper, whose refusal quotes the argument: the quote is redacted."""
    policy = make_policy(extra='\n[[allow]]\ncommand = "ls"\npaths = "workspace"\n')  # type: ignore[operator]
    tok = SECRETS["github-token"](random.Random(4))
    fake = tok[:-1] + ("A" if tok[-1] != "A" else "B")  # its checksum no longer matches
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(PolicyDenied) as exc:
            await gate.run(argv=["ls", f"/{fake}"])
    assert exc.value.code == "EG-PATH-ESCAPE"
    assert fake not in str(exc.value) and "***REDACTED***" in str(exc.value)


async def test_a_secret_split_by_the_truncation_cut_is_not_stored(
    make_policy: object, tmp_path: Path
) -> None:
    from execgate.store import open_store

    policy = make_policy(
        max_output=4096, extra='\n[recorder]\nlevel = "commands_plus_redacted_output"\n'
    )  # type: ignore[operator]
    tok = SECRETS["github-token"](random.Random(9))
    head_room = (4096 - 64) // 2
    # the token starts 10 characters before the end of the kept head: the cut splits it
    script = f"import sys; sys.stdout.write('a' * {head_room - 10} + {tok[:4]!r} + {tok[4:]!r} + 'b' * 10000)"
    url = f"sqlite:///{tmp_path / 'cut.db'}"
    async with open_gate(policy, url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", script], job_id="cut")
    assert r.stdout_truncated_bytes > 0
    st = open_store(url)
    (out,) = st.outputs("cut")
    st.close()
    assert out.stdout is not None and tok[:10] not in out.stdout and "withheld" in out.stdout


async def test_a_flood_of_requests_on_a_stalled_recorder_all_fail_in_time(
    policy: Policy, store_url: str
) -> None:
    """The writer thread stuck (a stalled disk) and more requests than the Recorder's inbox
    holds (256): every one is refused within record_timeout (queued, batched, or still waiting
    for room in the inbox), none hangs, and the gate recovers once the disk does."""
    async with open_gate(policy, store_url, record_timeout=0.5) as gate:
        assert gate._sup is not None
        await gate.check(argv=["true"])  # the writer thread is up
        release = threading.Event()
        gate._sup.writer.submit(lambda: release.wait(30))
        outcomes: list[str] = []

        async def one() -> None:
            try:
                await gate.check(argv=["true"])
                outcomes.append("recorded")
            except RecorderUnavailable:
                outcomes.append("refused")

        t0 = anyio.current_time()
        try:
            with anyio.fail_after(10):
                async with anyio.create_task_group() as tg:
                    for _ in range(400):
                        tg.start_soon(one)
        finally:
            release.set()
        assert outcomes == ["refused"] * 400
        assert anyio.current_time() - t0 < 3
        with anyio.fail_after(10):
            assert (await gate.run(argv=["true"])).exit_code == 0


@pytest.mark.root
@pytest.mark.slow
async def test_frozen_disk_refuses_within_the_bound_and_never_hangs(
    policy: Policy, tmp_path: Path, workspace: Path
) -> None:
    """A real frozen filesystem (ext4 on a loop device, fsfreeze): writes block in the kernel.
    The request must be refused after record_timeout with nothing run, not hang."""
    import subprocess

    image, mnt = tmp_path / "fs.img", tmp_path / "frozen"
    mnt.mkdir()
    subprocess.run(["truncate", "-s", "32M", str(image)], check=True)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], capture_output=True)
    if made.returncode or mounted.returncode:
        pytest.skip(f"cannot mount an ext4 loop image here: {mounted.stderr.decode().strip()}")
    frozen = False
    try:
        async with open_gate(policy, f"sqlite:///{mnt / 'db.sqlite'}", record_timeout=1.0) as gate:
            await gate.run(argv=["true"])
            subprocess.run(["fsfreeze", "-f", str(mnt)], check=True)
            frozen = True
            with anyio.fail_after(20):
                with pytest.raises(RecorderUnavailable) as exc:
                    await gate.run(argv=["touch", "marker"])
            assert "did not confirm" in str(exc.value)
            assert not (workspace / "marker").exists()
            subprocess.run(["fsfreeze", "-u", str(mnt)], check=True)
            frozen = False
    finally:
        if frozen:
            subprocess.run(["fsfreeze", "-u", str(mnt)], check=False)
        subprocess.run(["umount", "-l", str(mnt)], check=False)


async def test_an_engine_bug_refuses_the_request_without_crashing_the_actor(
    policy: Policy, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import execgate.actors.gatekeeper as gk

    def broken(*_: object) -> None:
        raise ZeroDivisionError("bug")

    async with open_gate(policy, store_url) as gate:
        monkeypatch.setattr(gk, "evaluate", broken)
        for _ in range(10):  # more than the restart budget: the actor must not be crashing
            with pytest.raises(PolicyDenied) as exc:
                await gate.run(argv=["true"])
            assert exc.value.code == "EG-POLICY-ENGINE-ERROR"
        assert gate.statistics().restarts["gatekeeper"] == 0 and not gate.statistics().closed
        monkeypatch.undo()
        assert (await gate.run(argv=["true"])).exit_code == 0


@pytest.mark.parametrize("field", ["cwd", "job_id", "model_id", "session_id", "env-name", "env"])
@pytest.mark.slow
async def test_a_secret_in_any_recorded_field_refuses_and_is_stored_redacted(
    policy: Policy, store_url: str, workspace: Path, field: str
) -> None:
    """A checksum-valid token in the cwd, an id or an env override refuses the request, and
    neither the refusal's reason, the stored decision, ``log --json`` nor ``export`` holds
    it."""
    import subprocess
    import sys

    tok = SECRETS["github-token"](random.Random(22))
    (workspace / tok).mkdir()  # a cwd that exists: only the scan may refuse it
    fields: dict[str, object] = {"job_id": "J22", "model_id": "m", "session_id": "s"}
    if field in ("cwd", "job_id", "model_id", "session_id"):
        fields[field] = tok
    elif field == "env-name":
        fields["env_overrides"] = {tok: "1"}
    else:
        fields["env_overrides"] = {"X_VALUE": f"a {tok} b"}
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(SecretDetected) as exc:
            await gate.run(argv=["true"], **fields)
        assert exc.value.code == "EG-SECRET-DETECTED"
        assert tok not in str(exc.value)
    (decision,) = [e for e in events(store_url) if e["kind"] == "decision"]
    assert decision["decision"] == "deny" and decision["code"] == "EG-SECRET-DETECTED"
    if field in ("cwd", "job_id", "model_id", "session_id"):
        assert decision[field] == "***REDACTED***"
    cli = [sys.executable, "-m", "execgate"]
    for args in (["log", "--json", "--limit", "100"], ["export", "--format", "jsonl"]):
        shown = subprocess.run(
            [*cli, *args, "--store", store_url], capture_output=True, timeout=60, check=True
        )
        assert b"EG-SECRET-DETECTED" in shown.stdout
        assert tok.encode() not in shown.stdout + shown.stderr
    raw = Path(store_url.removeprefix("sqlite:///")).read_bytes()
    assert tok.encode() not in raw


async def test_the_gate_options_are_one_config(policy: Policy, store_url: str) -> None:
    """``Gate.open``'s options make one ``GateConfig``; a gate built from a config runs the
    same, and a bad option is refused before anything opens."""
    from execgate import Gate, GateConfig

    opened = Gate.open(policy, store_url, max_concurrent_jobs=3, record_timeout=2.0)
    assert opened.config == GateConfig(max_concurrent_jobs=3, record_timeout=2.0)
    with pytest.raises(ValueError, match="max_concurrent_jobs"):
        Gate.open(policy, store_url, max_concurrent_jobs=0)
    with pytest.raises(ValueError, match="max_concurrent_jobs"):
        GateConfig(max_concurrent_jobs=0)
    async with Gate(policy, store_url, GateConfig(max_concurrent_jobs=1)) as gate:
        results = []

        async def one(i: int) -> None:
            results.append(await gate.run(argv=["echo", str(i)]))

        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(one, i)
        assert sorted(r.stdout for r in results) == [b"0\n", b"1\n", b"2\n"]
        assert gate.statistics().jobs_running == 0


def _spellings(tok: str) -> dict[str, dict[str, object]]:
    """A checksum-valid token spelled so that only the shell's decoding builds it."""
    x, octal = "\\x67", "\\147"
    return {
        "single quotes": {"command": f"cat 'ghp_'{tok[4:]}"},
        "empty quotes": {"command": f'cat gh""{tok[2:]}'},
        "backslash": {"command": f"cat {tok[:20]}\\{tok[20:]}"},
        "brace list": {"command": f"cat ghp_{{{tok[4:]},}}"},
        "quoted tail": {"command": f"cat {tok[:10]}'{tok[10:]}'"},
        "ansi-c hex": {"command": f"cat $'{x}{tok[1:]}'"},
        "ansi-c octal": {"command": f"cat $'{octal}{tok[1:]}'"},
        "here-document split": {"command": f"cat <<EOF\n{tok[:15]}\\\n{tok[15:]}\nEOF"},
        "quoted here-document to sh": {"command": f"sh <<'EOF'\necho 'ghp_'{tok[4:]}\nEOF"},
        "assignment": {"command": f"FOO='ghp_'{tok[4:]} echo hi"},
        "in a list": {"command": f"echo a && cat gh''{tok[2:]}"},
        "sh -c line": {"command": f"sh -c \"echo 'ghp_'{tok[4:]}\""},
        "sh -c argv": {"argv": ["sh", "-c", f"echo {tok[:12]}'{tok[12:]}'"]},
        # long enough to be scanned in a worker process
        "long line": {"command": "echo " + "'w' " * 200 + f"'ghp_'{tok[4:]}"},
    }


async def test_a_secret_built_by_shell_decoding_refuses_and_is_never_stored(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    """A token that only quote removal, a backslash, a brace list, an ANSI-C string, a line
    continuation in a here-document, an assignment or a shell's -c line puts together refuses
    the request as one written plainly does, and nothing recorded holds it or its pieces."""
    import subprocess
    import sys

    tok = SECRETS["github-token"](random.Random(31))
    pieces = (tok, tok[4:], tok[12:], tok[20:])
    spellings = _spellings(tok)
    async with open_gate(policy, store_url) as gate:
        for spelling, request in spellings.items():
            with pytest.raises(SecretDetected) as exc:
                await gate.run(job_id=spelling, **request)  # type: ignore[arg-type]
            assert exc.value.code == "EG-SECRET-DETECTED", spelling
            assert not any(p in str(exc.value) for p in pieces), spelling
        assert (await gate.run(command="echo 'plain words'")).stdout == b"plain words\n"
    *refused, allowed = [e for e in events(store_url) if e["kind"] == "decision"]
    assert [e["job_id"] for e in refused] == list(spellings)
    for decision in refused:
        assert decision["decision"] == "deny" and decision["code"] == "EG-SECRET-DETECTED"
        assert (
            decision["command"] == "***REDACTED***"
            or decision["argv"] == '["sh", "***REDACTED***"]'
        )
    assert allowed["command"] == "echo 'plain words'"
    cli = [sys.executable, "-m", "execgate"]
    for args in (["log", "--json", "--limit", "100"], ["export", "--format", "jsonl"]):
        shown = subprocess.run(
            [*cli, *args, "--store", store_url], capture_output=True, timeout=60, check=True
        )
        assert shown.stdout.count(b"EG-SECRET-DETECTED") >= len(spellings)
        for piece in pieces:
            assert piece.encode() not in shown.stdout + shown.stderr
    for path in Path(store_url.removeprefix("sqlite:///")).parent.iterdir():
        for piece in pieces:
            assert piece.encode() not in path.read_bytes(), path.name


async def test_a_secret_a_glob_expands_into_refuses(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    """A glob the decision expands in the workspace into a token (a file named like one)
    refuses the request, alone or in a list; the token is not recorded."""
    tok = SECRETS["github-token"](random.Random(32))
    (workspace / tok).write_text("x")
    async with open_gate(policy, store_url) as gate:
        for line in (f"cat {tok[:12]}*", f"echo a && cat {tok[:12]}?*"):
            with pytest.raises(SecretDetected) as exc:
                await gate.run(command=line)
            assert tok not in str(exc.value)
        assert (await gate.run(command="cat nothing-like-it* || true")).exit_code == 0
    raw = Path(store_url.removeprefix("sqlite:///")).read_bytes()
    assert tok.encode() not in raw and tok[12:].encode() not in raw


async def test_a_refusal_recorded_in_front_of_the_gate_never_stores_a_built_secret(
    policy: Policy, store_url: str
) -> None:
    """A refusal made before the pipeline (a caller over its limit) records the request's
    command scanned as the pipeline scans it: a token quote removal builds is not stored."""
    from execgate import CallerLimited

    tok = SECRETS["github-token"](random.Random(33))
    async with open_gate(policy, store_url) as gate:
        for request in (
            ExecRequest(command=f"cat 'ghp_'{tok[4:]}", job_id="c1"),
            ExecRequest(argv=("sh", "-c", f"echo gh''{tok[2:]}"), job_id="c2"),
        ):
            await gate.record_refusal(CallerLimited("over the limit"), "callers", request)
    decisions = [e for e in events(store_url) if e["kind"] == "decision"]
    assert [d["code"] for d in decisions] == ["EG-CALLER-LIMIT"] * 2
    raw = Path(store_url.removeprefix("sqlite:///")).read_bytes()
    assert tok[4:].encode() not in raw and tok[12:].encode() not in raw


async def test_output_with_nul_bytes_is_recorded_with_its_result(
    make_policy: object, any_store_url: str
) -> None:
    """Binary output (``find -print0``: NUL bytes) is stored at once with its result, in
    SQLite and PostgreSQL alike: each NUL as U+2400, invalid UTF-8 as U+FFFD."""
    from execgate.store import open_store

    policy = make_policy(extra='\n[recorder]\nlevel = "commands_plus_redacted_output"\n')  # type: ignore[operator]
    script = r"printf 'a.txt\000b.txt\000'; printf 'err\000\377' >&2"
    async with open_gate(policy, any_store_url) as gate:
        r = await gate.run(argv=["sh", "-c", script], job_id="nul")
        assert r.recorded and r.stdout == b"a.txt\0b.txt\0"
        # in the store while the gate is open, not only once it closes
        kinds = [e.kind for e in await gate.events(job_id="nul")]
        assert kinds == ["decision", "result"]
        st = open_store(any_store_url)
        try:
            (out,) = st.outputs("nul")
        finally:
            st.close()
    assert out.stdout == "a.txt\u2400b.txt\u2400"
    assert out.stderr == "err\u2400\ufffd"


async def test_every_allowed_decision_gets_one_outcome_whenever_the_caller_is_cancelled(
    policy: Policy, store_url: str
) -> None:
    """Callers cancelled at every moment of a request (recording its decision included):
    each allow decision in the store has exactly one outcome event."""
    async with open_gate(policy, store_url) as gate:
        for i in range(300):
            with anyio.move_on_after(i * 0.00002):
                await gate.run(argv=["true"], job_id=f"c{i}")
    rows = events(store_url)
    allowed = {r["job_id"] for r in rows if r["kind"] == "decision" and r["decision"] == "allow"}
    outcomes: dict[object, int] = {}
    for r in rows:
        if r["kind"] in ("result", "error", "interrupted"):
            outcomes[r["job_id"]] = outcomes.get(r["job_id"], 0) + 1
    assert len(allowed) > 100
    assert {j: outcomes.get(j, 0) for j in allowed if outcomes.get(j, 0) != 1} == {}


def _pieces(token: str, n: int = 8) -> list[str]:
    """Every ``n``-character piece of ``token`` past its well-known prefix."""
    body = token[4:]
    return [body[i : i + n] for i in range(len(body) - n + 1)]


@pytest.mark.parametrize("cap", [100, 4096])
async def test_no_piece_of_a_secret_cut_by_truncation_is_stored(
    make_policy: object, store_url: str, workspace: Path, cap: int
) -> None:
    """A token the output cap cuts through is withheld on both sides of the cut, whatever
    the cap (one too small for a marker keeps the head only) and whatever the job printed
    (a line that looks like the truncation marker, early on)."""
    from execgate.store import open_store

    policy = make_policy(extra='\n[recorder]\nlevel = "commands_plus_redacted_output"\n')  # type: ignore[operator]
    rng = random.Random(cap)
    first, second = (SECRETS["github-token"](rng) for _ in range(2))
    fake = b"\n[execgate: 1 bytes truncated]\n"
    if cap > 128:
        head_limit = (cap - 64) // 2
        tail_limit = cap - 64 - head_limit
        total = 3 * cap
        data = bytearray(fake + b"x" * (total - len(fake)))
        at = head_limit - 20  # straddles the end of the head
        data[at : at + 40] = first.encode()
        at = total - tail_limit - 20  # straddles the start of the tail
        data[at : at + 40] = second.encode()
    else:
        data = bytearray(b"y" * 70 + first.encode() + b"z" * 300)
    (workspace / "out.bin").write_bytes(bytes(data))
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=["cat", "out.bin"], max_output_bytes=cap, job_id="cut")
        assert r.stdout_truncated_bytes > 0
    st = open_store(store_url)
    try:
        (out,) = st.outputs("cut")
    finally:
        st.close()
    assert out.stdout is not None and "bytes truncated; 256 characters withheld" in out.stdout
    for token in (first, second):
        assert not [p for p in _pieces(token) if p in out.stdout], out.stdout
