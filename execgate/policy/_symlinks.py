"""Symlinks a command follows or makes: what path confinement must also see. Pure.

Path confinement checks the paths a command names, after resolving them. Two things escape
that check, and are refused where a rule confines paths (``paths = "workspace"``):

* **Recursion that follows symlinks**: ``grep -R``, ``rg -L``, ``find -L/-H/-follow`` (and
  ``-xtype``, ``-printf %Y``, which look through a link), ``cp -L``, ``rsync -L/--copy-links``,
  ``tar -h``, ``du -L``, ``ls -L``, ``tree -l``, ``ag -f``, ``fd -L``, ``chown``/``chgrp``/
  ``chmod`` ``-R`` with ``-H``/``-L`` (which change the file a link points to), ``scp -r``
  (which always follows), ``gzip -r`` with ``-c`` or ``-f``, and ``zip -r`` without ``-y``
  (zip stores what a link points to unless told to store the link): a symlink already in
  the workspace (a cloned repository's, an unpacked archive's) leads the walk outside,
  though naming the link itself is refused.
* **Symlinks made by the command**: ``ln -s TARGET LINK`` stores TARGET as written, and the
  kernel later resolves it relative to the *link's* directory, not the cwd. The target is
  decided that way, and refused when it leaves the workspace, so that a later command (or a
  redirect in the same line) cannot write through it.
"""

from __future__ import annotations

import os

import attrs

from ._wrappers import WrapperRefusal, find_exec_span
from .programs._reader import unique_long

#: program -> (short option letters, long options, whole words) that follow symlinks
#: while recursing.
_FOLLOWS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "grep": ("R", frozenset({"--dereference-recursive"}), frozenset()),
    "rg": ("L", frozenset({"--follow"}), frozenset()),
    "cp": ("L", frozenset({"--dereference"}), frozenset()),
    "rsync": (
        "LkK",
        frozenset({"--copy-links", "--copy-dirlinks", "--keep-dirlinks", "--copy-unsafe-links"}),
        frozenset(),
    ),
    "tar": ("h", frozenset({"--dereference"}), frozenset()),
    "du": ("L", frozenset({"--dereference"}), frozenset()),
    # -H and -L only matter with -R: every link met in the walk changes what it points to
    "chown": ("HL", frozenset(), frozenset()),
    "chgrp": ("HL", frozenset(), frozenset()),
    "chmod": ("HL", frozenset(), frozenset()),
    "tree": ("l", frozenset(), frozenset()),
    "ag": ("f", frozenset({"--follow"}), frozenset()),
    "fd": ("L", frozenset({"--follow"}), frozenset()),
    "fdfind": ("L", frozenset({"--follow"}), frozenset()),
    "ack": ("", frozenset({"--follow"}), frozenset()),
}

#: gzip and its names: with -r it walks, and with -c or -f it follows the links it meets.
_GZIPS = frozenset({"gzip", "gunzip", "zcat", "gzcat", "pigz", "unpigz"})

#: scp's options that take a value: the rest of a cluster after one is that value.
_SCP_VALUED = frozenset("cDFiJloPSX")
#: zip's options that recurse, and those that make it store a symlink as a link.
_ZIP_RECURSE = frozenset({"--recurse-paths", "--recurse-patterns"})
_ZIP_LINKS = frozenset({"--symlinks"})


def _long_hit(word: str, longs: frozenset[str]) -> bool:
    name = word.partition("=")[0]
    return len(name) > 2 and any(o.startswith(name) for o in longs)


