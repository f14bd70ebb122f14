"""Where names and paths lead on this host: realpath, PATH look-ups and rule programs.

:func:`real` resolves a path as the kernel does, never raising. :class:`Resolver` answers the
look-ups a decision makes again and again -- the filtered PATH, where a bare program name is
found on it, which file a rule's program is -- and remembers each answer for ``ttl`` seconds
by its own ``clock``. Whoever owns a resolver owns that memory: the gatekeeper keeps one for
its lifetime, and :func:`~execgate.policy.evaluate` called without one resolves everything
afresh. What the resolver remembers only ever narrows *where* a program is looked for; the
file a plan runs is decided on anew every time (``real``), so a stale answer means at most
that a program installed earlier on PATH is seen ``ttl`` seconds later.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable, Hashable

import attrs

from ._model import AllowRule, DenyRule

__all__ = ["UNRESOLVABLE", "Resolver", "inside", "real"]

#: What a path that cannot be resolved (a permission error inside /proc, a loop) resolves to:
#: a place that is inside nothing, so every check refuses it.
UNRESOLVABLE = "\x00unresolvable"

#: How long a :class:`Resolver` remembers an answer by default: a program installed or
#: replaced on PATH is seen within this many seconds.
DEFAULT_TTL = 2.0

#: How many answers of one kind a resolver keeps before it forgets them all.
_MAX_ENTRIES = 4096


def real(path: str) -> str:
    """realpath, never raising: a path that cannot be resolved is refused, not an error.

    An existing path is resolved by the kernel: opened with ``O_PATH`` (no open of a device
    or FIFO, no read permission needed) and its ``/proc/self/fd`` link read back -- three
    system calls, where ``os.path.realpath`` makes one per component. Anything else -- a
    missing path, a loop, no /proc, a link that is not a plain path (a pipe, an unlinked
    file) -- goes to ``os.path.realpath``, which gives the same answer for every path the
    kernel resolves (tested against it)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (OSError, ValueError):
        return _realpath(path)
    try:
        resolved = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return _realpath(path)
    finally:
        os.close(fd)
    if not resolved.startswith("/") or resolved.endswith(" (deleted)"):
        return _realpath(path)
    return resolved


