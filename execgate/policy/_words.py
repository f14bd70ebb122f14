"""The words a shell makes of a request's text, for the secret scan. Pure.

The scanner reads the request as sent; a shell builds the words a program receives only
later, by quote removal, backslashes, brace expansion and here-documents, so a credential
spelled ``'gh'p_…``, ``ghp_{…,}`` or ``gh\\p_…`` is not in the text as sent. This module
decodes the text the way the Gatekeeper's parser does (``_script``) and returns every word
the decision is made on: each command's argv, each ``NAME=value`` assignment, each
here-document body -- and, recursively, the words of any decoded word that is itself a shell
line (``bash -c LINE``, a body fed to ``sh``). A line the parser refuses is decoded leniently
instead (POSIX quote removal, ANSI-C ``$'…'`` strings, line continuations, one brace list per
word): its words are still scanned, and a credential found there refuses the request rather
than being recorded.
"""

from __future__ import annotations

import re
import shlex

from ..models import ExecRequest
from ._script import parse_script
from ._shell import ShellRefusal

#: Text in which a shell's words can differ from the whitespace-separated text: quotes,
#: backslashes, braces, here-documents, ANSI-C strings.
_DECODES = re.compile(r"""['"\\{]|<<|\$'""")
#: How deep decoded words are decoded again as shell lines (``bash -c "sh -c '…'"``).
MAX_NESTING = 4
#: At most this many groups of words are returned for one request (the rest is not decoded:
#: the Gatekeeper refuses a line of that many commands anyway).
MAX_GROUPS = 4096

_ANSI_C = re.compile(r"\$'((?:[^'\\]|\\.)*)'", re.DOTALL)
_ANSI_ESCAPE = re.compile(
    r"\\(?:x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|([0-7]{1,3})|c(.)|(.))",
    re.DOTALL,
)
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip
_BRACE_LIST = re.compile(r"^(.*?)\{([^{}]*,[^{}]*)\}(.*)$", re.DOTALL)


def _ansi_escape(m: re.Match[str]) -> str:
    hex2, u4, u8, octal, control, other = m.groups()
    for digits, base in ((hex2, 16), (u4, 16), (u8, 16), (octal, 8)):
        if digits is not None:
            try:
                return chr(int(digits, base))
            except (ValueError, OverflowError):
                return ""
    if control is not None:
        return chr(ord(control) & 0x1F)
    return _SIMPLE_ESCAPES.get(other, "\\" + other)


def _ansi_c(m: re.Match[str]) -> str:
    """A ``$'…'`` string as the shell reads it, re-quoted for ``shlex``."""
    return shlex.quote(_ANSI_ESCAPE.sub(_ansi_escape, m.group(1)))


def _braces(word: str) -> list[str]:
    m = _BRACE_LIST.match(word)
    if m is None:
        return [word]
    head, items, tail = m.groups()
    return [head + item + tail for item in items.split(",")]


def _lenient(line: str) -> list[tuple[str, ...]]:
    """The words of a line the parser refuses, read as near to a shell as a pure reader can:
    one group of every word (and, when its quotes do not balance, one of the words with every
    quote and backslash dropped)."""
    text = _ANSI_C.sub(_ansi_c, line.replace("\\\n", ""))
    try:
        words = shlex.split(text, comments=False, posix=True)
    except ValueError:
        words = text.translate({ord(c): None for c in "'\"\\"}).split()
    return [tuple(w for word in words for w in _braces(word))]


def _line(text: str, out: list[tuple[str, ...]], depth: int) -> None:
    if depth > MAX_NESTING or len(out) >= MAX_GROUPS or not _DECODES.search(text):
        return
    start = len(out)
    try:
        script = parse_script(text)
    except ShellRefusal:
        out.extend(_lenient(text))
    else:
        for command in script.commands:
            out.append(command.argv)
            out.extend((f"{name}={value}",) for name, value in command.assigns)
            out.extend((r.target,) for r in command.redirects if r.op == "<<")
    for group in out[start:]:
        for word in group:
            _line(word, out, depth + 1)


def request_words(request: ExecRequest) -> tuple[tuple[str, ...], ...]:
    """Groups of words a shell makes of ``request``'s text that may differ from the text as
    sent: each decoded command's argv, ``NAME=value`` assignments and here-document bodies
    of the command line, and of every word (of argv or decoded) that reads as a shell line
    with quotes, backslashes, braces or here-documents. Empty when the text has none."""
    out: list[tuple[str, ...]] = []
    if request.command is not None:
        _line(request.command, out, 0)
    for word in request.argv or ():
        _line(word, out, 1)
    return tuple(out[:MAX_GROUPS])
