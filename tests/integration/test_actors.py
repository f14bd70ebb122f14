"""The actors' loops: a sequential actor (execgate/actors/_base.py) answers every call, in
order, and takes queued calls in bursts without starving the rest of the event loop; the
Recorder (execgate/actors/recorder.py) answers every call by its deadline."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anyio
import pytest

from execgate import Event, RecorderUnavailable, open_store
from execgate.actors import WriterThread
from execgate.actors._base import BURST, Call, Crash, InjectedCrash, Message, SequentialActor
from execgate.actors.recorder import Recorder
from execgate.store import Store
from execgate.supervisor._events import lifecycle_event

pytestmark = pytest.mark.anyio


class Echo(SequentialActor):
    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.handled: list[int] = []

    async def handle(self, payload: Any) -> Any:
        self.handled.append(payload)
        return payload * 2


async def test_every_queued_call_is_answered_in_order() -> None:
    send, receive = anyio.create_memory_object_stream[Message](256)
    actor = Echo()
    calls: list[Call[int]] = [Call(i) for i in range(100)]
    for call in calls:
        send.send_nowait(call)
    send.close()
    with anyio.fail_after(5):
        await actor.serve(receive)  # returns once the closed inbox is drained
    assert actor.handled == list(range(100))
    assert [await c.reply.wait() for c in calls] == [2 * i for i in range(100)]
    assert not actor.in_flight


async def test_a_full_inbox_does_not_starve_the_event_loop() -> None:
    """Queued calls are taken without a checkpoint, but at most BURST in a row: another task
    runs at least once per burst while the actor works through a deep inbox."""
    n = 20 * BURST
    send, receive = anyio.create_memory_object_stream[Message](n)
    actor = Echo()
    calls: list[Call[int]] = [Call(i) for i in range(n)]
    for call in calls:
        send.send_nowait(call)
    ticks = 0
    ticks_when_done = -1

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await anyio.lowlevel.checkpoint()
            ticks += 1

    async def last_answer() -> None:
        nonlocal ticks_when_done
        await calls[-1].reply.wait()
        ticks_when_done = ticks

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            tg.start_soon(actor.serve, receive)
            await last_answer()
            tg.cancel_scope.cancel()
    assert actor.handled == list(range(n))
    # (trio runs the runnable tasks of a batch in a random order: half the bursts, robustly;
    # an actor that never yielded lets the ticker run once at most)
    assert ticks_when_done >= n // BURST // 2


async def test_a_crash_message_in_a_burst_fails_the_calls_held() -> None:
    send, receive = anyio.create_memory_object_stream[Message](16)
    actor = Echo()
    before, after = Call(1), Call(2)
    send.send_nowait(before)
    send.send_nowait(Crash("boom"))
    send.send_nowait(after)
    with pytest.raises(InjectedCrash, match="boom"):
        await actor.serve(receive)
    assert await before.reply.wait() == 2
    # The call behind the crash is still queued: a restarted actor takes it.
    assert receive.receive_nowait() is after


# --- the Recorder keeps its callers' deadlines (execgate/actors/recorder.py) ---------------


def _event(actor: str) -> Event:
    return lifecycle_event("supervisor_start", actor)


def _actors_recorded(store: Store) -> set[str]:
    return {e.actor for e in store.query(limit=None)}


async def test_a_call_past_its_deadline_fails_and_is_not_written(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    writer = WriterThread()
    send, receive = anyio.create_memory_object_stream[Message](16)
    now = anyio.current_time()
    late = Call((_event("late"),), deadline=now - 0.001)
    live = Call((_event("live"),), deadline=now + 5)
    send.send_nowait(late)
    send.send_nowait(live)
    send.close()
    try:
        with anyio.fail_after(5):
            await Recorder(store, writer, record_timeout=5).serve(receive)
        with pytest.raises(RecorderUnavailable, match="did not confirm"):
            await late.reply.wait()
        await live.reply.wait()
        # The late caller gave up (and may retry): its event must not appear behind its back.
        assert _actors_recorded(store) == {"live"}
    finally:
        writer.close()
        store.close()


async def test_each_caller_in_a_batch_gets_its_own_deadline(tmp_path: Path) -> None:
    """One transaction for both calls, held up by a busy writer thread: the call whose
    deadline comes first fails then; the other is answered when the write commits."""
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    writer = WriterThread()
    release = threading.Event()
    writer.submit(lambda: release.wait(10))  # the disk, stalled for 0.6 s
    send, receive = anyio.create_memory_object_stream[Message](16)
    now = anyio.current_time()
    early = Call((_event("early"),), deadline=now + 0.2)
    later = Call((_event("later"),), deadline=now + 3)
    send.send_nowait(early)
    send.send_nowait(later)
    failed_at = answered_at = 0.0

    async def wait_early() -> None:
        nonlocal failed_at
        with pytest.raises(RecorderUnavailable, match="did not confirm"):
            await early.reply.wait()
        failed_at = anyio.current_time() - now

    async def wait_later() -> None:
        nonlocal answered_at
        await later.reply.wait()
        answered_at = anyio.current_time() - now

    try:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(Recorder(store, writer, record_timeout=10).serve, receive)
                tg.start_soon(wait_early)
                tg.start_soon(wait_later)
                await anyio.sleep(0.6)
                release.set()
                while not answered_at:
                    await anyio.sleep(0.01)
                send.close()
        assert 0.2 <= failed_at < 0.6
        assert answered_at >= 0.6
        # Both were in the transaction: the early caller was told "not confirmed in time",
        # which is what it was; its event is in the store all the same.
        assert _actors_recorded(store) == {"early", "later"}
    finally:
        release.set()
        writer.close()
        store.close()


async def test_a_call_without_a_deadline_cannot_hold_the_recorder(tmp_path: Path) -> None:
    """A lifecycle event (nobody waits on it) over a stalled write: the Recorder gives up on
    it after record_timeout and answers the next caller by that caller's deadline."""
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    writer = WriterThread()
    release = threading.Event()
    writer.submit(lambda: release.wait(10))
    send, receive = anyio.create_memory_object_stream[Message](16)
    notice = Call((_event("notice"),))  # no deadline
    send.send_nowait(notice)
    try:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(Recorder(store, writer, record_timeout=0.3).serve, receive)
                await anyio.sleep(0.05)  # the notice's batch is waiting on the stalled write
                caller = Call((_event("caller"),), deadline=anyio.current_time() + 0.4)
                send.send_nowait(caller)
                t0 = anyio.current_time()
                with pytest.raises(RecorderUnavailable, match="did not confirm"):
                    await caller.reply.wait()
                assert anyio.current_time() - t0 < 1.0
                with pytest.raises(RecorderUnavailable):
                    await notice.reply.wait()
                send.close()
    finally:
        release.set()
        writer.close()
        store.close()
