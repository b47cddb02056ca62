"""Cron actor state ``[[entry, …]]``, entries ``[receiver, method_num]`` (builtin-actors ``cron::State``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import as_address, as_list, as_uint, decode_block, fields
from filnet.core.address import MAINNET, Address
from filnet.core.types import MethodNum
from filnet.ipld import dagcbor


@dataclass(frozen=True, slots=True)
class CronEntry:
    """An actor and the method cron calls on it every epoch."""

    receiver: Address
    method_num: MethodNum

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.receiver), self.method_num]

    @classmethod
    def from_ipld(cls, raw: Any) -> CronEntry:
        """Parse the CBOR tuple."""
        receiver, method = fields(raw, 2, "CronEntry")
        return cls(
            as_address(receiver, "CronEntry.receiver"), MethodNum(as_uint(method, "CronEntry.method_num"))
        )


@dataclass(frozen=True, slots=True)
class CronState:
    """The entries, in the order cron calls them."""

    entries: tuple[CronEntry, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[entry.to_ipld() for entry in self.entries]]

    @classmethod
    def from_ipld(cls, raw: Any) -> CronState:
        """Parse the CBOR tuple."""
        (entries,) = fields(raw, 1, "CronState")
        return cls(tuple(CronEntry.from_ipld(e) for e in as_list(entries, "CronState.entries")))

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def decode(cls, data: bytes) -> CronState:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "CronState"))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {"Entries": [{"Receiver": str(e.receiver), "MethodNum": e.method_num} for e in self.entries]}
