"""The policy file loader (strict) and the pure engine's decisions."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from conftest import PYTHON
from hypothesis import given, settings
from hypothesis import strategies as st

from execgate import ExecRequest, PolicyInvalid, default_policy, load_policy
from execgate.policy import evaluate


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "p.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("version = 1\nbogus = 1\n", "bogus"),
        ('[limits]\ntimeout = "10"\n', "$.limits.timeout"),
        ("[limits]\ntimeout = true\n", "$.limits.timeout"),
        ("[limits]\nmax_output_bytes = 1.9\n", "$.limits.max_output_bytes"),
        ("[limits]\ntimeout = -1\n", "timeout"),
        ("[limits]\ntimeout = 20\n", "maximum"),
        ('[[allow]]\ncommand = "ls"\nflags = []\n', "flags"),
        ("[[allow]]\ncommand = 1\n", "$.allow[0].command"),
        ('[[allow]]\ncommand = "  "\n', "$.allow[0].command"),
        ('[env]\ninherit = "PATH"\n', "$.env.inherit"),
        ('[env]\nallow = "LANG"\n', "$.env.allow"),
        ('[env]\nallow = ["A=B"]\n', "$.env.allow[0]"),
        ('[env]\nallow_list = ["LANG"]\n', "allow_list"),
        ('[workspace]\nroot = "does/not/exist"\n', "$.workspace.root"),
        ("version = 2\n", "version"),
        ("not toml [", "TOML"),
    ],
)
def test_invalid_policies_are_refused_with_a_key_path(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(PolicyInvalid) as exc:
        load_policy(write(tmp_path, text))
    assert exc.value.code == "EG-POLICY-INVALID"
    assert problem in str(exc.value)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(PolicyInvalid) as exc:
        load_policy(write(tmp_path, '[limits]\ntimeout = "x"\nkill_grace = "y"\n'))
    assert len(exc.value.problems) == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyInvalid):
        load_policy(tmp_path / "nope.toml")


def test_workspace_root_is_relative_to_the_policy_file(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    p = load_policy(write(tmp_path, '[workspace]\nroot = "ws"\n'))
    assert p.root == str((tmp_path / "ws").resolve())


def test_default_policy_is_read_only(tmp_path: Path) -> None:
    p = default_policy(tmp_path)
    env = dict(os.environ)
    allowed = [["ls", "-la"], ["cat", "f"], ["git", "status"], ["git", "log", "-1"], ["wc", "-l"]]
    for argv in allowed:
        assert evaluate(p, ExecRequest(argv=argv), env).decision.allowed, argv
    denied = [
        ["rm", "x"], ["git", "push"], ["git", "-c", "core.pager=sh", "log"], ["sh", "-c", "rm x"],
        ["sh", "script.sh"],
        ["git", "log", "--output=/tmp/x"], ["git", "diff", "--ext-diff"], [PYTHON, "-c", "1"],
        ["tee", "x"], ["cp", "a", "b"],
    ]  # fmt: skip
    for argv in denied:
        assert not evaluate(p, ExecRequest(argv=argv), env).decision.allowed, argv


def test_workspace_path_entries_cannot_shadow_programs(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ls"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    p = default_policy(tmp_path)
    env = {"PATH": f"{bin_dir}:.:/usr/bin:/bin"}
    v = evaluate(p, ExecRequest(argv=["ls"]), env)
    assert v.decision.allowed and v.plan is not None
    assert v.plan.argv[0] != str(fake)
    assert str(bin_dir) not in v.plan.env["PATH"] and "." not in v.plan.env["PATH"].split(":")


def test_request_limits_default_and_lower(tmp_path: Path) -> None:
    p = default_policy(tmp_path)
    v = evaluate(p, ExecRequest(argv=["ls"], timeout=2, max_output_bytes=10), os.environ)
    assert v.plan is not None
    assert (v.plan.limits.timeout, v.plan.limits.max_output_bytes) == (2, 10)
    assert v.plan.limits.kill_grace == p.limits.kill_grace


def test_program_named_by_path_runs_the_file_decided_on(tmp_path: Path) -> None:
    (tmp_path / "myls").symlink_to("/usr/bin/ls")
    p = default_policy(tmp_path)
    v = evaluate(p, ExecRequest(argv=["./myls"]), dict(os.environ))
    assert v.decision.allowed and v.plan is not None
    # not the symlink, which the job could re-point between decision and exec
    assert v.plan.argv[0] == os.path.realpath("/usr/bin/ls")


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["cat", "f.txt"], None),
        (["head", "-n", "5", "f.txt"], None),
        (["grep", "-rn", "TODO", "."], None),
        (["cat", "/dev/null"], None),
        (["git", "log", "-1", "--format=%H"], None),
        (["ls", "-la"], None),
        (["cat", "/etc/passwd"], "EG-PATH-ESCAPE"),
        (["cat", "../outside.txt"], "EG-PATH-ESCAPE"),
        (["ls", "/"], "EG-PATH-ESCAPE"),
        (["grep", "-r", "secret", ".."], "EG-PATH-ESCAPE"),
        (["cat", "link-out/x"], "EG-PATH-ESCAPE"),
        (["cat", "/proc/self/environ"], "EG-PATH-ESCAPE"),
        (["tail", "-f", "/var/log/syslog"], "EG-PATH-ESCAPE"),
        (["grep", "--file=/etc/shadow", "x"], "EG-PATH-ESCAPE"),
        (["grep", "-f/etc/shadow", "x"], "EG-PATH-ESCAPE"),
        (["git", "log", "--", "../elsewhere"], "EG-PATH-ESCAPE"),
        (["git", "diff", "--no-index", "/etc/passwd", "x"], "EG-PATH-ESCAPE"),
        (["echo", "/etc/passwd"], None),  # echo's arguments are text, not paths
        # the readers an agent explores with, and the writes and runs hidden in them
        (["nl", "-ba", "f.txt"], None),
        (["sed", "-n", "1,5p", "f.txt"], None),
        (["find", ".", "-name", "*.txt", "-type", "f"], None),
        (["sort", "f.txt"], None),
        (["git", "show", "HEAD"], None),
        (["sed", "-i", "s/x/y/", "f.txt"], "EG-POLICY-FLAG"),
        (["sed", "-n", "1w copy", "f.txt"], "EG-POLICY-FLAG"),
        (["find", ".", "-delete"], "EG-POLICY-NOT-ALLOWED"),
        (["find", ".", "-exec", "rm", "{}", ";"], "EG-POLICY-NOT-ALLOWED"),
        (["sort", "-o", "f.txt", "f.txt"], "EG-POLICY-FLAG"),
        (["awk", '{ print > "copy" }', "f.txt"], "EG-POLICY-FLAG"),
        (["git", "commit", "-m", "x"], "EG-POLICY-FLAG"),
        (["git", "stash"], "EG-POLICY-FLAG"),
        (["uniq", "f.txt", "copy"], "EG-POLICY-NOT-ALLOWED"),
        (["cp", "f.txt", "copy"], "EG-POLICY-NOT-ALLOWED"),
    ],
)
def test_default_policy_keeps_readers_inside_the_workspace(
    tmp_path: Path, argv: list[str], code: str | None
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "f.txt").write_text("x")
    (tmp_path / "out").mkdir()
    (ws / "link-out").symlink_to(tmp_path / "out")
    v = evaluate(default_policy(ws), ExecRequest(argv=argv), dict(os.environ))
    assert (v.decision.allowed, None if v.decision.allowed else v.decision.code) == (
        code is None,
        code,
    ), v.decision


@pytest.mark.parametrize(
    "name",
    ["\uff4c\uff53", "l\u0455", "l\u200bs", "ls\u200d", "\u202els", "l\ts", "ls\u00a0", "\u2113s"],
)
def test_lookalike_program_names_are_refused(tmp_path: Path, name: str) -> None:
    v = evaluate(default_policy(tmp_path), ExecRequest(argv=[name]), dict(os.environ))
    assert not v.decision.allowed and v.decision.code == "EG-POLICY-LOOKALIKE"
    assert "look" in v.decision.reason or "characters" in v.decision.reason


_ANY_LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=300, deadline=None)
@given(_ANY_LINE)
def test_engine_never_raises_on_any_command_line(line: str) -> None:
    from execgate import RequestError

    try:
        request = ExecRequest(command=line)
    except RequestError:
        return  # blank or NUL: refused before the engine
    policy = default_policy(Path("/tmp"))
    v = evaluate(policy, request, {"PATH": "/usr/bin:/bin"})
    assert v.decision.verdict in ("allow", "deny") and v.decision.code.startswith("EG-")
    assert v.decision.allowed == (v.plan is not None)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "ls",
                "cat",
                "git",
                "grep",
                "echo",
                "rm",
                "env",
                "/bin/true",
                "./x",
                "-la",
                "status",
                "log",
                "..",
                "/etc/passwd",
                "a b",
            ]
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["ls", "cat", "git status", "echo", "grep"]),
)
def test_adding_a_deny_rule_never_allows_more(argv: list[str], denied: str) -> None:
    import attrs

    from execgate.policy import DenyRule

    base = default_policy(Path("/tmp"))
    stricter = attrs.evolve(base, deny=(*base.deny, DenyRule(command=denied)))
    env = {"PATH": "/usr/bin:/bin"}
    before = evaluate(base, ExecRequest(argv=argv), env).decision.allowed
    after = evaluate(stricter, ExecRequest(argv=argv), env).decision.allowed
    assert not (after and not before)


def test_json_schema_agrees_with_the_loader(tmp_path: Path) -> None:
    import tomllib
    from importlib import resources

    import jsonschema

    from execgate.policy import parse_policy, policy_schema

    schema = policy_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    default = tomllib.loads(resources.files("execgate.policy").joinpath("default.toml").read_text())
    assert not list(validator.iter_errors(default))
    env = schema["properties"]["env"]["properties"]
    assert "LANG" in env["allow"]["default"] and "GNUMAKEFLAGS" not in env["allow"]["default"]
    assert env["inherit"]["default"][:2] == ["PATH", "HOME"]
    for bad in (
        {"bogus": 1},
        {"limits": {"timeout": "10"}},
        {"limits": {"timeout": True}},
        {"allow": [{"command": "ls", "flags": []}]},
        {"allow": [{}]},
        {"recorder": {"level": "everything"}},
        {"workspace": {"root": 3}},
        {"env": {"allow": "LANG"}},
        {"env": {"include_only": ["LANG"]}},
    ):
        assert list(validator.iter_errors(bad)), bad  # the schema refuses it ...
        with pytest.raises(PolicyInvalid):  # ... and so does the loader
            parse_policy(bad, base_dir=tmp_path, source="bad")


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["git", "log", "--outp=/tmp/x"], False),
        (["git", "log", "--ou", "x"], False),
        (["git", "log", "--ext-d"], False),
        (["git", "log", "--oneline"], True),  # not an abbreviation of a denied option
        (["git", "log", "--o"], False),  # ambiguous to git, but getopt could read it so
    ],
)
def test_denied_long_options_are_denied_in_every_abbreviation(
    tmp_path: Path, argv: list[str], allowed: bool
) -> None:
    v = evaluate(default_policy(tmp_path), ExecRequest(argv=argv), dict(os.environ))
    assert v.decision.allowed is allowed, v.decision


# --- resolving paths -------------------------------------------------------------------------

_TREE_WORDS = ["a", "b", "loop", "up", "abs", "dangling", "file", "fifo", "..", ".", "missing", ""]


@pytest.fixture(scope="module")
def link_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directories, a file, a FIFO and every kind of symlink a path check meets: relative,
    absolute, chained, dangling, a loop, one climbing out with ``..``."""
    root = tmp_path_factory.mktemp("links")
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "file").write_text("x")
    os.mkfifo(root / "a" / "fifo")
    (root / "a" / "up").symlink_to("..")
    (root / "a" / "b" / "up").symlink_to("../..")
    (root / "a" / "abs").symlink_to(root / "a" / "b")
    (root / "a" / "b" / "abs").symlink_to("/etc")
    (root / "a" / "dangling").symlink_to("nowhere/at/all")
    (root / "a" / "loop").symlink_to("loop")
    (root / "a" / "b" / "file").symlink_to("../file")
    return root


