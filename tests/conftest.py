"""Shared fixtures: both AnyIO backends, a workspace, policies, gates, child programs."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import platform
import shutil
import signal
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from execgate import Gate, Policy, load_policy
from execgate.process._spawn import detach_works, native_spawn_usable
from execgate.process._tree import CgroupContainment

PYTHON = os.path.realpath(sys.executable)

# A test run started in the background of a shell without job control (`pytest ... &`)
# inherits SIGINT ignored, and so would every program a test starts: a host or a CLI the test
# interrupts would then never see the signal. Catching it here gives children the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

BASE_POLICY = """
version = 1

[workspace]
root = "{root}"

[limits]
timeout = {timeout}
kill_grace = {kill_grace}
max_output_bytes = {max_output}

[limits.maximum]
timeout = 60.0
kill_grace = 10.0
max_output_bytes = 67108864

[env]
inherit = ["PATH", "HOME", "LANG"]
set = {{ EXECGATE_TEST = "1" }}
allow = ["LANG", "NO_COLOR", "FOO", "MY_SETTING"]  # FOO, MY_SETTING: the tests' own

[[allow]]
command = "{python}"
args = "any"  # the tests run inline child programs (python -c)
paths = "any"

[[allow]]
command = "sh"
args = "any"  # the tests run shell scripts as child programs
paths = "any"

[[allow]]
command = "sleep"

[[allow]]
command = "echo"

[[allow]]
command = "cat"
paths = "any"  # the runner's tests read /proc/self/...

[[allow]]
command = "true"

[[allow]]
command = "touch"

[[allow]]
command = "head"
paths = "any"  # head -c N /dev/zero floods output

[[allow]]
command = "env"

[[allow]]
command = "git status"

