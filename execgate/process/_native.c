/* execgate.process._native: start a job's process already inside its cgroups, with no shell.
 *
 * Cgroup containment must place a job's process in its cgroup before the program's first
 * instruction. Without native code that takes a /bin/sh shim that joins and then execs the
 * program: a second exec per job, which doubled the CPU every job's children cost. Here the
 * child does the joins itself, between clone() and execve().
 *
 * spawn(candidates, argv, envp, cwd, fds, join, rlimits, detach, into=-1, confine=None)
 *     -> (pid, pidfd, launch)
 *
 *   candidates  list[bytes]   paths to try execve() on, in order (PATH resolved by the caller)
 *   argv, envp  list[bytes]
 *   cwd         bytes
 *   fds         (int, int, int)  what becomes the child's 0, 1, 2 (each >= 3 in the parent,
 *                                or -1: /dev/null, opened by the child)
 *   join        list[bytes]   cgroup.procs files the child writes its own pid into
 *   rlimits     list[(int, int, int)]  (resource, soft, hard) set last, just before execve
 *   detach      bool          return at once instead of when the child has called execve
 *   into        int           an fd of a cgroup2 directory the child is created in
 *                             (clone3 with CLONE_INTO_CGROUP, Linux >= 5.7), or -1
 *   confine     tuple|None    secure mode (_sandbox.native_confinement; x86-64 builds,
 *                             CONFINE_WORKS, detached only): namespaces, the minimal root,
 *                             Landlock and seccomp, set up between clone and the program's
 *                             execve (see "Secure mode" below); the child then stays as the
 *                             program's reporter and started() means it is in its cgroups
 *
 * The child, before its program's first instruction: every signal the parent handles back
 * to its default (SIGPIPE and SIGXFSZ too; other ignored signals stay ignored, as subprocess
 * leaves them), setsid, its pid into every file of `join`, chdir, fds 0-2, close_range(3, ~0),
 * the rlimits, an empty signal mask, execve of each candidate as execvp would. Only system
 * calls, on memory the parent prepared (a private copy of every argument, and a stack of its
 * own); nothing allocated, no errno (raw system calls where the architecture allows it).
 *
 * Not detached (vfork semantics: CLONE_VFORK): when spawn() returns, the child has either
 * called execve() successfully -- or spawn() raised OSError and the child is gone and reaped.
 * The exception's errno is the failing call's and its filename names the step: "join",
 * "rlimit", "chdir", "setsid", "fds" or "exec". `launch` is None.
 *
 * Detached: spawn() returns while the child is still on its way to execve(), so the calling
 * thread (an event loop) runs on instead of waiting for each job's exec.
 * `launch` then owns the child's copy of the arguments and its stack until the child is past
 * execve or gone: started(launch) says whether it is (the kernel clears a word of ours at
 * that moment: CLONE_CHILD_CLEARTID), failure(launch) -- once the child is reaped -- returns
 * None or the (step, errno) it stopped at. A launch dropped while its child is still before
 * execve (stopped, say) is leaked on purpose: the child may still read it.
 *
 * Why the child shares our memory (CLONE_VM): starting it costs no page-table copy, whatever
 * the size of the host process. The price is discipline: the child touches only what the
 * parent prepared, reports failure through shared memory, and the parent blocks every signal
 * around clone so that the child starts with all signals blocked until it has put every
 * handled one back to its default: no handler of the host can ever run in it. Detached, the
 * child also runs beside the parent's thread, so it must not write the thread's errno (its
 * TLS is the parent thread's): that is why detach needs raw system calls (x86-64 here;
 * DETACH_WORKS says whether this build has them).
 *
 * Why `into` (INTO_CGROUP_WORKS: x86-64 builds, like detach): a child created in its cgroup
 * is never migrated. Writing a pid into cgroup.procs takes the kernel's cgroup
 * threadgroup lock for writing, which waits for an RCU grace period once the lock has been
 * idle for a while (as it is between an agent's commands), and every fork on the
 * machine -- this parent's next clone among them -- waits behind a write in progress.
 * Created in the cgroup, the child takes that lock only for reading, like any fork. If
 * clone3 fails, spawn raises OSError with filename "clone3" and no child exists: the caller
 * may try again with a join instead (a kernel or a seccomp filter without clone3 says
 * ENOSYS; one without CLONE_INTO_CGROUP, EINVAL). Linux 6.18 (seen here; by its source,
 * every kernel whose cgroup.kill bookkeeping is a sequence number, kill_seq) SIGKILLs a
 * child created in a cgroup whose kill count differs from that of the parent's own cgroup:
 * it compares the target's count with one it read from the parent's cgroup before it knew
 * the target.
 * Such a child never runs its first instruction: spawn raises OSError with filename "born"
 * (not detached), or failure() returns ("born", ECHILD) once it is reaped.
 */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#define EXECGATE_CLONE_INTO_CGROUP 0x200000000ULL

/* STAGE_BORN: the child never ran its first instruction (the parent sets it, the child
 * clears it first of all): the kernel killed it as it was created (see `into` above). */
enum stage { STAGE_NONE = 0, STAGE_JOIN, STAGE_RLIMIT, STAGE_CHDIR, STAGE_SETSID, STAGE_FDS,
             STAGE_EXEC, STAGE_BORN, STAGE_NETNS, STAGE_USERNS, STAGE_ROOT, STAGE_LANDLOCK,
             STAGE_SECCOMP, STAGE_INIT };
static const char *const stage_names[] = {"", "join", "rlimit", "chdir", "setsid", "fds",
                                          "exec", "born", "netns", "userns", "root",
                                          "landlock", "seccomp", "init"};

