"""Command lines with lists, pipelines and redirections: every command decided on its own,
what runs is the canonical script built from the parse, and every way around it is refused."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import open_gate

from execgate import ExecRequest, Policy, load_policy
from execgate.policy import evaluate

POLICY = """
version = 1
[workspace]
root = "{root}"
[[allow]]
command = "echo"
[[allow]]
command = "cat"
[[allow]]
command = "wc"
[[allow]]
command = "grep"
[[allow]]
command = "true"
[[allow]]
command = "false"
[[allow]]
command = "env"
[[deny]]
command = "rm"
"""


@pytest.fixture
def spolicy(tmp_path: Path, workspace: Path) -> Policy:
    p = tmp_path / "script-policy.toml"
    p.write_text(POLICY.format(root=workspace))
    return load_policy(p)


def decide(policy: Policy, line: str) -> tuple[bool, str]:
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.allowed == (v.plan is not None)
    return v.decision.allowed, v.decision.code


ALLOWED = [
    "echo a && echo b",
    "echo a || echo b",
    "echo a; echo b",
    "echo a | wc -c",
    "cat f.txt | grep x | wc -l",
    "true && echo ok || echo no",
    "echo a > out.txt",
    "echo a >> out.txt 2>&1",
    "cat < f.txt",
    "grep x f.txt 2>/dev/null || true",
    "echo 'a;b' && echo \"c|d\"",
    "echo a;",
    "echo a && \\\n# why the next command\nwc -c f.txt",
    "echo a |\n# count it\nwc -c",
    "echo a && # why\necho b",
]

DENIED = [
    ("echo a && rm x", "EG-POLICY-DENIED"),
    ("echo a | rm x", "EG-POLICY-DENIED"),
    ("echo a; ls", "EG-POLICY-NOT-ALLOWED"),
    ("echo a | sh", "EG-POLICY-NOT-ALLOWED"),
    ("echo a | env rm x", "EG-POLICY-DENIED"),
    ("echo a > ../out", "EG-PATH-ESCAPE"),
    ("echo a > /etc/cron.d/x", "EG-PATH-ESCAPE"),
    ("cat < /etc/shadow", "EG-PATH-ESCAPE"),
    ("echo a > link-out/x", "EG-PATH-ESCAPE"),
    ("echo a > /dev/sda", "EG-PATH-ESCAPE"),
    ("echo a 3> f", "EG-SHELL-UNSUPPORTED"),
    ("echo a >&3", "EG-SHELL-UNSUPPORTED"),
    ("echo a &> f", "EG-SHELL-UNSUPPORTED"),
    ("echo a & echo b", "EG-SHELL-UNSUPPORTED"),
    ("echo $(rm x) | wc", "EG-SHELL-UNSUPPORTED"),
    ("echo `rm x` && true", "EG-SHELL-UNSUPPORTED"),
    ("echo a && cat <(rm x)", "EG-SHELL-UNSUPPORTED"),
    ("echo ${x:-$(rm x)} | wc", "EG-SHELL-UNSUPPORTED"),
    ("LD_PRELOAD=/x echo a | wc", "EG-ENV-DENIED"),
    ("(echo a) | wc", "EG-SHELL-UNSUPPORTED"),
    ("{ echo a; } | wc", "EG-SHELL-UNSUPPORTED"),
    ("f() { rm x; }; f", "EG-SHELL-UNSUPPORTED"),
    ("if true; then rm x; fi", "EG-SHELL-UNSUPPORTED"),
    ("echo a | while read x; do rm $x; done", "EG-SHELL-UNSUPPORTED"),
    ("! echo a | wc", "EG-SHELL-UNSUPPORTED"),
    ("echo {a,b}{c,d}.txt | wc", "EG-SHELL-UNSUPPORTED"),
    ("cat {a,/etc/passwd} | wc", "EG-PATH-ESCAPE"),
    ("cat x/{a,../../../etc/passwd} | wc", "EG-PATH-ESCAPE"),
    ("cat /etc/*.conf | wc", "EG-PATH-ESCAPE"),
    ("echo ~/x | wc", "EG-SHELL-UNSUPPORTED"),
    ("echo {a,b}* | wc", "EG-SHELL-UNSUPPORTED"),
    ("cat <<< secret | wc", "EG-SHELL-UNSUPPORTED"),
    ("echo a |& wc", "EG-SHELL-UNSUPPORTED"),
    ("echo a && # comment", "EG-SHELL-PARSE"),
    ("echo a # comment\nrm x", "EG-POLICY-DENIED"),
    ("echo a && # comment\nrm x", "EG-POLICY-DENIED"),
    ("echo a |\n# comment\nrm x", "EG-POLICY-DENIED"),
    ("echo a | wc > ../x", "EG-PATH-ESCAPE"),
    ("echo a &&", "EG-SHELL-PARSE"),
    ("| wc", "EG-SHELL-PARSE"),
    ("echo 'unterminated | wc", "EG-SHELL-PARSE"),
    ("echo a\nrm x", "EG-POLICY-DENIED"),
    ("echo a > $HOME/x", "EG-SHELL-UNSUPPORTED"),
    ("echo a > out.txt; rm out.txt", "EG-POLICY-DENIED"),
    (" ; ".join(["true"] * 40), "EG-SHELL-UNSUPPORTED"),
]


@pytest.fixture(autouse=True)
def _files(workspace: Path, tmp_path: Path) -> None:
    (workspace / "f.txt").write_text("x\ny\n")
    (tmp_path / "out").mkdir(exist_ok=True)
    if not (workspace / "link-out").exists():
        (workspace / "link-out").symlink_to(tmp_path / "out")


@pytest.mark.parametrize("line", ALLOWED)
def test_scripts_of_allowed_commands_pass(spolicy: Policy, line: str) -> None:
    assert decide(spolicy, line) == (True, "EG-ALLOWED"), line


@pytest.mark.parametrize(("line", "code"), DENIED)
def test_scripts_cannot_smuggle_anything(spolicy: Policy, line: str, code: str) -> None:
    assert decide(spolicy, line) == (False, code), line


def test_the_canonical_script_names_every_program_by_path(spolicy: Policy) -> None:
    v = evaluate(spolicy, ExecRequest(command="echo 'a b' | wc -c > n.txt"), dict(os.environ))
    assert v.plan is not None
    shell, flag, script = v.plan.argv
    assert (shell, flag) == ("/bin/sh", "-c")
    assert script.startswith("/") and "| /" in script and "'a b'" in script
    # the shell opens no target by name: the opener does, beneath the workspace
    assert script.endswith(f"{shlex.quote(spolicy.root)} '1>./n.txt' -- /usr/bin/wc -c")


def test_a_comment_inside_a_list_is_left_out_of_the_plan(spolicy: Policy) -> None:
    """``a && \\<newline># why<newline>b`` is ``a && b`` to bash; the canonical script says so."""
    line = "echo a && \\\n# rm x; why\nwc -c f.txt | grep 4 # trailing"
    v = evaluate(spolicy, ExecRequest(command=line), dict(os.environ))
    assert v.plan is not None, v.decision
    script = v.plan.argv[2]
    assert "#" not in script and "rm" not in script and "&& " in script and "| " in script


