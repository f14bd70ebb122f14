"""``execgate mcp --http`` end to end: the real server in its own process on 127.0.0.1 (any
free port, served by hypercorn on trio and uvicorn on asyncio), called with the SDK's own
streamable-HTTP client and with plain HTTP requests where the protocol's answer is HTTP."""

from __future__ import annotations

import datetime
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitRequestParams, ElicitResult, TextContent

from execgate import Policy
from execgate.errors import ServerInvalid
from execgate.integrations._mcp_http import HttpOptions, check_options
from execgate.store import EventFilter, open_store

# each test starts the server in a process of its own
pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ALICE = "alice-0123456789abcdef"
BOB = "bob-fedcba9876543210xx"


@pytest.fixture
def server_backend(anyio_backend: str) -> str:
    """The server's event loop is the test's: hypercorn on trio, uvicorn on asyncio."""
    return anyio_backend


@pytest.fixture
def token_file(tmp_path: Path) -> str:
    path = tmp_path / "tokens"
    path.write_text(f"# callers\nalice {ALICE}\nbob   {BOB}\n")
    return str(path)


@contextmanager
def http_server(
    policy: Policy,
    store_url: str,
    backend: str,
    *args: str,
    env: dict[str, str] | None = None,
    nofile: int | None = None,
) -> Iterator[str]:
    """Start ``execgate mcp --http 127.0.0.1:0`` (with at most ``nofile`` descriptors, soft
    and hard) and yield the URL it prints; on exit stop it with SIGTERM and check that it
    stopped cleanly."""

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    log = Path(str(policy.source)).with_name(f"server-{time.monotonic_ns()}.log")
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "execgate", "mcp", "--policy", str(policy.source),
                "--store", store_url, "--backend", backend, "--http", "127.0.0.1:0", *args,
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            env={**os.environ, **(env or {})}, preexec_fn=limit,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        url = ""
        while not url and time.monotonic() < deadline and proc.poll() is None:
            for line in log.read_text().splitlines():
                if line.startswith("execgate: serving MCP on "):
                    url = line.split()[-1]
            time.sleep(0.05)
        assert url, log.read_text()
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=30) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert "Traceback" not in log.read_text(), log.read_text()


@asynccontextmanager
async def client(
    url: str, token: str | None, elicit: Any = None, verify: Any = True
) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=30, verify=verify) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write, elicitation_callback=elicit) as session:
                await session.initialize()
                yield session


def text(result: Any) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


async def events(s: ClientSession) -> list[dict[str, Any]]:
    r = await s.call_tool("recent_events", {"limit": 200})
    assert r.structured_content is not None, text(r)
    return list(r.structured_content["events"])


INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def raw_post(url: str, token: str | None, **kw: Any) -> httpx2.Response:
    headers = {**ACCEPT, **({"Authorization": f"Bearer {token}"} if token else {})}
    async with httpx2.AsyncClient(timeout=30, **kw) as http:
        return await http.post(url, json=INIT, headers=headers)


async def test_no_token_and_a_wrong_token_get_401(
    policy: Policy, store_url: str, server_backend: str, token_file: str
) -> None:
    with http_server(policy, store_url, server_backend, "--token-file", token_file) as url:
        for token in (None, "not-a-token", ALICE + "x", ALICE[:-1], BOB.upper()):
            r = await raw_post(url, token)
            assert r.status_code == 401, (token, r.text)
            challenge = r.headers["www-authenticate"]
            assert challenge.startswith("Bearer ")
            meta_url = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
            assert f'resource_metadata="{meta_url}"' in challenge
        async with httpx2.AsyncClient() as http:
            meta = (await http.get(meta_url)).json()
        assert meta["resource"] == url
        # the SDK's own client cannot open a session with a wrong token either
        with pytest.raises(Exception) as caught:
            async with client(url, "wrong-token-wrong-token"):
                pass
        assert "MCPError" in repr(caught.value)  # the SDK's client surfaces 401 as this
        assert (await raw_post(url, ALICE)).status_code == 200


