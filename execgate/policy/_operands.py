"""Which words of a command are not paths. Pure.

Under path confinement (a rule's ``paths``, ``"workspace"`` unless it says ``"any"``) every
argument of a command counts as a path and must resolve inside the workspace: for the
programs agents run, that is what most arguments are, and a word that merely looks like an
outside path is refused on the safe side. Some words are known not to be paths, and are
exempt:

=======================  ====================================================================
programs                 words that are not paths
=======================  ====================================================================
echo, printf, true,      all of them: these programs print or compute and open no file
false, sleep, seq, yes,
expr, basename,
dirname, pwd, whoami, id,
uname, which, printenv,
nproc
test, [                  all but a file operator's operand (``-r F``, ``F -nt G``): the
                         answer tells whether a file exists, is readable...
env, timeout, nice,      all of them: the inner command is decided on its own, under its own
nohup, setsid, stdbuf    rule (a wrapper's own options name no file)
grep, egrep, fgrep, rg   the first operand (the pattern) unless ``-e``/``-f`` gave one, and the
                         value of ``-e``/``--regexp``
sed                      the first operand (the script) unless ``-e``/``-f`` gave one, and the
                         value of ``-e``/``--expression``
awk, gawk, mawk, nawk    the first operand (the program) unless ``-f`` gave one, and the value
                         of ``-v``
find                     the words of ``-exec CMD ... ;``: CMD is decided on its own, under
                         its own rule
python, python3...       among the interpreter's own options, the module of ``-m MODULE`` (a
                         name python imports; the module's rule decides the rest) and the
                         value of ``-W``
=======================  ====================================================================

Some programs read their paths from another directory than the command's: ``git -C DIR``
and ``tar -C DIR`` (each relative to the one before) and curl's ``--output-dir DIR``.
:func:`working_dirs` names them, and every path word is checked from each of them as well.
"""

from __future__ import annotations

import os
import re

import attrs

from ._pins import git_subcommand
from ._wrappers import WrapperRefusal, find_exec_span
from .programs._reader import unique_long

NOT_FILES = frozenset(
    {
        "echo", "printf", "true", "false", "sleep", "seq", "yes", "expr",
        "basename", "dirname", "pwd", "whoami", "id", "uname", "which", "printenv",
        "nproc", "env", "timeout", "nice", "nohup", "setsid", "stdbuf",
    }
)  # fmt: skip


@attrs.frozen
class _Grammar:
    """How one pattern-first program reads its options (getopt, as GNU's and rg's do).

    ``pattern``: options whose value is the pattern or program text (never a path);
    ``pattern_files``: options that give it from a file (the value is a path); ``valued``:
    every other option that takes the next word (or the rest of its cluster) as its value;
    ``optional``: short options whose value, if any, is the rest of their cluster only
    (``sed -i.bak``). A letter or name not listed is a flag. When no pattern option is given,
    the first operand is the pattern."""

    pattern: frozenset[str]
    pattern_files: frozenset[str]
    valued: frozenset[str]
    optional: frozenset[str] = frozenset()


def _g(pattern: str, pattern_files: str, valued: str, optional: str = "") -> _Grammar:
    return _Grammar(
        frozenset(pattern.split()),
        frozenset(pattern_files.split()),
        frozenset(valued.split()),
        frozenset(optional.split()),
    )


