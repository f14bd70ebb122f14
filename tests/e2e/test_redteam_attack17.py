"""Attack round 17: what a hostile or unlucky caller could do to the gate, the record and the
transports, each checked the way a user would see it."""

from __future__ import annotations

import time

import anyio
import pytest
from conftest import open_gate

from execgate import ExecgateError, ExecRequest, Policy
from execgate.models import MAX_CWD_BYTES

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
