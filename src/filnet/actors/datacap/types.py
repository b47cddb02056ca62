"""Params and returns of the datacap token's methods (FRC-46 ``frc46_token`` types, as builtin-actors'
datacap actor uses them).

Only the operator transfer the storage market makes is here so far (added by the market, which needed it
before the datacap actor was written).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import CborTuple, as_address, as_bigint, as_bytes, fields
from filnet.core.address import Address
from filnet.core.token import TokenAmount


@dataclass(frozen=True, slots=True)
class TransferFromParams(CborTuple):
    """An operator's transfer of ``amount`` from ``from_`` to ``to`` (FRC-46 ``TransferFromParams``)."""

    from_: Address
    to: Address
    amount: TokenAmount
    operator_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.from_), bytes(self.to), self.amount.to_bytes(), self.operator_data]

    @classmethod
    def from_ipld(cls, raw: Any) -> TransferFromParams:
        """Parse the CBOR tuple."""
        from_, to, amount, data = fields(raw, 4, "TransferFromParams")
        return cls(
            as_address(from_, "TransferFromParams.from"),
            as_address(to, "TransferFromParams.to"),
            TokenAmount(as_bigint(amount, "TransferFromParams.amount")),
            as_bytes(data, "TransferFromParams.operator_data"),
        )


@dataclass(frozen=True, slots=True)
class TransferFromReturn(CborTuple):
    """Balances and remaining allowance after a transfer, and the receiver hook's data (FRC-46)."""

    from_balance: TokenAmount
    to_balance: TokenAmount
    allowance: TokenAmount
    recipient_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.from_balance.to_bytes(),
            self.to_balance.to_bytes(),
            self.allowance.to_bytes(),
            self.recipient_data,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> TransferFromReturn:
        """Parse the CBOR tuple."""
        from_balance, to_balance, allowance, data = fields(raw, 4, "TransferFromReturn")
        return cls(
            TokenAmount(as_bigint(from_balance, "TransferFromReturn.from_balance")),
            TokenAmount(as_bigint(to_balance, "TransferFromReturn.to_balance")),
            TokenAmount(as_bigint(allowance, "TransferFromReturn.allowance")),
            as_bytes(data, "TransferFromReturn.recipient_data"),
        )
