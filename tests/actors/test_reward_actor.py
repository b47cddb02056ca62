"""The reward actor: constructor, AwardBlockReward (payment, burn fallback, caps, bad params),
ThisEpochReward and UpdateNetworkKPI; invariants after every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filnet.actors import manifest as names
from filnet.actors.encoding import bigint
from filnet.actors.reward import logic
from filnet.actors.reward.actor import (
    ACTOR,
    BURNT_FUNDS_ACTOR,
    MINER_APPLY_REWARDS,
    AwardBlockRewardParams,
)
from filnet.actors.reward.invariants import check_state_invariants
from filnet.actors.reward.methods import Method
from filnet.actors.reward.state import RewardState
from filnet.chain.genesis import MINING_RESERVE
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

REWARD = Address.new_id(2)
POWER = Address.new_id(4)
MINER = Address.new_id(1000)
MINER_ROBUST = Address.new_actor(b"miner")


@pytest.fixture
def rt() -> Iterator[FakeRuntime]:
    runtime = FakeRuntime(REWARD, balance=MINING_RESERVE)
    runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(bigint(0)))
    runtime.add_actor(MINER, names.MINER, MINER_ROBUST)
    yield runtime
    runtime.verify()
    assert check_state_invariants(runtime.get_state(RewardState), runtime.store) == []


def _award(rt: FakeRuntime, miner: Address = MINER, penalty: int = 0, gas: int = 0, wins: int = 1) -> bytes:
    params = AwardBlockRewardParams(miner, TokenAmount(penalty), TokenAmount(gas), wins)
    return rt.call(ACTOR, Method.AWARD_BLOCK_REWARD, dagcbor.encode(params.to_ipld()))


def _apply_rewards(total: TokenAmount, penalty: int = 0) -> bytes:
    return dagcbor.encode([total.to_bytes(), TokenAmount(penalty).to_bytes()])


def test_constructor_matches_the_reward_model(rt: FakeRuntime) -> None:
    assert rt.get_state(RewardState) == logic.initial_state(0)


def test_constructor_with_power() -> None:
    runtime = FakeRuntime(REWARD)
    runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(bigint(1 << 50)))
    assert runtime.get_state(RewardState) == logic.initial_state(1 << 50)


def test_constructor_only_by_system() -> None:
    runtime = FakeRuntime(REWARD, caller=POWER, caller_name=names.POWER)
    with pytest.raises(ActorError) as e:
        runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(bigint(0)))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


@pytest.mark.parametrize("params", [b"", dagcbor.encode(None)])
def test_constructor_needs_the_power(params: bytes) -> None:
    with pytest.raises(ActorError) as e:
        FakeRuntime(REWARD).call(ACTOR, Method.CONSTRUCTOR, params)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


@pytest.mark.parametrize("wins", [1, 3, 5])
def test_award_block_reward_pays_the_miner(rt: FakeRuntime, wins: int) -> None:
    reward = rt.get_state(RewardState).this_epoch_reward
    total = TokenAmount(reward.atto * wins // 5) + TokenAmount(1234)
    rt.expect_send(MINER, MINER_APPLY_REWARDS, _apply_rewards(total, 3 * 7), total)  # penalty tripled
    _award(rt, MINER_ROBUST, penalty=7, gas=1234, wins=wins)
    assert rt.get_state(RewardState).total_storage_power_reward == total - TokenAmount(1234)
    assert rt.balance == MINING_RESERVE - total


def test_award_block_reward_burns_what_the_miner_refuses(rt: FakeRuntime) -> None:
    total = TokenAmount(rt.get_state(RewardState).this_epoch_reward.atto // 5)
    rt.expect_send(
        MINER, MINER_APPLY_REWARDS, _apply_rewards(total), total, SendResult(ExitCode.USR_FORBIDDEN)
    )
    rt.expect_send(BURNT_FUNDS_ACTOR, 0, b"", total)
    _award(rt)
    assert rt.balance == MINING_RESERVE - total


def test_award_block_reward_caps_at_the_balance(rt: FakeRuntime) -> None:
    rt.balance = TokenAmount(1000)
    rt.expect_send(MINER, MINER_APPLY_REWARDS, _apply_rewards(TokenAmount(1000)), TokenAmount(1000))
    _award(rt, gas=400)
    assert rt.get_state(RewardState).total_storage_power_reward == TokenAmount(600)


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"penalty": -1}, ExitCode.USR_ILLEGAL_ARGUMENT),
        ({"gas": -1}, ExitCode.USR_ILLEGAL_ARGUMENT),
        ({"wins": 0}, ExitCode.USR_ILLEGAL_ARGUMENT),
        ({"gas": MINING_RESERVE.atto + 1}, ExitCode.USR_ILLEGAL_STATE),
        ({"miner": Address.new_actor(b"nobody")}, ExitCode.USR_NOT_FOUND),
    ],
)
def test_award_block_reward_failures(rt: FakeRuntime, kwargs: dict[str, object], code: ExitCode) -> None:
    before = rt.get_state(RewardState)
    with pytest.raises(ActorError) as e:
        _award(rt, **kwargs)  # type: ignore[arg-type]
    assert e.value.exit_code is code
    assert rt.get_state(RewardState) == before


def test_award_block_reward_only_by_system(rt: FakeRuntime) -> None:
    rt.set_caller(POWER, names.POWER)
    with pytest.raises(ActorError) as e:
        _award(rt)
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_award_block_reward_malformed_params(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.AWARD_BLOCK_REWARD, dagcbor.encode([b"", b"", b"", 1]))
    assert e.value.exit_code is ExitCode.USR_SERIALIZATION


def test_this_epoch_reward(rt: FakeRuntime) -> None:
    rt.set_caller(POWER, names.POWER)
    state = rt.get_state(RewardState)
    smoothed, baseline = dagcbor.decode(rt.call(ACTOR, Method.THIS_EPOCH_REWARD))
    assert smoothed == state.this_epoch_reward_smoothed.to_ipld()
    assert baseline == bigint(state.this_epoch_baseline_power)


def test_update_network_kpi(rt: FakeRuntime) -> None:
    rt.set_caller(POWER, names.POWER)
    rt.epoch = ChainEpoch(3)
    before = rt.get_state(RewardState)
    rt.call(ACTOR, Method.UPDATE_NETWORK_KPI, dagcbor.encode(bigint(1 << 40)))
    assert rt.get_state(RewardState) == logic.update_network_kpi(before, 1 << 40, 3)
    assert rt.get_state(RewardState).epoch == 3


def test_update_network_kpi_only_by_power(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.UPDATE_NETWORK_KPI, dagcbor.encode(bigint(1)))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_update_network_kpi_needs_the_power(rt: FakeRuntime) -> None:
    rt.set_caller(POWER, names.POWER)
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.UPDATE_NETWORK_KPI, dagcbor.encode(None))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_update_network_kpi_checks_the_caller_before_the_argument(rt: FakeRuntime) -> None:
    """builtin-actors actors/reward/src/lib.rs ``update_network_kpi``: ``validate_immediate_caller_is``
    runs before the ``None`` check, so a stranger sending null power is USR_FORBIDDEN."""
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.UPDATE_NETWORK_KPI, dagcbor.encode(None))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_constructor_checks_the_caller_before_the_argument() -> None:
    """builtin-actors actors/reward/src/lib.rs ``constructor``: the caller is validated first."""
    runtime = FakeRuntime(REWARD, caller=POWER, caller_name=names.POWER)
    with pytest.raises(ActorError) as e:
        runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(None))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN
