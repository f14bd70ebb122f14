"""Spawning a job without a thread hop, and waiting for it without a child watcher.

``anyio.open_process`` on trio runs ``subprocess.Popen`` in a worker thread and wraps the
pipes in stream objects; spawning from the event loop thread (``Popen`` uses vfork) and
waiting on a pidfd runs many more short jobs per second (``benchmarks/throughput.py``). So
the Runner spawns here:

* by the native helper (``_native.c``: ``clone(CLONE_VM)`` -- ``clone3`` straight into the
  job's cgroup where the kernel allows it, see :attr:`Placement.cgroup` -- then in the child
  the other cgroup joins, the rlimits, ``setsid``, ``chdir``, fds 0-2, ``close_range``,
  default signals, ``execve``) when it was built, so no shell runs before the program; else
  ``subprocess.Popen`` in the calling thread, with ``close_fds=True`` and
  ``start_new_session=True``, behind the ``/bin/sh`` shim of ``_tree``;
* the native helper either waits for the child's ``execve`` (vfork semantics: errors raised
  by :func:`spawn`) or, *detached*, returns at once and lets the child exec beside the event
  loop; a detached child's failure to start is known once it is reaped
  (:meth:`LeanProcess.spawn_failure`). By default it detaches only while another of our
  children runs: then the loop has other jobs to serve during the exec (more jobs/s at
  concurrency 64 in ``benchmarks/throughput.py``); alone, waiting is cheaper (one wake-up
  fewer).
  ``EXECGATE_NATIVE_SPAWN``: ``0`` forces the shim path, ``vfork`` never detaches, ``clone``
  always detaches (for comparison and for the tests);
* the exit is awaited by polling a ``pidfd`` for readability on the event loop (Linux >= 5.3),
  then reaped with ``waitpid`` — never by a child watcher or a thread;
* pipes are non-blocking fds read and written with ``anyio.wait_readable``/``wait_writable``.

Where ``pidfd_open`` is unavailable, :func:`spawn` returns None and the caller falls back to
``anyio.open_process``. The objects here implement just what ``run_job`` uses of AnyIO's
``Process`` and byte streams, with the same exceptions (``EndOfStream``,
``ClosedResourceError``, ``BrokenResourceError``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import ModuleType

import anyio
import attrs


class _FdStream:
    """One end of a pipe, non-blocking; closing it wakes any task waiting on it."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.closed = False
        #: Tasks in wait_readable/wait_writable on this fd right now.
        self._waiting = 0

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self._waiting:  # wake them (with ClosedResourceError); nobody else to tell
                anyio.notify_closing(self.fd)
            os.close(self.fd)

    async def _wait(self, wait: Callable[[int], Awaitable[None]]) -> None:
        self._waiting += 1
        try:
            await wait(self.fd)
        finally:
            self._waiting -= 1


class FdReceiveStream(_FdStream):
    """The read end of a pipe."""

    async def receive(self, max_bytes: int = 65536) -> bytes:
        while True:
            if self.closed:
                raise anyio.ClosedResourceError
            try:
                data = os.read(self.fd, max_bytes)
            except BlockingIOError:
                await self._wait(anyio.wait_readable)
                continue
            except OSError:
                raise anyio.BrokenResourceError from None
            if not data:
                raise anyio.EndOfStream
            return data

    def read_nowait(self, max_bytes: int) -> bytes:
        """What the pipe holds now; ``b""`` at EOF or once the pipe broke. Raises
        BlockingIOError when it is empty but open."""
        try:
            return os.read(self.fd, max_bytes)
        except BlockingIOError:
            raise
        except OSError:
            return b""


class FdSendStream(_FdStream):
    """The write end of a pipe."""

    async def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.closed:
                raise anyio.ClosedResourceError
            try:
                written = os.write(self.fd, view)
            except BlockingIOError:
                await self._wait(anyio.wait_writable)
                continue
            except (BrokenPipeError, OSError):
                raise anyio.BrokenResourceError from None
            view = view[written:]


