"""The Gatekeeper's pure core: the policy file model, shell parsing, and the rules."""

from ._configs import git_config_entries, git_entry_refusal, git_entry_runs_program
from ._engine import Verdict, evaluate
from ._host import host_readers
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
from ._warnings import always_refused, unchecked_programs
from ._words import DecodingLimit, decoding_size, request_words

__all__ = [
    "AllowRule",
    "DecodingLimit",
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
    "always_refused",
    "decoding_size",
    "default_policy",
    "evaluate",
    "git_config_entries",
    "git_entry_refusal",
    "git_entry_runs_program",
    "host_readers",
    "load_policy",
    "parse_policy",
    "policy_schema",
    "request_words",
    "split_command",
    "suggest",
    "unchecked_programs",
]