def test_default_policy_allows_pipelines_but_not_writes(tmp_path: Path) -> None:
    from execgate import default_policy

    p = default_policy(tmp_path)
    assert decide(p, "ls -la | wc -l") == (True, "EG-ALLOWED")
    assert decide(p, "ls 2>/dev/null || true") == (True, "EG-ALLOWED")
    assert decide(p, "ls > listing.txt") == (False, "EG-SHELL-UNSUPPORTED")


@pytest.mark.anyio
async def test_scripts_really_run_as_decided(
    spolicy: Policy, store_url: str, workspace: Path
) -> None:
    async with open_gate(spolicy, store_url) as gate:
        r = await gate.run(command="cat f.txt | grep y | wc -l")
        assert (r.exit_code, r.stdout.strip()) == (0, b"1")
        r = await gate.run(command="false || echo fallback")
        assert r.stdout == b"fallback\n"
        r = await gate.run(command="false && echo never")
        assert (r.exit_code, r.stdout) == (1, b"")
        r = await gate.run(command="echo 'x; rm -rf /' > note.txt && cat note.txt")
        assert r.stdout == b"x; rm -rf /\n" and (workspace / "note.txt").exists()
        r = await gate.run(command="grep nothing missing.txt 2>&1 | wc -l")
        assert r.stdout.strip() == b"1"


