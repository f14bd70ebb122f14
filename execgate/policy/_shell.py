"""A strict tokenizer for shell command lines: simple commands only, decided exactly.

The Gatekeeper must decide on what will execute, so a word is accepted only when its meaning
is fully determined here: plain characters, single quotes, double quotes without expansions,
and backslash escapes. A brace expansion of literal items (``d/{src,docs}``, ``x{1..3}``) is
made here, into the words bash would make; unquoted globs are returned as patterns for the
engine to expand inside the workspace. Anything else a shell would expand or interpret --
operators (``; & | < > ( )``), a ``$`` that starts an expansion, backticks, other braces, a
leading ``~``, ``VAR=value`` prefixes, comments, newlines -- is refused, never approximated; a
``$`` that starts nothing (``grep -E "x$|y$"``) is the literal dollar sign bash passes. Lists,
pipelines and redirections are read by ``_script`` (tree-sitter), which decodes each word here.
"""

from __future__ import annotations

import functools
import re

import attrs

#: Characters that mean something to the shell when unquoted.
_OPERATORS = set(";&|<>()")
_EXPANSIONS = set("$`")
_GLOBS = set("*?[]")
_SPECIAL_IN_DQUOTE = set("$`")  # "!" is inert in non-interactive shells
#: Characters after which a ``$`` starts nothing and bash keeps it as a literal dollar sign, as in
#: the regular expressions ``grep -E "\.db$|\.log$"`` and ``grep -n 'x$' -e y$``: no name, digit,
#: special parameter (``@*#?$!-``), brace, parenthesis, bracket or quote follows it.
_LITERAL_AFTER_DOLLAR = frozenset(" \t|&;<>)/.,:=+%^]}\\")
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


#: A brace expansion bash would perform: `{a,b}` or `{1..3}` in the unquoted text of a word
#: (`{}` and `{x}` are literal to bash, and so is any brace that is quoted).
_BRACE_EXPANSION = re.compile(r"\{[^{}\x00]*(?:,|\.\.)[^{}\x00]*\}")
#: Unquoted text bash may read as a brace expansion in a form this reader does not make
#: (a quoted piece or a brace inside the group, `x{}a,}`): refused rather than taken literally.
_BRACE_LIKE = re.compile(r"\{.*(?:,|\.\.).*\}", re.DOTALL)


#: The most words one brace expansion may make.
MAX_BRACE_WORDS = 256
_SEQUENCE = re.compile(r"^(-?\d+)\.\.(-?\d+)$")


def expand_braces(word: str, bare: str, quoted: bool = False) -> list[str]:
    """The words bash makes of ``word`` by brace expansion: one group of literal items,
    ``pre{a,b}post`` or ``pre{1..3}post``. ``bare`` is ``word`` with its quoted characters
    blanked (a quoted brace or comma is literal); ``quoted`` whether any part of it was quoted
    (an empty result is then still a word, as in bash). More than one group, a nested one, or more
    than ``MAX_BRACE_WORDS`` words refuse: each word must be decided as written."""
    groups = list(_BRACE_EXPANSION.finditer(bare))
    if len(groups) != 1:
        raise _refuse(
            "EG-SHELL-UNSUPPORTED",
            "more than one brace expansion in a word is not accepted; list the words explicitly",
        )
    start, end = groups[0].span()
    body = word[start + 1 : end - 1]
    sequence = _SEQUENCE.match(body)
    if sequence is not None:
        if any(re.match(r"^-?0\d", n) for n in sequence.groups()):
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                "zero-padded brace sequences are not accepted; list the words explicitly",
            )
        first, last = int(sequence.group(1)), int(sequence.group(2))
        step = 1 if last >= first else -1
        if abs(last - first) + 1 > MAX_BRACE_WORDS:
            raise _refuse(
                "EG-SHELL-UNSUPPORTED", f"a brace sequence of more than {MAX_BRACE_WORDS}"
            )
        items = [str(k) for k in range(first, last + step, step)]
    elif "," in body:
        items = body.split(",")
        if len(items) > MAX_BRACE_WORDS:
            raise _refuse("EG-SHELL-UNSUPPORTED", f"a brace list of more than {MAX_BRACE_WORDS}")
    else:
        # {a..z} and the like: letters and steps are left to the request to spell out
        raise _refuse(
            "EG-SHELL-UNSUPPORTED",
            "only brace lists {a,b} and number sequences {1..3} are accepted; list the words",
        )
    if any(c in "{}" for c in word[:start] + word[end:]):
        raise _refuse(
            "EG-SHELL-UNSUPPORTED",
            "more than one brace expansion in a word is not accepted; list the words explicitly",
        )
    made = [word[:start] + item + word[end:] for item in items]
    if not quoted:
        made = [w for w in made if w]  # an unquoted empty word is no word to bash
    return made


