"""``execgate run`` and ``execgate check``: one request through the gate.

``run`` prints the job's stdout on stdout and its stderr on stderr, and exits with the job's
code (128+N for signal N, 124 timed out, 126 refused, 127 not found, 125 execgate failed).
``check`` decides without running: the decision on stdout, exit 0 allowed or 126 refused.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import stat
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import anyio
import click

from ..errors import ExecgateError, RequestError, RequestTooLarge
from ..integrations import decision_fields
from ..models import (
    RLIMIT_FIELDS,
    ApprovalAnswer,
    ApprovalRequest,
    Decision,
    ExecRequest,
    ExecResult,
)
from ..policy import Policy
from ..supervisor import Gate
from ._common import (
    CONTEXT,
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    Number,
    Size,
    fail,
    load,
    policy_option,
    store_option,
)

T = TypeVar("T")

_USAGE_HINT = "give PROGRAM ARGS after -- (execgate run -- ls -l) or --shell 'COMMAND LINE'"


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


#: Seconds ``--stdin-from`` waits for a pipe, FIFO or device to have data (or end): a FIFO
#: nobody writes to must not hold the command forever.
STDIN_IDLE = 10.0
_CHUNK = 1 << 16


def read_stdin(source: str, limit: int) -> bytes:
    """The bytes of ``source`` (a path, or ``-`` for this process's stdin), refused with
    ``EG-REQUEST-TOO-LARGE`` past ``limit`` (at most ``limit + 1`` bytes are read, so
    ``/dev/zero`` is refused, not read forever). A file that is not a regular file (a FIFO,
    a device) is read as it comes: past ``STDIN_IDLE`` seconds without data or its end, it is
    refused with ``EG-REQUEST-INVALID``. This process's own stdin is waited for as long as it
    takes. Raises OSError when ``source`` cannot be opened or read."""
    if source == "-":
        return _read_limited(sys.stdin.buffer.fileno(), limit, None, "stdin")
    # Non-blocking open: opening a FIFO with no writer would otherwise wait for one.
    fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if regular:
            os.set_blocking(fd, True)
        return _read_limited(fd, limit, None if regular else STDIN_IDLE, source)
    finally:
        os.close(fd)


def _read_limited(fd: int, limit: int, idle: float | None, name: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while size <= limit:
        if idle is not None and not poller.poll(idle * 1000):
            raise RequestError(
                f"--stdin-from {name}: no data and no end of input within {idle:g}s "
                "(a FIFO nobody writes to?)"
            )
        try:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
        except BlockingIOError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestTooLarge(
            f"stdin: more than {limit} bytes, over [limits] max_stdin_bytes = {limit}; "
            "pass large inputs as files in the workspace"
        )
    return b"".join(chunks)


def _default_cwd(policy: Policy) -> str:
    """The current directory relative to the workspace root when it lies inside, so a
    command run from a subdirectory runs there; the root itself otherwise."""
    here = os.path.realpath(os.getcwd())
    if policy.root and (here == policy.root or here.startswith(policy.root.rstrip("/") + "/")):
        return os.path.relpath(here, policy.root)
    return "."


def _request(
    policy: Policy,
    program: Sequence[str],
    shell: str | None,
    cwd: str | None,
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
    if not program and shell is None:
        raise click.UsageError(f"nothing to run: {_USAGE_HINT}")
    if program and shell is not None:
        raise click.UsageError(f"both a program and --shell: {_USAGE_HINT}, not both")
    stdin: bytes | None = None
    if stdin_from is not None:
        try:
            stdin = read_stdin(stdin_from, policy.limits.max_stdin_bytes)
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {stdin_from}: {exc.strerror}", param_hint="'--stdin-from'"
            ) from None
        except ExecgateError as exc:
            fail(exc, as_json)
    extra: dict[str, Any] = {k: v for k, v in rlimits.items() if v is not None}
    if job_id:
        extra["job_id"] = job_id
    try:
        return ExecRequest(
            argv=list(program) if program else None,
            command=shell,
            cwd=_default_cwd(policy) if cwd is None else cwd,
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
        fail(exc, as_json)


def _rlimit_option(name: str) -> Callable[[Any], Any]:
    is_size = name.endswith("_bytes")
    return click.option(
        f"--{name.replace('_', '-')}",
        name,
        type=Size(1) if is_size else Number(1, integer=True),
        metavar="SIZE" if is_size else "N",
        help=f"Resource limit {name}{' (64K, 10M, 2G)' if is_size else ''} "
        "(at most the policy's maximum).",
    )


def _request_options(f: Any) -> Any:
    options = [
        policy_option(
            "Policy TOML (default: an execgate.toml here or above, else the embedded "
            "read-only policy with the current directory as workspace)."
        ),
        store_option,
        click.option(
            "--cwd",
            metavar="DIR",
            help="Working directory, relative to the workspace root (default: the current "
            "directory when inside the workspace, else the root).",
        ),
        click.option(
            "--timeout",
            type=Number(0),
            metavar="S",
            help="Seconds before TERM (default and maximum from the policy).",
        ),
        click.option(
            "--kill-grace",
            type=Number(0),
            metavar="S",
            help="Seconds between TERM and KILL.",
        ),
        click.option(
            "--max-output",
            type=Size(0),
            metavar="SIZE",
            help="Bytes kept per output stream, head and tail (4096, 64K, 10M).",
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
        *[_rlimit_option(name) for name in RLIMIT_FIELDS],
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
        fail(exc, as_json)
    except KeyboardInterrupt:
        click.echo("execgate: interrupted; the job was ended", err=True)
        sys.exit(EXIT_INTERRUPTED)


_REQUEST_CONTEXT = {**CONTEXT, "allow_interspersed_args": False}


@click.command(context_settings=_REQUEST_CONTEXT)
@_request_options
def run(policy_path: str | None, store: str, as_json: bool, **kw: Any) -> None:
    """Run PROGRAM ARGS (after --) or --shell 'LINE' through the gate.

    Exit status: the job's own; 128+N killed by signal N; 124 timed out; 126 refused;
    127 program not found; 125 execgate failed; 2 bad usage.
    """
    policy = load(policy_path, as_json)
    request = _request(policy, as_json=as_json, **kw)
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


@click.command(context_settings=_REQUEST_CONTEXT)
@_request_options
def check(policy_path: str | None, store: str, as_json: bool, **kw: Any) -> None:
    """Decide on PROGRAM ARGS or --shell 'LINE' without running anything.

    Prints the decision on stdout; exit 0 allowed, 126 refused.
    """
    policy = load(policy_path, as_json)
    request = _request(policy, as_json=as_json, **kw)
    decision: Decision = _through_gate(policy, store, as_json, lambda g: g.check(request))
    if as_json:
        click.echo(json.dumps(decision_fields(decision)))
    else:
        click.echo(f"{decision.verdict}: [{decision.code}] {decision.rule}: {decision.reason}")
    sys.exit(0 if decision.allowed else EXIT_REFUSED)
