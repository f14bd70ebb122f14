"""How a guarded run is told to a model: one wording for every integration. Pure.

A model reads text, so a result becomes a short header (exit status, why it ended, what was
cut) followed by the output, and a refusal becomes one sentence naming what was refused, by
which rule and why — never a secret (reasons are redacted before they reach here) and never a
traceback.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExecgateError, Refused
from ..models import Decision, Event, ExecResult


def shell_fields(
    command: str, cwd: str | None, timeout: float | None, model_id: str | None
) -> dict[str, Any]:
    """The ``gate.run`` fields for a model's shell command line (its tool arguments)."""
    fields: dict[str, Any] = {"command": command, "cwd": cwd or ".", "model_id": model_id}
    if timeout is not None:
        fields["timeout"] = timeout
    return fields


def output_text(data: bytes) -> str:
    """Child output as text: UTF-8, undecodable bytes replaced (a model cannot use them)."""
    return data.decode("utf-8", errors="replace")


def result_fields(result: ExecResult) -> dict[str, Any]:
    """The result as JSON-ready fields (structured tool output)."""
    return {
        "job_id": result.job_id,
        "exit_code": result.exit_code,
        "signal": result.signal,
        "timed_out": result.timed_out,
        "cancelled": result.cancelled,
        "limit_hit": result.limit_hit,
        "truncated_bytes": result.truncated_bytes,
        "duration_ms": round(result.duration_ms, 3),
        "stdout": output_text(result.stdout),
        "stderr": output_text(result.stderr),
    }


def result_text(result: ExecResult) -> str:
    """A result as a model reads it: a header line, then each non-empty stream."""
    if result.timed_out:
        status = "timed out (killed)"
    elif result.signal is not None:
        status = f"killed by signal {result.signal}"
    else:
        status = f"exit code {result.exit_code}"
    if result.limit_hit and not result.timed_out:
        status += f", limit hit: {result.limit_hit}"
    if result.truncated_bytes:
        status += f", {result.truncated_bytes} output bytes truncated (head and tail kept)"
    parts = [status]
    for name, data in (("stdout", result.stdout), ("stderr", result.stderr)):
        if data:
            parts.append(f"--- {name} ---\n{output_text(data)}")
    return "\n".join(parts)


def refusal_text(exc: ExecgateError) -> str:
    """Why nothing ran (or the gate failed), in words a model and a person can act on."""
    if isinstance(exc, Refused):
        return f"execgate refused the command ({exc.code}, rule {exc.rule}): {exc.message}"
    return f"execgate could not run the command ({exc.code}): {exc.message}"


def decision_fields(decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision.verdict,
        "code": decision.code,
        "rule": decision.rule,
        "reason": decision.reason,
    }


def decision_text(decision: Decision) -> str:
    verb = "would run" if decision.allowed else "would be refused"
    return f"{verb} ({decision.code}, rule {decision.rule}): {decision.reason}"


def event_fields(event: Event) -> dict[str, Any]:
    """A flight-recorder event without its empty fields (commands are stored redacted)."""
    fields = {
        "ts": event.ts,
        "kind": event.kind,
        "job_id": event.job_id,
        "session_id": event.session_id,
        "command": event.command,
        "argv": list(event.argv) if event.argv is not None else None,
        "cwd": event.cwd,
        "decision": event.decision,
        "rule": event.rule,
        "code": event.code,
        "reason": event.reason,
        "exit_code": event.exit_code,
        "duration_ms": event.duration_ms,
        "timed_out": event.timed_out,
        "cancelled": event.cancelled,
        "truncated_bytes": event.truncated_bytes,
    }
    return {k: v for k, v in fields.items() if v is not None}
