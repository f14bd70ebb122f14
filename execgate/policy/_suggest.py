"""Rules that would allow what a policy refused, read from recorded decisions. Pure.

A refusal that a rule could lift carries its remedy in its reason, in one of two forms the
engine writes (``_engine._hint``): ``add [[allow]] command = "nl"`` (a program, or a mode
of one, that no rule allows) and ``add allow_flags = ["--cov="] to the rule "pytest"`` (an
option the program's table does not know). Safety refusals -- a path outside the workspace,
a secret, an option that runs programs, a shell construct -- carry no remedy, so nothing
here ever suggests a way around them. This is SELinux's ``audit2allow`` for agent gates.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable

import attrs

from ..models import Event

_COMMAND = re.compile(r'add \[\[allow\]\] command = ("(?:[^"\\]|\\.)*")')
_FLAG = re.compile(r'add allow_flags = \[("(?:[^"\\]|\\.)*")\] to the rule ("(?:[^"\\]|\\.)*")')


@attrs.frozen
class Suggestion:
    """One rule to add (TOML) and the recorded requests it would have allowed."""

    toml: str
    requests: tuple[str, ...]


def _request_text(event: Event) -> str:
    if event.command is not None:
        return event.command
    return shlex.join(event.argv or ())


def suggest(events: Iterable[Event]) -> list[Suggestion]:
    """The smallest set of rules that would allow the refused decisions among ``events``:
    one ``[[allow]]`` per program or mode, and the unknown options of each existing rule
    gathered into one ``allow_flags``. Ordered by how many requests each covers."""
    commands: dict[str, list[str]] = {}
    flags: dict[str, dict[str, list[str]]] = {}
    for event in events:
        if event.kind != "decision" or event.decision != "deny" or not event.reason:
            continue
        text = _request_text(event)
        for match in _COMMAND.finditer(event.reason):
            commands.setdefault(json.loads(match.group(1)), []).append(text)
        for match in _FLAG.finditer(event.reason):
            rule = json.loads(match.group(2))
            flags.setdefault(rule, {}).setdefault(json.loads(match.group(1)), []).append(text)
    out: list[Suggestion] = []
    for command, requests in commands.items():
        toml = f"[[allow]]\ncommand = {json.dumps(command)}"
        out.append(Suggestion(toml, tuple(dict.fromkeys(requests))))
    for rule, by_flag in flags.items():
        listed = ", ".join(json.dumps(f) for f in sorted(by_flag))
        toml = f"# in the rule command = {json.dumps(rule)}:\nallow_flags = [{listed}]"
        requests = [r for rs in by_flag.values() for r in rs]
        out.append(Suggestion(toml, tuple(dict.fromkeys(requests))))
    out.sort(key=lambda s: -len(s.requests))
    return out
