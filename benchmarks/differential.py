"""The differential proof: every program a real shell executes for an allowed request is one
the decision planned, with the argv it planned.

    python benchmarks/differential.py [--n 20000] [--seed 22] [--jobs 2] [--findings FILE]
    python benchmarks/differential.py --replay FILE.jsonl   # re-run the cases that failed

Cases come from ``difflines.py`` (grammar lines, the issue's reproducers and their mutations)
under four policies. Each worker is one Python process running a real :class:`Gate` (SQLite
store, a throwaway workspace per policy, restored before every job) under
``strace -f --seccomp-bpf -e trace=execve,clone,...`` (forks only to know which program
started each execve). Before and after each allowed job the worker executes a marker
(``/bin/true execgate-differential begin|end N``), so every successful execve between the
two is one of job N's tree. Denied cases only count.

What a decision planned, for one request, is the union of

- *decided*: the request as the engine read it -- its argv, a wrapper's inner command, a
  shell's ``-c`` line, every command of a list or pipeline, a here-document's command --
  where each piece is included only if the engine, asked about that piece alone, allows it
  (a shell's options are read here as bash documents them, independently of the engine:
  ``bash +x -c LINE`` runs LINE, whatever the engine took ``+x`` for);
- *planned runners*: the shells and wrappers the plan itself runs (``/bin/sh -c CANONICAL``,
  ``env``/``timeout``/... whose inner command the engine reads), down through canonical
  scripts -- but not the programs they run, which must be decided.

An execve is a mismatch when its program (after realpath) with its arguments (``argv[1:]``)
is in neither, and it was started by the Runner, a shell or a wrapper (what a decided
program runs itself is that program's behaviour, decided with it). A file a shell, or the
redirection opener (``execgate-open``), opens for writing is a mismatch too unless a decided
line (or the plan's canonical script) redirects to it: a builtin (``echo x > f``) executes
nothing. Separately, an allowed
request is *verbatim* when its plan hands a shell a line that is not a canonical script (the
shell reads the line itself); the issue asks for none. The engine's readers
(``split_command``, ``parse_script``, ``split_heredoc``, ``unwrap``) give the structure;
real bash gives the truth.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import glob
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from difflines import FIXTURE, POLICIES, Case, generate

from execgate import ExecRequest, Gate
from execgate.errors import ExecgateError
from execgate.policy import Policy, default_policy, evaluate, parse_policy
from execgate.policy._engine import SCRIPT_SHELL
from execgate.policy._opener import OPENER
from execgate.policy._pins import pinned
from execgate.policy._script import STATUS, Command, Script, parse_script, split_heredoc
from execgate.policy._shell import ShellRefusal, split_command
from execgate.policy._wrappers import WRAPPERS, WrapperRefusal, unwrap
from execgate.policy.programs import builtin_for

MARK = "execgate-differential"
SHELLS = frozenset({"sh", "bash", "dash"})
#: The program a canonical script runs a command with path redirections through: it opens
#: the targets beneath the workspace and execs the command (execgate.policy._opener).
OPENER_NAME = os.path.basename(OPENER[0])
HOST_PATH = "/usr/local/bin:/usr/bin:/bin"

#: (program after realpath, argv[1:])
Exec = tuple[str, tuple[str, ...]]

# --- what the decision planned ------------------------------------------------------------

#: bash's invocation options that change nothing about which line runs (bash(1), "OPTIONS"
#: and the `set` builtin): single letters after - or +, and long options.
_SET_LETTERS = frozenset("abefhkmnptuvxBCEHPTl")
_NAMED = frozenset({"-o", "+o", "-O", "+O"})
_LONG = frozenset({"--login", "--norc", "--noprofile", "--posix", "--noediting", "--verbose"})


def shell_line(argv: Sequence[str]) -> str | None:
    """The line ``argv`` (a shell) runs with ``-c``, read as bash reads its options; None
    when it runs no ``-c`` line or takes an option that reads code from elsewhere (``-i``
    sources an rc file, ``-s`` reads stdin, ``--rcfile``)."""
    i, c = 1, False
    while i < len(argv):
        w = argv[i]
        if w in _NAMED:
            i += 2
            continue
        if w in _LONG:
            i += 1
            continue
        if w in ("-", "--"):
            i += 1
            break
        if len(w) > 1 and w[0] in "-+" and w[1] != "-":
            letters = set(w[1:])
            if w[0] == "-" and "c" in letters:
                c = True
                letters.discard("c")
            if not letters <= _SET_LETTERS:
                return None
            i += 1
            continue
        break
    if not c or i >= len(argv):
        return None
    return argv[i]


class Planner:
    """The decided execs of one request under one policy (see the module docstring), and
    the files its decided lines, and the plan's canonical scripts, redirect output to
    (``writes``)."""

    def __init__(self, policy: Policy, host_env: Mapping[str, str], cwd: str) -> None:
        self.policy = policy
        self.host_env = host_env
        self.cwd = cwd
        self.path = host_env.get("PATH", HOST_PATH)
        self.writes: set[str] = {"/dev/null"}

    def _redirects(self, script: Script, cwd: str) -> None:
        for command in script.commands:
            self._redirects_of(command, cwd)

    def _redirects_of(self, command: Command, cwd: str) -> None:
        for r in command.redirects:
            if r.op in (">", ">>"):
                self.writes.add(os.path.realpath(os.path.join(cwd, r.target)))

    def _allowed(self, cwd: str, **fields: Any) -> bool:
        v = evaluate(self.policy, ExecRequest(cwd=cwd, **fields), self.host_env)
        return v.decision.verdict == "allow"

    def which(self, name: str, cwd: str) -> str | None:
        if "/" in name:
            full = os.path.join(cwd, name)
            return os.path.realpath(full) if os.access(full, os.X_OK) else None
        for d in self.path.split(":"):
            full = os.path.join(d, name)
            if d and os.path.isfile(full) and os.access(full, os.X_OK):
                return os.path.realpath(full)
        return None

    def line(self, line: str, cwd: str, depth: int = 0) -> list[Exec]:
        if depth > 6 or not self._allowed(cwd, command=line):
            return []
        try:
            return self.argv(split_command(line), cwd, depth)
        except ShellRefusal as refusal:
            if refusal.code != "EG-SHELL-UNSUPPORTED":
                return []
        try:
            heredoc = split_heredoc(line) if "<<" in line and "\n" in line else None
            if heredoc is not None:
                return self.line(heredoc.command, cwd, depth + 1)
            script = parse_script(line)
        except ShellRefusal:
            return []
        out: list[Exec] = []
        for c in script.commands:
            if c.argv[0] == "cd":
                # a cwd change for what follows, as bash makes it (the line was allowed, so
                # the engine accepted the cd's place in it)
                target = next((w for w in c.argv[1:] if not w.startswith("-")), None)
                if target is not None:
                    cwd = os.path.realpath(os.path.join(cwd, target))
                continue
            self._redirects_of(c, cwd)
            out += self.argv(expand_globs(c.argv, c.globs, cwd), cwd, depth + 1)
        return out

    def argv(self, argv: Sequence[str], cwd: str, depth: int = 0) -> list[Exec]:
        if depth > 6 or not argv or not self._allowed(cwd, argv=tuple(argv)):
            return []
        program = self.which(argv[0], cwd)
        if program is None:
            return []
        out: list[Exec] = [(program, tuple(argv[1:]))]
        # the options a plan adds to a program's argv (curl -q, git --no-ext-diff, gawk
        # --sandbox: see execgate.policy._pins) are part of what was decided
        table = builtin_for(argv[0]) or builtin_for(program)
        if table is not None:
            with_pins = pinned(table[0], (program, *argv[1:]))
            if with_pins[1:] != tuple(argv[1:]):
                out.append((program, with_pins[1:]))
        names = sorted({os.path.basename(argv[0]), os.path.basename(program)})
        wrapper = next((n for n in names if n in WRAPPERS), None)
        if wrapper is not None:
            try:
                unwrapped = unwrap(wrapper, tuple(argv))
            except WrapperRefusal:
                return out
            if unwrapped is not None and unwrapped.inner:
                # the wrapper runs its inner command by the path the inner decision resolved
                inner_program = self.which(unwrapped.inner[0], cwd)
                if inner_program is not None:
                    prefix = tuple(argv[1 : len(argv) - len(unwrapped.inner)])
                    out.append((program, (*prefix, inner_program, *unwrapped.inner[1:])))
                out += self.argv(unwrapped.inner, cwd, depth + 1)
        elif SHELLS & set(names):
            line = shell_line(argv)
            if line is not None:
                out += self.line(line, cwd, depth + 1)
        return out

    def planned_runners(self, argv: Sequence[str], cwd: str, depth: int = 0) -> list[Exec]:
        """The programs the plan ``argv`` runs only to run another: the plan itself if it is
        a shell, a wrapper whose inner command the engine reads, and the shells and wrappers
        of a canonical script it runs. Whatever they run in turn must be decided."""
        program = self.which(argv[0], cwd) if argv else None
        if program is None or depth > 6:
            return []
        name = os.path.basename(program)
        if name in WRAPPERS:
            try:
                unwrapped = unwrap(name, tuple(argv))
            except WrapperRefusal:
                return []
            if unwrapped is None or not unwrapped.inner:
                return []
            inner = self.planned_runners(unwrapped.inner, cwd, depth + 1)
            return [(program, tuple(argv[1:])), *inner]
        if not {name, os.path.basename(argv[0])} & SHELLS:
            return []
        out: list[Exec] = [(program, tuple(argv[1:]))]
        # a canonical script runs in the engine's own shell, maybe with options before -c
        # (`/bin/sh -e -c SCRIPT`); a shell the request named keeps its line as sent
        line = shell_line(argv) if argv[0] == SCRIPT_SHELL else None
        if line is not None:
            try:
                script = parse_script(line)
            except ShellRefusal:
                return out
            self._redirects(script, cwd)
            for c in script.commands:
                if c.argv[: len(OPENER)] == OPENER and "--" in c.argv:
                    # the opener, and the command it runs once the targets are open
                    out.append((os.path.realpath(OPENER[0]), tuple(c.argv[1:])))
                    command = c.argv[c.argv.index("--") + 1 :]
                    out += self.planned_runners(command, cwd, depth + 1)
                    continue
                out += self.planned_runners(c.argv, cwd, depth + 1)
        return out


# --- strace's output ------------------------------------------------------------------------

_ESCAPES = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "a": 7, "b": 8, "\\": 92, '"': 34}


def _c_string(text: str, i: int) -> tuple[str, int]:
    """The string literal starting at ``text[i] == '"'`` as strace prints it, and the index
    after it (and after a ``...`` truncation mark)."""
    assert text[i] == '"', text[i : i + 20]
    out = bytearray()
    i += 1
    while text[i] != '"':
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt == "x":
                out.append(int(text[i + 2 : i + 4], 16))
                i += 4
            else:
                m = re.match(r"[0-7]{1,3}", text[i + 1 : i + 4])
                assert m is not None, text[i : i + 10]
                out.append(int(m.group(), 8))
                i += 1 + len(m.group())
        else:
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
    i += 1
    if text.startswith("...", i):
        i += 3
    return out.decode("utf-8", "surrogateescape"), i


def _execve_args(rest: str) -> tuple[str, tuple[str, ...]]:
    """``"file", ["a", "b"], ...`` -> (file, argv)."""
    filename, i = _c_string(rest, 0)
    assert rest.startswith(", [", i), rest[i : i + 20]
    i += 3
    argv: list[str] = []
    while rest[i] != "]":
        if rest.startswith(", ", i):
            i += 2
            continue
        if rest.startswith("...", i):
            break
        word, i = _c_string(rest, i)
        argv.append(word)
    return filename, tuple(argv)


_LINE = re.compile(r"^(\d+) +(.*)$")
_CALL = re.compile(r"^(\w+)\((.*)$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
_UNFINISHED = " <unfinished ...>"
_RETURN = re.compile(r"\) += ")
_FORKS = frozenset({"clone", "clone3", "fork", "vfork"})
_EXIT = "+++"
_OPENS = frozenset({"open", "openat", "openat2", "creat"})
#: A descriptor argument as ``strace -y`` prints it: ``AT_FDCWD``, or ``64</tmp/ws>``.
_DIRFD = re.compile(r"^(?:AT_FDCWD|\d+)(?:<([^>]*)>)?, ")
_WRITE_FLAGS = re.compile(r"\b(?:O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)\b")

#: What the worker process (the gate, whose Runner starts each job) runs, as a cause.
RUNNER = "<runner>"

#: One successful execve: (filename, argv, the program the process ran before it).
Ran = tuple[str, tuple[str, ...], str]


def _calls(trace: str) -> Iterator[tuple[str, str, str, str]]:
    """(pid, syscall, its arguments as printed, its return value) of each completed call,
    in the order they returned; a call strace split into unfinished and resumed halves is
    joined."""
    pending: dict[tuple[str, str], str] = {}
    for m in map(_LINE.match, trace.splitlines()):
        if m is None:
            continue
        pid, rest = m.groups()
        if rest.startswith("+++ "):  # exited or killed: the pid may be reused from here on
            yield pid, _EXIT, "", ""
            continue
        resumed = _RESUMED.match(rest)
        if resumed is not None:
            name, tail = resumed.groups()
            head = pending.pop((pid, name), None)
            if head is None:
                continue
            text = head + tail
        else:
            call = _CALL.match(rest)
            if call is None:
                continue
            name, text = call.groups()
            if text.endswith(_UNFINISHED):
                pending[(pid, name)] = text[: -len(_UNFINISHED)]
                continue
        # the return value is printed last, after every (quoted) argument, and a resumed
        # call pads the space before it
        ends = list(_RETURN.finditer(text))
        if ends:
            end = ends[-1]
            # `-y` prints a descriptor returned as `3</path>`
            ret = text[end.end() :].split(" ", 1)[0].split("<", 1)[0]
            yield pid, name, text[: end.start()], ret


def _open_target(args: str) -> str | None:
    """The path an open call opened for writing (relative paths are the cwd's), or None
    (read-only, or relative to a descriptor whose path strace could not tell)."""
    base = ""
    dirfd = _DIRFD.match(args)
    if dirfd is not None:
        if not args.startswith("AT_FDCWD"):
            if dirfd.group(1) is None:
                return None
            base = dirfd.group(1)
        args = args[dirfd.end() :]
    elif not args.startswith('"'):
        return None
    path, i = _c_string(args, 0)
    if not _WRITE_FLAGS.search(args, i):
        return None
    return os.path.join(base, path) if base else path


def events(trace: str) -> Iterator[tuple[str, str, tuple[str, ...], str]]:
    """Each successful execve as ("exec", filename, argv, cause), and each file a process
    opened for writing as ("write", path, (), cause), in order. The cause is the program
    (after realpath) the process ran at the time -- inherited from its parent when it was
    forked -- or :data:`RUNNER` for the traced worker and what it starts."""
    calls = list(_calls(trace))
    # A child's first call can be printed before its parent's fork returns: where each pid
    # is born, by index, to find the parent of a pid not seen yet.
    births: dict[str, list[tuple[int, str]]] = {}
    for i, (pid, name, _args, ret) in enumerate(calls):
        if name in _FORKS and ret.isdigit():
            births.setdefault(ret, []).append((i, pid))
    image: dict[str, str] = {}
    parent: dict[str, str] = {}

    def image_of(pid: str, i: int) -> str:
        seen = set()
        while pid not in image and pid not in seen:
            seen.add(pid)
            if pid not in parent:
                born = births.get(pid, [])
                k = bisect.bisect_right(born, (i, "~"))
                if k == len(born):
                    return RUNNER
                parent[pid] = born[k][1]
            pid = parent[pid]
        return image.get(pid, RUNNER)

    first = True
    for i, (pid, name, args, ret) in enumerate(calls):
        if name == _EXIT:
            image.pop(pid, None)
            parent.pop(pid, None)
        elif name in _FORKS and ret.isdigit():
            parent[ret] = pid
            image.setdefault(ret, image_of(pid, i))
        elif name == "execve" and ret == "0":
            filename, argv = _execve_args(args)
            cause = image_of(pid, i)
            image[pid] = RUNNER if first else os.path.realpath(filename)
            first = False
            yield "exec", filename, argv, cause
        elif name in _OPENS and ret.isdigit():
            target = _open_target(args)
            if target is not None:
                yield "write", target, (), image_of(pid, i)


def successful_execs(trace: str) -> Iterator[Ran]:
    """(filename, argv, cause) of each execve that succeeded (see :func:`events`)."""
    for kind, filename, argv, cause in events(trace):
        if kind == "exec":
            yield filename, argv, cause


@attrs.define
class Job:
    """What one job's tree did: its execs, and the files its shells opened for writing."""

    ran: list[Ran] = attrs.field(factory=list)
    writes: list[str] = attrs.field(factory=list)


def jobs_in(trace: str) -> dict[int, Job]:
    """Case number -> what its job did, between its begin and end markers."""
    jobs: dict[int, Job] = {}
    current: Job | None = None
    for kind, filename, argv, cause in events(trace):
        if kind == "exec" and len(argv) == 4 and argv[1] == MARK:
            current = jobs.setdefault(int(argv[3]), Job()) if argv[2] == "begin" else None
        elif current is not None and kind == "exec":
            current.ran.append((filename, argv, cause))
        elif current is not None and os.path.basename(cause) in (*SHELLS, OPENER_NAME):
            current.writes.append(filename)
    return jobs


# --- the worker: a real Gate, one job at a time ---------------------------------------------


def _restore(root: str) -> None:
    for entry in os.listdir(root):
        full = os.path.join(root, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)
    for rel, text in FIXTURE:
        full = os.path.join(root, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        Path(full).write_text(text)


def load(name: str, root: str) -> Policy:
    text = POLICIES[name]
    if text is None:
        return default_policy(root)
    return parse_policy(tomllib.loads(text), base_dir=Path(root), source=f"<{name}>")


def _mark(*words: str) -> None:
    pid = os.posix_spawn("/bin/true", ["true", MARK, *words], {})
    os.waitpid(pid, 0)


def _request(command: str | None, argv: Sequence[str] | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"timeout": 5.0, "kill_grace": 0.5}
    if argv is not None:
        fields["argv"] = tuple(argv)
    else:
        fields["command"] = command
    return fields


async def _work(cases: list[tuple[int, Case]], tmp: str, out: Any) -> None:
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    host_env = {"PATH": HOST_PATH, "HOME": home, "LANG": "C.UTF-8", "USER": "execgate"}
    gates: dict[str, tuple[Gate, Policy, str]] = {}
    dirty: set[str] = set()  # workspaces a job may have changed since their last restore
    async with contextlib.AsyncExitStack() as stack:
        for n, (name, command, argv) in cases:
            if name not in gates:
                root = os.path.join(tmp, "outer", name, "ws")
                os.makedirs(root)
                _restore(root)
                policy = load(name, root)
                gate = Gate.open(policy, store=f"sqlite:///{tmp}/{name}.db", host_env=host_env)
                await stack.enter_async_context(gate)
                gates[name] = (gate, policy, root)
            gate, policy, root = gates[name]
            if name in dirty:  # before deciding: the decision looks at the files
                _restore(root)
                dirty.discard(name)
            fields = _request(command, argv)
            verdict = evaluate(policy, ExecRequest(**fields), host_env)
            row: dict[str, Any] = {"n": n, "policy": name, "command": command, "argv": argv}
            row["verdict"] = verdict.decision.verdict
            row["code"] = verdict.decision.code
            if verdict.decision.verdict != "allow" or verdict.plan is None:
                out.write(json.dumps(row) + "\n")
                continue
            planner = Planner(policy, host_env, root)
            cwd = verdict.plan.cwd
            # the request's own cwd: a leading `cd` moves the plan's, not the request's
            asked = os.path.realpath(os.path.join(root, fields.get("cwd") or "."))  # noqa: ASYNC240
            decided = planner.line(command, asked) if command is not None else []
            if argv is not None:
                decided = planner.argv(argv, asked)
            plan = verdict.plan.argv
            row["plan"] = plan
            row["cwd"] = cwd
            row["decided"] = decided
            row["runners"] = planner.planned_runners(plan, cwd)
            row["writes"] = sorted(planner.writes)
            dirty.add(name)
            _mark("begin", str(n))
            try:
                result = await gate.run(**fields)
                row["exit"] = result.exit_code
            except ExecgateError as exc:
                row["error"] = exc.code
            _mark("end", str(n))
            out.write(json.dumps(row) + "\n")


def worker(cases_file: str, rows_file: str) -> None:
    with open(cases_file) as f:
        cases = [(int(c["n"]), (c["policy"], c["command"], c["argv"])) for c in map(json.loads, f)]
    tmp = tempfile.mkdtemp(prefix="execgate-diff-")
    try:
        with open(rows_file, "w") as out:
            anyio.run(_work, cases, tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the comparison -------------------------------------------------------------------------


def _real(path: str) -> str:
    return os.path.realpath(path)


def _containment_shim(argv: Sequence[str], plan: Sequence[str]) -> bool:
    """The Runner's own shell that joins the job's cgroup and execs the plan (used where the
    native spawn helper is unavailable): ``sh -c SCRIPT PROCS PLAN...``."""
    return (
        len(argv) > len(plan) + 2
        and os.path.basename(argv[0]) in SHELLS
        and argv[1] == "-c"
        and tuple(argv[-len(plan) :]) == tuple(plan)
    )


def _checked(cause: str) -> bool:
    """Whether an exec is the shell reading's doing: started by the Runner, a shell or a
    wrapper. What a decided program runs itself (git's helpers, a script's interpreter) is
    that program's behaviour, decided with it."""
    name = os.path.basename(cause)
    return cause == RUNNER or name in SHELLS or name in WRAPPERS or name == OPENER_NAME


def _same(decided: Sequence[str], ran: Sequence[str]) -> bool:
    """argv equality, where a decided ``$?`` (the previous command's exit status) is any
    number bash put there."""
    return len(decided) == len(ran) and all(
        d == r or (d == STATUS and r.isdigit()) for d, r in zip(decided, ran, strict=True)
    )


def mismatches(row: Mapping[str, Any], ran: Sequence[Sequence[Any]]) -> list[Exec]:
    """The execs of one job that its decision did not plan."""
    ok = [(p, tuple(a)) for p, a in (*row["decided"], *row["runners"])]
    return [
        (f, tuple(argv))
        for f, argv, cause in ran
        if _checked(cause)
        and not any(p == _real(f) and _same(a, argv[1:]) for p, a in ok)
        and not _containment_shim(argv, row["plan"])
    ]


def expand_globs(words: Sequence[str], globs: Sequence[str | None], cwd: str) -> tuple[str, ...]:
    """Words with each unquoted glob expanded as bash expands it (sorted matches, dotfiles
    only for a dotted pattern, no match: the word as written)."""
    if not globs:
        return tuple(words)
    out: list[str] = []
    for word, pattern in zip(words, globs, strict=False):
        if pattern is None:
            out.append(word)
        else:
            out.extend(sorted(glob.glob(pattern, root_dir=cwd)) or [word])
    return tuple(out)


def unplanned_writes(row: Mapping[str, Any], writes: Sequence[str]) -> list[str]:
    """The files a shell of the job opened for writing that no decided redirection names
    (relative paths are the job's cwd's: a line that changes directory is refused)."""
    ok = set(row["writes"])
    return [w for w in writes if _real(os.path.join(row["cwd"], w)) not in ok]


def _shard_command(cases_file: str, rows_file: str, trace_file: str) -> list[str]:
    return [
        "strace", "-f", "--seccomp-bpf", "-q",
        "-y", "-e", "trace=execve,clone,clone3,fork,vfork,open,openat,openat2,creat",
        "-e", "signal=none",
        "-s", "1000000", "-o", trace_file,
        sys.executable, os.path.abspath(__file__), "--worker", cases_file, rows_file,
    ]  # fmt: skip


def run(cases: list[Case], jobs: int, tmp: str) -> tuple[list[dict[str, Any]], dict[int, Job]]:
    """Run ``cases`` in ``jobs`` traced workers; the rows and what each allowed job did."""
    shards: list[list[str]] = [[] for _ in range(jobs)]
    for n, (policy, command, argv) in enumerate(cases):
        shards[n % jobs].append(
            json.dumps({"n": n, "policy": policy, "command": command, "argv": argv})
        )
    procs = []
    for k, shard in enumerate(shards):
        cases_file = os.path.join(tmp, f"cases{k}.jsonl")
        Path(cases_file).write_text("\n".join(shard) + "\n")
        files = (cases_file, os.path.join(tmp, f"rows{k}.jsonl"), os.path.join(tmp, f"trace{k}"))
        procs.append((subprocess.Popen(_shard_command(*files)), files))
    rows: list[dict[str, Any]] = []
    ran: dict[int, Job] = {}
    for proc, (_c, rows_file, trace_file) in procs:
        if proc.wait() != 0:
            raise RuntimeError(f"worker failed with status {proc.returncode}")
        rows += [json.loads(x) for x in Path(rows_file).read_text().splitlines()]
        ran.update(jobs_in(Path(trace_file).read_text(errors="surrogateescape")))
    rows.sort(key=lambda r: int(r["n"]))
    return rows, ran


def report(rows: list[dict[str, Any]], jobs: Mapping[int, Job]) -> list[dict[str, Any]]:
    """Each allowed row with what its job did that its decision did not plan: ``unplanned``
    execs and ``unplanned_writes`` (both empty when none)."""
    found = []
    for row in rows:
        if row["verdict"] != "allow":
            continue
        job = jobs.get(int(row["n"]), Job())
        found.append(
            {
                **row,
                "ran": job.ran,
                "unplanned": mismatches(row, job.ran),
                "unplanned_writes": unplanned_writes(row, job.writes),
                "verbatim": verbatim(row),
            }
        )
    return found


def _canonical(line: str) -> bool:
    try:
        script = parse_script(line)
    except ShellRefusal:
        return False
    return all(
        c.argv[0].startswith("/") or (c.argv[:2] == ("cd", "--") and c.argv[2].startswith("/"))
        for c in script.commands
    )


def verbatim(row: Mapping[str, Any]) -> bool:
    """Whether the plan hands a shell a line that is not a canonical script (programs by
    absolute path, read by the engine's parser): the shell then reads the line itself. Not a
    mismatch by itself -- what it ran is checked -- but the issue asks for none."""
    for program, args in row["runners"]:
        if os.path.basename(program) in SHELLS:
            line = shell_line([program, *args])
            if line is None or not _canonical(line):
                return True
    return False


_PLAIN_SHELL_OPTIONS = frozenset({"-c", "-lc", "-cl", "-l", "--login"})

#: The finding classes, in the order they are told apart.
CLASSES = {
    "splice": "the plan runs one command's program with another's arguments (finding 10)",
    "shell-option": "a shell option the engine did not read as bash does (finding 1)",
    "login": "a login shell (-l) behind a wrapper or in a list runs the host's profile",
    "heredoc": "a here-document bash ends elsewhere than the engine (finding 2)",
    "other": "anything else",
}


def classify(f: Mapping[str, Any]) -> str:
    """Which finding of the issue a mismatch looks like (a hint for whoever reads it)."""
    for _filename, argv in f["unplanned"]:
        name = os.path.basename(argv[0])
        if argv[0].startswith("/") and list(argv[1:2]) == ["-c"] and name not in SHELLS:
            return "splice"
    options: set[str] = set()
    for program, args in f["decided"]:
        if os.path.basename(program) in SHELLS:
            options |= set(itertools.takewhile(lambda a: a[:1] in "-+", args))
    if options - _PLAIN_SHELL_OPTIONS:
        return "shell-option"
    if options - {"-c"}:
        return "login"
    request = " ".join(f["argv"]) if f["argv"] is not None else f["command"]
    return "heredoc" if "<<" in request else "other"


def _finding_text(f: Mapping[str, Any]) -> str:
    request = f"argv={json.dumps(f['argv'])}" if f["argv"] is not None else json.dumps(f["command"])
    lines = [f"- policy `{f['policy']}`: `{request}`"]
    lines.append(f"  - plan: `{json.dumps(f['plan'])}`")
    lines.append(f"  - decided: `{json.dumps(f['decided'])}`")
    for filename, argv in f["unplanned"]:
        lines.append(f"  - executed, not planned: `{filename}` `{json.dumps(argv)}`")
    for path in f["unplanned_writes"]:
        lines.append(f"  - a shell opened for writing, not planned: `{path}`")
    return "\n".join(lines)


def findings_markdown(bad: list[dict[str, Any]], header: str, per_class: int = 40) -> str:
    """The mismatches by class, the shortest requests first, at most ``per_class`` each."""
    by_class: dict[str, list[dict[str, Any]]] = {k: [] for k in CLASSES}
    for f in bad:
        by_class[classify(f)].append(f)
    out = [header, ""]
    out += [f"- {k}: {len(v)} ({CLASSES[k]})" for k, v in by_class.items()]
    for k, found in by_class.items():
        if not found:
            continue
        out += ["", f"## {k}: {CLASSES[k]}", ""]
        seen: set[str] = set()
        for f in sorted(found, key=lambda f: len(json.dumps([f["command"], f["argv"]]))):
            key = json.dumps([f["policy"], f["command"], f["argv"]])
            if key in seen:
                continue
            seen.add(key)
            out.append(_finding_text(f))
            if len(seen) >= per_class:
                out.append(f"- ... {len(found) - len(seen)} more of this class")
                break
    return "\n".join(out) + "\n"


def _replayed(path: str) -> list[Case]:
    """The cases of a findings file's ``.jsonl`` (or any JSON lines with policy, command,
    argv), to check a fix against exactly what failed."""
    with open(path) as f:
        return [(r["policy"], r["command"], r["argv"]) for r in map(json.loads, f) if r]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (at most 2)")
    ap.add_argument(
        "--findings", help="write the mismatches here (Markdown by class; all in FILE.jsonl)"
    )
    ap.add_argument("--replay", help="run the cases of a findings .jsonl instead of generating")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if shutil.which("strace") is None:
        sys.exit("strace is needed: apt-get install -y strace")
    cases = _replayed(args.replay) if args.replay else generate(args.seed, args.n)
    jobs = max(1, min(args.jobs, 2))
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="execgate-differential-")
    try:
        rows, ran = run(cases, jobs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.monotonic() - started
    allowed = report(rows, ran)
    bad = [f for f in allowed if f["unplanned"] or f["unplanned_writes"]]
    refused = sum("error" in f for f in allowed)
    summary = (
        f"generated {len(rows)}  allowed {len(allowed)} (refused at run {refused})  "
        f"mismatches {len(bad)}  verbatim {sum(f['verbatim'] for f in allowed)}  "
        f"seconds {seconds:.1f}  ({len(rows) / seconds:.0f} lines/s, {jobs} processes)"
    )
    per_policy = "  ".join(
        f"{p}: {sum(r['policy'] == p for r in rows)}/"
        f"{sum(f['policy'] == p for f in allowed)}/{sum(f['policy'] == p for f in bad)}"
        for p in sorted({r["policy"] for r in rows})
    )
    print(summary)
    print(f"per policy, generated/allowed/mismatches: {per_policy}")
    if args.findings:
        source = f"--replay {args.replay}" if args.replay else f"--n {args.n} --seed {args.seed}"
        header = (
            f"# Differential findings\n\n`python benchmarks/differential.py {source}`: "
            f"{summary}\n\nper policy, generated/allowed/mismatches: {per_policy}"
        )
        Path(args.findings).write_text(findings_markdown(bad, header))
        with open(args.findings + ".jsonl", "w") as full:
            for f in bad:
                full.write(json.dumps({**f, "class": classify(f)}) + "\n")


if __name__ == "__main__":
    main()
