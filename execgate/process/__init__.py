"""The Runner's resource: spawning, containing, limiting and ending processes."""

from ._capture import CappedBuffer
from ._host import HostCheck, HostSupport, host_support
from ._job import JobControl, JobOutcome, StartAgain, run_job
from ._tree import Containment, JobTree, open_containment

__all__ = [
    "CappedBuffer",
    "Containment",
    "HostCheck",
    "HostSupport",
    "JobControl",
    "JobOutcome",
    "JobTree",
    "StartAgain",
    "host_support",
    "open_containment",
    "run_job",
]
