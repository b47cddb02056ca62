"""The UnixFS ``Data`` protobuf carried in a DAG-PB node's Data field, byte for byte as go-unixfs and
ipfs-unixfs write it.

Schema (ipfs/specs ``unixfs.proto``, proto2)::

    message Data {
      enum DataType { Raw = 0; Directory = 1; File = 2; Metadata = 3; Symlink = 4; HAMTShard = 5; }
      required DataType Type = 1;   optional bytes Data = 2;     optional uint64 filesize = 3;
      repeated uint64 blocksizes = 4;  optional uint64 hashType = 5;  optional uint64 fanout = 6;
      optional uint32 mode = 7;     optional UnixTime mtime = 8;
    }
    message UnixTime { required int64 Seconds = 1; optional fixed32 FractionalNanoseconds = 2; }

Both reference encoders write present fields in field-number order, ``blocksizes`` unpacked (one key per
value). Which fields are present is the writers' choice, captured by the constructors below: an empty
``Data`` is left out, files always carry ``filesize``, directories and symlinks never do, shards carry
``hashType`` and ``fanout`` (ipfs-unixfs ``marshal()``; go-unixfs ``FilePBData``/``HAMTShardData``).

Decoding is strict: fields in ascending order, no duplicates or unknown fields, known wire types, minimal
varints; every error is a :class:`DecodeError` with the byte offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.protobuf import (
    UINT64_LIMIT,
    WIRE_BYTES,
    WIRE_VARINT,
    encode_varint,
    read_field_key,
    read_length_delimited,
    read_varint,
)


class DataType(IntEnum):
    """The UnixFS node kinds (``Data.Type``)."""

    RAW = 0
    DIRECTORY = 1
    FILE = 2
    METADATA = 3
    SYMLINK = 4
    HAMT_SHARD = 5


@dataclass(frozen=True, slots=True)
class UnixTime:
    """A modification time: seconds since the epoch (may be negative) and optional nanoseconds."""

    seconds: int
    nanos: int | None = None


@dataclass(frozen=True, slots=True)
class UnixFSData:
    """A decoded UnixFS ``Data`` message; ``None`` / ``()`` means the field is absent."""

    type: DataType
    data: bytes | None = None
    filesize: int | None = None
    blocksizes: tuple[int, ...] = ()
    hash_type: int | None = None
    fanout: int | None = None
    mode: int | None = None
    mtime: UnixTime | None = None

    def content_size(self) -> int:
        """Bytes of file content this node stands for: its own data plus its children's blocksizes."""
        return (len(self.data) if self.data else 0) + sum(self.blocksizes)


# -- constructors: the field presence the reference writers use ---------------------------------------


def file_data(data: bytes = b"", blocksizes: tuple[int, ...] = ()) -> UnixFSData:
    """A File node: its inline ``data`` (left out when empty) and the content sizes of its children."""
    return UnixFSData(
        DataType.FILE, data or None, filesize=len(data) + sum(blocksizes), blocksizes=blocksizes
    )


def directory_data() -> UnixFSData:
    """A plain Directory node (``08 01``)."""
    return UnixFSData(DataType.DIRECTORY)


def symlink_data(target: bytes) -> UnixFSData:
    """A Symlink node whose Data is the link target (go-unixfs ``SymlinkData``: no filesize)."""
    return UnixFSData(DataType.SYMLINK, target or None)


def hamt_shard_data(bitfield: bytes, fanout: int, hash_type: int) -> UnixFSData:
    """A HAMTShard node: occupancy bitfield (big-endian, leading zero bytes trimmed), fanout, hash code."""
    return UnixFSData(DataType.HAMT_SHARD, bitfield or None, hash_type=hash_type, fanout=fanout)


# -- encoding ------------------------------------------------------------------------------------------

_UINT32_LIMIT: Final = 1 << 32
_INT64_MIN: Final = -(1 << 63)


