"""The members an extraction will write, read from the archive before it runs.

An extraction writes files its command line never names: the archive names them. A member can
be a symlink to anywhere (``d/l -> /etc``), or be written through a symlink already in the
workspace (``t/x`` where ``t -> /tmp``), or carry the policy file's or git's hooks' name. So
where a rule confines paths, the archive is read here (synchronously, like the path look-ups)
and every member is handed to the engine as a path it writes, with each symlink or hard link
member's target as a path it points to, resolved from the member's own directory.

===========  ==================================================================================
``unzip``    extracting (not ``-l``, ``-v``, ``-t``, ``-p``, ``-c``, ``-z``, ``-Z``): the zip's
             central directory, with ``-d DIR``
``tar``      ``-x`` / ``--extract`` / ``--get``, where a policy grants it: the archive of
             ``-f`` (gzip, bzip2 and xz read too), with ``-C DIR``
``cpio``,    extracting: refused, since the archive comes from stdin (cpio) or is in a format
``bsdtar``,  this reader does not know (7z); ``bsdtar -x`` could read any of a dozen formats
``7z`` ...
===========  ==================================================================================

An archive that cannot be read, or that holds more than :data:`MAX_MEMBERS` members, is
refused: its members cannot be checked. Not covered: the archive file can be replaced by a
concurrent job between this reading and the extraction.
"""

from __future__ import annotations

import os
import stat
import struct
import tarfile
import zipfile
from collections.abc import Callable, Mapping

import attrs

from ._symlinks import dangling_climb

#: Members read from one archive before the extraction is refused as too large to check.
MAX_MEMBERS = 20_000

#: The programs :func:`extraction` reads.
EXTRACTORS = frozenset({"unzip", "tar", "cpio", "bsdtar", "7z", "7za", "7zr"})
#: unzip's options that only list, test or print: nothing is written.
_UNZIP_READS = frozenset("lvtpczZ")
#: unzip's option letters read when it extracts (any other one, such as -j that drops
#: member directories, is refused).
_UNZIP_FLAGS = frozenset("onqufaCM:^")


@attrs.frozen
class Member:
    """One file an extraction writes: its path (relative to the extraction directory) and,
    for a link, the path it points to (a symlink's target as stored, or a hard link's
    member name)."""

    name: str
    link: str | None = None
    hard: bool = False


@attrs.frozen
class Extraction:
    """What an extraction writes: into ``directory`` (relative to the cwd), ``members``."""

    directory: str
    members: tuple[Member, ...]


class Unreadable(Exception):
    """The archive cannot be checked (the reason is the message)."""


def extraction(program: str, args: tuple[str, ...], cwd: str) -> Extraction | None:
    """What ``program args`` extracts, read from its archive; None when it extracts nothing.
    Raises :class:`Unreadable` when it extracts from an archive this cannot read."""
    if program == "unzip":
        return _unzip(args, cwd)
    if program == "tar":
        return _tar(args, cwd)
    if program in ("cpio", "bsdtar", "7z", "7za", "7zr") and _extracts_other(program, args):
        raise Unreadable(
            f"{program} extracts files whose names and links execgate cannot read before it "
            "runs; extract with unzip or tar from a file in the workspace"
        )
    return None


def _extracts_other(program: str, args: tuple[str, ...]) -> bool:
    words = [a for a in args if a != "--"]
    if program == "cpio":
        return any(
            a in ("--extract", "-i") or (a.startswith("-") and not a.startswith("--") and "i" in a)
            for a in words
        )
    if program == "bsdtar":
        first = words[0] if words else ""
        return (
            any(a in ("-x", "--extract") for a in words)
            or (not first.startswith("-") and "x" in first)
            or any(a.startswith("-") and not a.startswith("--") and "x" in a for a in words)
        )
    return bool(words) and words[0] in ("x", "e")  # 7z x / 7z e