class LeanProcess:
    """A spawned child whose exit is awaited through a pidfd on the event loop."""

    def __init__(
        self,
        pid: int,
        reap: Callable[[], int],
        pidfd: int | None,
        stdin: FdSendStream | None,
        stdout: FdReceiveStream | None,
        stderr: FdReceiveStream | None,
        launch: object = None,
    ) -> None:
        global _unreaped
        _unreaped += 1
        self.pid = pid
        #: A detached child's launch (see ``_native.c``: the arguments and stack it shares with
        #: us until its execve, and its failure report); None when spawn waited for the exec.
        self._launch = launch
        #: Collects the exit status, blocking until the child exits; returns the return code
        #: (``-N`` for signal N). A Popen's own ``wait`` where a Popen started the child: a
        #: Popen dropped unreaped would reap a reused pid behind our back later.
        self._reap = reap
        self._pidfd: int | None = pidfd
        self.returncode: int | None = None
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        # One task at a time polls the pidfd (trio refuses two waiters on one fd); a waiter
        # that is cancelled releases the lock to the next.
        self._wait_lock = anyio.Lock()

    async def wait(self) -> int:
        """Wait for the exit (any number of tasks may wait at once)."""
        async with self._wait_lock:
            if self.returncode is None:
                if self._pidfd is not None:
                    await anyio.wait_readable(self._pidfd)
                    # Exited: this reaps without blocking (the pidfd is readable only then).
                    self._reaped(self._reap())
                else:  # no pidfd for this child (see spawn): a blocking wait on a thread
                    self._reaped(await anyio.to_thread.run_sync(self._reap, abandon_on_cancel=True))
        assert self.returncode is not None
        return self.returncode

    @property
    def pidfd(self) -> int | None:
        return self._pidfd

    def collect(self) -> int:
        """Reap the child once its pidfd polled readable (it exited): never blocks then."""
        self._reaped(self._reap())
        assert self.returncode is not None
        return self.returncode

    def _reaped(self, code: int) -> None:
        global _unreaped
        if self.returncode is None:
            self.returncode = code
            _unreaped -= 1

    def started(self) -> bool:
        """Whether the child is past its ``execve`` (or gone): from then on it is in its
        session and cgroups, and signalling its tree reaches it. Always true unless detached."""
        if self._launch is None:
            return True
        native = _native_module()
        assert native is not None
        return bool(native.started(self._launch))

    async def wait_started(self, seconds: float) -> bool:
        """Wait at most ``seconds`` for :meth:`started` (a detached child's steps before
        ``execve`` take well under a millisecond, unless it was stopped). Polls: the kernel
        only clears a word (``CLONE_CHILD_CLEARTID``), which no event loop can wait on."""
        deadline = anyio.current_time() + seconds
        while not self.started():
            if anyio.current_time() > deadline:
                return False
            await anyio.sleep(0.0005)
        return True

    def spawn_failure(self) -> OSError | None:
        """After the child was reaped: why a detached child never ran its program
        (:class:`PlacementFailed` or the ``OSError`` that :func:`spawn` would have raised),
        or None. Not detached, :func:`spawn` raised these itself."""
        assert self.returncode is not None, "spawn_failure() before the child was reaped"
        if self._launch is None:
            return None
        native = _native_module()
        assert native is not None
        stopped = native.failure(self._launch)
        if stopped is None:
            return None
        if stopped[0] == "born":
            # Created in its cgroup and killed at once, though a child so created had lived
            # (see _into_cgroup_seen): our cgroup changed under us. Later jobs join by a write.
            global _into_cgroup_works
            _into_cgroup_works = False
        return _failure(*stopped)

    def close(self) -> None:
        """Close the pipes and the pidfd of a child already reaped (see :meth:`aclose`)."""
        assert self.returncode is not None, "close() before the child was reaped"
        self._close_pipes()
        self._close_pidfd()

    async def aclose(self) -> None:
        """Close the pipes and the pidfd; if the child still runs, kill and reap it."""
        self._close_pipes()
        if self.returncode is None:
            # Unreaped, so the pid is still this child's (it cannot have been reused).
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)  # a detached child before execve too
            with anyio.CancelScope(shield=True):
                await self.wait()
        self._close_pidfd()

    def _close_pipes(self) -> None:
        for stream in (self.stdin, self.stdout, self.stderr):
            if stream is not None:
                stream.close()

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


