"""sed scripts and awk programs, read for what they do beyond printing. Pure.

The readers return why a script is refused (it runs a command, writes or reads a file other
than its operands, or is beyond what this reader follows), or None. The files a sed script's
``r``/``R`` commands read are given by :func:`sed_script_files`, for the caller to confine as
it confines operands.
"""

from __future__ import annotations

import re

_SED_SIMPLE = set("=dDgGhHlnNpPqQxzF")  # no argument, or an optional number (l, q, Q)
_SED_LABEL = set("bTt:")
_SED_TEXT = set("aic")
_SED_REFUSED = {
    "e": "runs a command",
    "w": "writes a file",
    "W": "writes a file",
}
#: Commands that read the file named by the rest of their line (GNU sed: up to the newline,
#: ``;`` and ``}`` included).
_SED_READS = set("rR")


def sed_script_refusal(script: str) -> str | None:
    """Why a sed script is refused (commands that run programs or write files, or anything
    this reader cannot follow), or None. Reads GNU sed's syntax: addresses, ``!``, ``{}``
    blocks, ``s``/``y`` with any delimiter and escapes, ``a``/``i``/``c`` text, and ``r``/``R``
    FILE (see :func:`sed_script_files`)."""
    return _read_sed(script, [])


def sed_script_files(script: str) -> tuple[str, ...]:
    """The files a sed script's ``r``/``R`` commands read (``68r patch.py``), for the caller
    to confine; empty for a script :func:`sed_script_refusal` refuses."""
    files: list[str] = []
    return () if _read_sed(script, files) is not None else tuple(files)


def _read_sed(script: str, files: list[str]) -> str | None:
    i, n = 0, len(script)

    def skip_bracket(i: int, delim: str) -> int:
        # GNU sed ends a regex at its delimiter only outside a bracket expression, where a
        # backslash is itself; other seds end it at the delimiter wherever it is, so a
        # bracket holding the delimiter is refused rather than read one way
        start = i
        i += 1
        if i < n and script[i] == "^":
            i += 1
        if i < n and script[i] == "]":
            i += 1
        while i < n and script[i] != "]":
            if script[i] == delim or script[i] == "\n":
                raise ValueError(f"the delimiter {delim!r} inside the bracket expression")
            if script[i] == "[" and i + 1 < n and script[i + 1] in ":.=":
                close = script.find(script[i + 1] + "]", i + 2)
                if close < 0:
                    raise ValueError("an unterminated character class")
                if delim in script[i:close] or "\n" in script[i:close]:
                    raise ValueError(f"the delimiter {delim!r} inside the bracket expression")
                i = close + 2
                continue
            i += 1
        if i >= n:
            raise ValueError(f"an unterminated bracket expression at {start}")
        return i + 1

    def skip_regex(i: int, delim: str, brackets: bool = True) -> int:
        while i < n and script[i] != delim:
            if script[i] == "\\":
                i += 2
                continue
            if script[i] == "\n":
                raise ValueError("newline in a regular expression")
            if brackets and script[i] == "[":
                i = skip_bracket(i, delim)
                continue
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
            if cmd in _SED_READS:
                while i < n and script[i] in " \t":
                    i += 1
                end = script.find("\n", i)
                end = n if end < 0 else end
                if end == i:
                    return f"the sed command {cmd!r} names no file"
                files.append(script[i:end])
                i = end
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
                # y's two lists and s's replacement are no regular expressions: a [ is itself
                i = skip_regex(i + 1, delim, brackets=cmd == "s")
                i = skip_regex(i, delim, brackets=False)
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


_AWK_PRINT_REDIRECT = re.compile(r"\bprintf?\b[^;{}\n]*>")
#: Words after which awk reads ``/`` as the start of a regex literal, like an operator.
_AWK_KEYWORDS = frozenset(
    [
        "BEGIN",
        "END",
        "BEGINFILE",
        "ENDFILE",
        "case",
        "default",
        "delete",
        "do",
        "else",
        "exit",
        "for",
        "func",
        "function",
        "getline",
        "if",
        "in",
        "next",
        "nextfile",
        "print",
        "printf",
        "return",
        "switch",
        "while",
    ]
)