_PATTERN_FIRST: dict[str, _Grammar] = {
    # GNU grep 3: "0123456789A:B:C:D:EFGHIJLNPTUVX:abcd:e:f:hiLlm:noqRrsuvwxyZz"
    "grep": _g(
        "-e --regexp",
        "-f --file",
        "-A -B -C -D -X -d -m --after-context --before-context --context --devices "
        "--directories --max-count --exclude --include --exclude-from --exclude-dir --label "
        "--binary-files --group-separator",
    ),
    "rg": _g(
        "-e --regexp",
        "-f --file",
        "-A -B -C -E -M -T -d -g -j -m -r -t --after-context --before-context --context "
        "--encoding --max-columns --type-not --max-depth --glob --iglob --threads --max-count "
        "--replace --type --type-add --type-clear --colors --color --context-separator "
        "--dfa-size-limit --engine --field-context-separator --field-match-separator "
        "--hostname-bin --hyperlink-format --ignore-file --max-filesize --path-separator "
        "--pre --pre-glob --regex-size-limit --sort --sortr --generate",
    ),
    # GNU sed 4: "bsnrzuEe:f:l:i::V:" (-i's suffix only joined to it)
    "sed": _g("-e --expression", "-f --file", "-l --line-length", "-i"),
    # gawk and mawk: -f/-E/--exec and gawk's -i (files), -e/--source (text), -v, -F, -W, -l
    "awk": _g(
        "-e --source",
        "-f --file -E --exec",
        "-v -F -W -i -l --assign --field-separator --include --load",
        "-d -D -L -o -p",
    ),
}
_ALIASES = {"egrep": "grep", "fgrep": "grep", "gawk": "awk", "mawk": "awk", "nawk": "awk"}


#: test's operators whose operand is a file (``-r /etc/shadow`` asks about a file).
_TEST_FILE_UNARY = frozenset("-" + c for c in "bcdefgGhkLNOprsSuwx")
_TEST_FILE_BINARY = frozenset({"-nt", "-ot", "-ef"})


def _test_not_paths(args: tuple[str, ...]) -> frozenset[int]:
    """test and [: every word but a file operator's operand (either side of -nt/-ot/-ef)."""
    files: set[int] = set()
    for i, a in enumerate(args):
        if a in _TEST_FILE_UNARY and i + 1 < len(args):
            files.add(i + 1)
        elif a in _TEST_FILE_BINARY:
            files.update(j for j in (i - 1, i + 1) if 0 <= j < len(args))
    return frozenset(i for i in range(len(args)) if i not in files)


_PYTHON = re.compile(r"^python(?:\d+(?:\.\d+)?)?$")
#: python's options that take a value as the next word.
_PYTHON_VALUED = frozenset({"-W", "-X", "--check-hash-based-pycs"})


def _python_not_paths(args: tuple[str, ...]) -> frozenset[int]:
    """python: among the interpreter's own options, the module of ``-m MODULE`` (a name python
    imports) and the values of ``-W`` (a warning filter) and ``--check-hash-based-pycs``; a
    ``-X`` value may name a directory (``pycache_prefix=``) and stays a path, and a word after
    the script belongs to the script."""
    skip: set[int] = set()
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] not in ("-", "--", "-c"):
        if args[i] == "-m":
            return frozenset(skip | ({i + 1} if i + 1 < len(args) else set()))
        if args[i] in _PYTHON_VALUED:
            if args[i] != "-X":
                skip.add(i + 1)
            i += 2
            continue
        i += 1
    return frozenset(skip)


#: git options whose value is text, never a file (`-m MSG`, `--author NAME`).
_GIT_TEXT_OPTIONS = frozenset(
    {"-m", "--message", "--author", "--date", "--trailer", "-S", "-G", "--grep", "--since",
     "--until", "--before", "--after", "--committer"}
)  # fmt: skip


def not_paths(program: str, args: tuple[str, ...]) -> frozenset[int]:
    """Indexes into ``args`` (argv[1:]) of the words that are not paths."""
    if program in NOT_FILES:
        return frozenset(range(len(args)))
    if program in ("test", "["):
        return _test_not_paths(args)
    if program == "git":
        # the subcommand is a word, not a path (`git status`), and so are the texts its
        # options take: a commit message, an author, a search pattern
        at = git_subcommand(("git", *args))
        if at is None:
            return frozenset()
        texts = {at - 1}
        for j in range(at, len(args)):
            a = args[j]
            if a in _GIT_TEXT_OPTIONS and j + 1 < len(args):
                texts.add(j + 1)
            elif a.startswith(("--message=", "--author=", "--grep=", "--trailer=")) or (
                a.startswith("-m") and len(a) > 2
            ):
                texts.add(j)
        return frozenset(texts)
    if program == "find":
        try:
            span = find_exec_span(args)
        except WrapperRefusal:
            return frozenset()  # refused as a wrapper, with its reason
        return frozenset(range(span[0], span[1] + 1)) if span is not None else frozenset()
    if _PYTHON.match(program):
        return _python_not_paths(args)
    grammar = _PATTERN_FIRST.get(_ALIASES.get(program, program))
    if grammar is None:
        return frozenset()
    return _pattern_first_not_paths(grammar, args)