def follow_refusal(program: str, args: tuple[str, ...], cwd: str = "/") -> str | None:
    """Why ``args`` make ``program`` follow symlinks while it walks a tree, or None. ``cwd``
    tells ``ls`` which of its operands are directories (it looks through their entries)."""
    if program == "ls":
        return _ls_follows(args, cwd)
    if program == "find":
        return _find_follows(args)
    if program == "scp":
        for arg in _options(args):
            for c in arg[1:] if not arg.startswith("--") else "":
                if c in _SCP_VALUED:
                    break
                if c == "r":
                    return "scp -r follows symlinks out of the workspace while it walks"
        return None
    if program == "zip":
        opts = _options(args)
        shorts = "".join(a[1:] for a in opts if not a.startswith("--"))
        recurses = "r" in shorts or "R" in shorts or any(a in _ZIP_RECURSE for a in opts)
        if "@" in shorts or any(_long_hit(a, frozenset({"--names-stdin"})) for a in opts):
            return "zip -@ reads the names of the files to add from stdin, which can be anywhere"
        if recurses and "y" not in shorts and not any(a in _ZIP_LINKS for a in opts):
            return (
                "zip -r stores what the symlinks it meets point to, out of the workspace; add "
                "-y (--symlinks) to store them as links"
            )
        return None
    if program in _GZIPS:
        opts = _options(args)
        shorts = "".join(a[1:] for a in opts if not a.startswith("--"))
        longs = [a.partition("=")[0] for a in opts if a.startswith("--")]
        recursive = "r" in shorts or any(_long_hit(a, frozenset({"--recursive"})) for a in longs)
        # gzip opens with O_NOFOLLOW unless it writes to stdout or is forced
        follows = (
            program in ("zcat", "gzcat")
            or any(c in shorts for c in "cf")
            or any(_long_hit(a, frozenset({"--stdout", "--to-stdout", "--force"})) for a in longs)
        )
        if recursive and follows:
            return f"{program} -r with -c or -f follows symlinks out of the workspace as it walks"
        return None
    row = _FOLLOWS.get(program)
    if row is None:
        return None
    letters, following, words = row
    for arg in args:
        if arg == "--" and program != "find":
            break
        if arg in words:
            return f"{program} {arg} follows symlinks out of the workspace while it walks"
        if arg.startswith("--"):
            if _long_hit(arg, following):
                return f"{program} {arg} follows symlinks out of the workspace while it walks"
        elif arg.startswith("-") and program != "find" and any(c in letters for c in arg[1:]):
            return f"{program} {arg} follows symlinks out of the workspace while it walks"
    return None


def _ls_follows(args: tuple[str, ...], cwd: str) -> str | None:
    """ls -L shows each entry's target (its size, mode, whether it exists): refused when it
    lists a directory's entries (-R, no operand, or a directory operand without -d)."""
    opts = _options(args)
    shorts = "".join(a[1:] for a in opts if not a.startswith("--"))
    longs = [a for a in opts if a.startswith("--")]
    if "L" not in shorts and not any(_long_hit(a, frozenset({"--dereference"})) for a in longs):
        return None
    recursive = "R" in shorts or any(_long_hit(a, frozenset({"--recursive"})) for a in longs)
    itself = "d" in shorts or any(_long_hit(a, frozenset({"--directory"})) for a in longs)
    operands = [a for a in args if not a.startswith("-") or a == "-"]
    lists = not operands or any(os.path.isdir(os.path.join(cwd, a)) for a in operands)
    if recursive or (lists and not itself):
        return "ls -L shows what the symlinks it lists point to, out of the workspace"
    return None


def _options(args: tuple[str, ...]) -> list[str]:
    """The words of ``args`` that look like options, up to ``--``."""
    found: list[str] = []
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-":
            found.append(arg)
    return found


def _find_follows(args: tuple[str, ...]) -> str | None:
    """find follows symlinks with -L, -H or -follow, and looks through one with -xtype and
    ``-printf %Y``: refused anywhere in its words except inside an -exec command (decided on
    its own, under its own rule)."""
    try:
        span = find_exec_span(args)
    except WrapperRefusal:
        span = None  # refused as a wrapper, with its reason
    for n, arg in enumerate(args):
        if span is not None and span[0] <= n <= span[1]:
            continue
        if arg in ("-L", "-H", "-follow"):
            return f"find {arg} follows symlinks out of the workspace while it walks"
        if arg == "-xtype":
            return "find -xtype looks through symlinks, out of the workspace"
        if arg in ("-printf", "-fprintf") and "%Y" in " ".join(args[n + 1 : n + 3]):
            return "find -printf %Y looks through symlinks, out of the workspace"
    return None


#: Options of ln, cp and mv that take a value (the suffix, the target directory).
_VALUED = frozenset({"-S", "--suffix", "-t", "--target-directory"})


