"""The native spawn helper (``process/_native.c``) against ``subprocess.Popen``, adversarially.

The helper replaces the ``/bin/sh`` shim that put a job in its cgroups before its first
instruction. Each test here either tries to make it leak something of the host into a job (an
fd, a signal handler, a blocked signal) or to make it run a program it should have refused to
start, and looks at what really happened: /proc of the child, files it would have written,
the fds left in this process.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import anyio
import psutil
import pytest
from conftest import MECHANISMS, PYTHON, cgroup_available, open_gate
from hypothesis import given, settings
from hypothesis import strategies as st

from execgate import ContainmentFailed, Policy
from execgate.process import _spawn
from execgate.process._spawn import FdReceiveStream, Placement, PlacementFailed, spawn

pytestmark = pytest.mark.anyio

NATIVE = _spawn.native_spawn_usable()
needs_native = pytest.mark.skipif(not NATIVE, reason="native spawn helper not usable here")
#: Both ways the helper starts a child: waiting for its exec, and detached (see _spawn).
BOTH_WAYS = pytest.mark.parametrize(
    "detach",
    [
        False,
        pytest.param(
            True,
            marks=pytest.mark.skipif(
                not _spawn.detach_works(), reason="detached spawn needs x86-64 raw system calls"
            ),
        ),
    ],
    ids=["vfork", "detached"],
)

#: What a child knows of how it was started.
STATE_PROBE = textwrap.dedent(
    """
    import os, sys
    status = dict(l.split(":\\t", 1) for l in open("/proc/self/status").read().splitlines()
                  if ":\\t" in l)
    # (the listing's own directory fd is closed again by the time its link is looked at)
    print("fds", sorted(int(f) for f in os.listdir("/proc/self/fd")
                        if os.path.exists(f"/proc/self/fd/{f}")))
    print("session leader", os.getsid(0) == os.getpid(), "group leader", os.getpgid(0) == os.getpid())
    print("cwd", os.getcwd())
    print("env", sorted(k for k in os.environ if k.startswith("T_")))
    print("argv", sys.argv[1:])
    """
)


def test_native_helper_is_built_where_a_compiler_is() -> None:
    """CI has gcc: the helper must be there, or every job silently takes the slow shim."""
    import shutil

    if shutil.which("gcc") is None:
        pytest.skip("no C compiler on this machine")
    from execgate.process import _native

    assert _native.usable(), "this kernel lacks close_range (Linux >= 5.9)"
    assert NATIVE


@pytest.fixture
def hostile_host() -> Iterator[int]:
    """The host as an agent framework may leave it: an inheritable fd, a Python handler on
    SIGUSR1, SIGUSR2 ignored, SIGPIPE ignored (Python's own), SIGINT blocked in this thread."""
    fd = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(fd, True)
    old_usr1 = signal.signal(signal.SIGUSR1, lambda *_: None)
    old_usr2 = signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield fd
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        signal.signal(signal.SIGUSR1, old_usr1)
        signal.signal(signal.SIGUSR2, old_usr2)
        os.close(fd)


async def _read_all(stream: FdReceiveStream | None) -> bytes:
    assert stream is not None
    data = b""
    while True:
        try:
            data += await stream.receive()
        except anyio.EndOfStream:
            return data


async def _run(
    argv: list[str], cwd: str, placement: Placement | None, detach: bool = False, **env: str
) -> str:
    proc = spawn(argv, stdin=False, stdout=True, stderr=True, cwd=cwd, env=env,
                 placement=placement, detach=detach if placement is not None else None)  # fmt: skip
    assert proc is not None
    out = await _read_all(proc.stdout)
    code = await proc.wait()
    await proc.aclose()
    assert code == 0, (code, out)
    assert proc.spawn_failure() is None
    return out.decode()


async def _failure(argv: list[str], cwd: str, env: dict[str, str], placement: Placement | None,
                   detach: bool) -> OSError:  # fmt: skip
    """What starting ``argv`` failed with: raised by spawn, or -- detached -- known once the
    child is reaped (it must then have exited 127 and closed its pipes, having run nothing)."""
    try:
        proc = spawn(argv, stdin=True, stdout=True, stderr=True, cwd=cwd, env=env,
                     placement=placement, detach=detach if placement is not None else None)  # fmt: skip
    except OSError as exc:
        assert not detach, f"detached, spawn itself raised {exc!r}"
        return exc
    assert detach, "spawn did not raise"
    assert proc is not None
    with anyio.fail_after(5):
        assert await _read_all(proc.stdout) == b""
        assert await proc.wait() == 127
    await proc.aclose()
    failure = proc.spawn_failure()
    assert failure is not None
    return failure


@needs_native
@BOTH_WAYS
async def test_native_and_popen_start_a_child_in_the_same_state(
    hostile_host: int, tmp_path: Path, detach: bool
) -> None:
    """The differential check: whatever the host did to itself, a child of the helper starts
    exactly as one of ``Popen(close_fds=True, start_new_session=True)`` does -- three fds,
    no handler, SIGPIPE back at its default -- in the same place. One deliberate difference:
    Popen's child inherits the spawning thread's signal mask, the helper's starts with
    nothing blocked (a job with SIGTERM blocked would turn the grace period into SIGKILL)."""
    (tmp_path / "probe.py").write_text(STATE_PROBE)
    argv = [PYTHON, "probe.py", "a b", "", "ünï"]
    native = await _run(argv, str(tmp_path), Placement(), detach, T_X="1", T_Y="two words")
    popen = await _run(argv, str(tmp_path), None, T_X="1", T_Y="two words")
    assert native == popen
    assert "fds [0, 1, 2]\n" in native
    assert "session leader True group leader True" in native
    # Signals as the kernel shows them (Python ignores SIGPIPE itself: not a Python probe).
    status = ["/bin/cat", "/proc/self/status"]
    signals = []
    for placement in (Placement(), None):
        lines = (await _run(status, str(tmp_path), placement, detach)).splitlines()
        fields = dict(line.split(":\t") for line in lines if ":\t" in line)
        signals.append({k: int(fields[k], 16) for k in ("SigIgn", "SigCgt", "SigBlk")})
    native_signals, popen_signals = signals
    assert native_signals.pop("SigBlk") == 0
    assert popen_signals.pop("SigBlk") == 1 << (signal.SIGINT - 1)  # the host's, inherited
    assert native_signals == popen_signals
    assert native_signals["SigCgt"] == 0
    # Ignored stays ignored (SIGUSR2 here, SIGHUP under nohup); SIGPIPE and SIGXFSZ, which
    # Python ignores for itself, are back at their defaults.
    host = dict(line.split(":\t") for line in Path("/proc/self/status").read_text().splitlines()
                if ":\t" in line)  # fmt: skip
    inherited = int(host["SigIgn"], 16) & ~(1 << (signal.SIGPIPE - 1) | 1 << (signal.SIGXFSZ - 1))
    assert inherited & 1 << (signal.SIGUSR2 - 1)
    assert native_signals["SigIgn"] == inherited


def _fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children()}


