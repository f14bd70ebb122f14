"""Attack round 17: what a hostile or unlucky caller could do to the gate, the record and the
transports, each checked the way a user would see it."""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import open_gate

from execgate import ExecgateError, ExecRequest, Policy
from execgate.models import MAX_CWD_BYTES
from execgate.scan import redact_output
from execgate.store import open_store
from execgate.supervisor._pipeline import _open_spool

pytestmark = pytest.mark.anyio


async def test_a_huge_cwd_is_refused_at_once_and_other_timeouts_still_fire(
    policy: Policy, store_url: str
) -> None:
    """F02: a 640 KB cwd was resolved on the event loop in O(n²) (seconds to minutes), so an
    innocent job's timeout could not fire. It is refused before any decision step."""
    async with open_gate(policy, store_url) as gate:
        codes: list[str] = []

        async def hostile() -> None:
            try:
                await gate.run(argv=["true"], cwd="a/" * 320_000)
            except ExecgateError as exc:
                codes.append(exc.code)
                assert len(str(exc)) < 500  # the cwd is not echoed back

        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(hostile)
            victim = await gate.run(argv=["sleep", "30"], timeout=1)
        assert codes == ["EG-REQUEST-TOO-LARGE"]
        assert victim.timed_out
        assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "fields",
    [
        {"cwd": "a" * (MAX_CWD_BYTES + 1)},
        {"cwd": "é" * (MAX_CWD_BYTES // 2 + 1)},  # bytes, not characters
        {"env_overrides": {"FOO" + "a" * 2000: "x"}},
        {"env_overrides": {"FOO": "a/" * 100_000}},
        {"env_overrides": {f"FOO{i}": "x" for i in range(2000)}},
    ],
)
def test_every_unbounded_field_is_too_large(fields: dict[str, object]) -> None:
    with pytest.raises(ExecgateError) as err:
        ExecRequest(argv=["true"], **fields)  # type: ignore[arg-type]
    assert err.value.code == "EG-REQUEST-TOO-LARGE"


def test_a_cwd_up_to_path_max_is_still_decided() -> None:
    assert ExecRequest(argv=["true"], cwd="a" * MAX_CWD_BYTES).cwd == "a" * MAX_CWD_BYTES


OUTPUT_LEVEL = '\n[recorder]\nlevel = "commands_plus_redacted_output"\n'


def _verify_codes(store_url: str) -> tuple[int, list[str]]:
    """``execgate verify --json`` as a user runs it: its exit code and break codes."""
    r = subprocess.run(
        [sys.executable, "-m", "execgate", "verify", "--store", store_url, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return r.returncode, [b["code"] for b in json.loads(r.stdout)["breaks"]]


async def test_an_output_row_moved_to_a_made_up_event_fails_verify(
    make_policy: Callable[..., Policy], store_url: str, tmp_path: Path
) -> None:
    """F01: an output row re-pointed at an event id that does not exist, with forged text,
    escaped the digest check and was still the job's output. Now verify reports it and the
    store never returns it."""
    async with open_gate(make_policy(extra=OUTPUT_LEVEL), store_url) as gate:
        await gate.run(argv=["echo", "the-real-output"], job_id="J1")
    assert _verify_codes(store_url) == (0, [])
    db = sqlite3.connect(tmp_path / "rec" / "events.db")
    db.execute(
        "UPDATE outputs SET event_id = '00000000deadbeef', stdout = 'forged' WHERE job_id = 'J1'"
    )
    db.commit()
    db.close()
    assert _verify_codes(store_url) == (1, ["EG-OUTPUT-ORPHAN"])
    st = open_store(store_url)
    try:
        assert st.outputs("J1") == []
    finally:
        st.close()


async def test_an_output_row_swapped_to_another_job_fails_verify(
    make_policy: Callable[..., Policy], store_url: str, tmp_path: Path
) -> None:
    """The output of job A relabelled as job B's (its own result event kept) is an orphan."""
    async with open_gate(make_policy(extra=OUTPUT_LEVEL), store_url) as gate:
        await gate.run(argv=["echo", "a"], job_id="A")
        await gate.run(argv=["echo", "b"], job_id="B")
    db = sqlite3.connect(tmp_path / "rec" / "events.db")
    db.execute("DELETE FROM outputs WHERE job_id = 'B'")
    db.execute("UPDATE outputs SET job_id = 'B' WHERE job_id = 'A'")
    db.commit()
    db.close()
    assert _verify_codes(store_url) == (1, ["EG-OUTPUT-ORPHAN"])
    st = open_store(store_url)
    try:
        assert st.outputs("B") == [] and st.outputs("A") == []
    finally:
        st.close()


async def test_an_output_that_outlives_its_purged_event_is_no_break(
    make_policy: Callable[..., Policy], store_url: str
) -> None:
    """Retention may delete a job's events and keep its output (output_retention_days = 0):
    that row is accounted for by the purge, not reported."""
    async with open_gate(make_policy(extra=OUTPUT_LEVEL), store_url) as gate:
        await gate.run(argv=["echo", "old"], job_id="OLD")
    st = open_store(store_url)
    try:
        assert st.purge(retention_days=1, output_retention_days=0, now=time.time() + 2 * 86400)
        report = st.verify()
        assert report.ok, report.breaks
    finally:
        st.close()


AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ9vA3kLmN"
CREDENTIALS = (
    f"[default]\naws_access_key_id = AKIAZ7Q3XKJ4N5R6T2WB\naws_secret_access_key = {AWS_SECRET}\n"
)


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
)
async def test_a_secret_in_wide_output_is_not_stored(
    make_policy: Callable[..., Policy], store_url: str, workspace: Path, encoding: str
) -> None:
    """F04: a credentials file saved as UTF-16 or UTF-32 (with a BOM, or without one in either
    byte order) and shown with cat was stored whole; now it is redacted as UTF-8 output is."""
    (workspace / "creds.txt").write_bytes(CREDENTIALS.encode(encoding))
    async with open_gate(make_policy(extra=OUTPUT_LEVEL), store_url) as gate:
        r = await gate.run(argv=["cat", "creds.txt"], job_id="U16")
    assert r.exit_code == 0
    st = open_store(store_url)
    try:
        (out,) = st.outputs("U16")
    finally:
        st.close()
    assert out.stdout is not None
    plain = out.stdout.replace("\u2400", "")
    assert AWS_SECRET[:12] not in plain and "AKIAZ7Q3XKJ4" not in plain
    assert "aws_secret_access_key = ***REDACTED***" in plain


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le", "utf-32-be", "utf-32-le"])
def test_wide_findings_map_back_to_their_own_characters(encoding: str) -> None:
    """Text around a UTF-16 or UTF-32 secret, UTF-8 before it and the rest of the wide run,
    is kept."""
    wide = f"note: aws_secret_access_key = {AWS_SECRET} end\n".encode(encoding)
    text = (b"plain utf-8 line\n" + wide).decode("utf-8", "replace").replace("\x00", "\u2400")
    out = redact_output(text)
    assert out.startswith("plain utf-8 line\n")
    plain = out.replace("\u2400", "")
    assert AWS_SECRET[:8] not in plain and plain.endswith(" end\n")
    assert "aws_secret_access_key = ***REDACTED***" in plain


async def _spool_one_result(policy: Policy, db: Path) -> tuple[bool, str | None]:
    """Run a job while another connection holds the SQLite store's write lock, so its result
    cannot be written and is spooled at shutdown: (recorded, where it was spooled)."""
    holder: list[sqlite3.Connection] = []

    def hold_lock() -> None:
        c = sqlite3.connect(db, timeout=30, isolation_level=None, check_same_thread=False)
        c.execute("BEGIN EXCLUSIVE")
        holder.append(c)

    try:
        async with open_gate(policy, f"sqlite:///{db}?busy_timeout=0.2") as gate:
            async with anyio.create_task_group() as tg:

                async def lock_soon() -> None:
                    await anyio.sleep(0.3)
                    await anyio.to_thread.run_sync(hold_lock)

                tg.start_soon(lock_soon)
                r = await gate.run(argv=["sleep", "1"], job_id="secret-project-job")
        return r.recorded, gate.spooled_to
    finally:
        for c in holder:
            c.close()


async def test_the_spool_never_follows_a_planted_symlink(
    policy: Policy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """F03: the spool's name beside the store is predictable; a symlink planted there made
    the gate append the job's record to the file it named. It is not followed: the events
    go to the log instead, and the other file is untouched."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "victim"
    victim.write_text("original\n")
    now = int(time.time())
    for t in range(now, now + 30):
        (shared / f"unrecorded-{os.getpid()}-{t}.jsonl").symlink_to(victim)
    recorded, spooled_to = await _spool_one_result(policy, shared / "store.db")
    assert not recorded
    assert victim.read_text() == "original\n"
    assert spooled_to is not None and spooled_to.startswith("<log: could not write")
    assert "secret-project-job" in caplog.text  # the last place the event can be seen


async def test_the_spool_is_private(policy: Policy, tmp_path: Path) -> None:
    """F03: it was created with the umask's mode (0644) while the store is 0600."""
    old = os.umask(0o022)
    try:
        recorded, spooled_to = await _spool_one_result(policy, tmp_path / "store.db")
    finally:
        os.umask(old)
    assert not recorded and spooled_to is not None and os.path.isfile(spooled_to)
    assert stat.S_IMODE(os.stat(spooled_to).st_mode) == 0o600
    assert "secret-project-job" in Path(spooled_to).read_text()


@pytest.mark.parametrize("planted", ["fifo", "hardlink"])
def test_a_planted_fifo_or_hard_link_is_refused(tmp_path: Path, planted: str) -> None:
    """Neither blocks the gate's shutdown (a FIFO without a reader) nor is written through."""
    path = tmp_path / "unrecorded-1-1.jsonl"
    if planted == "fifo":
        os.mkfifo(path)
    else:
        (tmp_path / "victim").write_text("original\n")
        os.link(tmp_path / "victim", path)
    with pytest.raises(OSError):
        os.close(_open_spool(str(path)))
    if planted == "hardlink":
        assert (tmp_path / "victim").read_text() == "original\n"


@pytest.mark.parametrize("command", ["log", "export"])
@pytest.mark.parametrize("option", ["--job", "--session"])
def test_a_filter_that_is_not_utf8_is_the_callers_mistake(
    store_url: str, command: str, option: str
) -> None:
    """F07: ``log --job $'\\xff'`` blamed the store (EG-STORE-UNAVAILABLE, exit 125). It is an
    invalid request, as ``run --job-id $'\\xff'`` is: exit 126, EG-REQUEST-INVALID."""
    st = open_store(store_url)
    st.close()
    r = subprocess.run(
        [sys.executable.encode(), b"-m", b"execgate", command.encode(), b"--store",
         store_url.encode(), option.encode(), b"a\xffb"],
        capture_output=True,
        check=False,
    )  # fmt: skip
    assert r.returncode == 126, r.stderr
    assert b"EG-REQUEST-INVALID" in r.stderr and b"EG-STORE" not in r.stderr
    assert b"Traceback" not in r.stderr


def _mcp_replies(proc: subprocess.Popen[bytes], count: int, wait: float = 20.0) -> list[Any]:
    """The next ``count`` lines the server writes, or as many as came within ``wait``."""
    assert proc.stdout is not None
    replies: list[Any] = []
    end = time.monotonic() + wait
    while len(replies) < count and time.monotonic() < end:
        if select.select([proc.stdout], [], [], 0.2)[0]:
            replies.append(json.loads(proc.stdout.readline()))
    return replies


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["trio", "asyncio"])
def test_mcp_stdio_answers_an_unparsable_line(policy: Policy, store_url: str, backend: str) -> None:
    """F05: over stdio a line the SDK cannot parse (a lone surrogate escape, a truncated line,
    a batch) got no reply, so a client waiting on it waited forever. Each gets a JSON-RPC
    error, with its id when the line names one, and the server goes on serving."""
    cmd = [sys.executable, "-m", "execgate", "mcp", "--policy", str(policy.source),
           "--store", store_url, "--backend", backend]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None
    try:

        def send(line: str) -> None:
            assert proc.stdin is not None
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()

        send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}))  # fmt: skip
        assert _mcp_replies(proc, 1)[0]["id"] == 1
        send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        call = {"name": "run_command", "arguments": {"argv": ["echo", "\ud800"]}}
        send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}))
        send('{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {')
        send(json.dumps([{"jsonrpc": "2.0", "id": 5, "method": "ping"}]))
        send(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
        got = _mcp_replies(proc, 4)
    finally:
        proc.kill()
        proc.wait()
    assert [(r.get("id"), r.get("error", {}).get("code")) for r in got] == [
        (2, -32700),
        (None, -32700),
        (None, -32600),
        (4, None),
    ]


GATE_A = """
import json, sys, anyio
from execgate import ExecgateError, Gate
async def main():
    async with Gate.open(policy=sys.argv[1], store=sys.argv[2]) as gate:
        print("open", flush=True)
        try:
            r = await gate.run(argv=["sleep", "3"], job_id="victim")
            out = {"victim_recorded": r.recorded}
        except ExecgateError as exc:
            out = {"victim": exc.code}
        try:
            await gate.run(argv=["true"], job_id="after")
            out["after"] = "ran"
        except ExecgateError as exc:
            out["after"] = exc.code
        print(json.dumps(out), flush=True)
anyio.run(main, backend=sys.argv[3])
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["trio", "asyncio"])
def test_a_gate_recovered_while_stalled_writes_no_second_outcome(
    policy: Policy, any_store_url: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F06: a gate stalled past its lease (SIGSTOP here; a VM pause, a long stall) is
    recovered by another, which marks its running job interrupted. When it resumes, its late
    result is refused (not a second outcome) and it starts no new job; verify still holds.
    The job, if it still runs when the gate resumes, is stopped and its caller gets
    EG-LEASE-LOST; if it ended during the stall, its result comes back not recorded."""
    monkeypatch.setenv("EXECGATE_LEASE_SECONDS", "1")
    url = any_store_url
    a = subprocess.Popen(
        [sys.executable, "-c", GATE_A, str(policy.source), url, backend],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert a.stdout is not None and a.stdout.readline().strip() == "open"
        time.sleep(0.5)  # the victim is running
        os.kill(a.pid, signal.SIGSTOP)
        time.sleep(2.0)  # past its lease
        r = subprocess.run(
            [sys.executable, "-m", "execgate", "recover", "--store", url],
            capture_output=True,
            text=True,
            check=False,
        )
        assert r.returncode == 0 and "marked 1 job" in r.stdout, (r.stdout, r.stderr)
        os.kill(a.pid, signal.SIGCONT)
        out, _ = a.communicate(timeout=60)
    finally:
        if a.poll() is None:
            os.kill(a.pid, signal.SIGCONT)
            a.kill()
            a.wait()
    assert json.loads(out.strip().splitlines()[-1]) in (
        {"victim_recorded": False, "after": "EG-LEASE-LOST"},
        {"victim": "EG-LEASE-LOST", "after": "EG-LEASE-LOST"},
    )
    st = open_store(url)
    try:
        kinds = [e.kind for e in st.query(limit=None) if e.job_id == "victim"]
        assert kinds.count("interrupted") == 1 and "result" not in kinds, kinds
        assert not [e for e in st.query(limit=None) if e.job_id == "after"]
        report = st.verify()
        assert report.ok, report.breaks
    finally:
        st.close()
