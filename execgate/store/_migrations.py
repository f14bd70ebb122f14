"""Numbered migrations in plain SQL, shipped in ``migrations/NNNN_name.sql``."""

from __future__ import annotations

from importlib import resources

import attrs


@attrs.frozen
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def _load() -> tuple[Migration, ...]:
    folder = resources.files(__package__).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, name = entry.name.removesuffix(".sql").partition("_")
        text = entry.read_text("utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        statements = tuple(s.strip() for s in body.split(";") if s.strip())
        found.append(Migration(int(number), name, statements))
    found.sort(key=lambda m: m.version)
    for i, m in enumerate(found, start=1):
        if m.version != i:
            raise RuntimeError(f"migrations are not numbered 1..n: {m.version} at position {i}")
    return tuple(found)


MIGRATIONS = _load()
