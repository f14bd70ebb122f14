"""What the exec-option layer adds to a decision, as a ratio to the engine's own cost for
the same line in the same run.

    python benchmarks/exec_options.py [--n N]

The layer is called as the engine calls it: ``program_refusal`` once per decided program
(it reads the resolved name and the name in argv), with argv[1:] and no env names. Lines are ordinary agent lines
under the default policy, plus a row in the table (zip) to show a hit's cost.
"""

from __future__ import annotations

import argparse
import os
import shlex
import tempfile
import time

from execgate import ExecRequest, default_policy
from execgate.policy import Resolver, evaluate
from execgate.policy._exec_options import exec_option_refusal, program_refusal

LINES = [
    "git status",
    "grep -rn TODO src",
    "ls -la && git log --oneline -5 | head -3",
    "cat README.md | grep -c install 2>/dev/null || true",
]
ARGVS = [shlex.split(s) for s in ("zip -r out.zip src", "gcc -DNDEBUG -O2 -o a a.c")]


def _per_call(fn: object, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "src"))
        policy = default_policy(d)
        env = dict(os.environ)
        resolver = Resolver()
        print(f"{'command line':<52} {'engine µs':>10} {'layer µs':>9} {'ratio':>6}")
        for line in LINES:
            req = ExecRequest(command=line)
            verdict = evaluate(policy, req, env, resolver)  # warm the resolver
            stages = [
                shlex.split(part) for part in line.replace("&&", "|").replace("||", "|").split("|")
            ]
            calls = [(os.path.basename(a[0]), tuple(a[1:])) for a in stages if a]

            def layer(calls: list[tuple[str, tuple[str, ...]]] = calls) -> None:
                for name, args in calls:
                    program_refusal(name, name, args)

            engine = _per_call(lambda req=req: evaluate(policy, req, env, resolver), n)
            added = _per_call(layer, n)
            print(
                f"{line:<52} {engine * 1e6:>10.1f} {added * 1e6:>9.2f} "
                f"{(engine + added) / engine:>6.3f}  {verdict.decision.verdict}"
            )
        for argv in ARGVS:
            name, args = argv[0], tuple(argv[1:])
            added = _per_call(lambda name=name, args=args: exec_option_refusal(name, args), n)
            print(f"{' '.join(argv):<52} {'':>10} {added * 1e6:>9.2f}  (a row in the table)")


if __name__ == "__main__":
    main()
