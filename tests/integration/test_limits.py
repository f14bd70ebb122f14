"""Resource limits: set before the program's first instruction, exceeded → stopped, and the
result says which limit. Run on both backends and both containment mechanisms.

As root, RLIMIT_NPROC does not stop a fork bomb (the kernel exempts root); the job's pids
cgroup (pids.max) does, and a memory cgroup bounds the whole tree's memory: both are tested
where the host has the controllers.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from conftest import MECHANISMS, PYTHON, open_gate

from execgate import Policy, PolicyDenied

# Every test twice more: jobs started by the native helper and by the shell shim.
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("spawn_path")]

EXTRA = """
[[allow]]
command = "dd"
args = "any"  # dd reads /dev/zero on purpose: the test is the file-size limit
paths = "any"
"""


@pytest.fixture
def policy(make_policy: object) -> Policy:
    return make_policy(extra=EXTRA)  # type: ignore[operator,no-any-return]


@pytest.mark.parametrize("containment", MECHANISMS)
@pytest.mark.slow
async def test_cpu_seconds(policy: Policy, store_url: str, containment: str) -> None:
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(argv=[PYTHON, "-c", "while True: pass"], cpu_seconds=1, timeout=20)
    assert r.signal == signal.SIGXCPU and r.limit_hit == "cpu_seconds" and not r.timed_out


@pytest.mark.parametrize("containment", MECHANISMS)
@pytest.mark.slow
async def test_file_size_bytes(
    policy: Policy, store_url: str, workspace: Path, containment: str
) -> None:
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(
            argv=["dd", "if=/dev/zero", "of=big", "bs=65536", "count=64"],
            file_size_bytes=1024 * 1024,
        )
    assert r.signal == signal.SIGXFSZ and r.limit_hit == "file_size_bytes"
    assert (workspace / "big").stat().st_size == 1024 * 1024


@pytest.mark.parametrize("containment", MECHANISMS)
async def test_memory_open_files_processes_are_in_force(
    policy: Policy, store_url: str, containment: str
) -> None:
    probe = (
        "import resource as r\n"
        "print(r.getrlimit(r.RLIMIT_AS)[0], r.getrlimit(r.RLIMIT_NOFILE)[0], r.getrlimit(r.RLIMIT_NPROC)[0])\n"
        "try:\n    b = bytearray(512 * 1024 * 1024)\nexcept MemoryError:\n    print('MemoryError')\n"
        "fs = []\n"
        "try:\n    [fs.append(open('/dev/null')) for _ in range(100)]\nexcept OSError as e:\n    print('EMFILE', e.errno)\n"
    )
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(
            argv=[PYTHON, "-c", probe],
            memory_bytes=256 * 1024 * 1024,
            open_files=32,
            processes=64,
        )
    first, *rest = r.stdout.decode().split("\n")
    assert first.split() == [str(256 * 1024 * 1024), "32", "64"]
    assert "MemoryError" in rest and "EMFILE 24" in rest


async def test_limits_above_the_policy_maximum_are_refused(
    make_policy: object, store_url: str
) -> None:
    policy = make_policy(extra="\n")  # type: ignore[operator]
    import attrs

    policy = attrs.evolve(
        policy,
        limits=attrs.evolve(
            policy.limits, maximum=attrs.evolve(policy.limits.maximum, cpu_seconds=5)
        ),
    )
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(PolicyDenied) as exc:
            await gate.run(argv=["true"], cpu_seconds=60)
        assert exc.value.rule == "limits.maximum.cpu_seconds"
        # a maximum with no default applies to requests that name none
        r = await gate.run(
            argv=[PYTHON, "-c", "import resource as r; print(r.getrlimit(r.RLIMIT_CPU)[0])"]
        )
        assert r.stdout.strip() == b"5"


def tree_limits_here() -> tuple[str, ...]:
    from execgate.process._cglimits import TreeLimits

    tl = TreeLimits.create()
    try:
        return tl.enforced
    finally:
        tl.close()


FORK_BOMB = """
import os, sys, time
made = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        made += 1
except OSError as e:
    print("fork refused", e.errno, flush=True)
print("made", made, flush=True)
os.killpg(0, 9)
"""


@pytest.mark.cgroup
@pytest.mark.skipif("processes" not in tree_limits_here(), reason="no pids controller here")
@pytest.mark.parametrize("containment", MECHANISMS)
async def test_processes_stops_a_fork_bomb_even_for_root(
    policy: Policy, store_url: str, containment: str
) -> None:
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(argv=[PYTHON, "-c", FORK_BOMB], processes=20, timeout=20)
    out = r.stdout.decode()
    assert "fork refused 11" in out, out  # EAGAIN from pids.max
    made = int(out.split("made ")[1].split()[0])
    assert made < 20
    assert r.limit_hit == "processes"


MEMORY_HOG = """
import os, time
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (80 * 1024 * 1024)   # touched: 80 MiB resident each
        time.sleep(1)
        os._exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print("survived", flush=True)
"""


@pytest.mark.cgroup
@pytest.mark.skipif("memory_bytes" not in tree_limits_here(), reason="no memory controller here")
@pytest.mark.parametrize("containment", MECHANISMS)
@pytest.mark.slow
async def test_memory_bytes_bounds_the_whole_tree(
    policy: Policy, store_url: str, containment: str
) -> None:
    """Each child stays under the per-process limit (RLIMIT_AS); together they exceed the
    tree's: the kernel OOM-kills inside the job and the result says memory_bytes."""
    async with open_gate(policy, store_url, containment=containment) as gate:
        r = await gate.run(argv=[PYTHON, "-c", MEMORY_HOG], memory_bytes=200 * 1024 * 1024)
    assert r.limit_hit == "memory_bytes", (r.exit_code, r.signal, r.stderr[-300:])


@pytest.mark.parametrize("containment", MECHANISMS)
async def test_limit_cgroups_are_removed(policy: Policy, store_url: str, containment: str) -> None:
    import glob

    async with open_gate(policy, store_url, containment=containment) as gate:
        await gate.run(argv=["true"], processes=10, memory_bytes=100 * 1024 * 1024)
    mine = [
        p
        for p in glob.glob("/sys/fs/cgroup/*/**/execgate-*", recursive=True)
        if f"execgate-{__import__('os').getpid()}-" in p
    ]
    assert mine == []
