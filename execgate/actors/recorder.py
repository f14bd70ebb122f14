"""The Recorder actor: owns the store. Group-commits batches of events on its writer thread.

Each inbox message carries a tuple of events (and output records); everything waiting in the
inbox when a write starts goes into the same transaction, so concurrent jobs share one
commit. A message's reply is set only after its transaction committed: a caller that awaits it
knows the events are durable. If the write fails, every reply in the batch fails with
``RecorderUnavailable``.
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


class Recorder(Actor):
    name = "recorder"

    def __init__(self, store: Store, writer: WriterThread) -> None:
        super().__init__()
        self.store = store
        self.writer = writer

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
            items = [item for c in calls for item in c.payload]
            events = [i for i in items if isinstance(i, Event)]
            outputs = [i for i in items if isinstance(i, OutputRecord)]
            try:
                # Cancellable: a write stuck on a frozen disk must not hold the gate's
                # shutdown; the writer's one thread keeps a later write from overlapping it.
                await self.writer.run(functools.partial(self.store.append, events, outputs))
            except RecorderUnavailable as exc:
                log.error("%s (%d events in the failed batch)", exc, len(events))
                for c in calls:
                    c.reply.fail(exc)
            else:
                for c in calls:
                    c.reply.set(None)
            self.in_flight.difference_update(calls)