/* A system call that returns -errno on failure and never touches errno. */
#if defined(__x86_64__)
#define DETACH_WORKS 1
static inline long sys(long n, long a, long b, long c, long d) {
    unsigned long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return (long)ret;
}
static inline long sys5(long n, long a, long b, long c, long d, long e) {
    unsigned long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return (long)ret;
}
/* The kernel's struct sigaction (x86-64): not libc's, which has a 1024-bit mask. */
struct k_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};
static long reset_signal(int sig) {
    struct k_sigaction old, dfl = {0};
    long r = sys(SYS_rt_sigaction, sig, 0, (long)&old, sizeof old.mask);
    if (r < 0) return r; /* not a signal we may touch */
    if (old.handler == (void *)SIG_DFL) return 0;
    if (old.handler == (void *)SIG_IGN && sig != SIGPIPE && sig != SIGXFSZ) return 0;
    return sys(SYS_rt_sigaction, sig, (long)&dfl, 0, sizeof dfl.mask);
}
static long empty_mask(void) {
    unsigned long none = 0;
    return sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof none);
}
static long set_handler(int sig, void *handler) {
    struct k_sigaction act = {0};
    act.handler = handler;
    return sys(SYS_rt_sigaction, sig, (long)&act, 0, sizeof act.mask);
}
#define LAST_SIGNAL 64

/* The kernel's struct clone_args up to `cgroup` (CLONE_ARGS_SIZE_VER2, Linux >= 5.7). */
struct clone3_args {
    unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
        tls, set_tid, set_tid_size, cgroup;
};
/* long execgate_clone3(struct clone3_args *args, size_t size, int (*fn)(void *), void *arg)
 *
 * clone3 has no libc wrapper: the child starts on its new stack at the instruction after
 * `syscall`, so it must never return into this function's caller (whose frame is on the
 * parent's stack). It calls fn(arg) there and exits with its result. The parent gets the
 * child's pid or -errno. fn and arg ride in rdx and r8, which the syscall preserves; the
 * stack top the kernel gives the child (stack + stack_size) is page-aligned, as the ABI
 * wants it before a call. */
#define INTO_CGROUP_WORKS 1
__attribute__((visibility("hidden"))) long execgate_clone3(struct clone3_args *, size_t,
                                                           int (*)(void *), void *);
__asm__(".text\n"
        ".globl execgate_clone3\n"
        ".hidden execgate_clone3\n"
        ".type execgate_clone3, @function\n"
        "execgate_clone3:\n"
        "    movq %rcx, %r8\n"
        "    movl $435, %eax\n" /* SYS_clone3 */
        "    syscall\n"
        "    testq %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  xorl %ebp, %ebp\n"
        "    movq %r8, %rdi\n"
        "    call *%rdx\n"
        "    movl %eax, %edi\n"
        "    movl $60, %eax\n" /* SYS_exit */
        "    syscall\n"
        "    hlt\n"
        ".size execgate_clone3, .-execgate_clone3\n");
#else
/* Elsewhere libc's wrappers, which set errno: only for the non-detached (vfork) mode, in
 * which the parent's thread is suspended until the child has exec'd or exited. */
#define DETACH_WORKS 0
#define INTO_CGROUP_WORKS 0
static long sys(long n, long a, long b, long c, long d) {
    long r = syscall(n, a, b, c, d);
    return r < 0 ? -errno : r;
}
static long reset_signal(int sig) {
    struct sigaction old, dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    if (sigaction(sig, NULL, &old) != 0) return -errno;
    if (old.sa_handler == SIG_DFL) return 0;
    if (old.sa_handler == SIG_IGN && sig != SIGPIPE && sig != SIGXFSZ) return 0;
    return sigaction(sig, &dfl, NULL) == 0 ? 0 : -errno;
}
static long empty_mask(void) {
    sigset_t none;
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL) == 0 ? 0 : -errno;
}
#define LAST_SIGNAL (NSIG - 1)
#endif

/* Secure mode (see _confine.py, _sandbox.py): what the child builds before its program. */
struct confine {
    int enabled;
    Py_ssize_t n_binds;
    unsigned char *kinds; /* per bind: kind (0 read-only, 1 read-write, 2 symlink) | dir << 4 */
    char **src;           /* "/old/..." (the host's root while the new one is built) or a
                             symlink's target */
    char **dst;           /* "/new/..." */
    char **ll_read, **ll_write;
    char *seccomp;
    Py_ssize_t seccomp_len;
    int netns;         /* an fd of the gate's network namespace, or -1 */
    long unshare;      /* CLONE_NEW* flags */
    int ll_size;       /* sizeof the Landlock ruleset attr for this ABI, 0: no Landlock */
    unsigned long long handled_fs, handled_net, scoped, read_rights, file_rights;
    char *uid_map, *gid_map, *oom; /* oom: the program's oom_score_adj */
};

struct plan {
    struct confine c;
    char **candidates;
    char **argv;
    char **envp;
    const char *cwd;
    int fds[3];
    char **join;
    Py_ssize_t n_rlimits;
    int *rl_resource;
    struct rlimit *rl_value;
};

/* Everything the child reads or writes: one allocation, shared with the child until it is
 * past execve. */
struct launch {
    /* Nonzero until the child has exec'd or exited: the kernel clears it then and wakes any
     * futex waiter (CLONE_CHILD_CLEARTID). */
    volatile pid_t ctid;
    volatile int stage;
    volatile int err;
    struct plan plan;
    char *stack;
    int detached;
    /* Secure mode: the child (outside the new PID namespace) waits for its own child, the
     * namespace's init, which waits for the program; each runs on a stack of its own. */
    char *stack_init, *stack_program;
    volatile int entered;  /* the child is in its session and cgroups */
    volatile pid_t program_tid; /* cleared by the kernel when the program has exec'd */
    volatile int program_status, program_done;
    volatile int landlock_fd;
    /* the plan's arrays and strings follow */
};

