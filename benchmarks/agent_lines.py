"""How many real coding-agent command lines each policy template allows, and why the rest refuse.

    python benchmarks/agent_lines.py [--corpus FILE] [--template T ...] [--examples N]

The corpus (``benchmarks/data/agent_lines.jsonl``) holds command lines taken from published
agent trajectories, one JSON object a line: ``agent``, ``source`` (repository, path and commit
of the trajectory) and either ``command`` (a shell line, as the agent sent it) or ``argv`` (a
list, as the agent sent it, e.g. Codex's ``["bash", "-lc", "..."]``). The only change to a line
is the agent's workspace root, replaced by ``{ws}``; here it becomes a throwaway workspace.

How the lines were drawn (the ``source`` of each names its file and commit): every Bash tool
call in Claude Code sessions exported as Markdown into their repositories (cctrace, iolo/fed,
dashboard-analisis-politico; the session's project directory is ``{ws}``); the first 300 by
SHA-1 of the 13,084 distinct bash commands in mini-swe-agent's trajectory files across its
history (``/testbed`` is ``{ws}``); every ``{"command": [...], "workdir": ...}`` shell call in
the Codex plan files of awesome-comparisons and ultimate-comparison-framework (the workdir is
``{ws}``); every ``<execute_bash>`` block and ``"command"`` argument in OpenHands' recorded
integration-test responses (``/workspace`` is ``{ws}``); the bash actions of SWE-agent's
non-CTF demonstrations; the first 260 by SHA-1 of the 14,561 distinct bash commands in the 500
SWE-bench Verified trajectories of mini-swe-agent with Gemini 3 Pro that gruckion/mini-swe-agent
republishes (``/testbed`` is ``{ws}``); the first 130 by SHA-1 of the distinct one-line Bash calls
in the Claude Code terminal transcripts of swypdigital/portfolio-victoria-pearson (a call the
terminal wrapped over several lines or cut with ``…`` is left out, the wrapping being unknowable;
``/mnt/c/Users/jdh/claude_projects`` is ``{ws}``); every command OpenHands' integration-test
responses held across their history and its runtime test trajectories (``tests/runtime/trajs``),
and the Codex plan files across awesome-comparisons' history (a workdir given as ``.`` is left
as it is). Left out: SWE-agent's own tool commands (``open``, ``edit``,
``find_file``...), which no shell runs; lines carrying a live access token (a published Vercel
token); five Codex lines whose here-document the plan file escaped twice.

Each template is written with ``execgate policy init --template T``, its ``workspace.root``
pointed at that workspace (a git repository holding an empty file for every relative file name
the lines mention), and every line decided with :func:`execgate.policy.evaluate`. Nothing runs.

Every refusal is classified: *safety* when the gate refuses on purpose, with why (a path or cwd
outside the workspace, a secret, the network, processes outside the job, an option that runs,
loads or writes, input or a value the gate cannot see before it runs); *environment* when the
program is not installed on this host (``gh``, ``vercel``, ``sphinx-build``: the line may be
fine, nothing here can run it); *fluency* otherwise (a program the template lacks, an option
the table does not know, a shape the gate misreads). The issue's target is >= 95% allowed under
the matching template with every refusal a safety refusal.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path

import attrs

from execgate import ExecRequest
from execgate.policy import Policy, Resolver, evaluate, load_policy
from execgate.policy._engine import Verdict

CORPUS = Path(__file__).parent / "data" / "agent_lines.jsonl"
TEMPLATES = ("readonly", "python", "node", "python-node")
#: The template matching the repository each trajectory worked in (``matching`` in a report):
#: SWE-bench and the OpenHands/SWE-agent tasks are Python repositories; the Codex plans are an
#: Angular site; fed and the dashboard are JavaScript; cctrace is a Python tool.
MATCHING = {
    "github:SWE-agent/mini-swe-agent": "python",
    "github:gruckion/mini-swe-agent": "python",
    "github:SWE-agent/SWE-agent": "python",
    "github:All-Hands-AI/OpenHands": "python",
    "github:jimmc414/cctrace": "python",
    "github:iolo/fed": "node",
    "github:manueladasmemunosz-commits/dashboard-analisis-politico": "node",
    "github:cbruyndoncx/awesome-comparisons": "node",
    "github:ultimate-comparisons/ultimate-comparison-framework": "node",
}
PLACEHOLDER = "{ws}"

#: Refusals on purpose, whatever the reason says: the request reaches outside the workspace,
#: carries a secret or a disguised character, or is refused by a deny rule the template holds
#: on purpose (publishing), or is an option table's "this runs a program" entry (find -exec).
#: An environment refusal is decided by its reason: a denied or command-naming variable is on
#: purpose, one the template does not name is not.
SAFETY_CODES = frozenset(
    {
        "EG-PATH-ESCAPE",
        "EG-CWD-ESCAPE",
        "EG-SYMLINK-ESCAPE",
        "EG-POLICY-LOOKALIKE",
        "EG-LIMIT-EXCEEDED",
        "EG-POLICY-DENIED",
        "EG-POLICY-WRAPPER",
    }
)
#: Reasons that mark a refusal on purpose under any other code, each with why, first match
#: wins: a path outside the workspace (a home directory too), a value only known when the line
#: runs ($VAR, $(cmd), "$x"), a job that would outlive its supervision (&), input that cannot
#: be decided (xargs, a program read from stdin), options whose reason says they run, load or
#: write something, a change to a remote, and variables shaped like ones that name a command.
SAFETY_REASONS = (
    (re.compile(r"outside the workspace", re.I), "outside the workspace"),
    (re.compile(r"secret", re.I), "a secret"),
    (re.compile(r"is denied by this policy", re.I), "a deny rule"),
    (
        re.compile(
            r"simple expansion|parameter expansion|command substitution|process substitution|"
            r"tilde expansion|arithmetic|variable assignment|inside double quotes is expanded|"
            r"'\$' expansion",
            re.I,
        ),
        "a value known only when it runs",
    ),
    (re.compile(r"'&' is not accepted"), "a background job outlives the gate"),
    (
        re.compile(r"can create or move symlinks on its way|may write earlier in the same line"),
        "an earlier command may change what it was decided on",
    ),
    (re.compile(r"changing remotes"), "reaches the network"),
    (re.compile(r"names a command, program or code"), "names a command for the program to run"),
    (re.compile(r"cannot be decided", re.I), "input the gate cannot see"),
    (
        re.compile(r"\bruns?\b|\bexecutes?\b|\bloads?\b|\bwrites?\b", re.I),
        "an option that runs, loads or writes",
    ),
)
#: Reasons that name what the template could add (a mode rule for a module or subcommand, a
#: variable in env.allow, a rule for an interpreter reading its program from a here-document
#: or taking inline code, which the python templates allow as they allow ``-c``: no more than
#: a script in the workspace can do), though they mention running or writing something.
FLUENCY_REASONS = re.compile(
    r"only modules with built-in rules|not a subcommand execgate's built-in rules accept|"
    r"not in this policy's env.allow|"
    r"without a script file it reads a program from stdin|"
    r"-e is refused: inline code cannot be decided"
)
#: Refusals on purpose that a fluency reason above would otherwise claim, each with why: the
#: network (a git subcommand that talks to a remote, a module that serves files on a port),
#: and a variable whose name says it holds a command for the program to run.
SAFETY_OVERRIDES = (
    (
        re.compile(r"git: '(?:fetch|pull|clone|push|ls-remote|remote|submodule)'"),
        "reaches the network",
    ),
    (re.compile(r"-m http\.server\b"), "serves files on the network"),
    (
        re.compile(r"env override '\w*(?:_COMMAND|_CMD|_EXEC|_SHELL|_EDITOR|EDITOR|PAGER)'"),
        "names a command for the program to run",
    ),
)
#: Programs that list, signal or inspect processes other than the job's own: refusing them
#: keeps a job from reaching (or killing) what else runs on the host.
PROCESS_PROGRAMS = frozenset(
    {"ps", "pgrep", "pkill", "kill", "killall", "lsof", "pidof", "fuser", "top", "htop"}
)
_NOT_ALLOWED = re.compile(r"'([^'/]+)' \([^)]*\) is not allowed by any rule")
_NOT_FOUND = re.compile(r"program '([^']+)' was not found on the policy's PATH")
_CD_TARGET = re.compile(
    r"""(?:^|[;&|(]\s*)cd\s+(?:"([^"]+)"|'([^']+)'|([^\s;&|)]+))""", re.MULTILINE
)
#: A program named by a relative path at the start of a command (``./run.sh``, ``{ws}/x.py``).
_SCRIPT_RUN = re.compile(r"(?:^|[;&|(]|\n)\s*((?:\./|\{ws\}/)[\w./-]+)")
#: The ``#!`` line a script run by its path is given, by its extension.
_SHEBANGS = {".py": "#!/usr/bin/env python3\n", ".js": "#!/usr/bin/env node\n"}
_FILE_NAME = re.compile(r"(?<![\w/~.$-])((?:[\w.-]+/)*[\w-][\w.-]*\.[A-Za-z][\w]{0,9})(?![\w/])")


