/* execgate.process._native: start a job's process already inside its cgroups, with no shell.
 *
 * Cgroup containment must place a job's process in its cgroup before the program's first
 * instruction. Without native code that takes a /bin/sh shim that joins and then execs the
 * program: a second exec per job, which doubled the CPU every job's children cost. Here the
 * child does the joins itself, between clone() and execve().
 *
 * spawn(candidates, argv, envp, cwd, fds, join, rlimits, detach, into=-1) -> (pid, pidfd, launch)
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
 * thread (an event loop) runs on instead of waiting ~0.2 ms per job for the child's exec.
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
 * idle for a while (measured here: 42-130 us a write when writes come every few ms, 5.8 ms
 * median when they come 50 ms apart, as an agent's commands do), and every fork on the
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
#include <sys/resource.h>
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
             STAGE_EXEC, STAGE_BORN };
static const char *const stage_names[] = {"", "join", "rlimit", "chdir", "setsid", "fds",
                                          "exec", "born"};

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

struct plan {
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
     * -- measured under load, p90 0.7 ms inside clone. Yielding lets the parent go on. */
    if (l->detached) sys(SYS_sched_yield, 0, 0, 0, 0);
    /* A handler of the host must never run here (it would run in the parent's memory):
     * every handled signal goes back to its default while all are still blocked. */
    for (int sig = 1; sig <= LAST_SIGNAL; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) reset_signal(sig);
    if ((r = sys(SYS_setsid, 0, 0, 0, 0)) < 0) fail(l, STAGE_SETSID, r);
    for (char **path = p->join; *path; path++)
        if ((r = write_pid(*path)) != 0) fail(l, STAGE_JOIN, r);
    if ((r = sys(SYS_chdir, (long)p->cwd, 0, 0, 0)) != 0) fail(l, STAGE_CHDIR, r);
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
    if ((r = sys(SYS_close_range, 3, ~0U, 0, 0)) != 0) fail(l, STAGE_FDS, r);
    /* Last, so they bind the program and never the steps above (open_files = 1 would
     * refuse the dup onto fd 1), as the shim's ulimit binds only what it execs. */
    for (Py_ssize_t i = 0; i < p->n_rlimits; i++)
        if ((r = sys(SYS_prlimit64, 0, p->rl_resource[i], (long)&p->rl_value[i], 0)) != 0)
            fail(l, STAGE_RLIMIT, r);
    empty_mask();
    /* As execvpe does: the first error that is not "no such file here" is the one to report. */
    long saved = 0;
    for (char **path = p->candidates; *path; path++) {
        r = sys(SYS_execve, (long)*path, (long)p->argv, (long)p->envp, 0);
        if (r != -ENOENT && r != -ENOTDIR && saved == 0) saved = r;
    }
    fail(l, STAGE_EXEC, saved ? saved : r);
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

static PyObject *spawn(PyObject *self, PyObject *args) {
    PyObject *candidates_l, *argv_l, *envp_l, *join_l, *rlimits_l;
    Py_buffer cwd;
    int fds[3], detach, into = -1;
    if (!PyArg_ParseTuple(args, "O!O!O!y*(iii)O!O!p|i:spawn", &PyList_Type, &candidates_l,
                          &PyList_Type, &argv_l, &PyList_Type, &envp_l, &cwd, &fds[0],
                          &fds[1], &fds[2], &PyList_Type, &join_l, &PyList_Type, &rlimits_l,
                          &detach, &into))
        return NULL;
    PyObject *result = NULL;
    struct launch *l = NULL;
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
    Py_ssize_t n_rl = PyList_GET_SIZE(rlimits_l);
    size_t slots = (size_t)(n_cand + n_argv + n_envp + n_join + 4);
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
    memcpy(strings, cwd.buf, (size_t)cwd.len + 1);
    p->cwd = strings;
    memcpy(p->fds, fds, sizeof fds);
    if (!(l->stack = take_stack())) {
        PyErr_SetFromErrno(PyExc_OSError);
        goto done;
    }
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
    return PyBool_FromLong(l->ctid == 0);
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
              PyModule_AddIntConstant(m, "INTO_CGROUP_WORKS", INTO_CGROUP_WORKS) != 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
