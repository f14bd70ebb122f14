"""What the policy engine needs from the host, reported for ``execgate doctor``."""

from __future__ import annotations

from ._opener import OPENER
from ._script import parse_script


def host_readers() -> list[tuple[str, bool, str]]:
    """(what, available, detail) for the policy's own host dependencies, for ``doctor``: the
    bash grammar that reads lists, pipelines and redirections, and the program that opens
    redirection targets beneath the workspace (native, or its Python twin)."""
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


__all__ = ["host_readers"]
