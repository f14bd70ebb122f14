"""The Scanner's pure core: what it must find, what it must not, and exact redaction."""

from __future__ import annotations

import random

import pytest
from corpus import SECRETS

from execgate import ExecRequest
from execgate.scan import redact, redact_text, scan_request, scan_text

POSITIVES = {
    "aws-access-key-id": "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLF",
    "aws-secret-access-key": "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq3TkEjW9s",
    "github-token": f"git clone https://x:{SECRETS['github-token'](random.Random(7))}@github.com/o/r",
    "github-fine-grained-pat": "GH=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",
    "private-key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "authorization-bearer": "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig' https://api",
    "url-password": "psql postgresql://app:S3cr3t-Pa55@db.internal:5432/prod",
    "slack-token": "SLACK=xoxb-263594206564-2343594180386-u9Rzt1ADp8nQx4Lk0VbWc7Ye",
    "stripe-secret-key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
}

NEGATIVES = [
    "git log 3f786850e387550fdab836ed7e6dc881de23001b",
    "docker pull nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "curl -H 'Authorization: Bearer $TOKEN' https://api",
    "curl -H 'Authorization: Bearer ${API_TOKEN}' https://api",
    'curl -H "Authorization: Bearer <token>" https://api',
    "postgres://user:${PGPASSWORD}@localhost/db",
    "postgres://user:****@localhost/db",
    "https://user:<password>@example.com/",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "ls -la /tmp && echo hello world",
    "pk_live_4eC39HqLyjWDarjtT1zdp7dc",
]


@pytest.mark.parametrize("rule", sorted(POSITIVES))
def test_finds_each_credential_kind(rule: str) -> None:
    text = POSITIVES[rule]
    findings = scan_text(text)
    assert rule in {f.rule_id for f in findings}, findings
    redacted = redact(text, findings)
    assert "***REDACTED***" in redacted


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives_pass(text: str) -> None:
    assert scan_text(text) == []


def test_redaction_is_span_exact() -> None:
    text = "psql postgresql://app:S3cr3t-Pa55@db:5432/prod -c 'select 1'"
    assert redact_text(text) == "psql postgresql://app:***REDACTED***@db:5432/prod -c 'select 1'"


def test_private_key_block_is_redacted_whole() -> None:
    text = (
        "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAq3vB8nK2\nmZ7wT4yR9pL6sD1f\n-----END RSA PRIVATE KEY-----\nafter"
    )
    assert redact_text(text) == "before\n***REDACTED***\nafter"
    truncated = "x -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFX6wYcno4\nBBBB"
    assert "MHcCAQ" not in redact_text(truncated)


def test_findings_carry_no_value() -> None:
    tok = SECRETS["github-token"](random.Random(3))
    (f,) = scan_text(f"token {tok}")
    assert tok[:8] not in repr(f)
    assert (f.start, f.end) == (6, 46)


def test_request_scan_covers_every_channel() -> None:
    tok = SECRETS["github-token"](random.Random(5))
    req = ExecRequest(argv=["x", tok], env_overrides={"A": tok}, stdin=tok.encode())
    where = {f.location for f in scan_request(req)}
    assert {"argv[1]", "env:A", "stdin"} <= where
    split = ExecRequest(argv=["curl", "-H", "Authorization:", "Bearer", "Zk39xLq0PmW2rT8vA1b2"])
    assert scan_request(split), "a header split over words is still a header"


def test_vendor_tokens_must_end_where_their_format_ends() -> None:
    """A token's shape followed by more word characters is part of a longer word; only a
    checksum that holds says where a token ends inside one."""
    tok = SECRETS["github-token"](random.Random(11))
    forged = tok[:-1] + ("A" if tok[-1] != "A" else "B")  # same shape, checksum broken
    assert scan_text(forged + "_suffix") == []
    assert scan_text(forged + "0") == []
    assert scan_text("ghp_" + "Ab3" * 12 + "cd") == []  # 38 characters: not the format
    for text in (f"token={tok}", f"'{tok}'", f"{tok}\n", f"Bearer:{tok}"):
        assert [f.rule_id for f in scan_text(text)] == ["github-token"], text


def test_a_checksum_valid_token_glued_on_the_right_is_found_whole() -> None:
    """`ghp_...` + `0`, + `_suffix`, + `x`: the checksum marks the token's end, so the token
    is reported (and redacted) exactly, and the rest of the word stays."""
    for name in ("github-token", "npm-token"):
        tok = SECRETS[name](random.Random(12))
        for tail in ("0", "_suffix", "x", "Abc"):
            text = f"out={tok}{tail} done"
            spans = [text[f.start : f.end] for f in scan_text(text)]
            assert spans == [tok], (name, tail, spans)
            assert tok not in redact_text(text)


def test_a_token_joined_to_a_short_option_is_found() -> None:
    """`grep -eTOKEN`, `mysql -pTOKEN`: the value of a short option, not part of a word."""
    from execgate.scan import scan_text

    token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"  # the shape, not a valid checksum
    for text in (f"grep -e{token} f", f"grep -e_{token} f", f"x -k{token}"):
        assert [f.rule_id for f in scan_text(text)] == ["github-token"], text
    assert scan_text(f"grep x{token} f") == []  # glued to a word: a substring of another
