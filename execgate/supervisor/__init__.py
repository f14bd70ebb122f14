"""The supervisor and the public Gate API."""

from ._config import GateConfig
from ._events import lifecycle_event
from ._gate import Gate, GateStatistics, PolicyLike
from ._stream import JobStream
from ._supervisor import Supervisor
from ._sync import BlockingGate, run

__all__ = [
    "BlockingGate",
    "Gate",
    "GateConfig",
    "GateStatistics",
    "JobStream",
    "PolicyLike",
    "Supervisor",
    "lifecycle_event",
    "run",
]
