"""Every GTFOBins technique, run as data under a bare ``[[allow]] command = NAME``: none may
get through. ``tests/data/gtfobins.jsonl`` holds the unprivileged shell, command, file-read,
file-write and library-load snippets (and the code a binary inherits from an interpreter it
embeds) of every binary GTFOBins lists; see ``tests/data/README.md`` for its source.

A technique is one snippet; its lines that run the binary are decided by the real engine
under a policy that allows the binary and a few harmless helpers (echo, printf, cat). The
other lines are setup the attacker does some other way (writing a file into the workspace)
or input typed into the program. A technique gets through when every line that runs the
binary is allowed by the engine *and* the exec-option layer
(:func:`execgate.policy._exec_options.program_refusal`, called as the engine will call it)
has nothing against it.

Placeholders keep their meaning: ``/path/to/input-file`` and ``/path/to/output-file`` are the
arbitrary files a read or write aims at (outside the workspace); a temp file, script,
library or command the attacker prepares is a file in the workspace (``temp-file``), so path
confinement is not what stops a shell technique. A binary this machine lacks gets a stand-in
executable: these rows only decide, nothing runs."""

from __future__ import annotations

import collections
import json
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from execgate import ExecRequest, load_policy
from execgate.policy import Policy, evaluate
from execgate.policy._exec_options import program_refusal

DATA = Path(__file__).parents[1] / "data" / "gtfobins.jsonl"
HELPERS = ("echo", "printf", "cat")
_OPERATORS = frozenset({"|", "||", "&&", ";", "&", "(", ")", "|&", ";;", "\n"})
_REDIRECT = re.compile(r"^\d*(?:>|>>|<|<<|<<<|>&|<&|&>|&>>)$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Files an attacker prepares are in the workspace; the targets of a read or write are not.
_PREPARED = re.compile(r"/path/to/(?!input-|output-|ouput-|dir\b|input-dir|output-dir)")
# A shell technique that names a system file only needs some file, and /bin/sh is sh on
# PATH: the attacker writes the names path confinement does not see as paths outside.
_EXISTING = re.compile(r"(?<![\w/])/(?:etc/(hosts|passwd|profile|issue)|bin/(sh|bash))\b")


def _records() -> list[dict[str, str]]:
    lines = DATA.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines[1:]]


RECORDS = _records()


def _segments(line: str) -> Iterator[list[str]]:
    """The simple commands of one line, as words without redirections (a sketch of bash's
    reading, enough to find which words the binary is given)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    current: list[str] = []
    skip_next = False
    for token in lexer:
        if skip_next:
            skip_next = False
            continue
        if token in _OPERATORS:
            if current:
                yield current
            current = []
        elif _REDIRECT.match(token):
            skip_next = True
        else:
            current.append(token)
    if current:
        yield current


Run = tuple[tuple[str, ...], tuple[str, ...]]  # (argv[1:], names of VAR=value prefixes)


def _binary_lines(binary: str, code: str, function: str) -> list[tuple[str, list[Run]]]:
    """The lines of ``code`` that run ``binary``, each with every run's arguments and
    ``VAR=value`` prefix names."""
    out: list[tuple[str, list[Run]]] = []
    heredoc_end: str | None = None
    pending = ""
    for raw in code.splitlines():
        if heredoc_end is not None:
            if raw.strip() == heredoc_end:
                heredoc_end = None
            continue
        line = _PREPARED.sub("", raw)
        if function not in ("file-read", "file-write"):
            line = _EXISTING.sub(lambda m: m.group(1) or m.group(2), line)
        line = pending + line
        pending = ""
        found = re.search(r"<<-?\s*'?\"?(\w+)", line)
        if found:
            heredoc_end = found.group(1)
            line = line[: found.start()]
        try:
            segments = list(_segments(line))
        except ValueError:
            # a quote left open: the string goes on over the next line, as in bash, unless
            # this is not a command line at all (input typed into the program)
            pending = line + "\n" if line.split(" ", 1)[0] in (binary, "echo") else ""
            continue
        runs: list[Run] = []
        for words in segments:
            names: list[str] = []
            while words and _ASSIGNMENT.match(words[0]):
                names.append(words[0].split("=", 1)[0])
                words = words[1:]
            if words and os.path.basename(words[0]) == binary:
                runs.append((tuple(words[1:]), tuple(names)))
        if runs:
            out.append((line, runs))
    return out


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gtfobins-ws")


_STAND_INS = tempfile.mkdtemp(prefix="execgate-gtfobins-")


def _host_path() -> str:
    """This machine's PATH, after a directory of stand-ins for the binaries it lacks."""
    programs = {r["binary"] for r in RECORDS} | {r["code"].split(None, 1)[0] for r in RECORDS}
    for binary in programs:
        if "=" not in binary and "/" not in binary and shutil.which(binary) is None:
            exe = os.path.join(_STAND_INS, binary)
            with open(exe, "w") as f:
                f.write("#!/bin/sh\nexit 99\n")
            os.chmod(exe, 0o755)
    return f"{os.environ['PATH']}:{_STAND_INS}"


_PATH = _host_path()
_policies: dict[str, Policy] = {}


def _policy(binary: str, root: Path) -> Policy:
    if binary not in _policies:
        rules = "".join(f"[[allow]]\ncommand = {json.dumps(p)}\n" for p in (binary, *HELPERS))
        path = root.parent / f"gtfobins-{len(_policies)}.toml"
        path.write_text(
            f'version = 1\n[workspace]\nroot = "{root}"\n[env]\ninherit = ["PATH", "HOME"]\n'
            + rules
        )
        _policies[binary] = load_policy(path)
    return _policies[binary]


