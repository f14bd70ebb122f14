"""Network by domain: a confined job reaches allowed hosts through its proxy and nothing else.

The servers are local (127.0.0.1 on the host, outside the job's namespace) and names are
pointed at them through the proxy's resolver (``_proxy.resolve``): no traffic leaves the
machine. The end-to-end tests run on both backends and every spawn path (the native helper
and the Python launcher confine alike)."""

from __future__ import annotations

import http.server
import json
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import pytest
from conftest import PYTHON, open_gate, write_script

from execgate import Policy, PolicyInvalid, load_policy
from execgate.process import _proxy, _sandbox
from execgate.process._proxy_rules import (
    Allowed,
    Refused,
    Target,
    decide,
    normal_host,
    parse_head,
    pattern_problem,
    public_address,
)

needs_proxy = [
    pytest.mark.skipif(not _sandbox.support()[0], reason=f"no sandbox: {_sandbox.support()[1]}"),
    pytest.mark.skipif(not _proxy.proxy_support()[0], reason=_proxy.proxy_support()[1]),
]

# --- the rules (pure) ------------------------------------------------------------------------

ALLOW = ("pypi.org", "*.pythonhosted.org", "10.1.2.3")


@pytest.mark.parametrize(
    ("host", "port", "entry"),
    [
        ("pypi.org", 443, "pypi.org"),
        ("PyPI.org.", 443, "pypi.org"),  # case and the trailing dot do not matter
        ("files.pythonhosted.org", 443, "*.pythonhosted.org"),
        ("a.b.pythonhosted.org", 80, "*.pythonhosted.org"),
        ("10.1.2.3", 443, "10.1.2.3"),  # an IP literal listed itself
    ],
)
def test_allowed_hosts(host: str, port: int, entry: str) -> None:
    verdict = decide(Target("connect", host, port), ALLOW, (80, 443))
    assert isinstance(verdict, Allowed) and verdict.entry == entry


@pytest.mark.parametrize(
    ("host", "port", "why"),
    [
        ("pythonhosted.org", 443, "not in allow_domains"),  # a wildcard is subdomains only
        ("evilpythonhosted.org", 443, "not in allow_domains"),
        ("pypi.org.evil.com", 443, "not in allow_domains"),
        ("pypi.org", 22, "port 22 is not allowed"),
        ("127.0.0.1", 443, "IP address 127.0.0.1 is not in allow_domains"),
        ("[::1]", 443, "IP address ::1"),
        ("127.1", 443, "not a host name"),  # numeric forms a resolver reads as an address
        ("0x7f000001", 443, "not in allow_domains"),
        ("pypi_org", 443, "not a host name"),
        ("pypi.org%00.evil", 443, "not a host name"),
        ("pypí.org", 443, "not a host name"),
        ("", 443, "not a host name"),
    ],
)
def test_refused_hosts(host: str, port: int, why: str) -> None:
    verdict = decide(Target("connect", host, port), ALLOW, (80, 443))
    assert isinstance(verdict, Refused) and verdict.status == 403
    assert why in verdict.reason


