"""A strict tokenizer for shell command lines: simple commands only, decided exactly.

The Gatekeeper must decide on what will execute, so a command line is accepted only when its
meaning is fully determined by quote removal: words made of plain characters, single quotes,
double quotes without expansions, and backslash escapes. Anything a shell would expand or
interpret -- operators (``; & | < > ( )``), ``$``, backticks, globs, braces, a leading ``~``,
``VAR=value`` prefixes, comments, newlines -- is refused, never approximated. The accepted line
is then run as an argv with no shell at all, so what was decided is exactly what runs.

Lists, pipelines and redirections are the policy engine's next step (see the policy issue);
until then they are refused with ``EG-SHELL-UNSUPPORTED``.
"""

from __future__ import annotations

import attrs

#: Characters that mean something to the shell when unquoted.
_OPERATORS = set(";&|<>()")
_EXPANSIONS = set("$`")
_GLOBS = set("*?[]")
_SPECIAL_IN_DQUOTE = set("$`")  # "!" is inert in non-interactive shells
MAX_COMMAND_CHARS = 64 * 1024
RESERVED_WORDS = frozenset(
    [
        "!",
        "[[",
        "]]",
        "{",
        "}",
        "case",
        "coproc",
        "do",
        "done",
        "elif",
        "else",
        "esac",
        "fi",
        "for",
        "function",
        "if",
        "in",
        "select",
        "then",
        "time",
        "until",
        "while",
    ]
)


@attrs.frozen
class ShellRefusal(Exception):
    code: str
    reason: str


def _refuse(code: str, reason: str) -> ShellRefusal:
    return ShellRefusal(code, reason)


def decode_word(text: str) -> str:
    """One shell word's value after quote removal, refusing what the shell would expand (used
    on each word of a script parsed by tree-sitter)."""
    words = _split(text, check_reserved=False)
    if len(words) != 1:
        raise _refuse("EG-SHELL-PARSE", f"{text[:40]!r} is not a single word")
    return words[0]


def split_command(line: str) -> tuple[str, ...]:
    """The argv of ``line`` when it is one simple command (see ``_split``)."""
    return _split(line, check_reserved=True)


def _split(line: str, *, check_reserved: bool) -> tuple[str, ...]:
    """The argv a POSIX shell would run for ``line``, or :class:`ShellRefusal`.

    Raises ``ShellRefusal("EG-SHELL-UNSUPPORTED", ...)`` for a feature outside the accepted
    subset and ``ShellRefusal("EG-SHELL-PARSE", ...)`` for an unterminated quote or escape.
    """
    if len(line) > MAX_COMMAND_CHARS:
        raise _refuse("EG-SHELL-UNSUPPORTED", f"command line longer than {MAX_COMMAND_CHARS}")
    words: list[str] = []
    word: list[str] = []
    in_word = False  # distinguishes "" (an empty word) from no word
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            i += 1
            continue
        if c in "\n\r":
            raise _refuse("EG-SHELL-UNSUPPORTED", "newlines separate commands; send one command")
        if c == "#" and not in_word:
            raise _refuse("EG-SHELL-UNSUPPORTED", "comments ('#') are not accepted")
        if c in _OPERATORS:
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                f"shell operator {c!r} (lists, pipelines, redirections, subshells) is not "
                "accepted yet; send one simple command, or an argv",
            )
        if c in _EXPANSIONS:
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                f"{c!r} expansion (variables, command substitution) cannot be decided "
                "before it runs; quote it with single quotes or pass a literal value",
            )
        if c in _GLOBS or c in "{}":
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                f"unquoted {c!r} would be expanded by the shell (glob or brace); quote it "
                "or list the files explicitly",
            )
        if c == "~" and not in_word:
            raise _refuse("EG-SHELL-UNSUPPORTED", "tilde expansion is not accepted")
        if c == "=" and not words and in_word:
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                "VAR=value prefixes are not accepted; use env_overrides",
            )
        if c == "\\":
            if i + 1 >= n:
                raise _refuse("EG-SHELL-PARSE", "the line ends with a lone backslash")
            if line[i + 1] in "\n\r":
                raise _refuse("EG-SHELL-UNSUPPORTED", "line continuations are not accepted")
            word.append(line[i + 1])
            in_word = True
            i += 2
            continue
        if c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise _refuse("EG-SHELL-PARSE", "unterminated single quote")
            word.append(line[i + 1 : end])
            in_word = True
            i = end + 1
            continue
        if c == '"':
            i += 1
            while True:
                if i >= n:
                    raise _refuse("EG-SHELL-PARSE", "unterminated double quote")
                d = line[i]
                if d == '"':
                    i += 1
                    break
                if d in _SPECIAL_IN_DQUOTE:
                    raise _refuse(
                        "EG-SHELL-UNSUPPORTED",
                        f"{d!r} inside double quotes is expanded by the shell; use single "
                        "quotes for a literal",
                    )
                if d == "\\" and i + 1 < n and line[i + 1] in '"\\$`\n':
                    if line[i + 1] == "\n":
                        raise _refuse("EG-SHELL-UNSUPPORTED", "line continuations are not accepted")
                    word.append(line[i + 1])
                    i += 2
                    continue
                word.append(d)
                i += 1
            in_word = True
            continue
        word.append(c)
        in_word = True
        i += 1
    if in_word:
        words.append("".join(word))
    if not words:
        raise _refuse("EG-SHELL-PARSE", "the command line has no words")
    if check_reserved and words[0] in RESERVED_WORDS and not line.lstrip().startswith(("'", '"')):
        raise _refuse(
            "EG-SHELL-UNSUPPORTED",
            f"{words[0]!r} is a shell keyword; compound commands are not accepted",
        )
    return tuple(words)
