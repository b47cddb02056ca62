"""Filecoin's block reward: simple plus baseline minting (builtin-actors ``fil_actor_reward`` logic).

Numbers in Q.128 fixed point are integers scaled by 2^128 (``PRECISION``). Every shift right floors
(``>>`` on negative values too, as num-bigint and Go's big.Int do) and every division is a floor
division, so the results are bit-identical to the actors'.

* Simple minting releases ``SIMPLE_TOTAL`` on an exponential decay with a six-year half-life:
  ``SIMPLE_TOTAL * (e^λ - 1) * e^(-λ·epoch)`` at each epoch.
* Baseline minting releases ``BASELINE_TOTAL * (1 - e^(-λ·θ))`` as the *effective network time* θ
  advances; θ advances only as fast as the cumulative realized power (capped at the baseline) keeps up with
  the cumulative baseline power, which itself doubles every year from ``BASELINE_INITIAL_VALUE``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from filnet.actors.reward.state import RewardState
from filnet.actors.smoothing import PRECISION, FilterEstimate, poly_val
from filnet.core.token import ATTO_PER_FIL, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import InvalidInput

ONE: Final = 1 << PRECISION

#: floor(e^(ln 2 / epochs_per_year) * 2^128): baseline power doubles every year. (builtin-actors' comment
#: says "ln(1 + 200%)", but the constant is the doubling one; tests check it.)
BASELINE_EXPONENT: Final = 340282591298641078465964189926313473653
#: Baseline power at the first epoch's predecessor (about 2.5 EiB).
BASELINE_INITIAL_VALUE: Final = 2_888_888_880_000_000_000
#: Baseline power at epoch 0 (1 EiB): the initial value divided once by the exponent.
INIT_BASELINE_POWER: Final = ((BASELINE_INITIAL_VALUE << (2 * PRECISION)) // BASELINE_EXPONENT) >> PRECISION
SIMPLE_TOTAL: Final = 330_000_000 * ATTO_PER_FIL
BASELINE_TOTAL: Final = 770_000_000 * ATTO_PER_FIL
#: λ = ln(2) / (6 years of epochs), in Q.128.
LAMBDA: Final = 37396271439864487274534522888786
#: e^λ - 1, in Q.128.
EXP_LAM_SUB_ONE: Final = 37396273494747879394193016954629
#: Starting point of the smoothed reward estimate, in attoFIL and attoFIL per epoch.
INITIAL_REWARD_POSITION_ESTIMATE: Final = 36266260308195979333
INITIAL_REWARD_VELOCITY_ESTIMATE: Final = -109897758509

# Rational approximation of e^-x (Q.128 coefficients, highest degree first): accurate to 3.4e-30 on
# [0, 1.725) and to 4.6e-15 on [0, 5).
_EXP_NUMERATOR: Final = (
    -648770010757830093818553637600,
    67469480939593786226847644286976,
    -3197587544499098424029388939001856,
    89244641121992890118377641805348864,
    -1579656163641440567800982336819953664,
    17685496037279256458459817590917169152,
    -115682590513835356866803355398940131328,
    340282366920938463463374607431768211456,
)
_EXP_DENOMINATOR: Final = (
    1225524182432722209606361,
    114095592300906098243859450,
    5665570424063336070530214243,
    194450132448609991765137938448,
    5068267641632683791026134915072,
    104716890604972796896895427629056,
    1748338658439454459487681798864896,
    23704654329841312470660182937960448,
    259380097567996910282699886670381056,
    2250336698853390384720606936038375424,
    14978272436876548034486263159246028800,
    72144088983913131323343765784380833792,
    224599776407103106596571252037123047424,
    340282366920938463463374607431768211456,
)


def expneg(x: int) -> int:
    """e^-x for Q.128 ``x``, in Q.128."""
    return (poly_val(_EXP_NUMERATOR, x) << PRECISION) // poly_val(_EXP_DENOMINATOR, x)


def baseline_power_from_prev(previous: int) -> int:
    """Baseline power one epoch after ``previous``."""
    return (previous * BASELINE_EXPONENT) >> PRECISION


def compute_r_theta(
    effective_network_time: int,
    baseline_power_at_effective_time: int,
    cumsum_realized: int,
    cumsum_baseline: int,
) -> int:
    """The fractional effective network time θ (Q.128), interpolated within the epoch it falls in."""
    if effective_network_time == 0:
        return 0
    shortfall = ((cumsum_baseline - cumsum_realized) << PRECISION) // baseline_power_at_effective_time
    return (effective_network_time << PRECISION) - shortfall


def compute_baseline_supply(theta: int, baseline_total: int) -> int:
    """Baseline tokens minted by effective time θ, in Q.128 attoFIL."""
    return (ONE - expneg((theta * LAMBDA) >> PRECISION)) * baseline_total


def compute_reward(
    epoch: int, prev_theta: int, curr_theta: int, simple_total: int, baseline_total: int
) -> int:
    """attoFIL minted for the winners of ``epoch`` as θ moves from ``prev_theta`` to ``curr_theta``."""
    simple = (simple_total * EXP_LAM_SUB_ONE * expneg(LAMBDA * epoch)) >> PRECISION
    baseline = compute_baseline_supply(curr_theta, baseline_total) - compute_baseline_supply(
        prev_theta, baseline_total
    )
    return (simple + baseline) >> PRECISION


def update_to_next_epoch(state: RewardState, realized_power: int) -> RewardState:
    """Advance one epoch: grow the baseline, add the capped realized power, move the effective time."""
    baseline_power = baseline_power_from_prev(state.this_epoch_baseline_power)
    cumsum_realized = state.cumsum_realized + min(baseline_power, realized_power)
    network_time = int(state.effective_network_time)
    effective_baseline = state.effective_baseline_power
    cumsum_baseline = state.cumsum_baseline
    while cumsum_realized > cumsum_baseline:
        network_time += 1
        effective_baseline = baseline_power_from_prev(effective_baseline)
        cumsum_baseline += effective_baseline
    return replace(
        state,
        epoch=ChainEpoch(state.epoch + 1),
        this_epoch_baseline_power=baseline_power,
        cumsum_realized=cumsum_realized,
        effective_network_time=ChainEpoch(network_time),
        effective_baseline_power=effective_baseline,
        cumsum_baseline=cumsum_baseline,
    )


def update_to_next_epoch_with_reward(state: RewardState, realized_power: int) -> RewardState:
    """Advance one epoch and compute the reward of the new epoch."""
    if state.simple_total is None or state.baseline_total is None:
        raise InvalidInput("reward totals are missing: actors v0 reward states are not advanced")
    prev_theta = compute_r_theta(
        state.effective_network_time,
        state.effective_baseline_power,
        state.cumsum_realized,
        state.cumsum_baseline,
    )
    advanced = update_to_next_epoch(state, realized_power)
    curr_theta = compute_r_theta(
        advanced.effective_network_time,
        advanced.effective_baseline_power,
        advanced.cumsum_realized,
        advanced.cumsum_baseline,
    )
    reward = compute_reward(
        advanced.epoch, prev_theta, curr_theta, state.simple_total.atto, state.baseline_total.atto
    )
    return replace(advanced, this_epoch_reward=TokenAmount(reward))


def update_smoothed_estimates(state: RewardState, delta: int) -> RewardState:
    """Feed this epoch's reward, ``delta`` epochs after the last observation, to the reward filter."""
    smoothed = state.this_epoch_reward_smoothed.next_estimate(state.this_epoch_reward.atto, delta)
    return replace(state, this_epoch_reward_smoothed=smoothed)


