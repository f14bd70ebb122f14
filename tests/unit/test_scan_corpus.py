"""The scanner on the seeded labelled corpus (tests/corpus.py), adversarial inputs, slots,
and properties of scanning and redaction."""

from __future__ import annotations

import time

import pytest
from corpus import (
    CONTEXT_CORPUS,
    EXTERNAL_HOLDOUT,
    SECRETS,
    Counts,
    cases,
    external_cases,
    score,
    score_spans,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from execgate import ExecRequest
from execgate.scan import (
    MARKER,
    RULES,
    argv_slots,
    redact,
    refusing,
    rule_catalog,
    scan_request,
    scan_text,
)


def _evaluate(seed: int) -> Counts:
    return score(cases(seed), scan_text)


def test_corpus_is_large_and_balanced() -> None:
    corpus = cases(1234)
    positives = [c for c in corpus if c[1]]
    assert len(corpus) >= 1000
    assert len(corpus) - len(positives) >= len(positives), "at least as many hard negatives"
    assert {r for c in positives for r in c[1]} >= set(SECRETS)


@pytest.mark.parametrize("seed", [1234, 99])
def test_recall_and_precision_on_the_corpus(seed: int) -> None:
    tp, fn, fp = _evaluate(seed)
    found, missed, false = sum(tp.values()), sum(fn.values()), sum(fp.values())
    assert found / (found + missed) >= 0.98, dict(fn)
    assert found / (found + false) >= 0.99, dict(fp)


def test_independent_corpus_names_a_source_for_every_case() -> None:
    corpus = external_cases()
    assert len(corpus) >= 1000
    for case in corpus:
        repo, _, rest = case["source"].partition("@")
        assert "+" in repo and ":" in rest, case["source"]
        assert case["secret"] is None or case["secret"] in case["text"]


def test_independent_corpus_floor() -> None:
    # A regression floor on cases taken from other scanners' fixtures and real public files;
    # the per-format numbers are reported by benchmarks/scanner.py.
    tp, fn, fp = score_spans(
        external_cases(), lambda text: [(f.start, f.end) for f in scan_text(text)]
    )
    found, missed, false = sum(tp.values()), sum(fn.values()), sum(fp.values())
    assert found / (found + missed) >= 0.72, dict(fn)
    assert found / (found + false) >= 0.90, dict(fp)


def test_context_corpus_is_sourced_and_scored() -> None:
    # Secrets in commands, env dumps, configs and output, and their hard negatives, written
    # from vendors' formats (benchmarks/context_corpus.py); a floor against regressions.
    corpus = external_cases(CONTEXT_CORPUS)
    assert len(corpus) >= 150
    for case in corpus:
        repo, _, rest = case["source"].partition("@")
        assert "+" in repo and ":" in rest, case["source"]
        assert case["secret"] is None or case["secret"] in case["text"]
    tp, fn, fp = score_spans(corpus, lambda text: [(f.start, f.end) for f in scan_text(text)])
    found, missed, false = sum(tp.values()), sum(fn.values()), sum(fp.values())
    assert found / (found + missed) >= 0.97, dict(fn)
    assert found / (found + false) >= 0.99, dict(fp)


def test_held_out_corpus_is_sourced_and_scored() -> None:
    # Never tuned on: a floor only against regressions; benchmarks/scanner.py reports it.
    corpus = external_cases(EXTERNAL_HOLDOUT)
    assert len(corpus) >= 150
    tuning = {c["text"] for c in external_cases()}
    for case in corpus:
        assert case["text"] not in tuning
        repo, _, rest = case["source"].partition("@")
        assert "+" in repo and ":" in rest, case["source"]
    tp, fn, fp = score_spans(corpus, lambda text: [(f.start, f.end) for f in scan_text(text)])
    found, missed, false = sum(tp.values()), sum(fn.values()), sum(fp.values())
    assert found / (found + missed) >= 0.65, dict(fn)
    assert found / (found + false) >= 0.88, dict(fp)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "://" + "a" * 100_000 + ":" + "b" * 100_000,
        "password=" * 20_000,
        "Authorization: Bearer " * 10_000,
        "-----BEGIN PRIVATE KEY-----" + "A" * 200_000,
        "eyJ" + "a." * 100_000,
        "sk-" + "a-" * 100_000,
        ("x" * 31 + "-us1 ") * 5000,
        "\x00\xff" * 100_000,
    ],
)
def test_adversarial_inputs_do_not_backtrack(text: str) -> None:
    # Not a speed claim: catastrophic backtracking would take minutes, not seconds.
    t0 = time.monotonic()
    scan_text(text)
    assert time.monotonic() - t0 < 10


def test_every_rule_has_keywords_and_one_secret_group() -> None:
    for rule in RULES:
        # a rule without keywords is a shape rule: its needle says where to try it
        assert rule.keywords or rule.needle, rule.rule_id
        assert all(k == k.lower() for k in rule.keywords), rule.rule_id
        finder = rule.each or rule.pattern
        assert "secret" in finder.groupindex, rule.rule_id


