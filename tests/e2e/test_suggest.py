"""Refusals that teach: the rule to add is named in the refusal, and `execgate policy
suggest` reads refused decisions back from a real store and prints the rules that would have
allowed them -- never a way around a safety refusal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import evaluate

pytestmark = pytest.mark.slow  # the CLI, run in processes

CLI = [sys.executable, "-m", "execgate"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_suggest_prints_the_rules_that_would_allow_what_was_refused(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text("x\n")
    policy = tmp_path / "p.toml"
    policy.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n'
        '[[allow]]\ncommand = "cat"\n[[allow]]\ncommand = "pytest"\n'
        '[[allow]]\ncommand = "git"\n'
    )
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    refused = [
        ["--shell", "nl a.txt"],
        ["--shell", "nl -ba a.txt"],
        ["--shell", "pytest --cov=src -q"],
        ["--shell", "git commit -m x"],
        ["--shell", "cat /etc/passwd"],  # a path outside: a safety refusal
        ["--shell", "pytest -p evil"],  # loads code: refused on purpose
        ["--shell", "cat $(id)"],  # a shell construct
    ]
    for args in refused:
        out = run(["check", "--policy", str(policy), "--store", store, *args], ws)
        assert out.returncode == 126, (args, out.stdout, out.stderr)
    out = run(["policy", "suggest", "--store", store], ws)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert '[[allow]]\ncommand = "nl"' in text and "nl -ba a.txt" in text, text
    assert 'allow_flags = ["--cov="]' in text, text
    assert '[[allow]]\ncommand = "git commit"' in text, text
    assert "passwd" not in text and "evil" not in text and "$(id)" not in text, text
    # what it suggests really allows the requests once added
    added = policy.read_text() + "\n".join(
        block for block in text.split("\n\n") if block.strip() and "allow_flags" not in block
    )
    added = added.replace('command = "pytest"\n', 'command = "pytest"\nallow_flags = ["--cov="]\n')
    policy.write_text(added)
    load_policy(policy)
    for args in refused[:4]:
        out = run(["check", "--policy", str(policy), "--store", store, *args], ws)
        assert out.returncode == 0, (args, out.stdout, out.stderr)


@pytest.mark.parametrize("template", ["readonly", "python", "node", "python-node"])
def test_templates_load_and_allow_what_agents_run(tmp_path: Path, template: str) -> None:
    path = tmp_path / "execgate.toml"
    out = run(["policy", "init", "--template", template, str(path)], tmp_path)
    assert out.returncode == 0, out.stderr
    policy = load_policy(path)
    assert policy.root == str(tmp_path.resolve())
    if template != "readonly":
        assert any(r.command == "git commit" for r in policy.allow)
        assert any(r.command == "git push" for r in policy.deny)
        (tmp_path / "a.json").write_text('{"a": 1}')
        env = dict(os.environ)
        ok = evaluate(policy, ExecRequest(command="cat a.json | jq -r .a"), env)
        assert ok.decision.allowed, ok.decision
        for line in ("jq -L /etc . a.json", "jq . /etc/passwd", "jq -n input --rawfile x /x"):
            v = evaluate(policy, ExecRequest(command=line), env)
            assert not v.decision.allowed, line
        (tmp_path / "d" / "e").mkdir(parents=True)
        ok = evaluate(policy, ExecRequest(command="rm -f a.json\nrmdir d/e\nrmdir d"), env)
        assert ok.decision.allowed, ok.decision
        for line in ("uname -a", "whoami", "uname -m && whoami"):
            assert evaluate(policy, ExecRequest(command=line), env).decision.allowed, line
        for line in ("rmdir /tmp", "rmdir ../x"):
            assert (
                evaluate(policy, ExecRequest(command=line), env).decision.code == "EG-PATH-ESCAPE"
            )
