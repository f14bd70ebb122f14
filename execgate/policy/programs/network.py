"""Tables for the network clients: curl (http and https URLs only, no file uploads), rsync
and ssh (no option that runs a local program). Pure.
"""

from __future__ import annotations

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
#: ``:``), with or without modifiers (``merge,+``, ``.-``, ``:n-``).
_RSYNC_MERGE = re.compile(r"\s*(\.|:|merge\b|dir-merge\b)")


def _rsync_rules(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
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
