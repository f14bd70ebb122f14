"""Secure mode: each confinement tried from inside a job (it must fail) and the same action
outside it (it must succeed), plus the escape matrix under the sandbox. Real namespaces,
real Landlock, real processes; skipped only where the host cannot confine at all."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from conftest import MECHANISMS, PYTHON, open_gate, read_pids, write_script

from execgate import Policy, SandboxUnavailable
from execgate.process import _confine, _sandbox

pytestmark = [
    pytest.mark.anyio,
    # every test twice more: jobs started by the native helper and by the shell shim
    pytest.mark.usefixtures("spawn_path"),
    pytest.mark.skipif(not _sandbox.support()[0], reason=f"no sandbox: {_sandbox.support()[1]}"),
]

SECURE = '\n[sandbox]\nsecure = "required"\n'


@pytest.fixture
def secure_policy(make_policy: Callable[..., Policy]) -> Policy:
    return make_policy(extra=SECURE)


async def both(gate: object, argv: list[str]) -> tuple[object, object]:
    """The same command confined and not (secure=True on a policy without secure mode)."""
    inside = await gate.run(argv=argv, secure=True)  # type: ignore[attr-defined]
    outside = await gate.run(argv=argv)  # type: ignore[attr-defined]
    return inside, outside


async def test_writing_outside_the_workspace(
    policy: Policy, store_url: str, tmp_path: Path
) -> None:
    """A write outside the workspace never reaches the host: beneath /tmp it lands in the
    job's private tmpfs (gone with the job), elsewhere it is refused."""
    target = tmp_path / "outside.txt"
    code = f"open({str(target)!r}, 'w').write('x'); print('wrote')"
    async with open_gate(policy, store_url) as gate:
        inside = await gate.run(argv=[PYTHON, "-c", code], secure=True)
        assert inside.sandbox == "on" and not target.exists()
        etc = await gate.run(argv=[PYTHON, "-c", "open('/etc/execgate-x', 'w')"], secure=True)
        assert etc.exit_code != 0 and not os.path.exists("/etc/execgate-x")
        outside = await gate.run(argv=[PYTHON, "-c", code])
        assert outside.exit_code == 0 and target.exists()
        ok = await gate.run(argv=[PYTHON, "-c", "open('in.txt','w').write('x')"], secure=True)
        assert ok.exit_code == 0


