"""Building flight-recorder events from requests, decisions and results. Pure.

Everything recorded passes through redaction here: the command line and each argv word are
scanned and their secret spans replaced; env values are never included. Every text recorded
is storable in SQLite and PostgreSQL alike: a NUL character is stored as U+2400 (``␀``) and a
lone surrogate as U+FFFD (see :func:`storable`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Sequence

import attrs

from ..models import (
    Event,
    EventKind,
    ExecRequest,
    ExecResult,
    Finding,
    LogLevel,
    OutputRecord,
    new_event_id,
)
from ..policy import DecodingLimit, Verdict, request_words
from ..scan import MARKER, known_words, redact_output, redact_text, scan_words, word_text

#: What a NUL character is stored as: PostgreSQL text cannot hold NUL.
NUL_STORED_AS = "\u2400"
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` as a database can hold it: each NUL replaced by U+2400 (SYMBOL FOR NULL), each
    lone surrogate (no UTF-8 encoding) by U+FFFD. Every other character is kept."""
    if "\x00" in text:
        text = text.replace("\x00", NUL_STORED_AS)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)
    return text


def _storable_field(value: object) -> object:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, tuple):
        return tuple(storable(v) if isinstance(v, str) else v for v in value)
    return value


def _new(kind: EventKind, actor: str, **fields: object) -> Event:
    # Every text field made storable: one field a database refuses would lose the event.
    fields = {k: _storable_field(v) for k, v in fields.items()}
    return Event(event_id=new_event_id(), ts=time.time(), kind=kind, actor=actor, **fields)  # type: ignore[arg-type]


def _job_event(kind: EventKind, actor: str, request: ExecRequest, **fields: object) -> Event:
    """An event about one request: carries its job, model and session ids, redacted (a
    request with a secret in one is refused, and its refusal must not store it)."""
    cwd = fields.pop("cwd", None)
    return _new(
        kind,
        actor,
        job_id=_redact_cached(request.job_id),
        model_id=_redacted(request.model_id),
        session_id=_redacted(request.session_id),
        cwd=_redacted(cwd if cwd is None else str(cwd)),
        **fields,
    )


def _redacted(text: str | None) -> str | None:
    return None if text is None else _redact_cached(text)


@functools.lru_cache(maxsize=1024)
def _redact_cached(text: str) -> str:
    # ids and cwds repeat (a job's every event, a session's every request)
    return redact_text(text)


def redacted_command(
    request: ExecRequest, findings: Sequence[Finding]
) -> tuple[str | None, tuple[str, ...] | None]:
    """The (command, argv) to record for ``request``, with every secret span removed. A
    secret found in the words a shell makes of the text (``words[...]`` findings) is removed
    wherever it appears in the text as sent; one that does not appear there as written
    (``'gh'p_…``) leaves nothing of the text but the program's name."""
    hidden = _hidden_secrets(request, findings)
    if hidden is None:
        if request.command is not None:
            return MARKER, None
        assert request.argv is not None
        return None, (redact_text(request.argv[0]), MARKER)
    if request.command is not None:
        return _spans_out(request.command, findings, "command", hidden), None
    assert request.argv is not None
    if any(f.location == "argv" for f in findings):
        # The secret only shows across words: keep the joined, redacted line, drop argv.
        return _spans_out(" ".join(request.argv), findings, "argv", hidden), None
    if any(not any(h in word for word in request.argv) for h in hidden):
        return None, (redact_text(request.argv[0]), MARKER)
    argv = tuple(
        _spans_out(word, findings, f"argv[{i}]", [h for h in hidden if h in word])
        for i, word in enumerate(request.argv)
    )
    # Findings may be empty when the Scanner was not consulted (e.g. recording an error):
    # scan again so nothing unredacted is ever stored.
    argv = tuple(redact_text(w) for w in argv)
    return None, argv


def _spans_out(
    text: str, findings: Sequence[Finding], location: str, secrets: Sequence[str]
) -> str:
    """``text`` with the spans of its findings at ``location`` and every occurrence of each
    of ``secrets`` replaced (overlaps merged); the marker alone when a secret does not appear
    in it as written."""
    spans = [(f.start, f.end) for f in findings if f.location == location]
    for secret in secrets:
        at = text.find(secret)
        if at < 0:
            return MARKER
        while at >= 0:
            spans.append((at, at + len(secret)))
            at = text.find(secret, at + 1)
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        if start >= pos:
            out += [text[pos:start], MARKER]
        pos = end
    out.append(text[pos:])
    return "".join(out)


