"""Tamper evidence: hash chains over events. Pure.

Each writer (one supervisor run) appends to its own chain. An event's hash is
``sha256(prev_hash || canonical JSON of the event with its chain id and position)``; the first
event's ``prev_hash`` is the hash of the newest event of the chain started before it (64 zeros
for a store's first chain; the store records which chain and event in ``chain_links``).
Editing a row breaks its hash; deleting one leaves a gap in ``chain_seq`` or a ``prev_hash``
that no longer matches; reordering breaks both; deleting a whole chain leaves the next chain
following an event that is gone.

The last event value is the id of the host that wrote it, so the chain covers it too. Rows
written before events carried a host have it NULL and are hashed without it, exactly as they
were written; setting or clearing a stored host id therefore breaks the hash either way.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import attrs

GENESIS = "0" * 64
# One encoder for all calls: json.dumps with options builds a new encoder every time.
_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)


# JSONEncoder.encode builds its C encoder anew on every call, and the writer encodes every
# event: keep built ones. Same output by construction: these are the arguments encode() passes
# (minus the circular check, which flat rows never need).
def _c_encoder(item_sep: str, key_sep: str) -> Any:
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover  (CPython always has _json)
        return None
    return make(
        None, _encoder.default, json.encoder.encode_basestring_ascii, None, key_sep, item_sep,
        False, False, True,
    )  # fmt: skip


_iterencode = _c_encoder(",", ":")
_iterencode_default = _c_encoder(", ", ": ")


def json_text(value: Any) -> str:
    """``json.dumps(value)`` (default separators), without building an encoder per call."""
    if _iterencode_default is None:  # pragma: no cover
        return json.dumps(value)
    return "".join(_iterencode_default(value, 0))


_sha256 = hashlib.sha256


def _text(values: Sequence[Any]) -> str:
    if _iterencode is not None:
        return "".join(_iterencode(values, 0))
    return _encoder.encode(values)  # pragma: no cover


def canonical(values: Sequence[Any]) -> bytes:
    """The bytes an event's hash covers: a JSON array of its column values in the fixed
    column order (event fields, argv as its JSON text, then chain_id and chain_seq).

    JSON renders floats with ``repr``, which round-trips exactly; booleans must be booleans
    (SQLite hands back 0/1: normalise before calling).
    """
    return _text(values).encode()


def link(prev_hash: str, values: Sequence[Any]) -> str:
    return _sha256(prev_hash.encode("ascii") + canonical(values)).hexdigest()


def hashed(row: Sequence[Any]) -> Sequence[Any]:
    """The event values a row's hash covers: all of them, or without the host when it is
    NULL (a row from before events carried one)."""
    return row[:-1] if row and row[-1] is None else row


@attrs.define
class Chain:
    """The writer's position in its chain. Advanced only after a batch committed."""

    chain_id: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    seq: int = 0
    last_hash: str = GENESIS

    def extend(self, rows: Iterable[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], Chain]:
        """Each row (event column values) with chain_id, chain_seq, prev_hash, hash appended,
        and the chain after them."""
        # The writer's hot loop (every event passes here): link() inlined, and the canonical
        # text of (*row, chain_id, seq) built from the row's own text, without the tuple.
        out: list[tuple[Any, ...]] = []
        append = out.append
        chain_id, seq, prev = self.chain_id, self.seq, self.last_hash
        cid = _text((chain_id,))[1:-1]
        for row in rows:
            seq += 1
            inner = _text(row[:-1] if row and row[-1] is None else row)[1:-1]
            # prev_hash is hex and the JSON is ASCII: one encode covers both
            data = f"{prev}[{inner},{cid},{seq}]" if inner else f"{prev}[{cid},{seq}]"
            h = _sha256(data.encode("ascii")).hexdigest()
            append((*row, chain_id, seq, prev, h))
            prev = h
        return out, Chain(chain_id, seq, prev)


#: What a :class:`Break` is, as a stable code: a gap in the chain, a ``prev_hash`` that does
#: not follow, an edited event, a value no writer stores (a BLOB, say), stored output that
#: does not match its result's sha256 (or that no result recorded), forged purge anchors, and
#: the chain-link breaks (a chain whose events are all gone, one that follows a gone event,
#: one whose link record is gone).
BreakCode = Literal[
    "EG-CHAIN-GAP",
    "EG-CHAIN-PREV",
    "EG-EVENT-EDITED",
    "EG-VALUE-INVALID",
    "EG-OUTPUT-EDITED",
    "EG-OUTPUT-ORPHAN",
    "EG-ANCHORS-FORGED",
    "EG-CHAIN-GONE",
    "EG-LINK-GONE",
]


@attrs.frozen
class Break:
    chain_id: str
    chain_seq: int
    event_id: str
    problem: str
    code: BreakCode = "EG-EVENT-EDITED"


@attrs.frozen
class VerifyReport:
    chains: int
    events: int
    breaks: tuple[Break, ...]
    #: Chains whose last event is not a supervisor_stop: a crash, or deleted tail rows.
    unsealed: tuple[str, ...]
    #: Chains of dead gates closed by recovery (their lease was claimed, their unfinished
    #: jobs marked interrupted by another gate): not in ``unsealed``.
    recovered: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.breaks


def anchors_digest(anchors: Iterable[tuple[str, int, str]]) -> str:
    """The digest a purge event commits to: every (chain_id, through_seq, hash) anchor."""
    return hashlib.sha256(canonical(sorted([list(a) for a in anchors]))).hexdigest()


def verify_chain(
    chain_id: str,
    rows: Iterable[tuple[Any, ...]],
    anchor: tuple[int, str] | None = None,
    names: Sequence[str] = (),
) -> Iterator[Break]:
    """Check one chain's rows, each ``(*event values, chain_id, chain_seq, prev_hash, hash)``
    in chain_seq order, with ``event_id`` first and the host id last of the event values;
    yields the first broken link and stops: after a break nothing further in the chain can
    be trusted. ``anchor`` is where a
    retention purge left the chain: (last deleted chain_seq, its hash). ``names`` names the
    row's columns in a report."""
    expected_seq, prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    for row in rows:
        *keyed, prev_hash, stored = row
        seq, event_id = keyed[-1], keyed[0]
        keyed = [*hashed(keyed[:-2]), *keyed[-2:]]
        odd = invalid_value(row, names)
        if odd is not None:
            yield Break(
                chain_id, expected_seq, str(event_id), f"{odd} (forged)", "EG-VALUE-INVALID"
            )
            return
        if seq != expected_seq:
            yield Break(chain_id, seq, event_id, f"missing event(s) before #{seq}", "EG-CHAIN-GAP")
            return
        if prev_hash != prev:
            yield Break(
                chain_id,
                seq,
                event_id,
                "prev_hash does not match the previous event",
                "EG-CHAIN-PREV",
            )
            return
        if link(prev_hash, keyed) != stored:
            yield Break(chain_id, seq, event_id, "contents do not match the hash (edited)")
            return
        expected_seq, prev = seq + 1, stored


#: The types a stored value has when execgate wrote it (SQLite's booleans normalised).
_VALUE_TYPES = (str, int, float, bool, type(None))


def invalid_value(row: Sequence[Any], names: Sequence[str] = ()) -> str | None:
    """Why ``row`` holds a value no writer stores (a BLOB, say: nothing a hash or a report
    can take as written), or None. ``names`` names its columns."""
    for i, value in enumerate(row):
        if not isinstance(value, _VALUE_TYPES):
            name = names[i] if i < len(names) else f"column {i + 1}"
            return f"{name} holds a {type(value).__name__} value, which no gate writes"
    return None