async def test_reading_a_denied_path(policy: Policy, store_url: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"  # outside the workspace and the read paths
    secret.write_text("s3cret")
    async with open_gate(policy, store_url) as gate:
        for path in (str(secret), "/etc/shadow"):
            inside, outside = await both(gate, ["cat", path])
            assert inside.exit_code != 0 and inside.stdout == b""  # type: ignore[attr-defined]
            assert outside.exit_code == 0 and outside.stdout  # type: ignore[attr-defined]
        # not in the job's root at all, or refused by Landlock
        inside = await gate.run(argv=["cat", "/etc/shadow"], secure=True)
        assert b"Permission denied" in inside.stderr


async def test_a_socket_to_localhost(policy: Policy, store_url: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2); print('connected')"
        async with open_gate(policy, store_url) as gate:
            inside, outside = await both(gate, [PYTHON, "-c", code])
    assert inside.exit_code != 0 and b"connected" not in inside.stdout  # type: ignore[attr-defined]
    assert outside.stdout == b"connected\n"  # type: ignore[attr-defined]


async def test_listing_other_processes(policy: Policy, store_url: str) -> None:
    code = "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"
    async with open_gate(policy, store_url) as gate:
        inside, outside = await both(gate, [PYTHON, "-c", code])
    seen_inside = eval(inside.stdout)  # type: ignore[attr-defined]
    seen_outside = eval(outside.stdout)  # type: ignore[attr-defined]
    assert seen_inside == [1, 2]  # the namespace's init (the launcher) and the job itself
    assert os.getpid() in seen_outside and len(seen_outside) > 10


async def test_killing_a_process_outside_the_job(policy: Policy, store_url: str) -> None:
    victim = subprocess.Popen(["sleep", "60"])  # noqa: ASYNC220  (a bystander process)
    try:
        code = f"import os; os.kill({victim.pid}, 9)"
        async with open_gate(policy, store_url) as gate:
            inside = await gate.run(argv=[PYTHON, "-c", code], secure=True)
            await anyio.sleep(0.1)
            assert inside.exit_code != 0 and victim.poll() is None
            outside = await gate.run(argv=[PYTHON, "-c", code])
        assert outside.exit_code == 0 and victim.wait(timeout=5) == -9
    finally:
        victim.kill()


ESCAPE = """
import os, sys, time
def forever():
    open("pids", "a").write(f"{os.getpid()}\\n")
    while True:
        time.sleep(0.1)
for _ in range(3):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            forever()
        os._exit(0)
open("pids", "a").write(f"{os.getpid()}\\n")
time.sleep(60)
"""


async def test_escape_matrix_under_the_sandbox(
    secure_policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(workspace, "escape.py", ESCAPE)
    async with open_gate(secure_policy, store_url) as gate:
        r = await gate.run(argv=[PYTHON, "escape.py"], timeout=1.0, kill_grace=0.2)
    assert r.timed_out and r.sandbox == "on"
    # the pids are the namespace's own: the processes are found through the workspace file
    # only to count them; survivors are looked for by command line on the host
    assert len(read_pids(workspace / "pids", 4)) == 4
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-f", "escape.py"], capture_output=True).stdout.split()
        if not found:
            break
        await anyio.sleep(0.05)
    assert not found, found


async def test_required_refuses_and_preferred_degrades_where_unavailable(
    make_policy: Callable[..., Policy],
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    workspace: Path,
) -> None:
    """A host without the mechanisms, simulated by the launcher's probe saying so."""
    from execgate.process import _job

    monkeypatch.setattr(_job, "sandbox_support", lambda: (False, "simulated: no namespaces"))
    monkeypatch.setattr(_job, "sandbox_support_known", lambda: None)
    required = make_policy(extra=SECURE)
    async with open_gate(required, store_url) as gate:
        with pytest.raises(SandboxUnavailable) as exc:
            await gate.run(argv=["touch", "made"])
        assert exc.value.code == "EG-SANDBOX-UNAVAILABLE" and "simulated" in exc.value.message
    assert not (workspace / "made").exists()
    preferred = make_policy(extra='\n[sandbox]\nsecure = "preferred"\n')
    async with open_gate(preferred, store_url) as gate:
        r = await gate.run(argv=["touch", "made"])
    assert r.exit_code == 0 and r.sandbox == "degraded" and (workspace / "made").exists()


async def test_an_ordinary_job_still_works_confined(secure_policy: Policy, store_url: str) -> None:
    async with open_gate(secure_policy, store_url) as gate:
        r = await gate.run(
            argv=[PYTHON, "-c", "import sys; print(sys.stdin.read().upper())"], stdin=b"hello"
        )
        assert r.stdout == b"HELLO\n" and r.sandbox == "on"
        r = await gate.run(command="echo a && echo b | cat")
        assert r.stdout == b"a\nb\n" and r.sandbox == "on"
        r = await gate.run(argv=["sh", "-c", "exit 7"])
        assert r.exit_code == 7


def test_the_cli_requires_secure_mode_on_request(tmp_path: Path, workspace: Path) -> None:
    import json
    import sys

    policy = tmp_path / "p.toml"
    policy.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n[[allow]]\ncommand = "cat"\npaths = "any"\n'
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "execgate",
            "run",
            "--policy",
            str(policy),
            "--store",
            f"sqlite:///{tmp_path / 'e.db'}",
            "--secure",
            "--json",
            "--",
            "cat",
            "/etc/shadow",
        ],
        capture_output=True,
        cwd=workspace,
        timeout=60,
    )
    out = json.loads(run.stdout)
    assert out["sandbox"] == "on" and out["exit_code"] != 0 and "Permission denied" in out["stderr"]


