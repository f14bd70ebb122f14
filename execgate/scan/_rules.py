"""The secret rules, written as a table: rule id, provider, pattern, confidence.

Each pattern has exactly one capturing group ``secret``: the span that is reported and
redacted. Patterns are anchored on structure a credential cannot avoid (a vendor prefix, a
PEM armour line, an ``Authorization`` header, the ``user:password@`` of a URL), never on
entropy over every token.
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


def _r(rule_id: str, provider: str, pattern: str, confidence: float, ph: bool = False) -> Rule:
    return Rule(rule_id, provider, re.compile(pattern), confidence, ph)


RULES: tuple[Rule, ...] = (
    _r("aws-access-key-id", "aws", r"\b(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b", 0.95),
    _r(
        "aws-secret-access-key",
        "aws",
        r"(?i)aws_?secret_?access_?key\s*[=:]\s*[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        0.9,
    ),
    _r("github-token", "github", r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255})\b", 0.98),
    _r(
        "github-fine-grained-pat",
        "github",
        r"\b(?P<secret>github_pat_[A-Za-z0-9_]{60,255})\b",
        0.98,
    ),
    _r("gitlab-token", "gitlab", r"\b(?P<secret>glpat-[A-Za-z0-9_\-]{20,})\b", 0.95),
    _r("slack-token", "slack", r"\b(?P<secret>xox[abposr]-[A-Za-z0-9-]{10,})\b", 0.95),
    _r("stripe-secret-key", "stripe", r"\b(?P<secret>[sr]k_live_[A-Za-z0-9]{20,})\b", 0.97),
    _r("anthropic-api-key", "anthropic", r"\b(?P<secret>sk-ant-[A-Za-z0-9_\-]{32,})", 0.97),
    _r(
        "openai-api-key",
        "openai",
        r"\b(?P<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,})",
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
        r"(?i)\bauthorization\s*[:=]\s*[\"']?bearer\s+(?P<secret>[A-Za-z0-9\-._~+/]+=*)",
        0.9,
        ph=True,
    ),
    _r(
        "authorization-basic",
        "http",
        r"(?i)\bauthorization\s*[:=]\s*[\"']?basic\s+(?P<secret>[A-Za-z0-9+/]{8,}=*)",
        0.85,
        ph=True,
    ),
    _r(
        "url-password",
        "url",
        r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/?#@\"'`]{1,256}:(?P<secret>[^\s/?#@\"'`]{1,256})@",
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
