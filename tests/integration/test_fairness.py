"""Size limits and fairness: the policy bounds what a request may carry, and one request's
expensive scan or parse runs in a worker process, within a time budget, while the others go on.
(How fast the others go is measured in benchmarks/fairness.py, not asserted here.)"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import psutil
import pytest
from conftest import open_gate

from execgate import (
    ExecRequest,
    Policy,
    PolicyDenied,
    PolicyInvalid,
    RequestTooLarge,
    load_policy,
)
from execgate.actors._offload import WorkerPool
from execgate.actors.gatekeeper import Gatekeeper

# the time budgets hold on a machine no other test is loading at the same moment
pytestmark = [pytest.mark.anyio, pytest.mark.serial]

#: A line tree-sitter takes seconds over (error recovery on nested array assignments).
PATHOLOGICAL = ("a=(" * 11000)[:32768]


def _events(store_url: str) -> int:
    db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    try:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        db.close()


def _workers(wait: float = 10.0) -> list[psutil.Process]:
    """The offload workers still alive after up to ``wait`` seconds: a killed one may take a
    moment to be reaped on a loaded machine (a zombie counts as gone)."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for p in psutil.Process().children(recursive=True):
            try:
                if p.status() != psutil.STATUS_ZOMBIE and "execgate.actors._offload" in " ".join(
                    p.cmdline()
                ):
                    alive.append(p)
            except psutil.Error:
                continue  # gone (or a zombie) while we looked
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _with_limits(make_policy: Callable[..., Policy], limits: str) -> Policy:
    """The test policy with ``limits`` added to its [limits] table."""
    source = Path(make_policy().source)
    source.write_text(source.read_text().replace("[limits]\n", "[limits]\n" + limits, 1))
    return load_policy(source)


