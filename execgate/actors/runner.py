"""The Runner actor: owns every child process. Runs jobs concurrently, at most ``max_jobs``.

The Runner takes a job from its inbox only when a slot is free, so a full Runner leaves
requests queued in its bounded inbox and callers feel backpressure on ``send``.
"""

from __future__ import annotations

from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

from ..errors import ExecgateError, GateClosed, NotStarted
from ..models import ExecPlan
from ..process import Containment, JobControl, run_job
from ._base import Actor, Call, Crash, InjectedCrash, Message


class Runner(Actor):
    name = "runner"

    def __init__(self, containment: Containment, slots: anyio.Semaphore) -> None:
        super().__init__()
        self.containment = containment
        # The semaphore outlives restarts: slots held by a crashed instance's jobs are
        # released by those jobs' own cleanup.
        self.slots = slots
        self.running: set[JobControl] = set()

    def stop_all(self, reason: str = "shutdown") -> None:
        self.stopping = True
        for control in list(self.running):
            control.request_stop("shutdown" if reason == "shutdown" else "cancelled")

    async def loop(self, inbox: MemoryObjectReceiveStream[Message]) -> None:
        async with anyio.create_task_group() as jobs:
            while True:
                await self.slots.acquire()
                try:
                    msg = await inbox.receive()
                except anyio.EndOfStream:
                    self.slots.release()
                    return
                except BaseException:
                    self.slots.release()
                    raise
                if isinstance(msg, Crash):
                    self.slots.release()
                    raise InjectedCrash(f"runner: {msg.note}")
                try:
                    self.take(msg)
                except BaseException:
                    self.slots.release()
                    raise
                jobs.start_soon(self._job, msg)

    async def _job(self, call: Call[Any]) -> None:
        plan: ExecPlan
        control: JobControl
        plan, control = call.payload
        self.running.add(control)
        try:
            if self.stopping:
                raise GateClosed("the gate is shutting down; the job was not started")
            if control.stopped.is_set():
                raise NotStarted("the caller was cancelled before the job started")
            tree = self.containment.new_job(plan.job_id)
            call.reply.set(await run_job(plan, tree, control))
        except ExecgateError as exc:
            call.reply.fail(exc)
        finally:
            if not call.reply.done:  # cancelled (crash or stop): the job was ended
                call.reply.fail(self.lost_error())
            self.running.discard(control)
            self.in_flight.discard(call)
            self.slots.release()
