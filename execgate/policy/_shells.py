"""How a shell named in a command reads its arguments. Pure: argv in, a reading out.

A shell allowed by name (``sh``, ``bash``, ``dash``, ``zsh``, ``ksh``, ``mksh``) runs either
``-c LINE`` -- LINE is then decided by the policy as a command line of its own, and what runs
is the plan of that decision, never the shell's reading of LINE -- or a script file. Which of
the two, and where LINE is, depends on every option before it, so every option is read
against the table below; a word the table does not know refuses the whole command. That
includes the ``+`` forms (``+x``, ``+o NAME``, ``+O NAME``): a shell takes them as options, so
reading ``+x`` as a script path would let ``bash +x -c LINE`` run LINE undecided.

==================  ===========================================================================
accepted            meaning here
==================  ===========================================================================
``-c``              LINE mode: LINE is the first operand after the options (``bash -c -e L``
                    and ``bash -ec L`` both read L); nothing may follow LINE (``$0`` and
                    positional parameters would change what LINE means)
``-l``, ``--login``  a login shell: ignored (the plan never starts a shell to read profiles)
``--noprofile``,    ignored for the same reason
``--norc``
``-e``/``+e``       errexit: carried into the plan of a list (its script runs with ``-e``)
``-u -x -v``        nounset, xtrace, verbose, and their ``+`` forms: accepted and not carried;
                    a decided line expands no variables, and tracing changes no program run
``-o``/``+o NAME``  NAME one of errexit (as ``-e``), nounset, xtrace, verbose, pipefail (not
                    carried: /bin/sh has no pipefail; it only changes a list's exit status)
``-n``              noexec, with a script only: the script is read for its syntax, and nothing
                    in it runs (``bash -n script.sh``); with ``-c`` it refuses, since what runs
                    is the plan of LINE and not the shell's reading of it
``--``              ends the options
==================  ===========================================================================

Everything else refuses: ``-s`` and ``-i`` (programs read from stdin or a terminal), ``-O`` and
``+O`` (shopt settings change how LINE parses), ``-r``, ``-p``, ``-D``, ``--rcfile``,
``--init-file``, ``--posix``, any other long option, ``-o`` with another name or no name,
``+c``/``+l``, and a long option after a short one (bash reads long options only first).
"""

from __future__ import annotations

from typing import Literal

import attrs

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "rbash"})

_IGNORED_LONG = frozenset({"--login", "--noprofile", "--norc"})
#: Letters accepted with either sign; they never change which programs a decided line runs.
_TOGGLES = frozenset("euxv")
_SET_O_NAMES = frozenset({"errexit", "nounset", "xtrace", "verbose", "pipefail"})


@attrs.frozen
class ShellRefusal(Exception):
    reason: str


@attrs.frozen
class ShellCall:
    """How the shell will run: ``mode`` "line" with ``line`` to decide, or "script" with the
    script path in ``operands[0]`` and its arguments after it."""

    mode: Literal["line", "script"]
    line: str | None
    operands: tuple[str, ...]
    #: How many words of argv (the shell itself included) are options.
    options_end: int
    #: ``-e`` / ``-o errexit`` in force after every option was read.
    errexit: bool = False


def read_shell(argv: tuple[str, ...]) -> ShellCall:
    """Read ``argv`` (``argv[0]`` is the shell) as the shell does; raise
    :class:`ShellRefusal` for anything outside the table in the module docstring."""
    shell = argv[0].rsplit("/", 1)[-1] or "sh"
    line_mode = False
    errexit = False
    seen_short = False
    noexec = False
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if word == "+":
            i += 1  # an empty option word: bash and dash read on (`bash + -c LINE`)
            continue
        if word == "-" or not word or word[0] not in "-+":
            if word == "-":
                i += 1  # ends the options, as "--" does
            break
        if word.startswith("--"):
            if seen_short:
                raise ShellRefusal(
                    f"{shell}: the long option {word[:40]!r} after a short option (the shell "
                    "would not read it as an option)"
                )
            if word not in _IGNORED_LONG:
                raise ShellRefusal(
                    f"{shell}: option {word[:40]!r} is not one execgate reads for a shell"
                )
            i += 1
            continue
        sign, letters = word[0], word[1:]
        seen_short = True
        i += 1
        for letter in letters:
            if letter == "c" and sign == "-":
                line_mode = True
            elif letter == "l" and sign == "-":
                pass
            elif letter == "n" and sign == "-":
                noexec = True
            elif letter in _TOGGLES:
                if letter == "e":
                    errexit = sign == "-"
            elif letter == "o":
                if i >= len(argv):
                    raise ShellRefusal(f"{shell}: {sign}o without an option name")
                name = argv[i]
                i += 1
                if name not in _SET_O_NAMES:
                    raise ShellRefusal(
                        f"{shell}: {sign}o {name[:40]!r} is not one execgate accepts "
                        f"(only {', '.join(sorted(_SET_O_NAMES))})"
                    )
                if name == "errexit":
                    errexit = sign == "-"
            else:
                raise ShellRefusal(
                    f"{shell}: option {sign}{letter} (in {word[:40]!r}) is not one execgate "
                    "accepts for a shell (-s and -i read programs from stdin, -O/+O change how "
                    "the line parses)"
                )
    operands = argv[i:]
    if line_mode:
        if noexec:
            raise ShellRefusal(
                f"{shell}: -n with -c: execgate runs the decided line, not the shell's reading "
                "of it, so the line would run; -n is accepted with a script file"
            )
        if not operands:
            raise ShellRefusal(f"{shell}: -c without a command line")
        if len(operands) > 1:
            raise ShellRefusal(
                f"{shell}: arguments after the -c line ({operands[1][:40]!r}…) set $0 and the "
                "positional parameters, which execgate does not decide"
            )
        return ShellCall("line", operands[0], operands, i, errexit)
    if not operands:
        raise ShellRefusal(f"{shell}: with no -c line and no script it reads commands from stdin")
    return ShellCall("script", None, operands, i, errexit)


#: How much of a script the kernel reads for its ``#!`` line (``BINPRM_BUF_SIZE``).
SHEBANG_BYTES = 256


def read_shebang(head: bytes) -> tuple[str, ...] | None:
    """The interpreter words the kernel runs a script with, from the script's first bytes:
    ``#!/bin/bash`` gives ``("/bin/bash",)`` and ``#!/usr/bin/env python3 -u`` gives
    ``("/usr/bin/env", "python3 -u")`` (Linux passes everything after the interpreter as one
    argument). None when ``head`` is no script the gate can read exactly: no ``#!``, no end of
    line within :data:`SHEBANG_BYTES`, an interpreter that is not an absolute path (the kernel
    would look it up from the working directory, not PATH), or bytes that are not plain
    printable ASCII."""
    if not head.startswith(b"#!"):
        return None
    end = head.find(b"\n", 0, SHEBANG_BYTES)
    if end < 0:
        return None
    line = head[2:end]
    if any((b < 0x20 and b != 0x09) or b > 0x7E for b in line):
        return None
    text = line.decode("ascii").strip(" \t")
    interpreter, _, rest = text.replace("\t", " ").partition(" ")
    if not interpreter.startswith("/"):
        return None
    rest = rest.strip(" ")
    return (interpreter, rest) if rest else (interpreter,)
