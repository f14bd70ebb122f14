"""Command lines for the differential proof (``benchmarks/differential.py``): a seeded,
grammar-driven generator, seeds holding every reproducer shape of the shell findings (a ``+``
option ending the shell's option reading, a shell behind a wrapper, quoted and escaped
here-document delimiters, a shell inside a list), mutations of those seeds, and the policies
the lines are decided under.

The vocabulary is harmless on purpose: whatever the engine wrongly allows, a generated line can
only read, list and print, and write to files inside its throwaway workspace.

    python benchmarks/difflines.py [--seed S] [--n N]   # prints the cases as JSON lines
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
from collections.abc import Callable

_DEV_PATHS = (
    "python3", "pytest", "pip install", "git", "make", "npm", "node", "sed", "awk", "grep",
    "find", "tar", "curl", "ls", "cat",
)  # fmt: skip

#: The issue's policies (ro, dev), the embedded default (``None``: loaded in the workspace),
#: and one allowing every wrapper and both shells, so that wrapped shells are decided at all.
POLICIES: dict[str, str | None] = {
    "ro": """
version = 1
[shell]
write_redirects = false
[[allow]]
command = "ls"
paths = "workspace"
[[allow]]
command = "cat"
paths = "workspace"
[[allow]]
command = "bash"
paths = "workspace"
[[allow]]
command = "sh"
paths = "workspace"
[[allow]]
command = "echo"
[[allow]]
command = "env"
[[allow]]
command = "timeout"
""",
    "dev": """
version = 1
[shell]
write_redirects = true
"""
    + "".join(f'[[allow]]\ncommand = "{c}"\npaths = "workspace"\n' for c in _DEV_PATHS)
    + '[[allow]]\ncommand = "echo"\n[[allow]]\ncommand = "env"\n[[allow]]\ncommand = "timeout"\n',
    "default": None,
    "wrap": """