/* Child stacks are reused: a clone costs no mmap. The child's frames take well under 4 KiB;
 * a guard page below each stack turns an overflow into a crash, never a write elsewhere. */
#define STACK_SIZE (64 * 1024)
#define GUARD_SIZE 4096
#define STACK_CACHE 16
static char *stack_cache[STACK_CACHE];
static int stacks_cached;

static char *take_stack(void) {
    if (stacks_cached) return stack_cache[--stacks_cached];
    char *base = mmap(NULL, STACK_SIZE + GUARD_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) return NULL;
    if (mprotect(base, GUARD_SIZE, PROT_NONE) != 0) {
        munmap(base, STACK_SIZE + GUARD_SIZE);
        return NULL;
    }
    return base;
}

static void give_stack(char *base) {
    if (stacks_cached < STACK_CACHE)
        stack_cache[stacks_cached++] = base;
    else
        munmap(base, STACK_SIZE + GUARD_SIZE);
}

static void free_launch(struct launch *l) {
    if (l->stack) give_stack(l->stack);
    if (l->stack_init) give_stack(l->stack_init);
    if (l->stack_program) give_stack(l->stack_program);
    PyMem_RawFree(l);
}

static _Noreturn void fail(struct launch *l, int stage, long err) {
    l->err = (int)-err;
    l->stage = stage;
    for (;;) sys(SYS_exit_group, 127, 0, 0, 0);
}

static long write_pid(const char *path) {
    char digits[24], text[24];
    int n = 0, len = 0;
    long value = sys(SYS_getpid, 0, 0, 0, 0);
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n) text[len++] = digits[--n];
    long fd = sys(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC, 0);
    if (fd < 0) return fd;
    long written = sys(SYS_write, fd, (long)text, len, 0);
    sys(SYS_close, fd, 0, 0, 0);
    if (written < 0) return written;
    return written == len ? 0 : -EIO;
}


/* As execvpe does: the first error that is not "no such file here" is the one to report. */
static _Noreturn void exec_candidates(struct launch *l) {
    const struct plan *p = &l->plan;
    long r = -ENOENT, saved = 0;
    for (char **path = p->candidates; *path; path++) {
        r = sys(SYS_execve, (long)*path, (long)p->argv, (long)p->envp, 0);
        if (r != -ENOENT && r != -ENOTDIR && saved == 0) saved = r;
    }
    fail(l, STAGE_EXEC, saved ? saved : r);
}

#if INTO_CGROUP_WORKS
/* Secure mode, in three processes that share this address space like the child (and so
 * follow its rules: system calls only, on memory the parent prepared):
 *
 *   the child      setsid, cgroups, fds; setns into the gate's network namespace while it
 *                  still holds the host's privileges; unshare user, mount, PID, UTS and IPC
 *                  namespaces; map its uid and gid to root inside; then waits (vfork) for
 *                  init and ends the way the program did;
 *   init (PID 1)   builds the minimal root and pivots into it, makes the Landlock ruleset,
 *                  starts the program (vfork) and reaps until it has exited;
 *   the program    (PID 2: an init gets only the signals it handles, and the gate's SIGTERM
 *                  must reach it) its cwd, rlimits, no_new_privs, Landlock, seccomp, execve.
 *
 * The child and init hold the job's output pipes until the program has exited, as the
 * program's own parent would. Both are in the job's cgroups and share the host process's
 * memory: the OOM killer must never pick the child (it would kill the host with it; init,
 * a vfork child of a process with its mm, is never picked). Lowering the child's
 * oom_score_adj would lower the host's too (the kernel keeps one value per mm), so the
 * program's is raised instead (`oom`: "1000"), and the caller keeps jobs whose memory
 * cgroup limit is small against the host's size on the launcher (see _job.py). */
#define CONFINE_WORKS 1
#ifndef MS_RELATIME
#define MS_RELATIME (1 << 21)
#endif
#define CLONE_NEWNET_FLAG 0x40000000

static long write_text(const char *path, const char *text) {
    long fd = sys(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC, 0);
    if (fd < 0) return fd;
    long len = (long)strlen(text);
    long written = sys(SYS_write, fd, (long)text, len, 0);
    sys(SYS_close, fd, 0, 0, 0);
    if (written < 0) return written;
    return written == len ? 0 : -EIO;
}

static long do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
                     const char *data) {
    return sys5(SYS_mount, (long)src, (long)dst, (long)type, (long)flags, (long)data);
}

static long make_dir(const char *path) {
    long r = sys(SYS_mkdirat, AT_FDCWD, (long)path, 0755, 0);
    return r == -EEXIST ? 0 : r;
}

/* Every missing directory above `path` (and `path` itself with `self`). The path is our own
 * copy: each '/' is turned into a NUL for one mkdir, then put back. */
static long make_dirs(char *path, int self) {
    for (char *c = path + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        long r = make_dir(path);
        *c = '/';
        if (r < 0) return r;
    }
    return self ? make_dir(path) : 0;
}

static long make_file(const char *path) {
    /* O_RDONLY: an existing file beneath a read-only bind is fine as it is */
    long fd = sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return fd;
    sys(SYS_close, fd, 0, 0, 0);
    return 0;
}

/* A bind made in a user namespace must keep the flags the kernel locked on its source. */
static long remount_readonly(const char *path, unsigned long extra) {
    struct statfs sf;
    long r = sys(SYS_statfs, (long)path, (long)&sf, 0, 0);
    if (r < 0) return r;
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | extra;
    if (sf.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sf.f_flags & ST_NOATIME) flags |= MS_NOATIME;
    if (sf.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sf.f_flags & ST_RELATIME) flags |= MS_RELATIME;
    return do_mount(NULL, path, NULL, flags, NULL);
}

#define TRY(call)                  \
    do {                           \
        if ((r = (call)) < 0) return r; \
    } while (0)

