"""What a confined job's world is made of, as plain values: the minimal root's binds, the
Landlock rules, the seccomp filter. Both confiners apply these same values -- the native spawn
helper (``_native.c``) between clone and exec, and the Python launcher (``sandbox_exec.py``)
where the helper is absent -- so the two cannot drift apart.

Rules stated once:

* The root is a fresh tmpfs holding only: read-only binds of the system directories that
  exist (a symlink such as ``/bin -> usr/bin`` is recreated as that symlink), of ``/etc``, of
  the program's install prefixes and of the policy's ``[sandbox] read`` paths; the workspace
  read-write; a private tmpfs ``/tmp`` (also ``HOME`` and ``TMPDIR``); a minimal ``/dev``; a
  fresh ``/proc`` whose ``sys`` and ``sysrq-trigger`` are read-only. Nothing else: no
  ``/run``, ``/var``, ``/home``, ``/root``, ``/sys`` -- so no host socket has a path inside.
* Landlock is the second layer: reads only beneath the read paths, writes only beneath the
  workspace, ``/tmp`` and a few devices; no TCP without ``network``.
* Seccomp (x86-64) refuses with EPERM the system calls a build never needs, in the style of
  Docker's default profile: kernel modules and kexec, bpf, perf, userfaultfd, keys, ptrace
  and cross-process memory, mount and every other namespace or root change after set-up,
  clock and host-name setting, swap, reboot, io_uring; ``clone3`` says ENOSYS (libc then
  uses ``clone``, whose namespace flags can be checked) and any other architecture's calls
  kill the process.
"""

from __future__ import annotations

import functools
import os
import platform
import struct

#: Directories bound read-only at their own path when they exist.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/etc")
#: Files of /etc the job may read (Landlock): not /etc/shadow, not the host's keys.
ETC_READ = tuple(
    "/etc/" + name
    for name in (
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ld.so.preload", "passwd", "group",
        "nsswitch.conf", "localtime", "timezone", "ssl", "ca-certificates", "hosts",
        "resolv.conf", "host.conf", "alternatives", "mime.types", "os-release", "protocols",
        "services", "terminfo", "inputrc", "magic", "gitconfig", "python3", "locale.alias",
        "environment", "profile", "bash.bashrc", "debian_version", "machine-id", "shells",
    )
)  # fmt: skip
#: Device nodes bound from the host's /dev (the rest of /dev is a tmpfs of symlinks).
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
DEVICES_WRITE = ("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/pts", "/dev/ptmx",
                 "/dev/shm")  # fmt: skip
#: The private temp directory inside (a tmpfs): also the job's HOME and TMPDIR.
TMP = "/tmp"

#: A bind's kind, as both confiners read it.
RO, RW, LINK = 0, 1, 2
Bind = tuple[int, str, str]  # (kind, source or link target, path inside)


def prefixes(program: str) -> list[str]:
    """The install prefixes of ``program``: of the path it was found at (a virtualenv's
    ``.venv/bin/pytest`` → ``.venv``, whose site-packages it needs) and of the file it
    resolves to (``/opt/py/bin/python3.11`` → ``/opt/py``, its standard library)."""
    found = []
    for path in (os.path.abspath(program), os.path.realpath(program)):
        prefix = os.path.dirname(os.path.dirname(path))
        if prefix not in ("/", "") and prefix not in found:
            found.append(prefix)
    return found


@functools.cache
def _system_binds() -> tuple[Bind, ...]:
    """The system directories of this host, as binds (looked at once per process: they do
    not come and go while a gate runs)."""
    binds: list[Bind] = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            binds.append((LINK, os.readlink(path), path))
        elif os.path.isdir(path):
            binds.append((RO, path, path))
    return tuple(binds)


def _covered(path: str, binds: list[Bind], kinds: tuple[int, ...]) -> bool:
    return any(
        k in kinds and (path == dst or path.startswith(dst.rstrip("/") + "/"))
        for k, _src, dst in binds
    )


def root_binds(read: list[str], write: list[str], hide: tuple[str, ...] = ()) -> list[Bind]:
    """The binds of a job's minimal root: the system directories, then ``read`` (read-only)
    and ``write`` (read-write) paths that exist, parents before children so a read-only
    prefix inside the workspace stays read-only. A read path already beneath a read-only
    bind is left out (one mount fewer); one beneath the workspace is bound again read-only.
    Each file of ``hide`` that exists gets ``/dev/null`` bound over it, read-only, last:
    the job reads it as empty and cannot write, rename or remove it."""
    binds = list(_system_binds())
    extra: list[Bind] = []
    for kind, paths in ((RW, write), (RO, read)):
        for given in paths:
            path = os.path.abspath(given)
            if path == "/" or not os.path.exists(path):
                continue
            if kind == RO and _covered(path, binds, (RO,)):
                continue
            # a symlinked system directory: what it names is bound under its own name
            if _covered(path, binds, (LINK,)):
                path = os.path.realpath(path)
            if any(dst == path for _k, _s, dst in extra):
                continue
            extra.append((kind, path, path))
    extra.sort(key=lambda b: (b[2].count("/"), b[2]))
    masks: list[Bind] = [(RO, "/dev/null", os.path.abspath(p)) for p in hide if os.path.isfile(p)]
    return binds + extra + masks


