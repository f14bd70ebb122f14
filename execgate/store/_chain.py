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
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from ..models import Event

GENESIS = "0" * 64


def canonical(event: Event, chain_id: str, chain_seq: int) -> bytes:
    d: dict[str, Any] = attrs.asdict(event)
    d["argv"] = list(event.argv) if event.argv is not None else None
    d["chain_id"] = chain_id
    d["chain_seq"] = chain_seq
    # repr keeps floats exact; JSON with sorted keys is stable across versions and backends.
    d["ts"] = repr(float(event.ts))
    if event.duration_ms is not None:
        d["duration_ms"] = repr(float(event.duration_ms))
    return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def link(prev_hash: str, event: Event, chain_id: str, chain_seq: int) -> str:
    h = hashlib.sha256(prev_hash.encode("ascii"))
    h.update(canonical(event, chain_id, chain_seq))
    return h.hexdigest()


@attrs.define
class Chain:
    """The writer's position in its chain. Advanced only after a batch committed."""

    chain_id: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    seq: int = 0
    last_hash: str = GENESIS

    def extend(self, events: Iterable[Event]) -> tuple[list[tuple[Event, int, str, str]], Chain]:
        """(event, chain_seq, prev_hash, hash) for each event, and the chain after them."""
        out = []
        seq, prev = self.seq, self.last_hash
        for ev in events:
            seq += 1
            h = link(prev, ev, self.chain_id, seq)
            out.append((ev, seq, prev, h))
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


def verify_chain(chain_id: str, rows: Iterable[tuple[Event, int, str, str]]) -> Iterator[Break]:
    """Check one chain's rows (event, chain_seq, prev_hash, hash) in chain_seq order; yields
    the first broken link (then stops: after a break nothing further can be trusted)."""
    expected_seq, prev = 1, GENESIS
    for ev, seq, prev_hash, stored in rows:
        if seq != expected_seq:
            yield Break(chain_id, seq, ev.event_id, f"missing event(s) before #{seq}")
            return
        if prev_hash != prev:
            yield Break(chain_id, seq, ev.event_id, "prev_hash does not match the previous event")
            return
        if link(prev_hash, ev, chain_id, seq) != stored:
            yield Break(chain_id, seq, ev.event_id, "contents do not match the hash (edited)")
            return
        expected_seq, prev = seq + 1, stored
