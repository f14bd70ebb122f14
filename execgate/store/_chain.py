"""Tamper evidence: hash chains over events. Pure.

Each writer (one supervisor run) appends to its own chain. An event's hash is
``sha256(prev_hash || canonical JSON of the event with its chain id and position)``; the first
event's ``prev_hash`` is 64 zeros. Editing a row breaks its hash; deleting one leaves a gap in
``chain_seq`` or a ``prev_hash`` that no longer matches; reordering breaks both.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

GENESIS = "0" * 64
# One encoder for all calls: json.dumps with options builds a new encoder every time.
_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)


def canonical(values: Sequence[Any]) -> bytes:
    """The bytes an event's hash covers: a JSON array of its column values in the fixed
    column order (event fields, argv as its JSON text, then chain_id and chain_seq).

    JSON renders floats with ``repr``, which round-trips exactly; booleans must be booleans
    (SQLite hands back 0/1: normalise before calling).
    """
    return _encoder.encode(values).encode()


def link(prev_hash: str, values: Sequence[Any]) -> str:
    h = hashlib.sha256(prev_hash.encode("ascii"))
    h.update(canonical(values))
    return h.hexdigest()


@attrs.define
class Chain:
    """The writer's position in its chain. Advanced only after a batch committed."""

    chain_id: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    seq: int = 0
    last_hash: str = GENESIS

    def extend(self, rows: Iterable[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], Chain]:
        """Each row (event column values) with chain_id, chain_seq, prev_hash, hash appended,
        and the chain after them."""
        out = []
        seq, prev = self.seq, self.last_hash
        for row in rows:
            seq += 1
            keyed = (*row, self.chain_id, seq)
            h = link(prev, keyed)
            out.append((*keyed, prev, h))
            prev = h
        return out, Chain(self.chain_id, seq, prev)


@attrs.frozen
class Break:
    chain_id: str
    chain_seq: int
    event_id: str
    problem: str


@attrs.frozen
class VerifyReport:
    chains: int
    events: int
    breaks: tuple[Break, ...]
    #: Chains whose last event is not a supervisor_stop: a crash, or deleted tail rows.
    unsealed: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.breaks


def anchors_digest(anchors: Iterable[tuple[str, int, str]]) -> str:
    """The digest a purge event commits to: every (chain_id, through_seq, hash) anchor."""
    return hashlib.sha256(canonical(sorted([list(a) for a in anchors]))).hexdigest()


def verify_chain(
    chain_id: str, rows: Iterable[tuple[Any, ...]], anchor: tuple[int, str] | None = None
) -> Iterator[Break]:
    """Check one chain's rows, each ``(*event values, chain_id, chain_seq, prev_hash, hash)``
    in chain_seq order, with ``event_id`` first; yields the first broken link and stops:
    after a break nothing further in the chain can be trusted. ``anchor`` is where a
    retention purge left the chain: (last deleted chain_seq, its hash)."""
    expected_seq, prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    for row in rows:
        *keyed, prev_hash, stored = row
        seq, event_id = keyed[-1], keyed[0]
        if seq != expected_seq:
            yield Break(chain_id, seq, event_id, f"missing event(s) before #{seq}")
            return
        if prev_hash != prev:
            yield Break(chain_id, seq, event_id, "prev_hash does not match the previous event")
            return
        if link(prev_hash, keyed) != stored:
            yield Break(chain_id, seq, event_id, "contents do not match the hash (edited)")
            return
        expected_seq, prev = seq + 1, stored
