"""``cat <<'EOF' | CMD``: cat only copies a literal body, so the line is ``CMD <<'EOF'`` and is
decided as that (stdin the body, no shell, no cat); a shell fed that way stays refused, as a
shell reading its commands from stdin is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
POLICY = """
version = 1
[workspace]
root = "{root}"
[shell]
operators = true
write_redirects = true
[[allow]]
command = "python3"
allow_flags = ["-c"]
[[allow]]
command = "grep"
[[allow]]
command = "bash"
[[allow]]
command = "sh"
"""
BODY = "import sys\nprint(sys.argv)\n"


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    path = tmp_path / "p.toml"
    path.write_text(POLICY.format(root=ws))
    return load_policy(path)


def decide(policy: Policy, line: str) -> tuple[bool, str, object]:
    v = evaluate(policy, ExecRequest(command=line), ENV)
    return v.decision.allowed, v.decision.reason, v.plan


@pytest.mark.parametrize("reader", ["python3", "python3 -", "python3 - arg"])
def test_a_piped_literal_here_document_is_the_readers_stdin(policy: Policy, reader: str) -> None:
    allowed, reason, plan = decide(policy, f"cat <<'EOF' | {reader}\n{BODY}EOF")
    assert allowed, reason
    assert plan is not None
    assert os.path.basename(plan.argv[0]).startswith("python3")  # type: ignore[attr-defined]
    assert plan.argv[1:] == tuple(reader.split()[1:])  # type: ignore[attr-defined]
    assert plan.stdin == BODY.encode()  # type: ignore[attr-defined]
    alone = decide(policy, f"{reader} <<'EOF'\n{BODY}EOF")
    assert alone[0] and alone[2].stdin == plan.stdin  # type: ignore[union-attr]


def test_after_cd_it_runs_in_that_directory(policy: Policy, tmp_path: Path) -> None:
    allowed, reason, plan = decide(policy, f"cd sub && cat <<'EOF' | python3 -\n{BODY}EOF")
    assert allowed, reason
    assert plan.cwd == os.path.realpath(tmp_path / "ws" / "sub")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "line",
    [
        # a shell reading commands from stdin runs what the gate has not decided line by line
        "cat <<'EOF' | bash\ncat /etc/shadow\nEOF",
        "cat <<'EOF' | sh\nid\nEOF",
        "cat <<'EOF' | bash -s\nid\nEOF",
        "cat <<'EOF' | sh -\nid\nEOF",
        # an unquoted body bash would expand
        "cat <<EOF | python3\nprint('$HOME')\nEOF",
        # the reader is decided like any other command
        "cat <<'EOF' | python3 /etc/x.py\nprint(1)\nEOF",
        "cat <<'EOF' | PYTHONPATH=/tmp python3\nprint(1)\nEOF",
        "cat <<'EOF' | node\nconsole.log(1)\nEOF",
        # cat reading a file too is not a literal body
        "cat /etc/passwd <<'EOF' | python3\nprint(1)\nEOF",
    ],
)
def test_what_a_pipe_would_smuggle_still_refuses(policy: Policy, line: str) -> None:
    allowed, reason, _ = decide(policy, line)
    assert not allowed, reason


def test_a_policy_that_refuses_inline_code_refuses_it_piped(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = tmp_path / "p.toml"
    path.write_text(POLICY.format(root=ws).replace('allow_flags = ["-c"]\n', ""))
    policy = load_policy(path)
    assert not decide(policy, f"python3 - <<'EOF'\n{BODY}EOF")[0]
    assert not decide(policy, f"cat <<'EOF' | python3 -\n{BODY}EOF")[0]


def test_a_policy_without_operators_refuses_the_pipe(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = tmp_path / "p.toml"
    path.write_text(POLICY.format(root=ws).replace("operators = true", "operators = false"))
    policy = load_policy(path)
    assert decide(policy, f"python3 - <<'EOF'\n{BODY}EOF")[0]
    assert not decide(policy, f"cat <<'EOF' | python3 -\n{BODY}EOF")[0]
