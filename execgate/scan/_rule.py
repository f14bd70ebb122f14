"""The shape of one secret rule, and the constructors the rule tables are written with."""

from __future__ import annotations

import re
from typing import Any

import attrs


@attrs.frozen
class Rule:
    rule_id: str
    provider: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    confidence: float
    #: A value that looks like a placeholder (``$TOKEN``, ``<token>``, ``****``, ``sk-...``),
    #: a low-entropy sequence or a fake (``not-a-real-token``) is not a finding: the rule
    #: matches on context, not on the value's own shape.
    placeholder_check: bool = False
    #: The secret must not be glued to word characters on either side.
    bounded: bool = False
    #: With ``bounded``: word characters may precede the secret (``x`` + token, ``token%3D``
    #: + token, ``\\u0022`` + token). Only for formats whose prefix cannot occur inside
    #: ordinary words; a checksum, when the format has one, must then be valid.
    glue_left: bool = False
    #: Minimum Shannon entropy (bits per character) of the value; for context rules only.
    min_entropy: float = 0.0
    #: A checksum validator name (see ``_checksums``): a valid checksum raises confidence,
    #: an invalid one lowers it (kept, redacted, not refused by default).
    checksum: str | None = None
    #: The match starts exactly where one of the keywords starts (the keyword is the
    #: pattern's literal prefix, up to case): the engine then tries one anchored match per
    #: keyword hit instead of searching. False: search a window around each hit.
    anchored: bool = True
    #: For a command that takes many ``NAME=value`` arguments (``fly secrets set A=1 B=2``):
    #: ``pattern`` finds the command and its arguments (group ``args``); this pattern finds
    #: each secret among them.
    each: re.Pattern[str] | None = None
    #: A named value check the engine applies to the extracted value (see ``_engine``):
    #: ``discord`` (the first segment is a base64 user id), ``pem`` (the armour holds a key
    #: body), ``value`` (the value is not a secret's name, as with ``--secret=name``).
    check: str | None = None
    #: For a rule with no keywords (a shape rule): a regex with a literal start, fast to
    #: search over any text, whose hits are where ``pattern`` is then tried (in a window
    #: around each, as for keyword hits).
    needle: str = ""


def make(
    rule_id: str,
    provider: str,
    keywords: str | tuple[str, ...],
    pattern: str,
    confidence: float,
    **kw: Any,
) -> Rule:
    """Keywords: a space-separated string, or a tuple when a keyword holds a space."""
    words = tuple(keywords.split()) if isinstance(keywords, str) else keywords
    return Rule(rule_id, provider, words, re.compile(pattern), confidence, **kw)


def token(
    rule_id: str, provider: str, keywords: str, pattern: str, confidence: float = 0.95, **kw: Any
) -> Rule:
    """A vendor token: fixed prefix, fixed alphabet, must stand alone."""
    return make(rule_id, provider, keywords, pattern, confidence, bounded=True, **kw)


def ctx(
    rule_id: str,
    provider: str,
    keywords: str | tuple[str, ...],
    pattern: str,
    confidence: float = 0.85,
    **kw: Any,
) -> Rule:
    """A value found by its context (a header, an assignment, a URL): placeholders excluded."""
    return make(rule_id, provider, keywords, pattern, confidence, placeholder_check=True, **kw)
