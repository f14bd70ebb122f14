"""The job's environment: what it inherits, and which variables a request may set. Pure.

Deny by default, in both directions:

==  ===========================================================================================
#   rule
==  ===========================================================================================
1   A job inherits from the host only ``[env] inherit`` (names or patterns; default: the core
    below), never a name ``[env] deny`` matches; then ``[env] set``; then the policy's PATH.
2   A request may set a variable — through ``env_overrides``, an ``env NAME=value`` wrapper,
    or a ``NAME=value`` prefix — only when ``[env] allow`` names it (default: the harmless
    list below) and neither ``[env] deny`` nor ``[env] override_deny`` matches it.
3   Deny patterns match case-insensitively: npm reads ``npm_config_*`` in any case
    (``Npm_Config_Script_Shell`` is ``script-shell``), so a deny entry covers every spelling.
    Allow entries match exactly, except for families whose reader ignores case (npm's), where
    every spelling of an allowed name is the same variable.
4   A variable that names a locale, a time zone or a terminal takes a name, never a path:
    ``LANG=../../ws/x`` or ``TZ=/ws/zone`` would have the C library parse a file the job
    wrote.
5   With ``[env] allow_switches = true`` a request may also set a variable ``allow`` does not
    name to a plain switch (``true``, ``false``, ``yes``, ``no``, ``on``, ``off`` in any case,
    or a whole number), unless the name is of a kind in ``SWITCH_DENY`` (loaders,
    interpreters and toolchains, and names that say they hold a path, a program, code,
    options, a host, a descriptor or a secret) or ``deny``/``override_deny`` match it.
==  ===========================================================================================

Rule 2's default list holds only variables that change how output looks, never which code
runs or where files go. Everything else (``HOME``, ``TMPDIR``, ``GNUMAKEFLAGS``, ``TAPE``,
``SSLKEYLOGFILE``, ``PYENV_*``, ``npm_config_*``, the next tool's next variable) is refused
until the policy names it.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._model import EnvConfig

#: What a job inherits from the host unless the policy says otherwise: who and where the user
#: is, the locale, the terminal, the time zone. Values are the host's (trusted), never a
#: request's.
DEFAULT_INHERIT = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TMPDIR", "TZ", "TERM",
    # LC_*, spelled out: a pattern would have every decision walk the host's environment
    "LC_ALL", "LC_CTYPE", "LC_COLLATE", "LC_MESSAGES", "LC_MONETARY", "LC_NUMERIC", "LC_TIME",
    "LC_ADDRESS", "LC_IDENTIFICATION", "LC_MEASUREMENT", "LC_NAME", "LC_PAPER", "LC_TELEPHONE",
)  # fmt: skip

#: What a request may set unless the policy says otherwise: each only changes how output
#: looks (locale, colour, width, Python's stdio encoding) or says "not interactive". Nothing
#: here picks a file, a directory, a program, a plugin or an option string
#: (PYTHONIOENCODING names a codec, which Python looks up only inside its encodings package).
DEFAULT_ALLOW = (
    "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR",
    "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "CI", "PYTHONUNBUFFERED",
    "PYTHONIOENCODING",
)  # fmt: skip

#: Names no request may set and no policy inherits unless it takes them off ``env.deny``:
#: each changes which code a trusted program loads or runs.
DEFAULT_ENV_DENY = (
    "LD_*", "DYLD_*", "PATH", "BASH_ENV", "ENV", "BASH_FUNC_*", "SHELLOPTS", "BASHOPTS",
    "PS4", "IFS", "PROMPT_COMMAND", "PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME",
    "PERL5OPT", "PERL5LIB", "RUBYOPT", "NODE_OPTIONS", "GIT_*", "GCONV_PATH", "HOSTALIASES",
    "LOCPATH", "MALLOC_*", "GLIBC_TUNABLES",
)  # fmt: skip

#: Prefixes of variable families whose reader ignores case (npm and pnpm lower-case the
#: rest of the name).
CASE_INSENSITIVE_FAMILIES = ("npm_config_",)

#: Variables whose value is looked up by name in a system database (rule 4).
_NAMES_NOT_PATHS = ("LANG", "LANGUAGE", "LC_*", "TERM")


@functools.lru_cache(maxsize=128)
def _matcher(patterns: tuple[str, ...], ignore_case: bool) -> re.Pattern[str]:
    flags = re.IGNORECASE if ignore_case else 0
    body = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)
    return re.compile(body or "(?!)", flags)


def denied_by(name: str, patterns: tuple[str, ...]) -> str | None:
    """The first of ``patterns`` that ``name`` matches, in any case (rule 3), or None."""
    if not _matcher(patterns, True).match(name):
        return None
    folded = name.casefold()
    return next(p for p in patterns if fnmatch.fnmatchcase(folded, p.casefold()))


def _allowed(name: str, allow: tuple[str, ...]) -> bool:
    if _matcher(allow, False).match(name):
        return True
    if name.lower().startswith(CASE_INSENSITIVE_FAMILIES):
        return bool(_matcher(allow, True).match(name))
    return False


def _bad_value(name: str, value: str) -> str | None:
    if _matcher(_NAMES_NOT_PATHS, False).match(name) and "/" in value:
        return "names a locale or terminal, not a path"
    if name == "TZ":
        zone = value.removeprefix(":")
        if zone.startswith("/") or ".." in zone.split("/"):
            return "names a zone under the system's zoneinfo, not a path"
    return None


def override_refusal(env: EnvConfig, name: str, value: str | None = None) -> str | None:
    """Why a request may not set ``name`` (to ``value``; None: unset it), or None if it
    may (rules 2-4). The reason names the policy key to change."""
    pattern = denied_by(name, env.deny)
    if pattern is not None:
        return f"{name!r} is denied by this policy (env.deny pattern {pattern!r})"
    pattern = denied_by(name, env.override_deny)
    if pattern is not None:
        return f"{name!r} is denied by this policy (env.override_deny pattern {pattern!r})"
    if not _allowed(name, env.allow) and not (env.allow_switches and _switch(name, value)):
        kind = denied_by(name, SWITCH_DENY) if env.allow_switches else None
        return f"{name!r} is not in this policy's env.allow (a request may set only the " + (
            f"variables the policy names, and plain switches to names unlike {kind!r})"
            if kind is not None
            else "variables the policy names"
            + (", and plain switches: true, false, or a number)" if env.allow_switches else ")")
        )
    if value is not None:
        bad = _bad_value(name, value)
        if bad is not None:
            return f"{name!r} {bad}"
    return None


#: Kinds of names a switch may never set, matched in any case: loaders and interpreters, what
#: names a program, code, options, a file, a directory, a host, a descriptor or a secret, and
#: the shell's and toolchains' own families. A name outside them set to ``1`` or ``false``
#: turns a tool's behaviour on or off (``CI``, ``DEBUG``, ``CLAUDE_EXPORT_COPY_TO_CWD``).
SWITCH_DENY = (
    "LD_*", "DYLD_*", "*PRELOAD*", "*AUDIT*", "MALLOC*", "GLIBC*", "GCONV*",
    "PYTHON*", "PERL*", "RUBY*", "NODE*", "NPM*", "YARN*", "PNPM*", "BUN_*", "DENO*", "JAVA*",
    "_JAVA*", "JDK*", "GEM_*", "BUNDLE*", "CARGO*", "RUST*", "GO*", "PIP_*", "UV_*",
    "POETRY*", "CONDA*", "VIRTUAL_ENV*", "PYENV*", "PYTEST*", "TOX*", "COVERAGE*", "GIT*",
    "SSH*", "GPG*", "GNUPG*", "SUDO*", "AWS*", "DOCKER*", "KUBE*", "XDG_*", "DBUS*", "DISPLAY",
    "BASH*", "ENV", "IFS", "PS?", "SHELL*", "*SHELL", "PROMPT*", "HOME", "USER", "LOGNAME",
    "TMP*", "TEMP*", "TERM*", "LANG*", "LC_*", "TZ*", "MAKE*", "CC", "CXX", "CPP", "LD", "AR",
    "AS", "*_CC", "*PATH*", "*DIR*", "*HOME*", "*FILE*", "*LIB*", "*INC*", "*CONF*", "*RC",
    "*PLUGIN*", "*HOOK*", "*MODULE*", "*LOADER*", "*COMMAND*", "*CMD*", "*EXEC*", "*EDITOR*",
    "*PAGER*", "*BROWSER*", "*PROGRAM*", "*BIN*", "*SCRIPT*", "*OPTION*", "*OPTS*", "*FLAGS*",
    "*ARGS*", "*PROXY*", "*URL*", "*URI*", "*HOST*", "*ADDR*", "PORT", "*_PORT", "*_PORT_*",
    "*SOCK*", "*_FD",
    "*TOKEN*", "*KEY*", "*SECRET*", "*PASS*", "*CRED*", "*AUTH*", "*CERT*", "*SSL*", "*TLS*",
    "*CA_*", "*REGISTRY*", "*INDEX*", "*MIRROR*", "*TRACE*", "*LOG*", "*DUMP*",
    # what changes how a program reads its arguments (POSIXLY_CORRECT stops option parsing
    # at the first operand: an option's value becomes a file), or takes default options
    "POSIX*", "*POSIX*", "_*", "*OPT", "*_DEFAULTS", "GZIP", "BZIP*", "XZ_*", "ZSTD_*",
    "LESS*", "MORE", "TAPE", "*LOCALE*", "NLSPATH", "HOSTALIASES", "RES_OPTIONS",
    "LOCALDOMAIN", "CDPATH", "GLOBIGNORE", "QUOTING_STYLE", "TIME_STYLE", "*BLOCK*SIZE*",
    "SIMPLE_BACKUP_SUFFIX", "VERSION_CONTROL",
)  # fmt: skip
#: A plain switch: a boolean word or a whole number, nothing that names a file or a program.
_SWITCH_VALUE = re.compile(r"(?:true|false|yes|no|on|off|0|[1-9][0-9]{0,8})", re.IGNORECASE)


def _switch(name: str, value: str | None) -> bool:
    """Whether setting ``name`` to ``value`` is a plain switch ``allow_switches`` admits."""
    return (
        value is not None
        and _SWITCH_VALUE.fullmatch(value) is not None
        and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None
        and denied_by(name, SWITCH_DENY) is None
    )


@functools.lru_cache(maxsize=64)
def _inherit_plan(
    inherit: tuple[str, ...], deny: tuple[str, ...]
) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
    """The plain names to look up (deny already applied) and a matcher for the patterns."""
    exact = tuple(n for n in inherit if not _wild(n) and denied_by(n, deny) is None)
    wild = tuple(p for p in inherit if _wild(p))
    return exact, (_matcher(wild, False) if wild else None)


def inherited(env: EnvConfig, host_env: Mapping[str, str]) -> dict[str, str]:
    """The host variables a job starts from (rule 1), before ``[env] set`` and PATH."""
    exact, pattern = _inherit_plan(env.inherit, env.deny)
    out: dict[str, str] = {}
    for name in exact:
        value = host_env.get(name)  # one lookup: os.environ encodes the name each time
        if value is not None:
            out[name] = value
    if pattern is not None:  # only a policy's own patterns walk the host's environment
        for name, value in host_env.items():
            if name not in out and pattern.match(name) and denied_by(name, env.deny) is None:
                out[name] = value
    return out


def _wild(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")
