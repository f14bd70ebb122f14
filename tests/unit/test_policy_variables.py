"""Shell variables whose value the gate knows when it decides: a literal the line assigns
(``X="abc"; echo "$X"``), ``$(pwd)`` (the directory the command runs in) and
``$(date +FORMAT)`` (formatted at decision time). The plan names the literal words bash would
make, split and globbed as bash splits and globs them; everything else stays refused."""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, _engine, evaluate

ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
POLICY = """
version = 1
[workspace]
root = "{root}"
[shell]
operators = true
write_redirects = true
[[allow]]
command = "echo"
[[allow]]
command = "ls"
[[allow]]
command = "cat"
[[allow]]
command = "touch"
[[allow]]
command = "python3"
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "sub").mkdir(parents=True)
    for name in ("a.py", "b.py", "c.txt"):
        (root / name).write_text("")
    return root


@pytest.fixture
def policy(ws: Path) -> Policy:
    path = ws.parent / "p.toml"
    path.write_text(POLICY.format(root=ws))
    return load_policy(path)


def decide(policy: Policy, line: str, **request: object) -> _engine.Verdict:
    return evaluate(policy, ExecRequest(command=line, **request), ENV)  # type: ignore[arg-type]


def words(policy: Policy, line: str) -> tuple[str, ...]:
    """The words the plan runs, program first by its name (a one-command line is run as an
    argv; several are a canonical script)."""
    v = decide(policy, line)
    assert v.decision.allowed, v.decision.reason
    assert v.plan is not None
    return (os.path.basename(v.plan.argv[0]), *v.plan.argv[1:])


def test_a_literal_the_line_assigns_stands_for_its_variable(policy: Policy) -> None:
    assert words(policy, 'SESSION_ID="abc-123"\necho "$SESSION_ID"') == ("echo", "abc-123")
    assert words(policy, "SESSION_ID=abc; echo id=${SESSION_ID}.") == ("echo", "id=abc.")
    assert words(policy, "X=1 && echo $X") == ("echo", "1")


def test_unquoted_it_splits_and_globs_quoted_it_is_one_word(policy: Policy) -> None:
    assert words(policy, 'F="a.py  c.txt"; cat $F') == ("cat", "a.py", "c.txt")
    assert words(policy, 'F="a.py  c.txt"; echo "$F"') == ("echo", "a.py  c.txt")
    assert words(policy, 'P="*.py"; ls $P') == ("ls", "a.py", "b.py")
    assert words(policy, 'P="*.py"; echo "$P"') == ("echo", "*.py")
    assert words(policy, "P='[ab].py'; ls $P") == ("ls", "a.py", "b.py")
    # empty: unquoted it is no word at all, quoted an empty word
    assert words(policy, 'E=""; echo x $E "$E"') == ("echo", "x", "")


def test_a_value_is_never_read_as_shell_text(policy: Policy) -> None:
    v = decide(policy, "X='a; touch pwned $(id) `id`'; echo \"$X\" && echo $X")
    assert v.decision.allowed and v.plan is not None
    first, _, second = v.plan.argv[2].partition(" && ")
    # bash's words, each quoted in the plan: no command runs from a value
    assert shlex.split(first)[1:] == ["a; touch pwned $(id) `id`"]
    assert shlex.split(second)[1:] == ["a;", "touch", "pwned", "$(id)", "`id`"]


def test_pwd_is_the_directory_the_command_runs_in(policy: Policy, ws: Path) -> None:
    real = os.path.realpath(ws)
    assert words(policy, 'echo "$(pwd)/x"') == ("echo", f"{real}/x")
    v = decide(policy, 'cd sub && echo "$(pwd)"')
    assert v.decision.allowed and v.plan is not None
    assert f"{real}/sub" in v.plan.argv[-1]


def test_date_is_formatted_when_the_gate_decides(
    policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
    monkeypatch.setattr(_engine, "clock", lambda: moment)
    assert words(policy, "echo log-$(date -u +%Y%m%d-%H%M%S).txt") == (
        "echo",
        "log-20231114-221320.txt",
    )
    assert words(policy, 'echo "$(date +%s)"') == ("echo", "1700000000")
    local = time.strftime("%Y-%m-%d", time.localtime(moment))
    assert words(policy, "echo $(date +%Y-%m-%d)") == ("echo", local)


@pytest.mark.parametrize(
    "line",
    [
        "echo $X",  # unset: nothing to stand for it
        "echo $HOME",  # the job's environment is not the line's to read here
        "echo $$ $1 $@",
        "a=1; echo ${a:-x}",  # only plain ${NAME}
        "false && X=1; echo $X",  # may not have run
        "true || X=1; echo $X",
        "X=1 || echo $X",
        "X=1 | cat; echo $X",  # a pipeline's assignment sets nothing
        "X=$(cat c.txt); echo $X",  # not a literal
        "Y=1; X=$Y; echo $X",
        'X="*"; Y=$X; echo $Y',
        "X=a:~/b; echo $X",  # bash expands this tilde
        "IFS=.; echo a.b",  # the shell's own variables
        "PATH=/tmp; ls",
        "BASH_ENV=x; ls",
        "LC_ALL=C; ls",
        "readonly X=1; echo $X",
        "declare X=1; echo $X",
        "X=1 Y=2; echo $X",
        "\u00e9=1; echo $\u00e9",  # not a name to bash: this is a command
        "X=1",  # runs nothing
        "X=1; $X",  # a computed program name
        "X=c.txt; cat < $X",  # redirection targets stay literal
        "X=1; echo `echo $X`",
        "echo $(date)",  # no format: the locale decides
        "echo $(date -r /etc/passwd +%s)",  # reads a file
        "echo $(date -f dates.txt +%s)",
        "echo $(date -d @0 +%s)",
        "echo $(date +%A)",  # day names follow the locale
        "echo $(date +%N)",
        "echo $(date '+%Y %m')",  # unquoted, bash would split it
        "echo $(pwd -P)",
        "echo $(cat c.txt)",
        "echo $(pwd; id)",
        "X=1; echo {a,b}$X",  # braces expand before variables
        'X="a\\\\*"; echo $X',  # a backslash in an unquoted value is a glob escape
        "TZ=UTC echo $(date +%H)",
    ],
)
def test_what_the_gate_cannot_know_still_refuses(policy: Policy, line: str) -> None:
    v = decide(policy, line)
    assert not v.decision.allowed, (line, v.plan)


def test_a_path_a_variable_names_is_confined_like_any_other(policy: Policy) -> None:
    assert decide(policy, "D=/etc; cat $D/passwd").decision.code == "EG-PATH-ESCAPE"
    assert decide(policy, 'D=/etc; cat "$D/passwd"').decision.code == "EG-PATH-ESCAPE"
    assert decide(policy, 'P="/etc/*"; ls $P').decision.code == "EG-PATH-ESCAPE"
    assert decide(policy, 'P="../*"; ls $P').decision.code == "EG-PATH-ESCAPE"


def test_an_exported_literal_is_decided_by_the_env_rules(policy: Policy) -> None:
    v = decide(policy, "export CI=true; python3 a.py")
    assert v.decision.allowed and v.plan is not None
    assert v.plan.env.get("CI") == "true" or "CI=true" in " ".join(v.plan.argv)
    for line in (
        "export LD_PRELOAD=/tmp/x.so; python3 a.py",
        "export PYTHONPATH=.; python3 a.py",
        "export NODE_OPTIONS=--require=x; python3 a.py",
        "export GIT_SSH_COMMAND=x; python3 a.py",
        "export CI=1; X=2; export LD_PRELOAD=x && python3 a.py",
    ):
        assert decide(policy, line).decision.code == "EG-ENV-DENIED", line


def test_an_assignment_to_a_name_the_job_has_is_not_silently_dropped(policy: Policy) -> None:
    # bash passes the new value of an inherited variable to every later program
    v = decide(policy, "CI=0; python3 a.py", env_overrides={"CI": "1"})
    assert not v.decision.allowed
    assert "CI" in v.decision.reason


def test_reserved_characters_never_come_from_a_request(policy: Policy) -> None:
    for c in ("\ue001", "\ue002"):
        v = decide(policy, f"echo '{c}P{c}'")
        assert not v.decision.allowed and "reserves" in v.decision.reason


def test_cd_takes_a_known_value_and_is_confined(policy: Policy, ws: Path) -> None:
    v = decide(policy, 'cd "$(pwd)/sub" && ls')
    assert v.decision.allowed and v.plan is not None
    assert v.plan.cwd == os.path.realpath(ws / "sub")
    v = decide(policy, "D=sub; cd $D && ls")
    assert v.decision.allowed and v.plan is not None
    assert v.plan.cwd == os.path.realpath(ws / "sub")
    assert decide(policy, "D=..; cd $D && ls").decision.code == "EG-CWD-ESCAPE"
    assert decide(policy, 'cd "$(pwd)/.." && ls').decision.code == "EG-CWD-ESCAPE"
    assert not decide(policy, "cd s* && ls").decision.allowed  # bash would glob it


DIFFERENTIAL = [
    'X="a b"; printf "<%s>" $X "$X" pre${X}post "x$X"y',
    'X="  lead trail  "; printf "<%s>" $X "$X" a$X b',
    'X=""; printf "<%s>" $X "$X" x$X ""',
    'P="*.py"; printf "<%s>" $P "$P" ./$P',
    "P='[ab].py'; printf '<%s>' $P",
    "P='*.nomatch'; printf '<%s>' $P",
    "X='a;b|c&d $(id) `id`'; printf '<%s>' $X \"$X\"",
    "X='$HOME'; printf '<%s>' $X \"$X\"",
    "X='\"q\"'; printf '<%s>' $X \"$X\"",
    "X=1; X=2 && printf '<%s>' ${X}.txt",
    'printf "<%s>" "$(pwd)" $(pwd)/x',
    'cd sub && printf "<%s>" "$(pwd)"',
]


@pytest.mark.skipif(not os.path.exists("/bin/bash"), reason="needs bash")
@pytest.mark.parametrize("line", DIFFERENTIAL)
def test_the_plan_prints_what_bash_prints(ws: Path, line: str) -> None:
    """Run the line by bash and the plan the gate decided: the same words reach printf."""
    import subprocess

    path = ws.parent / "printf.toml"
    path.write_text(POLICY.format(root=ws) + '[[allow]]\ncommand = "printf"\n')
    v = evaluate(load_policy(path), ExecRequest(command=line), ENV)
    assert v.decision.allowed and v.plan is not None, v.decision.reason
    bash = subprocess.run(["/bin/bash", "-c", line], cwd=ws, capture_output=True, text=True)
    gate = subprocess.run(list(v.plan.argv), cwd=v.plan.cwd, capture_output=True, text=True)
    assert gate.stdout == bash.stdout


def test_a_policy_of_single_commands_takes_no_assignment_statements(ws: Path) -> None:
    path = ws.parent / "single.toml"
    path.write_text(POLICY.format(root=ws).replace("operators = true", "operators = false"))
    single = load_policy(path)
    assert decide(single, 'echo "$(pwd)"').decision.allowed
    assert decide(single, "X=1; echo $X").decision.code == "EG-SHELL-UNSUPPORTED"
    assert decide(single, "export CI=1; echo a").decision.code == "EG-SHELL-UNSUPPORTED"
