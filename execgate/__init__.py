"""execgate: a guarded command-execution runtime for AI agents and automation.

Every request is scanned for secrets, checked against a deny-by-default policy, run under
hard limits, and recorded -- decision and result -- in a flight recorder::

    async with execgate.Gate.open(policy="policy.toml") as gate:
        result = await gate.run(argv=["git", "status"])

This module is the public API; everything else is internal.
"""

from .errors import (
    ActorCrashed,
    CallerLimited,
    ConfigError,
    ContainmentFailed,
    EnvironmentFault,
    ExecgateError,
    GateClosed,
    GitTampered,
    IdempotencyConflict,
    InternalError,
    LeaseLost,
    NotStarted,
    PolicyDenied,
    PolicyInvalid,
    PolicyTampered,
    ProgramNotFound,
    RecorderUnavailable,
    Refused,
    RequestError,
    RequestTooLarge,
    SandboxUnavailable,
    SecretDetected,
    ServerInvalid,
    SpawnFailed,
    StoreExposed,
    StoreInvalid,
    StoreMissing,
    StoreUnavailable,
    SupervisorFailed,
)
from .models import (
    ApprovalAnswer,
    ApprovalRequest,
    Decision,
    Event,
    ExecRequest,
    ExecResult,
    Finding,
    Grant,
    Limits,
    OutputChunk,
    ProxyConnection,
)
from .policy import Policy, default_policy, load_policy
from .scan import redact, scan_text
from .store import DEFAULT_STORE_URL, open_store
from .supervisor import BlockingGate, Gate, GateConfig, GateStatistics, JobStream, run

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_STORE_URL",
    "ActorCrashed",
    "ApprovalAnswer",
    "ApprovalRequest",
    "BlockingGate",
    "CallerLimited",
    "ConfigError",
    "ContainmentFailed",
    "Decision",
    "EnvironmentFault",
    "Event",
    "ExecRequest",
    "ExecResult",
    "ExecgateError",
    "Finding",
    "Gate",
    "GateClosed",
    "GateConfig",
    "GateStatistics",
    "GitTampered",
    "Grant",
    "IdempotencyConflict",
    "InternalError",
    "JobStream",
    "LeaseLost",
    "Limits",
    "NotStarted",
    "OutputChunk",
    "Policy",
    "PolicyDenied",
    "PolicyInvalid",
    "PolicyTampered",
    "ProgramNotFound",
    "ProxyConnection",
    "RecorderUnavailable",
    "Refused",
    "RequestError",
    "RequestTooLarge",
    "SandboxUnavailable",
    "SecretDetected",
    "ServerInvalid",
    "SpawnFailed",
    "StoreExposed",
    "StoreInvalid",
    "StoreMissing",
    "StoreUnavailable",
    "SupervisorFailed",
    "__version__",
    "default_policy",
    "load_policy",
    "open_store",
    "redact",
    "run",
    "scan_text",
]