@attrs.frozen
class Line:
    """One corpus line: who sent it, where it was published, and what was sent."""

    agent: str
    source: str
    command: str | None = None
    argv: tuple[str, ...] | None = None

    def request(self, workspace: str) -> ExecRequest:
        """The request the agent made, with ``{ws}`` pointing at ``workspace``."""
        if self.argv is not None:
            return ExecRequest(argv=[a.replace(PLACEHOLDER, workspace) for a in self.argv])
        assert self.command is not None
        return ExecRequest(command=self.command.replace(PLACEHOLDER, workspace))

    def repository(self) -> str:
        """``github:owner/name`` of the trajectory's source."""
        return "/".join(self.source.split("/")[:2])

    def text(self) -> str:
        """The line as shown in a report: the command, or the argv as JSON."""
        return self.command if self.command is not None else json.dumps(list(self.argv or ()))


@attrs.frozen
class Outcome:
    """The decision on one line under one template."""

    line: Line
    verdict: str
    code: str
    reason: str
    #: For a line the gate could not parse: whether ``bash -n`` (read, never run) parses it.
    bash_parses: bool | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"


def load_corpus(path: Path = CORPUS) -> list[Line]:
    """Read the corpus; a malformed row raises ValueError naming its line number."""
    lines: list[Line] = []
    for n, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        row = json.loads(raw)
        argv = row.get("argv")
        command = row.get("command")
        if (argv is None) == (command is None) or not row.get("agent") or not row.get("source"):
            raise ValueError(f"{path}:{n}: needs agent, source and exactly one of command/argv")
        lines.append(
            Line(row["agent"], row["source"], command, None if argv is None else tuple(argv))
        )
    return lines


