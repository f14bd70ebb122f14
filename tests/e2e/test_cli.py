"""The command line as a user runs it: a real process, real exit codes, stdout only output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PYTHON

from execgate.store import default_store_path

CLI = [sys.executable, "-m", "execgate"]


def run(args: list[str], cwd: Path, **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, timeout=60, **kw)  # type: ignore[call-overload,no-any-return]


@pytest.fixture
def policy_file(tmp_path: Path, workspace: Path) -> Path:
    p = tmp_path / "policy.toml"
    p.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n'
        f'[[allow]]\ncommand = "{PYTHON}"\nargs = "any"\n[[allow]]\ncommand = "sleep"\n'
        '[[allow]]\ncommand = "echo"\n[limits]\ntimeout = 10.0\nkill_grace = 0.2\n'
    )
    return p


@pytest.mark.slow
def test_default_policy_runs_read_only_commands(workspace: Path, state_home: Path) -> None:
    (workspace / "f.txt").write_text("hello\n")
    r = run(["run", "--", "cat", "f.txt"], workspace)
    assert (r.returncode, r.stdout) == (0, b"hello\n")
    # the default store: outside the workspace, the owner's alone
    db = Path(default_store_path(str(workspace)))
    assert db.is_relative_to(state_home) and not (workspace / ".execgate").exists()
    assert (db.stat().st_mode & 0o777, db.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    r = run(["run", "--", "rm", "f.txt"], workspace)
    assert r.returncode == 126 and r.stdout == b""
    assert b"EG-POLICY-NOT-ALLOWED" in r.stderr
    assert (workspace / "f.txt").exists()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import sys; sys.exit(7)", 7),
        ("import os, signal; os.kill(os.getpid(), signal.SIGUSR1)", 128 + 10),
    ],
)
@pytest.mark.slow
def test_child_exit_codes(policy_file: Path, workspace: Path, code: str, expected: int) -> None:
    r = run(["run", "--policy", str(policy_file), "--", PYTHON, "-c", code], workspace)
    assert r.returncode == expected


@pytest.mark.slow
def test_timeout_is_124_even_when_kill_was_needed(policy_file: Path, workspace: Path) -> None:
    trap = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(30)"
    r = run(
        ["run", "--policy", str(policy_file), "--timeout", "0.5", "--", PYTHON, "-c", trap],
        workspace,
    )
    assert r.returncode == 124
    assert b"timed out" in r.stderr


@pytest.mark.slow
def test_refused_not_found_and_failed(policy_file: Path, workspace: Path, tmp_path: Path) -> None:
    assert run(["run", "--policy", str(policy_file), "--", "ls"], workspace).returncode == 126
    assert (
        run(["run", "--policy", str(policy_file), "--", "nope-prog"], workspace).returncode == 127
    )
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\ntimeout = 'x'\n")
    r = run(["run", "--policy", str(bad), "--", "echo"], workspace)
    assert r.returncode == 125 and b"$.limits.timeout" in r.stderr
    r = run(["run", "--policy", str(policy_file), "--store", "nosuch://x", "--", "echo"], workspace)
    assert r.returncode == 125 and b"EG-STORE-INVALID" in r.stderr
    r = run(["run", "--policy", str(policy_file), "--timeout", "999", "--", "echo"], workspace)
    assert r.returncode == 126 and b"EG-LIMIT-EXCEEDED" in r.stderr


def test_secret_refused_with_126_and_not_echoed(workspace: Path) -> None:
    import random

    from corpus import SECRETS

    tok = SECRETS["github-token"](random.Random(3))  # format- and checksum-valid, synthetic
    r = run(["run", "--", "echo", tok], workspace)
    assert r.returncode == 126
    assert tok.encode() not in r.stdout + r.stderr
    assert b"EG-SECRET-DETECTED" in r.stderr


def test_shell_and_json(policy_file: Path, workspace: Path) -> None:
    r = run(["run", "--policy", str(policy_file), "--json", "--shell", "echo 'a  b'"], workspace)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["stdout"] == "a  b\n" and out["exit_code"] == 0
    r = run(
        ["run", "--policy", str(policy_file), "--json", "--shell", "echo a; rm -rf /"], workspace
    )
    out = json.loads(r.stdout)
    assert r.returncode == 126 and out["decision"] == "deny"
    assert out["code"] == "EG-POLICY-NOT-ALLOWED" and out["rule"].endswith("(command 2)")


def test_check(policy_file: Path, workspace: Path) -> None:
    r = run(["check", "--policy", str(policy_file), "--json", "--", "echo", "x"], workspace)
    assert r.returncode == 0
    assert json.loads(r.stdout) == {
        "decision": "allow",
        "code": "EG-ALLOWED",
        "rule": "allow[2] 'echo'",
        "reason": f"'echo' is allowed by {policy_file}",
    }
    r = run(["check", "--policy", str(policy_file), "--json", "--", "ls"], workspace)
    assert r.returncode == 126 and json.loads(r.stdout)["decision"] == "deny"


def test_log_shows_recorded_events(policy_file: Path, workspace: Path) -> None:
    run(["run", "--policy", str(policy_file), "--job-id", "J42", "--", "echo", "hi"], workspace)
    r = run(["log", "--json", "--job", "J42"], workspace)
    kinds = [json.loads(line)["kind"] for line in r.stdout.splitlines()]
    assert kinds == ["decision", "result"]
    r = run(["log", "--limit", "5"], workspace)
    assert r.returncode == 0 and b"J42" in r.stdout


def test_log_never_prints_a_recorded_control_character(policy_file: Path, workspace: Path) -> None:
    """A command line holding a newline, a carriage return or an escape sequence cannot forge
    a row of ``log``'s output (both formats): each is shown as its escape."""
    forged = "echo x\n2030-01-01 00:00:00 decision allow EG-ALLOWED\r\x1b[2Kfake"
    run(["run", "--policy", str(policy_file), "--job-id", "JCTL", "--shell", forged], workspace)
    for fmt in ("--lines", "--table"):
        r = run(["log", fmt, "--job", "JCTL"], workspace)
        assert r.returncode == 0, r.stderr
        assert b"\r" not in r.stdout and b"\x1b" not in r.stdout, r.stdout
        assert not any(line.startswith(b"2030-") for line in r.stdout.splitlines()), r.stdout


