"""Invariants of the reward actor's state, checked after every test (builtin-actors ``testing.rs`` habit)."""

from __future__ import annotations

from filnet.actors.reward import logic
from filnet.actors.reward.state import RewardState
from filnet.core.token import ZERO, TokenAmount
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: RewardState, store: Blockstore) -> list[str]:
    """Violations of the reward state's invariants (non-negative amounts, minting progress in order)."""
    problems = []
    if state.this_epoch_reward < ZERO:
        problems.append(f"negative this-epoch reward {state.this_epoch_reward}")
    if state.total_storage_power_reward < ZERO:
        problems.append(f"negative total mined {state.total_storage_power_reward}")
    if state.cumsum_realized < 0 or state.cumsum_baseline < 0:
        problems.append("negative cumulative power sums")
    if state.effective_network_time > state.epoch + 1:
        problems.append(f"effective network time {state.effective_network_time} ahead of epoch {state.epoch}")
    if state.simple_total is not None and state.simple_total != TokenAmount(logic.SIMPLE_TOTAL):
        problems.append(f"simple total {state.simple_total} is not {logic.SIMPLE_TOTAL}")
    return problems
