"""Replica ids and the SDR encoding of sector data into a replica (and back).

replica_id (storage-proofs-porep ``generate_replica_id``) = sha256(prover_id ‖ u64 BE(sector number) ‖
ticket ‖ comm_d ‖ porep_id) with the top two bits of byte 31 cleared, so it is a field element. The sector
number is big-endian there, unlike nearly every other integer in the proofs.

Encoding adds the last layer's label to each data node in the field: replica[v] = data[v] + label[v] mod r,
both read as 32-byte little-endian integers; decoding subtracts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.varint import encode_uvarint
from filnet.proofs.fr import FR_BYTES, R

Buffer = bytes | bytearray | memoryview

try:
    from filnet.proofs import _sdr_native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - exercised only where the extension is not built
    _sdr_native = None


def prover_id_bytes(actor_id: int) -> bytes:
    """The 32-byte prover id of a miner actor: its ID-address payload (uvarint of the id), zero-padded."""
    if not 0 <= actor_id < 1 << 63:
        raise InvalidInput(f"actor id {actor_id} out of range")
    return encode_uvarint(actor_id).ljust(32, b"\x00")


@dataclass(frozen=True)
class ReplicaIdInputs:
    """The public inputs a replica id commits to."""

    prover_id: bytes
    sector_number: int
    ticket: bytes
    comm_d: bytes
    porep_id: bytes

    def __post_init__(self) -> None:
        for name in ("prover_id", "ticket", "comm_d", "porep_id"):
            value = getattr(self, name)
            if len(value) != 32:
                raise InvalidInput(f"{name} must be 32 bytes, got {len(value)}")
        if not 0 <= self.sector_number < 1 << 64:
            raise InvalidInput(f"sector number {self.sector_number} is not a u64")


def replica_id(inputs: ReplicaIdInputs) -> bytes:
    """The 32-byte replica id of a sector."""
    h = hashlib.sha256()
    h.update(inputs.prover_id)
    h.update(inputs.sector_number.to_bytes(8, "big"))
    h.update(inputs.ticket)
    h.update(inputs.comm_d)
    h.update(inputs.porep_id)
    digest = bytearray(h.digest())
    digest[31] &= 0x3F
    return bytes(digest)


def _node(data: Buffer, i: int, what: str) -> int:
    """Node ``i`` of ``data`` as an integer below r."""
    value = int.from_bytes(data[i * FR_BYTES : (i + 1) * FR_BYTES], "little")
    if value >= R:
        raise DecodeError(f"{what} node {i} is not a field element", i * FR_BYTES)
    return value


def _combine_reference(a: Buffer, b: Buffer, sign: int) -> bytes:
    """Node-wise a + sign·b mod r (pure Python)."""
    if len(a) != len(b) or len(a) % FR_BYTES:
        raise InvalidInput("encoding needs two buffers of the same whole number of 32-byte nodes")
    out = bytearray(len(a))
    for i in range(len(a) // FR_BYTES):
        value = (_node(a, i, "first") + sign * _node(b, i, "second")) % R
        out[i * FR_BYTES : (i + 1) * FR_BYTES] = value.to_bytes(FR_BYTES, "little")
    return bytes(out)


def encode_reference(data: Buffer, key: Buffer) -> bytes:
    """replica = data + key mod r, node by node (pure Python)."""
    return _combine_reference(data, key, 1)


def decode_reference(replica: Buffer, key: Buffer) -> bytes:
    """data = replica - key mod r, node by node (pure Python)."""
    return _combine_reference(replica, key, -1)


def _combine(
    out: bytearray | memoryview,
    a: Buffer,
    b: Buffer,
    subtract: bool,
) -> None:
    """Node-wise a ± b mod r into ``out`` (native when built)."""
    if len(a) != len(b) or len(a) != len(out) or len(a) % FR_BYTES:
        raise InvalidInput("encoding needs buffers of the same whole number of 32-byte nodes")
    if _sdr_native is None:
        out[:] = _combine_reference(a, b, -1 if subtract else 1)
        return
    bad = _sdr_native.encode_nodes(out, a, b, subtract)
    if bad >= 0:
        raise DecodeError(f"node {bad} is not a field element", bad * FR_BYTES)


def encode_into(out: bytearray | memoryview, data: bytes | memoryview, key: bytes | memoryview) -> None:
    """out = data + key mod r, node by node."""
    _combine(out, data, key, subtract=False)


def decode_into(out: bytearray | memoryview, replica: bytes | memoryview, key: bytes | memoryview) -> None:
    """out = replica - key mod r, node by node."""
    _combine(out, replica, key, subtract=True)
