"""Secure mode for the Runner: how a job is confined on this host, and whether it can be.

A confined job runs in new user (root inside, the invoking uid outside: no host capability),
mount, PID, UTS and IPC namespaces, in the gate's empty network namespace (made once per
process, see :func:`shared_netns`; a fresh one per job where this process cannot make it;
with ``allow_domains``, one of its own holding only its proxy, made by the gate or, where
the gate cannot, by the launcher, which hands the proxy's socket over: ``_proxy``),
inside the minimal root of ``_confine`` with Landlock and a seccomp filter on top. The native
spawn helper does all of it between clone and exec; where it is absent, the launcher
(``sandbox_exec.py``) does the same from :func:`launcher_config`. Either way the job's pids
cgroup allows the confiner's own two processes (outside the PID namespace, and its init) on
top of the job's ``processes``.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping

import attrs

from ..models import ExecPlan, Limits
from ._confine import LINK, TMP, landlock_paths, root_binds, seccomp_program
from ._proxy import MAX_CONNECTIONS, PROXY_HOST, PROXY_PORT
from ._tree import rlimit_values

HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox_exec.py")
#: Processes of the confiner itself in a job's tree (outside the namespace, and its init):
#: a ``processes`` limit counts the job's own, so its pids cgroup allows these on top.
LAUNCHER_PROCESSES = 2
_CLONE_NEWNET = 0x40000000
#: CLONE_NEWUSER | NEWNS | NEWPID | NEWUTS | NEWIPC: every confined job's own namespaces
_UNSHARE = 0x10000000 | 0x00020000 | 0x20000000 | 0x04000000 | 0x08000000
_SYS_SETNS = 308
# Landlock filesystem rights (the ABI that brought the last ones: 2, 3, 5)
_LL_EXECUTE, _LL_WRITE_FILE, _LL_READ_FILE, _LL_READ_DIR = 1, 2, 4, 8
_LL_REFER, _LL_TRUNCATE, _LL_IOCTL_DEV = 8192, 16384, 32768
_LL_FILE_RIGHTS = _LL_EXECUTE | _LL_WRITE_FILE | _LL_READ_FILE | _LL_TRUNCATE | _LL_IOCTL_DEV


@attrs.frozen
class Confinement:
    """One job's confinement, as both confiners take it (see ``_confine``)."""

    #: (kind, source, path inside) in mount order.
    binds: tuple[tuple[int, str, str], ...]
    #: Landlock's read and write paths, as seen inside.
    read: tuple[str, ...]
    write: tuple[str, ...]
    network: bool
    #: An fd of the gate's network namespace to join, or None (a new one per job, or the
    #: host's with ``network``).
    netns: int | None
    #: The seccomp program (``struct sock_filter`` array) or None.
    seccomp: bytes | None
    #: ``netns`` is the job's own, holding its proxy (network by domain, see ``_proxy``):
    #: Landlock then refuses TCP binds only, so the job can connect to its proxy.
    proxy: bool = False
    #: With ``proxy`` and no ``netns``: the path of the gate's :class:`~._proxy.Handoff`.
    #: The launcher then makes the job's network namespace itself (inside the job's user
    #: namespace), brings ``lo`` up, listens on the proxy's address and sends the listening
    #: socket there, before anything of the job runs. The launcher alone does this.
    handoff: str | None = None


_netns_lock = threading.Lock()
_netns: list[int | None] = []


def shared_netns() -> int | None:
    """An fd of this process's empty network namespace for confined jobs (``lo`` down: no
    address can be reached, not even another job's), made on first use; None where this
    process may not make one (no CAP_SYS_ADMIN: each job then gets its own, inside its user
    namespace). Made in the host's user namespace, so a job holds no capability over it."""
    with _netns_lock:
        if not _netns:
            _netns.append(_make_netns())
        return _netns[0]


def _make_netns() -> int | None:
    libc = ctypes.CDLL(None, use_errno=True)
    # unshare(CLONE_NEWNET) moves only the calling thread: take a fd of the new namespace,
    # then put the thread back where it was.
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.unshare(_CLONE_NEWNET) != 0:
            return None
        try:
            made = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        finally:
            if libc.syscall(_SYS_SETNS, home, _CLONE_NEWNET) != 0:
                # cannot happen for a thread that just left it; never run on in the wrong one
                os.abort()
        return made
    finally:
        os.close(home)


