"""Files a program opens under names it derives from its operands. Pure: argv in, names out.

Path confinement checks the words a command is given. Some programs open other names than
those words: ``unzip -p foo`` reads ``foo.zip`` when there is no ``foo``, ``zcat foo`` reads
``foo.gz``, ``gunzip foo.gz`` writes ``foo``, ``gzip foo`` writes ``foo.gz``, ``split a.txt``
writes ``xaa``, ``xab``..., ``wget URL`` writes the URL's last name (``x``, then ``x.1``...),
``gcc x.c`` writes ``a.out``. A symlink planted under such a name (by a checkout, an archive,
an earlier job) would be followed out of the workspace, though no word names it.

:func:`derived` lists, for one command, the names it may open besides its words
(``Derived.paths``, relative to the cwd) and the families of names it may write whose number
has no bound (``Derived.families``: every existing entry of a directory whose name starts
with a prefix). The engine confines each as it confines a word, and refuses what cannot be
listed (``Derived.refusal``): a suffix holding ``/``, a download named by the server, and
such a name derived from ``{}``, the name find or xargs hands over when it runs.

====================================  ========================================================
program                               names it may open besides its words
====================================  ========================================================
unzip, zipinfo                        ARCHIVE.zip, ARCHIVE.ZIP
zip                                   ARCHIVE.zip (zip reads the archive it updates)
gzip family (gzip, gunzip, zcat,      reading: NAME.gz, .z, -z, _z, .Z, -gz, .tgz, .taz, and
pigz, zgrep, zless, zdiff...)         the -S suffix; writing: NAME.gz (-S), NAME without it
bzip2, xz, lzma, zstd, lz4, lzop,     NAME with its suffix added (compressing) or removed
brotli, compress                      (decompressing), NAME.out (bunzip2 of an unknown one)
split                                 PREFIX (``x``) followed by anything
csplit                                ``xx`` followed by anything
wget                                  the URL's name (``index.html``), followed by anything,
                                      in -P DIR; -r, -m, -p, -i, -x, --content-disposition
                                      and --trust-server-names are refused (the server or a
                                      file names what is written)
cc, gcc, clang, c++, as, ld...        ``a.out`` and ``a-*`` (no -o), SOURCE's stem with any
                                      extension (objects, assembly, dumps, dependencies)
python, pytest, mypy, ruff            their caches (``__pycache__``, ``.pytest_cache``,
                                      ``.mypy_cache``, ``.ruff_cache``) in the cwd and the
                                      directories above it, and beside the script run
====================================  ========================================================
"""

from __future__ import annotations

import os
import re
import urllib.parse

import attrs

from .programs._reader import unique_long

#: What stands for the names find (or xargs, read as find) hands over when it runs.
FOUND = "{}"


@attrs.frozen
class Derived:
    #: names the program may open (read or write), relative to the cwd
    paths: tuple[str, ...] = ()
    #: (directory relative to the cwd, prefix): every existing entry whose name starts so
    families: tuple[tuple[str, str], ...] = ()
    #: names of directories the program writes in the cwd or the first of its parents (up
    #: to the workspace root) where its project is (``.pytest_cache``, ``.mypy_cache``)
    caches: tuple[str, ...] = ()
    #: why the names cannot be listed, or None
    refusal: str | None = None


_GZIP = frozenset({"gzip", "gunzip", "zcat", "gzcat", "pigz", "unpigz"})
#: gzip's wrappers: each operand is decompressed (as ``gzip -cdfq``) when it can be
_GZIP_READERS = frozenset(
    {"zgrep", "zegrep", "zfgrep", "zless", "zmore", "zdiff", "zcmp", "zhead", "zforce"}
)
#: the suffixes gzip tries after a name it cannot open, and removes from the name it writes
_GZIP_SUFFIXES = (".gz", ".z", "-z", "_z", ".Z", "-gz", ".GZ", ".tgz", ".taz")
#: program -> (its decompressing names, suffixes it removes (suffix -> what replaces it),
#: the suffix it adds)
_FAMILIES: dict[str, tuple[frozenset[str], dict[str, str], str]] = {
    "bzip2": (
        frozenset({"bunzip2", "bzcat", "lbunzip2", "pbunzip2"}),
        {".bz2": "", ".bz": "", ".tbz2": ".tar", ".tbz": ".tar"},
        ".bz2",
    ),
    "xz": (
        frozenset({"unxz", "xzcat", "unlzma", "lzcat"}),
        {".xz": "", ".txz": ".tar", ".lzma": "", ".tlz": ".tar"},
        ".xz",
    ),
    "zstd": (
        frozenset({"unzstd", "zstdcat"}),
        {".zst": "", ".tzst": ".tar"},
        ".zst",
    ),
    "lz4": (frozenset({"unlz4", "lz4cat"}), {".lz4": ""}, ".lz4"),
    "lzop": (frozenset(), {".lzo": ""}, ".lzo"),
    "brotli": (frozenset(), {".br": ""}, ".br"),
    "compress": (frozenset({"uncompress"}), {".Z": ""}, ".Z"),
}
_FAMILY_OF = {
    name: family
    for family, (decompressors, _, _) in _FAMILIES.items()
    for name in (family, *decompressors)
}
_FAMILY_OF.update({"lbzip2": "bzip2", "pbzip2": "bzip2", "lzma": "xz", "zstdmt": "zstd",
                   "pzstd": "zstd"})  # fmt: skip