def _awk_code(program: str) -> str:
    """``program`` with its string literals as ``""``, its regex literals as ``//`` and its
    comments gone, read left to right as awk's lexer reads it: ``/`` starts a regex where an
    operand is expected and divides after one. Raises ValueError where awks disagree or the
    reading is unsure (a ``/`` after ``++``/``--``, a ``/`` inside a regex's brackets)."""
    out: list[str] = []
    i, n = 0, len(program)
    operand_before = False  # the last token ends an operand: a / divides
    unsure = False
    while i < n:
        c = program[i]
        if c == "#":
            while i < n and program[i] != "\n":
                i += 1
            continue
        if c == "\\" and i + 1 < n and program[i + 1] == "\n":
            i += 2  # a line continued
            continue
        if c in " \t\r":
            out.append(c)
            i += 1
            continue
        if c == '"':
            i += 1
            while i < n and program[i] != '"':
                if program[i] == "\n":
                    raise ValueError("an unterminated string")
                i += 2 if program[i] == "\\" else 1
            if i >= n:
                raise ValueError("an unterminated string")
            out.append('""')
            i += 1
            operand_before, unsure = True, False
            continue
        if c == "/" and unsure:
            raise ValueError("a / after ++, -- or getline, which awks read differently")
        if c == "/" and not operand_before:
            i += 1
            while i < n and program[i] != "/":
                if program[i] == "\n":
                    raise ValueError("an unterminated regular expression")
                if program[i] == "[":
                    i = _awk_bracket_end(program, i)
                    continue
                i += 2 if program[i] == "\\" else 1
            if i >= n:
                raise ValueError("an unterminated regular expression")
            out.append("//")
            i += 1
            operand_before = True
            continue
        if c.isalnum() or c == "_":
            j = i
            while j < n and (program[j].isalnum() or program[j] in "_."):
                j += 1
            word = program[i:j]
            out.append(word)
            i = j
            # after a plain `getline` (an operand) awks differ on whether `/` divides
            operand_before, unsure = word not in _AWK_KEYWORDS, word == "getline"
            continue
        if program.startswith(("++", "--"), i):
            out.append(program[i : i + 2])
            i += 2
            unsure = True  # x++ / 2 divides; ++ /re/ cannot be told apart
            continue
        out.append(c)
        i += 1
        operand_before, unsure = c in ")]", False
    return "".join(out)


def _awk_bracket_end(program: str, i: int) -> int:
    """Where the bracket expression at ``program[i]`` (a ``[`` in a regex literal) ends.
    Raises ValueError when it holds a ``/`` or a newline: awks differ on whether such a ``/``
    ends the regex, so such a program is refused rather than read one way."""
    n = len(program)
    i += 1
    if i < n and program[i] == "^":
        i += 1
    if i < n and program[i] == "]":
        i += 1
    while i < n and program[i] != "]":
        if program[i] in "/\n":
            raise ValueError("a / or newline inside a regex's brackets")
        if program[i] == "[" and i + 1 < n and program[i + 1] in ":.=":
            close = program.find(program[i + 1] + "]", i + 2)
            if close < 0 or "/" in program[i:close] or "\n" in program[i:close]:
                raise ValueError("a / or newline inside a regex's brackets")
            i = close + 2
            continue
        i += 1
    if i >= n:
        raise ValueError("an unterminated bracket expression")
    return i + 1


def awk_program_refusal(program: str) -> str | None:
    """Why an awk program is refused: it runs commands (``system()``, pipes, ``|&``), writes
    files (``print > file``), or reads other files (``getline < file``). Strings and regex
    literals are set aside first, so ``/a|b/`` and ``"x > y"`` are fine."""
    if "\r" in program:
        # mawk and gawk take backslash-CR-LF as a line continuation and CR as a blank: the
        # shapes below would not see `system \<CR><LF>(...)` as a call
        return "the awk program holds a carriage return, which awk reads otherwise than shown"
    try:
        text = _awk_code(program)
    except ValueError as exc:
        return f"the awk program cannot be read ({exc})"
    # a statement goes on past a newline after `,`, `&&`, `||`, `{`, `do` and `else`
    text = re.sub(r"(,|&&|\|\||\{|\bdo|\belse)[ \t]*\n", r"\1 ", text)
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
