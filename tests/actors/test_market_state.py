"""Storage market state: Lotus genesis states round-trip, deal tables rebuild, the empty state, invariants."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.actors.market import invariants
from filnet.actors.market.methods import Method
from filnet.actors.market.state import (
    BALANCE_TABLE_BIT_WIDTH,
    HAMT_BIT_WIDTH,
    PROPOSALS_AMT_BIT_WIDTH,
    STATES_AMT_BIT_WIDTH,
    DealProposal,
    DealState,
    MarketState,
    deal_ops_by_epoch,
    deal_states,
    empty_state,
    pending_proposals,
    proposals,
    provider_sectors,
)
from filnet.actors.states import STATE_TYPES
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from tests.actors.state_vectors import check_decode, lotus_state, mutated, rebuild_amt, rebuild_hamt

BUTTERFLY_BYTES = lotus_state("butterflynet", 5)[1]


@pytest.mark.parametrize(("network", "fields"), [("butterflynet", 13), ("interopnet", 11), ("calibnet", 11)])
def test_lotus_genesis_state_round_trips(network: str, fields: int) -> None:
    _, data = lotus_state(network, 5)
    state = MarketState.decode(data)
    assert state.encode() == data
    assert len(state.to_ipld()) == fields


@pytest.mark.parametrize("network", ["butterflynet", "interopnet"])
def test_deal_tables_rebuild_to_lotus_roots(network: str) -> None:
    store, data = lotus_state(network, 5)
    state = MarketState.decode(data)
    root, deals = rebuild_amt(store, state.proposals, PROPOSALS_AMT_BIT_WIDTH)
    assert root == state.proposals and len(deals) == state.next_id
    assert all(DealProposal.from_ipld(raw).to_ipld() == raw for _, raw in deals)
    root, states = rebuild_amt(store, state.states, STATES_AMT_BIT_WIDTH)
    assert root == state.states and len(states) == len(deals)
    assert all(DealState.from_ipld(raw).to_ipld() == raw for _, raw in states)
    for table in (state.escrow_table, state.locked_table):
        assert rebuild_hamt(store, table, BALANCE_TABLE_BIT_WIDTH)[0] == table
    assert rebuild_hamt(store, state.pending_proposals, HAMT_BIT_WIDTH)[0] == state.pending_proposals
    root, epochs = rebuild_hamt(store, state.deal_ops_by_epoch, HAMT_BIT_WIDTH)
    assert root == state.deal_ops_by_epoch and epochs
    for _, inner in epochs:
        assert rebuild_hamt(store, inner, HAMT_BIT_WIDTH)[0] == inner


def test_butterflynet_v13_tables_rebuild_and_values() -> None:
    store, data = lotus_state("butterflynet", 5)
    state = MarketState.decode(data)
    assert state.provider_sectors is not None and state.pending_deal_allocation_ids is not None
    root, providers = rebuild_hamt(store, state.provider_sectors, HAMT_BIT_WIDTH)
    assert root == state.provider_sectors and len(providers) == 3
    for _, inner in providers:
        assert rebuild_hamt(store, inner, HAMT_BIT_WIDTH)[0] == inner
    deals = dict(proposals(store, state.proposals))
    sectors = list(provider_sectors(store, state.provider_sectors))
    assert sorted(d for _, _, ids in sectors for d in ids) == sorted(deals)
    assert all(deals[d].provider == Address.new_id(p) for p, _, ids in sectors for d in ids)
    assert {d.verified_deal for d in deals.values()} == {True}
    assert all(s.sector_number is not None for _, s in deal_states(store, state.states))
    # Each pending proposal is the CID of a proposal (blake2b-256 DAG-CBOR, as Lotus computes deal CIDs).
    computed = {CID.compute(codecs.DAG_CBOR, d.encode(), multihash.BLAKE2B_256) for d in deals.values()}
    assert set(pending_proposals(store, state.pending_proposals)) == computed
    assert sum(len(ids) for _, ids in deal_ops_by_epoch(store, state.deal_ops_by_epoch)) == len(deals)
    assert invariants.check_state_invariants(state, store) == []


def test_empty_state_is_builtin_actors_state_new() -> None:
    store = MemoryBlockstore()
    state = empty_state(store)
    lotus = MarketState.decode(BUTTERFLY_BYTES)
    empty_hamt = Hamt(MemoryBlockstore()).flush()
    # Lotus's genesis market started from State::new; its preseal deals filled the deal tables, but escrow
    # (settled at genesis), pending allocations, the cron cursor and the locked totals are still the empty
    # state's.
    assert state.escrow_table == lotus.escrow_table == empty_hamt
    assert state.pending_deal_allocation_ids == lotus.pending_deal_allocation_ids == empty_hamt
    assert (state.last_cron, lotus.last_cron) == (-1, -1)
    assert state.total_client_locked_collateral == lotus.total_client_locked_collateral == ZERO
    assert state.total_provider_locked_collateral == lotus.total_provider_locked_collateral == ZERO
    assert state.total_client_storage_fee == lotus.total_client_storage_fee == ZERO
    assert (
        state.pending_proposals
        == state.locked_table
        == state.deal_ops_by_epoch
        == state.provider_sectors
        == empty_hamt
    )
    assert state.next_id == 0 and len(state.to_ipld()) == 13
    assert dagcbor.decode(store.get(state.proposals)) == [PROPOSALS_AMT_BIT_WIDTH, 0, 0, [bytes(4), [], []]]
    assert dagcbor.decode(store.get(state.states)) == [STATES_AMT_BIT_WIDTH, 0, 0, [bytes(8), [], []]]
    assert len(Amt(store, state.proposals, PROPOSALS_AMT_BIT_WIDTH)) == 0
    assert invariants.check_state_invariants(state, store) == []


def test_invariants_catch_deal_ids_past_next_id() -> None:
    store, data = lotus_state("butterflynet", 5)
    state = MarketState.decode(data)
    problems = invariants.check_state_invariants(
        replace(state, next_id=10, total_client_storage_fee=TokenAmount(-1)), store
    )
    assert any("deal 10 is not below next ID 10" in p for p in problems)
    assert any("negative total client storage fee" in p for p in problems)


def test_registered_and_method_numbers() -> None:
    assert STATE_TYPES["storagemarket"] is MarketState
    assert (Method.PUBLISH_STORAGE_DEALS, Method.CRON_TICK) == (4, 9)
    assert int(Method.ADD_BALANCE_EXPORTED) == 822473126  # FRC-42 hash of "AddBalance"


_AMOUNTS = st.integers(0, 1 << 130).map(TokenAmount)


@given(
    label=st.one_of(st.text(max_size=20), st.binary(max_size=20)),
    size=st.integers(0, (1 << 64) - 1),
    start=st.integers(-(1 << 63), (1 << 63) - 1),
    price=_AMOUNTS,
    verified=st.booleans(),
)
def test_deal_proposal_round_trip(
    label: str | bytes, size: int, start: int, price: TokenAmount, verified: bool
) -> None:
    piece = CID.compute(codecs.RAW, b"piece")
    deal = DealProposal(
        piece,
        size,
        verified,
        Address.new_id(100),
        Address.new_id(1000),
        label,
        ChainEpoch(start),
        ChainEpoch(start),
        price,
        price,
        ZERO,
    )
    assert DealProposal.decode(deal.encode()) == deal


@given(st.one_of(st.none(), st.integers(0, 1 << 40)), st.integers(-1, 1 << 40))
def test_deal_state_round_trip(sector: int | None, epoch: int) -> None:
    state = DealState(sector, ChainEpoch(epoch), ChainEpoch(-1), ChainEpoch(epoch))
    assert DealState.decode(state.encode()) == state


@given(st.binary(max_size=200))
def test_random_bytes_decode_cleanly(data: bytes) -> None:
    check_decode(MarketState.decode, data)


@given(mutated(BUTTERFLY_BYTES))
def test_mutated_state_decodes_cleanly(data: bytes) -> None:
    check_decode(MarketState.decode, data)
