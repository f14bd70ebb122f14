"""The Gatekeeper's core: one request and one policy in, one decision out.

No I/O beyond the filesystem look-ups needed to resolve paths (realpath, stat), and no event
loop. The rules, in the order they are applied; the first that refuses decides:

==  ===================================  ======================  ===========================
#   check                                refusal code            rule named in the decision
==  ===================================  ======================  ===========================
1   limits <= the policy's maxima        EG-LIMIT-EXCEEDED       limits.maximum.<name>
2   cwd resolves inside the workspace    EG-CWD-ESCAPE/-INVALID  workspace.root / cwd_roots
3   command line is a simple command     EG-SHELL-UNSUPPORTED    shell
4   env overrides are allowed names      EG-ENV-DENIED           env.allow
5   program resolves to a file           EG-PROGRAM-NOT-FOUND    program
6   no [[deny]] rule matches             EG-POLICY-DENIED        deny[i]
7   an [[allow]] rule matches            EG-POLICY-NOT-ALLOWED   default-deny
8   no argument is in its deny_args      EG-POLICY-ARG-DENIED    allow[i].deny_args
9   a wrapper's inner command passes     EG-POLICY-WRAPPER, or   allow[i].wrapper, or the
    1-9 itself (env, timeout, nice, ...)  the inner refusal       inner rule "(inside env)"
==  ===================================  ======================  ===========================

Programs are matched by identity, not by name: a rule's program is resolved on the policy's
PATH, the request's program on the same PATH (or as a path relative to cwd), and both are
compared after ``realpath``. ``./ls`` planted in the workspace is therefore not ``ls``. PATH
entries that are relative or inside the workspace are dropped, so the job cannot plant a
program that a bare name would find first.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import time
import unicodedata
from collections.abc import Mapping
from typing import Any

import attrs

from ..models import (
    LOG_LEVELS,
    RLIMIT_FIELDS,
    Decision,
    ExecPlan,
    ExecRequest,
    Limits,
    SandboxPlan,
)
from ._env import inherited, override_refusal
from ._model import AllowRule, DenyRule, Policy
from ._programs import ArgRefusal, builtin_for, with_flags
from ._programs import check as check_builtin
from ._script import parse_script, render, split_heredoc
from ._shell import ShellRefusal, split_command
from ._wrappers import MAX_DEPTH, WRAPPERS, WrapperRefusal, unwrap

FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin"


@attrs.frozen
class Verdict:
    decision: Decision
    plan: ExecPlan | None
    #: The argv that was decided on (after shell splitting), for the record; None if the
    #: command line could not be split.
    argv: tuple[str, ...] | None = None
    cwd: str | None = None


def _abbreviates(arg: str, pattern: str) -> bool:
    """``--outp=x`` for a denied ``--output*``: getopt_long accepts any unambiguous prefix of
    a long option, so a denied long option is denied in every abbreviation."""
    if not (pattern.startswith("--") and arg.startswith("--")):
        return False
    denied = pattern[2:].split("=", 1)[0].rstrip("*")
    given = arg[2:].split("=", 1)[0]
    return bool(given) and bool(denied) and denied.startswith(given)


def _deny(code: str, rule: str, reason: str, **kw: object) -> Verdict:
    return Verdict(Decision(verdict="deny", code=code, rule=rule, reason=reason), None, **kw)  # type: ignore[arg-type]


#: What a path that cannot be resolved (a permission error inside /proc, a loop) resolves to:
#: a place that is inside nothing, so every check refuses it.
UNRESOLVABLE = "\x00unresolvable"


def _real(path: str) -> str:
    """realpath, never raising: a path that cannot be resolved is refused, not an error.

    An existing path is resolved by the kernel: opened with ``O_PATH`` (no open of a device
    or FIFO, no read permission needed) and its ``/proc/self/fd`` link read back -- three
    system calls, where ``os.path.realpath`` makes one per component and is most of a
    decision's cost. Anything else -- a missing path, a loop, no /proc, a link that is not
    a plain path (a pipe, an unlinked file) -- goes to ``os.path.realpath``, which gives the
    same answer for every path the kernel resolves (tested against it)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (OSError, ValueError):
        return _realpath(path)
    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return _realpath(path)
    finally:
        os.close(fd)
    if not real.startswith("/") or real.endswith(" (deleted)"):
        return _realpath(path)
    return real


