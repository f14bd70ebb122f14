"""Embedding guarantees, in real host processes: one Gate shared by many agent tasks; a host
whose event loop is interrupted (SIGINT) or shut down with jobs running leaves no child."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PYTHON, assert_all_gone, read_pids, write_script
from test_gate import events

from execgate import Policy

pytestmark = pytest.mark.slow  # host programs started per test

# the jobs sleep past their timeout (the policy's maximum): only the host's interruption or
# shutdown may end them first
LONG = "import os, time\nopen('pids.txt','a').write(f'{os.getpid()}\\n')\ntime.sleep(600)\n"

ASYNCIO_HOST = """
import asyncio, sys
from execgate import Gate, load_policy

async def agent(gate, i):
    await gate.run(argv=[{python!r}, "long.py"], job_id=f"agent-{{i}}", timeout=60)

async def main():
    async with Gate.open(load_policy(sys.argv[1]), sys.argv[2]) as gate:
        tasks = [asyncio.create_task(agent(gate, i)) for i in range(8)]
        if sys.argv[3] == "shutdown":
            await asyncio.sleep(1.5)
            return  # leave the gate with the agents' jobs still running
        await asyncio.gather(*tasks)

asyncio.run(main())
"""

TRIO_HOST = """
import sys, trio
from execgate import Gate, load_policy

async def main():
    async with Gate.open(load_policy(sys.argv[1]), sys.argv[2]) as gate:
        async with trio.open_nursery() as nursery:
            for i in range(8):
                nursery.start_soon(lambda i=i: gate.run(
                    argv=[{python!r}, "long.py"], job_id=f"agent-{{i}}", timeout=60))
            if sys.argv[3] == "shutdown":
                await trio.sleep(1.5)
                nursery.cancel_scope.cancel()

trio.run(main)
"""


@pytest.mark.parametrize("how", ["sigint", "shutdown"])
@pytest.mark.parametrize("host", ["asyncio", "trio"])
def test_host_loop_interrupted_or_shut_down_leaves_no_child(
    policy: Policy, store_url: str, workspace: Path, tmp_path: Path, host: str, how: str
) -> None:
    write_script(workspace, "long.py", LONG)
    script = tmp_path / "host.py"
    script.write_text((ASYNCIO_HOST if host == "asyncio" else TRIO_HOST).format(python=PYTHON))
    proc = subprocess.Popen(
        [sys.executable, str(script), policy.source, store_url, how],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    pids = read_pids(workspace / "pids.txt", 8, timeout=20)
    if how == "sigint":
        proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)  # generous: eight jobs' TERM grace and the store's close, under load
    assert_all_gone(pids)  # at once: the host has exited, so its gate ended them already
    results = events(store_url, kind="result")
    assert len(results) == 8 and all(r["cancelled"] for r in results)