@functools.cache
def landlock_abi() -> int:
    """This kernel's Landlock ABI version, 0 without Landlock."""
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION)
    return max(int(abi), 0)


def _landlock_values(network: bool, proxy: bool) -> tuple[int, int, int, int, int, int]:
    """(attr size, handled fs, handled net, scoped, read rights, file rights) for this ABI."""
    abi = landlock_abi()
    if abi < 1:
        return (0, 0, 0, 0, 0, 0)
    handled = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
    for since, right in ((2, _LL_REFER), (3, _LL_TRUNCATE), (5, _LL_IOCTL_DEV)):
        if abi >= since:
            handled |= right
    size, net, scoped = 8, 0, 0
    if abi >= 4:
        size, net = 16, 0 if network else 1 if proxy else 3  # BIND_TCP | CONNECT_TCP
    if abi >= 6:
        size, scoped = 24, 3  # abstract unix sockets, signals
    read = _LL_EXECUTE | _LL_READ_FILE | _LL_READ_DIR
    return (size, handled, net, scoped, read, _LL_FILE_RIGHTS)


#: The confined program's oom_score_adj under the native helper: the highest, so the OOM
#: killer picks a job's process before the helper's, whose memory is this process's.
PROGRAM_OOM_SCORE_ADJ = b"1000"


def native_is_safe_for(memory_bytes: int | None) -> bool:
    """Whether the native helper may confine a job with this memory cgroup limit. Its child
    shares this process's memory (its OOM badness is this process's resident size), while a
    job process's is at least the limit (``PROGRAM_OOM_SCORE_ADJ``): the job's OOM killer
    can only pick the child, and so kill this process, when this process is resident beyond
    the limit. Jobs limited below twice this process's resident size take the launcher."""
    if memory_bytes is None:
        return True
    try:
        with open("/proc/self/statm", "rb") as f:
            resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return False
    return memory_bytes > 2 * resident


#: What the native spawn helper takes as its ``confine`` argument (see ``_native.c``).
NativeConfinement = tuple[
    bytes, list[bytes], list[bytes], list[bytes], list[bytes], bytes, int, int,
    tuple[int, int, int, int, int, int], bytes, bytes, bytes,
]  # fmt: skip


def native_confinement(c: Confinement) -> NativeConfinement:
    """``c`` as the native spawn helper's ``confine`` argument: the binds with the host's
    root under ``/old`` and the new one under ``/new`` while it is built (as the launcher
    does), each kind with whether its source is a directory. Not for a ``handoff``."""
    if c.handoff is not None:
        raise ValueError("a proxy handed over by the job's confiner needs the launcher")
    kinds = bytearray()
    sources, targets = [], []
    for kind, src, dst in c.binds:
        if kind == LINK:
            kinds.append(kind)
            sources.append(os.fsencode(src))
        else:
            kinds.append(kind | (os.path.isdir(src) << 4))
            sources.append(os.fsencode("/old" + src))
        targets.append(os.fsencode("/new" + dst))
    unshare = _UNSHARE | (_CLONE_NEWNET if c.netns is None and not c.network else 0)
    return (
        bytes(kinds),
        sources,
        targets,
        [os.fsencode(p) for p in c.read],
        [os.fsencode(p) for p in c.write],
        c.seccomp or b"",
        -1 if c.netns is None else c.netns,
        unshare,
        _landlock_values(c.network, c.proxy),
        f"0 {os.getuid()} 1".encode(),
        f"0 {os.getgid()} 1".encode(),
        PROGRAM_OOM_SCORE_ADJ,
    )


#: Directories no confined job may read: the flight recorders' (see :func:`protect`).
_protected: set[str] = set()


def protect(directory: str) -> None:
    """Keep ``directory`` (a flight recorder's) out of every confined job's reach, even when
    a program's install prefix holds it (a program in ``~/bin`` has ``~`` as its prefix)."""
    _protected.add(os.path.realpath(directory))


