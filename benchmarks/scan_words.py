"""What scanning the words a shell builds adds to a request's pure cost, on real agent lines.

    python benchmarks/scan_words.py [--rounds N]

Every line of ``benchmarks/data/agent_lines.jsonl`` (commands and argv, as agents sent them)
is scanned and decided under the python-node+sh template in a throwaway workspace, two ways:
``scan_request`` alone (the text as sent) and the Scanner's ``scan_decoded`` (the text as sent,
then the words a shell makes of it). The parse caches are cleared before each request, so no
line profits from an earlier one; the Gatekeeper's parse is shared with the Scanner's within a
request, as in a gate. Lines are split into those with nothing to decode (no quotes,
backslashes, braces or here-documents) and the rest. Medians over rounds, microseconds per
request; the ratio is of the two ways in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

import agent_lines

from execgate import ExecRequest
from execgate.actors.scanner import scan_decoded
from execgate.models import Finding
from execgate.policy import Resolver, decoding_size, evaluate
from execgate.policy._script import parse_script
from execgate.policy._shell import split_words
from execgate.scan import scan_request


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    rounds = ap.parse_args().rounds
    lines = agent_lines.load_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        ws.mkdir()
        agent_lines.make_workspace(ws, lines)
        policy = agent_lines.template_policy("python-node+sh", ws, Path(tmp))
        requests = [line.request(str(ws)) for line in lines]
        env = dict(os.environ)
        resolver = Resolver()

        def cost(scan: Callable[[ExecRequest], list[Finding]], reqs: list[ExecRequest]) -> float:
            total = 0.0
            for req in reqs:
                parse_script.cache_clear()
                split_words.cache_clear()
                start = time.perf_counter()
                scan(req)
                evaluate(policy, req, env, resolver)
                total += time.perf_counter() - start
            return total / len(reqs) * 1e6

        for name, reqs in (
            ("nothing to decode", [r for r in requests if not decoding_size(r)]),
            ("quotes, braces, here-docs", [r for r in requests if decoding_size(r)]),
        ):
            old: list[float] = []
            new: list[float] = []
            for _ in range(rounds):  # interleaved: a load change hits both ways alike
                old.append(cost(scan_request, reqs))
                new.append(cost(scan_decoded, reqs))
            o, n = statistics.median(old), statistics.median(new)
            print(
                f"{name:27} {len(reqs):4} lines  as sent {o:7.1f} us  "
                f"+ decoded {n:7.1f} us  ratio {n / o:.2f}"
            )


if __name__ == "__main__":
    main()
