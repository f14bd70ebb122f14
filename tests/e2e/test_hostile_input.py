"""Hostile and faulty input: every text a caller or an operator can send is checked where it
enters, and refused with a typed error naming the field or key, before anything is scanned,
decided or recorded."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import open_gate

from execgate import ExecRequest, Policy, PolicyInvalid, RequestError, load_policy

# What JSON's "\ud800", "\udc80" and "\udfff" decode to: text no program or database takes.
SURROGATES = ("\ud800", "\udc80", "\udfff")

#: Each text field of a request, as a request that holds ``bad`` there.
FIELD_SHAPES: dict[str, Any] = {
    "command": lambda bad: {"command": f"echo a{bad}b"},
    "argv": lambda bad: {"argv": ["echo", f"a{bad}b"]},
    "argv[0]": lambda bad: {"argv": [f"ec{bad}ho"]},
    "cwd": lambda bad: {"argv": ["true"], "cwd": f"d{bad}"},
    "env_overrides name": lambda bad: {"argv": ["true"], "env_overrides": {f"A{bad}": "1"}},
    "env_overrides value": lambda bad: {"argv": ["true"], "env_overrides": {"A": f"1{bad}"}},
    "job_id": lambda bad: {"argv": ["true"], "job_id": f"j{bad}"},
    "model_id": lambda bad: {"argv": ["true"], "model_id": f"m{bad}"},
    "session_id": lambda bad: {"argv": ["true"], "session_id": f"s{bad}"},
    "idempotency_key": lambda bad: {"argv": ["true"], "idempotency_key": f"k{bad}"},
}
FIELD_NAMES = {
    "argv[0]": "argv[0]",
    "argv": "argv[1]",
    "env_overrides name": "env_overrides",
    "env_overrides value": "env_overrides",
}


@pytest.mark.parametrize("bad", [*SURROGATES, "\x00"])
@pytest.mark.parametrize("field", sorted(FIELD_SHAPES))
def test_every_text_field_must_be_utf8_without_nul(field: str, bad: str) -> None:
    with pytest.raises(RequestError) as err:
        ExecRequest(**FIELD_SHAPES[field](bad))
    assert err.value.code == "EG-REQUEST-INVALID"
    assert FIELD_NAMES.get(field, field) in err.value.message
    # The message itself is printable and storable: the bad character is escaped.
    str(err.value).encode("utf-8")


@pytest.mark.parametrize(
    "fields",
    [
        {"argv": 5},
        {"argv": ["true"], "capture_stdout": "yes"},
        {"argv": ["true"], "secure": 1},
        {"argv": ["true"], "model_id": 7},
        {"argv": ["true"], "session_id": ["s"]},
        {"argv": ["true"], "idempotency_key": b"k"},
    ],
)
def test_wrong_types_are_typed_errors(fields: dict[str, Any]) -> None:
    with pytest.raises(RequestError):
        ExecRequest(**fields)


def _event_count(store_url: str) -> int:
    db = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    try:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        db.close()


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["command", "argv", "model_id", "env_overrides value"])
async def test_the_gate_refuses_before_recording_and_neighbours_are_unharmed(
    policy: Policy, store_url: str, field: str
) -> None:
    async with open_gate(policy, store_url) as gate:
        await gate.check(argv=["true"])
        before = _event_count(store_url)
        for call in (gate.check, gate.run):
            with pytest.raises(RequestError) as err:
                await call(**FIELD_SHAPES[field]("\ud800"))
            assert err.value.code == "EG-REQUEST-INVALID"
        with pytest.raises(RequestError):
            async with gate.stream(**FIELD_SHAPES[field]("\udc80")):
                pass
        assert _event_count(store_url) == before  # nothing recorded
        assert (await gate.run(argv=["echo", "fine"])).stdout == b"fine\n"


@pytest.mark.anyio
@pytest.mark.slow
async def test_a_descriptor_word_is_a_typed_shell_refusal(policy: Policy, store_url: str) -> None:
    """tree-sitter reads ``-u2`` in ``echo -u2>&1`` as a file descriptor."""
    async with open_gate(policy, store_url) as gate:
        for line in ("echo -u2>&1", "echo x -9>&1", "echo x " + "9" * 5000 + ">&1"):
            decision = await gate.check(command=line)
            assert decision.verdict == "deny"
            assert decision.code in ("EG-SHELL-UNSUPPORTED", "EG-SHELL-PARSE"), decision
        assert (await gate.check(command="echo x 2>&1")).allowed


POLICY_HEAD = 'version = 1\n[workspace]\nroot = "{root}"\n'


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('version = 1\n[workspace]\nroot = "\\u0000x"\n', "$.workspace.root"),
        (POLICY_HEAD + '[env]\nset = { A = "x\\u0000" }\n', "$.env.set.A"),
        (POLICY_HEAD + '[env]\ninherit = ["PA\\u0000TH"]\n', "$.env.inherit[0]"),
        (POLICY_HEAD + '[[allow]]\ncommand = "echo"\npath = "/bin/\\u0000echo"\n', "$.allow[0]"),
        (POLICY_HEAD + '[[deny]]\ncommand = "r\\u0000m"\n', "$.deny[0].command"),
    ],
)
def test_policy_os_level_errors_are_policy_invalid_with_key_path(
    tmp_path: Path, workspace: Path, body: str, key: str
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(body.replace("{root}", str(workspace)))
    with pytest.raises(PolicyInvalid) as err:
        load_policy(path)
    assert any(p.startswith(key) for p in err.value.problems), err.value.problems


def test_a_policy_path_with_a_nul_is_policy_invalid() -> None:
    with pytest.raises(PolicyInvalid):
        load_policy("/tmp/p\x00.toml")


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["job_id", "session_id", "kind"])
async def test_event_filters_with_bad_text_are_typed_errors(
    policy: Policy, store_url: str, field: str
) -> None:
    """``gate.events`` backs the MCP ``recent_events`` tool: its filters come from a client."""
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(RequestError) as err:
            await gate.events(**{field: "x\ud800"})
        assert field in err.value.message
        assert await gate.events(limit=5) is not None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "field", ["cpu_seconds", "memory_bytes", "open_files", "file_size_bytes", "processes"]
)
async def test_limits_beyond_64_bits_are_typed_errors_not_runner_crashes(
    policy: Policy, store_url: str, field: str
) -> None:
    """Found by benchmarks/fuzz.py: a limit the policy sets no maximum for reached setrlimit
    as a Python int over 64 bits, and the Runner crashed (OverflowError) -- each such request
    spent the gate's restart budget."""
    async with open_gate(policy, store_url) as gate:
        for _ in range(8):  # more than the restart budget (5)
            with pytest.raises(RequestError) as err:
                await gate.run(argv=["true"], **{field: 2**70})
            assert field in err.value.message
        assert gate.statistics().restarts["runner"] == 0
        assert (await gate.run(argv=["true"])).exit_code == 0


