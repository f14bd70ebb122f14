"""The Gatekeeper actor: runs the pure policy engine on each request.

A command line longer than ``OFFLOAD_COMMAND_CHARS`` is decided in a worker process (tree-sitter
holds the GIL, so a thread would still stall the event loop), on a task of its own, so the
requests behind it are not held up; past the policy's ``max_check_seconds`` it is refused with
``EG-CHECK-TIMEOUT``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import attrs

from ..models import Decision, ExecRequest
from ..policy import Policy, Resolver, Verdict, evaluate
from ._base import SequentialActor
from ._offload import BudgetExceeded, WorkerPool

log = logging.getLogger("execgate.gatekeeper")

#: Above this many characters a command line is decided in a worker process: a pathological
#: line of a few KB can hold tree-sitter (and the GIL) long enough to stall the event loop.
OFFLOAD_COMMAND_CHARS = 512


def _deny(code: str, rule: str, reason: str) -> Verdict:
    return Verdict(Decision(verdict="deny", code=code, rule=rule, reason=reason), None)


class Gatekeeper(SequentialActor[ExecRequest, Verdict]):
    """Takes a request, answers the policy's verdict (a decision, and the plan to run)."""

    name = "gatekeeper"

    def __init__(
        self,
        policy: Policy,
        host_env: Mapping[str, str] | None = None,
        pool: WorkerPool | None = None,
    ) -> None:
        super().__init__()
        self.policy = policy
        self.host_env = host_env
        self.pool = pool
        #: PATH and program look-ups, remembered across this gatekeeper's decisions.
        self.resolver = Resolver()

    def _env(self) -> Mapping[str, str]:
        return self.host_env if self.host_env is not None else os.environ

    def heavy(self, payload: ExecRequest) -> bool:
        command = payload.command
        return (
            self.pool is not None and command is not None and len(command) > OFFLOAD_COMMAND_CHARS
        )

    async def handle(self, payload: ExecRequest) -> Verdict:
        request = payload
        try:
            return evaluate(self.policy, request, self._env(), self.resolver)
        except Exception as exc:
            return self._engine_error(request, exc)

    async def handle_heavy(self, payload: ExecRequest) -> Verdict:
        """Decide in a worker process, within ``max_check_seconds``."""
        assert self.pool is not None
        request = payload
        budget = self.policy.limits.max_check_seconds
        # The decision reads only whether there is a stdin: the worker gets an empty one, the
        # plan the real one back (neither 16 MiB each way nor read on the event loop).
        light = attrs.evolve(request, stdin=b"") if request.stdin else request
        try:
            verdict = await self.pool.run(budget, evaluate, self.policy, light, dict(self._env()))
        except BudgetExceeded as exc:
            return _deny(
                "EG-CHECK-TIMEOUT",
                "limits.max_check_seconds",
                f"deciding on the command line took too long ({exc}); send a simpler one",
            )
        except Exception as exc:
            return self._engine_error(request, exc)
        if light is not request and verdict.plan is not None and verdict.plan.stdin is not None:
            verdict = attrs.evolve(verdict, plan=attrs.evolve(verdict.plan, stdin=request.stdin))
        return verdict

    def _engine_error(self, request: ExecRequest, exc: Exception) -> Verdict:
        # A request that trips a bug in the engine is refused, and must not crash the
        # actor: crashing on purpose would let a caller exhaust the restart budget.
        log.error("policy engine failed on job %s", request.job_id, exc_info=exc)
        return _deny(
            "EG-POLICY-ENGINE-ERROR",
            "engine",
            f"the policy engine failed on this request ({type(exc).__name__}); "
            "refused — please report it",
        )
