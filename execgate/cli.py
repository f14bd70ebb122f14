"""The ``execgate`` command line: run, check, log.

stdout carries only the child's output (or JSON with ``--json``); every diagnostic goes to
stderr. Exit codes follow coreutils ``timeout`` and docker: the child's code; 128+N when it
was killed by signal N; 124 timed out; 125 execgate itself failed; 126 refused by the policy
or the scanner; 127 program not found. ``check`` exits 0 when allowed, 126 when denied.
"""

from __future__ import annotations

import bisect
import importlib
import json
import os
import shlex
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar

import anyio
import attrs
import cattrs
import click

from .errors import ExecgateError, PolicyInvalid, ProgramNotFound, Refused, RequestError
from .integrations._text import decision_fields
from .models import (
    RLIMIT_FIELDS,
    ApprovalAnswer,
    ApprovalRequest,
    Decision,
    Event,
    ExecRequest,
    ExecResult,
)
from .policy import Policy, default_policy, load_policy, policy_schema, suggest
from .policy._warnings import always_refused, unchecked_programs
from .scan import scan_text
from .store import DEFAULT_STORE_URL, EventFilter, open_store, resolve_store_url
from .supervisor import Gate

T = TypeVar("T")

EXIT_TIMEOUT = 124
EXIT_FAILED = 125
EXIT_REFUSED = 126
EXIT_NOT_FOUND = 127
EXIT_INTERRUPTED = 130

_json = cattrs.Converter()


