"""What every command shares: exit codes, failure reporting, finding the policy and the
store, sizes and times as options.

The policy a command uses is the first of: ``--policy FILE``; ``$EXECGATE_POLICY``; an
``execgate.toml`` found in the current directory or a parent, up to the home directory or
the filesystem root (as ruff and uv find their configuration); the embedded read-only
policy with the current directory as its workspace. The store is ``--store URL``, else
``$EXECGATE_STORE``, else the workspace's default store.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import cattrs
import click

from .._units import parse_size, shown
from ..errors import (
    ExecgateError,
    ProgramNotFound,
    Refused,
    RequestError,
    StoreMissing,
)
from ..integrations import decision_fields
from ..policy import Policy, default_policy, load_policy
from ..store import DEFAULT_STORE_URL, Store, open_store, parse_store_url, resolve_store_url

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2
EXIT_TIMEOUT = 124
EXIT_FAILED = 125
EXIT_REFUSED = 126
EXIT_NOT_FOUND = 127
EXIT_INTERRUPTED = 130

#: The file name found upward from the current directory.
POLICY_FILE_NAME = "execgate.toml"

CONTEXT = {"help_option_names": ["-h", "--help"]}

json_converter = cattrs.Converter()


def fail(exc: ExecgateError, as_json: bool) -> NoReturn:
    """Report ``exc`` on stderr (and as JSON on stdout with ``--json``) and exit with its
    code: 127 program not found, 126 refused, 2 no store to read, 125 anything else."""
    code = EXIT_FAILED
    if isinstance(exc, ProgramNotFound):
        code = EXIT_NOT_FOUND
    elif isinstance(exc, Refused | RequestError):
        code = EXIT_REFUSED
    elif isinstance(exc, StoreMissing):
        code = EXIT_USAGE
    if as_json:
        if isinstance(exc, Refused):
            click.echo(json.dumps(decision_fields(exc.decision)))
        else:
            click.echo(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
    click.echo(f"execgate: {exc}", err=True)
    sys.exit(code)


# --- the policy -----------------------------------------------------------------------------


def find_policy_files(start: Path, home: Path | None) -> list[Path]:
    """Every ``execgate.toml`` in ``start`` and its parents, nearest first, up to ``home``
    (included) when ``start`` is inside it, else up to the filesystem root."""
    found = []
    here = start
    while True:
        candidate = here / POLICY_FILE_NAME
        if candidate.is_file():
            found.append(candidate)
        if here == home or here.parent == here:
            return found
        here = here.parent


def _untrusted(path: Path) -> str | None:
    """Why a found policy file may have been written by someone else, or None: it must be
    owned by this user (or root) and writable by no one else, as git asks of a repository
    it finds (a world-writable /tmp is on the way up from every directory under it)."""
    st = path.stat()
    if st.st_uid not in (os.geteuid(), 0):
        return f"{path} is owned by uid {st.st_uid}, not by you"
    if st.st_mode & 0o022:
        return f"{path} is writable by others (mode {st.st_mode & 0o777:o})"
    return None


def discovered_policy() -> Path | None:
    """The ``execgate.toml`` that applies in the current directory, or None.

    Two on the way up are refused rather than the nearer one taken: a job allowed to write
    in the outer policy's workspace could have written the inner one, and with it granted
    itself anything. So is one that someone else could have written. Naming the policy
    (``--policy``, ``EXECGATE_POLICY``) settles either.
    """
    try:
        home: Path | None = Path.home().resolve()
    except (KeyError, RuntimeError):  # no HOME and no passwd entry
        home = None
    found = find_policy_files(Path.cwd().resolve(), home)
    if len(found) > 1:
        raise click.UsageError(
            f"found {' and '.join(str(p) for p in found)}: more than one {POLICY_FILE_NAME} "
            "above this directory, and a job allowed to write in the outer one's workspace "
            "could have written the inner one; name the policy with --policy FILE or "
            "EXECGATE_POLICY"
        )
    if not found:
        return None
    why = _untrusted(found[0])
    if why is not None:
        raise click.UsageError(
            f"{why}: someone else could have written this policy, so it is not used; name "
            "the policy with --policy FILE or EXECGATE_POLICY"
        )
    return found[0]


def policy_path_or_found(explicit: str | None) -> str | None:
    """``explicit`` (``--policy`` or ``EXECGATE_POLICY``), else the discovered file."""
    if explicit:
        return explicit
    found = discovered_policy()
    return str(found) if found is not None else None


def load(explicit: str | None, as_json: bool) -> Policy:
    """The policy that applies (see the module's docstring); a bad one ends the command."""
    path = policy_path_or_found(explicit)
    try:
        return load_policy(path) if path else default_policy()
    except ExecgateError as exc:
        fail(exc, as_json)


def policy_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--policy",
        "policy_path",
        metavar="FILE",
        envvar="EXECGATE_POLICY",
        show_envvar=True,
        help=help_text,
    )


