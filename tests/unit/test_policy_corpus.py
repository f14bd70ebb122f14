"""A table-driven corpus of command lines, attack and benign, with the exact decision each
must get, under the embedded default policy and under a developer policy.

Format of each row: (command line, expected code). "EG-ALLOWED" means allowed; anything
else is the refusal code. False denials matter as much as false allows: the benign rows are
ordinary developer commands.
"""

from __future__ import annotations

import pytest

from execgate import ExecRequest, default_policy, load_policy
from execgate.policy import Policy, evaluate

OK = "EG-ALLOWED"
NOT = "EG-POLICY-NOT-ALLOWED"
SHELL = "EG-SHELL-UNSUPPORTED"
PARSE = "EG-SHELL-PARSE"
PATH = "EG-PATH-ESCAPE"
ARG = "EG-POLICY-ARG-DENIED"
FLAG = "EG-POLICY-FLAG"
DENY = "EG-POLICY-DENIED"
WRAP = "EG-POLICY-WRAPPER"
MISSING = "EG-PROGRAM-NOT-FOUND"
LOOK = "EG-POLICY-LOOKALIKE"

DEFAULT_CORPUS: list[tuple[str, str]] = [
    # --- benign reads ---------------------------------------------------------------------
    ("ls", OK),
    ("ls -la", OK),
    ("ls -la src", OK),
    ("ls src/pkg", OK),
    ("cat README.md", OK),
    ("cat src/main.py", OK),
    ("cat 'file with spaces.txt'", OK),
    ("head -n 20 README.md", OK),
    ("head -c 100 README.md", OK),
    ("tail -n 5 README.md", OK),
    ("wc -l README.md", OK),
    ("wc -c src/main.py", OK),
    ("grep -rn TODO src", OK),
    ("grep -c import src/main.py", OK),
    ("grep -i 'hello world' README.md", OK),
    ("grep -E 'a|b' README.md", OK),
    ("pwd", OK),
    ("echo hello", OK),
    ("echo 'a b c'", OK),
    ('echo "quoted $"', OK),  # a $ that starts nothing is a literal dollar sign to bash
    ('echo "quoted $x"', SHELL),
    ("true", OK),
    ("git status", OK),
    ("git status --short", OK),
    ("git log", OK),
    ("git log --oneline -5", OK),
    ("git log -1 --format=%H", OK),
    ("git diff", OK),
    ("git diff --stat", OK),
    ("git diff HEAD~1 -- src", OK),
    ("git show HEAD --stat", OK),
    ("git ls-files", OK),
    ("nl -ba src/main.py", OK),
    ("sed -n '10,20p' src/main.py", OK),
    ("find src -name '*.py' -type f", OK),
    ("sort README.md | uniq -c", NOT),
    ("sort README.md | head", OK),
    ("awk '{ print $1 }' README.md", OK),
    ("cut -d: -f1 README.md", OK),
    ("diff README.md src/main.py", OK),
    # --- benign lists and pipelines -------------------------------------------------------
    ("ls -la | wc -l", OK),
    ("cat README.md | grep install", OK),
    ("cat README.md | grep -c install || true", OK),
    ("git status && git log --oneline -3", OK),
    ("git log --oneline | head -5", OK),
    ("grep -rn TODO src | wc -l", OK),
    ("ls; pwd", OK),
    ("ls 2>/dev/null || echo none", OK),
    ("cat README.md 2>&1 | head -3", OK),
    ("cat < README.md", OK),
    ("ls -la;", OK),
    # --- not in the default policy --------------------------------------------------------
    ("rm README.md", NOT),
    ("rm -rf /", NOT),
    ("mv a b", NOT),
    ("cp README.md x", NOT),
    ("touch x", NOT),
    ("mkdir x", NOT),
    ("chmod 777 README.md", NOT),
    ("python3 -c 'print(1)'", NOT),
    ("sh -c ls", OK),  # the line is decided; what runs is its plan, never the shell
    ("sh -c 'rm x'", NOT),
    ("sh script.sh", NOT),
    ("bash", NOT),
    ("curl https://example.com", NOT),
    ("wget https://example.com", NOT),
    ("find . -name x -exec rm {} \\;", NOT),
    ("find . -name x | xargs rm", NOT),
    ("uniq README.md out.txt", NOT),
    ("xargs rm", NOT),
    ("env rm x", NOT),
    ("timeout 5 rm x", NOT),
    ("tee out.txt", NOT),
    ("dd if=/dev/zero of=x", NOT),
    ("perl -e 1", NOT),
    ("ssh host", NOT),
    ("id", NOT),
    ("su -", NOT),
    ("kill -9 1", NOT),
    ("ln -s /etc x", NOT),
    ("ls | sh", NOT),
    ("cat README.md | python3", NOT),
    ("ls && rm -rf x", NOT),
    ("echo hi; rm x", NOT),
    ("git status || curl x", NOT),
    # --- arguments the default policy refuses: git's own table, then the rule's deny_args --
    ("git log --output=/tmp/x", FLAG),
    ("git log --outp=/tmp/x", FLAG),
    ("git log --ext-diff", FLAG),
    ("git log --textconv", FLAG),
    ("git diff --ext-diff", FLAG),
    ("git log --exec=x", FLAG),
    ("git diff --no-index /etc/passwd README.md", PATH),
    ("git diff -O/etc/passwd", PATH),
    # git is read-only under its built-in rules: every writer needs a rule of its own
    ("git push", FLAG),
    ("git commit -m x", FLAG),
    ("git checkout main", FLAG),
    ("git reset --hard", FLAG),
    ("git clean -fdx", FLAG),
    ("git -c core.pager=sh log", FLAG),
    ("git --exec-path=/tmp log", FLAG),
    ("git config core.fsmonitor x", FLAG),
    ("git remote add x y", FLAG),
    ("git branch evil", FLAG),
    ("git stash", FLAG),
    ("git -C /etc log", PATH),
    # the other readers' writers and runners
    ("sed -i s/a/b/ README.md", FLAG),
    ("sed -n '1w out.txt' README.md", FLAG),
    ("sed 's/a/b/e' README.md", FLAG),
    ("sort -o out.txt README.md", FLAG),
    ("sort --compress-program=sh README.md", FLAG),
    ("awk '{ system(\"id\") }' README.md", FLAG),
    ("awk '{ print > \"out.txt\" }' README.md", FLAG),
    ("find . -delete", NOT),  # decided as rm, which the default does not grant
    ("find . -fprint out.txt", WRAP),
    ("jq -L /tmp . README.md", FLAG),
    ("date -s 2020-01-01", FLAG),
    # --- paths outside the workspace ------------------------------------------------------
    ("cat /etc/passwd", PATH),
    ("cat /etc/shadow", PATH),
    ("cat ../secret.txt", PATH),
    ("cat ../../etc/passwd", PATH),
    ("cat src/../../x", PATH),
    ("cat /proc/self/environ", PATH),
    ("cat /proc/1/root/etc/shadow", PATH),
    ("cat /dev/sda", PATH),
    ("cat link-out/data", PATH),
    ("ls /", PATH),
    ("ls ..", PATH),
    ("ls /root/.ssh", PATH),
    ("head -n 1 /etc/hostname", PATH),
    ("tail -f /var/log/syslog", PATH),
    ("grep -r password /etc", PATH),
    ("grep -r secret ..", PATH),
    ("grep --file=/etc/shadow x README.md", PATH),
    ("grep -f/etc/shadow README.md", PATH),
    ("wc -l /etc/passwd", PATH),
    ("git log -- ../elsewhere", PATH),
    ("git diff -- /etc", PATH),
    ("cat < /etc/passwd", PATH),
    ("cat README.md > /tmp/x", PATH),
    ("ls | grep x > ../out", PATH),
    # --- writes through redirection (default: only /dev/null) ------------------------------
    ("ls > listing.txt", SHELL),
    ("echo x >> README.md", SHELL),
    ("cat README.md > copy.md", SHELL),
    ("ls 1> out", SHELL),
    ("ls 2> err.txt", SHELL),
    # --- shell features ---------------------------------------------------------------------
    ("echo $HOME", SHELL),
    ("echo ${HOME}", SHELL),
    ("echo $(id)", SHELL),
    ("echo `id`", SHELL),
    ("cat $(echo README.md)", SHELL),
    ("ls *.md", OK),  # globs are expanded by the gate, inside the workspace
    ("ls src/*", OK),
    ("ls ?", OK),
    ("ls [ab]", OK),
    ("ls /etc/*", PATH),
    ("cat ../*", PATH),
    ("echo {a,b}{c,d}", SHELL),
    ("cat {README.md,/etc/passwd}", PATH),
    ("cat ~/.ssh/id_rsa", SHELL),
    ("ls ~", SHELL),
    ("PAGER=sh git log", "EG-ENV-DENIED"),  # a prefix is decided as an env override
    ("LD_PRELOAD=/tmp/x.so ls", "EG-ENV-DENIED"),
    ("ls &", SHELL),
    ("ls & rm x", SHELL),
    ("(ls)", SHELL),
    ("{ ls; }", SHELL),
    ("f() { ls; }; f", SHELL),
    ("if true; then ls; fi", SHELL),
    ("for f in a b; do cat $f; done", SHELL),
    ("while true; do ls; done", SHELL),
    ("case x in x) ls;; esac", SHELL),
    ("! ls", SHELL),
    ("time ls", NOT),  # run as the program /usr/bin/time (no shell), which is not allowed
    ("ls # comment", OK),  # ignored to the end of the line, as bash does
    ("ls # ; rm x", OK),
    ("ls\nrm x", NOT),  # a newline separates commands, each decided
    ("cat <(ls)", SHELL),
    ("diff <(ls) <(ls)", SHELL),
    ("cat <<< secret", SHELL),
    ("ls |& cat", SHELL),
    ("ls &> out", SHELL),
    ("ls 3> out", SHELL),
    ("ls >&3", SHELL),
    ("echo $'\\x41'", SHELL),
    ('echo "$(id)"', SHELL),
    ('echo "`id`"', SHELL),
    # shell builtins are not programs: without a shell they do not exist
    ("eval ls", MISSING),
    ("exec ls", MISSING),
    (". ./script.sh", MISSING),
    ("source ./script.sh", MISSING),
    ("cd /tmp && cat x", "EG-CWD-ESCAPE"),  # cd is a cwd change, confined like cwd
    # --- malformed ------------------------------------------------------------------------
    ("ls &&", PARSE),
    ("| wc", PARSE),
    ("ls ||", PARSE),
    ("echo 'unterminated", PARSE),
    ('echo "unterminated', PARSE),
    ("ls; ; ls", PARSE),
    # --- programs that are not what they claim ---------------------------------------------
    ("./ls", MISSING),
    ("./cat README.md", MISSING),
    ("/tmp/ls", MISSING),
    ("bin/ls", MISSING),
    ("\uff4c\uff53", LOOK),
    ("l\u0455 -la", LOOK),
    ("l\u200bs", LOOK),
    ("no-such-program", MISSING),
]

