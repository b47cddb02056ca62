"""Verified registry state: Lotus genesis states round-trip, maps rebuild, the empty state, invariants."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.actors.states import STATE_TYPES
from filnet.actors.verifreg import invariants
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.state import (
    FIRST_ALLOCATION_ID,
    HAMT_BIT_WIDTH,
    ROOT_VERIFIER,
    Allocation,
    Claim,
    VerifregState,
    allocations,
    claims,
    data_caps,
    empty_state,
)
from filnet.core.address import Address
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import InvalidInput
from filnet.ipld import codecs
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from tests.actors.state_vectors import check_decode, lotus_state, mutated, rebuild_hamt

BUTTERFLY_BYTES = lotus_state("butterflynet", 6)[1]


@pytest.mark.parametrize(("network", "fields"), [("butterflynet", 6), ("interopnet", 4), ("calibnet", 3)])
def test_lotus_genesis_state_round_trips(network: str, fields: int) -> None:
    _, data = lotus_state(network, 6)
    state = VerifregState.decode(data)
    assert state.encode() == data
    assert len(state.to_ipld()) == fields
    assert state.root_key == ROOT_VERIFIER


def test_butterflynet_maps_rebuild_and_values() -> None:
    store, data = lotus_state("butterflynet", 6)
    state = VerifregState.decode(data)
    assert state.claims is not None and state.allocations is not None
    assert rebuild_hamt(store, state.verifiers, HAMT_BIT_WIDTH)[0] == state.verifiers
    # Lotus's genesis makes f081 a verifier of exactly the preseal deals' size, all granted to clients.
    assert list(data_caps(store, state.verifiers)) == [(Address.new_id(81), 0)]
    root, providers = rebuild_hamt(store, state.claims, HAMT_BIT_WIDTH)
    assert root == state.claims and len(providers) == 3
    for _, inner in providers:
        inner_root, entries = rebuild_hamt(store, inner, HAMT_BIT_WIDTH)
        assert inner_root == inner
        assert all(Claim.from_ipld(raw).to_ipld() == raw for _, raw in entries)
    found = list(claims(store, state.claims))
    assert state.next_allocation_id is not None
    assert len(found) == state.next_allocation_id - FIRST_ALLOCATION_ID == 1440
    assert {c.provider for _, _, c in found} == {1000, 1001, 1002}
    assert list(allocations(store, state.allocations)) == []
    assert invariants.check_state_invariants(state, store) == []


def test_empty_state_is_builtin_actors_state_new() -> None:
    store = MemoryBlockstore()
    state = empty_state(store, ROOT_VERIFIER)
    lotus = VerifregState.decode(BUTTERFLY_BYTES)
    empty = Hamt(MemoryBlockstore()).flush()
    assert state == VerifregState(ROOT_VERIFIER, empty, None, empty, empty, 1, empty)
    assert store.has(empty)
    # Lotus's genesis: the same root key and still-empty removal and allocation maps; only the preseal
    # deals' verifier, claims and allocation counter differ.
    same_except_preseals = replace(
        lotus, verifiers=empty, claims=empty, next_allocation_id=FIRST_ALLOCATION_ID
    )
    assert same_except_preseals.encode() == state.encode()
    assert invariants.check_state_invariants(state, store) == []


def test_invariants_catch_misfiled_claims_and_key_roots() -> None:
    store, data = lotus_state("butterflynet", 6)
    state = VerifregState.decode(data)
    problems = invariants.check_state_invariants(replace(state, next_allocation_id=100), store)
    assert any("claim ID 100 is not in 1..99" in p for p in problems)
    problems = invariants.check_state_invariants(replace(state, root_key=Address.new_actor(b"x")), store)
    assert problems == [f"root key {Address.new_actor(b'x')} is not an ID address"]


def test_layout_mix_is_rejected() -> None:
    state = empty_state(MemoryBlockstore(), ROOT_VERIFIER)
    with pytest.raises(InvalidInput):
        replace(state, verified_clients=state.verifiers)
    with pytest.raises(InvalidInput):
        replace(state, claims=None)


def test_registered_and_method_numbers() -> None:
    assert STATE_TYPES["verifiedregistry"] is VerifregState
    assert (Method.ADD_VERIFIER, Method.CLAIM_ALLOCATIONS, Method.REMOVE_EXPIRED_CLAIMS) == (2, 9, 12)
    assert int(Method.UNIVERSAL_RECEIVER_HOOK) == 3726118371  # FRC-42 hash of "Receive"


_IDS = st.integers(0, (1 << 63) - 1)
_EPOCHS = st.integers(-(1 << 63), (1 << 63) - 1).map(ChainEpoch)


@given(_IDS, _IDS, st.integers(0, (1 << 64) - 1), _EPOCHS, _EPOCHS)
def test_allocation_and_claim_round_trip(
    client: int, provider: int, size: int, term: ChainEpoch, start: ChainEpoch
) -> None:
    data = CID.compute(codecs.RAW, b"piece")
    allocation = Allocation(ActorID(client), ActorID(provider), data, size, term, term, start)
    assert Allocation.decode(allocation.encode()) == allocation
    claim = Claim(ActorID(provider), ActorID(client), data, size, term, term, start, provider)
    assert Claim.decode(claim.encode()) == claim


@given(st.binary(max_size=200))
def test_random_bytes_decode_cleanly(data: bytes) -> None:
    check_decode(VerifregState.decode, data)


@given(mutated(BUTTERFLY_BYTES))
def test_mutated_state_decodes_cleanly(data: bytes) -> None:
    check_decode(VerifregState.decode, data)
