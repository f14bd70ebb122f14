"""The benchmark suite: one command, a table per section, JSON, and a plot.

    python benchmarks/suite.py [--quick] [--json FILE] [--plot FILE.png] [--markdown FILE.md]

Every figure is measured in this run next to its baseline, on the same inputs:

* throughput: guarded ``/bin/true`` and ``sh -c true`` jobs/s (scan, policy, durable decision,
  run, durable result) at concurrency 1, 16, 64, 256, against bare ``anyio.run_process`` on
  the same backend and raw ``os.posix_spawn`` (trio and asyncio);
* latency at concurrency 1: p50 and p99 per job, guarded vs bare, back to back and with each
  job 100 ms after the last (as an agent's commands come);
* a 1 GiB output flood with a 1 MiB cap (truncate, and kill-on-overflow): wall time, parent
  CPU, peak RSS growth of a fresh process running the gate;
* 1000 concurrent sleeping jobs: supervisor RSS and fds per job;
* the CPU budget at concurrency 64 (trio): jobs/s and CPU per job in the supervisor and in
  its children, for guarded jobs (spawned by the native helper, and by the ``/bin/sh`` shim it
  replaces where it is not built: ``EXECGATE_NATIVE_SPAWN=0``), the Runner's ``run_job`` alone
  (no scan, policy or records), bare ``anyio.run_process`` of ``/bin/true``, and the same
  through the cgroup join shim alone (what the shim costs every child);
* the per-component scripts (stages, scanner, recorder, policy, limits), run as they are.
* the headline again as repeated same-run pairs (guarded and bare at concurrency 64 on trio,
  order alternated, seven pairs; one with ``--quick``), then every target of the throughput
  issue in one table, each met or not, from this run's figures.

``--quick`` (under a minute) shrinks every section; the full run writes the plot (matplotlib,
``pip install -e '.[bench]'``) of throughput against concurrency. ``--markdown FILE`` also
writes the run as one Markdown page (the machine, then every section's table): the
documentation's performance page is that file, made by one run, never edited by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.table import Table

from execgate import Gate, load_policy

HERE = Path(__file__).resolve().parent
TRUE = "/bin/true"
COMMANDS = {"/bin/true": [TRUE], "sh -c true": ["/bin/sh", "-c", "true"]}


def _policy(tmp: Path, extra: str = "") -> Path:
    path = tmp / "policy.toml"
    # the jobs' workspace is a subdirectory: the stores beside it are out of the jobs' reach
    (tmp / "ws").mkdir(exist_ok=True)
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{tmp / "ws"}"\n'
        "[limits.maximum]\nmax_output_bytes = 1073741824\ntimeout = 600.0\n"
        f'[[allow]]\ncommand = "{TRUE}"\n'
        '[[allow]]\ncommand = "/bin/sh"\nargs = "any"\n'
        '[[allow]]\ncommand = "head"\npaths = "any"\n'  # the flood reads /dev/zero
        '[[allow]]\ncommand = "sleep"\n' + extra
    )
    return path


# --- throughput ---------------------------------------------------------------------------


async def _bare(argv: list[str], n: int, conc: int) -> float:
    limiter = anyio.CapacityLimiter(conc)

    async def one() -> None:
        async with limiter:
            await anyio.run_process(argv, check=True)

    t0 = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    return n / (time.perf_counter() - t0)


async def _guarded(argv: list[str], n: int, conc: int, policy: Path, store: str) -> float:
    async with Gate.open(load_policy(policy), store, max_concurrent_jobs=conc) as gate:
        limiter = anyio.CapacityLimiter(conc)

        async def one() -> None:
            async with limiter:
                await gate.run(argv=argv)

        await one()
        t0 = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(one)
        return n / (time.perf_counter() - t0)


def _posix_spawn(argv: list[str], n: int, conc: int) -> float:
    """Raw ``os.posix_spawn`` + ``waitpid``, at most ``conc`` children at once."""
    env = {"PATH": "/usr/bin:/bin"}
    running: set[int] = set()
    t0 = time.perf_counter()
    started = 0
    while started < n or running:
        while started < n and len(running) < conc:
            running.add(os.posix_spawn(argv[0], argv, env))
            started += 1
        pid, _ = os.waitpid(-1, 0)
        running.discard(pid)
    return n / (time.perf_counter() - t0)


def throughput(tmp: Path, quick: bool) -> list[dict[str, Any]]:
    policy = _policy(tmp)
    rows = []
    concs = (1, 64) if quick else (1, 16, 64, 256)
    for name, argv in COMMANDS.items():
        for conc in concs:
            n = (100 if quick else 400) if conc == 1 else (200 if quick else 1000)
            raw = _posix_spawn(argv, n, conc)
            for backend in ("trio", "asyncio"):
                store = f"sqlite:///{tmp / f'tp-{backend}-{conc}-{len(argv)}.db'}"
                bare = anyio.run(_bare, argv, n, conc, backend=backend)
                guarded = anyio.run(_guarded, argv, n, conc, policy, store, backend=backend)
                rows.append(
                    {"command": name, "backend": backend, "concurrency": conc, "jobs": n,
                     "guarded": round(guarded, 1), "bare_anyio": round(bare, 1),
                     "posix_spawn": round(raw, 1), "vs_bare": round(guarded / bare, 3),
                     "vs_posix_spawn": round(guarded / raw, 3)}
                )  # fmt: skip
    return rows


# --- latency ------------------------------------------------------------------------------


async def _latencies(tmp: Path, n: int, gap: float = 0.0) -> dict[str, list[float]]:
    policy = load_policy(_policy(tmp))
    out: dict[str, list[float]] = {"guarded": [], "bare": []}
    async with Gate.open(policy, f"sqlite:///{tmp / 'lat.db'}") as gate:
        await gate.run(argv=[TRUE])
        for _ in range(n):
            await anyio.sleep(gap)
            t0 = time.perf_counter()
            await anyio.run_process([TRUE])
            out["bare"].append(time.perf_counter() - t0)
            await anyio.sleep(gap)
            t0 = time.perf_counter()
            await gate.run(argv=[TRUE])
            out["guarded"].append(time.perf_counter() - t0)
    return out


def _latency_row(backend: str, lat: dict[str, list[float]]) -> dict[str, Any]:
    p = {k: statistics.quantiles(v, n=100) for k, v in lat.items()}
    return {"backend": backend,
            "guarded_p50_ms": round(p["guarded"][49] * 1e3, 2),
            "guarded_p99_ms": round(p["guarded"][98] * 1e3, 2),
            "bare_p50_ms": round(p["bare"][49] * 1e3, 2),
            "bare_p99_ms": round(p["bare"][98] * 1e3, 2),
            "p50_ratio": round(p["guarded"][49] / p["bare"][49], 2)}  # fmt: skip


def latency(tmp: Path, quick: bool) -> list[dict[str, Any]]:
    n = 100 if quick else 500
    return [
        _latency_row(backend, anyio.run(_latencies, tmp, n, backend=backend))
        for backend in ("trio", "asyncio")
    ]


#: How far apart an agent's commands come (a model's turn between them) at the least.
GAP = 0.1


def spaced(tmp: Path, quick: bool) -> list[dict[str, Any]]:
    """Latency at concurrency 1 with each job 100 ms after the last, as an agent's commands
    come: what the kernel and the disk do after a pause (a cgroup migration's RCU grace
    period, caches gone cold) counts here and not in the back-to-back run."""
    n = 15 if quick else 60
    return [
        {
            "gap_ms": GAP * 1e3,
            **_latency_row(backend, anyio.run(_latencies, tmp, n, GAP, backend=backend)),
        }
        for backend in ("trio", "asyncio")
    ]


# --- flood and sleepers: each in a fresh process, so RSS is its own -----------------------

_FLOOD = """
import anyio, json, psutil, sys, time
from execgate import Gate, load_policy
policy, store, size, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
async def main():
    me = psutil.Process()
    async with Gate.open(load_policy(policy), store) as gate:
        await gate.run(argv=["/bin/true"])
        rss0 = peak = me.memory_info().rss
        done = False
        async def sample():
            nonlocal peak
            while not done:
                peak = max(peak, me.memory_info().rss)
                await anyio.sleep(0.002)
        async with anyio.create_task_group() as tg:
            tg.start_soon(sample)
            cpu0 = time.process_time(); t0 = time.perf_counter()
            r = await gate.run(argv=["head", "-c", str(size), "/dev/zero"],
                               max_output_bytes=1 << 20, on_output_overflow=mode, timeout=600)
            wall = time.perf_counter() - t0; cpu = time.process_time() - cpu0
            done = True
        print(json.dumps({"mode": mode, "MiB": size >> 20, "wall_s": round(wall, 3),
                          "parent_cpu_s": round(cpu, 3), "job_ms": round(r.duration_ms, 1),
                          "peak_rss_growth_mib": round((peak - rss0) / 2**20, 2),
                          "kept": len(r.stdout), "truncated": r.truncated_bytes,
                          "killed_by": r.killed_by}))
