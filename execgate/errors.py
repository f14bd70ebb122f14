"""The error types execgate raises and their stable codes.

Every refusal or failure a caller can meet is an :class:`ExecgateError` with a ``code`` string
that never changes meaning and is never reused. The class hierarchy says whose fault it is:

* :class:`RequestError` -- the caller's request is malformed or asks for more than allowed;
* :class:`Refused` -- the Scanner or the Gatekeeper said no (policy, secret, cwd, env, shell);
* :class:`ConfigError` -- the operator's configuration (policy file, store URL) is unusable;
* :class:`EnvironmentFault` -- the host failed us (database, spawn, containment);
* :class:`InternalError` -- execgate itself failed (an actor crashed, the gate is closed).

Messages say what was refused and why, in words a model and a person can act on. They never
echo a secret: the Scanner's findings carry positions and rule ids, never values.

A command that ran is never an error, whatever its exit code: it is an ``ExecResult``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._decision import Decision


class ExecgateError(Exception):
    """Base of every execgate error. ``code`` is stable; ``fault`` says who must act."""

    code: ClassVar[str] = "EG-INTERNAL"
    fault: ClassVar[str] = "internal"
    #: One line for the error table (docs/errors.md).
    summary: ClassVar[str] = "unexpected internal error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # instance override of a class default

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


# --- the caller's fault ---------------------------------------------------------------------


class RequestError(ExecgateError):
    """The request itself is malformed; fix the request."""

    code = "EG-REQUEST-INVALID"
    fault = "request"
    summary = (
        "the request is malformed (missing argv/command, bad types, NUL bytes, text that is "
        "not UTF-8, ...)"
    )


class NotStarted(RequestError):
    """Recorded, rarely raised: the caller gave up (was cancelled, or its allow decision was
    not confirmed in time and written later) before its allowed job started, so nothing ran."""

    code = "EG-NOT-STARTED"
    summary = (
        "the caller was cancelled before its allowed job started, or its allow decision was "
        "written after the caller had given up on it; nothing ran"
    )


class RequestTooLarge(RequestError):
    """Refused before it was scanned, decided or recorded: the request is larger than the
    policy allows (``[limits] max_command_bytes``, ``max_argv_bytes``, ``max_stdin_bytes``),
    or than the bounds every request has whatever the policy (a cwd over PATH_MAX, 4096
    bytes; an env override name over 1024 bytes or NAME=value over 128 KiB; more than 1024
    env overrides), so no decision step works on unbounded text."""

    code = "EG-REQUEST-TOO-LARGE"
    summary = (
        "the command line, argv or stdin is larger than the policy's [limits] "
        "max_command_bytes, max_argv_bytes or max_stdin_bytes, or a field is over its fixed "
        "bound (cwd 4096 bytes, env override name 1024 bytes or NAME=value 128 KiB, 1024 env "
        "overrides); nothing was recorded"
    )


class IdempotencyConflict(RequestError):
    code = "EG-IDEMPOTENCY-CONFLICT"
    summary = "an idempotency key was reused for a different request"


class CallerLimited(RequestError):
    """One caller of a shared gate is at a limit the policy's ``[callers]`` section sets;
    nothing ran. Retry after a running job ends or the minute passes."""

    code = "EG-CALLER-LIMIT"
    summary = (
        "this caller has as many jobs running, or made as many calls this minute, as the "
        "policy's [callers] limits allow; nothing ran"
    )


# --- refused by the Scanner or the Gatekeeper -----------------------------------------------


class Refused(ExecgateError):
    """The request was refused before anything ran. ``decision`` is the recorded decision."""

    fault = "policy"

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason, code=decision.code)
        self.decision = decision

    @property
    def rule(self) -> str:
        return self.decision.rule


class PolicyDenied(Refused):
    code = "EG-POLICY-NOT-ALLOWED"
    summary = "the program or mode is not allowed by any rule (deny by default)"


class SecretDetected(Refused):
    code = "EG-SECRET-DETECTED"
    summary = "a credential was found in argv, the command line, env overrides or stdin"


class ProgramNotFound(Refused):
    code = "EG-PROGRAM-NOT-FOUND"
    summary = "the program does not resolve to an executable file on the policy's PATH"


# Codes a Gatekeeper decision may carry, with the class raised for each. Kept as a table so
# the documentation's error table and the CLI's exit codes are generated from one place.
DENIAL_CODES: Mapping[str, tuple[type[Refused], str]] = {
    "EG-POLICY-NOT-ALLOWED": (PolicyDenied, PolicyDenied.summary),
    "EG-POLICY-DENIED": (PolicyDenied, "a [[deny]] rule matched the program or mode"),
    "EG-POLICY-ARG-DENIED": (PolicyDenied, "an argument matched the rule's denied arguments"),
    "EG-POLICY-FLAG": (
        PolicyDenied,
        "an option the program's built-in rules refuse (unknown, runs a program, writes, "
        "loads code) or a subcommand they do not include",
    ),
    "EG-POLICY-WRAPPER": (
        PolicyDenied,
        "a wrapper (env, timeout, xargs, find -exec, ...) would run something undecidable",
    ),
    "EG-PATH-ESCAPE": (
        PolicyDenied,
        'a path argument resolves outside the workspace (rules with paths = "workspace")',
    ),
    "EG-POLICY-LOOKALIKE": (
        PolicyDenied,
        "the program name has non-ASCII, invisible or control characters (look-alikes)",
    ),
    "EG-APPROVAL-REQUIRED": (
        PolicyDenied,
        "an [[ask]] rule matched and no approver is configured (or none could be asked)",
    ),
    "EG-APPROVAL-DENIED": (PolicyDenied, "the approver refused, failed or did not answer in time"),
    "EG-POLICY-ENGINE-ERROR": (
        PolicyDenied,
        "the policy engine failed on this request (a bug); it was refused, nothing ran",
    ),
    "EG-CWD-ESCAPE": (PolicyDenied, "cwd resolves (after .. and symlinks) outside the workspace"),
    "EG-CWD-INVALID": (PolicyDenied, "cwd does not exist or is not a directory"),
    "EG-ENV-DENIED": (
        PolicyDenied,
        "a request (env override or `env NAME=value`) sets a variable the policy does not "
        "allow, or a locale/TZ/TERM value that is a path",
    ),
    "EG-LIMIT-EXCEEDED": (PolicyDenied, "a requested limit is above the policy's maximum"),
    "EG-SHELL-UNSUPPORTED": (
        PolicyDenied,
        "the command line uses a shell feature execgate does not allow",
    ),
    "EG-SHELL-PARSE": (PolicyDenied, "the command line cannot be parsed"),
    "EG-CHECK-TIMEOUT": (
        PolicyDenied,
        "scanning or deciding the request took longer than the policy's [limits] "
        "max_check_seconds (not recorded when the scan overran: its text is unscanned)",
    ),
    "EG-PROGRAM-NOT-FOUND": (ProgramNotFound, ProgramNotFound.summary),
    "EG-SECRET-DETECTED": (SecretDetected, SecretDetected.summary),
}


def refusal_for(decision: Decision) -> Refused:
    """The exception to raise for a deny decision."""
    cls = DENIAL_CODES.get(decision.code, (PolicyDenied, ""))[0]
    return cls(decision)


# --- the operator's configuration -----------------------------------------------------------


class ConfigError(ExecgateError):
    """Base of the operator's configuration errors (never raised itself)."""

    fault = "config"


