"""The MCP server: a guarded shell for MCP clients over stdio (``execgate mcp``) or streamable
HTTP (``execgate mcp --http``, served by :mod:`._mcp_http`).

Needs the ``mcp`` extra (the official MCP Python SDK, 2.x); importing it costs about a
second, so only this module and the ``execgate mcp`` command import it.

Tools:

* ``run_command`` — run an argv list or a shell command line through the gate. A command that
  ran is a normal result (exit code, head+tail output, ``timed_out``, ``truncated_bytes``,
  also as structured content) whatever its exit code; a refusal is a tool error whose text
  names the code, the rule and the reason.
* ``check_command`` — the decision for a command, without running it.
* ``recent_events`` — the newest flight-recorder entries of this caller's session (commands
  as stored: redacted; other agents sharing the store are not shown).

Callers: over stdio, the one client of the process is one session (``mcp-<random>``). Over
HTTP with authentication, each caller is the verified token's name (``mcp:<name>`` for a
static token, ``mcp:jwt:<sub>`` for a JWT), the same across its connections and recorded on
its every event; without authentication (loopback only), each MCP session is its own caller.
The policy's ``[callers]`` limits (jobs running, calls a minute) apply to each caller
separately; a call over a limit is a tool error ``EG-CALLER-LIMIT``, runs nothing, and is
recorded as a deny decision under the caller's session id, rule ``callers`` (with the
command, redacted, when the call carried one).

Guarantees: the protocol stream is this process's stdout, and no child ever holds it (each
child's stdin, stdout and stderr are pipes or /dev/null). ``[[ask]]`` rules are put to the
person through MCP elicitation when the client declares it; otherwise, and when the person
declines or does not answer, the command is refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time
import uuid
from typing import Any, Literal

import anyio
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared._context_streams import create_context_streams
from mcp.shared.message import SessionMessage
from mcp.types import (
    INVALID_REQUEST,
    PARSE_ERROR,
    CallToolResult,
    ErrorData,
    JSONRPCError,
    TextContent,
    ToolAnnotations,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..errors import CallerLimited, ExecgateError, RequestError
from ..models import ApprovalAnswer, ApprovalRequest, ExecRequest
from ..store import DEFAULT_STORE_URL
from ..supervisor import Gate, PolicyLike
from ._callers import CallerLimiter
from ._mcp_auth import caller_of
from ._text import (
    decision_fields,
    decision_text,
    event_fields,
    refusal_text,
    result_fields,
    result_text,
)

#: At most this many events per ``recent_events`` call.
MAX_EVENTS = 200

# The MCP request a tool call is serving, so the gate's approver (called from inside
# ``gate.run``, in the same task) can ask that request's client.
_request: contextvars.ContextVar[Context[Any, Any] | None] = contextvars.ContextVar(
    "execgate_mcp_request", default=None
)


class Approval(BaseModel):
    """What the person is asked when an [[ask]] rule matches."""

    approve: bool = Field(description="Run this command once?")


async def elicit_approval(question: ApprovalRequest) -> ApprovalAnswer:
    """The gate's approver under MCP: ask the client's person, once; no means no."""
    ctx = _request.get()
    caps = ctx.client_capabilities if ctx is not None else None
    if ctx is None or caps is None or caps.elicitation is None:
        return ApprovalAnswer(scope="deny")
    shown = question.command or " ".join(question.argv or ())
    answer = await ctx.elicit(
        f"execgate: the agent wants to run `{shown}` in {question.cwd}.\n"
        f"Rule {question.rule} asks for approval: {question.reason}",
        Approval,
    )
    if answer.action == "accept" and answer.data.approve:
        return ApprovalAnswer(scope="once")
    return ApprovalAnswer(scope="deny")


def _error(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _ok(text: str, fields: dict[str, Any]) -> CallToolResult:
    """A tool result as a model reads it (text) and as a program does (structured)."""
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=fields)


def _request_from(
    command: str | None,
    argv: list[str] | None,
    cwd: str | None,
    timeout: float | None,
    max_output_bytes: int | None,
    session_id: str | None,
) -> ExecRequest:
    if (command is None) == (argv is None):
        raise RequestError("give exactly one of `command` (a shell command line) or `argv`")
    fields: dict[str, Any] = {"command": command, "argv": argv, "cwd": cwd or "."}
    if timeout is not None:
        fields["timeout"] = timeout
    if max_output_bytes is not None:
        fields["max_output_bytes"] = max_output_bytes
    return ExecRequest.build(None, {**fields, "model_id": "mcp", "session_id": session_id})


def _caller(ctx: Context[Any, Any], connection: str) -> str:
    """The session id of the caller of this request (see the module's docstring)."""
    token = get_access_token()
    if token is not None:
        return f"mcp:{caller_of(token)}"
    headers = ctx.headers
    sid = headers.get("mcp-session-id") if headers is not None else None
    # the SDK made this id (it refuses ids it did not issue): one per unauthenticated client
    return f"mcp-{sid[:12]}" if sid else connection


def _strict_arguments(server: MCPServer[Any], names: tuple[str, ...]) -> None:
    """Make each tool's arguments as strict as the library's requests: unknown keys and
    wrong types (``"5"`` for a number, a number in argv) are refused, the published schema
    says so (``additionalProperties: false``), and the refusal is ``EG-REQUEST-INVALID``
    naming the field -- never the value the caller sent, which may hold a secret."""
    for name in names:
        # the SDK reads the argument model live (FuncMetadata: "reassigning them later takes
        # effect on the next call"); there is no public hook for a tool's validation
        tool = server._tool_manager.get_tool(name)
        assert tool is not None
        base = tool.fn_metadata.arg_model

        class Strict(base):  # type: ignore[valid-type,misc]
            model_config = ConfigDict(extra="forbid", strict=True, hide_input_in_errors=True)

            @classmethod
            def model_validate(cls, obj: Any, **kwargs: Any) -> Any:
                try:
                    return super().model_validate(obj, **kwargs)
                except ValidationError as exc:
                    detail = "; ".join(
                        f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}"
                        for e in exc.errors(include_url=False, include_input=False)
                    )
                    error = PydanticCustomError(
                        "request_invalid", "[EG-REQUEST-INVALID] {detail}", {"detail": detail}
                    )
                    raise ValidationError.from_exception_data(
                        cls.__name__,
                        [InitErrorDetails(type=error, loc=(), input=None)],
                        hide_input=True,
                    ) from None

        Strict.__name__ = base.__name__
        tool.fn_metadata.arg_model = Strict
        tool.parameters = Strict.model_json_schema()


