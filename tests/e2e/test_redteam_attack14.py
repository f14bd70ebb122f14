"""Line-level checks that look through what a program's words really mean: GNU long options
by any unambiguous prefix (``cp --ar`` copies symlinks as ``-a`` does), git commands that turn
a symlink into a directory (``git rm a && git init a``), wrappers in front of an extractor or a
patch (``timeout 5 unzip``), and the names a glob expands to (a file name holding U+202E).

Each case is a line an attacker ran under a policy that grants no interpreter, so the path
checks alone kept the job in the workspace.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

POLICY = """
version = 1
[workspace]
root = "{root}"
[shell]
operators = true
write_redirects = true
{rules}
"""
PROGRAMS = ("cat", "tee", "cp", "ln", "mkdir", "rm", "timeout", "env", "ls", "echo", "git",
            "git rm", "git init", "git add", "git commit", "unzip", "patch", "find")  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "a" / "b" / "ws"
    ws.mkdir(parents=True)
    (tmp_path / "canary").write_text("outside\n")
    return ws


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    rules = "".join(f'[[allow]]\ncommand = "{p}"\n' for p in PROGRAMS)
    path = tmp_path / "p.toml"
    path.write_text(POLICY.format(root=ws, rules=rules))
    return load_policy(path)


def decide(policy: Policy, line: str) -> tuple[str, str]:
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    return v.decision.verdict, v.decision.code


@pytest.mark.parametrize("option", ["--ar", "--arch", "--no-d", "--no-de", "--rec", "--sy"])
def test_cp_long_option_prefixes_are_read_as_cp_reads_them(
    policy: Policy, ws: Path, option: str
) -> None:
    (ws / "p" / "q").mkdir(parents=True)
    (ws / "p" / "q" / "L0").symlink_to("../..")
    for line in (
        f"cp {option} p/q/L0 p/q/L && cat p/q/L/../../../canary",
        f"cp {option} p/q/L0 p/q/M && echo x | tee p/q/M/../../../pwned",
        f"find p/q -maxdepth 0 -exec cp {option} {{}} q2 ';'",
    ):
        assert decide(policy, line)[0] == "deny", line
    assert decide(policy, "cp --verb p/q/x p/q/y && cat p/q/y")[0] == "allow"


def test_git_commands_that_replace_a_symlink_count_as_entry_changers(
    policy: Policy, ws: Path
) -> None:
    # through the link the path stays inside (ws/d1/canary); through a directory put in the
    # link's place it climbs to tmp_path/canary
    (ws / "d1" / "d2" / "d3" / "d4" / "d5").mkdir(parents=True)
    (ws / "a").symlink_to("d1/d2/d3/d4/d5")
    for line in (
        "git rm -q a && git init -q a && cat a/../../../../canary",
        "git rm -q a && git init -q a && echo x | tee a/../../../../pwned",
        "timeout 5 git rm -q a && mkdir a && cat a/../../../../canary",
    ):
        assert decide(policy, line) == ("deny", "EG-SHELL-UNSUPPORTED"), line
    # a git that only reads changes nothing on the way
    assert decide(policy, "git status && cat a/../x")[0] == "allow"


def test_a_wrapper_does_not_hide_an_extractor_or_a_patch(policy: Policy, ws: Path) -> None:
    with zipfile.ZipFile(ws / "x.zip", "w") as z:
        z.writestr("ok.txt", "ok\n")
    (ws / "x.patch").write_text("--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+x\n")
    for line in (
        "cp new.zip x.zip && timeout 5 unzip -o x.zip",
        "cp new.zip x.zip && env unzip -o x.zip",
        "cp evil.patch x.patch && timeout 5 patch -p1 -i x.patch",
    ):
        assert decide(policy, line) == ("deny", "EG-SHELL-UNSUPPORTED"), line
    assert decide(policy, "timeout 5 unzip -o x.zip")[0] == "allow"


def test_a_glob_never_brings_an_invisible_character_into_argv(policy: Policy, ws: Path) -> None:
    (ws / "bidi").mkdir()
    (ws / "bidi" / "x\u202etxt.sh").write_text("")
    assert decide(policy, "ls bidi/*") == ("deny", "EG-POLICY-LOOKALIKE")
    assert decide(policy, "ls bidi/*.md")[0] == "allow"  # no match: the pattern as written


def test_the_cp_prefix_hole_really_stays_shut(policy: Policy, ws: Path, tmp_path: Path) -> None:
    """Run what the decision would have allowed: nothing outside is read or written."""
    (ws / "p" / "q").mkdir(parents=True)
    (ws / "p" / "q" / "L0").symlink_to("../..")
    line = "cp --ar p/q/L0 p/q/M && echo x | tee p/q/M/../../../pwned"
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.plan is None
    subprocess.run(["true"], check=True)
    assert not (tmp_path / "a" / "pwned").exists()


def test_a_hard_link_to_a_symlink_is_checked_as_a_moved_link(policy: Policy, ws: Path) -> None:
    """GNU ln without -s links a symlink itself: the second name resolves the same relative
    target from its own directory (`lk/a/xaa -> ../../x` is inside; `./xaa` would not be)."""
    (ws / "lk" / "a").mkdir(parents=True)
    (ws / "lk" / "a" / "xaa").symlink_to("../../pwned")
    assert decide(policy, "ln lk/a/xaa xaa") == ("deny", "EG-PATH-ESCAPE")
    assert decide(policy, "ln lk/a/xaa lk/a/xab")[0] == "allow"  # same directory: same target
