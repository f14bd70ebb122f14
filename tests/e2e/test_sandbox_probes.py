"""Secure mode holds against the host's sockets and powers: each probe runs inside and outside
the same gate (both backends, every spawn path) and must fail inside and work outside.

The probes are harmless outside: the host name and clock are set to what they are, a sysctl is
written its own value, a tmpfs is mounted and unmounted in the workspace, a bystander is
seized and let go."""

from __future__ import annotations

import glob
import json
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import PYTHON, open_gate, write_script

from execgate import Policy
from execgate.process import _sandbox

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.usefixtures("spawn_path"),
    pytest.mark.skipif(not _sandbox.support()[0], reason=f"no sandbox: {_sandbox.support()[1]}"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the host powers probed are root's"),
    pytest.mark.root,
]

PG_SOCKET = "/var/run/postgresql/.s.PGSQL.5432"
SHM_KEY = 0x45474736  # "EGG6"

PROBES = r"""
import ctypes, errno, json, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
args = json.loads(sys.argv[1])
out = {}

def probe(name, fn):
    try:
        fn()
        out[name] = "ok"
    except Exception as exc:
        out[name] = f"refused: {exc}"

def check(ret):
    if ret == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret

def unix(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
    finally:
        s.close()

for i, path in enumerate(args["sockets"]):
    probe(f"unix socket {i}", lambda p=path: unix(p))

def hostname():
    name = socket.gethostname().encode()
    check(libc.sethostname(name, len(name)))
probe("sethostname", hostname)
probe("clock_settime", lambda: time.clock_settime(time.CLOCK_REALTIME, time.time()))
probe("sysv ipc", lambda: check(libc.shmget(args["shm_key"], 0, 0)))

def mount():
    target = os.path.join(os.getcwd(), "mnt")
    os.makedirs(target, exist_ok=True)
    check(libc.mount(b"none", target.encode(), b"tmpfs", 0, None))
    check(libc.umount2(target.encode(), 0))
probe("mount", mount)
# KEYCTL_GET_KEYRING_ID of the session keyring, creating it
probe("keyctl", lambda: check(libc.syscall(250, 0, -3, 1)))

libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
# PTRACE_SEIZE does not stop the bystander; it is let go when this process exits
probe("ptrace bystander", lambda: check(libc.ptrace(0x4206, args["bystander"], None, None)))
probe("raw socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close())

def sysctl():
    path = "/proc/sys/vm/swappiness"
    value = open(path).read()
    with open(path, "w") as f:
        f.write(value)
probe("write /proc/sys", sysctl)
for i, path in enumerate(args["read"]):
    probe(f"read {i}", lambda p=path: open(p, "rb").read(1))
print(json.dumps(out))
"""


@pytest.fixture
def host_socket(tmp_path: Path) -> Iterator[list[str]]:
    """Listening UNIX sockets of the host: one the test makes beside the workspace, one in
    /run (a daemon's usual place), and PostgreSQL's where it runs."""
    paths = [str(tmp_path / "daemon.sock"), f"/run/execgate-probe-{os.getpid()}.sock"]
    servers = []
    for path in paths:
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.listen(8)
        servers.append(s)
    if os.path.exists(PG_SOCKET):
        paths.append(PG_SOCKET)
    try:
        yield paths
    finally:
        for s in servers:
            s.close()
        for path in paths[:2]:
            os.unlink(path)


@pytest.fixture
def shm_segment() -> Iterator[int]:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    key = SHM_KEY + os.getpid()  # SysV keys are host-wide: one per process (xdist workers)
    shmid = libc.shmget(key, 4096, 0o600 | 0o1000)  # IPC_CREAT
    assert shmid >= 0
    try:
        yield key
    finally:
        libc.shmctl(shmid, 0, None)  # IPC_RMID


