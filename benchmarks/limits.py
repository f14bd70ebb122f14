"""Per-job cost of each limit mechanism against a plain guarded run, same run, same machine.

    python benchmarks/limits.py [--n N]

Each row is the median wall time of one full guarded ``/bin/true`` job (scan, policy, durable
decision, spawn, wait, durable result) through ``Gate.run`` on trio, with: no limits; the
per-process rlimits (cpu_seconds, open_files, file_size_bytes: set by the spawn shim); the
whole-tree cgroup limits (processes → pids.max, memory_bytes → memory cgroup); all of them;
secure mode (user, mount, PID, UTS, IPC namespaces, the minimal root, Landlock, seccomp: set
up by the native spawn helper), all interleaved. Then, each alone: secure mode where the
helper is absent (the shell shim and the Python launcher), and -- where ``bwrap`` is installed
-- a plain job running bubblewrap with ``--unshare-all --die-with-parent`` and the same binds
around ``/bin/true``, in pairs with secure-mode jobs (bubblewrap makes a network namespace per
run, whose teardown the kernel does asynchronously: it would slow whatever job came next, so it
is kept away from the plain rows). Under both containment mechanisms.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
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
[[allow]]
command = "bwrap"
args = "any"
"""

VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "rlimits": {"cpu_seconds": 10, "open_files": 256, "file_size_bytes": 1 << 30},
    "tree cgroups": {"processes": 64, "memory_bytes": 1 << 30},
    "all": {"cpu_seconds": 10, "open_files": 256, "file_size_bytes": 1 << 30,
            "processes": 64, "memory_bytes": 1 << 30},
    "secure mode": {"secure": True},
}  # fmt: skip
ALONE = ("secure, no helper",)


def bwrap_argv(root: str) -> list[str]:
    """bubblewrap around /bin/true with the binds secure mode makes."""
    argv = ["bwrap", "--unshare-all", "--die-with-parent"]
    for path in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/etc"):
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    argv += ["--tmpfs", "/tmp", "--bind", root, root, "--dev", "/dev", "--proc", "/proc"]
    return [*argv, "--chdir", root, "/bin/true"]


async def measure(policy: Any, store: str, containment: str, n: int) -> dict[str, float]:
    out: dict[str, float] = {}
    async with Gate.open(policy, store, containment=containment) as gate:  # type: ignore[arg-type]
        for _ in range(20):  # warm up
            await gate.run(argv=["true"])
            await gate.run(argv=["true"], secure=True)
        samples: dict[str, list[float]] = {k: [] for k in [*VARIANTS, *ALONE]}
        order = list(VARIANTS)
        shuffle = random.Random(26).shuffle
        for _ in range(n):
            # interleaved, in a new order each round: noise hits all alike, and so does what
            # one job leaves the kernel to finish (a namespace's teardown) for the next
            shuffle(order)
            for name in order:
                t0 = time.perf_counter()
                await gate.run(argv=["true"], **VARIANTS[name])
                samples[name].append(time.perf_counter() - t0)
        os.environ["EXECGATE_NATIVE_SPAWN"] = "0"  # the shim and the launcher
        try:
            for _ in range(n):
                t0 = time.perf_counter()
                await gate.run(argv=["true"], secure=True)
                samples["secure, no helper"].append(time.perf_counter() - t0)
        finally:
            del os.environ["EXECGATE_NATIVE_SPAWN"]
        if shutil.which("bwrap"):
            # against secure mode, in pairs of a shuffled order: the same period for both
            runs: dict[str, dict[str, Any]] = {"bubblewrap": {"argv": bwrap_argv(policy.root)},
                    "secure, beside bubblewrap": {"argv": ["true"], "secure": True}}  # fmt: skip
            pair = list(runs)
            for _ in range(n):
                shuffle(pair)
                for name in pair:
                    t0 = time.perf_counter()
                    r = await gate.run(**runs[name])
                    samples.setdefault(name, []).append(time.perf_counter() - t0)
                    assert r.exit_code == 0, r.stderr
        for name, values in samples.items():
            if values:
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
        print(f"{'containment':<14} {'limits':<26} {'ms/job':>8} {'vs plain':>9}")
        for containment in ("cgroup", "process-group"):
            store = f"sqlite:///{d}/{containment}.db"
            res = anyio.run(measure, policy, store, containment, n, backend="trio")
            for name, ms in res.items():
                print(f"{containment:<14} {name:<26} {ms:>8.2f} {ms / res['plain']:>8.2f}x")
            if "bubblewrap" in res:
                ratio = res["bubblewrap"] / res["secure, beside bubblewrap"]
                print(f"{containment:<14} {'bubblewrap / secure mode':<35} {ratio:>8.2f}x")


if __name__ == "__main__":
    main()
