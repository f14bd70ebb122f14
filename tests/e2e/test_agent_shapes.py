"""The command lines coding agents really send, read as bash reads them.

Each shape is one that published agent trajectories use often (mini-swe-agent's
``cd /testbed && ...``, Codex's ``bash -lc``, Claude Code's here-documents): the gate must
allow it when every program in it is allowed, and decide exactly what bash would run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from execgate import ExecRequest, Gate, load_policy
from execgate.policy import Policy, evaluate

POLICY = """
version = 1
[workspace]
root = "{root}"
[shell]
write_redirects = true
[[allow]]
command = "ls"
[[allow]]
command = "cat"
[[allow]]
command = "wc"
[[allow]]
command = "grep"
[[allow]]
command = "head"
[[allow]]
command = "echo"
[[allow]]
command = "git"
[[allow]]
command = "git stash"
[[allow]]
command = "npx tsc"
[[allow]]
command = "bash"
[[allow]]
command = "timeout"
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "src" / "pkg").mkdir(parents=True)
    for name in ("a.py", "b.py", ".hidden.py", "c.txt"):
        (ws / "src" / name).write_text(f"{name}\n")
    return ws


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    path = tmp_path / "p.toml"
    path.write_text(POLICY.format(root=ws))
    return load_policy(path)


def plan(policy: Policy, line: str, cwd: str = ".") -> tuple[str, ...]:
    v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
    assert v.decision.allowed, (line, v.decision.code, v.decision.reason)
    assert v.plan is not None
    return v.plan.argv


def refused(policy: Policy, line: str, cwd: str = ".") -> str:
    v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
    assert not v.decision.allowed, (line, v.plan)
    return v.decision.code


def test_cd_then_commands_is_a_cwd_change(policy: Policy, ws: Path) -> None:
    v = evaluate(policy, ExecRequest(command=f"cd {ws}/src && ls -la"), dict(os.environ))
    assert v.plan is not None and v.plan.cwd == str(ws / "src")
    assert v.plan.argv[1:] == ("-la",)
    argv = plan(policy, "cd src; cat a.py && cd pkg && ls")
    assert argv[0] == "/bin/sh" and f"cd -- {ws}/src/pkg" in argv[2], argv
    assert refused(policy, "cd / && ls") == "EG-CWD-ESCAPE"
    assert refused(policy, "cd .. && ls") == "EG-CWD-ESCAPE"
    assert refused(policy, "cd src/pkg && cat ../../../x") == "EG-PATH-ESCAPE"
    assert refused(policy, "cd src || ls") == "EG-SHELL-UNSUPPORTED"
    # cat succeeds, so cd is skipped and the last command runs in the old directory
    assert refused(policy, "cat src/a.py || cd src/pkg && cat ../../x") == "EG-SHELL-UNSUPPORTED"
    assert refused(policy, "cd - && ls") == "EG-SHELL-UNSUPPORTED"


def test_globs_are_expanded_inside_the_workspace(policy: Policy) -> None:
    assert plan(policy, "wc -l src/*.py")[1:] == ("-l", "src/a.py", "src/b.py")
    assert plan(policy, "ls src/.*.py")[1:] == ("src/.hidden.py",)
    assert plan(policy, "ls src/*.rs")[1:] == ("src/*.rs",)  # no match: as written
    assert plan(policy, "ls 'src/*.py'")[1:] == ("src/*.py",)  # quoted: literal
    assert plan(policy, "ls src/[ab].py")[1:] == ("src/a.py", "src/b.py")
    assert plan(policy, "cd src && ls *.txt")[1:] == ("c.txt",)
    assert refused(policy, "cat /etc/*") == "EG-PATH-ESCAPE"
    assert refused(policy, "cat ../*") == "EG-PATH-ESCAPE"