@pytest.mark.slow
def test_parser_survives_hostile_unicode() -> None:
    """tree-sitter-bash 0.25 crashed (SIGSEGV) on inputs like '{' + U+108712 + '\\b'. Run a
    seeded flood of such inputs in a child process, so a crash fails this test instead of
    killing the test run."""
    import subprocess
    import sys

    code = (
        "import random\n"
        "from execgate.policy._script import parse_script\n"
        "from execgate.policy._shell import ShellRefusal\n"
        "rng = random.Random(7)\n"
        "pool = [chr(c) for c in range(1, 0x250)] + ['{', '\\U00108712', '\\b', '\\U0001f600', '$', '|']\n"
        "cases = ['~\\x97b:{\\U00108712\\x08h', '{\\U00108712\\x08h'] * 50\n"
        "cases += [''.join(rng.choice(pool) for _ in range(rng.randint(0, 24))) for _ in range(20000)]\n"
        "for s in cases:\n"
        "    try:\n"
        "        parse_script(s)\n"
        "    except ShellRefusal:\n"
        "        pass\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode()[-2000:]


# --- here-documents are the command's stdin ------------------------------------------------


@pytest.mark.anyio
async def test_a_here_document_is_stdin(policy: Policy, store_url: str) -> None:
    from conftest import open_gate

    async with open_gate(policy, store_url) as gate:
        r = await gate.run(command="cat <<'EOF'\nhello $HOME `x` \\\nEOF\n")
        assert r.stdout == b"hello $HOME `x` \\\n"  # quoted delimiter: literal
        r = await gate.run(command="cat <<-END\n\tplain text\n\tEND")
        assert r.stdout == b"plain text\n"
        r = await gate.run(command="cat <<EOF\nEOF")
        assert r.stdout == b""
        # unquoted: a backslash before anything but $ ` \\ or a newline stays, as bash keeps it
        line = 'cat <<EOF\nprint("a\\nb\\t") # \\d \\" \\x\nEOF'
        r = await gate.run(command=line)
        bash = subprocess.run(["bash", "-c", line], capture_output=True, check=True).stdout
        assert r.stdout == bash == b'print("a\\nb\\t") # \\d \\" \\x\n', r.stdout


@pytest.mark.parametrize(
    "line",
    [
        "cat <<EOF\n$HOME\nEOF",  # unquoted: the shell would expand it
        "cat <<EOF\n`id`\nEOF",
        "cat <<EOF\na \\$HOME\nEOF",  # bash removes the backslash before $ ...
        "cat <<EOF\na \\\\n\nEOF",  # ... and before a backslash
        "cat <<EOF\na \\\nb\nEOF",  # ... and joins the lines at a backslash-newline
        "cat <<'EOF'\nx\nEOF\nrm -rf /",  # more commands after it
        "cat <<'EOF'; rm x\nx\nEOF",
    ],
)
def test_here_documents_that_are_refused(policy: Policy, line: str) -> None:
    from execgate import ExecRequest
    from execgate.policy import evaluate

    verdict = evaluate(policy, ExecRequest(command=line), {"PATH": os.environ["PATH"]})
    assert not verdict.decision.allowed
    assert verdict.decision.code.startswith("EG-SHELL") or verdict.decision.code.startswith(
        "EG-POLICY"
    )


def test_a_here_document_decides_its_command(policy: Policy) -> None:
    from execgate import ExecRequest
    from execgate.policy import evaluate

    verdict = evaluate(
        policy, ExecRequest(command="rm -rf . <<'EOF'\nx\nEOF"), {"PATH": os.environ["PATH"]}
    )
    assert verdict.decision.code == "EG-POLICY-DENIED"
    ok = evaluate(policy, ExecRequest(command="cat <<'EOF'\nx\nEOF"), {"PATH": os.environ["PATH"]})
    assert ok.plan is not None and ok.plan.stdin == b"x\n"
