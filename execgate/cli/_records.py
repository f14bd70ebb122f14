"""The flight recorder from the command line: ``log``, ``export``, ``verify``, ``fleet``,
``recover``, ``purge``.

None of them creates a store: a store that is not there is ``EG-STORE-MISSING``, exit 2,
so a mistyped ``--store`` is an error, not a new empty record.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import time
import typing
from typing import Any

import attrs
import click

from ..errors import ExecgateError
from ..models import Event, EventKind
from ..store import EventFilter, host_id
from ..supervisor import lifecycle_event
from ._common import (
    CONTEXT,
    Number,
    existing_store,
    fail,
    json_converter,
    load,
    policy_option,
    store_option,
)
from ._common import since as parse_since

#: Every kind of event, for ``--kind``.
KINDS: tuple[str, ...] = typing.get_args(EventKind)
#: The rows each gate (each ``run`` or ``check``) adds when it starts and stops: ``log``
#: leaves them out unless asked (``--all``, or ``--kind`` naming one).
LIFECYCLE_KINDS = ("supervisor_start", "supervisor_stop")

_store_policy = policy_option(
    "Use this policy's workspace's default store (default: the policy that applies here)."
)


def _short_job(job_id: str | None) -> str:
    """A job id for a table: its last 12 characters, the random part. The first half of an id
    is its creation time (the store's index stays in order), so jobs started together share
    it; ``--json`` shows whole ids, which ``--job`` takes."""
    if job_id is None:
        return "-"
    return job_id if len(job_id) <= 12 else "…" + job_id[-12:]


def _what(ev: Event) -> str:
    return ev.command if ev.command is not None else shlex.join(ev.argv) if ev.argv else ""


def _event_line(ev: Event) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ev.ts))
    job = _short_job(ev.job_id)
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
        status = f"{ev.code}"
    else:
        status = ev.detail or ""
    line = f"{when} {ev.kind:<16} {ev.actor:<10} {job:<13} {status} {_what(ev)}".rstrip()
    if ev.reason and ev.kind in ("decision", "error"):
        line += f"  # {ev.reason}"
    return _printable(line)


def _printable(text: str) -> str:
    """``text`` with every character a terminal would act on (a newline that would start a
    forged row, a carriage return, an escape sequence) shown as its escape instead."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _print_table(events: list[Event]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, header_style="bold")
    # a fleet's events name their host; one host's need not say it on every row
    hosts = len({ev.host_id for ev in events}) > 1
    columns = ("time", "kind", "job", "decision / exit", "code", "rule", "command", "reason")
    for column in ("host", *columns) if hosts else columns:
        table.add_column(column, overflow="fold")
    for ev in events:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ev.ts))
        if ev.kind == "decision":
            status = str(ev.decision)
        elif ev.kind == "result":
            status = f"exit {ev.exit_code}" if ev.signal is None else f"signal {ev.signal}"
            if ev.timed_out:
                status += " (timed out)"
        else:
            status = ""
        cells = (
            *((ev.host_id or "",) if hosts else ()),
            when,
            ev.kind,
            _short_job(ev.job_id),
            status,
            ev.code or "",
            ev.rule or "",
            _what(ev),
            ev.reason or "",
        )
        # Text, not markup: a command or a reason may hold [brackets] ("add [[allow]]")
        table.add_row(*(Text(_printable(cell)) for cell in cells))
    Console(soft_wrap=False).print(table)


