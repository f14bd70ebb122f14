"""Network by domain: the filtering HTTP proxy a confined job reaches its allowed hosts by.

How the job reaches it. A job with ``allow_domains`` runs in a network namespace of its own:
its only interface is ``lo``, up, and the only socket in it is the proxy's listening socket
on ``127.0.0.1:`` :data:`PROXY_PORT`, which the gate serves from its own event loop. There is
no relay process and no socket file in the job's root: the listening socket belongs to the
job's namespace, while every connection the proxy makes upstream is made from the gate's
namespace, after the gate's own resolver has resolved the name. The job gets ``HTTP_PROXY``,
``HTTPS_PROXY``, ``http_proxy``, ``https_proxy`` and ``ALL_PROXY`` pointing at it, and an
empty ``NO_PROXY``.

Who makes the namespace (:meth:`JobProxy.open`):

* the gate, where it may (CAP_SYS_ADMIN in its user namespace: root, or a container's
  root): one of its threads makes the namespace and the socket in it (:func:`make_namespace`),
  and the job's confiner joins that namespace before it makes the job's user namespace, so
  the job holds no capability over it;
* otherwise the job's sandbox launcher (``sandbox_exec.py``; the native helper confines
  only as root): inside the job's new user namespace it makes the job's network namespace,
  brings ``lo`` up, listens on the proxy's address and sends the listening socket to the
  gate (``SCM_RIGHTS``) over a :class:`Handoff`, a unix socket alone in a private directory
  of the gate's user; each end checks the other (``SO_PEERCRED``): the gate hears only the
  launcher's pid, the launcher sends only to a socket its parent made. The launcher closes
  its copy before anything of the job runs. The job is then root in the user namespace that owns its
  network namespace (as any confined job of a non-root gate is): it may reconfigure that
  namespace, but it holds nothing outside it, so there is still no route anywhere but the
  proxy.

Guarantees:

* the job can reach nothing but the proxy: its namespace has no route anywhere else, and
  a connection to any other port of ``127.0.0.1`` is refused by the kernel; Landlock (ABI 4
  and later) also refuses it any TCP ``bind``, so it cannot listen for anything either;
* the proxy serves only requests the rules of ``_proxy_rules`` allow (CONNECT, or an
  absolute-form ``http://`` request, to an allowed host on an allowed port), and connects
  to the address it resolved itself, never to one the job names beside the host;
* every request, served or refused, is one :class:`~execgate.models.ProxyConnection` in
  :meth:`JobProxy.connections`, with the bytes relayed each way;
* the proxy lives inside the job: :meth:`JobProxy.serve` runs in the job's task and is
  cancelled when the job has ended, which closes every connection it relayed;
  :meth:`JobProxy.close` then closes the listening socket and the namespace's last
  reference (and a handoff's socket and directory), so the namespace goes with the job. If
  the gate's process dies, all of it dies with it (the sockets are the gate's).

Failure modes: where the gate cannot make the namespace and no :class:`Handoff` can be
made either, :meth:`JobProxy.open` raises ``OSError`` and the job is refused
(EG-SANDBOX-UNAVAILABLE). Where the launcher cannot make the namespace, bring ``lo`` up,
listen, or hand the socket over, it stops before the program with its one-line error, and
the job is refused the same way: it never runs with more network than asked for. At most
:data:`MAX_CONNECTIONS` connections are relayed at once per job; further ones are refused
(503) and recorded. Past :data:`MAX_RECORDS` requests in one job, every further one is
refused, and they are recorded together as one. A request whose head does not arrive
within :data:`HEAD_TIMEOUT` seconds is closed and recorded as refused. A name that does not
resolve, or a server that does not answer within :data:`CONNECT_TIMEOUT` seconds, gets 502
and is recorded as allowed but failed.

Limits: a tunnel carries whatever the job sends once it is open (TLS's SNI and an HTTP
``Host`` inside it are not checked), and forwarded http requests after the first on one
connection go to the same server. Either way the bytes reach only the address resolved for
the allowed name, but a server that hosts other domains on that address (a CDN) may serve
them ("domain fronting"), as with any proxy that does not terminate TLS.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence

import anyio
import attrs
from anyio.abc import SocketListener, SocketStream

from ..models import ProxyConnection
from ._proxy_rules import MAX_HEAD_BYTES, Allowed, Refused, Target, decide, parse_head
from ._proxy_rules import public_address as _public

#: Where the proxy listens inside the job's network namespace.
PROXY_HOST = "127.0.0.1"
PROXY_PORT = 3128
#: Connections relayed at once for one job; more are refused (503).
MAX_CONNECTIONS = 64
#: Requests recorded one by one for one job. Past it every request is refused (503), and
#: they are recorded together as one (so that a job cannot flood the flight recorder).
MAX_RECORDS = 10_000
#: Seconds a client has to send its request head.
HEAD_TIMEOUT = 30.0
#: Seconds the proxy waits for the upstream server to accept.
CONNECT_TIMEOUT = 10.0
_CHUNK = 65536
#: The longest temporary directory a :class:`Handoff` is made in (else ``/tmp``).
_HANDOFF_BASE_MAX = 80
_CLONE_NEWNET = 0x40000000
_SYS_SETNS = 308
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
_STATUS = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway", 503: "Service Unavailable"}


def proxy_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with every proxy variable a client library reads pointing at the job's
    proxy, and ``NO_PROXY`` empty: no host is reached directly, since none can be."""
    url = f"http://{PROXY_HOST}:{PROXY_PORT}"
    names = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
    return {**env, **dict.fromkeys(names, url), "NO_PROXY": "", "no_proxy": ""}