def test_request_heads() -> None:
    t = parse_head(b"CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n")
    assert t == Target("connect", "pypi.org", 443)
    t = parse_head(
        b"GET http://pypi.org/simple/?q=1 HTTP/1.1\r\nHost: evil.com\r\n"
        b"Proxy-Authorization: x\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n"
    )
    assert isinstance(t, Target) and (t.kind, t.host, t.port) == ("http", "pypi.org", 80)
    # the server is asked for the URL's host, whatever Host header the job sent
    assert t.head == (
        b"GET /simple/?q=1 HTTP/1.1\r\nHost: pypi.org\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    v6 = parse_head(b"CONNECT [::1]:8443 HTTP/1.1\r\n\r\n")
    assert v6 == Target("connect", "[::1]", 8443)


@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.1\r\nHost: pypi.org\r\n\r\n",  # origin-form: not a proxy request
        b"GET https://pypi.org/ HTTP/1.1\r\n\r\n",
        b"GET ftp://pypi.org/ HTTP/1.1\r\n\r\n",
        b"GET http://pypi.org@evil.com/ HTTP/1.1\r\n\r\n",  # user information
        b"GET http://pypi.org:443@evil.com:80/ HTTP/1.1\r\n\r\n",
        b"CONNECT pypi.org HTTP/1.1\r\n\r\n",  # no port
        b"CONNECT pypi.org:99999 HTTP/1.1\r\n\r\n",
        b"CONNECT pypi.org:+443 HTTP/1.1\r\n\r\n",
        b"CONNECT pypi.org:443 HTTP/2\r\n\r\n",
        b"CONNECT  pypi.org:443 HTTP/1.1\r\n\r\n",
        b"\xff\xfe\r\n\r\n",
    ],
)
def test_malformed_requests_are_refused(head: bytes) -> None:
    assert isinstance(parse_head(head), Refused)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("pypi.org", None),
        ("*.pythonhosted.org", None),
        ("localhost", None),
        ("10.0.0.1", None),
        ("::1", None),
        ("*.com", "at least two labels"),
        ("*", "expected"),
        ("*.10.0.0.1", "cannot cover IP addresses"),
        ("PyPI.org", "lower-case"),
        ("pypi.org.", "expected"),
        ("pypi.*.org", "expected"),
        ("https://pypi.org", "expected"),
        ("pypi.org:443", "expected"),
    ],
)
def test_allow_domains_patterns(pattern: str, problem: str | None) -> None:
    why = pattern_problem(pattern)
    assert (why is None) if problem is None else (why is not None and problem in why)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("151.101.0.223", True),
        ("2a04:4e42::223", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("0.0.0.0", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::9765:df", True),  # NAT64 of 151.101.0.223
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("fe80::1%eth0", False),
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert public_address(address) is public


def test_host_normalisation() -> None:
    assert normal_host("Files.PythonHosted.org.") == "files.pythonhosted.org"
    assert normal_host("[0:0::1]") == "::1"
    assert normal_host("a" * 64 + ".org") is None


def test_policy_refuses_bad_entries(tmp_path: Path) -> None:
    def load(sandbox: str) -> Policy:
        path = tmp_path / "p.toml"
        path.write_text(f"version = 1\n[sandbox]\n{sandbox}\n")
        return load_policy(path)

    ok = load('allow_domains = ["pypi.org", "*.pythonhosted.org"]')
    assert ok.sandbox.allow_domains == ("pypi.org", "*.pythonhosted.org")
    assert ok.sandbox.allow_ports == (80, 443)
    for bad, says in [
        ('allow_domains = ["*.org"]', "at least two labels"),
        ('allow_domains = "pypi.org"', "list of strings"),
        ('network = true\nallow_domains = ["pypi.org"]', "network = false"),
        ("allow_ports = [0]", "between 1 and 65535"),
        ('allow_ports = ["443"]', "integer"),
        ('allowed_domains = ["pypi.org"]', "allowed_domains"),
    ]:
        with pytest.raises(PolicyInvalid, match=says):
            load(bad)


# --- a real proxy for real confined jobs -----------------------------------------------------


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        said = f"host {self.headers['Host']}" if self.path == "/host" else f"hello {self.path}"
        body = f"{said}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[int]:
    """An HTTP server of the host on 127.0.0.1 (outside every job's namespace): its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names ending in ``.test`` resolve to 127.0.0.1 for the proxy; others as usual."""
    real = _proxy.resolve

    async def resolve(host: str, port: int) -> list[str]:
        if host.endswith(".test"):
            return ["127.0.0.1"]
        return await real(host, port)

    monkeypatch.setattr(_proxy, "resolve", resolve)


def _no_namespace() -> tuple[int, socket.socket]:
    import errno

    raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))


@pytest.fixture(params=["gate", "handoff"])
def made_by(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Who makes the job's network namespace: the gate (with CAP_SYS_ADMIN), or, as for a
    gate without it, the job's sandbox launcher, which hands the proxy's socket over."""
    if request.param == "handoff":
        monkeypatch.setattr(_proxy, "make_namespace", _no_namespace)
    return str(request.param)


def proxied_policy(make_policy: Callable[..., Policy], ports: list[int]) -> Policy:
    return make_policy(
        extra='\n[sandbox]\nallow_domains = ["localhost", "files.test", "*.mirror.test"]\n'
        f"allow_ports = {ports}\n"
    )


PROBES = r"""
import json, os, socket, sys, urllib.error, urllib.request
args = json.loads(sys.argv[1])
port = args["port"]
out = {"env": {k: os.environ.get(k) for k in ("HTTP_PROXY", "https_proxy", "NO_PROXY")}}
def fd_is_socket(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    except OSError:
        return False  # the listing's own fd
out["inherited sockets"] = [fd for fd in os.listdir("/proc/self/fd") if fd_is_socket(fd)]

def get(url):
    try:
        return urllib.request.urlopen(url, timeout=10).read().decode()
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.read().decode().strip()}"

def connect(target, then=b""):
    s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode() + then)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
        if not then and b"\r\n\r\n" in data:
            break
    s.close()
    return data.decode(errors="replace").split("\r\n")[0] + " | " + data.decode(errors="replace").rsplit("\r\n", 1)[-1].strip()

def attempt(fn):
    try:
        return f"ok {fn()}"
    except Exception as exc:
        return f"refused: {type(exc).__name__}: {exc}"

