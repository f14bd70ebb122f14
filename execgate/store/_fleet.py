"""Many gates on one store: which host a gate is on, and how long its lease lasts.

Pure functions and values; the lease rows themselves are written by ``SqlStore``
(``take_lease``, ``renew_lease``, ``release_lease``, ``recover_expired``, ``leases``).

* The host id is, first found: the gate's ``host_id`` option, ``EXECGATE_HOST_ID``, the
  policy's ``[recorder] host_id``, else derived from the machine id (``/etc/machine-id``,
  stable across reboots) as a keyed hash, so the machine id itself, which systemd asks
  programs not to expose, never reaches the store; else the host name. Containers made from
  one image may share a machine id: set the variable there. Every event carries it (a column
  the chain hash covers), and it names hosts for people (``fleet``, ``log --host``); recovery
  does not depend on it being unique: a lease is one gate's, whatever its host.
* A host id is 1 to 128 printable characters without spaces at either end.
* A lease lasts ``EXECGATE_LEASE_SECONDS`` (default 30 s) and is renewed every third of it,
  so a gate is presumed dead only after missing two renewals. Lease times are the database's
  clock on PostgreSQL, so the hosts' clocks need not agree. A gate that finds its lease
  recovered, or that could not renew it for its whole duration, stops its running jobs and
  refuses new ones (``EG-LEASE-LOST``; see ``Gate._keep_lease``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
from collections.abc import Callable, Mapping

import attrs

from ..errors import StoreInvalid

DEFAULT_LEASE_SECONDS = 30.0
MACHINE_ID = "/etc/machine-id"
MAX_HOST_ID = 128
#: The application key of the machine id's hash (as systemd's app-specific machine ids do).
_APP_KEY = b"execgate host id"


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def check_host_id(value: str, where: str) -> str:
    """``value`` if it is a valid host id, else ``StoreInvalid`` naming ``where`` it came
    from."""
    if not 0 < len(value) <= MAX_HOST_ID or not value.isprintable() or value != value.strip():
        raise StoreInvalid(
            f"{where}: a host id is 1 to {MAX_HOST_ID} printable characters without spaces "
            f"at either end, got {value[:MAX_HOST_ID]!r}"
        )
    return value


def derived_host_id(read: Callable[[str], str] = _read) -> str:
    """The default host id: 16 hex digits of HMAC-SHA256 keyed by the machine id, else the
    host name (cut to the limit)."""
    machine = read(MACHINE_ID)
    if machine:
        return hmac.new(machine.encode(), _APP_KEY, hashlib.sha256).hexdigest()[:16]
    return socket.gethostname()[:MAX_HOST_ID] or "localhost"


def host_id(
    configured: str | None = None,
    *,
    policy: str | None = None,
    environ: Mapping[str, str] = os.environ,
    read: Callable[[str], str] = _read,
) -> str:
    """This host's id in the fleet: ``configured`` (the gate's option), else
    ``EXECGATE_HOST_ID``, else ``policy`` (the policy's ``[recorder] host_id``), else
    :func:`derived_host_id`. Raises ``StoreInvalid`` (``EG-STORE-INVALID``) for a malformed one."""
    if configured is not None:
        return check_host_id(configured, "the host_id option")
    env = environ.get("EXECGATE_HOST_ID")
    if env:
        return check_host_id(env, "EXECGATE_HOST_ID")
    if policy is not None:
        return check_host_id(policy, "the policy's [recorder] host_id")
    return derived_host_id(read)


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


__all__ = ["Lease", "check_host_id", "derived_host_id", "host_id", "lease_seconds"]
