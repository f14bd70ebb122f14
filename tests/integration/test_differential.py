"""What runs is what was decided: the differential proof's default-suite slice.

Every reproducer shape of the shell findings, and a few hundred generated lines, are run
through a real Gate under strace (``benchmarks/differential.py``); every program a real shell
executes for an allowed request must be one the decision planned, with the argv it planned.
The long run (>= 20,000 lines) is ``python benchmarks/differential.py``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "benchmarks"))

import differential
import difflines

pytestmark = pytest.mark.skipif(
    shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)"
)

SEED_CASES: list[difflines.Case] = [(p, line, None) for p, line in difflines.SEEDS]
SEED_CASES += [(p, None, argv) for p, argv in difflines.ARGV_SEEDS]


def _run(cases: list[difflines.Case]) -> list[dict[str, Any]]:
    tmp = tempfile.mkdtemp(prefix="execgate-differential-")
    try:
        rows, jobs = differential.run(cases, 1, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert len(rows) == len(cases)
    return _with_execs(rows, jobs)


def _with_execs(
    rows: list[dict[str, Any]], jobs: dict[int, differential.Job]
) -> list[dict[str, Any]]:
    allowed = {int(f["n"]): f for f in differential.report(rows, jobs)}
    empty = {"unplanned": [], "unplanned_writes": [], "verbatim": False}
    return [allowed.get(int(r["n"]), {**r, **empty}) for r in rows]


@pytest.fixture(scope="module")
def seeds() -> Iterator[list[dict[str, Any]]]:
    yield _run(SEED_CASES)


def _describe(row: dict[str, Any]) -> str:
    request = row["argv"] if row["argv"] is not None else row["command"]
    return (
        f"{row['policy']}: {request!r}: plan {row.get('plan')} ran unplanned "
        f"{row['unplanned']}, wrote unplanned {row['unplanned_writes']}"
    )


@pytest.mark.parametrize(
    "n", range(len(SEED_CASES)), ids=[repr(c[1] or c[2])[:60] for c in SEED_CASES]
)
def test_reproducer_runs_only_what_was_decided(seeds: list[dict[str, Any]], n: int) -> None:
    row = seeds[n]
    assert row["unplanned"] == row["unplanned_writes"] == [], _describe(row)


def test_no_reproducer_hands_a_shell_its_line_verbatim(seeds: list[dict[str, Any]]) -> None:
    """What runs is the plan: a shell in it runs a canonical script, never the line as sent."""
    verbatim = [r for r in seeds if r["verdict"] == "allow" and r["verbatim"]]
    assert verbatim == [], "\n".join(map(_describe, verbatim))


@pytest.mark.slow
def test_generated_lines_run_only_what_was_decided() -> None:
    rows = _run(difflines.generate(seed=2026, n=len(SEED_CASES) + 300)[len(SEED_CASES) :])
    allowed = [r for r in rows if r["verdict"] == "allow"]
    bad = [r for r in allowed if r["unplanned"] or r["unplanned_writes"]]
    assert len(allowed) >= 30  # the slice proves something only if lines run
    assert bad == [], "\n".join(map(_describe, bad[:10]))


def test_the_harness_sees_what_a_shell_runs_beyond_the_decision() -> None:
    """Under ``args = "any"`` the line after ``bash -c`` is not decided: its programs and
    its redirections must show as unplanned; a planned program or redirection must not."""
    rows = _run(
        [
            ("loose", "bash +x -c 'ls -d .; id; echo x > w.txt'", None),
            ("loose", "echo two", None),
            ("wrap", "echo two > w.txt", None),
        ]
    )
    shell, plain, redirected = rows
    assert shell["verdict"] == plain["verdict"] == redirected["verdict"] == "allow"
    ran = [(os.path.basename(f), tuple(argv)) for f, argv in shell["unplanned"]]
    assert ("ls", ("ls", "-d", ".")) in ran and ("id", ("id",)) in ran
    assert shell["unplanned_writes"] == ["w.txt"]  # echo is a builtin: no execve, a write
    assert plain["unplanned"] == [] and len(plain["ran"]) == 1
    assert redirected["unplanned"] == redirected["unplanned_writes"] == []
