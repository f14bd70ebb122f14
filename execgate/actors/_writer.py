"""The Recorder's writer thread: runs the store's blocking writes off the event loop.

One long-lived thread takes calls from a queue, one at a time, in order, and tells the event
loop each is done through an ``eventfd`` the loop waits on. That is a plain hand-off each way
(a futex wake-up in, an eventfd write out), without ``anyio.to_thread.run_sync``'s machinery
(limiter, thread cache, cross-thread callback) -- a cost paid twice per job at concurrency 1,
once per group commit under load (``benchmarks/hop.py`` measures it).

Guarantees:

* calls run one at a time, in submission order, on the one thread; a caller cancelled while
  its call runs does not stop it (a write stuck on a frozen disk cannot be interrupted), and
  the next call waits behind it;
* :meth:`WriterThread.run` (or :meth:`~WriterThread.submit`, then
  :meth:`~WriterThread.wait`, as often as a cancelled wait needs) returns the call's value or
  raises its exception, in the caller;
* after :meth:`WriterThread.close`, ``run`` raises :class:`RecorderUnavailable` at once, a
  task waiting in ``run`` is woken with it, and the thread -- once its current call, if any,
  returns -- never touches the eventfd again (it may still be stuck in that call; it is a
  daemon thread, as an abandoned worker thread would be).

Only one task may wait in :meth:`run` or :meth:`wait` at a time (the Recorder is
sequential).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import anyio

from ..errors import RecorderUnavailable

T = TypeVar("T")


class Pending(Generic[T]):
    """A call submitted to the writer thread."""

    __slots__ = ("done", "error", "fn", "value")

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.done = False
        self.value: T | None = None
        self.error: BaseException | None = None


class WriterThread:
    def __init__(self, name: str = "execgate-writer") -> None:
        self._name = name
        self._queue: queue.SimpleQueue[Pending[Any] | None] = queue.SimpleQueue()
        # Guards _closed against the thread's signal: once close() holds it, the fd is gone.
        self._lock = threading.Lock()
        self._closed = False
        self._waiting = False
        self._done_fd = -1
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        # Lazily, so a gate that never writes (or a test that builds a supervisor) starts none.
        self._done_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            work = self._queue.get()
            if work is None:
                return
            try:
                work.value = work.fn()
            except BaseException as exc:  # handed to the caller, whatever it is
                work.error = exc
            work.done = True
            with self._lock:
                if self._closed:
                    return
                os.eventfd_write(self._done_fd, 1)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn()`` on the writer thread; return its value or raise its exception."""
        return await self.wait(self.submit(fn))

    def submit(self, fn: Callable[[], T]) -> Pending[T]:
        """Queue ``fn()`` for the writer thread; :meth:`wait` for its outcome. Raises
        :class:`RecorderUnavailable` if the writer is closed."""
        if self._closed:
            raise RecorderUnavailable("the flight recorder is closed")
        if self._thread is None:
            self._start()
        work: Pending[T] = Pending(fn)
        self._queue.put(work)
        return work

    async def wait(self, work: Pending[T]) -> T:
        """The outcome of a submitted call: its value, or its exception raised here. A wait
        that was cancelled may be taken up again (the call goes on meanwhile)."""
        while not work.done:
            # A wake-up may be a call whose caller was cancelled: drain it and look again.
            self._waiting = True
            try:
                await anyio.wait_readable(self._done_fd)
            except anyio.ClosedResourceError:
                raise RecorderUnavailable("the flight recorder was closed during a write") from None
            finally:
                self._waiting = False
            if self._closed:
                raise RecorderUnavailable("the flight recorder was closed during a write")
            with contextlib.suppress(BlockingIOError):  # drained with a cancelled call's
                os.eventfd_read(self._done_fd)
        if work.error is not None:
            raise work.error
        return work.value  # type: ignore[return-value]

    def close(self) -> None:
        """Stop taking calls; the thread ends after the call it is in, if any. Idempotent;
        call it from the event loop's thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._thread is None:
                return
            if self._waiting:
                anyio.notify_closing(self._done_fd)
            os.close(self._done_fd)
        self._queue.put(None)