#: Pagers read their commands from /dev/tty, and a program starts its pager only when stdout
#: is a terminal: a job has no controlling terminal (setsid, no pty) and a captured stdout,
#: so a technique that types into a pager cannot be run through the gate.
_PAGERS = frozenset({"less", "more", "pg", "journalctl", "loginctl"})


#: Placeholders that stand for a value the attacker knows (another process's id, a
#: container's): written as a literal, as the attacker would, so that a technique is not
#: refused only because the gate refuses an unset variable (``gcore $PID``).
_KNOWN_VALUES = {"PID": "4242", "CONTAINER_ID": "c0ffee"}
_KNOWN = re.compile(r"\$\{?(" + "|".join(_KNOWN_VALUES) + r")\b\}?")


def decide(record: dict[str, str], root: Path) -> tuple[bool, bool, str]:
    """(gets through the engine, gets through the engine and the exec-option layer, why);
    a technique with no line that runs its binary, or one typed into a pager, raises
    ``LookupError``."""
    record = dict(record, code=_KNOWN.sub(lambda m: _KNOWN_VALUES[m.group(1)], record["code"]))
    binary = record["binary"]
    if record.get("from") in _PAGERS:
        raise LookupError("typed into a pager, which needs a terminal")
    if binary in _PAGERS and "\n" in record["code"]:
        raise LookupError("typed into a pager, which needs a terminal")
    lines = _binary_lines(binary, record["code"], record["function"])
    if not lines:
        # a few entries spell their program otherwise (hexdump's technique runs hd, octave's
        # runs octave-cli): the program is the snippet's first word
        first = record["code"].split(None, 1)[0]
        lines = [] if "=" in first else _binary_lines(first, record["code"], record["function"])
        binary = first
    if not lines:
        raise LookupError("no command line runs the binary")
    policy = _policy(binary, root)
    env = {"PATH": _PATH, "HOME": str(root)}
    engine_ok = True
    layer_ok = True
    why = ""
    for line, runs in lines:
        verdict = evaluate(policy, ExecRequest(command=line), env)
        if not verdict.decision.allowed:
            engine_ok = layer_ok = False
            why = f"{verdict.decision.code}: {verdict.decision.reason}"
            break
        found = shutil.which(binary, path=_PATH)
        real = os.path.basename(os.path.realpath(found)) if found else binary
        for args, names in runs:
            refusal = program_refusal(binary, real, args, names)
            if refusal is not None:
                layer_ok = False
                why = f"exec-option layer: {refusal}"
    return engine_ok, layer_ok, why


def _id(record: dict[str, str]) -> str:
    return f"{record['binary']}:{record['function']}:{record['code'][:50]}"


#: Techniques a bare rule grants on purpose, each with the reason; strict, so a change that
#: refuses one shows up here.
GRANTED = {
    ("go", "go run "): "go run FILE runs a workspace program, as python3 FILE does; go's "
    "built-in table grants it (a policy that must not run workspace code leaves go out)",
}


def _marks(record: dict[str, str]) -> list[pytest.MarkDecorator]:
    for (binary, shape), reason in GRANTED.items():
        if record["binary"] == binary and shape in record["code"]:
            return [pytest.mark.xfail(strict=True, reason=reason)]
    return []


@pytest.mark.parametrize("record", [pytest.param(r, id=_id(r), marks=_marks(r)) for r in RECORDS])
def test_no_gtfobins_technique_gets_through(record: dict[str, str], workspace: Path) -> None:
    try:
        _engine_ok, layer_ok, _why = decide(record, workspace)
    except LookupError:
        pytest.skip("not a command line that runs the binary, or typed into a pager")
    assert not layer_ok, f"{record['binary']} {record['function']} gets through:\n{record['code']}"


def test_the_data_is_gtfobins_and_says_so() -> None:
    header = json.loads(DATA.read_text("utf-8").splitlines()[0])
    assert header["source"].startswith("https://github.com/GTFOBins/")
    assert header["license"]
    binaries = {r["binary"] for r in RECORDS}
    assert len(binaries) > 400
    assert {"vim", "less", "tar", "zip", "find", "awk", "gdb", "rsync", "ssh"} <= binaries


def main() -> None:
    """Print, per function, how many techniques get through the engine alone and the
    engine with the exec-option layer (``python tests/unit/test_gtfobins.py``)."""
    root = Path(tempfile.mkdtemp(prefix="gtfobins-ws-"))
    total: collections.Counter[str] = collections.Counter()
    engine: collections.Counter[str] = collections.Counter()
    both: collections.Counter[str] = collections.Counter()
    skipped: collections.Counter[str] = collections.Counter()
    for record in RECORDS:
        function = record["function"]
        try:
            engine_ok, layer_ok, _ = decide(record, root)
        except LookupError:
            skipped[function] += 1
            continue
        total[function] += 1
        engine[function] += engine_ok
        both[function] += layer_ok
        if layer_ok and os.environ.get("GTFOBINS_LIST"):
            print("THROUGH", record["binary"], function, repr(record["code"]))
    print(f"{'function':14} {'decided':>8} {'engine':>8} {'+layer':>8} {'skipped':>8}")
    for function in sorted(total | skipped):
        print(
            f"{function:14} {total[function]:8} {engine[function]:8} "
            f"{both[function]:8} {skipped[function]:8}"
        )
    print(
        f"{'all':14} {sum(total.values()):8} {sum(engine.values()):8} "
        f"{sum(both.values()):8} {sum(skipped.values()):8}"
    )


if __name__ == "__main__":
    main()
