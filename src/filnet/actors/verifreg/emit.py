"""Events the verified registry emits (FIP-0049; builtin-actors ``verifreg/src/emit.rs``).

``verifier-balance`` carries a verifier's new allowance in whole DataCap bytes (and, when a client was
just granted DataCap, the client). Allocation events carry the allocation's ID, client and provider, its
piece and terms and its expiration; claim events the same parties, piece and terms, the epoch the term
started and the sector. Actor IDs, the piece CID and the sector are indexed by value as well as by key.
"""

from __future__ import annotations

from filnet.actors.encoding import bigint
from filnet.actors.verifreg.state import Allocation, Claim
from filnet.ipld.cid import CID
from filnet.vm.events import ActorEvent, EventBuilder
from filnet.vm.runtime import Runtime


def _with_parties(builder: EventBuilder, item_id: int, client: int, provider: int) -> EventBuilder:
    return (
        builder.field_indexed("id", item_id)
        .field_indexed("client", client)
        .field_indexed("provider", provider)
    )


def _with_piece(builder: EventBuilder, piece_cid: CID, piece_size: int) -> EventBuilder:
    return builder.field_indexed("piece-cid", piece_cid).field("piece-size", piece_size)


def _with_term(builder: EventBuilder, term_min: int, term_max: int) -> EventBuilder:
    return builder.field("term-min", term_min).field("term-max", term_max)


def verifier_balance_event(verifier: int, new_balance: int, client: int | None) -> ActorEvent:
    """The ``verifier-balance`` event: a verifier's allowance now (not necessarily changed)."""
    builder = EventBuilder().typ("verifier-balance").field_indexed("verifier", verifier)
    builder = builder.field("balance", bigint(new_balance))
    if client is not None:
        builder = builder.field_indexed("client", client)
    return builder.build()


def allocation_event(kind: str, allocation_id: int, alloc: Allocation) -> ActorEvent:
    """An event of type ``kind`` (``allocation``, ``allocation-removed``) about one allocation."""
    builder = _with_parties(EventBuilder().typ(kind), allocation_id, alloc.client, alloc.provider)
    builder = _with_term(_with_piece(builder, alloc.data, alloc.size), alloc.term_min, alloc.term_max)
    return builder.field("expiration", alloc.expiration).build()


def claim_event(kind: str, claim_id: int, claim: Claim) -> ActorEvent:
    """An event of type ``kind`` (``claim``, ``claim-updated``, ``claim-removed``) about one claim."""
    builder = _with_parties(EventBuilder().typ(kind), claim_id, claim.client, claim.provider)
    builder = _with_term(_with_piece(builder, claim.data, claim.size), claim.term_min, claim.term_max)
    return builder.field("term-start", claim.term_start).field_indexed("sector", claim.sector).build()


def verifier_balance(rt: Runtime, verifier: int, new_balance: int, client: int | None) -> None:
    """A verifier's allowance is now ``new_balance`` (after granting ``client``, if given)."""
    rt.emit_event(verifier_balance_event(verifier, new_balance, client))


def allocation(rt: Runtime, allocation_id: int, alloc: Allocation) -> None:
    """A new allocation has been made."""
    rt.emit_event(allocation_event("allocation", allocation_id, alloc))


def allocation_removed(rt: Runtime, allocation_id: int, alloc: Allocation) -> None:
    """An expired allocation has been removed."""
    rt.emit_event(allocation_event("allocation-removed", allocation_id, alloc))


def claim(rt: Runtime, claim_id: int, claim: Claim) -> None:
    """An allocation has been claimed."""
    rt.emit_event(claim_event("claim", claim_id, claim))


def claim_updated(rt: Runtime, claim_id: int, claim: Claim) -> None:
    """A claim has changed (a longer maximum term)."""
    rt.emit_event(claim_event("claim-updated", claim_id, claim))


def claim_removed(rt: Runtime, claim_id: int, claim: Claim) -> None:
    """An expired claim has been removed."""
    rt.emit_event(claim_event("claim-removed", claim_id, claim))
