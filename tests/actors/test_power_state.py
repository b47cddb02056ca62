"""Storage power state: Lotus genesis states round-trip, claims and cron queue rebuild, the empty state."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.actors.power import invariants
from filnet.actors.power.methods import Method
from filnet.actors.power.state import (
    CLAIMS_BIT_WIDTH,
    CRON_QUEUE_AMT_BIT_WIDTH,
    CRON_QUEUE_HAMT_BIT_WIDTH,
    Claim,
    Claims,
    CronEvent,
    PowerState,
    cron_events,
    cron_queue_key,
    empty_state,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.actors.states import STATE_TYPES
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.errors import InvalidInput
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.hamt import Hamt
from tests.actors.state_vectors import check_decode, lotus_state, mutated, rebuild_amt, rebuild_hamt

BUTTERFLY_BYTES = lotus_state("butterflynet", 4)[1]


@pytest.mark.parametrize(("network", "fields"), [("butterflynet", 17), ("interopnet", 15), ("calibnet", 16)])
def test_lotus_genesis_state_round_trips(network: str, fields: int) -> None:
    _, data = lotus_state(network, 4)
    state = PowerState.decode(data)
    assert state.encode() == data
    assert len(state.to_ipld()) == fields
    assert (state.ramp_start_epoch is not None) == (fields == 17)
    assert (state.last_processed_cron_epoch is not None) == (fields == 16)


@pytest.mark.parametrize("network", ["butterflynet", "interopnet"])
def test_claims_and_cron_queue_rebuild_to_lotus_roots(network: str) -> None:
    store, data = lotus_state(network, 4)
    state = PowerState.decode(data)
    root, entries = rebuild_hamt(store, state.claims, CLAIMS_BIT_WIDTH)
    assert root == state.claims and len(entries) == state.miner_count > 0
    for _, raw in entries:
        assert Claim.from_ipld(raw).to_ipld() == raw
    root, queue = rebuild_hamt(store, state.cron_event_queue, CRON_QUEUE_HAMT_BIT_WIDTH)
    assert root == state.cron_event_queue and queue
    for _, events_root in queue:
        inner, events = rebuild_amt(store, events_root, CRON_QUEUE_AMT_BIT_WIDTH)
        assert inner == events_root
        assert all(CronEvent.from_ipld(raw).to_ipld() == raw for _, raw in events)


def test_butterflynet_values() -> None:
    store, data = lotus_state("butterflynet", 4)
    state = PowerState.decode(data)
    claims = dict(Claims(store, state.claims).items())
    assert set(claims) == {Address.new_id(1000), Address.new_id(1001), Address.new_id(1002)}
    assert sum(c.raw_byte_power for c in claims.values()) == state.total_bytes_committed
    assert all(c.window_post_proof_type is not None for c in claims.values())
    events = dict(cron_events(store, state.cron_event_queue))
    assert {e.miner for batch in events.values() for e in batch} == set(claims)
    assert invariants.check_state_invariants(state, store) == []


def test_empty_state_is_builtin_actors_state_new() -> None:
    store = MemoryBlockstore()
    state = empty_state(store)
    # Lotus's genesis built its power state from State::new and then added miners, which touches neither
    # the smoothed estimate (only cron moves it) nor the ramp, the first cron epoch or the proof batch.
    lotus = PowerState.decode(BUTTERFLY_BYTES)
    assert state.this_epoch_qa_power_smoothed == lotus.this_epoch_qa_power_smoothed
    assert state.this_epoch_qa_power_smoothed == FilterEstimate((750_000 << 30) << 128, (3_840 << 30) << 128)
    assert (state.ramp_start_epoch, state.ramp_duration_epochs) == (
        lotus.ramp_start_epoch,
        lotus.ramp_duration_epochs,
    )
    assert (state.first_cron_epoch, state.proof_validation_batch) == (0, None)
    assert state.claims == state.cron_event_queue == Hamt(MemoryBlockstore()).flush()
    assert store.has(state.claims)
    assert (state.miner_count, state.total_raw_byte_power, state.total_pledge_collateral.atto) == (0, 0, 0)
    assert len(state.to_ipld()) == 17
    assert invariants.check_state_invariants(state, store) == []


def test_invariants_catch_a_miner_count_off_by_one() -> None:
    store, data = lotus_state("butterflynet", 4)
    state = PowerState.decode(data)
    problems = invariants.check_state_invariants(
        replace(state, miner_count=4, miner_above_min_power_count=5), store
    )
    assert any("3 claims but miner count 4" in p for p in problems)
    assert any("above minimum power 5" in p for p in problems)


def test_invalid_layout_mix_is_rejected() -> None:
    state = empty_state(MemoryBlockstore())
    with pytest.raises(InvalidInput):
        replace(state, last_processed_cron_epoch=ChainEpoch(-1))
    with pytest.raises(InvalidInput):
        replace(state, ramp_duration_epochs=None)


def test_registered_and_method_numbers() -> None:
    assert STATE_TYPES["storagepower"] is PowerState
    assert (Method.ON_EPOCH_TICK_END, Method.CURRENT_TOTAL_POWER) == (5, 9)
    assert int(Method.CREATE_MINER_EXPORTED) == 1173380165  # FRC-42 hash of "CreateMiner"
    assert cron_queue_key(ChainEpoch(-1)) == b"\x01" and cron_queue_key(ChainEpoch(64)) == b"\x80\x01"


@given(
    st.one_of(st.none(), st.integers(0, 20)),
    st.integers(-(1 << 300), 1 << 300),
    st.integers(-(1 << 300), 1 << 300),
)
def test_claim_round_trip(proof: int | None, raw: int, quality: int) -> None:
    claim = Claim(proof, raw, quality)
    assert Claim.decode(claim.encode()) == claim


@given(st.binary(max_size=200))
def test_random_bytes_decode_cleanly(data: bytes) -> None:
    check_decode(PowerState.decode, data)


@given(mutated(BUTTERFLY_BYTES))
def test_mutated_state_decodes_cleanly(data: bytes) -> None:
    check_decode(PowerState.decode, data)
