"""Where the flight recorder lives, and whether a job could reach it. Pure, but for the
``realpath`` calls that say what a path really names.

The default store is outside every workspace: ``$XDG_STATE_HOME/execgate/<key>/execgate.db``
(``~/.local/state/...`` when ``XDG_STATE_HOME`` is unset or relative), where ``<key>`` is a
digest of the workspace's real path, so each workspace has its own store and a job, which may
write its workspace, cannot corrupt or delete its own record. A store a job can write (or, in
secure mode, read) is refused when a gate starts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping

from ..errors import StoreExposed

#: The store URL meaning "the per-user state store of the workspace" (see
#: :func:`resolve_store_url`).
DEFAULT_STORE_URL = "default"


def state_home(env: Mapping[str, str] | None = None) -> str:
    """The per-user state directory (XDG base directory rules: a relative value is ignored)."""
    env = os.environ if env is None else env
    configured = env.get("XDG_STATE_HOME", "")
    if os.path.isabs(configured):
        return configured
    return os.path.join(os.path.expanduser("~"), ".local", "state")


def default_store_path(workspace: str, env: Mapping[str, str] | None = None) -> str:
    """The default SQLite file for ``workspace``: one directory per workspace real path."""
    key = hashlib.sha256(os.path.realpath(workspace).encode()).hexdigest()[:24]
    return os.path.join(state_home(env), "execgate", key, "execgate.db")


def resolve_store_url(url: str, workspace: str) -> str:
    """``url``, with :data:`DEFAULT_STORE_URL` replaced by the default store of
    ``workspace``."""
    if url != DEFAULT_STORE_URL:
        return url
    return "sqlite:///" + default_store_path(workspace)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def check_store_out_of_reach(
    store_path: str, *, writable: Iterable[str], readable: Iterable[str] = ()
) -> None:
    """Raise :class:`StoreExposed` when the SQLite file ``store_path`` (or the directory that
    holds it and its journal) lies inside a path a job may write, or may read in secure mode.

    Paths are compared after ``realpath``, so a symlink into the workspace is seen for what
    it is.
    """
    folder = os.path.realpath(os.path.dirname(store_path) or ".")
    for kind, roots in (("writes", writable), ("reads", readable)):
        for root in roots:
            real = os.path.realpath(root)
            if _under(folder, real):
                raise StoreExposed(
                    f"the flight recorder {store_path!r} is inside {root!r}, which a job "
                    f"{kind}: a job could {'corrupt or delete' if kind == 'writes' else 'read'}"
                    " its own record. Put the store elsewhere (--store / Gate.open(store=...),"
                    " or XDG_STATE_HOME for the default store), or narrow the workspace"
                )
