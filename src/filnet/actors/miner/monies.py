"""The storage miner's money formulas (builtin-actors ``miner/src/monies.rs``): expected block reward,
pre-commit deposit, initial pledge, fault and termination penalties, consensus fault penalty and the share
of block reward that vests.

Projection periods are in days of 2,880 epochs on every network (see :mod:`filnet.params.network`); the
reward vesting schedule is the network's ``ActorPolicy.reward_vesting``.
"""

from __future__ import annotations

from typing import Final

from filnet.actors.smoothing import PRECISION, FilterEstimate, extrapolated_cum_sum_of_ratio
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY, EXPECTED_LEADERS_PER_EPOCH, ActorPolicy, VestSpec

#: Days of expected reward a pre-commit deposits, and a sector pledges (storage pledge part).
PRE_COMMIT_DEPOSIT_FACTOR: Final = 20
INITIAL_PLEDGE_FACTOR: Final = 20
PRE_COMMIT_DEPOSIT_PROJECTION_PERIOD: Final = PRE_COMMIT_DEPOSIT_FACTOR * EPOCHS_IN_DAY
INITIAL_PLEDGE_PROJECTION_PERIOD: Final = INITIAL_PLEDGE_FACTOR * EPOCHS_IN_DAY

#: Share of circulating supply targeted as locked pledge (the consensus pledge part).
LOCK_TARGET_FACTOR_NUM: Final = 3
LOCK_TARGET_FACTOR_DENOM: Final = 10

TERMINATION_REWARD_FACTOR_NUM: Final = 1
TERMINATION_REWARD_FACTOR_DENOM: Final = 2

#: Share of a block reward that vests rather than being paid at once.
LOCKED_REWARD_FACTOR_NUM: Final = 3
LOCKED_REWARD_FACTOR_DENOM: Final = 4

#: FIP-0098 termination fee: a fraction of initial pledge, at least a smaller fraction, and at least a
#: multiple of the fault fee.
TERM_FEE_PLEDGE_MULTIPLE_NUM: Final = 85
TERM_FEE_PLEDGE_MULTIPLE_DENOM: Final = 1000
TERM_FEE_MIN_PLEDGE_MULTIPLE_NUM: Final = 2
TERM_FEE_MIN_PLEDGE_MULTIPLE_DENOM: Final = 100
TERM_FEE_MAX_FAULT_FEE_MULTIPLE_NUM: Final = 105
TERM_FEE_MAX_FAULT_FEE_MULTIPLE_DENOM: Final = 100

