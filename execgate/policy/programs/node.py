"""Tables for the Node toolchain: node, npm and npx. Pure."""

from __future__ import annotations

from ._reader import LOADS_CODE, Options, Spec, _s
from .node_tools import NPX_TOOLS

#: The reporters node's test runner has built in; any other name is a module it imports.
TEST_REPORTERS = frozenset({"spec", "tap", "dot", "junit", "lcov"})


def no_stdin_program(operands: tuple[str, ...], options: Options) -> str | None:
    """Without a script (and without ``--test``, which finds the workspace's test files)
    node reads its program from stdin; ``--test-reporter`` takes only the built-in
    reporters (``spec``, ``tap``, ``dot``, ``junit``, ``lcov``): any other is a module."""
    names = {n for n, _ in options}
    for name, value in options:
        if name == "--test-reporter" and value not in TEST_REPORTERS:
            known = ", ".join(sorted(TEST_REPORTERS))
            return (
                f"--test-reporter {str(value)[:60]!r} is a module node would import (code "
                f"execgate cannot decide); the built-in reporters are {known}"
            )
    if not operands and not {"-v", "--version", "-h", "--help", "--test"} & names:
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
    """A package to run needs a mode rule naming it (``"npx tsc"``): npx runs the project's
    copy, or fetches one from the registry."""
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
        "--test-only",
        "--test-force-exit",
        "--test-update-snapshots",
        "--experimental-test-coverage",
        "--experimental-test-snapshots",
        "--experimental-test-module-mocks",
        "--experimental-vm-modules",
        "--no-experimental-fetch",
    ),
    valued=_s(
        "--max-old-space-size",
        "--stack-size",
        "--test-reporter",
        "--test-reporter-destination",
        "--test-name-pattern",
        "--test-skip-pattern",
        "--test-concurrency",
        "--test-timeout",
        "--test-shard",
        "--test-isolation",
        "--test-coverage-include",
        "--test-coverage-exclude",
        "--test-coverage-branches",
        "--test-coverage-functions",
        "--test-coverage-lines",
        "--input-type",
    ),
    # where a reporter writes: stdout, stderr or a file, which must be in the workspace
    paths=_s("--test-reporter-destination"),
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
        "--test-global-setup": LOADS_CODE,
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
NPX = Spec(flags=_s("-v", "--version", "-h", "--help"), posix=True, extra=_npx, tools=NPX_TOOLS)
