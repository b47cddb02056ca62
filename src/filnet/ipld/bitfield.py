"""RLE+ bitfields: Filecoin's run-length encoding of sets of unsigned 64-bit integers.

The wire format (Filecoin spec, "RLE+ Bitset Encoding"; go-bitfield and fvm_ipld_bitfield) is a bit stream
read least-significant bit first within each byte::

    <encoding> ::= <version "00"> <first run's value bit> <block>*
    <block>    ::= "1"                      a run of length 1
                 | "01" <4 bits>            a run of length 2..15
                 | "00" <unsigned varint>   a run of length >= 16 (varint bytes written 8 bits each)

Runs alternate between zeros and ones, starting with the value in the header. The encoding is unique: the
set {} is the empty byte string, the last run is a run of ones, no byte after the data is zero, and every
length uses the shortest block. :func:`decode` enforces all of that (as fvm_ipld_bitfield does) so that a
decoded bitfield re-encodes to exactly the input bytes.

In memory a :class:`BitField` is a tuple of half-open ranges ``(start, end)``, sorted, disjoint and never
touching, so its size depends on the number of runs, never on the values stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from filnet.errors import DecodeError, InvalidInput

MAX_VALUE: Final = (1 << 64) - 1
"""Bit indices are below this: the total length of the runs is a uint64 (fvm_ipld_bitfield's RLEOverflow)."""

MAX_ENCODED_SIZE: Final = 32 << 10
"""Largest encoded bitfield the actors accept (fvm_ipld_bitfield's MAX_ENCODED_SIZE)."""

_VERSION: Final = 0
_VARINT_MAX_BYTES: Final = 10

Range = tuple[int, int]


@dataclass(frozen=True, slots=True)
class BitField:
    """An immutable set of bit indices, stored as sorted, disjoint, non-adjacent half-open ranges."""

    ranges: tuple[Range, ...] = ()

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_indices(cls, indices: Iterable[int]) -> BitField:
        """The bitfield with exactly these bits set (any order, duplicates allowed)."""
        return cls.from_ranges((i, i + 1) for i in indices)

    @classmethod
    def from_ranges(cls, ranges: Iterable[Range]) -> BitField:
        """The union of half-open ranges ``[start, end)`` given in any order."""
        spans = sorted((s, e) for s, e in ranges if e > s)
        for s, e in spans:
            if s < 0 or e > MAX_VALUE:
                raise InvalidInput(f"bit range [{s}, {e}) is outside 0 … 2^64 - 2")
        return cls(_normalise_sorted(spans))

    # -- queries --------------------------------------------------------------------------------

    def __contains__(self, index: object) -> bool:
        if not isinstance(index, int):
            return False
        lo, hi = 0, len(self.ranges)
        while lo < hi:
            mid = (lo + hi) // 2
            start, end = self.ranges[mid]
            if index < start:
                hi = mid
            elif index >= end:
                lo = mid + 1
            else:
                return True
        return False

    def __iter__(self) -> Iterator[int]:
        for start, end in self.ranges:
            yield from range(start, end)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def count(self) -> int:
        """Number of set bits."""
        return sum(end - start for start, end in self.ranges)

    def first(self) -> int:
        """The lowest set bit; raises :class:`InvalidInput` when empty."""
        if not self.ranges:
            raise InvalidInput("the bitfield is empty")
        return self.ranges[0][0]

    def last(self) -> int:
        """The highest set bit; raises :class:`InvalidInput` when empty."""
        if not self.ranges:
            raise InvalidInput("the bitfield is empty")
        return self.ranges[-1][1] - 1

    # -- set operations -------------------------------------------------------------------------

    def union(self, other: BitField) -> BitField:
        """Bits set in either."""
        return BitField(_normalise_sorted(_merge_sorted(self.ranges, other.ranges)))

    def intersection(self, other: BitField) -> BitField:
        """Bits set in both."""
        out: list[Range] = []
        a, b = self.ranges, other.ranges
        i = j = 0
        while i < len(a) and j < len(b):
            start = max(a[i][0], b[j][0])
            end = min(a[i][1], b[j][1])
            if start < end:
                out.append((start, end))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return BitField(tuple(out))

    def difference(self, other: BitField) -> BitField:
        """Bits set in ``self`` but not in ``other``."""
        out: list[Range] = []
        b = other.ranges
        j = 0
        for start, end in self.ranges:
            while j < len(b) and b[j][1] <= start:
                j += 1
            k = j
            cursor = start
            while k < len(b) and b[k][0] < end:
                if b[k][0] > cursor:
                    out.append((cursor, b[k][0]))
                cursor = max(cursor, b[k][1])
                k += 1
            if cursor < end:
                out.append((cursor, end))
        return BitField(tuple(out))

    def is_subset(self, other: BitField) -> bool:
        """Whether every bit of ``self`` is set in ``other``."""
        return not self.difference(other)

    def contains_any(self, other: BitField) -> bool:
        """Whether the two share a bit."""
        return bool(self.intersection(other))

    def contains_all(self, other: BitField) -> bool:
        """Whether every bit of ``other`` is set here."""
        return other.is_subset(self)

    def cut(self, other: BitField) -> BitField:
        """Remove ``other``'s bits and shift each remaining bit down by the number of removed bits below it
        (fvm_ipld_bitfield ``cut``: the positions of the survivors once the cut ones are taken out)."""
        out: list[Range] = []
        removed = 0
        b = other.ranges
        j = 0
        for start, end in self.difference(other).ranges:
            while j < len(b) and b[j][1] <= start:
                removed += b[j][1] - b[j][0]
                j += 1
            out.append((start - removed, end - removed))
        return BitField(_normalise_sorted(out))

    def slice(self, start: int, count: int) -> BitField:
        """The ``count`` set bits after skipping the first ``start`` set bits (InvalidInput if there are
        fewer; fvm_ipld_bitfield ``slice``)."""
        if start < 0 or count < 0:
            raise InvalidInput("slice start and count must not be negative")
        if start + count > self.count():
            raise InvalidInput(f"cannot slice {count} bits from {start}: only {self.count()} are set")
        out: list[Range] = []
        skip, need = start, count
        for lo, hi in self.ranges:
            if need == 0:
                break
            length = hi - lo
            if skip >= length:
                skip -= length
                continue
            lo += skip
            skip = 0
            take = min(need, hi - lo)
            out.append((lo, lo + take))
            need -= take
        return BitField(tuple(out))

    @classmethod
    def multi_union(cls, fields: Iterable[BitField]) -> BitField:
        """The union of any number of bitfields."""
        return cls.from_ranges(r for f in fields for r in f.ranges)

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    # -- codec ----------------------------------------------------------------------------------

    def encode(self) -> bytes:
        """The canonical RLE+ bytes."""
        return encode_runs(self.runs())

    def runs(self) -> Iterator[tuple[bool, int]]:
        """(value, length) runs from bit 0 to the last set bit."""
        cursor = 0
        for start, end in self.ranges:
            if start > cursor:
                yield False, start - cursor
            yield True, end - start
            cursor = end

    @classmethod
    def decode(cls, data: bytes, max_size: int = MAX_ENCODED_SIZE) -> BitField:
        """Strictly decode RLE+ bytes; anything that would not re-encode to ``data`` is rejected."""
        return cls(decode_ranges(data, max_size))

    def __repr__(self) -> str:
        shown = ", ".join(f"{s}" if e == s + 1 else f"{s}..{e - 1}" for s, e in self.ranges[:8])
        more = ", …" if len(self.ranges) > 8 else ""
        return f"BitField({{{shown}{more}}})"


def _merge_sorted(a: tuple[Range, ...], b: tuple[Range, ...]) -> list[Range]:
    """Merge two sorted range lists into one sorted list (not yet coalesced)."""
    out: list[Range] = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    out.extend(a[i:])
    out.extend(b[j:])
    return out


def _normalise_sorted(spans: Iterable[Range]) -> tuple[Range, ...]:
    """Coalesce sorted ranges that overlap or touch."""
    out: list[Range] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return tuple(out)


# -- RLE+ writer --------------------------------------------------------------------------------


class _BitWriter:
    """Appends bit groups, least significant bit first, to a byte string."""

    def __init__(self) -> None:
        self.acc = 0
        self.nbits = 0

    def put(self, value: int, width: int) -> None:
        """Append the low ``width`` bits of ``value``."""
        self.acc |= value << self.nbits
        self.nbits += width

    def put_length(self, length: int) -> None:
        """Append one run length with the shortest block that holds it."""
        if length == 1:
            self.put(1, 1)
        elif length < 16:
            self.put(0b10, 2)  # "01" in stream order: a 0 bit, then a 1 bit
            self.put(length, 4)
        else:
            self.put(0b00, 2)
            while length >= 0x80:
                self.put((length & 0x7F) | 0x80, 8)
                length >>= 7
            self.put(length, 8)

    def finish(self) -> bytes:
        """The bytes written so far; trailing zero bytes are implicit and dropped."""
        data = self.acc.to_bytes((self.nbits + 7) // 8, "little")
        return data.rstrip(b"\x00")


def encode_runs(runs: Iterable[tuple[bool, int]]) -> bytes:
    """RLE+ bytes of alternating runs; a trailing run of zeros is dropped, as go-bitfield does."""
    pending = [(v, n) for v, n in runs if n > 0]
    while pending and not pending[-1][0]:
        pending.pop()
    if not pending:
        return b""
    writer = _BitWriter()
    writer.put(_VERSION, 2)
    writer.put(1 if pending[0][0] else 0, 1)
    previous: bool | None = None
    for value, length in pending:
        if value == previous:
            raise InvalidInput("two consecutive runs with the same value")
        previous = value
        writer.put_length(length)
    return writer.finish()


# -- RLE+ reader --------------------------------------------------------------------------------


class _BitReader:
    """Reads bit groups, least significant bit first; past the end every bit reads as 0."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0  # in bits
        self.total = len(data) * 8

    def peek(self, width: int) -> int:
        """The next ``width`` (<= 8) bits without consuming them."""
        byte = self.pos >> 3
        window = int.from_bytes(self.data[byte : byte + 3], "little") >> (self.pos & 7)
        return window & ((1 << width) - 1)

    def read(self, width: int) -> int:
        """Consume and return the next ``width`` (<= 8) bits."""
        value = self.peek(width)
        self.pos += width
        return value

    def has_more(self) -> bool:
        """Whether any set bit remains (the data has no trailing zero byte, so this is exact)."""
        if self.pos >= self.total:
            return False
        return (self.pos >> 3) + 1 < len(self.data) or self.peek(8) != 0

    def read_varint(self) -> int:
        """An unsigned LEB128 varint of at most 10 bytes, minimally encoded and within a uint64."""
        value = 0
        start = self.pos
        for i in range(_VARINT_MAX_BYTES):
            byte = self.read(8)
            value |= (byte & 0x7F) << (7 * i)
            if byte & 0x80 == 0:
                if (i == 9 and byte > 1) or (byte == 0 and i != 0):
                    break
                return value
        raise DecodeError("invalid varint in RLE+ long block", start // 8)

    def read_length(self) -> int | None:
        """The next run length, or None at the end of the data."""
        if not self.has_more():
            return None
        at = self.pos // 8
        head = self.peek(6)
        if head & 0b01:
            self.pos += 1
            return 1
        if head & 0b10:
            self.pos += 6
            length = head >> 2
            if length < 2:
                raise DecodeError(f"RLE+ short block of length {length} is not minimal", at)
            return length
        self.pos += 2
        length = self.read_varint()
        if length < 16:
            raise DecodeError(f"RLE+ long block of length {length} is not minimal", at)
        return length


def decode_ranges(data: bytes, max_size: int = MAX_ENCODED_SIZE) -> tuple[Range, ...]:
    """Strictly decode RLE+ bytes to the sorted ranges of set bits."""
    data = bytes(data)
    if len(data) > max_size:
        raise DecodeError(f"RLE+ bitfield of {len(data)} bytes exceeds the {max_size}-byte limit")
    if not data:
        return ()
    if data[-1] == 0:
        raise DecodeError("RLE+ bitfield is not minimal: trailing zero byte", len(data) - 1)
    reader = _BitReader(data)
    if reader.read(2) != _VERSION:
        raise DecodeError("unsupported RLE+ version", 0)
    value = reader.read(1) == 1
    out: list[Range] = []
    index = 0
    while (length := reader.read_length()) is not None:
        if index + length > MAX_VALUE:
            raise DecodeError("RLE+ runs overflow 2^64 bits", reader.pos // 8)
        if value:
            out.append((index, index + length))
        index += length
        value = not value
    if value:
        # The last run read was zeros: a canonical encoding ends with a run of ones.
        raise DecodeError("RLE+ bitfield is not minimal: trailing run of zeros", len(data) - 1)
    return tuple(out)
