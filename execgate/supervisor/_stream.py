"""``Gate.stream``: one guarded request whose output the caller sees as it arrives.

The request runs in a task of the gate's own task group, exactly as ``Gate.run`` would run
it; the caller's block owns its lifetime. Chunks cross to the caller over an unbounded memory
stream whose content is bounded anyway: each output stream delivers at most
``max_output_bytes``, so the pipe readers never wait for a slow consumer and the result is
the same whether or not anyone reads the chunks.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

import anyio

from ..errors import ExecgateError, GateClosed
from ..models import ExecPlan, ExecRequest, ExecResult, OutputChunk, OutputStream
from ..process import JobControl
from ._pipeline import Intake

#: Starts a task in the gate's own task group (raises ``GateClosed`` when it is not open).
Spawner = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]

StreamItem = OutputChunk | ExecResult


class JobStream:
    """The handle ``Gate.stream`` returns: an async context manager and, inside it, an async
    iterator of :class:`OutputChunk` values followed by the :class:`ExecResult`.

    Guarantees: on leaving the block by any path, the job has ended (normally, or through
    TERM → grace → KILL) and its outcome is recorded; a refusal or failure raises from
    ``__aenter__`` (before any output) or, for a failure after the start, from the
    iteration; no item is lost between the job and the iteration.
    """

    def __init__(self, intake: Intake, spawn: Spawner, request: ExecRequest) -> None:
        self._intake = intake
        self._spawn = spawn
        self._request = request
        send, receive = anyio.create_memory_object_stream[StreamItem](math.inf)
        self._send, self._receive = send, receive
        self._scope = anyio.CancelScope()
        self._admitted = anyio.Event()
        self._done = anyio.Event()
        self._error: ExecgateError | None = None
        self._delivered: dict[OutputStream, int] = {"stdout": 0, "stderr": 0}
        self._cap = 0
        self._entered = False
        #: The job's result, once the iteration has yielded it (or the block has ended).
        self.result: ExecResult | None = None

    # --- the job's side (a task of the gate) ---------------------------------------------

    def _deliver(self, stream: OutputStream, chunk: bytes) -> None:
        room = self._cap - self._delivered[stream]
        if room <= 0:
            return
        piece = chunk[:room]
        self._delivered[stream] += len(piece)
        # A caller that stopped reading is leaving its block, whose exit ends the job.
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            self._send.send_nowait(OutputChunk(stream, piece))

    def _admit(self, plan: ExecPlan) -> None:
        self._cap = plan.limits.max_output_bytes
        self._admitted.set()

    async def _main(self) -> None:
        intake, req = self._intake, self._request
        try:
            with self._scope:
                pipeline = intake.enter()
                try:
                    control = JobControl(on_output=self._deliver)
                    result = await pipeline.run(req, control, self._admit)
                finally:
                    intake.leave()
                self.result = result
                self._send.send_nowait(result)
        except ExecgateError as exc:
            self._error = exc
        except Exception as exc:  # a bug must reach the caller, not crash the gate
            self._error = GateClosed(f"the streamed job failed: {type(exc).__name__}: {exc}")
        finally:
            self._send.close()
            self._admitted.set()
            self._done.set()

    # --- the caller's side ---------------------------------------------------------------

    async def __aenter__(self) -> JobStream:
        if self._entered:
            raise RuntimeError("a JobStream can be entered only once")
        self._entered = True
        self._spawn(self._main)
        try:
            await self._admitted.wait()
        except BaseException:
            await self._finish()
            raise
        if self._error is not None:
            await self._finish()
            raise self._error
        return self

    def __aiter__(self) -> JobStream:
        return self

    async def __anext__(self) -> StreamItem:
        try:
            return await self._receive.receive()
        except anyio.EndOfStream:
            if self._error is not None:
                raise self._error from None
            raise StopAsyncIteration from None

    async def _finish(self) -> None:
        """End the job if it still runs (the kill path), and wait until it is recorded."""
        if not self._done.is_set():
            self._scope.cancel()
        with anyio.CancelScope(shield=True):
            await self._done.wait()
        self._receive.close()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._finish()


__all__ = ["JobStream", "StreamItem"]
