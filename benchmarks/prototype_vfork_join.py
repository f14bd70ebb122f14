"""Prototype, not product: what a native spawn helper would buy cgroup containment.

    python benchmarks/prototype_vfork_join.py [--jobs N] [--concurrency C]

Cgroup containment starts every job through ``/bin/sh`` so that the child joins its cgroup
before the program's first instruction; that second exec is most of what separates guarded
throughput from bare ``anyio.run_process`` (see the suite's "CPU per job" table). A small C
function can do the join in the child itself, between ``vfork`` and ``execve``, with no shell.
This script compiles one (gcc and the Python headers; it says so and exits if they are
missing) and measures, on trio at concurrency C, each spawning from the event loop's thread and
waiting on a pidfd, each job in its own fresh cgroup (mkdir, join, rmdir) except the first:

* ``Popen /bin/true``: no containment at all (the floor);
* ``Popen sh shim``: what execgate does today (``/bin/sh`` joins, then ``exec``);
* ``vfork + join in C``: the helper this prototype sketches.

The C here is a measuring device: no fd hygiene beyond /dev/null on 0-2, no signal-mask
reset, no error pipe. It is not, and must not become, the product's spawn path as written.
Needs root (or a delegated cgroup2 subtree).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from execgate.process._tree import _EXEC, _JOIN, _SHELL, _cgroup2_mount, _own_cgroup

C_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <fcntl.h>
#include <unistd.h>

extern char **environ;

/* spawn(path: bytes, argv: list[bytes], procs: bytes | None) -> pid */
static PyObject *spawn(PyObject *self, PyObject *args) {
    const char *path; PyObject *argv_list; const char *procs = NULL;
    if (!PyArg_ParseTuple(args, "yO!z", &path, &PyList_Type, &argv_list, &procs)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(argv_list);
    char **argv = PyMem_Calloc(n + 1, sizeof(char *));
    if (!argv) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) argv[i] = PyBytes_AsString(PyList_GET_ITEM(argv_list, i));
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t pid = vfork();
    if (pid == 0) {
        /* The child: only system calls until execve. */
        if (procs) {
            char buf[24]; int len = 0; long v = (long)getpid(); char tmp[24];
            do { tmp[len++] = (char)('0' + v % 10); v /= 10; } while (v);
            for (int i = 0; i < len; i++) buf[i] = tmp[len - 1 - i];
            int fd = open(procs, O_WRONLY | O_CLOEXEC);
            if (fd < 0 || write(fd, buf, len) != len) _exit(125);
            close(fd);
        }
        dup2(null, 0); dup2(null, 1); dup2(null, 2);
        setsid();
        execve(path, argv, environ);
        _exit(127);
    }
    close(null);
    PyMem_Free(argv);
    if (pid < 0) return PyErr_SetFromErrno(PyExc_OSError);
    return PyLong_FromLong(pid);
}

static PyMethodDef methods[] = {{"spawn", spawn, METH_VARARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "vforkjoin", NULL, -1, methods};
PyMODINIT_FUNC PyInit_vforkjoin(void) { return PyModule_Create(&module); }
"""


def _build(tmp: Path) -> Any:
    gcc = shutil.which("gcc")
    include = sysconfig.get_paths()["include"]
    if gcc is None or not Path(include, "Python.h").exists():
        sys.exit("needs gcc and the Python headers")
    src = tmp / "vforkjoin.c"
    src.write_text(C_SOURCE)
    out = tmp / f"vforkjoin{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(
        [gcc, "-O2", "-shared", "-fPIC", f"-I{include}", str(src), "-o", str(out)], check=True
    )
    spec = importlib.util.spec_from_file_location("vforkjoin", out)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _popen(argv: list[str]) -> subprocess.Popen[bytes]:
    """Spawn from the calling (event loop) thread, as execgate's lean spawn does."""
    null = subprocess.DEVNULL
    return subprocess.Popen(argv, stdin=null, stdout=null, stderr=null, start_new_session=True)


def _reap(pid: int, popen: subprocess.Popen[bytes] | None) -> int:
    """Collect an exited child (its pidfd was readable: this does not block). A Popen reaps
    its own child, and would reap it behind our back once dropped."""
    if popen is not None:
        return popen.wait()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


async def _wait(pid: int, popen: subprocess.Popen[bytes] | None) -> int:
    fd = os.pidfd_open(pid)
    try:
        await anyio.wait_readable(fd)
        return _reap(pid, popen)
    finally:
        os.close(fd)


async def _run(mode: str, n: int, conc: int, base: str, helper: Any) -> dict[str, Any]:
    limiter = anyio.CapacityLimiter(conc)
    counter = iter(range(10**9))

    async def one() -> None:
        async with limiter:
            job = os.path.join(base, f"job-{next(counter)}")
            if mode != "Popen /bin/true":
                os.mkdir(job)
            procs = os.path.join(job, "cgroup.procs")
            popen = None
            if mode == "vfork + join in C":
                pid = helper.spawn(b"/bin/true", [b"/bin/true"], procs)
            else:
                argv = (
                    ["/bin/true"]
                    if mode == "Popen /bin/true"
                    else [_SHELL, "-c", _JOIN + _EXEC, procs, "/bin/true"]
                )
                popen = _popen(argv)
                pid = popen.pid
            code = await _wait(pid, popen)
            assert code == 0, (mode, code)
            if mode != "Popen /bin/true":
                os.rmdir(job)

    me0 = resource.getrusage(resource.RUSAGE_SELF)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    wall = time.perf_counter() - t0
    me1 = resource.getrusage(resource.RUSAGE_SELF)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)

    def cpu(a: Any, b: Any) -> float:
        return (b.ru_utime - a.ru_utime + b.ru_stime - a.ru_stime) / n * 1e3

    return {
        "mode": mode,
        "jobs_per_s": round(n / wall),
        "parent_cpu_ms": round(cpu(me0, me1), 3),
        "children_cpu_ms": round(cpu(kids0, kids1), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=64)
    args = ap.parse_args()
    mount, own = _cgroup2_mount(), _own_cgroup()
    if mount is None or own is None:
        sys.exit("needs a writable cgroup2 hierarchy")
    base = os.path.join(mount, own.lstrip("/"), f"execgate-proto-{os.getpid()}")
    os.mkdir(base)
    try:
        with tempfile.TemporaryDirectory() as d:
            helper = _build(Path(d))
            modes = ("Popen /bin/true", "Popen sh shim", "vfork + join in C")
            print(f"{'mode':<20} {'jobs/s':>7} {'parent ms/job':>14} {'children ms/job':>16}")
            for _ in range(2):
                for mode in modes:
                    r = anyio.run(
                        _run, mode, args.jobs, args.concurrency, base, helper, backend="trio"
                    )
                    print(
                        f"{r['mode']:<20} {r['jobs_per_s']:>7} {r['parent_cpu_ms']:>14} "
                        f"{r['children_cpu_ms']:>16}"
                    )
    finally:
        for entry in os.listdir(base):  # jobs a failed run left behind
            if os.path.isdir(os.path.join(base, entry)):
                os.rmdir(os.path.join(base, entry))
        os.rmdir(base)


if __name__ == "__main__":
    main()
