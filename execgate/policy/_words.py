"""The words a shell makes of a request's text, for the secret scan. Pure.

The scanner reads the request as sent; a shell builds the words a program receives only
later, by quote removal, backslashes, brace expansion and here-documents, so a credential
spelled ``'gh'p_…``, ``ghp_{…,}`` or ``gh\\p_…`` is not in the text as sent. This module
decodes the text the way the Gatekeeper's parser does (``_script``) and returns every word
the decision is made on: each command's argv, each ``NAME=value`` assignment, each
here-document body -- and, under a command that runs a shell (``bash -c LINE``, a body fed or
piped to ``sh``), the words of its words and bodies in turn. A line the parser refuses is
decoded leniently instead (POSIX quote removal, ANSI-C ``$'…'`` strings, line continuations,
one brace list per word): its words are still scanned, and a credential found there refuses
the request rather than being recorded. Words past the limits below raise
:class:`DecodingLimit`, which refuses the request too.
"""

from __future__ import annotations

import re
import shlex

import attrs

from ..models import ExecRequest
from ._script import parse_script
from ._shell import ShellRefusal, split_words
from ._shells import SHELLS

#: Text in which a shell's words can differ from the whitespace-separated text: quotes,
#: backslashes, braces, here-documents, ANSI-C strings.
_DECODES = re.compile(r"""['"\\{]|<<|\$'""")
#: How deep decoded words are decoded again as shell lines (``bash -c "sh -c '…'"``).
MAX_NESTING = 4
#: At most this many groups of words, and this many characters of decoded words per
#: character of the request (plus a floor), are made of one request: brace lists decoded
#: again under a shell could otherwise multiply a line's size at every level.
MAX_GROUPS = 4096
GROWTH = 8
FLOOR = 64 * 1024


class DecodingLimit(Exception):
    """The request's words could not all be decoded within the limits above (or nest shells
    deeper than ``MAX_NESTING``): the scan cannot vouch for them, so the request is refused."""


@attrs.define
class _Out:
    groups: list[tuple[str, ...]]
    budget: int

    def add(self, group: tuple[str, ...]) -> None:
        self.groups.append(group)
        self.budget -= sum(map(len, group)) + 1
        if self.budget < 0 or len(self.groups) > MAX_GROUPS:
            raise DecodingLimit("the words a shell makes of this request exceed the scan's limits")


#: Programs that hand a word of theirs (or their stdin) to a shell as a line: their decoded
#: words are decoded again.
LINE_RUNNERS = SHELLS | {"ssh", "su", "runuser", "watch", "script"}

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


def _runs_lines(words: tuple[str, ...]) -> bool:
    """Whether a command may hand one of its words (or its stdin) to a shell to read as a
    line: it names a shell or a program that runs one (``timeout 5 sh -c``, ``ssh h LINE``)."""
    return any(w.rsplit("/", 1)[-1] in LINE_RUNNERS for w in words)


def _line(text: str, out: _Out, depth: int) -> None:
    if not _DECODES.search(text):
        return
    if depth > MAX_NESTING:
        raise DecodingLimit(f"shell lines nested more than {MAX_NESTING} deep")
    lines: list[str] = []
    try:
        words = split_words(text).words  # one simple command: no tree-sitter parse needed
    except ShellRefusal:
        try:
            script = parse_script(text)
        except ShellRefusal:
            for group in _lenient(text):
                out.add(group)
                if _runs_lines(group):
                    lines.extend(group)
        else:
            commands = script.commands
            bodies = [r.target for c in commands for r in c.redirects if r.op == "<<"]
            runs = any(_runs_lines(c.argv) for c in commands)
            for command in commands:
                out.add(command.argv)
                for name, value in command.assigns:
                    out.add((f"{name}={value}",))
                if runs:
                    lines.extend(command.argv)
            for name, value in script.assignments:
                out.add((f"{name}={value}",))
            for body in bodies:
                out.add((body,))
            if runs:
                lines.extend(bodies)  # a body piped or fed to a shell is read as lines
    else:
        out.add(words)
        if _runs_lines(words):
            lines.extend(words)
    for line in lines:
        _line(line, out, depth + 1)


def request_words(request: ExecRequest) -> tuple[tuple[str, ...], ...]:
    """Groups of words a shell makes of ``request``'s text that may differ from the text as
    sent: each decoded command's argv, ``NAME=value`` assignments and here-document bodies
    of the command line; and, for a command that runs a shell (``LINE_RUNNERS``), the same of
    each of its words and here-document bodies, and of an argv request's words. Empty when
    the text has no quotes, backslashes, braces or here-documents. Raises
    :class:`DecodingLimit` past the limits above."""
    size = len(request.command or "") + sum(map(len, request.argv or ()))
    out = _Out([], GROWTH * size + FLOOR)
    if request.command is not None:
        _line(request.command, out, 0)
    if request.argv is not None and _runs_lines(request.argv):
        for word in request.argv:
            _line(word, out, 1)
    return tuple(out.groups)


def decoding_size(request: ExecRequest) -> int:
    """How many characters of ``request`` ``request_words`` parses at its first level (0: it
    has nothing to decode): a caller runs a long parse off its event loop."""
    texts = [request.command] if request.command is not None else []
    if request.argv is not None and _runs_lines(request.argv):
        texts += request.argv
    return sum(len(t) for t in texts if _DECODES.search(t))