@pytest.mark.slow
def test_the_policy_resolves_paths_exactly_as_realpath_does(link_tree: Path) -> None:
    """The engine resolves existing paths through the kernel (``O_PATH`` and its
    ``/proc/self/fd`` link) for speed: for every path of up to four words over the tree --
    through symlinks relative and absolute, ``..`` after a symlink, a loop, a dangling link,
    a FIFO (never opened), a file with a trailing slash -- the answer must be
    ``os.path.realpath``'s, or a cwd or path check could be steered by the choice of
    resolver. (Every combination, not a sample: the cases that differ are few and exact.)"""
    from execgate.policy._engine import _real

    checked = 0
    for length in range(5):
        for words in itertools.product(_TREE_WORDS, repeat=length):
            for slash in ("", "/"):
                path = os.path.join(str(link_tree), *words) + slash
                assert _real(path) == os.path.realpath(path), path
                checked += 1
    assert checked > 40_000


def test_a_remembered_path_lookup_is_decided_on_afresh(tmp_path: Path) -> None:
    """A bare name's PATH lookup is remembered for a moment (a walk of PATH is most of a
    decision's cost), but what it found is decided on anew every time: re-pointing it is seen
    at once, removing it makes the lookup run again, and a program planted earlier on PATH is
    seen once the moment has passed -- meanwhile the plan runs the very file decided on."""
    from execgate.policy import Resolver

    now = [0.0]
    resolver = Resolver(ttl=2.0, clock=lambda: now[0])

    ws, first, second = tmp_path / "ws", tmp_path / "first", tmp_path / "second"
    for d in (ws, first, second):
        d.mkdir()
    policy = load_policy(
        write(tmp_path, f'[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "/bin/true"\n')
    )
    env = {"PATH": f"{first}:{second}"}

    def decide() -> tuple[str, str | None]:
        v = evaluate(policy, ExecRequest(argv=["tool"]), env, resolver)
        return v.decision.code, v.plan.argv[0] if v.plan else None

    tool = second / "tool"
    tool.symlink_to("/bin/true")
    assert decide() == ("EG-ALLOWED", str(tool))
    tool.unlink()
    tool.symlink_to("/bin/rm")  # re-pointed: denied at once, remembered or not
    assert decide()[0] == "EG-POLICY-NOT-ALLOWED"
    tool.unlink()
    tool.symlink_to("/bin/true")
    planted = first / "tool"
    planted.symlink_to("/bin/rm")
    assert decide() == ("EG-ALLOWED", str(tool))  # still the file the decision was made on
    now[0] += 2.0
    assert decide()[0] == "EG-POLICY-NOT-ALLOWED"  # the moment passed: the planted one
    planted.unlink()
    assert decide() == ("EG-ALLOWED", str(tool))
    tool.unlink()
    assert decide()[0] == "EG-PROGRAM-NOT-FOUND"  # gone: looked up again, not run stale


