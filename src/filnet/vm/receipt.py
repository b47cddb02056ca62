"""Message receipts: exit code, return bytes, gas used and the root of the events the message emitted.

Since network version 18 a receipt is the CBOR tuple ``[exit_code, return, gas_used, events_root]`` with
``events_root`` null when the message emitted no events (Lotus ``types.MessageReceipt`` v1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import as_bytes, as_int, decode_block, fields
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ExitCode


@dataclass(frozen=True, slots=True)
class Receipt:
    """What executing a message left behind on chain."""

    exit_code: ExitCode
    return_data: bytes
    gas_used: int
    events_root: CID | None = None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [int(self.exit_code), self.return_data, self.gas_used, self.events_root]

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def from_ipld(cls, raw: Any) -> Receipt:
        """Parse the CBOR tuple."""
        code, ret, gas, events = fields(raw, 4, "Receipt")
        code_value = as_int(code, "Receipt.exit_code")
        try:
            exit_code = ExitCode(code_value)
        except ValueError:
            raise DecodeError(f"Receipt.exit_code: unknown exit code {code_value}") from None
        if events is not None and not isinstance(events, CID):
            raise DecodeError("Receipt.events_root: expected a link or null")
        return cls(exit_code, as_bytes(ret, "Receipt.return"), as_int(gas, "Receipt.gas_used"), events)

    @classmethod
    def decode(cls, data: bytes) -> Receipt:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "Receipt"))
