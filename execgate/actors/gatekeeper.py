"""The Gatekeeper actor: runs the pure policy engine on each request."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..models import ExecRequest
from ..policy import Policy, Verdict, evaluate
from ._base import SequentialActor


class Gatekeeper(SequentialActor):
    name = "gatekeeper"

    def __init__(self, policy: Policy, host_env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.policy = policy
        self.host_env = host_env

    async def handle(self, payload: Any) -> Verdict:
        request: ExecRequest = payload
        env = self.host_env if self.host_env is not None else os.environ
        return evaluate(self.policy, request, env)
