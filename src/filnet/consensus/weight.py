"""Chain weight and the next base fee (Lotus ``filcns/weight.go`` and ``chain/store/basefee.go``).

A tipset's weight is its parent weight plus 256·log2(total QA power) and a share of that for every win its
blocks claim (``WRatio`` = 1/2, divided by the expected BlocksPerEpoch). The base fee follows gas use before
the FireHorse upgrade and the tipset's gas-weighted premium percentile after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from filnet.consensus.election import BLOCKS_PER_EPOCH
from filnet.core.address import Address
from filnet.errors import InvalidInput
from filnet.params.network import NetworkParams

W_RATIO_NUM: Final = 1
W_RATIO_DEN: Final = 2
#: The base fee moves by at most 1/8 per epoch (Lotus ``BaseFeeMaxChangeDenom``).
BASE_FEE_MAX_CHANGE_DENOM: Final = 8
PACKING_EFFICIENCY_NUM: Final = 4
PACKING_EFFICIENCY_DENOM: Final = 5
#: Lotus's Smoke and FireHorse upgrade epochs per network (test networks have them from genesis).
SMOKE_HEIGHT: Final = {"mainnet": 51000, "calibnet": -2, "devnet": -1}
FIRE_HORSE_HEIGHT: Final = {"mainnet": 6052800, "calibnet": 3694534, "devnet": -32}


def tipset_weight(parent_weight: int, total_qa_power: int, win_counts: Iterable[int]) -> int:
    """The weight of a tipset from its parent weight, its parent state's total QA power and its wins."""
    if total_qa_power <= 0:
        raise InvalidInput("all power in the network is gone: the weight needs positive total power")
    log2_power = total_qa_power.bit_length() - 1
    wins = sum(win_counts)
    election_weight = ((log2_power * W_RATIO_NUM) << 8) * wins // (BLOCKS_PER_EPOCH * W_RATIO_DEN)
    return parent_weight + (log2_power << 8) + election_weight


@dataclass(frozen=True, slots=True)
class FeeMessage:
    """What the base fee reads of a message in a parent tipset (in block order, BLS then secp per block)."""

    sender: Address
    nonce: int
    gas_limit: int
    gas_fee_cap: int
    gas_premium: int
    #: The message's CID bytes (the pre-FireHorse rule deduplicates by CID).
    cid: bytes


def block_gas_target(params: NetworkParams) -> int:
    """Half the block gas limit (Lotus ``BlockGasTarget``)."""
    return params.block_gas_limit // 2


def compute_next_base_fee(
    base_fee: int, gas_limit_used: int, blocks: int, epoch: int, params: NetworkParams
) -> int:
    """The utilization rule (Lotus ``ComputeNextBaseFee``): move toward the gas target by at most 1/8."""
    target = block_gas_target(params)
    if epoch > SMOKE_HEIGHT.get(params.name, -1):
        delta = _go_quo(gas_limit_used, blocks) - target
    else:
        delta = _go_quo(PACKING_EFFICIENCY_DENOM * gas_limit_used, blocks * PACKING_EFFICIENCY_NUM) - target
    delta = max(-target, min(target, delta))
    # big.Div is Euclidean: floor division for these positive divisors.
    change = base_fee * delta // target // BASE_FEE_MAX_CHANGE_DENOM
    return max(params.minimum_base_fee, base_fee + change)


def _go_quo(a: int, b: int) -> int:
    """Go's int64 division, which truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def effective_gas_premium(message: FeeMessage, base_fee: int) -> int:
    """The premium a miner can claim: min(premium, fee cap − base fee), at least 0."""
    return min(message.gas_premium, max(0, message.gas_fee_cap - base_fee))


def weighted_premium_percentile(premiums: Sequence[int], limits: Sequence[int], index: int) -> int:
    """The premium at gas position ``index``, counting from the highest (Lotus ``WeightedQuickSelect``)."""
    # Lotus's quickselect with a random pivot always lands on this value; walking sorted premiums gives it
    # deterministically.
    for premium, limit in sorted(zip(premiums, limits, strict=True), key=lambda p: -p[0]):
        if index < limit:
            return premium
        index -= limit
    return 0


def next_base_fee_from_premium(base_fee: int, premium: int, params: NetworkParams) -> int:
    """The FireHorse rule: move by the percentile premium, at most ceil(base fee / 8) either way."""
    max_adjust = (base_fee + BASE_FEE_MAX_CHANGE_DENOM - 1) // BASE_FEE_MAX_CHANGE_DENOM
    return max(params.minimum_base_fee, base_fee + min(max_adjust, premium - max_adjust))


def compute_base_fee(
    parent_base_fee: int,
    height: int,
    blocks: Sequence[Sequence[FeeMessage]],
    params: NetworkParams,
) -> int:
    """The base fee of a tipset's children (Lotus ``ComputeBaseFee``) from each block's messages."""
    if not blocks:
        raise InvalidInput("a tipset has at least one block")
    if height < FIRE_HORSE_HEIGHT.get(params.name, -1):
        seen: set[bytes] = set()
        total = 0
        for messages in blocks:
            for m in messages:
                if m.cid not in seen:
                    seen.add(m.cid)
                    total += m.gas_limit
        return compute_next_base_fee(parent_base_fee, total, len(blocks), height, params)
    seen_nonces: set[tuple[Address, int]] = set()
    premiums: list[int] = []
    limits: list[int] = []
    for messages in blocks:
        for m in messages:
            if (m.sender, m.nonce) not in seen_nonces:
                seen_nonces.add((m.sender, m.nonce))
                premiums.append(effective_gas_premium(m, parent_base_fee))
                limits.append(m.gas_limit)
    index = params.block_gas_limit * 80 // 100 - 1
    return next_base_fee_from_premium(
        parent_base_fee, weighted_premium_percentile(premiums, limits, index), params
    )
