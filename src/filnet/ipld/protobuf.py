"""The protobuf wire primitives DAG-PB and UnixFS share: uint64 varints and length-delimited fields.

Decoding is strict, as the DAG-PB spec asks of every protobuf-based IPLD format: varints must be minimal
(no trailing zero byte) and fit 64 bits, and a length must fit in the bytes that remain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from filnet.errors import DecodeError
from filnet.ipld.varint import encode_leb128

WIRE_VARINT: Final = 0
WIRE_BYTES: Final = 2
UINT64_LIMIT: Final = 1 << 64
#: A uint64 takes at most 10 bytes as a protobuf varint.
MAX_VARINT_BYTES: Final = 10


#: A message's fields: number -> (name, wire type).
Fields = Mapping[int, tuple[str, int]]

#: A protobuf varint of an unsigned 64-bit integer (callers check the range).
encode_varint = encode_leb128


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


def read_field_key(buf: bytes, pos: int, end: int, fields: Fields, message: str) -> tuple[int, str, int, int]:
    """The field key at ``pos``: ``(number, name, wire type, offset after it)``.

    A field ``message`` does not declare, or one with the wrong wire type, is a DecodeError naming both.
    """
    key, after = read_varint(buf, pos, end)
    number, wire = key >> 3, key & 7
    known = fields.get(number)
    if known is None:
        raise DecodeError(f"unknown {message} field {number} (wire type {wire})", pos)
    name, expected = known
    if wire != expected:
        raise DecodeError(f"{message}.{name} has wire type {wire}, expected {expected}", pos)
    return number, name, wire, after