version = 1
[shell]
write_redirects = true
"""
    + "".join(
        f'[[allow]]\ncommand = "{c}"\npaths = "workspace"\n'
        for c in ("bash", "sh", "cat", "ls", "head", "wc", "grep")
    )
    + "".join(
        f'[[allow]]\ncommand = "{c}"\n'
        for c in ("echo", "true", "printf", "env", "timeout", "nice", "nohup", "stdbuf")
    ),
}

#: The policies generated lines are decided under.
GENERATED = ("ro", "dev", "default", "wrap")

# A shell with no built-in rules (``args = "any"``): the operator accepts any arguments, so
# what bash runs from its line was never decided -- the harness must say so.
POLICIES["loose"] = """
version = 1
[[allow]]
command = "bash"
args = "any"
[[allow]]
command = "echo"
"""

#: The workspace every line runs in: (relative path, content).
FIXTURE = (
    ("a.txt", "alpha\nbeta\n"),
    ("b.txt", "one two\n"),
    ("dir/c.txt", "gamma\n"),
    ("with space.txt", "spaced\n"),
    ("sub/.keep", ""),
)

FILES = ("a.txt", "b.txt", "dir/c.txt", "with space.txt", "missing.txt")
OUTSIDE = ("/etc/hostname", "../outside.txt", "/etc/passwd")
DIRS = (".", "dir", "sub")

#: Every reproducer shape of findings 1, 2 and 10 (policy ro unless named), as in the issue.
SEEDS: tuple[tuple[str, str], ...] = (
    ("ro", "bash +x -c 'cat /etc/hostname; id'"),
    ("ro", "sh +e -c 'cat /etc/shadow'"),
    ("ro", "bash +o posix -c id"),
    ("ro", "bash -l +x -c id"),
    ("ro", "timeout 5 bash +x -c id"),
    ("ro", "env bash +e -c id"),
    ("ro", "bash +O extglob -c id"),
    ("ro", "bash -c 'cat /etc/hostname'"),
    ("ro", "bash +x -c 'echo x > ../outside.txt'"),
    ("wrap", "nohup bash -c 'cat a.txt'"),
    ("wrap", "stdbuf -oL bash -c 'cat a.txt'"),
    ("ro", "echo x; bash -c 'cat a.txt'"),
    ("ro", "echo x; bash -c 'ls; cat a.txt'"),
    ("wrap", "echo x && sh -c 'cat a.txt | wc -l'"),
    ("ro", "cat <<E'O'F\nx\nEOF\ncat /etc/hostname\nE'O'F"),
    ("ro", "cat <<\\EOF\nx\nEOF"),
    ("wrap", "cat <<-EOF\n\tx\n\tEOF"),
    ("wrap", "stdbuf -oL /bin/sh -l -c 'cat a.txt'"),
    ("wrap", "echo x; bash -lc 'cat a.txt'"),
)

#: The same shapes as argv requests (a line with a newline cannot be sent as a command line).
ARGV_SEEDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ro", ("env", "bash", "-c", "cat <<E'O'F\nx\nEOF\ncat /etc/hostname\nE'O'F")),
    ("wrap", ("timeout", "5", "bash", "-c", "cat <<E'O'F\nx\nEOF\ncat /etc/hostname\nE'O'F")),
    ("wrap", ("nice", "bash", "-c", 'cat <<"EOF"\nx\nEOF\nid\n"EOF"')),
    ("wrap", ("nohup", "sh", "-c", "cat <<\\EOF\nx\nEOF")),
    ("wrap", ("stdbuf", "-oL", "bash", "-c", "cat <<-EOF\n\tx\n\tEOF\nid\nEOF")),
    ("ro", ("bash", "+x", "-c", "cat /etc/hostname; id")),
    ("ro", ("timeout", "5", "bash", "+x", "-c", "id")),
    ("ro", ("bash", "-c", "cat <<E'O'F\nx\nEOF\ncat /etc/hostname\nE'O'F")),
)

#: One request: (policy name, command line, argv); exactly one of the last two is set.
Case = tuple[str, str | None, tuple[str, ...] | None]

_WORDS = ("x", "hello", "a b", "-n", "--", "it's", 'say "hi"', "%s", "*", "#hash", "a\\b", "")
_SHELL_OPTIONS = (
    "+x", "-x", "+e", "-e", "+o posix", "-o posix", "-o errexit", "+o errexit", "+O extglob",
    "-O extglob", "-l", "--login", "--norc", "--noprofile", "-u", "+u", "-v", "-lc", "-cl",
    "--posix", "-i", "-s", "-r", "--rcfile a.txt", "-B", "+B",
)  # fmt: skip
_WRAPPERS = (
    "env", "env LANG=C", "env A=1 B=2", "env --", "timeout 5", "timeout -k 1 5", "timeout 5s",
    "nice", "nice -n 5", "nice -5", "nohup", "stdbuf -oL", "stdbuf -o0 -eL", "env -i",
    "timeout --foreground 5", "setsid",
)  # fmt: skip
_DELIMITERS = ("EOF", "'EOF'", '"EOF"', "\\EOF", "E'O'F", 'E"O"F', "E\\OF", "'E'OF", "END")


def _quote(rng: random.Random, word: str) -> str:
    """``word`` in one of the quoting styles a shell accepts for it."""
    style = rng.randrange(6)
    if style == 0 or not word:
        return shlex.quote(word)
    if style == 1 and not any(c in word for c in '"$`\\!'):
        return f'"{word}"'
    if style == 2 and word.isalnum():
        return word
    if style == 3:
        return "".join("\\" + c if not c.isalnum() else c for c in word)
    if style == 4 and len(word) > 1 and "'" not in word:
        return (
            f"'{word[:1]}'\"{word[1:]}\""
            if not any(c in word for c in '"$`\\!')
            else "'" + word + "'"
        )
    return shlex.quote(word)


class Generator:
    """Grammar-driven lines: ``line()`` draws one; nesting depth is bounded."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def file(self) -> str:
        r = self.rng
        pick = r.choice(OUTSIDE) if r.random() < 0.1 else r.choice(FILES)
        if r.random() < 0.08:
            pick = r.choice(("*.txt", "dir/*", "?.txt"))
            return pick if r.random() < 0.7 else shlex.quote(pick)
        return _quote(r, pick)

    def simple(self) -> str:
        r = self.rng
        kind = r.randrange(16)
        if kind == 0:
            return "echo " + " ".join(_quote(r, r.choice(_WORDS)) for _ in range(r.randrange(4)))
        if kind == 1:
            return "cat " + " ".join(self.file() for _ in range(1 + r.randrange(2)))
        if kind == 2:
            opts = r.choice(("", "-la ", "-1 ", "--color=never ", "-a -- "))
            return f"ls {opts}{_quote(r, r.choice(DIRS))}"
        if kind == 3:
            return f"head -n {r.randrange(1, 3)} {self.file()}"
        if kind == 4:
            return f"wc {r.choice(('-l', '-c', '--lines'))} {self.file()}"
        if kind == 5:
            return f"grep {r.choice(('-c', '-n', '--max-count=1', '-e'))} {_quote(r, 'a')} {self.file()}"
        if kind == 6:
            return r.choice(("true", "pwd", "id", "printf '%s\\n' x", "env"))
        if kind == 7:
            return f"sed -n 1p {self.file()}"
        if kind == 8:
            return f"awk {_quote(r, '{print NR}')} {self.file()}"
        if kind == 9:
            return f"find {r.choice(DIRS)} -name {shlex.quote('*.txt')}"
        if kind == 10:
            return r.choice(
                ("python3 -c 'print(1)'", "git status", "git --version", "tar --version")
            )
        if kind == 11:
            return f"{r.choice(_WRAPPERS)} {self.simple()}"
        if kind == 12:
            return f"{r.choice(('A=1', 'LANG=C', 'X=a'))} {self.simple()}"
        if kind == 13:
            return f"cd {r.choice(DIRS)} && {self.simple()}"
        if kind == 14:
            return f"tail -n 1 {self.file()}"
        return f"echo {_quote(r, r.choice(_WORDS))} --opt={_quote(r, r.choice(_WORDS))}"

    def redirected(self) -> str:
        r = self.rng
        cmd = self.simple()
        if r.random() < 0.3:
            target = r.choice(("out.txt", "/dev/null", "dir/out.txt", "a.txt", "../outside.txt"))
            op = r.choice((">", ">>", "2>", "2>>", "1>"))
            cmd += f" {op} {_quote(r, target)}"
        if r.random() < 0.1:
            cmd += r.choice((" 2>&1", " < a.txt", " <a.txt", " >/dev/null 2>&1"))
        return cmd

    def listed(self, depth: int) -> str:
        r = self.rng
        parts = [self.command(depth)]
        for _ in range(r.choice((0, 0, 1, 1, 2))):
            parts.append(r.choice((" && ", " || ", "; ", " | ", ";")))
            parts.append(self.command(depth))
        return "".join(parts)

    def shell(self, depth: int) -> str:
        return self.shell_argv(depth)[0]

    def shell_argv(self, depth: int) -> tuple[str, tuple[str, ...]]:
        """A shell running a line: as a command line and as the argv it means."""
        r = self.rng
        name = r.choice(("bash", "sh", "/bin/sh", "/bin/bash", "bash", "bash"))
        opts = [r.choice(_SHELL_OPTIONS) for _ in range(r.choice((0, 0, 1, 1, 2)))]
        inner = self.listed(depth + 1) if r.random() < 0.7 else self.heredoc()
        if any(o.endswith("c") and not o.startswith("--") for o in opts[-1:]):
            words = [*opts]
        else:
            pos = r.randrange(len(opts) + 1)
            words = [*opts[:pos], "-c", *opts[pos:]]
        tail = ["name"] if r.random() < 0.05 else []
        line = f"{name} {' '.join(words)} {_quote_line(r, inner)} {' '.join(tail)}".rstrip()
        argv = [name, *(w for o in words for w in o.split()), inner, *tail]
        if r.random() < 0.35:
            wrapper = r.choice(_WRAPPERS)
            line = f"{wrapper} {line}"
            argv = [*wrapper.split(), *argv]
        return line, tuple(argv)

    def heredoc(self) -> str:
        r = self.rng
        delim = r.choice(_DELIMITERS)
        bare = delim.replace("'", "").replace('"', "").replace("\\", "")
        dash = r.random() < 0.2
        tab = "\t" if dash else ""
        body = [r.choice(("x", "hello", "$HOME", "a\\b", "`id`"))]
        if r.random() < 0.5:  # a line that ends the body in one reading and not the other
            body += [r.choice((bare, delim, bare + " ", " " + bare, "EOF")), self.simple()]
        head = f"{r.choice(('cat', 'wc -l', 'grep x', 'head -n 1'))} <<{'-' if dash else ''}{delim}"
        return "\n".join([head, *(tab + b for b in body), tab + r.choice((bare, bare, delim))])

    def command(self, depth: int) -> str:
        r = self.rng
        if depth < 2 and r.random() < 0.2:
            return self.shell(depth)
        return self.redirected()

    def case(self) -> tuple[str | None, tuple[str, ...] | None]:
        """A command line, or an argv (always for a shell whose line has a newline)."""
        r = self.rng
        roll = r.random()
        if roll < 0.12:
            return self.heredoc(), None
        if roll < 0.45:
            line, argv = self.shell_argv(0)
            if "\n" in argv[-1] or r.random() < 0.3:
                return None, argv
            return line, None
        return self.listed(0), None