def _fail(exc: ExecgateError, as_json: bool) -> NoReturn:
    code = EXIT_FAILED
    if isinstance(exc, ProgramNotFound):
        code = EXIT_NOT_FOUND
    elif isinstance(exc, Refused | RequestError):
        code = EXIT_REFUSED
    if as_json:
        if isinstance(exc, Refused):
            click.echo(json.dumps(decision_fields(exc.decision)))
        else:
            click.echo(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
    click.echo(f"execgate: {exc}", err=True)
    sys.exit(code)


def _result_json(r: ExecResult) -> dict[str, Any]:
    return {
        "job_id": r.job_id,
        "argv": list(r.argv),
        "cwd": r.cwd,
        "exit_code": r.exit_code,
        "signal": r.signal,
        "exit_status": r.exit_status,
        "timed_out": r.timed_out,
        "cancelled": r.cancelled,
        "killed_by": r.killed_by,
        "duration_ms": round(r.duration_ms, 3),
        "truncated_bytes": r.truncated_bytes,
        "stdout_truncated_bytes": r.stdout_truncated_bytes,
        "stderr_truncated_bytes": r.stderr_truncated_bytes,
        "stdout": r.stdout.decode("utf-8", "replace"),
        "stderr": r.stderr.decode("utf-8", "replace"),
        "containment": r.containment,
        "limit_hit": r.limit_hit,
        "sandbox": r.sandbox,
        "recorded": r.recorded,
    }


def _policy(path: str | None, as_json: bool) -> Policy:
    try:
        return load_policy(path) if path else default_policy()
    except ExecgateError as exc:
        _fail(exc, as_json)


def _request(
    program: Sequence[str],
    shell: str | None,
    cwd: str,
    timeout: float | None,
    kill_grace: float | None,
    max_output: int | None,
    kill_on_overflow: bool,
    secure: bool,
    stdin_from: str | None,
    job_id: str | None,
    model_id: str | None,
    session_id: str | None,
    as_json: bool,
    **rlimits: int | None,
) -> ExecRequest:
    if bool(program) == (shell is not None):
        raise click.UsageError("give a program after --, or --shell 'COMMAND LINE', not both")
    stdin: bytes | None = None
    if stdin_from == "-":
        stdin = sys.stdin.buffer.read()
    elif stdin_from is not None:
        try:
            with open(stdin_from, "rb") as f:
                stdin = f.read()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {stdin_from}: {exc.strerror}") from None
    extra: dict[str, Any] = {k: v for k, v in rlimits.items() if v is not None}
    if job_id:
        extra["job_id"] = job_id
    try:
        return ExecRequest(
            argv=list(program) if program else None,
            command=shell,
            cwd=cwd,
            timeout=timeout,
            kill_grace=kill_grace,
            max_output_bytes=max_output,
            on_output_overflow="kill" if kill_on_overflow else "truncate",
            secure=secure,
            stdin=stdin,
            model_id=model_id,
            session_id=session_id,
            **extra,
        )
    except ExecgateError as exc:
        _fail(exc, as_json)


def _common(f: Any) -> Any:
    options = [
        click.option(
            "--policy",
            "policy_path",
            metavar="FILE",
            help="Policy TOML (default: the embedded read-only policy, "
            "workspace = current directory).",
        ),
        click.option(
            "--store",
            default=DEFAULT_STORE_URL,
            show_default=True,
            metavar="URL",
            help="Flight-recorder store URL (default: the workspace's store in the per-user "
            "state directory, $XDG_STATE_HOME/execgate/).",
        ),
        click.option(
            "--cwd",
            default=".",
            show_default=True,
            metavar="DIR",
            help="Working directory, relative to the workspace root.",
        ),
        click.option(
            "--timeout",
            type=float,
            metavar="S",
            help="Seconds before TERM (default and maximum from the policy).",
        ),
        click.option(
            "--kill-grace", type=float, metavar="S", help="Seconds between TERM and KILL."
        ),
        click.option(
            "--max-output",
            type=int,
            metavar="N",
            help="Bytes kept per output stream (head and tail).",
        ),
        click.option(
            "--kill-on-overflow",
            is_flag=True,
            help="Kill the job when an output stream exceeds the cap.",
        ),
        click.option(
            "--secure",
            is_flag=True,
            help="Require secure mode (kernel confinement); refused where unavailable.",
        ),
        *[
            click.option(
                f"--{name.replace('_', '-')}",
                name,
                type=click.IntRange(min=1),
                metavar="N",
                help=f"Resource limit {name} (at most the policy's maximum).",
            )
            for name in RLIMIT_FIELDS
        ],
        click.option(
            "--shell",
            metavar="'COMMAND LINE'",
            help="A shell command line instead of PROGRAM ARGS.",
        ),
        click.option(
            "--stdin-from",
            metavar="FILE",
            help="Feed FILE (or - for this stdin) to the job; default /dev/null.",
        ),
        click.option("--job-id", metavar="ID", help="Job id to record (default: random)."),
        click.option("--model-id", metavar="ID", help="Model id to record."),
        click.option("--session-id", metavar="ID", help="Session id to record."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout."),
        click.argument("program", nargs=-1, type=click.UNPROCESSED),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _tty_approver() -> Any:
    """An approver that asks the person at the terminal (/dev/tty), or None without one: an
    [[ask]] rule then refuses (EG-APPROVAL-REQUIRED). stdin may carry the job's input, so the
    question is asked on the terminal itself."""
    if not (sys.stderr.isatty() and os.path.exists("/dev/tty")):
        return None

    def ask(request: ApprovalRequest) -> ApprovalAnswer:
        what = request.command or shlex.join(request.argv or ())
        # two handles: a tty is not seekable, so it cannot be opened "r+" in text mode
        with open("/dev/tty", "w") as out, open("/dev/tty") as inp:
            out.write(f"execgate: {request.reason}\n  {what}\n  in {request.cwd}\n")
            out.write("allow? [o]nce / [j]ob / [w]orkspace (1 h) / [N]o: ")
            out.flush()
            reply = inp.readline().strip().lower()[:1]
        scope = {"o": "once", "j": "job", "w": "workspace"}.get(reply, "deny")
        return ApprovalAnswer(scope=scope, ttl=3600.0 if scope == "workspace" else None)  # type: ignore[arg-type]

    async def approver(request: ApprovalRequest) -> ApprovalAnswer:
        return await anyio.to_thread.run_sync(ask, request, abandon_on_cancel=True)

    return approver


def _through_gate(
    policy: Policy, store: str, as_json: bool, action: Callable[[Gate], Awaitable[T]]
) -> T:
    """Open a gate on trio, do ``action``, close it; map failures to exit codes."""

    async def go() -> T:
        async with Gate.open(policy, store, approver=_tty_approver()) as gate:
            return await action(gate)

    try:
        return anyio.run(go, backend="trio")
    except ExecgateError as exc:
        _fail(exc, as_json)
    except KeyboardInterrupt:
        click.echo("execgate: interrupted; the job was ended", err=True)
        sys.exit(EXIT_INTERRUPTED)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="execgate")
def main() -> None:
    """execgate: scan, decide, run under hard limits, and record every command."""


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@_common
def run(policy_path: str | None, store: str, as_json: bool, **kw: Any) -> None:
    """Run PROGRAM ARGS (after --) or --shell 'LINE' through the gate."""
    policy = _policy(policy_path, as_json)
    request = _request(as_json=as_json, **kw)
    result: ExecResult = _through_gate(policy, store, as_json, lambda g: g.run(request))
    if as_json:
        click.echo(json.dumps(_result_json(result)))
    else:
        sys.stdout.buffer.write(result.stdout)
        sys.stdout.buffer.flush()
        sys.stderr.buffer.write(result.stderr)
        sys.stderr.buffer.flush()
        if result.timed_out:
            click.echo(
                f"execgate: timed out after {request.timeout or policy.limits.timeout}s", err=True
            )
        if result.truncated_bytes:
            click.echo(f"execgate: {result.truncated_bytes} bytes of output truncated", err=True)
        if not result.recorded:
            click.echo("execgate: warning: the result could not be recorded", err=True)
    sys.exit(result.exit_status)


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@_common
def check(policy_path: str | None, store: str, as_json: bool, **kw: Any) -> None:
    """Decide on PROGRAM ARGS or --shell 'LINE' without running anything."""
    policy = _policy(policy_path, as_json)
    request = _request(as_json=as_json, **kw)
    decision: Decision = _through_gate(policy, store, as_json, lambda g: g.check(request))
    if as_json:
        click.echo(json.dumps(decision_fields(decision)))
    else:
        click.echo(
            f"{decision.verdict}: [{decision.code}] {decision.rule}: {decision.reason}", err=True
        )
    sys.exit(0 if decision.allowed else EXIT_REFUSED)


def _short_job(job_id: str | None) -> str:
    """A job id for a table: its last 12 characters, the random part. The first half of an id
    is its creation time (the store's index stays in order), so jobs started together share
    it; ``--json`` shows whole ids, which ``--job`` takes."""
    if job_id is None:
        return "-"
    return job_id if len(job_id) <= 12 else "…" + job_id[-12:]


def _event_line(ev: Event) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ev.ts))
    job = _short_job(ev.job_id)
    what = ev.command if ev.command is not None else shlex.join(ev.argv) if ev.argv else ""
    if ev.kind == "decision":
        status = f"{ev.decision} {ev.code} ({ev.rule})"
    elif ev.kind == "result":
        flags = "".join(
            f" {name}"
            for name, on in (("timed_out", ev.timed_out), ("cancelled", ev.cancelled))
            if on
        )
        status = f"exit={ev.exit_code} signal={ev.signal} {ev.duration_ms}ms{flags}"
        if ev.truncated_bytes:
            status += f" truncated={ev.truncated_bytes}"
    elif ev.kind == "error":
        status = f"{ev.code} {ev.reason}"
    else:
        status = ev.detail or ""
    return f"{when} {ev.kind:<16} {ev.actor:<10} {job:<13} {status} {what}".rstrip()