def _unzip(args: tuple[str, ...], cwd: str) -> Extraction | None:
    archive: str | None = None
    directory = "."
    lists = False
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("-") and len(a) > 1:
            if a.startswith("--"):
                raise Unreadable(f"unzip: option {a[:40]!r} is not one execgate reads")
            for n, c in enumerate(a[1:], start=1):
                if c in "dP":
                    # the rest of the group, or the next word, is its value
                    value = a[n + 1 :]
                    if not value and i < len(args):
                        value = args[i]
                        i += 1
                    if c == "d":
                        directory = value
                    break
                if c == "x":
                    if archive is None:
                        raise Unreadable("unzip: -x before the archive is refused; put it after")
                    i = len(args)  # the rest are names left out
                    break
                if c in _UNZIP_READS:
                    lists = True
                elif c not in _UNZIP_FLAGS:
                    raise Unreadable(
                        f"unzip: option -{c} changes where members are written, which execgate "
                        "does not model; leave it out"
                    )
            continue
        if archive is None:
            archive = a
    if archive is None or lists:
        return None
    if any(c in archive for c in "*?[\\"):
        raise Unreadable(
            f"unzip: {archive[:60]!r} is a pattern to unzip (every archive it matches is "
            "extracted); name one archive"
        )
    path = os.path.join(cwd, archive)
    if not os.path.exists(path) and os.path.exists(path + ".zip"):
        path += ".zip"
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise Unreadable(f"{archive[:60]!r} holds more than {MAX_MEMBERS} members")
            members = []
            for info in infos:
                mode = info.external_attr >> 16
                link = None
                if stat.S_ISLNK(mode):
                    link = zf.read(info, pwd=None)[:4096].decode("utf-8", "surrogateescape")
                # unzip may write a member under another name than the one Python shows: the
                # UTF-8 name of an Info-ZIP Unicode Path field, or with \ read as / (an
                # archive made on DOS or Windows): every one of them is checked
                for name in dict.fromkeys(
                    (info.filename, info.filename.replace("\\", "/"), *_unicode_paths(info.extra))
                ):
                    members.append(Member(name, link))
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError) as exc:
        raise Unreadable(
            f"unzip: cannot read {archive[:60]!r} to check its members: {exc}"
        ) from None
    return Extraction(directory, tuple(members))


def _unicode_paths(extra: bytes) -> list[str]:
    """The names in a zip member's Info-ZIP Unicode Path extra fields (0x7075)."""
    names: list[str] = []
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + size]
        if kind == 0x7075 and len(body) >= 5:
            names.append(body[5:].decode("utf-8", "surrogateescape").replace("\\", "/"))
        at += 4 + size
    return names


#: tar's options read when it extracts: any other one (``--strip-components``,
#: ``--transform``, ``-P``, ``-i``, ``-K``, ``--wildcards``...) changes which members are written
#: or where, and is refused rather than modelled.
_TAR_FLAGS = frozenset("xvzjJaompkUw")
_TAR_LONG = frozenset(
    {"--extract", "--get", "--verbose", "--gzip", "--gunzip", "--bzip2", "--xz",
     "--auto-compress", "--no-same-owner", "--no-same-permissions", "--touch",
     "--keep-old-files", "--skip-old-files", "--unlink-first", "--preserve-permissions",
     "--same-owner", "--interactive"}
)  # fmt: skip
_TAR_VALUED_LONG = frozenset({"--file", "--directory"})


#: tar's short options that take a value.
_TAR_VALUED = "bCfFgHIKLNTVX"


def _tar_words(args: tuple[str, ...]) -> list[str]:
    """tar's words with an old-style first word (``tar xzf A``) spelled out: each letter an
    option, and each letter that takes a value given the next word, in order."""
    words = list(args)
    if words and not words[0].startswith("-"):
        letters, rest = words[0], words[1:]
        expanded: list[str] = []
        for c in letters:
            expanded.append(f"-{c}")
            if c in _TAR_VALUED and rest:
                expanded.append(rest.pop(0))
        words = expanded + rest
    return words


