"""Programs that run other programs. Pure: argv in, inner argv (or a refusal) out.

Allowing ``env`` or ``timeout`` must not allow ``env rm -rf /``: the Gatekeeper unwraps a
wrapper's argv and decides the inner command with the same policy (recursively). A wrapper
option that would change what the inner command is, where it runs or what it loads — or that
execgate cannot model — refuses the request instead of being approximated.

Table (program → what is accepted before the inner command):

==========  ================================================================================
env         ``NAME=value`` assignments (each checked against ``env.deny``) and ``--``; every
            option is refused (``-i`` changes how the program is found, ``-C`` the cwd,
            ``-S`` parses a string as a command line)
timeout     ``-s/--signal SIG``, ``-k/--kill-after DUR``, ``--preserve-status``,
            ``--foreground``, ``-v``; then the duration
nice        ``-n/--adjustment N`` or ``-N``
nohup       nothing
setsid      ``-c``, ``-f``, ``-w``
stdbuf      ``-i/-o/-e MODE`` (attached or separate) and their long forms
==========  ================================================================================

``find ... -exec CMD ... {} ;`` (or ``{} +``) is a wrapper too: CMD is decided as its own
command under the same policy, with ``{}`` standing for a path inside the workspace (find's
starting points are confined, and without ``-L``/``-H``/``-follow`` it never walks through a
symlink). The plan runs CMD's decided form (its resolved program, its pinned options) as
``( ! -type l -exec CMD ... ; )``, so a symlink that find lists is never handed to CMD. Refused:
a second ``-exec``, ``-execdir`` (CMD's relative arguments would mean each found file's
directory), ``{}`` inside a longer word or as the program, ``-ok``/``-okdir`` (they read a
terminal), ``-delete`` and the ``-fprint``/``-fls`` family (they write files), and
``-files0-from`` (starting points read from a file, unseen by the decision).

Always refused when allowed as a bare program: ``xargs`` (its arguments come from stdin and
cannot be decided: a file name holding a space becomes two arguments, one of which can name
any path).
"""

from __future__ import annotations

import os
import re

import attrs

#: Nesting deeper than this is refused (``env timeout nice env ...``).
MAX_DEPTH = 4

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_DURATION = re.compile(r"^\d+(?:\.\d+)?[smhd]?$")


@attrs.frozen
class Unwrapped:
    inner: tuple[str, ...]
    #: Each ``NAME=value`` word the wrapper sets in the inner command's environment.
    assigns: tuple[str, ...] = ()
    #: How many words of argv (the wrapper and its own words) come before ``inner``.
    prefix: int | None = None
    #: What the plan runs in place of argv[1:prefix], when that differs (find's guard).
    planned_prefix: tuple[str, ...] | None = None
    #: The words after ``inner`` (find's terminator and the rest of its expression).
    suffix: tuple[str, ...] = ()
    #: False when ``inner`` is only decided, never run: what the wrapper does stands for it
    #: (find's -delete, decided as ``rm -r -- START...``); ``planned_prefix`` is then all of
    #: argv[1:] as the plan runs it.
    runs_inner: bool = True


@attrs.frozen
class WrapperRefusal(Exception):
    reason: str


def _refuse(program: str, what: str) -> WrapperRefusal:
    return WrapperRefusal(f"{program}: {what} is not accepted (execgate cannot decide it)")


