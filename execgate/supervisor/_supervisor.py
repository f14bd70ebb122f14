"""The supervisor: starts the four actors, restarts a crashed one, and stops them all.

Restart strategy is one-for-one with an intensity budget, as in OTP: an actor that crashes is
restarted on the same inbox (queued requests are not lost); requests it held are failed with
``EG-ACTOR-CRASHED``. More than ``intensity`` restarts of any actors within ``period`` seconds
and the supervisor gives up: intake closes, every queued request fails with
``EG-SUPERVISOR-FAILED``, and the actors are stopped.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import anyio

from ..actors import Actor, Call, Crash, Gatekeeper, Recorder, Runner, Scanner, WriterThread
from ..actors._base import Mailbox
from ..actors._offload import WorkerPool
from ..actors.recorder import Records
from ..actors.runner import JobOrder
from ..errors import GateClosed, LeaseLost, SupervisorFailed
from ..models import Event, ExecRequest, Finding
from ..policy import Policy, Verdict
from ..process import Containment, JobOutcome
from ..store import Store
from ._config import GateConfig
from ._events import lifecycle_event

log = logging.getLogger("execgate.supervisor")

#: Start order; shutdown closes intake in reverse, the Recorder last.
ACTORS = ("recorder", "runner", "gatekeeper", "scanner")


class Supervisor:
    """Owns the four actors and their mailboxes; a request reaches an actor through its
    typed mailbox (``sup.scanner.ask(request)`` answers the findings)."""

    def __init__(
        self,
        *,
        policy: Policy,
        store: Store,
        containment: Containment,
        config: GateConfig,
    ) -> None:
        self.policy = policy
        self.store = store
        self.containment = containment
        self.intensity = config.restart_intensity
        self.period = config.restart_period
        self.max_jobs = max_jobs = config.max_concurrent_jobs
        record_timeout = config.record_timeout
        #: Outlives Recorder restarts: a crashed instance's write still runs there first.
        self.writer = WriterThread("execgate-recorder")
        #: Worker processes for large scans and long command lines, shared by the Scanner and
        #: the Gatekeeper; started on first use, closed with the gate.
        self.pool = WorkerPool(size=2)
        #: Worker processes that redact long job output for the store (``Pipeline``): a pool
        #: of their own, so a flood of output never delays a request's scan.
        self.output_pool = WorkerPool(size=2)
        self.host_env = config.host_env
        closed = self.closed_error
        self.scanner: Mailbox[ExecRequest, list[Finding]] = Mailbox("scanner", 256, closed)
        self.gatekeeper: Mailbox[ExecRequest, Verdict] = Mailbox("gatekeeper", 256, closed)
        self.runner: Mailbox[JobOrder, JobOutcome] = Mailbox("runner", max_jobs, closed)
        self.recorder: Mailbox[Records, None] = Mailbox("recorder", 256, closed)
        #: The mailboxes by actor name, for supervision (restarts, shutdown, test hooks).
        self.mailboxes: dict[str, Mailbox[Any, Any]] = {
            box.name: box for box in (self.recorder, self.runner, self.gatekeeper, self.scanner)
        }
        self.factories: dict[str, Callable[[], Actor[Any, Any]]] = {
            "scanner": lambda: Scanner(self.pool, self.policy.limits.max_check_seconds),
            "gatekeeper": lambda: Gatekeeper(self.policy, self.host_env, self.pool),
            "runner": lambda: Runner(self.containment, self.max_jobs, self.lease_error),
            "recorder": lambda: Recorder(
                self.store, self.writer, record_timeout, on_lease_lost=self.lose_lease
            ),
        }
        self.current: dict[str, Actor[Any, Any]] = {}
        self.restarts: dict[str, int] = dict.fromkeys(ACTORS, 0)
        self._restart_times: deque[float] = deque()
        self.failure: SupervisorFailed | None = None
        #: Why this gate's lease is lost (see :meth:`lose_lease`); None while it holds it.
        self.lease_lost: str | None = None
        self.stopping = False
        self._stopped: dict[str, anyio.Event] = {name: anyio.Event() for name in ACTORS}
        self.scope = anyio.CancelScope(shield=True)

    # --- running -------------------------------------------------------------------------

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run the actors until :meth:`stop` (then :meth:`cancel`) ends them.

        The actors are shielded from the host's cancellation: a cancelled host still gets an
        orderly shutdown (jobs killed through the kill path, results recorded), run by the
        Gate's ``__aexit__``, instead of actors dying mid-write.
        """
        with self.scope:
            async with anyio.create_task_group() as tg:
                for name in ACTORS:
                    await tg.start(self._supervise, name)
                task_status.started()

    def cancel(self) -> None:
        """End whatever is still running (after :meth:`stop`'s deadline)."""
        self.scope.cancel()

    async def _supervise(
        self, name: str, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        mailbox = self.mailboxes[name]
        first = True
        try:
            while True:
                actor = self.factories[name]()
                if self.stopping:
                    actor.stopping = True
                self.current[name] = actor
                if first:
                    task_status.started()
                    first = False
                try:
                    await actor.serve(mailbox.receive_stream)
                    return
                except Exception as exc:
                    if self.stopping:
                        log.warning("%s crashed during shutdown: %r", name, exc)
                        return
                    self.restarts[name] += 1
                    log.error("%s crashed (%r); restarting", name, exc)
                    self.notify(lifecycle_event("actor_restart", name, error=repr(exc)[:500]))
                    if self._budget_exhausted():
                        self._give_up(name, exc)
                        return
        finally:
            self._stopped[name].set()

    def _budget_exhausted(self) -> bool:
        now = time.monotonic()
        self._restart_times.append(now)
        while self._restart_times and now - self._restart_times[0] > self.period:
            self._restart_times.popleft()
        return len(self._restart_times) > self.intensity

    def _give_up(self, name: str, exc: BaseException) -> None:
        self.failure = SupervisorFailed(
            f"the {name} crashed more than {self.intensity} times in {self.period:g}s "
            f"(last: {exc!r}); the gate stopped"
        )
        log.error("%s", self.failure)
        self.stopping = True
        runner = self.current.get("runner")
        if isinstance(runner, Runner):
            runner.stop_all("shutdown")
        for other in ACTORS:
            actor = self.current.get(other)
            if actor is not None:
                actor.stopping = True
            box = self.mailboxes[other]
            box.close()
            box.fail_queued(self.failure)

    # --- talking to actors ---------------------------------------------------------------

    def closed_error(self) -> GateClosed:
        return self.failure or GateClosed("the gate is closed; open a new one")

    def notify(self, event: Event) -> None:
        """Record ``event`` without waiting (lifecycle events). Dropped only if the recorder's
        inbox is full or closed, which is logged."""
        if not self.recorder.send_nowait(Call((event,))):
            log.warning("lifecycle event %s not recorded: recorder inbox unavailable", event.kind)

    def lose_lease(self, why: str) -> None:
        """This gate's lease is lost (``why``): another gate took it for dead, or it could
        not be renewed in time. From now on every request is refused with ``EG-LEASE-LOST``
        before anything runs (the intake, the pipeline and the Runner ask
        :meth:`lease_error`), and every running job is stopped as a timeout stops it (TERM →
        grace → KILL on its whole tree): the store refuses this gate's events, and another
        gate may already have marked those jobs interrupted, so nothing may go on running
        unrecorded. Once only; the gate can then only be closed."""
        if self.lease_lost is not None:
            return
        self.lease_lost = why
        log.error(
            "this gate's lease is lost (%s): its running jobs are being stopped and every new "
            "request is refused (EG-LEASE-LOST); close it and open a new gate",
            why,
        )
        runner = self.current.get("runner")
        if isinstance(runner, Runner):
            runner.stop_running("lease_lost")

    def lease_error(self) -> LeaseLost | None:
        """A new ``EG-LEASE-LOST`` error once the lease is lost (a fresh one per caller, so
        that no two tasks raise, and extend the traceback of, one instance), else None."""
        if self.lease_lost is None:
            return None
        return LeaseLost(
            f"this gate's lease in the store is lost ({self.lease_lost}); it stopped its "
            "running jobs and runs nothing more: close it and open a new gate"
        )

    def jobs_running(self) -> int:
        runner = self.current.get("runner")
        return len(runner.running) if isinstance(runner, Runner) else 0

    async def inject_crash(self, actor: str, *, on_next_call: bool = False) -> None:
        """Test hook: make ``actor`` raise as a bug would, now (a message in its inbox) or
        while it holds the next call it takes."""
        if on_next_call:
            self.current[actor].crash_armed = True
        else:
            await self.mailboxes[actor].send(Crash())

    # --- stopping ------------------------------------------------------------------------

    def stop_jobs(self) -> None:
        runner = self.current.get("runner")
        if isinstance(runner, Runner):
            runner.stop_all("shutdown")

    async def stop(self, deadline: float = math.inf) -> None:
        """Close intake actor by actor, the Recorder last, and wait for each to finish."""
        self.stopping = True
        for name in reversed(ACTORS):
            actor = self.current.get(name)
            if actor is not None and name != "recorder":
                actor.stopping = True
            self.mailboxes[name].close()
            if name != "recorder":
                with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
                    await self._stopped[name].wait()
        with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
            await self._stopped["recorder"].wait()
        for name in ACTORS:
            self.mailboxes[name].fail_queued(GateClosed("the gate shut down"))
