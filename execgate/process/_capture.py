"""A bounded output buffer that keeps the head and the tail of a stream. Pure, no I/O.

Memory stays bounded by about 1.5x the cap plus one chunk, whatever is fed. When the stream
stays within the cap, the value is the stream unchanged; when it overflows, the value is the
head, a marker line saying how many bytes were left out, and the tail, all within the cap.
"""

from __future__ import annotations

#: Room kept for the marker when a stream overflows.
MARKER_RESERVE = 64


def marker(dropped: int) -> bytes:
    return f"\n[execgate: {dropped} bytes truncated]\n".encode()


class CappedBuffer:
    """Feed chunks with :meth:`feed`; read the kept bytes with :meth:`value`."""

    __slots__ = ("_head", "_head_limit", "_tail", "_tail_keep", "cap", "total")

    def __init__(self, cap: int) -> None:
        if cap < 0:
            raise ValueError("cap must be >= 0")
        self.cap = cap
        self.total = 0
        if cap > 2 * MARKER_RESERVE:
            self._head_limit = (cap - MARKER_RESERVE) // 2
        else:
            self._head_limit = cap  # too small for head+marker+tail: keep the head only
        # Until we know the stream overflows, the tail must be able to hold the rest of a
        # stream that fits exactly.
        self._tail_keep = cap - self._head_limit
        self._head = bytearray()
        self._tail = bytearray()

    @property
    def overflowed(self) -> bool:
        return self.total > self.cap

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if not chunk or self._tail_keep == 0:
            return
        if len(chunk) >= self._tail_keep:
            self._tail[:] = chunk[-self._tail_keep :]
            return
        self._tail += chunk
        # Trim lazily so a stream of small chunks does not memmove on every feed.
        if len(self._tail) > 2 * self._tail_keep:
            del self._tail[: len(self._tail) - self._tail_keep]

    @property
    def tail_limit(self) -> int:
        """Bytes of tail kept when the stream overflowed."""
        if self._head_limit == self.cap:
            return 0
        return self.cap - MARKER_RESERVE - self._head_limit

    @property
    def dropped(self) -> int:
        """Bytes of the stream not present in :meth:`value`."""
        if not self.overflowed:
            return 0
        return self.total - len(self._head) - min(len(self._tail), self.tail_limit)

    @property
    def cut(self) -> tuple[int, int] | None:
        """Where :meth:`value` stands for the bytes left out, as a ``(start, end)`` byte span:
        the marker line between head and tail, or an empty span at the end when the cap is too
        small for a marker (head only). None when nothing was left out. Output shown to
        anyone but the caller is cut around this span (a secret may straddle it), and the
        stream's own bytes may well look like a marker, so this span is the only one to
        trust."""
        if not self.overflowed:
            return None
        if self.tail_limit == 0:
            return (len(self._head), len(self._head))
        return (len(self._head), len(self._head) + len(marker(self.dropped)))

    def value(self) -> bytes:
        if not self.overflowed:
            return bytes(self._head) + bytes(self._tail[-self._tail_keep :] if self._tail else b"")
        tail_n = min(len(self._tail), self.tail_limit)
        tail = bytes(self._tail[len(self._tail) - tail_n :]) if tail_n else b""
        if self.tail_limit == 0:
            return bytes(self._head)
        return bytes(self._head) + marker(self.dropped) + tail
