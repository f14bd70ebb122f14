"""A short slice of the fuzzing harness (benchmarks/fuzz.py): every target, in child processes,
with no untyped error, no input over 1 s and no crash. The long run is the same command with
``--inputs 1000000``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every fuzz target, in child processes

FUZZ = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz.py"


def test_a_short_fuzz_slice_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(FUZZ), "--inputs", "2000", "--json", "--seed", "23"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["inputs"] == 2000
    for target in summary["targets"]:
        assert (target["untyped"], target["hangs"], target["crashes"]) == (0, 0, 0), target
    assert done.returncode == 0, done.stderr
