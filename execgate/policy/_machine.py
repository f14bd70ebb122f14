"""The names and addresses of this machine, for the refusal of ``ssh`` to itself (a command
run through the host's own sshd is not decided by execgate).

Read once per process from the host: its host name, the names ``/etc/hosts`` gives to a
loopback or local address, and every interface address (psutil). A DNS name that resolves to
this machine is not known here; secure mode's network namespace is what stops that one.
"""

from __future__ import annotations

import functools
import ipaddress
import socket

import psutil

__all__ = ["this_machine"]


@functools.cache
def this_machine() -> frozenset[str]:
    """Lower-case host names and address strings that name this machine."""
    names: set[str] = set()
    try:
        own = socket.gethostname().lower()
    except OSError:
        own = ""
    if own:
        names.update({own, own.split(".", 1)[0]})
    try:
        for addrs in psutil.net_if_addrs().values():
            for a in addrs:
                if a.family in (socket.AF_INET, socket.AF_INET6):
                    names.add(a.address.split("%", 1)[0].lower())
    except (OSError, RuntimeError):
        pass
    try:
        with open("/etc/hosts", encoding="utf-8", errors="replace") as f:
            lines = f.read(1 << 20).splitlines()
    except OSError:
        lines = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            addr = ipaddress.ip_address(fields[0].split("%", 1)[0])
        except ValueError:
            continue
        if addr.is_loopback or addr.is_unspecified or str(addr) in names:
            names.update(n.lower().rstrip(".") for n in fields[1:])
    return frozenset(names)