def test_brace_lists_of_literal_words_are_expanded(policy: Policy) -> None:
    """``{a,b}`` and ``{1..3}`` become the words bash makes, each decided as a path."""
    assert plan(policy, "wc -l src/{a,b}.py")[1:] == ("-l", "src/a.py", "src/b.py")
    assert plan(policy, "ls src/{a,b}.py | head -1")
    assert refused(policy, "cat src/{a.py,../../x}") == "EG-PATH-ESCAPE"
    assert refused(policy, "cat {/etc/passwd,src/a.py}") == "EG-PATH-ESCAPE"
    assert refused(policy, "cat src/{a,b}{c,d}") == "EG-SHELL-UNSUPPORTED"
    assert refused(policy, "cat src/{*,a}.py") == "EG-SHELL-UNSUPPORTED"


def test_a_redirect_after_a_list_is_the_last_commands(policy: Policy) -> None:
    argv = plan(policy, "ls && cat src/a.py 2>&1")
    assert argv[2].endswith("src/a.py 2>&1"), argv


def test_long_options_with_values_inside_pipelines(policy: Policy) -> None:
    plan(policy, "grep -rn --include=*.py x . | head")
    plan(policy, "git log --format=%h | head -5")


def test_mode_rules_grant_their_mode(policy: Policy, ws: Path) -> None:
    plan(policy, "git stash push -m wip")
    (ws / "node_modules" / ".bin").mkdir(parents=True)
    (ws / "node_modules" / ".bin" / "tsc").write_text("#!/bin/sh\n")  # the workspace's own
    plan(policy, "npx tsc --noEmit")
    assert refused(policy, "npx other") == "EG-POLICY-NOT-ALLOWED"
    assert refused(policy, "git branch new") == "EG-POLICY-FLAG"


def test_readers_codex_runs_at_start(policy: Policy) -> None:
    plan(policy, "git symbolic-ref --short HEAD")
    assert refused(policy, "git symbolic-ref HEAD refs/heads/x") == "EG-POLICY-FLAG"


def test_find_exec_decides_its_command(tmp_path: Path, ws: Path) -> None:
    """``find ... -exec CMD {} ;`` is allowed when CMD is, and says which rule refused it."""
    path = tmp_path / "f.toml"
    path.write_text(POLICY.format(root=ws) + '[[allow]]\ncommand = "find"\n')
    p = load_policy(path)
    assert plan(p, 'find src -name "*.py" -type f -exec grep -l a {} \\; | head -5')
    assert plan(p, "cd src && find . -exec wc -l {} +")
    v = evaluate(p, ExecRequest(command="find . -exec rm {} \\;"), dict(os.environ))
    assert v.decision.code == "EG-POLICY-NOT-ALLOWED" and "inside find" in v.decision.reason


@pytest.mark.anyio
async def test_find_piped_into_xargs_is_find_exec(
    tmp_path: Path, ws: Path, anyio_backend: str
) -> None:
    """``find ... | xargs CMD`` (mini-swe-agent's search) runs as ``find ... -exec CMD {} +``:
    CMD decided under its own rule, each found name handed whole, no symlink handed over."""
    path = tmp_path / "x.toml"
    path.write_text(POLICY.format(root=ws) + '[[allow]]\ncommand = "find"\n')
    p = load_policy(path)
    (tmp_path / "secret.txt").write_text("def delete(): outside\n")
    (ws / "src" / "pkg" / "m.py").write_text("def delete(): pass\n")
    (ws / "src" / "pkg" / "two words.py").write_text("def delete(): spaced\n")
    (ws / "src" / "pkg" / "evil.py").symlink_to(tmp_path / "secret.txt")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=p, store=store) as gate:
        r = await gate.run(
            command='find . -type f -name "*.py" -path "*/pkg/*" | xargs grep -l "def delete" '
            "| head -10"
        )
        assert sorted(r.stdout.split(b"\n")) == [b"", b"./src/pkg/m.py", b"./src/pkg/two words.py"]
        r = await gate.run(command="find src -name '*.py' -print0 | xargs -0 wc -l")
        assert b"src/a.py" in r.stdout and b"evil" not in r.stdout, r
        r = await gate.run(command="find src -name '*.q' -o -name m.py | xargs -r cat")
        assert r.stdout == b"def delete(): pass\n", r
        r = await gate.run(command="find src -name '*.none' | xargs cat")
        assert r.exit_code == 0 and r.stdout == b"", r  # nothing found: nothing runs
    for line, code in (
        ("find src | xargs cat /etc/passwd", "EG-PATH-ESCAPE"),
        ("find src | xargs rm", "EG-POLICY-NOT-ALLOWED"),  # rm's own rule decides
        ("find src | xargs -n1 cat", "EG-POLICY-NOT-ALLOWED"),  # other xargs options: xargs
        ("find src -print | xargs cat", "EG-POLICY-NOT-ALLOWED"),  # find acts itself
        ("echo /etc/passwd | xargs cat", "EG-POLICY-NOT-ALLOWED"),
        ("find src | xargs sh -c 'cat $0'", "EG-POLICY-NOT-ALLOWED"),
        ("find src | xargs grep {} +", "EG-POLICY-NOT-ALLOWED"),
    ):
        assert refused(p, line) == code, line
    path.write_text(path.read_text() + '[[deny]]\ncommand = "xargs"\n')
    assert refused(load_policy(path), "find src | xargs cat") == "EG-POLICY-DENIED"


