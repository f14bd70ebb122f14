"""The python templates allow mypy, ruff, black and flake8 under their built-in reading, not
``args = "any"``: what their configuration imports or names is checked (a mypy plugin, ruff
settings given inline, a flake8 local plugin, paths outside the workspace), ordinary lint runs
pass, and ``policy validate`` has nothing to warn about."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

BIN = os.path.dirname(sys.executable)
EXECGATE = os.path.join(BIN, "execgate")
TEMPLATES = ("python", "python-node")


def _init(ws: Path, template: str) -> Path:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    subprocess.run(
        [EXECGATE, "policy", "init", "--template", template],
        cwd=ws,
        env=env,
        check=True,
        capture_output=True,
    )
    return ws / "execgate.toml"


@pytest.fixture(params=TEMPLATES)
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Policy]:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "m.py").write_text("x = 1\n")
    return ws, load_policy(_init(ws, request.param))


def decide(policy: Policy, line: str) -> tuple[str, str]:
    env = {**os.environ, "PATH": f"{BIN}:/usr/bin:/bin"}
    v = evaluate(policy, ExecRequest(command=line), env)
    return v.decision.verdict, v.decision.reason


@pytest.mark.skipif(not shutil.which("mypy", path=BIN), reason="mypy is in the test extra")
def test_mypy_plugins_named_by_the_workspace_config_refuse(ws: tuple[Path, Policy]) -> None:
    root, policy = ws
    assert decide(policy, "mypy --strict m.py")[0] == "allow"
    (root / "lintplug.py").write_text("import os\nos.system('id')\n")
    (root / "mypy.ini").write_text("[mypy]\nplugins = lintplug.py:plugin\n")
    verdict, reason = decide(policy, "mypy m.py")
    assert verdict == "deny"
    assert "plugin" in reason
    assert decide(policy, "cd . && mypy .")[0] == "deny"


@pytest.mark.skipif(not shutil.which("ruff", path=BIN), reason="ruff is in the test extra")
def test_ruff_settings_given_inline_refuse(ws: tuple[Path, Policy]) -> None:
    _, policy = ws
    assert decide(policy, "ruff check --fix --select E501,F401 .")[0] == "allow"
    assert decide(policy, "ruff format m.py")[0] == "allow"
    verdict, reason = decide(policy, "ruff check --config 'lint.select=[]' .")
    assert verdict == "deny"
    assert "inline" in reason
    assert decide(policy, "ruff check --config /etc/ruff.toml .")[0] == "deny"


def test_the_linters_rules_leave_validate_nothing_to_warn(tmp_path: Path) -> None:
    for template in TEMPLATES:
        ws = tmp_path / template
        ws.mkdir()
        path = _init(ws, template)
        text = path.read_text()
        for name in ("mypy", "ruff", "black", "flake8"):
            rule = text.split(f'command = "{name}"', 1)[1].split("[[", 1)[0]
            assert "args" not in rule, (template, name)
        done = subprocess.run(
            [EXECGATE, "policy", "validate", str(path)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stdout + done.stderr, (template, done.stdout)
