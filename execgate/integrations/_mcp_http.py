"""The MCP server over streamable HTTP (``execgate mcp --http HOST:PORT``), extra ``server``.

Owns the HTTP side only: which options are safe (:func:`check_options`, a pure function),
who may call (:func:`verifier_for`, see :mod:`._mcp_auth`), and running the SDK's ASGI app
on hypercorn (trio) or uvicorn (asyncio) around one open gate. The tools are
:func:`.mcp.build_server`'s.

Rules, checked before anything listens (each a ``ServerInvalid``, ``EG-SERVER-INVALID``):

* authentication is required: a static token (``EXECGATE_MCP_TOKEN``, ``--token-file``) or
  JWT validation (issuer, audience and JWKS, all three), or both; ``--no-auth`` is accepted
  only on a loopback address;
* a non-loopback address needs TLS (``--certfile`` and ``--keyfile``), unless the operator
  says the TLS is done in front of it (``--insecure-http``, for a reverse proxy);
* a request without a valid token gets 401 with ``WWW-Authenticate: Bearer`` naming the
  RFC 9728 protected-resource metadata, which is served at
  ``/.well-known/oauth-protected-resource/mcp``.

SIGINT and SIGTERM stop the server gracefully: the HTTP server stops, then the gate closes
(running jobs are cancelled and recorded as the gate's shutdown does).

Connections: the command raises its soft descriptor limit to the hard one and logs through
the standard library (see :func:`.mcp.plain_logging`), so a flood of idle connections that
runs the process out of descriptors makes it pause accepting (both servers do) and recover
when they close, never exit or wedge. uvicorn answers 503 past :func:`max_connections`
connections; a client that trickles a request's header keeps its connection until it stops
(put a proxy with header timeouts in front of a server exposed to untrusted networks).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import resource
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import anyio
import attrs
import sniffio
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

from ..errors import ServerInvalid
from ..store import DEFAULT_STORE_URL
from ..supervisor import Gate, PolicyLike
from ._mcp_auth import ENV_TOKEN, JwtVerifier, StaticTokens

PATH = "/mcp"


@attrs.frozen(kw_only=True)
class HttpOptions:
    """How ``execgate mcp --http`` serves; see the module's rules."""

    host: str = "127.0.0.1"
    #: 0: any free port (the address served is printed on stderr).
    port: int = 0
    token_file: str | None = None
    no_auth: bool = False
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    #: A JWKS file, or an https URL serving one.
    jwks: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    #: Serve plain HTTP on a non-loopback address (TLS terminated by a proxy in front).
    insecure_http: bool = False
    #: The URL clients use (behind a proxy); default: this server's own address and /mcp.
    resource_url: str | None = None

    @property
    def tls(self) -> bool:
        return self.certfile is not None


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) -> (host, port); raises ``ServerInvalid``."""
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ServerInvalid(f"--http: expected HOST:PORT, got {text!r}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def check_options(opts: HttpOptions, environ: Mapping[str, str] = os.environ) -> None:
    """Refuse unsafe or incomplete options (see the module's rules); no I/O."""
    loopback = is_loopback(opts.host)
    jwt_given = [opts.jwt_issuer, opts.jwt_audience, opts.jwks]
    if any(jwt_given) and not all(jwt_given):
        raise ServerInvalid("JWT validation needs --jwt-issuer, --jwt-audience and --jwks")
    has_auth = bool(environ.get(ENV_TOKEN)) or opts.token_file is not None or all(jwt_given)
    if opts.no_auth:
        if not loopback:
            raise ServerInvalid(
                f"--no-auth is accepted only on a loopback address, not {opts.host!r}"
            )
        if has_auth:
            raise ServerInvalid("--no-auth given together with tokens or JWT validation")
    elif not has_auth:
        raise ServerInvalid(
            f"no authentication configured: set {ENV_TOKEN}, give --token-file or "
            "--jwt-issuer/--jwt-audience/--jwks (or --no-auth on a loopback address)"
        )
    if (opts.certfile is None) != (opts.keyfile is None):
        raise ServerInvalid("TLS needs both --certfile and --keyfile")
    if not loopback and not opts.tls and not opts.insecure_http:
        raise ServerInvalid(
            f"{opts.host!r} is not a loopback address: serve TLS (--certfile/--keyfile), or "
            "give --insecure-http when a TLS-terminating proxy is in front"
        )


class _AnyOf:
    """Accept a token any of ``verifiers`` accepts (static tokens first: no I/O)."""

    def __init__(self, *verifiers: TokenVerifier) -> None:
        self.verifiers = verifiers

    async def verify_token(self, token: str) -> AccessToken | None:
        for v in self.verifiers:
            found = await v.verify_token(token)
            if found is not None:
                return found
        return None


def verifier_for(
    opts: HttpOptions, environ: Mapping[str, str] = os.environ
) -> TokenVerifier | None:
    """The token verifier ``opts`` configure (``None`` with ``--no-auth``); reads the token
    and JWKS files. Raises ``ServerInvalid``."""
    if opts.no_auth:
        return None
    found: list[TokenVerifier] = []
    if environ.get(ENV_TOKEN) or opts.token_file is not None:
        found.append(StaticTokens.load(opts.token_file, environ))
    if opts.jwt_issuer and opts.jwt_audience and opts.jwks:
        found.append(
            JwtVerifier(issuer=opts.jwt_issuer, audience=opts.jwt_audience, jwks=opts.jwks)
        )
    return found[0] if len(found) == 1 else _AnyOf(*found)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(512)
    except OSError as exc:
        sock.close()
        raise ServerInvalid(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.setblocking(False)
    return sock


def raise_descriptor_limit() -> int:
    """Raise this process's soft limit on open descriptors to its hard limit; the new soft
    limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return soft


def max_connections() -> int:
    """Connections served at once: the descriptor limit, less room for the jobs' pipes and
    the store."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(16, min(10_000, soft - 256))


def _url(opts: HttpOptions, port: int) -> str:
    host = f"[{opts.host}]" if ":" in opts.host else opts.host
    return f"{'https' if opts.tls else 'http'}://{host}:{port}{PATH}"


async def _run_hypercorn(
    app: Any, sock: socket.socket, opts: HttpOptions, stop: anyio.Event
) -> None:
    from hypercorn.config import Config
    from hypercorn.trio import serve

    config = Config()
    # hypercorn takes the listening socket by descriptor and closes its own copy
    config.bind = [f"fd://{os.dup(sock.fileno())}"]
    config.certfile, config.keyfile = opts.certfile, opts.keyfile
    config.accesslog = None
    config.loglevel = "WARNING"
    config.graceful_timeout = 5.0
    await serve(app, config, shutdown_trigger=stop.wait)


async def _run_uvicorn(app: Any, sock: socket.socket, opts: HttpOptions, stop: anyio.Event) -> None:
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # the signals are serve_http's, on either backend

    config = uvicorn.Config(
        app,
        ssl_certfile=opts.certfile,
        ssl_keyfile=opts.keyfile,
        log_level="warning",
        access_log=False,
        lifespan="on",
        limit_concurrency=max_connections(),
        timeout_graceful_shutdown=5,
    )
    server = Server(config)
    async with anyio.create_task_group() as tg:

        async def on_stop() -> None:
            await stop.wait()
            server.should_exit = True

        tg.start_soon(on_stop)
        await server.serve(sockets=[sock])
        tg.cancel_scope.cancel()


async def serve_http(
    policy: PolicyLike,
    store: str = DEFAULT_STORE_URL,
    opts: HttpOptions = HttpOptions(),
    *,
    approval_timeout: float = 300.0,
    environ: Mapping[str, str] = os.environ,
    ready: Callable[[str], None] | None = None,
    customize: Callable[[MCPServer[Any], Gate], None] | None = None,
) -> None:
    """Open a gate and serve its tools over streamable HTTP until SIGINT or SIGTERM.

    Raises ``ServerInvalid`` before listening for unsafe or incomplete options (see the
    module's rules). ``ready`` is called with the URL served once the socket listens
    (default: print it on stderr); ``customize`` may add tools of its own to the server,
    which are served with the same authentication. The backend is the running one: trio
    serves with hypercorn, asyncio with uvicorn (extra ``server``).
    """
    from .mcp import build_server, elicit_approval

    check_options(opts, environ)
    verifier = verifier_for(opts, environ)
    run = _run_hypercorn if sniffio.current_async_library() == "trio" else _run_uvicorn
    sock = _listen(opts.host, opts.port)
    with sock:
        url = _url(opts, sock.getsockname()[1])
        settings: dict[str, Any] = {}
        if verifier is not None:
            origin = url.removesuffix(PATH)
            settings["token_verifier"] = verifier
            settings["auth"] = AuthSettings(
                # without an authorization server of our own, the issuer named in the
                # metadata is the JWT issuer, or this server for static tokens
                issuer_url=opts.jwt_issuer or origin,  # type: ignore[arg-type]
                resource_server_url=opts.resource_url or url,  # type: ignore[arg-type]
                # JwtVerifier checks `aud` itself; static tokens name no resource
                validate_token_resource=False,
            )
        async with Gate.open(
            policy, store, approver=elicit_approval, approval_timeout=approval_timeout
        ) as gate:
            server = build_server(gate, **settings)
            if customize is not None:
                customize(server, gate)
            app = server.streamable_http_app(streamable_http_path=PATH, host=opts.host)
            stop = anyio.Event()
            async with anyio.create_task_group() as tg:

                async def on_signal() -> None:
                    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                        async for _ in signals:
                            stop.set()
                            return

                tg.start_soon(on_signal)
                (ready or _announce)(url)
                await run(app, sock, opts, stop)
                tg.cancel_scope.cancel()


def _announce(url: str) -> None:
    print(f"execgate: serving MCP on {url}", file=sys.stderr, flush=True)


def main(
    policy: PolicyLike,
    store: str,
    opts: HttpOptions,
    backend: Literal["trio", "asyncio"] = "trio",
) -> None:
    from .mcp import plain_logging

    environ = dict(os.environ)
    # the token stays in this process only: no job can inherit it, whatever the policy says
    os.environ.pop(ENV_TOKEN, None)
    plain_logging()
    raise_descriptor_limit()
    anyio.run(lambda: serve_http(policy, store, opts, environ=environ), backend=backend)


__all__ = ["HttpOptions", "check_options", "parse_address", "serve_http", "verifier_for"]
