"""Params and returns of the datacap actor's methods: its own types (builtin-actors
``fil_actor_datacap::types``) and the FRC-46 types of ``frc46_token`` and ``fvm_actor_utils`` that it
exchanges with other actors (the receiver hook's ``UniversalReceiverParams`` and ``FRC46TokenReceived``).

Amounts are ``TokenAmount`` in BigInt bytes; one DataCap byte is ``TOKEN_PRECISION`` (10^18) token units.
``RawBytes`` fields are CBOR byte strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    Transparent,
    as_address,
    as_bigint,
    as_bytes,
    as_list,
    as_str,
    as_uint,
    fields,
)
from filnet.core.address import Address
from filnet.core.frc42 import method_number
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID
from filnet.errors import DecodeError

#: frc46_token's ``TOKEN_PRECISION``: the token units in one whole token (datacap: one byte).
TOKEN_PRECISION: Final = 10**18
#: The receiver type of FRC-46 tokens in ``UniversalReceiverParams.type_``: FRC-42 hash of "FRC46" as u32.
FRC46_TOKEN_TYPE: Final = int(method_number("FRC46"))
_U32_MAX: Final = 0xFFFFFFFF


def _amount(raw: Any, what: str) -> TokenAmount:
    return TokenAmount(as_bigint(raw, what))


# --- datacap's own types (fil_actor_datacap::types) ---


@dataclass(frozen=True, slots=True)
class ConstructorParams(Transparent):
    """The governor, the only actor that may mint and destroy (transparent: an address)."""

    governor: Address

    def to_ipld(self) -> bytes:
        """The address bytes."""
        return bytes(self.governor)

    @classmethod
    def from_ipld(cls, raw: Any) -> ConstructorParams:
        """Parse the address bytes."""
        return cls(as_address(raw, "ConstructorParams.governor"))


@dataclass(frozen=True, slots=True)
class NameReturn(Transparent):
    """The token's name (transparent: a string)."""

    name: str

    def to_ipld(self) -> str:
        """The string."""
        return self.name

    @classmethod
    def from_ipld(cls, raw: Any) -> NameReturn:
        """Parse the string."""
        return cls(as_str(raw, "NameReturn.name"))


@dataclass(frozen=True, slots=True)
class SymbolReturn(Transparent):
    """The token's ticker symbol (transparent: a string)."""

    symbol: str

    def to_ipld(self) -> str:
        """The string."""
        return self.symbol

    @classmethod
    def from_ipld(cls, raw: Any) -> SymbolReturn:
        """Parse the string."""
        return cls(as_str(raw, "SymbolReturn.symbol"))


@dataclass(frozen=True, slots=True)
class GranularityReturn(Transparent):
    """The smallest indivisible amount (transparent: a u64)."""

    granularity: int

    def to_ipld(self) -> int:
        """The integer."""
        return self.granularity

    @classmethod
    def from_ipld(cls, raw: Any) -> GranularityReturn:
        """Parse the integer."""
        return cls(as_uint(raw, "GranularityReturn.granularity"))


@dataclass(frozen=True, slots=True)
class TotalSupplyReturn(Transparent):
    """The total supply (transparent: a BigInt)."""

    supply: TokenAmount

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return self.supply.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> TotalSupplyReturn:
        """Parse the BigInt bytes."""
        return cls(_amount(raw, "TotalSupplyReturn.supply"))


@dataclass(frozen=True, slots=True)
class BalanceParams(Transparent):
    """The holder asked about (transparent: an address)."""

    address: Address

    def to_ipld(self) -> bytes:
        """The address bytes."""
        return bytes(self.address)

    @classmethod
    def from_ipld(cls, raw: Any) -> BalanceParams:
        """Parse the address bytes."""
        return cls(as_address(raw, "BalanceParams.address"))


@dataclass(frozen=True, slots=True)
class BalanceReturn(Transparent):
    """A holder's balance (transparent: a BigInt)."""

    balance: TokenAmount

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return self.balance.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> BalanceReturn:
        """Parse the BigInt bytes."""
        return cls(_amount(raw, "BalanceReturn.balance"))


@dataclass(frozen=True, slots=True)
class GetAllowanceReturn(Transparent):
    """An operator's allowance over an owner's balance (transparent: a BigInt)."""

    allowance: TokenAmount

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return self.allowance.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> GetAllowanceReturn:
        """Parse the BigInt bytes."""
        return cls(_amount(raw, "GetAllowanceReturn.allowance"))


@dataclass(frozen=True, slots=True)
class IncreaseAllowanceReturn(Transparent):
    """The allowance after an increase (transparent: a BigInt)."""

    new_allowance: TokenAmount

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return self.new_allowance.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> IncreaseAllowanceReturn:
        """Parse the BigInt bytes."""
        return cls(_amount(raw, "IncreaseAllowanceReturn.new_allowance"))