def _tar_extracts(words: list[str]) -> bool:
    for a in words:
        if a == "--":
            break
        if a.startswith("--"):
            name = a.partition("=")[0]
            if len(name) >= 4 and ("--extract".startswith(name) or "--get".startswith(name)):
                return True
        elif a.startswith("-") and "x" in a[1:]:
            return True
    return False


def _tar(args: tuple[str, ...], cwd: str) -> Extraction | None:
    words = _tar_words(args)
    if not _tar_extracts(words):
        return None
    archive: str | None = None
    directories: list[str] = []
    named = False
    i = 0
    while i < len(words):
        a = words[i]
        i += 1
        if a == "--":
            named = named or i < len(words)
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if name in _TAR_VALUED_LONG:
                if not eq and i < len(words):
                    value = words[i]
                    i += 1
                if name == "--file":
                    archive = value
                else:
                    directories.append(value)
                    if named:
                        raise Unreadable("tar: -C after member names is refused; put it first")
            elif name not in _TAR_LONG or eq:
                raise Unreadable(
                    f"tar: {a[:40]!r} changes which members are written or where, which "
                    "execgate does not model when tar extracts; leave it out"
                )
            continue
        if a.startswith("-") and len(a) > 1:
            for n, c in enumerate(a[1:], start=1):
                if c in "fC":
                    value = a[n + 1 :]
                    if not value and i < len(words):
                        value = words[i]
                        i += 1
                    if c == "f":
                        archive = value
                    else:
                        directories.append(value)
                        if named:
                            raise Unreadable("tar: -C after member names is refused; put it first")
                    break
                if c not in _TAR_FLAGS:
                    raise Unreadable(
                        f"tar: -{c} changes which members are written or where, which execgate "
                        "does not model when tar extracts; leave it out"
                    )
            continue
        named = True
    if len(directories) > 1:
        raise Unreadable("tar: one -C at most when tar extracts")
    if archive in (None, "-"):
        raise Unreadable("tar extracts from stdin, which execgate cannot read before it runs")
    assert archive is not None
    try:
        # ignore_zeros: read on past end-of-archive blocks and damaged headers, as GNU tar
        # does ("Skipping to next header"), so that no member it would write goes unread
        with tarfile.open(os.path.join(cwd, archive), "r:*", ignore_zeros=True) as tf:
            members = []
            for n, info in enumerate(tf):
                if n >= MAX_MEMBERS:
                    raise Unreadable(f"{archive[:60]!r} holds more than {MAX_MEMBERS} members")
                # a GNU long name and a PAX path on one member: Python keeps one, GNU tar
                # may use the other; both are checked (and both link targets)
                pax = info.pax_headers
                names = dict.fromkeys((info.name, pax.get("path", info.name)))
                links = dict.fromkeys((info.linkname, pax.get("linkpath", info.linkname)))
                for name in names:
                    for link in links:
                        if info.issym():
                            members.append(Member(name, link))
                        elif info.islnk():
                            members.append(Member(name, link, hard=True))
                        else:
                            members.append(Member(name))
    except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
        raise Unreadable(f"tar: cannot read {archive[:60]!r} to check its members: {exc}") from None
    return Extraction(directories[0] if directories else ".", tuple(members))


def tar_names_from(args: tuple[str, ...]) -> list[tuple[str, str]]:
    """tar's operands each with the directory it reads them from: after ``-C DIR`` (or
    ``--directory``) the names that follow are DIR's (``tar -c -f o.tar -C out root/x``
    reads ``out/root/x``). Only names after a -C are listed; the path checks see the rest
    from the cwd already. Successive -C directories add up, as tar's do."""
    words = _tar_words(args)
    directory: str | None = None
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        a = words[i]
        i += 1
        value: str | None = None
        if a.startswith("--"):
            name, eq, given = a.partition("=")
            if len(name) > 4 and "--directory".startswith(name):
                value = given if eq else (words[i] if i < len(words) else "")
                i += 0 if eq else 1
        elif a.startswith("-") and len(a) > 1:
            for n, c in enumerate(a[1:], start=1):
                if c in _TAR_VALUED.replace("C", ""):
                    if not a[n + 1 :]:
                        i += 1
                    break
                if c == "C":
                    value = a[n + 1 :] or (words[i] if i < len(words) else "")
                    i += 0 if a[n + 1 :] else 1
                    break
        elif directory is not None:
            found.append((directory, a))
        if value is not None:
            directory = value if directory is None else os.path.join(directory, value)
    return found