#: Cap of initial pledge: 1 FIL per 32 GiB of QA power, rounded down per byte.
INITIAL_PLEDGE_MAX_PER_BYTE: Final = TokenAmount(10**18 // (32 << 30))
BASE_PENALTY_FOR_DISPUTED_WINDOW_POST: Final = TokenAmount.from_fil(20)

#: The continued fault fee projects 3.51 days of reward.
CONTINUED_FAULT_FACTOR_NUM: Final = 351
CONTINUED_FAULT_FACTOR_DENOM: Final = 100
CONTINUED_FAULT_PROJECTION_PERIOD: Final = (
    EPOCHS_IN_DAY * CONTINUED_FAULT_FACTOR_NUM
) // CONTINUED_FAULT_FACTOR_DENOM
#: An invalid optimistic PoSt costs the fault fee plus two more days of reward.
INVALID_WINDOW_POST_PROJECTION_PERIOD: Final = CONTINUED_FAULT_PROJECTION_PERIOD + 2 * EPOCHS_IN_DAY
TERMINATION_PENALTY_LOWER_BOUND_PROJECTIONS_PERIOD: Final = (EPOCHS_IN_DAY * 35) // 10
#: Days of a sector's life over which the termination fee ramps up to its full value.
TERMINATION_LIFETIME_CAP: Final = 140
#: A consensus fault costs this many per-winner block rewards.
CONSENSUS_FAULT_FACTOR: Final = 5
#: FIP-0081 fixed point: gamma is in thousandths, and reaches 1000 - 300 at the end of the ramp.
GAMMA_FIXED_POINT_FACTOR: Final = 1000
FIP_0081_ACTIVATION_PERMILLE: Final = 300


def expected_reward_for_power(
    reward_estimate: FilterEstimate,
    network_qa_power_estimate: FilterEstimate,
    qa_sector_power: int,
    projection_duration: ChainEpoch | int,
) -> TokenAmount:
    """BR(t): the block reward ``qa_sector_power`` is expected to earn over ``projection_duration``."""
    network_qa_power_smoothed = network_qa_power_estimate.estimate()
    if network_qa_power_smoothed == 0:
        return TokenAmount(reward_estimate.estimate())
    expected_reward = extrapolated_cum_sum_of_ratio(
        projection_duration, 0, reward_estimate, network_qa_power_estimate
    )
    br128 = qa_sector_power * expected_reward  # Q.0 × Q.128 = Q.128
    return TokenAmount(max(br128 >> PRECISION, 0))


def expected_reward_for_power_clamped_at_atto_fil(
    reward_estimate: FilterEstimate,
    network_qa_power_estimate: FilterEstimate,
    qa_sector_power: int,
    projection_duration: ChainEpoch | int,
) -> TokenAmount:
    """BR(t), but at least 1 attoFIL, so that deposits and pledges are never zero."""
    br = expected_reward_for_power(
        reward_estimate, network_qa_power_estimate, qa_sector_power, projection_duration
    )
    return TokenAmount(1) if br.atto <= 0 else br


def pledge_penalty_for_continued_fault(
    reward_estimate: FilterEstimate, network_qa_power_estimate: FilterEstimate, qa_sector_power: int
) -> TokenAmount:
    """FF(t): the fee for a sector staying faulty through another proving period."""
    return expected_reward_for_power(
        reward_estimate, network_qa_power_estimate, qa_sector_power, CONTINUED_FAULT_PROJECTION_PERIOD
    )


def pledge_penalty_for_termination_lower_bound(
    reward_estimate: FilterEstimate, network_qa_power_estimate: FilterEstimate, qa_sector_power: int
) -> TokenAmount:
    """SP(t): 3.5 days of expected reward."""
    return expected_reward_for_power(
        reward_estimate,
        network_qa_power_estimate,
        qa_sector_power,
        TERMINATION_PENALTY_LOWER_BOUND_PROJECTIONS_PERIOD,
    )


def pledge_penalty_for_termination(
    initial_pledge: TokenAmount, sector_age: ChainEpoch | int, fault_fee: TokenAmount
) -> TokenAmount:
    """The FIP-0098 fee for terminating a sector of ``sector_age`` early."""
    simple_fee = (initial_pledge.atto * TERM_FEE_PLEDGE_MULTIPLE_NUM) // TERM_FEE_PLEDGE_MULTIPLE_DENOM
    # Young sectors pay in proportion to their age, up to the cap.
    duration_fee = (sector_age * simple_fee) // (TERMINATION_LIFETIME_CAP * EPOCHS_IN_DAY)
    base_fee = min(simple_fee, duration_fee)
    minimum_abs = (
        initial_pledge.atto * TERM_FEE_MIN_PLEDGE_MULTIPLE_NUM
    ) // TERM_FEE_MIN_PLEDGE_MULTIPLE_DENOM
    minimum_ff = (
        fault_fee.atto * TERM_FEE_MAX_FAULT_FEE_MULTIPLE_NUM
    ) // TERM_FEE_MAX_FAULT_FEE_MULTIPLE_DENOM
    return TokenAmount(max(base_fee, max(minimum_abs, minimum_ff)))


def pledge_penalty_for_invalid_windowpost(
    reward_estimate: FilterEstimate, network_qa_power_estimate: FilterEstimate, qa_sector_power: int
) -> TokenAmount:
    """The penalty for an optimistically accepted WindowPoSt shown to be invalid."""
    return (
        expected_reward_for_power(
            reward_estimate, network_qa_power_estimate, qa_sector_power, INVALID_WINDOW_POST_PROJECTION_PERIOD
        )
        + BASE_PENALTY_FOR_DISPUTED_WINDOW_POST
    )


def pre_commit_deposit_for_power(
    reward_estimate: FilterEstimate, network_qa_power_estimate: FilterEstimate, qa_sector_power: int
) -> TokenAmount:
    """The deposit a pre-commit locks: BR over 20 days, at least 1 attoFIL."""
    return expected_reward_for_power_clamped_at_atto_fil(
        reward_estimate, network_qa_power_estimate, qa_sector_power, PRE_COMMIT_DEPOSIT_PROJECTION_PERIOD
    )


def initial_pledge_for_power(
    qa_power: int,
    baseline_power: int,
    reward_estimate: FilterEstimate,
    network_qa_power_estimate: FilterEstimate,
    circulating_supply: TokenAmount,
    epochs_since_ramp_start: int,
    ramp_duration_epochs: int,
) -> TokenAmount:
    """The pledge to commit ``qa_power``: 20 days of BR plus a share of the lock target, the share mixing
    the baseline and simple (FIP-0081) formulations, capped per byte."""
    ip_base = expected_reward_for_power_clamped_at_atto_fil(
        reward_estimate, network_qa_power_estimate, qa_power, INITIAL_PLEDGE_PROJECTION_PERIOD
    )
    lock_target_num = circulating_supply.atto * LOCK_TARGET_FACTOR_NUM
    network_qa_power = network_qa_power_estimate.estimate()

    if epochs_since_ramp_start < 0:
        skew = 0
    elif ramp_duration_epochs == 0 or epochs_since_ramp_start >= ramp_duration_epochs:
        skew = FIP_0081_ACTIVATION_PERMILLE
    else:
        skew = (epochs_since_ramp_start * FIP_0081_ACTIVATION_PERMILLE) // ramp_duration_epochs
    gamma = GAMMA_FIXED_POINT_FACTOR - skew

    additional_ip_num = lock_target_num * qa_power
    denom_baseline = max(network_qa_power, baseline_power, qa_power) * LOCK_TARGET_FACTOR_DENOM
    denom_simple = max(network_qa_power, qa_power) * LOCK_TARGET_FACTOR_DENOM
    additional_baseline = (gamma * additional_ip_num) // (denom_baseline * GAMMA_FIXED_POINT_FACTOR)
    additional_simple = ((GAMMA_FIXED_POINT_FACTOR - gamma) * additional_ip_num) // (
        denom_simple * GAMMA_FIXED_POINT_FACTOR
    )
    nominal = ip_base.atto + additional_baseline + additional_simple
    cap = INITIAL_PLEDGE_MAX_PER_BYTE.atto * qa_power
    return TokenAmount(min(nominal, cap))


def consensus_fault_penalty(this_epoch_reward: TokenAmount) -> TokenAmount:
    """The penalty for a consensus fault: five per-winner block rewards."""
    return TokenAmount((this_epoch_reward.atto * CONSENSUS_FAULT_FACTOR) // EXPECTED_LEADERS_PER_EPOCH)


def locked_reward_from_reward(policy: ActorPolicy, reward: TokenAmount) -> tuple[TokenAmount, VestSpec]:
    """The part of a block reward that vests (three quarters), and the schedule it vests on."""
    lock_amount = (reward.atto * LOCKED_REWARD_FACTOR_NUM) // LOCKED_REWARD_FACTOR_DENOM
    return TokenAmount(lock_amount), policy.reward_vesting