@attrs.frozen
class Words:
    """A command's words after quote removal, and for each word the glob pattern the shell
    would expand (quoted characters escaped), or None when it has no unquoted ``* ? [``."""

    words: tuple[str, ...]
    globs: tuple[str | None, ...]


def decode_word(text: str) -> str:
    """One shell word's value after quote removal, refusing what the shell would expand
    (globs included)."""
    word, glob = decode_glob_word(text)
    if glob is not None:
        raise _refuse("EG-SHELL-UNSUPPORTED", f"{text[:40]!r} is a glob pattern here")
    return word


def decode_glob_word(text: str) -> tuple[str, str | None]:
    """One shell word (of a script parsed by tree-sitter): its value after quote removal and
    its glob pattern, if it has one; everything else a shell would expand is refused."""
    split = split_words(text, check_reserved=False)
    if len(split.words) != 1:
        raise _refuse("EG-SHELL-PARSE", f"{text[:40]!r} is not a single word")
    return split.words[0], split.globs[0]


def decode_argument(text: str) -> Words:
    """One shell word in a command's arguments: the words it makes (several when it holds a
    brace expansion of literal items), each after quote removal, with its glob pattern."""
    split = split_words(text, check_reserved=False)
    if not split.words:
        raise _refuse("EG-SHELL-PARSE", f"{text[:40]!r} is not a word")
    if len(split.words) > 1 and not _BRACE_EXPANSION.search(text):
        raise _refuse("EG-SHELL-PARSE", f"{text[:40]!r} is not a single word")
    return split


def split_command(line: str) -> tuple[str, ...]:
    """The argv of ``line`` when it is one simple command with no glob (see ``split_words``)."""
    split = split_words(line, check_reserved=True)
    for glob in split.globs:
        if glob is not None:
            raise _refuse("EG-SHELL-UNSUPPORTED", f"the glob {glob[:40]!r} needs expanding")
    return split.words