def _quote_line(rng: random.Random, line: str) -> str:
    """A line as the single word after ``-c``: single-quoted, double-quoted when nothing in it
    is special there, or escaped word by word."""
    if rng.random() < 0.25 and not any(c in line for c in '"$`\\!'):
        return f'"{line}"'
    if rng.random() < 0.1 and "\n" not in line:
        return "".join(c if c.isalnum() else "\\" + c for c in line)
    return shlex.quote(line)


def _mutators(gen: Generator) -> list[Callable[[str], str]]:
    r = gen.rng

    def swap_option(line: str) -> str:
        for opt in ("+x", "+e", "+o posix", "-l", "+O extglob"):
            if opt in line:
                return line.replace(opt, r.choice(_SHELL_OPTIONS), 1)
        return line

    def wrap(line: str) -> str:
        return f"{r.choice(_WRAPPERS)} {line}"

    def rewrap(line: str) -> str:
        for w in ("env ", "timeout 5 ", "nice ", "nohup ", "stdbuf -oL "):
            if line.startswith(w):
                return r.choice(_WRAPPERS) + " " + line[len(w) :]
        return line

    def in_list(line: str) -> str:
        return r.choice(("echo x; ", "true && ", "ls | ", "cat a.txt || ")) + line

    def nest(line: str) -> str:
        return f"{r.choice(('bash', 'sh'))} -c {shlex.quote(line)}"

    def delimiter(line: str) -> str:
        for d in ("E'O'F", "\\EOF", '"EOF"'):
            if d in line:
                return line.replace(d, r.choice(_DELIMITERS))
        return line

    def inner(line: str) -> str:
        for target in ("id", "cat /etc/hostname", "cat a.txt"):
            if target in line:
                return line.replace(target, gen.simple(), 1)
        return line

    def shell_name(line: str) -> str:
        for name in ("bash ", "sh "):
            if name in line:
                return line.replace(
                    name, r.choice(("bash ", "sh ", "/bin/sh ", "/usr/bin/bash ")), 1
                )
        return line

    return [swap_option, wrap, rewrap, in_list, nest, delimiter, inner, shell_name]