anyio.run(main, backend="trio")
"""

_SLEEPERS = """
import anyio, json, os, sys, psutil
from execgate import Gate, load_policy
policy, store, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
async def main():
    me = psutil.Process()
    async with Gate.open(load_policy(policy), store, max_concurrent_jobs=n) as gate:
        await gate.run(argv=["/bin/true"])
        rss0, fds0 = me.memory_info().rss, me.num_fds()
        async with anyio.create_task_group() as tg:
            # the jobs outlive the measurement however slowly they start; then they are cancelled
            for _ in range(n):
                tg.start_soon(lambda: gate.run(argv=["sleep", "600"], timeout=600))
            while gate.statistics().jobs_running < n:
                await anyio.sleep(0.05)
            rss1, fds1 = me.memory_info().rss, me.num_fds()
            tg.cancel_scope.cancel()
        print(json.dumps({"jobs": n, "rss_per_job_kib": round((rss1 - rss0) / n / 1024, 1),
                          "fds_per_job": round((fds1 - fds0) / n, 2)}))
anyio.run(main, backend="trio")
"""


_CPU = """
import anyio, json, os, resource, sys, time
kind, policy, store, n, conc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
if "shim spawn" in kind:
    os.environ["EXECGATE_NATIVE_SPAWN"] = "0"