def test_a_decision_without_a_resolver_remembers_nothing(tmp_path: Path) -> None:
    """``evaluate`` called without a resolver looks everything up afresh: a program planted
    earlier on PATH is seen by the very next decision."""
    ws, first, second = tmp_path / "ws", tmp_path / "first", tmp_path / "second"
    for d in (ws, first, second):
        d.mkdir()
    policy = load_policy(
        write(tmp_path, f'[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "/bin/true"\n')
    )
    env = {"PATH": f"{first}:{second}"}
    (second / "tool").symlink_to("/bin/true")
    assert evaluate(policy, ExecRequest(argv=["tool"]), env).decision.allowed
    (first / "tool").symlink_to("/bin/rm")
    v = evaluate(policy, ExecRequest(argv=["tool"]), env)
    assert v.decision.code == "EG-POLICY-NOT-ALLOWED"


@pytest.mark.parametrize(
    ("head", "words"),
    [
        (b"#!/bin/bash\necho\n", ("/bin/bash",)),
        (b"#! /bin/sh -e \n", ("/bin/sh", "-e")),
        (b"#!/usr/bin/env python3 -u -W x\n", ("/usr/bin/env", "python3 -u -W x")),
        (b"#!\t/bin/bash\t-x\n", ("/bin/bash", "-x")),
        (b"#!bash\n", None),  # the kernel looks a relative interpreter up from the cwd
        (b"#!/bin/bash\r\n", None),  # the kernel would run "/bin/bash\r"
        (b"#!/bin/bash " + b"x" * 300 + b"\n", None),  # cut at BINPRM_BUF_SIZE by the kernel
        (b"#!/bin/bash", None),
        (b"\x7fELF\x02\x01", None),
        (b"#!/bin/b\xc3\xa9sh\n", None),
        (b"echo hi\n", None),
    ],
)
def test_a_scripts_interpreter_line_is_read_as_the_kernel_reads_it(
    head: bytes, words: tuple[str, ...] | None
) -> None:
    from execgate.policy._shells import read_shebang

    assert read_shebang(head) == words


