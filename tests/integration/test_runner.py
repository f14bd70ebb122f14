"""The Runner through the Gate: limits, kill path, escape matrix, output cap, stdin, env.

Every test runs on trio and asyncio; the escape matrix also on each containment mechanism.
Survivors are looked for in /proc (psutil), never inferred from the kill having been sent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import textwrap
import time
from collections.abc import Iterable
from pathlib import Path

import anyio
import psutil
import pytest
from conftest import MECHANISMS, PYTHON, alive, assert_all_gone, open_gate, read_pids, write_script

from execgate import ExecRequest, Policy
from execgate.process._sandbox import support as sandbox_support

# Every test twice more: jobs started by the native helper and by the shell shim.
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("spawn_path")]

TRAP_TERM = """
    import os, signal, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    open("pids.txt", "a").write(f"{os.getpid()}\\n")
    print("ready", flush=True)
    time.sleep(60)
"""


async def test_exit_code_and_output(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (r.exit_code, r.signal, r.stdout, r.stderr) == (3, None, b"out\n", b"err\n")
    assert not r.timed_out and not r.cancelled and r.truncated_bytes == 0
    assert r.exit_status == 3


async def test_timeout_with_child_trapping_term_needs_kill(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(workspace, "trap.py", TRAP_TERM)
    async with open_gate(policy, store_url) as gate:
        t0 = time.monotonic()
        r = await gate.run(argv=[PYTHON, "trap.py"], timeout=0.5, kill_grace=0.4)
        elapsed = time.monotonic() - t0
    assert r.timed_out and r.killed_by == "timeout"
    assert r.signal == signal.SIGKILL, "SIGTERM was ignored, so SIGKILL must have ended it"
    assert r.exit_status == 124
    assert elapsed >= 0.9, "kill_grace must be honoured before SIGKILL"
    assert r.stdout == b"ready\n"
    assert_all_gone(read_pids(workspace / "pids.txt", 1))


async def test_timeout_child_obeying_term_ends_within_grace(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        t0 = time.monotonic()
        r = await gate.run(argv=["sleep", "30"], timeout=0.3, kill_grace=5)
        elapsed = time.monotonic() - t0
    assert r.timed_out and r.signal == signal.SIGTERM
    assert elapsed < 3, "a child that obeys SIGTERM must not wait out the grace"


async def test_caller_cancellation_takes_kill_path_and_is_recorded(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(workspace, "trap.py", TRAP_TERM)
    req = ExecRequest(argv=[PYTHON, "trap.py"], timeout=30, kill_grace=0.3)
    async with open_gate(policy, store_url) as gate:
        with anyio.move_on_after(0.5) as scope:
            await gate.run(req)
        assert scope.cancelled_caught
        assert_all_gone(read_pids(workspace / "pids.txt", 1))
    db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    row = db.execute(
        "SELECT cancelled, timed_out, signal FROM events WHERE kind='result' AND job_id=?",
        (req.job_id,),
    ).fetchone()
    assert row == (1, 0, signal.SIGKILL)


ESCAPES = {
    # Each leader starts a descendant that tries to leave the job, waits until the
    # descendant has reported its pid, then exits (or, for "timeout", keeps running).
    "setsid": """
        import os, sys, time
        if os.fork() == 0:
            os.setsid()
            fd = os.open(os.devnull, os.O_RDWR); [os.dup2(fd, i) for i in (0, 1, 2)]
            open("pids.txt", "a").write(f"{os.getpid()}\\n"); time.sleep(60); os._exit(0)
    """,
    "double_fork": """
        import os, sys, time
        if os.fork() == 0:
            if os.fork() == 0:
                os.setsid()
                fd = os.open(os.devnull, os.O_RDWR); [os.dup2(fd, i) for i in (0, 1, 2)]
                open("pids.txt", "a").write(f"{os.getpid()}\\n"); time.sleep(60)
            os._exit(0)
    """,
    "new_process_group": """
        import os, sys, time
        if os.fork() == 0:
            os.setpgid(0, 0)
            fd = os.open(os.devnull, os.O_RDWR); [os.dup2(fd, i) for i in (0, 1, 2)]
            open("pids.txt", "a").write(f"{os.getpid()}\\n"); time.sleep(60); os._exit(0)
    """,
    "background_holding_pipe": """
        import os, sys, time
        if os.fork() == 0:
            open("pids.txt", "a").write(f"{os.getpid()}\\n"); time.sleep(60); os._exit(0)
    """,
}
_HEADER = "import os, signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
_LEADER_WAITS = """
while not (os.path.exists("pids.txt") and open("pids.txt").read().split()):
    time.sleep(0.01)