@pytest.mark.anyio
async def test_find_delete_is_decided_as_rm_of_its_starting_points(
    tmp_path: Path, ws: Path, anyio_backend: str
) -> None:
    """``find ... -delete`` removes what it finds below its starting points, so it is
    allowed exactly where ``rm -r -- START...`` is, and runs guarded: never inside a .git
    directory, never the policy file, never following a symlink."""
    base = POLICY.format(root=ws) + '[[allow]]\ncommand = "find"\n'
    path = tmp_path / "f.toml"
    path.write_text(base)
    no_rm = load_policy(path)
    v = evaluate(no_rm, ExecRequest(command="find src -name '*.pyc' -delete"), dict(os.environ))
    assert v.decision.code == "EG-POLICY-NOT-ALLOWED" and "rm -r" in v.decision.reason
    kept = ws / "src" / "pkg" / "execgate.toml"
    kept.write_text(base.replace("{root}", str(ws)) + '[[allow]]\ncommand = "rm"\n')
    with_rm = load_policy(kept)
    (ws / "src" / "pkg" / "x.pyc").write_text("")
    (ws / "src" / "pkg" / "empty").mkdir()
    (ws / "src" / ".git" / "objects").mkdir(parents=True)
    (ws / "src" / ".git" / "objects" / "y.pyc").write_text("")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "z.pyc").write_text("")
    (ws / "link").symlink_to(tmp_path / "outside")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=with_rm, store=store) as gate:
        r = await gate.run(command="find . -name '*.pyc' -delete && find . -type d -empty -delete")
        assert r.exit_code == 0, r
        r = await gate.run(command="find . -name execgate.toml -delete")
    assert not (ws / "src" / "pkg" / "x.pyc").exists()
    assert not (ws / "src" / "pkg" / "empty").exists()
    assert (ws / "src" / ".git" / "objects" / "y.pyc").exists()  # git's own files stay
    assert kept.exists()  # the policy file stays
    assert (tmp_path / "outside" / "z.pyc").exists() and (ws / "link").is_symlink()
    for line, code in (
        ("find /tmp -name '*.pyc' -delete", "EG-PATH-ESCAPE"),
        ("find -L . -name '*.pyc' -delete", "EG-PATH-ESCAPE"),
        ("find -H link -delete", "EG-PATH-ESCAPE"),
        ("find link -delete", "EG-PATH-ESCAPE"),  # rm -r -- link: decided on its target
        ("find src -delete -exec ls {} +", "EG-POLICY-WRAPPER"),
    ):
        assert refused(with_rm, line) == code, line