@attrs.frozen
class _LinkArgs:
    """ln's, cp's and mv's arguments as they read them: each option (a short one alone,
    ``-s``; a long one whole, ``--preserve=links``), the operands, ``-t DIR`` and ``-T``."""

    options: tuple[str, ...]
    operands: tuple[str, ...]
    directory: str | None
    no_target_dir: bool
    #: ``-S SUFFIX``: a backup of each destination is made at DEST + SUFFIX.
    suffix: str | None = None


#: The long options of GNU cp, ln and mv (coreutils 9), which each takes by any unambiguous
#: prefix (``cp --ar`` is ``--archive``, ``ln --r`` is ``--relative``).
_LONGS = {
    "cp": ("--archive", "--attributes-only", "--backup", "--context", "--copy-contents",
           "--debug", "--dereference", "--force", "--help", "--interactive",
           "--keep-directory-symlink", "--link", "--no-clobber", "--no-dereference",
           "--no-preserve", "--no-target-directory", "--one-file-system", "--parents",
           "--preserve", "--recursive", "--reflink", "--remove-destination", "--sparse",
           "--strip-trailing-slashes", "--suffix", "--symbolic-link", "--target-directory",
           "--update", "--verbose", "--version"),
    "ln": ("--backup", "--directory", "--force", "--help", "--interactive", "--logical",
           "--no-dereference", "--no-target-directory", "--physical", "--relative", "--suffix",
           "--symbolic", "--target-directory", "--verbose", "--version"),
    "mv": ("--backup", "--context", "--debug", "--exchange", "--force", "--help",
           "--interactive", "--no-clobber", "--no-copy", "--no-target-directory",
           "--strip-trailing-slashes", "--suffix", "--target-directory", "--update",
           "--verbose", "--version"),
}  # fmt: skip
#: cp's long options after which it copies a symlink as a symlink.
_CP_KEEPS_LINKS = frozenset({"--archive", "--recursive", "--no-dereference", "--symbolic-link"})


def _long(word: str, option: str, program: str) -> bool:
    """Whether ``word`` is ``option`` as ``program`` (cp, ln or mv) reads its long options."""
    name = word.partition("=")[0]
    return name.startswith("--") and unique_long(name, _LONGS[program]) == option


def cp_keeps_links(arg: str) -> bool:
    """Whether cp's word ``arg`` makes it copy a symlink as a symlink (-r, -a, -d, -P, -s
    and their long forms, ``--preserve=links``/``all``). A long option cp would not take
    counts too: cp refuses it, but nothing is lost by assuming it might."""
    if arg.startswith("--"):
        name, eq, value = arg.partition("=")
        full = unique_long(name, _LONGS["cp"])
        if full == "--preserve":
            return bool(eq) and ("links" in value or "all" in value)
        return full is None or full in _CP_KEEPS_LINKS
    return arg.startswith("-") and any(c in arg[1:] for c in "rRadPs")


def cp_makes_symlinks(arg: str) -> bool:
    """Whether cp's word ``arg`` makes it make symlinks in place of copies (``-s``,
    ``--symbolic-link``)."""
    if arg.startswith("--"):
        return unique_long(arg.partition("=")[0], _LONGS["cp"]) == "--symbolic-link"
    return arg.startswith("-") and "s" in arg[1:].split("S", 1)[0].split("t", 1)[0]


def _read_link_args(args: tuple[str, ...]) -> _LinkArgs:
    options: list[str] = []
    operands: list[str] = []
    directory: str | None = None
    suffix: str | None = None
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            operands.extend(args[i:])
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            options.append(a)
            if any(v.startswith(name) for v in _VALUED if v.startswith("--")):
                if not eq and i < len(args):
                    value = args[i]
                    i += 1
                if "--target-directory".startswith(name):
                    directory = value
                elif "--suffix".startswith(name):
                    suffix = value
            continue
        if a.startswith("-") and a != "-":
            for j, c in enumerate(a[1:], start=1):
                options.append("-" + c)
                if c in "St":
                    value = a[j + 1 :]
                    if not value and i < len(args):
                        value = args[i]
                        i += 1
                    if c == "t":
                        directory = value
                    else:
                        suffix = value
                    break
            continue
        operands.append(a)
    no_target_dir = any(
        o == "-T" or any(_long(o, "--no-target-directory", p) for p in _LONGS) for o in options
    )
    return _LinkArgs(tuple(options), tuple(operands), directory, no_target_dir, suffix)


