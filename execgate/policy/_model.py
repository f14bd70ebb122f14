"""The policy file: its model, its strict loader, and the embedded default policy.

A policy is TOML, structured with cattrs into frozen attrs values. Loading is strict: unknown
keys are refused, and no value is coerced (``"no"`` is not a bool, ``1.9`` is not an int, a
bool is not a number). Every problem is reported with its key path, all at once.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NoReturn

import attrs
import cattrs

from .._units import parse_size
from ..errors import PolicyInvalid
from ..models import (
    MAX_ARGV_TOTAL_BYTES,
    MAX_COMMAND_BYTES,
    MAX_STDIN_BYTES,
    RLIMIT_FIELDS,
    ExecRequest,
)
from ..process._proxy_rules import DEFAULT_PORTS, pattern_problem
from ._env import DEFAULT_ALLOW, DEFAULT_ENV_DENY, DEFAULT_INHERIT
from ._problems import (
    KeyPath,
    Locator,
    did_you_mean,
    file_keys,
    located,
    shape_problems,
    structure_problems,
)

#: DEFAULT_INHERIT, DEFAULT_ALLOW, DEFAULT_ENV_DENY: see ``_env`` (the environment's rules).
DEFAULT_OVERRIDE_DENY: tuple[str, ...] = ()


def _positive(_i: object, a: attrs.Attribute[Any], v: float) -> None:
    if not v > 0 or v == float("inf"):
        raise ValueError(f"{a.name}: expected a positive finite number, got {v!r}")


def _opt_positive(_i: object, a: attrs.Attribute[Any], v: int | None) -> None:
    if v is not None and v < 1:
        raise ValueError(f"{a.name}: expected an integer >= 1, got {v!r}")


def _nonneg(_i: object, a: attrs.Attribute[Any], v: float) -> None:
    if not v >= 0 or v == float("inf"):
        raise ValueError(f"{a.name}: expected a finite number >= 0, got {v!r}")


@attrs.frozen(kw_only=True)
class WorkspaceConfig:
    #: The workspace root: relative to the policy file's directory, or absolute.
    root: str = "."
    #: Optional sub-roots (relative to ``root``) that a request's cwd must lie under.
    cwd_roots: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class LimitMaxima:
    timeout: float = attrs.field(default=10.0, validator=_positive)
    kill_grace: float = attrs.field(default=5.0, validator=_nonneg)
    max_output_bytes: int = attrs.field(default=1024 * 1024, validator=_nonneg)
    #: Resource limits: no maximum unless set; a maximum also applies when a request names
    #: none (it is the default then).
    cpu_seconds: int | None = attrs.field(default=None, validator=_opt_positive)
    memory_bytes: int | None = attrs.field(default=None, validator=_opt_positive)
    open_files: int | None = attrs.field(default=None, validator=_opt_positive)
    file_size_bytes: int | None = attrs.field(default=None, validator=_opt_positive)
    processes: int | None = attrs.field(default=None, validator=_opt_positive)


def _up_to(ceiling: float) -> Any:
    def check(_i: object, a: attrs.Attribute[Any], v: float) -> None:
        if not 0 < v <= ceiling:
            raise ValueError(f"{a.name}: expected a number in (0, {ceiling:g}], got {v!r}")

    return check


#: Ceiling of ``max_check_seconds``: past it a caller is better told no.
MAX_CHECK_SECONDS = 60.0


@attrs.frozen(kw_only=True)
class LimitsConfig:
    """Defaults for requests that name no limit, and the maxima no request may exceed.

    ``max_command_bytes``, ``max_argv_bytes`` (all words, UTF-8) and ``max_stdin_bytes``
    bound what a request may carry: a larger one is refused (``EG-REQUEST-TOO-LARGE``)
    before it is scanned. The default command bound is 16 KiB, where a pathological line
    already costs tree-sitter seconds; a policy may raise it to 128 KiB, argv to 1 MiB,
    stdin to 16 MiB (the defaults for those two). ``max_check_seconds`` bounds the scan and
    the decision of a large request, done in a worker process: past it the request is refused
    (``EG-CHECK-TIMEOUT``) and the worker killed.
    """

    timeout: float = attrs.field(default=10.0, validator=_positive)
    kill_grace: float = attrs.field(default=2.0, validator=_nonneg)
    max_output_bytes: int = attrs.field(default=1024 * 1024, validator=_nonneg)
    on_output_overflow: Literal["truncate", "kill"] = "truncate"
    cpu_seconds: int | None = attrs.field(default=None, validator=_opt_positive)
    memory_bytes: int | None = attrs.field(default=None, validator=_opt_positive)
    open_files: int | None = attrs.field(default=None, validator=_opt_positive)
    file_size_bytes: int | None = attrs.field(default=None, validator=_opt_positive)
    processes: int | None = attrs.field(default=None, validator=_opt_positive)
    maximum: LimitMaxima = LimitMaxima()
    max_command_bytes: int = attrs.field(default=16 * 1024, validator=_up_to(MAX_COMMAND_BYTES))
    max_argv_bytes: int = attrs.field(default=256 * 1024, validator=_up_to(MAX_ARGV_TOTAL_BYTES))
    max_stdin_bytes: int = attrs.field(default=MAX_STDIN_BYTES, validator=_up_to(MAX_STDIN_BYTES))
    max_check_seconds: float = attrs.field(default=5.0, validator=_up_to(MAX_CHECK_SECONDS))

    def oversize(self, request: ExecRequest) -> str | None:
        """Why ``request`` is larger than these limits allow, or None. Cheap: sizes only."""
        sizes = (
            ("command", request.command, self.max_command_bytes),
            ("argv", request.argv, self.max_argv_bytes),
            ("stdin", request.stdin, self.max_stdin_bytes),
        )
        for name, value, limit in sizes:
            if value is None:
                continue
            if isinstance(value, str):
                size = len(value.encode("utf-8"))
            elif isinstance(value, tuple):
                size = sum(len(w.encode("utf-8")) for w in value)
            else:
                size = len(value)
            if size > limit:
                hint = "; pass large inputs as files in the workspace" if name == "stdin" else ""
                return f"{name}: {size} bytes, over [limits] max_{name}_bytes = {limit}{hint}"
        return None

    def __attrs_post_init__(self) -> None:
        for name in ("timeout", "kill_grace", "max_output_bytes", *RLIMIT_FIELDS):
            default, maximum = getattr(self, name), getattr(self.maximum, name)
            if default is not None and maximum is not None and default > maximum:
                raise ValueError(
                    f"{name}: default {getattr(self, name)!r} is above "
                    f"maximum.{name} {getattr(self.maximum, name)!r}"
                )


@attrs.frozen(kw_only=True)
class EnvConfig:
    """The job's environment, deny by default (rules in ``execgate/policy/_env.py``)."""

    #: Host variables passed through, names or fnmatch patterns (values read from the host at
    #: request time).
    inherit: tuple[str, ...] = DEFAULT_INHERIT
    #: Fixed values, applied after inheritance.
    set: Mapping[str, str] = attrs.field(factory=dict)
    #: Names or patterns a request may set (env overrides, ``env NAME=value``, prefixes).
    allow: tuple[str, ...] = DEFAULT_ALLOW
    #: Names or fnmatch patterns that are never passed and that no request may set (matched
    #: in any case).
    deny: tuple[str, ...] = DEFAULT_ENV_DENY
    #: Names or patterns no request may set, though the host's values may be inherited
    #: (matched in any case; wins over ``allow``).
    override_deny: tuple[str, ...] = DEFAULT_OVERRIDE_DENY
    #: A request may also set a variable ``allow`` does not name to a plain switch (true,
    #: false, yes, no, on, off, or a whole number) unless its name is of a kind that picks
    #: code, a program, a file, a host or a secret (``SWITCH_DENY``) or ``deny`` matches it.
    allow_switches: bool = False
    #: PATH used to resolve programs and given to jobs; default: the host's PATH, with
    #: relative entries and entries inside the workspace removed.
    path: str | None = None


