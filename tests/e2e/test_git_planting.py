"""The workspace repository's guard: git configuration and hooks a job plants do not survive
it, in secure mode (where the read-only binds exist only for a repository present when the
job starts) and in policy mode (where an interpreter writes anywhere). Real gates, real jobs,
and then the user's plain git, run in the workspace afterwards: what the job planted must not
run."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from conftest import PYTHON, open_gate

from execgate import Gate, Policy
from execgate.process import _sandbox

pytestmark = pytest.mark.anyio

MODES = [
    "policy",
    pytest.param(
        "secure",
        marks=pytest.mark.skipif(
            not _sandbox.support()[0], reason=f"no sandbox: {_sandbox.support()[1]}"
        ),
    ),
]


def user_git(workspace: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The user's own git in the workspace, later, outside the gate (no hardening)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workspace.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CEILING_DIRECTORIES": str(workspace.parent),
    }
    return subprocess.run(
        ["git", "-c", "user.name=u", "-c", "user.email=u@example.com", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )


async def job(gate: Gate, mode: str, code: str) -> str:
    r = await gate.run(argv=[PYTHON, "-c", code], secure=mode == "secure")
    assert r.exit_code == 0, r.stderr
    if mode == "secure":
        assert r.sandbox == "on"
    return r.job_id


async def codes(gate: Gate, job_id: str) -> list[str]:
    return [e.code for e in await gate.events(job_id=job_id) if e.code]


@pytest.mark.parametrize("mode", MODES)
async def test_a_config_planted_in_a_new_repository_does_not_run(
    mode: str, policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    """The attacker's line: no .git when the job starts, so nothing is bound read-only; the
    job creates one and adds core.fsmonitor. The user's next `git status` must not run it."""
    canary = tmp_path / "canary"
    code = (
        "import subprocess; subprocess.run(['git', 'init', '-q', '.'], check=True); "
        "open('.git/config', 'a').write("
        f"'[core]\\n\\tfsmonitor = \"echo PWNED > {canary}; false\"\\n')"
    )
    async with open_gate(policy, store_url) as gate:
        job_id = await job(gate, mode, code)
        assert "EG-GIT-TAMPERED" in await codes(gate, job_id)
    status = user_git(workspace, "status")
    assert not canary.exists()
    assert status.returncode == 0, status.stderr  # the repository is still one
    kept = list((workspace / ".git").glob("config.rejected-*"))
    assert len(kept) == 1 and "fsmonitor" in kept[0].read_text()
    assert "fsmonitor" not in (workspace / ".git" / "config").read_text()


