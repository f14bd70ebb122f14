"""The values that flow through execgate: requests, decisions, plans, results, findings, events.

All are frozen attrs classes. They carry no behaviour beyond validation and small derived
properties; the actors move them and the pure cores (``policy``, ``scan``) compute them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ._decision import Decision as Decision  # re-exported: the models speak of it
from ._decision import VerdictKind as VerdictKind
from ._units import shown
from .errors import RequestError, RequestTooLarge

#: What the flight recorder keeps of a job (TERM-LOG-001), least to most:
#: ``none`` records decisions and results with the program only (no arguments, no output);
#: ``commands_only`` adds the redacted command line (the default);
#: ``commands_plus_redacted_output`` adds stdout and stderr, redacted, within the output cap.
LogLevel = Literal["none", "commands_only", "commands_plus_redacted_output"]
LOG_LEVELS: tuple[LogLevel, ...] = ("none", "commands_only", "commands_plus_redacted_output")
OverflowAction = Literal["truncate", "kill"]
#: Why execgate ended a job: its timeout, its caller's cancellation, its output cap, the
#: gate's shutdown, or the gate's lost lease (``EG-LEASE-LOST``: its caller gets that error).
KillReason = Literal["timeout", "cancelled", "output_limit", "shutdown", "lease_lost"]


#: Resource limits a request or policy may set, each applied with setrlimit before the
#: program's first instruction (see process/_tree.py).
RLIMIT_FIELDS = ("cpu_seconds", "memory_bytes", "open_files", "file_size_bytes", "processes")

#: Bounds on what one request may carry, so that scanning and spawning stay cheap and a
#: hostile request cannot exhaust memory. Linux itself refuses one argv word over 128 KiB.
MAX_ARG_BYTES = 128 * 1024
MAX_ARGV_TOTAL_BYTES = 1024 * 1024
MAX_COMMAND_BYTES = 128 * 1024
MAX_STDIN_BYTES = 16 * 1024 * 1024
#: The longest job_id, model_id, session_id or idempotency_key a request may carry.
MAX_ID_CHARS = 256
#: The longest cwd, in UTF-8 bytes: Linux's PATH_MAX. A longer path can never name a
#: directory (chdir refuses it with ENAMETOOLONG), and resolving one cost the event loop
#: time quadratic in its length (posixpath.realpath), stalling every other job.
MAX_CWD_BYTES = 4096
#: The longest env override name, in UTF-8 bytes: no real variable name comes near it, and a
#: name is matched against the policy's env patterns on the event loop.
MAX_ENV_NAME_BYTES = 1024
#: The most env overrides one request may carry: each is decided on the event loop.
MAX_ENV_OVERRIDES = 1024
#: The largest integer limit a request may name: setrlimit and the C code behind the Runner
#: take 64-bit values, and a larger Python int crashed the Runner with OverflowError.
MAX_INT = 2**63 - 1


#: Random bytes for ids, read 4 KiB at a time: one getrandom call per 512 ids, where each id
#: (three per job) made its own call. Dropped in a forked child, so no two processes share it.
_pool = b""
_pool_at = 0
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    global _pool, _pool_at, _pool_lock
    _pool, _pool_at, _pool_lock = b"", 0, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def _random_hex8() -> str:
    """64 random bits as 16 hex digits."""
    global _pool, _pool_at
    with _pool_lock:
        if _pool_at >= len(_pool):
            _pool, _pool_at = os.urandom(4096), 0
        tag = _pool[_pool_at : _pool_at + 8]
        _pool_at += 8
    return tag.hex()


def new_event_id() -> str:
    """A unique id that sorts by creation time (nanosecond clock, then 64 random bits), so
    the store's primary-key index grows at its end instead of at random places."""
    return f"{time.time_ns():016x}{_random_hex8()}"


def _new_job_id() -> str:
    """Like an event id: time-ordered, 64 random bits. Random (uuid4) job ids would scatter
    the store's job_id index, and inserts slow down as it grows."""
    return new_event_id()


def _no_nul(field: str, value: str) -> None:
    """``value`` must be storable and passable: no NUL (no program can receive one, and
    PostgreSQL text cannot hold one) and valid UTF-8 (a lone surrogate, which JSON's
    ``"\\ud800"`` decodes to, encodes to nothing a program or a database takes)."""
    if "\x00" in value:
        raise RequestError(f"{field}: contains a NUL byte, which no program can receive")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RequestError(
            f"{field}: not valid Unicode text (lone surrogate {value[exc.start]!r} at "
            f"character {exc.start}); send UTF-8"
        ) from None