@needs_native
@pytest.mark.parametrize(
    ("placement", "step", "code"),
    [
        (Placement(join=("/nonexistent-cgroup/cgroup.procs",)), "join", errno.ENOENT),
        (Placement(join=("/proc",)), "join", errno.EISDIR),
        (Placement(rlimits=((resource.RLIMIT_NOFILE, 10, 5),)), "rlimit", errno.EINVAL),
    ],
)
@BOTH_WAYS
async def test_a_placement_that_fails_runs_nothing_and_leaves_nothing(
    tmp_path: Path, placement: Placement, step: str, code: int, detach: bool
) -> None:
    fds, children = _fds(), _children()
    failure = await _failure(["/bin/touch", "ran"], str(tmp_path), {}, placement, detach)
    assert isinstance(failure, PlacementFailed)
    assert failure.step == step and failure.errno == code
    assert not (tmp_path / "ran").exists()
    assert _fds() == fds and _children() == children  # no pipe end, no zombie


@pytest.fixture
def job_cgroup() -> Iterator[tuple[int, str, str]]:
    """A job cgroup of a fresh containment: (an O_PATH fd of its directory, its
    cgroup.procs, its path as /proc/PID/cgroup shows it)."""
    from execgate.process._tree import CgroupContainment

    containment = CgroupContainment.create()
    if containment is None:
        pytest.skip("no writable cgroup2 here")
    tree = containment.new_job("j")
    _, placement = tree.placement({})
    assert placement.cgroup is not None
    fd, procs = placement.cgroup
    try:
        yield fd, procs, tree.relative  # type: ignore[attr-defined]
    finally:
        tree.close()
        containment.close()


_SHOW_CGROUP = ["/bin/sed", "-n", "s/^0:://p", "/proc/self/cgroup"]
needs_clone3 = pytest.mark.skipif(
    not NATIVE or not _spawn._native_module().INTO_CGROUP_WORKS,  # type: ignore[union-attr]
    reason="clone3 into a cgroup needs an x86-64 build",
)


@pytest.mark.cgroup
@needs_clone3
@BOTH_WAYS
async def test_the_child_is_created_in_its_cgroup(
    tmp_path: Path, job_cgroup: tuple[int, str, str], detach: bool
) -> None:
    """clone3 puts the child in the job's cgroup as it is created: no cgroup.procs write
    (here that file's name is wrong, so a write would fail the spawn), so no migration."""
    fd, _, relative = job_cgroup
    placement = Placement(cgroup=(fd, "/nonexistent/cgroup.procs"))
    assert await _run(_SHOW_CGROUP, str(tmp_path), placement, detach) == relative + "\n"
    assert _spawn._into_cgroup_works


