"""LangChain: a guarded shell as an async ``StructuredTool`` (needs the ``langchain`` extra).

    tool = shell_tool(gate)
    llm.bind_tools([tool]) ...; await tool.ainvoke(tool_call)

The model calls ``run_command(command, cwd=None, timeout=None)`` with a shell command line. A
command that ran returns its text result (exit code first) whatever its exit code. A refusal
raises :class:`~langchain_core.tools.ToolException`, which the tool (``handle_tool_error=True``)
turns into an error ``ToolMessage`` carrying the code, the rule and the reason, so the agent
loop goes on and the model can adapt.
"""

from __future__ import annotations

from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, Field

from ..errors import ExecgateError
from ..supervisor import Gate
from ._text import refusal_text, result_text, shell_fields

DESCRIPTION = (
    "Run a shell command line in the workspace through execgate (a policy decides what may "
    "run; the output is capped, head and tail kept). Returns the exit code and the output. "
    "A refused command says which rule refused it and why: change it, do not retry it."
)


class RunCommand(BaseModel):
    command: str = Field(description="A shell command line (lists and pipelines allowed).")
    cwd: str | None = Field(default=None, description="Directory, relative to the workspace.")
    timeout: float | None = Field(default=None, description="Seconds before it is killed.")


def shell_tool(
    gate: Gate, *, name: str = "run_command", model_id: str | None = None
) -> StructuredTool:
    """A LangChain tool that runs shell command lines through ``gate`` (async only: the gate
    must be open, in the event loop that awaits the tool)."""

    async def run_command(
        command: str, cwd: str | None = None, timeout: float | None = None
    ) -> str:
        try:
            result = await gate.run(**shell_fields(command, cwd, timeout, model_id))
        except ExecgateError as exc:
            raise ToolException(refusal_text(exc)) from None
        return result_text(result)

    return StructuredTool.from_function(
        coroutine=run_command,
        name=name,
        description=DESCRIPTION,
        args_schema=RunCommand,
        handle_tool_error=True,
    )


__all__ = ["shell_tool"]
