"""The message pool's tunables and constants (Lotus ``messagepool/config.go`` and ``messagepool.go``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.errors import InvalidInput

#: Largest signed message the pool accepts, in bytes (anti-DoS).
MAX_MESSAGE_SIZE: Final = 64 << 10
#: Pending messages a local (trusted) sender may have, and an untrusted one (Lotus ``PushUntrusted``).
MAX_ACTOR_PENDING_MESSAGES: Final = 1000
MAX_UNTRUSTED_ACTOR_PENDING_MESSAGES: Final = 100
#: How far past the next nonce a message from the network may be (untrusted pushes allow no gap).
MAX_NONCE_GAP: Final = 4
#: The replace-by-fee premium the pool itself demands, in percent (Lotus ``ReplaceByFeePercentageMinimum``;
#: ``ComputeMinRBF`` uses this, not the configured ratio, which tools use to pick a replacement's premium).
REPLACE_BY_FEE_PERCENTAGE_MINIMUM: Final = 110
REPLACE_BY_FEE_PERCENTAGE_DEFAULT: Final = 125
#: Base fee divisors for "includable within about 20 blocks": conservative when adding, loose when
#: pruning and republishing (Lotus ``baseFeeLowerBoundFactor{,Conservative}``).
BASE_FEE_LOWER_BOUND_FACTOR: Final = 10
BASE_FEE_LOWER_BOUND_FACTOR_CONSERVATIVE: Final = 100
#: Gas left in a block below which selection stops looking for more messages (Lotus ``gasguess.MinGas``).
MIN_GAS: Final = 1_298_450
#: Blocks an epoch may have, as far as optimal selection's block-position probabilities go.
MAX_BLOCKS: Final = 15
#: Messages of one signature kind a block can carry (the CBOR array limit, cbor-gen ``MaxLength``).
CBOR_MAX_LENGTH: Final = 8192
#: Most local messages a republish round broadcasts.
REPUBLISH_MESSAGE_LIMIT: Final = 30
#: Lotus's default ``MaxFee`` when a send spec gives none (0.07 FIL).
DEFAULT_MAX_FEE: Final = TokenAmount(70_000_000_000_000_000)


@dataclass(frozen=True, slots=True)
class MpoolConfig:
    """The pool's configuration (Lotus ``types.MpoolConfig``)."""

    #: Senders whose messages selection takes first and pruning never drops.
    priority_addrs: tuple[Address, ...] = field(default_factory=tuple)
    #: Pruning starts above ``size_limit_high`` messages and keeps ``size_limit_low``.
    size_limit_high: int = 30000
    size_limit_low: int = 20000
    #: Percent of the old premium a replacement should offer (used by :func:`compute_rbf` callers).
    replace_by_fee_ratio: int = REPLACE_BY_FEE_PERCENTAGE_DEFAULT
    #: Seconds between two prunes.
    prune_cooldown_seconds: float = 60.0
    #: Factor applied to the gas used by an estimate (Lotus ``GasLimitOverestimation``).
    gas_limit_overestimation: float = 1.25

    def __post_init__(self) -> None:
        # Lotus validateConfg: a ratio below the pool's own minimum would produce rejected replacements.
        if self.replace_by_fee_ratio < REPLACE_BY_FEE_PERCENTAGE_MINIMUM:
            raise InvalidInput(
                f"replace-by-fee ratio {self.replace_by_fee_ratio}% is below the minimum "
                f"{REPLACE_BY_FEE_PERCENTAGE_MINIMUM}%"
            )
        if self.gas_limit_overestimation < 1:
            raise InvalidInput(f"gas limit overestimation {self.gas_limit_overestimation} must be at least 1")
        if not 0 <= self.size_limit_low <= self.size_limit_high:
            raise InvalidInput(
                f"size limits must satisfy 0 <= low ({self.size_limit_low}) <= high ({self.size_limit_high})"
            )


def compute_rbf(premium: TokenAmount, ratio_percent: int) -> TokenAmount:
    """The premium a replacement needs to beat ``premium`` by ``ratio_percent`` (Lotus ``ComputeRBF``)."""
    return TokenAmount(premium.atto * ratio_percent // 100 + 1)


def compute_min_rbf(premium: TokenAmount) -> TokenAmount:
    """The smallest premium the pool accepts to replace a message of ``premium`` (Lotus ``ComputeMinRBF``)."""
    return compute_rbf(premium, REPLACE_BY_FEE_PERCENTAGE_MINIMUM)


def base_fee_lower_bound(base_fee: TokenAmount, factor: int, minimum_base_fee: int) -> TokenAmount:
    """The base fee divided by ``factor``, at least the minimum base fee (Lotus ``getBaseFeeLowerBound``)."""
    return TokenAmount(max(base_fee.atto // factor, minimum_base_fee))
