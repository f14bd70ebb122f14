"""Guarded /bin/true jobs per second against bare ``anyio.run_process``, same run, same inputs.

    python benchmarks/throughput.py [--jobs N] [--backend trio|asyncio|both] [--json FILE]

Each row is measured back to back with its baseline on the same backend: the guarded figure
runs the full pipeline (scan, policy, durable decision record, run in its own cgroup, result
record) and the baseline spawns the same program with ``anyio.run_process``. Ratios matter,
not absolute numbers: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from execgate import Gate, load_policy

TRUE = "/bin/true"


async def _bare(n: int, concurrency: int) -> float:
    limiter = anyio.CapacityLimiter(concurrency)

    async def one() -> None:
        async with limiter:
            await anyio.run_process([TRUE], check=True)

    t0 = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    return n / (time.perf_counter() - t0)


async def _guarded(n: int, concurrency: int, policy_path: Path, store: str) -> float:
    async with Gate.open(load_policy(policy_path), store, max_concurrent_jobs=concurrency) as gate:
        limiter = anyio.CapacityLimiter(concurrency)

        async def one() -> None:
            async with limiter:
                r = await gate.run(argv=[TRUE])
                assert r.exit_code == 0

        await one()  # warm up: store open, first spawn
        t0 = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(one)
        return n / (time.perf_counter() - t0)


def measure(backend: str, jobs: int, concurrency: int, tmp: Path) -> dict[str, Any]:
    policy = tmp / "policy.toml"
    (tmp / "ws").mkdir(exist_ok=True)  # the workspace must not hold the store
    ws = tmp / "ws"
    policy.write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "{TRUE}"\n')
    store = f"sqlite:///{tmp / f'bench-{backend}-{concurrency}.db'}"
    bare = anyio.run(_bare, jobs, concurrency, backend=backend)
    guarded = anyio.run(_guarded, jobs, concurrency, policy, store, backend=backend)
    return {
        "backend": backend,
        "concurrency": concurrency,
        "jobs": jobs,
        "bare_jobs_per_s": round(bare, 1),
        "guarded_jobs_per_s": round(guarded, 1),
        "ratio": round(guarded / bare, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--backend", choices=["trio", "asyncio", "both"], default="both")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    backends = ["trio", "asyncio"] if args.backend == "both" else [args.backend]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for backend in backends:
            for conc in (1, 64):
                rows.append(measure(backend, args.jobs, conc, Path(d)))
    print(f"machine: {os.cpu_count()} cpus, {os.uname().sysname} {os.uname().release}")
    print(f"{'backend':<8} {'conc':>4} {'jobs':>5} {'bare/s':>9} {'guarded/s':>10} {'ratio':>6}")
    for r in rows:
        print(
            f"{r['backend']:<8} {r['concurrency']:>4} {r['jobs']:>5} "
            f"{r['bare_jobs_per_s']:>9} {r['guarded_jobs_per_s']:>10} {r['ratio']:>6}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