@attrs.frozen(kw_only=True)
class AllowRule:
    """``command`` is a program (name or absolute path) optionally followed by mode words:
    ``"ls"`` allows ls with any arguments; ``"git status"`` allows only that mode."""

    command: str
    path: str | None = None
    deny_args: tuple[str, ...] = ()
    #: ``"workspace"`` (the default): every argument that names a path (and every
    #: ``--opt=value`` / ``-fVALUE`` value that looks like one) must resolve inside the
    #: workspace, and recursion may not follow symlinks out of it. ``"any"`` opts out,
    #: explicitly: arguments are not treated as paths.
    paths: Literal["any", "workspace"] = "workspace"
    #: ``"builtin"``: the program's built-in rules check its options (see docs/programs.md;
    #: programs without built-in rules take any options). ``"any"``: no option checks.
    args: Literal["builtin", "any"] = "builtin"
    #: Options the built-in rules should accept too (the policy grants them): ``"--cov"``
    #: takes no value, ``"--cov="`` takes one. A refused option named here is allowed.
    allow_flags: tuple[str, ...] = ()
    reason: str | None = None


@attrs.frozen(kw_only=True)
class DenyRule:
    command: str
    path: str | None = None
    reason: str | None = None


def _host_id(_i: object, a: attrs.Attribute[Any], v: str | None) -> None:
    if v is not None and (not 0 < len(v) <= 128 or not v.isprintable() or v != v.strip()):
        raise ValueError(
            f"{a.name}: expected 1 to 128 printable characters without spaces at either end, "
            f"got {v[:128]!r}"
        )


