"""Built-in rules for the programs agents use most: which options each accepts. Pure.

When a policy allows a program by name (``[[allow]] command = "grep"``), execgate applies the
program's built-in rules unless the rule says ``args = "any"``: every option must be one the
program's table knows (deny-unknown-flags), options that run other programs, write outside
what the rule grants or load code are refused with the reason, and path-valued options (``-C``,
``--git-dir``, ``--output``, ``--basetemp``, ``-o``...) must name paths inside the workspace.
Options are read the way the program reads them: GNU long options with unique-prefix
abbreviations (``--upload-pa``) and ``--opt=value``, bundled short flags (``-rn``) with an
attached value ending the bundle (``-C../x``, ``-n5``), ``--`` ending the options, and for Go
single-dash long options (``-race``, ``-run=X``).

A program's table is its safe use: reading, listing, building and testing the workspace.
Writing or networking beyond that is something the policy grants explicitly with a mode rule
(``"pip install"``) whose remaining arguments are then free, or ``args = "any"``.

The package holds the option reader (:mod:`._reader`), the sed and awk script readers
(:mod:`._scripts`) and one module of tables per family of programs; this module maps program
names to their tables and applies a rule's mode words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from ._reader import ArgRefusal, Checked, Spec, inline_accepted, parse
from ._scripts import awk_program_refusal, sed_script_refusal
from .archivers import TAR, tar_old_style
from .build import CARGO, GO, MAKE
from .coreutils import CAT, DIFF, GREP, HEAD, LS, RG, SORT, TAIL, WC
from .git import GIT
from .interpreters import PERL, RUBY
from .network import CURL, RSYNC, SCP, SSH, ssh_option_refusal
from .node import NODE, NPM, NPX
from .python import (
    PIP,
    PYTEST,
    PYTHON,
    PYTHON_MODULES,
    SERVING_MODULES,
    check_python_options,
    python_module,
)
from .text import AWK, SED

__all__ = [
    "BUILTINS",
    "PYTHON_MODULES",
    "ArgRefusal",
    "Checked",
    "Spec",
    "awk_program_refusal",
    "builtin_for",
    "check",
    "check_python_options",
    "python_module",
    "sed_script_refusal",
    "ssh_option_refusal",
    "with_flags",
]

#: Program name (basename, version suffix removed) → its built-in rules.
BUILTINS: Mapping[str, Spec] = {
    "ls": LS,
    "cat": CAT,
    "head": HEAD,
    "tail": TAIL,
    "wc": WC,
    "grep": GREP,
    "egrep": GREP,
    "fgrep": GREP,
    "rg": RG,
    "sort": SORT,
    "diff": DIFF,
    "sed": SED,
    "awk": AWK,
    "gawk": AWK,
    "mawk": AWK,
    "tar": TAR,
    "python": PYTHON,
    "pip": PIP,
    "node": NODE,
    "npm": NPM,
    "npx": NPX,
    "make": MAKE,
    "pytest": PYTEST,
    "py.test": PYTEST,
    "cargo": CARGO,
    "go": GO,
    "curl": CURL,
    "git": GIT,
    "perl": PERL,
    "ruby": RUBY,
    "rsync": RSYNC,
    "ssh": SSH,
    "scp": SCP,
}

_VERSION = re.compile(r"[\d.]+$")


def builtin_for(name: str) -> tuple[str, Spec] | None:
    """The built-in rules for a program named ``name`` (python3.11 → python), if any."""
    base = name.rsplit("/", 1)[-1]
    if base in BUILTINS:
        return base, BUILTINS[base]
    trimmed = _VERSION.sub("", base)
    if trimmed in BUILTINS:
        return trimmed, BUILTINS[trimmed]
    return None


def with_flags(spec: Spec, extra: tuple[str, ...]) -> Spec:
    """``spec`` (and its subcommands') accepting ``extra`` options too: ``"--x"`` a flag,
    ``"--x="`` an option with a value. Named options are no longer refused."""
    if not extra:
        return spec
    valued = frozenset(e[:-1] for e in extra if e.endswith("="))
    flags = frozenset(e for e in extra if not e.endswith("="))
    subs = tools = None
    if spec.subcommands is not None:
        subs = {k: with_flags(v, extra) for k, v in spec.subcommands.items()}
    if spec.tools is not None:
        tools = {k: with_flags(v, extra) for k, v in spec.tools.items()}
    return attrs.evolve(
        spec,
        flags=spec.flags | flags,
        valued=spec.valued | valued,
        denied={k: v for k, v in spec.denied.items() if k not in flags | valued},
        subcommands=subs,
        tools=tools,
    )


def _git_config_scope(args: tuple[str, ...]) -> None:
    """A `git config` rule grants the repository's own configuration, never ~/.gitconfig,
    /etc/gitconfig or another file: a filter or alias written there runs in every later job
    and in the user's own git, and no check reads those files."""
    for a in args:
        if a == "--":
            return
        name = a.partition("=")[0]
        if (
            name in ("--global", "--system", "-f", "--file", "--blob")
            or (
                len(name) > 3
                and any(o.startswith(name) for o in ("--global", "--system", "--file"))
            )
            or (a.startswith("-f") and not a.startswith("--"))
        ):
            raise ArgRefusal(
                f"git config: {a[:40]} reaches configuration outside the repository "
                "(~/.gitconfig, /etc/gitconfig, another file); a git config rule grants the "
                "repository's own"
            )


def check(name: str, spec: Spec, args: tuple[str, ...], mode: tuple[str, ...]) -> Checked:
    """Check ``args`` (argv[1:]) of program ``name`` under its built-in rules. ``mode`` is the
    rule's mode words (``("-m", "pytest")``, ``("install",)``): a mode the policy names
    explicitly is granted, and only what follows it is checked — by the mode's own rules when
    execgate has them, else not at all."""
    if name == "python":
        module = python_module(args)
        if module is not None:
            before, mod, rest = module
            parse(attrs.evolve(PYTHON, denied={}, extra=None), before, name)
            sub = PYTHON_MODULES.get(mod)
            # the mode words after "-m MOD" (rule "python3 -m pip install" → ("install",))
            granted = tuple(mode[2:]) if tuple(mode[:2]) == ("-m", mod) else None
            if sub is None:
                if granted is not None:
                    return Checked(())
                if mod in SERVING_MODULES:
                    raise ArgRefusal(
                        f"python: -m {mod} serves the workspace on a network port; a mode rule "
                        f'such as "python3 -m {mod}" grants it by name'
                    )
                if inline_accepted(spec):
                    # a rule granting -c grants any installed module: `-m M` is `-c "import
                    # runpy; runpy.run_module('M')"`; what M's words name is still confined
                    return Checked(())
                raise ArgRefusal(
                    f"python: -m {mod} is refused: only modules with built-in rules "
                    f"({', '.join(sorted(PYTHON_MODULES))}) or a mode rule such as "
                    f'"python3 -m {mod}" may be run'
                )
            return check(f"python -m {mod}", sub, rest, granted or ())
    if mode and spec.subcommands is not None:
        sub = spec.subcommands.get(mode[0])
        if sub is None or sub.reading_subset:
            # the policy grants this subcommand explicitly: a mode the table lacks, or one
            # whose table is only its reading subset (`git stash` grants `git stash push`)
            if name == "git" and mode[0] == "config":
                _git_config_scope(args)
            return Checked(())
    if mode and spec.tools is not None and mode[0] in spec.tools and args[:1] == mode[:1]:
        # `npx jest`: the mode word is what npx runs, and its words are read with its table
        return parse(spec.tools[mode[0]], args[1:], f"{name} {mode[0]}")
    if mode and spec.subcommands is None and not mode[0].startswith("-") and name != "python":
        return Checked(())  # `npx cowsay`: the mode word is what the program runs
    if name == "tar" and args and not args[0].startswith("-"):
        args = tar_old_style(spec, args)
    return parse(spec, args, name)
