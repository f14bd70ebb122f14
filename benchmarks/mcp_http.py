"""``run_command`` over MCP streamable HTTP against a bare tool in the same server, same run.

    python benchmarks/mcp_http.py [--calls N] [--backend trio|asyncio|both] [--json FILE]

The server is ``execgate mcp --http``'s own (``serve_http``, bearer-token authentication) in
a child process, with one extra tool, ``bare_echo``, that runs the same program
(``echo hello``) through ``anyio.run_process`` and returns its exit code and output: same
transport, same authentication, same JSON-RPC, no gate. The client is the SDK's
streamable-HTTP client in this process, one session, ``N`` calls at concurrency 1 and 32,
the two tools alternated row by row. Reported: calls/s and p50 latency of each, and the
gate/bare ratios. Ratios matter, not absolute numbers: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import MCPServer

from execgate import Gate

TOKEN = "bench-token-0123456789abcdef"
ECHO = "/bin/echo"
POLICY = """version = 1
[workspace]
root = "{root}"
[[allow]]
command = "{echo}"
"""


def _serve(policy: str, store: str) -> None:
    """The child: execgate's HTTP server plus the bare tool, until SIGTERM."""
    from execgate.integrations.mcp import HttpOptions, serve_http

    def add_bare(server: MCPServer[Any], _gate: Gate) -> None:
        @server.tool()
        async def bare_echo(argv: list[str]) -> dict[str, Any]:
            """Run argv with anyio.run_process: no scan, no policy, no record."""
            done = await anyio.run_process(argv, check=False)
            return {"exit_code": done.returncode, "stdout": done.stdout.decode()}

    async def main() -> None:
        await serve_http(
            policy, store, HttpOptions(port=0), environ={"EXECGATE_MCP_TOKEN": TOKEN},
            customize=add_bare,
        )  # fmt: skip

    anyio.run(main, backend=os.environ["BENCH_BACKEND"])


async def _calls(
    s: ClientSession, tool: str, args: dict[str, Any], n: int, concurrency: int
) -> dict[str, float]:
    limiter = anyio.CapacityLimiter(concurrency)
    lat: list[float] = []

    async def one() -> None:
        async with limiter:
            t0 = time.perf_counter()
            r = await s.call_tool(tool, args)
            lat.append(time.perf_counter() - t0)
            assert not r.is_error and r.structured_content is not None, r
            assert r.structured_content["stdout"] == "hello\n", r.structured_content

    t0 = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    wall = time.perf_counter() - t0
    return {"calls_per_s": n / wall, "p50_ms": statistics.median(lat) * 1000}


async def _client(url: str, calls: int) -> list[dict[str, Any]]:
    rows = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=120) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as s,
    ):
        await s.initialize()
        gate = ("run_command", {"argv": [ECHO, "hello"]})
        bare = ("bare_echo", {"argv": [ECHO, "hello"]})
        for tool, args in (gate, bare):  # warm up both
            await _calls(s, tool, args, 20, 4)
        for concurrency in (1, 32):
            measured: dict[str, dict[str, float]] = {}
            # alternate which goes first, so neither always meets a warmer machine
            order = (gate, bare) if concurrency == 1 else (bare, gate)
            for tool, args in order:
                measured[tool] = await _calls(s, tool, args, calls, concurrency)
            g, b = measured["run_command"], measured["bare_echo"]
            rows.append(
                {
                    "concurrency": concurrency,
                    "gate_calls_per_s": round(g["calls_per_s"], 1),
                    "bare_calls_per_s": round(b["calls_per_s"], 1),
                    "gate_p50_ms": round(g["p50_ms"], 2),
                    "bare_p50_ms": round(b["p50_ms"], 2),
                    "throughput_ratio": round(g["calls_per_s"] / b["calls_per_s"], 2),
                    "p50_ratio": round(g["p50_ms"] / b["p50_ms"], 2),
                }
            )
    return rows


def measure(backend: str, calls: int, tmp: Path) -> list[dict[str, Any]]:
    policy = tmp / f"policy-{backend}.toml"
    (tmp / "ws").mkdir(exist_ok=True)
    policy.write_text(POLICY.format(root=tmp / "ws", echo=ECHO))
    store = f"sqlite:///{tmp / f'{backend}.db'}"
    log = tmp / f"server-{backend}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(policy), store],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            env={**os.environ, "BENCH_BACKEND": backend},
        )  # fmt: skip
    try:
        url = ""
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline and proc.poll() is None:
            for line in log.read_text().splitlines():
                if line.startswith("execgate: serving MCP on "):
                    url = line.split()[-1]
            time.sleep(0.05)
        if not url:
            raise SystemExit(f"the server did not start:\n{log.read_text()}")
        rows = anyio.run(_client, url, calls)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return [{"server": backend, **row} for row in rows]


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        _serve(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--backend", choices=["trio", "asyncio", "both"], default="both")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    backends = ["trio", "asyncio"] if args.backend == "both" else [args.backend]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            rows += measure(backend, args.calls, Path(tmp))
    cols = list(rows[0])
    print(" ".join(f"{c:>16}" for c in cols))
    for row in rows:
        print(" ".join(f"{row[c]!s:>16}" for c in cols))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
