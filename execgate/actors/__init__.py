"""The four actors: thin async loops around the pure cores and the owned resources."""

from ._base import Actor, Call, Crash, InjectedCrash, Message, Reply
from ._writer import WriterThread
from .gatekeeper import Gatekeeper
from .recorder import Recorder
from .runner import Runner
from .scanner import Scanner

__all__ = [
    "Actor",
    "Call",
    "Crash",
    "Gatekeeper",
    "InjectedCrash",
    "Message",
    "Recorder",
    "Reply",
    "Runner",
    "Scanner",
    "WriterThread",
]
