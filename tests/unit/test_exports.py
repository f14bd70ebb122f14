"""The public API: every name re-exported, every error code documented."""

from __future__ import annotations

import re
from pathlib import Path

import execgate
from execgate.errors import all_error_codes

PUBLIC = {
    "Gate", "GateStatistics", "ExecRequest", "ExecResult", "Decision", "Finding", "Event",
    "Limits", "Policy", "run", "load_policy", "default_policy", "open_store",
    "ExecgateError", "RequestError", "Refused", "PolicyDenied", "SecretDetected",
    "ProgramNotFound", "RecorderUnavailable", "ActorCrashed", "GateClosed", "SupervisorFailed",
    "PolicyInvalid", "StoreUnavailable", "StoreInvalid", "StoreExposed", "SpawnFailed", "ContainmentFailed",
    "RequestTooLarge", "CallerLimited", "ServerInvalid", "StoreMissing", "ProxyConnection",
    "PolicyTampered", "GitTampered", "LeaseLost",
}  # fmt: skip


def test_public_names_are_exported() -> None:
    missing = {n for n in PUBLIC if not hasattr(execgate, n)}
    assert not missing
    assert set(execgate.__all__) >= PUBLIC


def test_every_error_code_is_in_the_docs_table() -> None:
    page = (Path(__file__).parents[2] / "docs" / "errors.md").read_text()
    documented = set(re.findall(r"^\| `(EG-[A-Z-]+)` \|", page, re.M))
    assert set(all_error_codes()) | {"EG-ALLOWED"} == documented


def test_codes_are_unique_per_class() -> None:
    seen: dict[str, type] = {}
    stack: list[type[execgate.ExecgateError]] = [execgate.ExecgateError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "code" in vars(cls):
            assert cls.code not in seen or seen[cls.code] is cls, cls.code
            seen[cls.code] = cls
