"""The words a shell makes of a request: decoded as the Gatekeeper reads them, scanned, and
the recorded command redacted from them."""

from __future__ import annotations

import random
import shlex

import pytest
from corpus import SECRETS

from execgate import ExecRequest
from execgate.actors.scanner import scan_decoded
from execgate.policy import decoding_size, request_words
from execgate.scan import MARKER, known_words, refusing, scan_request, scan_words
from execgate.supervisor._events import redacted_command

TOK = SECRETS["github-token"](random.Random(41))


def test_a_line_with_nothing_to_decode_is_not_decoded() -> None:
    for line in ("ls -la src", "git status && pytest -q tests/x.py", "a=(" * 100):
        request = ExecRequest(command=line)
        assert request_words(request) == () and decoding_size(request) == 0


def test_words_are_read_as_the_gatekeeper_reads_them() -> None:
    line = "FOO='a b' cat x\"y\" d/{s,t} <<'EOF'\nbody 'q'\nEOF"
    groups = request_words(ExecRequest(command=line))
    assert ("cat", "xy", "d/s", "d/t") in groups
    assert ("FOO=a b",) in groups and ("body 'q'\n",) in groups
    # no program here runs a line: the body's quotes are not removed again
    assert not any("body q" in w for g in groups for w in g)
    # a line the parser refuses is still read: quotes, ANSI-C strings, continuations
    groups = request_words(ExecRequest(command="echo $(x) 'a'b $'\\x41\\102' c\\\nd"))
    assert groups == (("echo", "$(x)", "ab", "AB", "cd"),)


def test_a_shells_line_and_body_are_decoded_again() -> None:
    groups = request_words(ExecRequest(argv=("timeout", "5", "sh", "-c", "cat 'a'b")))
    assert ("cat", "ab") in groups
    groups = request_words(ExecRequest(command="sh <<'EOF'\necho 'x'y\nEOF"))
    assert ("echo", "xy") in groups
    # a body piped to a shell (a line the parser refuses): read leniently, still decoded
    groups = request_words(ExecRequest(command="cat <<'EOF' | sh\necho 'x'y\nEOF"))
    assert any("xy" in group for group in groups)
    # an argv whose program runs no shell: its words are what the program gets
    assert request_words(ExecRequest(argv=("grep", "-e", "it's"))) == ()


def test_words_scanned_as_sent_are_not_scanned_again() -> None:
    request = ExecRequest(command=f"cat '{TOK}' plain")
    groups = request_words(request)
    assert groups == (("cat", TOK, "plain"),)
    # the raw scan found the token between quotes; only the new word is read again
    assert scan_words(groups, known_words(request))
    assert scan_words(groups, {"cat", TOK, "plain"}) == []


@pytest.mark.parametrize(
    "request_",
    [
        ExecRequest(command=f"cat gh''{TOK[2:]}"),
        ExecRequest(command=f"cat $'\\147{TOK[1:]}'"),
        ExecRequest(command=f"X={TOK[:9]}\\{TOK[9:]} echo"),
        ExecRequest(command=f"cat <<EOF\n{TOK[:15]}\\\n{TOK[15:]}\nEOF"),
        ExecRequest(argv=("bash", "-c", f'echo {TOK[:5]}"{TOK[5:]}"')),
    ],
)
def test_a_token_only_the_shell_builds_refuses_and_is_not_recorded(
    request_: ExecRequest,
) -> None:
    assert not refusing(scan_request(request_))
    findings = scan_decoded(request_)
    assert refusing(findings)
    command, argv = redacted_command(request_, findings)
    recorded = f"{command} {argv}"
    assert TOK not in recorded and TOK[12:] not in recorded and MARKER in recorded


def test_a_secret_that_is_in_the_text_as_sent_is_redacted_in_place() -> None:
    request = ExecRequest(command="mysql -u root -p'Hq7#kw9Zt!x2' db")
    findings = scan_decoded(request)
    assert "words[0][3]" in [f.location for f in findings]
    command, _ = redacted_command(request, findings)
    assert command == f"mysql -u root -p'{MARKER}' db"


def test_words_past_the_decoding_limits_refuse_and_are_not_recorded() -> None:
    """Shells nested deeper than the decoder reads, or brace lists that multiply a line past
    its budget: the words cannot be vouched for, so the request is refused and its text is
    not recorded."""
    from execgate.actors.scanner import UNDECODED
    from execgate.policy import DecodingLimit

    nested = f"echo gh''{TOK[2:]}"
    for _ in range(5):
        nested = f"sh -c {shlex.quote(nested)}"
    head = "x" * 1000
    braces = "echo " + head + "{" + ",".join(f"i{n}" for n in range(250)) + "}"
    for request in (ExecRequest(command=nested), ExecRequest(argv=("sh", "-c", braces))):
        with pytest.raises(DecodingLimit):
            request_words(request)
        findings = scan_decoded(request)
        assert UNDECODED in refusing(findings)
        command, argv = redacted_command(request, findings)
        assert (command, argv) in ((MARKER, None), (None, ("sh", MARKER)))
    # four levels are read, and a token there is found
    nested = f"echo gh''{TOK[2:]}"
    for _ in range(3):
        nested = f"sh -c {shlex.quote(nested)}"
    assert refusing(scan_decoded(ExecRequest(command=nested)))
