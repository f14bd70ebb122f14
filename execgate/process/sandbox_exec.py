"""execgate's secure-mode launcher: confine this process, then exec the job's program.

The fallback where the native spawn helper (``_native.c``, which does the same between clone
and exec) is absent. Run as ``python -I -S sandbox_exec.py CONFIG_JSON -- PROGRAM ARGS...``,
already in the job's cgroups; CONFIG is built by ``_sandbox.launcher_config`` from the values
of ``_confine`` (the binds of the minimal root, the Landlock paths, the seccomp program) and
carries the job's rlimits, set here just before exec so that they bind the program and not
this launcher. Standard library only (it runs isolated, without site-packages), and it never
returns into Python code it did not write: any failure exits 125 with one line on stderr,
before the program runs (fail closed).

In order:

1. join the gate's network namespace (``netns``: made once per gate, empty, ``lo`` down; with
   ``proxy``, the job's own, whose only socket is its proxy's)
   while this process still has the host's privileges, so the job holds none over it (no
   raw sockets); then ``unshare`` new user, mount, PID, UTS and IPC namespaces (and a new
   network namespace when no shared one was given and ``network`` is false), mapping the
   caller's uid/gid to root inside: no capability of the host is left;
   with ``handoff`` (network by domain where the gate cannot make the job's namespace):
   the new network namespace's ``lo`` up, a TCP socket listening on the proxy's address
   (``listen``) in it, sent to the gate over the unix socket at ``handoff`` and closed here,
   before anything of the job runs: no socket of it is left to the program;
2. fork: the child is PID 1 of the new PID namespace; the parent stays outside, ignores
   TERM/INT/HUP (the gate signals the program itself) and ends the way the program did
   (PID 1 reports it through a pipe);
3. in the child: build the minimal root on a tmpfs (see ``_confine``) with the host's root
   reachable only while it is built, then ``pivot_root`` into it and detach the host's;
4. fork again: PID 1 stays as the namespace's init (an init only gets signals it handles, so
   the program must not be PID 1 or the gate's SIGTERM would be dropped), reaps orphans and
   reports the program's status; the program (PID 2) gets SIGPIPE and SIGXFSZ back at their
   defaults, then Landlock over the new root (reads beneath ``read``, writes beneath
   ``write``, no TCP without ``network`` (ABI >= 4; with ``proxy``, no TCP bind), no signals
   or abstract unix sockets out of its domain (ABI >= 6), ``no_new_privs`` first: PID 1 is
   outside that domain), the job's rlimits and the seccomp filter, then ``execve`` replaces
   it.
"""

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 1024, 2048, 4096, 0x4000
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
MNT_DETACH = 2
#: statvfs flags a bind made in a user namespace must keep (the kernel locks them)
LOCKED = ((os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
          (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))  # fmt: skip
RO, RW, LINK = 0, 1, 2  # bind kinds (see _confine)
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SYS_SETNS, SYS_PIVOT_ROOT = 308, 155
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
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]  # fmt: skip


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


def landlock(read: list[str], write: list[str], network: bool, proxy: bool) -> None:
    abi = libc.syscall(SYS_CREATE_RULESET, None, 0, 1)
    if abi < 1:
        fail("Landlock is not available")
    handled = fs_rights(abi)
    attr = RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        size = 16
        if not network:
            # with a proxy in the job's namespace: no TCP bind, and connect to it alone (the
            # namespace holds nothing else)
            attr.handled_access_net = NET_BIND_TCP | (0 if proxy else NET_CONNECT_TCP)
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