def _realpath(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return UNRESOLVABLE


def _signature(dirs: tuple[str, ...]) -> tuple[tuple[int, int, int], ...]:
    """Each directory's inode, modification and change times (zeros when it is gone)."""
    out = []
    for d in dirs:
        try:
            st = os.lstat(d)
        except OSError:
            out.append((0, 0, 0))
            continue
        out.append((st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)


def inside(path: str, root: str) -> bool:
    """Whether the resolved ``path`` is ``root`` or below it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def filter_path(raw: str, root: str) -> str:
    """``raw`` (a PATH value) without the entries a job could plant programs in: relative
    ones and those inside the workspace ``root``."""
    keep = []
    for entry in raw.split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue
        if inside(real(entry), root):
            continue
        keep.append(entry)
    return os.pathsep.join(keep)


@attrs.define
class Resolver:
    """PATH and program look-ups, each remembered for ``ttl`` seconds of ``clock``.

    Meant for one owner deciding one request at a time (the gatekeeper, on its event loop);
    ``ttl=0`` remembers nothing, and ``clock`` is a parameter so a test can move time."""

    ttl: float = DEFAULT_TTL
    clock: Callable[[], float] = time.monotonic
    _paths: dict[tuple[str, str], tuple[float, str]] = attrs.field(factory=dict, init=False)
    _names: dict[tuple[str, str], tuple[float, str]] = attrs.field(factory=dict, init=False)
    _rules: dict[tuple[AllowRule | DenyRule, str], tuple[float, str | None]] = attrs.field(
        factory=dict, init=False
    )
    _files: dict[tuple[tuple[str, str], str], tuple[tuple[int, ...], float, str | None]] = (
        attrs.field(factory=dict, init=False)
    )
    _trees: dict[
        str, tuple[tuple[tuple[int, int, int], ...], float, str | None, tuple[str, ...]]
    ] = attrs.field(factory=dict, init=False)
    _picks: dict[Hashable, tuple[float, object, tuple[int, ...]]] = attrs.field(
        factory=dict, init=False
    )

    def pick(
        self, owner: object, key: Hashable, compute: Callable[[], tuple[int, ...]]
    ) -> tuple[int, ...]:
        """``compute()`` -- which of ``owner``'s rules (a policy) could name the program a
        request runs -- remembered under ``key`` for ``ttl`` seconds, as the look-ups it rests
        on are, and only for that same ``owner`` object."""
        now = self.clock()
        full = (id(owner), key)
        hit = self._picks.get(full)
        if hit is not None and hit[1] is owner and now - hit[0] < self.ttl:
            return hit[2]
        found = compute()
        if len(self._picks) > _MAX_ENTRIES:
            self._picks.clear()
        self._picks[full] = (now, owner, found)
        return found

    def per_file(
        self, kind: tuple[str, str], path: str, read: Callable[[], str | None]
    ) -> str | None:
        """``read()``'s answer about the regular file ``path`` (a refusal reason, or None;
        None without reading when ``path`` is no regular file), remembered for ``ttl`` seconds
        while the file is the same: same device, inode, size, and modification and change
        times (the change time no process can set back)."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        key, now = (kind, path), self.clock()
        hit = self._files.get(key)
        if hit is not None and hit[0] == identity and now - hit[1] < self.ttl:
            return hit[2]
        answer = read()
        if len(self._files) > 256:
            self._files.clear()
        self._files[key] = (identity, now, answer)
        return answer

    def per_tree(
        self, key: str, walk: Callable[[], tuple[str | None, tuple[str, ...] | None]]
    ) -> str | None:
        """``walk()``'s answer about the directory tree ``key`` (a refusal reason, or None),
        remembered for ``ttl`` seconds while every directory it names is the same (inode,
        modification and change times: an entry added, removed or renamed in one changes
        them). ``walk`` returns the directories its answer rests on, or None when the answer
        rests on more than they show (a symlink's target): then it is not remembered."""
        now = self.clock()
        hit = self._trees.get(key)
        if hit is not None and now - hit[1] < self.ttl and hit[0] == _signature(hit[3]):
            return hit[2]
        answer, dirs = walk()
        if dirs is not None:
            if len(self._trees) > 256:
                self._trees.clear()
            self._trees[key] = (_signature(dirs), now, answer, dirs)
        return answer

    def search_path(self, raw: str, root: str) -> str:
        """:func:`filter_path` of ``raw`` for the workspace ``root`` (a realpath per entry
        is most of a decision's cost otherwise)."""
        key, now = (raw, root), self.clock()
        hit = self._paths.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        if len(self._paths) > 256:
            self._paths.clear()
        result = filter_path(raw, root)
        self._paths[key] = (now, result)
        return result

    def which(self, name: str, path: str, cwd: str) -> str | None:
        """The program ``name`` runs as: a path (relative to ``cwd``) as it is, a bare name
        looked up on ``path``. A bare name's lookup is remembered while what it found is
        still executable (a walk of PATH costs a stat or three per entry). A name with a
        slash is looked at every time: a relative one names the workspace, which the job
        writes."""
        if "/" in name:
            candidate = os.path.join(cwd, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return os.path.normpath(candidate)
            return None
        key, now = (name, path), self.clock()
        hit = self._names.get(key)
        if hit is not None and now - hit[0] < self.ttl and os.access(hit[1], os.X_OK):
            return hit[1]
        found = shutil.which(name, path=path)
        if found is not None:
            if len(self._names) > _MAX_ENTRIES:
                self._names.clear()
            self._names[key] = (now, found)
        return found

    def rule_program(self, rule: AllowRule | DenyRule, path: str) -> str | None:
        """The resolved file a rule's program names (its ``path``, or its command's first
        word on ``path``), or None when there is none. Resolving every rule on every request
        would cost a stat per PATH entry per rule."""
        key, now = (rule, path), self.clock()
        hit = self._rules.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        if rule.path is not None:
            resolved: str | None = real(rule.path)
        else:
            first = rule.command.split()[0]
            found = first if os.path.isabs(first) else shutil.which(first, path=path)
            resolved = real(found) if found else None
        if resolved == UNRESOLVABLE:
            resolved = None
        if len(self._rules) > _MAX_ENTRIES:
            self._rules.clear()
        self._rules[key] = (now, resolved)
        return resolved
