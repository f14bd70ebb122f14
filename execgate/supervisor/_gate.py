"""The public ``Gate``: open it as an async context manager, then ``await gate.run(...)``.

Works unchanged under ``trio.run`` and ``asyncio.run`` (it is written on AnyIO).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Literal

import anyio
import attrs
import cattrs

from ..actors import Call, Crash, Reply
from ..actors.recorder import timed_out as recorder_timed_out
from ..errors import (
    ExecgateError,
    GateClosed,
    IdempotencyConflict,
    NotStarted,
    RequestError,
    RequestTooLarge,
    refusal_for,
)
from ..models import (
    ApprovalAnswer,
    ApprovalRequest,
    Decision,
    Event,
    ExecPlan,
    ExecRequest,
    ExecResult,
    Finding,
    Grant,
    LogLevel,
    check_text,
)
from ..policy import Policy, Verdict, default_policy, load_policy
from ..process import JobControl, JobOutcome, open_containment
from ..process._confine import ETC_READ, SYSTEM_DIRS
from ..process._job import DRAIN_BOUND, KILL_BOUND, LINGER
from ..process._sandbox import protect
from ..scan import describe, redact_text, refusing
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
from ._events import (
    approval_event,
    decision_event,
    error_event,
    lifecycle_event,
    redacted_command,
    result_records,
)
from ._stream import JobStream
from ._supervisor import ACTORS, Supervisor

log = logging.getLogger("execgate.gate")
_converter = cattrs.Converter()

PolicyLike = Policy | str | os.PathLike[str] | None
#: An async callable the gate asks when an [[ask]] rule matches (e.g. prompts a person).
Approver = Callable[[ApprovalRequest], Awaitable[ApprovalAnswer]]
ContainmentChoice = Literal["auto", "cgroup", "process-group"]

#: How many idempotency keys a gate remembers (each holds a result with its output, up to
#: 2x max_output_bytes, so this bounds the cache's memory).
IDEMPOTENCY_CACHE = 256
#: Retries for a result event whose first write failed.
RESULT_WRITE_ATTEMPTS = 3


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


def _open_and_recover(url: str, start: Event, policy: Policy, host: str) -> Store:
    """Open the store, durably record this run's start, take this gate's lease, mark jobs
    that a dead run (on this host, or any whose lease expired) left without a result as
    interrupted, and apply the policy's retention (a purge is
    itself recorded). Blocking: runs on a worker thread."""
    _check_store_placement(url, policy)
    store = open_store(url, host_id=host)
    try:
        store.append([start])
        store.take_lease(host, os.getpid(), lease_seconds())
        marked = store.recover_interrupted()
        store.purge(
            retention_days=policy.recorder.retention_days,
            output_retention_days=policy.recorder.output_retention_days,
        )
    except BaseException:
        store.close()
        raise
    if marked:
        log.warning("marked %d job(s) of a dead supervisor as interrupted", len(marked))
    return store


def _spool(store_url: str, events: list[Event]) -> str:
    """Write events the store refused to a JSON-lines file beside an SQLite store (else in
    the per-user state directory), for ``execgate`` to import later. Returns the path. If even
    that fails, the events go to the log at CRITICAL: the last place they can be seen."""
    url = parse_store_url(store_url)
    if url.scheme == "sqlite":
        folder = os.path.dirname(url.path)
    else:
        folder = os.path.join(state_home(), "execgate")
    path = os.path.join(folder, f"unrecorded-{os.getpid()}-{int(time.time())}.jsonl")
    lines = [json.dumps(_converter.unstructure(ev)) for ev in events]
    try:
        os.makedirs(folder, exist_ok=True)
        with open(path, "a") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        for line in lines:
            log.critical("unrecorded event: %s", line)
        return f"<log: could not write {path}: {exc}>"
    return path


def _limit_hit(killed_by: str | None, sig: int | None, tree_limit: str | None) -> str | None:
    if killed_by == "timeout":
        return "timeout"
    if killed_by == "output_limit":
        return "max_output_bytes"
    if tree_limit is not None:
        return tree_limit
    if killed_by is None and sig is not None:
        return {signal.SIGXCPU: "cpu_seconds", signal.SIGXFSZ: "file_size_bytes"}.get(
            signal.Signals(sig)
        )
    return None


def _resolve_policy(policy: PolicyLike) -> Policy:
    if isinstance(policy, Policy):
        return policy
    if policy is None:
        return default_policy()
    return load_policy(policy)


def _fingerprint(request: ExecRequest) -> str:
    d = attrs.asdict(request)
    d.pop("job_id")
    d["stdin"] = d["stdin"].hex() if d["stdin"] is not None else None
    return json.dumps(d, sort_keys=True, default=str)


class Gate:
    """A guarded execution gate: one supervisor, four actors, one store, one policy.

    Use ``async with Gate.open(policy=..., store=...) as gate:``. Leaving the block (normally,
    by an exception, or by cancellation of the host) stops intake, ends running jobs through
    TERM → grace → KILL, flushes the recorder and leaves no child process behind.
    """

    def __init__(
        self,
        policy: Policy,
        store_url: str,
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
    ) -> None:
        self.policy = policy
        self.store_url = resolve_store_url(store_url, policy.root)
        self._containment_choice: ContainmentChoice = containment
        self._max_jobs = max_concurrent_jobs
        self._intensity = restart_intensity
        self._period = restart_period
        self._record_timeout = record_timeout
        self._approver = approver
        self._approval_timeout = approval_timeout
        self._grants: dict[str, Grant] = {}
        self._host_env = host_env
        #: This gate's host id, on every event it records (see ``execgate.store.host_id``).
        self.host_id = (
            host_id if host_id is not None else fleet_host_id(policy=policy.recorder.host_id)
        )
        self._sup: Supervisor | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._store: Store | None = None
        self._closing = False
        self._in_flight = 0
        self._idle = anyio.Event()
        self._idempotent: OrderedDict[str, tuple[str, Reply[ExecResult]]] = OrderedDict()
        self._unrecorded: list[Event] = []
        #: Where shutdown saved events the store would not take (None: nothing was lost).
        self.spooled_to: str | None = None

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
        workspace: ``$XDG_STATE_HOME/execgate/<key>/execgate.db``).

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
        if max_concurrent_jobs < 1:
            raise ValueError("max_concurrent_jobs must be >= 1")
        return cls(
            _resolve_policy(policy),
            store,
            containment=containment,
            max_concurrent_jobs=max_concurrent_jobs,
            restart_intensity=restart_intensity,
            restart_period=restart_period,
            host_env=host_env,
            record_timeout=record_timeout,
            approver=approver,
            approval_timeout=approval_timeout,
            host_id=fleet_host_id(host_id, policy=None) if host_id is not None else None,
        )

    # --- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Gate:
        if self._sup is not None:
            raise RuntimeError("a Gate can be entered only once")
        containment = open_containment(self._containment_choice)
        start = lifecycle_event(
            "supervisor_start",
            "supervisor",
            pid=os.getpid(),
            host=socket.gethostname(),
            host_id=self.host_id,
            containment=containment.mechanism,
            policy=self.policy.source,
        )
        try:
            self._store = await anyio.to_thread.run_sync(
                _open_and_recover, self.store_url, start, self.policy, self.host_id
            )
        except BaseException:
            containment.close()
            raise
        self._containment = containment
        self._sup = Supervisor(
            policy=self.policy,
            store=self._store,
            containment=containment,
            max_jobs=self._max_jobs,
            intensity=self._intensity,
            period=self._period,
            host_env=self._host_env,
            record_timeout=self._record_timeout,
        )
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        try:
            await self._tg.start(self._sup.run)
        except BaseException as exc:
            self._sup.cancel()
            self._sup.writer.close()
            self._sup.pool.close()
            self._tg.cancel_scope.cancel()
            await self._tg.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        self._tg.start_soon(self._keep_lease, self._store)
        return self

    async def _keep_lease(self, store: Store) -> None:
        """Renew this gate's lease in the store, and recover the gates whose lease expired
        (on any host), every third of the lease; until the gate closes. A failed round is
        logged and retried: the store being away must not stop the gate."""
        seconds = lease_seconds()
        while True:
            await anyio.sleep(seconds / 3)
            try:
                if not await anyio.to_thread.run_sync(store.renew_lease, seconds):
                    log.error("this gate's lease was taken for dead and recovered by another")
                marked = await anyio.to_thread.run_sync(store.recover_expired)
            except Exception as exc:
                log.warning("lease renewal or recovery failed (retrying): %s", exc)
                continue
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
        if sup is None or tg is None or store is None or self._closing:
            return
        self._closing = True
        bound = self.policy.limits.maximum.kill_grace + KILL_BOUND + LINGER + DRAIN_BOUND + 5
        deadline = anyio.current_time() + bound
        sup.stop_jobs()
        if self._in_flight:
            with anyio.move_on_after(bound):
                await self._idle.wait()
        await self._flush_unrecorded(sup)
        sup.notify(lifecycle_event("supervisor_stop", "supervisor", restarts=sup.restarts))
        await sup.stop(deadline)
        sup.cancel()  # anything still running past the deadline
        tg.cancel_scope.cancel()
        sup.writer.close()
        with contextlib.suppress(Exception):  # an unreleased lease is recovered, harmlessly
            await anyio.to_thread.run_sync(store.release_lease)
        sup.pool.close()
        await anyio.to_thread.run_sync(store.close)
        self._containment.close()

    def statistics(self) -> GateStatistics:
        sup = self._sup
        if sup is None:
            return GateStatistics(0, 0, 0, {}, "none", self._closing)
        runner = sup.current.get("runner")
        running = len(runner.running) if runner is not None and hasattr(runner, "running") else 0
        return GateStatistics(
            requests_in_flight=self._in_flight,
            jobs_running=running,
            jobs_queued=sup.queued("runner"),
            restarts=dict(sup.restarts),
            containment=self._containment.mechanism,
            closed=self._closing or sup.failure is not None,
            unrecorded_events=len(self._unrecorded),
        )

    # --- requests --------------------------------------------------------------------------

    def _enter(self) -> Supervisor:
        sup = self._sup
        if sup is None:
            raise GateClosed("the gate is not open: use `async with Gate.open(...) as gate`")
        if sup.failure is not None:
            raise sup.failure
        if self._closing:
            raise GateClosed("the gate is closed; open a new one")
        self._in_flight += 1
        if self._idle.is_set():
            self._idle = anyio.Event()
        return sup

    def _leave(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self._idle.set()

    async def _call(self, sup: Supervisor, name: str, payload: Any) -> Any:
        call: Call[Any] = Call(payload)
        await sup.send(name, call)
        return await call.reply.wait()

    async def _record(self, sup: Supervisor, events: tuple[Any, ...]) -> None:
        """Wait for the recorder to make ``events`` durable, at most ``record_timeout``: the
        Recorder answers every call by its deadline (see ``actors/recorder.py``), so the
        wait needs no cancel scope of its own."""
        deadline = anyio.current_time() + self._record_timeout
        call: Call[None] = Call(events, deadline=deadline)
        if not await sup.send("recorder", call, deadline):
            raise recorder_timed_out(self._record_timeout)
        await call.reply.wait()

    async def check(self, request: ExecRequest | None = None, /, **fields: Any) -> Decision:
        """Decide on a request without running it. The decision is recorded (marked as a dry
        run). Returns the decision, allow or deny; raises only when the gate or its recorder
        fails."""
        req = ExecRequest.build(request, fields)
        sup = self._enter()
        try:
            verdict, findings = await self._decide(sup, req)
            event = decision_event(req, verdict, findings, level=self._level(req), dry_run=True)
            await self._record(sup, (event,))
            return verdict.decision
        finally:
            self._leave()

    async def record_refusal(self, request: ExecRequest, error: ExecgateError, rule: str) -> None:
        """Record a refusal made in front of the gate (a per-caller limit of a shared server)
        as a deny decision of ``request``, with ``error``'s code and message under ``rule``,
        redacted like every decision. Nothing ran. Raises ``RecorderUnavailable`` or
        ``GateClosed`` when it cannot be recorded."""
        sup = self._enter()
        try:
            d = Decision(verdict="deny", code=error.code, rule=rule, reason=error.message)
            event = decision_event(request, Verdict(d, None), [], level=self._level(request))
            await self._record(sup, (event,))
        finally:
            self._leave()

    async def run(self, request: ExecRequest | None = None, /, **fields: Any) -> ExecResult:
        """Scan, decide, record the decision durably, run, record the result.

        Pass an :class:`ExecRequest` or its fields as keywords. Returns an
        :class:`ExecResult` for every command that ran, whatever its exit code.

        Raises a :class:`~execgate.errors.Refused` subclass when the Scanner or the
        Gatekeeper refused (nothing ran), ``RecorderUnavailable`` when the decision could not
        be recorded (nothing ran), ``SpawnFailed``, ``ActorCrashed`` or ``GateClosed``.

        If the calling task is cancelled while the job runs, the job is ended through
        TERM → grace → KILL and its result recorded (``cancelled=True``) before the
        cancellation propagates.
        """
        req = ExecRequest.build(request, fields)
        sup = self._enter()
        try:
            if req.idempotency_key is not None:
                return await self._run_idempotent(sup, req)
            return await self._run(sup, req)
        finally:
            self._leave()

    async def _run_idempotent(self, sup: Supervisor, req: ExecRequest) -> ExecResult:
        key = req.idempotency_key
        assert key is not None
        fp = _fingerprint(req)
        known = self._idempotent.get(key)
        if known is not None:
            if known[0] != fp:
                raise IdempotencyConflict(
                    f"idempotency key {redact_text(key)[:64]!r} was already used for a "
                    "different request"
                )
            return await known[1].wait()
        reply: Reply[ExecResult] = Reply()
        self._idempotent[key] = (fp, reply)
        while len(self._idempotent) > IDEMPOTENCY_CACHE:
            self._idempotent.popitem(last=False)
        try:
            result = await self._run(sup, req)
        except BaseException as exc:
            # A refusal is final and replayed; a failure or cancellation may be retried.
            if isinstance(exc, ExecgateError) and exc.fault == "policy":
                reply.fail(exc)
            else:
                self._idempotent.pop(key, None)
                reply.fail(exc if isinstance(exc, ExecgateError) else GateClosed("cancelled"))
            raise
        reply.set(result)
        return result

    async def _decide(self, sup: Supervisor, req: ExecRequest) -> tuple[Verdict, list[Finding]]:
        too_large = self.policy.limits.oversize(req)
        if too_large is not None:
            raise RequestTooLarge(too_large)
        findings: list[Finding] = await self._call(sup, "scanner", req)
        blocking = refusing(findings, self.policy.scanner.reject_confidence)
        if blocking:
            rules = sorted({f.rule_id for f in blocking})
            decision = Decision(
                verdict="deny",
                code="EG-SECRET-DETECTED",
                rule="scan:" + ",".join(rules),
                reason=describe(blocking),
            )
            return Verdict(decision, None), findings
        verdict: Verdict = await self._call(sup, "gatekeeper", req)
        # A reason may quote an argument; a secret the Scanner only redacts (below the reject
        # threshold) must not reach an exception, the CLI or the log through it.
        reason = redact_text(verdict.decision.reason)
        if reason != verdict.decision.reason:
            verdict = attrs.evolve(verdict, decision=attrs.evolve(verdict.decision, reason=reason))
        return verdict, findings

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
        return JobStream(self, req)

    def _start_soon(self, func: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``func`` in the gate's own task group (it must not raise)."""
        if self._tg is None:
            raise GateClosed("the gate is not open: use `async with Gate.open(...) as gate`")
        self._tg.start_soon(func)

    async def _run(
        self,
        sup: Supervisor,
        req: ExecRequest,
        control: JobControl | None = None,
        admitted: Callable[[ExecPlan], None] | None = None,
    ) -> ExecResult:
        """The pipeline of one request. ``admitted`` is called once the allow decision is
        durable, just before the job is handed to the Runner; ``control`` may carry an output
        sink."""
        verdict, findings = await self._decide(sup, req)
        if verdict.decision.verdict == "ask":
            verdict = await self._approve(sup, req, verdict, findings)
        # Fail closed: the decision is durable before anything runs, or nothing runs.
        await self._record(sup, (decision_event(req, verdict, findings, level=self._level(req)),))
        if not verdict.decision.allowed or verdict.plan is None:
            raise refusal_for(verdict.decision)
        plan = verdict.plan
        control = control or JobControl()
        if admitted is not None:
            admitted(plan)
        call: Call[JobOutcome] = Call((plan, control))
        try:
            await sup.send("runner", call)
        except ExecgateError as exc:
            await self._record_error(sup, req, exc)
            raise
        except BaseException:
            # Cancelled while queued for a Runner slot: nothing started. Every allow decision
            # gets exactly one outcome event, so say so.
            with anyio.CancelScope(shield=True):
                err = NotStarted("cancelled while waiting for a Runner slot")
                await self._record_error(sup, req, err)
            raise
        try:
            outcome = await call.reply.wait()
        except ExecgateError as exc:
            with anyio.CancelScope(shield=True):
                await self._record_error(sup, req, exc)
            raise
        except BaseException:
            # The caller was cancelled: end the job through the kill path, record, re-raise.
            control.request_stop("cancelled")
            with anyio.CancelScope(shield=True):
                bound = plan.limits.kill_grace + KILL_BOUND + LINGER + DRAIN_BOUND + 1
                with anyio.move_on_after(bound):
                    try:
                        outcome = await call.reply.wait()
                    except ExecgateError as exc:
                        await self._record_error(sup, req, exc)
                    else:
                        await self._record_result(
                            sup, req, self._result(plan.job_id, req, verdict, outcome)
                        )
            raise
        result = self._result(plan.job_id, req, verdict, outcome)
        recorded = await self._record_result(sup, req, result)
        return result if recorded else attrs.evolve(result, recorded=False)

    def _result(self, job_id: str, req: ExecRequest, verdict: Verdict, o: JobOutcome) -> ExecResult:
        assert verdict.plan is not None
        rc = o.returncode
        return ExecResult(
            job_id=job_id,
            argv=verdict.plan.argv,
            cwd=verdict.plan.cwd,
            exit_code=rc if rc >= 0 else None,
            signal=-rc if rc < 0 else None,
            stdout=o.stdout,
            stderr=o.stderr,
            duration_ms=o.duration_ms,
            timed_out=o.killed_by == "timeout",
            cancelled=o.killed_by in ("cancelled", "shutdown"),
            killed_by=o.killed_by,
            limit_hit=_limit_hit(o.killed_by, -rc if rc < 0 else None, o.tree_limit),
            stdout_truncated_bytes=o.stdout_truncated_bytes,
            stderr_truncated_bytes=o.stderr_truncated_bytes,
            containment=self._containment.mechanism,
            sandbox="on" if o.sandboxed else "degraded" if verdict.plan.sandbox else "off",
        )

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
        if store is None or self._closing:
            raise GateClosed("the gate is not open")
        for name, value in (("job_id", job_id), ("session_id", session_id), ("kind", kind)):
            check_text(name, value)
        where = EventFilter(job_id=job_id, session_id=session_id, kind=kind)
        return await anyio.to_thread.run_sync(lambda: store.query(limit=limit, where=where))

    # --- approvals -------------------------------------------------------------------------

    def grants(self) -> list[Grant]:
        """Standing approvals (scope job or workspace) that have not expired."""
        now = time.time()
        for gid in [g for g, v in self._grants.items() if v.expires_at and v.expires_at <= now]:
            del self._grants[gid]
        return list(self._grants.values())

    def revoke(self, grant_id: str) -> bool:
        """Withdraw a standing approval; True if it existed."""
        return self._grants.pop(grant_id, None) is not None

    def _grant_for(self, req: ExecRequest, rule: str) -> Grant | None:
        for grant in self.grants():
            if grant.rule == rule and (grant.scope == "workspace" or grant.job_id == req.job_id):
                return grant
        return None

    async def _approve(
        self, sup: Supervisor, req: ExecRequest, verdict: Verdict, findings: list[Finding]
    ) -> Verdict:
        """Turn an ``ask`` verdict into allow or deny: a standing grant, else the approver.
        Every ask and answer is recorded."""
        d = verdict.decision

        def decided(code: str, why: str, allow: bool) -> Verdict:
            new = Decision(
                verdict="allow" if allow else "deny",
                code="EG-ALLOWED" if allow else code,
                rule=d.rule,
                reason=why,
            )
            return attrs.evolve(verdict, decision=new, plan=verdict.plan if allow else None)

        grant = self._grant_for(req, d.rule)
        if grant is not None:
            return decided("", f"approved earlier ({grant.scope} grant {grant.grant_id})", True)
        if self._approver is None:
            return decided(
                "EG-APPROVAL-REQUIRED",
                f"{d.reason}; no approver is configured, so it is refused",
                False,
            )
        command, argv = redacted_command(req, findings)
        # what the person reads is redacted like what is recorded
        question = ApprovalRequest(
            job_id=redact_text(req.job_id),
            model_id=None if req.model_id is None else redact_text(req.model_id),
            session_id=None if req.session_id is None else redact_text(req.session_id),
            command=command,
            argv=argv,
            cwd=None if verdict.cwd is None else redact_text(verdict.cwd),
            rule=d.rule,
            reason=redact_text(d.reason),
        )
        await self._record(sup, (approval_event("approval_asked", req, d.rule, d.reason),))
        answer: ApprovalAnswer | None = None
        failure = "did not answer in time"
        with anyio.move_on_after(self._approval_timeout):
            try:
                answer = await self._approver(question)
            except Exception as exc:  # an approver that fails has not approved
                failure = f"failed ({type(exc).__name__})"
        scope = answer.scope if isinstance(answer, ApprovalAnswer) else "deny"
        why = f"approver {failure}" if answer is None else f"approver answered {scope}"
        await self._record(
            sup,
            (
                approval_event(
                    "approval_answered",
                    req,
                    d.rule,
                    why,
                    scope=scope,
                    ttl=getattr(answer, "ttl", None),
                ),
            ),
        )
        if scope == "deny":
            return decided("EG-APPROVAL-DENIED", f"{d.reason}; {why}", False)
        if scope in ("job", "workspace"):
            assert answer is not None
            gid = uuid.uuid4().hex[:12]
            self._grants[gid] = Grant(
                grant_id=gid,
                rule=d.rule,
                scope=scope,
                job_id=req.job_id if scope == "job" else None,
                expires_at=time.time() + answer.ttl if answer.ttl else None,
            )
        return decided("", f"approved ({scope})", True)

    async def _record_outcome(self, sup: Supervisor, event: Event, *extra: Any) -> bool:
        """Record a result or error event, retrying; an event that still cannot be written is
        kept for the shutdown's last attempt (and spooled to a file if that fails too), never
        dropped."""
        for attempt in range(RESULT_WRITE_ATTEMPTS):
            try:
                await self._record(sup, (event, *extra))
                return True
            except ExecgateError:
                if attempt + 1 < RESULT_WRITE_ATTEMPTS:
                    await anyio.sleep(0.05 * (attempt + 1))
        self._unrecorded.append(event)  # the output record is not kept: it is optional
        return False

    async def _record_result(self, sup: Supervisor, req: ExecRequest, result: ExecResult) -> bool:
        event, output = result_records(req, result, self._level(req))
        return await self._record_outcome(sup, event, *([output] if output else []))

    def _level(self, req: ExecRequest) -> LogLevel:
        return req.log_level or self.policy.recorder.level

    async def _record_error(self, sup: Supervisor, req: ExecRequest, exc: ExecgateError) -> None:
        await self._record_outcome(sup, error_event(req, exc.code, exc.message))

    async def _flush_unrecorded(self, sup: Supervisor) -> None:
        """Shutdown's last attempt at events that failed earlier; spool what still fails."""
        if not self._unrecorded:
            return
        pending, self._unrecorded = self._unrecorded, []
        try:
            await self._record(sup, tuple(pending))
            log.warning("recorded %d event(s) that had failed earlier", len(pending))
            return
        except ExecgateError as exc:
            failure = exc
        # an importing store stamps its own host: keep this one's
        pending = [e if e.host_id else attrs.evolve(e, host_id=self.host_id) for e in pending]
        self.spooled_to = await anyio.to_thread.run_sync(_spool, self.store_url, pending)
        log.error(
            "%d result/error event(s) could not be recorded (%s); saved to %s",
            len(pending),
            failure,
            self.spooled_to,
        )

    # --- test hooks ------------------------------------------------------------------------

    async def _inject_crash(self, actor: str, *, on_next_call: bool = False) -> None:
        """Make ``actor`` raise as a bug would (for tests of supervision): now, through a
        message in its inbox, or while it holds the next call it takes."""
        if actor not in ACTORS:
            raise ValueError(f"unknown actor {actor!r}")
        assert self._sup is not None
        if on_next_call:
            self._sup.current[actor].crash_armed = True
        else:
            await self._sup.send(actor, Crash())


__all__ = ["Gate", "GateStatistics"]
