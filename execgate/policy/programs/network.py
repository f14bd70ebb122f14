"""Tables for the network clients: curl (http and https URLs only, no file uploads), rsync
and ssh (no option that runs a local program). Pure.
"""

from __future__ import annotations

import os
import re

from ._reader import LOADS_CODE, RUNS_PROGRAM, Options, Spec, _s

#: A URL curl reads as http(s) without a scheme: a host name (or address) and an optional port.
#: curl guesses other protocols from some host prefixes (ftp., dict., ldap., imap., pop3.,
#: smtp.), so those are refused as schemes.
_PLAIN_HOST = re.compile(r"^[A-Za-z0-9_.-]+(?::\d+)?(?:[/?#]|$)")
_GUESSED_SCHEMES = ("ftp.", "dict.", "ldap.", "imap.", "pop3.", "smtp.")
#: Options whose value curl reads from a file when it starts with "@".
_CURL_AT_FILE = frozenset(
    {"-d", "--data", "--data-binary", "--json", "-H", "--header", "-w", "--write-out"}
)


def _curl_url_refusal(url: str, globbing: bool) -> str | None:
    low = url.strip().lower()
    if globbing and any(c in url for c in "{}[]"):
        # {file:///etc/passwd,http://x} expands to URLs no check saw
        return "URL globbing ({...}, [...]) is refused; quote literal brackets and pass -g"
    if low.startswith(("http://", "https://")):
        return None
    if _PLAIN_HOST.match(url.strip()) and not low.startswith(_GUESSED_SCHEMES):
        return None
    scheme = low.split(":", 1)[0] if ":" in low else low.split(".", 1)[0]
    return f"URL scheme {scheme[:20]!r} is refused (only http and https; file: reads files)"


def _curl_urls(operands: tuple[str, ...], options: Options) -> str | None:
    names = {n for n, _ in options}
    globbing = not {"-g", "--globoff"} & names
    for url in operands:
        reason = _curl_url_refusal(url, globbing)
        if reason is not None:
            return reason
    for name, value in options:
        if name == "--url" and value is not None:
            reason = _curl_url_refusal(value, globbing)
            if reason is not None:
                return reason
        if name in ("-w", "--write-out") and "%output{" in (value or ""):
            return "--write-out with %output{FILE} writes a file curl's options did not name"
        if name in _CURL_AT_FILE and (value or "")[:1] == "@":
            return f"{name} @file sends or prints a file's content, which is refused"
        # --data-urlencode [name]@file reads a file too
        if name == "--data-urlencode" and "@" in (value or "").split("=", 1)[0]:
            return "sending a file's content (@file) is refused"
        if name in ("-b", "--cookie") and "=" not in (value or ""):
            return f"{name} without NAME=VALUE reads cookies from a file"
        if name == "--proto" and not re.fullmatch(r"=?(?:https?)(?:,=?https?)*", value or ""):
            return "--proto may only narrow curl to http and https"
    return None


CURL = Spec(
    flags=_s(
        "--create-dirs",
        "-s",
        "-S",
        "-L",
        "-f",
        "-i",
        "-I",
        "-v",
        "-k",
        "-G",
        "-N",
        "-#",
        "-4",
        "-6",
        "--silent",
        "--show-error",
        "--location",
        "--fail",
        "--fail-with-body",
        "--include",
        "--head",
        "--verbose",
        "--insecure",
        "--get",
        "--no-buffer",
        "--compressed",
        "--http1.1",
        "--http2",
        "--ipv4",
        "--ipv6",
        "--fail-early",
        "--globoff",
        "-g",
        "-q",
        "--disable",
        "--no-progress-meter",
        "--progress-bar",
        "--help",
        "-h",
        "--version",
        "-V",
        "--raw",
        "--no-keepalive",
        "--tcp-nodelay",
        "--path-as-is",
    ),
    valued=_s(
        "-H",
        "-X",
        "-A",
        "-e",
        "-m",
        "-w",
        "-o",
        "-d",
        "-r",
        "-u",
        "-x",
        "-b",
        "-D",
        "-c",
        "--header",
        "--request",
        "--user-agent",
        "--referer",
        "--max-time",
        "--connect-timeout",
        "--write-out",
        "--output",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--json",
        "--range",
        "--user",
        "--proxy",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--max-redirs",
        "--max-filesize",
        "--limit-rate",
        "--cookie",
        "--cookie-jar",
        "--dump-header",
        "--url",
        "--oauth2-bearer",
        "--resolve",
        "--connect-to",
        "--stderr",
        "--trace",
        "--trace-ascii",
        "--libcurl",
        "--output-dir",
        "--proto",
    ),
    paths=_s(
        "-o",
        "--output",
        "-D",
        "--dump-header",
        "-c",
        "--cookie-jar",
        "--stderr",
        "--trace",
        "--trace-ascii",
        "--libcurl",
        "--output-dir",
    ),
    denied={
        "-K": "a config file can carry any option",
        "--config": "a config file can carry any option",
        "-T": "uploading a file is refused",
        "--upload-file": "uploading a file is refused",
        "-F": "form uploads can send files",
        "--form": "form uploads can send files",
        "--unix-socket": "talking to local sockets is refused",
        "--abstract-unix-socket": "talking to local sockets is refused",
        "-O": "the server picks the file name",
        "--remote-name": "the server picks the file name",
        "--remote-name-all": "the server picks the file name",
        "-J": "the server picks the file name",
        "--remote-header-name": "the server picks the file name",
        "--netrc-file": "it reads credentials from a file",
        "--engine": LOADS_CODE,
        "--ssl-engine": LOADS_CODE,
        "--proto-redir": "it lets a redirect reach other schemes (file:)",
        "--proto-default": "it changes the scheme of URLs without one",
    },
    extra=_curl_urls,
)
#: Filter rules that read more rules from a file (``merge FILE``, ``. FILE``, ``dir-merge``,
#: ``:``), with or without modifiers (``merge,+``, ``.-``, ``:n-``) and with rsync's ``_`` in
#: place of the blank before the file (``merge_FILE``).
_RSYNC_MERGE = re.compile(r"\s*(\.|:|merge(?![A-Za-z-])|dir-merge(?![A-Za-z-]))")


