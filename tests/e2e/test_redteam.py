"""An attacker who writes the agent's command lines: each case is one way around the gate.

Two policies, as an outside review wrote them: ``ro`` allows ls, cat, bash and sh (confined to
the workspace), echo, env and timeout, with no write redirects; ``dev`` allows a development
tool set with write redirects. Decisions are checked with the pure engine; the cases that
matter most also run through a real Gate, and the test looks at what the job really did.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from execgate import ExecRequest, Gate, Refused, load_policy
from execgate.policy import Policy, evaluate
from execgate.policy._symlinks import follow_refusal

RO = """
version = 1
[workspace]
root = "{root}"
[shell]
write_redirects = false
[[allow]]
command = "ls"
paths = "workspace"
[[allow]]
command = "cat"
paths = "workspace"
[[allow]]
command = "bash"
paths = "workspace"
[[allow]]
command = "sh"
paths = "workspace"
[[allow]]
command = "echo"
[[allow]]
command = "env"
[[allow]]
command = "timeout"
[[allow]]
command = "nice"
[[allow]]
command = "nohup"
[[allow]]
command = "stdbuf"
"""

DEV_PROGRAMS = ["python3", "git", "make", "npm", "node", "sed", "awk", "grep", "find", "tar"]
DEV_PROGRAMS += ["curl", "ls", "cat", "ln"]
DEV = """
version = 1
[workspace]
root = "{root}"
[shell]
write_redirects = true
[[allow]]
command = "pip install"
[[allow]]
command = "echo"
[[allow]]
command = "env"
[[allow]]
command = "timeout"
""" + "".join(
    f'[[allow]]\ncommand = "{p}"\npaths = "workspace"\n' for p in DEV_PROGRAMS if p != "pytest"
)


def _load(tmp_path: Path, text: str, name: str) -> Policy:
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    (ws / "a.txt").write_text("A-CONTENT\n")
    path = tmp_path / f"{name}.toml"
    path.write_text(text.format(root=ws))
    return load_policy(path)


@pytest.fixture
def ro(tmp_path: Path) -> Policy:
    return _load(tmp_path, RO, "ro")


@pytest.fixture
def dev(tmp_path: Path) -> Policy:
    return _load(tmp_path, DEV, "dev")


def decide(policy: Policy, **request: object) -> tuple[str, str, tuple[str, ...] | None]:
    v = evaluate(policy, ExecRequest(**request), dict(os.environ))  # type: ignore[arg-type]
    return v.decision.verdict, v.decision.code, v.plan.argv if v.plan else None


# --- 1. a `+` option ends nothing: the shell's options are read by a table ----------------

PLUS_OPTIONS = [
    "bash +x -c 'cat /etc/hostname; id'",
    "sh +e -c 'cat /etc/shadow'",
    "bash +o posix -c id",
    "bash -l +x -c id",
    "timeout 5 bash +x -c id",
    "env bash +e -c id",
    "bash +O extglob -c id",
    "bash + -c id",
    "bash -x +v -c 'id'",
    "bash -o errexit +o xtrace -c id",
    "nice bash +x -c id",
    "bash -c \"bash +x -c 'id'\"",
    "echo x; bash +x -c id",
]


@pytest.mark.parametrize("line", PLUS_OPTIONS)
def test_a_plus_option_does_not_hide_the_shells_line(ro: Policy, line: str) -> None:
    verdict, code, _ = decide(ro, command=line)
    assert verdict == "deny", (line, code)


def test_the_shells_options_decide_where_the_line_is(ro: Policy) -> None:
    # bash reads the first operand after every option as the line, wherever -c stood
    assert decide(ro, argv=["bash", "-c", "-e", "id"])[0] == "deny"
    assert decide(ro, argv=["bash", "-ce", "cat a.txt"])[0] == "allow"
    assert decide(ro, argv=["bash", "-c", "--", "id"])[0] == "deny"


# --- 2 and 10. what runs is the plan that was decided, behind wrappers and inside lists ------

SMUGGLE_HEREDOC = "cat <<E'O'F\nx\nEOF\ncat /etc/hostname\nE'O'F"


def test_a_quoted_heredoc_delimiter_ends_where_bash_ends_it(ro: Policy) -> None:
    # bash removes the quotes: the body ends at the line "EOF", and `cat /etc/hostname` follows
    for argv in (["bash", "-c", SMUGGLE_HEREDOC], ["env", "bash", "-c", SMUGGLE_HEREDOC]):
        assert decide(ro, argv=argv)[0] == "deny", argv
    assert decide(ro, command=SMUGGLE_HEREDOC)[0] == "deny"
    fine = "cat <<E'O'F\n$HOME `id` E'O'F\nEOF"
    verdict, _, plan = decide(ro, command=fine)
    assert verdict == "allow" and plan is not None and plan[1:] == ()


@pytest.mark.parametrize(
    "wrapper", [["env"], ["timeout", "5"], ["nice"], ["nohup"], ["stdbuf", "-oL"]]
)
def test_a_shell_behind_a_wrapper_runs_the_decided_plan(ro: Policy, wrapper: list[str]) -> None:
    verdict, _, plan = decide(ro, argv=[*wrapper, "bash", "-c", "cat a.txt && ls"])
    assert verdict == "allow" and plan is not None
    # the shell is gone: the wrapper runs /bin/sh with the canonical script of resolved paths
    inner = plan[len(wrapper) :]
    assert inner[:2] == ("/bin/sh", "-c"), plan
    assert "bash" not in " ".join(inner), plan


def test_a_shell_inside_a_list_runs_its_decided_line(ro: Policy) -> None:
    verdict, _, plan = decide(ro, command="echo x; bash -c 'cat a.txt'")
    assert verdict == "allow" and plan is not None
    script = plan[2]
    assert "-c" not in script.split()[2:], script  # not `/usr/bin/cat -c 'cat a.txt'`
    assert script.endswith("a.txt"), script
    verdict, _, plan = decide(ro, command="echo x; bash -c 'ls; cat a.txt'")
    assert verdict == "allow" and plan is not None
    assert "'ls; cat a.txt'" not in plan[2], plan  # not handed to a shell verbatim


def test_git_behind_a_wrapper_or_in_a_list_keeps_its_hardening(dev: Policy) -> None:
    for request in ({"command": "timeout 5 git status"}, {"command": "echo x && git status"}):
        v = evaluate(dev, ExecRequest(**request), dict(os.environ))  # type: ignore[arg-type]
        assert v.plan is not None and v.plan.env.get("GIT_CONFIG_KEY_0") == "core.fsmonitor"


@pytest.mark.anyio
async def test_wrapped_and_listed_shells_run_what_was_decided(
    ro: Policy, tmp_path: Path, anyio_backend: str
) -> None:
    """Through a real gate: the job's output is the decided commands' and nothing else."""
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=ro, store=store) as gate:
        for argv in (
            ["env", "bash", "-c", "cat a.txt"],
            ["timeout", "5", "bash", "-c", "echo x; cat a.txt"],
            ["env", "bash", "-c", "cat <<'EOF'\nA-CONTENT\nEOF"],
        ):
            result = await gate.run(argv=argv)
            assert result.exit_code == 0, (argv, result.stderr)
            assert result.stdout.decode().strip().endswith("A-CONTENT"), (argv, result.stdout)
        with pytest.raises(Refused):
            await gate.run(argv=["env", "bash", "-c", SMUGGLE_HEREDOC])
        with pytest.raises(Refused):
            await gate.run(command="echo x; bash +x -c 'cat /etc/hostname'")
        result = await gate.run(command="echo x; bash -c 'cat a.txt'")
        assert result.stdout == b"x\nA-CONTENT\n", result


# --- 4. no program text from descriptors -----------------------------------------------------

STDIN_PROGRAMS = [
    "python3 /dev/stdin",
    "python3 /dev/fd/0",
    "python3 /proc/self/fd/0",
    "python3 /proc/self/cwd/x.py",
    "python3 -",
    "node /dev/stdin",
    "make -f -",
    "make -f-",
    "make --file=-",
    "make --makefile=/dev/stdin",
    "make -f /dev/fd/0",
    "cat /proc/self/environ",
    "cat /dev/stdin",
]


@pytest.mark.parametrize("line", STDIN_PROGRAMS)
def test_no_program_text_from_descriptors(dev: Policy, line: str) -> None:
    verdict, code, _ = decide(dev, command=line, stdin=b"print(1)\n")
    assert verdict == "deny", (line, code)


def test_a_workspace_symlink_into_proc_is_not_followed_in_the_gate(
    dev: Policy, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    os.symlink("/dev/stdin", ws / "prog.py")
    os.symlink("/proc/self/fd", ws / "fds")
    os.symlink("/proc/self/cwd", ws / "here")
    for line in ("python3 prog.py", "python3 fds/0", "cat here/a.txt", "cat prog.py"):
        assert decide(dev, command=line)[0] == "deny", line
    assert decide(dev, command="echo hi > here/x")[0] == "deny"
    assert decide(dev, command="ls", cwd="here")[0] == "deny"


@pytest.mark.anyio
async def test_python_from_stdin_does_not_run(
    dev: Policy, tmp_path: Path, anyio_backend: str
) -> None:
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    marker = tmp_path / "ws" / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')\n".encode()
    async with Gate.open(policy=dev, store=store) as gate:
        for argv in (["python3", "/dev/stdin"], ["python3", "/proc/self/fd/0"]):
            with pytest.raises(Refused):
                await gate.run(argv=argv, stdin=code)
    assert not marker.exists()


# --- the decision and the real shell agree on shell words ----------------------------------


def test_shell_reading_matches_bash_for_option_words(ro: Policy, tmp_path: Path) -> None:
    """For each accepted option form, real bash runs the line we decided (it prints the
    marker), so the table does not accept a word bash reads differently."""
    bash = "/bin/bash"
    for options in (
        ["-c"],
        ["-lc"],
        ["-ec"],
        ["+x", "-c"],
        ["+", "-c"],
        ["-c", "--"],
        ["-o", "pipefail", "-c"],
        ["+o", "xtrace", "-c"],
        ["-c", "-e"],
    ):
        out = subprocess.run([bash, *options, "echo MARK"], capture_output=True, text=True)
        assert out.stdout == "MARK\n", (options, out)
        assert decide(ro, argv=["bash", *options, "echo MARK"])[0] == "allow", options


# --- 6. program-table gaps -------------------------------------------------------------------

TABLE_GAPS = [
    "awk 'BEGIN{ARGV[1]=\"/etc/shadow\";ARGC=2}{print}'",
    "awk 'BEGIN{ARGV[ARGC++]=\"/etc/shadow\"}{print}'",
    "awk -v ARGC=2 '{print}' a.txt",
    "awk '{print}' ARGC=3 a.txt",
    'awk \'BEGIN{ENVIRON["PATH"]="/tmp"}\'',
    "curl -s -w @/etc/shadow -o /dev/null http://127.0.0.1:9",
    "curl -H @/etc/hostname http://127.0.0.1:9",
    "curl --write-out=@a.txt http://127.0.0.1:9",
    "curl -b /etc/hostname http://127.0.0.1:9",
    "curl file:/etc/passwd",
    "curl FILE:///etc/passwd",
    "curl ' file:///etc/passwd'",
    "curl '{file:///etc/passwd,http://x}'",
    "curl 'http://x/[1-2]' -o a.txt",
    "curl --proto-redir=all -L http://127.0.0.1:9",
    "curl --proto =all http://127.0.0.1:9",
    "curl ftp.example.com",
    "npm version patch",
    "npm version 1.2.3",
    "git log --show-signature",
    "git log --format=%G?",
    "git show --pretty=format:%GS",
    "sed -n ':x e cat /etc/hostname' a.txt",
    "sed 'ba;:a w /tmp/pwn' a.txt",
    "sed ':x r /etc/hostname' a.txt",
    'awk \'BEGIN{SYMTAB["ARGV"][1]="/etc/hostname"}{print}\' a.txt',
    'awk \'BEGIN{v="ENV" "IRON"; SYMTAB[v]["X"]=1}\'',
    'awk \'BEGIN{PROCINFO["sorted_in"]="f"}\'',
    "tar -tf host:file.tar",
    "tar tfI x.tar 'sh -c id'",
    "tar tfF x.tar prog",
    "tar tfK x.tar x",
    "sed -n ': a e cat /etc/hostname' a.txt",
    "sed -n ':a\te cat /etc/hostname' a.txt",
    "sed ':x W/tmp/x' a.txt",
    "sed ':x r/etc/hostname' a.txt",
    "curl -w '%output{/tmp/x}ok' http://127.0.0.1:9",
    "tar -tvf user@host:x.tar",
    # GNU sed ends a regex at its delimiter only outside brackets; other seds anywhere
    "sed 's/[/]/g;a/e' a.txt",
    "sed 's/[/]/g;a/w /tmp/pwn' a.txt",
    "sed '/[/]/e id' a.txt",
    "sed 's/[^]/]/x/;a/e' a.txt",
    "sed 's/[[:alpha:]/]/x/;a/e' a.txt",
    "sed '\\,[,],e id' a.txt",
    # awk read left to right: a quote in a regex literal, a regex after $, a comment
    'awk \'BEGIN{a=/"/;system("touch /tmp/pwn")}#"\'',
    'awk \'BEGIN{a=$/"/;system("id")}#"\'',
    "awk '/[[:alpha:]/]/;system(\"id\")#/' a.txt",
    'awk \'BEGIN{x=1; y=x++ /"/; system("id")}#"\'',
]


@pytest.mark.parametrize("line", TABLE_GAPS)
def test_program_table_gaps_are_closed(dev: Policy, line: str) -> None:
    verdict, code, _ = decide(dev, command=line)
    assert verdict == "deny", (line, code)


STILL_FINE = [
    "awk '{print $1}' a.txt",
    "awk -F: '{print ENVIRON[\"HOME\"]}' a.txt",
    "curl -s http://127.0.0.1:9/x",
    "curl -s localhost:8080/x",
    "curl -g 'http://x/[1]'",
    "curl -H 'Accept: application/json' https://example.com",
    "curl -b 'a=b' https://example.com",
    "curl --proto =https https://example.com",
    "npm version",
    "git log --format=%h",
    "tar -tf a.tar",
    "sed ':a;N;$!ba;s/x/y/g' a.txt",
    "sed -n '/x/{:loop n; p}' a.txt",
    "sed 's/[[:space:]]*$//' a.txt",
    "sed 's|[/]|-|g' a.txt",
    "sed 's/[]]/x/g' a.txt",
    "sed -n '/^[a-z]/p' a.txt",
    "awk '/^[[:space:]]*#/ {c++} END {print c}' a.txt",
    "awk '{s+=$2} END {print s/NR}' a.txt",
    "awk '{ if ($1 ~ /x>y/) print \"a > b\" }' a.txt",
    "awk 'NR%2==0 {print} # a comment with \" and /' a.txt",
]


def test_gawk_runs_in_its_own_sandbox(dev: Policy) -> None:
    _, _, plan = decide(dev, command="awk '{print $1}' a.txt")
    assert plan is not None
    if os.path.basename(os.path.realpath(plan[0])) == "gawk":
        assert plan[1] == "--sandbox", plan


@pytest.mark.parametrize("line", STILL_FINE)
def test_what_the_tables_still_allow(dev: Policy, line: str) -> None:
    verdict, code, _ = decide(dev, command=line)
    assert verdict == "allow", (line, code)


# --- 7. git's diff drivers, textconv and signatures are pinned off in the plan -------------


def test_git_plans_switch_off_drivers_and_gpg(dev: Policy) -> None:
    for line, pins in (
        ("git diff", ("--no-ext-diff", "--no-textconv")),
        ("git -C . log -p", ("--no-ext-diff", "--no-textconv")),
        ("git -C . show HEAD", ("--no-ext-diff", "--no-textconv")),
        ("git blame a.txt", ("--no-textconv",)),
    ):
        v = evaluate(dev, ExecRequest(command=line), dict(os.environ))
        assert v.plan is not None, line
        sub = line.split()[-1] if line.endswith(("diff", "log -p")) else None
        assert all(p in v.plan.argv for p in pins), (line, v.plan.argv)
        assert v.plan.env["GIT_CONFIG_VALUE_5"].startswith("/nonexistent"), v.plan.env
        del sub


def _git(ws: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=ws, check=True, capture_output=True)


@pytest.mark.anyio
async def test_a_repository_diff_driver_does_not_run(
    dev: Policy, tmp_path: Path, anyio_backend: str
) -> None:
    ws = tmp_path / "ws"
    marker = tmp_path / "pwned"
    _git(ws, "init", "-q")
    _git(ws, "add", "a.txt")
    _git(ws, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x")
    (ws / ".gitattributes").write_text("* diff=pwn\n")
    _git(ws, "config", "diff.pwn.command", f"touch {marker}")
    _git(ws, "config", "diff.pwn.textconv", f"touch {marker}.tc;cat")
    _git(ws, "config", "gpg.program", f"touch {marker}.gpg;false")
    _git(ws, "config", "log.showSignature", "true")
    (ws / "a.txt").write_text("changed\n")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=dev, store=store) as gate:
        for line in ("git diff", "git log -p", "git show HEAD", "git diff a.txt"):
            # refused: the repository's configuration names programs; were it allowed (a
            # driver from the user's own ~/.gitconfig), the plan's pins would switch it off
            with pytest.raises(Refused):
                await gate.run(command=line)
    assert not list(tmp_path.glob("pwned*")), list(tmp_path.glob("pwned*"))


# --- 9 and 11. symlinks a command makes or follows --------------------------------------------


def test_a_symlink_target_is_read_from_the_links_directory(dev: Policy, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "a" / "b").mkdir(parents=True)
    line = "ln -s ../x ../../lnk; echo DATA > ../../lnk"
    assert decide(dev, command=line, cwd="a/b")[0] == "deny"
    for bad in (
        "ln -s ../x ../../lnk",
        "ln -s /etc/passwd p",
        "ln -s ../../.. up",
        "ln -sf .. l",
        "ln -s -t a ..",
    ):
        assert decide(dev, command=bad, cwd="a/b" if "../.." in bad else ".")[0] == "deny", bad
    for fine in ("ln -s a.txt l2", "ln -sr a.txt a/l4"):
        assert decide(dev, command=fine)[0] == "allow", fine


FOLLOWING = [
    "grep -R x .",
    "grep -rR x .",
    "grep --dereference-recursive x .",
    "find -L .",
    "find -H . -name x",
    "find . -follow",
    "tar -htf a.tar",
    "ls -LR",
    "ls -R -L .",
]


@pytest.mark.parametrize("line", FOLLOWING)
def test_recursion_that_follows_symlinks_is_refused(dev: Policy, line: str) -> None:
    verdict, code, _ = decide(dev, command=line)
    assert verdict == "deny", (line, code)


def test_recursion_that_does_not_follow_is_fine(dev: Policy) -> None:
    for line in ("grep -r x .", "find . -name x", "ls -R", "ls -L a.txt"):
        assert decide(dev, command=line)[0] == "allow", line


WALKERS = """
version = 1
[workspace]
root = "{root}"
""" + "".join(
    f'[[allow]]\ncommand = "{p}"\n' for p in ("ls", "find", "zip", "scp", "chown", "chgrp", "chmod")
)

#: Walks that look through a symlink already in the workspace (a cloned repository's, an
#: unpacked archive's) to what it points at, under bare allow rules.
LOOKING_THROUGH = [
    "chgrp -R -L nogroup d",
    "chown -R -H :nogroup d",
    "chown -RL :nogroup .",
    "chmod -R -L 600 d",
    "zip -r o.zip d",
    "zip -R o.zip '*.txt'",
    "zip --recurse-paths o.zip d",
    "zip o.zip -@",
    "zip --names-stdin o.zip",
    "scp -r d e",
    "scp -pr d e",
    "ls -L",
    "ls -lL d",
    "ls --dereference -l d",
    "find d -xtype f",
    "find . -xtype l -print",
    "find d -printf '%Y %p\\n'",
    "scp -i key -r d e",
]


@pytest.mark.parametrize(
    ("program", "args"),
    [("tree", ("-l", "d")), ("ag", ("-f", "x")), ("fd", ("--follow", "x")),
     ("fdfind", ("-L", "x")), ("ack", ("--follow", "x")), ("chmod", ("-RH", "600", "d"))],
)  # fmt: skip
def test_walkers_not_installed_here_are_read_too(program: str, args: tuple[str, ...]) -> None:
    assert follow_refusal(program, args) is not None


@pytest.mark.parametrize("line", LOOKING_THROUGH)
def test_a_walk_never_looks_through_a_workspace_symlink(tmp_path: Path, line: str) -> None:
    policy = _load(tmp_path, WALKERS, "walkers")
    (tmp_path / "ws" / "d").mkdir()
    (tmp_path / "ws" / "d" / "s").symlink_to("/etc/shadow")
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.verdict == "deny", line
    assert v.decision.code == "EG-PATH-ESCAPE", (line, v.decision.reason)


def test_walks_that_keep_links_as_links_are_fine(tmp_path: Path) -> None:
    policy = _load(tmp_path, WALKERS, "walkers")
    (tmp_path / "ws" / "d").mkdir()
    for line in (
        "zip -ry o.zip d",
        "zip -r --symlinks o.zip d",
        "chown -R :nogroup d",
        "chmod -R 600 d",
        "ls -L a.txt",
        "ls -ldL d",
        "ls -la d",
        "find d -type l",
        "find d -printf '%y %p\\n'",
        "scp -P 22 a.txt e",
    ):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "allow", (line, v.decision.reason)


@pytest.mark.anyio
@pytest.mark.skipif(shutil.which("zip") is None or shutil.which("unzip") is None, reason="zip")
async def test_zip_of_a_tree_with_a_link_out_stores_the_link_not_the_file(
    tmp_path: Path, anyio_backend: str
) -> None:
    policy = _load(tmp_path, WALKERS, "walkers")
    ws = tmp_path / "ws"
    canary = tmp_path / "outside.txt"
    canary.write_text("OUTSIDE-SECRET\n")
    (ws / "d").mkdir()
    (ws / "d" / "s").symlink_to(canary)
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        with pytest.raises(Refused):
            await gate.run(command="zip -qr o.zip d")
        assert not (ws / "o.zip").exists()
        result = await gate.run(command="zip -qry o.zip d")
        assert result.exit_code == 0
    listing = subprocess.run(
        ["unzip", "-p", str(ws / "o.zip"), "d/s"], capture_output=True, check=True
    ).stdout
    assert b"OUTSIDE-SECRET" not in listing
    assert listing == str(canary).encode()


# --- 12. configuration written into the workspace is decided like the command line --------

CONFIG_POLICY = """
version = 1
[workspace]
root = "{root}"
[[allow]]
command = "pytest"
[[allow]]
command = "python3"
[[allow]]
command = "npm"
"""


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pytest.ini", "[pytest]\naddopts = -p evil_plugin\n"),
        ("pytest.ini", "[pytest]\naddopts = --basetemp=/tmp/outside\n"),
        ("pytest.ini", "[pytest]\ncache_dir = /tmp/outside-cache\n"),
        ("pyproject.toml", '[tool.pytest.ini_options]\naddopts = "--junitxml=/tmp/r.xml"\n'),
        ("pyproject.toml", '[tool.pytest.ini_options]\naddopts = ["-o", "x=y"]\n'),
        ("tox.ini", "[pytest]\naddopts = --pdb\n"),
        ("setup.cfg", "[tool:pytest]\nlog_file = ../../outside.log\n"),
    ],
)
def test_pytest_configuration_is_decided(tmp_path: Path, name: str, text: str) -> None:
    policy = _load(tmp_path, CONFIG_POLICY, "cfg")
    ws = tmp_path / "ws"
    assert decide(policy, command="pytest -q")[0] == "allow"
    (ws / name).write_text(text)
    for line in ("pytest -q", "python3 -m pytest -q"):
        verdict, code, _ = decide(policy, command=line)
        assert (verdict, code) == ("deny", "EG-POLICY-FLAG"), (name, line, code)
    (ws / "sub").mkdir()
    assert decide(policy, command="pytest -q", cwd="sub")[0] == "deny"  # found upward


def test_a_harmless_pytest_configuration_still_runs(tmp_path: Path) -> None:
    policy = _load(tmp_path, CONFIG_POLICY, "cfg")
    (tmp_path / "ws" / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "-q -ra"\ntestpaths = ["tests"]\n'
    )
    assert decide(policy, command="pytest")[0] == "allow"


@pytest.mark.parametrize(
    "line",
    [
        "script-shell=/tmp/x.sh",
        "node-options=--require /tmp/x.js",
        "logs-dir=/tmp/out",
        "cache=/tmp/c",
        "Script-Shell = /tmp/x",
    ],
)
def test_an_npmrc_in_the_workspace_is_decided(tmp_path: Path, line: str) -> None:
    policy = _load(tmp_path, CONFIG_POLICY, "cfg")
    assert decide(policy, command="npm ls")[0] == "allow"
    (tmp_path / "ws" / ".npmrc").write_text(f"registry=https://r.example\n{line}\n")
    assert decide(policy, command="npm ls")[:2] == ("deny", "EG-POLICY-FLAG")
    (tmp_path / "ws" / ".npmrc").write_text("registry=https://r.example\nsave-exact=true\n")
    assert decide(policy, command="npm ls")[0] == "allow"


def test_an_empty_inner_program_is_a_typed_refusal(ro: Policy) -> None:
    for argv in (["env", ""], ["timeout", "5", ""], ["bash", "-c", "''"], ["env", "", "x"]):
        verdict, code, _ = decide(ro, argv=argv)
        assert verdict == "deny" and code.startswith("EG-"), (argv, code)
        assert code != "EG-POLICY-ENGINE-ERROR"


def test_no_redirect_after_a_command_that_makes_symlinks(tmp_path: Path) -> None:
    """The shell opens a redirection's target when its command starts: an earlier command of
    the same line that creates symlinks (a checkout, a patch, a copy) could plant one there,
    so the redirection must come in a request of its own."""
    policy = _load(
        tmp_path,
        RO.replace("write_redirects = false", "write_redirects = true")
        + '[[allow]]\ncommand = "git"\n[[allow]]\ncommand = "git checkout"\n'
        + '[[allow]]\ncommand = "cp"\n[[allow]]\ncommand = "patch"\n',
        "links",
    )
    (tmp_path / "ws" / "p.diff").write_text("--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-A\n+B\n")
    for line in (
        "git checkout -- link && echo x > link",
        "env git checkout x; echo y > f",
        "bash -c 'git checkout x' && cat a.txt > out",
        "cp -r a b; cat a.txt > b/x",
        "patch -p1 < p.diff && echo x > f",
        "cp -r a b && cat < b/x",
    ):
        assert decide(policy, command=line)[:2] == ("deny", "EG-SHELL-UNSUPPORTED"), line
    for line in ("git status && echo x > f", "echo x > f && git checkout y", "ls > /dev/null"):
        assert decide(policy, command=line)[0] == "allow", line


@pytest.mark.parametrize(
    "line",
    [
        "cat > pytest.ini <<'EOF'\n[pytest]\naddopts = --junitxml=/tmp/x.xml\nEOF\npytest -q",
        "echo '[pytest]' > pytest.ini && python3 -m pytest -q",
        "cp a.txt pytest.ini && pytest",
        "mv a.txt setup.cfg; pytest",
        "echo 'script-shell=/x' > .npmrc && npm ls",
        "mkdir -p sub && echo x > sub/.npmrc && cd sub && npm ls",
        "cp -r a b && pytest",
        "git checkout x -- . && pytest",
    ],
)
def test_configuration_written_earlier_in_the_line_is_not_read_undecided(
    tmp_path: Path, line: str
) -> None:
    policy = _load(
        tmp_path,
        CONFIG_POLICY
        + "[shell]\nwrite_redirects = true\n"
        + "".join(f'[[allow]]\ncommand = "{p}"\n' for p in ("cat", "echo", "cp", "mv", "mkdir"))
        + '[[allow]]\ncommand = "git checkout"\n',
        "cfgline",
    )
    (tmp_path / "ws" / "a").mkdir()
    verdict, code, _ = decide(policy, command=line)
    assert verdict == "deny", (line, code)
    (tmp_path / "ws" / "sub").mkdir(exist_ok=True)
    verdict, code, _ = decide(policy, command=line)
    assert (verdict, code) == ("deny", "EG-SHELL-UNSUPPORTED"), (line, code)


def test_writing_a_test_then_running_pytest_stays_fluent(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        CONFIG_POLICY + '[shell]\nwrite_redirects = true\n[[allow]]\ncommand = "cat"\n',
        "cfgok",
    )
    line = "cat > test_x.py <<'EOF'\ndef test_a():\n    assert 1\nEOF\npytest -q test_x.py"
    assert decide(policy, command=line)[0] == "allow"


LINKS_POLICY = RO.replace("write_redirects = false", "write_redirects = true") + "".join(
    f'[[allow]]\ncommand = "{p}"\n' for p in ("ln", "cp", "mv", "git checkout")
)


def test_paths_after_a_command_that_moves_symlinks_are_refused(tmp_path: Path) -> None:
    """A relative link made legal in a deep directory, then copied or moved shallower,
    points outside; the line's later paths were resolved before it ran."""
    policy = _load(tmp_path, LINKS_POLICY, "links2")
    (tmp_path / "ws" / "sub" / "deep").mkdir(parents=True)
    for line, cwd in (
        ("ln -s ../.. up && cp -P up ../../up2 && cat ../../up2/x", "sub/deep"),
        ("mv sub/deep/up up3 && cat up3/x", "."),
        ("cp -a sub d2 && cat d2/deep/up/x", "."),
        ("git checkout x -- . && cat a.txt", "."),
    ):
        verdict, code, _ = decide(policy, command=line, cwd=cwd)
        assert (verdict, code) == ("deny", "EG-SHELL-UNSUPPORTED"), (line, code)
    for line in ("mv a.txt b.txt && ls", "cp a.txt b.txt && cat b.txt", "ln -s a.txt l && ls"):
        assert decide(policy, command=line)[0] == "allow", line


