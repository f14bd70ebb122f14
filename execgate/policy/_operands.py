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

Some programs read their paths from another directory than the command's: ``git -C DIR``,
``tar -C DIR``, ``make -C DIR`` and ``patch -d DIR`` (each relative to the one before), ``go
-C``, ``npm --prefix``, ``uv --directory``, curl's ``--output-dir DIR`` and others
(:func:`directory_options` lists them). Each directory must be inside the workspace, and
every path word is checked from each of them as well.
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


@attrs.frozen
class DirectoryOptions:
    """The options of one command that change the directory its paths are read from.

    ``values``: (index into ``args``, value) of each such option's value, in order (the
    value may sit in the same word as its option: ``-C..``, ``--directory=x``); ``chained``:
    whether each value is relative to the one before (``make -C a -C b`` is ``a/b``, as
    ``git -C`` and ``tar -C`` are) rather than to the command's cwd (the last of curl's
    ``--output-dir`` wins)."""

    values: tuple[tuple[int, str], ...] = ()
    chained: bool = True

    @property
    def indexes(self) -> frozenset[int]:
        return frozenset(i for i, _ in self.values)

    def dirs(self) -> tuple[str, ...]:
        """Every directory, relative to the command's cwd, that the program may read its
        paths from besides the cwd: with chained values, each prefix of the chain."""
        out: list[str] = []
        for _, value in self.values:
            out.append(os.path.join(out[-1], value) if out and self.chained else value)
        return tuple(out)


def _short_long_dirs(
    args: tuple[str, ...],
    letters: str,
    longs: tuple[str, ...],
    valued_letters: str,
    *,
    min_long: int = 4,
) -> list[tuple[int, str]]:
    """getopt's reading of ``args`` (up to ``--``) for the options that change directory: a
    short letter of ``letters`` alone, clustered after flags or joined to its value (``-C
    dir``, ``-sC dir``, ``-Cdir``), and a long option of ``longs`` whole or by any prefix of
    at least ``min_long`` characters (``--dir=x``, ``--directory x``). A letter of
    ``valued_letters`` takes the rest of its cluster (or the next word) as its value, so
    ``make -fC`` is ``-f C``."""
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if any(name == o or (len(name) >= min_long and o.startswith(name)) for o in longs):
                if eq:
                    found.append((i, value))
                elif i + 1 < len(args):
                    found.append((i + 1, args[i + 1]))
                    i += 1
        elif a.startswith("-") and len(a) > 1:
            for k in range(1, len(a)):
                c = a[k]
                if c in letters:
                    if a[k + 1 :]:
                        found.append((i, a[k + 1 :]))
                    elif i + 1 < len(args):
                        found.append((i + 1, args[i + 1]))
                        i += 1
                    break
                if c in valued_letters:
                    if not a[k + 1 :]:
                        i += 1  # the next word is its value
                    break
        i += 1
    return found


def _single_dash_dirs(args: tuple[str, ...], names: tuple[str, ...]) -> list[tuple[int, str]]:
    """Go's flag package (and clang's driver) read ``-name VALUE``, ``-name=VALUE`` and, for
    go, ``--name``: each of ``names`` (spelled with one dash) in every such form."""
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        if a.startswith("-"):
            name, eq, value = ("-" + a.lstrip("-")).partition("=")
            if name in names:
                if eq:
                    found.append((i, value))
                elif i + 1 < len(args):
                    found.append((i + 1, args[i + 1]))
                    i += 1
        i += 1
    return found


#: Short options that take a value, per program (getopt strings), so that a cluster is read
#: as the program reads it: ``make -fC`` is ``-f C``, not ``-C``.
_MAKE_VALUED = "fIoWEjlO"
_PATCH_VALUED = "BDFgioprVxYz"
#: GNU tar's short options that take a value (``-C`` aside).
_TAR_VALUED = "bfFgHIKLNTVX"


