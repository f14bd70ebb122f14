"""A policy file's problems in its author's terms: the key path, the line and column, and
"did you mean" for a misspelt key or value. Pure: text and exceptions in, strings out.

A problem reads ``$.limits.timout: unknown key; did you mean 'timeout'? (at line 5,
column 1)``: the key path first (what a program or a test can match on), the place last, in
the words ``tomllib`` uses for its own syntax errors. cattrs' own wording (``extra fields
found``, ``not in literal typing.Literal[...]``) never reaches the user.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)

KeyPath = tuple[str | int, ...]


def render_path(path: KeyPath) -> str:
    """``("allow", 0, "command")`` -> ``$.allow[0].command``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, else the list of choices."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if choices:
        return "; expected one of " + ", ".join(repr(c) for c in choices)
    return ""


def file_keys(cls: type) -> list[str]:
    """The keys a policy table of type ``cls`` may hold (internal fields are not keys)."""
    return [f.name for f in attrs.fields(cls) if not f.metadata.get("internal")]


def _literal_values(type_: Any) -> tuple[Any, ...] | None:
    """The values of ``Literal[...]`` (or of an optional one), else None."""
    if typing.get_origin(type_) is typing.Literal:
        return typing.get_args(type_)
    args = [a for a in typing.get_args(type_) if a is not type(None)]
    if len(args) == 1 and typing.get_origin(args[0]) is typing.Literal:
        return typing.get_args(args[0])
    return None


def _leaf(exc: BaseException, type_: Any, value: Any) -> str:
    values = _literal_values(type_)
    if values is not None:
        shown = ", ".join(repr(v) for v in values)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [str(v) for v in values], n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"expected one of {shown}, got {value!r}{hint}"
    if isinstance(exc, KeyError):
        return "required key missing"
    # the model's own hooks and validators say what they expected and what they got
    if isinstance(exc, ValueError | TypeError) and str(exc):
        return str(exc)
    if isinstance(exc, AttributeError):
        return "expected a table"
    return f"invalid value {value!r}"


def _child(value: Any, key: str | int) -> Any:
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        return None


