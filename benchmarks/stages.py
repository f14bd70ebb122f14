"""Per-stage cost of one guarded /bin/true job, each stage timed alone, on trio.

    python benchmarks/stages.py [--n N]

Stages: scan (pure), policy (pure, with its filesystem look-ups), one durable decision commit
(SQLite WAL, synchronous=FULL), the spawn alone (the call that starts the child in its cgroup:
native helper, and Popen through the shim) and the wait (from there until the exit is seen
through the pidfd), and the whole ``run_job`` under each containment mechanism against bare
``anyio.run_process``. Medians in microseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import anyio

from execgate import Event, ExecRequest, load_policy, open_store
from execgate.models import ExecPlan, Limits
from execgate.policy import Resolver, evaluate
from execgate.process import JobControl, open_containment, run_job
from execgate.process._spawn import native_spawn_usable, spawn
from execgate.scan import scan_request


def _median_us(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e6, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    n = ap.parse_args().n
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "p.toml").write_text(
            f'[workspace]\nroot = "{tmp}"\n[[allow]]\ncommand = "/bin/true"\n'
        )
        policy = load_policy(tmp / "p.toml")
        req = ExecRequest(argv=["/bin/true"])
        env = dict(os.environ)
        resolver = Resolver()

        def timed(fn: object, label: str) -> None:
            samples = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()  # type: ignore[operator]
                samples.append(time.perf_counter() - t0)
            rows.append((label, _median_us(samples)))

        timed(lambda: scan_request(req), "scan (pure)")
        timed(lambda: evaluate(policy, req, env, resolver), "policy (pure + stat)")
        store = open_store(f"sqlite:///{tmp / 'e.db'}")

        def commit() -> None:
            ev = Event(event_id=uuid.uuid4().hex, ts=time.time(), kind="decision", actor="x")
            store.append([ev])

        timed(commit, "durable commit (1 event)")
        store.close()

        plan = ExecPlan(
            job_id="b",
            argv=("/bin/true",),
            cwd=str(tmp),
            env=env,
            limits=Limits(timeout=10, kill_grace=1, max_output_bytes=1 << 20),
        )

        async def spawn_rows() -> None:
            async def measure(label: str, job: object) -> None:
                samples = []
                for _ in range(n):
                    t0 = time.perf_counter()
                    await job()  # type: ignore[operator]
                    samples.append(time.perf_counter() - t0)
                rows.append((label, _median_us(samples)))

            await measure("bare anyio.run_process", lambda: anyio.run_process(["/bin/true"]))
            try:
                cg = open_containment("cgroup")
            except Exception as exc:
                rows.append((f"spawn/wait split unavailable: {exc}", float("nan")))
            else:
                for native in (True, False):
                    if native and not native_spawn_usable():
                        continue
                    spawned, waited = [], []
                    for _ in range(n):
                        job = cg.new_job("b")
                        if native:
                            argv: list[str] = ["/bin/true"]
                            job_env, placement = job.placement(env)
                        else:
                            argv, job_env = job.wrap(("/bin/true",), env)
                            placement = None
                        t0 = time.perf_counter()
                        proc = spawn(argv, stdin=False, stdout=True, stderr=True, cwd=str(tmp),
                                     env=job_env, placement=placement)  # fmt: skip
                        t1 = time.perf_counter()
                        assert proc is not None
                        job.adopt(proc.pid)
                        await proc.wait()
                        waited.append(time.perf_counter() - t1)
                        spawned.append(t1 - t0)
                        proc.close()
                        job.kill_step()
                        job.close()
                    how = "native helper" if native else "Popen + /bin/sh shim"
                    rows.append((f"spawn [cgroup, {how}]", _median_us(spawned)))
                    rows.append((f"wait  [cgroup, {how}]", _median_us(waited)))
                cg.close()
            for mech in ("cgroup", "process-group"):
                try:
                    c = open_containment(mech)
                except Exception as exc:
                    rows.append((f"run_job [{mech}] unavailable: {exc}", float("nan")))
                    continue
                await measure(
                    f"run_job [{mech}]",
                    lambda c=c: run_job(plan, c.new_job("b"), JobControl()),
                )
                c.close()

        anyio.run(spawn_rows, backend="trio")
    width = max(len(label) for label, _ in rows)
    for label, us in rows:
        print(f"{label:<{width}}  {us:>10} µs")


if __name__ == "__main__":
    main()