async def test_tools_run_as_the_authenticated_caller(
    policy: Policy, store_url: str, server_backend: str, token_file: str, workspace: Path
) -> None:
    (workspace / "notes.txt").write_text("hello over http\n")
    with http_server(policy, store_url, server_backend, "--token-file", token_file) as url:
        async with client(url, ALICE) as s:
            ran = await s.call_tool("run_command", {"command": "cat notes.txt && echo done"})
            assert not ran.is_error, text(ran)
            assert ran.structured_content is not None
            assert ran.structured_content["stdout"] == "hello over http\ndone\n"

            refused = await s.call_tool("run_command", {"argv": ["rm", "-rf", "."]})
            assert refused.is_error and "EG-POLICY-DENIED" in text(refused)

            checked = await s.call_tool("check_command", {"argv": ["rm", "x"]})
            assert checked.structured_content is not None
            assert checked.structured_content["decision"] == "deny"

            seen = await events(s)
            assert {e["session_id"] for e in seen} == {"mcp:alice"}
            assert [e["decision"] for e in seen if e["kind"] == "decision"].count("deny") == 2
    assert (workspace / "notes.txt").exists()


async def test_a_flood_of_idle_connections_does_not_take_the_server_down(
    policy: Policy, store_url: str, server_backend: str, token_file: str, tmp_path: Path
) -> None:
    """More half-sent requests than the server has descriptors: it pauses accepting, logs
    that in a few lines (no traceback), and serves again once they close."""
    with http_server(policy, store_url, server_backend, "--token-file", token_file,
                     nofile=128) as url:  # fmt: skip
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        flood = []
        try:
            for _ in range(200):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(b"GET /mcp HTTP/1.1\r\nHost: x\r\n")
                flood.append(sock)
            await anyio.sleep(2)
        finally:
            for sock in flood:
                sock.close()
        await anyio.sleep(2)
        async with client(url, ALICE) as s:
            ran = await s.call_tool("run_command", {"argv": ["echo", "still serving"]})
            assert not ran.is_error, text(ran)
    logs = [p for p in Path(str(policy.source)).parent.glob("server-*.log")]
    assert logs and all(len(p.read_text().splitlines()) < 200 for p in logs)


async def test_two_callers_are_isolated(
    policy: Policy, store_url: str, server_backend: str, token_file: str
) -> None:
    with http_server(policy, store_url, server_backend, "--token-file", token_file) as url:
        async with client(url, ALICE) as a, client(url, BOB) as b:
            await a.call_tool("run_command", {"argv": ["echo", "from alice"]})
            await b.call_tool("run_command", {"argv": ["echo", "from bob"]})
            mine = await events(a)
            theirs = await events(b)
        assert {e["session_id"] for e in mine} == {"mcp:alice"}
        assert {e["session_id"] for e in theirs} == {"mcp:bob"}
        assert not {e["job_id"] for e in mine} & {e["job_id"] for e in theirs}
        # naming alice's job does not show it to bob
        alices_job = next(e["job_id"] for e in mine if e["job_id"])
        async with client(url, BOB) as b2:
            probe = await b2.call_tool("recent_events", {"job_id": alices_job, "limit": 200})
            assert probe.structured_content == {"events": []}
        # a caller is its token, not its connection: alice's next connection sees her history
        async with client(url, ALICE) as again:
            assert {e["job_id"] for e in await events(again)} == {e["job_id"] for e in mine}

        # bob cannot ride on alice's MCP session by sending its id with his own token
        async with httpx2.AsyncClient(timeout=30) as http:
            opened = await http.post(
                url, json=INIT, headers={**ACCEPT, "Authorization": f"Bearer {ALICE}"}
            )
            sid = opened.headers["mcp-session-id"]
            call = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "recent_events", "arguments": {}},
            }
            hijack = await http.post(
                url,
                json=call,
                headers={
                    **ACCEPT,
                    "Authorization": f"Bearer {BOB}",
                    "mcp-session-id": sid,
                    "mcp-protocol-version": "2025-06-18",
                },
            )
            assert hijack.status_code == 404, hijack.text
            assert "from alice" not in hijack.text


async def test_without_auth_on_loopback_each_client_is_its_own_caller(
    policy: Policy, store_url: str, server_backend: str
) -> None:
    with http_server(policy, store_url, server_backend, "--no-auth") as url:
        async with client(url, None) as a, client(url, None) as b:
            await a.call_tool("run_command", {"argv": ["echo", "a"]})
            await b.call_tool("run_command", {"argv": ["echo", "b"]})
            sa = {e["session_id"] for e in await events(a)}
            sb = {e["session_id"] for e in await events(b)}
        assert len(sa) == len(sb) == 1 and sa != sb


LIMITS = "\n[callers]\nmax_concurrent_jobs = 1\nrequests_per_minute = {rpm}\n"


