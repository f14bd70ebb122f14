"""``execgate mcp``: a guarded shell for MCP clients, over stdio or streamable HTTP."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Literal

import click

from ..errors import ExecgateError
from ._common import CONTEXT, EXIT_FAILED, fail, load, policy_option, store_option


@click.command(context_settings=CONTEXT)
@policy_option("Policy file (default: an execgate.toml here or above, else read-only).")
@store_option
@click.option(
    "--backend", type=click.Choice(["trio", "asyncio"]), default="trio", show_default=True
)
@click.option(
    "--http",
    "address",
    metavar="HOST:PORT",
    help="Serve streamable HTTP here instead of stdio (extra `server`; port 0: any free port).",
)
@click.option(
    "--token-file",
    metavar="FILE",
    help="Bearer tokens, one `CALLER TOKEN` a line (also: EXECGATE_MCP_TOKEN, caller `default`).",
)
@click.option("--jwt-issuer", metavar="URL", help="Accept JWTs of this issuer (`iss`).")
@click.option("--jwt-audience", metavar="AUD", help="...for this audience (`aud`).")
@click.option("--jwks", metavar="FILE|URL", help="...signed by a key of this JWKS.")
@click.option("--no-auth", is_flag=True, help="No authentication (loopback addresses only).")
@click.option("--certfile", metavar="FILE", help="TLS certificate chain (PEM).")
@click.option("--keyfile", metavar="FILE", help="TLS private key (PEM).")
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Plain HTTP on a non-loopback address (a TLS-terminating proxy is in front).",
)
@click.option("--resource-url", metavar="URL", help="The URL clients use, behind a proxy.")
def mcp(
    policy_path: str | None,
    store: str,
    backend: Literal["trio", "asyncio"],
    address: str | None,
    **http: Any,
) -> None:
    """Serve a guarded shell to MCP clients: over stdio (needs the mcp extra), or over
    streamable HTTP with --http (needs the server extra), authenticated unless --no-auth.

    stdout carries only the protocol (stdio); diagnostics go to stderr.
    """
    gate_policy = load(policy_path, False)
    try:
        from ..integrations import mcp as mcp_server
    except ImportError as exc:
        click.echo(
            f"execgate: the MCP server needs the mcp extra ({exc}): pip install 'execgate[mcp]'",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    try:
        if address is None:
            if any(http.values()):
                raise click.UsageError("HTTP options need --http HOST:PORT")
            mcp_server.main(gate_policy, store, backend)
            return
        host, port = mcp_server.parse_address(address)
        opts = mcp_server.HttpOptions(host=host, port=port, **http)
        try:
            importlib.import_module("hypercorn" if backend == "trio" else "uvicorn")
        except ImportError as exc:
            click.echo(
                f"execgate: serving HTTP needs the server extra ({exc}): "
                "pip install 'execgate[server]'",
                err=True,
            )
            sys.exit(EXIT_FAILED)
        mcp_server.main_http(gate_policy, store, opts, backend)
    except ExecgateError as exc:
        fail(exc, False)
