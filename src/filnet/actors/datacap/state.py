"""Datacap actor state ``[governor, token]`` (builtin-actors ``fil_actor_datacap::State``).

``token`` is frc46_token's ``TokenState`` ``[supply, balances, allowances, hamt_bit_width]``: ``balances`` is
a HAMT owner actor ID (unsigned varint key) -> BigInt; ``allowances`` a HAMT owner ID -> HAMT operator ID ->
BigInt; both with the bit width the state records (frc46's default 3, chosen to cut gas on balance reads).
Name, symbol and granularity are constants of the actor's code, not state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import CborTuple, as_address, as_bigint, as_cid, as_uint, fields, uint_of_key
from filnet.core.address import MAINNET, Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID
from filnet.errors import DecodeError
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt

#: frc46_token's ``DEFAULT_HAMT_BIT_WIDTH``, which ``TokenState::new`` uses.
TOKEN_HAMT_BIT_WIDTH: Final = 3
#: DataCap's governor: the verified registry (f06), the only actor that may mint and destroy.
GOVERNOR: Final = Address.new_id(6)
NAME: Final = "DataCap"
SYMBOL: Final = "DCAP"
#: One DataCap token is one byte; balances carry 18 decimals like FIL, so the granularity is 10^18.
GRANULARITY: Final = 10**18
_MAX_HAMT_BIT_WIDTH: Final = 8


@dataclass(frozen=True, slots=True)
class TokenState(CborTuple):
    """An FRC-46 token's total supply, balances and allowances."""

    supply: TokenAmount
    balances: CID
    allowances: CID
    hamt_bit_width: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.supply.to_bytes(), self.balances, self.allowances, self.hamt_bit_width]

    @classmethod
    def from_ipld(cls, raw: Any) -> TokenState:
        """Parse the CBOR tuple."""
        supply, balances, allowances, bit_width = fields(raw, 4, "TokenState")
        width = as_uint(bit_width, "TokenState.hamt_bit_width")
        if not 1 <= width <= _MAX_HAMT_BIT_WIDTH:
            raise DecodeError(f"TokenState.hamt_bit_width: {width} is not in 1..{_MAX_HAMT_BIT_WIDTH}")
        return cls(
            TokenAmount(as_bigint(supply, "TokenState.supply")),
            as_cid(balances, "TokenState.balances"),
            as_cid(allowances, "TokenState.allowances"),
            width,
        )


@dataclass(frozen=True, slots=True)
class DatacapState(CborTuple):
    """The governor and the token."""

    governor: Address
    token: TokenState

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.governor), self.token.to_ipld()]

    @classmethod
    def from_ipld(cls, raw: Any) -> DatacapState:
        """Parse the CBOR tuple."""
        governor, token = fields(raw, 2, "DatacapState")
        return cls(as_address(governor, "DatacapState.governor"), TokenState.from_ipld(token))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {
            "Governor": self.governor.encode(network),
            "Token": {
                "Supply": str(self.token.supply.atto),
                "Balances": {"/": str(self.token.balances)},
                "Allowances": {"/": str(self.token.allowances)},
                "HamtBitWidth": self.token.hamt_bit_width,
            },
        }


def empty_state(store: Blockstore, governor: Address = GOVERNOR) -> DatacapState:
    """The state builtin-actors' ``State::new`` writes: no supply, empty balance and allowance maps."""
    empty = Hamt(store, bit_width=TOKEN_HAMT_BIT_WIDTH).flush()
    return DatacapState(governor, TokenState(ZERO, empty, empty, TOKEN_HAMT_BIT_WIDTH))


def balances(store: Blockstore, token: TokenState) -> Iterator[tuple[ActorID, TokenAmount]]:
    """Every (owner, balance), in HAMT order."""
    for key, raw in Hamt(store, token.balances, token.hamt_bit_width).items():
        owner = ActorID(uint_of_key(key, "datacap balance"))
        yield owner, TokenAmount(as_bigint(raw, f"datacap balance of f0{owner}"))


def allowances(store: Blockstore, token: TokenState) -> Iterator[tuple[ActorID, ActorID, TokenAmount]]:
    """Every (owner, operator, allowance), in HAMT order."""
    for key, inner in Hamt(store, token.allowances, token.hamt_bit_width).items():
        owner = ActorID(uint_of_key(key, "datacap allowance"))
        root = as_cid(inner, f"datacap allowances of f0{owner}")
        for operator_key, raw in Hamt(store, root, token.hamt_bit_width).items():
            operator = ActorID(uint_of_key(operator_key, f"datacap allowances of f0{owner}"))
            yield owner, operator, TokenAmount(as_bigint(raw, f"allowance of f0{owner} to f0{operator}"))
