"""The Scanner actor: runs the pure secret scan on each request.

Small requests are scanned inline (microseconds); a request carrying a large stdin is scanned
on a worker thread so it does not stall the event loop for everyone else.
"""

from __future__ import annotations

from typing import Any

import anyio

from ..models import ExecRequest, Finding
from ..scan import scan_request
from ._base import SequentialActor

#: Above this much stdin, scanning moves to a worker thread (~30 MB/s single-threaded).
INLINE_STDIN_LIMIT = 64 * 1024


class Scanner(SequentialActor):
    name = "scanner"

    async def handle(self, payload: Any) -> list[Finding]:
        request: ExecRequest = payload
        if request.stdin is not None and len(request.stdin) > INLINE_STDIN_LIMIT:
            return await anyio.to_thread.run_sync(scan_request, request)
        return scan_request(request)