def _bring_up_lo() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, _SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def make_namespace() -> tuple[int, socket.socket]:
    """A new network namespace with ``lo`` up and the proxy's listening socket in it:
    (an fd of the namespace, the socket, non-blocking). Blocking; raises ``OSError`` where
    this process may not make a network namespace. The calling thread is back in its own
    namespace when this returns or raises."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.unshare(_CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"cannot make a network namespace: {os.strerror(err)}")
        try:
            netns = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            try:
                _bring_up_lo()
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    listener.bind((PROXY_HOST, PROXY_PORT))
                    listener.listen(MAX_CONNECTIONS)
                    listener.setblocking(False)
                except BaseException:
                    listener.close()
                    raise
            except BaseException:
                os.close(netns)
                raise
        finally:
            if libc.syscall(_SYS_SETNS, home, _CLONE_NEWNET) != 0:
                # cannot happen for a thread that just left it; never run on in the wrong one
                os.abort()
        return netns, listener
    finally:
        os.close(home)


class Handoff:
    """Where a job's confiner hands its proxy's listening socket to the gate, when the gate
    cannot make the job's namespace: a unix socket alone in a private directory (mode 0700,
    the gate's user) that the sandbox launcher connects to once it has made the namespace,
    and sends the listening socket over (``SCM_RIGHTS``). Only a connection from the job's
    launcher (its pid, by ``SO_PEERCRED``) is heard, and the launcher sends only to a socket
    its parent made. Blocking to make; close it when done."""

    def __init__(self) -> None:
        base = tempfile.gettempdir()
        if len(os.fsencode(base)) > _HANDOFF_BASE_MAX:
            base = "/tmp"  # a unix socket's path is at most 107 bytes
        self.dir = tempfile.mkdtemp(prefix="execgate-proxy-", dir=base)
        #: The socket's path, for the launcher.
        self.path = os.path.join(self.dir, "s")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.bind(self.path)
            self._sock.listen(4)
            self._sock.setblocking(False)
        except BaseException:
            self.close()
            raise
        self._pid = 0
        self._spawned: anyio.Event | None = None

    def spawned(self, pid: int) -> None:
        """The job's launcher is ``pid``: only its connection is heard."""
        self._pid = pid
        if self._spawned is not None:
            self._spawned.set()

    def close(self) -> None:
        self._sock.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.rmdir(self.dir)

    async def receive(self) -> socket.socket | None:
        """The listening socket the job's launcher sends (non-blocking), once it has; None
        when what it sent is not one (then nobody serves the job's namespace: its
        connections to the proxy wait, and reach nothing)."""
        while True:
            await anyio.wait_readable(self._sock)
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                continue
            with conn:
                pid = _peer_pid(conn)
                if not self._pid:
                    self._spawned = anyio.Event()
                    await self._spawned.wait()
                if pid != self._pid:
                    continue  # not the job's launcher: not heard
                conn.setblocking(False)
                await anyio.wait_readable(conn)
                try:
                    _, fds, flags, _ = socket.recv_fds(conn, 1, 2, socket.MSG_CMSG_CLOEXEC)
                except OSError:
                    return None
                return _listener_of(fds, flags)

    def receive_blocking(self, timeout: float) -> socket.socket | None:
        """:meth:`receive` for the probe: the first connection, within ``timeout``."""
        self._sock.settimeout(timeout)
        try:
            conn, _ = self._sock.accept()
        except OSError:
            return None
        with conn:
            conn.settimeout(timeout)
            try:
                _, fds, flags, _ = socket.recv_fds(conn, 1, 2, socket.MSG_CMSG_CLOEXEC)
            except OSError:
                return None
            return _listener_of(fds, flags)