def _since(value: str | None) -> float | None:
    """``--since``: seconds ago with a unit (``90s``, ``15m``, ``2h``, ``7d``) or ISO 8601."""
    if value is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if value[-1:] in units and value[:-1].replace(".", "", 1).isdigit():
        return time.time() - float(value[:-1]) * units[value[-1]]
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise click.BadParameter(f"{value!r}: use e.g. 15m, 2h, 7d or 2026-11-24T08:00") from None


_STORE_POLICY = click.option(
    "--policy",
    "policy_path",
    metavar="FILE",
    help="Open the default store of this policy's workspace (default: the current directory's).",
)


def _store_for(store: str, policy_path: str | None, as_json: bool) -> str:
    """``store``, or the default store of ``policy_path``'s workspace."""
    if policy_path is None:
        return store
    return resolve_store_url(store, _policy(policy_path, as_json).root)


def _filters(f: Any) -> Any:
    options = [
        click.option("--store", default=DEFAULT_STORE_URL, show_default=True, metavar="URL"),
        _STORE_POLICY,
        click.option("--job", "job_id", metavar="ID", help="Only this job's events."),
        click.option("--session", "session_id", metavar="ID", help="Only this session's events."),
        click.option("--model", "model_id", metavar="ID", help="Only this model's events."),
        click.option(
            "--decision", type=click.Choice(["allow", "deny"]), help="Only these decisions."
        ),
        click.option("--kind", help="Only this kind (decision, result, error, interrupted, ...)."),
        click.option("--since", metavar="WHEN", help="Only events since WHEN (15m, 2h, 7d, ISO)."),
        click.option("--host", "host_id", metavar="ID", help="Only events written on this host."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@main.command()
@_filters
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events until interrupted.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--table/--lines",
    "table",
    default=None,
    help="A table (default on a terminal) or one line per event (default otherwise).",
)
def log(
    store: str,
    policy_path: str | None,
    limit: int,
    follow: bool,
    as_json: bool,
    table: bool | None,
    since: str | None,
    **filters: Any,
) -> None:
    """Show the newest recorded events, oldest first."""
    where = EventFilter(since=_since(since), **filters)
    as_table = (sys.stdout.isatty() if table is None else table) and not as_json and not follow

    def show(ev: Event) -> None:
        click.echo(json.dumps(_json.unstructure(ev)) if as_json else _event_line(ev))

    try:
        st = open_store(_store_for(store, policy_path, as_json))
        try:
            events = st.query(limit=limit, where=where)
            if as_table:
                _print_table(events)
                return
            for ev in events:
                show(ev)
            if not follow:
                return
            seen = {ev.event_id for ev in events}
            last = events[-1].ts if events else time.time()
            while True:
                time.sleep(0.5)
                fresh = st.query(limit=None, where=attrs.evolve(where, since=last))
                for ev in fresh:
                    if ev.event_id not in seen:
                        show(ev)
                        seen.add(ev.event_id)
                        last = max(last, ev.ts)
                sys.stdout.flush()
        finally:
            st.close()
    except ExecgateError as exc:
        _fail(exc, as_json)
    except KeyboardInterrupt:
        return


@main.command()
@click.option("--store", default=DEFAULT_STORE_URL, show_default=True, metavar="URL")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per gate.")
def fleet(store: str, as_json: bool) -> None:
    """The gates that share STORE: host, process, lease, jobs running, recovery."""
    try:
        st = open_store(store)
        try:
            leases = st.leases()
        finally:
            st.close()
    except ExecgateError as exc:
        _fail(exc, as_json)
    now = time.time()
    for lease in leases:
        state = lease.state(now)
        if as_json:
            click.echo(json.dumps({**attrs.asdict(lease), "state": state}))
            continue
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(lease.started))
        line = (
            f"{lease.host_id}  pid {lease.pid}  {state}  {lease.running_jobs} running  "
            f"since {started}  chain {lease.chain_id[:12]}"
        )
        if lease.recovered_by is not None:
            line += f"  recovered by chain {lease.recovered_by[:12]}"
        click.echo(line)