def other_homes() -> list[str]:
    """Files in other users' homes (and root's), readable by root outside."""
    found = [p for p in glob.glob("/home/*/.*") + glob.glob("/home/*/*") if os.path.isfile(p)]
    return found[:1] + [p for p in glob.glob("/root/.*") if os.path.isfile(p)][:1]


async def test_host_sockets_and_powers_are_out_of_reach(
    make_policy: Callable[..., Policy],
    store_url: str,
    workspace: Path,
    host_socket: list[str],
    shm_segment: int,
) -> None:
    bystander = subprocess.Popen(["sleep", "60"])  # noqa: ASYNC220
    recorder = store_url.removeprefix("sqlite:///")
    try:
        args = {
            "sockets": host_socket,
            "shm_key": shm_segment,
            "bystander": bystander.pid,
            "read": [*other_homes(), recorder],
        }
        write_script(workspace, "probes.py", PROBES)
        argv = [PYTHON, "probes.py", json.dumps(args)]
        async with open_gate(make_policy(), store_url) as gate:
            inside = await gate.run(argv=argv, secure=True)
            outside = await gate.run(argv=argv)
        assert inside.sandbox == "on" and inside.exit_code == 0, inside.stderr
        assert outside.exit_code == 0, outside.stderr
        seen_inside = json.loads(inside.stdout)
        seen_outside = json.loads(outside.stdout)
        assert len(seen_inside) == 8 + len(host_socket) + len(args["read"])
        assert {k for k, v in seen_outside.items() if v != "ok"} == set(), seen_outside
        assert {k for k, v in seen_inside.items() if v == "ok"} == set(), seen_inside
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


