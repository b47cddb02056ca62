"""ApplyRewards (builtin-actors ``apply_rewards.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.invariants import check_state_invariants
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import locked_reward_from_reward
from filnet.actors.miner.types import ApplyRewardParams
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    BIG_REWARDS,
    HarnessRuntime,
    MinerHarness,
    expect_abort,
    immediately_vesting_funds,
)


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.balance = BIG_BALANCE
    h.construct_and_verify(rt)
    return h, rt


def _only_cron_inactive(h: MinerHarness, rt: HarnessRuntime) -> None:
    # Locking rewards without deadline cron running cannot happen on chain, but is convenient here.
    problems = check_state_invariants(h.get_state(rt), rt.store, rt.balance, rt.policy)
    assert len(problems) == 1 and "DeadlineCronActive == false" in problems[0]


def test_funds_are_locked() -> None:
    h, rt = setup()
    reward = TokenAmount(1_000_000)
    h.apply_rewards(rt, reward)
    locked, _ = locked_reward_from_reward(rt.policy, reward)
    assert h.get_state(rt).locked_funds == locked == TokenAmount(750_000)
    _only_cron_inactive(h, rt)


def test_funds_vest() -> None:
    h, rt = setup()
    state = h.get_state(rt)
    assert not state.vesting_funds.load(rt.store)
    h.apply_rewards(rt, BIG_REWARDS)
    funds = h.get_state(rt).vesting_funds.load(rt.store)
    spec = rt.policy.reward_vesting
    assert len(funds) == spec.vest_period // spec.step_duration
    # Vesting epochs are quantized to the proving period offset.
    assert all((f.epoch - state.proving_period_start) % spec.quantization == 0 for f in funds)
    locked, _ = locked_reward_from_reward(rt.policy, BIG_REWARDS)
    assert sum((f.amount for f in funds), ZERO) == locked
    # Half-way through, half of it can vest.
    rt.epoch = ChainEpoch(funds[len(funds) // 2].epoch + 1)
    assert immediately_vesting_funds(rt, h.get_state(rt)).atto > 0


def test_penalty_is_burnt() -> None:
    h, rt = setup()
    reward, penalty = TokenAmount(600_000), TokenAmount(300_000)
    locked, _ = locked_reward_from_reward(rt.policy, reward)
    # The penalty is taken from the newly locked reward first.
    h.apply_rewards(rt, reward, penalty, pledge_delta=locked - penalty, burnt=penalty)
    assert h.get_state(rt).locked_funds == locked - penalty
    _only_cron_inactive(h, rt)


def test_penalty_is_partially_burnt_and_stored_as_fee_debt() -> None:
    h, rt = setup()
    amount = rt.balance
    # All of the reward and balance go to the penalty; the rest becomes debt.
    h.apply_rewards(rt, amount, amount * 3, pledge_delta=ZERO, burnt=amount * 2)
    assert h.get_state(rt).fee_debt == amount
    h.check_state(rt)


def test_rewards_pay_back_fee_debt() -> None:
    h, rt = setup()
    amount = rt.balance
    state = h.get_state(rt)
    h.put_state(rt, replace(state, fee_debt=amount * 2))
    reward = amount * 3
    locked, _ = locked_reward_from_reward(rt.policy, reward)
    remaining = locked - amount * 2
    h.apply_rewards(rt, reward, pledge_delta=remaining, burnt=amount * 2)
    state = h.get_state(rt)
    assert state.fee_debt == ZERO
    assert state.locked_funds == remaining
    _only_cron_inactive(h, rt)


def test_rejects_negative_amounts_and_other_callers() -> None:
    h, rt = setup()
    rt.set_caller(Address.new_id(2), "reward")
    negative_reward = ApplyRewardParams(TokenAmount(-1), ZERO).encode()
    negative_penalty = ApplyRewardParams(ZERO, TokenAmount(-1)).encode()
    arg = ExitCode.USR_ILLEGAL_ARGUMENT
    expect_abort(rt, arg, lambda: rt.call(ACTOR, Method.APPLY_REWARDS, negative_reward), "negative amount")
    expect_abort(rt, arg, lambda: rt.call(ACTOR, Method.APPLY_REWARDS, negative_penalty), "penalize")
    rt.set_caller(h.owner, "account")
    raw = ApplyRewardParams(TokenAmount(10), ZERO).encode()
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.APPLY_REWARDS, raw))
    # The reward must actually have been received.
    rt.set_caller(Address.new_id(2), "reward")
    rt.balance = ZERO
    raw = ApplyRewardParams(TokenAmount(1000), ZERO).encode()
    expect_abort(rt, ExitCode.USR_INSUFFICIENT_FUNDS, lambda: rt.call(ACTOR, Method.APPLY_REWARDS, raw))
