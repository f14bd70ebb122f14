"""Configuration a program reads from the workspace, read here so it is decided too.

The job writes the workspace, so an earlier command or job can write the files a program
takes options from. Options the gate refuses on the command line must not come back through
them. For each program below, what its configuration says is read (synchronously, like the
path look-ups: no event loop) and handed to the engine, which decides it as it decides the
command line:

=======  =====================================================================================
pytest   the first of ``pytest.toml``, ``.pytest.toml``, ``pytest.ini``, ``.pytest.ini``,
         ``pyproject.toml`` (``[tool.pytest.ini_options]``), ``tox.ini`` (``[pytest]``),
         ``setup.cfg`` (``[tool:pytest]``) upward to the workspace root from the cwd and from
         each path argument, as pytest finds its rootdir, and a ``-c`` file: ``addopts`` is
         checked as command-line options, and ``cache_dir``, ``log_file``, ``pythonpath`` and
         ``testpaths`` must name paths inside the workspace
git      the repository git will use (from the cwd and ``-C``), inside the workspace, its
         configuration read by git itself: no worktree, includes, filters, drivers, editors
         or transport programs; the plan pins it with ``GIT_DIR`` and ``GIT_WORK_TREE``
npm      ``.npmrc`` from the cwd up to the workspace root: every key must be one a project may
         set (registries, saving, audit and fund notices, log level, engines...); anything else
         (``script-shell``, ``node-options``, ``logs-dir``, ``cache``, ``prefix``,
         ``userconfig``, ``globalconfig``, ``init-module``, ``git``, ``editor``...) refuses
=======  =====================================================================================

curl runs with ``-q`` (no ``.curlrc``) and git with its configuration pinned (see ``_pins`` and
``programs.git.HARDENING``), so neither needs reading. The Node tools a mode rule grants
(``npx tsc``, ``npx jest``...) have theirs read in ``_node_configs``.
"""

from __future__ import annotations

import configparser
import functools
import os
import re
import shlex
import stat
import subprocess
import tomllib

import attrs

from ._resolver import Resolver, real


@attrs.frozen
class ConfigRefusal(Exception):
    reason: str


@attrs.frozen
class PytestConfig:
    """What pytest will read from its configuration file, if it found one."""

    source: str
    addopts: tuple[str, ...] = ()
    #: path-valued settings as (key, value as written): pytest takes each relative to the
    #: file's directory, the rootdir or the invocation directory, depending on the key
    paths: tuple[tuple[str, str], ...] = ()
    #: the file's text, for the line a refusal points to (never quoted)
    text: str = ""

    def line(self, key: str) -> str:
        """`` (line N)`` where ``key`` is set, or nothing."""
        found = line_of(self.text, key)
        return f" (line {found})" if found else ""


#: The files pytest takes its configuration from, in the order it looks (pytest 9), with
#: where in each the settings are: an ini section, ``[pytest]`` of a TOML file, or (None)
#: ``[tool.pytest.ini_options]`` of pyproject.toml.
PYTEST_FILES = (
    ("pytest.toml", "[pytest]"),
    (".pytest.toml", "[pytest]"),
    ("pytest.ini", "pytest"),
    (".pytest.ini", "pytest"),
    ("pyproject.toml", None),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)
_PYTEST_PATH_KEYS = ("cache_dir", "log_file", "pythonpath", "testpaths", "junit_logfile")


def _upward(cwd: str, root: str) -> list[str]:
    dirs, here = [], cwd
    while True:
        dirs.append(here)
        if here == root or not here.startswith(root.rstrip("/") + "/"):
            return dirs
        here = os.path.dirname(here)


#: Bytes of a configuration file read before it is refused as too large to check.
MAX_CONFIG_BYTES = 1 << 20