@pytest.mark.anyio
async def test_a_shells_cd_inside_a_list_keeps_its_directory(
    ro: Policy, tmp_path: Path, anyio_backend: str
) -> None:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir()
    (ws / "sub" / "in.txt").write_text("IN\n")
    (tmp_path / "outside.txt").write_text("OUTSIDE\n")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=ro, store=store) as gate:
        for line in (
            "echo && bash -c 'cd sub && cat ../a.txt'",
            "bash -c 'cd sub && cat in.txt' | cat",
        ):
            result = await gate.run(command=line)
            assert b"OUTSIDE" not in result.stdout, (line, result)
            assert result.exit_code == 0, (line, result.stderr)
        result = await gate.run(command="echo x; bash -c 'cd sub && cat ../a.txt'")
        assert result.stdout == b"x\nA-CONTENT\n", result


@pytest.mark.parametrize(
    "config",
    [
        "[core]\n\tworktree = /\n",
        "[include]\n\tpath = /tmp/x.cfg\n",
        '[includeIf "gitdir:/"]\n\tpath = x.cfg\n',
        '[filter "pwn"]\n\tclean = touch /tmp/pwned\n',
        "[core]\n\tsshCommand = touch /tmp/pwned\n",
        '[merge "pwn"]\n\tdriver = touch /tmp/pwned\n',
    ],
)
def test_a_repository_configuration_that_reaches_out_is_refused(
    tmp_path: Path, config: str
) -> None:
    policy = _load(tmp_path, LINKS_POLICY + '[[allow]]\ncommand = "git"\n', "gitcfg")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    assert decide(policy, command="git status")[0] == "allow"
    with open(ws / ".git" / "config", "a") as f:
        f.write(config)
    assert decide(policy, command="git status")[:2] == ("deny", "EG-POLICY-FLAG")
    (ws / "sub").mkdir()
    assert decide(policy, command="git status", cwd="sub")[0] == "deny"


def test_git_after_a_write_into_dot_git_in_the_same_line(tmp_path: Path) -> None:
    policy = _load(tmp_path, LINKS_POLICY + '[[allow]]\ncommand = "git"\n', "gitline")
    _git(tmp_path / "ws", "init", "-q")
    line = "cat >> .git/config <<'EOF'\n[core]\n\tworktree = /\nEOF\ngit status"
    # .git/config is no job's to write at all now; the same-line rule stays the second wall
    assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE")
    assert decide(policy, command="echo x > f.txt && git status")[0] == "allow"


def test_a_dot_git_file_pointing_outside_is_refused(tmp_path: Path) -> None:
    policy = _load(tmp_path, LINKS_POLICY + '[[allow]]\ncommand = "git"\n', "gitfile")
    (tmp_path / "ws" / ".git").write_text(f"gitdir: {tmp_path}/elsewhere\n")
    assert decide(policy, command="git status")[:2] == ("deny", "EG-POLICY-FLAG")


def test_python_dash_m_does_not_borrow_an_unrelated_programs_rule(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        RO + '[[allow]]\ncommand = "python3"\n[[allow]]\ncommand = "test"\n'
        '[[allow]]\ncommand = "stat"\n',
        "pym",
    )
    for line in ("python3 -m test --tempdir=rt test_bool", "python3 -m stat", "python3 -m echo"):
        assert decide(policy, command=line)[0] == "deny", line


@pytest.mark.anyio
async def test_git_does_not_find_a_repository_above_the_workspace(
    tmp_path: Path, anyio_backend: str
) -> None:
    outer = tmp_path / "outer"
    ws = outer / "ws"
    ws.mkdir(parents=True)
    (outer / "secret.txt").write_text("OUTER-SECRET\n")
    _git(outer, "init", "-q")
    _git(outer, "add", "secret.txt")
    _git(outer, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x")
    path = tmp_path / "p.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "git"\n')
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=load_policy(path), store=store) as gate:
        for line in ("git show HEAD:secret.txt", "git ls-files", "git log --oneline"):
            result = await gate.run(command=line)
            assert b"OUTER-SECRET" not in result.stdout and b"secret" not in result.stdout, line


def test_git_alternates_borrowing_objects_are_refused(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git"\n', "alt")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / ".git" / "objects" / "info").mkdir(parents=True, exist_ok=True)
    (ws / ".git" / "objects" / "info" / "alternates").write_text("/tmp/other/.git/objects\n")
    assert decide(policy, command="git log")[:2] == ("deny", "EG-POLICY-FLAG")


def test_pytest_configuration_is_found_where_pytest_finds_it(tmp_path: Path) -> None:
    """pytest takes its rootdir from the paths it is given, not only from the cwd."""
    policy = _load(tmp_path, CONFIG_POLICY, "cfgargs")
    ws = tmp_path / "ws"
    (ws / "t2").mkdir()
    (ws / "t2" / "test_b.py").write_text("def test_b():\n    pass\n")
    (ws / "t2" / "pytest.ini").write_text("[pytest]\naddopts = --junitxml=/tmp/pwn.xml\n")
    (ws / "evil.ini").write_text("[pytest]\naddopts = -p evil\n")
    for line in (
        "pytest -q t2/test_b.py",
        "pytest -q t2",
        "python3 -m pytest t2/test_b.py::test_b",
        "pytest -c evil.ini -q",
    ):
        assert decide(policy, command=line)[:2] == ("deny", "EG-POLICY-FLAG"), line


def test_globs_never_list_a_directory_outside_the_workspace(ro: Policy, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    outside = tmp_path / "outside-dir"
    (outside / "other").mkdir(parents=True)
    (outside / "other" / "s.txt").write_text("x")
    os.symlink(outside, ws / "sub_link")
    for line in ("echo sub_l*/*", "echo sub_link/*", "echo sub_l*/ot*/*", "cat */other/s.txt"):
        verdict, _code, plan = decide(ro, command=line)
        assert verdict == "deny", (line, plan)
        v = evaluate(ro, ExecRequest(command=line), dict(os.environ))
        assert "sub_link/other" not in v.decision.reason, line  # nothing found there leaks
    assert decide(ro, command="echo *.txt")[0] == "allow"


def test_git_commit_does_not_run_a_configured_editor(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git commit"\n', "editor")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    assert decide(policy, command="git commit --allow-empty -m x")[0] == "allow"
    with open(ws / ".git" / "config", "a") as f:
        f.write("[core]\n\teditor = touch /tmp/pwned-editor\n")
    assert decide(policy, command="git commit --allow-empty")[:2] == ("deny", "EG-POLICY-FLAG")


def test_a_literal_never_becomes_the_exit_status(ro: Policy) -> None:
    verdict, _, plan = decide(ro, command="echo x && echo '\ue000$?'")
    assert verdict == "deny", plan


@pytest.mark.parametrize(
    "config",
    [
        "[core] editor = touch /tmp/pwned-one-line\n",
        "[core] worktree = /\n",
        '[filter "x"] clean = touch /tmp/pwned\n',
        "[core.x]\n[include] path = /tmp/x\n",
        '[diff "x"]\n\ttextconv = touch /tmp/pwned\n',
    ],
)
def test_git_config_is_read_as_git_reads_it(tmp_path: Path, config: str) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git"\n', "gitone")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    with open(ws / ".git" / "config", "a") as f:
        f.write(config)
    assert decide(policy, command="git status")[:2] == ("deny", "EG-POLICY-FLAG")


def test_git_is_pinned_to_the_repository_decided_on(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git"\n', "gitpin")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / "evil").mkdir()
    (tmp_path / "other").mkdir()
    _git(tmp_path / "other", "init", "-q")
    os.symlink(tmp_path / "other" / ".git", ws / "evil" / ".git")
    v = evaluate(policy, ExecRequest(command="git status"), dict(os.environ))
    assert v.plan is not None and v.plan.env["GIT_DIR"] == str(ws / ".git"), v.plan.env
    assert v.plan.env["GIT_WORK_TREE"] == str(ws)
    for line, cwd in (
        ("git status", "evil"),
        ("git -C evil status", "."),
        ("git --git-dir=x log", "."),
    ):
        assert decide(policy, command=line, cwd=cwd)[0] == "deny", line


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".pytest.ini", "[pytest]\naddopts = --junitxml=/tmp/x.xml\n"),
        ("pytest.toml", '[pytest]\naddopts = ["--junitxml=/tmp/x.xml"]\n'),
        (".pytest.toml", '[pytest]\naddopts = ["-p", "evil"]\n'),
    ],
)
def test_every_file_pytest_reads_is_decided(tmp_path: Path, name: str, text: str) -> None:
    policy = _load(tmp_path, CONFIG_POLICY, "cfg9")
    (tmp_path / "ws" / name).write_text(text)
    assert decide(policy, command="pytest -q")[:2] == ("deny", "EG-POLICY-FLAG")


def test_same_line_writers_are_judged_where_they_resolve(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        LINKS_POLICY + '[[allow]]\ncommand = "git"\n[[allow]]\ncommand = "git commit"\n'
        '[[allow]]\ncommand = "rm"\n[[allow]]\ncommand = "pytest"\n',
        "g34",
    )
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / "cfgdir").mkdir()
    (ws / "t5").mkdir()
    (ws / "sub" / "deep").mkdir(parents=True)
    for line in (
        "cd .git && echo '[core]' >> config && cd .. && git commit --allow-empty -m x",
        "rm -r t5 && mv cfgdir t5 && cd t5 && pytest -q",
        "mv cfgdir t5 && pytest -q t5",
        "ln -s cfgdir t6 && pytest -q",
        "mv sub/deep a && cd a && ls",
    ):
        assert decide(policy, command=line)[0] == "deny", line


