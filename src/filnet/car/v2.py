"""CARv2: the pragma and header around a CARv1 payload, the sorted indexes, and the writer.

Layout (ipld specs ``transport/car/carv2``)::

    pragma (11 bytes) ‖ header (40 bytes) ‖ [padding] ‖ CARv1 payload ‖ [padding] ‖ [index to end of file]

The header is the 128-bit characteristics bitfield, then data offset, data size and index offset, each an
unsigned 64-bit little-endian integer; an index offset of 0 means "no index". Index offsets of blocks count
from the start of the CARv1 payload and point at the section's length varint.

Index formats, as go-car (``v2/index``) writes them; all integers little-endian::

    IndexSorted (0x0400):           int32 #buckets, then per digest width, ascending: bucket
    MultihashIndexSorted (0x0401):  int32 #codes, then per multihash code, ascending:
                                        uint64 code ‖ int32 #buckets ‖ buckets as in IndexSorted
    bucket:                         uint32 width ‖ int64 byte length ‖ records sorted by digest
    record:                         digest (width - 8 bytes) ‖ uint64 offset

Two quirks of go-car kept for byte identity: the bucket's second field holds the *byte length* of its
records, where the spec text says "count"; identity CIDs are left out of indexes.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Final

from filnet.car.v1 import CarStats, CarV1Writer, is_identity, write_dag
from filnet.errors import DecodeError, InvalidInput, UnsupportedCodec
from filnet.ipld import multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.varint import decode_uvarint, encode_uvarint

#: ``varint(10) ‖ DAG-CBOR {"version": 2}``: a CARv1 header that CARv1 readers reject as version 2.
PRAGMA: Final = bytes.fromhex("0aa16776657273696f6e02")
PRAGMA_SIZE: Final = len(PRAGMA)
HEADER_SIZE: Final = 40
#: Characteristics bit (bit 7 of the first little-endian word, go-car's ``Hi``): the index lists every
#: section, identity CIDs included.
FULLY_INDEXED: Final = 1 << 7

INDEX_SORTED: Final = 0x0400
MULTIHASH_INDEX_SORTED: Final = 0x0401

_OFFSET = struct.Struct("<Q")
_INT32 = struct.Struct("<i")
_UINT32 = struct.Struct("<I")
_INT64 = struct.Struct("<q")
_HEADER = struct.Struct("<16sQQQ")
# A code entry (uint64 code + int32 count) and a bucket header (uint32 width + int64 length) are 12 bytes:
# counts are checked against the bytes left before looping on them.
_ENTRY_HEADER_SIZE: Final = 12


@dataclass(frozen=True, slots=True)
class CarV2Header:
    """The fixed 40-byte CARv2 header."""

    data_offset: int
    data_size: int
    index_offset: int = 0
    #: The 128-bit characteristics bitfield, read as one little-endian integer.
    characteristics: int = 0

    @property
    def has_index(self) -> bool:
        return self.index_offset != 0

    @property
    def fully_indexed(self) -> bool:
        return bool(self.characteristics & FULLY_INDEXED)

    @property
    def data_end(self) -> int:
        """Offset of the first byte after the CARv1 payload."""
        return self.data_offset + self.data_size

    def encode(self) -> bytes:
        """The 40 header bytes."""
        return _HEADER.pack(
            self.characteristics.to_bytes(16, "little"), self.data_offset, self.data_size, self.index_offset
        )


def decode_v2_header(raw: bytes, file_size: int | None) -> CarV2Header:
    """Decode and check the 40 bytes after the pragma; ``file_size`` bounds the offsets when known."""
    if len(raw) != HEADER_SIZE:
        raise DecodeError(f"truncated CARv2 header: {len(raw)} of {HEADER_SIZE} bytes", PRAGMA_SIZE)
    characteristics, data_offset, data_size, index_offset = _HEADER.unpack(raw)
    header = CarV2Header(data_offset, data_size, index_offset, int.from_bytes(characteristics, "little"))
    where = PRAGMA_SIZE + 16
    if data_offset < PRAGMA_SIZE + HEADER_SIZE:
        raise DecodeError(f"CARv2 data offset {data_offset} is inside the pragma and header", where)
    if data_size == 0:
        raise DecodeError("CARv2 data size is zero", where + 8)
    if file_size is not None and header.data_end > file_size:
        raise DecodeError(
            f"CARv2 data payload [{data_offset}, {header.data_end}) runs past the end of the file "
            f"({file_size} bytes)",
            where,
        )
    if index_offset:
        if index_offset < header.data_end:
            raise DecodeError(
                f"CARv2 index offset {index_offset} is before the end of the data ({header.data_end})",
                where + 16,
            )
        if file_size is not None and index_offset >= file_size:
            raise DecodeError(
                f"CARv2 index offset {index_offset} is at or past the end of the file ({file_size} bytes)",
                where + 16,
            )
    return header


@dataclass(frozen=True, slots=True)
class IndexBucket:
    """Index records of one multihash code and digest length, sorted by digest then offset.

    ``code`` is ``None`` in an IndexSorted index, which keys on digests alone.
    """

    code: int | None
    digest_size: int
    records: bytes

    @property
    def width(self) -> int:
        return self.digest_size + 8

    def __len__(self) -> int:
        return len(self.records) // self.width

    def digest_at(self, i: int) -> bytes:
        """The digest of record ``i``."""
        start = i * self.width
        return self.records[start : start + self.digest_size]

    def offset_at(self, i: int) -> int:
        """The payload offset of record ``i``."""
        offset: int = _OFFSET.unpack_from(self.records, i * self.width + self.digest_size)[0]
        return offset

    def find(self, digest: bytes) -> list[int]:
        """Payload offsets of every record with this digest (several for duplicated blocks)."""
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.digest_at(mid) < digest:
                lo = mid + 1
            else:
                hi = mid
        found = []
        while lo < len(self) and self.digest_at(lo) == digest:
            found.append(self.offset_at(lo))
            lo += 1
        return found


@dataclass(frozen=True, slots=True)
class CarIndex:
    """A CARv2 index: sorted buckets mapping multihash digests to section offsets in the payload."""

    codec: int
    buckets: tuple[IndexBucket, ...]

    @classmethod
    def build(
        cls,
        records: Iterable[tuple[CID, int]],
        codec: int = MULTIHASH_INDEX_SORTED,
        *,
        include_identity: bool = False,
    ) -> CarIndex:
        """The index of ``(CID, payload offset)`` records, as go-car builds it.

        Identity CIDs are left out unless ``include_identity`` (go-car's ``StoreIdentityCIDs``, which marks
        the CARv2 "fully indexed").

        Records with equal digests (duplicate blocks, one multihash under two codecs) are ordered by offset;
        go-car's unstable sort leaves their order unspecified, so byte identity holds for CARs without them.
        """
        if codec not in (INDEX_SORTED, MULTIHASH_INDEX_SORTED):
            raise UnsupportedCodec(f"cannot build CAR index 0x{codec:x}")
        groups: defaultdict[tuple[int | None, int], list[tuple[bytes, int]]] = defaultdict(list)
        for cid, offset in records:
            if is_identity(cid) and not include_identity:
                continue
            code = cid.hash_code if codec == MULTIHASH_INDEX_SORTED else None
            groups[code, len(cid.digest)].append((cid.digest, offset))
        buckets = []
        for (code, size), entries in sorted(groups.items(), key=lambda item: (item[0][0] or 0, item[0][1])):
            entries.sort()
            table = b"".join(digest + _OFFSET.pack(offset) for digest, offset in entries)
            buckets.append(IndexBucket(code, size, table))
        return cls(codec, tuple(buckets))

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self.buckets)

    def offsets(self, cid: CID) -> list[int]:
        """Payload offsets of sections whose multihash (digest alone, for IndexSorted) matches ``cid``."""
        found: list[int] = []
        for bucket in self.buckets:
            if bucket.digest_size == len(cid.digest) and bucket.code in (None, cid.hash_code):
                found += bucket.find(cid.digest)
        return found

    def entries(self) -> Iterator[tuple[int | None, bytes, int]]:
        """Every record as ``(multihash code or None, digest, payload offset)``, in index order."""
        for bucket in self.buckets:
            for i in range(len(bucket)):
                yield bucket.code, bucket.digest_at(i), bucket.offset_at(i)

    def encode(self) -> bytes:
        """The index payload: codec varint, then the index in its format."""
        out = [encode_uvarint(self.codec)]
        if self.codec == INDEX_SORTED:
            out.append(_encode_buckets(self.buckets))
            return b"".join(out)
        codes = sorted({bucket.code or 0 for bucket in self.buckets})
        out.append(_INT32.pack(len(codes)))
        for code in codes:
            out.append(_OFFSET.pack(code))
            out.append(_encode_buckets([b for b in self.buckets if b.code == code]))
        return b"".join(out)


def _encode_buckets(buckets: Sequence[IndexBucket]) -> bytes:
    """``int32 #buckets`` then each bucket, by ascending width."""
    out = [_INT32.pack(len(buckets))]
    for bucket in sorted(buckets, key=lambda b: b.width):
        out += [_UINT32.pack(bucket.width), _INT64.pack(len(bucket.records)), bucket.records]
    return b"".join(out)


