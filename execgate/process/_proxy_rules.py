"""Network by domain, the pure part: which hosts a confined job may reach through its proxy,
and what a request to the proxy asks for. No I/O; the proxy (``_proxy``) reads and decides
with these.

The rules, in the order they are applied to one request:

1. The request is a ``CONNECT host:port`` (TLS and any other tunnel) or an absolute-form
   ``http://host[:port]/...`` request. Anything else (origin-form, other schemes, a URL with
   user information, a head over :data:`MAX_HEAD_BYTES`) is refused.
2. The host is a DNS name (letters, digits, hyphens, dots; at most 253 bytes) or an IP
   literal. It is compared in lower case without a trailing dot; anything else (non-ASCII,
   underscores, percent signs, empty labels) is refused rather than guessed at.
3. The port must be one of the allowed ports (80 and 443 unless configured).
4. A name is allowed when an entry equals it, or when an entry ``*.suffix`` has it as a
   proper subdomain (``*.pythonhosted.org`` matches ``files.pythonhosted.org``, not
   ``pythonhosted.org``). An IP literal is allowed only when listed itself: a wildcard never
   matches one.
5. After resolution (the gate's resolver, on the gate's side), a name allowed only by a
   wildcard must not resolve to a loopback, private, link-local or otherwise non-public
   address: a domain whose DNS an attacker controls cannot be pointed at the host's own
   services. A name listed exactly may (``localhost`` when you list it).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

import attrs

#: Ports the proxy connects to unless the policy lists others (``allow_ports``).
DEFAULT_PORTS = (80, 443)
#: The most a request head (request line and headers) may take.
MAX_HEAD_BYTES = 16 * 1024

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def normal_host(host: str) -> str | None:
    """``host`` as rules compare it (lower case, no trailing dot, an IP literal in its
    canonical form), or None when it is neither a DNS name nor an IP literal."""
    if not host.isascii():
        return None
    if host.startswith("[") and host.endswith("]"):
        ip = _ip(host[1:-1])
        return str(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    ip = _ip(host)
    if ip is not None:
        return str(ip)
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
    if len(name) > 253 or not _NAME.fullmatch(name):
        return None
    if name.rsplit(".", 1)[-1].isdigit():
        return None  # 127.1, 0x7f.1 and other numeric forms a resolver reads as addresses
    return name


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid ``allow_domains`` entry, or None. An entry is a DNS
    name, an IP literal, or ``*.`` and a name of at least two labels (``*.com`` would allow
    a whole top-level domain)."""
    body = pattern[2:] if pattern.startswith("*.") else pattern
    host = normal_host(body)
    if host is None or host != body:
        return (
            f"expected a lower-case host name, an IP address or '*.' and a host name, "
            f"got {pattern!r}"
        )
    if pattern.startswith("*."):
        if _ip(body) is not None:
            return f"a wildcard cannot cover IP addresses, got {pattern!r}"
        if "." not in body:
            return f"a wildcard must name at least two labels (*.example.com), got {pattern!r}"
    return None


def matching_entry(host: str, allow: Sequence[str]) -> str | None:
    """The entry of ``allow`` that lets ``host`` (already :func:`normal_host`) through, an
    exact one before a wildcard, or None."""
    if host in allow:
        return host
    if _ip(host) is not None:
        return None
    for entry in allow:
        if entry.startswith("*.") and host.endswith(entry[1:]):
            return entry
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def public_address(address: str) -> bool:
    """Whether ``address`` (an IP address) is a public one: not loopback, private,
    link-local, multicast, reserved or unspecified. An IPv6 address that carries an IPv4
    one (mapped, NAT64's well-known prefix, 6to4) is judged by the IPv4 address too: a
    translator would deliver it there."""
    ip = _ip(address.split("%", 1)[0])
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and not public_address(str(inner)):
            return False
    return ip.is_global and not ip.is_multicast


@attrs.frozen
class Target:
    """Where one proxy request wants to go."""

    #: "connect" (a tunnel) or "http" (one absolute-form request, forwarded).
    kind: str
    host: str
    port: int
    #: For "http": the request head rewritten for the origin server (origin-form, ``Host``
    #: the URL's own, no proxy or hop-by-hop headers, ``Connection: close``).
    head: bytes = b""


