"""Process-tree containment: knowing every process a job started, and ending all of them.

Two mechanisms, strongest first:

``cgroup``
    Each job gets its own cgroup v2 directory. The job joins it *before its program's first
    instruction*, so there is no window in which a fork can escape: the native spawn helper
    (``_native.c``) creates the child in it (``clone3`` with ``CLONE_INTO_CGROUP``), or where
    the kernel refuses that, the child writes its pid into ``cgroup.procs`` before ``execve``
    (:meth:`JobTree.placement`); where the helper was not built, a tiny ``/bin/sh`` shim does the
    same and then ``exec``\\ s the program (:meth:`JobTree.wrap`), at the cost of a second exec per
    job. An emptied job cgroup is reused by a later job of the gate. Every descendant -- whatever it
    does with ``setsid()``, double forks or process groups -- stays in the cgroup, and
    ``cgroup.kill`` ends them all atomically, including ones forked during the kill. Needs a
    writable cgroup2 hierarchy with ``cgroup.kill`` (Linux >= 5.14; root, or a delegated subtree).

``process-group``
    The fallback. The job leads its own session and process group; execgate marks itself as
    a child subreaper (``PR_SET_CHILD_SUBREAPER``) so orphaned descendants are re-parented to
    it instead of init, and gives the job a random ``EXECGATE_JOB_TOKEN`` in its environment.
    A sweep kills the process group, every descendant of the leader, and every re-parented
    orphan that is the job's (:meth:`ProcessGroupJob.claims`: the token, seen in the job
    before, or started in the job's life while no other job had begun), with its
    descendants. An orphan that several running jobs may have started is killed when the last
    of them ends, and whatever is left of them at the gate's close then
    (:meth:`ProcessGroupContainment.close`). Best effort where the subreaper cannot be set.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import errno
import functools
import itertools
import os
import resource
import secrets
import signal
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, NamedTuple, Protocol

from ..errors import ContainmentFailed
from ..models import Limits
from ._cglimits import JobCgroups, TreeLimits, dead_gate_cgroups
from ._procfs import read_kernel_file
from ._spawn import Placement

Mechanism = Literal["cgroup", "process-group"]

# Braces, not a subshell: a subshell would fork, and the pid written (and the limits set)
# must be the shim's own, which exec then hands to the program.
_JOIN = (
    '{ echo $$ > "$0"; } 2>/dev/null || { echo "execgate: cannot join cgroup" >&2; exit 125; }; '
)
_EXEC = 'exec "$@"'

_SHELL = "/bin/sh"


def rlimit_values(limits: Limits | None) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) for each per-process limit in ``limits``: what the native spawn helper
    sets in the child (or the shim through :func:`ulimit_script`), and what the secure-mode launcher
    sets itself just before exec (so they bind the program, not the launcher).

    Memory rounds up to whole KiB and file size to 512-byte blocks (dash's units). The CPU
    hard limit is one second above the soft one, so the program gets SIGXCPU (reported as
    ``cpu_seconds``) first.
    """
    if limits is None:
        return []
    values = []
    if limits.cpu_seconds is not None:
        values.append((resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1))
    if limits.memory_bytes is not None:
        kib = -(-limits.memory_bytes // 1024) * 1024
        values.append((resource.RLIMIT_AS, kib, kib))
    if limits.open_files is not None:
        values.append((resource.RLIMIT_NOFILE, limits.open_files, limits.open_files))
    if limits.file_size_bytes is not None:
        blocks = -(-limits.file_size_bytes // 512) * 512
        values.append((resource.RLIMIT_FSIZE, blocks, blocks))
    if limits.processes is not None:
        values.append((resource.RLIMIT_NPROC, limits.processes, limits.processes))
    return values


#: dash's ``ulimit`` flag for each resource, and the unit it counts in.
_ULIMIT = {
    resource.RLIMIT_CPU: ("-t", 1),
    resource.RLIMIT_AS: ("-v", 1024),
    resource.RLIMIT_NOFILE: ("-n", 1),
    resource.RLIMIT_FSIZE: ("-f", 512),
    resource.RLIMIT_NPROC: ("-p", 1),
}


def ulimit_script(limits: Limits | None) -> str:
    """Shell commands that set the job's resource limits (:func:`rlimit_values`), or "" for
    none. Run by the shim in the job's own process before ``exec``: the limits hold from the
    program's first instruction, at no cost beyond the shim (no preexec_fn, no race after
    spawn)."""
    cmds = []
    for res, soft, hard in rlimit_values(limits):
        flag, unit = _ULIMIT[res]
        if soft == hard:
            cmds.append(f"ulimit {flag} {soft // unit}")
        else:
            cmds.append(f"ulimit -S {flag} {soft // unit} && ulimit -H {flag} {hard // unit}")
    if not cmds:
        return ""
    return (
        "{ " + " && ".join(cmds) + "; } || "
        '{ echo "execgate: cannot set resource limits" >&2; exit 125; }; '
    )


_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
#: How many empty job cgroups a gate keeps for reuse.
SPARE_CGROUPS = 64


class JobTree(Protocol):
    """The set of processes belonging to one job."""

    mechanism: Mechanism

    def wrap(
        self,
        argv: tuple[str, ...],
        env: Mapping[str, str],
        limits: Limits | None = None,
        *,
        rlimits: bool = True,
    ) -> tuple[list[str], dict[str, str]]:
        """The argv and env to spawn so that the child starts inside the container, under
        ``limits`` (the per-process rlimits only if ``rlimits``: the secure-mode launcher sets
        them itself)."""
        ...

    def placement(
        self, env: Mapping[str, str], limits: Limits | None = None, *, rlimits: bool = True
    ) -> tuple[dict[str, str], Placement]:
        """What :meth:`wrap` does with a shell, for the native spawn helper: the env to
        spawn with, and the cgroups to join and rlimits to set in the child before its
        program's first instruction."""
        ...

    def adopt(self, pid: int) -> None:
        """Called right after spawn with the leader's pid."""
        ...

    def signal_all(self, sig: int) -> int:
        """Send ``sig`` to every live process of the job; return how many were signalled."""
        ...

    def kill_step(self) -> bool:
        """SIGKILL every process of the job; True while any may still be alive."""
        ...

    def limit_hit(self) -> str | None:
        """The whole-tree limit the job ran into (``processes``, ``memory_bytes``), if any."""
        ...

    def close(self, *, reusable: bool = True) -> None:
        """Release the container (the job must be empty). ``reusable=False``: never hand it to
        another job (its leader was killed from outside, perhaps through its cgroup)."""
        ...


class _TreeLimited:
    """What both job kinds share: the job's limit cgroups (pids.max, memory), joined by the
    spawn (helper or shim) before the program's first instruction."""

    def __init__(self, tree_limits: TreeLimits) -> None:
        self._tree_limits = tree_limits
        self._cg: JobCgroups | None = None

    def _limit_cgroups(self, limits: Limits | None) -> JobCgroups | None:
        try:
            self._cg = self._tree_limits.job(limits)
        except OSError as exc:
            raise ContainmentFailed(f"cannot set up the job's limit cgroups: {exc}") from None
        return self._cg

    def _limit_prefix(self, limits: Limits | None) -> str:
        cg = self._limit_cgroups(limits)
        return cg.join_script() if cg is not None else ""

    def _limit_joins(self, limits: Limits | None) -> list[str]:
        cg = self._limit_cgroups(limits)
        return cg.procs_files() if cg is not None else []

    def limit_hit(self) -> str | None:
        return self._cg.hit() if self._cg is not None else None

    def _close_limits(self) -> None:
        if self._cg is not None:
            self._cg.close()


class Stat(NamedTuple):
    """What ``/proc/PID/stat`` says of a process that containment needs."""

    state: str
    ppid: int
    pgrp: int
    session: int
    #: When it started, in clock ticks since boot (see :func:`now_ticks`): with the pid, it
    #: names one process for good -- a pid alone may since have been reused.
    start: int


def _read_stat(pid: int) -> Stat | None:
    """``pid``'s :class:`Stat`, or None if it is gone."""
    try:
        data = read_kernel_file(f"/proc/{pid}/stat")
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rfind(b")") + 2 :].split()
    return Stat(rest[0].decode(), int(rest[1]), int(rest[2]), int(rest[3]), int(rest[19]))


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def now_ticks() -> int:
    """Now, on the clock of :attr:`Stat.start` (boot time in clock ticks, rounded down as the
    kernel rounds it): a process started after this call has a start time >= it."""
    return int(time.clock_gettime(time.CLOCK_BOOTTIME) * _CLK_TCK)


def _kill(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


#: Leaders of live jobs in this process. Their exit status belongs to the event loop; a pid
#: remembered from one job's tree may by now be reused by another job's leader, so no sweep
#: may ever wait on these.
_LEADERS: set[int] = set()

#: Every job of every gate in this process that is not closed yet, with a clock tick
#: (:func:`now_ticks`) taken before its leader was spawned: a process started earlier than
#: all of them cannot be theirs. This is how the process-group mechanism attributes a process
#: re-parented to us that it cannot otherwise tell apart (no token, never seen): see
#: :meth:`ProcessGroupJob.claims`. Weak: a job given up before its spawn (a refused sandbox,
#: a cancelled setup) may never be closed, and must not stay live for ever.
_LIVE_JOBS: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()


def _another_job_began_by(job: object, tick: int) -> bool:
    """Whether a live job other than ``job`` began at or before ``tick`` (so a process
    started then may be that job's)."""
    return any(began <= tick for other, began in _LIVE_JOBS.items() if other is not job)


#: Sessions (= leader pids) of recent jobs under the process-group mechanism: a zombie child
#: of ours in one of them is a job's orphan (bounded; pids are reused eventually).
_JOB_SESSIONS: collections.OrderedDict[int, None] = collections.OrderedDict()
_JOB_SESSIONS_KEPT = 4096
#: Pids seen in a job (process-group mechanism): one that escaped its session and died after
#: its job closed is still recognised as ours when it shows up as a zombie later.
_JOB_PIDS: collections.OrderedDict[int, None] = collections.OrderedDict()
_JOB_PIDS_KEPT = 65536


def _remember(table: collections.OrderedDict[int, None], pids: Iterable[int], kept: int) -> None:
    for pid in pids:
        table[pid] = None
        table.move_to_end(pid)
    while len(table) > kept:
        table.popitem(last=False)


def reap_strays(is_ours: Callable[[int, Stat], bool]) -> int:
    """Collect the exit status of every zombie child of this process that ``is_ours`` claims
    (never a live job's leader, whose status the event loop collects). Job processes that
    were orphaned and died before any sweep saw them are re-parented to us (we are their
    subreaper) and would stay zombies for the life of the host otherwise. Only our direct
    children are looked at (``/proc/self/task/*/children``), so this is cheap; the host's own
    children are left alone unless ``is_ours`` says they were a job's. Returns how many."""
    reaped = 0
    for child in _my_children():
        if child in _LEADERS:
            continue
        st = _read_stat(child)
        if st is None or st.state != "Z" or not is_ours(child, st):
            continue
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(child, os.WNOHANG)
            reaped += 1
    return reaped


def _my_children() -> list[int]:
    """This process's children: the ones it started and the orphans re-parented to it."""
    me = os.getpid()
    try:
        tids = os.listdir(f"/proc/{me}/task")
    except OSError:
        return []
    children = []
    for tid in tids:
        with contextlib.suppress(OSError, ValueError):
            children += [
                int(c) for c in read_kernel_file(f"/proc/{me}/task/{tid}/children").split()
            ]
    return children


def _cgroup_of(pid: int) -> str | None:
    """The cgroup2 path of ``pid`` (still readable for a zombie)."""
    try:
        text = read_kernel_file(f"/proc/{pid}/cgroup").decode(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("0::"):
            return line[3:].strip()
    return None


#: Where the cgroup directories this process made for its gates are (cgroup2 paths up to
#: ``execgate-<pid>-``), kept after a gate closes: a job process can die a moment after the
#: last sweep of its gate saw the cgroup empty (it leaves the cgroup before it becomes a
#: zombie re-parented to us), and once the gate is closed only another gate's sweep can
#: collect it.
_GATE_CGROUPS: set[str] = set()


def in_a_gate_cgroup(pid: int, _st: object = None) -> bool:
    """Whether ``pid`` (a zombie child of ours) was in a job cgroup of any of our gates."""
    path = _cgroup_of(pid)
    return path is not None and any(path.startswith(prefix) for prefix in _GATE_CGROUPS)


def reap_orphans(pids: Iterable[int], leader: int) -> None:
    """Collect the exit status of job processes re-parented to us (we are their subreaper),
    never a leader's."""
    for pid in pids:
        if pid == leader or pid in _LEADERS:
            continue
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


# --- cgroup v2 --------------------------------------------------------------------------------


def _cgroup2_mount() -> str | None:
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                if right.split()[:1] == ["cgroup2"]:
                    return left.split()[4]
    except OSError:
        return None
    return None


def _own_cgroup() -> str | None:
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    return line[3:].strip()
    except OSError:
        return None
    return None


class CgroupJob(_TreeLimited):
    mechanism: Mechanism = "cgroup"

    def __init__(
        self,
        path: str,
        tree_limits: TreeLimits,
        relative: str,
        recycle: Callable[[str], bool] = lambda path: False,
    ) -> None:
        super().__init__(tree_limits)
        self.path = path
        #: An O_PATH fd of the cgroup's directory until the job's leader is spawned into it
        #: (see ``Placement.cgroup``): closed by adopt, or with the job if the spawn failed;
        #: not kept with a recycled cgroup (a gate holds no fd for its spare cgroups).
        self._dir_fd: int | None = None
        #: This job's cgroup as /proc/PID/cgroup shows it ("/.../execgate-…/job-N").
        self.relative = relative
        self.leader = -1
        self._seen: set[int] = set()
        #: The native helper put the leader in the cgroup before it ran (see adopt).
        self._joined_at_spawn = False
        #: cgroup.kill was written: the cgroup is not reused (see close).
        self._killed = False
        self._procs_file = os.path.join(path, "cgroup.procs")
        self._events_file = os.path.join(path, "cgroup.events")
        #: Takes this job's cgroup back for another job once it is empty (see close).
        self._recycle = recycle
        #: cgroup.events, opened at its first read and closed with the job: a pread is one
        #: system call where open, read, read and close are four (and it is read twice a job).
        self._events: int | None = None
        # Live, for a process-group gate in this process: until adopt, our leader (the shim's
        # path: not in its cgroup yet) must not look like an orphan of one of its jobs.
        _LIVE_JOBS[self] = now_ticks()

    def _procs(self) -> list[int]:
        try:
            return [int(x) for x in read_kernel_file(self._procs_file).split()]
        except FileNotFoundError:
            return []

    def populated(self) -> bool:
        try:
            if self._events is None:
                self._events = os.open(self._events_file, os.O_RDONLY | os.O_CLOEXEC)
            return b"populated 1" in os.pread(self._events, 4096, 0)
        except FileNotFoundError:
            return False
        except OSError as exc:
            if exc.errno == errno.ENODEV:  # read through a fd kept after the cgroup went
                return False
            raise

    def wrap(
        self,
        argv: tuple[str, ...],
        env: Mapping[str, str],
        limits: Limits | None = None,
        *,
        rlimits: bool = True,
    ) -> tuple[list[str], dict[str, str]]:
        procs = os.path.join(self.path, "cgroup.procs")
        ulimits = ulimit_script(limits) if rlimits else ""
        script = _JOIN + self._limit_prefix(limits) + ulimits + _EXEC
        return [_SHELL, "-c", script, procs, *argv], dict(env)

    def placement(
        self, env: Mapping[str, str], limits: Limits | None = None, *, rlimits: bool = True
    ) -> tuple[dict[str, str], Placement]:
        values = tuple(rlimit_values(limits) if rlimits else [])
        joins = tuple(self._limit_joins(limits))
        self._joined_at_spawn = True
        if self._dir_fd is None:
            try:
                self._dir_fd = os.open(self.path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError:
                # (gone, say) The child's write to it fails the spawn as every join does.
                return dict(env), Placement((self._procs_file, *joins), values)
        return dict(env), Placement(joins, values, (self._dir_fd, self._procs_file))

    def adopt(self, pid: int) -> None:
        self.leader = pid
        _LEADERS.add(pid)
        if self._dir_fd is not None:  # clone3 is done with it: not one more fd per job
            os.close(self._dir_fd)
            self._dir_fd = None
        if self._joined_at_spawn:
            # The child joined before execve, and the helper returns only after that: moving
            # it again would cost a cgroup migration (an RCU grace period) for nothing.
            return
        try:
            with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
                f.write(str(pid))
        except OSError as exc:
            if exc.errno == errno.ESRCH:  # already exited: it ran inside the cgroup
                return
            _kill(pid, signal.SIGKILL)
            raise ContainmentFailed(f"cannot move job into {self.path}: {exc}") from None

    def signal_all(self, sig: int) -> int:
        pids = self._procs()
        self._seen.update(pids)
        return sum(_kill(pid, sig) for pid in pids)

    def kill_step(self) -> bool:
        # Empty (the common case: the program exited alone): nothing to list or kill, and
        # a process that left it is dead -- it can never come back into it.
        if not self.populated():
            reap_orphans(self._seen, self.leader)
            return False
        self._seen.update(self._procs())
        self._killed = True
        try:
            with open(os.path.join(self.path, "cgroup.kill"), "w") as f:
                f.write("1")
        except FileNotFoundError:
            return False
        return self.populated()

    def close(self, *, reusable: bool = True) -> None:
        reap_orphans(self._seen, self.leader)
        _LEADERS.discard(self.leader)
        _LIVE_JOBS.pop(self, None)
        if is_subreaper():  # otherwise the job's orphans were never ours to reap
            reap_strays(in_a_gate_cgroup)
        self._close_limits()
        # An empty cgroup stays empty until someone writes a pid into it: the next job may
        # have it, saving a mkdir and an rmdir (each a cgroup-tree lock in the kernel).
        empty = not self.populated()
        if self._events is not None:
            os.close(self._events)
            self._events = None
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None
        # Never one that was killed: on Linux 6.18 (seen here) every child later created in a
        # cgroup once killed through cgroup.kill is SIGKILLed at birth (clone3 with
        # CLONE_INTO_CGROUP; its kill count no longer matches our own cgroup's, see
        # _native.c; a child that joins by a write is not) -- a fresh cgroup's matches. Nor
        # one whose leader someone else SIGKILLed (not reusable): it may have been by writing
        # its cgroup.kill (systemd-oomd, an operator), which this cannot see.
        if empty and reusable and not self._killed and self._recycle(self.path):
            return
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(self.path)


def _kill_and_remove(base: str) -> None:
    """Kill every job cgroup under ``base`` and remove them and ``base``."""
    with contextlib.suppress(OSError):
        for entry in os.listdir(base):
            sub = os.path.join(base, entry)
            if not os.path.isdir(sub):
                continue
            with contextlib.suppress(OSError), open(os.path.join(sub, "cgroup.kill"), "w") as f:
                f.write("1")
            for _ in range(200):  # cgroup.kill is asynchronous: wait for the group to empty
                with contextlib.suppress(OSError):
                    os.rmdir(sub)
                    break
                time.sleep(0.005)
    with contextlib.suppress(OSError):
        os.rmdir(base)


def _sweep_dead_gates(parent: str) -> None:
    """Jobs of a gate whose process died (SIGKILL, OOM) are still in its cgroups: end them."""
    for base in dead_gate_cgroups(parent):
        _kill_and_remove(base)


class CgroupContainment:
    mechanism: Mechanism = "cgroup"

    def __init__(self, base: str, mount: str = "") -> None:
        self.base = base
        self.mount = mount
        self._counter = itertools.count()
        self.tree_limits = TreeLimits.create()
        #: Empty job cgroups kept for the next jobs (see CgroupJob.close).
        self._spare: list[str] = []

    @classmethod
    def create(cls) -> CgroupContainment | None:
        """A private cgroup directory for this gate, or None where cgroups are unusable."""
        mount, own = _cgroup2_mount(), _own_cgroup()
        if mount is None or own is None or not os.path.exists(_SHELL):
            return None
        parent = os.path.join(mount, own.lstrip("/"))
        _sweep_dead_gates(parent)
        base = os.path.join(parent, f"execgate-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.mkdir(base)
        except OSError:
            return None
        if not os.path.exists(os.path.join(base, "cgroup.kill")):
            with contextlib.suppress(OSError):
                os.rmdir(base)
            return None
        # One prefix for all of this process's gates there, so the set stays one entry long
        # however many gates a host opens and closes.
        within = os.path.normpath("/" + os.path.relpath(parent, mount))
        _GATE_CGROUPS.add(os.path.join(within, f"execgate-{os.getpid()}-"))
        return cls(base, mount)

    def new_job(self, job_id: str) -> JobTree:
        if self._spare:
            path = self._spare.pop()
        else:
            path = os.path.join(self.base, f"job-{next(self._counter)}")
            try:
                os.mkdir(path)
            except OSError as exc:
                raise ContainmentFailed(f"cannot create the job's cgroup: {exc}") from None
        relative = "/" + os.path.relpath(path, self.mount) if self.mount else path
        return CgroupJob(path, self.tree_limits, relative, self._recycle)

    def _recycle(self, path: str) -> bool:
        if len(self._spare) >= SPARE_CGROUPS:
            return False
        self._spare.append(path)
        return True

    def close(self) -> None:
        _kill_and_remove(self.base)
        reap_strays(in_a_gate_cgroup)  # what the kill ended and was ours (once a gate: cheap)
        self.tree_limits.close()


# --- process group + subreaper fallback ---------------------------------------------------------


@functools.cache
def _prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _set_subreaper() -> bool:
    prctl = _prctl()
    return prctl is not None and int(prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0


def is_subreaper() -> bool:
    """Whether orphaned descendants of this process are re-parented to it (set by the
    process-group mechanism, or by the host itself): only then can a job's orphans become
    our zombies. Unknown counts as yes."""
    prctl = _prctl()
    if prctl is None:
        return True
    flag = ctypes.c_int(0)
    if prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) != 0:
        return True
    return flag.value != 0


class ProcessGroupJob(_TreeLimited):
    mechanism: Mechanism = "process-group"
    TOKEN_VAR = "EXECGATE_JOB_TOKEN"

    def __init__(
        self,
        tree_limits: TreeLimits,
        suspect: Callable[[int, int], None] = lambda pid, start: None,
    ) -> None:
        super().__init__(tree_limits)
        self.token = secrets.token_hex(16)
        self._needle = f"{self.TOKEN_VAR}={self.token}\x00".encode()
        self.leader = -1
        self._seen: set[int] = set()
        #: The start time of each process seen in the job: a pid seen once is this job's
        #: for good only while it names the same process.
        self._seen_start: dict[int, int] = {}
        #: Taken before the leader is spawned (so its own start time is >= this): registered
        #: now, not at adopt, so that no other job's sweep takes our leader for an orphan.
        self.began = now_ticks()
        _LIVE_JOBS[self] = self.began
        #: Tells the gate of a process (pid, start time) this job may have started and may
        #: leave alive (see ProcessGroupContainment.close).
        self._suspect = suspect

    def wrap(
        self,
        argv: tuple[str, ...],
        env: Mapping[str, str],
        limits: Limits | None = None,
        *,
        rlimits: bool = True,
    ) -> tuple[list[str], dict[str, str]]:
        env = {**env, self.TOKEN_VAR: self.token}
        script = self._limit_prefix(limits) + (ulimit_script(limits) if rlimits else "")
        if not script:
            return list(argv), env
        return [_SHELL, "-c", script + _EXEC, "execgate-limits", *argv], env

    def placement(
        self, env: Mapping[str, str], limits: Limits | None = None, *, rlimits: bool = True
    ) -> tuple[dict[str, str], Placement]:
        values = rlimit_values(limits) if rlimits else []
        env = {**env, self.TOKEN_VAR: self.token}
        return env, Placement(tuple(self._limit_joins(limits)), tuple(values))

    def adopt(self, pid: int) -> None:
        self.leader = pid
        _LEADERS.add(pid)
        self._seen.add(pid)
        _remember(_JOB_SESSIONS, (pid,), _JOB_SESSIONS_KEPT)

    def _has_token(self, pid: int) -> bool:
        try:
            return self._needle in read_kernel_file(f"/proc/{pid}/environ") + b"\x00"
        except OSError:
            return False

    def claims(self, pid: int, st: Stat) -> bool | None:
        """Whether ``pid``, a live process re-parented to us (its parent died; we are the
        subreaper) and no job's leader, is this job's: True, False, or None for "perhaps".

        It is if it carries the job's token, or was seen in the job before (the same
        process: same start time). Otherwise its ancestry is lost, and what is left is when
        it started: a job's processes start in its job's life, so one started in ours while
        no other live job had begun is ours. One started while another job also ran may be
        either's (None): the last of them to end claims it, and the gate remembers it as a
        suspect to kill at its close whoever ends last (another gate's job, say). Never one
        in the gate's own session: every job leads a session of its own, which its
        descendants can leave but never for ours, so that is the host's."""
        if self._seen_start.get(pid) == st.start or self._has_token(pid):
            return True
        if st.start < self.began or st.session == os.getsid(0) or in_a_gate_cgroup(pid):
            return False  # (a cgroup job's is its cgroup's to end)
        if st.start == self.began and pid < self.leader:
            # Started in the clock tick (10 ms) our leader was spawned in, but before it: pids
            # are handed out in increasing order (until they wrap, which the leader's own
            # descendants would have to meet within that tick to be missed here).
            return False
        return None if _another_job_began_by(self, st.start) else True

    def members(self) -> set[int]:
        """Live processes of the job: its session and group, the leader's descendants, the
        orphans re-parented to us that are the job's (:meth:`claims`), and theirs."""
        return set(self._member_groups())

    def _member_groups(self) -> dict[int, int]:
        """Each live process of the job (see :meth:`members`) with its process group."""
        me = os.getpid()
        table: dict[int, Stat] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                st = _read_stat(int(name))
                if st is not None:
                    table[int(name)] = st
        found = set()
        children: dict[int, list[int]] = {}
        for pid, st in table.items():
            children.setdefault(st.ppid, []).append(pid)
            if pid == me or st.state in ("Z", "X"):
                continue
            if self.leader > 0 and self.leader in (st.pgrp, st.session):
                found.add(pid)
            elif st.ppid == me and pid not in _LEADERS:
                claimed = self.claims(pid, st)
                if claimed:
                    found.add(pid)
                elif claimed is None:
                    self._suspect(pid, st.start)
            elif pid in self._seen and self._has_token(pid):
                found.add(pid)  # seen before, re-parented elsewhere since (a nested subreaper)
        stack = [self.leader, *found]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        found.discard(me)
        live = {p: table[p].pgrp for p in found if p in table and table[p].state not in ("Z", "X")}
        self._seen.update(live)
        self._seen_start.update((p, table[p].start) for p in live)
        return live

    def signal_all(self, sig: int) -> int:
        count = 0
        grouped = False
        if self.leader > 0:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.leader, sig)
                count += 1
                grouped = True
        for pid, pgrp in self._member_groups().items():
            # The group signal reached these already: a second SIGTERM can land while a
            # program's handler is shutting it down and kill it (exit 3 becomes signal 15).
            if not (grouped and pgrp == self.leader):
                count += _kill(pid, sig)
        return count

    def kill_step(self) -> bool:
        signalled = self.signal_all(signal.SIGKILL)
        reap_orphans(self._seen, self.leader)
        if not signalled:
            # The sweep found no live member and the group is empty (the common case once
            # the main process exited alone): nobody is left to fork, so no second /proc scan.
            return False
        return bool(self.members())

    def close(self, *, reusable: bool = True) -> None:
        reap_orphans(self._seen, self.leader)
        _LEADERS.discard(self.leader)
        _LIVE_JOBS.pop(self, None)
        # A kill that ran out of time (KILL_BOUND) leaves some: the gate's close tries again.
        for pid, start in self._seen_start.items():
            if pid != self.leader and _same(pid, start):
                self._suspect(pid, start)
        _remember(_JOB_PIDS, self._seen, _JOB_PIDS_KEPT)
        reap_strays(
            lambda pid, st: (
                pid in _JOB_PIDS
                or st.session in _JOB_SESSIONS
                or st.pgrp in _JOB_SESSIONS
                or in_a_gate_cgroup(pid)
            )
        )
        self._close_limits()


#: How many suspects a process-group gate keeps before it forgets the dead ones among them.
_SUSPECTS_CHECKED = 256


class ProcessGroupContainment:
    mechanism: Mechanism = "process-group"

    def __init__(self) -> None:
        self.subreaper = _set_subreaper()
        self.tree_limits = TreeLimits.create()
        #: Processes (pid -> start time) a job of this gate may have started and not ended:
        #: orphans it could not tell from another job's, and survivors of a kill.
        self._suspects: dict[int, int] = {}

    def new_job(self, job_id: str) -> JobTree:
        return ProcessGroupJob(self.tree_limits, self._suspect)

    def _suspect(self, pid: int, start: int) -> None:
        self._suspects[pid] = start
        if len(self._suspects) > _SUSPECTS_CHECKED:
            self._suspects = {p: t for p, t in self._suspects.items() if _same(p, t)}

    def close(self) -> None:
        # Kill every suspect still alive, and its descendants, by rounds: a killed process's
        # children are re-parented to us, out of reach of the walk down from it.
        killed: set[int] = set()
        for _ in range(200 if self._suspects else 0):  # (none: no /proc scan)
            table = {}
            for name in os.listdir("/proc"):
                if name.isdigit() and (st := _read_stat(int(name))) is not None:
                    table[int(name)] = st
            children: dict[int, list[int]] = {}
            for pid, st in table.items():
                children.setdefault(st.ppid, []).append(pid)
            stack = [p for p, t in self._suspects.items() if p in table and table[p].start == t]
            targets = set(stack)
            while stack:
                targets.update(kids := children.get(stack.pop(), []))
                stack += kids
            targets = {p for p in targets if table[p].state not in ("Z", "X")}
            targets -= _LEADERS | {os.getpid()}
            if not targets:
                break
            for pid in targets:
                self._suspects[pid] = table[pid].start
                if _kill(pid, signal.SIGKILL):
                    killed.add(pid)
            time.sleep(0.005)
        reap_orphans(killed, -1)
        self._suspects.clear()
        self.tree_limits.close()


def _same(pid: int, start: int) -> bool:
    """Whether ``pid`` is still the live process that started at ``start``."""
    st = _read_stat(pid)
    return st is not None and st.start == start and st.state not in ("Z", "X")


Containment = CgroupContainment | ProcessGroupContainment


def open_containment(prefer: Literal["auto", "cgroup", "process-group"] = "auto") -> Containment:
    """The strongest containment available, or the one asked for.

    ``prefer="cgroup"`` raises :class:`ContainmentFailed` where cgroups are unusable rather
    than silently degrading.
    """
    if prefer in ("auto", "cgroup"):
        cg = CgroupContainment.create()
        if cg is not None:
            return cg
        if prefer == "cgroup":
            raise ContainmentFailed(
                "cgroup containment was required but no writable cgroup2 hierarchy with "
                "cgroup.kill is available (needs Linux >= 5.14 and root or a delegated subtree)"
            )
    return ProcessGroupContainment()
