"""Unsigned varints (LEB128) as the multiformats spec defines them.

The spec caps a varint at 9 bytes (63 bits) and requires the minimal encoding; both are enforced on decode.
"""

from __future__ import annotations

from typing import BinaryIO

from filnet.errors import DecodeError, InvalidInput

MAX_VARINT_BYTES = 9
MAX_VARINT = (1 << 63) - 1


def encode_leb128(value: int) -> bytes:
    """Unsigned LEB128 of a non-negative integer, without a range check (see :func:`encode_uvarint`)."""
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_uvarint(value: int) -> bytes:
    """Encode a non-negative integer below 2**63 as an unsigned varint."""
    if value < 0 or value > MAX_VARINT:
        raise InvalidInput(f"varint out of range: {value}")
    return encode_leb128(value)


def decode_uvarint(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """Decode an unsigned varint at ``offset``; return ``(value, offset after it)``."""
    first = offset
    value = 0
    shift = 0
    end = len(data)
    while True:
        if offset >= end:
            raise DecodeError("truncated varint", first)
        b = data[offset]
        offset += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            if b == 0 and offset - first > 1:
                raise DecodeError("non-minimal varint", first)
            return value, offset
        shift += 7
        if offset - first >= MAX_VARINT_BYTES:
            raise DecodeError("varint longer than 9 bytes", first)


def read_uvarint(stream: BinaryIO, offset: int | None = None) -> int | None:
    """Read an unsigned varint from a stream; ``None`` at a clean end of stream (no byte read).

    ``offset`` is only used to name the position in errors.
    """
    value = 0
    shift = 0
    count = 0
    while True:
        byte = stream.read(1)
        if not byte:
            if count == 0:
                return None
            raise DecodeError("truncated varint", offset)
        b = byte[0]
        count += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            if b == 0 and count > 1:
                raise DecodeError("non-minimal varint", offset)
            return value
        shift += 7
        if count >= MAX_VARINT_BYTES:
            raise DecodeError("varint longer than 9 bytes", offset)