def test_git_configuration_git_itself_would_read_is_decided(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git"\n', "gitdeep")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    config = ws / ".git" / "config"
    clean = config.read_text()
    cases = {
        "bom": lambda: config.write_bytes(
            b"\xef\xbb\xbf[core]\n\teditor = touch /tmp/p\n" + clean.encode()
        ),
        "worktree config": lambda: (
            config.write_text(clean + "[extensions]\n\tworktreeConfig = true\n"),
            (ws / ".git" / "config.worktree").write_text("[core]\n\teditor = touch /tmp/p\n"),
        ),
        "commondir outside": lambda: (ws / ".git" / "commondir").write_text(str(tmp_path)),
    }
    for name, setup in cases.items():
        config.write_text(clean)
        for extra in ("config.worktree", "commondir"):
            (ws / ".git" / extra).unlink(missing_ok=True)
        setup()
        assert decide(policy, command="git status")[:2] == ("deny", "EG-POLICY-FLAG"), name


def test_git_runs_no_editor_and_enters_no_submodule(dev: Policy) -> None:
    v = evaluate(dev, ExecRequest(command="git status"), dict(os.environ))
    assert v.plan is not None
    assert v.plan.env["GIT_EDITOR"] == ":" and v.plan.env["GIT_SEQUENCE_EDITOR"] == ":"
    pinned = {v.plan.env[f"GIT_CONFIG_KEY_{i}"]: v.plan.env[f"GIT_CONFIG_VALUE_{i}"]
              for i in range(int(v.plan.env["GIT_CONFIG_COUNT"]))}  # fmt: skip
    assert pinned["diff.ignoreSubmodules"] == "all" and pinned["submodule.recurse"] == "false"


def test_a_decoy_dot_git_does_not_hide_the_repository(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git"\n', "decoy")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    with open(ws / ".git" / "config", "a") as f:
        f.write('[filter "x"]\n\tclean = touch /tmp/p\n')
    (ws / "sub" / ".git").mkdir(parents=True)
    assert decide(policy, command="git status", cwd="sub")[:2] == ("deny", "EG-POLICY-FLAG")


def test_more_writers_count_before_a_config_reader(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        CONFIG_POLICY + '[shell]\nwrite_redirects = true\n[[allow]]\ncommand = "uniq"\n'
        '[[allow]]\ncommand = "git"\n',
        "uniq",
    )
    _git(tmp_path / "ws", "init", "-q")
    line = "uniq a.txt pytest.ini && pytest -q"
    assert decide(policy, command=line)[:2] == ("deny", "EG-SHELL-UNSUPPORTED")
    # .git/config is refused outright now (git's control files), before the same-line rule
    line = "uniq a.txt .git/config && git status"
    assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE")


@pytest.mark.parametrize(
    "config",
    [
        '[trailer "t"]\n\tcmd = touch /tmp/p\n',
        '[gpg]\n\tformat = ssh\n[gpg "ssh"]\n\tdefaultKeyCommand = touch /tmp/p\n',
        "[commit]\n\tgpgSign = true\n",
    ],
)
def test_git_configuration_that_runs_programs_on_commit(tmp_path: Path, config: str) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git commit"\n', "trailer")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    with open(ws / ".git" / "config", "a") as f:
        f.write(config)
    assert decide(policy, command="git commit -m x --allow-empty")[:2] == ("deny", "EG-POLICY-FLAG")


def test_a_recursive_diff_does_not_follow_symlinks(dev: Policy, tmp_path: Path) -> None:
    policy = _load(tmp_path, DEV + '[[allow]]\ncommand = "diff"\n', "diffr")
    _, _, plan = decide(policy, command="diff -rN a b")
    assert plan is not None and plan[1] == "--no-dereference", plan
    _, _, plan = decide(policy, command="diff a.txt a.txt")
    assert plan is not None and "--no-dereference" not in plan


def test_host_clock_and_jq_modules_are_refused(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "date"\n[[allow]]\ncommand = "jq"\n', "jqd")
    for line in (
        "date -s 2020-01-01",
        "date --set=@0",
        'jq -n \'import "cred" as $c {search: "/tmp"}; $c\'',
        "jq -L /tmp .",
    ):
        assert decide(policy, command=line)[:2] == ("deny", "EG-POLICY-FLAG"), line
    for line in ("date +%s", "jq .a a.txt"):
        assert decide(policy, command=line)[0] == "allow", line


def test_files_named_inside_other_files_or_urls_are_decided(dev: Policy, tmp_path: Path) -> None:
    policy = _load(tmp_path, DEV + '[[allow]]\ncommand = "du"\n[[allow]]\ncommand = "file"\n', "fl")
    for line in (
        # file lists: the names inside are paths no check sees
        "du --files0-from=list.txt",
        "du --files0=list.txt",
        "file -f list.txt",
        "file -zf list.txt",
        "file --files-from list.txt",
    ):
        assert decide(policy, command=line)[:2] == ("deny", "EG-POLICY-FLAG"), line
    for line in (
        # a file URL names a path as surely as the path itself
        "pip install file:///etc/x",
        "pip install FILE:/etc/x",
        "pip install 'pkg @ file:///etc'",
        "pip install pkg @ file://localhost/etc",
        "pip install git+file:///tmp/repo",
        "pip install file:///%65tc/x",
        "pip install file:../x",
        "pip install --editable=file:///tmp",
    ):
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    for line in ("du -sh .", "file a.txt", "pip install file:sub/pkg", "pip install requests"):
        assert decide(policy, command=line)[0] == "allow", line


def test_git_config_reads_only_the_repository_own(dev: Policy) -> None:
    for line in (
        "git config -l",
        "git config --global -l",
        "git config --system --list",
        "git config --get user.email",
        "git config --get-regexp .",
        "git config --local --global -l",
    ):
        verdict, code, _ = decide(dev, command=line)
        assert (verdict, code) == ("deny", "EG-POLICY-FLAG"), line
    assert decide(dev, command="git config --local -l")[0] == "allow"


def test_no_job_touches_the_policy_file(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    (ws / "sub").mkdir()
    src = tmp_path / "pf.toml"
    src.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\nwrite_redirects = true\n'
        + "".join(f'[[allow]]\ncommand = "{c}"\npaths = "workspace"\n' for c in ("cp", "cat"))
        + '[[allow]]\ncommand = "echo"\n'
    )
    inside = ws / "execgate.toml"
    inside.write_text(src.read_text())
    policy = load_policy(inside)
    for line in (
        "echo '[[allow]]' >> execgate.toml",
        "cp a.txt execgate.toml",
        "cp a.txt sub/../execgate.toml",
        "cat execgate.toml",
        f"cp a.txt {inside}",
    ):
        verdict, code, _ = decide(policy, command=line)
        assert (verdict, code) == ("deny", "EG-PATH-ESCAPE"), line
    assert decide(policy, command="cp a.txt other.toml")[0] == "allow"
    v = evaluate(policy, ExecRequest(argv=("cat", "a.txt"), secure=True), dict(os.environ))
    assert v.plan is not None and v.plan.sandbox is not None
    assert str(inside) in v.plan.sandbox.hide  # an empty device over it, read-only


def test_short_option_clusters_carry_their_paths(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        RO
        + "".join(
            f'[[allow]]\ncommand = "{c}"\npaths = "workspace"\n'
            for c in ("cp", "mv", "patch", "git commit")
        ),
        "clusters",
    )
    for line in (
        "cp -at/etc a.txt",
        "cp -rt/root a.txt",
        "cp -at.. a.txt",
        "mv -ft/tmp k.txt",
        "patch -so/tmp/pwn a.txt",
        "git commit --allow-empty -qF/etc/hostname",
        "cp -vat../.. a.txt",
    ):
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    for line in ("cp -at sub a.txt", "cp -at./sub a.txt", "cp -a a.txt b.txt"):
        assert decide(policy, command=line)[0] == "allow", line


def test_a_glob_never_turns_a_file_name_into_an_option(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "cp"\npaths = "workspace"\n', "dash")
    ws = Path(policy.root)
    (ws / "-at..").write_text("")
    (ws / "--checkpoint-action=exec=sh").write_text("")
    for line in ("cp *.. a.txt", "ls *", "cat *"):
        verdict, _, _ = decide(policy, command=line)
        assert verdict == "deny", line
    assert decide(policy, command="ls ./*")[0] == "allow"


def test_mode_rules_and_file_questions_stay_in_the_workspace(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        RO + '[[allow]]\ncommand = "git apply"\n[[allow]]\ncommand = "test"\n',
        "mode",
    )
    for line, code in (
        ("git apply --unsafe-paths x.patch", "EG-POLICY-FLAG"),
        ("git apply --unsafe x.patch", "EG-POLICY-FLAG"),
        ("test -r /etc/shadow", "EG-PATH-ESCAPE"),
        ("test ! -e /root/x", "EG-PATH-ESCAPE"),
        ("test /etc -nt a.txt", "EG-PATH-ESCAPE"),
    ):
        assert decide(policy, command=line)[:2] == ("deny", code), line
    (Path(policy.root) / "x.patch").write_text("--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-A\n+B\n")
    for line in ("git apply x.patch", "test -f a.txt", "test x = /etc", "test -n /etc"):
        assert decide(policy, command=line)[0] == "allow", line


def test_git_configuration_naming_outside_files_is_refused(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git"\n', "gitfiles")
    ws = Path(policy.root)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / ".git-blame-ignore-revs").write_text("")
    for key, value, allowed in (
        ("blame.ignoreRevsFile", ".git-blame-ignore-revs", True),
        ("blame.ignoreRevsFile", "/etc/hostname", False),
        ("commit.template", "~/.ssh/id_rsa", False),
        ("mailmap.file", "../../outside", False),
        ("core.excludesFile", "/etc/passwd", False),
        ("http.sslKey", "/root/key.pem", False),
    ):
        subprocess.run(["git", "-C", str(ws), "config", "--local", key, value], check=True)
        verdict, _, _ = decide(policy, command="git log --oneline")
        assert (verdict == "allow") is allowed, (key, value)
        subprocess.run(["git", "-C", str(ws), "config", "--local", "--unset", key], check=True)


def test_a_relative_symlink_is_not_moved_to_where_it_points_outside(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        RO + "".join(f'[[allow]]\ncommand = "{c}"\npaths = "workspace"\n' for c in ("mv", "cp")),
        "moved",
    )
    ws = Path(policy.root)
    (ws / "sub" / "dir").mkdir(parents=True)
    (ws / "sub" / "dir" / "lr").symlink_to("../../tgt")  # inside from here: ws/tgt
    for line in (
        "mv sub/dir/lr lr",
        "mv sub/dir/lr .",
        "mv -t . sub/dir/lr",
        "cp -a sub/dir/lr .",
        "cp -P sub/dir/lr x",
        "mv sub/dir .",
        "cp -r sub/dir .",
    ):
        verdict, code, _ = decide(policy, command=line)
        assert (verdict, code) == ("deny", "EG-PATH-ESCAPE"), line
    for line in ("mv sub/dir/lr sub/dir/lr2", "mv sub sub2", "cp -r sub copy", "cp sub/dir/lr x"):
        assert decide(policy, command=line)[0] == "allow", line


# --- find -exec: the inner command is decided as its own command -----------------------------

FIND_EXEC_REFUSED = [
    ("find . -exec cat /etc/passwd \\;", "EG-PATH-ESCAPE"),  # a path through the inner command
    ("find . -exec cat ../x {} \\;", "EG-PATH-ESCAPE"),
    ("find / -name a.txt -exec cat {} \\;", "EG-PATH-ESCAPE"),  # find's own start point
    ("find .. -exec cat {} +", "EG-PATH-ESCAPE"),
    ("find -L . -exec cat {} \\;", "EG-PATH-ESCAPE"),  # walks through symlinks
    ("find . -follow -exec cat {} \\;", "EG-PATH-ESCAPE"),
    ("find . -exec sh -c 'cat \"$1\"' _ {} \\;", "EG-POLICY-NOT-ALLOWED"),  # no rule for sh
    ("find . -exec sh -c 'cat /etc/passwd' \\;", "EG-PATH-ESCAPE"),
    ("find . -exec bash -c 'id' \\;", "EG-POLICY-NOT-ALLOWED"),
    ("find . -exec rm -rf {} \\;", "EG-POLICY-NOT-ALLOWED"),  # the inner program's own rule
    ("find . -exec sed -i s/a/b/ {} \\;", "EG-POLICY-FLAG"),  # the inner table refuses -i
    ("find . -exec {} \\;", "EG-POLICY-WRAPPER"),  # runs what it finds
    ("find . -exec ./{} \\;", "EG-POLICY-WRAPPER"),
    ("find . -exec cat {}.bak \\;", "EG-POLICY-WRAPPER"),  # {} inside a word
    ("find . -exec cat /etc/{} \\;", "EG-POLICY-WRAPPER"),
    ("find . -execdir cat a.txt {} \\;", "EG-POLICY-WRAPPER"),  # relative to each file
    ("find . -exec cat {} \\; -exec id \\;", "EG-POLICY-WRAPPER"),  # a second command
    ("find . -exec cat {} + -delete", "EG-POLICY-WRAPPER"),
    ("find . -exec cat {} \\; -fprint out.txt", "EG-POLICY-WRAPPER"),
    ("find . -ok cat {} \\;", "EG-POLICY-WRAPPER"),
    ("find -files0-from a.txt -exec cat {} \\;", "EG-POLICY-WRAPPER"),  # start points unseen
    ("find -files0-from a.txt", "EG-POLICY-WRAPPER"),
    ("find . -exec cat {}", "EG-POLICY-WRAPPER"),  # no end
    ("find . -exec find . -exec cat {} \\; \\;", "EG-POLICY-WRAPPER"),
    ("find . -exec env LD_PRELOAD=/tmp/x.so cat {} \\;", "EG-ENV-DENIED"),
    ("find . -exec timeout 5 sh -c id \\;", "EG-POLICY-NOT-ALLOWED"),
    ("find . -exec xargs cat {} \\;", "EG-POLICY-NOT-ALLOWED"),
]


@pytest.mark.parametrize(("line", "code"), FIND_EXEC_REFUSED)
def test_find_exec_is_refused_when_its_command_would_be(dev: Policy, line: str, code: str) -> None:
    verdict, got, _ = decide(dev, command=line)
    assert (verdict, got) == ("deny", code), line


def test_find_exec_into_a_shell_takes_no_positional_parameters(tmp_path: Path) -> None:
    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "find"\n', "ro-find")
    for line in ("find . -exec sh -c 'cat \"$1\"' _ {} \\;", "find . -exec bash -c 'cat $0' {} +"):
        verdict, code, _ = decide(policy, command=line)
        assert (verdict, code) == ("deny", "EG-POLICY-FLAG"), line
    verdict, code, _ = decide(policy, command="find . -exec sh -c 'cat /etc/passwd' \\;")
    assert (verdict, code) == ("deny", "EG-PATH-ESCAPE")


def test_find_exec_runs_the_decided_command_and_never_a_listed_symlink(dev: Policy) -> None:
    _, code, plan = decide(dev, command='find . -name "*.txt" -exec grep -l A {} \\;')
    assert code == "EG-ALLOWED" and plan is not None
    # the inner program by its resolved path, symlinks never handed to it, find's own end
    at = plan.index("-exec")
    assert plan[plan.index("(") : plan.index("(") + 4] == ("(", "!", "-type", "l")
    assert os.path.isabs(plan[at + 1]) and plan[-3:] == ("{}", ";", ")")
    _, code, plan = decide(dev, command="find . -exec git log -1 {} +")
    assert code == "EG-ALLOWED" and plan is not None and "--no-ext-diff" in plan


@pytest.mark.anyio
async def test_find_exec_does_not_read_through_a_workspace_symlink(
    dev: Policy, tmp_path: Path, anyio_backend: str
) -> None:
    """A symlink named like the files searched for, pointing outside: find lists it, the
    command never opens it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OUTSIDE\n")
    ws = tmp_path / "ws"
    (ws / "b.txt").symlink_to(secret)
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=dev, store=store) as gate:
        for line in (
            'find . -name "*.txt" -exec cat {} \\;',
            "find . -exec cat {} +",
            'find . -name "*.txt" -o -name "*.py" -exec grep -H SECRET {} \\;',
            "find . ! -exec cat {} \\;",  # a negation before -exec does not undo the guard
            "find . -type l -exec cat {} +",
            "find . \\( -name 'b*' -exec cat {} \\; \\) -o -print",
        ):
            result = await gate.run(command=line)
            assert b"SECRET-OUTSIDE" not in result.stdout, (line, result.stdout)
        result = await gate.run(command='find . -name "*.txt" -exec cat {} \\;')
        assert result.stdout == b"A-CONTENT\n", result


def test_a_remembered_git_configuration_is_read_again_once_it_changes(tmp_path: Path) -> None:
    """A gate remembers what a repository's configuration held while the file is the same;
    a configuration written between two decisions is read again at once, even when it keeps
    the file's size and is rewritten in place."""
    from execgate.policy import Resolver

    policy = _load(tmp_path, RO + '[[allow]]\ncommand = "git"\n', "remembered")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    resolver = Resolver()
    config = ws / ".git" / "config"
    benign = config.read_text() + '[alias "x"]\n\ts = status --short --branch\n'
    hostile = config.read_text() + '[filter "x"]\n\tclean = id\n'
    hostile += "#" * (len(benign) - len(hostile) - 1) + "\n"
    assert len(hostile) == len(benign)
    config.write_text(benign)
    env = dict(os.environ)
    for _ in range(2):
        v = evaluate(policy, ExecRequest(command="git status"), env, resolver)
        assert v.decision.allowed, v.decision
    with open(config, "r+") as f:  # the same inode, written in place
        f.write(hostile)
    v = evaluate(policy, ExecRequest(command="git status"), env, resolver)
    assert v.decision.code == "EG-POLICY-FLAG", v.decision
    (ws / ".git" / "config.worktree").write_text("[core]\n\tsshCommand = id\n")
    config.write_text(benign)
    v = evaluate(policy, ExecRequest(command="git status"), env, resolver)
    assert v.decision.code == "EG-POLICY-FLAG", v.decision


def test_no_job_plants_git_hooks_or_config(tmp_path: Path) -> None:
    policy = _load(tmp_path, LINKS_POLICY + '[[allow]]\ncommand = "git"\n', "hooks")
    _git(tmp_path / "ws", "init", "-q")
    for line in (
        "cp a.txt .git/hooks/pre-commit",
        "echo x >> .git/config",
        "cat .git/config",
        "cp -r a.txt .git/hooks",
        "cp a.txt .git/hooks/../config",
    ):
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    assert decide(policy, command="git status")[0] == "allow"
    v = evaluate(policy, ExecRequest(argv=("git", "status"), secure=True), dict(os.environ))
    assert v.plan is not None and v.plan.sandbox is not None
    assert f"{policy.root}/.git/hooks" in v.plan.sandbox.read
    assert f"{policy.root}/.git/config" in v.plan.sandbox.read


@pytest.mark.anyio
async def test_a_policy_rewritten_by_a_job_is_put_back(tmp_path: Path) -> None:
    """patch writes the file its input names: the gate reads the patch and refuses it; an
    interpreter never names the file at all, so the gate also compares the file after the job
    and restores what it loaded."""
    ws = tmp_path / "ws"
    ws.mkdir()
    text = (
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\nwrite_redirects = true\n'
        '[[allow]]\ncommand = "patch"\n[[allow]]\ncommand = "cat"\n'
        '[[allow]]\ncommand = "python3"\nargs = "any"\n'
    )
    policy_file = ws / "execgate.toml"
    policy_file.write_text(text)
    evil = text + '[[allow]]\ncommand = "id"\n'
    diff = subprocess.run(
        ["diff", "-u", "--label", "a/execgate.toml", "--label", "b/execgate.toml",
         str(policy_file), "-"],
        input=evil.encode(), capture_output=True, check=False,
    ).stdout  # fmt: skip
    (ws / "e.diff").write_bytes(diff)
    (ws / "evil.txt").write_text(evil)
    policy = load_policy(policy_file)
    store = f"sqlite:///{tmp_path / 'rec' / 'ev.db'}"
    async with Gate.open(policy, store) as gate:
        with pytest.raises(Refused):
            await gate.run(command="patch -p1 -i e.diff")
        r = await gate.run(
            argv=["python3", "-c", "open('execgate.toml','w').write(open('evil.txt').read())"]
        )
        assert r.exit_code == 0, r.stderr
        assert policy_file.read_text() == text  # put back before the result came
        kept = list(ws.glob("execgate.toml.rejected-*"))
        assert len(kept) == 1 and kept[0].read_text() == evil
        events = await gate.events(job_id=r.job_id)
        assert any(e.code == "EG-POLICY-TAMPERED" for e in events)
    assert all(rule.command != "id" for rule in load_policy(policy_file).allow)


@pytest.mark.anyio
@pytest.mark.parametrize("left", ["symlink", "directory", "symlink-out"])
async def test_a_policy_replaced_by_a_symlink_or_directory_is_put_back(
    tmp_path: Path, left: str
) -> None:
    """A job that leaves something other than a file under the policy's name (a symlink to
    a policy of its own, a directory, a symlink to a file outside) gets the loaded policy back
    all the same; what it left is moved aside, never read through, and the request's job id is
    never part of a name the guard makes."""
    ws = tmp_path / "ws"
    ws.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("OUTSIDE-SECRET\n")
    text = (
        f'version = 1\n[workspace]\nroot = "{ws}"\n'
        '[[allow]]\ncommand = "python3"\nargs = "any"\n[[allow]]\ncommand = "cat"\n'
    )
    policy_file = ws / "execgate.toml"
    policy_file.write_text(text)
    policy_file.chmod(0o640)
    (ws / "evil.toml").write_text(text.replace('command = "cat"', 'command = "cat"\npaths = "any"'))
    swap = {
        "symlink": "os.symlink('evil.toml', 'execgate.toml')",
        "directory": "os.mkdir('execgate.toml')",
        "symlink-out": f"os.symlink({str(outside)!r}, 'execgate.toml')",
    }[left]
    store = f"sqlite:///{tmp_path / 'rec' / 'ev.db'}"
    async with Gate.open(load_policy(policy_file), store) as gate:
        r = await gate.run(
            argv=["python3", "-c", f"import os; os.remove('execgate.toml'); {swap}"],
            job_id="x/../../../escaped",
        )
        assert r.exit_code == 0, r.stderr
        assert not policy_file.is_symlink() and policy_file.read_text() == text
        assert oct(policy_file.stat().st_mode & 0o777) == oct(0o640)
        kept = list(ws.glob("execgate.toml.rejected-*"))
        assert len(kept) == 1
        assert kept[0].is_symlink() == left.startswith("symlink")
        events = await gate.events(job_id=r.job_id)
        assert any(e.code == "EG-POLICY-TAMPERED" for e in events)
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.glob("*escaped*"))
    assert "OUTSIDE-SECRET" not in "".join(
        p.read_text() for p in ws.rglob("*") if p.is_file() and not p.is_symlink()
    )
    reloaded = load_policy(policy_file)
    assert all(rule.paths != "any" for rule in reloaded.allow)


# --- archives: an extraction's members are paths it writes -----------------------------------

ARCHIVERS = """
version = 1
[workspace]
root = "{root}"
[[allow]]
command = "unzip"
[[allow]]
command = "tar"
args = "any"
[[allow]]
command = "cpio"
"""


def _zip(path: Path, members: list[tuple[str, str | None, bytes]]) -> None:
    """A zip of (name, symlink target or None, data) members, as an attacker would send."""
    import stat as st
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        for name, link, data in members:
            info = zipfile.ZipInfo(name)
            if link is not None:
                info.create_system = 3
                info.external_attr = (st.S_IFLNK | 0o777) << 16
                zf.writestr(info, link)
            else:
                info.external_attr = (st.S_IFREG | 0o644) << 16
                zf.writestr(info, data)


def _tar(path: Path, members: list[tuple[str, str | None, bytes]], hard: bool = False) -> None:
    import io
    import tarfile

    with tarfile.open(path, "w") as tf:
        for name, link, data in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
                info.linkname = link
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))


HOSTILE_ARCHIVES = {
    "absolute link": [("d/l", "/etc/shadow", b"")],
    "link up": [("l", "../../outside", b"")],
    "link to a dir out": [("t", "/tmp", b"")],
    "link then write through it": [("t", "/tmp", b""), ("t/pwned", None, b"x")],
    "loop through a dot link": [("c", ".", b""), ("c/c/c/a", "../x", b"")],
    "climb after a link": [("x/y/b", "../..", b""), ("x/y/a", "b/../z", b"")],
    "a git hook": [(".git/hooks/pre-commit", None, b"#!/bin/sh\nid\n")],
    "absolute name": [("/tmp/pwned", None, b"x")],
}


@pytest.mark.parametrize("shape", sorted(HOSTILE_ARCHIVES))
@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_an_extraction_that_would_write_or_link_outside_is_refused(
    tmp_path: Path, shape: str, kind: str
) -> None:
    policy = _load(tmp_path, ARCHIVERS, "arch")
    ws = tmp_path / "ws"
    (ws / "x" / "y").mkdir(parents=True)
    members = HOSTILE_ARCHIVES[shape]
    if kind == "zip":
        _zip(ws / "a.zip", members)
        lines = ["unzip a.zip", "unzip -o a.zip", "unzip -q a -d x", "unzip -oq a.zip"]
    else:
        _tar(ws / "a.tar", members)
        lines = [
            "tar -xf a.tar",
            "tar xf a.tar",
            "tar --extract --file=a.tar",
            "tar -xf a.tar -C x",
        ]
    for line in lines:
        if shape in ("climb after a link", "loop through a dot link") and line.endswith(" x"):
            continue  # extracted into x/, these members land one level deeper: inside
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (shape, line, v.decision.reason)
        assert v.decision.code == "EG-PATH-ESCAPE", (shape, line, v.decision.reason)


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_an_archive_member_never_replaces_the_policy_file(tmp_path: Path, kind: str) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "execgate.toml").write_text(ARCHIVERS.format(root=ws))
    policy = load_policy(ws / "execgate.toml")
    hostile: list[tuple[str, str | None, bytes]] = [
        ("evil.toml", None, b"[[allow]]"),
        ("execgate.toml", "evil.toml", b""),
    ]
    (_zip if kind == "zip" else _tar)(ws / f"t.{kind}", hostile)
    line = "unzip -o t.zip" if kind == "zip" else "tar -xf t.tar"
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert (v.decision.verdict, v.decision.code) == ("deny", "EG-PATH-ESCAPE"), v.decision


