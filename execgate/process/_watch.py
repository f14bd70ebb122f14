"""One task for a job's output and its exit: the job's pipes and its pidfd in one epoll fd.

Reading each pipe in a task of its own and waiting for the exit in a third costs the event
loop a task group, two tasks and three fd registrations per job, a visible share of the
supervisor's CPU per short job (``benchmarks/throughput.py`` shows it: jobs with nothing
captured against jobs with both streams captured). A :class:`Watcher`
registers the pidfd and the pipes in an epoll fd of its own and the job's task waits on that
one fd (epoll fds nest: the event loop polls it like a pipe), then reads whatever is ready.

It covers the common life of a job: output read as it comes, the exit, the pipes' EOF. What
needs reading *while* the job's task does something else -- TERM → grace → KILL, feeding
stdin -- stays with the pump tasks of ``_job``, which take over the pipes still open
(:attr:`Watcher.open_streams`) with what was read so far already in the buffers.
"""

from __future__ import annotations

import select
from collections.abc import Callable

import anyio

from ..models import OutputStream
from ._capture import CappedBuffer
from ._spawn import FdReceiveStream, LeanProcess

#: Read size for output pipes: 64 KiB+ reads move ~5x more bytes per second than 4 KiB.
CHUNK = 256 * 1024

Source = tuple[FdReceiveStream, CappedBuffer, OutputStream]


class Watcher:
    """Reads ``sources`` into their buffers and notices ``proc``'s exit, from one task.

    ``sink`` sees every chunk as read (before the cap); ``on_overflow`` is called after a
    chunk that made a buffer overflow (it may cancel the caller's scope: the watcher stops at
    its next wait, nothing read is lost). Close it when done (the pipes stay open: they are
    the process's).
    """

    def __init__(
        self,
        proc: LeanProcess,
        pidfd: int,
        sources: list[Source],
        sink: Callable[[OutputStream, bytes], None] | None,
        on_overflow: Callable[[], None],
    ) -> None:
        self._proc = proc
        self._pidfd = pidfd
        self._sink = sink
        self._on_overflow = on_overflow
        self._open: dict[int, Source] = {}
        #: Fds done with (the pidfd once reaped, pipes at EOF), still registered: they would
        #: wake every wait, so they go before the next one -- and when there is no next one
        #: (the common case), closing the epoll fd drops them for free.
        self._done: list[int] = []
        self._epoll = select.epoll(len(sources) + 1)
        try:
            self._epoll.register(pidfd, select.EPOLLIN)
            for source in sources:
                self._epoll.register(source[0].fd, select.EPOLLIN)
                self._open[source[0].fd] = source
        except BaseException:
            self._epoll.close()
            raise

    @property
    def open_streams(self) -> list[Source]:
        """The pipes not at EOF yet, in the order given."""
        return list(self._open.values())

    def at_eof(self) -> bool:
        """Whether every pipe reached EOF."""
        return not self._open

    async def until_exit(self) -> None:
        """Read output as it comes until the main process exited (and is reaped)."""
        while self._proc.returncode is None:
            await self._step()

    async def until_eof(self) -> None:
        """Read output until every pipe reached EOF (descendants may hold them)."""
        while self._open:
            await self._step()

    async def _step(self) -> None:
        for fd in self._done:
            self._epoll.unregister(fd)
        self._done.clear()
        await anyio.wait_readable(self._epoll.fileno())
        for fd, _events in self._epoll.poll(0):
            if fd == self._pidfd:
                if self._proc.returncode is None:
                    self._proc.collect()
                    self._done.append(fd)
                continue
            source = self._open.get(fd)
            if source is not None:
                self._read(fd, source)

    def _read(self, fd: int, source: Source) -> None:
        stream, buf, name = source
        try:
            chunk = stream.read_nowait(CHUNK)
        except BlockingIOError:
            return
        if not chunk:  # EOF, or a pipe that broke: nothing more will come
            self._done.append(fd)
            del self._open[fd]
            return
        buf.feed(chunk)
        if self._sink is not None:
            self._sink(name, chunk)
        if buf.overflowed:
            self._on_overflow()

    def close(self) -> None:
        self._epoll.close()


__all__ = ["Watcher"]
