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

import datetime
import fnmatch
import functools
import glob
import json
import os
import re
import shlex
import stat
import sys
import time
import unicodedata
import urllib.parse
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..errors import RequestError
from ..models import (
    LOG_LEVELS,
    RLIMIT_FIELDS,
    Decision,
    ExecPlan,
    ExecRequest,
    Limits,
    SandboxPlan,
)
from ._archives import EXTRACTORS, Unreadable, extraction, tar_names_from
from ._archives import escape as archive_escape
from ._configs import (
    CONFIG_READERS,
    ConfigRefusal,
    git_repository,
    npmrc_refusal,
    plugin_config_refusal,
    pytest_configs,
)
from ._derived import derived
from ._env import inherited, override_refusal
from ._exec_options import program_refusal
from ._machine import this_machine
from ._model import AllowRule, DenyRule, Policy
from ._node_configs import node_test_refusal, node_tool_refusal
from ._opener import heredoc_out_of_order
from ._operands import DirectoryOptions, directory_options, not_paths, working_dirs
from ._patches import (
    ED_OPTIONS,
    MAX_PATCH_BYTES,
    backup_option,
    ed_script,
    landings,
    moved_names,
    patch_input,
    patch_names,
)
from ._pins import RUNS_THE_WORKSPACE, git_subcommand, pinned, python_minor, safe_path_pin
from ._resolver import UNRESOLVABLE, Resolver
from ._resolver import inside as _inside
from ._resolver import real as _real
from ._script import (
    MARK,
    RESERVED_CHARS,
    STATUS,
    Command,
    Script,
    parse_script,
    render,
    resolve_marks,
    split_heredoc,
)
from ._shell import ShellRefusal, split_words
from ._shells import SHEBANG_BYTES, SHELLS, read_shebang, read_shell
from ._shells import ShellRefusal as ShellOptionRefusal
from ._symlinks import (
    MAX_WALK,
    TooManyEntries,
    cp_keeps_links,
    cp_makes_symlinks,
    dangling_climb,
    follow_refusal,
    hard_link_sources,
    landing_paths,
    links_hard,
    moved_links,
    rsync_landings,
    symlink_targets,
)
from ._wrappers import MAX_DEPTH, WRAPPERS, WrapperRefusal, find_expression_at, unwrap
from .programs import (
    PYTHON_MODULES,
    ArgRefusal,
    Checked,
    builtin_for,
    check_python_options,
    python_module,
    with_flags,
)
from .programs import check as check_builtin
from .programs._scripts import sed_script_files
from .programs.git import HARDENING as GIT_HARDENING

FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin"
#: The repository a git command runs with when the gate found none: none at all.
NO_REPOSITORY = "/nonexistent/execgate-no-repository"


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
    lexical = os.path.normpath(joined)
    real = _real(joined)
    if real != lexical and _resolve_plain(joined) == UNRESOLVABLE:
        real = UNRESOLVABLE  # through /proc/self/cwd or the like: names the gate's own
    if not _inside(real, root) or _in_process_tree(lexical):
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
    if ".git" in real[len(root.rstrip("/")) :].split("/"):
        # inside a repository's own directory every relative name is one of git's files
        # (`config`, `hooks/x`), which the checks know by their place below .git
        return _deny(
            "EG-CWD-ESCAPE",
            "workspace.git",
            f"cwd {cwd!r} is inside a .git directory, whose files no job may touch",
        )
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
#: Trees whose paths mean something different in the job than in the gate: /proc/self (and
#: /dev/stdin, /dev/fd, which lead there) names the process that opens it, so resolving such a
#: path in the gate says nothing of what the job reads (``python3 /dev/stdin`` would look like
#: ``/dev/null`` here and run the job's stdin there). No path check resolves through them.
_PROCESS_TREES = ("/proc", "/dev")


def _in_process_tree(path: str) -> bool:
    return any(path == t or path.startswith(t + "/") for t in _PROCESS_TREES)


def _resolve_plain(path: str) -> str:
    """``path`` with every symlink resolved, component by component, refusing (returning
    :data:`UNRESOLVABLE`) as soon as a step lands under /proc or /dev: only used when the
    kernel's answer shows that a symlink was followed, so the usual path costs nothing."""
    seen = 0
    parts = [p for p in path.split("/") if p]
    done = "/"
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            done = os.path.dirname(done) or "/"
            continue
        step = os.path.join(done, part)
        if _in_process_tree(step) and not (step == "/dev/null" and not parts):
            return UNRESOLVABLE
        try:
            target = os.readlink(step)
        except OSError:
            done = step  # not a link (or missing): keep it as it is
            continue
        seen += 1
        if seen > 40:
            return UNRESOLVABLE  # ELOOP
        if target.startswith("/"):
            done = "/"
        parts = [p for p in target.split("/") if p] + parts
    return done


def _confined(policy: Policy, cwd: str, value: str) -> str | None:
    """The real path ``value`` (relative to ``cwd``) names, when it is inside the workspace
    or is ``/dev/null``; None when it is outside, or reaches /proc or /dev (directly or
    through symlinks: those trees name the opening process, see ``_PROCESS_TREES``)."""
    joined = os.path.join(cwd, value)
    # lexically first (/dev/stdin, /proc/self/fd/0 named outright); resolved by the kernel
    # from the words as written (`link/..` is the link target's parent, not cwd)
    lexical = os.path.normpath(joined)
    if lexical in _DEVICES_OK:
        return lexical
    if _in_process_tree(lexical):
        return None
    real = _real(joined)
    if real != lexical and _resolve_plain(joined) == UNRESOLVABLE:
        return None  # a symlink was followed, through /proc or /dev
    if real in _DEVICES_OK:
        return real
    if not _inside(real, policy.root) or _in_process_tree(real):
        return None
    if os.path.basename(real) == ".git" and not os.path.isdir(real):
        # a `.git` file (`gitdir: ...`) points git at another repository: written by any
        # program (tee, sed -i), it is refused as a redirection to one is
        return None
    if _is_policy_file(policy, real) or _is_git_control(real) or _second_name(policy, real):
        # a job that rewrites the policy would decide the next requests; one that plants a
        # hook or a config key would run code when git next runs outside the gate
        return None
    return real


def _second_name(policy: Policy, real: str) -> bool:
    """Whether ``real`` is a hard link to the policy file or to git's config: another name
    for a file no job may touch (a link made before the rules saw it, or by an archive)."""
    try:
        st = os.stat(real)
    except OSError:
        return False
    if st.st_nlink < 2 or not stat.S_ISREG(st.st_mode):
        return False
    protected = [policy.root.rstrip("/") + "/.git/config"]
    if not policy.source.startswith("<"):
        protected.append(policy.source)
    for path in protected:
        try:
            other = os.stat(path)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


#: git's own control files: hooks and config run programs whenever git runs, on the host too;
#: ``commondir`` names the directory git takes both from, and submodules and worktrees have
#: their own; a rebase's or cherry-pick's todo list holds ``exec`` lines that ``--continue``
#: runs.
_GIT_CONTROL = ("/.git/hooks", "/.git/config", "/.git/config.worktree", "/.git/commondir",
                "/.git/modules", "/.git/worktrees", "/.git/rebase-merge", "/.git/rebase-apply",
                "/.git/sequencer")  # fmt: skip


def _is_git_control(real: str) -> bool:
    if any(real.endswith(c) or c + "/" in real for c in _GIT_CONTROL):
        return True
    if real.endswith(_GIT_READ_FILES):
        # files any git directory reads by these names: borrowed objects, grafted history
        return True
    # the same files of a repository not named .git (a bare one: `git init --bare tools.git`),
    # which the user's own git reads when run inside it
    parts = real.split("/")
    if any(
        part in _GIT_CONTROL_NAMES and _is_git_dir("/".join(parts[:k]))
        for k, part in enumerate(parts)
        if k > 1
    ):
        return True
    # a directory on its way to becoming one, file by file (its config or hooks first, then
    # HEAD, objects/ and refs/; or HEAD first): neither half is written once the other is there
    for k in range(2, len(parts)):
        folder = "/".join(parts[:k])
        if parts[k] in _GIT_CONTROL_NAMES and os.path.lexists(folder + "/HEAD"):
            return True
        if (
            parts[k] in ("objects", "refs")
            and os.path.lexists(folder + "/HEAD")
            and any(os.path.lexists(f"{folder}/{name}") for name in _GIT_CONTROL_NAMES)
            and not _is_git_dir(folder)
        ):
            return True  # the last piece of a repository around hooks or config
        if (
            parts[k] == "HEAD"
            and k == len(parts) - 1
            and any(os.path.lexists(f"{folder}/{name}") for name in _GIT_CONTROL_NAMES)
            and not _is_git_dir(folder)  # a repository's own HEAD is no planting
        ):
            return True
    return False


_GIT_CONTROL_NAMES = frozenset(c.rsplit("/", 1)[1] for c in _GIT_CONTROL)
_GIT_READ_FILES = ("/objects/info/alternates", "/objects/info/http-alternates", "/info/grafts")


def _is_git_dir(path: str) -> bool:
    """Whether git takes ``path`` for a repository's git directory (HEAD, objects/, refs/)."""
    return (
        os.path.isfile(os.path.join(path, "HEAD"))
        and os.path.isdir(os.path.join(path, "objects"))
        and os.path.isdir(os.path.join(path, "refs"))
    )


def _makes_a_repository(real: str) -> bool:
    """Whether writing ``real`` makes or replaces a repository's ``.git`` (a directory moved
    into place, a ``gitdir:`` file): the user's own git would then read its config."""
    return os.path.basename(real) == ".git"


def _protected_name(policy: Policy, cwd: str, value: str) -> str | None:
    """For messages: what the refused ``value`` names, when it was refused as a protected
    file rather than as a path outside the workspace."""
    for v in _path_values(value):
        real = _real(os.path.join(cwd, v))
        if _is_policy_file(policy, real):
            return "the policy file"
        if _is_git_control(real):
            return (
                "git's hooks, config or todo lists (they run programs when git runs outside "
                "the gate)"
            )
    return None


def _is_policy_file(policy: Policy, real: str) -> bool:
    """Whether ``real`` is the file ``policy`` was loaded from: inside the workspace it is
    refused to every command, like a path outside it."""
    source = policy.source
    return os.path.basename(real) == os.path.basename(source) and real == os.path.realpath(source)


#: A file URL, alone or as a direct reference (``pkg @ file:///x``, ``git+file:///x``): pip,
#: npm, git and curl read the path it names.
_FILE_URL = re.compile(r"(?i)^(?:[\w.\[\],-]+\s*@\s*)?(?:[a-z]+\+)?file:(.*)$", re.DOTALL)


def _file_url_path(value: str) -> str | None:
    """The path a file URL names (``file:///p``, ``file://host/p``, ``file:p``, percent-decoded),
    or None when ``value`` is not one."""
    m = _FILE_URL.match(value)
    if m is None:
        return None
    rest = m.group(1)
    if rest.startswith("//"):
        slash = rest.find("/", 2)
        rest = "/" if slash < 0 else rest[slash:]
    return urllib.parse.unquote(rest) or "."


def _path_values(arg: str, cwd: str | None = None) -> list[str]:
    """The parts of one argument that may name a path (a file URL's path among them). In a
    cluster of short options, a bare name counts when it exists in ``cwd`` (``cp -tl5`` is
    ``cp -t l5``, and ``l5`` may be a symlink). A word that starts with ``-`` and holds a
    ``/`` is also a path as a whole: after ``--`` (or to a program that stops reading options
    at its first operand) ``-/../../etc/passwd`` is a file reached through a directory ``-``."""
    values = _option_values(arg, cwd)
    if arg.startswith("-") and "/" in arg and arg not in values:
        values.append(arg)
    return values


def _option_values(arg: str, cwd: str | None) -> list[str]:
    if arg == "-" or not arg:
        return []
    if arg.startswith(("if=", "of=")):
        # dd's operands name its input and output files
        values = [arg, arg[3:]]
    elif not arg.startswith("-"):
        values = [arg]
    elif "=" in arg:  # --file=PATH
        values = [arg.partition("=")[2]]
    elif not arg.startswith("--") and len(arg) > 2:
        # a cluster of short options whose last may take the rest of the word as its value
        # (`-at/etc` is `-a -t /etc` to cp, `-qF/etc/x` is `-q -F /etc/x` to git): the rest
        # after each option letter may be a path, which program does not matter
        values = []
        for i in range(2, len(arg)):
            if not arg[i - 1].isalnum():
                break
            values.append(arg[i:])
        values = [
            v
            for v in values
            if v[0] in "/.~"
            or "/" in v
            or (cwd is not None and os.path.lexists(os.path.join(cwd, v)))
        ]
        if not values:
            return []
    else:
        return []
    url = _file_url_path(values[0])
    if url is not None:
        return [*values, url]
    for v in list(values):
        # `--add-section .x=/etc/shadow`, `-Wl,-Map,/tmp/map`: a path after `=` or `,`
        if "=" in v:
            values.extend(part for part in v.split("=")[1:] if part)
        if "," in v:
            values.extend(
                part for part in v.split(",") if part.startswith(("/", "~")) or ".." in part
            )
    # a colon-separated list (`file -m ok.py:/etc/shadow`, a search path): each member is a
    # path the program may open; a URL's `scheme://` is no list
    for v in list(values):
        if ":" in v and _URL_SCHEME.match(v) is None:
            values.extend(part for part in v.split(":") if part and part != v)
    return values


_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _path_outside(
    policy: Policy,
    cwd: str,
    args: tuple[str, ...],
    skip: frozenset[int] = frozenset(),
    *,
    any_path: bool = False,
) -> str | None:
    """The first argument that names a path outside the workspace (or a device), if any;
    with ``any_path``, the first argument that names a path at all.

    Every argument counts as a path except those ``skip`` names (see ``_operands``): for the
    programs agents run that is what they are, and a word that merely looks like an outside
    path is refused (safe side)."""
    for n, arg in enumerate(args):
        if n in skip:
            continue
        for value in _path_values(arg, cwd):
            if any_path or _confined(policy, cwd, value) is None:
                return arg
    return None


def search_path(policy: Policy, host_env: Mapping[str, str], resolver: Resolver) -> str:
    """The PATH used both to resolve programs and in the job's environment: the policy's
    (or the host's) without entries a job could plant programs in."""
    raw = policy.env.path if policy.env.path is not None else host_env.get("PATH", FALLBACK_PATH)
    return resolver.search_path(raw, policy.root)


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


def _matches(
    rule: AllowRule | DenyRule,
    program_real: str,
    argv: tuple[str, ...],
    path: str,
    resolver: Resolver,
    *,
    past_global_options: bool = False,
) -> bool:
    """Whether ``rule`` names this program (and its mode words). With
    ``past_global_options`` (deny and ask rules), git's mode words also match after git's
    own options: `[[deny]] command = "git push"` denies `git -P push` and `git -C . push`."""
    words = rule.command.split()
    if not _names_program(rule, program_real, argv[0], path, resolver):
        return False
    mode = tuple(words[1:])
    if tuple(argv[1 : 1 + len(mode)]) == mode:
        return True
    if past_global_options and mode and os.path.basename(words[0]) == "git":
        at = git_subcommand(argv)
        return at is not None and tuple(argv[at : at + len(mode)]) == mode
    return False


def _names_program(
    rule: AllowRule | DenyRule, program_real: str, named: str, path: str, resolver: Resolver
) -> bool:
    """Whether ``rule`` names the program that resolved to ``program_real`` (asked for as
    ``named``, argv[0])."""
    if program_real == UNRESOLVABLE:
        return False
    return resolver.rule_program(rule, path) == program_real or _system_copy(rule, named, path)


#: Directories whose programs a rule naming a program by its name also covers when the
#: request names them by path (``/usr/bin/python3`` under ``python3``), when the directory is
#: on the policy's PATH: the system's own, which only root writes.
SYSTEM_BIN = frozenset(
    {"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/local/sbin"}
)


