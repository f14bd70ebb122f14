"""The Scanner actor: runs the pure secret scan on each request."""

from __future__ import annotations

from typing import Any

from ..models import ExecRequest, Finding
from ..scan import scan_request
from ._base import SequentialActor


class Scanner(SequentialActor):
    name = "scanner"

    def handle(self, payload: Any) -> list[Finding]:
        request: ExecRequest = payload
        return scan_request(request)
