"""The MCP server end to end: the SDK's own client starts ``execgate mcp`` over stdio."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import ElicitRequestParams, ElicitResult, TextContent

from execgate import Policy

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # each test starts the server over stdio

Elicit = Callable[[Any, ElicitRequestParams], Awaitable[ElicitResult]]


@asynccontextmanager
async def mcp_session(
    policy: Policy, store_url: str, backend: str, elicit: Elicit | None = None
) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "execgate",
            "mcp",
            "--policy",
            str(policy.source),
            "--store",
            store_url,
            "--backend",
            backend,
        ],
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, elicitation_callback=elicit) as session:
            await session.initialize()
            yield session


def text(result: Any) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


async def test_each_tool_over_stdio(
    policy: Policy, store_url: str, workspace: Path, anyio_backend: str
) -> None:
    (workspace / "notes.txt").write_text("hello from the workspace\n")
    async with mcp_session(policy, store_url, anyio_backend) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert names == {"run_command", "check_command", "recent_events"}

        ran = await s.call_tool("run_command", {"command": "cat notes.txt && echo done"})
        assert not ran.is_error
        assert ran.structured_content is not None
        assert ran.structured_content["exit_code"] == 0
        assert ran.structured_content["stdout"] == "hello from the workspace\ndone\n"
        assert "exit code 0" in text(ran) and "hello from the workspace" in text(ran)

        failed = await s.call_tool("run_command", {"argv": ["sh", "-c", "echo oops >&2; exit 3"]})
        assert not failed.is_error  # a command that ran is a result, whatever its exit code
        assert failed.structured_content is not None
        assert failed.structured_content["exit_code"] == 3
        assert failed.structured_content["stderr"] == "oops\n"

        slow = await s.call_tool("run_command", {"argv": ["sleep", "5"], "timeout": 0.3})
        assert slow.structured_content is not None and slow.structured_content["timed_out"]

        refused = await s.call_tool("run_command", {"argv": ["rm", "-rf", "."]})
        assert refused.is_error
        assert "EG-POLICY-DENIED" in text(refused) and "deleting is never delegated" in text(
            refused
        )

        bad = await s.call_tool("run_command", {"command": "true", "argv": ["true"]})
        assert bad.is_error and "EG-REQUEST-INVALID" in text(bad)
        # the tools are as strict as the library: no unknown keys, no coerced types, and the
        # caller's value is never echoed back
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert tools["run_command"].input_schema.get("additionalProperties") is False
        for args in (
            {"argv": ["echo", "hi"], "evil": "ghp_notechoed"},
            {"argv": ["echo", "hi"], "timeout": "5"},
            {"argv": [1, "ghp_notechoed"]},
            {"command": ["ghp_notechoed"]},
        ):
            wrong = await s.call_tool("run_command", args)
            assert wrong.is_error and "EG-REQUEST-INVALID" in text(wrong), (args, text(wrong))
            assert "notechoed" not in text(wrong) and "pydantic" not in text(wrong)
        wrong = await s.call_tool("recent_events", {"limit": "x"})
        assert wrong.is_error and "EG-REQUEST-INVALID" in text(wrong), text(wrong)
        fine = await s.call_tool("run_command", {"argv": ["echo", "hi"], "timeout": 5})
        assert not fine.is_error, text(fine)

        checked = await s.call_tool("check_command", {"command": "rm x"})
        assert not checked.is_error
        assert checked.structured_content == {
            "decision": "deny",
            "code": "EG-POLICY-DENIED",
            "rule": "deny[0] 'rm'",
            "reason": checked.structured_content["reason"],
        }
        ok = await s.call_tool("check_command", {"argv": ["echo", "hi"]})
        assert ok.structured_content is not None and ok.structured_content["decision"] == "allow"

        recent = await s.call_tool("recent_events", {"limit": 50, "kind": "decision"})
        assert recent.structured_content is not None
        decisions = [e["decision"] for e in recent.structured_content["events"]]
        assert decisions.count("deny") >= 2 and decisions.count("allow") >= 3
        sessions = {e["session_id"] for e in recent.structured_content["events"]}
        assert len(sessions) == 1 and next(iter(sessions)).startswith("mcp-")
    # a second client sharing the store sees only its own session
    async with mcp_session(policy, store_url, anyio_backend) as s2:
        other = await s2.call_tool("recent_events", {"limit": 50})
        assert other.structured_content == {"events": []}
    assert workspace.exists() and (workspace / "notes.txt").exists()


async def test_children_never_write_to_the_protocol_stream(
    policy: Policy, store_url: str, anyio_backend: str
) -> None:
    """A child that writes to its stdout, its stderr and its controlling terminal's names
    (/dev/stdout, /dev/fd/1) reaches only its own pipes: the session keeps working."""
    noisy = (
        "echo 'Content-Length: 99'; echo '{\"jsonrpc\": \"2.0\"}'; "
        "echo to-dev-stdout > /dev/stdout; echo err >&2"
    )
    async with mcp_session(policy, store_url, anyio_backend) as s:
        r = await s.call_tool("run_command", {"argv": ["sh", "-c", noisy]})
        assert (
            r.structured_content is not None and "to-dev-stdout" in r.structured_content["stdout"]
        )
        again = await s.call_tool("run_command", {"argv": ["echo", "still fine"]})
        assert again.structured_content is not None
        assert again.structured_content["stdout"] == "still fine\n"


ASK = '\n[[ask]]\ncommand = "mkdir"\nreason = "creates directories"\n'


@pytest.mark.parametrize("answer", ["accept", "decline", "unsupported"])
async def test_ask_rules_use_elicitation(
    make_policy: Callable[..., Policy],
    store_url: str,
    workspace: Path,
    anyio_backend: str,
    answer: str,
) -> None:
    policy = make_policy(extra=ASK)
    asked: list[str] = []

    async def elicit(ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        if answer == "accept":
            return ElicitResult(action="accept", content={"approve": True})
        return ElicitResult(action="decline")

    callback = None if answer == "unsupported" else elicit
    async with mcp_session(policy, store_url, anyio_backend, callback) as s:
        r = await s.call_tool("run_command", {"argv": ["mkdir", "made"]})
    if answer == "accept":
        assert not r.is_error and (workspace / "made").exists()
        assert len(asked) == 1 and "mkdir made" in asked[0] and "creates directories" in asked[0]
    else:
        assert r.is_error and "EG-APPROVAL-DENIED" in text(r)
        assert not (workspace / "made").exists()
        assert len(asked) == (1 if answer == "decline" else 0)


def test_mcp_without_a_valid_policy_fails_cleanly(tmp_path: Path) -> None:
    import subprocess

    bad = tmp_path / "bad.toml"
    bad.write_text("version = 1\n[workspace]\nroot = 5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "execgate", "mcp", "--policy", str(bad)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    assert proc.returncode == 125
    assert proc.stdout == b""  # nothing on the protocol stream
    assert b"Traceback" not in proc.stderr and b"workspace.root" in proc.stderr


def test_the_sdk_is_imported_only_by_the_mcp_command() -> None:
    import subprocess

    code = (
        "import sys, execgate, execgate.cli, execgate.integrations\n"
        "heavy = [m for m in ('mcp', 'agents', 'langchain_core', 'pydantic_ai') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
