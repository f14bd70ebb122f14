"""Per-caller limits of a shared gate: a pure core over values, no I/O, no clock of its own.

Rules, checked in this order on every tool call of a caller:

1. ``requests_per_minute``: at most that many calls admitted in any 60-second window (a
   sliding window of admission times; a refused call does not count).
2. ``max_concurrent_jobs``: a call that runs a job is admitted only while the caller has fewer
   jobs running than the limit; the slot is held until :meth:`CallerLimiter.release`.

A refusal raises :class:`~execgate.errors.CallerLimited` and changes nothing. ``None`` means no
limit. The caller is any stable string (the MCP server uses the authenticated subject).
"""

from __future__ import annotations

import math
from collections import deque

import attrs

from ..errors import CallerLimited
from ..policy._model import CallersConfig

WINDOW = 60.0


@attrs.frozen
class CallerStatistics:
    """What one caller holds right now."""

    running: int
    calls_in_window: int


@attrs.define
class _Caller:
    running: int = 0
    admitted: deque[float] = attrs.field(factory=deque)


@attrs.define
class CallerLimiter:
    """The limits of ``config`` applied to each caller separately. ``now`` is any monotonic
    clock in seconds, passed in so the rules are testable without waiting."""

    config: CallersConfig
    _callers: dict[str, _Caller] = attrs.field(factory=dict, init=False)

    def admit_nowait(self, caller: str, now: float, *, job: bool) -> None:
        """Admit one call of ``caller`` (``job``: one that runs a command and holds a slot
        until :meth:`release`), or raise ``CallerLimited`` leaving the counts unchanged."""
        state = self._callers.setdefault(caller, _Caller())
        while state.admitted and state.admitted[0] <= now - WINDOW:
            state.admitted.popleft()
        rpm = self.config.requests_per_minute
        if rpm is not None and len(state.admitted) >= rpm:
            retry = math.ceil(state.admitted[0] + WINDOW - now)
            raise CallerLimited(
                f"caller {caller!r} made {rpm} calls in the last minute, the policy's "
                f"[callers] requests_per_minute; retry in {retry} s"
            )
        most = self.config.max_concurrent_jobs
        if job and most is not None and state.running >= most:
            raise CallerLimited(
                f"caller {caller!r} has {state.running} jobs running, the policy's [callers] "
                "max_concurrent_jobs; retry when one ends"
            )
        if rpm is not None:  # kept only when limited: at most ``rpm`` times per caller
            state.admitted.append(now)
        if job:
            state.running += 1

    def release(self, caller: str) -> None:
        """The job admitted for ``caller`` ended (however it ended)."""
        state = self._callers[caller]
        state.running -= 1
        if not state.running and not state.admitted:
            del self._callers[caller]

    def statistics(self, caller: str) -> CallerStatistics:
        state = self._callers.get(caller, _Caller())
        return CallerStatistics(running=state.running, calls_in_window=len(state.admitted))


__all__ = ["CallerLimiter", "CallerStatistics"]