@pytest.mark.parametrize("field", ["job_id", "model_id", "session_id", "idempotency_key"])
def test_identifiers_are_bounded(field: str) -> None:
    """They are written on every event of the job and kept in the idempotency cache."""
    with pytest.raises(RequestError) as err:
        ExecRequest(argv=("true",), **{field: "j" * 10_000})  # type: ignore[arg-type]
    assert err.value.code == "EG-REQUEST-INVALID" and field in err.value.message
    ExecRequest(argv=("true",), **{field: "j" * 256})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 100_000 + "]" * 100_000,
        "x = " + "{a=" * 5_000 + "1" + "}" * 5_000,
    ],
)
def test_a_deeply_nested_policy_is_invalid_not_a_crash(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(text)
    with pytest.raises(PolicyInvalid) as err:
        load_policy(path)
    assert "nested too deep" in err.value.message


def test_a_policy_that_is_no_regular_file_is_refused_unread(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "policy.toml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    for path in (fifo, Path("/dev/zero"), tmp_path):
        with pytest.raises(PolicyInvalid) as err:
            load_policy(path)
        assert "cannot read policy file" in err.value.message, path
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(PolicyInvalid):
        load_policy(big)


def test_a_policy_with_many_rules_loads(tmp_path: Path) -> None:
    """Placing each [[allow]] item was a scan of every earlier one: 20,000 rules took minutes."""
    path = tmp_path / "many.toml"
    path.write_text(
        "version = 1\n" + "".join(f'[[allow]]\ncommand = "prog{i}"\n' for i in range(5000))
    )
    assert len(load_policy(path).allow) == 5000


def test_an_unknown_option_before_the_program_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    for args in (["run", "--timout", "5", "--", "echo", "hi"], ["check", "--bogus", "--", "echo"]):
        done = subprocess.run(
            [sys.executable, "-m", "execgate", *args], capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 2, (args, done.stderr)
        assert "No such option" in done.stderr


@pytest.mark.anyio
async def test_a_refused_field_never_echoes_a_secret(policy: Policy, store_url: str) -> None:
    """A value or a name the request validation refuses is shown redacted: a token sent as
    a timeout, a limit, an env name or a field name is not in the error."""
    import random

    from corpus import SECRETS

    token = SECRETS["github-token"](random.Random(7))
    bad: list[dict[str, Any]] = [
        {"timeout": token},
        {"kill_grace": token},
        {"max_output_bytes": token},
        {"cpu_seconds": token},
        {"env_overrides": {f"A={token}": "x"}},
        {token: 1},
    ]
    async with open_gate(policy, store_url) as gate:
        for fields in bad:
            with pytest.raises(RequestError) as err:
                await gate.run(argv=["true"], **fields)
            assert token not in str(err.value) and token[4:20] not in str(err.value), fields
            assert "REDACTED" in str(err.value), str(err.value)
