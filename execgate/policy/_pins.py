"""Options the plan adds to a program's argv so that files the job can write do not turn a
read into a program run. Pure but for one look at which of diff's operands are directories.

The job writes the workspace, so it writes the configuration that programs read from it:

======  ======================================================================================
git     ``diff``, ``log``, ``show`` and ``whatchanged`` run with ``--no-ext-diff
        --no-textconv``, ``blame`` with ``--no-textconv``, and ``status`` and ``diff`` with
        ``--ignore-submodules=all`` (git never runs inside a submodule, whatever .gitmodules
        says): a diff driver's command or a textconv program named by ``.gitattributes``,
        ``.git/info/attributes``, ``core.attributesFile``, an ``include.path`` or
        ``includeIf`` is never started. (The environment pins the rest; see
        ``programs.git.HARDENING``.)
curl    ``-q`` first: no ``.curlrc`` is read (it can carry any option)
diff    ``--no-dereference`` first when it compares a directory, recursing (``-r``) or not:
        the symlinks in it are compared as links, never followed out of the workspace
gawk    ``--sandbox`` first: no ``system()``, redirections, pipes, ``getline`` from files or
        files added to ``ARGV``, whatever the program text does
rsync   ``--safe-links`` first when it copies symlinks as links (``-a``, ``-l``): a link that
        points out of the tree it copies is left out, so none lands where it would point out
        of the workspace
python  ``-P`` first for ``-m MODULE`` (Python 3.11 and later): the working directory is not
        put first on sys.path, so a ``MODULE.py`` -- or a ``json.py`` the module imports --
        written in the workspace is not what runs. Not for modules that run the workspace's
        own code by nature (:data:`RUNS_THE_WORKSPACE`: pytest, unittest...), nor for a
        module of the workspace itself (decided as its code); on an older or unknown
        version the engine refuses a shadowing file instead (``_engine``); applied by the
        engine, which knows whether the module is the workspace's
======  ======================================================================================
"""

from __future__ import annotations

import os
import re

from .programs.python import python_module

#: ``python -m`` modules that import the workspace's code by design (tests, profilers,
#: debuggers, documentation of a module): they keep the working directory on sys.path, and a
#: policy that allows them already runs the workspace's code.
RUNS_THE_WORKSPACE = frozenset(
    {"pytest", "unittest", "doctest", "pdb", "trace", "cProfile", "profile", "timeit", "runpy",
     "django", "coverage", "nose", "nose2", "pydoc", "tox", "nox"}
)  # fmt: skip


def python_minor(real: str) -> int | None:
    """The 3.x minor version of the interpreter at ``real`` (its resolved path names it:
    ``python3.12``; -1 for a python2), or None when the name does not say."""
    name = os.path.basename(real)
    if re.fullmatch(r"python2(?:\.\d+)?", name):
        return -1
    m = re.fullmatch(r"python3\.(\d+)", name)
    return int(m.group(1)) if m else None


def safe_path_pin(argv: tuple[str, ...]) -> tuple[str, ...] | None:
    """``argv`` (a python running ``-m MODULE``) with ``-P`` first, when the module is none of
    :data:`RUNS_THE_WORKSPACE` and the interpreter may take ``-P``; ``argv`` itself when no pin
    is wanted; None when the pin is wanted and the interpreter is known to be older."""
    found = python_module(argv[1:])
    if found is None:
        return argv
    before, module, _ = found
    top = module.split(".")[0]
    if top in RUNS_THE_WORKSPACE or any(
        o[:1] == "-" and o[1:2] != "-" and ("I" in o or "P" in o) for o in before
    ):
        return argv
    minor = python_minor(os.path.realpath(argv[0]))
    if minor is not None and minor < 11:
        return None
    # an interpreter whose name does not say its version (a pyenv shim, a bare `python3`
    # wrapper) is pinned too: one older than 3.11 refuses -P and runs nothing, which fails
    # closed, where listing the directory at decision time could not see a module an
    # earlier command of the line writes
    return (argv[0], "-P", *argv[1:])


#: git's global options that take a value as the next word (``-C DIR``).
_GIT_VALUED = ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env")
_GIT_PINS = {
    # on the command line, --ignore-submodules=all beats a .gitmodules or config that says
    # otherwise: git never runs inside a submodule, whose configuration is not decided
    "status": ("--ignore-submodules=all",),
    "diff": ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all"),
    "log": ("--no-ext-diff", "--no-textconv"),
    "show": ("--no-ext-diff", "--no-textconv"),
    "whatchanged": ("--no-ext-diff", "--no-textconv"),
    "blame": ("--no-textconv",),
}


def git_subcommand(argv: tuple[str, ...]) -> int | None:
    """The index in ``argv`` of git's subcommand, past its global options (or None)."""
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--" or not word.startswith("-"):
            break
        name = word.partition("=")[0]
        # an abbreviated long option (`--git-d DIR`) is read by git as the whole one
        takes = any(v.startswith(name) and len(name) > 2 for v in _GIT_VALUED if v[1] == "-")
        if (name in _GIT_VALUED or takes) and "=" not in word:
            i += 2
        else:
            i += 1
    return i if i < len(argv) and argv[i] != "--" else None


def _abbreviates(word: str, option: str) -> bool:
    """Whether ``word`` is ``option`` or an abbreviation getopt_long may take for it (any
    prefix past ``--`` and a letter: an ambiguous one is refused by the program itself)."""
    name = word.partition("=")[0]
    return len(name) > 3 and option.startswith(name)


def pinned(program: str, argv: tuple[str, ...], cwd: str = "/") -> tuple[str, ...]:
    """``argv`` with the options its program's row above adds (``program``: the built-in
    table's name; ``cwd`` tells diff which operands are directories)."""
    if program == "git":
        at = git_subcommand(argv)
        if at is not None and argv[at] in _GIT_PINS:
            return (*argv[: at + 1], *_GIT_PINS[argv[at]], *argv[at + 1 :])
        return argv
    if program in ("awk", "gawk") and os.path.basename(os.path.realpath(argv[0])) == "gawk":
        # gawk's own sandbox: no system(), no redirections or pipes, no getline from files,
        # no files added to ARGV at run time, whatever the program text does
        return (argv[0], "--sandbox", *argv[1:])
    if program == "diff" and any(
        _abbreviates(a, "--recursive")
        or (a.startswith("-") and not a.startswith("--") and "r" in a)
        or os.path.isdir(os.path.join(cwd, a.partition("=")[2] if a.startswith("--") else a))
        for a in argv[1:]
    ):
        # GNU diff follows the symlinks it meets in a directory it compares, at one level or
        # while it walks a tree: not out of the workspace
        return (argv[0], "--no-dereference", *argv[1:])
    if program == "rsync" and any(
        _abbreviates(a, "--archive")
        or _abbreviates(a, "--links")
        or (a.startswith("-") and not a.startswith("--") and ("a" in a or "l" in a))
        for a in argv[1:]
    ):
        return (argv[0], "--safe-links", *argv[1:])
    if program == "curl":
        if argv[1:2] in (("-q",), ("--disable",)):
            return argv
        return (argv[0], "-q", *argv[1:])
    return argv