#: compressors that create what they write with O_EXCL (a symlink there is never followed:
#: gzip, bzip2 and xz refuse it, or with -f remove it first) and try no other input name for
#: one that exists: a name find hands over may derive theirs
_EXCLUSIVE = _GZIP | {"bzip2", "xz"}
#: programs that print what they decompress and write no file
_CATS = frozenset({"zcat", "gzcat", "bzcat", "xzcat", "lzcat", "zstdcat", "lz4cat"})
#: programs that compress or decompress with no output file of their own under these options
#: long options after which a compressor writes no file of its own
_TO_STDOUT = ("--stdout", "--to-stdout", "--test", "--list")
#: compilers and assemblers that name their output after their input, or a.out
_COMPILERS = re.compile(
    r"^(?:cc|c89|c99|gcc|g\+\+|c\+\+|clang|clang\+\+|gfortran|gccgo|as|ld|ld\.bfd|ld\.gold"
    r"|ld\.lld|tcc|(?:[\w.-]+-)?gcc(?:-\d+)?|(?:[\w.-]+-)?g\+\+(?:-\d+)?|clang(?:\+\+)?-\d+)$"
)
_SOURCE = re.compile(r"\.(?:c|cc|cpp|cxx|c\+\+|C|m|mm|i|ii|s|S|sx|f|f90|f95|for|go|o|a|so)$")


def _operands(
    args: tuple[str, ...], valued: str = "", longs_valued: tuple[str, ...] = ()
) -> list[str]:
    """The operands of a getopt program: words after ``--``, and words that are neither
    options nor the value of one (a short letter of ``valued``, a long option of
    ``longs_valued`` without ``=``)."""
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            out.extend(args[i:])
            break
        if a.startswith("--"):
            name = a.partition("=")[0]
            if "=" not in a and unique_long(name, longs_valued) is not None:
                i += 1
            continue
        if a.startswith("-") and len(a) > 1:
            for k, c in enumerate(a[1:], start=1):
                if c in valued:
                    if k == len(a) - 1:
                        i += 1
                    break
            continue
        out.append(a)
    return out


def _value(args: tuple[str, ...], short: str, longs: tuple[str, ...]) -> str | None:
    """The last value of the option ``-short`` (or one of ``longs``), or None."""
    found = None
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if unique_long(name, longs) is not None and len(name) > 3:
                if not eq and i < len(args):
                    value = args[i]
                    i += 1
                found = value
        elif short and a.startswith("-" + short):
            found = a[2:] or (args[i] if i < len(args) else "")
            i += 0 if a[2:] else 1
    return found


def _has(args: tuple[str, ...], letters: str, longs: tuple[str, ...] = ()) -> bool:
    for a in args:
        if a == "--":
            return False
        if a.startswith("--"):
            name = a.partition("=")[0]
            if len(name) > 3 and any(o.startswith(name) for o in longs):
                return True
        elif a.startswith("-") and any(c in letters for c in a[1:]):
            return True
    return False


def _gzip(name: str, args: tuple[str, ...]) -> Derived:
    suffix = _value(args, "S", ("--suffix",)) or ".gz"
    names = _operands(args, "S", ("--suffix",))
    reader = name in _GZIP_READERS
    decompressing = (
        reader
        or name in ("gunzip", "zcat", "gzcat", "unpigz")
        or _has(args, "d", ("--decompress", "--uncompress"))
    )
    writes = not reader and name not in _CATS and not _has(args, "ctl", _TO_STDOUT)
    paths: list[str] = []
    for n in names:
        if n == "-":
            continue
        if decompressing:
            paths += [n + s for s in dict.fromkeys((suffix, *_GZIP_SUFFIXES))]
            if writes:
                paths.append(n)
                for s in _GZIP_SUFFIXES:
                    if n.endswith(s) and len(n) > len(s):
                        paths.append(n[: -len(s)] + (".tar" if s in (".tgz", ".taz") else ""))
        elif writes:
            paths.append(n + suffix)
    return Derived(tuple(paths))