def test_stdin_from_file_and_never_inherited(policy_file: Path, workspace: Path) -> None:
    (workspace / "in.txt").write_bytes(b"data")
    cat = "import sys; sys.stdout.write(sys.stdin.read())"
    r = run(
        [
            "run",
            "--policy",
            str(policy_file),
            "--stdin-from",
            str(workspace / "in.txt"),
            "--",
            PYTHON,
            "-c",
            cat,
        ],
        workspace,
    )
    assert r.stdout == b"data"
    r = run(
        ["run", "--policy", str(policy_file), "--", PYTHON, "-c", cat],
        workspace,
        input=b"host stdin",
    )
    assert r.stdout == b""


@pytest.mark.slow
def test_verify_detects_tampering(policy_file: Path, workspace: Path) -> None:
    import sqlite3

    run(["run", "--policy", str(policy_file), "--job-id", "T1", "--", "echo", "hi"], workspace)
    r = run(["verify"], workspace)
    assert r.returncode == 0 and r.stdout.strip().endswith(b"ok")
    db = sqlite3.connect(default_store_path(str(workspace)))
    db.execute(
        "UPDATE events SET exit_code = 0, reason = 'nothing to see' WHERE job_id = 'T1' AND kind = 'result'"
    )
    db.commit()
    db.close()
    r = run(["verify", "--json"], workspace)
    report = json.loads(r.stdout)
    assert r.returncode == 1 and len(report["breaks"]) == 1
    assert "edited" in report["breaks"][0]["problem"]


@pytest.mark.slow
def test_log_filters(policy_file: Path, workspace: Path) -> None:
    run(["run", "--policy", str(policy_file), "--session-id", "S1", "--", "echo", "a"], workspace)
    run(["run", "--policy", str(policy_file), "--session-id", "S2", "--", "ls"], workspace)
    r = run(["log", "--json", "--session", "S2"], workspace)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(e["kind"], e["decision"]) for e in rows] == [("decision", "deny")]
    r = run(["log", "--json", "--decision", "allow", "--since", "1h"], workspace)
    assert {json.loads(line)["session_id"] for line in r.stdout.splitlines()} == {"S1"}
    assert run(["log", "--since", "yesterday-ish"], workspace).returncode == 2


@pytest.mark.slow
def test_export_purge_and_follow(policy_file: Path, workspace: Path) -> None:
    import signal
    import time

    run(["run", "--policy", str(policy_file), "--job-id", "E1", "--", "echo", "a"], workspace)
    r = run(["export", "--format", "jsonl", "--job", "E1"], workspace)
    assert [json.loads(line)["kind"] for line in r.stdout.splitlines()] == ["decision", "result"]
    r = run(["purge", "--retention-days", "0.000001", "--output-retention-days", "0"], workspace)
    assert r.returncode == 0 and json.loads(r.stdout)["events_deleted"] >= 2
    assert run(["export", "--job", "E1"], workspace).stdout == b""
    assert run(["verify"], workspace).returncode == 0  # purged, and still verifiable

    follower = subprocess.Popen(
        [*CLI, "log", "--follow", "--json", "--job", "F1"], cwd=workspace, stdout=subprocess.PIPE
    )
    try:
        time.sleep(1.0)
        run(["run", "--policy", str(policy_file), "--job-id", "F1", "--", "echo", "b"], workspace)
        assert follower.stdout is not None
        first = json.loads(follower.stdout.readline())
        second = json.loads(follower.stdout.readline())
        assert (first["kind"], second["kind"]) == ("decision", "result")
    finally:
        follower.send_signal(signal.SIGINT)
        follower.wait(timeout=60)  # generous: a loaded machine starts Python slowly