DEV_POLICY = """
version = 1
[workspace]
root = "{root}"

[[allow]]
command = "python3 -m pytest"
deny_args = ["--pdb", "-p"]
paths = "workspace"

[[allow]]
command = "git status"

[[allow]]
command = "git diff"
deny_args = ["--output*", "--ext-diff", "--textconv", "--no-index"]
paths = "workspace"

[[allow]]
command = "env"

[[allow]]
command = "timeout"

[[allow]]
command = "ls"

[[allow]]
command = "touch"
paths = "workspace"

[[ask]]
command = "git commit"

[[deny]]
command = "git push"
reason = "pushing is done by CI"
"""

DEV_CORPUS: list[tuple[str, str]] = [
    ("python3 -m pytest", OK),
    ("python3 -m pytest -q tests", OK),
    ("python3 -m pytest -k 'not slow' tests/test_x.py", OK),
    ("python3 -m pytest --pdb", ARG),
    ("python3 -m pytest -p no:cacheprovider", ARG),
    ("python3 -m pytest /etc", PATH),
    ("python3 -m pytest ../other", PATH),
    ("python3 -m http.server", NOT),
    ("python3 -c 'import os'", NOT),
    ("python3 script.py", NOT),
    ("python3", NOT),
    ("git status", OK),
    ("git diff --stat", OK),
    ("git diff --output=x", ARG),
    ("git diff --out=x", ARG),
    ("git push origin main", DENY),
    ("git push", DENY),
    ("git commit -m wip", "EG-APPROVAL-REQUIRED"),
    ("git log", NOT),
    ("env python3 -m pytest -q", OK),
    ("env PYTHONPATH=/tmp python3 -m pytest", "EG-ENV-DENIED"),
    ("env GIT_SSH_COMMAND=x git status", "EG-ENV-DENIED"),
    ("env -i python3 -m pytest", WRAP),
    ("env git push", DENY),
    ("timeout 60 python3 -m pytest -q", OK),
    ("timeout 60 python3 -c 1", NOT),
    ("timeout 5 env git push", DENY),
    ("ls && python3 -m pytest -q", OK),
    ("python3 -m pytest -q | tail -5", NOT),
    ("touch notes.txt", OK),
    ("touch /tmp/x", PATH),
    ("touch ../x", PATH),
    ("ls > out.txt", OK),
    ("ls > /tmp/out.txt", PATH),
]


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Policy, Policy]:
    base = tmp_path_factory.mktemp("corpus")
    ws = base / "ws"
    (ws / "src" / "pkg").mkdir(parents=True)
    (ws / "README.md").write_text("install\n")
    (ws / "src" / "main.py").write_text("import os\n")
    (ws / "file with spaces.txt").write_text("x\n")
    (base / "out").mkdir()
    (ws / "link-out").symlink_to(base / "out")
    policy_file = base / "dev.toml"
    policy_file.write_text(DEV_POLICY.format(root=ws))
    return default_policy(ws), load_policy(policy_file)


def _decide(policy: Policy, line: str) -> str:
    v = evaluate(policy, ExecRequest(command=line), {"PATH": "/usr/local/bin:/usr/bin:/bin"})
    return "EG-ALLOWED" if v.decision.allowed else v.decision.code


def test_the_corpus_is_big_enough() -> None:
    assert len(DEFAULT_CORPUS) + len(DEV_CORPUS) >= 200
    denied = sum(1 for _, code in DEFAULT_CORPUS + DEV_CORPUS if code != OK)
    assert denied >= 100 and len(DEFAULT_CORPUS) + len(DEV_CORPUS) - denied >= 40


@pytest.mark.parametrize(("line", "expected"), DEFAULT_CORPUS)
def test_default_policy_corpus(roots: tuple[Policy, Policy], line: str, expected: str) -> None:
    assert _decide(roots[0], line) == expected, line


@pytest.mark.parametrize(("line", "expected"), DEV_CORPUS)
def test_dev_policy_corpus(roots: tuple[Policy, Policy], line: str, expected: str) -> None:
    assert _decide(roots[1], line) == expected, line