def _family(name: str, args: tuple[str, ...]) -> Derived:
    family = _FAMILY_OF[name]
    decompressors, removes, adds = _FAMILIES[family]
    suffix = _value(args, "S", ("--suffix",)) if family in ("xz",) else None
    decompressing = name in decompressors or _has(args, "d", ("--decompress", "--uncompress"))
    if name in _CATS or _has(args, "ctl" if family != "zstd" else "cl", _TO_STDOUT):
        return Derived()
    if family in ("zstd", "lz4") and _value(args, "o", ()) is not None:
        return Derived()  # -o FILE: a word, checked as such
    names = _operands(args, "SoTBbDLMr" if family == "zstd" else "S", ("--suffix", "--output"))
    if family == "lz4" and len(names) == 2:
        return Derived()  # `lz4 IN OUT`: both are words
    paths: list[str] = []
    for n in names:
        if n == "-":
            continue
        if decompressing:
            stripped = False
            for s, put in (*(((suffix, ""),) if suffix else ()), *removes.items()):
                if n.endswith(s) and len(n) > len(s):
                    paths.append(n[: -len(s)] + put)
                    stripped = True
            if not stripped:
                paths.append(n + ".out")  # bunzip2's name for one it does not know
            if family == "compress":
                paths.append(n + ".Z")  # uncompress NAME reads NAME.Z
        else:
            paths.append(n + (suffix or adds))
    return Derived(tuple(paths))


def _unzip(name: str, args: tuple[str, ...]) -> Derived:
    names = _operands(args, "dPx" if name == "unzip" else "")
    if not names:
        return Derived()
    archive = names[0]
    return Derived((archive + ".zip", archive + ".ZIP"))


def _zip(args: tuple[str, ...]) -> Derived:
    names = _operands(args, "bntxiOPZs", ("--out", "--temp-path", "--suffixes", "--password"))
    out = _value(args, "O", ("--output-file", "--out"))
    paths = [p + ".zip" for p in (names[:1] + ([out] if out else [])) if p != "-"]
    return Derived(tuple(paths))


def _split(args: tuple[str, ...]) -> Derived:
    extra = _value(args, "", ("--additional-suffix",))
    if extra is not None and "/" in extra:
        return Derived(refusal=f"split: --additional-suffix {extra[:40]!r} holds a '/'")
    names = _operands(
        args,
        "abClnt",
        ("--suffix-length", "--bytes", "--line-bytes", "--lines", "--number", "--separator",
         "--additional-suffix", "--filter"),
    )  # fmt: skip
    prefix = names[1] if len(names) > 1 else "x"
    return Derived(families=((os.path.dirname(prefix) or ".", os.path.basename(prefix)),))


def _csplit(args: tuple[str, ...]) -> Derived:
    prefix = _value(args, "f", ("--prefix",)) or "xx"
    return Derived(families=((os.path.dirname(prefix) or ".", os.path.basename(prefix)),))


#: wget's options after which the server, a page or a file names what it writes.
_WGET_NAMED_ELSEWHERE = (
    "--recursive", "--mirror", "--page-requisites", "--input-file", "--force-directories",
    "--content-disposition", "--trust-server-names", "--base",
)  # fmt: skip
_WGET_VALUED = (
    "--output-document", "--output-file", "--append-output", "--directory-prefix", "--tries",
    "--timeout", "--wait", "--user", "--password", "--header", "--user-agent", "--referer",
    "--load-cookies", "--save-cookies", "--post-data", "--post-file", "--method", "--body-data",
    "--level", "--quota", "--limit-rate", "--execute", "--config", "--input-file", "--base",
    "--ca-certificate", "--certificate", "--private-key", "--dns-timeout", "--connect-timeout",
    "--read-timeout", "--waitretry", "--bind-address", "--accept", "--reject", "--domains",
    "--exclude-domains", "--include-directories", "--exclude-directories", "--cut-dirs",
    "--default-page", "--local-encoding", "--remote-encoding",
)  # fmt: skip


