"""The vesting table (builtin-actors ``tests/vesting_add_locked_funds*.rs``, ``vesting_unvested_funds``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.vesting import VestingFund, VestingFunds
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params.network import VestSpec
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import POLICY, StateHarness

T = TokenAmount
E = ChainEpoch


def add_locked(h: StateHarness, epoch: int, amount: int, spec: VestSpec) -> TokenAmount:
    h.st, unlocked = h.st.add_locked_funds(h.store, E(epoch), T(amount), spec)
    return unlocked


def unlock_vested(h: StateHarness, epoch: int) -> TokenAmount:
    h.st, unlocked = h.st.unlock_vested_funds(h.store, E(epoch))
    return unlocked


def unlock_both(h: StateHarness, epoch: int, target: int) -> tuple[TokenAmount, TokenAmount]:
    h.st, unvested, total = h.st.unlock_vested_and_unvested_funds(h.store, E(epoch), T(target))
    return unvested, total


def test_locked_funds_increases_with_sequential_calls() -> None:
    h = StateHarness(0)
    spec = VestSpec(0, 1, 1, 1)
    add_locked(h, 10, 100, spec)
    assert h.st.locked_funds == T(100)
    add_locked(h, 10, 100, spec)
    assert h.st.locked_funds == T(200)


def test_vests_when_quantize_step_duration_and_vesting_period_are_coprime() -> None:
    h = StateHarness(0)
    add_locked(h, 10, 100, VestSpec(0, 27, 5, 7))
    assert h.st.locked_funds == T(100)
    expected = {22: 40, 29: 26, 36: 26, 43: 8}
    total = 0
    for e in range(10, 44):
        vested = unlock_vested(h, e)
        assert vested == T(expected.get(e, 0))
        total += vested.atto
    assert total == 100
    assert h.st.locked_funds == ZERO
    assert h.vesting_funds_store_empty()


VESTING_CASES = [
    ("single epoch", VestSpec(0, 1, 1, 1), 0, [0, 0, 100, 0]),
    ("period=2", VestSpec(0, 2, 1, 1), 0, [0, 0, 50, 50, 0]),
    ("period=2 quantization=2", VestSpec(0, 2, 1, 2), 0, [0, 0, 0, 100, 0]),
    ("period=3", VestSpec(0, 3, 1, 1), 0, [0, 0, 33, 33, 34, 0]),
    ("period=3 quantization=2", VestSpec(0, 3, 1, 2), 0, [0, 0, 0, 66, 0, 34, 0]),
    ("period=2 step=2", VestSpec(0, 2, 2, 1), 0, [0, 0, 0, 100, 0]),
    ("period=5 step=2", VestSpec(0, 5, 2, 1), 0, [0, 0, 0, 40, 0, 40, 0, 20, 0]),
    ("delay=1 period=5 step=2", VestSpec(1, 5, 2, 1), 0, [0, 0, 0, 0, 40, 0, 40, 0, 20, 0]),
    ("period=5 step=2 quantization=2", VestSpec(0, 5, 2, 2), 0, [0, 0, 0, 40, 0, 40, 0, 20, 0]),
    ("period=5 step=3 quantization=1", VestSpec(0, 5, 3, 1), 0, [0, 0, 0, 0, 60, 0, 0, 40, 0]),
    ("period=5 step=3 quantization=2", VestSpec(0, 5, 3, 2), 0, [0, 0, 0, 0, 0, 80, 0, 20, 0]),
    ("step greater than period", VestSpec(0, 5, 6, 1), 0, [0, 0, 0, 0, 0, 0, 0, 100, 0]),
    ("delay=5 period=5", VestSpec(5, 5, 1, 1), 0, [0, 0, 0, 0, 0, 0, 0, 20, 20, 20, 20, 20, 0]),
    ("offset 0", VestSpec(0, 10, 2, 2), 0, [0, 0, 0, 20, 0, 20, 0, 20, 0, 20, 0, 20]),
    ("offset 1", VestSpec(0, 10, 2, 2), 1, [0, 0, 0, 20, 0, 20, 0, 20, 0, 20, 0, 20]),
    (
        "period start > quantization unit",
        VestSpec(0, 10, 2, 2),
        55,
        [0, 0, 0, 20, 0, 20, 0, 20, 0, 20, 0, 20],
    ),
    ("step much smaller than quantization", VestSpec(0, 10, 1, 5), 0, [0, 0, 0, 0, 0, 0, 50, 0, 0, 0, 0, 50]),
]


@pytest.mark.parametrize(
    ("desc", "spec", "period_start", "vepochs"), VESTING_CASES, ids=[c[0] for c in VESTING_CASES]
)
def test_vesting_table(desc: str, spec: VestSpec, period_start: int, vepochs: list[int]) -> None:
    h = StateHarness(period_start)
    vest_start = period_start + 10
    add_locked(h, vest_start, 100, spec)
    assert h.st.locked_funds == T(100)
    total = 0
    for e, v in enumerate(vepochs):
        assert unlock_vested(h, vest_start + e) == T(v), desc
        total += v
        assert h.st.locked_funds == T(100 - total)
    assert total == 100
    assert h.vesting_funds_store_empty()
    assert h.st.locked_funds == ZERO


def test_unlock_unvested_funds_leaving_bucket_with_non_zero_tokens() -> None:
    h = StateHarness(0)
    add_locked(h, 100, 100, VestSpec(0, 5, 1, 1))
    assert unlock_both(h, 100, 39) == (T(39), T(39))
    # nothing vests until strictly after the first vesting epoch
    assert unlock_vested(h, 100) == ZERO
    assert unlock_vested(h, 101) == ZERO
    # partly taken already by the unvested unlock
    assert unlock_vested(h, 102) == ZERO
    assert unlock_vested(h, 103) == T(1)
    assert [unlock_vested(h, e) for e in (104, 105, 106, 107)] == [T(20), T(20), T(20), ZERO]
    assert h.st.locked_funds == ZERO
    assert h.vesting_funds_store_empty()


def test_unlock_unvested_funds_leaving_bucket_with_zero_tokens() -> None:
    h = StateHarness(0)
    add_locked(h, 100, 100, VestSpec(0, 5, 1, 1))
    assert unlock_both(h, 100, 40)[0] == T(40)
    assert [unlock_vested(h, e) for e in range(100, 108)] == [ZERO] * 4 + [T(20)] * 3 + [ZERO]
    assert h.st.locked_funds == ZERO
    assert h.vesting_funds_store_empty()


def test_unlock_all_unvested_funds() -> None:
    h = StateHarness(0)
    add_locked(h, 10, 100, VestSpec(0, 5, 1, 1))
    assert unlock_both(h, 10, 100)[0] == T(100)
    assert h.st.locked_funds == ZERO
    assert h.vesting_funds_store_empty()
    # the last entry is drawn exactly to zero and kept as a hidden head, as builtin-actors does
    assert h.st.vesting_funds.head is not None
    assert h.st.vesting_funds.head.amount == ZERO


def test_unlock_unvested_funds_value_greater_than_locked_funds() -> None:
    h = StateHarness(0)
    add_locked(h, 10, 100, VestSpec(0, 5, 1, 1))
    assert unlock_both(h, 10, 200)[0] == T(100)
    assert h.st.locked_funds == ZERO
    assert h.vesting_funds_store_empty()


def test_unlock_unvested_funds_when_there_are_vested_funds_in_the_table() -> None:
    h = StateHarness(0)
    # locks funds from 11 to 60
    assert add_locked(h, 10, 100, VestSpec(0, 50, 1, 1)) == ZERO
    unvested, total = unlock_both(h, 30, 60)
    assert unvested == T(60)
    assert total == T(98)
    assert h.st.locked_funds == T(2)
    assert [f.epoch for f in h.st.vesting_funds.load(h.store)] == [60]


def test_nothing_to_unlock_leaves_state_alone() -> None:
    h = StateHarness(0)
    before = h.st
    assert unlock_vested(h, 100) == ZERO
    assert unlock_both(h, 100, 10) == (ZERO, ZERO)
    assert h.st is before
    add_locked(h, 10, 100, VestSpec(0, 5, 1, 1))
    assert unlock_both(h, 10, 0) == (ZERO, ZERO)


def test_head_drawn_to_zero_is_hidden_but_kept() -> None:
    store = MemoryBlockstore()
    funds, _ = VestingFunds().add_locked_funds(store, E(10), T(100), E(0), VestSpec(0, 2, 1, 1))
    funds, vested, unvested = funds.unlock_vested_and_unvested_funds(store, E(10), T(50))
    assert (vested, unvested) == (ZERO, T(50))
    assert funds.head == VestingFund(E(11), ZERO)
    assert [f.epoch for f in funds.load(store)] == [12]
    assert VestingFunds.from_ipld(funds.to_ipld()) == funds


def test_negative_vesting_sum_is_an_illegal_state() -> None:
    h = StateHarness(0)
    with pytest.raises(ActorError) as e:
        add_locked(h, 10, -1, POLICY.reward_vesting)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_reward_vesting_spec_schedule_on_mainnet() -> None:
    h = StateHarness(0)
    add_locked(h, 1, 180 * 10**18, POLICY.reward_vesting)
    funds = h.st.vesting_funds.load(h.store)
    # 180 daily steps quantized to 12h boundaries of the proving period offset
    assert len(funds) == 180
    assert all(f.epoch % POLICY.reward_vesting.quantization == 0 for f in funds)
    assert sum(f.amount.atto for f in funds) == 180 * 10**18


@settings(max_examples=50, deadline=None)
@given(
    st.none()
    | st.tuples(st.integers(-(1 << 40), 1 << 40), st.integers(0, 10**30), st.binary(min_size=1, max_size=4))
)
def test_vesting_funds_cbor_round_trip(raw: tuple[int, int, bytes] | None) -> None:
    funds = (
        VestingFunds()
        if raw is None
        else VestingFunds(VestingFund(E(raw[0]), T(raw[1])), CID.compute(0x71, raw[2]))
    )
    assert VestingFunds.from_ipld(funds.to_ipld()) == funds
    if funds.head is not None:
        assert VestingFund.decode(funds.head.encode()) == funds.head