def _take_options(
    program: str,
    args: tuple[str, ...],
    flags: frozenset[str],
    with_value: frozenset[str],
    attached_prefixes: tuple[str, ...] = (),
) -> int:
    """Index of the first non-option argument; refuses unknown options."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return i + 1
        if not a.startswith("-") or a == "-":
            return i
        name, eq, _ = a.partition("=")
        if a in flags:
            i += 1
        elif name in with_value:
            i += 1 if eq else 2
        elif attached_prefixes and a.startswith(attached_prefixes) and len(a) > 2:
            i += 1
        else:
            raise _refuse(program, f"option {a[:40]!r}")
    return i


def _env(args: tuple[str, ...]) -> Unwrapped:
    i, assigns = 0, []
    if args[:1] == ("--",):
        i = 1
    while i < len(args) and _ASSIGNMENT.match(args[i]):
        assigns.append(args[i])
        i += 1
    if i < len(args) and args[i].startswith("-"):
        raise _refuse("env", f"option {args[i][:40]!r}")
    return Unwrapped(args[i:], tuple(assigns))


def _timeout(args: tuple[str, ...]) -> Unwrapped:
    i = _take_options(
        "timeout",
        args,
        frozenset({"--preserve-status", "--foreground", "-v", "--verbose"}),
        frozenset({"-s", "--signal", "-k", "--kill-after"}),
        ("-s", "-k"),
    )
    if i >= len(args) or not _DURATION.match(args[i]):
        raise _refuse("timeout", "a missing or unreadable duration")
    return Unwrapped(args[i + 1 :])


def _nice(args: tuple[str, ...]) -> Unwrapped:
    i = 0
    if args[:1] and re.match(r"^-\d+$", args[0]):
        i = 1
    i += _take_options("nice", args[i:], frozenset(), frozenset({"-n", "--adjustment"}), ("-n",))
    return Unwrapped(args[i:])


def _nohup(args: tuple[str, ...]) -> Unwrapped:
    i = 1 if args[:1] == ("--",) else 0
    return Unwrapped(args[i:])


def _setsid(args: tuple[str, ...]) -> Unwrapped:
    flags = frozenset({"-c", "--ctty", "-f", "--fork", "-w", "--wait"})
    return Unwrapped(args[_take_options("setsid", args, flags, frozenset()) :])


def _stdbuf(args: tuple[str, ...]) -> Unwrapped:
    i = _take_options(
        "stdbuf",
        args,
        frozenset(),
        frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
        ("-i", "-o", "-e"),
    )
    return Unwrapped(args[i:])


WRAPPERS = {
    "env": _env,
    "timeout": _timeout,
    "nice": _nice,
    "nohup": _nohup,
    "setsid": _setsid,
    "stdbuf": _stdbuf,
}

_FIND_DENIED = re.compile(r"^-(?:ok|okdir|fprint0?|fprintf|fls)$")
_FIND_EXEC = frozenset({"-exec", "-execdir"})
#: find's primaries and options that take one argument (skipped as values, so that
#: ``-name -exec`` is a name, as find reads it).
_FIND_VALUED = frozenset(
    {
        "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex",
        "-iregex", "-lname", "-ilname", "-type", "-xtype", "-perm", "-user", "-group",
        "-uid", "-gid", "-size", "-links", "-inum", "-samefile", "-newer", "-anewer",
        "-cnewer", "-used", "-amin", "-cmin", "-mmin", "-atime", "-ctime", "-mtime",
        "-maxdepth", "-mindepth", "-printf", "-fstype", "-context", "-regextype",
        "-files0-from", "-D",
    }
)  # fmt: skip


def find_exec_span(args: tuple[str, ...]) -> tuple[int, int] | None:
    """For find's ``args`` (argv[1:]): the index of its ``-exec`` and of the word ending the
    command (``;``, or ``+`` right after ``{}``), as find reads them; None without ``-exec``.
    Raises :class:`WrapperRefusal` for what the plan cannot carry."""
    i = 0
    span: tuple[int, int] | None = None
    while i < len(args):
        a = args[i]
        if _FIND_DENIED.match(a):
            raise WrapperRefusal(f"find: {a} runs a command or writes files")
        if a == "-files0-from":
            raise WrapperRefusal(
                "find: -files0-from reads its starting points from a file, which the decision "
                "cannot see (they could name any path)"
            )
        if a == "-execdir":
            raise WrapperRefusal(
                "find: -execdir runs the command in each found file's directory, where its "
                "relative arguments name other files than the ones decided on; use -exec"
            )
        if a == "-exec":
            if span is not None:
                raise WrapperRefusal("find: one -exec per command is accepted")
            end = next(
                (
                    j
                    for j in range(i + 1, len(args))
                    if args[j] == ";" or (args[j] == "+" and args[j - 1] == "{}")
                ),
                None,
            )
            if end is None:
                raise WrapperRefusal("find: -exec without its end (';' or '{} +')")
            span = (i, end)
            i = end + 1
            continue
        i += 2 if a in _FIND_VALUED else 1
    return span


#: find's options before its starting points (``-D`` takes a value).
_FIND_LEADING = re.compile(r"^-(?:[HLP]+|O\d*)$")


def _find_actions(args: tuple[str, ...], action: str) -> tuple[int, ...]:
    """Where ``action`` (a primary taking no value, such as ``-delete``) stands in find's
    ``args``, as find reads them (``-name -delete`` is a name)."""
    found = []
    i = 0
    while i < len(args):
        if args[i] == action:
            found.append(i)
        i += 2 if args[i] in _FIND_VALUED else 1
    return tuple(found)


def _find_starts_at(args: tuple[str, ...]) -> int:
    i = 0
    while i < len(args) and (_FIND_LEADING.match(args[i]) or args[i] == "-D"):
        i += 2 if args[i] == "-D" else 1
    return i


def find_expression_at(args: tuple[str, ...]) -> int:
    """Where find's expression starts in ``args`` (argv[1:]): after its options and
    starting points."""
    i = _find_starts_at(args)
    while i < len(args) and not args[i].startswith(("-", "(", "!", ")", ",")):
        i += 1
    return i


def find_starts(args: tuple[str, ...]) -> tuple[str, ...]:
    """find's starting points in ``args`` (``.`` when none is given, as GNU find takes it)."""
    return args[_find_starts_at(args) : find_expression_at(args)] or (".",)