async def test_per_caller_limits(
    make_policy: Any, store_url: str, server_backend: str, token_file: str, workspace: Path
) -> None:
    policy = make_policy(extra=LIMITS.format(rpm=5))
    with http_server(policy, store_url, server_backend, "--token-file", token_file) as url:
        async with client(url, ALICE) as a, client(url, BOB) as b:
            results: list[Any] = []

            async def slow() -> None:
                cmd = "touch started; sleep 2"
                results.append(await a.call_tool("run_command", {"command": cmd}))

            async with anyio.create_task_group() as tg:
                tg.start_soon(slow)  # alice's call 1 (calls admitted within the minute)
                with anyio.fail_after(20):
                    while not (workspace / "started").exists():
                        await anyio.sleep(0.02)
                second = await a.call_tool("run_command", {"argv": ["echo", "x"]})  # refused
                # another caller's jobs are not alice's: bob runs while alice is at her limit
                other = await b.call_tool("run_command", {"argv": ["echo", "bob"]})
            assert second.is_error and "EG-CALLER-LIMIT" in text(second), text(second)
            assert "max_concurrent_jobs" in text(second)
            assert not other.is_error and not results[0].is_error
            # the slot was released when the job ended
            third = await a.call_tool("run_command", {"argv": ["echo", "x"]})  # call 2
            assert not third.is_error, text(third)
            # the refused call ran nothing and did not count: alice has two jobs recorded
            seen = await events(a)  # call 3
            assert sum(1 for e in seen if e["kind"] == "result") == 2
            for _ in range(2):  # calls 4 and 5
                assert not (await a.call_tool("check_command", {"argv": ["echo"]})).is_error
            over = await a.call_tool("check_command", {"argv": ["echo"]})  # call 6
            assert over.is_error and "requests_per_minute" in text(over)
            # a new connection is the same caller, with the same count
            async with client(url, ALICE) as a2:
                again = await a2.call_tool("run_command", {"argv": ["echo", "x"]})
                assert again.is_error and "EG-CALLER-LIMIT" in text(again)
            history = await a.call_tool("recent_events", {})
            assert history.is_error and "EG-CALLER-LIMIT" in text(history)
            assert not (await b.call_tool("check_command", {"argv": ["echo"]})).is_error
    # every refusal is recorded like any other: a deny decision under the caller's session
    st = open_store(store_url)
    try:
        decided = st.query(limit=None, where=EventFilter(kind="decision"))
    finally:
        st.close()
    refused = [e for e in decided if e.code == "EG-CALLER-LIMIT"]
    assert [(e.kind, e.decision, e.rule, e.session_id) for e in refused] == [
        ("decision", "deny", "callers", "mcp:alice")
    ] * 4
    # with the command when the call carried one; a call of recent_events names the tool
    assert [e.argv for e in refused] == [("echo", "x"), ("echo",), ("echo", "x"), None]
    assert refused[-1].job_id is None and refused[-1].detail == '{"tool": "recent_events"}'
    assert "max_concurrent_jobs" in str(refused[0].reason)
    assert "requests_per_minute" in str(refused[-1].reason)


ASK = '\n[[ask]]\ncommand = "mkdir"\nreason = "creates directories"\n'


