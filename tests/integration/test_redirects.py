"""Redirections are opened by the opener, beneath the workspace, when the command starts: the
shell never opens a target by name, so a symlink planted between the decision and the open
is refused instead of followed, and the command's redirections keep their order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import open_gate

from execgate import ExecRequest, Policy, load_policy
from execgate.policy import evaluate
from execgate.policy._opener import OPENER
from execgate.policy._script import parse_script
from execgate.process import _sandbox

POLICY = """
version = 1
[workspace]
root = "{root}"
[shell]
write_redirects = true
[[allow]]
command = "echo"
[[allow]]
command = "cat"
[[allow]]
command = "wc"
[[allow]]
command = "sh"
"""

NATIVE = os.path.join(os.path.dirname(os.path.dirname(OPENER[-1])), "process", "execgate-open")
PYTHON_TWIN = os.path.join(
    os.path.dirname(os.path.abspath(__import__("execgate").__file__)), "process", "_open_beneath.py"
)
OPENERS = [
    pytest.param((NATIVE,), id="native"),
    pytest.param((sys.executable, "-I", "-S", PYTHON_TWIN), id="python"),
]


@pytest.fixture
def rpolicy(tmp_path: Path, workspace: Path) -> Policy:
    p = tmp_path / "redirect-policy.toml"
    p.write_text(POLICY.format(root=workspace))
    return load_policy(p)


def plan_of(policy: Policy, line: str) -> tuple[str, ...]:
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.plan is not None, v.decision
    return v.plan.argv


def run_plan(argv: tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """What the Runner runs for a decided request (without re-deciding it)."""
    return subprocess.run(argv, cwd=cwd, capture_output=True, timeout=30, check=False)


def test_no_path_redirection_reaches_the_shell(rpolicy: Policy) -> None:
    argv = plan_of(rpolicy, "echo a > out.txt && cat < out.txt | wc -c >> n.txt 2>&1")
    script = parse_script(argv[2])
    assert all(r.op not in (">", ">>", "<") for c in script.commands for r in c.redirects)
    opened = [c.argv for c in script.commands if c.argv[: len(OPENER)] == OPENER]
    assert len(opened) == 3
    assert opened[0][len(OPENER) :] == (rpolicy.root, "1>./out.txt", "--", opened[0][-2], "a")
    assert opened[2][len(OPENER) + 1 : -3] == ("1>>./n.txt", "2>&1")


def test_the_native_opener_is_built() -> None:
    # the install builds it (setup.py); the Python twin is only the fallback
    assert OPENER == (NATIVE,) and os.access(NATIVE, os.X_OK)


def test_a_symlink_planted_after_the_decision_is_not_followed(
    rpolicy: Policy, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "logs").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    argv = plan_of(rpolicy, "echo pwned > logs/out.txt")
    # the race a concurrent job can win: the directory becomes a symlink to outside
    (workspace / "logs").rmdir()
    (workspace / "logs").symlink_to(outside)
    r = run_plan(argv, workspace)
    assert r.returncode == 1
    assert b"symlink appeared after the request was decided" in r.stderr
    assert list(outside.iterdir()) == []


def test_a_planted_final_symlink_is_not_followed(
    rpolicy: Policy, workspace: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret\n")
    argv = plan_of(rpolicy, "cat < in.txt")  # in.txt does not exist yet: nothing to resolve
    (workspace / "in.txt").symlink_to(secret)
    r = run_plan(argv, workspace)
    assert r.returncode == 1 and b"host secret" not in r.stdout
    argv = plan_of(rpolicy, "echo x >> app.log")
    (workspace / "app.log").symlink_to(secret)
    assert run_plan(argv, workspace).returncode == 1
    assert secret.read_text() == "host secret\n"


@pytest.mark.parametrize("opener", OPENERS)
def test_each_opener_refuses_every_way_out(
    opener: tuple[str, ...], workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "up").symlink_to(outside)
    (workspace / "dir").mkdir()
    (workspace / "dir" / "inner").symlink_to("..")
    echo = "/bin/echo"
    absolute = f"1>{tmp_path}/abs"
    for spec in ("1>../x", "1>up/x", absolute, "1>dir/inner/x", "1>dir/../../x", "0<up"):
        r = subprocess.run(
            [*opener, str(workspace), spec, "--", echo, "x"], capture_output=True, check=False
        )
        assert r.returncode == 1, (spec, r.stderr)
        assert r.stdout == b""
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "abs").exists() and not (tmp_path / "x").exists()
    for bad in ("9>x", "1>&7", "x>y", "1=x"):
        r = subprocess.run(
            [*opener, str(workspace), bad, "--", echo], capture_output=True, check=False
        )
        assert r.returncode in (1, 2), bad


@pytest.mark.parametrize("opener", OPENERS)
def test_each_opener_applies_redirections_in_order(
    opener: tuple[str, ...], workspace: Path
) -> None:
    sh = "/bin/sh"
    both = "echo out; echo err >&2"
    ws = str(workspace)
    subprocess.run([*opener, ws, "1>a", "2>&1", "--", sh, "-c", both], check=True)
    assert (workspace / "a").read_text() == "out\nerr\n"
    r = subprocess.run(
        [*opener, ws, "2>&1", "1>b", "--", sh, "-c", both], capture_output=True, check=True
    )
    assert (workspace / "b").read_text() == "out\n" and r.stdout == b"err\n"
    subprocess.run([*opener, ws, "1>>a", "--", "/bin/echo", "more"], check=True)
    assert (workspace / "a").read_text() == "out\nerr\nmore\n"
    r = subprocess.run([*opener, ws, "0<a", "--", "/bin/cat"], capture_output=True, check=True)
    assert r.stdout == b"out\nerr\nmore\n"
    subprocess.run([*opener, ws, "1>/dev/null", "--", "/bin/echo", "gone"], check=True)


@pytest.mark.anyio
async def test_redirections_through_the_gate_keep_the_shell_meaning(
    rpolicy: Policy, store_url: str, workspace: Path
) -> None:
    async with open_gate(rpolicy, store_url) as gate:
        r = await gate.run(command="echo one > f.txt && echo two >> f.txt && cat < f.txt")
        assert (r.exit_code, r.stdout) == (0, b"one\ntwo\n")
        r = await gate.run(command="cat missing.txt 2>&1 > out.txt | wc -l")
        assert r.stdout.strip() == b"1" and (workspace / "out.txt").read_bytes() == b""
        r = await gate.run(command="cat missing.txt > out.txt 2>&1; wc -l < out.txt")
        assert r.stdout.strip() == b"1"
        r = await gate.run(command="cat > made.py << 'EOF'\nprint(1)\nEOF\ncat made.py")
        assert r.stdout == b"print(1)\n"
        r = await gate.run(command="echo quiet > /dev/null && echo shown")
        assert r.stdout == b"shown\n"


@pytest.mark.anyio
async def test_a_failed_open_fails_that_command_only(
    rpolicy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "logs").mkdir()
    async with open_gate(rpolicy, store_url) as gate:
        r = await gate.run(command="echo a > logs/x.txt || echo fell back")
        assert r.stdout == b"" and (workspace / "logs" / "x.txt").read_bytes() == b"a\n"
    argv = plan_of(rpolicy, "echo a > logs/x.txt || echo fell back")
    (workspace / "logs" / "x.txt").unlink()
    (workspace / "logs").rmdir()
    (workspace / "logs").symlink_to(tmp_path)
    r = run_plan(argv, workspace)
    assert r.stdout == b"fell back\n" and not (tmp_path / "x.txt").exists()


def test_a_here_document_after_a_redirection_of_its_descriptor_is_refused(
    rpolicy: Policy,
) -> None:
    v = evaluate(rpolicy, ExecRequest(command="cat < f.txt << 'EOF'\nx\nEOF"), {})
    assert v.decision.code == "EG-SHELL-UNSUPPORTED" and "here-document first" in (
        v.decision.reason
    )
    v = evaluate(rpolicy, ExecRequest(command="cat << 'EOF' > out.txt\nx\nEOF"), {})
    assert v.decision.allowed


@pytest.mark.anyio
@pytest.mark.skipif(not _sandbox.support()[0], reason=f"no sandbox: {_sandbox.support()[1]}")
async def test_the_opener_runs_inside_secure_mode(
    rpolicy: Policy, store_url: str, workspace: Path
) -> None:
    async with open_gate(rpolicy, store_url) as gate:
        r = await gate.run(command="echo inside > s.txt && cat < s.txt", secure=True)
        assert (r.exit_code, r.stdout) == (0, b"inside\n")
        assert (workspace / "s.txt").read_bytes() == b"inside\n"
