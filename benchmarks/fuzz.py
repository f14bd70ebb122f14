"""Fuzzing: hostile and faulty inputs through every door, each target in a child process.

    python benchmarks/fuzz.py [--inputs N] [--targets shell,request,...] [--seed S] [--json]
                              [--parallel N] [--progress FILE]

Targets, each fed by a seeded mutator (the same seed gives the same inputs):

- ``shell``: command lines (metacharacter soup, nesting, descriptors, surrogates, NULs) through
  the policy engine under three policies;
- ``request``: requests with every field (wrong types, bad text, odd numbers) through the pure
  pipeline a gate runs: validation, size limits, scan, decision, the decision event (which
  must then be storable);
- ``gate``: the same requests through a real gate's ``check`` and ``run`` on SQLite;
- ``policy``: mutated policy TOML through the loader;
- ``scan``: text with near-secrets through ``scan_text`` and ``redact``;
- ``store``: batches of events (bad text, integers out of range) through the recorder's checks
  and the SQLite store, whose chain must verify at the end.

An outcome is expected when it is a value or an ``ExecgateError`` (a typed refusal); anything
else is an *untyped error*, and so are, through the gate, an actor crash (``EG-ACTOR-CRASHED``,
a restart) and ``EG-POLICY-ENGINE-ERROR`` (the engine raised). An input taking over 1 s of CPU is a *hang* (CPU, not wall time:
a fuzzer run at ``nice 19`` on a busy host waits seconds for a core); a child that dies is a
*crash*, and one silent for ``--stall`` seconds is killed and counted as a hang; either way the
target resumes after the input it was on. Prints inputs, untyped errors, hangs and crashes
per target; exits 1 if any of those is not 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TARGETS = ("shell", "request", "gate", "policy", "scan", "store")
#: Share of ``--inputs`` each target gets (the gate and the store are slow: real I/O).
SHARES = {"shell": 0.36, "request": 0.25, "gate": 0.01, "policy": 0.15, "scan": 0.18, "store": 0.05}
HANG_SECONDS = 1.0
REPORT_EVERY = 200

BAD_TEXT = [
    "\ud800",
    "\udc80",
    "\udfff",
    "\x00",
    "\x1b[2J",
    "\u200b",
    "\u202e",
    "é",
    "\uff12",
    "\n",
]
SHELL_BITS = [
    "echo", "ls", "git", "status", "cat", "rm", "-rf", "sh", "-c", "env", "timeout", "1",
    "find", "-exec", "{}", "\\;", "xargs", "a", "b.txt", "x=1", "$(", ")", "`", "'", '"',
    "${", "}", "${a:-", "|", "||", "&&", ";", "&", ">", ">>", "<", "2>&1", "-u2>&1", ">&2",
    "<<", "EOF", "<<<", "(", "))", "((", "[[", "]]", "{", "}", "#", "~", "*", "?", "\\",
    "$", "!", "-", "--", "=", "a=(", "9" * 30, "<(", ">(", "$((1+", "case", "in", "esac",
    "if", "then", "fi", "for", "do", "done", "function", "f()", "$@", "$1", "..", "/etc",
    "../../x", "~root", " ", " ", " ", "\t", *BAD_TEXT,
]  # fmt: skip


def _mutate(rng: random.Random, text: str, bits: list[str]) -> str:
    for _ in range(rng.randint(0, 3)):
        op = rng.random()
        at = rng.randint(0, len(text))
        if op < 0.4:
            text = text[:at] + rng.choice(bits) + text[at:]
        elif op < 0.6 and text:
            text = text[:at] + text[at + rng.randint(1, 4) :]
        elif op < 0.8 and text:
            piece = text[at : at + rng.randint(1, 8)]
            text = text[:at] + piece * rng.randint(2, 40) + text[at:]
        else:
            text = text[:at] + chr(rng.randint(0, 0x10FFFF)) + text[at:]
    return text


def shell_line(rng: random.Random) -> str:
    words = [rng.choice(SHELL_BITS) for _ in range(rng.randint(1, 14))]
    glue = rng.choice([" ", "", " ", " "])
    return _mutate(rng, glue.join(words), SHELL_BITS)[:700]


def _text(rng: random.Random, base: str) -> str:
    return _mutate(rng, base, [*BAD_TEXT, "x", "/", "..", " "]) if rng.random() < 0.5 else base


ODD_NUMBERS: list[Any] = [
    None, None, None, -1, 0, 1, 5, 0.001, 1e308, math.inf, math.nan, True, "1", 2**70, [1],
]  # fmt: skip


def request_fields(rng: random.Random) -> dict[str, Any]:
    """Keyword fields for ExecRequest: mostly plausible, often wrong somewhere."""
    f: dict[str, Any] = {}
    pick = rng.random()
    if pick < 0.45:
        f["argv"] = [_text(rng, rng.choice(["true", "echo", "cat", "ls", "rm", "sh"]))] + [
            _text(rng, rng.choice(["-n", "a", "b c", "$HOME", "--", "../x", "-rf", "/"]))
            for _ in range(rng.randint(0, 4))
        ]
    elif pick < 0.9:
        f["command"] = shell_line(rng)
    else:
        f[rng.choice(["argv", "command"])] = rng.choice(
            [None, "", [], [""], 5, b"true", ("true",), ["true", 3], {"a": 1}, "true"]
        )
        if rng.random() < 0.3:
            f["argv" if "command" in f else "command"] = "true"
    if rng.random() < 0.3:
        f["cwd"] = rng.choice([".", "..", "/etc", "sub", "a\x00", "\ud800", 5, "../..", "~"])
    if rng.random() < 0.2:
        f["env_overrides"] = rng.choice(
            [
                {"A": "1"}, {"LD_PRELOAD": "/x.so"}, {"A": None}, {"": "x"}, {"A=B": "1"},
                {"A": _text(rng, "v")}, {_text(rng, "N"): "1"}, {1: "x"}, "A=1", [("A", "1")],
            ]
        )  # fmt: skip
    for name in ("timeout", "kill_grace", "max_output_bytes", "cpu_seconds", "memory_bytes"):
        if rng.random() < 0.08:
            f[name] = rng.choice(ODD_NUMBERS)
    if rng.random() < 0.15:
        f["stdin"] = rng.choice([b"", b"x" * rng.randint(1, 3000), "text", bytearray(b"a"), 5])
    for name in ("job_id", "model_id", "session_id", "idempotency_key"):
        if rng.random() < 0.08:
            f[name] = rng.choice(["", _text(rng, "id-1"), 7, None, "x" * 300])
    for name in ("capture_stdout", "secure", "log_level", "on_output_overflow"):
        if rng.random() < 0.04:
            f[name] = rng.choice([True, False, 1, "none", "kill", "explode", None])
    if rng.random() < 0.02:
        f["no_such_field"] = 1
    return f


POLICY_VALUES = [
    "0", "-1", "1e400", '"x"', "true", "[]", "{}", '"\\u0000x"', "18446744073709551616",
    '["a", 1]', '"/"', '".."', '"*"', '""', "nan", "inf", '{ a = "b" }', '"\\ud800"',
]  # fmt: skip


def policy_text(rng: random.Random, seeds: list[str]) -> str:
    lines = rng.choice(seeds).splitlines()
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.35 and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(POLICY_VALUES)}"
        elif op < 0.55:
            del lines[i]
        elif op < 0.75:
            lines.insert(i, lines[rng.randrange(len(lines))])
        else:
            lines[i] = _mutate(rng, lines[i], ["[", "]", "=", '"', "'", "\\", ".", "#", "\x00"])
    return "\n".join(lines)


SECRETISH = [
    "AKIA", "ghp_", "github_pat_", "sk-", "sk-ant-", "xoxb-", "-----BEGIN RSA PRIVATE KEY-----",
    "eyJhbGciOi", "password=", "Authorization: Bearer ", "postgres://u:p@h/db", "AIza",
    "0123456789abcdef" * 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "=", ":", " ", "\n", "'",
]  # fmt: skip


def scan_input(rng: random.Random) -> str:
    parts = [rng.choice(SECRETISH + BAD_TEXT) for _ in range(rng.randint(1, 20))]
    return _mutate(rng, "".join(parts), SECRETISH)[:4000]


# --- the child: runs one target over a range of inputs ----------------------------------


def _expected(exc: BaseException) -> bool:
    from execgate import ExecgateError

    return isinstance(exc, ExecgateError)


class Child:
    """What a target needs, built once per child process."""

    def __init__(self, workdir: Path) -> None:
        from execgate import default_policy, load_policy

        self.workdir = workdir
        ws = workdir / "ws"
        ws.mkdir(exist_ok=True)
        (ws / "sub").mkdir(exist_ok=True)
        allow_all = workdir / "open.toml"
        allow_all.write_text(
            f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\n'
            + "".join(
                f'[[allow]]\ncommand = "{c}"\nargs = "any"\n'
                for c in ("echo", "cat", "ls", "git", "sh", "env", "find", "timeout")
            )
        )
        self.policies = [default_policy(ws), load_policy(allow_all), self._strict(ws)]
        self.seeds = [
            (Path(__file__).resolve().parent.parent / "execgate/policy/default.toml").read_text(),
            allow_all.read_text(),
        ]

    def _strict(self, ws: Path) -> Any:
        from execgate import load_policy

        path = self.workdir / "strict.toml"
        path.write_text(
            f'version = 1\n[workspace]\nroot = "{ws}"\n[limits]\nmax_command_bytes = 256\n'
            '[[allow]]\ncommand = "echo"\n[[deny]]\ncommand = "rm"\n'
        )
        return load_policy(path)

    def shell(self, rng: random.Random) -> None:
        from execgate import ExecRequest
        from execgate.errors import all_error_codes
        from execgate.policy import evaluate

        line = shell_line(rng)
        try:
            request = ExecRequest(command=line)
        except Exception as exc:
            if _expected(exc):
                return
            raise
        for policy in self.policies:
            verdict = evaluate(policy, request, os.environ)
            code = verdict.decision.code
            if code != "EG-ALLOWED" and code not in all_error_codes():
                raise AssertionError(f"unknown decision code {code!r}")

    def request(self, rng: random.Random) -> None:
        from execgate import ExecRequest
        from execgate.actors.recorder import unstorable
        from execgate.policy import evaluate
        from execgate.scan import scan_request
        from execgate.supervisor._events import decision_event

        try:
            request = ExecRequest.build(None, request_fields(rng))
        except Exception as exc:
            if _expected(exc):
                return
            raise
        policy = rng.choice(self.policies)
        if policy.limits.oversize(request) is not None:
            return
        findings = scan_request(request)
        verdict = evaluate(policy, request, os.environ)
        event = decision_event(request, verdict, findings, dry_run=True)
        problem = unstorable(event)
        if problem is not None:
            raise AssertionError(f"a valid request made an unstorable event: {problem}")

    def policy(self, rng: random.Random) -> None:
        from execgate.errors import PolicyInvalid
        from execgate.policy._model import parse_policy

        text = policy_text(rng, self.seeds)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return  # load_policy's own PolicyInvalid("not valid TOML")
        with contextlib.suppress(PolicyInvalid):
            parse_policy(data, base_dir=self.workdir, source="<fuzz>")

    def scan(self, rng: random.Random) -> None:
        from execgate import redact, scan_text

        text = scan_input(rng)
        for f in scan_text(text, "stdin"):
            if not 0 <= f.start < f.end <= len(text):
                raise AssertionError(f"finding out of range: {f}")
        if not isinstance(redact(text), str):
            raise AssertionError("redact returned a non-str")

    _store: Any = None
    _store_batches = 0

    def store(self, rng: random.Random) -> None:
        from execgate import Event, RecorderUnavailable, open_store
        from execgate.actors.recorder import unstorable
        from execgate.models import new_event_id

        if self._store is None:
            self._store = open_store(f"sqlite:///{self.workdir / 'fuzz.db'}")
        good: list[Event] = []
        for _ in range(rng.randint(1, 30)):
            text = _text(rng, "echo hi")
            event = Event(
                event_id=new_event_id(),
                ts=time.time(),
                kind="decision",
                actor="gatekeeper",
                job_id=_text(rng, "job"),
                model_id=rng.choice([None, text]),
                command=text,
                argv=tuple(text.split(" ")),
                exit_code=rng.choice([None, 0, -9, 2**31, 2**63 - 1, 2**63, 2**70]),
            )
            if unstorable(event) is None:
                good.append(event)
        try:
            self._store.append(good)
        except RecorderUnavailable as exc:
            # Only a value out of the database's range may fail a checked batch.
            if "too large" not in str(exc) and "out of range" not in str(exc):
                raise
        self._store_batches += 1
        if self._store_batches % 500 == 0 and not self._store.verify().ok:
            raise AssertionError("the store's chain does not verify")

    _gate_loop: Any = None

    def gate(self, rng: random.Random) -> None:
        from execgate import ExecgateError, Gate, load_policy

        if self._gate_loop is None:
            # Only harmless programs: run() executes what the policy allows.
            path = self.workdir / "gate.toml"
            path.write_text(
                f'version = 1\n[workspace]\nroot = "{self.workdir / "ws"}"\n'
                + "".join(f'[[allow]]\ncommand = "{c}"\n' for c in ("echo", "true", "cat", "ls"))
            )
            store = f"sqlite:///{self.workdir / 'gate.db'}"
            self._gate_loop = _GateLoop(Gate.open(load_policy(path), store))
        fields = request_fields(rng)
        before = sum(self._gate_loop.gate.statistics().restarts.values())
        try:
            self._gate_loop.call(fields, run=rng.random() < 0.2)
        except ExecgateError as exc:
            # Typed, but a bug all the same: an actor crashed on the input (and each such
            # input spends the gate's restart budget), or the engine failed on it.
            if exc.fault == "internal" or exc.code == "EG-POLICY-ENGINE-ERROR":
                raise AssertionError(f"{exc.code}: {exc.message}") from None
        restarts = self._gate_loop.gate.statistics().restarts
        if sum(restarts.values()) != before:
            raise AssertionError(f"an actor crashed and was restarted: {restarts}")


class _GateLoop:
    """A gate kept open on a trio loop in a thread, so inputs go through one real gate. It
    is never closed: the child ends with ``os._exit``."""

    def __init__(self, gate: Any) -> None:
        import anyio.from_thread

        # Both context managers are kept: a collected one would close its portal or gate.
        self._portal_cm = anyio.from_thread.start_blocking_portal("trio")
        self.portal = self._portal_cm.__enter__()
        self._gate_cm = self.portal.wrap_async_context_manager(gate)
        self.gate = self._gate_cm.__enter__()

    def call(self, fields: dict[str, Any], *, run: bool) -> None:
        method = self.gate.run if run else self.gate.check
        self.portal.call(lambda: method(**fields))


def child_main(target: str, seed: int, start: int, count: int) -> None:
    """Run ``target`` on inputs ``start..start+count``; one JSON line per REPORT_EVERY."""
    workdir = Path(tempfile.mkdtemp(prefix=f"fuzz-{target}-"))
    child = Child(workdir)
    fn: Callable[[random.Random], None] = getattr(child, target)
    untyped: list[str] = []
    slow: list[str] = []
    n_untyped = n_slow = 0
    done = 0
    # Untimed and uncounted: imports, opening the gate or the store.
    with contextlib.suppress(Exception):
        fn(random.Random(f"{seed}:{target}:warm-up"))
    for index in range(start, start + count):
        rng = random.Random(f"{seed}:{target}:{index}")
        t, cpu = time.perf_counter(), time.process_time()
        try:
            fn(rng)
        except Exception as exc:
            n_untyped += 1
            if len(untyped) < 5:
                tb = traceback.format_exception(exc)[-3:]
                untyped.append(
                    f"input {index}: {type(exc).__name__}: {exc!r}"[:400] + "".join(tb)[:600]
                )
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
        if cpu > HANG_SECONDS:
            n_slow += 1
            if len(slow) < 5:
                slow.append(f"input {index}: {cpu:.2f}s CPU, {took:.2f}s wall")
        done += 1
        if done % REPORT_EVERY == 0 or index == start + count - 1:
            print(
                json.dumps(
                    {
                        "next": index + 1,
                        "done": done,
                        "untyped": n_untyped,
                        "slow": n_slow,
                        "untyped_samples": untyped,
                        "slow_samples": slow,
                    }
                ),
                flush=True,
            )
            done = n_untyped = n_slow = 0
            untyped, slow = [], []
    os._exit(0)  # the gate's thread and store: nothing to flush that matters to the counts


# --- the parent: runs each target's child, survives its crashes and hangs ----------------


def _lines(proc: subprocess.Popen[str], stall: float) -> Iterator[dict[str, Any] | None]:
    """The child's reports; None when it was silent for ``stall`` seconds."""
    import selectors

    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while True:
        if not sel.select(stall):
            yield None
            return
        line = proc.stdout.readline()
        if not line:
            return
        yield json.loads(line)