from execgate import Gate, load_policy
from execgate.models import ExecPlan, Limits
from execgate.process import JobControl, open_containment, run_job
from execgate.process._tree import _EXEC, _JOIN, _SHELL
# The shim exactly as cgroup containment runs it, joining /dev/null instead of a cgroup (so
# this baseline leaves out the kernel's cgroup migration: it is, if anything, too kind).
SHIM = [_SHELL, "-c", _JOIN + _EXEC, "/dev/null", "/bin/true"]
async def measure(one):
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    wall = time.perf_counter() - t0
    me2, kids2 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = lambda a, b: (b.ru_utime - a.ru_utime + b.ru_stime - a.ru_stime) / n * 1e3
    return {"run": kind, "jobs_per_s": round(n / wall, 1),
            "supervisor_cpu_ms": round(cpu(me, me2), 3),
            "children_cpu_ms": round(cpu(kids, kids2), 3),
            "total_cpu_ms": round(cpu(me, me2) + cpu(kids, kids2), 3)}
async def main():
    lim = anyio.CapacityLimiter(conc)
    if kind.startswith("guarded /bin/true"):
        async with Gate.open(load_policy(policy), store, max_concurrent_jobs=conc) as gate:
            await gate.run(argv=["/bin/true"])
            async def one():
                async with lim:
                    await gate.run(argv=["/bin/true"])
            return await measure(one)
    if kind.startswith("run_job alone"):
        # The Runner's part of a guarded job and nothing else: no scan, policy or records.
        containment = open_containment()
        limits = Limits(timeout=30, kill_grace=1, max_output_bytes=1 << 20)
        async def one():
            async with lim:
                plan = ExecPlan(job_id="j", argv=("/bin/true",), cwd="/", env={}, limits=limits)
                await run_job(plan, containment.new_job(plan.job_id), JobControl())
        try:
            return await measure(one)
        finally:
            containment.close()
    argv = ["/bin/true"] if kind == "bare /bin/true" else SHIM
    async def one():
        async with lim:
            await anyio.run_process(argv, check=True)
    return await measure(one)
