"""Exec-capable options: which arguments turn an allowed program into a way to run commands,
load libraries, or read and write arbitrary files.

Owns two tables and the pure functions that read them: :data:`EXEC_OPTIONS` with
:func:`exec_option_refusal`, and :data:`EXEC_ENV` with :func:`exec_env_refusal`. They are the
deny layer for programs that have no built-in argument table in ``programs`` (and for the
gaps of those that do): a bare ``[[allow]] command = "zip"`` must not let
``zip x.zip a -T -TT 'sh #'`` through. The tables are data, one :class:`Exec` per program;
the readers live below them.

Rules, stated once:

* ``always``: the program runs code or shell commands by nature -- an interpreter, a REPL,
  an editor or debugger that reads commands from stdin (a job's stdin is the request's), a
  tool whose job is running a command line -- so no argument shape makes it safe. Only a
  lone ``--version`` or ``--help`` passes; a policy that means it says ``args = "any"``.
* ``options``: an option (``-T``, ``--to-command``, ``-o``) that takes or enables a command,
  a library, or a file the program reads or writes outside its normal operands. A long option
  is matched in every form getopt_long accepts (``--opt``, ``--opt=v``, an unambiguous
  abbreviation ``--to-com``); a short one also when clustered (``-xvT``) or joined to its value
  (``-ofile``). Option words are only read before a ``--`` that ends options.
* ``subcommands``: a subcommand that runs a command line (``uv run``, ``poetry run``): the
  command after it is not decided through the program, so the subcommand is refused. The
  word is refused wherever it stands, not only first: an option's value before it
  (``uv --python 3.12 run sh``) would otherwise hide it; a package named ``run`` is the
  price.
* ``operands``: an operand shape the program itself executes (``find ... -exec``,
  ``vim +cmd``, ``less +!cmd``, ``ssh host cmd``): a regular expression over each operand.
* ``EXEC_ENV``: environment variables, set by the request (``VAR=value prog``), that make a
  program run a command or load code: per program (``AUTOM4TE`` for autoconf,
  ``RESTIC_PASSWORD_COMMAND``), and by name shape for every program (``*PAGER``,
  ``*_COMMAND``, ``*_EDITOR``), read by :func:`exec_env_refusal`. The policy's env deny lists
  stay the first check; this fills what they do not name.

The functions never raise and do no I/O: ``program`` is a basename, ``args`` is argv[1:].
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Mapping

import attrs

__all__ = [
    "EXEC_ENV",
    "EXEC_OPTIONS",
    "MULTI_CALL",
    "Exec",
    "exec_env_refusal",
    "exec_option_refusal",
    "program_refusal",
]


@attrs.frozen
class Exec:
    """What makes one program exec-capable. ``why`` is said in the refusal."""

    why: str
    #: True: every invocation but a lone --version/--help is refused.
    always: bool = False
    #: Options that run, load, read or write (exact words: "-T", "--to-command").
    options: frozenset[str] = frozenset()
    #: Patterns over single operands (anchored at the start of the word).
    operands: tuple[str, ...] = ()
    #: Subcommands that run a command line (``uv run X``): refused wherever they stand.
    subcommands: frozenset[str] = frozenset()
    #: True: an operand that names this machine (``names_this_machine``) is refused.
    hosts: bool = False
    #: Short options cluster (``-vT`` holds ``-T``), as getopt reads them; False for programs
    #: that read each word as one option (gcc: ``-DNDEBUG`` is not ``-B``).
    clusters: bool = True
    #: What the shapes above cannot say, read by the program's own rules: the arguments
    #: (argv[1:]) in, a reason out (or None).
    reader: Callable[[tuple[str, ...]], str | None] | None = None
    #: Options whose value is a suffix the program appends to each input's name to name
    #: what it writes (``gzip -S SUF``): a ``/`` in it (``.x/../../out``) makes that path
    #: climb from the input's, where no check of the word alone can see it, so it is refused.
    suffixes: frozenset[str] = frozenset()


def _e(
    why: str,
    *options: str,
    operands: tuple[str, ...] = (),
    subcommands: str = "",
    clusters: bool = True,
    suffixes: str = "",
) -> Exec:
    return Exec(
        why=why,
        options=frozenset(options),
        operands=operands,
        subcommands=frozenset(subcommands.split()),
        clusters=clusters,
        suffixes=frozenset(suffixes.split()),
    )


def _always(why: str) -> Exec:
    return Exec(why=why, always=True)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SHELL = "is a shell: it runs the command lines it is given or reads"
_REPL = "runs code from its arguments or reads commands from stdin (with a shell escape)"
_TUI = "is an interactive program with a shell escape"
_RUNNER = "runs the command line its arguments name, which execgate cannot decide through it"
_PROJECT = "runs the commands its project or configuration files name"
_CONFIG = "reads a configuration or script file that can run commands"
_RESPONSE = "reads more options from a file (@file), which can hold any of them"

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_INET_ATON = re.compile(r"(?i)^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$")


def _scp_colon(word: str) -> int | None:
    """Where scp's ``colon()`` finds the colon ending a remote operand's host (``h:p``,
    ``[::1]:p``, ``u@[::1]:p``), or None for a local path (a ``/`` before any colon, or a
    leading colon)."""
    bracket = word.startswith("[")
    for i, c in enumerate(word):
        if c == "@" and word[i + 1 : i + 2] == "[":
            bracket = True
        if c == "]" and word[i + 1 : i + 2] == ":" and bracket:
            return i + 1
        if c == ":" and not bracket and i > 0:
            return i
        if c == "/" or (c == ":" and i == 0):
            return None
    return None


def names_this_machine(word: str, local: frozenset[str] = frozenset()) -> bool:
    """Whether ``word`` -- an ssh destination (``user@host``, ``[addr]``, ``ssh://`` URI) --
    names this machine: a loopback or unspecified address in any spelling the resolver
    accepts (``127.1``, ``0x7f.1``, ``0177.0.0.1``, ``2130706433``, ``::ffff:127.0.0.1``),
    ``localhost`` and its variants, or one of ``local`` (this host's names and addresses, see
    ``_machine``). Pure."""
    host = word
    scheme, sep, rest = host.partition("://")
    if sep and scheme.lower() in ("ssh", "scp", "sftp"):
        host = rest.split("/", 1)[0]
        if not host.startswith("[") and host.count(":") == 1:
            host = host.partition(":")[0]
    elif not sep and _scp_colon(host) is not None:
        # scp's HOST:PATH (and [ADDR]:PATH): the host is what comes before the colon
        host = host[: _scp_colon(host)]
    host = host.rpartition("@")[2]
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    host = host.split("%", 1)[0].rstrip(".").lower()
    if not host:
        return False
    if host in _LOCAL_NAMES or host.endswith(".localhost") or host in local:
        return True
    try:
        addr: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        if _INET_ATON.match(host) is None:
            return False
        try:
            addr = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback or addr.is_unspecified or str(addr) in local


#: openssl options that load a library or a configuration that can (its ``openssl_init``
#: section loads engines and providers by path), or choose among what those loaded.
_OPENSSL_LOADERS = frozenset({"-provider", "-provider-path", "-provparam", "-propquery", "-config"})
#: Subcommands that load a library by their nature: ``engine`` takes an engine id or path
#: (``engine -t ./x.so``, ``engine dynamic -pre SO_PATH:./x.so``), ``fipsinstall`` a module.
_OPENSSL_LOADING_COMMANDS = frozenset({"engine", "fipsinstall"})


def _openssl_refusal(args: tuple[str, ...]) -> str | None:
    """openssl: a word that names an engine anywhere (``engine``, ``-engine``,
    ``-ssl_client_engine``, ``-keygen_engine``, an ``org.openssl.engine:`` key URI), a
    provider, a config file, or a ``-*form`` whose value openssl reads as ENGINE (it looks at
    the first letter only: ``-keyform e``). Options are read as openssl's ``opt_next`` reads
    them: one or two dashes, ``-name value`` or ``-name=value``, exact names."""
    for i, arg in enumerate(args):
        if "engine" in arg.lower():
            return f"{arg[:40]!r} names an engine, a library openssl loads"
        if arg.lower() in _OPENSSL_LOADING_COMMANDS:
            return f"the {arg} command loads a library"
        if not arg.startswith("-") or arg == "--":
            continue
        name, eq, value = (arg[1:] if arg.startswith("--") else arg).partition("=")
        if name.lower() in _OPENSSL_LOADERS:
            return f"{name} loads a library or a configuration that can"
        if name.lower().endswith("form"):
            value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            if value[:1] in ("e", "E"):
                return f"{name} {value[:20]!r} reads the key through an engine"
    return None


#: ssh-keygen's options that take a value (its getopt string, OpenSSH 9).
_SSH_KEYGEN_VALUED = frozenset("CDEFIMNOPRVYZabfgmnrstwz")


def _ssh_keygen_refusal(args: tuple[str, ...]) -> str | None:
    """ssh-keygen without ``-f FILE`` works on the user's own files under ~/.ssh (a new
    id_*, ``-R``/``-H`` rewriting known_hosts, ``-p`` changing a key's passphrase), and
    ``-A`` writes host keys under /etc/ssh. Options read as its getopt reads them."""
    letters: set[str] = set()
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] not in ("-", "--"):
        word = args[i]
        i += 1
        for j, c in enumerate(word[1:], 1):
            letters.add(c)
            if c in _SSH_KEYGEN_VALUED:
                i += 0 if word[j + 1 :] else 1  # the value is the rest, or the next word
                break
    if "A" in letters:
        return "-A writes host keys under /etc/ssh"
    if "f" not in letters:
        return "without -f FILE works on the user's own files under ~/.ssh"
    return None


_RPM = _e(
    "expands macros, which run commands and Lua",
    "--eval",
    "-E",
    "--macros",
    "--load",
    "--define",
    "-D",
    "--rcfile",
    "--pipe",
    "--dbpath",
)

#: One row per program GTFOBins lists with a technique that a bare allow rule let through.
#: Programs with a built-in table in ``programs`` (git, tar, rsync, ssh, python, perl, ruby,
#: node, awk, find via its operands) are decided there; a row here only fills a gap.
EXEC_OPTIONS: Mapping[str, Exec] = {
    # --- host powers: as root, these change the machine, not the workspace ---------------
    "date": _e("sets the system clock", "-s", "--set"),
    # --- jq and its wrappers and clones (python-yq's yq, xq and tomlq run jq): modules and
    # -L search paths read JSON and jq files anywhere ----------------------------------------
    **{
        name: _e(
            "reads modules or data files outside its operands",
            "-L",
            "--library-path",
            "--rawfile",
            "--slurpfile",
            "--from-file",
            "-f",
            "--run-tests",
            operands=(r"(?s).*\b(?:import|include)\b",),
        )
        for name in _names("jq gojq jaq yq xq tomlq")
    },
    # --- shells and REPLs: code is what they take -------------------------------------
    **{
        name: _always(_SHELL)
        for name in _names(
            "ash csh tcsh elvish fish rc sash yash posh pwsh busybox ksh93 oksh loksh nu xonsh es"
        )
    },
    **{
        name: _always(_REPL)
        for name in _names(
            "R Rscript clisp dc ed red ex expect ghc ghci gnuplot guile irb pry byebug jjs "
            "jrunscript jshell java julia lua luajit texlua php slsh tclsh wish m4 mysql "
            "mariadb psql sqlite3 msfconsole cpan pdb dotnet bee knife debugfs asterisk "
            "bconsole ftp lftp ncftp psftp sftp smbclient telnet tasksh tdbtool scanmem jtag "
            "ginsh hping3 volatility opencode terraform crash pic socat at batch crontab "
            "capsh watch script screen tmux docker podman kubectl vagrant zypper forge "
            "ansible-playbook ansible-test ansible puppet mail perlbug run-mailcap run-parts "
            "runscript minicom rtorrent ldconfig zic gtester cobc wireshark tshark yelp "
            "sqlmap needrestart latexmk dosbox dnsmasq procmail acr apport-cli cpio bashbug "
            "dstat gimp octave octave-cli redis-cli exiftool"
        )
    },
    **{
        name: _always(_RUNNER)
        for name in _names(
            "aa-exec aoss choom chrt cpulimit distcc doas firejail grc ionice logsave "
            "multitime nsenter pexec rlwrap setarch setlock softlimit ssh-agent sshpass "
            "start-stop-daemon taskset time torify torsocks unshare valgrind xdotool "
            "pidstat tmate codex cdist genie task plymouth dhclient msgfilter "
            "flock sg su runuser chroot setpriv newgrp sudo pkexec systemd-run fakeroot "
            "prlimit dbus-run-session sotruss memusage runcon "
            "fakechroot faketime unbuffer chronic entr parallel proot firejail bwrap "
            "ld.so ld-linux.so ld-linux-x86-64.so ld-linux-aarch64.so ispell"
        )
    },
    **{
        name: _always(_TUI)
        for name in _names(
            "vi vim nvim rvim view rview vimdiff vim.basic vim.tiny vimtutor emacs nano pico "
            "joe ranger ncdu top htop iftop zathura mc editor sensible-editor select-editor "
            "sensible-pager sensible-browser pager www-browser x-www-browser"
        )
    },
    **{
        name: _always(_PROJECT)
        for name in _names(
            "bundle bundler composer yarn cmake rake easy_install gem autoconf "
            "autoheader autoreconf autom4te rustup fastfetch neofetch facter pandoc "
            "ninja meson scons bazel bazelisk buck buck2 just mage tox nox ctags etags "
            "universal-ctags exuberant-ctags"
        )
    },
    # --- TeX: --shell-escape runs commands; the document itself reads and writes files -----
    **{
        name: _always(
            "runs a TeX document, which reads and writes any file (and with "
            "shell escape runs commands)"
        )
        for name in _names(
            "tex latex pdflatex xelatex xetex pdftex lualatex luatex etex amstex dvips dvilualatex"
        )
    },
    # --- compilers and binutils: @file response files -------------------------------------
    **{
        name: _e(
            "can run another program (-wrapper, -B, a plugin) or read more options from an @file",
            "-wrapper",
            "-fplugin",
            "-B",
            "-specs",
            "--specs",
            "-fplugin-arg",
            "--plugin",  # binutils and ld dlopen it
            "-plugin",
            operands=(r"@",),
            clusters=False,
        )
        for name in _names(
            "as cc c89 c99 gcc g++ c++ clang clang++ cpp ld ld.bfd ld.gold readelf objdump "
            "objcopy nm strip size strings ar gfortran gccgo"
        )
    },
    # --- one option or operand shape each --------------------------------------------------
    "apache2": _e(_CONFIG + " or any file", "-C", "-c", "-f", "-d"),
    "apache2ctl": _e(_CONFIG + " or any file", "-C", "-c", "-f", "-d"),
    "aria2c": _e(
        "runs a command on a download event, or reads options from a file",
        "--on-download-error",
        "--on-download-complete",
        "--on-download-start",
        "--on-download-pause",
        "--on-download-stop",
        "--on-bt-download-complete",
        "--conf-path",
    ),
    "aws": _e(
        "reads a file named by a file:// parameter",
        operands=(r"(?i)fileb?://",),
    ),
    # package managers: installing runs the package's scripts (as root), and apt's -o sets
    # hooks such as APT::Update::Pre-Invoke
    **{
        name: _always("installs packages, whose scripts run, and takes options that run commands")
        for name in _names("apt apt-get aptitude")
    },
    "dpkg": _e(
        "installs or unpacks packages, whose scripts run, or runs hooks its options name",
        *_names(
            "-i --install --unpack --configure --triggers-only -r --remove -P --purge --root "
            "--instdir --admindir -x --extract -X --vextract -b --build --pre-invoke "
            "--post-invoke --status-logger --force-script-chrootless"
        ),
    ),
    **{
        # its keyring is the user's ~/.gnupg (`gpg --export-secret-keys` prints the private
        # keys), and a home directory in the workspace has a gpg.conf that names programs
        # it runs (photo-viewer, exec-path, agent-program)
        name: _always(
            "works on the keyring in your home directory and runs programs its gpg.conf names"
        )
        for name in _names("gpg gpg2")
    },
    "hostname": _e(
        "sets the host's name, or reads it from a file",
        *_names("-F --file -b --boot"),
        operands=(r"[^-]",),
    ),
    # compressors that take the names of the files to read from a list file (whose names
    # execgate does not read: one may point out of the workspace)
    **{
        name: _e(
            "reads the names of the files to compress from a list file, or writes names built "
            "from a suffix",
            "--files",
            "--files0",
            suffixes="-S --suffix",
        )
        for name in _names("xz unxz xzcat lzma unlzma lzcat")
    },
    # the output is INPUT + SUFFIX: `gzip -S .x/../../out ga` writes beside ga's parent
    **{
        name: _e("writes names built from a suffix", suffixes="-S --suffix")
        for name in _names("gzip gunzip zcat gzcat pigz unpigz lzop brotli")
    },
    **{
        name: _e("reads the names of the files to compress from a list file", "--filelist")
        for name in _names("zstd unzstd zstdcat zstdmt pzstd")
    },
    # JDK tools: -J passes options to the JVM (-javaagent), and each loads classes, providers,
    # annotation processors or doclets the workspace can hold
    **{
        name: _always("is a JDK tool that loads classes from the workspace and takes JVM options")
        for name in _names(
            "javac keytool jarsigner jdb jconsole jcmd jmap jstack jinfo javadoc javap jlink "
            "jpackage jdeps jar kotlinc kotlin scalac scala groovyc groovy"
        )
    },
    # compilers, assemblers and linkers read the files their input names (#include "/etc/x",
    # .incbin, a linker script's INPUT and OUTPUT): nothing in the arguments confines them
    **{
        name: _always("reads and writes files its input names (#include, .incbin, scripts)")
        for name in _names(
            "cpp gcc cc c++ g++ clang clang++ tcc as gas ld ld.bfd ld.gold ld.lld lld rustc "
            "gcc-12 gcc-13 gcc-14 g++-12 g++-13 g++-14 cpp-12 cpp-13 cpp-14 x86_64-linux-gnu-gcc "
            "c89 c99 gfortran gccgo"
        )
    },
    "tic": _always("writes the terminal database, a directory no argument names"),
    "pylint": _always(
        "runs Python code its options and configuration name (init-hook, evaluation, plugins, "
        "output formats by class)"
    ),
    **{
        name: _always(_REPL)
        for name in _names(
            "ipython ipython3 jupyter jupyter-console jupyter-notebook jupyter-lab bpython "
            "ptpython pydoc pydoc3 pydoc3.10 pydoc3.11 pydoc3.12 pydoc3.13"
        )
    },
    "install": _e("runs the program --strip-program names", "--strip-program"),
    "dotenv": _e(_RUNNER, subcommands="run"),
    # tools that import the workspace's Python by name, or read the files a document names
    **{
        name: _always("imports or reads code and files its input names (modules, rules, includes)")
        for name in _names(
            "flask hypothesis pygrun cfn-lint rst2html rst2html.py rst2html5 rst2html5.py "
            "rst2latex rst2latex.py rst2man rst2man.py rst2odt rst2pdf rst2xml rst2xml.py "
            "docutils isympy"
        )
    },
    **{
        name: _e("runs the program --diff-program names", "--diff-program")
        for name in _names("sdiff diff3")
    },
    "pyenv": _e(_RUNNER, subcommands="exec"),
    # powers over the host, not the workspace: other processes, users, the kernel, mounts,
    # the clock, services
    **{
        name: _always(
            "acts on the host beyond the workspace (other processes, users, the kernel, mounts, "
            "the clock or services)"
        )
        for name in _names(
            "kill pkill killall killall5 skill snice useradd userdel usermod groupadd groupdel "
            "groupmod adduser deluser passwd chpasswd chsh chfn chage sysctl mount umount swapon "
            "swapoff hwclock shutdown reboot poweroff halt systemctl service modprobe insmod "
            "rmmod losetup mkfs fdisk parted"
        )
    },
    # debuggers, tracers and dumpers attach to other processes (ptrace, perf events, /proc):
    # they read or change another process's memory, registers, open files and secrets
    # (`gcore PID` writes its memory to a file), and most also run the program they are given
    **{
        name: _always(
            "attaches to other processes: reads or changes their memory, registers or open "
            "files (and runs the program it is given)"
        )
        for name in _names(
            "gcore gdb gdbserver gdb-multiarch cgdb rust-gdb rust-lldb lldb lldb-server "
            "lldb-vscode lldb-dap strace ltrace perf pstack gstack eu-stack pmap lsof py-spy "
            "pyrasite rbspy reptyr criu bpftrace bpftool stap staprun sysdig uftrace frida "
            "frida-trace rr memray austin trace-cmd dtrace ply procdump jhsdb "
            "jattach dotnet-dump dotnet-trace dotnet-gcdump dotnet-counters"
        )
    },
    **{
        name: _e("runs the Python interpreter its option names", "--python-executable")
        for name in _names("mypy dmypy")
    },
    "dpkg-deb": _e(
        "extracts a package's files, which execgate does not read first",
        *_names("-x --extract -X --vextract -R --raw-extract --ctrl-tarfile --fsys-tarfile"),
    ),
    "pygmentize": _e("loads a lexer or formatter from a Python file (-x)", "-x"),
    "ip": _e(
        "runs a command in a namespace (netns exec, vrf exec) or commands from a file (-batch)",
        # ip takes any prefix of -batch (and -br is -brief): whole words only
        operands=(r"--?b(?:a(?:t(?:c(?:h)?)?)?)?$",),
        subcommands="exec",
        clusters=False,
    ),
    "busctl": _e("connects with a bus address that can run a program", "--address"),
    "check_cups": _e(_RESPONSE, "--extra-opts"),
    "check_memory": _e(_RESPONSE, "--extra-opts"),
    "check_raid": _e(_RESPONSE, "--extra-opts"),
    "check_ssl_cert": _e(
        "runs the program named by its option",
        "--grep-bin",
        "--openssl",
        "--file-bin",
        "--curl-bin",
        "--inetproto-bin",
    ),
    "cowsay": _e("loads a cow file, which is Perl code", "-f"),
    "cowthink": _e("loads a cow file, which is Perl code", "-f"),
    "csplit": _e(
        "writes files named by its prefix and suffix options",
        "-b",
        "--suffix-format",
        "-f",
        "--prefix",
    ),
    "dd": _e(
        "reads and writes the files its operands name", operands=(r"(?:if|of)=(?:/|~|.*\.\.)",)
    ),
    "ffmpeg": _e(
        "loads a plugin library (ladspa, frei0r, lv2) or reads any URL",
        operands=(r".*\b(?:ladspa|frei0r|lv2|lensfun)\b", r"(?i).*\bfile:"),
    ),
    "ffprobe": _e(
        "loads a plugin library or reads any URL",
        operands=(r".*\b(?:ladspa|frei0r|lv2)\b", r"(?i).*\bfile:"),
    ),
    "hg": _e(
        "runs commands from --config (aliases, hooks) or loads extensions", "--config", "--debugger"
    ),
    "less": _e(
        "runs the commands given after +, takes a LESSOPEN command from a lesskey file, or "
        "writes its log file anywhere",
        "-o",
        "--log-file",
        "-O",
        "--LOG-FILE",
        "-k",
        "--lesskey-file",
        # a lesskey source's #env section sets LESSOPEN, which less runs as a command
        "--lesskey-src",
        "--lesskey-content",
        operands=(r"\+",),
    ),
    "more": _e("runs commands typed after +", operands=(r"\+",)),
    "man": _e(
        "runs a pager, preprocessor or browser that its options name, or formats a local "
        "page (a name with a /) whose .so requests read any file",
        "-P",
        "--pager",
        "-p",
        "--preprocessor",
        "-H",
        "--html",
        "-l",
        "--local-file",
        "-C",
        "--config-file",
        "-M",
        "--manpath",
        "-m",
        "--systems",
        operands=(r".*/",),
    ),
    # the roff formatters read the document as a program: .so/.cf/.mso read any file, and
    # with -U .sy/.pso/.pi run commands
    **{
        name: _always("formats a document whose requests read any file or run commands")
        for name in _names("groff nroff troff gtroff grog groffer preconv soelim eqn tbl refer")
    },
    "easyrsa": _e(_CONFIG, "--vars"),
    # --- project tools: installing and syncing run build code, as pip install does; a
    # subcommand that runs a given command line is refused (the command is not decided)
    "uv": _e(
        "runs a command line that execgate cannot decide through it",
        "--config-file",
        subcommands="run tool",
    ),
    "uvx": _always(_RUNNER),
    "poetry": _e(
        "runs a command line that execgate cannot decide through it",
        subcommands="run shell exec",
    ),
    "pipx": _e(
        "runs a command or script that execgate cannot decide through it", subcommands="run runpip"
    ),
    "cabal": _e(
        "runs a command line or code that execgate cannot decide through it",
        subcommands="exec run repl v2-exec v2-run v2-repl new-exec new-run new-repl script",
    ),
    "zip": _e(
        "runs the command named by -TT/--unzip-command when testing the archive (-T)",
        "-T",
        "--test",
        "-TT",
        "--unzip-command",
    ),
    "borg": _e("runs the command its --rsh names", "--rsh", "--remote-path"),
    # a mode rule grants a whole subcommand (`git apply`): what that subcommand may not do
    "git": _e(
        "writes wherever the patch's own file names point (--unsafe-paths), outside the "
        "workspace included, or copies a template's hooks and config into the repository "
        "(--template), which run when git next runs",
        "--unsafe-paths",
        "--template",
        # the repository's config then lives in a directory no path check protects
        "--separate-git-dir",
    ),
    # --- file lists: names read from a file are paths no check sees -----------------------
    **{
        name: _e("reads the names of the files to check from a file", "-c", "--check")
        for name in _names(
            "md5sum sha1sum sha224sum sha256sum sha384sum sha512sum b2sum cksum shasum"
        )
    },
    "tree": _e("writes its listing to a file (-R writes one in every directory)", "-o", "-R"),
    "du": _e("reads the names of the files to measure from a file", "--files0-from"),
    "file": _e("reads the names of the files to examine from a file", "-f", "--files-from"),
    "certbot": _e(
        "runs its hook commands",
        "--pre-hook",
        "--post-hook",
        "--deploy-hook",
        "--renew-hook",
        "--manual-auth-hook",
        "--manual-cleanup-hook",
        "--config",
        "-c",
    ),
    "csvtool": _e("runs the command its call subcommand names", operands=(r"call$",)),
    "dmsetup": _e("runs the command its --exec names", "--exec"),
    "enscript": _e("runs the input filter its -I names", "-I", "--filter", "--pass-through"),
    "openvpn": _e(
        "runs scripts named by its hook options, or reads a config that does",
        "--up",
        "--down",
        "--script-security",
        "--route-up",
        "--route-pre-down",
        "--ipchange",
        "--client-connect",
        "--client-disconnect",
        "--learn-address",
        "--auth-user-pass-verify",
        "--tls-verify",
        "--config",
        "--plugin",
    ),
    "scrot": _e("runs the command its -e names", "-e", "--exec"),
    "split": _e("pipes each piece to the command its --filter names", "--filter"),
    "yt-dlp": _e(
        "runs the command its --exec names, or reads options from a file",
        "--exec",
        "--exec-before-download",
        "--config-locations",
        "--netrc-cmd",
    ),
    "nginx": _e(_CONFIG + " (load_module loads a library)", "-c", "-g", "-p"),
    "ssh": attrs.evolve(
        _e("connects to this machine, where the command it runs is not decided by execgate"),
        hosts=True,
    ),
    # scp's options are read by its table (programs/network.py); a remote path on this
    # machine (`localhost:.ssh/id_rsa`) reaches files the way `ssh localhost` would
    "scp": attrs.evolve(
        _e("copies from or to this machine, outside the workspace, through ssh"), hosts=True
    ),
    "openssl": Exec(
        why="loads an engine or provider library, or a config that can", reader=_openssl_refusal
    ),
    "ssh-keygen": Exec(
        why="loads a PKCS#11 or security-key provider library",
        options=frozenset({"-D", "-w"}),
        reader=_ssh_keygen_refusal,
    ),
    "ssh-add": _e("loads a PKCS#11 or security-key provider library", "-s", "-S"),
    # it installs the user's own ~/.ssh keys on another host, and passes -o, -F and -i to ssh
    "ssh-copy-id": _always("sends the user's ~/.ssh keys and passes its options to ssh"),
    "restic": _e(
        "runs the command its password option names", "--password-command", "--option", "-o"
    ),
    "nmap": _e(
        "runs NSE scripts (Lua), an interactive shell, or reads any file",
        "--script",
        "-sC",
        "-A",
        "--interactive",
        "-iL",
        "--resume",
        "--datadir",
        "--servicedb",
        "--versiondb",
        "--script-args-file",
        "--stylesheet",
    ),
    "lwp-request": _e("reads any file named by a file: URL", operands=(r"(?i)file:",)),
    "fzf": _e(
        "runs commands from key bindings, previews or its listen socket",
        "--bind",
        "--listen",
        "--listen-unsafe",
        "--preview",
        "--with-shell",
        "--become",
    ),
    "xdg-user-dir": _e("evaluates its operand as shell code", operands=(r".*[^A-Za-z0-9_]",)),
    "tcpdump": _e("runs the command named by -z after rotating its file", "-z"),
    "wget": _e(
        "runs the program named by --use-askpass, or reads options from a file",
        "--use-askpass",
        "--execute",
        "-e",
        "--config",
    ),
    **{name: _RPM for name in _names("rpm rpmdb rpmquery rpmverify rpmbuild")},
}


#: Alone, these only print: short letters (-v, -h) are left out, since for some programs in
#: the table they mean something else (ed -v is verbose and goes on to read commands).
_INFO_ONLY = frozenset({"--version", "--help"})
_VERSION_SUFFIX = re.compile(r"[\d.]+$")


def _lookup(program: str) -> tuple[str, Exec] | None:
    base = program.rsplit("/", 1)[-1]
    if base in EXEC_OPTIONS:
        return base, EXEC_OPTIONS[base]
    trimmed = _VERSION_SUFFIX.sub("", base).rstrip("-")
    if trimmed and trimmed in EXEC_OPTIONS:
        return trimmed, EXEC_OPTIONS[trimmed]
    return None


def _long_match(arg: str, option: str) -> bool:
    """``arg`` names long ``option``: exactly, with ``=value``, or as a getopt_long prefix
    (any, down to ``--`` and one letter: getopt takes the shortest unambiguous one, and an
    ambiguous one matching a refused option refuses more, never less)."""
    word = arg.split("=", 1)[0]
    if word == option:
        return True
    return len(word) >= 3 and option.startswith(word)


def _short_match(arg: str, option: str, clusters: bool) -> bool:
    """``arg`` holds short ``option`` (``-T``): alone, with its value joined (``-Tvalue``),
    or, when the program clusters, after other letters (``-vT``). Over-matching a cluster's
    value letters refuses more, never less."""
    if len(option) != 2 or not arg.startswith("-") or arg.startswith("--") or len(arg) < 2:
        return False
    return option[1] in arg[1:] if clusters else arg.startswith(option)


def _option_hit(arg: str, options: frozenset[str], clusters: bool) -> str | None:
    if arg in options:
        return arg
    for option in options:
        if option.startswith("--"):
            if arg.startswith("--") and _long_match(arg, option):
                return option
        elif option.startswith("-") and len(option) == 2:
            if _short_match(arg, option, clusters):
                return option
        elif arg == option or arg.startswith(option + "="):
            # single-dash long options (find -exec, gdb -ex, zip -TT): exact or with =value
            return option
    return None


def _suffix_value(args: tuple[str, ...], at: int, options: frozenset[str]) -> str | None:
    """The value ``args[at]`` gives one of ``options`` as getopt reads it (``-S V``, ``-SV``,
    ``-kS V``, ``--suffix=V``, ``--suf V``), or None. In a cluster the first such letter
    takes the rest; reading a value letter as the option checks more, never less."""
    arg = args[at]
    following = args[at + 1] if at + 1 < len(args) else ""
    for option in options:
        if option.startswith("--") and arg.startswith("--") and _long_match(arg, option):
            _, eq, value = arg.partition("=")
            return value if eq else following
        if len(option) == 2 and _short_match(arg, option, clusters=True):
            rest = arg[arg.index(option[1]) + 1 :]
            return rest or following
    return None


def exec_option_refusal(
    program: str, args: tuple[str, ...], local: frozenset[str] = frozenset()
) -> str | None:
    """Why ``program`` (a basename; ``lua5.4`` and ``vim.basic`` find their rows) run
    with ``args`` (argv[1:]) can run commands, load a library, or read or write files beyond
    its operands -- or None when the table knows nothing against it. ``local``: this host's
    own names and addresses. Pure; never raises."""
    found = _lookup(program) or _lookup(program.split(".", 1)[0])
    if found is None:
        return None
    name, row = found
    if row.always:
        if len(args) == 1 and args[0] in _INFO_ONLY:
            return None
        return (
            f"{name} {row.why}, so no arguments make it safe under a bare allow rule; "
            f'a policy that means to run it says args = "any"'
        )
    if row.reader is not None:
        why = row.reader(args)
        if why is not None:
            return f"{name} {why}"
    options_done = False
    for i, arg in enumerate(args):
        if not options_done and arg.startswith("-") and row.suffixes:
            suffix = _suffix_value(args, i, row.suffixes)
            if suffix is not None and ("/" in suffix or "{}" in suffix):
                # `{}` under find -exec is a found name, which holds '/'
                return f"{name} suffix {suffix[:40]!r} holds a '/' (or {{}}): {row.why}"
        if not options_done and arg == "--":
            options_done = True
            continue
        if arg in row.subcommands:
            return f"{name} {arg} {row.why}"
        if not options_done and arg.startswith("-") and row.options:
            hit = _option_hit(arg, row.options, row.clusters)
            if hit is not None:
                return f"{name} {hit} {row.why}"
        if any(re.match(pattern, arg) for pattern in row.operands) or (
            row.hosts and names_this_machine(arg, local)
        ):
            return f"{name} argument {arg[:60]!r} {row.why}"
    return None


#: Programs that are many programs, chosen by the name they are run as (argv[0]): cargo and
#: rustc are links to rustup, ls to busybox on some hosts. Their resolved name says nothing
#: about what runs.
MULTI_CALL = frozenset({"busybox", "toybox", "rustup", "rustup-init"})


def program_refusal(
    name: str,
    real: str,
    args: tuple[str, ...],
    env_names: tuple[str, ...] = (),
    local: frozenset[str] = frozenset(),
) -> str | None:
    """The one call the engine makes: why the program run as ``name`` (basename of argv[0])
    that resolved to ``real`` (basename of its real path), with ``args`` (argv[1:]) and the
    request's ``env_names`` set, can run commands, load code or reach arbitrary files -- or
    None. Both names are read (``vi`` resolves to ``vim.basic``, ``unxz`` to ``xz``) except a
    multi-call program's real name (``cargo`` resolves to ``rustup`` and behaves as cargo).
    Pure; never raises."""
    names = [name] if real in MULTI_CALL and real != name else [real, name]
    for each in dict.fromkeys(names):
        why = exec_option_refusal(each, args, local) or exec_env_refusal(each, env_names)
        if why is not None:
            return why
    return None


#: Variables that are a command or code for one program (the name shapes below cover most).
EXEC_ENV: Mapping[str, frozenset[str]] = {
    **{
        name: frozenset({"AUTOM4TE", "AUTOCONF", "AUTOHEADER", "M4", "PERL"})
        for name in ("autoconf", "autoheader", "autoreconf", "autom4te", "automake", "aclocal")
    },
    **{
        name: frozenset({"GROFF_BIN_PATH", "GROFF_COMMAND_PREFIX", "GROFF_FONT_PATH"})
        for name in ("groff", "nroff", "troff", "man")
    },
    "facter": frozenset({"FACTERLIB"}),
    "crash": frozenset({"CRASHPAGER", "CRASH_EXTENSIONS"}),
    "restic": frozenset({"RESTIC_PASSWORD_COMMAND", "RESTIC_PASSWORD_FILE"}),
    "fzf": frozenset({"FZF_DEFAULT_COMMAND", "FZF_DEFAULT_OPTS", "FZF_DEFAULT_OPTS_FILE"}),
    "easyrsa": frozenset({"EASYRSA_VARS_FILE", "EASYRSA", "EASYRSA_PKI"}),
}

#: Name shapes that are a command, a program, a library path or options for every program:
#: ``CRASHPAGER``, ``SYSTEMD_EDITOR``, ``RESTIC_PASSWORD_COMMAND``, ``PYTEST_ADDOPTS``,
#: ``CFLAGS`` (``-fplugin=`` loads a library into the compiler), and libcrypto's
#: ``OPENSSL_CONF`` (read by every program linking it: its init section loads engines and
#: providers), ``OPENSSL_ENGINES`` and ``OPENSSL_MODULES`` (where those are loaded from).
_ENV_CODE = re.compile(
    r"^(?:.*(?:PAGER|EDITOR|VISUAL|BROWSER|_COMMAND|_CMD|_PROG|_PROGRAM|_HOOK|_HOOKS|_SHELL"
    r"|_BIN|_BIN_PATH|_EXEC|_PLUGINS?|_PRELOAD|OPTS|OPTIONS|FLAGS|_ASKPASS|LIB|LIBS"
    r"|_LIBRARY_PATH|_EXTENSIONS)|SHELL|LESSKEY|LESSOPEN|LESSCLOSE|TERMINAL"
    r"|OPENSSL_CONF.*|OPENSSL_ENGINES|OPENSSL_MODULES)$"
)


def exec_env_refusal(program: str, names: tuple[str, ...]) -> str | None:
    """Why setting the variables ``names`` for ``program`` (a basename) can make it run a
    command or load code, or None. Pure; never raises."""
    base = program.rsplit("/", 1)[-1]
    own = EXEC_ENV.get(base) or EXEC_ENV.get(_VERSION_SUFFIX.sub("", base), frozenset())
    for name in names:
        if name in own:
            return f"{name} names a command or code that {base} runs"
        if _ENV_CODE.match(name.upper()):
            return f"{name} is shaped like a variable that names a command, program or code"
    return None
