"""``execgate.run``: the synchronous convenience for scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import anyio

from ..models import ExecRequest, ExecResult
from ..store import DEFAULT_STORE_URL
from ._gate import Gate, PolicyLike


def run(
    argv: Sequence[str] | None = None,
    *,
    command: str | None = None,
    policy: PolicyLike = None,
    store: str = DEFAULT_STORE_URL,
    backend: Literal["trio", "asyncio"] = "trio",
    **fields: Any,
) -> ExecResult:
    """Open a gate, run one guarded request, close the gate; blocking.

    ``execgate.run(["ls", "-la"])`` or ``execgate.run(command="git status")``; other
    keywords are :class:`ExecRequest` fields. Raises what ``Gate.run`` raises. Must not be
    called from inside a running event loop (use ``Gate`` there).
    """
    request = ExecRequest.build(None, {"argv": argv, "command": command, **fields})

    async def main() -> ExecResult:
        async with Gate.open(policy, store) as gate:
            return await gate.run(request)

    return anyio.run(main, backend=backend)