def _filters(f: Any) -> Any:
    options = [
        store_option,
        _store_policy,
        click.option("--job", "job_id", metavar="ID", help="Only this job's events."),
        click.option("--session", "session_id", metavar="ID", help="Only this session's events."),
        click.option("--model", "model_id", metavar="ID", help="Only this model's events."),
        click.option(
            "--decision", type=click.Choice(["allow", "deny"]), help="Only these decisions."
        ),
        click.option("--kind", type=click.Choice(KINDS), help="Only events of this kind."),
        click.option("--since", metavar="WHEN", help="Only events since WHEN (15m, 2h, 7d, ISO)."),
        click.option("--host", "host_id", metavar="ID", help="Only events of gates on this host."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.command(context_settings=CONTEXT)
@_filters
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=Number(1, integer=True),
    help="How many of the newest events to show.",
)
@click.option("--all", "show_all", is_flag=True, help="Show the gates' start and stop rows too.")
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
    show_all: bool,
    follow: bool,
    as_json: bool,
    table: bool | None,
    since: str | None,
    **filters: Any,
) -> None:
    """Show the newest recorded events, oldest first: decisions, results, errors.

    The start and stop rows each gate adds are left out unless --all or --kind names them.
    Exit 0; 2 when there is no store to read.
    """
    hidden = () if show_all or filters["kind"] else LIFECYCLE_KINDS
    try:
        where = EventFilter(since=parse_since(since), exclude_kinds=hidden, **filters)
    except ExecgateError as exc:  # a filter that is not text: the caller's, exit 126
        fail(exc, as_json)
    as_table = (sys.stdout.isatty() if table is None else table) and not as_json and not follow

    def show(ev: Event) -> None:
        click.echo(json.dumps(json_converter.unstructure(ev)) if as_json else _event_line(ev))

    st = existing_store(store, policy_path, as_json)
    try:
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
        fail(exc, as_json)
    except KeyboardInterrupt:
        return


@click.command(context_settings=CONTEXT)
@_filters
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
def export(
    store: str, policy_path: str | None, fmt: str, since: str | None, **filters: Any
) -> None:
    """Write every matching event, oldest first, one JSON object per line (all kinds)."""
    try:
        where = EventFilter(since=parse_since(since), **filters)
    except ExecgateError as exc:  # a filter that is not text: the caller's, exit 126
        fail(exc, False)
    st = existing_store(store, policy_path, False)
    try:
        try:
            for ev in st.query(limit=None, where=where):
                click.echo(json.dumps(json_converter.unstructure(ev)))
        finally:
            st.close()
    except ExecgateError as exc:
        fail(exc, False)


@click.command(context_settings=CONTEXT)
@store_option
@_store_policy
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(store: str, policy_path: str | None, as_json: bool) -> None:
    """Check every hash chain in the store.

    Exit 0 intact; 1 at the first broken link of any chain; 2 no store to read.
    """
    st = existing_store(store, policy_path, as_json)
    try:
        try:
            report = st.verify()
        finally:
            st.close()
    except ExecgateError as exc:
        fail(exc, as_json)
    if as_json:
        click.echo(json.dumps(json_converter.unstructure(report)))
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


@click.command(context_settings=CONTEXT)
@store_option
@_store_policy
@click.option("--json", "as_json", is_flag=True, help="One JSON object per gate.")
def fleet(store: str, policy_path: str | None, as_json: bool) -> None:
    """The gates that share STORE: host, process, lease, jobs running, recovery."""
    st = existing_store(store, policy_path, as_json)
    try:
        try:
            leases = st.leases()
        finally:
            st.close()
    except ExecgateError as exc:
        fail(exc, as_json)
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


@click.command(context_settings=CONTEXT)
@store_option
@_store_policy
def recover(store: str, policy_path: str | None) -> None:
    """Mark as interrupted the unfinished jobs of dead gates: those whose lease expired (on
    any host) and, on this host, those whose process is gone. Each is marked once, however
    many gates or recover commands run at the same time."""
    st = existing_store(store, policy_path, False)
    try:
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
        fail(exc, False)
    click.echo(f"marked {len(marked)} job(s) interrupted")


@click.command(context_settings=CONTEXT)
@store_option
@policy_option("Take the retention (and the default store) from this policy.")
@click.option("--retention-days", type=Number(0), help="Events (0: forever).")
@click.option("--output-retention-days", type=Number(0), help="Stored output.")
def purge(
    store: str,
    policy_path: str | None,
    retention_days: float | None,
    output_retention_days: float | None,
) -> None:
    """Apply the retention now (a gate also does on opening); the purge is recorded."""
    rec = load(policy_path, False).recorder
    st = existing_store(store, policy_path, False)
    try:
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
        fail(exc, False)
    click.echo(ev.detail if ev is not None else '{"events_deleted": 0, "outputs_deleted": 0}')
