"""Init actor state ``[address_map, next_id, network_name]``.

``address_map`` is a HAMT (bit width 5) from an address's bytes to its actor ID (a CBOR unsigned integer);
builtin-actors ``fil_actor_init::State``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import as_cid, as_str, as_uint, decode_block, fields
from filnet.core.address import MAINNET, Address
from filnet.core.types import ActorID
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt

ADDRESS_MAP_BIT_WIDTH: Final = 5


@dataclass(frozen=True, slots=True)
class InitState:
    """The address map's root, the next actor ID to assign and the network's name."""

    address_map: CID
    next_id: ActorID
    network_name: str

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.address_map, self.next_id, self.network_name]

    @classmethod
    def from_ipld(cls, raw: Any) -> InitState:
        """Parse the CBOR tuple."""
        address_map, next_id, name = fields(raw, 3, "InitState")
        return cls(
            as_cid(address_map, "InitState.address_map"),
            ActorID(as_uint(next_id, "InitState.next_id")),
            as_str(name, "InitState.network_name"),
        )

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def decode(cls, data: bytes) -> InitState:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "InitState"))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {
            "AddressMap": {"/": str(self.address_map)},
            "NextID": self.next_id,
            "NetworkName": self.network_name,
        }


class AddressMap:
    """The init actor's address → actor ID map over a block store."""

    def __init__(self, store: Blockstore, root: CID | None = None, legacy_pointers: bool = False) -> None:
        self.hamt = Hamt(store, root, ADDRESS_MAP_BIT_WIDTH, legacy_pointers=legacy_pointers)

    def lookup(self, address: Address) -> ActorID | None:
        """The actor ID of ``address``, or None."""
        raw = self.hamt.get(bytes(address))
        return None if raw is None else ActorID(as_uint(raw, f"address map entry of {address}"))

    def set(self, address: Address, actor_id: ActorID) -> None:
        """Map ``address`` to ``actor_id``."""
        self.hamt.set(bytes(address), int(actor_id))

    def items(self) -> Iterator[tuple[Address, ActorID]]:
        """Every (address, actor ID) pair, in HAMT order."""
        for key, raw in self.hamt.items():
            try:
                address = Address.from_bytes(key)
            except DecodeError as e:
                raise DecodeError(f"address map key {key.hex()}: {e.reason}") from None
            yield address, ActorID(as_uint(raw, f"address map entry of {address}"))

    def flush(self) -> CID:
        """Write changes; the new root."""
        return self.hamt.flush()
