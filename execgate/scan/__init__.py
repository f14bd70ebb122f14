"""Pure secret scanning and redaction (the Scanner actor's core)."""

from ._engine import describe, redact, redact_text, scan_request, scan_text

__all__ = ["describe", "redact", "redact_text", "scan_request", "scan_text"]
