"""Holes an attacker found in the policy gate's readers: awk's CR-LF continuation, a
symlink whose target climbs through another symlink, a rebase todo list in .git, a bare
repository's config handed to a writer by find -exec, patch modes spelled in other octal
forms, jq's module imports through yq, and rsync's `merge_FILE` filter rule."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

PROGRAMS = ("mkdir", "ln", "rm", "cat", "cp", "echo", "find", "awk", "patch", "git",
            "git init", "rsync")  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (tmp_path / "canary").write_text("outside\n")
    return ws


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    rules = "".join(f'[[allow]]\ncommand = "{p}"\n' for p in PROGRAMS)
    rules += '[[allow]]\ncommand = "yq"\n[[allow]]\ncommand = "mawk"\n'
    path = tmp_path / "p.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\noperators = true\n'
        f"write_redirects = true\n{rules}"
    )
    return load_policy(path)


def decide(policy: Policy, line: str = "", argv: list[str] | None = None) -> tuple[str, str]:
    request = ExecRequest(argv=argv) if argv else ExecRequest(command=line)
    v = evaluate(policy, request, dict(os.environ))
    return v.decision.verdict, v.decision.code


@pytest.mark.parametrize(
    "program",
    [
        'BEGIN { system \\\r\n("id") }',
        'BEGIN { print "x" \\\r\n> "/tmp/out" }',
        'BEGIN { getline l \\\r\n< "/etc/hostname"; print l }',
    ],
)
def test_awk_programs_with_a_carriage_return_are_refused(policy: Policy, program: str) -> None:
    assert decide(policy, argv=["awk", program]) == ("deny", "EG-POLICY-FLAG")
    if shutil.which("mawk"):
        assert decide(policy, argv=["mawk", program])[0] == "deny"


def test_a_symlink_whose_target_climbs_through_another_is_refused(policy: Policy, ws: Path) -> None:
    (ws / "a" / "b" / "c" / "d").mkdir(parents=True)
    (ws / "d1").symlink_to("a/b/c/d")
    # inside while d1 is a link; outside once `rm d1 && mkdir d1` replaces it
    assert decide(policy, "ln -s d1/../../../../canary r") == ("deny", "EG-PATH-ESCAPE")
    assert decide(policy, "ln -s a/b/c/d/x r")[0] == "allow"
    # a link planted before the line (a checkout): reading through it after the swap
    (ws / "r").symlink_to("d1/../../../../canary")
    assert decide(policy, "rm d1 && mkdir d1 && cat r") == ("deny", "EG-SHELL-UNSUPPORTED")


def test_a_rebase_todo_list_is_gits_control_file(policy: Policy, ws: Path) -> None:
    (ws / ".git").mkdir()
    for line in (
        "mkdir -p .git/rebase-merge",
        "echo 'exec touch /tmp/x' > .git/rebase-merge/git-rebase-todo",
        "mkdir -p .git/sequencer",
    ):
        assert decide(policy, line)[0] == "deny", line


def test_find_never_hands_a_bare_repositorys_config_to_a_writer(
    policy: Policy, ws: Path, tmp_path: Path
) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(ws / "repo")], check=True)
    (ws / "evil.cfg").write_text("[core]\n\tpager = touch " + str(tmp_path / "ran") + "\n")
    before = (ws / "repo" / "config").read_text()
    v = evaluate(
        policy,
        ExecRequest(command="find repo -name config -exec cp evil.cfg {} ';'"),
        dict(os.environ),
    )
    assert v.plan is not None  # allowed, but the guard keeps config out of {}
    subprocess.run(v.plan.argv, cwd=ws, env=v.plan.env, check=False)
    assert (ws / "repo" / "config").read_text() == before


@pytest.mark.parametrize("mode", ["120777", "0120000", " 120000"])
def test_patch_modes_are_read_as_octal(policy: Policy, ws: Path, mode: str) -> None:
    (ws / "s.patch").write_text(
        f"diff --git a/s b/s\nnew file mode {mode}\n--- /dev/null\n+++ b/s\n@@ -0,0 +1 @@\n+/tmp\n"
        "\\ No newline at end of file\n"
    )
    assert decide(policy, "patch -p1 -i s.patch")[0] == "deny"


def test_yq_takes_jqs_rules_and_rsync_merge_underscore(policy: Policy, ws: Path) -> None:
    if shutil.which("yq"):
        assert (
            decide(policy, argv=["yq", "-n", 'import "secret" as $s {search: "/"}; $s'])[0]
            == "deny"
        )
    (ws / "src").mkdir()
    assert decide(policy, "rsync -a --filter=merge_/tmp/rules src/ dst/")[0] == "deny"
    assert decide(policy, "rsync -a --filter='- *.pyc' src/ dst/")[0] == "allow"