out["http allowed"] = get(f"http://localhost:{port}/simple")
out["http allowed by name"] = get(f"http://files.test:{port}/pkg")
def lying_host():
    s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
    s.sendall(f"GET http://localhost:{port}/host HTTP/1.1\r\nHost: example.com\r\n\r\n".encode())
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    return data.decode().rsplit("\r\n", 1)[-1].strip()
out["lying host header"] = lying_host()
out["tunnel allowed"] = connect(f"localhost:{port}", b"GET /tunnel HTTP/1.0\r\n\r\n")
out["http refused"] = get(f"http://example.com:{port}/")
out["tunnel refused"] = connect(f"example.com:{port}")
out["ip literal"] = connect(f"127.0.0.1:{port}")
out["other port"] = connect("localhost:22")
out["wildcard to loopback"] = connect(f"a.mirror.test:{port}")
out["user info"] = get(f"http://localhost:{port}@example.com:{port}/")
out["direct to server"] = attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=3))
out["direct outside"] = attempt(lambda: socket.create_connection(("192.0.2.1", 80), timeout=3))
out["direct by name"] = attempt(lambda: socket.create_connection(("localhost", port), timeout=3))
out["host unix socket"] = attempt(lambda: socket.socket(socket.AF_UNIX).connect(args["unix"]))
def listen():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s.getsockname()
out["tcp listen"] = attempt(listen)
print(json.dumps(out))
"""


@pytest.fixture
def host_unix(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "daemon.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(4)
    try:
        yield path
    finally:
        s.close()


@pytest.mark.anyio
@pytest.mark.usefixtures("spawn_path", "resolver", "made_by")
@needs_proxy[0]
@needs_proxy[1]
async def test_a_job_reaches_allowed_hosts_through_its_proxy_and_nothing_else(
    make_policy: Callable[..., Policy],
    store_url: str,
    workspace: Path,
    web: int,
    host_unix: str,
) -> None:
    write_script(workspace, "probes.py", PROBES)
    argv = [PYTHON, "probes.py", json.dumps({"port": web, "unix": host_unix})]
    async with open_gate(proxied_policy(make_policy, [80, 443, web]), store_url) as gate:
        r = await gate.run(argv=argv, secure=True)
        assert r.sandbox == "on" and r.exit_code == 0, r.stderr
        seen = json.loads(r.stdout)
        events = await gate.events(job_id=r.job_id, kind="connection", limit=100)
    url = "http://127.0.0.1:3128"
    assert seen["env"] == {"HTTP_PROXY": url, "https_proxy": url, "NO_PROXY": ""}
    assert seen["inherited sockets"] == []  # the proxy's socket is the gate's alone
    assert seen["http allowed"] == "hello /simple\n"
    assert seen["http allowed by name"] == "hello /pkg\n"
    assert seen["lying host header"] == f"host localhost:{web}"
    assert seen["tunnel allowed"].startswith("HTTP/1.1 200 Connection Established")
    assert seen["tunnel allowed"].endswith("hello /tunnel")
    assert seen["http refused"] == "403 execgate proxy: domain example.com is not in allow_domains"
    assert seen["tunnel refused"].startswith("HTTP/1.1 403")
    assert seen["ip literal"].startswith("HTTP/1.1 403")
    assert "IP address 127.0.0.1 is not in allow_domains" in seen["ip literal"]
    assert seen["other port"].startswith("HTTP/1.1 403") and "port 22" in seen["other port"]
    assert seen["wildcard to loopback"].startswith("HTTP/1.1 403")
    assert "non-public address" in seen["wildcard to loopback"]
    assert seen["user info"].startswith("400 ")
    for probe in ("direct to server", "direct outside", "direct by name", "host unix socket"):
        assert seen[probe].startswith("refused"), (probe, seen[probe])
    if _sandbox.landlock_abi() >= 4:
        assert seen["tcp listen"].startswith("refused: PermissionError"), seen["tcp listen"]

    # every request is recorded against the job, served or refused, with its bytes
    hosts = [(c.host, c.port, c.allowed) for c in r.connections]
    assert hosts == [
        ("localhost", web, True),
        ("files.test", web, True),
        ("localhost", web, True),
        ("localhost", web, True),
        ("example.com", web, False),
        ("example.com", web, False),
        ("127.0.0.1", web, False),
        ("localhost", 22, False),
        ("a.mirror.test", web, False),
        ("", 0, False),
    ]
    assert all(c.sent > 0 and c.received > 0 for c in r.connections[:4])
    assert all(c.sent == 0 and c.received == 0 for c in r.connections[4:])
    recorded = [json.loads(e.detail or "{}") for e in events]
    assert [(d["host"], d["port"], d["allowed"]) for d in recorded] == hosts
    assert [d["received"] for d in recorded] == [c.received for c in r.connections]
    assert {e.job_id for e in events} == {r.job_id}
    assert [e.decision for e in events] == ["allow" if h[2] else "deny" for h in hosts]
    assert "not in allow_domains" in (events[4].reason or "")


@pytest.mark.anyio
@pytest.mark.usefixtures("spawn_path")
@needs_proxy[0]
@needs_proxy[1]
async def test_a_job_without_allow_domains_has_no_proxy(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    code = (
        "import os, socket\n"
        "print(os.environ.get('HTTP_PROXY'))\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 3128), timeout=3)\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    async with open_gate(make_policy(), store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
    assert r.sandbox == "on" and r.stdout.split() == [b"None", b"PermissionError"], r.stderr
    assert r.connections == ()


@pytest.mark.anyio
@needs_proxy[0]
@pytest.mark.usefixtures("made_by")
@needs_proxy[1]
async def test_the_proxy_ends_with_the_job(
    make_policy: Callable[..., Policy], store_url: str, workspace: Path
) -> None:
    """A tunnel the job left half-open (the job gone, the server silent) is closed when the
    job ends: the server's writes then fail, as they do on a connection nobody holds."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted: list[socket.socket] = []

    def accept() -> None:
        conn, _ = server.accept()
        accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    code = (
        "import socket, time\n"
        "s = socket.create_connection(('127.0.0.1', 3128))\n"
        f"s.sendall(b'CONNECT localhost:{port} HTTP/1.1\\r\\n\\r\\n')\n"
        "print(s.recv(100).split(b'\\r\\n')[0].decode(), flush=True)\n"
        "time.sleep(60)\n"
    )
    policy = make_policy(
        timeout=1.0, extra=f'\n[sandbox]\nallow_domains = ["localhost"]\nallow_ports = [{port}]\n'
    )
    try:
        async with open_gate(policy, store_url) as gate:
            r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
            assert r.timed_out and r.stdout.strip() == b"HTTP/1.1 200 Connection Established"
            thread.join(5)
            (conn,) = accepted
            conn.settimeout(5)
            assert conn.recv(100) == b""  # the job's side is gone

            def write_until_refused() -> bool:
                for _ in range(50):
                    try:
                        conn.sendall(b"x")
                    except OSError:
                        return True
                    threading.Event().wait(0.02)
                return False

            assert await anyio.to_thread.run_sync(write_until_refused)
            assert [(c.host, c.allowed) for c in r.connections] == [("localhost", True)]
    finally:
        for c in accepted:
            c.close()
        server.close()


