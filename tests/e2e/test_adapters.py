"""The framework adapters, each driven through its framework's own tool-calling path by a
fake model (no network): the model asks for a command, the framework calls our tool, and the
model's next turn sees what execgate answered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import open_gate

from execgate import Policy

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # each framework's own agent loop


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the frameworks are asyncio-only


# --- pydantic-ai --------------------------------------------------------------------------


async def drive_pydantic_ai(tool: Any, command: str) -> tuple[str, list[Any]]:
    """One agent run: the fake model calls the tool once, then answers with what it saw."""
    from pydantic_ai import Agent
    from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        if len(messages) == 1:
            return ModelResponse(parts=[ToolCallPart(tool.name, {"command": command})])
        returned = messages[-1].parts[-1]
        outcome = getattr(returned, "outcome", "-")
        return ModelResponse(parts=[TextPart(f"{outcome}: {returned.content}")])

    agent = Agent(FunctionModel(model), tools=[tool])
    run = await agent.run("go")
    return run.output, run.all_messages()


async def test_pydantic_ai(policy: Policy, store_url: str, workspace: Path) -> None:
    from execgate.integrations.pydantic_ai import shell_tool

    (workspace / "a.txt").write_text("alpha\n")
    async with open_gate(policy, store_url) as gate:
        tool = shell_tool(gate)
        out, _ = await drive_pydantic_ai(tool, "cat a.txt")
        assert out.startswith("success: exit code 0") and "alpha" in out
        out, _ = await drive_pydantic_ai(tool, "sh -c 'exit 4'")
        assert out.startswith("success: exit code 4")
        out, _ = await drive_pydantic_ai(tool, "rm -rf .")
        assert out.startswith("failed: execgate refused the command (EG-POLICY-DENIED")
        assert "deleting is never delegated" in out
        out, _ = await drive_pydantic_ai(tool, "no-such-program-xyz --flag")
        assert out.startswith("success: exit code 127")
    assert (workspace / "a.txt").exists()


# --- LangChain ----------------------------------------------------------------------------


async def drive_langchain(tool: Any, command: str) -> Any:
    """The model asks for a tool call; the tool runs it as an agent loop would (a ToolCall in,
    a ToolMessage out)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage

    call = {"name": tool.name, "args": {"command": command}, "id": "call-1", "type": "tool_call"}
    llm = GenericFakeChatModel(messages=iter([AIMessage(content="", tool_calls=[call])]))
    ai = await llm.ainvoke([HumanMessage("go")])
    (tool_call,) = ai.tool_calls
    return await tool.ainvoke(tool_call)


async def test_langchain(policy: Policy, store_url: str, workspace: Path) -> None:
    from langchain_core.messages import ToolMessage

    from execgate.integrations.langchain import shell_tool

    (workspace / "a.txt").write_text("alpha\n")
    async with open_gate(policy, store_url) as gate:
        tool = shell_tool(gate)
        msg = await drive_langchain(tool, "cat a.txt | head -1")
        assert isinstance(msg, ToolMessage) and msg.status == "success"
        assert msg.content.startswith("exit code 0") and "alpha" in msg.content
        msg = await drive_langchain(tool, "rm -rf .")
        assert msg.status == "error"
        assert msg.content.startswith("execgate refused the command (EG-POLICY-DENIED")
        assert msg.tool_call_id == "call-1"
    assert (workspace / "a.txt").exists()


# --- OpenAI Agents SDK --------------------------------------------------------------------


def fake_agents_model(commands: list[str]) -> Any:
    """A Model that asks for one shell call, then answers with the shell output it was given."""
    from agents.items import ModelResponse
    from agents.models.interface import Model
    from agents.usage import Usage
    from openai.types.responses import (
        ResponseFunctionShellToolCall,
        ResponseOutputMessage,
        ResponseOutputText,
    )
    from openai.types.responses.response_function_shell_tool_call import Action

    class FakeModel(Model):
        async def get_response(
            self, system_instructions: Any, input: Any, *a: Any, **k: Any
        ) -> Any:
            items = input if isinstance(input, list) else []
            outputs = [
                i for i in items if isinstance(i, dict) and i.get("type") == "shell_call_output"
            ]
            if not outputs:
                call = ResponseFunctionShellToolCall(
                    id="sh-1",
                    call_id="call-1",
                    type="shell_call",
                    status="completed",
                    action=Action(commands=commands, timeout_ms=None, max_output_length=None),
                )
                return ModelResponse(output=[call], usage=Usage(), response_id=None)
            import json

            text = json.dumps(outputs[-1]["output"])
            msg = ResponseOutputMessage(
                id="m-1",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text=text, annotations=[])],
            )
            return ModelResponse(output=[msg], usage=Usage(), response_id=None)

        def stream_response(self, *a: Any, **k: Any) -> Any:
            raise NotImplementedError

    return FakeModel()


async def test_openai_agents(policy: Policy, store_url: str, workspace: Path) -> None:
    import json

    from agents import Agent, RunConfig, Runner

    from execgate.integrations.openai_agents import shell_tool

    (workspace / "a.txt").write_text("alpha\n")
    commands = ["cat a.txt", "rm -rf .", "sh -c 'echo bad >&2; exit 5'", "no-such-program-xyz"]
    async with open_gate(policy, store_url) as gate:
        agent = Agent(name="dev", tools=[shell_tool(gate)])
        run = await Runner.run(
            agent,
            "go",
            run_config=RunConfig(model=fake_agents_model(commands), tracing_disabled=True),
        )
    seen = json.loads(run.final_output)
    assert [o["outcome"] for o in seen] == [
        {"type": "exit", "exit_code": 0},
        {"type": "exit", "exit_code": 126},
        {"type": "exit", "exit_code": 5},
        {"type": "exit", "exit_code": 127},
    ]
    assert seen[0]["stdout"] == "alpha\n"
    assert seen[1]["stderr"].startswith("execgate refused the command (EG-POLICY-DENIED")
    assert "deleting is never delegated" in seen[1]["stderr"]
    assert seen[2]["stderr"] == "bad\n"
    assert "EG-PROGRAM-NOT-FOUND" in seen[3]["stderr"]
    assert (workspace / "a.txt").exists()