def _find_delete(args: tuple[str, ...], at: tuple[int, ...], keep: str | None) -> Unwrapped:
    """find -delete: it removes what it finds below its starting points (never following a
    symlink: -L, -H and -follow are refused as path escapes), which is what ``rm -r --
    START...`` may remove, so that is what is decided. Each -delete runs guarded as find's
    -exec does: never inside a .git directory, never the policy file."""
    policy_file = ("!", "-samefile", keep) if keep is not None else ()
    guard = ("(", "!", "-path", "*.git/*", "!", "-name", ".git", *policy_file, "-delete", ")")
    planned = [w for n, a in enumerate(args) for w in (guard if n in at else (a,))]
    return Unwrapped(
        ("rm", "-r", "--", *find_starts(args)),
        planned_prefix=tuple(planned),
        runs_inner=False,
    )


#: Programs that write the files they are handed: under find -exec they are never handed a
#: file a repository not named .git (a bare one) keeps its config, hooks, HEAD or todo
#: lists in, which the user's own git would run.
_FIND_WRITERS = frozenset(
    {"cp", "mv", "tee", "sed", "install", "ln", "link", "dd", "truncate", "touch", "patch",
     "tar", "unzip", "rsync", "chmod", "cpio", "7z", "7za", "busybox"}
)  # fmt: skip
_GIT_NAMES_GUARD = (
    "!", "-name", "config", "!", "-name", "config.worktree", "!", "-name", "commondir",
    "!", "-name", "HEAD", "!", "-path", "*/hooks/*", "!", "-path", "*/info/*",
    "!", "-path", "*/rebase-*/*", "!", "-path", "*/sequencer/*",
)  # fmt: skip


def _find(args: tuple[str, ...], keep: str | None) -> Unwrapped | None:
    span = find_exec_span(args)
    deletes = _find_actions(args, "-delete")
    if deletes and span is not None:
        raise WrapperRefusal("find: -delete beside -exec; one action per command is accepted")
    if deletes:
        return _find_delete(args, deletes, keep)
    if span is None:
        return None
    at, end = span
    inner = args[at + 1 : end]
    if not inner:
        raise WrapperRefusal("find: -exec without a command")
    if "{}" in inner[0]:
        raise WrapperRefusal("find: -exec {} runs the files find lists, which are not decided")
    for word in inner[1:]:
        if "{}" in word and word != "{}":
            raise WrapperRefusal(
                f"find: {word[:40]!r} puts the found name inside a longer word; only a whole "
                "{} is accepted (it stands for one path inside the workspace)"
            )
    # a symlink find lists would be followed by the command: never handed to it; nor is
    # anything inside a .git directory (its config and hooks run programs when git runs). The
    # guard and the -exec are one group, so an operator before -exec (`! -exec`) applies to
    # all of it.
    guard = (*args[:at], "(", "!", "-type", "l", "!", "-path", "*.git/*", "!", "-name", ".git",
             *(_GIT_NAMES_GUARD if any(os.path.basename(w) in _FIND_WRITERS for w in inner)
               else ()),
             "-exec")  # fmt: skip
    return Unwrapped(
        inner, prefix=at + 2, planned_prefix=guard, suffix=(args[end], ")", *args[end + 1 :])
    )


def unwrap(program: str, argv: tuple[str, ...], keep: str | None = None) -> Unwrapped | None:
    """The inner command of a wrapper (``None`` if ``program`` is not one).

    ``program`` is the basename of the resolved program. Raises :class:`WrapperRefusal` for
    what cannot be decided, including a wrapper with no inner command where that would do
    something other than print (``env`` alone prints the environment: allowed as itself).
    """
    if program == "xargs":
        raise WrapperRefusal(
            "xargs: its arguments come from stdin and cannot be decided (only `find ... | xargs "
            "CMD`, with no xargs option but -r or -0, is taken: as `find ... -exec CMD {} +`)"
        )
    if program == "find":
        return _find(argv[1:], keep)
    parse = WRAPPERS.get(program)
    if parse is None:
        return None
    unwrapped = parse(argv[1:])
    if not unwrapped.inner and program != "env":
        raise _refuse(program, "a missing command")
    return unwrapped
