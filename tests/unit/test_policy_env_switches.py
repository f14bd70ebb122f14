"""``[env] allow_switches``: a request may set a variable the policy does not name to a plain
switch (``CLAUDE_EXPORT_COPY_TO_CWD=false python3 x.py``, ``DEBUG=1``), never one whose name
says it picks code, a program, a file, a host or a secret, and never past ``deny``."""

from __future__ import annotations

from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

POLICY = """
version = 1
[workspace]
root = "{root}"
[env]
allow_switches = {switches}
[shell]
operators = true
[[allow]]
command = "python3"
[[allow]]
command = "env"
"""


def make(tmp_path: Path, switches: bool) -> Policy:
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    (ws / "x.py").write_text("")
    path = tmp_path / f"p{switches}.toml"
    path.write_text(POLICY.format(root=ws, switches=str(switches).lower()))
    return load_policy(path)


def decide(policy: Policy, line: str) -> str:
    v = evaluate(policy, ExecRequest(command=line), {"PATH": "/usr/bin:/bin"})
    return "allow" if v.decision.allowed else v.decision.code


@pytest.mark.parametrize(
    "line",
    [
        "CLAUDE_EXPORT_COPY_TO_CWD=false python3 x.py",
        "DEBUG=1 python3 x.py",
        "TIMEOUT=30 python3 x.py",
        "FEATURE_X=ON python3 x.py",
        "env SOME_SWITCH=yes python3 x.py",
        "export SOME_SWITCH=no; python3 x.py",
    ],
)
def test_a_plain_switch_passes_where_the_policy_says_so(tmp_path: Path, line: str) -> None:
    assert decide(make(tmp_path, True), line) == "allow"
    assert decide(make(tmp_path, False), line) == "EG-ENV-DENIED"  # and only there


@pytest.mark.parametrize(
    "line",
    [
        # names that pick code, a loader, an interpreter's behaviour
        "LD_BIND_NOW=1 python3 x.py",
        # names that change how a program reads its arguments: POSIXLY_CORRECT stops GNU
        # getopt at the first operand, so `grep x f -e /etc/passwd` reads /etc/passwd
        "POSIXLY_CORRECT=1 python3 x.py",
        "_POSIX2_VERSION=199209 python3 x.py",
        "XZ_OPT=9 python3 x.py",
        "GZIP=9 python3 x.py",
        "LESS=1 python3 x.py",
        "SIMPLE_BACKUP_SUFFIX=1 python3 x.py",
        "Ld_Preload=1 python3 x.py",
        "PYTHONINSPECT=1 python3 x.py",
        "PYTHONDEBUG=1 python3 x.py",
        "NODE_OPTIONS=1 python3 x.py",
        "BASH_ENV=1 python3 x.py",
        "GIT_TRACE=1 python3 x.py",
        "GIT_CONFIG_COUNT=1 python3 x.py",
        "PERL5DB=1 python3 x.py",
        "MD_TO_JSON_COMMAND=1 python3 x.py",
        "SOME_CMD=1 python3 x.py",
        "X_EDITOR=1 python3 x.py",
        # names that hold a path, a host, a descriptor, options or a secret ("1" is a file name)
        "FOO_PATH=1 python3 x.py",
        "OUT_DIR=1 python3 x.py",
        "HOME=1 python3 x.py",
        "TMPDIR=1 python3 x.py",
        "LOG_FILE=1 python3 x.py",
        "BASH_XTRACEFD=1 python3 x.py",
        "TRACE_FD=2 python3 x.py",
        "HTTP_PROXY=1 python3 x.py",
        "MY_OPTS=1 python3 x.py",
        "CFLAGS=1 python3 x.py",
        "API_TOKEN=1 python3 x.py",
        "IFS=1 python3 x.py",
        # values that are not a plain switch
        "X=abc python3 x.py",
        "X=1.5 python3 x.py",
        "X=-1 python3 x.py",
        "X=0x10 python3 x.py",
        "X=1234567890 python3 x.py",
        "X='1 ' python3 x.py",
        "X= python3 x.py",
        "X=./1 python3 x.py",
    ],
)
def test_what_a_switch_could_smuggle_stays_refused(tmp_path: Path, line: str) -> None:
    assert decide(make(tmp_path, True), line) == "EG-ENV-DENIED", line


def test_the_python_and_node_templates_admit_switches(tmp_path: Path) -> None:
    from importlib import resources

    for name in ("python", "node", "python-node"):
        text = resources.files("execgate.policy").joinpath(f"templates/{name}.toml")
        assert "allow_switches = true" in text.read_text("utf-8"), name
