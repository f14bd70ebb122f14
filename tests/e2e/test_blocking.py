"""BlockingGate: one gate shared by many worker threads; closing leaves no child behind."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import PYTHON, alive, read_pids, write_script
from test_gate import events

from execgate import BlockingGate, GateClosed, Policy, PolicyDenied


@pytest.mark.parametrize("backend", ["trio", "asyncio"])
def test_many_threads_share_one_gate(policy: Policy, store_url: str, backend: str) -> None:
    with BlockingGate.open(policy, store_url, backend=backend) as gate:  # type: ignore[arg-type]

        def work(i: int) -> bytes:
            return gate.run(argv=["echo", str(i)], job_id=f"t{i}").stdout

        with ThreadPoolExecutor(max_workers=8) as pool:
            outs = list(pool.map(work, range(40)))
        assert outs == [f"{i}\n".encode() for i in range(40)]
        assert gate.check(argv=["rm", "x"]).verdict == "deny"
        with pytest.raises(PolicyDenied):
            gate.run(argv=["rm", "x"])
    assert len(events(store_url, kind="result")) == 40
    with pytest.raises(GateClosed):
        gate.run(argv=["true"])


def test_closing_ends_jobs_other_threads_are_waiting_for(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    write_script(
        workspace,
        "sleeper.py",
        "import os, time\nopen('pids','w').write(str(os.getpid()))\ntime.sleep(60)\n",
    )
    gate = BlockingGate.open(policy, store_url)
    results: list[object] = []

    def waiter() -> None:
        try:
            results.append(gate.run(argv=[PYTHON, "sleeper.py"], job_id="long"))
        except Exception as exc:
            results.append(exc)

    thread = threading.Thread(target=waiter)
    thread.start()
    (pid,) = read_pids(workspace / "pids", 1)
    t0 = time.monotonic()
    gate.close()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - t0 < 8
    assert not alive(pid)
    (result,) = results
    assert getattr(result, "cancelled", False) and getattr(result, "killed_by", None) == "shutdown"
    gate.close()  # idempotent
