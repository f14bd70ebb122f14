"""The configuration the Node tools a mode rule grants (``npx tsc``, ``npx eslint``,
``npx prettier``, ``npx jest``, ``npx vitest``) read from the workspace, decided as their
command lines are (``programs.node_tools``).

A configuration that is code (``jest.config.js``, ``eslint.config.js``, ``.eslintrc.cjs``,
``prettier.config.mjs``, ``babel.config.js``, ``vitest.config.ts``) is code of the workspace,
like the tool itself (``node_modules/.bin``) and like ``conftest.py`` under a pytest rule: it
is not read here. A configuration written as data (JSON, JSONC, YAML, TOML, a key of
``package.json``) is read, and what it names is decided as the same option on the command
line would be: a module to load (a plugin, a parser, a preset, a reporter, a transform, a
setup file, a test environment, an ``extends``) is a file inside the workspace or an
installed package (found in a ``node_modules`` inside the workspace, or none: not through a
link leading out of it), never a URL (``data:``, ``http:``) or a name climbing with ``..``; a
path (``rootDir``, ``roots``, ``outDir``, ``include``, ``files``, ``paths``, ``references``,
``cacheDirectory``, a reporter's output directory) resolves inside the workspace; a file that
does not parse as the gate reads it (YAML beyond plain mappings, lists and quoted strings; JSON
beyond comments and trailing commas; a repeated key) is refused, since the tool may read it
otherwise. The configuration a tool finds by walking up from the working directory must be
found inside the workspace: one above it (a parent's ``tsconfig.json``, ``package.json``
``jest`` key, ``eslint.config.js``, ``.prettierrc``) is refused.

=========  ==================================================================================
tsc        ``-p``'s file (or ``tsconfig.json`` in its directory), else the first
           ``tsconfig.json`` upward from the working directory (none when files are named);
           with ``-b`` each project named; their ``extends`` (files and packages) and
           ``references``, read too; the trees ``include`` expands, for links leading out
jest       ``--config``'s file (a directory: searched), else ``jest.config.json`` or
           ``package.json``'s ``jest`` key (a string: the file it names) upward from the
           working directory and each ``--projects`` entry, and the projects a configuration
           lists; a preset's ``jest-preset.json``; babel's data configurations
           (``babel.config.json``, ``.babelrc``, ``.babelrc.json``, ``package.json``'s
           ``babel``, and those ``babelrcRoots`` enables), which babel-jest reads; the nearest
           ``tsconfig.json`` with its ``ts-node`` section (ts-jest, a ``jest.config.ts``)
eslint     ``--config``'s file; ``.eslintrc.json``/``.yaml``/``.yml``/``.eslintrc`` and
           ``package.json``'s ``eslintConfig`` from the working directory up to the workspace
           root (and, when the project's eslint is older than 9, above it and below what it
           lints: it cascades through every parent and reads nested ones); ``eslint.config.*``
           upward; the trees it lints, for links leading out (it lints the files they lead to)
prettier   ``--config``'s file, else the first of prettier's files (``package.json``'s
           ``prettier``, ``.prettierrc`` and its ``.json``/``.yaml``/``.yml``/``.json5``/
           ``.toml`` forms, ``prettier.config.*``) upward from the working directory and from
           each named file's directory, and every one below the directories it formats
vitest     ``vitest.workspace.json`` (the projects it lists); the tree its tests are found in,
           for links leading out
node       (``node --test``, under a ``node`` rule) the tree its test files are found in, for
           links leading out
=========  ==================================================================================
"""

from __future__ import annotations

import glob
import json
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterator

from .programs._reader import Options
from .programs.node_tools import jest_refs, module_path, module_refusal, path_refusal

#: How large a configuration file the gate reads; a larger one is refused.
MAX_CONFIG_BYTES = 1 << 20
#: How deep ``extends``, presets and references are followed.
MAX_DEPTH = 12


class NodeConfigRefusal(Exception):
    pass


def _inside(path: str, root: str) -> bool:
    return (path.rstrip("/") + "/").startswith(root.rstrip("/") + "/")


def _upward(start: str) -> Iterator[str]:
    here = start
    while True:
        yield here
        parent = os.path.dirname(here)
        if parent == here:
            return
        here = parent


def _confine(path: str, root: str, what: str) -> str:
    """``path`` resolved (symlinks, ``..``); a refusal when it leaves the workspace."""
    real = os.path.realpath(path)
    if not _inside(real, root):
        raise NodeConfigRefusal(f"{what} names {path[:80]!r}, outside the workspace")
    return real


def _code_configs(here: str, names: tuple[str, ...], root: str, tool: str) -> None:
    """A configuration that is code is the workspace's own: each of ``names`` in ``here``
    must be there, not a link leading out of the workspace."""
    for name in names:
        path = os.path.join(here, name)
        if os.path.lexists(path):
            _confine(path, root, f"{tool}'s configuration")


def _once(options: Options, names: tuple[str, ...], tool: str) -> str | None:
    """The value of the one option among ``names`` (aliases); given more than once it is
    refused: the tools take the last, or (jest) a list they set aside for the working
    directory's configuration, not the one the gate would read."""
    values = [v for n, v in options if n in names]
    if len(values) > 1:
        raise NodeConfigRefusal(
            f"{names[0]} is given more than once ({tool} would not take the one the gate reads)"
        )
    return values[0] if values and values[0] else None


def _tool_binary(tool: str, cwd: str, root: str) -> None:
    """``npx TOOL`` runs the first ``node_modules/.bin/TOOL`` upward from ``cwd``: the
    workspace's own code, not a link leading out of it. With none in the workspace, npx
    would run one found above it or in its cache (code from outside): refused."""
    for here in _upward(cwd):
        if not _inside(here, root):
            break
        path = os.path.join(here, "node_modules", ".bin", tool)
        if os.path.lexists(path):
            _confine(path, root, f"npx {tool}")
            return
    raise NodeConfigRefusal(
        f"the workspace has no node_modules/.bin/{tool}: npx would run a copy from outside "
        "it (a parent directory's node_modules or npx's cache); install it in the workspace "
        "first"
    )


# --- reading files as the tools read them -------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key[:40]!r} is given twice")
        out[key] = value
    return out


_JSONC_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/|[^"/]+|.', re.S)
_TRAILING_COMMA = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[\]}])|[^",]+|.', re.S)


def parse_jsonc(text: str) -> object:
    """JSON with ``//`` and ``/* */`` comments and trailing commas (tsconfig, jest's JSON),
    strictly: anything else (single quotes, bare keys), as well as a repeated key, raises
    ValueError -- tsc reads such a file anyway, its own way."""
    text = text.removeprefix("\ufeff")
    bare = "".join(
        " " if token.startswith(("//", "/*")) else token for token in _JSONC_TOKEN.findall(text)
    )
    return json.loads(_drop_trailing_commas(bare), object_pairs_hook=_no_duplicates)


def _drop_trailing_commas(text: str) -> str:
    out: list[str] = []
    for match in _TRAILING_COMMA.finditer(text):
        token = match.group(0)
        if token == "," and re.match(r"\s*[\]}]", text[match.end() :]):
            continue
        out.append(token)
    return "".join(out)


def _parse_json(text: str) -> object:
    return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_no_duplicates)