def decode_index(data: bytes, base: int = 0, data_size: int | None = None) -> CarIndex:
    """Decode and validate an index payload found at file offset ``base``.

    Checks every count and length against the bytes present, the sort order of codes, widths and digests,
    digest lengths of known hash functions, and (when ``data_size`` is given) that offsets fall inside the
    payload. Reading the sections the index points at is left to the caller.
    """
    codec, pos = decode_uvarint(data, 0)
    if codec not in (INDEX_SORTED, MULTIHASH_INDEX_SORTED):
        raise UnsupportedCodec(f"unsupported CAR index format 0x{codec:x} at byte offset {base}")
    reader = _IndexReader(data, pos, base)
    buckets: list[IndexBucket] = []
    if codec == INDEX_SORTED:
        buckets += reader.buckets(None)
    else:
        previous = -1
        for _ in range(reader.count("multihash codes")):
            where = reader.where
            code = reader.unpack(_OFFSET)
            if code <= previous:
                raise DecodeError(
                    f"index multihash codes out of order: 0x{code:x} after 0x{previous:x}", where
                )
            previous = code
            buckets += reader.buckets(code)
    if reader.pos != len(data):
        raise DecodeError(f"{len(data) - reader.pos} trailing bytes after the CAR index", reader.where)
    index = CarIndex(codec, tuple(buckets))
    if data_size is not None:
        for _, digest, offset in index.entries():
            if offset >= data_size:
                raise DecodeError(
                    f"index entry for digest {digest.hex()} "
                    f"points at offset {offset}, past the data payload ({data_size} bytes)",
                    base,
                )
    return index


