"""Pure secret scanning and redaction (the Scanner actor's core)."""

from ._engine import (
    MARKER,
    REJECT_CONFIDENCE,
    argv_slots,
    describe,
    redact,
    redact_text,
    refusing,
    scan_request,
    scan_text,
)
from ._rules import RULES

__all__ = [
    "MARKER",
    "REJECT_CONFIDENCE",
    "RULES",
    "argv_slots",
    "describe",
    "redact",
    "redact_text",
    "refusing",
    "scan_request",
    "scan_text",
]
