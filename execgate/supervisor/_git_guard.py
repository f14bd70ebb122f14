"""The workspace repository's guard: no git configuration or hook a job planted survives it.

git runs programs named by a repository's own files whenever it runs — also the user's plain
git, later, outside the gate: ``core.fsmonitor`` or an alias in ``.git/config``, an executable
``.git/hooks/pre-commit``, a ``.git`` file pointing git at a directory elsewhere. Path checks
refuse commands that name these files, and secure mode binds them read-only, but only where
they exist when the job starts: a job may ``git init`` a workspace that had no repository and
write into the new one, and in policy mode any interpreter may write anywhere the user can.

So the gate looks at the workspace's top-level repository (``<root>/.git`` and what it points
to, or the workspace itself when git would take it for a bare repository) before and after
every job. Before: an ``lstat`` of each watched file (of ``.git`` and ``HEAD`` when there is
no repository); the entries of a configuration file are read (by git) only when the file is
new to the guard. After: the same ``lstat`` calls; when nothing changed, that is all. A
change the job made is judged, and what would run a program (or point git outside the
workspace) is set aside:

* a ``.git`` file or symlink pointing outside the workspace: renamed ``.git.rejected-<random>``;
* a ``config`` (or ``config.worktree``) whose new entries name a program or an outside file
  (the rules of ``policy._configs`` plus the settings a plain git runs: fsmonitor,
  ``core.hooksPath``, shell aliases, tool commands), or that is a symlink or unreadable to
  git: renamed ``config.rejected-<random>`` and, for ``config``, replaced by the job's
  version without those entries (written anew, every value quoted), or by a minimal one;
* a changed ``commondir`` pointing outside the workspace, a new ``objects/info/alternates``:
  renamed aside;
* a new or changed executable file or symlink in ``hooks/`` (``.sample`` files aside), or a
  ``hooks`` that is no longer a directory: renamed ``rejected-<random>`` within its directory.

Entries that were in a configuration file before the job are the user's: they stay, and
never count as the job's. Nothing is followed through a symlink (renames act on the link
itself; new files are created with ``O_EXCL | O_NOFOLLOW``), and no name the job chose becomes
part of a path. Not covered: nested repositories (``sub/.git``), the directory a
``core.hooksPath`` the user configured names, and a change made while another job of the same
workspace is still running and rewrites it again.
"""

from __future__ import annotations

import os
import secrets
import stat

import attrs

from ..policy import git_config_entries, git_entry_refusal, git_entry_runs_program

#: An lstat's identity: device, inode, mode, size, modification and change time.
Fingerprint = tuple[int, int, int, int, int, int]

#: Files of a git directory that decide what git reads or runs (``hooks`` separately).
_WATCHED = ("config", "config.worktree", "commondir", "objects/info/alternates")
_CONFIGS = ("config", "config.worktree")

#: What a configuration git cannot read is replaced with.
_MINIMAL = "[core]\n\trepositoryformatversion = 0\n"


