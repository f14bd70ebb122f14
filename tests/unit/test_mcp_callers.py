"""The per-caller limits' rules (a pure core: the clock is a parameter)."""

from __future__ import annotations

import pytest

from execgate.errors import CallerLimited
from execgate.integrations._callers import CallerLimiter
from execgate.policy._model import CallersConfig


def test_requests_per_minute_is_a_sliding_window_per_caller() -> None:
    lim = CallerLimiter(CallersConfig(requests_per_minute=2))
    lim.admit_nowait("a", 0.0, job=False)
    lim.admit_nowait("a", 30.0, job=False)
    with pytest.raises(CallerLimited, match="requests_per_minute; retry in 29 s"):
        lim.admit_nowait("a", 31.0, job=False)
    with pytest.raises(CallerLimited, match="retry in 1 s"):
        lim.admit_nowait("a", 59.9, job=False)
    lim.admit_nowait("b", 59.9, job=False)  # another caller has its own window
    lim.admit_nowait("a", 60.0, job=False)  # the call at 0.0 left the window
    with pytest.raises(CallerLimited):
        lim.admit_nowait("a", 89.9, job=False)
    assert lim.statistics("a").calls_in_window == 2


def test_a_refused_call_does_not_count() -> None:
    lim = CallerLimiter(CallersConfig(requests_per_minute=2, max_concurrent_jobs=1))
    lim.admit_nowait("a", 0.0, job=True)
    with pytest.raises(CallerLimited, match="max_concurrent_jobs"):
        lim.admit_nowait("a", 1.0, job=True)
    assert lim.statistics("a").calls_in_window == 1
    lim.release("a")
    lim.admit_nowait("a", 2.0, job=True)  # the slot came back; the refused call left no trace


def test_concurrent_jobs_are_held_until_released() -> None:
    lim = CallerLimiter(CallersConfig(max_concurrent_jobs=2))
    lim.admit_nowait("a", 0.0, job=True)
    lim.admit_nowait("a", 0.0, job=True)
    lim.admit_nowait("a", 0.0, job=False)  # a call that runs nothing holds no slot
    with pytest.raises(CallerLimited):
        lim.admit_nowait("a", 0.0, job=True)
    lim.admit_nowait("b", 0.0, job=True)
    lim.release("a")
    lim.admit_nowait("a", 0.0, job=True)
    assert lim.statistics("a").running == 2 and lim.statistics("b").running == 1


def test_no_limits_keep_no_history() -> None:
    lim = CallerLimiter(CallersConfig())
    for i in range(1000):
        lim.admit_nowait(f"c{i % 3}", float(i), job=False)
    assert lim.statistics("c0").calls_in_window == 0