@pytest.mark.root
@pytest.mark.skipif(
    os.geteuid() != 0
    or not os.path.exists("/usr/bin/setpriv")
    or not os.path.exists("/usr/bin/python3"),
    reason="needs root to become another user, setpriv and a system python3",
)
def test_the_launcher_confines_a_non_root_user_too(tmp_path: Path) -> None:
    """As uid 65534, secure mode needs a user namespace (mapping the user to root inside):
    the same confinement holds — writes outside the allowed dir
    do not reach the host, reads of a denied file fail, other processes are invisible."""
    import shutil
    import tempfile

    from execgate.process._confine import landlock_paths, root_binds
    from execgate.process._sandbox import HELPER, Confinement, launcher_config

    base = Path(tempfile.mkdtemp(prefix="execgate-nonroot-"))
    try:
        base.chmod(0o755)
        helper = base / "sandbox_exec.py"
        shutil.copy(HELPER, helper)
        allowed = base / "ws"
        allowed.mkdir()
        allowed.chmod(0o777)
        (base / "readable.txt").write_text("other user's file\n")
        (base / "readable.txt").chmod(0o644)
        read, write = landlock_paths([], [str(allowed)])
        confinement = Confinement(
            binds=tuple(root_binds([], [str(allowed)])),
            read=tuple(read),
            write=tuple(write),
            network=False,
            netns=None,
            seccomp=None,
        )
        config = launcher_config(confinement, str(allowed), None)
        script = (
            f"id -u; echo ok > {allowed}/in.txt && echo wrote-inside; "
            f"echo x > {base}/out.txt; "  # lands in the private /tmp, not on the host
            f"cat {base}/readable.txt || echo no-read; "
            "ls /proc | grep -c '^[0-9]'"
        )
        run = subprocess.run(
            [
                "/usr/bin/setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/usr/bin/python3",
                "-I",
                "-S",
                str(helper),
                config,
                "--",
                "/bin/sh",
                "-c",
                script,
            ],
            capture_output=True,
            timeout=30,
        )
        lines = run.stdout.decode().split()
        assert run.returncode == 0, run.stderr
        assert lines[:3] == ["0", "wrote-inside", "no-read"], run.stdout
        assert int(lines[3]) <= 4  # the launcher as init, sh, ls, grep: nothing else
        assert (allowed / "in.txt").exists() and not (base / "out.txt").exists()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_programs_prefixes_are_readable(tmp_path: Path) -> None:
    """A virtualenv's program needs its own prefix (site-packages) and its interpreter's
    (the standard library): both are granted for reading."""
    import sys

    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(os.path.realpath(sys.executable))
    prefixes = _confine.prefixes(str(venv_bin / "python"))
    real_prefix = os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))
    assert prefixes == [str(tmp_path / "venv"), real_prefix]


async def test_a_launcher_that_cannot_confine_is_an_error_not_a_result(
    secure_policy: Policy,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workspace: Path,
) -> None:
    """Where confinement fails for one job (the kernel refuses a step), the confiner (the
    native helper's child, or the launcher) exits before the program runs; the caller gets
    EG-SANDBOX-UNAVAILABLE, recorded as an error — not an exit status that looks like the
    program's. Simulated by a network namespace that is not one (setns refuses it)."""
    not_a_netns = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
    monkeypatch.setattr(_sandbox, "shared_netns", lambda: not_a_netns)
    try:
        async with open_gate(secure_policy, store_url) as gate:
            with pytest.raises(SandboxUnavailable) as exc:
                await gate.run(argv=["touch", "made"], job_id="fails")
    finally:
        os.close(not_a_netns)
    assert "Invalid argument" in exc.value.message and not (workspace / "made").exists()
    from test_gate import events

    assert [r["kind"] for r in events(store_url, job_id="fails")] == ["decision", "error"]


async def test_sigterm_reaches_a_confined_program_and_its_status_comes_back(
    policy: Policy, store_url: str
) -> None:
    """A namespace's init only gets signals it handles, so the program is not PID 1: the
    gate's SIGTERM ends a confined ``sleep`` at once (not after the grace, by SIGKILL), and
    how the program ended — signal or exit code — is what the result says."""
    async with open_gate(policy, store_url) as gate:
        t0 = time.monotonic()
        r = await gate.run(argv=["sleep", "30"], timeout=0.3, kill_grace=5, secure=True)
        elapsed = time.monotonic() - t0
        assert (r.signal, r.killed_by, r.sandbox) == (15, "timeout", "on")
        assert elapsed < 3, f"took {elapsed:.1f}s: SIGTERM was dropped, SIGKILL ended it"
        for sig in (signal.SIGUSR1, signal.SIGKILL, signal.SIGTERM):
            r = await gate.run(argv=["sh", "-c", f"kill -{int(sig)} $$"], secure=True)
            assert (r.signal, r.exit_code, r.stderr) == (sig, None, b""), r.stderr
        r = await gate.run(argv=["sh", "-c", "exit 7"], secure=True)
        assert r.exit_code == 7 and r.signal is None


