"""Datacap actor method numbers (builtin-actors ``fil_actor_datacap::Method``).

Since actors v10 only the constructor keeps a small number; the token methods are FRC-42 hashes of their
names (the v9 numbers 2, 3 and 10–21 are retired).
"""

from __future__ import annotations

from enum import IntEnum

from filnet.core.frc42 import method_number


class Method(IntEnum):
    """Methods of the datacap actor."""

    CONSTRUCTOR = 1
    MINT_EXPORTED = method_number("Mint")
    DESTROY_EXPORTED = method_number("Destroy")
    NAME_EXPORTED = method_number("Name")
    SYMBOL_EXPORTED = method_number("Symbol")
    GRANULARITY_EXPORTED = method_number("Granularity")
    TOTAL_SUPPLY_EXPORTED = method_number("TotalSupply")
    BALANCE_EXPORTED = method_number("Balance")
    TRANSFER_EXPORTED = method_number("Transfer")
    TRANSFER_FROM_EXPORTED = method_number("TransferFrom")
    INCREASE_ALLOWANCE_EXPORTED = method_number("IncreaseAllowance")
    DECREASE_ALLOWANCE_EXPORTED = method_number("DecreaseAllowance")
    REVOKE_ALLOWANCE_EXPORTED = method_number("RevokeAllowance")
    BURN_EXPORTED = method_number("Burn")
    BURN_FROM_EXPORTED = method_number("BurnFrom")
    ALLOWANCE_EXPORTED = method_number("Allowance")