@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_ask_rules_use_elicitation_over_http(
    make_policy: Any,
    store_url: str,
    server_backend: str,
    token_file: str,
    workspace: Path,
    answer: str,
) -> None:
    policy = make_policy(extra=ASK)
    asked: list[str] = []

    async def elicit(ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        if answer == "accept":
            return ElicitResult(action="accept", content={"approve": True})
        return ElicitResult(action="decline")

    with http_server(policy, store_url, server_backend, "--token-file", token_file) as url:
        async with client(url, ALICE, elicit) as s:
            r = await s.call_tool("run_command", {"argv": ["mkdir", "made"]})
    assert len(asked) == 1 and "mkdir made" in asked[0]
    if answer == "accept":
        assert not r.is_error, text(r)
        assert (workspace / "made").is_dir()
    else:
        assert r.is_error and "EG-APPROVAL-DENIED" in text(r)
        assert not (workspace / "made").exists()


# --- JWT access tokens --------------------------------------------------------------------


@pytest.fixture
def jwt_keys(tmp_path: Path) -> tuple[Any, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", alg="RS256", use="sig")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return key, str(path)


ISS, AUD = "https://issuer.example", "https://gate.example/mcp"


def make_jwt(key: Any, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISS, "aud": AUD, "sub": "carol", "iat": now, "exp": now + 300, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


async def test_jwt_access_tokens(
    policy: Policy, store_url: str, server_backend: str, jwt_keys: tuple[Any, str]
) -> None:
    key, jwks = jwt_keys
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = {
        "wrong audience": make_jwt(key, aud="https://other.example/mcp"),
        "wrong issuer": make_jwt(key, iss="https://evil.example"),
        "expired": make_jwt(key, exp=int(time.time()) - 3600),
        "no expiry": make_jwt(key, exp=None),
        "no subject": make_jwt(key, sub=None),
        "control characters in the subject": make_jwt(key, sub="carol\nmcp:alice"),
        "another key": jwt.encode(
            {"iss": ISS, "aud": AUD, "sub": "carol", "exp": int(time.time()) + 300},
            other_key, algorithm="RS256", headers={"kid": "k1"},
        ),
        "unknown key id": jwt.encode(
            {"iss": ISS, "aud": AUD, "sub": "carol", "exp": int(time.time()) + 300},
            key, algorithm="RS256", headers={"kid": "k2"},
        ),
        "alg none": jwt.encode(
            {"iss": ISS, "aud": AUD, "sub": "carol", "exp": int(time.time()) + 300},
            None, algorithm="none", headers={"kid": "k1"},
        ),
        # the public key used as an HMAC secret: the classic algorithm confusion
        "HS256 with the public key": _hs256(public_pem),
    }  # fmt: skip
    args = ("--jwt-issuer", ISS, "--jwt-audience", AUD, "--jwks", jwks)
    with http_server(policy, store_url, server_backend, *args) as url:
        for why, token in forged.items():
            assert (await raw_post(url, token)).status_code == 401, why
        async with client(url, make_jwt(key)) as s:
            ran = await s.call_tool("run_command", {"argv": ["echo", "jwt"]})
            assert not ran.is_error, text(ran)
            assert {e["session_id"] for e in await events(s)} == {"mcp:jwt:carol"}


async def test_jwt_subjects_are_not_static_callers(
    policy: Policy,
    store_url: str,
    server_backend: str,
    jwt_keys: tuple[Any, str],
    token_file: str,
    tmp_path: Path,
) -> None:
    """With both kinds of token, an identity provider's user named like a static caller does
    not become that caller; and the JWKS may come from a URL."""
    import http.server
    import threading

    key, jwks = jwt_keys
    Path(tmp_path, "keys.json").write_text(Path(jwks).read_text())

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    keys = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: Quiet(*a, directory=str(tmp_path))
    )
    threading.Thread(target=keys.serve_forever, daemon=True).start()
    jwks_url = f"http://127.0.0.1:{keys.server_address[1]}/keys.json"
    args = ("--token-file", token_file, "--jwt-issuer", ISS, "--jwt-audience", AUD)
    try:
        with http_server(policy, store_url, server_backend, *args, "--jwks", jwks_url) as url:
            async with client(url, ALICE) as a:
                await a.call_tool("run_command", {"argv": ["echo", "static alice"]})
            async with client(url, make_jwt(key, sub="alice")) as j:
                assert await events(j) == []
                await j.call_tool("run_command", {"argv": ["echo", "idp alice"]})
                assert {e["session_id"] for e in await events(j)} == {"mcp:jwt:alice"}
            assert (await raw_post(url, make_jwt(key, aud="x"))).status_code == 401
    finally:
        keys.shutdown()
        keys.server_close()


def _hs256(secret: bytes) -> str:
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(
        json.dumps({"iss": ISS, "aud": AUD, "sub": "carol", "exp": int(time.time()) + 300}).encode()
    )
    sig = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(sig)}"


# --- TLS and the bind rules ----------------------------------------------------------------


def self_signed(tmp_path: Path) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certfile), str(keyfile)


async def test_tls(policy: Policy, store_url: str, server_backend: str, tmp_path: Path) -> None:
    import ssl

    certfile, keyfile = self_signed(tmp_path)
    args = ("--certfile", certfile, "--keyfile", keyfile)
    env = {"EXECGATE_MCP_TOKEN": ALICE}
    with http_server(policy, store_url, server_backend, *args, env=env) as url:
        assert url.startswith("https://127.0.0.1:")
        trust = ssl.create_default_context(cafile=certfile)
        async with client(url, ALICE, verify=trust) as s:
            ran = await s.call_tool("run_command", {"argv": ["echo", "tls"]})
            assert ran.structured_content is not None
            assert ran.structured_content["stdout"] == "tls\n"
            assert {e["session_id"] for e in await events(s)} == {"mcp:default"}
        with pytest.raises(httpx2.HTTPError):  # plain HTTP to the TLS port
            await raw_post(url.replace("https:", "http:"), ALICE)