@attrs.frozen
class Refused:
    """A request the proxy will not serve: the HTTP status and why (shown to the job)."""

    status: int
    reason: str
    #: The host and port asked for, when the request got that far ("" and 0 otherwise).
    host: str = ""
    port: int = 0


#: Headers never forwarded: the proxy's own, hop-by-hop ones, and ``Host`` (replaced by the
#: URL's authority, so the server is asked for the host the rules allowed and no other).
_DROPPED_HEADERS = frozenset(
    {b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive", b"te",
     b"trailer", b"upgrade", b"host"}
)  # fmt: skip


def _host_port(authority: str, default: int | None) -> tuple[str, int] | None:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            return None
        host, rest = authority[: end + 1], authority[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else None
    else:
        host, sep, port_text_ = authority.partition(":")
        port_text = port_text_ if sep else None
    if port_text is None:
        if default is None:
            return None
        return host, default
    if not port_text.isdigit() or len(port_text) > 5 or not 0 < int(port_text) < 65536:
        return None
    return host, int(port_text)


def parse_head(head: bytes) -> Target | Refused:
    """The target of a request whose head (through the blank line) is ``head``."""
    lines = head.split(b"\r\n")
    try:
        method, target, version = lines[0].decode("ascii").split(" ")
    except (UnicodeDecodeError, ValueError):
        return Refused(400, "not an HTTP request line")
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        return Refused(400, f"unsupported HTTP version {version!r}")
    if method == "CONNECT":
        parsed = _host_port(target, None)
        if parsed is None:
            return Refused(400, f"CONNECT wants host:port, got {target!r}")
        return Target("connect", parsed[0], parsed[1])
    if not target.lower().startswith("http://"):
        if target.lower().startswith("https://"):
            return Refused(400, "https URLs go through CONNECT, not a forwarded request")
        return Refused(400, "only absolute http:// URLs and CONNECT are served")
    rest = target[7:]
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if "@" in authority:
        return Refused(400, "URLs with user information are refused")
    if "#" in path:
        path = path[: path.index("#")]
    if not path.startswith("/"):
        path = "/" + path
    parsed = _host_port(authority, 80)
    if parsed is None or not parsed[0]:
        return Refused(400, f"no host:port in {target!r}")
    out = [f"{method} {path} {version}".encode("ascii"), f"Host: {authority}".encode("ascii")]
    for line in lines[1:]:
        if not line:
            continue
        name = line.split(b":", 1)[0].strip().lower()
        if name not in _DROPPED_HEADERS:
            out.append(line)
    out.append(b"Connection: close")
    return Target("http", parsed[0], parsed[1], b"\r\n".join(out) + b"\r\n\r\n")


@attrs.frozen
class Allowed:
    """A target the rules let through: its normal host, and the entry that allowed it."""

    host: str
    port: int
    entry: str

    @property
    def exact(self) -> bool:
        """Listed itself (so it may resolve to any address), not through a wildcard."""
        return not self.entry.startswith("*.")


def decide(target: Target, allow: Sequence[str], ports: Sequence[int]) -> Allowed | Refused:
    """Rules 2-4 for ``target`` (see the module docstring)."""
    host = normal_host(target.host)
    if host is None:
        return Refused(403, f"not a host name: {target.host!r}", target.host, target.port)
    if target.port not in ports:
        allowed = ", ".join(str(p) for p in ports)
        return Refused(403, f"port {target.port} is not allowed (allowed: {allowed})",
                       host, target.port)  # fmt: skip
    entry = matching_entry(host, allow)
    if entry is None:
        what = "IP address" if _ip(host) is not None else "domain"
        return Refused(403, f"{what} {host} is not in allow_domains", host, target.port)
    return Allowed(host, target.port, entry)


__all__ = [
    "DEFAULT_PORTS",
    "MAX_HEAD_BYTES",
    "Allowed",
    "Refused",
    "Target",
    "decide",
    "matching_entry",
    "normal_host",
    "parse_head",
    "pattern_problem",
    "public_address",
]
