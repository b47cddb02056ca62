"""The reward actor's methods (builtin-actors ``fil_actor_reward``): minting block rewards.

``UpdateNetworkKPI`` (called by the power actor each epoch) advances the minting model (simple plus
baseline minting, the effective network time) and fixes this epoch's reward; ``AwardBlockReward`` (an
implicit message per block) pays a block's winner ``this_epoch_reward × win_count / 5`` plus the gas tips
the reward actor collected, through the miner's ``ApplyRewards``. If the miner cannot take it, the reward is
burnt.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from filnet.actors import manifest
from filnet.actors.encoding import as_bigint
from filnet.actors.reward import logic
from filnet.actors.reward.methods import Method
from filnet.actors.reward.state import RewardState
from filnet.actors.reward.types import AwardBlockRewardParams, ThisEpochRewardReturn
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.ipld import dagcbor
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, encode_return, require_no_params

SYSTEM_ACTOR: Final = Address.new_id(0)
POWER_ACTOR: Final = Address.new_id(4)
BURNT_FUNDS_ACTOR: Final = Address.new_id(99)
#: Blocks Expected Consensus elects per epoch on average: a win count of 5 earns the whole epoch's reward.
EXPECTED_LEADERS_PER_EPOCH: Final = 5
#: Miners pay three times the penalty the system actor reports (builtin-actors ``PENALTY_MULTIPLIER``).
PENALTY_MULTIPLIER: Final = 3
#: The miner actor's ``ApplyRewards`` method number.
MINER_APPLY_REWARDS: Final = 14


def parse_power(raw: Any) -> int | None:
    """An ``Option<StoragePower>`` param: a BigInt, or null."""
    return None if raw is None else as_bigint(raw, "realized power")


def _required_power(power: int | None, what: str, missing: str) -> int:
    """The decoded realized power; USR_ILLEGAL_ARGUMENT when null (builtin-actors rejects ``None``)."""
    if power is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"{what}: {missing}")
    return power


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the state at epoch 0 from the network's current realized power."""
    what = "reward Constructor"
    power = decode_params(raw, parse_power, what)
    # The caller is checked before the null argument, as in builtin-actors ``Actor::constructor``.
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    rt.create_state(logic.initial_state(_required_power(power, what, "argument should not be nil")))
    return b""


def award_block_reward(rt: Runtime, raw: bytes) -> bytes:
    """Pay a block's miner its share of this epoch's reward plus its gas tips."""
    params = decode_params(raw, AwardBlockRewardParams.from_ipld, "reward AwardBlockReward")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    prior_balance = rt.current_balance
    if params.penalty < ZERO:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"negative penalty {params.penalty}")
    if params.gas_reward < ZERO:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"negative gas reward {params.gas_reward}")
    if prior_balance < params.gas_reward:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE,
            f"actor current balance {prior_balance} insufficient to pay gas reward {params.gas_reward}",
        )
    if params.win_count <= 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid win count {params.win_count}")
    miner = rt.resolve_address(params.miner)
    if miner is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, f"failed to resolve given owner address {params.miner}")

    def pay(state: RewardState) -> tuple[RewardState, TokenAmount]:
        block_reward = TokenAmount(
            state.this_epoch_reward.atto * params.win_count // EXPECTED_LEADERS_PER_EPOCH
        )
        total = params.gas_reward + block_reward
        if total > prior_balance:
            # The reward actor ran dry: pay what is left, gas tips first (the balance covers them, checked
            # above, so the block reward stays non-negative).
            total = prior_balance
            block_reward = total - params.gas_reward
        mined = state.total_storage_power_reward + block_reward
        return replace(state, total_storage_power_reward=mined), total

    total_reward = rt.transaction(RewardState, pay)
    penalty = params.penalty * PENALTY_MULTIPLIER
    apply_params = dagcbor.encode([total_reward.to_bytes(), penalty.to_bytes()])
    if not rt.send(miner, MINER_APPLY_REWARDS, apply_params, total_reward).ok:
        # builtin-actors logs this and burns the reward instead; a failed burn is only logged too.
        rt.send(BURNT_FUNDS_ACTOR, 0, b"", total_reward)
    return b""


def this_epoch_reward(rt: Runtime, raw: bytes) -> bytes:
    """The smoothed reward estimate and baseline power, for the power and miner actors."""
    require_no_params(raw, "reward ThisEpochReward")
    rt.validate_immediate_caller_accept_any()
    state = rt.state(RewardState)
    ret = ThisEpochRewardReturn(state.this_epoch_reward_smoothed, state.this_epoch_baseline_power)
    return encode_return(ret.to_ipld())


def update_network_kpi(rt: Runtime, raw: bytes) -> bytes:
    """Advance the minting model to the current epoch with the network's realized power."""
    what = "reward UpdateNetworkKPI"
    params = decode_params(raw, parse_power, what)
    # The caller is checked before the null argument (builtin-actors ``Actor::update_network_kpi``).
    rt.validate_immediate_caller_is(POWER_ACTOR)
    power = _required_power(params, what, "argument cannot be None")
    epoch = rt.curr_epoch
    rt.transaction(RewardState, lambda s: (logic.update_network_kpi(s, power, epoch), None))
    return b""


ACTOR = ActorCode(
    manifest.REWARD,
    {
        Method.CONSTRUCTOR: constructor,
        Method.AWARD_BLOCK_REWARD: award_block_reward,
        Method.THIS_EPOCH_REWARD: this_epoch_reward,
        Method.UPDATE_NETWORK_KPI: update_network_kpi,
    },
)