@pytest.mark.slow
def test_scan_command(workspace: Path) -> None:
    import random

    from corpus import SECRETS

    tok = SECRETS["npm-token"](random.Random(4))
    (workspace / "out.log").write_text(f"line one\nnpm publish with {tok}\n")
    r = run(["scan", "--json", str(workspace / "out.log")], workspace)
    assert r.returncode == 1 and tok.encode() not in r.stdout + r.stderr
    (finding,) = [json.loads(line) for line in r.stdout.splitlines()]
    assert (finding["rule_id"], finding["line"]) == ("npm-token", 2)
    r = run(["scan", "-"], workspace, input=b"nothing to see here\n")
    assert (r.returncode, r.stdout) == (0, b"")


@pytest.mark.slow
def test_policy_init_and_validate(tmp_path: Path) -> None:
    r = run(["policy", "init", "p.toml"], tmp_path)
    assert r.returncode == 0 and (tmp_path / "p.toml").exists()
    assert run(["policy", "init", "p.toml"], tmp_path).returncode == 1  # no silent overwrite
    r = run(["policy", "validate", "p.toml"], tmp_path)
    assert r.returncode == 0 and b"valid" in r.stdout
    (tmp_path / "bad.toml").write_text("[limits]\ntimeout = 'x'\nbogus = 1\n[[allow]]\n")
    r = run(["policy", "validate", "bad.toml"], tmp_path)
    assert r.returncode == 1
    for path in (b"$.limits.timeout", b"$.limits", b"$.allow[0]"):
        assert path in r.stdout, r.stdout


@pytest.mark.slow
def test_log_table(policy_file: Path, workspace: Path) -> None:
    run(["run", "--policy", str(policy_file), "--job-id", "TAB1", "--", "echo", "hi"], workspace)
    r = run(["log", "--table", "--job", "TAB1"], workspace, env={**os.environ, "COLUMNS": "160"})
    out = r.stdout.decode()
    assert r.returncode == 0 and "decision / exit" in out and "exit 0" in out and "allow" in out


@pytest.mark.slow
def test_doctor(workspace: Path) -> None:
    r = run(["doctor", "--json"], workspace)
    checks = {c["check"]: c for c in json.loads(r.stdout)}
    assert r.returncode == 0
    assert {"cgroup containment", "/bin/sh", "bash grammar (tree-sitter)"} <= set(checks)
    assert checks["bash grammar (tree-sitter)"]["ok"] is True
    assert checks["redirection opener"]["ok"] is True
    # CI installs with a compiler: jobs must not silently take the slower shim path
    assert checks["native spawn helper"]["ok"] is True, checks["native spawn helper"]
    off = run(["doctor", "--json"], workspace, env={**os.environ, "EXECGATE_NATIVE_SPAWN": "0"})
    off_checks = {c["check"]: c for c in json.loads(off.stdout)}
    assert off_checks["native spawn helper"]["ok"] is False
    assert "EXECGATE_NATIVE_SPAWN=0" in off_checks["native spawn helper"]["detail"]


@pytest.mark.slow
def test_resource_limit_flags(policy_file: Path, workspace: Path) -> None:
    probe = (
        "import resource as r; print(r.getrlimit(r.RLIMIT_NOFILE)[0], r.getrlimit(r.RLIMIT_CPU)[0])"
    )
    r = run(
        [
            "run",
            "--policy",
            str(policy_file),
            "--open-files",
            "40",
            "--cpu-seconds",
            "7",
            "--",
            PYTHON,
            "-c",
            probe,
        ],
        workspace,
    )
    assert r.stdout.split() == [b"40", b"7"]


@pytest.mark.slow
def test_ask_rule_without_a_terminal_is_refused(tmp_path: Path, workspace: Path) -> None:
    p = tmp_path / "ask.toml"
    p.write_text(f'version = 1\n[workspace]\nroot = "{workspace}"\n[[ask]]\ncommand = "touch"\n')
    r = run(["run", "--policy", str(p), "--json", "--", "touch", "x"], workspace)
    assert r.returncode == 126 and json.loads(r.stdout)["code"] == "EG-APPROVAL-REQUIRED"
    assert not (workspace / "x").exists()
    r = run(["check", "--policy", str(p), "--json", "--", "touch", "x"], workspace)
    assert r.returncode == 126 and json.loads(r.stdout)["decision"] == "ask"


def test_log_tells_apart_jobs_started_together() -> None:
    # Job ids begin with their creation time (the store's index stays in order), so ids made
    # back to back share their first half; the log shows the random tail instead.
    from execgate import ExecRequest
    from execgate.cli._records import _short_job

    ids = [ExecRequest(argv=("true",)).job_id for _ in range(2000)]
    shown = [_short_job(i) for i in ids]
    assert len(set(shown)) == len(ids)
    assert all(s.startswith("…") and ids[n].endswith(s[1:]) for n, s in enumerate(shown))
    assert _short_job("TAB1") == "TAB1" and _short_job(None) == "-"