def _system_copy(rule: AllowRule | DenyRule, program: str, path: str) -> bool:
    """Whether ``program``, named by an absolute path, is the rule's program by name in a
    system bin directory on ``path`` (a rule with its own ``path``, or naming its program by
    a path, covers that file alone)."""
    first = rule.command.split()[0]
    if rule.path is not None or "/" in first or not os.path.isabs(program):
        return False
    folder, name = os.path.split(program)
    if (
        name != first
        or folder not in SYSTEM_BIN
        or folder not in path.split(os.pathsep)
        or os.path.normpath(program) != program
    ):
        return False
    try:
        st = os.stat(folder)
    except OSError:
        return False
    # a /usr/local/bin that a group may write (Debian's staff) is no system directory
    return st.st_uid == 0 and not st.st_mode & 0o022


def evaluate(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    resolver: Resolver | None = None,
) -> Verdict:
    """Decide on ``request``. Returns the decision and, when allowed, the plan to run.

    ``resolver`` remembers PATH and program look-ups between calls (a long-lived gate passes
    its own); without one, this call resolves everything afresh and remembers nothing."""
    if resolver is None:
        resolver = Resolver()
    hidden = _invisible_in(request)
    if hidden is not None:
        return _deny("EG-POLICY-LOOKALIKE", "request.characters", hidden)
    try:
        return _evaluate(policy, request, host_env, resolver, 0)
    except RequestError as exc:
        # a part of the request read out of it (a wrapper's inner command, a shell's line)
        # that is no valid request of its own: `env ''`
        return _deny(exc.code, "request", exc.message)


def _invisible_in(request: ExecRequest) -> str | None:
    """Why the request holds a character that displays as something other than what it is --
    a bidirectional override or isolate, a zero-width or other format character (Trojan
    Source: a reviewer reads one command, the shell runs another) -- or None."""
    fields: list[tuple[str, str]] = [("cwd", request.cwd)]
    if request.command is not None:
        fields.append(("command", request.command))
    fields += [("argv", a) for a in request.argv or ()]
    for name, value in request.env_overrides.items():
        fields.append(("env_overrides", name))
        if value is not None:
            fields.append(("env_overrides", value))
    for field, text in fields:
        why = _invisible_in_text(field, text)
        if why is not None:
            return why
    return None


def _invisible_in_text(field: str, text: str) -> str | None:
    """Why ``text`` (the request's ``field``) holds a character that displays as something
    other than what it is, or a character the plan reserves; None when it holds neither."""
    if text.isascii() and _ASCII_CONTROL.search(text) is None:
        return None
    reserved = next((c for c in text if c in RESERVED_CHARS), None)
    if reserved is not None:
        # the characters the plan uses to stand for `$?`, `$(pwd)` and `$(date ...)`: a
        # literal must never become one
        return f"{field} holds U+{ord(reserved):04X}, a character execgate reserves"
    for i, c in enumerate(text):
        if c in "\ufe0e\ufe0f" and i and not text[i - 1].isascii():
            # text or emoji presentation of the symbol before it (⚠️): shows as it is
            continue
        if _displays_otherwise(c):
            return (
                f"{field} holds the invisible, bidirectional or control character "
                f"U+{ord(c):04X} ({unicodedata.name(c, 'unnamed')}), which can make a "
                "command read differently from what runs; execgate refuses such characters"
            )
    return None


#: C0 controls but tab, newline and carriage return (which the shell reader judges), and DEL:
#: a terminal acts on them (ESC sequences erase and rewrite what a reviewer sees).
_ASCII_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Default-ignorable code points outside category Cf (Unicode's DerivedCoreProperties):
#: fillers and selectors that render as nothing, and the blank Braille pattern.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2800, 0x2800),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0000, 0xE0FFF),
)  # fmt: skip


def _displays_otherwise(c: str) -> bool:
    """Whether ``c`` shows as something other than itself: a format character (bidirectional
    controls, zero-width characters), a line or paragraph separator, a control character
    other than tab, newline and carriage return, or another default-ignorable code point."""
    category = unicodedata.category(c)
    if category in ("Cf", "Zl", "Zp"):
        return True
    if category == "Cc":
        return c not in "\t\n\r\x00"
    code = ord(c)
    return any(lo <= code <= hi for lo, hi in _IGNORABLE_RANGES)


@attrs.frozen
class _Wrapped:
    """A wrapper's inner command, decided: ``refusal`` when it is refused, else ``inner``
    (its allowed or asked verdict, whose plan replaces the inner words) and ``prefix``, how
    many words of argv are the wrapper and its options."""

    refusal: Verdict | None = None
    inner: Verdict | None = None
    prefix: int = 0
    #: What the plan runs in place of argv[1:prefix], when that differs (find's guard).
    planned_prefix: tuple[str, ...] | None = None
    #: The words after the inner command (find's terminator and the rest of its expression).
    suffix: tuple[str, ...] = ()
    #: False when the inner command is only decided (find -delete, as rm): the plan runs
    #: ``planned_prefix`` as all of argv[1:].
    runs_inner: bool = True


def _inner_verdict(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    resolver: Resolver,
    depth: int,
    argv: tuple[str, ...],
    real: str,
    rule_name: str,
    cwd: str,
) -> _Wrapped | None:
    """For a wrapper (env, timeout, ...): its inner command decided by the same policy, in
    the wrapper's own directory ``cwd``; None when ``argv`` is no wrapper (or one with
    nothing inside, such as ``env`` alone)."""
    names = {os.path.basename(argv[0]), os.path.basename(real)}
    program = next((n for n in sorted(names) if n in WRAPPERS or n in ("xargs", "find")), None)
    if program is None:
        return None
    try:
        unwrapped = unwrap(program, argv, _policy_in_workspace(policy))
    except WrapperRefusal as refusal:
        return _Wrapped(_deny("EG-POLICY-WRAPPER", f"{rule_name}.wrapper", refusal.reason))
    if unwrapped is None or not unwrapped.inner:
        return None
    if depth + 1 > MAX_DEPTH:
        return _Wrapped(
            _deny("EG-POLICY-WRAPPER", f"{rule_name}.wrapper", "wrappers nested too deep")
        )
    for word in unwrapped.assigns:
        name, _, value = word.partition("=")
        why = override_refusal(policy.env, name, value)
        if why is not None:
            return _Wrapped(_deny("EG-ENV-DENIED", "env.allow", f"{program} sets {why}"))
    inner = _evaluate(
        policy,
        attrs.evolve(request, argv=unwrapped.inner, command=None),
        host_env,
        resolver,
        depth + 1,
        cwd,
    )
    prefix = len(argv) - len(unwrapped.inner) if unwrapped.prefix is None else unwrapped.prefix
    d = inner.decision
    if program == "find" and inner.plan is not None:
        maker = _symlink_maker(inner.plan.argv) or _applies_patch(inner.plan.argv)
        if maker is None and os.path.basename(inner.plan.argv[0]) == "cp":
            # a hard link gives each found file (.git/config among them) a second name
            maker = "cp" if links_hard("cp", inner.plan.argv[1:]) else None
        if maker is not None:
            # a link's target is resolved from where each found file is, and a patch would be
            # read once per file: neither can be decided for files not named yet
            return _Wrapped(
                _deny(
                    "EG-POLICY-WRAPPER",
                    f"{rule_name}.wrapper",
                    f"inside find: {maker} can make or move symlinks (or apply a patch) for each "
                    "file find finds, which cannot be decided before they are found; run it on "
                    "named files",
                )
            )
    inside = f"inside {program}"
    if not unwrapped.runs_inner:
        inside = "find -delete removes what it finds, decided as `rm -r -- START...`"
    if d.allowed or d.verdict == "ask":
        if d.verdict == "ask":
            # the inner rule asks: so does the whole command (under the inner rule, so that a
            # grant for it covers the wrapped form too)
            inner = attrs.evolve(inner, decision=attrs.evolve(d, reason=f"{inside}: {d.reason}"))
        return _Wrapped(
            inner=inner,
            prefix=prefix,
            planned_prefix=unwrapped.planned_prefix,
            suffix=unwrapped.suffix,
            runs_inner=unwrapped.runs_inner,
        )
    return _Wrapped(_deny(d.code, f"{d.rule} (inside {program})", f"{inside}: {d.reason}"))


def _carried(inner: tuple[str, ...]) -> bool:
    """Whether find's -exec carries the planned ``inner`` words as one command: none of them
    ends it (a word ``;``, or ``+`` right after ``{}``)."""
    return not any(
        w == ";" or (w == "+" and n > 0 and inner[n - 1] == "{}") for n, w in enumerate(inner)
    )


def _policy_in_workspace(policy: Policy) -> str | None:
    """The policy file's real path when it lies in the workspace."""
    if policy.source.startswith("<"):
        return None
    source = os.path.realpath(policy.source)
    return source if _inside(source, policy.root) else None


def _sandbox_plan(policy: Policy, request: ExecRequest) -> SandboxPlan | None:
    """Secure mode for this request: the request may require it, never turn it off."""
    mode = "required" if request.secure else policy.sandbox.secure
    if mode == "off":
        return None
    read = tuple(os.path.join(policy.root, p) for p in policy.sandbox.read)
    source = None if policy.source.startswith("<") else os.path.realpath(policy.source)
    hide: tuple[str, ...] = ()
    if source is not None and _inside(source, policy.root):
        # an empty device over it: a job can neither read what the rules say (and miss) nor
        # rewrite, rename or remove it
        hide = (source,)
    # git's hooks and config of the workspace's repository, read-only too (see _GIT_CONTROL)
    read += tuple(p for c in _GIT_CONTROL if os.path.lexists(p := policy.root.rstrip("/") + c))
    return SandboxPlan(
        required=mode == "required",
        read=read,
        write=(policy.root,),
        network=policy.sandbox.network,
        allow_domains=policy.sandbox.allow_domains,
        allow_ports=policy.sandbox.allow_ports,
        hide=hide,
    )


def _builtin_name(rule: AllowRule, real: str) -> str | None:
    found = builtin_for(rule.command.split()[0]) or builtin_for(real)
    return found[0] if found else None


def _git_hardened(policy: Policy, env: dict[str, str]) -> dict[str, str]:
    # git looks for a repository upward from the cwd: not above the workspace, where a
    # repository holding it would be read (its files listed, its objects shown)
    ceiling = {"GIT_CEILING_DIRECTORIES": os.path.dirname(policy.root.rstrip("/")) or "/"}
    if any(k.startswith("GIT_CONFIG") for k in policy.env.set):
        return {**env, **ceiling}  # the policy chose its own git configuration
    return {**env, **GIT_HARDENING, **ceiling}


def _shell_name(rule: AllowRule, real: str) -> str | None:
    for name in (os.path.basename(rule.command.split()[0]), os.path.basename(real)):
        if name in SHELLS:
            return name
    return None


