"""A decision on one request: the value both the models and the errors speak of.

Its own module so that ``errors`` (a refusal carries its decision) and ``models`` (which
raise request errors) need not import each other. Re-exported by ``execgate.models``.
"""

from __future__ import annotations

from typing import Literal

import attrs

#: What a decision says (the policy engine's ``Verdict`` is a decision with its plan).
VerdictKind = Literal["allow", "deny", "ask"]


@attrs.frozen(kw_only=True)
class Decision:
    """The Scanner's and Gatekeeper's verdict on one request. Recorded before anything runs."""

    verdict: VerdictKind
    code: str
    rule: str
    reason: str

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"


__all__ = ["Decision", "VerdictKind"]