async def test_requests_larger_than_the_policy_allows_are_refused_unrecorded(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    policy = _with_limits(
        make_policy, "max_command_bytes = 1024\nmax_argv_bytes = 2048\nmax_stdin_bytes = 4096\n"
    )
    async with open_gate(policy, store_url) as gate:
        await gate.check(argv=["true"])
        before = _events(store_url)
        too_large: list[dict[str, Any]] = [
            {"command": "echo " + "é" * 510},  # 515 characters, 1025 bytes
            {"argv": ["echo", "x" * 2045]},
            {"argv": ["cat"], "stdin": b"x" * 4097},
        ]
        for fields in too_large:
            for call in (gate.check, gate.run):
                with pytest.raises(RequestTooLarge) as err:
                    await call(**fields)
                assert err.value.code == "EG-REQUEST-TOO-LARGE"
                assert "[limits] max_" in err.value.message
        assert _events(store_url) == before
        # At the limits exactly: accepted.
        assert (await gate.check(command="echo " + "é" * 509)).allowed
        assert (await gate.run(argv=["cat"], stdin=b"x" * 4096)).stdout == b"x" * 4096


async def test_the_default_command_bound_is_16_kib(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    async with open_gate(make_policy(), store_url) as gate:
        with pytest.raises(RequestTooLarge):
            await gate.check(command="echo " + "x" * (16 * 1024))


@pytest.mark.parametrize(
    "line",
    [
        "max_command_bytes = 131073",
        "max_argv_bytes = 0",
        "max_stdin_bytes = 16777217",
        "max_check_seconds = 61.0",
        "max_check_seconds = 0.0",
    ],
)
def test_size_limits_have_ceilings(tmp_path: Path, workspace: Path, line: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{workspace}"\n[limits]\n{line}\n')
    with pytest.raises(PolicyInvalid) as err:
        load_policy(path)
    assert any("$.limits" in p for p in err.value.problems), err.value.problems


async def test_a_pathological_line_does_not_hold_up_small_checks(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    policy = _with_limits(make_policy, "max_command_bytes = 65536\nmax_check_seconds = 1.0\n")
    order: list[str] = []
    async with open_gate(policy, store_url) as gate:

        async def heavy() -> None:
            decision = await gate.check(command=PATHOLOGICAL)
            order.append(f"heavy {decision.code}")

        async with anyio.create_task_group() as tg:
            tg.start_soon(heavy)
            await anyio.sleep(0.1)  # let it reach the Gatekeeper
            for _ in range(5):
                assert (await gate.check(argv=["true"])).allowed
            order.append("small")
        assert order == ["small", "heavy EG-CHECK-TIMEOUT"]
        assert not _workers(), "the overrunning worker was killed"
    assert not _workers(), "closing the gate ends its workers"
    # A long ordinary line goes the same way and is decided as it would be inline (with a
    # budget a fresh worker's start-up fits in on a loaded machine).
    roomy = _with_limits(make_policy, "max_command_bytes = 65536\nmax_check_seconds = 30.0\n")
    async with open_gate(roomy, store_url) as gate:
        assert (await gate.check(command="echo " + "a " * 400)).allowed
        assert (await gate.check(command="rm " + "a " * 400)).code == "EG-POLICY-DENIED"
    assert not _workers(), "closing the gate ends its workers"


async def test_a_huge_argv_is_decided_off_the_loop_within_the_budget(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """Every word of an argv may be a path the engine resolves: 260,000 of them take seconds,
    which must not stall the event loop (other requests, running jobs' timeouts) nor escape
    ``max_check_seconds``."""
    policy = _with_limits(make_policy, "max_argv_bytes = 1048576\nmax_check_seconds = 0.5\n")
    order: list[str] = []
    async with open_gate(policy, store_url) as gate:

        async def heavy() -> None:
            try:
                decision = await gate.check(argv=["cat", *(["a/"] * 260_000)])
                order.append(f"heavy {decision.code}")
            except PolicyDenied as exc:
                order.append(f"heavy {exc.code}")

        async with anyio.create_task_group() as tg:
            tg.start_soon(heavy)
            await anyio.sleep(0.1)
            for _ in range(5):
                assert (await gate.check(argv=["true"])).allowed
            order.append("small")
        assert order == ["small", "heavy EG-CHECK-TIMEOUT"]
    # the Gatekeeper itself sends it to a worker, whatever the Scanner does first
    gatekeeper = Gatekeeper(policy, pool=WorkerPool())
    assert gatekeeper.heavy(ExecRequest(argv=("cat", *(["a/"] * 100))))
    assert gatekeeper.heavy(ExecRequest(argv=("cat", "a" * 5000)))
    assert not gatekeeper.heavy(ExecRequest(argv=("cat", "a.txt")))


async def test_a_patch_on_stdin_is_read_when_the_line_is_decided_in_a_worker(
    make_policy: Callable[..., Policy], store_url: str, workspace: Path
) -> None:
    path = workspace.parent / "patch.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n[[allow]]\ncommand = "patch"\n'
    )
    evil = b"--- ../outside.txt\n+++ ../outside.txt\n@@ -0,0 +1 @@\n+pwned\n"
    async with open_gate(load_policy(path), store_url) as gate:
        for command in ("patch -p0", "patch -p0 # " + "x" * 600):
            decision = await gate.check(command=command, stdin=evil)
            assert decision.code == "EG-PATH-ESCAPE", (command[:20], decision.reason)
        # a here-document's body is the plan's stdin, from the worker too
        body = "hello " + "x" * 600 + "\n"
        line = f"cat <<'EOF'\n{body}EOF"
        path.write_text(path.read_text() + '[[allow]]\ncommand = "cat"\n')
    async with open_gate(load_policy(path), store_url) as gate:
        result = await gate.run(command=line)
        assert result.stdout == body.encode(), result


@pytest.mark.parametrize("budget", [60.0, 0.05])
async def test_a_large_stdin_scan_does_not_hold_up_small_checks(
    make_policy: Callable[..., Policy], store_url: str, budget: float
) -> None:
    policy = _with_limits(make_policy, f"max_check_seconds = {budget}\n")
    order: list[str] = []
    async with open_gate(policy, store_url) as gate:
        before = _events(store_url)

        async def heavy() -> None:
            try:
                decision = await gate.check(argv=["cat"], stdin=b"build ok line\n" * (1 << 20))
                order.append(f"heavy {decision.code}")
            except PolicyDenied as exc:
                order.append(f"heavy {exc.code}")

        async with anyio.create_task_group() as tg:
            tg.start_soon(heavy)
            await anyio.sleep(0.1)  # let it reach the Scanner
            for _ in range(5):
                assert (await gate.check(argv=["true"])).allowed
            order.append("small")
        if budget > 1:
            assert order == ["small", "heavy EG-ALLOWED"]
            assert _events(store_url) == before + 6
        else:  # the refusal may come before the small checks end: only the outcome counts
            assert sorted(order) == ["heavy EG-CHECK-TIMEOUT", "small"]
            # The small checks were recorded; the request whose scan overran was not.
            assert _events(store_url) == before + 5


async def test_a_worker_that_dies_fails_its_request_alone(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """A crash in native parsing code kills a worker, not the gate: that request is refused
    (as an engine failure) and the next long line gets a new worker."""
    policy = _with_limits(make_policy, "max_command_bytes = 65536\nmax_check_seconds = 60.0\n")
    codes: list[str] = []
    async with open_gate(policy, store_url) as gate:

        async def heavy() -> None:
            codes.append((await gate.check(command=PATHOLOGICAL)).code)

        async with anyio.create_task_group() as tg:
            tg.start_soon(heavy)
            with anyio.fail_after(30):
                while not _workers(wait=0):
                    await anyio.sleep(0.01)
            _workers(wait=0)[0].kill()
        assert codes == ["EG-POLICY-ENGINE-ERROR"]
        assert (await gate.check(argv=["true"])).allowed
        assert (await gate.check(command="echo " + "a " * 400)).allowed


async def test_a_long_line_decided_in_a_worker_runs_with_its_own_stdin(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    async with open_gate(make_policy(), store_url) as gate:
        data = bytes(range(256)) * 300
        result = await gate.run(command="cat" + " " * 600, stdin=data)
        assert result.stdout == data


@pytest.mark.slow
async def test_redacting_floods_of_output_does_not_hold_up_a_neighbours_timeout(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """Six jobs each write 8 MiB of binary to stdout and to stderr, stored at the output
    level: redacting it is seconds of regular expressions per stream, done in worker
    processes, so a neighbour's 2 s timeout still ends it in time; and every flood's output
    is stored, its digest in its result event."""
    import hashlib
    import json
    import time

    from conftest import PYTHON

    from execgate.store import EventFilter, open_store

    policy = make_policy(extra='\n[recorder]\nlevel = "commands_plus_redacted_output"\n')
    flood = (
        "import os, sys; b = os.urandom(8 << 20); "
        "sys.stdout.buffer.write(b); sys.stderr.buffer.write(b)"
    )
    took: list[float] = []
    async with open_gate(policy, store_url) as gate:

        async def run_flood(i: int) -> None:
            r = await gate.run(argv=[PYTHON, "-c", flood], max_output_bytes=8 << 20, job_id=f"f{i}")
            assert len(r.stdout) == 8 << 20 and r.recorded

        async def neighbour() -> None:
            await anyio.sleep(1.0)  # the floods are writing, or being redacted
            start = time.monotonic()
            r = await gate.run(argv=["sleep", "60"], timeout=2, job_id="n")
            took.append(time.monotonic() - start)
            assert r.timed_out

        async with anyio.create_task_group() as tg:
            for i in range(6):
                tg.start_soon(run_flood, i)
            tg.start_soon(neighbour)
    assert took and took[0] < 15, took
    st = open_store(store_url)
    try:
        for i in range(6):
            (result,) = st.query(where=EventFilter(job_id=f"f{i}", kind="result"))
            (out,) = st.outputs(f"f{i}")
            assert out.stdout and out.stderr and len(out.stdout) > 7_000_000
            digests = json.loads(str(result.detail))["output_sha256"]
            assert digests == [
                hashlib.sha256(t.encode()).hexdigest() for t in (out.stdout, out.stderr)
            ]
    finally:
        st.close()