def _shell_verdict(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    resolver: Resolver,
    depth: int,
    cwd: str,
    rule_name: str,
    argv: tuple[str, ...],
) -> Verdict | None:
    """A shell allowed by name runs a script file from the workspace, or ``-c LINE`` -- and
    then LINE is decided by this same policy, as if it had been sent as the command line,
    and what runs is what that decision planned (the canonical form), not the shell's own
    reading of LINE. Every option is read against the shells' table (``_shells``); anything
    else is refused: execgate cannot decide it. None: a script file in the workspace, decided
    as any program run is."""
    shell = os.path.basename(argv[0])
    try:
        call = read_shell(argv)
    except ShellOptionRefusal as refusal:
        return _deny(
            "EG-POLICY-FLAG",
            f"{rule_name}.builtin",
            f"{refusal.reason}; only `{shell} -c LINE` (LINE decided by this policy) or "
            f"`{shell} SCRIPT` (a script in the workspace) are built in "
            '(args = "any" allows everything)',
            argv=argv,
            cwd=cwd,
        )
    if call.mode == "line":
        assert call.line is not None
        if depth + 1 > MAX_DEPTH:
            return _deny("EG-POLICY-WRAPPER", f"{rule_name}.wrapper", "wrappers nested too deep")
        inner = _evaluate(
            policy,
            attrs.evolve(request, argv=None, command=call.line),
            host_env,
            resolver,
            depth + 1,
            cwd,
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
        decision = attrs.evolve(d, reason=f"{d.reason} (via {shell} -c)")
        plan = inner.plan
        if call.errexit and plan is not None and plan.argv[:2] == (SCRIPT_SHELL, "-c"):
            plan = attrs.evolve(plan, argv=(SCRIPT_SHELL, "-e", *plan.argv[1:]))
        return attrs.evolve(inner, decision=decision, plan=plan)
    script = call.operands[0]
    if _confined(policy, cwd, script) is None:
        return _deny(
            "EG-PATH-ESCAPE",
            f"{rule_name}.builtin",
            f"{shell}: the script {script[:80]!r} is outside the workspace (or is a device "
            "or a /proc path, which reads a program the policy cannot see)",
            argv=argv,
            cwd=cwd,
        )
    return None


def _patch_escape(
    policy: Policy,
    cwd: str,
    argv: tuple[str, ...],
    stdin: bytes | None,
    redirected: tuple[str, ...] = (),
) -> str | None:
    """Why applying the patch ``argv`` reads (its files, ``stdin``, a ``<`` redirection's
    ``redirected`` files) would write outside the workspace, onto a file no job may write, or
    make a symlink (see ``_patches``); or None."""
    name = os.path.basename(argv[0])
    found = None
    if name == "patch":
        found = patch_input("patch", argv[1:])
    elif name == "git":
        at = git_subcommand(argv)
        if at is not None and argv[at] in ("apply", "am"):
            found = patch_input("git-apply", argv[at + 1 :])
            name = f"git {argv[at]}"
    if found is None:
        return None
    if name == "patch" and (backup := backup_option(argv[1:])) is not None:
        return (
            f"patch: {backup[:40]} makes backups under names built from a prefix or suffix, "
            "which execgate does not check; leave it out"
        )
    if name == "patch" and (ed := backup_option(argv[1:], ED_OPTIONS)) is not None:
        return (
            f"patch: {ed[:40]} hands the patch to ed, whose commands can write any file and "
            "run programs"
        )
    texts: list[bytes] = []
    shell_cwd = cwd  # where the shell opens a < file
    if name.startswith("git"):
        # `git -C DIR apply P`: git reads P, and writes the names in it, from DIR
        cwd = os.path.join(cwd, *working_dirs("git", argv[1:])[-1:])
    # patch reads -i and its operands after changing to -d DIR
    here = cwd if found.directory is None or name != "patch" else os.path.join(cwd, found.directory)
    for file, base in (*((f, here) for f in found.files), *((f, shell_cwd) for f in redirected)):
        path = _confined(policy, base, file)
        if path is None:
            return f"{name}: the patch {file[:80]!r} is outside the workspace"
        try:
            with open(path, "rb") as f:
                text = f.read(MAX_PATCH_BYTES + 1)
        except OSError as exc:
            return (
                f"{name}: cannot read the patch {file[:80]!r} to check the files it writes "
                f"({exc.strerror or exc})"
            )
        if len(text) > MAX_PATCH_BYTES:
            return f"{name}: the patch {file[:80]!r} is too large to check"
        texts.append(text)
    if found.stdin and stdin is not None:
        texts.append(bytes(stdin))
    base = cwd if found.directory is None else os.path.join(cwd, found.directory)
    for text in texts:
        if name == "patch" and ed_script(text):
            return (
                f"{name}: the patch is an ed script, which patch hands to ed, whose commands can "
                "write any file and run programs; send a unified diff"
            )
        names, symlink = patch_names(text)
        if symlink:
            return (
                f"{name}: the patch makes or changes a symlink (mode 120000), whose target "
                "execgate does not resolve; make it with ln -s"
            )
        for moved in moved_names(text):
            if any(os.path.islink(os.path.join(base, at)) for at in landings(moved)):
                return (
                    f"{name}: the patch renames or copies the symlink {moved[:80]!r}, which then "
                    "points somewhere else, unresolved by execgate; move it with mv"
                )
        if any(os.path.basename(n) == "HEAD" for n in names):
            return (
                f"{name}: the patch writes a file named HEAD, which with hooks or config beside "
                "it makes a repository no rule decided on"
            )
        for written in names:
            for landing in landings(written):
                if _confined(policy, base, landing) is None or _makes_a_repository(landing):
                    return (
                        f"{name}: the patch writes {written[:80]!r}, outside the workspace or "
                        "a file no job may write (the policy file, git's hooks or config)"
                    )
    return None


def _symlink_escape(policy: Policy, cwd: str, argv: tuple[str, ...], real: str) -> str | None:
    """Why a command under confined paths would walk or make a symlink out of the workspace
    (see ``_symlinks``), or None."""
    names = {os.path.basename(argv[0]), os.path.basename(real)}
    for name in sorted(names):
        why = follow_refusal(name, argv[1:], cwd)
        if why is not None:
            return why
    if "cp" in names and any(cp_makes_symlinks(a) for a in argv[1:]):
        # `cp -s SRC DEST`: DEST becomes a symlink to SRC as written, from DEST's directory
        # (cp makes relative ones only in the cwd)
        for source in _operand_words(argv[1:])[:-1]:
            if dangling_climb(cwd, source) is not None or _climbs_through_link(cwd, source):
                return (
                    f"cp -s: the symlink target {source[:80]!r} has a '..' after a name that is "
                    "not a directory now (or is another symlink), so where it points is decided "
                    "only once something is made there"
                )
    if "ln" in names:
        for target, base in symlink_targets(argv[1:], cwd) or ():
            if _confined(policy, _real(base), target) is None:
                return (
                    f"ln: the symlink target {target[:80]!r} points outside the workspace "
                    "(a symlink's target is resolved from the link's own directory)"
                )
            if _climbs_through_link(_real(base), target):
                # inside now, but only while the link on its way stays a link: replaced by a
                # directory, its `..` climbs from there (d1 -> a/b/c/d; r -> d1/../../../x)
                return (
                    f"ln: the symlink target {target[:80]!r} has a '..' after another symlink, "
                    "so where it points changes when that symlink does"
                )
            missing = dangling_climb(_real(base), target)
            if missing is not None:
                # `sub/d/../../x` with no sub/d: inside on paper, until `ln -s . sub/d`
                return (
                    f"ln: the symlink target {target[:80]!r} has a '..' after "
                    f"{os.path.basename(missing)[:40]!r}, which is not a directory now, so "
                    "where it points is decided only once something is made there"
                )
    for name in sorted(names & {"cp", "mv", "ln", "link", "install", "rsync"}):
        try:
            if name == "rsync":
                landings, linked = rsync_landings(argv[1:], cwd), []
            else:
                landings = landing_paths(argv[1:], cwd)
                linked = hard_link_sources(name, argv[1:], cwd)
        except TooManyEntries as too_many:
            return (
                f"{name}: {str(too_many)[:80]!r} holds more than {MAX_WALK} entries, too many "
                "to check where they land"
            )
        for landing in landings:
            if _confined(policy, cwd, landing) is None or _makes_a_repository(landing):
                return (
                    f"{name}: a file would land at {os.path.relpath(landing, cwd)[:80]!r}, "
                    "outside the workspace or on a file no job may write (the policy file, "
                    "git's hooks or config, a .git)"
                )
        for source in linked:
            if _confined(policy, cwd, source) is None:
                return (
                    f"{name}: it would give {os.path.relpath(source, cwd)[:80]!r} a second "
                    "name (a hard link), and it is outside the workspace or a file no job may "
                    "write (the policy file, git's hooks or config)"
                )
    for name in sorted(names & EXTRACTORS):
        try:
            found = extraction(name, argv[1:], cwd)
        except Unreadable as unreadable:
            return str(unreadable)
        if found is not None:
            why = archive_escape(
                found,
                cwd,
                lambda p: _confined(policy, "/", p) is not None and not _makes_a_repository(p),
            )
            if why is not None:
                return f"{name}: {why}"
    if "tar" in names:
        for directory, named in tar_names_from(argv[1:]):
            if _confined(policy, os.path.join(cwd, directory), named) is None:
                return (
                    f"tar: {named[:60]!r} is read from -C {directory[:40]!r}, where it names a "
                    "path outside the workspace"
                )
    if "find" in names and "-exec" in argv:
        for start in _find_starts(argv[1:]):
            real = _real(os.path.join(cwd, start))
            if ".git" in real[len(policy.root.rstrip("/")) :].split("/"):
                return (
                    f"find: {start[:60]!r} is (or is inside) a .git directory, whose files no "
                    "command may be handed"
                )
    movers = [(name, argv[1:]) for name in sorted(names & {"mv", "cp", "ln", "link"})]
    if "git" in names and (at := git_subcommand(argv)) is not None and argv[at] == "mv":
        # git mv moves a link as mv does (its options -f -k -n -v take no value)
        movers.append(("mv", tuple(a for a in argv[at + 1 :] if a not in ("-f", "-k", "-n", "-v"))))
    # (rsync keeping links runs with --safe-links, pinned: a link pointing out of the copied
    # tree, by any `..`, is left out)
    for name, args in movers:
        try:
            moved = moved_links(name, args, cwd)
        except TooManyEntries as too_many:
            return (
                f"{name}: {str(too_many)[:80]!r} holds more than {MAX_WALK} entries, too many "
                "to check the symlinks it moves"
            )
        for target, base in moved:
            if _confined(policy, _real(base), target) is None:
                return (
                    f"{name}: a symlink it moves or links, to {target[:80]!r}, would point "
                    "outside the workspace from its new directory"
                )
            # the directory it lands in, and those above it, are made by the copy if missing
            landed = _real(base)
            above = frozenset(landed[: i or 1] for i, c in enumerate(landed) if c == "/") | {landed}
            if dangling_climb(landed, target, above) is not None:
                return (
                    f"{name}: a symlink it moves or links, to {target[:80]!r}, has a '..' after "
                    "a name that is not a directory now, so where it points from its new "
                    "directory is decided only once something is made there"
                )
    return None


def _directory_options(argv: tuple[str, ...], real: str) -> DirectoryOptions:
    """The directory-changing options of ``argv`` (see ``_operands.directory_options``), read
    under the name it was called by and the name of the file it runs (``gmake``, ``make``),
    whichever finds more."""
    found = DirectoryOptions()
    for name in dict.fromkeys((os.path.basename(argv[0]), os.path.basename(real))):
        moves = directory_options(name, argv[1:])
        if len(moves.values) > len(found.values):
            found = moves
    return found


#: What stands for the names find (or xargs, read as find) hands over when it runs.
FOUND = "{}"


def _climbs_from_found(path: str) -> bool:
    """Whether ``path`` has a ``..`` after a component that is a name find or xargs hands
    over (``{}/../x``): from the name it stands for, that climbs anywhere above it."""
    parts = path.split("/")
    return FOUND in parts and ".." in parts[parts.index(FOUND) + 1 :]


def _moved_refusal(
    policy: Policy, cwd: str, argv: tuple[str, ...], moves: DirectoryOptions
) -> str | None:
    """Why the directories ``argv``'s options change to (``git -C``, ``make -C``, ``patch
    -d``...) cannot be decided: one is the name find or xargs hands over (``{}``, known only
    when it runs), a found name is read from a directory other than the one find names it
    from, or one leaves the workspace; else None."""
    name = os.path.basename(argv[0])
    for _, value in moves.values:
        if FOUND in value:
            return (
                f"{name}: a directory option's value is {value[:40]!r}, a name find or xargs "
                "hands over when it runs: the paths the program reads from there cannot be "
                "decided before; name the directory"
            )
    if moves.values and FOUND in argv[1:]:
        return (
            f"{name}: it reads the names find or xargs hands over ({FOUND}) from another "
            "directory than the one find names them from, where they may lead outside the "
            "workspace; run it from that directory instead"
        )
    for moved in moves.dirs():
        if _confined(policy, cwd, moved) is None:
            return (
                f"{name}: it changes to {moved[:80]!r} before reading its paths, outside the "
                "workspace"
            )
    return None


#: How many entries of a directory are looked at for the names a program derives.
MAX_DERIVED_ENTRIES = 5000


def _derived_escape(policy: Policy, cwd: str, argv: tuple[str, ...], real: str) -> str | None:
    """Why a name the program opens without being given it -- derived from its operands
    (``unzip foo`` reads foo.zip, ``gunzip x.gz`` writes x, ``split`` writes xaa...; see
    ``_derived``) -- leads outside the workspace or onto a file no job may touch, or None."""
    for name in dict.fromkeys((os.path.basename(argv[0]), os.path.basename(real))):
        found = derived(name, argv[1:])
        if found.refusal is not None:
            return found.refusal
        for path in found.paths:
            if _confined(policy, cwd, path) is None or _makes_a_repository(os.path.join(cwd, path)):
                return (
                    f"{name}: it may open {path[:80]!r}, a name it derives from its operands, "
                    "which leads outside the workspace or to a file no job may touch"
                )
        for cache in found.caches:
            for here in _upward_to_root(cwd, policy.root):
                path = os.path.join(here, cache)
                if os.path.islink(path) and _confined(policy, here, cache) is None:
                    return (
                        f"{name}: {path[:80]!r}, where it writes its cache, is a symlink that "
                        "leads outside the workspace"
                    )
        for directory, prefix in found.families:
            where = _confined(policy, cwd, directory)
            if where is None:
                return f"{name}: it writes into {directory[:80]!r}, outside the workspace"
            try:
                with os.scandir(where) as entries:
                    names = [
                        e.name
                        for _, e in zip(range(MAX_DERIVED_ENTRIES + 1), entries, strict=False)
                    ]
            except OSError:
                continue
            if len(names) > MAX_DERIVED_ENTRIES:
                return f"{name}: {directory[:80]!r} holds too many entries to check"
            for entry in names:
                if entry.startswith(prefix) and _confined(policy, where, entry) is None:
                    return (
                        f"{name}: it may write {entry[:80]!r} (a name it makes from "
                        f"{prefix[:40]!r}), which leads outside the workspace or to a file no "
                        "job may touch"
                    )
    return None


def _upward_to_root(cwd: str, root: str) -> list[str]:
    """``cwd`` and each directory above it, up to the workspace root."""
    dirs, here = [cwd], cwd
    while here != root and _inside(os.path.dirname(here), root) and os.path.dirname(here) != here:
        here = os.path.dirname(here)
        dirs.append(here)
    return dirs


def _operand_words(args: tuple[str, ...]) -> list[str]:
    """The words of ``args`` that are not options (all after ``--``): cp's sources and its
    destination, near enough for a check that only adds refusals."""
    out: list[str] = []
    for n, a in enumerate(args):
        if a == "--":
            return out + list(args[n + 1 :])
        if not a.startswith("-"):
            out.append(a)
    return out


def _find_starts(args: tuple[str, ...]) -> list[str]:
    """find's starting points: the words after its leading options (-H, -L, -P, -D X, -OX)
    and before its expression."""
    i = 0
    while i < len(args) and (args[i] in ("-H", "-L", "-P", "-D") or args[i].startswith("-O")):
        i += 2 if args[i] == "-D" else 1
    starts: list[str] = []
    for word in args[i:]:
        if word.startswith("-") or word in ("(", "!", ","):
            break
        starts.append(word)
    return starts or ["."]


def _hint(rule: AllowRule, refusal: ArgRefusal) -> str:
    """What a policy could add to allow what its table refused for lack of knowledge (an
    option, a subcommand), in the words ``execgate policy suggest`` reads back; nothing for a
    refusal the table makes on purpose."""
    if refusal.unknown_flag is not None:
        if _runs_something(rule, refusal.unknown_flag):
            return ""  # an option that may run a program or load code: no rule lifts that
        return (
            f"; to allow it, add allow_flags = [{_toml(refusal.unknown_flag)}] to the rule "
            f"{_toml(rule.command)}"
        )
    if refusal.unknown_subcommand is not None and not refusal.unknown_subcommand.startswith("-"):
        program = refusal.reason.split(":", 1)[0]  # "git", or "python -m pip"
        if program.startswith("python -m "):
            program = f"{rule.command.split()[0]} -m {program.removeprefix('python -m ')}"
        mode = f"{program} {refusal.unknown_subcommand}"
        return f"; to allow it, add [[allow]] command = {_toml(mode)}"
    return ""


#: Option names that say they name a program, code, a hook or more options to read: a
#: table that does not know one must not suggest granting it (`diff3 --diff-program=`).
_RUNS_WORDS = re.compile(
    r"(?i)program|prog$|command|cmd|exec|shell|editor|pager|hook|plugin|wrapper|script|eval|"
    r"askpass|helper|interpret|preprocess|filter|driver|launch|load|module|import|require|"
    r"extension|rcfile|config|init|rsh|use-|tool|python|node|perl|ruby|java|compiler|linker"
)


def _runs_something(rule: AllowRule, flag: str) -> bool:
    """Whether the option ``flag`` (as ``allow_flags`` spells it: ``--x`` or ``--x=``) is
    one the exec-option layer refuses for the rule's program, or whose name says it runs or
    loads something: a hint never suggests granting such an option."""
    name = flag.rstrip("=")
    if _RUNS_WORDS.search(name.lstrip("-")):
        return True
    program = os.path.basename(rule.command.split()[0])
    return any(
        program_refusal(program, program, words, ()) is not None
        for words in ((name,), (name, "x"), (f"{name}=x",))
    )


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def _module_verdict(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    resolver: Resolver,
    depth: int,
    cwd: str,
    rule: AllowRule,
    argv: tuple[str, ...],
    real: str,
) -> Verdict | None:
    """``python3 -m M ARGS`` under python's built-in rules, when the policy has a rule for
    the program M itself (``"pytest"``, ``"pip install"``, ``"mypy"``): decided as ``M
    ARGS`` would be -- that rule, its mode words, deny_args and allow_flags -- and run as the
    module. None when this is not such a call (python's own table decides)."""
    if (
        rule.args != "builtin"
        or _builtin_name(rule, real) != "python"
        or len(rule.command.split()) > 1
    ):
        return None
    found = python_module(argv[1:])
    if found is None or depth + 1 > MAX_DEPTH:
        return None
    before, module, rest = found
    named = [r.command for r in (*policy.allow, *policy.ask)] + [r.command for r in policy.deny]
    if not any(os.path.basename(c.split()[0]) == module for c in named):
        return None
    program = resolver.which(module, search_path(policy, host_env, resolver), cwd)
    if program is None or not _python_entry_point(program):
        # `python3 -m test` is CPython's test runner, not coreutils' test: a rule for the
        # program M speaks for the module M only when that program is M's Python entry point
        return None
    try:
        check_python_options(before)
    except ArgRefusal as refusal:
        return _deny("EG-POLICY-FLAG", "python.builtin", refusal.reason, argv=argv, cwd=cwd)
    inner = _evaluate(
        policy,
        attrs.evolve(request, argv=(module, *rest), command=None),
        host_env,
        resolver,
        depth + 1,
        cwd,
    )
    d = inner.decision
    if d.verdict == "deny" or inner.plan is None:
        if d.code == "EG-PROGRAM-NOT-FOUND":
            return None  # M is not installed as a program: python's own table decides
        return _deny(d.code, f"{d.rule} (as python -m {module})", d.reason, argv=argv, cwd=cwd)
    python = (
        real
        if "/" in argv[0]
        else resolver.which(argv[0], search_path(policy, host_env, resolver), cwd)
    )
    safe = _python_safe_path(cwd, (python or real, *before, "-m", module, *rest))
    if isinstance(safe, str):
        return _deny("EG-POLICY-FLAG", "python.builtin", safe, argv=argv, cwd=cwd)
    plan = attrs.evolve(inner.plan, argv=safe)
    reason = f"{d.reason} (as python -m {module})"
    return Verdict(attrs.evolve(d, reason=reason), plan, argv, cwd)


def _unpinned_module(plan: tuple[str, ...], cwd: str) -> str | None:
    """The module ``plan`` runs with ``python -m`` from the working directory's sys.path
    entry (no -P or -I, on an interpreter known to be older than 3.11), when it is no module
    that runs the workspace's code by design and not the workspace's own (decided as that,
    under a rule for python itself); else None."""
    words, names = _plan_words(plan)
    if not any(w.startswith("-m") for w in words):
        return None  # no module run: the common case, decided without a look at each word
    for n, name in enumerate(names):
        if not re.fullmatch(r"python[\d.]*", name):
            continue
        minor = python_minor(os.path.realpath(words[n]))
        if minor is None or minor >= 11:
            continue  # pinned with -P where the rule's table decides (args = "any" is not)
        found = python_module(words[n + 1 :])
        top = found[1].split(".")[0] if found is not None else ""
        if found is None or top in RUNS_THE_WORKSPACE:
            continue
        if os.path.lexists(os.path.join(cwd, top)) or os.path.lexists(
            os.path.join(cwd, top + ".py")
        ):
            continue
        if not any(o[:1] == "-" and o[1:2] != "-" and ("I" in o or "P" in o) for o in found[0]):
            return found[1]
    return None


#: The file endings Python imports a module from (a source, a sourceless .pyc, an extension).
_IMPORTABLE = (".py", ".pyc", ".pyw", ".so")


def _is_package(path: str) -> bool:
    """Whether ``path`` is a regular package: a directory with an ``__init__`` Python imports
    (``__init__.py``, a sourceless ``__init__.pyc``, an extension module)."""
    try:
        names = os.listdir(path)
    except OSError:
        return False
    return any(n.startswith("__init__.") and n.endswith(_IMPORTABLE) for n in names)


def _python_safe_path(cwd: str, argv: tuple[str, ...]) -> tuple[str, ...] | str:
    """``argv`` (a python, not running a module of the workspace) with ``-P`` pinned where
    ``-m MODULE`` wants it (see ``_pins``); or, on an interpreter that has no ``-P``, why the
    working directory shadows a module the run may import (``json.py``, ``MODULE.py``)."""
    safe = safe_path_pin(argv)
    if safe is not None:
        return safe
    found = python_module(argv[1:])
    assert found is not None
    top = found[1].split(".")[0]
    try:
        names = os.listdir(cwd)
    except OSError:
        names = []
    for entry in names:
        stem = entry.split(".")[0]
        if stem != top and stem not in sys.stdlib_module_names:
            continue
        path = os.path.join(cwd, entry)
        if entry.endswith(_IMPORTABLE) or _is_package(path):
            return (
                f"python -m {found[1]}: the working directory holds {entry!r}, which would be "
                f"imported in place of the module of that name (this interpreter has no -P "
                "to leave the working directory off sys.path)"
            )
    return argv


def _workspace_script(policy: Policy, program: str, real: str) -> tuple[str, ...] | None:
    """The interpreter words of ``program`` (named with a slash, resolved to ``real``) when it
    is a script inside the workspace with a ``#!`` line the gate reads exactly; else None."""
    if "/" not in program or not _inside(real, policy.root):
        return None
    try:
        # non-blocking: a FIFO put in the script's place must not hold the decision
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, SHEBANG_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    return read_shebang(head)


def _workspace_module(policy: Policy, cwd: str, args: tuple[str, ...]) -> bool:
    """Whether ``python ARGS`` runs a module of the workspace, as ``python script.py`` runs a
    script of it: ``-m pkg.mod`` whose top-level name is a module (``pkg.py``) or a regular
    package (``pkg/__init__.py``) in the working directory, which ``python -m`` puts first on
    sys.path. Not when the name is a standard-library or built-in module (those are found
    before sys.path or by it, as the interpreter's own), one of the modules with built-in
    rules (their tables decide), or when the working directory may be left off sys.path:
    ``-I``/``-P`` before ``-m``, or PYTHONSAFEPATH reachable through the policy's env."""
    found = python_module(args)
    if found is None:
        return False
    before, module, _ = found
    top = module.split(".")[0]
    if (
        not top.isidentifier()
        or top in sys.stdlib_module_names
        or top in sys.builtin_module_names
        or top in PYTHON_MODULES
        or any(o[:1] == "-" and o[1:2] != "-" and ("I" in o or "P" in o) for o in before)
    ):
        return False
    env = policy.env
    names = (*env.inherit, *env.set, *env.allow)
    if any(fnmatch.fnmatchcase("PYTHONSAFEPATH", p) for p in names):
        return False
    for candidate in (f"{top}.py", os.path.join(top, "__init__.py")):
        path = os.path.join(cwd, candidate)
        if os.path.isfile(path) and _confined(policy, cwd, path) is not None:
            return True
    return False


def _python_entry_point(path: str) -> bool:
    """Whether ``path`` may be a Python console script: a script (``#!``; pyenv's shims are
    shell scripts in front of one), not a compiled program such as coreutils' ``test``."""
    try:
        with open(path, "rb") as f:
            first = f.read(2)
    except OSError:
        return False
    return first == b"#!"


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
    mode = tuple(words[1:])
    if name == "python" and not mode and _workspace_module(policy, cwd, argv[1:]):
        mode = ("-m", python_module(argv[1:])[1])  # type: ignore[index]
    try:
        checked = check_builtin(name, spec, argv[1:], mode)
    except ArgRefusal as refusal:
        return _deny(
            "EG-POLICY-FLAG", f"{rule_name}.builtin", refusal.reason + _hint(rule, refusal)
        )
    for value in checked.paths:
        if _climbs_from_found(value):
            # `rsync --backup-dir=../x SRC {}`: a path the program resolves from a found name
            return _deny(
                "EG-PATH-ESCAPE",
                f"{rule_name}.builtin",
                f"{name}: {value[:80]!r} climbs from a name find or xargs hands over when it "
                "runs, which can lead anywhere above it",
            )
        # pytest, mypy and the like expand ~ and $VARS in the paths they are given
        if "$" in value or _confined(policy, cwd, os.path.expanduser(value)) is None:
            return _deny(
                "EG-PATH-ESCAPE",
                f"{rule_name}.builtin",
                f"{name}: {value[:80]!r} names a path outside the workspace (options that "
                "name files, and scripts to run, must stay inside it)",
            )
    return _config_verdict(policy, cwd, rule, rule_name, name, argv, real, mode, checked)


def _config_verdict(
    policy: Policy,
    cwd: str,
    rule: AllowRule,
    rule_name: str,
    name: str,
    argv: tuple[str, ...],
    real: str,
    mode: tuple[str, ...] = (),
    checked: Checked | None = None,
) -> Verdict | None:
    """The refusal of what the program would read from configuration files in the workspace
    (``_configs``, ``_node_configs``), decided as if it were on the command line; or None.
    ``mode`` and ``checked``: the rule's mode words and the arguments as the program's table
    read them (``npx jest``'s options)."""
    runs_pytest = name == "pytest" or (
        name == "python" and (python_module(argv[1:]) or ((), "", ()))[1] == "pytest"
    )
    # `--rootdir DIR`: pytest takes some settings' paths from there
    rootdirs = [
        os.path.join(
            cwd, a.partition("=")[2] if "=" in a else argv[k + 2] if k + 2 < len(argv) else ""
        )
        for k, a in enumerate(argv[1:])
        if a.partition("=")[0] == "--rootdir"
    ]
    try:
        if runs_pytest:
            for config in pytest_configs(cwd, policy.root, argv[1:]):
                # the reasons name the file, the line and the setting, never what it says
                spec = with_flags(builtin_for("pytest")[1], rule.allow_flags)  # type: ignore[index]
                try:
                    checked = check_builtin("pytest", spec, config.addopts, ())
                except ArgRefusal:
                    raise ConfigRefusal(
                        f"addopts in {config.source}{config.line('addopts')} holds an option "
                        f"the rule {rule.command!r} refuses (give the same options on the "
                        "command line to see which, and why)"
                    ) from None
                here = os.path.dirname(config.source)
                named = [("addopts", os.path.join(cwd, p)) for p in checked.paths]
                # pytest takes these from the ini file's directory, the rootdir or where it
                # runs, depending on the key: each must stay inside from all of them
                named += [
                    (key, os.path.join(base, value))
                    for key, value in config.paths
                    for base in dict.fromkeys((here, cwd, *rootdirs))
                ]
                for key, value in named:
                    if "$" in value or _confined(policy, cwd, os.path.expanduser(value)) is None:
                        raise ConfigRefusal(
                            f"{config.source}{config.line(key)} names a path outside the "
                            f"workspace in {key}"
                        )
        elif name in ("npm", "npx"):
            why = npmrc_refusal(cwd, policy.root)
            if why is None and name == "npx" and mode and checked is not None:
                # `npx jest`: the tool's own configuration, read as its options are
                why = node_tool_refusal(
                    mode[0], checked.options, checked.operands, cwd, policy.root
                )
            if why is not None:
                raise ConfigRefusal(why)
        elif name == "node" and checked is not None and ("--test", None) in checked.options:
            why = node_test_refusal(checked.operands, cwd, policy.root)
            if why is not None:
                raise ConfigRefusal(why)

    except ConfigRefusal as refusal:
        return _deny("EG-POLICY-FLAG", f"{rule_name}.config", refusal.reason)
    return None


SCRIPT_SHELL = "/bin/sh"


def _redirect_target(policy: Policy, cwd: str, target: str) -> str | None:
    """The absolute path a redirection may use, or None when it leaves the workspace."""
    return _confined(policy, cwd, target)


def _evaluate_script(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    resolver: Resolver,
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
    zone = _job_zone(policy, request, host_env)
    # `cd DIR && rest` (the form agents send most): a cwd change for the rest
    items = script.items
    while len(items) > 2 and _is_cd(items[0]) and items[1] in ("&&", ";"):
        assert isinstance(items[0], Command)
        moved = _cd_target(policy, cwd, items[0], zone)
        if isinstance(moved, Verdict):
            return moved
        cwd, items = moved, items[2:]
    if script.assignments and not policy.shell.operators:
        return _deny(
            "EG-SHELL-UNSUPPORTED",
            "shell.operators",
            "this policy accepts one simple command per request (no assignments before it)",
            cwd=cwd,
        )
    if script.shell_variables:
        held = _job_env_names(policy, request, host_env) & set(script.shell_variables)
        if held:
            name = sorted(held)[0]
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell",
                f"the line assigns {name}, which the job's environment holds: bash would pass "
                f"the new value to every later program; write it as a prefix ({name}=... "
                "COMMAND) so that the env rules decide it",
                cwd=cwd,
            )
    script = attrs.evolve(script, items=_xargs_as_exec(policy, items))
    by_cat = _fed_by_cat(script) if policy.shell.operators else None
    if by_cat is not None:
        # `cat <<'EOF' | CMD`: cat only copies the literal body, so this is `CMD <<'EOF'`
        feeds, body = by_cat
        if request.stdin is not None:
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell",
                "both stdin and a here-document were given",
                cwd=cwd,
            )
        reading = _resolved(feeds, cwd, zone)
        if isinstance(reading, Verdict):
            return reading
        argv = _expand_globs(policy, cwd, reading.argv, reading.globs)
        if isinstance(argv, Verdict):
            return argv
        argv = tuple("0" if w == STATUS else w for w in argv)
        piped = attrs.evolve(
            request, argv=argv, command=None, stdin=body.encode("utf-8", "surrogateescape")
        )
        return _evaluate(
            policy, _with_assigns(piped, feeds.assigns), host_env, resolver, depth, cwd
        )
    commands = script.commands
    if len(commands) == 1 and not commands[0].redirects and not _is_cd(commands[0]):
        # e.g. "echo a;": one plain command after all, run as an argv with no shell
        only = _resolved(commands[0], cwd, zone)
        if isinstance(only, Verdict):
            return only
        words = _expand_globs(policy, cwd, only.argv, only.globs)
        if isinstance(words, Verdict):
            return words
        words = tuple("0" if w == STATUS else w for w in words)  # no command ran before
        one = _with_assigns(attrs.evolve(request, argv=words, command=None), commands[0].assigns)
        return _evaluate(policy, one, host_env, resolver, depth, cwd)
    if len(commands) > 1 and not policy.shell.operators:
        return _deny(
            "EG-SHELL-UNSUPPORTED",
            "shell.operators",
            "this policy accepts one simple command per request (no lists or pipelines)",
            cwd=cwd,
        )
    plans: list[tuple[str, ...]] = []
    env: dict[str, str] = {}
    targets: list[list[str]] = []
    rules: list[str] = []
    asks: list[str] = []
    first: Verdict | None = None
    start_cwd = cwd
    #: the directories a command may run in besides ``cwd``, when a cd before it is skipped
    elsewhere: list[str] = []
    #: an earlier command of the line that can create symlinks, if any
    linker: str | None = None
    #: an earlier command of the line that can remove or create directory entries, if any
    changer: str | None = None
    #: every command's words as decided (its $(pwd) and $(date) made literal, globs expanded)
    decided: list[str] = []
    #: an earlier command of the line that may write configuration that git, or pytest and
    #: npm, read from the workspace
    writers: dict[str, str | None] = {}
    #: the git directories (not named .git) an earlier command of the line makes: a bare
    #: repository's config and hooks, which no path check knows yet (``git init --bare x``)
    made: list[str] = []
    #: the members of each pipeline: they run at once, so each is "after" every other
    pipes = _pipelines(script.items)
    #: what each command does, for the pipeline check after the loop
    facts: dict[int, _Facts] = {}
    for n, command in enumerate(commands, start=1):
        #: an earlier command of the line, or another member of this one's pipeline
        preceded = n in pipes or any(not _is_cd(c) for c in commands[: n - 1])
        if _is_cd(command):
            # a later `cd DIR`: the canonical script changes to the decided directory itself
            at = script.items.index(command)
            after = script.items[at + 1] if at + 1 < len(script.items) else None
            before = script.items[at - 1] if at > 0 else None
            # after `a || cd d`, a command joined by && runs when `a` succeeded, in the old
            # directory: the cd must be certain to have run for whatever follows it
            if (
                after not in ("&&", ";", None)
                or before in ("|", "||")
                or command.redirects
                or command.assigns
            ):
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell",
                    f"command {n}: cd is accepted only between && or ; (not in a pipeline, "
                    "next to ||, or with redirections or NAME=value prefixes)",
                    cwd=start_cwd,
                )
            if linker is not None:
                # the directory was resolved before the line ran; `linker` may have moved a
                # symlink onto its way since
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.links",
                    f"command {n}: cd after {linker} in the same line, which can create or "
                    "move symlinks on its way; send it as a request of its own",
                    cwd=start_cwd,
                )
            moved = _cd_target(policy, cwd, command, zone)
            if isinstance(moved, Verdict):
                return moved
            # the cd may not run (`a && cd d; b` when a fails) or may fail at run time: what
            # follows is decided in the directory before it too
            elsewhere = list(dict.fromkeys([*elsewhere, cwd]))
            cwd = moved
            plans.append(("cd", "--", cwd))
            targets.append([])
            continue
        resolved = _resolved(command, cwd, zone)
        if isinstance(resolved, Verdict):
            return resolved
        words = _expand_globs(policy, cwd, resolved.argv, resolved.globs)
        if isinstance(words, Verdict):
            return words
        decided.extend(words)
        needed = changer is not None or linker is not None or made or n in pipes
        named_words = _named_words(words) if needed else []
        if changer is not None:
            climbing = next(
                (
                    w
                    for args, _ in named_words
                    for w in args
                    if any(_climbs_through_link(cwd, v) for v in _path_values(w, cwd))
                ),
                None,
            )
            if climbing is not None:
                # `..` after a symlink was resolved from the link's target before the line
                # ran; `changer` may have put a directory in the link's place since, and `..`
                # then climbs from there (rm a && mkdir a && cat a/../../../etc/passwd)
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.links",
                    f"command {n} names {climbing[:60]!r}, whose '..' follows a symlink, after "
                    f"{changer} in the same line, which can put a directory in the link's "
                    "place; send it as a request of its own",
                    cwd=cwd,
                )
        if linker is not None:
            named = next(
                (
                    found
                    for args, skip in named_words
                    if (found := _path_outside(policy, cwd, args, skip, any_path=True))
                ),
                None,
            )
            if named is not None:
                # paths were resolved before the line ran; `linker` may have put or moved a
                # symlink on the way since (ln -s ../.. up && cp -P up ../../x && cat x/...)
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.links",
                    f"command {n} names {named[:60]!r} after {linker} in the same line, which "
                    "can create or move symlinks on its way; send it as a request of its own",
                    cwd=cwd,
                )
        into = _into_made_repository(
            policy,
            cwd,
            named_words,
            tuple(r.target for r in command.redirects if r.op in (">", ">>", "<")),
            made,
            _symlink_maker(words) or _entry_changer(words),
        )
        if into is not None:
            return _deny("EG-SHELL-UNSUPPORTED", "shell.git-init", f"command {n} {into}", cwd=cwd)
        alone = _with_assigns(attrs.evolve(request, argv=words, command=None), command.assigns)
        verdict = _evaluate(policy, alone, host_env, resolver, depth, cwd)
        if verdict.decision.verdict == "deny" or verdict.plan is None:
            d = verdict.decision
            return _deny(
                d.code,
                f"{d.rule} (command {n})",
                f"command {n} ({command.argv[0][:40]!r}): {d.reason}",
                cwd=cwd,
            )
        for other in elsewhere:
            if other == cwd:
                continue
            there = _evaluate(policy, alone, host_env, resolver, depth, other)
            if there.decision.verdict == "deny" or there.plan is None:
                d = there.decision
                return _deny(
                    d.code,
                    f"{d.rule} (command {n})",
                    f"command {n} ({command.argv[0][:40]!r}), run in {other} if a cd before it "
                    f"does not happen: {d.reason}",
                    cwd=cwd,
                )
        if verdict.decision.verdict == "ask":
            asks.append(f"command {n}: {verdict.decision.reason}")
        fed = verdict.plan.stdin
        if fed is not None and (request.stdin is None or fed != bytes(request.stdin)):
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell",
                f"command {n} reads a here-document inside a list or pipeline; send it as a "
                "command line of its own",
                cwd=cwd,
            )
        first = first or verdict
        rules.append(verdict.decision.rule)
        # the command's whole plan, not its words: a shell's -c line runs as decided, a
        # wrapper's inner program by its resolved path
        planned = verdict.plan.argv
        if verdict.plan.cwd != cwd:
            # the command's own plan moved (`bash -c 'cd d && b'`): it runs in a shell of its
            # own that changes to the decided directory, so the line's directory stays
            planned = (
                SCRIPT_SHELL,
                "-c",
                f"cd -- {shlex.quote(verdict.plan.cwd)} && "
                + (planned[2] if planned[:2] == (SCRIPT_SHELL, "-c") else shlex.join(planned)),
            )
        plans.append(planned)
        own = {name for name, _ in command.assigns}  # the script's prefix sets these
        for name, value in verdict.plan.env.items():
            if name not in own:
                env.setdefault(name, value)
        paths: list[str] = []
        if heredoc_out_of_order(command.redirects):
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell.redirect",
                f"command {n} redirects a descriptor and then gives it a here-document; put "
                "the here-document first",
                cwd=cwd,
            )
        for r in command.redirects:
            if r.op in (">&", "<&", "<<"):
                paths.append(r.target)
                continue
            if linker is not None and r.target != "/dev/null":
                # the shell opens the target by name when this command starts, after `linker`
                # ran: a symlink it made there (git checkout, patch, cp -s...) would be followed
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.redirect",
                    f"command {n} redirects to {r.target[:80]!r} after {linker} in the same "
                    "line, which can create symlinks there; send the redirection as a request "
                    "of its own",
                    cwd=cwd,
                )
            if changer is not None and _climbs_through_link(cwd, r.target):
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.redirect",
                    f"command {n} redirects to {r.target[:80]!r}, whose '..' follows a symlink, "
                    f"after {changer} in the same line, which can put a directory in the "
                    "link's place; send the redirection as a request of its own",
                    cwd=cwd,
                )
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
                    f"command {n} redirects to {r.target[:80]!r}, "
                    + (_protected_name(policy, cwd, r.target) or "outside the workspace"),
                    cwd=cwd,
                )
            if writes and _makes_a_repository(target):
                return _deny(
                    "EG-PATH-ESCAPE",
                    "shell.redirect",
                    f"command {n} writes {r.target[:80]!r}: a .git file points git at another "
                    "repository, whose config runs programs when git runs outside the gate",
                    cwd=cwd,
                )
            paths.append(target)
        targets.append(paths)
        patching = _applies_patch(verdict.plan.argv)
        if patching is not None:
            at = script.items.index(command)
            if at > 0 and script.items[at - 1] == "|":
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.patch",
                    f"command {n} ({patching}) reads its patch from a pipe, which execgate "
                    "cannot read before the line runs; save the patch to a file and apply that",
                    cwd=cwd,
                )
            if preceded:
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell.patch",
                    f"command {n} ({patching}) applies a patch that an earlier command of the "
                    "line (or another of its pipeline, which runs at once) may write; send it "
                    "as a request of its own",
                    cwd=cwd,
                )
            inputs = tuple(r.target for r in command.redirects if r.op == "<" and r.fd == 0)
            bodies = [r.target for r in command.redirects if r.op == "<<" and r.fd == 0]
            # a here-document is the patch as much as a < file is
            fed_patch = bodies[-1].encode("utf-8", "surrogateescape") if bodies else None
            why = (
                _patch_escape(policy, cwd, verdict.plan.argv, fed_patch, inputs)
                if inputs or fed_patch is not None
                else None
            )
            if why is not None:
                return _deny("EG-PATH-ESCAPE", f"{verdict.decision.rule}.paths", why, cwd=cwd)
        extracting = _extracts(verdict.plan.argv, cwd)
        if extracting is not None and preceded:
            # its members are read before the line runs: an earlier command (`cp evil.zip
            # a.zip && unzip a.zip`) could put another archive in its place
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell.archive",
                f"command {n} ({extracting}) extracts an archive that an earlier command of the "
                "line may write; send it as a request of its own",
                cwd=cwd,
            )
        shadowed = _unpinned_module(verdict.plan.argv, cwd)
        if shadowed is not None and preceded:
            # an interpreter without -P imports M from the working directory first, and the
            # directory was looked at before the line ran: an earlier command may write M.py
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell.python",
                f"command {n} (python -m {shadowed}) runs on an interpreter without -P, which "
                "would import a module an earlier command of the line writes in its place; "
                "send it as a request of its own",
                cwd=cwd,
            )
        init = _git_init(verdict.plan.argv)
        if (init == "bare" and preceded) or (init == "plain" and linker is not None):
            # what it keeps of the directory (hooks, config) is looked at before the line runs:
            # a bare one is any directory, a plain one's .git only a tree copy can fill
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell.git-init",
                f"command {n} (git init) makes a repository of a directory an earlier command of "
                "the line may write; send it as a request of its own",
                cwd=cwd,
            )
        linker = linker or _symlink_maker(verdict.plan.argv)
        changer = changer or linker or _entry_changer(verdict.plan.argv)
        config_writer = next(
            (writers[k] for k in _config_reader(verdict.plan.argv) if writers.get(k)), None
        )
        if config_writer is not None:
            # its configuration is decided before the line runs, from the files as they are
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell.config",
                f"command {n} reads configuration from the workspace that {config_writer} may "
                "write earlier in the same line (pytest.ini, pyproject.toml, .npmrc, "
                "tsconfig.json, jest.config.json...); send it as a request of its own",
                cwd=cwd,
            )
        memo: dict[str, list[str]] = {}
        own_writers = {
            kind: _config_writer(command, verdict.plan.argv, kind, cwd, paths, memo)
            for kind in ("git", "tools", "node")
        }
        for kind in ("git", "tools", "node"):
            writers[kind] = writers.get(kind) or own_writers[kind]
        repositories = _made_repositories(verdict.plan.argv, cwd)
        made.extend(repositories)
        facts[n] = _Facts(
            cwd=cwd,
            named=tuple(named_words),
            redirects=tuple(r.target for r in command.redirects if r.op in (">", ">>", "<")),
            linker=_symlink_maker(verdict.plan.argv),
            changer=_symlink_maker(verdict.plan.argv) or _entry_changer(verdict.plan.argv),
            readers=_config_reader(verdict.plan.argv),
            writers=own_writers,
            made=tuple(repositories),
        )
    for n, members in pipes.items():
        concurrent = _concurrent_refusal(policy, n, members, facts, commands)
        if concurrent is not None:
            return _deny("EG-SHELL-UNSUPPORTED", *concurrent, cwd=facts[n].cwd)
    if first is None or first.plan is None:
        # only cd commands (`cd a && cd b`), each confined: what the line can do is what `cd`
        # to the last directory does alone
        last = attrs.evolve(request, argv=("cd", cwd), command=None)
        return _evaluate(policy, last, host_env, resolver, depth, start_cwd)
    canonical = render(script, plans, targets, policy.root)
    # every command's environment: each is the request's, plus what a program's hardening
    # adds (git's GIT_CONFIG_*), which other programs ignore
    plan = attrs.evolve(first.plan, argv=(SCRIPT_SHELL, "-c", canonical), env=env, cwd=start_cwd)
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
    return Verdict(decision, plan, tuple(decided), start_cwd)


