"""The Recorder actor: owns the store. Group-commits batches of events on its writer thread.

Each inbox message carries a tuple of events (and output records); everything waiting in the
inbox when a write starts goes into the same transaction, so concurrent jobs share one
commit. A message's reply is set only after its transaction committed: a caller that awaits it
knows the events are durable.

One message's failure is its own. Its items are checked before they join a batch (text a
database cannot hold -- a NUL, a lone surrogate -- fails that message alone, with
``RecorderUnavailable``); and when a batch's transaction fails anyway (a value out of the
database's range, a full disk), each of its messages is retried in a transaction of its own,
so the others commit and only the messages that fail again fail, each with its own error.

The Recorder also keeps each call's deadline (``Call.deadline``, and never later than
``record_timeout`` after it took the call): a call still unanswered then fails with
``RecorderUnavailable`` ("did not confirm"), and a call taken after its deadline is failed
without being written (its caller has given up, and may retry). So a caller can simply await
its reply -- a stalled disk or database cannot hang it -- and a batch costs one cancel scope
however many calls it holds, where a scope per call would cost each job two (more still with
many deadlines registered).
"""

from __future__ import annotations

import logging
import math
import operator
import re
import time
from collections.abc import Callable, Sequence

import anyio

from ..errors import LeaseLost, RecorderUnavailable
from ..models import Event, OutputRecord
from ..store import Store
from ._base import Actor, Call, Crash, Inbox, InjectedCrash, Message, Sequel
from ._writer import WriterThread

log = logging.getLogger("execgate.recorder")

MAX_BATCH = 1024


#: One message's items, as the store appends them.
Group = tuple[list[Event], list[OutputRecord]]
#: What the Recorder is asked to store: events, and the output records that go with them.
Records = tuple[Event | OutputRecord, ...]


_TEXT_FIELDS: dict[type, tuple[str, ...]] = {
    Event: (
        "event_id", "kind", "actor", "job_id", "model_id", "session_id", "command", "cwd",
        "decision", "rule", "code", "reason", "detail", "host_id",
    ),
    OutputRecord: ("event_id", "job_id", "stdout", "stderr"),
}  # fmt: skip
_getters = {cls: operator.attrgetter(*names) for cls, names in _TEXT_FIELDS.items()}


_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character"
    # A search, not an encode: a job's output may be megabytes, and this runs on the loop.
    if not text.isascii() and _SURROGATE.search(text) is not None:
        return "a lone surrogate (not UTF-8)"
    return None


def unstorable(item: object) -> str | None:
    """Why ``item`` (an event or output record) cannot be stored, or None if it can: every
    text must be UTF-8 without NUL (PostgreSQL text refuses NUL; no driver encodes a lone
    surrogate). Each text is checked where it is (a job's output is not copied)."""
    getter = _getters.get(type(item))
    if getter is None:
        return f"not an event: {type(item).__name__}"
    values: tuple[object, ...] = getter(item)
    names = _TEXT_FIELDS[type(item)]
    argv = getattr(item, "argv", None)
    if argv:
        names, values = (*names, *(f"argv[{i}]" for i in range(len(argv)))), (*values, *argv)
    for name, value in zip(names, values, strict=True):
        if value is None:
            continue
        if not isinstance(value, str):
            return f"{name} is not text ({type(value).__name__})"
        why = _bad_text(value)
        if why is not None:
            return f"{name} holds {why}"
    return None


def append_isolated(
    store: Store, groups: Sequence[Group], give_up_at: float = math.inf
) -> list[RecorderUnavailable | None]:
    """Append all ``groups`` in one transaction; if it fails, each group in a transaction of
    its own, until ``give_up_at`` (``time.monotonic``): past it every caller has been answered
    (timed out), and a store that fails slowly (a lock held elsewhere) must not keep the
    writer busy one group at a time. Returns each group's error, or None where it committed.
    Blocking."""
    try:
        store.append(
            [e for events, _ in groups for e in events], [o for _, outs in groups for o in outs]
        )
        return [None] * len(groups)
    except RecorderUnavailable as exc:
        if len(groups) == 1:
            return [exc]
        first = exc
    outcome: list[RecorderUnavailable | None] = []
    for events, outs in groups:
        if time.monotonic() >= give_up_at:
            outcome.append(first)
            continue
        try:
            store.append(events, outs)
            outcome.append(None)
        except RecorderUnavailable as exc:
            outcome.append(exc)
    return outcome


