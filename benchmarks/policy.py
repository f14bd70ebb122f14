"""Gatekeeper decisions per second for typical command lines, under the default policy.

    python benchmarks/policy.py [--n N]

Pure engine, no event loop: the cost every request pays between the Scanner and the Runner.
The baseline in the same run is shlex.split of the same line (tokenising alone).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import tempfile
import time

from execgate import ExecRequest, default_policy
from execgate.policy import Resolver, evaluate

LINES = [
    "git status",
    "grep -rn TODO src",
    "ls -la && git log --oneline -5 | head -3",
    "cat README.md | grep -c install 2>/dev/null || true",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "src"))
        # a repository, as an agent's workspace is: git's decision reads its configuration
        subprocess.run(["git", "init", "-q", d], check=False)
        policy = default_policy(d)
        env = dict(os.environ)
        resolver = Resolver()  # remembers look-ups across decisions, as a running gate does
        print(f"{'command line':<52} {'decisions/s':>12} {'µs':>7} {'shlex.split µs':>15}")
        for line in LINES:
            req = ExecRequest(command=line)
            evaluate(policy, req, env, resolver)  # warm the resolver, as a running gate has
            t0 = time.perf_counter()
            for _ in range(n):
                v = evaluate(policy, req, env, resolver)
            dt = (time.perf_counter() - t0) / n
            t0 = time.perf_counter()
            for _ in range(n):
                shlex.split(line)
            base = (time.perf_counter() - t0) / n
            print(
                f"{line:<52} {1 / dt:>12,.0f} {dt * 1e6:>7.1f} {base * 1e6:>15.1f}"
                f"  {v.decision.verdict}"
            )


if __name__ == "__main__":
    main()