def test_github_checksum_sets_confidence() -> None:
    import random

    good = SECRETS["github-token"](random.Random(5))
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    (g,) = scan_text(f"x {good}")
    (b,) = scan_text(f"x {bad}")
    assert g.confidence > 0.95 and b.confidence < 0.75
    assert refusing([g]) and not refusing([b])


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (["mysql", "-u", "root", "-pS3cr3tPw!x"], "S3cr3tPw!x"),
        (["mysql", "-u", "root", "--password=S3cr3tPw!x"], "S3cr3tPw!x"),
        (["docker", "login", "-u", "bot", "-p", "Kq9#xLm2pZ"], "Kq9#xLm2pZ"),
        (["curl", "-u", "deploy:Zx8!kq2Lmn", "https://x"], "Zx8!kq2Lmn"),
        (["tool", "--api-key", "a9F3kL0pQ2xZ"], "a9F3kL0pQ2xZ"),
        (["redis-cli", "-a", "R3d1sP4ss!"], "R3d1sP4ss!"),
    ],
)
def test_credential_slots_in_argv(argv: list[str], value: str) -> None:
    found = argv_slots(tuple(argv))
    assert [argv[int(f.location[5:-1])][f.start : f.end] for f in found] == [value]
    assert refusing(scan_request(ExecRequest(argv=argv)))


@pytest.mark.parametrize(
    "argv",
    [
        ["mysql", "-u", "root", "-p"],
        ["ssh", "-p", "2222", "host"],
        ["mkdir", "-p", "a/b/c"],
        ["docker", "run", "-p", "8080:80", "img"],
        ["tool", "--token", "$TOKEN"],
        ["tool", "--password-file", "/run/secrets/pw"],
        ["tool", "--api-key", "YOUR_API_KEY"],
        ["curl", "-u", "user", "https://x"],
        ["psql", "-p", "5432"],
    ],
)
def test_slot_negatives(argv: list[str]) -> None:
    assert not argv_slots(tuple(argv))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_scan_and_redact_never_raise_and_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
    assert not [f for f in scan_text(once) if MARKER not in once[max(0, f.start - 20) : f.end + 20]]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(SECRETS)),
    st.randoms(use_true_random=False),
    st.text(max_size=40),
    st.text(max_size=40),
)
@pytest.mark.slow
def test_redaction_removes_every_generated_secret(
    rule: str, rnd: object, before: str, after: str
) -> None:
    secret = SECRETS[rule](rnd)  # type: ignore[arg-type]
    # a degenerate draw (the same character over and over: sk_live_aaaa...) is a fixture,
    # which vendor rules rightly ignore
    assume(max(secret.count(c) for c in set(secret)) <= len(secret) // 3)
    # ...and so is one drawn from a handful of characters (pat + a's + 0s, 1s and 2s)
    assume(len(set(secret)) >= 12)
    text = f"{before} {secret} {after}"
    assert secret not in redact(text)


@pytest.mark.parametrize(
    "unit",
    [
        *("eyJ", "AIza", "sk-proj-", "ghp_", "password=", "://a:", "SK", "xoxb-"),
        # context rules (a program name, then its slot) and base64-wrapped prefixes
        *("curl -u ", "mysql ", "login ", "secrets set A=", "--api-key ", "x-api-key: "),
        *("authorization: bot ", "Z2hwX", "aGZf", "eDpnaG9fTElpeDZNRU9MZU1hNjFF"),
        *("Cookie: session=", "curl -b ", "KeyName Permissions Value ", "twitter ", "Bearer%20"),
        *("AKIAZ2XQ7RT5VW3KLMNP,", "x-vault-token: ", "alibaba_secret=", "password%3D"),
    ],
)
@pytest.mark.slow
def test_repeated_keywords_scan_in_linear_time(unit: str) -> None:
    # Not a speed claim: a quadratic scan of 300 KB takes minutes.
    text = unit * (300_000 // len(unit))
    t0 = time.monotonic()
    scan_text(text)
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
@pytest.mark.slow
def test_stream_redaction_catches_secrets_split_across_chunks(chunk: int) -> None:
    import random

    from execgate.scan import StreamRedactor

    rng = random.Random(chunk)
    secrets = [SECRETS[rule](rng) for rule in sorted(SECRETS)]
    text = "".join(f"line {i}: value {s} end\n" for i, s in enumerate(secrets))
    r = StreamRedactor(overlap=512)
    out = "".join(r.feed(text[i : i + chunk]) for i in range(0, len(text), chunk)) + r.flush()
    assert out == redact(text)
    assert not any(s in out for s in secrets)


def test_rule_catalog_documents_every_rule_once_without_a_secret() -> None:
    docs = rule_catalog()
    ids = [d.rule_id for d in docs]
    assert len(ids) == len(set(ids))
    assert set(ids) == {rule.rule_id for rule in RULES}
    for doc in docs:
        assert doc.finds and doc.example, doc.rule_id
        # the generated table can be committed and scanned: its shapes are not credentials
        assert scan_text(f"| {doc.rule_id} | {doc.finds} | {doc.example} |") == [], doc
