"""The policy file's guard: no job's change to the file its gate was loaded from survives.

Path checks refuse every command that names the policy file, and secure mode binds it
read-only; but a program that writes the files its *input* names (``patch``, ``git apply``,
``git restore`` from an index a job staged) or any interpreter in plain mode can still rewrite
it, and the next gate opened on that file would decide under the job's policy. So the gate
keeps the bytes it loaded, and after every job compares the file with them (a ``stat`` first:
same inode, size and change time means unchanged, and no process can set a change time back).
A changed file is put back as it was loaded, atomically, and whatever the job left under the
name (a file, a symlink, a directory) is moved aside, unread, to ``<name>.rejected-<random>``
so that nothing is lost, also not an edit a person made while a job ran. The caller records
the event, with the job's id; no request text is ever part of a name the guard makes.

The guard works on names in the policy's directory, held open since the gate loaded the
policy, and never follows a symlink: what the job left is renamed (a rename moves a link, not
what it points to), the new file is created with ``O_EXCL | O_NOFOLLOW`` under a random name
and renamed into place, with the mode the file had when it was loaded.

When the policy lies in a subdirectory of the workspace, a job can also rename that
directory (or one above it, up to the workspace root) and put a symlink or a directory of its
own under the name. The guard remembers each of them and puts the chain back: whatever is
under a name that no longer holds the directory it saw is moved aside, unread, and an empty
directory made in its place before the file is restored.

Guarantee: when :meth:`PolicyGuard.check` returns, the name holds the bytes the gate loaded
(or the guard says why it could not restore them: the file system refused). Not covered: a
gate opened *while* a job has the file changed (concurrent gates on one policy file) reads the
job's version.
"""

from __future__ import annotations

import os
import secrets
import stat

import attrs


@attrs.frozen
class Tampered:
    """The policy file was changed by a job and put back."""

    path: str
    #: Where what the job left was moved, or None when nothing was left under the name.
    kept: str | None
    #: Why the loaded version could not be put back (None: it was).
    failed: str | None = None


def _dir_identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _fingerprint(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_ctime_ns)


class PolicyGuard:
    """Watches one policy file (``path``, holding ``loaded`` when the gate read it)."""

    def __init__(self, path: str, loaded: bytes, root: str | None = None) -> None:
        self.path = path
        self._dir, self._name = os.path.split(path)
        self._loaded = loaded
        self._seen = self._stat()
        self._mode = stat.S_IMODE(os.lstat(path).st_mode) if self._seen else 0o644
        # the directories between the workspace root and the file, which a job can rename or
        # replace: outermost first, each with its identity
        self._chain: list[tuple[str, tuple[int, int] | None]] = []
        here = self._dir
        inside = root is not None and here.startswith(root.rstrip("/") + "/")
        while inside and root is not None and here.rstrip("/") != root.rstrip("/"):
            self._chain.insert(0, (here, _dir_identity(here)))
            here = os.path.dirname(here)
            inside = here.startswith(root.rstrip("/") + "/") or here == root.rstrip("/")

    @classmethod
    def for_source(cls, source: str, root: str | None = None) -> PolicyGuard | None:
        """A guard for a policy loaded from the file ``source`` (whose workspace is ``root``,
        when it lies inside one); None for a built-in policy or one that cannot be read back
        (then there is nothing to compare with)."""
        if source.startswith("<"):
            return None
        path = os.path.realpath(source)
        try:
            with open(path, "rb") as f:
                return cls(path, f.read(), None if root is None else os.path.realpath(root))
        except OSError:
            return None

    def _stat(self) -> tuple[int, int, int, int, int] | None:
        try:
            return _fingerprint(os.lstat(self.path))
        except OSError:
            return None

    def _read(self) -> bytes | None:
        """The file's bytes if it is still a regular file (never through a symlink)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def check(self, job_id: str) -> Tampered | None:
        """After job ``job_id``: put the loaded policy back if the file changed."""
        now = self._stat()
        if now is not None and now == self._seen:
            return None
        if self._read() == self._loaded:
            self._seen = now
            return None
        kept: str | None = None
        try:
            self._rebuild_chain()
            dfd = os.open(self._dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                kept = self._set_aside(dfd)
                self._put_back(dfd)
            finally:
                os.close(dfd)
        except OSError as exc:
            self._seen = self._stat()
            return Tampered(self.path, kept, failed=str(exc))
        self._seen = self._stat()
        return Tampered(self.path, kept)

    def _rebuild_chain(self) -> None:
        """Put back each directory on the way from the workspace root that a job renamed or
        replaced (with a symlink, say): whatever is under its name is moved aside, unread, and
        an empty directory made in its place."""
        for n, (path, seen) in enumerate(self._chain):
            if seen is not None and _dir_identity(path) == seen:
                continue
            parent, name = os.path.split(path)
            pfd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                try:
                    st = os.lstat(name, dir_fd=pfd)
                except FileNotFoundError:
                    st = None
                if st is not None and not (
                    stat.S_ISDIR(st.st_mode) and (st.st_dev, st.st_ino) == seen
                ):
                    aside = f"{name}.rejected-{secrets.token_hex(6)}"
                    os.rename(name, aside, src_dir_fd=pfd, dst_dir_fd=pfd)
                    st = None
                if st is None:
                    os.mkdir(name, 0o755, dir_fd=pfd)
            finally:
                os.close(pfd)
            self._chain[n] = (path, _dir_identity(path))

    def _set_aside(self, dfd: int) -> str | None:
        """Move what is under the name now (of any type) to a new random name; its path."""
        try:
            os.lstat(self._name, dir_fd=dfd)
        except FileNotFoundError:
            return None
        aside = f"{self._name}.rejected-{secrets.token_hex(6)}"
        os.rename(self._name, aside, src_dir_fd=dfd, dst_dir_fd=dfd)
        return os.path.join(self._dir, aside)

    def _put_back(self, dfd: int) -> None:
        tmp = f".{self._name}.execgate-restore-{secrets.token_hex(6)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(tmp, flags, self._mode, dir_fd=dfd)
        try:
            view = memoryview(self._loaded)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, self._mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, self._name, src_dir_fd=dfd, dst_dir_fd=dfd)


__all__ = ["PolicyGuard", "Tampered"]