# --- the store ------------------------------------------------------------------------------


def store_option(f: F) -> F:
    return click.option(
        "--store",
        default=DEFAULT_STORE_URL,
        metavar="URL",
        envvar="EXECGATE_STORE",
        show_envvar=True,
        help="Flight-recorder store: sqlite:///PATH, a file path or postgresql://... "
        "(default: the workspace's store in $XDG_STATE_HOME/execgate/).",
    )(f)


def existing_store(store: str, policy_path: str | None, as_json: bool) -> Store:
    """Open ``store`` for a command that reads it, never creating one: a SQLite file that
    does not exist is :class:`StoreMissing`. The default store is the workspace's of the
    policy that applies (see the module's docstring)."""
    try:
        if store == DEFAULT_STORE_URL:
            path = policy_path_or_found(policy_path)
            root = load(path, as_json).root if path else os.getcwd()
            url = resolve_store_url(store, root)
        else:
            url = store
        parsed = parse_store_url(url)
        if parsed.scheme == "sqlite" and not os.path.isfile(parsed.path):
            if store == DEFAULT_STORE_URL:
                raise StoreMissing(
                    f"nothing recorded yet for the workspace {root}: no store at "
                    f"{parsed.path} (run a command through execgate first, or name a store "
                    "with --store URL or EXECGATE_STORE)"
                )
            raise StoreMissing(
                f"no store at {parsed.path} ({parsed.redacted}); a command that reads the "
                "flight recorder does not create one: check the URL"
            )
        return open_store(url)
    except ExecgateError as exc:
        fail(exc, as_json)


# --- values ---------------------------------------------------------------------------------


if TYPE_CHECKING:  # generic from click 8.2; the runtime base must work with 8.1 too
    _IntParam = click.ParamType[int]
    _NumberParam = click.ParamType[int | float]
else:
    _IntParam = _NumberParam = click.ParamType


#: The largest whole number an option takes: what a database's integer holds.
MAX_INT = 2**63 - 1


class Number(_NumberParam):
    """A whole (``integer=True``) or decimal number in ``[minimum, MAX_INT]``. A value that
    is not one is a usage error that never quotes a secret (the value is redacted)."""

    def __init__(self, minimum: float, *, integer: bool = False) -> None:
        self.minimum = minimum
        self.integer = integer
        self.name = "integer" if integer else "number"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: int | float = value
        else:
            try:
                number = int(str(value)) if self.integer else float(str(value))
            except ValueError:
                self.fail(f"expected {self._what()}, got {shown(str(value))}", param, ctx)
        if not self.minimum <= number <= MAX_INT:
            self.fail(f"expected {self._what()}, got {shown(number)}", param, ctx)
        return number

    def _what(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {self.minimum:g} to 2**63-1"


class Size(_IntParam):
    """A number of bytes, written 4096, 64K, 10M or 2G (binary: K = 1024)."""

    name = "size"

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            size = parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if size < self.minimum:
            self.fail(f"expected at least {self.minimum} byte(s), got {shown(value)}", param, ctx)
        return size


def since(value: str | None) -> float | None:
    """``--since``: seconds ago with a unit (``90s``, ``15m``, ``2h``, ``7d``) or ISO 8601."""
    if value is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if value[-1:] in units and value[:-1].replace(".", "", 1).isdigit():
        return time.time() - float(value[:-1]) * units[value[-1]]
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: use e.g. 15m, 2h, 7d or 2026-11-24T08:00", param_hint="'--since'"
        ) from None
