"""The supervisor and the public Gate API."""

from ._gate import Gate, GateStatistics
from ._stream import JobStream
from ._supervisor import Supervisor
from ._sync import BlockingGate, run

__all__ = ["BlockingGate", "Gate", "GateStatistics", "JobStream", "Supervisor", "run"]
