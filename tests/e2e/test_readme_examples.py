"""The README's "Use it from..." examples, run as written (a fake model where one is needed,
the test's policy as ./policy.toml)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from test_adapters import fake_agents_model

from execgate import Policy
from execgate.store import default_store_path

README = Path(__file__).resolve().parents[2] / "README.md"


def example(name: str) -> str:
    text = README.read_text()
    found = re.search(rf"<!-- example: {re.escape(name)} -->\n```\w+\n(.*?)\n```", text, re.S)
    assert found, f"README example {name!r} is missing"
    return found.group(1)


def load(name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(example(name), f"README:{name}", "exec"), namespace)
    return namespace


@pytest.fixture
def in_project(policy: Policy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory of the examples: ./policy.toml is the test policy."""
    assert Path(policy.source) == tmp_path / "policy.toml"
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the frameworks are asyncio-only


@pytest.mark.anyio
@pytest.mark.slow
async def test_mcp_config(in_project: Path, workspace: Path) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    config = json.loads(example("mcp-config"))["mcpServers"]["execgate"]
    command = config["command"].replace("/path/to/.venv/bin", str(Path(sys.executable).parent))
    args = [a.replace("/path/to", str(in_project)) for a in config["args"]]
    (workspace / "f.txt").write_text("from the workspace\n")
    # the client passes only a few variables by default: keep the test's state directory
    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("run_command", {"command": "cat f.txt"})
    assert result.structured_content is not None
    assert result.structured_content["stdout"] == "from the workspace\n"
    assert Path(default_store_path(str(workspace))).exists()  # the workspace's own store


@pytest.mark.anyio
async def test_openai_agents(in_project: Path) -> None:
    from agents import set_tracing_disabled

    set_tracing_disabled(True)
    main = load("openai-agents")["main"]
    out = json.loads(await main("go", model=fake_agents_model(["echo hi", "rm -rf ."])))
    assert out[0]["stdout"] == "hi\n" and out[1]["outcome"]["exit_code"] == 126


@pytest.mark.anyio
async def test_langchain(in_project: Path) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    class ToolCallingFake(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kw: Any) -> Any:
            return self

    calls = [
        {"name": "run_command", "args": {"command": c}, "id": f"c{i}", "type": "tool_call"}
        for i, c in enumerate(["echo hi", "rm -rf ."])
    ]
    llm = ToolCallingFake(messages=iter([AIMessage(content="", tool_calls=calls)]))
    ok, refused = await load("langchain")["main"](llm, "go")
    assert ok.status == "success" and ok.content == "exit code 0\n--- stdout ---\nhi\n"
    assert refused.status == "error" and "EG-POLICY-DENIED" in refused.content


@pytest.mark.anyio
async def test_pydantic_ai(in_project: Path) -> None:
    from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        if len(messages) == 1:
            return ModelResponse(parts=[ToolCallPart("run_command", {"command": "echo hi"})])
        return ModelResponse(parts=[TextPart(str(messages[-1].parts[-1].content))])

    out = await load("pydantic-ai")["main"](FunctionModel(model), "go")
    assert out == "exit code 0\n--- stdout ---\nhi\n"


def test_threads(in_project: Path) -> None:
    main = load("threads")["main"]
    assert main(["echo a", "sh -c 'exit 3'", "true"] * 5) == [0, 3, 0] * 5