#: Characters a shell expands as a glob: only a line holding one can decide on words that
#: are in neither its text nor the words a shell makes of that text.
_GLOB = re.compile(r"[*?[]")


def expanded_findings(request: ExecRequest, verdict: Verdict) -> list[Finding]:
    """Findings in the words the decision ran a glob into (file names of the workspace), at
    locations ``expanded[N][M]``: the words decided on and the plan's argv (a line's canonical
    script whole), each word not in the request's text as sent. Empty at once for a request
    with no glob character. The text as sent holds no such secret, so it is recorded as it
    is; the plan's argv is redacted where recorded."""
    texts = [request.command] if request.command is not None else list(request.argv or ())
    if not any(_GLOB.search(t) for t in texts):
        return []
    groups: list[tuple[str, ...]] = []
    if verdict.argv is not None:
        groups.append(verdict.argv)
    if verdict.plan is not None:
        groups.append(verdict.plan.argv)  # a line's canonical script is one word of it
    return [
        attrs.evolve(f, location="expanded" + f.location.removeprefix("words"))
        for f in scan_words(groups, known_words(request))
    ]


def _hidden_secrets(request: ExecRequest, findings: Sequence[Finding]) -> list[str] | None:
    """The values of the findings in decoded words, longest first; None when a finding there
    cannot be read back (the words were past the decoding limits)."""
    if not any(f.location.startswith("words") for f in findings):
        return []
    try:
        groups = request_words(request)
    except DecodingLimit:
        return None
    out: set[str] = set()
    for f in findings:
        if not f.location.startswith("words"):
            continue
        text = word_text(groups, f.location)
        if text is None:
            return None
        if f.end > f.start:
            out.add(text[f.start : f.end])
    return sorted(out, key=len, reverse=True)


def _at_level(
    level: LogLevel, command: str | None, argv: tuple[str, ...] | None
) -> tuple[str | None, tuple[str, ...] | None]:
    """At level ``none`` only the program is kept: no command line, no arguments."""
    if level != "none":
        return command, argv
    return None, argv[:1] if argv else None


def decision_event(
    request: ExecRequest,
    verdict: Verdict,
    findings: Sequence[Finding],
    *,
    level: LogLevel = "commands_only",
    dry_run: bool = False,
) -> Event:
    command, argv = redacted_command(request, findings)
    if command is not None:
        command = redact_text(command)
        if verdict.argv is not None and not findings:  # the words the decision was made on
            argv = tuple(redact_text(w) for w in verdict.argv)
    command, argv = _at_level(level, command, argv)
    d = verdict.decision
    detail: dict[str, object] = {}
    if request.env_overrides:
        # names only, never values; a name may itself be a secret
        detail["env_overrides"] = sorted(redact_text(n) for n in request.env_overrides)
    if dry_run:
        detail["dry_run"] = True
    if findings:
        detail["findings"] = [
            {"rule": f.rule_id, "location": f.location, "start": f.start, "end": f.end}
            for f in findings
        ]
    return _job_event(
        "decision",
        "scanner" if d.code == "EG-SECRET-DETECTED" else "gatekeeper",
        request,
        command=command,
        argv=argv,
        cwd=verdict.cwd or request.cwd,
        decision=d.verdict,
        rule=d.rule,
        code=d.code,
        reason=redact_text(d.reason),
        detail=json.dumps(detail) if detail else None,
    )


def connection_events(request: ExecRequest, result: ExecResult) -> tuple[Event, ...]:
    """One ``connection`` event per request the job made to its proxy (network by domain):
    host, port, allowed or refused and why, and the bytes relayed each way, in its detail;
    ``decision`` is "allow" or "deny" so that a query by decision finds the refusals."""
    return tuple(
        _job_event(
            "connection",
            "proxy",
            request,
            decision="allow" if c.allowed else "deny",
            reason=redact_text(c.reason) if c.reason else None,
            detail=json.dumps(
                {
                    "host": redact_text(c.host),
                    "port": c.port,
                    "allowed": c.allowed,
                    "sent": c.sent,
                    "received": c.received,
                }
            ),
        )
        for c in result.connections
    )


#: A stream as stored: its redacted text and that text's sha256 (hex, of its UTF-8).
StoredText = tuple[str, str]


