"""The Recorder actor: owns the store. Group-commits batches of events on its writer thread.

Each inbox message carries a tuple of events (and output records); everything waiting in the
inbox when a write starts goes into the same transaction, so concurrent jobs share one
commit. A message's reply is set only after its transaction committed: a caller that awaits it
knows the events are durable. If the write fails, every reply in the batch fails with
``RecorderUnavailable``.

The Recorder also keeps each call's deadline (``Call.deadline``, and never later than
``record_timeout`` after it took the call): a call still unanswered then fails with
``RecorderUnavailable`` ("did not confirm"), and a call taken after its deadline is failed
without being written (its caller has given up, and may retry). So a caller can simply await
its reply -- a stalled disk or database cannot hang it -- and a batch costs one cancel scope
however many calls it holds, where a scope per call cost each job two (~10 µs each on trio,
more with many deadlines registered).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

from ..errors import RecorderUnavailable
from ..models import Event, OutputRecord
from ..store import Store
from ._base import Actor, Call, Crash, InjectedCrash, Message
from ._writer import WriterThread

log = logging.getLogger("execgate.recorder")

MAX_BATCH = 1024


def timed_out(record_timeout: float) -> RecorderUnavailable:
    """The error of a call the recorder did not confirm in time."""
    return RecorderUnavailable(
        f"the flight recorder did not confirm the write within {record_timeout:g}s "
        "(disk or database stalled)"
    )


class Recorder(Actor):
    name = "recorder"

    def __init__(self, store: Store, writer: WriterThread, record_timeout: float = 10.0) -> None:
        super().__init__()
        self.store = store
        self.writer = writer
        self.record_timeout = record_timeout

    async def loop(self, inbox: MemoryObjectReceiveStream[Message]) -> None:
        while True:
            try:
                first = await inbox.receive()
            except anyio.EndOfStream:
                return
            batch: list[Message] = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(inbox.receive_nowait())
                except (anyio.WouldBlock, anyio.EndOfStream):
                    break
            calls: list[Call[Any]] = [m for m in batch if isinstance(m, Call)]
            # Hold every received call before anything can raise, so none is left unanswered.
            self.in_flight.update(calls)
            crash = next((m for m in batch if isinstance(m, Crash)), None)
            if crash is not None:
                raise InjectedCrash(f"recorder: {crash.note}")
            if calls and self.crash_armed:
                self.crash_armed = False
                raise InjectedCrash("recorder: injected crash while holding a batch")
            now = anyio.current_time()
            latest = now + self.record_timeout
            live: list[tuple[float, Call[Any]]] = []
            for c in calls:
                if c.deadline <= now:
                    c.reply.fail(timed_out(self.record_timeout))
                else:
                    live.append((min(c.deadline, latest), c))
            if live:
                await self._write(live)
            self.in_flight.difference_update(calls)

    async def _write(self, live: list[tuple[float, Call[Any]]]) -> None:
        """Write the calls' items in one transaction; answer each call by its deadline."""
        items = [item for _, c in live for item in c.payload]
        events = [i for i in items if isinstance(i, Event)]
        outputs = [i for i in items if isinstance(i, OutputRecord)]
        waiting = sorted(live, key=lambda dc: dc[0])
        try:
            pending = self.writer.submit(functools.partial(self.store.append, events, outputs))
            while waiting:
                # Cancellable: a write stuck on a frozen disk must not hold the gate's
                # shutdown, nor a caller past its deadline; the writer's one thread keeps a
                # later write from overlapping it.
                with anyio.CancelScope(deadline=waiting[0][0]):
                    await self.writer.wait(pending)
                    for _, c in waiting:
                        c.reply.set(None)
                    return
                # The earliest deadline passed with the write still running: those callers
                # fail; the others wait on. Once none is left the write may still finish on
                # the writer thread, and the next batch's waits behind it.
                now = anyio.current_time()
                while waiting and waiting[0][0] <= now:
                    waiting.pop(0)[1].reply.fail(timed_out(self.record_timeout))
        except RecorderUnavailable as exc:
            log.error("%s (%d events in the failed batch)", exc, len(events))
            for _, c in waiting:
                c.reply.fail(exc)