def landlock_paths(read: list[str], write: list[str]) -> tuple[list[str], list[str]]:
    """(read, write) paths for Landlock, as seen inside the minimal root."""
    system = [dst for kind, _src, dst in _system_binds() if dst != "/etc"]
    reads = [*system, *ETC_READ, "/proc", "/dev", *read]
    writes = [*write, TMP, *DEVICES_WRITE]
    return reads, writes


# --- seccomp ------------------------------------------------------------------------------

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_RET_KILL_PROCESS, _RET_ERRNO, _RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
_LD_ABS_W, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_EPERM, _ENOSYS = 1, 38
_CLONE = 56
_CLONE3 = 435
#: CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
_CLONE_NAMESPACES = 0x00020000 | 0x7E000000

#: x86-64 system calls refused with EPERM.
DENIED_X86_64 = {
    "ptrace": 101, "syslog": 103, "uselib": 134, "vhangup": 153, "pivot_root": 155,
    "_sysctl": 156, "adjtimex": 159, "chroot": 161, "acct": 163, "settimeofday": 164,
    "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
    "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173,
    "create_module": 174, "init_module": 175, "delete_module": 176, "get_kernel_syms": 177,
    "query_module": 178, "quotactl": 179, "nfsservctl": 180, "lookup_dcookie": 212,
    "clock_settime": 227, "kexec_load": 246, "add_key": 248, "request_key": 249,
    "keyctl": 250, "unshare": 272, "perf_event_open": 298, "name_to_handle_at": 303,
    "open_by_handle_at": 304, "clock_adjtime": 305, "setns": 308, "process_vm_readv": 310,
    "process_vm_writev": 311, "kcmp": 312, "finit_module": 313, "kexec_file_load": 320,
    "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "pidfd_getfd": 438,
    "mount_setattr": 442, "quotactl_fd": 443,
}  # fmt: skip


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


@functools.cache
def seccomp_program() -> bytes | None:
    """The filter as a classic BPF program (``struct sock_filter`` array), or None where
    this build has no table for the architecture (the job then runs without it; ``execgate
    doctor`` says so)."""
    if platform.machine() != "x86_64":
        return None
    denied = sorted(set(DENIED_X86_64.values()))
    # layout: arch check (3), load nr (1), x32 check (1), denials, clone3, clone check (3),
    # then ALLOW, EPERM, ENOSYS
    n_head = 5
    body_len = len(denied) + 1 + 3
    allow = n_head + body_len
    eperm, enosys = allow + 1, allow + 2
    prog = [
        _insn(_LD_ABS_W, 4),
        _insn(_JEQ, _AUDIT_ARCH_X86_64, 1, 0),
        _insn(_RET, _RET_KILL_PROCESS),
        _insn(_LD_ABS_W, 0),
    ]
    pc = 4
    prog.append(_insn(_JGE, _X32_BIT, eperm - pc - 1, 0))
    pc += 1
    for nr in denied:
        prog.append(_insn(_JEQ, nr, eperm - pc - 1, 0))
        pc += 1
    prog.append(_insn(_JEQ, _CLONE3, enosys - pc - 1, 0))
    pc += 1
    prog.append(_insn(_JEQ, _CLONE, 0, allow - pc - 1))
    pc += 1
    prog.append(_insn(_LD_ABS_W, 16))  # low half of args[0]: clone's flags
    pc += 1
    prog.append(_insn(_JSET, _CLONE_NAMESPACES, eperm - pc - 1, 0))
    pc += 1
    assert pc == allow
    prog += [
        _insn(_RET, _RET_ALLOW),
        _insn(_RET, _RET_ERRNO | _EPERM),
        _insn(_RET, _RET_ERRNO | _ENOSYS),
    ]
    return b"".join(prog)


__all__ = [
    "DEVICES",
    "LINK",
    "RO",
    "RW",
    "TMP",
    "Bind",
    "landlock_paths",
    "prefixes",
    "root_binds",
    "seccomp_program",
]
