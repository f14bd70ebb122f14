"""The bounded head+tail output buffer."""

from __future__ import annotations

import random

import pytest

from execgate.process import CappedBuffer


@pytest.mark.parametrize("cap", [0, 1, 100, 128, 129, 1000, 65536])
def test_random_streams(cap: int) -> None:
    rng = random.Random(cap)
    for _ in range(200):
        data = rng.randbytes(rng.randint(0, 3 * cap + 10))
        buf = CappedBuffer(cap)
        pos = 0
        while pos < len(data):
            n = rng.randint(1, max(1, cap // 3 + 5))
            buf.feed(data[pos : pos + n])
            pos += n
        value = buf.value()
        assert len(value) <= cap
        if len(data) <= cap:
            assert value == data and buf.dropped == 0 and buf.cut is None
            continue
        assert buf.overflowed and buf.dropped > 0
        marker = f"\n[execgate: {buf.dropped} bytes truncated]\n".encode()
        assert buf.cut is not None
        start, end = buf.cut
        assert value[start:end] == (marker if marker in value else b"")
        assert data.startswith(value[:start]) and data.endswith(value[end:])
        assert start + len(value) - end + buf.dropped == len(data)
        if marker in value:
            head, tail = value.split(marker, 1)
            assert data.startswith(head) and data.endswith(tail)
            assert len(head) + len(tail) + buf.dropped == len(data)
        else:  # too small for a marker: head only
            assert data.startswith(value) and len(value) + buf.dropped == len(data)


def test_memory_is_bounded() -> None:
    buf = CappedBuffer(1000)
    for _ in range(10000):
        buf.feed(b"x" * 7)
    assert len(buf._head) + len(buf._tail) <= 1000 * 2