#: LeanProcess objects not reaped yet: the jobs of ours that run now (see ``spawn``).
_unreaped = 0


@functools.cache
def pidfds_work() -> bool:
    """Whether this process can open pidfds (Linux >= 5.3, not blocked by seccomp)."""
    if not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


@functools.cache
def _native_module() -> ModuleType | None:
    """The compiled spawn helper (``_native.c``), if it was built and this kernel can run it."""
    try:
        from . import _native
    except ImportError:  # installed without a C compiler: the shell shim does its work
        return None
    return _native if _native.usable() and pidfds_work() else None


def native_spawn_usable() -> bool:
    """Whether jobs start through the native helper (no shell shim): it was built, the
    kernel has close_range and pidfds, and ``EXECGATE_NATIVE_SPAWN`` is not ``0``."""
    if os.environ.get("EXECGATE_NATIVE_SPAWN") == "0":
        return False
    return _native_module() is not None


def native_confine_usable() -> bool:
    """Whether the native helper can confine a job itself (secure mode without the Python
    launcher: x86-64 builds, detached, see ``_native.c``), and jobs start through it. Only as
    root, the case it is tested in; elsewhere the launcher confines."""
    native = _native_module() if native_spawn_usable() else None
    return native is not None and bool(getattr(native, "CONFINE_WORKS", 0)) and os.geteuid() == 0


def detach_works() -> bool:
    """Whether the native helper can return before its child's ``execve`` (it needs raw
    system calls in the child, see ``_native.c``: x86-64 builds)."""
    native = _native_module()
    return native is not None and bool(native.DETACH_WORKS)


def _detach_now() -> bool:
    mode = os.environ.get("EXECGATE_NATIVE_SPAWN")
    if mode == "vfork" or not detach_works():
        return False
    return mode == "clone" or _unreaped > 0


@attrs.frozen
class Placement:
    """What the native helper does in the child before its program's first instruction."""

    #: ``cgroup.procs`` files the child writes its own pid into, in order.
    join: tuple[str, ...] = ()
    #: (resource, soft, hard), set last, just before ``execve`` (see ``_tree.rlimit_values``).
    rlimits: tuple[tuple[int, int, int], ...] = ()
    #: The job's own cgroup2 cgroup, first of all: (an fd of its directory, its
    #: ``cgroup.procs``). The child is created in it (``clone3`` with ``CLONE_INTO_CGROUP``)
    #: where the kernel allows that, and otherwise joins it before ``join``.
    cgroup: tuple[int, str] | None = None


class PlacementFailed(OSError):
    """The native helper could not put the child in its cgroups or under its rlimits; the
    child never ran its program and is reaped. ``step`` is ``join`` or ``rlimit``."""

    def __init__(self, step: str, errno: int, strerror: str) -> None:
        super().__init__(errno, strerror)
        self.step = step


class ConfinementFailed(OSError):
    """The native helper could not confine the child (secure mode); it never ran its
    program. ``step``: ``netns``, ``userns``, ``root``, ``landlock``, ``seccomp``, ``init``."""

    def __init__(self, step: str, errno: int, strerror: str) -> None:
        super().__init__(errno, strerror)
        self.step = step


CONFINE_STEPS = frozenset({"netns", "userns", "root", "landlock", "seccomp", "init"})


class KilledAtBirth(PlacementFailed):
    """A detached child created in its cgroup was killed by the kernel before its first
    instruction (``born``: see ``_native.c``). Nothing ran, and this process's later spawns
    join their cgroup by a write: starting the job again is safe and will work."""


def _exec_candidates(program: str, env: Mapping[str, str]) -> list[bytes]:
    """Where to look for ``program``, as ``subprocess`` (``execvpe``) would with ``env``'s
    PATH; the child tries them in order (relative ones from its working directory)."""
    if os.sep in program:
        return [os.fsencode(program)]
    return [os.fsencode(os.path.join(d, program)) for d in os.get_exec_path(dict(env))]


