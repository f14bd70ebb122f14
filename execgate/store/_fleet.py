"""Many gates on one store: which host a gate is on, and how long its lease lasts.

Pure functions and values; the lease rows themselves are written by ``SqlStore``
(``take_lease``, ``renew_lease``, ``release_lease``, ``recover_expired``, ``leases``).

* The host id is ``EXECGATE_HOST_ID`` when set, else the machine id (``/etc/machine-id``:
  stable across reboots; containers made from one image may share it, so set the variable
  there), else the host name. It names hosts for people (``fleet``, ``log --host``);
  recovery does not depend on it being unique: a lease is one gate's, whatever its host.
* A lease lasts ``EXECGATE_LEASE_SECONDS`` (default 30 s) and is renewed every third of it,
  so a gate is presumed dead only after missing two renewals. Lease times are the database's
  clock on PostgreSQL, so the hosts' clocks need not agree.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping

import attrs

DEFAULT_LEASE_SECONDS = 30.0
MACHINE_ID = "/etc/machine-id"


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def host_id(environ: Mapping[str, str] = os.environ, read: Callable[[str], str] = _read) -> str:
    """This host's id in the fleet (see the module's docstring)."""
    return environ.get("EXECGATE_HOST_ID") or read(MACHINE_ID) or socket.gethostname()


def lease_seconds(environ: Mapping[str, str] = os.environ) -> float:
    """How long a lease lasts; a malformed or non-positive value means the default."""
    try:
        value = float(environ.get("EXECGATE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
    except ValueError:
        return DEFAULT_LEASE_SECONDS
    return value if 0 < value < float("inf") else DEFAULT_LEASE_SECONDS


@attrs.frozen
class Lease:
    """One gate as the store knows it (``execgate fleet``)."""

    chain_id: str
    host_id: str
    pid: int
    started: float
    renewed: float
    expires: float
    released: float | None
    recovered_by: str | None
    recovered_at: float | None
    #: Allowed jobs of this gate without a result, error or interrupted event.
    running_jobs: int

    def state(self, now: float) -> str:
        if self.released is not None:
            return "stopped"
        if self.recovered_by is not None:
            return "recovered"
        return "live" if self.expires >= now else "expired"


__all__ = ["Lease", "host_id", "lease_seconds"]
