"""RLE+ bitfields: exact encoding, strict decoding, set algebra."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.bitfield import BitField, encode_runs


def pack(bits: str) -> bytes:
    """Bytes of a bit string written in stream order (least significant bit of each byte first)."""
    bits = bits.replace(" ", "")
    value = sum(1 << i for i, b in enumerate(bits) if b == "1")
    return value.to_bytes((len(bits) + 7) // 8, "little")


# (stream bits, set bits) pairs; each is the unique encoding of its set.
CANONICAL = [
    ("", []),
    ("00 1 01 0001", list(range(8))),  # one run of eight ones
    ("00 1 01 0010 1 01 1100", [0, 1, 2, 3, 5, 6, 7]),  # 4 ones, 1 zero, 3 ones
    ("00 1 00 10011000", list(range(25))),  # long block: varint 25
    ("00 0 1 1", [1]),  # one zero then one one
    ("00 0 01 1010 1", [5]),
    ("00 1 00 10001000", list(range(17))),
]


@pytest.mark.parametrize(("bits", "members"), CANONICAL)
def test_canonical_encodings_round_trip(bits: str, members: list[int]) -> None:
    data = pack(bits).rstrip(b"\x00")
    field = BitField.decode(data)
    assert list(field) == members
    assert BitField.from_indices(members).encode() == data


def test_known_byte_layout() -> None:
    # {0} is version 00, first bit 1, a single-1 block: bits 0,0,1,1 -> 0b1100.
    assert BitField.from_indices([0]).encode() == bytes([0b1100])
    assert BitField().encode() == b""
    # A run of 147 zeros then one 1: header 000, long block 00 + varint(147)=0x93 0x01, then 1.
    data = BitField.from_indices([147]).encode()
    assert BitField.decode(data) == BitField.from_indices([147])
    assert data == pack("00 0 00 11001001 10000000 1")


@pytest.mark.parametrize(
    ("bits", "reason"),
    [
        ("10 1 01 0001", "version"),
        ("00 1 01 1000 111111", "short block of length 1"),
        ("00 1 00 11000000 111", "long block of length 3"),
        ("00 1 00 10000000 111", "long block of length 1"),
        ("00 0 1", "trailing run of zeros"),
        ("00 0 01 0010", "not minimal"),
        ("00 1 01 0010 1", "trailing run of zeros"),
        ("00 1 1 01 0000 1", "short block of length 0"),
        ("00 1 1 00 00000000 1", "long block of length 0"),
        ("00 1 00 11000001 00000000 111", "invalid varint"),
    ],
)
def test_invalid_encodings(bits: str, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        BitField.decode(pack(bits))


def test_invalid_trailing_zero_byte() -> None:
    with pytest.raises(DecodeError, match="trailing zero byte"):
        BitField.decode(pack("00 1 01 1010") + b"\x00")


def test_invalid_overflow_and_size() -> None:
    # Two runs of 2^63 - 1 and then two more bits: more than 2^64 - 1 in total.
    big = (1 << 63) - 1
    data = encode_runs([(True, big), (False, big), (True, 2)])
    with pytest.raises(DecodeError, match="overflow"):
        BitField.decode(data)
    with pytest.raises(DecodeError, match="limit"):
        BitField.decode(b"\x0c" * 40, max_size=32)


def test_largest_run_decodes() -> None:
    field = BitField.from_ranges([(0, (1 << 64) - 1)])
    assert BitField.decode(field.encode()) == field
    with pytest.raises(InvalidInput):
        BitField.from_ranges([(0, 1 << 64)])


def test_set_operations() -> None:
    a = BitField.from_indices([1, 2, 3, 10, 11, 20])
    b = BitField.from_indices([3, 4, 10, 30])
    assert list(a | b) == [1, 2, 3, 4, 10, 11, 20, 30]
    assert list(a & b) == [3, 10]
    assert list(a - b) == [1, 2, 11, 20]
    assert list(b - a) == [4, 30]
    assert (a | b).count() == 8
    assert 11 in a and 12 not in a
    assert a.first() == 1 and a.last() == 20
    assert BitField.from_indices([2, 3]).is_subset(a)
    assert not b.is_subset(a)
    with pytest.raises(InvalidInput):
        BitField().first()


sets = st.sets(st.integers(min_value=0, max_value=300), max_size=60)


@settings(deadline=None)
@given(sets)
def test_round_trip_property(members: set[int]) -> None:
    field = BitField.from_indices(members)
    data = field.encode()
    assert BitField.decode(data) == field
    assert set(field) == members
    assert field.count() == len(members)


@settings(deadline=None)
@given(sets, sets)
def test_set_algebra_matches_python_sets(x: set[int], y: set[int]) -> None:
    a, b = BitField.from_indices(x), BitField.from_indices(y)
    assert set(a | b) == x | y
    assert set(a & b) == x & y
    assert set(a - b) == x - y
    for result in (a | b, a & b, a - b):
        assert BitField.decode(result.encode()) == result


@settings(deadline=None)
@given(st.binary(max_size=64))
def test_decoder_fuzz_random_bytes(data: bytes) -> None:
    try:
        field = BitField.decode(data)
    except DecodeError:
        return
    assert field.encode() == data  # whatever decodes is canonical


@settings(deadline=None)
@given(sets, st.integers(min_value=0), st.integers(min_value=0, max_value=7))
def test_decoder_fuzz_mutations(members: set[int], where: int, bit: int) -> None:
    data = bytearray(BitField.from_indices(members).encode() or b"\x0c")
    data[where % len(data)] ^= 1 << bit
    try:
        field = BitField.decode(bytes(data))
    except DecodeError:
        return
    assert field.encode() == bytes(data)


@given(st.sets(st.integers(0, 300)), st.sets(st.integers(0, 300)))
def test_cut_removes_bits_and_closes_the_gaps(a: set[int], b: set[int]) -> None:
    cut = BitField.from_indices(a).cut(BitField.from_indices(b))
    assert list(cut) == sorted(x - sum(1 for y in b if y < x) for x in a - b)


@given(st.sets(st.integers(0, 300)), st.integers(0, 40), st.integers(0, 40))
def test_slice_takes_set_bits_by_rank(a: set[int], start: int, count: int) -> None:
    bits = BitField.from_indices(a)
    if start + count > len(a):
        with pytest.raises(InvalidInput):
            bits.slice(start, count)
        return
    assert list(bits.slice(start, count)) == sorted(a)[start : start + count]


@given(st.lists(st.sets(st.integers(0, 200)), max_size=5))
def test_multi_union_is_the_union_of_all(sets: list[set[int]]) -> None:
    union = BitField.multi_union(BitField.from_indices(s) for s in sets)
    assert set(union) == set().union(*sets)
    for s in sets:
        assert union.contains_all(BitField.from_indices(s))