@pytest.mark.slow
def test_a_job_cannot_reach_the_default_store(tmp_path: Path, workspace: Path) -> None:
    """With write redirects allowed, a job writing ``.execgate/execgate.db`` in the workspace
    (where the store used to live) touches nothing the recorder uses: verify stays ok and
    later requests are recorded."""
    policy = tmp_path / "w.toml"
    policy.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n[shell]\nwrite_redirects = true\n'
        '[[allow]]\ncommand = "echo"\n[[allow]]\ncommand = "mkdir"\n'
    )
    run(["run", "--policy", str(policy), "--", "echo", "first"], workspace)
    r = run(["run", "--policy", str(policy), "--", "mkdir", "-p", ".execgate"], workspace)
    assert r.returncode == 0
    r = run(
        ["run", "--policy", str(policy), "--shell", "echo x > .execgate/execgate.db"], workspace
    )
    assert r.returncode == 0
    r = run(["run", "--policy", str(policy), "--job-id", "after", "--", "echo", "ok"], workspace)
    assert (r.returncode, r.stdout) == (0, b"ok\n")
    r = run(["verify", "--json"], workspace)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["chains"] == 4
    r = run(["log", "--json", "--job", "after"], workspace)
    assert r.returncode == 0 and b'"kind": "result"' in r.stdout


@pytest.mark.parametrize("where", ["workspace", "symlink", "sandbox-read"])
def test_a_store_a_job_may_reach_is_refused_at_start(
    tmp_path: Path, workspace: Path, where: str
) -> None:
    """A store inside the workspace (also through a symlink to it from outside) or inside a
    path the sandbox lets jobs read is refused before anything runs."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (tmp_path / "alias").symlink_to(workspace)
    store = {
        "workspace": workspace / ".execgate" / "execgate.db",
        "symlink": tmp_path / "alias" / "rec.db",
        "sandbox-read": shared / "rec.db",
    }[where]
    policy = tmp_path / "p.toml"
    policy.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n[sandbox]\nread = ["{shared}"]\n'
        '[[allow]]\ncommand = "touch"\n'
    )
    r = run(
        ["run", "--policy", str(policy), "--store", f"sqlite:///{store}", "--", "touch", "ran"],
        workspace,
    )
    assert r.returncode == 125 and b"EG-STORE-EXPOSED" in r.stderr, r.stderr
    assert not (workspace / "ran").exists() and not store.exists()


@pytest.mark.slow
def test_verify_detects_a_whole_gate_run_deleted(policy_file: Path, workspace: Path) -> None:
    """Three gate runs, three chains; deleting the middle one whole (every row, its link
    record too) is a broken link of the next; dropping only the newest is the documented
    limit."""
    import sqlite3

    for job in ("A", "B", "C"):
        r = run(
            ["run", "--policy", str(policy_file), "--job-id", job, "--", "echo", job], workspace
        )
        assert r.returncode == 0
    db = sqlite3.connect(default_store_path(str(workspace)))
    (middle,) = db.execute("SELECT chain_id FROM events WHERE job_id = 'B'").fetchone()
    db.execute("DELETE FROM events WHERE chain_id = ?", (middle,))
    db.execute("DELETE FROM chain_links WHERE chain_id = ?", (middle,))
    db.commit()
    db.close()
    r = run(["verify", "--json"], workspace)
    report = json.loads(r.stdout)
    assert r.returncode == 1 and "gone" in report["breaks"][0]["problem"], report


@pytest.mark.slow
def test_log_export_and_verify_find_a_policys_default_store(
    policy_file: Path, workspace: Path, tmp_path: Path
) -> None:
    """Run from elsewhere, the store is the policy's workspace's: ``--policy`` finds it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run(["run", "--policy", str(policy_file), "--job-id", "P1", "--", "echo", "x"], elsewhere)
    assert r.returncode == 0
    assert Path(default_store_path(str(workspace))).exists()
    assert not Path(default_store_path(str(elsewhere))).exists()
    r = run(["log", "--json", "--policy", str(policy_file), "--job", "P1"], elsewhere)
    assert [json.loads(line)["kind"] for line in r.stdout.splitlines()] == ["decision", "result"]
    r = run(["export", "--policy", str(policy_file), "--job", "P1"], elsewhere)
    assert len(r.stdout.splitlines()) == 2
    r = run(["verify", "--policy", str(policy_file)], elsewhere)
    assert r.returncode == 0 and r.stdout.strip().endswith(b"ok")