@dataclass(frozen=True, slots=True)
class DecreaseAllowanceReturn(Transparent):
    """The allowance after a decrease (transparent: a BigInt)."""

    new_allowance: TokenAmount

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return self.new_allowance.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> DecreaseAllowanceReturn:
        """Parse the BigInt bytes."""
        return cls(_amount(raw, "DecreaseAllowanceReturn.new_allowance"))


@dataclass(frozen=True, slots=True)
class RevokeAllowanceReturn(Transparent):
    """The allowance a revocation removed (transparent: a BigInt)."""

    old_allowance: TokenAmount

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return self.old_allowance.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> RevokeAllowanceReturn:
        """Parse the BigInt bytes."""
        return cls(_amount(raw, "RevokeAllowanceReturn.old_allowance"))


@dataclass(frozen=True, slots=True)
class MintParams(CborTuple):
    """The governor's mint of ``amount`` to ``to``, granting each of ``operators`` an effectively infinite
    allowance over the recipient's balance."""

    to: Address
    amount: TokenAmount
    operators: tuple[Address, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.to), self.amount.to_bytes(), [bytes(op) for op in self.operators]]

    @classmethod
    def from_ipld(cls, raw: Any) -> MintParams:
        """Parse the CBOR tuple."""
        to, amount, operators = fields(raw, 3, "MintParams")
        return cls(
            as_address(to, "MintParams.to"),
            _amount(amount, "MintParams.amount"),
            tuple(
                as_address(op, "MintParams.operators[]") for op in as_list(operators, "MintParams.operators")
            ),
        )


@dataclass(frozen=True, slots=True)
class DestroyParams(CborTuple):
    """The governor's destruction of ``amount`` of ``owner``'s tokens."""

    owner: Address
    amount: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.owner), self.amount.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> DestroyParams:
        """Parse the CBOR tuple."""
        owner, amount = fields(raw, 2, "DestroyParams")
        return cls(as_address(owner, "DestroyParams.owner"), _amount(amount, "DestroyParams.amount"))


# --- frc46_token types ---


@dataclass(frozen=True, slots=True)
class MintReturn(CborTuple):
    """The recipient's balance and the supply after a mint, and the receiver hook's return data."""

    balance: TokenAmount
    supply: TokenAmount
    recipient_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.balance.to_bytes(), self.supply.to_bytes(), self.recipient_data]

    @classmethod
    def from_ipld(cls, raw: Any) -> MintReturn:
        """Parse the CBOR tuple."""
        balance, supply, data = fields(raw, 3, "MintReturn")
        return cls(
            _amount(balance, "MintReturn.balance"),
            _amount(supply, "MintReturn.supply"),
            as_bytes(data, "MintReturn.recipient_data"),
        )


@dataclass(frozen=True, slots=True)
class TransferParams(CborTuple):
    """The caller's transfer of ``amount`` to ``to``, with data for the receiver hook."""

    to: Address
    amount: TokenAmount
    operator_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.to), self.amount.to_bytes(), self.operator_data]

    @classmethod
    def from_ipld(cls, raw: Any) -> TransferParams:
        """Parse the CBOR tuple."""
        to, amount, data = fields(raw, 3, "TransferParams")
        return cls(
            as_address(to, "TransferParams.to"),
            _amount(amount, "TransferParams.amount"),
            as_bytes(data, "TransferParams.operator_data"),
        )


@dataclass(frozen=True, slots=True)
class TransferReturn(CborTuple):
    """Both balances after a transfer, and the receiver hook's return data."""

    from_balance: TokenAmount
    to_balance: TokenAmount
    recipient_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.from_balance.to_bytes(), self.to_balance.to_bytes(), self.recipient_data]

    @classmethod
    def from_ipld(cls, raw: Any) -> TransferReturn:
        """Parse the CBOR tuple."""
        from_balance, to_balance, data = fields(raw, 3, "TransferReturn")
        return cls(
            _amount(from_balance, "TransferReturn.from_balance"),
            _amount(to_balance, "TransferReturn.to_balance"),
            as_bytes(data, "TransferReturn.recipient_data"),
        )


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


@dataclass(frozen=True, slots=True)
class IncreaseAllowanceParams(CborTuple):
    """The caller's increase of ``operator``'s allowance by ``increase``."""

    operator: Address
    increase: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.operator), self.increase.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> IncreaseAllowanceParams:
        """Parse the CBOR tuple."""
        operator, increase = fields(raw, 2, "IncreaseAllowanceParams")
        return cls(
            as_address(operator, "IncreaseAllowanceParams.operator"),
            _amount(increase, "IncreaseAllowanceParams.increase"),
        )


@dataclass(frozen=True, slots=True)
class DecreaseAllowanceParams(CborTuple):
    """The caller's decrease of ``operator``'s allowance by ``decrease`` (to no less than zero)."""

    operator: Address
    decrease: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.operator), self.decrease.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> DecreaseAllowanceParams:
        """Parse the CBOR tuple."""
        operator, decrease = fields(raw, 2, "DecreaseAllowanceParams")
        return cls(
            as_address(operator, "DecreaseAllowanceParams.operator"),
            _amount(decrease, "DecreaseAllowanceParams.decrease"),
        )