@main.command()
@click.option("--store", default=DEFAULT_STORE_URL, show_default=True, metavar="URL")
def recover(store: str) -> None:
    """Mark as interrupted the unfinished jobs of dead gates: those whose lease expired (on
    any host) and, on this host, those whose process is gone. Each is marked once, however
    many gates or recover commands run at the same time."""
    import socket

    from .store import host_id
    from .supervisor._events import lifecycle_event

    try:
        st = open_store(store)
        try:
            # this run is a short chain of its own: opened and closed like a gate's
            st.append(
                [
                    lifecycle_event(
                        "supervisor_start", "cli", pid=os.getpid(), host=socket.gethostname(),
                        host_id=host_id(), command="recover",
                    )
                ]
            )  # fmt: skip
            marked = st.recover_interrupted()
            st.append([lifecycle_event("supervisor_stop", "cli", marked=len(marked))])
        finally:
            st.close()
    except ExecgateError as exc:
        _fail(exc, False)
    click.echo(f"marked {len(marked)} job(s) interrupted")


def _print_table(events: list[Event]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    for column in ("time", "host", "kind", "job", "decision / exit", "code", "command"):
        table.add_column(column, overflow="fold")
    for ev in events:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ev.ts))
        what = ev.command if ev.command is not None else shlex.join(ev.argv) if ev.argv else ""
        if ev.kind == "decision":
            status = str(ev.decision)
        elif ev.kind == "result":
            status = f"exit {ev.exit_code}" if ev.signal is None else f"signal {ev.signal}"
            if ev.timed_out:
                status += " (timed out)"
        else:
            status = ""
        host = ev.host_id or ""
        table.add_row(when, host, ev.kind, _short_job(ev.job_id), status, ev.code or "", what)
    Console(soft_wrap=False).print(table)