def _enc(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    if libc.mount(_enc(source), _enc(target), _enc(fstype), flags, _enc(data)) != 0:
        fail(f"mount {target}")


def bind(source: str, target: str, readonly: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    elif not os.path.lexists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
    mount(source, target, None, MS_BIND | MS_REC)
    if readonly:
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
        held = os.statvfs(target).f_flag
        for st, ms in LOCKED:
            if held & st:
                flags |= ms
        mount(None, target, None, flags)


def build_root(binds: list[tuple[int, str, str]]) -> None:
    """Make the minimal root (see ``_confine``) and pivot into it. The host's root stays
    reachable as ``/old`` only while the binds are made, then it is detached."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    for name in ("/tmp/new", "/tmp/old"):
        os.mkdir(name)
    if libc.syscall(SYS_PIVOT_ROOT, b"/tmp", b"/tmp/old") != 0:
        fail("pivot_root (staging)")
    os.chdir("/")
    mount("tmpfs", "/new", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    os.mkdir("/new/proc")
    mount("proc", "/new/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in ("/new/proc/sys", "/new/proc/sysrq-trigger"):
        if not os.path.exists(path):  # a kernel without magic SysRq
            continue
        mount(path, path, None, MS_BIND)
        mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.mkdir("/new/tmp")
    mount("tmpfs", "/new/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    os.mkdir("/new/dev")
    mount("tmpfs", "/new/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755")
    for name in DEVICES:
        if os.path.exists("/old/dev/" + name):  # a host without it (a minimal container)
            bind("/old/dev/" + name, "/new/dev/" + name, readonly=False)
    os.mkdir("/new/dev/pts")
    mount(
        "devpts",
        "/new/dev/pts",
        "devpts",
        MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620",
    )
    os.mkdir("/new/dev/shm")
    mount("tmpfs", "/new/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    for target, name in (("pts/ptmx", "ptmx"), ("/proc/self/fd", "fd"),
                         ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
                         ("/proc/self/fd/2", "stderr")):  # fmt: skip
        os.symlink(target, "/new/dev/" + name)
    for kind, source, target in binds:
        inside = "/new" + target
        if kind == LINK:
            os.makedirs(os.path.dirname(inside), exist_ok=True)
            os.symlink(source, inside)
        else:
            bind("/old" + source, inside, readonly=kind == RO)
    os.chdir("/new")
    if libc.syscall(SYS_PIVOT_ROOT, b".", b".") != 0:
        fail("pivot_root")
    if libc.umount2(b".", MNT_DETACH) != 0:
        fail("detach the host's root")
    os.chdir("/")


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def seccomp(program: bytes) -> None:
    prog = SockFprog(len(program) // 8, program)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        fail("seccomp")


def hand_over_listener(path: str, host: str, port: int, backlog: int) -> None:
    """In the job's new network namespace: ``lo`` up, a TCP socket listening on ``host``:
    ``port``, sent to the gate's unix socket at ``path`` (made by this launcher's parent,
    or nothing is sent); both closed here."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        got = struct.unpack("16sH14x", fcntl.ioctl(s, siocgifflags, req))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", got | iff_up))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((host, port))
        listener.listen(backlog)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as gate:
            gate.settimeout(10)
            gate.connect(path)
            # the gate started this launcher: a socket anyone else made there is not heard
            creds = gate.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            if struct.unpack("3i", creds)[0] != os.getppid():
                raise OSError("the socket there is not the gate's")
            if socket.send_fds(gate, [b"L"], [listener.fileno()]) != 1:
                raise OSError("the gate did not take the socket")


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
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC
    if config.get("netns"):
        # Joined before the user namespace exists: the job then holds no capability over
        # this network namespace (it belongs to the host's user namespace).
        try:
            netns = os.open(config["netns"], os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            fail("open the gate's network namespace")
        if libc.syscall(SYS_SETNS, netns, CLONE_NEWNET) != 0:
            fail("setns")
        os.close(netns)
    elif not config["network"]:
        flags |= CLONE_NEWNET
    handoff = config.get("handoff")
    if handoff and (config.get("netns") or config["network"] or not config.get("proxy")):
        sys.stderr.write("execgate-sandbox: a proxy handoff needs a network namespace of its own\n")
        os._exit(125)
    if libc.unshare(flags) != 0:
        fail("unshare")
    try:
        write_file("/proc/self/setgroups", "deny")
        write_file("/proc/self/uid_map", f"0 {uid} 1")
        write_file("/proc/self/gid_map", f"0 {gid} 1")
    except OSError:
        fail("user namespace maps")
    if handoff:
        try:
            hand_over_listener(handoff, *config["listen"])
        except OSError as exc:
            sys.stderr.write(f"execgate-sandbox: proxy socket: {exc.strerror or exc}\n")
            os._exit(125)
    # The child becomes PID 1 of the new namespace. PID 1 is not the program: a namespace's
    # init gets only the signals it has a handler for (kill(2) from outside included), so a
    # program running as PID 1 would shrug off the gate's SIGTERM and only die at SIGKILL,
    # after the whole grace period. PID 1 is this launcher, and it tells the outer process
    # how the program ended through a pipe (PID 1 cannot die of a signal it sends itself).
    status_r, status_w = os.pipe()
    init = fork()
    if init:
        os.close(status_w)
        status = wait_for(init, reap_all=False)
        reported = os.read(status_r, 16)
        end_like(int.from_bytes(reported, "little") if len(reported) == 4 else status)
    os.close(status_r)
    try:
        build_root(config["binds"])
    except OSError as exc:
        sys.stderr.write(f"execgate-sandbox: minimal root: {exc}\n")
        os._exit(125)
    os.chdir(config["cwd"])
    program = fork()
    if program:
        status = wait_for(program, reap_all=True)
        os.write(status_w, status.to_bytes(4, "little"))
        os._exit(0)
    # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across exec:
    # give the program the defaults it would have had (as subprocess's restore_signals does
    # for jobs that are not confined).
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    # The program alone: PID 1 stays outside its Landlock domain, so the program can neither
    # read PID 1's memory or environment nor signal it.
    landlock(config["read"], config["write"], config["network"], config.get("proxy", False))
    for res, soft, hard in config.get("rlimits", []):
        try:
            resource.setrlimit(res, (soft, hard))
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"execgate-sandbox: setrlimit {res}: {exc}\n")
            os._exit(125)
    if config.get("seccomp"):
        seccomp(bytes.fromhex(config["seccomp"]))
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        sys.stderr.write(f"execgate-sandbox: cannot run {argv[0]}: {exc.strerror}\n")
        os._exit(127 if isinstance(exc, FileNotFoundError) else 126)