@pytest.mark.parametrize("mode", MODES)
async def test_a_hook_planted_by_the_job_does_not_run(
    mode: str, policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    canary = tmp_path / "canary"
    code = (
        "import os, subprocess; subprocess.run(['git', 'init', '-q', '.'], check=True); "
        f"open('.git/hooks/pre-commit', 'w').write('#!/bin/sh\\ntouch {canary}\\n'); "
        "os.chmod('.git/hooks/pre-commit', 0o755); "
        "os.symlink('/bin/true', '.git/hooks/post-commit')"
    )
    async with open_gate(policy, store_url) as gate:
        job_id = await job(gate, mode, code)
        assert "EG-GIT-TAMPERED" in await codes(gate, job_id)
    commit = user_git(workspace, "commit", "-q", "--allow-empty", "-m", "x")
    assert commit.returncode == 0, commit.stderr
    assert not canary.exists()
    hooks = workspace / ".git" / "hooks"
    assert not (hooks / "pre-commit").exists() and not (hooks / "post-commit").is_symlink()
    assert len(list(hooks.glob("rejected-*"))) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_a_git_file_pointing_outside_is_set_aside(
    mode: str, policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    """A `.git` file (`gitdir:`) the job writes, pointing at a repository outside the
    workspace whose config runs a program: the user's git would follow it."""
    canary = tmp_path / "canary"
    evil = tmp_path / "evil"
    subprocess.run(["git", "init", "-q", "--bare", str(evil)], check=True)
    config = evil / "config"
    config.write_text(
        config.read_text() + f'[core]\n\tfsmonitor = "touch {canary}; false"\n\tbare = false\n'
    )
    code = f"open('.git', 'w').write('gitdir: {evil}\\n')"
    async with open_gate(policy, store_url) as gate:
        job_id = await job(gate, mode, code)
        assert "EG-GIT-TAMPERED" in await codes(gate, job_id)
    user_git(workspace, "status")
    assert not canary.exists()
    assert not (workspace / ".git").exists()
    assert len(list(workspace.glob(".git.rejected-*"))) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_benign_repository_made_by_a_job_keeps_working(
    mode: str, policy: Policy, store_url: str, workspace: Path
) -> None:
    code = (
        "import subprocess\n"
        "def git(*a): subprocess.run(['git', '-c', 'user.name=j', '-c', 'user.email=j@e.x', *a],"
        " check=True)\n"
        "git('init', '-q', '.')\n"
        "git('remote', 'add', 'origin', 'https://example.com/r.git')\n"
        "open('a.txt', 'w').write('a')\n"
        "git('add', 'a.txt')\n"
        "git('commit', '-q', '-m', 'first')\n"
    )
    async with open_gate(policy, store_url) as gate:
        job_id = await job(gate, mode, code)
        assert "EG-GIT-TAMPERED" not in await codes(gate, job_id)
        # a second job, on the repository the first made: it is now the user's
        again = await job(gate, mode, "open('b.txt', 'w').write('b')")
        assert "EG-GIT-TAMPERED" not in await codes(gate, again)
    log = user_git(workspace, "log", "--format=%s")
    assert log.stdout == b"first\n"
    assert not list((workspace / ".git").glob("*rejected-*"))
    remote = user_git(workspace, "remote", "get-url", "origin")
    assert remote.stdout == b"https://example.com/r.git\n"


async def test_the_users_own_settings_stay_and_only_the_jobs_additions_go(
    make_policy: Callable[..., Policy], store_url: str, workspace: Path, tmp_path: Path
) -> None:
    """A repository the user had (with an alias that runs a program and a hook of their
    own): a job in policy mode appends an alias and rewrites the user's hook. The job's alias
    and hook are set aside; the user's alias and the rest of the config stay."""
    canary = tmp_path / "canary"
    assert user_git(workspace, "init", "-q").returncode == 0
    git_dir = workspace / ".git"
    config = git_dir / "config"
    config.write_text(
        config.read_text()
        + '[alias]\n\tmine = "!echo mine"\n[remote "origin"]\n\turl = https://e.x/r\n'
    )
    hook = git_dir / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    policy = make_policy()
    code = (
        f"open('.git/config', 'a').write('[alias]\\n\\tst = \"!touch {canary}\"\\n'); "
        f"open('.git/hooks/pre-commit', 'a').write('touch {canary}\\n')"
    )
    async with open_gate(policy, store_url) as gate:
        quiet = await job(gate, "policy", "open('x.txt', 'w').write('x')")
        assert "EG-GIT-TAMPERED" not in await codes(gate, quiet)
        job_id = await job(gate, "policy", code)
        assert "EG-GIT-TAMPERED" in await codes(gate, job_id)
    user_git(workspace, "st")
    user_git(workspace, "commit", "-q", "--allow-empty", "-m", "x")
    assert not canary.exists()
    assert user_git(workspace, "mine").stdout == b"mine\n"
    assert user_git(workspace, "remote", "get-url", "origin").stdout == b"https://e.x/r\n"
    assert not hook.exists()


@pytest.mark.parametrize("mode", MODES)
async def test_a_workspace_made_a_bare_repository_is_guarded_too(
    mode: str, policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    """No .git at all: the job makes the workspace itself a bare repository (git takes a
    directory with HEAD, objects/ and refs/ for one) whose config holds a shell alias."""
    canary = tmp_path / "canary"
    code = (
        "import subprocess; subprocess.run(['git', 'init', '-q', '--bare', '.'], check=True); "
        f"open('config', 'a').write('[alias]\\n\\tst = \"!touch {canary}\"\\n')"
    )
    async with open_gate(policy, store_url) as gate:
        job_id = await job(gate, mode, code)
        assert "EG-GIT-TAMPERED" in await codes(gate, job_id)
    user_git(workspace, "st")
    assert not canary.exists()
    assert user_git(workspace, "rev-parse", "--is-bare-repository").stdout == b"true\n"


async def test_a_job_cancelled_after_planting_is_guarded_too(
    policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    """The caller gives up on a job that planted a config and then waits: the job is killed,
    and its plant is set aside all the same before the cancellation reaches the caller."""
    canary = tmp_path / "canary"
    planted = workspace / "planted"
    code = (
        "import subprocess, time; subprocess.run(['git', 'init', '-q', '.'], check=True); "
        f"open('.git/config', 'a').write('[core]\\n\\tfsmonitor = \"touch {canary}\"\\n'); "
        "open('planted', 'w').close(); time.sleep(30)"
    )
    async with open_gate(policy, store_url) as gate:
        async with anyio.create_task_group() as tg:

            async def run() -> None:
                await gate.run(argv=[PYTHON, "-c", code], job_id="cancelled-planter")

            tg.start_soon(run)
            with anyio.fail_after(20):
                while not planted.exists():
                    await anyio.sleep(0.02)
            tg.cancel_scope.cancel()
        assert "EG-GIT-TAMPERED" in await codes(gate, "cancelled-planter")
    user_git(workspace, "status")
    assert not canary.exists()


async def test_the_event_of_many_plants_stays_short(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    code = (
        "import os, subprocess; subprocess.run(['git', 'init', '-q', '.'], check=True)\n"
        "for i in range(40):\n"
        "    p = f'.git/hooks/h{i}'; open(p, 'w').write('#!/bin/sh\\n'); os.chmod(p, 0o755)\n"
    )
    async with open_gate(policy, store_url) as gate:
        job_id = await job(gate, "policy", code)
        events = [e for e in await gate.events(job_id=job_id) if e.code == "EG-GIT-TAMPERED"]
    assert len(events) == 1 and "and 35 more" in (events[0].reason or "")
    assert len(events[0].reason or "") < 2000
    assert len(list((workspace / ".git" / "hooks").glob("rejected-*"))) == 40


@pytest.mark.parametrize("mode", ["policy"])
async def test_a_submodules_config_and_hooks_are_guarded_too(
    mode: str, policy: Policy, store_url: str, workspace: Path, tmp_path: Path
) -> None:
    """A submodule's git directory lives inside the top one (.git/modules/NAME): the user's
    plain `git status` reads its config, and `git commit` inside it runs its hooks."""
    src = tmp_path / "subsrc"
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    assert user_git(src, "commit", "-q", "--allow-empty", "-m", "s").returncode == 0
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    add = user_git(workspace, "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                   str(src), "sub")  # fmt: skip
    assert add.returncode == 0, add.stderr
    assert user_git(workspace, "commit", "-q", "-m", "add sub").returncode == 0
    canary = tmp_path / "canary"
    code = (
        "import os\n"
        "open('.git/modules/sub/config', 'a').write("
        f"'[core]\\n\\tfsmonitor = \"echo PWNED >> {canary}; false\"\\n')\n"
        f"open('.git/modules/sub/hooks/pre-commit', 'w').write('#!/bin/sh\\ntouch {canary}\\n')\n"
        "os.chmod('.git/modules/sub/hooks/pre-commit', 0o755)\n"
    )
    async with open_gate(policy, store_url) as gate:
        job_id = await job(gate, mode, code)
        assert "EG-GIT-TAMPERED" in await codes(gate, job_id)
    status = user_git(workspace, "status")
    assert status.returncode == 0, status.stderr
    commit = user_git(workspace / "sub", "commit", "-q", "--allow-empty", "-m", "x")
    assert commit.returncode == 0, commit.stderr
    assert not canary.exists()
