"""Lists, pipelines and redirections, parsed with a real bash grammar (tree-sitter-bash).

The accepted language is small and exact: simple commands joined by ``&&``, ``||``, ``;`` and
``|``, each with literal words (every word is decoded by the same strict tokenizer as a single
command line, so an expanding ``$``, backticks, braces and ``~`` are refused wherever they
appear; unquoted globs are expanded inside the workspace before the decision), plus file
redirections (``<``, ``>``, ``>>``, ``N>``, ``N>&M``) to literal paths, here-documents taken
literally, ``cd DIR`` before ``&&`` or ``;``, and ``NAME=value`` prefixes decided as
environment overrides.
Everything else the grammar knows — substitutions, subshells, functions, control flow, ``&``
— and any parse error is refused, never approximated.

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
import functools
import re
import shlex
from typing import Any

import attrs
import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from ._opener import OPENER, specs, uses_opener
from ._shell import ShellRefusal, Words, decode_argument, decode_word

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


def _glob_words(node: Node) -> Words:
    if node.type == "string":
        text = _substituted_heredoc(node)
        if text is not None:
            return Words((text,), (None,))
    if node.type not in _WORD_NODES:
        raise _refuse(f"{node.type.replace('_', ' ')} ({_text(node)[:40]!r})")
    return decode_argument(_text(node))


#: What ``$?`` (the previous command's exit status) stands for in a command's words: the
#: canonical script writes it back as "$?"; a command run alone has 0 there.
STATUS = "\ue000$?"  # U+E000 never comes from a request: the engine refuses it


def _assignment(node: Node) -> tuple[str, str]:
    kinds = [c.type for c in node.children]
    if kinds[:2] != ["variable_name", "="] or len(kinds) > 3:
        raise _refuse(f"the assignment {_text(node)[:40]!r}")
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
        elif child.type in _WORD_NODES:
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


def _heredoc_tail(tail: list[Node], out: list[Command | str], depth: int) -> None:
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


def _statement(node: Node, out: list[Command | str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ShellRefusal("EG-SHELL-UNSUPPORTED", "the command line nests too deeply")
    kind = node.type
    if kind == "command":
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
        if tail and body.type != "command":
            raise _refuse(f"a here-document after a {body.type.replace('_', ' ')}")
        if body.type == "command":
            out.append(_command(body, redirects))
            _heredoc_tail(tail, out, depth)
        elif body.type in ("pipeline", "list"):
            # The grammar hangs `a | b > f` and `a && b 2>&1` on the whole pipeline or list;
            # the shell applies the redirection to the last simple command, `b`.
            _statement(body, out, depth + 1)
            last = out[-1]
            assert isinstance(last, Command)
            out[-1] = attrs.evolve(last, redirects=last.redirects + redirects)
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
    items: list[Command | str] = []
    for child in root.children:
        if child.type == ";":
            items.append(";")
        elif child.type == "comment":
            continue  # bash ignores it to the end of its line; so does the plan
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