def _uint(value: int | None, limit: int, what: str) -> int:
    """``value`` checked to be an unsigned integer below ``limit``."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < limit:
        raise InvalidInput(f"UnixFS {what} {value!r} is out of range")
    return value


def _encode_mtime(mtime: UnixTime) -> bytes:
    """The body of a UnixTime message."""
    seconds = mtime.seconds
    if not isinstance(seconds, int) or not _INT64_MIN <= seconds < 1 << 63:
        raise InvalidInput(f"UnixFS mtime seconds {seconds!r} is not a 64-bit integer")
    # int64 varints carry negative values as their 64-bit two's complement (always 10 bytes).
    out = b"\x08" + encode_varint(seconds & (UINT64_LIMIT - 1))
    if mtime.nanos is not None:
        nanos = _uint(mtime.nanos, 1_000_000_000, "mtime nanoseconds")
        out += b"\x15" + nanos.to_bytes(4, "little")
    return out


def encode_data(node: UnixFSData) -> bytes:
    """The canonical bytes of a UnixFS ``Data`` message: present fields in field-number order."""
    out = bytearray(b"\x08")
    out += encode_varint(_uint(int(node.type), 6, "Type"))
    if node.data is not None:
        out += b"\x12" + encode_varint(len(node.data)) + node.data
    if node.filesize is not None:
        out += b"\x18" + encode_varint(_uint(node.filesize, UINT64_LIMIT, "filesize"))
    for size in node.blocksizes:
        out += b"\x20" + encode_varint(_uint(size, UINT64_LIMIT, "blocksize"))
    if node.hash_type is not None:
        out += b"\x28" + encode_varint(_uint(node.hash_type, UINT64_LIMIT, "hashType"))
    if node.fanout is not None:
        out += b"\x30" + encode_varint(_uint(node.fanout, UINT64_LIMIT, "fanout"))
    if node.mode is not None:
        out += b"\x38" + encode_varint(_uint(node.mode, _UINT32_LIMIT, "mode"))
    if node.mtime is not None:
        body = _encode_mtime(node.mtime)
        out += b"\x42" + encode_varint(len(body)) + body
    return bytes(out)


# -- decoding ------------------------------------------------------------------------------------------

#: field number -> (name, wire type)
_FIELDS: Final = {
    1: ("Type", WIRE_VARINT),
    2: ("Data", WIRE_BYTES),
    3: ("filesize", WIRE_VARINT),
    4: ("blocksizes", WIRE_VARINT),
    5: ("hashType", WIRE_VARINT),
    6: ("fanout", WIRE_VARINT),
    7: ("mode", WIRE_VARINT),
    8: ("mtime", WIRE_BYTES),
}


def _decode_mtime(buf: bytes, pos: int, end: int) -> UnixTime:
    """Decode the UnixTime message spanning ``buf[pos:end]``."""
    seconds: int | None = None
    nanos: int | None = None
    while pos < end:
        key_at = pos
        key, pos = read_varint(buf, pos, end)
        if key == 0x08 and seconds is None and nanos is None:
            raw, pos = read_varint(buf, pos, end)
            seconds = raw - UINT64_LIMIT if raw >= 1 << 63 else raw
        elif key == 0x15 and nanos is None:
            if end - pos < 4:
                raise DecodeError("truncated UnixTime.FractionalNanoseconds", pos)
            nanos = int.from_bytes(buf[pos : pos + 4], "little")
            if nanos >= 1_000_000_000:
                raise DecodeError(f"UnixTime.FractionalNanoseconds {nanos} is not below 10^9", pos)
            pos += 4
        else:
            raise DecodeError(f"UnixTime field key 0x{key:x} is unknown, repeated or out of order", key_at)
    if seconds is None:
        raise DecodeError("UnixTime without Seconds", end)
    return UnixTime(seconds, nanos)


def decode_data(raw: bytes | memoryview) -> UnixFSData:
    """Decode a UnixFS ``Data`` message; :class:`DecodeError` with the offset on anything non-canonical."""
    buf = bytes(raw)
    end = len(buf)
    pos = 0
    last = 0
    ints: dict[int, int] = {}
    data: bytes | None = None
    mtime: UnixTime | None = None
    blocksizes: list[int] = []
    while pos < end:
        key_at = pos
        number, name, wire, pos = read_field_key(buf, pos, end, _FIELDS, "UnixFS Data")
        if number < last or (number == last and number != 4):
            raise DecodeError(f"UnixFS Data.{name} repeated or out of field order", key_at)
        last = number
        if wire == WIRE_BYTES:
            start, pos = read_length_delimited(buf, pos, end, f"UnixFS Data.{name}")
            if number == 2:
                data = buf[start:pos]
            else:
                mtime = _decode_mtime(buf, start, pos)
            continue
        value, pos = read_varint(buf, pos, end)
        if number == 1 and value > max(DataType):
            raise DecodeError(f"unknown UnixFS Data.Type {value}", key_at)
        if number == 7 and value >= _UINT32_LIMIT:
            raise DecodeError(f"UnixFS Data.mode {value} exceeds 32 bits", key_at)
        if number == 4:
            blocksizes.append(value)
        else:
            ints[number] = value
    if 1 not in ints:
        raise DecodeError("UnixFS Data without the required Type field", 0)
    return UnixFSData(
        type=DataType(ints[1]),
        data=data,
        filesize=ints.get(3),
        blocksizes=tuple(blocksizes),
        hash_type=ints.get(5),
        fanout=ints.get(6),
        mode=ints.get(7),
        mtime=mtime,
    )