@attrs.frozen(kw_only=True)
class RecorderConfig:
    """What the flight recorder keeps, and for how long (0 days = forever)."""

    level: Literal["none", "commands_only", "commands_plus_redacted_output"] = "commands_only"
    retention_days: float = attrs.field(default=90.0, validator=_nonneg)
    output_retention_days: float = attrs.field(default=7.0, validator=_nonneg)
    #: This host's id on every event (``EXECGATE_HOST_ID`` and the gate's option win);
    #: default: derived from the machine id.
    host_id: str | None = attrs.field(default=None, validator=_host_id)


def _confidence(_i: object, a: attrs.Attribute[Any], v: float) -> None:
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{a.name}: expected a number between 0 and 1, got {v!r}")


@attrs.frozen(kw_only=True)
class ScannerConfig:
    """Which findings refuse a request before exec; every finding is redacted regardless."""

    reject_confidence: float = attrs.field(default=0.75, validator=_confidence)


@attrs.frozen(kw_only=True)
class ShellConfig:
    """What a command line may use beyond one simple command."""

    #: Lists and pipelines (``&&``, ``||``, ``;``, ``|``), each command decided on its own.
    operators: bool = True
    #: Output redirections (``>``, ``>>``) to files in the workspace; false allows only
    #: ``/dev/null`` (input redirections and ``2>&1`` are always allowed, inside the workspace).
    write_redirects: bool = True


def _domains(_i: object, a: attrs.Attribute[Any], v: tuple[str, ...]) -> None:
    for entry in v:
        if (why := pattern_problem(entry)) is not None:
            raise ValueError(f"{a.name}: {why}")


def _ports(_i: object, a: attrs.Attribute[Any], v: tuple[int, ...]) -> None:
    for port in v:
        if not 0 < port < 65536:
            raise ValueError(f"{a.name}: expected ports between 1 and 65535, got {port!r}")


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """Secure mode: kernel confinement of each job (see docs/security.md)."""

    #: "off"; "preferred": confine where the host supports it, else run and record that it
    #: did not; "required": refuse (EG-SANDBOX-UNAVAILABLE) where it cannot confine.
    secure: Literal["off", "preferred", "required"] = "off"
    #: Extra paths the job may read (beyond the system directories and the workspace).
    read: tuple[str, ...] = ()
    #: Network access from inside the sandbox (false: a new, empty network namespace and
    #: Landlock TCP rules).
    network: bool = False
    #: Network by domain: hosts a confined job may reach over HTTP(S) through the gate's
    #: filtering proxy (exact names, IP addresses, or ``*.example.com`` for subdomains). The
    #: job gets HTTP_PROXY/HTTPS_PROXY and nothing else; incompatible with ``network``.
    allow_domains: tuple[str, ...] = attrs.field(default=(), validator=_domains)
    #: The ports the proxy connects to for ``allow_domains``.
    allow_ports: tuple[int, ...] = attrs.field(default=DEFAULT_PORTS, validator=_ports)

    def __attrs_post_init__(self) -> None:
        if self.network and self.allow_domains:
            raise ValueError(
                "allow_domains: expected network = false (network = true already allows "
                "every host), got network = true"
            )


@attrs.frozen(kw_only=True)
class CallersConfig:
    """Limits per caller of a shared gate (each authenticated client of ``execgate mcp``)."""

    #: Jobs one caller may have running at once (none: no limit beyond the gate's own).
    max_concurrent_jobs: int | None = attrs.field(default=None, validator=_opt_positive)
    #: Tool calls one caller may make in any 60-second window (none: no limit).
    requests_per_minute: int | None = attrs.field(default=None, validator=_opt_positive)


