"""Running one job under hard limits. The Runner actor calls :func:`run_job` once per job.

Guarantees, on every exit path (normal exit, timeout, stop request, cancellation of the
calling task, an exception):

* the child never inherits the host's stdin, stdout or stderr: each is a pipe or /dev/null;
* the child leads its own session and process group and is contained (see ``_tree``);
* on timeout, stop request or cancellation: SIGTERM to every process of the job, up to
  ``kill_grace`` seconds for the whole tree to exit, then SIGKILL to whatever is left;
* when the main process exits, descendants still holding the output pipes get
  :data:`LINGER` seconds to finish, then they are killed: a background ``&`` cannot hang us;
* at most ``max_output_bytes`` of each stream are kept (head and tail), memory stays bounded;
* when ``run_job`` returns or raises, no process of the job is left alive (within the
  containment mechanism's guarantee).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping

import anyio
import attrs
from anyio.abc import ByteReceiveStream, ByteSendStream, Process

from ..errors import ContainmentFailed, NotStarted, SandboxUnavailable, SpawnFailed
from ..models import ExecPlan, KillReason, OutputStream, ProxyConnection
from ._capture import CappedBuffer
from ._proxy import JobProxy, proxy_env
from ._sandbox import (
    Confinement,
    NativeConfinement,
    confined_env,
    confinement,
    native_confinement,
    native_is_safe_for,
    sandbox_argv,
)
from ._sandbox import support as sandbox_support
from ._sandbox import support_known as sandbox_support_known
from ._sandbox import tree_limits as confined_tree_limits
from ._spawn import (
    ConfinementFailed,
    FdReceiveStream,
    FdSendStream,
    KilledAtBirth,
    LeanProcess,
    Placement,
    PlacementFailed,
    native_confine_usable,
    native_spawn_usable,
    spawn,
)
from ._tree import JobTree, rlimit_values
from ._watch import CHUNK, Watcher

#: The sandbox launcher's exit status when it could not confine (see sandbox_exec.py).
LAUNCHER_FAILED = 125
#: How long descendants may keep the output pipes open after the main process exited.
LINGER = 0.2
#: How long to wait for pipes to reach EOF after the whole tree was killed.
DRAIN_BOUND = 1.0
#: Bound on SIGKILL taking effect across the tree.
KILL_BOUND = 2.0
_POLL = 0.005


AnyProcess = Process | LeanProcess
AnyReceive = ByteReceiveStream | FdReceiveStream
AnySend = ByteSendStream | FdSendStream

#: Called with each chunk as it is read, before the cap applies; must not block.
OutputSink = Callable[[OutputStream, bytes], None]


@attrs.define(eq=False)
class JobControl:
    """The handle a caller uses to stop a running job (cancellation, shutdown) and, for a
    streamed job, to see its output as it arrives."""

    reason: KillReason | None = None
    stopped: anyio.Event = attrs.field(factory=anyio.Event)
    on_output: OutputSink | None = None
    #: Set by ``run_job`` once the main process exited on its own (no stop had ended it).
    exited: bool = False
    #: Set by ``run_job`` while it waits for the main process: called on a stop request
    #: (a callback, not a watcher task: one task fewer per job).
    _on_stop: Callable[[], object] | None = None

    def request_stop(self, reason: KillReason) -> None:
        if reason == "lease_lost" and self.exited:
            # It ended on its own before the gate lost its lease: its result stands (the
            # rest of its tree is ended anyway, as after every exit).
            return
        if self.reason is None:
            self.reason = reason
        self.stopped.set()
        if self._on_stop is not None:
            self._on_stop()


@attrs.frozen
class JobOutcome:
    returncode: int
    stdout: bytes
    stderr: bytes
    stdout_truncated_bytes: int
    stderr_truncated_bytes: int
    duration_ms: float
    killed_by: KillReason | None
    survivors: int
    #: A whole-tree limit the job ran into (``processes``: pids.max; ``memory_bytes``: OOM).
    tree_limit: str | None = None
    #: The job ran confined in secure mode.
    sandboxed: bool = False
    #: Network by domain: every connection the job asked its proxy for.
    connections: tuple[ProxyConnection, ...] = ()
    #: Where each stream was cut (``CappedBuffer.cut``): None when kept whole.
    stdout_cut: tuple[int, int] | None = None
    stderr_cut: tuple[int, int] | None = None


async def _pump(
    stream: AnyReceive,
    buf: CappedBuffer,
    on_overflow: Callable[[], None],
    name: OutputStream,
    sink: OutputSink | None,
) -> None:
    while True:
        try:
            chunk = await stream.receive(CHUNK)
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            return
        buf.feed(chunk)
        if sink is not None:
            sink(name, chunk)
        if buf.overflowed:
            on_overflow()


async def _feed(stream: AnySend, data: bytes) -> None:
    try:
        if data:
            await stream.send(data)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        pass  # the child closed its stdin: not our failure
    finally:
        with anyio.CancelScope(shield=True):
            await stream.aclose()


async def _exited_within(proc: AnyProcess, seconds: float) -> bool:
    with anyio.move_on_after(seconds):
        await proc.wait()
        return True
    return False


async def _wait_tree_empty(tree: JobTree, proc: AnyProcess, seconds: float) -> None:
    """Wait until the main process and, as far as the tree can tell, all others are gone."""
    deadline = anyio.current_time() + seconds
    if not await _exited_within(proc, seconds):
        return
    # Polling: the kernel offers no event for "the last process of this tree exited".
    while anyio.current_time() < deadline and tree.signal_all(0):  # noqa: ASYNC110
        await anyio.sleep(_POLL)


async def _kill_tree(tree: JobTree) -> int:
    """SIGKILL every process of the job until none is left; return survivors (0 normally)."""
    deadline = anyio.current_time() + KILL_BOUND
    while tree.kill_step():
        if anyio.current_time() > deadline:
            return max(1, tree.signal_all(0))
        await anyio.sleep(_POLL)
    return 0


#: How long a stop waits for a detached child to reach ``execve`` before killing it there.
START_BOUND = 0.1


async def terminate(tree: JobTree, proc: AnyProcess, grace: float) -> int:
    """TERM → grace → KILL on the whole tree; waits for the main process. Shield it."""
    if isinstance(proc, LeanProcess) and not await proc.wait_started(START_BOUND):
        # Still before its execve (stopped there?): not yet in its cgroup or session, so the
        # tree's signals would miss it; it has run nothing and has no children: kill it.
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    tree.signal_all(signal.SIGTERM)
    if grace > 0:
        await _wait_tree_empty(tree, proc, grace)
    survivors = await _kill_tree(tree)
    await proc.wait()
    return survivors


async def _until_exit(
    proc: AnyProcess, control: JobControl, waiting: Awaitable[object], deadline: float
) -> bool:
    """Phase 1: ``waiting`` until the main process exits, the deadline passes or a stop is
    asked. True when it exited; otherwise the stop's reason is set ("timeout" for the
    deadline) and the caller ends the job."""
    with anyio.CancelScope(deadline=deadline) as scope:
        control._on_stop = scope.cancel
        try:
            if control.stopped.is_set():
                scope.cancel()
            await waiting
        finally:
            control._on_stop = None
    if proc.returncode is None:
        if control.reason is None and scope.cancelled_caught:
            control.request_stop("timeout")
        return False
    control.exited = control.reason is None
    return True


async def _after_exit(
    tree: JobTree, until_eof: Callable[[], Awaitable[object]], at_eof: Callable[[], bool]
) -> int:
    """Phase 2: the main process is gone. Let the pipes drain, then end the rest of the tree.
    (Each step skips its cancel scope when there is nothing to wait for: the common case,
    and scopes cost the loop per job.) Returns the survivors of the kill."""
    survivors = 0
    if not at_eof():
        with anyio.move_on_after(LINGER):
            await until_eof()
    if tree.kill_step():
        with anyio.CancelScope(shield=True):
            survivors = await _kill_tree(tree)
    if not at_eof():
        with anyio.move_on_after(DRAIN_BOUND):
            await until_eof()
    return survivors


async def _pumped(
    proc: AnyProcess,
    tree: JobTree,
    control: JobControl,
    plan: ExecPlan,
    sources: list[tuple[AnyReceive, CappedBuffer, OutputStream]],
    deadline: float,
    on_overflow: Callable[[], None],
) -> int:
    """The job's life with a task per pipe (and one feeding stdin): when the job's task must
    do something else while output keeps coming (TERM → grace → KILL), or without a pidfd.
    Returns the survivors of the kill."""
    survivors = 0
    async with anyio.create_task_group() as io_tasks:
        pumps_done = anyio.Event()
        pumping = len(sources)

        async def pump(stream: AnyReceive, buf: CappedBuffer, name: OutputStream) -> None:
            nonlocal pumping
            try:
                await _pump(stream, buf, on_overflow, name, control.on_output)
            finally:
                pumping -= 1
                if pumping == 0:
                    pumps_done.set()

        for stream, buf, name in sources:
            io_tasks.start_soon(pump, stream, buf, name)
        if not sources:
            pumps_done.set()
        if proc.stdin is not None:
            io_tasks.start_soon(_feed, proc.stdin, plan.stdin or b"")

        if not await _until_exit(proc, control, proc.wait(), deadline):
            with anyio.CancelScope(shield=True):
                survivors = await terminate(tree, proc, plan.limits.kill_grace)
        survivors = max(survivors, await _after_exit(tree, pumps_done.wait, pumps_done.is_set))
        # A pipe held by a survivor: stop reading it; stdin nobody reads: stop feeding it.
        io_tasks.cancel_scope.cancel()
    return survivors


class StartAgain(ContainmentFailed):
    """The job's program never ran and starting it again will work (see
    :class:`~._spawn.KilledAtBirth`): whoever owns the job's containment retries it once,
    in a new job tree."""


def _not_started(
    plan: ExecPlan, exc: OSError
) -> ContainmentFailed | SpawnFailed | SandboxUnavailable:
    """The error for a job whose program never ran: ``exc`` from the spawn."""
    if isinstance(exc, ConfinementFailed):
        return SandboxUnavailable(
            f"secure mode could not confine the job: {exc.step}: {exc.strerror}"
        )
    if isinstance(exc, KilledAtBirth):
        return StartAgain(f"cannot put {plan.argv[0]!r} in its cgroups before it runs: "
                          f"{exc.strerror}")  # fmt: skip
    if isinstance(exc, PlacementFailed):
        what = "cgroups" if exc.step == "join" else "resource limits"
        return ContainmentFailed(
            f"cannot put {plan.argv[0]!r} in its {what} before it runs: {exc.strerror}"
        )
    return SpawnFailed(f"cannot start {plan.argv[0]!r}: {exc.strerror or exc}")


async def run_job(plan: ExecPlan, tree: JobTree, control: JobControl) -> JobOutcome:
    """Run ``plan`` to completion under its limits. See the module docstring for guarantees.

    Raises :class:`SpawnFailed` when the OS refuses to start the process and
    :class:`ContainmentFailed` when it cannot be contained (it is killed first). If the
    calling task is cancelled, the job is ended through TERM → grace → KILL before the
    cancellation propagates.
    """
    run_argv: tuple[str, ...] | list[str] = plan.argv
    run_env: Mapping[str, str] = plan.env
    confined = False
    native: NativeConfinement | None = None
    proxy: JobProxy | None = None
    if plan.sandbox is not None:
        known = sandbox_support_known()  # no thread hop once the host was probed
        if known is None:
            known = await anyio.to_thread.run_sync(sandbox_support)
        available, why = known
        if available:
            confined = True
            if plan.sandbox.allow_domains:
                proxy = await _open_proxy(plan, tree)
            try:
                c = _confinement(plan, proxy)
                # set up between clone and exec, no launcher (see native_is_safe_for); a
                # proxy handed over by the job's confiner needs the launcher
                if (
                    c.handoff is None
                    and native_confine_usable()
                    and native_is_safe_for(plan.limits.memory_bytes)
                ):
                    native = native_confinement(c)
                else:
                    run_argv = sandbox_argv(plan, c)
            except BaseException:
                if proxy is not None:
                    proxy.close()
                raise
            run_env = confined_env(plan.env)
            if proxy is not None:
                run_env = proxy_env(run_env)
        elif plan.sandbox.required:
            tree.close()
            raise SandboxUnavailable(f"secure mode is required but unavailable here: {why}")
    if proxy is None:
        return await _run_job(plan, tree, control, tuple(run_argv), run_env, confined, native)
    return await _proxied(
        proxy,
        lambda: _run_job(
            plan, tree, control, tuple(run_argv), run_env, confined, native, proxy.spawned
        ),
    )


def _confinement(plan: ExecPlan, proxy: JobProxy | None) -> Confinement:
    if proxy is None:
        return confinement(plan)
    if proxy.handoff is not None:
        return confinement(plan, handoff=proxy.handoff.path)
    return confinement(plan, proxy.netns)


async def _open_proxy(plan: ExecPlan, tree: JobTree) -> JobProxy:
    """The job's proxy (network by domain): in a namespace the gate makes, or one the job's
    launcher makes and hands the proxy's socket over from. Refuses the job where neither
    can be made: it never runs with more network, or less confinement, than its policy
    says."""
    assert plan.sandbox is not None
    try:
        return await JobProxy.open(plan.sandbox.allow_domains, plan.sandbox.allow_ports)
    except OSError as exc:
        tree.close()
        raise SandboxUnavailable(
            "allow_domains needs a network namespace per job with the proxy's socket in it, "
            f"which cannot be made here: {exc.strerror or exc}"
        ) from None


async def _proxied(proxy: JobProxy, job: Callable[[], Awaitable[JobOutcome]]) -> JobOutcome:
    """``job()`` with ``proxy`` serving it until it has ended (every process gone), then
    closed with all its connections; the outcome carries what the proxy recorded."""
    outcome: JobOutcome | None = None
    error: Exception | None = None
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(proxy.serve)
            try:
                outcome = await job()
            except Exception as exc:  # raised as is, not in a group
                error = exc
            finally:
                tg.cancel_scope.cancel()
    finally:
        proxy.close()
    if error is not None:
        raise error
    assert outcome is not None
    return attrs.evolve(outcome, connections=proxy.connections())


async def _run_job(
    plan: ExecPlan,
    tree: JobTree,
    control: JobControl,
    run_argv: tuple[str, ...],
    run_env: Mapping[str, str],
    confined: bool,
    native: NativeConfinement | None,
    spawned: Callable[[int], None] | None = None,
) -> JobOutcome:
    limits = plan.limits
    # Confined, the confiner's own processes are not the job's, and the launcher sets the
    # rlimits itself (the native helper sets them in the program alone).
    tree_limits = confined_tree_limits(limits) if confined else limits
    rlimits = not confined
    placement: Placement | None = None
    if native_spawn_usable():
        argv = list(run_argv)
        env, placement = tree.placement(run_env, tree_limits, rlimits=rlimits)
        if native is not None:  # the job's own rlimits, not its tree's (which count ours)
            placement = attrs.evolve(placement, rlimits=tuple(rlimit_values(limits)))
    else:
        argv, env = tree.wrap(run_argv, run_env, tree_limits, rlimits=rlimits)
    pipe, null = subprocess.PIPE, subprocess.DEVNULL
    if control.stopped.is_set():
        # Stopped while it was being set up (a probe, a proxy): it never starts. The last
        # await before the spawn is behind us, so a stop from now on reaches a started job.
        tree.close()
        raise NotStarted(f"the job was stopped ({control.reason}) before it started")
    try:
        # From the event loop's thread, waited on through a pidfd (see _spawn): synchronous,
        # so no cancellation can land between the start and the handle.
        lean = spawn(
            argv,
            stdin=plan.stdin is not None,
            stdout=plan.capture_stdout,
            stderr=plan.capture_stderr,
            cwd=plan.cwd,
            env=env,
            placement=placement,
            confine=native,
        )
        proc: AnyProcess
        if lean is not None:
            proc = lean
        else:  # no pidfds here: AnyIO's own process machinery, shielded for the same reason
            with anyio.CancelScope(shield=True):
                proc = await anyio.open_process(
                    argv,
                    stdin=pipe if plan.stdin is not None else null,
                    stdout=pipe if plan.capture_stdout else null,
                    stderr=pipe if plan.capture_stderr else null,
                    cwd=plan.cwd,
                    env=env,
                    start_new_session=True,
                )
    except OSError as exc:
        tree.close()
        raise _not_started(plan, exc) from None
    if spawned is not None:
        spawned(proc.pid)
    started = time.monotonic()
    out = CappedBuffer(limits.max_output_bytes)
    err = CappedBuffer(limits.max_output_bytes)
    survivors = 0
    sink = control.on_output

    def on_overflow() -> None:
        if limits.on_output_overflow == "kill":
            control.request_stop("output_limit")

    try:
        tree.adopt(proc.pid)
        timeout = limits.timeout if math.isfinite(limits.timeout) else math.inf
        deadline = anyio.current_time() + timeout
        sources: list[tuple[AnyReceive, CappedBuffer, OutputStream]] = []
        if proc.stdout is not None:
            sources.append((proc.stdout, out, "stdout"))
        if proc.stderr is not None:
            sources.append((proc.stderr, err, "stderr"))
        watched = False
        if isinstance(proc, LeanProcess) and proc.pidfd is not None and proc.stdin is None:
            # The common life of a job -- output, exit, EOF -- in this task alone.
            watched = True
            lean_sources = [(s, b, n) for s, b, n in sources if isinstance(s, FdReceiveStream)]
            watcher = Watcher(proc, proc.pidfd, lean_sources, sink, on_overflow)
            try:
                if await _until_exit(proc, control, watcher.until_exit(), deadline):
                    survivors = await _after_exit(tree, watcher.until_eof, watcher.at_eof)
                else:  # stopping it: the pump tasks read while it ends (see _watch)
                    sources = list(watcher.open_streams)
            finally:
                watcher.close()
        if not watched or proc.returncode is None:
            survivors = await _pumped(proc, tree, control, plan, sources, deadline, on_overflow)
    except BaseException:
        with anyio.CancelScope(shield=True):
            if proc.returncode is None:
                control.request_stop("cancelled")
                await terminate(tree, proc, limits.kill_grace)
            await _kill_tree(tree)
        raise
    finally:
        tree_limit = tree.limit_hit()
        if isinstance(proc, LeanProcess) and proc.returncode is not None:
            proc.close()  # reaped already: nothing to wait for, so no shielded scope
        else:
            with anyio.CancelScope(shield=True):
                await proc.aclose()
        # Killed by SIGKILL, not by us (we would have written cgroup.kill: see kill_step):
        # perhaps through its cgroup, which then must not hold another job.
        tree.close(reusable=proc.returncode != -signal.SIGKILL)
    assert proc.returncode is not None
    if isinstance(proc, LeanProcess) and (failure := proc.spawn_failure()) is not None:
        raise _not_started(plan, failure)  # detached: it stopped before its execve
    if confined and proc.returncode == LAUNCHER_FAILED:
        first = err.value().split(b"\n", 1)[0]
        if first.startswith(b"execgate-sandbox: "):
            # The launcher refused before the program's first instruction: nothing ran.
            raise SandboxUnavailable(
                f"secure mode could not confine the job: {first.decode(errors='replace')}"
            )
    duration = (time.monotonic() - started) * 1000.0
    return JobOutcome(
        returncode=proc.returncode,
        stdout=out.value(),
        stderr=err.value(),
        stdout_truncated_bytes=out.dropped,
        stderr_truncated_bytes=err.dropped,
        stdout_cut=out.cut,
        stderr_cut=err.cut,
        duration_ms=duration,
        killed_by=control.reason,
        survivors=survivors,
        tree_limit=tree_limit,
        sandboxed=confined,
    )


__all__ = ["ContainmentFailed", "JobControl", "JobOutcome", "run_job", "terminate"]