def _destinations(read: _LinkArgs, cwd: str) -> list[tuple[str, str]]:
    """(source as written, the path it lands at) for each source operand, as ln, cp and mv
    place them: into ``-t DIR``, onto a last operand that is no directory (one source), or
    into it."""
    if read.directory is not None:
        into = os.path.join(cwd, read.directory)
        return [(s, _under(into, s, read)) for s in read.operands]
    if len(read.operands) < 2:
        return []
    *sources, last = read.operands
    dest = os.path.join(cwd, last)
    if any(_long(o, "--parents", "cp") for o in read.options):
        # cp --parents: each source lands at DEST/SOURCE as written
        return [(s, _under(dest, s, read)) for s in sources]
    if len(sources) == 1 and (read.no_target_dir or not os.path.isdir(dest)):
        return [(sources[0], dest)]
    return [(s, os.path.join(dest, os.path.basename(s.rstrip("/")))) for s in sources]


def _under(directory: str, source: str, read: _LinkArgs) -> str:
    """Where ``source`` lands in ``directory``: its base name, or with ``cp --parents`` the
    whole relative path as written."""
    if any(_long(o, "--parents", "cp") for o in read.options):
        return os.path.normpath(os.path.join(directory, source.lstrip("/")))
    return os.path.join(directory, os.path.basename(source))


def landing_paths(args: tuple[str, ...], cwd: str) -> list[str]:
    """For ``cp``, ``mv``, ``ln`` and ``install``: the path each source lands at, and for a
    source directory the path of every entry inside it. A directory destination (``cp
    config .git/``, ``-t DIR``, ``cp -rT tpl .git``) names no final path, which the path
    checks must see all the same. Raises :class:`TooManyEntries` for a source directory too
    large to look through."""
    found: list[str] = []
    read = _read_link_args(args)
    for source, dest in _destinations(read, cwd):
        found.append(dest)
        if any(_long(o, "--parents", "cp") for o in read.options):
            # and every directory it makes on the way (`--parents hooks/x .git/`)
            parent = os.path.dirname(dest)
            while parent.startswith(os.path.join(cwd, "")) and parent != os.path.normpath(cwd):
                found.append(parent)
                parent = os.path.dirname(parent)
        if read.suffix:
            found.append(dest + read.suffix)  # the backup, with -b
        found.extend(_entries_landing(os.path.join(cwd, source), dest, source))
    return found


def _entries_landing(top: str, base: str, source: str) -> list[str]:
    """Where each entry of the source directory ``top`` lands under ``base`` (nothing for a
    file or a symlink). Raises :class:`TooManyEntries` past :data:`MAX_WALK` entries."""
    if not os.path.isdir(top) or os.path.islink(top):
        return []
    found: list[str] = []
    for here, dirs, files in os.walk(top):
        for entry in (*dirs, *files):
            if len(found) >= MAX_WALK:
                raise TooManyEntries(source)
            found.append(os.path.normpath(os.path.join(base, os.path.relpath(here, top), entry)))
    return found


#: rsync's options that take the next word as their value (when not given as ``--opt=v``).
_RSYNC_VALUED = frozenset(
    {"--exclude", "--include", "--filter", "-f", "--max-size", "--min-size", "--bwlimit",
     "--timeout", "--chmod", "--exclude-from", "--include-from", "--files-from", "--link-dest",
     "--compare-dest", "--copy-dest", "--backup-dir", "--log-file", "--out-format",
     "--temp-dir", "-T", "--suffix", "--partial-dir", "--rsh", "-e", "--rsync-path",
     "--password-file", "--config", "--remote-option", "-M", "--usermap", "--groupmap",
     "--chown", "--modify-window", "--max-delete", "--block-size", "-B", "--port",
     "--sockopts", "--compress-level", "--skip-compress", "--log-file-format",
     "--write-batch", "--only-write-batch", "--read-batch", "--protocol", "--iconv",
     "--checksum-choice", "--compress-choice", "--info", "--debug", "--outbuf"}
)  # fmt: skip


