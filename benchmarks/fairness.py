"""Fairness: small checks keep their latency while expensive requests are being checked.

    python benchmarks/fairness.py [--backend trio|asyncio] [--seconds S]

Two phases on one gate, in the same run:

- baseline: a stream of small ``check(argv=["true"])`` calls (4 at a time) for ``--seconds``;
- loaded: the same stream while a check with a 16 MiB stdin and a check of a 32 KB
  pathological command line (``a|a|...``, seconds of tree-sitter time) are being checked.

``--budget`` is the policy's ``max_check_seconds`` (default 60, so both heavy requests finish;
a small one shows them refused with ``EG-CHECK-TIMEOUT`` instead). Prints p50/p99/max of the small checks in each phase and their ratio, and how the two heavy
requests ended (their time, their decision or error code). The target: loaded p99 <= 50 ms and
max <= 250 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

from execgate import ExecgateError, Gate, load_policy

POLICY = """
version = 1
[workspace]
root = "{root}"
[limits]
max_command_bytes = 65536
max_stdin_bytes = 16777216
max_check_seconds = {budget}
[[allow]]
command = "true"
[[allow]]
command = "cat"
"""


def stdin_blob(size: int) -> bytes:
    """Text that looks like program output, with no secret in it."""
    rng = random.Random(7)
    words = [b"build", b"ok", b"src/main.py", b"line", b"warning:", b"12", b"--", b"done"]
    out = bytearray()
    while len(out) < size:
        out += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
    return bytes(out[:size])


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


async def small_stream(gate: Gate, until: anyio.Event, out: list[float]) -> None:
    async def one_lane() -> None:
        while not until.is_set():
            t = time.perf_counter()
            await gate.check(argv=["true"])
            out.append((time.perf_counter() - t) * 1000)
            await anyio.sleep(0.002)

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(one_lane)


async def main(seconds: float, budget: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        policy_path = Path(tmp) / "policy.toml"
        policy_path.write_text(POLICY.format(root=root, budget=budget))
        policy = load_policy(policy_path)
        store = f"sqlite:///{Path(tmp) / 'events.db'}"
        blob = stdin_blob(16 * 1024 * 1024)
        line = ("a=(" * 11000)[:32768]
        async with Gate.open(policy, store) as gate:
            for _ in range(20):  # warm up
                await gate.check(argv=["true"])

            base: list[float] = []
            stop = anyio.Event()
            async with anyio.create_task_group() as tg:
                tg.start_soon(small_stream, gate, stop, base)
                await anyio.sleep(seconds)
                stop.set()

            loaded: list[float] = []
            heavy: dict[str, str] = {}
            stop = anyio.Event()

            async def heavy_check(name: str, **fields: object) -> None:
                t = time.perf_counter()
                try:
                    outcome = (await gate.check(**fields)).code
                except ExecgateError as exc:
                    outcome = exc.code
                heavy[name] = f"{outcome} after {time.perf_counter() - t:.2f}s"

            async with anyio.create_task_group() as tg:
                tg.start_soon(small_stream, gate, stop, loaded)
                async with anyio.create_task_group() as heavies:
                    heavies.start_soon(
                        lambda: heavy_check("16 MiB stdin", argv=["cat"], stdin=blob)
                    )
                    heavies.start_soon(lambda: heavy_check("32 KB line", command=line))
                    await anyio.sleep(seconds)
                stop.set()

    print(f"{anyio_backend}, {os.cpu_count()} CPUs, {seconds:g}s per phase, budget {budget:g}s")
    for name, samples in (("baseline", base), ("loaded", loaded)):
        p50, p99, mx = quantiles(samples)
        print(
            f"{name:9} n={len(samples):5}  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  max {mx:7.2f} ms"
        )
    b, lo = quantiles(base), quantiles(loaded)
    print(f"ratio     p50 {lo[0] / b[0]:.2f}x  p99 {lo[1] / b[1]:.2f}x  max {lo[2] / b[2]:.2f}x")
    for name, outcome in heavy.items():
        print(f"heavy     {name}: {outcome}")
    ok = lo[1] <= 50 and lo[2] <= 250
    print("target (loaded p99 <= 50 ms, max <= 250 ms):", "met" if ok else "NOT met")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="trio", choices=["trio", "asyncio"])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--budget", type=float, default=60.0, help="the policy's [limits] max_check_seconds"
    )
    args = parser.parse_args()
    anyio_backend = args.backend
    anyio.run(main, args.seconds, args.budget, backend=args.backend)
    sys.exit(0)
