"""What network by domain costs a confined job, against secure mode without it, same run.

    python benchmarks/proxy.py [--n N] [--handoff]

Three gates are open at once, one per policy: secure mode with no network (the baseline),
with ``network = true`` (the host's network, no proxy), and with ``allow_domains`` (a
network namespace and a proxy per job). Each round runs, in a new shuffled order:

* ``/bin/true`` in secure mode, and ``/bin/true`` with a proxy it never uses: the set-up
  cost of the job's namespace and proxy;
* ``curl`` fetching a small page from a local HTTP server directly (``network = true``)
  and through the proxy (``allow_domains = ["localhost"]``): the data path's cost.

Rows are medians of whole guarded jobs through ``Gate.run`` on trio, with the ratio to the
baseline of their pair. Needs curl for the fetch. With CAP_SYS_ADMIN the gate makes each
job's namespace; ``--handoff`` measures, as root, the way of a gate without it: the job's
sandbox launcher makes the namespace and hands the proxy's socket over (every confined job
of such a gate takes the launcher, so run it as another user to compare like with like).
"""

from __future__ import annotations

import argparse
import errno
import http.server
import os
import random
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import anyio

from execgate import Gate, load_policy

POLICY = """
version = 1
[workspace]
root = "{root}"
[sandbox]
{sandbox}
[[allow]]
command = "true"
[[allow]]
command = "curl"
args = "any"
"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"x" * 1024
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def measure(root: Path, ws: Path, port: int, n: int) -> dict[str, float]:
    sandboxes = {
        "none": "",
        "host": "network = true",
        "proxy": f'allow_domains = ["localhost"]\nallow_ports = [{port}]',
    }
    policies = {}
    for name, sandbox in sandboxes.items():
        path = root / f"{name}.toml"
        path.write_text(POLICY.format(root=ws, sandbox=sandbox))
        policies[name] = load_policy(path)
    url = f"http://localhost:{port}/"
    curl = ["curl", "-sf", "-o", "/dev/null", url]
    runs: dict[str, tuple[str, list[str]]] = {
        "true, secure": ("none", ["true"]),
        "true, secure + proxy": ("proxy", ["true"]),
        "curl, secure + host network": ("host", curl),
        "curl, secure + proxy": ("proxy", curl),
    }
    samples: dict[str, list[float]] = {k: [] for k in runs}
    async with (
        Gate.open(policies["none"], f"sqlite:///{root}/none.db") as none,
        Gate.open(policies["host"], f"sqlite:///{root}/host.db") as host,
        Gate.open(policies["proxy"], f"sqlite:///{root}/proxy.db") as proxy,
    ):
        gates: dict[str, Any] = {"none": none, "host": host, "proxy": proxy}
        for _ in range(10):  # warm up
            for gate, argv in runs.values():
                await gates[gate].run(argv=argv, secure=True)
        order = list(runs)
        shuffle = random.Random(26).shuffle
        for _ in range(n):
            shuffle(order)
            for name in order:
                gate, argv = runs[name]
                t0 = time.perf_counter()
                r = await gates[gate].run(argv=argv, secure=True)
                samples[name].append(time.perf_counter() - t0)
                assert r.exit_code == 0 and r.sandbox == "on", (name, r.stderr)
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--handoff", action="store_true", help="as a gate without CAP_SYS_ADMIN")
    opts = ap.parse_args()
    n = opts.n
    if opts.handoff:
        from execgate.process import _proxy

        def no_namespace() -> tuple[int, socket.socket]:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

        _proxy.make_namespace = no_namespace
    if not shutil.which("curl"):
        raise SystemExit("needs curl")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as d:
            ws = Path(d) / "ws"
            ws.mkdir()  # the workspace must not hold the stores
            res = anyio.run(measure, Path(d), ws, server.server_address[1], n, backend="trio")
    finally:
        server.shutdown()
    base = {"true": res["true, secure"], "curl": res["curl, secure + host network"]}
    print(f"{'job':<30} {'ms/job':>8} {'vs baseline':>12}")
    for name, ms in res.items():
        print(f"{name:<30} {ms:>8.2f} {ms / base[name.split(',')[0]]:>11.2f}x")


if __name__ == "__main__":
    main()