def _read(path: str, root: str, what: str) -> str:
    real = _confine(path, root, what)
    try:
        # non-blocking: a FIFO put in its place must not hold the decision
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NodeConfigRefusal(f"{path[:80]} cannot be read ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NodeConfigRefusal(f"{path[:80]} is no regular file")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise NodeConfigRefusal(f"{path[:80]} cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise NodeConfigRefusal(f"{path[:80]} is larger than the gate reads")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NodeConfigRefusal(f"{path[:80]} is not UTF-8 text") from None


def read_data(path: str, root: str, tool: str, kind: str) -> object:
    """The configuration in ``path`` (inside the workspace, after links), read as ``kind``:
    "json" (JSON, comments and trailing commas tolerated), "yaml" (plain JSON, else the YAML
    subset :func:`parse_yaml` reads; a ``//`` or ``/*`` outside double quotes is refused, as
    YAML reads it as text where a JSON-with-comments reader, eslint's for ``.eslintrc``, drops
    it), "toml"."""
    text = _read(path, root, f"{tool}'s configuration")
    try:
        if kind == "toml":
            return tomllib.loads(text)
        if kind != "yaml":
            return parse_jsonc(text)
        try:
            return _parse_json(text)
        except ValueError:
            pass
        if any(t.startswith(("//", "/*")) for t in _JSONC_TOKEN.findall(text)):
            raise NodeConfigRefusal(
                f"{path[:80]} holds `//` or `/*`, a comment to a JSON reader and text to a "
                f"YAML one ({tool} may read it either way); write it as plain JSON or YAML"
            )
        return parse_yaml(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise NodeConfigRefusal(
            f"{path[:80]} cannot be read as the gate reads {tool}'s configuration ({exc}); "
            "write it as plain JSON"
        ) from None


# --- a YAML subset ---------------------------------------------------------------------------

_YAML_REFUSED = re.compile(r"^[&*!|>%@`?]|^<<\s*:")


def parse_yaml(text: str) -> object:
    """The YAML a configuration file holds, when it keeps to the plain subset configurations
    use: block mappings and lists by indentation (spaces), ``key: value``, ``- item``,
    one-line flow lists and mappings, plain, single- and double-quoted scalars (double-quoted
    with JSON's escapes), ``#`` comments, one document. Everything else -- anchors, aliases,
    tags, block scalars, multi-line scalars, complex keys, tabs, a repeated key -- raises
    ValueError. Scalars stay strings."""
    lines: list[tuple[int, str, int]] = []
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        if "\t" in raw:
            raise ValueError(f"line {number}: a tab")
        body = _strip_comment(raw).rstrip()
        if not body.strip():
            continue
        if body.strip() in ("---", "...") and not raw.startswith(" "):
            if lines or body.strip() == "...":
                raise ValueError(f"line {number}: more than one document")
            continue
        if body.startswith(("---", "...")):
            raise ValueError(f"line {number}: content on a document marker")
        lines.append((len(body) - len(body.lstrip(" ")), body.strip(), number))
    if not lines:
        return None
    value, at = _yaml_block(lines, 0, lines[0][0])
    if at != len(lines):
        raise ValueError(f"line {lines[at][2]}: indentation the gate does not read")
    return value


def _strip_comment(line: str) -> str:
    quote = ""
    for n, c in enumerate(line):
        if quote:
            if c == quote and not (quote == '"' and line[n - 1] == "\\"):
                quote = ""
        elif c in "\"'" and (n == 0 or line[n - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (n == 0 or line[n - 1] in " \t"):
            return line[:n]
    return line


def _yaml_block(lines: list[tuple[int, str, int]], at: int, indent: int) -> tuple[object, int]:
    first = lines[at][1]
    if first == "-" or first.startswith("- "):
        items: list[object] = []
        while (
            at < len(lines)
            and lines[at][0] == indent
            and (lines[at][1] == "-" or lines[at][1].startswith("- "))
        ):
            rest = lines[at][1][1:].lstrip(" ")
            if not rest:
                if at + 1 >= len(lines) or lines[at + 1][0] <= indent:
                    raise ValueError(f"line {lines[at][2]}: an empty item")
                value, at = _yaml_block(lines, at + 1, lines[at + 1][0])
            else:
                # `- key: value` opens a mapping whose keys sit under the first one
                inner = indent + (len(lines[at][1]) - len(rest))
                lines[at] = (inner, rest, lines[at][2])
                value, at = _yaml_block(lines, at, inner)
            items.append(value)
        return items, at
    if _yaml_key(first) is not None:
        mapping: dict[str, object] = {}
        while at < len(lines) and lines[at][0] == indent:
            found = _yaml_key(lines[at][1])
            if found is None:
                raise ValueError(f"line {lines[at][2]}: no `key: value`")
            key, rest = found
            if key in mapping:
                raise ValueError(f"line {lines[at][2]}: the key {key[:40]!r} is given twice")
            if rest:
                mapping[key] = _yaml_scalar(rest, lines[at][2])
                at += 1
            elif at + 1 < len(lines) and lines[at + 1][0] > indent:
                mapping[key], at = _yaml_block(lines, at + 1, lines[at + 1][0])
            elif (
                at + 1 < len(lines)
                and lines[at + 1][0] == indent
                and (lines[at + 1][1] == "-" or lines[at + 1][1].startswith("- "))
            ):
                mapping[key], at = _yaml_block(lines, at + 1, indent)  # a list at the key's level
            else:
                mapping[key] = None
                at += 1
        return mapping, at
    value = _yaml_scalar(first, lines[at][2])
    if at + 1 < len(lines) and lines[at + 1][0] > indent:
        raise ValueError(f"line {lines[at + 1][2]}: a scalar over several lines")
    return value, at + 1


def _yaml_key(text: str) -> tuple[str, str] | None:
    """(key, rest) of a ``key: rest`` line, or None."""
    if text[:1] in "\"'":
        value, end = _yaml_quoted(text, 0)
        rest = text[end:]
        if not rest.startswith(":") or (len(rest) > 1 and rest[1] != " "):
            return None
        return value, rest[1:].strip()
    if text[:1] in "[{" or _YAML_REFUSED.match(text):
        return None
    match = re.match(r"^([^:#]+?):(?: (.*))?$", text)
    if match is None:
        return None
    return match.group(1).strip(), (match.group(2) or "").strip()


def _yaml_scalar(text: str, line: int) -> object:
    if _YAML_REFUSED.match(text):
        raise ValueError(f"line {line}: a YAML construct the gate does not read ({text[:1]})")
    if text[:1] in "[{":
        value, end = _yaml_flow(text, 0, line)
        if text[end:].strip():
            raise ValueError(f"line {line}: text after a flow collection")
        return value
    if text[:1] in "\"'":
        value, end = _yaml_quoted(text, 0)
        if text[end:].strip():
            raise ValueError(f"line {line}: text after a quoted scalar")
        return value
    if ": " in text or text.endswith(":"):
        raise ValueError(f"line {line}: a mapping inside a scalar")
    return text


def _yaml_quoted(text: str, at: int) -> tuple[str, int]:
    quote = text[at]
    n = at + 1
    out: list[str] = []
    while n < len(text):
        c = text[n]
        if quote == "'" and c == "'":
            if text[n + 1 : n + 2] == "'":
                out.append("'")
                n += 2
                continue
            return "".join(out), n + 1
        if quote == '"' and c == "\\":
            escape = text[n : n + 6] if text[n + 1 : n + 2] == "u" else text[n : n + 2]
            try:
                out.append(json.loads(f'"{escape}"'))
            except ValueError:
                raise ValueError(f"an escape the gate does not read ({escape!r})") from None
            n += len(escape)
            continue
        if quote == '"' and c == '"':
            return "".join(out), n + 1
        out.append(c)
        n += 1
    raise ValueError("an unterminated quoted scalar (or one over several lines)")


def _yaml_flow(text: str, at: int, line: int) -> tuple[object, int]:
    close = "]" if text[at] == "[" else "}"
    items: list[object] = []
    mapping: dict[str, object] = {}
    n = at + 1
    while True:
        while n < len(text) and text[n] == " ":
            n += 1
        if n >= len(text):
            raise ValueError(f"line {line}: a flow collection over several lines")
        if text[n] == close:
            return (items if close == "]" else mapping), n + 1
        if text[n] in "[{":
            value, n = _yaml_flow(text, n, line)
        elif text[n] in "\"'":
            value, n = _yaml_quoted(text, n)
        else:
            end = n
            while end < len(text) and text[end] not in ",]}" and text[end : end + 2] != ": ":
                end += 1
            value = text[n:end].strip()
            if _YAML_REFUSED.match(str(value)):
                raise ValueError(f"line {line}: a YAML construct the gate does not read")
            n = end
        while n < len(text) and text[n] == " ":
            n += 1
        if close == "}":
            if text[n : n + 1] != ":" or not isinstance(value, str):
                raise ValueError(f"line {line}: a flow mapping the gate does not read")
            n += 1
            while n < len(text) and text[n] == " ":
                n += 1
            if text[n : n + 1] in ("[", "{"):
                item, n = _yaml_flow(text, n, line)
            elif text[n : n + 1] in ("'", '"'):
                item, n = _yaml_quoted(text, n)
            else:
                end = n
                while end < len(text) and text[end] not in ",}":
                    end += 1
                item, n = text[n:end].strip(), end
            if value in mapping:
                raise ValueError(f"line {line}: the key {value[:40]!r} is given twice")
            mapping[value] = item
        else:
            items.append(value)
        while n < len(text) and text[n] == " ":
            n += 1
        if text[n : n + 1] == ",":
            n += 1
        elif text[n : n + 1] != close:
            raise ValueError(f"line {line}: a flow collection the gate does not read")


# --- what a configuration names ---------------------------------------------------------------


def _package_dir(name: str, base: str, root: str, data: bool = False) -> str | None:
    """The directory of package ``name`` (``pkg``, ``@scope/pkg``, ``pkg/sub``) as node finds
    it from ``base``: the first ``node_modules/PKG`` upward inside the workspace, resolved;
    None when the workspace holds none (an installed one outside, or none at all). A package
    whose directory is a link leading out of the workspace is refused; so is, with ``data``
    (a configuration the tool reads as data, whose paths resolve beside it: a tsconfig
    ``extends``, a jest preset), one found only above the workspace."""
    parts = name.split("/")
    top = "/".join(parts[:2]) if name.startswith("@") else parts[0]
    for here in _upward(base):
        candidate = os.path.join(here, "node_modules", top)
        if not _inside(here, root):
            if data and os.path.lexists(candidate):
                raise NodeConfigRefusal(
                    f"the configuration {name[:60]!r} would be read from {candidate[:80]!r}, "
                    "outside the workspace"
                )
            if not data:
                return None
            continue
        if os.path.lexists(candidate):
            return _confine(candidate, root, f"the package {top!r}")
    return None


def check_module(value: str, base: str, root: str, what: str) -> str | None:
    """Decide a module ``value`` a configuration at ``base`` names (see the module
    docstring); return the file it names when that is a path in the workspace."""
    why = module_refusal(value)
    if why is not None:
        raise NodeConfigRefusal(f"{what}: {why}")
    path = module_path(value)
    if path is not None:
        return _confine(os.path.join(base, path), root, what)
    if value and not value.startswith("node:"):
        _package_dir(value, base, root)
    return None


def check_path(value: str, base: str, root: str, what: str) -> str:
    """Decide a path (or glob) ``value`` relative to ``base``: the part before its first
    wildcard, and the whole pattern with its ``..`` applied, must stay inside."""
    why = path_refusal(value)
    if why is None and "\\" in value:
        why = f"{value[:60]!r} holds a backslash, which tsc reads as a path separator"
    if why is not None:
        raise NodeConfigRefusal(f"{what}: {why}")
    joined = os.path.join(base, value)
    _confine(os.path.normpath(joined), root, what)
    literal = []
    for part in joined.split("/"):
        if any(c in part for c in "*?[{"):
            break
        literal.append(part)
    return _confine("/".join(literal) or "/", root, what)


def _check_refs(refs: Iterator[tuple[str, str, str]], base: str, root: str, source: str) -> None:
    for kind, value, key in refs:
        what = f"{source} ({key})"
        if kind == "module":
            check_module(value, base, root, what)
        else:
            check_path(value, base, root, what)


#: How many directories a walk for nested configurations visits before it refuses.
MAX_WALK_DIRS = 20000
#: Directories the tools skip when they expand a directory into files.
_SKIPPED_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn", ".sl", ".jj"})


def _nested(
    starts: list[str],
    names: frozenset[str],
    root: str,
    tool: str,
    skip: frozenset[str],
    links: bool = False,
) -> Iterator[str]:
    """The files named one of ``names`` below each of ``starts`` (directories the tool
    expands into the files it works on: a configuration in any of them applies to the files
    beside it), without following links or entering ``skip``. With ``links`` (a tool whose
    walk follows symlinks: tsc, node --test, eslint, vitest), a symlink in the tree that
    leads out of the workspace is refused, as ``grep -R`` is. A tree of more than
    :data:`MAX_WALK_DIRS` directories is refused."""
    seen = 0
    stack = [s for s in dict.fromkeys(starts) if os.path.isdir(s)]
    visited: set[str] = set()
    while stack:
        here = stack.pop()
        if here in visited:
            continue
        visited.add(here)
        seen += 1
        if seen > MAX_WALK_DIRS:
            raise NodeConfigRefusal(
                f"the tree {tool} would work on holds more than {MAX_WALK_DIRS} directories "
                "to look for its configuration in; name the files or directories it should "
                "work on"
            )
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for entry in entries:
            if links and entry.name not in skip and entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not _inside(target, root):
                    raise NodeConfigRefusal(
                        f"{entry.path[:80]} is a symlink to {target[:80]!r}, outside the "
                        f"workspace, which {tool} would follow"
                    )
            if entry.name in names and entry.is_file():
                yield entry.path
            elif entry.is_dir(follow_symlinks=False) and entry.name not in skip:
                stack.append(entry.path)


def _operand_dirs(operands: tuple[str, ...], cwd: str, root: str) -> list[str]:
    """The directories a tool expands its operands in: a directory named, the literal part
    of a glob before its first wildcard (the working directory when there is none)."""
    dirs = []
    for operand in operands:
        literal = []
        for part in operand.split("/"):
            if any(c in part for c in "*?[{!"):
                break
            literal.append(part)
        path = os.path.join(cwd, "/".join(literal)) if literal else cwd
        if os.path.isdir(path) and _inside(os.path.realpath(path), root):
            dirs.append(os.path.realpath(path))
    return dirs


# --- jest ---------------------------------------------------------------------------------

_JEST_FILES = tuple(
    f"jest.config{ext}" for ext in (".js", ".ts", ".mjs", ".mts", ".cjs", ".cts", ".json")
)


def _jest_config(
    config: object,
    base: str,
    root: str,
    source: str,
    depth: int,
    override: str | None = None,
    rootdirs_seen: list[str] | None = None,
) -> None:
    """Decide a jest configuration object read from ``source`` (relative to ``base``); with
    ``override``, the ``--rootDir`` the command line sets in its place (jest takes it over the
    file's), against which its modules and paths resolve as well. The projects it lists are
    read as configurations too; ``rootdirs_seen`` collects the root directories (where
    babel-jest looks for babel's configuration)."""
    if depth > MAX_DEPTH:
        raise NodeConfigRefusal(f"{source}: presets nested deeper than the gate follows")
    if not isinstance(config, dict):
        return
    haste = config.get("haste")
    if isinstance(haste, dict) and haste.get("enableSymlinks"):
        raise NodeConfigRefusal(
            f"{source} (haste.enableSymlinks): jest would follow symlinks, out of the workspace"
        )
    rootdirs = [base]
    if isinstance(config.get("rootDir"), str):
        rootdirs = [check_path(config["rootDir"], base, root, f"{source} (rootDir)")]
    if override is not None:
        rootdirs.append(override)
    if rootdirs_seen is not None:
        rootdirs_seen.extend(rootdirs)
    for rootdir in rootdirs:
        refs = (
            (kind, value.replace("<rootDir>", rootdir), key)
            for kind, value, key in jest_refs(config)
            if key != "rootDir"
        )
        _check_refs(refs, rootdir, root, source)
        projects = config.get("projects")
        for project in projects if isinstance(projects, list) else []:
            if isinstance(project, str):
                # a directory (searched as jest searches it) or a file: its own configuration
                pattern = os.path.join(rootdir, project.replace("<rootDir>", rootdir))
                for found in sorted(glob.glob(pattern))[:200]:
                    _jest_file(found, root, None, depth + 1, rootdirs_seen)
    preset = config.get("preset")
    if not isinstance(preset, str) or not preset:
        return
    for rootdir in rootdirs:
        _jest_preset(preset, rootdir, root, source, depth, rootdirs_seen)


_JEST_PRESET_EXTS = (".json", ".js", ".cjs", ".mjs")


def _jest_preset(
    preset: str,
    rootdir: str,
    root: str,
    source: str,
    depth: int,
    rootdirs_seen: list[str] | None = None,
) -> None:
    """Decide the preset ``preset`` names for a configuration whose root directory is
    ``rootdir``: a path (``./pp.json``, ``./pp``, ``/abs``) is resolved as node resolves a
    module -- the file itself, with an extension added, or a directory's ``jest-preset``,
    ``index`` or ``package.json`` ``main`` -- and every such file that exists must be in the
    workspace, a JSON one read as a jest configuration; a package name leads to its
    ``jest-preset.json``."""
    value = preset.replace("<rootDir>", rootdir)
    path = module_path(value)
    if path is None:
        folder = _package_dir(value, rootdir, root, data=True)
        candidates = [] if folder is None else [os.path.join(folder, "jest-preset.json")]
    else:
        full = os.path.join(rootdir, path)
        _confine(full, root, f"{source} (preset)")
        candidates = [full, *(full + ext for ext in _JEST_PRESET_EXTS)]
        if os.path.isdir(full):
            for stem in ("jest-preset", "index"):
                candidates += [os.path.join(full, stem + ext) for ext in _JEST_PRESET_EXTS]
            meta = os.path.join(full, "package.json")
            if os.path.isfile(meta):
                data = read_data(meta, root, "jest", "json")
                main = data.get("main") if isinstance(data, dict) else None
                if isinstance(main, str):
                    target = os.path.join(full, main)
                    candidates += [target, *(target + ext for ext in _JEST_PRESET_EXTS)]
    for found in candidates:
        if not os.path.isfile(found):
            continue
        _confine(found, root, f"{source} (preset)")
        if found.lower().endswith(".json"):
            preset_config = read_data(found, root, "jest", "json")
            _jest_config(
                preset_config, os.path.dirname(found), root, found, depth + 1, rootdir,
                rootdirs_seen,
            )  # fmt: skip


def _jest_file(
    path: str,
    root: str,
    override: str | None = None,
    depth: int = 0,
    rootdirs_seen: list[str] | None = None,
) -> None:
    """Decide the jest configuration in ``path``: a directory is searched as jest searches
    it (upward), ``package.json`` gives its ``jest`` key (a string: the file it names), a
    JSON file is read; a JavaScript or TypeScript one is code of the workspace."""
    if depth > MAX_DEPTH:
        raise NodeConfigRefusal(f"{path}: configurations nested deeper than the gate follows")
    if os.path.isdir(path):
        found = _jest_search(path)
        if found is None:
            return
        if not _inside(os.path.realpath(found), root):
            raise NodeConfigRefusal(
                f"jest would take its configuration from {found[:80]!r}, outside the workspace"
            )
        path = found
    name = os.path.basename(path)
    if name == "package.json":
        data = read_data(path, root, "jest", "json")
        value = data.get("jest") if isinstance(data, dict) else None
        if isinstance(value, str):
            # jest takes the file it names as its configuration
            target = _confine(os.path.join(os.path.dirname(path), value), root, f"{path} (jest)")
            _jest_file(target, root, override, depth + 1, rootdirs_seen)
        else:
            folder = os.path.dirname(path)
            _jest_config(value, folder, root, path, depth, override, rootdirs_seen)
    elif name.lower().endswith(".json"):
        data = read_data(path, root, "jest", "json")
        folder = os.path.dirname(path)
        _jest_config(data, folder, root, path, depth, override, rootdirs_seen)
    else:
        _confine(path, root, "jest's configuration")  # code of the workspace
        if name.endswith((".ts", ".mts", ".cts")):
            # jest loads it through ts-node, which reads tsconfig.json (and its ts-node
            # section: modules to require, a compiler to load)
            _nearest_tsconfig(os.path.dirname(path), root, required=True)


def _jest_search(start: str) -> str | None:
    """The configuration jest takes for a run from ``start``: walking up, the first
    directory with a ``jest.config.*`` file or any ``package.json`` decides."""
    for here in _upward(start):
        for name in _JEST_FILES:
            if os.path.isfile(os.path.join(here, name)):
                return os.path.join(here, name)
        if os.path.isfile(os.path.join(here, "package.json")):
            return os.path.join(here, "package.json")
    return None


_BABEL_DATA = ("babel.config.json", ".babelrc", ".babelrc.json")
_BABEL_CODE = tuple(
    f"{stem}{ext}"
    for stem in ("babel.config", ".babelrc")
    for ext in (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts")
)


def babel_refs(config: object, where: str = "") -> Iterator[tuple[str, str, str]]:
    """The modules (plugins, presets) and files (``extends``) a babel configuration names,
    in its ``overrides`` and ``env`` sections too."""
    if not isinstance(config, dict):
        return
    for key in ("plugins", "presets"):
        value = config.get(key)
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str):
                yield "module", item, f"{where}{key}"
            elif isinstance(item, list) and item and isinstance(item[0], str):
                yield "module", item[0], f"{where}{key}"
    if isinstance(config.get("extends"), str):
        yield "module", config["extends"], f"{where}extends"
    for n, override in enumerate(config.get("overrides") or []):
        yield from babel_refs(override, f"{where}overrides[{n}].")
    env = config.get("env")
    if isinstance(env, dict):
        for name, section in env.items():
            yield from babel_refs(section, f"{where}env.{name}.")


def _babel_file(path: str, root: str) -> list[str]:
    """Decide the babel configuration in ``path``; the directories its ``babelrcRoots``
    lets babel read nested ``.babelrc`` files in."""
    data = read_data(path, root, "babel", "json")
    if os.path.basename(path) == "package.json":
        data = data.get("babel") if isinstance(data, dict) else None
    here = os.path.dirname(path)
    _check_refs(babel_refs(data), here, root, path)
    roots = data.get("babelrcRoots") if isinstance(data, dict) else None
    found: list[str] = []
    for pattern in roots if isinstance(roots, list) else [roots]:
        if isinstance(pattern, str) and pattern:
            check_path(pattern, here, root, f"{path} (babelrcRoots)")
            found += [d for d in glob.glob(os.path.join(here, pattern)) if os.path.isdir(d)]
    return found


def _babel_check(cwd: str, root: str) -> None:
    """babel-jest's data configurations: from ``cwd`` up to the workspace root, and the
    nested ones a ``babelrcRoots`` enables."""
    nested: list[str] = []
    for here in _upward(cwd):
        if not _inside(here, root):
            break
        _code_configs(here, _BABEL_CODE, root, "babel")
        for name in (*_BABEL_DATA, "package.json"):
            path = os.path.join(here, name)
            if os.path.isfile(path):
                nested += _babel_file(path, root)
    for here in nested:
        for name in (".babelrc", ".babelrc.json", "package.json"):
            path = os.path.join(here, name)
            if os.path.isfile(path):
                _babel_file(path, root)


def _babel_tree(starts: list[str], root: str, tool: str, links: bool = False) -> None:
    """babel reads the ``.babelrc`` beside each file it transforms (up to its package's
    root): every one below ``starts`` is decided, a code one must be the workspace's own."""
    names = frozenset({".babelrc", ".babelrc.json", *_BABEL_CODE})
    for path in _nested(starts, names, root, tool, _SKIPPED_DIRS, links=links):
        if os.path.basename(path) in _BABEL_CODE:
            _confine(path, root, "babel's configuration")
        else:
            _babel_file(path, root)


def jest_refusal(options: Options, cwd: str, root: str) -> None:
    values = {name: value for name, value in options if value is not None}
    rootdir = values.get("--rootDir")
    override = os.path.join(cwd, rootdir) if rootdir else None
    config = _once(options, ("--config", "-c"), "jest")
    rootdirs: list[str] = [cwd, *([override] if override else [])]
    inline = config is not None and config.startswith("{") and config.endswith("}")
    if config and not inline:
        _jest_file(os.path.join(cwd, config), root, override, 0, rootdirs)
    elif config:
        # inline JSON: read as the file would be, from the working directory (its presets)
        try:
            parsed = _parse_json(config)
        except ValueError:
            raise NodeConfigRefusal("--config holds inline JSON the gate does not read") from None
        _jest_config(parsed, cwd, root, "--config", 0, override, rootdirs)
    elif not config:
        # jest reads a configuration for the working directory and for each --projects entry
        # (a directory, searched upward, or a file)
        projects = [os.path.join(cwd, v) for n, v in options if n == "--projects" and v]
        for start in (cwd, *projects):
            if os.path.exists(start):
                _jest_file(start, root, override, 0, rootdirs)
    for start in dict.fromkeys(rootdirs):
        _babel_check(start, root)
    _babel_tree([d for d in dict.fromkeys(rootdirs) if _inside(os.path.realpath(d), root)],
                root, "jest")  # fmt: skip
    # ts-jest and a TypeScript configuration read tsconfig.json: the nearest one in the
    # workspace is decided as tsc's would be
    _nearest_tsconfig(cwd, root, required=False)
    for name, value in options:
        if value and name == "--preset":
            for start in dict.fromkeys([override or cwd, cwd]):
                _jest_preset(value, start, root, "--preset", 0)


# --- eslint -------------------------------------------------------------------------------

_ESLINT_FLAT = tuple(
    f"eslint.config{ext}" for ext in (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
)
_ESLINTRC = (
    ".eslintrc.js", ".eslintrc.cjs", ".eslintrc.yaml", ".eslintrc.yml", ".eslintrc.json",
    ".eslintrc", "package.json",
)  # fmt: skip


def eslintrc_refs(config: object, where: str = "") -> Iterator[tuple[str, str, str]]:
    """The modules an eslintrc configuration names -- ``plugins`` (``eslint-plugin-NAME``),
    ``extends`` (a file, ``eslint-config-NAME`` or ``plugin:NAME/config``), ``parser``,
    ``processor`` -- in its ``overrides`` too, and the paths and modules in ``settings`` and
    ``parserOptions`` (an import resolver, a tsconfig)."""
    if not isinstance(config, dict):
        return
    plugins = config.get("plugins")
    for plugin in plugins if isinstance(plugins, list) else []:
        if isinstance(plugin, str):
            yield "module", plugin, f"{where}plugins"
    extends = config.get("extends")
    for one in extends if isinstance(extends, list) else [extends]:
        if not isinstance(one, str):
            continue
        if one.startswith("eslint:"):
            continue
        if one.startswith("plugin:"):
            yield "module", one[7:].rsplit("/", 1)[0], f"{where}extends"
        else:
            yield "module", one, f"{where}extends"
    for key in ("parser", "processor"):
        if isinstance(config.get(key), str):
            yield "module", config[key], f"{where}{key}"
    for key in ("settings", "parserOptions"):
        section = config.get(key)
        yield from _settings_refs(section, f"{where}{key}")
    overrides = config.get("overrides")
    for n, override in enumerate(overrides if isinstance(overrides, list) else []):
        yield from eslintrc_refs(override, f"{where}overrides[{n}].")


def _settings_refs(value: object, where: str) -> Iterator[tuple[str, str, str]]:
    """Strings of a settings object that name a module (a URL) or look like a path."""
    if isinstance(value, str):
        v = value.strip()
        if module_refusal(v) is not None and not v.startswith("~"):
            yield "module", v, where
        elif v.startswith(("/", "~", "file:")) or ".." in v.split("/"):
            yield "path", module_path(v) or v, where
    elif isinstance(value, list):
        for item in value:
            yield from _settings_refs(item, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _settings_refs(key, where)
            yield from _settings_refs(item, f"{where}.{key}")


def _eslintrc_file(path: str, root: str, depth: int = 0) -> object:
    if depth > MAX_DEPTH:
        raise NodeConfigRefusal(f"{path}: extends nested deeper than the gate follows")
    name = os.path.basename(path)
    if name.endswith((".js", ".cjs", ".mjs", ".ts", ".mts", ".cts")):
        _confine(path, root, "eslint's configuration")  # code of the workspace
        return None
    data = read_data(path, root, "eslint", "json" if name.endswith(".json") else "yaml")
    if name == "package.json":
        data = data.get("eslintConfig") if isinstance(data, dict) else None
    base = os.path.dirname(path)
    for kind, value, key in eslintrc_refs(data):
        what = f"{path} ({key})"
        if kind == "path":
            check_path(value, base, root, what)
            continue
        target = check_module(value, base, root, what)
        if key.endswith("extends") and target is not None:
            if not os.path.exists(target) and not target.endswith(".json"):
                continue
            _eslintrc_file(target, root, depth + 1)
    return data


def _eslint_major(cwd: str, root: str) -> int | None:
    for here in _upward(cwd):
        if not _inside(here, root):
            return None
        meta = os.path.join(here, "node_modules", "eslint", "package.json")
        if os.path.isfile(meta):
            try:
                data = read_data(meta, root, "eslint", "json")
            except NodeConfigRefusal:
                return None
            version = data.get("version") if isinstance(data, dict) else None
            head = str(version).split(".")[0]
            return int(head) if head.isdigit() else None
    return None


def eslint_refusal(options: Options, operands: tuple[str, ...], cwd: str, root: str) -> None:
    names = {name for name, _ in options}
    config = _once(options, ("--config", "-c"), "eslint")
    if config is not None:
        _eslintrc_file(os.path.join(cwd, config), root)
    if config is None and "--no-config-lookup" not in names:
        # eslint 10 (and 9 with a flag) looks the flat configuration up from each linted
        # file's directory, not only the working directory's
        for start in dict.fromkeys([cwd, *_operand_folders(operands, cwd)]):
            for here in _upward(start):
                found = [n for n in _ESLINT_FLAT if os.path.lexists(os.path.join(here, n))]
                for name in found:
                    # code, the workspace's own: there, not a link leading out of it
                    _confine(os.path.join(here, name), root, "eslint's configuration")
                if found:
                    break
    if "--no-eslintrc" in names:
        return
    # an eslint older than 9 reads eslintrc files: for each file it lints, every one from
    # the file's directory up to one saying `root: true` (9 reads them only when told to,
    # which the environment rules refuse; those inside the workspace are read anyway)
    cascade = (_eslint_major(cwd, root) or 9) < 9
    starts = [cwd]
    if cascade:
        for operand in operands:
            path = os.path.join(cwd, operand)
            folder = path if os.path.isdir(path) else os.path.dirname(path)
            if os.path.isdir(folder) and _inside(os.path.realpath(folder), root):
                starts.append(folder)
    for start in dict.fromkeys(starts):
        _eslintrc_cascade(start, root, cascade)
    # eslint lints the files a symlink leads to, in every version (and --fix writes them);
    # an eslint older than 9 also reads every eslintrc below what it lints
    nested = _nested(
        _operand_dirs(operands or (".",), cwd, root),
        frozenset(_ESLINTRC) if cascade else frozenset(),
        root,
        "eslint",
        _SKIPPED_DIRS,
        links=True,
    )
    for path in nested:
        _eslintrc_file(path, root)


def _operand_folders(operands: tuple[str, ...], cwd: str) -> list[str]:
    """The directory each operand (a file, a directory, a glob's literal head) names,
    normalized as the tool resolves it (``..`` taken lexically), wherever it is."""
    folders = []
    for operand in operands:
        literal = []
        for part in operand.split("/"):
            if any(c in part for c in "*?[{!"):
                break
            literal.append(part)
        path = os.path.normpath(os.path.join(cwd, "/".join(literal) or "."))
        folders.append(path if os.path.isdir(path) else os.path.dirname(path))
    return folders


def _eslintrc_cascade(start: str, root: str, cascade: bool) -> None:
    for here in _upward(start):
        inside = _inside(here, root)
        if not inside and not cascade:
            return
        for name in _ESLINTRC:
            path = os.path.join(here, name)
            if not os.path.isfile(path):
                continue
            if not inside:
                raise NodeConfigRefusal(
                    f"eslint would read {path[:80]!r}, outside the workspace (eslintrc "
                    "configurations cascade up to a `root: true` one)"
                )
            data = _eslintrc_file(path, root)
            if name == "package.json" and data is None:
                continue
            if isinstance(data, dict) and data.get("root") is True:
                return
            break


# --- prettier -----------------------------------------------------------------------------

_PRETTIER_FILES = (
    "package.json", "package.yaml", ".prettierrc", ".prettierrc.json", ".prettierrc.yml",
    ".prettierrc.yaml", ".prettierrc.json5", ".prettierrc.js", "prettier.config.js",
    ".prettierrc.ts", "prettier.config.ts", ".prettierrc.mjs", "prettier.config.mjs",
    ".prettierrc.mts", "prettier.config.mts", ".prettierrc.cjs", "prettier.config.cjs",
    ".prettierrc.cts", "prettier.config.cts", ".prettierrc.toml",
)  # fmt: skip


def prettier_refs(config: object, where: str = "") -> Iterator[tuple[str, str, str]]:
    """The modules a prettier configuration names: ``plugins`` and ``parser`` anywhere in it
    (``overrides`` too); ``pluginSearchDirs`` (prettier 2) as paths."""
    if isinstance(config, dict):
        for key, value in config.items():
            at = f"{where}{key}"
            if key == "plugins":
                for one in value if isinstance(value, list) else [value]:
                    if isinstance(one, str):
                        yield "module", one, at
            elif key == "parser" and isinstance(value, str):
                yield "module", value, at
            elif key == "pluginSearchDirs":
                for one in value if isinstance(value, list) else [value]:
                    if isinstance(one, str):
                        yield "path", one, at
            else:
                yield from prettier_refs(value, f"{at}.")
    elif isinstance(config, list):
        for n, item in enumerate(config):
            yield from prettier_refs(item, f"{where}[{n}].")


def _prettier_data(path: str, root: str) -> tuple[bool, object]:
    """(whether ``path`` is a configuration prettier takes, what it holds)."""
    name = os.path.basename(path)
    if name in ("package.json", "package.yaml"):
        data = read_data(path, root, "prettier", "json" if name.endswith(".json") else "yaml")
        value = data.get("prettier") if isinstance(data, dict) else None
        return value is not None, value
    if name.endswith((".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")):
        _confine(path, root, "prettier's configuration")
        return True, None
    # JSON5 reads escapes in bare keys (`pl\u0075gins`) that YAML does not: JSON only
    kind = (
        "toml"
        if name.endswith(".toml")
        else "json"
        if name.endswith((".json", ".json5"))
        else "yaml"
    )
    return True, read_data(path, root, "prettier", kind)


def _prettier_file(path: str, root: str) -> None:
    _, data = _prettier_data(path, root)
    base = os.path.dirname(path)
    if isinstance(data, str):
        # a shared configuration: a package or a file, loaded as a module
        check_module(data, base, root, f"{path} (prettier)")
        return
    _check_refs(prettier_refs(data), base, root, path)


_PRETTIER_FOR_FILE = frozenset({"--stdin-filepath", "--find-config-path", "--file-info"})


def _prettier_cache(names: set[str], cwd: str, root: str) -> None:
    """``--cache`` without ``--cache-location`` writes ``node_modules/.cache/prettier``
    beside the nearest ``package.json`` upward (else in the temporary directory): that
    must be in the workspace."""
    if "--cache" not in names or "--cache-location" in names:
        return
    for here in _upward(cwd):
        if os.path.isfile(os.path.join(here, "package.json")):
            if _inside(os.path.realpath(here), root):
                return
            break
    raise NodeConfigRefusal(
        "--cache would write its cache outside the workspace (beside the nearest "
        "package.json, or in the temporary directory); give --cache-location inside it"
    )


def prettier_refusal(options: Options, operands: tuple[str, ...], cwd: str, root: str) -> None:
    names = {name for name, _ in options}
    _prettier_cache(names, cwd, root)
    config = _once(options, ("--config",), "prettier")
    if config is not None:
        _prettier_file(os.path.join(cwd, config), root)
        return
    if "--no-config" in names:
        return
    starts = [cwd]
    # the files it formats, and the file --stdin-filepath, --find-config-path or --file-info
    # names: each takes the configuration found upward from its directory
    named = [v for n, v in options if v and n in _PRETTIER_FOR_FILE]
    for operand in (*operands, *named):
        path = os.path.join(cwd, operand)
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        if os.path.isdir(folder) and _inside(os.path.realpath(folder), root):
            starts.append(folder)
    for start in dict.fromkeys(starts):
        for here in _upward(start):
            found = None
            for name in _PRETTIER_FILES:
                path = os.path.join(here, name)
                if not os.path.isfile(path):
                    continue
                if not _inside(os.path.realpath(path), root):
                    raise NodeConfigRefusal(
                        f"prettier would take its configuration from {path[:80]!r}, outside "
                        "the workspace"
                    )
                taken, _ = _prettier_data(path, root)
                if taken:
                    found = path
                    break
            if found is not None:
                _prettier_file(found, root)
                break
    # every file under a directory it formats takes the configuration nearest to it
    skip = _SKIPPED_DIRS - {"node_modules"} if "--with-node-modules" in names else _SKIPPED_DIRS
    dirs = _operand_dirs(operands, cwd, root)
    for path in _nested(dirs, frozenset(_PRETTIER_FILES), root, "prettier", skip):
        if _prettier_data(path, root)[0]:
            _prettier_file(path, root)


# --- tsc ----------------------------------------------------------------------------------

#: compilerOptions naming one file or directory (lower-cased: checked in any case).
_TS_PATH_OPTIONS = frozenset(
    {"outdir", "outfile", "out", "rootdir", "declarationdir", "tsbuildinfofile", "baseurl",
     "generatecpuprofile", "generatetrace"}
)  # fmt: skip
_TS_PATH_LISTS = frozenset({"rootdirs", "typeroots"})
#: Directories tsc's wildcards never enter unless named.
_TS_SKIPPED = frozenset({"node_modules", "bower_components", "jspm_packages", ".git"})


def _ts_value(value: str, top: str) -> str:
    return value.replace("${configDir}", top)


def _tsconfig(path: str, root: str, top: str, seen: set[str], depth: int = 0) -> None:
    """Decide the tsconfig at ``path`` and what it extends and references; ``top`` is the
    directory of the configuration tsc was given (``${configDir}``)."""
    real = _confine(path, root, "tsc's configuration")
    if real in seen:
        return
    seen.add(real)
    if depth > MAX_DEPTH:
        raise NodeConfigRefusal(f"{path}: extends nested deeper than the gate follows")
    data = read_data(real, root, "tsc", "json")
    if not isinstance(data, dict):
        return
    base = os.path.dirname(path)
    what = f"{path[:80]}"
    extends = data.get("extends")
    for one in extends if isinstance(extends, list) else [extends]:
        if isinstance(one, str) and one:
            for target in _ts_extends(_ts_value(one, top), base, root, f"{what} (extends)"):
                _tsconfig(target, root, top, seen, depth + 1)
    options = data.get("compilerOptions")
    if isinstance(options, dict):
        for key, value in options.items():
            folded = key.lower()
            at = f"{what} (compilerOptions.{key})"
            if folded in _TS_PATH_OPTIONS and isinstance(value, str):
                check_path(_ts_value(value, top), base, root, at)
            elif folded in _TS_PATH_LISTS and isinstance(value, list):
                for one in value:
                    if isinstance(one, str):
                        check_path(_ts_value(one, top), base, root, at)
            elif folded == "paths" and isinstance(value, dict):
                url = options.get("baseUrl")
                where = os.path.join(base, _ts_value(url, top)) if isinstance(url, str) else base
                for targets in value.values():
                    for one in targets if isinstance(targets, list) else []:
                        if isinstance(one, str):
                            check_path(_ts_value(one, top), where, root, at)
            elif folded == "types" and isinstance(value, list):
                for one in value:
                    if isinstance(one, str):
                        check_module(one, base, root, at)
    tsnode = data.get("ts-node")
    if isinstance(tsnode, dict):
        # ts-node's own settings: modules it requires, the compiler or transpiler it loads
        for key in ("require", "compiler", "transpiler", "compilerHost"):
            value = tsnode.get(key)
            for one in value if isinstance(value, list) else [value]:
                if isinstance(one, list) and one:
                    one = one[0]
                if isinstance(one, str):
                    check_module(one, base, root, f"{what} (ts-node.{key})")
        for key, value in tsnode.items():
            for kind, named, at in _settings_refs(value, f"ts-node.{key}"):
                if kind == "path":
                    check_path(named, base, root, f"{what} ({at})")
    walked: list[str] = []
    for key in ("files", "include"):
        value = data.get(key)
        for one in value if isinstance(value, list) else []:
            if isinstance(one, str):
                literal = check_path(_ts_value(one, top), base, root, f"{what} ({key})")
                if key == "include":
                    walked.append(literal)
    if "include" not in data and "files" not in data:
        walked.append(base)  # tsc's default: every file below the configuration
    # tsc follows symlinks while it expands `include` (and emits beside what it reads)
    for _ in _nested(walked, frozenset(), root, "tsc", _TS_SKIPPED, links=True):
        pass
    references = data.get("references")
    for reference in references if isinstance(references, list) else []:
        ref = reference.get("path") if isinstance(reference, dict) else None
        if isinstance(ref, str):
            full = check_path(_ts_value(ref, top), base, root, f"{what} (references)")
            if os.path.isdir(full):
                full = os.path.join(full, "tsconfig.json")
            if os.path.isfile(full):
                _tsconfig(full, root, os.path.dirname(full), seen, depth + 1)


def _ts_extends(value: str, base: str, root: str, what: str) -> list[str]:
    """The files an ``extends`` entry may name: a path (with ``.json`` added when missing),
    or a package's ``tsconfig.json``, its ``tsconfig`` field, a subpath, or a JSON file its
    ``exports`` map names."""
    why = module_refusal(value)
    if why is not None:
        raise NodeConfigRefusal(f"{what}: {why}")
    path = module_path(value)
    if path is not None or os.path.isabs(value):
        full = _confine(os.path.join(base, path or value), root, what)
        if not os.path.exists(full) and not full.endswith(".json"):
            full += ".json"
        return [full] if os.path.isfile(full) else []
    folder = _package_dir(value, base, root, data=True)
    if folder is None:
        return []
    parts = value.split("/")
    sub = "/".join(parts[2:] if value.startswith("@") else parts[1:])
    candidates = []
    if sub:
        candidates += [sub, sub + ".json", os.path.join(sub, "tsconfig.json")]
    else:
        candidates.append("tsconfig.json")
    meta = os.path.join(folder, "package.json")
    if os.path.isfile(meta):
        data = read_data(meta, root, "tsc", "json")
        if isinstance(data, dict):
            if isinstance(data.get("tsconfig"), str):
                candidates.append(data["tsconfig"])
            candidates += [
                v for _, v, _ in _pathlike_all(data.get("exports")) if v.endswith(".json")
            ]
    found = []
    for candidate in candidates:
        full = _confine(os.path.join(folder, candidate), root, what)
        if os.path.isfile(full):
            found.append(full)
    return found


def _pathlike_all(value: object) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, str):
        yield "path", value, ""
    elif isinstance(value, list):
        for item in value:
            yield from _pathlike_all(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _pathlike_all(item)


_TS_SOURCES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
#: The specifiers a source names: static imports and exports, `import "x"`, `import("x")`,
#: `require("x")`, `/// <reference path="x" />`.
_TS_SPECIFIER = re.compile(
    r"""(?:\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*(["'])([^"'\n]*)\1"""
    r"""|<reference\s+path\s*=\s*(["'])([^"'\n]*)\3"""
)
#: How many source files the gate reads for their imports (more: refused).
MAX_TS_SOURCES = 5000


def _ts_sources_check(starts: list[str], root: str) -> None:
    """A source naming a file outside the workspace (`import "../../x/lib"`, `"/tmp/x"`,
    `/// <reference path>`) has tsc read it (its types, its errors): refused. The sources
    below ``starts`` (the projects' directories, the files named) are read, as written;
    a specifier built at run time is no file tsc reads."""
    files: list[str] = []
    dirs = [d for d in starts if os.path.isdir(d)]
    files += [f for f in starts if os.path.isfile(f)]
    stack = list(dirs)
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name not in _TS_SKIPPED:
                stack.append(entry.path)
            elif entry.name.endswith(_TS_SOURCES) and entry.is_file(follow_symlinks=False):
                files.append(entry.path)
        if len(files) > MAX_TS_SOURCES:
            raise NodeConfigRefusal(
                f"the project holds more than {MAX_TS_SOURCES} source files for the gate to "
                "read for their imports; name the files tsc should compile"
            )
    for path in files:
        text = _read(path, root, "tsc's source")
        for match in _TS_SPECIFIER.finditer(text):
            spec = match.group(2) if match.group(2) is not None else match.group(4)
            if not spec:
                continue
            why = module_refusal(spec)
            if why is not None:
                raise NodeConfigRefusal(f"{path[:80]}: {why}")
            named = module_path(spec)
            if match.group(4) is not None and named is None:
                named = spec  # a reference path is relative to the file
            if named is not None:
                full = os.path.normpath(os.path.join(os.path.dirname(path), named))
                if not _inside(os.path.realpath(full), root):
                    raise NodeConfigRefusal(
                        f"{path[:80]} imports {spec[:60]!r}, outside the workspace, which tsc "
                        "would read"
                    )


#: tsc's modes that compile nothing.
_TSC_NO_EMIT = frozenset(
    {"--init", "--showConfig", "--version", "--help", "--all", "--listFilesOnly", "--dry",
     "--clean"}
)  # fmt: skip


def tsc_refusal(options: Options, operands: tuple[str, ...], cwd: str, root: str) -> None:
    names = {name for name, _ in options}
    seen: set[str] = set()
    projects: list[str] = []
    if "--build" in names:
        projects = [os.path.join(cwd, o) for o in operands] or [cwd]
    else:
        project = _once(options, ("--project", "-p"), "tsc")
        if project is not None:
            projects = [os.path.join(cwd, project)]
        elif not operands and "--init" not in names:
            for here in _upward(cwd):
                found = os.path.join(here, "tsconfig.json")
                if os.path.isfile(found):
                    if not _inside(os.path.realpath(found), root):
                        raise NodeConfigRefusal(
                            f"tsc would take its project from {found[:80]!r}, outside the workspace"
                        )
                    projects = [found]
                    break
    for project in projects:
        full = os.path.join(project, "tsconfig.json") if os.path.isdir(project) else project
        if os.path.isfile(full):
            _tsconfig(full, root, os.path.dirname(full), seen)
    # where it writes: only when it compiles (not --init, --showConfig, --version...)
    if names & _TSC_NO_EMIT:
        return
    # what it reads: the sources' imports
    _ts_sources_check(
        [os.path.join(cwd, o) for o in operands if "--build" not in names]
        + [p if os.path.isdir(p) else os.path.dirname(p) for p in projects],
        root,
    )
    emit_seen: set[str] = set()
    if operands and "--build" not in names:
        _ts_emit_check(None, names, root, emit_seen)
    for project in projects:
        full = os.path.join(project, "tsconfig.json") if os.path.isdir(project) else project
        if os.path.isfile(full):
            _ts_emit_check(full, names, root, emit_seen)


_TS_EMIT_KEYS = ("noemit", "noemitonerror", "outdir", "outfile", "out")


def _ts_emit_options(path: str, root: str, top: str, depth: int = 0) -> dict[str, object]:
    """The compilerOptions that decide where tsc writes (``noEmit``, ``outDir``,
    ``outFile``), as the configuration at ``path`` and what it extends set them (a later
    setting over an earlier one); keys lower-cased."""
    if depth > MAX_DEPTH:
        raise NodeConfigRefusal(f"{path}: extends nested deeper than the gate follows")
    data = read_data(_confine(path, root, "tsc's configuration"), root, "tsc", "json")
    merged: dict[str, object] = {}
    if not isinstance(data, dict):
        return merged
    base = os.path.dirname(path)
    extends = data.get("extends")
    for one in extends if isinstance(extends, list) else [extends]:
        if isinstance(one, str) and one:
            for target in _ts_extends(_ts_value(one, top), base, root, f"{path} (extends)")[:1]:
                merged.update(_ts_emit_options(target, root, top, depth + 1))
    options = data.get("compilerOptions")
    if isinstance(options, dict):
        for key, value in options.items():
            if key.lower() in _TS_EMIT_KEYS:
                merged[key.lower()] = value
    return merged


def _ts_emit_check(
    project: str | None, names: set[str], root: str, seen: set[str], depth: int = 0
) -> None:
    """tsc writes each compiled file's output beside its source unless told otherwise -- and
    the sources include what they import, wherever it is (`import "../../x"`, `/// <reference
    path>`); with an ``outDir``, one outside the ``rootDir`` is written relative to it
    (``outDir/../../x/lib.js``) after an error. Refused unless ``noEmit`` is set, or an
    ``outDir``/``outFile`` (checked to be in the workspace) with ``noEmitOnError`` (such a
    file is an error: nothing is written); in build mode, for every referenced project
    too."""
    why = (
        "tsc would write each compiled file's output beside its source (or relative to its "
        "rootDir), and the sources include what they import from outside the workspace; set "
        "noEmit, or an outDir inside the workspace together with noEmitOnError"
    )

    def safe(merged: dict[str, object]) -> bool:
        if "--noEmit" in names or merged.get("noemit") is True:
            return True
        gathered = {"--outDir", "--outFile", "--out"} & names or any(
            isinstance(merged.get(k), str) and merged.get(k) for k in ("outdir", "outfile", "out")
        )
        guarded = "--noEmitOnError" in names or merged.get("noemitonerror") is True
        return bool(gathered) and guarded

    if project is None:
        if not safe({}):
            raise NodeConfigRefusal(why)
        return
    real = os.path.realpath(project)
    if real in seen or depth > MAX_DEPTH:
        return
    seen.add(real)
    if not safe(_ts_emit_options(project, root, os.path.dirname(project))):
        raise NodeConfigRefusal(f"{project[:80]}: {why}")
    if "--build" not in names:
        return
    data = read_data(real, root, "tsc", "json")
    references = data.get("references") if isinstance(data, dict) else None
    for reference in references if isinstance(references, list) else []:
        ref = reference.get("path") if isinstance(reference, dict) else None
        if isinstance(ref, str):
            full = os.path.join(os.path.dirname(project), ref)
            if os.path.isdir(full):
                full = os.path.join(full, "tsconfig.json")
            if os.path.isfile(full):
                _ts_emit_check(full, names, root, seen, depth + 1)


def _nearest_tsconfig(start: str, root: str, required: bool) -> None:
    """Decide the ``tsconfig.json`` TypeScript's loaders (ts-node, ts-jest) take for files
    in ``start``: the first one upward. One outside the workspace is refused when
    ``required`` (they will read it); else only one inside is decided."""
    for here in _upward(start):
        found = os.path.join(here, "tsconfig.json")
        if os.path.isfile(found):
            if not _inside(os.path.realpath(found), root):
                if required:
                    raise NodeConfigRefusal(
                        f"TypeScript would take its configuration from {found[:80]!r}, "
                        "outside the workspace"
                    )
                return
            _tsconfig(found, root, here, set())
            return


# --- vitest -------------------------------------------------------------------------------


_VITEST_CODE = tuple(
    f"{stem}{ext}"
    for stem in ("vitest.config", "vite.config", "vitest.workspace", "vitest.projects")
    for ext in (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
)


def vitest_refusal(options: Options, cwd: str, root: str) -> None:
    base = next((os.path.join(cwd, v) for n, v in options if n == "--root" and v), cwd)
    # vitest (and vite) look their configuration up from the root upward: every one on the
    # way must be the workspace's own, none above it nor a link leading out
    for start in dict.fromkeys([base, cwd]):
        for here in _upward(os.path.normpath(start)):
            _code_configs(here, _VITEST_CODE, root, "vitest")
    # its test files are found by a glob that follows symlinks
    folder = next((os.path.join(cwd, v) for n, v in options if n == "--dir" and v), base)
    for _ in _nested([folder], frozenset(), root, "vitest", _SKIPPED_DIRS, links=True):
        pass
    _babel_tree([folder], root, "vitest", links=True)
    path = os.path.join(base, "vitest.workspace.json")
    if not os.path.isfile(path):
        return
    data = read_data(path, root, "vitest", "json")
    for item in data if isinstance(data, list) else []:
        if isinstance(item, str):
            check_path(item, base, root, f"{path} (projects)")
        else:
            for kind, value, key in _settings_refs(item, "project"):
                if kind == "module":
                    check_module(value, base, root, f"{path} ({key})")
                else:
                    check_path(value, base, root, f"{path} ({key})")


def node_test_refusal(operands: tuple[str, ...], cwd: str, root: str) -> str | None:
    """Why ``node --test`` would run a test file from outside the workspace, or None: the
    files it finds (below the working directory, or below each directory or glob named)
    are found by a walk that follows symlinks."""
    starts = _operand_dirs(operands, cwd, root) if operands else [cwd]
    try:
        for _ in _nested(starts, frozenset(), os.path.realpath(root), "node --test",
                         _SKIPPED_DIRS, links=True):  # fmt: skip
            pass
    except NodeConfigRefusal as refusal:
        return f"node: {refusal}"
    return None


_CHECKS: dict[str, Callable[[Options, tuple[str, ...], str, str], None]] = {
    "tsc": tsc_refusal,
    "eslint": eslint_refusal,
    "prettier": prettier_refusal,
    "jest": lambda options, operands, cwd, root: jest_refusal(options, cwd, root),
    "vitest": lambda options, operands, cwd, root: vitest_refusal(options, cwd, root),
}


def node_tool_refusal(
    tool: str, options: Options, operands: tuple[str, ...], cwd: str, root: str
) -> str | None:
    """Why the configuration ``npx TOOL`` would read in ``cwd`` (with these options and
    operands, as its table read them) is refused, or None (see the module docstring)."""
    check = _CHECKS.get(tool)
    if check is None:
        return None
    try:
        root = os.path.realpath(root)
        _tool_binary(tool, cwd, root)
        check(options, operands, cwd, root)
    except NodeConfigRefusal as refusal:
        return f"{tool}: {refusal}"
    return None