class PolicyInvalid(ConfigError):
    """The policy file cannot be loaded; ``problems`` lists every one with its key path."""

    code = "EG-POLICY-INVALID"
    summary = "the policy file is unreadable, not TOML, or does not match the schema"

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        full = message if not problems else message + ":\n  " + "\n  ".join(problems)
        super().__init__(full)
        self.problems = problems


class PolicyTampered(ConfigError):
    """A job changed the policy file its gate was loaded from; the gate put the loaded policy
    back and kept the job's version beside it. Recorded as an event of that job, not raised."""

    code = "EG-POLICY-TAMPERED"
    summary = "a job changed the policy file; the gate restored it and kept the job's version"


class GitTampered(ConfigError):
    """A job planted git configuration or hooks in the workspace's repository that would run
    a program (or point git outside the workspace) whenever git runs there, also the user's
    own git; the gate set them aside. Recorded as an event of that job, not raised."""

    code = "EG-GIT-TAMPERED"
    summary = "a job planted git config or hooks that run a program; the gate set them aside"


class StoreInvalid(ConfigError):
    code = "EG-STORE-INVALID"
    summary = "the store URL is malformed or names an unsupported backend"


class StoreExposed(StoreInvalid):
    """The store lies where a job may write it (the workspace, a sandbox path) or, in secure
    mode, read it: a job could corrupt, delete or read its own record. Raised when a gate
    starts; nothing runs."""

    code = "EG-STORE-EXPOSED"
    summary = "the store is inside the workspace or another path a job may write or read"