@pytest.mark.parametrize(
    ("opts", "env", "message"),
    [
        (HttpOptions(), {}, "no authentication configured"),
        (HttpOptions(host="0.0.0.0", no_auth=True), {}, "only on a loopback address"),
        (HttpOptions(host="::", no_auth=True), {}, "only on a loopback address"),
        (HttpOptions(host="localhost.evil.example", no_auth=True), {}, "loopback"),
        (HttpOptions(host="0.0.0.0"), {"EXECGATE_MCP_TOKEN": ALICE}, "not a loopback"),
        (HttpOptions(host="10.1.2.3", token_file="t"), {}, "not a loopback"),
        (HttpOptions(certfile="c"), {"EXECGATE_MCP_TOKEN": ALICE}, "--keyfile"),
        (HttpOptions(jwt_issuer=ISS, jwt_audience=AUD), {}, "--jwks"),
        (HttpOptions(no_auth=True), {"EXECGATE_MCP_TOKEN": ALICE}, "together"),
    ],
)
def test_unsafe_options_are_refused(opts: HttpOptions, env: dict[str, str], message: str) -> None:
    with pytest.raises(ServerInvalid, match=message):
        check_options(opts, env)


def test_safe_options_are_accepted() -> None:
    for opts, env in [
        (HttpOptions(no_auth=True), {}),
        (HttpOptions(host="::1", no_auth=True), {}),
        (HttpOptions(host="0.0.0.0", certfile="c", keyfile="k"), {"EXECGATE_MCP_TOKEN": ALICE}),
        (HttpOptions(host="0.0.0.0", insecure_http=True, token_file="t"), {}),
        (HttpOptions(jwt_issuer=ISS, jwt_audience=AUD, jwks="j"), {}),
    ]:
        check_options(opts, env)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--http", "0.0.0.0:0", "--no-auth"], {}, b"EG-SERVER-INVALID"),
        (["--http", "127.0.0.1:0"], {}, b"no authentication configured"),
        (["--http", "127.0.0.1:0"], {"EXECGATE_MCP_TOKEN": "short"}, b"shorter than 16"),
        (["--http", "127.0.0.1:0", "--token-file", "/nonexistent"], {}, b"cannot read"),
        (["--http", "nonsense", "--no-auth"], {}, b"expected HOST:PORT"),
        (
            [
                "--http",
                "127.0.0.1:0",
                "--jwt-issuer",
                "i",
                "--jwt-audience",
                "a",
                "--jwks",
                "http://keys.example/jwks.json",
            ],
            {},
            b"must be https",
        ),
        (["--http", "127.0.0.1:0", "--token-file", "TOKENS"], {}, b"without `:`"),
    ],
)
def test_the_command_refuses_unsafe_options_cleanly(
    policy: Policy, args: list[str], env: dict[str, str], message: bytes, tmp_path: Path
) -> None:
    tokens = tmp_path / "colon-tokens"
    tokens.write_text(f"jwt:alice {ALICE}\n")
    args = [str(tokens) if a == "TOKENS" else a for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "execgate", "mcp", "--policy", str(policy.source), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        env={**{k: v for k, v in os.environ.items() if k != "EXECGATE_MCP_TOKEN"}, **env},
    )
    assert proc.returncode == 125, proc.stderr
    assert message in proc.stderr and b"Traceback" not in proc.stderr


async def test_the_documented_remote_client_configuration(
    policy: Policy, store_url: str, token_file: str
) -> None:
    """The documented remote configuration, with its URL pointed at a real server: the headers
    it gives are what the server needs."""
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "integrations.md").read_text()
    found = re.search(r"<!-- example: mcp-remote-config -->\n```json\n(.*?)\n```", page, re.S)
    assert found
    config = json.loads(found.group(1))["mcpServers"]["execgate"]
    assert config["type"] == "http" and config["url"].endswith("/mcp")
    headers = {k: v.replace("${EXECGATE_TOKEN}", BOB) for k, v in config["headers"].items()}
    with http_server(policy, store_url, "trio", "--token-file", token_file) as url:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as s,
        ):
            await s.initialize()
            ran = await s.call_tool("run_command", {"argv": ["echo", "remote"]})
            assert ran.structured_content is not None
            assert ran.structured_content["stdout"] == "remote\n"
