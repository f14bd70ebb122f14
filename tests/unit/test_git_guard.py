"""The git guard on its own: real repositories, real git, real files; what a "job" (the test,
between ``before`` and ``check``) plants in the repository is judged as the guard judges a
job's changes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from execgate.policy._configs import git_config_entries, git_entry_runs_program
from execgate.supervisor._git_guard import GitGuard


def git(ws: Path, *args: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ws.parent), "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=ws, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    git(ws, "init", "-q")
    return ws


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


RUNS = [
    ("core", "fsmonitor", "touch /tmp/x"),
    ("core", "hooksPath", "myhooks"),
    ("diff", "external", "evil"),
    ("alias", "st", "!touch x"),
    ('difftool "x"', "cmd", "evil"),
    ('mergetool "x"', "path", "evil"),
    ("sendemail", "sendmailcmd", "evil"),
    ("web", "browser", "evil"),
    ('browser "x"', "cmd", "evil"),
    ('man "x"', "cmd", "evil"),
    ('guitool "x"', "cmd", "evil"),
    ("imap", "tunnel", "evil"),
    ('submodule "s"', "update", "!evil"),
    # refused for the gate's own git already (policy._configs)
    ("core", "pager", "evil"),
    ('filter "x"', "clean", "evil"),
    ("include", "path", "other"),
    ("core", "excludesFile", "/etc/passwd"),
]

BENIGN = [
    ("core", "fsmonitor", "false"),
    ("alias", "co", "checkout"),
    ('remote "origin"', "url", "https://example.com/r.git"),
    ('branch "main"', "remote", "origin"),
    ("user", "name", "someone"),
    ("core", "excludesFile", "ignored.txt"),
]


@pytest.mark.parametrize(("section", "name", "value"), RUNS)
def test_a_setting_that_runs_a_program_is_set_aside(
    repo: Path, section: str, name: str, value: str
) -> None:
    guard = GitGuard(str(repo))
    before = guard.before()
    config = repo / ".git" / "config"
    append(config, f'[{section}]\n\t{name} = "{value}"\n[user]\n\tname = kept\n')
    tampered = guard.check(before)
    assert tampered is not None and not tampered.failed
    assert len(list((repo / ".git").glob("config.rejected-*"))) == 1
    entries = git_config_entries(str(config))
    assert isinstance(entries, list)
    assert name.lower() not in {k.rsplit(".", 1)[1].lower() for k, _ in entries}
    assert ("user.name", "kept") in entries  # the rest of the job's version stays
    assert guard.check(guard.before()) is None


@pytest.mark.parametrize(("section", "name", "value"), BENIGN)
def test_a_benign_setting_stays(repo: Path, section: str, name: str, value: str) -> None:
    guard = GitGuard(str(repo))
    before = guard.before()
    append(repo / ".git" / "config", f'[{section}]\n\t{name} = "{value}"\n')
    assert guard.check(before) is None
    assert not list((repo / ".git").glob("*rejected*"))


def test_the_runs_program_rules_name_their_keys() -> None:
    assert git_entry_runs_program("core.fsmonitor", "sh -c x")
    assert not git_entry_runs_program("core.fsmonitor", "true")
    assert git_entry_runs_program("ALIAS.x", " !x")
    assert not git_entry_runs_program("alias.x", "log")
    assert git_entry_runs_program("core.hookspath", ".githooks")


def test_the_users_own_entries_never_count_as_the_jobs(repo: Path) -> None:
    """A setting that runs a program the user had before the job: a job that changes the
    file otherwise (git itself rewriting it, say) leaves it, and the file, alone."""
    config = repo / ".git" / "config"
    append(config, '[core]\n\thooksPath = .githooks\n[alias]\n\tx = "!echo x"\n')
    guard = GitGuard(str(repo))
    before = guard.before()
    git(repo, "config", "branch.main.remote", "origin")
    assert guard.check(before) is None
    before = guard.before()
    append(config, '[alias]\n\ty = "!echo y"\n')
    tampered = guard.check(before)
    assert tampered is not None
    entries = git_config_entries(str(config))
    assert isinstance(entries, list)
    keys = {k for k, _ in entries}
    assert {"core.hookspath", "alias.x", "branch.main.remote"} <= keys and "alias.y" not in keys


def test_a_config_replaced_by_a_symlink_is_set_aside(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.cfg"
    outside.write_text("[core]\n\tbare = false\n")
    guard = GitGuard(str(repo))
    before = guard.before()
    config = repo / ".git" / "config"
    config.unlink()
    config.symlink_to(outside)
    tampered = guard.check(before)
    assert tampered is not None and not tampered.failed
    assert not config.is_symlink() and "repositoryformatversion" in config.read_text()
    assert outside.read_text() == "[core]\n\tbare = false\n"  # never written through


def test_commondir_and_alternates_planted_are_set_aside(repo: Path, tmp_path: Path) -> None:
    guard = GitGuard(str(repo))
    before = guard.before()
    (repo / ".git" / "commondir").write_text(str(tmp_path / "elsewhere") + "\n")
    (tmp_path / "elsewhere").mkdir()
    (repo / ".git" / "objects" / "info" / "alternates").write_text("/tmp/objects\n")
    tampered = guard.check(before)
    assert tampered is not None and len(tampered.actions) == 2
    assert not (repo / ".git" / "commondir").exists()
    assert not (repo / ".git" / "objects" / "info" / "alternates").exists()


def test_hooks_replaced_by_a_symlink_are_set_aside(repo: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil-hooks"
    evil.mkdir()
    guard = GitGuard(str(repo))
    before = guard.before()
    hooks = repo / ".git" / "hooks"
    hooks.rename(repo / ".git" / "old-hooks")
    hooks.symlink_to(evil)
    tampered = guard.check(before)
    assert tampered is not None
    assert not hooks.exists() and evil.is_dir()


def test_a_hook_made_executable_later_is_caught(repo: Path) -> None:
    """A non-executable hook git ignores, made executable by a later job (a chmod changes
    only the change time)."""
    hook = repo / ".git" / "hooks" / "pre-push"
    guard = GitGuard(str(repo))
    before = guard.before()
    hook.write_text("#!/bin/sh\nexit 0\n")
    assert guard.check(before) is None  # not executable: git would not run it
    before = guard.before()
    os.chmod(hook, 0o755)
    tampered = guard.check(before)
    assert tampered is not None and not hook.exists()
    kept = list(hook.parent.glob("rejected-*"))
    assert len(kept) == 1 and kept[0].read_text() == "#!/bin/sh\nexit 0\n"


def test_an_unchanged_repository_is_only_looked_at(repo: Path) -> None:
    guard = GitGuard(str(repo))
    before = guard.before()
    assert guard.check(before) is None
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\n")
    hook.chmod(0o755)
    # present before the job: the user's
    assert guard.check(guard.before()) is None
    assert hook.exists()


def test_concurrent_jobs_report_a_planted_hook_once(repo: Path) -> None:
    """Job B starts after job A planted a hook and ends after A's check set it aside: what
    the guard set aside (an executable named rejected-*, which git never runs) is no plant
    of B's."""
    guard = GitGuard(str(repo))
    before_a = guard.before()
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.write_text("#!/bin/sh\n")
    hook.chmod(0o755)
    before_b = guard.before()
    assert guard.check(before_a) is not None
    assert guard.check(before_b) is None


