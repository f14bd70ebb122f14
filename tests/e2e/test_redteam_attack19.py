"""A lint-only policy (built-in rules for mypy, ruff, pytest) never lets their configuration
or options run code, read or write outside the workspace: a mypy plugin named by a file next
to its config (``lintplug.py:plugin``), path keys that the tool expands (``$HOME/..``) or
that name outside files (``files``, ``cache_dir``, ruff's ``extend``), ``--install-types``
(pip install), ruff settings given inline, and pytest paths holding ``$VARS``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import attrs
import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate
from execgate.policy._model import AllowRule

BIN = os.path.dirname(sys.executable)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "cfg").mkdir(parents=True)
    (ws / "m.py").write_text("x = 1\n")
    return ws


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    path = tmp_path / "p.toml"
    path.write_text(
        f'version = 1\n[env]\npath = "{BIN}:/usr/bin:/bin"\n[workspace]\nroot = "{ws}"\n'
        '[[allow]]\ncommand = "mypy"\n[[allow]]\ncommand = "ruff"\n[[allow]]\ncommand = "pytest"\n'
    )
    return load_policy(path)


def decide(policy: Policy, *argv: str) -> tuple[str, str]:
    v = evaluate(policy, ExecRequest(argv=list(argv)), dict(os.environ))
    return v.decision.verdict, v.decision.code


@pytest.mark.skipif(not shutil.which("mypy", path=BIN), reason="mypy is in the test extra")
@pytest.mark.parametrize(
    ("where", "text", "argv"),
    [
        (
            "cfg/mypy.ini",
            "[mypy]\nplugins = lintplug.py:plugin\n",
            ("--config-file", "cfg/mypy.ini"),
        ),
        ("mypy.ini", "[mypy]\ncache_dir = $HOME/../tmp/x\n", ()),
        ("mypy.ini", "[mypy]\njunit_xml = ~/x.xml\n", ()),
        ("mypy.ini", "[mypy]\nfiles = /etc/passwd\n", ()),
        ("mypy.ini", "[mypy]\nmypy_path = ../..\n", ()),
        ("mypy.ini", "[mypy]\ninstall_types = True\nnon_interactive = True\n", ()),
    ],
)
def test_mypy_configuration_stays_inside(
    policy: Policy, ws: Path, where: str, text: str, argv: tuple[str, ...]
) -> None:
    (ws / where).write_text(text)
    assert decide(policy, "mypy", *argv, "m.py") == ("deny", "EG-POLICY-FLAG"), text


@pytest.mark.skipif(not shutil.which("mypy", path=BIN), reason="mypy is in the test extra")
def test_mypy_install_types_and_a_plain_run(policy: Policy) -> None:
    assert decide(policy, "mypy", "--install-types", "--non-interactive", "m.py")[0] == "deny"
    assert decide(policy, "mypy", "m.py")[0] == "allow"


@pytest.mark.skipif(not shutil.which("ruff", path=BIN), reason="ruff is in the test extra")
def test_ruff_configuration_stays_inside(policy: Policy, ws: Path) -> None:
    (ws / "ruff.toml").write_text('extend = "/etc/x.toml"\n')
    assert decide(policy, "ruff", "check", "m.py") == ("deny", "EG-POLICY-FLAG")
    (ws / "ruff.toml").write_text('cache-dir = "$HOME/../tmp/rc"\n')
    assert decide(policy, "ruff", "check", "m.py") == ("deny", "EG-POLICY-FLAG")
    (ws / "ruff.toml").unlink()
    assert decide(policy, "ruff", "check", "--config", 'cache-dir="/tmp/x"', "m.py")[0] == "deny"
    assert decide(policy, "ruff", "check", "m.py")[0] == "allow"


def test_pytest_paths_with_variables_are_refused(policy: Policy) -> None:
    assert decide(policy, "pytest", "--junitxml=$HOME/../tmp/j.xml")[0] == "deny"
    assert decide(policy, "pytest", "--junitxml=~/j.xml")[0] == "deny"
    assert decide(policy, "pytest", "--junitxml=out/j.xml")[0] == "allow"


def test_a_configuration_named_by_option_and_written_earlier_in_the_line(
    policy: Policy, tmp_path: Path
) -> None:
    """``pytest -c x.ini`` reads a file of any name: written earlier in the same line, it
    would be read after the gate read it (as pytest.ini would)."""
    policy = attrs.evolve(
        policy,
        allow=(*policy.allow, AllowRule(command="cat")),
        shell=attrs.evolve(policy.shell, operators=True, write_redirects=True),
    )
    line = "cat > x.ini <<'EOF'\n[pytest]\naddopts = --basetemp=/tmp/pwn\nEOF\npytest -c x.ini"
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert (v.decision.verdict, v.decision.code) == ("deny", "EG-SHELL-UNSUPPORTED")