def update_network_kpi(state: RewardState, realized_power: int, current_epoch: int) -> RewardState:
    """The reward actor's UpdateNetworkKPI transition: catch up null rounds, compute the new epoch's
    reward, then smooth it over the epochs that passed."""
    previous_epoch = state.epoch
    while state.epoch < current_epoch - 1:
        state = update_to_next_epoch(state, realized_power)
    state = update_to_next_epoch_with_reward(state, realized_power)
    return update_smoothed_estimates(state, state.epoch - previous_epoch)


def initial_state(realized_power: int) -> RewardState:
    """The reward actor's state after its constructor, given the network's realized (QA) power."""
    zero = TokenAmount(0)
    before_first_epoch = RewardState(
        cumsum_baseline=0,
        cumsum_realized=0,
        effective_network_time=ChainEpoch(0),
        effective_baseline_power=BASELINE_INITIAL_VALUE,
        this_epoch_reward=zero,
        this_epoch_reward_smoothed=FilterEstimate(
            INITIAL_REWARD_POSITION_ESTIMATE << PRECISION, INITIAL_REWARD_VELOCITY_ESTIMATE << PRECISION
        ),
        this_epoch_baseline_power=INIT_BASELINE_POWER,
        epoch=ChainEpoch(-1),
        total_storage_power_reward=zero,
        simple_total=TokenAmount(SIMPLE_TOTAL),
        baseline_total=TokenAmount(BASELINE_TOTAL),
    )
    return update_to_next_epoch_with_reward(before_first_epoch, realized_power)
