"""Lists, pipelines and redirections, parsed with a real bash grammar (tree-sitter-bash).

The accepted language is small and exact: simple commands joined by ``&&``, ``||``, ``;`` and
``|``, each with literal words only (every word is decoded by the same strict tokenizer as a
single command line, so ``$``, backticks, globs, braces and ``~`` are refused wherever they
appear), plus file redirections (``<``, ``>``, ``>>``, ``N>``, ``N>&M``) to literal paths.
Everything else the grammar knows — substitutions, subshells, functions, control flow,
here-documents, ``VAR=value`` prefixes, ``&`` — and any parse error is refused, never
approximated.

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
import shlex
from typing import Any

import attrs
import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from ._shell import ShellRefusal, decode_word

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
    op: str  # ">", ">>", "<", ">&", "<&"
    target: str  # a path (for > >> <) or a descriptor number (for >& <&)


@attrs.frozen
class Command:
    argv: tuple[str, ...]
    redirects: tuple[Redirect, ...] = ()


@attrs.frozen
class Script:
    """Commands and the connectors between them: ``items`` alternates Command, str, Command…"""

    items: tuple[Command | str, ...]

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


def _word(node: Node) -> str:
    if node.type not in _WORD_NODES:
        raise _refuse(f"{node.type.replace('_', ' ')} ({_text(node)[:40]!r})")
    return decode_word(_text(node))


def _command(node: Node, redirects: tuple[Redirect, ...] = ()) -> Command:
    words: list[str] = []
    for child in node.children:
        if child.type == "command_name":
            if child.child_count != 1:
                raise _refuse("a computed command name")
            words.append(_word(child.children[0]))
        elif child.type in _WORD_NODES:
            words.append(_word(child))
        elif child.type == "variable_assignment":
            raise _refuse("a VAR=value prefix (use env_overrides)")
        else:
            raise _refuse(child.type.replace("_", " "))
    if not words:
        raise ShellRefusal("EG-SHELL-PARSE", "a command with no words")
    return Command(tuple(words), redirects)


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


def _statement(node: Node, out: list[Command | str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", "the command line nests too deeply")
    kind = node.type
    if kind == "command":
        out.append(_command(node))
    elif kind == "redirected_statement":
        body, *rest = node.children
        redirects = tuple(_redirect(r) for r in rest)
        if body.type == "command":
            out.append(_command(body, redirects))
        elif body.type == "pipeline":
            # The grammar hangs `a | b > f` on the pipeline; the shell applies it to `b`.
            _statement(body, out, depth + 1)
            last = out[-1]
            assert isinstance(last, Command)
            out[-1] = attrs.evolve(last, redirects=last.redirects + redirects)
        else:
            raise _refuse(f"a redirection of a {body.type.replace('_', ' ')}")
    elif kind in ("list", "pipeline"):
        for child in node.children:
            if child.type in _CONNECTORS:
                out.append(child.type)
            else:
                _statement(child, out, depth + 1)
    else:
        raise _refuse(kind.replace("_", " "))


def parse_script(line: str) -> Script:
    """The structure of ``line``, or :class:`ShellRefusal` (see the module docstring)."""
    if "\n" in line.rstrip("\n") or "\r" in line:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", "newlines separate commands; use ';' or '&&'")
    source = line.encode("utf-8", "surrogateescape")
    _SOURCE.set(source)
    tree = _PARSER.parse(source.translate(_SANITISE))
    root = tree.root_node
    if root.has_error:
        raise ShellRefusal("EG-SHELL-PARSE", "the command line does not parse as bash")
    items: list[Command | str] = []
    for child in root.children:
        if child.type == ";":
            items.append(";")
        elif child.type == "comment":
            raise _refuse("a comment")
        elif child.type in ("&", "|&", "&&", "||"):
            raise _refuse(f"{child.type!r}")
        else:
            if items and isinstance(items[-1], Command):
                items.append(";")
            _statement(child, items, 0)
    while items and items[-1] == ";":
        items.pop()
    if not items:
        raise ShellRefusal("EG-SHELL-PARSE", "the command line has no commands")
    for i, item in enumerate(items):
        if (i % 2 == 0) != isinstance(item, Command):
            raise ShellRefusal("EG-SHELL-PARSE", "the command line does not alternate commands")
    script = Script(tuple(items))
    if len(script.commands) > MAX_COMMANDS:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", f"more than {MAX_COMMANDS} commands")
    return script


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
    _SOURCE.set(source)
    root = _PARSER.parse(source.translate(_SANITISE_LINES)).root_node
    if root.has_error or root.named_child_count != 1:
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
        if kinds[:2] in (["<<", "heredoc_start"], ["<<-", "heredoc_start"]):
            raise _refuse("a here-document with other redirections or expansions")
        return None
    start, end = redirect.children[1], redirect.children[3]
    if source[stmt.end_byte :].strip():
        raise _refuse("a here-document followed by more commands")
    delimiter = _text(start)
    quoted = any(q in delimiter for q in "'\"\\")
    first = source.find(b"\n", start.end_byte) + 1
    if first == 0 or end.start_byte < first - 1:
        raise _refuse("a here-document without a body")
    if source[start.end_byte : first - 1].strip():
        raise _refuse("words after a here-document's delimiter")
    last = source.rindex(b"\n", 0, end.start_byte) + 1 if end.start_byte > first else first
    lines = source[first:last].split(b"\n")
    if redirect.children[0].type == "<<-":
        lines = [ln.lstrip(b"\t") for ln in lines]
    body = b"\n".join(lines)
    if not quoted and any(c in body for c in (b"$", b"`", b"\\")):
        raise _refuse("an unquoted here-document with $, ` or \\ (quote the delimiter: <<'EOF')")
    return HereDoc(_text(command), body)


def render(script: Script, programs: list[str], redirect_paths: list[list[str]]) -> str:
    """The canonical script: each command's program replaced by ``programs[i]``, each path
    redirection target by ``redirect_paths[i][j]``, every word quoted."""
    parts: list[str] = []
    ci = 0
    for item in script.items:
        if isinstance(item, str):
            parts.append(item)
            continue
        words = [shlex.quote(programs[ci]), *(shlex.quote(w) for w in item.argv[1:])]
        for j, r in enumerate(item.redirects):
            if r.op in (">&", "<&"):
                words.append(f"{r.fd}{r.op}{r.target}")
            else:
                words.append(f"{r.fd}{r.op} {shlex.quote(redirect_paths[ci][j])}")
        parts.append(" ".join(words))
        ci += 1
    return " ".join(parts)


__all__: list[Any] = [
    "Command",
    "HereDoc",
    "Redirect",
    "Script",
    "parse_script",
    "render",
    "split_heredoc",
]