@pytest.mark.slow
def test_dash_h_is_help_everywhere(tmp_path: Path) -> None:
    for args in (
        ["-h"],
        ["run", "-h"],
        ["check", "-h"],
        ["log", "-h"],
        ["policy", "suggest", "-h"],
        ["policy", "validate", "-h"],
        ["policy", "init", "-h"],
        ["export", "-h"],
        ["verify", "-h"],
        ["fleet", "-h"],
        ["recover", "-h"],
        ["purge", "-h"],
        ["doctor", "-h"],
        ["scan", "-h"],
        ["mcp", "-h"],
    ):
        out = run(args, tmp_path)
        assert out.returncode == 0 and out.stdout.startswith(b"Usage:"), (args, out)
    assert not (tmp_path / ".execgate").exists()  # help ran nothing and recorded nothing


# --- conventions: what a newcomer meets ------------------------------------------------------


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXECGATE_")}
    return {**env, **extra}


def tree(root: Path) -> list[Path]:
    return sorted(root.rglob("*")) if root.exists() else []


def test_read_only_commands_never_create_a_store(tmp_path: Path, state_home: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (
        ["log"],
        ["log", "--json"],
        ["export"],
        ["verify"],
        ["verify", "--json"],
        ["fleet"],
        ["recover"],
        ["purge"],
        ["policy", "suggest"],
        ["log", "--store", "sqlite:///typo/x.db"],
        ["verify", "--store", str(tmp_path / "nowhere" / "x.db")],
    ):
        r = run(args, empty, env=env_with())
        assert r.returncode == 2, (args, r)
        assert b"EG-STORE-MISSING" in r.stderr, (args, r.stderr)
        assert b"Traceback" not in r.stderr
    # nothing was created anywhere: not the default store, not the mistyped one
    assert tree(state_home) == [] and tree(empty) == []
    assert not (tmp_path / "nowhere").exists()
    r = run(["verify", "--json"], empty, env=env_with())
    assert json.loads(r.stdout)["error"]["code"] == "EG-STORE-MISSING"
    # the default store's message says which workspace has nothing recorded yet
    r = run(["log"], empty, env=env_with())
    assert str(empty).encode() in r.stderr and b"nothing recorded yet" in r.stderr


def test_unknown_values_are_refused_with_the_valid_ones(workspace: Path) -> None:
    run(["run", "--", "true"], workspace)  # a store exists: the refusal is about the value
    for args, valid in (
        (["log", "--kind", "bogus"], b"decision"),
        (["export", "--kind", "decisions"], b"result"),
        (["log", "--decision", "maybe"], b"allow"),
        (["log", "--since", "yesterday-ish"], b"15m"),
        (["run", "--max-output", "10X", "--", "true"], b"10M"),
        (["run", "--memory-bytes", "1.5G", "--", "true"], b"2G"),
    ):
        r = run(args, workspace)
        assert r.returncode == 2 and r.stdout == b"", (args, r)
        assert valid in r.stderr, (args, r.stderr)


def test_run_with_nothing_to_run_says_how(tmp_path: Path, state_home: Path) -> None:
    r = run(["run"], tmp_path)
    assert r.returncode == 2 and r.stdout == b""
    assert b"nothing to run" in r.stderr and b"execgate run -- ls" in r.stderr
    r = run(["run", "--shell", "ls", "--", "ls"], tmp_path)
    assert r.returncode == 2 and b"not both" in r.stderr
    assert tree(state_home) == []  # nothing was decided, so nothing recorded


def test_check_prints_its_decision_on_stdout(policy_file: Path, workspace: Path) -> None:
    r = run(["check", "--policy", str(policy_file), "--", "echo", "x"], workspace)
    assert r.returncode == 0 and r.stderr == b""
    assert r.stdout.startswith(b"allow: [EG-ALLOWED] allow[2] 'echo'")
    r = run(["check", "--policy", str(policy_file), "--", "rm", "-rf", "x"], workspace)
    assert r.returncode == 126 and r.stdout.startswith(b"deny: [EG-POLICY-NOT-ALLOWED]")


def test_sizes_take_k_m_g(policy_file: Path, workspace: Path, tmp_path: Path) -> None:
    r = run(
        ["run", "--policy", str(policy_file), "--json", "--max-output", "1K", "--",
         PYTHON, "-c", "print('x' * 5000)"],
        workspace,
    )  # fmt: skip
    out = json.loads(r.stdout)
    assert 5001 - 1024 - 100 < out["truncated_bytes"] < 5001 and len(out["stdout"]) <= 1024
    probe = "import resource as r; print(r.getrlimit(r.RLIMIT_FSIZE)[0])"
    r = run(
        ["run", "--policy", str(policy_file), "--file-size-bytes", "2M", "--", PYTHON, "-c", probe],
        workspace,
    )
    assert r.stdout.split() == [str(2 * 1024 * 1024).encode()]
    # and in a policy file
    sized = tmp_path / "sized.toml"
    sized.write_text(
        policy_file.read_text().replace("[limits]\n", '[limits]\nmax_output_bytes = "1K"\n')
    )
    r = run(
        ["run", "--policy", str(sized), "--json", "--", PYTHON, "-c", "print('x' * 5000)"],
        workspace,
    )
    assert 5001 - 1024 - 100 < json.loads(r.stdout)["truncated_bytes"] < 5001


def test_policy_errors_show_line_column_key_path_and_did_you_mean(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'version = 1\n'
        '[recorder]\n'
        'level = "commands_onyl"\n'
        '[limits]\n'
        'timout = 3\n'
        'max_output_bytes = "1.5M"\n'
        '[[allow]]\n'
        'command = "ls"\n'
        '[[allow]]\n'
        'command = "cat"\n'
        'argz = "any"\n'
        '[sandbox]\n'
        'secure = "verbose"\n'
    )  # fmt: skip
    r = run(["policy", "validate", str(bad)], tmp_path)
    assert r.returncode == 1
    assert r.stdout.decode().splitlines() == [
        "  $.limits.max_output_bytes: expected a size in bytes such as 4096, 64K, 10M or 2G, "
        "got '1.5M' (at line 6, column 1)",
    ]
    bad.write_text(bad.read_text().replace('"1.5M"', '"1M"'))
    r = run(["policy", "validate", str(bad)], tmp_path)
    assert r.returncode == 1 and str(bad).encode() in r.stderr
    assert r.stdout.decode().splitlines() == [
        "  $.recorder.level: expected one of 'none', 'commands_only', "
        "'commands_plus_redacted_output', got 'commands_onyl'; did you mean 'commands_only'? "
        "(at line 3, column 1)",
        "  $.limits.timout: unknown key; did you mean 'timeout'? (at line 5, column 1)",
        "  $.allow[1].argz: unknown key; did you mean 'args'? (at line 11, column 1)",
        "  $.sandbox.secure: expected one of 'off', 'preferred', 'required', got 'verbose' "
        "(at line 13, column 1)",
    ]
    # run shows the same, and never cattrs' own wording
    r = run(["run", "--policy", str(bad), "--", "true"], tmp_path)
    assert r.returncode == 125 and b"did you mean 'timeout'?" in r.stderr
    for internal in (b"literal", b"extra fields", b"unknown error", b"@ $"):
        assert internal not in r.stderr
    (tmp_path / "syntax.toml").write_text("version = 1\n[limits\n")
    r = run(["policy", "validate", "syntax.toml"], tmp_path)
    assert r.returncode == 1 and b"(at line 2, column 8)" in r.stdout


def test_log_hides_gate_lifecycle_rows_and_shows_rule_and_reason(
    policy_file: Path, workspace: Path
) -> None:
    for word in ("one", "two"):
        run(["run", "--policy", str(policy_file), "--", "echo", word], workspace)
    run(["run", "--policy", str(policy_file), "--", "rm", "x"], workspace)
    r = run(["log", "--json"], workspace)
    kinds = [json.loads(line)["kind"] for line in r.stdout.splitlines()]
    assert kinds == ["decision", "result", "decision", "result", "decision"]
    r = run(["log", "--json", "--all"], workspace)
    kinds = [json.loads(line)["kind"] for line in r.stdout.splitlines()]
    assert kinds.count("supervisor_start") == 3 and kinds.count("supervisor_stop") == 3
    r = run(["log", "--json", "--kind", "supervisor_stop"], workspace)
    assert len(r.stdout.splitlines()) == 3  # named, they are shown
    r = run(["log", "--table"], workspace, env={**os.environ, "COLUMNS": "400"})
    out = r.stdout.decode()
    assert "rule" in out and "reason" in out and "supervisor_start" not in out
    assert "allow[2] 'echo'" in out and "EG-POLICY-NOT-ALLOWED" in out
    assert 'add [[allow]] command = "rm"' in out  # the reason, brackets and all
    r = run(["log", "--lines"], workspace)
    last = r.stdout.decode().splitlines()[-1]
    assert "deny EG-POLICY-NOT-ALLOWED" in last and "rm x" in last and "  # " in last


def test_environment_variables_name_the_policy_and_the_store(
    policy_file: Path, workspace: Path, tmp_path: Path
) -> None:
    store = tmp_path / "rec" / "events.db"
    env = env_with(EXECGATE_POLICY=str(policy_file), EXECGATE_STORE=f"sqlite:///{store}")
    r = run(["run", "--job-id", "ENV1", "--", "echo", "hi"], workspace, env=env)
    assert (r.returncode, r.stdout) == (0, b"hi\n")  # echo: allowed by policy_file only
    assert store.exists()
    r = run(["log", "--json", "--job", "ENV1"], workspace, env=env)
    assert [json.loads(line)["kind"] for line in r.stdout.splitlines()] == ["decision", "result"]
    # explicit options win over the environment
    r = run(["check", "--policy", str(policy_file), "--", "ls"], workspace, env=env)
    assert r.returncode == 126
    readonly = tmp_path / "ro.toml"
    readonly.write_text(
        f'version = 1\n[workspace]\nroot = "{workspace}"\n[[allow]]\ncommand = "ls"\n'
    )
    r = run(["check", "--policy", str(readonly), "--", "ls"], workspace, env=env)
    assert r.returncode == 0
    other = tmp_path / "other.db"
    r = run(["log", "--store", str(other)], workspace, env=env)
    assert r.returncode == 2 and not other.exists()


def test_execgate_toml_is_found_upward_and_runs_in_the_subdirectory(
    tmp_path: Path, state_home: Path
) -> None:
    project = tmp_path / "project"
    (project / "src" / "deep").mkdir(parents=True)
    (project / "src" / "deep" / "here.txt").write_text("x")
    (project / "execgate.toml").write_text('version = 1\n[[allow]]\ncommand = "ls"\n')
    r = run(["run", "--", "ls"], project / "src" / "deep", env=env_with())
    assert (r.returncode, r.stdout) == (0, b"here.txt\n")  # in the current directory
    r = run(["check", "--", "cat", "here.txt"], project / "src", env=env_with())
    assert r.returncode == 126  # the found policy, not the read-only default, applies
    r = run(["run", "--cwd", ".", "--", "ls"], project / "src" / "deep", env=env_with())
    assert r.stdout.split() == [b"execgate.toml", b"src"]  # --cwd is relative to the root
    # one store, the project's, whichever directory the command ran from
    r = run(["log", "--json"], project / "src" / "deep", env=env_with())
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 5
    assert Path(default_store_path(str(project))).exists()
    assert not Path(default_store_path(str(project / "src" / "deep"))).exists()
    r = run(["policy", "validate"], project / "src", env=env_with())
    assert r.returncode == 0 and str(project / "execgate.toml").encode() in r.stdout


def test_a_job_cannot_plant_a_nearer_execgate_toml(tmp_path: Path, state_home: Path) -> None:
    """A job may write in its workspace: an execgate.toml it writes in a subdirectory must not
    become the policy of the commands run from there."""
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "execgate.toml").write_text(
        f'version = 1\n[[allow]]\ncommand = "{PYTHON}"\nargs = "any"\n'
    )
    plant = (
        "open('sub/execgate.toml', 'w').write("
        '\'version = 1\\n[workspace]\\nroot = "/"\\n[[allow]]\\ncommand = "rm"\\nargs = "any"\\n\')'
    )
    r = run(["run", "--", PYTHON, "-c", plant], project, env=env_with())
    assert r.returncode == 0 and (project / "sub" / "execgate.toml").exists()
    r = run(["check", "--", "rm", "-rf", "/tmp/x"], project / "sub", env=env_with())
    assert r.returncode == 2 and r.stdout == b""
    assert b"more than one execgate.toml" in r.stderr and b"--policy" in r.stderr
    # named, either one is used as asked
    r = run(
        ["check", "--policy", "../execgate.toml", "--", "rm", "x"], project / "sub", env=env_with()
    )
    assert r.returncode == 126


