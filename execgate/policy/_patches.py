"""The files a patch writes, read from the patch before it is applied. Pure, over bytes.

``patch`` and ``git apply`` write the files their *input* names, which the command line never
shows: a diff can name ``.git/hooks/post-commit``, the policy file, ``../../x``, or make a
symlink (git's mode ``120000``) pointing anywhere. Where a rule confines paths, the engine
reads the patch (a file named by ``-i`` or an operand, a ``<`` redirection, a here-document or
the request's stdin) and decides every name in it as a path the command writes. Each name is
taken at every strip level (``-pN`` removes N leading components; GNU patch's default is the
base name), so that no choice of ``-p`` or ``-d`` makes it land elsewhere than somewhere
checked.

A patch that makes a symlink is refused: where it points is in the patch's body, and a link
is better made with ``ln -s``, whose target the gate resolves. A patch the engine cannot read
(a pipe from another command, a file too large) is refused: its names cannot be checked.
"""

from __future__ import annotations

import os
import re

import attrs

from .programs._reader import unique_long

#: Bytes of a patch read before it is refused as too large to check.
MAX_PATCH_BYTES = 16 * 1024 * 1024

#: Header lines that name a file the patch reads or writes, in unified, context, git and
#: "Index:" forms.
_NAME_LINE = re.compile(
    rb"^[ \t]*(?:\+\+\+[ \t]|---[ \t]|\*\*\*[ \t]|Index:[ \t]"
    rb"|rename (?:from|to) |copy (?:from|to) )[ \t]*(.+)$",
    re.M,
)  # GNU patch also reads an indented patch (a mail quoted with blanks)
_GIT_LINE = re.compile(rb"^[ \t]*diff --git (.+)$", re.M)
#: A mode line; patch and git read the mode as an octal number and look at its file-type
#: bits, so ``120777`` and ``  0120000`` make a symlink as ``120000`` does.
_MODE_LINE = re.compile(
    rb"^[ \t]*(?:new file mode|new mode|old mode|deleted file mode)[ \t]+([0-7]+)", re.M
)


def _symlink_mode(text: bytes) -> bool:
    """Whether a mode line of the patch ``text`` makes or changes a symlink."""
    return any(int(m, 8) & 0o170000 == 0o120000 for m in _MODE_LINE.findall(text))


@attrs.frozen
class PatchInput:
    """Where a patch command takes its patch: files (as written), and whether it reads stdin."""

    files: tuple[str, ...]
    stdin: bool
    #: ``-d DIR`` (patch; several add up, each relative to the one before) or
    #: ``--directory=DIR`` (git apply): the names are relative to it.
    directory: str | None = None


def patch_input(program: str, args: tuple[str, ...]) -> PatchInput | None:
    """Where ``patch`` or ``git apply`` (``program``: "patch" or "git-apply"; ``args`` after
    the program, or after ``apply``) reads its patch; None when it reads none (``--help``).
    Options are read as getopt_long reads them: short ones clustered (``-sifile``), long
    ones by any unambiguous prefix (``--in FILE``, ``--dir=x``)."""
    if program == "patch":
        files: list[str] = []
        operands: list[str] = []
        directory: str | None = None
        i = 0
        while i < len(args):
            a = args[i]
            i += 1
            if a == "--":
                operands.extend(args[i:])
                break
            if a.startswith("--"):
                name, eq, value = a.partition("=")
                full = unique_long(name, _PATCH_LONGS)
                if full is None:
                    continue
                if full in _PATCH_LONG_VALUED and not eq:
                    value = args[i] if i < len(args) else ""
                    i += 1
                if full == "--input":
                    files.append(value)
                elif full == "--directory":
                    # patch changes directory as it reads each -d: they add up
                    directory = value if directory is None else os.path.join(directory, value)
                continue
            if a.startswith("-") and a != "-":
                for k in range(1, len(a)):
                    letter = a[k]
                    if letter not in _PATCH_SHORT_VALUED:
                        continue
                    value = a[k + 1 :]
                    if not value:
                        value = args[i] if i < len(args) else ""
                        i += 1
                    if letter == "i":
                        files.append(value)
                    elif letter == "d":
                        directory = value if directory is None else os.path.join(directory, value)
                    break
                continue
            operands.append(a)
        if len(operands) >= 2 and operands[1] != "-":
            files.append(operands[1])
        return PatchInput(tuple(files), stdin=not files, directory=directory)
    if any(a in ("-h", "--help") for a in args):
        return None
    names: list[str] = []
    after = False
    directory = None
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if after or not a.startswith("-") or a == "-":
            names.append(a)
        elif a == "--":
            after = True
        elif a.startswith("--"):
            name, eq, value = a.partition("=")
            if unique_long(name, _GIT_APPLY_LONGS) == "--directory":
                if not eq:
                    value = args[i] if i < len(args) else ""
                    i += 1
                directory = value
    files = [n for n in names if n != "-"]
    return PatchInput(tuple(files), stdin=not files or "-" in names, directory=directory)