def make_workspace(root: Path, lines: Iterable[Line]) -> None:
    """A git repository with a directory for each relative ``cd`` target, an empty file for
    each relative file name the lines mention, and an executable script for each file a line
    runs by its path (``./run.sh``), whose ``#!`` line names the interpreter its extension
    implies (``python3`` for .py, ``node`` for .js, bash otherwise), so that globs expand,
    paths resolve and scripts run as they would in the agent's repository."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for line in lines:
        for groups in _CD_TARGET.findall(line.text()):
            target = next(g for g in groups if g)
            if target.startswith(("/", "~")) and not target.startswith(PLACEHOLDER):
                continue  # outside the workspace: the gate refuses it, nothing to create
            name = target.removeprefix(PLACEHOLDER).lstrip("/")
            if name and not name.startswith(("$", "-")) and ".." not in name.split("/"):
                (root / name).mkdir(parents=True, exist_ok=True)
        for name in _FILE_NAME.findall(line.text().replace(PLACEHOLDER + "/", "")):
            if ".." in name.split("/") or name.startswith((".git/", "-")):
                continue
            target = root / name
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.touch()
            except OSError:
                continue  # a name the file system refuses (too long, a file in the way)
        for name in _SCRIPT_RUN.findall(line.text()):
            name = name.removeprefix(PLACEHOLDER).lstrip("/").removeprefix("./")
            if not name or ".." in name.split("/") or name.startswith(".git/"):
                continue
            script = root / name
            try:
                script.parent.mkdir(parents=True, exist_ok=True)
                if not script.exists() or script.stat().st_size == 0:
                    script.write_text(_SHEBANGS.get(script.suffix, "#!/bin/bash\n"))
                script.chmod(0o755)
            except OSError:
                continue


#: Appended to a template for its ``+sh`` variant: the shells an agent wraps its line in
#: (Codex sends ``["bash", "-lc", LINE]``); the engine decides LINE itself.
SHELL_RULES = '\n[[allow]]\ncommand = "bash"\n\n[[allow]]\ncommand = "sh"\n'


def template_policy(template: str, workspace: Path, where: Path) -> Policy:
    """Write ``template`` with ``execgate policy init`` into ``where`` and point its
    workspace root at ``workspace``. ``T+sh`` is template T with :data:`SHELL_RULES` added."""
    template, plus_sh = template.removesuffix("+sh"), template.endswith("+sh")
    path = where / f"{template}{'+sh' if plus_sh else ''}.toml"
    subprocess.run(
        [sys.executable, "-m", "execgate", "policy", "init", "--force", "--template", template,
         str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    text = path.read_text("utf-8")
    text, n = re.subn(r'(?m)^root = "\."', f"root = {json.dumps(str(workspace))}", text)
    if n != 1:
        raise ValueError(f"{template}: expected one workspace root line to point elsewhere")
    path.write_text(text + (SHELL_RULES if plus_sh else ""), "utf-8")
    return load_policy(path)


def decide(
    policy: Policy, lines: Sequence[Line], workspace: str, env: Mapping[str, str]
) -> list[Outcome]:
    """Decide every line; nothing runs. A line the gate cannot parse is handed to ``bash -n``,
    which reads it without running anything, to tell a misreading from a line no shell runs."""
    out: list[Outcome] = []
    for line in lines:
        v: Verdict = evaluate(policy, line.request(workspace), env)
        d = v.decision
        parses = _bash_parses(line) if d.code == "EG-SHELL-PARSE" else None
        reason = d.reason.replace(workspace, PLACEHOLDER)
        out.append(Outcome(line, d.verdict, d.code, reason, parses))
    return out


def _bash_parses(line: Line) -> bool:
    """Whether bash can read the line (``bash -n``: syntax only, nothing runs). For an argv,
    the line a ``sh``/``bash`` ``-c`` argv carries."""
    text = line.command
    if text is None:
        argv = line.argv or ()
        text = argv[-1] if len(argv) >= 3 and argv[-2] in ("-c", "-lc") else None
    if text is None:
        return True
    done = subprocess.run(["bash", "-n", "-c", text], capture_output=True, check=False)
    return done.returncode == 0


def classify(outcome: Outcome) -> str:
    """``safety`` for a refusal on purpose, ``environment`` for a program this host does not
    have (the line may be fine; nothing here can run it), ``fluency`` for one a better reading
    or a fuller template would lift (a program the template lacks, an option the table does
    not know, a shape the gate misreads). A line bash cannot parse either is counted with the
    safety refusals: refusing it withholds nothing the agent could run."""
    return classification(outcome)[0]


def classification(outcome: Outcome) -> tuple[str, str]:
    """:func:`classify`'s class and, for a safety or environment refusal, why it is one."""
    if outcome.code in SAFETY_CODES or outcome.code.startswith("EG-SECRET"):
        return "safety", _SAFETY_WHY.get(outcome.code, "a secret")
    if outcome.bash_parses is False:
        return "safety", "no shell parses it either"
    named = _NOT_ALLOWED.search(outcome.reason)
    if named and named[1] in PROCESS_PROGRAMS:
        return "safety", "reaches processes outside the job"
    missing = _NOT_FOUND.search(outcome.reason)
    if missing:
        if missing[1].startswith("/") and not missing[1].startswith(PLACEHOLDER):
            return "safety", "runs a program outside the workspace"
        return "environment", "not installed here"
    for pattern, why in SAFETY_OVERRIDES:
        if pattern.search(outcome.reason):
            return "safety", why
    if FLUENCY_REASONS.search(outcome.reason):
        return "fluency", ""
    for pattern, why in SAFETY_REASONS:
        if pattern.search(outcome.reason):
            return "safety", why
    return "fluency", ""