@pytest.mark.anyio
async def test_agent_shapes_run_as_bash_would(
    policy: Policy, ws: Path, tmp_path: Path, anyio_backend: str
) -> None:
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        r = await gate.run(command=f"cd {ws}/src && wc -l *.py")
        assert b"a.py" in r.stdout and b"b.py" in r.stdout and b".hidden" not in r.stdout
        r = await gate.run(command="cd src && cat a.py && cd pkg && ls .. | head -1")
        assert r.stdout == b"a.py\na.py\n", r
        r = await gate.run(command="ls src/nope.py && echo no 2>&1")
        assert r.exit_code != 0 and r.stdout == b""
        # what a wrapper or a shell runs after a cd runs in the cd's directory
        (ws / "src" / "pkg" / "w.txt").write_text("inner\n")
        (ws / "w.txt").write_text("outer\n")
        r = await gate.run(command="cd src/pkg && timeout 5 cat w.txt")
        assert r.stdout == b"inner\n", r
        r = await gate.run(command="cd src/pkg && bash -c 'cat w.txt'")
        assert r.stdout == b"inner\n", r
        # cd alone: succeeds on a directory of the workspace, as bash -c 'cd src' does
        r = await gate.run(command='cd "src"')
        assert r.exit_code == 0 and r.stdout == b"", r
        # a line of only cds: each confined, run as cd to the last directory
        r = await gate.run(command="cd src && cd pkg; cd ..")
        assert r.exit_code == 0 and r.stdout == b"", r
    for line, code in (
        ("cd /etc", "EG-CWD-ESCAPE"),
        ("cd ..", "EG-CWD-ESCAPE"),
        ("cd nope", "EG-CWD-INVALID"),
        ("cd -", "EG-SHELL-UNSUPPORTED"),
        ("cd", "EG-SHELL-UNSUPPORTED"),
        ("cd src pkg", "EG-SHELL-UNSUPPORTED"),
        ("cd src && cd ../..", "EG-CWD-ESCAPE"),
        ("cd src && cd nope", "EG-CWD-INVALID"),
        ("cd src/pkg; cd /etc", "EG-CWD-ESCAPE"),
        ("cd src || cd pkg", "EG-SHELL-UNSUPPORTED"),
        ("cd src && cd pkg > x", "EG-SHELL-UNSUPPORTED"),
    ):
        assert refused(policy, line) == code, line


@pytest.mark.anyio
async def test_a_dollar_that_starts_nothing_runs_as_the_literal_bash_reads(
    policy: Policy, ws: Path, tmp_path: Path, anyio_backend: str
) -> None:
    """``grep -E "\\.py$|txt$"``: the ``$`` anchors of a regular expression are literal to bash,
    and reach grep unchanged, alone or in a pipeline; a ``$`` before a name still refuses."""
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        r = await gate.run(command='ls src | grep -E "^a\\.py$|txt$"')
        assert r.stdout == b"a.py\nc.txt\n", r
        r = await gate.run(command="grep -c a.py$ src/a.py")
        assert r.stdout == b"1\n", r
    assert refused(policy, 'ls src | grep -E "$x|txt$"') == "EG-SHELL-UNSUPPORTED"


def _script(ws: Path, name: str, text: str) -> None:
    path = ws / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


@pytest.mark.anyio
async def test_a_workspace_script_runs_as_its_interpreter_line_says(
    tmp_path: Path, ws: Path, anyio_backend: str
) -> None:
    """``./run.sh`` and Django's ``./tests/runtests.py``: the kernel runs the ``#!`` line's
    interpreter on the script, so the gate decides that command, and the plan names the
    interpreter by path."""
    path = tmp_path / "s.toml"
    path.write_text(
        POLICY.format(root=ws) + '[[allow]]\ncommand = "env"\n[[allow]]\ncommand = "python3"\n'
    )
    p = load_policy(path)
    _script(ws, "run.sh", '#!/bin/bash -e\necho "ran $0 $1"\n')
    _script(ws, "tests/runtests.py", "#!/usr/bin/env python3\nimport sys\nprint(sys.argv[1:])\n")
    argv = plan(p, "./run.sh x")
    assert os.path.basename(argv[0]) == "bash" and argv[1:] == ("-e", "./run.sh", "x"), argv
    assert plan(p, "cd tests && ./runtests.py --parallel 1 a")[-4:] == (
        "./runtests.py", "--parallel", "1", "a"
    )  # fmt: skip
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=p, store=store) as gate:
        r = await gate.run(command="./run.sh x | head -1")
        assert r.stdout == b"ran ./run.sh x\n", r
        r = await gate.run(command="./tests/runtests.py migrations -v 2")
        assert r.stdout == b"['migrations', '-v', '2']\n", r