def _peer_pid(conn: socket.socket) -> int:
    """The pid of the process that connected ``conn`` (as this process sees it)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid: int = struct.unpack("3i", creds)[0]
    return pid


def _listener_of(fds: list[int], flags: int) -> socket.socket | None:
    """The one fd received, if it is a TCP socket listening on the proxy's address."""
    if len(fds) != 1 or flags & socket.MSG_CTRUNC:
        for fd in fds:
            os.close(fd)
        return None
    listener = socket.socket(fileno=fds[0])
    try:
        ok = (
            listener.family == socket.AF_INET
            and listener.type == socket.SOCK_STREAM
            and listener.getsockname() == (PROXY_HOST, PROXY_PORT)
            and listener.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        )
    except OSError:
        ok = False
    if not ok:
        listener.close()
        return None
    listener.setblocking(False)
    return listener


_support: list[tuple[bool, str]] = []


def proxy_support() -> tuple[bool, str]:
    """(available, detail): whether this process can give jobs a proxy (it makes one
    namespace to find out, or where it cannot, has the sandbox launcher make one and hand
    its socket over; cached). Blocking."""
    if not _support:
        where = f"{PROXY_HOST}:{PROXY_PORT}"
        try:
            netns, listener = make_namespace()
        except OSError as exc:
            why = exc.strerror or str(exc)
            problem = _probe_handoff()
            if problem is None:
                detail = (
                    f"per job: its own network namespace, made by the sandbox launcher in the "
                    f"job's user namespace, the proxy on {where} inside (this process cannot "
                    f"make one: {why})"
                )
                _support.append((True, detail))
            else:
                _support.append((False, f"not available: {why}; {problem}"))
        else:
            listener.close()
            os.close(netns)
            detail = f"per job: its own network namespace, the proxy on {where} inside"
            _support.append((True, detail))
    return _support[0]


def _probe_handoff() -> str | None:
    """Runs the sandbox launcher once with ``/bin/true`` and a :class:`Handoff`: None when
    the socket came back, else what went wrong. Blocking."""
    from ._sandbox import HELPER, launcher_config, probe_confinement

    try:
        handoff = Handoff()
    except OSError as exc:
        return f"no handoff socket: {exc.strerror or exc}"
    try:
        config = launcher_config(probe_confinement(handoff.path), "/", None)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", HELPER, config, "--", "/bin/true"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
        except OSError as exc:
            return f"the sandbox launcher did not run: {exc}"
        listener = handoff.receive_blocking(10.0)
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if listener is None:
            said = err.decode(errors="replace").strip()
            return f"the sandbox launcher could not hand over a proxy socket: {said or 'none came'}"
        listener.close()
        return None
    finally:
        handoff.close()


def _ignore(pid: int) -> None:
    pass


def _open_blocking() -> tuple[int, socket.socket] | Handoff:
    try:
        return make_namespace()
    except OSError as exc:
        try:
            return Handoff()
        except OSError:
            raise exc from None


@attrs.define(eq=False)
class _Record:
    host: str
    port: int
    allowed: bool
    reason: str = ""
    sent: int = 0
    received: int = 0

    def value(self) -> ProxyConnection:
        return ProxyConnection(
            host=self.host, port=self.port, allowed=self.allowed, reason=self.reason,
            sent=self.sent, received=self.received,
        )  # fmt: skip


