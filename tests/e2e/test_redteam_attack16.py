"""Line checks read every command a line runs, not only the outer one: the words a wrapper
hands its program (``timeout 5 cat x``), find's ``-exec`` command and its ``-delete``, and the
files a sed script names (``1r FILE``); ``find -delete`` and ``find -exec rm|mkdir`` change
directory entries as rm and mkdir do, and ``find -exec git init --bare`` is a bare init.
``python3 -m py_compile -`` would read the names of files to compile from stdin."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

PROGRAMS = ("ls", "cat", "echo", "printf", "sed", "find", "rm", "mkdir", "cp", "ln",
            "timeout", "env", "nice", "git", "git init", "python3 -m py_compile")  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "sub" / "a" / "b").mkdir(parents=True)
    (ws / "d").mkdir()
    (ws / "h.txt").write_text("h\n")
    (ws / "l").symlink_to("sub/a/b")
    (tmp_path / "canary16").write_text("outside\n")
    return ws


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    rules = "".join(f'[[allow]]\ncommand = "{p}"\n' for p in PROGRAMS)
    path = tmp_path / "p.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\noperators = true\n'
        f"write_redirects = true\n{rules}"
    )
    return load_policy(path)


def decide(policy: Policy, line: str) -> tuple[str, str]:
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    return v.decision.verdict, v.decision.code


@pytest.mark.parametrize(
    "line",
    [
        "ln -s . up && timeout 5 cat up/../canary16",
        "ln -s . up && env cp h.txt up/../pwned16",
        "ln -s . up && nice cat up/../canary16",
        "ln -s . up && timeout 5 find up/../victim16 -delete",
        "ln -s . up && find -prune -exec cat up/../canary16 ';'",
        "ln -s . up && echo hi | sed '1r up/../canary16'",
        "ln -s . up && sed -e '1r up/../canary16' h.txt",
        "rm l && mkdir l && sed '1r l/../../canary16' h.txt",
        "find l -delete; find d -maxdepth 0 -exec mkdir l ';'; cat l/../../../canary16",
        "find l -delete; mkdir l; cp h.txt l/../../../pwned16",
        "rm l; timeout 5 find d -maxdepth 0 -exec mkdir l ';'; cat l/../../../canary16",
    ],
)
def test_line_checks_read_inner_commands(policy: Policy, line: str) -> None:
    assert decide(policy, line) == ("deny", "EG-SHELL-UNSUPPORTED"), line


def test_find_exec_git_init_bare_is_a_bare_init(policy: Policy, ws: Path) -> None:
    line = "mkdir bb; printf 'x' > bb/config; find . -maxdepth 0 -exec git init -q --bare bb ';'"
    assert decide(policy, line) == ("deny", "EG-SHELL-UNSUPPORTED")


def test_py_compile_never_reads_its_file_names_from_stdin(policy: Policy, ws: Path) -> None:
    assert decide(policy, "python3 -m py_compile -") == ("deny", "EG-POLICY-FLAG")
    assert decide(policy, "echo /tmp/x | python3 -m py_compile -")[0] == "deny"
    (ws / "ok.py").write_text("x = 1\n")
    assert decide(policy, "python3 -m py_compile ok.py")[0] == "allow"


def test_plain_lines_still_pass(policy: Policy) -> None:
    for line in (
        "ln -s h.txt h2 && timeout 5 echo done",  # names no path after the link
        "rm -f x.txt && sed -n 1p h.txt",
        "find . -name '*.pyc' -delete && ls",
    ):
        assert decide(policy, line)[0] == "allow", line