print(json.dumps(anyio.run(main, backend="trio")))
"""


def _child(code: str, *args: str) -> dict[str, Any]:
    try:
        run = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        return {"error": "did not finish within 900 s"}
    if run.returncode != 0:
        return {"error": run.stderr.strip()[-400:]}
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


def flood(tmp: Path, quick: bool) -> list[dict[str, Any]]:
    size = (256 if quick else 1024) << 20
    policy = _policy(tmp)
    return [
        _child(_FLOOD, str(policy), f"sqlite:///{tmp / f'flood-{m}.db'}", str(size), m)
        for m in ("truncate", "kill")
    ]


def sleepers(tmp: Path, quick: bool) -> list[dict[str, Any]]:
    policy = _policy(tmp)
    n = 200 if quick else 1000
    return [_child(_SLEEPERS, str(policy), f"sqlite:///{tmp / 'sleep.db'}", str(n))]


def cpu_budget(tmp: Path, quick: bool) -> list[dict[str, Any]]:
    policy = _policy(tmp)
    n = "300" if quick else "1500"
    kinds = (
        "guarded /bin/true",
        "guarded /bin/true, shim spawn",
        "run_job alone (no gate)",
        "bare /bin/true",
        "bare /bin/true through the join shim",
    )
    return [_child(_CPU, k, str(policy), f"sqlite:///{tmp / 'cpu.db'}", n, "64") for k in kinds]


# --- the targets ------------------------------------------------------------------


def pairs(tmp: Path, quick: bool) -> list[dict[str, Any]]:
    """The headline ratio, measured as repeated same-run pairs: guarded and bare ``/bin/true``
    at concurrency 64 on trio, back to back, the order alternated (a machine that drifts
    within a pair then favours neither side), and raw ``os.posix_spawn`` after each pair. A
    single pair moves by 10-20% on a shared VM; the median of several does not."""
    policy = _policy(tmp)
    k, n = (1, 300) if quick else (7, 1000)
    rows = []
    for i in range(k):
        store = f"sqlite:///{tmp / f'pair-{i}.db'}"
        first, second = ("bare", "guarded") if i % 2 == 0 else ("guarded", "bare")
        rate: dict[str, float] = {}
        for side in (first, second):
            if side == "bare":
                rate[side] = anyio.run(_bare, [TRUE], n, 64, backend="trio")
            else:
                rate[side] = anyio.run(_guarded, [TRUE], n, 64, policy, store, backend="trio")
        raw = _posix_spawn([TRUE], n, 64)
        rows.append(
            {"pair": i + 1, "first": first, "jobs": n, "guarded": round(rate["guarded"], 1),
             "bare_anyio": round(rate["bare"], 1), "posix_spawn": round(raw, 1),
             "vs_bare": round(rate["guarded"] / rate["bare"], 3),
             "vs_posix_spawn": round(rate["guarded"] / raw, 3)}
        )  # fmt: skip
    return rows


def _spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f} (1 pair)"
    return f"median {statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f}, {len(values)} pairs)"


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the throughput issue against this run's figures: met or not."""
    rows: list[dict[str, Any]] = []

    def target(name: str, goal: str, shown: str, value: float | None, met: bool | None) -> None:
        verdict = "n/a" if met is None else "met" if met else "NOT met"
        rows.append({"target": name, "goal": goal, "measured": shown, "value": value,
                     "verdict": verdict})  # fmt: skip

    vs_bare = [r["vs_bare"] for r in results["pairs"]]
    vs_raw = [r["vs_posix_spawn"] for r in results["pairs"]]
    median = statistics.median(vs_bare)
    target("c=64 guarded / bare anyio.run_process, trio", ">= 1.0", _spread(vs_bare),
           median, median >= 1.0)  # fmt: skip
    median = statistics.median(vs_raw)
    target("stretch: c=64 guarded / raw os.posix_spawn, trio", ">= 0.8", _spread(vs_raw),
           median, median >= 0.8)  # fmt: skip
    for row in results["latency"]:
        ratio = row["p50_ratio"]
        target(f"c=1 p50 latency guarded / bare, {row['backend']}", "<= 1.25",
               f"{ratio:.2f} ({row['guarded_p50_ms']} vs {row['bare_p50_ms']} ms)",
               ratio, ratio <= 1.25)  # fmt: skip
    for row in results["flood"]:
        if "error" in row:
            target(f"flood ({row.get('mode', '?')})", "", row["error"][:80], None, None)
            continue
        growth = row["peak_rss_growth_mib"]
        target(f"{row['MiB']} MiB flood, 1 MiB cap, {row['mode']}: peak RSS growth",
               "<= 1 MiB cap + 4 MiB", f"{growth} MiB", growth, growth <= 5.0)  # fmt: skip
        if row["mode"] == "kill":
            # The job's whole life bounds the time from reaching the cap to its end.
            target("kill-on-overflow: job ends after the cap is reached", "< 100 ms",
                   f"{row['job_ms']} ms (the job's whole life)", row["job_ms"],
                   row["job_ms"] < 100)  # fmt: skip
    for row in results["sleepers"]:
        if "error" in row:
            target("sleeping jobs", "", row["error"][:80], None, None)
            continue
        kib = row["rss_per_job_kib"]
        target(f"supervisor memory per sleeping job ({row['jobs']} jobs)", "<= 100 KiB",
               f"{kib} KiB, {row['fds_per_job']} fds", kib, kib <= 100)  # fmt: skip
    return rows