def test_a_workspace_script_the_policy_would_not_run_refuses(
    tmp_path: Path, ws: Path, policy: Policy
) -> None:
    """The interpreter's own decision stands; no ``#!`` line, one the kernel would read
    differently (a relative interpreter, CR LF, too long), or a script outside the workspace
    is no script the gate runs."""
    _script(ws, "p.pl", "#!/usr/bin/perl\nprint 1;\n")
    _script(ws, "c.sh", "#!/bin/bash -c\nid\n")
    _script(ws, "e.sh", "#!/usr/bin/env -S bash -x\nid\n")
    _script(ws, "rel.sh", "#!bash\nid\n")
    _script(ws, "crlf.sh", "#!/bin/bash\r\nid\n")
    _script(ws, "long.sh", "#!/bin/bash " + "x" * 300 + "\nid\n")
    _script(ws, "plain", "id\n")
    (ws / "out").symlink_to("/usr/bin/id")
    assert refused(policy, "./p.pl") == "EG-POLICY-NOT-ALLOWED"
    assert refused(policy, "./c.sh x") == "EG-POLICY-FLAG"
    assert refused(policy, "./e.sh") in ("EG-POLICY-NOT-ALLOWED", "EG-POLICY-WRAPPER")
    for name in ("rel.sh", "crlf.sh", "long.sh", "out"):
        v = evaluate(policy, ExecRequest(command=f"./{name}"), dict(os.environ))
        assert v.decision.code == "EG-POLICY-NOT-ALLOWED" and "#!" not in v.decision.reason, name
    assert refused(policy, "./plain") in ("EG-PROGRAM-NOT-FOUND", "EG-POLICY-NOT-ALLOWED")
    os.mkfifo(ws / "fifo.sh", 0o755)  # never read: the decision must not wait on a writer
    assert refused(policy, "./fifo.sh") in ("EG-PROGRAM-NOT-FOUND", "EG-POLICY-NOT-ALLOWED")
    assert plan(policy, "bash -n c.sh")[1:] == ("-n", "c.sh")


def test_here_documents_in_lines(policy: Policy, ws: Path) -> None:
    argv = plan(policy, "cat > f.py << 'EOF'\nprint(1)\n$HOME `id`\nEOF\ncat f.py")
    script = argv[2]
    assert "$HOME `id`\nEXECGATE_EOF_0\n" in script and "<<'EXECGATE_EOF_0'" in script, script
    plan(policy, "cat <<'EOF' > g.py\nx\nEOF")
    assert refused(policy, "cat <<EOF > g.py\n$HOME\nEOF") == "EG-SHELL-UNSUPPORTED"
    assert refused(policy, "cat <<E'O'F > x\nEOF\nE'O'F") == "EG-SHELL-UNSUPPORTED"
    # a delimiter line in the body: the plan's own delimiter never collides with it
    argv = plan(policy, "cat > h <<'EOF'\nEXECGATE_EOF_0\nEOF")
    assert "EXECGATE_EOF_1" in argv[2]


