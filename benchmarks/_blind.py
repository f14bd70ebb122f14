"""What every blind secret corpus script shares (benchmarks/blind*_corpus.py): writing its
JSON, and scoring execgate's scanner against it.

A corpus is ``{"about": str, "cases": [{"text", "secret", "format", "source"}]}``: a positive's
``secret`` is the exact substring of ``text`` that is the secret value; a negative's is null
and its ``format`` is ``neg:<family>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def run(
    argv: list[str], build: Callable[[], dict[str, object]], out: Path, width: int = 200
) -> int:
    """A corpus script's command line: write ``build()`` to ``out``, or with ``--score``
    print the scanner's tables against it (texts cut to ``width`` characters)."""
    data = build()
    if "--score" in argv:
        return score(data, width)
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    cases = data["cases"]
    assert isinstance(cases, list)
    pos = [c for c in cases if c["secret"] is not None]
    fmts = {c["format"] for c in pos}
    fams = {c["format"] for c in cases if c["secret"] is None}
    print(
        f"wrote {out}: {len(pos)} positives / {len(fmts)} formats, {len(cases) - len(pos)} negatives / {len(fams)} families"
    )
    return 0


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    pos = start
    for s, e in sorted(spans):
        if s <= pos < e:
            pos = e
        if pos >= end:
            return True
    return pos >= end


def score(data: dict[str, object], width: int = 200) -> int:
    """Recall per format (every occurrence of the secret covered by findings = hit; a
    finding that only overlaps it = partial) and false-positive rate per negative family
    (any finding at all = FP)."""
    from execgate import scan_text

    cases = data["cases"]
    assert isinstance(cases, list)
    pos: dict[str, list[int]] = {}
    neg: dict[str, list[int]] = {}
    misses: list[tuple[str, str, str]] = []
    fps: list[tuple[str, str]] = []
    for c in cases:
        text, secret, fmt = c["text"], c["secret"], c["format"]
        spans = [(f.start, f.end) for f in scan_text(text)]
        if secret is None:
            row = neg.setdefault(fmt, [0, 0])
            row[0] += 1
            if spans:
                row[1] += 1
                fps.append((fmt, text))
            continue
        row = pos.setdefault(fmt, [0, 0, 0])
        row[0] += 1
        starts = [i for i in range(len(text)) if text.startswith(secret, i)]
        if all(_covered(spans, i, i + len(secret)) for i in starts):
            row[1] += 1
        else:
            overlap = any(s < i + len(secret) and e > i for s, e in spans for i in starts)
            row[2] += overlap
            misses.append((fmt, "partial" if overlap else "miss", text))
    tp = sum(r[1] for r in pos.values())
    np_ = sum(r[0] for r in pos.values())
    fp = sum(r[1] for r in neg.values())
    nn = sum(r[0] for r in neg.values())
    print(f"recall {tp}/{np_} = {tp / np_:.1%}   FP {fp}/{nn} = {fp / nn:.1%}\n")
    print("| format | n | hit | partial | recall |\n|---|---|---|---|---|")
    for fmt, (n, h, part) in sorted(pos.items(), key=lambda kv: (kv[1][1] / kv[1][0], kv[0])):
        print(f"| {fmt} | {n} | {h} | {part} | {h / n:.0%} |")
    print("\n| family | n | FP | FP rate |\n|---|---|---|---|")
    for fam, (n, f) in sorted(neg.items(), key=lambda kv: (-kv[1][1] / kv[1][0], kv[0])):
        print(f"| {fam} | {n} | {f} | {f / n:.0%} |")
    print("\n## misses")
    for fmt, kind, text in misses:
        print(f"- {fmt} ({kind}): {json.dumps(text[:width])}")
    print("\n## false positives")
    for fam, text in fps:
        print(f"- {fam}: {json.dumps(text[:width])}")
    return 0