def _lstat(path: str) -> Fingerprint | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _read_small(path: str) -> str | None:
    """The start of the regular file ``path`` (not through a symlink, never blocking on a
    FIFO a job put in its place), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, 4096).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(fd)


def _inside(path: str, root: str) -> bool:
    return (path.rstrip("/") + "/").startswith(root.rstrip("/") + "/")


@attrs.frozen
class GitState:
    """What the guard saw of the workspace repository at one moment."""

    #: Fingerprint of every watched path that exists.
    paths: dict[str, Fingerprint] = attrs.field(factory=dict)
    #: The git directory ``.git`` leads to (None: no repository, or none that resolves).
    git_dir: str | None = None
    #: The directory holding the shared configuration and hooks (``commondir``, else git_dir).
    common: str | None = None
    #: The git directories of submodules and worktrees inside it (``modules/*``,
    #: ``worktrees/*``): a plain ``git status`` reads their config and runs their hooks too.
    others: tuple[str, ...] = ()


@attrs.frozen
class GitTampered:
    """A job planted git configuration or hooks in the workspace; the guard set them aside."""

    #: One line per thing set aside (what it was, why, and where it was kept).
    actions: tuple[str, ...]
    #: What could not be set aside, with why (empty: everything was).
    failed: tuple[str, ...] = ()


class GitGuard:
    """Watches the top-level repository of the workspace ``root`` (see the module)."""

    def __init__(self, root: str, git: str = "git") -> None:
        self.root = root.rstrip("/") or "/"
        self.git = git
        #: Per configuration file and fingerprint: its entries that would run a program or
        #: reach outside (None: git could not read it).
        self._flagged: dict[tuple[str, Fingerprint], frozenset[tuple[str, str]] | None] = {}
        #: Per directory: the fingerprint it was listed at, and the names it held.
        self._listings: dict[str, tuple[Fingerprint, frozenset[str]]] = {}

    # --- looking ------------------------------------------------------------------------

    def before(self) -> GitState:
        """The state before a job; reads the entries of configuration files new to the
        guard, so that the job is judged only on what it adds."""
        state = self._state()
        for path, fp in state.paths.items():
            config = os.path.basename(path) in _CONFIGS and stat.S_ISREG(fp[2])
            if config and (path, fp) not in self._flagged:
                self._read(path, fp)
        return state

    def _state(self) -> GitState:
        dot = self.root + "/.git"
        fp = _lstat(dot)
        if fp is None:
            # No .git: git takes the workspace itself for a bare repository when it has
            # a HEAD file and objects/ and refs/ directories.
            head = _lstat(self.root + "/HEAD")
            if head is None or not self._bare():
                return GitState()
            paths = {self.root + "/HEAD": head}
            git_dir: str | None = self.root
        else:
            paths = {dot: fp}
            git_dir = self._resolve(dot, fp[2])
        if git_dir is None:
            return GitState(paths)
        common = git_dir
        self._watch(paths, git_dir)
        commondir = paths.get(git_dir + "/commondir")
        if commondir is not None and stat.S_ISREG(commondir[2]):
            text = _read_small(git_dir + "/commondir")
            if text is not None:
                common = os.path.realpath(os.path.join(git_dir, text.strip()))
            if common != git_dir:
                self._watch(paths, common)
        others = self._others(paths, common)
        for directory in (common, *others):
            hooks = directory + "/hooks"
            for name in self._listing(paths, hooks):
                # git runs neither a *.sample nor what the guard set aside (rejected-*)
                if not name.endswith(".sample") and not name.startswith("rejected-"):
                    self._look(paths, f"{hooks}/{name}")
        return GitState(paths, git_dir, common, others)

    def _others(self, paths: dict[str, Fingerprint], common: str) -> tuple[str, ...]:
        """The git directories of worktrees (``worktrees/NAME``) and submodules
        (``modules/NAME``, nested ``modules/A/modules/B``, names with slashes), watched like
        the top one; at most 64, found through listings cached like every other."""
        found: list[str] = []
        pending = [(f"{common}/modules", 0), (f"{common}/worktrees", 3)]
        while pending and len(found) < 64:
            base, depth = pending.pop()
            for name in sorted(self._listing(paths, base)):
                here = f"{base}/{name}"
                names = self._listing(paths, here)
                if "HEAD" in names or "config" in names or "commondir" in names:
                    found.append(here)
                    self._watch(paths, here)
                    if "modules" in names and depth < 3:
                        pending.append((f"{here}/modules", depth + 1))
                elif names and depth < 3:
                    pending.append((here, depth + 1))  # a submodule named a/b
        return tuple(found)

    def _watch(self, paths: dict[str, Fingerprint], directory: str) -> None:
        """Fingerprint the watched files of the git directory ``directory`` that exist (their
        directories' listings tell which, read again only when a directory changed)."""
        names = self._listing(paths, directory)
        for name in ("config", "config.worktree", "commondir"):
            if name in names:
                self._look(paths, f"{directory}/{name}")
        if "alternates" in self._listing(paths, f"{directory}/objects/info"):
            self._look(paths, f"{directory}/objects/info/alternates")

    def _listing(self, paths: dict[str, Fingerprint], directory: str) -> frozenset[str]:
        """The names in ``directory`` (fingerprinted into ``paths``), remembered while its
        fingerprint is unchanged: an entry made, removed or renamed changes the directory's
        change time, which no process can set back."""
        fp = paths.get(directory) or self._look(paths, directory)
        if fp is None or not stat.S_ISDIR(fp[2]):
            return frozenset()
        hit = self._listings.get(directory)
        if hit is not None and hit[0] == fp:
            return hit[1]
        try:
            with os.scandir(directory) as it:
                names = frozenset(entry.name for entry in it)
        except OSError:
            names = frozenset()
        if len(self._listings) > 64:
            self._listings.clear()
        self._listings[directory] = (fp, names)
        return names

    def _bare(self) -> bool:
        return os.path.isdir(self.root + "/objects") and os.path.isdir(self.root + "/refs")

    @staticmethod
    def _look(paths: dict[str, Fingerprint], path: str) -> Fingerprint | None:
        fp = _lstat(path)
        if fp is not None:
            paths[path] = fp
        return fp

    def _resolve(self, dot: str, mode: int) -> str | None:
        """The git directory ``dot`` leads to (a directory, a symlink to one, or a
        ``gitdir:`` file), or None."""
        if stat.S_ISDIR(mode):
            return dot
        if stat.S_ISLNK(mode):
            target = os.path.realpath(dot)
            return target if os.path.isdir(target) else None
        if not stat.S_ISREG(mode):
            return None
        pointer = (_read_small(dot) or "").strip()
        if not pointer.startswith("gitdir:"):
            return None
        target = os.path.realpath(os.path.join(self.root, pointer[len("gitdir:") :].strip()))
        return target if os.path.isdir(target) else None

    def _read(
        self, path: str, fp: Fingerprint
    ) -> tuple[list[tuple[str, str]] | str, frozenset[tuple[str, str]] | None]:
        """The entries of the configuration file ``path`` and those of them that would run
        a program or reach outside the workspace (remembered for its fingerprint ``fp``)."""
        entries = git_config_entries(path, self.git)
        flagged = None
        if not isinstance(entries, str):
            flagged = frozenset(
                (key, value)
                for key, value in entries
                if git_entry_runs_program(key, value)
                or git_entry_refusal(key, value, path, self.root, self.root) is not None
            )
        if len(self._flagged) > 256:
            self._flagged.clear()
        self._flagged[(path, fp)] = flagged
        return entries, flagged

    # --- judging ------------------------------------------------------------------------

    def check(self, before: GitState) -> GitTampered | None:
        """After a job that started at ``before``: set aside what it planted (see the
        module); None when it planted nothing."""
        after = self._state()
        if after.paths == before.paths:
            return None
        actions: list[str] = []
        failed: list[str] = []

        def changed(path: str) -> bool:
            return path in after.paths and after.paths[path] != before.paths.get(path)

        def aside(path: str, why: str, replace: str | None = None) -> None:
            try:
                kept = _set_aside(path, replace)
            except OSError as exc:
                failed.append(f"{path!r} {why}; it could not be set aside ({exc})")
            else:
                actions.append(f"{path!r} {why}; kept as {kept!r}")

        dot = self.root + "/.git"
        if changed(dot) and not stat.S_ISDIR(after.paths[dot][2]):
            target = after.git_dir
            if target is None or not _inside(target, self.root):
                aside(dot, "points git outside the workspace or at no repository")
                return GitTampered(tuple(actions), tuple(failed))
        git_dir, common = after.git_dir, after.common
        if git_dir is None or common is None:
            return None
        for directory in dict.fromkeys((git_dir, common, *after.others)):
            for name in _WATCHED:
                path = f"{directory}/{name}"
                if not changed(path):
                    continue
                why, replace = self._judge(path, name, after.paths[path], before, directory)
                if why is not None:
                    # a config git needs is replaced by the job's version minus what runs
                    keeps = directory == common or directory in after.others
                    aside(path, why, replace if name == "config" and keeps else None)
        for directory in (common, *after.others):
            hooks = directory + "/hooks"
            if changed(hooks) and not stat.S_ISDIR(after.paths[hooks][2]):
                aside(hooks, "is not a directory (git would run what it leads to)")
                continue
            for path in sorted(p for p in after.paths if p.startswith(hooks + "/")):
                mode = after.paths[path][2]
                runnable = stat.S_ISLNK(mode) or (stat.S_ISREG(mode) and mode & 0o111)
                if changed(path) and runnable:
                    aside(path, "is a hook the job planted (git would run it)")
        if not actions and not failed:
            return None
        return GitTampered(tuple(actions), tuple(failed))

    def _judge(
        self, path: str, name: str, fp: Fingerprint, before: GitState, directory: str
    ) -> tuple[str | None, str | None]:
        """Why the changed file ``path`` (``name`` in its git directory) must go, or None;
        and, for a configuration, the minimal text to put in its place."""
        if not stat.S_ISREG(fp[2]):
            return "is not a regular file (git would follow it)", _MINIMAL
        if name == "objects/info/alternates":
            return "borrows objects from another repository", None
        if name == "commondir":
            text = _read_small(path)
            if text is None:
                return "cannot be read", None
            target = os.path.realpath(os.path.join(directory, text.strip()))
            if _inside(target, self.root):
                return None, None
            return "points git outside the workspace", None
        old = before.paths.get(path)
        # Entries the file held before the job are the user's; unknown before: none are.
        seen = self._flagged.get((path, old)) if old is not None else None
        entries, flagged = self._read(path, fp)
        if isinstance(entries, str) or flagged is None:
            return "is not a configuration git reads cleanly", _MINIMAL
        new = sorted(flagged - (seen or frozenset()))
        if not new:
            return None, None
        keys = ", ".join(repr(key[:60]) for key, _ in new[:3])
        rest = [entry for entry in entries if entry not in set(new)]
        return f"sets {keys}, which runs a program or reaches outside", _serialise(rest)


def _serialise(entries: list[tuple[str, str]]) -> str:
    """A configuration file holding ``entries`` (keys as git lists them), in git's syntax:
    subsection names and values quoted, so that no value becomes a line of its own."""

    def quoted(text: str, value: bool = True) -> str:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        if value:
            escaped = escaped.replace("\n", "\\n").replace("\t", "\\t")
        return '"' + escaped + '"'

    out: list[str] = []
    header: tuple[str, str | None] | None = None
    for key, value in entries:
        section, _, rest = key.partition(".")
        subsection, dot, name = rest.rpartition(".")
        here = (section, subsection if dot else None)
        if here != header:
            header = here
            sub = f" {quoted(subsection, value=False)}" if dot else ""
            out.append(f"[{section}{sub}]\n")
        out.append(f"\t{name} = {quoted(value)}\n")
    return "".join(out) or _MINIMAL


def _set_aside(path: str, replace: str | None) -> str:
    """Rename ``path`` (itself, never what a symlink leads to) to ``rejected-<random>``
    beside it — ``<name>.rejected-<random>`` when its name is one of git's own — and, with
    ``replace``, put a new file holding that text in its place. Returns the kept path."""
    parent, name = os.path.split(path)
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    mode: int | None = None
    try:
        st = os.fstat(fd)
        if st.st_mode & stat.S_IRWXU != stat.S_IRWXU and st.st_uid == os.geteuid():
            # a job may take away its owner's write permission on the directory: the
            # renames need it back for a moment
            mode = stat.S_IMODE(st.st_mode)
            os.fchmod(fd, mode | stat.S_IRWXU)
        fixed = name in ("config", "config.worktree", "commondir", "alternates", ".git", "hooks")
        prefix = f"{name}." if fixed else ""
        kept = f"{prefix}rejected-{secrets.token_hex(8)}"
        tmp: str | None = None
        if replace is not None:
            tmp = f"{name}.execgate-{secrets.token_hex(8)}"
            out = os.open(
                tmp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o644,
                dir_fd=fd,
            )
            with os.fdopen(out, "w", encoding="utf-8") as f:
                f.write(replace)
        try:
            try:
                os.stat(kept, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                pass
            else:
                raise FileExistsError(f"{parent}/{kept} exists")
            os.rename(name, kept, src_dir_fd=fd, dst_dir_fd=fd)
            if tmp is not None:
                os.rename(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
                tmp = None
        finally:
            if tmp is not None:
                os.unlink(tmp, dir_fd=fd)
        return f"{parent}/{kept}"
    finally:
        if mode is not None:
            os.fchmod(fd, mode)
        os.close(fd)


__all__ = ["GitGuard", "GitState", "GitTampered"]