def _wget(args: tuple[str, ...]) -> Derived:
    for a in args:
        if a == "--":
            break
        if a.startswith("--") and unique_long(a.partition("=")[0], _WGET_NAMED_ELSEWHERE):
            return Derived(
                refusal=f"wget: {a[:40]} names what it writes from the server, a page or a file"
            )
        if a.startswith("-") and not a.startswith("--"):
            for c in a[1:]:
                if c in "rmpixF":
                    return Derived(
                        refusal=f"wget: -{c} names what it writes from the server, a page or a file"
                    )
                if c in "OoaPteTwUQlAR":
                    break
    if _value(args, "O", ("--output-document",)) is not None:
        return Derived()  # one named file: a word
    where = _value(args, "P", ("--directory-prefix",)) or "."
    families = []
    for url in _operands(args, "OoaPteTwUQlARB", _WGET_VALUED):
        path = urllib.parse.urlsplit(url if "://" in url else "http://" + url).path
        base = os.path.basename(urllib.parse.unquote(path)) or "index.html"
        if "/" in base or base in (".", ".."):
            return Derived(refusal=f"wget: the URL {url[:60]!r} names a file wget would not keep")
        families.append((where, base))
    return Derived(families=tuple(families))


def _compiler(args: tuple[str, ...]) -> Derived:
    named_output = any(a.startswith("-o") for a in args)
    families: list[tuple[str, str]] = []
    if not named_output:
        families += [(".", "a.out"), (".", "a-")]
        if FOUND in args:
            families.append((".", FOUND))  # a found source's objects land here: refused
    for a in args:
        if not a.startswith("-") and _SOURCE.search(a):
            stem = os.path.basename(a).rsplit(".", 1)[0]
            if stem:
                families.append((".", stem + "."))
    return Derived(families=tuple(dict.fromkeys(families)))


_PYTHON = re.compile(r"^python(?:\d+(?:\.\d+)?)?$")
#: the caches each tool writes where its project is (pytest's rootdir, mypy's and ruff's
#: working or project directory); python writes __pycache__ beside the modules it imports
_CACHES = {
    "pytest": (".pytest_cache", "__pycache__"),
    "py.test": (".pytest_cache", "__pycache__"),
    "mypy": (".mypy_cache",),
    "dmypy": (".mypy_cache",),
    "ruff": (".ruff_cache",),
}


def _python(args: tuple[str, ...]) -> Derived:
    """python's caches: ``-m MODULE``'s tool's, and __pycache__ beside a script it runs."""
    module = script = None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-c", "-", "--"):
            break  # code in a word, or stdin: no script to sit beside
        if a == "-m":
            module = args[i + 1] if i + 1 < len(args) else None
            break
        if a in ("-W", "-X", "--check-hash-based-pycs"):
            i += 2
            continue
        if not a.startswith("-"):
            script = a
            break
        i += 1
    caches = ("__pycache__", *_CACHES.get((module or "").split(".")[0], ()))
    paths = (os.path.join(os.path.dirname(script), "__pycache__"),) if script else ()
    return Derived(paths=paths, caches=tuple(dict.fromkeys(caches)))


def derived(program: str, args: tuple[str, ...]) -> Derived:
    """The names ``program`` (a basename) may open besides its words ``args`` (argv[1:]);
    see the module docstring."""
    found = _derived(program, args)
    if (
        found.refusal is None
        and _FAMILY_OF.get(program, program) not in _EXCLUSIVE
        and (
            any(FOUND in p for p in found.paths)
            or any(FOUND in d or FOUND in f for d, f in found.families)
        )
    ):
        return Derived(
            refusal=(
                f"{program}: it derives the names it opens from {FOUND}, a name find or xargs "
                "hands over when it runs, so which files those are cannot be decided"
            )
        )
    return found


def _derived(program: str, args: tuple[str, ...]) -> Derived:
    if program in _GZIP or program in _GZIP_READERS:
        return _gzip(program, args)
    if program in _FAMILY_OF:
        return _family(program, args)
    if program in ("unzip", "zipinfo"):
        return _unzip(program, args)
    if program == "zip":
        return _zip(args)
    if program == "split":
        return _split(args)
    if program == "csplit":
        return _csplit(args)
    if program == "wget":
        return _wget(args)
    if _COMPILERS.match(program):
        return _compiler(args)
    if _PYTHON.match(program):
        return _python(args)
    if program in _CACHES:
        return Derived(caches=_CACHES[program])
    return Derived()


__all__ = ["Derived", "derived"]