def read_confined(path: str, root: str, reader: str, errors: str = "strict") -> str:
    """The text of the configuration file ``path``, read the way a job's redirection is
    opened: only inside the workspace ``root``. Its real path must lie inside, and it is
    opened from the root one component at a time, each with ``O_NOFOLLOW`` (a symlink
    planted since the path was resolved fails the open), as a regular file (not a FIFO that
    would hold the decision) with one name (a hard link's other name may be a file outside).
    Raises :class:`ConfigRefusal` naming the file and never what it holds: a file that leads
    outside is not read at all, and none of its text reaches a reason."""
    real_path = os.path.realpath(path)
    if not _inside(real_path, root) or real_path == os.path.realpath(root):
        raise ConfigRefusal(
            f"{path} leads outside the workspace (a symlink), where {reader} would read its "
            "configuration; the gate does not read it"
        )
    parts = os.path.relpath(real_path, os.path.realpath(root)).split("/")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        directory = os.open(os.path.realpath(root), os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigRefusal(f"{path} cannot be read ({exc.strerror})") from None
    try:
        for part in parts[:-1]:
            step = os.open(
                part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=directory
            )
            os.close(directory)
            directory = step
        fd = os.open(parts[-1], flags, dir_fd=directory)
    except OSError as exc:
        raise ConfigRefusal(
            f"{path} cannot be read inside the workspace ({exc.strerror}): {reader} would read it"
        ) from None
    finally:
        os.close(directory)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigRefusal(f"{path} is no regular file, and {reader} would read it")
        if st.st_nlink > 1:
            raise ConfigRefusal(
                f"{path} is a hard link (its other name may be a file outside the workspace), "
                f"and {reader} would read it"
            )
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigRefusal(f"{path} cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigRefusal(f"{path} is too large to check ({reader} reads it)")
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigRefusal(f"{path} is not UTF-8 text (line {line})") from None


def _line_number(exc: Exception) -> str:
    """Where a parser's error is, as `` (line N)``, or nothing: never its message, which
    may quote the file (configparser's does)."""
    line = getattr(exc, "lineno", None)
    if not isinstance(line, int):
        found = re.search(r"\bline (\d+)", str(exc))
        line = int(found.group(1)) if found else None
    return f" (line {line})" if line else ""


def line_of(text: str, key: str) -> int | None:
    """The first line of ``text`` that sets ``key`` (as ``key =``, ``key:``, a quoted
    ``"key" =``, in any case, ``-`` and ``_`` alike): where a refusal points, in place of
    what the line says."""
    folded = key.lower().replace("-", "_")
    for n, line in enumerate(text.splitlines(), start=1):
        head = re.split(r"[=:]", line.strip(), maxsplit=1)[0].strip().strip("\"'").lower()
        if head.replace("-", "_") == folded or head.endswith("." + folded):
            return n
    return None


def _at(text: str, key: str) -> str:
    line = line_of(text, key)
    return f" (line {line})" if line else ""


def _ini_section(path: str, section: str, root: str) -> dict[str, str] | None:
    parser = configparser.ConfigParser(interpolation=None)
    text = read_confined(path, root, "pytest")
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ConfigRefusal(f"{path} cannot be read as pytest would{_line_number(exc)}") from None
    if not parser.has_section(section):
        return None
    return dict(parser.items(section))


def _toml(path: str, root: str) -> dict[str, object]:
    text = read_confined(path, root, "pytest")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigRefusal(f"{path} cannot be read as pytest would{_line_number(exc)}") from None


def _toml_section(path: str, root: str) -> dict[str, object] | None:
    data = _toml(path, root)
    tool = data.get("tool")
    pytest = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(pytest, dict):
        return None
    options = pytest.get("ini_options", pytest)
    return options if isinstance(options, dict) else None


def _toml_table(path: str, name: str, root: str) -> dict[str, object] | None:
    table = _toml(path, root).get(name)
    return table if isinstance(table, dict) else None


def _words(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    try:
        return tuple(shlex.split(str(value)))
    except ValueError as exc:
        raise ConfigRefusal(f"a pytest setting does not split into words ({exc})") from None


def pytest_configs(cwd: str, root: str, args: tuple[str, ...]) -> list[PytestConfig]:
    """Every configuration pytest may take for a run in ``cwd`` with ``args``: pytest finds
    its rootdir from the common ancestor of the paths it is given, so the search starts from
    the cwd and from each argument that names an existing path in the workspace; a file
    named by ``-c``/``--config-file`` is read too."""
    starts = [cwd]
    given: list[str] = []
    for n, arg in enumerate(args):
        if arg in ("-c", "--config-file") and n + 1 < len(args):
            given.append(args[n + 1])
        elif arg.startswith("--config-file="):
            given.append(arg.partition("=")[2])
        elif not arg.startswith("-"):
            joined = os.path.join(cwd, arg.split("::", 1)[0])
            # pytest walks the path as written (symlinks unresolved), and the gate walks both
            for path in (os.path.normpath(joined), os.path.realpath(joined)):
                if _inside(path, root) and os.path.exists(path):
                    starts.append(path if os.path.isdir(path) else os.path.dirname(path))
    found: list[PytestConfig] = []
    for start in dict.fromkeys(starts):
        config = pytest_config(start, root)
        if config is not None and config.source not in {c.source for c in found}:
            found.append(config)
    for name in given:
        path = os.path.join(cwd, name)
        if os.path.isfile(path):
            config = _read_pytest_file(path, root)
            if config is not None:
                found.append(config)
    return found


def _settings(path: str, section: str | None, root: str) -> dict[str, object] | None:
    """The pytest settings of ``path``: ``section`` of an ini file, ``[pytest]`` of a TOML
    file ("[pytest]"), or ``[tool.pytest.ini_options]`` of a pyproject.toml (None)."""
    if section is None:
        return _toml_section(path, root)
    if section == "[pytest]":
        return _toml_table(path, "pytest", root)
    ini = _ini_section(path, section, root)
    return dict(ini) if ini is not None else None


def _config(path: str, found: dict[str, object], root: str) -> PytestConfig:
    paths = tuple((key, w) for key in _PYTEST_PATH_KEYS if key in found for w in _words(found[key]))
    return PytestConfig(
        path, _words(found.get("addopts", "")), paths, read_confined(path, root, "pytest")
    )


def _read_pytest_file(path: str, root: str) -> PytestConfig | None:
    name = os.path.basename(path)
    found: dict[str, object] | None
    if name in ("pytest.toml", ".pytest.toml"):
        found = _settings(path, "[pytest]", root)
    elif name.endswith(".toml"):
        found = _settings(path, None, root) or _settings(path, "[pytest]", root)
    else:
        found = _settings(path, {"setup.cfg": "tool:pytest"}.get(name, "pytest"), root)
    return None if found is None else _config(path, found, root)


def pytest_config(cwd: str, root: str) -> PytestConfig | None:
    """pytest's configuration for a run in ``cwd`` (see the module docstring), or None."""
    for here in _upward(cwd, root):
        for name, section in PYTEST_FILES:
            path = os.path.join(here, name)
            if not os.path.isfile(path):
                continue
            found = _settings(path, section, root)
            if found is None and name not in ("pytest.ini", ".pytest.ini", "pytest.toml"):
                continue
            return _config(path, found or {}, root)
    return None


#: .npmrc keys a project may set: where packages come from and how npm reports. Scoped
#: registries (``@scope:registry``) and per-registry credentials (``//host/:_authToken``) too.
_NPM_SAFE_KEYS = frozenset(
    {
        "registry", "save", "save-exact", "save-prefix", "save-dev", "fund", "audit",
        "audit-level", "loglevel", "progress", "color", "engine-strict", "legacy-peer-deps",
        "strict-peer-deps", "package-lock", "package-lock-only", "lockfile-version",
        "strict-ssl", "omit", "include", "optional", "prefer-offline", "prefer-online",
        "update-notifier", "sign-git-tag", "message", "tag-version-prefix", "workspaces-update",
        "always-auth", "auth-type", "fetch-retries", "fetch-timeout", "maxsockets", "unicode",
        "long", "parseable", "json", "depth", "global-style", "install-strategy",
        "install-links", "ignore-scripts", "node-linker", "auto-install-peers",
        "shamefully-hoist", "link-workspace-packages",
    }
)  # fmt: skip
_NPM_SCOPED = re.compile(
    r"^@[\w.-]+:registry$|^//.+:(?:_authToken|_auth|_password|username|email|always-auth|certfile|keyfile)$"
)


#: .npmrc keys a refusal may name (words of this table, not of the file): the ones that
#: name a shell, a program, code or a place.
_NPM_NAMED_KEYS = frozenset(
    {
        "script-shell", "node-options", "logs-dir", "cache", "prefix", "userconfig",
        "globalconfig", "init-module", "git", "editor", "shell", "browser", "viewer",
        "onload-script", "tmp", "node-gyp", "globalignorefile", "cafile", "call", "npm-bin",
    }
)  # fmt: skip


def npmrc_refusal(cwd: str, root: str) -> str | None:
    """Why a ``.npmrc`` in the workspace would hand npm an option the gate did not decide,
    or None. The reason names the file, the line and, when it is one of
    ``_NPM_NAMED_KEYS``, the key: never anything else the file holds."""
    for here in _upward(cwd, root):
        path = os.path.join(here, ".npmrc")
        if not os.path.isfile(path):
            continue
        try:
            lines = read_confined(path, root, "npm").splitlines()
        except ConfigRefusal as refusal:
            return refusal.reason
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text[0] in "#;":
                continue
            key = text.split("=", 1)[0].strip().lower()
            if key in _NPM_SAFE_KEYS or _NPM_SCOPED.match(key):
                continue
            named = f" ({key})" if key in _NPM_NAMED_KEYS else ""
            return (
                f"{path} line {number} sets a key{named} that npm takes as an option execgate "
                "did not decide (it can name a shell, a program or a place outside the "
                "workspace)"
            )
    return None


_TRUE = frozenset({"true", "1", "yes", "on"})

#: Linters that import code their configuration names: the files each reads (nearest first,
#: from the working directory up to the workspace root), the options naming another, and the
#: keys (as the tool's own parser folds them) whose value is code or a module to import.
_PLUGIN_LOADERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]] = {
    "mypy": (
        ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"),
        ("--config-file",),
        frozenset({"plugins", "python_executable"}),
    ),
    "pylint": (
        ("pylintrc", ".pylintrc", "pyproject.toml", "setup.cfg", "tox.ini"),
        ("--rcfile",),
        frozenset({"load-plugins", "load_plugins", "init-hook", "init_hook"}),
    ),
    "flake8": (
        ("setup.cfg", "tox.ini", ".flake8"),
        ("--config", "--append-config"),
        frozenset(),  # its local plugins are a section: [flake8:local-plugins]
    ),
}
_PLUGIN_LOADERS["dmypy"] = _PLUGIN_LOADERS["mypy"]
#: ruff imports no plugins, but its configuration names files it reads (``extend``) and
#: writes (``cache-dir``), checked as mypy's are
_PLUGIN_LOADERS["ruff"] = (
    ("ruff.toml", ".ruff.toml", "pyproject.toml"),
    ("--config",),
    frozenset(),
)
#: The programs whose configuration files :func:`plugin_config_refusal` reads.
CONFIG_READERS = frozenset(_PLUGIN_LOADERS)


def _config_entries(path: str, text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) of every entry of a configuration file, read as the tools read
    it: TOML for ``*.toml`` (every nested table, dotted and quoted keys as TOML means them),
    else INI as configparser reads it (keys folded to lower case, ``=`` or ``:``). Raises
    ValueError when it does not parse."""
    out: list[tuple[str, str, str]] = []
    if path.endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(_line_number(exc)) from None

        def walk(table: dict[str, object], section: str) -> None:
            for key, value in table.items():
                if isinstance(value, dict):
                    walk(value, f"{section}.{key}" if section else key)
                else:
                    out.append((section, key.lower(), str(value)))

        walk(data, "")
        return out
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ValueError(_line_number(exc)) from None
    for section in parser.sections():
        out.append((section, "", ""))
        for key, value in parser.items(section):
            out.append((section, key, value))
    return out


def plugin_config_refusal(program: str, args: tuple[str, ...], cwd: str, root: str) -> str | None:
    """Why ``program`` (mypy, pylint, flake8) would import code that its configuration in the
    workspace names, or None. A plugin named by a file path, an ``init-hook`` (Python source),
    flake8's local plugins, and a plugin module that the workspace itself holds (a ``pkg.py``
    or ``pkg/`` at the working directory or the root, found first on sys.path) are refused;
    an installed plugin named by its module (``pydantic.mypy``) is not. A file that does not
    parse is refused too: the tool may read it otherwise."""
    loader = _PLUGIN_LOADERS.get(program)
    if loader is None:
        return None
    names, options, keys = loader
    if program in ("mypy", "dmypy") and any(
        len(a.partition("=")[0]) > 5 and "--install-types".startswith(a.partition("=")[0])
        for a in args
    ):
        return f"{program}: --install-types runs pip install"
    files = [os.path.join(here, n) for here in _upward(cwd, root) for n in names]
    for i, a in enumerate(args):
        for option in options:
            value = None
            if a == option and i + 1 < len(args):
                value = args[i + 1]
            elif a.startswith(option + "="):
                value = a.partition("=")[2]
            if value is None:
                continue
            if program == "ruff" and "=" in value:
                # `--config 'cache-dir="/x"'`: a setting given inline, not a file
                return f"{program}: --config {value[:60]!r} sets configuration inline"
            files.append(os.path.join(cwd, value))
    for path in files:
        if not os.path.isfile(path):
            continue
        # read inside the workspace only; a reason names the file, the line and the key the
        # tool is known to read, never what the file says
        try:
            text = read_confined(path, root, program, errors="replace")
            entries = _config_entries(path, text)
        except ConfigRefusal as refusal:
            return f"{program}: {refusal.reason}"
        except ValueError as exc:
            return f"{program}: {path} cannot be read as {program} reads it{exc}"
        for section, key, value in entries:
            if program == "flake8" and section.lower().startswith("flake8:local-plugins"):
                return f"{program}: {path} names local plugins ([flake8:local-plugins])"
            if key in ("install_types", "install-types") and value.strip().lower() in _TRUE:
                return f"{program}: {path}{_at(text, key)} sets {key}, which runs pip install"
            folded = key.replace("-", "_")
            if (
                program == "ruff"
                and path.endswith("pyproject.toml")
                and not (section.lower().startswith("tool.ruff"))
            ):
                continue  # another tool's table
            if (
                folded.endswith(("_dir", "_xml", "_report", "_file", "_path"))
                or folded in ("files", "extend")
            ) and value.strip():
                # mypy's cache_dir, junit_xml, *_report (files it writes), files and
                # mypy_path (files it reads): each where it says, after expanding $VARS and ~
                for one in re.split(r"[,\s]+", value.strip().strip("[]")):
                    one = one.strip("\"'")
                    if not one:
                        continue
                    if "$" in one or one.startswith("~"):
                        return (
                            f"{program}: {path}{_at(text, key)} sets a path it expands ($VARS, "
                            "~) to one the gate cannot see"
                        )
                    where = os.path.realpath(os.path.join(os.path.dirname(path), one))
                    if not _inside(where, root):
                        return (
                            f"{program}: {path}{_at(text, key)} sets a path outside the workspace"
                        )
            if key not in keys:
                continue
            if key == "python_executable":
                return f"{program}: {path}{_at(text, key)} names an interpreter to run"
            tool = "mypy" if program == "dmypy" else program
            if path.endswith(".toml") and not section.lower().startswith(f"tool.{tool}"):
                continue  # another tool's table
            if "hook" in key:
                return f"{program}: {path}{_at(text, key)} names code to run ({key})"
            for plugin in re.split(r"[\s,\"'\[\]]+", value):
                module = plugin.split(":")[0]  # mypy's `path/or.module:entry_point`
                top = module.split(".")[0]
                if not plugin:
                    continue
                local = any(
                    os.path.exists(os.path.join(d, top + ".py"))
                    or os.path.isdir(os.path.join(d, top))
                    for d in (cwd, root)
                )
                if "/" in module or module.endswith(".py") or local:
                    return (
                        f"{program}: {path}{_at(text, key)} loads a plugin ({key}) from the "
                        "workspace, code that would run"
                    )
    return None


#: .git/config settings that make a git command read or write outside the repository or run
#: a program the gate cannot switch off from the environment: the worktree and git directory
#: moved, other files included, filters and merge drivers (run by status, diff, checkout),
#: and the programs git starts for transport and prompts.
_GIT_REFUSED = re.compile(
    r"^(?:core\.(?:worktree|sshcommand|gitproxy|askpass|alternaterefscommand|editor|pager)"
    r"|sequence\.editor|interactive\.difffilter|pager\..*"
    r"|diff\..*\.(?:command|textconv)"
    r"|trailer\..*\.(?:cmd|command)|gpg\..*|(?:commit|tag|push)\.gpgsign"
    r"|include\..*|includeif\..*"
    r"|filter\..*\.(?:clean|smudge|process)"
    r"|merge\..*\.driver"
    r"|credential\..*helper|uploadpack\..*|protocol\..*allow"
    r"|remote\..*\.(?:uploadpack|receivepack|vcs|proxy))$"
)


@attrs.frozen
class GitRepository:
    """The repository git will use, as the gate decided it: the plan pins it (``GIT_DIR``,
    ``GIT_WORK_TREE``), so nothing written in the workspace can point git elsewhere."""

    git_dir: str
    work_tree: str


def _inside(path: str, root: str) -> bool:
    return (path.rstrip("/") + "/").startswith(root.rstrip("/") + "/")


def git_repository(
    cwd: str,
    root: str,
    argv: tuple[str, ...],
    git: str = "git",
    resolver: Resolver | None = None,
) -> GitRepository | None:
    """The repository a git command in ``cwd`` with ``argv`` uses (``-C`` taken into
    account), found upward inside the workspace as git finds it; None when there is none.
    Raises :class:`ConfigRefusal` when git would be pointed outside the workspace, or would
    run a program named by the repository's own configuration. ``resolver`` remembers what
    each configuration file held for as long as the file is unchanged (reading one runs
    git)."""
    here = cwd
    i = 1
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        word = argv[i]
        name = word.partition("=")[0]
        if name in ("--git-dir", "--work-tree", "--namespace") or (
            name.startswith("--git-d") or name.startswith("--work-t")
        ):
            raise ConfigRefusal(
                f"git: {name} chooses the repository; run git from its directory instead"
            )
        if word == "--bare":
            raise ConfigRefusal(
                "git: --bare makes the working directory the repository, one the gate did not "
                "decide on; run git in a worktree"
            )
        if word == "-C" and i + 1 < len(argv):
            here = real(os.path.join(here, argv[i + 1]))
            i += 2
            continue
        if word.startswith("-C") and len(word) > 2:
            here = real(os.path.join(here, word[2:]))
        i += 1
    why = _submodule_option(argv) or _help_option(argv)
    if why is not None:
        raise ConfigRefusal(why)
    for top in _upward(here, root):
        dot = top + "/.git"
        try:
            mode = os.lstat(dot).st_mode
        except OSError:
            continue
        link = stat.S_ISLNK(mode)
        if link:
            try:
                mode = os.stat(dot).st_mode
            except OSError:
                mode = 0
        if stat.S_ISDIR(mode) and not os.path.lexists(dot + "/HEAD"):
            continue  # not a repository to git (a decoy): it keeps looking upward, and so do we
        if stat.S_ISREG(mode) and not link:
            pointer = read_confined(dot, root, "git").strip()
            git_dir = real(os.path.join(top, pointer.removeprefix("gitdir:").strip()))
        else:
            git_dir = real(dot)
        if not _inside(git_dir, root):
            raise ConfigRefusal(f"{dot} points git outside the workspace")
        if not os.path.isdir(git_dir):
            # git reads a file there as one more `gitdir:` pointer, to a directory the gate
            # would not have looked at
            raise ConfigRefusal(f"{dot} points git at {git_dir[:80]!r}, which is no directory")
        reader = resolver or Resolver(ttl=0)
        why = (
            _git_config_refusal(git_dir, root, git, reader, top)
            or _git_dir_link(git_dir, root, reader)
            or _submodule_ignore(git_dir, top, root, git, reader)
        )
        if why is not None:
            raise ConfigRefusal(why)
        return GitRepository(git_dir, top)
    return None


def _help_option(argv: tuple[str, ...]) -> str | None:
    """Why ``argv`` makes git show a manual page, or None: ``git help`` and ``--help`` run
    man (or a browser), and man renders a page named by a path -- one in the workspace can
    include any file (``.so /etc/shadow``). ``-h`` prints git's own usage and stays."""
    for word in argv[1:]:
        if word == "--":
            break
        if word.startswith("--hel") or word == "help":
            return (
                "git: help pages run man, which renders pages that can include any file; "
                "use -h for a command's usage"
            )
    return None


