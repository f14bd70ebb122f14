"""Lists, pipelines and redirections, parsed with a real bash grammar (tree-sitter-bash).

The accepted language is small and exact: simple commands joined by ``&&``, ``||``, ``;`` and
``|``, each with literal words (every word is decoded by the same strict tokenizer as a single
command line, so an expanding ``$``, backticks, braces and ``~`` are refused wherever they
appear; unquoted globs are expanded inside the workspace before the decision), plus file
redirections (``<``, ``>``, ``>>``, ``N>``, ``N>&M``) to literal paths, here-documents taken
literally, ``cd DIR`` before ``&&`` or ``;``, and ``NAME=value`` prefixes decided as
environment overrides. Expansions whose value is known before the line runs are made literal
words, as bash would make them (split and globbed unquoted, one piece quoted): a variable the
line assigned a literal (``X=lit; echo "$X"``; ``export X=lit`` is also a prefix of every
later command), ``$(pwd)`` and ``$(date +FORMAT)`` (marks the decision replaces, knowing the
command's directory and the time).
Everything else the grammar knows — other expansions and substitutions, subshells,
functions, control flow, ``&`` — and any parse error is refused, never approximated.

The Gatekeeper decides every command of a script on its own, then hands the Runner a
*canonical* script re-serialised from the parse with each program replaced by the absolute
path it was decided on, run by ``/bin/sh -c``: a path is never a shell builtin or function,
every word is quoted, so the shell executes exactly what was decided.

Why tree-sitter: it is what Codex uses for the same job, parses the full bash grammar (so a
construct we refuse is recognised as what it is, rather than mis-tokenised), and ships as
wheels with no toolchain at install time.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
import re
import shlex
from typing import Any

import attrs
import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from ._opener import OPENER, specs, uses_opener
from ._shell import ShellRefusal, Words, decode_argument, decode_word, split_words

_PARSER = Parser(Language(tree_sitter_bash.language()))

#: Limits on what one script may contain: parse time and decision time stay bounded.
MAX_COMMANDS = 32
MAX_DEPTH = 64

_CONNECTORS = {"&&", "||", ";", "|"}
_REDIRECT_OPS = {">", ">>", "<", ">&", "<&"}
_WORD_NODES = {"word", "raw_string", "string", "concatenation", "number"}


@attrs.frozen
class Redirect:
    fd: int
    op: str  # ">", ">>", "<", ">&", "<&", "<<"
    #: a path (for > >> <), a descriptor number (for >& <&), the literal body (for <<)
    target: str


@attrs.frozen
class Command:
    argv: tuple[str, ...]
    redirects: tuple[Redirect, ...] = ()
    #: For each word of argv, the glob pattern the shell would expand, or None (empty: none).
    globs: tuple[str | None, ...] = ()
    #: ``NAME=value`` prefixes: the command's own environment additions.
    assigns: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class Script:
    """Commands and the connectors between them: ``items`` alternates Command, str, Command…"""

    items: tuple[Command | str, ...]
    #: Variables the line assigns without exporting them: a program sees one only when the
    #: job's environment already holds it (the decision refuses that case).
    shell_variables: tuple[str, ...] = ()
    #: Every ``NAME=value`` statement of the line, exported or not, in order (for the Scanner:
    #: their values are words the shell makes).
    assignments: tuple[tuple[str, str], ...] = ()

    @property
    def commands(self) -> tuple[Command, ...]:
        return tuple(i for i in self.items if isinstance(i, Command))


def _refuse(what: str) -> ShellRefusal:
    return ShellRefusal("EG-SHELL-UNSUPPORTED", f"{what} is not accepted in a command line")


def _text(node: Node) -> str:
    """The node's text, sliced from the *original* line (the parser saw a sanitised copy)."""
    return _SOURCE.get()[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")


#: The original bytes of the line being parsed (a context variable: parsing is reentrant
#: across threads and tasks).
_SOURCE: contextvars.ContextVar[bytes] = contextvars.ContextVar("execgate_script_source")

#: tree-sitter-bash 0.25's scanner crashes (SIGSEGV, non-deterministically) on some non-ASCII
#: input such as "{" + U+108712 + "\b" (found by hypothesis). The parser therefore sees a
#: copy in which every byte outside printable ASCII (and tab) is replaced by "a": those bytes
#: are ordinary word characters to bash, as "a" is, so the structure is the same and every
#: byte offset is unchanged; words are then decoded from the original bytes.
_SANITISE = bytes(b if 0x20 <= b < 0x7F or b == 0x09 else 0x61 for b in range(256))
#: The same for here-documents, whose lines are kept apart.
_SANITISE_LINES = bytes(b if 0x20 <= b < 0x7F or b in (0x09, 0x0A) else 0x61 for b in range(256))


#: What ``$?`` (the previous command's exit status) stands for in a command's words: the
#: canonical script writes it back as "$?"; a command run alone has 0 there.
STATUS = "\ue000$?"  # U+E000 never comes from a request: the engine refuses it


def _word(node: Node) -> str:
    if node.type not in _WORD_NODES:
        raise _refuse(f"{node.type.replace('_', ' ')} ({_text(node)[:40]!r})")
    return decode_word(_text(node))


def _glob_words(node: Node) -> Words:
    if node.type == "string":
        text = _substituted_heredoc(node)
        if text is not None:
            return Words((text,), (None,))
    if node.type in _EXPANSION_NODES or _find_expansions(node):
        return _expanded_words(node)
    if node.type not in _WORD_NODES:
        raise _refuse(f"{node.type.replace('_', ' ')} ({_text(node)[:40]!r})")
    return decode_argument(_text(node))


#: The expansions a word may hold when the gate knows their value before the line runs:
#: ``$NAME`` and ``${NAME}`` of a variable the line assigned a literal, ``$(pwd)`` and
#: ``$(date +FORMAT)``.
_EXPANSION_NODES = {"simple_expansion", "expansion", "command_substitution"}
#: Characters bash splits an unquoted expansion's value on (the default IFS).
_IFS = re.compile(r"[ \t\n]+")
#: Characters of an unquoted expansion's value that stay a glob pattern, as bash globs them.
_GLOB_CHARS = frozenset("*?[]")
#: A name bash takes for a variable (an assignment, or ``$NAME``): ASCII only, which the
#: grammar, reading a copy with other bytes replaced, cannot tell apart.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Marks in a word for a value only the decision knows (see ``resolve_marks``): the directory a
#: command runs in, and the time. Private-use characters a request may never hold.
MARK_OPEN, MARK_CLOSE = "\ue001", "\ue002"
MARK = MARK_OPEN
RESERVED_CHARS = frozenset({STATUS[0], MARK_OPEN, MARK_CLOSE})
#: ``date`` options that change nothing but the zone: the gate formats in UTC for them.
_DATE_UTC = frozenset({"-u", "--utc", "--universal"})
#: Shell variables bash gives a meaning of its own (splitting, globbing, lookup, tracing,
#: locale): assigning one changes how the rest of the line is read or run.
SHELL_SPECIAL = frozenset(
    {
        "IFS", "PATH", "CDPATH", "HOME", "PWD", "OLDPWD", "GLOBIGNORE", "GLOBSORT", "ENV",
        "SHELLOPTS", "PS4", "POSIXLY_CORRECT", "LANG", "TIMEFORMAT", "FUNCNEST", "OPTIND",
        "OPTERR", "HISTFILE", "HISTCONTROL", "FIGNORE", "EXECIGNORE", "TMOUT", "TMPDIR",
        "MAIL", "MAILPATH", "MAILCHECK", "PROMPT_COMMAND", "PS0", "PS1", "PS2", "PS3",
        "SHELL", "UID", "EUID", "PPID", "RANDOM", "SRANDOM", "SECONDS", "LINENO",
        "HOSTNAME", "HOSTTYPE", "MACHTYPE", "OSTYPE", "GROUPS", "DIRSTACK", "COLUMNS", "LINES",
        "REPLY", "OPTARG", "EPOCHSECONDS", "EPOCHREALTIME",
    }
)  # fmt: skip


def _find_expansions(node: Node) -> list[Node]:
    """The expansion nodes in ``node``, outermost only, in order."""
    found: list[Node] = []
    for child in node.children:
        if child.type in _EXPANSION_NODES:
            found.append(child)
        elif child.type in ("string", "concatenation"):
            found.extend(_find_expansions(child))
    return found


def _inside_string(node: Node, top: Node) -> bool:
    at: Node | None = node.parent
    while at is not None and at != top:
        if at.type == "string":
            return True
        at = at.parent
    return top.type == "string" and node != top


def _expanded_words(node: Node) -> Words:
    """The words bash makes of a word holding known expansions: each is replaced by its value,
    quoted so that inside double quotes it stays one literal piece and unquoted it is split on
    blanks and globbed, as bash does, and the result is read as a word again."""
    expansions = [node] if node.type in _EXPANSION_NODES else _find_expansions(node)
    source = _SOURCE.get()
    out: list[bytes] = []
    at = node.start_byte
    unquoted = False
    for exp in expansions:
        quoted = _inside_string(exp, node)
        value = _expansion_value(exp, quoted)
        unquoted = unquoted or not quoted
        out.append(source[at : exp.start_byte])
        out.append(value.encode("utf-8", "surrogateescape"))
        at = exp.end_byte
    out.append(source[at : node.end_byte])
    text = b"".join(out).decode("utf-8", "surrogateescape")
    if unquoted:
        # bash expands braces before variables: `{a,b}$X` is a$X b$X, never read here
        bare = source[node.start_byte : node.end_byte]
        for exp in reversed(expansions):
            rel = exp.start_byte - node.start_byte, exp.end_byte - node.start_byte
            bare = bare[: rel[0]] + bare[rel[1] :]
        if b"{" in bare or b"}" in bare:
            raise _refuse(f"a brace next to an unquoted expansion ({_text(node)[:40]!r})")
    try:
        return split_words(text, check_reserved=False)
    except ShellRefusal as refusal:
        if refusal.reason == "the command line has no words":
            return Words((), ())  # an unquoted expansion of nothing is no word, as in bash
        raise


def _expansion_value(node: Node, quoted: bool) -> str:
    """The text standing for one expansion in a word: its value escaped for where it stands
    (inside double quotes, or unquoted: split on blanks, glob characters left active), or a
    mark the decision replaces (``$(pwd)``, ``$(date +FORMAT)``)."""
    kinds = [c.type for c in node.children]
    if node.type == "command_substitution":
        if kinds[0] != "$(" or kinds[-1] != ")" or len(kinds) != 3:
            raise _refuse(f"command substitution ({_text(node)[:40]!r})")
        return _marked(_substituted_command(node.children[1]), quoted)
    if kinds not in (["$", "variable_name"], ["${", "variable_name", "}"]):
        raise _refuse(f"{node.type.replace('_', ' ')} ({_text(node)[:40]!r})")
    name = _text(node.children[1])
    known = _VARIABLES.get(None) or {}
    if name not in known:
        raise _refuse(
            f"{node.type.replace('_', ' ')} of {name!r}, which this line does not assign a "
            "literal value before it,"
        )
    value = known[name]
    if quoted:
        return re.sub(r'([\\"$`])', r"\\\1", value)
    if "\\" in value:
        # a backslash in an unquoted expansion escapes a glob character for bash's matching
        raise _refuse(f"the unquoted expansion of {name!r}, whose value holds a backslash,")
    fields = [f for f in _IFS.split(value) if f]
    escaped = " ".join("".join(c if c in _GLOB_CHARS else "\\" + c for c in f) for f in fields)
    lead = " " if value[:1] in (" ", "\t", "\n") else ""
    trail = " " if value[-1:] in (" ", "\t", "\n") and fields else ""
    return lead + escaped + trail


def _substituted_command(node: Node) -> str:
    """The mark payload for the one command substitution the gate evaluates itself: ``P`` for
    ``pwd``; ``D`` (local time) or ``U`` (UTC) and the format for ``date [-u] +FORMAT``."""
    if node.type != "command":
        raise _refuse(f"command substitution ({_text(node)[:40]!r})")
    words: list[str] = []
    for child in node.children:
        if child.type == "command_name" and child.child_count == 1:
            words.append(_word(child.children[0]))
        elif child.type in _WORD_NODES:
            words.append(_word(child))
        else:
            raise _refuse(f"command substitution ({_text(node)[:40]!r})")
    if words == ["pwd"]:
        return "P"
    if words[:1] == ["date"] and len(words) in (2, 3) and words[-1].startswith("+"):
        options = words[1:-1]
        if all(o in _DATE_UTC for o in options):
            fmt = words[-1][1:]
            check_date_format(fmt)
            return ("U" if options else "D") + fmt
    raise _refuse(
        f"command substitution ({_text(node)[:40]!r}; only $(pwd) and $(date +FORMAT) are "
        "evaluated by the gate)"
    )


#: The ``date`` conversions the gate formats itself: numbers only (no names of days or months,
#: which follow the job's locale), each read the same by GNU date and the C library.
DATE_DIRECTIVES = frozenset("YyCmdeHIklMSsjuwUWVGgFTDRz%")


def check_date_format(fmt: str) -> None:
    """Refuse a ``date`` format the gate does not format exactly as ``date`` would."""
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%":
            d = fmt[i + 1 : i + 2]
            if d not in DATE_DIRECTIVES:
                raise _refuse(
                    f"the date format {fmt[:40]!r} (the gate formats only "
                    + " ".join(f"%{x}" for x in sorted(DATE_DIRECTIVES))
                    + ")"
                )
            i += 2
            continue
        if not (c.isascii() and c.isprintable()) or c in "'\"\\$`":
            raise _refuse(f"the date format {fmt[:40]!r} (plain ASCII text and %-conversions)")
        i += 1


_MARKED = re.compile(MARK_OPEN + "([PpDdUu])([^" + MARK_CLOSE + "]*)" + MARK_CLOSE)


def resolve_marks(
    word: str, cwd: str, now: float, zone: datetime.tzinfo | None = None, *, glob: bool = False
) -> str:
    """``word`` with each mark of ``$(pwd)`` (``cwd``) and ``$(date [-u] +FORMAT)`` (``now``
    formatted in ``zone``, the job's TZ, or the host's zone when None) replaced by its value, as
    command substitution leaves it (trailing newlines dropped). A value bash would split or
    glob, where the substitution was unquoted, refuses; ``glob``: ``word`` is a glob pattern,
    and the value is matched literally there."""

    def value(found: re.Match[str]) -> str:
        kind, payload = found[1], found[2]
        if kind in "Pp":
            text = cwd
        else:
            moment = datetime.datetime.fromtimestamp(now, datetime.UTC if kind in "Uu" else zone)
            if moment.tzinfo is None:
                moment = moment.astimezone()
            text = re.sub(
                r"%(.)",
                lambda d: str(int(now)) if d[1] == "s" else moment.strftime("%" + d[1]),
                payload,
            ).rstrip("\n")
        if kind.islower() and (not text or any(c in " \t\n*?[" for c in text)):
            raise _refuse(
                f"an unquoted $(...) whose output {text[:40]!r} bash would split or glob "
                "(put it in double quotes)"
            )
        return "".join(f"[{c}]" if c in "*?[]" else c for c in text) if glob else text

    return _MARKED.sub(value, word)


def _marked(payload: str, quoted: bool) -> str:
    # lower case: unquoted, so the decision refuses a value bash would split or glob
    kind = payload[0] if quoted else payload[0].lower()
    mark = MARK_OPEN + kind + payload[1:] + MARK_CLOSE
    return mark if quoted else f"'{mark}'"


#: The variables a line has assigned literal values so far, while it is parsed.
_VARIABLES: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("execgate_variables")


def _assignment(node: Node) -> tuple[str, str]:
    kinds = [c.type for c in node.children]
    if kinds[:2] != ["variable_name", "="] or len(kinds) > 3:
        raise _refuse(f"the assignment {_text(node)[:40]!r}")
    if not _NAME.fullmatch(_text(node.children[0])):
        # `é=1` is a command to bash, not an assignment
        raise _refuse(f"the assignment {_text(node)[:40]!r}")
    raw = _text(node.children[2]) if len(kinds) == 3 else ""
    if raw.startswith("~") or ":~" in raw:
        # bash expands a tilde after the = and after each : of an assignment (PATH=a:~/bin)
        raise _refuse(f"a ~ in the assignment {_text(node)[:40]!r} (bash expands it)")
    value = _word(node.children[2]) if len(kinds) == 3 else ""
    return _text(node.children[0]), value


def _command(node: Node, redirects: tuple[Redirect, ...] = ()) -> Command:
    words: list[str] = []
    globs: list[str | None] = []
    assigns: list[tuple[str, str]] = []
    for child in node.children:
        if words and _text(child) in ("$?", '"$?"'):
            words.append(STATUS)
            globs.append(None)
            continue
        if child.type == "command_name":
            if child.child_count != 1:
                raise _refuse("a computed command name")
            words.append(_word(child.children[0]))
            globs.append(None)
        elif child.type in _WORD_NODES or (words and child.type in _EXPANSION_NODES):
            made = _glob_words(child)
            words.extend(made.words)
            globs.extend(made.globs)
        elif child.type == "variable_assignment" and not words:
            assigns.append(_assignment(child))
        else:
            raise _refuse(child.type.replace("_", " "))
    if not words:
        raise ShellRefusal("EG-SHELL-PARSE", "a command with no words")
    return Command(tuple(words), redirects, tuple(globs) if any(globs) else (), tuple(assigns))


def _redirect(node: Node) -> Redirect:
    if node.type != "file_redirect":
        raise _refuse(node.type.replace("_", " "))
    fd: int | None = None
    op: str | None = None
    target: str | None = None
    for child in node.children:
        if child.type == "file_descriptor":
            # tree-sitter takes `-u2` in `echo -u2>&1` as a descriptor; int() also refuses
            # over 4300 digits. Only 0, 1 and 2 are accepted below anyway.
            digits = _text(child)
            if not (digits.isascii() and digits.isdigit() and len(digits) <= 4):
                raise _refuse(f"redirection {_text(node)[:40]!r}")
            fd = int(digits)
        elif child.type in _REDIRECT_OPS:
            op = child.type
        elif child.type in _WORD_NODES and target is None:
            target = _word(child)
        else:
            raise _refuse(f"redirection {_text(node)[:40]!r}")
    if op is None or target is None:
        raise _refuse(f"redirection {_text(node)[:40]!r}")
    if fd is None:
        fd = 0 if op in ("<", "<&") else 1
    if fd > 2:
        raise _refuse("a redirection of a descriptor other than 0, 1, 2")
    if op in (">&", "<&") and target not in ("0", "1", "2"):
        raise _refuse(f"duplicating onto {target!r} (only 0, 1, 2)")
    return Redirect(fd, op, target)


#: The here-document delimiters read the same by bash and the grammar: a plain word, or one
#: quoted whole ('EOF', "EOF", \EOF). Others (E'O'F) are refused in lists.
_SIMPLE_DELIMITER = re.compile(r"""^(?:'(\w+)'|"(\w+)"|\\(\w+)|(\w+))$""")


#: A backslash an unquoted here-document's body loses: before $ ` \ or a newline.
_BODY_ESCAPE = re.compile(r"\\[$`\\\n]")
_BODY_ESCAPE_BYTES = re.compile(rb"\\[$`\\\n]")


def _heredoc(node: Node, tail: list[Node] | None = None) -> tuple[Redirect, ...]:
    """A here-document as a ``<<`` redirect of fd 0 whose target is its literal body, plus
    any file redirections the grammar nests in it (``cat <<'EOF' > f.py``). ``tail``, when
    given, receives what the grammar also nests in it from the rest of the line
    (``cat <<'EOF' > f.py && python3 f.py``): connectors and the statements after them."""
    kinds = [c.type for c in node.children]
    if kinds[:2] not in (["<<", "heredoc_start"], ["<<-", "heredoc_start"]):
        raise _refuse(f"here-document {_text(node)[:40]!r}")
    strip_tabs = kinds[0] == "<<-"
    spelled = _text(node.children[1])
    match = _SIMPLE_DELIMITER.match(spelled)
    if match is None:
        raise _refuse(f"the here-document delimiter {spelled[:40]!r} (use a word, or 'WORD')")
    word = next(g for g in match.groups() if g is not None)
    quoted = match.group(4) is None
    body = ""
    nested: list[Redirect] = []
    ended = False
    for child in node.children[2:]:
        if child.type == "heredoc_body":
            if child.named_child_count and quoted:
                raise _refuse("a here-document the grammar reads differently")
            body = _text(child)
        elif child.type == "heredoc_end":
            ended = _text(child).lstrip("\t") == word
        elif child.type == "file_redirect" and not (tail or []):
            nested.append(_redirect(child))
        elif (
            tail is not None
            and child.type == "pipeline"
            and child.child_count == 2
            and child.children[0].type == "|"
        ):
            # `cat <<'EOF' | python3`: the grammar hangs `| python3` on the here-document
            tail.extend(child.children)
        elif tail is not None and (child.type in _TAIL_CONNECTORS or tail):
            tail.append(child)
        else:
            raise _refuse(f"{child.type.replace('_', ' ')} in a here-document")
    if not ended:
        raise _refuse("a here-document whose delimiter line never comes")
    lines = body.split("\n")
    if strip_tabs:
        lines = [ln.lstrip("\t") for ln in lines]
    if word in lines[:-1]:
        raise _refuse("a here-document the grammar reads differently from bash")
    text = "\n".join(lines)
    if not quoted and ("$" in text or "`" in text or _BODY_ESCAPE.search(text)):
        # bash expands $ and ` in the body and removes a backslash before $ ` \ or a
        # newline; any other backslash (`print("a\\n")`) stays, as here
        raise _refuse(
            "an unquoted here-document with $, ` or a backslash before $ ` \\ or a newline "
            "(quote the delimiter: <<'EOF')"
        )
    return (Redirect(0, "<<", text), *nested)


def _substituted_heredoc(node: Node) -> str | None:
    """The text of ``"$(cat <<'EOF' ... EOF)"`` -- a literal here-document read back by cat,
    used whole as one argument (the form agents commit with) -- or None for any other
    string. Command substitution drops the trailing newlines."""
    if [c.type for c in node.children] != ['"', "command_substitution", '"']:
        return None
    sub = node.children[1]
    if [c.type for c in sub.children] != ["$(", "redirected_statement", ")"]:
        return None
    stmt = sub.children[1]
    if [c.type for c in stmt.children] != ["command", "heredoc_redirect"]:
        return None
    command = stmt.children[0]
    if _text(command) != "cat":
        return None
    redirects = _heredoc(stmt.children[1])
    if len(redirects) != 1:
        return None
    return redirects[0].target.rstrip("\n")


def _redirects(nodes: list[Node], tail: list[Node] | None = None) -> tuple[Redirect, ...]:
    out: list[Redirect] = []
    for node in nodes:
        if node.type == "heredoc_redirect":
            out.extend(_heredoc(node, tail))
        else:
            out.append(_redirect(node))
    if sum(r.op == "<<" for r in out) > 1:
        raise _refuse("more than one here-document for one command")
    return tuple(out)


#: What may follow a here-document's opening line in the same line, nested by the grammar
#: inside the here-document: ``cat <<'EOF' > f.py && python3 f.py`` (bash's lists bind
#: these left to right, as the flat plan does).
_TAIL_CONNECTORS = {"&&", "||", "|"}


def _heredoc_tail(tail: list[Node], out: list[Command | str | _Assign], depth: int) -> None:
    """The connectors and statements that follow a here-document's opening line, after its
    command in ``out``. Another here-document among them is refused: which body is whose
    would rest on the grammar's nesting."""
    for i, node in enumerate(tail):
        if i % 2 == 0:
            if node.type not in _TAIL_CONNECTORS or i + 1 >= len(tail):
                raise _refuse(f"{node.type.replace('_', ' ')} in a here-document")
            out.append(node.type)
        else:
            if node.type in _TAIL_CONNECTORS or _find(node, "heredoc_redirect"):
                raise _refuse("a second here-document after a here-document's line")
            _statement(node, out, depth + 1)


@attrs.frozen
class _Assign:
    """``NAME=value`` or ``export NAME=value`` as a statement of its own (not a prefix)."""

    name: str
    value: str
    exported: bool


def _assign_statement(node: Node, out: list[Command | str | _Assign]) -> None:
    """A statement that assigns a literal: the value stands for ``$NAME`` in what follows, and
    an exported one is in the environment of every later command (decided as a prefix is)."""
    exported = node.type == "declaration_command"
    if exported:
        kinds = [c.type for c in node.children]
        if kinds != ["export", "variable_assignment"]:
            raise _refuse(f"the declaration {_text(node)[:40]!r}")
        node = node.children[1]
    parent = node.parent
    while parent is not None and parent.type == "declaration_command":
        parent = parent.parent
    if parent is not None and parent.type == "pipeline":
        raise _refuse(
            f"an assignment in a pipeline ({_text(node)[:40]!r}: it runs in a subshell and "
            "sets nothing for the line)"
        )
    name, value = _assignment(node)
    if name in SHELL_SPECIAL or name.startswith(("BASH", "LC_", "HIST", "COMP", "READLINE")):
        raise _refuse(f"assigning {name!r}, which the shell itself reads,")
    _VARIABLES.get()[name] = value
    out.append(_Assign(name, value, exported))


def _statement(node: Node, out: list[Command | str | _Assign], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", "the command line nests too deeply")
    kind = node.type
    if kind in ("variable_assignment", "declaration_command"):
        _assign_statement(node, out)
    elif kind == "command":
        out.append(_command(node))
    elif kind == "redirected_statement":
        body, *rest = node.children
        if body.type == "command" and rest and body.children:
            final = body.children[-1]
            if final.end_byte == rest[0].start_byte and _text(final).isdigit():
                # `cat 0<f`: bash reads 0 as the descriptor, the grammar as a word
                raise _refuse(f"a descriptor number glued to a redirection ({_text(node)[:40]!r})")
        tail: list[Node] = []
        redirects = _redirects(rest, tail)
        if tail and body.type not in ("command", "pipeline", "list"):
            raise _refuse(f"a here-document after a {body.type.replace('_', ' ')}")
        if body.type == "command":
            out.append(_command(body, redirects))
            _heredoc_tail(tail, out, depth)
        elif body.type in ("pipeline", "list"):
            # The grammar hangs `a | b > f` and `a && b 2>&1` on the whole pipeline or list;
            # the shell applies the redirection to the last simple command, `b`.
            _statement(body, out, depth + 1)
            last = out[-1]
            if not isinstance(last, Command):
                raise _refuse(f"a redirection of an assignment ({_text(node)[:40]!r})")
            out[-1] = attrs.evolve(last, redirects=last.redirects + redirects)
            _heredoc_tail(tail, out, depth)
        else:
            raise _refuse(f"a redirection of a {body.type.replace('_', ' ')}")
    elif kind in ("list", "pipeline"):
        for child in node.children:
            if child.type == "comment":
                continue  # `a && \<newline># why<newline>b`: bash reads `a && b`, as the plan does
            if child.type in _CONNECTORS:
                out.append(child.type)
            else:
                _statement(child, out, depth + 1)
    else:
        raise _refuse(kind.replace("_", " "))


#: The Scanner decodes a line's words (``_words``) just before the Gatekeeper decides it: the
#: same parse serves both. A Script is immutable; a refusal is not kept.
PARSE_CACHE = 64


@functools.lru_cache(maxsize=PARSE_CACHE)
def parse_script(line: str) -> Script:
    """The structure of ``line``, or :class:`ShellRefusal` (see the module docstring)."""
    if "\r" in line:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", "carriage returns are not accepted")
    source = line.encode("utf-8", "surrogateescape")
    _SOURCE.set(source)
    # newlines separate commands (as ';' does) and carry here-document bodies
    tree = _PARSER.parse(source.translate(_SANITISE_LINES))
    root = tree.root_node
    if root.has_error:
        raise ShellRefusal("EG-SHELL-PARSE", "the command line does not parse as bash")
    items: list[Command | str | _Assign] = []
    _VARIABLES.set({})
    for child in root.children:
        if child.type == ";":
            items.append(";")
        elif child.type == "comment":
            continue  # bash ignores it to the end of its line; so does the plan
        elif child.type in ("&", "|&", "&&", "||"):
            raise _refuse(f"{child.type!r}")
        else:
            if items and isinstance(items[-1], Command | _Assign):
                items.append(";")
            _statement(child, items, 0)
    while items and items[-1] == ";":
        items.pop()
    if not items:
        raise ShellRefusal("EG-SHELL-PARSE", "the command line has no commands")
    for i, item in enumerate(items):
        if (i % 2 == 0) != isinstance(item, Command | _Assign):
            raise ShellRefusal("EG-SHELL-PARSE", "the command line does not alternate commands")
    script = _without_assignments(items)
    if len(script.commands) > MAX_COMMANDS:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", f"more than {MAX_COMMANDS} commands")
    return script


def _without_assignments(items: list[Command | str | _Assign]) -> Script:
    """The line's commands and connectors once its assignment statements have been read: an
    assignment must be certain to run before what follows it (first, or after ``;``) and is
    then followed by ``;`` or ``&&`` (it succeeds); an exported one becomes a prefix of every
    later command, under that command's own prefixes."""
    out: list[Command | str] = []
    exported: dict[str, str] = {}
    shell_only: list[str] = []
    for i, item in enumerate(items):
        if isinstance(item, _Assign):
            before = items[i - 1] if i else None
            after = items[i + 1] if i + 1 < len(items) else None
            if before not in (None, ";") or after not in (None, ";", "&&"):
                raise _refuse(
                    f"an assignment that may not run, or whose failure decides what runs "
                    f"({item.name}=…; write it first, or after ';')"
                )
            if item.exported or item.name in exported:
                exported[item.name] = item.value  # an exported variable stays exported
            else:
                shell_only.append(item.name)
            continue
        if isinstance(item, str):
            if out and isinstance(out[-1], Command):
                out.append(item)
            continue
        if exported:
            own = {name for name, _ in item.assigns}
            inherited = tuple((n, v) for n, v in exported.items() if n not in own)
            item = attrs.evolve(item, assigns=inherited + item.assigns)
        out.append(item)
    while out and isinstance(out[-1], str):
        out.pop()
    if not out:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", "a line of only assignments runs nothing")
    assigned = tuple((a.name, a.value) for a in items if isinstance(a, _Assign))
    return Script(tuple(out), tuple(dict.fromkeys(shell_only)), assigned)


def _find(node: Node, kind: str) -> list[Node]:
    found, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.type == kind:
            found.append(n)
        stack.extend(n.children)
    return found


@attrs.frozen
class HereDoc:
    """A command whose stdin is a here-document: decide ``command``, feed it ``body``."""

    command: str
    body: bytes


def split_heredoc(line: str) -> HereDoc | None:
    """``cmd <<EOF ... EOF`` as (cmd, body), when the line is exactly one simple command with
    one here-document and nothing else; None when it is not that shape. The body is taken
    literally: a quoted delimiter means no expansion; with an unquoted one, a body with
    ``$``, backticks or backslashes (which the shell would expand) is refused."""
    source = line.encode("utf-8", "surrogateescape")
    head_end = source.find(b"\n")
    if head_end < 0:
        return None
    head = source[:head_end]
    # The grammar is asked only about the first line: it ends a body at the delimiter as
    # written (`E'O'F`), where bash ends it at the delimiter after quote removal (`EOF`). So
    # the first line is parsed with a stand-in body, and the real body is cut out below by
    # bash's rule.
    starts = _find(_PARSER.parse(head.translate(_SANITISE)).root_node, "heredoc_start")
    if len(starts) != 1:
        return None
    spelled = head[starts[0].start_byte : starts[0].end_byte]
    try:
        unquoted = decode_word(spelled.decode("utf-8", "surrogateescape"))
    except ShellRefusal:
        raise _refuse("a here-document delimiter with expansions") from None
    # the grammar ends a stand-in body at one spelling or the other, depending on the quotes
    for end_line in (unquoted.encode("utf-8", "surrogateescape"), spelled):
        probe = head + b"\n" + end_line + b"\n"
        _SOURCE.set(probe)
        root = _PARSER.parse(probe.translate(_SANITISE_LINES)).root_node
        if not root.has_error and root.named_child_count == 1:
            break
    else:
        return None
    stmt = root.named_children[0]
    if stmt.type != "redirected_statement" or stmt.named_child_count != 2:
        return None
    command, redirect = stmt.named_children
    if command.type != "command" or redirect.type != "heredoc_redirect":
        return None
    kinds = [c.type for c in redirect.children]
    if kinds not in (
        ["<<", "heredoc_start", "heredoc_body", "heredoc_end"],
        ["<<-", "heredoc_start", "heredoc_body", "heredoc_end"],
    ):
        return None  # other redirections too: a script, decided as one
    start = redirect.children[1]
    written = _text(start)
    quoted = any(q in written for q in "'\"\\")
    # The body ends at the first line equal to the delimiter *after quote removal*, as bash
    # reads it (`<<E'O'F` ends at `EOF`); the grammar's own idea of the end is not trusted.
    delimiter = decode_word(written).encode("utf-8", "surrogateescape")
    if not delimiter or b"\n" in delimiter:
        raise _refuse("a here-document delimiter that is empty or spans lines")
    first = head_end + 1
    if head[start.end_byte :].strip():
        raise _refuse("words after a here-document's delimiter")
    strip_tabs = redirect.children[0].type == "<<-"
    lines = source[first:].split(b"\n")
    for n, raw in enumerate(lines):
        if (raw.lstrip(b"\t") if strip_tabs else raw) == delimiter:
            body_lines, rest = lines[:n], lines[n + 1 :]
            break
    else:
        raise _refuse("a here-document whose delimiter line never comes")
    if any(r.strip() for r in rest):
        raise _refuse("a here-document followed by more commands")
    if strip_tabs:
        body_lines = [ln.lstrip(b"\t") for ln in body_lines]
    body = b"\n".join([*body_lines, b""]) if body_lines else b""
    if not quoted and (b"$" in body or b"`" in body or _BODY_ESCAPE_BYTES.search(body)):
        raise _refuse(
            "an unquoted here-document with $, ` or a backslash before $ ` \\ or a newline "
            "(quote the delimiter: <<'EOF')"
        )
    return HereDoc(_text(command), body)


def render(
    script: Script, plans: list[tuple[str, ...]], redirect_paths: list[list[str]], root: str
) -> str:
    """The canonical script: each command replaced by the argv it was decided to run,
    ``plans[i]`` (its program an absolute path), every word quoted. A command with a path
    redirection runs through the opener (see :mod:`._opener`), which opens each target,
    ``redirect_paths[i][j]``, beneath ``root``: the shell never opens one by name."""
    parts: list[str] = []
    bodies: list[str] = []
    ci = 0
    for item in script.items:
        if isinstance(item, str):
            parts.append(item)
            continue
        prefix = [f"{name}={shlex.quote(value)}" for name, value in item.assigns]
        program = ['"$?"' if w == STATUS else shlex.quote(w) for w in plans[ci]]
        opened = uses_opener(item.redirects)
        if opened:
            opener = [*OPENER, root, *specs(root, item.redirects, redirect_paths[ci]), "--"]
            program = [shlex.quote(w) for w in opener] + program
        words = prefix + program
        for r in item.redirects:
            if r.op == "<<":
                # a literal body under a quoted delimiter that no line of it equals
                delimiter = _fresh_delimiter(r.target)
                words.append(f"<<'{delimiter}'")
                body = r.target if not r.target or r.target.endswith("\n") else r.target + "\n"
                bodies.append(f"{body}{delimiter}\n")
            elif not opened:
                words.append(f"{r.fd}{r.op}{r.target}")  # a copy: no path is named
        parts.append(" ".join(words))
        ci += 1
    line = " ".join(parts)
    return line + "\n" + "".join(bodies) if bodies else line


def _fresh_delimiter(body: str) -> str:
    lines = set(body.split("\n"))
    n = 0
    while f"EXECGATE_EOF_{n}" in lines:
        n += 1
    return f"EXECGATE_EOF_{n}"


__all__: list[Any] = [
    "Command",
    "HereDoc",
    "Redirect",
    "Script",
    "parse_script",
    "render",
    "split_heredoc",
]
