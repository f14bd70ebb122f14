"""Tables for the stream editors sed and awk (gawk, mawk), and their checks: the script or
program text is read by :mod:`._scripts`. Pure.
"""

from __future__ import annotations

import re

from ._reader import LOADS_CODE, WRITES, Options, Spec, _s
from ._scripts import awk_program_refusal, sed_script_files, sed_script_refusal


def _sed_scripts(operands: tuple[str, ...], options: Options) -> list[str]:
    scripts = [v for n, v in options if n in ("-e", "--expression") and v is not None]
    if not scripts and operands:
        scripts = [operands[0]]
    return scripts


def _sed_files(operands: tuple[str, ...], options: Options) -> tuple[str, ...]:
    return tuple(f for script in _sed_scripts(operands, options) for f in sed_script_files(script))


def _sed(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name in ("-i", "--in-place") and "/" in (value or ""):
            # where a policy grants -i's SUFFIX: GNU sed puts a backup whose suffix holds a
            # '/' (with '*' standing for the name) relative to each file's own directory
            return f"{name} backup suffix {(value or '')[:30]!r} names another directory"
    for script in _sed_scripts(operands, options):
        reason = sed_script_refusal(script)
        if reason is not None:
            return reason
    return None


_AWK_SPECIAL_ASSIGN = re.compile(r"^\s*(?:ARGV|ARGC|ENVIRON)\b")


def _awk(operands: tuple[str, ...], options: Options) -> str | None:
    if not operands:
        return "no awk program given"
    for name, value in options:
        if name in ("-v", "--assign") and _AWK_SPECIAL_ASSIGN.match(value or ""):
            return f"-v {(value or '')[:30]!r} sets what chooses the files awk reads"
    for operand in operands[1:]:
        if _AWK_SPECIAL_ASSIGN.match(operand) and "=" in operand:
            return f"the operand {operand[:30]!r} sets what chooses the files awk reads"
    return awk_program_refusal(operands[0])


SED = Spec(
    extra=_sed,
    extra_paths=_sed_files,
    flags=_s(
        "-n",
        "-E",
        "-r",
        "-s",
        "-u",
        "-z",
        "--quiet",
        "--silent",
        "--regexp-extended",
        "--separate",
        "--unbuffered",
        "--null-data",
        "--posix",
        "--debug",
        "--sandbox",
        "--help",
        "--version",
    ),
    valued=_s("-e", "-l", "--expression", "--line-length"),
    denied={
        "-i": WRITES,
        "--in-place": WRITES,
        "-f": "a script file is code execgate cannot see",
        "--file": "a script file is code execgate cannot see",
        "--follow-symlinks": WRITES,
    },
)
AWK = Spec(
    extra=_awk,
    flags=_s(
        "--posix",
        "--traditional",
        "--lint",
        "--sandbox",
        "-S",
        "--help",
        "--version",
        "-c",
        "-P",
        "--re-interval",
        "--characters-as-bytes",
        "-b",
    ),
    valued=_s("-F", "-v", "--field-separator", "--assign"),
    denied={
        "-f": "a program file is code execgate cannot see",
        "--file": "a program file is code execgate cannot see",
        "-e": "--source programs are refused",
        "--source": "--source programs are refused",
        "-E": "--exec programs are refused",
        "--exec": "--exec programs are refused",
        "-l": LOADS_CODE,
        "--load": LOADS_CODE,
        "-i": LOADS_CODE,
        "--include": LOADS_CODE,
        "-o": WRITES,
        "--pretty-print": WRITES,
        "-d": WRITES,
        "--dump-variables": WRITES,
        "-p": WRITES,
        "--profile": WRITES,
    },
)
