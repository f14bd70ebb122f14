"""Secure mode for the Runner: wrap a job's argv in the sandbox launcher, and know whether this
host can run it.

The launcher (``sandbox_exec.py``, standard library only) runs inside the job's cgroups (the spawn
helper or shim joined them; its pids cgroup allows the launcher's own two processes on top of the
job's ``processes``), then confines itself — new mount, PID and network namespaces, a fresh
``/proc``, Landlock filesystem, network and signal rules — and execs the program under the job's
rlimits, which it sets itself just before (so a small ``memory_bytes`` or ``open_files`` binds the
program, not the launcher's Python). What the job may read: the system directories below, a few
files of ``/etc`` (not ``/etc/shadow``), the program's own install prefix, and the policy's
``[sandbox] read`` paths; what it may write: the workspace and a private temp directory (which is
also its ``HOME`` and ``TMPDIR``).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import attrs

from ..models import ExecPlan, Limits
from ._tree import rlimit_values

HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox_exec.py")
#: Processes of the launcher itself in a job's tree (outside the namespace, and its init):
#: a ``processes`` limit counts the job's own, so its pids cgroup allows these on top.
LAUNCHER_PROCESSES = 2

SYSTEM_READ = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc")
ETC_READ = tuple(
    "/etc/" + name
    for name in (
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ld.so.preload", "passwd", "group",
        "nsswitch.conf", "localtime", "timezone", "ssl", "ca-certificates", "hosts",
        "resolv.conf", "host.conf", "alternatives", "mime.types", "os-release", "protocols",
        "services", "terminfo", "inputrc", "magic", "gitconfig", "python3", "locale.alias",
        "environment", "profile", "bash.bashrc", "debian_version", "machine-id", "shells",
    )
)  # fmt: skip
DEVICES_READ = ("/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")
DEVICES_WRITE = ("/dev/null", "/dev/zero", "/dev/full")


#: Directories no confined job may read: the flight recorders' (see :func:`protect`).
_protected: set[str] = set()


def protect(directory: str) -> None:
    """Keep ``directory`` (a flight recorder's) out of every confined job's reach, even when
    a program's install prefix holds it (a program in ``~/bin`` has ``~`` as its prefix)."""
    _protected.add(os.path.realpath(directory))


def _holds_protected(prefix: str) -> bool:
    inside = prefix.rstrip("/") + "/"
    return any(p == prefix or p.startswith(inside) for p in _protected)


def _prefixes(program: str) -> list[str]:
    """The install prefixes of ``program``: of the path it was found at (a virtualenv's
    ``.venv/bin/pytest`` → ``.venv``, whose site-packages it needs) and of the file it
    resolves to (``/opt/py/bin/python3.11`` → ``/opt/py``, its standard library). A prefix
    that holds a protected directory is narrowed to the program's own directory."""
    found = []
    for path in (os.path.abspath(program), os.path.realpath(program)):
        prefix = os.path.dirname(os.path.dirname(path))
        if _holds_protected(os.path.realpath(prefix)):
            prefix = os.path.dirname(path)
            if _holds_protected(os.path.realpath(prefix)):
                continue
        if prefix not in ("/", "") and prefix not in found:
            found.append(prefix)
    return found


def tree_limits(limits: Limits) -> Limits:
    """The limits the job's cgroups get when it runs confined: ``processes`` plus the
    launcher's own (the rlimits are the launcher's to set, see ``sandbox_argv``)."""
    if limits.processes is None:
        return limits
    return attrs.evolve(limits, processes=limits.processes + LAUNCHER_PROCESSES)


def sandbox_argv(plan: ExecPlan, tmpdir: str) -> list[str]:
    """The argv that runs ``plan.argv`` confined (``plan.sandbox`` must be set)."""
    assert plan.sandbox is not None
    read = [*SYSTEM_READ, *ETC_READ, *DEVICES_READ, *plan.sandbox.read]
    read += _prefixes(plan.argv[0])
    config = {
        "read": read,
        "write": [*plan.sandbox.write, tmpdir, *DEVICES_WRITE],
        "network": plan.sandbox.network,
        "cwd": plan.cwd,
        # set by the launcher right before exec: they bind the program, not the launcher
        "rlimits": rlimit_values(plan.limits),
    }
    return [sys.executable, "-I", "-S", HELPER, json.dumps(config), "--", *plan.argv]


@functools.cache
def support() -> tuple[bool, str]:
    """(available, why not): runs the launcher once with ``/bin/true`` (cached per process;
    blocking, so call it from a worker thread)."""
    config = json.dumps({"read": list(SYSTEM_READ), "write": [], "network": False, "cwd": "/"})
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", HELPER, config, "--", "/bin/true"],
            capture_output=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"the sandbox launcher did not run: {exc}"
    if proc.returncode != 0:
        return False, proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}"
    return True, "namespaces (mount, pid, net) + Landlock"


__all__ = ["HELPER", "LAUNCHER_PROCESSES", "protect", "sandbox_argv", "support", "tree_limits"]
