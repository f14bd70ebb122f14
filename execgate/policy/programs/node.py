"""Tables for the Node toolchain: node, npm and npx. Pure."""

from __future__ import annotations

from ._reader import LOADS_CODE, Options, Spec, _s


def no_stdin_program(operands: tuple[str, ...], options: Options) -> str | None:
    if not operands and not {"-v", "--version", "-h", "--help"} & {n for n, _ in options}:
        return "without a script file it reads a program from stdin, which cannot be decided"
    return None


def _npm_version(operands: tuple[str, ...], options: Options) -> str | None:
    if operands:
        return (
            "bumping a version runs package.json's preversion/version/postversion scripts and "
            "git commit (its hooks); only `npm version` (printing versions) is built in"
        )
    return None


def _npx(operands: tuple[str, ...], options: Options) -> str | None:
    return "it runs packages fetched from a registry" if operands else None


NODE = Spec(
    flags=_s(
        "-v",
        "--version",
        "-h",
        "--help",
        "--no-warnings",
        "--enable-source-maps",
        "--trace-warnings",
        "--no-deprecation",
        "--trace-uncaught",
        "--test",
        "--experimental-vm-modules",
        "--no-experimental-fetch",
    ),
    valued=_s(
        "--max-old-space-size",
        "--stack-size",
        "--test-reporter",
        "--test-name-pattern",
        "--input-type",
    ),
    denied={
        "-e": "inline code cannot be decided; run a script file in the workspace",
        "--eval": "inline code cannot be decided",
        "-p": "inline code cannot be decided",
        "--print": "inline code cannot be decided",
        "-r": LOADS_CODE,
        "--require": LOADS_CODE,
        "--import": LOADS_CODE,
        "--loader": LOADS_CODE,
        "--experimental-loader": LOADS_CODE,
        "-i": "interactive mode reads code from stdin",
        "--interactive": "interactive mode reads code from stdin",
        "--inspect": "it opens a debugger port",
        "--inspect-brk": "it opens a debugger port",
    },
    posix=True,
    script_operand=True,
    extra=no_stdin_program,
)
NPM_READ = Spec(
    flags=_s(
        "--json",
        "--long",
        "-l",
        "--all",
        "-a",
        "--parseable",
        "-p",
        "--global",
        "-g",
        "--prod",
        "--dev",
        "--silent",
        "-s",
        "--help",
        "-h",
    ),
    valued=_s("--depth", "--omit", "--workspace", "-w"),
)
NPM = Spec(
    flags=_s("-v", "--version", "-h", "--help", "-s", "--silent", "-q", "--quiet"),
    subcommands={
        "ls": NPM_READ,
        "list": NPM_READ,
        "outdated": NPM_READ,
        "view": NPM_READ,
        "help": NPM_READ,
        "version": Spec(flags=_s("--json"), extra=_npm_version, reading_subset=True),
        "explain": NPM_READ,
        "why": NPM_READ,
    },
    posix=True,
)
NPX = Spec(flags=_s("-v", "--version", "-h", "--help"), posix=True, extra=_npx)
