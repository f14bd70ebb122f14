"""Tables for the Python toolchain: python (and ``python -m MODULE``), pip and pytest. Pure."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ._reader import LOADS_CODE, RUNS_PROGRAM, WRITES, Options, Spec, _s, parse


def _pytest(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name == "-p" and value is not None and not value.startswith("no:"):
            return (
                f"-p {value} loads a plugin module (code execgate cannot decide); -p no:X is fine"
            )
    return None


def _python(operands: tuple[str, ...], options: Options) -> str | None:
    if not operands and not {"-V", "--version", "-h", "--help"} & {n for n, _ in options}:
        return "without a script file it reads a program from stdin, which cannot be decided"
    return None


PYTHON = Spec(
    flags=_s(
        "-u",
        "-B",
        "-O",
        "-OO",
        "-q",
        "-s",
        "-S",
        "-E",
        "-I",
        "-P",
        "-b",
        "-bb",
        "-d",
        "-v",
        "-V",
        "-h",
        "--version",
        "--help",
        "-x",
    ),
    valued=_s("-W", "-X", "--check-hash-based-pycs"),
    denied={
        "-c": "inline code cannot be decided; run a script file in the workspace",
        "-m": "only modules with built-in rules (pytest, pip) or a mode rule such as "
        '"python3 -m pytest" may be run',
        "-i": "interactive mode reads code from stdin",
    },
    posix=True,
    script_operand=True,
    extra=_python,
    inline_code="-c",
)
PIP_READ = Spec(
    flags=_s(
        "-v",
        "-q",
        "--verbose",
        "--quiet",
        "--help",
        "-h",
        "--no-color",
        "--disable-pip-version-check",
        "--isolated",
        "--outdated",
        "--uptodate",
        "--user",
        "--local",
        "--not-required",
        "--editable",
        "-e",
        "-o",
        "-u",
        "-l",
        "--files",
        "-f",
        "--exclude-editable",
        "--all",
    ),
    valued=_s("--format", "--exclude"),
    # --python names an interpreter pip runs itself under (a workspace file, say)
    denied={"--python": RUNS_PROGRAM},
)
PIP = Spec(
    flags=_s(
        "-V",
        "--version",
        "-h",
        "--help",
        "-q",
        "-v",
        "--quiet",
        "--verbose",
        "--no-color",
        "--disable-pip-version-check",
        "--isolated",
    ),
    subcommands={
        "list": PIP_READ,
        "show": PIP_READ,
        "freeze": PIP_READ,
        "check": PIP_READ,
        "help": PIP_READ,
    },
    posix=True,
)
PYTEST = Spec(
    extra=_pytest,
    flags=_s(
        "-x",
        "-q",
        "-v",
        "-s",
        "-l",
        "-vv",
        "-qq",
        "--lf",
        "--ff",
        "--nf",
        "--sw",
        "--last-failed",
        "--failed-first",
        "--new-first",
        "--stepwise",
        "--stepwise-skip",
        "--exitfirst",
        "--quiet",
        "--verbose",
        "--showlocals",
        "--collect-only",
        "--co",
        "--strict-markers",
        "--strict-config",
        "--strict",
        "--no-header",
        "--no-summary",
        "--disable-warnings",
        "--runxfail",
        "--cache-clear",
        "--cache-show",
        "--markers",
        "--fixtures",
        "--fixtures-per-test",
        "--setup-only",
        "--setup-show",
        "--setup-plan",
        "--version",
        "-V",
        "--help",
        "-h",
        "--capture=no",
        "--full-trace",
        "--doctest-modules",
        "--continue-on-collection-errors",
        "--noconftest",
        "--keep-duplicates",
        "--co",
        "--quiet",
        "--sw-skip",
        "--lfnf",
        "-ra",
        "-rA",
    ),
    valued=_s(
        "-p",
        "-k",
        "-m",
        "-r",
        "-W",
        "-n",
        "--maxfail",
        "--tb",
        "--durations",
        "--durations-min",
        "--capture",
        "--color",
        "--code-highlight",
        "--deselect",
        "--ignore",
        "--ignore-glob",
        "--basetemp",
        "--rootdir",
        "-c",
        "--config-file",
        "--confcutdir",
        "--junitxml",
        "--junit-xml",
        "--junit-prefix",
        "--timeout",
        "--pythonwarnings",
        "--log-level",
        "--log-cli-level",
        "--last-failed-no-failures",
        "--import-mode",
        "--verbosity",
        "--dist",
        "--numprocesses",
    ),
    paths=_s(
        "--basetemp",
        "--rootdir",
        "-c",
        "--config-file",
        "--confcutdir",
        "--junitxml",
        "--junit-xml",
        "--ignore",
        "--deselect",
    ),
    denied={
        "--pdb": "it starts an interactive debugger",
        "--pdbcls": LOADS_CODE,
        "--trace": "it starts an interactive debugger",
        "-o": "ini overrides can load plugins and change what runs",
        "--override-ini": "ini overrides can load plugins and change what runs",
        "--debug": WRITES,
        "--log-file": WRITES,
        "--result-log": WRITES,
        "--resultlog": WRITES,
    },
)

#: ``python -m MODULE`` modules with built-in rules of their own.


def _py_compile(operands: tuple[str, ...], options: Options) -> str | None:
    if "-" in operands:
        return (
            "py_compile: '-' reads the names of the files to compile from stdin, which the "
            "decision cannot see (they could name any path); name the files"
        )
    return None


#: ``python -m py_compile FILE...``: byte-compiles the files it is named (``-q``: quietly).
PY_COMPILE = Spec(flags=_s("-q", "--quiet", "-h", "--help"), extra=_py_compile)
PYTHON_MODULES: Mapping[str, Spec] = {"pytest": PYTEST, "pip": PIP, "py_compile": PY_COMPILE}
#: Modules whose purpose is to serve the workspace on a port: a rule that grants inline code
#: still does not grant them by name (``-m M`` is otherwise no more than ``-c`` can do).
SERVING_MODULES = frozenset({"http.server", "xmlrpc.server", "smtpd", "wsgiref.simple_server"})


def check_python_options(before: tuple[str, ...]) -> None:
    """Check python's own options before ``-m`` (raise :class:`ArgRefusal`)."""
    parse(attrs.evolve(PYTHON, denied={}, extra=None), before, "python")


def python_module(args: tuple[str, ...]) -> tuple[tuple[str, ...], str, tuple[str, ...]] | None:
    """(options before -m, module, the module's argv) when ``args`` (argv[1:]) run a module."""
    for i, arg in enumerate(args):
        if not arg.startswith("-") or arg == "--":
            return None
        if arg == "-m" and i + 1 < len(args):
            return args[:i], args[i + 1], args[i + 2 :]
        if arg.startswith("-m") and len(arg) > 2 and not arg.startswith("--"):
            return args[:i], arg[2:], args[i + 1 :]
    return None
