"""The table for tar, listing archives only, and GNU tar's old-style bundled options
(``tar tf A``). Pure.
"""

from __future__ import annotations

from ._reader import RUNS_PROGRAM, WRITES, ArgRefusal, Options, Spec, _s


def _tar(operands: tuple[str, ...], options: Options) -> str | None:
    names = {n for n, _ in options}
    if not {"-t", "--list"} & names:
        return (
            "only listing an archive (-t) is built in; extracting or creating is granted explicitly"
        )
    if "--force-local" not in names:
        for name, value in options:
            # tar reads HOST:FILE as a remote archive, reached through rsh/ssh
            if name in ("-f", "--file") and ":" in (value or "").split("/", 1)[0]:
                archive = (value or "")[:40]
                return f"{name} {archive!r} names a remote archive (HOST:FILE), run over ssh"
    return None


TAR = Spec(
    optional=_s("--totals"),
    flags=_s(
        "-t",
        "-v",
        "-z",
        "-j",
        "-J",
        "-a",
        "-O",
        "-k",
        "-p",
        "-W",
        "--list",
        "--verbose",
        "--gzip",
        "--gunzip",
        "--bzip2",
        "--xz",
        "--zstd",
        "--lzma",
        "--auto-compress",
        "--to-stdout",
        "--numeric-owner",
        "--full-time",
        "--utc",
        "--help",
        "--version",
        "--ignore-case",
        "--wildcards",
        "--no-wildcards",
        "--anchored",
        "--no-anchored",
        "--verify",
    ),
    valued=_s(
        "-f",
        "-C",
        "--file",
        "--directory",
        "--exclude",
        "--strip-components",
        "--blocking-factor",
        "-b",
        "--format",
        "-H",
    ),
    paths=_s("-f", "--file", "-C", "--directory"),
    denied={
        "-x": WRITES,
        "--extract": WRITES,
        "--get": WRITES,
        "-c": WRITES,
        "--create": WRITES,
        "-r": WRITES,
        "--append": WRITES,
        "-u": WRITES,
        "--update": WRITES,
        "--delete": WRITES,
        "-A": WRITES,
        "--catenate": WRITES,
        "--concatenate": WRITES,
        "-I": RUNS_PROGRAM,
        "--use-compress-program": RUNS_PROGRAM,
        "--to-command": RUNS_PROGRAM,
        "--checkpoint-action": RUNS_PROGRAM,
        "--info-script": RUNS_PROGRAM,
        "--new-volume-script": RUNS_PROGRAM,
        "-F": RUNS_PROGRAM,
        "--rsh-command": RUNS_PROGRAM,
        "--rmt-command": RUNS_PROGRAM,
        "-T": "it reads file names from a file execgate cannot see",
        "--files-from": "it reads file names from a file execgate cannot see",
    },
    extra=_tar,
)


def tar_old_style(spec: Spec, args: tuple[str, ...]) -> tuple[str, ...]:
    """``tar tfI A B`` as GNU tar reads it: each letter is an option, and each letter that
    takes a value takes the next word, in order (``-t -f A -I B``)."""
    rest = list(args[1:])
    out: list[str] = []
    for letter in args[0]:
        option = "-" + letter
        out.append(option)
        if option in spec.valued or option in spec.paths or option in spec.denied:
            if not rest:
                raise ArgRefusal(f"tar: {option} in {args[0][:20]!r} needs a value", arg=option)
            out.append(rest.pop(0))
    return (*out, *rest)