def check_text(field: str, value: object) -> None:
    """An optional text field (an id, a key, a filter): None or a str without NUL that is valid
    UTF-8; else :class:`RequestError` naming ``field``."""
    if value is None:
        return
    if not isinstance(value, str):
        raise RequestError(f"{field}: expected a str, got {type(value).__name__}")
    _no_nul(field, value)


def _positive_or_none(_inst: object, att: attrs.Attribute[Any], value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"{att.name}: expected a number of seconds, got {shown(value)}")
    if not value > 0 or value != value or value == float("inf"):
        raise RequestError(f"{att.name}: expected a positive finite number, got {shown(value)}")


def _nonneg_or_none(_inst: object, att: attrs.Attribute[Any], value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"{att.name}: expected a number, got {shown(value)}")
    if not value >= 0 or value == float("inf"):
        raise RequestError(f"{att.name}: expected a finite number >= 0, got {shown(value)}")


def _to_argv(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        raise RequestError("argv: expected a list of strings, got a single string (use command=)")
    try:
        return tuple(value)
    except TypeError:
        got = type(value).__name__
        raise RequestError(f"argv: expected a list of strings, got {got}") from None


def _to_env(value: Any) -> Mapping[str, str | None]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RequestError(f"env_overrides: expected a mapping, got {type(value).__name__}")
    return dict(value)


@attrs.frozen(kw_only=True)
class ExecRequest:
    """One guarded execution request.

    Exactly one of ``argv`` (a list of strings, run without a shell) or ``command`` (a shell
    command line, parsed and decided word by word; see the policy docs for what is accepted)
    must be given. ``cwd`` is relative to the policy's workspace root. Limits left ``None``
    take the policy's defaults; a limit above the policy's maximum is refused
    (``EG-LIMIT-EXCEEDED``), never silently clamped.

    ``max_output_bytes`` applies to each captured stream separately; ``on_output_overflow``
    chooses between keeping head and tail (``"truncate"``) and killing the job (``"kill"``).
    ``env_overrides`` sets (str) or unsets (None) variables on top of the policy's env.
    """

    argv: tuple[str, ...] | None = attrs.field(default=None, converter=_to_argv)
    command: str | None = None
    cwd: str = "."
    timeout: float | None = attrs.field(default=None, validator=_positive_or_none)
    kill_grace: float | None = attrs.field(default=None, validator=_nonneg_or_none)
    max_output_bytes: int | None = None
    on_output_overflow: OverflowAction = "truncate"
    cpu_seconds: int | None = None
    memory_bytes: int | None = None
    open_files: int | None = None
    file_size_bytes: int | None = None
    processes: int | None = None
    env_overrides: Mapping[str, str | None] = attrs.field(factory=dict, converter=_to_env)
    stdin: bytes | None = None
    capture_stdout: bool = True
    capture_stderr: bool = True
    idempotency_key: str | None = None
    log_level: LogLevel | None = None
    #: Require secure mode for this request (refused where the host cannot confine it).
    secure: bool = False
    job_id: str = attrs.field(factory=_new_job_id)
    model_id: str | None = None
    session_id: str | None = None

    @classmethod
    def build(cls, request: ExecRequest | None, fields: Mapping[str, Any]) -> ExecRequest:
        """``request`` itself, or one built from keyword ``fields``; a typo in a field name is a
        :class:`RequestError`, not a TypeError."""
        if request is not None:
            if fields:
                raise RequestError("pass an ExecRequest or keyword fields, not both")
            if not isinstance(request, ExecRequest):
                raise RequestError(f"expected an ExecRequest, got {type(request).__name__}")
            return request
        known = {a.name for a in attrs.fields(cls)}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise RequestError(f"unknown request field(s): {', '.join(shown(n) for n in unknown)}")
        return cls(**fields)

    def __attrs_post_init__(self) -> None:
        if (self.argv is None) == (self.command is None):
            raise RequestError("give exactly one of argv (a list) or command (a shell line)")
        if self.argv is not None:
            if not self.argv:
                raise RequestError("argv: must not be empty")
            for i, word in enumerate(self.argv):
                if not isinstance(word, str):
                    raise RequestError(f"argv[{i}]: expected str, got {type(word).__name__}")
                _no_nul(f"argv[{i}]", word)
            if not self.argv[0]:
                raise RequestError("argv[0]: the program name must not be empty")
            sizes = [len(w.encode("utf-8")) for w in self.argv]
            if max(sizes) > MAX_ARG_BYTES:
                raise RequestTooLarge(f"argv: a word is longer than {MAX_ARG_BYTES} bytes")
            if sum(sizes) > MAX_ARGV_TOTAL_BYTES:
                raise RequestTooLarge(f"argv: longer than {MAX_ARGV_TOTAL_BYTES} bytes in all")
        if self.command is not None:
            if not isinstance(self.command, str):
                raise RequestError("command: expected a str")
            _no_nul("command", self.command)
            if not self.command.strip():
                raise RequestError("command: must not be blank")
            if len(self.command.encode("utf-8")) > MAX_COMMAND_BYTES:
                raise RequestTooLarge(f"command: longer than {MAX_COMMAND_BYTES} bytes")
        if not isinstance(self.cwd, str):
            raise RequestError("cwd: expected a str relative to the workspace")
        _no_nul("cwd", self.cwd)
        cwd_bytes = len(self.cwd.encode("utf-8"))
        if cwd_bytes > MAX_CWD_BYTES:
            # refused before the cwd is resolved, and not echoed back: it is the caller's own
            raise RequestTooLarge(
                f"cwd: {cwd_bytes} bytes is more than {MAX_CWD_BYTES} (PATH_MAX); "
                "no such directory can exist"
            )
        mob = self.max_output_bytes
        if mob is not None and (
            isinstance(mob, bool) or not isinstance(mob, int) or not 0 <= mob <= MAX_INT
        ):
            raise RequestError(
                f"max_output_bytes: expected an int in [0, 2**63-1], got {shown(mob)}"
            )
        for name in RLIMIT_FIELDS:
            v = getattr(self, name)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_INT
            ):
                raise RequestError(f"{name}: expected an int in [1, 2**63-1], got {shown(v)}")
        if self.on_output_overflow not in ("truncate", "kill"):
            raise RequestError("on_output_overflow: expected 'truncate' or 'kill'")
        if self.log_level is not None and self.log_level not in LOG_LEVELS:
            raise RequestError(f"log_level: expected one of {', '.join(LOG_LEVELS)}")
        if len(self.env_overrides) > MAX_ENV_OVERRIDES:
            raise RequestTooLarge(
                f"env_overrides: {len(self.env_overrides)} variables is more than "
                f"{MAX_ENV_OVERRIDES}"
            )
        for name, val in self.env_overrides.items():
            if not isinstance(name, str) or not name or "=" in name:
                raise RequestError(f"env_overrides: invalid variable name {shown(name)}")
            name_bytes = len(name.encode("utf-8", "surrogatepass"))
            if name_bytes > MAX_ENV_NAME_BYTES:
                raise RequestTooLarge(
                    f"env_overrides: a variable name of {name_bytes} bytes is longer than "
                    f"{MAX_ENV_NAME_BYTES}"
                )
            _no_nul(f"env_overrides[{shown(name)}]", name)
            if val is not None:
                if not isinstance(val, str):
                    raise RequestError(f"env_overrides[{shown(name)}]: expected str or None")
                _no_nul(f"env_overrides[{shown(name)}]", val)
                # NAME=value is one execve string: Linux refuses one over 128 KiB (E2BIG)
                entry = name_bytes + 1 + len(val.encode("utf-8"))
                if entry > MAX_ARG_BYTES:
                    raise RequestTooLarge(
                        f"env_overrides[{shown(name)}]: {entry} bytes is more than "
                        f"{MAX_ARG_BYTES}, the most one variable may hold"
                    )
        if self.stdin is not None:
            if not isinstance(self.stdin, bytes | bytearray):
                raise RequestError("stdin: expected bytes")
            if len(self.stdin) > MAX_STDIN_BYTES:
                raise RequestTooLarge(
                    f"stdin: {len(self.stdin)} bytes is more than {MAX_STDIN_BYTES}; "
                    "pass large inputs as files in the workspace"
                )
        env_bytes = sum(len(k) + len(v or "") for k, v in self.env_overrides.items())
        if env_bytes > MAX_ARGV_TOTAL_BYTES:
            raise RequestTooLarge(f"env_overrides: longer than {MAX_ARGV_TOTAL_BYTES} bytes in all")
        if not isinstance(self.job_id, str) or not self.job_id:
            raise RequestError("job_id: expected a non-empty str")
        _no_nul("job_id", self.job_id)
        for name in ("model_id", "session_id", "idempotency_key"):
            check_text(name, getattr(self, name))
        for name in ("job_id", "model_id", "session_id", "idempotency_key"):
            # written on every event of the job and kept in the idempotency cache: bounded
            value = getattr(self, name)
            if value is not None and len(value) > MAX_ID_CHARS:
                raise RequestError(f"{name}: {len(value)} characters is more than {MAX_ID_CHARS}")
        for name in ("capture_stdout", "capture_stderr", "secure"):
            if not isinstance(getattr(self, name), bool):
                raise RequestError(f"{name}: expected true or false")