#: Options that make git enter a submodule (a repository of its own, whose configuration and
#: git directory the gate does not decide on): refused unless they keep it out.
_SUBMODULE_OPTIONS = ("--recurse-submodules", "--ignore-submodules", "--submodule")


def _submodule_option(argv: tuple[str, ...]) -> str | None:
    """Why a word of ``argv`` makes git look inside a submodule, or None:
    ``--recurse-submodules`` in any form, ``--ignore-submodules`` other than ``=all`` (bare,
    it means all), ``--submodule`` other than ``=short``."""
    for word in argv[1:]:
        if word == "--":
            break
        name, eq, value = word.partition("=")
        full = [o for o in _SUBMODULE_OPTIONS if len(name) > 4 and o.startswith(name)]
        if len(full) != 1:
            continue
        if full[0] == "--ignore-submodules" and (not eq or value == "all"):
            continue
        if full[0] == "--submodule" and eq and value == "short":
            continue
        return (
            f"git: {word[:60]!r} makes git look inside submodules, other repositories whose "
            "configuration the gate does not decide on"
        )
    return None


#: How far the walk of a git directory for symlinks goes before it refuses.
_GIT_DIR_WALK = 20000
_LOOSE_OBJECTS = re.compile(r"^(?:[0-9a-f]{2}|pack)$")


