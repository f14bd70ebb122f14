/* execgate.process._native: start a job's process already inside its cgroups, with no shell.
 *
 * Cgroup containment must place a job's process in its cgroup before the program's first
 * instruction. Without native code that takes a /bin/sh shim that joins and then execs the
 * program: a second exec per job, which doubled the CPU every job's children cost. Here the
 * child does the joins itself, between vfork() and execve().
 *
 * spawn(candidates, argv, envp, cwd, fds, join, rlimits) -> pid
 *
 *   candidates  list[bytes]   paths to try execve() on, in order (PATH resolved by the caller)
 *   argv, envp  list[bytes]
 *   cwd         bytes
 *   fds         (int, int, int)  what becomes the child's 0, 1, 2 (each >= 3 in the parent)
 *   join        list[bytes]   cgroup.procs files the child writes its own pid into
 *   rlimits     list[(int, int, int)]  (resource, soft, hard) set last, just before execve
 *
 * Guarantees: when spawn() returns, the child has either called execve() successfully (it is
 * in every cgroup of `join`, under every limit of `rlimits`, in its own session, in `cwd`,
 * with exactly fds 0-2 open, an empty signal mask and every signal at its default action
 * except those the parent ignores, SIGPIPE and SIGXFSZ excepted) -- or spawn() raised
 * OSError and the child is gone and reaped. On failure the exception's errno is the failing
 * call's and its filename names the step: "join", "rlimit", "chdir", "setsid", "fds" or
 * "exec". Nothing of the child runs before its first instruction except the system calls
 * listed here; no memory is allocated in the child.
 *
 * Why vfork: the child borrows the parent's memory until execve, so starting it costs no
 * page-table copy, whatever the size of the host process. The price is discipline: the child
 * touches only what the parent prepared, reports failure through `failure` below (shared
 * memory), and the parent blocks every signal around vfork so that no handler of the host
 * can run on the borrowed stack.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

enum stage { STAGE_NONE = 0, STAGE_JOIN, STAGE_RLIMIT, STAGE_CHDIR, STAGE_SETSID, STAGE_FDS,
             STAGE_EXEC };
static const char *const stage_names[] = {"", "join", "rlimit", "chdir", "setsid", "fds",
                                          "exec"};

struct failure {
    volatile int stage;
    volatile int err;
};

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

static void fail(struct failure *f, int stage) {
    f->err = errno;
    f->stage = stage;
    _exit(127);
}

static int write_pid(const char *path) {
    char digits[24], text[24];
    int n = 0, len = 0;
    long value = (long)getpid();
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n) text[len++] = digits[--n];
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t written = write(fd, text, (size_t)len);
    int saved = errno;
    close(fd);
    if (written != len) {
        errno = written < 0 ? saved : EIO;
        return -1;
    }
    return 0;
}

/* The child, between vfork and execve: system calls only, on memory the parent prepared. */
static void child(const struct plan *p, struct failure *f) {
    /* A handler of the host must never run here (it would run on the parent's stack, in the
     * parent's memory): every handled signal goes back to its default while all are still
     * blocked. Ignored signals stay ignored, as subprocess leaves them, except SIGPIPE and
     * SIGXFSZ, which Python ignores for itself and a program expects at their defaults. */
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (sigaction(sig, NULL, &old) != 0) continue; /* not a signal we may touch */
        if (old.sa_handler == SIG_DFL) continue;
        if (old.sa_handler == SIG_IGN && sig != SIGPIPE && sig != SIGXFSZ) continue;
        sigaction(sig, &dfl, NULL);
    }
    if (setsid() < 0) fail(f, STAGE_SETSID);
    for (char **path = p->join; *path; path++)
        if (write_pid(*path) != 0) fail(f, STAGE_JOIN);
    if (chdir(p->cwd) != 0) fail(f, STAGE_CHDIR);
    for (int i = 0; i < 3; i++)
        if (dup2(p->fds[i], i) < 0) fail(f, STAGE_FDS); /* dup2 clears FD_CLOEXEC */
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) fail(f, STAGE_FDS);
    /* Last, so they bind the program and never the steps above (open_files = 1 would
     * refuse the dup2 onto fd 1), as the shim's ulimit binds only what it execs. */
    for (Py_ssize_t i = 0; i < p->n_rlimits; i++)
        if (setrlimit(p->rl_resource[i], &p->rl_value[i]) != 0) fail(f, STAGE_RLIMIT);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* As execvpe does: the first error that is not "no such file here" is the one to report. */
    int saved = 0;
    for (char **path = p->candidates; *path; path++) {
        execve(*path, p->argv, p->envp);
        if (errno != ENOENT && errno != ENOTDIR && saved == 0) saved = errno;
    }
    if (saved) errno = saved;
    fail(f, STAGE_EXEC);
}

