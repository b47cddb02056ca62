"""Datacap state: the Lotus genesis state round-trips, its token maps rebuild, the empty state, invariants."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from filnet.actors.datacap import invariants
from filnet.actors.datacap.methods import Method
from filnet.actors.datacap.state import (
    GOVERNOR,
    TOKEN_HAMT_BIT_WIDTH,
    DatacapState,
    TokenState,
    allowances,
    balances,
    empty_state,
)
from filnet.actors.encoding import uint_key
from filnet.actors.states import STATE_TYPES
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from tests.actors.state_vectors import check_decode, lotus_state, mutated, rebuild_hamt

BUTTERFLY_BYTES = lotus_state("butterflynet", 7)[1]


def test_lotus_genesis_state_round_trips_and_maps_rebuild() -> None:
    store, data = lotus_state("butterflynet", 7)
    state = DatacapState.decode(data)
    assert state.encode() == data
    assert state.governor == GOVERNOR and state.token.hamt_bit_width == TOKEN_HAMT_BIT_WIDTH
    token = state.token
    assert rebuild_hamt(store, token.balances, TOKEN_HAMT_BIT_WIDTH)[0] == token.balances
    root, owners = rebuild_hamt(store, token.allowances, TOKEN_HAMT_BIT_WIDTH)
    assert root == token.allowances and len(owners) == 3
    for _, inner in owners:
        assert rebuild_hamt(store, inner, TOKEN_HAMT_BIT_WIDTH)[0] == inner
    # The preseal clients' DataCap was spent on their verified deals; each still allows the market (f05).
    assert list(balances(store, token)) == []
    assert {(owner, operator) for owner, operator, _ in allowances(store, token)} == {
        (100, 5),
        (101, 5),
        (102, 5),
    }
    assert invariants.check_state_invariants(state, store) == []


def test_empty_state_is_builtin_actors_state_new() -> None:
    store = MemoryBlockstore()
    state = empty_state(store)
    empty = Hamt(MemoryBlockstore()).flush()
    assert state == DatacapState(Address.new_id(6), TokenState(ZERO, empty, empty, 3))
    assert store.has(empty)
    lotus = DatacapState.decode(BUTTERFLY_BYTES)
    # Lotus's genesis differs from State::new only by the preseal clients' allowances to the market.
    assert replace(lotus, token=replace(lotus.token, allowances=empty)).encode() == state.encode()
    assert invariants.check_state_invariants(state, store) == []


def test_invariants_catch_supply_mismatch() -> None:
    store = MemoryBlockstore()
    state = empty_state(store)
    balance_map = Hamt(store, bit_width=TOKEN_HAMT_BIT_WIDTH)
    balance_map.set(uint_key(100), TokenAmount(5 * 10**18).to_bytes())
    token = replace(state.token, balances=balance_map.flush(), supply=TokenAmount(7 * 10**18))
    problems = invariants.check_state_invariants(replace(state, token=token), store)
    assert problems == [f"balances sum to {TokenAmount(5 * 10**18)}, supply is {TokenAmount(7 * 10**18)}"]


def test_registered_and_method_numbers() -> None:
    assert STATE_TYPES["datacap"] is DatacapState
    assert int(Method.CONSTRUCTOR) == 1
    assert int(Method.NAME_EXPORTED) == 48890204  # FRC-42 hash of "Name"


@given(st.integers(0, 1 << 200), st.integers(1, 8))
def test_token_state_round_trip(supply: int, bit_width: int) -> None:
    empty = CID.parse("bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay")
    state = DatacapState(GOVERNOR, TokenState(TokenAmount(supply), empty, empty, bit_width))
    assert DatacapState.decode(state.encode()) == state


@given(st.binary(max_size=120))
def test_random_bytes_decode_cleanly(data: bytes) -> None:
    check_decode(DatacapState.decode, data)


@given(mutated(BUTTERFLY_BYTES))
def test_mutated_state_decodes_cleanly(data: bytes) -> None:
    check_decode(DatacapState.decode, data)
