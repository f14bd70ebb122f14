"""pydantic-ai: a guarded shell as a tool (needs the ``pydantic-ai`` extra).

    agent = Agent(model, tools=[shell_tool(gate)])

The model calls ``run_command(command, cwd=None, timeout=None)`` with a shell command line.
A command that ran returns its text result (exit code first) whatever its exit code. A
refusal raises the framework's :class:`~pydantic_ai.ToolFailed`: the model sees the code,
the rule and the reason, and the run goes on (any other exception would abort the run).
"Program not found" is a result with exit code 127, as a shell would report it, not an
exception.
"""

from __future__ import annotations

from typing import Any

from pydantic_ai import Tool, ToolFailed

from ..errors import ExecgateError, ProgramNotFound
from ..supervisor import Gate
from ._text import refusal_text, result_text, shell_fields

DESCRIPTION = (
    "Run a shell command line in the workspace through execgate (a policy decides what may "
    "run; the output is capped, head and tail kept). Returns the exit code and the output. "
    "A refused command says which rule refused it and why: change it, do not retry it."
)


def shell_tool(gate: Gate, *, name: str = "run_command", model_id: str | None = None) -> Tool[Any]:
    """A pydantic-ai tool that runs shell command lines through ``gate``.

    The gate must be open while the agent runs, in the agent's event loop."""

    async def run_command(
        command: str, cwd: str | None = None, timeout: float | None = None
    ) -> str:
        """Run `command` (a shell command line) with `cwd` relative to the workspace."""
        try:
            result = await gate.run(**shell_fields(command, cwd, timeout, model_id))
        except ProgramNotFound as exc:
            return f"exit code 127\n--- stderr ---\n{refusal_text(exc)}"
        except ExecgateError as exc:
            raise ToolFailed(refusal_text(exc)) from None
        return result_text(result)

    return Tool(run_command, name=name, description=DESCRIPTION, takes_ctx=False)


__all__ = ["shell_tool"]
