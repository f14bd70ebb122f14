"""The exec-option layer (``execgate.policy._exec_options``) and the validate warnings
(``execgate.policy._warnings``): each row tried the ways getopt and the program read it, the
ordinary uses that must still pass, and the warnings a policy file gets. Every GTFOBins
technique is run end to end in ``test_gtfobins.py``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from execgate.policy import load_policy
from execgate.policy._exec_options import (
    EXEC_OPTIONS,
    exec_env_refusal,
    exec_option_refusal,
    names_this_machine,
    program_refusal,
)
from execgate.policy._warnings import always_refused, unchecked_programs
from execgate.policy.programs import BUILTINS

REFUSED: list[tuple[str, tuple[str, ...]]] = [
    # the archiver's test command, every way zip reads it
    ("zip", ("x.zip", "a.txt", "-T", "-TT", "sh #")),
    ("zip", ("x.zip", "a.txt", "-T", "--unzip-command=sh #")),
    ("zip", ("x.zip", "a.txt", "-T", "--unzip-com", "sh #")),  # getopt_long abbreviation
    ("zip", ("-qT", "x.zip", "a.txt")),  # clustered
    ("zip", ("x.zip", "a.txt", "--test")),
    # an editor's ex commands, and the editor itself (it reads commands from stdin)
    ("vim", ("-c", ":!sh", "x")),
    ("vim", ("+:!sh", "x")),
    ("vim", ("x.txt",)),
    ("vim", ("-v",)),
    ("vim.basic", ("-es",)),
    ("nvim", ("--headless", "-c", "lua os.execute('sh')")),
    ("ed", ("-v",)),  # verbose, then reads commands from stdin
    ("less", ("+!sh", "x")),
    ("less", ("-o", "out", "x")),
    ("less", ("--log-file=out", "x")),
    ("less", ("--log-f=out", "x")),
    # interpreters by nature, the version-numbered names included
    ("lua5.4", ("-e", "os.execute('sh')")),
    ("php8.2", ("-r", "system('sh');")),
    ("tclsh8.6", ()),
    ("sqlite3", ("db", ".shell sh")),
    ("psql", ("-c", "\\! sh")),
    ("gdb", ("-nx", "-ex", "!sh", "-ex", "quit")),
    ("gdb", ("--batch", "-x", "cmds")),
    # command runners
    ("strace", ("-o", "/dev/null", "sh")),
    ("time", ("sh",)),
    ("taskset", ("1", "sh")),
    ("socat", ("-", "exec:sh")),
    ("ld-linux-x86-64.so.2", ("sh",)),
    # options that take a command, a library or a config
    ("tcpdump", ("-i", "lo", "-w", "x", "-W", "1", "-G", "1", "-z", "sh")),
    ("tcpdump", ("-ni", "lo", "-zsh")),  # joined value
    ("wget", ("--use-askpass=./x", "0")),
    ("wget", ("-e", "use_askpass=./x", "0")),
    ("aria2c", ("--on-download-error=./x", "http://x")),
    ("openssl", ("req", "-engine", "./lib.so")),
    ("openssl", ("req", "-engine=./lib.so")),
    ("ssh-keygen", ("-D", "./lib.so")),
    ("gcc", ("@opts",)),
    ("gcc", ("-wrapper", "sh,-s", "a.c")),
    ("gcc", ("-fplugin=./p.so", "a.c")),
    ("cc", ("-B./bin", "a.c")),
    ("as", ("@/etc/shadow",)),
    ("ssh", ("localhost", "sh")),
    ("ssh", ("me@127.0.0.1", "sh")),
    ("ssh", ("[::1]", "sh")),
    # every spelling the resolver accepts for a loopback or unspecified address
    *[
        ("ssh", (host, "id"))
        for host in (
            "0x7f.1",
            "0177.1",
            "127.1",
            "2130706433",
            "0x7f000001",
            "0",
            "0.0.0.0",
            "::ffff:127.0.0.1",
            "[::ffff:127.0.0.1]",
            "u@[::ffff:7f00:1]",
            "localhost.",
            "LOCALHOST",
            "ip6-loopback",
            "ip6-localhost",
            "app.localhost",
            "ssh://localhost",
            "ssh://u@127.0.0.1:2222",
            "[::1%lo]",
        )
    ],
    ("hg", ("--config", "alias.x=!sh", "x")),
    ("hg", ("--config=alias.x=!sh", "x")),
    ("rpm", ("--eval", "%(sh)")),
    ("rpmquery", ("-E", "%(sh)")),
    ("dd", ("if=/etc/shadow",)),
    ("dd", ("of=../../x",)),
    ("dd", ("if=~/.ssh/id_rsa",)),
    ("split", ("--filter=sh", "x")),
    ("yt-dlp", ("u", "--exec", "sh #")),
    ("fzf", ("--bind", "enter:execute(sh)")),
    ("xdg-user-dir", ("}; sh #",)),
    ("man", ("-P", "sh", "ls")),
    ("aws", ("ec2", "describe-instances", "--filter", "file:///etc/shadow")),
    ("ffmpeg", ("-f", "lavfi", "-i", "x", "-af", "ladspa=file=./lib.so", "o.wav")),
    ("nginx", ("-t", "-c", "x.conf")),
    ("certbot", ("certonly", "--pre-hook", "sh")),
    ("openvpn", ("--dev", "null", "--up", "sh")),
    ("tex", ("--shell-escape", "\\write18{sh}")),
    ("yarn", ("--cwd", ".", "x")),
    # subcommands that run a command line, wherever they stand
    ("uv", ("run", "sh")),
    ("uv", ("--python", "3.12", "run", "sh")),  # an option's value before the subcommand
    ("uv", ("-q", "tool", "run", "x")),
    ("uvx", ("x",)),
    ("poetry", ("run", "sh")),
    ("pipx", ("run", "x.py")),
    ("cabal", ("exec", "--", "sh")),
    ("man", ("./x.1",)),  # a local page: its .so reads any file
    ("man", ("5", "/tmp/x.5")),
    ("groff", ("-U", "s.ms")),  # .sy runs commands
    ("nroff", ("-man", "x.1")),  # .so reads any file even in safe mode
    ("troff", ("x.ms",)),
    ("flock", ("ok.py", "-c", "touch /tmp/x")),  # runners of a command line
    ("sg", ("root", "-c", "id")),
    ("su", ("-c", "id")),
    ("runuser", ("-u", "x", "--", "id")),
    ("chroot", (".", "sh")),
    ("setpriv", ("--reuid=1", "sh")),
    ("systemd-run", ("--user", "sh")),
    ("fakeroot", ("sh",)),
    ("apt-get", ("-o", "APT::Update::Pre-Invoke::=id", "update")),
    ("apt", ("install", "x")),
    ("dpkg", ("-i", "x.deb")),
    ("dpkg", ("--pre-invoke=id", "-l")),
    ("gpg", ("--photo-viewer", "id", "--list-options", "show-photos", "-k")),
    ("gpg", ("--homedir", "gh", "-k")),  # its gpg.conf can name a photo-viewer
    ("gpg", ("--list-keys",)),  # the user's keyring, outside the workspace
    ("gpg", ("--export-secret-keys", "--armor")),
    ("pygmentize", ("-x", "-l", "ok.py:X", "ok.py")),
    ("ip", ("netns", "exec", "x", "id")),
    ("ip", ("-batch", "cmds")),
    ("ip", ("-bat", "cmds")),
    ("hostname", ("-F", "/etc/shadow")),  # prints the file's first line
    ("hostname", ("pwned",)),  # renames the host
    ("xz", ("-c", "--files=list.txt")),  # file names from a list execgate does not read
    ("xz", ("-c", "--files0")),
    # compilers read what their input names (#include "/etc/shadow"): refused under a bare rule
    ("gcc", ("-DNDEBUG", "-O2", "-Wall", "-o", "a", "a.c")),
    ("cpp", ("-P", "inc.c")),
    ("as", ("inc.s", "-o", "inc.o")),
    ("ld", ("-T", "x.ld", "x.o")),
    ("nm", ("--plugin", "./evil.so", "x.o")),  # dlopen
    ("javac", ("X.java",)),  # annotation processors from the classpath
    ("keytool", ("-list", "-providerclass", "Evil")),
    ("jar", ("xf", "evil.jar")),
    ("tic", ("t.ti",)),
    ("dpkg-deb", ("-x", "x.deb", "out")),
    ("man", ("-M", "mm", "ls")),
    # getopt_long takes any unambiguous prefix, down to one letter
    ("split", ("--f=id", "ok.txt")),
    ("dpkg", ("--po=id", "-l")),
    ("man", ("--ht=id", "ls")),
    ("hostname", ("--b",)),
    ("date", ("--s", "@0")),
    ("zstd", ("-c", "--filelist=list.txt")),
    ("tree", ("-o", "listing.txt")),
    ("sha256sum", ("-c", "sums.txt")),
    ("md5sum", ("--check", "sums.txt")),
    ("b2sum", ("--che", "sums.txt")),
    ("tree", ("-aRH", ".", "src")),
]

ALLOWED: list[tuple[str, tuple[str, ...]]] = [
    ("tree", ("-a", "-L", "2", "src")),
    ("sha256sum", ("a.txt", "b.txt")),
    ("zip", ("-r", "out.zip", "src")),
    ("zip", ("-q", "-9", "out.zip", "a.txt")),
    ("nm", ("-DC", "a.o")),  # -D is not -B: the toolchain does not cluster
    ("objdump", ("-d", "a.o")),
    ("ssh", ("example.com", "uptime")),
    ("ssh", ("build@ci.internal", "ls")),
    ("dd", ("if=in.bin", "of=out.bin", "bs=1M")),
    ("wget", ("-q", "https://example.com/x.tar.gz")),
    ("openssl", ("sha256", "x")),
    ("openssl", ("rand", "-hex", "16")),
    ("tcpdump", ("-nn", "-i", "any", "-c", "10")),
    ("man", ("ls",)),
    ("man", ("5", "passwd")),
    ("ip", ("-br", "addr")),
    ("hostname", ()),
    ("xz", ("-c", "ok.py")),
    ("zstd", ("-d", "x.zst")),
    ("hostname", ("-I",)),
    ("ip", ("route",)),
    ("dpkg", ("-l",)),
    ("dpkg", ("-S", "/bin/ls")),
    ("pygmentize", ("-l", "python", "ok.py")),
    ("less", ("README.md",)),
    ("split", ("-l", "100", "big.txt", "part-")),
    ("scp", ("-o", "StrictHostKeyChecking=no", "a", "h:")),
    ("vim", ("--version",)),
    ("lua", ("--help",)),
    ("zip", ("--", "-T")),  # after --, a file named -T
    ("cowthink", ("moo",)),
    ("uv", ("sync",)),
    ("uv", ("pip", "install", "-e", ".")),
    ("uv", ("lock", "--upgrade")),
    ("poetry", ("install",)),
    ("cabal", ("build",)),
    ("somethingunknown", ("-c", "x")),  # not in the table: the layer has nothing to say
]


@pytest.mark.parametrize(("program", "args"), REFUSED, ids=[f"{p} {a}" for p, a in REFUSED])
def test_exec_capable_shapes_are_refused(program: str, args: tuple[str, ...]) -> None:
    why = exec_option_refusal(program, args)
    assert why is not None, f"{program} {args} passed"
    assert why.split()[0] in program  # the refusal names the program it read


@pytest.mark.parametrize(("program", "args"), ALLOWED, ids=[f"{p} {a}" for p, a in ALLOWED])
def test_ordinary_uses_pass(program: str, args: tuple[str, ...]) -> None:
    assert exec_option_refusal(program, args) is None


@pytest.mark.parametrize(
    ("name", "real", "args", "env", "refused"),
    [
        ("cargo", "rustup", ("build", "--release"), (), False),  # a link to a multi-call binary
        ("rustc", "rustup", ("--version",), (), False),
        ("rustup", "rustup", ("toolchain", "link", "x", "d"), (), True),
        ("ls", "busybox", ("-la",), (), False),
        ("busybox", "busybox", ("sh",), (), True),
        ("vi", "vim.basic", ("x.txt",), (), True),  # the real name finds the row
        ("ex", "vim.basic", (), (), True),
        ("view", "vim.basic", ("--version",), (), False),
        ("myzip", "zip", ("x.zip", "a", "-T", "-TT", "sh #"), (), True),  # a renamed copy
        ("zip", "zip", ("-r", "x.zip", "src"), (), False),
        ("restic", "restic", ("backup", "."), (), False),
        ("restic", "restic", ("backup", "."), ("RESTIC_PASSWORD_COMMAND",), True),
        ("make", "make", (), ("CFLAGS",), True),
        ("make", "make", (), ("CI",), False),
    ],
)
def test_program_refusal_reads_both_names(
    name: str, real: str, args: tuple[str, ...], env: tuple[str, ...], refused: bool
) -> None:
    assert (program_refusal(name, real, args, env) is not None) is refused


def test_the_table_only_fills_gaps_of_the_built_in_tables() -> None:
    # ssh's and scp's tables read their options; the rows add what they do not: a loopback
    # host. git's row covers what a mode rule (`git apply`) grants whole, beyond its table
    assert set(EXEC_OPTIONS) & set(BUILTINS) == {"ssh", "scp", "git"}


@pytest.mark.parametrize(
    ("program", "names"),
    [
        ("crash", ("CRASHPAGER",)),
        ("autoconf", ("AUTOM4TE",)),
        ("restic", ("RESTIC_PASSWORD_COMMAND",)),
        ("nroff", ("GROFF_BIN_PATH",)),
        ("facter", ("FACTERLIB",)),
        ("anything", ("SYSTEMD_PAGER",)),
        ("anything", ("GIT_SSH_COMMAND",)),
        ("anything", ("FOO_EDITOR",)),
        ("anything", ("SHELL",)),
        ("anything", ("ansible_ssh_opts",)),  # case is not a way around
        ("make", ("CFLAGS",)),  # -fplugin= loads a library into the compiler
        ("pytest", ("PYTEST_ADDOPTS",)),
    ],
)
def test_env_that_names_a_command_is_refused(program: str, names: tuple[str, ...]) -> None:
    assert exec_env_refusal(program, names) is not None


@pytest.mark.parametrize("name", ["CI", "NODE_ENV", "DEBUG", "FORCE_COLOR", "TZ", "LANG"])
def test_ordinary_env_passes(name: str) -> None:
    assert exec_env_refusal("pytest", (name,)) is None


def _policy(tmp_path: Path, rules: str) -> object:
    path = tmp_path / "p.toml"
    path.write_text(f'version = 1\n[workspace]\nroot = "{tmp_path}"\n{rules}')
    return load_policy(path)


def test_validate_warnings_name_programs_no_table_reads(tmp_path: Path) -> None:
    policy = _policy(
        tmp_path,
        '[[allow]]\ncommand = "shellcheck"\n'  # no table: warned
        '[[allow]]\ncommand = "shellcheck"\n'  # once
        '[[allow]]\ncommand = "grep"\n'  # built-in table
        '[[allow]]\ncommand = "wc"\n'
        '[[allow]]\ncommand = "cp"\n'  # plain: operands only
        '[[allow]]\ncommand = "sh"\n'  # shell reader
        '[[allow]]\ncommand = "env"\n'  # wrapper reader
        '[[allow]]\ncommand = "zip"\n'  # exec-option row
        '[[allow]]\ncommand = "lua"\n'  # row: always refused
        '[[allow]]\ncommand = "mypy"\nargs = "any"\n'  # opted out explicitly
        '[[allow]]\ncommand = "patch"\n'  # read by the engine before it runs
        '[[ask]]\ncommand = "/usr/local/bin/mytool"\n',
    )
    assert unchecked_programs(policy) == ["shellcheck", "mytool"]  # type: ignore[arg-type]
    assert always_refused(policy) == ["lua"]  # type: ignore[arg-type]


def test_templates_hold_no_rule_that_is_always_refused(tmp_path: Path) -> None:
    templates = Path(__file__).parents[2] / "execgate" / "policy" / "templates"
    for template in sorted(templates.glob("*.toml")):
        copy = tmp_path / template.name
        copy.write_text(template.read_text("utf-8"))
        assert always_refused(load_policy(copy)) == [], template.name
        assert unchecked_programs(load_policy(copy)) == [], template.name


@pytest.mark.parametrize(
    ("program", "args"),
    [
        ("ipython", ("-c", "import os")),
        ("pydoc3", ("evil",)),  # imports the workspace's evil.py
        ("pylint", ("--evaluation=__import__('os')", "m.py")),
        ("install", ("-s", "--strip-program=./x", "a", "b")),
        ("sdiff", ("--diff-program=./x", "a", "b")),
        ("pyenv", ("exec", "sh")),
        ("ctags", ("-R", ".")),  # .ctags.d options write anywhere
        ("ninja", ()),
        ("prlimit", ("sh",)),
        ("sensible-editor", ("x.txt",)),
        ("kill", ("-9", "1")),
        ("sysctl", ("-w", "kernel.x=1")),
        ("useradd", ("x",)),
        ("dotenv", ("run", "sh", "-c", "id")),
        ("rust-gdb", ("-batch", "-ex", "shell id")),
        ("rst2html", ("doc.rst",)),  # .. include:: /etc/shadow
        ("cfn-lint", ("-a", "rules", "t.yaml")),
        ("flask", ("--app", "evil", "routes")),
    ],
)
def test_more_programs_that_run_code(program: str, args: tuple[str, ...]) -> None:
    assert exec_option_refusal(program, args) is not None


def test_ssh_to_this_machine_by_its_own_name_or_address_is_refused() -> None:
    """The host's own name and interface addresses are read from the host (``_machine``)."""
    from execgate.policy._exec_options import program_refusal
    from execgate.policy._machine import this_machine

    local = this_machine()
    own = socket.gethostname()
    assert own.lower() in local
    assert program_refusal("ssh", "ssh", (own, "id"), (), local) is not None
    assert program_refusal("ssh", "ssh", (f"me@{own.upper()}.", "id"), (), local) is not None
    assert program_refusal("ssh", "ssh", ("example.com", "id"), (), local) is None


@pytest.mark.parametrize(
    ("word", "local"),
    [
        ("localhost:.ssh/id_rsa", True),
        ("root@127.0.0.1:x", True),
        ("[::1]:x", True),
        ("u@[::1]:x", True),
        ("scp://localhost/x", True),
        ("sftp://u@127.1:22/x", True),
        ("example.org:x", False),
        ("./localhost:x", False),  # a / before the colon: a local path
        (":localhost", False),
    ],
)
def test_scp_remote_paths_name_their_host(word: str, local: bool) -> None:
    assert names_this_machine(word) is local


@pytest.mark.parametrize(
    "name", ["OPENSSL_CONF", "OPENSSL_CONF_INCLUDE", "OPENSSL_ENGINES", "OPENSSL_MODULES"]
)
def test_libcrypto_configuration_is_code_for_every_program(name: str) -> None:
    # every program linking libcrypto reads them, and their init section loads libraries
    for program in ("openssl", "curl", "python3"):
        assert exec_env_refusal(program, (name,)) is not None