def build_server(gate: Gate, *, name: str = "execgate", **settings: Any) -> MCPServer[Any]:
    """An MCP server whose tools run through ``gate`` (which must be open while it serves).
    Open the gate with ``approver=elicit_approval`` to put ``[[ask]]`` rules to the person.
    ``settings`` go to ``MCPServer`` (``auth`` and ``token_verifier`` for HTTP)."""
    server: MCPServer[Any] = MCPServer(
        name,
        instructions=(
            "Run shell commands through execgate: every command is scanned for secrets, "
            "checked against a deny-by-default policy, run with a timeout and an output cap "
            "in the workspace, and recorded. A refused command says which rule refused it "
            "and why: change the command rather than retrying it unchanged."
        ),
        log_level="WARNING",
        **settings,
    )
    connection = f"mcp-{uuid.uuid4().hex[:12]}"  # the stdio client, in the recorder
    limiter = CallerLimiter(gate.policy.callers)

    async def admit(session: str, req: ExecRequest | None, *, job: bool, tool: str) -> None:
        """Admit a call of ``session``, or record the refusal under its session id (as any
        refusal is) and raise it."""
        try:
            limiter.admit_nowait(session, anyio.current_time(), job=job)
        except CallerLimited as exc:
            with contextlib.suppress(ExecgateError):  # the caller hears of the limit first
                await gate.record_refusal(exc, "callers", req, session_id=session, tool=tool)
            raise

    @server.tool(
        annotations=ToolAnnotations(title="Run a command", destructive_hint=True),
    )
    async def run_command(
        ctx: Context[Any, Any],
        command: str | None = None,
        argv: list[str] | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        max_output_bytes: int | None = None,
    ) -> CallToolResult:
        """Run a command in the workspace: either `command`, a shell command line (lists
        and pipelines of allowed commands), or `argv`, a program and its arguments. `cwd` is
        relative to the workspace root. Returns the exit code and the output (head and tail
        when it exceeds the cap)."""
        session = _caller(ctx, connection)
        try:
            req = _request_from(command, argv, cwd, timeout, max_output_bytes, session)
            await admit(session, req, job=True, tool="run_command")
            token = _request.set(ctx)
            try:
                result = await gate.run(req)
            finally:
                _request.reset(token)
                limiter.release(session)
        except ExecgateError as exc:
            return _error(refusal_text(exc))
        return _ok(result_text(result), result_fields(result))

    @server.tool(annotations=ToolAnnotations(title="Check a command", read_only_hint=True))
    async def check_command(
        ctx: Context[Any, Any],
        command: str | None = None,
        argv: list[str] | None = None,
        cwd: str | None = None,
    ) -> CallToolResult:
        """Say whether a command would be allowed, and by which rule, without running it."""
        session = _caller(ctx, connection)
        try:
            req = _request_from(command, argv, cwd, None, None, session)
            await admit(session, req, job=False, tool="check_command")
            decision = await gate.check(req)
        except ExecgateError as exc:
            return _error(refusal_text(exc))
        return _ok(decision_text(decision), decision_fields(decision))

    @server.tool(annotations=ToolAnnotations(title="Recent commands", read_only_hint=True))
    async def recent_events(
        ctx: Context[Any, Any],
        limit: int = 20,
        job_id: str | None = None,
        kind: Literal["decision", "result", "error"] | None = None,
    ) -> CallToolResult:
        """The newest flight-recorder entries of this session, oldest first: decisions
        (allow/deny with rule and reason) and results (exit code, duration). Commands are
        shown redacted."""
        session = _caller(ctx, connection)
        try:
            await admit(session, None, job=False, tool="recent_events")
            # this caller's own history only: the store may be shared by other agents
            found = await gate.events(
                limit=max(1, min(limit, MAX_EVENTS)), job_id=job_id, kind=kind, session_id=session
            )
        except ExecgateError as exc:
            return _error(refusal_text(exc))
        rows = [event_fields(e) for e in found]
        lines = [" ".join(f"{k}={v}" for k, v in row.items() if k not in ("argv",)) for row in rows]
        return _ok("\n".join(lines) or "(no events)", {"events": rows})

    _strict_arguments(server, ("run_command", "check_command", "recent_events"))
    return server