def test_python_m_module_is_a_name_not_a_path(tmp_path: Path) -> None:
    """After a command that can move symlinks (git stash), a later command's paths were
    decided too early and refuse; ``python -m pytest``'s module is no path, so the refusal
    names the test file that is one, and a word after the script stays the script's."""
    ws = tmp_path / "ws"
    (ws / "t").mkdir(parents=True)
    (ws / "t" / "test_a.py").write_text("")
    (ws / "x.py").write_text("")
    policy = load_policy(
        write(
            tmp_path,
            f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\noperators = true\n'
            '[[allow]]\ncommand = "git stash"\n[[allow]]\ncommand = "python3"\n'
            '[[allow]]\ncommand = "python3 -m mymod"\nargs = "any"\n',
        )
    )
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    v = evaluate(policy, ExecRequest(command="git stash && python3 -m mymod t/test_a.py"), env)
    assert not v.decision.allowed
    assert "'t/test_a.py'" in v.decision.reason and "'mymod'" not in v.decision.reason
    v = evaluate(policy, ExecRequest(command="git stash && python3 -m mymod -q"), env)
    assert v.decision.allowed, v.decision.reason
    v = evaluate(policy, ExecRequest(argv=["python3", "x.py", "-m", "/etc/passwd"]), env)
    assert v.decision.code == "EG-PATH-ESCAPE"


def test_a_resolver_shared_across_policies_decides_each_by_its_own_rules(tmp_path: Path) -> None:
    """The rules found for a program are remembered per policy object: a reloaded policy
    (a new object, perhaps at the old one's address) is decided by its own rules."""
    from execgate.policy import Resolver, load_policy

    resolver = Resolver()
    (tmp_path / "f.txt").write_text("x")
    for allow in ("cat", "head", "cat"):
        path = tmp_path / "p.toml"
        path.write_text(
            f'version = 1\n[workspace]\nroot = "{tmp_path}"\n[[allow]]\ncommand = "{allow}"\n'
        )
        policy = load_policy(path)
        for program in ("cat", "head"):
            v = evaluate(policy, ExecRequest(argv=[program, "f.txt"]), dict(os.environ), resolver)
            assert v.decision.allowed == (program == allow), (allow, program)
        del policy