@dataclass(frozen=True, slots=True)
class RevokeAllowanceParams(CborTuple):
    """The caller's revocation of ``operator``'s whole allowance."""

    operator: Address

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (of one field: not transparent)."""
        return [bytes(self.operator)]

    @classmethod
    def from_ipld(cls, raw: Any) -> RevokeAllowanceParams:
        """Parse the CBOR tuple."""
        (operator,) = fields(raw, 1, "RevokeAllowanceParams")
        return cls(as_address(operator, "RevokeAllowanceParams.operator"))


@dataclass(frozen=True, slots=True)
class GetAllowanceParams(CborTuple):
    """The owner and operator of the allowance asked about."""

    owner: Address
    operator: Address

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.owner), bytes(self.operator)]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetAllowanceParams:
        """Parse the CBOR tuple."""
        owner, operator = fields(raw, 2, "GetAllowanceParams")
        return cls(
            as_address(owner, "GetAllowanceParams.owner"), as_address(operator, "GetAllowanceParams.operator")
        )


@dataclass(frozen=True, slots=True)
class BurnParams(CborTuple):
    """The caller's burn of ``amount`` of its own tokens."""

    amount: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (of one field: not transparent)."""
        return [self.amount.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> BurnParams:
        """Parse the CBOR tuple."""
        (amount,) = fields(raw, 1, "BurnParams")
        return cls(_amount(amount, "BurnParams.amount"))


@dataclass(frozen=True, slots=True)
class BurnReturn(CborTuple):
    """The holder's balance after a burn (or a governor's destroy)."""

    balance: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (of one field: not transparent)."""
        return [self.balance.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> BurnReturn:
        """Parse the CBOR tuple."""
        (balance,) = fields(raw, 1, "BurnReturn")
        return cls(_amount(balance, "BurnReturn.balance"))


@dataclass(frozen=True, slots=True)
class BurnFromParams(CborTuple):
    """An operator's burn of ``amount`` of ``owner``'s tokens."""

    owner: Address
    amount: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.owner), self.amount.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> BurnFromParams:
        """Parse the CBOR tuple."""
        owner, amount = fields(raw, 2, "BurnFromParams")
        return cls(as_address(owner, "BurnFromParams.owner"), _amount(amount, "BurnFromParams.amount"))


@dataclass(frozen=True, slots=True)
class BurnFromReturn(CborTuple):
    """The owner's balance and the operator's remaining allowance after a burn."""

    balance: TokenAmount
    allowance: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.balance.to_bytes(), self.allowance.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> BurnFromReturn:
        """Parse the CBOR tuple."""
        balance, allowance = fields(raw, 2, "BurnFromReturn")
        return cls(_amount(balance, "BurnFromReturn.balance"), _amount(allowance, "BurnFromReturn.allowance"))


# --- the receiver hook (frc46_token::receiver, fvm_actor_utils::receiver) ---


@dataclass(frozen=True, slots=True)
class FRC46TokenReceived(CborTuple):
    """What the token tells a recipient's ``Receive`` hook: the holder debited (the token actor itself for a
    mint), the recipient, the operator who initiated it, the amount, and the operator's and token's data."""

    from_: ActorID
    to: ActorID
    operator: ActorID
    amount: TokenAmount
    operator_data: bytes
    token_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.from_,
            self.to,
            self.operator,
            self.amount.to_bytes(),
            self.operator_data,
            self.token_data,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> FRC46TokenReceived:
        """Parse the CBOR tuple."""
        from_, to, operator, amount, operator_data, token_data = fields(raw, 6, "FRC46TokenReceived")
        return cls(
            ActorID(as_uint(from_, "FRC46TokenReceived.from")),
            ActorID(as_uint(to, "FRC46TokenReceived.to")),
            ActorID(as_uint(operator, "FRC46TokenReceived.operator")),
            _amount(amount, "FRC46TokenReceived.amount"),
            as_bytes(operator_data, "FRC46TokenReceived.operator_data"),
            as_bytes(token_data, "FRC46TokenReceived.token_data"),
        )


@dataclass(frozen=True, slots=True)
class UniversalReceiverParams(CborTuple):
    """The params of a recipient's ``Receive`` hook: the asset type (u32) and its encoded payload (for
    ``FRC46_TOKEN_TYPE``, an encoded :class:`FRC46TokenReceived`)."""

    type_: int
    payload: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.type_, self.payload]

    @classmethod
    def from_ipld(cls, raw: Any) -> UniversalReceiverParams:
        """Parse the CBOR tuple."""
        type_, payload = fields(raw, 2, "UniversalReceiverParams")
        kind = as_uint(type_, "UniversalReceiverParams.type")
        if kind > _U32_MAX:
            raise DecodeError(f"UniversalReceiverParams.type: {kind} exceeds u32")
        return cls(kind, as_bytes(payload, "UniversalReceiverParams.payload"))