def _pipelines(items: tuple[Command | str, ...]) -> dict[int, tuple[int, ...]]:
    """For each command (numbered from 1) in a pipeline of two or more, every member of that
    pipeline: its commands run at once, so none is before or after another."""
    groups: list[list[int]] = []
    n = 0
    piping = False
    for item in items:
        if isinstance(item, Command):
            n += 1
            if piping:
                groups[-1].append(n)
            else:
                groups.append([n])
            piping = False
        else:
            piping = item == "|"
    return {m: tuple(g) for g in groups if len(g) > 1 for m in g}


@attrs.frozen
class _Facts:
    """What one decided command of a line names and does, as a check between the members of
    a pipeline reads it."""

    cwd: str
    named: tuple[tuple[tuple[str, ...], frozenset[int]], ...]
    #: its redirection targets (as written)
    redirects: tuple[str, ...]
    linker: str | None
    changer: str | None
    readers: tuple[str, ...]
    writers: dict[str, str | None]
    made: tuple[str, ...]


def _concurrent_refusal(
    policy: Policy,
    n: int,
    members: tuple[int, ...],
    facts: dict[int, _Facts],
    commands: tuple[Command, ...],
) -> tuple[str, str] | None:
    """(rule, reason) when command ``n`` runs beside another member of its pipeline that can
    change what it was decided on -- make or move a symlink on its way, put a directory in
    a symlink's place, write the configuration it reads, make a repository of a directory it
    writes into -- else None. Every check a later command of a list gets after such a
    command, a pipeline's member gets whatever its place: `tail -F ../l | ln -s . d`."""
    me = facts.get(n)
    if me is None:
        return None
    for o in members:
        other = facts.get(o)
        if o == n or other is None:
            continue
        beside = (
            f"command {o} ({commands[o - 1].argv[0][:40]!r}), which runs at the same time in "
            "the same pipeline"
        )
        if other.linker is not None:
            named = next(
                (
                    found
                    for args, skip in me.named
                    if (found := _path_outside(policy, me.cwd, args, skip, any_path=True))
                ),
                None,
            ) or next((t for t in me.redirects if t != "/dev/null"), None)
            if named is not None:
                return (
                    "shell.links",
                    f"command {n} names {named[:60]!r} beside {beside}: {other.linker} can "
                    "create or move symlinks on its way; send them as requests of their own",
                )
        if other.changer is not None:
            climbing = next(
                (
                    w
                    for w in (*(w for args, _ in me.named for w in args), *me.redirects)
                    if any(_climbs_through_link(me.cwd, v) for v in _path_values(w, me.cwd))
                ),
                None,
            )
            if climbing is not None:
                return (
                    "shell.links",
                    f"command {n} names {climbing[:60]!r}, whose '..' follows a symlink, "
                    f"beside {beside}: {other.changer} can put a directory in the link's "
                    "place; send them as requests of their own",
                )
        writer = next((other.writers[k] for k in me.readers if other.writers.get(k)), None)
        if writer is not None:
            return (
                "shell.config",
                f"command {n} reads configuration from the workspace that "
                f"{writer} may write beside it ({beside}) (pytest.ini, "
                "pyproject.toml, .npmrc, tsconfig.json...); send them as requests of their own",
            )
        if other.made:
            into = _into_made_repository(
                policy, me.cwd, list(me.named), me.redirects, list(other.made), me.linker
            )
            if into is not None:
                return "shell.git-init", f"command {n} {into} ({beside})"
    return None