def rsync_landings(args: tuple[str, ...], cwd: str) -> list[str]:
    """For ``rsync``: the path each source lands at under the destination (``src`` into
    ``dest/src``, ``src/`` into ``dest`` itself, one file onto a new ``dest``), and for a
    source directory every entry inside it. Raises :class:`TooManyEntries` for a source too
    large to look through."""
    _, operands = _rsync_operands(args)
    found: list[str] = []
    for top, base, source in _rsync_pairs(operands, cwd):
        found.append(base)
        found.extend(_entries_landing(top, base, source))
    return found


def _rsync_operands(args: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """rsync's (options, operands), its options' values skipped."""
    operands: list[str] = []
    options: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            operands.extend(args[i + 1 :])
            break
        if a.startswith("-") and len(a) > 1:
            options.append(a)
            name = a.partition("=")[0] if a.startswith("--") else a[:2]
            joined = "=" in a if a.startswith("--") else len(a) > 2
            if name in _RSYNC_VALUED and not joined:
                i += 1
        else:
            operands.append(a)
        i += 1
    return options, operands


def _rsync_pairs(operands: list[str], cwd: str) -> list[tuple[str, str, str]]:
    """(source path, where it lands, source as written) for each of rsync's sources."""
    if len(operands) < 2:
        return []
    *sources, dest = operands
    target = os.path.join(cwd, dest)
    into = dest.endswith("/") or os.path.isdir(target) or len(sources) > 1
    pairs = []
    for source in sources:
        top = os.path.join(cwd, source)
        if source.endswith("/"):
            base = target
        elif into or os.path.isdir(top):
            base = os.path.join(target, os.path.basename(source.rstrip("/")))
        else:
            base = target
        pairs.append((top, base, source))
    return pairs


def links_hard(program: str, args: tuple[str, ...]) -> bool:
    """Whether ``program args`` makes hard links: ``cp -l``/``--link``, ``ln`` without
    ``-s``, ``link``."""
    options = _read_link_args(args).options
    if program == "cp":
        return any(
            o == "-l" or _long(o, "--link", "cp") or (not o.startswith("--") and "l" in o[1:])
            for o in options
        )
    if program == "ln":
        return not any(o == "-s" or _long(o, "--symbolic", "ln") for o in options)
    return program == "link"


def hard_link_sources(program: str, args: tuple[str, ...], cwd: str) -> list[str]:
    """For ``cp -l`` and a hard ``ln``/``link``: every file that gets a second name (a
    source directory's entries too, for ``cp -al``). A second name is a way to write the file
    under a name no check protects (``cp -al .git gc`` then ``>> gc/config``). Raises
    :class:`TooManyEntries` for a source directory too large to look through."""
    read = _read_link_args(args)
    if not links_hard(program, args):
        return []
    sources = (
        read.operands if read.directory is not None or program == "link" else read.operands[:-1]
    )
    if program == "link":
        sources = read.operands[:1]
    found: list[str] = []
    seen = 0
    for source in sources:
        top = os.path.join(cwd, source)
        found.append(top)
        if os.path.isdir(top) and not os.path.islink(top):
            for here, dirs, files in os.walk(top):
                for entry in (*dirs, *files):
                    seen += 1
                    if seen > MAX_WALK:
                        raise TooManyEntries(source)
                    found.append(os.path.join(here, entry))
    return found


def symlink_targets(args: tuple[str, ...], cwd: str) -> list[tuple[str, str]] | None:
    """For ``ln -s``: each (target as written, the directory the kernel will resolve it
    from: the link's own, or ``cwd`` for ``-r`` and absolute targets). None when ``args``
    make no symlink (a hard link names its source as an ordinary path argument)."""
    read = _read_link_args(args)
    symbolic = any(o == "-s" or _long(o, "--symbolic", "ln") for o in read.options)
    relative = any(o == "-r" or _long(o, "--relative", "ln") for o in read.options)
    if not symbolic or not read.operands:
        return None
    if read.directory is None and len(read.operands) == 1:
        # `ln -s TARGET`: the link is made in cwd under the target's name
        links = [(read.operands[0], os.path.join(cwd, os.path.basename(read.operands[0])))]
    else:
        links = _destinations(read, cwd)
    pairs: list[tuple[str, str]] = []
    for target, link in links:
        if relative or os.path.isabs(target):
            # -r: ln makes the target relative to the link from a path given relative to cwd
            pairs.append((target, cwd))
        else:
            pairs.append((target, os.path.dirname(link)))
    return pairs


#: How many entries of a moved or copied directory are looked at for symlinks.
MAX_WALK = 5000


class TooManyEntries(Exception):
    """A moved directory holds more entries than :data:`MAX_WALK`."""


def _keeps_links(args: tuple[str, ...]) -> bool:
    """Whether cp's options copy symlinks as symlinks (see :func:`cp_keeps_links`), unless
    -L/-H/--dereference follow them."""
    follows = any(
        unique_long(a.partition("=")[0], _LONGS["cp"]) == "--dereference"
        if a.startswith("--")
        else a.startswith("-") and any(c in "LH" for c in a[1:])
        for a in args
    )
    return any(cp_keeps_links(a) for a in args) and not follows


def moved_links(program: str, args: tuple[str, ...], cwd: str) -> list[tuple[str, str]]:
    """For ``mv``, ``cp`` keeping links and hard ``ln``/``link``: each relative symlink among
    the sources (or inside a source directory) as (its target, the directory it will be
    resolved from at its new place). A relative link moved to another depth points somewhere
    else: ``lr -> ../../x`` is inside the workspace from ``sub/dir/`` and outside from the top.
    Raises :class:`TooManyEntries` for a directory too large to look through."""
    if program not in ("mv", "cp", "ln", "link"):
        return []
    read = _read_link_args(args)
    if program == "cp" and not _keeps_links(read.options):
        return []
    if program in ("ln", "link") and not links_hard(program, args):
        return []  # ln -s: its targets are checked as the links it makes
    # a hard link to a symlink is that symlink under a second name: its target is resolved
    # from the new name's directory, as a moved link's is
    moves = _destinations(read, cwd)
    pairs: list[tuple[str, str]] = []
    seen = 0
    for source, new in moves:
        old = os.path.join(cwd, source)
        if os.path.islink(old):
            target = os.readlink(old)
            if not os.path.isabs(target):
                pairs.append((target, os.path.dirname(new)))
            continue
        if not os.path.isdir(old) or os.path.realpath(os.path.dirname(new)) == os.path.realpath(
            os.path.dirname(old.rstrip("/"))
        ):
            continue  # renamed in place: every link inside resolves as before
        for top, dirs, files in os.walk(old):
            seen += len(dirs) + len(files)
            if seen > MAX_WALK:
                raise TooManyEntries(source)
            for name in (*dirs, *files):
                path = os.path.join(top, name)
                if os.path.islink(path):
                    target = os.readlink(path)
                    if not os.path.isabs(target):
                        moved_dir = os.path.join(new, os.path.relpath(top, old))
                        pairs.append((target, os.path.normpath(moved_dir)))
    return pairs


def dangling_climb(base: str, target: str, planned: frozenset[str] = frozenset()) -> str | None:
    """The part of the symlink target ``target`` (resolved from the directory ``base``, as
    the kernel will resolve it) that a ``..`` climbs out of while it is not a directory now:
    a missing name, a file, a FIFO. None when every ``..`` climbs out of a directory that
    exists (``planned``: absolute paths of directories that will exist, such as an archive's
    own members).

    ``os.path.realpath`` resolves ``d/..`` to the directory holding ``d`` when ``d`` is
    missing, as if it were one; the kernel fails there now, and once ``d`` is made -- a
    symlink, ``ln -s . d`` or ``ln -s /x d`` -- the target climbs from wherever ``d`` leads.
    Such a link is refused when it is made: where it points is not decided yet. A symlink on
    the way is followed (and a ``..`` right after one is ``_climbs_through_link``'s)."""
    here = os.path.realpath(base) if not os.path.isabs(target) else "/"
    hops = 0
    parts = [p for p in target.split("/") if p]
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if not (os.path.isdir(here) or here in planned) and here != "/":
                return here
            here = os.path.dirname(here) or "/"
            continue
        step = os.path.join(here, part)
        if os.path.islink(step):
            hops += 1
            if hops > 40:
                return step
            try:
                link = os.readlink(step)
            except OSError:
                return step
            here = "/" if link.startswith("/") else here
            parts = [p for p in link.split("/") if p] + parts
            continue
        here = step
    return None