LIMIT_LINES = ("Max cpu time", "Max file size", "Max processes", "Max open files",
               "Max address space")  # fmt: skip


async def test_a_confined_program_gets_exactly_the_jobs_limits(
    policy: Policy, store_url: str
) -> None:
    """The launcher sets the rlimits itself, just before exec: the program sees the same
    limits as an unconfined job, and the launcher (Python) is not held to them."""
    limits = {"cpu_seconds": 7, "memory_bytes": 300 << 20, "open_files": 50,
              "file_size_bytes": (1 << 20) + 1, "processes": 40}  # fmt: skip

    def table(out: bytes) -> list[str]:
        return [ln for ln in out.decode().splitlines() if ln.startswith(LIMIT_LINES)]

    async with open_gate(policy, store_url) as gate:
        inside = await gate.run(argv=["cat", "/proc/self/limits"], secure=True, **limits)
        outside = await gate.run(argv=["cat", "/proc/self/limits"], **limits)
    assert inside.sandbox == "on" and inside.exit_code == 0, inside.stderr
    assert len(table(outside.stdout)) == 5
    assert table(inside.stdout) == table(outside.stdout)


@pytest.mark.parametrize(
    ("limits", "argv"),
    [
        ({"processes": 2}, ["sh", "-c", "/bin/true; /bin/true"]),
        ({"processes": 1}, ["/bin/true"]),
        ({"memory_bytes": 8 << 20}, ["/bin/true"]),
        ({"open_files": 8}, ["/bin/true"]),
    ],
)
async def test_tight_limits_bind_the_program_not_the_launcher(
    policy: Policy, store_url: str, limits: dict[str, int], argv: list[str]
) -> None:
    """A limit an unconfined job runs under must not stop the same job in secure mode just
    because the launcher's own processes or Python's memory and files would count."""
    async with open_gate(policy, store_url) as gate:
        inside = await gate.run(argv=argv, secure=True, **limits)
        outside = await gate.run(argv=argv, **limits)
    assert outside.exit_code == 0, outside.stderr
    assert (inside.exit_code, inside.limit_hit, inside.sandbox) == (0, None, "on"), inside.stderr


TERM_EXIT = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: (print('term', flush=True), sys.exit(3)))\n"
    "print('ready', flush=True)\n"
    "time.sleep(30)\n"
)
SAME_EITHER_WAY = [
    pytest.param({"argv": ["cat"], "stdin": b"hello" * 100_000}, id="stdin"),
    pytest.param({"argv": ["sh", "-c", "yes | head -c 100000 | wc -c"]}, id="sigpipe"),
    pytest.param({"argv": ["sh", "-c", "pwd; echo $# >&2; exit 4"]}, id="exit-cwd-stderr"),
    pytest.param({"argv": ["sh", "-c", "kill -9 $$"]}, id="killed"),
    pytest.param({"argv": [PYTHON, "-c", TERM_EXIT], "timeout": 0.5}, id="term-handler"),
    pytest.param(
        {
            "argv": ["sh", "-c", "head -c 2000000 /dev/zero > big.bin; echo $?"],
            "file_size_bytes": 100_000,
        },
        id="file-size",
    ),
    pytest.param(
        {
            "argv": ["sh", "-c", "for i in 1 2 3 4 5 6; do sleep 1 & done; wait"],
            "processes": 4,
            "timeout": 5,
        },
        id="processes",
    ),
    pytest.param(
        {"argv": [PYTHON, "-c", "bytearray(300 << 20)"], "memory_bytes": 100 << 20},
        id="memory",
    ),
    pytest.param({"argv": [PYTHON, "-c", "while True: pass"], "cpu_seconds": 1}, id="cpu"),
]