_SAFETY_WHY = {
    "EG-PATH-ESCAPE": "outside the workspace",
    "EG-CWD-ESCAPE": "outside the workspace",
    "EG-SYMLINK-ESCAPE": "outside the workspace",
    "EG-POLICY-LOOKALIKE": "a disguised character",
    "EG-LIMIT-EXCEEDED": "over a limit",
    "EG-POLICY-DENIED": "a deny rule",
    "EG-POLICY-WRAPPER": "an option that runs or writes",
}


def cause(outcome: Outcome, words: int = 5) -> str:
    """A short label for a refusal: the first words of its reason, with quoted paths and
    phrases and numbers blanked (a quoted program name stays) so that refusals of one kind
    share a label."""
    reason = re.sub(
        r"'([^']*)'", lambda m: m[0] if re.fullmatch(r"[\w.+-]+", m[1]) else "'…'", outcome.reason
    )
    reason = re.sub(r"\"[^\"]*\"|`[^`]*`", "'…'", reason)
    reason = re.sub(r"\S*/\S*", "PATH", reason)
    reason = re.sub(r"\b\d+\b", "N", reason)
    label = " ".join(reason.split()[:words]).rstrip(":;,.")
    if outcome.bash_parses is not None:
        label += " (bash parses it)" if outcome.bash_parses else " (bash cannot either)"
    return label


