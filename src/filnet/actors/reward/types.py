"""Params and returns of the reward actor's methods (builtin-actors ``fil_actor_reward`` types)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import as_address, as_bigint, as_int, bigint, fields
from filnet.actors.smoothing import FilterEstimate
from filnet.core.address import Address
from filnet.core.token import TokenAmount


@dataclass(frozen=True, slots=True)
class AwardBlockRewardParams:
    """The winning miner, the penalty it owes, the gas tips of its block and its election win count."""

    miner: Address
    penalty: TokenAmount
    gas_reward: TokenAmount
    win_count: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.miner), self.penalty.to_bytes(), self.gas_reward.to_bytes(), self.win_count]

    @classmethod
    def from_ipld(cls, raw: Any) -> AwardBlockRewardParams:
        """Parse the CBOR tuple."""
        miner, penalty, gas_reward, win_count = fields(raw, 4, "AwardBlockRewardParams")
        return cls(
            as_address(miner, "AwardBlockRewardParams.miner"),
            TokenAmount(as_bigint(penalty, "AwardBlockRewardParams.penalty")),
            TokenAmount(as_bigint(gas_reward, "AwardBlockRewardParams.gas_reward")),
            as_int(win_count, "AwardBlockRewardParams.win_count"),
        )


@dataclass(frozen=True, slots=True)
class ThisEpochRewardReturn:
    """The smoothed reward estimate and this epoch's baseline power."""

    this_epoch_reward_smoothed: FilterEstimate
    this_epoch_baseline_power: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.this_epoch_reward_smoothed.to_ipld(), bigint(self.this_epoch_baseline_power)]

    @classmethod
    def from_ipld(cls, raw: Any) -> ThisEpochRewardReturn:
        """Parse the CBOR tuple."""
        smoothed, baseline = fields(raw, 2, "ThisEpochRewardReturn")
        return cls(
            FilterEstimate.from_ipld(smoothed),
            as_bigint(baseline, "ThisEpochRewardReturn.this_epoch_baseline_power"),
        )