def _git_dir_link(git_dir: str, root: str, reader: Resolver | None = None) -> str | None:
    """:func:`_walk_git_dir`'s answer, remembered by ``reader`` while no directory of the
    walk changed (when the walk met no symlink, whose target could change unseen)."""
    if reader is None:
        return _walk_git_dir(git_dir, root)[0]
    return reader.per_tree(f"git-dir\0{git_dir}\0{root}", lambda: _walk_git_dir(git_dir, root))


def _walk_git_dir(git_dir: str, root: str) -> tuple[str | None, tuple[str, ...] | None]:
    """(why an entry of ``git_dir`` (or of the common directory its ``commondir`` names) makes
    git read outside the workspace, or None; and the paths that answer rests on, or None when
    it rests on symlinks too). git reads its own files (``info/grafts``,
    ``shallow``, ``packed-refs``, ``objects``, ``refs``, ``logs``) by name: a planted
    ``info/grafts -> /etc/passwd``, or a hard link to it, is printed line by line in git's
    errors, and a FIFO there holds git until its timeout. So every symlink must stay inside
    the workspace (a linked directory is walked too), and every file must be a regular file
    with one name. Loose objects and packs are not walked (git inflates them and shows
    nothing of a file that is no object), nor are hooks, which the gate's git never runs
    (``core.hooksPath`` is pinned away)."""
    starts = [git_dir]
    common = os.path.join(git_dir, "commondir")
    if os.path.isfile(common):
        try:
            target = real(os.path.join(git_dir, read_confined(common, root, "git").strip()))
        except ConfigRefusal as refusal:
            return refusal.reason, None
        if not _inside(target, root):
            return f"{common} points git outside the workspace", None
        starts.append(target)
    seen = 0
    linked = False
    visited: set[str] = set()
    stack = [(d, "") for d in starts]
    while stack:
        directory, rel = stack.pop()
        if directory in visited:
            continue
        visited.add(directory)
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > _GIT_DIR_WALK:
                return f"{git_dir} holds more than {_GIT_DIR_WALK} entries to check", None
            at = f"{rel}/{entry.name}" if rel else entry.name
            if at == "hooks":
                continue
            # loose objects and packs: the directory itself is checked, not walked
            shallow = rel == "objects" and _LOOSE_OBJECTS.match(entry.name) is not None
            if entry.is_symlink():
                linked = True
                target = real(entry.path)
                if not _inside(target, root):
                    return (
                        f"{entry.path[:80]} is a symlink to {target[:80]!r}, outside the "
                        "workspace, which git would read"
                    ), None
                if os.path.isdir(target) and not shallow:
                    stack.append((target, at))
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                if not shallow:
                    stack.append((entry.path, at))
            elif not stat.S_ISREG(st.st_mode):
                return f"{entry.path[:80]} is no regular file, and git would open it", None
            elif st.st_nlink > 1:
                return (
                    f"{entry.path[:80]} is a hard link (its other name may be a file outside "
                    "the workspace), and git would read it"
                ), None
    # the commondir file is rewritten in place (no directory changes): part of the answer too
    rests_on = (*sorted(visited), common)
    return None, None if linked else rests_on