def append_then_sequels(
    store: Store,
    groups: Sequence[Group],
    sequels: Sequence[Sequel[Records] | None],
    give_up_at: float = math.inf,
) -> list[RecorderUnavailable | None]:
    """:func:`append_isolated`, then what the callers queued behind the groups that were
    written (each group's :class:`Sequel`), however late: a caller that gave up waiting (its
    deadline passed, or it was cancelled) may have queued the outcome its decision needs,
    and it is written if and only if the decision was. Blocking (the writer thread)."""
    outcome = append_isolated(store, groups, give_up_at)
    after: list[Records] = []
    for sequel, error in zip(sequels, outcome, strict=True):
        if sequel is not None:
            after += sequel.settle(error is None)
    if after:
        items = [i for records in after for i in records]
        try:
            store.append(
                [i for i in items if isinstance(i, Event)],
                [i for i in items if isinstance(i, OutputRecord)],
            )
        except RecorderUnavailable as exc:  # `execgate recover` closes those decisions
            log.error("%d events queued behind a write were lost: %s", len(items), exc)
    return outcome


def _not_written(call: Call[Records, None]) -> None:
    if call.sequel is not None:
        call.sequel.settle(False)


def timed_out(record_timeout: float) -> RecorderUnavailable:
    """The error of a call the recorder did not confirm in time."""
    return RecorderUnavailable(
        f"the flight recorder did not confirm the write within {record_timeout:g}s "
        "(disk or database stalled)"
    )


class Recorder(Actor[Records, None]):
    """Takes events (and output records) to store durably, answers once they are."""

    name = "recorder"

    def __init__(
        self,
        store: Store,
        writer: WriterThread,
        record_timeout: float = 10.0,
        *,
        on_lease_lost: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.writer = writer
        self.record_timeout = record_timeout
        #: Told when the store refused a write because another gate recovered this one's
        #: lease: the gate learns it at once, not at its next renewal.
        self.on_lease_lost = on_lease_lost

    async def loop(self, inbox: Inbox[Records, None]) -> None:
        while True:
            try:
                first = await inbox.receive()
            except anyio.EndOfStream:
                return
            batch: list[Message[Records, None]] = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(inbox.receive_nowait())
                except (anyio.WouldBlock, anyio.EndOfStream):
                    break
            calls: list[Call[Records, None]] = [m for m in batch if isinstance(m, Call)]
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
            live: list[tuple[float, Call[Records, None]]] = []
            for c in calls:
                problem = next(filter(None, map(unstorable, c.payload)), None)
                if c.deadline <= now:
                    c.reply.fail(timed_out(self.record_timeout))
                    _not_written(c)
                elif problem is not None:
                    c.reply.fail(RecorderUnavailable(f"an event cannot be stored: {problem}"))
                    _not_written(c)
                else:
                    live.append((min(c.deadline, latest), c))
            if live:
                await self._write(live)
            self.in_flight.difference_update(calls)

    async def _write(self, live: list[tuple[float, Call[Records, None]]]) -> None:
        """Write the calls' items in one transaction (one each if that fails); answer each
        call by its deadline."""
        groups: list[Group] = []
        for _, c in live:
            events = [i for i in c.payload if isinstance(i, Event)]
            outputs = [i for i in c.payload if isinstance(i, OutputRecord)]
            groups.append((events, outputs))
        index = {id(c): i for i, (_, c) in enumerate(live)}
        waiting = sorted(live, key=lambda dc: dc[0])
        try:
            # The last caller's deadline, on the writer thread's clock.
            give_up_at = time.monotonic() + (waiting[-1][0] - anyio.current_time())
            sequels = [c.sequel for _, c in live]
            pending = self.writer.submit(
                lambda: append_then_sequels(self.store, groups, sequels, give_up_at)
            )
            while waiting:
                # Cancellable: a write stuck on a frozen disk must not hold the gate's
                # shutdown, nor a caller past its deadline; the writer's one thread keeps a
                # later write from overlapping it.
                with anyio.CancelScope(deadline=waiting[0][0]):
                    outcome = await self.writer.wait(pending)
                    lost = next((e for e in outcome if isinstance(e, LeaseLost)), None)
                    if lost is not None and self.on_lease_lost is not None:
                        self.on_lease_lost(
                            "the store refused a write: another gate took this one for dead "
                            "and recovered it"
                        )
                    failed = sum(1 for e in outcome if e is not None)
                    if failed:
                        log.error(
                            "%d of %d calls in a batch could not be recorded: %s",
                            failed,
                            len(outcome),
                            next(e for e in outcome if e is not None),
                        )
                    for _, c in waiting:
                        error = outcome[index[id(c)]]
                        if error is None:
                            c.reply.set(None)
                        else:
                            c.reply.fail(error)
                    return
                # The earliest deadline passed with the write still running: those callers
                # fail; the others wait on. Once none is left the write may still finish on
                # the writer thread, and the next batch's waits behind it.
                now = anyio.current_time()
                while waiting and waiting[0][0] <= now:
                    waiting.pop(0)[1].reply.fail(timed_out(self.record_timeout))
        except RecorderUnavailable as exc:  # the writer is closed
            log.error("%s (%d calls in the failed batch)", exc, len(groups))
            for _, c in waiting:
                c.reply.fail(exc)