def resolve(path: str, links: Mapping[str, str], hops: int = 40) -> str | None:
    """Where the absolute ``path`` will lead once the symlinks ``links`` (absolute path of
    the link -> its target, as stored) exist beside those already on the file system: each
    component is followed as the kernel will follow it. None past ``hops`` links (a loop)."""
    parts = [p for p in path.split("/") if p]
    done = "/"
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            done = os.path.dirname(done)
            continue
        step = os.path.join(done, part)
        target = links.get(step)
        if target is None and os.path.islink(step):
            try:
                target = os.readlink(step)
            except OSError:
                target = None
        if target is None:
            done = step
            continue
        hops -= 1
        if hops < 0:
            return None
        if target.startswith("/"):
            done = "/"
        parts = [p for p in target.split("/") if p] + parts
    return done


def _parents(name: str) -> list[str]:
    """``a/b/c`` -> ``a``, ``a/b``; a directory member (``a/b/``) is itself one too."""
    parts = [p for p in name.split("/") if p and p != "."]
    keep = len(parts) if name.endswith("/") else len(parts) - 1
    return ["/".join(parts[:k]) for k in range(1, keep + 1)]


def escape(found: Extraction, cwd: str, allowed: Callable[[str], bool]) -> str | None:
    """Why extracting ``found`` in ``cwd`` would write or link outside what ``allowed``
    accepts (an absolute path, as it will resolve), or None. Every symlink member is taken
    as existing for every other member (stricter than any order of extraction)."""
    base = os.path.join(cwd, found.directory)
    # the directories the extraction makes: each member's parents, and its directory members
    planned = frozenset(
        os.path.realpath(os.path.join(base, parent))
        for m in found.members
        for parent in _parents(m.name)
    )
    links: dict[str, str] = {}
    for m in found.members:
        if m.link is not None and not m.hard:
            here = resolve(os.path.dirname(os.path.join(base, m.name)), {})
            if here is not None:
                links[os.path.join(here, os.path.basename(m.name.rstrip("/")))] = m.link
    for m in found.members:
        name = m.name.rstrip("/")
        parent = resolve(os.path.dirname(os.path.join(base, name)), links)
        where = None if parent is None else os.path.join(parent, os.path.basename(name))
        if where is None or not allowed(where):
            return f"the archive's member {m.name[:80]!r} would be written outside the workspace"
        if m.link is None:
            continue
        if m.hard:
            target = resolve(os.path.join(base, m.link), links)
        else:
            target = resolve(os.path.join(os.path.dirname(where), m.link), links)
            if dangling_climb(os.path.dirname(where), m.link, planned) is not None:
                # `d/../../x` with no directory d: inside on paper, until d is made a link
                return (
                    f"the archive's member {m.name[:80]!r} is a symlink to {m.link[:80]!r}, "
                    "whose '..' climbs out of a name that is no directory, so where it points "
                    "is decided only once something is made there"
                )
        if target is None or not allowed(target):
            kind = "hard link" if m.hard else "symlink"
            return (
                f"the archive's member {m.name[:80]!r} is a {kind} to {m.link[:80]!r}, outside "
                "the workspace"
            )
    return None


__all__ = [
    "EXTRACTORS",
    "MAX_MEMBERS",
    "Extraction",
    "Member",
    "Unreadable",
    "escape",
    "extraction",
    "resolve",
    "tar_names_from",
]