#: git clone's and git init's options that take the next word as their value.
_CLONE_VALUED = frozenset(
    {"-b", "--branch", "-o", "--origin", "-u", "--upload-pack", "--reference",
     "--reference-if-able", "-c", "--config", "--depth", "--shallow-since", "--shallow-exclude",
     "-j", "--jobs", "--filter", "--template", "--separate-git-dir", "--server-option",
     "--bundle-uri", "--ref-format", "--revision", "--object-format", "--initial-branch"}
)  # fmt: skip


def _made_repositories(plan: tuple[str, ...], cwd: str) -> tuple[str, ...]:
    """The git directories ``plan`` makes (``git init``, ``git clone``, through wrappers and
    shells too), as real paths: ``DIR/.git``, or DIR itself for ``--bare`` and ``--mirror``,
    and a ``--separate-git-dir``."""

    def probe(inner: tuple[str, ...]) -> str | None:
        found = _git_made(inner, cwd)
        return "\0".join(found) if found else None

    joined = _through_wrappers(plan, frozenset({"git"}), probe)
    return tuple(joined.split("\0")) if joined else ()


def _git_made(argv: tuple[str, ...], cwd: str) -> tuple[str, ...]:
    if os.path.basename(argv[0]) != "git":
        return ()
    at = git_subcommand(argv)
    if at is None or argv[at] not in ("init", "clone"):
        return ()
    here = os.path.join(cwd, *working_dirs("git", argv[1:])[-1:])
    bare = False
    separate: list[str] = []
    operands: list[str] = []
    i = at + 1
    while i < len(argv):
        word = argv[i]
        i += 1
        name, eq, value = word.partition("=")
        if word == "--":
            operands.extend(argv[i:])
            break
        if (
            name.startswith("--")
            and len(name) > 3
            and ("--bare".startswith(name) or "--mirror".startswith(name))
        ):
            bare = True
        elif name.startswith("--") and len(name) > 4 and "--separate-git-dir".startswith(name):
            if not eq and i < len(argv):
                value = argv[i]
                i += 1
            separate.append(value)
        elif word in _CLONE_VALUED:
            i += 1
        elif not word.startswith("-"):
            operands.append(word)
    if argv[at] == "init":
        targets = operands[:1] or ["."]
    elif len(operands) > 1:
        targets = [operands[1]]
    elif operands:
        # git's "humanish" name of the URL, with and without .git (a bare clone keeps it)
        stem = re.split(r"[/:]", operands[0].rstrip("/").removesuffix("/.git"))[-1]
        stem = stem.removesuffix(".git")
        targets = [stem, stem + ".git"]
    else:
        targets = []
    dirs = [os.path.join(here, t) if bare else os.path.join(here, t, ".git") for t in targets]
    dirs += [os.path.join(here, d) for d in separate]
    return tuple(_real(d) for d in dirs)


def _into_made_repository(
    policy: Policy,
    cwd: str,
    named: list[tuple[tuple[str, ...], frozenset[int]]],
    redirects: tuple[str, ...],
    made: list[str],
    writer: str | None,
) -> str | None:
    """Why a command naming ``named`` (and redirecting to ``redirects``) reaches into a git
    directory an earlier command of the line makes (``made``), or None. Its config and hooks
    are no git's until it is made, so no path check knows them: anything named inside it is
    refused, and so is a tree written over it (``writer``, a program that copies, moves or
    links, naming a directory above it; git writing its worktree)."""
    if not made:
        return None
    plain = [g for g in made if os.path.basename(g) != ".git"]
    if writer == "git" and plain:
        return (
            f"writes the worktree after a command of the same line makes {plain[0][:80]!r} a "
            "repository, whose config and hooks it could write; send it as a request of its own"
        )
    words = [arg for args, skip in named for k, arg in enumerate(args) if k not in skip]
    for word in (*words, *redirects):
        for value in _path_values(word, cwd):
            where = _real(os.path.join(cwd, value))
            for g in made:
                inside = where == g or where.startswith(g.rstrip("/") + "/")
                above = (
                    writer is not None
                    and os.path.basename(g) != ".git"
                    and g.startswith(where.rstrip("/") + "/")
                )
                if inside or above:
                    return (
                        f"names {word[:60]!r}, {'in' if inside else 'above'} {g[:80]!r}, which "
                        "a command of the same line makes a git directory: its config and "
                        "hooks run programs when git runs there; send it as a request of its own"
                    )
    return None


