"""What every actor shares: the message envelope, the one-shot reply, the typed mailbox, the
serve loop.

An actor is a long-lived task that takes :class:`Call` messages from a bounded inbox (an
AnyIO memory object stream), does one thing with each, and answers through the call's
one-shot :class:`Reply`. If the actor crashes, every call it had taken and not answered is
failed with :class:`~execgate.errors.ActorCrashed` (or ``GateClosed`` when the gate is shutting
down), so no caller ever waits on a dead actor.

Every hop is typed on both ends: an ``Actor[Req, Rep]`` takes ``Call[Req, Rep]`` messages
from a ``Mailbox[Req, Rep]``, and whoever holds that mailbox can only send it a ``Req`` and
get back a ``Rep``. The mailboxes are the actors' addresses (attributes of the supervisor),
so the type checker follows a request from the caller to the actor's ``handle``.
"""

from __future__ import annotations

import abc
import math
import threading
from collections.abc import Callable
from typing import ClassVar, Generic, Literal, TypeAlias, TypeVar

import anyio
import anyio.abc
import attrs
from anyio.streams.memory import MemoryObjectReceiveStream

from ..errors import ActorCrashed, ExecgateError, GateClosed

T = TypeVar("T")
#: What an actor is asked (a call's payload) and what it answers (its reply's value).
Req = TypeVar("Req")
Rep = TypeVar("Rep")


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


class Sequel(Generic[T]):
    """Payloads to be handled right after a call's own, if and only if that one was: what an
    actor that supports it (the Recorder) does once it knows, which may be long after it
    answered the call (a write that finished past its deadline). The caller adds to it from
    the event loop, the actor settles it from its worker thread: hence the lock."""

    __slots__ = ("_items", "_lock", "_state")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: Literal["pending", "done", "failed"] = "pending"
        self._items: list[T] = []

    def add(self, item: T) -> Literal["pending", "done", "failed"]:
        """Queue ``item`` if the call's payload is not settled yet ("pending": the actor
        handles it, or drops it with a payload that was not handled); otherwise say how the
        payload went, and the caller does what it must itself."""
        with self._lock:
            if self._state == "pending":
                self._items.append(item)
            return self._state

    def settle(self, done: bool) -> list[T]:
        """The call's payload was handled (``done``) or not: the queued items to handle now
        (none if it was not)."""
        with self._lock:
            if self._state != "pending":
                return []
            self._state = "done" if done else "failed"
            items, self._items = self._items, []
        return items if done else []


@attrs.define(eq=False)
class Call(Generic[Req, Rep]):
    """One request to an actor: its payload, and the reply the actor answers it through."""

    payload: Req
    reply: Reply[Rep] = attrs.field(factory=Reply)
    #: When the caller stops waiting (event-loop time): an actor that keeps deadlines (the
    #: Recorder) answers the call by then.
    deadline: float = attrs.field(default=math.inf, kw_only=True)
    #: What to do after the payload iff it was done (see :class:`Sequel`), where the actor
    #: supports it.
    sequel: Sequel[Req] | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class Crash:
    """Test hook: an actor that receives this raises, as a bug would. See Gate._inject_crash."""

    note: str = "injected crash"


class InjectedCrash(RuntimeError):
    pass


#: What an inbox holds: calls, and the test hook's crash.
Message: TypeAlias = Call[Req, Rep] | Crash
Inbox: TypeAlias = MemoryObjectReceiveStream[Message[Req, Rep]]


