"""Where the program that opens redirection targets lives, and how a command's redirections
are handed to it.

A shell opens a redirection target by name when the command starts, following whatever
symlinks are there by then. A line's commands therefore never redirect to a path through the
shell: each command with a path redirection runs as ``execgate-open ROOT SPEC... -- PROGRAM
ARG...``, which opens every target beneath the workspace root with symlinks refused (the
decision was made on real paths, so a symlink met then was planted afterwards) and applies the
command's redirections in their order. Here-documents stay with the shell: they name no path.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._script import Redirect

_PROCESS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "process")
_NATIVE = os.path.join(_PROCESS_DIR, "execgate-open")


def _opener() -> tuple[str, ...]:
    if os.access(_NATIVE, os.X_OK):
        return (_NATIVE,)
    return (sys.executable, "-I", "-S", os.path.join(_PROCESS_DIR, "_open_beneath.py"))


#: The opener's argv prefix: the C program where it was built, else its Python twin.
OPENER: tuple[str, ...] = _opener()

#: Redirections the opener applies; the shell keeps here-documents.
PATH_OPS = frozenset({">", ">>", "<"})
COPY_OPS = frozenset({">&", "<&"})


def uses_opener(redirects: tuple[Redirect, ...]) -> bool:
    return any(r.op in PATH_OPS for r in redirects)


def heredoc_out_of_order(redirects: tuple[Redirect, ...]) -> bool:
    """True when a here-document follows an opener-applied redirection of its descriptor (or
    one copying it): the shell applies here-documents before the opener runs, so their order
    would change what the descriptor ends up as."""
    touched: set[int] = set()
    for r in redirects:
        if r.op == "<<":
            if r.fd in touched:
                return True
            continue
        touched.add(r.fd)
        if r.op in COPY_OPS and r.target.isdigit():
            touched.add(int(r.target))
    return False


def specs(root: str, redirects: tuple[Redirect, ...], targets: list[str]) -> list[str]:
    """The opener's SPEC words for ``redirects`` (``targets[j]`` is the real path of a path
    redirection), in order, here-documents left out."""
    out: list[str] = []
    for r, target in zip(redirects, targets, strict=True):
        if r.op == "<<":
            continue
        if r.op in COPY_OPS:
            out.append(f"{r.fd}>&{r.target}")
        elif target == "/dev/null":
            out.append(f"{r.fd}{r.op}{target}")
        else:
            # `./` first: a name that begins with `>` or `&` (`> '>.git/config'`) must stay a
            # name, never become part of the operator (`1>>.git/config` appends)
            out.append(f"{r.fd}{r.op}./{os.path.relpath(target, root)}")
    return out


__all__ = ["OPENER", "heredoc_out_of_order", "specs", "uses_opener"]
