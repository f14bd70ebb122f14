"""Pure secret scanning and span-exact redaction. No I/O, no event loop.

``scan_text`` returns findings with offsets into the text; ``redact`` replaces exactly those
spans. ``scan_request`` walks every place a request can smuggle a credential into a process:
each argv word, the command line, every env override value, and stdin.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import ExecRequest, Finding
from ._rules import RULES, is_placeholder


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def scan_text(text: str, location: str = "text") -> list[Finding]:
    """Every potential secret in ``text``, sorted by start offset, overlaps merged."""
    found: list[Finding] = []
    for rule in RULES:
        for m in rule.pattern.finditer(text):
            start, end = m.span("secret")
            if start == end:
                continue
            if rule.placeholder_check and is_placeholder(m.group("secret")):
                continue
            if rule.bounded and (
                (start > 0 and _is_word(text[start - 1]))
                or (end < len(text) and _is_word(text[end]))
            ):
                continue
            found.append(
                Finding(
                    rule_id=rule.rule_id,
                    provider=rule.provider,
                    location=location,
                    start=start,
                    end=end,
                    confidence=rule.confidence,
                )
            )
    return _merge(found)


def _merge(findings: list[Finding]) -> list[Finding]:
    findings.sort(key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for f in findings:
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            if f.end > last.end:
                merged[-1] = Finding(
                    rule_id=last.rule_id,
                    provider=last.provider,
                    location=last.location,
                    start=last.start,
                    end=f.end,
                    confidence=max(last.confidence, f.confidence),
                )
            continue
        merged.append(f)
    return merged


def scan_request(request: ExecRequest) -> list[Finding]:
    """Every potential secret anywhere in the request."""
    findings: list[Finding] = []
    if request.argv is not None:
        for i, word in enumerate(request.argv):
            findings += scan_text(word, f"argv[{i}]")
        # A credential split over words ("-H", "Authorization: Bearer", "x") is also caught
        # on the joined line.
        joined = " ".join(request.argv)
        if not findings:
            findings += scan_text(joined, "argv")
    if request.command is not None:
        findings += scan_text(request.command, "command")
    for name, value in request.env_overrides.items():
        if value is not None:
            findings += scan_text(value, f"env:{name}")
            findings += scan_text(f"{name}={value}", f"env:{name}")
    if request.stdin:
        # latin-1 maps each byte to one code point, so offsets are byte offsets.
        findings += scan_text(bytes(request.stdin).decode("latin-1"), "stdin")
    return findings


def redact(text: str, findings: Iterable[Finding], *, location: str | None = None) -> str:
    """``text`` with each finding's span replaced by ``[REDACTED:<rule>]``."""
    spans = sorted(
        (f for f in findings if location is None or f.location == location),
        key=lambda f: f.start,
    )
    out: list[str] = []
    pos = 0
    for f in spans:
        if f.start < pos:
            continue
        out.append(text[pos : f.start])
        out.append(f"[REDACTED:{f.rule_id}]")
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str) -> str:
    """Scan and redact in one step."""
    return redact(text, scan_text(text))


def describe(findings: Iterable[Finding]) -> str:
    """A refusal reason naming where and what kind of secret was seen, never its value."""
    parts: dict[str, list[str]] = {}
    for f in findings:
        parts.setdefault(f.location, [])
        if f.rule_id not in parts[f.location]:
            parts[f.location].append(f.rule_id)
    where = "; ".join(f"{loc}: {', '.join(rules)}" for loc, rules in parts.items())
    return (
        f"potential secret in the request ({where}); pass credentials through the policy's "
        "environment or a credential helper, never on the command line, env overrides or stdin"
    )