@pytest.mark.cgroup
@needs_native
@BOTH_WAYS
async def test_where_clone3_cannot_the_child_joins_its_cgroup_by_a_write(
    tmp_path: Path, job_cgroup: tuple[int, str, str], monkeypatch: pytest.MonkeyPatch,
    detach: bool,
) -> None:  # fmt: skip
    fd, procs, relative = job_cgroup
    # clone3 refuses an fd that is not a cgroup2 directory (EBADF): the spawn falls back to
    # the write, and still tries clone3 next time (EBADF says nothing about the kernel).
    not_a_cgroup = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        placement = Placement(cgroup=(not_a_cgroup, procs))
        assert await _run(_SHOW_CGROUP, str(tmp_path), placement, detach) == relative + "\n"
    finally:
        os.close(not_a_cgroup)
    assert _spawn._into_cgroup_works
    # A kernel without clone3 or CLONE_INTO_CGROUP: writes from the start.
    monkeypatch.setattr(_spawn, "_into_cgroup_works", False)
    placement = Placement(cgroup=(fd, procs))
    assert await _run(_SHOW_CGROUP, str(tmp_path), placement, detach) == relative + "\n"


@pytest.mark.cgroup
@needs_native
@BOTH_WAYS
async def test_a_cgroup_removed_under_the_job_fails_as_a_join_and_leaves_nothing(
    tmp_path: Path, job_cgroup: tuple[int, str, str], detach: bool
) -> None:
    """The job's cgroup went away (an administrator's rmdir) while its fd was open: clone3
    refuses it, the write cannot find it, and the spawn fails as any join does."""
    _, procs, _ = job_cgroup
    gone = os.path.join(os.path.dirname(os.path.dirname(procs)), "gone")
    os.mkdir(gone)
    gone_fd = os.open(gone, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.rmdir(gone)
        fds, children = _fds(), _children()
        placement = Placement(cgroup=(gone_fd, os.path.join(gone, "cgroup.procs")))
        failure = await _failure(["/bin/touch", "ran"], str(tmp_path), {}, placement, detach)
        assert isinstance(failure, PlacementFailed)
        assert (failure.step, failure.errno) == ("join", errno.ENOENT)
        assert not (tmp_path / "ran").exists()
        assert _fds() == fds and _children() == children  # no pipe end, no zombie
        assert _spawn._into_cgroup_works
    finally:
        os.close(gone_fd)


#: What the scripts below read a pipe to its end with (``_read_all``'s twin: each script runs
#: in a fresh process, which cannot import this module).
_SCRIPT_READ_ALL = """
import anyio

async def read_all(stream):
    data = b""
    while True:
        try:
            data += await stream.receive()
        except anyio.EndOfStream:
            return data
"""

#: Run in a fresh process, which it moves into a cgroup once killed through cgroup.kill:
#: prints, per spawn, (exit code, its cgroup as it saw it, the spawn failure) as JSON.
_FROM_A_KILLED_CGROUP = """
import json, os, sys
import anyio
from execgate.process import _spawn
from execgate.process._tree import CgroupContainment

async def run(job):
    env, placement = job.placement({})
    proc = _spawn.spawn(["/bin/sed", "-n", "s/^0:://p", "/proc/self/cgroup"], stdin=False,
                        stdout=True, stderr=False, cwd="/", env=env, placement=placement,
                        detach=True)
    out = await read_all(proc.stdout)
    code = await proc.wait()
    failure = proc.spawn_failure()
    await proc.aclose()
    job.close()
    return [code, out.decode().strip() == job.relative, failure and failure.strerror]

async def main(first_at_home):
    containment = CgroupContainment.create()
    killed = containment.new_job("killed")
    with open(os.path.join(killed.path, "cgroup.kill"), "w") as f:
        f.write("1")
    home = killed.path[: -len(killed.relative)] + open("/proc/self/cgroup").read().split("0::")[1].strip()
    results = [await run(containment.new_job("a"))] if first_at_home else []
    with open(os.path.join(killed.path, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    try:
        results += [await run(containment.new_job("b")), await run(containment.new_job("c"))]
    finally:
        with open(os.path.join(home, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
        killed.close()
        containment.close()
    print(json.dumps([results, _spawn._into_cgroup_works]))

anyio.run(main, sys.argv[1] == "1")
"""


@pytest.mark.cgroup
@needs_clone3
@pytest.mark.parametrize("first_at_home", [False, True], ids=["at-once", "after-a-job"])
def test_a_supervisor_in_a_killed_cgroup_still_starts_its_jobs(
    tmp_path: Path, first_at_home: bool
) -> None:
    """Linux 6.18 kills a child created in a cgroup (clone3) when the parent's own cgroup was
    once killed through cgroup.kill (its kill counts differ). A host living in such a cgroup
    (a service manager's reused cgroup, say) still runs every job: its first such spawn waits
    for the exec, sees the child killed before its first instruction, and starts it by a
    write instead. Moved there after a job had lived, one detached spawn fails -- as not
    contained, never silently; the Runner starts that job again (next test) -- and the rest
    join by a write."""
    if not cgroup_available():
        pytest.skip("no writable cgroup2 here")
    script = tmp_path / "host.py"
    script.write_text(_SCRIPT_READ_ALL + _FROM_A_KILLED_CGROUP)
    done = subprocess.run([sys.executable, str(script), str(int(first_at_home))],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    results, into_works = json.loads(done.stdout)
    ran = [0, True, None]
    if not first_at_home:
        assert results == [ran, ran]
        return
    assert results[0] == ran  # at home: created in its cgroup, and seen to live
    if into_works:  # a kernel without the fault: both created in their cgroups
        assert results[1:] == [ran, ran]
    else:
        code, _, why = results[1]
        assert code == -signal.SIGKILL and "killed it as it was created" in why
        assert results[2] == ran


_GATE_MOVED_TO_A_KILLED_CGROUP = """
import json, os, sys
import anyio
from execgate import Gate, load_policy
from execgate.process import _spawn
from execgate.process._tree import CgroupContainment

tmp = sys.argv[1]
with open(os.path.join(tmp, "policy.toml"), "w") as f:
    os.makedirs(os.path.join(tmp, "ws"), exist_ok=True)
    f.write(f'version = 1\\n[workspace]\\nroot = "{tmp}/ws"\\n'
            '[[allow]]\\ncommand = "/bin/true"\\n[[allow]]\\ncommand = "/bin/sleep"\\n')

async def main():
    other = CgroupContainment.create()
    killed = other.new_job("killed")
    with open(os.path.join(killed.path, "cgroup.kill"), "w") as f:
        f.write("1")
    home = killed.path[: -len(killed.relative)] + open("/proc/self/cgroup").read().split("0::")[1].strip()
    codes = {}

    async def run(name, argv):
        try:
            codes[name] = (await gate.run(argv=argv)).exit_code
        except Exception as exc:
            codes[name] = getattr(exc, "code", repr(exc))

    policy = load_policy(os.path.join(tmp, "policy.toml"))
    async with Gate.open(policy, f"sqlite:///{tmp}/x.db") as gate:
        async with anyio.create_task_group() as tg:
            tg.start_soon(run, "long", ["/bin/sleep", "0.5"])  # started at home
            await anyio.sleep(0.2)
            with open(os.path.join(killed.path, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
            try:
                await run("detached", ["/bin/true"])  # started while "long" runs
                await run("next", ["/bin/true"])
            finally:
                with open(os.path.join(home, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
    killed.close()
    other.close()
    print(json.dumps([codes, _spawn._into_cgroup_works]))

anyio.run(main)
"""


@pytest.mark.cgroup
@needs_clone3
def test_a_gate_moved_into_a_killed_cgroup_loses_no_job(tmp_path: Path) -> None:
    """The one job that meets the kernel's fault detached (started while another runs, after
    execgate was moved into a cgroup once killed) never ran its program: the Runner starts it
    again, the write's way, and the caller sees it succeed."""
    if not cgroup_available():
        pytest.skip("no writable cgroup2 here")
    script = tmp_path / "host.py"
    script.write_text(_GATE_MOVED_TO_A_KILLED_CGROUP)
    done = subprocess.run([sys.executable, str(script), str(tmp_path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    codes, _ = json.loads(done.stdout)
    assert codes == {"long": 0, "detached": 0, "next": 0}


@needs_native
@BOTH_WAYS
async def test_exec_failures_are_oserrors_and_leave_nothing(tmp_path: Path, detach: bool) -> None:
    (tmp_path / "plain.txt").write_text("not a program")
    fds, children = _fds(), _children()
    cases = [
        (["/nonexistent/prog"], str(tmp_path), FileNotFoundError),
        (["no-such-program-anywhere"], str(tmp_path), FileNotFoundError),
        ([str(tmp_path / "plain.txt")], str(tmp_path), PermissionError),
        (["/bin/true"], str(tmp_path / "gone"), FileNotFoundError),  # the cwd
    ]
    for argv, cwd, exc_type in cases:
        failure = await _failure(argv, cwd, {"PATH": "/usr/bin:/bin"}, Placement(), detach)
        assert type(failure) is exc_type, (argv, failure)
        with pytest.raises(exc_type):  # Popen says the same
            spawn(argv, stdin=True, stdout=True, stderr=True, cwd=cwd,
                  env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    for argv in (["/bin/true", "nul\0byte"], ["/bin/true"]):
        with pytest.raises(ValueError):
            env = {"A=B": "c"} if argv == ["/bin/true"] else {}
            spawn(argv, stdin=False, stdout=False, stderr=False, cwd=str(tmp_path), env=env,
                  placement=Placement(), detach=detach)  # fmt: skip
    assert _fds() == fds and _children() == children


@needs_native
@BOTH_WAYS
async def test_path_search_is_execvps(tmp_path: Path, detach: bool) -> None:
    """A non-executable match earlier on PATH does not hide an executable one later, and
    alone it is reported as EACCES, not 'not found' (as execvp and Popen do)."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "prog").write_text("#!/bin/sh\necho wrong\n")
    (second / "prog").write_text("#!/bin/sh\necho right\n")
    (second / "prog").chmod(0o755)
    path = f"{tmp_path / 'missing'}:{first}:{second}"
    assert await _run(["prog"], str(tmp_path), Placement(), detach, PATH=path) == "right\n"
    failure = await _failure(["prog"], str(tmp_path), {"PATH": str(first)}, Placement(), detach)
    assert type(failure) is PermissionError


@needs_native
@BOTH_WAYS
async def test_rlimits_hold_from_the_first_instruction(tmp_path: Path, detach: bool) -> None:
    placement = Placement(rlimits=((resource.RLIMIT_NOFILE, 17, 17), (resource.RLIMIT_CPU, 5, 6)))
    out = await _run(["/bin/cat", "/proc/self/limits"], str(tmp_path), placement, detach)
    rows = {line[:26].strip(): line[26:].split()[:2] for line in out.splitlines()[1:]}
    assert rows["Max open files"] == ["17", "17"]
    assert rows["Max cpu time"] == ["5", "6"]


HOST_WITHOUT_STDIO = """
import os, sys
import anyio
from execgate.process import _spawn
from execgate.process._spawn import Placement, spawn

async def main():
    for fd in (0, 1, 2):
        os.close(fd)
    results = []
    for placement in (Placement(), None):
        proc = spawn(["/bin/sh", "-c", "echo out; echo err >&2; cat"], stdin=True, stdout=True,
                     stderr=True, cwd="/", env={}, placement=placement)
        await proc.stdin.send(b"in")
        await proc.stdin.aclose()
        got = [await read_all(proc.stdout), await read_all(proc.stderr)]
        results.append((await proc.wait(), got))
        await proc.aclose()
    # No stdin pipe: the child opens /dev/null itself, and in this host it lands on fd 0.
    nulls = []
    for detach in (False, True) if _spawn.detach_works() else (False,):
        proc = spawn(["/bin/sh", "-c", "readlink /proc/self/fd/0"], stdin=False, stdout=True,
                     stderr=False, cwd="/", env={}, placement=Placement(), detach=detach)
        nulls.append((await proc.wait(), await read_all(proc.stdout)))
        await proc.aclose()
    with open(sys.argv[1], "w") as f:
        f.write(repr([results, nulls]))

anyio.run(main)
"""


@needs_native
def test_a_host_that_closed_its_stdio_still_gives_jobs_their_own(tmp_path: Path) -> None:
    """A daemon with fds 0-2 closed: the first pipes it makes are fds 0-2, and moving one onto
    another must not clobber it (the helper keeps sources above 2)."""
    script = tmp_path / "host.py"
    script.write_text(_SCRIPT_READ_ALL + HOST_WITHOUT_STDIO)
    subprocess.run([sys.executable, str(script), str(tmp_path / "out")], check=True, timeout=30)
    expected = (0, [b"out\nin", b"err\n"])
    null = (0, b"/dev/null\n")
    nulls = [null, null] if _spawn.detach_works() else [null]
    assert (tmp_path / "out").read_text() == repr([[expected, expected], nulls])


@needs_native
@BOTH_WAYS
def test_many_threads_spawning_at_once_keep_their_pipes_apart(tmp_path: Path, detach: bool) -> None:
    """The helper releases the GIL while the child borrows the thread: children started from
    several threads at once must each hold only their own pipes. A child holding another's
    write end would keep that pipe open past its owner's exit: its reader would not see EOF
    in time, or would see the other child's bytes."""

    errors: list[str] = []

    def worker(n: int) -> None:
        async def jobs() -> None:
            for i in range(40):
                token = f"{n}-{i}"
                proc = spawn(["/bin/sh", "-c", f"echo {token}; sleep 0.01"], stdin=False,
                             stdout=True, stderr=False, cwd="/", env={},
                             placement=Placement(), detach=detach)  # fmt: skip
                assert proc is not None
                with anyio.fail_after(5):
                    data = await _read_all(proc.stdout)
                    await proc.wait()
                await proc.aclose()
                if data != f"{token}\n".encode():
                    errors.append(f"{token}: {data!r}")

        try:
            anyio.run(jobs)
        except BaseException as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors


@pytest.mark.cgroup
@needs_native
@BOTH_WAYS
async def test_a_job_whose_cgroup_vanished_is_refused_before_it_runs(
    policy: Policy,
    store_url: str,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    detach: bool,
) -> None:
    """Through the gate: the job's cgroup is removed between its creation and the spawn.
    The shim ran the program's shell and exited 125; the helper refuses with a typed error
    and the program never runs."""
    from execgate.process._tree import CgroupContainment

    cg = CgroupContainment.create()
    if cg is None:
        pytest.skip("no writable cgroup2 here")
    cg.close()
    real_new_job = CgroupContainment.new_job

    def vanishing(self: CgroupContainment, job_id: str) -> object:
        job = real_new_job(self, job_id)
        os.rmdir(job.path)  # type: ignore[attr-defined]
        return job

    monkeypatch.setattr(CgroupContainment, "new_job", vanishing)
    monkeypatch.setenv("EXECGATE_NATIVE_SPAWN", "clone" if detach else "vfork")
    async with open_gate(policy, store_url, containment="cgroup") as gate:
        with pytest.raises(ContainmentFailed) as caught:
            await gate.run(argv=["touch", "ran"])
    assert caught.value.code == "EG-CONTAINMENT-FAILED"
    assert "cgroups" in str(caught.value)
    assert not (workspace / "ran").exists()


@pytest.mark.cgroup
@needs_native
@pytest.mark.parametrize("mode", ["vfork", "clone", "0"])
async def test_a_job_is_in_its_cgroup_from_its_first_instruction(
    policy: Policy,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    """The first thing the program does is read its own cgroup: already the job's."""
    from conftest import cgroup_available

    if not cgroup_available():
        pytest.skip("no writable cgroup2 here")
    if mode == "clone" and not _spawn.detach_works():
        pytest.skip("detached spawn needs x86-64 raw system calls")
    monkeypatch.setenv("EXECGATE_NATIVE_SPAWN", mode)
    async with open_gate(policy, store_url, containment="cgroup") as gate:
        r = await gate.run(argv=["cat", "/proc/self/cgroup"])
    v2 = next(line for line in r.stdout.decode().splitlines() if line.startswith("0::"))
    assert "/execgate-" in v2 and v2.rsplit("/", 1)[1].startswith("job-"), v2


@pytest.mark.cgroup
async def test_a_reused_job_cgroup_holds_only_the_new_job(policy: Policy, store_url: str) -> None:
    """An emptied job cgroup is handed to the next job (no mkdir/rmdir per job): the next job
    finds itself alone in it. A cgroup whose job had to be killed (here: it left a background
    child) is not reused, and the jobs after it run normally: on Linux 6.18 a child created
    in a cgroup that was once killed is SIGKILLed at birth."""
    from conftest import cgroup_available

    from execgate.process._tree import _cgroup2_mount

    if not cgroup_available():
        pytest.skip("no writable cgroup2 here")
    mount = _cgroup2_mount()
    show = 'cg=$(sed -n "s/^0:://p" /proc/self/cgroup); echo "$cg"; cat "$0$cg/cgroup.procs"'
    async with open_gate(policy, store_url, containment="cgroup") as gate:
        runs = [
            await gate.run(argv=["sh", "-c", show, mount]),
            await gate.run(argv=["sh", "-c", show, mount]),
            await gate.run(argv=["sh", "-c", "sleep 30 & " + show, mount]),
            await gate.run(argv=["sh", "-c", show, mount]),
            await gate.run(argv=["sh", "-c", show, mount]),
        ]
    assert [(r.exit_code, r.signal) for r in runs] == [(0, None)] * 5, runs
    first, second, killed, after, later = (r.stdout.decode().split() for r in runs)
    assert second[0] == first[0]  # reused
    assert len(first[1:]) == 2 and len(second[1:]) == 2  # the shell and its cat: alone
    assert len(killed[1:]) >= 2  # the shell, the background sleep (and cat)
    assert after[0] != killed[0] and later[0] == after[0]  # a new cgroup, itself reused
    assert len(after[1:]) == 2 and len(later[1:]) == 2, runs


@pytest.mark.cgroup
async def test_a_job_cgroup_killed_from_outside_is_not_reused(
    policy: Policy, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job killed through its cgroup by someone else (systemd-oomd, an operator: here the
    job itself writes its cgroup.kill) leaves a cgroup execgate cannot tell from an empty one.
    It is not handed to the next job, which would be SIGKILLed at birth on Linux 6.18 -- and
    so this process keeps creating its jobs in their cgroups (no fall-back to the slower
    write for the rest of its life)."""
    from execgate.process._tree import _cgroup2_mount

    if not cgroup_available():
        pytest.skip("no writable cgroup2 here")
    monkeypatch.setattr(_spawn, "_into_cgroup_works", True)
    mount = _cgroup2_mount()
    where = 'cg=$(sed -n "s/^0:://p" /proc/self/cgroup); echo "$cg"'
    async with open_gate(policy, store_url, containment="cgroup") as gate:
        first = await gate.run(argv=["sh", "-c", where, mount])
        killed = await gate.run(argv=["sh", "-c", where + '; echo 1 > "$0$cg/cgroup.kill"', mount])
        after = [await gate.run(argv=["sh", "-c", where, mount]) for _ in range(2)]
    assert (first.exit_code, killed.signal) == (0, signal.SIGKILL), (first, killed)
    assert [(r.exit_code, r.signal) for r in after] == [(0, None)] * 2, after
    cgroups = [r.stdout.decode().strip() for r in (first, killed, *after)]
    assert cgroups[1] == cgroups[0]  # the first job's cgroup was reused...
    assert cgroups[2] != cgroups[1] and cgroups[3] == cgroups[2], cgroups  # ...not this one
    if NATIVE:
        assert _spawn._into_cgroup_works  # no job of this gate was killed at birth


@pytest.mark.parametrize("open_files", [1, 2, 3, 8])
async def test_tiny_open_file_limits_bind_the_program_not_the_spawn(
    policy: Policy, store_url: str, monkeypatch: pytest.MonkeyPatch, open_files: int
) -> None:
    """``open_files`` below 3 must not stop the spawn itself (it moves the pipes onto 0-2):
    the program runs under the limit and fails, if it does, as itself -- the same on both
    spawn paths (here: the dynamic loader cannot open the C library)."""
    results = []
    for mode in ("vfork", "clone", "0") if _spawn.detach_works() else ("vfork", "0"):
        monkeypatch.setenv("EXECGATE_NATIVE_SPAWN", mode)
        async with open_gate(policy, store_url) as gate:
            r = await gate.run(argv=["cat", "/dev/null"], open_files=open_files)
        results.append((r.exit_code, r.signal, r.stderr))
    assert all(r == results[0] for r in results), results
    exit_code, _, stderr = results[0]
    if open_files <= 3:  # the loader needs a fourth fd to open libc
        assert exit_code == 127 and b"cannot open shared object" in stderr, results[0]
    else:
        assert exit_code == 0, results[0]


_NO_NUL = st.binary(max_size=40).map(lambda b: b.replace(b"\0", b"")).map(os.fsdecode)
_ENV_NAME = (
    st.binary(min_size=1, max_size=12)
    .map(lambda b: b.replace(b"\0", b"x").replace(b"=", b"y"))
    .map(os.fsdecode)
)


@needs_native
@settings(max_examples=40, deadline=None)
@given(args=st.lists(_NO_NUL, max_size=6), env=st.dictionaries(_ENV_NAME, _NO_NUL, max_size=5))
@pytest.mark.slow
def test_any_argv_and_env_reach_the_child_byte_for_byte(
    args: list[str], env: dict[str, str]
) -> None:
    """Arbitrary bytes (not UTF-8, spaces, quotes, empty strings) in argv and the environment
    arrive in the child exactly as ``Popen`` delivers them."""

    async def both() -> list[tuple[bytes, bytes]]:
        seen = []
        ways = [(Placement(), False), (None, None)]
        if _spawn.detach_works():
            ways.append((Placement(), True))
        for placement, detach in ways:
            outputs = []
            for argv in (["/usr/bin/printf", "%s\\0", "argv:", *args], ["/usr/bin/env", "-0"]):
                proc = spawn(argv, stdin=False, stdout=True, stderr=False, cwd="/", env=env,
                             placement=placement, detach=detach)  # fmt: skip
                assert proc is not None
                outputs.append(await _read_all(proc.stdout))
                assert await proc.wait() == 0
                proc.close()
            seen.append((outputs[0], outputs[1]))
        return seen

    native, popen, *detached = anyio.run(both)
    assert native == popen
    assert all(d == popen for d in detached)
    assert native[0] == b"".join(os.fsencode(a) + b"\0" for a in ["argv:", *args])
    assert set(native[1].split(b"\0")) - {b""} == {
        os.fsencode(k) + b"=" + os.fsencode(v) for k, v in env.items()
    }


needs_detach = pytest.mark.skipif(
    not _spawn.detach_works(), reason="detached spawn needs x86-64 raw system calls"
)


@needs_detach
@pytest.mark.parametrize("containment", ["cgroup", "process-group"])
async def test_a_stop_reaches_a_detached_child_held_before_its_exec(
    tmp_path: Path, containment: str
) -> None:
    """Detached, spawn returns before the child is in its session and cgroup: signals sent to
    the job's tree then would miss it, and it would run its program unkilled. Here the child
    is held before its execve (its first join opens a FIFO nobody reads): ``terminate`` must
    kill it there -- at once, not after the grace -- and the program must never run."""
    from execgate.process._job import terminate
    from execgate.process._tree import open_containment

    if containment == "cgroup":
        from conftest import cgroup_available

        if not cgroup_available():
            pytest.skip("no writable cgroup2 here")
    fifo = tmp_path / "hold"
    os.mkfifo(fifo)
    fds, children = _fds(), _children()
    jobs = open_containment(containment)  # type: ignore[arg-type]
    tree = jobs.new_job("held")
    try:
        env, placement = tree.placement({})
        held = Placement(join=(str(fifo), *placement.join), rlimits=placement.rlimits)
        proc = spawn(["/bin/touch", "ran"], stdin=True, stdout=True, stderr=True,
                     cwd=str(tmp_path), env=env, placement=held, detach=True)  # fmt: skip
        assert proc is not None
        tree.adopt(proc.pid)
        await anyio.sleep(0.05)
        assert not proc.started()
        try:
            with anyio.fail_after(10):  # the grace is 30 s: killed before it, not after
                survivors = await terminate(tree, proc, 30.0)
        finally:
            if proc.returncode is None:  # failing: do not leave it holding our fds
                os.kill(proc.pid, signal.SIGKILL)
        assert survivors == 0
        assert proc.returncode == -signal.SIGKILL
        assert proc.spawn_failure() is None  # killed, not failed
        await proc.aclose()
        assert not (tmp_path / "ran").exists()
    finally:
        tree.close()
        jobs.close()  # (a job holds its cgroup.events open until its close)
    assert _fds() == fds and _children() == children


@needs_detach
async def test_by_default_a_spawn_detaches_only_while_another_child_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alone, waiting for the exec is cheaper (one wake-up fewer); with other jobs running, the
    event loop has better things to do than wait ~0.2 ms per spawn (see _spawn)."""
    monkeypatch.delenv("EXECGATE_NATIVE_SPAWN", raising=False)
    monkeypatch.setattr(_spawn, "_unreaped", 0)
    kw: dict[str, object] = dict(stdin=False, stdout=False, stderr=False, cwd=str(tmp_path),
                                 env={}, placement=Placement())  # fmt: skip
    first = spawn(["/bin/sleep", "30"], **kw)  # type: ignore[arg-type]
    second = spawn(["/bin/true"], **kw)  # type: ignore[arg-type]
    assert first is not None and second is not None
    try:
        assert first._launch is None  # waited for: nothing else was running
        assert second._launch is not None  # detached: the first was still running
        assert await second.wait() == 0
    finally:
        await first.aclose()
        await second.aclose()
    assert _spawn._unreaped == 0
    third = spawn(["/bin/true"], **kw)  # type: ignore[arg-type]
    assert third is not None and third._launch is None
    await third.wait()
    third.close()


def _vm_size() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmSize:")).split()[1])


@needs_detach
@pytest.mark.slow
async def test_a_detached_launch_is_freed_once_its_child_is_reaped(tmp_path: Path) -> None:
    """Each detached child gets a copy of its arguments and a 64 KiB stack, shared with it
    until its exec: they must go back once it is reaped, or a busy gate grows without bound
    (300 leaked launches: ~20 MiB of address space)."""

    async def spawn_some(n: int) -> None:
        for _ in range(n):
            proc = spawn(["/bin/true"], stdin=False, stdout=True, stderr=False,
                         cwd=str(tmp_path), env={}, placement=Placement(), detach=True)  # fmt: skip
            assert proc is not None
            await _read_all(proc.stdout)
            assert await proc.wait() == 0
            proc.close()

    await spawn_some(50)  # warm: stack cache, allocator arenas
    before = _vm_size()
    await spawn_some(300)
    assert _vm_size() - before < 4096, "KiB of address space kept after 300 detached spawns"


@pytest.mark.parametrize("later", MECHANISMS)
async def test_a_job_process_that_dies_after_its_gate_closed_is_reaped(
    policy: Policy, store_url: str, later: str
) -> None:
    """A killed job process leaves its cgroup a moment before it becomes a zombie re-parented
    to us, so it can die after its gate's last sweep (seen in CI: two such zombies outlived
    their gates for the rest of the run). The gate's close, or the next job of any gate,
    must collect it: we are the subreaper, and nobody else ever will."""
    from execgate.process._tree import CgroupContainment, _set_subreaper

    # Orphans reach us only when we are a subreaper: as once any process-group gate ran, or
    # when the host is one itself. (A cgroup gate alone leaves them to init.)
    assert _set_subreaper()
    gone = CgroupContainment.create()
    if gone is None:
        pytest.skip("no writable cgroup2 here")
    tree = gone.new_job("early")
    procs = os.path.join(tree.path, "cgroup.procs")  # type: ignore[attr-defined]
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: a job process, as the kernel sees it
        try:
            fd = os.open(procs, os.O_WRONLY)
            os.write(fd, b"0")
            os.close(fd)
            signal.pause()
        finally:
            os._exit(0)
    try:
        for _ in range(400):
            if f"0::{tree.relative}\n" in Path(f"/proc/{pid}/cgroup").read_text():  # type: ignore[attr-defined]
                break
            await anyio.sleep(0.005)
        else:
            pytest.fail("the stand-in job process never joined its cgroup")
        gone.close()  # kills it: from here it is a zombie of ours until someone reaps it
        async with open_gate(policy, store_url, containment=later) as gate:
            await gate.run(argv=["true"])
        assert pid not in [c.pid for c in psutil.Process().children()]
    finally:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)  # noqa: ASYNC222 - a test's clean-up of a dead child
