"""[[ask]] rules: a person (the host's approver) decides; grants are scoped, expire, can be
revoked; every ask and answer is recorded; no approver means no."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from conftest import open_gate

from execgate import ApprovalAnswer, ApprovalRequest, Policy, PolicyDenied
from execgate.store import EventFilter, open_store

pytestmark = pytest.mark.anyio

ASK = """
[[ask]]
command = "touch"
reason = "creating files needs a person's OK"
"""


@pytest.fixture
def policy(make_policy: object) -> Policy:
    import attrs

    base = make_policy(extra=ASK)  # type: ignore[operator]
    # the base policy allows touch; for these tests only the ask rule may match it
    return attrs.evolve(base, allow=tuple(r for r in base.allow if r.command != "touch"))


class Approver:
    def __init__(self, *answers: ApprovalAnswer | Exception | None) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    async def __call__(self, request: ApprovalRequest) -> ApprovalAnswer:
        self.asked.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            await anyio.sleep(60)  # never answers
        assert isinstance(answer, ApprovalAnswer)
        return answer


async def test_without_an_approver_ask_means_no(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    async with open_gate(policy, store_url) as gate:
        with pytest.raises(PolicyDenied) as exc:
            await gate.run(argv=["touch", "a"])
        assert exc.value.code == "EG-APPROVAL-REQUIRED" and "needs a person" in exc.value.message
        assert (await gate.check(argv=["touch", "a"])).verdict == "ask"
    assert not (workspace / "a").exists()


async def test_once_asks_every_time_and_is_recorded(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    approver = Approver(ApprovalAnswer(scope="once"), ApprovalAnswer(scope="once"))
    async with open_gate(policy, store_url, approver=approver) as gate:
        await gate.run(argv=["touch", "a"], job_id="J")
        await gate.run(argv=["touch", "b"], job_id="J")
    assert len(approver.asked) == 2 and approver.asked[0].argv == ("touch", "a")
    assert (workspace / "a").exists() and (workspace / "b").exists()
    st = open_store(store_url)
    kinds = [e.kind for e in st.query(where=EventFilter(job_id="J"))]
    st.close()
    assert kinds == ["approval_asked", "approval_answered", "decision", "result"] * 2


async def test_deny_failure_and_silence_refuse(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    approver = Approver(ApprovalAnswer(scope="deny"), RuntimeError("boom"), None)
    async with open_gate(policy, store_url, approver=approver, approval_timeout=0.3) as gate:
        for _ in range(3):
            with pytest.raises(PolicyDenied) as exc:
                await gate.run(argv=["touch", "a"])
            assert exc.value.code == "EG-APPROVAL-DENIED"
    assert not (workspace / "a").exists()


async def test_job_grant_covers_that_job_only(policy: Policy, store_url: str) -> None:
    approver = Approver(ApprovalAnswer(scope="job"), ApprovalAnswer(scope="once"))
    async with open_gate(policy, store_url, approver=approver) as gate:
        await gate.run(argv=["touch", "a"], job_id="J1")
        await gate.run(argv=["touch", "b"], job_id="J1")  # covered by the grant
        assert len(approver.asked) == 1
        await gate.run(argv=["touch", "c"], job_id="J2")  # another job: asked again
        assert len(approver.asked) == 2
        (grant,) = gate.grants()
        assert grant.scope == "job" and grant.job_id == "J1"


async def test_workspace_grant_expires_and_can_be_revoked(policy: Policy, store_url: str) -> None:
    approver = Approver(
        ApprovalAnswer(scope="workspace", ttl=0.5),
        ApprovalAnswer(scope="workspace"),
        ApprovalAnswer(scope="deny"),
    )
    async with open_gate(policy, store_url, approver=approver) as gate:
        await gate.run(argv=["touch", "a"], job_id="A")
        await gate.run(argv=["touch", "b"], job_id="B")
        assert len(approver.asked) == 1
        await anyio.sleep(0.6)
        assert gate.grants() == []
        await gate.run(argv=["touch", "c"])  # expired: asked, granted until revoked
        assert len(approver.asked) == 2
        (grant,) = gate.grants()
        assert gate.revoke(grant.grant_id) and gate.grants() == []
        with pytest.raises(PolicyDenied):
            await gate.run(argv=["touch", "d"])  # revoked: asked again, denied
        assert len(approver.asked) == 3


async def test_a_script_with_an_ask_stage_is_asked_once(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    approver = Approver(ApprovalAnswer(scope="once"))
    async with open_gate(policy, store_url, approver=approver) as gate:
        r = await gate.run(command="echo hi && touch made")
    assert r.exit_code == 0 and (workspace / "made").exists()
    assert len(approver.asked) == 1 and approver.asked[0].command == "echo hi && touch made"


async def test_an_ask_rule_behind_a_wrapper_still_asks(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    """`timeout 5 touch x` must not slip past the [[ask]] rule for touch: the whole command
    is put to the approver, under touch's rule, and runs only if approved."""
    import attrs

    from execgate.policy._model import AllowRule

    wrapped = attrs.evolve(policy, allow=(*policy.allow, AllowRule(command="timeout")))
    async with open_gate(wrapped, store_url) as gate:
        decision = await gate.check(argv=["timeout", "5", "touch", "x"])
        assert decision.verdict == "ask" and decision.rule.startswith("ask[0] 'touch'")
        assert "inside timeout" in decision.reason
        with pytest.raises(PolicyDenied) as exc:
            await gate.run(argv=["timeout", "5", "touch", "x"])
        assert exc.value.code == "EG-APPROVAL-REQUIRED"
    assert not (workspace / "x").exists()
    approver = Approver(ApprovalAnswer(scope="once"))
    async with open_gate(wrapped, store_url, approver=approver) as gate:
        result = await gate.run(argv=["timeout", "5", "touch", "x"])
    assert result.exit_code == 0 and (workspace / "x").exists()
    assert approver.asked[0].argv == ("timeout", "5", "touch", "x")


async def test_a_secret_never_reaches_the_approver_or_the_approval_events(
    policy: Policy, store_url: str, workspace: Path
) -> None:
    """A checksum-valid token in a recorded field refuses before anyone is asked; a fake one
    (only redacted) reaches the approver, and the record, redacted."""
    import random

    from corpus import SECRETS

    from execgate import SecretDetected

    real = SECRETS["github-token"](random.Random(5))
    tok = SECRETS["github-token"](random.Random(6))
    # bad checksum: below the reject threshold, redacted
    fake = tok[:-1] + ("A" if tok[-1] != "A" else "B")
    (workspace / fake).mkdir()
    approver = Approver(ApprovalAnswer(scope="once"))
    async with open_gate(policy, store_url, approver=approver) as gate:
        with pytest.raises(SecretDetected):
            await gate.run(argv=["touch", "a"], model_id=real, job_id="R")
        assert approver.asked == []
        await gate.run(argv=["touch", "a"], model_id=fake, session_id=fake, cwd=fake, job_id="F")
    (asked,) = approver.asked
    assert fake not in repr(asked) and asked.model_id == "***REDACTED***"
    raw = Path(store_url.removeprefix("sqlite:///")).read_bytes()
    assert real.encode() not in raw and fake.encode() not in raw
