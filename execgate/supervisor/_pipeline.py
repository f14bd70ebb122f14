"""The pipeline of one request: scan → policy → approval → run → record, with idempotency.

``Pipeline`` holds everything a request passes through once the gate is open: its
supervisor's actors, the standing approvals, the idempotency cache, the events waiting for a
retry. ``Gate.run``, ``Gate.check`` and ``Gate.stream`` (through ``JobStream``) all run
requests here; ``Intake`` decides whether the gate takes a request at all (open, not
closing, supervisor not failed) and counts those in flight, so that closing can wait for
them.

Fail closed: the decision is durable before anything runs, or nothing runs; every allowed
job gets exactly one outcome event (result or error).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import signal
import stat
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

import anyio
import attrs
import cattrs

from ..actors import Call, Reply
from ..actors._base import Sequel
from ..actors._offload import BudgetExceeded, WorkerDied
from ..actors.recorder import Records
from ..actors.recorder import timed_out as recorder_timed_out
from ..actors.runner import JobOrder
from ..errors import (
    ExecgateError,
    GateClosed,
    GitTampered,
    IdempotencyConflict,
    LeaseLost,
    NotStarted,
    PolicyTampered,
    RecorderUnavailable,
    RequestTooLarge,
    SupervisorFailed,
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
    OutputRecord,
)
from ..policy import Policy, Verdict
from ..process import JobControl, JobOutcome
from ..process._job import DRAIN_BOUND, KILL_BOUND, LINGER
from ..scan import MARKER, describe, redact_text, refusing
from ..store import parse_store_url
from ..store._location import state_home
from ._config import GateConfig
from ._events import (
    StoredText,
    approval_event,
    connection_events,
    decision_event,
    error_event,
    expanded_findings,
    redacted_command,
    refusal_event,
    result_records,
    stored_output,
    withheld_output,
)
from ._git_guard import GitGuard, GitState
from ._policy_guard import PolicyGuard
from ._supervisor import Supervisor

log = logging.getLogger("execgate.gate")
_converter = cattrs.Converter()

#: How many idempotency keys a gate remembers (each holds a result with its output, up to
#: 2x max_output_bytes, so this bounds the cache's memory).
IDEMPOTENCY_CACHE = 256
#: Retries for a result event whose first write failed.
RESULT_WRITE_ATTEMPTS = 3
#: A stream longer than this is redacted for the store in a worker process: redaction is
#: regular expressions, which hold the GIL, and megabytes of it would stop the event loop
#: (every other job's timeout with it) for seconds.
OFFLOAD_OUTPUT_BYTES = 64 * 1024
#: Seconds a stream's redaction may take, waiting for a worker included; past it the stream
#: is stored as a note saying so, never unredacted. A cancelled caller's result gets less.
OUTPUT_REDACT_BUDGET = 120.0
CANCELLED_REDACT_BUDGET = 5.0
#: Results with long output redacted and written at once (each holds two streams' text).
OUTPUT_SLOTS = 2


def _open_spool(path: str) -> int:
    """A descriptor to append to the spool file at ``path``, created 0600 (it holds command
    lines, like the store). Its name is predictable and its folder may be shared (an SQLite
    store in /tmp), so a planted name is never written through: a symlink is not followed
    (O_NOFOLLOW), a FIFO does not block (O_NONBLOCK), and a file that is not a regular one
    with a single link, owned by this process's user, is refused (OSError) — else the gate
    could append to, or make readable, any file its user may write."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.geteuid():
            raise OSError(errno.EPERM, "a planted file (not a regular file of ours) is there")
        os.fchmod(fd, 0o600)  # an earlier spool of ours, written before this was 0600
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


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
        with os.fdopen(_open_spool(path), "a") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        for line in lines:
            log.critical("unrecorded event: %s", line)
        return f"<log: could not write {path}: {exc}>"
    return path


def _listed(lines: tuple[str, ...], most: int = 5) -> str:
    """``lines`` joined, at most ``most`` of them (a job may plant thousands of hooks)."""
    more = f"; and {len(lines) - most} more" if len(lines) > most else ""
    return "; ".join(lines[:most]) + more


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


def _secret_refusal(blocking: list[Finding]) -> Verdict:
    rules = sorted({f.rule_id for f in blocking})
    decision = Decision(
        verdict="deny",
        code="EG-SECRET-DETECTED",
        rule="scan:" + ",".join(rules),
        reason=describe(blocking),
    )
    return Verdict(decision, None)


def _fingerprint(request: ExecRequest) -> str:
    d = attrs.asdict(request)
    d.pop("job_id")
    d["stdin"] = d["stdin"].hex() if d["stdin"] is not None else None
    return json.dumps(d, sort_keys=True, default=str)