@attrs.frozen(kw_only=True)
class Policy:
    version: Literal[1] = 1
    workspace: WorkspaceConfig = WorkspaceConfig()
    limits: LimitsConfig = LimitsConfig()
    env: EnvConfig = EnvConfig()
    recorder: RecorderConfig = RecorderConfig()
    scanner: ScannerConfig = ScannerConfig()
    shell: ShellConfig = ShellConfig()
    sandbox: SandboxConfig = SandboxConfig()
    callers: CallersConfig = CallersConfig()
    allow: tuple[AllowRule, ...] = ()
    #: Like [[allow]], but a person must approve each matching request (see Gate approver).
    ask: tuple[AllowRule, ...] = ()
    deny: tuple[DenyRule, ...] = ()
    #: Absolute workspace root, resolved at load time (not a file key).
    root: str = attrs.field(default="", metadata={"internal": True})
    #: Where the policy came from, for messages (not a file key).
    source: str = attrs.field(default="<memory>", metadata={"internal": True})


def _strict_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)

    def strict_str(v: Any, _t: Any) -> str:
        if not isinstance(v, str):
            raise TypeError(f"expected a string, got {type(v).__name__} {v!r}")
        return v

    def strict_int(v: Any, _t: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"expected an integer, got {type(v).__name__} {v!r}")
        return v

    def strict_float(v: Any, _t: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise TypeError(f"expected a number, got {type(v).__name__} {v!r}")
        return float(v)

    def strict_bool(v: Any, _t: Any) -> bool:
        if not isinstance(v, bool):
            raise TypeError(f"expected true or false, got {type(v).__name__} {v!r}")
        return v

    conv.register_structure_hook(str, strict_str)
    conv.register_structure_hook(int, strict_int)
    conv.register_structure_hook(float, strict_float)
    conv.register_structure_hook(bool, strict_bool)

    def str_tuple(v: Any, _t: Any) -> tuple[str, ...]:
        if not isinstance(v, list | tuple):
            raise TypeError(f"expected a list of strings, got {type(v).__name__}")
        return tuple(strict_str(x, str) for x in v)

    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], str_tuple)
    return conv


_converter = _strict_converter()


_FILE_KEYS_EXCLUDED = ("root", "source")


def _nul_paths(value: Any, path: KeyPath) -> list[tuple[KeyPath, str]]:
    """Key paths of every string (key or value) holding a NUL: no path, program name, variable
    or pattern can hold one (the OS refuses it), so it is reported here, not met later as an
    OS error."""
    if isinstance(value, str):
        return [(path, "contains a NUL character")] if "\x00" in value else []
    found: list[tuple[KeyPath, str]] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            if isinstance(k, str) and "\x00" in k:
                found.append(((*path, repr(k)), "the key contains a NUL character"))
            else:
                found.extend(_nul_paths(v, (*path, k)))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found.extend(_nul_paths(v, (*path, i)))
    return found


def _with_sizes(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[KeyPath, str]]]:
    """``data`` with each size written as text (``"10M"``) in ``[limits]`` and
    ``[limits.maximum]`` turned into its number of bytes; a size that does not read is a
    problem at its key."""
    out = dict(data)
    problems: list[tuple[KeyPath, str]] = []
    limits = out.get("limits")
    if not isinstance(limits, Mapping):
        return out, problems
    tables: list[tuple[KeyPath, dict[str, Any]]] = [(("limits",), dict(limits))]
    maximum = limits.get("maximum")
    if isinstance(maximum, Mapping):
        tables.append((("limits", "maximum"), dict(maximum)))
    for path, table in tables:
        for key, value in table.items():
            if isinstance(key, str) and key.endswith("_bytes") and isinstance(value, str):
                try:
                    table[key] = parse_size(value)
                except ValueError as exc:
                    problems.append(((*path, key), str(exc)))
    limits_out = tables[0][1]
    if len(tables) > 1:
        limits_out["maximum"] = tables[1][1]
    out["limits"] = limits_out
    return out, problems


def parse_policy(data: Mapping[str, Any], *, base_dir: Path, source: str) -> Policy:
    """Structure an already-parsed TOML document; raise :class:`PolicyInvalid` listing all
    problems with their key paths."""
    return _parse(data, base_dir=base_dir, source=source, locator=None)


def _invalid(source: str, problems: list[tuple[KeyPath, str]], locator: Locator | None) -> NoReturn:
    if locator is not None:  # in the order they are written
        problems = sorted(problems, key=lambda pm: locator.locate(pm[0]) or (0, 0))
    raise PolicyInvalid(
        f"{source}: invalid policy", tuple(located(p, m, locator) for p, m in problems)
    )