def _named_words(words: tuple[str, ...]) -> list[tuple[tuple[str, ...], frozenset[int]]]:
    """What a line check must read of one command: (arguments, indexes of those that are no
    paths) for the command itself and for every command inside it -- a wrapper's (``timeout
    5 cat x``), find's -exec or -delete -- and the files a sed script names (``1r FILE``).
    Each was decided on its own before the line ran, which is what a line check re-reads."""
    out: list[tuple[tuple[str, ...], frozenset[int]]] = []
    todo = [words]
    while todo and len(out) < MAX_DEPTH * 4:
        command = todo.pop()
        if not command:
            continue
        name = os.path.basename(command[0])
        args = command[1:]
        skip = not_paths(name, args)
        out.append((args, skip))
        if name in ("sed", "gsed"):
            out.append(
                (tuple(f for i in sorted(skip) for f in sed_script_files(args[i])), frozenset())
            )
        try:
            inner = unwrap(name, command) if name in WRAPPERS or name == "find" else None
        except WrapperRefusal:
            inner = None  # refused when the command itself was decided
        if inner is not None:
            todo.append(tuple(w for w in inner.inner if w != "{}"))
    return out


def _fed_by_cat(script: Script) -> tuple[Command, str] | None:
    """``cat <<'EOF' | CMD`` (cat with no argument but its here-document, CMD with no
    redirection and no stdin of its own): (CMD, the body), which it reads exactly as
    ``CMD <<'EOF'`` would have it read; None for any other line."""
    if len(script.items) != 3 or script.items[1] != "|":
        return None
    cat, _, reader = script.items
    assert isinstance(cat, Command) and isinstance(reader, Command)
    if cat.argv not in (("cat",), ("cat", "-")) or cat.assigns or reader.redirects:
        return None
    if len(cat.redirects) != 1 or cat.redirects[0].op != "<<" or cat.redirects[0].fd != 0:
        return None
    return reader, cat.redirects[0].target


#: find's primaries that act (print, run, write, delete): with any of them, what find writes
#: to the pipe is not simply the names it finds.
_FIND_ACTIONS = frozenset(
    {"-print", "-print0", "-printf", "-fprint", "-fprint0", "-fprintf", "-ls", "-fls", "-exec",
     "-execdir", "-ok", "-okdir", "-delete", "-prune", "-quit"}
)  # fmt: skip


def _xargs_as_exec(policy: Policy, items: tuple[Command | str, ...]) -> tuple[Command | str, ...]:
    """``find S E | xargs CMD ARGS`` (the way agents search: ``find . -name '*.py' | xargs
    grep -l x``) as ``find S E -exec CMD ARGS {} +``, which runs CMD on the names find
    finds, in batches, as xargs does -- but hands over each name whole (xargs would split
    one holding a space) and runs nothing when find finds nothing (xargs -r). The -exec is
    then decided as any find -exec is: CMD under its own rule, no symlink and nothing in
    .git handed to it. Only the plain shape is taken (find printing names and nothing
    else, xargs with no option but -r or -0 after -print0, no assignments, no redirection
    of find's output), and never where a deny rule names xargs; any other line is returned
    as it is, for xargs's own refusal."""
    if any(os.path.basename(r.command.split()[0]) == "xargs" for r in policy.deny):
        return items
    out = list(items)
    n = 0
    while n + 2 < len(out):
        find, bar, xargs = out[n], out[n + 1], out[n + 2]
        n += 1
        if bar != "|" or not isinstance(find, Command) or not isinstance(xargs, Command):
            continue
        if os.path.basename(find.argv[0]) != "find" or os.path.basename(xargs.argv[0]) != "xargs":
            continue
        if n > 1 and out[n - 2] == "|":
            continue  # find reads no stdin, but keep pipelines into it as they are
        found = list(zip(find.argv, find.globs or (None,) * len(find.argv), strict=True))
        run = list(zip(xargs.argv, xargs.globs or (None,) * len(xargs.argv), strict=True))[1:]
        null = False
        while run and run[0][0].startswith("-") and run[0][1] is None:
            if run[0][0] in ("-0", "--null"):
                null = True
            elif run[0][0] not in ("-r", "--no-run-if-empty"):
                break
            run.pop(0)
        if null:
            if [w for w, _ in found[-1:]] != ["-print0"]:
                continue
            found.pop()
        if (
            not run
            or run[0][0].startswith("-")
            or find.assigns
            or xargs.assigns
            or any(w in _FIND_ACTIONS for w, _ in found)
            or any(w in (";", "+") or "{}" in w for w, _ in run)  # would end or bend -exec
            or any(r.fd != 2 for r in find.redirects)
            or (find.redirects and xargs.redirects)
        ):
            continue
        at = 1 + find_expression_at(tuple(w for w, _ in found[1:]))
        if any(w in ("-o", "-or", ",") for w, _ in found[at:]):
            # -exec joins the whole expression, as the implied -print did
            found = [*found[:at], ("(", None), *found[at:], (")", None)]
        words = [*found, ("-exec", None), *run, ("{}", None), ("+", None)]
        out[n - 1 : n + 2] = [
            Command(
                argv=tuple(w for w, _ in words),
                redirects=(*find.redirects, *xargs.redirects),
                globs=tuple(g for _, g in words),
            )
        ]
    return tuple(out)


def _job_env_names(policy: Policy, request: ExecRequest, host_env: Mapping[str, str]) -> set[str]:
    """The names a job's environment may hold: inherited, set by the policy, or overridden."""
    return {
        *inherited(policy.env, host_env),
        *policy.env.set,
        *request.env_overrides,
        "PATH",
    }


#: The clock ``$(date +FORMAT)`` reads: the decision's time (tests set it).
clock = time.time


def _resolved(command: Command, cwd: str, zone: str | None) -> Command | Verdict:
    """The command with each ``$(pwd)`` and ``$(date +FORMAT)`` replaced by its value now, in
    ``cwd`` (the directory the command runs in, after any cd before it) and, for the date, in
    the job's time zone ``zone`` (its TZ; the host's zone when None)."""
    if not any(MARK in w for w in command.argv):
        return command
    tz: datetime.tzinfo | None = None
    if any(name == "TZ" for name, _ in command.assigns):
        return _deny(
            "EG-SHELL-UNSUPPORTED",
            "shell",
            "$(date ...) in a line that sets TZ: which zone the shell formats in is left to "
            "the order of its steps; give the time as a literal",
            cwd=cwd,
        )
    if zone:
        try:
            tz = zoneinfo.ZoneInfo(zone.removeprefix(":"))
        except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
            tz = None
            if any(MARK + k in w for w in command.argv for k in "Dd"):
                return _deny(
                    "EG-SHELL-UNSUPPORTED",
                    "shell",
                    f"$(date +FORMAT) where the job's TZ is {zone[:40]!r}, a zone the gate "
                    "cannot read; use date -u",
                    cwd=cwd,
                )
    now = clock()
    argv: list[str] = []
    globs: list[str | None] = list(command.globs) or [None] * len(command.argv)
    for i, word in enumerate(command.argv):
        try:
            argv.append(resolve_marks(word, cwd, now, tz))
            if globs[i] is not None:
                globs[i] = resolve_marks(globs[i] or "", cwd, now, tz, glob=True)
        except ShellRefusal as refusal:
            return _deny(refusal.code, "shell", refusal.reason, cwd=cwd)
    return attrs.evolve(command, argv=tuple(argv), globs=tuple(globs) if any(globs) else ())


def _job_zone(policy: Policy, request: ExecRequest, host_env: Mapping[str, str]) -> str | None:
    """The TZ the job's shell has: the request's, the policy's fixed one, or the host's when
    the policy passes it through."""
    if "TZ" in request.env_overrides:
        return request.env_overrides["TZ"]
    if "TZ" in policy.env.set:
        return policy.env.set["TZ"]
    return inherited(policy.env, host_env).get("TZ")


#: A glob that expands to more words than this is refused rather than decided word by word.
MAX_GLOB_WORDS = 4096


def _expand_globs(
    policy: Policy, cwd: str, words: tuple[str, ...], globs: tuple[str | None, ...]
) -> tuple[str, ...] | Verdict:
    """The words with each unquoted glob expanded as bash expands it, inside the workspace:
    matches sorted, hidden files only when the pattern's component starts with a dot, and a
    pattern that matches nothing left as it was written. A pattern whose fixed directory
    lies outside the workspace is refused before anything is listed."""
    if not any(g is not None for g in globs):
        return words
    out: list[str] = []
    for word, pattern in zip(words, globs, strict=False):
        if pattern is None:
            out.append(word)
            continue
        try:
            matches = sorted(_glob_inside(policy, cwd, pattern))
        except _OutsideGlob:
            return _deny(
                "EG-PATH-ESCAPE",
                "shell.glob",
                f"the glob {word[:80]!r} lists a directory outside the workspace",
                cwd=cwd,
            )
        for match in matches:
            # a name the workspace holds becomes a word of the plan: refused as the same
            # character typed into the request is
            hidden = _invisible_in_text(f"the glob {word[:80]!r} matches a name that", match)
            if hidden is not None:
                return _deny("EG-POLICY-LOOKALIKE", "shell.glob", hidden, cwd=cwd)
        dashed = next((m for m in matches if m.startswith("-")), None)
        if dashed is not None and "--" not in out[1:]:
            # a file named like an option becomes one (`touch -- -at..` then `cp * x`)
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell.glob",
                f"the glob {word[:80]!r} matches the file {dashed[:80]!r}, which the program "
                "would read as an option; start the pattern with ./",
                cwd=cwd,
            )
        out.extend(matches or [word])
        if len(out) > MAX_GLOB_WORDS:
            return _deny(
                "EG-SHELL-UNSUPPORTED",
                "shell.glob",
                f"the globs expand to more than {MAX_GLOB_WORDS} words",
                cwd=cwd,
            )
    return tuple(out)


def _with_assigns(request: ExecRequest, assigns: tuple[tuple[str, str], ...]) -> ExecRequest:
    """A command's ``NAME=value`` prefixes, decided as the request's env overrides are."""
    if not assigns:
        return request
    return attrs.evolve(request, env_overrides={**request.env_overrides, **dict(assigns)})


#: Programs that create symlinks as part of ordinary work (from a repository, a patch, an
#: archive, a copy): a later redirection in the same line could be led through one.
SYMLINK_MAKERS = frozenset(
    {"ln", "link", "cp", "mv", "install", "git", "patch", "tar", "bsdtar", "cpio", "unzip",
     "7z", "7za", "rsync", "busybox"}
)  # fmt: skip


#: git subcommands that only read the worktree: they create no symlink.
_GIT_READERS = frozenset(
    {"status", "log", "show", "diff", "blame", "grep", "rev-parse", "ls-files", "ls-tree",
     "describe", "shortlog", "rev-list", "cat-file", "merge-base", "name-rev", "show-ref",
     "branch", "tag", "remote", "config", "symbolic-ref", "add", "commit", "rm", "fetch",
     "whatchanged", "reflog", "count-objects", "fsck", "version", "help", "init"}
)  # fmt: skip


def _through_wrappers(
    plan: tuple[str, ...], names: frozenset[str], probe: Callable[[tuple[str, ...]], str | None]
) -> str | None:
    """``probe`` of the command ``plan`` runs, looking through wrappers, shells and find's
    -exec (``timeout 5 unzip x.zip``; a canonical script's programs are words of its line):
    the first answer for an inner command whose program is one of ``names``, or None."""
    outer = os.path.basename(plan[0])
    if outer == "find" and (found := probe(plan)) is not None:
        return found  # find's own action (-delete), before the command its -exec runs
    if outer in WRAPPERS or outer in SHELLS or outer == "find":
        words, basenames = _plan_words(plan[1:])
        for n, inner in enumerate(basenames):
            if inner in names:
                found = _through_wrappers(words[n:], names, probe)
                if found is not None:
                    return found
        return None
    return probe(plan)


@functools.lru_cache(maxsize=4096)
def _symlink_maker(plan: tuple[str, ...]) -> str | None:
    """The program of ``plan`` that can create symlinks, looking through wrappers and shells."""
    return _through_wrappers(plan, SYMLINK_MAKERS, _makes_symlinks)


def _makes_symlinks(plan: tuple[str, ...]) -> str | None:
    name = os.path.basename(plan[0])
    if name == "git":
        at = git_subcommand(plan)
        if at is not None and plan[at] in _GIT_READERS:
            return None
    if name == "cp" and not any(cp_keeps_links(a) for a in plan[1:]):
        return None  # a plain copy follows a symlink source: it writes a file, not a link
    return name if name in SYMLINK_MAKERS else None


#: Programs whose table refuses a destination that names this machine (read from the host).
_HOST_PROGRAMS = frozenset({"ssh", "scp"})


#: git init's options that take the next word as their value.
_INIT_VALUED = frozenset({"-b", "--initial-branch", "--template", "--separate-git-dir",
                          "--object-format", "--ref-format"})  # fmt: skip


def _git_init(plan: tuple[str, ...]) -> str | None:
    """``"bare"`` or ``"plain"`` when ``plan`` runs ``git init`` (through wrappers or a
    shell's line too), else None."""
    return _through_wrappers(plan, frozenset({"git"}), _git_init_kind)


def _git_init_kind(plan: tuple[str, ...]) -> str | None:
    if os.path.basename(plan[0]) != "git":
        return None
    at = git_subcommand(plan)
    if at is None or plan[at] != "init":
        return None
    bare = any(len(w) > 2 and "--bare".startswith(w) for w in plan[at + 1 :])
    return "bare" if bare else "plain"


def _init_keeps(cwd: str, argv: tuple[str, ...], at: int) -> str | None:
    """The directory ``git init`` (argv[at]) would turn into a git directory while keeping
    the hooks, config or HEAD already in it (git init keeps them), or None."""
    here = cwd
    i = 1
    while i < at:
        if argv[i] == "-C" and i + 1 < at:
            here = os.path.join(here, argv[i + 1])
            i += 2
            continue
        i += 1
    bare = False
    target = "."
    i = at + 1
    while i < len(argv):
        word = argv[i]
        if len(word) > 2 and "--bare".startswith(word):
            bare = True  # git takes any unambiguous prefix: --bar, --ba, --b
        elif word in _INIT_VALUED:
            i += 1
        elif not word.startswith("-") or word == "--":
            if word != "--":
                target = word
            elif i + 1 < len(argv):
                target = argv[i + 1]
                break
        i += 1
    git_dir = os.path.join(here, target) if bare else os.path.join(here, target, ".git")
    if not os.path.isdir(git_dir):
        return None
    if _is_git_dir(git_dir) and not bare:
        return None  # re-initialising the repository the gate already decides on
    planted = [
        n
        for n in ("HEAD", "config", "hooks", "commondir", "info")
        if os.path.lexists(os.path.join(git_dir, n))
    ]
    return git_dir if planted else None


#: Programs that remove or create directory entries without making symlinks: after one, a
#: symlink named earlier may have become a directory.
ENTRY_CHANGERS = frozenset({"rm", "rmdir", "unlink", "mkdir", "mv", "install", "mktemp"})


def _entry_changer(plan: tuple[str, ...]) -> str | None:
    """The program of ``plan`` that can remove or create directory entries, looking through
    wrappers and shells, or None: git counts unless its subcommand only reads (``git rm a
    && git init a`` turns a symlink into a directory as ``rm a && mkdir a`` does)."""
    return _through_wrappers(plan, ENTRY_CHANGERS | {"git", "find"}, _changes_entries)