async def test_the_hosts_name_stays_the_hosts(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """A job never sets the host's name (a UTS namespace of its own, and sethostname refused
    besides). The name tried is the host's own, so that where this fails (a confinement
    without a UTS namespace, as root) the host still keeps its name."""
    before = socket.gethostname()
    code = (
        "import socket, ctypes\n"
        "n = socket.gethostname().encode()\n"
        "print(ctypes.CDLL(None).sethostname(n, len(n)))\n"
    )
    async with open_gate(make_policy(), store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
    assert r.sandbox == "on" and r.stdout.strip() == b"-1"
    assert socket.gethostname() == before


async def test_the_minimal_root_holds_only_what_a_job_needs(
    make_policy: Callable[..., Policy], store_url: str, workspace: Path
) -> None:
    code = (
        "import os, json\n"
        "print(json.dumps({p: os.path.exists(p) for p in "
        "['/run', '/var', '/home', '/sys', '/dev/null', '/dev/urandom', '/dev/pts',"
        " '/tmp', '/usr', '/etc/passwd', '/dev/sda', '/dev/vda', '/dev/mem', '/dev/kmsg']}))\n"
        "open('/tmp/scratch', 'w').write('x')\n"
        "print(os.environ['HOME'], os.environ['TMPDIR'], os.getcwd())\n"
    )
    async with open_gate(make_policy(), store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
    assert r.exit_code == 0, r.stderr
    seen, where = r.stdout.decode().splitlines()
    present = {p for p, there in json.loads(seen).items() if there}
    assert present == {"/dev/null", "/dev/urandom", "/dev/pts", "/tmp", "/usr", "/etc/passwd"}
    assert where.split() == ["/tmp", "/tmp", str(workspace)]


NESTED = r"""
import ctypes, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
out = {}
# a user namespace of its own would give the job capabilities again (mount, and so on)
out["unshare"] = libc.unshare(0x10000000 | 0x00020000)  # CLONE_NEWUSER | CLONE_NEWNS
# libc's clone with a namespace flag: fork's system call, checked on its flags
out["clone newns"] = libc.syscall(56, 0x00020000 | 17, 0, 0, 0, 0)  # CLONE_NEWNS | SIGCHLD
out["clone3"] = libc.syscall(435, 0, 0)
out["setns"] = libc.syscall(308, os.open("/proc/self/ns/net", os.O_RDONLY), 0)
out["umount /proc/sys"] = libc.umount2(b"/proc/sys", 2)
out["pivot_root"] = libc.syscall(155, b"/tmp", b"/tmp")
out["io_uring_setup"] = libc.syscall(425, 1, 0)
out["bpf"] = libc.syscall(321, 0, 0, 0)
print(json.dumps(out))
"""


async def test_the_job_cannot_make_namespaces_or_undo_its_root(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """What the filter refuses after set-up: each call returns -1 inside (EPERM; clone3
    ENOSYS so that libc falls back to clone, whose flags are checked); a plain fork works."""
    async with open_gate(make_policy(), store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", NESTED], secure=True)
        fork = await gate.run(argv=["sh", "-c", "(echo child) && echo parent"], secure=True)
    assert r.exit_code == 0, r.stderr
    assert set(json.loads(r.stdout).values()) == {-1}, r.stdout
    assert fork.stdout == b"child\nparent\n"


UDP = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    if sys.argv[1] == "listen":
        s.bind(("127.0.0.1", 47326))
        s.settimeout(2)
        print(s.recv(100))
    else:
        for _ in range(20):
            s.sendto(b"hello", ("127.0.0.1", 47326))
            time.sleep(0.05)
        print("sent")
except OSError as exc:
    print(type(exc).__name__, exc.errno)
"""


@pytest.mark.slow
async def test_jobs_sharing_the_gates_network_namespace_cannot_reach_each_other(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """The network namespace is made once and shared by every confined job of the process:
    with ``lo`` down, no address answers, not even another job's (TCP is refused by
    Landlock too; UDP, which Landlock does not govern, finds no route)."""
    import anyio

    results: dict[str, bytes] = {}
    async with open_gate(make_policy(), store_url) as gate:

        async def run(role: str) -> None:
            r = await gate.run(argv=[PYTHON, "-c", UDP, role], secure=True)
            results[role] = r.stdout

        async with anyio.create_task_group() as tg:
            tg.start_soon(run, "listen")
            tg.start_soon(run, "send")
    assert b"hello" not in results["listen"]
    assert results["send"] == b"OSError 101\n"  # ENETUNREACH


@pytest.mark.slow
def test_doctor_reports_each_layer(workspace: Path) -> None:
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "execgate", "doctor", "--json"],
        capture_output=True,
        cwd=workspace,
        timeout=60,
    )
    checks = {c["check"]: c for c in json.loads(out.stdout)}
    for layer in ("user namespace", "mount root", "seccomp", "Landlock", "network namespace"):
        assert checks[f"secure: {layer}"]["ok"] is True, checks[f"secure: {layer}"]
    assert "ABI" in checks["secure: Landlock"]["detail"]
    assert "one empty namespace per gate process" in checks["secure: network namespace"]["detail"]
    assert checks["secure: network by domain (proxy)"]["ok"] is True


async def test_the_namespaces_init_is_out_of_the_jobs_reach(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """PID 1 inside is the confiner's own process; under the native helper it shares the
    gate's memory until the job ends. The program cannot read it (Landlock: a process
    outside its domain), nor its environment, nor signal it, nor see the gate's command
    line (which the kernel shows without a ptrace check)."""
    code = (
        "import os, json\n"
        "out = {}\n"
        "out['cmdline'] = open('/proc/1/cmdline', 'rb').read().decode(errors='replace')\n"
        "out['task cmdline'] = open('/proc/1/task/1/cmdline', 'rb').read().decode()\n"
        "for name in ('mem', 'environ', 'maps', 'auxv'):\n"
        "    try:\n"
        "        with open(f'/proc/1/{name}', 'rb') as f:\n"
        "            f.read(64)\n"
        "        out[name] = 'read'\n"
        "    except OSError as exc:\n"
        "        out[name] = exc.errno\n"
        "try:\n"
        "    os.kill(1, 9)\n"
        "    out['kill'] = 'sent'\n"
        "except OSError as exc:\n"
        "    out['kill'] = exc.errno\n"
        "print(json.dumps(out))\n"
    )
    async with open_gate(make_policy(), store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
        again = await gate.run(argv=["true"], secure=True)  # the gate is alive and well
    assert r.exit_code == 0, r.stderr
    seen = json.loads(r.stdout)
    assert "read" not in seen.values() and seen["kill"] != "sent", seen
    gate = Path("/proc/self/cmdline").read_bytes().decode(errors="replace")
    for cmdline in (seen["cmdline"], seen["task cmdline"]):
        assert gate not in cmdline, seen
    assert again.exit_code == 0


HOG = (
    "import time\n"
    "b = bytearray(70 << 20)\n"
    "for i in range(0, len(b), 4096):\n"
    "    b[i] = 1\n"
    "time.sleep(5)\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["trio"])  # the kernel's choice owes nothing to it
async def test_the_oom_killer_of_a_confined_job_never_picks_the_gate(
    make_policy: Callable[..., Policy], store_url: str, workspace: Path
) -> None:
    """Three processes of one job outgrow its memory cgroup while this (the gate's) process
    is far larger: the kernel's OOM killer picks inside the job, and this process lives on.
    (The native helper's two processes share this process's memory for the whole job.)"""
    ballast = b"\x01" * (400 << 20)  # resident, so the gate's mm outweighs every job process
    write_script(workspace, "hog.py", HOG)
    script = f"for i in 1 2 3; do {PYTHON} hog.py & done; wait"
    prefix = os.path.dirname(os.path.dirname(PYTHON))  # sh's job runs python: let it in
    policy = make_policy(extra=f'\n[sandbox]\nread = ["{prefix}"]\n')
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=["sh", "-c", script], secure=True, memory_bytes=150 << 20)
    assert r.sandbox == "on" and r.limit_hit == "memory_bytes", (r.limit_hit, r.stderr)
    assert len(ballast) == 400 << 20


async def test_only_the_program_is_marked_for_the_oom_killer(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """Under the native helper the program runs with the highest oom_score_adj (its helper
    processes share this process's memory and must never be the pick); this process keeps
    its own value."""
    from execgate.process._spawn import native_confine_usable

    before = Path("/proc/self/oom_score_adj").read_text()
    async with open_gate(make_policy(), store_url) as gate:
        r = await gate.run(argv=["cat", "/proc/self/oom_score_adj"], secure=True)
    assert r.exit_code == 0
    assert r.stdout == (b"1000\n" if native_confine_usable() else before.encode())
    assert Path("/proc/self/oom_score_adj").read_text() == before


def test_with_network_the_resolvers_file_comes_along_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``network = true`` on a host whose /etc/resolv.conf points into /run (systemd-resolved)
    binds that one file, read-only, never its directory (the host's sockets live beside it)."""
    from execgate.models import ExecPlan, Limits, SandboxPlan

    run = tmp_path / "run" / "resolve"
    run.mkdir(parents=True)
    (run / "stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    real = os.path.realpath
    monkeypatch.setattr(
        _sandbox.os.path,
        "realpath",
        lambda p: str(run / "stub-resolv.conf") if p == "/etc/resolv.conf" else real(p),
    )
    plan = ExecPlan(
        job_id="j",
        argv=("/usr/bin/true",),
        cwd=str(tmp_path),
        env={},
        limits=Limits(timeout=1, kill_grace=1, max_output_bytes=1),
        sandbox=SandboxPlan(required=True, read=(), write=(str(tmp_path / "ws"),), network=True),
    )
    binds = _sandbox.confinement(plan).binds
    assert (0, str(run / "stub-resolv.conf"), str(run / "stub-resolv.conf")) in binds
    assert not any(dst == str(run) for _kind, _src, dst in binds)