# --- the component scripts ----------------------------------------------------------------


def components(quick: bool) -> tuple[dict[str, str], list[str]]:
    """Each component script's output, and the names of those that failed."""
    scripts = {
        "stages": ["stages.py", "--n", "100" if quick else "300"],
        "scanner": ["scanner.py"],
        "recorder": ["recorder.py", "--events", "10000" if quick else "50000"],
        "policy": ["policy.py", "--n", "500" if quick else "3000"],
        "limits": ["limits.py", "--n", "20" if quick else "100"],
    }
    if quick:
        scripts.pop("scanner")  # its corpus build alone takes most of a minute
    out = {}
    failed = []
    for name, argv in scripts.items():
        run = subprocess.run(
            [sys.executable, str(HERE / argv[0]), *argv[1:]],
            capture_output=True, text=True, timeout=1200,
        )  # fmt: skip
        out[name] = (run.stdout + run.stderr).strip()
        if run.returncode != 0:
            failed.append(name)
    return out, failed


# --- output -------------------------------------------------------------------------------


def _table(console: Console, title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = Table(title=title)
    for key in rows[0]:
        table.add_column(key, justify="right" if not isinstance(rows[0][key], str) else "left")
    for row in rows:
        table.add_row(*(str(row.get(k, "")) for k in rows[0]))
    console.print(table)


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(rows: list[dict[str, Any]]) -> list[str]:
    """A Markdown table over the union of the rows' keys (a failed row has only ``error``)."""
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_md_cell(row.get(k)) for k in keys) + " |" for row in rows]
    return lines


