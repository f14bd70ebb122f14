"""``execgate doctor`` (what this host offers) and ``execgate scan`` (secrets in a file)."""

from __future__ import annotations

import bisect
import json
import platform
import sys
from pathlib import Path

import click

from ..policy import host_readers
from ..process import host_support
from ..scan import scan_text
from ._common import CONTEXT, json_converter


def doctor_checks() -> list[tuple[str, bool, str]]:
    """(what, available, detail) for each mechanism execgate relies on, on this host, then
    what they add up to in the terms of the guarantees (docs: security model)."""
    host = host_support()
    checks = [(c.name, c.ok, c.detail) for c in host.checks]
    checks += host_readers()
    try:
        import psycopg

        checks.append(("PostgreSQL store", True, f"psycopg {psycopg.__version__}"))
    except ImportError:
        checks.append(("PostgreSQL store", False, "pip install 'execgate[postgres]'"))
    pids = "processes" in host.tree_limits
    checks += [
        ("guarantee: whole-tree kill", True,
         "cgroup.kill" if host.tree_kill else "best effort (process-group fallback)"),
        ("guarantee: fork bomb stopped", pids, "pids.max" if pids else "timeout only"),
        ("guarantee: writes only in workspace", host.secure,
         "in secure mode" if host.secure else "arguments only (no secure mode here)"),
        ("guarantee: no network, no other pids", host.secure,
         "in secure mode" if host.secure else "not available here"),
    ]  # fmt: skip
    checks.append(("python", True, platform.python_version()))
    return checks


@click.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="One JSON array of checks.")
def doctor(as_json: bool) -> None:
    """Report which containment and isolation mechanisms this host supports. Exit 0."""
    checks = doctor_checks()
    if as_json:
        click.echo(json.dumps([{"check": c, "ok": ok, "detail": d} for c, ok, d in checks]))
        return
    for what, ok, detail in checks:
        click.echo(f"{'ok ' if ok else 'no '} {what:<36} {detail}")


@click.command(context_settings=CONTEXT)
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
            d = json_converter.unstructure(f)
            d["line"] = line
            click.echo(json.dumps(d))
        else:
            click.echo(
                f"{source}:{line}: {f.rule_id} ({f.provider}, confidence {f.confidence:.2f}) "
                f"bytes {f.start}-{f.end}"
            )
    sys.exit(1 if findings else 0)