def _changes_entries(plan: tuple[str, ...]) -> str | None:
    name = os.path.basename(plan[0])
    if name == "find":
        return "find -delete" if "-delete" in plan[1:] else None
    if name == "git":
        at = git_subcommand(plan)
        return None if at is not None and plan[at] in _GIT_KEEPS_ENTRIES else "git"
    return name if name in ENTRY_CHANGERS else None


#: git subcommands that neither create nor remove worktree entries (``rm`` and ``init`` do).
_GIT_KEEPS_ENTRIES = _GIT_READERS - {"rm", "init"}


def _climbs_through_link(cwd: str, value: str) -> bool:
    """Whether ``value`` (from ``cwd``) has a ``..`` whose meaning depends on a symlink on
    its way -- in its own words or in the target of a symlink it passes through (``r ->
    d1/../../x`` with ``d1`` a link): the kernel resolves ``link/..`` from the link's target,
    so the path means something else once that link is replaced by a directory."""
    end = object()  # marks where a link's target ends: a `..` right after climbs from it
    queue: list[object] = [p for p in os.path.join(cwd, value).split("/") if p]
    here = "/"
    after_link = False
    hops = 0
    while queue:
        part = queue.pop(0)
        if part is end:
            after_link = True
            continue
        assert isinstance(part, str)
        if part == ".":
            continue
        if part == "..":
            if after_link:
                return True
            here = os.path.dirname(here)
            continue
        after_link = False
        step = os.path.join(here, part)
        if os.path.islink(step):
            hops += 1
            if hops > 40:
                return True  # a loop the kernel refuses: no meaning to keep
            try:
                target = os.readlink(step)
            except OSError:
                return True
            if target.startswith("/"):
                here = "/"
            queue[:0] = [*(t for t in target.split("/") if t), end]
            continue
        here = step
    return False


#: Files a program reads options from, decided in ``_configs`` (or pinned off in ``_pins``).
CONFIG_FILES = frozenset(
    {"pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml", "pyproject.toml", "tox.ini",
     "setup.cfg", ".npmrc", "conftest.py", "mypy.ini", ".mypy.ini", "pylintrc", ".pylintrc",
     ".flake8", "ruff.toml", ".ruff.toml"}
)  # fmt: skip
#: Files the Node tools npx runs read their configuration from (``_node_configs``): written
#: earlier in a line, they would be read after the gate read them. Besides the names the tools
#: look for, any data file (a ``--config``, ``-p`` or ``extends`` may name one by any name) and
#: any dotfile (``.prettierrc``, ``.babelrc``); not code (a test written before it is run).
NODE_CONFIG_FILES = re.compile(
    r"^(?:package\.json|package\.yaml|[jt]sconfig(?:\..*)?\.json|jest\.config\..*"
    r"|jest-preset\..*|\.eslintrc.*|eslint\.config\..*|\.prettierrc.*|prettier\.config\..*"
    r"|babel\.config\..*|\.babelrc.*|vitest\.(?:config|workspace)\..*|vite\.config\..*"
    r"|.*\.(?:json|json5|jsonc|ya?ml|toml)|\.[^.]+)$",
    re.IGNORECASE,
)
#: Files outside ``.git`` that the gate reads for git (its submodules' settings, a ``.git``
#: file pointing elsewhere).
GIT_CONFIG_FILES = frozenset({".gitmodules", ".git"})
#: Programs that write files they are not named with (a checkout, a patch, an archive, a
#: download named by its URL or its server, a file decompressed beside its input).
_BULK_WRITERS = frozenset(
    {"patch", "tar", "bsdtar", "cpio", "unzip", "7z", "7za", "rsync", "busybox", "dd", "wget",
     "gunzip", "bunzip2", "unxz", "unlzma", "unzstd", "uncompress", "lzop", "lz4", "brotli"}
)  # fmt: skip
#: Programs whose operands (or last operand) are files they write.
_NAMED_WRITERS = frozenset(
    {"cp", "mv", "ln", "link", "install", "tee", "sed", "touch", "truncate", "uniq", "xxd",
     "split", "csplit", "sort", "base64", "iconv", "gzip", "gunzip", "zcat", "bzip2", "xz"}
)  # fmt: skip
_ANY_WRITER = _NAMED_WRITERS | _BULK_WRITERS | {"mv", "ln", "link", "git", "cp", "install"}
#: Compressors that decompress (and write the input's name without its suffix) with -d.
_DECOMPRESS_WITH_D = frozenset({"gzip", "bzip2", "xz", "lzma", "zstd", "pigz", "lz4", "lzop"})
#: Programs that only read the files they name (a name among their words is no write), and
#: the readers of configuration themselves.
_ONLY_READERS = frozenset(
    {"cat", "head", "tail", "less", "more", "grep", "egrep", "fgrep", "rg", "ag", "wc", "diff",
     "cmp", "ls", "stat", "file", "md5sum", "sha1sum", "sha256sum", "sha512sum", "b2sum",
     "cksum", "nl", "od", "hexdump", "strings", "realpath", "readlink", "du", "test",
     "[", "echo", "printf", "basename", "dirname", "jq", "pytest", "py.test", "npm", "npx",
     "mypy", "dmypy", "pylint", "flake8", "bat", "batcat", "column", "comm", "cut", "fold",
     "fmt", "paste", "pr", "tac", "rev", "expand", "unexpand", "look", "join", "zcat", "bzcat",
     "xzcat", "zstdcat"}
)  # fmt: skip


#: git subcommands that write the repository's own configuration.
_GIT_CONFIG_WRITERS = frozenset({"config", "remote", "submodule", "worktree", "clone"})


def _config_writer(
    command: Command,
    plan: tuple[str, ...],
    reader: str,
    cwd: str,
    targets: list[str],
    memo: dict[str, list[str]] | None = None,
) -> str | None:
    """What in this command may write a configuration file that ``reader`` ("git"; "tools": pytest,
    npm, the linters; "node": the tools npx runs) reads -- see ``CONFIG_FILES`` (and any
    ``.ini``, ``.cfg`` or ``.toml`` file, which ``-c`` may name) and ``NODE_CONFIG_FILES``;
    for git, anything in a ``.git`` directory and ``GIT_CONFIG_FILES``. Paths are judged
    where they resolve (``cd .git && echo >> config`` writes .git/config). Counted: a
    redirection to one; any command whose words name one -- as an operand, an option's value
    (``curl -o .npmrc``, ``sort -o.npmrc``), a URL whose name it takes (``wget URL/.npmrc``)
    -- unless its program only reads what it names (cat, grep, the readers themselves); any
    ``mv`` or ``ln`` (a directory moved or linked into place brings its files) and a tree
    copied; bulk writers (archives, patches, downloads named by their URL, files
    decompressed beside their input); git subcommands that write the worktree or the
    configuration. Scripts (python3 x.py) are not counted: a script could run the reader
    itself with any options."""

    known = {} if memo is None else memo  # each path resolved once for both readers

    def config(path: str) -> bool:
        parts = known.get(path)
        if parts is None:
            joined = os.path.join(cwd, path)
            if not os.path.lexists(joined) and "/" not in path.rstrip("/"):
                parts = f"{cwd}/{path}".split("/")  # a name not there yet (cwd is real)
            else:
                parts = _real(joined).split("/")
            known[path] = parts
        if reader == "git":
            return ".git" in parts or parts[-1] in GIT_CONFIG_FILES
        name = parts[-1]
        if reader == "node":
            return NODE_CONFIG_FILES.match(name) is not None
        # besides the names the tools look for, any file a `-c`, `--config-file`, `--rcfile`
        # or `--config` may name by another name
        return name in CONFIG_FILES or name.lower().endswith((".ini", ".cfg", ".toml"))

    def named(word: str) -> bool:
        # a URL's last component is the name a download takes (curl -O, wget)
        values = [*_path_values(word, cwd), word.split("?", 1)[0].split("#", 1)[0].rstrip("/")]
        return any(v and config(v) for v in values)

    for r, target in zip(command.redirects, targets, strict=False):
        if r.op in (">", ">>") and config(target):
            return f"a redirection to {r.target[:60]!r}"
    words, names = _plan_words(plan)
    program = os.path.basename(plan[0])
    if program not in _ONLY_READERS and program != "git":
        # any program that names one and is not known to only read it (curl -o .npmrc)
        hit = next((w for w in words[1:] if named(w)), None)
        if hit is not None:
            return f"{program} (it names {hit[:40]!r})"
    for n, name in enumerate(names):
        if name not in _ANY_WRITER and name not in _DECOMPRESS_WITH_D:
            continue
        if name in _BULK_WRITERS or name in ("mv", "ln", "link"):
            return name
        if name in _DECOMPRESS_WITH_D and any(
            w == "--decompress" or (w.startswith("-") and not w.startswith("--") and "d" in w)
            for w in words[n + 1 :]
        ):
            return f"{name} -d"
        if name == "git":
            at = git_subcommand(tuple(words[n:]))
            if at is None:
                continue
            sub = words[n + at]
            writes = sub in _GIT_CONFIG_WRITERS if reader == "git" else sub not in _GIT_READERS
            if writes:
                return f"git {sub}"
        if name in _NAMED_WRITERS and any(
            config(w) for w in words[n + 1 :] if not w.startswith("-")
        ):
            return name
        if name in ("cp", "install") and any(
            w.startswith("-") and any(c in w for c in "rRat") for w in words[n + 1 :]
        ):
            return name  # a tree copied may hold one
    return None


@functools.lru_cache(maxsize=4096)
def _plan_words(plan: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A plan's words (a canonical script's split into its words) and their basenames:
    computed once per plan, since the same lines come back."""
    words = tuple(w for part in plan for w in (part.split() if " " in part else [part]))
    return words, tuple(os.path.basename(w) for w in words)


@functools.lru_cache(maxsize=4096)
def _extracts(plan: tuple[str, ...], cwd: str) -> str | None:
    """The extractor's name when ``plan`` extracts an archive (``unzip``, ``tar -x``; through
    wrappers such as ``timeout`` too), else None."""

    def extracts(inner: tuple[str, ...]) -> str | None:
        name = os.path.basename(inner[0])
        if name not in EXTRACTORS:
            return None
        try:
            return name if extraction(name, inner[1:], cwd) is not None else None
        except Unreadable:
            return name

    return _through_wrappers(plan, frozenset(EXTRACTORS), extracts)


def _applies_patch(plan: tuple[str, ...]) -> str | None:
    """ "patch", "git apply" or "git am" when ``plan`` applies a patch (through wrappers such
    as ``timeout`` too), else None."""
    return _through_wrappers(plan, frozenset({"patch", "git"}), _patch_applier)


def _patch_applier(plan: tuple[str, ...]) -> str | None:
    name = os.path.basename(plan[0])
    if name == "patch":
        return name
    if name == "git":
        at = git_subcommand(plan)
        if at is not None and plan[at] in ("apply", "am"):
            return f"git {plan[at]}"
    return None


def _config_reader(plan: tuple[str, ...]) -> tuple[str, ...]:
    """Which configurations ``plan`` reads from the workspace: "git", "tools" (pytest, npm,
    the linters that load plugins), "node" (the Node tools npx runs: tsconfig.json,
    package.json, jest's, eslint's, prettier's and babel's files); none, ()."""
    words, basenames = _plan_words(plan)
    names = set(basenames)
    kinds: list[str] = []
    if names & ({"pytest", "py.test", "npm", "npx"} | CONFIG_READERS) or "pytest" in words:
        kinds.append("tools")
    if "npx" in names:
        kinds.append("node")
    if "git" in names:
        kinds.append("git")
    return tuple(kinds)


class _OutsideGlob(Exception):
    pass


def _glob_inside(policy: Policy, cwd: str, pattern: str) -> list[str]:
    """The matches of ``pattern`` (relative to ``cwd``, or absolute), as bash finds them,
    listing only directories that resolve inside the workspace: a directory outside it --
    named, or reached through a symlink -- raises :class:`_OutsideGlob` before it is read, so
    nothing of it reaches a plan or a message."""
    absolute = pattern.startswith("/")
    parts = [p for p in pattern.split("/") if p]
    found = [("/" if absolute else "", "/" if absolute else cwd)]  # (as written, real path)
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        step: list[tuple[str, str]] = []
        for written, here in found:
            on_the_way = (policy.root.rstrip("/") + "/").startswith(here.rstrip("/") + "/")
            if _confined(policy, cwd, here) is None and (glob.has_magic(part) or not on_the_way):
                # not even a name is looked up outside the workspace (an ancestor of it is
                # only passed through, by name, on the way in)
                raise _OutsideGlob
            if not glob.has_magic(part):
                literal = part.replace("[*]", "*").replace("[?]", "?").replace("[[]", "[")
                literal = literal.replace("[]]", "]")
                path = os.path.join(here, literal)
                if (last and os.path.lexists(path)) or os.path.isdir(path):
                    step.append((os.path.join(written, literal) if written else literal, path))
                continue
            try:
                names = sorted(e.name for e in os.scandir(here))
            except OSError:
                continue
            hidden = part.startswith(".")
            for name in fnmatch.filter(names, part):
                if name.startswith(".") and not hidden:
                    continue
                path = os.path.join(here, name)
                if last or os.path.isdir(path):
                    step.append((os.path.join(written, name) if written else name, path))
        found = step
        if not found:
            return []
    return [written for written, _ in found]


def _is_cd(item: Command | str) -> bool:
    return isinstance(item, Command) and item.argv[0] == "cd"


def _cd_target(policy: Policy, cwd: str, command: Command, zone: str | None) -> str | Verdict:
    """The directory ``cd DIR`` moves to, confined as a request's cwd is."""
    resolved = _resolved(command, cwd, zone)
    if isinstance(resolved, Verdict):
        return resolved
    if resolved.globs:
        return _deny(
            "EG-SHELL-UNSUPPORTED", "shell", "cd takes a literal directory here (no glob)", cwd=cwd
        )
    return _cd_directory(policy, cwd, resolved.argv)


def _cd_directory(policy: Policy, cwd: str, argv: tuple[str, ...]) -> str | Verdict:
    """The directory ``cd`` words (``argv``, literal) name, confined as a request's cwd is."""
    args = [a for a in argv[1:] if a not in ("-L", "-P")]
    if args[:1] == ["--"]:
        args = args[1:]
    if len(args) != 1 or args[0] in ("-", "") or args[0].startswith(("-", "~")):
        return _deny(
            "EG-SHELL-UNSUPPORTED",
            "shell",
            "cd takes one directory here (no bare cd, cd -, cd ~ or options)",
            cwd=cwd,
        )
    return resolve_cwd(policy, os.path.join(cwd, args[0]))


