"""The generated parts of docs/ match the code they are generated from."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
GEN = ROOT / "docs" / "gen.py"


def _gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_gen", GEN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_pages_are_current() -> None:
    stale = _gen().stale()
    assert not stale, f"stale generated docs: {stale}; run python docs/gen.py"


def test_every_generator_has_a_block() -> None:
    gen = _gen()
    used = {m["name"] for page in gen.pages() for m in gen.MARKER.finditer(page.read_text())}
    assert used == set(gen.GENERATORS)


def test_the_check_fails_on_a_stale_block(tmp_path: Path) -> None:
    """``gen.py --check`` exits 1 and names the page when a table was edited by hand."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "gen.py").write_text(GEN.read_text())
    (docs / "errors.md").write_text(
        "# Errors\n\n<!-- generated: errors -->\n| hand-edited |\n<!-- end generated -->\n"
    )
    check = subprocess.run(
        [sys.executable, str(docs / "gen.py"), "--check"], capture_output=True, text=True
    )
    assert check.returncode == 1 and "errors.md" in check.stderr
    subprocess.run([sys.executable, str(docs / "gen.py")], check=True, capture_output=True)
    text = (docs / "errors.md").read_text()
    assert "`EG-POLICY-DENIED`" in text and "hand-edited" not in text
    check = subprocess.run([sys.executable, str(docs / "gen.py"), "--check"], capture_output=True)
    assert check.returncode == 0