def test_a_member_written_through_a_workspace_symlink_is_refused(tmp_path: Path) -> None:
    """A symlink already in the workspace (made by an earlier extraction, a checkout) leads a
    later extraction's member outside."""
    policy = _load(tmp_path, ARCHIVERS, "arch")
    ws = tmp_path / "ws"
    (ws / "t").symlink_to(tmp_path)
    _zip(ws / "w.zip", [("t/pwned", None, b"x")])
    _tar(ws / "w.tar", [("t/pwned", None, b"x")])
    for line in ("unzip w.zip", "tar -xf w.tar"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert (v.decision.verdict, v.decision.code) == ("deny", "EG-PATH-ESCAPE"), line


def test_extractions_that_cannot_be_read_first_are_refused(tmp_path: Path) -> None:
    policy = _load(tmp_path, ARCHIVERS, "arch")
    (tmp_path / "ws" / "bad.zip").write_bytes(b"not a zip")
    for line in ("unzip bad.zip", "tar -xf bad.zip", "tar -x", "cpio -i", "cpio -idv"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", line


def test_ordinary_archives_extract(tmp_path: Path) -> None:
    policy = _load(tmp_path, ARCHIVERS, "arch")
    ws = tmp_path / "ws"
    members: list[tuple[str, str | None, bytes]] = [
        ("pkg/a.py", None, b"x"),
        ("pkg/sub/b.py", None, b"y"),
        ("pkg/link", "sub/b.py", b""),
        ("pkg/sub/up", "../a.py", b""),
    ]
    _zip(ws / "ok.zip", members)
    _tar(ws / "ok.tar", members)
    _tar(ws / "hard.tar", [("pkg/a.py", None, b"x"), ("pkg/h", "pkg/a.py", b"")], hard=True)
    for line in (
        "unzip ok.zip",
        "unzip -o ok.zip -d out",
        "unzip -l ok.zip",
        "unzip -p ok.zip pkg/a.py",
        "tar -xf ok.tar",
        "tar xf ok.tar -C out",
        "tar -xf hard.tar",
    ):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "allow", (line, v.decision.reason)


@pytest.mark.anyio
@pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip")
async def test_the_attackers_archive_chain_writes_nothing_outside(
    tmp_path: Path, anyio_backend: str
) -> None:
    """unzip of a link to a directory outside is refused through a real gate; the member
    meant to be written through it then lands inside, and nothing appears outside."""
    policy = _load(tmp_path, ARCHIVERS, "arch")
    ws = tmp_path / "ws"
    outside = tmp_path / "outside"
    outside.mkdir()
    _zip(ws / "links.zip", [("t", str(outside), b"")])
    _zip(ws / "write.zip", [("t/pwned", None, b"written through the gate")])
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        with pytest.raises(Refused):
            await gate.run(command="unzip links.zip")
        assert (await gate.run(command="unzip -q write.zip")).exit_code == 0
    assert list(outside.iterdir()) == []
    assert (ws / "t" / "pwned").is_file() and not (ws / "t").is_symlink()


@pytest.mark.parametrize(
    "line",
    [
        "rsync '--filter=. /tmp/rules' a.txt out/",
        "rsync -f 'merge,+ /tmp/rules' a.txt out/",
        "rsync --filter=':n- .rules' -a . out/",
        "rsync --filter 'dir-merge /.rsync-filter' -a . out/",
        "rsync a.txt localhost:/tmp/y",
        "rsync a.txt host::module",
        "rsync rsync://host/m/x out/",
        "less --lesskey-src=ks a.txt",
        "less --lesskey-s=ks a.txt",
        "less --lesskey-content=x a.txt",
    ],
)
def test_files_and_hosts_hidden_in_option_values_are_refused(tmp_path: Path, line: str) -> None:
    text = 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "rsync"\n'
    policy = _load(tmp_path, text + '[[allow]]\ncommand = "less"\n', "hidden")
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.verdict == "deny", (line, v.decision.reason)
    for fine in ("rsync --filter='- *.pyc' -a . out/", "rsync -a ./a:b out/", "less a.txt"):
        v = evaluate(policy, ExecRequest(command=fine), dict(os.environ))
        assert v.decision.verdict == "allow", (fine, v.decision.reason)


@pytest.mark.parametrize(
    "line",
    [
        "cp config .git/",
        "cp -t .git config",
        "cp --target-directory=.git config",
        "mv config .git",
        "ln config .git/",
        "install config .git/",
        "cp -r tpl/hooks .git/",
        "cp -rT tpl .git",
        "cp -r tpl/. .git/",
        "cp evil.toml sub/../",
        "git init -q --template=tpl",
        "git init --templ=tpl",
        "git clone --template=tpl a b",
    ],
)
def test_writes_that_land_on_git_control_files_or_the_policy_are_refused(
    tmp_path: Path, line: str
) -> None:
    """A directory destination names no final path: where each source (and each entry of a
    source directory) lands is checked as if named."""
    ws = tmp_path / "ws"
    (ws / "tpl" / "hooks").mkdir(parents=True)
    (ws / "tpl" / "hooks" / "post-commit").write_text("#!/bin/sh\nid\n")
    (ws / "tpl" / "config").write_text("[core]\n\tfsmonitor = id\n")
    (ws / "config").write_text("[core]\n")
    (ws / "sub").mkdir()
    (ws / "evil.toml").write_text("")
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    rules = "".join(
        f'[[allow]]\ncommand = "{c}"\n' for c in ("cp", "mv", "ln", "install", "git init")
    )
    text = (
        'version = 1\n[workspace]\nroot = "{root}"\n' + rules + '[[allow]]\ncommand = "git clone"\n'
    )
    (ws / "evil.toml").rename(ws / "sub" / "evil.toml")
    policy_file = ws / "evil.toml"
    policy_file.write_text(text.format(root=ws))
    policy = load_policy(policy_file)
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.verdict == "deny", (line, v.decision.reason)
    for fine in ("cp config sub/", "cp -r tpl sub/", "mv tpl sub", "git init -q x"):
        v = evaluate(policy, ExecRequest(command=fine), dict(os.environ))
        assert v.decision.verdict == "allow", (fine, v.decision.reason)


# --- patches: the files a patch writes are named in the patch -------------------------------

HOOK_DIFF = """diff --git a/.git/hooks/post-commit b/.git/hooks/post-commit
new file mode 100755
--- /dev/null
+++ b/.git/hooks/post-commit
@@ -0,0 +1,2 @@
+#!/bin/sh
+touch {marker}
"""
LINK_DIFF = """diff --git a/l b/l
new file mode 120000
--- /dev/null
+++ b/l
@@ -0,0 +1 @@
+/etc/shadow
\\ No newline at end of file
"""
UP_DIFF = """--- a/../../outside.txt
+++ b/../../outside.txt
@@ -0,0 +1 @@
+x
"""
OK_DIFF = """--- a/x.txt
+++ b/x.txt
@@ -0,0 +1 @@
+hello
"""


def _patch_ws(tmp_path: Path) -> Policy:
    rules = "".join(f'[[allow]]\ncommand = "{c}"\n' for c in ("patch", "git apply", "cat", "git"))
    policy = _load(tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n' + rules, "patches")
    ws = tmp_path / "ws"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    marker = tmp_path / "hook-ran"
    (ws / "hook.diff").write_text(HOOK_DIFF.format(marker=marker))
    (ws / "link.diff").write_text(LINK_DIFF)
    (ws / "up.diff").write_text(UP_DIFF)
    (ws / "ok.diff").write_text(OK_DIFF)
    return policy


@pytest.mark.parametrize(
    "line",
    [
        "patch -p1 -i hook.diff",
        "patch -p1 < hook.diff",
        "patch -p1 --input=hook.diff",
        "patch -p0 -ihook.diff",
        "patch x hook.diff",
        "git apply hook.diff",
        "git apply -p1 hook.diff",
        "git apply link.diff",
        "patch -p1 < link.diff",
        "patch -p1 -i up.diff",
        "patch -d sub -p1 -i up.diff",
        "cat hook.diff | patch -p1",
        "cat ok.diff | git apply",
        "cat ok.diff && patch -p1 -i ok.diff",
        "patch -p1 -i missing.diff",
    ],
)
def test_a_patch_is_read_and_its_files_decided(tmp_path: Path, line: str) -> None:
    policy = _patch_ws(tmp_path)
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.verdict == "deny", (line, v.decision.reason)


def test_a_patch_on_stdin_is_read_too(tmp_path: Path) -> None:
    policy = _patch_ws(tmp_path)
    hook = (tmp_path / "ws" / "hook.diff").read_bytes()
    for argv in (("patch", "-p1"), ("git", "apply"), ("git", "apply", "-")):
        v = evaluate(policy, ExecRequest(argv=argv, stdin=hook), dict(os.environ))
        assert v.decision.verdict == "deny", argv
    ok = (tmp_path / "ws" / "ok.diff").read_bytes()
    v = evaluate(policy, ExecRequest(argv=("patch", "-p1"), stdin=ok), dict(os.environ))
    assert v.decision.verdict == "allow", v.decision.reason


def test_ordinary_patches_apply(tmp_path: Path) -> None:
    policy = _patch_ws(tmp_path)
    for line in ("patch -p1 -i ok.diff", "patch -p1 < ok.diff", "git apply ok.diff",
                 "git apply --check ok.diff", "patch --dry-run -p1 -i ok.diff"):  # fmt: skip
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "allow", (line, v.decision.reason)


def test_ed_scripts_are_never_handed_to_ed(tmp_path: Path) -> None:
    """patch hands an ed-style diff to ed, whose ``w FILE`` and ``!cmd`` no header names."""
    policy = _patch_ws(tmp_path)
    ws = tmp_path / "ws"
    (ws / "a.txt").write_text("hello\n")
    (ws / "w.ed").write_text("1c\nbye\n.\nw /tmp/eg-ed-written\n")
    (ws / "bang.ed").write_text("  3,5d\r\n!touch /tmp/eg-ed-ran\n")
    for line in ("patch a.txt w.ed", "patch a.txt < w.ed", "patch -i bang.ed a.txt",
                 "patch -e a.txt ok.diff", "patch --ed a.txt ok.diff", "patch -se a.txt ok.diff",
                 "patch a.txt <<'EOF'\n1d\nw /tmp/x\nEOF"):  # fmt: skip
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (line, v.decision.reason)
        assert "ed" in v.decision.reason, v.decision.reason
    # a normal diff's command line has numbers on both sides: not an ed script
    (ws / "n.diff").write_text("1c1\n< hello\n---\n> bye\n")
    v = evaluate(policy, ExecRequest(command="patch a.txt n.diff"), dict(os.environ))
    assert v.decision.verdict == "allow", v.decision.reason


@pytest.mark.anyio
async def test_a_hook_in_a_patch_is_never_planted(tmp_path: Path, anyio_backend: str) -> None:
    policy = _patch_ws(tmp_path)
    ws = tmp_path / "ws"
    hook = (ws / "hook.diff").read_bytes()
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        for request in (
            {"command": "patch -p1 -i hook.diff"},
            {"argv": ["patch", "-p1"], "stdin": hook},
        ):
            with pytest.raises(Refused):
                await gate.run(**request)  # type: ignore[arg-type]
    assert not (ws / ".git" / "hooks" / "post-commit").exists()


@pytest.mark.anyio
async def test_a_policy_whose_directory_is_renamed_away_is_put_back(
    tmp_path: Path, anyio_backend: str
) -> None:
    """The policy in a subdirectory of the workspace: a job renames the directory and puts
    a directory of its own there, holding a symlink to its own policy. The gate puts the chain
    back, and a gate opened next loads the policy it was given."""
    ws = tmp_path / "ws"
    (ws / "cfg").mkdir(parents=True)
    text = (
        f'version = 1\n[workspace]\nroot = "{ws}"\n'
        '[[allow]]\ncommand = "python3"\nargs = "any"\n[[allow]]\ncommand = "cat"\n'
    )
    policy_file = ws / "cfg" / "execgate.toml"
    policy_file.write_text(text)
    (ws / "evil.toml").write_text(text.replace('command = "cat"', 'command = "cat"\npaths = "any"'))
    swap = (
        "import os; os.rename('cfg', 'cfg_old'); os.mkdir('cfg'); "
        "os.symlink('../evil.toml', 'cfg/execgate.toml')"
    )
    store = f"sqlite:///{tmp_path / 'rec' / 'ev.db'}"
    async with Gate.open(load_policy(policy_file), store) as gate:
        r = await gate.run(argv=["python3", "-c", swap])
        assert r.exit_code == 0, r.stderr
        events = await gate.events(job_id=r.job_id)
        assert any(e.code == "EG-POLICY-TAMPERED" for e in events)
    assert not policy_file.is_symlink() and policy_file.read_text() == text
    assert all(rule.paths != "any" for rule in load_policy(policy_file).allow)


# --- attacker round: second names, a .git moved into place, find -exec link makers ---------


def _git_ws(tmp_path: Path, repo: bool = True) -> Policy:
    rules = "".join(
        f'[[allow]]\ncommand = "{c}"\n'
        for c in ("cp", "mv", "ln", "link", "install", "find", "cat", "git apply", "echo")
    )
    text = 'version = 1\n[workspace]\nroot = "{root}"\n[shell]\nwrite_redirects = true\n'
    policy = _load(tmp_path, text + rules, "gitws")
    ws = tmp_path / "ws"
    if repo:
        subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "ev" / "refs").mkdir(parents=True)
    (ws / "ev" / "config").write_text("[core]\n\tfsmonitor = id\n")
    (ws / "a" / "b" / "c").mkdir(parents=True)
    (ws / "l5").symlink_to(tmp_path)
    return policy


@pytest.mark.parametrize(
    ("line", "cwd", "repo"),
    [
        ("cp -al .git gc", ".", True),
        ("cp -rl .git gc", ".", True),
        ("cp --link -r .git gc", ".", True),
        ("ln .git/config c2", ".", True),
        ("link .git/config c3", ".", True),
        ("mv ev .git", ".", False),
        ("ln -s ev .git", ".", False),
        ("cp -r ev a/.git", ".", True),
        ("echo 'gitdir: ev' > .git", ".", False),
        ("echo ../ev > .git/commondir", ".", True),
        ("cp a.txt .git/commondir", ".", True),
        ("cp -tl5 a.txt", ".", True),
        ("cp -vtl5 a.txt", ".", True),
        ("find ../.. -maxdepth 0 -exec ln -s ../../x '{}' ';'", "a/b", True),
        ("find . -maxdepth 0 -exec git apply ';' && cat l3", ".", True),
        ("find . -exec ln -s x '{}' ';'", ".", True),
        ("find . -exec ln '{}' y ';'", ".", True),
        ("find . -exec cp -l '{}' y ';'", ".", True),
        ("find . -name x -exec cp -s '{}' y ';'", ".", True),
        ("cp -b --suffix=X/../../../../pwned ../../../a.txt ../../../t", "a/b/c", True),
    ],
)
def test_second_names_and_repositories_made_by_a_job_are_refused(
    tmp_path: Path, line: str, cwd: str, repo: bool
) -> None:
    policy = _git_ws(tmp_path, repo)
    v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
    assert v.decision.verdict == "deny", (line, v.decision.reason)


def test_ordinary_copies_links_and_finds_are_fine(tmp_path: Path) -> None:
    policy = _git_ws(tmp_path)
    for line in (
        "cp -al ev ev2",
        "ln a.txt a2.txt",
        "mv ev ev3",
        "cp -b -S .bak a.txt t",
        "find . -name x -exec cp '{}' y ';'",
        "find . -name '*.txt' -exec cat '{}' +",
        "cat .git/HEAD",
    ):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "allow", (line, v.decision.reason)


def test_an_archive_member_named_with_dot_dot_is_refused(tmp_path: Path) -> None:
    """unzip -: keeps ../ in member names: the member is written where it resolves."""
    policy = _load(tmp_path, ARCHIVERS, "arch")
    _zip(tmp_path / "ws" / "dd.zip", [("../../../tmp/pwned", None, b"x")])
    for line in ("unzip -: dd.zip", "unzip dd.zip"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert (v.decision.verdict, v.decision.code) == ("deny", "EG-PATH-ESCAPE"), line


@pytest.mark.anyio
@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync")
async def test_rsync_never_lands_a_relative_link_where_it_points_out(
    tmp_path: Path, anyio_backend: str
) -> None:
    """``lr -> ../../../x`` is inside from d1/d2/d3 and outside from d1: rsync keeping links
    runs with --safe-links, which leaves out every link pointing out of the copied tree."""
    policy = _load(
        tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "rsync"\n', "rs"
    )
    ws = tmp_path / "ws"
    (ws / "d1" / "d2" / "d3").mkdir(parents=True)
    (ws / "d1" / "d2" / "d3" / "lr").symlink_to("../../../x.txt")
    (ws / "d1" / "d2" / "d3" / "ok").symlink_to("inner.txt")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        for argv in (["rsync", "-a", "d1/d2/d3/lr", "d1/"], ["rsync", "-rl", "d1/d2/d3/", "d1/"]):
            r = await gate.run(argv=argv)
            assert r.exit_code == 0, r.stderr
            assert "--safe-links" in r.argv
    assert not (ws / "d1" / "lr").is_symlink()
    assert (ws / "d1" / "ok").is_symlink()


@pytest.mark.anyio
async def test_git_init_of_a_subdirectory_makes_its_own_repository(
    tmp_path: Path, anyio_backend: str
) -> None:
    """The plan pins git to the repository it decided on, except where git makes one."""
    policy = _load(
        tmp_path,
        'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "git init"\n',
        "gi",
    )
    ws = tmp_path / "ws"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        r = await gate.run(argv=["git", "init", "-q", "sub"])
        assert r.exit_code == 0, r.stderr
    assert (ws / "sub" / ".git" / "HEAD").is_file()


def test_git_mv_of_a_relative_link_and_a_separate_git_dir_are_refused(tmp_path: Path) -> None:
    rules = '[[allow]]\ncommand = "git mv"\n[[allow]]\ncommand = "git init"\n'
    policy = _load(tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n' + rules, "gm")
    ws = tmp_path / "ws"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "d1" / "d2" / "d3").mkdir(parents=True)
    (ws / "d1" / "d2" / "d3" / "lr").symlink_to("../../../x")
    for line in ("git mv d1/d2/d3/lr d1/", "git mv -f d1/d2/d3/lr d1/lr2",
                 "git init --separate-git-dir=gd", "git init --separate-git-dir gd x"):  # fmt: skip
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (line, v.decision.reason)
    v = evaluate(policy, ExecRequest(command="git mv d1/d2/d3/lr d1/d2/d3/lr3"), dict(os.environ))
    assert v.decision.verdict == "allow", v.decision.reason


def test_pip_never_runs_under_an_interpreter_a_request_names(tmp_path: Path) -> None:
    policy = _load(
        tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "pip"\n', "pip"
    )
    for line in ("pip list --python x", "pip freeze --python=x", "pip --python x list"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (line, v.decision.reason)


@pytest.mark.anyio
async def test_find_exec_never_hands_git_control_files_or_the_policy_to_a_command(
    tmp_path: Path, anyio_backend: str
) -> None:
    """find walks into .git and onto the policy file, which no command may name: the plan's
    guard leaves them out of what -exec gets."""
    ws = tmp_path / "ws"
    ws.mkdir()
    text = (
        f'version = 1\n[workspace]\nroot = "{ws}"\n'
        '[[allow]]\ncommand = "find"\n[[allow]]\ncommand = "tee"\n[[allow]]\ncommand = "cat"\n'
    )
    policy_file = ws / "execgate.toml"
    policy_file.write_text(text)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    config = (ws / ".git" / "config").read_text()
    (ws / "a.txt").write_text("A\n")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(load_policy(policy_file), store) as gate:
        r = await gate.run(
            command="find . -name 'config' -exec tee {} ';'", stdin=b"[core]\n\tfsmonitor = id\n"
        )
        assert r.exit_code == 0, r.stderr
        r = await gate.run(command="find . -name 'execgate.tom?' -exec tee {} ';'", stdin=b"x")
        assert r.exit_code == 0, r.stderr
        r = await gate.run(command="find . -type f -exec cat {} +")
        assert b"A" in r.stdout and b"[core]" not in r.stdout and b"[[allow]]" not in r.stdout
        events = await gate.events()
    assert (ws / ".git" / "config").read_text() == config
    assert policy_file.read_text() == text
    assert not any(e.code in ("EG-POLICY-TAMPERED", "EG-GIT-TAMPERED") for e in events)


# --- attacker round: archives read as tar and unzip read them -------------------------------


def _tar_bytes(members: list[tuple[str, str | None, bytes]]) -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for name, link, data in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type = tarfile.SYMTYPE
                info.linkname = link
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize(
    "line",
    [
        "tar --extr -P -f w.tar",
        "tar --extra -f w.tar",
        "tar -x -f ok.tar --strip-components=1",
        "tar -x -f ok.tar --strip=1",
        "tar -x -f ok.tar --transform=s,a,b,",
        "tar -xPf w.tar",
        "tar -x -i -f ok.tar",
        "tar -x -f ok.tar a -C sub",
        "tar -x -f ok.tar --wildcards 'l*' -C sub",
        "tar -x -f ok.tar -C sub -C sub2",
        "tar -x -f skip.tar",
        "tar -x -f zeros.tar",
    ],
)
def test_tar_extractions_execgate_cannot_model_are_refused(tmp_path: Path, line: str) -> None:
    policy = _load(tmp_path, ARCHIVERS, "arch")
    ws = tmp_path / "ws"
    (ws / "sub").mkdir()
    (ws / "sub2").mkdir()
    (ws / "w.tar").write_bytes(_tar_bytes([("/tmp/pwned", None, b"x")]))
    (ws / "ok.tar").write_bytes(_tar_bytes([("a/x.txt", None, b"x")]))
    first = _tar_bytes([("hello.txt", None, b"hi")])[:1024]  # its header and data block
    (ws / "skip.tar").write_bytes(first + b"X" * 512 + _tar_bytes([("/tmp/pwned", None, b"x")]))
    (ws / "zeros.tar").write_bytes(
        _tar_bytes([("hello.txt", None, b"hi")]) + _tar_bytes([("l", "/tmp", b"")])
    )
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.verdict == "deny", (line, v.decision.reason)


def _zip_member(name: str, data: bytes, *, link: bool = False, system: int = 3,
                extra: bytes = b"") -> tuple[object, bytes]:  # fmt: skip
    import stat as st
    import zipfile

    info = zipfile.ZipInfo(name)
    info.create_system = system
    info.external_attr = ((st.S_IFLNK | 0o777) if link else (st.S_IFREG | 0o644)) << 16
    info.extra = extra
    return info, data


@pytest.mark.parametrize(
    "line",
    [
        "unzip up1.zip",
        "unzip bs2.zip",
        "unzip -qd out x.zip",
        "unzip -:qd n2 z.zip",
        "unzip -j deep.zip",
        "unzip -L upper.zip",
        "unzip 'a?.zip'",
        "unzip x.zip -dout",
    ],
)
def test_unzip_reads_names_as_unzip_does(tmp_path: Path, line: str) -> None:
    import struct
    import zipfile
    import zlib

    policy = _load(tmp_path, ARCHIVERS, "arch")
    ws = tmp_path / "ws"
    (ws / "out").mkdir()
    (ws / "n2").mkdir()

    def write(name: str, members: list[tuple[object, bytes]]) -> None:
        with zipfile.ZipFile(ws / name, "w") as zf:
            for info, data in members:
                zf.writestr(info, data)  # type: ignore[arg-type]

    unicode = struct.pack("<HHBI", 0x7075, 5 + 2, 1, zlib.crc32(b"x/y/z/lk")) + b"lk"
    write("up1.zip", [_zip_member("x/y/z/lk", b"../../..", link=True, extra=unicode)])
    write("bs2.zip", [_zip_member("lk\\tmp\\pwned", b"x", system=0)])
    (ws / "lk").symlink_to("/tmp")
    write("x.zip", [_zip_member("root", b"/", link=True)])
    write("z.zip", [_zip_member("../../../../../tmp/pwned", b"x")])
    write("deep.zip", [_zip_member("a/b/l", b"../x", link=True)])
    write("upper.zip", [_zip_member("EXECGATE.TOML", b"x")])
    write("a?.zip", [_zip_member("hello.txt", b"x")])
    write("ab.zip", [_zip_member("wroot", b"/", link=True)])
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.verdict == "deny", (line, v.decision.reason)


@pytest.mark.parametrize(
    ("diff", "line"),
    [
        ('--- "a/execgate\\056toml"\n+++ "b/execgate\\056toml"\n@@ -1 +1 @@\n-x\n+y\n', "patch -p1 -i q.diff"),
        ('--- "a/\\056git/config"\n+++ "b/\\056git/config"\n@@ -1 +1 @@\n-x\n+y\n', "patch -p1 -i q.diff"),
        ('diff --git "a/\\056git/config" "b/\\056git/config"\n--- "a/\\056git/config"\n'
         '+++ "b/\\056git/config"\n@@ -1 +1 @@\n-x\n+y\n', "git apply q.diff"),
        ("--- execgate\n+++ execgate\n@@ -1 +1 @@\n-x\n+y\n", "patch -b -z .toml -i q.diff execgate"),
        ("--- x\n+++ x\n@@ -1 +1 @@\n-x\n+y\n", "patch -B pre -i q.diff x"),
        ("--- x\n+++ x\n@@ -1 +1 @@\n-x\n+y\n", "patch --suff=.toml -i q.diff x"),
        ("--- x\n+++ x\n@@ -1 +1 @@\n-x\n+y\n", "patch -Y pre -i q.diff x"),
    ],
)  # fmt: skip
def test_patch_names_are_read_as_patch_reads_them(tmp_path: Path, diff: str, line: str) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    rules = '[[allow]]\ncommand = "patch"\n[[allow]]\ncommand = "git apply"\n'
    (ws / "execgate.toml").write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n' + rules)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "q.diff").write_text(diff)
    (ws / "x").write_text("x\n")
    (ws / "execgate").write_text("x\n")
    policy = load_policy(ws / "execgate.toml")
    v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
    assert v.decision.verdict == "deny", (line, v.decision.reason)


def test_a_second_name_of_the_policy_or_git_config_is_refused(tmp_path: Path) -> None:
    """A hard link made before the rules saw it (an archive's hard-link member, a link made
    by hand) names the same file: it is refused like the file's own name."""
    ws = tmp_path / "ws"
    ws.mkdir()
    rules = "".join(f'[[allow]]\ncommand = "{c}"\n' for c in ("cat", "tee", "cp"))
    (ws / "execgate.toml").write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n' + rules)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    os.link(ws / "execgate.toml", ws / "pol")
    os.link(ws / ".git" / "config", ws / "gc")
    policy = load_policy(ws / "execgate.toml")
    for line in ("cat pol", "tee pol", "cp x.txt pol", "tee gc", "cat gc"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert (v.decision.verdict, v.decision.code) == ("deny", "EG-PATH-ESCAPE"), line


def test_nothing_inside_a_git_directory_is_a_cwd_or_a_find_start(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    rules = "".join(f'[[allow]]\ncommand = "{c}"\n' for c in ("find", "tee", "cat"))
    (ws / "execgate.toml").write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n' + rules)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "g").symlink_to(".git")
    policy = load_policy(ws / "execgate.toml")
    for line, cwd in (
        ("find . -name 'confi[g]' -exec tee -a {} ';'", ".git"),
        ("cat HEAD", ".git"),
        ("find g/ -name config -exec tee {} ';'", "."),
        ("find .git -name config -exec tee -a {} ';'", "."),
        ("find -L . -exec cat {} +", "."),
    ):
        v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
        assert v.decision.verdict == "deny", (line, cwd, v.decision.reason)
    v = evaluate(policy, ExecRequest(command="find . -name x -exec cat {} +"), dict(os.environ))
    assert v.decision.verdict == "allow", v.decision.reason


def test_patch_reads_its_file_from_its_directory_and_names_up_to_a_blank(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (ws / "execgate.toml").write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "patch"\n'
    )
    link = "diff --git a/proot b/proot\nnew file mode 120000\n--- /dev/null\n+++ b/proot\n@@ -0,0 +1 @@\n+/\n"
    (ws / "sub" / "p.diff").write_text(link)
    (ws / "p.diff").write_text("--- a/f.txt\n+++ b/f.txt\n@@ -1 +1 @@\n-x\n+y\n")
    (ws / "sp.diff").write_text(
        "--- execgate.toml 2020-01-01\n+++ execgate.toml 2020-01-01\n@@ -1 +1 @@\n-x\n+y\n"
    )
    policy = load_policy(ws / "execgate.toml")
    for line in ("patch -d sub -p1 -i p.diff", "patch -i sp.diff"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (line, v.decision.reason)


def test_tar_names_after_a_directory_option_are_read_from_it(tmp_path: Path) -> None:
    policy = _load(tmp_path, ARCHIVERS, "arch")
    ws = tmp_path / "ws"
    (ws / "out").mkdir()
    (ws / "out" / "root").symlink_to("/")
    for line in ("tar -c -f o.tar -C out root/etc/hostname", "tar czf o.tgz -C out root/etc",
                 "tar -c -f o.tar --directory=out root/etc", "tar -c -f o.tar -Cout root/etc"):  # fmt: skip
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert (v.decision.verdict, v.decision.code) == ("deny", "EG-PATH-ESCAPE"), line
    v = evaluate(policy, ExecRequest(command="tar -cf o.tar -C out ."), dict(os.environ))
    assert v.decision.verdict == "allow", v.decision.reason


def test_unzip_exclusions_before_the_archive_and_indented_patches(tmp_path: Path) -> None:
    policy = _load(tmp_path, ARCHIVERS + '[[allow]]\ncommand = "patch"\n', "arch")
    ws = tmp_path / "ws"
    _zip(ws / "z.zip", [("../../../tmp/pwned", None, b"x")])
    (ws / "ind.diff").write_text("  --- a/../../x\n  +++ b/../../x\n  @@ -1 +1 @@\n  -x\n  +y\n")
    for line in ("unzip -x -: z.zip", "unzip -qx z.zip", "patch -p1 -i ind.diff"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (line, v.decision.reason)


def test_a_tar_member_with_two_names_is_checked_under_both(tmp_path: Path) -> None:
    """A GNU long name and a PAX path on one member: Python shows one, GNU tar may use the
    other."""
    import io
    import tarfile

    policy = _load(tmp_path, ARCHIVERS, "arch")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("inside.txt")
        info.pax_headers = {"path": "/tmp/pwned"}
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    (tmp_path / "ws" / "two.tar").write_bytes(buf.getvalue())
    v = evaluate(policy, ExecRequest(command="tar -xf two.tar"), dict(os.environ))
    assert v.decision.verdict == "deny", v.decision.reason


def _module_ws(tmp_path: Path, program: str) -> tuple[Policy, Path]:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "ok.py").write_text("x = 1\n")
    (ws / "j.json").write_text('{"a": 1}\n')
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n'
        f'[[allow]]\ncommand = "{program} -m py_compile"\n'
        f'[[allow]]\ncommand = "{program} -m json.tool"\n'
        f'[[allow]]\ncommand = "{program} -m unittest"\n'
    )
    return load_policy(path), ws


@pytest.mark.anyio
async def test_a_module_rule_never_runs_a_workspace_file_of_that_name(
    tmp_path: Path, anyio_backend: str
) -> None:
    """`python -m M` puts the working directory first on sys.path: a M.py, or a json.py that
    M imports, written in the workspace would run in place of the module the rule names."""
    python = os.path.realpath("/usr/bin/python3")
    if not os.path.basename(python).startswith("python3.") or int(python.rsplit(".", 1)[1]) < 11:
        pytest.skip("needs a Python >= 3.11 at /usr/bin/python3 (for -P)")
    policy, ws = _module_ws(tmp_path, "/usr/bin/python3")
    marker = tmp_path / "ran"
    (ws / "py_compile.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (ws / "json").mkdir()
    (ws / "json" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    _, _, plan = decide(policy, argv=("/usr/bin/python3", "-m", "py_compile", "ok.py"), cwd=".")
    assert plan is not None and plan[1] == "-P", plan
    # a module that runs the workspace's code by design keeps the working directory
    _, _, plan = decide(policy, argv=("/usr/bin/python3", "-m", "unittest", "-h"), cwd=".")
    assert plan is not None and "-P" not in plan, plan
    async with Gate.open(policy=policy, store=str(tmp_path / "s.db")) as gate:
        for argv in (
            ["/usr/bin/python3", "-m", "py_compile", "ok.py"],
            ["/usr/bin/python3", "-m", "json.tool", "j.json"],
        ):
            result = await gate.run(argv=argv, cwd=".")
            assert result.exit_code == 0, (argv, result.stderr)
    assert not marker.exists()


def test_an_interpreter_that_does_not_name_its_version_is_pinned_too(tmp_path: Path) -> None:
    """An interpreter whose version the gate cannot read (a pyenv shim, a wrapper script) gets
    -P all the same (one older than 3.11 refuses it and runs nothing): a module written into
    the working directory, even by an earlier command of the same line, never runs."""
    shim = tmp_path / "bin" / "python3"
    shim.parent.mkdir()
    shim.write_text('#!/bin/sh\nexec /usr/bin/python3 "$@"\n')
    shim.chmod(0o755)
    policy, ws = _module_ws(tmp_path, str(shim))
    argv = (str(shim), "-m", "py_compile", "ok.py")
    verdict, _, plan = decide(policy, argv=argv, cwd=".")
    assert verdict == "allow" and plan is not None and plan[1] == "-P", plan
    marker = tmp_path / "ran"
    (ws / "py_compile.py").write_text(f"open({str(marker)!r}, 'w')\n")
    verdict, _, plan = decide(policy, argv=argv, cwd=".")
    assert verdict == "allow" and plan is not None
    subprocess.run(plan, cwd=ws, check=False)
    assert not marker.exists()


def test_an_interpreter_known_older_than_3_11_falls_back_to_listing(tmp_path: Path) -> None:
    """An interpreter the gate knows to be older than 3.11 (its path says python3.9) has no
    -P: a file in the working directory that shadows the module, or a standard-library module
    it may import, refuses the request; so does a line whose earlier command could write one
    after the directory was looked at."""
    old = tmp_path / "bin" / "python3.9"
    old.parent.mkdir()
    old.write_text('#!/bin/sh\nexec /usr/bin/python3 "$@"\n')
    old.chmod(0o755)
    policy, ws = _module_ws(tmp_path, str(old))
    argv = (str(old), "-m", "py_compile", "ok.py")
    verdict, _, plan = decide(policy, argv=argv, cwd=".")
    assert verdict == "allow" and plan is not None and "-P" not in plan
    for shadow in (
        "py_compile.py",
        "traceback.py",
        "json/__init__.py",
        "json/__init__.pyc",  # a sourceless package
        "py_compile.pyc",
    ):
        path = ws / shadow
        path.parent.mkdir(exist_ok=True)
        path.write_text("")
        verdict, code, _ = decide(policy, argv=argv, cwd=".")
        assert (verdict, code) == ("deny", "EG-POLICY-FLAG"), shadow
        path.unlink()
    lined = policy.source
    Path(lined).write_text(
        Path(lined).read_text() + '[shell]\noperators = true\n[[allow]]\ncommand = "cp"\n'
    )
    line = f"cp ok.py py_compile.py && {old} -m py_compile ok.py"
    verdict, code, _ = decide(load_policy(lined), command=line, cwd=".")
    assert (verdict, code) == ("deny", "EG-SHELL-UNSUPPORTED")


@pytest.mark.anyio
async def test_a_bare_repository_in_the_workspace_is_never_used(
    tmp_path: Path, anyio_backend: str
) -> None:
    """git finds a bare repository (HEAD, objects/, refs/) by itself; its config is none the
    gate decided on, so git runs with safe.bareRepository=explicit."""
    ws = tmp_path / "ws"
    evil = ws / "evil"
    for d in ("objects", "refs"):
        (evil / d).mkdir(parents=True)
    (evil / "HEAD").write_text("ref: refs/heads/main\n")
    marker = tmp_path / "ran"
    (evil / "config").write_text(
        f'[core]\n\tpager = touch {marker}\n[man]\n\tviewer = x\n[man "x"]\n\tcmd = touch {marker};\n'
    )
    path = tmp_path / "policy.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "git"\n')
    async with Gate.open(policy=load_policy(path), store=str(tmp_path / "s.db")) as gate:
        for argv in (["git", "log"], ["git", "status"]):
            await gate.run(argv=argv, cwd="evil")
    assert not marker.exists()


def test_the_tools_git_starts_on_request_are_decided(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    path = tmp_path / "policy.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "git"\n')
    policy = load_policy(path)
    for key, value in (("man.x.cmd", "touch /tmp/x"), ("man.x.path", "/tmp/x"),
                       ("web.browser", "x"), ("browser.x.cmd", "touch /tmp/x"),
                       ("difftool.x.cmd", "touch /tmp/x")):  # fmt: skip
        subprocess.run(["git", "-C", str(ws), "config", key, value], check=True)
        verdict, code, _ = decide(policy, argv=("git", "log"))
        assert (verdict, code) == ("deny", "EG-POLICY-FLAG"), key
        subprocess.run(["git", "-C", str(ws), "config", "--unset", key], check=True)
    assert decide(policy, argv=("git", "log"))[0] == "allow"
    # help pages themselves run man, whatever the config says
    assert decide(policy, argv=("git", "help", "log"))[:2] == ("deny", "EG-POLICY-FLAG")


def test_each_member_of_a_colon_list_is_a_path(tmp_path: Path) -> None:
    """`file -m ok.py:/etc/shadow` opens every member of its magic-file list."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "ok.py").write_text("x = 1\n")
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "file"\n'
        '[[allow]]\ncommand = "ls"\n[[allow]]\ncommand = "curl"\n'
    )
    policy = load_policy(path)
    for argv in (("file", "-mok.py:/etc/shadow", "ok.py"), ("file", "-m", "ok.py:/etc/passwd"),
                 ("file", "--magic-file=ok.py:../x", "ok.py"), ("ls", "a:/root")):  # fmt: skip
        assert decide(policy, argv=argv)[:2] == ("deny", "EG-PATH-ESCAPE"), argv
    for argv in (("file", "-m", "ok.py:ok.py", "ok.py"), ("ls", "a:b"),
                 ("curl", "-s", "http://localhost:8000/x")):  # fmt: skip
        assert decide(policy, argv=argv)[0] == "allow", argv


def test_dd_operands_are_paths(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "ok.py").write_text("x = 1\n")
    (ws / "lnk").symlink_to(tmp_path)
    path = ws / "execgate.toml"
    path.write_text('version = 1\n[workspace]\nroot = "."\n[[allow]]\ncommand = "dd"\n')
    policy = load_policy(path)
    for line in ("dd if=ok.py of=lnk/x", "dd if=lnk/x", "dd if=ok.py of=execgate.toml",
                 "dd if=execgate.toml"):  # fmt: skip
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    assert decide(policy, command="dd if=ok.py of=out.bin bs=1M")[0] == "allow"


def test_an_archive_an_earlier_command_may_write_is_not_extracted(tmp_path: Path) -> None:
    """The members are read before the line runs: `cp evil.zip a.zip && unzip a.zip` would
    extract an archive the gate never read."""
    import zipfile

    policy = _load(
        tmp_path, ARCHIVERS + '[[allow]]\ncommand = "cp"\n[[allow]]\ncommand = "ls"\n', "arch"
    )
    ws = tmp_path / "ws"
    with zipfile.ZipFile(ws / "a.zip", "w") as z:
        z.writestr("ok.txt", "fine\n")
    for line in ("cp evil.zip a.zip && unzip -o a.zip", "cp evil.zip a.zip; unzip -o a.zip",
                 "cp evil.tar a.tar && tar -xf a.tar"):  # fmt: skip
        (ws / line.split()[2]).write_bytes((ws / "a.zip").read_bytes())
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (line, v.decision.reason)
    for line in ("unzip -o a.zip", "cd . && unzip -o a.zip", "unzip -o a.zip && ls"):
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "allow", (line, v.decision.reason)


@pytest.mark.parametrize(
    ("program", "config", "text"),
    [
        ("mypy", "mypy.ini", "[mypy]\nplugins = evilplug.py\n"),
        ("mypy", "setup.cfg", "[mypy]\nplugins = evilplug\n"),  # a module of the workspace
        ("mypy", "pyproject.toml", '[tool.mypy]\nplugins = ["sub/plug.py"]\n'),
        ("pylint", ".pylintrc", "[MAIN]\ninit-hook = import os; os.system('id')\n"),
        ("pylint", "pyproject.toml", '[tool.pylint.main]\nload-plugins = ["evilplug"]\n'),
        ("flake8", "tox.ini", "[flake8:local-plugins]\nextension =\n  X = evilplug:X\n"),
        # as the tools' own parsers read them: configparser folds case and takes `:`
        ("mypy", "mypy.ini", "[mypy]\nplugins : evilplug.py\n"),
        ("mypy", "mypy.ini", "[mypy]\nPlugins = evilplug.py\n"),
        ("mypy", "pyproject.toml", '[tool.mypy]\n"plugins" = ["evilplug.py"]\n'),
        ("mypy", "pyproject.toml", 'tool.mypy.plugins = ["evilplug"]\n'),
        ("pylint", ".pylintrc", "[MAIN]\nINIT-HOOK : import os\n"),
        ("pylint", ".pylintrc", "[MAIN]\nLoad-Plugins = evilplug\n"),
        ("flake8", ".flake8", "[FLAKE8:Local-Plugins]\nextension =\n  X = evilplug:X\n"),
        ("mypy", "mypy.ini", "[mypy\nplugins = evilplug.py\n"),  # does not parse
    ],
)
def test_linter_plugins_named_by_workspace_config_are_refused(
    tmp_path: Path, program: str, config: str, text: str
) -> None:
    """mypy, pylint and flake8 import the plugins their configuration names: code the
    workspace holds would run under a rule meant for a linter."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "m.py").write_text("x = 1\n")
    (ws / "evilplug.py").write_text("import os\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tool = bindir / program
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[env]\npath = "{bindir}:/usr/bin:/bin"\n'
        f'[[allow]]\ncommand = "{program}"\n'
    )
    policy = load_policy(path)
    # pylint runs code its options and configuration name in too many ways: refused anyway
    assert decide(policy, argv=(program, "m.py"))[0] == ("deny" if program == "pylint" else "allow")
    (ws / config).write_text(text)
    assert decide(policy, argv=(program, "m.py"))[:2] == ("deny", "EG-POLICY-FLAG")
    (ws / config).unlink()
    conf = "conf.toml" if config.endswith(".toml") else "conf.ini"  # read as its kind
    (ws / conf).write_text(text)
    option = {"mypy": "--config-file", "pylint": "--rcfile", "flake8": "--config"}[program]
    assert decide(policy, argv=(program, option, conf, "m.py"))[0] == "deny"
    assert decide(policy, argv=(program, f"{option}={conf}", "m.py"))[0] == "deny"


def test_an_installed_plugin_by_module_name_is_not_refused(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "pyproject.toml").write_text('[tool.mypy]\nplugins = ["pydantic.mypy"]\n')
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mypy").write_text("#!/bin/sh\nexit 0\n")
    (bindir / "mypy").chmod(0o755)
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[env]\npath = "{bindir}:/usr/bin:/bin"\n'
        '[[allow]]\ncommand = "mypy"\n'
    )
    assert decide(load_policy(path), argv=("mypy", "."))[0] == "allow"
    (ws / "pydantic").mkdir()  # now the workspace's own pydantic would be imported
    assert decide(load_policy(path), argv=("mypy", "."))[0] == "deny"


@pytest.mark.anyio
async def test_a_redirect_target_named_like_an_operator_stays_a_name(
    tmp_path: Path, anyio_backend: str
) -> None:
    """`> '>.git/config'` names a file `>.git/config`; handed to the opener as `1>>.git/config`
    it appended to git's config, which no path check had judged."""
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / ">x").mkdir()
    config = (ws / ".git" / "config").read_text()
    (ws / "payload.txt").write_text("[core]\n\tpager = touch /tmp/never\n")
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\nwrite_redirects = true\n'
        '[[allow]]\ncommand = "cat"\n'
    )
    async with Gate.open(policy=load_policy(path), store=str(tmp_path / "s.db")) as gate:
        for target in (">.git/config", "&2", ">x/y"):
            result = await gate.run(command=f"cat payload.txt > '{target}'")
            assert (ws / ".git" / "config").read_text() == config, target
        assert (
            result.exit_code == 0
            and (ws / ">x" / "y").read_text() == (ws / "payload.txt").read_text()
        )


def test_rsync_files_from_is_refused(tmp_path: Path) -> None:
    """The list names files relative to the source, through any symlink in it."""
    policy = _load(
        tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "rsync"\n', "rs"
    )
    assert decide(policy, command="rsync -a src/ out/")[0] == "allow"
    for line in ("rsync -a --files-from=list.txt . out", "rsync -a --files-fr list.txt . out"):
        assert decide(policy, command=line)[:2] == ("deny", "EG-POLICY-FLAG"), line


def test_a_patch_from_a_here_document_in_a_list_is_read(tmp_path: Path) -> None:
    rules = "".join(f'[[allow]]\ncommand = "{c}"\n' for c in ("patch", "git apply", "true"))
    policy = _load(tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n' + rules, "hd")
    hook = (
        "diff --git a/sub/.git/hooks/pre-commit b/sub/.git/hooks/pre-commit\n"
        "new file mode 100755\n--- /dev/null\n+++ b/sub/.git/hooks/pre-commit\n"
        "@@ -0,0 +1,2 @@\n+#!/bin/sh\n+id > /tmp/hook_ran\n"
    )
    for line in (f"patch -p1 <<'EOF' && true\n{hook}EOF",
                 f"patch -p1 <<'EOF' || true\n{hook}EOF",
                 f"git apply <<'EOF' && true\n{hook}EOF"):  # fmt: skip
        v = evaluate(policy, ExecRequest(command=line), dict(os.environ))
        assert v.decision.verdict == "deny", (line, v.decision.reason)
        assert "patch" in v.decision.reason


def test_where_rsync_lands_is_checked(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    subprocess.run(["git", "init", "-q", str(ws / "sub")], check=True)
    (ws / "payload" / "hooks").mkdir(parents=True)
    (ws / "payload" / "config").write_text("[core]\n")
    (ws / "payload" / "hooks" / "pre-commit").write_text("#!/bin/sh\n")
    (ws / "repo" / ".git").mkdir(parents=True)
    (ws / "repo" / ".git" / "config").write_text("[core]\n")
    path = tmp_path / "policy.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "rsync"\n')
    policy = load_policy(path)
    for line in ("rsync -r --perms payload/ sub/.git/", "rsync -r payload/ .git/",
                 "rsync payload/config .git/", "rsync -a repo/ copy/",
                 "rsync -a --exclude x payload/ .git"):  # fmt: skip
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    for line in ("rsync -a --link-dest=.git .git/ g3/", "rsync -a --link-de .git .git/ g3/"):
        assert decide(policy, command=line)[0] == "deny", line  # second names of .git's files
    for line in ("rsync -a payload/ out/", "rsync -a payload out", "rsync payload/config c2"):
        assert decide(policy, command=line)[0] == "allow", line


def test_a_bare_repositorys_config_and_hooks_are_protected(tmp_path: Path) -> None:
    """`git init --bare tools.git` makes a git directory not named .git: its config and hooks
    run programs when the user's git runs inside it."""
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q", "--bare", str(ws / "tools.git")], check=True)
    (ws / "pl").write_text("[core]\n")
    (ws / "config").mkdir()
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\nwrite_redirects = true\n'
        '[[allow]]\ncommand = "cp"\n[[allow]]\ncommand = "echo"\n'
    )
    policy = load_policy(path)
    for line in ("cp pl tools.git/config", "echo x > tools.git/config",
                 "cp pl tools.git/hooks/pre-commit", "cp -t tools.git/hooks pl"):  # fmt: skip
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    for line in ("cp pl tools.git/description", "cp pl config/settings.py", "echo x > config/a"):
        assert decide(policy, command=line)[0] == "allow", line


@pytest.mark.parametrize("word", ["--recursive", "--recu", "--rec", "-r", "-Nr"])
def test_diff_never_follows_a_symlink_out_when_it_recurses(tmp_path: Path, word: str) -> None:
    """getopt takes any unambiguous prefix of a long option: `--recu` is `--recursive`."""
    policy = _load(
        tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "diff"\n', "df"
    )
    _, _, plan = decide(policy, argv=("diff", word, "a", "b"))
    assert plan is not None and plan[1] == "--no-dereference", plan


@pytest.mark.parametrize("argv", [("diff", "a", "b"), ("diff", "-q", "a", "b"),
                                  ("diff", "--from-file=a", "b")])  # fmt: skip
def test_diff_of_two_directories_never_reads_through_a_symlink_in_them(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """Comparing two directories, diff follows the symlinks it finds in them (one level, no
    -r): a planted `a/h -> /etc/hostname` beside `b/h` would print the host's file."""
    policy = _load(
        tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "diff"\n', "dd"
    )
    ws = tmp_path / "ws"
    (ws / "a").mkdir()
    (ws / "b").mkdir()
    (ws / "a" / "h").symlink_to("/etc/hostname")
    (ws / "b" / "h").write_text("not the host's\n")
    verdict, _, plan = decide(policy, argv=argv)
    assert verdict == "allow" and plan is not None
    done = subprocess.run(plan, cwd=ws, capture_output=True, text=True, check=False)
    host = Path("/etc/hostname").read_text().strip()
    assert host not in done.stdout and "symbolic link" in done.stdout, done.stdout


def test_a_module_rule_refuses_the_workspaces_module_of_that_name(tmp_path: Path) -> None:
    """`python3 -m pylint` under a rule for it runs the installed pylint, never pylint.py."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "t.py").write_text("x = 1\n")
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "python3 -m pylint"\n'
    )
    policy = load_policy(path)
    (ws / "pylint.py").write_text("import os\n")
    assert decide(policy, argv=("python3", "-m", "pylint", "t.py"))[:2] == (
        "deny",
        "EG-POLICY-FLAG",
    )
    (ws / "pylint.py").unlink()
    (ws / "pylint").mkdir()
    (ws / "pylint" / "__init__.py").write_text("")
    assert decide(policy, argv=("python3", "-m", "pylint", "t.py"))[0] == "deny"


def test_cp_parents_lands_at_the_whole_path(tmp_path: Path) -> None:
    """`cp --parents hooks/pre-commit sub/.git/` writes sub/.git/hooks/pre-commit."""
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q", str(ws / "sub")], check=True)
    (ws / "hooks").mkdir()
    (ws / "hooks" / "pre-commit").write_text("#!/bin/sh\n")
    path = tmp_path / "policy.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "cp"\n')
    policy = load_policy(path)
    for line in ("cp --parents hooks/pre-commit sub/.git/", "cp --par hooks/pre-commit sub/.git",
                 "cp --parents -t sub/.git hooks/pre-commit"):  # fmt: skip
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    assert decide(policy, command="cp --parents hooks/pre-commit out/")[0] == "allow"


def test_a_path_after_an_equals_or_in_a_comma_list_is_a_path(tmp_path: Path) -> None:
    """`objcopy --dump-section .x=/tmp/out` writes /tmp/out; `-Wl,-Map,/tmp/map` too."""
    policy = _load(
        tmp_path,
        'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "objcopy"\n'
        '[[allow]]\ncommand = "ls"\n',
        "eq",
    )
    for argv in (("objcopy", "--add-section", ".x=/etc/shadow", "x.o", "y.o"),
                 ("objcopy", "--dump-section=.x=/tmp/out", "y.o"),
                 ("objcopy", "-Wl,-Map,/tmp/map"), ("ls", "a=../../x")):  # fmt: skip
        assert decide(policy, argv=argv)[:2] == ("deny", "EG-PATH-ESCAPE"), argv
    for argv in (("objcopy", "--add-section", ".x=data.bin", "x.o", "y.o"),
                 ("ls", "--format=%h,%s"), ("ls", "a,b")):  # fmt: skip
        assert decide(policy, argv=argv)[0] == "allow", argv


def test_an_awk_print_statement_goes_on_past_a_newline_after_a_comma(dev: Policy) -> None:
    for program in ('BEGIN{print "x",\n"y" > "/tmp/pwn"}', 'BEGIN{print "x" &&\n"y" > "/tmp/p"}',
                    'BEGIN{if (1) {\nprint "x" > "/tmp/p"}}'):  # fmt: skip
        assert decide(dev, argv=("awk", program))[0] == "deny", program
    assert decide(dev, argv=("awk", 'BEGIN{print "x",\n"y"}'))[0] == "allow"


def test_a_linter_config_written_earlier_in_the_line_is_refused(tmp_path: Path) -> None:
    """The plugin configuration is read before the line runs: `cp evil.ini mypy.ini && mypy`."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "m.py").write_text("x = 1\n")
    (ws / "evil.ini").write_text("[mypy]\nplugins = evilplug.py\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mypy").write_text("#!/bin/sh\nexit 0\n")
    (bindir / "mypy").chmod(0o755)
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[env]\npath = "{bindir}:/usr/bin:/bin"\n'
        '[shell]\nwrite_redirects = true\n[[allow]]\ncommand = "mypy"\n'
        '[[allow]]\ncommand = "cp"\n[[allow]]\ncommand = "cat"\n'
    )
    policy = load_policy(path)
    for line in ("cp evil.ini mypy.ini && mypy m.py", "cat evil.ini > .pylintrc && mypy m.py"):
        assert decide(policy, command=line)[0] == "deny", line
    assert decide(policy, command="cp m.py n.py && mypy m.py")[0] == "allow"


@pytest.mark.parametrize(
    "argv",
    [
        ("git", "-P", "push"),
        ("git", "-C", ".", "push", "origin"),
        ("git", "--no-pager", "push"),
        ("git", "-c", "core.pager=cat", "push"),
        ("git", "--git-dir=.git", "push"),
    ],
)
def test_a_git_deny_rule_holds_past_gits_own_options(tmp_path: Path, argv: tuple[str, ...]) -> None:
    policy = _load(
        tmp_path,
        'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "git"\nargs = "any"\n'
        '[[deny]]\ncommand = "git push"\n[[ask]]\ncommand = "git commit"\n',
        "gp",
    )
    assert decide(policy, argv=argv)[:2] == ("deny", "EG-POLICY-DENIED"), argv
    commit = (*argv[: argv.index("push")], "commit", "-m", "x")
    v = evaluate(policy, ExecRequest(argv=commit), dict(os.environ))
    assert v.decision.verdict != "allow", commit  # asked (or refused), never waved through


def test_linters_run_no_code_their_options_or_configs_name(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "m.py").write_text("x = 1\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("mypy", "pylint"):
        (bindir / tool).write_text("#!/bin/sh\nexit 0\n")
        (bindir / tool).chmod(0o755)
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[env]\npath = "{bindir}:/usr/bin:/bin"\n'
        '[[allow]]\ncommand = "mypy"\n[[allow]]\ncommand = "pylint"\n'
        '[[allow]]\ncommand = "python3 -m pylint"\n'
    )
    policy = load_policy(path)
    for argv in (("mypy", "--python-executable", "./evil.sh", "m.py"),
                 ("pylint", "--init-hook=import os", "m.py"), ("pylint", "--init", "x", "m.py"),
                 ("python3", "-m", "pylint", "--init-hook=import os", "m.py")):  # fmt: skip
        assert decide(policy, argv=argv)[:2] == ("deny", "EG-POLICY-FLAG"), argv
    for text in ("[mypy]\npython_executable = ./evil.sh\n", "[mypy]\ncache_dir = /tmp/c\n",
                 "[mypy]\njunit_xml = ../x.xml\n"):  # fmt: skip
        (ws / "mypy.ini").write_text(text)
        assert decide(policy, argv=("mypy", "m.py"))[:2] == ("deny", "EG-POLICY-FLAG"), text
    (ws / "mypy.ini").write_text("[mypy]\ncache_dir = .mypy_cache\n")
    assert decide(policy, argv=("mypy", "m.py"))[0] == "allow"
    (ws / ".pylintrc").write_text("[MAIN]\ninit-hook = import os\n")
    assert decide(policy, argv=("python3", "-m", "pylint", "m.py"))[0] == "deny"


def test_getline_then_a_slash_is_refused_as_unsure(dev: Policy) -> None:
    """After a plain getline (an operand), awk divides: reading `/ 1 ; system(...) ; 1 /` as a
    regex literal would hide system()."""
    from execgate.policy.programs._scripts import awk_program_refusal

    program = 'BEGIN { x = getline / 1 ; system("id") ; q = 1 / 1 }'
    assert awk_program_refusal(program) is not None  # mawk has no sandbox: the reader decides
    assert (
        decide(dev, argv=("awk", "{ while ((getline line) > 0) n++ } END { print n }"))[0]
        == "allow"
    )


def test_a_git_config_rule_grants_only_the_repositorys_own(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "git config"\n',
        "gc",
    )
    for line in ("git config --global filter.x.clean id", "git config --system a.b c",
                 "git config set --global a.b c", "git config -f ../x a.b c",
                 "git config --file=/tmp/x a.b c"):  # fmt: skip
        assert decide(policy, command=line)[:2] == ("deny", "EG-POLICY-FLAG"), line
    assert decide(policy, command="git config user.name x")[0] == "allow"


def test_a_git_mode_rules_file_options_are_paths_and_its_texts_are_not(tmp_path: Path) -> None:
    """Under `git commit`, `-F FILE` names a file (read into the message); `-m TEXT` does not."""
    policy = _load(
        tmp_path,
        'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "git commit"\n'
        '[[allow]]\ncommand = "git tag"\n',
        "gcm",
    )
    for line in ("git commit -F /etc/shadow", "git commit -t /etc/shadow",
                 "git tag -F /etc/shadow v1", "git commit --file /etc/shadow"):  # fmt: skip
        assert decide(policy, command=line)[:2] == ("deny", "EG-PATH-ESCAPE"), line
    for line in ("git commit -m 'see https://x.y/z'", "git commit -m 'drop /tmp use'",
                 "git commit --author 'A <a@b>' -m x"):  # fmt: skip
        assert decide(policy, command=line)[0] == "allow", line


# --- a file operand read as something else: the pattern, or an option --------------------

BARE = 'version = 1\n[workspace]\nroot = "{root}"\n' + "".join(
    f'[[allow]]\ncommand = "{p}"\n' for p in ("cat", "grep", "sed", "tee", "rm", "diff")
)


@pytest.mark.parametrize(
    "argv",
    [
        ("cat", "--", "-/../../../../../etc/hostname"),
        ("cat", "--", "--/../../../../../etc/hostname"),
        ("grep", "x", "--", "-/../../../../../etc/hostname"),
        ("tee", "--", "-/../../../../../tmp/eg-out"),
        ("rm", "-rf", "--", "-/../../../../../tmp/eg-victim"),
        # a pattern option inside a cluster or abbreviated: the first operand is a file
        ("grep", "-ie.", "/etc/hostname"),
        ("grep", "-rie.", "/etc"),
        ("grep", "-ie", ".", "/etc/hostname"),
        ("grep", "--regex=root", "/etc/passwd"),
        ("grep", "--reg", "root", "/etc/passwd"),
        ("sed", "-nep", "/etc/hostname"),
        ("sed", "--expr=p", "-n", "/etc/hostname"),
        ("sed", "-ne", "p", "/etc/hostname"),
        ("grep", "-x", "/etc/hostname", "/etc/hostname"),
    ],
)
def test_no_file_operand_passes_as_an_option_or_the_pattern(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """A directory named `-` in the workspace makes `-/../..` a path after `--`; `-ie.` is
    `-i -e .`, so the word after it is a file, not the pattern."""
    policy = _load(tmp_path, BARE, "bare")
    (tmp_path / "ws" / "-").mkdir()
    assert decide(policy, argv=argv)[:2] == ("deny", "EG-PATH-ESCAPE"), argv


@pytest.mark.parametrize(
    "argv",
    [
        ("grep", "-A", "3", "-e", "x", "a.txt"),
        ("grep", "-rn", "--include=*.py", "/etc/", "."),  # the pattern is text
        ("grep", "-m", "1", "/usr/", "a.txt"),
        ("sed", "-n", "s/a/b/p", "a.txt"),
        ("sed", "-n", "-e", "/x/p", "a.txt"),
    ],
)
def test_the_pattern_itself_is_never_taken_for_a_path(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    policy = _load(tmp_path, BARE, "bare")
    assert decide(policy, argv=argv)[0] == "allow", argv


@pytest.mark.parametrize(
    "line",
    [
        "rm a && mkdir a && cat a/../../../../etc/hostname",
        "rm a; mkdir a; cat a/../../../../etc/hostname",
        "rmdir a 2>/dev/null; mkdir -p a && cat a/../../../../etc/hostname",
        "rm a && mkdir a && echo x > a/../../../../tmp/eg-out",
        "mv a b && mkdir a && cat a/../../../../etc/hostname",
    ],
)
def test_a_symlink_replaced_by_a_directory_earlier_in_the_line_moves_no_dotdot_out(
    tmp_path: Path, line: str
) -> None:
    """`a -> d1/d2/d3/d4`: `a/../../../..` was the workspace when decided; once rm and mkdir
    make `a` a directory, the same words climb out of it."""
    policy = _load(
        tmp_path,
        'version = 1\n[workspace]\nroot = "{root}"\n[shell]\nwrite_redirects = true\n'
        + "".join(
            f'[[allow]]\ncommand = "{p}"\n' for p in ("cat", "rm", "rmdir", "mkdir", "mv", "echo")
        ),
        "changer",
    )
    ws = tmp_path / "ws"
    (ws / "d1" / "d2" / "d3" / "d4").mkdir(parents=True)
    (ws / "a").symlink_to("d1/d2/d3/d4")
    assert decide(policy, command=line)[:2] == ("deny", "EG-SHELL-UNSUPPORTED"), line
    # the same words alone, and a line whose `..` crosses no symlink, stay allowed
    assert decide(policy, command="cat a/../../../../a.txt")[0] == "allow"
    assert decide(policy, command="rm -rf b && mkdir b && cat d1/../a.txt")[0] == "allow"


@pytest.mark.parametrize(
    "argv",
    [
        ("git", "-C", "e", "diff", "--no-index", "q/../../../../../etc/hostname", "/dev/null"),
        ("git", "-C", "e", "log", "--", "q/../../../../../etc"),
        ("git", "-C", "e", "-C", "f", "log", "--", "q/../../../../../../etc"),
        ("curl", "-s", "--output-dir", "e", "-o", "q/../../../../../tmp/eg-out", "http://x/"),
        ("curl", "-s", "--output-dir=e", "-o", "q/../../../../../tmp/eg-out", "http://x/"),
        ("tar", "-cf", "out.tar", "-C", "e", "q/../../../../../etc/hostname"),
        ("tar", "-cf", "out.tar", "--directory=e", "q/../../../../../etc/hostname"),
        ("tar", "-cf", "out.tar", "-Ce", "q/../../../../../etc/hostname"),
    ],
)
def test_paths_are_checked_from_the_directory_the_program_changes_to(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """`git -C e` reads its paths from e, curl writes `-o P` under `--output-dir D`: where
    `q` is a symlink in the workspace and `e/q` a directory, the same words climb out."""
    policy = _load(
        tmp_path,
        'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "git"\n'
        '[[allow]]\ncommand = "curl"\n[[allow]]\ncommand = "tar"\nargs = "any"\n',
        "chdir",
    )
    ws = tmp_path / "ws"
    (ws / "d1" / "d2" / "d3" / "d4" / "d5").mkdir(parents=True)
    (ws / "q").symlink_to("d1/d2/d3/d4/d5")
    (ws / "e" / "q").mkdir(parents=True)
    (ws / "e" / "f" / "q").mkdir(parents=True)
    assert decide(policy, argv=argv)[:2] == ("deny", "EG-PATH-ESCAPE"), argv
    assert decide(policy, argv=("git", "-C", "e", "status"))[0] == "allow"


# --- repositories inside the repository: submodules, gitfiles, links in .git ---------------

GIT_RO = 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "git"\n'


def _commit_all(repo: Path) -> str:
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x", "--allow-empty")
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def _run_plan(policy: Policy, line: str, cwd: Path) -> tuple[str, str]:
    """The decision on ``line``, and -- when allowed -- its plan run as the Runner would."""
    v = evaluate(policy, ExecRequest(command=line, cwd=str(cwd)), dict(os.environ))
    if v.plan is None:
        return v.decision.code, ""
    done = subprocess.run(
        list(v.plan.argv), cwd=v.plan.cwd, env=v.plan.env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    return v.decision.code, done.stdout + done.stderr


def _hostile_submodule(ws: Path, mark: Path) -> None:
    """A repository at ws/sub, recorded as a submodule of ws, whose own config runs a
    program as a clean filter on a modified file."""
    _git(ws, "init", "-q")
    sub = ws / "sub"
    sub.mkdir()
    _git(sub, "init", "-q")
    (sub / "f").write_text("x\n")
    (sub / ".gitattributes").write_text("* filter=x\n")
    _git(sub, "add", "f", ".gitattributes")
    head = _commit_all(sub)
    _git(sub, "config", "filter.x.clean", f"sh -c 'touch {mark}; cat'")
    (sub / "f").write_text("changed\n")
    _git(ws, "update-index", "--add", "--cacheinfo", f"160000,{head},sub")
    _commit_all(ws)


@pytest.mark.parametrize(
    ("gitmodules", "line"),
    [
        ("", "git status"),
        ("", "git diff"),
        ("", "git status --ignore-submodules=none"),
        ("", "git diff --submodule=diff"),
        ("", "git ls-files --recurse-submodules"),
        ("", "git grep --recurse-submodules -e x"),
        ("ignore = none", "git status"),
        ("ignore = dirty", "git diff"),
        ("ignore = untracked", "git status -s"),
    ],
)
def test_git_never_runs_inside_a_submodule(tmp_path: Path, gitmodules: str, line: str) -> None:
    """A submodule's config is not decided: its filters must never run, whatever
    .gitmodules or the command line asks for."""
    policy = _load(tmp_path, GIT_RO, "sub")
    ws = tmp_path / "ws"
    mark = tmp_path / "ran"
    _hostile_submodule(ws, mark)
    (ws / ".gitmodules").write_text(
        f'[submodule "sub"]\n\tpath = sub\n\turl = ./sub\n\t{gitmodules}\n'
    )
    code, out = _run_plan(policy, line, ws)
    assert not mark.exists(), (line, code, out)


def test_a_submodule_ignore_setting_in_the_config_is_refused(tmp_path: Path) -> None:
    policy = _load(tmp_path, GIT_RO, "subc")
    ws = tmp_path / "ws"
    mark = tmp_path / "ran"
    _hostile_submodule(ws, mark)
    _git(ws, "config", "submodule.sub.ignore", "none")
    assert decide(policy, command="git log --oneline", cwd=str(ws))[:2] == (
        "deny",
        "EG-POLICY-FLAG",
    )


@pytest.mark.parametrize("link", [False, True])
def test_a_gitfile_pointing_at_another_gitfile_is_refused(tmp_path: Path, link: bool) -> None:
    """git follows `.git -> gitfile -> evil/`: the config the gate must read is evil's."""
    policy = _load(tmp_path, GIT_RO, "chain")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / ".git").rename(ws / "evil")
    (ws / "gitfile").write_text("gitdir: evil\n")
    if link:
        (ws / ".git").symlink_to("gitfile")
    else:
        (ws / ".git").write_text("gitdir: gitfile\n")
    assert decide(policy, command="git status", cwd=str(ws))[:2] == ("deny", "EG-POLICY-FLAG")


@pytest.mark.parametrize(
    ("name", "target"),
    [("info/grafts", "/etc/hostname"), ("shallow", "/etc/hostname"),
     ("packed-refs", "/etc/hostname"), ("objects", "/tmp"), ("refs/heads/x", "/etc/hostname")],
)  # fmt: skip
def test_a_symlink_in_the_git_directory_to_outside_is_refused(
    tmp_path: Path, name: str, target: str
) -> None:
    policy = _load(tmp_path, GIT_RO, "gl")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    _commit_all(ws)
    at = ws / ".git" / name
    at.parent.mkdir(parents=True, exist_ok=True)
    if at.is_dir():
        shutil.rmtree(at)
    elif at.exists():
        at.unlink()
    at.symlink_to(target)
    assert decide(policy, command="git log --oneline", cwd=str(ws))[:2] == (
        "deny",
        "EG-POLICY-FLAG",
    )


@pytest.mark.parametrize(
    "line",
    ["git --bare log", "git -C bare --bare remote show x", "git remote show origin",
     "git remote show -v origin"],
)  # fmt: skip
def test_git_that_names_its_own_repository_or_reaches_a_remote_is_refused(
    tmp_path: Path, line: str
) -> None:
    policy = _load(tmp_path, GIT_RO, "bare")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    _git(ws, "init", "-q", "--bare", "bare")
    _git(ws, "remote", "add", "origin", "ssh://git@127.0.0.1:22/x")
    assert decide(policy, command=line, cwd=str(ws))[0] == "deny", line
    assert decide(policy, command="git remote show -n origin", cwd=str(ws))[0] == "allow"


def test_git_status_writes_nothing_under_a_read_only_policy(tmp_path: Path) -> None:
    policy = _load(tmp_path, GIT_RO, "locks")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / "f").write_text("x\n")
    _git(ws, "add", "f")
    _commit_all(ws)
    os.utime(ws / "f")
    before = (ws / ".git" / "index").stat().st_mtime_ns
    code, _ = _run_plan(policy, "git status --short", ws)
    assert code == "EG-ALLOWED"
    assert (ws / ".git" / "index").stat().st_mtime_ns == before


def test_jq_test_files_are_programs_and_refused(tmp_path: Path) -> None:
    policy = _load(
        tmp_path, 'version = 1\n[workspace]\nroot = "{root}"\n[[allow]]\ncommand = "jq"\n', "jq"
    )
    assert decide(policy, argv=("jq", "--run-tests", "a.txt"))[:2] == ("deny", "EG-POLICY-FLAG")


def test_a_repository_git_finds_is_one_the_gate_found(tmp_path: Path) -> None:
    """A dangling `.git/HEAD -> refs/heads/main` (the branch only in packed-refs): git takes
    the directory for a repository; so must the gate, or its config goes unchecked."""
    policy = _load(tmp_path, GIT_RO, "head")
    ws = tmp_path / "ws"
    mark = tmp_path / "ran"
    _git(ws, "init", "-q", "-b", "main")
    (ws / "f.txt").write_text("hi\n")
    (ws / ".gitattributes").write_text("* filter=x\n")
    _git(ws, "add", ".")
    _commit_all(ws)
    _git(ws, "pack-refs", "--all")
    (ws / ".git" / "HEAD").unlink()
    (ws / ".git" / "HEAD").symlink_to("refs/heads/main")
    _git(ws, "config", "filter.x.clean", f"sh -c 'touch {mark}; cat'")
    (ws / "f.txt").write_text("changed\n")
    for line in ("git diff --stat", "git status"):
        code, out = _run_plan(policy, line, ws)
        assert not mark.exists(), (line, code, out)


@pytest.mark.parametrize("shape", ["hard link", "linked directory", "commondir", "fifo"])
def test_nothing_in_the_git_directory_leads_git_out_of_the_workspace(
    tmp_path: Path, shape: str
) -> None:
    policy = _load(tmp_path, GIT_RO, "gd")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    _commit_all(ws)
    outside = tmp_path / "outside.txt"
    outside.write_text("OUTSIDE\n")
    if shape == "hard link":
        os.link(outside, ws / ".git" / "info" / "grafts")
    elif shape == "linked directory":
        (ws / "infodir").mkdir()
        (ws / "infodir" / "grafts").symlink_to(outside)
        shutil.rmtree(ws / ".git" / "info")
        (ws / ".git" / "info").symlink_to("../infodir")
    elif shape == "commondir":
        (ws / ".git").rename(ws / "realgit")
        (ws / ".git").mkdir()
        shutil.copy(ws / "realgit" / "HEAD", ws / ".git" / "HEAD")
        (ws / ".git" / "commondir").write_text("../realgit\n")
        (ws / "realgit" / "info" / "grafts").symlink_to(outside)
    else:
        os.mkfifo(ws / ".git" / "info" / "grafts")
    code, out = _run_plan(policy, "git log --oneline", ws)
    assert code == "EG-POLICY-FLAG" and "OUTSIDE" not in out, (code, out)


@pytest.mark.parametrize(
    "line", ["git help log", "git log --help", "git --help", "git help git/x.1"]
)
def test_git_help_pages_which_run_man_are_refused(tmp_path: Path, line: str) -> None:
    policy = _load(tmp_path, GIT_RO, "help")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    assert decide(policy, command=line, cwd=str(ws))[:2] == ("deny", "EG-POLICY-FLAG"), line
    assert decide(policy, command="git log -h", cwd=str(ws))[0] == "allow"


@pytest.mark.parametrize("plant", ["symlink", "hard link", "commondir"])
def test_a_git_directory_remembered_clean_is_looked_at_again_once_it_changes(
    tmp_path: Path, plant: str
) -> None:
    """The walk of .git is remembered while nothing in it changes: what is planted after a
    first decision is seen by the next one (same resolver, as a long-lived gate has)."""
    from execgate.policy import Resolver

    policy = _load(tmp_path, GIT_RO, "again")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    _commit_all(ws)
    outside = tmp_path / "outside.txt"
    outside.write_text("OUTSIDE\n")
    resolver = Resolver()
    env = dict(os.environ)
    request = ExecRequest(command="git log --oneline", cwd=str(ws))
    assert evaluate(policy, request, env, resolver).decision.allowed
    if plant == "symlink":
        (ws / ".git" / "info" / "grafts").symlink_to(outside)
    elif plant == "hard link":
        os.link(outside, ws / ".git" / "info" / "grafts")
    else:
        (ws / "elsewhere" / "info").mkdir(parents=True)
        (ws / "elsewhere" / "info" / "grafts").symlink_to(outside)
        (ws / ".git" / "commondir").write_text("../nowhere\n")
        assert evaluate(policy, request, env, resolver).decision.allowed  # nothing there
        with open(ws / ".git" / "commondir", "r+") as f:  # rewritten in place
            f.write("../elsewhere\n")
    assert evaluate(policy, request, env, resolver).decision.code == "EG-POLICY-FLAG"


WRITERS = 'version = 1\n[workspace]\nroot = "{root}"\n[shell]\nwrite_redirects = true\n' + "".join(
    f'[[allow]]\ncommand = "{p}"\n'
    for p in ("patch", "git", "git apply", "git init", "mkdir", "cp", "echo", "cd", "rm")
    if p != "cd"
)

HOOK_PATCH = (
    "diff --git a/{p}/hooks/pre-commit b/{p}/hooks/pre-commit\nnew file mode 100755\n"
    "--- /dev/null\n+++ b/{p}/hooks/pre-commit\n@@ -0,0 +1 @@\n+touch /tmp/eg-hook\n"
)


@pytest.mark.parametrize(
    "line",
    [
        "patch -p1 -sisub.diff",
        "patch -p1 -fi sub.diff",
        "patch -p1 --in sub.diff",
        "patch -p1 --inp=sub.diff",
        "patch -p1 -sd sub -i hk.diff",
        "patch -p1 --dir=sub -i hk.diff",
        "git apply --dir=bare bare.diff",
        "git apply --direc=bare bare.diff",
    ],
)
def test_patch_options_read_as_getopt_reads_them_never_hide_the_patch(
    tmp_path: Path, line: str
) -> None:
    """`-sisub.diff` is `-s -i sub.diff`, `--in` is `--input`, `--dir=` is `--directory=`:
    the patch is read and its hook refused whatever the spelling."""
    policy = _load(tmp_path, WRITERS, "patchopts")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q", "sub")
    _git(ws, "init", "-q", "--bare", "bare")
    (ws / "sub.diff").write_text(HOOK_PATCH.format(p="sub/.git"))
    (ws / "sub" / "hk.diff").write_text(HOOK_PATCH.format(p=".git"))
    (ws / "bare.diff").write_text(HOOK_PATCH.format(p=".").replace("/./", "/"))
    verdict, code, _ = decide(policy, command=line, cwd=str(ws))
    assert (verdict, code) == ("deny", "EG-PATH-ESCAPE"), line


@pytest.mark.parametrize(
    "lines",
    [
        ["mkdir -p ev/hooks && cp h.sh ev/hooks/pre-receive && git init -q --bare ev"],
        ["mkdir -p ev/hooks && cp h.sh ev/hooks/pre-receive", "git init -q --bare ev"],
        ["mkdir ev && cp cfg ev/config", "git init --bare ev"],
        ["mkdir ev && cp cfg ev/config", "echo 'ref: refs/heads/main' > ev/HEAD"],
        ["mkdir ev && echo 'ref: refs/heads/main' > ev/HEAD", "cp cfg ev/config"],
    ],
)
def test_a_directory_is_never_made_a_repository_around_planted_hooks_or_config(
    tmp_path: Path, lines: list[str]
) -> None:
    policy = _load(tmp_path, WRITERS, "plant")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / "h.sh").write_text("#!/bin/sh\ntouch /tmp/eg-hook\n")
    (ws / "cfg").write_text("[core]\n\tfsmonitor = touch /tmp/eg-fsmonitor\n")
    *before, last = lines
    for line in before:
        code, out = _run_plan(policy, line, ws)
        assert code == "EG-ALLOWED", (line, out)
    assert decide(policy, command=last, cwd=str(ws))[0] == "deny", last
    # an ordinary new repository, in a new or emptied directory, stays allowed
    for line in (
        "mkdir -p proj && git init -q proj",
        "rm -rf sub && mkdir sub && git init -q sub",
    ):
        assert decide(policy, command=line, cwd=str(ws))[0] == "allow", line


def test_a_patch_never_moves_a_symlink(tmp_path: Path) -> None:
    """`r1/r2/up -> ../../etc` points inside; renamed to `up` it points at /etc."""
    policy = _load(tmp_path, WRITERS, "ren")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / "r1" / "r2").mkdir(parents=True)
    (ws / "r1" / "r2" / "up").symlink_to("../../etc")
    (ws / "ren.diff").write_text(
        "diff --git a/r1/r2/up b/up\nsimilarity index 100%\nrename from r1/r2/up\nrename to up\n"
    )
    assert decide(policy, command="git apply ren.diff", cwd=str(ws))[:2] == (
        "deny",
        "EG-PATH-ESCAPE",
    )


@pytest.mark.parametrize("flag", ["--bar", "--ba", "--b"])
def test_an_abbreviated_bare_init_never_keeps_planted_hooks(tmp_path: Path, flag: str) -> None:
    policy = _load(tmp_path, WRITERS, "bar")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / "d3" / "hooks").mkdir(parents=True)
    (ws / "d3" / "hooks" / "pre-receive").write_text("#!/bin/sh\n")
    assert decide(policy, command=f"git init {flag} -q d3", cwd=str(ws))[0] == "deny"


def test_a_patch_never_writes_a_repository_layout(tmp_path: Path) -> None:
    policy = _load(tmp_path, WRITERS, "layout")
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    body = "".join(
        f"diff --git a/d6/{n} b/d6/{n}\nnew file mode 100644\n--- /dev/null\n+++ b/d6/{n}\n"
        f"@@ -0,0 +1 @@\n+x\n"
        for n in ("HEAD", "config", "objects/.keep", "refs/.keep")
    )
    (ws / "evil.patch").write_text(body)
    for line in ("git apply evil.patch", "patch -p1 -i evil.patch"):
        assert decide(policy, command=line, cwd=str(ws))[:2] == ("deny", "EG-PATH-ESCAPE"), line


@pytest.mark.parametrize(
    "line",
    [
        "mkdir -p sub/.git/objects sub/.git/refs",
        "echo 'gitdir: ../d' | tee x/.git",
        "echo /tmp/outside/objects | tee lib/.git/objects/info/alternates",
        "ln -s ../../q .git/info/grafts",
        "echo x > bare/objects/info/alternates",
    ],
)
def test_the_files_that_make_or_redirect_a_repository_are_refused_to_every_writer(
    tmp_path: Path, line: str
) -> None:
    policy = _load(
        tmp_path,
        WRITERS + '[[allow]]\ncommand = "tee"\n[[allow]]\ncommand = "ln"\n',
        "anywriter",
    )
    ws = tmp_path / "ws"
    _git(ws, "init", "-q")
    (ws / "sub" / ".git" / "hooks").mkdir(parents=True)
    (ws / "sub" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (ws / "x").mkdir()
    _git(ws, "init", "-q", "lib")
    _git(ws, "init", "-q", "--bare", "bare")
    (ws / "q").write_text("inside\n")
    assert decide(policy, command=line, cwd=str(ws))[0] == "deny", line
