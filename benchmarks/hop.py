"""One round trip to the Recorder's writer thread, as a job at concurrency 1 pays it.

    python benchmarks/hop.py [--n N] [--backend trio|asyncio]

A no-op through ``WriterThread`` (the hand-off each durable record makes twice a job at
c=1), timed back to back and right after a bare ``/bin/true``, as in a c=1 run where a job's
spawn comes between two records. Run it as it is and under ``taskset -c 0`` to see what the
hop costs across vCPUs: a thread woken on the other vCPU, the GIL handed across. Medians in
microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import anyio

from execgate.actors._writer import WriterThread


def _noop() -> None:
    return None


async def _hops(n: int) -> tuple[float, float]:
    writer = WriterThread()
    try:
        await writer.run(_noop)  # start the thread
        tight: list[float] = []
        for _ in range(n):
            t0 = time.perf_counter()
            await writer.run(_noop)
            tight.append(time.perf_counter() - t0)
        after: list[float] = []
        for _ in range(n):
            await anyio.run_process(["/bin/true"])
            t0 = time.perf_counter()
            await writer.run(_noop)
            after.append(time.perf_counter() - t0)
    finally:
        writer.close()
    return statistics.median(tight) * 1e6, statistics.median(after) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--backend", choices=("trio", "asyncio"), default="trio")
    args = ap.parse_args()
    tight, after = anyio.run(_hops, args.n, backend=args.backend)
    print(
        f"writer hop on {args.backend}: back to back {tight:.0f} us, after a spawn {after:.0f} us"
    )


if __name__ == "__main__":
    main()