@main.command()
@_filters
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
def export(
    store: str, policy_path: str | None, fmt: str, since: str | None, **filters: Any
) -> None:
    """Write every matching event, oldest first, one JSON object per line."""
    where = EventFilter(since=_since(since), **filters)
    try:
        st = open_store(_store_for(store, policy_path, False))
        try:
            for ev in st.query(limit=None, where=where):
                click.echo(json.dumps(_json.unstructure(ev)))
        finally:
            st.close()
    except ExecgateError as exc:
        _fail(exc, False)


@main.command()
@click.option("--store", default=DEFAULT_STORE_URL, show_default=True, metavar="URL")
@click.option("--policy", "policy_path", metavar="FILE", help="Take the retention from here.")
@click.option("--retention-days", type=click.FloatRange(min=0), help="Events (0: forever).")
@click.option("--output-retention-days", type=click.FloatRange(min=0), help="Stored output.")
def purge(
    store: str,
    policy_path: str | None,
    retention_days: float | None,
    output_retention_days: float | None,
) -> None:
    """Apply the retention now (a gate also does on opening); the purge is recorded."""
    pol = _policy(policy_path, False)
    rec = pol.recorder
    try:
        st = open_store(resolve_store_url(store, pol.root))
        try:
            ev = st.purge(
                retention_days=rec.retention_days if retention_days is None else retention_days,
                output_retention_days=(
                    rec.output_retention_days
                    if output_retention_days is None
                    else output_retention_days
                ),
            )
        finally:
            st.close()
    except ExecgateError as exc:
        _fail(exc, False)
    click.echo(ev.detail if ev is not None else '{"events_deleted": 0, "outputs_deleted": 0}')