def _submodule_ignore(
    git_dir: str, work_tree: str, root: str, git: str, reader: Resolver
) -> str | None:
    """Why a ``submodule.<name>.ignore`` setting other than ``all`` -- in ``.gitmodules``
    (the worktree's, else the index's or HEAD's, as git reads it) -- would make git look
    inside a submodule despite the hardening's ``diff.ignoreSubmodules=all``, or None. (The
    repository's own config is read with its other keys, in ``git_entry_refusal``.)"""
    path = work_tree + "/.gitmodules"
    if os.path.lexists(path):
        if os.path.islink(path):
            return None  # git ignores a .gitmodules that is a symlink
        return reader.per_file(
            ("gitmodules", git),
            path,
            lambda: _ignore_refusal(git_config_entries(path, git, root), path),
        )
    return reader.per_file(
        ("gitmodules-blob", f"{git}\0{git_dir}"),
        git_dir + "/index",
        lambda: _ignore_refusal(_gitmodules_blob(git_dir, git), f"{git_dir}: .gitmodules"),
    )


def _ignore_refusal(entries: list[tuple[str, str]] | str, where: str) -> str | None:
    if isinstance(entries, str):
        return entries
    for key, value in entries:
        k = key.lower()
        if k.startswith("submodule.") and k.endswith(".ignore") and value.lower() != "all":
            return (
                f"{where} sets {key[:60]!r} to other than 'all': git would look inside that "
                "submodule, a repository whose configuration the gate does not decide on"
            )
    return None