def _rsync_rules(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name == "--partial-dir" and ".." in (value or "").split("/"):
            # relative to each file's directory, however deep: no one base bounds a `..`
            return "--partial-dir with '..' climbs from each file's directory"
        if name in ("--filter", "-f") and _RSYNC_MERGE.match(value or ""):
            return (
                f"{name} {(value or '')[:40]!r} reads filter rules from a file execgate does "
                "not check; use --exclude-from or --include-from"
            )
    for word in operands:
        host = word.split("/", 1)[0]
        if ":" in host or word.startswith("rsync://"):
            # rsync reads HOST:PATH and HOST::MODULE as remote: it starts ssh, or talks to a
            # daemon (`./a:b` names a local file)
            return f"{word[:40]!r} names a remote host, reached through ssh or an rsync daemon"
    return None


#: Options whose relative DIR rsync resolves from the destination directory (the receiver
#: changes into it first), not from the command's cwd: ``--backup-dir=../../x`` lands
#: beside the destination. ``--partial-dir`` is relative to each file's own directory.
_RSYNC_FROM_DEST = frozenset(
    {"--backup-dir", "--compare-dest", "--copy-dest", "--link-dest", "--partial-dir",
     "--temp-dir", "-T"}
)  # fmt: skip


def _rsync_dest_paths(operands: tuple[str, ...], options: Options) -> tuple[str, ...]:
    """Each destination-relative DIR as rsync will open it: from the destination (the last
    operand, a directory) and from its parent (the destination names a file)."""
    if len(operands) < 2:
        return ()  # one operand lists it: nothing is written
    dest = operands[-1]
    bases = (dest, os.path.dirname(dest.rstrip("/")))
    return tuple(
        os.path.join(base, value)
        for name, value in options
        if name in _RSYNC_FROM_DEST and value
        for base in bases
    )


RSYNC = Spec(
    flags=_s("-a", "-v", "-z", "-r", "-n", "-l", "-p", "-t", "-g", "-o", "-D", "-h", "-P",
             "-u", "-c", "-q", "-i", "-H", "-A", "-X", "-S", "-x", "-L", "-k", "-K", "-m",
             "--archive", "--verbose", "--compress", "--recursive", "--dry-run", "--links",
             "--perms", "--times", "--group", "--owner", "--devices", "--specials",
             "--human-readable", "--progress", "--partial", "--update", "--checksum",
             "--quiet", "--itemize-changes", "--hard-links", "--acls", "--xattrs", "--sparse",
             "--one-file-system", "--copy-links", "--delete", "--delete-after",
             "--delete-excluded", "--prune-empty-dirs", "--stats", "--help", "--version",
             "--no-motd", "--inplace", "--append", "--existing", "--ignore-existing",
             "--size-only", "--relative", "-R"),
    valued=_s("--exclude", "--include", "--filter", "-f", "--max-size", "--min-size",
              "--bwlimit", "--timeout", "--chmod", "--exclude-from", "--include-from",
              "--compare-dest", "--backup-dir", "--log-file",
              "--out-format", "--temp-dir", "-T"),
    paths=_s("--exclude-from", "--include-from",
             "--compare-dest", "--backup-dir", "--log-file", "--temp-dir", "-T"),
    denied={
        "-e": RUNS_PROGRAM, "--rsh": RUNS_PROGRAM, "--rsync-path": RUNS_PROGRAM,
        "--daemon": "it starts a server", "--config": "a config file can carry any option",
        "-M": "options for the remote side", "--remote-option": "options for the remote side",
        "--password-file": "it reads credentials from a file",
        "--files-from": "it copies the files a list names, which execgate does not read",
        "--link-dest": "it gives files of another tree a second name (hard links)",
    },
    extra=_rsync_rules,
    extra_paths=_rsync_dest_paths,
)  # fmt: skip
SSH = Spec(
    flags=_s("-4", "-6", "-A", "-a", "-C", "-f", "-G", "-g", "-K", "-k", "-M", "-N", "-n",
             "-q", "-s", "-T", "-t", "-V", "-v", "-X", "-x", "-Y", "-y"),
    valued=_s("-b", "-c", "-E", "-e", "-i", "-l", "-m", "-p", "-Q", "-S", "-B"),
    paths=_s("-E", "-i", "-S"),
    denied={
        "-o": "options can run local programs (ProxyCommand, LocalCommand, KnownHostsCommand)",
        "-F": "a config file can run local programs",
        "-J": "a jump host is a ProxyCommand", "-W": "stdio forwarding",
        "-L": "port forwarding opens tunnels", "-R": "port forwarding opens tunnels",
        "-D": "port forwarding opens tunnels", "-w": "tunnel devices", "-O": "master control",
        "-I": "PKCS#11 libraries are code", "-P": "tags select config blocks",
    },
    # ssh.c reads options, takes the destination, then reads options again (`goto again`)
    # unless a `--` came first; the remote command starts at the next operand
    posix=True,
    operands_before_end=1,
)  # fmt: skip

#: ssh configuration keywords an ``-o`` may set: each takes a word (a number, a yes/no, an
#: algorithm list, a user name), never a command, a library, a file or another host. Every
#: other keyword is refused: ProxyCommand, LocalCommand, KnownHostsCommand, ProxyJump,
#: PKCS11Provider, SecurityKeyProvider, Include and Match exec run or load code; HostName
#: reaches a host no operand names; the *File and Control* keywords read or write paths.
_SSH_WORD_KEYWORDS = frozenset(
    {
        "addressfamily", "batchmode", "checkhostip", "ciphers", "compression",
        "connectionattempts", "connecttimeout", "fingerprinthash", "gssapiauthentication",
        "hashknownhosts", "hostkeyalgorithms", "hostkeyalias", "identitiesonly", "ipqos",
        "kbdinteractiveauthentication", "kexalgorithms", "loglevel", "macs",
        "numberofpasswordprompts", "passwordauthentication", "port",
        "preferredauthentications", "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes",
        "pubkeyauthentication", "rekeylimit", "serveralivecountmax", "serveraliveinterval",
        "stricthostkeychecking", "tcpkeepalive", "user", "visualhostkey",
    }
)  # fmt: skip
#: Keywords that name a known-hosts file: only /dev/null (no file at all) is accepted.
_SSH_KNOWN_HOSTS = frozenset({"userknownhostsfile", "globalknownhostsfile"})
#: An ``-o`` value as ssh's readconf reads one line: leading blanks skipped, a keyword
#: (matched without case), then ``=`` or blanks, then the argument. Anything else (quotes,
#: a second argument, a newline) is refused rather than read another way than ssh reads it.
_SSH_OPTION = re.compile(
    r"[ \t]*([A-Za-z0-9]+)(?:[ \t]*=[ \t]*|[ \t]+)([A-Za-z0-9_.,:@+^/-]+)[ \t]*"
)


def ssh_option_refusal(value: str) -> str | None:
    """Why ssh would run, load or open something for ``-o VALUE`` (one configuration line,
    read as ssh's readconf reads it), or None for a keyword that only takes a word."""
    m = _SSH_OPTION.fullmatch(value)
    if m is None:
        return f"-o {value[:40]!r} is not a KEYWORD=VALUE line execgate reads as ssh does"
    keyword, argument = m.group(1).lower(), m.group(2)
    if keyword in _SSH_KNOWN_HOSTS and argument == "/dev/null":
        return None
    if keyword not in _SSH_WORD_KEYWORDS or "/" in argument:
        return (
            f"-o {m.group(1)[:30]} is refused: only keywords that take a plain word are "
            "accepted (ProxyCommand, ProxyJump, LocalCommand, Include, HostName and the "
            "file keywords run programs, reach other hosts or open files)"
        )
    return None


def _scp_options(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name == "-o":
            reason = ssh_option_refusal(value or "")
            if reason is not None:
                return reason
    return None


SCP = Spec(
    flags=_s("-3", "-4", "-6", "-A", "-B", "-C", "-O", "-p", "-q", "-R", "-r", "-s", "-T",
             "-v"),
    valued=_s("-c", "-i", "-l", "-o", "-P", "-X"),
    paths=_s("-i"),
    denied={
        "-S": RUNS_PROGRAM,
        "-D": "it runs a local sftp server program in place of ssh",
        "-F": "a config file can run local programs",
        "-J": "a jump host is a ProxyCommand",
        "-t": "the remote side's server mode, which writes what stdin names",
        "-f": "the remote side's server mode",
        "-d": "the remote side's server mode",
    },
    # scp's getopt (OpenSSH's own, as on every Linux) stops at the first operand
    posix=True,
    extra=_scp_options,
)  # fmt: skip