async def serve(
    policy: PolicyLike = None,
    store: str = DEFAULT_STORE_URL,
    *,
    approval_timeout: float = 300.0,
) -> None:
    """Open a gate and serve MCP over this process's stdin/stdout until the client leaves."""
    async with Gate.open(
        policy, store, approver=elicit_approval, approval_timeout=approval_timeout
    ) as gate:
        await serve_stdio(build_server(gate))


def parse_error_reply(exc: Exception) -> JSONRPCError:
    """The JSON-RPC error answering a stdio line the SDK could not take as a message
    (``exc``: what its transport read instead), as the HTTP transport answers such a body:
    -32700 for text that is not JSON (truncated, garbage, or holding a lone surrogate, which
    is no Unicode text), -32600 for JSON that is no JSON-RPC message (a batch, a wrong
    shape). With the request's id when it can be read from the line, else null (JSON-RPC
    2.0): a client waiting on that id gets its answer."""
    line: object = None
    not_json = False
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False)
        if errors:
            line, not_json = errors[0].get("input"), errors[0].get("type") == "json_invalid"
    if not_json and isinstance(line, str | bytes):
        # Python's json reads a lone surrogate's escape, which the SDK refuses: its id can
        # still be answered. Anything else it cannot read either.
        try:
            line = json.loads(line)
        except ValueError:
            line = None
    rid = line.get("id") if isinstance(line, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, int | str):
        rid = None
    if not_json:
        error = ErrorData(
            code=PARSE_ERROR,
            message="Parse error: the line is not JSON text, or holds a lone surrogate "
            "(not Unicode); send one UTF-8 JSON-RPC message per line",
        )
    else:
        error = ErrorData(
            code=INVALID_REQUEST,
            message="Invalid request: the line is not one JSON-RPC 2.0 message",
        )
    return JSONRPCError(jsonrpc="2.0", id=rid, error=error)