def _mutate_argv(gen: Generator, argv: tuple[str, ...]) -> tuple[str, ...]:
    """A wrapper changed, added or dropped, an option put before ``-c``, or the ``-c`` line
    mutated as a line."""
    r = gen.rng
    shell = next((i for i, w in enumerate(argv) if w.split("/")[-1] in ("bash", "sh")), None)
    if shell is None:
        return argv
    kind = r.randrange(4)
    if kind == 0:
        return (*r.choice(_WRAPPERS).split(), *argv[shell:])
    if kind == 1:
        return argv[shell:]
    if kind == 2:
        return (*argv[: shell + 1], *r.choice(_SHELL_OPTIONS).split(), *argv[shell + 1 :])
    line = argv[-1]
    for _ in range(1 + r.randrange(2)):
        line = r.choice(_mutators(gen))(line)
    return (*argv[:-1], line)


def generate(seed: int, n: int) -> list[Case]:
    """``n`` cases: the seeds first, then mutations of seeds and grammar lines in equal parts,
    each under a policy drawn from :data:`POLICIES`."""
    gen = Generator(seed)
    mutators = _mutators(gen)
    out: list[Case] = [(p, line, None) for p, line in SEEDS]
    out += [(p, None, argv) for p, argv in ARGV_SEEDS]
    out = out[:n]
    names = list(GENERATED)
    while len(out) < n:
        r = gen.rng
        policy = r.choice(names)
        if r.random() < 0.5:
            if r.random() < 0.3:
                seed_policy, argv = r.choice(ARGV_SEEDS)
                for _ in range(1 + r.randrange(2)):
                    argv = _mutate_argv(gen, argv)
                out.append((seed_policy if r.random() < 0.7 else policy, None, argv))
                continue
            seed_policy, line = r.choice(SEEDS)
            for _ in range(1 + r.randrange(3)):
                line = r.choice(mutators)(line)
            out.append((seed_policy if r.random() < 0.7 else policy, line, None))
        else:
            command, argv_ = gen.case()
            out.append((policy, command, argv_))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--n", type=int, default=50)
    args = ap.parse_args()
    for policy, command, argv in generate(args.seed, args.n):
        print(json.dumps({"policy": policy, "command": command, "argv": argv}))


if __name__ == "__main__":
    main()
