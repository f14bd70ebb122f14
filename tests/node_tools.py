"""What the Node tools' policy tests share (tests/e2e/test_node_tools.py,
test_redteam_attack21.py): a workspace where each tool is installed locally (as
``node_modules/.bin``), a policy of bare rules for them, and one decision."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

#: The tests read real tools' behaviour: without node and npx they say nothing.
NEEDS_NODE = pytest.mark.skipif(
    shutil.which("npx") is None or shutil.which("node") is None,
    reason="npx and node are not installed",
)


def node_workspace(tmp_path: Path) -> Path:
    """A workspace with a TypeScript source, a test, a package.json and each tool's local
    binary; ``tmp_path/evil.js`` lies outside it."""
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "a.ts").write_text("export const a: number = 1;\n")
    (ws / "src" / "a.test.js").write_text("test('a', () => expect(1).toBe(1));\n")
    (ws / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (tmp_path / "evil.js").write_text("module.exports = async () => {};\n")
    (ws / "node_modules" / ".bin").mkdir(parents=True)
    for tool in ("tsc", "eslint", "prettier", "jest", "vitest"):
        (ws / "node_modules" / ".bin" / tool).write_text("#!/bin/sh\n")
    return ws


def node_policy(tmp_path: Path, ws: Path, rules: Iterable[str]) -> Policy:
    """Bare allow rules for ``rules``, operators and workspace redirects, env switches."""
    allow = "".join(f'[[allow]]\ncommand = "{r}"\n' for r in rules)
    path = tmp_path / "p.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[env]\nallow_switches = true\n'
        f"[shell]\noperators = true\nwrite_redirects = true\n{allow}"
    )
    return load_policy(path)


def decide(policy: Policy, line: str, cwd: str = ".") -> tuple[str, str]:
    v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
    return v.decision.verdict, v.decision.code
