"""Reward actor state: eleven fields in builtin-actors ``fil_actor_reward::State`` order.

Actors v0 had only the first nine (no ``simple_total`` and ``baseline_total``; the ninth was then called
``TotalMined``); such states decode with those two fields set to None and re-encode to nine fields.

Power and spacetime quantities are BigInts; the smoothed reward is a
:class:`~filnet.actors.smoothing.FilterEstimate` (alpha-beta filter position and velocity in Q.128).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import as_bigint, as_int, bigint, decode_block, fields
from filnet.actors.smoothing import FilterEstimate
from filnet.core.address import MAINNET
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor


@dataclass(frozen=True, slots=True)
class RewardState:
    """Minting progress: cumulative baseline and realized power, the effective network time, this epoch's
    reward and baseline, and the totals minted."""

    cumsum_baseline: int
    cumsum_realized: int
    effective_network_time: ChainEpoch
    effective_baseline_power: int
    this_epoch_reward: TokenAmount
    this_epoch_reward_smoothed: FilterEstimate
    this_epoch_baseline_power: int
    epoch: ChainEpoch
    total_storage_power_reward: TokenAmount
    simple_total: TokenAmount | None
    baseline_total: TokenAmount | None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (nine fields for an actors v0 state)."""
        totals = (
            []
            if self.simple_total is None or self.baseline_total is None
            else [
                self.simple_total.to_bytes(),
                self.baseline_total.to_bytes(),
            ]
        )
        return [
            bigint(self.cumsum_baseline),
            bigint(self.cumsum_realized),
            self.effective_network_time,
            bigint(self.effective_baseline_power),
            self.this_epoch_reward.to_bytes(),
            self.this_epoch_reward_smoothed.to_ipld(),
            bigint(self.this_epoch_baseline_power),
            self.epoch,
            self.total_storage_power_reward.to_bytes(),
            *totals,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> RewardState:
        """Parse the CBOR tuple."""
        f = fields(raw, 9 if isinstance(raw, list) and len(raw) == 9 else 11, "RewardState")
        legacy = len(f) == 9
        return cls(
            cumsum_baseline=as_bigint(f[0], "RewardState.cumsum_baseline"),
            cumsum_realized=as_bigint(f[1], "RewardState.cumsum_realized"),
            effective_network_time=ChainEpoch(as_int(f[2], "RewardState.effective_network_time")),
            effective_baseline_power=as_bigint(f[3], "RewardState.effective_baseline_power"),
            this_epoch_reward=TokenAmount(as_bigint(f[4], "RewardState.this_epoch_reward")),
            this_epoch_reward_smoothed=FilterEstimate.from_ipld(f[5]),
            this_epoch_baseline_power=as_bigint(f[6], "RewardState.this_epoch_baseline_power"),
            epoch=ChainEpoch(as_int(f[7], "RewardState.epoch")),
            total_storage_power_reward=TokenAmount(as_bigint(f[8], "RewardState.total_storage_power_reward")),
            simple_total=None if legacy else TokenAmount(as_bigint(f[9], "RewardState.simple_total")),
            baseline_total=None if legacy else TokenAmount(as_bigint(f[10], "RewardState.baseline_total")),
        )

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def decode(cls, data: bytes) -> RewardState:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "RewardState"))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON (big numbers as decimal strings)."""
        smoothed = self.this_epoch_reward_smoothed
        return {
            "CumsumBaseline": str(self.cumsum_baseline),
            "CumsumRealized": str(self.cumsum_realized),
            "EffectiveNetworkTime": self.effective_network_time,
            "EffectiveBaselinePower": str(self.effective_baseline_power),
            "ThisEpochReward": str(self.this_epoch_reward.atto),
            "ThisEpochRewardSmoothed": {
                "Position": str(smoothed.position),
                "Velocity": str(smoothed.velocity),
            },
            "ThisEpochBaselinePower": str(self.this_epoch_baseline_power),
            "Epoch": self.epoch,
            "TotalStoragePowerReward": str(self.total_storage_power_reward.atto),
            "SimpleTotal": None if self.simple_total is None else str(self.simple_total.atto),
            "BaselineTotal": None if self.baseline_total is None else str(self.baseline_total.atto),
        }