static long build_root(struct launch *l) {
    const struct confine *c = &l->plan.c;
    long r;
    static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char *const links[][2] = {
        {"pts/ptmx", "/new/dev/ptmx"},       {"/proc/self/fd", "/new/dev/fd"},
        {"/proc/self/fd/0", "/new/dev/stdin"}, {"/proc/self/fd/1", "/new/dev/stdout"},
        {"/proc/self/fd/2", "/new/dev/stderr"}};
    TRY(do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    /* staging: a tmpfs root holding the new root and, while it is built, the host's */
    TRY(do_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"));
    TRY(make_dir("/tmp/new"));
    TRY(make_dir("/tmp/old"));
    TRY(sys(SYS_pivot_root, (long)"/tmp", (long)"/tmp/old", 0, 0));
    TRY(sys(SYS_chdir, (long)"/", 0, 0, 0));
    TRY(do_mount("tmpfs", "/new", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"));
    TRY(make_dir("/new/proc"));
    TRY(do_mount("proc", "/new/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
    static const char *const proc_ro[] = {"/new/proc/sys", "/new/proc/sysrq-trigger"};
    for (int i = 0; i < 2; i++) {
        if (sys(SYS_access, (long)proc_ro[i], F_OK, 0, 0) < 0) continue; /* no SysRq */
        TRY(do_mount(proc_ro[i], proc_ro[i], NULL, MS_BIND, NULL));
        TRY(do_mount(NULL, proc_ro[i], NULL,
                     MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
    }
    /* PID 1 is init, whose memory is the host process's: its command line is the host's
     * (a store URL with a password, say), and the kernel shows it without a ptrace check */
    static const char *const masked[] = {"/new/proc/1/cmdline", "/new/proc/1/task/1/cmdline"};
    for (int i = 0; i < 2; i++) TRY(do_mount("/old/dev/null", masked[i], NULL, MS_BIND, NULL));
    TRY(make_dir("/new/tmp"));
    TRY(do_mount("tmpfs", "/new/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
    TRY(make_dir("/new/dev"));
    TRY(do_mount("tmpfs", "/new/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755"));
    for (int i = 0; i < 6; i++) {
        char from[32] = "/old/dev/", to[32] = "/new/dev/";
        memcpy(from + 9, devices[i], strlen(devices[i]) + 1);
        memcpy(to + 9, devices[i], strlen(devices[i]) + 1);
        if (sys(SYS_access, (long)from, F_OK, 0, 0) < 0) continue; /* a host without it */
        TRY(make_file(to));
        TRY(do_mount(from, to, NULL, MS_BIND, NULL));
    }
    TRY(make_dir("/new/dev/pts"));
    TRY(do_mount("devpts", "/new/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=0620"));
    TRY(make_dir("/new/dev/shm"));
    TRY(do_mount("tmpfs", "/new/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
    for (int i = 0; i < 5; i++) TRY(sys(SYS_symlink, (long)links[i][0], (long)links[i][1], 0, 0));
    for (Py_ssize_t i = 0; i < c->n_binds; i++) {
        int kind = c->kinds[i] & 0xf, dir = c->kinds[i] >> 4;
        if (kind == 2) {
            TRY(make_dirs(c->dst[i], 0));
            TRY(sys(SYS_symlink, (long)c->src[i], (long)c->dst[i], 0, 0));
            continue;
        }
        TRY(dir ? make_dirs(c->dst[i], 1) : make_dirs(c->dst[i], 0));
        if (!dir) TRY(make_file(c->dst[i]));
        TRY(do_mount(c->src[i], c->dst[i], NULL, MS_BIND | MS_REC, NULL));
        if (kind == 0) TRY(remount_readonly(c->dst[i], 0));
    }
    TRY(sys(SYS_chdir, (long)"/new", 0, 0, 0));
    /* the new root over the staging one, then the staging one (and the host's) detached */
    TRY(sys(SYS_pivot_root, (long)".", (long)".", 0, 0));
    TRY(sys(SYS_umount2, (long)".", MNT_DETACH, 0, 0));
    return sys(SYS_chdir, (long)"/", 0, 0, 0);
}

struct ll_attr {
    unsigned long long fs, net, scoped;
};
struct __attribute__((packed)) ll_path_beneath {
    unsigned long long allowed;
    int parent_fd;
};

/* The Landlock ruleset over the new root (its paths are opened here, after the pivot). */
static long landlock_ruleset(const struct confine *c) {
    struct ll_attr attr = {c->handled_fs, c->handled_net, c->scoped};
    long fd = sys(444 /* landlock_create_ruleset */, (long)&attr, c->ll_size, 0, 0);
    if (fd < 0) return fd;
    for (int list = 0; list < 2; list++) {
        unsigned long long rights = list ? c->handled_fs : c->read_rights;
        for (char **path = list ? c->ll_write : c->ll_read; *path; path++) {
            long pfd = sys(SYS_openat, AT_FDCWD, (long)*path, O_PATH | O_CLOEXEC, 0);
            if (pfd < 0) continue; /* a path that does not exist grants nothing */
            struct stat st;
            long r = sys(SYS_fstat, pfd, (long)&st, 0, 0);
            struct ll_path_beneath rule = {rights & c->handled_fs, (int)pfd};
            if (r == 0 && !S_ISDIR(st.st_mode)) rule.allowed &= c->file_rights;
            if (r == 0) r = sys(445 /* landlock_add_rule */, fd, 1, (long)&rule, 0);
            sys(SYS_close, pfd, 0, 0, 0);
            if (r < 0) {
                sys(SYS_close, fd, 0, 0, 0);
                return r;
            }
        }
    }
    return fd;
}

struct k_sock_fprog {
    unsigned short len;
    const void *filter;
};

static int confined_program(void *arg) {
    struct launch *l = arg;
    const struct plan *p = &l->plan;
    const struct confine *c = &p->c;
    long r;
    /* ignored by the child and init, which report how the program ended; not by it */
    set_handler(SIGTERM, SIG_DFL);
    set_handler(SIGINT, SIG_DFL);
    set_handler(SIGHUP, SIG_DFL);
    if (c->oom[0]) write_text("/proc/self/oom_score_adj", c->oom);
    if ((r = sys(SYS_chdir, (long)p->cwd, 0, 0, 0)) != 0) fail(l, STAGE_CHDIR, r);
    for (Py_ssize_t i = 0; i < p->n_rlimits; i++)
        if ((r = sys(SYS_prlimit64, 0, p->rl_resource[i], (long)&p->rl_value[i], 0)) != 0)
            fail(l, STAGE_RLIMIT, r);
    /* prctl wants its unused arguments zero: all four, so the fifth register too */
    if ((r = sys5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) != 0) fail(l, STAGE_LANDLOCK, r);
    if (l->landlock_fd >= 0) {
        if ((r = sys(446 /* landlock_restrict_self */, l->landlock_fd, 0, 0, 0)) != 0)
            fail(l, STAGE_LANDLOCK, r);
        sys(SYS_close, l->landlock_fd, 0, 0, 0);
    }
    if (c->seccomp_len) {
        struct k_sock_fprog prog = {(unsigned short)(c->seccomp_len / 8), c->seccomp};
        if ((r = sys(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, (long)&prog, 0)) != 0)
            fail(l, STAGE_SECCOMP, r);
    }
    empty_mask();
    exec_candidates(l);
}

static long start_vfork(struct launch *l, char *stack, int (*fn)(void *), int clear_tid) {
    struct clone3_args ca = {0};
    ca.flags = CLONE_VM | CLONE_VFORK | (clear_tid ? CLONE_CHILD_CLEARTID : 0);
    ca.child_tid = (unsigned long long)(uintptr_t)&l->program_tid;
    ca.exit_signal = SIGCHLD;
    ca.stack = (unsigned long long)(uintptr_t)(stack + GUARD_SIZE);
    ca.stack_size = STACK_SIZE;
    return execgate_clone3(&ca, sizeof ca, fn, l);
}

static int confined_init(void *arg) {
    struct launch *l = arg;
    long r;
    sys5(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* the child killed: the namespace too */
    if ((r = build_root(l)) < 0) fail(l, STAGE_ROOT, r);
    l->landlock_fd = -1;
    if (l->plan.c.ll_size) {
        if ((r = landlock_ruleset(&l->plan.c)) < 0) fail(l, STAGE_LANDLOCK, r);
        l->landlock_fd = (int)r;
    }
    long program = start_vfork(l, l->stack_program, confined_program, 1);
    if (program < 0) fail(l, STAGE_INIT, program);
    if (l->stage != STAGE_NONE) sys(SYS_exit_group, 127, 0, 0, 0); /* it never ran */
    if (l->landlock_fd >= 0) sys(SYS_close, l->landlock_fd, 0, 0, 0);
    for (;;) { /* as the namespace's init: every orphan is reaped here */
        int status = 0;
        long pid = sys(SYS_wait4, -1, (long)&status, 0, 0);
        if (pid == program) {
            l->program_status = status;
            l->program_done = 1;
            break;
        }
        if (pid < 0 && pid != -EINTR) break;
    }
    for (;;) sys(SYS_exit_group, 0, 0, 0, 0);
}

static _Noreturn void confined(struct launch *l) {
    const struct confine *c = &l->plan.c;
    long r;
    if (c->netns >= 0 && (r = sys(SYS_setns, c->netns, CLONE_NEWNET_FLAG, 0, 0)) != 0)
        fail(l, STAGE_NETNS, r);
    if ((r = sys(SYS_close_range, 3, ~0U, 0, 0)) != 0) fail(l, STAGE_FDS, r);
    if ((r = sys(SYS_unshare, c->unshare, 0, 0, 0)) != 0) fail(l, STAGE_USERNS, r);
    if ((r = write_text("/proc/self/setgroups", "deny")) != 0 ||
        (r = write_text("/proc/self/uid_map", c->uid_map)) != 0 ||
        (r = write_text("/proc/self/gid_map", c->gid_map)) != 0)
        fail(l, STAGE_USERNS, r);
    set_handler(SIGTERM, SIG_IGN); /* the gate signals the program itself */
    set_handler(SIGINT, SIG_IGN);
    set_handler(SIGHUP, SIG_IGN);
    long init = start_vfork(l, l->stack_init, confined_init, 0);
    if (init < 0) fail(l, STAGE_INIT, init);
    int status = 0;
    while ((r = sys(SYS_wait4, init, (long)&status, 0, 0)) == -EINTR) {
    }
    if (l->stage != STAGE_NONE) sys(SYS_exit_group, 127, 0, 0, 0);
    if (l->program_done) status = l->program_status;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        /* dying of the program's SIGSEGV is a report, not a crash of ours: no core file */
        struct rlimit core;
        if (sys(SYS_prlimit64, 0, RLIMIT_CORE, 0, (long)&core) == 0) {
            core.rlim_cur = 0;
            sys(SYS_prlimit64, 0, RLIMIT_CORE, (long)&core, 0);
        }
        set_handler(sig, SIG_DFL);
        unsigned long unblock = 1UL << (sig - 1);
        sys(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&unblock, 0, sizeof unblock);
        sys(SYS_kill, sys(SYS_getpid, 0, 0, 0, 0), sig, 0, 0);
        for (;;) sys(SYS_exit_group, 125, 0, 0, 0);
    }
    for (;;) sys(SYS_exit_group, WIFEXITED(status) ? WEXITSTATUS(status) : 125, 0, 0, 0);
}
#else
#define CONFINE_WORKS 0
#endif

/* The child, between clone and execve: system calls only, on memory the parent prepared. */
static int child(void *arg) {
    struct launch *l = arg;
    const struct plan *p = &l->plan;
    long r;
    l->stage = STAGE_NONE; /* born: see STAGE_BORN */
    l->err = 0;
    /* Detached, the parent is the event loop's thread and has other jobs to serve: a new
     * task is scheduled early (EEVDF gives it half a slice), so without this the child would
     * often take the parent's CPU at once and hold the loop until it exec'd, ran and exited
     * under load. Yielding lets the parent go on. */
    if (l->detached) sys(SYS_sched_yield, 0, 0, 0, 0);
    /* A handler of the host must never run here (it would run in the parent's memory):
     * every handled signal goes back to its default while all are still blocked. */
    for (int sig = 1; sig <= LAST_SIGNAL; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) reset_signal(sig);
    if ((r = sys(SYS_setsid, 0, 0, 0, 0)) < 0) fail(l, STAGE_SETSID, r);
    for (char **path = p->join; *path; path++)
        if ((r = write_pid(*path)) != 0) fail(l, STAGE_JOIN, r);
    l->entered = 1;
    if (!p->c.enabled && (r = sys(SYS_chdir, (long)p->cwd, 0, 0, 0)) != 0)
        fail(l, STAGE_CHDIR, r);
    for (int i = 0; i < 3; i++) {
        long fd = p->fds[i];
        if (fd < 0) {
            /* /dev/null, opened here rather than by the parent: two system calls fewer on
             * the event loop's thread. Without O_CLOEXEC it may land on i itself (the host
             * closed its stdio): keep it there. Fds below i are this child's already. */
            if ((fd = sys(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0)) < 0)
                fail(l, STAGE_FDS, fd);
            if (fd == i) continue;
        }
        /* dup3 clears FD_CLOEXEC; a source is >= 3 or a /dev/null above i, never i */
        if ((r = sys(SYS_dup3, fd, i, 0, 0)) < 0) fail(l, STAGE_FDS, r);
    }
#if CONFINE_WORKS
    if (p->c.enabled) confined(l);
#endif
    if ((r = sys(SYS_close_range, 3, ~0U, 0, 0)) != 0) fail(l, STAGE_FDS, r);
    /* Last, so they bind the program and never the steps above (open_files = 1 would
     * refuse the dup onto fd 1), as the shim's ulimit binds only what it execs. */
    for (Py_ssize_t i = 0; i < p->n_rlimits; i++)
        if ((r = sys(SYS_prlimit64, 0, p->rl_resource[i], (long)&p->rl_value[i], 0)) != 0)
            fail(l, STAGE_RLIMIT, r);
    empty_mask();
    exec_candidates(l);
}

/* The byte strings of `list` (PyBytes, no NUL inside), measured: returns the count, adds
 * their sizes (with NULs) to *bytes, or -1 with an exception set. */
static Py_ssize_t measure(PyObject *list, const char *what, size_t *bytes) {
    Py_ssize_t n = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_TypeError, "%s must be a list of bytes", what);
            return -1;
        }
        Py_ssize_t len = PyBytes_GET_SIZE(item);
        if ((Py_ssize_t)strlen(PyBytes_AS_STRING(item)) != len) {
            PyErr_Format(PyExc_ValueError, "%s: embedded null byte", what);
            return -1;
        }
        *bytes += (size_t)len + 1;
    }
    return n;
}

/* Copy `list` into the arena: a NULL-terminated array at *slots, the strings at *text. */
static char **copy_list(PyObject *list, char ***slots, char **text) {
    char **out = *slots;
    Py_ssize_t n = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        size_t len = (size_t)PyBytes_GET_SIZE(item) + 1;
        memcpy(*text, PyBytes_AS_STRING(item), len);
        out[i] = *text;
        *text += len;
    }
    out[n] = NULL;
    *slots += n + 1;
    return out;
}

static void launch_destructor(PyObject *capsule) {
    struct launch *l = PyCapsule_GetPointer(capsule, "execgate.launch");
    if (l && l->ctid == 0) free_launch(l);
    /* else: the child is still before execve (stopped?) and may read it: leaked on purpose */
}

/* Copy `len` bytes (and a NUL) into the arena at *text. */
static char *copy_bytes(const char *data, Py_ssize_t len, char **text) {
    char *out = *text;
    memcpy(out, data, (size_t)len);
    out[len] = '\0';
    *text += len + 1;
    return out;
}

static PyObject *spawn(PyObject *self, PyObject *args) {
    PyObject *candidates_l, *argv_l, *envp_l, *join_l, *rlimits_l, *confine_o = Py_None;
    Py_buffer cwd;
    int fds[3], detach, into = -1;
    if (!PyArg_ParseTuple(args, "O!O!O!y*(iii)O!O!p|iO:spawn", &PyList_Type, &candidates_l,
                          &PyList_Type, &argv_l, &PyList_Type, &envp_l, &cwd, &fds[0],
                          &fds[1], &fds[2], &PyList_Type, &join_l, &PyList_Type, &rlimits_l,
                          &detach, &into, &confine_o))
        return NULL;
    PyObject *result = NULL;
    struct launch *l = NULL;
    /* secure mode (see struct confine) */
    const char *kinds = NULL, *seccomp = NULL, *uid_map = NULL, *gid_map = NULL, *oom = NULL;
    Py_ssize_t n_kinds = 0, seccomp_len = 0;
    PyObject *src_l = NULL, *dst_l = NULL, *read_l = NULL, *write_l = NULL;
    int netns = -1, ll_size = 0;
    long unshare_flags = 0;
    unsigned long long ll[5] = {0};
    int confine = confine_o != Py_None;
    if (confine) {
        if (!CONFINE_WORKS || !detach) {
            PyErr_SetString(PyExc_ValueError,
                            "spawn: confine needs a detached spawn and clone3 (x86-64 builds)");
            goto done;
        }
        if (!PyArg_ParseTuple(confine_o, "y#O!O!O!O!y#il(iKKKKK)yyy:confine", &kinds, &n_kinds,
                              &PyList_Type, &src_l, &PyList_Type, &dst_l, &PyList_Type, &read_l,
                              &PyList_Type, &write_l, &seccomp, &seccomp_len, &netns,
                              &unshare_flags, &ll_size, &ll[0], &ll[1], &ll[2], &ll[3], &ll[4],
                              &uid_map, &gid_map, &oom))
            goto done;
        if (PyList_GET_SIZE(src_l) != n_kinds || PyList_GET_SIZE(dst_l) != n_kinds) {
            PyErr_SetString(PyExc_ValueError, "confine: one kind, source and target per bind");
            goto done;
        }
    }
    if (detach && !DETACH_WORKS) {
        PyErr_SetString(PyExc_ValueError, "spawn: detach needs raw system calls (x86-64)");
        goto done;
    }
    if (into >= 0 && !INTO_CGROUP_WORKS) {
        PyErr_SetString(PyExc_ValueError, "spawn: into needs clone3 (x86-64 builds)");
        goto done;
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0 && fds[i] < 3) {
            /* a dup onto 0-2 would clobber a source that is itself one of 0-2 */
            PyErr_SetString(PyExc_ValueError, "spawn: source fds must be >= 3 (or -1)");
            goto done;
        }
    }
    if (PyList_GET_SIZE(candidates_l) == 0 || PyList_GET_SIZE(argv_l) == 0) {
        PyErr_SetString(PyExc_ValueError, "spawn: no program to run");
        goto done;
    }
    if ((size_t)cwd.len != strlen(cwd.buf)) {
        PyErr_SetString(PyExc_ValueError, "cwd: embedded null byte");
        goto done;
    }
    size_t text = (size_t)cwd.len + 1;
    Py_ssize_t n_cand, n_argv, n_envp, n_join;
    if ((n_cand = measure(candidates_l, "candidates", &text)) < 0 ||
        (n_argv = measure(argv_l, "argv", &text)) < 0 ||
        (n_envp = measure(envp_l, "envp", &text)) < 0 ||
        (n_join = measure(join_l, "join", &text)) < 0)
        goto done;
    Py_ssize_t n_src = 0, n_dst = 0, n_read = 0, n_write = 0;
    if (confine) {
        if ((n_src = measure(src_l, "confine sources", &text)) < 0 ||
            (n_dst = measure(dst_l, "confine targets", &text)) < 0 ||
            (n_read = measure(read_l, "confine reads", &text)) < 0 ||
            (n_write = measure(write_l, "confine writes", &text)) < 0)
            goto done;
        text += (size_t)(n_kinds + seccomp_len + 2) + strlen(uid_map) + strlen(gid_map) +
                strlen(oom) + 3;
    }
    Py_ssize_t n_rl = PyList_GET_SIZE(rlimits_l);
    size_t slots = (size_t)(n_cand + n_argv + n_envp + n_join + 4) +
                   (confine ? (size_t)(n_src + n_dst + n_read + n_write + 4) : 0);
    size_t size = sizeof(struct launch) + slots * sizeof(char *) +
                  (size_t)n_rl * (sizeof(struct rlimit) + sizeof(int)) + text;
    if (!(l = PyMem_RawCalloc(1, size))) {
        PyErr_NoMemory();
        goto done;
    }
    /* arena layout: rlimit values, pointer slots, rlimit resources, strings (alignment kept) */
    struct plan *p = &l->plan;
    p->rl_value = (struct rlimit *)(l + 1);
    char **slot = (char **)(p->rl_value + n_rl);
    p->rl_resource = (int *)(slot + slots);
    char *strings = (char *)(p->rl_resource + n_rl);
    p->n_rlimits = n_rl;
    for (Py_ssize_t i = 0; i < n_rl; i++) {
        long long soft, hard;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(rlimits_l, i), "iLL:rlimit", &p->rl_resource[i],
                              &soft, &hard))
            goto done;
        if (soft < 0 || hard < 0) {
            PyErr_SetString(PyExc_ValueError, "spawn: negative rlimit");
            goto done;
        }
        p->rl_value[i].rlim_cur = (rlim_t)soft;
        p->rl_value[i].rlim_max = (rlim_t)hard;
    }
    p->candidates = copy_list(candidates_l, &slot, &strings);
    p->argv = copy_list(argv_l, &slot, &strings);
    p->envp = copy_list(envp_l, &slot, &strings);
    p->join = copy_list(join_l, &slot, &strings);
    if (confine) {
        struct confine *c = &p->c;
        c->enabled = 1;
        c->n_binds = n_kinds;
        c->src = copy_list(src_l, &slot, &strings);
        c->dst = copy_list(dst_l, &slot, &strings);
        c->ll_read = copy_list(read_l, &slot, &strings);
        c->ll_write = copy_list(write_l, &slot, &strings);
        c->kinds = (unsigned char *)copy_bytes(kinds, n_kinds, &strings);
        c->seccomp = copy_bytes(seccomp, seccomp_len, &strings);
        c->seccomp_len = seccomp_len;
        c->uid_map = copy_bytes(uid_map, (Py_ssize_t)strlen(uid_map), &strings);
        c->gid_map = copy_bytes(gid_map, (Py_ssize_t)strlen(gid_map), &strings);
        c->oom = copy_bytes(oom, (Py_ssize_t)strlen(oom), &strings);
        c->netns = netns;
        c->unshare = unshare_flags;
        c->ll_size = ll_size;
        c->handled_fs = ll[0];
        c->handled_net = ll[1];
        c->scoped = ll[2];
        c->read_rights = ll[3];
        c->file_rights = ll[4];
    }
    memcpy(strings, cwd.buf, (size_t)cwd.len + 1);
    p->cwd = strings;
    memcpy(p->fds, fds, sizeof fds);
    if (!(l->stack = take_stack()) ||
        (confine && (!(l->stack_init = take_stack()) || !(l->stack_program = take_stack())))) {
        PyErr_SetFromErrno(PyExc_OSError);
        goto done;
    }
    l->program_tid = 1;
    l->ctid = 1;
    l->detached = detach;
    l->stage = STAGE_BORN;
    l->err = ECHILD;

    int flags = CLONE_VM | CLONE_PIDFD | CLONE_CHILD_CLEARTID | SIGCHLD;
    if (!detach) flags |= CLONE_VFORK;
    sigset_t all, saved_mask;
    sigfillset(&all);
    pid_t pid;
    int pidfd = -1, clone_errno = 0;
    /* Not detached, the GIL is released while the child borrows this thread: the host's
     * other threads (the recorder's writer, say) keep running. Detached, clone returns in
     * microseconds: keeping the GIL spares waiting to take it back from another thread. */
    PyThreadState *released = detach ? NULL : PyEval_SaveThread();
    pthread_sigmask(SIG_SETMASK, &all, &saved_mask);
#if INTO_CGROUP_WORKS
    if (into >= 0) {
        struct clone3_args ca = {0};
        ca.flags = (unsigned long long)(flags & ~0xff) | EXECGATE_CLONE_INTO_CGROUP;
        ca.pidfd = (unsigned long long)(uintptr_t)&pidfd;
        ca.child_tid = (unsigned long long)(uintptr_t)&l->ctid;
        ca.exit_signal = SIGCHLD;
        ca.stack = (unsigned long long)(uintptr_t)(l->stack + GUARD_SIZE);
        ca.stack_size = STACK_SIZE;
        ca.cgroup = (unsigned long long)into;
        long r = execgate_clone3(&ca, sizeof ca, child, l);
        pid = r < 0 ? -1 : (pid_t)r;
        clone_errno = r < 0 ? (int)-r : 0;
    } else
#endif
    {
        pid = clone(child, l->stack + GUARD_SIZE + STACK_SIZE, flags, l, &pidfd, NULL,
                    (pid_t *)&l->ctid);
        clone_errno = errno;
    }
    pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
    if (pid > 0 && !detach && l->stage != STAGE_NONE) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (released) PyEval_RestoreThread(released);
    if (pid < 0) {
        errno = clone_errno;
        if (into >= 0)
            PyErr_SetFromErrnoWithFilename(PyExc_OSError, "clone3");
        else
            PyErr_SetFromErrno(PyExc_OSError);
        goto done;
    }
    if (detach) {
        PyObject *capsule = PyCapsule_New(l, "execgate.launch", launch_destructor);
        if (!capsule) {
            /* cannot hand it over: kill the child, wait until it no longer reads `l` */
            kill(pid, SIGKILL);
            int status;
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            close(pidfd);
            goto done;
        }
        l = NULL; /* the capsule owns it */
        result = Py_BuildValue("iiN", (int)pid, pidfd, capsule);
    } else if (l->stage != STAGE_NONE) {
        close(pidfd);
        PyObject *stage = PyUnicode_FromString(stage_names[l->stage]);
        if (stage) {
            errno = l->err;
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, stage);
            Py_DECREF(stage);
        }
    } else {
        result = Py_BuildValue("iiO", (int)pid, pidfd, Py_None);
    }
done:
    if (l) free_launch(l); /* not detached: the child is past execve or reaped */
    PyBuffer_Release(&cwd);
    return result;
}

static struct launch *launch_of(PyObject *capsule) {
    return PyCapsule_GetPointer(capsule, "execgate.launch");
}

static PyObject *started(PyObject *self, PyObject *capsule) {
    struct launch *l = launch_of(capsule);
    if (!l) return NULL;
    /* confined, the child never execs: it is in its session and cgroups once it entered */
    return PyBool_FromLong(l->ctid == 0 || (l->plan.c.enabled && l->entered));
}

static PyObject *failure(PyObject *self, PyObject *capsule) {
    struct launch *l = launch_of(capsule);
    if (!l) return NULL;
    if (l->ctid != 0) {
        PyErr_SetString(PyExc_RuntimeError, "failure() before the child exec'd or exited");
        return NULL;
    }
    if (l->stage == STAGE_NONE) Py_RETURN_NONE;
    return Py_BuildValue("si", stage_names[l->stage], l->err);
}

/* Whether this kernel has close_range (Linux >= 5.9): the child needs it to close every fd
 * of the host but 0-2 without allocating. Closing the empty range [~0, ~0] is a no-op. */
static PyObject *usable(PyObject *self, PyObject *unused) {
    if (syscall(SYS_close_range, ~0U, ~0U, 0U) != 0) Py_RETURN_FALSE;
    Py_RETURN_TRUE;
}

static PyMethodDef methods[] = {
    {"spawn", spawn, METH_VARARGS, "Start a job's process inside its cgroups (see the module)."},
    {"started", started, METH_O, "Whether a detached child is past execve (or gone)."},
    {"failure", failure, METH_O, "The (step, errno) a detached child stopped at, or None."},
    {"usable", usable, METH_NOARGS, "Whether spawn can work on this kernel."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "execgate.process._native",
    "Start a job's process already inside its cgroups, with no shell (see _native.c).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && (PyModule_AddIntConstant(m, "DETACH_WORKS", DETACH_WORKS) != 0 ||
              PyModule_AddIntConstant(m, "INTO_CGROUP_WORKS", INTO_CGROUP_WORKS) != 0 ||
              PyModule_AddIntConstant(m, "CONFINE_WORKS", CONFINE_WORKS) != 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
