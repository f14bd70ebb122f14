"""What this host offers execgate's process layer, as ``execgate doctor`` reports it.

Blocking: it creates and removes a cgroup, and the first call runs the sandbox launcher
once; call it from a worker thread in async code.
"""

from __future__ import annotations

import os
import shutil

import attrs


@attrs.frozen
class HostCheck:
    """One mechanism: its name, whether this host has it, and what that means here."""

    name: str
    ok: bool
    detail: str


@attrs.frozen
class HostSupport:
    """The process layer's mechanisms on this host.

    ``tree_kill``: a job's whole tree is ended by ``cgroup.kill`` (else by the process-group
    fallback, best effort). ``tree_limits``: the request limits enforced on the whole tree
    (``"processes"``, ``"memory_bytes"``). ``secure``: secure mode can confine jobs here.
    """

    checks: tuple[HostCheck, ...]
    tree_kill: bool
    tree_limits: frozenset[str]
    secure: bool


def host_support() -> HostSupport:
    """Probe the cgroup tree, the native spawn helper, the tree limits and secure mode."""
    from ._cglimits import TreeLimits
    from ._sandbox import layers, support
    from ._spawn import detach_works, native_spawn_usable
    from ._tree import CgroupContainment, _cgroup2_mount, _own_cgroup

    checks: list[HostCheck] = []
    cg = CgroupContainment.create()
    if cg is not None:
        checks.append(
            HostCheck("cgroup containment", True, f"{cg.base} (cgroup.kill ends whole trees)")
        )
        cg.close()
    else:
        mount, own = _cgroup2_mount(), _own_cgroup()
        why = "no cgroup2 mount" if mount is None else f"cannot create a child of {own} at {mount}"
        checks.append(
            HostCheck("cgroup containment", False, f"{why}; process-group fallback applies")
        )
    checks.append(
        HostCheck("process-group fallback", True, "killpg + subreaper sweep (best effort)")
    )
    if native_spawn_usable():
        detached = (
            "detached while other jobs run"
            if detach_works()
            else "waits for each exec (not x86-64)"
        )
        checks.append(
            HostCheck(
                "native spawn helper", True, f"cgroups joined between clone and exec; {detached}"
            )
        )
    else:
        why = (
            "off (EXECGATE_NATIVE_SPAWN=0)"
            if os.environ.get("EXECGATE_NATIVE_SPAWN") == "0"
            else "not built (installed without a C compiler) or kernel < 5.9"
        )
        checks.append(HostCheck("native spawn helper", False, f"{why}: jobs start through /bin/sh"))
    sh = shutil.which("sh", path="/bin:/usr/bin")
    checks.append(
        HostCheck("/bin/sh", os.path.exists("/bin/sh"), sh or "missing: no scripts, no limits")
    )
    tree = TreeLimits.create()
    try:
        enforced = frozenset(tree.enforced)
        for limit, controller in (("processes", "pids"), ("memory_bytes", "memory")):
            where = tree.bases.get(controller)
            detail = (
                f"{controller} cgroup under {os.path.dirname(where)}"
                if where
                else f"no writable {controller} controller: per-process rlimit only"
            )
            checks.append(HostCheck(f"{limit} on the whole tree", where is not None, detail))
    finally:
        tree.close()
    if "processes" not in enforced and os.geteuid() == 0:
        checks.append(HostCheck("processes (RLIMIT_NPROC)", False, "not enforced for root"))
    secure, why = support()
    checks.append(
        HostCheck("secure mode", secure, why if secure else f'{why}; secure = "required" refuses')
    )
    if secure:
        checks += [HostCheck(*layer) for layer in layers()]
    return HostSupport(
        checks=tuple(checks), tree_kill=cg is not None, tree_limits=enforced, secure=secure
    )