class _IndexReader:
    """Bounds-checked reads of an index payload."""

    def __init__(self, data: bytes, pos: int, base: int) -> None:
        self.data = data
        self.pos = pos
        self.base = base

    @property
    def where(self) -> int:
        return self.base + self.pos

    def unpack(self, fmt: struct.Struct) -> int:
        """One integer of format ``fmt``."""
        if self.pos + fmt.size > len(self.data):
            raise DecodeError("truncated CAR index", self.where)
        value: int = fmt.unpack_from(self.data, self.pos)[0]
        self.pos += fmt.size
        return value

    def count(self, what: str) -> int:
        """An int32 count of entries, each at least 12 bytes long, that must fit in the bytes left."""
        where = self.where
        n = self.unpack(_INT32)
        if n < 0 or n * _ENTRY_HEADER_SIZE > len(self.data) - self.pos:
            raise DecodeError(f"index count of {what} {n} does not fit in the index", where)
        return n

    def buckets(self, code: int | None) -> list[IndexBucket]:
        """The buckets of one multihash code (or of an IndexSorted index)."""
        found = []
        previous = 0
        for _ in range(self.count("buckets")):
            where = self.where
            width = self.unpack(_UINT32)
            length = self.unpack(_INT64)
            if width < 8 or width <= previous:
                raise DecodeError(f"index bucket width {width} is below 8 or out of order", where)
            previous = width
            if length < 0 or length % width or length > len(self.data) - self.pos:
                raise DecodeError(
                    f"index bucket of {length} bytes does not hold whole {width}-byte records", where
                )
            size = width - 8
            if code is not None and multihash.DIGEST_SIZES.get(code, size) != size:
                raise DecodeError(f"index bucket of {size}-byte {multihash.name_of(code)} digests", where)
            bucket = IndexBucket(code, size, self.data[self.pos : self.pos + length])
            self.pos += length
            _check_sorted(bucket, where)
            found.append(bucket)
        return found


def _check_sorted(bucket: IndexBucket, where: int) -> None:
    """Raise DecodeError unless the bucket's digests are in ascending order (binary search needs it)."""
    digests = [bucket.digest_at(i) for i in range(len(bucket))]
    for i in range(1, len(digests)):
        if digests[i] < digests[i - 1]:
            raise DecodeError(f"index bucket records out of order at record {i}", where)


def write_car_v2(
    out: BinaryIO, roots: Sequence[CID], store: Blockstore, *, verify: bool = False
) -> tuple[CarStats, CarV2Header]:
    """Write the DAGs under ``roots`` as a CARv2: the canonical CARv1 payload and a MultihashIndexSorted.

    The bytes are those go-car's ``WrapV1`` gives for the same CARv1 (no padding, characteristics zero).
    ``out`` must be seekable: the header, written last, records the payload size.
    """
    if not out.seekable():
        raise InvalidInput("writing a CARv2 needs a seekable output")
    start = out.tell()
    out.write(bytes(PRAGMA_SIZE + HEADER_SIZE))
    writer = CarV1Writer(out, roots)
    records: list[tuple[CID, int]] = []
    write_dag(writer, store, verify=verify, on_section=lambda cid, offset: records.append((cid, offset)))
    index = CarIndex.build(records).encode()
    out.write(index)
    end = out.tell()
    header = v2_header_for_payload(writer.size)
    out.seek(start)
    out.write(PRAGMA + header.encode())
    out.seek(end)
    return writer.stats(), header


def v2_header_for_payload(data_size: int) -> CarV2Header:
    """The header go-car writes for a payload right after the header and its index right after the payload."""
    data_offset = PRAGMA_SIZE + HEADER_SIZE
    return CarV2Header(data_offset, data_size, data_offset + data_size)