def result_records(
    request: ExecRequest,
    result: ExecResult,
    level: LogLevel = "commands_only",
    output: tuple[StoredText | None, StoredText | None] | None = None,
) -> tuple[Event, OutputRecord | None]:
    """The result event and, at ``commands_plus_redacted_output``, the output record made of
    ``output`` (each stream as :func:`stored_output` made it; its sha256 goes into the event,
    so the chain covers what is stored)."""
    detail: dict[str, object] = {"containment": result.containment}
    if result.sandbox != "off":
        detail["sandbox"] = result.sandbox
    if result.killed_by:
        detail["killed_by"] = result.killed_by
    if result.limit_hit:
        detail["limit_hit"] = result.limit_hit
    if result.truncated_bytes:
        detail["stdout_truncated_bytes"] = result.stdout_truncated_bytes
        detail["stderr_truncated_bytes"] = result.stderr_truncated_bytes
    if level != "commands_plus_redacted_output":
        output = None
    if output is not None:
        detail["output_sha256"] = [None if s is None else s[1] for s in output]
    _, argv = _at_level(level, None, tuple(redact_text(w) for w in result.argv))
    event = _job_event(
        "result",
        "runner",
        request,
        argv=argv,
        cwd=result.cwd,
        exit_code=result.exit_code,
        signal=result.signal,
        duration_ms=round(result.duration_ms, 3),
        timed_out=result.timed_out,
        cancelled=result.cancelled,
        truncated_bytes=result.truncated_bytes,
        detail=json.dumps(detail),
    )
    if output is None:
        return event, None
    record = OutputRecord(
        event_id=event.event_id,
        job_id=event.job_id or "",
        ts=event.ts,
        stdout=None if output[0] is None else output[0][0],
        stderr=None if output[1] is None else output[1][0],
    )
    return event, record


#: Characters withheld on each side of a truncation cut in stored output: a secret split by
#: the cut is no longer recognisable, so its pieces are dropped rather than stored.
CUT_MARGIN = 256


def _decoded(data: bytes | bytearray | memoryview) -> str:
    return storable(bytes(data).decode("utf-8", "replace"))


def stored_output(
    data: bytes, cut: tuple[int, int] | None = None, truncated: int = 0
) -> StoredText | None:
    """A stream as stored, with its sha256: text (invalid UTF-8 as U+FFFD, NUL as U+2400),
    every secret span redacted (in UTF-16 text too, with or without a BOM, either byte order:
    :func:`redact_output`), and, when the capture left bytes out at ``cut`` (a byte span
    of ``data``: ``CappedBuffer.cut``), ``CUT_MARGIN`` characters withheld on each side of
    the cut. None for an empty stream. Costs seconds on megabytes: callers run it in a
    worker process."""
    if not data:
        return None
    if cut is None:
        text = redact_output(_decoded(data))
    else:
        view = memoryview(data)
        head = _decoded(view[: cut[0]])
        head = redact_output(head[:-CUT_MARGIN] if len(head) > CUT_MARGIN else "")
        tail = _decoded(view[cut[1] :])[CUT_MARGIN:]
        text = (
            head + f"\n[execgate: {truncated} bytes truncated; {CUT_MARGIN} characters withheld"
            " on each side of the cut]\n" + redact_output(tail)
        )
    return text, hashlib.sha256(text.encode()).hexdigest()


def withheld_output(why: str) -> StoredText:
    """What is stored for a stream that could not be redacted: a note, never the output."""
    text = f"[execgate: output not stored: {why}]"
    return text, hashlib.sha256(text.encode()).hexdigest()


def refusal_event(
    session_id: str | None, code: str, rule: str, reason: str, **detail: object
) -> Event:
    """A refusal of a call that carried no command (a server's own tool over a per-caller
    limit): a deny decision of the session, without job or command."""
    return _new(
        "decision",
        "gatekeeper",
        session_id=_redacted(session_id),
        decision="deny",
        rule=rule,
        code=code,
        reason=redact_text(reason),
        detail=json.dumps(detail, default=str) if detail else None,
    )


def error_event(request: ExecRequest, code: str, message: str) -> Event:
    return _job_event(
        "error",
        "supervisor",
        request,
        code=code,
        reason=redact_text(message),
    )


def lifecycle_event(kind: EventKind, actor: str, **detail: object) -> Event:
    return _new(kind, actor, detail=json.dumps(detail, default=str) if detail else None)


def approval_event(
    kind: EventKind, request: ExecRequest, rule: str, reason: str, **detail: object
) -> Event:
    return _job_event(
        kind,
        "gatekeeper",
        request,
        rule=rule,
        reason=redact_text(reason),
        detail=json.dumps(detail, default=str) if detail else None,
    )