@main.command()
@click.option("--store", default=DEFAULT_STORE_URL, show_default=True, metavar="URL")
@_STORE_POLICY
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(store: str, policy_path: str | None, as_json: bool) -> None:
    """Check every hash chain in the store; exit 1 at the first broken link of any chain."""
    try:
        st = open_store(_store_for(store, policy_path, as_json))
        try:
            report = st.verify()
        finally:
            st.close()
    except ExecgateError as exc:
        _fail(exc, as_json)
    if as_json:
        click.echo(json.dumps(_json.unstructure(report)))
    else:
        click.echo(f"{report.chains} chain(s), {report.events} event(s)")
        for b in report.breaks:
            click.echo(f"BROKEN chain {b.chain_id} at #{b.chain_seq} ({b.event_id}): {b.problem}")
        for chain_id in report.unsealed:
            click.echo(
                f"note: chain {chain_id} has no supervisor_stop (crashed, or its tail deleted)"
            )
        for chain_id in report.recovered:
            click.echo(f"note: chain {chain_id} was closed by recovery (its gate died)")
        click.echo("ok" if report.ok else "TAMPERED")
    sys.exit(0 if report.ok else 1)


def _doctor_checks() -> list[tuple[str, bool, str]]:
    """(what, available, detail) for each mechanism execgate relies on, on this host."""
    import platform
    import shutil

    from .process._tree import CgroupContainment, _cgroup2_mount, _own_cgroup

    checks: list[tuple[str, bool, str]] = []
    cg = CgroupContainment.create()
    if cg is not None:
        checks.append(("cgroup containment", True, f"{cg.base} (cgroup.kill ends whole trees)"))
        cg.close()
    else:
        mount, own = _cgroup2_mount(), _own_cgroup()
        why = "no cgroup2 mount" if mount is None else f"cannot create a child of {own} at {mount}"
        checks.append(("cgroup containment", False, f"{why}; process-group fallback applies"))
    checks.append(("process-group fallback", True, "killpg + subreaper sweep (best effort)"))
    from .process._spawn import detach_works, native_spawn_usable

    if native_spawn_usable():
        detached = "detached while other jobs run"
        if not detach_works():
            detached = "waits for each exec (not x86-64)"
        checks.append(
            ("native spawn helper", True, f"cgroups joined between clone and exec; {detached}")
        )
    else:
        forced = os.environ.get("EXECGATE_NATIVE_SPAWN") == "0"
        why = (
            "off (EXECGATE_NATIVE_SPAWN=0)"
            if forced
            else "not built (installed without a C compiler) or kernel < 5.9"
        )
        checks.append(("native spawn helper", False, f"{why}: jobs start through /bin/sh"))
    sh = shutil.which("sh", path="/bin:/usr/bin")
    checks.append(("/bin/sh", os.path.exists("/bin/sh"), sh or "missing: no scripts, no limits"))
    try:
        from .policy._script import parse_script

        parse_script("true && true")
        checks.append(("bash grammar (tree-sitter)", True, "lists, pipelines, redirections"))
    except Exception as exc:  # report, never crash the doctor
        checks.append(("bash grammar (tree-sitter)", False, repr(exc)))
    try:
        import psycopg

        checks.append(("PostgreSQL store", True, f"psycopg {psycopg.__version__}"))
    except ImportError:
        checks.append(("PostgreSQL store", False, "pip install 'execgate[postgres]'"))
    from .process._cglimits import TreeLimits

    tree = TreeLimits.create()
    try:
        enforced = tree.enforced
        for limit, controller in (("processes", "pids"), ("memory_bytes", "memory")):
            where = tree.bases.get(controller)
            checks.append(
                (
                    f"{limit} on the whole tree",
                    where is not None,
                    f"{controller} cgroup under {os.path.dirname(where)}"
                    if where
                    else f"no writable {controller} controller: per-process rlimit only",
                )
            )
    finally:
        tree.close()
    if "processes" not in enforced and os.geteuid() == 0:
        checks.append(("processes (RLIMIT_NPROC)", False, "not enforced for root"))
    from .process._sandbox import layers, support

    ok, why = support()
    checks.append(("secure mode", ok, why if ok else f'{why}; secure = "required" refuses'))
    checks += layers() if ok else []
    # What those mechanisms mean, in the README's terms ("What execgate guarantees").
    tree_kill = "cgroup.kill" if checks[0][1] else "best effort (process-group fallback)"
    checks += [
        ("guarantee: whole-tree kill", True, tree_kill),
        ("guarantee: fork bomb stopped", "processes" in enforced,
         "pids.max" if "processes" in enforced else "timeout only"),
        ("guarantee: writes only in workspace", ok,
         "in secure mode" if ok else "arguments only (no secure mode here)"),
        ("guarantee: no network, no other pids", ok,
         "in secure mode" if ok else "not available here"),
    ]  # fmt: skip
    checks.append(("python", True, platform.python_version()))
    return checks


