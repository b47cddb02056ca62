"""The registry's events have builtin-actors' entries: keys, order, indexing flags and CBOR values."""

from __future__ import annotations

from filnet.actors.verifreg import emit
from filnet.core.types import ActorID
from filnet.ipld import dagcbor
from filnet.vm.events import FLAG_INDEXED_ALL, FLAG_INDEXED_KEY, IPLD_CBOR, ActorEvent
from tests.actors.verifreg.harness import make_alloc, make_claim

ALL, KEY = FLAG_INDEXED_ALL, FLAG_INDEXED_KEY


def _entries(event: ActorEvent) -> list[tuple[int, str, object]]:
    assert all(e.codec == IPLD_CBOR for e in event.entries)
    return [(e.flags, e.key, dagcbor.decode(e.value)) for e in event.entries]


def test_verifier_balance_event() -> None:
    assert _entries(emit.verifier_balance_event(201, 256, None)) == [
        (ALL, "$type", "verifier-balance"),
        (ALL, "verifier", 201),
        (KEY, "balance", b"\x00\x01\x00"),
    ]
    assert _entries(emit.verifier_balance_event(201, 0, 301))[2:] == [
        (KEY, "balance", b""),
        (ALL, "client", 301),
    ]


def test_allocation_event() -> None:
    alloc = make_alloc("1", ActorID(101), ActorID(301), 2048)
    assert _entries(emit.allocation_event("allocation-removed", 5, alloc)) == [
        (ALL, "$type", "allocation-removed"),
        (ALL, "id", 5),
        (ALL, "client", 101),
        (ALL, "provider", 301),
        (ALL, "piece-cid", alloc.data),
        (KEY, "piece-size", 2048),
        (KEY, "term-min", alloc.term_min),
        (KEY, "term-max", alloc.term_max),
        (KEY, "expiration", 100),
    ]


def test_claim_event() -> None:
    claim = make_claim("1", ActorID(101), ActorID(301), 2048, 10, 20, 3, 44)
    assert _entries(emit.claim_event("claim-updated", 6, claim)) == [
        (ALL, "$type", "claim-updated"),
        (ALL, "id", 6),
        (ALL, "client", 101),
        (ALL, "provider", 301),
        (ALL, "piece-cid", claim.data),
        (KEY, "piece-size", 2048),
        (KEY, "term-min", 10),
        (KEY, "term-max", 20),
        (KEY, "term-start", 3),
        (ALL, "sector", 44),
    ]
