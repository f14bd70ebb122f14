"""The Scanner actor: runs the pure secret scan on each request, on its text as sent and on
the words a shell makes of it.

Small requests are scanned inline (microseconds). A request carrying more text than
``OFFLOAD_BYTES`` is scanned in a worker process (regular expressions hold the GIL, so a thread
would still stall the event loop), on a task of its own, so the requests behind it are not held
up; past the policy's ``max_check_seconds`` it is refused with ``EG-CHECK-TIMEOUT`` (and not
recorded: its text is unscanned). So is a request whose shell decoding parses more than
``OFFLOAD_DECODE_CHARS`` characters (a long line with quotes or a here-document).
"""

from __future__ import annotations

from ..errors import ActorCrashed, refusal_for
from ..models import Decision, ExecRequest, Finding
from ..policy import DecodingLimit, decoding_size, request_words
from ..scan import known_words, scan_request, scan_words
from ._base import SequentialActor
from ._offload import BudgetExceeded, WorkerDied, WorkerPool

#: Above this many bytes of text a request is scanned in a worker process: scanning it inline
#: would cost more than the round trip to a worker.
OFFLOAD_BYTES = 64 * 1024
#: A request whose shell decoding parses more characters than this is scanned in a worker
#: too (tree-sitter holds the GIL; the Gatekeeper decides such a line in a worker as well).
OFFLOAD_DECODE_CHARS = 512


def request_bytes(request: ExecRequest) -> int:
    """About how much text the scan of ``request`` reads (characters or bytes)."""
    size = len(request.stdin or b"") + len(request.command or "")
    size += sum(map(len, request.argv or ()))
    return size + sum(len(v or "") for v in request.env_overrides.values())


#: The finding that stands for words too many or too deeply nested to decode and scan.
UNDECODED = Finding(
    rule_id="shell-decoding-limit",
    provider="execgate",
    location="words",
    start=0,
    end=0,
    confidence=1.0,
)


def scan_decoded(request: ExecRequest) -> list[Finding]:
    """``scan_request`` on the text as sent, then the words a shell makes of it (quote
    removal, braces, here-documents, ``sh -c`` lines: ``policy.request_words``), each word
    not already read as sent scanned once: a credential spelled ``'gh'p_…`` refuses the
    request like one written plainly."""
    findings = scan_request(request)
    try:
        groups = request_words(request)
    except DecodingLimit:
        # words the scan cannot read in full: refused, as a secret would be (when in doubt)
        return [*findings, UNDECODED]
    if groups:
        findings += scan_words(groups, known_words(request))
    return findings


class Scanner(SequentialActor[ExecRequest, list[Finding]]):
    """Takes a request, answers its findings."""

    name = "scanner"

    def __init__(self, pool: WorkerPool | None = None, budget: float = 5.0) -> None:
        super().__init__()
        self.pool = pool
        self.budget = budget

    def heavy(self, payload: ExecRequest) -> bool:
        return self.pool is not None and (
            request_bytes(payload) > OFFLOAD_BYTES or decoding_size(payload) > OFFLOAD_DECODE_CHARS
        )

    async def handle(self, payload: ExecRequest) -> list[Finding]:
        return scan_decoded(payload)

    async def handle_heavy(self, payload: ExecRequest) -> list[Finding]:
        assert self.pool is not None
        try:
            return await self.pool.run(self.budget, scan_decoded, payload)
        except BudgetExceeded as exc:
            raise refusal_for(
                Decision(
                    verdict="deny",
                    code="EG-CHECK-TIMEOUT",
                    rule="limits.max_check_seconds",
                    reason=f"scanning the request took too long ({exc}); send less text",
                )
            ) from None
        except WorkerDied as exc:
            raise ActorCrashed(f"the scanner's worker failed on this request ({exc})") from None