@functools.lru_cache(maxsize=256)  # the Scanner's decoding and the decision read one line
def split_words(line: str, *, check_reserved: bool = True) -> Words:
    """The words a POSIX shell would read for ``line``, with their glob patterns, or
    :class:`ShellRefusal`. Expanding the globs (inside the workspace) is the caller's.

    Raises ``ShellRefusal("EG-SHELL-UNSUPPORTED", ...)`` for a feature outside the accepted
    subset and ``ShellRefusal("EG-SHELL-PARSE", ...)`` for an unterminated quote or escape.
    """
    if len(line) > MAX_COMMAND_CHARS:
        raise _refuse("EG-SHELL-UNSUPPORTED", f"command line longer than {MAX_COMMAND_CHARS}")
    words: list[str] = []
    globs: list[str | None] = []
    word: list[str] = []
    #: the word's pieces that were quoted (indexes into ``word``): only read when the word
    #: holds an unquoted glob character or brace, which most words do not
    quoted_at: list[int] = []
    globbed = braced = False
    in_word = False  # distinguishes "" (an empty word) from no word

    def quoted(text: str) -> None:
        quoted_at.append(len(word))
        word.append(text)

    def end_word() -> None:
        nonlocal globbed, braced
        if braced:
            # the unquoted text (quoted pieces blanked) holds {a,b} or {1..3}
            bare = "".join(("\x00" * len(t) if n in quoted_at else t) for n, t in enumerate(word))
            if not _BRACE_EXPANSION.search(bare) and _BRACE_LIKE.search(bare):
                raise _refuse(
                    "EG-SHELL-UNSUPPORTED",
                    f"{''.join(word)[:40]!r} may be a brace expansion to bash; quote the braces "
                    "for a literal, or list the words explicitly",
                )
            if _BRACE_EXPANSION.search(bare):
                if globbed:
                    raise _refuse(
                        "EG-SHELL-UNSUPPORTED",
                        "brace expansion together with a glob in one word is not accepted; "
                        "list the words explicitly",
                    )
                expanded = expand_braces("".join(word), bare, bool(quoted_at))
                words.extend(expanded)
                globs.extend([None] * len(expanded))
                word.clear()
                quoted_at.clear()
                globbed = braced = False
                return
        words.append("".join(word))
        if globbed:
            # quoted pieces are matched literally, unquoted * ? [ ] are the pattern
            globs.append(
                "".join(_glob_escape(t) if n in quoted_at else t for n, t in enumerate(word))
            )
        else:
            globs.append(None)
        word.clear()
        quoted_at.clear()
        globbed = braced = False

    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t":
            if in_word:
                end_word()
                in_word = False
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
        if c == "$" and (i + 1 >= n or line[i + 1] in _LITERAL_AFTER_DOLLAR):
            quoted(c)
            in_word = True
            i += 1
            continue
        if c in _EXPANSIONS:
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                f"{c!r} expansion (variables, command substitution) cannot be decided "
                "before it runs; quote it with single quotes or pass a literal value",
            )
        if c in _GLOBS:
            if not in_word and not words and check_reserved:
                raise _refuse("EG-SHELL-UNSUPPORTED", "a glob as the program name")
            word.append(c)
            globbed = True
            in_word = True
            i += 1
            continue
        if c == "~" and not in_word:
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                "a leading ~ names the home directory, which is outside the workspace "
                "(tilde expansion is not accepted; give a path inside the workspace)",
            )
        if c == "=" and not words and in_word and check_reserved:
            raise _refuse(
                "EG-SHELL-UNSUPPORTED",
                "VAR=value prefixes are not accepted; use env_overrides",
            )
        if c == "\\":
            if i + 1 >= n:
                raise _refuse("EG-SHELL-PARSE", "the line ends with a lone backslash")
            if line[i + 1] in "\n\r":
                raise _refuse("EG-SHELL-UNSUPPORTED", "line continuations are not accepted")
            quoted(line[i + 1])
            in_word = True
            i += 2
            continue
        if c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise _refuse("EG-SHELL-PARSE", "unterminated single quote")
            quoted(line[i + 1 : end])
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
                if d == "$" and i + 1 < n and line[i + 1] in _LITERAL_AFTER_DOLLAR | {'"'}:
                    quoted(d)
                    i += 1
                    continue
                if d in _SPECIAL_IN_DQUOTE:
                    raise _refuse(
                        "EG-SHELL-UNSUPPORTED",
                        f"{d!r} inside double quotes is expanded by the shell; use single "
                        "quotes for a literal",
                    )
                if d == "\\" and i + 1 < n and line[i + 1] in '"\\$`\n':
                    if line[i + 1] == "\n":
                        raise _refuse("EG-SHELL-UNSUPPORTED", "line continuations are not accepted")
                    quoted(line[i + 1])
                    i += 2
                    continue
                quoted(d)
                i += 1
            in_word = True
            continue
        if c == "{":
            braced = True
        word.append(c)
        in_word = True
        i += 1
    if in_word:
        end_word()
    if not words:
        raise _refuse("EG-SHELL-PARSE", "the command line has no words")
    if check_reserved and words[0] in RESERVED_WORDS and not line.lstrip().startswith(("'", '"')):
        raise _refuse(
            "EG-SHELL-UNSUPPORTED",
            f"{words[0]!r} is a shell keyword; compound commands are not accepted",
        )
    return Words(tuple(words), tuple(globs))


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)
