"""OpenAI Agents SDK: an executor for its ``ShellTool`` (needs the ``openai-agents`` extra).

    agent = Agent(name="dev", tools=[shell_tool(gate)])

The SDK hands the executor a list of shell command lines; each is decided and run on its own,
in order. Refusals are returned as values — a command output with exit code 126 (127 for a
program not found, as a shell would say) and the code, rule and reason on stderr — because the
SDK's default error handler replaces an exception's text with a generic message, and the model
must see why it was refused to adapt. A timeout is reported as the SDK's ``timeout`` outcome.
"""

from __future__ import annotations

from typing import Any

from agents import ShellTool
from agents.tool import (
    ShellCallOutcome,
    ShellCommandOutput,
    ShellCommandRequest,
    ShellExecutor,
    ShellResult,
)

from ..errors import ExecgateError, ProgramNotFound
from ..supervisor import Gate
from ._text import output_text, refusal_text


def shell_executor(gate: Gate, *, model_id: str | None = None) -> ShellExecutor:
    """An executor that runs each command of a shell call through ``gate`` (which must be open,
    in the event loop the agent runs in)."""
    limits = gate.policy.limits.maximum

    async def execute(request: ShellCommandRequest) -> ShellResult:
        action = request.data.action
        fields: dict[str, Any] = {"model_id": model_id, "session_id": request.data.call_id}
        if action.timeout_ms:
            fields["timeout"] = action.timeout_ms / 1000.0
        if action.max_output_length:
            # the model's display cap; the policy's maximum still bounds it (never refused)
            fields["max_output_bytes"] = min(action.max_output_length, limits.max_output_bytes)
        outputs = []
        for command in action.commands:
            try:
                result = await gate.run(command=command, **fields)
            except ExecgateError as exc:
                code = 127 if isinstance(exc, ProgramNotFound) else 126
                outputs.append(
                    ShellCommandOutput(
                        command=command,
                        stderr=refusal_text(exc),
                        outcome=ShellCallOutcome(type="exit", exit_code=code),
                    )
                )
                continue
            outcome = (
                ShellCallOutcome(type="timeout")
                if result.timed_out
                else ShellCallOutcome(type="exit", exit_code=result.exit_status)
            )
            outputs.append(
                ShellCommandOutput(
                    command=command,
                    stdout=output_text(result.stdout),
                    stderr=output_text(result.stderr),
                    outcome=outcome,
                )
            )
        return ShellResult(output=outputs, max_output_length=action.max_output_length)

    return execute


def shell_tool(gate: Gate, *, model_id: str | None = None, **options: Any) -> ShellTool:
    """The SDK's ``ShellTool`` with the execgate executor (``options`` go to ``ShellTool``)."""
    return ShellTool(executor=shell_executor(gate, model_id=model_id), **options)


__all__ = ["shell_executor", "shell_tool"]