def _holds_protected(prefix: str) -> bool:
    inside = prefix.rstrip("/") + "/"
    return any(p == prefix or p.startswith(inside) for p in _protected)


def _prefixes(program: str) -> list[str]:
    """The install prefixes of ``program``: of the path it was found at (a virtualenv's
    ``.venv/bin/pytest`` → ``.venv``, whose site-packages it needs) and of the file it
    resolves to (``/opt/py/bin/python3.11`` → ``/opt/py``, its standard library). A prefix
    that holds a protected directory is narrowed to the program's own directory."""
    found = []
    for path in (os.path.abspath(program), os.path.realpath(program)):
        prefix = os.path.dirname(os.path.dirname(path))
        if _holds_protected(os.path.realpath(prefix)):
            prefix = os.path.dirname(path)
            if _holds_protected(os.path.realpath(prefix)):
                continue
        if prefix not in ("/", "") and prefix not in found:
            found.append(prefix)
    return found


def _opener_paths(plan: ExecPlan) -> list[str]:
    """What a canonical script's redirection opener needs inside the root: the program (and,
    for its Python twin, the interpreter's prefix)."""
    from ..policy._opener import OPENER  # imported late: the launcher does not load the policy

    if len(plan.argv) != 3 or plan.argv[1] != "-c" or OPENER[0] not in plan.argv[2]:
        return []
    if len(OPENER) == 1:
        return [OPENER[0]]
    return [*_prefixes(OPENER[0]), OPENER[-1]]


def confinement(
    plan: ExecPlan, proxy_netns: int | None = None, handoff: str | None = None
) -> Confinement:
    """The confinement of ``plan`` (``plan.sandbox`` must be set); ``proxy_netns``: the
    job's own network namespace, with its proxy (see ``_proxy``), or ``handoff``: where the
    launcher sends the proxy's socket from the namespace it makes for the job."""
    assert plan.sandbox is not None
    read = [*plan.sandbox.read, *_prefixes(plan.argv[0]), *_opener_paths(plan)]
    write = list(plan.sandbox.write)
    network = plan.sandbox.network
    if network:
        # the resolver's file where /etc/resolv.conf points out of /etc (systemd-resolved:
        # /run/systemd/resolve/stub-resolv.conf): that file alone, not its directory
        resolver = os.path.realpath("/etc/resolv.conf")
        if not resolver.startswith("/etc/"):
            read.append(resolver)
    ll_read, ll_write = landlock_paths(read, write)
    if handoff is not None and (network or proxy_netns is not None):
        raise ValueError("a handoff is for a job with no network and no namespace given")
    if proxy_netns is not None or network or handoff is not None:
        netns = proxy_netns
    else:
        netns = shared_netns()
    return Confinement(
        binds=tuple(root_binds(read, write, plan.sandbox.hide)),
        read=tuple(ll_read),
        write=tuple(ll_write),
        network=network,
        netns=netns,
        seccomp=seccomp_program(),
        proxy=proxy_netns is not None or handoff is not None,
        handoff=handoff,
    )


def probe_confinement(handoff: str) -> Confinement:
    """The least confinement, with a proxy handed over to ``handoff``: for a probe."""
    return Confinement(
        binds=tuple(root_binds([], [])),
        read=tuple(landlock_paths([], [])[0]),
        write=(),
        network=False,
        netns=None,
        seccomp=seccomp_program(),
        proxy=True,
        handoff=handoff,
    )


def confined_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the private temp directory (a tmpfs inside) as HOME and TMPDIR."""
    return {**env, "TMPDIR": TMP, "HOME": TMP}


def launcher_config(c: Confinement, cwd: str, limits: Limits | None) -> str:
    """The launcher's CONFIG argument for ``c``."""
    return json.dumps(
        {
            "binds": [list(b) for b in c.binds],
            "read": list(c.read),
            "write": list(c.write),
            "network": c.network,
            "proxy": c.proxy,
            "netns": None if c.netns is None else f"/proc/{os.getpid()}/fd/{c.netns}",
            "seccomp": None if c.seccomp is None else c.seccomp.hex(),
            "cwd": cwd,
            # set by the launcher right before exec: they bind the program, not the launcher
            "rlimits": rlimit_values(limits) if limits is not None else [],
            **(
                {"handoff": c.handoff, "listen": [PROXY_HOST, PROXY_PORT, MAX_CONNECTIONS]}
                if c.handoff is not None
                else {}
            ),
        }
    )


