"""Invariants of the verified registry's state (builtin-actors ``verifreg::testing`` habit)."""

from __future__ import annotations

from filnet.actors.verifreg.state import VerifregState, allocations, claims, data_caps
from filnet.core.address import Protocol
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: VerifregState, store: Blockstore) -> list[str]:
    """Violations of the registry's invariants: an ID root key, verifiers at ID addresses with non-negative
    allowances, allocations and claims filed under their own client and provider with IDs below
    ``next_allocation_id`` (claims keep their allocation's ID). Map checks need the actors v9+ layout."""
    problems: list[str] = []
    if state.root_key.protocol is not Protocol.ID:
        problems.append(f"root key {state.root_key} is not an ID address")
    if state.allocations is None or state.claims is None or state.next_allocation_id is None:
        return problems
    next_id = state.next_allocation_id
    try:
        for verifier, cap in data_caps(store, state.verifiers):
            if verifier.protocol is not Protocol.ID:
                problems.append(f"verifier {verifier} is not an ID address")
            if cap < 0:
                problems.append(f"verifier {verifier} has negative allowance {cap}")
        for client, alloc_id, allocation in allocations(store, state.allocations):
            if allocation.client != client:
                problems.append(f"allocation {alloc_id} of f0{allocation.client} is filed under f0{client}")
            if not 0 < alloc_id < next_id:
                problems.append(f"allocation ID {alloc_id} is not in 1..{next_id - 1}")
        for provider, claim_id, claim in claims(store, state.claims):
            if claim.provider != provider:
                problems.append(f"claim {claim_id} of f0{claim.provider} is filed under f0{provider}")
            if not 0 < claim_id < next_id:
                problems.append(f"claim ID {claim_id} is not in 1..{next_id - 1}")
    except FilnetError as e:
        problems.append(f"error loading verified registry maps: {e}")
    return problems
