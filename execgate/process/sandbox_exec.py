"""execgate's secure-mode launcher: confine this process, then exec the job's program.

Run as ``python -I -S sandbox_exec.py CONFIG_JSON -- PROGRAM ARGS...`` by the spawn shim, after
the shim has joined the job's cgroups and set its rlimits. Standard library only (it runs
isolated, without site-packages), and it never returns into Python code it did not write:
any failure exits 125 with one line on stderr, before the program runs (fail closed).

In order:

1. ``unshare`` new mount, PID and (unless ``network`` is true) network namespaces — plus a
   user namespace when not root, mapping the caller's uid/gid to root inside;
2. fork: the child is PID 1 of the new PID namespace; the parent stays outside, forwards
   TERM/INT/HUP to it and exits with its status (or dies of its signal);
3. in the child: make mounts private, mount a fresh ``/proc`` (only the job's processes are
   visible), and bring nothing up in the empty network namespace (no interface but a down
   ``lo``: every connect fails);
4. Landlock: reads and executes only beneath ``read`` paths, writes only beneath ``write``
   paths (the workspace and a private temp dir), no TCP bind/connect without ``network``
   (ABI >= 4), no signals or abstract unix sockets to processes outside the sandbox
   (ABI >= 6); ``no_new_privs`` first;
5. ``execve`` the program.
"""

import ctypes
import json
import os
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
RULE_PATH_BENEATH = 1

# Landlock filesystem rights, and the ABI that introduced the last ones.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 16, 32, 64, 128, 256
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 512, 1024, 2048, 4096
REFER, TRUNCATE, IOCTL_DEV = 8192, 16384, 32768  # ABI 2, 3, 5
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2  # ABI 4
SCOPE_ABSTRACT_UNIX, SCOPE_SIGNAL = 1, 2  # ABI 6

libc = ctypes.CDLL(None, use_errno=True)


def fail(what: str) -> None:
    err = ctypes.get_errno()
    sys.stderr.write(f"execgate-sandbox: {what}: {os.strerror(err) if err else 'failed'}\n")
    sys.stderr.flush()
    os._exit(125)


def fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


def landlock(read: list[str], write: list[str], network: bool) -> None:
    abi = libc.syscall(SYS_CREATE_RULESET, None, 0, 1)
    if abi < 1:
        fail("Landlock is not available")
    handled = fs_rights(abi)
    attr = RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        size = 16
        if not network:
            attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
    if abi >= 6:
        size = 24
        attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL
    fd = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if fd < 0:
        fail("landlock_create_ruleset")
    read_rights = EXECUTE | READ_FILE | READ_DIR
    for paths, rights in ((read, read_rights), (write, handled)):
        for path in paths:
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path that does not exist grants nothing
            allowed = rights
            if not os.path.isdir(path):
                allowed &= FILE_RIGHTS
            rule = PathBeneath(allowed & handled, pfd)
            if libc.syscall(SYS_ADD_RULE, fd, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
                fail(f"landlock_add_rule {path}")
            os.close(pfd)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        fail("no_new_privs")
    if libc.syscall(SYS_RESTRICT_SELF, fd, 0) != 0:
        fail("landlock_restrict_self")
    os.close(fd)


def write_file(path: str, data: str) -> None:
    with open(path, "w") as f:
        f.write(data)


def main() -> None:
    config = json.loads(sys.argv[1])
    argv = sys.argv[3:]
    if sys.argv[2] != "--" or not argv:
        sys.stderr.write("execgate-sandbox: usage: CONFIG -- PROGRAM ARGS...\n")
        os._exit(125)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWPID
    if not config["network"]:
        flags |= CLONE_NEWNET
    if uid != 0:
        flags |= CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        fail("unshare")
    if uid != 0:
        try:
            write_file("/proc/self/setgroups", "deny")
            write_file("/proc/self/uid_map", f"0 {uid} 1")
            write_file("/proc/self/gid_map", f"0 {gid} 1")
        except OSError:
            fail("user namespace maps")
    child = os.fork()
    if child:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda s, _f: os.kill(child, s))
        while True:
            try:
                _, status = os.waitpid(child, 0)
                break
            except ChildProcessError:
                os._exit(125)
            except InterruptedError:
                continue
        if os.WIFSIGNALED(status):
            dead = os.WTERMSIG(status)
            signal.signal(dead, signal.SIG_DFL)
            os.kill(os.getpid(), dead)
        os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 125)
    # PID 1 of the job's namespace from here on.
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        fail("private mounts")
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        fail("mount /proc")
    landlock(config["read"], config["write"], config["network"])
    os.chdir(config["cwd"])
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        sys.stderr.write(f"execgate-sandbox: cannot run {argv[0]}: {exc.strerror}\n")
        os._exit(127 if isinstance(exc, FileNotFoundError) else 126)


if __name__ == "__main__":
    main()