def test_a_commit_message_from_a_here_document(tmp_path: Path, ws: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(POLICY.format(root=ws) + '[[allow]]\ncommand = "git commit"\n')
    line = 'git commit -m "$(cat <<\'EOF\'\nFix: $x and `y`\n\nBody "q"\nEOF\n)"'
    v = evaluate(load_policy(path), ExecRequest(command=line), dict(os.environ))
    assert v.plan is not None, v.decision
    assert v.plan.argv[-1] == 'Fix: $x and `y`\n\nBody "q"', v.plan.argv


def test_exit_status_and_assignments(policy: Policy) -> None:
    assert plan(policy, "ls; echo $?")[2].endswith('echo "$?"')
    assert plan(policy, "echo $?")[1:] == ("0",)
    v = evaluate(policy, ExecRequest(command="CI=1 ls"), dict(os.environ))
    assert v.plan is not None and v.plan.env["CI"] == "1" and v.plan.argv[1:] == ()
    assert plan(policy, "CI=1 ls && ls")[2].startswith("CI=1 ")
    assert refused(policy, "A=1 ls && ls") == "EG-ENV-DENIED"  # not in the env allow list
    assert refused(policy, "LD_PRELOAD=/x ls") == "EG-ENV-DENIED"
    assert refused(policy, "ls $HOME") == "EG-SHELL-UNSUPPORTED"


@pytest.mark.parametrize(
    "char",
    ["\u202e", "\u2066", "\u200b", "\ufeff", "\u2060", "\u200f", "\u061c", "\u00ad",
     # default-ignorable but not Cf, line separators, terminal controls
     "\u3164", "\u115f", "\uffa0", "\u034f", "\u2800", "\ufe00", "\U000e0101", "\u2028",
     "\u2029", "\x1b", "\x07", "\x7f", "\x85", "\ufe0f"],
)  # fmt: skip
def test_invisible_characters_refuse(policy: Policy, char: str) -> None:
    for request in (
        ExecRequest(command=f"ls a{char}b"),
        ExecRequest(argv=["ls", f"x{char}"]),
        ExecRequest(argv=["ls"], cwd=f"src{char}"),
        ExecRequest(argv=["ls"], env_overrides={"X": f"a{char}"}),
    ):
        v = evaluate(policy, request, dict(os.environ))
        assert v.decision.code == "EG-POLICY-LOOKALIKE", (char, request)


def test_emoji_presentation_after_a_symbol_is_not_hidden(policy: Policy) -> None:
    v = evaluate(policy, ExecRequest(command="echo '\u26a0\ufe0f done\tok'"), dict(os.environ))
    assert v.decision.verdict == "allow", v.decision.reason


def test_python_dash_m_takes_the_modules_rule(tmp_path: Path, ws: Path) -> None:
    path = tmp_path / "py.toml"
    path.write_text(
        POLICY.format(root=ws)
        + '[[allow]]\ncommand = "python3"\n[[allow]]\ncommand = "pip install"\n'
        + '[[allow]]\ncommand = "pytest"\nallow_flags = ["--cov="]\n'
        + '[[deny]]\ncommand = "pip uninstall"\n'
    )
    py = load_policy(path)
    argv = plan(py, "python3 -m pip install requests")
    # -P (the working directory off sys.path) where the interpreter's version says it has it
    assert argv[1:] in (
        ("-m", "pip", "install", "requests"),
        ("-P", "-m", "pip", "install", "requests"),
    )
    assert plan(py, "python3 -m pytest --cov=src -q")[1:] == ("-m", "pytest", "--cov=src", "-q")
    assert refused(py, "python3 -m pytest --pdb") == "EG-POLICY-FLAG"
    assert refused(py, "python3 -m pip uninstall x") == "EG-POLICY-DENIED"
    assert refused(py, "python3 -m pytest -q /tmp/x") == "EG-PATH-ESCAPE"
    assert refused(py, "python3 -c 1 -m pytest") == "EG-POLICY-FLAG"


def test_a_shell_line_without_a_shell_rule_is_decided_as_the_line(policy: Policy) -> None:
    """Codex sends every command as ["bash", "-lc", LINE]: what runs is LINE's plan, so LINE
    is decided even where no rule names a shell (bash itself never starts)."""
    path = policy.source
    assert "bash" not in [r.command for r in policy.allow] or path
    v = evaluate(policy, ExecRequest(argv=["sh", "-lc", "ls -la && cat src/a.py"]), {})
    assert v.plan is not None and v.plan.argv[0] == "/bin/sh" and "sh -lc" not in v.plan.argv[2]
    v = evaluate(policy, ExecRequest(argv=["dash", "-c", "rm -rf x"]), dict(os.environ))
    assert v.decision.code == "EG-POLICY-NOT-ALLOWED" and "inside dash -c" in v.decision.reason
    v = evaluate(policy, ExecRequest(argv=["dash", "script.sh"]), dict(os.environ))
    assert v.decision.code == "EG-POLICY-NOT-ALLOWED"


def test_hints_name_only_rules_that_would_allow(policy: Policy) -> None:
    v = evaluate(policy, ExecRequest(command="nl src/a.py"), dict(os.environ))
    assert 'add [[allow]] command = "nl"' in v.decision.reason
    v = evaluate(policy, ExecRequest(command="xargs grep x"), dict(os.environ))
    assert "add [[allow]]" not in v.decision.reason  # xargs refuses under any rule
    # ... and the refusal says why no rule would help
    assert "a rule for it would not help: xargs: its arguments come from stdin" in (
        v.decision.reason
    )
    v = evaluate(policy, ExecRequest(command="ls | perl -e 'system 1'"), dict(os.environ))
    assert "would not help: perl: -e is refused" in v.decision.reason, v.decision.reason
    # cd alone runs, as a fresh shell would; the reason says it persists nothing
    v = evaluate(policy, ExecRequest(command="cd src"), dict(os.environ))
    assert v.decision.allowed and "request's cwd" in v.decision.reason


def test_what_follows_a_cd_is_decided_where_it_may_run(policy: Policy, ws: Path) -> None:
    """A later cd may be skipped (`a && cd d; b` when a fails) or fail at run time: b then
    runs in the directory before it, so it is decided there too."""
    (ws.parent / "outside.txt").write_text("secret\n")
    for line in (
        "grep -q zzz src/a.py && cd src; cat ../outside.txt",
        "grep -q zzz src/a.py && cd src\ncat ../outside.txt",
        "ls && cd src && cat ../../outside.txt",
    ):
        assert refused(policy, line) == "EG-PATH-ESCAPE", line
    plan(policy, "ls && cd src && cat a.py")  # inside the workspace from both directories


def test_a_descriptor_the_grammar_reads_as_a_word_is_refused(policy: Policy) -> None:
    # bash reads `cat 0<f` as cat with its stdin from f; the grammar as cat "0" < f
    assert refused(policy, "cat 0<src/a.py") == "EG-SHELL-UNSUPPORTED"
    plan(policy, "cat < src/a.py")


@pytest.mark.anyio
async def test_python_stdio_encoding_may_be_set_by_default(
    tmp_path: Path, ws: Path, anyio_backend: str
) -> None:
    """``PYTHONIOENCODING=utf-8 python x.py``: the codec of Python's stdio, looked up only in
    its encodings package, is settable under the default env.allow; PYTHONPATH is not."""
    path = tmp_path / "e.toml"
    path.write_text(POLICY.format(root=ws) + '[[allow]]\ncommand = "python3"\n')
    p = load_policy(path)
    (ws / "enc.py").write_text("import sys\nprint(sys.stdout.encoding)\n")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=p, store=store) as gate:
        r = await gate.run(command="PYTHONIOENCODING=latin-1 python3 enc.py")
        assert r.stdout == b"iso8859-1\n", r  # latin-1, by its canonical name
    assert refused(p, "PYTHONIOENCODING=utf-8 PYTHONPATH=. python3 enc.py") == "EG-ENV-DENIED"


