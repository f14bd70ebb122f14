"""What every actor shares: the message envelope, the one-shot reply, the serve loop.

An actor is a long-lived task that takes :class:`Call` messages from a bounded inbox (an
AnyIO memory object stream), does one thing with each, and answers through the call's
one-shot :class:`Reply`. If the actor crashes, every call it had taken and not answered is
failed with :class:`~execgate.errors.ActorCrashed` (or ``GateClosed`` when the gate is shutting
down), so no caller ever waits on a dead actor.
"""

from __future__ import annotations

import abc
import math
from typing import Any, ClassVar, Generic, TypeVar

import anyio
import anyio.abc
import attrs
from anyio.streams.memory import MemoryObjectReceiveStream

from ..errors import ActorCrashed, ExecgateError, GateClosed

T = TypeVar("T")


class Reply(Generic[T]):
    """A one-shot reply: set once (value or error), awaited by the caller."""

    __slots__ = ("_error", "_event", "_value")

    def __init__(self) -> None:
        self._event = anyio.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self._event.is_set()

    def set(self, value: T) -> None:
        if not self._event.is_set():
            self._value = value
            self._event.set()

    def fail(self, error: BaseException) -> None:
        if not self._event.is_set():
            self._error = error
            self._event.set()

    async def wait(self) -> T:
        await self._event.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


@attrs.define(eq=False)
class Call(Generic[T]):
    payload: Any
    reply: Reply[T] = attrs.field(factory=Reply)
    #: When the caller stops waiting (event-loop time): an actor that keeps deadlines (the
    #: Recorder) answers the call by then.
    deadline: float = attrs.field(default=math.inf, kw_only=True)


@attrs.frozen
class Crash:
    """Test hook: an actor that receives this raises, as a bug would. See Gate._inject_crash."""

    note: str = "injected crash"


class InjectedCrash(RuntimeError):
    pass


Message = Call[Any] | Crash


class Actor(abc.ABC):
    """Base of the four actors. Subclasses implement :meth:`loop`."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self.in_flight: set[Call[Any]] = set()
        self.stopping = False
        #: Test hook: crash while holding the next call (see Gate._inject_crash).
        self.crash_armed = False

    def take(self, call: Call[Any]) -> None:
        """Hold ``call`` until answered; crash here if a test armed it."""
        self.in_flight.add(call)
        if self.crash_armed:
            self.crash_armed = False
            raise InjectedCrash(f"{self.name}: injected crash while holding a call")

    async def serve(self, inbox: MemoryObjectReceiveStream[Message]) -> None:
        """Run until the inbox is closed (clean stop) or the actor crashes (raises)."""
        try:
            await self.loop(inbox)
        finally:
            error = self.lost_error()
            for call in self.in_flight:
                call.reply.fail(error)
            self.in_flight.clear()

    def lost_error(self) -> ExecgateError:
        """The error for a call this actor took but can no longer answer."""
        if self.stopping:
            return GateClosed(f"the gate shut down while the {self.name} held the request")
        return ActorCrashed(
            f"the {self.name} crashed while handling the request; it was restarted, "
            "and the request may be retried"
        )

    @abc.abstractmethod
    async def loop(self, inbox: MemoryObjectReceiveStream[Message]) -> None: ...


#: Calls a sequential actor takes from a non-empty inbox before it yields to the event loop.
BURST = 8


class SequentialActor(Actor):
    """An actor that handles one call at a time around a synchronous pure core.

    A queued call is taken without a checkpoint (a scheduling pass of the event loop, a
    large part of a hop's cost), up to ``BURST`` in a row: the callers it answered run
    when it yields, at the latest after ``BURST`` calls, or when its inbox is empty.

    A call whose payload :meth:`heavy` says is expensive is answered by
    :meth:`handle_heavy` on a task of its own, so the calls behind it are not held up; the
    actor's stop waits for those tasks, and its crash cancels them (their calls then fail like
    any call it held)."""

    def heavy(self, payload: Any) -> bool:
        """Whether ``payload`` goes to :meth:`handle_heavy` (none, unless overridden)."""
        return False

    async def handle_heavy(self, payload: Any) -> Any:
        return await self.handle(payload)

    async def _answer_heavy(self, msg: Call[Any]) -> None:
        try:
            msg.reply.set(await self.handle_heavy(msg.payload))
        except ExecgateError as exc:
            msg.reply.fail(exc)
        self.in_flight.discard(msg)

    async def loop(self, inbox: MemoryObjectReceiveStream[Message]) -> None:
        try:
            async with anyio.create_task_group() as tg:
                await self._serve_calls(inbox, tg)
        except BaseExceptionGroup as group:
            # Raise the crash itself, as an actor without tasks of its own would.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    async def _serve_calls(
        self, inbox: MemoryObjectReceiveStream[Message], tg: anyio.abc.TaskGroup
    ) -> None:
        burst = 0
        while True:
            msg: Message | None = None
            if burst < BURST:
                try:
                    msg = inbox.receive_nowait()
                    burst += 1
                except anyio.WouldBlock:
                    pass
                except anyio.EndOfStream:
                    return
            if msg is None:
                burst = 0
                try:
                    msg = await inbox.receive()
                except anyio.EndOfStream:
                    return
            if isinstance(msg, Crash):
                raise InjectedCrash(f"{self.name}: {msg.note}")
            self.take(msg)
            if self.heavy(msg.payload):
                tg.start_soon(self._answer_heavy, msg)
                continue
            try:
                msg.reply.set(await self.handle(msg.payload))
            except ExecgateError as exc:
                msg.reply.fail(exc)
            self.in_flight.discard(msg)

    @abc.abstractmethod
    async def handle(self, payload: Any) -> Any: ...