def structure_problems(
    exc: BaseException, value: Any, path: KeyPath = ()
) -> Iterator[tuple[KeyPath, str]]:
    """Each problem in a cattrs structuring error, with its key path. ``value`` is the
    document (or the part at ``path``), so a message can quote what was written."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            key: str | int = note.name if isinstance(note, AttributeValidationNote) else note.index
            sub_value = _child(value, key)
            if isinstance(sub, ClassValidationError | IterableValidationError):
                yield from structure_problems(sub, sub_value, (*path, key))
            elif isinstance(sub, ForbiddenExtraKeysError):
                yield from _extra_keys(sub, (*path, key))
            else:
                yield (*path, key), _leaf(sub, note.type, sub_value)
        for sub in without:
            yield from structure_problems(sub, value, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        yield from _extra_keys(exc, path)
    elif isinstance(exc, ValueError) and isinstance(value, dict):
        # an attrs validator of a table: "name: expected ..., got ..." belongs to that key
        name, sep, rest = str(exc).partition(": ")
        if sep and name in value:
            yield (*path, name), rest
        else:
            yield path, str(exc)
    else:
        yield path, _leaf(exc, None, value)


def _extra_keys(exc: ForbiddenExtraKeysError, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    keys = file_keys(exc.cl) if attrs.has(exc.cl) else []
    for extra in sorted(exc.extra_fields):
        yield (*path, extra), "unknown key" + did_you_mean(extra, keys)


def _tables_of(type_: Any) -> type | None:
    """The attrs class of ``tuple[Cls, ...]`` (an array of tables), else None."""
    if typing.get_origin(type_) is tuple:
        args = typing.get_args(type_)
        if args and attrs.has(args[0]):
            return typing.cast(type, args[0])
    return None


def shape_problems(value: Any, cls: type, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    """Sections that are not tables and arrays of tables that are not lists of tables, in
    ``value`` read as ``cls``: said in TOML's words before cattrs would take a string for a
    list of characters or fail inside its own machinery."""
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        if field.metadata.get("internal") or field.name not in value:
            continue
        sub, type_ = value[field.name], hints[field.name]
        here = (*path, field.name)
        if attrs.has(type_):
            if not isinstance(sub, dict):
                yield here, f"expected a table [{render_path(here)[2:]}], got {_kind(sub)}"
            else:
                yield from shape_problems(sub, type_, here)
        elif (item := _tables_of(type_)) is not None:
            name = render_path(here)[2:]
            if not isinstance(sub, list):
                yield here, f"expected an array of tables [[{name}]], got {_kind(sub)}"
                continue
            for i, entry in enumerate(sub):
                if not isinstance(entry, dict):
                    yield (*here, i), f"expected a table (a [[{name}]] section), got {_kind(entry)}"
                else:
                    yield from shape_problems(entry, item, (*here, i))


def _kind(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "an array", dict: "a table"}  # fmt: skip
    return f"{names.get(type(value), type(value).__name__)} {value!r}"[:80]


# --- where a key path is written in the TOML text -------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"\s*\[\[\s*({_DOTTED})\s*\]\]")
_TABLE_HEADER = re.compile(rf"\s*\[\s*({_DOTTED})\s*\]")
_KEY_LINE = re.compile(rf"(\s*)({_DOTTED})\s*=")
_KEY_PART = re.compile(_KEY)


def _parts(dotted: str) -> tuple[str, ...]:
    out = []
    for m in _KEY_PART.finditer(dotted):
        k = m.group(0)
        out.append(k[1:-1] if k[:1] in "\"'" else k)
    return tuple(out)


def _bracket_depth(line: str) -> int:
    """Net ``[``/``{`` minus ``]``/``}`` on ``line`` outside strings and comments."""
    depth, quote, i = 0, "", 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#":
            break
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return depth


class Locator:
    """Line and column (1-based) of each key and table header in a TOML text, found by a
    line scan that follows ``[table]`` and ``[[array]]`` headers. A key path not written
    as such (inside an inline table, an array's item) is placed at its nearest written
    ancestor."""

    def __init__(self, text: str) -> None:
        self._where: dict[KeyPath, tuple[int, int]] = {}
        #: the newest item index of each array of tables written so far
        self._items: dict[KeyPath, int] = {}
        table: KeyPath = ()
        depth = 0
        multiline = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if multiline:
                if line.count(multiline) % 2 == 1:
                    multiline = ""
                continue
            if depth > 0:
                depth += _bracket_depth(line)
                continue
            column = len(line) - len(line.lstrip()) + 1
            if m := _ARRAY_HEADER.match(line):
                name = _parts(m.group(1))
                # items are counted per parent: a nested [[a.b]] is in the newest item of a
                array = (*self._prefix(name[:-1]), name[-1])
                newest = self._newest(array)
                table = (*array, 0 if newest is None else newest + 1)
                self._items[array] = table[-1]  # type: ignore[assignment]
                self._where.setdefault(table, (number, column))
                self._where.setdefault(table[:-1], (number, column))
                continue
            if m := _TABLE_HEADER.match(line):
                table = self._prefix(_parts(m.group(1)))
                self._where.setdefault(table, (number, column))
                continue
            if m := _KEY_LINE.match(line):
                key = (*table, *_parts(m.group(2)))
                self._where.setdefault(key, (number, len(m.group(1)) + 1))
                rest = line[m.end() :]
                for quotes in ('"""', "'''"):
                    if rest.count(quotes) % 2 == 1:
                        multiline = quotes
                depth = max(0, _bracket_depth(rest))

    def _prefix(self, name: tuple[str, ...]) -> KeyPath:
        """``name`` with each array-of-tables part followed by its newest index."""
        out: list[str | int] = []
        for part in name:
            out.append(part)
            newest = self._newest((*out,))
            if newest is not None:
                out.append(newest)
        return tuple(out)

    def _newest(self, path: KeyPath) -> int | None:
        return self._items.get(path)

    def locate(self, path: KeyPath) -> tuple[int, int] | None:
        """Where ``path``, or its nearest ancestor written in the text, is; None if neither
        is (the problem concerns the document as a whole)."""
        for end in range(len(path), 0, -1):
            found = self._where.get(path[:end])
            if found is not None:
                return found
        return None


def located(path: KeyPath, message: str, locator: Locator | None) -> str:
    """One problem as shown: ``$.key.path: message (at line L, column C)``."""
    where = locator.locate(path) if locator is not None else None
    suffix = f" (at line {where[0]}, column {where[1]})" if where else ""
    return f"{render_path(path)}: {message}{suffix}"