class Mailbox(Generic[Req, Rep]):
    """The address of one actor: a bounded inbox that outlives the actor's restarts (queued
    calls are not lost), typed by what the actor takes and answers.

    ``closed`` gives the error for a call sent after the inbox was closed (the gate shut
    down, or its supervisor gave up).
    """

    def __init__(self, name: str, size: int, closed: Callable[[], ExecgateError]) -> None:
        self.name = name
        self.send_stream, self.receive_stream = anyio.create_memory_object_stream[
            Message[Req, Rep]
        ](size)
        self._closed = closed

    async def send(self, call: Call[Req, Rep] | Crash, deadline: float = math.inf) -> bool:
        """Put ``call`` in the inbox, waiting for room if it is full, until ``deadline``
        (event-loop time) at most: False if it passed first (the call may then have gone in
        all the same; an actor that keeps deadlines fails it). Not a checkpoint when there is
        room: every caller awaits the reply next, which is one (and a checkpoint costs the
        loop a scheduling pass per hop)."""
        inbox = self.send_stream
        try:
            try:
                inbox.send_nowait(call)
            except anyio.WouldBlock:
                with anyio.CancelScope(deadline=deadline):
                    await inbox.send(call)
                    return True
                return False
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise self._closed() from None
        return True

    def send_nowait(self, call: Call[Req, Rep]) -> bool:
        """Put ``call`` in the inbox if there is room: False if it is full or closed."""
        try:
            self.send_stream.send_nowait(call)
        except (anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            return False
        return True

    async def ask(self, payload: Req) -> Rep:
        """Send ``payload`` and wait for the actor's answer (or its error)."""
        call: Call[Req, Rep] = Call(payload)
        await self.send(call)
        return await call.reply.wait()

    def queued(self) -> int:
        return self.receive_stream.statistics().current_buffer_used

    def close(self) -> None:
        """Take no more calls; the actor drains what is queued, then stops."""
        self.send_stream.close()

    def fail_queued(self, error: ExecgateError) -> None:
        """Fail every call still queued with ``error``."""
        while True:
            try:
                msg = self.receive_stream.receive_nowait()
            except (anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
                return
            if isinstance(msg, Call):
                msg.reply.fail(error)


class Actor(abc.ABC, Generic[Req, Rep]):
    """Base of the four actors: takes ``Call[Req, Rep]``. Subclasses implement
    :meth:`loop`."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self.in_flight: set[Call[Req, Rep]] = set()
        self.stopping = False
        #: Test hook: crash while holding the next call (see Gate._inject_crash).
        self.crash_armed = False

    def take(self, call: Call[Req, Rep]) -> None:
        """Hold ``call`` until answered; crash here if a test armed it."""
        self.in_flight.add(call)
        if self.crash_armed:
            self.crash_armed = False
            raise InjectedCrash(f"{self.name}: injected crash while holding a call")

    async def serve(self, inbox: Inbox[Req, Rep]) -> None:
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
    async def loop(self, inbox: Inbox[Req, Rep]) -> None: ...


#: Calls a sequential actor takes from a non-empty inbox before it yields to the event loop.
BURST = 8


class SequentialActor(Actor[Req, Rep]):
    """An actor that handles one call at a time around a synchronous pure core.

    A queued call is taken without a checkpoint (a scheduling pass of the event loop, a
    large part of a hop's cost), up to ``BURST`` in a row: the callers it answered run
    when it yields, at the latest after ``BURST`` calls, or when its inbox is empty.

    A call whose payload :meth:`heavy` says is expensive is answered by
    :meth:`handle_heavy` on a task of its own, so the calls behind it are not held up; the
    actor's stop waits for those tasks, and its crash cancels them (their calls then fail like
    any call it held)."""

    def heavy(self, payload: Req) -> bool:
        """Whether ``payload`` goes to :meth:`handle_heavy` (none, unless overridden)."""
        return False

    async def handle_heavy(self, payload: Req) -> Rep:
        return await self.handle(payload)

    async def _answer_heavy(self, msg: Call[Req, Rep]) -> None:
        try:
            msg.reply.set(await self.handle_heavy(msg.payload))
        except ExecgateError as exc:
            msg.reply.fail(exc)
        self.in_flight.discard(msg)

    async def loop(self, inbox: Inbox[Req, Rep]) -> None:
        try:
            async with anyio.create_task_group() as tg:
                await self._serve_calls(inbox, tg)
        except BaseExceptionGroup as group:
            # Raise the crash itself, as an actor without tasks of its own would.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    async def _serve_calls(self, inbox: Inbox[Req, Rep], tg: anyio.abc.TaskGroup) -> None:
        burst = 0
        while True:
            msg: Message[Req, Rep] | None = None
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
    async def handle(self, payload: Req) -> Rep: ...