def host_env(stubs: Path) -> dict[str, str]:
    """The environment decisions see: the host's PATH (then ``stubs``), HOME and LANG, nothing
    else, so that a result depends on the programs installed and not on a developer's
    variables."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env["PATH"] = os.pathsep.join(filter(None, (env.get("PATH"), str(stubs))))
    return env


def stub_missing(templates: Sequence[str], bin_dir: Path) -> list[str]:
    """An executable that is never run, in ``bin_dir``, for every program a template allows
    that the host does not have (``rg``, ``gh``, ``tree`` on a bare CI image): the benchmark
    measures the templates, not the host's installed programs."""
    bin_dir.mkdir(exist_ok=True)
    made: list[str] = []
    package = resources.files("execgate.policy")
    names: set[str] = set()
    for t in templates:
        base = t.removesuffix("+sh")
        path = (
            package / "default.toml"
            if base == "readonly"
            else package / "templates" / f"{base}.toml"
        )
        if path.is_file():
            names.update(re.findall(r'(?m)^command = "([^" ]+)', path.read_text("utf-8")))
    for name in sorted(names):
        if shutil.which(name) is None:
            stub = bin_dir / name
            stub.write_text("#!/bin/sh\nexit 127\n")
            stub.chmod(0o755)
            made.append(name)
    return made


@contextlib.contextmanager
def _workspace(
    lines: Sequence[Line], templates: Iterable[str]
) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """A throwaway directory holding the workspace for ``lines`` and stubs for the programs
    ``templates`` allow that the host lacks: (directory, workspace realpath, environment)."""
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "repo"
        ws.mkdir()
        make_workspace(ws, lines)
        stub_missing(sorted(templates), Path(tmp) / "bin")
        yield Path(tmp), os.path.realpath(ws), host_env(Path(os.path.realpath(tmp)) / "bin")


def run(templates: Sequence[str], lines: Sequence[Line]) -> dict[str, list[Outcome]]:
    """Decide the corpus under each template, in one throwaway workspace. ``matching`` (and
    ``matching+sh``) decides each line under the template :data:`MATCHING` names for its
    repository (python-node when it names none)."""
    suffix = {t: "+sh" if t.endswith("+sh") else "" for t in templates}
    needed = {t for t in templates if not t.startswith("matching")}
    for t in templates:
        if t.startswith("matching"):
            needed |= {m + suffix[t] for m in set(MATCHING.values()) | {"python-node"}}
    with _workspace(lines, needed) as (tmp, real, env):
        policies = {t: template_policy(t, Path(real), tmp) for t in sorted(needed)}
        results: dict[str, list[Outcome]] = {}
        for t in templates:
            if not t.startswith("matching"):
                results[t] = decide(policies[t], lines, real, env)
                continue
            results[t] = [
                decide(policies[MATCHING.get(line.repository(), "python-node") + suffix[t]],
                       [line], real, env)[0]
                for line in lines
            ]  # fmt: skip
        return results


