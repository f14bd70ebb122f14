"""A program named by its absolute path in a system bin directory (``/usr/bin/python3``) is
decided by the rule for its name (``python3``), even where PATH finds another copy first
(a pyenv shim, a venv): the directory must be on the policy's PATH, root's, and written
plainly; anywhere else a path is covered only by a rule for that same file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

pytestmark = pytest.mark.skipif(
    not os.path.isfile("/usr/bin/python3") or not os.path.isfile("/usr/bin/env"),
    reason="needs /usr/bin/python3 and /usr/bin/env",
)
POLICY = """
version = 1
[workspace]
root = "{root}"
[env]
path = "{path}"
[[allow]]
command = "python3"
[[allow]]
command = "pytest"
[[deny]]
command = "env"
reason = "no wrappers"
"""


def make(tmp_path: Path, path: str | None = None) -> tuple[Policy, Path]:
    ws = tmp_path / "ws"
    (ws / "tests").mkdir(parents=True, exist_ok=True)
    shims = tmp_path / "shims"
    shims.mkdir(exist_ok=True)
    for name in ("python3", "env"):
        shim = shims / name  # another file of that name, first on PATH (as pyenv's shims are)
        shim.write_text("#!/bin/sh\nexit 0\n")
        shim.chmod(0o755)
    policy_file = tmp_path / "p.toml"
    policy_file.write_text(POLICY.format(root=ws, path=path or f"{shims}:/usr/bin:/bin"))
    return load_policy(policy_file), ws


def decide(policy: Policy, argv: list[str]) -> str:
    v = evaluate(policy, ExecRequest(argv=argv), {"PATH": "/usr/bin:/bin"})
    return "allow" if v.decision.allowed else v.decision.code


def test_the_system_copy_takes_the_rule_of_its_name(tmp_path: Path) -> None:
    policy, _ = make(tmp_path)
    assert decide(policy, ["/usr/bin/python3", "-m", "pytest", "tests"]) == "allow"
    assert decide(policy, ["/usr/bin/python3", "-V"]) == "allow"


def test_the_rule_still_decides_everything_else(tmp_path: Path) -> None:
    policy, _ = make(tmp_path)
    assert decide(policy, ["/usr/bin/python3", "-m", "pytest", "/etc"]) == "EG-PATH-ESCAPE"
    assert decide(policy, ["/usr/bin/python3", "-m", "http.server"]) == "EG-POLICY-FLAG"
    assert decide(policy, ["/usr/bin/python3", "-c", "print(1)"]) == "EG-POLICY-FLAG"


def test_a_deny_rule_for_a_name_denies_its_system_copy_too(tmp_path: Path) -> None:
    policy, _ = make(tmp_path)
    assert decide(policy, ["/usr/bin/env", "python3", "-V"]) == "EG-POLICY-DENIED"


@pytest.mark.parametrize(
    "program",
    [
        "/usr/bin/../bin/python3",  # not written plainly
        "/usr/bin//python3",
        "/usr/lib/python3",  # not a bin directory
    ],
)
def test_other_spellings_and_places_are_not_the_system_copy(tmp_path: Path, program: str) -> None:
    policy, _ = make(tmp_path)
    assert decide(policy, [program, "-V"]) != "allow"


def test_a_copy_in_the_workspace_or_elsewhere_is_not_covered(tmp_path: Path) -> None:
    policy, ws = make(tmp_path)
    local = ws / "bin"
    local.mkdir()
    shutil.copy("/usr/bin/python3", local / "python3")
    assert decide(policy, [str(local / "python3"), "-V"]) != "allow"
    other = tmp_path / "usr" / "bin"
    other.mkdir(parents=True)
    shutil.copy("/usr/bin/python3", other / "python3")
    assert decide(policy, [str(other / "python3"), "-V"]) != "allow"


def test_a_system_directory_off_the_policys_path_is_not_covered(tmp_path: Path) -> None:
    shims = tmp_path / "shims"
    policy, _ = make(tmp_path, path=f"{shims}:/bin")
    if os.path.realpath("/bin") == "/usr/bin":
        # merged /usr: /bin/python3 is the same file, named as the policy's PATH names it
        assert decide(policy, ["/bin/python3", "-V"]) == "allow"
    assert decide(policy, ["/usr/bin/python3", "-V"]) != "allow"
