"""A 10,000-job soak on each store: every decision and every result accounted for, chains
intact, no process or cgroup left behind.

Runs on trio only: the point is the recorder under sustained load, and both backends of
the runtime are exercised everywhere else.
"""

from __future__ import annotations

import collections
import os

import anyio
import pytest
from conftest import open_gate

from execgate import Policy
from execgate.process._tree import _cgroup2_mount, _own_cgroup
from execgate.store import EventFilter, open_store

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # ten thousand jobs per store

JOBS = 10_000


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_ten_thousand_jobs_every_event_accounted_for(
    policy: Policy, any_store_url: str
) -> None:
    results = []
    async with open_gate(policy, any_store_url, max_concurrent_jobs=64) as gate:
        limiter = anyio.CapacityLimiter(128)

        async def one(i: int) -> None:
            async with limiter:
                r = await gate.run(argv=["true"], job_id=f"soak-{i}", session_id="soak")
                results.append(r)

        async with anyio.create_task_group() as tg:
            for i in range(JOBS):
                tg.start_soon(one, i)
        assert gate.statistics().unrecorded_events == 0
    assert len(results) == JOBS and all(r.exit_code == 0 and r.recorded for r in results)
    st = open_store(any_store_url)
    try:
        events = st.query(limit=None, where=EventFilter(session_id="soak"))
        per_job = collections.Counter((e.job_id, e.kind) for e in events)
        assert len(events) == 2 * JOBS
        assert all(
            per_job[(f"soak-{i}", k)] == 1 for i in range(JOBS) for k in ("decision", "result")
        )
        report = st.verify()
        assert report.ok and report.unsealed == ()
    finally:
        st.close()
    mount, own = _cgroup2_mount(), _own_cgroup()
    if mount is not None and own is not None:
        parent = os.path.join(mount, own.lstrip("/"))
        mine = f"execgate-{os.getpid()}-"
        assert [d for d in os.listdir(parent) if d.startswith(mine)] == [], "cgroups left behind"