@attrs.frozen(kw_only=True)
class Finding:
    """A potential secret. Never carries the value: only where it is and which rule saw it."""

    rule_id: str
    provider: str
    location: str  # "argv[2]", "command", "env:NAME", "stdin"
    start: int
    end: int
    confidence: float


@attrs.frozen(kw_only=True)
class Limits:
    """Effective limits of one job, after policy defaults and maxima were applied."""

    timeout: float
    kill_grace: float
    max_output_bytes: int
    on_output_overflow: OverflowAction = "truncate"
    cpu_seconds: int | None = None
    memory_bytes: int | None = None
    open_files: int | None = None
    file_size_bytes: int | None = None
    processes: int | None = None


@attrs.frozen(kw_only=True)
class ExecPlan:
    """What the Runner executes: the Gatekeeper's allowed request, fully resolved.

    ``argv[0]`` is the absolute path of the program the decision was made on; ``env`` is the
    complete environment (never recorded).
    """

    job_id: str
    argv: tuple[str, ...]
    cwd: str
    env: Mapping[str, str]
    limits: Limits
    stdin: bytes | None = None
    capture_stdout: bool = True
    capture_stderr: bool = True
    #: Secure mode for this job, or None (see ``process._sandbox``).
    sandbox: SandboxPlan | None = None