def _parse(
    data: Mapping[str, Any], *, base_dir: Path, source: str, locator: Locator | None
) -> Policy:
    if not isinstance(data, Mapping):
        raise PolicyInvalid(f"{source}: expected a table at the top level")
    keys = file_keys(Policy)
    excluded = [((key,), "unknown key" + did_you_mean(key, keys)) for key in _FILE_KEYS_EXCLUDED]
    problems: list[tuple[KeyPath, str]] = [p for p in excluded if p[0][0] in data]
    problems += _nul_paths(data, ())
    if problems:
        _invalid(source, problems, locator)
    problems = list(shape_problems(data, Policy))
    if problems:
        _invalid(source, problems, locator)
    data, problems = _with_sizes(data)
    if problems:
        _invalid(source, problems, locator)
    try:
        policy = _converter.structure(dict(data), Policy)
    except Exception as exc:
        _invalid(source, list(structure_problems(exc, data)), locator)
    rule_problems = _check_rules(policy)
    if rule_problems:
        _invalid(source, rule_problems, locator)
    root = Path(policy.workspace.root)
    if not root.is_absolute():
        root = base_dir / root
    try:
        real_root = os.path.realpath(root)
        is_dir = os.path.isdir(real_root)
    except (OSError, ValueError) as exc:
        # ENAMETOOLONG, ELOOP, EACCES...: the OS's reason, with the key it concerns.
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _invalid(source, [(("workspace", "root"), f"{str(root)!r}: {why}")], locator)
    if not is_dir:
        _invalid(
            source,
            [(("workspace", "root"), f"{str(root)!r} is not an existing directory")],
            locator,
        )
    return attrs.evolve(policy, root=real_root, source=source)


def _check_rules(policy: Policy) -> list[tuple[KeyPath, str]]:
    problems: list[tuple[KeyPath, str]] = []
    rule_sets: tuple[tuple[str, tuple[AllowRule | DenyRule, ...]], ...] = (
        ("allow", policy.allow),
        ("ask", policy.ask),
        ("deny", policy.deny),
    )
    for kind, rules in rule_sets:
        for i, rule in enumerate(rules):
            if not rule.command.split():
                problems.append(((kind, i, "command"), "must name a program"))
            if rule.path is not None and not os.path.isabs(rule.path):
                problems.append(((kind, i, "path"), "must be an absolute path"))
    for key in ("inherit", "allow", "deny", "override_deny"):
        for i, name in enumerate(getattr(policy.env, key)):
            if not name or "=" in name:
                problems.append((("env", key, i), f"invalid variable name {name!r}"))
    for name in policy.env.set:
        if not name or "=" in name:
            problems.append((("env", "set"), f"invalid variable name {name!r}"))
    for i, sub in enumerate(policy.workspace.cwd_roots):
        if os.path.isabs(sub):
            problems.append((("workspace", "cwd_roots", i), "must be relative to the root"))
    return problems


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy file. Raises :class:`PolicyInvalid`."""
    p = Path(path)
    try:
        raw = _read_regular(p)
        base_dir = p.resolve().parent
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyInvalid(f"{p}: cannot read policy file ({why})") from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # tomllib's message ends with "(at line L, column C)"
        raise PolicyInvalid(f"{p}: not valid TOML: {exc}") from None
    except RecursionError:
        raise PolicyInvalid(f"{p}: not valid TOML: arrays or tables nested too deep") from None
    return _parse(data, base_dir=base_dir, source=str(p), locator=Locator(text))


#: A policy file larger than this is refused unread (policies are a few KB).
MAX_POLICY_BYTES = 1024 * 1024


def _read_regular(p: Path) -> bytes:
    """The bytes of the regular file ``p``, at most :data:`MAX_POLICY_BYTES`. A FIFO or a
    device (``/dev/zero``) would block or never end: refused as not a regular file."""
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if st.st_size > MAX_POLICY_BYTES:
            raise ValueError(f"{st.st_size} bytes, more than {MAX_POLICY_BYTES} a policy may hold")
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
            if sum(map(len, chunks)) > MAX_POLICY_BYTES:
                raise ValueError(f"more than {MAX_POLICY_BYTES} bytes, which a policy may hold")
        return b"".join(chunks)
    finally:
        os.close(fd)


def default_policy(workspace: str | os.PathLike[str] | None = None) -> Policy:
    """The embedded conservative read-only policy, with ``workspace`` (default: the current
    directory) as its root."""
    text = resources.files(__package__).joinpath("default.toml").read_text("utf-8")
    data = tomllib.loads(text)
    base = Path(workspace) if workspace is not None else Path.cwd()
    return parse_policy(data, base_dir=base.resolve(), source="<default policy>")
