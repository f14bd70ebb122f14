"""Built-in rules for the programs agents use most: which options each accepts. Pure.

When a policy allows a program by name (``[[allow]] command = "grep"``), execgate applies the
program's built-in rules unless the rule says ``args = "any"``: every option must be one the
program's table knows (deny-unknown-flags), options that run other programs, write outside
what the rule grants or load code are refused with the reason, and path-valued options (``-C``,
``--git-dir``, ``--output``, ``--basetemp``, ``-o``...) must name paths inside the workspace.
Options are read the way the program reads them: GNU long options with unique-prefix
abbreviations (``--upload-pa``) and ``--opt=value``, bundled short flags (``-rn``) with an
attached value ending the bundle (``-C../x``, ``-n5``), ``--`` ending the options, and for Go
single-dash long options (``-race``, ``-run=X``).

A program's table is its safe use: reading, listing, building and testing the workspace.
Writing or networking beyond that is something the policy grants explicitly with a mode rule
(``"pip install"``) whose remaining arguments are then free, or ``args = "any"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import attrs


@attrs.frozen
class Spec:
    """What one program (or one subcommand) accepts."""

    #: Options without a value ("-l", "--all").
    flags: frozenset[str] = frozenset()
    #: Options with a value ("-n", "--max-count"); attached or as the next argument.
    valued: frozenset[str] = frozenset()
    #: Options with an optional value: ``--color[=WHEN]``, ``-u[MODE]``, ``-j [N]`` (a short
    #: one takes the rest of its bundle, or a following all-digit argument).
    optional: frozenset[str] = frozenset()
    #: Valued options whose value is a path that must resolve inside the workspace.
    paths: frozenset[str] = frozenset()
    #: Options refused, with why.
    denied: Mapping[str, str] = attrs.field(factory=dict)
    #: The first operand is a program file to run (a script): it must be in the workspace.
    script_operand: bool = False
    #: Options end at the first operand (what follows belongs to a script or a subcommand).
    posix: bool = False
    #: Go's flag package: "-race" and "--race" are one option, no bundling, no abbreviation.
    single_dash_long: bool = False
    #: "-NUM" is an option (head -5, tail -20, diff -3).
    numeric: bool = False
    #: argv[0] of the operands selects a subcommand (git, cargo, go, pip, npm).
    subcommands: Mapping[str, Spec] | None = None
    #: What else to check on the parsed arguments (URLs, scripts); returns a refusal reason.
    extra: str | None = None

    @property
    def longs(self) -> tuple[str, ...]:
        names = (*self.flags, *self.valued, *self.optional, *self.denied)
        return tuple(sorted(o for o in names if o[:2] == "--"))


#: A parsed option: its canonical name (abbreviations resolved) and its value, if any.
Option = tuple[str, str | None]
Options = tuple[Option, ...]


@attrs.frozen
class ArgRefusal(Exception):
    reason: str
    #: "flag" (an option the table refuses) or "path" (a path outside the workspace).
    kind: Literal["flag", "path"] = "flag"
    arg: str = ""
    #: What a policy could add to allow it: an option the table does not know (``"--cov="``,
    #: for ``allow_flags``) or a subcommand it lacks (``"commit"``, for a mode rule). None
    #: for a refusal the table makes on purpose (an option that runs programs, writes...).
    unknown_flag: str | None = None
    unknown_subcommand: str | None = None


@attrs.frozen
class Checked:
    """The arguments as the program will read them."""

    #: Values of path-valued options and script operands: each must be inside the workspace.
    paths: tuple[str, ...]


def _long(spec: Spec, name: str, program: str) -> str:
    """Resolve a GNU long option name, exact or a unique prefix (getopt_long's rule)."""
    if name in spec.flags or name in spec.valued or name in spec.optional or name in spec.denied:
        return name
    hits = [o for o in spec.longs if o.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise ArgRefusal(f"{program}: {name!r} is ambiguous ({', '.join(hits[:4])})", arg=name)
    raise ArgRefusal(
        f"{program}: option {name!r} is not one execgate's built-in rules accept", arg=name
    )


def _refused(spec: Spec, option: str, program: str) -> None:
    why = spec.denied.get(option)
    if why is not None:
        raise ArgRefusal(f"{program}: {option} is refused: {why}", arg=option)


_NUMERIC = re.compile(r"^-\d+$")


def parse(spec: Spec, args: tuple[str, ...], program: str) -> Checked:
    """Check ``args`` against ``spec``; raise :class:`ArgRefusal` for the first refused one."""
    option_paths: list[str] = []
    operands: list[str] = []
    options: list[Option] = []
    i = 0
    only_operands = False
    while i < len(args):
        arg = args[i]
        i += 1
        if only_operands or arg == "-" or not arg.startswith("-"):
            if spec.subcommands is not None and not operands and not only_operands:
                sub = spec.subcommands.get(arg)
                if sub is None:
                    known = ", ".join(sorted(spec.subcommands))
                    raise ArgRefusal(
                        f"{program}: {arg!r} is not a subcommand execgate's built-in rules "
                        f"accept (an alias or a command that writes or runs code; allowed: "
                        f"{known})",
                        arg=arg,
                        unknown_subcommand=arg,
                    )
                inner = parse(sub, args[i:], f"{program} {arg}")
                return Checked((*option_paths, *inner.paths))
            if spec.script_operand and not operands:
                if arg == "-":
                    raise ArgRefusal(
                        f"{program}: '-' reads the program from stdin, which cannot be decided",
                        arg=arg,
                    )
                option_paths.append(arg)
            operands.append(arg)
            if spec.posix:
                only_operands = True
            continue
        if arg == "--":
            only_operands = True
            continue
        if spec.numeric and _NUMERIC.match(arg):
            options.append((arg, None))
            continue
        if arg.startswith("--") or spec.single_dash_long:
            raw, eq, value = arg.partition("=")
            if spec.single_dash_long:
                name = "-" + raw.lstrip("-")
                groups = (spec.flags, spec.valued, spec.optional, spec.denied)
                if not any(name in group for group in groups):
                    raise ArgRefusal(
                        f"{program}: option {raw!r} is not one execgate's built-in rules accept",
                        arg=raw,
                    )
            else:
                try:
                    name = _long(spec, raw, program)
                except ArgRefusal as refusal:
                    if "ambiguous" in refusal.reason:
                        raise
                    flag = raw + ("=" if eq else "")
                    raise attrs.evolve(refusal, unknown_flag=flag) from None
            _refused(spec, name, program)
            if name in spec.valued:
                if not eq:
                    if i >= len(args):
                        raise ArgRefusal(f"{program}: {name} needs a value", arg=name)
                    value = args[i]
                    i += 1
                if name in spec.paths:
                    option_paths.append(value)
                options.append((name, value))
            elif name in spec.optional:
                options.append((name, value if eq else None))
            elif eq and not spec.single_dash_long:
                raise ArgRefusal(f"{program}: {name} takes no value", arg=arg)
            else:
                options.append((name, value if eq else None))
            continue
        # bundled short options: -rn, -n5, -C../x
        for j in range(1, len(arg)):
            option = "-" + arg[j]
            _refused(spec, option, program)
            if option in spec.flags:
                options.append((option, None))
                continue
            if option in spec.optional:
                value = arg[j + 1 :]
                if not value and i < len(args) and args[i].isdigit():
                    value = args[i]  # make -j 4
                    i += 1
                options.append((option, value or None))
                break
            if option in spec.valued:
                value = arg[j + 1 :]
                if not value:
                    if i >= len(args):
                        raise ArgRefusal(f"{program}: {option} needs a value", arg=option)
                    value = args[i]
                    i += 1
                if option in spec.paths:
                    option_paths.append(value)
                options.append((option, value))
                break
            raise ArgRefusal(
                f"{program}: option {option!r} (in {arg[:40]!r}) is not one execgate's "
                "built-in rules accept",
                arg=arg,
                unknown_flag=option,
            )
    if spec.extra is not None:
        reason = EXTRA_CHECKS[spec.extra](tuple(operands), tuple(options))
        if reason is not None:
            raise ArgRefusal(f"{program}: {reason}")
    return Checked(tuple(option_paths))


# --- program-specific checks ------------------------------------------------------------------

#: A URL curl reads as http(s) without a scheme: a host name (or address) and an optional port.
#: curl guesses other protocols from some host prefixes (ftp., dict., ldap., imap., pop3.,
#: smtp.), so those are refused as schemes.
_PLAIN_HOST = re.compile(r"^[A-Za-z0-9_.-]+(?::\d+)?(?:[/?#]|$)")
_GUESSED_SCHEMES = ("ftp.", "dict.", "ldap.", "imap.", "pop3.", "smtp.")
#: Options whose value curl reads from a file when it starts with "@".
_CURL_AT_FILE = frozenset(
    {"-d", "--data", "--data-binary", "--json", "-H", "--header", "-w", "--write-out"}
)


def _curl_url_refusal(url: str, globbing: bool) -> str | None:
    low = url.strip().lower()
    if globbing and any(c in url for c in "{}[]"):
        # {file:///etc/passwd,http://x} expands to URLs no check saw
        return "URL globbing ({...}, [...]) is refused; quote literal brackets and pass -g"
    if low.startswith(("http://", "https://")):
        return None
    if _PLAIN_HOST.match(url.strip()) and not low.startswith(_GUESSED_SCHEMES):
        return None
    scheme = low.split(":", 1)[0] if ":" in low else low.split(".", 1)[0]
    return f"URL scheme {scheme[:20]!r} is refused (only http and https; file: reads files)"


def _curl_urls(operands: tuple[str, ...], options: Options) -> str | None:
    names = {n for n, _ in options}
    globbing = not {"-g", "--globoff"} & names
    for url in operands:
        reason = _curl_url_refusal(url, globbing)
        if reason is not None:
            return reason
    for name, value in options:
        if name == "--url" and value is not None:
            reason = _curl_url_refusal(value, globbing)
            if reason is not None:
                return reason
        if name in ("-w", "--write-out") and "%output{" in (value or ""):
            return "--write-out with %output{FILE} writes a file curl's options did not name"
        if name in _CURL_AT_FILE and (value or "")[:1] == "@":
            return f"{name} @file sends or prints a file's content, which is refused"
        # --data-urlencode [name]@file reads a file too
        if name == "--data-urlencode" and "@" in (value or "").split("=", 1)[0]:
            return "sending a file's content (@file) is refused"
        if name in ("-b", "--cookie") and "=" not in (value or ""):
            return f"{name} without NAME=VALUE reads cookies from a file"
        if name == "--proto" and not re.fullmatch(r"=?(?:https?)(?:,=?https?)*", value or ""):
            return "--proto may only narrow curl to http and https"
    return None


_SED_SIMPLE = set("=dDgGhHlnNpPqQxzF")  # no argument, or an optional number (l, q, Q)
_SED_LABEL = set("bTt:")
_SED_TEXT = set("aic")
_SED_REFUSED = {
    "e": "runs a command",
    "w": "writes a file",
    "W": "writes a file",
    "r": "reads a file execgate cannot see",
    "R": "reads a file execgate cannot see",
}


def sed_script_refusal(script: str) -> str | None:
    """Why a sed script is refused (commands that run programs or touch other files, or
    anything this reader cannot follow), or None. Reads GNU sed's syntax: addresses, ``!``,
    ``{}`` blocks, ``s``/``y`` with any delimiter and escapes, ``a``/``i``/``c`` text."""
    i, n = 0, len(script)

    def skip_regex(i: int, delim: str) -> int:
        while i < n and script[i] != delim:
            if script[i] == "\\":
                i += 1
            elif script[i] == "\n":
                raise ValueError("newline in a regular expression")
            i += 1
        if i >= n:
            raise ValueError("unterminated regular expression")
        return i + 1

    try:
        while i < n:
            ch = script[i]
            if ch in " \t\n;}":
                i += 1
                continue
            if ch == "#":
                while i < n and script[i] != "\n":
                    i += 1
                continue
            # addresses: number, $, /re/, \cREc, first~step, addr,addr, then !
            for _ in range(2):
                if i < n and (script[i].isdigit() or script[i] in "$+~"):
                    while i < n and (script[i].isdigit() or script[i] in "$+~"):
                        i += 1
                elif i < n and script[i] == "/":
                    i = skip_regex(i + 1, "/")
                    while i < n and script[i] in "IM":
                        i += 1
                elif i + 1 < n and script[i] == "\\":
                    i = skip_regex(i + 2, script[i + 1])
                    while i < n and script[i] in "IM":
                        i += 1
                if i < n and script[i] == ",":
                    i += 1
                    continue
                break
            while i < n and script[i] in " \t!":
                i += 1
            if i >= n:
                return "an address without a command"
            cmd = script[i]
            i += 1
            if cmd in _SED_REFUSED:
                return f"the sed command {cmd!r} {_SED_REFUSED[cmd]}"
            if cmd == "{":
                continue
            if cmd in _SED_SIMPLE:
                while i < n and script[i].isdigit():
                    i += 1
            elif cmd in _SED_LABEL:
                # GNU sed ends a label at whitespace or ';': what follows on the same line
                # (`:x e id`) is another command, read by the loop like any other
                while i < n and script[i] in " \t":
                    i += 1
                while i < n and script[i] not in " \t;\n}":
                    i += 1
            elif cmd in _SED_TEXT:
                while i < n and script[i] != "\n":
                    if script[i] == "\\":
                        i += 1
                    i += 1
            elif cmd in "sy":
                if i >= n or script[i] in "\\\n":
                    return "a malformed s or y command"
                delim = script[i]
                i = skip_regex(i + 1, delim)
                i = skip_regex(i, delim)
                if cmd == "s":
                    while i < n and script[i] not in ";\n}":
                        flag = script[i]
                        if flag in "ew":
                            why = "runs a command" if flag == "e" else "writes a file"
                            return f"the s command's {flag!r} flag {why}"
                        if not (flag.isdigit() or flag in "gpiImM \t"):
                            return f"the s command's flag {flag!r} is not understood"
                        i += 1
            else:
                return f"the sed command {cmd!r} is not understood"
    except ValueError as exc:
        return f"the sed script cannot be read ({exc})"
    return None


def _sed(operands: tuple[str, ...], options: Options) -> str | None:
    scripts = [v for n, v in options if n in ("-e", "--expression") and v is not None]
    if not scripts and operands:
        scripts = [operands[0]]
    for script in scripts:
        reason = sed_script_refusal(script)
        if reason is not None:
            return reason
    return None


_AWK_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_AWK_REGEX = re.compile(r"(^|[(,~{;!&|\n]|\bif\s*\(|\bwhile\s*\()\s*/(?:[^/\\\n]|\\.)*/")
_AWK_PRINT_REDIRECT = re.compile(r"\bprintf?\b[^;{}\n]*>")


def awk_program_refusal(program: str) -> str | None:
    """Why an awk program is refused: it runs commands (``system()``, pipes, ``|&``), writes
    files (``print > file``), or reads other files (``getline < file``). Strings and regex
    literals are set aside first, so ``/a|b/`` and ``"x > y"`` are fine."""
    text = _AWK_STRING.sub('""', program)
    text = _AWK_REGEX.sub(lambda m: m.group(1) + "//", text)
    if re.search(r"\bsystem\s*\(", text):
        return "the awk program calls system(), which runs a command"
    if re.search(r"@\s*[A-Za-z_]", text):
        # gawk: @name(...) calls the function a variable names (system too), @load, @include
        return "the awk program uses an indirect call or a directive (@...)"
    if "|" in text.replace("||", ""):
        return "the awk program uses a pipe, which runs a command"
    if _AWK_PRINT_REDIRECT.search(text):
        return "the awk program redirects print to a file"
    if re.search(r"\bgetline\b[^;{}\n]*<", text):
        return "the awk program reads another file with getline"
    if re.search(r"\b(?:SYMTAB|FUNCTAB)\b", text):
        # gawk's symbol table reaches ARGV, ARGC and ENVIRON by name
        return "the awk program uses SYMTAB or FUNCTAB (indirect access to any variable)"
    if re.search(r"\bPROCINFO\b\s*\[[^]]*\]\s*(?:[-+*/%^]?=(?!=)|\+\+|--)", text):
        return "the awk program changes PROCINFO"
    if re.search(r"\b(?:ARGV|ARGC)\b", text):
        # ARGV[1]="/etc/shadow"; ARGC=2 makes awk read a file no argument named
        return "the awk program uses ARGV or ARGC, which choose the files awk reads"
    if re.search(r"\bENVIRON\b\s*\[[^]]*\]\s*(?:[-+*/%^]?=(?!=)|\+\+|--)", text):
        return "the awk program changes ENVIRON"
    return None


_AWK_SPECIAL_ASSIGN = re.compile(r"^\s*(?:ARGV|ARGC|ENVIRON)\b")


def _awk(operands: tuple[str, ...], options: Options) -> str | None:
    if not operands:
        return "no awk program given"
    for name, value in options:
        if name in ("-v", "--assign") and _AWK_SPECIAL_ASSIGN.match(value or ""):
            return f"-v {(value or '')[:30]!r} sets what chooses the files awk reads"
    for operand in operands[1:]:
        if _AWK_SPECIAL_ASSIGN.match(operand) and "=" in operand:
            return f"the operand {operand[:30]!r} sets what chooses the files awk reads"
    return awk_program_refusal(operands[0])


def _pytest(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name == "-p" and value is not None and not value.startswith("no:"):
            return (
                f"-p {value} loads a plugin module (code execgate cannot decide); -p no:X is fine"
            )
    return None


def _python(operands: tuple[str, ...], options: Options) -> str | None:
    if not operands and not {"-V", "--version", "-h", "--help"} & {n for n, _ in options}:
        return "without a script file it reads a program from stdin, which cannot be decided"
    return None


def _node(operands: tuple[str, ...], options: Options) -> str | None:
    if not operands and not {"-v", "--version", "-h", "--help"} & {n for n, _ in options}:
        return "without a script file it reads a program from stdin, which cannot be decided"
    return None


def _tar(operands: tuple[str, ...], options: Options) -> str | None:
    names = {n for n, _ in options}
    if not {"-t", "--list"} & names:
        return (
            "only listing an archive (-t) is built in; extracting or creating is granted explicitly"
        )
    if "--force-local" not in names:
        for name, value in options:
            # tar reads HOST:FILE as a remote archive, reached through rsh/ssh
            if name in ("-f", "--file") and ":" in (value or "").split("/", 1)[0]:
                archive = (value or "")[:40]
                return f"{name} {archive!r} names a remote archive (HOST:FILE), run over ssh"
    return None


EXTRA_CHECKS = {
    "curl": _curl_urls,
    "python": _python,
    "node": _node,
    "tar": _tar,
    "sed": _sed,
    "awk": _awk,
    "pytest": _pytest,
}


# --- the tables -------------------------------------------------------------------------------


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


RUNS_PROGRAM = "it runs another program, which execgate cannot decide"
WRITES = "it writes files; grant writing explicitly"
LOADS_CODE = "it loads code or configuration that execgate cannot decide"

LS = Spec(
    optional=_s("--classify", "--color", "--colour", "--hyperlink"),
    flags=_s(
        "-a",
        "-A",
        "-l",
        "-h",
        "-R",
        "-r",
        "-t",
        "-S",
        "-1",
        "-d",
        "-F",
        "-i",
        "-n",
        "-g",
        "-o",
        "-G",
        "-s",
        "-U",
        "-X",
        "-v",
        "-p",
        "-Q",
        "-m",
        "-x",
        "-C",
        "-c",
        "-u",
        "-L",
        "-H",
        "-k",
        "-N",
        "-b",
        "-q",
        "-Z",
        "--all",
        "--almost-all",
        "--human-readable",
        "--recursive",
        "--reverse",
        "--directory",
        "--inode",
        "--numeric-uid-gid",
        "--no-group",
        "--size",
        "--dereference",
        "--literal",
        "--escape",
        "--quote-name",
        "--context",
        "--group-directories-first",
        "--full-time",
        "--si",
        "--author",
        "--hide-control-chars",
        "--show-control-chars",
        "--zero",
        "--help",
        "--version",
    ),
    valued=_s(
        "--sort",
        "--time",
        "--time-style",
        "--format",
        "--width",
        "-w",
        "--block-size",
        "--indicator-style",
        "--quoting-style",
        "--hide",
        "-I",
        "--ignore",
        "--tabsize",
        "-T",
    ),
)
CAT = Spec(
    flags=_s(
        "-A",
        "-b",
        "-e",
        "-E",
        "-n",
        "-s",
        "-t",
        "-T",
        "-u",
        "-v",
        "--show-all",
        "--number-nonblank",
        "--show-ends",
        "--number",
        "--squeeze-blank",
        "--show-tabs",
        "--show-nonprinting",
        "--help",
        "--version",
    )
)
HEAD_TAIL_FLAGS = _s(
    "-q", "-v", "-z", "--quiet", "--silent", "--verbose", "--zero-terminated", "--help", "--version"
)
HEAD = Spec(flags=HEAD_TAIL_FLAGS, valued=_s("-n", "-c", "--lines", "--bytes"), numeric=True)
TAIL = Spec(
    optional=_s("--follow"),
    flags=HEAD_TAIL_FLAGS | _s("-f", "-F", "--retry"),
    valued=_s(
        "-n",
        "-c",
        "--lines",
        "--bytes",
        "-s",
        "--sleep-interval",
        "--pid",
        "--max-unchanged-stats",
    ),
    numeric=True,
)
WC = Spec(
    flags=_s(
        "-c",
        "-m",
        "-l",
        "-L",
        "-w",
        "--bytes",
        "--chars",
        "--lines",
        "--words",
        "--max-line-length",
        "--help",
        "--version",
    ),
    valued=_s("--total"),
    denied={"--files0-from": "it reads file names from a file execgate cannot see"},
)
GREP = Spec(
    optional=_s("--color", "--colour"),
    flags=_s(
        "-E",
        "-F",
        "-G",
        "-P",
        "-i",
        "-y",
        "-v",
        "-w",
        "-x",
        "-c",
        "-l",
        "-L",
        "-o",
        "-q",
        "-s",
        "-b",
        "-H",
        "-h",
        "-n",
        "-T",
        "-Z",
        "-z",
        "-a",
        "-I",
        "-r",
        "-R",
        "-U",
        "--extended-regexp",
        "--fixed-strings",
        "--basic-regexp",
        "--perl-regexp",
        "--ignore-case",
        "--no-ignore-case",
        "--invert-match",
        "--word-regexp",
        "--line-regexp",
        "--count",
        "--files-with-matches",
        "--files-without-match",
        "--only-matching",
        "--quiet",
        "--silent",
        "--no-messages",
        "--byte-offset",
        "--with-filename",
        "--no-filename",
        "--line-number",
        "--initial-tab",
        "--null",
        "--null-data",
        "--text",
        "--recursive",
        "--dereference-recursive",
        "--binary",
        "--line-buffered",
        "--help",
        "--version",
    ),
    valued=_s(
        "-e",
        "-f",
        "-m",
        "-A",
        "-B",
        "-C",
        "-d",
        "-D",
        "--regexp",
        "--file",
        "--max-count",
        "--after-context",
        "--before-context",
        "--context",
        "--include",
        "--exclude",
        "--exclude-dir",
        "--label",
        "--binary-files",
        "--directories",
        "--devices",
        "--exclude-from",
    ),
    paths=_s("-f", "--file", "--exclude-from"),
    numeric=True,  # the first operand is the pattern; -r operands are paths (see engine)
)
RG = Spec(
    flags=_s(
        "-i",
        "-S",
        "-s",
        "-v",
        "-w",
        "-x",
        "-c",
        "-l",
        "-o",
        "-q",
        "-n",
        "-N",
        "-H",
        "-I",
        "-F",
        "-P",
        "-U",
        "-a",
        "-L",
        "-u",
        "-uu",
        "-.",
        "-0",
        "-p",
        "-b",
        "-z",
        "-j",
        "--ignore-case",
        "--smart-case",
        "--case-sensitive",
        "--invert-match",
        "--word-regexp",
        "--line-regexp",
        "--count",
        "--count-matches",
        "--files-with-matches",
        "--files-without-match",
        "--only-matching",
        "--quiet",
        "--line-number",
        "--no-line-number",
        "--with-filename",
        "--no-filename",
        "--fixed-strings",
        "--pcre2",
        "--multiline",
        "--text",
        "--follow",
        "--hidden",
        "--no-ignore",
        "--no-ignore-vcs",
        "--files",
        "--json",
        "--vimgrep",
        "--heading",
        "--no-heading",
        "--pretty",
        "--stats",
        "--sort-files",
        "--trim",
        "--no-messages",
        "--null",
        "--search-zip",
        "--byte-offset",
        "--column",
        "--no-config",
        "--debug",
        "--help",
        "--version",
        "--type-list",
    ),
    valued=_s(
        "--ignore-file",
        "-e",
        "-f",
        "-g",
        "-t",
        "-T",
        "-m",
        "-A",
        "-B",
        "-C",
        "-M",
        "-r",
        "-E",
        "-d",
        "--regexp",
        "--file",
        "--glob",
        "--iglob",
        "--type",
        "--type-not",
        "--max-count",
        "--after-context",
        "--before-context",
        "--context",
        "--max-columns",
        "--replace",
        "--encoding",
        "--max-depth",
        "--max-filesize",
        "--color",
        "--colors",
        "--sort",
        "--sortr",
        "--threads",
        "--type-add",
        "--context-separator",
        "--field-match-separator",
    ),
    paths=_s("-f", "--file", "--ignore-file"),
    denied={
        "--pre": RUNS_PROGRAM,
        "--pre-glob": RUNS_PROGRAM,
        "--hostname-bin": RUNS_PROGRAM,
    },
)
SORT = Spec(
    optional=_s("--check"),
    flags=_s(
        "-b",
        "-d",
        "-f",
        "-g",
        "-i",
        "-M",
        "-h",
        "-n",
        "-R",
        "-r",
        "-V",
        "-c",
        "-C",
        "-m",
        "-s",
        "-u",
        "-z",
        "--ignore-leading-blanks",
        "--dictionary-order",
        "--ignore-case",
        "--general-numeric-sort",
        "--ignore-nonprinting",
        "--month-sort",
        "--human-numeric-sort",
        "--numeric-sort",
        "--random-sort",
        "--reverse",
        "--version-sort",
        "--merge",
        "--stable",
        "--unique",
        "--zero-terminated",
        "--help",
        "--version",
    ),
    valued=_s(
        "-k",
        "-t",
        "-S",
        "-T",
        "--key",
        "--field-separator",
        "--buffer-size",
        "--temporary-directory",
        "--parallel",
        "--sort",
        "--random-source",
    ),
    paths=_s("-T", "--temporary-directory", "--random-source"),
    denied={
        "-o": WRITES,
        "--output": WRITES,
        "--compress-program": RUNS_PROGRAM,
        "--files0-from": "it reads file names from a file execgate cannot see",
    },
)
DIFF = Spec(
    optional=_s("--color"),
    flags=_s(
        "-q",
        "-s",
        "-c",
        "-u",
        "-e",
        "-n",
        "-y",
        "-t",
        "-T",
        "-l",
        "-r",
        "-N",
        "-a",
        "-w",
        "-b",
        "-B",
        "-E",
        "-Z",
        "-i",
        "-p",
        "-d",
        "--brief",
        "--report-identical-files",
        "--normal",
        "--ed",
        "--rcs",
        "--side-by-side",
        "--left-column",
        "--suppress-common-lines",
        "--expand-tabs",
        "--initial-tab",
        "--recursive",
        "--new-file",
        "--unidirectional-new-file",
        "--text",
        "--ignore-all-space",
        "--ignore-space-change",
        "--ignore-blank-lines",
        "--ignore-tab-expansion",
        "--ignore-trailing-space",
        "--ignore-case",
        "--show-c-function",
        "--minimal",
        "--speed-large-files",
        "--strip-trailing-cr",
        "--suppress-blank-empty",
        "--no-dereference",
        "--help",
        "--version",
        "--ignore-file-name-case",
        "--no-ignore-file-name-case",
    ),
    valued=_s(
        "-U",
        "-C",
        "-W",
        "-x",
        "-X",
        "-S",
        "-F",
        "-I",
        "-D",
        "--unified",
        "--context",
        "--width",
        "--exclude",
        "--exclude-from",
        "--starting-file",
        "--label",
        "--palette",
        "--ignore-matching-lines",
        "--show-function-line",
        "--ifdef",
        "--tabsize",
        "--horizon-lines",
        "--line-format",
        "--old-line-format",
        "--new-line-format",
        "--unchanged-line-format",
        "--from-file",
        "--to-file",
    ),
    paths=_s("-X", "--exclude-from", "--from-file", "--to-file"),
    numeric=True,
)
SED = Spec(
    extra="sed",
    flags=_s(
        "-n",
        "-E",
        "-r",
        "-s",
        "-u",
        "-z",
        "--quiet",
        "--silent",
        "--regexp-extended",
        "--separate",
        "--unbuffered",
        "--null-data",
        "--posix",
        "--debug",
        "--sandbox",
        "--help",
        "--version",
    ),
    valued=_s("-e", "-l", "--expression", "--line-length"),
    denied={
        "-i": WRITES,
        "--in-place": WRITES,
        "-f": "a script file is code execgate cannot see",
        "--file": "a script file is code execgate cannot see",
        "--follow-symlinks": WRITES,
    },
)
AWK = Spec(
    extra="awk",
    flags=_s(
        "--posix",
        "--traditional",
        "--lint",
        "--sandbox",
        "-S",
        "--help",
        "--version",
        "-c",
        "-P",
        "--re-interval",
        "--characters-as-bytes",
        "-b",
    ),
    valued=_s("-F", "-v", "--field-separator", "--assign"),
    denied={
        "-f": "a program file is code execgate cannot see",
        "--file": "a program file is code execgate cannot see",
        "-e": "--source programs are refused",
        "--source": "--source programs are refused",
        "-E": "--exec programs are refused",
        "--exec": "--exec programs are refused",
        "-l": LOADS_CODE,
        "--load": LOADS_CODE,
        "-i": LOADS_CODE,
        "--include": LOADS_CODE,
        "-o": WRITES,
        "--pretty-print": WRITES,
        "-d": WRITES,
        "--dump-variables": WRITES,
        "-p": WRITES,
        "--profile": WRITES,
    },
)
TAR = Spec(
    optional=_s("--totals"),
    flags=_s(
        "-t",
        "-v",
        "-z",
        "-j",
        "-J",
        "-a",
        "-O",
        "-k",
        "-p",
        "-W",
        "--list",
        "--verbose",
        "--gzip",
        "--gunzip",
        "--bzip2",
        "--xz",
        "--zstd",
        "--lzma",
        "--auto-compress",
        "--to-stdout",
        "--numeric-owner",
        "--full-time",
        "--utc",
        "--help",
        "--version",
        "--ignore-case",
        "--wildcards",
        "--no-wildcards",
        "--anchored",
        "--no-anchored",
        "--verify",
    ),
    valued=_s(
        "-f",
        "-C",
        "--file",
        "--directory",
        "--exclude",
        "--strip-components",
        "--blocking-factor",
        "-b",
        "--format",
        "-H",
    ),
    paths=_s("-f", "--file", "-C", "--directory"),
    denied={
        "-x": WRITES,
        "--extract": WRITES,
        "--get": WRITES,
        "-c": WRITES,
        "--create": WRITES,
        "-r": WRITES,
        "--append": WRITES,
        "-u": WRITES,
        "--update": WRITES,
        "--delete": WRITES,
        "-A": WRITES,
        "--catenate": WRITES,
        "--concatenate": WRITES,
        "-I": RUNS_PROGRAM,
        "--use-compress-program": RUNS_PROGRAM,
        "--to-command": RUNS_PROGRAM,
        "--checkpoint-action": RUNS_PROGRAM,
        "--info-script": RUNS_PROGRAM,
        "--new-volume-script": RUNS_PROGRAM,
        "-F": RUNS_PROGRAM,
        "--rsh-command": RUNS_PROGRAM,
        "--rmt-command": RUNS_PROGRAM,
        "-T": "it reads file names from a file execgate cannot see",
        "--files-from": "it reads file names from a file execgate cannot see",
    },
    extra="tar",
)
PYTHON = Spec(
    flags=_s(
        "-u",
        "-B",
        "-O",
        "-OO",
        "-q",
        "-s",
        "-S",
        "-E",
        "-I",
        "-P",
        "-b",
        "-bb",
        "-d",
        "-v",
        "-V",
        "-h",
        "--version",
        "--help",
        "-x",
    ),
    valued=_s("-W", "-X", "--check-hash-based-pycs"),
    denied={
        "-c": "inline code cannot be decided; run a script file in the workspace",
        "-m": "only modules with built-in rules (pytest, pip) or a mode rule such as "
        '"python3 -m pytest" may be run',
        "-i": "interactive mode reads code from stdin",
    },
    posix=True,
    script_operand=True,
    extra="python",
)
PIP_READ = Spec(
    flags=_s(
        "-v",
        "-q",
        "--verbose",
        "--quiet",
        "--help",
        "-h",
        "--no-color",
        "--disable-pip-version-check",
        "--isolated",
        "--outdated",
        "--uptodate",
        "--user",
        "--local",
        "--not-required",
        "--editable",
        "-e",
        "-o",
        "-u",
        "-l",
        "--files",
        "-f",
        "--exclude-editable",
        "--all",
    ),
    valued=_s("--format", "--exclude", "--python"),
)
PIP = Spec(
    flags=_s(
        "-V",
        "--version",
        "-h",
        "--help",
        "-q",
        "-v",
        "--quiet",
        "--verbose",
        "--no-color",
        "--disable-pip-version-check",
        "--isolated",
    ),
    subcommands={
        "list": PIP_READ,
        "show": PIP_READ,
        "freeze": PIP_READ,
        "check": PIP_READ,
        "help": PIP_READ,
    },
    posix=True,
)
NODE = Spec(
    flags=_s(
        "-v",
        "--version",
        "-h",
        "--help",
        "--no-warnings",
        "--enable-source-maps",
        "--trace-warnings",
        "--no-deprecation",
        "--trace-uncaught",
        "--test",
        "--experimental-vm-modules",
        "--no-experimental-fetch",
    ),
    valued=_s(
        "--max-old-space-size",
        "--stack-size",
        "--test-reporter",
        "--test-name-pattern",
        "--input-type",
    ),
    denied={
        "-e": "inline code cannot be decided; run a script file in the workspace",
        "--eval": "inline code cannot be decided",
        "-p": "inline code cannot be decided",
        "--print": "inline code cannot be decided",
        "-r": LOADS_CODE,
        "--require": LOADS_CODE,
        "--import": LOADS_CODE,
        "--loader": LOADS_CODE,
        "--experimental-loader": LOADS_CODE,
        "-i": "interactive mode reads code from stdin",
        "--interactive": "interactive mode reads code from stdin",
        "--inspect": "it opens a debugger port",
        "--inspect-brk": "it opens a debugger port",
    },
    posix=True,
    script_operand=True,
    extra="node",
)
NPM_READ = Spec(
    flags=_s(
        "--json",
        "--long",
        "-l",
        "--all",
        "-a",
        "--parseable",
        "-p",
        "--global",
        "-g",
        "--prod",
        "--dev",
        "--silent",
        "-s",
        "--help",
        "-h",
    ),
    valued=_s("--depth", "--omit", "--workspace", "-w"),
)
NPM = Spec(
    flags=_s("-v", "--version", "-h", "--help", "-s", "--silent", "-q", "--quiet"),
    subcommands={
        "ls": NPM_READ,
        "list": NPM_READ,
        "outdated": NPM_READ,
        "view": NPM_READ,
        "help": NPM_READ,
        "version": Spec(flags=_s("--json"), extra="npm-version"),
        "explain": NPM_READ,
        "why": NPM_READ,
    },
    posix=True,
)
NPX = Spec(flags=_s("-v", "--version", "-h", "--help"), posix=True, extra="npx")
MAKE = Spec(
    optional=_s("--output-sync", "-O", "-j", "-l", "--jobs", "--load-average"),
    flags=_s(
        "-n",
        "-k",
        "-s",
        "-i",
        "-q",
        "-B",
        "-w",
        "-r",
        "-R",
        "-d",
        "--just-print",
        "--dry-run",
        "--recon",
        "--keep-going",
        "--silent",
        "--quiet",
        "--always-make",
        "--ignore-errors",
        "--question",
        "--print-directory",
        "--no-print-directory",
        "--no-builtin-rules",
        "--no-builtin-variables",
        "--warn-undefined-variables",
        "--trace",
        "--help",
        "--version",
        "-v",
        "-S",
        "--stop",
        "--no-keep-going",
    ),
    valued=_s(
        "-C",
        "-f",
        "--directory",
        "--file",
        "--makefile",
        "-o",
        "-W",
        "--old-file",
        "--what-if",
        "--new-file",
        "--assume-old",
        "--assume-new",
    ),
    paths=_s("-C", "--directory", "-f", "--file", "--makefile"),
    denied={
        "--eval": "inline make code cannot be decided",
        "-E": "inline make code",
        "-I": LOADS_CODE,
        "--include-dir": LOADS_CODE,
    },
    extra="make",
)
PYTEST = Spec(
    extra="pytest",
    flags=_s(
        "-x",
        "-q",
        "-v",
        "-s",
        "-l",
        "-vv",
        "-qq",
        "--lf",
        "--ff",
        "--nf",
        "--sw",
        "--last-failed",
        "--failed-first",
        "--new-first",
        "--stepwise",
        "--stepwise-skip",
        "--exitfirst",
        "--quiet",
        "--verbose",
        "--showlocals",
        "--collect-only",
        "--co",
        "--strict-markers",
        "--strict-config",
        "--strict",
        "--no-header",
        "--no-summary",
        "--disable-warnings",
        "--runxfail",
        "--cache-clear",
        "--cache-show",
        "--markers",
        "--fixtures",
        "--fixtures-per-test",
        "--setup-only",
        "--setup-show",
        "--setup-plan",
        "--version",
        "-V",
        "--help",
        "-h",
        "--capture=no",
        "--full-trace",
        "--doctest-modules",
        "--continue-on-collection-errors",
        "--noconftest",
        "--keep-duplicates",
        "--co",
        "--quiet",
        "--sw-skip",
        "--lfnf",
        "-ra",
        "-rA",
    ),
    valued=_s(
        "-p",
        "-k",
        "-m",
        "-r",
        "-W",
        "-n",
        "--maxfail",
        "--tb",
        "--durations",
        "--durations-min",
        "--capture",
        "--color",
        "--code-highlight",
        "--deselect",
        "--ignore",
        "--ignore-glob",
        "--basetemp",
        "--rootdir",
        "-c",
        "--config-file",
        "--confcutdir",
        "--junitxml",
        "--junit-xml",
        "--junit-prefix",
        "--timeout",
        "--pythonwarnings",
        "--log-level",
        "--log-cli-level",
        "--last-failed-no-failures",
        "--import-mode",
        "--verbosity",
        "--dist",
        "--numprocesses",
    ),
    paths=_s(
        "--basetemp",
        "--rootdir",
        "-c",
        "--config-file",
        "--confcutdir",
        "--junitxml",
        "--junit-xml",
        "--ignore",
        "--deselect",
    ),
    denied={
        "--pdb": "it starts an interactive debugger",
        "--pdbcls": LOADS_CODE,
        "--trace": "it starts an interactive debugger",
        "-o": "ini overrides can load plugins and change what runs",
        "--override-ini": "ini overrides can load plugins and change what runs",
        "--debug": WRITES,
        "--log-file": WRITES,
        "--result-log": WRITES,
        "--resultlog": WRITES,
    },
)
CARGO_BUILD = Spec(
    flags=_s(
        "--release",
        "--all-features",
        "--no-default-features",
        "--workspace",
        "--all",
        "--lib",
        "--bins",
        "--tests",
        "--benches",
        "--examples",
        "--all-targets",
        "--offline",
        "--locked",
        "--frozen",
        "-q",
        "-v",
        "-vv",
        "--quiet",
        "--verbose",
        "--no-run",
        "--no-fail-fast",
        "--doc",
        "--keep-going",
        "--help",
        "-h",
        "--ignored",
        "--nocapture",
        "--all-files",
    ),
    valued=_s(
        "-p",
        "--package",
        "--features",
        "-F",
        "--target",
        "-j",
        "--jobs",
        "--manifest-path",
        "--target-dir",
        "--bin",
        "--test",
        "--bench",
        "--example",
        "--profile",
        "--color",
        "--message-format",
        "--exclude",
        "--format",
        "--depth",
        "--prefix",
        "-e",
        "--edges",
        "-i",
        "--invert",
    ),
    paths=_s("--manifest-path", "--target-dir"),
    denied={
        "--config": "config overrides can set runners and linkers (programs)",
        "-Z": "unstable options can change what runs",
        "--out-dir": WRITES,
        "--artifact-dir": WRITES,
    },
)
CARGO = Spec(
    flags=_s(
        "-V",
        "--version",
        "-h",
        "--help",
        "--list",
        "-q",
        "-v",
        "--quiet",
        "--verbose",
        "--offline",
        "--locked",
        "--frozen",
    ),
    valued=_s("--color"),
    denied={
        "--config": "config overrides can set runners and linkers (programs)",
        "-Z": "unstable options can change what runs",
        "-C": "changing directory before reading config is refused",
    },
    subcommands={
        n: CARGO_BUILD
        for n in (
            "build",
            "b",
            "check",
            "c",
            "test",
            "t",
            "clippy",
            "doc",
            "d",
            "tree",
            "metadata",
            "bench",
            "run",
            "r",
        )
    },
    posix=True,
)
GO_BUILD = Spec(
    flags=_s(
        "-v",
        "-x",
        "-n",
        "-race",
        "-msan",
        "-asan",
        "-cover",
        "-short",
        "-failfast",
        "-json",
        "-a",
        "-trimpath",
        "-benchmem",
        "-mod=readonly",
        "-modcacherw",
        "-linkshared",
        "-buildvcs",
        "-m",
        "-u",
        "-e",
        "-deps",
        "-test",
        "-find",
        "-compiled",
        "-export",
        "-i",
        "-work",
        "-fullpath",
    ),
    valued=_s(
        "-run",
        "-count",
        "-timeout",
        "-bench",
        "-benchtime",
        "-parallel",
        "-p",
        "-tags",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-covermode",
        "-coverpkg",
        "-cpu",
        "-mod",
        "-skip",
        "-shuffle",
        "-f",
        "-buildmode",
        "-o",
        "-C",
        "-modfile",
        "-coverprofile",
        "-cpuprofile",
        "-memprofile",
        "-trace",
        "-outputdir",
        "-vet",
        "-fuzz",
        "-fuzztime",
        "-list",
        "-pgo",
        "-covermode",
        "-blockprofile",
        "-mutexprofile",
    ),
    paths=_s(
        "-o",
        "-C",
        "-modfile",
        "-coverprofile",
        "-cpuprofile",
        "-memprofile",
        "-trace",
        "-outputdir",
        "-blockprofile",
        "-mutexprofile",
        "-pgo",
    ),
    denied={
        "-toolexec": RUNS_PROGRAM,
        "-exec": RUNS_PROGRAM,
        "-overlay": "an overlay replaces source files execgate cannot see",
    },
    single_dash_long=True,
)
GO = Spec(
    flags=_s("-h", "-help", "--help"),
    subcommands={n: GO_BUILD for n in ("build", "test", "vet", "list", "run")}
    | {
        "version": Spec(flags=_s("-m", "-v", "-json"), single_dash_long=True),
        "env": Spec(flags=_s("-json"), single_dash_long=True),
        "doc": Spec(flags=_s("-all", "-short", "-src", "-u", "-c", "-cmd"), single_dash_long=True),
    },
    single_dash_long=True,
    posix=True,
)
CURL = Spec(
    flags=_s(
        "--create-dirs",
        "-s",
        "-S",
        "-L",
        "-f",
        "-i",
        "-I",
        "-v",
        "-k",
        "-G",
        "-N",
        "-#",
        "-4",
        "-6",
        "--silent",
        "--show-error",
        "--location",
        "--fail",
        "--fail-with-body",
        "--include",
        "--head",
        "--verbose",
        "--insecure",
        "--get",
        "--no-buffer",
        "--compressed",
        "--http1.1",
        "--http2",
        "--ipv4",
        "--ipv6",
        "--fail-early",
        "--globoff",
        "-g",
        "-q",
        "--disable",
        "--no-progress-meter",
        "--progress-bar",
        "--help",
        "-h",
        "--version",
        "-V",
        "--raw",
        "--no-keepalive",
        "--tcp-nodelay",
        "--path-as-is",
    ),
    valued=_s(
        "-H",
        "-X",
        "-A",
        "-e",
        "-m",
        "-w",
        "-o",
        "-d",
        "-r",
        "-u",
        "-x",
        "-b",
        "-D",
        "-c",
        "--header",
        "--request",
        "--user-agent",
        "--referer",
        "--max-time",
        "--connect-timeout",
        "--write-out",
        "--output",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--json",
        "--range",
        "--user",
        "--proxy",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--max-redirs",
        "--max-filesize",
        "--limit-rate",
        "--cookie",
        "--cookie-jar",
        "--dump-header",
        "--url",
        "--oauth2-bearer",
        "--resolve",
        "--connect-to",
        "--stderr",
        "--trace",
        "--trace-ascii",
        "--libcurl",
        "--output-dir",
        "--proto",
    ),
    paths=_s(
        "-o",
        "--output",
        "-D",
        "--dump-header",
        "-c",
        "--cookie-jar",
        "--stderr",
        "--trace",
        "--trace-ascii",
        "--libcurl",
        "--output-dir",
    ),
    denied={
        "-K": "a config file can carry any option",
        "--config": "a config file can carry any option",
        "-T": "uploading a file is refused",
        "--upload-file": "uploading a file is refused",
        "-F": "form uploads can send files",
        "--form": "form uploads can send files",
        "--unix-socket": "talking to local sockets is refused",
        "--abstract-unix-socket": "talking to local sockets is refused",
        "-O": "the server picks the file name",
        "--remote-name": "the server picks the file name",
        "--remote-name-all": "the server picks the file name",
        "-J": "the server picks the file name",
        "--remote-header-name": "the server picks the file name",
        "--netrc-file": "it reads credentials from a file",
        "--engine": LOADS_CODE,
        "--ssl-engine": LOADS_CODE,
        "--proto-redir": "it lets a redirect reach other schemes (file:)",
        "--proto-default": "it changes the scheme of URLs without one",
    },
    extra="curl",
)
GIT_DIFF_FLAGS = _s(
    "--numstat",
    "--shortstat",
    "--name-only",
    "--name-status",
    "--cached",
    "--staged",
    "--no-color",
    "-p",
    "-u",
    "--patch",
    "-s",
    "--no-patch",
    "--raw",
    "--summary",
    "--check",
    "-w",
    "-b",
    "--ignore-all-space",
    "--ignore-space-change",
    "--minimal",
    "--patience",
    "--histogram",
    "-R",
    "--no-index",
    "--exit-code",
    "--quiet",
    "--color-words",
    "--full-index",
    "--binary",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--merge-base",
    "-z",
    "--help",
    "-h",
    "--pickaxe-all",
    "--irreversible-delete",
    "-D",
    "--ita-invisible-in-index",
    "--compact-summary",
)
GIT_DIFF_VALUED = _s(
    "-U",
    "--unified",
    "--diff-filter",
    "--stat-width",
    "-S",
    "-G",
    "--word-diff-regex",
    "--src-prefix",
    "--dst-prefix",
    "--diff-algorithm",
    "--inter-hunk-context",
    "-l",
    "--anchored",
    "-O",
)
GIT_DIFF_OPTIONAL = _s(
    "--color",
    "--relative",
    "--find-renames",
    "--find-copies",
    "--abbrev",
    "--dirstat",
    "--word-diff",
    "--stat",
    "-M",
    "-C",
    "--decorate",
    "--color-moved",
    "--submodule",
)
GIT_DIFF_DENIED = {
    "--ext-diff": RUNS_PROGRAM,
    "--textconv": RUNS_PROGRAM,
    "--output": WRITES,
}
GIT_LOG = Spec(
    optional=GIT_DIFF_OPTIONAL,
    flags=GIT_DIFF_FLAGS
    | _s(
        "-i",
        "--regexp-ignore-case",
        "-E",
        "--extended-regexp",
        "-F",
        "--fixed-strings",
        "-P",
        "--perl-regexp",
        "--all-match",
        "--invert-grep",
        "-c",
        "--cc",
        "-m",
        "--remerge-diff",
        "--oneline",
        "--graph",
        "--all",
        "--no-decorate",
        "--reverse",
        "--first-parent",
        "--merges",
        "--no-merges",
        "--follow",
        "--abbrev-commit",
        "--no-abbrev-commit",
        "--date-order",
        "--topo-order",
        "--full-history",
        "--source",
        "--use-mailmap",
        "--left-right",
        "--boundary",
        "--cherry-pick",
        "--branches",
        "--tags",
        "--remotes",
        "--walk-reflogs",
        "-g",
        "--simplify-by-decoration",
        "--mailmap",
        "--no-walk",
        "--children",
        "--parents",
    ),
    valued=GIT_DIFF_VALUED
    | _s(
        "-n",
        "--max-count",
        "--skip",
        "--since",
        "--after",
        "--until",
        "--before",
        "--author",
        "--committer",
        "--grep",
        "--format",
        "--pretty",
        "--date",
        "-L",
        "--encoding",
        "--min-parents",
        "--max-parents",
    ),
    denied={
        **GIT_DIFF_DENIED,
        "--show-signature": "verifying signatures runs gpg.program, which the job can configure",
    },
    numeric=True,
    extra="git-log",
)
GIT_DIFF = Spec(
    flags=GIT_DIFF_FLAGS, valued=GIT_DIFF_VALUED, optional=GIT_DIFF_OPTIONAL, denied=GIT_DIFF_DENIED
)
GIT_STATUS = Spec(
    optional=_s(
        "--porcelain",
        "--untracked-files",
        "--ignore-submodules",
        "--column",
        "--ignored",
        "--find-renames",
        "-u",
    ),
    flags=_s(
        "-s",
        "-b",
        "-v",
        "-z",
        "--short",
        "--branch",
        "--long",
        "--verbose",
        "--show-stash",
        "--ahead-behind",
        "--no-ahead-behind",
        "--renames",
        "--no-renames",
        "--help",
        "-h",
    ),
    valued=_s(
        "--no-column",
    ),
)
GIT_READ = Spec(
    flags=_s(
        "-h",
        "--help",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "-a",
        "-r",
        "-l",
        "--list",
        "--all",
        "-z",
        "--abbrev-ref",
        "--show-toplevel",
        "--is-inside-work-tree",
        "--git-dir",
        "--short",
        "--verify",
        "--symbolic-full-name",
        "--show-prefix",
        "--cached",
        "--others",
        "--modified",
        "--deleted",
        "--stage",
        "--exclude-standard",
        "--ignored",
        "--full-name",
        "-s",
        "-c",
        "-d",
        "-m",
        "-o",
        "-t",
        "-n",
        "-p",
        "-w",
        "-i",
        "--tags",
        "--always",
        "--long",
        "--merged",
        "--no-merged",
        "--show-current",
        "--name-only",
        "--oneline",
        "--porcelain",
        "--line-porcelain",
        "--show-email",
        "--root",
        "-f",
        "--heads",
        "--exit-code",
        "--get",
        "--get-all",
        "--get-regexp",
        "--show-origin",
        "--line-number",
        "--count",
        "--ignore-case",
        "--word-regexp",
        "--recurse-submodules",
        "-x",
    ),
    valued=_s(
        "-L",
        "--format",
        "--abbrev",
        "--points-at",
        "--sort",
        "--match",
        "--exclude",
        "--depth",
        "--contains",
        "-e",
        "--max-depth",
        "-A",
        "-B",
        "-C",
        "--default",
    ),
    denied={
        "-O": RUNS_PROGRAM,
        "--open-files-in-pager": RUNS_PROGRAM,
        "--ext-grep": RUNS_PROGRAM,
        "--textconv": RUNS_PROGRAM,
        "--output": WRITES,
    },
    numeric=True,
)
GIT = Spec(
    flags=_s(
        "--no-pager",
        "-P",
        "--no-replace-objects",
        "--bare",
        "--literal-pathspecs",
        "--no-optional-locks",
        "--version",
        "--help",
        "-h",
        "--no-advice",
    ),
    valued=_s("-C", "--git-dir", "--work-tree", "--namespace"),
    paths=_s("-C", "--git-dir", "--work-tree"),
    denied={
        "-c": "config overrides can set programs (core.pager, core.fsmonitor, aliases)",
        "--config-env": "config overrides can set programs",
        "--exec-path": RUNS_PROGRAM,
        "-p": "a pager is a program execgate cannot decide",
        "--paginate": "a pager is a program execgate cannot decide",
        "--upload-pack": RUNS_PROGRAM,
        "--receive-pack": RUNS_PROGRAM,
        "--super-prefix": "internal option",
        "--list-cmds": "internal option",
    },
    subcommands={
        "status": GIT_STATUS,
        "log": GIT_LOG,
        "show": GIT_LOG,
        "diff": GIT_DIFF,
        "blame": GIT_READ,
        "rev-parse": GIT_READ,
        "ls-files": GIT_READ,
        "ls-tree": GIT_READ,
        "branch": Spec(
            flags=_s(
                "-a",
                "-r",
                "-l",
                "--list",
                "-v",
                "-vv",
                "--all",
                "--remotes",
                "--show-current",
                "--merged",
                "--no-merged",
                "--no-color",
                "--help",
            ),
            valued=_s("--contains", "--sort", "--format", "--points-at", "--color"),
            extra="git-branch",
        ),
        "tag": Spec(
            flags=_s("-l", "--list", "-n", "--help"),
            valued=_s("--sort", "--contains", "--points-at", "--format"),
            extra="git-tag",
        ),
        "describe": GIT_READ,
        "shortlog": GIT_LOG,
        "grep": GIT_READ,
        "cat-file": GIT_READ,
        "rev-list": GIT_LOG,
        "merge-base": GIT_READ,
        "name-rev": GIT_READ,
        "show-ref": GIT_READ,
        "remote": Spec(flags=_s("-v", "--verbose", "--help"), extra="git-remote"),
        "config": Spec(
            flags=_s(
                "--get",
                "--get-all",
                "--get-regexp",
                "--list",
                "-l",
                "--show-origin",
                "--local",
                "--global",
                "--system",
                "-z",
                "--name-only",
                "--help",
            ),
            extra="git-config",
        ),
        "stash": Spec(flags=_s("--help"), extra="git-stash"),
        "symbolic-ref": Spec(
            flags=_s("--short", "-q", "--quiet", "--no-recurse", "--recurse", "--help"),
            extra="git-symbolic-ref",
        ),
        "version": Spec(flags=_s("--build-options")),
        "help": Spec(flags=_s("-a", "--all", "-g")),
    },
    posix=True,
)


def _git_branch(operands: tuple[str, ...], options: Options) -> str | None:
    return "creating, renaming or deleting branches is refused" if operands else None


def _git_tag(operands: tuple[str, ...], options: Options) -> str | None:
    listing = {"-l", "--list"} & {n for n, _ in options}
    return None if not operands or listing else "creating tags is refused"


def _git_remote(operands: tuple[str, ...], options: Options) -> str | None:
    return (
        None
        if not operands or operands[0] in ("show", "get-url")
        else ("changing remotes is refused")
    )


def _git_config(operands: tuple[str, ...], options: Options) -> str | None:
    reading = {"--get", "--get-all", "--get-regexp", "--list", "-l"} & {n for n, _ in options}
    if reading and len(operands) <= 1:
        return None
    if operands and operands[0] in ("get", "list") and len(operands) <= 2:
        return None
    return "only reading configuration is built in"


def _git_stash(operands: tuple[str, ...], options: Options) -> str | None:
    return (
        None
        if operands and operands[0] in ("list", "show")
        else ("only `git stash list` and `git stash show` are built in")
    )


def _git_symbolic_ref(operands: tuple[str, ...], options: Options) -> str | None:
    return "setting a symbolic ref is refused" if len(operands) > 1 else None


def _npm_version(operands: tuple[str, ...], options: Options) -> str | None:
    if operands:
        return (
            "bumping a version runs package.json's preversion/version/postversion scripts and "
            "git commit (its hooks); only `npm version` (printing versions) is built in"
        )
    return None


def _git_log(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name in ("--format", "--pretty") and "%G" in (value or ""):
            return f"{name} with %G… verifies signatures, which runs gpg.program"
    return None


def _npx(operands: tuple[str, ...], options: Options) -> str | None:
    return "it runs packages fetched from a registry" if operands else None


def _make(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name in ("-f", "--file", "--makefile") and value == "-":
            return f"{name} - reads the makefile (its recipes) from stdin, which cannot be decided"
    for op in operands:
        if "=" in op:
            return f"variable assignment {op.split('=')[0]!r}= can change the commands make runs"
    return None


EXTRA_CHECKS.update(
    {
        "git-branch": _git_branch,
        "git-tag": _git_tag,
        "git-remote": _git_remote,
        "git-config": _git_config,
        "git-stash": _git_stash,
        "make": _make,
        "npx": _npx,
        "npm-version": _npm_version,
        "git-log": _git_log,
        "git-symbolic-ref": _git_symbolic_ref,
    }
)

PERL = Spec(
    flags=_s("-w", "-W", "-X", "-T", "-t", "-c", "-s", "-n", "-p", "-a", "-U", "-S", "-v",
             "-V", "-h", "--version", "--help"),
    optional=_s("-l", "-0", "-C"),
    valued=_s("-F"),
    denied={
        "-e": "inline code cannot be decided; run a script file in the workspace",
        "-E": "inline code cannot be decided; run a script file in the workspace",
        "-M": LOADS_CODE, "-m": LOADS_CODE, "-I": LOADS_CODE, "-d": LOADS_CODE,
        "-x": "it skips to code inside another file",
        "-i": WRITES,
    },
    posix=True,
    script_operand=True,
    extra="node",  # same rule: no script file means a program from stdin
)  # fmt: skip
RUBY = Spec(
    flags=_s("-w", "-W", "-v", "-c", "-n", "-p", "-a", "-l", "-s", "-d", "--version",
             "--help", "-h", "--verbose", "--disable-gems", "--jit"),
    valued=_s("-F", "-E", "--encoding", "-K"),
    denied={
        "-e": "inline code cannot be decided; run a script file in the workspace",
        "-r": LOADS_CODE, "--require": LOADS_CODE, "-I": LOADS_CODE, "-x": LOADS_CODE,
        "-i": WRITES, "-C": "changing directory first is refused", "-S": "PATH lookup of scripts",
    },
    posix=True,
    script_operand=True,
    extra="node",
)  # fmt: skip
RSYNC = Spec(
    flags=_s("-a", "-v", "-z", "-r", "-n", "-l", "-p", "-t", "-g", "-o", "-D", "-h", "-P",
             "-u", "-c", "-q", "-i", "-H", "-A", "-X", "-S", "-x", "-L", "-k", "-K", "-m",
             "--archive", "--verbose", "--compress", "--recursive", "--dry-run", "--links",
             "--perms", "--times", "--group", "--owner", "--devices", "--specials",
             "--human-readable", "--progress", "--partial", "--update", "--checksum",
             "--quiet", "--itemize-changes", "--hard-links", "--acls", "--xattrs", "--sparse",
             "--one-file-system", "--copy-links", "--delete", "--delete-after",
             "--delete-excluded", "--prune-empty-dirs", "--stats", "--help", "--version",
             "--no-motd", "--inplace", "--append", "--existing", "--ignore-existing",
             "--size-only", "--relative", "-R"),
    valued=_s("--exclude", "--include", "--filter", "-f", "--max-size", "--min-size",
              "--bwlimit", "--timeout", "--chmod", "--exclude-from", "--include-from",
              "--files-from", "--link-dest", "--compare-dest", "--backup-dir", "--log-file",
              "--out-format", "--temp-dir", "-T"),
    paths=_s("--exclude-from", "--include-from", "--files-from", "--link-dest",
             "--compare-dest", "--backup-dir", "--log-file", "--temp-dir", "-T"),
    denied={
        "-e": RUNS_PROGRAM, "--rsh": RUNS_PROGRAM, "--rsync-path": RUNS_PROGRAM,
        "--daemon": "it starts a server", "--config": "a config file can carry any option",
        "-M": "options for the remote side", "--remote-option": "options for the remote side",
        "--password-file": "it reads credentials from a file",
    },
)  # fmt: skip
SSH = Spec(
    flags=_s("-4", "-6", "-A", "-a", "-C", "-f", "-G", "-g", "-K", "-k", "-M", "-N", "-n",
             "-q", "-s", "-T", "-t", "-V", "-v", "-X", "-x", "-Y", "-y"),
    valued=_s("-b", "-c", "-E", "-e", "-i", "-l", "-m", "-p", "-Q", "-S", "-B"),
    paths=_s("-E", "-i", "-S"),
    denied={
        "-o": "options can run local programs (ProxyCommand, LocalCommand, KnownHostsCommand)",
        "-F": "a config file can run local programs",
        "-J": "a jump host is a ProxyCommand", "-W": "stdio forwarding",
        "-L": "port forwarding opens tunnels", "-R": "port forwarding opens tunnels",
        "-D": "port forwarding opens tunnels", "-w": "tunnel devices", "-O": "master control",
        "-I": "PKCS#11 libraries are code", "-P": "tags select config blocks",
    },
    posix=True,
)  # fmt: skip


#: Program name (basename, version suffix removed) → its built-in rules.
BUILTINS: Mapping[str, Spec] = {
    "ls": LS,
    "cat": CAT,
    "head": HEAD,
    "tail": TAIL,
    "wc": WC,
    "grep": GREP,
    "egrep": GREP,
    "fgrep": GREP,
    "rg": RG,
    "sort": SORT,
    "diff": DIFF,
    "sed": SED,
    "awk": AWK,
    "gawk": AWK,
    "mawk": AWK,
    "tar": TAR,
    "python": PYTHON,
    "pip": PIP,
    "node": NODE,
    "npm": NPM,
    "npx": NPX,
    "make": MAKE,
    "pytest": PYTEST,
    "py.test": PYTEST,
    "cargo": CARGO,
    "go": GO,
    "curl": CURL,
    "git": GIT,
    "perl": PERL,
    "ruby": RUBY,
    "rsync": RSYNC,
    "ssh": SSH,
}

#: ``python -m MODULE`` modules with built-in rules of their own.
PYTHON_MODULES: Mapping[str, Spec] = {"pytest": PYTEST, "pip": PIP}

_VERSION = re.compile(r"[\d.]+$")


def builtin_for(name: str) -> tuple[str, Spec] | None:
    """The built-in rules for a program named ``name`` (python3.11 → python), if any."""
    base = name.rsplit("/", 1)[-1]
    if base in BUILTINS:
        return base, BUILTINS[base]
    trimmed = _VERSION.sub("", base)
    if trimmed in BUILTINS:
        return trimmed, BUILTINS[trimmed]
    return None


def with_flags(spec: Spec, extra: tuple[str, ...]) -> Spec:
    """``spec`` (and its subcommands') accepting ``extra`` options too: ``"--x"`` a flag,
    ``"--x="`` an option with a value. Named options are no longer refused."""
    if not extra:
        return spec
    valued = frozenset(e[:-1] for e in extra if e.endswith("="))
    flags = frozenset(e for e in extra if not e.endswith("="))
    subs = None
    if spec.subcommands is not None:
        subs = {k: with_flags(v, extra) for k, v in spec.subcommands.items()}
    return attrs.evolve(
        spec,
        flags=spec.flags | flags,
        valued=spec.valued | valued,
        denied={k: v for k, v in spec.denied.items() if k not in flags | valued},
        subcommands=subs,
    )


def check(name: str, spec: Spec, args: tuple[str, ...], mode: tuple[str, ...]) -> Checked:
    """Check ``args`` (argv[1:]) of program ``name`` under its built-in rules. ``mode`` is the
    rule's mode words (``("-m", "pytest")``, ``("install",)``): a mode the policy names
    explicitly is granted, and only what follows it is checked — by the mode's own rules when
    execgate has them, else not at all."""
    if name == "python":
        module = _python_module(args)
        if module is not None:
            before, mod, rest = module
            parse(attrs.evolve(PYTHON, denied={}, extra=None), before, name)
            sub = PYTHON_MODULES.get(mod)
            # the mode words after "-m MOD" (rule "python3 -m pip install" → ("install",))
            granted = tuple(mode[2:]) if tuple(mode[:2]) == ("-m", mod) else None
            if sub is None:
                if granted is not None:
                    return Checked(())
                raise ArgRefusal(
                    f"python: -m {mod} is refused: only modules with built-in rules "
                    f"({', '.join(sorted(PYTHON_MODULES))}) or a mode rule such as "
                    f'"python3 -m {mod}" may be run'
                )
            return check(f"python -m {mod}", sub, rest, granted or ())
    if mode and spec.subcommands is not None:
        sub = spec.subcommands.get(mode[0])
        if sub is None or sub.extra in READ_ONLY_SUBSETS:
            # the policy grants this subcommand explicitly: a mode the table lacks, or one
            # whose table is only its reading subset (`git stash` grants `git stash push`)
            return Checked(())
    if mode and spec.subcommands is None and not mode[0].startswith("-") and name != "python":
        return Checked(())  # `npx tsc`: the mode word is what the program runs
    if name == "tar" and args and not args[0].startswith("-"):
        args = _tar_old_style(spec, args)
    return parse(spec, args, name)


def _tar_old_style(spec: Spec, args: tuple[str, ...]) -> tuple[str, ...]:
    """``tar tfI A B`` as GNU tar reads it: each letter is an option, and each letter that
    takes a value takes the next word, in order (``-t -f A -I B``)."""
    rest = list(args[1:])
    out: list[str] = []
    for letter in args[0]:
        option = "-" + letter
        out.append(option)
        if option in spec.valued or option in spec.paths or option in spec.denied:
            if not rest:
                raise ArgRefusal(f"tar: {option} in {args[0][:20]!r} needs a value", arg=option)
            out.append(rest.pop(0))
    return (*out, *rest)


#: Subcommand tables that hold only a reading subset of what the subcommand does.
READ_ONLY_SUBSETS = frozenset(
    {
        "git-branch",
        "git-tag",
        "git-remote",
        "git-config",
        "git-stash",
        "git-symbolic-ref",
        "npm-version",
    }
)


def check_python_options(before: tuple[str, ...]) -> None:
    """Check python's own options before ``-m`` (raise :class:`ArgRefusal`)."""
    parse(attrs.evolve(PYTHON, denied={}, extra=None), before, "python")


def python_module(args: tuple[str, ...]) -> tuple[tuple[str, ...], str, tuple[str, ...]] | None:
    """(options before -m, module, the module's argv) when ``args`` (argv[1:]) run a module."""
    return _python_module(args)


def _python_module(args: tuple[str, ...]) -> tuple[tuple[str, ...], str, tuple[str, ...]] | None:
    """(options before -m, module, the module's argv) when ``args`` run a module."""
    for i, arg in enumerate(args):
        if not arg.startswith("-") or arg == "--":
            return None
        if arg == "-m" and i + 1 < len(args):
            return args[:i], args[i + 1], args[i + 2 :]
        if arg.startswith("-m") and len(arg) > 2 and not arg.startswith("--"):
            return args[:i], arg[2:], args[i + 1 :]
    return None