def _shown(host: str) -> str:
    """A host as recorded: printable ASCII, bounded."""
    return ascii(host)[1:-1][:255]


class JobProxy:
    """One job's proxy: its namespace, its listening socket, its connections (see the
    module docstring). Open with :meth:`open`, run :meth:`serve` in a task for the job's
    life, then cancel it and :meth:`close`."""

    def __init__(
        self,
        netns: int,
        listener: socket.socket | None,
        allow: Sequence[str],
        ports: Sequence[int],
        handoff: Handoff | None = None,
    ) -> None:
        #: An fd of the job's network namespace (for the spawn to join), or -1: the job's
        #: confiner makes it and sends the listening socket through :attr:`handoff`.
        self.netns = netns
        self._sock = listener
        self.handoff = handoff
        self._allow = tuple(allow)
        self._ports = tuple(ports)
        self._records: list[_Record] = []
        self._over = 0  # requests refused past MAX_RECORDS
        self._open = 0

    @classmethod
    async def open(cls, allow: Sequence[str], ports: Sequence[int]) -> JobProxy:
        """Make the job's namespace and the proxy's socket (on a worker thread); where this
        process cannot, a :class:`Handoff` for the job's confiner to send the socket through
        (the job must then be confined by the sandbox launcher). Raises ``OSError`` when
        neither can be made."""
        made = await anyio.to_thread.run_sync(_open_blocking)
        if isinstance(made, tuple):
            return cls(*made, allow, ports)
        return cls(-1, None, allow, ports, made)

    @property
    def spawned(self) -> Callable[[int], None]:
        """Called with the pid of the process the job was started as (its launcher)."""
        return self.handoff.spawned if self.handoff is not None else _ignore

    def connections(self) -> tuple[ProxyConnection, ...]:
        """Every request so far, in the order they came, with their byte counts now (those
        past :data:`MAX_RECORDS` as one, last)."""
        records = [r.value() for r in self._records]
        if self._over:
            why = f"{self._over} more requests refused: over {MAX_RECORDS} in one job"
            records.append(ProxyConnection(host="", port=0, allowed=False, reason=why))
        return tuple(records)

    def close(self) -> None:
        """Close the listening socket and this process's reference to the namespace."""
        if self._sock is not None:
            self._sock.close()
        if self.handoff is not None:
            self.handoff.close()
        if self.netns >= 0:
            os.close(self.netns)
            self.netns = -1

    async def serve(self) -> None:
        """Accept and serve until cancelled; never raises otherwise."""
        if self._sock is None:
            assert self.handoff is not None
            self._sock = await self.handoff.receive()
            self.handoff.close()
            if self._sock is None:
                return
        listener = await SocketListener.from_socket(self._sock)
        async with anyio.create_task_group() as tg:
            while True:
                try:
                    client = await listener.accept()
                except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                    await anyio.sleep(0.01)  # out of fds, say: try again, do not spin
                    continue
                tg.start_soon(self._serve_one, client)

    async def _serve_one(self, client: SocketStream) -> None:
        async with client:
            if len(self._records) >= MAX_RECORDS:
                self._over += 1
                await _reply(client, 503, f"over {MAX_RECORDS} requests in one job")
                return
            if self._open >= MAX_CONNECTIONS:
                record = _Record("", 0, False, f"over {MAX_CONNECTIONS} connections at once")
                self._records.append(record)
                await _reply(client, 503, record.reason)
                return
            self._open += 1
            try:
                await self._relay(client)
            finally:
                self._open -= 1

    async def _relay(self, client: SocketStream) -> None:
        head: bytes = b""
        rest: bytes | str = f"no request head within {HEAD_TIMEOUT:g} s"
        with anyio.move_on_after(HEAD_TIMEOUT):
            head, rest = await _read_head(client)
        if isinstance(rest, str):
            self._records.append(_Record("", 0, False, rest))
            await _reply(client, 400, rest)
            return
        target = parse_head(head)
        verdict: Allowed | Refused = (
            target if isinstance(target, Refused) else decide(target, self._allow, self._ports)
        )
        if isinstance(verdict, Refused):
            self._records.append(_Record(_shown(verdict.host), verdict.port, False, verdict.reason))
            await _reply(client, verdict.status, verdict.reason)
            return
        assert isinstance(target, Target)
        record = _Record(verdict.host, verdict.port, True)
        self._records.append(record)
        upstream = await _connect(verdict, record)
        if upstream is None:
            await _reply(client, 403 if not record.allowed else 502, record.reason)
            return
        async with upstream:
            if target.kind == "connect":
                await _send(client, b"HTTP/1.1 200 Connection Established\r\n\r\n")
                first = rest
            else:
                first = target.head + rest
            try:
                if first:
                    await upstream.send(first)
                    record.sent += len(first)
            except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                return
            async with anyio.create_task_group() as pipes:
                pipes.start_soon(_pipe, client, upstream, record, True)
                pipes.start_soon(_pipe, upstream, client, record, False)


