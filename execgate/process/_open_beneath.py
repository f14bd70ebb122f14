"""The Python twin of ``execgate-open`` (process/_open_beneath.c), used where the C program
was not built: it opens a command's redirection targets beneath the workspace, then runs it.

    python -I -S _open_beneath.py ROOT SPEC... -- PROGRAM ARG...

It takes the same SPECs (descriptors 0, 1 and 2 only) and keeps the same guarantee: every
target is walked from ROOT one component at a time with ``O_NOFOLLOW``, so a symlink planted
after the gate decided the request (on the real path) makes the open fail instead of being
followed. Imports only the standard library's smallest modules: it starts in a job, with
``-I -S``, where nothing else is on the path.
"""

import contextlib
import os
import sys


def _open(root: int, path: str, flags: int) -> int:
    if path == "/dev/null":
        return os.open(path, flags | os.O_NOFOLLOW, 0o666)
    parts = path.split("/")
    if path.startswith("/") or any(p in ("..", "") for p in parts):
        raise OSError(18, "it leads outside the workspace")
    directory = os.dup(root)
    try:
        for part in parts[:-1]:
            if part == ".":
                continue
            nxt = os.open(part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = nxt
        return os.open(parts[-1], flags | os.O_NOFOLLOW, 0o666, dir_fd=directory)
    finally:
        os.close(directory)


def _fail(what: str, path: str, exc: OSError) -> int:
    # ELOOP, or ENOTDIR from O_DIRECTORY on a component that is no longer a directory
    planted = exc.errno in (40, 20)
    reason = "a symlink appeared after the request was decided" if planted else exc.strerror
    sys.stderr.write(f"execgate: cannot {what} {path}: {reason or exc}\n")
    return 1


def _number(text: str) -> tuple[int, str]:
    digits = len(text) - len(text.lstrip("0123456789"))
    if not digits or digits > 4 or int(text[:digits]) > 2:
        raise ValueError(text)  # only the standard descriptors, as the gate's grammar allows
    return int(text[:digits]), text[digits:]


def main(argv: list[str]) -> int:
    if "--" not in argv or len(argv) < 2:
        sys.stderr.write("usage: _open_beneath.py ROOT SPEC... -- PROGRAM ARG...\n")
        return 2
    end = argv.index("--")
    try:
        root = os.open(argv[0], os.O_PATH | os.O_DIRECTORY)
        root = _high(root)
    except OSError as exc:
        return _fail("open the workspace", argv[0], exc)
    for spec in argv[1:end]:
        try:
            fd, rest = _number(spec)
        except ValueError:
            sys.stderr.write(f"execgate-open: bad redirection {spec}\n")
            return 2
        if fd == root:
            sys.stderr.write(f"execgate-open: bad descriptor in {spec}\n")
            return 2
        if rest.startswith(">&"):
            if rest == ">&-":
                with contextlib.suppress(OSError):
                    os.close(fd)
                continue
            source = rest[2:]
            if source not in ("0", "1", "2"):
                sys.stderr.write(f"execgate-open: bad copy in {spec}\n")
                return 2
            try:
                if int(source) != fd:
                    os.dup2(int(source), fd)
            except OSError as exc:
                return _fail("copy descriptor", source, exc)
            continue
        if rest.startswith(">>"):
            flags, path = os.O_WRONLY | os.O_CREAT | os.O_APPEND, rest[2:]
        elif rest.startswith(">"):
            flags, path = os.O_WRONLY | os.O_CREAT | os.O_TRUNC, rest[1:]
        elif rest.startswith("<"):
            flags, path = os.O_RDONLY, rest[1:]
        else:
            sys.stderr.write(f"execgate-open: bad redirection {spec}\n")
            return 2
        try:
            opened = _open(root, path, flags)
        except OSError as exc:
            return _fail("read" if flags == os.O_RDONLY else "write", path, exc)
        if opened != fd:
            os.dup2(opened, fd)
            os.close(opened)
    program = argv[end + 1 :]
    if not program:
        sys.stderr.write("execgate-open: no program after --\n")
        return 2
    os.close(root)
    try:
        os.execv(program[0], program)
    except OSError as exc:
        sys.stderr.write(f"execgate: cannot run {program[0]}: {exc.strerror}\n")
        return 127 if exc.errno == 2 else 126
    return 126  # pragma: no cover - execv does not return


def _high(fd: int) -> int:
    """``fd`` moved to 64 or above, out of the way of the descriptors a spec names."""
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64)
    os.close(fd)
    return high


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
