"""How a message's gas is paid for: base fee burn, over-estimation burn, miner tip and penalty, refund.

Lotus ``chain/vm/burn.go`` (EIP-1559 with Filecoin's over-estimation burn). The sender escrows
``gas_limit × fee_cap``. Of that, ``base_fee × gas_used`` is burnt (sent to f099), the miner earns
``gas_premium × gas_limit`` (capped so that base fee plus premium never exceeds the fee cap), gas reserved
well beyond what was used is partly burnt too, and the rest goes back to the sender. When the base fee is
above the fee cap the miner that included the message pays the difference as a penalty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from filnet.core.token import TokenAmount
from filnet.errors import InvalidInput

# Gas reserved up to 10% above what was used is refunded in full (11/10 of gas used).
GAS_OVERUSE_NUM: Final = 11
GAS_OVERUSE_DENOM: Final = 10


@dataclass(frozen=True, slots=True)
class GasOutputs:
    """Where a message's gas payment goes."""

    base_fee_burn: TokenAmount
    over_estimation_burn: TokenAmount
    miner_penalty: TokenAmount
    miner_tip: TokenAmount
    refund: TokenAmount
    gas_refund: int
    gas_burned: int


def gas_overestimation_burn(gas_used: int, gas_limit: int) -> tuple[int, int]:
    """(gas refunded, gas burnt) of the unused ``gas_limit - gas_used``.

    over = min(gas_limit / gas_used - 1.1, 1); burnt = (gas_limit - gas_used) · over, computed without
    division first: over · gas_used = min(gas_limit - 11 · gas_used / 10, gas_used).
    """
    if not 0 <= gas_used <= gas_limit:
        raise InvalidInput(f"gas used {gas_used} must be within 0..gas limit {gas_limit}")
    if gas_used == 0:
        return 0, gas_limit
    over = gas_limit - (GAS_OVERUSE_NUM * gas_used) // GAS_OVERUSE_DENOM
    if over < 0:
        return gas_limit - gas_used, 0
    over = min(over, gas_used)
    burnt = (gas_limit - gas_used) * over // gas_used
    return gas_limit - gas_used - burnt, burnt


def compute_gas_outputs(
    gas_used: int,
    gas_limit: int,
    base_fee: TokenAmount,
    fee_cap: TokenAmount,
    gas_premium: TokenAmount,
    charge_network_fee: bool = True,
) -> GasOutputs:
    """Split a message's gas payment as Lotus does; ``charge_network_fee`` off skips the base fee burn."""
    base_fee_to_pay = min(base_fee, fee_cap)
    penalty = (base_fee.atto - base_fee_to_pay.atto) * gas_used
    base_fee_burn = base_fee_to_pay.atto * gas_used if charge_network_fee else 0
    tip_per_gas = min(gas_premium.atto, fee_cap.atto - base_fee_to_pay.atto)
    miner_tip = tip_per_gas * gas_limit
    gas_refund, gas_burned = gas_overestimation_burn(gas_used, gas_limit)
    over_estimation_burn = 0
    if gas_burned:
        over_estimation_burn = base_fee_to_pay.atto * gas_burned
        penalty += (base_fee.atto - base_fee_to_pay.atto) * gas_burned
    refund = gas_limit * fee_cap.atto - base_fee_burn - miner_tip - over_estimation_burn
    return GasOutputs(
        base_fee_burn=TokenAmount(base_fee_burn),
        over_estimation_burn=TokenAmount(over_estimation_burn),
        miner_penalty=TokenAmount(penalty),
        miner_tip=TokenAmount(miner_tip),
        refund=TokenAmount(refund),
        gas_refund=gas_refund,
        gas_burned=gas_burned,
    )
