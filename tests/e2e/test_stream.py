"""Gate.stream: chunks as they arrive, then the result; the same limits and kill path as run."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
from conftest import PYTHON, alive, open_gate, read_pids, write_script
from test_gate import events

from execgate import ExecResult, OutputChunk, Policy, PolicyDenied, RequestError

pytestmark = pytest.mark.anyio

TICKER = """
import os, sys, time
open("pids", "w").write(str(os.getpid()))
for i in range(int(sys.argv[1])):
    print(f"tick {i}", flush=True)
    time.sleep(float(sys.argv[2]))
print("to stderr", file=sys.stderr, flush=True)
"""


async def test_chunks_arrive_before_the_job_ends_then_the_result(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(workspace, "ticker.py", TICKER)
    seen: list[tuple[float, OutputChunk | ExecResult]] = []
    async with open_gate(policy, store_url) as gate:
        async with gate.stream(argv=[PYTHON, "ticker.py", "3", "0.3"], job_id="s1") as job:
            async for item in job:
                seen.append((time.monotonic(), item))
    chunks = [i for _, i in seen if isinstance(i, OutputChunk)]
    last_t, result = seen[-1]
    assert isinstance(result, ExecResult) and job.result is result
    assert result.exit_code == 0
    # the first tick was seen well before the job ended (3 ticks, 0.3 s apart)
    assert last_t - seen[0][0] > 0.4
    out = b"".join(c.data for c in chunks if c.stream == "stdout")
    err = b"".join(c.data for c in chunks if c.stream == "stderr")
    assert out == result.stdout == b"tick 0\ntick 1\ntick 2\n"
    assert err == result.stderr == b"to stderr\n"
    kinds = [r["kind"] for r in events(store_url, job_id="s1")]
    assert kinds == ["decision", "result"]


async def test_a_refusal_raises_on_entering_and_nothing_runs(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(PolicyDenied) as exc:
            async with gate.stream(argv=["rm", "-rf", str(workspace)], job_id="r1"):
                raise AssertionError("the block must not run")
        assert exc.value.rule == "deny[0] 'rm'"
        with pytest.raises(RequestError):
            gate.stream(argv=["true"], idempotency_key="k")
    assert workspace.exists()
    assert [r["kind"] for r in events(store_url, job_id="r1")] == ["decision"]


async def test_leaving_the_block_early_kills_the_job(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(workspace, "ticker.py", TICKER)
    async with open_gate(policy, store_url) as gate:
        t0 = time.monotonic()
        async with gate.stream(argv=[PYTHON, "ticker.py", "1000", "0.05"], job_id="k1") as job:
            async for item in job:
                assert isinstance(item, OutputChunk)
                break
        (pid,) = read_pids(workspace / "pids", 1)
        assert not alive(pid)
        assert time.monotonic() - t0 < 5
    (result,) = events(store_url, job_id="k1", kind="result")
    assert result["cancelled"] and not result["timed_out"]


async def test_cancelling_the_consumer_kills_the_job(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(workspace, "ticker.py", TICKER)
    async with open_gate(policy, store_url) as gate:
        with anyio.move_on_after(0.5):
            async with gate.stream(argv=[PYTHON, "ticker.py", "1000", "0.05"], job_id="c1") as j:
                async for _ in j:
                    pass
        (pid,) = read_pids(workspace / "pids", 1)
        assert not alive(pid)
    (result,) = events(store_url, job_id="c1", kind="result")
    assert result["cancelled"]


async def test_the_cap_and_the_timeout_apply(
    make_policy: object, store_url: str, workspace: Path
) -> None:
    policy = make_policy(max_output=1000)  # type: ignore[operator]
    async with open_gate(policy, store_url) as gate:
        flood = "import sys\nfor _ in range(1000): sys.stdout.write('x' * 1000)\n"
        async with gate.stream(argv=[PYTHON, "-c", flood]) as job:
            chunks = [i async for i in job if isinstance(i, OutputChunk)]
        assert sum(len(c.data) for c in chunks) == 1000  # the head, no more
        assert job.result is not None and job.result.stdout_truncated_bytes > 0
        assert len(job.result.stdout) <= 1000
        async with gate.stream(argv=["sleep", "30"], timeout=0.3) as job:
            items = [i async for i in job]
        assert items == [job.result] and job.result is not None and job.result.timed_out


async def test_many_concurrent_streams(policy: Policy, store_url: str) -> None:
    outputs: dict[int, bytes] = {}

    async def one(i: int) -> None:
        async with gate.stream(argv=["echo", f"job {i}"]) as job:
            data = b"".join([c.data async for c in job if isinstance(c, OutputChunk)])
        outputs[i] = data

    async with open_gate(policy, store_url) as gate:
        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(one, i)
    assert outputs == {i: f"job {i}\n".encode() for i in range(20)}
