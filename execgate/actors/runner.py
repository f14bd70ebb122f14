"""The Runner actor: owns every child process. Runs jobs concurrently, at most ``max_jobs``.

Jobs run on a pool of worker tasks that take calls from the inbox themselves, one job at a
time each. A worker is started only when a job arrives and every worker is busy, up to
``max_jobs``; workers then stay (an idle one is a task parked on the inbox, a few KiB of
Python heap). So the pool is as large as the peak concurrency seen, and in steady state a
job costs no task start (with AnyIO a task start builds a handle, a cancel scope and an
event): handing a job to a parked worker is the cheaper dispatch.

A full Runner -- every worker busy, ``max_jobs`` of them -- takes nothing from its bounded
inbox: requests wait there and callers feel backpressure on ``send``.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
from anyio.abc import TaskGroup

from ..errors import ExecgateError, GateClosed, NotStarted
from ..models import ExecPlan, KillReason
from ..process import Containment, JobControl, JobOutcome, StartAgain, run_job
from ._base import Actor, Call, Crash, Inbox, InjectedCrash

#: What the Runner is asked: run this plan, under this control (stop requests, output sink).
JobOrder = tuple[ExecPlan, JobControl]


class Runner(Actor[JobOrder, JobOutcome]):
    """Takes a plan to run, answers the job's outcome."""

    name = "runner"

    def __init__(
        self,
        containment: Containment,
        max_jobs: int,
        halted: Callable[[], ExecgateError | None] = lambda: None,
    ) -> None:
        super().__init__()
        if max_jobs < 1:
            raise ValueError("max_jobs must be >= 1")
        self.containment = containment
        self.max_jobs = max_jobs
        #: Why the gate runs nothing more, if it does not (its lease was lost): asked before
        #: each job starts; the job's caller gets that error and nothing runs.
        self.halted = halted
        self.running: set[JobControl] = set()
        self.workers = 0
        self._idle = 0

    def stop_all(self, reason: str = "shutdown") -> None:
        self.stopping = True
        self.stop_running("shutdown" if reason == "shutdown" else "cancelled")

    def stop_running(self, reason: KillReason) -> None:
        """End every job running or about to start (TERM → grace → KILL on its tree, as a
        timeout does), for ``reason``."""
        for control in list(self.running):
            control.request_stop(reason)

    async def loop(self, inbox: Inbox[JobOrder, JobOutcome]) -> None:
        # Ends when the inbox is closed and every worker has finished its job; a worker that
        # raises (a crash) cancels the others, whose jobs end through the kill path.
        async with anyio.create_task_group() as pool:
            self._add_worker(pool, inbox)

    def _add_worker(self, pool: TaskGroup, inbox: Inbox[JobOrder, JobOutcome]) -> None:
        self.workers += 1
        pool.start_soon(self._work, pool, inbox)

    async def _work(self, pool: TaskGroup, inbox: Inbox[JobOrder, JobOutcome]) -> None:
        while True:
            self._idle += 1
            try:
                msg = await inbox.receive()
            except anyio.EndOfStream:
                return
            finally:
                self._idle -= 1
            if isinstance(msg, Crash):
                raise InjectedCrash(f"runner: {msg.note}")
            self.take(msg)
            if self._idle == 0 and self.workers < self.max_jobs:
                self._add_worker(pool, inbox)  # the next job finds a worker waiting
            await self._job(msg)

    async def _job(self, call: Call[JobOrder, JobOutcome]) -> None:
        plan, control = call.payload
        self.running.add(control)
        try:
            if self.stopping:
                raise GateClosed("the gate is shutting down; the job was not started")
            halt = self.halted()
            if halt is not None:
                raise halt
            if control.stopped.is_set():
                raise NotStarted("the caller was cancelled before the job started")
            tree = self.containment.new_job(plan.job_id)
            try:
                outcome = await run_job(plan, tree, control)
            except StartAgain:  # its program never ran: once more, the way that works
                outcome = await run_job(plan, self.containment.new_job(plan.job_id), control)
            call.reply.set(outcome)
        except ExecgateError as exc:
            # stopped before it started because the gate halted (see run_job): that is why
            halt = self.halted() if control.reason == "lease_lost" else None
            call.reply.fail(exc if halt is None else halt)
        finally:
            if not call.reply.done:  # cancelled (crash or stop): the job was ended
                call.reply.fail(self.lost_error())
            self.running.discard(control)
            self.in_flight.discard(call)