#: GNU patch's short options that take a value ("bB:cd:D:eEfF:g:i:lnNo:p:r:RstTuvV:x:Y:z:Z").
_PATCH_SHORT_VALUED = frozenset("BdDFgiopr VxYz".replace(" ", ""))
#: GNU patch's long options, and those of them that take a value.
_PATCH_LONG_VALUED = frozenset(
    {"--prefix", "--directory", "--ifdef", "--fuzz", "--get", "--input", "--output",
     "--strip", "--reject-file", "--version-control", "--debug", "--basename-prefix",
     "--suffix", "--quoting-style", "--reject-format", "--read-only"}
)  # fmt: skip
_PATCH_LONGS = _PATCH_LONG_VALUED | frozenset(
    {"--backup", "--context", "--ed", "--remove-empty-files", "--force", "--ignore-whitespace",
     "--normal", "--forward", "--reverse", "--quiet", "--silent", "--batch", "--set-time",
     "--unified", "--version", "--dry-run", "--verbose", "--binary", "--help",
     "--backup-if-mismatch", "--no-backup-if-mismatch", "--posix", "--follow-symlinks",
     "--merge", "--set-utc"}
)  # fmt: skip
#: git apply's long options (a prefix of one of them is that option).
_GIT_APPLY_LONGS = frozenset(
    {"--stat", "--numstat", "--summary", "--check", "--index", "--intent-to-add", "--cached",
     "--apply", "--3way", "--build-fake-ancestor", "--reverse", "--reject", "--recount",
     "--directory", "--exclude", "--include", "--ignore-space-change", "--ignore-whitespace",
     "--whitespace", "--inaccurate-eof", "--verbose", "--quiet", "--unidiff-zero",
     "--allow-overlap", "--allow-empty", "--unsafe-paths", "--no-add", "--binary"}
)  # fmt: skip


#: The escapes of a C-style quoted name (git and GNU patch write and read them).
_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            '"': '"', "\\": "\\"}  # fmt: skip
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"')


