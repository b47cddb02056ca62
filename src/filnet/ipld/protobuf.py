"""The protobuf wire primitives DAG-PB and UnixFS share: uint64 varints and length-delimited fields.

Decoding is strict, as the DAG-PB spec asks of every protobuf-based IPLD format: varints must be minimal
(no trailing zero byte) and fit 64 bits, and a length must fit in the bytes that remain.
"""

from __future__ import annotations

from typing import Final

from filnet.errors import DecodeError

WIRE_VARINT: Final = 0
WIRE_BYTES: Final = 2
UINT64_LIMIT: Final = 1 << 64
#: A uint64 takes at most 10 bytes as a protobuf varint.
MAX_VARINT_BYTES: Final = 10


def encode_varint(value: int) -> bytes:
    """A protobuf varint of an unsigned 64-bit integer (callers check the range)."""
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """A minimal uint64 varint at ``pos`` that ends before ``end``; return it and the offset after it."""
    if pos < end and buf[pos] < 0x80:
        return buf[pos], pos + 1
    start = pos
    value = 0
    shift = 0
    while True:
        if pos >= end:
            raise DecodeError("truncated varint", start)
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            break
        shift += 7
        if pos - start >= MAX_VARINT_BYTES:
            raise DecodeError("varint longer than 10 bytes", start)
    if b == 0:
        raise DecodeError("non-minimal varint", start)
    if value >= UINT64_LIMIT:
        raise DecodeError("varint exceeds 64 bits", start)
    return value, pos


def read_length_delimited(buf: bytes, pos: int, end: int, what: str) -> tuple[int, int]:
    """Bounds ``(start, stop)`` of a length-delimited field whose length varint is at ``pos``."""
    length, start = read_varint(buf, pos, end)
    if length > end - start:
        raise DecodeError(f"{what} length {length} exceeds the {end - start} bytes left", pos)
    return start, start + length