def test_doctor_reports_through_the_public_process_api(workspace: Path) -> None:
    from execgate.process import HostSupport, host_support

    host = host_support()
    assert isinstance(host, HostSupport)
    r = run(["doctor", "--json"], workspace)
    checks = {c["check"]: c["ok"] for c in json.loads(r.stdout)}
    assert {c.name: c.ok for c in host.checks}.items() <= checks.items()
    assert checks["guarantee: whole-tree kill"] is True
    assert checks["guarantee: fork bomb stopped"] is ("processes" in host.tree_limits)
    assert run(["doctor", "-h"], workspace).stdout.startswith(b"Usage:")


def test_execgate_toml_is_not_looked_for_above_home(tmp_path: Path, state_home: Path) -> None:
    """Above the home directory are other people's files: a policy there is not taken."""
    home = tmp_path / "outer" / "home"
    (home / "proj").mkdir(parents=True)
    (tmp_path / "outer" / "execgate.toml").write_text('version = 1\n[[allow]]\ncommand = "rm"\n')
    (home / "proj" / "f.txt").write_text("x")
    env = env_with(HOME=str(home))
    assert run(["check", "--", "rm", "f.txt"], home / "proj", env=env).returncode == 126
    r = run(["check", "--", "cat", "f.txt"], home / "proj", env=env)
    assert r.returncode == 0 and b"<default policy>" in r.stdout
    (home / "execgate.toml").write_text('version = 1\n[[allow]]\ncommand = "cat"\n')
    r = run(["check", "--", "cat", "f.txt"], home / "proj", env=env)  # home itself: found
    assert r.returncode == 0 and str(home / "execgate.toml").encode() in r.stdout


