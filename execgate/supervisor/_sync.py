"""Synchronous use: ``execgate.run`` for scripts, ``BlockingGate`` for threads."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, TypeVar

import anyio
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ..errors import GateClosed
from ..models import Decision, ExecRequest, ExecResult
from ..store import DEFAULT_STORE_URL
from ._gate import Gate, GateStatistics, PolicyLike

T = TypeVar("T")


def run(
    argv: Sequence[str] | None = None,
    *,
    command: str | None = None,
    policy: PolicyLike = None,
    store: str = DEFAULT_STORE_URL,
    backend: Literal["trio", "asyncio"] = "trio",
    **fields: Any,
) -> ExecResult:
    """Open a gate, run one guarded request, close the gate; blocking.

    ``execgate.run(["ls", "-la"])`` or ``execgate.run(command="git status")``; other
    keywords are :class:`ExecRequest` fields. Raises what ``Gate.run`` raises. Must not be
    called from inside a running event loop (use ``Gate`` there).
    """
    request = ExecRequest.build(None, {"argv": argv, "command": command, **fields})

    async def main() -> ExecResult:
        async with Gate.open(policy, store) as gate:
            return await gate.run(request)

    return anyio.run(main, backend=backend)


class BlockingGate:
    """A :class:`Gate` for synchronous code: its event loop runs in a thread of its own, and
    every method may be called from any thread, concurrently (one gate shared by a pool of
    worker threads is the intended use)::

        with BlockingGate.open(policy="policy.toml") as gate:
            result = gate.run(argv=["git", "status"])

    ``open`` takes the keywords of :meth:`Gate.open` plus ``backend``. Closing (leaving the
    block) ends running jobs through TERM → grace → KILL and flushes the recorder, as the
    async gate's exit does; calls still waiting get ``GateClosed``. Must not be used from
    inside the gate's own event loop (nothing else is there).

    Inside an async host, prefer ``Gate``; a worker thread the host started with
    ``anyio.to_thread.run_sync`` may also call ``anyio.from_thread.run(gate.run, request)``.
    """

    def __init__(self, cm: Any, portal_cm: Any) -> None:
        self._portal_cm = portal_cm
        self._portal: BlockingPortal = portal_cm.__enter__()
        try:
            self._gate_cm = self._portal.wrap_async_context_manager(cm)
            self._gate: Gate = self._gate_cm.__enter__()
        except BaseException:
            portal_cm.__exit__(None, None, None)
            raise
        self._closed = False
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        policy: PolicyLike = None,
        store: str = DEFAULT_STORE_URL,
        *,
        backend: Literal["trio", "asyncio"] = "trio",
        **options: Any,
    ) -> BlockingGate:
        """Start the event loop thread and open the gate in it (the store is opened here:
        ``StoreUnavailable`` and ``PolicyInvalid`` raise from this call)."""
        cm = Gate.open(policy, store, **options)
        return cls(cm, start_blocking_portal(backend))

    @property
    def gate(self) -> Gate:
        """The underlying async gate (only for use inside its own event loop)."""
        return self._gate

    def run(self, request: ExecRequest | None = None, /, **fields: Any) -> ExecResult:
        """Like :meth:`Gate.run`, blocking the calling thread."""
        req = ExecRequest.build(request, fields)
        return self._call(self._gate.run, req)

    def check(self, request: ExecRequest | None = None, /, **fields: Any) -> Decision:
        """Like :meth:`Gate.check`, blocking the calling thread."""
        req = ExecRequest.build(request, fields)
        return self._call(self._gate.check, req)

    def statistics(self) -> GateStatistics:
        return self._gate.statistics()

    def _call(self, func: Callable[[ExecRequest], Awaitable[T]], req: ExecRequest) -> T:
        if self._closed:
            raise GateClosed("the gate is closed; open a new one")
        try:
            return self._portal.call(func, req)
        except RuntimeError as exc:  # the portal stopped under us
            if self._closed:
                raise GateClosed("the gate closed while the call was waiting") from None
            raise exc

    def close(self) -> None:
        """End running jobs, flush the recorder, stop the loop thread. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._gate_cm.__exit__(None, None, None)
        finally:
            self._portal_cm.__exit__(None, None, None)

    def __enter__(self) -> BlockingGate:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
