"""Programs that run other programs: allowing the wrapper never allows what it wraps.

Each case tries to get around a rule through a wrapper; the policy allows the wrappers, echo
and true, and denies rm explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

POLICY = """
version = 1
[workspace]
root = "{root}"
[[allow]]
command = "env"
[[allow]]
command = "timeout"
[[allow]]
command = "nice"
[[allow]]
command = "nohup"
[[allow]]
command = "setsid"
[[allow]]
command = "stdbuf"
[[allow]]
command = "xargs"
[[allow]]
command = "find"
[[allow]]
command = "echo"
[[allow]]
command = "true"
[[deny]]
command = "rm"
"""


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    p = tmp_path / "p.toml"
    p.write_text(POLICY.format(root=tmp_path))
    return load_policy(p)


def decide(policy: Policy, line: str) -> tuple[bool, str, str]:
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    return v.decision.allowed, v.decision.code, v.decision.rule


ALLOWED = [
    "env",
    "env echo hi",
    "env LANG=C.UTF-8 echo hi",
    "env NO_COLOR=1 LC_ALL=C TZ=Europe/Paris echo hi",
    "env -- echo hi",
    "timeout 5 echo hi",
    "timeout -s KILL 5 true",
    "timeout --kill-after=1 2s true",
    "nice -n 5 echo hi",
    "nice -5 true",
    "nohup true",
    "setsid -w true",
    "stdbuf -oL echo hi",
    "stdbuf -o L echo hi",
    "env timeout 5 nice true",
    "find . -name x",
    "find . -type f -print",
]

DENIED = [
    ("env rm -rf x", "EG-POLICY-DENIED"),
    ("env LANG=C rm x", "EG-POLICY-DENIED"),
    ("timeout 5 rm x", "EG-POLICY-DENIED"),
    ("nice -n 1 rm x", "EG-POLICY-DENIED"),
    ("nohup rm x", "EG-POLICY-DENIED"),
    ("setsid rm x", "EG-POLICY-DENIED"),
    ("stdbuf -o0 rm x", "EG-POLICY-DENIED"),
    ("env timeout 5 nice -n 1 nohup rm x", "EG-POLICY-DENIED"),
    ("env cat /etc/shadow", "EG-POLICY-NOT-ALLOWED"),
    ("timeout 5 sh", "EG-POLICY-NOT-ALLOWED"),
    ("env LD_PRELOAD=/tmp/x.so echo hi", "EG-ENV-DENIED"),
    ("env PATH=/tmp echo hi", "EG-ENV-DENIED"),
    ("env BASH_ENV=/tmp/x true", "EG-ENV-DENIED"),
    # deny by default: a wrapper may set only what env.allow names, in any case
    ("env FOO=1 echo hi", "EG-ENV-DENIED"),
    ("env GNUMAKEFLAGS=--eval=x echo hi", "EG-ENV-DENIED"),
    ("env Npm_Config_Script_Shell=/tmp/x.sh echo hi", "EG-ENV-DENIED"),
    ("env PYENV_HOOK_PATH=/tmp echo hi", "EG-ENV-DENIED"),
    ("env TAPE=/outside.tar echo hi", "EG-ENV-DENIED"),
    ("env SSLKEYLOGFILE=/outside echo hi", "EG-ENV-DENIED"),
    ("env ld_preload=/tmp/x.so echo hi", "EG-ENV-DENIED"),
    ("timeout 5 env HOME=/tmp echo hi", "EG-ENV-DENIED"),
    ("env LANG=C env TMPDIR=/outside echo hi", "EG-ENV-DENIED"),
    ("env LANG=../../ws/x echo hi", "EG-ENV-DENIED"),
    ("env TZ=/ws/zone echo hi", "EG-ENV-DENIED"),
    ("env TZ=:../../ws/zone echo hi", "EG-ENV-DENIED"),
    ("env TERM=../ws/t echo hi", "EG-ENV-DENIED"),
    ("env -i echo hi", "EG-POLICY-WRAPPER"),
    ("env -C /tmp echo hi", "EG-POLICY-WRAPPER"),
    ("env -S 'rm x'", "EG-POLICY-WRAPPER"),
    ("env --split-string=rm true", "EG-POLICY-WRAPPER"),
    ("timeout --bogus 5 true", "EG-POLICY-WRAPPER"),
    ("timeout rm x", "EG-POLICY-WRAPPER"),
    ("timeout 5", "EG-POLICY-WRAPPER"),
    ("nohup", "EG-POLICY-WRAPPER"),
    ("xargs echo", "EG-POLICY-WRAPPER"),
    ("xargs", "EG-POLICY-WRAPPER"),
    ("find . -exec rm x ;", "EG-POLICY-WRAPPER"),
    ("find . -exec rm x '+'", "EG-POLICY-WRAPPER"),
    ("find . -execdir true '+'", "EG-POLICY-WRAPPER"),
    ("find . -delete", "EG-POLICY-DENIED"),
    ("find . -fprint out", "EG-POLICY-WRAPPER"),
    ("find . -ok rm '{}' '+'", "EG-POLICY-WRAPPER"),
    ("env env env env env true", "EG-POLICY-WRAPPER"),
    ("env /usr/bin/rm x", "EG-POLICY-DENIED"),
    ("env ./rm x", "EG-PROGRAM-NOT-FOUND"),
]


@pytest.mark.parametrize("line", ALLOWED)
def test_wrapped_allowed_commands_pass(policy: Policy, line: str) -> None:
    assert decide(policy, line)[0], line


@pytest.mark.parametrize(("line", "code"), DENIED)
def test_wrappers_cannot_smuggle_commands(policy: Policy, line: str, code: str) -> None:
    allowed, got, rule = decide(policy, line)
    assert not allowed and got == code, (line, got, rule)


def test_inner_refusal_names_the_wrapper(policy: Policy) -> None:
    v = evaluate(policy, ExecRequest(argv=["env", "timeout", "5", "rm", "x"]), dict(os.environ))
    assert v.decision.rule == "deny[0] 'rm' (inside timeout) (inside env)"
    assert v.decision.reason.startswith("inside env: inside timeout:")