def run_target(
    target: str, seed: int, total: int, stall: float, summary: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run ``target`` over ``total`` inputs; ``summary`` (updated as reports arrive, so a
    progress file can show it) is returned."""
    summary = summary if summary is not None else {}
    summary.update(target=target, inputs=0, untyped=0, hangs=0, crashes=0, samples=[])
    start = 0
    t0 = time.monotonic()
    while start < total:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", target, "--seed", str(seed),
             "--start", str(start), "--count", str(total - start)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        stalled = False
        for report in _lines(proc, stall):
            if report is None:
                stalled = True
                break
            start = report["next"]
            summary["inputs"] += report["done"]
            summary["untyped"] += report["untyped"]
            summary["hangs"] += report["slow"]
            summary["samples"] += report["untyped_samples"] + report["slow_samples"]
        if stalled:
            proc.kill()
        status = proc.wait()
        if start >= total:
            break
        # The child died or stalled on an input in the block after ``start``: count it, skip
        # that block (its other inputs are lost to the count, not to the result).
        summary["hangs" if stalled else "crashes"] += 1
        summary["samples"].append(f"{'stall' if stalled else f'exit {status}'} after {start}")
        start += REPORT_EVERY
    summary["seconds"] = round(time.monotonic() - t0, 1)
    summary["samples"] = summary["samples"][:10]
    return summary


def _write_progress(path: str, live: dict[str, dict[str, Any]]) -> None:
    while True:
        time.sleep(10)
        counts = {t: {k: v for k, v in r.items() if k != "samples"} for t, r in live.items()}
        total = sum(r.get("inputs", 0) for r in live.values())
        Path(path).write_text(json.dumps({"inputs": total, "targets": counts}, indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=20_000, help="in all, over the targets")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stall", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--parallel", type=int, default=1, help="targets run at once")
    parser.add_argument("--progress", help="rewrite this file with the counts every 10 s")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.seed, args.start, args.count)
        return 0
    targets = [t for t in args.targets.split(",") if t]
    share = sum(SHARES[t] for t in targets)
    live: dict[str, dict[str, Any]] = {t: {} for t in targets}

    def one(target: str) -> dict[str, Any]:
        n = max(1, round(args.inputs * SHARES[target] / share))
        return run_target(target, args.seed, n, args.stall, live[target])

    if args.progress:
        threading.Thread(target=_write_progress, args=(args.progress, live), daemon=True).start()
    with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
        futures = [pool.submit(one, t) for t in targets]
    results = [f.result() for f in futures]
    for r in results:
        target = r["target"]
        if not args.json:
            print(
                f"{target:8} inputs {r['inputs']:8}  untyped {r['untyped']}  hangs>1s "
                f"{r['hangs']}  crashes {r['crashes']}  ({r['seconds']}s)",
                flush=True,
            )
            for sample in r["samples"]:
                print("    " + sample.replace("\n", "\n    "))
    total = sum(r["inputs"] for r in results)
    bad = sum(r["untyped"] + r["hangs"] + r["crashes"] for r in results)
    if args.json:
        print(json.dumps({"inputs": total, "targets": results}))
    else:
        print(f"total    inputs {total:8}  untyped+hangs+crashes {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