@attrs.frozen(kw_only=True)
class SandboxPlan:
    """How the Runner confines a job in secure mode."""

    required: bool
    #: Directories and files the job may read (and execute) beneath.
    read: tuple[str, ...]
    #: Directories the job may write beneath (the workspace; the Runner adds a private tmp).
    write: tuple[str, ...]
    network: bool = False
    #: Network by domain: the hosts the job's proxy lets through (see ``process._proxy``),
    #: and the ports it connects to. Empty: no proxy.
    allow_domains: tuple[str, ...] = ()
    allow_ports: tuple[int, ...] = (80, 443)
    #: Files the job sees as empty and cannot write (an empty device bound over each): the
    #: policy file, when it lies in the workspace.
    hide: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ProxyConnection:
    """One connection a confined job asked its proxy for (network by domain), as recorded.

    ``allowed`` says whether the rules let it through; ``reason`` why not, or why an allowed
    one failed (the name did not resolve, the server refused). ``sent`` and ``received``
    count the bytes relayed from the job to the server and back (request heads included,
    the proxy's own replies not).
    """

    host: str
    port: int
    allowed: bool
    reason: str = ""
    sent: int = 0
    received: int = 0


@attrs.frozen(kw_only=True)
class ExecResult:
    """The outcome of a command that ran, whatever its exit code.

    ``exit_code`` is the process's exit status, or ``None`` when it was killed by a signal, in
    which case ``signal`` is that signal's number. ``timed_out``, ``cancelled`` and
    ``killed_by`` say why execgate ended it, if it did. ``stdout``/``stderr`` hold at most
    ``max_output_bytes`` each: when a stream overflowed, its head and tail are kept with a
    marker line between them, and the bytes left out are counted in
    ``stdout_truncated_bytes``/``stderr_truncated_bytes``; ``truncated_bytes`` is their sum.
    """

    job_id: str
    argv: tuple[str, ...]
    cwd: str
    exit_code: int | None
    signal: int | None
    stdout: bytes
    stderr: bytes
    duration_ms: float
    timed_out: bool = False
    cancelled: bool = False
    killed_by: KillReason | None = None
    #: The limit that ended or hindered the job, when one did: "timeout", "max_output_bytes",
    #: "cpu_seconds" (SIGXCPU), "file_size_bytes" (SIGXFSZ), "processes" (the tree's
    #: pids.max refused a fork) or "memory_bytes" (the tree's memory cgroup OOM-killed).
    #: Per-process limits a program meets as an error (address space, open files) show in
    #: its own exit status and stderr instead.
    limit_hit: str | None = None
    stdout_truncated_bytes: int = 0
    stderr_truncated_bytes: int = 0
    containment: str = "cgroup"
    recorded: bool = True
    #: Secure mode: "on" (the job ran confined), "degraded" (the policy preferred it but this
    #: host cannot confine, so it ran without) or "off".
    sandbox: Literal["off", "on", "degraded"] = "off"
    #: Network by domain: every connection the job asked its proxy for, in order.
    connections: tuple[ProxyConnection, ...] = ()

    @property
    def truncated_bytes(self) -> int:
        return self.stdout_truncated_bytes + self.stderr_truncated_bytes

    @property
    def exit_status(self) -> int:
        """The status a shell (and ``execgate run``) reports, like coreutils ``timeout``.

        124 when timed out (even if SIGKILL was needed), 128+N when killed by signal N,
        otherwise the exit code.
        """
        if self.timed_out:
            return 124
        if self.signal is not None:
            return 128 + self.signal
        return self.exit_code if self.exit_code is not None else 125