def test_an_execgate_toml_others_may_write_is_not_taken(tmp_path: Path, state_home: Path) -> None:
    """A found policy must be one only its owner could have written (a shared, world-writable
    directory such as /tmp is above every directory under it)."""
    shared = tmp_path / "shared"
    (shared / "mine").mkdir(parents=True)
    planted = shared / "execgate.toml"
    planted.write_text('version = 1\n[[allow]]\ncommand = "rm"\nargs = "any"\n')
    planted.chmod(0o666)
    r = run(["check", "--", "rm", "-rf", "x"], shared / "mine", env=env_with())
    assert r.returncode == 2 and r.stdout == b""
    assert b"writable by others (mode 666)" in r.stderr and b"--policy" in r.stderr
    planted.chmod(0o644)
    r = run(["check", "--", "rm", "-rf", "x"], shared / "mine", env=env_with())
    assert r.returncode == 0  # its owner's, and only theirs to change: taken


@pytest.mark.slow
def test_verify_checks_stored_output_and_odd_values_are_reported_not_crashed_on(
    policy_file: Path, workspace: Path
) -> None:
    """Forged output fails verify (EG-OUTPUT-EDITED); a BLOB in a row fails verify
    (EG-VALUE-INVALID), and log and export show the code in its place, without a traceback."""
    import sqlite3

    policy_file.write_text(
        policy_file.read_text() + '[recorder]\nlevel = "commands_plus_redacted_output"\n'
    )
    run(["run", "--policy", str(policy_file), "--job-id", "O1", "--", "echo", "hi"], workspace)
    assert run(["verify"], workspace).returncode == 0
    db = sqlite3.connect(default_store_path(str(workspace)))
    db.execute("UPDATE outputs SET stdout = 'all is well' WHERE job_id = 'O1'")
    db.commit()
    r = run(["verify", "--json"], workspace)
    assert r.returncode == 1
    assert [b["code"] for b in json.loads(r.stdout)["breaks"]] == ["EG-OUTPUT-EDITED"]
    db.execute("UPDATE outputs SET stdout = x'00ff' WHERE job_id = 'O1'")
    db.execute("UPDATE events SET command = x'00ff' WHERE job_id = 'O1' AND kind = 'decision'")
    db.commit()
    db.close()
    r = run(["verify", "--json"], workspace)
    assert r.returncode == 1, r.stderr
    codes = {b["code"] for b in json.loads(r.stdout)["breaks"]}
    assert codes == {"EG-VALUE-INVALID"}
    r = run(["verify"], workspace)
    assert r.returncode == 1 and b"Traceback" not in r.stderr and b"TAMPERED" in r.stdout
    for args in (["log"], ["log", "--json"], ["export"]):
        r = run(args, workspace)
        assert r.returncode == 0 and b"Traceback" not in r.stderr, (args, r.stderr)
        assert b"EG-VALUE-INVALID" in r.stdout, args


