"""Holes an attacker found in round 20: programs that change directory before reading their
paths (patch -d, make -C, and find handing them a directory as ``{}``), symlinks whose target
climbs out of a directory that does not exist yet, pipelines whose members run at once, the
gate's own configuration readers following a link out of the workspace and quoting what they
read, configuration written by curl -o, files written into a bare repository made in the
same line, gcore, names programs derive from their operands (foo -> foo.zip, xaa), and a rule
hint that named an option which runs a program."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate

BIN = os.path.dirname(sys.executable)
PROGRAMS = (
    "patch", "make", "git", "git init", "find", "curl", "ln", "tail", "cat", "cp", "npm",
    "pytest", "printf", "echo", "tar", "unzip", "zcat", "gunzip", "split", "csplit", "gcore",
    "diff3", "mkdir", "rm", "rsync", "go", "wget", "zip", "sort", "head", "grep", "wc", "ls",
    "gzip", "tree",
)  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (ws / "a.txt").write_text("hello\n")
    (tmp_path / "canary").write_text("SECRET-CANARY\n")
    return ws


@pytest.fixture
def policy(tmp_path: Path, ws: Path) -> Policy:
    rules = "".join(f'[[allow]]\ncommand = "{p}"\n' for p in PROGRAMS)
    path = tmp_path / "p.toml"
    path.write_text(
        f'version = 1\n[env]\npath = "{BIN}:/usr/local/bin:/usr/bin:/bin"\n'
        f'[workspace]\nroot = "{ws}"\n[shell]\noperators = true\nwrite_redirects = true\n{rules}'
    )
    return load_policy(path)


def verdict(policy: Policy, line: str, cwd: str = ".") -> tuple[str, str, str]:
    v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
    return v.decision.verdict, v.decision.code, v.decision.reason


def decide(policy: Policy, line: str, cwd: str = ".") -> tuple[str, str]:
    return verdict(policy, line, cwd)[:2]


def run(policy: Policy, line: str, ws: Path, cwd: str = ".") -> subprocess.CompletedProcess[str]:
    v = evaluate(policy, ExecRequest(command=line, cwd=cwd), dict(os.environ))
    assert v.plan is not None, v.decision.reason
    return subprocess.run(
        v.plan.argv, cwd=v.plan.cwd, env=v.plan.env, capture_output=True, text=True, timeout=30
    )


# --- 1, 2: programs that change directory before they read their paths ---------------------


@pytest.mark.parametrize(
    "line",
    [
        "cd sub && patch -d .. -i p.diff ../victim.txt",
        "cd sub && patch -d.. -i p.diff ../victim.txt",
        "cd sub && patch --directory=.. -i p.diff ../victim.txt",
        "cd sub && patch --dir .. -i p.diff ../victim.txt",
        "cd sub && patch -Nd .. -i p.diff ../victim.txt",
        "cd sub && patch -d .. -o ../victim.txt -i p.diff a.txt",
        "cd sub && patch -d .. -r ../rej -i p.diff a.txt",
        "cd sub && patch -d . -d .. -i p.diff ../victim.txt",
        "patch -d sub -d .. -i p.diff ../victim.txt",
    ],
)
def test_patch_reads_every_path_from_its_directory(policy: Policy, ws: Path, line: str) -> None:
    (ws / "p.diff").write_text("--- a.txt\n+++ a.txt\n@@ -1 +1 @@\n-hello\n+PWNED\n")
    assert decide(policy, line) == ("deny", "EG-PATH-ESCAPE"), line


def test_patch_d_still_patches_inside(policy: Policy, ws: Path) -> None:
    (ws / "p.diff").write_text("--- a.txt\n+++ a.txt\n@@ -1 +1 @@\n-hello\n+patched\n")
    assert decide(policy, "cd sub && patch -d .. -i p.diff a.txt")[0] == "allow"
    if shutil.which("patch"):
        run(policy, "cd sub && patch -d .. -i p.diff a.txt", ws)
        assert (ws / "a.txt").read_text() == "patched\n"


@pytest.mark.parametrize(
    "line",
    [
        "cd sub && make -C .. -f ../evil.mk",
        "cd sub && make -C.. -f ../evil.mk",
        "cd sub && make --directory=.. -f ../evil.mk",
        "cd sub && make --directory .. -f ../evil.mk",
        "cd sub && make -sC .. -f ../evil.mk",
        "make -C sub -C .. -f ../evil.mk",
        "make -C .. all",
        "cd sub && make -C ../.. all",
    ],
)
def test_make_reads_its_makefile_from_its_directory(policy: Policy, ws: Path, line: str) -> None:
    assert decide(policy, line) == ("deny", "EG-PATH-ESCAPE"), line


def test_make_c_inside_is_allowed(policy: Policy, ws: Path) -> None:
    (ws / "Makefile").write_text("all:\n\t@echo made\n")
    assert decide(policy, "cd sub && make -C .. all")[0] == "allow"
    assert decide(policy, "make -C sub all")[0] == "allow"


def test_other_directory_options_are_read(policy: Policy, ws: Path) -> None:
    if shutil.which("go"):
        (ws / "go.mod").write_text("module x\n")
        assert decide(policy, "cd sub && go build -C .. -o ../out .")[0] == "deny"
        assert decide(policy, "cd sub && go build -C=.. -o ../out .")[0] == "deny"
        assert decide(policy, "cd sub && go build -C .. -o out .")[0] == "allow"
    # git -C to the workspace's root from a subdirectory is the root, not outside
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    assert decide(policy, "cd sub && git -C .. status")[0] == "allow"
    assert decide(policy, "cd sub && git -C .. diff --no-index ../x a.txt")[0] == "deny"


# --- 6: find and xargs hand a directory to an option that changes to it ------------------


@pytest.mark.parametrize(
    "line",
    [
        r"cd sub && find .. -maxdepth 0 -exec git -C {} diff --no-index ../canary a.txt \;",
        r"cd sub && find .. -maxdepth 0 -exec make -f ../evil.mk -C {} \;",
        r"cd sub && find .. -maxdepth 0 -exec patch -d {} -i p.diff ../victim.txt \;",
        "cd sub && find .. -maxdepth 0 | xargs curl -s -o ../x http://127.0.0.1:9/ --output-dir",
        r"cd sub && find .. -maxdepth 0 -exec tar -C {} -tf ../x.tar \;",
        r"cd sub && find .. -maxdepth 0 -exec curl -o ../x --output-dir={} http://127.0.0.1:9/ \;",
        # a found name read from another directory than find names it from
        r"cd sub && find .. -name a.txt -exec git -C .. diff --no-index {} /dev/null \;",
        # a path the program resolves from a found name: rsync's --backup-dir from DEST
        r"cd sub && find .. -maxdepth 0 -exec rsync -a --backup-dir=../../x a/ {} \;",
    ],
)
def test_find_never_hands_a_directory_option_its_value(policy: Policy, ws: Path, line: str) -> None:
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    assert decide(policy, line)[0] == "deny", line


def test_find_in_the_default_policy_does_not_read_outside(tmp_path: Path) -> None:
    """Under the embedded read-only policy (workspace = cwd), from a/b/c."""
    from execgate.policy import default_policy

    ws = tmp_path / "ws2"
    (ws / "a" / "b" / "c").mkdir(parents=True)
    policy = default_policy(str(ws))
    line = (
        r"find ../../.. -maxdepth 0 -exec git -C {} diff --no-index ../../../etc/hostname "
        r"/dev/null \;"
    )
    v = evaluate(policy, ExecRequest(command=line, cwd="a/b/c"), dict(os.environ))
    assert v.decision.verdict == "deny"


# --- 3: a symlink whose target climbs out of a directory that is not there yet ----------


@pytest.mark.parametrize(
    "target",
    [
        "sub/d/../../canary",
        "sub/d/e/../../../canary",
        "a.txt/../../canary",  # a file, not a directory: the kernel fails now
        "/TMP/x/../etc/passwd",
    ],
)
def test_a_link_through_a_missing_directory_is_refused(
    policy: Policy, ws: Path, target: str
) -> None:
    target = target.replace("/TMP", str(ws))
    assert decide(policy, f"ln -s {target} l") == ("deny", "EG-PATH-ESCAPE"), target
    assert decide(policy, f"cd sub && ln -s ../{target} l")[0] == "deny", target


def test_links_through_existing_directories_are_still_made(policy: Policy, ws: Path) -> None:
    (ws / "sub" / "d").mkdir()
    assert decide(policy, "ln -s sub/d/../a.txt l")[0] == "allow"
    assert decide(policy, "ln -s a.txt l")[0] == "allow"


def test_the_chain_does_not_reach_the_canary(policy: Policy, ws: Path, tmp_path: Path) -> None:
    """The attack end to end: the link is refused, so nothing turns it outward later."""
    assert decide(policy, "ln -s sub/d/../../canary l")[0] == "deny"
    os.symlink("sub/d/../../canary", ws / "l")  # planted some other way (a checkout)
    run(policy, "cd sub && ln -s . d", ws)
    assert decide(policy, "cat l") == ("deny", "EG-PATH-ESCAPE")


def test_an_archive_symlink_through_a_missing_directory_is_refused(
    policy: Policy, ws: Path
) -> None:
    import zipfile

    with zipfile.ZipFile(ws / "x.zip", "w") as zf:
        info = zipfile.ZipInfo("l")
        info.external_attr = (0o120777 << 16) | 0
        zf.writestr(info, "sub/d/../../canary")
    assert decide(policy, "unzip x.zip") == ("deny", "EG-PATH-ESCAPE")
    with zipfile.ZipFile(ws / "y.zip", "w") as zf:
        zf.writestr("sub/d/keep.txt", "x")  # the archive makes sub/d itself
        info = zipfile.ZipInfo("l")
        info.external_attr = (0o120777 << 16) | 0
        zf.writestr(info, "sub/d/../a.txt")
    assert decide(policy, "unzip y.zip")[0] == "allow"


@pytest.mark.parametrize(
    "line",
    [
        "cd sub && tail -F ../l > ../out | ln -s . d",
        "tail -F l | ln -s . sub/d",
        "cat x | ln -s a.txt y",
        "cat a.txt > out | ln -s a.txt y",
        "cat d/../a.txt | rm -r d",  # the '..' follows a symlink a changer may replace
    ],
)
def test_every_member_of_a_pipeline_runs_beside_the_linker(
    policy: Policy, ws: Path, line: str
) -> None:
    (ws / "sub" / "inner").mkdir()
    (ws / "d").symlink_to("sub/inner")
    assert decide(policy, line) == ("deny", "EG-SHELL-UNSUPPORTED"), line


@pytest.mark.parametrize(
    "line",
    [
        "patch -i p.diff | cp evil.diff p.diff",
        "cp evil.diff p.diff | patch -i p.diff",
        "unzip x.zip | cp evil.zip x.zip",
    ],
)
def test_what_is_read_before_the_line_runs_has_no_writer_beside_it(
    policy: Policy, ws: Path, line: str
) -> None:
    """A guard: refused before too (a path after a linker, a patch from a pipe); now because
    a member of the pipeline may write what the patch or archive check read."""
    (ws / "p.diff").write_text("--- a.txt\n+++ a.txt\n@@ -1 +1 @@\n-hello\n+x\n")
    import zipfile

    with zipfile.ZipFile(ws / "x.zip", "w") as zf:
        zf.writestr("m.txt", "x")
    assert decide(policy, line) == ("deny", "EG-SHELL-UNSUPPORTED"), line


@pytest.mark.parametrize(
    "line",
    ["git log --oneline | head -5", "cat a.txt | grep hello > out.txt", "ls | wc -l"],
)
def test_ordinary_pipelines_stay_allowed(policy: Policy, ws: Path, line: str) -> None:
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    assert decide(policy, line)[0] == "allow", line


# --- 7: a repository made earlier in the same line ------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        r"git init --bare x && printf '[core]\n\tpager = id\n' >> x/config",
        r"git init --bare x && printf '#!/bin/sh\nid\n' > x/hooks/post-checkout",
        "git init --bare x && cp evil.cfg x/config",
        "git init --bare x && cp -r tpl/. x",
        "git init --bare x && cp -r tpl/x .",
        "git init --bare -q x && echo >> x/info/exclude",
        "git init --bar x && printf x >> x/config",
        "git init x --bare && printf x >> x/config",
        "git -C sub init --bare x && printf x >> sub/x/config",
        r"printf '[core]\n\tpager = id\n' >> x/config | git init --bare x",
        "git init --bare x | cp evil.cfg x/config",
        "git init x && printf x >> x/.git/config",
        "timeout 5 git init --bare x && printf x >> x/config",
    ],
)
def test_a_repository_made_in_the_line_is_not_written(policy: Policy, ws: Path, line: str) -> None:
    (ws / "evil.cfg").write_text("[core]\n\tpager = id\n")
    (ws / "tpl" / "x").mkdir(parents=True)
    assert decide(policy, line)[0] == "deny", line


def test_a_bare_repository_made_in_the_line_keeps_its_config(
    policy: Policy, ws: Path, tmp_path: Path
) -> None:
    if decide(policy, "git init --bare x && printf '[core]\\n' >> x/config")[0] == "allow":
        run(policy, "git init --bare x && printf '[core]\\n\\tpager = id\\n' >> x/config", ws)
    config = ws / "x" / "config"
    assert not config.exists() or "pager" not in config.read_text()


def test_git_init_then_work_in_it_is_allowed(tmp_path: Path, ws: Path) -> None:
    path = tmp_path / "g.toml"
    rules = "".join(
        f'[[allow]]\ncommand = "{p}"\n' for p in ("git init", "git add", "git commit", "echo")
    )
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\noperators = true\n'
        f"write_redirects = true\n{rules}"
    )
    policy = load_policy(path)
    assert decide(policy, "git init && git add . && git commit -m init")[0] == "allow"
    assert decide(policy, "git init --bare x && echo done > notes.txt")[0] == "allow"


# --- 5: configuration written in the same line ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "npm ls | cp evil.npmrc .npmrc",
        "npm ls | cat evil.npmrc > .npmrc",
        "curl -s -o .npmrc http://127.0.0.1:9/npmrc && npm ls",
        "curl -s -o.npmrc http://127.0.0.1:9/npmrc && npm ls",
        "curl -s --output=.npmrc http://127.0.0.1:9/npmrc && npm ls",
        "curl -s -D .npmrc http://127.0.0.1:9/ && npm ls",
        "curl -s --output-dir sub -o .npmrc http://127.0.0.1:9/ && cd sub && npm ls",
        "wget -q http://127.0.0.1:9/.npmrc && npm ls",
        "wget -q -O pytest.ini http://127.0.0.1:9/x && pytest -q",
        "gunzip pytest.ini.gz && pytest -q",
        "curl -s -o pyproject.toml http://127.0.0.1:9/x && pytest -q",
        "pytest -q | cp evil.ini pytest.ini",
        "curl -s -o .gitmodules http://127.0.0.1:9/x && git status",
        "curl -s -o .git/info/exclude http://127.0.0.1:9/x && git status",
        "tree -i -n -o .npmrc && npm ls",
    ],
)
def test_a_config_writer_anywhere_in_the_line_counts(policy: Policy, ws: Path, line: str) -> None:
    if not shutil.which(line.split()[0]):
        pytest.skip(f"{line.split()[0]} is not installed")
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "package.json").write_text('{"name":"x","version":"1.0.0"}\n')
    assert decide(policy, line) == ("deny", "EG-SHELL-UNSUPPORTED"), line


@pytest.mark.parametrize(
    "line", ["cat pyproject.toml && pytest -q", "grep -n x setup.cfg && pytest -q", "npm ls"]
)
def test_reading_a_config_beside_its_reader_is_allowed(policy: Policy, ws: Path, line: str) -> None:
    (ws / "package.json").write_text('{"name":"x","version":"1.0.0"}\n')
    (ws / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (ws / "setup.cfg").write_text("[metadata]\nname = x\n")
    assert decide(policy, line)[0] == "allow", line


def test_npm_does_not_read_the_planted_npmrc(policy: Policy, ws: Path, tmp_path: Path) -> None:
    """End to end: `npm ls | cp evil.npmrc .npmrc` is refused, so no npm reads it."""
    (ws / "package.json").write_text('{"name":"x","version":"1.0.0"}\n')
    (ws / "evil.npmrc").write_text(f"userconfig={tmp_path / 'canary'}\n")
    assert decide(policy, "npm ls | cp evil.npmrc .npmrc")[0] == "deny"
    assert not (ws / ".npmrc").exists()


# --- 4: the gate reads configuration only inside the workspace, and never quotes it --------


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("pytest.ini", "pytest -q"),
        ("pyproject.toml", "pytest -q"),
        ("setup.cfg", "pytest -q"),
        (".npmrc", "npm ls"),
    ],
)
def test_a_config_that_leads_outside_is_not_read(
    policy: Policy, ws: Path, tmp_path: Path, name: str, line: str
) -> None:
    (ws / "package.json").write_text('{"name":"x","version":"1.0.0"}\n')
    (tmp_path / "canary").write_text("SECRET-CANARY = 1\n[x]\nSECRET-TWO = 2\n")
    (ws / "sub" / "d").mkdir()
    (ws / name).symlink_to("sub/d/../../../canary")
    verdict_, code, reason = verdict(policy, line)
    assert (verdict_, code) == ("deny", "EG-POLICY-FLAG"), reason
    assert "secret" not in reason.lower()
    assert "outside the workspace" in reason


def test_git_config_that_leads_outside_is_not_read(
    policy: Policy, ws: Path, tmp_path: Path
) -> None:
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (tmp_path / "canary").write_text("[core]\n\texcludesfile = /SECRET-CANARY\n")
    (ws / ".git" / "config").unlink()
    (ws / ".git" / "config").symlink_to(tmp_path / "canary")
    verdict_, _, reason = verdict(policy, "git status")
    assert verdict_ == "deny" and "SECRET" not in reason, reason
    # inside the workspace too, a refusal names the key, never the value
    (ws / ".git" / "config").unlink()
    (ws / ".git" / "config").write_text("[core]\n\texcludesfile = /SECRET-VALUE\n")
    verdict_, _, reason = verdict(policy, "git status")
    assert verdict_ == "deny" and "SECRET" not in reason and "excludesfile" in reason, reason


def test_a_config_hard_link_is_not_read(policy: Policy, ws: Path, tmp_path: Path) -> None:
    (tmp_path / "canary").write_text("SECRET-CANARY\n")
    os.link(tmp_path / "canary", ws / "pytest.ini")
    verdict_, _, reason = verdict(policy, "pytest -q")
    assert verdict_ == "deny" and "SECRET" not in reason and "hard link" in reason


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("pytest.ini", "SECRET-LINE\n", "pytest -q"),
        ("pytest.ini", "[pytest]\naddopts = --SECRET-OPTION\n", "pytest -q"),
        ("pytest.ini", "[pytest]\ncache_dir = ../SECRET-DIR\n", "pytest -q"),
        ("pyproject.toml", "SECRET = = 1\n", "pytest -q"),
        (".npmrc", "SECRET-KEY=1\n", "npm ls"),
    ],
)
def test_refusals_name_the_file_and_line_never_its_text(
    policy: Policy, ws: Path, name: str, text: str, line: str
) -> None:
    (ws / "package.json").write_text('{"name":"x","version":"1.0.0"}\n')
    (ws / name).write_text(text)
    verdict_, _, reason = verdict(policy, line)
    assert verdict_ == "deny"
    assert "secret" not in reason.lower(), reason
    assert name in reason and "line" in reason, reason


@pytest.mark.skipif(not shutil.which("mypy", path=BIN), reason="mypy is in the test extra")
def test_a_linters_config_that_leads_outside_is_not_read(ws: Path, tmp_path: Path) -> None:
    path = tmp_path / "lint.toml"
    path.write_text(
        f'version = 1\n[env]\npath = "{BIN}:/usr/bin:/bin"\n[workspace]\nroot = "{ws}"\n'
        '[[allow]]\ncommand = "mypy"\n'
    )
    policy = load_policy(path)
    (tmp_path / "canary").write_text("[mypy]\nplugins = SECRET-CANARY.py\n")
    (ws / "mypy.ini").symlink_to(tmp_path / "canary")
    (ws / "m.py").write_text("x = 1\n")
    v = evaluate(policy, ExecRequest(argv=["mypy", "m.py"]), dict(os.environ))
    assert v.decision.verdict == "deny" and "SECRET" not in v.decision.reason
    (ws / "mypy.ini").unlink()
    (ws / "mypy.ini").write_text("[mypy]\nplugins = SECRET_plug.py\n")
    v = evaluate(policy, ExecRequest(argv=["mypy", "m.py"]), dict(os.environ))
    assert v.decision.verdict == "deny" and "SECRET" not in v.decision.reason
    assert "line 2" in v.decision.reason


# --- 8: programs that attach to other processes ---------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("gcore", "-o", "core", "4242"),
        ("gcore", "4242"),
        ("gdb", "-p", "4242", "-batch", "-ex", "generate-core-file"),
        ("gdbserver", "--attach", ":1234", "4242"),
        ("strace", "-p", "4242"),
        ("ltrace", "-p", "4242"),
        ("perf", "record", "-p", "4242"),
        ("pstack", "4242"),
        ("eu-stack", "-p", "4242"),
        ("lsof", "-p", "4242"),
        ("py-spy", "dump", "--pid", "4242"),
        ("pmap", "4242"),
    ],
)
def test_attaching_to_a_process_is_refused_under_a_bare_rule(
    tmp_path: Path, ws: Path, argv: tuple[str, ...]
) -> None:
    from execgate.policy._exec_options import program_refusal

    assert program_refusal(argv[0], argv[0], argv[1:], ()) is not None, argv
    path = tmp_path / "one.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "{argv[0]}"\n')
    if shutil.which(argv[0]):
        v = evaluate(load_policy(path), ExecRequest(argv=list(argv)), dict(os.environ))
        assert v.decision.verdict == "deny", argv
    assert program_refusal(argv[0], argv[0], ("--version",), ()) is None


def test_gcore_does_not_dump_another_process(policy: Policy, ws: Path) -> None:
    victim = subprocess.Popen(["sleep", "30"])
    try:
        line = f"gcore -o core {victim.pid}"
        assert decide(policy, line) == ("deny", "EG-POLICY-FLAG")
    finally:
        victim.kill()
        victim.wait()
    assert not any(p.name.startswith("core") for p in ws.iterdir())


# --- hints never suggest an option that runs a program -------------------------------------


def test_no_hint_grants_an_option_that_runs_a_program(tmp_path: Path, ws: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[[allow]]\ncommand = "diff3"\n'
        '[[allow]]\ncommand = "diff"\n[[allow]]\ncommand = "pytest"\n'
    )
    policy = load_policy(path)
    for name in ("a", "b", "c"):
        (ws / name).write_text("x\n")
    for argv in (
        ["diff3", "--diff-program=/bin/sh", "a", "b", "c"],
        ["diff3", "--diff-prog", "sh", "a", "b", "c"],
        ["diff", "--diff-program=sh", "a", "b"],
        ["pytest", "--some-plugin-option=x"],
    ):
        v = evaluate(policy, ExecRequest(argv=argv), dict(os.environ))
        assert v.decision.verdict == "deny", argv
        assert "allow_flags" not in v.decision.reason, v.decision.reason
    # an ordinary unknown option still gets its hint
    v = evaluate(policy, ExecRequest(argv=["pytest", "--cov=src"]), dict(os.environ))
    assert 'allow_flags = ["--cov="]' in v.decision.reason


# --- 9: names a program derives from its operands -------------------------------------------


@pytest.mark.parametrize(
    ("link", "line"),
    [
        ("foo.zip", "unzip -p foo"),
        ("foo.ZIP", "unzip -p foo"),
        ("foo.zip", "unzip -l foo"),
        ("foo.zip", "zip foo a.txt"),
        ("foo.gz", "zcat foo"),
        ("foo.z", "zcat foo"),
        ("foo.tgz", "gunzip foo"),
        ("foo", "gunzip foo.gz"),
        ("a.txt.gz", "gzip a.txt"),
        ("xaa", "split a.txt"),
        ("xab", "split -l 1 a.txt"),
        ("partaa", "split a.txt part"),
        ("sub/paa", "split a.txt sub/p"),
        ("xx00", "csplit a.txt 1"),
        ("x", "wget -q http://127.0.0.1:9/x"),
        ("x.1", "wget -q http://127.0.0.1:9/x"),
        ("sub/x", "wget -q -P sub http://127.0.0.1:9/dir/x?y=1"),
        ("index.html", "wget -q http://127.0.0.1:9/"),
    ],
)
def test_a_derived_name_that_leads_outside_is_refused(
    policy: Policy, ws: Path, tmp_path: Path, link: str, line: str
) -> None:
    (ws / link).symlink_to(tmp_path / "canary")
    if not shutil.which(line.split()[0]):
        pytest.skip(f"{line.split()[0]} is not installed")
    assert decide(policy, line) == ("deny", "EG-PATH-ESCAPE"), line


@pytest.mark.parametrize(
    "line",
    [
        "zcat a.txt.gz",
        "gunzip -c a.txt.gz",
        "split -l 1 a.txt part",
        "csplit a.txt 1",
        "unzip -l arch.zip",
        "wget -q http://127.0.0.1:9/y",
        r"find . -name '*.gz' -exec gunzip {} +",
    ],
)
def test_derived_names_inside_are_allowed(policy: Policy, ws: Path, line: str) -> None:
    subprocess.run(["gzip", "-k", str(ws / "a.txt")], check=True)
    import zipfile

    with zipfile.ZipFile(ws / "arch.zip", "w") as zf:
        zf.writestr("m.txt", "x")
    (ws / "inside").write_text("x")
    (ws / "xaa").symlink_to("inside")  # a link that stays inside is fine
    assert decide(policy, line)[0] == "allow", verdict(policy, line)


@pytest.mark.parametrize(
    "line",
    [
        r"find . -name a.txt -exec split {} {} \;",
        r"find . -name a.txt -exec zip {} b \;",
        "wget -r http://127.0.0.1:9/",
        "wget --content-disposition http://127.0.0.1:9/x",
        "wget -i urls.txt",
        "split --additional-suffix=/../../x a.txt p",
    ],
)
def test_derived_names_that_cannot_be_listed_are_refused(
    policy: Policy, ws: Path, line: str
) -> None:
    (ws / "urls.txt").write_text("http://127.0.0.1:9/x\n")
    assert decide(policy, line)[0] == "deny", line


def test_split_does_not_write_through_a_planted_link(
    policy: Policy, ws: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("ORIGINAL\n")
    (ws / "xaa").symlink_to(victim)
    assert decide(policy, "split a.txt")[0] == "deny"
    (ws / "xaa").unlink()
    run(policy, "split a.txt", ws)
    assert (ws / "xaa").read_text() == "hello\n" and victim.read_text() == "ORIGINAL\n"


def test_zcat_does_not_read_an_outside_archive(policy: Policy, ws: Path, tmp_path: Path) -> None:
    subprocess.run(f"gzip -c {tmp_path / 'canary'} > {tmp_path / 'canary.gz'}", shell=True)
    (ws / "foo.gz").symlink_to(tmp_path / "canary.gz")
    assert decide(policy, "zcat foo") == ("deny", "EG-PATH-ESCAPE")
    assert decide(policy, "zcat foo.gz") == ("deny", "EG-PATH-ESCAPE")


@pytest.mark.parametrize(
    ("link", "line"),
    [
        (".pytest_cache", "pytest -q"),
        (".pytest_cache", "cd sub && pytest -q"),
        ("sub/__pycache__", "python3 sub/m.py"),
        ("__pycache__", "python3 -m pytest -q"),
    ],
)
def test_a_cache_directory_that_leads_outside_is_refused(
    tmp_path: Path, ws: Path, link: str, line: str
) -> None:
    path = tmp_path / "py.toml"
    path.write_text(
        f'version = 1\n[env]\npath = "{BIN}:/usr/bin:/bin"\n[workspace]\nroot = "{ws}"\n'
        '[shell]\noperators = true\n[[allow]]\ncommand = "pytest"\n'
        '[[allow]]\ncommand = "python3"\n[[allow]]\ncommand = "python3 -m pytest"\n'
    )
    policy = load_policy(path)
    (ws / "sub" / "m.py").write_text("x = 1\n")
    assert decide(policy, line)[0] == "allow", verdict(policy, line)
    (tmp_path / "elsewhere").mkdir()
    (ws / link).symlink_to(tmp_path / "elsewhere")
    assert decide(policy, line) == ("deny", "EG-PATH-ESCAPE"), line


def test_cp_s_makes_no_link_through_a_missing_directory(policy: Policy, ws: Path) -> None:
    assert decide(policy, "cp -s sub/d/../../canary l") == ("deny", "EG-PATH-ESCAPE")
    assert decide(policy, "cp --symbolic-link sub/d/../../canary l")[0] == "deny"
    assert decide(policy, "cp -s a.txt l")[0] == "allow"


def test_a_copied_tree_of_relative_links_into_a_new_directory_is_allowed(
    policy: Policy, ws: Path
) -> None:
    (ws / "nm" / ".bin").mkdir(parents=True)
    (ws / "nm" / "pkg").mkdir()
    (ws / "nm" / "pkg" / "x").write_text("x")
    (ws / "nm" / ".bin" / "x").symlink_to("../pkg/x")
    assert decide(policy, "cp -a nm nm2")[0] == "allow"


@pytest.mark.parametrize(
    "line",
    [
        "zcat -r src",
        "gunzip -rf src",
        "gzip -rc src",
        r"find . -maxdepth 0 -exec wget -P {} http://127.0.0.1:9/x \;",
    ],
)
def test_gzip_walks_no_link_out_and_found_names_make_no_directory(
    policy: Policy, ws: Path, tmp_path: Path, line: str
) -> None:
    (ws / "src").mkdir()
    (ws / "src" / "l").symlink_to(tmp_path / "canary")
    assert decide(policy, line)[0] == "deny", line


@pytest.mark.parametrize(
    ("program", "args", "dirs"),
    [
        ("make", ("-C", "a", "-C", "b", "all"), ("a", "a/b")),
        ("make", ("-sCa", "-fC", "x"), ("a",)),  # -fC is -f C
        ("make", ("--dir=a",), ("a",)),
        ("patch", ("-Nd", "x", "-p1", "-i", "p"), ("x",)),
        ("patch", ("-p1d", "x"), ()),  # -p takes "1d"
        ("tar", ("xfC", "a.tar", "out"), ("out",)),
        ("tar", ("-xvC", "out", "-f", "a.tar"), ("out",)),
        ("go", ("build", "-C=sub", "."), ("sub",)),
        ("go", ("--C", "sub", "build"), ("sub",)),
        ("npm", ("ls", "--prefix", "x"), ("x",)),
        ("npm", ("ls", "-C", "x"), ("x",)),
        ("pnpm", ("--dir=x", "ls"), ("x",)),
        ("bun", ("--cwd", "x", "test"), ("x",)),
        ("uv", ("--directory", "x", "sync"), ("x",)),
        ("poetry", ("-P", "x", "install"), ("x",)),
        ("hg", ("--cwd", "x", "-R", "y", "log"), ("x", "x/y")),
        ("gradle", ("-p", "x", "build"), ("x",)),
        ("clang", ("-working-directory=x", "-c", "a.c"), ("x",)),
        ("curl", ("--output-dir", "x", "-o", "f", "u"), ("x",)),
        ("git", ("-C", "a", "-C", "b", "status"), ("a", "a/b")),
    ],
)
def test_directory_options_are_read_as_each_program_reads_them(
    program: str, args: tuple[str, ...], dirs: tuple[str, ...]
) -> None:
    from execgate.policy._operands import working_dirs

    assert working_dirs(program, args) == dirs