OutputStream = Literal["stdout", "stderr"]


@attrs.frozen
class OutputChunk:
    """Raw bytes a streamed job wrote to one of its output streams, in arrival order."""

    stream: OutputStream
    data: bytes


EventKind = Literal[
    "decision",
    "result",
    "error",
    "interrupted",
    "purge",
    "approval_asked",
    "approval_answered",
    "actor_restart",
    "supervisor_start",
    "supervisor_stop",
    "connection",
]


@attrs.frozen(kw_only=True)
class Event:
    """One flight-recorder row. ``command``/``argv`` are stored redacted; env values never."""

    event_id: str
    ts: float  # unix seconds
    kind: EventKind
    actor: str
    job_id: str | None = None
    model_id: str | None = None
    session_id: str | None = None
    command: str | None = None
    argv: tuple[str, ...] | None = None
    cwd: str | None = None
    decision: VerdictKind | None = None
    rule: str | None = None
    code: str | None = None
    reason: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    duration_ms: float | None = None
    timed_out: bool | None = None
    cancelled: bool | None = None
    truncated_bytes: int | None = None
    detail: str | None = None  # small JSON text for kind-specific extras
    #: The host of the gate that wrote it (see ``execgate.store.host_id``); the store fills
    #: in its own when None. None when read back only for rows older than host ids.
    host_id: str | None = None


@attrs.frozen(kw_only=True)
class OutputRecord:
    """A job's output as the recorder keeps it: redacted text, only at the level that asks
    for it, purged on its own (shorter) retention. ``event_id`` is the result event's."""

    event_id: str
    job_id: str
    ts: float
    stdout: str | None
    stderr: str | None


@attrs.frozen(kw_only=True)
class ApprovalRequest:
    """What an approver is asked: a request that an ``[[ask]]`` rule matched. ``command`` and
    ``argv`` are redacted."""

    job_id: str
    model_id: str | None
    session_id: str | None
    command: str | None
    argv: tuple[str, ...] | None
    cwd: str | None
    rule: str
    reason: str


ApprovalScope = Literal["once", "job", "workspace", "deny"]


@attrs.frozen(kw_only=True)
class ApprovalAnswer:
    """``once``: this request; ``job``: requests of this job_id matching the same rule;
    ``workspace``: every request matching the rule (until ``ttl`` seconds pass, or revoked);
    ``deny``: refuse."""

    scope: ApprovalScope
    ttl: float | None = None

    def __attrs_post_init__(self) -> None:
        if self.scope not in ("once", "job", "workspace", "deny"):
            raise ValueError(f"scope: expected once, job, workspace or deny, got {self.scope!r}")


@attrs.frozen(kw_only=True)
class Grant:
    """A standing approval (scope ``job`` or ``workspace``) held by a gate."""

    grant_id: str
    rule: str
    scope: Literal["job", "workspace"]
    job_id: str | None
    expires_at: float | None  # unix seconds
