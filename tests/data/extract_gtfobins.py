"""Rebuild ``gtfobins.jsonl`` from a checkout of GTFOBins (github.com/GTFOBins/GTFOBins.github.io).

Usage: ``python tests/data/extract_gtfobins.py CHECKOUT COMMIT > tests/data/gtfobins.jsonl``
(needs PyYAML). Keeps, for every binary, the techniques an unprivileged user can use --
shell, command, file-read, file-write, library-load, and the code a binary inherits from an
interpreter it embeds -- as one JSON record per technique. An alias entry (``awk`` for
``gawk``) gets its target's techniques with the program name rewritten.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

FUNCTIONS = ("shell", "command", "file-read", "file-write", "library-load", "inherit")


def _entry(path: Path) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]
    return docs[0] if docs else {}


def _records(
    name: str, entry: dict[str, Any], source: str, alias_of: str | None
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for function, items in (entry.get("functions") or {}).items():
        if function not in FUNCTIONS:
            continue
        for item in items:
            if "unprivileged" not in (item.get("contexts") or {}):
                continue
            code = item["code"]
            if alias_of is not None:
                code = re.sub(
                    rf"(?m)(^|[|;&(]\s*|\s)({re.escape(alias_of)})(?=\s|$)", rf"\g<1>{name}", code
                )
            record: dict[str, Any] = {"binary": name, "function": function, "code": code}
            if function == "inherit":
                record["from"] = item.get("from")
            if alias_of is not None:
                record["alias_of"] = alias_of
            record["source"] = source
            out.append(record)
    return out


def main(checkout: str, commit: str) -> None:
    base = Path(checkout) / "_gtfobins"
    header = {
        "source": "https://github.com/GTFOBins/GTFOBins.github.io",
        "commit": commit,
        "license": "GPL-3.0 (the GTFOBins repository's LICENSE)",
        "functions": list(FUNCTIONS),
        "context": "unprivileged",
    }
    print(json.dumps(header))
    for path in sorted(base.iterdir()):
        entry = _entry(path)
        source = f"_gtfobins/{path.name}@{commit[:12]}"
        target = entry.get("alias")
        if target is not None:
            for record in _records(path.name, _entry(base / target), source, target):
                print(json.dumps(record))
            continue
        for record in _records(path.name, entry, source, None):
            print(json.dumps(record))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
