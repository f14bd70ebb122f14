"""The events the recorder is given: every text in them storable, output cut where the
capture cut it."""

from __future__ import annotations

from execgate import ExecRequest, ExecResult
from execgate.actors.recorder import unstorable
from execgate.supervisor._events import result_records, stored_output


def test_a_result_with_unstorable_text_anywhere_is_still_storable() -> None:
    request = ExecRequest(argv=["printf", "x"], job_id="j")
    result = ExecResult(
        job_id="j",
        argv=("/usr/bin/printf", "a\x00b", "lone \udc80 surrogate"),
        cwd="/tmp/\x00dir",
        exit_code=0,
        signal=None,
        stdout=b"a\x00b\xff",
        stderr=b"",
        duration_ms=1.0,
    )
    output = (stored_output(result.stdout), stored_output(result.stderr))
    event, record = result_records(request, result, "commands_plus_redacted_output", output)
    assert unstorable(event) is None
    assert record is not None and unstorable(record) is None
    assert event.argv == ("/usr/bin/printf", "a\u2400b", "lone \ufffd surrogate")
    assert event.cwd == "/tmp/\u2400dir"
    assert record.stdout == "a\u2400b\ufffd" and record.stderr is None
