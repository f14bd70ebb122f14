"""attack21's holes in the Node tools npx runs: a configuration option given twice (the tool
takes another than the gate read), YAML files read as JSON with comments, jest presets given
as files, ... Each is refused; what an agent ordinarily runs stays allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from node_tools import NEEDS_NODE, decide, node_policy, node_workspace

from execgate.policy import Policy

pytestmark = NEEDS_NODE

RULES = ("npx tsc", "npx eslint", "npx prettier", "npx jest", "npx vitest", "cat")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return node_workspace(tmp_path)


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    return node_policy(tmp_path, ws, RULES)


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


# --- 2. a file the tool reads as YAML is read as YAML, not as JSON with comments ------------

HIDDEN = [
    # JSON with comments hides the plugin; YAML reads `//` as text and the key that follows
    '{"semi": true, "k": 1 //, "plugins": ["/tmp/evil.mjs"]\n}\n',
    '{"root": true, "ignorePatterns": [0 //, "zz"], "parser": "/tmp/evil.js", "plugins": [\n]}\n',
    "semi: true\n/* x */ plugins: ['/tmp/evil.mjs']\n",
]


@pytest.mark.parametrize("text", HIDDEN)
@pytest.mark.parametrize(
    ("name", "line"),
    [
        (".prettierrc", "npx prettier --check src"),
        (".prettierrc.yaml", "npx prettier --check src"),
        (".prettierrc.yml", "npx prettier --check src"),
        (".eslintrc.yaml", "npx eslint src"),
        (".eslintrc.yml", "npx eslint src"),
        (".eslintrc", "npx eslint src"),
    ],
)
def test_yaml_files_are_not_read_as_json_with_comments(
    policy: Policy, ws: Path, name: str, line: str, text: str
) -> None:
    (ws / name).write_text(text)
    assert not allowed(policy, line), (name, text)


def test_package_yaml_is_read_as_yaml(policy: Policy, ws: Path) -> None:
    (ws / "package.json").unlink()
    (ws / "package.yaml").write_text('{"prettier": {"k": 1 //, "plugins": ["/tmp/e.mjs"]\n}}\n')
    assert not allowed(policy, "npx prettier --check src")


def test_plain_yaml_and_json_stay_allowed(policy: Policy, ws: Path) -> None:
    (ws / ".prettierrc").write_text('{"semi": false, "singleQuote": true}\n')
    assert allowed(policy, "npx prettier --check src")
    (ws / ".prettierrc").write_text("semi: false\n# a comment\nsingleQuote: true\n")
    assert allowed(policy, "npx prettier --check src")
    (ws / ".eslintrc.yml").write_text("root: true\nrules:\n  semi: error\n")
    assert allowed(policy, "npx eslint src")


# --- 3. a jest preset given as a file ------------------------------------------------------


@pytest.mark.parametrize(
    ("plant", "line"),
    [
        ("", "npx jest --preset ./pp.json"),
        ("", "npx jest --preset ./pp"),
        ("", "npx jest --preset=./pp.json"),
        ('{"preset": "./pp.json"}', "npx jest"),
        ('{"preset": "<rootDir>/pp.json"}', "npx jest"),
        ("", "npx jest --config '{\"preset\": \"./pp.json\"}'"),
    ],
)
def test_a_jest_preset_file_is_read_as_a_configuration(
    policy: Policy, ws: Path, tmp_path: Path, plant: str, line: str
) -> None:
    (ws / "pp.json").write_text(f'{{"globalSetup": "{tmp_path}/evil.js"}}\n')
    if plant:
        (ws / "jest.config.json").write_text(plant)
    assert not allowed(policy, line), line
    (ws / "pp.json").write_text('{"testEnvironment": "node"}\n')
    assert allowed(policy, line), line


def test_a_jest_preset_file_outside_is_refused(policy: Policy, ws: Path, tmp_path: Path) -> None:
    (tmp_path / "pp.json").write_text('{"testEnvironment": "node"}\n')
    (ws / "link.json").symlink_to(tmp_path / "pp.json")
    assert not allowed(policy, "npx jest --preset ./link.json")
    (ws / "jest.config.json").write_text('{"preset": "./link.json"}')
    assert not allowed(policy, "npx jest")


# --- 4. npx runs the workspace's own copy of the tool, or none ------------------------------


@pytest.mark.parametrize("tool", ["tsc", "eslint", "prettier", "jest", "vitest"])
def test_npx_without_the_workspaces_own_binary_is_refused(
    policy: Policy, ws: Path, tmp_path: Path, tool: str
) -> None:
    line = f"npx {tool} --version" if tool != "tsc" else "npx tsc --noEmit"
    assert allowed(policy, line), line
    (ws / "node_modules" / ".bin" / tool).unlink()
    # a copy above the workspace (or in npx's cache) would run: code from outside
    (tmp_path / "node_modules" / ".bin").mkdir(parents=True, exist_ok=True)
    (tmp_path / "node_modules" / ".bin" / tool).write_text("#!/bin/sh\n")
    assert decide(policy, line) == ("deny", "EG-POLICY-FLAG"), line


# --- 5. eslint looks its flat configuration up from each linted file ------------------------


def test_eslint_flat_config_is_looked_up_from_each_linted_file(
    policy: Policy, ws: Path, tmp_path: Path
) -> None:
    (ws / "a").mkdir()
    (ws / "b").mkdir()
    (ws / "a" / "eslint.config.mjs").write_text("export default [];\n")
    (ws / "b" / "x.js").write_text("var y = 1;\n")
    assert allowed(policy, "npx eslint ../b/x.js", "a")
    # above the workspace: found from b/ (eslint 10), not from a/
    (tmp_path / "eslint.config.mjs").write_text("export default [];\n")
    assert not allowed(policy, "npx eslint ../b/x.js", "a")
    assert not allowed(policy, "npx eslint ../b", "a")
    (ws / "b" / "eslint.config.mjs").write_text("export default [];\n")
    assert allowed(policy, "npx eslint ../b/x.js", "a")
    # one beside the linted file that links out
    (ws / "b" / "eslint.config.mjs").unlink()
    (ws / "b" / "eslint.config.mjs").symlink_to(tmp_path / "eslint.config.mjs")
    assert not allowed(policy, "npx eslint ../b/x.js", "a")


# --- 6. vitest looks its configuration up the tree -----------------------------------------


@pytest.mark.parametrize("name", ["vitest.config.mjs", "vite.config.ts", "vitest.workspace.js"])
def test_a_vitest_configuration_above_the_workspace_is_refused(
    policy: Policy, ws: Path, tmp_path: Path, name: str
) -> None:
    (ws / "src" / name).write_text("export default {};\n")
    assert allowed(policy, "npx vitest run", "src")
    (tmp_path / name).write_text("export default {};\n")
    assert not allowed(policy, "npx vitest run", "src")
    assert not allowed(policy, "npx vitest run")
    (tmp_path / name).unlink()
    (ws / name).symlink_to(tmp_path / "evil.js")
    assert not allowed(policy, "npx vitest run", "src")


# --- 7. a .babelrc beside a transformed file ------------------------------------------------


@pytest.mark.parametrize("name", [".babelrc", ".babelrc.json"])
@pytest.mark.parametrize("line", ["npx jest --no-cache", "npx vitest run"])
def test_a_babelrc_in_the_test_tree_is_read(
    policy: Policy, ws: Path, tmp_path: Path, name: str, line: str
) -> None:
    (ws / "sub").mkdir()
    (ws / "sub" / "y.test.js").write_text("test('t', () => expect(1).toBe(1));\n")
    (ws / "sub" / name).write_text('{"presets": ["@babel/preset-env"]}\n')
    assert allowed(policy, line), line
    (ws / "sub" / name).write_text(f'{{"plugins": ["{tmp_path}/evil.js"]}}\n')
    assert not allowed(policy, line), line
    (ws / "sub" / name).write_text('{"plugins": ["../../evil.js"]}\n')
    assert not allowed(policy, line), line


# --- 9. prettier's cache stays inside ------------------------------------------------------


def test_prettier_cache_is_written_inside(policy: Policy, ws: Path, tmp_path: Path) -> None:
    assert allowed(policy, "npx prettier --cache --check src")
    assert allowed(policy, "npx prettier --cache --cache-location .cache/p --check src")
    (ws / "package.json").unlink()
    (tmp_path / "package.json").write_text('{"name": "mono"}\n')
    assert not allowed(policy, "npx prettier --no-config --cache --check src")
    (tmp_path / "package.json").unlink()
    assert not allowed(policy, "npx prettier --no-config --cache --check src")
    assert allowed(policy, "npx prettier --cache --cache-location .cache/p --check src")
    assert not allowed(policy, "npx prettier --cache --cache-location /tmp/p --check src")


# --- 8. tsc writes beside every source it compiles, imported ones outside included ----------


def test_tsc_emits_only_into_the_workspace(policy: Policy, ws: Path, tmp_path: Path) -> None:
    # a.ts may import "../../x/lib": tsc would write lib.js beside it, outside
    (ws / "tsconfig.json").write_text('{"compilerOptions": {"module": "commonjs"}}')
    for line in ("npx tsc", "npx tsc -p .", "npx tsc -b", "npx tsc src/a.ts"):
        assert not allowed(policy, line), line
    for line in ("npx tsc --noEmit", "npx tsc --outDir dist --noEmitOnError",
                 "npx tsc --outDir dist --noEmitOnError src/a.ts", "npx tsc --init",
                 "npx tsc --showConfig", "npx tsc --version"):  # fmt: skip
        assert allowed(policy, line), line
    # an outDir alone: a source outside the rootDir is written relative to it, out (tsc 7)
    assert not allowed(policy, "npx tsc --outDir dist")
    assert not allowed(policy, "npx tsc --noEmit false")
    (ws / "tsconfig.json").write_text('{"compilerOptions": {"noEmit": true}}')
    for line in ("npx tsc", "npx tsc -p .", "npx tsc -b"):
        assert allowed(policy, line), line
    (ws / "tsconfig.json").write_text('{"compilerOptions": {"outDir": "dist"}}')
    assert not allowed(policy, "npx tsc")
    assert allowed(policy, "npx tsc --noEmitOnError")
    (ws / "tsconfig.json").write_text('{"compilerOptions": {"outDir": "dist", "noEmitOnError": true}}')
    assert allowed(policy, "npx tsc")
    # through extends, a later setting over an earlier one
    (ws / "base.json").write_text('{"compilerOptions": {"noEmit": true}}')
    (ws / "tsconfig.json").write_text('{"extends": "./base", "compilerOptions": {"noEmit": false}}')
    assert not allowed(policy, "npx tsc")
    (ws / "tsconfig.json").write_text('{"extends": "./base.json"}')
    assert allowed(policy, "npx tsc")
    # tsc -b builds every referenced project
    (ws / "sub").mkdir()
    (ws / "sub" / "tsconfig.json").write_text('{"compilerOptions": {"composite": true}}')
    (ws / "tsconfig.json").write_text(
        '{"compilerOptions": {"noEmit": true}, "references": [{"path": "./sub"}]}'
    )
    assert not allowed(policy, "npx tsc -b")


def test_tsc_reads_no_source_outside_the_workspace(
    policy: Policy, ws: Path, tmp_path: Path
) -> None:
    (ws / "tsconfig.json").write_text('{"compilerOptions": {"noEmit": true}}')
    (ws / "src" / "b.ts").write_text('import { a } from "./a";\nimport "lodash";\nexport { a };\n')
    assert allowed(policy, "npx tsc")
    for text in (
        'import { b } from "../../x/lib";\n',
        "export * from '/tmp/x/lib';\n",
        'const m = require("../../../etc/x");\n',
        '/// <reference path="../../x/lib.d.ts" />\n',
        'const m = await import("../../x/lib");\n',
    ):
        (ws / "src" / "b.ts").write_text(text)
        assert not allowed(policy, "npx tsc"), text
        assert not allowed(policy, "npx tsc --noEmit src/b.ts"), text