_RULE_HINT = re.compile(r'to allow it, add \[\[allow\]\] command = ("(?:[^"\\]|\\.)*")')


@attrs.frozen
class HintCheck:
    """What following one refusal hint does: the lines it was given for, and their decisions
    under the template with the hinted rule added."""

    hint: str
    before: tuple[Outcome, ...]
    after: tuple[Outcome, ...]


def check_hints(template: str, lines: Sequence[Line]) -> list[HintCheck]:
    """Follow every ``add [[allow]] command = ...`` hint the template's refusals give: add that
    rule and decide the lines again. A hint that leaves its lines refused on purpose proposes a
    rule that does not help."""
    with _workspace(lines, [template]) as (tmp, real, env):
        policy = template_policy(template, Path(real), tmp)
        text = (tmp / f"{template}.toml").read_text("utf-8")
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in decide(policy, lines, real, env):
            found = _RULE_HINT.search(o.reason)
            if not o.allowed and found:
                groups[found[1]].append(o)
        checks: list[HintCheck] = []
        for hint, before in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            path = tmp / "hinted.toml"
            path.write_text(f"{text}\n[[allow]]\ncommand = {hint}\n", "utf-8")
            after = decide(load_policy(path), [o.line for o in before], real, env)
            checks.append(HintCheck(f"[[allow]] command = {hint}", tuple(before), tuple(after)))
        return checks


def timing(template: str, lines: Sequence[Line], repeat: int) -> str:
    """Decisions per second over the whole corpus under ``template`` (best of ``repeat``
    passes, the first pass warming the resolution cache as a running gate has), against the
    same-run baseline of ``shlex.split`` on each line (tokenising alone; an argv line is
    joined with ``shlex.join`` first)."""
    texts = [
        line.command if line.command is not None else shlex.join(line.argv or ()) for line in lines
    ]
    with _workspace(lines, [template]) as (tmp, real, env):
        policy = template_policy(template, Path(real), tmp)
        requests = [line.request(real) for line in lines]
        decide_s, split_s = [], []
        resolver = Resolver()  # remembers look-ups across decisions, as a running gate does
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            for request in requests:
                evaluate(policy, request, env, resolver)
            decide_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for text in texts:
                # a here-document body with an odd quote: bash reads it, shlex does not
                with contextlib.suppress(ValueError):
                    shlex.split(text)
            split_s.append(time.perf_counter() - t0)
    best, base = min(decide_s[1:]), min(split_s[1:])
    n = len(lines)
    return (
        f"{template}: {n / best:,.0f} decisions/s ({best / n * 1e6:.0f} µs a line) over {n} lines; "
        f"shlex.split {base / n * 1e6:.1f} µs a line; ratio {best / base:.1f}x"
    )


def hint_report(checks: Sequence[HintCheck]) -> str:
    """The Markdown table of :func:`check_hints`: per hint, how many of its lines the added
    rule allows, and how many it leaves refused (on purpose, or otherwise), with an example."""
    out = [
        "| hint | lines | then allowed | then refused on purpose | then refused otherwise | example |"
    ]
    out.append("|---|---|---|---|---|---|")
    for c in checks:
        allowed = sum(o.allowed for o in c.after)
        safety = [o for o in c.after if not o.allowed and classify(o) == "safety"]
        other = [o for o in c.after if not o.allowed and classify(o) != "safety"]
        seen = safety or other
        shown = f"{cause(seen[0], 9)}: `{_short(seen[0].line.text(), 60)}`" if seen else ""
        out.append(
            f"| `{c.hint}` | {len(c.before)} | {allowed} | {len(safety)} | {len(other)} | "
            + shown.replace("|", "\\|") + " |"
        )  # fmt: skip
    return "\n".join(out)