async def serve_stdio(server: MCPServer) -> None:
    """``server.run_stdio_async()``, except that a line that is not a JSON-RPC message gets
    a JSON-RPC error (:func:`parse_error_reply`) instead of nothing: the SDK's stdio
    transport hands the server the parse failure, which the server only logs, so a client
    waiting on that request waited forever. Every other message goes through unchanged."""
    lowlevel = server._lowlevel_server
    async with stdio_server() as (read_stream, write_stream):
        send, receive = create_context_streams[SessionMessage | Exception](0)

        async def sift() -> None:
            async with send:
                async for item in read_stream:
                    if isinstance(item, Exception):
                        logging.getLogger("execgate.mcp").warning(
                            "unparsable request line answered with an error: %s", item
                        )
                        await write_stream.send(SessionMessage(parse_error_reply(item)))
                    else:
                        await send.send(item)

        async with anyio.create_task_group() as tg:
            tg.start_soon(sift)
            await lowlevel.run(receive, write_stream, lowlevel.create_initialization_options())


def plain_logging() -> None:
    """Log to stderr with the standard library's handler, before the SDK installs its rich
    one (``logging.basicConfig`` keeps the first handlers). The rich handler imports modules
    while it logs, which fails when the process is out of file descriptors -- exactly when
    the server logs an accept error -- and the failure escapes into the server's loop."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("execgate: %(name)s: %(message)s"))
    handler.addFilter(_Throttle())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


class _Throttle(logging.Filter):
    """At most one record a second per logger and message: a server that retries accept()
    out of descriptors logs each try, and a flood of connections must not fill the disk."""

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[tuple[str, str], float] = {}
        self._dropped: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        if now - self._last.get(key, -1.0) < 1.0:
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return False
        if len(self._last) > 1000:
            self._last.clear()
        self._last[key] = now
        dropped = self._dropped.pop(key, 0)
        if dropped:
            record.msg = f"{record.msg} (and {dropped} more like it)"
        return True


class _OneLineFormatter(logging.Formatter):
    """A record's exception as its last line (``OSError: [Errno 24] Too many open files``):
    what the operator acts on, with no traceback (which the servers' own logging attaches
    to errors they recover from)."""

    def formatException(self, ei: Any) -> str:
        return f"  {ei[0].__name__}: {ei[1]}" if ei and ei[0] is not None else ""

    def formatStack(self, stack_info: str) -> str:
        return ""


def main(policy: PolicyLike, store: str, backend: Literal["trio", "asyncio"] = "trio") -> None:
    plain_logging()
    anyio.run(serve, policy, store, backend=backend)


from ._mcp_http import HttpOptions, parse_address, serve_http  # noqa: E402  (it builds on build_server)
from ._mcp_http import main as main_http  # noqa: E402

__all__ = [
    "HttpOptions",
    "build_server",
    "elicit_approval",
    "main",
    "main_http",
    "parse_address",
    "serve",
    "serve_http",
]