class Pipeline:
    """Runs requests through an open gate's actors (see the module's docstring)."""

    def __init__(
        self,
        *,
        policy: Policy,
        config: GateConfig,
        sup: Supervisor,
        containment: str,
        store_url: str,
        host_id: str,
    ) -> None:
        self.policy = policy
        self.config = config
        self.sup = sup
        #: The containment mechanism jobs run under (reported on every result).
        self.containment = containment
        self.store_url = store_url
        self.host_id = host_id
        self._grants: dict[str, Grant] = {}
        self._idempotent: OrderedDict[str, tuple[str, Reply[ExecResult]]] = OrderedDict()
        self._unrecorded: list[Event] = []
        #: Results with long output being redacted or written (see ``_record_result``).
        self._output_slots = anyio.CapacityLimiter(OUTPUT_SLOTS)
        self._policy_guard = PolicyGuard.for_source(policy.source, policy.root)
        self._git_guard = GitGuard(policy.root) if policy.root else None
        #: Where shutdown saved events the store would not take (None: nothing was lost).
        self.spooled_to: str | None = None

    @property
    def unrecorded_events(self) -> int:
        """Result/error events waiting for the shutdown's retry (the store refused them)."""
        return len(self._unrecorded)

    async def _record(self, events: Records) -> None:
        """Wait for the recorder to make ``events`` durable, at most ``record_timeout``: the
        Recorder answers every call by its deadline (see ``actors/recorder.py``), so the
        wait needs no cancel scope of its own."""
        deadline = anyio.current_time() + self.config.record_timeout
        call: Call[Records, None] = Call(events, deadline=deadline)
        if not await self.sup.recorder.send(call, deadline):
            raise recorder_timed_out(self.config.record_timeout)
        await call.reply.wait()

    async def _record_decision(self, req: ExecRequest, event: Event, *, allowed: bool) -> None:
        """Record a decision, as :meth:`_record`. A caller that gets no job because it was
        cancelled meanwhile, or because the Recorder did not confirm in time, may still see
        its decision written (the Recorder writes every call it took, however late): an
        allow decision is given its outcome, ``EG-NOT-STARTED``, if and only if it is
        written, so that every allowed decision has exactly one."""
        lost = self.sup.lease_error()
        if lost is not None:  # the store would refuse it: nothing is written, nothing runs
            raise lost
        deadline = anyio.current_time() + self.config.record_timeout
        sequel: Sequel[Records] | None = Sequel() if allowed else None
        call: Call[Records, None] = Call((event,), deadline=deadline, sequel=sequel)
        try:
            if not await self.sup.recorder.send(call, deadline):
                raise recorder_timed_out(self.config.record_timeout)
            await call.reply.wait()
        except BaseException as exc:
            if sequel is not None:
                why = (
                    f"its decision was not confirmed: {exc.message}"
                    if isinstance(exc, ExecgateError)
                    else "cancelled while its decision was being recorded"
                )
                with anyio.CancelScope(shield=True):
                    await self._not_started_after(req, sequel, why)
            raise

    async def _not_started_after(self, req: ExecRequest, sequel: Sequel[Records], why: str) -> None:
        """Give an allow decision whose job will not run its outcome. Queued behind the
        decision in the Recorder, it is written right after it, on the writer thread, if
        and only if the decision is -- past the caller's deadline included; where the
        decision is known written already, recorded now; where it is known not written (or
        never reached the Recorder), not at all."""
        exc = NotStarted(why)
        outcome = error_event(req, exc.code, exc.message)
        if sequel.add((outcome,)) == "done":
            await self._record_outcome(outcome)

    async def check(self, req: ExecRequest) -> Decision:
        """Scan and decide without running; the decision is recorded as a dry run."""
        verdict, findings = await self._decide(req)
        event = decision_event(req, verdict, findings, level=self._level(req), dry_run=True)
        await self._record((event,))
        return verdict.decision

    async def record_refusal(
        self,
        error: ExecgateError,
        rule: str,
        request: ExecRequest | None = None,
        *,
        session_id: str | None = None,
        tool: str | None = None,
    ) -> None:
        """Record a refusal (see ``Gate.record_refusal``)."""
        if request is None:
            extra = {"tool": tool} if tool else {}
            event = refusal_event(session_id, error.code, rule, error.message, **extra)
        else:
            d = Decision(verdict="deny", code=error.code, rule=rule, reason=error.message)
            # scanned as every recorded request is (a secret the shell would build included);
            # a request the Scanner cannot read is recorded without its text
            try:
                findings = await self.sup.scanner.ask(request)
            except ExecgateError:
                findings = []
                if request.command is not None:
                    request = attrs.evolve(request, command=MARKER)
                elif request.argv:
                    request = attrs.evolve(request, argv=(request.argv[0], MARKER))
            event = decision_event(request, Verdict(d, None), findings, level=self._level(request))
        await self._record((event,))

    async def run_idempotent(self, req: ExecRequest) -> ExecResult:
        """:meth:`run` once per idempotency key: a repeat (the same request) gets the first
        one's result or refusal; a failure or cancellation may be retried."""
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
            result = await self.run(req)
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

    async def _decide(self, req: ExecRequest) -> tuple[Verdict, list[Finding]]:
        too_large = self.policy.limits.oversize(req)
        if too_large is not None:
            raise RequestTooLarge(too_large)
        findings = await self.sup.scanner.ask(req)
        blocking = refusing(findings, self.policy.scanner.reject_confidence)
        if blocking:
            return _secret_refusal(blocking), findings
        verdict = await self.sup.gatekeeper.ask(req)
        # words only the decision made (a glob expanded in the workspace) are scanned too
        expanded = expanded_findings(req, verdict)
        if expanded:
            findings = findings + expanded
            blocking = refusing(expanded, self.policy.scanner.reject_confidence)
            if blocking:
                return _secret_refusal(blocking), findings
        # A reason may quote an argument; a secret the Scanner only redacts (below the reject
        # threshold) must not reach an exception, the CLI or the log through it.
        reason = redact_text(verdict.decision.reason)
        if reason != verdict.decision.reason:
            verdict = attrs.evolve(verdict, decision=attrs.evolve(verdict.decision, reason=reason))
        return verdict, findings

    async def run(
        self,
        req: ExecRequest,
        control: JobControl | None = None,
        admitted: Callable[[ExecPlan], None] | None = None,
    ) -> ExecResult:
        """The pipeline of one request. ``admitted`` is called once the allow decision is
        durable, just before the job is handed to the Runner; ``control`` may carry an output
        sink."""
        verdict, findings = await self._decide(req)
        if verdict.decision.verdict == "ask":
            verdict = await self._approve(req, verdict, findings)
        # Fail closed: the decision is durable before anything runs, or nothing runs.
        try:
            await self._record_decision(
                req,
                decision_event(req, verdict, findings, level=self._level(req)),
                allowed=verdict.decision.allowed and verdict.plan is not None,
            )
        except RecorderUnavailable as exc:
            # the store being away is how a gate loses its lease: say so, once it is lost
            lost = self.sup.lease_error()
            if lost is None or isinstance(exc, LeaseLost):
                raise
            raise lost from exc
        if not verdict.decision.allowed or verdict.plan is None:
            raise refusal_for(verdict.decision)
        plan = verdict.plan
        lost = self.sup.lease_error()
        if lost is not None:
            # lost while its decision was being written: it gets its outcome, and never runs
            await self._record_error(req, lost)
            raise lost
        control = control or JobControl()
        if admitted is not None:
            admitted(plan)
        call: Call[JobOrder, JobOutcome] = Call((plan, control))
        git_before = self._git_state()
        try:
            await self.sup.runner.send(call)
        except ExecgateError as exc:
            await self._record_error(req, exc)
            raise
        except BaseException:
            # Cancelled while queued for a Runner slot: nothing started. Every allow decision
            # gets exactly one outcome event, so say so.
            with anyio.CancelScope(shield=True):
                err = NotStarted("cancelled while waiting for a Runner slot")
                await self._record_error(req, err)
            raise
        try:
            outcome = await call.reply.wait()
        except ExecgateError as exc:
            with anyio.CancelScope(shield=True):
                await self._guard_files(req, plan.job_id, git_before)
                await self._record_error(req, exc)
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
                        await self._guard_files(req, plan.job_id, git_before)
                        await self._record_error(req, exc)
                    else:
                        await self._guard_files(req, plan.job_id, git_before)
                        await self._record_result(
                            req,
                            self._result(plan.job_id, req, verdict, outcome),
                            outcome,
                            CANCELLED_REDACT_BUDGET,
                        )
            raise
        await self._guard_files(req, plan.job_id, git_before)
        if outcome.killed_by == "lease_lost":
            # Stopped because the gate lost its lease: its caller gets the gate's error, not
            # a result (another gate may have marked it interrupted already). Its outcome is
            # offered to the store, which refuses it if the lease was recovered; it is then
            # kept for the shutdown's spool, as every unrecorded outcome is.
            error = self.sup.lease_error() or LeaseLost("this gate's lease is lost")
            error = LeaseLost(
                f"{error.message}. Job {plan.job_id} was stopped (TERM, then KILL after "
                f"{plan.limits.kill_grace:g}s) after running {outcome.duration_ms / 1000:.1f}s: "
                "what it did may be partly done"
            )
            await self._record_error(req, error)
            raise error
        result = self._result(plan.job_id, req, verdict, outcome)
        recorded = await self._record_result(req, result, outcome)
        return result if recorded else attrs.evolve(result, recorded=False)

    def _git_state(self) -> GitState | None:
        """The workspace repository as the git guard sees it before a job (None: no guard,
        or the workspace cannot be looked at)."""
        if self._git_guard is None:
            return None
        try:
            return self._git_guard.before()
        except OSError:
            return None

    async def _guard_files(
        self, req: ExecRequest, job_id: str, git_before: GitState | None
    ) -> None:
        """After a job: the policy file's guard, then the workspace repository's."""
        await self._guard_policy(req, job_id)
        if self._git_guard is None or git_before is None:
            return
        try:
            tampered = self._git_guard.check(git_before)
        except OSError as exc:
            log.warning(
                "the git guard could not look at the workspace after job %s: %s", job_id, exc
            )
            return
        if tampered is None:
            return
        done, left = _listed(tampered.actions), _listed(tampered.failed)
        message = (
            f"job {job_id} planted git configuration or hooks that run a program"
            + (f"; set aside: {done}" if done else "")
            + (f"; NOT set aside: {left}" if left else "")
        )
        with contextlib.suppress(ExecgateError):
            await self._record((error_event(req, GitTampered.code, message),))

    async def _guard_policy(self, req: ExecRequest, job_id: str) -> None:
        """Put the policy file back if the job changed it, and record that it did."""
        if self._policy_guard is None:
            return
        tampered = self._policy_guard.check(job_id)
        if tampered is None:
            return
        kept = f"; its version is kept in {tampered.kept}" if tampered.kept else ""
        what = f"could not be restored ({tampered.failed})" if tampered.failed else "was restored"
        message = f"job {job_id} changed the policy file {tampered.path}; it {what}{kept}"
        with contextlib.suppress(ExecgateError):
            await self._record((error_event(req, PolicyTampered.code, message),))

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
            cancelled=o.killed_by in ("cancelled", "shutdown", "lease_lost"),
            killed_by=o.killed_by,
            limit_hit=_limit_hit(o.killed_by, -rc if rc < 0 else None, o.tree_limit),
            stdout_truncated_bytes=o.stdout_truncated_bytes,
            stderr_truncated_bytes=o.stderr_truncated_bytes,
            containment=self.containment,
            sandbox="on" if o.sandboxed else "degraded" if verdict.plan.sandbox else "off",
            connections=o.connections,
        )

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
        self, req: ExecRequest, verdict: Verdict, findings: list[Finding]
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
        if self.config.approver is None:
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
        await self._record((approval_event("approval_asked", req, d.rule, d.reason),))
        answer: ApprovalAnswer | None = None
        failure = "did not answer in time"
        with anyio.move_on_after(self.config.approval_timeout):
            try:
                answer = await self.config.approver(question)
            except Exception as exc:  # an approver that fails has not approved
                failure = f"failed ({type(exc).__name__})"
        scope = answer.scope if isinstance(answer, ApprovalAnswer) else "deny"
        why = f"approver {failure}" if answer is None else f"approver answered {scope}"
        await self._record(
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

    async def _record_outcome(self, event: Event, *extra: Event | OutputRecord) -> bool:
        """Record a result or error event, retrying; an event that still cannot be written is
        kept for the shutdown's last attempt (and spooled to a file if that fails too), never
        dropped. Once the gate's lease is lost, one attempt: the store refuses it (the lease
        was recovered) or is away (why it was lost), and the caller waits for it."""
        attempts = 1 if self.sup.lease_lost is not None else RESULT_WRITE_ATTEMPTS
        for attempt in range(attempts):
            try:
                await self._record((event, *extra))
                return True
            except LeaseLost:
                break  # refused for good (another gate recovered this one): no retry
            except ExecgateError:
                if attempt + 1 < attempts:
                    await anyio.sleep(0.05 * (attempt + 1))
        # the output record is not kept: it is optional; a job's connection events are
        self._unrecorded.extend([event, *(e for e in extra if isinstance(e, Event))])
        return False

    async def _record_result(
        self,
        req: ExecRequest,
        result: ExecResult,
        outcome: JobOutcome,
        budget: float = OUTPUT_REDACT_BUDGET,
    ) -> bool:
        level = self._level(req)
        if level != "commands_plus_redacted_output" or (
            max(len(result.stdout), len(result.stderr)) <= OFFLOAD_OUTPUT_BYTES
        ):
            output = (
                self._stored_inline(result, outcome)
                if level == "commands_plus_redacted_output"
                else None
            )
            event, record = result_records(req, result, level, output)
            # made after the result event, so that they follow it in the store's order
            connections = connection_events(req, result)
            return await self._record_outcome(event, *connections, *([record] if record else []))
        # Long output: a few at a time, from redaction until written, so that the gate holds
        # the stored text (and the database driver's copy of it) of a few jobs, not of every
        # job that ended at once.
        start = anyio.current_time()
        slot = False
        with anyio.move_on_after(budget):
            await self._output_slots.acquire()
            slot = True
        try:
            left = max(0.0, budget - (anyio.current_time() - start))
            if slot:
                output = (
                    await self._stored(
                        result.stdout, outcome.stdout_cut, outcome.stdout_truncated_bytes, left
                    ),
                    await self._stored(
                        result.stderr, outcome.stderr_cut, outcome.stderr_truncated_bytes, left
                    ),
                )
            else:
                note = withheld_output(f"no redaction worker was free within {budget:g}s")
                output = (note if result.stdout else None, note if result.stderr else None)
            event, record = result_records(req, result, level, output)
            del output
            connections = connection_events(req, result)
            return await self._record_outcome(event, *connections, *([record] if record else []))
        finally:
            if slot:
                self._output_slots.release()

    @staticmethod
    def _stored_inline(
        result: ExecResult, outcome: JobOutcome
    ) -> tuple[StoredText | None, StoredText | None]:
        return (
            stored_output(result.stdout, outcome.stdout_cut, outcome.stdout_truncated_bytes),
            stored_output(result.stderr, outcome.stderr_cut, outcome.stderr_truncated_bytes),
        )

    async def _stored(
        self, data: bytes, cut: tuple[int, int] | None, truncated: int, budget: float
    ) -> StoredText | None:
        """A stream as stored (``stored_output``); a long one is redacted in a worker
        process, at most ``budget`` seconds, else stored as a note that it was not."""
        if len(data) <= OFFLOAD_OUTPUT_BYTES:
            return stored_output(data, cut, truncated)
        try:
            return await self.sup.output_pool.run(budget, stored_output, data, cut, truncated)
        except BudgetExceeded:
            why = f"redacting it took longer than {budget:g}s"
        except WorkerDied as exc:
            why = f"redacting it failed ({exc})"
        log.warning("a job's output was not stored: %s", why)
        return withheld_output(why)

    def _level(self, req: ExecRequest) -> LogLevel:
        return req.log_level or self.policy.recorder.level

    async def _record_error(self, req: ExecRequest, exc: ExecgateError) -> None:
        await self._record_outcome(error_event(req, exc.code, exc.message))

    async def flush_unrecorded(self) -> None:
        """Shutdown's last attempt at events that failed earlier; spool what still fails."""
        if not self._unrecorded:
            return
        pending, self._unrecorded = self._unrecorded, []
        try:
            await self._record(tuple(pending))
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


class Intake:
    """Whether the gate takes a request, and how many it holds.

    :meth:`enter` before a request and :meth:`leave` after it (however it ended); closing
    stops new ones and :meth:`wait_idle` waits for the rest.
    """

    def __init__(self) -> None:
        #: Set when the gate opens.
        self.pipeline: Pipeline | None = None
        self.closing = False
        self.in_flight = 0
        self._idle = anyio.Event()

    def enter(self) -> Pipeline:
        """Take one request, or raise ``GateClosed`` (not open, closing, closed), the
        supervisor's ``SupervisorFailed``, or ``LeaseLost`` once the gate's lease is lost."""
        pipeline = self.pipeline
        if pipeline is None:
            raise GateClosed("the gate is not open: use `async with Gate.open(...) as gate`")
        failure: SupervisorFailed | None = pipeline.sup.failure
        if failure is not None:
            raise failure
        lost = pipeline.sup.lease_error()
        if lost is not None:
            raise lost
        if self.closing:
            raise GateClosed("the gate is closed; open a new one")
        self.in_flight += 1
        if self._idle.is_set():
            self._idle = anyio.Event()
        return pipeline

    def leave(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Until no request is in flight (at once if none is)."""
        if self.in_flight:
            await self._idle.wait()


__all__ = ["IDEMPOTENCY_CACHE", "Intake", "Pipeline"]
