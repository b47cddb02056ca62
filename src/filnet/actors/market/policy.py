"""Bounds on deal terms and the penalty for a missed activation (builtin-actors ``market/src/policy.rs``).

Deal duration bounds come from the network's policy (``rt.policy.deal_min_duration`` /
``deal_max_duration``: builtin-actors fixes them at 180 and 1278 days, filnet's devnet shortens the first);
the price and client-collateral bounds ignore the deal's size and duration, as builtin-actors' do.
"""

from __future__ import annotations

from typing import Final

from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import ActorPolicy

#: Longest deal label, in bytes of its text or byte string.
DEAL_MAX_LABEL_SIZE: Final = 256
#: The FIL the network is assumed to hold, which caps deal prices and collaterals.
TOTAL_FILECOIN: Final = TokenAmount.from_fil(2_000_000_000)


def deal_duration_bounds(policy: ActorPolicy, size: int) -> tuple[ChainEpoch, ChainEpoch]:
    """Shortest and longest deal duration (inclusive) for a piece of ``size`` bytes."""
    return ChainEpoch(policy.deal_min_duration), ChainEpoch(policy.deal_max_duration)


def deal_price_per_epoch_bounds(size: int, duration: ChainEpoch) -> tuple[TokenAmount, TokenAmount]:
    """Lowest and highest storage price per epoch (inclusive)."""
    return ZERO, TOTAL_FILECOIN


def deal_provider_collateral_bounds(
    policy: ActorPolicy,
    size: int,
    network_raw_power: int,
    baseline_power: int,
    network_circulating_supply: TokenAmount,
) -> tuple[TokenAmount, TokenAmount]:
    """Lowest and highest provider collateral: at least the deal's share of the network's power (against
    the larger of raw and baseline power) times ``prov_collateral_percent_supply`` of circulating supply."""
    lock_target_num = network_circulating_supply.atto * policy.prov_collateral_percent_supply_num
    power_share_denom = max(network_raw_power, baseline_power, size)
    num = size * lock_target_num
    denom = power_share_denom * policy.prov_collateral_percent_supply_denom
    # both are non-negative, so Python's floor division is the Rust ``div_floor``
    return TokenAmount(num // denom), TOTAL_FILECOIN


def deal_client_collateral_bounds(size: int, duration: ChainEpoch) -> tuple[TokenAmount, TokenAmount]:
    """Lowest and highest client collateral (inclusive)."""
    return ZERO, TOTAL_FILECOIN


def collateral_penalty_for_deal_activation_missed(provider_collateral: TokenAmount) -> TokenAmount:
    """What a provider loses when its deal is not activated by its start epoch: all its collateral."""
    return provider_collateral
