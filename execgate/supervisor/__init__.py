"""The supervisor and the public Gate API."""

from ._gate import Gate, GateStatistics
from ._stream import JobStream
from ._supervisor import Supervisor
from ._sync import run

__all__ = ["Gate", "GateStatistics", "JobStream", "Supervisor", "run"]
