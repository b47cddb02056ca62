"""Reward minting math: bit-exact against Lotus genesis states, and the shape of the curves."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from filnet.actors.reward import logic
from filnet.actors.reward.state import RewardState
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.errors import InvalidInput
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import genesis

EPOCHS_PER_YEAR = 365 * 24 * 60 * 2  # 30-second epochs


@pytest.mark.parametrize("network", ["butterflynet", "interopnet"])
def test_constructor_state_matches_lotus_genesis(network: str) -> None:
    tree = StateTree.load(*genesis(network))
    data = tree.actor_state_block(Address.new_id(2))
    # Lotus constructs the reward actor with zero realized power at genesis.
    assert logic.initial_state(0).encode() == data


def test_q128_helpers() -> None:
    assert abs(logic.expneg(0) - logic.ONE) < 2**10
    for x in (0.1, 0.5, 1.0, 1.7):
        assert math.isclose(logic.expneg(int(x * 2**128)) / 2**128, math.exp(-x), rel_tol=1e-12)
    assert logic.poly_val((1 << 128, 5), 2 << 128) == (2 << 128) + 5
    # Baseline power doubles ("grows to 200%") in a year of epochs.
    growth = math.log(logic.BASELINE_EXPONENT / 2**128) * EPOCHS_PER_YEAR
    assert math.isclose(growth, math.log(2), rel_tol=1e-9)
    assert logic.INIT_BASELINE_POWER < logic.BASELINE_INITIAL_VALUE


def test_effective_network_time_interpolation() -> None:
    def baseline_at(epoch: int) -> int:
        return (epoch + 1) * 2048

    half = logic.compute_r_theta(1, baseline_at(1), 2048 + 2048, 2048 + 2 * 2048)
    assert half == logic.ONE // 2
    quarter = logic.compute_r_theta(1, baseline_at(1), 2048 + 1024, 2048 + 2 * 2048)
    assert quarter == logic.ONE // 4
    cumsum15 = sum(baseline_at(e) for e in range(16))
    theta = logic.compute_r_theta(
        16, baseline_at(16), cumsum15 + baseline_at(16) // 4, cumsum15 + baseline_at(16)
    )
    assert theta == 15 * logic.ONE + logic.ONE // 4
    assert logic.compute_r_theta(0, 1, 5, 7) == 0


def test_simple_minting_decays_and_sums_to_its_total() -> None:
    first = logic.compute_reward(0, 0, 0, logic.SIMPLE_TOTAL, logic.BASELINE_TOTAL)
    six_years = logic.compute_reward(6 * EPOCHS_PER_YEAR, 0, 0, logic.SIMPLE_TOTAL, logic.BASELINE_TOTAL)
    assert math.isclose(six_years / first, 0.5, rel_tol=1e-9)  # six-year half-life
    # The geometric series of per-epoch rewards sums to SIMPLE_TOTAL.
    ratio = math.exp(-logic.LAMBDA / 2**128)
    assert math.isclose(first / (1 - ratio), logic.SIMPLE_TOTAL, rel_tol=1e-6)


def test_epochs_with_and_without_power() -> None:
    state = logic.initial_state(0)
    idle = state
    for _ in range(10):
        idle = logic.update_to_next_epoch_with_reward(idle, 0)
    assert idle.epoch == 10 and idle.effective_network_time == 0 and idle.cumsum_realized == 0
    assert idle.this_epoch_reward < state.this_epoch_reward  # simple minting only, decaying
    busy = state
    for _ in range(10):
        busy = logic.update_to_next_epoch_with_reward(busy, 10**30)  # far above the baseline
    # Realized power is capped at the baseline, so effective time keeps pace with real time.
    assert busy.effective_network_time == 10 and busy.cumsum_realized <= busy.cumsum_baseline
    assert busy.this_epoch_reward > idle.this_epoch_reward  # baseline minting on top


def test_legacy_state_is_not_advanced() -> None:
    legacy = RewardState.decode(logic.initial_state(0).encode())
    with pytest.raises(InvalidInput):
        logic.update_to_next_epoch_with_reward(replace(legacy, simple_total=None, baseline_total=None), 0)
    assert legacy.this_epoch_reward > TokenAmount(0)
