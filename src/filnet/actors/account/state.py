"""Account actor state ``[address]``: the public-key address the account belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import as_address, decode_block, fields
from filnet.core.address import MAINNET, Address
from filnet.ipld import dagcbor


@dataclass(frozen=True, slots=True)
class AccountState:
    """The f1/f3 address whose key signs for this account."""

    address: Address

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.address)]

    @classmethod
    def from_ipld(cls, raw: Any) -> AccountState:
        """Parse the CBOR tuple."""
        (address,) = fields(raw, 1, "AccountState")
        return cls(as_address(address, "AccountState.address"))

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def decode(cls, data: bytes) -> AccountState:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "AccountState"))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {"Address": self.address.encode(network)}
