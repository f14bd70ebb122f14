"""Pure secret scanning and redaction (the Scanner actor's core)."""

from ._catalog import RuleDoc, rule_catalog
from ._engine import (
    MARKER,
    REJECT_CONFIDENCE,
    StreamRedactor,
    argv_slots,
    describe,
    known_words,
    redact,
    redact_output,
    redact_text,
    refusing,
    scan_request,
    scan_text,
    scan_words,
    word_text,
)
from ._rules import RULES

__all__ = [
    "MARKER",
    "REJECT_CONFIDENCE",
    "RULES",
    "RuleDoc",
    "StreamRedactor",
    "argv_slots",
    "describe",
    "known_words",
    "redact",
    "redact_output",
    "redact_text",
    "refusing",
    "rule_catalog",
    "scan_request",
    "scan_text",
    "scan_words",
    "word_text",
]
