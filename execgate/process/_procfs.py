"""Reading small kernel files (/proc, cgroupfs) with as few system calls as possible.

Several such reads happen for every job (cgroup state, process stats, limit counters), so
they skip the buffered-text machinery of ``open()``: ``os.open`` + ``os.read`` + ``os.close``
is four system calls where ``open(...).read()`` takes nine (two fstats, isatty, two seeks).
"""

from __future__ import annotations

import os


def read_kernel_file(path: str) -> bytes:
    """The whole of a small kernel file. Raises OSError (FileNotFoundError once it is gone)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, 65536)
        if data:  # a kernel file may come in pieces: read to the end
            while chunk := os.read(fd, 65536):
                data += chunk
        return data
    finally:
        os.close(fd)


__all__ = ["read_kernel_file"]
