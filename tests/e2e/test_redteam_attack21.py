"""attack21's holes in the Node tools npx runs: a configuration option given twice (the tool
takes another than the gate read), YAML files read as JSON with comments, jest presets given
as files, ... Each is refused; what an agent ordinarily runs stays allowed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

pytestmark = pytest.mark.skipif(
    shutil.which("npx") is None or shutil.which("node") is None,
    reason="npx and node are not installed",
)

RULES = ("npx tsc", "npx eslint", "npx prettier", "npx jest", "npx vitest", "cat")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "a.ts").write_text("export const a: number = 1;\n")
    (ws / "src" / "a.test.js").write_text("test('a', () => expect(1).toBe(1));\n")
    (ws / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (tmp_path / "evil.js").write_text("module.exports = async () => {};\n")
    return ws


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    rules = "".join(f'[[allow]]\ncommand = "{r}"\n' for r in RULES)
    path = tmp_path / "p.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[env]\nallow_switches = true\n'
        f"[shell]\noperators = true\nwrite_redirects = true\n{rules}"
    )
    return load_policy(path)


def decide(policy: Policy, line: str, cwd: str = ".") -> tuple[str, str]:
    v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
    return v.decision.verdict, v.decision.code


def allowed(policy: Policy, line: str, cwd: str = ".") -> bool:
    return decide(policy, line, cwd)[0] == "allow"


# --- 1. a configuration option given twice --------------------------------------------------


def test_a_configuration_option_given_twice_is_refused(policy: Policy, ws: Path) -> None:
    (ws / "ok.json").write_text("{}\n")
    (ws / "t1").mkdir()
    (ws / "t1" / "tsconfig.json").write_text('{"compilerOptions": {"noEmit": true}}\n')
    for line in (
        "npx prettier --config ok.json --check src",
        "npx tsc -p t1",
        "npx jest --config ok.json",
        "npx eslint -c ok.json src",
    ):
        assert allowed(policy, line), line
    for line in (
        "npx prettier --config ok.json --config ok.json --check src",
        "npx prettier --config=ok.json --config ok.json --check src",
        "npx tsc -p t1 -p t1",
        "npx tsc --project t1 -p t1",
        "npx jest --config ok.json --config ok.json",
        "npx jest -c ok.json --config=ok.json",
        "npx eslint -c ok.json -c ok.json src",
    ):
        assert not allowed(policy, line), line
