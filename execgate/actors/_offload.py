"""Worker processes for a request's expensive pure work: parsing a long command line, scanning
a large stdin.

tree-sitter and Python's regular expressions hold the GIL while they run: on a worker thread
they would still stop the event loop (a 32 KB pathological line takes seconds in tree-sitter,
a 16 MiB stdin a second or more of regex). A worker process does not, so other requests go on
while it works.

Guarantees:

* :meth:`WorkerPool.run` returns ``fn(*args)`` computed in a worker process, or raises the
  exception ``fn`` raised there (re-raised here);
* it raises :class:`BudgetExceeded` when no worker was free within ``budget`` seconds, or the
  work ran longer than ``budget`` seconds once it had one (a worker's start-up is not counted):
  that worker is killed (the next call starts another), so overrunning work never piles up;
* workers run at a lower CPU priority than the gate (``WORKER_NICENESS``), so on a busy host
  the event loop that answers every other request is served first;
* at most ``size`` workers exist; they start on first use with ``python -c`` (never ``fork``:
  the gate has threads; never ``multiprocessing``'s spawn, which re-imports the host's main
  script), are kept while idle, and are killed and reaped by :meth:`WorkerPool.close`;
* cancelled while waiting, the call's worker is killed: it may be mid-computation.

``fn`` and ``args`` travel pickled: ``fn`` must be a module-level function.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

import anyio

T = TypeVar("T")

_BOOT = (
    "import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
    "from execgate.actors._offload import serve; serve(int(sys.argv[2]))"
)


#: How much lower than the gate a worker runs (see ``nice(2)``).
WORKER_NICENESS = 10


class BudgetExceeded(Exception):
    """The call did not finish within its budget (its worker was killed)."""


class WorkerDied(Exception):
    """The worker process ended during the call (killed, or crashed in native code)."""


def serve(fd: int) -> None:
    """A worker's loop: take ``(fn, args)``, send back ``(True, value)`` or ``(False, error)``;
    end when the gate's end of the socket closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's ^C is for the gate to handle
    # Below the gate's own priority: on a busy host the event loop, which answers every
    # other request, gets the CPU first; the heavy request waits (within its budget).
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    conn = Connection(fd)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:
            reply = (False, exc)
        try:
            conn.send(reply)
        except (TypeError, AttributeError, ValueError):  # an exception that does not pickle
            conn.send((False, RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))


class _Worker:
    __slots__ = ("conn", "proc")

    def __init__(self, proc: subprocess.Popen[bytes], conn: Connection) -> None:
        self.proc = proc
        self.conn = conn

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait()


def _start() -> _Worker:
    ours, theirs = socket.socketpair()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(sys.path), str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )
    finally:
        theirs.close()
    return _Worker(proc, Connection(ours.detach()))


class WorkerPool:
    """Up to ``size`` worker processes, started on demand. Use from one event loop."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._limiter: anyio.CapacityLimiter | None = None
        self._closed = False

    async def run(self, budget: float, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker process, within ``budget`` seconds (see the module)."""
        if self._closed:
            raise BudgetExceeded("the worker pool is closed")
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.size)
        acquired = False
        with anyio.move_on_after(budget):
            await self._limiter.acquire()
            acquired = True
        if not acquired:
            raise BudgetExceeded(f"no worker was free within {budget:g}s")
        try:
            worker = self._idle.pop() if self._idle else await anyio.to_thread.run_sync(_start)
            # The budget is the work's: a worker's start-up (imports) is not counted.
            deadline = anyio.current_time() + budget
            self._busy.add(worker)
            reply: tuple[bool, Any] | None = None
            try:
                reply = await self._call(worker, deadline, fn, args)
            finally:
                self._busy.discard(worker)
                if reply is not None and not self._closed:
                    self._idle.append(worker)
                else:
                    worker.kill()
        finally:
            self._limiter.release()
        if reply is None:
            raise BudgetExceeded(f"the work took longer than {budget:g}s")
        ok, value = reply
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    @staticmethod
    async def _call(
        worker: _Worker, deadline: float, fn: Callable[..., Any], args: tuple[Any, ...]
    ) -> tuple[bool, Any] | None:
        """The worker's reply, or None when the deadline passed first. Raises WorkerDied."""
        try:
            # Sending blocks while the worker reads a large payload: off the event loop.
            await anyio.to_thread.run_sync(worker.conn.send, (fn, args))
            with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
                await anyio.wait_readable(worker.conn.fileno())
                reply: tuple[bool, Any] = worker.conn.recv()
                return reply
        except (EOFError, OSError):
            status = worker.proc.poll()
            raise WorkerDied(f"the worker process died (exit status {status})") from None
        return None

    def close(self) -> None:
        """Kill every worker (a busy one's caller gets WorkerDied). Idempotent."""
        self._closed = True
        for worker in self._idle:
            worker.kill()
        self._idle.clear()
        for worker in self._busy:
            # Its caller waits on the socket: it sees the end of file and reaps the worker.
            with contextlib.suppress(ProcessLookupError):
                worker.proc.kill()

    def pids(self) -> list[int]:
        """The workers' process ids (for tests and statistics)."""
        return [w.proc.pid for w in (*self._idle, *self._busy)]


__all__ = ["BudgetExceeded", "WorkerDied", "WorkerPool"]