/* A NULL-terminated array of the byte strings in `list` (borrowed: `list` must outlive it). */
static char **byte_array(PyObject *list, const char *what) {
    if (!PyList_Check(list)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list of bytes", what);
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(list);
    char **out = PyMem_Calloc((size_t)n + 1, sizeof(char *));
    if (!out) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_TypeError, "%s must be a list of bytes", what);
            PyMem_Free(out);
            return NULL;
        }
        char *s = PyBytes_AS_STRING(item);
        if ((Py_ssize_t)strlen(s) != PyBytes_GET_SIZE(item)) {
            PyErr_Format(PyExc_ValueError, "%s: embedded null byte", what);
            PyMem_Free(out);
            return NULL;
        }
        out[i] = s;
    }
    return out;
}

static PyObject *spawn(PyObject *self, PyObject *args) {
    PyObject *candidates_l, *argv_l, *envp_l, *join_l, *rlimits_l;
    const char *cwd;
    struct plan p;
    memset(&p, 0, sizeof p);
    if (!PyArg_ParseTuple(args, "O!O!O!y(iii)O!O!:spawn", &PyList_Type, &candidates_l,
                          &PyList_Type, &argv_l, &PyList_Type, &envp_l, &cwd, &p.fds[0],
                          &p.fds[1], &p.fds[2], &PyList_Type, &join_l, &PyList_Type,
                          &rlimits_l))
        return NULL;
    p.cwd = cwd;
    for (int i = 0; i < 3; i++) {
        if (p.fds[i] < 3) {
            /* dup2 onto 0-2 would clobber a source that is itself one of 0-2 */
            PyErr_SetString(PyExc_ValueError, "spawn: source fds must be >= 3");
            return NULL;
        }
    }
    if (PyList_GET_SIZE(candidates_l) == 0 || PyList_GET_SIZE(argv_l) == 0) {
        PyErr_SetString(PyExc_ValueError, "spawn: no program to run");
        return NULL;
    }
    PyObject *result = NULL;
    p.n_rlimits = PyList_GET_SIZE(rlimits_l);
    p.rl_resource = PyMem_Calloc((size_t)p.n_rlimits + 1, sizeof(int));
    p.rl_value = PyMem_Calloc((size_t)p.n_rlimits + 1, sizeof(struct rlimit));
    if (!p.rl_resource || !p.rl_value) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < p.n_rlimits; i++) {
        long long soft, hard;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(rlimits_l, i), "iLL:rlimit", &p.rl_resource[i],
                              &soft, &hard))
            goto done;
        if (soft < 0 || hard < 0) {
            PyErr_SetString(PyExc_ValueError, "spawn: negative rlimit");
            goto done;
        }
        p.rl_value[i].rlim_cur = (rlim_t)soft;
        p.rl_value[i].rlim_max = (rlim_t)hard;
    }
    if (!(p.candidates = byte_array(candidates_l, "candidates"))) goto done;
    if (!(p.argv = byte_array(argv_l, "argv"))) goto done;
    if (!(p.envp = byte_array(envp_l, "envp"))) goto done;
    if (!(p.join = byte_array(join_l, "join"))) goto done;

    struct failure failure = {STAGE_NONE, 0};
    sigset_t all, saved_mask;
    sigfillset(&all);
    pid_t pid;
    int vfork_errno = 0;
    /* The GIL is released while the child borrows this thread: the host's other threads (the
     * recorder's writer, say) keep running. The child reads only `p`, which nothing frees
     * before we return, and the byte strings it points into, which `args` keeps alive. */
    Py_BEGIN_ALLOW_THREADS
    pthread_sigmask(SIG_SETMASK, &all, &saved_mask);
    pid = vfork();
    if (pid == 0) child(&p, &failure);
    vfork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
    if (pid > 0 && failure.stage != STAGE_NONE) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    Py_END_ALLOW_THREADS
    if (pid < 0) {
        errno = vfork_errno;
        PyErr_SetFromErrno(PyExc_OSError);
    } else if (failure.stage != STAGE_NONE) {
        PyObject *stage = PyUnicode_FromString(stage_names[failure.stage]);
        if (stage) {
            errno = failure.err;
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, stage);
            Py_DECREF(stage);
        }
    } else {
        result = PyLong_FromLong((long)pid);
    }
done:
    PyMem_Free(p.candidates);
    PyMem_Free(p.argv);
    PyMem_Free(p.envp);
    PyMem_Free(p.join);
    PyMem_Free(p.rl_resource);
    PyMem_Free(p.rl_value);
    return result;
}

/* Whether this kernel has close_range (Linux >= 5.9): the child needs it to close every fd
 * of the host but 0-2 without allocating. Closing the empty range [~0, ~0] is a no-op. */
static PyObject *usable(PyObject *self, PyObject *unused) {
    if (syscall(SYS_close_range, ~0U, ~0U, 0U) != 0) Py_RETURN_FALSE;
    Py_RETURN_TRUE;
}

static PyMethodDef methods[] = {
    {"spawn", spawn, METH_VARARGS, "Start a job's process inside its cgroups (see the module)."},
    {"usable", usable, METH_NOARGS, "Whether spawn can work on this kernel."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "execgate.process._native",
    "Start a job's process already inside its cgroups, with no shell (see _native.c).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
