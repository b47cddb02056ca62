"""Reward actor method numbers (builtin-actors ``fil_actor_reward::Method``)."""

from __future__ import annotations

from enum import IntEnum


class Method(IntEnum):
    """Methods of the reward actor."""

    CONSTRUCTOR = 1
    AWARD_BLOCK_REWARD = 2
    THIS_EPOCH_REWARD = 3
    UPDATE_NETWORK_KPI = 4