def tree_limits(limits: Limits) -> Limits:
    """The limits the job's cgroups get when it runs confined: ``processes`` plus the
    launcher's own (the rlimits are the launcher's to set, see ``sandbox_argv``)."""
    if limits.processes is None:
        return limits
    return attrs.evolve(limits, processes=limits.processes + LAUNCHER_PROCESSES)


def layers() -> list[tuple[str, bool, str]]:
    """Each layer of secure mode on this host, as ``execgate doctor`` reports it:
    (what, present, detail). Blocking (the first call probes the launcher)."""
    from ._confine import DENIED_X86_64
    from ._proxy import proxy_support
    from ._spawn import native_confine_usable

    ok, _why = support()
    abi = landlock_abi()
    netns = shared_netns()
    landlock = f"ABI {abi}" + ("; TCP rules" if abi >= 4 else "; no TCP rules (ABI < 4)")
    if abi >= 6:
        landlock += "; signals and abstract sockets scoped"
    return [
        ("secure: set up by", ok, "the native spawn helper, between clone and exec"
         if native_confine_usable() else "the Python launcher (no native helper here)"),
        ("secure: user namespace", ok,
         f"root inside = uid {os.getuid()} outside, no host capability"),
        ("secure: PID, UTS, IPC namespaces", ok, "per job"),
        ("secure: mount root", ok, "pivot_root into a tmpfs: system dirs read-only, workspace, "
         "private /tmp, minimal /dev, fresh /proc; no /run, no homes"),
        ("secure: seccomp", ok and seccomp_program() is not None,
         f"{len(DENIED_X86_64)} system calls refused" if seccomp_program() is not None
         else "no filter for this architecture"),
        ("secure: Landlock", ok and abi > 0, landlock if abi else "not in this kernel"),
        ("secure: network namespace", ok,
         "one empty namespace per gate process, joined by each job" if netns is not None
         else "a new one per job (this process cannot make a shared one)"),
        ("secure: network by domain (proxy)", *proxy_support()),
    ]  # fmt: skip


def sandbox_argv(plan: ExecPlan, c: Confinement) -> list[str]:
    """The argv that runs ``plan.argv`` confined by the launcher."""
    config = launcher_config(c, plan.cwd, plan.limits)
    return [sys.executable, "-I", "-S", HELPER, config, "--", *plan.argv]


def support_known() -> tuple[bool, str] | None:
    """What :func:`support` found, once it has run in this process; None before (then call
    it from a worker thread). Lets a job skip the thread hop once the answer is known."""
    info = support.cache_info()
    return support() if info.currsize else None


@functools.cache
def support() -> tuple[bool, str]:
    """(available, why not): runs the launcher once with ``/bin/true`` (cached per process;
    blocking, so call it from a worker thread)."""
    c = Confinement(
        binds=tuple(root_binds([], [])),
        read=tuple(landlock_paths([], [])[0]),
        write=(),
        network=False,
        netns=shared_netns(),
        seccomp=seccomp_program(),
    )
    config = launcher_config(c, "/", None)
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", HELPER, config, "--", "/bin/true"],
            capture_output=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"the sandbox launcher did not run: {exc}"
    if proc.returncode != 0:
        return False, proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}"
    return True, "namespaces (user, mount, pid, uts, ipc, net) + minimal root + Landlock"


__all__ = [
    "HELPER",
    "LAUNCHER_PROCESSES",
    "Confinement",
    "NativeConfinement",
    "confined_env",
    "confinement",
    "landlock_abi",
    "launcher_config",
    "layers",
    "native_confinement",
    "native_is_safe_for",
    "probe_confinement",
    "protect",
    "sandbox_argv",
    "shared_netns",
    "support",
    "support_known",
    "tree_limits",
]
