"""A sequential actor's loop (execgate/actors/_base.py): it answers every call, in order, and
takes queued calls in bursts without starving the rest of the event loop."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from execgate.actors._base import BURST, Call, Crash, InjectedCrash, Message, SequentialActor

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
    assert ticks_when_done >= n // BURST - 2


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