def _gitmodules_blob(git_dir: str, git: str) -> list[tuple[str, str]] | str:
    """The entries of the ``.gitmodules`` git reads when the worktree has none: the index's,
    else HEAD's (none: an empty list)."""
    for blob in (":.gitmodules", "HEAD:.gitmodules"):
        try:
            listed = subprocess.run(
                [git, "config", "--no-includes", "--blob", blob, "--list", "-z"],
                capture_output=True,
                timeout=5,
                env={
                    "PATH": "/usr/bin:/bin",
                    "GIT_CONFIG_NOSYSTEM": "1",
                    "HOME": "/nonexistent",
                    "GIT_DIR": git_dir,
                },
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"the .gitmodules of {git_dir} could not be read by git ({exc})"
        if listed.returncode == 0:
            return _entries(listed.stdout)
    return []


def _git_config_refusal(
    git_dir: str,
    root: str = "/",
    git: str = "git",
    resolver: Resolver | None = None,
    work_tree: str | None = None,
) -> str | None:
    """Why the configuration git reads for the repository at ``git_dir`` names something
    the gate cannot allow, or None. The files are read by git itself (``git config
    --file F --list``), so a key is seen exactly as git sees it (header lines, BOMs,
    continuations); a linked worktree's common directory and ``config.worktree`` are read too."""
    dirs = [git_dir]
    common = os.path.join(git_dir, "commondir")
    if os.path.isfile(common):
        try:
            target = real(os.path.join(git_dir, read_confined(common, root, "git").strip()))
        except ConfigRefusal as refusal:
            return refusal.reason
        if not _inside(target, root):
            return f"{common} points git outside the workspace"
        dirs.append(target)
    reader = resolver or Resolver(ttl=0)
    for directory in dirs:
        alternates = directory + "/objects/info/alternates"
        if os.path.isfile(alternates):
            return f"{alternates} borrows objects from another repository"
        for name in ("config", "config.worktree"):
            path = f"{directory}/{name}"
            tree = work_tree if work_tree is not None else os.path.dirname(git_dir)
            why = reader.per_file(
                ("git-config", f"{git}\0{tree}\0{root}"),
                path,
                functools.partial(_git_file_refusal, path, git, tree, root),
            )
            if why is not None:
                return why
    return None


def git_config_entries(
    path: str, git: str = "git", root: str | None = None
) -> list[tuple[str, str]] | str:
    """The ``(key, value)`` entries of the configuration file ``path`` as git itself reads
    and lists them (includes not followed; a key without a value is ``"true"``, as git takes
    it), or why git could not read it. With ``root``, the file is read only inside that
    workspace (:func:`read_confined`: no symlink out, no hard link) and handed to git on its
    stdin, so git never opens a path the gate did not."""
    given = b""
    if root is not None:
        try:
            given = read_confined(path, root, "git", errors="surrogateescape").encode(
                "utf-8", "surrogateescape"
            )
        except ConfigRefusal as refusal:
            return refusal.reason
    try:
        listed = subprocess.run(
            [
                git,
                "config",
                "--no-includes",
                "--file",
                path if root is None else "-",
                "--list",
                "-z",
            ],
            input=None if root is None else given,
            capture_output=True,
            timeout=5,
            env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{path} could not be read by git ({exc})"
    if listed.returncode != 0:
        return f"{path} is not a configuration git reads cleanly"
    return _entries(listed.stdout)


def _entries(listed: bytes) -> list[tuple[str, str]]:
    """``git config --list -z`` output as ``(key, value)`` pairs."""
    entries: list[tuple[str, str]] = []
    for entry in listed.split(b"\0"):
        key, sep, raw = entry.partition(b"\n")
        if key:
            value = raw.decode("utf-8", "replace") if sep else "true"
            entries.append((key.decode("utf-8", "replace"), value))
    return entries


def git_entry_refusal(key: str, value: str, path: str, work_tree: str, root: str) -> str | None:
    """Why the entry ``key = value`` of the configuration file ``path`` makes git reach
    outside the workspace ``root`` or run a program the gate cannot switch off, or None."""
    key = key.lower()
    if key.startswith(("include.", "includeif.")):
        return f"{path} includes other configuration files ({key[:60]!r})"
    if key.startswith("submodule.") and key.endswith(".ignore") and value.lower() != "all":
        return (
            f"{path} sets {key[:60]!r} to other than 'all': git would look inside that "
            "submodule, a repository whose configuration the gate does not decide on"
        )
    if _GIT_REFUSED.match(key) or (
        # the tools git starts on request (git help's man viewer, a browser, a difftool)
        key not in ("core.fsmonitor", "core.hookspath", "diff.external")
        and not key.startswith("alias.")
        and git_entry_runs_program(key, value)
    ):
        return (
            f"{path} sets {key[:60]!r}, which makes git reach outside the workspace or "
            "run a program"
        )
    if _GIT_FILE_KEYS.match(key) and not _names_inside(value, work_tree, root):
        return f"{path} sets {key[:60]!r} to a file outside the workspace that git would read"
    return None


def git_entry_runs_program(key: str, value: str) -> bool:
    """Whether the entry ``key = value`` makes a plain git (one without the gate's
    hardening, such as the user's own) run a program named by the repository: the settings
    the gate's git switches off from the environment (fsmonitor, hooksPath, diff.external),
    shell aliases, and the commands of tools git starts on request."""
    key = key.lower()
    if key == "core.fsmonitor":
        return value.strip().lower() not in _BOOLEANS
    if key.startswith("alias.") or (key.startswith("submodule.") and key.endswith(".update")):
        return value.lstrip().startswith("!")
    return bool(_GIT_RUNS.match(key))


_BOOLEANS = frozenset({"", "false", "true", "no", "yes", "off", "on", "0", "1"})

#: Keys whose value is a program (or a directory of programs) a plain git runs.
_GIT_RUNS = re.compile(
    r"^(?:core\.hookspath|diff\.external|(?:diff|merge)tool\..*\.(?:cmd|path)"
    r"|sendemail\.(?:sendmailcmd|smtpserver|.*\.sendmailcmd|.*\.smtpserver|tocmd|cccmd)"
    r"|web\.browser|browser\..*\.(?:cmd|path)|man\..*\.(?:cmd|path)|guitool\..*\.cmd"
    r"|imap\.tunnel)$"
)


def _git_file_refusal(path: str, git: str, work_tree: str, root: str) -> str | None:
    if not os.path.lexists(path):
        return None
    entries = git_config_entries(path, git, root)
    if isinstance(entries, str):
        return entries
    for key, value in entries:
        why = git_entry_refusal(key, value, path, work_tree, root)
        if why is not None:
            return why
    return None


#: Keys whose value names a file git reads (or writes): decided like a path argument.
_GIT_FILE_KEYS = re.compile(
    r"^(?:blame\.ignorerevsfile|commit\.template|mailmap\.file|core\.excludesfile"
    r"|core\.attributesfile|diff\.orderfile|format\.signaturefile|init\.templatedir"
    r"|sendemail\.aliasesfile|user\.signingkey|http\..*(?:cookiefile|sslcainfo|sslcapath"
    r"|sslcert|sslkey)|core\.hookspath|core\.sshcommand|gpg\..*)$"
)


def _names_inside(value: str, work_tree: str, root: str) -> bool:
    """Whether a path-valued config ``value`` (``~`` expanded as git does, relative to the
    work tree) resolves inside the workspace; an empty value names nothing."""
    if not value:
        return True
    if value.startswith("~") or value.startswith("%("):
        return False
    return _inside(os.path.realpath(os.path.join(work_tree, value)), root)