def _realpath(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return UNRESOLVABLE


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def effective_limits(policy: Policy, request: ExecRequest) -> Limits | Verdict:
    """The request's limits, else the policy's defaults; a request above a maximum is
    refused, never clamped. A resource limit with a maximum and no default gets the maximum."""
    lim = policy.limits
    mx = lim.maximum
    values: dict[str, Any] = {}
    for name in ("timeout", "kill_grace", "max_output_bytes", *RLIMIT_FIELDS):
        asked, maximum = getattr(request, name), getattr(mx, name)
        if asked is not None and maximum is not None and asked > maximum:
            return _deny(
                "EG-LIMIT-EXCEEDED",
                f"limits.maximum.{name}",
                f"{name}={asked} is above this policy's maximum of {maximum}; "
                "ask for less, or have the operator raise the maximum",
            )
        default = getattr(lim, name)
        values[name] = asked if asked is not None else default if default is not None else maximum
    if request.log_level is not None and LOG_LEVELS.index(request.log_level) > LOG_LEVELS.index(
        policy.recorder.level
    ):
        return _deny(
            "EG-LIMIT-EXCEEDED",
            "recorder.level",
            f"log_level={request.log_level} records more than this policy allows "
            f"({policy.recorder.level})",
        )
    return Limits(on_output_overflow=request.on_output_overflow, **values)


def resolve_cwd(policy: Policy, cwd: str) -> str | Verdict:
    root = policy.root
    joined = os.path.join(root, cwd)  # an absolute cwd replaces root here: checked below
    real = _real(joined)
    if not _inside(real, root):
        return _deny(
            "EG-CWD-ESCAPE",
            "workspace.root",
            f"cwd {cwd!r} resolves outside the workspace {root}; give a path inside it",
        )
    if policy.workspace.cwd_roots:
        subs = [_real(os.path.join(root, s)) for s in policy.workspace.cwd_roots]
        if not any(_inside(real, s) for s in subs):
            return _deny(
                "EG-CWD-ESCAPE",
                "workspace.cwd_roots",
                f"cwd {cwd!r} is not under any of the allowed sub-roots "
                f"{list(policy.workspace.cwd_roots)}",
            )
    if not os.path.isdir(real):
        return _deny("EG-CWD-INVALID", "workspace.root", f"cwd {cwd!r} is not a directory")
    return real


def _lookalike(name: str) -> str | None:
    """Why a program name is refused for its characters, or None. Real program names are
    ASCII; anything else (fullwidth letters, Cyrillic look-alikes, zero-width joiners) is at best a
    mistake and at worst an attempt to pass for an allowed name. Normalising is used only to
    say what it looks like, never to match."""
    if name.isascii() and name.isprintable():
        return None
    looks = unicodedata.normalize(
        "NFKC", "".join(c for c in name if unicodedata.category(c) != "Cf")
    )
    hint = f" (it looks like {looks!r})" if looks != name and looks.isascii() else ""
    return (
        f"program name {name!r} contains non-ASCII, invisible or control characters{hint}; "
        "execgate refuses names that could pass for another program"
    )


_DEVICES_OK = frozenset({"/dev/null"})


def _path_values(arg: str) -> list[str]:
    """The parts of one argument that may name a path."""
    if arg == "-" or not arg:
        return []
    if not arg.startswith("-"):
        return [arg]
    if "=" in arg:  # --file=PATH
        return [arg.partition("=")[2]]
    if not arg.startswith("--") and len(arg) > 2 and arg[2] in "/.~":  # -f/PATH, -C../x
        return [arg[2:]]
    return []


def _path_outside(policy: Policy, cwd: str, args: tuple[str, ...]) -> str | None:
    """The first argument that names a path outside the workspace (or a device), if any.

    Every non-option argument counts as a path: for a read-only program that is what they
    are, and a pattern that merely looks like an outside path is refused (safe side)."""
    root = policy.root
    for arg in args:
        for value in _path_values(arg):
            real = _real(os.path.join(cwd, value))
            if real in _DEVICES_OK:
                continue
            if not _inside(real, root) or real.startswith(("/proc/", "/dev/")):
                return arg
    return None


_path_cache: dict[tuple[str, str], tuple[float, str]] = {}


def search_path(policy: Policy, host_env: Mapping[str, str]) -> str:
    """The PATH used both to resolve programs and in the job's environment (remembered for
    ``RULE_CACHE_SECONDS``: a realpath per entry is most of a decision's cost otherwise)."""
    raw = policy.env.path if policy.env.path is not None else host_env.get("PATH", FALLBACK_PATH)
    key, now = (raw, policy.root), time.monotonic()
    hit = _path_cache.get(key)
    if hit is not None and now - hit[0] < RULE_CACHE_SECONDS:
        return hit[1]
    if len(_path_cache) > 256:
        _path_cache.clear()
    result = _filter_path(raw, policy.root)
    _path_cache[key] = (now, result)
    return result


def _filter_path(raw: str, root: str) -> str:
    keep = []
    for entry in raw.split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue
        if _inside(_real(entry), root):
            continue
        keep.append(entry)
    return os.pathsep.join(keep)


def build_env(
    policy: Policy, request: ExecRequest, host_env: Mapping[str, str], path: str
) -> dict[str, str] | Verdict:
    for name, value in request.env_overrides.items():
        why = override_refusal(policy.env, name, value)
        if why is not None:
            return _deny("EG-ENV-DENIED", "env.allow", f"env override {why}")
    env = inherited(policy.env, host_env)
    env.update(policy.env.set)  # the operator's fixed values are trusted as written
    env["PATH"] = path
    for name, value in request.env_overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


_which_cache: dict[tuple[str, str], tuple[float, str]] = {}


def _which(name: str, path: str, cwd: str) -> str | None:
    """The program ``name`` runs as: a path (relative to ``cwd``) as it is, a bare name
    looked up on ``path``. A bare name's lookup is remembered for ``RULE_CACHE_SECONDS`` while
    what it found is still executable: a walk of PATH costs a stat or three per entry (~100 µs,
    most of a shell line's decision), and the plan runs the path found, decided on afresh
    every time (``_real``), so a stale answer only means a program installed earlier on PATH is
    seen within those seconds. A name with a slash is looked at every time (a relative one
    names the workspace, which the job writes)."""
    if "/" in name:
        candidate = os.path.join(cwd, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.normpath(candidate)
        return None
    key, now = (name, path), time.monotonic()
    hit = _which_cache.get(key)
    if hit is not None and now - hit[0] < RULE_CACHE_SECONDS and os.access(hit[1], os.X_OK):
        return hit[1]
    found = shutil.which(name, path=path)
    if found is not None:
        if len(_which_cache) > 4096:
            _which_cache.clear()
        _which_cache[key] = (now, found)
    return found


#: How long a rule's resolved program is remembered. Resolving every rule on every request
#: costs a stat() per PATH entry per rule (~130 µs for the default policy); a program
#: installed or replaced is seen within this many seconds.
RULE_CACHE_SECONDS = 2.0
_rule_cache: dict[tuple[AllowRule | DenyRule, str], tuple[float, str | None]] = {}


def _rule_program(rule: AllowRule | DenyRule, path: str) -> str | None:
    key = (rule, path)
    now = time.monotonic()
    hit = _rule_cache.get(key)
    if hit is not None and now - hit[0] < RULE_CACHE_SECONDS:
        return hit[1]
    if rule.path is not None:
        resolved: str | None = _real(rule.path)
    else:
        first = rule.command.split()[0]
        found = first if os.path.isabs(first) else shutil.which(first, path=path)
        resolved = _real(found) if found else None
    if resolved == UNRESOLVABLE:
        resolved = None
    if len(_rule_cache) > 4096:
        _rule_cache.clear()
    _rule_cache[key] = (now, resolved)
    return resolved


def _matches(
    rule: AllowRule | DenyRule, program_real: str, argv: tuple[str, ...], path: str
) -> bool:
    words = rule.command.split()
    if program_real == UNRESOLVABLE or _rule_program(rule, path) != program_real:
        return False
    mode = tuple(words[1:])
    return tuple(argv[1 : 1 + len(mode)]) == mode


def evaluate(policy: Policy, request: ExecRequest, host_env: Mapping[str, str]) -> Verdict:
    """Decide on ``request``. Returns the decision and, when allowed, the plan to run."""
    return _evaluate(policy, request, host_env, 0)


def _inner_verdict(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    depth: int,
    argv: tuple[str, ...],
    real: str,
    rule_name: str,
) -> Verdict | None:
    """For a wrapper (env, timeout, ...): the refusal of its inner command, or None when
    the inner command is allowed too (or ``argv`` is no wrapper)."""
    names = {os.path.basename(argv[0]), os.path.basename(real)}
    program = next((n for n in sorted(names) if n in WRAPPERS or n in ("xargs", "find")), None)
    if program is None:
        return None
    try:
        unwrapped = unwrap(program, argv)
    except WrapperRefusal as refusal:
        return _deny("EG-POLICY-WRAPPER", f"{rule_name}.wrapper", refusal.reason)
    if unwrapped is None or not unwrapped.inner:
        return None
    if depth + 1 > MAX_DEPTH:
        return _deny("EG-POLICY-WRAPPER", f"{rule_name}.wrapper", "wrappers nested too deep")
    for word in unwrapped.assigns:
        name, _, value = word.partition("=")
        why = override_refusal(policy.env, name, value)
        if why is not None:
            return _deny("EG-ENV-DENIED", "env.allow", f"{program} sets {why}")
    inner = _evaluate(
        policy, attrs.evolve(request, argv=unwrapped.inner, command=None), host_env, depth + 1
    )
    if inner.decision.allowed:
        return None
    d = inner.decision
    if d.verdict == "ask":
        # the inner rule asks: so does the whole command (under the inner rule, so that a
        # grant for it covers the wrapped form too)
        return Verdict(attrs.evolve(d, reason=f"inside {program}: {d.reason}"), None)
    return _deny(d.code, f"{d.rule} (inside {program})", f"inside {program}: {d.reason}")


def _sandbox_plan(policy: Policy, request: ExecRequest) -> SandboxPlan | None:
    """Secure mode for this request: the request may require it, never turn it off."""
    mode = "required" if request.secure else policy.sandbox.secure
    if mode == "off":
        return None
    read = tuple(os.path.join(policy.root, p) for p in policy.sandbox.read)
    return SandboxPlan(
        required=mode == "required",
        read=read,
        write=(policy.root,),
        network=policy.sandbox.network,
    )


#: Repository config the job can write turns read-only git commands into programs
#: (fsmonitor and hooks run on `git status`, a pager on `git log`, an external diff on
#: `git diff`): under its built-in rules git runs with these switched off, unless the policy's
#: [env] set names the variables itself. Filters and textconv drivers named in
#: .gitattributes cannot be switched off this way: secure mode confines what they could do.
GIT_HARDENING = {
    "GIT_CONFIG_COUNT": "4",
    "GIT_CONFIG_KEY_0": "core.fsmonitor",
    "GIT_CONFIG_VALUE_0": "false",
    "GIT_CONFIG_KEY_1": "core.pager",
    "GIT_CONFIG_VALUE_1": "cat",
    "GIT_CONFIG_KEY_2": "core.hooksPath",
    "GIT_CONFIG_VALUE_2": "/dev/null",
    "GIT_CONFIG_KEY_3": "diff.external",
    "GIT_CONFIG_VALUE_3": "",
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
}


def _builtin_name(rule: AllowRule, real: str) -> str | None:
    found = builtin_for(rule.command.split()[0]) or builtin_for(real)
    return found[0] if found else None


def _git_hardened(policy: Policy, env: dict[str, str]) -> dict[str, str]:
    if any(k.startswith("GIT_CONFIG") for k in policy.env.set):
        return env  # the policy chose its own git configuration
    return {**env, **GIT_HARDENING}


SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh"})


def _shell_name(rule: AllowRule, real: str) -> str | None:
    for name in (os.path.basename(rule.command.split()[0]), os.path.basename(real)):
        if name in SHELLS:
            return name
    return None


def _shell_verdict(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    depth: int,
    cwd: str,
    rule_name: str,
    argv: tuple[str, ...],
) -> Verdict | None:
    """A shell allowed by name runs a script file from the workspace, or ``-c LINE`` — and
    then LINE is decided by this same policy, as if it had been sent as the command line,
    and what runs is what that decision planned (the canonical form), not the shell's own
    reading of LINE. Anything else (options, stdin programs, arguments after LINE) is
    refused: execgate cannot decide it. None: a script file in the workspace, decided as
    any program run is."""
    shell = os.path.basename(argv[0])
    # -l / --login (a login shell: ignored, since what runs is the decided plan) and -c, as
    # separate or bundled flags (`bash -lc LINE`, the form agents use most)
    letters: set[str] = set()
    i = 1
    while i < len(argv) and argv[i].startswith("-") and argv[i] not in ("-", "--"):
        word = argv[i]
        letters |= {"l"} if word == "--login" else set(word[1:]) if word[1] != "-" else {"?"}
        i += 1
    args = (("-c",) if "c" in letters else ()) + argv[i:]
    if not letters <= {"c", "l"}:
        args = ("-?", *args)
    if len(args) == 2 and args[0] == "-c":
        if depth + 1 > MAX_DEPTH:
            return _deny("EG-POLICY-WRAPPER", f"{rule_name}.wrapper", "wrappers nested too deep")
        inner = _evaluate(
            policy, attrs.evolve(request, argv=None, command=args[1]), host_env, depth + 1
        )
        d = inner.decision
        if d.verdict == "deny":
            return _deny(
                d.code,
                f"{d.rule} (inside {shell} -c)",
                f"inside {shell} -c: {d.reason}",
                argv=argv,
                cwd=cwd,
            )
        return attrs.evolve(inner, decision=attrs.evolve(d, reason=f"{d.reason} (via {shell} -c)"))
    if args and not args[0].startswith("-"):
        script = _real(os.path.join(cwd, args[0]))
        if not _inside(script, policy.root):
            return _deny(
                "EG-PATH-ESCAPE",
                f"{rule_name}.builtin",
                f"{shell}: the script {args[0][:80]!r} is outside the workspace",
                argv=argv,
                cwd=cwd,
            )
        return None
    return _deny(
        "EG-POLICY-FLAG",
        f"{rule_name}.builtin",
        f"{shell}: only `{shell} -c LINE` (LINE decided by this policy) or `{shell} SCRIPT` "
        "(a script in the workspace) are built in; options and programs read from stdin are "
        'refused (args = "any" allows everything)',
        argv=argv,
        cwd=cwd,
    )


def _builtin_verdict(
    policy: Policy,
    cwd: str,
    rule: AllowRule,
    rule_name: str,
    argv: tuple[str, ...],
    real: str,
) -> Verdict | None:
    """The refusal under the program's built-in rules (options, subcommands, path-valued
    options), or None."""
    if rule.args != "builtin":
        return None
    words = rule.command.split()
    found = builtin_for(words[0]) or builtin_for(real)
    if found is None:
        return None
    name, spec = found
    spec = with_flags(spec, rule.allow_flags)
    try:
        checked = check_builtin(name, spec, argv[1:], tuple(words[1:]))
    except ArgRefusal as refusal:
        return _deny("EG-POLICY-FLAG", f"{rule_name}.builtin", refusal.reason)
    for value in checked.paths:
        target = _real(os.path.join(cwd, os.path.expanduser(value)))
        if target in _DEVICES_OK:
            continue
        if not _inside(target, policy.root) or target.startswith(("/proc/", "/dev/")):
            return _deny(
                "EG-PATH-ESCAPE",
                f"{rule_name}.builtin",
                f"{name}: {value[:80]!r} names a path outside the workspace (options that "
                "name files, and scripts to run, must stay inside it)",
            )
    return None


SCRIPT_SHELL = "/bin/sh"


def _redirect_target(policy: Policy, cwd: str, target: str) -> str | None:
    """The absolute path a redirection may use, or None when it leaves the workspace."""
    real = _real(os.path.join(cwd, target))
    if real in _DEVICES_OK:
        return real
    if not _inside(real, policy.root) or real.startswith(("/proc/", "/dev/")):
        return None
    return real


def _evaluate_script(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    depth: int,
    cwd: str,
) -> Verdict:
    """A command line with lists, pipelines or redirections: parse it with the bash grammar,
    decide every command on its own, and plan the canonical script (see ``_script``)."""
    assert request.command is not None
    try:
        script = parse_script(request.command)
    except ShellRefusal as refusal:
        return _deny(refusal.code, "shell", refusal.reason, cwd=cwd)
    commands = script.commands
    if len(commands) == 1 and not commands[0].redirects:
        # e.g. "echo a;": one plain command after all, run as an argv with no shell
        one = attrs.evolve(request, argv=commands[0].argv, command=None)
        return _evaluate(policy, one, host_env, depth, cwd)
    if len(commands) > 1 and not policy.shell.operators:
        return _deny(
            "EG-SHELL-UNSUPPORTED",
            "shell.operators",
            "this policy accepts one simple command per request (no lists or pipelines)",
            cwd=cwd,
        )
    programs: list[str] = []
    targets: list[list[str]] = []
    rules: list[str] = []
    asks: list[str] = []
    first: Verdict | None = None
    for n, command in enumerate(commands, start=1):
        alone = attrs.evolve(request, argv=command.argv, command=None)
        verdict = _evaluate(policy, alone, host_env, depth, cwd)
        if verdict.decision.verdict == "deny" or verdict.plan is None:
            d = verdict.decision
            return _deny(
                d.code,
                f"{d.rule} (command {n})",
                f"command {n} ({command.argv[0][:40]!r}): {d.reason}",
                cwd=cwd,
            )
        if verdict.decision.verdict == "ask":
            asks.append(f"command {n}: {verdict.decision.reason}")
        first = first or verdict
        rules.append(verdict.decision.rule)
        programs.append(verdict.plan.argv[0])
        paths: list[str] = []
        for r in command.redirects:
            if r.op in (">&", "<&"):
                paths.append(r.target)
                continue
            target = _redirect_target(policy, cwd, r.target)
            writes = r.op in (">", ">>") and target not in _DEVICES_OK
            if target is not None and writes and not policy.shell.write_redirects:
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.write_redirects",
                    f"command {n} writes to {r.target[:80]!r}; this policy allows output "
                    "redirection only to /dev/null",
                    cwd=cwd,
                )
            if target is None:
                return _deny(
                    "EG-PATH-ESCAPE",
                    "shell.redirect",
                    f"command {n} redirects to {r.target[:80]!r}, outside the workspace",
                    cwd=cwd,
                )
            paths.append(target)
        targets.append(paths)
    assert first is not None and first.plan is not None
    canonical = render(script, programs, targets)
    plan = attrs.evolve(first.plan, argv=(SCRIPT_SHELL, "-c", canonical))
    rule = f"script[{len(commands)}]: {'; '.join(dict.fromkeys(rules))}"[:500]
    if asks:
        decision = Decision(
            verdict="ask", code="EG-APPROVAL-REQUIRED", rule=rule, reason="; ".join(asks)[:1000]
        )
    else:
        decision = Decision(
            verdict="allow",
            code="EG-ALLOWED",
            rule=rule,
            reason=f"every command of the line is allowed ({len(commands)} commands)",
        )
    words = tuple(w for c in commands for w in c.argv)
    return Verdict(decision, plan, words, cwd)


Ranked = tuple[tuple[str, int, AllowRule], ...]
_ranked: dict[int, tuple[Policy, Ranked]] = {}


def _ranked_rules(policy: Policy) -> Ranked:
    """The allow and ask rules as (kind, index, rule), the most specific first ("python3 -m
    mymodule" before "python3"), so that the most specific rule decides. Ranked once per
    policy (a policy is a frozen value; the entry holds it, so its id is not reused)."""
    hit = _ranked.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    rules = [("allow", i, r) for i, r in enumerate(policy.allow)]
    rules += [("ask", i, r) for i, r in enumerate(policy.ask)]
    rules.sort(key=lambda c: -len(c[2].command.split()))
    if len(_ranked) >= 64:
        _ranked.clear()
    _ranked[id(policy)] = (policy, tuple(rules))
    return _ranked[id(policy)][1]


def _evaluate(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    depth: int,
    resolved_cwd: str | None = None,
) -> Verdict:
    """``resolved_cwd``: ``request.cwd`` as the line it is a command of resolved it just now
    (four system calls a command saved)."""
    limits = effective_limits(policy, request)
    if isinstance(limits, Verdict):
        return limits
    cwd = resolve_cwd(policy, request.cwd) if resolved_cwd is None else resolved_cwd
    if isinstance(cwd, Verdict):
        return cwd
    if request.argv is not None:
        argv = request.argv
    else:
        assert request.command is not None
        try:
            argv = split_command(request.command)
        except ShellRefusal as refusal:
            if refusal.code != "EG-SHELL-UNSUPPORTED":
                return _deny(refusal.code, "shell", refusal.reason, cwd=cwd)
            if "<<" in request.command and "\n" in request.command:
                try:
                    heredoc = split_heredoc(request.command)
                except ShellRefusal as bad:
                    return _deny(bad.code, "shell", bad.reason, cwd=cwd)
                if heredoc is not None:
                    if request.stdin is not None:
                        return _deny(
                            "EG-SHELL-UNSUPPORTED",
                            "shell",
                            "both stdin and a here-document were given",
                            cwd=cwd,
                        )
                    fed = attrs.evolve(request, command=heredoc.command, stdin=heredoc.body)
                    return _evaluate(policy, fed, host_env, depth + 1)
            return _evaluate_script(policy, request, host_env, depth, cwd)
    odd = _lookalike(argv[0])
    if odd is not None:
        return _deny("EG-POLICY-LOOKALIKE", "program", odd, argv=argv, cwd=cwd)
    path = search_path(policy, host_env)
    env = build_env(policy, request, host_env, path)
    if isinstance(env, Verdict):
        return attrs.evolve(env, argv=argv, cwd=cwd)
    program = _which(argv[0], path, cwd)
    if program is None:
        return _deny(
            "EG-PROGRAM-NOT-FOUND",
            "program",
            f"program {argv[0]!r} was not found on the policy's PATH (or is not executable)",
            argv=argv,
            cwd=cwd,
        )
    real = _real(program)
    for i, deny_rule in enumerate(policy.deny):
        if _matches(deny_rule, real, argv, path):
            why = f": {deny_rule.reason}" if deny_rule.reason else ""
            return _deny(
                "EG-POLICY-DENIED",
                f"deny[{i}] {deny_rule.command!r}",
                f"{deny_rule.command!r} is denied by this policy{why}",
                argv=argv,
                cwd=cwd,
            )
    for kind, i, allow_rule in _ranked_rules(policy):
        if not _matches(allow_rule, real, argv, path):
            continue
        rule_name = f"{kind}[{i}] {allow_rule.command!r}"
        for arg in argv[1:]:
            for pat in allow_rule.deny_args:
                if fnmatch.fnmatchcase(arg, pat) or _abbreviates(arg, pat):
                    return _deny(
                        "EG-POLICY-ARG-DENIED",
                        f"{rule_name}.deny_args",
                        f"argument {arg[:80]!r} is denied for {allow_rule.command!r} "
                        f"(pattern {pat!r})",
                        argv=argv,
                        cwd=cwd,
                    )
        if allow_rule.args == "builtin" and _shell_name(allow_rule, real) is not None:
            shell = _shell_verdict(policy, request, host_env, depth, cwd, rule_name, argv)
            if shell is not None:
                if kind == "ask" and shell.decision.verdict == "allow":
                    why = allow_rule.reason or f"{allow_rule.command!r} needs a person's approval"
                    asked = Decision(
                        verdict="ask", code="EG-APPROVAL-REQUIRED", rule=rule_name, reason=why
                    )
                    return attrs.evolve(shell, decision=asked)
                return shell
        refused_args = _builtin_verdict(policy, cwd, allow_rule, rule_name, argv, real)
        if refused_args is not None:
            return attrs.evolve(refused_args, argv=argv, cwd=cwd)
        if allow_rule.paths == "workspace":
            outside = _path_outside(policy, cwd, argv[1 + len(allow_rule.command.split()) - 1 :])
            if outside is not None:
                return _deny(
                    "EG-PATH-ESCAPE",
                    f"{rule_name}.paths",
                    f"argument {outside[:80]!r} names a path outside the workspace; "
                    f"{allow_rule.command!r} may only touch files inside it",
                    argv=argv,
                    cwd=cwd,
                )
        inner = _inner_verdict(policy, request, host_env, depth, argv, real, rule_name)
        if inner is not None and inner.decision.verdict != "ask":
            return attrs.evolve(inner, argv=argv, cwd=cwd)
        # A program named by path may lie in the workspace, where the job can swap a symlink
        # between this decision and the exec: run the file the decision was made on. A bare
        # name was found on PATH outside the workspace: keep its name (multi-call binaries
        # such as unxz -> xz behave by argv[0]).
        exe = real if "/" in argv[0] else program
        if allow_rule.args == "builtin" and _builtin_name(allow_rule, real) == "git":
            env = _git_hardened(policy, env)
        plan = ExecPlan(
            job_id=request.job_id,
            argv=(exe, *argv[1:]),
            cwd=cwd,
            env=env,
            limits=limits,
            stdin=bytes(request.stdin) if request.stdin is not None else None,
            capture_stdout=request.capture_stdout,
            capture_stderr=request.capture_stderr,
            sandbox=_sandbox_plan(policy, request),
        )
        if inner is not None:  # an [[ask]] rule matched the wrapped command
            return Verdict(inner.decision, plan, argv, cwd)
        if kind == "ask":
            reason = allow_rule.reason or (
                f"{allow_rule.command!r} needs a person's approval under {policy.source}"
            )
            decision = Decision(
                verdict="ask", code="EG-APPROVAL-REQUIRED", rule=rule_name, reason=reason
            )
        else:
            reason = allow_rule.reason or f"{allow_rule.command!r} is allowed by {policy.source}"
            decision = Decision(verdict="allow", code="EG-ALLOWED", rule=rule_name, reason=reason)
        return Verdict(decision, plan, argv, cwd)
    modes = [r.command for r in policy.allow if _rule_program(r, path) == real]
    hint = f" (allowed for this program: {', '.join(map(repr, modes))})" if modes else ""
    return _deny(
        "EG-POLICY-NOT-ALLOWED",
        "default-deny",
        f"{argv[0]!r} ({real}) is not allowed by any rule of this policy{hint}; "
        "execgate denies by default",
        argv=argv,
        cwd=cwd,
    )
