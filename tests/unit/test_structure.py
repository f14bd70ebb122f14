"""The package's shape: no import cycles between the modules of the core (errors and models,
the gate and its stream, the actors, the store), found from the source as a reader would."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import execgate

ROOT = Path(os.environ.get("EXECGATE_SOURCE", Path(execgate.__file__).parent))
#: The layers whose modules must import each other one way only.
CORE = ("execgate.errors", "execgate.models", "execgate._decision", "execgate.supervisor",
        "execgate.actors", "execgate.store")  # fmt: skip


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level(tree: ast.Module) -> list[ast.stmt]:
    """The module's own statements, with those of ``if TYPE_CHECKING:`` blocks (an import
    for the type checker is still a dependency between the two modules)."""
    out: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.extend(node.body)
        else:
            out.append(node)
    return out


def _imports(path: Path) -> set[str]:
    """What ``path`` imports at its top level (a function's own import runs later)."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _top_level(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("execgate")}


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in ROOT.rglob("*.py")}
    return {name: _imports(path) & set(modules) for name, path in modules.items()}


def _in_core(name: str) -> bool:
    return any(name == c or name.startswith(c + ".") for c in CORE)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle through modules of the core (a package importing its own submodules, as
    ``__init__`` re-exports do, is not one)."""
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if not _in_core(nxt) or nxt.startswith(node + "."):
                continue
            if nxt == start:
                found.append([*path, nxt])
            elif nxt not in path and nxt > start:
                walk(start, nxt, [*path, nxt])

    for start in sorted(n for n in graph if _in_core(n)):
        walk(start, start, [start])
    return found


def test_the_core_has_no_import_cycles() -> None:
    graph = _graph()
    assert "execgate.models" not in graph["execgate.errors"]
    assert "execgate.supervisor._gate" not in graph["execgate.supervisor._stream"]
    assert _cycles(graph) == []


def test_the_cli_uses_other_packages_only_through_their_public_names() -> None:
    """``execgate.cli`` is a client of the rest: every import it makes from another package
    (at any depth, lazy ones too) names a package, not a private module or a private name.
    execgate's own top-level helpers (``.._units``) are the CLI's as much as anyone's."""
    bad: list[str] = []
    for path in sorted((ROOT / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level != 2:
                continue
            module = node.module or ""
            names = [a.name for a in node.names]
            if any(part.startswith("_") for part in module.split(".")[1:]) or any(
                n.startswith("_") for n in names
            ):
                bad.append(f"{path.name}: from ..{module} import {', '.join(names)}")
    assert not bad, bad
