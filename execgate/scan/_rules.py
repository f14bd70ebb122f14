"""The secret rules, written as a table: rule id, provider, pattern, confidence.

Each pattern has exactly one capturing group ``secret``: the span that is reported and
redacted. Patterns are anchored on structure a credential cannot avoid (a vendor prefix, a
PEM armour line, an ``Authorization`` header, the ``user:password@`` of a URL), never on
entropy over every token.

Patterns start with their literal prefix so the regex engine can skip ahead with a fast
substring search (a leading ``\b`` or character class costs ~50x: 80 ms instead of 1.4 ms per
4 MiB); word boundaries of ``bounded`` rules are checked in code instead.
"""

from __future__ import annotations

import re

import attrs


@attrs.frozen
class Rule:
    rule_id: str
    provider: str
    pattern: re.Pattern[str]
    confidence: float
    #: When true, a value that looks like a placeholder (``$TOKEN``, ``<token>``, ``****``)
    #: is not a finding: the rule matches on context, not on the value's own shape.
    placeholder_check: bool = False
    #: When true, the secret must not be glued to word characters on either side.
    bounded: bool = False


def _token(rule_id: str, provider: str, pattern: str, confidence: float) -> Rule:
    return Rule(rule_id, provider, re.compile(pattern), confidence, bounded=True)


def _r(rule_id: str, provider: str, pattern: str, confidence: float, ph: bool = False) -> Rule:
    return Rule(rule_id, provider, re.compile(pattern), confidence, ph)


RULES: tuple[Rule, ...] = (
    _token("aws-access-key-id", "aws", r"(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})", 0.95),
    _r(
        "aws-secret-access-key",
        "aws",
        r"(?i)aws_?secret_?access_?key\s*[=:]\s*[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        0.9,
    ),
    _token("github-token", "github", r"(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255})", 0.98),
    _token(
        "github-fine-grained-pat", "github", r"(?P<secret>github_pat_[A-Za-z0-9_]{60,255})", 0.98
    ),
    _token("gitlab-token", "gitlab", r"(?P<secret>glpat-[A-Za-z0-9_\-]{20,})", 0.95),
    _token("slack-token", "slack", r"(?P<secret>xox[abposr]-[A-Za-z0-9-]{10,})", 0.95),
    _token("stripe-secret-key", "stripe", r"(?P<secret>[sr]k_live_[A-Za-z0-9]{20,})", 0.97),
    _token("anthropic-api-key", "anthropic", r"(?P<secret>sk-ant-[A-Za-z0-9_\-]{32,})", 0.97),
    _token(
        "openai-api-key",
        "openai",
        r"(?P<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,})",
        0.97,
    ),
    _r(
        "private-key",
        "pem",
        r"(?s)(?P<secret>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z))",
        0.99,
    ),
    _r(
        "authorization-bearer",
        "http",
        r"(?i)authorization\s*[:=]\s*[\"']?bearer\s+(?P<secret>[A-Za-z0-9\-._~+/]+=*)",
        0.9,
        ph=True,
    ),
    _r(
        "authorization-basic",
        "http",
        r"(?i)authorization\s*[:=]\s*[\"']?basic\s+(?P<secret>[A-Za-z0-9+/]{8,}=*)",
        0.85,
        ph=True,
    ),
    _r(
        "url-password",
        "url",
        # Anchored on "://" (a fast literal); the scheme before it does not matter.
        r"://[^\s:/?#@\"'`]{1,256}:(?P<secret>[^\s/?#@\"'`]{1,256})@",
        0.85,
        ph=True,
    ),
)

# Values that stand for a credential rather than being one. Only consulted by rules that match
# on context (``placeholder_check``): a vendor-prefixed token is a finding whatever it says.
_PLACEHOLDER = re.compile(
    r"""(?ix)^(?:
        \$\{?[A-Za-z_][A-Za-z0-9_]*\}?      # $TOKEN, ${TOKEN}
      | \$\{\{.*\}\}                         # ${{ secrets.X }}
      | <[^<>]*>                             # <token>
      | \{\{.*\}\}                           # {{ token }}
      | ([*x.•])\1{2,}                       # ****, xxxx, ...
      | (?:your|my)[-_]?\w*                  # YOUR_API_KEY, your-token
      | (?:token|password|passwd|pass|secret|changeme|example|redacted|placeholder|dummy)
    )$"""
)


def is_placeholder(value: str) -> bool:
    return len(value) < 4 or _PLACEHOLDER.match(value) is not None
