"""System actor state: ``[builtin_actors]`` since actors v8 (the manifest data CID); ``[]`` before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import as_cid, as_list, decode_block
from filnet.core.address import MAINNET
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.cid import CID


@dataclass(frozen=True, slots=True)
class SystemState:
    """The manifest data CID, or None in states older than actors v8 (an empty tuple)."""

    builtin_actors: CID | None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [] if self.builtin_actors is None else [self.builtin_actors]

    @classmethod
    def from_ipld(cls, raw: Any) -> SystemState:
        """Parse the CBOR tuple."""
        items = as_list(raw, "SystemState")
        if not items:
            return cls(None)
        if len(items) != 1:
            raise DecodeError(f"SystemState: expected 0 or 1 fields, got {len(items)}")
        return cls(as_cid(items[0], "SystemState.builtin_actors"))

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def decode(cls, data: bytes) -> SystemState:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "SystemState"))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {"BuiltinActors": None if self.builtin_actors is None else {"/": str(self.builtin_actors)}}
