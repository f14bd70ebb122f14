"""The policy file's guard: no job's change to the file its gate was loaded from survives.

Path checks refuse every command that names the policy file, and secure mode binds it
read-only; but a program that writes the files its *input* names (``patch``, ``git apply``,
``git restore`` from an index a job staged) or any interpreter in plain mode can still rewrite
it, and the next gate opened on that file would decide under the job's policy. So the gate
keeps the bytes it loaded, and after every job compares the file with them (a ``stat`` first:
same inode, size and change time means unchanged, and no process can set a change time back).
A changed file is put back as it was loaded, atomically, and the job's version is kept beside
it (``<name>.rejected-<job id>``) so that nothing is lost, also not an edit a person made while
a job ran. The caller records the event.

Guarantee: when :meth:`PolicyGuard.check` returns, the file holds the bytes the gate loaded
(or the guard says why it could not restore them). Not covered: a gate opened *while* a job has
the file changed (concurrent gates on one policy file) reads the job's version.
"""

from __future__ import annotations

import os

import attrs


@attrs.frozen
class Tampered:
    """The policy file was changed by a job and put back."""

    path: str
    #: Where the changed version was kept, or None when it could not be kept.
    kept: str | None
    #: Why the loaded version could not be put back (None: it was).
    failed: str | None = None


def _fingerprint(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_ctime_ns)


class PolicyGuard:
    """Watches one policy file (``path``, holding ``loaded`` when the gate read it)."""

    def __init__(self, path: str, loaded: bytes) -> None:
        self.path = path
        self._loaded = loaded
        self._seen = self._stat()

    @classmethod
    def for_source(cls, source: str) -> PolicyGuard | None:
        """A guard for a policy loaded from the file ``source``; None for a built-in policy
        or one that cannot be read back (then there is nothing to compare with)."""
        if source.startswith("<"):
            return None
        path = os.path.realpath(source)
        try:
            with open(path, "rb") as f:
                return cls(path, f.read())
        except OSError:
            return None

    def _stat(self) -> tuple[int, int, int, int] | None:
        try:
            return _fingerprint(os.stat(self.path))
        except OSError:
            return None

    def check(self, job_id: str) -> Tampered | None:
        """After job ``job_id``: put the loaded policy back if the file changed."""
        now = self._stat()
        if now is not None and now == self._seen:
            return None
        try:
            with open(self.path, "rb") as f:
                current: bytes | None = f.read()
        except OSError:
            current = None  # deleted or made unreadable: put it back all the same
        if current == self._loaded:
            self._seen = now
            return None
        kept: str | None = None
        if current is not None:
            kept = f"{self.path}.rejected-{job_id}"
            try:
                with open(kept, "xb") as f:
                    f.write(current)
            except OSError:
                kept = None
        tmp = f"{self.path}.execgate-restore-{os.getpid()}"
        try:
            if os.path.islink(self.path) or os.path.isdir(self.path):
                raise OSError(f"{self.path} is no longer a regular file")
            with open(tmp, "wb") as f:
                f.write(self._loaded)
            os.replace(tmp, self.path)
        except OSError as exc:
            self._seen = self._stat()
            return Tampered(self.path, kept, failed=str(exc))
        self._seen = self._stat()
        return Tampered(self.path, kept)


__all__ = ["PolicyGuard", "Tampered"]