class _Reaper:
    """``waitpid`` for a child we started without a Popen; safe to call again."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.code: int | None = None

    def __call__(self) -> int:
        if self.code is None:
            self.code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.code


def _above_stdio(fd: int) -> int:
    """``fd`` itself, or a copy of it >= 3 (a daemon host may have closed 0-2, and the child
    must not clobber one source fd while it moves another onto 0-2)."""
    if fd >= 3:
        return fd
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
    os.close(fd)
    return high


def _pipe() -> tuple[int, int]:
    r, w = os.pipe2(os.O_CLOEXEC)
    return _above_stdio(r), _above_stdio(w)


def _failure(step: str, errno: int) -> OSError:
    """The exception for a child that stopped at ``step`` with ``errno``."""
    if step in ("join", "rlimit"):
        return PlacementFailed(step, errno, os.strerror(errno))
    if step in CONFINE_STEPS:
        return ConfinementFailed(step, errno, os.strerror(errno))
    if step == "born":
        return KilledAtBirth(
            "join", errno, "the kernel killed it as it was created in its cgroup (a Linux "
            "cgroup.kill bookkeeping fault); the gate's later jobs join their cgroup by a write"
        )  # fmt: skip
    return OSError(errno, os.strerror(errno))


#: False once ``clone3`` with ``CLONE_INTO_CGROUP`` has failed in a way that says this kernel
#: (or a seccomp filter) will never allow it, or once the kernel killed a child it created
#: so (``born``: see ``_native.c``): jobs then join their cgroup by a write.
_into_cgroup_works = True
_NO_CLONE_INTO_CGROUP = frozenset({errno.ENOSYS, errno.E2BIG, errno.EINVAL, errno.EPERM})
#: True once a child created in its cgroup was seen to run (this process's first such spawn
#: waits for the child's execve, detached or not): whether the kernel kills such children
#: depends on this process's own cgroup, so one that lived says the rest will, and no
#: detached job is lost to it. (The target's side holds for the cgroups ``_tree`` makes: a
#: fresh cgroup, or one reused that was never killed.)
_into_cgroup_seen = False


def _spawn_native(
    native: ModuleType,
    argv: Sequence[str],
    child_fds: list[int | None],
    cwd: str,
    env: Mapping[str, str],
    placement: Placement,
    detach: bool,
    confine: object,
) -> tuple[int, int, object]:
    if any("=" in name for name in env):  # as subprocess refuses them
        raise ValueError("illegal environment variable name")
    global _into_cgroup_works, _into_cgroup_seen
    fds = tuple(-1 if fd is None else fd for fd in child_fds)  # -1: the child opens /dev/null
    common = (
        _exec_candidates(argv[0], env),
        [os.fsencode(a) for a in argv],
        [os.fsencode(f"{k}={v}") for k, v in env.items()],
        os.fsencode(cwd),
        fds,
    )
    join = [os.fsencode(p) for p in placement.join]
    rlimits = list(placement.rlimits)
    try:
        if placement.cgroup is not None and _into_cgroup_works and native.INTO_CGROUP_WORKS:
            try:
                # confined, the child lives as long as the job: never waited for
                wait = not _into_cgroup_seen and confine is None
                into: tuple[int, int, object] = native.spawn(
                    *common, join, rlimits, detach and not wait, placement.cgroup[0], confine
                )
                _into_cgroup_seen = True
                return into
            except OSError as exc:
                if exc.filename == "born":
                    _into_cgroup_works = False  # nothing ran: the write's way is safe to try
                elif exc.filename != "clone3":
                    raise
                elif exc.errno in _NO_CLONE_INTO_CGROUP:
                    _into_cgroup_works = False
                # No child exists. Joining by a write says what is wrong in the terms every
                # other failure uses (PlacementFailed "join"), or works where clone3 cannot.
        if placement.cgroup is not None:
            join.insert(0, os.fsencode(placement.cgroup[1]))
        started: tuple[int, int, object] = native.spawn(*common, join, rlimits, detach, -1, confine)
    except OSError as exc:
        if exc.filename in ("join", "rlimit", "chdir", "setsid", "fds", "exec", "born"):
            raise _failure(exc.filename, exc.errno or 0) from None
        raise
    return started


def spawn(
    argv: Sequence[str],
    *,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    cwd: str,
    env: Mapping[str, str],
    placement: Placement | None = None,
    detach: bool | None = None,
    confine: object = None,
) -> LeanProcess | None:
    """Start ``argv`` in a new session with pipes for the streams asked for (others are
    /dev/null), every other fd closed, and signals at their defaults.

    With ``placement``, the native helper starts it (the caller checked
    :func:`native_spawn_usable`) and the child is in every cgroup and under every rlimit of
    ``placement`` before its first instruction; :class:`PlacementFailed` if it could not be.
    Without, ``subprocess.Popen`` starts it (from this thread). Returns None where pidfds are
    unavailable (the caller falls back); raises OSError when the OS refuses to start the
    program. Whatever it raises, nothing is left behind: no child, no fd.

    ``detach`` (native helper only; None: decided as the module docstring says): return
    before the child's ``execve``. Then what this would have raised is instead returned by
    :meth:`LeanProcess.spawn_failure` once the child is reaped (it exits with 127 without
    running anything), and :meth:`LeanProcess.started` says when signals reach its tree.

    ``confine`` (native helper only, see :func:`native_confine_usable`): the job's secure
    mode (``_sandbox.native_confinement``), set up by the helper's child before the program
    runs; such a spawn is always detached, and a failure to confine is a
    :class:`ConfinementFailed` from :meth:`LeanProcess.spawn_failure`.
    """
    if not pidfds_work():
        return None
    ours: list[int] = []
    theirs: list[int] = []
    pidfd: int | None = None
    launch: object = None
    try:
        child_fds: list[int | None] = []
        for wanted, ours_is_write in ((stdin, True), (stdout, False), (stderr, False)):
            if not wanted:
                child_fds.append(None)
                continue
            r, w = _pipe()
            ours.append(w if ours_is_write else r)
            theirs.append(r if ours_is_write else w)
            child_fds.append(r if ours_is_write else w)
        if placement is not None:
            native = _native_module()
            assert native is not None, "placement without a usable native helper"
            if confine is not None:
                detach = True  # the child stays, as the program's reporter, until it ends
            elif detach is None:
                detach = _detach_now()
            pid, pidfd, launch = _spawn_native(
                native, argv, child_fds, cwd, env, placement, detach, confine
            )
            reap: Callable[[], int] = _Reaper(pid)
        else:
            null = subprocess.DEVNULL
            popen = subprocess.Popen(
                list(argv),
                stdin=child_fds[0] if child_fds[0] is not None else null,
                stdout=child_fds[1] if child_fds[1] is not None else null,
                stderr=child_fds[2] if child_fds[2] is not None else null,
                cwd=cwd,
                env=dict(env),
                start_new_session=True,
                close_fds=True,
            )
            pid, reap = popen.pid, popen.wait
    except BaseException:
        for fd in ours + theirs:
            with contextlib.suppress(OSError):
                os.close(fd)
        raise
    for fd in theirs:
        os.close(fd)
    if pidfd is None:  # the native helper's clone returned one (CLONE_PIDFD)
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            pidfd = None  # the probe said yes, this child says no: wait for it on a thread
    it = iter(ours)
    send = FdSendStream(next(it)) if stdin else None
    out = FdReceiveStream(next(it)) if stdout else None
    err = FdReceiveStream(next(it)) if stderr else None
    return LeanProcess(pid, reap, pidfd, send, out, err, launch)


__all__ = [
    "ConfinementFailed",
    "FdReceiveStream",
    "FdSendStream",
    "LeanProcess",
    "Placement",
    "PlacementFailed",
    "detach_works",
    "native_confine_usable",
    "native_spawn_usable",
    "spawn",
]
