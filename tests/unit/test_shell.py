"""The strict command-line tokenizer: exact words for simple commands, refusal otherwise."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from execgate.policy import ShellRefusal, split_command

ACCEPTED = [
    ("ls -la", ("ls", "-la")),
    ("echo 'a b'  c", ("echo", "a b", "c")),
    ('echo "a b" "" x', ("echo", "a b", "", "x")),
    (r"echo a\ b", ("echo", "a b")),
    ("echo 'it'\\''s'", ("echo", "it's")),
    ('grep "x\\"y" f', ("grep", 'x"y', "f")),
    ("echo '$HOME' '`id`' '*'", ("echo", "$HOME", "`id`", "*")),
    ("echo a=b", ("echo", "a=b")),
    ("git log --format=%H", ("git", "log", "--format=%H")),
    ("echo a#b", ("echo", "a#b")),
]

#: Brace expansion of literal items: the words bash makes.
BRACES = [
    ("mkdir -p d/{src,docs}", ("mkdir", "-p", "d/src", "d/docs")),
    ("echo x{1..3}y", ("echo", "x1y", "x2y", "x3y")),
    ("echo {3..1}", ("echo", "3", "2", "1")),
    ("echo a{b,c}d", ("echo", "abd", "acd")),
    ("echo {a,}", ("echo", "a")),
    ("echo ''{a,}", ("echo", "a", "")),
    ("echo {,.}", ("echo", ".")),
    ("echo {a,b}'x,y'", ("echo", "ax,y", "bx,y")),
    ("echo '{a,b}' {a\\,b} {a,b\\}", ("echo", "{a,b}", "{a,b}", "{a,b}")),
    ("echo {} {a} x{a}", ("echo", "{}", "{a}", "x{a}")),
]

#: A ``$`` that starts nothing (end of word, before ``|``, ``.``, ``/``, a closing quote...) is a
#: literal dollar sign to bash, as in the regular expressions agents grep with.
DOLLARS = [
    ('grep -E "\\.db$|\\.log$" f', ("grep", "-E", "\\.db$|\\.log$", "f")),
    ('grep -n "def foo$" f', ("grep", "-n", "def foo$", "f")),
    ("grep -n foo$ f", ("grep", "-n", "foo$", "f")),
    (
        'echo "$" a$ "a$/b" "a$.b" "a$\\.b" "a$ b" a$:b',
        ("echo", "$", "a$", "a$/b", "a$.b", "a$\\.b", "a$ b", "a$:b"),
    ),
]

REFUSED = [
    "ls; rm -rf /",
    "ls && rm x",
    "ls | sh",
    "cat < /etc/passwd",
    "echo x > f",
    "echo $(id)",
    "echo `id`",
    'echo "$(id)"',
    'echo "`id`"',
    "echo $HOME",
    "echo ${HOME}",
    "echo $'\\x41'",
    'echo $"x"',
    'echo "a$b" "a${b}"',
    'echo "a$@" a$-b "a$1" "a$?" "a$$" "a$!" "a$#" "a$*" a$[1]',
    "echo *",
    "ls ?",
    "ls [ab]",
    "echo {a,b}{c,d}",
    "echo {a,{b,c}}",
    "echo {a..c}",
    "echo {1..1000}",
    "echo src/{*.py,x}",
    "cat ~/.ssh/id_rsa",
    "FOO=bar ls",
    "(ls)",
    "ls &",
    "echo a\nrm x",
    "# comment",
    "if true",
    "! ls",
    "time ls",
    "echo 'unterminated",
    'echo "unterminated',
    "echo trailing\\",
    "ls <(id)",
    "",
    "   ",
]


@pytest.mark.parametrize(("line", "words"), ACCEPTED)
def test_accepted_lines_split_exactly_as_a_shell_would(line: str, words: tuple[str, ...]) -> None:
    assert split_command(line) == words
    assert tuple(shlex.split(line)) == words  # POSIX agrees where both apply


@pytest.mark.parametrize(("line", "words"), BRACES)
def test_brace_lists_make_the_words_bash_makes(line: str, words: tuple[str, ...]) -> None:
    assert split_command(line) == words
    # bash itself, printing each word it passes (NUL-separated)
    out = subprocess.run(
        ["bash", "-c", "printf '%s\\0' " + line.split(" ", 1)[1]],
        capture_output=True,
        check=True,
    ).stdout
    assert tuple(out.decode().split("\0")[:-1]) == words[1:]


@pytest.mark.parametrize(("line", "words"), DOLLARS)
def test_a_dollar_that_starts_nothing_is_the_literal_bash_passes(
    line: str, words: tuple[str, ...]
) -> None:
    assert split_command(line) == words
    out = subprocess.run(
        ["bash", "-c", "printf '%s\\0' " + line.split(" ", 1)[1]], capture_output=True, check=True
    ).stdout
    assert tuple(out.decode().split("\0")[:-1]) == words[1:]


def test_every_accepted_dollar_word_is_what_bash_makes() -> None:
    """Random words around ``$``: whenever the tokenizer accepts one, bash passes exactly its
    words (no variable, parameter or substitution was hiding in it)."""
    import random

    rng = random.Random(11)
    pieces = list("$a1_-@./|{}()[]\"'\\ :?#")
    checked = 0
    for _ in range(6000):
        word = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 7)))
        if "$" not in word:
            continue
        line = f"echo {word}"
        try:
            words = split_command(line)
        except ShellRefusal:
            continue
        out = subprocess.run(
            ["bash", "-c", f"printf '%s\\0' {word}"], capture_output=True, check=False
        )
        assert out.returncode == 0, (line, words, out.stderr)
        assert tuple(out.stdout.decode().split("\0")[:-1]) == words[1:], (line, out.stdout)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("line", REFUSED)
def test_anything_a_shell_would_interpret_is_refused(line: str) -> None:
    with pytest.raises(ShellRefusal) as exc:
        split_command(line)
    assert exc.value.code in ("EG-SHELL-UNSUPPORTED", "EG-SHELL-PARSE")


def test_random_lines_never_crash_and_never_accept_metacharacters() -> None:
    import random

    rng = random.Random(1234)
    alphabet = "ab -'\"\\$`;|&<>(){}[]*?~#=!\n\t"
    for _ in range(20000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        try:
            words = split_command(line)
        except ShellRefusal:
            continue
        # whatever is accepted is also what POSIX quote removal gives
        assert tuple(shlex.split(line)) == words, line


def test_every_accepted_brace_word_is_what_bash_makes() -> None:
    """Random words of braces, commas, dots, digits, quotes and escapes: whenever the
    tokenizer accepts one, its words are exactly the ones bash passes to a program."""
    import random

    rng = random.Random(7)
    pieces = ["a", "b", "1", "3", ",", ".", "..", "{", "}", "'", "\\", "x{", "}y", "''", "-", '"']
    checked = 0
    for _ in range(1500):
        word = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 9)))
        line = f"echo {word}"
        try:
            words = split_command(line)
        except ShellRefusal:
            continue
        out = subprocess.run(
            ["bash", "-c", f"printf '%s\\0' {word}"], capture_output=True, check=False
        )
        assert out.returncode == 0, (line, words, out.stderr)
        assert tuple(out.stdout.decode().split("\0")[:-1]) == words[1:], (line, out.stdout)
        checked += 1
    assert checked > 200
