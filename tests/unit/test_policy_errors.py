"""A policy file's problems as its author reads them: key path, line and column, the closest
valid key or value; never cattrs' own wording, whatever the file holds."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from execgate import Policy, PolicyInvalid, load_policy
from execgate._units import parse_size
from execgate.policy import parse_policy
from execgate.policy._problems import Locator

#: cattrs' phrasing, which must never reach a user
INTERNALS = ("literal", "extra fields", "unknown error", " @ $", "typing.", "not iterable")


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(PolicyInvalid) as err:
        load_policy(path)
    return list(err.value.problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[limits]\ntimout = 3\n",
         "$.limits.timout: unknown key; did you mean 'timeout'? (at line 2, column 1)"),
        ("[[allow]]\ncommand = 'ls'\n[[allow]]\ncommand = 'cat'\n  argz = 'any'\n",
         "$.allow[1].argz: unknown key; did you mean 'args'? (at line 5, column 3)"),
        ("[recorder]\nlevel = 'verbose'\n",
         "$.recorder.level: expected one of 'none', 'commands_only', "
         "'commands_plus_redacted_output', got 'verbose' (at line 2, column 1)"),
        ("[sandbox]\nsecure = 'require'\n",
         "$.sandbox.secure: expected one of 'off', 'preferred', 'required', got 'require'; "
         "did you mean 'required'? (at line 2, column 1)"),
        ("sandbox.secure = 'of'\n",
         "$.sandbox.secure: expected one of 'off', 'preferred', 'required', got 'of'; "
         "did you mean 'off'? (at line 1, column 1)"),
        ("envv = 1\n", "$.envv: unknown key; did you mean 'env'? (at line 1, column 1)"),
        ("root = '/'\n", "$.root: unknown key; expected one of 'version', 'workspace', "
         "'limits', 'env', 'recorder', 'scanner', 'shell', 'sandbox', 'callers', 'allow', "
         "'ask', 'deny' (at line 1, column 1)"),
        ("[limits]\ntimeout = 30\n[limits.maximum]\ntimeout = 20\n",
         "$.limits.timeout: default 30.0 is above maximum.timeout 20.0 (at line 2, column 1)"),
        ("allow = 'ls'\n",
         "$.allow: expected an array of tables [[allow]], got a string 'ls' (at line 1, column 1)"),
        ("limits = 3\n",
         "$.limits: expected a table [limits], got an integer 3 (at line 1, column 1)"),
        ("[[deny]]\ncommand = 'rm'\nreason = \'\'\'\nbogus = 1\n\'\'\'\nbogux = 2\n",
         "$.deny[0].bogux: unknown key; expected one of 'command', 'path', 'reason' "
         "(at line 6, column 1)"),
        ("[[allow]]\ncommand = 'ls'\ndeny_args = [\n  'x = 1',\n  2,\n]\n",
         "$.allow[0].deny_args: expected a string, got int 2 (at line 3, column 1)"),
    ],
)  # fmt: skip
def test_each_problem_reads_as_the_author_wrote_it(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert problems_of(tmp_path, text)[0] == expected


def test_problems_come_in_the_order_they_are_written(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path, "[sandbox]\nsecure = 'x'\n[limits]\nkill_grace = 'y'\ntimeout = 'z'\n"
    )
    assert [p.split(":")[0] for p in problems] == [
        "$.sandbox.secure", "$.limits.kill_grace", "$.limits.timeout",
    ]  # fmt: skip


def test_a_toml_syntax_error_has_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("version = 1\n[limits\n")
    with pytest.raises(PolicyInvalid) as err:
        load_policy(path)
    assert "not valid TOML" in str(err.value) and "(at line 2, column 8)" in str(err.value)


@pytest.mark.parametrize(
    ("text", "size"),
    [("0", 0), ("4096", 4096), ("64K", 65536), ("64k", 65536), ("10M", 10 << 20),
     ("10MiB", 10 << 20), ("10MB", 10 << 20), ("2G", 2 << 30), (" 1 K ", 1024), ("1 KiB", 1024), ("7B", 7)],
)  # fmt: skip
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    "text",
    ["", "K", "1.5M", "-1", "1e3", "10T", "10 MM", "0x10", "10M\n", "\uff11\uff10", "10Mb/s"],
)
def test_sizes_that_do_not_read_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a size in bytes"):
        parse_size(text)


def test_size_strings_in_a_policy_meet_the_same_ceilings(tmp_path: Path) -> None:
    ok = tmp_path / "ok.toml"
    ok.write_text('[limits]\nmax_output_bytes = "64K"\n[limits.maximum]\nmemory_bytes = "1G"\n')
    policy = load_policy(ok)
    assert (policy.limits.max_output_bytes, policy.limits.maximum.memory_bytes) == (65536, 1 << 30)
    problems = problems_of(tmp_path, '[limits]\nmax_command_bytes = "1G"\n')
    assert problems[0].startswith("$.limits.max_command_bytes: expected a number in (0, 131072]")


def test_the_locator_follows_tables_arrays_and_multiline_values() -> None:
    text = (
        "version = 1\n"  # 1
        "[limits]  # a comment\n"  # 2
        "  timeout = 3\n"  # 3
        "[[allow]]\n"  # 4
        'command = "ls"\n'  # 5
        "deny_args = [\n"  # 6
        '  "timeout = 9",\n'  # 7
        "]\n"  # 8
        "[[allow]]\n"  # 9
        'reason = """\n'  # 10
        "[limits]\n"  # 11
        '"""\n'  # 12
        '"quoted key" = 1\n'  # 13
        "[limits.maximum]\n"  # 14
        "memory_bytes = 1\n"  # 15
    )
    where = Locator(text).locate
    assert where(("limits", "timeout")) == (3, 3)
    assert where(("allow", 0, "deny_args", 1)) == (6, 1)
    assert where(("allow", 1, "reason")) == (10, 1)
    assert where(("allow", 1, "quoted key")) == (13, 1)
    assert where(("allow", 1, "command")) == (9, 1)  # not written: its table's header
    assert where(("limits", "maximum", "memory_bytes")) == (15, 1)
    assert where(("env", "set")) is None


# Values a hostile or careless file may hold anywhere.
_scalars = st.one_of(
    st.text(string.printable, max_size=8), st.integers(), st.floats(allow_nan=True),
    st.booleans(), st.sampled_from(["none", "any", "builtin", "required", "10M", "1.5G"]),
)  # fmt: skip


def _keys_of(cls: type) -> list[str]:
    return [f.name for f in attrs.fields(cls) if not f.metadata.get("internal")]


_KEYS = sorted({k for cls in (Policy, *[type(getattr(Policy(), n)) for n in ("limits", "env", "recorder", "sandbox", "workspace", "shell", "scanner", "callers")]) for k in _keys_of(cls)} | {"maximum", "command", "args", "paths", "bogus", "argz"})  # fmt: skip
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_KEYS), _documents, max_size=5))
def test_any_document_is_a_policy_or_problems_in_plain_words(data: dict[str, Any]) -> None:
    try:
        parse_policy(data, base_dir=Path("/"), source="fuzz")
    except PolicyInvalid as exc:
        for problem in exc.problems or (exc.message,):
            assert problem.startswith("$") or problem.startswith("fuzz"), problem
            assert not any(word in problem for word in INTERNALS), problem