@pytest.mark.anyio
async def test_workspace_modules_and_stdin_programs_run_where_inline_code_may(
    tmp_path: Path, ws: Path, anyio_backend: str
) -> None:
    """``python3 -m mypkg`` runs the workspace's own package, as ``python3 mypkg/x.py`` would;
    ``python3 - <<'EOF'`` runs a program from stdin where the policy accepts inline code
    (``allow_flags = ["-c"]``), being no more than the same code given with -c."""
    path = tmp_path / "m.toml"
    path.write_text(POLICY.format(root=ws) + '[[allow]]\ncommand = "python3"\n')
    bare = load_policy(path)
    path2 = tmp_path / "m2.toml"
    path2.write_text(
        POLICY.format(root=ws) + '[[allow]]\ncommand = "python3"\nallow_flags = ["-c"]\n'
    )
    inline = load_policy(path2)
    (ws / "mypkg" / "sub").mkdir(parents=True)
    (ws / "mypkg" / "__init__.py").write_text("")
    (ws / "mypkg" / "__main__.py").write_text("import sys\nprint('main', sys.argv[1:])\n")
    (ws / "mypkg" / "sub" / "__init__.py").write_text("")
    (ws / "mypkg" / "sub" / "mod.py").write_text("print('mod')\n")
    (ws / "nsdir").mkdir()
    (ws / "nsdir" / "x.py").write_text("")
    (ws / "json.py").write_text("print('shadow')\n")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=bare, store=store) as gate:
        r = await gate.run(command="python3 -m mypkg runserver --noreload")
        assert r.stdout == b"main ['runserver', '--noreload']\n", r
        r = await gate.run(command="cd mypkg && python3 -m sub.mod")
        assert r.stdout == b"mod\n", r
    (ws / "j.json").write_text('{"a":1}')
    async with Gate.open(policy=inline, store=store) as gate:
        r = await gate.run(command="python3 - <<'PY'\nprint(6 * 7)\nPY")
        assert r.stdout == b"42\n", r
        # any installed module where -c is granted: `-m M` is runpy.run_module(M) given with -c
        r = await gate.run(command="cd mypkg && python3 -m json.tool ../j.json")
        assert r.stdout == b'{\n    "a": 1\n}\n', r
    # ...but its words stay confined, and a module that serves the workspace on a port needs
    # a rule naming it
    assert refused(inline, "python3 -m json.tool /etc/hostname") == "EG-PATH-ESCAPE"
    assert refused(inline, "python3 -m http.server 8000") == "EG-POLICY-FLAG"
    assert refused(inline, "python3 -m xmlrpc.server") == "EG-POLICY-FLAG"
    for line in (
        "python3 -m json",  # the standard library's, not the workspace's
        "python3 -m http.server",
        "python3 -m nsdir",  # a namespace package loses to an installed one of that name
        "python3 -I -m mypkg",  # -I leaves the working directory off sys.path
        "python3 -m missing",
        "python3 - <<'PY'\nprint(1)\nPY",  # no inline code under this rule
    ):
        assert refused(bare, line) == "EG-POLICY-FLAG", line
    assert refused(inline, "python3 -i") == "EG-POLICY-FLAG"