def _address_space(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.slow
def test_stdin_from_reads_at_most_the_limit_and_never_waits_forever(
    policy_file: Path, workspace: Path, tmp_path: Path
) -> None:
    """``--stdin-from /dev/zero`` is refused as too large (read no further than the limit);
    a FIFO nobody writes to is refused after a bounded wait; a FIFO that is written to is
    read."""
    import threading
    import time

    cat = ["run", "--policy", str(policy_file), "--stdin-from"]
    # bounded address space: were /dev/zero read whole, this run would fail, not the host
    r = run([*cat, "/dev/zero", "--", PYTHON, "-c", "pass"], workspace,
            preexec_fn=lambda: _address_space(2 << 30))  # fmt: skip
    assert r.returncode == 126 and b"EG-REQUEST-TOO-LARGE" in r.stderr, r.stderr[-500:]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    r = run([*cat, str(fifo), "--", PYTHON, "-c", "pass"], workspace)
    assert r.returncode == 126 and b"EG-REQUEST-INVALID" in r.stderr, r.stderr[-500:]
    assert time.monotonic() - start < 50

    def write() -> None:
        time.sleep(0.5)
        fifo.write_bytes(b"through the fifo")

    writer = threading.Thread(target=write)
    writer.start()
    copy = "import sys; sys.stdout.write(sys.stdin.read())"
    r = run([*cat, str(fifo), "--", PYTHON, "-c", copy], workspace)
    writer.join()
    assert r.returncode == 0 and r.stdout == b"through the fifo", r.stderr


def test_option_values_are_never_echoed_and_out_of_range_numbers_are_usage_errors(
    policy_file: Path, workspace: Path
) -> None:
    import random

    from corpus import SECRETS

    token = SECRETS["github-token"](random.Random(8))
    for option in ("--timeout", "--kill-grace", "--cpu-seconds", "--max-output"):
        r = run(["run", "--policy", str(policy_file), option, token, "--", "echo"], workspace)
        assert r.returncode == 2, (option, r.stderr)
        assert token.encode() not in r.stderr and token[4:20].encode() not in r.stderr
    r = run(["log", "--limit", "99999999999999999999999"], workspace)
    assert r.returncode == 2 and b"--limit" in r.stderr and b"EG-STORE" not in r.stderr
