"""The Gatekeeper's pure core: the policy file model, shell parsing, and the rules."""

from ._engine import Verdict, evaluate
from ._model import (
    AllowRule,
    DenyRule,
    EnvConfig,
    LimitMaxima,
    LimitsConfig,
    Policy,
    RecorderConfig,
    ShellConfig,
    WorkspaceConfig,
    default_policy,
    load_policy,
    parse_policy,
)
from ._resolver import Resolver
from ._schema import policy_schema
from ._shell import ShellRefusal, split_command
from ._suggest import Suggestion, suggest


def host_readers() -> list[tuple[str, bool, str]]:
    """(what, available, detail) for the policy's own host dependencies, for ``doctor``: the
    bash grammar that reads lists, pipelines and redirections, and the program that opens
    redirection targets beneath the workspace (native, or its Python twin)."""
    from ._opener import OPENER
    from ._script import parse_script

    checks: list[tuple[str, bool, str]] = []
    try:
        parse_script("true && true")
        checks.append(("bash grammar (tree-sitter)", True, "lists, pipelines, redirections"))
    except Exception as exc:  # report, never crash the doctor
        checks.append(("bash grammar (tree-sitter)", False, repr(exc)))
    native = len(OPENER) == 1
    checks.append(
        (
            "redirection opener",
            True,
            f"{OPENER[0]} (openat2 beneath the workspace)"
            if native
            else "the Python twin (no C compiler at install): same guarantee, slower",
        )
    )
    return checks


__all__ = [
    "AllowRule",
    "DenyRule",
    "EnvConfig",
    "LimitMaxima",
    "LimitsConfig",
    "Policy",
    "RecorderConfig",
    "Resolver",
    "ShellConfig",
    "ShellRefusal",
    "Suggestion",
    "Verdict",
    "WorkspaceConfig",
    "default_policy",
    "evaluate",
    "host_readers",
    "load_policy",
    "parse_policy",
    "policy_schema",
    "split_command",
    "suggest",
]