def test_a_hooks_directory_made_read_only_is_still_cleared(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    guard = GitGuard(str(repo))
    before = guard.before()
    hook = hooks / "pre-commit"
    hook.write_text("#!/bin/sh\n")
    hook.chmod(0o755)
    hooks.chmod(0o555)
    try:
        tampered = guard.check(before)
        assert tampered is not None and not tampered.failed and not hook.exists()
        assert hooks.stat().st_mode & 0o777 == 0o555  # put back as the job left it
    finally:
        hooks.chmod(0o755)


def test_a_fifo_planted_as_git_is_set_aside_without_blocking(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    guard = GitGuard(str(ws))
    before = guard.before()
    os.mkfifo(ws / ".git")
    tampered = guard.check(before)
    assert tampered is not None and not (ws / ".git").exists()
    assert len(list(ws.glob(".git.rejected-*"))) == 1


def test_a_pointer_to_a_repository_inside_is_judged_like_one(tmp_path: Path) -> None:
    """`.git` written as a `gitdir:` file pointing at a directory inside the workspace whose
    config runs a program (a nested repository, unguarded until then)."""
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    git(ws / "sub", "init", "-q")
    append(ws / "sub" / ".git" / "config", '[core]\n\tfsmonitor = "touch x"\n')
    guard = GitGuard(str(ws))
    before = guard.before()
    (ws / ".git").write_text("gitdir: sub/.git\n")
    tampered = guard.check(before)
    assert tampered is not None
    assert "fsmonitor" not in (ws / "sub" / ".git" / "config").read_text()
