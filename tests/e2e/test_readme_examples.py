"""The examples of the README and docs/, run as written (a fake model where one is needed, the
test's policy as ./policy.toml), and every other code block there checked for what it is.

A block preceded by ``<!-- example: NAME -->`` is run by a test below; a Python block that is
not meant to run alone says so with ``<!-- fragment: where it lives -->`` and is compiled
there. Every TOML block parses, and one that is a whole policy is a valid one; every JSON block
parses. Shell blocks are not run, except the README's quick start."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from test_adapters import fake_agents_model

from execgate import Policy
from execgate.policy import parse_policy
from execgate.store import default_store_path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: Pages not yet folded into the documentation are not checked.
PAGES = [README, *sorted(p for p in (ROOT / "docs").rglob("*.md") if "incoming" not in p.parts)]
BLOCK = re.compile(
    r"(?:<!-- (?P<mark>example|fragment): (?P<name>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<code>.*?)\n```",
    re.S,
)
#: Every example a test below runs.
RUN = {
    "readme-python", "readme-policy", "readme-cli", "python", "quickstart-python", "threads",
    "mcp-config", "mcp-remote-config", "openai-agents", "langchain", "pydantic-ai",
}  # fmt: skip


def blocks() -> list[tuple[str, str | None, str | None, str, str]]:
    """(page, mark, name, language, code) of every fenced block."""
    found = []
    for page in PAGES:
        for m in BLOCK.finditer(page.read_text()):
            found.append((str(page.relative_to(ROOT)), m["mark"], m["name"], m["lang"], m["code"]))
    return found


def example(name: str) -> str:
    named = [code for _p, mark, n, _l, code in blocks() if mark == "example" and n == name]
    assert len(named) == 1, f"example {name!r} is missing or not unique"
    return named[0]


def load(name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(example(name), f"example:{name}", "exec"), namespace)
    return namespace


def test_every_example_is_run_and_every_block_is_checked() -> None:
    names = [n for _p, mark, n, _l, _c in blocks() if mark == "example"]
    assert sorted(names) == sorted(RUN), "an example without a test, or a test without one"
    for page, mark, name, lang, code in blocks():
        where = f"{page}: {mark or 'block'} {name or code[:40]!r}"
        if lang == "python":
            if mark == "fragment":  # it runs inside an async function with an open gate
                code = "async def _fragment(gate):\n" + "\n".join(
                    "    " + ln for ln in code.split("\n")
                )
            else:
                assert mark == "example", f"{where}: run it (example) or mark it a fragment"
            compile(code, where, "exec")
        elif lang == "toml":
            data = tomllib.loads(code)
            if "version" in data:  # a whole policy
                parse_policy(data, base_dir=ROOT, source=where)
        elif lang == "json":
            json.loads(code)


@pytest.fixture
def quickstart_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory, the working directory of the quick start."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


def test_readme_python(
    in_project: Path, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load("readme-python")  # it runs itself with anyio.run
    out = capsys.readouterr().out
    assert "EG-POLICY-DENIED" in out  # rm is denied by the test's policy


def test_docs_python_is_the_readme_python() -> None:
    assert example("python") == example("readme-python")


def test_readme_policy() -> None:
    policy = parse_policy(tomllib.loads(example("readme-policy")), base_dir=ROOT, source="README")
    assert [r.command for r in policy.deny] == ["git push"]


def test_readme_quick_start(quickstart_dir: Path) -> None:
    """The quick start's commands, as written, in an empty directory with a note and a test."""
    (quickstart_dir / "notes.txt").write_text("one\ntwo\n")
    (quickstart_dir / "test_it.py").write_text("def test_it() -> None:\n    pass\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    codes = []
    for line in example("readme-cli").splitlines():
        argv = shlex.split(line, comments=True)
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        codes.append(done.returncode)
        if argv[1:3] == ["run", "--shell"]:
            assert done.stdout == "2\n"
        if argv[1] == "check":
            assert json.loads(done.stdout)["code"] == "EG-PATH-ESCAPE"
    assert codes == [0, 126, 0, 0, 0, 0], codes


def test_quickstart_python(quickstart_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (quickstart_dir / "f.txt").write_text("")
    load("quickstart-python")
    assert capsys.readouterr().out == "0 f.txt\n\n"


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