"""


def processes_in(directory: Path) -> list[int]:
    """Host pids of live processes whose cwd is ``directory`` (how survivors of a sandboxed job
    are found: their own view of their pids is their namespace's)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.readlink(f"/proc/{name}/cwd") == str(directory) and alive(int(name)):
                    found.append(int(name))
            except OSError:
                pass
    return found


@pytest.mark.parametrize("secure", [False, True], ids=["policy-mode", "secure-mode"])
@pytest.mark.parametrize("containment", MECHANISMS)
@pytest.mark.parametrize("escape", sorted(ESCAPES))
@pytest.mark.parametrize("leader", ["exits", "times_out"])
async def test_escape_matrix_leaves_no_survivor(
    policy: Policy,
    store_url: str,
    workspace: Path,
    containment: str,
    escape: str,
    leader: str,
    secure: bool,
) -> None:
    if secure and not sandbox_support()[0]:
        pytest.skip(f"no secure mode here: {sandbox_support()[1]}")
    last = "time.sleep(60)\n" if leader == "times_out" else "print('leader done')\n"
    (workspace / "escape.py").write_text(
        _HEADER + textwrap.dedent(ESCAPES[escape]) + _LEADER_WAITS + last
    )
    async with open_gate(policy, store_url, containment=containment) as gate:
        t0 = time.monotonic()
        # Long enough for the leader's descendant to escape first (~0.1 s in policy mode;
        # secure mode's launcher and namespace cost more): read_pids fails the test otherwise.
        timeout = (1.0 if secure else 0.5) if leader == "times_out" else 20.0
        r = await gate.run(
            argv=[PYTHON, "escape.py"], timeout=timeout, kill_grace=0.2, secure=secure
        )
        elapsed = time.monotonic() - t0
        assert gate.statistics().containment == containment
    pids = read_pids(workspace / "pids.txt", 1)
    if secure:
        assert r.sandbox == "on"
        assert processes_in(workspace) == []
    else:
        assert_all_gone(pids)
    if leader == "exits":
        assert r.exit_code == 0 and not r.timed_out
        assert r.stdout == b"leader done\n"
        # Not a speed claim: a descendant holding the pipe would otherwise hold the job
        # until the 20 s timeout.
        assert elapsed < 10, "a descendant holding the pipe must not hold the job"
    else:
        assert r.timed_out and r.exit_status == 124


@pytest.mark.parametrize("containment", MECHANISMS)
async def test_fork_storm_during_kill_leaves_no_survivor(
    policy: Policy, store_url: str, workspace: Path, containment: str
) -> None:
    write_script(
        workspace,
        "storm.py",
        """
        import os, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for _ in range(8):
            if os.fork() == 0:
                os.setsid()
                open("pids.txt", "a").write(f"{os.getpid()}\\n")
                # keep forking until killed: the kill must win anyway
                while True:
                    if os.fork() == 0:
                        open("pids.txt", "a").write(f"{os.getpid()}\\n")
                        time.sleep(60)
                    time.sleep(0.05)
        time.sleep(60)
        """,
    )
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(argv=[PYTHON, "storm.py"], timeout=0.6, kill_grace=0.1)
    assert r.timed_out
    assert_all_gone(read_pids(workspace / "pids.txt", 8))


# The leader's child leaves the session, its grandchild (the leaf) closes its stdio and execs
# with an empty environment (no job token): once the child has exited, the leaf's only link
# to the job is that it was re-parented to the gate, execgate being a child subreaper.
LOST_LEAF = """
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            [os.close(f) for f in (0, 1, 2)]
            open("leaf.pid", "w").write(str(os.getpid()))
            os.execve("/usr/bin/sleep", ["sleep", "300"], {})
        os._exit(0)
    while not (os.path.exists("leaf.pid") and open("leaf.pid").read()):
        time.sleep(0.01)
    time.sleep(0.2)  # the leaf is the gate's child, not ours, by the time we exit
"""


def _kill_all(pids: Iterable[int]) -> None:
    """Test cleanup: what a failing assertion left running must not outlive the test."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("containment", MECHANISMS)
async def test_tokenless_orphan_dies_with_its_job(
    policy: Policy, store_url: str, workspace: Path, containment: str
) -> None:
    write_script(workspace, "leaf.py", LOST_LEAF)
    leaf: list[int] = []
    try:
        async with open_gate(policy, store_url, containment=containment) as gate:
            r = await gate.run(argv=[PYTHON, "leaf.py"], timeout=20)
            assert r.exit_code == 0 and not r.timed_out
            leaf = read_pids(workspace / "leaf.pid", 1)
            # Gone when the job is over, not only once the gate closes.
            assert_all_gone(leaf)
            assert await gate.run(argv=["true"]), "the gate still runs jobs"
    finally:
        _kill_all(leaf)


@pytest.mark.parametrize("containment", MECHANISMS)
async def test_tokenless_orphan_of_overlapping_jobs_does_not_survive_the_gate(
    policy: Policy, store_url: str, workspace: Path, containment: str
) -> None:
    """While another job runs, a process re-parented to the gate may be either job's: it is
    killed when the last of them ends, at the latest when the gate closes."""
    write_script(workspace, "leaf.py", LOST_LEAF)
    leaf: list[int] = []
    try:
        async with open_gate(policy, store_url, containment=containment) as gate:
            async with anyio.create_task_group() as tg:
                tg.start_soon(gate.run, ExecRequest(argv=["sleep", "1"]))
                await anyio.sleep(0.1)  # the sleeper started first: either job's, then
                await gate.run(argv=[PYTHON, "leaf.py"], timeout=20)
                leaf = read_pids(workspace / "leaf.pid", 1)
            assert_all_gone(leaf)
    finally:
        _kill_all(leaf)


async def test_host_processes_outlive_a_process_group_gate(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    """The gate kills only what its jobs started: the host's own child in a session of its
    own, and a daemon of the host's re-parented to the gate (the subreaper), both started
    while no job ran, outlive the gate's jobs and the gate."""
    host: list[int] = []
    try:
        async with open_gate(policy, store_url, containment="process-group") as gate:
            await gate.run(argv=["true"])
            host = _start_host_processes(workspace)
            await gate.run(argv=["true"])
            assert [p for p in host if not alive(p)] == [], "a job's end killed the host's"
        assert [p for p in host if not alive(p)] == [], "the gate's close killed the host's"
    finally:
        _kill_all(host)
        _reap(host)


def _start_host_processes(workspace: Path) -> list[int]:
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    # A daemon: it leaves the session, and its parent exits at once.
    daemon = "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > host.pid"
    subprocess.run(["sh", "-c", daemon], cwd=workspace, check=True)
    return [child.pid, *read_pids(workspace / "host.pid", 1)]


def _reap(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


@pytest.mark.slow
async def test_output_flood_is_bounded_and_counted(make_policy: object, store_url: str) -> None:
    policy = make_policy(max_output=1024 * 1024)  # type: ignore[operator]
    size = 1024**3
    me = psutil.Process()
    base = me.memory_info().rss
    peak = base

    async def sample() -> None:
        nonlocal peak
        while True:
            peak = max(peak, me.memory_info().rss)
            await anyio.sleep(0.005)

    async with open_gate(policy, store_url) as gate, anyio.create_task_group() as tg:
        tg.start_soon(sample)
        r = await gate.run(argv=["head", "-c", str(size), "/dev/zero"], timeout=60)
        tg.cancel_scope.cancel()
    assert r.exit_code == 0
    assert len(r.stdout) <= 1024 * 1024
    kept_data = len(r.stdout) - len(
        b"\n[execgate: %d bytes truncated]\n" % r.stdout_truncated_bytes
    )
    assert r.stdout_truncated_bytes == size - kept_data
    assert r.truncated_bytes == r.stdout_truncated_bytes
    assert b"bytes truncated]" in r.stdout
    assert peak - base < 48 * 1024 * 1024, f"RSS grew by {(peak - base) >> 20} MiB"


async def test_output_head_and_tail_are_kept(make_policy: object, store_url: str) -> None:
    policy = make_policy(max_output=1000)  # type: ignore[operator]
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(
            argv=[PYTHON, "-c", "import sys; sys.stdout.write('H' * 5000 + 'x' * 5000 + 'T' * 400)"]
        )
    assert len(r.stdout) <= 1000
    assert r.stdout.startswith(b"H" * 400)
    assert r.stdout.endswith(b"T" * 400)
    assert r.stdout_truncated_bytes == 10400 - (1000 - 64)


async def test_kill_on_overflow(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        t0 = time.monotonic()
        r = await gate.run(
            argv=["head", "-c", str(10 * 1024**3), "/dev/zero"],
            max_output_bytes=4096,
            on_output_overflow="kill",
            timeout=30,
        )
    assert r.killed_by == "output_limit"
    assert r.signal == signal.SIGTERM
    assert time.monotonic() - t0 < 5
    assert r.stdout_truncated_bytes > 0


async def test_stdin_is_fed_and_host_stdio_never_inherited(policy: Policy, store_url: str) -> None:
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=["cat"], stdin=b"hello\x00world")
        assert r.stdout == b"hello\x00world"
        # No stdin given: /dev/null, so cat ends at once instead of reading our stdin.
        r = await gate.run(argv=["cat"])
        assert r.stdout == b"" and r.exit_code == 0
        r = await gate.run(argv=[PYTHON, "-c", "import os; print(os.readlink('/proc/self/fd/0'))"])
        assert r.stdout.strip() == b"/dev/null"
        r = await gate.run(argv=["echo", "x"], capture_stdout=False)
        assert r.stdout == b"" and r.exit_code == 0


async def test_env_is_built_from_the_allowlist(
    policy: Policy, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST_SECRET_THING", "must-not-leak")
    monkeypatch.setenv("LANG", "C.UTF-8")
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=["env"], env_overrides={"FOO": "bar", "LANG": None})
    env = dict(line.split("=", 1) for line in r.stdout.decode().splitlines())
    assert "HOST_SECRET_THING" not in env
    assert env["FOO"] == "bar" and env["EXECGATE_TEST"] == "1"
    assert "LANG" not in env, "None unsets"
    assert "PATH" in env


async def test_cwd_is_pinned(policy: Policy, store_url: str, workspace: Path) -> None:
    (workspace / "sub").mkdir()
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", "import os; print(os.getcwd())"], cwd="sub")
    assert r.stdout.decode().strip() == str((workspace / "sub").resolve())


async def test_many_concurrent_jobs(policy: Policy, store_url: str) -> None:
    results = []
    async with open_gate(policy, store_url, max_concurrent_jobs=8) as gate:

        async def one(i: int) -> None:
            results.append(await gate.run(argv=["echo", str(i)]))

        async with anyio.create_task_group() as tg:
            for i in range(40):
                tg.start_soon(one, i)
    assert sorted(int(r.stdout) for r in results) == list(range(40))
    db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    assert db.execute("SELECT COUNT(*) FROM events WHERE kind='result'").fetchone()[0] == 40


async def test_shutdown_ends_running_jobs(policy: Policy, store_url: str, workspace: Path) -> None:
    write_script(workspace, "trap.py", TRAP_TERM)
    results = []
    async with anyio.create_task_group() as outer:
        async with open_gate(policy, store_url) as gate:

            async def job() -> None:
                results.append(await gate.run(argv=[PYTHON, "trap.py"], kill_grace=0.2))

            outer.start_soon(job)
            pids = await anyio.to_thread.run_sync(read_pids, workspace / "pids.txt", 1)
        # The gate is closed: the job must be gone already, not just signalled.
        assert_all_gone(pids)
    assert len(results) == 1
    assert results[0].cancelled and results[0].killed_by == "shutdown"


async def test_host_cancellation_leaves_no_child(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(workspace, "trap.py", TRAP_TERM)
    with anyio.move_on_after(1.0):
        async with open_gate(policy, store_url) as gate, anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(gate.run, ExecRequest(argv=[PYTHON, "trap.py"], kill_grace=0.2))
    pids = read_pids(workspace / "pids.txt", 3)
    assert_all_gone(pids)
    assert not any(alive(p) for p in pids)


@pytest.mark.parametrize("containment", MECHANISMS)
@pytest.mark.slow
async def test_no_fd_or_zombie_is_left_behind(
    policy: Policy, store_url: str, containment: str
) -> None:
    """Pipes, pidfds and exit statuses are all released: ordinary, fed, timed-out and
    cancelled jobs, many at once, and jobs whose descendants escape their session and die
    after the job (they are re-parented to us, the subreaper, and must not stay zombies)."""

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    def zombies() -> list[int]:
        return [c.pid for c in psutil.Process().children() if c.status() == psutil.STATUS_ZOMBIE]

    def described(pid: int) -> str:
        # A zombie keeps its name and its cgroup: which job (or which earlier test) left it
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cgroup") as cgroup:
                return stat.read().split(")")[0] + ") " + cgroup.read().strip()
        except OSError as exc:
            return str(exc)

    orphaning = "(setsid sh -c 'sleep 0.3' &); (sh -c 'sleep 0.2' &); exit 0"
    # Zombies already here belong to an earlier test in this process (which one ran before
    # depends on how pytest-xdist shares out the tests): this test answers for its own jobs.
    for pid in zombies():
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # noqa: ASYNC222 (a zombie: never blocks)
    async with open_gate(policy, store_url, containment=containment) as gate:
        await gate.run(argv=["true"])  # warm: the store, the thread pool, the containment
        async with anyio.create_task_group() as tg:  # and the scanning workers large stdins use
            for _ in range(2):
                tg.start_soon(gate.run, ExecRequest(argv=["cat"], stdin=b"x" * 100_000))
        before = fds()
        for _ in range(5):
            await gate.run(argv=["sh", "-c", orphaning])
        async with anyio.create_task_group() as tg:
            for i in range(40):
                tg.start_soon(gate.run, ExecRequest(argv=["echo", str(i)]))
                tg.start_soon(gate.run, ExecRequest(argv=["cat"], stdin=b"x" * 100_000))
            tg.start_soon(gate.run, ExecRequest(argv=["sleep", "5"], timeout=0.2))
        with anyio.move_on_after(0.2):
            await gate.run(argv=["sleep", "5"])
        await anyio.sleep(0.5)  # the escaped sleepers are dead by now (killed or done)
        await gate.run(argv=["true"])  # a job's close collects what died since the last one
        for _ in range(10):
            # on a loaded machine a sleeper may die only after that close: the next job's
            # close must collect it, so a zombie that outlives every later job still fails
            if not zombies():
                break
            await anyio.sleep(0.3)
            await gate.run(argv=["true"])
        assert fds() <= before, sorted(os.listdir("/proc/self/fd"))
        assert zombies() == [], [(z, described(z)) for z in zombies()]


FD_PROBE = """
    import os
    for fd in sorted(int(f) for f in os.listdir("/proc/self/fd")):
        try:
            print(fd, os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass  # the listing's own directory fd, closed by now
"""

SECURE_MODES = [
    False,
    pytest.param(
        True,
        marks=pytest.mark.skipif(not sandbox_support()[0], reason="no secure mode on this host"),
    ),
]


@pytest.mark.parametrize("secure", SECURE_MODES)
@pytest.mark.parametrize("containment", MECHANISMS)
async def test_a_job_starts_with_only_its_own_three_descriptors(
    policy: Policy, store_url: str, workspace: Path, containment: str, secure: bool
) -> None:
    """Nothing of the gate reaches a job: not the store's database, not the pipes or pidfd
    of a job running beside it (which would let one job read another's output)."""
    write_script(workspace, "fds.py", FD_PROBE)
    async with open_gate(policy, store_url, containment=containment) as gate:
        async with anyio.create_task_group() as tg:
            # a neighbour holding its stdin, stdout and stderr pipes and a pidfd meanwhile
            tg.start_soon(lambda: gate.run(argv=["cat"], stdin=b"x" * 200_000, timeout=5))
            tg.start_soon(lambda: gate.run(argv=["sleep", "1"]))
            await anyio.sleep(0.3)
            r = await gate.run(argv=[PYTHON, "fds.py"], secure=secure)
    assert r.exit_code == 0, r.stderr
    fds = dict(line.split(" ", 1) for line in r.stdout.decode().splitlines())
    assert set(fds) == {"0", "1", "2"}, fds
    assert fds["0"] == "/dev/null" and fds["1"].startswith("pipe:"), fds


@pytest.mark.parametrize("secure", SECURE_MODES)
@pytest.mark.parametrize("containment", MECHANISMS)
async def test_a_job_starts_with_default_signals_and_an_empty_mask(
    policy: Policy, store_url: str, containment: str, secure: bool
) -> None:
    """Python ignores SIGPIPE and SIGXFSZ; a job must not inherit that (``yes | head -1``
    would see EPIPE instead of ending quietly, a file-size limit would not kill), nor any
    blocked signal (a blocked SIGTERM would turn the grace period into a plain SIGKILL)."""
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(argv=["cat", "/proc/self/status"], secure=secure)
    status = dict(line.split(":\t", 1) for line in r.stdout.decode().splitlines() if ":\t" in line)
    ignored, blocked = int(status["SigIgn"], 16), int(status["SigBlk"], 16)
    assert blocked == 0, status["SigBlk"]
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        assert not ignored & (1 << (sig - 1)), f"{sig.name} ignored: SigIgn={status['SigIgn']}"


TERM_ONCE = """
    import signal, sys, time
    def on_term(*_):
        print("term", flush=True)
        time.sleep(0.3)  # shutting down: a second SIGTERM now would kill it mid-way
        sys.exit(3)
    signal.signal(signal.SIGTERM, on_term)
    print("ready", flush=True)
    time.sleep(30)
"""


@pytest.mark.parametrize("secure", SECURE_MODES)
@pytest.mark.parametrize("containment", MECHANISMS)
async def test_a_program_that_handles_sigterm_gets_it_once_and_its_exit_stands(
    policy: Policy, store_url: str, workspace: Path, containment: str, secure: bool
) -> None:
    """At the timeout the job gets one SIGTERM: not one from the group and another to each
    member, nor extra copies passed on by secure mode's launchers. Its own clean exit is the
    result."""
    write_script(workspace, "term_once.py", TERM_ONCE)
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(argv=[PYTHON, "term_once.py"], timeout=0.5, kill_grace=5, secure=secure)
    assert r.stdout == b"ready\nterm\n", r.stdout
    assert (r.exit_code, r.signal, r.killed_by) == (3, None, "timeout"), r.stderr


FLUSH_ON_TERM = """
    import signal, sys, time
    def on_term(*_):
        # more than a pipe holds: it can finish only if someone reads while it ends
        sys.stdout.buffer.write(b"x" * (1 << 20))
        sys.stdout.buffer.flush()
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
    print("ready", flush=True)
    time.sleep(30)
"""


@pytest.mark.parametrize("containment", MECHANISMS)
async def test_output_written_during_the_grace_is_read_while_the_job_ends(
    policy: Policy, store_url: str, workspace: Path, containment: str
) -> None:
    """A job's output is read by its own task until it must be stopped; then reading goes on
    beside TERM → grace → KILL. A job that writes a megabyte as it shuts down must be able to
    finish within its grace, and every byte must be kept -- not a SIGKILL at the grace's end
    because nobody drained its pipe."""
    write_script(workspace, "flush.py", FLUSH_ON_TERM)
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(argv=[PYTHON, "flush.py"], timeout=0.5, kill_grace=8,
                           max_output_bytes=4 << 20)  # fmt: skip
    assert (r.exit_code, r.signal, r.killed_by) == (0, None, "timeout"), r.stderr
    assert r.stdout == b"ready\n" + b"x" * (1 << 20)


ESCAPING_PAIR = """
    import os, subprocess, sys, time
    # a child in a session of its own: the tree, not just the main process, must end
    bg = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                          start_new_session=True)
    with open("pids.txt", "a") as f:
        f.write(f"{os.getpid()}\\n{bg.pid}\\n")
    time.sleep(60)
"""


@pytest.mark.parametrize("containment", MECHANISMS)
@pytest.mark.slow
async def test_jobs_cancelled_as_they_start_leave_nothing_behind(
    policy: Policy, store_url: str, workspace: Path, containment: str
) -> None:
    """Many jobs at once, each cancelled a moment after its request -- some before the
    decision, some while the child is between its spawn and its exec (a detached spawn
    returns before the exec), some once the program runs: each is cancelled, and not one
    process of those that ran (each wrote its pid and its escaped child's) outlives the
    gate's run call."""
    write_script(workspace, "pair.py", ESCAPING_PAIR)
    pids_file = workspace / "pids.txt"
    outcomes: list[str] = []

    def pids() -> list[int]:
        return [int(x) for x in pids_file.read_text().split()] if pids_file.exists() else []

    async def some_job_runs() -> None:
        with anyio.fail_after(60):  # a loaded machine starts 32 Pythons slowly, not never
            while len(pids()) < 2:
                await anyio.sleep(0.01)

    async with open_gate(policy, store_url, containment=containment) as gate:

        async def one(delay: float, once_one_runs: bool) -> None:
            async with anyio.create_task_group() as tg:

                async def cancel() -> None:
                    if once_one_runs:
                        await some_job_runs()
                    await anyio.sleep(delay)
                    tg.cancel_scope.cancel()

                tg.start_soon(cancel)
                await gate.run(argv=[PYTHON, "pair.py"], kill_grace=0.2)
                outcomes.append("finished")
                return
            outcomes.append("cancelled")

        async with anyio.create_task_group() as tg:
            for i in range(32):
                # half at staggered moments from the request on; half once programs run, so
                # the kill path is reached however slowly this machine starts them
                tg.start_soon(one, 0.005 + (i % 16) * 0.02, i >= 16)
        assert len(pids()) >= 2, "no job got as far as running: nothing of the kill path tested"
        assert not [p for p in pids() if alive(p)], "a job's process outlived its cancelled run"
    assert outcomes.count("cancelled") == 32


async def test_the_job_environment_is_deny_by_default(
    tmp_path: Path, workspace: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A policy without [env] inherit/allow: the job sees the host's core variables only,
    and a request may set only the harmless default list; what it may not set never runs."""
    from execgate import PolicyDenied, load_policy

    path = tmp_path / "envp.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n'
        '[[allow]]\ncommand = "env"\n[[allow]]\ncommand = "touch"\n'
    )
    for name, value in [("LC_TIME", "C"), ("SHELL", "/bin/sh"), ("SSLKEYLOGFILE", "/k"),
                        ("GNUMAKEFLAGS", "--eval=x"), ("PYENV_HOOK_PATH", "/h")]:  # fmt: skip
        monkeypatch.setenv(name, value)
    async with open_gate(load_policy(path), store_url) as gate:
        r = await gate.run(argv=["env"], env_overrides={"NO_COLOR": "1", "TZ": "UTC"})
        env = dict(line.split("=", 1) for line in r.stdout.decode().splitlines())
        assert env["LC_TIME"] == "C" and env["SHELL"] == "/bin/sh" and env["NO_COLOR"] == "1"
        assert not {"SSLKEYLOGFILE", "GNUMAKEFLAGS", "PYENV_HOOK_PATH"} & set(env)
        for name in ("GNUMAKEFLAGS", "Npm_Config_Script_Shell", "TAPE", "SSLKEYLOGFILE"):
            with pytest.raises(PolicyDenied) as exc:
                await gate.run(argv=["touch", "ran"], env_overrides={name: "x"})
            assert exc.value.code == "EG-ENV-DENIED"
            with pytest.raises(PolicyDenied) as exc:
                await gate.run(argv=["env", f"{name}=x", "touch", "ran"])
            assert exc.value.code == "EG-ENV-DENIED"
    assert not (workspace / "ran").exists()