@pytest.mark.anyio
async def test_a_list_on_a_here_documents_line_runs_after_it(
    policy: Policy, ws: Path, tmp_path: Path, anyio_backend: str
) -> None:
    """``cat <<'EOF' > f.py && python3 f.py``: the grammar nests the rest of the line inside
    the here-document; bash runs it after the command the body feeds, and so does the plan.
    Every command of it is decided; a second here-document among them refuses."""
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        r = await gate.run(command="cat <<'EOF' > n.txt && wc -l n.txt | head -1\na\nb\nEOF")
        assert r.stdout == b"2 n.txt\n", r
        r = await gate.run(command="cat <<'EOF' > m.txt || echo no\nx\nEOF\ncat m.txt")
        assert r.stdout == b"x\n", r
    for line in (
        "cat <<'EOF' > f.txt && rm f.txt\nx\nEOF",
        "cat <<'EOF' > f.txt && cat f.txt > ../out\nx\nEOF",
        "cat <<'EOF' > f.txt && echo $(id)\nx\nEOF",
    ):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert not v.decision.allowed, line


def test_git_reading_after_a_git_that_writes(policy: Policy, ws: Path) -> None:
    """After a command that may make symlinks, a later command naming a path is refused;
    git's subcommand is a word, not a path."""
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    for line in ("git stash && git status", "git stash && git log --oneline -3",
                 "git stash && git diff --stat"):  # fmt: skip
        plan(policy, line)
    assert refused(policy, "git stash && cat ../../etc/passwd") in (
        "EG-SHELL-UNSUPPORTED",
        "EG-PATH-ESCAPE",
    )


def test_a_later_cd_with_an_assignment_prefix_is_refused(policy: Policy) -> None:
    """The canonical script would write the prefix back onto `cd` undecided."""
    assert refused(policy, "ls; LD_PRELOAD=/tmp/x.so cd src; ls") == "EG-SHELL-UNSUPPORTED"