def _long_names(grammar: _Grammar) -> tuple[str, ...]:
    return tuple(
        n
        for group in (grammar.pattern, grammar.pattern_files, grammar.valued)
        for n in group
        if n.startswith("--")
    )


def _pattern_first_not_paths(grammar: _Grammar, args: tuple[str, ...]) -> frozenset[int]:
    """The pattern's words in ``args``: the values of pattern options, else the first
    operand. A pattern counts as given by an option when any reading of a word could give
    one (a long option's abbreviation, a pattern letter anywhere in a cluster): wrongly
    believing none was given would exempt a file operand, wrongly believing one was only
    checks the pattern as a path."""
    longs = _long_names(grammar)
    skip: set[int] = set()
    given = False
    first_operand: int | None = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            if i + 1 < len(args) and first_operand is None:
                first_operand = i + 1
            break
        if a.startswith("--"):
            name, eq, _ = a.partition("=")
            hits = [n for n in longs if n.startswith(name)] if len(name) > 2 else []
            full = unique_long(name, longs)
            if any(n in grammar.pattern or n in grammar.pattern_files for n in hits):
                given = True
            if full in grammar.pattern:
                skip.add(i)
            if full is not None and not eq:
                i += 1  # the value is the next word
                if full in grammar.pattern:
                    skip.add(i)
        elif a.startswith("-") and len(a) > 1:
            letters = {"-" + c for c in a[1:]}
            if letters & (grammar.pattern | grammar.pattern_files):
                given = True
            for k in range(1, len(a)):
                option = "-" + a[k]
                if option in grammar.optional:
                    break  # the rest of the word is its value
                if (
                    option in grammar.pattern
                    or option in grammar.pattern_files
                    or (option in grammar.valued)
                ):
                    if option in grammar.pattern:
                        skip.add(i)
                    if k == len(a) - 1:
                        i += 1  # the value is the next word
                        if option in grammar.pattern:
                            skip.add(i)
                    break
        elif first_operand is None:
            first_operand = i
        i += 1
    if not given and first_operand is not None:
        skip.add(first_operand)
    return frozenset(skip)


def working_dirs(program: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """The directories, relative to the command's cwd, that ``program`` changes to before it
    opens the paths it is given (``git -C DIR``, each relative to the one before; curl's
    ``--output-dir DIR`` for its output files): every path word is checked from each of
    them too, as the program will read it."""
    dirs: list[str] = []
    if program == "git":
        at = git_subcommand(("git", *args))
        end = len(args) if at is None else at - 1
        i = 0
        while i < end:
            if args[i] == "-C" and i + 1 < end:
                dirs.append(os.path.join(dirs[-1], args[i + 1]) if dirs else args[i + 1])
                i += 2
                continue
            i += 1
        return tuple(dirs)
    if program in ("tar", "bsdtar"):
        for i, a in enumerate(args):
            value = None
            if a in ("-C", "--directory") and i + 1 < len(args):
                value = args[i + 1]
            elif a.startswith("--directory="):
                value = a.partition("=")[2]
            elif a.startswith("-C") and len(a) > 2:
                value = a[2:]
            if value is not None:
                dirs.append(os.path.join(dirs[-1], value) if dirs else value)
        return tuple(dirs)
    if program == "curl":
        return tuple(
            args[i + 1] if a == "--output-dir" else a.partition("=")[2]
            for i, a in enumerate(args)
            if (a == "--output-dir" and i + 1 < len(args)) or a.startswith("--output-dir=")
        )
    return ()