def fork() -> int:
    try:
        return os.fork()
    except OSError as exc:  # e.g. the job's pids limit: nothing of the program ran
        sys.stderr.write(f"execgate-sandbox: fork: {exc.strerror}\n")
        sys.stderr.flush()
        os._exit(125)


def wait_for(child: int, *, reap_all: bool) -> int:
    """Return ``child``'s wait status; as a namespace's init (``reap_all``), collect every
    orphan that ends meanwhile.

    TERM/INT/HUP are ignored here, not passed on: the gate signals every process of the job
    itself (cgroup or process group), so the program already has its one copy. Passing it on
    again made a program that handles SIGTERM get two or three, and a late one can land while
    its handler is shutting it down and kill it (exit 3 reported as signal 15). Ignoring them
    also keeps this launcher alive to report how the program ended. (Set after the fork, so
    the program does not inherit it.)"""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.waitpid(-1 if reap_all else child, 0)
        except ChildProcessError:
            os._exit(125)
        if pid == child:
            return status


def end_like(status: int) -> None:
    """Exit the way a process with wait status ``status`` ended."""
    if os.WIFSIGNALED(status):
        dead = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):  # SIGKILL has no disposition to reset
            signal.signal(dead, signal.SIG_DFL)
        # Dying of the program's SIGSEGV or SIGABRT is a report, not a crash of ours: no core
        # file of this launcher in the workspace.
        with contextlib.suppress(OSError, ValueError):
            _, hard = resource.getrlimit(resource.RLIMIT_CORE)
            resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        os.kill(os.getpid(), dead)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 125)


if __name__ == "__main__":
    main()
