"""The Recorder's writer thread: order, errors, cancellation, closing (execgate/actors/_writer.py)."""

from __future__ import annotations

import os
import threading

import anyio
import pytest
from conftest import open_gate

from execgate import Policy, RecorderUnavailable
from execgate.actors import WriterThread

pytestmark = pytest.mark.anyio


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "execgate-recorder" and t.is_alive()]


async def test_calls_return_their_values_and_raise_their_errors_in_the_caller() -> None:
    w = WriterThread()
    try:
        seen: list[str] = []
        assert await w.run(lambda: threading.current_thread().name) == "execgate-writer"
        for i in range(50):
            assert await w.run(lambda i=i: seen.append(str(i)) or i) == i  # type: ignore[misc]
        assert seen == [str(i) for i in range(50)]

        def boom() -> None:
            raise ZeroDivisionError("in the writer")

        with pytest.raises(ZeroDivisionError, match="in the writer"):
            await w.run(boom)
        assert await w.run(lambda: "still serving") == "still serving"
    finally:
        w.close()


async def test_a_cancelled_callers_call_still_runs_and_the_next_one_waits_behind_it() -> None:
    w = WriterThread()
    release = threading.Event()
    log: list[str] = []

    def stuck() -> None:
        log.append("stuck started")
        release.wait(10)
        log.append("stuck ended")

    try:
        with anyio.move_on_after(0.2) as scope:
            await w.run(stuck)
        assert scope.cancelled_caught and log == ["stuck started"]

        async def later() -> str:
            return await w.run(lambda: log.append("next ran") or "next")  # type: ignore[func-returns-value]

        async with anyio.create_task_group() as tg:
            results: list[str] = []

            async def call() -> None:
                results.append(await later())

            tg.start_soon(call)
            await anyio.sleep(0.2)
            assert log == ["stuck started"]  # queued behind the write nobody waits for
            release.set()
        assert results == ["next"]
        assert log == ["stuck started", "stuck ended", "next ran"]
    finally:
        release.set()
        w.close()


async def test_close_wakes_the_waiter_and_the_thread_never_writes_to_a_reused_fd() -> None:
    w = WriterThread()
    release = threading.Event()
    await w.run(lambda: None)  # started: its eventfd exists
    thread = w._thread
    assert thread is not None
    fd = w._done_fd
    errors: list[BaseException] = []

    async def waiter() -> None:
        try:
            await w.run(lambda: release.wait(10))
        except RecorderUnavailable as exc:
            errors.append(exc)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter)
            await anyio.sleep(0.1)
            w.close()  # the thread is stuck in the call: the waiter is woken anyway
    assert len(errors) == 1 and "closed" in str(errors[0])
    with pytest.raises(RecorderUnavailable):
        await w.run(lambda: None)
    # The lowest free fd number is the old eventfd's: a new eventfd of ours now holds it.
    mine = os.eventfd(0, os.EFD_NONBLOCK)
    try:
        assert mine == fd
        release.set()
        await anyio.to_thread.run_sync(thread.join, 5)
        assert not thread.is_alive()
        with pytest.raises(BlockingIOError):
            os.eventfd_read(mine)  # nothing was written through the old number
    finally:
        os.close(mine)


async def test_a_gate_runs_one_writer_thread_and_ends_it_on_close(
    policy: Policy, store_url: str
) -> None:
    before = len(writer_threads())
    async with open_gate(policy, store_url) as gate:
        for _ in range(5):
            assert (await gate.run(argv=["true"])).exit_code == 0
        assert len(writer_threads()) == before + 1
    with anyio.fail_after(5):
        while len(writer_threads()) > before:
            await anyio.sleep(0.01)
