"""Tables for the script interpreters perl and ruby: a script file in the workspace, no inline
code, no module loading. Pure.
"""

from __future__ import annotations

from ._reader import LOADS_CODE, WRITES, Spec, _s
from .node import no_stdin_program

PERL = Spec(
    flags=_s("-w", "-W", "-X", "-T", "-t", "-c", "-s", "-n", "-p", "-a", "-U", "-S", "-v",
             "-V", "-h", "--version", "--help"),
    optional=_s("-l", "-0", "-C"),
    valued=_s("-F"),
    denied={
        "-e": "inline code cannot be decided; run a script file in the workspace",
        "-E": "inline code cannot be decided; run a script file in the workspace",
        "-M": LOADS_CODE, "-m": LOADS_CODE, "-I": LOADS_CODE, "-d": LOADS_CODE,
        "-x": "it skips to code inside another file",
        "-i": WRITES,
    },
    posix=True,
    script_operand=True,
    extra=no_stdin_program,  # same rule: no script file means a program from stdin
)  # fmt: skip
RUBY = Spec(
    flags=_s("-w", "-W", "-v", "-c", "-n", "-p", "-a", "-l", "-s", "-d", "--version",
             "--help", "-h", "--verbose", "--disable-gems", "--jit"),
    valued=_s("-F", "-E", "--encoding", "-K"),
    denied={
        "-e": "inline code cannot be decided; run a script file in the workspace",
        "-r": LOADS_CODE, "--require": LOADS_CODE, "-I": LOADS_CODE, "-x": LOADS_CODE,
        "-i": WRITES, "-C": "changing directory first is refused", "-S": "PATH lookup of scripts",
    },
    posix=True,
    script_operand=True,
    extra=no_stdin_program,
)  # fmt: skip