@pytest.mark.anyio
@needs_proxy[0]
@needs_proxy[1]
async def test_the_proxy_ends_with_the_gate(tmp_path: Path, workspace: Path, made_by: str) -> None:
    """The proxy is the gate's (the launcher that made a job's socket kept no copy of it):
    when the gate's process is killed, an open tunnel closes."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    policy = tmp_path / "gate.toml"
    policy.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n'
        f'[sandbox]\nallow_domains = ["localhost"]\nallow_ports = [{port}]\n'
        f'[[allow]]\ncommand = "{sys.executable}"\nargs = "any"\npaths = "any"\n'
    )
    job = (
        "import socket, time\n"
        "s = socket.create_connection(('127.0.0.1', 3128))\n"
        f"s.sendall(b'CONNECT localhost:{port} HTTP/1.1\\r\\n\\r\\nping')\n"
        "time.sleep(5)\n"
    )
    no_namespace = "def no(): raise PermissionError(1, 'no')\n_proxy.make_namespace = no\n"
    gate = (
        "import anyio, sys\n"
        "from execgate import Gate, load_policy\n"
        "from execgate.process import _proxy\n"
        f"{no_namespace if made_by == 'handoff' else ''}"
        "async def main():\n"
        f"    async with Gate.open(load_policy({str(policy)!r}), "
        f"{'sqlite:///' + str(tmp_path / 'g.db')!r}) as g:\n"
        f"        await g.run(argv=[sys.executable, '-c', {job!r}], secure=True)\n"
        "anyio.run(main)\n"
    )
    proc = await anyio.open_process([sys.executable, "-c", gate], stdout=None, stderr=None)
    try:
        server.settimeout(30)
        conn, _ = await anyio.to_thread.run_sync(server.accept)
        with conn:
            conn.settimeout(10)
            assert conn.recv(4) == b"ping"
            proc.kill()
            await proc.wait()
            assert conn.recv(100) == b""  # closed by the kernel with the gate's process
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await proc.aclose()
        server.close()


def test_doctor_reports_the_proxy() -> None:
    layers = {what: (ok, detail) for what, ok, detail in _sandbox.layers()}
    ok, detail = layers["secure: network by domain (proxy)"]
    assert (ok, detail) == _proxy.proxy_support()
    if os.geteuid() == 0:
        assert ok and "127.0.0.1:3128" in detail


@pytest.mark.anyio
@needs_proxy[0]
@needs_proxy[1]
async def test_a_job_cannot_flood_the_proxy_or_the_recorder(
    make_policy: Callable[..., Policy],
    store_url: str,
    web: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past MAX_CONNECTIONS open at once, requests are refused (503) and recorded; past
    MAX_RECORDS in one job, every request is refused and they are recorded as one."""
    monkeypatch.setattr(_proxy, "MAX_CONNECTIONS", 2)
    monkeypatch.setattr(_proxy, "MAX_RECORDS", 5)
    code = (
        "import socket\n"
        "def ask(target, keep=False):\n"
        "    s = socket.create_connection(('127.0.0.1', 3128))\n"
        "    s.sendall(f'CONNECT {target} HTTP/1.1\\r\\n\\r\\n'.encode())\n"
        "    line = s.recv(100).split(b'\\r\\n')[0].decode()\n"
        "    print(line)\n"
        "    return s\n"
        f"held = [ask('localhost:{web}'), ask('localhost:{web}')]\n"
        f"ask('localhost:{web}')\n"
        "for s in held:\n"
        "    s.close()\n"
        "import time; time.sleep(0.2)\n"
        "for _ in range(4):\n"
        "    ask('example.com:443')\n"
    )
    policy = make_policy(
        extra=f'\n[sandbox]\nallow_domains = ["localhost"]\nallow_ports = [443, {web}]\n'
    )
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
        events = await gate.events(job_id=r.job_id, kind="connection", limit=100)
    assert r.exit_code == 0, r.stderr
    assert [line.split(" ", 2)[1] for line in r.stdout.decode().splitlines()] == [
        "200", "200", "503", "403", "403", "503", "503",
    ]  # fmt: skip
    assert [(c.host, c.allowed) for c in r.connections] == [
        ("localhost", True), ("localhost", True), ("", False),
        ("example.com", False), ("example.com", False), ("", False),
    ]  # fmt: skip
    assert "over 2 connections at once" in r.connections[2].reason
    assert r.connections[-1].reason == "2 more requests refused: over 5 in one job"
    assert len(events) == 6


