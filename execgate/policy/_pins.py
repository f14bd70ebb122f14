"""Options the plan adds to a program's argv so that files the job can write do not turn a
read into a program run. Pure: argv in, argv out.

The job writes the workspace, so it writes the configuration that programs read from it:

======  ======================================================================================
git     ``diff``, ``log``, ``show`` and ``whatchanged`` run with ``--no-ext-diff
        --no-textconv``, ``blame`` with ``--no-textconv``: a diff driver's command or a
        textconv program named by ``.gitattributes``, ``.git/info/attributes``,
        ``core.attributesFile``, an ``include.path`` or ``includeIf`` is never started. (The
        environment pins the rest; see ``programs.git.HARDENING``.)
curl    ``-q`` first: no ``.curlrc`` is read (it can carry any option)
diff    ``--no-dereference`` first when it recurses (``-r``): symlinks are compared as links
gawk    ``--sandbox`` first: no ``system()``, redirections, pipes, ``getline`` from files or
        files added to ``ARGV``, whatever the program text does
rsync   ``--safe-links`` first when it copies symlinks as links (``-a``, ``-l``): a link that
        points out of the tree it copies is left out, so none lands where it would point out
        of the workspace
======  ======================================================================================
"""

from __future__ import annotations

import os

#: git's global options that take a value as the next word (``-C DIR``).
_GIT_VALUED = ("-C", "--git-dir", "--work-tree", "--namespace")
_GIT_PINS = {
    "diff": ("--no-ext-diff", "--no-textconv"),
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


def pinned(program: str, argv: tuple[str, ...]) -> tuple[str, ...]:
    """``argv`` with the options its program's row above adds (``program``: the built-in
    table's name)."""
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
        a == "--recursive" or (a.startswith("-") and not a.startswith("--") and "r" in a)
        for a in argv[1:]
    ):
        # GNU diff follows symlinks while it walks a tree: not out of the workspace
        return (argv[0], "--no-dereference", *argv[1:])
    if program == "rsync" and any(
        a in ("--archive", "--links")
        or (a.startswith("-") and not a.startswith("--") and ("a" in a or "l" in a))
        for a in argv[1:]
    ):
        return (argv[0], "--safe-links", *argv[1:])
    if program == "curl":
        if argv[1:2] in (("-q",), ("--disable",)):
            return argv
        return (argv[0], "-q", *argv[1:])
    return argv
