"""Limits on a job's whole process tree, enforced by the kernel's cgroup controllers.

``processes`` becomes the job cgroup's ``pids.max``: a fork bomb stops at N processes even for
root (RLIMIT_NPROC, which the spawn also sets, exempts root and counts per user, not per job).
``memory_bytes`` becomes the job cgroup's memory limit for the whole tree (the spawn's
RLIMIT_AS still bounds each process's address space): past it the kernel OOM-kills inside the
job, never outside it. Like the containment cgroup, the job joins these cgroups *before* its
program's first instruction (in the native spawn helper, else the shim), so no fork can
precede the limit.

Where the controllers are: this reads cgroup v1 hierarchies (``/sys/fs/cgroup/pids``,
``/sys/fs/cgroup/memory`` on hybrid hosts, where cgroup2 has no controllers). A host where
neither is writable gets no tree limits; ``execgate doctor`` says so, and the per-process
rlimits still apply.

Which limit was hit is read back after the job: ``pids.events`` counts refused forks,
``memory.oom_control`` counts OOM kills.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shlex
import signal
import time

from ..models import Limits
from ._procfs import read_kernel_file

CONTROLLERS = ("pids", "memory")
_LIMIT_FILE = {"pids": "pids.max", "memory": "memory.limit_in_bytes"}


def _v1_mount(controller: str) -> str | None:
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields = right.split()
                if fields[:1] == ["cgroup"] and controller in fields[-1].split(","):
                    return left.split()[4]
    except OSError:
        return None
    return None


def _v1_own(controller: str) -> str | None:
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, names, path = line.rstrip("\n").split(":", 2)
                if controller in names.split(","):
                    return path
    except (OSError, ValueError):
        return None
    return None


def _empty_and_remove(path: str) -> None:
    """SIGKILL whatever is still in the cgroup ``path`` and remove it (bounded)."""
    for _ in range(200):
        try:
            pids = [int(p) for p in read_kernel_file(os.path.join(path, "cgroup.procs")).split()]
        except OSError:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.005)


def dead_gate_cgroups(parent: str) -> list[str]:
    """The cgroups under ``parent`` of gates whose process is gone (SIGKILL, OOM): those
    named ``execgate-<pid>-*`` whose pid no longer exists. A pid of another user's live
    process (no permission to signal it) counts as alive."""
    dead: list[str] = []
    with contextlib.suppress(OSError):
        for entry in os.listdir(parent):
            pid_text = entry.split("-")[1] if entry.startswith("execgate-") else ""
            if not pid_text.isdigit():
                continue
            try:
                os.kill(int(pid_text), 0)
            except ProcessLookupError:
                dead.append(os.path.join(parent, entry))
            except PermissionError:
                pass
    return dead


def _sweep_dead_gates(parent: str) -> None:
    """Remove the limit cgroups of gates whose process is gone (and kill what they left)."""
    for base in dead_gate_cgroups(parent):
        with contextlib.suppress(OSError):
            for job in os.listdir(base):
                if os.path.isdir(os.path.join(base, job)):
                    _empty_and_remove(os.path.join(base, job))
        _empty_and_remove(base)


class JobCgroups:
    """The limit cgroups of one job (one per controller it needs)."""

    def __init__(self, dirs: dict[str, str]) -> None:
        self.dirs = dirs

    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` file of every limit cgroup: the job's process writes its own
        pid into each before its program's first instruction."""
        return [os.path.join(d, "cgroup.procs") for d in self.dirs.values()]

    def join_script(self) -> str:
        """Shell commands, run by the spawn shim in the job's own process, that move it into
        every limit cgroup (and fail the spawn with status 125 if they cannot)."""
        joins = " && ".join(f"echo $$ > {shlex.quote(path)}" for path in self.procs_files())
        return (
            "{ " + joins + "; } 2>/dev/null || "
            '{ echo "execgate: cannot join the limit cgroups" >&2; exit 125; }; '
        )

    def hit(self) -> str | None:
        """The tree limit the job ran into, if any: ``processes`` or ``memory_bytes``."""
        if "memory" in self.dirs and _counter(
            self.dirs["memory"], "memory.oom_control", "oom_kill"
        ):
            return "memory_bytes"
        if "pids" in self.dirs and _counter(self.dirs["pids"], "pids.events", "max"):
            return "processes"
        return None

    def close(self) -> None:
        for path in self.dirs.values():
            _empty_and_remove(path)


def _counter(path: str, name: str, key: str) -> int:
    try:
        for line in read_kernel_file(os.path.join(path, name)).decode().splitlines():
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
    except (OSError, ValueError):
        return 0
    return 0


class TreeLimits:
    """One gate's limit cgroups: a directory per available controller, a job cgroup in each
    for every job that sets a tree limit."""

    def __init__(self, bases: dict[str, str]) -> None:
        self.bases = bases
        self._counter = itertools.count()

    @classmethod
    def create(cls) -> TreeLimits:
        bases: dict[str, str] = {}
        for controller in CONTROLLERS:
            mount, own = _v1_mount(controller), _v1_own(controller)
            if mount is None or own is None:
                continue
            parent = os.path.join(mount, own.lstrip("/"))
            _sweep_dead_gates(parent)
            base = os.path.join(parent, f"execgate-{os.getpid()}-{secrets.token_hex(4)}")
            try:
                os.mkdir(base)
            except OSError:
                continue
            if not os.path.exists(os.path.join(base, _LIMIT_FILE[controller])):
                with contextlib.suppress(OSError):
                    os.rmdir(base)
                continue
            bases[controller] = base
        return cls(bases)

    @property
    def enforced(self) -> tuple[str, ...]:
        """The request limits enforced on the whole tree here."""
        names = {"pids": "processes", "memory": "memory_bytes"}
        return tuple(names[c] for c in CONTROLLERS if c in self.bases)

    def job(self, limits: Limits | None) -> JobCgroups | None:
        """Limit cgroups for a job under ``limits``, or None if it sets no tree limit (or the
        host has no controller for it). Raises OSError if a cgroup cannot be set up."""
        if limits is None:
            return None
        wanted = {"pids": limits.processes, "memory": limits.memory_bytes}
        values = {c: v for c, v in wanted.items() if v is not None and c in self.bases}
        if not values:
            return None
        n = next(self._counter)
        dirs: dict[str, str] = {}
        try:
            for controller, value in values.items():
                path = os.path.join(self.bases[controller], f"job-{n}")
                os.mkdir(path)
                dirs[controller] = path
                with open(os.path.join(path, _LIMIT_FILE[controller]), "w") as f:
                    f.write(str(value))
        except OSError:
            JobCgroups(dirs).close()
            raise
        return JobCgroups(dirs)

    def close(self) -> None:
        for base in self.bases.values():
            with contextlib.suppress(OSError):
                for job in os.listdir(base):
                    if os.path.isdir(os.path.join(base, job)):
                        _empty_and_remove(os.path.join(base, job))
            _empty_and_remove(base)


__all__ = ["JobCgroups", "TreeLimits"]
