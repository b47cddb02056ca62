"""Applying a tipset: message order and de-duplication, rewards per block, null rounds, the receipts AMT."""

from __future__ import annotations

import pytest

from filnet.actors.reward.state import RewardState
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import FilnetError
from filnet.ipld.amt import Amt
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import BURNT_FUNDS_ACTOR, REWARD_ACTOR
from filnet.vm.interpreter.tipset import BlockMessages, ImplicitMessageFailed, apply_tipset
from filnet.vm.receipt import Receipt
from filnet.vm.state_tree import StateTree
from tests.vm.harness import World, make_key


@pytest.fixture
def world() -> World:
    w = World([make_key(i) for i in range(3)])
    w.machine.epoch = ChainEpoch(5)
    return w


def test_two_blocks_share_a_message(world: World) -> None:
    a, b, c = world.keys
    first = world.message(a, b.address, TokenAmount(1))
    second = world.message(b, c.address, TokenAmount(2))
    third = world.message(a, c.address, TokenAmount(3), nonce=1)
    blocks = [
        BlockMessages(a.address, 1, (first, second)),
        BlockMessages(b.address, 2, (second, third)),
    ]
    reward_before = world.balance(REWARD_ACTOR)
    burnt_before = world.balance(BURNT_FUNDS_ACTOR)
    # blocks are paid from the reward state the parent's cron left; this tipset's cron then moves it on
    before = RewardState.decode(
        StateTree.load(world.store, world.machine.flush()).actor_state_block(REWARD_ACTOR)
    )
    result = apply_tipset(world.machine, 4, blocks)

    assert [r.exit_code for r in result.receipts] == [ExitCode.OK] * 3
    tree = StateTree.load(world.store, result.state_root)
    state = RewardState.decode(tree.actor_state_block(REWARD_ACTOR))
    block_rewards = TokenAmount(
        before.this_epoch_reward.atto * 1 // 5 + before.this_epoch_reward.atto * 2 // 5
    )
    assert state.total_storage_power_reward == block_rewards
    # Miners are plain accounts here: ApplyRewards fails, so rewards and tips are burnt.
    reward_after = tree.get_actor(REWARD_ACTOR).balance  # type: ignore[union-attr]
    assert reward_after == reward_before - block_rewards
    assert tree.get_actor(BURNT_FUNDS_ACTOR).balance > burnt_before + block_rewards  # type: ignore[union-attr]
    assert tree.get_actor(c.address).balance == TokenAmount.from_fil(1_000) + TokenAmount(5)  # type: ignore[union-attr]

    stored = Amt(world.store, result.receipts_root, legacy_root=True)
    assert [Receipt.from_ipld(v) for v in stored.values()] == list(result.receipts)
    world.flush_and_check()


def test_bad_messages_get_receipts_and_the_tipset_goes_on(world: World) -> None:
    a, b, _ = world.keys
    wrong_nonce = world.message(a, b.address, TokenAmount(1), nonce=9)
    unsigned_ok = world.message(b, a.address, TokenAmount(1)).message
    result = apply_tipset(world.machine, 4, [BlockMessages(a.address, 1, (wrong_nonce, unsigned_ok))])
    assert [r.exit_code for r in result.receipts] == [ExitCode.SYS_SENDER_STATE_INVALID, ExitCode.OK]
    world.flush_and_check()


def test_null_rounds_and_empty_tipsets(world: World) -> None:
    result = apply_tipset(world.machine, 1, [BlockMessages(world.keys[0].address, 1, ())])
    assert result.receipts == ()
    assert world.machine.epoch == 5
    world.flush_and_check()


def test_parent_must_be_older(world: World) -> None:
    with pytest.raises(FilnetError, match="parent epoch"):
        apply_tipset(world.machine, 5, [])


def test_unresolvable_miner_is_fatal(world: World) -> None:
    with pytest.raises(ImplicitMessageFailed, match="block reward"):
        apply_tipset(world.machine, 4, [BlockMessages(Address.new_actor(b"nobody"), 1, ())])
