"""The public ``Gate``: open it as an async context manager, then ``await gate.run(...)``.

Works unchanged under ``trio.run`` and ``asyncio.run`` (it is written on AnyIO).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any

import anyio
import attrs

from ..errors import ExecgateError, GateClosed, RequestError
from ..models import Decision, Event, ExecRequest, ExecResult, Grant, check_text
from ..policy import Policy, default_policy, load_policy
from ..process import open_containment
from ..process._confine import ETC_READ, SYSTEM_DIRS
from ..process._job import DRAIN_BOUND, KILL_BOUND, LINGER
from ..process._sandbox import protect
from ..store import (
    DEFAULT_STORE_URL,
    EventFilter,
    Store,
    check_store_out_of_reach,
    lease_seconds,
    open_store,
    parse_store_url,
    resolve_store_url,
)
from ..store import host_id as fleet_host_id
from ..store._location import state_home
from ._config import Approver, ContainmentChoice, GateConfig
from ._events import lifecycle_event
from ._pipeline import Intake, Pipeline
from ._stream import JobStream
from ._supervisor import ACTORS, Supervisor

log = logging.getLogger("execgate.gate")

PolicyLike = Policy | str | os.PathLike[str] | None


@attrs.frozen
class GateStatistics:
    """A snapshot of the gate's load, for observing backpressure."""

    requests_in_flight: int
    jobs_running: int
    jobs_queued: int
    restarts: Mapping[str, int]
    containment: str
    closed: bool
    #: Result/error events waiting for the shutdown's retry (the store refused them).
    unrecorded_events: int = 0


def _check_store_placement(url: str, policy: Policy) -> None:
    """Refuse (``StoreExposed``) an SQLite store that a job of ``policy`` may write (the
    workspace) or read (``[sandbox] read``, and in secure mode the system paths)."""
    parsed = parse_store_url(url)
    if parsed.scheme != "sqlite":
        return
    readable = [os.path.join(policy.root, p) for p in policy.sandbox.read]
    if policy.sandbox.secure != "off":
        readable += [*(d for d in SYSTEM_DIRS if d != "/etc"), *ETC_READ]
    check_store_out_of_reach(parsed.path, writable=[policy.root], readable=readable)
    # every store of the state directory, and this one: never readable by a confined job
    protect(os.path.join(state_home(), "execgate"))
    protect(os.path.dirname(parsed.path))


def _open_and_recover(
    url: str, start: Event, policy: Policy, host: str, seconds: float
) -> tuple[Store, float]:
    """Open the store, durably record this run's start, mark jobs that a dead run (on this
    host, or any whose lease expired) left without a result as interrupted, apply the
    policy's retention (a purge is itself recorded), and take this gate's lease for
    ``seconds``. Returns the store and when (``time.monotonic``) the lease was asked for: it
    lasts ``seconds`` from then at least. The lease is taken last, so that a long recovery
    or purge does not eat into it (the gate runs no job before it returns). Blocking: runs
    on a worker thread."""
    _check_store_placement(url, policy)
    store = open_store(url, host_id=host)
    try:
        store.append([start])
        marked = store.recover_interrupted()
        store.purge(
            retention_days=policy.recorder.retention_days,
            output_retention_days=policy.recorder.output_retention_days,
        )
        leased_at = time.monotonic()
        store.take_lease(host, os.getpid(), seconds)
    except BaseException:
        store.close()
        raise
    if marked:
        log.warning("marked %d job(s) of a dead supervisor as interrupted", len(marked))
    return store, leased_at


def _resolve_policy(policy: PolicyLike) -> Policy:
    if isinstance(policy, Policy):
        return policy
    if policy is None:
        return default_policy()
    return load_policy(policy)


class Gate:
    """A guarded execution gate: one supervisor, four actors, one store, one policy.

    Use ``async with Gate.open(policy=..., store=...) as gate:``. Leaving the block (normally,
    by an exception, or by cancellation of the host) stops intake, ends running jobs through
    TERM → grace → KILL, flushes the recorder and leaves no child process behind.
    """

    def __init__(self, policy: Policy, store_url: str, config: GateConfig | None = None) -> None:
        self.policy = policy
        self.config = config = config or GateConfig()
        self.store_url = resolve_store_url(store_url, policy.root)
        #: This gate's host id, on every event it records (see ``execgate.store.host_id``).
        self.host_id = fleet_host_id(config.host_id, policy=policy.recorder.host_id)
        self._intake = Intake()
        self._sup: Supervisor | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._store: Store | None = None

    @classmethod
    def open(
        cls,
        policy: PolicyLike = None,
        store: str = DEFAULT_STORE_URL,
        *,
        containment: ContainmentChoice = "auto",
        max_concurrent_jobs: int = 64,
        restart_intensity: int = 5,
        restart_period: float = 10.0,
        host_env: Mapping[str, str] | None = None,
        record_timeout: float = 10.0,
        approver: Approver | None = None,
        approval_timeout: float = 300.0,
        host_id: str | None = None,
    ) -> Gate:
        """Prepare a gate. ``policy``: a :class:`Policy`, a path to a TOML policy file, or
        ``None`` for the embedded read-only default with the current directory as workspace.
        ``store``: a store URL (default: SQLite in the per-user state directory, one store per
        workspace: ``$XDG_STATE_HOME/execgate/<key>/execgate.db``). The other options make
        the gate's :class:`GateConfig`.

        Raises ``PolicyInvalid`` at once for a bad policy; the store is opened (and
        ``StoreUnavailable`` raised) on entering the context, after ``StoreExposed`` for an
        SQLite store inside the workspace or another path a job may write or read.
        ``record_timeout`` bounds how long a request waits for the recorder to confirm a
        write (a frozen or hung disk, a stalled database): past it the request fails with
        ``EG-RECORDER-UNAVAILABLE`` and, for a decision, nothing runs — never a hang.
        ``approver`` is awaited when an ``[[ask]]`` rule matches (no approver: refused with
        ``EG-APPROVAL-REQUIRED``); an answer not given within ``approval_timeout`` seconds is
        a refusal.
        ``host_id`` names this host on every event (default: ``EXECGATE_HOST_ID``, else the
        policy's ``[recorder] host_id``, else derived from the machine id); a malformed one
        raises ``StoreInvalid``.
        """
        config = GateConfig(
            containment=containment,
            max_concurrent_jobs=max_concurrent_jobs,
            restart_intensity=restart_intensity,
            restart_period=restart_period,
            host_env=host_env,
            record_timeout=record_timeout,
            approver=approver,
            approval_timeout=approval_timeout,
            host_id=host_id,
        )
        return cls(_resolve_policy(policy), store, config)

    # --- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Gate:
        if self._sup is not None:
            raise RuntimeError("a Gate can be entered only once")
        containment = open_containment(self.config.containment)
        start = lifecycle_event(
            "supervisor_start",
            "supervisor",
            pid=os.getpid(),
            host=socket.gethostname(),
            host_id=self.host_id,
            containment=containment.mechanism,
            policy=self.policy.source,
        )
        seconds = lease_seconds()
        try:
            store, leased_at = await anyio.to_thread.run_sync(
                _open_and_recover, self.store_url, start, self.policy, self.host_id, seconds
            )
        except BaseException:
            containment.close()
            raise
        self._store = store
        self._containment = containment
        self._sup = Supervisor(
            policy=self.policy, store=store, containment=containment, config=self.config
        )
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        try:
            await self._tg.start(self._sup.run)
        except BaseException as exc:
            self._sup.cancel()
            self._sup.writer.close()
            self._sup.pool.close()
            self._sup.output_pool.close()
            self._tg.cancel_scope.cancel()
            await self._tg.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        self._intake.pipeline = Pipeline(
            policy=self.policy,
            config=self.config,
            sup=self._sup,
            containment=containment.mechanism,
            store_url=self.store_url,
            host_id=self.host_id,
        )
        self._tg.start_soon(self._keep_lease, self._sup, store, seconds, leased_at)
        return self

    async def _keep_lease(
        self, sup: Supervisor, store: Store, seconds: float, leased_at: float
    ) -> None:
        """Renew this gate's lease in the store, and recover the gates whose lease expired
        (on any host), every third of the lease; until the gate closes or its lease is lost.

        The lease is lost (``Supervisor.lose_lease``: every running job is stopped, every
        new request refused with ``EG-LEASE-LOST``) when a renewal finds it recovered by
        another gate, when a write of the gate is refused for that reason (the Recorder
        tells the supervisor), or when ``seconds`` have passed since the last renewal that
        succeeded (counted from before it was asked, so never later than the store's
        expiry) without another one succeeding: the store unreachable, or so slow that a
        renewal does not return in time. Then other gates may already take this one for
        dead, and would mark its running jobs interrupted while they run on, unrecorded
        (their results refused); this gate cannot ask the store which, so it stops them
        rather than run what may be unrecorded: deny rather than run. That it is permanent,
        even if the store answers again later, keeps one meaning for the error (close the
        gate, open a new one) and one state for its jobs. The lease is then left to expire,
        not released (see ``aclose``), so that another gate recovers whatever job of this
        one has no outcome. A failed round before that is logged and retried."""
        valid_until = leased_at + seconds  # time.monotonic(): the lease's end, at the latest
        while sup.lease_lost is None:
            left = valid_until - time.monotonic()
            if left <= 0:
                sup.lose_lease(
                    f"it was not renewed for {seconds:g}s, the lease's duration (the store "
                    "unreachable or too slow, or this gate stalled), so another gate may "
                    "have taken this one for dead"
                )
                return
            await anyio.sleep(min(seconds / 3, left))
            if sup.lease_lost is not None or time.monotonic() >= valid_until:
                continue
            asked = time.monotonic()
            renewed: bool | None = None
            # a renewal that does not return before the lease's end is given up (its thread
            # is abandoned: a store call cannot be interrupted)
            with anyio.move_on_after(valid_until - asked):
                try:
                    renewed = await anyio.to_thread.run_sync(
                        store.renew_lease, seconds, abandon_on_cancel=True
                    )
                except Exception as exc:
                    log.warning("lease renewal failed (retrying): %s", exc)
            if renewed is None:
                continue
            if not renewed:
                sup.lose_lease("another gate took this one for dead and recovered it")
                return
            valid_until = asked + seconds
            marked: list[str] = []
            with anyio.move_on_after(max(0.0, valid_until - time.monotonic())):
                try:
                    marked = await anyio.to_thread.run_sync(
                        store.recover_expired, abandon_on_cancel=True
                    )
                except Exception as exc:
                    log.warning("recovery of expired leases failed (retrying): %s", exc)
            if marked:
                log.warning("marked %d job(s) of dead gates as interrupted", len(marked))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        with anyio.CancelScope(shield=True):
            await self.aclose()
        # The actors are gone: exit the task group as if the body had ended normally, so the
        # body's own exception (a refusal, a cancellation) propagates unwrapped instead of
        # inside an ExceptionGroup. An actor-side exception still surfaces here.
        await self._tg.__aexit__(None, None, None)
        return None

    async def aclose(self) -> None:
        """Stop intake, end running jobs (TERM → grace → KILL), flush the recorder.

        Bounded: waits at most the policy's maximum kill grace plus a few seconds.
        """
        sup, tg, store = self._sup, self._tg, self._store
        pipeline, intake = self._intake.pipeline, self._intake
        if sup is None or tg is None or store is None or pipeline is None or intake.closing:
            return
        intake.closing = True
        bound = self.policy.limits.maximum.kill_grace + KILL_BOUND + LINGER + DRAIN_BOUND + 5
        deadline = anyio.current_time() + bound
        sup.stop_jobs()
        with anyio.move_on_after(bound):
            await intake.wait_idle()
        await pipeline.flush_unrecorded()
        sup.notify(lifecycle_event("supervisor_stop", "supervisor", restarts=sup.restarts))
        await sup.stop(deadline)
        sup.cancel()  # anything still running past the deadline
        tg.cancel_scope.cancel()
        sup.writer.close()
        # a store that stopped answering (a partitioned database) must not hold the close:
        # each call gets the recorder's timeout and is abandoned past it (an unreleased
        # lease is recovered, harmlessly; the connection goes with the process)
        # A gate whose lease is lost leaves it to expire: another gate then recovers it,
        # marking interrupted whatever job of it has no outcome (one whose outcome the store
        # refused), where a released lease is never recovered.
        if sup.lease_lost is None:
            with contextlib.suppress(Exception), anyio.move_on_after(self.config.record_timeout):
                await anyio.to_thread.run_sync(store.release_lease, abandon_on_cancel=True)
        sup.pool.close()
        sup.output_pool.close()
        with contextlib.suppress(Exception), anyio.move_on_after(self.config.record_timeout):
            await anyio.to_thread.run_sync(store.close, abandon_on_cancel=True)
        self._containment.close()

    @property
    def spooled_to(self) -> str | None:
        """Where shutdown saved events the store would not take (None: nothing was lost)."""
        pipeline = self._intake.pipeline
        return None if pipeline is None else pipeline.spooled_to

    def statistics(self) -> GateStatistics:
        sup, pipeline = self._sup, self._intake.pipeline
        if sup is None or pipeline is None:
            return GateStatistics(0, 0, 0, {}, "none", self._intake.closing)
        return GateStatistics(
            requests_in_flight=self._intake.in_flight,
            jobs_running=sup.jobs_running(),
            jobs_queued=sup.runner.queued(),
            restarts=dict(sup.restarts),
            containment=self._containment.mechanism,
            closed=self._intake.closing or sup.failure is not None or sup.lease_lost is not None,
            unrecorded_events=pipeline.unrecorded_events,
        )

    # --- requests --------------------------------------------------------------------------

    async def check(self, request: ExecRequest | None = None, /, **fields: Any) -> Decision:
        """Decide on a request without running it. The decision is recorded (marked as a dry
        run). Returns the decision, allow or deny; raises only when the gate or its recorder
        fails."""
        req = ExecRequest.build(request, fields)
        pipeline = self._intake.enter()
        try:
            return await pipeline.check(req)
        finally:
            self._intake.leave()

    async def record_refusal(
        self,
        error: ExecgateError,
        rule: str,
        request: ExecRequest | None = None,
        *,
        session_id: str | None = None,
        tool: str | None = None,
    ) -> None:
        """Record a refusal made in front of the gate (a per-caller limit of a shared server)
        as a deny decision with ``error``'s code and message under ``rule``, redacted like
        every decision: of ``request`` (its job, session and command), or, for a call that
        carried no command, of ``session_id`` alone, naming the server's ``tool``. Nothing
        ran. Raises ``RecorderUnavailable`` or ``GateClosed`` when it cannot be recorded."""
        pipeline = self._intake.enter()
        try:
            await pipeline.record_refusal(error, rule, request, session_id=session_id, tool=tool)
        finally:
            self._intake.leave()

    async def run(self, request: ExecRequest | None = None, /, **fields: Any) -> ExecResult:
        """Scan, decide, record the decision durably, run, record the result.

        Pass an :class:`ExecRequest` or its fields as keywords. Returns an
        :class:`ExecResult` for every command that ran, whatever its exit code.

        Raises a :class:`~execgate.errors.Refused` subclass when the Scanner or the
        Gatekeeper refused (nothing ran), ``RecorderUnavailable`` when the decision could not
        be recorded (nothing ran), ``SpawnFailed``, ``ActorCrashed`` or ``GateClosed``;
        ``LeaseLost`` (``EG-LEASE-LOST``) once the gate's lease in the store is lost: at
        once for a new request (nothing runs), and for a running job once it was stopped
        through TERM → grace → KILL (a job that ended on its own first still gets its
        result, with ``recorded=False`` if the store refused it).

        If the calling task is cancelled while the job runs, the job is ended through
        TERM → grace → KILL and its result recorded (``cancelled=True``) before the
        cancellation propagates.
        """
        req = ExecRequest.build(request, fields)
        pipeline = self._intake.enter()
        try:
            if req.idempotency_key is not None:
                return await pipeline.run_idempotent(req)
            return await pipeline.run(req)
        finally:
            self._intake.leave()

    def stream(self, request: ExecRequest | None = None, /, **fields: Any) -> JobStream:
        """Run a request like :meth:`run`, seeing its output as it arrives::

            async with gate.stream(command="make test") as job:
                async for item in job:
                    if isinstance(item, OutputChunk):
                        print(item.stream, item.data)
                    else:                       # the last item: the ExecResult
                        print(item.exit_code)

        Entering the block scans, decides and records the decision; a refusal raises there
        (as from :meth:`run`) and nothing runs. The iteration yields :class:`OutputChunk`
        values (raw bytes, unredacted, as the child wrote them; each stream's chunks stop
        after its first ``max_output_bytes``), then the :class:`ExecResult`, exactly the
        one :meth:`run` would return, also kept as ``job.result``. Timeout, output cap and
        recording are those of :meth:`run`. Leaving the block before the result, or
        cancelling the task, ends the job through TERM → grace → KILL and records it as
        cancelled. Idempotency keys are not supported here.
        """
        req = ExecRequest.build(request, fields)
        if req.idempotency_key is not None:
            raise RequestError("idempotency_key is not supported by stream(); use run()")
        return JobStream(self._intake, self._start_soon, req)

    def _start_soon(self, func: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``func`` in the gate's own task group (it must not raise)."""
        if self._tg is None:
            raise GateClosed("the gate is not open: use `async with Gate.open(...) as gate`")
        self._tg.start_soon(func)

    async def events(
        self,
        *,
        limit: int = 20,
        job_id: str | None = None,
        session_id: str | None = None,
        kind: str | None = None,
    ) -> list[Event]:
        """The newest ``limit`` flight-recorder events (oldest first) matching the given
        fields, read on a worker thread. Commands are as stored: redacted."""
        store = self._store
        if store is None or self._intake.closing:
            raise GateClosed("the gate is not open")
        for name, value in (("job_id", job_id), ("session_id", session_id), ("kind", kind)):
            check_text(name, value)
        where = EventFilter(job_id=job_id, session_id=session_id, kind=kind)
        return await anyio.to_thread.run_sync(lambda: store.query(limit=limit, where=where))

    # --- approvals -------------------------------------------------------------------------

    def grants(self) -> list[Grant]:
        """Standing approvals (scope job or workspace) that have not expired."""
        pipeline = self._intake.pipeline
        return [] if pipeline is None else pipeline.grants()

    def revoke(self, grant_id: str) -> bool:
        """Withdraw a standing approval; True if it existed."""
        pipeline = self._intake.pipeline
        return pipeline is not None and pipeline.revoke(grant_id)

    # --- test hooks ------------------------------------------------------------------------

    async def _inject_crash(self, actor: str, *, on_next_call: bool = False) -> None:
        """Make ``actor`` raise as a bug would (for tests of supervision): now, through a
        message in its inbox, or while it holds the next call it takes."""
        if actor not in ACTORS:
            raise ValueError(f"unknown actor {actor!r}")
        assert self._sup is not None
        await self._sup.inject_crash(actor, on_next_call=on_next_call)


__all__ = [
    "Approver",
    "ContainmentChoice",
    "Gate",
    "GateConfig",
    "GateStatistics",
    "PolicyLike",
]