def _tar_dirs(args: tuple[str, ...]) -> list[tuple[int, str]]:
    """tar's -C values, the old-style first word (``tar xfC a.tar DIR``) included: each
    of its letters that takes a value takes the next word, in order."""
    found: list[tuple[int, str]] = []
    start = 0
    if args and not args[0].startswith("-"):
        nxt = 1
        for c in args[0]:
            if c == "C" and nxt < len(args):
                found.append((nxt, args[nxt]))
                nxt += 1
            elif c in _TAR_VALUED and nxt < len(args):
                nxt += 1
        start = nxt
    rest = _short_long_dirs(args[start:], "C", ("--directory",), _TAR_VALUED)
    return found + [(i + start, v) for i, v in rest]


def directory_options(program: str, args: tuple[str, ...]) -> DirectoryOptions:
    """The options of ``program`` (a basename) that make it read its paths from another
    directory than the cwd, with their values (see :class:`DirectoryOptions`):

    ==============================  ==============================================
    git                             ``-C DIR`` before the subcommand (chained)
    tar, bsdtar                     ``-C DIR``, ``--directory`` (chained)
    make, gmake                     ``-C DIR``, ``--directory`` (chained)
    patch                           ``-d DIR``, ``--directory`` (chained: patch
                                    changes directory as it reads each)
    go                              ``-C DIR`` (before or after the subcommand)
    cargo                           ``-C DIR``
    npm, npx                        ``--prefix DIR``, ``-C DIR``
    pnpm                            ``-C DIR``, ``--dir``
    bun                             ``--cwd DIR``
    uv                              ``--directory DIR``, ``--project DIR``
    poetry                          ``-C DIR``, ``--directory``, ``-P``, ``--project``
    hg                              ``--cwd DIR``, ``-R DIR``, ``--repository``
    gradle                          ``-p DIR``, ``--project-dir``
    clang, clang++                  ``-working-directory DIR``
    curl                            ``--output-dir DIR`` (for the files it writes)
    ==============================  ==============================================
    """
    if program == "git":
        at = git_subcommand(("git", *args))
        end = len(args) if at is None else at - 1
        found: list[tuple[int, str]] = []
        i = 0
        while i < end:
            if args[i] == "-C" and i + 1 < end:
                found.append((i + 1, args[i + 1]))
                i += 2
                continue
            if args[i].startswith("-C") and len(args[i]) > 2:
                found.append((i, args[i][2:]))
            i += 1
        return DirectoryOptions(tuple(found))
    if program in ("tar", "bsdtar"):
        return DirectoryOptions(tuple(_tar_dirs(args)))
    if program in ("make", "gmake"):
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "C", ("--directory",), _MAKE_VALUED, min_long=4))
        )
    if program == "patch":
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "d", ("--directory",), _PATCH_VALUED, min_long=4))
        )
    if program == "go":
        return DirectoryOptions(tuple(_single_dash_dirs(args, ("-C",))), chained=False)
    if program == "cargo":
        return DirectoryOptions(tuple(_short_long_dirs(args, "C", (), "")), chained=False)
    if program in ("npm", "npx"):
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "C", ("--prefix",), "", min_long=5)), chained=False
        )
    if program == "pnpm":
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "C", ("--dir",), "", min_long=5)), chained=False
        )
    if program == "bun":
        return DirectoryOptions(tuple(_short_long_dirs(args, "", ("--cwd",), "")), chained=False)
    if program == "uv":
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "", ("--directory", "--project"), "")), chained=False
        )
    if program == "poetry":
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "CP", ("--directory", "--project"), "")), chained=False
        )
    if program == "hg":
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "R", ("--cwd", "--repository"), "")), chained=True
        )
    if program == "gradle":
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "p", ("--project-dir",), "")), chained=False
        )
    if program.startswith("clang"):
        return DirectoryOptions(
            tuple(_single_dash_dirs(args, ("-working-directory",))), chained=False
        )
    if program == "curl":
        return DirectoryOptions(
            tuple(_short_long_dirs(args, "", ("--output-dir",), "", min_long=99)), chained=False
        )
    return DirectoryOptions()


def working_dirs(program: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """The directories, relative to the command's cwd, that ``program`` changes to before it
    opens the paths it is given (see :func:`directory_options`): every path word is checked
    from each of them too, as the program will read it."""
    return directory_options(program, args).dirs()