def _rate(outcomes: Sequence[Outcome]) -> str:
    n = sum(o.allowed for o in outcomes)
    return f"{n}/{len(outcomes)} ({100 * n / max(1, len(outcomes)):.1f}%)"


def _short(text: str, width: int = 90) -> str:
    one = text.replace("\n", "⏎")
    return one if len(one) <= width else one[: width - 1] + "…"


def report(results: Mapping[str, Sequence[Outcome]], examples: int) -> str:
    """The Markdown report: allow rate per template and agent, then refusals by code and cause."""
    agents = sorted({o.line.agent for outs in results.values() for o in outs})
    out = ["| template | allowed | " + " | ".join(agents) + " | safety | environment | fluency |"]
    out.append("|---" * (len(agents) + 5) + "|")
    for t, outs in results.items():
        by_agent = [_rate([o for o in outs if o.line.agent == a]) for a in agents]
        refused = [o for o in outs if not o.allowed]
        classes = Counter(classify(o) for o in refused)
        out.append(
            f"| {t} | {_rate(outs)} | " + " | ".join(by_agent)
            + f" | {classes['safety']} | {classes['environment']} | {classes['fluency']} |"
        )  # fmt: skip
    for t, outs in results.items():
        refused = [o for o in outs if not o.allowed]
        out += ["", f"## {t}: {len(refused)} refused", ""]
        out += ["| n | class | code | cause | examples |", "|---|---|---|---|---|"]
        groups: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
        for o in refused:
            klass, why = classification(o)
            groups[(f"{klass} ({why})" if why else klass, o.code, cause(o))].append(o)
        for (klass, code, label), members in sorted(
            groups.items(), key=lambda kv: (not kv[0][0].startswith("fluency"), -len(kv[1]), kv[0])
        ):
            shown = "<br>".join(
                f"`{_short(m.line.text())}` ({m.line.agent})".replace("|", "\\|")
                for m in members[:examples]
            )
            out.append(f"| {len(members)} | {klass} | {code} | {label} | {shown} |")
        codes = Counter(o.code for o in refused)
        out += ["", "by code: " + ", ".join(f"{c} {n}" for c, n in codes.most_common())]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument(
        "--template",
        action="append",
        choices=[*TEMPLATES, "matching", *(t + "+sh" for t in (*TEMPLATES, "matching"))],
        help="T+sh: template T with bash and sh allowed (the engine decides their -c LINE); "
        "matching: each line under the template of its repository's kind",
    )
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="one JSON object per refusal instead")
    ap.add_argument(
        "--hints", metavar="T", choices=TEMPLATES,
        help="instead: follow every rule hint template T's refusals give, and report what it lifts",
    )  # fmt: skip
    ap.add_argument(
        "--timing", metavar="T", choices=[*TEMPLATES, *(t + "+sh" for t in TEMPLATES)],
        help="instead: decisions per second over the corpus under T, against shlex.split",
    )  # fmt: skip
    ap.add_argument("--repeat", type=int, default=5, help="passes for --timing (best is kept)")
    args = ap.parse_args()
    lines = load_corpus(args.corpus)
    if args.timing:
        print(timing(args.timing, lines, args.repeat))
        return
    if args.hints:
        print(hint_report(check_hints(args.hints, lines)))
        return
    results = run(args.template or (*TEMPLATES, "matching", "matching+sh"), lines)
    if args.json:
        for t, outs in results.items():
            for o in outs:
                if not o.allowed:
                    print(json.dumps({"template": t, "agent": o.line.agent, "code": o.code,
                                      "class": classify(o), "why": classification(o)[1],
                                      "reason": o.reason,
                                      "line": o.line.text()}))  # fmt: skip
        return
    agents = Counter(line.agent for line in lines)
    print(f"{len(lines)} lines: " + ", ".join(f"{a} {n}" for a, n in agents.most_common()))
    print()
    print(report(results, args.examples))


if __name__ == "__main__":
    main()