@main.command()
@click.option("--json", "as_json", is_flag=True)
def doctor(as_json: bool) -> None:
    """Report which containment and isolation mechanisms this host supports."""
    checks = _doctor_checks()
    if as_json:
        click.echo(json.dumps([{"check": c, "ok": ok, "detail": d} for c, ok, d in checks]))
        return
    for what, ok, detail in checks:
        click.echo(f"{'ok ' if ok else 'no '} {what:<36} {detail}")


@main.command()
@click.option("--policy", "policy_path", metavar="FILE", help="Policy file (default: read-only).")
@click.option("--store", default=DEFAULT_STORE_URL, show_default=True, metavar="URL")
@click.option(
    "--backend", type=click.Choice(["trio", "asyncio"]), default="trio", show_default=True
)
@click.option(
    "--http",
    "address",
    metavar="HOST:PORT",
    help="Serve streamable HTTP here instead of stdio (extra `server`; port 0: any free port).",
)
@click.option(
    "--token-file",
    metavar="FILE",
    help="Bearer tokens, one `CALLER TOKEN` a line (also: EXECGATE_MCP_TOKEN, caller `default`).",
)
@click.option("--jwt-issuer", metavar="URL", help="Accept JWTs of this issuer (`iss`).")
@click.option("--jwt-audience", metavar="AUD", help="...for this audience (`aud`).")
@click.option("--jwks", metavar="FILE|URL", help="...signed by a key of this JWKS.")
@click.option("--no-auth", is_flag=True, help="No authentication (loopback addresses only).")
@click.option("--certfile", metavar="FILE", help="TLS certificate chain (PEM).")
@click.option("--keyfile", metavar="FILE", help="TLS private key (PEM).")
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Plain HTTP on a non-loopback address (a TLS-terminating proxy is in front).",
)
@click.option("--resource-url", metavar="URL", help="The URL clients use, behind a proxy.")
def mcp(
    policy_path: str | None,
    store: str,
    backend: Literal["trio", "asyncio"],
    address: str | None,
    **http: Any,
) -> None:
    """Serve a guarded shell to MCP clients: over stdio (needs the mcp extra), or over
    streamable HTTP with --http (needs the server extra), authenticated unless --no-auth.

    stdout carries only the protocol (stdio); diagnostics go to stderr.
    """
    gate_policy = _policy(policy_path, False)
    try:
        from .integrations import mcp as mcp_server
    except ImportError as exc:
        click.echo(
            f"execgate: the MCP server needs the mcp extra ({exc}): pip install 'execgate[mcp]'",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    try:
        if address is None:
            if any(http.values()):
                raise click.UsageError("HTTP options need --http HOST:PORT")
            mcp_server.main(gate_policy, store, backend)
            return
        from .integrations import _mcp_http

        host, port = _mcp_http.parse_address(address)
        opts = _mcp_http.HttpOptions(host=host, port=port, **http)
        try:
            importlib.import_module("hypercorn" if backend == "trio" else "uvicorn")
        except ImportError as exc:
            click.echo(
                f"execgate: serving HTTP needs the server extra ({exc}): "
                "pip install 'execgate[server]'",
                err=True,
            )
            sys.exit(EXIT_FAILED)
        _mcp_http.main(gate_policy, store, opts, backend)
    except ExecgateError as exc:
        _fail(exc, False)


@main.group()
def policy() -> None:
    """Work with policy files."""


@policy.command("validate")
@click.argument("path", metavar="FILE")
def policy_validate(path: str) -> None:
    """Check FILE; print every problem with its key path. Exit 0 valid, 1 invalid."""
    try:
        p = load_policy(path)
    except PolicyInvalid as exc:
        click.echo(f"{path}: invalid", err=True)
        for problem in exc.problems or (exc.message,):
            click.echo(f"  {problem}")
        sys.exit(1)
    click.echo(
        f"{path}: valid — workspace {p.root}, {len(p.allow)} allow rule(s), "
        f"{len(p.deny)} deny rule(s), recorder level {p.recorder.level}"
    )
    for name in unchecked_programs(p):
        click.echo(
            f"  warning: {name!r} has no built-in rules, so its arguments pass unread; "
            'say args = "any" if that is meant',
            err=True,
        )
    for name in always_refused(p):
        click.echo(
            f"  warning: {name!r} is refused in every use but --version/--help under its "
            'built-in rules; say args = "any" to allow it',
            err=True,
        )


@policy.command("suggest")
@click.option("--store", default=DEFAULT_STORE_URL, show_default=True, metavar="URL")
@click.option("--since", metavar="15m|2h|7d|ISO", help="Only refusals since then.")
@click.option("--session", "session_id", metavar="ID", help="Only this session's refusals.")
def policy_suggest(store: str, since: str | None, session_id: str | None) -> None:
    """Print the smallest set of rules that would allow the refused requests on record,
    each with the requests it covers. Safety refusals (paths outside the workspace, secrets,
    options that run programs, shell constructs) are never suggested."""
    where = EventFilter(since=_since(since), session_id=session_id, decision="deny")
    try:
        st = open_store(store)
        try:
            events = st.query(limit=None, where=where)
        finally:
            st.close()
    except ExecgateError as exc:
        _fail(exc, False)
    found = suggest(events)
    if not found:
        click.echo("# no refusal on record that a rule would allow")
        return
    for item in found:
        click.echo(f"# allows {len(item.requests)} refused request(s):")
        for request in item.requests[:5]:
            click.echo(f"#   {request[:120]}")
        click.echo(item.toml + "\n")


@policy.command("schema")
def policy_schema_cmd() -> None:
    """Print the policy file's JSON Schema."""
    click.echo(json.dumps(policy_schema(), indent=2))


@policy.command("init")
@click.argument("path", default="execgate.toml", metavar="[FILE]")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--template",
    type=click.Choice(["readonly", "python", "node", "python-node"]),
    default="readonly",
    show_default=True,
    help="readonly: the embedded default; the others: a development policy for that kind "
    "of repository.",
)
def policy_init(path: str, force: bool, template: str) -> None:
    """Write a commented starter policy to FILE."""
    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to overwrite it")
    source = resources.files("execgate.policy")
    if template == "readonly":
        text = source.joinpath("default.toml").read_text("utf-8")
    else:
        text = source.joinpath("templates", f"{template}.toml").read_text("utf-8")
    target.write_text(text)
    load_policy(target)  # what we wrote must load
    click.echo(f"wrote {path}; edit [[allow]] to grant more, then: execgate policy validate {path}")


@main.command()
@click.argument("source", default="-", metavar="[FILE|-]")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finding.")
def scan(source: str, as_json: bool) -> None:
    """Scan FILE (or stdin) for secrets; print where they are, never what they are.

    Exit 0 when clean, 1 when anything was found.
    """
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise click.BadParameter(f"cannot read {source}: {exc.strerror}") from None
    text = data.decode("latin-1")  # one code point per byte: offsets are byte offsets
    findings = scan_text(text, source)
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    for f in findings:
        line = bisect.bisect_right(line_starts, f.start)
        if as_json:
            d = _json.unstructure(f)
            d["line"] = line
            click.echo(json.dumps(d))
        else:
            click.echo(
                f"{source}:{line}: {f.rule_id} ({f.provider}, confidence {f.confidence:.2f}) "
                f"bytes {f.start}-{f.end}"
            )
    sys.exit(1 if findings else 0)


__all__ = ["main"]