@pytest.mark.anyio
@pytest.mark.usefixtures("made_by")
@needs_proxy[0]
@needs_proxy[1]
async def test_a_cancelled_job_still_records_its_connections(
    make_policy: Callable[..., Policy], store_url: str, web: int
) -> None:
    code = (
        "import socket, time\n"
        "s = socket.create_connection(('127.0.0.1', 3128))\n"
        f"s.sendall(b'CONNECT localhost:{web} HTTP/1.1\\r\\n\\r\\n')\n"
        "print(s.recv(100).split(b'\\r\\n')[0].decode(), flush=True)\n"
        "time.sleep(60)\n"
    )
    policy = make_policy(
        extra=f'\n[sandbox]\nallow_domains = ["localhost"]\nallow_ports = [{web}]\n'
    )
    async with open_gate(policy, store_url) as gate:
        with anyio.move_on_after(2):
            await gate.run(argv=[PYTHON, "-c", code], secure=True, job_id="cancelled-job")
        events = await gate.events(job_id="cancelled-job", limit=10)
    kinds = [e.kind for e in events]
    assert kinds == ["decision", "result", "connection"], kinds
    assert events[1].cancelled is True
    assert json.loads(events[2].detail or "{}")["host"] == "localhost"


@pytest.mark.anyio
@needs_proxy[0]
@needs_proxy[1]
async def test_requests_that_never_name_a_host_are_recorded_too(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    code = (
        "import socket\n"
        "def send(data):\n"
        "    s = socket.create_connection(('127.0.0.1', 3128))\n"
        "    s.sendall(data)\n"
        "    s.shutdown(socket.SHUT_WR)\n"
        "    print(s.recv(100).split(b'\\r\\n')[0].decode() or '-')\n"
        "send(b'')\n"
        "send(b'x' * 20000)\n"
        "send(b'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n')\n"
    )
    policy = make_policy(extra='\n[sandbox]\nallow_domains = ["localhost"]\n')
    async with open_gate(policy, store_url) as gate:
        r = await gate.run(argv=[PYTHON, "-c", code], secure=True)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.decode().split("\n")[:3] == ["HTTP/1.1 400 Bad Request"] * 3
    assert [(c.host, c.allowed, c.reason) for c in r.connections] == [
        ("", False, "closed before a complete request head"),
        ("", False, "no request head within 16384 bytes"),
        ("", False, "only absolute http:// URLs and CONNECT are served"),
    ]


@pytest.mark.anyio
@needs_proxy[0]
async def test_a_job_whose_proxy_cannot_be_made_is_refused(
    make_policy: Callable[..., Policy], store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where neither the gate may make a network namespace (no CAP_SYS_ADMIN) nor a handoff
    socket be made for the job's launcher, a job with allow_domains is refused and the
    refusal recorded: it never runs with no proxy, or with the host's network instead."""
    from execgate import SandboxUnavailable

    def no_handoff() -> _proxy.Handoff:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_proxy, "make_namespace", _no_namespace)
    monkeypatch.setattr(_proxy, "Handoff", no_handoff)
    marker = Path(make_policy().root) / "ran"
    policy = make_policy(extra='\n[sandbox]\nallow_domains = ["localhost"]\n')
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(SandboxUnavailable, match="allow_domains needs a network namespace"):
            await gate.run(argv=["sh", "-c", f"touch {marker}"], secure=True, job_id="j-np")
        events = await gate.events(job_id="j-np")
    assert [e.kind for e in events] == ["decision", "error"]
    assert events[1].code == "EG-SANDBOX-UNAVAILABLE"
    assert not marker.exists()


@pytest.mark.anyio
@needs_proxy[0]
async def test_a_launcher_that_cannot_hand_the_socket_over_never_runs_the_job(
    make_policy: Callable[..., Policy], store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The launcher makes the job's namespace and its proxy socket before anything of the
    job runs; when it cannot hand the socket to the gate (here: the gate's socket is gone),
    it stops there, and the job is refused (EG-SANDBOX-UNAVAILABLE), never run unserved."""
    from execgate import SandboxUnavailable

    real = _proxy.Handoff

    def unreachable() -> _proxy.Handoff:
        handoff = real()
        os.unlink(handoff.path)
        return handoff

    monkeypatch.setattr(_proxy, "make_namespace", _no_namespace)
    monkeypatch.setattr(_proxy, "Handoff", unreachable)
    marker = Path(make_policy().root) / "ran"
    policy = make_policy(extra='\n[sandbox]\nallow_domains = ["localhost"]\n')
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(SandboxUnavailable, match="proxy socket: No such file"):
            await gate.run(argv=["sh", "-c", f"touch {marker}"], secure=True, job_id="j-nh")
        events = await gate.events(job_id="j-nh")
    assert [e.kind for e in events] == ["decision", "error"]
    assert events[1].code == "EG-SANDBOX-UNAVAILABLE"
    assert not marker.exists()


@pytest.mark.anyio
@needs_proxy[0]
async def test_a_launcher_hands_the_socket_to_the_gate_alone(
    make_policy: Callable[..., Policy],
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A socket at the handoff's path that another process made (one that could reach the
    gate's temporary directory) never gets the job's proxy socket: the launcher stops, and
    the job is refused before it runs."""
    import subprocess

    from execgate import SandboxUnavailable

    real = _proxy.Handoff
    impostors: list[subprocess.Popen[bytes]] = []

    def taken() -> _proxy.Handoff:
        handoff = real()
        os.unlink(handoff.path)
        ready = tmp_path / f"ready{len(impostors)}"
        listen = (
            "import socket, sys, time\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            f"s.bind({handoff.path!r}); s.listen(4)\n"
            f"open({str(ready)!r}, 'w').close()\n"
            "time.sleep(30)\n"
        )
        impostors.append(subprocess.Popen([sys.executable, "-c", listen]))
        while not ready.exists():
            threading.Event().wait(0.01)
        return handoff

    monkeypatch.setattr(_proxy, "make_namespace", _no_namespace)
    monkeypatch.setattr(_proxy, "Handoff", taken)
    marker = Path(make_policy().root) / "ran"
    policy = make_policy(extra='\n[sandbox]\nallow_domains = ["localhost"]\n')
    try:
        async with open_gate(policy, store_url) as gate:
            with pytest.raises(SandboxUnavailable, match="proxy socket: the socket there is not"):
                await gate.run(argv=["sh", "-c", f"touch {marker}"], secure=True)
    finally:
        for proc in impostors:
            proc.kill()
            proc.wait()
    assert impostors and not marker.exists()


def test_a_handoff_fits_a_unix_socket_path_whatever_the_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    handoff = _proxy.Handoff()
    try:
        assert os.path.exists(handoff.path) and not handoff.path.startswith(str(deep))
        assert len(os.fsencode(handoff.path)) < 108
    finally:
        handoff.close()
    assert not os.path.exists(handoff.dir)


@pytest.mark.anyio
@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="makes network namespaces for its sockets")
async def test_a_handoff_hears_only_the_jobs_launcher_and_only_a_proxy_socket() -> None:
    """Another process of the gate's user that reaches the handoff socket is not heard; nor
    is a socket that is not a TCP listener on the proxy's address."""

    def send(path: str, sock: socket.socket) -> None:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(path)
            socket.send_fds(conn, [b"L"], [sock.fileno()])

    netns, proxy_socket = _proxy.make_namespace()  # 127.0.0.1:3128, in a namespace of its own
    os.close(netns)
    stranger = socket.create_server(("127.0.0.1", 0))
    handoff = _proxy.Handoff()
    try:
        assert os.stat(handoff.dir).st_mode & 0o777 == 0o700
        handoff.spawned(os.getpid() + 100_000)  # the job's launcher is another process
        send(handoff.path, proxy_socket)
        with anyio.move_on_after(0.5) as waited:
            await handoff.receive()
        assert waited.cancelled_caught  # not heard: still waiting for the launcher

        handoff.spawned(os.getpid())
        send(handoff.path, stranger)  # heard, but not a socket on the proxy's address
        assert await handoff.receive() is None

        send(handoff.path, proxy_socket)
        got = await handoff.receive()
        assert got is not None and got.getsockname() == ("127.0.0.1", 3128)
        got.close()
    finally:
        handoff.close()
        stranger.close()
        proxy_socket.close()
    assert not os.path.exists(handoff.dir)


@pytest.mark.anyio
@pytest.mark.usefixtures("made_by")
@needs_proxy[0]
@needs_proxy[1]
async def test_concurrent_jobs_each_have_their_own_proxy(
    make_policy: Callable[..., Policy], store_url: str, web: int
) -> None:
    """Jobs running at once each get their own namespace and proxy: each job's requests are
    recorded under that job alone."""
    policy = make_policy(
        extra=f'\n[sandbox]\nallow_domains = ["localhost"]\nallow_ports = [{web}]\n'
    )
    code = (
        "import sys, time, urllib.request\n"
        "time.sleep(0.3)\n"  # both jobs alive at once
        f"print(urllib.request.urlopen('http://localhost:{web}/' + sys.argv[1]).read().decode())\n"
        "time.sleep(0.3)\n"
    )
    results = {}
    async with open_gate(policy, store_url) as gate:

        async def job(name: str) -> None:
            results[name] = await gate.run(argv=[PYTHON, "-c", code, name], secure=True)

        async with anyio.create_task_group() as tg:
            for name in ("one", "two", "three"):
                tg.start_soon(job, name)
        events = {
            name: await gate.events(job_id=r.job_id, kind="connection")
            for name, r in results.items()
        }
    for name, r in results.items():
        assert r.stdout.decode().strip() == f"hello /{name}", r.stderr
        assert len(r.connections) == 1 and r.connections[0].allowed
        assert len(events[name]) == 1
        assert json.loads(events[name][0].detail or "{}")["received"] == r.connections[0].received


@pytest.mark.anyio
@needs_proxy[0]
@needs_proxy[1]
async def test_connections_that_cannot_be_written_are_never_dropped(
    make_policy: Callable[..., Policy], tmp_path: Path, web: int
) -> None:
    """Like a job's result, its connection events are kept for the shutdown's last
    attempt and spooled to a file when the store still refuses them."""
    import sqlite3

    db_path = tmp_path / "rec" / "events.db"
    url = f"sqlite:///{db_path}?busy_timeout=0.1"
    policy = make_policy(
        extra=f'\n[sandbox]\nallow_domains = ["localhost"]\nallow_ports = [{web}]\n'
    )
    code = (
        "import time, urllib.request\n"
        f"urllib.request.urlopen('http://localhost:{web}/').read()\n"
        "time.sleep(0.8)\n"
    )
    locker: sqlite3.Connection | None = None
    async with open_gate(policy, url) as gate:

        async def lock_soon() -> None:
            nonlocal locker
            await anyio.sleep(0.5)  # the decision is written by now; the job still runs
            locker = sqlite3.connect(db_path, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")

        async with anyio.create_task_group() as tg:
            tg.start_soon(lock_soon)
            r = await gate.run(argv=[PYTHON, "-c", code], secure=True, job_id="unlucky")
        assert r.exit_code == 0 and not r.recorded, r.stderr
        assert gate.statistics().unrecorded_events == 2
    assert locker is not None
    locker.execute("ROLLBACK")
    locker.close()
    assert gate.spooled_to is not None
    lines = [json.loads(line) for line in Path(gate.spooled_to).read_text().splitlines()]
    assert [(e["job_id"], e["kind"]) for e in lines] == [
        ("unlucky", "result"), ("unlucky", "connection"),
    ]  # fmt: skip
    assert json.loads(lines[1]["detail"])["host"] == "localhost"


NON_ROOT_GATE = r"""
import json, site, sys
site.addsitedir(sys.argv[1])  # the test's environment, for this system python
import anyio
from execgate import Gate, load_policy
from execgate.process import _proxy

args = json.loads(sys.argv[2])
real = _proxy.resolve

async def resolve(host, port):
    return ["127.0.0.1"] if host.endswith(".test") else await real(host, port)

_proxy.resolve = resolve
out = {"support": list(_proxy.proxy_support())}
try:
    _proxy.make_namespace()
    out["gate's namespace"] = "made"
except OSError as exc:
    out["gate's namespace"] = f"refused: {exc.strerror}"

async def main():
    async with Gate.open(load_policy(args["policy"]), args["store"]) as gate:
        r = await gate.run(argv=args["argv"], secure=True, job_id="non-root")
        events = await gate.events(job_id="non-root", kind="connection", limit=20)
    out.update(
        exit=r.exit_code, sandbox=r.sandbox, stdout=r.stdout.decode(), stderr=r.stderr.decode(),
        connections=[[c.host, c.port, c.allowed, c.sent > 0 and c.received > 0]
                     for c in r.connections],
        events=[[json.loads(e.detail)["host"], e.decision] for e in events],
    )

anyio.run(main)
print(json.dumps(out))
"""

NON_ROOT_JOB = r"""
import json, os, socket, sys, urllib.error, urllib.request
port = int(sys.argv[1])

def get(url):
    try:
        return urllib.request.urlopen(url, timeout=10).read().decode().strip()
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.read().decode().strip()}"

def attempt(address):
    try:
        socket.create_connection(address, timeout=3).close()
        return "connected"
    except OSError as exc:
        return f"refused: {type(exc).__name__}"

def tunnel():
    s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
    s.sendall(f"CONNECT files.test:{port} HTTP/1.1\r\n\r\nGET /tunnel HTTP/1.0\r\n\r\n".encode())
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    return data.decode().rsplit("\r\n", 1)[-1].strip()

print(json.dumps({
    "uid inside": os.getuid(),
    "allowed": get(f"http://files.test:{port}/pkg"),
    "tunnel": tunnel(),
    "refused": get(f"http://example.com:{port}/"),
    "direct to server": attempt(("127.0.0.1", port)),
    "direct outside": attempt(("192.0.2.1", 80)),
}))
"""


@pytest.mark.root
@pytest.mark.skipif(
    os.geteuid() != 0
    or not os.path.exists("/usr/bin/setpriv")
    or not os.path.exists("/usr/bin/python3"),
    reason="needs root to become another user, setpriv and a system python3",
)
@needs_proxy[0]
def test_a_non_root_gate_gives_jobs_network_by_domain(web: int) -> None:
    """A gate as uid 65534 cannot make a network namespace itself: each job's launcher makes
    the job's own inside its user namespace and hands the proxy's socket over. An allowed
    host is reached through the proxy, a refused one is refused, no connection goes around
    it, and every request is in the recorder, as with a root gate."""
    import shutil
    import subprocess
    import sysconfig
    import tempfile

    system = subprocess.run(
        ["/usr/bin/python3", "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    if system.stdout.strip() != str(sys.version_info[:2]):
        pytest.skip("the system python3 is not this test's version")
    purelib = Path(sysconfig.get_paths()["purelib"])
    if not all(os.stat(p).st_mode & 0o005 == 0o005 for p in (purelib, *purelib.parents)):
        pytest.skip(f"uid 65534 cannot read this environment's packages ({purelib})")
    base = Path(tempfile.mkdtemp(prefix="execgate-nonroot-"))
    try:
        (base / "ws").mkdir()
        (base / "ws" / "job.py").write_text(NON_ROOT_JOB)
        (base / "gate.py").write_text(NON_ROOT_GATE)
        (base / "policy.toml").write_text(
            f'version = 1\n[workspace]\nroot = "{base / "ws"}"\n'
            '[[allow]]\ncommand = "/usr/bin/python3"\nargs = "any"\npaths = "any"\n'
            f'[sandbox]\nallow_domains = ["files.test"]\nallow_ports = [{web}]\n'
        )
        for path in (base, *base.rglob("*")):
            os.chown(path, 65534, 65534)
        args = {
            "policy": str(base / "policy.toml"),
            "store": f"sqlite:///{base / 'rec' / 'events.db'}",
            "argv": ["/usr/bin/python3", "job.py", str(web)],
        }
        run = subprocess.run(
            ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "/usr/bin/python3", str(base / "gate.py"), sysconfig.get_paths()["purelib"],
             json.dumps(args)],
            capture_output=True, cwd=base / "ws", timeout=60,
            env={"PATH": "/usr/bin:/bin", "HOME": str(base), "LANG": "C.UTF-8"},
        )  # fmt: skip
        assert run.returncode == 0, run.stderr.decode()[-3000:]
        out = json.loads(run.stdout)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert out["gate's namespace"].startswith("refused"), out
    ok, detail = out["support"]
    assert ok and "made by the sandbox launcher" in detail, detail
    assert out["exit"] == 0 and out["sandbox"] == "on", out["stderr"]
    seen = json.loads(out["stdout"])
    assert seen["uid inside"] == 0
    assert seen["allowed"] == "hello /pkg"
    assert seen["tunnel"] == "hello /tunnel"
    assert seen["refused"] == "403 execgate proxy: domain example.com is not in allow_domains"
    assert seen["direct to server"].startswith("refused"), seen
    assert seen["direct outside"].startswith("refused"), seen
    assert out["connections"] == [
        ["files.test", web, True, True],
        ["files.test", web, True, True],
        ["example.com", web, False, False],
    ]
    assert out["events"] == [["files.test", "allow"], ["files.test", "allow"],
                             ["example.com", "deny"]]  # fmt: skip