@pytest.mark.parametrize("request_fields", SAME_EITHER_WAY)
@pytest.mark.parametrize("containment", MECHANISMS)
@pytest.mark.slow
async def test_confined_and_unconfined_runs_end_the_same(
    policy: Policy, store_url: str, containment: str, request_fields: dict[str, object]
) -> None:
    """Secure mode confines what a program can reach, nothing else: the same request ends
    the same way — exit or signal, what stopped it, which limit, output — confined or not."""

    def outcome(r: object) -> tuple[object, ...]:
        return tuple(
            getattr(r, k)
            for k in ("exit_code", "signal", "killed_by", "limit_hit", "stdout", "stderr")
        )

    async with open_gate(policy, store_url, containment=containment) as gate:
        inside = await gate.run(**request_fields, secure=True)  # type: ignore[arg-type]
        outside = await gate.run(**request_fields)  # type: ignore[arg-type]
    assert inside.sandbox == "on"
    assert outcome(inside) == outcome(outside)


async def test_a_confined_job_cannot_read_the_store_through_a_programs_prefix(
    make_policy: Callable[..., Policy], store_url: str, tmp_path: Path, state_home: Path
) -> None:
    """A program installed beside the recorder (``~/bin/tool`` makes ``~`` its prefix, which
    holds ``~/.local/state``) does not open the store, or the state directory, to the job."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy("/bin/cat", bin_dir / "cat")  # a real file: its own directory is its prefix
    policy = make_policy(
        extra=f'\n[[allow]]\ncommand = "{bin_dir / "cat"}"\nargs = "any"\npaths = "any"\n'
    )
    elsewhere = state_home / "execgate" / "other" / "execgate.db"
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_bytes(b"SQLite format 3\0another workspace's record")
    store = Path(store_url.removeprefix("sqlite:///"))
    async with open_gate(policy, store_url) as gate:
        for target in (store, elsewhere):
            r = await gate.run(argv=[str(bin_dir / "cat"), str(target)], secure=True)
            assert r.exit_code != 0 and b"SQLite" not in r.stdout, target
        # the program itself still runs and reads the workspace
        (tmp_path / "ws" / "f.txt").write_text("in the workspace\n")
        r = await gate.run(argv=[str(bin_dir / "cat"), "f.txt"], secure=True)
        assert r.stdout == b"in the workspace\n"


async def test_the_policy_in_the_workspace_is_neither_read_nor_changed_confined(
    make_policy: Callable[..., Policy], store_url: str, workspace: Path
) -> None:
    """A confined interpreter cannot read the policy file (an empty device is bound over it)
    and can neither write, rename nor remove it. In a subdirectory, the directory itself can
    be renamed away; the gate puts the file back under its name after the job."""
    from execgate import load_policy

    template = make_policy(extra=SECURE)
    text = Path(template.source).read_text()
    for rel in ("execgate.toml", "cfg/execgate.toml"):
        path = workspace / rel
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        policy = load_policy(path)
        code = (
            "import os, sys\n"
            f"p = {rel!r}\n"
            "try:\n"
            "    print(repr(open(p).read()))\n"
            "except OSError as e:\n"
            "    print('unreadable', e.errno)\n"
            "for act in (lambda: open(p, 'w').write('x'), lambda: os.rename(p, 'x'),\n"
            "            lambda: os.remove(p), lambda: os.rename(os.path.dirname(p) or p, 'y')):\n"
            "    try:\n"
            "        act(); print('DID')\n"
            "    except OSError as e:\n"
            "        print('refused', e.errno)\n"
        )
        async with open_gate(policy, store_url) as gate:
            r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
        assert r.exit_code == 0, r.stderr
        assert r.stdout.splitlines()[0] in (b"''", b"unreadable 13"), r.stdout
        lines = r.stdout.splitlines()
        assert b"DID" not in lines[1:4], r.stdout
        assert lines[4] == (b"DID" if "/" in rel else b"refused 16"), r.stdout
        assert not path.is_symlink() and path.read_text() == text
