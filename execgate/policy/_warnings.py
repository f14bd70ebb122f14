"""Warnings about a valid policy: allow and ask rules whose program's arguments execgate
does not read.

Owns :func:`unchecked_programs` and :func:`always_refused`, pure functions over a loaded
:class:`~execgate.policy.Policy` for ``execgate policy validate`` to print. A rule with
``args = "builtin"`` (the default) is checked by a built-in table when its program has one
(``programs``), by the shell reader (sh, bash), by the wrapper reader (env, timeout, find)
or by the exec-option rows (``_exec_options``). :data:`PLAIN` names the programs that need
none: every argument is an option that only changes output, or an operand that path
confinement already checks. Any other program's arguments pass unread, which is what the
warning says; the rule still loads.
"""

from __future__ import annotations

import os

from ._configs import CONFIG_READERS
from ._exec_options import EXEC_OPTIONS
from ._model import AllowRule, Policy
from ._shells import SHELLS
from ._wrappers import WRAPPERS
from .programs import builtin_for

__all__ = ["PLAIN", "READ_BY_THE_ENGINE", "always_refused", "unchecked_programs"]

#: Programs with no option that runs a command, loads code, or opens a file other than an
#: operand (which path confinement checks): they need no table. (find's options that run or
#: write are refused by the wrapper reader.)
PLAIN = frozenset(
    str.split(
        "basename cat chmod chown cmp column comm cp cut date dirname du echo expand false "
        "file fold head join ln ls md5sum mkdir mktemp mv nl nproc numfmt od paste printf pwd "
        "readlink realpath rm rmdir seq sha1sum sha256sum sha512sum sleep sort stat tac tail "
        "tee test touch tr tree true truncate tsort uname unexpand uniq wc which whoami xxd "
        "yes [ find black"
    )
)

#: Programs whose input the policy engine reads before they run: the files a patch writes
#: (``_patches``), the members an archive extracts (``_archives``), the configuration a
#: linter imports plugins from or names paths in (``_configs``).
READ_BY_THE_ENGINE = frozenset({"patch", "unzip", *CONFIG_READERS})


def _program(rule: AllowRule) -> str:
    return os.path.basename(rule.command.split()[0])


def _rules(policy: Policy) -> list[AllowRule]:
    return [r for r in (*policy.allow, *policy.ask) if r.args == "builtin"]


def unchecked_programs(policy: Policy) -> list[str]:
    """The programs of ``policy``'s allow and ask rules (``args`` left at ``"builtin"``) whose
    arguments no table reads: no built-in table, not a shell or wrapper, no exec-option row,
    not :data:`PLAIN`. In rule order, each once."""
    out: list[str] = []
    for rule in _rules(policy):
        name = _program(rule)
        known = (
            builtin_for(name) is not None
            or name in SHELLS
            or name in WRAPPERS
            or name in EXEC_OPTIONS
            or name in PLAIN
            or name in READ_BY_THE_ENGINE
        )
        if not known and name not in out:
            out.append(name)
    return out


def always_refused(policy: Policy) -> list[str]:
    """The programs of ``policy``'s allow and ask rules (``args`` left at ``"builtin"``) that
    run code by nature (an interpreter, a REPL, a command runner): under such a rule every use
    but ``--version``/``--help`` is refused, so the rule wants ``args = "any"`` or removing.
    In rule order, each once."""
    out: list[str] = []
    for rule in _rules(policy):
        name = _program(rule)
        row = EXEC_OPTIONS.get(name)
        if row is not None and row.always and builtin_for(name) is None and name not in out:
            out.append(name)
    return out
