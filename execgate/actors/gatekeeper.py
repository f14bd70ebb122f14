"""The Gatekeeper actor: runs the pure policy engine on each request."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from ..models import Decision, ExecRequest
from ..policy import Policy, Verdict, evaluate
from ._base import SequentialActor

log = logging.getLogger("execgate.gatekeeper")


class Gatekeeper(SequentialActor):
    name = "gatekeeper"

    def __init__(self, policy: Policy, host_env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.policy = policy
        self.host_env = host_env

    async def handle(self, payload: Any) -> Verdict:
        request: ExecRequest = payload
        env = self.host_env if self.host_env is not None else os.environ
        try:
            return evaluate(self.policy, request, env)
        except Exception as exc:
            # A request that trips a bug in the engine is refused, and must not crash the
            # actor: crashing on purpose would let a caller exhaust the restart budget.
            log.exception("policy engine failed on job %s", request.job_id)
            return Verdict(
                Decision(
                    verdict="deny",
                    code="EG-POLICY-ENGINE-ERROR",
                    rule="engine",
                    reason=f"the policy engine failed on this request ({type(exc).__name__}); "
                    "refused — please report it",
                ),
                None,
            )