[[deny]]
command = "rm"
reason = "deleting is never delegated"
"""


@pytest.fixture(params=["trio", "asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# The parameters that run one test in several configurations (the markers are registered in
# pyproject.toml). Each one's first value is the leg every test keeps; the later legs are
# marked ``matrix``, so ``-m "not matrix"`` runs each test once.
MATRIX_PARAMS = ("anyio_backend", "backend", "host", "spawn_path", "containment", "any_store_url")
# Every process test run again on each spawn path and containment mechanism is most of the
# suite's time: those later legs are also ``slow``, so the fast lane starts each job once, the
# default way (tests/integration/test_spawn.py still tries every spawn path there).
PROCESS_MATRIX = ("spawn_path", "containment")


# A process test is a product of three factors: backend (2) x spawn path (3) x containment
# (2). Every pair of values of any two factors meets in these six legs (a covering array of
# strength 2), which is where a fault between two factors shows; the other six legs repeat
# pairs already run. A test of backend x spawn path alone (secure mode, the proxy) runs each
# spawn path on trio and vfork on asyncio: the backend's pairs with the other spawn paths
# are the process matrix's to try. All run with --full-matrix (or EXECGATE_FULL_MATRIX=1).
PAIRWISE = frozenset(
    {("trio", "vfork", "cgroup"), ("asyncio", "vfork", "process-group"),
     ("asyncio", "clone", "cgroup"), ("trio", "clone", "process-group"),
     ("trio", "shim", "cgroup"), ("asyncio", "shim", "process-group")}
)  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-matrix",
        action="store_true",
        default=bool(os.environ.get("EXECGATE_FULL_MATRIX")),
        help="run every backend x spawn path x containment leg, not only the pairwise six",
    )


def _pairwise_leg(params: dict[str, object]) -> bool:
    """Whether a test's legs are kept: true unless it is a process-matrix leg outside
    :data:`PAIRWISE`, or a leg of backend x spawn path alone other than the trio ones and
    asyncio on vfork (every other pair of those two meets in the process matrix's legs)."""
    backend, spawn = params.get("anyio_backend"), params.get("spawn_path")
    leg = (backend, spawn, params.get("containment"))
    if leg[2] is None and backend is not None and spawn is not None:
        return backend == "trio" or spawn == "vfork"
    return None in leg or leg in PAIRWISE


def _params(item: pytest.Item) -> dict[str, object]:
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers that follow from what a test uses: ``postgres`` for the PostgreSQL server,
    ``matrix`` for a later leg of a matrix (``slow`` too for the process matrix), and the
    xdist group that keeps ``serial`` tests on one worker, one after the other. Without
    ``--full-matrix``, the process matrix runs its pairwise legs only."""
    if not config.getoption("--full-matrix"):
        dropped = [i for i in items if not _pairwise_leg(_params(i))]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            gone = {id(i) for i in dropped}
            items[:] = [i for i in items if id(i) not in gone]
    for item in items:
        callspec = getattr(item, "callspec", None)
        params: dict[str, object] = callspec.params if callspec is not None else {}
        indices: dict[str, int] = callspec.indices if callspec is not None else {}
        fixtures = getattr(item, "fixturenames", ())
        if "pg_url" in fixtures or "postgresql" in (params.get(n) for n in MATRIX_PARAMS):
            item.add_marker(pytest.mark.postgres)
        if any(indices.get(name, 0) > 0 for name in MATRIX_PARAMS):
            item.add_marker(pytest.mark.matrix)
        if any(indices.get(name, 0) > 0 for name in PROCESS_MATRIX):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("serial") is not None:
            item.add_marker(pytest.mark.xdist_group("serial"))


@pytest.fixture(autouse=True)
def host_requirements(request: pytest.FixtureRequest) -> None:
    """Skip a ``root`` test when not root and a ``cgroup`` test where this process cannot
    create a cgroup, saying why."""
    if request.node.get_closest_marker("root") is not None and os.geteuid() != 0:
        pytest.skip("needs root")
    if request.node.get_closest_marker("cgroup") is not None and not cgroup_available():
        pytest.skip("no writable cgroup2 here")


@pytest.fixture(autouse=True)
def serial_alone(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Under pytest-xdist, a ``serial`` test runs with no other test running in any worker.

    A readers-writer lock on a file every worker of the run shares: each test holds it shared,
    a serial test exclusively. The turnstile is taken on the way in, so a waiting serial test
    holds back new tests instead of waiting for a moment when no worker is busy."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    run = tmp_path_factory.getbasetemp().parent  # one per run, shared by its workers
    serial = request.node.get_closest_marker("serial") is not None
    with open(run / "serial.turnstile", "a") as turnstile, open(run / "serial.lock", "a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if serial else fcntl.LOCK_SH)
        finally:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-user state directory (where default stores live) of every test, and of the
    processes it starts: never the real one."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rec' / 'events.db'}"


@pytest.fixture
def make_policy(tmp_path: Path, workspace: Path) -> Callable[..., Policy]:
    def make(
        timeout: float = 10.0,
        kill_grace: float = 1.0,
        max_output: int = 1024 * 1024,
        extra: str = "",
    ) -> Policy:
        path = tmp_path / "policy.toml"
        path.write_text(
            BASE_POLICY.format(
                root=workspace,
                timeout=timeout,
                kill_grace=kill_grace,
                max_output=max_output,
                python=PYTHON,
            )
            + extra
        )
        return load_policy(path)

    return make


@pytest.fixture
def policy(make_policy: Callable[..., Policy]) -> Policy:
    return make_policy()


@functools.cache
def cgroup_available() -> bool:
    """Whether this process can create a cgroup of its own (asked once, when a test first
    needs to know: never at import, so collecting the tests touches no cgroup)."""
    cg = CgroupContainment.create()
    if cg is None:
        return False
    cg.close()
    return True


MECHANISMS = [pytest.param("cgroup", marks=pytest.mark.cgroup), "process-group"]


@pytest.fixture(params=["vfork", "clone", "shim"])
def spawn_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with jobs started by the native helper (``_native.c``) waiting for each
    child's exec (``vfork``) and returning before it (``clone``: what a busy gate does), then
    by the ``/bin/sh`` shim it replaces where it was not built: all must contain and limit
    alike."""
    if request.param != "shim":
        if not native_spawn_usable():
            try:
                from execgate.process import _native  # noqa: F401
            except ImportError:
                if shutil.which("gcc"):
                    pytest.fail("the native spawn helper was not built, though gcc is here")
                pytest.skip("installed without the native spawn helper (no C compiler)")
            pytest.skip("this kernel cannot run the native spawn helper (no close_range)")
        if request.param == "clone" and not detach_works():
            if platform.machine() == "x86_64":
                pytest.fail("the native spawn helper cannot detach on x86-64")
            pytest.skip("detached spawn needs raw system calls (x86-64 builds)")
        monkeypatch.setenv("EXECGATE_NATIVE_SPAWN", str(request.param))
    else:
        monkeypatch.setenv("EXECGATE_NATIVE_SPAWN", "0")
    return str(request.param)


@contextlib.asynccontextmanager
async def open_gate(policy: Policy, store_url: str, **kw: Any) -> AsyncIterator[Gate]:
    async with Gate.open(policy, store_url, **kw) as gate:
        yield gate


def write_script(workspace: Path, name: str, body: str) -> str:
    """A Python child program in the workspace; returns its workspace-relative name."""
    path = workspace / name
    path.write_text(textwrap.dedent(body))
    return name


def read_pids(path: Path, expect: int, timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            pids = [int(x) for x in path.read_text().split()]
            if len(pids) >= expect:
                return pids
        time.sleep(0.01)
    raise AssertionError(f"expected {expect} pids in {path}")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def assert_all_gone(pids: Iterable[int], within: float = 0.0) -> None:
    deadline = time.monotonic() + within
    while True:
        survivors = [p for p in pids if alive(p)]
        if not survivors or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    assert not survivors, f"survivors: {[(p, psutil.Process(p).cmdline()) for p in survivors]}"


def which(name: str) -> str:
    found = shutil.which(name)
    assert found, name
    return found


PG_BASE = os.environ.get("EXECGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url() -> Iterable[str]:
    """A PostgreSQL store URL on a fresh schema of the machine's server (dropped after).

    The server must be running (``.ci/run`` starts it): a missing server is a failure, not a
    skip, so the PostgreSQL half of the storage tests can never silently not run.
    """
    import uuid

    import psycopg

    # Named after the xdist worker too (gw0, gw1, ...), so a schema left by a killed run says
    # whose it was; the random part keeps parallel tests apart.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"eg_{worker}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


# CI explores the same examples every run (a failure there is reproducible, never luck);
# local runs keep exploring new ones.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