def markdown(results: dict[str, Any], titles: dict[str, str]) -> str:
    """The run as one Markdown page: the machine it ran on, then each section's table and each
    component script's output as printed."""
    machine = results["machine"]
    lines = [
        "# Performance",
        "",
        "<!-- written by `python benchmarks/suite.py --markdown docs/performance.md`; "
        "regenerate, do not edit -->",
        "",
        f"One run of `python benchmarks/suite.py{' --quick' if results['quick'] else ''}`. "
        "Every figure is measured next to its baseline in the same run, on the same "
        "inputs; compare the ratios, not the absolute rates, across machines.",
        "",
        f"Machine: {machine['cpus']} CPUs, Linux {machine['kernel']}, "
        f"Python {machine['python']}, {machine.get('cpu_model') or 'CPU model unknown'}; "
        f"load average {machine.get('load_average', '?')} when the run started.",
        "",
    ]
    for key, title in titles.items():
        rows = results.get(key) or []
        if rows:
            lines += [f"## {title[:1].upper()}{title[1:]}", "", *_md_table(rows), ""]
    for name, text in results.get("components", {}).items():
        lines += [f"## {name} (`benchmarks/{name}.py`)", "", "```text", text, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def plot(rows: list[dict[str, Any]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(COMMANDS), figsize=(12, 4.5), sharey=True)
    for ax, command in zip(axes, COMMANDS, strict=True):
        sel = [r for r in rows if r["command"] == command]
        concs = sorted({r["concurrency"] for r in sel})
        for backend in ("trio", "asyncio"):
            for key, style in (("guarded", "-o"), ("bare_anyio", "--s")):
                ys = [next(r[key] for r in sel if r["backend"] == backend and r["concurrency"] == c)
                      for c in concs]  # fmt: skip
                label = (
                    f"{'execgate' if key == 'guarded' else 'bare anyio.run_process'} ({backend})"
                )
                ax.plot(concs, ys, style, label=label)
        raw = [next(r["posix_spawn"] for r in sel if r["concurrency"] == c) for c in concs]
        ax.plot(concs, raw, ":^", label="raw os.posix_spawn", color="black")
        ax.set_xscale("log", base=2)
        ax.set_xticks(concs, [str(c) for c in concs])
        ax.set_title(command)
        ax.set_xlabel("concurrency")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("jobs/s")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"execgate throughput, {os.cpu_count()} cpus, {os.uname().release}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="every section smaller (< 1 minute)")
    ap.add_argument("--json", metavar="FILE", default="benchmark-results.json")
    ap.add_argument("--plot", metavar="FILE", default="benchmark-throughput.png")
    ap.add_argument("--markdown", metavar="FILE", help="also write the run as a Markdown page")
    args = ap.parse_args()
    console = Console(width=160)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                    "python": sys.version.split()[0], "cpu_model": _cpu_model(),
                    "load_average": round(os.getloadavg()[0], 2)},
        "quick": args.quick,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sections = (
            ("throughput (jobs/s)", "throughput", throughput),
            ("latency at concurrency 1", "latency", latency),
            ("latency at concurrency 1, jobs 100 ms apart", "spaced", spaced),
            ("output flood with a 1 MiB cap", "flood", flood),
            ("concurrent sleeping jobs", "sleepers", sleepers),
            ("CPU per job at concurrency 64 (trio)", "cpu_budget", cpu_budget),
            ("concurrency 64 on trio: same-run pairs", "pairs", pairs),
        )
        for title, key, fn in sections:
            results[key] = fn(tmp, args.quick)
            _table(console, title, results[key])
    results["targets"] = targets(results)
    results["components"], failed = components(args.quick)
    results["failed"] = failed
    for name, text in results["components"].items():
        console.rule(name)
        console.print(text, markup=False, highlight=False)
    _table(console, "targets (throughput issue)", results["targets"])
    results["seconds"] = round(time.perf_counter() - started, 1)
    Path(args.json).write_text(json.dumps(results, indent=2))
    if args.markdown:
        titles = {key: title for title, key, _fn in sections}
        Path(args.markdown).write_text(markdown(results, titles))
        console.print(f"Markdown: {args.markdown}")
    console.print(f"JSON: {args.json}   ({results['seconds']} s)")
    if not args.quick:
        try:
            plot(results["throughput"], args.plot)
        except ModuleNotFoundError as exc:  # the `bench` extra: optional, the tables are written
            console.print(f"plot: skipped ({exc.name} is not installed: pip install -e '.[bench]')")
        else:
            console.print(f"plot: {args.plot}")
    if failed:
        # A broken component must not pass for a finished run (its traceback is printed above).
        console.print(f"FAILED: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