async def _read_head(client: SocketStream) -> tuple[bytes, bytes | str]:
    """(head through the blank line, bytes after it), or (b"", why not) when the client
    stopped or went over :data:`MAX_HEAD_BYTES` first."""
    buf = b""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0 and end + 4 <= MAX_HEAD_BYTES:
            return buf[: end + 4], buf[end + 4 :]
        if len(buf) > MAX_HEAD_BYTES:
            return b"", f"no request head within {MAX_HEAD_BYTES} bytes"
        try:
            buf += await client.receive(_CHUNK)
        except (OSError, anyio.EndOfStream, anyio.BrokenResourceError):
            return b"", "closed before a complete request head"


async def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host``, by the gate's resolver (``getaddrinfo``), in its order.
    Raises ``OSError`` when the name does not resolve. Module-level so a test can point
    names at local servers without touching the host's resolver."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def _connect(verdict: Allowed, record: _Record) -> SocketStream | None:
    """A connection to the allowed host, resolved here; None with ``record`` saying why
    (``allowed`` turned false when the rules refuse the address it resolved to)."""
    try:
        with anyio.fail_after(CONNECT_TIMEOUT):
            addresses = await resolve(verdict.host, verdict.port)
    except (OSError, TimeoutError) as exc:
        record.reason = f"cannot resolve {verdict.host}: {getattr(exc, 'strerror', None) or exc}"
        return None
    if not verdict.exact and not all(_public(a) for a in addresses):
        record.allowed = False
        record.reason = (
            f"{verdict.host} (allowed by {verdict.entry}) resolves to a non-public address "
            f"({', '.join(a for a in addresses if not _public(a))}); list it exactly to allow it"
        )
        return None
    failure = "no address"
    for address in addresses:
        try:
            with anyio.fail_after(CONNECT_TIMEOUT):
                return await anyio.connect_tcp(address, verdict.port)
        except (OSError, TimeoutError) as exc:
            failure = getattr(exc, "strerror", None) or str(exc) or "timed out"
    record.reason = f"cannot connect to {verdict.host}:{verdict.port}: {failure}"
    return None


async def _send(stream: SocketStream, data: bytes) -> None:
    with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await stream.send(data)


async def _reply(client: SocketStream, status: int, reason: str) -> None:
    body = f"execgate proxy: {reason}\n".encode("ascii", "replace")
    head = (
        f"HTTP/1.1 {status} {_STATUS.get(status, 'Error')}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    await _send(client, head + body)


async def _pipe(src: SocketStream, dst: SocketStream, record: _Record, up: bool) -> None:
    """Copy ``src`` to ``dst`` until EOF, counting into ``record``; then half-close ``dst``."""
    try:
        while True:
            data = await src.receive(_CHUNK)
            await dst.send(data)
            if up:
                record.sent += len(data)
            else:
                record.received += len(data)
    except (OSError, anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
        pass
    with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await dst.send_eof()


__all__ = [
    "CONNECT_TIMEOUT",
    "HEAD_TIMEOUT",
    "MAX_CONNECTIONS",
    "PROXY_HOST",
    "PROXY_PORT",
    "Handoff",
    "JobProxy",
    "make_namespace",
    "proxy_env",
    "proxy_support",
    "resolve",
]
