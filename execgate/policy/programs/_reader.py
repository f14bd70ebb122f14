"""The option reader: how a program reads its arguments, checked against its table. Pure.

:func:`parse` reads options the way the program does: GNU long options with unique-prefix
abbreviations (``--upload-pa``) and ``--opt=value``, bundled short flags (``-rn``) with an
attached value ending the bundle (``-C../x``, ``-n5``), ``--`` ending the options, and for Go
single-dash long options (``-race``, ``-run=X``). Every option must be one the table knows
(deny-unknown-flags); the first refused one raises :class:`ArgRefusal`. The tables themselves
live in the family modules next to this one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Literal

import attrs

#: A parsed option: its canonical name (abbreviations resolved) and its value, if any.
Option = tuple[str, str | None]
Options = tuple[Option, ...]


@attrs.frozen
class Spec:
    """What one program (or one subcommand) accepts."""

    #: Options without a value ("-l", "--all").
    flags: frozenset[str] = frozenset()
    #: Options with a value ("-n", "--max-count"); attached or as the next argument.
    valued: frozenset[str] = frozenset()
    #: Options with an optional value: ``--color[=WHEN]``, ``-u[MODE]``, ``-j [N]`` (a short
    #: one takes the rest of its bundle, or a following all-digit argument).
    optional: frozenset[str] = frozenset()
    #: Valued options whose value is a path that must resolve inside the workspace.
    paths: frozenset[str] = frozenset()
    #: Options refused, with why.
    denied: Mapping[str, str] = attrs.field(factory=dict)
    #: The first operand is a program file to run (a script): it must be in the workspace.
    script_operand: bool = False
    #: Options end at the first operand (what follows belongs to a script or a subcommand).
    posix: bool = False
    #: With ``posix``: how many operands the program reads before options end. ssh reads its
    #: options again after the destination (``ssh host -oProxyCommand=x``): 1 there, so only
    #: the operand after the host (the remote command) ends them.
    operands_before_end: int = 0
    #: Go's flag package: "-race" and "--race" are one option, no bundling, no abbreviation.
    single_dash_long: bool = False
    #: "-NUM" is an option (head -5, tail -20, diff -3).
    numeric: bool = False
    #: argv[0] of the operands selects a subcommand (git, cargo, go, pip, npm).
    subcommands: Mapping[str, Spec] | None = None
    #: What else to check on the parsed arguments (URLs, scripts); returns a refusal reason.
    extra: Callable[[tuple[str, ...], Options], str | None] | None = None
    #: The option that runs inline code (python's ``-c``): where a policy accepts it
    #: (``allow_flags``), a program read from stdin (``python - <<'EOF'``) is accepted too,
    #: being no more than the same code given inline.
    inline_code: str | None = None
    #: Files the parsed arguments name in another way (a sed script's ``r FILE``): each must
    #: be inside the workspace, as the values of ``paths`` options must.
    extra_paths: Callable[[tuple[str, ...], Options], tuple[str, ...]] | None = None
    #: The table holds only the reading subset of a subcommand that also writes (``git
    #: stash``): a mode rule naming the subcommand grants all of it.
    reading_subset: bool = False
    #: Programs this one runs by name (npx's packages): only a mode rule naming one grants
    #: it (``"npx tsc"``), and the words after the name are then read with its table.
    tools: Mapping[str, Spec] | None = None
    #: How the program spells its options, rewritten into the reader's form before they are
    #: read (yargs' kebab-case and camelCase names, tsc's case-insensitive ones); it raises
    #: :class:`ArgRefusal` for a word it cannot rewrite.
    normalize: Callable[[tuple[str, ...]], tuple[str, ...]] | None = None

    @property
    def longs(self) -> tuple[str, ...]:
        names = (*self.flags, *self.valued, *self.optional, *self.denied)
        return tuple(sorted(o for o in names if o[:2] == "--"))


@attrs.frozen
class ArgRefusal(Exception):
    reason: str
    #: "flag" (an option the table refuses) or "path" (a path outside the workspace).
    kind: Literal["flag", "path"] = "flag"
    arg: str = ""
    #: What a policy could add to allow it: an option the table does not know (``"--cov="``,
    #: for ``allow_flags``) or a subcommand it lacks (``"commit"``, for a mode rule). None
    #: for a refusal the table makes on purpose (an option that runs programs, writes...).
    unknown_flag: str | None = None
    unknown_subcommand: str | None = None


@attrs.frozen
class Checked:
    """The arguments as the program will read them."""

    #: Values of path-valued options and script operands: each must be inside the workspace.
    paths: tuple[str, ...]
    #: The options read (canonical names) and the operands, for checks that look further
    #: (a configuration file an option names).
    options: Options = ()
    operands: tuple[str, ...] = ()


def unique_long(name: str, longs: Collection[str]) -> str | None:
    """The long option ``name`` stands for: itself, or the one option of ``longs`` it is an
    unambiguous prefix of (getopt_long and git's parse-options both take those); else None."""
    if name in longs:
        return name
    hits = [o for o in longs if o.startswith(name)] if len(name) > 2 else []
    return hits[0] if len(hits) == 1 else None


def _long(spec: Spec, name: str, program: str) -> str:
    """Resolve a GNU long option name, exact or a unique prefix (getopt_long's rule)."""
    if name in spec.flags or name in spec.valued or name in spec.optional or name in spec.denied:
        return name
    hits = [o for o in spec.longs if o.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise ArgRefusal(f"{program}: {name!r} is ambiguous ({', '.join(hits[:4])})", arg=name)
    raise ArgRefusal(
        f"{program}: option {name!r} is not one execgate's built-in rules accept", arg=name
    )


def _refused(spec: Spec, option: str, program: str) -> None:
    why = spec.denied.get(option)
    if why is not None:
        raise ArgRefusal(f"{program}: {option} is refused: {why}", arg=option)


_NUMERIC = re.compile(r"^-\d+$")


def parse(spec: Spec, args: tuple[str, ...], program: str) -> Checked:
    """Check ``args`` against ``spec``; raise :class:`ArgRefusal` for the first refused one."""
    if spec.normalize is not None:
        args = spec.normalize(args)
    option_paths: list[str] = []
    operands: list[str] = []
    options: list[Option] = []
    i = 0
    only_operands = False
    while i < len(args):
        arg = args[i]
        i += 1
        if only_operands or arg == "-" or not arg.startswith("-"):
            if spec.subcommands is not None and not operands and not only_operands:
                sub = spec.subcommands.get(arg)
                if sub is None:
                    known = ", ".join(sorted(spec.subcommands))
                    raise ArgRefusal(
                        f"{program}: {arg!r} is not a subcommand execgate's built-in rules "
                        f"accept (an alias or a command that writes or runs code; allowed: "
                        f"{known})",
                        arg=arg,
                        unknown_subcommand=arg,
                    )
                inner = parse(sub, args[i:], f"{program} {arg}")
                return Checked(
                    (*option_paths, *inner.paths), (*options, *inner.options), inner.operands
                )
            if spec.script_operand and not operands:
                if arg == "-" and inline_accepted(spec):
                    operands.append(arg)
                    if spec.posix:
                        only_operands = True
                    continue
                if arg == "-":
                    raise ArgRefusal(
                        f"{program}: '-' reads the program from stdin, which cannot be decided",
                        arg=arg,
                    )
                option_paths.append(arg)
            operands.append(arg)
            if spec.posix and len(operands) > spec.operands_before_end:
                only_operands = True
            continue
        if arg == "--":
            only_operands = True
            continue
        if spec.numeric and _NUMERIC.match(arg):
            options.append((arg, None))
            continue
        if arg.startswith("--") or spec.single_dash_long:
            raw, eq, value = arg.partition("=")
            if spec.single_dash_long:
                name = "-" + raw.lstrip("-")
                groups = (spec.flags, spec.valued, spec.optional, spec.denied)
                if not any(name in group for group in groups):
                    raise ArgRefusal(
                        f"{program}: option {raw!r} is not one execgate's built-in rules accept",
                        arg=raw,
                    )
            else:
                try:
                    name = _long(spec, raw, program)
                except ArgRefusal as refusal:
                    if "ambiguous" in refusal.reason:
                        raise
                    flag = raw + ("=" if eq else "")
                    raise attrs.evolve(refusal, unknown_flag=flag) from None
            _refused(spec, name, program)
            if name in spec.valued:
                if not eq:
                    if i >= len(args):
                        raise ArgRefusal(f"{program}: {name} needs a value", arg=name)
                    value = args[i]
                    i += 1
                if name in spec.paths:
                    option_paths.append(value)
                options.append((name, value))
            elif name in spec.optional:
                options.append((name, value if eq else None))
            elif eq and not spec.single_dash_long:
                raise ArgRefusal(f"{program}: {name} takes no value", arg=arg)
            else:
                options.append((name, value if eq else None))
            continue
        # bundled short options: -rn, -n5, -C../x
        for j in range(1, len(arg)):
            option = "-" + arg[j]
            _refused(spec, option, program)
            if option in spec.flags:
                options.append((option, None))
                continue
            if option in spec.optional:
                value = arg[j + 1 :]
                if not value and i < len(args) and args[i].isdigit():
                    value = args[i]  # make -j 4
                    i += 1
                options.append((option, value or None))
                break
            if option in spec.valued:
                value = arg[j + 1 :]
                if not value:
                    if i >= len(args):
                        raise ArgRefusal(f"{program}: {option} needs a value", arg=option)
                    value = args[i]
                    i += 1
                if option in spec.paths:
                    option_paths.append(value)
                options.append((option, value))
                break
            raise ArgRefusal(
                f"{program}: option {option!r} (in {arg[:40]!r}) is not one execgate's "
                "built-in rules accept",
                arg=arg,
                unknown_flag=option,
            )
    if spec.extra is not None and not (spec.script_operand and inline_accepted(spec)):
        reason = spec.extra(tuple(operands), tuple(options))
        if reason is not None:
            raise ArgRefusal(f"{program}: {reason}")
    if spec.extra_paths is not None:
        option_paths.extend(spec.extra_paths(tuple(operands), tuple(options)))
    return Checked(tuple(option_paths), tuple(options), tuple(operands))


def inline_accepted(spec: Spec) -> bool:
    """Whether ``spec`` accepts its inline-code option (a policy's ``allow_flags``)."""
    return spec.inline_code is not None and (
        spec.inline_code in spec.flags or spec.inline_code in spec.valued
    )


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


#: Reasons the tables give for refusing an option.
RUNS_PROGRAM = "it runs another program, which execgate cannot decide"
WRITES = "it writes files; grant writing explicitly"
LOADS_CODE = "it loads code or configuration that execgate cannot decide"
