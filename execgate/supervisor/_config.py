"""``GateConfig``: every option of a gate, in one value the gate, its pipeline and its
supervisor read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

import attrs

from ..models import ApprovalAnswer, ApprovalRequest

#: An async callable the gate asks when an [[ask]] rule matches (e.g. prompts a person).
Approver = Callable[[ApprovalRequest], Awaitable[ApprovalAnswer]]
ContainmentChoice = Literal["auto", "cgroup", "process-group"]


def _at_least_one(_i: object, a: attrs.Attribute[int], v: int) -> None:
    if v < 1:
        raise ValueError(f"{a.name} must be >= 1, got {v!r}")


@attrs.frozen(kw_only=True)
class GateConfig:
    """How a gate runs (see :meth:`Gate.open` for each option's meaning). The policy and the
    store are not here: they say what may run and where it is recorded."""

    containment: ContainmentChoice = "auto"
    #: Jobs running at once; more wait in the Runner's inbox.
    max_concurrent_jobs: int = attrs.field(default=64, validator=_at_least_one)
    #: More than this many actor restarts within ``restart_period`` seconds stop the gate.
    restart_intensity: int = 5
    restart_period: float = 10.0
    #: The environment jobs start from (default: this process's).
    host_env: Mapping[str, str] | None = None
    #: How long a request waits for the recorder to confirm a write.
    record_timeout: float = 10.0
    approver: Approver | None = None
    approval_timeout: float = 300.0
    #: This host's id on every event; None: ``execgate.store.host_id``'s default.
    host_id: str | None = None


__all__ = ["Approver", "ContainmentChoice", "GateConfig"]