class ServerInvalid(ConfigError):
    code = "EG-SERVER-INVALID"
    summary = (
        "the MCP HTTP server's options are unsafe or incomplete (no authentication or no TLS "
        "off loopback, no token, an unreadable token or key file)"
    )


class StoreMissing(StoreInvalid):
    """A command that only reads the flight recorder (``execgate log``, ``verify``, ...)
    found no store where it looked; it creates none, so a mistyped URL is not a new, empty
    record."""

    code = "EG-STORE-MISSING"
    summary = "a command that only reads the flight recorder found no store at that URL"


# --- the host failed us ---------------------------------------------------------------------


class EnvironmentFault(ExecgateError):
    """Base of the host's failures (never raised itself)."""

    fault = "environment"


class RecorderUnavailable(EnvironmentFault):
    """The flight recorder could not durably write. For a decision this means nothing ran."""

    code = "EG-RECORDER-UNAVAILABLE"
    summary = "the decision could not be recorded durably, so nothing ran (fail closed)"


class LeaseLost(RecorderUnavailable):
    """This gate's lease in a shared store is lost: another gate took it for dead and
    recovered it (it stalled past its lease: a VM pause, SIGSTOP, a long hang), or the gate
    could not renew it for the lease's whole duration (the store unreachable), after which
    another gate may have. The store refuses its events, and any other gate may already have
    marked its running jobs ``interrupted``; so, to run nothing it cannot record, the gate
    stopped every job it was running (TERM → grace → KILL, as a timeout does; their callers
    get this error) and refuses every new request, before anything runs. It can only be
    closed: open a new gate."""

    code = "EG-LEASE-LOST"
    summary = (
        "the gate's lease in the store was taken for dead by another gate, or not renewed "
        "within its duration: its running jobs were stopped (TERM, grace, KILL) and it runs "
        "nothing more; close it and open a new gate"
    )


class StoreUnavailable(EnvironmentFault):
    code = "EG-STORE-UNAVAILABLE"
    summary = "the store cannot be opened or migrated"


class SpawnFailed(EnvironmentFault):
    code = "EG-SPAWN-FAILED"
    summary = "the operating system refused to start the process"


class ContainmentFailed(EnvironmentFault):
    code = "EG-CONTAINMENT-FAILED"
    summary = "the job could not be placed in its process-tree container, so it was killed"


class SandboxUnavailable(EnvironmentFault):
    code = "EG-SANDBOX-UNAVAILABLE"
    summary = (
        "secure mode is required but this host cannot confine the job (see execgate doctor); "
        "nothing ran"
    )


# --- execgate itself ------------------------------------------------------------------------


class InternalError(ExecgateError):
    fault = "internal"


class ActorCrashed(InternalError):
    code = "EG-ACTOR-CRASHED"
    summary = "the actor handling the request crashed; it was restarted, retry the request"


class GateClosed(InternalError):
    code = "EG-GATE-CLOSED"
    summary = "the gate is shut down (or shutting down) and takes no more requests"


class SupervisorFailed(GateClosed):
    code = "EG-SUPERVISOR-FAILED"
    summary = "an actor crashed more often than the restart budget allows; the gate stopped"


def all_error_codes() -> dict[str, str]:
    """Every stable code with its one-line summary (docs/errors.md is generated from it)."""
    codes: dict[str, str] = {}
    stack: list[type[ExecgateError]] = [ExecgateError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls not in (ExecgateError,) and "summary" in vars(cls):
            codes[cls.code] = cls.summary
    for code, (_cls, summary) in DENIAL_CODES.items():
        codes[code] = summary
    codes["EG-INTERNAL"] = ExecgateError.summary
    return dict(sorted(codes.items()))