def _unquote(text: str) -> str:
    """A C-style quoted name as git and patch read it: ``\\056`` is ``.``."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in "0123" and re.match(r"[0-7]{3}", text[i + 1 : i + 4]):
                out.append(int(text[i + 1 : i + 4], 8))
                i += 4
                continue
            out.extend(_ESCAPES.get(nxt, "\\" + nxt).encode("utf-8", "surrogateescape"))
            i += 2
            continue
        out.extend(c.encode("utf-8", "surrogateescape"))
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _clean(raw: bytes) -> str:
    name = raw.decode("utf-8", "surrogateescape").rstrip("\r")
    quoted = _QUOTED.match(name)
    if quoted is not None:
        return _unquote(quoted.group(1))  # git quotes names with unusual characters
    # a unified header ends in a tab and a time stamp
    return name.split("\t", 1)[0]


def patch_names(text: bytes) -> tuple[list[str], bool]:
    """The file names ``text`` (a patch) mentions, and whether it makes or changes a symlink.
    An unquoted name is taken both whole (up to a tab) and up to its first blank, as GNU
    patch reads ``--- NAME DATE``."""
    names = [_clean(m.group(1)) for m in _NAME_LINE.finditer(text)]
    names += [n.split()[0] for n in names if n.split() and n.split()[0] != n]
    for m in _GIT_LINE.finditer(text):
        line = m.group(1).decode("utf-8", "surrogateescape")
        for quoted in re.finditer(r'"((?:[^"\\]|\\.)*)"', line):
            names.append(_unquote(quoted.group(1)))
        names.extend(part for part in re.sub(r'"(?:[^"\\]|\\.)*"', " ", line).split() if part)
    return [n for n in names if n and n != "/dev/null"], _symlink_mode(text)


_MOVE_LINE = re.compile(rb"^(?:rename|copy) from (.+?)\r?$", re.M)


def moved_names(text: bytes) -> list[str]:
    """The sources of the renames and copies a git-style patch makes (``rename from NAME``):
    a symlink moved elsewhere points somewhere else."""
    out = []
    for m in _MOVE_LINE.finditer(text):
        raw = m.group(1).decode("utf-8", "surrogateescape")
        out.append(_unquote(raw[1:-1]) if raw.startswith('"') and raw.endswith('"') else raw)
    return out


#: A line of an ed script as GNU patch recognises one (``12c``, ``3,5d``): patch hands such a
#: patch to ``ed``, whose commands (``w FILE``, ``!cmd``, ``r FILE``) name files and run
#: programs that no header says, depending on the host's patch version. A normal diff's command
#: line (``12c12``) has numbers on both sides and is not matched.
_ED_COMMAND = re.compile(rb"^[ \t]*\d+(?:,\d+)?[acdi][ \t]*\r?$", re.M)


def ed_script(text: bytes) -> bool:
    """Whether ``text`` holds an ed-style diff, which execgate refuses (see :data:`_ED_COMMAND`)."""
    return _ED_COMMAND.search(text) is not None


def landings(name: str) -> list[str]:
    """``name`` at every strip level: itself, each suffix after a ``/``, and its base name."""
    parts = name.split("/")
    out = [name]
    out.extend("/".join(parts[k:]) for k in range(1, len(parts)) if parts[k:] != [""])
    return out


#: patch's options that make a backup under a name built from a prefix or suffix: that name
#: is no word of the request, so they are refused where paths are confined.
BACKUP_OPTIONS = frozenset(
    {"-b", "--backup", "-B", "--prefix", "-Y", "--basename-prefix", "-z", "--suffix", "-V",
     "--version-control"}
)  # fmt: skip


#: patch's options that read the patch as an ed script (see :func:`ed_script`).
ED_OPTIONS = frozenset({"-e", "--ed"})


def backup_option(args: tuple[str, ...], options: frozenset[str] = BACKUP_OPTIONS) -> str | None:
    """The first of ``options`` (default: the backup options) among patch's ``args`` (long
    ones in any unambiguous abbreviation, short ones in a group), or None."""
    for a in args:
        if a == "--":
            return None
        if a.startswith("--"):
            name = a.partition("=")[0]
            if len(name) > 3 and any(o.startswith(name) for o in options if o[1] == "-"):
                return a
        elif a.startswith("-") and len(a) > 1:
            for c in a[1:]:
                if f"-{c}" in options:
                    return f"-{c}"
                if c in "DFioprdgC":  # takes a value: the rest of the group is it
                    break
    return None


__all__ = [
    "BACKUP_OPTIONS",
    "ED_OPTIONS",
    "MAX_PATCH_BYTES",
    "PatchInput",
    "backup_option",
    "ed_script",
    "landings",
    "patch_input",
    "patch_names",
]
