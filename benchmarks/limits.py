"""Per-job cost of each limit mechanism against a plain guarded run, same run, same machine.

    python benchmarks/limits.py [--n N]

Each row is the median wall time of one full guarded ``/bin/true`` job (scan, policy, durable
decision, spawn, wait, durable result) through ``Gate.run`` on trio, with: no limits; the
per-process rlimits (cpu_seconds, open_files, file_size_bytes: set by the spawn shim); the
whole-tree cgroup limits (processes → pids.max, memory_bytes → memory cgroup); all of them;
secure mode (namespaces + Landlock through the launcher). Under both containment mechanisms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from execgate import Gate, load_policy

POLICY = """
version = 1
[workspace]
root = "{root}"
[limits.maximum]
memory_bytes = 4294967296
[[allow]]
command = "true"
"""

VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "rlimits": {"cpu_seconds": 10, "open_files": 256, "file_size_bytes": 1 << 30},
    "tree cgroups": {"processes": 64, "memory_bytes": 1 << 30},
    "all": {"cpu_seconds": 10, "open_files": 256, "file_size_bytes": 1 << 30,
            "processes": 64, "memory_bytes": 1 << 30},
    "secure mode": {"secure": True},
}  # fmt: skip


async def measure(policy: Any, store: str, containment: str, n: int) -> dict[str, float]:
    out: dict[str, float] = {}
    async with Gate.open(policy, store, containment=containment) as gate:  # type: ignore[arg-type]
        for _ in range(20):  # warm up
            await gate.run(argv=["true"])
        samples: dict[str, list[float]] = {k: [] for k in VARIANTS}
        cheap = [k for k in VARIANTS if k != "secure mode"]
        for _ in range(n):
            for name in cheap:  # interleaved: noise hits all alike
                t0 = time.perf_counter()
                await gate.run(argv=["true"], **VARIANTS[name])
                samples[name].append(time.perf_counter() - t0)
        # Secure mode last and alone: the kernel tears network namespaces down
        # asynchronously, and that work would slow whatever job came next.
        for _ in range(n):
            t0 = time.perf_counter()
            await gate.run(argv=["true"], secure=True)
            samples["secure mode"].append(time.perf_counter() - t0)
        for name, values in samples.items():
            out[name] = statistics.median(values) * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "ws").mkdir()  # the workspace must not hold the store
        (Path(d) / "p.toml").write_text(POLICY.format(root=Path(d) / "ws"))
        policy = load_policy(Path(d) / "p.toml")
        print(f"{'containment':<14} {'limits':<14} {'ms/job':>8} {'vs plain':>9}")
        for containment in ("cgroup", "process-group"):
            store = f"sqlite:///{d}/{containment}.db"
            res = anyio.run(measure, policy, store, containment, n, backend="trio")
            for name, ms in res.items():
                print(f"{containment:<14} {name:<14} {ms:>8.2f} {ms / res['plain']:>8.2f}x")


if __name__ == "__main__":
    main()