def _lone_cd(
    policy: Policy,
    request: ExecRequest,
    argv: tuple[str, ...],
    cwd: str,
    env: Mapping[str, str],
    limits: Limits,
) -> Verdict:
    """``cd DIR`` sent alone: run as the fresh shell every request is would run it -- it
    succeeds or fails on DIR and changes nothing for later requests -- with DIR confined as a
    request's cwd is. The reason says so, since an agent may expect the move to persist."""
    target = _cd_directory(policy, cwd, argv)
    if isinstance(target, Verdict):
        return attrs.evolve(target, argv=argv, cwd=cwd)
    plan = ExecPlan(
        job_id=request.job_id,
        argv=(SCRIPT_SHELL, "-c", f"cd -- {shlex.quote(target)}"),
        cwd=cwd,
        env=env,
        limits=limits,
        stdin=None,
        capture_stdout=request.capture_stdout,
        capture_stderr=request.capture_stderr,
        sandbox=_sandbox_plan(policy, request),
    )
    decision = Decision(
        verdict="allow",
        code="EG-ALLOWED",
        rule="shell.cd",
        reason="cd alone runs in a shell of its own and changes nothing for later requests: "
        "send the directory as the request's cwd, or write `cd DIR && COMMAND`",
    )
    return Verdict(decision, plan, argv, cwd)


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
    resolver: Resolver,
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
            split = split_words(request.command)
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
                    return _evaluate(policy, fed, host_env, resolver, depth + 1, cwd)
            return _evaluate_script(policy, request, host_env, resolver, depth, cwd)
        expanded = _expand_globs(policy, cwd, split.words, split.globs)
        if isinstance(expanded, Verdict):
            return expanded
        argv = expanded
    odd = _lookalike(argv[0])
    if odd is not None:
        return _deny("EG-POLICY-LOOKALIKE", "program", odd, argv=argv, cwd=cwd)
    path = search_path(policy, host_env, resolver)
    env = build_env(policy, request, host_env, path)
    if isinstance(env, Verdict):
        return attrs.evolve(env, argv=argv, cwd=cwd)
    program = resolver.which(argv[0], path, cwd)
    if program is None and argv[0] == "cd":
        return _lone_cd(policy, request, argv, cwd, env, limits)
    if program is None:
        return _deny(
            "EG-PROGRAM-NOT-FOUND",
            "program",
            f"program {argv[0]!r} was not found on the policy's PATH (or is not executable)",
            argv=argv,
            cwd=cwd,
        )
    real = _real(program)
    # which rules name this program at all, found once per program (a policy of dozens of
    # rules is not walked rule by rule on every request)
    named_by = argv[0] if os.path.isabs(argv[0]) else ""
    denies = resolver.pick(
        policy,
        ("deny", real, named_by, path),
        lambda: tuple(
            i for i, r in enumerate(policy.deny) if _names_program(r, real, argv[0], path, resolver)
        ),
    )
    ranked = _ranked_rules(policy)
    allows = resolver.pick(
        policy,
        ("allow", real, named_by, path),
        lambda: tuple(
            n
            for n, (_, _, r) in enumerate(ranked)
            if _names_program(r, real, argv[0], path, resolver)
        ),
    )
    for i in denies:
        deny_rule = policy.deny[i]
        if _matches(deny_rule, real, argv, path, resolver, past_global_options=True):
            why = f": {deny_rule.reason}" if deny_rule.reason else ""
            return _deny(
                "EG-POLICY-DENIED",
                f"deny[{i}] {deny_rule.command!r}",
                f"{deny_rule.command!r} is denied by this policy{why}",
                argv=argv,
                cwd=cwd,
            )
    for n in allows:
        kind, i, allow_rule = ranked[n]
        if not _matches(allow_rule, real, argv, path, resolver, past_global_options=kind == "ask"):
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
        if allow_rule.args == "builtin":
            # options and operand shapes that run commands, load code, or read and write
            # arbitrary files, for programs with no table of their own (GTFOBins' list)
            runs = program_refusal(
                os.path.basename(argv[0]),
                os.path.basename(real),
                argv[1:],
                tuple(request.env_overrides),
                this_machine() if os.path.basename(real) in _HOST_PROGRAMS else frozenset(),
            )
            if runs is not None:
                return _deny("EG-POLICY-FLAG", f"{rule_name}.exec", runs, argv=argv, cwd=cwd)
            linter, linter_args = os.path.basename(real), argv[1:]
            run_module = (
                python_module(argv[1:]) if _builtin_name(allow_rule, real) == "python" else None
            )
            if run_module is not None:
                # `python3 -m pylint` reads pylint's configuration as `pylint` does
                linter, linter_args = run_module[1].split(".")[0], run_module[2]
            runs = program_refusal(linter, linter, linter_args, ()) if run_module else None
            if runs is not None:
                return _deny("EG-POLICY-FLAG", f"{rule_name}.exec", runs, argv=argv, cwd=cwd)
            plugins = plugin_config_refusal(linter, linter_args, cwd, policy.root)
            if plugins is not None:
                return _deny("EG-POLICY-FLAG", f"{rule_name}.config", plugins, argv=argv, cwd=cwd)
        if allow_rule.args == "builtin" and _shell_name(allow_rule, real) is not None:
            shell = _shell_verdict(policy, request, host_env, resolver, depth, cwd, rule_name, argv)
            if shell is not None:
                if kind == "ask" and shell.decision.verdict == "allow":
                    why = allow_rule.reason or f"{allow_rule.command!r} needs a person's approval"
                    asked = Decision(
                        verdict="ask", code="EG-APPROVAL-REQUIRED", rule=rule_name, reason=why
                    )
                    return attrs.evolve(shell, decision=asked)
                return shell
        module = _module_verdict(
            policy, request, host_env, resolver, depth, cwd, allow_rule, argv, real
        )
        if module is not None:
            return module
        refused_args = _builtin_verdict(policy, cwd, allow_rule, rule_name, argv, real)
        if refused_args is not None:
            return attrs.evolve(refused_args, argv=argv, cwd=cwd)
        if allow_rule.paths == "workspace":
            checked = argv[len(allow_rule.command.split()) :]
            name = os.path.basename(real)
            # read from the whole argv, where the program's own grammar holds (after a mode
            # rule's words, `git commit -F FILE` has no subcommand left to skip)
            shift = len(argv) - 1 - len(checked)
            whole = not_paths(name, argv[1:]) or not_paths(os.path.basename(argv[0]), argv[1:])
            skip = frozenset(i - shift for i in whole if i >= shift)
            moves = _directory_options(argv, real)
            unmoved = _moved_refusal(policy, cwd, argv, moves)
            if unmoved is not None:
                return _deny("EG-PATH-ESCAPE", f"{rule_name}.paths", unmoved, argv=argv, cwd=cwd)
            # a directory option's value is checked as the directory it makes (above), each
            # relative to the one before, not as a path from the cwd or from itself
            skip |= frozenset(i - shift for i in moves.indexes if i >= shift)
            outside = _path_outside(policy, cwd, checked, skip)
            for moved in moves.dirs():
                # the program reads its paths from there (`git -C e diff q/../..`)
                outside = outside or _path_outside(policy, os.path.join(cwd, moved), checked, skip)
            if outside is not None:
                protected = _protected_name(policy, cwd, outside)
                where = (
                    f"{protected}, which no job may touch"
                    if protected
                    else "a path outside the workspace"
                )
                return _deny(
                    "EG-PATH-ESCAPE",
                    f"{rule_name}.paths",
                    f"argument {outside[:80]!r} names {where}; "
                    f"{allow_rule.command!r} may only touch files inside it",
                    argv=argv,
                    cwd=cwd,
                )
            escape = (
                # derived names first: an extraction's check reads the archive (foo.zip)
                _derived_escape(policy, cwd, argv, real)
                or _symlink_escape(policy, cwd, argv, real)
                or _patch_escape(policy, cwd, argv, request.stdin)
            )
            if escape is not None:
                return _deny("EG-PATH-ESCAPE", f"{rule_name}.paths", escape, argv=argv, cwd=cwd)
        wrapped = _inner_verdict(
            policy, request, host_env, resolver, depth, argv, real, rule_name, cwd
        )
        if wrapped is not None and wrapped.refusal is not None:
            return attrs.evolve(wrapped.refusal, argv=argv, cwd=cwd)
        # A program named by path may lie in the workspace, where the job can swap a symlink
        # between this decision and the exec: run the file the decision was made on. A bare
        # name was found on PATH outside the workspace: keep its name (multi-call binaries
        # such as unxz -> xz behave by argv[0]).
        exe = real if "/" in argv[0] else program
        planned: tuple[str, ...] = (exe, *argv[1:])
        if allow_rule.args == "builtin":
            builtin = _builtin_name(allow_rule, real)
            if builtin == "git":
                env = _git_hardened(policy, env)
                try:
                    repository = git_repository(cwd, policy.root, argv, real, resolver)
                except ConfigRefusal as refusal:
                    return _deny(
                        "EG-POLICY-FLAG",
                        f"{rule_name}.config",
                        refusal.reason,
                        argv=argv,
                        cwd=cwd,
                    )
                at = git_subcommand(argv)
                makes = at is not None and argv[at] in ("init", "clone")
                kept = _init_keeps(cwd, argv, at) if at is not None and argv[at] == "init" else None
                if kept is not None:
                    return _deny(
                        "EG-POLICY-FLAG",
                        f"{rule_name}.config",
                        f"git init would make {kept[:80]!r} a repository with the hooks or "
                        "config already in it, which no rule decided on",
                        argv=argv,
                        cwd=cwd,
                    )
                if repository is not None and not makes:
                    # the repository decided on is the one git uses: a .git file or link,
                    # core.worktree or -C written since cannot point it elsewhere (init and
                    # clone make a repository of their own: `git init sub` is sub/.git)
                    env = {
                        **env,
                        "GIT_DIR": repository.git_dir,
                        "GIT_WORK_TREE": repository.work_tree,
                    }
                elif not makes:
                    # none was found where the gate looked: git must not find one the gate
                    # did not decide on (a layout git reads otherwise than the gate does)
                    env = {**env, "GIT_DIR": NO_REPOSITORY}
            own_module = builtin == "python" and _workspace_module(policy, cwd, argv[1:])
            if own_module and len(allow_rule.command.split()) > 1:
                # a rule for `python3 -m pylint` grants the installed pylint, never a
                # pylint.py the workspace holds (only a rule for python itself runs those)
                return _deny(
                    "EG-POLICY-FLAG",
                    f"{rule_name}.builtin",
                    f"{allow_rule.command!r}: the working directory holds a module of that name, "
                    "which would run in place of the installed one",
                    argv=argv,
                    cwd=cwd,
                )
            if builtin == "python" and not own_module:
                safe = _python_safe_path(cwd, planned)
                if isinstance(safe, str):
                    return _deny("EG-POLICY-FLAG", f"{rule_name}.builtin", safe, argv=argv, cwd=cwd)
                planned = safe
            elif builtin is not None and builtin != "python":
                planned = pinned(builtin, planned, cwd)
        plan = ExecPlan(
            job_id=request.job_id,
            argv=planned,
            cwd=cwd,
            env=env,
            limits=limits,
            stdin=bytes(request.stdin) if request.stdin is not None else None,
            capture_stdout=request.capture_stdout,
            capture_stderr=request.capture_stderr,
            sandbox=_sandbox_plan(policy, request),
        )
        if wrapped is not None and wrapped.inner is not None and not wrapped.runs_inner:
            # find -delete: find runs as itself, guarded; what it removes was decided as rm
            assert wrapped.planned_prefix is not None
            plan = attrs.evolve(plan, argv=(exe, *wrapped.planned_prefix))
            if wrapped.inner.decision.verdict == "ask":
                return Verdict(wrapped.inner.decision, plan, argv, cwd)
        elif wrapped is not None and wrapped.inner is not None:
            # What runs inside the wrapper is the inner command's plan, never its words: a
            # shell's -c line becomes its decided form, a program its resolved path with its
            # hardening (git's environment), a here-document its stdin.
            inner_plan = wrapped.inner.plan
            assert inner_plan is not None
            before = wrapped.planned_prefix
            if before is None:
                before = argv[1 : wrapped.prefix]
            elif before[-1:] == ("-exec",) and (kept := _policy_in_workspace(policy)):
                # find: the policy file is never handed to the command either
                before = (*before[:-1], "!", "-samefile", kept, "-exec")
            if wrapped.suffix and not _carried(inner_plan.argv):
                return _deny(
                    "EG-POLICY-WRAPPER",
                    f"{rule_name}.wrapper",
                    f"{os.path.basename(argv[0])}: the decided inner command holds a word "
                    "that would end it early",
                    argv=argv,
                    cwd=cwd,
                )
            plan = attrs.evolve(inner_plan, argv=(exe, *before, *inner_plan.argv, *wrapped.suffix))
            if wrapped.inner.decision.verdict == "ask":  # an [[ask]] rule matched inside
                return Verdict(wrapped.inner.decision, plan, argv, cwd)
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
    if {os.path.basename(argv[0]), os.path.basename(real)} & SHELLS:
        # `bash -lc LINE` (how Codex sends every command) with no rule for the shell: the
        # shell would only read LINE, and what runs is LINE's plan, never the shell, so LINE
        # is decided as the command line. A shell's script mode stays refused.
        line = _shell_line(argv)
        if line is not None and depth + 1 <= MAX_DEPTH:
            inner = _evaluate(
                policy,
                attrs.evolve(request, argv=None, command=line),
                host_env,
                resolver,
                depth + 1,
                cwd,
            )
            d = inner.decision
            if d.verdict != "deny":
                why = f"{d.reason} (the line of {os.path.basename(argv[0])} -c)"
                return attrs.evolve(inner, decision=attrs.evolve(d, reason=why))
            return _deny(
                d.code,
                f"{d.rule} (inside {os.path.basename(argv[0])} -c)",
                f"inside {os.path.basename(argv[0])} -c: {d.reason}",
                argv=argv,
                cwd=cwd,
            )
    interpreter = _workspace_script(policy, argv[0], real)
    if interpreter is not None and depth + 1 <= MAX_DEPTH:
        # `./run.sh`, `./tests/runtests.py`: the kernel runs the interpreter its #! line names
        # on the script; that is decided (and planned) as if it had been sent, so the plan runs
        # the interpreter by path and a later change of the #! line runs nothing undecided
        inner = _evaluate(
            policy,
            attrs.evolve(request, argv=[*interpreter, argv[0], *argv[1:]], command=None),
            host_env,
            resolver,
            depth + 1,
            cwd,
        )
        d = inner.decision
        runs = " ".join(interpreter)
        if d.verdict != "deny":
            why = f"{d.reason} (the #! line of {argv[0]!r} runs it with {runs!r})"
            return attrs.evolve(inner, decision=attrs.evolve(d, reason=why))
        return _deny(
            d.code,
            f"{d.rule} (the #! line of {argv[0]!r})",
            f"{argv[0]!r} is run by its #! line as {runs!r}: {d.reason}",
            argv=argv,
            cwd=cwd,
        )
    modes = [r.command for r in policy.allow if resolver.rule_program(r, path) == real]
    hint = f" (allowed for this program: {', '.join(map(repr, modes))})" if modes else ""
    name = os.path.basename(argv[0]) if "/" not in argv[0] else argv[0]
    if modes and len(argv) > 1 and not argv[1].startswith("-"):
        name = f"{name} {argv[1]}"  # a mode of a program the policy allows in other modes
    remedy = ""
    bare = _under_rule(policy, request, host_env, resolver, depth, cwd, argv, name)
    if bare is not None and bare.decision.verdict != "deny":
        remedy = f"; to allow it, add [[allow]] command = {_toml(name)}"
    elif bare is not None and bare.decision.code in _ON_PURPOSE:
        # `xargs grep x`: say why no rule would help, so that nobody asks for one
        remedy = f"; a rule for it would not help: {bare.decision.reason}"
    return _deny(
        "EG-POLICY-NOT-ALLOWED",
        "default-deny",
        f"{argv[0]!r} ({real}) is not allowed by any rule of this policy{hint}; "
        f"execgate denies by default{remedy}",
        argv=argv,
        cwd=cwd,
    )


def _shell_line(argv: tuple[str, ...]) -> str | None:
    try:
        call = read_shell(argv)
    except ShellOptionRefusal:
        return None
    return call.line if call.mode == "line" else None


#: Codes of a refusal a program's own table makes on purpose under a bare allow rule: an
#: option or input that runs, loads or writes something, a path outside the workspace.
_ON_PURPOSE = frozenset({"EG-POLICY-FLAG", "EG-POLICY-WRAPPER", "EG-PATH-ESCAPE"})


def _under_rule(
    policy: Policy,
    request: ExecRequest,
    host_env: Mapping[str, str],
    resolver: Resolver,
    depth: int,
    cwd: str,
    argv: tuple[str, ...],
    command: str,
) -> Verdict | None:
    """The decision with ``[[allow]] command = COMMAND`` added (None past the nesting limit):
    a hint must not name a rule under which the program's own table refuses the request
    anyway (xargs), and such a refusal says why."""
    if depth >= MAX_DEPTH:
        return None
    widened = attrs.evolve(policy, allow=(*policy.allow, AllowRule(command=command)))
    request = attrs.evolve(request, argv=argv, command=None)
    return _evaluate(widened, request, host_env, resolver, depth + 1, cwd)
