"""Tables for the packages a Node project runs through npx: tsc, eslint, prettier, jest and
vitest. Pure.

A mode rule naming one (``"npx jest"``) runs the project's own copy of it
(``node_modules/.bin/jest`` and the package behind it): code the workspace holds, as
``node SCRIPT`` is. The configuration each tool takes as code (``jest.config.js``,
``eslint.config.js``, ``prettier.config.js``) is code of the workspace too, as ``conftest.py``
is under a pytest rule. What a command line adds is decided here, and what a configuration
file written as data adds is decided in ``_node_configs``, the same way:

* every option must be one the tool knows, read as the tool reads it -- yargs' kebab-case,
  camelCase and ``--no-`` forms and its greedy arrays for jest, tsc's option names in any
  case, and so on. An option the tool does not know is refused: jest copies an unknown
  ``--name=value`` into its configuration (``--dependencyExtractor=/x.js`` loads that file);
* an option that loads a module (a plugin, a reporter, a formatter, a parser, a setup file,
  a test environment, a transform) takes a file inside the workspace or the name of an
  installed package, never a URL (``data:`` is inline code, ``http:`` code from the network),
  a path outside, a name starting with ``~``, or a package name climbing out of
  ``node_modules`` with ``..``;
* an option that names a file or a directory keeps it inside the workspace;
* configuration given inline (jest's ``--config '{...}'``, ``--transform '{...}'``) is read
  as the file would be;
* options that start servers, debuggers, desktop notifiers or package installs are refused.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping

from ._reader import ArgRefusal, Options, Spec, _s

#: A URL scheme of two letters or more (``C:`` is a Windows drive, not a scheme).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def module_refusal(value: str) -> str | None:
    """Why ``value``, a module a tool would load (``require``/``import``), is refused, or None:
    a URL other than ``file:`` or ``node:`` (``data:`` is inline code, ``http:`` and the like
    code from the network), a name starting with ``~`` (some resolvers expand it), a
    backslash, or a package name climbing with ``..`` (``pkg/../../x`` resolves outside
    ``node_modules``). A path (``./x.js``, ``/x``, ``file:``) is not refused here: it must
    resolve inside the workspace (see :func:`module_path`)."""
    v = value.strip()
    if not v:
        return None
    scheme = _SCHEME.match(v)
    if scheme is not None and scheme.group(1).lower() not in ("file", "node"):
        return (
            f"{value[:60]!r} loads code from a {scheme.group(1).lower()}: URL, not from a file "
            "in the workspace"
        )
    if v.startswith("~"):
        return f"{value[:60]!r} starts with '~', which a resolver may expand outside the workspace"
    if "\\" in v or "\0" in v:
        return f"{value[:60]!r} holds a backslash or a NUL, which resolvers read differently"
    if module_path(v) is None and ".." in v.split("/"):
        return f"{value[:60]!r} climbs out of node_modules with '..'"
    return None


def module_path(value: str) -> str | None:
    """The file ``value`` names when it is a path (``./x.js``, ``../x``, ``/abs``, a
    ``file:`` URL), else None (an installed package's name, ``pkg/sub/path``, which node
    looks up in ``node_modules``)."""
    v = value.strip()
    if v.lower().startswith("file:"):
        rest = v[5:]
        if rest.startswith("//"):
            slash = rest.find("/", 2)
            rest = "/" if slash < 0 else rest[slash:]
        return urllib.parse.unquote(rest) or "."
    if v in (".", "..") or v.startswith(("/", "./", "../")):
        return v
    return None


def path_refusal(value: str) -> str | None:
    """Why a path-valued setting ``value`` is refused before it is resolved, or None: a
    leading ``~`` or a ``$VAR`` (tools or shells expand them to what the gate cannot see)."""
    if value.startswith("~") or "$" in value:
        return f"{value[:60]!r} is expanded (~, $VARS) to a path the gate cannot see"
    return None


# --- how each tool reads its words --------------------------------------------------------

#: A negative number: yargs and cac read it as a value, not an option.
_NEGATIVE = re.compile(r"^-\d+(?:\.\d+)?(?:e[-+]?\d+)?$")


def _option_like(word: str) -> bool:
    return word.startswith("-") and word != "-" and _NEGATIVE.match(word) is None


def _camel(name: str) -> str:
    """``name`` as the ``camelcase`` package (jest's validation) and yargs' camel-case
    expansion fold it: ``global-setup``, ``global_setup`` and ``GlobalSetup`` are
    ``globalSetup``."""
    parts = [p for p in re.split(r"[-_\s]+", name) if p]
    if not parts:
        return name
    first = parts[0][:1].lower() + parts[0][1:]
    return first + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _canonical(name: str, names: frozenset[str]) -> str | None:
    """The option ``name`` stands for among ``names``: itself or its camelCase form (what
    jest's validation takes it for; a spelling in another case is no option to yargs, and
    jest ignores the key it sets)."""
    for candidate in (name, _camel(name)):
        if candidate in names:
            return candidate
    return None


def yargs_reader(
    booleans: frozenset[str],
    valued: frozenset[str],
    arrays: frozenset[str],
    shorts: Mapping[str, str],
) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A normalizer reading words as yargs-parser does (jest): ``--kebab-case``,
    ``--camelCase`` and ``--no-name``; ``--name=value``; a value taken from the next word
    unless that word is an option; arrays taking every following word up to the next option
    (yargs' greedy arrays); short clusters (``-ic``, ``-c=file``, ``-c/abs``); ``--`` ending
    the options. Each option comes out as ``--canonical`` or ``--canonical=value`` (one per
    array member)."""
    names = booleans | valued | arrays

    def normalize(args: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        i = 0

        def take(name: str, value: str | None, at: int) -> int:
            """Emit option ``name`` with ``value`` (None: read it from args[at:]); return
            where reading goes on."""
            if name in booleans:
                if value is None and at < len(args) and args[at] in ("true", "false"):
                    at += 1
                out.append(f"--{name}")
                return at
            values: list[str] = [] if value is None else [value]
            if name in arrays:
                while at < len(args) and not _option_like(args[at]) and args[at] != "--":
                    values.append(args[at])
                    at += 1
            elif value is None and at < len(args) and not _option_like(args[at]):
                values.append(args[at])
                at += 1
            out.extend(f"--{name}={v}" for v in values or [""])
            return at

        while i < len(args):
            word = args[i]
            i += 1
            if word == "--":
                out.extend(args[i - 1 :])
                break
            if word.startswith("--") and len(word) > 2:
                raw, eq, value = word[2:].partition("=")
                name = _canonical(raw, names)
                if name is None and raw.lower().startswith("no-"):
                    negated = _canonical(raw[3:], names)
                    if negated is not None:
                        out.append(f"--{negated}" if negated in booleans else f"--{negated}=")
                        continue
                if name is None:
                    out.append(word)  # the reader refuses it as unknown
                    continue
                i = take(name, value if eq else None, i)
                continue
            if word.startswith("-") and len(word) > 1 and not _NEGATIVE.match(word):
                # a cluster, read as yargs-parser reads it: a letter followed by `=`, a number
                # or a non-word character takes the rest as its value; the others are set
                letters = word[1:]
                broken = False
                for j, letter in enumerate(letters[:-1]):
                    name = shorts.get(letter)
                    rest = letters[j + 1 :]
                    if rest[0] == "=":
                        value = rest[1:]
                    elif (
                        letter.isalpha() and re.fullmatch(r"-?\d+(\.\d*)?(e-?\d+)?", rest)
                    ) or not (rest[0].isalnum() or rest[0] == "_"):
                        value = rest
                    else:
                        if name is None:
                            out.append(f"-{letter}")
                        else:
                            out.append(f"--{name}" if name in booleans else f"--{name}=")
                        continue
                    if name is None:
                        out.append(f"-{letter}")
                    else:
                        i = take(name, value, i)
                    broken = True
                    break
                if not broken and letters[-1] != "-":
                    name = shorts.get(letters[-1])
                    if name is None:
                        out.append(f"-{letters[-1]}")
                    else:
                        i = take(name, None, i)
                continue
            out.append(word)
        return tuple(out)

    normalize.__doc__ = yargs_reader.__doc__
    return normalize


def gnu_negatable_reader(
    booleans: frozenset[str], valued: frozenset[str], keep: frozenset[str] = frozenset()
) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A normalizer for optionator (eslint) and prettier's reader: ``--no-NAME`` is ``--NAME``
    for a boolean (``keep`` names the ``--no-`` forms the table lists as they are), a
    boolean's ``=value`` is dropped, ``-x=value`` is ``-x value``, and an option's value is
    never a next word that is an option itself (the tools leave it for an option too, or
    stop); the rest is read as GNU options are (without abbreviations: neither tool takes
    them, and the reader's are only stricter)."""

    def normalize(args: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        i = 0
        while i < len(args):
            word = args[i]
            i += 1
            if word == "--":
                out.extend(args[i - 1 :])
                break
            raw, eq, value = word.partition("=")
            if raw in keep:
                out.append(raw)
            elif raw.startswith("--no-") and raw[5:] in booleans:
                out.append(f"--{raw[5:]}")
            elif raw.startswith("--") and raw[2:] in booleans:
                out.append(raw)
            elif eq and len(raw) == 2 and raw[0] == "-" and raw[1] != "-":
                out.extend((raw, value))
            elif word in valued:
                if i < len(args) and not _option_like(args[i]):
                    out.extend((word, args[i]))
                    i += 1
                else:
                    out.extend((word, ""))
            else:
                out.append(word)
        return tuple(out)

    normalize.__doc__ = gnu_negatable_reader.__doc__
    return normalize


# --- jest ---------------------------------------------------------------------------------

JEST_BOOLEANS = _s(
    "all", "automock", "bail", "cache", "changedFilesWithAncestor", "ci", "clearCache",
    "clearMocks", "collectCoverage", "collectTests", "color", "colors", "coverage", "debug",
    "detectLeaks", "detectOpenHandles", "errorOnDeprecated", "expand", "findRelatedTests",
    "forceExit", "help", "init", "injectGlobals", "json", "lastCommit", "listTests",
    "logHeapUsage", "noStackTrace", "notify", "onlyChanged", "onlyFailures", "passWithNoTests",
    "randomize", "resetMocks", "resetModules", "restoreMocks", "runInBand", "runTestsByPath",
    "showConfig", "showSeed", "silent", "skipFilter", "testLocationInResults", "updateSnapshot",
    "useStderr", "verbose", "version", "waitForUnhandledRejections", "watch", "watchAll",
    "watchman", "workerThreads",
)  # fmt: skip
JEST_VALUED = _s(
    "cacheDirectory", "changedSince", "collectCoverageFrom", "config", "coverageDirectory",
    "coverageProvider", "coverageThreshold", "env", "filter", "globalSetup", "globalTeardown",
    "globals", "haste", "maxConcurrency", "maxWorkers", "moduleNameMapper", "notifyMode",
    "openHandlesTimeout", "outputFile", "preset", "prettierPath", "resolver", "rootDir",
    "runner", "seed", "shard", "testEnvironment", "testEnvironmentOptions",
    "testFailureExitCode", "testNamePattern", "testResultsProcessor", "testRunner",
    "testSequencer", "testTimeout", "transform", "workerGracefulExitTimeout",
)  # fmt: skip
JEST_ARRAYS = _s(
    "coveragePathIgnorePatterns", "coverageReporters", "ignoreProjects", "moduleDirectories",
    "moduleFileExtensions", "modulePathIgnorePatterns", "modulePaths", "projects", "reporters",
    "roots", "selectProjects", "setupFiles", "setupFilesAfterEnv", "snapshotSerializers",
    "testMatch", "testPathIgnorePatterns", "testPathPattern", "testPathPatterns", "testRegex",
    "transformIgnorePatterns", "unmockedModulePathPatterns", "watchPathIgnorePatterns",
)  # fmt: skip
_JEST_SHORTS = {
    "b": "bail", "c": "config", "e": "expand", "f": "onlyFailures", "h": "help", "i": "runInBand",
    "o": "onlyChanged", "t": "testNamePattern", "u": "updateSnapshot", "w": "maxWorkers",
}  # fmt: skip

#: jest settings whose value is a module to load (a string, a list of them, or a
#: ``[module, options]`` pair per entry), in a configuration or on the command line.
JEST_MODULE_KEYS = frozenset(
    {
        "globalSetup", "globalTeardown", "setupFiles", "setupFilesAfterEnv",
        "snapshotSerializers", "testEnvironment", "env", "testRunner", "testSequencer",
        "resolver", "snapshotResolver", "runner", "filter", "testResultsProcessor",
        "prettierPath", "preset", "dependencyExtractor", "moduleLoader", "reporters",
        "coverageReporters", "watchPlugins", "runtime",
    }
)  # fmt: skip
#: jest settings naming files or directories, relative to ``rootDir``.
JEST_PATH_KEYS = frozenset(
    {"rootDir", "roots", "modulePaths", "coverageDirectory", "cacheDirectory", "projects",
     "testPathDirs", "outputFile", "moduleDirectories"}
)  # fmt: skip
#: jest's built-in reporters, test environments and coverage reporters (istanbul's).
_JEST_BUILTINS = frozenset({"default", "summary", "github-actions", "node", "jsdom", "v8", "babel"})
#: jest settings given as JSON on the command line (setFromArgv parses these).
_JEST_JSON = frozenset(
    {"config", "coverageThreshold", "globals", "haste", "moduleNameMapper",
     "testEnvironmentOptions", "transform"}
)  # fmt: skip


def jest_refs(config: object, where: str = "") -> Iterator[tuple[str, str, str]]:
    """``(kind, value, key)`` for every module (``kind`` "module") and path ("path") a jest
    configuration object names: the module settings (``reporters`` entries and their
    ``[name, options]`` pairs), ``transform`` and ``moduleNameMapper`` values, ``haste``'s
    module paths, the path settings, a project given as an object (read as a
    configuration itself), and every string of an options object that looks like a path
    (a reporter's ``outputDirectory``)."""
    if not isinstance(config, dict):
        return
    for key, value in config.items():
        at = f"{where}{key}"
        if key in JEST_MODULE_KEYS:
            yield from _entries("module", value, at)
        elif key == "transform" and isinstance(value, dict):
            for pattern, target in value.items():
                yield from _entries("module", [target], f"{at}[{pattern[:20]}]")
        elif key == "moduleNameMapper" and isinstance(value, dict):
            for pattern, target in value.items():
                for one in target if isinstance(target, list) else [target]:
                    if isinstance(one, str):
                        yield "module", one, f"{at}[{pattern[:20]}]"
        elif key == "haste" and isinstance(value, dict):
            for sub in ("hasteImplModulePath", "hasteMapModulePath"):
                if isinstance(value.get(sub), str):
                    yield "module", value[sub], f"{at}.{sub}"
        elif key == "projects" and isinstance(value, list):
            for n, project in enumerate(value):
                if isinstance(project, str):
                    yield "path", project, f"{at}[{n}]"
                else:
                    yield from jest_refs(project, f"{at}[{n}].")
        elif key in JEST_PATH_KEYS:
            for one in value if isinstance(value, list) else [value]:
                if isinstance(one, str):
                    yield "path", one, at
        elif key == "testEnvironmentOptions":
            yield from _pathlike(value, at)


def _entries(kind: str, value: object, where: str) -> Iterator[tuple[str, str, str]]:
    """The modules of a module setting: a string, a list of strings, ``[name, options]``
    pairs (the options searched for paths)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            yield kind, item, where
        elif isinstance(item, list) and item:
            if isinstance(item[0], str):
                yield kind, item[0], where
            for extra in item[1:]:
                yield from _pathlike(extra, where)
        elif isinstance(item, dict):
            yield from _pathlike(item, where)


def _pathlike(value: object, where: str) -> Iterator[tuple[str, str, str]]:
    """Every string in an options object that looks like a path a tool would open or write
    (absolute, ``~``, ``..``, a ``file:`` URL), as a "path"; a key that looks like one too."""
    if isinstance(value, str):
        v = value.strip()
        if v.startswith(("/", "~")) or ".." in re.split(r"[/\\]", v) or v.startswith("file:"):
            yield "path", module_path(v) or v, where
    elif isinstance(value, list):
        for item in value:
            yield from _pathlike(item, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _pathlike(key, where)
            yield from _pathlike(item, f"{where}.{key}")


def _option_values(options: Options, names: frozenset[str]) -> Iterator[tuple[str, str]]:
    for name, value in options:
        if value is not None and name.lstrip("-") in names:
            yield name.lstrip("-"), value


def _jest_root(options: Options) -> str:
    roots = [v for n, v in options if n == "--rootDir" and v]
    return roots[-1] if roots else "."


def _jest_cli_refs(options: Options) -> Iterator[tuple[str, str, str]]:
    for name, value in _option_values(options, JEST_MODULE_KEYS | JEST_PATH_KEYS | _JEST_JSON):
        if name in _JEST_JSON and value.startswith("{") and value.endswith("}"):
            try:
                parsed = json.loads(value)
            except ValueError:
                continue  # jest parses it as JSON too; a string that fails is no setting
            if name == "config":
                yield from jest_refs(parsed)
            else:
                yield from jest_refs({name: parsed})
        elif name in JEST_MODULE_KEYS:
            yield "module", value, f"--{name}"
        elif name in JEST_PATH_KEYS or name == "config":
            yield "path", value, f"--{name}"


def _jest_extra(operands: tuple[str, ...], options: Options) -> str | None:
    """Modules (``--globalSetup``, ``--setupFiles``, ``--reporters``, ``--testEnvironment``,
    ``--transform``...) must be files in the workspace or installed packages, never URLs;
    inline JSON (``--config '{...}'``) is read as the file would be; ``--changedSince`` is
    a git revision, never an option for git."""
    for name, value in options:
        if name == "--changedSince" and value and value.startswith("-"):
            return f"--changedSince {value[:40]!r} would be read by git as an option"
        if name == "--config" and value and value.startswith("{") and value.endswith("}"):
            try:
                json.loads(value)
            except ValueError:
                return "--config holds inline JSON that does not parse"
    for kind, value, key in _jest_cli_refs(options):
        why = _ref_refusal(kind, value.replace("<rootDir>", "."))
        if why is not None:
            return f"{key}: {why}"
    for name, value in options:
        if name in ("--haste", "--config") and value and "enableSymlinks" in value:
            return f"{name}: haste.enableSymlinks would have jest follow symlinks out"
    return None


def _ref_refusal(kind: str, value: str) -> str | None:
    if kind == "module" and value in _JEST_BUILTINS:
        return None
    if kind == "module":
        return module_refusal(value)
    return path_refusal(value)


def _jest_paths(operands: tuple[str, ...], options: Options) -> tuple[str, ...]:
    root = _jest_root(options)
    found: list[str] = []
    for kind, value, key in _jest_cli_refs(options):
        value = value.replace("<rootDir>", root)
        path = module_path(value) if kind == "module" else value
        if path is None or (kind == "path" and key in ("--moduleDirectories",) and "/" not in path):
            continue
        if key in ("--rootDir", "--config") or os.path.isabs(path) or root == ".":
            found.append(path)  # (jest reads --config from the working directory)
        else:
            found.append(os.path.join(root, path))
    return tuple(found)


JEST = Spec(
    flags=frozenset(f"--{n}" for n in JEST_BOOLEANS - {"notify"}),
    valued=frozenset(f"--{n}" for n in JEST_VALUED | JEST_ARRAYS),
    denied={"--notify": "it runs a desktop notifier, a program outside the job"},
    extra=_jest_extra,
    extra_paths=_jest_paths,
    normalize=yargs_reader(JEST_BOOLEANS, JEST_VALUED, JEST_ARRAYS, _JEST_SHORTS),
)


# --- eslint -------------------------------------------------------------------------------

_ESLINT_REFUSED = _s("inspect-config", "mcp", "init", "env-info")
_ESLINT_BOOLEANS = _s(
    "config-lookup", "eslintrc", "stats", "warn-ignored", "fix", "fix-dry-run", "ignore",
    "stdin", "quiet", "color", "inline-config", "report-unused-disable-directives", "cache",
    "suppress-all", "prune-suppressions", "pass-on-unpruned-suppressions",
    "error-on-unmatched-pattern", "exit-on-fatal-error", "pass-on-no-patterns", "debug", "help",
    "version", "inspect-config", "mcp", "init", "env-info",
)  # fmt: skip
#: Options whose value is a module eslint loads: ``--plugin`` (comma lists), ``--parser``,
#: ``--format`` (a built-in formatter, a package or a file).
_ESLINT_MODULES = _s("--plugin", "--parser", "--format", "-f")
_ESLINT_PATHS = _s(
    "--resolve-plugins-relative-to", "--ignore-path", "--config", "-c", "--output-file", "-o",
    "--cache-file", "--cache-location", "--suppressions-location", "--print-config",
    "--stdin-filename",
)  # fmt: skip


def _comma_values(options: Options, names: frozenset[str]) -> Iterator[tuple[str, str]]:
    for name, value in options:
        if name in names and value is not None:
            for one in value.split(","):
                yield name, one.strip()


def _modules_extra(names: frozenset[str]) -> Callable[[tuple[str, ...], Options], str | None]:
    def extra(operands: tuple[str, ...], options: Options) -> str | None:
        for name, value in _comma_values(options, names):
            why = module_refusal(value)
            if why is not None:
                return f"{name}: {why}"
        return None

    extra.__doc__ = (
        "Modules the options name (" + ", ".join(f"``{n}``" for n in sorted(names)) + ") must "
        "be files in the workspace or installed packages, never URLs (``data:``, ``http:``)."
    )
    return extra


def _modules_paths(
    names: frozenset[str], lists: frozenset[str] = frozenset()
) -> Callable[[tuple[str, ...], Options], tuple[str, ...]]:
    def paths(operands: tuple[str, ...], options: Options) -> tuple[str, ...]:
        found = [p for _, v in _comma_values(options, names) if (p := module_path(v))]
        found += [v for _, v in _comma_values(options, lists) if v]
        return tuple(found)

    return paths


_ESLINT_VALUED = (
    _s(
        "--env",
        "--ext",
        "--flag",
        "--report-unused-inline-configs",
        "--concurrency",
        "--global",
        "--parser",
        "--parser-options",
        "--plugin",
        "--rule",
        "--fix-type",
        "--ignore-pattern",
        "--max-warnings",
        "--format",
        "-f",
        "--report-unused-disable-directives-severity",
        "--cache-strategy",
        "--suppress-rule",
        "--rulesdir",
    )
    | _ESLINT_PATHS
)

ESLINT = Spec(
    flags=frozenset(f"--{n}" for n in _ESLINT_BOOLEANS - _ESLINT_REFUSED)
    | _s("-h", "-v", "--no-eslintrc", "--no-config-lookup"),
    valued=_ESLINT_VALUED,
    paths=_ESLINT_PATHS,
    denied={
        "--inspect-config": "it fetches @eslint/config-inspector with npx and serves it on a port",
        "--mcp": "it starts an MCP server",
        "--init": "it runs npm init @eslint/config, which installs and runs packages",
        "--env-info": "it runs npm and other programs to report their versions",
    },
    extra=_modules_extra(_ESLINT_MODULES),
    # --rulesdir loads every rule file of its directories (comma lists): the workspace's own
    extra_paths=_modules_paths(_ESLINT_MODULES, _s("--rulesdir")),
    normalize=gnu_negatable_reader(
        _ESLINT_BOOLEANS, _ESLINT_VALUED, keep=_s("--no-eslintrc", "--no-config-lookup")
    ),
)


# --- prettier -----------------------------------------------------------------------------

_PRETTIER_BOOLEANS = _s(
    "check", "list-different", "write", "bracket-same-line", "bracket-spacing",
    "experimental-ternaries", "jsx-single-quote", "semi", "single-attribute-per-line",
    "single-quote", "use-tabs", "vue-indent-script-and-style", "editorconfig",
    "with-node-modules", "cache", "check-ignore-pragma", "color", "error-on-unmatched-pattern",
    "ignore-unknown", "insert-pragma", "require-pragma", "support-info", "version",
    "jsx-bracket-same-line", "debug-check", "debug-print-doc", "debug-print-comments",
    "debug-print-ast", "debug-benchmark", "experimental-cli",
)  # fmt: skip
_PRETTIER_PATHS = _s(
    "--config", "--find-config-path", "--ignore-path", "--cache-location", "--file-info",
    "--stdin-filepath",
)  # fmt: skip
_PRETTIER_MODULES = _s("--plugin", "--parser")

_PRETTIER_VALUED = (
    _s(
        "--arrow-parens",
        "--embedded-language-formatting",
        "--end-of-line",
        "--experimental-operator-position",
        "--html-whitespace-sensitivity",
        "--object-wrap",
        "--parser",
        "--print-width",
        "--prose-wrap",
        "--quote-props",
        "--tab-width",
        "--trailing-comma",
        "--config-precedence",
        "--cursor-offset",
        "--range-end",
        "--range-start",
        "--cache-strategy",
        "--log-level",
        "--plugin",
        "--debug-repeat",
    )
    | _PRETTIER_PATHS
)

PRETTIER = Spec(
    flags=frozenset(f"--{n}" for n in _PRETTIER_BOOLEANS)
    | _s("--no-config", "-c", "-l", "-w", "-u", "-v", "-h"),
    valued=_PRETTIER_VALUED,
    optional=_s("--help"),
    paths=_PRETTIER_PATHS,
    extra=_modules_extra(_PRETTIER_MODULES),
    extra_paths=_modules_paths(_PRETTIER_MODULES),
    normalize=gnu_negatable_reader(_PRETTIER_BOOLEANS, _PRETTIER_VALUED, keep=_s("--no-config")),
)


# --- tsc ----------------------------------------------------------------------------------

_TSC_BOOLEANS = _s(
    "all", "allowArbitraryExtensions", "allowImportingTsExtensions", "allowJs",
    "allowSyntheticDefaultImports", "allowUmdGlobalAccess", "allowUnreachableCode",
    "allowUnusedLabels", "alwaysStrict", "assumeChangesOnlyAffectDirectDependencies", "build",
    "checkJs", "clean", "declaration", "declarationMap", "diagnostics", "disableSizeLimit",
    "downlevelIteration", "dry", "emitBOM", "emitDeclarationOnly", "emitDecoratorMetadata",
    "erasableSyntaxOnly", "esModuleInterop", "exactOptionalPropertyTypes",
    "experimentalDecorators", "explainFiles", "extendedDiagnostics", "force",
    "forceConsistentCasingInFileNames", "help", "importHelpers", "incremental", "init",
    "inlineSourceMap", "inlineSources", "isolatedDeclarations", "isolatedModules",
    "keyofStringsOnly", "libReplacement", "listEmittedFiles", "listFiles", "listFilesOnly",
    "noCheck", "noEmit", "noEmitHelpers", "noEmitOnError", "noErrorTruncation",
    "noFallthroughCasesInSwitch", "noImplicitAny", "noImplicitOverride", "noImplicitReturns",
    "noImplicitThis", "noImplicitUseStrict", "noLib", "noPropertyAccessFromIndexSignature",
    "noResolve", "noStrictGenericChecks", "noUncheckedIndexedAccess",
    "noUncheckedSideEffectImports", "noUnusedLocals", "noUnusedParameters",
    "preserveConstEnums", "preserveSymlinks", "preserveValueImports", "preserveWatchOutput",
    "pretty", "removeComments", "resolveJsonModule", "resolvePackageJsonExports",
    "resolvePackageJsonImports", "rewriteRelativeImportExtensions", "showConfig",
    "skipDefaultLibCheck", "skipLibCheck", "sourceMap", "stopBuildOnErrors", "strict",
    "strictBindCallApply", "strictBuiltinIteratorReturn", "strictFunctionTypes",
    "strictNullChecks", "strictPropertyInitialization", "stripInternal",
    "suppressExcessPropertyErrors", "suppressImplicitAnyIndexErrors",
    "synchronousWatchDirectory", "traceResolution", "useDefineForClassFields",
    "useUnknownInCatchVariables", "verbatimModuleSyntax", "verbose", "version", "watch",
)  # fmt: skip
_TSC_VALUED = _s(
    "baseUrl", "charset", "customConditions", "declarationDir", "excludeDirectories",
    "excludeFiles", "fallbackPolling", "generateCpuProfile", "generateTrace",
    "ignoreDeprecations", "importsNotUsedAsValues", "jsx", "jsxFactory", "jsxFragmentFactory",
    "jsxImportSource", "lib", "locale", "mapRoot", "maxNodeModuleJsDepth", "module",
    "moduleDetection", "moduleResolution", "moduleSuffixes", "newLine", "out", "outDir",
    "outFile", "project", "reactNamespace", "rootDir", "sourceRoot", "target",
    "tsBuildInfoFile", "typeRoots", "types", "watchDirectory", "watchFile",
)  # fmt: skip
#: tsc's options that name a file or directory it reads or writes (``typeRoots``: a comma
#: list, in ``extra_paths``).
_TSC_PATHS = _s(
    "--baseUrl", "--declarationDir", "--generateCpuProfile", "--generateTrace", "--out",
    "--outDir", "--outFile", "--project", "--rootDir", "--tsBuildInfoFile",
)  # fmt: skip
_TSC_SHORTS = {
    "h": "help", "?": "help", "w": "watch", "i": "incremental", "d": "declaration", "p": "project",
    "t": "target", "m": "module", "v": "version", "b": "build",
}  # fmt: skip
#: ``tsc -b``: the same letters name build options.
_TSC_BUILD_SHORTS = {**_TSC_SHORTS, "d": "dry", "v": "verbose", "f": "force"}
_TSC_NAMES = {n.lower(): n for n in _TSC_BOOLEANS | _TSC_VALUED}


def _tsc_words(args: tuple[str, ...]) -> tuple[str, ...]:
    """tsc's words as tsc reads them: an option is ``-name`` or ``--name`` in any case (never
    ``--name=value``: tsc refuses that), its value always the next word (even one starting
    with ``-``), a boolean's optionally ``true``/``false``; ``--`` is no end of options but
    an unknown option; ``@file`` reads more words from a file, which the gate cannot see.
    ``-b``/``--build`` first switches to build mode, whose ``-d``, ``-v`` and ``-f`` are
    ``--dry``, ``--verbose`` and ``--force``. tsc reads a backslash in a path as a separator:
    a word holding one is refused."""
    for word in args:
        if "\\" in word:
            raise ArgRefusal(
                f"tsc: {word[:40]!r} holds a backslash, which tsc reads as a path separator "
                "(`..\\..\\x` climbs out of the workspace)",
                arg=word,
            )
    build = bool(args) and args[0].lower() in ("-b", "--build")
    shorts = _TSC_BUILD_SHORTS if build else _TSC_SHORTS
    out: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word.startswith("@"):
            raise ArgRefusal(
                f"tsc: {word[:40]!r} reads more arguments from a file, which execgate does not "
                "read; give them on the command line",
                arg=word,
            )
        if not word.startswith("-"):
            out.append(word)
            continue
        raw = word[2:] if word.startswith("--") else word[1:]
        name = shorts.get(raw) if len(raw) == 1 else _TSC_NAMES.get(raw.lower())
        if word == "--":
            raise ArgRefusal(
                "tsc: '--' does not end tsc's options (tsc reads it as an unknown option)",
                arg=word,
            )
        if name is None:
            out.append(word)  # an option tsc does not know: the reader refuses it
            continue
        if name in _TSC_BOOLEANS:
            if i < len(args) and args[i] in ("true", "false"):
                i += 1
                if args[i - 1] == "false":
                    if name == "noEmit":
                        raise ArgRefusal(
                            "tsc: --noEmit false overrides the configuration's noEmit (and "
                            "emits beside each source); drop it",
                            arg=word,
                        )
                    continue  # false: as if not given
            out.append(f"--{name}")
        else:
            value = args[i] if i < len(args) else ""
            i += 1
            out.append(f"--{name}={value}")
    return tuple(out)


def _tsc_extra(operands: tuple[str, ...], options: Options) -> str | None:
    """``--types`` names packages (and ``--typeRoots`` directories): no URLs, no names
    climbing with ``..``."""
    for name, value in _comma_values(options, _s("--types")):
        why = module_refusal(value)
        if why is not None:
            return f"{name}: {why}"
    return None


TSC = Spec(
    flags=frozenset(f"--{n}" for n in _TSC_BOOLEANS),
    valued=frozenset(f"--{n}" for n in _TSC_VALUED),
    paths=_TSC_PATHS,
    extra=_tsc_extra,
    extra_paths=_modules_paths(_s("--types"), _s("--typeRoots")),
    normalize=_tsc_words,
)


# --- vitest -------------------------------------------------------------------------------

_VITEST_BOOLEANS = _s(
    "watch", "hideSkippedTests", "isolate", "globals", "dom", "fileParallelism",
    "passWithNoTests", "logHeapUsage", "detectAsyncLeaks", "allowOnly",
    "dangerouslyIgnoreUnhandledErrors", "expandSnapshotDiff", "disableConsoleIntercept",
    "typecheck", "typecheck.enabled", "typecheck.only", "printConsoleTrace",
    "includeTaskLocation", "run", "color", "clearScreen", "standalone", "clearCache",
    "strictTags", "fsModuleCache", "cache", "coverage", "coverage.enabled", "coverage.all",
    "coverage.clean", "coverage.cleanOnRerun", "coverage.skipFull", "coverage.reportOnFailure",
    "coverage.thresholds.autoUpdate", "coverage.thresholds.perFile", "coverage.thresholds.100",
    "sequence.shuffle", "sequence.concurrent", "help", "version", "ui", "open", "api",
    "browser", "inspect", "inspectBrk", "experimental", "coverage.allowExternal",
)  # fmt: skip
_VITEST_VALUED = _s(
    "root", "config", "update", "testNamePattern", "dir", "silent", "reporter", "reporters",
    "outputFile", "coverage.provider", "coverage.reporter", "coverage.reportsDirectory",
    "coverage.include", "coverage.exclude", "coverage.extension",
    "coverage.thresholds.lines", "coverage.thresholds.functions",
    "coverage.thresholds.branches", "coverage.thresholds.statements",
    "coverage.customProviderModule", "mode", "pool", "environment", "maxWorkers", "minWorkers",
    "vmMemoryLimit", "shard", "changed", "sequence.seed", "sequence.hooks",
    "sequence.setupFiles", "testTimeout", "hookTimeout", "bail", "retry", "repeats", "exclude",
    "project", "slowTestThreshold", "teardownTimeout", "maxConcurrency", "configLoader",
    "mergeReports", "tagsFilter", "listTags", "json", "attachmentsDir", "fsModuleCachePath",
    "diff", "execArgv", "cache.dir",
)  # fmt: skip
_VITEST_NAMES = {n.lower(): n for n in _VITEST_BOOLEANS | _VITEST_VALUED}
_VITEST_SHORTS = {"r": "root", "c": "config", "u": "update", "w": "watch", "t": "testNamePattern",
                  "h": "help", "v": "version"}  # fmt: skip
#: vitest's options that take a value only when one is given with ``=`` or follows.
_VITEST_OPTIONAL = _s("update", "silent", "changed", "mergeReports", "listTags", "json")
_VITEST_MODULES = _s(
    "--reporter", "--reporters", "--environment", "--pool", "--coverage.provider",
    "--coverage.reporter", "--coverage.customProviderModule", "--diff",
)  # fmt: skip
_VITEST_PATHS = _s(
    "--root", "--config", "--dir", "--coverage.reportsDirectory", "--attachmentsDir",
    "--fsModuleCachePath", "--cache.dir", "--outputFile",
)  # fmt: skip
_VITEST_SUBCOMMANDS = frozenset({"run", "related", "watch", "dev", "bench", "list"})


def _vitest_words(args: tuple[str, ...]) -> tuple[str, ...]:
    """vitest's words as cac reads them: ``--kebab-case`` or ``--camelCase`` (the first part
    of a dotted name folded), ``--no-name``, ``--name=value`` or the next word when it is no
    option; ``--outputFile.REPORTER=FILE`` is an ``--outputFile``. The first operand may be a
    subcommand (``run``, ``watch``, ``list``...); ``init`` installs packages and is refused."""
    out: list[str] = []
    i = 0
    seen_operand = False
    while i < len(args):
        word = args[i]
        i += 1
        if word == "--":
            out.extend(args[i - 1 :])
            break
        if not _option_like(word):
            if not seen_operand and word == "init":
                raise ArgRefusal("vitest: init installs packages and writes their configuration")
            seen_operand = True
            out.append(word)
            continue
        if not word.startswith("--"):
            letters = word[1:]
            name = _VITEST_SHORTS.get(letters[:1])
            if name is None or (len(letters) > 1 and letters[1] != "="):
                out.append(word)  # the reader refuses what it does not know
                continue
            word = f"--{name}{letters[1:]}"
        raw, eq, value = word[2:].partition("=")
        head, dot, tail = raw.partition(".")
        negated = head.startswith("no-") or (head.startswith("no") and head[2:3].isupper())
        if negated:
            head = head[3:] if head.startswith("no-") else head[2].lower() + head[3:]
        folded = _camel(head) + dot + tail
        name = _VITEST_NAMES.get(folded.lower())
        if name is None and folded.lower().startswith("outputfile."):
            name = "outputFile"
        if name is None:
            out.append(f"--{folded}" + (f"={value}" if eq else ""))
            continue
        if name in _VITEST_BOOLEANS or negated:
            out.append(f"--{name}" if name in _VITEST_BOOLEANS else f"--{name}=")
            continue
        if (
            not eq
            and i < len(args)
            and not _option_like(args[i])
            and (name not in _VITEST_OPTIONAL or args[i] in ("true", "false"))
        ):
            value = args[i]
            i += 1
        out.append(f"--{name}={value}")
    return tuple(out)


def _vitest_extra(operands: tuple[str, ...], options: Options) -> str | None:
    """Modules (``--reporter``, ``--environment``, ``--pool``, ``--coverage.provider``...)
    must be files in the workspace or installed packages, never URLs; ``--changed`` is a git
    revision, never an option for git."""
    for name, value in options:
        if name == "--changed" and value and value.startswith("-"):
            return f"--changed {value[:40]!r} would be read by git as an option"
    return _modules_extra(_VITEST_MODULES)(operands, options)


_VITEST_REFUSED = {
    "--ui": "it serves vitest's UI on a network port",
    "--open": "it opens a browser",
    "--api": "it serves vitest's API on a network port",
    "--browser": "it launches a browser and serves the tests to it",
    "--inspect": "it opens a debugger port",
    "--inspectBrk": "it opens a debugger port",
    "--execArgv": "it hands node options (--require, --import) to the test workers",
    "--experimental": "experimental features are not decided",
    "--coverage.allowExternal": "it reports on files outside the project root",
}

VITEST = Spec(
    flags=frozenset(f"--{n}" for n in _VITEST_BOOLEANS) - set(_VITEST_REFUSED),
    valued=frozenset(f"--{n}" for n in _VITEST_VALUED) - set(_VITEST_REFUSED),
    paths=_VITEST_PATHS,
    denied=_VITEST_REFUSED,
    extra=_vitest_extra,
    extra_paths=_modules_paths(_VITEST_MODULES),
    normalize=_vitest_words,
)
#: The packages a mode rule such as ``"npx jest"`` may name, with their tables.
NPX_TOOLS: Mapping[str, Spec] = {
    "tsc": TSC,
    "eslint": ESLINT,
    "prettier": PRETTIER,
    "jest": JEST,
    "vitest": VITEST,
}
