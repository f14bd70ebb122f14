"""The Gatekeeper actor: runs the pure policy engine on each request.

A command line longer than ``OFFLOAD_COMMAND_CHARS``, or an argv of more than
``OFFLOAD_ARGV_WORDS`` words or ``OFFLOAD_ARGV_CHARS`` characters, is decided in a worker
process (tree-sitter holds the GIL, and resolving many path words takes many system calls, so a
thread would still stall the event loop), on a task of its own, so the requests behind it are
not held up; past the policy's ``max_check_seconds`` it is refused with
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
#: Above this many words, or characters in all, an argv is decided in a worker process too:
#: every word may be a path the engine resolves (a few system calls each).
OFFLOAD_ARGV_WORDS = 64
OFFLOAD_ARGV_CHARS = 4096


def _evaluate_light(
    policy: Policy, request: ExecRequest, env: Mapping[str, str]
) -> tuple[Verdict, bool]:
    """:func:`evaluate` in a worker, and whether its plan's stdin was left out of the answer
    because it is the request's own, which the parent still holds (it need not cross back; a
    here-document's body, which the engine made, does)."""
    verdict = evaluate(policy, request, env)
    plan = verdict.plan
    if plan is not None and request.stdin is not None and plan.stdin == bytes(request.stdin):
        return attrs.evolve(verdict, plan=attrs.evolve(plan, stdin=b"")), True
    return verdict, False


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
        if self.pool is None:
            return False
        if payload.command is not None:
            return len(payload.command) > OFFLOAD_COMMAND_CHARS
        argv = payload.argv or ()
        return len(argv) > OFFLOAD_ARGV_WORDS or sum(map(len, argv)) > OFFLOAD_ARGV_CHARS

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
        # The decision reads stdin (a patch applied from it): the worker gets it whole, and
        # the plan gets the parent's copy back rather than a second one over the pipe.
        try:
            verdict, stripped = await self.pool.run(
                budget, _evaluate_light, self.policy, request, dict(self._env())
            )
        except BudgetExceeded as exc:
            return _deny(
                "EG-CHECK-TIMEOUT",
                "limits.max_check_seconds",
                f"deciding on the command line took too long ({exc}); send a simpler one",
            )
        except Exception as exc:
            return self._engine_error(request, exc)
        if stripped and verdict.plan is not None and request.stdin is not None:
            stdin = bytes(request.stdin)
            verdict = attrs.evolve(verdict, plan=attrs.evolve(verdict.plan, stdin=stdin))
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
