"""Money formulas of the miner (builtin-actors ``monies_test.rs``, ``pledge_penalty_for_termination.rs``,
``expected_reward_for_power_clampted_at_atto_fil_test.rs``, ``fip0081_initial_pledge.rs`` and
``precommit_deposit_and_initial_pledge_positive_test.rs``)."""

from __future__ import annotations

import pytest

from filnet.actors.miner.monies import (
    TERM_FEE_MAX_FAULT_FEE_MULTIPLE_DENOM,
    TERM_FEE_MAX_FAULT_FEE_MULTIPLE_NUM,
    TERM_FEE_MIN_PLEDGE_MULTIPLE_DENOM,
    TERM_FEE_MIN_PLEDGE_MULTIPLE_NUM,
    TERM_FEE_PLEDGE_MULTIPLE_DENOM,
    TERM_FEE_PLEDGE_MULTIPLE_NUM,
    TERMINATION_LIFETIME_CAP,
    consensus_fault_penalty,
    expected_reward_for_power,
    expected_reward_for_power_clamped_at_atto_fil,
    initial_pledge_for_power,
    locked_reward_from_reward,
    pledge_penalty_for_continued_fault,
    pledge_penalty_for_termination,
    pre_commit_deposit_for_power,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.core.token import ZERO, TokenAmount
from filnet.params.network import DEVNET_POLICY, EPOCHS_IN_DAY

REWARD = FilterEstimate.from_q0(1 << 50, 0)
RISING_POWER = FilterEstimate.from_q0(1 << 10, 1 << 10)
FALLING_POWER = FilterEstimate.from_q0(1 << 10, -(1 << 10))


def test_negative_br_clamp() -> None:
    assert FALLING_POWER.extrapolate(4) < (1 << 10) << 256
    assert expected_reward_for_power(REWARD, FALLING_POWER, 1 << 36, 4) == ZERO


def test_zero_power_means_zero_fault_penalty() -> None:
    assert pledge_penalty_for_continued_fault(REWARD, RISING_POWER, 0) == ZERO


@pytest.mark.parametrize(
    ("multiple", "power"), [(m, p) for m in (10, 1000) for p in (1 << 6, 1 << 36, 1 << 50)]
)
def test_aggregate_power_pledge_penalty_for_continued_fault(multiple: int, power: int) -> None:
    aggregate = pledge_penalty_for_continued_fault(REWARD, RISING_POWER, power * multiple)
    individual = pledge_penalty_for_continued_fault(REWARD, RISING_POWER, power) * multiple
    assert aggregate.atto > 0
    assert abs(aggregate.atto - individual.atto) <= multiple


def test_expected_zero_valued_br_clamped_at_1_attofil() -> None:
    assert expected_reward_for_power_clamped_at_atto_fil(REWARD, RISING_POWER, 0, 1) == TokenAmount(1)


def test_expected_negative_value_br_clamped_at_1_atto_fil() -> None:
    assert expected_reward_for_power_clamped_at_atto_fil(REWARD, FALLING_POWER, 1 << 36, 4) == TokenAmount(1)


def test_expected_reward_with_no_network_power_is_the_epoch_reward() -> None:
    assert expected_reward_for_power(REWARD, FilterEstimate(0, 0), 1 << 36, 100) == TokenAmount(1 << 50)


PLEDGE = TokenAmount(1 << 10)


def test_termination_fee_when_sector_age_exceeds_cap_is_percentage_of_pledge() -> None:
    fee = pledge_penalty_for_termination(PLEDGE, (TERMINATION_LIFETIME_CAP + 1) * EPOCHS_IN_DAY, ZERO)
    assert fee.atto == (PLEDGE.atto * TERM_FEE_PLEDGE_MULTIPLE_NUM) // TERM_FEE_PLEDGE_MULTIPLE_DENOM


def test_termination_fee_when_sector_age_below_cap_scales_with_age() -> None:
    days = TERMINATION_LIFETIME_CAP // 2
    fee = pledge_penalty_for_termination(PLEDGE, days * EPOCHS_IN_DAY, ZERO)
    simple = (PLEDGE.atto * TERM_FEE_PLEDGE_MULTIPLE_NUM) // TERM_FEE_PLEDGE_MULTIPLE_DENOM
    assert fee.atto == (simple * days) // TERMINATION_LIFETIME_CAP


def test_termination_fee_less_than_fault_fee_is_multiple_of_fault_fee() -> None:
    fault_fee = TokenAmount(1 << 10)
    fee = pledge_penalty_for_termination(PLEDGE, (TERMINATION_LIFETIME_CAP + 1) * EPOCHS_IN_DAY, fault_fee)
    assert (
        fee.atto
        == (fault_fee.atto * TERM_FEE_MAX_FAULT_FEE_MULTIPLE_NUM) // TERM_FEE_MAX_FAULT_FEE_MULTIPLE_DENOM
    )


def test_termination_fee_less_than_minimum_is_minimum() -> None:
    fee = pledge_penalty_for_termination(PLEDGE, 0, ZERO)
    assert fee.atto == (PLEDGE.atto * TERM_FEE_MIN_PLEDGE_MULTIPLE_NUM) // TERM_FEE_MIN_PLEDGE_MULTIPLE_DENOM


ZERO_REWARD = FilterEstimate.from_q0(0, 0)


def test_initial_pledge_clamped_at_one_attofil() -> None:
    pledge = initial_pledge_for_power(1 << 36, 1 << 10, ZERO_REWARD, RISING_POWER, ZERO, 0, 0)
    assert pledge == TokenAmount(1)


def test_precommit_deposit_is_clamped_at_one_attofil() -> None:
    assert pre_commit_deposit_for_power(ZERO_REWARD, RISING_POWER, 1 << 36) == TokenAmount(1)


@pytest.mark.parametrize(
    ("since_ramp_start", "ramp_duration", "ten_thousandths"),
    [
        (-100, 100, 1500),  # before the ramp: baseline pledge only
        (0, 0, 1950),  # no ramp: fully activated
        (10, 0, 1950),
        (0, 100, 1500),
        (50, 100, 1725),  # halfway: 85% baseline, 15% simple
        (150, 100, 1950),  # after: 70% baseline, 30% simple
        (10, 100, 1545),
        (1, 10, 1545),
    ],
)
def test_fip0081_initial_pledge(since_ramp_start: int, ramp_duration: int, ten_thousandths: int) -> None:
    pledge = initial_pledge_for_power(
        1 << 36, 1 << 37, ZERO_REWARD, RISING_POWER, TokenAmount.from_fil(1), since_ramp_start, ramp_duration
    )
    assert pledge == TokenAmount(1) + TokenAmount(TokenAmount.from_fil(ten_thousandths).atto // 10000)


def test_initial_pledge_is_capped_per_byte() -> None:
    huge_supply = TokenAmount.from_fil(10**12)
    pledge = initial_pledge_for_power(1 << 30, 1 << 30, REWARD, RISING_POWER, huge_supply, 0, 0)
    assert pledge.atto == (10**18 // (32 << 30)) * (1 << 30)


def test_consensus_fault_penalty_is_five_winner_rewards() -> None:
    assert consensus_fault_penalty(TokenAmount(1000)) == TokenAmount(1000)
    assert consensus_fault_penalty(TokenAmount(7)) == TokenAmount(7)


def test_locked_reward_is_three_quarters_on_the_network_schedule() -> None:
    locked, spec = locked_reward_from_reward(DEVNET_POLICY, TokenAmount(1001))
    assert locked == TokenAmount(750)
    assert spec == DEVNET_POLICY.reward_vesting
